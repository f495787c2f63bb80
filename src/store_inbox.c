/*
 * The store: what the owner's inbox keeps and asks besides the command
 * line's queries (store_read.c): its password hash, its sessions, the
 * throttle on failed sign-ins, and the summaries of its front page. The
 * password, sessions and throttle are auth.c's to use; each is one
 * statement, committed on its own. Rows go to a callback, as in
 * store_read.c; their text holds until it returns.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store_int.h"

/* Throttle rows kept: the oldest go first past this many addresses. */
#define THROTTLE_ROWS	10000

static const char *const sql[S__MAX] = {
	[S_SETTING_GET] =
	    "SELECT value FROM settings WHERE name = ?1",
	[S_SETTING_SET] =
	    "INSERT INTO settings (name, value) VALUES (?1, ?2)"
	    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
	[S_SESSION_NEW] =
	    "INSERT INTO sessions (token_hash, created_at, seen_at, remote_addr)"
	    " VALUES (?1, ?2, ?2, ?3)",
	[S_SESSION_GET] =
	    "SELECT token_hash, created_at, seen_at FROM sessions"
	    " WHERE token_hash = ?1",
	[S_SESSION_SEEN] =
	    "UPDATE sessions SET seen_at = ?2 WHERE token_hash = ?1",
	[S_SESSION_END] =
	    "DELETE FROM sessions WHERE token_hash = ?1",
	[S_SESSION_ALL_END] =
	    "DELETE FROM sessions",
	[S_SESSION_EXPIRE] =
	    "DELETE FROM sessions WHERE seen_at < ?1",
	[S_THROTTLE_GET] =
	    "SELECT failures, last_at FROM signin_throttle WHERE who = ?1",
	/* A failure an hour after the last starts the count again. */
	[S_THROTTLE_FAIL] =
	    "INSERT INTO signin_throttle (who, failures, last_at)"
	    " VALUES (?1, 1, ?2) ON CONFLICT (who) DO UPDATE SET"
	    " failures = CASE WHEN signin_throttle.last_at < ?2 - 3600 THEN 1"
	    "  ELSE signin_throttle.failures + 1 END, last_at = ?2",
	[S_THROTTLE_CLEAR] =
	    "DELETE FROM signin_throttle WHERE who = ?1",
	[S_THROTTLE_TRIM] =
	    "DELETE FROM signin_throttle WHERE last_at < ?1 - 3600"
	    " OR who IN (SELECT who FROM signin_throttle ORDER BY last_at DESC"
	    "  LIMIT -1 OFFSET " HB_STR(THROTTLE_ROWS) ")",
	/*
	 * What needs attention: events whose newest attempt failed (and
	 * waits for its retry) or is dead, not marked done, newest first.
	 */
	[S_ATTENTION] =
	    "SELECT e.id, e.received_at, e.endpoint, e.event_type,"
	    " e.resource_id, d.status, d.attempt, d.error, d.exit_code,"
	    " d.finished_at, d.next_attempt_at"
	    " FROM deliveries d JOIN events e ON e.id = d.event_id"
	    " WHERE d.status IN ('failed', 'dead') AND d.done_at IS NULL"
	    " AND d.id = (SELECT max(id) FROM deliveries"
	    "  WHERE event_id = d.event_id)"
	    " ORDER BY e.id DESC LIMIT ?1",
	/* Per endpoint: the last event, and how many since ?1 and ?2. */
	[S_ENDPOINT_EVENTS] =
	    "SELECT endpoint, max(received_at),"
	    " sum(CASE WHEN received_at >= ?1 THEN 1 ELSE 0 END),"
	    " sum(CASE WHEN received_at >= ?2 THEN 1 ELSE 0 END)"
	    " FROM events GROUP BY endpoint",
	/*
	 * Per endpoint, refusals since ?1 (the last day): all, 401s, and
	 * the 401s of the days before it, back to ?2, to tell a jump.
	 */
	[S_ENDPOINT_REJECTS] =
	    "SELECT endpoint, sum(CASE WHEN received_at >= ?1 THEN count END),"
	    " sum(CASE WHEN received_at >= ?1 AND status = 401 THEN count END),"
	    " sum(CASE WHEN received_at < ?1 AND status = 401 THEN count END),"
	    " max(received_at) FROM rejects WHERE received_at >= ?2"
	    " GROUP BY endpoint ORDER BY endpoint",
};

static struct stq *
stmt(struct store *st, enum stmt s)
{
	return store_stmt(st, s, sql[s]);
}

/* One write, on its own (autocommit). 0, or -1 after logging. */
static int
write1(struct store *st, struct stq *p, const char *what)
{
	if (p == NULL)
		return -1;
	if (store_step_done(p) == -1) {
		store_log(st, what);
		return -1;
	}
	return 0;
}

/* A setting's value into out; 1, 0 when unset, or -1. */
int
store_setting(struct store *st, const char *name, struct buf *out)
{
	struct stq *p = stmt(st, S_SETTING_GET);
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_text(p, 1, name);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		struct store_text t = store_text_at(p, 0);

		out->len = 0;
		if (buf_add(out, t.s != NULL ? t.s : "", t.len) == -1)
			rc = SQLITE_NOMEM;
		else
			n = 1;
	}
	q_reset(p);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

int
store_setting_set(struct store *st, const char *name, const char *value)
{
	struct stq *p = stmt(st, S_SETTING_SET);

	if (p != NULL) {
		q_bind_text(p, 1, name);
		q_bind_text(p, 2, value);
	}
	return write1(st, p, "setting");
}

