/*
 * libFuzzer harness: json_check (src/jsoncheck.c), hookbox's own strict
 * RFC 8259 / RFC 3629 check that runs before json-c, tested against
 * independent oracles. Whatever json_check accepts:
 *
 *	- is valid UTF-8 by a table-driven decoder written here (no overlong
 *	  forms, no surrogates, nothing past U+10FFFF);
 *	- holds no NUL and no control byte but tab, LF and CR;
 *	- is parsed by json-c in its strict mode, whole;
 *	- when no "bigint" was reported, holds no integer json-c clamped
 *	  (UINT64_MAX or INT64_MIN that is not written as such).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *o;
	char why[160];
	int bigint = 0;
	size_t i;

	if (json_check((const char *)data, size, MAX_JSON_DEPTH, &bigint, why,
	    sizeof(why)) == -1) {
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
	json_object_put(o);
	json_tokener_free(tok);
	return 0;
}
