/*
 * The store: the hook runner's side. A runner claims a delivery, records
 * its hook's start and its result (store_claim, store_started), dispatches
 * queued events into deliveries, and `hookbox replay` queues an event's
 * hook again. The connection and transactions are store.c's.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <sqlite3.h>

#include "store_int.h"

#define DISPATCH_MAX	64	/* queued events given deliveries per claim */

static const char *const sql[S__MAX] = {
	/* Attempts whose runner stopped without finishing */
	[S_EXPIRED] =
	    "SELECT id, pid, pid_start FROM deliveries WHERE status = 'running'"
	    " AND lease_until < ?1",
	/* Such an attempt failed; it is retried at once */
	[S_RECOVER] =
	    "UPDATE deliveries SET status = 'failed', finished_at = ?2,"
	    " next_attempt_at = ?2, lease_until = NULL,"
	    " error = 'the runner stopped during this attempt' WHERE id = ?1",
	[S_RUNNING] =
	    "SELECT count(*) FROM deliveries WHERE status = 'running'",
	/*
	 * The oldest due delivery whose resource is free: no other attempt
	 * of the same endpoint and resource is running, and none of an
	 * earlier event is still waiting (README "Write a hook": a
	 * resource's events one at a time, in the order they arrived). The
	 * partial index yields waiting rows in id order, so the first that
	 * qualifies ends the scan, however long the backlog. (PostgreSQL
	 * also locks the row it returns, and passes over one locked.)
	 */
	[S_CANDIDATE] =
	    "SELECT d.id, d.event_id, d.attempt, d.status, d.hook, e.endpoint,"
	    " e.provider, e.event_type, e.event_key, e.resource_id,"
	    " e.received_at, e.method, e.query, e.body"
	    " FROM deliveries d INDEXED BY deliveries_waiting"
	    " JOIN events e ON e.id = d.event_id"
	    " WHERE d.status IN ('pending', 'failed')"
	    " AND d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ?1"
	    " AND (d.resource_id = '' OR NOT EXISTS (SELECT 1 FROM deliveries o"
	    "  WHERE o.endpoint = d.endpoint AND o.resource_id = d.resource_id"
	    "  AND o.id <> d.id AND (o.status = 'running' OR"
	    "  (o.status IN ('pending', 'failed') AND o.next_attempt_at IS NOT NULL"
	    "  AND o.event_id < d.event_id))))"
	    " ORDER BY d.id LIMIT 1 /* SKIP LOCKED */",
	[S_CLAIM_PENDING] =
	    "UPDATE deliveries SET status = 'running', started_at = ?2,"
	    " lease_until = ?3, next_attempt_at = NULL WHERE id = ?1",
	/* A failed attempt's retry is starting */
	[S_CLAIM_SUPERSEDE] =
	    "UPDATE deliveries SET next_attempt_at = NULL WHERE id = ?1",
	[S_CLAIM_RETRY] =
	    "INSERT INTO deliveries (event_id, endpoint, resource_id, hook,"
	    " attempt, status, created_at, started_at, lease_until)"
	    " SELECT event_id, endpoint, resource_id, hook, attempt + 1,"
	    " 'running', ?2, ?2, ?3 FROM deliveries WHERE id = ?1 RETURNING id",
	[S_STARTED] =
	    "UPDATE deliveries SET pid = ?2, pid_start = ?4, lease_until = ?3"
	    " WHERE id = ?1",
	[S_FINISH] =
	    "UPDATE deliveries SET status = ?2, exit_code = ?3, signal = ?4,"
	    " output = ?5, error = ?6, finished_at = ?7, next_attempt_at = ?8,"
	    " lease_until = NULL WHERE id = ?1 AND status = 'running'",
	/* Is there work a runner could start now? */
	[S_DUE] =
	    "SELECT (EXISTS (SELECT 1 FROM hook_queue)"
	    " OR EXISTS (SELECT 1 FROM deliveries WHERE"
	    "  status IN ('pending', 'failed') AND next_attempt_at <= ?1)"
	    " OR EXISTS (SELECT 1 FROM deliveries WHERE status = 'running'"
	    "  AND lease_until < ?1))"
	    " AND (SELECT count(*) FROM deliveries WHERE status = 'running') < ?2",
	/* (1, long past, while events wait in the queue) */
	[S_NEXT_DUE] =
	    "SELECT CASE WHEN EXISTS (SELECT 1 FROM hook_queue) THEN 1 ELSE"
	    " (SELECT min(next_attempt_at) FROM deliveries"
	    " WHERE status IN ('pending', 'failed') AND next_attempt_at IS NOT NULL)"
	    " END",
	/* The newest event (the end of the rowid b-tree) */
	[S_NEWEST] =
	    "SELECT max(id) FROM events",
	/* An event's newest delivery */
	[S_LATEST] =
	    "SELECT id, status, next_attempt_at FROM deliveries WHERE event_id = ?1"
	    " ORDER BY id DESC LIMIT 1",
	[S_REQUEUE] =
	    "UPDATE deliveries SET next_attempt_at = ?2 WHERE id = ?1",
	[S_REPLAY] =
	    "INSERT INTO deliveries (event_id, endpoint, resource_id, hook,"
	    " attempt, status, next_attempt_at, created_at)"
	    " SELECT id, endpoint, resource_id, ?2, 1, 'pending', ?3, ?3"
	    " FROM events WHERE id = ?1",
	/* The last of the next ?1 queued events */
	[S_QUEUE_UPTO] =
	    "SELECT max(id) FROM (SELECT id FROM hook_queue ORDER BY id"
	    " LIMIT ?1) AS q",
	/*
	 * Their deliveries, in the order they arrived (so a
	 * resource's events keep their order). An event pruned meanwhile
	 * has none.
	 */
	[S_DISPATCH] =
	    "INSERT INTO deliveries (event_id, endpoint, resource_id, hook,"
	    " attempt, status, next_attempt_at, created_at)"
	    " SELECT q.event_id, e.endpoint, e.resource_id, q.hook, 1, 'pending',"
	    " q.queued_at, q.queued_at FROM hook_queue q JOIN events e"
	    " ON e.id = q.event_id WHERE q.id <= ?1 ORDER BY q.id",
	[S_UNQUEUE] =
	    "DELETE FROM hook_queue WHERE id <= ?1",
	/*
	 * PostgreSQL's dispatch, in one statement. Its receivers insert
	 * without the runner's lock, so a queued row may commit after one
	 * with a higher id was read: the deliveries made are exactly for
	 * the rows deleted.
	 */
	[S_DISPATCH_TAKE] =
	    "WITH q AS (DELETE FROM hook_queue WHERE id IN (SELECT id FROM"
	    " hook_queue ORDER BY id LIMIT ?1)"
	    " RETURNING id, event_id, hook, queued_at)"
	    " INSERT INTO deliveries (event_id, endpoint, resource_id, hook,"
	    " attempt, status, next_attempt_at, created_at)"
	    " SELECT q.event_id, e.endpoint, e.resource_id, q.hook, 1, 'pending',"
	    " q.queued_at, q.queued_at FROM q JOIN events e ON e.id = q.event_id"
	    " ORDER BY q.id",
	/*
	 * Mark done: the owner has seen to it. A delivery waiting for a
	 * retry stops (dead); one already dead keeps its error.
	 */
	[S_MARK_DONE] =
	    "UPDATE deliveries SET done_at = ?2, next_attempt_at = NULL,"
	    " status = 'dead', error = CASE WHEN status = 'dead' THEN error"
	    " ELSE 'stopped: marked done by the owner' END"
	    " WHERE id = ?1 AND done_at IS NULL",
	/* Is this event still queued? (the CLI's; a short scan) */
	[S_QUEUED] =
	    "SELECT 1 FROM hook_queue WHERE event_id = ?1",
};

