/*
 * The store on a real PostgreSQL (store_pg.c, store_sql.c): the same
 * calls as on SQLite, and what two nodes sharing one database must
 * agree on. tests/run.sh starts a throwaway server (tests/lib/postgres.sh)
 * and gives its address in HB_PG_URI; each case starts from an empty
 * database. Without HB_PG_URI the harness skips this module, saying so;
 * built without libpq (HOOKBOX_NO_PG), it has no cases.
 */
#include "unit.h"

#ifndef HOOKBOX_NO_PG
#include <libpq-fe.h>

#include "store_int.h"
#include "upkeep.h"

/* The database, emptied: every table, sequence and function dropped. */
static const char *
pg_fresh(void)
{
	const char *uri = getenv("HB_PG_URI");
	PGconn *c;
	PGresult *r;

	if (uri == NULL || *uri == '\0') {
		note(__LINE__, "HB_PG_URI is not set");
		return NULL;
	}
	c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		note(__LINE__, "connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	r = PQexec(c, "SET client_min_messages = warning;"
	    " DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		note(__LINE__, "reset: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return uri;
}

/* One value of SQL run on a connection of the test's own, or -1. */
static long long
pg_value1(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("HB_PG_URI"));
	PGresult *r = PQexec(c, sql);
	long long v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    !PQgetisnull(r, 0, 0))
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		note(__LINE__, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return v;
}

static struct store *
pg_store(const char *uri)
{
	struct buf err = { 0 };
	struct store *st;

	if (uri == NULL)
		return NULL;
	if ((st = store_open(uri, 2000, STORE_SYNC_FULL, &err)) == NULL)
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
	buf_free(&err);
	return st;
}

/* A request and its event, as serve.c hands them to the store. */
struct ev1 {
	struct request	 r;
	struct event	 ev;
	struct stored_event se;
};

static void
ev1_make(struct ev1 *e, const char *key, const char *resource,
    const char *hook, const void *body, size_t len, time_t now)
{
	memset(e, 0, sizeof(*e));
	e->r.method_name = (char *)"POST";
	e->r.query = e->r.content_type = e->r.remote_addr = (char *)"";
	buf_add(&e->r.body, body, len);
	snprintf(e->ev.type, sizeof(e->ev.type), "order.new");
	snprintf(e->ev.key, sizeof(e->ev.key), "%s", key);
	snprintf(e->ev.resource, sizeof(e->ev.resource), "%s", resource);
	snprintf(e->ev.proof, sizeof(e->ev.proof), "url token");
	e->se = (struct stored_event){ .endpoint = "shop",
	    .provider = "quickbutik", .ev = &e->ev, .req = &e->r,
	    .query = "", .headers = "{}", .hook = hook, .now = now };
}

/* Stores one event; its result, and its id in *id. */
static enum store_err
put(struct store *st, const char *key, const char *resource,
    const char *hook, time_t now, long long *id)
{
	struct ev1 e;
	struct store_item it = { 0 };

	ev1_make(&e, key, resource, hook, "{}", 2, now);
	it.se = &e.se;
	store_write(st, &it, 1);
	buf_free(&e.r.body);
	*id = it.id;
	return it.result;
}

static void
t_pg_schema(void)
{
	const char *uri = pg_fresh();
	struct store *st = pg_store(uri), *again;
	struct buf err = { 0 };

	if (st == NULL)
		return;
	EXPECT_INT(pg_value1("SELECT max(version) FROM hookbox_schema"), 5);
	EXPECT_INT(store_check(st, &err), 0);
	/* A second node opening it finds it made. */
	if ((again = pg_store(uri)) != NULL)
		store_close(again);
	EXPECT_INT(pg_value1("SELECT count(*) FROM hookbox_schema"), 1);
	EXPECT_INT(store_init(uri, &err), 0);
	store_close(st);
	buf_free(&err);
}

