/*
 * The store's side of notices and retention (upkeep.h): the schema step
 * that adds them, the upkeep's state shared by every process, the rows a
 * digest lists, and pruning in batches. The logic is notify.c's and
 * prune.c's. These statements run a few times an hour, not per request:
 * they are prepared for each use, except the one look a request makes
 * (S_UPKEEP_DUE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store_int.h"
#include "upkeep.h"

/*
 * The schema step. notices: a hook's attempt that ended failed or dead,
 * written by a trigger in the transaction that records it (the runner's
 * claim), so no process has to remember it; notify.c sends and deletes
 * them. upkeep: what was sent when, the upkeep's lease and when it is
 * next due; one row per name. A new file gets them with the rest of the
 * schema.
 */
static const char schema_upkeep[] =
"CREATE TABLE IF NOT EXISTS notices (\n"
"  id INTEGER PRIMARY KEY,\n"
"  status TEXT NOT NULL,\n"
"  event_id INTEGER NOT NULL,\n"
"  delivery_id INTEGER NOT NULL,\n"
"  attempt INTEGER NOT NULL,\n"
"  created_at INTEGER NOT NULL\n"
");\n"
"CREATE TABLE IF NOT EXISTS upkeep (\n"
"  name TEXT PRIMARY KEY,\n"
"  next_at INTEGER NOT NULL DEFAULT 0,\n"
"  lease_until INTEGER NOT NULL DEFAULT 0,\n"
"  last_sent INTEGER NOT NULL DEFAULT 0,\n"
"  last_try INTEGER NOT NULL DEFAULT 0,\n"
"  failures INTEGER NOT NULL DEFAULT 0,\n"
"  mark INTEGER NOT NULL DEFAULT 0,\n"
"  error TEXT\n"
") WITHOUT ROWID;\n"
"CREATE TRIGGER IF NOT EXISTS deliveries_notice\n"
"  AFTER UPDATE OF status ON deliveries\n"
"  WHEN OLD.status = 'running' AND NEW.status IN ('failed', 'dead')\n"
"BEGIN\n"
"  INSERT INTO notices (status, event_id, delivery_id, attempt, created_at)\n"
"  VALUES (NEW.status, NEW.event_id, NEW.id, NEW.attempt,\n"
"    coalesce(NEW.finished_at, CAST(strftime('%s', 'now') AS INTEGER)));\n"
"END;\n";

int
store_upkeep_schema(sqlite3 *db, char **msg)
{
	return sqlite3_exec(db, schema_upkeep, NULL, NULL, msg);
}

static const char due_sql[] =
    "SELECT next_at <= ?1 AND lease_until < ?1 FROM upkeep WHERE name = '"
    UPKEEP_RUN "'";

/*
 * The one look a request makes: 1 when the upkeep is due (no row yet
 * counts as due), 0 when not, -1 on an error.
 */
int
store_upkeep_due(struct store *st, time_t now)
{
	struct stq *p = store_stmt(st, S_UPKEEP_DUE, due_sql);
	int rc, due = -1;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, now);
	rc = q_step(p);
	if (rc == SQLITE_ROW)
		due = q_int(p, 0);
	else if (rc == SQLITE_DONE)
		due = 1;
	q_reset(p);
	return due;
}

/* Runs one statement of SQL with up to three integer or text binds. */
static int
run(struct store *st, const char *sql, const char *t1, long long i2,
    long long i3)
{
	struct stq *p;
	int rc;

	if ((p = q_prepare(st, sql)) == NULL) {
		store_log(st, "upkeep prepare");
		return -1;
	}
	if (t1 != NULL)
		q_bind_text(p, 1, t1);
	q_bind_int(p, 2, i2);
	q_bind_int(p, 3, i3);
	while ((rc = q_step(p)) == SQLITE_ROW)
		;
	q_free(p);
	if (rc != SQLITE_DONE)
		store_log(st, "upkeep");
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Takes the upkeep's lease until now + lease, when it is due (or with
 * force, whenever no other process holds it). Returns 1 when taken, 0
 * when another holds it or it is not due, -1 on an error.
 */
