/*
 * Unit tests of src/verify.c.
 */
#include "unit.h"

#define STD_ID		"msg_p5jXN8AQM9LWM0D4loKWxJek"
#define STD_TS		"1614265330"
#define STD_NOW		((time_t)1614265330)
#define STD_BODY	"{\"test\": 2432232314}"
#define STD_SIG		"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static int
std(const char *secret, const char *hdr, const char *body, time_t now)
{
	return verify_standard(secret, NULL, STD_ID, STD_TS, hdr, body,
	    strlen(body), now) == STD_V1;
}

static void
t_std_reference(void)
{
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG, STD_BODY, STD_NOW), 1);
}

static void
t_std_missing(void)
{
	EXPECT_INT(std(STD_SECRET, NULL, STD_BODY, STD_NOW), 0);
	EXPECT_INT(verify_standard(STD_SECRET, NULL, NULL, STD_TS, "v1," STD_SIG,
	    STD_BODY, strlen(STD_BODY), STD_NOW), 0);
	EXPECT_INT(verify_standard(STD_SECRET, NULL, STD_ID, NULL, "v1," STD_SIG,
	    STD_BODY, strlen(STD_BODY), STD_NOW), 0);
	EXPECT_INT(std(NULL, "v1," STD_SIG, STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "", STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1,", STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1", STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, STD_SIG, STD_BODY, STD_NOW), 0);
}

static void
t_std_timestamp(void)
{
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG, STD_BODY, STD_NOW + 300), 1);
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG, STD_BODY, STD_NOW - 300), 1);
	/* 301 s old, and 301 s in the future. */
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG, STD_BODY, STD_NOW + 301), 0);
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG, STD_BODY, STD_NOW - 301), 0);
	EXPECT_INT(verify_standard(STD_SECRET, NULL, STD_ID, "16142653x0",
	    "v1," STD_SIG, STD_BODY, strlen(STD_BODY), STD_NOW), 0);
}

static void
t_std_list(void)
{
	EXPECT_INT(std(STD_SECRET, "v1,bad v1," STD_SIG, STD_BODY, STD_NOW), 1);
	EXPECT_INT(std(STD_SECRET, "v1,bad v2," STD_SIG, STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1a,xyz v2,abc v1," STD_SIG, STD_BODY,
	    STD_NOW), 1);
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG " v1,bad", STD_BODY, STD_NOW),
	    1);
	EXPECT_INT(std(STD_SECRET, "v1a," STD_SIG, STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1,bad  v1," STD_SIG, STD_BODY, STD_NOW),
	    1);
}

static void
t_std_tampered(void)
{
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG, "{\"test\": 2432232315}",
	    STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1," STD_SIG, STD_BODY " ", STD_NOW), 0);
	EXPECT_INT(verify_standard(STD_SECRET, NULL, "msg_other", STD_TS,
	    "v1," STD_SIG, STD_BODY, strlen(STD_BODY), STD_NOW), 0);
	EXPECT_INT(std("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx",
	    "v1," STD_SIG, STD_BODY, STD_NOW), 0);
}

static void
t_std_no_prefix(void)
{
	EXPECT_INT(std("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "v1," STD_SIG,
	    STD_BODY, STD_NOW), 1);
	EXPECT_INT(std("whsec_not*base64", "v1," STD_SIG, STD_BODY, STD_NOW),
	    0);
}

/*
 * A signature entry of 88 base64 characters decodes to 66 bytes. It
 * must be refused without writing past the 32-byte MAC it is compared
 * with (ASan reports the overflow if it happens).
 */
static void
t_std_long_entry(void)
{
	char hdr[128];

	snprintf(hdr, sizeof(hdr), "v1,%.88s",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	EXPECT_INT(strlen(hdr), 91);
	EXPECT_INT(std(STD_SECRET, hdr, STD_BODY, STD_NOW), 0);
}

/*
 * The official Standard Webhooks test vectors, from the repository
 * standard-webhooks/standard-webhooks: libraries/python/tests/
 * test_webhooks.py (the same values are in the javascript, go, ruby,
 * php and csharp tests) and libraries/rust/src/lib.rs (test_sign,
 * test_no_verify). Only the values are taken.
 */
#define STD2_SECRET	"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
#define STD2_ID		"msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"
#define STD2_TS		"1649367553"
#define STD2_BODY	"{\"email\":\"test@example.com\",\"username\":\"test_user\"}"
#define STD2_SIG	"tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
#define STD_WRONG	"Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

static void
t_std_official(void)
{
	unsigned char key[STD_SECRET_MAX];
	size_t n;

	EXPECT_INT(verify_standard(STD2_SECRET, NULL, STD2_ID, STD2_TS,
	    "v1," STD2_SIG, STD2_BODY, strlen(STD2_BODY), 1649367553), STD_V1);
	/* rust test_no_verify */
	EXPECT_INT(verify_standard(STD2_SECRET, NULL, STD2_ID, STD2_TS,
	    "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=", STD2_BODY,
	    strlen(STD2_BODY), 1649367553), STD_NONE);
	/* invalid signatures of the python, javascript and ruby tests */
	EXPECT_INT(std(STD_SECRET, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
	    STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1,dawfeoifkpqwoekfpqoekf", STD_BODY,
	    STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd",
	    STD_BODY, STD_NOW), 0);
	/* rust test_verify_partial_signature */
	EXPECT_INT(std(STD_SECRET, "v1,", STD_BODY, STD_NOW), 0);
	EXPECT_INT(std(STD_SECRET, "v1,g0hM9", STD_BODY, STD_NOW), 0);
	/* test_multi_sig_payload_is_valid, with the javascript v1a entry */
	EXPECT_INT(std(STD_SECRET, "v1," STD_WRONG " v2," STD_WRONG " v1a,"
	    STD_WRONG " v1," STD_SIG " v1," STD_WRONG, STD_BODY, STD_NOW), 1);
	EXPECT_INT(std(STD_SECRET, "v1," STD_WRONG " v2," STD_WRONG " v1a,"
	    STD_WRONG " v1," STD_WRONG, STD_BODY, STD_NOW), 0);
	/* test_empty_secret_raises_error */
	EXPECT_INT(verify_std_secret("whsec_", key, &n), -1);
	EXPECT_INT(verify_std_secret("", key, &n), -1);
	EXPECT_INT(std("whsec_", "v1," STD_SIG, STD_BODY, STD_NOW), 0);
	/*
	 * test_signature_verification_with_unpadded_secret: the secret that
	 * needs no padding is read with or without whsec_. Its other two
	 * secrets ("...LaLaS", "...LaLaSwBr") carry stray low bits, which
	 * Python's decoder drops and libsodium refuses: here they are a
	 * config error, never a key that differs from the sender's.
	 */
	EXPECT_INT(verify_std_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key,
	    &n), 0);
	EXPECT_INT(n, 24);
	EXPECT_INT(verify_std_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", key,
	    &n), -1);
	EXPECT_INT(verify_std_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr",
	    key, &n), -1);
	/* The same two secrets as an encoder writes them. */
	EXPECT_INT(verify_std_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaQ=", key,
	    &n), 0);
	EXPECT_INT(n, 23);
	EXPECT_INT(verify_std_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBg",
	    key, &n), 0);
	EXPECT_INT(n, 25);
}