/* The names the deliveries table stores, by state. */
static const char *const status_names[DS__MAX] = {
	[DS_PENDING] = "pending",
	[DS_RUNNING] = "running",
	[DS_SUCCEEDED] = "succeeded",
	[DS_FAILED] = "failed",
	[DS_DEAD] = "dead",
};

const char *
delivery_status_name(enum delivery_status s)
{
	return (unsigned)s < DS__MAX ? status_names[s] : "?";
}

/* The state a stored name stands for; DS__MAX for none. */
enum delivery_status
delivery_status_of(const char *name)
{
	enum delivery_status s;

	for (s = 0; name != NULL && s < DS__MAX; s++)
		if (strcmp(name, status_names[s]) == 0)
			return s;
	return DS__MAX;
}

/* A statement of this file's, prepared once (store_stmt). */
static struct stq *
stmt(struct store *st, enum stmt s)
{
	return store_stmt(st, s, sql[s]);
}

static char *
col_dup(struct stq *p, int i)
{
	const char *s = q_text(p, i);

	return strdup(s != NULL ? s : "");
}

void
delivery_free(struct delivery *d)
{
	free(d->hook);
	free(d->endpoint);
	free(d->provider);
	free(d->type);
	free(d->key);
	free(d->resource);
	free(d->method);
	free(d->query);
	buf_free(&d->body);
	memset(d, 0, sizeof(*d));
}