int
store_upkeep_take(struct store *st, time_t now, int lease, int force)
{
	int taken;

	if (store_begin(st) != SQLITE_OK)
		return -1;
	if (run(st, "INSERT INTO upkeep (name) VALUES (?1)"
	    " ON CONFLICT (name) DO NOTHING",
	    UPKEEP_RUN, 0, 0) == -1 ||
	    run(st, force ? "UPDATE upkeep SET lease_until = ?2 + ?3"
	    " WHERE name = ?1 AND lease_until < ?2" :
	    "UPDATE upkeep SET lease_until = ?2 + ?3"
	    " WHERE name = ?1 AND lease_until < ?2 AND next_at <= ?2",
	    UPKEEP_RUN, now, lease) == -1)
		goto fail;
	taken = store_changes(st) > 0;
	if (store_commit(st, 0) != SQLITE_OK)
		return -1;
	return taken;
 fail:
	store_rollback(st);
	return -1;
}

/* Lets the lease go; the upkeep is next due at next_at. */
int
store_upkeep_release(struct store *st, time_t next_at)
{
	if (store_begin(st) != SQLITE_OK)
		return -1;
	if (run(st, "UPDATE upkeep SET lease_until = 0, next_at = ?2"
	    " WHERE name = ?1", UPKEEP_RUN, next_at, 0) == -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, 0) == SQLITE_OK ? 0 : -1;
}

/* Sets when name is next due. 0, or -1. */
int
store_upkeep_next(struct store *st, const char *name, time_t at)
{
	if (store_begin(st) != SQLITE_OK)
		return -1;
	if (run(st, "INSERT INTO upkeep (name, next_at) VALUES (?1, ?2)"
	    " ON CONFLICT (name) DO UPDATE SET next_at = ?2", name, at, 0) ==
	    -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, 0) == SQLITE_OK ? 0 : -1;
}

static void
state_of(struct stq *p, int i, struct upkeep_state *s)
{
	s->next_at = (time_t)q_int(p, i);
	s->lease_until = (time_t)q_int(p, i + 1);
	s->last_sent = (time_t)q_int(p, i + 2);
	s->last_try = (time_t)q_int(p, i + 3);
	s->failures = q_int(p, i + 4);
	s->mark = q_int(p, i + 5);
}

#define STATE_COLS "next_at, lease_until, last_sent, last_try, failures, mark"

