/*
 * Proof of the sender: URL tokens, static header tokens and HMAC
 * signatures. Every HMAC is computed over the raw body bytes as received,
 * before any JSON parse, and every comparison of a secret or a MAC is
 * constant-time. Failures never say what the expected value was.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hookbox.h"

#define MAX_SIG_LEN	4096	/* a signature header, all entries */
#define MAX_V1A_CHECKS	8	/* Ed25519 checks a request may cost */

/*
 * Whether a secret the sender shows equals the one configured, in time
 * that depends on the lengths only (which are no secret). An empty value
 * proves nothing.
 */
static int
same_secret(const char *got, size_t glen, const char *want, size_t wlen)
{
	return glen == wlen && wlen > 0 &&
	    sodium_memcmp(got, want, wlen) == 0;
}

/*
 * The token is the last path segment (/<endpoint>/<token>) or the
 * `token` query parameter (README, "Install on a web host": the URL of
 * an endpoint). The parameter is found by its decoded name, as the
 * redaction of the stored query finds it (serve.c), so that
 * "%74oken=..." is the token for both. Returns 1 when the request
 * carries the endpoint's token.
 */
int
verify_path_token(const struct request *r, const char *token)
{
	struct hb_param p;
	const char *slash, *q = r->query;
	char *val;
	size_t n, tlen = strlen(token);
	int ok = 0;

	/* r->path is "/<endpoint>[/<token>]", checked by the caller. */
	slash = strchr(r->path + 1, '/');
	if (slash != NULL && same_secret(slash + 1, strlen(slash + 1), token,
	    tlen))
		return 1;
	while (hb_query_next(&q, &p)) {
		if (!hb_param_is(&p, QUERY_TOKEN) ||
		    (val = malloc(p.vlen + 1)) == NULL)
			continue;
		if (hb_urldecode(val, &n, p.value, p.vlen) == 0 &&
		    same_secret(val, n, token, tlen))
			ok = 1;
		free(val);
	}
	return ok;
}

/*
 * Checks the URL token, when the endpoint has one. Returns 0, or -1 with
 * a 401 answer.
 */
int
verify_token(const struct endpoint *ep, const struct request *r,
    struct answer *a)
{
	if (ep->token == NULL || verify_path_token(r, ep->token))
		return 0;
	answer_set(a, OUT_UNAUTHORIZED, "the URL token is missing or wrong; "
	    "copy the endpoint's whole URL from `hookbox check`");
	return -1;
}

/* Exactly outsz bytes of hex, either case, and nothing else. */
static int
unhex(unsigned char *out, size_t outsz, const char *hex, size_t len)
{
	size_t n;

	if (len != outsz * 2 || sodium_hex2bin(out, outsz, hex, len, NULL, &n,
	    NULL) != 0 || n != outsz)
		return -1;
	return 0;
}

/*
 * A hex (either case) or base64 HMAC-SHA256 of the body, with an optional
 * "sha256=" prefix, as Reflow and generic senders put it in one header.
 * Returns 1 when it matches HMAC(secret, body).
 */
int
verify_hmac_hex(const char *secret, const void *body, size_t len,
    const char *sig)
{
	unsigned char want[32], got[32];
	size_t n = 0, slen;

	if (sig == NULL || (slen = strlen(sig)) > MAX_SIG_LEN)
		return 0;
	if (strncmp(sig, "sha256=", 7) == 0) {
		sig += 7;
		slen -= 7;
	}
	hb_hmac_sha256(want, secret, strlen(secret), body, len);
	if (unhex(got, 32, sig, slen) == 0)
		n = 32;
	else if (hb_base64_any(got, sizeof(got), &n, sig, slen) == -1)
		return 0;
	return n == sizeof(want) && sodium_memcmp(got, want, n) == 0;
}