/* Group commit's batch, as on SQLite (store.c's store_write_batch). */
static void
t_pg_write_batch(void)
{
	struct store *st = pg_store(pg_fresh());
	struct ev1 e[3];
	struct store_item items[5];
	struct reject rj = { .endpoint = "shop", .status = 401,
	    .reason = "wrong token", .addr = "192.0.2.1", .body = "x\0y",
	    .len = 3, .now = 1000 };
	size_t i;

	if (st == NULL)
		return;
	ev1_make(&e[0], "old", "", NULL, "{}", 2, 1000);
	ev1_make(&e[1], "new", "", NULL, "{}", 2, 1000);
	ev1_make(&e[2], "new", "", NULL, "{}", 2, 1000);
	memset(items, 0, sizeof(items));
	items[0].se = &e[0].se;
	store_write(st, items, 1);
	EXPECT_INT(items[0].result, ST_OK);
	EXPECT_INT(items[0].id, 1);
	memset(items, 0, sizeof(items));
	items[0].se = &e[1].se;
	items[1].se = &e[2].se;		/* the same, in the same batch */
	items[2].se = &e[0].se;		/* stored before */
	items[3].rj = &rj;
	items[4].rj = &rj;		/* counted on the same row */
	store_write(st, items, 5);
	EXPECT_INT(items[0].result, ST_OK);
	EXPECT_INT(items[0].id, 2);
	EXPECT_INT(items[1].result, ST_DUPLICATE);
	EXPECT_INT(items[1].id, 2);
	EXPECT_INT(items[2].result, ST_DUPLICATE);
	EXPECT_INT(items[2].id, 1);
	EXPECT_INT(pg_value1("SELECT count(*) FROM events"), 2);
	EXPECT_INT(pg_value1("SELECT count FROM rejects"), 2);
	EXPECT_INT(pg_value1("SELECT length(body_head) FROM rejects"), 3);
	for (i = 0; i < 3; i++)
		buf_free(&e[i].r.body);
	store_close(st);
}

struct got {
	struct buf	 body;
	int		 rows;
	char		 status[16];
};

static int
got_detail(void *arg, const struct event_detail *d)
{
	struct got *g = arg;

	buf_add(&g->body, d->body.s != NULL ? d->body.s : "", d->body.len);
	g->rows++;
	return 0;
}

static int
got_row(void *arg, const struct event_row *r)
{
	struct got *g = arg;

	g->rows++;
	snprintf(g->status, sizeof(g->status), "%.*s",
	    (int)r->hook_status.len, r->hook_status.s != NULL ?
	    r->hook_status.s : "");
	return 0;
}

/*
 * A body is bytes, not text: a NUL, bytes that are not UTF-8 and a
 * quote come back as they went in; list's search finds text in it
 * whatever its case, and its filters hold.
 */
static void
t_pg_body_and_list(void)
{
	static const char body[] = "{\"Note\":\"Caf\xe9\0\xff'\\x\"}";
	struct store *st = pg_store(pg_fresh());
	struct ev1 e;
	struct store_item it = { 0 };
	struct got g = { 0 };
	struct list_filter f = { .limit = 10 };

	if (st == NULL)
		return;
	ev1_make(&e, "k1", "r1", "order.new", body, sizeof(body) - 1, 1000);
	it.se = &e.se;
	store_write(st, &it, 1);
	EXPECT_INT(it.result, ST_OK);
	EXPECT_INT(store_event_detail(st, it.id, got_detail, &g), 1);
	EXPECT_INT(g.body.len, sizeof(body) - 1);
	EXPECT(g.body.data != NULL &&
	    memcmp(g.body.data, body, sizeof(body) - 1) == 0);
	g.rows = 0;
	f.text = "note";
	EXPECT_INT(store_list(st, &f, got_row, &g), 1);
	EXPECT_STR(g.status, "pending");	/* queued for its hook */
	f.text = "r1";
	EXPECT_INT(store_list(st, &f, got_row, &g), 1);
	f.text = "absent";
	EXPECT_INT(store_list(st, &f, got_row, &g), 0);
	f.text = NULL;
	f.type = "order.*";
	EXPECT_INT(store_list(st, &f, got_row, &g), 1);
	f.type = "refund.*";
	EXPECT_INT(store_list(st, &f, got_row, &g), 0);
	f.type = NULL;
	f.endpoint = "other";
	EXPECT_INT(store_list(st, &f, got_row, &g), 0);
	f.endpoint = NULL;
	f.status = "pending";
	EXPECT_INT(store_list(st, &f, got_row, &g), 1);
	f.status = NULL;
	f.until = 1000;
	EXPECT_INT(store_list(st, &f, got_row, &g), 0);
	buf_free(&e.r.body);
	buf_free(&g.body);
	store_close(st);
}