/*
 * Attempts whose runner died (its lease ran out) are failed attempts:
 * what is left of the hook's process group is killed first, so that the
 * retry never runs beside it.
 */
static int
recover(struct store *st, time_t now)
{
	struct stq *p, *u;
	int rc;

	if ((p = stmt(st, S_EXPIRED)) == NULL)
		return SQLITE_ERROR;
	q_bind_int(p, 1, now);
	while ((rc = q_step(p)) == SQLITE_ROW) {
		long long id = q_int(p, 0);
		pid_t pid = (pid_t)q_int(p, 1);
		long long now_start, start = q_int(p, 2);

		/*
		 * The hook led its own process group. Linux does not reuse
		 * an id while a group of that id lives, so the group is
		 * still ours unless a process with that pid exists and
		 * started at another time.
		 */
		now_start = pid > 1 ? hb_proc_start(pid) : -1;
		if (pid > 1 && (now_start == -1 || now_start == start))
			kill(-pid, SIGKILL);
		if ((u = stmt(st, S_RECOVER)) == NULL)
			break;
		q_bind_int(u, 1, id);
		q_bind_int(u, 2, now);
		if (q_step(u) != SQLITE_DONE) {
			q_reset(u);
			break;
		}
		q_reset(u);
	}
	q_reset(p);
	return rc == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
}

/* Ends an attempt. next_at is when a failed attempt is retried, or 0. */
static int
finish(struct store *st, const struct attempt_result *res)
{
	struct stq *p = stmt(st, S_FINISH);

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, res->delivery);
	q_bind_text(p, 2, delivery_status_name(res->status));
	if (res->exit_code >= 0)
		q_bind_int(p, 3, res->exit_code);
	if (res->signal > 0)
		q_bind_int(p, 4, res->signal);
	q_bind_text(p, 5, res->output != NULL ? res->output : "");
	if (res->error[0] != '\0')
		q_bind_text(p, 6, res->error);
	q_bind_int(p, 7, res->finished_at);
	if (res->next_at > 0)
		q_bind_int(p, 8, res->next_at);
	return store_step_done(p);
}

/*
 * Gives the oldest queued events (DISPATCH_MAX at most) their deliveries
 * rows, inside the caller's write transaction. A few at a time: the
 * receivers wait for the write lock meanwhile. Returns 0 or -1.
 */
static int
dispatch(struct store *st)
{
	struct stq *p;
	long long upto = 0;
	int rc;

	if (st->pg) {
		if ((p = stmt(st, S_DISPATCH_TAKE)) == NULL)
			return -1;
		q_bind_int(p, 1, DISPATCH_MAX);
		return store_step_done(p);
	}
	if ((p = stmt(st, S_QUEUE_UPTO)) == NULL)
		return -1;
	q_bind_int(p, 1, DISPATCH_MAX);
	rc = q_step(p);
	if (rc == SQLITE_ROW && !q_null(p, 0))
		upto = q_int(p, 0);
	q_reset(p);
	if (rc != SQLITE_ROW)
		return -1;
	if (upto == 0)
		return 0;	/* an empty queue */
	if ((p = stmt(st, S_DISPATCH)) == NULL)
		return -1;
	q_bind_int(p, 1, upto);
	if (store_step_done(p) == -1 || (p = stmt(st, S_UNQUEUE)) == NULL)
		return -1;
	q_bind_int(p, 1, upto);
	return store_step_done(p);
}

