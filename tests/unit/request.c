/*
 * Unit tests of src/request.c.
 */
#include "unit.h"

static void
t_req_basic(void)
{
	struct request r;
	struct answer a;

	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x/y",
	    "HTTP_X_VERIFY_TOKEN=abc", "CONTENT_LENGTH=5",
	    "HTTP_X_FLIPDISH_EVENT_TYPE=sale.created.v1",
	    "CONTENT_TYPE=application/json", "REMOTE_ADDR=192.0.2.1",
	    "QUERY_STRING=a=1", "SERVER_NAME=ignored")), 0);
	EXPECT_INT(a.outcome, OUT_NONE);
	EXPECT_INT(r.method, REQ_POST);
	EXPECT_STR(r.method_name, "POST");
	EXPECT_STR(r.path, "/x/y");
	EXPECT_STR(r.query, "a=1");
	EXPECT_STR(r.content_type, "application/json");
	EXPECT_STR(r.remote_addr, "192.0.2.1");
	EXPECT_STR(req_header(&r, "x-verify-token"), "abc");
	EXPECT_STR(req_header(&r, "x-flipdish-event-type"), "sale.created.v1");
	EXPECT(req_header(&r, "X-Verify-Token") == NULL);
	EXPECT(req_header(&r, "server-name") == NULL);
	EXPECT_INT(r.nheaders, 2);
	EXPECT_INT(r.content_length, 5);
	req_free(&r);
}

static void
t_req_methods(void)
{
	struct request r;
	struct answer a;

	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=GET",
	    "PATH_INFO=/shop")), 0);
	EXPECT_INT(r.method, REQ_GET);
	EXPECT_INT(r.content_length, -1);	/* absent */
	EXPECT_STR(r.query, "");
	req_free(&r);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=PUT",
	    "PATH_INFO=/shop")), 0);
	EXPECT_INT(r.method, REQ_OTHER);
	EXPECT_STR(r.method_name, "PUT");
	req_free(&r);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=post",
	    "PATH_INFO=/shop")), 0);
	EXPECT_INT(r.method, REQ_OTHER);	/* methods are case-sensitive */
	req_free(&r);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/shop",
	    "CONTENT_LENGTH=")), 0);
	EXPECT_INT(r.content_length, -1);
	req_free(&r);
}

static void
t_req_content_length(void)
{
	static const char *const bad[] = { "CONTENT_LENGTH=abc",
	    "CONTENT_LENGTH=-5", "CONTENT_LENGTH=5x", "CONTENT_LENGTH= 5",
	    "CONTENT_LENGTH=1.5", NULL };
	const char *const *s;
	struct request r;
	struct answer a;

	for (s = bad; *s != NULL; s++) {
		if (mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
		    *s)) != -1 || a.outcome != OUT_BAD_REQUEST)
			note(__LINE__, "%s: outcome %d, want 400", *s,
			    a.outcome);
		req_free(&r);
	}
	/* Too large to count is still a length: over any limit, so 413. */
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "CONTENT_LENGTH=99999999999999999999999")), 0);
	EXPECT(r.content_length == LLONG_MAX);
	req_free(&r);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "CONTENT_LENGTH=0")), 0);
	EXPECT_INT(r.content_length, 0);
	req_free(&r);
}

static void
t_req_limits(void)
{
	struct request r;
	struct answer a;
	struct buf q = { 0 }, h = { 0 };
	const char *many[MAX_HEADERS + 8];
	char names[MAX_HEADERS + 2][32];
	size_t i, n = 0;

	/* QUERY_STRING: 8192 bytes pass, 8193 do not. */
	buf_addstr(&q, "QUERY_STRING=");
	for (i = 0; i < MAX_QUERY_LEN; i++)
		buf_add(&q, "a", 1);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=GET", "PATH_INFO=/x",
	    q.data)), 0);
	req_free(&r);
	buf_add(&q, "a", 1);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=GET", "PATH_INFO=/x",
	    q.data)), -1);
	EXPECT_INT(a.outcome, OUT_BAD_REQUEST);
	req_free(&r);
	/* One header value over MAX_HEADER_LEN. */
	buf_addstr(&h, "HTTP_X_BIG=");
	for (i = 0; i <= MAX_HEADER_LEN; i++)
		buf_add(&h, "b", 1);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=GET", "PATH_INFO=/x",
	    h.data)), -1);
	EXPECT_INT(a.outcome, OUT_BAD_REQUEST);
	req_free(&r);
	/* More than MAX_HEADERS headers. */
	many[n++] = "REQUEST_METHOD=POST";
	many[n++] = "PATH_INFO=/x";
	for (i = 0; i < MAX_HEADERS + 1; i++) {
		snprintf(names[i], sizeof(names[i]), "HTTP_X_H%zu=v", i);
		many[n++] = names[i];
	}
	many[n] = NULL;
	EXPECT_INT(mkreq(&r, &a, many), -1);
	EXPECT_INT(a.outcome, OUT_BAD_REQUEST);
	req_free(&r);
	buf_free(&q);
	buf_free(&h);
}

