/*
 * Small helpers shared by every module: logging, strict numbers, escaping,
 * and thin calls of libsodium where several modules need the same one
 * (hashes, base64 in any of its forms).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sodium.h>

#include "hookbox.h"

/*
 * Log lines go to stderr, which the web server keeps in its error log.
 * Callers never pass secrets or bodies; sender bytes go through hb_escape.
 */
void
hb_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	fputs("hookbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
}

void
hb_warnx(const char *fmt, ...)
{
	va_list ap;

	fputs("hookbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * In the spirit of OpenBSD's strtonum(3): the whole string must be a
 * decimal number within [min, max]. On error returns 0 and sets *errstr
 * to "invalid", "too small" or "too large"; on success *errstr is NULL.
 */
long long
hb_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	char *end;
	long long v;

	*errstr = "invalid";
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return 0;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return 0;
	}
	*errstr = NULL;
	return v;
}

/*
 * Copies sender bytes into dst for a log line or a message: control bytes
 * become \n, \r, \t or \xNN, so that a request cannot forge a line.
 * Always NUL-terminates; cuts with "..." when dst is too small. Returns
 * the length written.
 */
static const char *
escape_one(unsigned char c, char tmp[5])
{
	switch (c) {
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\\': return "\\\\";
	}
	if (c < 0x20 || c == 0x7f)
		snprintf(tmp, 5, "\\x%02x", c);
	else {
		tmp[0] = (char)c;
		tmp[1] = '\0';
	}
	return tmp;
}

size_t
hb_escape(char *dst, size_t dstsz, const void *src, size_t len)
{
	const unsigned char *s = src;
	size_t i, o = 0, total = 0;
	char tmp[5];

	if (dstsz == 0)
		return 0;
	for (i = 0; i < len; i++)
		total += strlen(escape_one(s[i], tmp));
	for (i = 0; i < len; i++) {
		const char *rep = escape_one(s[i], tmp);
		size_t rl = strlen(rep);

		/* When it will not all fit, keep room for "...". */
		if (o + rl + (total < dstsz ? 1 : 4) > dstsz) {
			if (o + 4 <= dstsz) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, rep, rl);
		o += rl;
	}
	dst[o] = '\0';
	return o;
}

/*
 * HMAC-SHA256 with a key of any length: crypto_auth_hmacsha256() itself
 * takes 32-byte keys only, while senders' secrets are whatever they are.
 */
void
hb_hmac_sha256(unsigned char out[32], const void *key, size_t klen,
    const void *msg, size_t len)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* Lower-case hex SHA-256: the key of events that carry no id. */
void
hb_sha256_hex(char out[65], const void *msg, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, msg, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/*
 * Base64 as senders write it: the standard or the URL-safe alphabet
 * (RFC 4648 sections 4 and 5), padded or not, no whitespace. A text is
 * in at most one alphabet and either needs its padding or has none, so
 * the first variant that libsodium accepts is the only reading. Writes at
 * most max bytes (a longer result is refused, not cut). Returns 0 with
 * *len, or -1.
 */
static int
b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '-' ||
	    c == '_' || c == '=';
}