/*
 * A hook must not run for an event that a power cut could still take
 * away: a receiver commits, lets go of the write lock and only then
 * fsyncs the WAL (store_wal_sync), so a runner can read an event in between.
 * An fsync of the WAL here covers its frames, whoever wrote them, and
 * those of every event up to the newest one read before it, so one fsync
 * serves a run of claims. Without a WAL a commit is synced before the
 * lock is let go. Returns 0, or -1: the hook must not run (its lease
 * runs out and the attempt counts as failed, to be retried).
 */
static int
claim_durable(struct store *st, const struct delivery *d)
{
	long long newest;

	if (!st->wal || d->event_id <= st->durable_upto)
		return 0;
	if ((newest = store_newest_event(st)) < d->event_id ||
	    store_wal_fsync(st) != SQLITE_OK)
		return -1;
	st->durable_upto = newest;
	return 0;
}

/*
 * The claim's upkeep, first in its transaction: the runner's last attempt
 * (done, or NULL) is recorded, attempts whose runner died are failed, and
 * the oldest queued events get their deliveries. Returns 0 or -1.
 */
static int
claim_upkeep(struct store *st, time_t now, const struct attempt_result *done)
{
	if ((done != NULL && done->delivery > 0 && finish(st, done) == -1) ||
	    recover(st, now) != SQLITE_OK || dispatch(st) == -1)
		return -1;
	return 0;
}

/*
 * The attempts running now, in every process; max_running when they
 * cannot be counted (then nothing starts). -1 on a store error.
 */
static int
running_count(struct store *st, int max_running)
{
	struct stq *p;
	int running;

	if ((p = stmt(st, S_RUNNING)) == NULL)
		return -1;
	running = q_step(p) == SQLITE_ROW ? q_int(p, 0) :
	    max_running;
	q_reset(p);
	return running;
}

/*
 * The oldest delivery due at now whose resource is free (S_CANDIDATE),
 * into *d. Returns 1, 0 when there is none, -1 on an error.
 */
static int
candidate(struct store *st, time_t now, struct delivery *d)
{
	struct stq *p;
	int rc, found = 0;

	if ((p = stmt(st, S_CANDIDATE)) == NULL)
		return -1;
	q_bind_int(p, 1, now);
	rc = q_step(p);
	if (rc == SQLITE_ROW) {
		const char *status = q_text(p, 3);

		found = 1;
		d->id = q_int(p, 0);
		d->event_id = q_int(p, 1);
		d->attempt = q_int(p, 2);
		d->retry = delivery_status_of(status) == DS_FAILED;
		d->hook = col_dup(p, 4);
		d->endpoint = col_dup(p, 5);
		d->provider = col_dup(p, 6);
		d->type = col_dup(p, 7);
		d->key = col_dup(p, 8);
		d->resource = col_dup(p, 9);
		d->received_at = (time_t)q_int(p, 10);
		d->method = col_dup(p, 11);
		d->query = col_dup(p, 12);
		buf_add(&d->body, q_blob(p, 13) != NULL ?
		    q_blob(p, 13) : "",
		    (size_t)q_bytes(p, 13));
	}
	q_reset(p);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (found && (d->hook == NULL || d->query == NULL ||
	    d->body.data == NULL))
		return -1;
	return found;
}

/*
 * Marks the candidate *d running under a lease that ends at now + lease.
 * A failed attempt stays as history and its retry is a new row, whose id
 * and attempt number *d then takes. Returns 0 or -1.
 */
static int
take(struct store *st, time_t now, int lease, struct delivery *d)
{
	struct stq *p;

	if (d->retry) {
		if ((p = stmt(st, S_CLAIM_SUPERSEDE)) == NULL)
			return -1;
		q_bind_int(p, 1, d->id);
		if (store_step_done(p) == -1 ||
		    (p = stmt(st, S_CLAIM_RETRY)) == NULL)
			return -1;
		q_bind_int(p, 1, d->id);
		q_bind_int(p, 2, now);
		q_bind_int(p, 3, now + lease);
		if (q_step(p) != SQLITE_ROW) {
			q_reset(p);
			return -1;
		}
		d->id = q_int(p, 0);
		q_reset(p);
		d->attempt++;
		return 0;
	}
	if ((p = stmt(st, S_CLAIM_PENDING)) == NULL)
		return -1;
	q_bind_int(p, 1, d->id);
	q_bind_int(p, 2, now);
	q_bind_int(p, 3, now + lease);
	return store_step_done(p);
}