/* Ends a claimed attempt the way a runner does: on its next claim. */
static struct attempt_result
result(long long delivery, enum delivery_status s, time_t at)
{
	struct attempt_result a;

	memset(&a, 0, sizeof(a));
	a.delivery = delivery;
	a.status = s;
	a.exit_code = s == DS_SUCCEEDED ? 0 : 1;
	a.output = "out";
	a.finished_at = at;
	a.next_at = s == DS_FAILED ? at + 60 : 0;
	if (s != DS_SUCCEEDED)
		snprintf(a.error, sizeof(a.error), "exit 1");
	return a;
}

/*
 * Two nodes, two connections: a resource's events run one at a time and
 * in order, whichever node claims, and max_running counts the hooks
 * running on both.
 */
static void
t_pg_two_nodes_claim(void)
{
	const char *uri = pg_fresh();
	struct store *a = pg_store(uri), *b = pg_store(uri);
	struct delivery d1, d2, d3;
	struct attempt_result done;
	long long id1, id2, id3;

	if (a == NULL || b == NULL)
		goto out;
	EXPECT_INT(put(a, "o1", "r1", "order.new", 1000, &id1), ST_OK);
	EXPECT_INT(put(b, "o2", "r1", "order.new", 1001, &id2), ST_OK);
	EXPECT_INT(put(a, "o3", "r2", "order.new", 1002, &id3), ST_OK);
	EXPECT_INT(store_due(b, 2000, 8), 1);
	EXPECT_INT(store_claim(a, 2000, 8, 60, NULL, &d1), 1);
	EXPECT_INT(d1.event_id, id1);
	/* r1 is busy on node a: node b gets r2's event, not o2. */
	EXPECT_INT(store_claim(b, 2000, 8, 60, NULL, &d2), 1);
	EXPECT_INT(d2.event_id, id3);
	EXPECT_INT(store_claim(b, 2000, 8, 60, NULL, &d3), 0);
	/* Two run, on two nodes: a cap of 2 lets nobody start. */
	EXPECT_INT(store_due(a, 2000, 2), 0);
	EXPECT_INT(store_started(a, d1.id, 4242, 1, 2100), 0);
	/* o1 done on a: o2 may start, and a takes it; then two run. */
	done = result(d1.id, DS_SUCCEEDED, 2001);
	delivery_free(&d1);
	EXPECT_INT(store_claim(a, 2001, 2, 60, &done, &d3), 1);
	EXPECT_INT(d3.event_id, id2);
	EXPECT_INT(store_replay(b, id1, "order.new", 2001), REPLAY_DUE);
	EXPECT_INT(store_claim(b, 2001, 2, 60, NULL, &d1), 0);
	EXPECT_INT(pg_value1("SELECT count(*) FROM deliveries"
	    " WHERE status = 'running'"), 2);
	EXPECT_INT(pg_value1("SELECT count(*) FROM hook_queue"), 0);
	delivery_free(&d2);
	delivery_free(&d3);
 out:
	store_close(a);
	store_close(b);
}

/*
 * A failed attempt is retried as a new row; it leaves a notice (the
 * trigger); replay queues a new series; done stops a retry.
 */
static void
t_pg_retry_replay_done(void)
{
	struct store *st = pg_store(pg_fresh());
	struct delivery d;
	struct attempt_result res;
	long long id;

	if (st == NULL)
		return;
	EXPECT_INT(put(st, "o1", "", "order.new", 1000, &id), ST_OK);
	EXPECT_INT(store_claim(st, 1000, 8, 60, NULL, &d), 1);
	res = result(d.id, DS_FAILED, 1001);
	delivery_free(&d);
	EXPECT_INT(store_claim(st, 1001, 8, 60, &res, &d), 0);
	EXPECT_INT(pg_value1("SELECT count(*) FROM notices"
	    " WHERE status = 'failed'"), 1);
	EXPECT_INT(store_next_due(st), 1061);
	EXPECT_INT(store_claim(st, 1061, 8, 60, NULL, &d), 1);
	EXPECT_INT(d.attempt, 2);
	res = result(d.id, DS_SUCCEEDED, 1062);
	delivery_free(&d);
	EXPECT_INT(store_claim(st, 1062, 8, 60, &res, &d), 0);
	EXPECT_INT(store_replay(st, id, "order.new", 1100), REPLAY_DUE);
	EXPECT_INT(store_replay(st, 999, "order.new", 1100), REPLAY_NO_EVENT);
	EXPECT_INT(store_mark_done(st, id, 1101), DONE_OK);
	EXPECT_INT(pg_value1("SELECT count(*) FROM deliveries"
	    " WHERE done_at IS NOT NULL AND status = 'dead'"), 1);
	EXPECT_INT(store_claim(st, 1200, 8, 60, NULL, &d), 0);
	store_close(st);
}

