/*
 * The store: the command line's reading queries (list, show, rejects,
 * stats, and replay's look at an event). Each gives its rows to a
 * callback, one at a time, so that the SQL stays here and cli.c only
 * prints. A row's text points into SQLite's own memory: it holds until
 * the callback returns.
 */
#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "store_int.h"

/*
 * An event's hook state: its newest attempt's, "done" once the owner
 * marked it so; one queued for its first delivery (hook_queue) is
 * pending; NULL when no hook matched.
 */
#define HOOK_STATE \
	"coalesce((SELECT CASE WHEN done_at IS NOT NULL THEN 'done'" \
	" ELSE status END FROM deliveries WHERE event_id = e.id" \
	" ORDER BY id DESC LIMIT 1), (SELECT 'pending' FROM hook_queue" \
	" WHERE event_id = e.id))"

static const char *const sql[S__MAX] = {
	/*
	 * Events, newest first. A type ending in ".*" lists the whole
	 * family. (A parameter that may be NULL is CAST where it is first
	 * used: PostgreSQL cannot tell its type from IS NULL.)
	 */
	[S_LIST] =
	    "SELECT e.id, e.received_at, e.endpoint, e.event_type, e.event_key,"
	    " e.resource_id, e.method, e.remote_addr, e.proof,"
	    " " HOOK_STATE " AS hook_status"
	    " FROM events e"
	    " WHERE (CAST(?1 AS TEXT) IS NULL OR endpoint = ?1)"
	    " AND (CAST(?2 AS TEXT) IS NULL OR event_type = ?2"
	    "  OR (?2 LIKE '%.*' AND substr(event_type, 1, length(?2) - 1) ="
	    "  substr(?2, 1, length(?2) - 1)))"
	    " AND received_at >= ?3"
	    " AND (CAST(?5 AS TEXT) IS NULL OR ?5 = " HOOK_STATE ")"
	    /* A search: an id as sent, or text anywhere in the body */
	    " AND (CAST(?6 AS TEXT) IS NULL OR e.resource_id = ?6 OR e.event_key = ?6"
	    "  OR instr(lower(CAST(e.body AS TEXT)), lower(?6)) > 0)"
	    " AND (CAST(?8 AS BIGINT) IS NULL OR received_at < ?8)"
	    " ORDER BY e.id DESC LIMIT ?4 OFFSET ?7",
	[S_EVENT] =
	    "SELECT id, endpoint, provider, event_type, event_key, resource_id,"
	    " received_at, method, query, content_type, remote_addr, proof,"
	    " headers, body FROM events WHERE id = ?1",
	/* The hook attempts of one event, oldest first */
	[S_ATTEMPTS] =
	    "SELECT id, hook, attempt, status, exit_code, signal, error,"
	    " started_at, finished_at, next_attempt_at, output"
	    " FROM deliveries WHERE event_id = ?1 ORDER BY id",
	/* Not dispatched yet: a runner gives it its first delivery. */
	[S_QUEUED_HOOK] =
	    "SELECT hook FROM hook_queue WHERE event_id = ?1",
	/* What picks an event's hook */
	[S_EVENT_TYPE] =
	    "SELECT endpoint, event_type FROM events WHERE id = ?1",
	[S_REJECTS] =
	    "SELECT id, received_at, status, endpoint, remote_addr, reason,"
	    " body_head, count FROM rejects ORDER BY id DESC LIMIT ?1",
	/* The counts of `hookbox stats`, one statement a section */
	[S_COUNT_EVENTS] =
	    "SELECT endpoint, event_type, '', count(*) FROM events"
	    " GROUP BY endpoint, event_type ORDER BY 1, 2",
	/* Events still queued for their first delivery count as pending. */
	[S_COUNT_HOOKS] =
	    "SELECT endpoint, event_type, status, sum(n) FROM ("
	    " SELECT e.endpoint, e.event_type, CASE WHEN d.done_at IS NOT NULL"
	    " THEN 'done' ELSE d.status END AS status, count(*) AS n"
	    " FROM deliveries d JOIN events e ON e.id = d.event_id"
	    " WHERE d.id = (SELECT max(id) FROM deliveries"
	    "  WHERE event_id = d.event_id)"
	    " GROUP BY 1, 2, 3"
	    " UNION ALL SELECT e.endpoint, e.event_type, 'pending', count(*)"
	    " FROM hook_queue q JOIN events e ON e.id = q.event_id"
	    " GROUP BY 1, 2) AS t"
	    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
	/* replay --dead: events whose newest attempt is dead, oldest first */
	[S_DEAD_EVENTS] =
	    "SELECT d.event_id FROM deliveries d"
	    " WHERE d.status = 'dead' AND d.done_at IS NULL"
	    " AND (CAST(?1 AS TEXT) IS NULL OR d.endpoint = ?1)"
	    " AND d.id = (SELECT max(id) FROM deliveries"
	    "  WHERE event_id = d.event_id)"
	    " ORDER BY d.event_id LIMIT ?2",
	/* The same events, counted per endpoint: Retry all dead's buttons */
	[S_DEAD_COUNTS] =
	    "SELECT d.endpoint, count(*) FROM deliveries d"
	    " WHERE d.status = 'dead' AND d.done_at IS NULL"
	    " AND d.id = (SELECT max(id) FROM deliveries"
	    "  WHERE event_id = d.event_id)"
	    " GROUP BY d.endpoint ORDER BY d.endpoint",
	[S_COUNT_ATTEMPTS] =
	    "SELECT endpoint, hook, status, count(*) FROM deliveries"
	    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
};