/*
 * Records the runner's last attempt (done, or NULL) and claims the next
 * delivery it may start, in one write transaction: so that concurrent
 * CGI processes never claim the same one. Respects max_running across
 * every process. Returns 1 with *d filled (the caller frees it with
 * delivery_free), 0 when nothing may start now, -1 on a store error (the
 * attempt is then not recorded: its lease expires and it counts as
 * failed). The claim carries a short lease until store_started records
 * the hook's process: the fork happens between the two transactions, not
 * inside one, because a runner at nice 19 that is preempted while it
 * holds the write lock stalls every receiver.
 */
int
store_claim(struct store *st, time_t now, int max_running, int lease,
    const struct attempt_result *done, struct delivery *d)
{
	int running, found;

	memset(d, 0, sizeof(*d));
	/*
	 * Most runners find nothing to start (the cap is reached, or no work
	 * is due): they learn it from a read and never take the write lock
	 * the receivers need.
	 */
	if (done == NULL && store_due(st, now, max_running) == 0)
		return 0;
	if (store_begin(st) != SQLITE_OK)
		return -1;
	if (claim_upkeep(st, now, done) == -1 ||
	    (running = running_count(st, max_running)) == -1)
		goto fail;
	if (running >= max_running) {
		store_commit(st, 1);
		return 0;
	}
	if ((found = candidate(st, now, d)) == -1)
		goto fail;
	if (!found) {
		store_commit(st, 1);
		return 0;
	}
	if (take(st, now, lease, d) == -1)
		goto fail;
	if (store_commit(st, 1) != SQLITE_OK || claim_durable(st, d) == -1) {
		delivery_free(d);
		return -1;
	}
	return 1;
 fail:
	store_log(st, "claim");
	store_rollback(st);
	delivery_free(d);
	return -1;
}

/*
 * Records a claimed delivery's hook process and its real lease, in a
 * transaction of its own. Returns 0, or -1 when it could not be
 * recorded: the caller must then not let the hook run.
 */
int
store_started(struct store *st, long long id, pid_t pid, long long pid_start,
    time_t lease_until)
{
	struct stq *p;

	if (store_begin(st) != SQLITE_OK)
		return -1;
	if ((p = stmt(st, S_STARTED)) == NULL)
		goto fail;
	q_bind_int(p, 1, id);
	q_bind_int(p, 2, pid);
	q_bind_int(p, 3, lease_until);
	q_bind_int(p, 4, pid_start);
	if (store_step_done(p) == -1)
		goto fail;
	return store_commit(st, 1) == SQLITE_OK ? 0 : -1;
 fail:
	store_log(st, "started");
	store_rollback(st);
	return -1;
}

/* 1 when a runner could start work now, 0 when not, -1 on error. */
int
store_due(struct store *st, time_t now, int max_running)
{
	struct stq *p = stmt(st, S_DUE);
	int rc, due = -1;

	if (p == NULL)
		return -1;
	q_bind_int(p, 1, now);
	q_bind_int(p, 2, max_running);
	if ((rc = q_step(p)) == SQLITE_ROW)
		due = q_int(p, 0);
	q_reset(p);
	return due;
}

/* When the next waiting delivery falls due, or 0 if none waits. */
time_t
store_next_due(struct store *st)
{
	struct stq *p = stmt(st, S_NEXT_DUE);
	time_t t = 0;

	if (p == NULL)
		return 0;
	if (q_step(p) == SQLITE_ROW &&
	    !q_null(p, 0))
		t = (time_t)q_int(p, 0);
	q_reset(p);
	return t;
}

/* The newest event's id (0 with none), or -1 on error. */
long long
store_newest_event(struct store *st)
{
	struct stq *p = stmt(st, S_NEWEST);
	long long id = -1;

	if (p == NULL)
		return -1;
	if (q_step(p) == SQLITE_ROW)
		id = q_int(p, 0);
	q_reset(p);
	return id;
}

/*
 * Inside a write transaction: while the event still waits in hook_queue,
 * gives it its delivery (dispatch), so that what follows finds one.
 * 0, or -1 on an error.
 */
