/*
 * Unit tests of src/config.c.
 */
#include "unit.h"

static const char good_conf[] =
"// a comment before everything\n"
"{\n"
"  \"database\": \"/tmp/hookbox-unit-never-opened.db\", // trailing comment\n"
"  \"max_body_bytes\": 2048,\n"
"  \"busy_timeout_ms\": 100,\n"
"  \"synchronous\": \"normal\",\n"
"  \"endpoints\": {\n"
"    // Flipsnack cannot sign: a token in the URL\n"
"    \"catalog\": { \"provider\": \"flipsnack\", \"token\": \"tok-1.a_b~c\",\n"
"      \"hooks\": { \"order\": { \"run\": [\"/bin/true\", \"--new\"],\n"
"                 \"timeout\": 60, \"retry_delay\": 5, \"max_attempts\": 3 } } },\n"
"    // open on purpose: no token\n"
"    \"shop\": { \"provider\": \"quickbutik\", \"dedupe_window\": 0,\n"
"      \"proof\": \"none\" },\n"
"    \"pay\": { \"provider\": \"reflow\", \"secret\": \"s\" }\n"
"  }\n"
"}\n";

static void
t_conf_valid(void)
{
	struct buf err = { 0 };
	const struct endpoint *ep;
	struct conf *c;
	const char *path = tmpfile_with("good.conf", good_conf, 0600);

	if ((c = conf_load(path, &err)) == NULL) {
		note(__LINE__, "refused: %s", err.data ? err.data : "");
		buf_free(&err);
		return;
	}
	EXPECT_STR(conf_file(c), path);
	EXPECT_STR(conf_database(c), "/tmp/hookbox-unit-never-opened.db");
	EXPECT_INT(conf_max_body(c), 2048);
	EXPECT_INT(conf_busy_timeout(c), 100);
	EXPECT_INT(conf_synchronous_full(c), 0);
	EXPECT_INT(conf_max_running(c), 4);
	EXPECT_INT(conf_nendpoints(c), 3);
	EXPECT(conf_endpoint(c, "nope") == NULL);
	EXPECT(conf_endpoint_at(c, 3) == NULL);
	if ((ep = conf_endpoint(c, "catalog")) == NULL)
		note(__LINE__, "no endpoint catalog");
	else {
		EXPECT_STR(ep->provider->name, "flipsnack");
		EXPECT_STR(ep->token, "tok-1.a_b~c");
		EXPECT_INT(ep->dedupe_window, 300);
		EXPECT_INT(ep->nhooks, 1);
		if (ep->nhooks == 1) {
			EXPECT_STR(ep->hooks[0].pattern, "order");
			EXPECT_STR(ep->hooks[0].argv[0], "/bin/true");
			EXPECT_STR(ep->hooks[0].argv[1], "--new");
			EXPECT(ep->hooks[0].argv[2] == NULL);
			EXPECT_INT(ep->hooks[0].timeout, 60);
			EXPECT_INT(ep->hooks[0].retry_delay, 5);
			EXPECT_INT(ep->hooks[0].max_attempts, 3);
		}
	}
	if ((ep = conf_endpoint(c, "shop")) != NULL) {
		EXPECT_INT(ep->dedupe_window, 0);
		EXPECT(ep->token == NULL);
		EXPECT_INT(ep->proof_none, 1);
		EXPECT_INT(ep->nhooks, 0);
	} else
		note(__LINE__, "no endpoint shop");
	if ((ep = conf_endpoint(c, "pay")) != NULL)
		EXPECT_STR(ep->secret, "s");
	else
		note(__LINE__, "no endpoint pay");
	conf_free(c);
	buf_free(&err);
}

static void
t_conf_defaults(void)
{
	struct buf err = { 0 };
	struct conf *c;
	const struct endpoint *ep;
	const char *path = tmpfile_with("min.conf",
	    "{\"database\":\"x.db\",\"endpoints\":{\"a\":{\"provider\":"
	    "\"fliplink\",\"token\":\"t\",\"hooks\":{\"*\":{\"run\":[\"/bin/true\"]}}}}}",
	    0600);

	if ((c = conf_load(path, &err)) == NULL) {
		note(__LINE__, "refused: %s", err.data ? err.data : "");
		buf_free(&err);
		return;
	}
	EXPECT_INT(conf_max_body(c), MAX_BODY_DEFAULT);
	EXPECT_INT(conf_busy_timeout(c), 5000);
	EXPECT_INT(conf_synchronous_full(c), 1);
	if ((ep = conf_endpoint(c, "a")) != NULL && ep->nhooks == 1) {
		EXPECT_INT(ep->hooks[0].timeout, 30);
		EXPECT_INT(ep->hooks[0].retry_delay, 30);
		EXPECT_INT(ep->hooks[0].max_attempts, 8);
	} else
		note(__LINE__, "endpoint a or its hook is missing");
	conf_free(c);
	buf_free(&err);
}

