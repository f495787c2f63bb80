/*
 * The provider presets: which methods each platform uses, where its event
 * type, idempotency key and resource id are, and how it proves itself.
 * DESIGN.md "Providers" is the table; PROVIDERS.md has the sources. Where
 * a fact is UNCONFIRMED every documented variant is accepted.
 *
 * Adding a platform means adding a normaliser (and a verifier if it
 * signs) and one row to `providers[]` at the bottom.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/json_pointer.h>

#include "hookbox.h"

/*
 * json-c clamps whole numbers past 64 bits to the limits, so two
 * different ids would read alike. When the body has such a number, the
 * values sitting at a limit are taken away (they read as absent): no
 * event is ever keyed by a number hookbox could not read exactly.
 */
static void
drop_clamped(struct json_object *o)
{
	size_t i, n;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			if (json_object_is_type(v, json_type_int) &&
			    (json_object_get_int64(v) == INT64_MIN ||
			    json_object_get_uint64(v) == UINT64_MAX))
				json_object_object_add(o, k, NULL);
			else
				drop_clamped(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(o, i);

			if (json_object_is_type(v, json_type_int) &&
			    (json_object_get_int64(v) == INT64_MIN ||
			    json_object_get_uint64(v) == UINT64_MAX))
				json_object_array_put_idx(o, i, NULL);
			else
				drop_clamped(v);
		}
	}
}

/*
 * Parses a JSON body: strict RFC 8259 (no comments, no trailing commas),
 * valid UTF-8, at most MAX_JSON_DEPTH deep, one object and nothing after
 * it but whitespace. Returns 0, or -1 with a 400 answer.
 */
int
prov_parse_json(const char *text, size_t len, struct json_object **out,
    struct answer *a)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error e;
	char why[128];
	size_t end;
	int bigint = 0;

	*out = NULL;
	if (len == 0) {
		answer_set(a, OUT_BAD_REQUEST, "the body is empty; a JSON "
		    "object was expected");
		return -1;
	}
	if (json_check(text, len, MAX_JSON_DEPTH, &bigint, why,
	    sizeof(why)) == -1) {
		answer_set(a, OUT_BAD_REQUEST, "the body is not valid JSON: %s",
		    why);
		return -1;
	}
	if (len > (size_t)INT32_MAX ||
	    (tok = json_tokener_new_ex(MAX_JSON_DEPTH)) == NULL) {
		answer_set(a, OUT_UNAVAILABLE, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = tok->char_offset < 0 ? 0 : (size_t)tok->char_offset;
	json_tokener_free(tok);
	while (o != NULL && end < len && text[end] != '\0' &&
	    strchr(" \t\r\n", text[end]) != NULL)
		end++;
	if (o == NULL || e != json_tokener_success || end != len) {
		if (e == json_tokener_error_depth)
			answer_set(a, OUT_BAD_REQUEST, "the JSON body is nested "
			    "deeper than %d levels", MAX_JSON_DEPTH);
		else if (o != NULL && e == json_tokener_success)
			answer_set(a, OUT_BAD_REQUEST, "unexpected bytes after "
			    "the JSON object at byte %zu", end);
		else
			answer_set(a, OUT_BAD_REQUEST, "the body is not valid "
			    "JSON (%s near byte %zu)", json_tokener_error_desc(
			    e == json_tokener_continue ?
			    json_tokener_error_parse_eof : e), end);
		json_object_put(o);
		return -1;
	}
	if (!json_object_is_type(o, json_type_object)) {
		answer_set(a, OUT_BAD_REQUEST, "the body is JSON but not an "
		    "object");
		json_object_put(o);
		return -1;
	}
	if (bigint)
		drop_clamped(o);
	*out = o;
	return 0;
}

/*
 * Turns "a=1&b=two" into {"a":"1","b":"two"}, decoded, at most
 * MAX_QUERY_PARAMS pairs. The `token` parameter is proof, not data, and
 * is left out. The first of repeated names wins. Returns the object, or
 * NULL with a 400 answer.
 */
struct json_object *
prov_query_object(const char *q, struct answer *a)
{
	struct json_object *o;
	size_t npairs = 0;

	if ((o = json_object_new_object()) == NULL) {
		answer_set(a, OUT_UNAVAILABLE, "out of memory");
		return NULL;
	}
	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&'), *eq;
		size_t len = amp != NULL ? (size_t)(amp - q) : strlen(q);
		size_t nlen, vlen;
		char *name, *val;

		if (len == 0) {
			q++;
			continue;
		}
		if (++npairs > MAX_QUERY_PARAMS) {
			answer_set(a, OUT_BAD_REQUEST, "more than %d "
			    "parameters", MAX_QUERY_PARAMS);
			goto fail;
		}
		eq = memchr(q, '=', len);
		nlen = eq != NULL ? (size_t)(eq - q) : len;
		vlen = eq != NULL ? len - nlen - 1 : 0;
		name = malloc(nlen + 1);
		val = malloc(vlen + 1);
		if (name == NULL || val == NULL ||
		    hb_urldecode(name, &nlen, q, nlen) == -1 ||
		    hb_urldecode(val, &vlen, eq != NULL ? eq + 1 : "", vlen) ==
		    -1) {
			free(name);
			free(val);
			answer_set(a, OUT_BAD_REQUEST, "a parameter is badly "
			    "percent-encoded");
			goto fail;
		}
		if (strcmp(name, "token") != 0 &&
		    !json_object_object_get_ex(o, name, NULL))
			json_object_object_add(o, name,
			    json_object_new_string_len(val, (int)vlen));
		free(name);
		free(val);
		q += len;
	}
	return o;
 fail:
	json_object_put(o);
	return NULL;
}

