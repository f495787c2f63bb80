/*
 * libFuzzer harness: the parsers of signature headers and the helpers
 * under them (src/verify.c, src/util.c), with a fixed clock.
 *
 * The input is NUL-separated: HEADER \0 SECRET \0 ID \0 TIMESTAMP \0 BODY.
 * Missing parts are NULL (a header that is absent). When the first byte
 * of the input is odd, right signatures for the body are put in front of
 * the header (a Standard Webhooks v1 and v1a pair, or a hex HMAC), so
 * that the success paths run too. Checked beyond the sanitizers: our own
 * signature verifies, one made with another secret or key never does,
 * and what hb_base64_any accepts is the canonical text of what it
 * decoded (libsodium's encoder writes it back byte for byte).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hookbox.h"

#define NOW	((time_t)1700000000)	/* 2023-11-14T22:13:20Z */
#define NOW_TS	"1700000000"
#define WHSEC	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SIG_MAX	4096	/* verify.c's MAX_SIG_LEN */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The sender's key pair (seed of 0x01 bytes) and a stranger's (0x02). */
static unsigned char sk[crypto_sign_SECRETKEYBYTES];
static char whpk[64], other_whpk[64];

static void
whpk_of(char out[64], unsigned char seedbyte, unsigned char *skout)
{
	unsigned char seed[32], pk[32], skbuf[64];
	char b64[48];

	memset(seed, seedbyte, sizeof(seed));
	crypto_sign_seed_keypair(pk, skout != NULL ? skout : skbuf, seed);
	sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, 64, "whpk_%s", b64);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	whpk_of(whpk, 1, sk);
	whpk_of(other_whpk, 2, NULL);
	return 0;
}

/* The next NUL-terminated part, or NULL when the input is used up. */
static char *
part(const uint8_t **p, size_t *left)
{
	const uint8_t *nul;
	size_t n;
	char *s;

	if (*left == 0)
		return NULL;
	nul = memchr(*p, '\0', *left);
	n = nul != NULL ? (size_t)(nul - *p) : *left;
	s = strndup((const char *)*p, n);
	*p += n + (nul != NULL);
	*left -= n + (nul != NULL);
	return s;
}

static char *
concat(const char *a, const char *b)
{
	struct buf x = { 0 };

	buf_addstr(&x, a);
	buf_addstr(&x, b != NULL ? b : "");
	return x.data;
}

/*
 * hb_base64_any on any text: a decode that succeeds fits its room, and
 * one of libsodium's four encodings of the result is the text itself.
 */
static void
base64_canonical(const char *text)
{
	static const int variants[] = {
		sodium_base64_VARIANT_ORIGINAL,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING,
	};
	unsigned char dec[64];
	char *enc;
	size_t n = strlen(text), dlen, i, cap;
	int same = 0;

	if (hb_base64_any(dec, sizeof(dec), &dlen, text, n) != 0)
		return;
	if (dlen > sizeof(dec))
		abort();
	cap = sodium_base64_ENCODED_LEN(sizeof(dec),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((enc = malloc(cap)) == NULL)
		abort();
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		sodium_bin2base64(enc, cap, dec, dlen, variants[i]);
		same |= strcmp(enc, text) == 0;
	}
	free(enc);
	if (!same)
		abort();
}

