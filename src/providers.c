/*
 * The provider presets: which methods each platform uses, where its event
 * type, idempotency key and resource id are, and how it proves itself.
 * README "What each preset reads" is the table of it, and "Connect a
 * platform" says where each URL goes; each section below cites the
 * platform's own documentation, and tests/fixtures/README.md lists the
 * same pages beside the fixtures made from them. Where a fact is
 * UNCONFIRMED every documented variant is accepted.
 *
 * Adding a platform means one row of `providers[]` at the bottom, with
 * its normaliser (and a verifier and a signer if it signs), a fixture and
 * its expected output (tests/fixtures/README.md, "Adding a platform").
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/json_pointer.h>
#include <sodium.h>

#include "hookbox.h"

static int
json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * json-c spends about 750 bytes of heap on an object and 100 to 150 on
 * an array or a number (glibc's mallinfo2): 1 MiB of `[{},{},...]` made
 * a tree of 264 MiB, and json-c has no limit of its own. So before it
 * parses, the values a body can hold are counted from above: an object
 * or an array starts at a '{' or '[', and the values inside one are
 * separated by ','; bytes inside strings do not count. An order of
 * 8,000 items of five fields each stays inside both limits.
 */
static int
json_too_many(const char *p, size_t len, struct answer *a)
{
	size_t i, objects = 0, values = 1;
	int in_string = 0, depth = 0;

	/*
	 * Every value json-c builds takes two bytes of text at least ("{}"
	 * then ",", or "1,"): a short body cannot hold too many, whatever it
	 * holds, and most bodies are short.
	 */
	_Static_assert(MAX_JSON_OBJECTS < MAX_JSON_VALUES, "the short cut "
	    "below counts on the values' limit being the larger");
	if (len / 2 <= MAX_JSON_OBJECTS)
		return 0;
	for (i = 0; i < len; i++) {
		if (in_string) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_string = 0;
			continue;
		}
		switch (p[i]) {
		case '"':
			in_string = 1;
			break;
		case '{':
			objects++;
			/* FALLTHROUGH */
		case '[':
			/* Too deep: json-c says so, long before it is large. */
			if (++depth > MAX_JSON_DEPTH)
				return 0;
			/* FALLTHROUGH */
		case ',':
			values++;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	if (objects <= MAX_JSON_OBJECTS && values <= MAX_JSON_VALUES)
		return 0;
	answer_set(a, OUT_TOO_LARGE, "the body holds more than %d objects "
	    "or %d values", MAX_JSON_OBJECTS, MAX_JSON_VALUES);
	return 1;
}

/*
 * The body as json-c reads it in its strict mode
 * (no comments, no trailing commas, no second value), at most
 * MAX_JSON_DEPTH deep, with nothing but whitespace after it. json-c lets
 * a few things through that RFC 8259 does not (README "Limits" lists
 * them, as measured): hookbox stores the bytes as they came and hands
 * the same bytes to the hook, and refusing an order for a quirk its
 * platform cannot fix would lose the order.
 *
 * JSON_TOKENER_VALIDATE_UTF8 is left unset on purpose: a customer's
 * name in Latin-1 is no reason to lose an order either, and json-c's
 * check would not make the body valid UTF-8 anyway (it lets overlong
 * forms, encoded surrogates and code points past U+10FFFF through).
 * The fields read from the body are checked one by one (scalar()).
 *
 * A NUL byte ends json-c's input wherever it is, so a body holding one
 * is refused here, by where parsing stopped. The tree is kept in ev
 * (prov_event_free). Returns 0, or -1 with a 400 (a 503 when json-c
 * stopped without saying why: 0.16 has no error for memory).
 */
static int
json_body(const struct request *r, struct event *ev, struct answer *a)
{
	const char *p = r->body.data, *end = p + r->body.len;
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error e;
	const char *nul;
	size_t at;

	while (p < end && json_ws(*p))
		p++;
	if (p == end) {
		answer_set(a, OUT_BAD_REQUEST, "the body is empty; a JSON "
		    "object was expected");
		return -1;
	}
	/* Not even the start of an object: json-c need not read it all. */
	if (*p != '{') {
		answer_set(a, OUT_BAD_REQUEST, "the body is not a JSON object "
		    "(it does not start with '{')");
		return -1;
	}
	if (json_too_many(p, (size_t)(end - p), a))
		return -1;
	if ((tok = json_tokener_new_ex(MAX_JSON_DEPTH)) == NULL) {
		answer_set(a, OUT_UNAVAILABLE, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The body is at most MAX_BODY_CEILING bytes: it fits an int. */
	o = json_tokener_parse_ex(tok, r->body.data, (int)r->body.len);
	e = json_tokener_get_error(tok);
	at = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o != NULL)
		while (at < r->body.len && json_ws(r->body.data[at]))
			at++;
	if (o != NULL && at == r->body.len) {
		ev->json = o;
		ev->body = r->body.data;
		ev->body_len = r->body.len;
		return 0;
	}
	json_object_put(o);
	if (o == NULL && e == json_tokener_success)
		answer_set(a, OUT_UNAVAILABLE, "out of memory");
	else if (e == json_tokener_error_depth)
		answer_set(a, OUT_BAD_REQUEST, "the body is not valid JSON: "
		    "it is nested deeper than %d levels", MAX_JSON_DEPTH);
	else if ((nul = memchr(r->body.data, '\0', at < r->body.len ?
	    at + 1 : r->body.len)) != NULL)
		answer_set(a, OUT_BAD_REQUEST, "the body is not valid JSON: "
		    "a NUL byte at byte %zu", (size_t)(nul - r->body.data));
	else if (o != NULL)
		answer_set(a, OUT_BAD_REQUEST, "the body is not valid JSON: "
		    "bytes after the object, at byte %zu", at);
	else if (e == json_tokener_continue)
		answer_set(a, OUT_BAD_REQUEST, "the body is not valid JSON: "
		    "it ends early");
	else
		answer_set(a, OUT_BAD_REQUEST, "the body is not valid JSON: "
		    "%s, at byte %zu", json_tokener_error_desc(e), at);
	return -1;
}

/* Releases what normalising kept: the body's tree. */
void
prov_event_free(struct event *ev)
{
	json_object_put(ev->json);
	ev->json = NULL;
}

/*
 * The reference token of a pointer at *pp (after its '/'; RFC 6901: "~1"
 * is '/', "~0" is '~') into tok, MAX_FIELD_LEN bytes, moving *pp to the
 * next '/' or the end. Returns its length, or -1 when it does not fit.
 */
static long
pointer_token(const char **pp, char *tok)
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

/*
 * Whether ptr has an empty reference token that falls on an array. RFC
 * 6901 reads an empty token as the member named "", which no array has;
 * json-c 0.16's json_pointer_get takes it for index 0. Only a pointer
 * with an empty token (from the config) costs more than a look at it.
 */
static int
empty_token_in_array(struct json_object *root, const char *ptr)
{
	const char *p;

	for (p = strchr(ptr, '/'); p != NULL; p = strchr(p + 1, '/')) {
		struct json_object *parent;
		char *prefix;
		int rc;

		if (p[1] != '/' && p[1] != '\0')
			continue;
		if ((prefix = hb_strndup(ptr, (size_t)(p - ptr))) == NULL)
			return 1;
		rc = json_pointer_get(root, prefix, &parent);
		free(prefix);
		if (rc == 0 && json_object_is_type(parent, json_type_array))
			return 1;
	}
	return 0;
}

/*
 * json-c reads a whole number past 64 bits as the nearest bound
 * (UINT64_MAX, or INT64_MIN when negative) and keeps no trace of it: two
 * order numbers past 2^64 would be one key, and the second order taken
 * for a duplicate. So a field at a bound reads as nothing when the body
 * holds a number past that bound anywhere. A run of digits inside a
 * string counts too: the test can only refuse a field that is at a
 * bound, and only such a field pays for this pass over the body.
 */
static int
clamped(const struct event *ev, int neg)
{
	const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
	const char *p = ev->body, *end = p + ev->body_len;
	size_t limlen = strlen(lim);

	while (p < end) {
		const char *run = p, *d;
		size_t n;

		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		/* A fraction's digits or an exponent's are no integer. */
		if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
			continue;
		if (run > ev->body && strchr(".eE+", run[-1]) != NULL)
			continue;
		if ((run > ev->body && run[-1] == '-') != neg)
			continue;
		for (d = run; d + 1 < p && *d == '0'; d++)
			;
		n = (size_t)(p - d);
		if (n > limlen || (n == limlen && memcmp(d, lim, n) > 0))
			return 1;
	}
	return 0;
}

/*
 * A field's text goes into hook environments and log lines (no control
 * byte) and into JSON (valid UTF-8).
 */
static int
plain_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return hb_utf8_prefix(s, n) == n;
}

/*
 * A value of the body's tree as text into out: a string as it is, a
 * whole number in decimal. Anything else reads as nothing; so does a
 * string that is empty, too long for out (or MAX_FIELD_LEN), holds a
 * control byte (values end up in hook environments and log lines) or is
 * not valid UTF-8 (they end up in JSON), and a number json-c may have
 * clamped. Returns 0, or -1 leaving out as it was.
 */
static int
scalar(const struct event *ev, struct json_object *v, char *out,
    size_t outsz)
{
	char num[24];
	const char *s;
	size_t n;
	int64_t i64;
	uint64_t u64;

	if (outsz > MAX_FIELD_LEN)
		outsz = MAX_FIELD_LEN;
	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		if (n == 0 || n >= outsz || !plain_text(s, n))
			return -1;
		break;
	case json_type_int:
		/* json-c keeps a number past INT64_MAX as a uint64. */
		if ((i64 = json_object_get_int64(v)) == INT64_MAX) {
			u64 = json_object_get_uint64(v);
			if (u64 == UINT64_MAX && clamped(ev, 0))
				return -1;
			snprintf(num, sizeof(num), "%" PRIu64, u64);
		} else {
			if (i64 == INT64_MIN && clamped(ev, 1))
				return -1;
			snprintf(num, sizeof(num), "%" PRId64, i64);
		}
		s = num;
		n = strlen(num);
		if (n >= outsz)
			return -1;
		break;
	default:
		return -1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/*
 * A query or form must be at most MAX_QUERY_PARAMS pairs, each
 * percent-encoded properly. Returns 0, or -1 with a 400.
 */
static int
form_check(const char *q, struct answer *a)
{
	struct hb_param p;
	size_t n, npairs = 0;

	while (hb_query_next(&q, &p)) {
		if (++npairs > MAX_QUERY_PARAMS) {
			answer_set(a, OUT_BAD_REQUEST, "more than %d "
			    "parameters", MAX_QUERY_PARAMS);
			return -1;
		}
		if (hb_urldecode(NULL, &n, p.name, p.nlen) == -1 ||
		    hb_urldecode(NULL, &n, p.value, p.vlen) == -1) {
			answer_set(a, OUT_BAD_REQUEST, "a parameter is badly "
			    "percent-encoded");
			return -1;
		}
	}
	return 0;
}

/*
 * The value of the first parameter called name in a checked query or
 * form, decoded into out. The token parameter (QUERY_TOKEN) is proof,
 * not data, and is never read. Returns 0, -1 when the name is there
 * without a usable value (empty, too long, a control byte, not UTF-8), or
 * 1 when it is not there.
 */
static int
form_get(const char *q, const char *want, char *out, size_t outsz)
{
	char dec[3 * MAX_FIELD_LEN + 1];
	struct hb_param p;
	size_t n;

	while (hb_query_next(&q, &p)) {
		if (hb_param_is(&p, QUERY_TOKEN) || !hb_param_is(&p, want))
			continue;
		/* %XX makes three bytes one: longer cannot fit out. */
		if (p.vlen >= sizeof(dec) || outsz > MAX_FIELD_LEN ||
		    hb_urldecode(dec, &n, p.value, p.vlen) == -1 || n == 0 ||
		    n >= outsz)
			return -1;
		if (!plain_text(dec, n))
			return -1;
		memcpy(out, dec, n + 1);
		return 0;
	}
	return 1;
}

/*
 * The scalar at JSON pointer ptr (RFC 6901) of an event as text: strings
 * as they are, whole numbers in decimal. Parameters come first (the
 * query's, then a form body's): they are flat, so one token names them,
 * and a parameter hides a JSON member of its name. Returns 0, or -1 when
 * absent, not a scalar, empty, too long for out, or holding control
 * bytes (values end up in hook environments and log lines); out is then
 * left as it was.
 */
static int
field(const struct event *ev, const char *ptr, char *out, size_t outsz)
{
	struct json_object *v;

	if (ev->query != NULL || ev->form != NULL) {
		char tok[MAX_FIELD_LEN], val[MAX_FIELD_LEN];
		const char *rest = ptr + 1;
		size_t cap = outsz < sizeof(val) ? outsz : sizeof(val);
		int rc = 1;

		if (*ptr != '/' || pointer_token(&rest, tok) < 0)
			return -1;
		if (ev->query != NULL)
			rc = form_get(ev->query, tok, val, cap);
		if (rc == 1 && ev->form != NULL)
			rc = form_get(ev->form, tok, val, cap);
		/* A parameter is a string: a longer pointer finds nothing. */
		if (rc == 0 && *rest == '\0') {
			memcpy(out, val, strlen(val) + 1);
			return 0;
		}
		if (rc != 1)
			return -1;
	}
	if (ev->json == NULL || json_pointer_get(ev->json, ptr, &v) != 0 ||
	    empty_token_in_array(ev->json, ptr))
		return -1;
	return scalar(ev, v, out, outsz);
}

/*
 * Turns "a=1&b=two" into {"a":"1","b":"two"}, decoded, for the stdin of
 * a GET's hook (hooks.c): the parameters as field() reads them, the
 * token (QUERY_TOKEN) left out, the first of repeated names winning.
 * Names and values are made valid UTF-8 (hb_json_string): a query is
 * whatever the sender wrote. Returns the object, or NULL with a 400
 * answer (a 503 without memory).
 */
struct json_object *
prov_query_object(const char *q, struct answer *a)
{
	struct json_object *o, *v = NULL;
	struct buf key = { 0 };
	struct hb_param p;
	size_t nlen, vlen;
	char *n = NULL, *dv = NULL;

	if (form_check(q, a) == -1)
		return NULL;
	if ((o = json_object_new_object()) == NULL)
		goto oom;
	while (hb_query_next(&q, &p)) {
		if (hb_param_is(&p, QUERY_TOKEN))
			continue;
		if ((n = malloc(p.nlen + 1)) == NULL ||
		    (dv = malloc(p.vlen + 1)) == NULL)
			goto oom;
		/* form_check() decoded each already: these cannot fail. */
		if (hb_urldecode(n, &nlen, p.name, p.nlen) == 0 &&
		    hb_urldecode(dv, &vlen, p.value, p.vlen) == 0) {
			key.len = 0;
			/* A name is a C string: it ends at a decoded NUL. */
			if (hb_utf8_fix(&key, n, strlen(n)) == -1)
				goto oom;
			if (!json_object_object_get_ex(o, key.data, NULL)) {
				if ((v = hb_json_string(dv, vlen)) == NULL ||
				    json_object_object_add(o, key.data, v) != 0)
					goto oom;
				v = NULL;
			}
		}
		free(n);
		free(dv);
		n = dv = NULL;
	}
	buf_free(&key);
	return o;
 oom:
	json_object_put(v);
	json_object_put(o);
	free(n);
	free(dv);
	buf_free(&key);
	answer_set(a, OUT_UNAVAILABLE, "out of memory");
	return NULL;
}

/* The first pointer of a NULL-terminated list that yields a value. */
static int
first_pointer(const struct event *ev, const char *const *ptrs, char *out,
    size_t outsz)
{
	for (; *ptrs != NULL; ptrs++)
		if (field(ev, *ptrs, out, outsz) == 0)
			return 0;
	return -1;
}

/* Event types name hooks and land in environments: printable, no space. */
static int
valid_type(const char *t)
{
	if (*t == '\0' || strlen(t) > MAX_EVENT_TYPE_LEN)
		return 0;
	for (; *t; t++)
		if (!isgraph((unsigned char)*t))
			return 0;
	return 1;
}

static int
need_type(struct event *ev, struct answer *a, const char *where)
{
	if (ev->type[0] != '\0' && valid_type(ev->type))
		return 0;
	answer_set(a, OUT_BAD_REQUEST, "required field missing or not a "
	    "plain event type: %s", where);
	return -1;
}

/* SHA-256 of the body, hex: the key of events that carry no id. */
static int
body_key(struct event *ev, const char *prefix, const struct request *r)
{
	struct buf b = { 0 };
	char hex[65];
	int rc;

	rc = buf_addstr(&b, prefix);
	rc |= buf_add(&b, r->body.data, r->body.len);
	if (rc == 0)
		hb_sha256_hex(hex, b.data, b.len);
	buf_free(&b);
	if (rc == 0)
		snprintf(ev->key, sizeof(ev->key), "sha256:%s", hex);
	return rc;
}

/* A signer's answer when a buffer could not grow. */
static int
no_memory(struct buf *why)
{
	buf_addstr(why, "out of memory");
	return -1;
}

/*
 * The header "<name>: <hex HMAC-SHA256 of the body>", as Reflow and a
 * generic sender sign (verify_hmac_hex reads it).
 */
static int
sign_hex(const char *name, const char *secret, const void *body,
    size_t len, struct buf *headers, struct buf *why)
{
	unsigned char mac[32];
	char hex[65];

	hb_hmac_sha256(mac, secret, strlen(secret), body, len);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	if (buf_printf(headers, "%s: %s\n", name, hex) == -1)
		return no_memory(why);
	return 0;
}

/*
 * ---- flipsnack: https://developers.flipsnack.com/webhooks/orders ----
 * (fixtures flipsnack-orders.json, flipsnack-order-help-article.json)
 */

static int
norm_flipsnack(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	if (field(ev, "/type", ev->type, sizeof(ev->type)) == 0 &&
	    (strcmp(ev->type, "orders") == 0 || strcmp(ev->type, "order") == 0))
		strcpy(ev->type, "order");
	if (need_type(ev, a, "type") == -1)
		return -1;
	if (field(ev, "/order_id", ev->key, sizeof(ev->key)) ==
	    -1) {
		answer_set(a, OUT_BAD_REQUEST, "required field missing: "
		    "order_id");
		return -1;
	}
	_Static_assert(sizeof(ev->resource) >= sizeof(ev->key),
	    "the key fits in resource");
	strcpy(ev->resource, ev->key);
	return 0;
}

/*
 * ---- fliplink: all UNCONFIRMED, so tolerant ----
 * FlipLink publishes no payload format (https://fliplink.me/glossary/webhook
 * names the events); fixture fliplink-lead.captured.json is synthetic.
 */

#define RESOURCE_TRIES	16	/* data.*_id names looked at */

static int
norm_fliplink(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	static const char *const types[] = { "/event", "/type", "/event_type",
	    NULL };
	struct json_object *data;
	int tries = 0;

	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	first_pointer(ev, types, ev->type, sizeof(ev->type));
	if (need_type(ev, a, "event, type or event_type") == -1)
		return -1;
	if (field(ev, "/id", ev->key, sizeof(ev->key)) == -1 &&
	    body_key(ev, "", r) == -1)
		return -1;
	/*
	 * The resource is whichever data.*_id comes first, if any, among
	 * the first RESOURCE_TRIES such names. The bound once kept a pass
	 * over the text per name from taking minutes; it stays so that an
	 * event's resource is what it was. A name sent twice is one member
	 * (json-c keeps its last value where it first stood); names with
	 * '/' or '~', which a pointer must escape, were never read and are
	 * not now.
	 */
	if (json_object_object_get_ex(ev->json, "data", &data) &&
	    json_object_is_type(data, json_type_object)) {
		json_object_object_foreach(data, k, v) {
			size_t n = strlen(k);

			if (tries == RESOURCE_TRIES)
				break;
			if (n < 3 || n >= MAX_FIELD_LEN ||
			    strcmp(k + n - 3, "_id") != 0 ||
			    strpbrk(k, "/~") != NULL)
				continue;
			tries++;
			if (scalar(ev, v, ev->resource,
			    sizeof(ev->resource)) == 0)
				break;
		}
	}
	return 0;
}

/*
 * ---- flipdish ----
 * Legacy: https://developers.flipdish.com/docs/using-webhooks (fixture
 * flipdish-order.created.json); v3:
 * https://developers.flipdish.com/v3.0/docs/webhooks-v3 (fixture
 * flipdish-sale.created.v1.json).
 */

static const char zero_guid[] = "00000000-0000-0000-0000-000000000000";

/* The type of a signed body that names none (see norm_flipdish). */
#define FD_UNTYPED	"flipdish.untyped"

static int
norm_flipdish(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	/* Legacy bodies without EventName: infer from the model's shape. */
	static const struct { const char *field, *type; } shapes[] = {
		{ "OrderCreatedTime", "order.created" },
		{ "OrderAcceptedTime", "order.accepted" },
		{ "OrderRejectedTime", "order.rejected" },
		{ "RefundedAmount", "order.refunded" },
		{ "OrderDispatchedTime", "order.dispatched" },
		{ NULL, NULL }
	};
	static const char *const resources[] = {
		"/detail/properties/saleId", "/saleId",
		"/Order/OrderId",
		"/detail/properties/menuId", "/menuId",
		"/detail/properties/salesChannelId", "/salesChannelId",
		"/StoreId", "/Order/Store/Id", "/User/UserId",
		"/WebhookSubscriptionEventInfo/WebhookSubscriptionId",
		NULL
	};
	const char *h = req_header(r, "x-flipdish-event-type");
	int is_signed;
	size_t i;

	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	/*
	 * verify_flipdish_req() ran first. An X-Flipdish-Signature covers
	 * the body (and maybe t) but never X-Flipdish-Event-Type, so under
	 * a signature the type and the key come from the body alone: else
	 * one captured request could be re-sent as any other event type,
	 * and an id-less one as a new event each time.
	 */
	is_signed = strncmp(ev->proof, FD_PROOF_SIGNED,
	    strlen(FD_PROOF_SIGNED)) == 0;
	if (field(ev, "/detail-type", ev->type, sizeof(ev->type)) == -1 &&
	    field(ev, "/EventName", ev->type, sizeof(ev->type)) == -1) {
		ev->type[0] = '\0';
		for (i = 0; shapes[i].field != NULL; i++)
			if (json_object_object_get_ex(ev->json,
			    shapes[i].field, NULL)) {
				snprintf(ev->type, sizeof(ev->type), "%s",
				    shapes[i].type);
				break;
			}
	}
	/*
	 * A signed body with no type of its own (some of the v3 event
	 * examples are bare properties: the event schemas linked from the
	 * v3 page above) is stored, not refused, so that
	 * no order is lost, but under FD_UNTYPED: the header's claim stays
	 * in the stored headers for a person to read, and decides no hook.
	 * Unsigned requests (legacy X-Verify-Token, or "proof": "none")
	 * have nothing signed to prefer, so the header may fill the gap.
	 */
	if (ev->type[0] == '\0') {
		if (is_signed)
			snprintf(ev->type, sizeof(ev->type), "%s", FD_UNTYPED);
		else if (h != NULL && *h != '\0')
			snprintf(ev->type, sizeof(ev->type), "%s", h);
	}
	if (need_type(ev, a, "detail-type or EventName in the body, or "
	    "X-Flipdish-Event-Type on an unsigned request") == -1)
		return -1;
	/*
	 * The key: the body's own event id, else a SHA-256. Signed, of the
	 * body alone, so that a replay under any header is a duplicate;
	 * unsigned, of type and body as before, keeping existing keys.
	 */
	if (field(ev, "/detail/metadata/id", ev->key,
	    sizeof(ev->key)) == -1 &&
	    (field(ev, "/FlipdishEventId", ev->key,
	    sizeof(ev->key)) == -1 || strcmp(ev->key, zero_guid) == 0) &&
	    body_key(ev, is_signed ? "" : ev->type, r) == -1)
		return -1;
	first_pointer(ev, resources, ev->resource, sizeof(ev->resource));
	return 0;
}

static int
verify_flipdish_req(const struct endpoint *ep, const struct request *r,
    time_t now, struct event *ev, struct answer *a)
{
	const char *sig = req_header(r, "x-flipdish-signature");
	const char *vt = req_header(r, "x-verify-token");
	const char *matched;

	if (ep->secret != NULL && sig != NULL) {
		if (verify_flipdish(ep->secret, sig, r->body.data, r->body.len,
		    now, &matched)) {
			snprintf(ev->proof, sizeof(ev->proof), "%s", matched);
			return 0;
		}
		answer_set(a, OUT_UNAUTHORIZED, "X-Flipdish-Signature does not "
		    "match the body, or its t= is more than %d s from now",
		    CLOCK_SKEW_SECS);
		return -1;
	}
	/* The config makes verify_token non-empty; lengths are no secret. */
	if (ep->verify_token != NULL && vt != NULL &&
	    strlen(vt) == strlen(ep->verify_token) &&
	    sodium_memcmp(vt, ep->verify_token, strlen(vt)) == 0) {
		snprintf(ev->proof, sizeof(ev->proof), "x-verify-token");
		return 0;
	}
	if (ep->secret != NULL || ep->verify_token != NULL) {
		answer_set(a, OUT_UNAUTHORIZED, "%s", ep->secret != NULL ?
		    "X-Flipdish-Signature is missing" :
		    "X-Verify-Token is missing or wrong");
		return -1;
	}
	return 0;
}

/*
 * Signs as Flipdish v3 does, in the form that proves freshness too:
 * t=<ISO-8601 now>, HMAC over "<t>.<body>" (verify_flipdish). A legacy
 * endpoint (verify_token alone) has nothing to sign with: its token is
 * a header the sender adds.
 */
static int
sign_flipdish(const struct endpoint *ep, const void *body, size_t len,
    time_t now, struct buf *headers, struct buf *why)
{
	struct buf msg = { 0 };
	unsigned char mac[32];
	char iso[32], hex[65];
	int rc;

	if (ep->secret == NULL)
		return 0;
	hb_iso8601(iso, now);
	rc = buf_printf(&msg, "%s.", iso);
	rc |= buf_add(&msg, body, len);
	if (rc == 0) {
		hb_hmac_sha256(mac, ep->secret, strlen(ep->secret), msg.data,
		    msg.len);
		sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
		rc = buf_printf(headers, "X-Flipdish-Signature: t=%s,"
		    "sha256=%s\n", iso, hex);
	}
	buf_free(&msg);
	return rc == 0 ? 0 : no_memory(why);
}

/*
 * ---- reflow: https://reflowhq.com/docs/api/webhooks-integration ----
 * (fixtures reflow-*.json; their Signature test vectors are in
 * tests/fixtures/README.md)
 */

static int
norm_reflow(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	field(ev, "/type", ev->type, sizeof(ev->type));
	if (need_type(ev, a, "type") == -1)
		return -1;
	if (field(ev, "/id", ev->key, sizeof(ev->key)) == -1) {
		answer_set(a, OUT_BAD_REQUEST, "required field missing: id");
		return -1;
	}
	field(ev, "/data/object/id", ev->resource,
	    sizeof(ev->resource));
	return 0;
}

static int
verify_reflow(const struct endpoint *ep, const struct request *r,
    time_t now, struct event *ev, struct answer *a)
{
	(void)now;
	if (verify_hmac_hex(ep->secret, r->body.data, r->body.len,
	    req_header(r, "signature"))) {
		snprintf(ev->proof, sizeof(ev->proof), "reflow hmac");
		return 0;
	}
	answer_set(a, OUT_UNAUTHORIZED, "the Signature header is missing or "
	    "does not match the body");
	return -1;
}

static int
sign_reflow(const struct endpoint *ep, const void *body, size_t len,
    time_t now, struct buf *headers, struct buf *why)
{
	(void)now;
	if (ep->secret == NULL)
		return 0;
	return sign_hex("Signature", ep->secret, body, len, headers, why);
}

/*
 * ---- quickbutik: https://quickbutik.dev/webhooks/introduction ----
 * (fixtures quickbutik-*.query)
 */

/*
 * Quickbutik documents GET with a query; its tutorial POSTs. Parameters
 * come from the query, then from a urlencoded or JSON body; the query
 * wins where both have a name.
 */
static int
norm_quickbutik(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	char id[MAX_FIELD_LEN];

	(void)ep;
	if (form_check(r->query, a) == -1)
		return -1;
	ev->query = r->query;
	if (r->body.len > 0 && r->body.data[0] == '{') {
		if (json_body(r, ev, a) == -1)
			return -1;
	} else if (r->body.len > 0) {
		if (form_check(r->body.data, a) == -1)
			return -1;
		ev->form = r->body.data;
	}
	field(ev, "/event_type", ev->type, sizeof(ev->type));
	if (need_type(ev, a, "event_type") == -1)
		return -1;
	if (field(ev, "/order_id", id, sizeof(id)) == -1 &&
	    field(ev, "/product_id", id, sizeof(id)) == -1) {
		answer_set(a, OUT_BAD_REQUEST, "required field missing: "
		    "order_id or product_id");
		return -1;
	}
	snprintf(ev->resource, sizeof(ev->resource), "%s", id);
	if (snprintf(ev->key, sizeof(ev->key), "%s:%s", ev->type, id) >=
	    (int)sizeof(ev->key)) {
		answer_set(a, OUT_BAD_REQUEST, "event_type and id are too long");
		return -1;
	}
	/* Product signals repeat on every edit: only a burst is a duplicate. */
	ev->windowed = strncmp(ev->type, "product.", 8) == 0;
	return 0;
}

/* ---- standard: standardwebhooks.com ---- */

static const char *
std_header(const struct request *r, const char *name)
{
	char alt[64];
	const char *v = req_header(r, name);

	/* Svix, the reference implementation, sends svix-* names. */
	if (v == NULL) {
		snprintf(alt, sizeof(alt), "svix-%s", name + 8);
		v = req_header(r, alt);
	}
	return v;
}

static int
norm_pointers(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a, const char *deftype)
{
	const char *tp = ep->type_pointer != NULL ? ep->type_pointer : deftype;

	field(ev, tp, ev->type, sizeof(ev->type));
	if (need_type(ev, a, tp) == -1)
		return -1;
	if (ep->key_pointer != NULL) {
		if (field(ev, ep->key_pointer, ev->key,
		    sizeof(ev->key)) == -1) {
			answer_set(a, OUT_BAD_REQUEST, "required field "
			    "missing: %s", ep->key_pointer);
			return -1;
		}
	} else if (ev->key[0] == '\0' && body_key(ev, "", r) == -1)
		return -1;
	if (ep->resource_pointer != NULL)
		field(ev, ep->resource_pointer, ev->resource,
		    sizeof(ev->resource));
	return 0;
}

static int
norm_standard(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	const char *id = std_header(r, "webhook-id");

	if (json_body(r, ev, a) == -1)
		return -1;
	if (id == NULL || *id == '\0' || strlen(id) >= sizeof(ev->key)) {
		answer_set(a, OUT_BAD_REQUEST, "the webhook-id header is "
		    "missing");
		return -1;
	}
	snprintf(ev->key, sizeof(ev->key), "%s", id);
	if (norm_pointers(ep, r, ev, a, "/type") == -1)
		return -1;
	if (ep->resource_pointer == NULL)
		field(ev, "/data/id", ev->resource,
		    sizeof(ev->resource));
	return 0;
}

static int
verify_standard_req(const struct endpoint *ep, const struct request *r,
    time_t now, struct event *ev, struct answer *a)
{
	switch (verify_standard(ep->secret, ep->public_key,
	    std_header(r, "webhook-id"), std_header(r, "webhook-timestamp"),
	    std_header(r, "webhook-signature"), r->body.data, r->body.len,
	    now)) {
	case STD_V1:
		snprintf(ev->proof, sizeof(ev->proof), "standard-webhooks v1");
		return 0;
	case STD_V1A:
		snprintf(ev->proof, sizeof(ev->proof), "standard-webhooks v1a");
		return 0;
	case STD_NONE:
		break;
	}
	answer_set(a, OUT_UNAUTHORIZED, "webhook-signature is missing or does "
	    "not match, or webhook-timestamp is more than %d s from now",
	    CLOCK_SKEW_SECS);
	return -1;
}

/*
 * Signs as a Standard Webhooks sender does with the whsec_ secret: a
 * v1 entry over "<webhook-id>.<webhook-timestamp>.<body>", the id made
 * from now. An endpoint with only a public key cannot be signed for.
 */
static int
sign_standard(const struct endpoint *ep, const void *body, size_t len,
    time_t now, struct buf *headers, struct buf *why)
{
	unsigned char key[STD_SECRET_MAX], mac[32];
	char b64[sodium_base64_ENCODED_LEN(32,
	    sodium_base64_VARIANT_ORIGINAL)], id[32];
	struct buf msg = { 0 };
	size_t klen;
	int rc;

	if (ep->secret == NULL) {
		buf_addstr(why, "it has only a public_key, and v1a signatures "
		    "are made with the sender's private key, which hookbox "
		    "never has. Pass a request the sender signed with "
		    "--unsigned and --header for webhook-id, "
		    "webhook-timestamp and webhook-signature, or add the "
		    "endpoint's whsec_ secret to sign v1.");
		return -1;
	}
	/* conf_load refused a secret that does not decode. */
	if (verify_std_secret(ep->secret, key, &klen) == -1) {
		buf_addstr(why, "its secret is not whsec_ and base64");
		return -1;
	}
	snprintf(id, sizeof(id), "msg_sim%lld", (long long)now);
	rc = buf_printf(&msg, "%s.%lld.", id, (long long)now);
	rc |= buf_add(&msg, body, len);
	if (rc == 0) {
		hb_hmac_sha256(mac, key, klen, msg.data, msg.len);
		sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac),
		    sodium_base64_VARIANT_ORIGINAL);
		rc = buf_printf(headers, "webhook-id: %s\n"
		    "webhook-timestamp: %lld\nwebhook-signature: v1,%s\n", id,
		    (long long)now, b64);
	}
	sodium_memzero(key, sizeof(key));
	buf_free(&msg);
	return rc == 0 ? 0 : no_memory(why);
}