/*
 * Loads an endpoint "x" with the given body and expects a refusal whose
 * text names `key`.
 */
static void
conf_refused(int line, const char *file, const char *text, int check_exec,
    const char *key)
{
	struct buf err = { 0 };
	struct conf *c;
	const char *path = tmpfile_with(file, text, 0600);

	if ((c = conf_load_ex(path, check_exec, &err)) != NULL) {
		note(line, "%s: loaded, want an error naming %s", file, key);
		conf_free(c);
	} else if (err.data == NULL || strstr(err.data, key) == NULL)
		note(line, "%s: error [%s] does not name %s", file,
		    err.data ? err.data : "(none)", key);
	buf_free(&err);
}

#define CONF_HEAD	"{ \"database\": \"x.db\", "
#define EP_X(body)	CONF_HEAD "\"endpoints\": { \"x\": " body " } }\n"
#define HOOK(body)	EP_X("{ \"provider\": \"flipsnack\", \"token\": " \
			    "\"t\", \"hooks\": " \
			    "{ \"order\": " body " } }")

static void
t_conf_unknown_keys(void)
{
	conf_refused(__LINE__, "top.conf", CONF_HEAD "\"colour\": 1, "
	    "\"endpoints\": {} }", 0, "colour");
	conf_refused(__LINE__, "ep.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"tokn\": \"abc\" }"), 0, "endpoints.x.tokn");
	conf_refused(__LINE__, "hook.conf", HOOK("{ \"run\": [\"/bin/true\"], "
	    "\"retries\": 3 }"), 0, "endpoints.x.hooks.order.retries");
}

static void
t_conf_wrong_types(void)
{
	conf_refused(__LINE__, "t1.conf", CONF_HEAD "\"max_body_bytes\": "
	    "\"big\", \"endpoints\": {} }", 0, "max_body_bytes");
	conf_refused(__LINE__, "t2.conf", CONF_HEAD "\"max_body_bytes\": 10, "
	    "\"endpoints\": {} }", 0, "max_body_bytes");
	conf_refused(__LINE__, "t3.conf", "{ \"database\": 7, \"endpoints\": "
	    "{} }", 0, "database");
	conf_refused(__LINE__, "t4.conf", CONF_HEAD "\"endpoints\": [] }", 0,
	    "endpoints");
	conf_refused(__LINE__, "t5.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"token\": 5 }"), 0, "endpoints.x.token");
	conf_refused(__LINE__, "t6.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"dedupe_window\": -1 }"), 0, "endpoints.x.dedupe_window");
	conf_refused(__LINE__, "t7.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"dedupe_window\": \"5\" }"), 0, "endpoints.x.dedupe_window");
	conf_refused(__LINE__, "t8.conf", HOOK("{ \"run\": [\"/bin/true\"], "
	    "\"timeout\": \"10\" }"), 0, "endpoints.x.hooks.order.timeout");
	conf_refused(__LINE__, "t9.conf", HOOK("{ \"run\": \"/bin/true\" }"), 0,
	    "endpoints.x.hooks.order.run");
	conf_refused(__LINE__, "t10.conf", HOOK("{ \"run\": [1] }"), 0,
	    "endpoints.x.hooks.order.run[0]");
	conf_refused(__LINE__, "t11.conf", HOOK("{ \"run\": [] }"), 0,
	    "endpoints.x.hooks.order.run");
	conf_refused(__LINE__, "t12.conf", HOOK("{ \"timeout\": 5 }"), 0,
	    "endpoints.x.hooks.order.run");
	conf_refused(__LINE__, "t13.conf", HOOK("[\"/bin/true\"]"), 0,
	    "endpoints.x.hooks.order");
	conf_refused(__LINE__, "t14.conf", CONF_HEAD "\"synchronous\": "
	    "\"sometimes\", \"endpoints\": {} }", 0, "synchronous");
	conf_refused(__LINE__, "t15.conf", "[1, 2]", 0, "JSON object");
	conf_refused(__LINE__, "t16.conf", "{ \"endpoints\": {} }", 0,
	    "database");
}