static void
t_req_crlf(void)
{
	struct request r;
	struct answer a;

	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "HTTP_X_EVIL=a\r\nSet-Cookie: x=1")), -1);
	EXPECT_INT(a.outcome, OUT_BAD_REQUEST);
	req_free(&r);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "HTTP_X_EVIL=a\nb")), -1);
	EXPECT_INT(a.outcome, OUT_BAD_REQUEST);
	/* The reason must not echo the line break back. */
	EXPECT(strpbrk(a.error, "\r\n") == NULL);
	req_free(&r);
}

static void
t_req_derived_path(void)
{
	struct request r;
	struct answer a;

	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=",
	    "SCRIPT_NAME=/cgi-bin/hookbox.fcgi",
	    "REQUEST_URI=/cgi-bin/hookbox.fcgi/catalog/t%2Dk?token=1")), 0);
	EXPECT_STR(r.path, "/catalog/t-k");
	req_free(&r);
	EXPECT_INT(mkreq(&r, &a, VARS("REQUEST_METHOD=POST")), 0);
	EXPECT_STR(r.path, "");
	req_free(&r);
}

/* path: the endpoint path req_from_env finds, or NULL for its 404. */
static void
derived(const char *pi, const char *sn, const char *uri, const char *want)
{
	struct buf v[3] = { { 0 } };
	const char *env[5];
	struct request r;
	struct answer a;
	size_t n = 0;
	int rc;

	env[n++] = "REQUEST_METHOD=POST";
	if (pi != NULL)
		env[n++] = buf_printf(&v[0], "PATH_INFO=%s", pi) == -1 ? "" :
		    v[0].data;
	if (sn != NULL)
		env[n++] = buf_printf(&v[1], "SCRIPT_NAME=%s", sn) == -1 ?
		    "" : v[1].data;
	if (uri != NULL)
		env[n++] = buf_printf(&v[2], "REQUEST_URI=%s", uri) == -1 ?
		    "" : v[2].data;
	env[n] = NULL;
	rc = mkreq(&r, &a, env);
	if (want == NULL) {
		EXPECT_INT(rc, -1);
		EXPECT_INT(a.outcome, OUT_NOT_FOUND);
	} else {
		EXPECT_INT(rc, 0);
		EXPECT_STR(r.path, want);
	}
	req_free(&r);		/* a refused request holds memory too */
	buf_free(&v[0]);
	buf_free(&v[1]);
	buf_free(&v[2]);
}

/*
 * The four ways servers hand over the endpoint (README "Install on a web host"), and what a
 * sender can put in REQUEST_URI when PATH_INFO is missing.
 */