/*
 * v1a: Ed25519 over the same "id.timestamp.body". The vector is the
 * official one of the javascript test "v1a: sign function works", in
 * commit 659f674 ("Added tests for v1a javascript") of
 * standard-webhooks/standard-webhooks, a commit not on its main branch
 * when read: the key pair from the seed of 32 bytes 0x01, the message of
 * STD_ID, STD_TS and STD_BODY. The public key below is not in that file:
 * it is libsodium's from the same seed, and checked against it here.
 */
#define V1A_SIG		"Ykcu7AtGZGmZxFEH1Gaa2Nd7feY/CTuruoL4fqgnKwfbHU4DhemoVHZdv" \
			"GfIvKvn4BIgwktLGGPGIr/i9nK7AA=="
/* The same message signed by the seed of 32 bytes 0x02: another sender. */
#define V1A_OTHER	"dVNtVYaE/spKpW5VF9BsoDa3CNzCIeZ1QrISzRiUmPMjfv5iJHBnQAGN0" \
			"OgawzHdnnWs0auFGbn9oVpSo9fqCA=="

static enum std_proof
v1a(const char *secret, const char *pk, const char *id, const char *hdr,
    const char *body, time_t now)
{
	return verify_standard(secret, pk, id, STD_TS, hdr, body,
	    strlen(body), now);
}

static void
t_std_v1a_official(void)
{
	unsigned char seed[32], pk[32], sk[64], sig[64], got[32];
	char b64[100];
	const char *msg = STD_ID "." STD_TS "." STD_BODY;

	memset(seed, 1, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	EXPECT_INT(verify_std_public_key(V1A_PK, got), 0);
	EXPECT(memcmp(pk, got, 32) == 0);
	/* Ed25519 is deterministic: libsodium signs the vector itself. */
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg,
	    strlen(msg), sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	EXPECT_STR(b64, V1A_SIG);
	sodium_memzero(sk, sizeof(sk));

	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a," V1A_SIG, STD_BODY, STD_NOW),
	    STD_V1A);
	/* "v1a: verifies the matching signature out of a mixed header" */
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1," STD_WRONG " v1a," V1A_SIG,
	    STD_BODY, STD_NOW), STD_V1A);
	/* "v1a: invalid signature", "v1a: tampered signature" */
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a,dawfeoifkpqwoekfpqoekf",
	    STD_BODY, STD_NOW), STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a," V1A_OTHER, STD_BODY,
	    STD_NOW), STD_NONE);
	/* "a v1-keyed instance ignores v1a signatures and vice versa" */
	EXPECT_INT(v1a(STD_SECRET, NULL, STD_ID, "v1a," V1A_SIG, STD_BODY,
	    STD_NOW), STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1," STD_SIG, STD_BODY, STD_NOW),
	    STD_NONE);
	/* "v1a: empty key raises error" */
	EXPECT_INT(verify_std_public_key("whpk_", got), -1);
	EXPECT_INT(v1a(NULL, "whpk_", STD_ID, "v1a," V1A_SIG, STD_BODY,
	    STD_NOW), STD_NONE);
}

