/*
 * libFuzzer harness: a body through every preset that reads JSON
 * (providers.c, json-c underneath), and hb_json_string, tested against
 * independent oracles. For each input:
 *
 *	- each preset either takes it, with a type, key and resource that
 *	  are plain text (no control byte, valid UTF-8 by a table written
 *	  here, shorter than MAX_FIELD_LEN), or refuses it with a 400 and a
 *	  reason; json-c, asked here on its own in the same strict mode,
 *	  reads every body a preset took as one object followed by nothing
 *	  but whitespace, and no body holding a NUL is taken;
 *	- flipsnack's key is the order_id json-c's own json_pointer_get
 *	  finds, when that is a plain string;
 *	- hb_json_string of the input, written by json-c, is valid UTF-8,
 *	  parses back to a string, and is the input itself when the input
 *	  was valid UTF-8.
 *
 * The sanitizers check the rest: every tree is freed (LeakSanitizer),
 * nothing reads past the body.
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

static void
plain(const char *s)
{
	size_t i, n = strlen(s);

	if (n >= MAX_FIELD_LEN || !utf8_ok((const uint8_t *)s, n))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

/* The body as json-c reads it alone: an object, then only whitespace. */
static struct json_object *
jsonc_object(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(MAX_JSON_DEPTH);
	struct json_object *o;
	size_t at;

	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	at = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (o != NULL && at < size && strchr(" \t\r\n", data[at]) != NULL &&
	    data[at] != '\0')
		at++;
	if (o == NULL || at != size || !json_object_is_type(o,
	    json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void
one_preset(const char *prov, const uint8_t *data, size_t size,
    struct request *r)
{
	struct endpoint ep;
	struct event ev;
	struct answer a;
	struct json_object *o, *v;

	memset(&ep, 0, sizeof(ep));
	memset(&ev, 0, sizeof(ev));
	memset(&a, 0, sizeof(a));
	ep.name = "x";
	ep.dedupe_window = 300;
	if ((ep.provider = prov_find(prov)) == NULL)
		abort();
	if (strcmp(prov, "generic") == 0) {
		ep.type_pointer = "/kind";
		ep.key_pointer = "/a/0/id";
		ep.resource_pointer = "/";
	}
	if (ep.provider->normalise(&ep, r, &ev, &a) == -1) {
		prov_event_free(&ev);
		if (a.outcome != OUT_BAD_REQUEST && a.outcome != OUT_UNAVAILABLE)
			abort();
		if (a.error[0] == '\0')
			abort();	/* a refusal always says why */
		return;
	}
	prov_event_free(&ev);
	plain(ev.type);
	plain(ev.key);
	plain(ev.resource);
	if (ev.type[0] == '\0' || ev.key[0] == '\0')
		abort();
	if (strcmp(prov, "quickbutik") == 0 && (size == 0 || data[0] != '{'))
		return;		/* a form, not JSON */
	if (memchr(data, '\0', size) != NULL)
		abort();	/* a NUL byte taken */
	if ((o = jsonc_object(data, size)) == NULL)
		abort();	/* taken, but json-c alone does not read it */
	if (strcmp(prov, "flipsnack") == 0 &&
	    json_pointer_get(o, "/order_id", &v) == 0 &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), ev.key) != 0)
		abort();	/* another key than json-c's own reading */
	json_object_put(o);
}

static void
written(const uint8_t *data, size_t size)
{
	struct json_object *o, *back;
	const char *text;
	size_t len;

	if ((o = hb_json_string((const char *)data, size)) == NULL)
		return;
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!utf8_ok((const uint8_t *)text, len))
		abort();	/* written JSON that is not UTF-8 */
	if ((back = json_tokener_parse(text)) == NULL ||
	    !json_object_is_type(back, json_type_string))
		abort();
	if (utf8_ok(data, size) &&
	    ((size_t)json_object_get_string_len(back) != size ||
	    memcmp(json_object_get_string(back), data, size) != 0))
		abort();	/* valid text changed on its way */
	json_object_put(back);
	json_object_put(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const provs[] = { "flipsnack", "fliplink",
	    "flipdish", "reflow", "quickbutik", "standard", "generic", NULL };
	static char *env[] = { "REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "QUERY_STRING=", "CONTENT_TYPE=application/json",
	    "HTTP_WEBHOOK_ID=msg_1", NULL };
	struct request r;
	struct answer a;
	size_t i;

	if (size > 1 << 20)
		return 0;
	memset(&a, 0, sizeof(a));
	if (req_from_env(&r, env, &a) == -1)
		abort();
	if (buf_add(&r.body, data, size) == 0)
		for (i = 0; provs[i] != NULL; i++)
			one_preset(provs[i], data, size, &r);
	req_free(&r);
	written(data, size);
	return 0;
}