/* A statement of this file's, prepared once (store_stmt). */
static struct stq *
stmt(struct store *st, enum stmt s)
{
	return store_stmt(st, s, sql[s]);
}

/* Column i as stored: text or bytes, s NULL for SQL NULL. */
struct store_text
store_text_at(struct stq *p, int i)
{
	struct store_text t;

	t.s = q_text(p, i);	/* before its length */
	t.len = (size_t)q_bytes(p, i);
	return t;
}

/* A time column: 0 for SQL NULL. */
time_t
store_time_at(struct stq *p, int i)
{
	if (q_null(p, i))
		return 0;
	return (time_t)q_int(p, i);
}

/*
 * The end of a walk over p's rows: p is reset (a statement left stepping
 * would hold its read transaction open), and the walk's result is the
 * number of rows given, or -1 if the last step failed.
 */
int
store_walked(struct stq *p, int rc, int n)
{
	q_reset(p);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -1;
}

const char *
store_errmsg(struct store *st)
{
	if (st->pg)
		return st->pg_err;
	/* After a rollback SQLite says "not an error": what was logged. */
	if (sqlite3_errcode(st->db) == SQLITE_OK && st->logged[0] != '\0')
		return st->logged;
	return sqlite3_errmsg(st->db);
}

/* `hookbox list`: the events f lets through, newest first. */
int
store_list(struct store *st, const struct list_filter *f,
    int (*row)(void *, const struct event_row *), void *arg)
{
	struct stq *p = stmt(st, S_LIST);
	struct event_row r;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	if (f->endpoint != NULL)
		q_bind_text(p, 1, f->endpoint);
	if (f->type != NULL)
		q_bind_text(p, 2, f->type);
	q_bind_int(p, 3, f->since);
	q_bind_int(p, 4, f->limit);
	if (f->status != NULL)
		q_bind_text(p, 5, f->status);
	if (f->text != NULL)
		q_bind_text(p, 6, f->text);
	q_bind_int(p, 7, f->offset);
	if (f->until != 0)
		q_bind_int(p, 8, f->until);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		r.id = q_int(p, 0);
		r.received_at = store_time_at(p, 1);
		r.endpoint = store_text_at(p, 2);
		r.type = store_text_at(p, 3);
		r.key = store_text_at(p, 4);
		r.resource = store_text_at(p, 5);
		r.method = store_text_at(p, 6);
		r.remote_addr = store_text_at(p, 7);
		r.proof = store_text_at(p, 8);
		r.hook_status = store_text_at(p, 9);
		n++;
		if (row(arg, &r) != 0)
			break;
	}
	return store_walked(p, rc, n);
}

/* `hookbox show`: one event, whole. Returns 1, 0 if there is none, or -1. */
int
store_event_detail(struct store *st, long long id,
    int (*row)(void *, const struct event_detail *), void *arg)
{
	struct stq *p = stmt(st, S_EVENT);
	struct event_detail e;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, id);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		e.id = q_int(p, 0);
		e.endpoint = store_text_at(p, 1);
		e.provider = store_text_at(p, 2);
		e.type = store_text_at(p, 3);
		e.key = store_text_at(p, 4);
		e.resource = store_text_at(p, 5);
		e.received_at = store_time_at(p, 6);
		e.method = store_text_at(p, 7);
		e.query = store_text_at(p, 8);
		e.content_type = store_text_at(p, 9);
		e.remote_addr = store_text_at(p, 10);
		e.proof = store_text_at(p, 11);
		e.headers = store_text_at(p, 12);
		/* An empty blob comes back as NULL (a GET's body). */
		e.body.s = q_blob(p, 13);
		e.body.len = (size_t)q_bytes(p, 13);
		n++;
		row(arg, &e);
	}
	return store_walked(p, rc, n);
}