int
store_session_new(struct store *st, const char *hash, const char *addr,
    time_t now)
{
	struct stq *p = stmt(st, S_SESSION_NEW);

	if (p != NULL) {
		q_bind_text(p, 1, hash);
		q_bind_int(p, 2, now);
		q_bind_text(p, 3, addr);
	}
	return write1(st, p, "session");
}

/*
 * The session whose token hashes to hash: its stored hash (for the
 * caller's constant-time comparison) and when it was last seen.
 * Returns 1, 0 when there is none, or -1.
 */
int
store_session(struct store *st, const char *hash, char stored[65],
    time_t *seen_at)
{
	struct stq *p = stmt(st, S_SESSION_GET);
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_text(p, 1, hash);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		struct store_text t = store_text_at(p, 0);

		if (t.s != NULL && t.len == 64) {
			memcpy(stored, t.s, 64);
			stored[64] = '\0';
			*seen_at = store_time_at(p, 2);
			n = 1;
		}
	}
	q_reset(p);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

int
store_session_seen(struct store *st, const char *hash, time_t now)
{
	struct stq *p = stmt(st, S_SESSION_SEEN);

	if (p != NULL) {
		q_bind_text(p, 1, hash);
		q_bind_int(p, 2, now);
	}
	return write1(st, p, "session");
}

/* Ends one session (hash), or every one (NULL: a new password). */
int
store_session_end(struct store *st, const char *hash)
{
	struct stq *p = stmt(st, hash != NULL ? S_SESSION_END :
	    S_SESSION_ALL_END);

	if (p != NULL && hash != NULL)
		q_bind_text(p, 1, hash);
	return write1(st, p, "session");
}

/* Forgets the sessions last seen before oldest. */
int
store_session_expire(struct store *st, time_t oldest)
{
	struct stq *p = stmt(st, S_SESSION_EXPIRE);

	if (p != NULL)
		q_bind_int(p, 1, oldest);
	return write1(st, p, "session");
}

/* who's failed sign-ins: their count and the last one's time (0, 0). */
int
store_throttle(struct store *st, const char *who, int *failures,
    time_t *last_at)
{
	struct stq *p = stmt(st, S_THROTTLE_GET);
	int rc;

	*failures = 0;
	*last_at = 0;
	if (p == NULL)
		return -1;
	q_bind_text(p, 1, who);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		*failures = q_int(p, 0);
		*last_at = store_time_at(p, 1);
	}
	q_reset(p);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* One more failure of who's; the table stays bounded. */
int
store_throttle_fail(struct store *st, const char *who, time_t now)
{
	struct stq *p = stmt(st, S_THROTTLE_FAIL);

	if (p != NULL) {
		q_bind_text(p, 1, who);
		q_bind_int(p, 2, now);
	}
	if (write1(st, p, "throttle") == -1)
		return -1;
	if ((p = stmt(st, S_THROTTLE_TRIM)) != NULL)
		q_bind_int(p, 1, now);
	return write1(st, p, "throttle");
}

int
store_throttle_clear(struct store *st, const char *who)
{
	struct stq *p = stmt(st, S_THROTTLE_CLEAR);

	if (p != NULL)
		q_bind_text(p, 1, who);
	return write1(st, p, "throttle");
}

/* The inbox's front page: hooks failing or dead, newest first. */
int
store_attention(struct store *st, long long limit,
    int (*row)(void *, const struct attention_row *), void *arg)
{
	struct stq *p = stmt(st, S_ATTENTION);
	struct attention_row r;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, limit);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		r.id = q_int(p, 0);
		r.received_at = store_time_at(p, 1);
		r.endpoint = store_text_at(p, 2);
		r.type = store_text_at(p, 3);
		r.resource = store_text_at(p, 4);
		r.status = store_text_at(p, 5);
		r.attempt = q_int(p, 6);
		r.error = store_text_at(p, 7);
		r.exit_code = q_null(p, 8) ? -1 :
		    q_int(p, 8);
		r.finished_at = store_time_at(p, 9);
		r.next_at = store_time_at(p, 10);
		n++;
		if (row(arg, &r) != 0)
			break;
	}
	return store_walked(p, rc, n);
}

/*
 * Per endpoint that has events: the last one's time, and the events
 * since day (today's start) and since week.
 */
int
store_endpoint_events(struct store *st, time_t day, time_t week,
    int (*row)(void *, const struct endpoint_events *), void *arg)
{
	struct stq *p = stmt(st, S_ENDPOINT_EVENTS);
	struct endpoint_events r;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, day);
	q_bind_int(p, 2, week);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		r.endpoint = store_text_at(p, 0);
		r.last_at = store_time_at(p, 1);
		r.today = q_int(p, 2);
		r.week = q_int(p, 3);
		n++;
		if (row(arg, &r) != 0)
			break;
	}
	return store_walked(p, rc, n);
}

/*
 * Per endpoint (as the refused request named it) with refusals since
 * week: those since day, its 401s, and the 401s before day.
 */
int
store_endpoint_rejects(struct store *st, time_t day, time_t week,
    int (*row)(void *, const struct endpoint_rejects *), void *arg)
{
	struct stq *p = stmt(st, S_ENDPOINT_REJECTS);
	struct endpoint_rejects r;
	int rc, n = 0;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, day);
	q_bind_int(p, 2, week);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		r.endpoint = store_text_at(p, 0);
		r.today = q_int(p, 1);
		r.unauthorized_today = q_int(p, 2);
		r.unauthorized_before = q_int(p, 3);
		r.last_at = store_time_at(p, 4);
		n++;
		if (row(arg, &r) != 0)
			break;
	}
	return store_walked(p, rc, n);
}
