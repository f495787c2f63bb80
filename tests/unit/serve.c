/*
 * Unit tests of src/serve.c.
 */
#include "unit.h"

/* One request through serve(), as CGI would hand it over. */
struct served
serve_one(struct serve_ctx *ctx, const char *method, const char *path,
    const char *query, const char *body, time_t now)
{
	struct memrd m = { body != NULL ? body : "", 0, 0, 0 };
	struct buf pv = { 0 }, qv = { 0 }, mv = { 0 };
	struct served s;
	struct request r;
	struct answer a;
	char cl[64];

	m.len = strlen(m.p);
	buf_printf(&mv, "REQUEST_METHOD=%s", method);
	buf_printf(&pv, "PATH_INFO=%s", path);
	buf_printf(&qv, "QUERY_STRING=%s", query != NULL ? query : "");
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", m.len);
	mkreq(&r, &a, VARS(mv.data, pv.data, qv.data, cl,
	    "REMOTE_ADDR=192.0.2.9", "CONTENT_TYPE=application/json"));
	ctx->now = now;
	serve(ctx, &r, mem_read, &m, &a);
	s.outcome = a.outcome;
	s.id = a.id;
	snprintf(s.error, sizeof(s.error), "%s", a.error);
	req_free(&r);
	buf_free(&mv);
	buf_free(&pv);
	buf_free(&qv);
	return s;
}

struct conf *
serve_conf(const char *name)
{
	struct buf err = { 0 }, text = { 0 };
	struct conf *c;

	buf_printf(&text, "{ \"database\": \"%s/%s.db\", \"busy_timeout_ms\": "
	    "100, \"max_body_bytes\": 2048, \"endpoints\": {"
	    " \"catalog\": { \"provider\": \"flipsnack\", \"token\": \"tok\" },"
	    " \"shop\": { \"provider\": \"quickbutik\", \"token\": \"tok\" },"
	    " \"burst\": { \"provider\": \"quickbutik\", \"token\": \"tok\","
	    "   \"dedupe_window\": 0 } } }", tmpdir, name);
	c = conf_load(tmpfile_with(name, text.data, 0600), &err);
	if (c == NULL)
		note(__LINE__, "config refused: %s", err.data);
	buf_free(&err);
	buf_free(&text);
	return c;
}

/*
 * The first column of the query's first row, read as another process
 * would: a read-only connection of its own on the config's database, so
 * that only what the store has committed is seen. -1 if it cannot be read.
 */
long long
db_count(struct serve_ctx *ctx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *p = NULL;
	long long n = -1;

	if (sqlite3_open_v2(conf_database(ctx->conf), &db,
	    SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &p, NULL) == SQLITE_OK &&
	    sqlite3_step(p) == SQLITE_ROW)
		n = sqlite3_column_int64(p, 0);
	sqlite3_finalize(p);
	sqlite3_close(db);
	return n;
}

#define FS_BODY	"{\"type\":\"orders\",\"order_id\":\"A1\"}"

static void
t_serve_dedupe(void)
{
	struct serve_ctx ctx = { 0 };
	struct served s1, s2, s3;

	if ((ctx.conf = serve_conf("dedupe")) == NULL)
		return;
	s1 = serve_one(&ctx, "POST", "/catalog/tok", NULL, FS_BODY, 1000);
	s2 = serve_one(&ctx, "POST", "/catalog/tok", NULL, FS_BODY, 99999);
	EXPECT_INT(s1.outcome, OUT_ACCEPTED);
	EXPECT_INT(s2.outcome, OUT_DUPLICATE);	/* ids dedupe for ever */
	EXPECT_INT(s2.id, s1.id);
	s3 = serve_one(&ctx, "POST", "/catalog/tok", NULL,
	    "{\"type\":\"orders\",\"order_id\":\"A2\"}", 1000);
	EXPECT_INT(s3.outcome, OUT_ACCEPTED);
	EXPECT(s3.id != s1.id);
	EXPECT_INT(db_count(&ctx, "SELECT count(*) FROM events"), 2);
	store_close(ctx.store);
	conf_free((struct conf *)ctx.conf);
}

