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
 * ---- Signature schemes as data ----
 *
 * Each row says which header carries the proof and how it splits, what
 * is signed (a template over {t}, {id}, {url} and {body}), the MAC, its
 * encoding and the secret's form. verify_scheme() runs any row; README
 * "Signature schemes" is the table of them, and each row cites its
 * platform's page. libsodium does every MAC, every decoding and every
 * comparison. It has no SHA-1, so the SHA-1 headers some platforms still
 * send beside their SHA-256 one (Square's x-square-signature, GitHub's
 * X-Hub-Signature) are not read.
 */
const struct scheme schemes[SCH__MAX] = {
	/* generic's "signature_header": hex or base64 of the body. */
	[SCH_HMAC] = { .name = "hmac", .split = SPLIT_WHOLE, .sep = ',',
	    .prefix = "sha256=", .signed_text = "{body}",
	    .enc = ENC_HEX_OR_BASE64, .proof = "hmac" },
	/* https://reflowhq.com/docs/api/webhooks-integration */
	[SCH_REFLOW] = { .name = "reflow", .header = "signature",
	    .split = SPLIT_WHOLE, .sep = ',', .prefix = "sha256=",
	    .signed_text = "{body}", .enc = ENC_HEX_OR_BASE64,
	    .proof = "reflow hmac" },
	/*
	 * Standard Webhooks (standardwebhooks.com, spec/standard-webhooks.md);
	 * Svix, the reference implementation, sends svix-* names.
	 */
	[SCH_STANDARD] = { .name = "standard", .header = "webhook-signature",
	    .header_alt = "svix-signature", .split = SPLIT_TAGGED, .sep = ' ',
	    .sig_key = "v1", .ed_key = "v1a",
	    .t_header = "webhook-timestamp", .t_header_alt = "svix-timestamp",
	    .id_header = "webhook-id", .id_header_alt = "svix-id",
	    .signed_text = "{id}.{t}.{body}", .enc = ENC_BASE64,
	    .key = KEY_WHSEC, .proof = "standard-webhooks v1",
	    .proof_ed = "standard-webhooks v1a" },
	/*
	 * Flipdish webhooks v3
	 * (https://developers.flipdish.com/v3.0/docs/webhooks-v3): the signed
	 * text is unconfirmed, so two rows, tried in turn (verify_flipdish).
	 */
	[SCH_FLIPDISH] = { .name = "flipdish", .header = "x-flipdish-signature",
	    .split = SPLIT_PAIRS, .sep = ',', .t_key = "t", .sig_key = "sha256",
	    .signed_text = "{t}.{body}", .enc = ENC_HEX, .time = TIME_ISO8601,
	    .proof = FD_PROOF_TBODY, .internal = 1 },
	[SCH_FLIPDISH_BODY] = { .name = "flipdish-body",
	    .header = "x-flipdish-signature", .split = SPLIT_PAIRS, .sep = ',',
	    .t_key = "t", .sig_key = "sha256", .signed_text = "{body}",
	    .enc = ENC_HEX, .time = TIME_ISO8601, .proof = FD_PROOF_BODY,
	    .internal = 1 },
	/*
	 * https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/
	 * (WC_Webhook::generate_signature: base64 of the HMAC-SHA256).
	 */
	[SCH_WOOCOMMERCE] = { .name = "woocommerce",
	    .header = "x-wc-webhook-signature", .split = SPLIT_WHOLE,
	    .sep = ',', .signed_text = "{body}", .enc = ENC_BASE64,
	    .proof = "woocommerce hmac" },
	/*
	 * https://shopify.dev/docs/apps/build/webhooks/verify-deliveries;
	 * Events deliveries name it without "X-" too.
	 */
	[SCH_SHOPIFY] = { .name = "shopify", .header = "x-shopify-hmac-sha256",
	    .header_alt = "shopify-hmac-sha256", .split = SPLIT_WHOLE,
	    .sep = ',', .signed_text = "{body}", .enc = ENC_BASE64,
	    .proof = "shopify hmac" },
	/*
	 * https://docs.stripe.com/webhooks#verify-manually: the whole
	 * whsec_ string is the key; v0 and unknown entries are skipped.
	 */
	[SCH_STRIPE] = { .name = "stripe", .header = "stripe-signature",
	    .split = SPLIT_PAIRS, .sep = ',', .t_key = "t", .sig_key = "v1",
	    .signed_text = "{t}.{body}", .enc = ENC_HEX,
	    .proof = "stripe v1" },
	/* https://developer.paddle.com/webhooks/signature-verification */
	[SCH_PADDLE] = { .name = "paddle", .header = "paddle-signature",
	    .split = SPLIT_PAIRS, .sep = ';', .t_key = "ts", .sig_key = "h1",
	    .signed_text = "{t}:{body}", .enc = ENC_HEX,
	    .proof = "paddle h1" },
	/* https://developer.squareup.com/docs/webhooks/step3validate */
	[SCH_SQUARE] = { .name = "square",
	    .header = "x-square-hmacsha256-signature", .split = SPLIT_WHOLE,
	    .sep = ',', .signed_text = "{url}{body}", .enc = ENC_BASE64,
	    .proof = "square hmac(url.body)" },
	/*
	 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
	 */
	[SCH_GITHUB] = { .name = "github", .header = "x-hub-signature-256",
	    .split = SPLIT_WHOLE, .sep = ',', .prefix = "sha256=",
	    .signed_text = "{body}", .enc = ENC_HEX,
	    .proof = "github sha256" },
	/*
	 * Mollie's next-gen webhooks (https://docs.mollie.com/reference/webhooks-new):
	 * hex, with or without "sha256=" (the PHP SDK takes both).
	 */
	[SCH_MOLLIE] = { .name = "mollie", .header = "x-mollie-signature",
	    .split = SPLIT_WHOLE, .sep = ',', .prefix = "sha256=",
	    .signed_text = "{body}", .enc = ENC_HEX, .proof = "mollie hmac" },
};