/* A name's state; all zero when it has no row. 0, or -1. */
int
store_upkeep_get(struct store *st, const char *name, struct upkeep_state *s)
{
	struct stq *p;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((p = q_prepare(st, "SELECT " STATE_COLS " FROM upkeep"
	    " WHERE name = ?1")) == NULL)
		return -1;
	q_bind_text(p, 1, name);
	if ((rc = q_step(p)) == SQLITE_ROW)
		state_of(p, 0, s);
	q_free(p);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Writes a name's state (not its lease or next_at), and error or NULL. */
int
store_upkeep_set(struct store *st, const char *name,
    const struct upkeep_state *s, const char *error)
{
	struct stq *p;
	int rc;

	if (store_begin(st) != SQLITE_OK)
		return -1;
	if ((p = q_prepare(st, "INSERT INTO upkeep (name, last_sent,"
	    " last_try, failures, mark, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (name) DO UPDATE SET last_sent = ?2, last_try = ?3,"
	    " failures = ?4, mark = ?5, error = ?6")) == NULL) {
		store_rollback(st);
		return -1;
	}
	q_bind_text(p, 1, name);
	q_bind_int(p, 2, s->last_sent);
	q_bind_int(p, 3, s->last_try);
	q_bind_int(p, 4, s->failures);
	q_bind_int(p, 5, s->mark);
	if (error != NULL)
		q_bind_text(p, 6, error);
	rc = q_step(p);
	q_free(p);
	if (rc != SQLITE_DONE) {
		store_log(st, "upkeep state");
		store_rollback(st);
		return -1;
	}
	return store_commit(st, 0) == SQLITE_OK ? 0 : -1;
}

/* Every name's state, for `hookbox notify`. Rows given, or -1. */
int
store_upkeep_states(struct store *st,
    int (*cb)(void *, const char *, const struct upkeep_state *,
    const char *), void *arg)
{
	struct upkeep_state s;
	struct stq *p;
	int rc, n = 0;

	if ((p = q_prepare(st, "SELECT name, " STATE_COLS ", error"
	    " FROM upkeep ORDER BY name")) == NULL)
		return -1;
	while ((rc = q_step(p)) == SQLITE_ROW) {
		state_of(p, 1, &s);
		n++;
		if (cb(arg, q_text(p, 0), &s,
		    q_text(p, 7)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	q_free(p);
	return rc == SQLITE_DONE ? n : -1;
}

/*
 * The notices of one status whose attempt is within [lo, hi], oldest
 * first, at most limit of them to cb; *total and *upto (the newest
 * notice's id) count them all. Rows given, or -1.
 */
int
store_notices(struct store *st, const char *status, int lo, int hi,
    long long limit, int (*cb)(void *, const struct notice_row *),
    void *arg, long long *total, long long *upto)
{
	struct notice_row r;
	struct stq *p;
	int rc, n = 0;

	*total = *upto = 0;
	if ((p = q_prepare(st, "SELECT count(*), coalesce(max(id), 0)"
	    " FROM notices WHERE status = ?1 AND attempt BETWEEN ?2 AND ?3")) == NULL)
		return -1;
	q_bind_text(p, 1, status);
	q_bind_int(p, 2, lo);
	q_bind_int(p, 3, hi);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		*total = q_int(p, 0);
		*upto = q_int(p, 1);
	}
	q_free(p);
	if (rc != SQLITE_ROW)
		return -1;
	if (*total == 0)
		return 0;
	if ((p = q_prepare(st, "SELECT n.id, n.event_id, n.attempt,"
	    " n.created_at, e.endpoint, e.event_type, e.resource_id,"
	    /* Only the tail is read: the last line, cut short (notify.c). */
	    " substr(d.output, -2048), substr(d.error, 1, 1024)"
	    " FROM notices n LEFT JOIN events e ON e.id = n.event_id"
	    " LEFT JOIN deliveries d ON d.id = n.delivery_id"
	    " WHERE n.status = ?1 AND n.attempt BETWEEN ?2 AND ?3 AND n.id <= ?5"
	    " ORDER BY n.id LIMIT ?4")) == NULL)
		return -1;
	q_bind_text(p, 1, status);
	q_bind_int(p, 2, lo);
	q_bind_int(p, 3, hi);
	q_bind_int(p, 4, limit);
	q_bind_int(p, 5, *upto);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		r.id = q_int(p, 0);
		r.event_id = q_int(p, 1);
		r.attempt = q_int(p, 2);
		r.at = (time_t)q_int(p, 3);
		r.endpoint = store_text_at(p, 4);
		r.type = store_text_at(p, 5);
		r.resource = store_text_at(p, 6);
		r.output = store_text_at(p, 7);
		r.error = store_text_at(p, 8);
		n++;
		if (cb(arg, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	q_free(p);
	return rc == SQLITE_DONE ? n : -1;
}

/*
 * Deletes notices: of status (NULL: any) up to id upto (0: any) whose
 * attempt is within [lo, hi], or (status NULL) all. 0, or -1.
 */
int
store_notices_drop(struct store *st, const char *status, int lo, int hi,
    long long upto)
{
	struct stq *p;
	int rc;

	if (store_begin(st) != SQLITE_OK)
		return -1;
	if ((p = q_prepare(st, "DELETE FROM notices"
	    " WHERE CAST(?1 AS TEXT) IS NULL"
	    " OR (status = ?1 AND attempt BETWEEN ?2 AND ?3"
	    " AND (?4 = 0 OR id <= ?4))")) == NULL) {
		store_rollback(st);
		return -1;
	}
	if (status != NULL)
		q_bind_text(p, 1, status);
	q_bind_int(p, 2, lo);
	q_bind_int(p, 3, hi);
	q_bind_int(p, 4, upto);
	rc = q_step(p);
	q_free(p);
	if (rc != SQLITE_DONE) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, 0) == SQLITE_OK ? 0 : -1;
}

/* When the newest notice was written (0: none wait), or -1. */
long long
store_notices_newest(struct store *st)
{
	struct stq *p;
	long long t = -1;

	if ((p = q_prepare(st, "SELECT coalesce(max(created_at), 0)"
	    " FROM notices")) == NULL)
		return -1;
	if (q_step(p) == SQLITE_ROW)
		t = q_int(p, 0);
	q_free(p);
	return t;
}

/*
 * Each endpoint's refused requests (4xx: rejects keeps every one,
 * counted) in the hour to now and in the 23 hours before it, with the
 * latest reason. Rows given, or -1. (rejects holds at most REJECTS_CAP
 * rows: a day of heavy refusals may be cut short.)
 */
int
store_refused(struct store *st, time_t now,
    int (*cb)(void *, const char *, long long, long long, const char *),
    void *arg)
{
	struct stq *p;
	int rc, n = 0;

	if ((p = q_prepare(st, "SELECT endpoint,"
	    " sum(CASE WHEN received_at > ?1 - 3600 THEN count ELSE 0 END),"
	    " sum(CASE WHEN received_at <= ?1 - 3600 THEN count ELSE 0 END),"
	    " (SELECT reason FROM rejects r2 WHERE r2.endpoint = r.endpoint"
	    "  ORDER BY id DESC LIMIT 1)"
	    " FROM rejects r WHERE received_at > ?1 - 86400 AND endpoint <> ''"
	    " GROUP BY endpoint")) == NULL)
		return -1;
	q_bind_int(p, 1, now);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		n++;
		if (cb(arg, q_text(p, 0),
		    q_int(p, 1), q_int(p, 2),
		    q_text(p, 3)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	q_free(p);
	return rc == SQLITE_DONE ? n : -1;
}

/* When the endpoint's newest event arrived (*at 0: never). 0, or -1. */
int
store_last_event(struct store *st, const char *endpoint, time_t *at)
{
	struct stq *p;
	int rc;

	*at = 0;
	if ((p = q_prepare(st, "SELECT coalesce(max(received_at), 0)"
	    " FROM events WHERE endpoint = ?1")) == NULL)
		return -1;
	q_bind_text(p, 1, endpoint);
	if ((rc = q_step(p)) == SQLITE_ROW)
		*at = (time_t)q_int(p, 0);
	q_free(p);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * The events a prune may take: received before ?1, of endpoint ?2 (or,
 * with ?2 NULL, of an endpoint not in the JSON array ?3), whose hook
 * is neither waiting (queued, pending, failed with a retry to come) nor
 * running. The receipt index finds the old ones.
 */
#define PRUNE_WHERE \
    " FROM events e WHERE e.received_at < ?1" \
    " AND (e.endpoint = ?2 OR (CAST(?2 AS TEXT) IS NULL" \
    "  AND e.endpoint NOT IN" \
    "  (SELECT value FROM json_each(?3))))"
#define PRUNE_WAITING \
    " (EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id" \
    "  AND (d.status IN ('pending', 'running') OR (d.status = 'failed'" \
    "  AND d.next_attempt_at IS NOT NULL)))" \
    " OR e.id IN (SELECT event_id FROM hook_queue))"

static int
count1(struct store *st, const char *sql, const struct prune_row *r,
    const char *others, long long *out)
{
	struct stq *p;
	int rc;

	if ((p = q_prepare(st, sql)) == NULL) {
		store_log(st, "prune prepare");
		return -1;
	}
	q_bind_int(p, 1, r->before);
	if (r->endpoint != NULL)
		q_bind_text(p, 2, r->endpoint);
	q_bind_text(p, 3, others);
	if ((rc = q_step(p)) == SQLITE_ROW)
		*out += q_int(p, 0);
	q_free(p);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * One prune step for r (its endpoint and before): with dry_run, counts
 * what would go; else deletes at most batch events, their deliveries
 * and notices, in one write transaction. Adds to r's counts. Returns 1
 * when more may be left (a full batch), 0 when done, -1 on an error.
 * others is a JSON array of the endpoints the config has.
 */
int
store_prune(struct store *st, struct prune_row *r, const char *others,
    int dry_run, long long batch)
{
	long long n = 0, spared = 0;
	struct stq *p;
	int rc;

	if (dry_run) {
		if (count1(st, "SELECT count(*)" PRUNE_WHERE " AND NOT"
		    PRUNE_WAITING, r, others, &r->events) == -1 ||
		    count1(st, "SELECT count(*) FROM deliveries WHERE event_id"
		    " IN (SELECT e.id" PRUNE_WHERE " AND NOT" PRUNE_WAITING ")",
		    r, others, &r->deliveries) == -1 ||
		    count1(st, "SELECT count(*)" PRUNE_WHERE " AND"
		    PRUNE_WAITING, r, others, &r->spared) == -1)
			return -1;
		return 0;
	}
	if (store_begin(st) != SQLITE_OK)
		return -1;
	/* (Unqualified, a temporary table is found first in both.) */
	if (store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS prune_ids"
	    " (id BIGINT PRIMARY KEY); DELETE FROM prune_ids") != SQLITE_OK)
		goto fail;
	if ((p = q_prepare(st, "INSERT INTO prune_ids"
	    " SELECT e.id" PRUNE_WHERE " AND NOT" PRUNE_WAITING
	    " ORDER BY e.received_at LIMIT ?4")) == NULL)
		goto fail;
	q_bind_int(p, 1, r->before);
	if (r->endpoint != NULL)
		q_bind_text(p, 2, r->endpoint);
	q_bind_text(p, 3, others);
	q_bind_int(p, 4, batch);
	rc = q_step(p);
	q_free(p);
	if (rc != SQLITE_DONE)
		goto fail;
	n = store_changes(st);
	if (n > 0 && (count1(st, "SELECT count(*) FROM deliveries WHERE"
	    " event_id IN (SELECT id FROM prune_ids)", r, others,
	    &r->deliveries) == -1 ||
	    store_exec(st, "DELETE FROM notices WHERE event_id IN"
	    " (SELECT id FROM prune_ids); DELETE FROM events WHERE id IN"
	    " (SELECT id FROM prune_ids)") != SQLITE_OK))
		goto fail;
	/* The spared are counted once, by the last step. */
	if (n < batch && count1(st, "SELECT count(*)" PRUNE_WHERE " AND"
	    PRUNE_WAITING, r, others, &spared) == -1)
		goto fail;
	if (store_commit(st, 0) != SQLITE_OK)
		return -1;
	r->events += n;
	r->spared += spared;
	return n >= batch;
 fail:
	store_log(st, "prune");
	store_rollback(st);
	return -1;
}

/*
 * Gives up to pages free pages back to the file system (a file in
 * auto_vacuum=INCREMENTAL; others keep them for reuse). Returns the
 * pages freed, or -1.
 */
long long
store_vacuum(struct store *st, int pages)
{
	struct stq *p;
	long long before = -1, after = -1;
	char sql[64];

	/* PostgreSQL's autovacuum gives space back on its own. */
	if (st->pg)
		return 0;
	if ((p = q_prepare(st, "PRAGMA freelist_count")) == NULL)
		return -1;
	if (q_step(p) == SQLITE_ROW)
		before = q_int(p, 0);
	q_reset(p);
	if (before <= 0) {
		q_free(p);
		return before;
	}
	snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%d)", pages);
	if (store_begin(st) != SQLITE_OK) {
		q_free(p);
		return -1;
	}
	if (store_exec(st, sql) != SQLITE_OK) {
		store_log(st, "incremental_vacuum");
		store_rollback(st);
		q_free(p);
		return -1;
	}
	if (store_commit(st, 0) != SQLITE_OK) {
		q_free(p);
		return -1;
	}
	if (q_step(p) == SQLITE_ROW)
		after = q_int(p, 0);
	q_free(p);
	return after >= 0 ? before - after : -1;
}

/*
 * A file made before auto_vacuum was set keeps freed pages for reuse
 * but never gives them back: one VACUUM (which rewrites the file, and
 * needs as much free disk again) makes it incremental. Said in err;
 * returns 1 when converted, 0 when it already was, -1 when it failed.
 */
int
store_upkeep_vacuum_mode(struct store *st, struct buf *err)
{
	struct stq *p;
	int mode = -1;

	if (st->pg)
		return 0;
	if ((p = q_prepare(st, "PRAGMA auto_vacuum")) != NULL &&
	    q_step(p) == SQLITE_ROW)
		mode = (int)q_int(p, 0);
	q_free(p);
	if (mode == 2)
		return 0;
	if (store_exec(st, "PRAGMA auto_vacuum=INCREMENTAL; VACUUM") !=
	    SQLITE_OK) {
		buf_printf(err, "could not switch the database to incremental "
		    "vacuum (%s): pruned space is reused but not given back; "
		    "run `hookbox init` again when it is idle\n",
		    sqlite3_errmsg(st->db));
		return -1;
	}
	return 1;
}