/* ---- generic: JSON or a form, pointers from the config ---- */

static int
norm_generic(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	const char *ct = r->content_type;

	if (strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		if (form_check(r->body.data, a) == -1)
			return -1;
		ev->form = r->body.data;
	} else if (json_body(r, ev, a) == -1)
		return -1;
	return norm_pointers(ep, r, ev, a, "/type");
}

static int
verify_generic(const struct endpoint *ep, const struct request *r,
    time_t now, struct event *ev, struct answer *a)
{
	char name[128];
	size_t i;

	(void)now;
	if (ep->signature_header == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s", ep->signature_header);
	for (i = 0; name[i]; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	if (verify_hmac_hex(ep->secret, r->body.data, r->body.len,
	    req_header(r, name))) {
		snprintf(ev->proof, sizeof(ev->proof), "hmac %.48s", name);
		return 0;
	}
	answer_set(a, OUT_UNAUTHORIZED, "the %s header is missing or does "
	    "not match the body", ep->signature_header);
	return -1;
}

/* The endpoint's signature_header, when it has one. */
static int
sign_generic(const struct endpoint *ep, const void *body, size_t len,
    time_t now, struct buf *headers, struct buf *why)
{
	(void)now;
	if (ep->secret == NULL || ep->signature_header == NULL)
		return 0;
	return sign_hex(ep->signature_header, ep->secret, body, len, headers,
	    why);
}

#define M_GET	(1u << REQ_GET)
#define M_POST	(1u << REQ_POST)

/*
 * The platforms, one row each. Adding one means a row here, its
 * normaliser (and verifier and signer, if it signs), a fixture and its
 * expected output (tests/fixtures/README.md).
 */
static const struct provider providers[] = {
	{ .name = "flipsnack", .methods = M_POST, .allow = "POST",
	  .normalise = norm_flipsnack },
	{ .name = "fliplink", .methods = M_POST, .allow = "POST",
	  .normalise = norm_fliplink },
	{ .name = "flipdish", .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_VERIFY_TOKEN,
	  .proof_hint = "the v3 \"secret\"",
	  .normalise = norm_flipdish, .verify = verify_flipdish_req,
	  .sign = sign_flipdish },
	{ .name = "reflow", .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED,
	  .normalise = norm_reflow, .verify = verify_reflow,
	  .sign = sign_reflow },
	{ .name = "quickbutik", .methods = M_GET | M_POST,
	  .allow = "GET, POST", .normalise = norm_quickbutik },
	{ .name = "standard", .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED | PROV_WHSEC | PROV_PUBLIC_KEY,
	  .normalise = norm_standard, .verify = verify_standard_req,
	  .sign = sign_standard },
	{ .name = "generic", .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIG_HEADER,
	  .proof_hint = "\"secret\" with \"signature_header\"",
	  .normalise = norm_generic, .verify = verify_generic,
	  .sign = sign_generic },
};

#define NPROVIDERS	(sizeof(providers) / sizeof(providers[0]))

const struct provider *
prov_find(const char *name)
{
	size_t i;

	for (i = 0; i < NPROVIDERS; i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

/* The i-th row, or NULL past the last: for loops over the table. */
const struct provider *
prov_at(size_t i)
{
	return i < NPROVIDERS ? &providers[i] : NULL;
}

/*
 * The names of the rows that have every one of flags (0: all rows),
 * in table order, ", " between them, into buf (cut to fit). Returns buf.
 */
const char *
prov_names(char *buf, size_t bufsz, unsigned flags)
{
	size_t i, n = 0;

	if (bufsz == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < NPROVIDERS && n < bufsz; i++) {
		if ((providers[i].flags & flags) != flags)
			continue;
		n += (size_t)snprintf(buf + n, bufsz - n, "%s%s",
		    n > 0 ? ", " : "", providers[i].name);
	}
	return buf;
}
