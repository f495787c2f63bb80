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

/* The tolerance of the endpoint's signed timestamps, in seconds. */
static int
tolerance(const struct endpoint *ep)
{
	return ep->tolerance > 0 ? ep->tolerance : TOLERANCE_DEFAULT;
}

static int
json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * json-c's tree of a body is many times the body's size (a body of
 * empty objects most of all), and json-c has no limit of its own
 * (figures: tests/bench/RESULTS.md, "Measurements behind the code").
 * So before it parses, the values a body can hold are counted from
 * above: an object or an array starts at a '{' or '[', and the values
 * inside one are separated by ','; bytes inside strings do not count.
 * A large real order stays well inside both limits.
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

/*
 * json_body(), except that a body a signature proved may be empty (only
 * white space): it is stored with no fields read (type_or_untyped).
 */
static int
signed_json_body(const struct request *r, struct event *ev,
    struct answer *a)
{
	size_t i;

	if (ev->body_signed) {
		for (i = 0; i < r->body.len && json_ws(r->body.data[i]); i++)
			;
		if (i == r->body.len)
			return 0;
	}
	return json_body(r, ev, a);
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

/*
 * The one fallback type (README "What each preset reads"): a request
 * whose body a signature proved is stored even when it names no type
 * hookbox can read, as "<provider>.untyped", so that no order is lost
 * and a sender that proved itself is not made to retry and give up.
 * Only a `*` or "<provider>.*" hook runs for it. An unsigned request has
 * nothing proven to keep: where, else, says what is missing (a 400).
 */
static int
type_or_untyped(const struct endpoint *ep, struct event *ev,
    struct answer *a, const char *where)
{
	if (ev->type[0] != '\0' && valid_type(ev->type))
		return 0;
	if (ev->body_signed) {
		snprintf(ev->type, sizeof(ev->type), "%s.untyped",
		    ep->provider->name);
		return 0;
	}
	ev->type[0] = '\0';
	return need_type(ev, a, where);
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