/* The inbox's rows: its password hash, sessions and throttle. */
static void
t_pg_inbox_rows(void)
{
	struct store *st = pg_store(pg_fresh());
	struct buf v = { 0 };
	char hash[65], token[65];
	time_t seen = 0, last = 0;
	int failures = 0;

	if (st == NULL)
		return;
	memset(token, 'a', 64);
	token[64] = '\0';
	EXPECT_INT(store_setting(st, "password", &v), 0);
	EXPECT_INT(store_setting_set(st, "password", "$argon2id$x"), 0);
	EXPECT_INT(store_setting_set(st, "password", "$argon2id$y"), 0);
	EXPECT_INT(store_setting(st, "password", &v), 1);
	EXPECT_STR(v.data, "$argon2id$y");
	EXPECT_INT(store_session_new(st, token, "192.0.2.1", 1000), 0);
	EXPECT_INT(store_session(st, token, hash, &seen), 1);
	EXPECT_INT(seen, 1000);
	EXPECT_INT(store_session_seen(st, token, 1500), 0);
	EXPECT_INT(store_session(st, token, hash, &seen), 1);
	EXPECT_INT(seen, 1500);
	EXPECT_INT(store_session_end(st, token), 0);
	EXPECT_INT(store_session(st, token, hash, &seen), 0);
	EXPECT_INT(store_throttle_fail(st, "192.0.2.1", 1000), 0);
	EXPECT_INT(store_throttle_fail(st, "192.0.2.1", 1001), 0);
	EXPECT_INT(store_throttle(st, "192.0.2.1", &failures, &last), 0);
	EXPECT_INT(failures, 2);
	EXPECT_INT(last, 1001);
	/* An hour later the count starts again. */
	EXPECT_INT(store_throttle_fail(st, "192.0.2.1", 5000), 0);
	EXPECT_INT(store_throttle(st, "192.0.2.1", &failures, &last), 0);
	EXPECT_INT(failures, 1);
	buf_free(&v);
	store_close(st);
}

/* The upkeep's lease: one node at a time. */
static void
t_pg_upkeep_lease(void)
{
	const char *uri = pg_fresh();
	struct store *a = pg_store(uri), *b = pg_store(uri);

	if (a == NULL || b == NULL)
		goto out;
	EXPECT_INT(store_upkeep_due(a, 1000), 1);
	EXPECT_INT(store_upkeep_take(a, 1000, 60, 0), 1);
	EXPECT_INT(store_upkeep_take(b, 1000, 60, 0), 0);
	EXPECT_INT(store_upkeep_release(a, 2000), 0);
	EXPECT_INT(store_upkeep_due(b, 1500), 0);
	EXPECT_INT(store_upkeep_take(b, 2000, 60, 0), 1);
 out:
	store_close(a);
	store_close(b);
}

/* Pruning spares an event whose hook still waits. */
static void
t_pg_prune(void)
{
	struct store *st = pg_store(pg_fresh());
	struct prune_row r = { .endpoint = "shop", .before = 5000 };
	long long id;

	if (st == NULL)
		return;
	EXPECT_INT(put(st, "o1", "", NULL, 1000, &id), ST_OK);
	EXPECT_INT(put(st, "o2", "", "order.new", 1000, &id), ST_OK);
	EXPECT_INT(put(st, "o3", "", NULL, 9000, &id), ST_OK);
	EXPECT_INT(store_prune(st, &r, "[\"shop\"]", 1, 100), 0);
	EXPECT_INT(r.events, 1);
	EXPECT_INT(r.spared, 1);
	memset(&r, 0, sizeof(r));
	r.endpoint = "shop";
	r.before = 5000;
	EXPECT_INT(store_prune(st, &r, "[\"shop\"]", 0, 100), 0);
	EXPECT_INT(r.events, 1);
	EXPECT_INT(pg_value1("SELECT count(*) FROM events"), 2);
	/* An endpoint the config no longer has: its events go too. */
	memset(&r, 0, sizeof(r));
	r.before = 10000;
	EXPECT_INT(store_prune(st, &r, "[\"other\"]", 0, 100), 0);
	EXPECT_INT(r.events, 1);
	EXPECT_INT(store_vacuum(st, 10), 0);
	store_close(st);
}