/*
 * A Standard Webhooks signing secret: base64 (any alphabet, padded or
 * not) after an optional "whsec_", as the reference libraries take it.
 * Returns 0 with the key in key[0..*len), or -1 when it is empty, not
 * base64 or over STD_SECRET_MAX bytes.
 */
int
verify_std_secret(const char *secret, unsigned char key[STD_SECRET_MAX],
    size_t *len)
{
	if (strncmp(secret, "whsec_", 6) == 0)
		secret += 6;
	if (hb_base64_any(key, STD_SECRET_MAX, len, secret,
	    strlen(secret)) == -1 || *len == 0)
		return -1;
	return 0;
}

/*
 * A Standard Webhooks public key: "whpk_" and the base64 of the 32 bytes
 * of an Ed25519 public key (the Standard Webhooks spec, "Signature scheme").
 * The prefix is required, so that a whsec_ or whsk_ pasted here is
 * refused rather than read as a key. Returns 0, or -1.
 */
int
verify_std_public_key(const char *text, unsigned char pk[32])
{
	size_t n;

	if (strncmp(text, "whpk_", 5) != 0 ||
	    hb_base64_any(pk, crypto_sign_PUBLICKEYBYTES, &n, text + 5,
	    strlen(text + 5)) == -1 || n != crypto_sign_PUBLICKEYBYTES)
		return -1;
	return 0;
}

/*
 * One "v1,<base64>" entry against the HMAC-SHA256 of the signed content.
 */
static int
std_v1(const char *b64, size_t len, const unsigned char mac[32])
{
	unsigned char got[32];
	size_t n;

	return hb_base64_any(got, sizeof(got), &n, b64, len) == 0 &&
	    n == sizeof(got) && sodium_memcmp(got, mac, sizeof(got)) == 0;
}

/* One "v1a,<base64>" entry: an Ed25519 signature of the signed content. */
static int
std_v1a(const char *b64, size_t len, const struct buf *msg,
    const unsigned char pk[32])
{
	unsigned char sig[crypto_sign_BYTES];
	size_t n;

	return hb_base64_any(sig, sizeof(sig), &n, b64, len) == 0 &&
	    n == sizeof(sig) && crypto_sign_verify_detached(sig,
	    (const unsigned char *)msg->data, msg->len, pk) == 0;
}

/*
 * Standard Webhooks (standardwebhooks.com, spec/standard-webhooks.md):
 * the signed content is "<webhook-id>.<webhook-timestamp>.<body>"; the
 * header holds space-separated entries, "v1,<base64 HMAC-SHA256>" under
 * the whsec_ secret and "v1a,<base64 Ed25519 signature>" under the whpk_
 * public key, and one entry that matches a key the endpoint has proves
 * the request. Entries of other versions, and of a scheme the endpoint
 * has no key for, are skipped. Only the first MAX_V1A_CHECKS v1a entries
 * are checked, so that a header full of them costs little. The timestamp
 * must be within CLOCK_SKEW_SECS of now, either way. Returns which scheme
 * proved it, or STD_NONE.
 */
enum std_proof
verify_standard(const char *secret, const char *public_key, const char *id,
    const char *ts, const char *header, const void *body, size_t len,
    time_t now)
{
	unsigned char key[STD_SECRET_MAX], mac[32], pk[32];
	const char *errstr, *p;
	struct buf msg = { 0 };
	enum std_proof ok = STD_NONE;
	size_t keylen;
	int has_key, has_pk, v1a_left = MAX_V1A_CHECKS;
	long long t;

	if (id == NULL || ts == NULL || header == NULL ||
	    strlen(header) > MAX_SIG_LEN || strlen(id) > MAX_WEBHOOK_ID_LEN)
		return STD_NONE;
	t = hb_strtonum(ts, 0, 1LL << 40, &errstr);
	if (errstr != NULL || t < (long long)now - CLOCK_SKEW_SECS ||
	    t > (long long)now + CLOCK_SKEW_SECS)
		return STD_NONE;
	has_key = secret != NULL && verify_std_secret(secret, key, &keylen) == 0;
	has_pk = public_key != NULL && verify_std_public_key(public_key, pk) == 0;
	if (!has_key && !has_pk)
		return STD_NONE;
	if (buf_printf(&msg, "%s.%s.", id, ts) == -1 ||
	    buf_add(&msg, body, len) == -1)
		goto out;
	if (has_key)
		hb_hmac_sha256(mac, key, keylen, msg.data, msg.len);
	for (p = header; *p != '\0' && ok == STD_NONE; ) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (has_key && n > 3 && strncmp(p, "v1,", 3) == 0 &&
		    std_v1(p + 3, n - 3, mac))
			ok = STD_V1;
		else if (has_pk && n > 4 && strncmp(p, "v1a,", 4) == 0 &&
		    v1a_left-- > 0 && std_v1a(p + 4, n - 4, &msg, pk))
			ok = STD_V1A;
		p += n;
	}
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(mac, sizeof(mac));
	buf_free(&msg);
	return ok;
}