static void
t_std_v1a_tampered(void)
{
	char hdr[1200], flipped[100];
	unsigned char sig[64];
	size_t n, i;

	/* Each part of the signed content, changed. */
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a," V1A_SIG,
	    "{\"test\": 2432232315}", STD_NOW), STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a," V1A_SIG, STD_BODY " ",
	    STD_NOW), STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, "msg_other", "v1a," V1A_SIG, STD_BODY,
	    STD_NOW), STD_NONE);
	EXPECT_INT(verify_standard(NULL, V1A_PK, STD_ID, "1614265331",
	    "v1a," V1A_SIG, STD_BODY, strlen(STD_BODY), STD_NOW), STD_NONE);
	/* The signature: one bit, cut short, one byte more, or unlabelled. */
	EXPECT_INT(hb_base64_any(sig, sizeof(sig), &n, V1A_SIG,
	    strlen(V1A_SIG)), 0);
	for (i = 0; i < sizeof(sig); i += 21) {
		sig[i] ^= 0x01;
		sodium_bin2base64(flipped, sizeof(flipped), sig, sizeof(sig),
		    sodium_base64_VARIANT_ORIGINAL);
		sig[i] ^= 0x01;
		snprintf(hdr, sizeof(hdr), "v1a,%s", flipped);
		if (v1a(NULL, V1A_PK, STD_ID, hdr, STD_BODY, STD_NOW) !=
		    STD_NONE)
			note(__LINE__, "byte %zu flipped, accepted", i);
	}
	snprintf(hdr, sizeof(hdr), "v1a,%.84s", V1A_SIG);	/* 63 bytes */
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, hdr, STD_BODY, STD_NOW), STD_NONE);
	snprintf(hdr, sizeof(hdr), "v1a,%.86sAAA=", V1A_SIG);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, hdr, STD_BODY, STD_NOW), STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, V1A_SIG, STD_BODY, STD_NOW),
	    STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1," V1A_SIG, STD_BODY, STD_NOW),
	    STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a", STD_BODY, STD_NOW),
	    STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a,", STD_BODY, STD_NOW),
	    STD_NONE);
	/* Another sender's key. */
	EXPECT_INT(v1a(NULL, "whpk_gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=",
	    STD_ID, "v1a," V1A_SIG, STD_BODY, STD_NOW), STD_NONE);
	EXPECT_INT(v1a(NULL, "whpk_gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=",
	    STD_ID, "v1a," V1A_OTHER, STD_BODY, STD_NOW), STD_V1A);
	/* The timestamp window is the same as v1's. */
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a," V1A_SIG, STD_BODY,
	    STD_NOW + CLOCK_SKEW_SECS), STD_V1A);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a," V1A_SIG, STD_BODY,
	    STD_NOW + CLOCK_SKEW_SECS + 1), STD_NONE);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, "v1a," V1A_SIG, STD_BODY,
	    STD_NOW - CLOCK_SKEW_SECS - 1), STD_NONE);
}

static void
t_std_v1a_forms(void)
{
	char hdr[1200], b64[100];
	unsigned char sig[64], pk[32];
	size_t n, i;

	/* Either alphabet, padded or not, for the signature and the key. */
	EXPECT_INT(hb_base64_any(sig, sizeof(sig), &n, V1A_SIG,
	    strlen(V1A_SIG)), 0);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(hdr, sizeof(hdr), "v1a,%s", b64);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, hdr, STD_BODY, STD_NOW), STD_V1A);
	EXPECT_INT(verify_std_public_key(V1A_PK, pk), 0);
	sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(hdr, sizeof(hdr), "whpk_%s", b64);
	EXPECT_INT(v1a(NULL, hdr, STD_ID, "v1a," V1A_SIG, STD_BODY, STD_NOW),
	    STD_V1A);
	/* Keys that are not a whpk_ 32-byte key. */
	EXPECT_INT(verify_std_public_key(V1A_PK + 5, pk), -1);
	EXPECT_INT(verify_std_public_key("whpk_AAAA", pk), -1);
	EXPECT_INT(verify_std_public_key("whpk_iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83"
	    "SIAbQPb1wA", pk), -1);	/* 33 bytes */
	EXPECT_INT(verify_std_public_key("whpk_iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83"
	    "SIAbQPb1w=X", pk), -1);
	EXPECT_INT(verify_std_public_key("whsec_iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb"
	    "83SIAbQPb1w=", pk), -1);
	/* With both keys, either entry proves it, and says which. */
	EXPECT_INT(v1a(STD_SECRET, V1A_PK, STD_ID, "v1," STD_SIG " v1a,"
	    V1A_SIG, STD_BODY, STD_NOW), STD_V1);
	EXPECT_INT(v1a(STD_SECRET, V1A_PK, STD_ID, "v1," STD_WRONG " v1a,"
	    V1A_SIG, STD_BODY, STD_NOW), STD_V1A);
	EXPECT_INT(v1a(STD_SECRET, V1A_PK, STD_ID, "v1a," V1A_OTHER " v1,"
	    STD_SIG, STD_BODY, STD_NOW), STD_V1);
	EXPECT_INT(v1a(STD_SECRET, V1A_PK, STD_ID, "v1a," V1A_OTHER " v1,"
	    STD_WRONG, STD_BODY, STD_NOW), STD_NONE);
	/* A bad secret does not stop the public key from proving it. */
	EXPECT_INT(v1a("whsec_", V1A_PK, STD_ID, "v1a," V1A_SIG, STD_BODY,
	    STD_NOW), STD_V1A);
	/* Only the first 8 v1a entries cost an Ed25519 check. */
	hdr[0] = '\0';
	for (i = 0; i < 7; i++)
		strcat(hdr, "v1a," V1A_OTHER " ");
	strcat(hdr, "v1a," V1A_SIG);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, hdr, STD_BODY, STD_NOW), STD_V1A);
	hdr[0] = '\0';
	for (i = 0; i < 8; i++)
		strcat(hdr, "v1a," V1A_OTHER " ");
	strcat(hdr, "v1a," V1A_SIG);
	EXPECT_INT(v1a(NULL, V1A_PK, STD_ID, hdr, STD_BODY, STD_NOW), STD_NONE);
	/* ...while v1 entries, cheap, are all read. */
	hdr[0] = '\0';
	for (i = 0; i < 12; i++)
		strcat(hdr, "v1," STD_WRONG " ");
	strcat(hdr, "v1," STD_SIG);
	EXPECT_INT(v1a(STD_SECRET, V1A_PK, STD_ID, hdr, STD_BODY, STD_NOW),
	    STD_V1);
}