/* A row generic's "scheme" may name (not the internal ones), or NULL. */
const struct scheme *
scheme_find(const char *name)
{
	size_t i;

	for (i = 0; i < SCH__MAX; i++)
		if (!schemes[i].internal && strcmp(schemes[i].name, name) == 0)
			return &schemes[i];
	return NULL;
}

/* Whether the signed text holds a placeholder ("{t}", "{url}", ...). */
int
scheme_has(const struct scheme *s, const char *ph)
{
	return s->signed_text != NULL && strstr(s->signed_text, ph) != NULL;
}

/*
 * The HMAC key a secret makes under the scheme: the text as given, or,
 * for KEY_WHSEC, the base64 after "whsec_" decoded into buf. Returns
 * the key (*len bytes), or NULL when the secret can make none (empty, or
 * not whsec_ and base64).
 */
const unsigned char *
scheme_key(const struct scheme *s, const char *secret,
    unsigned char buf[STD_SECRET_MAX], size_t *len)
{
	if (secret == NULL || *secret == '\0')
		return NULL;
	if (s->key == KEY_WHSEC)
		return verify_std_secret(secret, buf, len) == 0 ? buf : NULL;
	*len = strlen(secret);
	return (const unsigned char *)secret;
}

/*
 * The signed text: the scheme's template with {t}, {id}, {url} and
 * {body} replaced, into msg. Returns 0, or -1 when one it needs is
 * missing (NULL) or memory ran out.
 */
int
scheme_message(const struct scheme *s, const char *t, const char *id,
    const char *url, const void *body, size_t len, struct buf *msg)
{
	static const char *const names[] = { "{t}", "{id}", "{url}",
	    "{body}" };
	const char *p = s->signed_text;
	size_t i;

	if (buf_add(msg, "", 0) == -1)
		return -1;
	while (*p != '\0') {
		const char *vals[] = { t, id, url, NULL };

		for (i = 0; i < 4; i++)
			if (strncmp(p, names[i], strlen(names[i])) == 0)
				break;
		if (i == 4) {
			if (buf_add(msg, p++, 1) == -1)
				return -1;
			continue;
		}
		p += strlen(names[i]);
		if (i == 3) {
			if (buf_add(msg, body, len) == -1)
				return -1;
		} else if (vals[i] == NULL || buf_addstr(msg, vals[i]) == -1)
			return -1;
	}
	return 0;
}

/* Whether a signed timestamp is within tolerance of now, either way. */
static int
fresh(const struct scheme *s, const char *t, time_t now, int tolerance)
{
	const char *errstr;
	long long v;

	if (t == NULL)
		return 0;
	if (s->time == TIME_ISO8601) {
		time_t tt = hb_parse_iso8601(t);

		if (tt == -1)
			return 0;
		v = (long long)tt;
	} else {
		v = hb_strtonum(t, 0, 1LL << 40, &errstr);
		if (errstr != NULL)
			return 0;
	}
	return v >= (long long)now - tolerance &&
	    v <= (long long)now + tolerance;
}