static int
dispatch_queued(struct store *st, long long event_id)
{
	struct stq *p;
	int rc;

	for (;;) {
		if ((p = stmt(st, S_QUEUED)) == NULL)
			return -1;
		q_bind_int(p, 1, event_id);
		rc = q_step(p);
		q_reset(p);
		if (rc == SQLITE_DONE)
			return 0;
		if (rc != SQLITE_ROW || dispatch(st) == -1)
			return -1;
	}
}

/*
 * `hookbox replay ID`: the event's hook runs again, as a new series of
 * attempts. A delivery still waiting is made due now instead; one that
 * is running is left alone.
 */
enum replay_result
store_replay(struct store *st, long long event_id, const char *hook,
    time_t now)
{
	enum replay_result result = REPLAY_DUE;
	struct stq *p;
	int rc;

	if (store_begin(st) != SQLITE_OK)
		return REPLAY_ERROR;
	/* A queued event has its delivery first, then it is replayed. */
	if (dispatch_queued(st, event_id) == -1)
		goto fail;
	if ((p = stmt(st, S_LATEST)) == NULL)
		goto fail;
	q_bind_int(p, 1, event_id);
	rc = q_step(p);
	if (rc == SQLITE_ROW) {
		long long id = q_int(p, 0);
		const char *status = q_text(p, 1);
		int waiting = !q_null(p, 2);

		if (delivery_status_of(status) == DS_RUNNING)
			result = REPLAY_RUNNING;
		else if (waiting) {
			q_reset(p);
			if ((p = stmt(st, S_REQUEUE)) == NULL)
				goto fail;
			q_bind_int(p, 1, id);
			q_bind_int(p, 2, now);
			if (store_step_done(p) == -1)
				goto fail;
			return store_commit(st, 1) == SQLITE_OK ? REPLAY_DUE :
			    REPLAY_ERROR;
		}
	} else if (rc != SQLITE_DONE)
		goto fail;
	q_reset(p);
	if (result == REPLAY_DUE) {
		if ((p = stmt(st, S_REPLAY)) == NULL)
			goto fail;
		q_bind_int(p, 1, event_id);
		q_bind_text(p, 2, hook);
		q_bind_int(p, 3, now);
		if (store_step_done(p) == -1)
			goto fail;
		if (store_changes(st) == 0)
			result = REPLAY_NO_EVENT;
	}
	if (store_commit(st, 1) != SQLITE_OK)
		return REPLAY_ERROR;
	return result;
 fail:
	store_log(st, "replay");
	store_rollback(st);
	return REPLAY_ERROR;
}

/*
 * `hookbox done ID` and the inbox's Mark done: the event's hook is not
 * retried any more, and the event leaves the inbox's list of what needs
 * attention. Its newest delivery keeps its attempts; one waiting for a
 * retry becomes dead. A running hook is left alone, and a hook that
 * succeeded has nothing to stop.
 */
enum done_result
store_mark_done(struct store *st, long long event_id, time_t now)
{
	enum done_result result = DONE_NOTHING;
	struct stq *p;
	int rc;

	if (store_begin(st) != SQLITE_OK)
		return DONE_ERROR;
	if (dispatch_queued(st, event_id) == -1)
		goto fail;
	if ((p = stmt(st, S_LATEST)) == NULL)
		goto fail;
	q_bind_int(p, 1, event_id);
	if ((rc = q_step(p)) == SQLITE_ROW) {
		long long id = q_int(p, 0);
		enum delivery_status ds = delivery_status_of(
		    q_text(p, 1));

		q_reset(p);
		if (ds == DS_RUNNING)
			result = DONE_RUNNING;
		else if (ds != DS_SUCCEEDED) {
			if ((p = stmt(st, S_MARK_DONE)) == NULL)
				goto fail;
			q_bind_int(p, 1, id);
			q_bind_int(p, 2, now);
			if (store_step_done(p) == -1)
				goto fail;
			if (store_changes(st) > 0)
				result = DONE_OK;
		}
	} else if (rc != SQLITE_DONE)
		goto fail;
	q_reset(p);
	if (store_commit(st, 1) != SQLITE_OK)
		return DONE_ERROR;
	return result;
 fail:
	store_log(st, "mark done");
	store_rollback(st);
	return DONE_ERROR;
}