#define REFLOW_SECRET	"reflow_test_secret"
#define REFLOW_ORDER	"7bb21d86da408c88395239a5e9a1773557eb4eb94f9f47018d0e0cfacc19647e"
#define REFLOW_PRODUCTS	"052ab4cc6101b1c20e04402f401b4d21789c9072093841819d71b042bc24db2c"

static void
t_reflow_vectors(void)
{
	struct buf order = { 0 }, products = { 0 };
	char hex[65];

	if (slurp(FIX "reflow-order.created.json", &order) == 0 &&
	    slurp(FIX "reflow-products.changed.json", &products) == 0) {
		hex_of_hmac(hex, REFLOW_SECRET, order.data, order.len);
		EXPECT_STR(hex, REFLOW_ORDER);
		hex_of_hmac(hex, REFLOW_SECRET, products.data, products.len);
		EXPECT_STR(hex, REFLOW_PRODUCTS);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, order.data,
		    order.len, REFLOW_ORDER), 1);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, products.data,
		    products.len, REFLOW_PRODUCTS), 1);
		/* Each signature belongs to its own body only. */
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, order.data,
		    order.len, REFLOW_PRODUCTS), 0);
		EXPECT_INT(verify_hmac_hex("other_secret", order.data,
		    order.len, REFLOW_ORDER), 0);
	}
	buf_free(&order);
	buf_free(&products);
}

static void
t_hmac_hex_forms(void)
{
	struct buf b = { 0 };
	char sig[128];

	if (slurp(FIX "reflow-order.created.json", &b) == 0) {
		snprintf(sig, sizeof(sig), "%s", REFLOW_ORDER);
		upcase(sig);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, sig),
		    1);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len,
		    "sha256=" REFLOW_ORDER), 1);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len,
		    "e7IdhtpAjIg5Ujml6aF3NVfrTrlPn0cBjQ4M+swZZH4="), 1);
		/* A body changed by one byte. */
		b.data[b.len - 2] ^= 1;
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len,
		    REFLOW_ORDER), 0);
	}
	buf_free(&b);
}

static void
t_hmac_hex_reject(void)
{
	struct buf b = { 0 };
	char sig[160];

	if (slurp(FIX "reflow-order.created.json", &b) == 0) {
		/* wrong: last digit changed */
		snprintf(sig, sizeof(sig), "%s", REFLOW_ORDER);
		sig[63] = sig[63] == 'e' ? 'f' : 'e';
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, sig),
		    0);
		/* short: 63 digits */
		snprintf(sig, sizeof(sig), "%.63s", REFLOW_ORDER);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, sig),
		    0);
		/* overlong: one more digit, or the MAC twice */
		snprintf(sig, sizeof(sig), "%s0", REFLOW_ORDER);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, sig),
		    0);
		snprintf(sig, sizeof(sig), "%s%s", REFLOW_ORDER, REFLOW_ORDER);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, sig),
		    0);
		/* a prefix of the right MAC is not the MAC */
		snprintf(sig, sizeof(sig), "%.32s", REFLOW_ORDER);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, sig),
		    0);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, ""),
		    0);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len,
		    "sha256="), 0);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len, NULL),
		    0);
		EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, b.data, b.len,
		    "sha1=" REFLOW_ORDER), 0);
	}
	buf_free(&b);
}

/* 88 base64 characters decode to 66 bytes: refused, no overflow. */
static void
t_hmac_long_base64(void)
{
	char sig[96];

	memset(sig, 'A', 88);
	sig[88] = '\0';
	EXPECT_INT(verify_hmac_hex(REFLOW_SECRET, "{}", 2, sig), 0);
}

static int
fd_verify(const char *hdr, const char *body, time_t now, const char **m)
{
	return verify_flipdish(FD_SECRET, hdr, body, strlen(body), now, m);
}

static void
t_flipdish_forms(void)
{
	static const char body[] = "{\"detail-type\":\"sale.created.v1\"}";
	static const char ms[] = "2025-08-14T12:34:56.789Z";
	const char *m = "unset";
	char t[32], hex[65], hdr[256];

	hb_iso8601(t, FD_NOW);
	fd_hex(hex, t, body, 1);
	snprintf(hdr, sizeof(hdr), "t=%s,sha256=%s", t, hex);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW, &m), 1);
	EXPECT_STR(m, "flipdish-v3 hmac(t.body)");
	/* A space after the comma is tolerated. */
	snprintf(hdr, sizeof(hdr), "t=%s, sha256=%s", t, hex);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW, &m), 1);
	fd_hex(hex, t, body, 0);
	snprintf(hdr, sizeof(hdr), "t=%s,sha256=%s", t, hex);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW, &m), 1);
	EXPECT_STR(m, "flipdish-v3 hmac(body), freshness unproven");
	/* Milliseconds, as Flipdish sends them, and upper-case hex. */
	fd_hex(hex, ms, body, 1);
	upcase(hex);
	snprintf(hdr, sizeof(hdr), "t=%s,sha256=%s", ms, hex);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW, &m), 1);
	EXPECT_STR(m, "flipdish-v3 hmac(t.body)");
}