static void
t_conf_provider(void)
{
	conf_refused(__LINE__, "p1.conf", EP_X("{ \"provider\": \"ecwid\" }"),
	    0, "endpoints.x.provider");
	conf_refused(__LINE__, "p2.conf", EP_X("{ \"token\": \"abc\" }"), 0,
	    "endpoints.x.provider");
	conf_refused(__LINE__, "p3.conf", EP_X("{ \"provider\": \"reflow\" }"),
	    0, "endpoints.x.secret");
	conf_refused(__LINE__, "p4.conf", EP_X("{ \"provider\": \"standard\" }"),
	    0, "endpoints.x.secret");
	conf_refused(__LINE__, "p5.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"signature_header\": \"X-Sig\" }"), 0, "endpoints.x.secret");
}

/* Loads text and expects it to load. */
static void
conf_loads(int line, const char *file, const char *text)
{
	struct buf err = { 0 };
	struct conf *c;

	if ((c = conf_load(tmpfile_with(file, text, 0600), &err)) == NULL)
		note(line, "%s refused: %s", file, err.data ? err.data : "");
	conf_free(c);
	buf_free(&err);
}

/*
 * Issue 24: an endpoint nothing proves is an error naming it, unless it
 * says "proof": "none"; a key its preset never checks is no proof.
 */
static void
t_conf_no_proof(void)
{
	static const char *const open[] = {
		"{ \"provider\": \"flipsnack\" }",
		"{ \"provider\": \"fliplink\" }",
		"{ \"provider\": \"quickbutik\" }",
		"{ \"provider\": \"flipdish\" }",
		"{ \"provider\": \"generic\" }",
		/* keys these presets never read */
		"{ \"provider\": \"flipsnack\", \"secret\": \"s\" }",
		"{ \"provider\": \"quickbutik\", \"verify_token\": \"v\" }",
		"{ \"provider\": \"generic\", \"secret\": \"s\" }",
		NULL
	};
	struct buf text = { 0 };
	size_t i;

	for (i = 0; open[i] != NULL; i++) {
		buf_free(&text);
		buf_printf(&text, EP_X("%s"), open[i]);
		conf_refused(__LINE__, "np.conf", text.data, 0, "endpoints.x");
		conf_refused(__LINE__, "np.conf", text.data, 0, "proof");
	}
	buf_free(&text);
	conf_loads(__LINE__, "pn1.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"proof\": \"none\" }"));
	conf_loads(__LINE__, "pn2.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"proof\": \"none\" }"));
	conf_loads(__LINE__, "pn3.conf", EP_X("{ \"provider\": \"flipdish\", "
	    "\"proof\": \"none\" }"));
	conf_loads(__LINE__, "pp1.conf", EP_X("{ \"provider\": \"flipdish\", "
	    "\"secret\": \"s\" }"));
	conf_loads(__LINE__, "pp2.conf", EP_X("{ \"provider\": \"flipdish\", "
	    "\"verify_token\": \"v\" }"));
	conf_loads(__LINE__, "pp3.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"s\", \"signature_header\": \"X-Sig\" }"));
	conf_loads(__LINE__, "pp4.conf", EP_X("{ \"provider\": \"quickbutik\", "
	    "\"token\": \"t\" }"));
	/* Only "none", and not beside a proof. */
	conf_refused(__LINE__, "pb1.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"proof\": \"token\" }"), 0, "endpoints.x.proof");
	conf_refused(__LINE__, "pb2.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"proof\": \"\" }"), 0, "endpoints.x.proof");
	conf_refused(__LINE__, "pb3.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"proof\": true }"), 0, "endpoints.x.proof");
	conf_refused(__LINE__, "pb4.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"token\": \"t\", \"proof\": \"none\" }"), 0, "endpoints.x");
}

/*
 * Issue 24: a secret-bearing key that is empty, only white space, padded
 * with white space, holds a control byte, or is a bare whsec_ prefix is
 * an error naming the key, for every preset that reads it.
 */
