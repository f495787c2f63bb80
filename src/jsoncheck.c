/*
 * A strict check of a JSON body before json-c parses it. json-c, even in
 * its strict mode, takes NaN and Infinity, "1.", raw control bytes inside
 * strings, overlong UTF-8 and encoded surrogates, and stops at a NUL. A
 * body hookbox stores and hands to a hook must be what RFC 8259 says
 * JSON is, in UTF-8 as RFC 3629 says it is, so this checks the grammar
 * and the encoding, and the nesting depth, without building anything.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hookbox.h"

struct scan {
	const unsigned char	*p, *end, *start;
	int			 depth, maxdepth;
	int			 bigint;	/* a whole number past 64 bits */
	const char		*why;
};

static int value(struct scan *);

static void
ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
fail(struct scan *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return -1;
}

static int
literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "not a JSON value");
	s->p += n;
	return 0;
}

static int
digits(struct scan *s)
{
	const unsigned char *from = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > from ? 0 : fail(s, "a number lacks digits");
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int
number(struct scan *s)
{
	const unsigned char *from = s->p;
	int neg = 0;

	if (s->p < s->end && *s->p == '-') {
		s->p++;
		neg = 1;
	}
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (digits(s) == -1)
		return -1;
	/* 2^64 - 1 and -2^63 have 20 and 19 digits: compare as text. */
	if (s->p == s->end || (*s->p != '.' && *s->p != 'e' && *s->p != 'E')) {
		const char *lim = neg ? "9223372036854775808" :
		    "18446744073709551615";
		size_t n = (size_t)(s->p - from) - (size_t)neg;

		if (n > strlen(lim) || (n == strlen(lim) &&
		    memcmp(from + neg, lim, n) > 0))
			s->bigint = 1;
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s) == -1)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s) == -1)
			return -1;
	}
	return 0;
}

static int
hex4(struct scan *s, unsigned *out)
{
	int i;

	*out = 0;
	if (s->end - s->p < 4)
		return fail(s, "a \\u escape is cut short");
	for (i = 0; i < 4; i++) {
		unsigned c = *s->p++;

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*out |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*out |= c - 'A' + 10;
		else
			return fail(s, "a \\u escape is not hex");
	}
	return 0;
}

/*
 * One UTF-8 sequence (RFC 3629 section 4): no overlong forms, no
 * surrogates, nothing past U+10FFFF.
 */
static int
utf8(struct scan *s)
{
	const unsigned char *p = s->p;
	unsigned c = *p, cp;
	int n, i;

	if (c < 0x80) {
		s->p++;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else
		return fail(s, "the body is not valid UTF-8");
	if (s->end - p <= n)
		return fail(s, "the body is not valid UTF-8");
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return fail(s, "the body is not valid UTF-8");
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(s, "the body is not valid UTF-8");
	s->p += n + 1;
	return 0;
}

static int
string(struct scan *s)
{
	unsigned u, lo;

	s->p++;		/* the opening quote */
	while (s->p < s->end) {
		unsigned c = *s->p;

		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return fail(s, "a control byte inside a string "
			    "(escape it)");
		if (c != '\\') {
			if (utf8(s) == -1)
				return -1;
			continue;
		}
		if (++s->p == s->end)
			break;
		c = *s->p++;
		if (strchr("\"\\/bfnrt", (int)c) != NULL && c != '\0')
			continue;
		if (c != 'u' || hex4(s, &u) == -1)
			return fail(s, "an unknown escape in a string");
		/* A surrogate must come as a high-low pair. */
		if (u >= 0xdc00 && u <= 0xdfff)
			return fail(s, "a lone surrogate in a string");
		if (u >= 0xd800 && u <= 0xdbff) {
			if (s->end - s->p < 6 || s->p[0] != '\\' ||
			    s->p[1] != 'u')
				return fail(s, "a lone surrogate in a string");
			s->p += 2;
			if (hex4(s, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
				return fail(s, "a lone surrogate in a string");
		}
	}
	return fail(s, "a string is not closed");
}

static int
container(struct scan *s, int close, int object)
{
	if (++s->depth > s->maxdepth)
		return fail(s, "nested too deep");
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		ws(s);
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "an object key is not a string");
			if (string(s) == -1)
				return -1;
			ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "a ':' is missing");
			s->p++;
		}
		if (value(s) == -1)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		return fail(s, object ? "a ',' or '}' is missing" :
		    "a ',' or ']' is missing");
	}
}

static int
value(struct scan *s)
{
	ws(s);
	if (s->p >= s->end)
		return fail(s, "the body ends early");
	switch (*s->p) {
	case '{':
		return container(s, '}', 1);
	case '[':
		return container(s, ']', 0);
	case '"':
		return string(s);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return number(s);
		return fail(s, "not a JSON value");
	}
}

/*
 * Checks that text[0..len) is exactly one JSON value (surrounding
 * whitespace allowed), nested at most maxdepth deep. Returns 0, setting
 * *bigint when a whole number does not fit in 64 bits, or -1 with a
 * reason and the byte offset written to why.
 */
int
json_check(const char *text, size_t len, int maxdepth, int *bigint,
    char *why, size_t whysz)
{
	struct scan s = { (const unsigned char *)text,
	    (const unsigned char *)text + len, (const unsigned char *)text, 0,
	    maxdepth, 0, NULL };

	if (value(&s) == 0) {
		ws(&s);
		if (s.p == s.end) {
			*bigint = s.bigint;
			return 0;
		}
		fail(&s, "unexpected bytes after the JSON value");
	}
	if (s.depth > maxdepth)
		snprintf(why, whysz, "it is nested deeper than %d levels",
		    maxdepth);
	else
		snprintf(why, whysz, "%s, at byte %zu", s.why,
		    (size_t)(s.p - s.start));
	return -1;
}