static void
t_flipdish_time(void)
{
	static const char body[] = "{}";
	const char *m = "unset";
	char t[32], hex[65], hdr[256];

	hb_iso8601(t, FD_NOW);
	fd_hex(hex, t, body, 1);
	snprintf(hdr, sizeof(hdr), "t=%s,sha256=%s", t, hex);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW + 300, &m), 1);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW - 300, &m), 1);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW + 301, &m), 0);
	EXPECT(m == NULL);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW - 301, &m), 0);
	EXPECT(m == NULL);
	/* A t.body MAC with a t that is not a time proves nothing. */
	fd_hex(hex, "yesterday", body, 1);
	snprintf(hdr, sizeof(hdr), "t=yesterday,sha256=%s", hex);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW, &m), 0);
	/*
	 * Under the body-only MAC t is not signed, so it proves no
	 * freshness either way: not checked, and the proof says so (a
	 * replay is caught by the event key instead).
	 */
	fd_hex(hex, t, body, 0);
	snprintf(hdr, sizeof(hdr), "t=%s,sha256=%s", t, hex);
	EXPECT_INT(fd_verify(hdr, body, FD_NOW + 301, &m), 1);
	EXPECT_STR(m, "flipdish-v3 hmac(body), freshness unproven");
	EXPECT_INT(fd_verify(hdr, body, FD_NOW + 86400 * 365, &m), 1);
	EXPECT_STR(m, "flipdish-v3 hmac(body), freshness unproven");
}

static void
t_flipdish_malformed(void)
{
	static const char body[] = "{}";
	const char *m = "unset";
	char t[32], hex[65], good[256], hdr[300];

	hb_iso8601(t, FD_NOW);
	fd_hex(hex, t, body, 1);
	snprintf(good, sizeof(good), "t=%s,sha256=%s", t, hex);
	EXPECT_INT(fd_verify(good, body, FD_NOW, &m), 1);	/* the control */

	EXPECT_INT(fd_verify(NULL, body, FD_NOW, &m), 0);
	EXPECT(m == NULL);
#define BAD(...) do {							\
	snprintf(hdr, sizeof(hdr), __VA_ARGS__);			\
	if (fd_verify(hdr, body, FD_NOW, &m) != 0 || m != NULL)		\
		note(__LINE__, "[%s] accepted", hdr);			\
} while (0)
	BAD("%s", "");
	BAD("t=");
	BAD("t=,sha256=");
	BAD("%s", hex);				/* the MAC alone */
	BAD("sha256=%s", hex);			/* no t= */
	BAD("t=%s", t);				/* no MAC */
	BAD("t=%s,sha256=%.63s", t, hex);	/* short */
	BAD("t=%s,sha256=%s0", t, hex);		/* overlong */
	BAD("t=%s,sha256=%.63sg", t, hex);	/* not hex */
	BAD("t=yesterday,sha256=%s", hex);	/* t not a time */
	BAD("t=%s;sha256=%s", t, hex);		/* wrong separator */
	BAD("t=%.19s.5Z,sha256=%s", t, hex);	/* t is not the one signed */
#undef BAD
	EXPECT_INT(verify_flipdish("wrong", good, body, 2, FD_NOW, &m), 0);
	EXPECT_INT(verify_flipdish(NULL, good, body, 2, FD_NOW, &m), 0);
	EXPECT_INT(verify_flipdish(FD_SECRET, good, "{ }", 3, FD_NOW, &m), 0);
	EXPECT(m == NULL);
}

static void
t_path_token(void)
{
	struct request r;
	struct answer a;

	mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/catalog/s3cr3t"));
	EXPECT_INT(verify_path_token(&r, "s3cr3t"), 1);
	EXPECT_INT(verify_path_token(&r, "s3cr3"), 0);
	EXPECT_INT(verify_path_token(&r, "s3cr3tt"), 0);
	req_free(&r);
	mkreq(&r, &a, VARS("REQUEST_METHOD=GET", "PATH_INFO=/shop",
	    "QUERY_STRING=event_type=x&token=a%2Eb&order_id=1"));
	EXPECT_INT(verify_path_token(&r, "a.b"), 1);
	EXPECT_INT(verify_path_token(&r, "a%2Eb"), 0);
	req_free(&r);
	mkreq(&r, &a, VARS("REQUEST_METHOD=GET", "PATH_INFO=/shop",
	    "QUERY_STRING=xtoken=abc&token="));
	EXPECT_INT(verify_path_token(&r, "abc"), 0);
	req_free(&r);
	mkreq(&r, &a, VARS("REQUEST_METHOD=GET", "PATH_INFO=/shop/"));
	EXPECT_INT(verify_path_token(&r, "abc"), 0);
	req_free(&r);
}

/*
 * ---- issue 22: the platforms' own vectors, through verify_scheme ----
 * Each from the page or the platform's own SDK test cited beside it.
 */

/* One vector: scheme row, secret, header value, body, now, url. */
static enum sig_result
vec(enum scheme_id id, const char *secret, const char *sig, const char *body,
    size_t len, time_t now, const char *url)
{
	struct sig_input in = { .sig = sig, .url = url, .body = body,
	    .len = len, .now = now, .tolerance = TOLERANCE_DEFAULT };

	return verify_scheme(&schemes[id], secret, NULL, &in);
}

#define VEC(id, secret, sig, body, now, url) \
	vec(id, secret, sig, body, strlen(body), now, url)

/*
 * GitHub: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
 * (GH-1), and octokit/webhooks-methods.js test/verify.test.ts (GH-2..5).
 */
