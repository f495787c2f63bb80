/*
 * Unit tests of src/notify.c, src/prune.c and src/store_upkeep.c's
 * config and edges: the address check, the "notify" and keep_days keys,
 * a program run the way a hook is (hooks_exec) with its timeout, and a
 * prune that spares a waiting hook. tests/notify.sh and tests/prune.sh
 * cover them end to end.
 */
#include "unit.h"
#include "upkeep.h"

static void
t_email(void)
{
	EXPECT(conf_valid_email("owner@shop.example"));
	EXPECT(conf_valid_email("o.w+n-er@sub.shop.example"));
	EXPECT(!conf_valid_email(""));
	EXPECT(!conf_valid_email("owner"));
	EXPECT(!conf_valid_email("@shop.example"));
	EXPECT(!conf_valid_email("owner@"));
	EXPECT(!conf_valid_email("a@b@c"));
	EXPECT(!conf_valid_email("owner@shop.example\r\nBcc: x@y"));
	EXPECT(!conf_valid_email("owner@shop.example\nBcc: x@y"));
	EXPECT(!conf_valid_email("a@b.example, c@d.example"));
	EXPECT(!conf_valid_email("Owner <a@b.example>"));
	EXPECT(!conf_valid_email("a b@c.example"));
	EXPECT(!conf_valid_email("-oQ/tmp@x.example"));
	EXPECT(!conf_valid_email("caf\xc3\xa9@x.example"));
	{
		char big[300];

		memset(big, 'a', sizeof(big));
		memcpy(big + 250, "@b.ex", 6);
		EXPECT(!conf_valid_email(big));
	}
}

static struct conf *
load(const char *text, struct buf *err)
{
	return conf_load(tmpfile_with("n.conf", text, 0600), err);
}

static void
t_notify_conf(void)
{
	struct buf err = { 0 };
	const struct notify_conf *n;
	struct conf *c;

	c = load("{\"database\": \"x.db\", \"keep_days\": 30,"
	    "\"notify\": {\"email\": \"o@s.example\", \"run\": [\"n.sh\"],"
	    " \"timeout\": 7, \"window\": 60, \"failures\": 2},"
	    "\"endpoints\": {\"a\": {\"provider\": \"flipsnack\", \"token\":"
	    " \"0123456789abcdef\", \"keep_days\": 0, \"quiet_after\": 3600},"
	    " \"b\": {\"provider\": \"flipsnack\", \"token\": \"0123456789abcdef\"}}}",
	    &err);
	if (c == NULL) {
		note(__LINE__, "refused: %s", err.data);
		buf_free(&err);
		return;
	}
	EXPECT((n = conf_notify(c)) != NULL);
	if (n != NULL) {
		EXPECT_STR(n->email, "o@s.example");
		EXPECT_STR(n->sendmail, "/usr/sbin/sendmail");
		EXPECT(n->run.argv != NULL && strstr(n->run.argv[0], "/n.sh"));
		EXPECT_INT(n->run.timeout, 7);
		EXPECT_INT(n->window, 60);
		EXPECT_INT(n->failures, 2);
		EXPECT_INT(n->refused, 10);
	}
	EXPECT_INT(conf_keep_days(c), 30);
	EXPECT_INT(conf_endpoint(c, "a")->keep_days, 0);
	EXPECT_INT(conf_endpoint(c, "a")->quiet_after, 3600);
	EXPECT_INT(conf_endpoint(c, "b")->keep_days, 30);
	EXPECT_INT(conf_endpoint(c, "b")->quiet_after, 0);
	EXPECT_INT(conf_prune_interval(c), 3600);
	conf_free(c);

	/* Defaults: no notify, 90 days. */
	c = load("{\"database\": \"x.db\", \"endpoints\": {}}", &err);
	EXPECT(c != NULL && conf_notify(c) == NULL && conf_keep_days(c) == 90);
	conf_free(c);

	/* Each refused, naming the key. */
	buf_free(&err);
	EXPECT(load("{\"database\": \"x.db\", \"notify\": {}, \"endpoints\":"
	    " {}}", &err) == NULL);
	EXPECT(err.data != NULL && strstr(err.data, "notify: needs"));
	buf_free(&err);
	EXPECT(load("{\"database\": \"x.db\", \"notify\": {\"email\":"
	    " \"a@b\\r\\nBcc: c@d\"}, \"endpoints\": {}}", &err) == NULL);
	EXPECT(err.data != NULL && strstr(err.data, "notify.email"));
	buf_free(&err);
	EXPECT(load("{\"database\": \"x.db\", \"keep_days\": -1, \"endpoints\":"
	    " {}}", &err) == NULL);
	EXPECT(err.data != NULL && strstr(err.data, "keep_days"));
	buf_free(&err);
	EXPECT(load("{\"database\": \"x.db\", \"notify\": {\"email\": \"a@b\","
	    " \"bogus\": 1}, \"endpoints\": {}}", &err) == NULL);
	EXPECT(err.data != NULL && strstr(err.data, "notify.bogus: unknown"));
	buf_free(&err);
	EXPECT(load("{\"database\": \"x.db\", \"notify\": {\"email\": \"a@b\","
	    " \"url\": \"javascript:x\"}, \"endpoints\": {}}", &err) == NULL);
	buf_free(&err);
}