static void
t_conf_secret_text(void)
{
	static const char *const bad[] = {
		"", " ", "   ", "\\t", "\\n", " \\r\\n ", "whsec_",
		" s3cret", "s3cret ", "s3cret\\n", "s3\\u0001cret", NULL
	};
	static const struct { const char *prov, *key, *extra; } keys[] = {
		{ "reflow", "secret", "" },
		{ "flipdish", "secret", "" },
		{ "flipdish", "verify_token", "" },
		{ "generic", "secret", ", \"signature_header\": \"X-Sig\"" },
		{ "standard", "secret", "" },
		{ "flipsnack", "token", "" },
		{ "quickbutik", "token", "" },
		{ "generic", "token", "" },
	};
	struct buf text = { 0 }, want = { 0 };
	size_t i, k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		buf_free(&want);
		buf_printf(&want, "endpoints.x.%s", keys[k].key);
		for (i = 0; bad[i] != NULL; i++) {
			/* A URL token has no whsec_ form: it is only short. */
			if (strcmp(keys[k].key, "token") == 0 &&
			    strcmp(bad[i], "whsec_") == 0)
				continue;
			buf_free(&text);
			buf_printf(&text, EP_X("{ \"provider\": \"%s\", "
			    "\"%s\": \"%s\"%s }"), keys[k].prov, keys[k].key,
			    bad[i], keys[k].extra);
			conf_refused(__LINE__, "st.conf", text.data, 0,
			    want.data);
		}
	}
	/* The control: a plain value of each loads. */
	conf_loads(__LINE__, "sg1.conf", EP_X("{ \"provider\": \"reflow\", "
	    "\"secret\": \"s3cret\" }"));
	conf_loads(__LINE__, "sg2.conf", EP_X("{ \"provider\": \"flipdish\", "
	    "\"secret\": \"s3cret\", \"verify_token\": \"v-tok\" }"));
	conf_loads(__LINE__, "sg3.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"a b\", \"signature_header\": \"X-Sig\" }"));
	buf_free(&text);
	buf_free(&want);
}

#define STD_EP(keys)	EP_X("{ \"provider\": \"standard\", " keys " }")

/* Standard Webhooks keys that could never verify are config errors. */
static void
t_conf_std_keys(void)
{
	static const char *const good[] = {
		"\"secret\": \"" STD_SECRET "\"",
		"\"public_key\": \"" V1A_PK "\"",
		"\"secret\": \"" STD_SECRET "\", \"public_key\": \"" V1A_PK "\"",
		NULL
	};
	struct buf err = { 0 }, text = { 0 };
	struct conf *c;
	size_t i;

	conf_refused(__LINE__, "s1.conf", STD_EP("\"secret\": \"whsec_\""), 0,
	    "endpoints.x.secret");
	conf_refused(__LINE__, "s2.conf", STD_EP("\"secret\": "
	    "\"whsec_not*base64\""), 0, "endpoints.x.secret");
	conf_refused(__LINE__, "s3.conf", STD_EP("\"secret\": \"\""), 0,
	    "endpoints.x.secret");
	conf_refused(__LINE__, "s4.conf", STD_EP("\"secret\": \"" V1A_PK "\""),
	    0, "public_key");
	conf_refused(__LINE__, "s5.conf", STD_EP("\"public_key\": \"whpk_\""), 0,
	    "endpoints.x.public_key");
	conf_refused(__LINE__, "s6.conf", STD_EP("\"public_key\": "
	    "\"whpk_AAAA\""), 0, "endpoints.x.public_key");
	conf_refused(__LINE__, "s7.conf", STD_EP("\"public_key\": \""
	    "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=\""), 0,
	    "endpoints.x.public_key");
	conf_refused(__LINE__, "s8.conf", STD_EP("\"public_key\": \"whsk_"
	    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\""), 0, "private");
	conf_refused(__LINE__, "s9.conf", STD_EP("\"secret\": \"" STD_SECRET
	    "\", \"public_key\": \"whpk_AAAA\""), 0, "endpoints.x.public_key");
	conf_refused(__LINE__, "s10.conf", EP_X("{ \"provider\": \"reflow\", "
	    "\"secret\": \"s\", \"public_key\": \"" V1A_PK "\" }"), 0,
	    "endpoints.x.public_key");
	conf_refused(__LINE__, "s11.conf", STD_EP("\"public_key\": 5"), 0,
	    "endpoints.x.public_key");
	for (i = 0; good[i] != NULL; i++) {
		buf_free(&text);
		buf_printf(&text, STD_EP("%s"), good[i]);
		c = conf_load(tmpfile_with("sgood.conf", text.data, 0600), &err);
		if (c == NULL)
			note(__LINE__, "[%s] refused: %s", good[i],
			    err.data != NULL ? err.data : "");
		conf_free(c);
		buf_free(&err);
	}
	buf_free(&text);
}