static void
t_vec_github(void)
{
	EXPECT_INT(VEC(SCH_GITHUB, "It's a Secret to Everybody",
	    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
	    "Hello, World!", 0, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_GITHUB, "mysecret",
	    "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3",
	    "{\"foo\":\"bar\"}", 0, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_GITHUB, "development",
	    "sha256=afecc3caa27548bb90d51a50384cb2868b9a3327b4ad6a01c9bd4ed0f8b0b12c",
	    "{\"foo\":\"Foo\\n\\u001B[34mbar: \xe2\x99\xa5\xe2\x99\xa5\xe2\x99\xa5"
	    "\xe2\x99\xa5\xe2\x99\xa5\xe2\x99\xa5\xe2\x99\xa5\xe2\x99\xa5\\nthis-is-lost"
	    "\\u001B[0m\\u001B[2K\"}", 0, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_GITHUB, "development",
	    "sha256=6f8326efbacfbd04e870cea25b5652e635be8c9807f2fd5348ef60753c9e96ed",
	    "{\"foo\":\"\\\\u001b\"}", 0, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_GITHUB, "secret",
	    "sha256=1b2c16b75bd2a870c114153ccda5bcfca63314bc722fa160d690de133ccbb9db",
	    "data", 0, NULL), SIG_MAC);
	/* The bytes as received: GH-3's text in lower case fails. */
	EXPECT_INT(VEC(SCH_GITHUB, "development",
	    "sha256=afecc3caa27548bb90d51a50384cb2868b9a3327b4ad6a01c9bd4ed0f8b0b12c",
	    "{\"foo\":\"Foo\\n\\u001b[34mbar\"}", 0, NULL), SIG_NONE);
	/* The SHA-1 header's form is not read. */
	EXPECT_INT(VEC(SCH_GITHUB, "secret",
	    "sha1=9818e3306ba5ac267b5f2679fe4abd37e6cd7b54", "data", 0, NULL),
	    SIG_NONE);
}

/*
 * Stripe: stripe/stripe-dotnet EventUtilityTest.cs with
 * event_test_signature.json (ST-1, https://docs.stripe.com/webhooks#verify-manually);
 * stripe-node test/crypto/helpers.ts (ST-2..4, the HMAC alone).
 */
static const char st1_body[] = "{\n"
    "  \"id\": \"evt_123\",\n"
    "  \"object\": \"event\",\n"
    "  \"account\": \"acct_123\",\n"
    "  \"api_version\": \"2017-05-25\",\n"
    "  \"created\": 1533204620,\n"
    "  \"data\": {\n"
    "    \"object\": {\n"
    "      \"id\": \"cus_123\",\n"
    "      \"object\": \"customer\",\n"
    "      \"created\": 123456789,\n"
    "      \"email\": \"test@stripe.com\",\n"
    "      \"livemode\": false,\n"
    "      \"metadata\": {}\n"
    "    }\n"
    "  },\n"
    "  \"livemode\": false,\n"
    "  \"pending_webhooks\": 1,\n"
    "  \"request\": {\n"
    "    \"id\": \"req_123\",\n"
    "    \"idempotency_key\": \"idempotency-key-123\"\n"
    "  },\n"
    "  \"type\": \"customer.created\"\n"
    "}\n";
#define ST1_SIG	"t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef"

static void
t_vec_stripe(void)
{
	unsigned char mac[32];
	char hex[65];

	EXPECT_INT((int)strlen(st1_body), 484);
	EXPECT_INT(VEC(SCH_STRIPE, "webhook_secret", ST1_SIG, st1_body,
	    1533204620 + 100, NULL), SIG_MAC);
	/* 400 s later: outside the 300 s tolerance. */
	EXPECT_INT(VEC(SCH_STRIPE, "webhook_secret", ST1_SIG, st1_body,
	    1533204620 + 400, NULL), SIG_NONE);
	/* Without the final LF the HMAC differs. */
	EXPECT_INT(vec(SCH_STRIPE, "webhook_secret", ST1_SIG, st1_body,
	    strlen(st1_body) - 1, 1533204620, NULL), SIG_NONE);
	/* Only v1 counts: the v0 alone proves nothing. */
	EXPECT_INT(VEC(SCH_STRIPE, "webhook_secret", "t=1533204620,v0="
	    "63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef",
	    st1_body, 1533204620, NULL), SIG_NONE);
	/* Rotation: a wrong v1 first, the right one after. */
	EXPECT_INT(VEC(SCH_STRIPE, "webhook_secret", "t=1533204620,v1="
	    "0000000000000000000000000000000000000000000000000000000000000000,"
	    "v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7",
	    st1_body, 1533204620, NULL), SIG_MAC);
	/* ST-2..4: HMAC-SHA256 under "test_secret", hex. */
	hb_hmac_sha256(mac, "test_secret", 11, "", 0);
	sodium_bin2hex(hex, sizeof(hex), mac, 32);
	EXPECT_STR(hex, "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd");
	hb_hmac_sha256(mac, "test_secret", 11, "{\"obj1\":\"hello\",\"obj2\":\"world\"}", 31);
	sodium_bin2hex(hex, sizeof(hex), mac, 32);
	EXPECT_STR(hex, "bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363");
	hb_hmac_sha256(mac, "test_secret", 11, "\xf0\x9f\x98\x80", 4);
	sodium_bin2hex(hex, sizeof(hex), mac, 32);
	EXPECT_STR(hex, "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43");
}

/*
 * Paddle: https://developer.paddle.com/webhooks/signature-verification;
 * paddle-node-sdk webhooks-validator.node.test.ts (PD-1..3) and
 * paddle-python-sdk tests/Unit/Notification/test_Verifier.py (PD-4..6).
 */
