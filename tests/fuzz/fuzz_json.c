/*
 * libFuzzer harness: json_check (src/json.c), hookbox's own strict
 * RFC 8259 / RFC 3629 check that runs before json-c, tested against
 * independent oracles. Whatever json_check accepts:
 *
 *	- is valid UTF-8 by a table-driven decoder written here (no overlong
 *	  forms, no surrogates, nothing past U+10FFFF);
 *	- holds no NUL and no control byte but tab, LF and CR;
 *	- is parsed by json-c in its strict mode, whole;
 *	- when no "bigint" was reported, holds no integer json-c clamped
 *	  (UINT64_MAX or INT64_MIN that is not written as such);
 *	- read by JSON pointer with json_find and json_scalar, gives for the
 *	  pointer of every value in it (and one past each array's end) what
 *	  json-c's own json_pointer_get gives, as hookbox read fields with
 *	  json-c before: found or not, and the same text for a scalar.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/json_pointer.h>

#include "hookbox.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* RFC 3629 section 4, as a table of the allowed second bytes. */
static int
utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		uint8_t lo = 0x80, hi = 0xbf;
		size_t k, more;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c == 0xe0) {
			more = 2;
			lo = 0xa0;
		} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
			more = 2;
		else if (c == 0xed) {
			more = 2;
			hi = 0x9f;
		} else if (c == 0xf0) {
			more = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			more = 3;
		else if (c == 0xf4) {
			more = 3;
			hi = 0x8f;
		} else
			return 0;
		if (n - i <= more)
			return 0;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (k = 2; k <= more; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return 0;
		i += more + 1;
	}
	return 1;
}

/* An integer json-c clamped, in a tree from a body without bigints. */
static int
clamped(struct json_object *o, const uint8_t *text, size_t n)
{
	size_t i, len;

	switch (json_object_get_type(o)) {
	case json_type_int:
		if (json_object_get_int64(o) == INT64_MIN)
			return memmem(text, n, "-9223372036854775808", 20) == NULL;
		if (json_object_get_uint64(o) == UINT64_MAX)
			return memmem(text, n, "18446744073709551615", 20) == NULL;
		return 0;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (clamped(v, text, n))
				return 1;
		}
		return 0;
	}
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			if (clamped(json_object_array_get_idx(o, i), text, n))
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* A field as hookbox read it through json-c, before json.c did it. */
static int
jsonc_field(struct json_object *root, const char *ptr, char *out,
    size_t outsz, int *found)
{
	struct json_object *v;
	const char *s;
	size_t n, i;

	*found = json_pointer_get(root, ptr, &v) == 0;
	if (!*found || v == NULL)
		return -1;
	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		break;
	case json_type_int:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		n = strlen(s);
		break;
	default:
		return -1;
	}
	if (n == 0 || n >= outsz)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The top-level members of the input, as json_check noted them. */
static struct json_top top;

static void
same_field(struct json_object *root, const uint8_t *text, size_t size,
    const char *ptr)
{
	char a[MAX_FIELD_LEN], b[MAX_FIELD_LEN];
	struct json_span v, w;
	int found, ra, rb, rv;

	ra = jsonc_field(root, ptr, a, sizeof(a), &found);
	rv = json_find((const char *)text, size, ptr, &v);
	if (json_find_top(&top, (const char *)text, size, ptr, &w) != rv ||
	    (rv == 0 && (v.p != w.p || v.len != w.len)))
		abort();	/* the index reads another value */
	if (rv == -1) {
		if (found)
			abort();	/* json-c finds what json_find does not */
		return;
	}
	/* json-c says an array's null is not there; the field is not. */
	if (!found && !(v.len == 4 && memcmp(v.p, "null", 4) == 0))
		abort();	/* json_find finds what json-c does not */
	strcpy(b, "untouched");
	rb = json_scalar(&v, b, sizeof(b));
	if (ra != rb || (ra == 0 && strcmp(a, b) != 0))
		abort();	/* the same field reads differently */
	if (rb == -1 && strcmp(b, "untouched") != 0)
		abort();	/* a refused field changed out */
}

/*
 * Every value's pointer, depth first, at most *budget of them. Names
 * with '~' or '/' are escaped as RFC 6901 says.
 */
static void
walk(struct json_object *root, struct json_object *o, char *ptr, size_t len,
    size_t cap, const uint8_t *text, size_t size, int *budget)
{
	static const char *const odd[] = { "/0", "/00", "/01", "/-", "/",
	    "/~2", "/~", "/x~1y", "/9999999999" };
	size_t i, n;

	if ((*budget)-- <= 0)
		return;
	same_field(root, text, size, ptr);
	/* Paths that may not be there, in RFC 6901's corners. */
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		/* json-c takes an empty token for index 0; RFC 6901 not. */
		if (strcmp(odd[i], "/") == 0 &&
		    json_object_is_type(o, json_type_array))
			continue;
		if (len + strlen(odd[i]) < cap) {
			strcpy(ptr + len, odd[i]);
			same_field(root, text, size, ptr);
			ptr[len] = '\0';
		}
	}
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			size_t at = len;
			const char *c;

			if (at + 1 >= cap)
				return;
			ptr[at++] = '/';
			for (c = k; *c != '\0' && at + 2 < cap; c++) {
				if (*c == '~' || *c == '/') {
					ptr[at++] = '~';
					ptr[at++] = *c == '~' ? '0' : '1';
				} else
					ptr[at++] = *c;
			}
			if (*c != '\0')
				continue;	/* too long to name */
			ptr[at] = '\0';
			walk(root, v, ptr, at, cap, text, size, budget);
			ptr[len] = '\0';
		}
	} else if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i <= n; i++) {
			int w = snprintf(ptr + len, cap - len, "/%zu", i);

			if (w < 0 || (size_t)w >= cap - len)
				break;
			if (i == n)
				same_field(root, text, size, ptr);
			else
				walk(root, json_object_array_get_idx(o, i),
				    ptr, len + (size_t)w, cap, text, size,
				    budget);
			ptr[len] = '\0';
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *o;
	char why[160];
	int bigint = 0;
	size_t i;

	if (json_check((const char *)data, size, MAX_JSON_DEPTH, &bigint, why,
	    sizeof(why), &top) == -1) {
		if (strlen(why) == 0)
			abort();	/* a refusal always says why */
		return 0;
	}
	if (!utf8_ok(data, size))
		abort();
	for (i = 0; i < size; i++)
		if (data[i] < 0x20 && data[i] != '\t' && data[i] != '\n' &&
		    data[i] != '\r')
			abort();
	if ((tok = json_tokener_new_ex(MAX_JSON_DEPTH + 2)) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (json_tokener_get_error(tok) == json_tokener_continue &&
	    o == NULL)	/* a bare number at the very end: json-c waits */
		o = json_tokener_parse_ex(tok, "", 1);
	if (json_tokener_get_error(tok) != json_tokener_success)
		abort();	/* strict JSON that json-c refuses */
	if (!bigint && o != NULL && clamped(o, data, size))
		abort();	/* a clamped number json_check did not see */
	/*
	 * json-c clamps big numbers and cuts names at a NUL, which hookbox
	 * did not read as fields then either (the clamped were dropped).
	 */
	if (!bigint && o != NULL &&
	    memmem(data, size, "\\u0000", 6) == NULL) {
		char ptr[MAX_FIELD_LEN];
		int budget = 256;

		ptr[0] = '\0';
		walk(o, o, ptr, 0, sizeof(ptr), data, size, &budget);
	}
	json_object_put(o);
	json_tokener_free(tok);
	return 0;
}