/* README "Config", dedupe_window: id-less signals are duplicates only within dedupe_window. */
static void
t_serve_window(void)
{
	static const char q[] = "event_type=product.update&product_id=987";
	struct serve_ctx ctx = { 0 };
	struct served s1, s2, s3, s4;

	if ((ctx.conf = serve_conf("window")) == NULL)
		return;
	s1 = serve_one(&ctx, "GET", "/shop/tok", q, NULL, 10000);
	s2 = serve_one(&ctx, "GET", "/shop/tok", q, NULL, 10299);
	s3 = serve_one(&ctx, "GET", "/shop/tok", q, NULL, 10300);
	s4 = serve_one(&ctx, "GET", "/shop/tok", q, NULL, 10301);
	EXPECT_INT(s1.outcome, OUT_ACCEPTED);
	EXPECT_INT(s2.outcome, OUT_DUPLICATE);
	EXPECT_INT(s2.id, s1.id);
	EXPECT_INT(s3.outcome, OUT_ACCEPTED);	/* 300 s after: new */
	EXPECT_INT(s4.outcome, OUT_DUPLICATE);	/* within 300 s of s3 */
	EXPECT_INT(s4.id, s3.id);
	/* Another product is another signal. */
	s1 = serve_one(&ctx, "GET", "/shop/tok",
	    "event_type=product.update&product_id=988", NULL, 10000);
	EXPECT_INT(s1.outcome, OUT_ACCEPTED);
	/* Orders carry their id: never windowed. */
	s1 = serve_one(&ctx, "GET", "/shop/tok",
	    "event_type=order.new&order_id=5", NULL, 10000);
	s2 = serve_one(&ctx, "GET", "/shop/tok",
	    "event_type=order.new&order_id=5", NULL, 50000);
	EXPECT_INT(s1.outcome, OUT_ACCEPTED);
	EXPECT_INT(s2.outcome, OUT_DUPLICATE);
	store_close(ctx.store);
	conf_free((struct conf *)ctx.conf);
}

/*
 * A product's signals are matched by its whole id: "77@1" (the store
 * keeps windowed keys as "<key>@<time>") is not a repeat of "77".
 */
static void
t_serve_window_ids(void)
{
	struct serve_ctx ctx = { 0 };
	struct served s1, s2;

	if ((ctx.conf = serve_conf("window-ids")) == NULL)
		return;
	s1 = serve_one(&ctx, "GET", "/shop/tok",
	    "event_type=product.update&product_id=77%401", NULL, 10000);
	s2 = serve_one(&ctx, "GET", "/shop/tok",
	    "event_type=product.update&product_id=77", NULL, 10001);
	EXPECT_INT(s1.outcome, OUT_ACCEPTED);
	EXPECT_INT(s2.outcome, OUT_ACCEPTED);
	store_close(ctx.store);
	conf_free((struct conf *)ctx.conf);
}

/*
 * dedupe_window 0: every repeat is a new event, even two in the same
 * second (a burst of stock edits must each reach the hook).
 */
static void
t_serve_window_zero(void)
{
	static const char q[] = "event_type=product.update&product_id=987";
	struct serve_ctx ctx = { 0 };
	struct served s1, s2, s3;

	if ((ctx.conf = serve_conf("zero")) == NULL)
		return;
	s1 = serve_one(&ctx, "GET", "/burst/tok", q, NULL, 20000);
	s2 = serve_one(&ctx, "GET", "/burst/tok", q, NULL, 20001);
	s3 = serve_one(&ctx, "GET", "/burst/tok", q, NULL, 20001);
	EXPECT_INT(s1.outcome, OUT_ACCEPTED);
	EXPECT_INT(s2.outcome, OUT_ACCEPTED);
	EXPECT(s2.id != s1.id);
	EXPECT_INT(s3.outcome, OUT_ACCEPTED);
	EXPECT(s3.id != s2.id);
	store_close(ctx.store);
	conf_free((struct conf *)ctx.conf);
}

/* Which header values are kept in the store, and which are credentials. */
static void
t_serve_header_secret(void)
{
	static const char *const secret[] = { "authorization",
	    "proxy-authorization", "cookie", "set-cookie", "x-api-key",
	    "api-key", "x-apikey", "x-shop-api-key", "x-auth-token",
	    "x-auth", "x-authentication", "x-shopify-hmac-sha256",
	    "stripe-signature", "webhook-signature", "x-hub-signature",
	    "x-hub-signature-256", "x-wc-webhook-signature",
	    "x-flipdish-signature", "signature", "x-verify-token",
	    "x-password", "x-client-secret", "x-credentials", NULL };
	static const char *const kept[] = { "content-type", "content-length",
	    "user-agent", "x-flipdish-event-type", "webhook-id",
	    "webhook-timestamp", "x-request-id", "x-forwarded-for",
	    "x-github-event", "x-github-delivery", "x-wc-webhook-topic",
	    "x-shopify-topic", "accept", "host", "x-oauth-client-id", NULL };
	size_t i;

	for (i = 0; secret[i] != NULL; i++)
		if (!serve_header_secret(secret[i]))
			note(__LINE__, "%s is kept in clear", secret[i]);
	for (i = 0; kept[i] != NULL; i++)
		if (serve_header_secret(kept[i]))
			note(__LINE__, "%s is redacted", kept[i]);
}