static void
t_req_server_forms(void)
{
	struct buf big = { 0 };
	size_t i;

	req_set_script("/home/shop/public_html/cgi-bin/hookbox.fcgi");
	/* lighttpd mod_fastcgi, Apache mod_fcgid and mod_cgi: PATH_INFO. */
	derived("/catalog/tok", "/cgi-bin/hookbox.fcgi",
	    "/cgi-bin/hookbox.fcgi/catalog/tok?x=1", "/catalog/tok");
	/* PATH_INFO wins even over a REQUEST_URI that says otherwise. */
	derived("/catalog/tok", "/cgi-bin/hookbox.fcgi",
	    "/cgi-bin/hookbox.fcgi/other/x", "/catalog/tok");
	/* nginx, stock fastcgi_params: SCRIPT_NAME is the whole decoded
	   path, REQUEST_URI the raw one with its query. */
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi/catalog/tok?token=1", "/catalog/tok");
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/t-k",
	    "/cgi-bin/hookbox.fcgi/cat%61log/t%2Dk", "/catalog/t-k");
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog",
	    "/cgi-bin/hookbox.fcgi/catalog", "/catalog");
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/",
	    "/cgi-bin/hookbox.fcgi/catalog/", "/catalog/");
	derived(NULL, "/cgi-bin/hookbox.fcgi", "/cgi-bin/hookbox.fcgi", "");
	derived(NULL, "/cgi-bin/hookbox.fcgi/", "/cgi-bin/hookbox.fcgi/",
	    "/");
	/* Apache mod_proxy_fcgi without proxy-fcgi-pathinfo: the same, and
	   PATH_INFO may come empty. */
	derived("", "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi/catalog/tok", "/catalog/tok");
	/* Deeper, and the script's name encoded. */
	derived(NULL, "/shop/x/hookbox.fcgi/catalog/tok",
	    "/shop/x/hookbox%2Efcgi/catalog/tok", "/catalog/tok");
	/* REQUEST_URI not starting with SCRIPT_NAME: the name decides. */
	derived(NULL, "/elsewhere", "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/catalog/tok");
	derived(NULL, NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/catalog/tok");
	/* The first component naming the program is the script. */
	derived(NULL, NULL, "/cgi-bin/hookbox.fcgi/hookbox.fcgi/tok",
	    "/hookbox.fcgi/tok");
	/* Only a whole component names it. */
	derived(NULL, NULL, "/cgi-bin/hookbox.fcgiX/catalog/tok", "");
	derived(NULL, NULL, "/cgi-bin/xhookbox.fcgi/catalog/tok", "");
	derived(NULL, "/cgi-bin/hookbox.fcgi",
	    "/cgi-bin/hookbox.fcgiX/catalog/tok", "");
	/* A location that does not name the program cannot be placed. */
	derived(NULL, "/hooks/catalog/tok", "/hooks/catalog/tok", "");
	/* Absolute form, as Apache passes it on: the path counts. */
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "http://h:80/cgi-bin/hookbox.fcgi/catalog/tok?x=1", "/catalog/tok");
	derived(NULL, NULL, "HTTPS://h/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/catalog/tok");
	derived(NULL, NULL, "http://h?/cgi-bin/hookbox.fcgi/catalog/tok", "");
	derived(NULL, NULL, "http://h", "");
	derived(NULL, NULL, "http:/h/cgi-bin/hookbox.fcgi/catalog/tok", "");
	derived(NULL, NULL, "ftp://h/cgi-bin/hookbox.fcgi/catalog/tok", "");
	derived(NULL, NULL, "http://h/cgi-bin/hookbox.fcgi/../catalog/tok",
	    NULL);
	/* Not origin form. */
	derived(NULL, NULL, "*", "");
	derived(NULL, NULL, "", "");

	/* Hostile: what the server normalised and we would read raw. */
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi/x/../catalog/tok", NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi/x/%2e%2E/catalog/tok", NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi/./catalog/tok", NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/x/../hookbox.fcgi/catalog/tok", NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi//catalog/tok", NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "//cgi-bin/hookbox.fcgi/catalog/tok", NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi/catalog%2Ftok", NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin%2fhookbox.fcgi/catalog/tok", NULL);
	derived(NULL, NULL, "/cgi-bin/hookbox.fcgi/catalog/t%00k", NULL);
	derived(NULL, NULL, "/cgi-bin/hookbox.fcgi/catalog/t%zzk", NULL);
	derived(NULL, NULL, "/cgi-bin/hookbox.fcgi/catalog/tok%", NULL);
	/* The same refusals with the old SCRIPT_NAME-prefix reading. */
	derived("", "/cgi-bin/hookbox.fcgi",
	    "/cgi-bin/hookbox.fcgi/../catalog/tok", NULL);
	derived("", "/cgi-bin/hookbox.fcgi",
	    "/cgi-bin/hookbox.fcgi/catalog%2Ftok", NULL);

	/* Limits: the endpoint's part at most MAX_PATH_LEN bytes raw. */
	buf_printf(&big, "/cgi-bin/hookbox.fcgi/");
	for (i = 1; i < MAX_PATH_LEN; i++)
		buf_add(&big, "a", 1);
	derived(NULL, NULL, big.data, big.data + 21);
	buf_add(&big, "a", 1);
	derived(NULL, NULL, big.data, NULL);
	/* A long script part, then the whole path over its limit. */
	big.len = 0;
	buf_add(&big, "", 0);
	for (i = 0; i <= MAX_PATH_LEN; i++)
		buf_add(&big, "/b", 2);
	derived(NULL, NULL, big.data, NULL);
	buf_free(&big);

	/* Without the program's name only SCRIPT_NAME can place the path. */
	req_set_script(NULL);
	derived(NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/cgi-bin/hookbox.fcgi/catalog/tok", "");
	derived(NULL, "/cgi-bin/hookbox.fcgi",
	    "/cgi-bin/hookbox.fcgi/catalog/tok", "/catalog/tok");
	req_set_script("hookbox.fcgi");
	derived(NULL, NULL, "/cgi-bin/hookbox.fcgi/catalog/tok",
	    "/catalog/tok");
	req_set_script(NULL);
}