/*
 * The scalar at JSON pointer ptr (RFC 6901) as text: strings as they are,
 * integers in decimal. Returns 0, or -1 when absent, not a scalar, empty,
 * too long for out, or holding control bytes (values end up in hook
 * environments and log lines).
 */
int
prov_pointer(struct json_object *root, const char *ptr, char *out,
    size_t outsz)
{
	struct json_object *v;
	const char *s;
	size_t n, i;

	if (root == NULL || json_pointer_get(root, ptr, &v) != 0 || v == NULL)
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

/* The first pointer of a NULL-terminated list that yields a value. */
static int
first_pointer(struct json_object *root, const char *const *ptrs, char *out,
    size_t outsz)
{
	for (; *ptrs != NULL; ptrs++)
		if (prov_pointer(root, *ptrs, out, outsz) == 0)
			return 0;
	return -1;
}

/* Event types name hooks and land in environments: printable, no space. */
static int
valid_type(const char *t)
{
	if (*t == '\0' || strlen(t) > 128)
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

	rc = buf_addstr(&b, prefix) | buf_add(&b, r->body.data, r->body.len);
	if (rc == 0)
		hb_sha256_hex(hex, b.data, b.len);
	buf_free(&b);
	if (rc == 0)
		snprintf(ev->key, sizeof(ev->key), "sha256:%s", hex);
	return rc;
}

static int
json_body(const struct request *r, struct event *ev, struct answer *a)
{
	return prov_parse_json(r->body.data, r->body.len, &ev->json, a);
}

/* ---- flipsnack: PROVIDERS.md 1 ---- */

static int
norm_flipsnack(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	if (prov_pointer(ev->json, "/type", ev->type, sizeof(ev->type)) == 0 &&
	    (strcmp(ev->type, "orders") == 0 || strcmp(ev->type, "order") == 0))
		strcpy(ev->type, "order");
	if (need_type(ev, a, "type") == -1)
		return -1;
	if (prov_pointer(ev->json, "/order_id", ev->key, sizeof(ev->key)) ==
	    -1) {
		answer_set(a, OUT_BAD_REQUEST, "required field missing: "
		    "order_id");
		return -1;
	}
	snprintf(ev->resource, sizeof(ev->resource), "%s", ev->key);
	return 0;
}

/* ---- fliplink: PROVIDERS.md 2, all UNCONFIRMED, so tolerant ---- */

static int
norm_fliplink(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	static const char *const types[] = { "/event", "/type", "/event_type",
	    NULL };
	struct json_object *data;

	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	first_pointer(ev->json, types, ev->type, sizeof(ev->type));
	if (need_type(ev, a, "event, type or event_type") == -1)
		return -1;
	if (prov_pointer(ev->json, "/id", ev->key, sizeof(ev->key)) == -1 &&
	    body_key(ev, "", r) == -1)
		return -1;
	/* The resource is whichever data.*_id comes first, if any. */
	if (json_object_object_get_ex(ev->json, "data", &data) &&
	    json_object_is_type(data, json_type_object)) {
		json_object_object_foreach(data, k, v) {
			size_t n = strlen(k);
			char ptr[MAX_FIELD_LEN];

			(void)v;
			if (n < 3 || strcmp(k + n - 3, "_id") != 0 ||
			    strchr(k, '/') != NULL || strchr(k, '~') != NULL)
				continue;
			snprintf(ptr, sizeof(ptr), "/data/%s", k);
			if (prov_pointer(ev->json, ptr, ev->resource,
			    sizeof(ev->resource)) == 0)
				break;
		}
	}
	return 0;
}

/* ---- flipdish: PROVIDERS.md 3a (legacy) and 3b (v3) ---- */

static const char zero_guid[] = "00000000-0000-0000-0000-000000000000";

static int
norm_flipdish(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	/* Legacy bodies without EventName: infer from the model's shape. */
	static const struct { const char *field, *type; } shapes[] = {
		{ "/OrderCreatedTime", "order.created" },
		{ "/OrderAcceptedTime", "order.accepted" },
		{ "/OrderRejectedTime", "order.rejected" },
		{ "/RefundedAmount", "order.refunded" },
		{ "/OrderDispatchedTime", "order.dispatched" },
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
	size_t i;

	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	if (h != NULL && *h != '\0')
		snprintf(ev->type, sizeof(ev->type), "%s", h);
	else if (prov_pointer(ev->json, "/detail-type", ev->type,
	    sizeof(ev->type)) == -1 &&
	    prov_pointer(ev->json, "/EventName", ev->type,
	    sizeof(ev->type)) == -1) {
		for (i = 0; shapes[i].field != NULL; i++)
			if (json_pointer_get(ev->json, shapes[i].field,
			    NULL) == 0) {
				snprintf(ev->type, sizeof(ev->type), "%s",
				    shapes[i].type);
				break;
			}
	}
	if (need_type(ev, a, "X-Flipdish-Event-Type, detail-type or "
	    "EventName") == -1)
		return -1;
	if (prov_pointer(ev->json, "/detail/metadata/id", ev->key,
	    sizeof(ev->key)) == -1 &&
	    (prov_pointer(ev->json, "/FlipdishEventId", ev->key,
	    sizeof(ev->key)) == -1 || strcmp(ev->key, zero_guid) == 0) &&
	    body_key(ev, ev->type, r) == -1)
		return -1;
	first_pointer(ev->json, resources, ev->resource, sizeof(ev->resource));
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
	if (ep->verify_token != NULL && vt != NULL &&
	    hb_ct_equal(vt, strlen(vt), ep->verify_token,
	    strlen(ep->verify_token))) {
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

/* ---- reflow: PROVIDERS.md 4 ---- */

static int
norm_reflow(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	(void)ep;
	if (json_body(r, ev, a) == -1)
		return -1;
	prov_pointer(ev->json, "/type", ev->type, sizeof(ev->type));
	if (need_type(ev, a, "type") == -1)
		return -1;
	if (prov_pointer(ev->json, "/id", ev->key, sizeof(ev->key)) == -1) {
		answer_set(a, OUT_BAD_REQUEST, "required field missing: id");
		return -1;
	}
	prov_pointer(ev->json, "/data/object/id", ev->resource,
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

/* ---- quickbutik: PROVIDERS.md 5 ---- */

/*
 * Quickbutik documents GET with a query; its tutorial POSTs. Parameters
 * come from the query, then from a urlencoded or JSON body; the query
 * wins where both have a name.
 */
static int
norm_quickbutik(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	struct json_object *body = NULL;
	char id[MAX_FIELD_LEN];

	(void)ep;
	if ((ev->json = prov_query_object(r->query, a)) == NULL)
		return -1;
	if (r->body.len > 0) {
		if (r->body.data[0] == '{') {
			if (prov_parse_json(r->body.data, r->body.len, &body,
			    a) == -1)
				return -1;
		} else if ((body = prov_query_object(r->body.data, a)) == NULL)
			return -1;
		json_object_object_foreach(body, k, v) {
			if (!json_object_object_get_ex(ev->json, k, NULL))
				json_object_object_add(ev->json, k,
				    json_object_get(v));
		}
		json_object_put(body);
	}
	prov_pointer(ev->json, "/event_type", ev->type, sizeof(ev->type));
	if (need_type(ev, a, "event_type") == -1)
		return -1;
	if (prov_pointer(ev->json, "/order_id", id, sizeof(id)) == -1 &&
	    prov_pointer(ev->json, "/product_id", id, sizeof(id)) == -1) {
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

	prov_pointer(ev->json, tp, ev->type, sizeof(ev->type));
	if (need_type(ev, a, tp) == -1)
		return -1;
	if (ep->key_pointer != NULL) {
		if (prov_pointer(ev->json, ep->key_pointer, ev->key,
		    sizeof(ev->key)) == -1) {
			answer_set(a, OUT_BAD_REQUEST, "required field "
			    "missing: %s", ep->key_pointer);
			return -1;
		}
	} else if (ev->key[0] == '\0' && body_key(ev, "", r) == -1)
		return -1;
	if (ep->resource_pointer != NULL)
		prov_pointer(ev->json, ep->resource_pointer, ev->resource,
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
		prov_pointer(ev->json, "/data/id", ev->resource,
		    sizeof(ev->resource));
	return 0;
}

static int
verify_standard_req(const struct endpoint *ep, const struct request *r,
    time_t now, struct event *ev, struct answer *a)
{
	if (verify_standard(ep->secret, std_header(r, "webhook-id"),
	    std_header(r, "webhook-timestamp"),
	    std_header(r, "webhook-signature"), r->body.data, r->body.len,
	    now)) {
		snprintf(ev->proof, sizeof(ev->proof), "standard-webhooks v1");
		return 0;
	}
	answer_set(a, OUT_UNAUTHORIZED, "webhook-signature is missing or does "
	    "not match, or webhook-timestamp is more than %d s from now",
	    CLOCK_SKEW_SECS);
	return -1;
}

/* ---- generic: JSON or a form, pointers from the config ---- */

static int
norm_generic(const struct endpoint *ep, const struct request *r,
    struct event *ev, struct answer *a)
{
	const char *ct = r->content_type;

	if (strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		if ((ev->json = prov_query_object(r->body.data, a)) == NULL)
			return -1;
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

#define M_GET	(1u << REQ_GET)
#define M_POST	(1u << REQ_POST)

static const struct provider providers[] = {
	{ "flipsnack", M_POST, "POST", norm_flipsnack, NULL },
	{ "fliplink", M_POST, "POST", norm_fliplink, NULL },
	{ "flipdish", M_POST, "POST", norm_flipdish, verify_flipdish_req },
	{ "reflow", M_POST, "POST", norm_reflow, verify_reflow },
	{ "quickbutik", M_GET | M_POST, "GET, POST", norm_quickbutik, NULL },
	{ "standard", M_POST, "POST", norm_standard, verify_standard_req },
	{ "generic", M_POST, "POST", norm_generic, verify_generic },
	{ NULL, 0, NULL, NULL, NULL }
};

const struct provider *
prov_find(const char *name)
{
	const struct provider *p;

	for (p = providers; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const char *
prov_names(void)
{
	return "flipsnack, fliplink, flipdish, reflow, quickbutik, standard, "
	    "generic";
}

void
event_free(struct event *ev)
{
	json_object_put(ev->json);
	ev->json = NULL;
}