/*
 * SQLite's dialect into PostgreSQL's: ?N becomes $N outside literals, a
 * dialect replacement's parameter counts, and nothing else changes.
 */
static void
t_pg_sql(void)
{
	char *s;
	int n;

	s = pg_sql("SELECT '?1 LIMIT -1' FROM t WHERE a = ?12 LIMIT -1", &n);
	EXPECT_STR(s, "SELECT '?1 LIMIT -1' FROM t WHERE a = $12 LIMIT ALL");
	EXPECT_INT(n, 12);
	free(s);
	s = pg_sql("SELECT value FROM json_each(?3) WHERE ?1", &n);
	EXPECT_STR(s, "SELECT value FROM json_array_elements_text($3::json)"
	    " WHERE $1");
	EXPECT_INT(n, 3);
	free(s);
	s = pg_sql("", &n);
	EXPECT_STR(s, "");
	EXPECT_INT(n, 0);
	free(s);
}

/* What names PostgreSQL, and what is shown of it: never a password. */
static void
t_pg_where(void)
{
	char w[256];

	EXPECT(store_is_pg("postgresql://u@h/db"));
	EXPECT(store_is_pg("postgres://u@h/db"));
	EXPECT(store_is_pg("host=h dbname=db"));
	EXPECT(store_is_pg("dbname = db"));
	EXPECT(!store_is_pg("/home/shop/data/hookbox.db"));
	EXPECT(!store_is_pg("data/a=b.db"));
	EXPECT(!store_is_pg("hookbox.db"));
	store_where("postgresql://shop:s3cret@db.example:5433/orders", w,
	    sizeof(w));
	EXPECT_STR(w, "postgresql://shop@db.example:5433/orders");
	store_where("host=db.example password=s3cret user=shop dbname=orders",
	    w, sizeof(w));
	EXPECT(strstr(w, "s3cret") == NULL);
	EXPECT_HAS(w, "db.example");
	store_where("/srv/hookbox.db", w, sizeof(w));
	EXPECT_STR(w, "/srv/hookbox.db");
}

/*
 * A server that cannot be reached: no store, and a sentence without the
 * password. A connection the server ends (as a restart does) is made
 * again, and the next write is stored.
 */
static void
t_pg_unreachable_and_reconnect(void)
{
	const char *uri = pg_fresh();
	struct buf err = { 0 };
	struct store *st;
	long long id;

	EXPECT(store_open("postgresql://u:s3cret@/db?host=/nonexistent"
	    "&connect_timeout=2", 500, 0, &err) == NULL);
	EXPECT(err.data != NULL && strstr(err.data, "s3cret") == NULL);
	EXPECT_HAS(err.data, "cannot connect");
	if ((st = pg_store(uri)) == NULL)
		goto out;
	EXPECT_INT(put(st, "o1", "", NULL, 1000, &id), ST_OK);
	EXPECT_INT(pg_value1("SELECT count(pg_terminate_backend(pid))"
	    " FROM pg_stat_activity WHERE application_name = 'hookbox'"), 1);
	EXPECT_INT(put(st, "o2", "", NULL, 1000, &id), ST_OK);
	EXPECT_INT(id, 2);
	store_close(st);
 out:
	buf_free(&err);
}

/*
 * `hookbox migrate`: a SQLite file's events (with a NUL in a body), a
 * queued hook, a failed attempt and a reject go over with their ids;
 * a second run copies nothing; new rows take ids after theirs.
 */
