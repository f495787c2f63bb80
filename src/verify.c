/*
 * Proof of the sender: URL tokens, static header tokens and HMAC
 * signatures. Every HMAC is computed over the raw body bytes as received,
 * before any JSON parse, and every comparison of a secret or a MAC is
 * constant-time. Failures never say what the expected value was.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hookbox.h"

#define MAX_SIG_LEN	4096	/* a signature header, all entries */

/*
 * DESIGN.md "URL -> endpoint": the token is the last path segment
 * (/<endpoint>/<token>) or the `token` query parameter. Returns 1 when
 * the request carries the endpoint's token.
 */
int
verify_path_token(const struct request *r, const char *token)
{
	const char *slash, *q;
	char *val;
	size_t n, tlen = strlen(token);
	int ok = 0;

	/* r->path is "/<endpoint>[/<token>]", checked by the caller. */
	slash = strchr(r->path + 1, '/');
	if (slash != NULL && hb_ct_equal(slash + 1, strlen(slash + 1), token,
	    tlen))
		return 1;
	for (q = r->query; q != NULL && *q != '\0'; ) {
		const char *amp = strchr(q, '&');
		size_t len = amp != NULL ? (size_t)(amp - q) : strlen(q);

		if (len > 6 && strncmp(q, "token=", 6) == 0 &&
		    (val = malloc(len)) != NULL) {
			if (hb_urldecode(val, &n, q + 6, len - 6) == 0 &&
			    hb_ct_equal(val, n, token, tlen))
				ok = 1;
			free(val);
		}
		q = amp != NULL ? amp + 1 : q + len;
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

static int
unhex(unsigned char *out, size_t outsz, const char *hex, size_t len)
{
	size_t i;

	if (len != outsz * 2)
		return -1;
	for (i = 0; i < outsz; i++) {
		char pair[3] = { hex[2 * i], hex[2 * i + 1], '\0' };
		char *end;

		if (!isxdigit((unsigned char)pair[0]) ||
		    !isxdigit((unsigned char)pair[1]))
			return -1;
		out[i] = (unsigned char)strtoul(pair, &end, 16);
	}
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
	unsigned char want[32], got[48];
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
	/* 32 bytes are 44 base64 characters; longer cannot match anyway. */
	else if (slen > 44 || hb_base64_decode(got, &n, sig, slen) == -1)
		return 0;
	return hb_ct_equal(got, n, want, sizeof(want));
}

/*
 * Standard Webhooks (standardwebhooks.com, "Verifying webhooks"): the
 * secret is base64 after "whsec_"; the signed content is
 * "<webhook-id>.<webhook-timestamp>.<body>"; the header holds one or more
 * space-separated "v1,<base64>" entries, of which one must match. Entries
 * of other versions are skipped. The timestamp must be within
 * CLOCK_SKEW_SECS of now, either way. Returns 1 when proven.
 */
int
verify_standard(const char *secret, const char *id, const char *ts,
    const char *header, const void *body, size_t len, time_t now)
{
	unsigned char key[256], mac[32], got[48];
	const char *errstr, *p;
	struct buf msg = { 0 };
	size_t keylen, slen;
	long long t;
	int ok = 0;

	if (secret == NULL || id == NULL || ts == NULL || header == NULL ||
	    strlen(header) > MAX_SIG_LEN || strlen(id) > 256)
		return 0;
	t = hb_strtonum(ts, 0, 1LL << 40, &errstr);
	if (errstr != NULL || t < (long long)now - CLOCK_SKEW_SECS ||
	    t > (long long)now + CLOCK_SKEW_SECS)
		return 0;
	if (strncmp(secret, "whsec_", 6) == 0)
		secret += 6;
	slen = strlen(secret);
	if (slen > 340 || hb_base64_decode(key, &keylen, secret, slen) == -1)
		return 0;
	if (buf_printf(&msg, "%s.%s.", id, ts) == -1 ||
	    buf_add(&msg, body, len) == -1) {
		buf_free(&msg);
		return 0;
	}
	hb_hmac_sha256(mac, key, keylen, msg.data, msg.len);
	buf_free(&msg);
	for (p = header; *p != '\0'; ) {
		size_t n, glen;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n > 3 && strncmp(p, "v1,", 3) == 0 && n - 3 <= 44 &&
		    hb_base64_decode(got, &glen, p + 3, n - 3) == 0 &&
		    hb_ct_equal(got, glen, mac, sizeof(mac)))
			ok = 1;
		p += n;
	}
	return ok;
}

/*
 * Flipdish webhooks v3: "X-Flipdish-Signature: t=<ISO-8601>,sha256=<hex>".
 * The signed message is UNCONFIRMED (PROVIDERS.md 3b): HMAC over
 * "<t>.<body>" is tried first, then over the body alone, and *matched
 * says which one held, so a real delivery shows which form Flipdish uses.
 * A t more than CLOCK_SKEW_SECS from now is refused. Returns 1 if proven.
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
	if ((t = hb_parse_iso8601(tbuf)) == -1 ||
	    t < now - CLOCK_SKEW_SECS || t > now + CLOCK_SKEW_SECS)
		return 0;
	if (buf_printf(&msg, "%s.", tbuf) == 0 && buf_add(&msg, body, len) == 0) {
		hb_hmac_sha256(mac, secret, strlen(secret), msg.data, msg.len);
		if (hb_ct_equal(got, sizeof(got), mac, sizeof(mac))) {
			*matched = "flipdish-v3 hmac(t.body)";
			ok = 1;
		}
	}
	if (!ok) {
		hb_hmac_sha256(mac, secret, strlen(secret), body, len);
		if (hb_ct_equal(got, sizeof(got), mac, sizeof(mac))) {
			*matched = "flipdish-v3 hmac(body)";
			ok = 1;
		}
	}
	buf_free(&msg);
	return ok;
}
