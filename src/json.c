/*
 * Webhook bodies as JSON text, without building a tree.
 *
 * json_check is a strict check of a body. json-c, even in its strict
 * mode, takes NaN and Infinity, "1.", raw control bytes inside strings,
 * overlong UTF-8 and encoded surrogates, and stops at a NUL. A body
 * hookbox stores and hands to a hook must be what RFC 8259 says JSON is,
 * in UTF-8 as RFC 3629 says it is, so this checks the grammar and the
 * encoding, and the nesting depth.
 *
 * A provider then needs three or four fields of a body it has checked:
 * json_find and json_scalar read them by JSON pointer straight from the
 * text. No tree, no allocation: a tree of a small order took some sixty
 * mallocs of odd sizes per request, which was a sixth of a FastCGI
 * worker's time and, kept in each thread's malloc cache, most of its
 * memory. json_string writes a string for the answers.
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
	struct json_top		*top;		/* or NULL */
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

/* Bytes a string holds as they are: printable ASCII but '"' and '\\'. */
#define PLAIN8(c)	((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')
#define PLAIN_ROW(r)	PLAIN8(r), PLAIN8(r + 1), PLAIN8(r + 2), PLAIN8(r + 3), \
			PLAIN8(r + 4), PLAIN8(r + 5), PLAIN8(r + 6), PLAIN8(r + 7)
static const unsigned char plain_ascii[256] = {
	PLAIN_ROW(0x00), PLAIN_ROW(0x08), PLAIN_ROW(0x10), PLAIN_ROW(0x18),
	PLAIN_ROW(0x20), PLAIN_ROW(0x28), PLAIN_ROW(0x30), PLAIN_ROW(0x38),
	PLAIN_ROW(0x40), PLAIN_ROW(0x48), PLAIN_ROW(0x50), PLAIN_ROW(0x58),
	PLAIN_ROW(0x60), PLAIN_ROW(0x68), PLAIN_ROW(0x70), PLAIN_ROW(0x78),
};

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
			/* A run of plain ASCII at once; utf8() for the rest. */
			while (plain_ascii[c] && ++s->p < s->end)
				c = *s->p;
			if (s->p < s->end && c >= 0x80 && utf8(s) == -1)
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

/*
 * A member of the top-level object, for json_find_top. The index is
 * whole only when it holds every member and no name has an escape, so
 * that names compare as they stand in the text.
 */
static void
note_member(struct json_top *t, const unsigned char *name,
    const unsigned char *name_end, const unsigned char *v,
    const unsigned char *v_end)
{
	if (t->n == JSON_TOP_MAX ||
	    memchr(name, '\\', (size_t)(name_end - name)) != NULL) {
		t->whole = 0;
		return;
	}
	t->m[t->n].name = (const char *)name;
	t->m[t->n].len = (size_t)(name_end - name);
	t->m[t->n].v.p = (const char *)v;
	t->m[t->n].v.len = (size_t)(v_end - v);
	t->n++;
}

static int
container(struct scan *s, int close, int object)
{
	if (++s->depth > s->maxdepth)
		return fail(s, "nested too deep");
	if (object && s->depth == 1 && s->top != NULL)
		s->top->whole = 1;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		const unsigned char *name = NULL, *name_end = NULL, *v;

		ws(s);
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "an object key is not a string");
			name = s->p + 1;
			if (string(s) == -1)
				return -1;
			name_end = s->p - 1;
			ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "a ':' is missing");
			s->p++;
		}
		ws(s);
		v = s->p;
		if (value(s) == -1)
			return -1;
		if (object && s->depth == 1 && s->top != NULL)
			note_member(s->top, name, name_end, v, s->p);
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
 * reason and the byte offset written to why. When top is not NULL it
 * receives the members of a top-level object, for json_find_top: the
 * check passes over them anyway, and reading fields then needs no other
 * pass over the whole text.
 */