static void
t_vec_paddle(void)
{
	static const char pd5[] = "{\"data\":{\"id\":\"ctm_01hs0tqf76sxmp7ba5e4mw1sc8\",\"name\":\"John Doe\",\"email\":\"blackhole+verification2@paddle.com\",\"locale\":\"en\",\"status\":\"active\",\"created_at\":\"2024-03-15T10:32:37.862Z\",\"updated_at\":\"2024-03-15T10:32:37.862Z\",\"custom_data\":null,\"import_meta\":null,\"marketing_consent\":false},\"event_id\":\"evt_01hs0tqfme2xwb2hvwv87p8y3w\",\"event_type\":\"customer.created\",\"occurred_at\":\"2024-03-15T10:32:38.286848Z\",\"notification_id\":\"ntf_01hs0tqfrhgkyp39x4wyvy7h6n\"}";
	static const char pd6[] = "{\"data\":{\"id\":\"ctm_01hs0t94g83hs5jdw282ztqa4z\",\"name\":\"\\u00dc\\u00c4\\u00c5\\u00e5\\u00d6\\u00dc\\u00c4\\u00c5\\u00e5\\u00d6\",\"email\":\"blackhole+verification1@paddle.com\",\"locale\":\"en\",\"status\":\"active\",\"created_at\":\"2024-03-15T10:24:48.136Z\",\"updated_at\":\"2024-03-15T10:24:48.136Z\",\"custom_data\":null,\"import_meta\":null,\"marketing_consent\":false},\"event_id\":\"evt_01hs0t94tjvtv62azjmkbeysz7\",\"event_type\":\"customer.created\",\"occurred_at\":\"2024-03-15T10:24:48.466759Z\",\"notification_id\":\"ntf_01hs0t94ws0ay8keh5t4rq70ht\"}";
	const char *pd5_key = "pdl_ntfset_01hs0t3tw21j988db1pam5xg8m_GrOWLNef+vmtjJYq4mSnHNzvc8uWoJ1I";

	EXPECT_INT(VEC(SCH_PADDLE, "VALID_SECRET", "ts=1698796800;h1="
	    "a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9",
	    "{\"data\": [\"1\", \"2\"]}", 1698796800 + 5, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_PADDLE, "VALID_SECRET", "ts=1698796800;h1="
	    "28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1="
	    "28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;"
	    "h2=RANDOM_HASH", "{\"data\": \"value\"}", 1698796800, NULL),
	    SIG_MAC);
	EXPECT_INT(VEC(SCH_PADDLE, "VALID_SECRET", "ts=1698796800;h1="
	    "a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9",
	    "{ \"data\": [ \"1\", \"2\" ]}", 1698796800, NULL), SIG_NONE);
	/* Four days later: stale (the SDKs' 5 s; here "tolerance"). */
	EXPECT_INT(VEC(SCH_PADDLE, "VALID_SECRET", "ts=1698796800;h1="
	    "a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9",
	    "{\"data\": [\"1\", \"2\"]}", 1698796800 + 4 * 86400, NULL),
	    SIG_NONE);
	/* PD-4: rotation, only the third key matches; a dummy h1 first. */
	EXPECT_INT(VEC(SCH_PADDLE, "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_"
	    "TjIG2BXbm83HPXqNfziwe506sBEdqL/4", "ts=1696195954;h1=dummy;h1="
	    "d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02",
	    "hello-world", 1696195954, NULL), SIG_NONE);
	EXPECT_INT(VEC(SCH_PADDLE, "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_"
	    "vB/yIOnTOCWIvpBadM5jzBZPHc7OmdSo", "ts=1696195954;h1=dummy;h1="
	    "d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02",
	    "hello-world", 1696195954, NULL), SIG_NONE);
	EXPECT_INT(VEC(SCH_PADDLE, "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_"
	    "WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh", "ts=1696195954;h1=dummy;h1="
	    "d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02",
	    "hello-world", 1696195954, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_PADDLE, pd5_key, "ts=1710498758;h1="
	    "558bf93944dbeb4790c7a8af6cb2ea435c8ca9c8396aafc1a4e37424ac132744",
	    pd5, 1710498758, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_PADDLE, pd5_key, "ts=1710498288;h1="
	    "38219b3ba1578184e625c29d201a27cd25bd69e2ec9c3ab87dcb90d87ff73a41",
	    pd6, 1710498288, NULL), SIG_MAC);
}

/*
 * Square: https://developer.squareup.com/docs/webhooks/step3validate;
 * square-nodejs-sdk tests/integration/webhooks.test.ts (SQ-1..4).
 */
static void
t_vec_square(void)
{
	static const char sq1[] = "{\"merchant_id\":\"MLEFBHHSJGVHD\",\"type\":\"webhooks.test_notification\",\"event_id\":\"ac3ac95b-f97d-458c-a6e6-18981597e05f\",\"created_at\":\"2022-07-13T20:30:59.037339943Z\",\"data\":{\"type\":\"webhooks\",\"id\":\"bc368e64-01aa-407e-b46e-3231809b1129\"}}";
	const char *url1 = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9";

	EXPECT_INT(VEC(SCH_SQUARE, "Ibxx_5AKakO-3qeNVR61Dw",
	    "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=", sq1, 0, url1),
	    SIG_MAC);
	EXPECT_INT(VEC(SCH_SQUARE, "signature-key",
	    "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=",
	    "{\"data\":{\"type\":\"webhooks\",\"id\":\"fake_id\"}}", 0,
	    "https://webhook.site/webhooks"), SIG_MAC);
	EXPECT_INT(VEC(SCH_SQUARE, "signature-key",
	    "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=",
	    "{\"data\":{\"type\":\"webhooks\",\"id\":\">id<\"}}", 0,
	    "https://webhook.site/webhooks"), SIG_MAC);
	/* SQ-4: one character of the URL dropped. */
	EXPECT_INT(VEC(SCH_SQUARE, "Ibxx_5AKakO-3qeNVR61Dw",
	    "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=", sq1, 0,
	    "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9"),
	    SIG_NONE);
	/* Another key; a SHA-1-length value; no URL configured. */
	EXPECT_INT(VEC(SCH_SQUARE, "MCmhFRxGX82xMwg5FsaoQA",
	    "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=", sq1, 0, url1),
	    SIG_NONE);
	EXPECT_INT(VEC(SCH_SQUARE, "Ibxx_5AKakO-3qeNVR61Dw",
	    "1z2n3DEJJiUPKcPzQo1ftvbxGdw=", sq1, 0, url1), SIG_NONE);
	EXPECT_INT(VEC(SCH_SQUARE, "Ibxx_5AKakO-3qeNVR61Dw",
	    "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=", sq1, 0, NULL),
	    SIG_NONE);
}