/*
 * Flipdish webhooks v3: "X-Flipdish-Signature: t=<ISO-8601>,sha256=<hex>"
 * (https://developers.flipdish.com/v3.0/docs/webhooks-v3). The signed
 * message is UNCONFIRMED (tests/fixtures/README.md): HMAC over
 * "<t>.<body>" is tried first, then over the body alone, and *matched
 * says which one held, so a real delivery shows which form Flipdish uses.
 *
 * Freshness is claimed only from a t the MAC covers: under "<t>.<body>"
 * a t more than CLOCK_SKEW_SECS from now is refused; under the body alone
 * t is whatever the sender wrote, so it is not checked at all and
 * *matched says that freshness is unproven (a replay of such a request
 * is then caught by the event key, which the normaliser takes from the
 * signed body). Returns 1 if proven.
 */
int
verify_flipdish(const char *secret, const char *header, const void *body,
    size_t len, time_t now, const char **matched)
{
	char tbuf[64], hexsig[65];
	const char *p;
	struct buf msg = { 0 };
	unsigned char mac[32], got[32];
	time_t t;
	int ok = 0;

	*matched = NULL;
	tbuf[0] = hexsig[0] = '\0';
	if (secret == NULL || header == NULL || strlen(header) > MAX_SIG_LEN)
		return 0;
	for (p = header; *p != '\0'; ) {
		size_t n = strcspn(p, ",");

		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n > 2 && strncmp(p, "t=", 2) == 0 && n - 2 < sizeof(tbuf)) {
			memcpy(tbuf, p + 2, n - 2);
			tbuf[n - 2] = '\0';
		} else if (n == 7 + 64 && strncmp(p, "sha256=", 7) == 0) {
			memcpy(hexsig, p + 7, 64);
			hexsig[64] = '\0';
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (tbuf[0] == '\0' || hexsig[0] == '\0' ||
	    unhex(got, sizeof(got), hexsig, 64) == -1)
		return 0;
	if (buf_printf(&msg, "%s.", tbuf) == 0 && buf_add(&msg, body, len) == 0) {
		hb_hmac_sha256(mac, secret, strlen(secret), msg.data, msg.len);
		if (sodium_memcmp(got, mac, sizeof(mac)) == 0) {
			/* t is signed: now it may speak for freshness. */
			if ((t = hb_parse_iso8601(tbuf)) == -1 ||
			    t < now - CLOCK_SKEW_SECS ||
			    t > now + CLOCK_SKEW_SECS)
				goto out;
			*matched = FD_PROOF_TBODY;
			ok = 1;
			goto out;
		}
	}
	hb_hmac_sha256(mac, secret, strlen(secret), body, len);
	if (sodium_memcmp(got, mac, sizeof(mac)) == 0) {
		*matched = FD_PROOF_BODY;
		ok = 1;
	}
out:
	sodium_memzero(mac, sizeof(mac));
	buf_free(&msg);
	return ok;
}