	if (signed_json_body(r, ev, a) == -1)
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
	 * no order is lost, but as flipdish.untyped (type_or_untyped): the header's claim stays
	 * in the stored headers for a person to read, and decides no hook.
	 * Unsigned requests (legacy X-Verify-Token, or "proof": "none")
	 * have nothing signed to prefer, so the header may fill the gap.
	 */
	if (ev->type[0] == '\0' && !is_signed && h != NULL && *h != '\0')
		snprintf(ev->type, sizeof(ev->type), "%s", h);
	if (type_or_untyped(ep, ev, a, "detail-type or EventName in the "
	    "body, or X-Flipdish-Event-Type on an unsigned request") == -1)
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
		if (verify_flipdish_tol(ep->secret, sig, r->body.data,
		    r->body.len, now, tolerance(ep), &matched)) {
			snprintf(ev->proof, sizeof(ev->proof), "%s", matched);
			ev->body_signed = 1;
			return 0;
		}
		answer_set(a, OUT_UNAUTHORIZED, "X-Flipdish-Signature does not "
		    "match the body, or its t= is more than %d s from now",
		    tolerance(ep));
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
 * ---- the rows' own readers: schemes and sources as data ----
 */

/* A header by a name as the config or a row gives it (any case). */
static const char *
header_named(const struct request *r, const char *name)
{
	char low[HEADER_NAME_SIZE];
	size_t i;

	if (name == NULL || strlen(name) >= sizeof(low))
		return NULL;
	for (i = 0; name[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	return req_header(r, low);
}

static const char *
header_or_alt(const struct request *r, const char *name, const char *alt)
{
	const char *v = header_named(r, name);

	return v != NULL || alt == NULL ? v : header_named(r, alt);
}

/* The signature header's name: the row's, else the endpoint's own. */
static const char *
sig_header_name(const struct endpoint *ep, const struct scheme *s)
{
	return s->header != NULL ? s->header : ep->signature_header;
}

/*
 * Where a source (a row's or the config's) reads a field: a JSON pointer
 * into the body (or a query's or form's parameter, field()), or, not
 * starting with '/', a header. The same checks hold for both: not empty,
 * shorter than out, no control byte, valid UTF-8. Returns 0, or -1
 * leaving out as it was.
 */
static int
source(const struct event *ev, const struct request *r, const char *src,
    char *out, size_t outsz)
{
	const char *v;
	size_t n;

	if (*src == '/')
		return field(ev, src, out, outsz);
	if ((v = header_named(r, src)) == NULL || (n = strlen(v)) == 0 ||
	    n >= outsz || n >= MAX_FIELD_LEN || !plain_text(v, n))
		return -1;
	memcpy(out, v, n + 1);
	return 0;
}

/* The first source of a NULL-terminated list that yields a value. */
static int
first_source(const struct event *ev, const struct request *r,
    const char *const *srcs, char *out, size_t outsz)
{
	for (; srcs != NULL && *srcs != NULL; srcs++)
		if (source(ev, r, *srcs, out, outsz) == 0)
			return 0;
	return -1;
}

/* What a request offers the endpoint's scheme. */
static void
sig_input(const struct endpoint *ep, const struct scheme *s,
    const struct request *r, time_t now, struct sig_input *in)
{
	memset(in, 0, sizeof(*in));
	in->sig = header_or_alt(r, sig_header_name(ep, s), s->header_alt);
	if (s->t_header != NULL)
		in->t = header_or_alt(r, s->t_header, s->t_header_alt);
	if (s->id_header != NULL)
		in->id = header_or_alt(r, s->id_header, s->id_header_alt);
	in->url = ep->notification_url;
	in->body = r->body.data;
	in->len = r->body.len;
	in->now = now;
	in->tolerance = tolerance(ep);
}

/*
 * The verify of every row that signs by a scheme (ep->scheme: its row's,
 * or generic's): one signature that matches proves the request, and the
 * row's proof is stored. An endpoint with no scheme (generic without one)
 * has only its URL token. Returns 0, or -1 with a 401.
 */
static int
verify_row(const struct endpoint *ep, const struct request *r, time_t now,
    struct event *ev, struct answer *a)
{
	const struct scheme *s = ep->scheme;
	struct sig_input in;
	enum sig_result res;

	if (s == NULL)
		return 0;
	sig_input(ep, s, r, now, &in);
	if ((res = verify_scheme(s, ep->secret, ep->public_key, &in)) !=
	    SIG_NONE) {
		if (s == &schemes[SCH_HMAC])
			snprintf(ev->proof, sizeof(ev->proof), "hmac %.48s",
			    in.sig != NULL ? sig_header_name(ep, s) : "");
		else
			snprintf(ev->proof, sizeof(ev->proof), "%s",
			    res == SIG_ED25519 && s->proof_ed != NULL ?
			    s->proof_ed : s->proof);
		/* The HMAC row's proof names the header as configured. */
		if (s == &schemes[SCH_HMAC]) {
			size_t i;

			for (i = 0; ev->proof[i] != '\0'; i++)
				ev->proof[i] = (char)tolower(
				    (unsigned char)ev->proof[i]);
		}
		ev->body_signed = 1;
		return 0;
	}
	if (s == &schemes[SCH_STANDARD])
		answer_set(a, OUT_UNAUTHORIZED, "webhook-signature is missing "
		    "or does not match, or webhook-timestamp is more than %d s "
		    "from now", tolerance(ep));
	else if (scheme_has(s, "{t}"))
		answer_set(a, OUT_UNAUTHORIZED, "the %s header is missing or "
		    "does not match the body, or its timestamp is more than "
		    "%d s from now", sig_header_name(ep, s), tolerance(ep));
	else if (scheme_has(s, "{url}"))
		answer_set(a, OUT_UNAUTHORIZED, "the %s header is missing or "
		    "does not match the notification_url and the body",
		    sig_header_name(ep, s));
	else
		answer_set(a, OUT_UNAUTHORIZED, "the %s header is missing or "
		    "does not match the body", s == &schemes[SCH_REFLOW] ?
		    "Signature" : sig_header_name(ep, s));
	return -1;
}

/* The encoding of a MAC, as the scheme's senders write it. */
static void
encode(const struct scheme *s, const unsigned char mac[32], char *out,
    size_t outsz)
{
	if (s->enc == ENC_BASE64)
		sodium_bin2base64(out, outsz, mac, 32,
		    sodium_base64_VARIANT_ORIGINAL);
	else
		sodium_bin2hex(out, outsz, mac, 32);
}

/*
 * verify_row's inverse, for every scheme row: the headers its senders
 * add, signed with the endpoint's secret at now (an id made from now
 * where the scheme signs one). Nothing when the endpoint has no secret
 * (its requests then go as they are); an Ed25519 scheme cannot be signed
 * for, since that takes the sender's private key.
 */
static int
sign_row(const struct endpoint *ep, const void *body, size_t len,
    time_t now, struct buf *headers, struct buf *why)
{
	const struct scheme *s = ep->scheme;
	unsigned char kbuf[STD_SECRET_MAX], mac[32];
	const unsigned char *key;
	char enc[sodium_base64_ENCODED_LEN(32,
	    sodium_base64_VARIANT_ORIGINAL) + 65], t[32], id[32];
	struct buf msg = { 0 };
	size_t klen;
	int rc = 0;

	if (s == NULL)
		return 0;
	if (ep->secret == NULL || s->mac == MAC_ED25519) {
		if (ep->public_key == NULL)
			return 0;
		buf_addstr(why, "it has only a public_key, and v1a signatures "
		    "are made with the sender's private key, which hookbox "
		    "never has. Pass a request the sender signed with "
		    "--unsigned and --header for the headers it signs, or add "
		    "the endpoint's secret to sign with it.");
		return -1;
	}
	if ((key = scheme_key(s, ep->secret, kbuf, &klen)) == NULL) {
		buf_addstr(why, "its secret does not decode");
		return -1;
	}
	if (s->time == TIME_ISO8601)
		hb_iso8601(t, now);
	else
		snprintf(t, sizeof(t), "%lld", (long long)now);
	snprintf(id, sizeof(id), "msg_sim%lld", (long long)now);
	if (scheme_message(s, t, id, ep->notification_url, body, len,
	    &msg) == -1) {
		buf_free(&msg);
		sodium_memzero(kbuf, sizeof(kbuf));
		if (ep->notification_url == NULL && scheme_has(s, "{url}")) {
			buf_addstr(why, "it has no notification_url");
			return -1;
		}
		return no_memory(why);
	}
	hb_hmac_sha256(mac, key, klen, msg.data, msg.len);
	sodium_memzero(kbuf, sizeof(kbuf));
	buf_free(&msg);
	encode(s, mac, enc, sizeof(enc));
	if (s->id_header != NULL)
		rc |= buf_printf(headers, "%s: %s\n", s->id_header, id);
	if (s->t_header != NULL)
		rc |= buf_printf(headers, "%s: %s\n", s->t_header, t);
	switch (s->split) {
	case SPLIT_WHOLE:
		rc |= buf_printf(headers, "%s: %s%s\n", sig_header_name(ep, s),
		    s->prefix != NULL && s != &schemes[SCH_HMAC] &&
		    s != &schemes[SCH_REFLOW] ? s->prefix : "", enc);
		break;
	case SPLIT_PAIRS:
		if (s->t_key != NULL)
			rc |= buf_printf(headers, "%s: %s=%s%c%s=%s\n",
			    sig_header_name(ep, s), s->t_key, t, s->sep,
			    s->sig_key, enc);
		else
			rc |= buf_printf(headers, "%s: %s=%s\n",
			    sig_header_name(ep, s), s->sig_key, enc);
		break;
	case SPLIT_TAGGED:
		rc |= buf_printf(headers, "%s: %s,%s\n", sig_header_name(ep, s),
		    s->sig_key, enc);
		break;
	}
	sodium_memzero(mac, sizeof(mac));
	return rc == 0 ? 0 : no_memory(why);
}

/*
 * The normaliser of the rows that are data (woocommerce, shopify,
 * stripe, paddle, square, github, and mollie's next-gen events): the
 * type, key and resource from the row's sources, in order. The type is
 * the row's fallback (type_or_untyped) when a signed body names none;
 * the key, the SHA-256 of the body when no source has one; READ_ACTION
 * appends the body's "action" to the type (GitHub: "issues.opened").
 * READ_KEY_BODY keys on the type and the signed body, never on an id
 * header: a header the signature does not cover would let whoever
 * captured one request store its body again as new under another id
 * (and WooCommerce's delivery id is the same for two deliveries in one
 * second). A redelivery sends the same body, so it stays a duplicate.
 */
static int
norm_row(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	const struct provider *p = ep->provider;
	char act[MAX_FIELD_LEN], typed[MAX_FIELD_LEN + 1];
	size_t n;

	if (signed_json_body(r, ev, a) == -1)
		return -1;
	if (first_source(ev, r, p->type_from, ev->type,
	    sizeof(ev->type)) == 0 && (p->read & READ_ACTION) &&
	    field(ev, "/action", act, sizeof(act)) == 0) {
		n = strlen(ev->type);
		/* Too long for a type: the platform's type alone. */
		if (n + 1 + strlen(act) <= MAX_EVENT_TYPE_LEN) {
			ev->type[n] = '.';
			memcpy(ev->type + n + 1, act, strlen(act) + 1);
		}
	}
	if (type_or_untyped(ep, ev, a, p->type_from != NULL &&
	    p->type_from[0] != NULL ? p->type_from[0] : "type") == -1)
		return -1;
	if (p->read & READ_KEY_BODY) {
		/* The newline: no type holds one, so no two (type, body)
		   pairs give the same text. */
		n = strlen(ev->type);
		memcpy(typed, ev->type, n);
		memcpy(typed + n, "\n", 2);
		if (body_key(ev, typed, r) == -1)
			return -1;
	} else
		first_source(ev, r, p->key_from, ev->key, sizeof(ev->key));
	if (ev->key[0] == '\0' && body_key(ev, "", r) == -1)
		return -1;
	first_source(ev, r, p->resource_from, ev->resource,
	    sizeof(ev->resource));
	return 0;
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
	if (signed_json_body(r, ev, a) == -1)
		return -1;
	field(ev, "/type", ev->type, sizeof(ev->type));
	if (type_or_untyped(ep, ev, a, "type") == -1)
		return -1;
	if (field(ev, "/id", ev->key, sizeof(ev->key)) == -1) {
		if (!ev->body_signed) {
			answer_set(a, OUT_BAD_REQUEST, "required field "
			    "missing: id");
			return -1;
		}
		if (body_key(ev, "", r) == -1)
			return -1;
	}
	field(ev, "/data/object/id", ev->resource,
	    sizeof(ev->resource));
	return 0;
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

static int
norm_pointers(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a, const char *deftype)
{
	const char *tp = ep->type_pointer != NULL ? ep->type_pointer : deftype;

	source(ev, r, tp, ev->type, sizeof(ev->type));
	if (type_or_untyped(ep, ev, a, tp) == -1)
		return -1;
	if (ep->key_pointer != NULL) {
		if (source(ev, r, ep->key_pointer, ev->key,
		    sizeof(ev->key)) == -1) {
			if (!ev->body_signed) {
				answer_set(a, OUT_BAD_REQUEST, "required field "
				    "missing: %s", ep->key_pointer);
				return -1;
			}
			if (body_key(ev, "", r) == -1)
				return -1;
		}
	} else if (ev->key[0] == '\0' && body_key(ev, "", r) == -1)
		return -1;
	if (ep->resource_pointer != NULL)
		source(ev, r, ep->resource_pointer, ev->resource,
		    sizeof(ev->resource));
	return 0;
}

static int
norm_standard(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	const char *id = header_or_alt(r, "webhook-id", "svix-id");

	if (signed_json_body(r, ev, a) == -1)
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
	} else if (signed_json_body(r, ev, a) == -1)
		return -1;
	return norm_pointers(ep, r, ev, a, "/type");
}

/*
 * ---- woocommerce: https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/ ----
 * (fixtures woocommerce-*; the ping: WC_Webhook::deliver_ping() in
 * woocommerce/woocommerce's includes/class-wc-webhook.php)
 */

/*
 * WooCommerce pings a webhook when it is saved: an unsigned form POST
 * whose body is exactly "webhook_id=<digits>", and it refuses to save the
 * webhook unless the answer is exactly 200. That ping is answered 200
 * (OUT_PING), stored nowhere, and runs no hook; anything else unsigned
 * is refused as usual.
 */
static int
woo_ping(const struct request *r)
{
	const char *b = r->body.data;
	size_t i, n = r->body.len;

	if (n <= 11 || n > 11 + 20 || memcmp(b, "webhook_id=", 11) != 0)
		return 0;
	for (i = 11; i < n; i++)
		if (b[i] < '0' || b[i] > '9')
			return 0;
	return 1;
}

static int
verify_woocommerce(const struct endpoint *ep, const struct request *r,
    time_t now, struct event *ev, struct answer *a)
{
	if (req_header(r, "x-wc-webhook-signature") == NULL && woo_ping(r)) {
		answer_set(a, OUT_PING, "WooCommerce's ping: nothing stored");
		return -1;
	}
	return verify_row(ep, r, now, ev, a);
}

/*
 * ---- mollie: https://docs.mollie.com/reference/webhooks (classic),
 * https://docs.mollie.com/reference/webhooks-new (next-gen, signed) ----
 * (fixtures mollie-*)
 */

/*
 * A classic webhook is an unsigned form POST "id=tr_..." that only the
 * URL token proves (its hook fetches the object with the API key). With
 * a "secret", a request that carries X-Mollie-Signature must match it;
 * one without it still needs the token (serve.c checked it): an endpoint
 * with a secret and no token takes signed next-gen webhooks only.
 */
static int
verify_mollie(const struct endpoint *ep, const struct request *r,
    time_t now, struct event *ev, struct answer *a)
{
	if (ep->secret != NULL && req_header(r, "x-mollie-signature") != NULL)
		return verify_row(ep, r, now, ev, a);
	if (ep->token != NULL)
		return 0;
	answer_set(a, OUT_UNAUTHORIZED, "X-Mollie-Signature is missing: this "
	    "endpoint has no URL token, so only signed webhooks prove a "
	    "sender");
	return -1;
}

static int
norm_mollie(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	/* The id's prefix names the object (classic webhooks). */
	static const struct { const char *prefix, *type; } kinds[] = {
		{ "tr_", "payment" },
		{ "ord_", "order" },
		{ "pl_", "payment-link" },
		{ NULL, NULL }
	};
	char id[MAX_FIELD_LEN];
	size_t i;

	for (i = 0; i < r->body.len && json_ws(r->body.data[i]); i++)
		;
	/* Next-gen events are JSON: the row's sources read them. */
	if (i < r->body.len && r->body.data[i] == '{')
		return norm_row(ep, r, ev, a);
	if (form_check(r->body.data, a) == -1)
		return -1;
	ev->form = r->body.data;
	if (field(ev, "/id", id, sizeof(id)) == -1) {
		answer_set(a, OUT_BAD_REQUEST, "required field missing: id "
		    "(Mollie sends id=tr_...)");
		return -1;
	}
	for (i = 0; kinds[i].prefix != NULL; i++)
		if (strncmp(id, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
			break;
	if (kinds[i].prefix != NULL)
		snprintf(ev->type, sizeof(ev->type), "%s", kinds[i].type);
	else
		snprintf(ev->type, sizeof(ev->type), "%s.untyped",
		    ep->provider->name);
	snprintf(ev->key, sizeof(ev->key), "%s", id);
	snprintf(ev->resource, sizeof(ev->resource), "%s", id);
	/* Every status change sends the same id: only a burst repeats. */
	ev->windowed = 1;
	return 0;
}

#define M_GET	(1u << REQ_GET)
#define M_POST	(1u << REQ_POST)
#define SRC(...)	((const char *const[]){ __VA_ARGS__, NULL })

/*
 * The platforms, one row each. Adding one means a row here: its scheme
 * and its sources are data, norm_row, verify_row and sign_row read them,
 * as the inbox's Endpoints page reads its title and where the URL goes
 * (install.sh has its own copy of the latter); then a fixture and its expected output (tests/fixtures/README.md).
 */
static const struct provider providers[] = {
	{ .name = "flipsnack", .title = "Flipsnack",
	  .where = "workspace Settings > Integrations > "
	      "Webhooks (Enterprise plan)",
	  .methods = M_POST, .allow = "POST",
	  .normalise = norm_flipsnack },
	{ .name = "fliplink", .title = "FlipLink",
	  .where = "the flipbook's webhook settings",
	  .methods = M_POST, .allow = "POST",
	  .normalise = norm_fliplink },
	{ .name = "flipdish", .title = "Flipdish",
	  .where = "Portal > Settings > Webhooks (v3; its "
	      "shared secret goes in \"secret\"), or Portal > Developer "
	      "tools > Webhooks (legacy)",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_VERIFY_TOKEN,
	  .proof_hint = "the v3 \"secret\"",
	  .scheme = &schemes[SCH_FLIPDISH],
	  .normalise = norm_flipdish, .verify = verify_flipdish_req,
	  .sign = sign_row },
	{ .name = "reflow", .title = "Reflow",
	  .where = "the project's webhook settings",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED,
	  .scheme = &schemes[SCH_REFLOW],
	  .normalise = norm_reflow, .verify = verify_row, .sign = sign_row },
	{ .name = "quickbutik", .title = "Quickbutik",
	  .where = "Control Panel > Settings > Webhooks",
	  .methods = M_GET | M_POST,
	  .allow = "GET, POST", .normalise = norm_quickbutik },
	{ .name = "standard", .title = "Standard Webhooks",
	  .where = "the sender's webhook settings",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED | PROV_WHSEC | PROV_PUBLIC_KEY,
	  .scheme = &schemes[SCH_STANDARD],
	  .normalise = norm_standard, .verify = verify_row,
	  .sign = sign_row },
	{ .name = "generic", .title = "generic",
	  .where = "the sender's webhook settings",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIG_HEADER | PROV_SCHEME,
	  .proof_hint = "\"secret\" with \"signature_header\" or \"scheme\"",
	  .normalise = norm_generic, .verify = verify_row,
	  .sign = sign_row },
	{ .name = "woocommerce", .title = "WooCommerce",
	  .where = "WooCommerce > Settings > Advanced > "
	      "Webhooks > Add webhook, as the Delivery URL",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED,
	  .scheme = &schemes[SCH_WOOCOMMERCE],
	  .type_from = SRC("x-wc-webhook-topic"),
	  .resource_from = SRC("/id"), .read = READ_KEY_BODY,
	  .normalise = norm_row, .verify = verify_woocommerce,
	  .sign = sign_row },
	{ .name = "shopify", .title = "Shopify",
	  .where = "Settings > Notifications > Webhooks > "
	      "Create webhook, format JSON",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED,
	  .scheme = &schemes[SCH_SHOPIFY],
	  .type_from = SRC("x-shopify-topic", "shopify-topic"),
	  .resource_from = SRC("/id", "shopify-resource-id"),
	  .read = READ_KEY_BODY,
	  .normalise = norm_row, .verify = verify_row, .sign = sign_row },
	{ .name = "stripe", .title = "Stripe",
	  .where = "Dashboard > Developers > Webhooks > Add "
	      "destination",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED,
	  .scheme = &schemes[SCH_STRIPE],
	  .type_from = SRC("/type"), .key_from = SRC("/id"),
	  .resource_from = SRC("/data/object/id"),
	  .normalise = norm_row, .verify = verify_row, .sign = sign_row },
	{ .name = "paddle", .title = "Paddle",
	  .where = "Developer tools > Notifications > New "
	      "destination",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED,
	  .scheme = &schemes[SCH_PADDLE],
	  .type_from = SRC("/event_type"),
	  .key_from = SRC("/event_id", "/notification_id"),
	  .resource_from = SRC("/data/id"),
	  .normalise = norm_row, .verify = verify_row, .sign = sign_row },
	{ .name = "square", .title = "Square",
	  .where = "Developer Console > the application > "
	      "Webhooks > Subscriptions > Add subscription",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED | PROV_URL,
	  .scheme = &schemes[SCH_SQUARE],
	  .type_from = SRC("/type"), .key_from = SRC("/event_id"),
	  .resource_from = SRC("/data/id"),
	  .normalise = norm_row, .verify = verify_row, .sign = sign_row },
	{ .name = "github", .title = "GitHub",
	  .where = "the repository's Settings > Webhooks > "
	      "Add webhook, content type application/json",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET | PROV_SIGNED,
	  .scheme = &schemes[SCH_GITHUB],
	  .type_from = SRC("x-github-event"),
	  .resource_from = SRC("/pull_request/number", "/issue/number",
	      "/release/id", "/ref", "/hook_id"),
	  .read = READ_ACTION | READ_KEY_BODY,
	  .normalise = norm_row, .verify = verify_row, .sign = sign_row },
	{ .name = "mollie", .title = "Mollie",
	  .where = "the webhookUrl your shop gives each "
	      "payment, or Dashboard > Developers > Webhooks (next-gen)",
	  .methods = M_POST, .allow = "POST",
	  .flags = PROV_SECRET,
	  .proof_hint = "\"secret\" (next-gen webhooks only)",
	  .scheme = &schemes[SCH_MOLLIE],
	  .type_from = SRC("/type"), .key_from = SRC("/id"),
	  .resource_from = SRC("/entityId"),
	  .normalise = norm_mollie, .verify = verify_mollie,
	  .sign = sign_row },
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
