/*
 * libFuzzer harness: the parsers of signature headers and the helpers
 * under them (src/verify.c, src/util.c), with a fixed clock.
 *
 * The input is NUL-separated: HEADER \0 SECRET \0 ID \0 TIMESTAMP \0 BODY.
 * Missing parts are NULL (a header that is absent). When the first byte
 * of the input is odd, a right signature for the body is put in front of
 * the header, so that the success paths run too. Checked beyond the
 * sanitizers: a signature made with another secret never verifies, and
 * src/sha256.c and the base64 codec give libcrypto's answers, byte for
 * byte, on the whole input and on the body under the secret.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hookbox.h"

#define NOW	((time_t)1700000000)	/* 2023-11-14T22:13:20Z */
#define WHSEC	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* src/sha256.c and base64 against libcrypto. */
static void
same_as_libcrypto(const char *key, const void *msg, size_t len)
{
	unsigned char ours[32], theirs[EVP_MAX_MD_SIZE], dec[48];
	char b64[48], ref[48];
	unsigned int tlen;
	size_t klen = key != NULL ? strlen(key) : 0, dlen;

	hb_sha256(ours, msg, len);
	if (!EVP_Digest(msg, len, theirs, &tlen, EVP_sha256(), NULL) ||
	    tlen != 32 || memcmp(ours, theirs, 32) != 0)
		abort();
	hb_hmac_sha256(ours, key, klen, msg, len);
	if (HMAC(EVP_sha256(), key != NULL ? key : "", (int)klen, msg, len,
	    theirs, &tlen) == NULL || tlen != 32 || memcmp(ours, theirs, 32))
		abort();
	hb_base64_encode(b64, ours, len < 32 ? len : 32);
	EVP_EncodeBlock((unsigned char *)ref, ours, len < 32 ? (int)len : 32);
	if (strcmp(b64, ref) != 0 ||
	    hb_base64_decode(dec, &dlen, b64, strlen(b64)) != 0 ||
	    dlen != (len < 32 ? len : 32) || memcmp(dec, ours, dlen) != 0)
		abort();
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size, blen, n;
	char *header, *secret, *id, *ts, *good = NULL, *h;
	const char *matched;
	const void *body;
	unsigned char mac[32], *dec;
	char hex[65], b64[64], esc[80], *ud;

	header = part(&p, &left);
	secret = part(&p, &left);
	id = part(&p, &left);
	ts = part(&p, &left);
	body = p;
	blen = left;
	same_as_libcrypto(secret, body, blen);
	same_as_libcrypto(NULL, data, size);

	/* Standard Webhooks */
	if (size > 0 && (data[0] & 1) && id != NULL && ts != NULL) {
		unsigned char key[64];
		size_t keylen;
		struct buf msg = { 0 };

		if (hb_base64_decode(key, &keylen, WHSEC + 6, strlen(WHSEC + 6)))
			abort();
		buf_printf(&msg, "%s.%s.", id, ts);
		buf_add(&msg, body, blen);
		hb_hmac_sha256(mac, key, keylen, msg.data, msg.len);
		buf_free(&msg);
		hb_base64_encode(b64, mac, 32);
		good = concat("v1,", b64);
		h = concat(good, header != NULL ? " " : NULL);
		free(good);
		good = concat(h, header);
		free(h);
		verify_standard(WHSEC, id, ts, good, body, blen, NOW);
		free(good);
		good = NULL;
	}
	verify_standard(secret, id, ts, header, body, blen, NOW);
	verify_standard(WHSEC, id, ts, header, body, blen, NOW);

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
		if (size > 0 && (data[0] & 1)) {
			hb_hmac_sha256(mac, secret, strlen(secret), body, blen);
			hb_hex(hex, mac, 32);
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
		if ((dec = malloc(n * 3 / 4 + 3)) != NULL) {
			size_t dlen;

			if (hb_base64_decode(dec, &dlen, header, n) == 0 &&
			    dlen > n * 3 / 4 + 3)
				abort();
			free(dec);
		}
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
	free(header);
	free(secret);
	free(id);
	free(ts);
	return 0;
}