static void
t_conf_token_chars(void)
{
	conf_refused(__LINE__, "k1.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"token\": \"a/b\" }"), 0, "endpoints.x.token");
	conf_refused(__LINE__, "k2.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"token\": \"a b\" }"), 0, "endpoints.x.token");
	conf_refused(__LINE__, "k3.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"token\": \"a?b\" }"), 0, "endpoints.x.token");
	conf_refused(__LINE__, "k4.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"token\": \"\" }"), 0, "endpoints.x.token");
	conf_refused(__LINE__, "k5.conf", CONF_HEAD "\"endpoints\": { \"a/b\": "
	    "{ \"provider\": \"flipsnack\" } } }", 0, "endpoints.a/b");
}

static void
t_conf_hook_paths(void)
{
	struct buf err = { 0 }, want = { 0 };
	char text[512];
	const char *exe;
	struct conf *c;

	conf_refused(__LINE__, "h3.conf", EP_X("{ \"provider\": \"flipsnack\", "
	    "\"hooks\": { \"order.*x\": { \"run\": [\"/bin/true\"] } } }"), 0,
	    "endpoints.x.hooks.order.*x");
	/* Not executable: a plain file. Only conf_load_ex(.., 1, ..) checks. */
	exe = tmpfile_with("not-exec.sh", "#!/bin/sh\n", 0644);
	snprintf(text, sizeof(text), HOOK("{ \"run\": [\"%s\"] }"), exe);
	conf_refused(__LINE__, "h4.conf", text, 1,
	    "endpoints.x.hooks.order.run[0]");
	/* Serving never checks hooks: a broken hook must not lose orders. */
	c = conf_load(tmpfile_with("h5.conf", text, 0600), &err);
	if (c == NULL)
		note(__LINE__, "serving must not check hooks: %s",
		    err.data ? err.data : "");
	conf_free(c);
	buf_free(&err);
	exe = tmpfile_with("exec.sh", "#!/bin/sh\n", 0755);
	snprintf(text, sizeof(text), HOOK("{ \"run\": [\"%s\"] }"), exe);
	c = conf_load_ex(tmpfile_with("h6.conf", text, 0600), 1, &err);
	if (c == NULL)
		note(__LINE__, "an executable hook refused: %s",
		    err.data ? err.data : "");
	conf_free(c);
	buf_free(&err);
	/*
	 * A relative hook path is a file beside the config (no search
	 * path): it resolves against the config's folder, and `check`
	 * names the key when that file is missing.
	 */
	snprintf(text, sizeof(text), HOOK("{ \"run\": [\"hooks/new.sh\"] }"));
	conf_refused(__LINE__, "h1.conf", text, 1,
	    "endpoints.x.hooks.order.run[0]");
	c = conf_load(tmpfile_with("h7.conf", text, 0600), &err);
	buf_printf(&want, "%s/hooks/new.sh", tmpdir);
	if (c == NULL || conf_endpoint(c, "x") == NULL ||
	    conf_endpoint(c, "x")->nhooks != 1)
		note(__LINE__, "relative hook refused: %s",
		    err.data ? err.data : "");
	else
		EXPECT_STR(conf_endpoint(c, "x")->hooks[0].argv[0], want.data);
	conf_free(c);
	buf_free(&err);
	buf_free(&want);
}

static void
t_conf_relative_database(void)
{
	struct buf err = { 0 }, want = { 0 };
	struct conf *c;

	c = conf_load(tmpfile_with("rel.conf", "{ \"database\": \"data/h.db\","
	    " \"endpoints\": {} }", 0600), &err);
	buf_printf(&want, "%s/data/h.db", tmpdir);
	if (c == NULL)
		note(__LINE__, "refused: %s", err.data ? err.data : "");
	else
		EXPECT_STR(conf_database(c), want.data);
	conf_free(c);
	buf_free(&err);
	buf_free(&want);
}