/* hooks_exec: stdin in, a scrubbed environment, the timeout kills. */
static void
t_exec(void)
{
	char *cat[] = { (char *)"/bin/sh", (char *)"-c",
	    (char *)"cat; echo \"[$HOOKBOX_X][$HOOKBOX_CONF]\"", NULL };
	char *hang[] = { (char *)"/bin/sleep", (char *)"30", NULL };
	const char *vars[] = { "HOOKBOX_X=1", NULL };
	struct hook h = { "*", cat, 5, 0, 0 };
	struct run_result r;
	struct buf tail = { 0 };
	long long t0;

	setenv("HOOKBOX_CONF", "/secret", 1);
	EXPECT_INT(hooks_exec(&h, vars, "in\n", 3, &tail, &r), 0);
	EXPECT(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	EXPECT_STR(tail.data, "in\n[1][]\n");
	unsetenv("HOOKBOX_CONF");
	buf_free(&tail);
	h.argv = hang;
	h.timeout = 1;
	t0 = hb_mono_ms();
	EXPECT_INT(hooks_exec(&h, NULL, "", 0, &tail, &r), 0);
	EXPECT_INT(r.timed_out, 1);
	EXPECT(hb_mono_ms() - t0 < 4000);
	buf_free(&tail);
}

/* A prune takes the old and done, spares the old and waiting. */
static void
t_prune_spares(void)
{
	const char *db = tmpfile_with("p.db", "", 0600);
	struct buf err = { 0 };
	struct prune_row r;
	struct store *st;
	sqlite3 *raw;

	unlink(db);
	if ((st = store_open(db, 1000, 0, &err)) == NULL) {
		note(__LINE__, "open: %s", err.data);
		buf_free(&err);
		return;
	}
	EXPECT_INT(sqlite3_open(db, &raw), SQLITE_OK);
	EXPECT_INT(sqlite3_exec(raw,
	    "INSERT INTO events (id, endpoint, provider, event_type, event_key,"
	    " received_at, method, body) VALUES"
	    " (1, 'a', 'p', 't', 'k1', 100, 'POST', ''),"
	    " (2, 'a', 'p', 't', 'k2', 100, 'POST', ''),"
	    " (3, 'a', 'p', 't', 'k3', 100, 'POST', ''),"
	    " (4, 'a', 'p', 't', 'k4', 100, 'POST', ''),"
	    " (5, 'a', 'p', 't', 'k5', 5000, 'POST', ''),"
	    " (6, 'b', 'p', 't', 'k6', 100, 'POST', '');"
	    "INSERT INTO deliveries (event_id, endpoint, hook, attempt, status,"
	    " next_attempt_at, created_at) VALUES"
	    " (1, 'a', 't', 1, 'dead', NULL, 1),"
	    " (2, 'a', 't', 1, 'failed', 9999, 1),"
	    " (3, 'a', 't', 1, 'running', NULL, 1);"
	    "INSERT INTO hook_queue (event_id, hook, queued_at) VALUES (4, 't', 1)",
	    NULL, NULL, NULL), SQLITE_OK);
	memset(&r, 0, sizeof(r));
	r.endpoint = "a";
	r.before = 1000;
	EXPECT_INT(store_prune(st, &r, "[]", 1, 100), 0);
	EXPECT_INT(r.events, 1);
	EXPECT_INT(r.deliveries, 1);
	EXPECT_INT(r.spared, 3);
	memset(&r, 0, sizeof(r));
	r.endpoint = "a";
	r.before = 1000;
	EXPECT_INT(store_prune(st, &r, "[]", 0, 100), 0);
	EXPECT_INT(r.events, 1);
	EXPECT_INT(r.spared, 3);
	/* The endpoints the config lacks: "b" when only "a" is there. */
	memset(&r, 0, sizeof(r));
	r.before = 1000;
	EXPECT_INT(store_prune(st, &r, "[\"a\"]", 0, 100), 0);
	EXPECT_INT(r.events, 1);
	{
		sqlite3_stmt *p;

		sqlite3_prepare_v2(raw, "SELECT group_concat(id) FROM (SELECT id"
		    " FROM events ORDER BY id)", -1, &p, NULL);
		EXPECT(sqlite3_step(p) == SQLITE_ROW);
		EXPECT_STR((const char *)sqlite3_column_text(p, 0), "2,3,4,5");
		sqlite3_finalize(p);
	}
	sqlite3_close(raw);
	store_close(st);
}

const struct unit_case notify_cases[] = {
	{ "notify: an address for a mail header: one plain address", t_email },
	{ "notify: the notify and keep_days keys, defaults and refusals",
	    t_notify_conf },
	{ "notify: a program run as a hook: stdin, scrubbed env, timeout",
	    t_exec },
	{ "prune: the old and done go, the old and waiting stay",
	    t_prune_spares },
	{ NULL, NULL }
};