static void
t_req_body(void)
{
	static const char text[] = "hello world";
	struct memrd m = { text, 11, 0, 0 };
	struct request r;
	struct answer a;

	mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "CONTENT_LENGTH=11"));
	EXPECT_INT(req_read_body(&r, 100, mem_read, &m, &a), 0);
	EXPECT_INT(r.body.len, 11);
	EXPECT_STR(r.body.data, "hello world");
	req_free(&r);
	/* A reader that hands out 2 bytes at a time. */
	m = (struct memrd){ text, 11, 0, 2 };
	mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "CONTENT_LENGTH=11"));
	EXPECT_INT(req_read_body(&r, 100, mem_read, &m, &a), 0);
	EXPECT_STR(r.body.data, "hello world");
	req_free(&r);
	/* Only CONTENT_LENGTH bytes are taken. */
	m = (struct memrd){ text, 11, 0, 0 };
	mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "CONTENT_LENGTH=5"));
	EXPECT_INT(req_read_body(&r, 100, mem_read, &m, &a), 0);
	EXPECT_STR(r.body.data, "hello");
	req_free(&r);
	/* No CONTENT_LENGTH: an empty body, never a read. */
	m = (struct memrd){ text, 11, 0, 0 };
	mkreq(&r, &a, VARS("REQUEST_METHOD=GET", "PATH_INFO=/x"));
	EXPECT_INT(req_read_body(&r, 100, mem_read, &m, &a), 0);
	EXPECT_INT(r.body.len, 0);
	EXPECT_INT(m.off, 0);
	req_free(&r);
}

static void
t_req_body_short(void)
{
	struct memrd m = { "hello", 5, 0, 0 };
	struct request r;
	struct answer a;

	mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "CONTENT_LENGTH=10"));
	EXPECT_INT(req_read_body(&r, 100, mem_read, &m, &a), -1);
	EXPECT_INT(a.outcome, OUT_BAD_REQUEST);
	req_free(&r);
}

static void
t_req_body_too_large(void)
{
	struct memrd m = { "hello", 5, 0, 0 };
	struct request r;
	struct answer a;

	mkreq(&r, &a, VARS("REQUEST_METHOD=POST", "PATH_INFO=/x",
	    "CONTENT_LENGTH=101"));
	EXPECT_INT(req_read_body(&r, 100, mem_read, &m, &a), -1);
	EXPECT_INT(a.outcome, OUT_TOO_LARGE);
	EXPECT_INT(m.off, 0);		/* refused before reading */
	req_free(&r);
}

const struct unit_case request_cases[] = {
	{ "request basic", t_req_basic },
	{ "request methods", t_req_methods },
	{ "request content length", t_req_content_length },
	{ "request limits", t_req_limits },
	{ "request header line breaks", t_req_crlf },
	{ "request path from REQUEST_URI", t_req_derived_path },
	{ "request path as each server sends it", t_req_server_forms },
	{ "request body", t_req_body },
	{ "request body short", t_req_body_short },
	{ "request body too large", t_req_body_too_large },
	{ NULL, NULL }
};