/* The self-check above: conf_refused must itself be able to fail. */
static void
t_conf_refused_can_fail(void)
{
	conf_refused(__LINE__, "cf.conf", HOOK("{ \"run\": [\"/bin/true\"] }"),
	    0, "anything");
	if (why[0] == '\0')
		note(__LINE__, "a valid config counted as refused");
	else
		why[0] = '\0';
}

static void
t_conf_every_error(void)
{
	struct buf err = { 0 };
	struct conf *c;
	const char *path = tmpfile_with("many.conf", EP_X("{ \"provider\": "
	    "\"nope\", \"colour\": 1, \"hooks\": { \"order\": { \"run\": "
	    "[\"/bin/true\"], \"timeout\": 0 } } }"), 0600);

	c = conf_load(path, &err);
	EXPECT(c == NULL);
	EXPECT_HAS(err.data, "endpoints.x.provider");
	EXPECT_HAS(err.data, "endpoints.x.colour");
	EXPECT_HAS(err.data, "endpoints.x.hooks.order.timeout");
	conf_free(c);
	buf_free(&err);
}

static void
t_conf_bad_files(void)
{
	struct buf err = { 0 };
	struct conf *c;
	char path[PATH_MAX + 32];

	c = conf_load(tmpfile_with("broken.conf", "{ \"database\": ", 0600),
	    &err);
	EXPECT(c == NULL);
	EXPECT(err.len > 0);
	conf_free(c);
	buf_free(&err);
	c = conf_load(tmpfile_with("trail.conf", "{ \"database\": \"x\", "
	    "\"endpoints\": {} } {}", 0600), &err);
	EXPECT(c == NULL);
	conf_free(c);
	buf_free(&err);
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
	c = conf_load(path, &err);
	EXPECT(c == NULL);
	EXPECT_HAS(err.data, "does-not-exist.conf");
	conf_free(c);
	buf_free(&err);
}

static void
t_conf_match_hook(void)
{
	struct buf err = { 0 };
	const struct endpoint *ep, *ep2;
	const struct hook *h;
	struct conf *c;
	const char *path = tmpfile_with("match.conf", CONF_HEAD
	    "\"endpoints\": {"
	    " \"x\": { \"provider\": \"fliplink\", \"token\": \"t\", \"hooks\": {"
	    "  \"*\": { \"run\": [\"/bin/any\"] },"
	    "  \"order.*\": { \"run\": [\"/bin/order-any\"] },"
	    "  \"order.item.*\": { \"run\": [\"/bin/order-item\"] },"
	    "  \"order.created\": { \"run\": [\"/bin/created\"] } } },"
	    " \"y\": { \"provider\": \"fliplink\", \"token\": \"t\", \"hooks\": {"
	    "  \"order.*\": { \"run\": [\"/bin/order-any\"] } } } } }", 0600);

	if ((c = conf_load(path, &err)) == NULL) {
		note(__LINE__, "refused: %s", err.data ? err.data : "");
		buf_free(&err);
		return;
	}
	ep = conf_endpoint(c, "x");
	ep2 = conf_endpoint(c, "y");
	if (ep == NULL || ep2 == NULL) {
		note(__LINE__, "endpoints missing");
		conf_free(c);
		buf_free(&err);
		return;
	}
#define MATCH(e, type, want) do {					\
	h = conf_match_hook((e), (type));				\
	EXPECT_STR(h != NULL ? h->pattern : NULL, (want));		\
} while (0)
	MATCH(ep, "order.created", "order.created");	/* exact first */
	MATCH(ep, "order.item.added", "order.item.*");	/* longest prefix */
	MATCH(ep, "order.updated", "order.*");
	MATCH(ep, "order", "*");	/* "order.*" does not match "order" */
	MATCH(ep, "orders", "*");
	MATCH(ep, "order.", "*");
	MATCH(ep, "product.update", "*");
	MATCH(ep2, "order", NULL);
	MATCH(ep2, "lead.captured", NULL);
	MATCH(ep2, "order.x.y", "order.*");