/* "v1a,<sig> v1,<mac>" over id.NOW_TS.body, as a Standard sender signs. */
static char *
std_signed(const char *id, const void *body, size_t blen)
{
	unsigned char key[STD_SECRET_MAX], mac[32], sig[64];
	char b64mac[48], b64sig[96];
	struct buf msg = { 0 }, h = { 0 };
	size_t keylen;

	if (verify_std_secret(WHSEC, key, &keylen) != 0)
		abort();
	buf_printf(&msg, "%s.%s.", id, NOW_TS);
	buf_add(&msg, body, blen);
	hb_hmac_sha256(mac, key, keylen, msg.data, msg.len);
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg.data,
	    msg.len, sk);
	buf_free(&msg);
	sodium_bin2base64(b64mac, sizeof(b64mac), mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b64sig, sizeof(b64sig), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	buf_printf(&h, "v1a,%s v1,%s", b64sig, b64mac);
	return h.data;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size, blen, n;
	char *header, *secret, *id, *ts, *good = NULL, *h;
	const char *matched;
	const void *body;
	unsigned char mac[32];
	char hex[65], esc[80], *ud;

	header = part(&p, &left);
	secret = part(&p, &left);
	id = part(&p, &left);
	ts = part(&p, &left);
	body = p;
	blen = left;

	/* Standard Webhooks: our own v1a and v1 entries in front. */
	if (size > 0 && (data[0] & 1) && id != NULL) {
		good = std_signed(id, body, blen);
		h = concat(good, header != NULL ? " " : NULL);
		free(good);
		good = concat(h, header);
		free(h);
		if (strlen(good) <= SIG_MAX && strlen(id) <= 256) {
			if (verify_standard(NULL, whpk, id, NOW_TS, good, body,
			    blen, NOW) != STD_V1A ||
			    verify_standard(WHSEC, NULL, id, NOW_TS, good, body,
			    blen, NOW) != STD_V1 ||
			    verify_standard(WHSEC, whpk, id, NOW_TS, good, body,
			    blen, NOW) != STD_V1A)
				abort();
		}
		/* Nobody else's key proves it, nor another timestamp. */
		if (verify_standard(NULL, other_whpk, id, NOW_TS, good, body,
		    blen, NOW) != STD_NONE ||
		    verify_standard(NULL, whpk, id, "1700000001", good, body,
		    blen, NOW) != STD_NONE)
			abort();
		free(good);
		good = NULL;
	}
	verify_standard(secret, NULL, id, ts, header, body, blen, NOW);
	verify_standard(WHSEC, whpk, id, ts, header, body, blen, NOW);
	verify_standard(NULL, secret, id, ts, header, body, blen, NOW);
	/* A forged v1a under a key nobody holds the private half of. */
	if (verify_standard(NULL, other_whpk, id, ts, header, body, blen,
	    NOW) != STD_NONE)
		abort();

	/* Flipdish v3 */
	/* A MAC made with one secret never verifies under another. */
	if (verify_flipdish(secret, header, body, blen, NOW, &matched) &&
	    (matched == NULL || (strcmp(secret, "not-the-secret") != 0 &&
	    verify_flipdish("not-the-secret", header, body, blen, NOW,
	    &matched))))
		abort();

	/* Reflow and generic: hex or base64 HMAC of the body */
	if (secret != NULL) {
		verify_hmac_hex(secret, body, blen, header);
		/* An empty secret proves nothing (issue 22): no MAC under it. */
		if (*secret == '\0' && verify_hmac_hex(secret, body, blen,
		    header))
			abort();
		if (size > 0 && (data[0] & 1) && *secret != '\0') {
			hb_hmac_sha256(mac, secret, strlen(secret), body, blen);
			sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
			good = concat(data[0] & 2 ? "sha256=" : "", hex);
			if (!verify_hmac_hex(secret, body, blen, good))
				abort();	/* its own signature must verify */
			if (strcmp(secret, "x") != 0 &&
			    verify_hmac_hex("x", body, blen, good))
				abort();
			free(good);
			good = NULL;
		}
	}

	/* The helpers the parsers stand on */
	if (header != NULL) {
		const char *errstr;

		n = strlen(header);
		base64_canonical(header);
		if ((ud = malloc(n + 1)) != NULL) {
			size_t ulen;

			if (hb_urldecode(ud, &ulen, header, n) == 0 &&
			    (ulen > n || strlen(ud) != ulen))
				abort();
			free(ud);
		}
		hb_parse_iso8601(header);
		hb_strtonum(header, 0, 1LL << 40, &errstr);
		hb_escape(esc, sizeof(esc), header, n);
		if (strlen(esc) >= sizeof(esc))
			abort();
	}
	if (secret != NULL)
		base64_canonical(secret);
	free(header);
	free(secret);
	free(id);
	free(ts);
	return 0;
}