static void
t_serve_rejects(void)
{
	struct serve_ctx ctx = { 0 };
	struct served s;

	if ((ctx.conf = serve_conf("rejects")) == NULL)
		return;
	s = serve_one(&ctx, "POST", "/catalog/wrong", NULL, FS_BODY, 1000);
	EXPECT_INT(s.outcome, OUT_UNAUTHORIZED);
	s = serve_one(&ctx, "POST", "/nowhere", NULL, FS_BODY, 1000);
	EXPECT_INT(s.outcome, OUT_NOT_FOUND);
	s = serve_one(&ctx, "GET", "/catalog/tok", NULL, NULL, 1000);
	EXPECT_INT(s.outcome, OUT_BAD_METHOD);
	s = serve_one(&ctx, "POST", "/catalog/tok", NULL, "{", 1000);
	EXPECT_INT(s.outcome, OUT_BAD_REQUEST);
	s = serve_one(&ctx, "POST", "/catalog/tok", NULL, FS_BODY, 1000);
	EXPECT_INT(s.outcome, OUT_ACCEPTED);
	EXPECT_INT(db_count(&ctx, "SELECT count(*) FROM rejects"), 4);
	EXPECT_INT(db_count(&ctx, "SELECT count(*) FROM rejects WHERE "
	    "received_at = 1000 AND remote_addr = '192.0.2.9'"), 4);
	EXPECT_INT(db_count(&ctx, "SELECT count(*) FROM rejects WHERE "
	    "status = 401 AND endpoint = 'catalog'"), 1);
	/* The token is a secret: it is never kept in a refusal. */
	EXPECT_INT(db_count(&ctx, "SELECT count(*) FROM rejects WHERE "
	    "reason LIKE '%tok%' AND reason NOT LIKE '%token%'"), 0);
	EXPECT_INT(db_count(&ctx, "SELECT count(*) FROM events"), 1);
	store_close(ctx.store);
	conf_free((struct conf *)ctx.conf);
}

/*
 * The token's check (verify.c) and the stored query's redaction read
 * the query through one splitter and compare names decoded: a token,
 * however it is spelled, both proves the request and is left out of
 * what is stored; a name that is not the token neither proves nor goes.
 */
static void
t_serve_query_token(void)
{
	static const struct {
		const char *query, *stored;	/* stored NULL: a 401 */
	} cases[] = {
		{ "token=tok", "" },
		{ "%74oken=tok", "" },
		{ "%74%6f%6B%65%6e=t%6fk", "" },
		{ "a=1&%74oken=tok&b=2", "a=1&b=2" },
		{ "tok%65n&a=1&token=tok", "a=1" },
		{ "a=1&%74oken=wrong&token=tok", "a=1" },
		{ "x=%74oken&token=tok", "x=%74oken" },
		{ "tokenx=tok", NULL },
		{ "Token=tok", NULL },
		{ "%7token=tok", NULL },
		{ "%74oken=wrong", NULL },
		{ "token+=tok", NULL },
	};
	struct serve_ctx ctx = { 0 };
	size_t i;

	if ((ctx.conf = serve_conf("qtoken")) == NULL)
		return;
	ctx.now = 1000;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memrd m = { FS_BODY, sizeof(FS_BODY) - 1, 0, 0 };
		struct buf qv = { 0 };
		struct intake in;
		struct request r;
		struct answer a;
		char cl[64];

		buf_printf(&qv, "QUERY_STRING=%s", cases[i].query);
		snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", m.len);
		mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/catalog",
		    qv.data, cl, "CONTENT_TYPE=application/json"));
		serve_begin(&ctx, &r, mem_read, &m, &a, &in);
		if (cases[i].stored == NULL) {
			if (a.outcome != OUT_UNAUTHORIZED)
				note(__LINE__, "[%s]: outcome %d, want 401",
				    cases[i].query, a.outcome);
		} else if (in.item.se == NULL)
			note(__LINE__, "[%s] refused: %s", cases[i].query,
			    a.error);
		else if (strcmp(in.query, cases[i].stored) != 0)
			note(__LINE__, "[%s] stored as [%s], want [%s]",
			    cases[i].query, in.query, cases[i].stored);
		serve_end(&in, &a);
		req_free(&r);
		buf_free(&qv);
	}
	conf_free((struct conf *)ctx.conf);
}

const struct unit_case serve_cases[] = {
	{ "serve dedupe by key", t_serve_dedupe },
	{ "serve dedupe window", t_serve_window },
	{ "serve dedupe window 0 same second", t_serve_window_zero },
	{ "serve dedupe window matches whole ids", t_serve_window_ids },
	{ "serve rejects table", t_serve_rejects },
	{ "serve: header values that carry a credential are redacted",
	    t_serve_header_secret },
	{ "serve: the query token is found and redacted by its decoded name",
	    t_serve_query_token },
	{ NULL, NULL }
};