/* The hook attempts of one event, oldest first. */
int
store_attempts(struct store *st, long long event_id,
    int (*row)(void *, const struct attempt_row *), void *arg)
{
	struct stq *p = stmt(st, S_ATTEMPTS);
	struct attempt_row a;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, event_id);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		a.id = q_int(p, 0);
		a.hook = store_text_at(p, 1);
		a.attempt = q_int(p, 2);
		a.status = store_text_at(p, 3);
		a.exit_code = q_null(p, 4) ? -1 :
		    q_int(p, 4);
		a.signal = q_null(p, 5) ? -1 :
		    q_int(p, 5);
		a.error = store_text_at(p, 6);
		a.started_at = store_time_at(p, 7);
		a.finished_at = store_time_at(p, 8);
		a.next_at = store_time_at(p, 9);
		a.output = store_text_at(p, 10);
		n++;
		if (row(arg, &a) != 0)
			break;
	}
	return store_walked(p, rc, n);
}

/*
 * The hook an event waits for in hook_queue, before a runner has given
 * it its first delivery. Returns 1, 0 if it waits for none, or -1.
 */
int
store_queued_hook(struct store *st, long long event_id,
    int (*row)(void *, const char *), void *arg)
{
	struct stq *p = stmt(st, S_QUEUED_HOOK);
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, event_id);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		const char *hook = q_text(p, 0);

		n++;
		row(arg, hook != NULL ? hook : "");
	}
	return store_walked(p, rc, n);
}

/*
 * An event's endpoint and type, which pick its hook (`hookbox replay`).
 * Returns 1, 0 if there is no such event, or -1.
 */
int
store_event_type(struct store *st, long long id,
    int (*row)(void *, const char *, const char *), void *arg)
{
	struct stq *p = stmt(st, S_EVENT_TYPE);
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, id);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		const char *endpoint = q_text(p, 0);
		const char *type = q_text(p, 1);

		n++;
		row(arg, endpoint != NULL ? endpoint : "",
		    type != NULL ? type : "");
	}
	return store_walked(p, rc, n);
}

/* `hookbox rejects`: the newest limit refusals, newest first. */
int
store_rejects(struct store *st, long long limit,
    int (*row)(void *, const struct reject_row *), void *arg)
{
	struct stq *p = stmt(st, S_REJECTS);
	struct reject_row r;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, limit);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		r.id = q_int(p, 0);
		r.received_at = store_time_at(p, 1);
		r.status = q_int(p, 2);
		r.endpoint = store_text_at(p, 3);
		r.remote_addr = store_text_at(p, 4);
		r.reason = store_text_at(p, 5);
		r.body_head = store_text_at(p, 6);
		r.count = q_int(p, 7);
		n++;
		if (row(arg, &r) != 0)
			break;
	}
	return store_walked(p, rc, n);
}

/* `hookbox stats`: one section's counts, in the order they print. */
int
store_counts(struct store *st, enum store_count what,
    int (*row)(void *, const struct count_row *), void *arg)
{
	static const enum stmt of[] = {
		[COUNT_EVENTS] = S_COUNT_EVENTS,
		[COUNT_HOOKS] = S_COUNT_HOOKS,
		[COUNT_ATTEMPTS] = S_COUNT_ATTEMPTS,
	};
	struct stq *p = stmt(st, of[what]);
	struct count_row c;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	while ((rc = q_step(p)) == SQLITE_ROW) {
		c.endpoint = store_text_at(p, 0);
		c.name = store_text_at(p, 1);
		c.state = store_text_at(p, 2);
		c.n = q_int(p, 3);
		n++;
		if (row(arg, &c) != 0)
			break;
	}
	return store_walked(p, rc, n);
}

/*
 * `hookbox replay --dead` and the inbox's Retry all dead: the events
 * (of one endpoint, or NULL: all) whose hook is dead and not marked
 * done, oldest first, at most limit.
 */
int
store_dead_events(struct store *st, const char *endpoint, long long limit,
    int (*row)(void *, long long), void *arg)
{
	struct stq *p = stmt(st, S_DEAD_EVENTS);
	int rc, n = 0;

	if (p == NULL)
		return -1;
	if (endpoint != NULL)
		q_bind_text(p, 1, endpoint);
	q_bind_int(p, 2, limit);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		n++;
		if (row(arg, q_int(p, 0)) != 0)
			break;
	}
	return store_walked(p, rc, n);
}

/*
 * Per endpoint, the events store_dead_events would give (all of them,
 * not a page): the inbox's Retry all dead, one button each.
 */
int
store_dead_counts(struct store *st,
    int (*row)(void *, struct store_text, long long), void *arg)
{
	struct stq *p = stmt(st, S_DEAD_COUNTS);
	int rc, n = 0;

	if (p == NULL)
		return -1;
	while ((rc = q_step(p)) == SQLITE_ROW) {
		n++;
		if (row(arg, store_text_at(p, 0), q_int(p, 1)) != 0)
			break;
	}
	return store_walked(p, rc, n);
}