int
hb_base64_any(unsigned char *dst, size_t max, size_t *len, const char *src,
    size_t srclen)
{
	static const int variants[] = {
		sodium_base64_VARIANT_ORIGINAL,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING,
	};
	size_t i;

	/*
	 * libsodium 1.0.18 (Debian 12's) reads every byte from 0x80 up as
	 * the digit 63, since its constant-time table lookup takes a plain
	 * char, which is signed here. Only the alphabets' bytes reach it,
	 * so that one text has one value (found by tests/fuzz/fuzz_sig.c).
	 */
	*len = 0;
	for (i = 0; i < srclen; i++)
		if (!b64_char((unsigned char)src[i]))
			return -1;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (sodium_base642bin(dst, max, src, srclen, NULL, len, NULL,
		    variants[i]) == 0)
			return 0;
	*len = 0;
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * One byte of application/x-www-form-urlencoded text at src[*i]: '+' is
 * a space, %XX a byte. Moves *i past it. Returns the byte, or -1 for a
 * bad escape or a decoded NUL (names and values become C strings).
 */
static int
url_byte(const char *src, size_t len, size_t *i)
{
	int c = (unsigned char)src[*i], hi, lo;

	if (c == '+')
		c = ' ';
	else if (c == '%') {
		if (*i + 2 >= len)
			return -1;
		hi = hexval((unsigned char)src[*i + 1]);
		lo = hexval((unsigned char)src[*i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		c = hi << 4 | lo;
		*i += 2;
	}
	(*i)++;
	return c == 0 ? -1 : c;
}

/*
 * application/x-www-form-urlencoded decoding of src[0..len) into dst
 * (at least len + 1 bytes): '+' is a space, %XX a byte. A decoded NUL is
 * refused, since names and values become C strings. Returns 0 or -1.
 * With dst NULL it only checks, and counts the bytes in *dstlen.
 */
int
hb_urldecode(char *dst, size_t *dstlen, const char *src, size_t len)
{
	size_t i = 0, o = 0;
	int c;

	while (i < len) {
		if ((c = url_byte(src, len, &i)) == -1)
			return -1;
		if (dst != NULL)
			dst[o] = (char)c;
		o++;
	}
	if (dst != NULL)
		dst[o] = '\0';
	*dstlen = o;
	return 0;
}

/*
 * The one splitter of a query string or a urlencoded form, for all who
 * read one (the token's check, its redaction, the presets' fields): the
 * next non-empty pair at *q, split at '&', its name ending at the first
 * '='. The spans are the bytes as sent; whoever uses a value decodes it,
 * and a name is compared decoded (hb_param_is), so that every reader
 * agrees on which pair is which. Moves *q past the pair. Returns 1, or 0
 * at the end.
 */
int
hb_query_next(const char **q, struct hb_param *p)
{
	const char *s = *q, *eq;

	while (s != NULL && *s == '&')
		s++;
	if (s == NULL || *s == '\0')
		return 0;
	p->name = s;
	p->len = strcspn(s, "&");
	eq = memchr(s, '=', p->len);
	p->nlen = eq != NULL ? (size_t)(eq - s) : p->len;
	p->value = eq != NULL ? eq + 1 : s + p->len;
	p->vlen = eq != NULL ? p->len - p->nlen - 1 : 0;
	*q = s + p->len;
	return 1;
}

/*
 * Whether a pair's name, decoded, is want: "%74oken" and "token" are one
 * name. A badly encoded name is no name at all, and matches nothing.
 */
int
hb_param_is(const struct hb_param *p, const char *want)
{
	size_t i = 0;
	int c;

	while (i < p->nlen) {
		if ((c = url_byte(p->name, p->nlen, &i)) == -1 ||
		    (unsigned char)*want != c)
			return 0;
		want++;
	}
	return *want == '\0';
}

/*
 * ISO-8601 UTC as sent by Flipdish: "2025-08-14T12:34:56.789Z", with an
 * optional fraction and an optional "Z" or "+00:00". Returns the Unix
 * time, or -1 if the text is not such a timestamp.
 */
time_t
hb_parse_iso8601(const char *s)
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (strcmp(p, "+00:00") == 0)
		p += 6;
	if (*p != '\0')
		return -1;
	return timegm(&tm);
}

void
hb_iso8601(char out[32], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *
hb_strndup(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * When a process started (field 22 of /proc/PID/stat, clock ticks since
 * boot), to tell it from a later process given the same pid. Returns -1
 * if there is no such process.
 */
long long
hb_proc_start(pid_t pid)
{
	char path[64], text[1024], *p;
	long long start = -1;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(text, sizeof(text), f) != NULL &&
	    (p = strrchr(text, ')')) != NULL) {
		/* After "(comm)" comes field 3; step to field 22. */
		for (field = 2; field < 22 && p != NULL; field++)
			p = strchr(p + 1, ' ');
		if (p != NULL)
			start = strtoll(p + 1, NULL, 10);
	}
	fclose(f);
	return start;
}

/* Microseconds on the monotonic clock: for timeouts, never for dates. */
long long
hb_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
hb_mono_ms(void)
{
	return hb_mono_us() / 1000;
}

/*
 * The length of one UTF-8 sequence at p (left bytes there) as RFC 3629
 * section 4 allows it: no overlong form, no surrogate, nothing past
 * U+10FFFF. 0 when none starts at p.
 */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	size_t more, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		more = 1;
	else if (c == 0xe0) {
		more = 2;
		lo = 0xa0;
	} else if (c == 0xed) {
		more = 2;
		hi = 0x9f;
	} else if (c >= 0xe1 && c <= 0xef)
		more = 2;
	else if (c == 0xf0) {
		more = 3;
		lo = 0x90;
	} else if (c == 0xf4) {
		more = 3;
		hi = 0x8f;
	} else if (c >= 0xf1 && c <= 0xf3)
		more = 3;
	else
		return 0;
	if (left <= more || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k <= more; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return more + 1;
}

/* How many bytes of s[0..n) are valid UTF-8 from the start: n if all. */
size_t
hb_utf8_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, n - i)) == 0)
			break;
		i += k;
	}
	return i;
}

/*
 * Appends s[0..n) to out as valid UTF-8: each byte that starts no valid
 * sequence becomes U+FFFD, the rest is copied. Returns 0 or -1.
 */
int
hb_utf8_fix(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, ok;
	int rc = 0;

	while (i < n) {
		ok = hb_utf8_prefix(s + i, n - i);
		rc |= buf_add(out, s + i, ok);
		if ((i += ok) < n) {
			rc |= buf_add(out, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	return rc | buf_add(out, "", 0);
}

/*
 * A json-c string of s[0..n), made valid UTF-8 (hb_utf8_fix) when it is
 * not: json-c writes a string's bytes as they are, and what hookbox
 * writes as JSON (answers, stored headers, `list --json`, a GET's query
 * for its hook) is read by programs that refuse invalid UTF-8. Control
 * bytes, quotes and backslashes json-c escapes itself. Returns a new
 * object, or NULL when out of memory.
 */
struct json_object *
hb_json_string(const char *s, size_t n)
{
	struct json_object *o = NULL;
	struct buf b = { 0 };

	if (n > INT_MAX / 3)	/* each byte may become three */
		return NULL;
	if (hb_utf8_prefix(s, n) == n)
		return json_object_new_string_len(s, (int)n);
	if (hb_utf8_fix(&b, s, n) == 0 && b.len <= INT_MAX)
		o = json_object_new_string_len(b.data, (int)b.len);
	buf_free(&b);
	return o;
}