/* A signature's text in the scheme's encoding, exactly want bytes. */
static int
decode(enum sig_enc enc, const char *v, size_t vl, unsigned char *out,
    size_t want)
{
	size_t n;

	if (enc != ENC_BASE64 && unhex(out, want, v, vl) == 0)
		return 0;
	if (enc != ENC_HEX && hb_base64_any(out, want, &n, v, vl) == 0 &&
	    n == want)
		return 0;
	return -1;
}

/* Whether entry p[0..n) is "<key><delim><value>"; the value in *v. */
static int
entry_is(const char *p, size_t n, const char *key, char delim,
    const char **v, size_t *vl)
{
	size_t k;

	if (key == NULL || n <= (k = strlen(key)) || p[k] != delim ||
	    strncmp(p, key, k) != 0)
		return 0;
	*v = p + k + 1;
	*vl = n - k - 1;
	return 1;
}

/*
 * The next entry of a signature header at *pp, split by sep, white space
 * trimmed: its start, its length in *n. Returns NULL past the last.
 */
static const char *
next_entry(const char **pp, char sep, size_t *n)
{
	const char *p = *pp, *e;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return NULL;
		e = sep != '\0' ? strchr(p, sep) : NULL;
		if (e == NULL)
			e = p + strlen(p);
		*pp = *e != '\0' ? e + 1 : e;
		*n = (size_t)(e - p);
		while (*n > 0 && (p[*n - 1] == ' ' || p[*n - 1] == '\t'))
			(*n)--;
		if (*n > 0)
			return p;
		p = *pp;
	}
}

/*
 * Runs scheme s on a request's values: the signature header in->sig
 * split as the row says, its timestamp within in->tolerance of in->now
 * (either way) when {t} is signed, the signed text built from the
 * template, and each signature entry compared in constant time with the
 * HMAC under secret (in the row's secret form), or checked as an Ed25519
 * signature under public_key (whpk_), at most MAX_V1A_CHECKS of them.
 * One entry that matches proves the request (secret rotation sends
 * several); entries of other keys or tags are skipped. Returns which
 * kind matched, or SIG_NONE.
 */
enum sig_result
verify_scheme(const struct scheme *s, const char *secret,
    const char *public_key, const struct sig_input *in)
{
	unsigned char kbuf[STD_SECRET_MAX], mac[32], pk[32], got[64];
	const unsigned char *key = NULL;
	const char *t = in->t, *p, *e, *v;
	char tbuf[64];
	struct buf msg = { 0 };
	enum sig_result ok = SIG_NONE;
	size_t klen = 0, n, vl;
	int ed_left = MAX_V1A_CHECKS, has_pk = 0, is_ed;

	if (in->sig == NULL || strlen(in->sig) > MAX_SIG_LEN ||
	    (in->id != NULL && strlen(in->id) > MAX_WEBHOOK_ID_LEN))
		return SIG_NONE;
	if (s->split == SPLIT_PAIRS && s->t_key != NULL) {
		/* The timestamp is an entry of the header itself. */
		t = NULL;
		for (p = in->sig; (e = next_entry(&p, s->sep, &n)) != NULL; )
			if (entry_is(e, n, s->t_key, '=', &v, &vl) &&
			    vl < sizeof(tbuf)) {
				memcpy(tbuf, v, vl);
				tbuf[vl] = '\0';
				t = tbuf;
			}
		if (t == NULL)
			return SIG_NONE;
	}
	if (scheme_has(s, "{t}") && !fresh(s, t, in->now, in->tolerance))
		return SIG_NONE;
	if ((s->mac == MAC_HMAC_SHA256 || s->split == SPLIT_TAGGED) &&
	    secret != NULL)
		key = scheme_key(s, secret, kbuf, &klen);
	if ((s->mac == MAC_ED25519 || s->ed_key != NULL) &&
	    public_key != NULL)
		has_pk = verify_std_public_key(public_key, pk) == 0;
	if ((key == NULL && !has_pk) || scheme_message(s, t, in->id, in->url,
	    in->body, in->len, &msg) == -1)
		goto out;
	if (key != NULL)
		hb_hmac_sha256(mac, key, klen, msg.data, msg.len);
	for (p = in->sig; ok == SIG_NONE &&
	    (e = next_entry(&p, s->sep, &n)) != NULL; ) {
		is_ed = s->mac == MAC_ED25519;
		switch (s->split) {
		case SPLIT_WHOLE:
			v = e;
			vl = n;
			if (s->prefix != NULL && n >= strlen(s->prefix) &&
			    strncmp(e, s->prefix, strlen(s->prefix)) == 0) {
				v += strlen(s->prefix);
				vl -= strlen(s->prefix);
			}
			break;
		case SPLIT_PAIRS:
			if (!entry_is(e, n, s->sig_key, '=', &v, &vl))
				continue;
			break;
		case SPLIT_TAGGED:
			if (entry_is(e, n, s->ed_key, ',', &v, &vl))
				is_ed = 1;
			else if (!entry_is(e, n, s->sig_key, ',', &v, &vl))
				continue;
			break;
		}
		if (is_ed) {
			if (has_pk && ed_left-- > 0 &&
			    decode(s->enc, v, vl, got, crypto_sign_BYTES) == 0 &&
			    crypto_sign_verify_detached(got,
			    (const unsigned char *)msg.data, msg.len, pk) == 0)
				ok = SIG_ED25519;
		} else if (key != NULL && decode(s->enc, v, vl, got, 32) == 0 &&
		    sodium_memcmp(got, mac, 32) == 0)
			ok = SIG_MAC;
	}
out:
	sodium_memzero(kbuf, sizeof(kbuf));
	sodium_memzero(mac, sizeof(mac));
	buf_free(&msg);
	return ok;
}