static void
t_pg_migrate(void)
{
	const char *uri = pg_fresh();
	struct buf path = { 0 }, err = { 0 }, out = { 0 };
	struct store *lite = NULL, *pg = NULL;
	struct reject rj = { .endpoint = "shop", .status = 401,
	    .reason = "wrong token", .addr = "192.0.2.1", .now = 1000 };
	struct delivery d;
	struct attempt_result res;
	struct ev1 e;
	struct store_item it = { 0 };
	struct got g = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	long long id;

	if (uri == NULL)
		return;
	buf_printf(&path, "%s/migrate.db", tmpdir);
	if ((lite = store_open(path.data, 1000, 0, &err)) == NULL) {
		note(__LINE__, "store_open: %s", err.data);
		goto out;
	}
	ev1_make(&e, "o1", "r1", "order.new", "a\0b", 3, 1000);
	it.se = &e.se;
	store_write(lite, &it, 1);
	EXPECT_INT(put(lite, "o2", "", "order.new", 1001, &id), ST_OK);
	EXPECT_INT(store_claim(lite, 1002, 8, 60, NULL, &d), 1);
	res = result(d.id, DS_FAILED, 1003);
	delivery_free(&d);
	EXPECT_INT(store_claim(lite, 1003, 1, 60, &res, &d), 1);
	delivery_free(&d);
	store_reject(lite, &rj);
	EXPECT_INT(put(lite, "o3", "", "order.new", 1004, &id), ST_OK);
	store_close(lite);
	lite = NULL;

	if ((f = open_memstream(&text, &len)) == NULL)
		goto out;
	if (store_migrate(path.data, uri, 1000, f, &err) != 0)
		note(__LINE__, "migrate: %s", err.data);
	fclose(f);
	EXPECT_HAS(text, "events       3 copied, 0 already there");
	EXPECT_HAS(text, "deliveries   2 copied");
	EXPECT_HAS(text, "hook_queue   1 copied");
	EXPECT_HAS(text, "rejects      1 copied");
	free(text);
	text = NULL;
	if ((f = open_memstream(&text, &len)) == NULL)
		goto out;
	EXPECT_INT(store_migrate(path.data, uri, 1000, f, &err), 0);
	fclose(f);
	EXPECT_HAS(text, "events       0 copied, 3 already there");
	EXPECT_HAS(text, "deliveries   0 copied, 2 already there");
	if ((pg = pg_store(uri)) == NULL)
		goto out;
	EXPECT_INT(store_event_detail(pg, 1, got_detail, &g), 1);
	EXPECT_INT(g.body.len, 3);
	EXPECT(g.body.data != NULL && memcmp(g.body.data, "a\0b", 3) == 0);
	EXPECT_INT(put(pg, "o4", "", NULL, 1005, &id), ST_OK);
	EXPECT_INT(id, 4);
	/*
	 * The hooks carry on in PostgreSQL: o1's retry is due, o2's lease
	 * has run out (its runner is gone: retried at once), o3 waits in
	 * the queue.
	 */
	EXPECT_INT(pg_value1("SELECT count(*) FROM deliveries"
	    " WHERE status = 'running'"), 1);
	EXPECT_INT(store_claim(pg, 2000, 8, 60, NULL, &d), 1);
	EXPECT_INT(d.event_id, 1);
	EXPECT_INT(d.attempt, 2);
	delivery_free(&d);
	EXPECT_INT(store_claim(pg, 2000, 8, 60, NULL, &d), 1);
	EXPECT_INT(d.event_id, 2);
	delivery_free(&d);
	EXPECT_INT(store_claim(pg, 2000, 8, 60, NULL, &d), 1);
	EXPECT_INT(d.event_id, 3);
	delivery_free(&d);
	/* A SQLite file is what it copies from, PostgreSQL what into. */
	EXPECT_INT(store_migrate(uri, uri, 1000, stdout, &out), -1);
	EXPECT_HAS(out.data, "must be a SQLite file");
 out:
	free(text);
	buf_free(&e.r.body);
	buf_free(&g.body);
	buf_free(&path);
	buf_free(&err);
	buf_free(&out);
	store_close(pg);
	store_close(lite);
}

const struct unit_case store_pg_cases[] = {
	{ "pg: the schema is made once, and checks", t_pg_schema },
	{ "pg: a batch: new, duplicate in it, stored before, rejects counted",
	    t_pg_write_batch },
	{ "pg: a body's bytes come back whole; list's filters and search",
	    t_pg_body_and_list },
	{ "pg: two nodes: a resource in order, the cap across both",
	    t_pg_two_nodes_claim },
	{ "pg: retry, notice, replay, done", t_pg_retry_replay_done },
	{ "pg: the inbox's password hash, sessions, throttle",
	    t_pg_inbox_rows },
	{ "pg: the upkeep's lease, one node at a time", t_pg_upkeep_lease },
	{ "pg: prune spares a waiting hook", t_pg_prune },
	{ "pg: SQLite's dialect turned into PostgreSQL's", t_pg_sql },
	{ "pg: what names PostgreSQL; no password shown", t_pg_where },
	{ "pg: an unreachable server; a dropped connection made again",
	    t_pg_unreachable_and_reconnect },
	{ "pg: migrate keeps ids, runs again, new ids follow",
	    t_pg_migrate },
	{ NULL, NULL }
};

#else	/* built without libpq: SQLite alone */

const struct unit_case store_pg_cases[] = { { NULL, NULL } };

#endif