#undef MATCH
	conf_free(c);
	buf_free(&err);
}

/*
 * Issue 22: the presets' keys. A secret that can make no key is an error
 * naming it; notification_url is Square's, required and checked;
 * tolerance only where a timestamp is signed; generic's scheme by name or
 * spelt out.
 */
static void
t_conf_presets(void)
{
	static const char *const signed_[] = { "woocommerce", "shopify",
	    "stripe", "paddle", "github", NULL };
	const struct endpoint *ep;
	struct buf err = { 0 };
	struct conf *c;
	size_t i;

	for (i = 0; signed_[i] != NULL; i++) {
		struct buf t = { 0 };

		buf_printf(&t, EP_X("{ \"provider\": \"%s\", \"token\": "
		    "\"tok-0123456789abcdef\" }"), signed_[i]);
		conf_refused(__LINE__, "ps1.conf", t.data, 0,
		    "endpoints.x.secret: is missing");
		t.len = 0;
		buf_printf(&t, EP_X("{ \"provider\": \"%s\", \"secret\": "
		    "\"s-0123456789abcdef0123456789\" }"), signed_[i]);
		conf_loads(__LINE__, "ps2.conf", t.data);
		buf_free(&t);
	}
	conf_refused(__LINE__, "ps3.conf", EP_X("{ \"provider\": \"stripe\", "
	    "\"secret\": \"whsec_\" }"), 0, "endpoints.x.secret");
	conf_refused(__LINE__, "ps4.conf", EP_X("{ \"provider\": \"stripe\", "
	    "\"secret\": \"whpk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\" }"), 0,
	    "endpoints.x.secret: is a public key");
	conf_refused(__LINE__, "ps5.conf", EP_X("{ \"provider\": \"standard\", "
	    "\"secret\": \"whsec_!!notbase64!!\" }"), 0, "endpoints.x.secret");
	conf_refused(__LINE__, "ps6.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"whsec_%%%\", \"scheme\": \"standard\" }"), 0,
	    "endpoints.x.secret");
	/* Square: the notification_url, required, whole, never a path. */
	conf_refused(__LINE__, "sq1.conf", EP_X("{ \"provider\": \"square\", "
	    "\"secret\": \"sq-key-0123456789abcdef\" }"), 0,
	    "endpoints.x.notification_url: is missing");
	conf_refused(__LINE__, "sq2.conf", EP_X("{ \"provider\": \"square\", "
	    "\"secret\": \"sq-key-0123456789abcdef\", \"notification_url\": "
	    "\"/hookbox/sq\" }"), 0, "endpoints.x.notification_url");
	conf_refused(__LINE__, "sq3.conf", EP_X("{ \"provider\": \"stripe\", "
	    "\"secret\": \"whsec_abc\", \"notification_url\": "
	    "\"https://a.example/x\" }"), 0, "endpoints.x.notification_url");
	conf_loads(__LINE__, "sq4.conf", EP_X("{ \"provider\": \"square\", "
	    "\"secret\": \"sq-key-0123456789abcdef\", \"notification_url\": "
	    "\"https://a.example/hookbox/sq\" }"));
	/* tolerance: where {t} is signed, within its range. */
	conf_refused(__LINE__, "to1.conf", EP_X("{ \"provider\": \"github\", "
	    "\"secret\": \"gh\", \"tolerance\": 60 }"), 0, "endpoints.x.tolerance");
	conf_refused(__LINE__, "to2.conf", EP_X("{ \"provider\": \"stripe\", "
	    "\"secret\": \"whsec_a\", \"tolerance\": 0 }"), 0,
	    "endpoints.x.tolerance");
	if ((c = conf_load(tmpfile_with("to3.conf", EP_X("{ \"provider\": "
	    "\"paddle\", \"secret\": \"pdl_ntfset_x\", \"tolerance\": 30 }"),
	    0600), &err)) != NULL && (ep = conf_endpoint(c, "x")) != NULL) {
		EXPECT_INT(ep->tolerance, 30);
		EXPECT(ep->scheme == &schemes[SCH_PADDLE]);
	} else
		note(__LINE__, "to3.conf refused: %s", err.data);
	conf_free(c);
	buf_free(&err);
	/* Mollie: a token, a secret, or both; nothing is an error. */
	conf_loads(__LINE__, "mo1.conf", EP_X("{ \"provider\": \"mollie\", "
	    "\"token\": \"tok-0123456789abcdef\" }"));
	conf_loads(__LINE__, "mo2.conf", EP_X("{ \"provider\": \"mollie\", "
	    "\"secret\": \"mollie-secret-0123456789ab\" }"));
	conf_refused(__LINE__, "mo3.conf", EP_X("{ \"provider\": \"mollie\" }"),
	    0, "has no proof");
	/* generic's scheme. */
	conf_loads(__LINE__, "gs1.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"whsec_abc\", \"scheme\": \"stripe\" }"));
	conf_refused(__LINE__, "gs2.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"s\", \"scheme\": \"nope\" }"), 0,
	    "endpoints.x.scheme");
	conf_refused(__LINE__, "gs3.conf", EP_X("{ \"provider\": \"stripe\", "
	    "\"secret\": \"s\", \"scheme\": \"paddle\" }"), 0,
	    "endpoints.x.scheme");
	conf_refused(__LINE__, "gs4.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"scheme\": \"stripe\", \"token\": \"tok-0123456789abcdef\" }"),
	    0, "endpoints.x.secret");
	conf_refused(__LINE__, "gs5.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"s\", \"scheme\": { \"header\": \"X-Sig\", "
	    "\"signed\": \"{t}.{body}\" } }"), 0, "endpoints.x.scheme.signed");
	conf_refused(__LINE__, "gs6.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"s\", \"scheme\": { \"header\": \"X-Sig\", "
	    "\"mac\": \"sha1\" } }"), 0, "endpoints.x.scheme.mac");
	conf_refused(__LINE__, "gs7.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"s\", \"scheme\": { \"header\": \"X-Sig\", "
	    "\"split\": \"pairs\" } }"), 0, "endpoints.x.scheme.signature_key");
	conf_refused(__LINE__, "gs8.conf", EP_X("{ \"provider\": \"generic\", "
	    "\"secret\": \"s\", \"scheme\": { \"header\": \"X-Sig\", "
	    "\"signed\": \"{url}{body}\" } }"), 0,
	    "endpoints.x.notification_url");
	if ((c = conf_load(tmpfile_with("gs9.conf", EP_X("{ \"provider\": "
	    "\"generic\", \"secret\": \"s\", \"tolerance\": 60, \"scheme\": { "
	    "\"header\": \"X-Acme-Signature\", \"split\": \"pairs\", "
	    "\"timestamp_key\": \"ts\", \"signature_key\": \"sig\", "
	    "\"separator\": \";\", \"signed\": \"{t}:{body}\", "
	    "\"encoding\": \"base64\" } }"), 0600), &err)) != NULL &&
	    (ep = conf_endpoint(c, "x")) != NULL && ep->scheme != NULL) {
		EXPECT_STR(ep->scheme->header, "x-acme-signature");
		EXPECT_INT(ep->scheme->sep, ';');
		EXPECT_INT(ep->scheme->enc, ENC_BASE64);
		EXPECT_STR(ep->scheme->proof, "hmac x-acme-signature");
		EXPECT_INT(ep->tolerance, 60);
	} else
		note(__LINE__, "gs9.conf refused: %s", err.data);
	conf_free(c);
	buf_free(&err);
}

const struct unit_case config_cases[] = {
	{ "config valid with comments", t_conf_valid },
	{ "config presets: secrets, notification_url, tolerance, scheme",
	  t_conf_presets },
	{ "config defaults", t_conf_defaults },
	{ "config refusal check can fail", t_conf_refused_can_fail },
	{ "config unknown keys", t_conf_unknown_keys },
	{ "config wrong types", t_conf_wrong_types },
	{ "config provider and secrets", t_conf_provider },
	{ "config standard secret and public_key", t_conf_std_keys },
	{ "config an endpoint with no proof", t_conf_no_proof },
	{ "config empty, blank or padded secrets", t_conf_secret_text },
	{ "config token and name chars", t_conf_token_chars },
	{ "config hook paths", t_conf_hook_paths },
	{ "config relative database", t_conf_relative_database },
	{ "config reports every error", t_conf_every_error },
	{ "config broken and missing files", t_conf_bad_files },
	{ "config hook precedence", t_conf_match_hook },
	{ NULL, NULL }
};