/*
 * A hex (either case) or base64 HMAC-SHA256 of the body, with an optional
 * "sha256=" prefix, as Reflow and generic senders put it in one header
 * (the SCH_HMAC row). Returns 1 when it matches HMAC(secret, body).
 */
int
verify_hmac_hex(const char *secret, const void *body, size_t len,
    const char *sig)
{
	struct sig_input in = { .sig = sig, .body = body, .len = len };

	return secret != NULL &&
	    verify_scheme(&schemes[SCH_HMAC], secret, NULL, &in) == SIG_MAC;
}

/*
 * Standard Webhooks (the SCH_STANDARD row): the signed content is
 * "<webhook-id>.<webhook-timestamp>.<body>"; the header holds
 * space-separated entries, "v1,<base64 HMAC-SHA256>" under the whsec_
 * secret and "v1a,<base64 Ed25519 signature>" under the whpk_ public
 * key; one entry that matches proves the request, within
 * CLOCK_SKEW_SECS either way. Returns which proved it, or STD_NONE.
 */
enum std_proof
verify_standard(const char *secret, const char *public_key, const char *id,
    const char *ts, const char *header, const void *body, size_t len,
    time_t now)
{
	struct sig_input in = { .sig = header, .t = ts, .id = id,
	    .body = body, .len = len, .now = now,
	    .tolerance = CLOCK_SKEW_SECS };

	switch (verify_scheme(&schemes[SCH_STANDARD], secret, public_key,
	    &in)) {
	case SIG_MAC:
		return STD_V1;
	case SIG_ED25519:
		return STD_V1A;
	default:
		return STD_NONE;
	}
}

/*
 * Flipdish webhooks v3: "X-Flipdish-Signature: t=<ISO-8601>,sha256=<hex>"
 * (https://developers.flipdish.com/v3.0/docs/webhooks-v3). The signed
 * message is UNCONFIRMED (tests/fixtures/README.md): HMAC over
 * "<t>.<body>" is tried first (SCH_FLIPDISH), then over the body alone
 * (SCH_FLIPDISH_BODY), and *matched says which one held, so a real
 * delivery shows which form Flipdish uses.
 *
 * Freshness is claimed only from a t the MAC covers: under "<t>.<body>"
 * a t more than tolerance seconds from now is refused; under the body
 * alone t is whatever the sender wrote, so it is not checked at all and
 * *matched says that freshness is unproven (a replay of such a request
 * is then caught by the event key, which the normaliser takes from the
 * signed body). Returns 1 if proven.
 */
int
verify_flipdish_tol(const char *secret, const char *header, const void *body,
    size_t len, time_t now, int tolerance, const char **matched)
{
	struct sig_input in = { .sig = header, .body = body, .len = len,
	    .now = now, .tolerance = tolerance };

	*matched = NULL;
	if (secret == NULL)
		return 0;
	if (verify_scheme(&schemes[SCH_FLIPDISH], secret, NULL, &in) ==
	    SIG_MAC)
		*matched = FD_PROOF_TBODY;
	else if (verify_scheme(&schemes[SCH_FLIPDISH_BODY], secret, NULL,
	    &in) == SIG_MAC)
		*matched = FD_PROOF_BODY;
	return *matched != NULL;
}

int
verify_flipdish(const char *secret, const char *header, const void *body,
    size_t len, time_t now, const char **matched)
{
	return verify_flipdish_tol(secret, header, body, len, now,
	    CLOCK_SKEW_SECS, matched);
}