/*
 * Shopify: https://shopify.dev/docs/apps/build/webhooks/verify-deliveries;
 * shopify-app-js lib/webhooks/__tests__/validate.test.ts (SH-1).
 * Mollie: mollie-api-php tests/Webhooks/SignatureValidatorTest.php (MO-1,
 * its expected value computed; https://docs.mollie.com/reference/webhooks-new).
 */
static void
t_vec_shopify_mollie(void)
{
	static const char mo[] = "{\"id\":\"tr_12345\",\"event_type\":\"payment-link.paid\"}";

	EXPECT_INT(VEC(SCH_SHOPIFY, "test_secret_key",
	    "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=", "{\"foo\": \"bar\"}",
	    0, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_SHOPIFY, "test_secret_key",
	    "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=", "{\"foo\":\"bar\"}",
	    0, NULL), SIG_NONE);
	EXPECT_INT(VEC(SCH_MOLLIE, "test_webhook_secret", "sha256="
	    "e479a5e4aaa17db94cfc546071e10e91c0b37f21e464e751ebdd7d7ad2ffd146",
	    mo, 0, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_MOLLIE, "test_webhook_secret",
	    "e479a5e4aaa17db94cfc546071e10e91c0b37f21e464e751ebdd7d7ad2ffd146",
	    mo, 0, NULL), SIG_MAC);
	/* Sent twice during rotation: the server joins them with ", ". */
	EXPECT_INT(VEC(SCH_MOLLIE, "test_webhook_secret", "sha256=00, sha256="
	    "e479a5e4aaa17db94cfc546071e10e91c0b37f21e464e751ebdd7d7ad2ffd146",
	    mo, 0, NULL), SIG_MAC);
	EXPECT_INT(VEC(SCH_MOLLIE, "other_secret", "sha256="
	    "e479a5e4aaa17db94cfc546071e10e91c0b37f21e464e751ebdd7d7ad2ffd146",
	    mo, 0, NULL), SIG_NONE);
}

/* The Stripe secret is the whsec_ string itself, never decoded. */
static void
t_vec_key_forms(void)
{
	unsigned char buf[STD_SECRET_MAX];
	size_t n = 0;

	EXPECT(scheme_key(&schemes[SCH_STRIPE], "whsec_abc", buf, &n) != NULL &&
	    n == 9);
	EXPECT(scheme_key(&schemes[SCH_STANDARD], "whsec_", buf, &n) == NULL);
	EXPECT(scheme_key(&schemes[SCH_STANDARD], "whsec_!!!", buf, &n) == NULL);
	EXPECT(scheme_key(&schemes[SCH_STRIPE], "", buf, &n) == NULL);
	EXPECT(scheme_find("stripe") == &schemes[SCH_STRIPE]);
	EXPECT(scheme_find("flipdish") == NULL);	/* internal */
	EXPECT(scheme_find("nope") == NULL);
}

const struct unit_case verify_cases[] = {
	{ "verify standard reference vector", t_std_reference },
	{ "verify standard missing parts", t_std_missing },
	{ "verify standard timestamp window", t_std_timestamp },
	{ "verify standard signature list", t_std_list },
	{ "verify standard tampered", t_std_tampered },
	{ "verify standard secret without whsec_", t_std_no_prefix },
	{ "verify standard 88-char entry no overflow",
	    t_std_long_entry },
	{ "verify standard official v1 vectors", t_std_official },
	{ "verify standard official v1a vector", t_std_v1a_official },
	{ "verify standard v1a tampered", t_std_v1a_tampered },
	{ "verify standard v1a forms, both keys, entry cap",
	    t_std_v1a_forms },
	{ "verify reflow vectors", t_reflow_vectors },
	{ "verify hmac hex forms", t_hmac_hex_forms },
	{ "verify hmac hex rejects", t_hmac_hex_reject },
	{ "verify hmac 88-char base64 no overflow", t_hmac_long_base64 },
	{ "verify flipdish t.body and body", t_flipdish_forms },
	{ "verify flipdish timestamp window", t_flipdish_time },
	{ "verify flipdish malformed", t_flipdish_malformed },
	{ "verify path and query token", t_path_token },
	{ "verify github official vectors", t_vec_github },
	{ "verify stripe official vectors", t_vec_stripe },
	{ "verify paddle official vectors", t_vec_paddle },
	{ "verify square official vectors", t_vec_square },
	{ "verify shopify and mollie vectors", t_vec_shopify_mollie },
	{ "verify secret forms and scheme names", t_vec_key_forms },
	{ NULL, NULL }
};