int
json_check(const char *text, size_t len, int maxdepth, int *bigint,
    char *why, size_t whysz, struct json_top *top)
{
	struct scan s = { (const unsigned char *)text,
	    (const unsigned char *)text + len, (const unsigned char *)text, 0,
	    maxdepth, 0, NULL, top };

	if (top != NULL) {		/* whole once the text is an object */
		top->n = 0;
		top->whole = 0;
	}

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

/*
 * Reading checked text. Everything below runs on text json_check has
 * accepted, so it follows the grammar without checking it again; it
 * still never reads past the end.
 */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* Past the string whose opening quote is at p. */
static const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\' && p + 1 < end)
			p++;
	return p < end ? p + 1 : end;
}

/* A number or literal ends at the first of these. */
static int
ends_scalar(char c)
{
	switch (c) {
	case ',': case '}': case ']': case ' ': case '\t': case '\r':
	case '\n':
		return 1;
	default:
		return 0;
	}
}

/* Past the value at p. */
static const char *
skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (p < end && *p == '"')
		return skip_string(p, end);
	if (p < end && *p != '{' && *p != '[') {
		while (p < end && !ends_scalar(*p))
			p++;
		return p;
	}
	while (p < end) {
		if (*p == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

static unsigned
hex4val(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned c = (unsigned char)p[i];

		v = v << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/*
 * Decodes the string whose opening quote is *pp into out (cap bytes, NUL
 * added) and moves *pp past it. Returns the decoded length, which may
 * hold NULs, or -1 when it needs more than cap - 1 bytes.
 */
static long
decode_string(const char **pp, const char *end, char *out, size_t cap)
{
	const char *p = *pp + 1;
	size_t n = 0;
	int over = 0;

	while (p < end && *p != '"') {
		char enc[4];
		size_t k = 1;
		unsigned u;

		if (*p != '\\') {
			enc[0] = *p++;
		} else if (p + 1 < end && p[1] != 'u') {
			switch (p[1]) {
			case 'b': enc[0] = '\b'; break;
			case 'f': enc[0] = '\f'; break;
			case 'n': enc[0] = '\n'; break;
			case 'r': enc[0] = '\r'; break;
			case 't': enc[0] = '\t'; break;
			default: enc[0] = p[1]; break;	/* " \ / */
			}
			p += 2;
		} else if (end - p >= 6) {
			u = hex4val(p + 2);
			p += 6;
			/* json_check let only high-low pairs through. */
			if (u >= 0xd800 && u <= 0xdbff && end - p >= 6) {
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (hex4val(p + 2) - 0xdc00);
				p += 6;
			}
			if (u < 0x80)
				enc[0] = (char)u;
			else if (u < 0x800) {
				enc[0] = (char)(0xc0 | u >> 6);
				enc[1] = (char)(0x80 | (u & 0x3f));
				k = 2;
			} else if (u < 0x10000) {
				enc[0] = (char)(0xe0 | u >> 12);
				enc[1] = (char)(0x80 | (u >> 6 & 0x3f));
				enc[2] = (char)(0x80 | (u & 0x3f));
				k = 3;
			} else {
				enc[0] = (char)(0xf0 | u >> 18);
				enc[1] = (char)(0x80 | (u >> 12 & 0x3f));
				enc[2] = (char)(0x80 | (u >> 6 & 0x3f));
				enc[3] = (char)(0x80 | (u & 0x3f));
				k = 4;
			}
		} else
			break;
		if (!over && n + k < cap)
			memcpy(out + n, enc, k);
		else
			over = 1;
		n += k;
	}
	*pp = p < end ? p + 1 : end;
	if (over)
		return -1;
	out[n] = '\0';
	return (long)n;
}

/*
 * The reference token of a pointer at *pp (after its '/'; RFC 6901: "~1"
 * is '/', "~0" is '~') into tok, MAX_FIELD_LEN bytes, moving *pp to the
 * next '/' or the end. Returns its length, or -1 when it does not fit.
 */
long
json_pointer_token(const char **pp, char *tok)
{
	const char *p = *pp;
	size_t n = 0;

	for (; *p != '\0' && *p != '/'; p++) {
		char c = *p;

		if (c == '~' && (p[1] == '0' || p[1] == '1'))
			c = *++p == '0' ? '~' : '/';
		if (n + 1 >= MAX_FIELD_LEN)
			return -1;
		tok[n++] = c;
	}
	*pp = p;
	tok[n] = '\0';
	return (long)n;
}

/* Past the ':' after a member's name: where its value starts. */
static const char *
after_colon(const char *p, const char *end)
{
	p = skip_ws(p, end);
	return p < end && *p == ':' ? skip_ws(p + 1, end) : NULL;
}

/* The value of the last member named tok (as json-c keeps duplicates). */
static const char *
member(const char *p, const char *end, const char *tok, size_t toklen)
{
	const char *found = NULL;
	char key[MAX_FIELD_LEN];

	p = skip_ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *name = p + 1, *q = name;
		int match;

		/* Most names hold no escape: compared as they stand. */
		while (q < end && *q != '"' && *q != '\\')
			q++;
		if (q < end && *q == '"') {
			match = (size_t)(q - name) == toklen &&
			    memcmp(name, tok, toklen) == 0;
			p = q + 1;
		} else {
			long n = decode_string(&p, end, key, toklen + 1 <
			    sizeof(key) ? toklen + 1 : sizeof(key));

			match = n == (long)toklen &&
			    memcmp(key, tok, toklen) == 0;
		}
		if ((p = after_colon(p, end)) == NULL)
			break;
		if (match)
			found = p;
		p = skip_ws(skip_value(p, end), end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return found;
}

/* Element tok of the array at p: decimal, no leading zero (RFC 6901). */
static const char *
element(const char *p, const char *end, const char *tok, size_t toklen)
{
	unsigned long idx = 0;
	size_t i;

	if (toklen == 0 || toklen > 9 || (tok[0] == '0' && toklen > 1))
		return NULL;
	for (i = 0; i < toklen; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return NULL;
		idx = idx * 10 + (unsigned long)(tok[i] - '0');
	}
	p = skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return NULL;
	for (;;) {
		if (idx-- == 0)
			return p;
		p = skip_ws(skip_value(p, end), end);
		if (p >= end || *p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
}

/*
 * The value at JSON pointer ptr in checked text: 0 with its span in *v,
 * or -1 when there is none (a pointer that does not start with '/' finds
 * nothing but the whole text, for "").
 */
int
json_find(const char *text, size_t len, const char *ptr,
    struct json_span *v)
{
	const char *end = text + len, *p = skip_ws(text, end);
	char tok[MAX_FIELD_LEN];

	if (*ptr != '\0' && *ptr != '/')
		return -1;
	while (*ptr == '/' && p != NULL && p < end) {
		long n;

		ptr++;
		if ((n = json_pointer_token(&ptr, tok)) < 0)
			return -1;
		if (*p == '{')
			p = member(p, end, tok, (size_t)n);
		else if (*p == '[')
			p = element(p, end, tok, (size_t)n);
		else
			p = NULL;
	}
	if (p == NULL || p >= end)
		return -1;
	v->p = p;
	v->len = (size_t)(skip_value(p, end) - p);
	return 0;
}

/*
 * json_find, for a body json_check indexed into t: the first token is
 * looked up among the top-level members (the last of a name, as
 * json_find has it) and the rest of the pointer read from that value
 * alone. Without a whole index it is json_find itself.
 */
int
json_find_top(const struct json_top *t, const char *text, size_t len,
    const char *ptr, struct json_span *v)
{
	const char *rest = ptr + 1;
	char tok[MAX_FIELD_LEN];
	long n;
	size_t i;

	if (t == NULL || !t->whole || *ptr != '/')
		return json_find(text, len, ptr, v);
	if ((n = json_pointer_token(&rest, tok)) < 0)
		return -1;
	for (i = t->n; i-- > 0;)
		if (t->m[i].len == (size_t)n &&
		    memcmp(t->m[i].name, tok, (size_t)n) == 0)
			break;
	if (i == (size_t)-1)
		return -1;
	if (*rest == '\0') {
		*v = t->m[i].v;
		return 0;
	}
	return json_find(t->m[i].v.p, t->m[i].v.len, rest, v);
}

/*
 * A scalar as text into out: a string decoded, a whole number in decimal
 * (one that does not fit 64 bits reads as nothing, as does "-0" as "0").
 * Returns 0, or -1 for anything else, or when empty, too long for out
 * (or MAX_FIELD_LEN), or holding a control byte (values end up in hook
 * environments and log lines); out is then left as it was.
 */
int
json_scalar(const struct json_span *v, char *out, size_t outsz)
{
	const char *p = v->p, *end = v->p + v->len;
	char s[MAX_FIELD_LEN];
	long n;
	size_t i;

	if (outsz == 0)
		return -1;
	if (*p == '"') {
		/* Decoded aside: out keeps what it had unless this is good. */
		n = decode_string(&p, end, s, outsz < sizeof(s) ? outsz :
		    sizeof(s));
		if (n <= 0)
			return -1;
		for (i = 0; i < (size_t)n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return -1;
		memcpy(out, s, (size_t)n + 1);
		return 0;
	}
	if (*p != '-' && (*p < '0' || *p > '9'))
		return -1;
	for (i = *p == '-'; i < v->len; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;	/* a fraction or an exponent */
	if (v->len == 2 && p[0] == '-' && p[1] == '0')
		p++;
	n = end - p;
	if (*p == '-' ? n > 20 || (n == 20 && memcmp(p + 1,
	    "9223372036854775808", 19) > 0) : n > 20 || (n == 20 &&
	    memcmp(p, "18446744073709551615", 20) > 0))
		return -1;
	if ((size_t)n >= outsz)
		return -1;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return 0;
}

/*
 * The members of the object at v in turn: json_next fills key (decoded,
 * keysz bytes; "" when longer) and the value, and returns 0, or -1 after
 * the last. it->p starts at the object's '{'.
 */
int
json_next(struct json_iter *it, char *key, size_t keysz,
    struct json_span *val)
{
	const char *p = it->p;

	if (p >= it->end)
		return -1;
	p = skip_ws(*p == '{' || *p == ',' ? p + 1 : p, it->end);
	if (p >= it->end || *p != '"')
		return -1;
	if (decode_string(&p, it->end, key, keysz) < 0 && keysz > 0)
		key[0] = '\0';
	if ((p = after_colon(p, it->end)) == NULL)
		return -1;
	val->p = p;
	p = skip_value(p, it->end);
	val->len = (size_t)(p - val->p);
	it->p = skip_ws(p, it->end);
	return 0;
}

/*
 * Appends s as a JSON string, escaped as json-c writes it without
 * escaping '/': what answers and stored headers always looked like.
 */
int
json_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int rc = buf_add(b, "\"", 1);

	while (*s != '\0') {
		const char *run = s;
		unsigned char c;
		const char *esc = NULL;

		/* What needs no escape goes in at once. */
		while ((c = (unsigned char)*s) >= 0x20 && c != '"' && c != '\\')
			s++;
		if (s > run)
			rc |= buf_add(b, run, (size_t)(s - run));
		if (c == '\0')
			break;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		}
		if (esc != NULL)
			rc |= buf_addstr(b, esc);
		else {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15], '\0' };

			rc |= buf_addstr(b, u);
		}
		s++;
	}
	return rc | buf_add(b, "\"", 1);
}
