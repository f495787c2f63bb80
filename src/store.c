/*
 * The store: one SQLite file. Every statement that writes is here,
 * prepared once with bound parameters and kept for the life of the
 * connection (a FastCGI process serves many requests with one).
 *
 * Durability: what synchronous=FULL gives, a COMMIT on the disk before
 * the sender gets its 2xx (DESIGN.md "Answers"), but with the WAL's
 * fsync after the write lock is let go (wal_sync). UNIQUE(endpoint,
 * event_key) makes a redelivery harmless.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hookbox.h"

#define SCHEMA_VERSION	3
#define HB_STR_(x)	#x
#define HB_STR(x)	HB_STR_(x)
#define DISPATCH_MAX	64	/* queued events given deliveries per claim */

/* The public schema (DESIGN.md "Store"); users query it. */
static const char schema_v1[] =
"CREATE TABLE IF NOT EXISTS events (\n"
"  id INTEGER PRIMARY KEY,\n"
"  endpoint TEXT NOT NULL,\n"
"  provider TEXT NOT NULL,\n"
"  event_type TEXT NOT NULL,\n"
"  event_key TEXT NOT NULL,\n"
"  resource_id TEXT NOT NULL DEFAULT '',\n"
"  received_at INTEGER NOT NULL,\n"
"  method TEXT NOT NULL,\n"
"  query TEXT NOT NULL DEFAULT '',\n"
"  content_type TEXT NOT NULL DEFAULT '',\n"
"  headers TEXT NOT NULL DEFAULT '{}',\n"
"  body BLOB NOT NULL,\n"
"  remote_addr TEXT NOT NULL DEFAULT '',\n"
"  proof TEXT NOT NULL DEFAULT '',\n"
"  UNIQUE(endpoint, event_key)\n"
");\n"
"CREATE INDEX IF NOT EXISTS events_received ON events(received_at);\n"
"CREATE TABLE IF NOT EXISTS deliveries (\n"
"  id INTEGER PRIMARY KEY,\n"
"  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,\n"
"  endpoint TEXT NOT NULL,\n"
"  resource_id TEXT NOT NULL DEFAULT '',\n"
"  hook TEXT NOT NULL,\n"
"  attempt INTEGER NOT NULL,\n"
"  status TEXT NOT NULL CHECK (status IN\n"
"    ('pending', 'running', 'succeeded', 'failed', 'dead')),\n"
"  next_attempt_at INTEGER,\n"
"  lease_until INTEGER,\n"
"  pid INTEGER,\n"
"  pid_start INTEGER,\n"
"  exit_code INTEGER,\n"
"  signal INTEGER,\n"
"  output TEXT,\n"
"  error TEXT,\n"
"  created_at INTEGER NOT NULL,\n"
"  started_at INTEGER,\n"
"  finished_at INTEGER\n"
");\n"
"CREATE INDEX IF NOT EXISTS deliveries_due\n"
"  ON deliveries(status, next_attempt_at);\n"
"CREATE INDEX IF NOT EXISTS deliveries_waiting ON deliveries(id)\n"
"  WHERE status IN ('pending', 'failed') AND next_attempt_at IS NOT NULL;\n"
"CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries(event_id);\n"
"CREATE INDEX IF NOT EXISTS deliveries_resource\n"
"  ON deliveries(endpoint, resource_id, status);\n"
"CREATE TABLE IF NOT EXISTS rejects (\n"
"  id INTEGER PRIMARY KEY,\n"
"  received_at INTEGER NOT NULL,\n"
"  endpoint TEXT NOT NULL DEFAULT '',\n"
"  status INTEGER NOT NULL,\n"
"  reason TEXT NOT NULL,\n"
"  remote_addr TEXT NOT NULL DEFAULT '',\n"
"  body_head BLOB\n"
");\n";

/*
 * Version 2: hooked events wait in hook_queue until a runner gives them
 * their deliveries row (dispatch). A receiver then writes one small row
 * instead of a deliveries row and its four indexes: under a flood that
 * was 30,000 instructions and a third of a FastCGI process's time per
 * hooked event, work a runner does later, when it has the CPU.
 */
static const char schema_v2[] =
"CREATE TABLE IF NOT EXISTS hook_queue (\n"
"  id INTEGER PRIMARY KEY,\n"
"  event_id INTEGER NOT NULL,\n"
"  hook TEXT NOT NULL,\n"
"  queued_at INTEGER NOT NULL\n"
");\n";

/*
 * Version 3: a reject row counts the refusals of one cause from one
 * address in one second (insert_reject), so that a flood of refused
 * requests makes a row a second, not a row each.
 */
static const char schema_v3[] =
"ALTER TABLE rejects ADD COLUMN count INTEGER NOT NULL DEFAULT 1;\n";

enum stmt {
	S_FIND,
	S_FIND_WINDOW,
	S_INSERT,
	S_QUEUE,
	S_REJECT,
	S_REJECT_BUMP,
	S_REJECT_TRIM,
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_EXPIRED,
	S_RECOVER,
	S_RUNNING,
	S_CANDIDATE,
	S_CLAIM_PENDING,
	S_CLAIM_SUPERSEDE,
	S_CLAIM_RETRY,
	S_STARTED,
	S_FINISH,
	S_DUE,
	S_NEXT_DUE,
	S_NEWEST,
	S_LATEST,
	S_REQUEUE,
	S_REPLAY,
	S_QUEUE_UPTO,
	S_DISPATCH,
	S_UNQUEUE,
	S_QUEUED,
	S__MAX
};

static const char *const sql[S__MAX] = {
	[S_FIND] =
	    "SELECT id FROM events WHERE endpoint = ?1 AND event_key = ?2",
	/* The newest occurrence of an id-less signal */
	[S_FIND_WINDOW] =
	    "SELECT id, received_at FROM events WHERE endpoint = ?1"
	    " AND event_key >= ?2 || '@' AND event_key < ?2 || 'A'"
	    " ORDER BY id DESC LIMIT 1",
	[S_INSERT] =
	    "INSERT INTO events (endpoint, provider, event_type, event_key,"
	    " resource_id, received_at, method, query, content_type, headers,"
	    " body, remote_addr, proof)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
	    " ON CONFLICT (endpoint, event_key) DO NOTHING",
	[S_QUEUE] =
	    "INSERT INTO hook_queue (event_id, hook, queued_at) VALUES (?1, ?2, ?3)",
	[S_REJECT] =
	    "INSERT INTO rejects (received_at, endpoint, status, reason,"
	    " remote_addr, body_head) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/*
	 * The same cause from the same address in the same
	 * second counts on the newest such row, looked for among the newest
	 * rows only (a rowid range: no index to keep up).
	 */
	[S_REJECT_BUMP] =
	    "UPDATE rejects SET count = count + 1 WHERE id = (SELECT id FROM"
	    " rejects WHERE id > (SELECT max(id) FROM rejects) - 64"
	    " AND received_at = ?1 AND endpoint = ?2 AND status = ?3"
	    " AND reason = ?4 AND remote_addr = ?5 ORDER BY id DESC LIMIT 1)",
	/* Keep the newest REJECTS_CAP rows */
	[S_REJECT_TRIM] =
	    "DELETE FROM rejects WHERE id <= (SELECT max(id) FROM rejects) - ?1",
	[S_BEGIN] =
	    "BEGIN IMMEDIATE",
	[S_COMMIT] =
	    "COMMIT",
	[S_ROLLBACK] =
	    "ROLLBACK",
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
	 * The oldest due delivery whose resource is free: no
	 * other attempt of the same endpoint and resource is running, and
	 * none of an earlier event is still waiting (DESIGN.md "Hooks":
	 * order per resource). The partial index yields waiting rows in id
	 * order, so the first that qualifies ends the scan, however long
	 * the backlog.
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
	    " ORDER BY d.id LIMIT 1",
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
	    " 'running', ?2, ?2, ?3 FROM deliveries WHERE id = ?1",
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
	    "SELECT max(id) FROM (SELECT id FROM hook_queue ORDER BY id LIMIT ?1)",
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
	/* Is this event still queued? (the CLI's; a short scan) */
	[S_QUEUED] =
	    "SELECT 1 FROM hook_queue WHERE event_id = ?1",
};

/*
 * A WAL shorter than this many frames (of a page each) is left for the
 * next process; a longer one is checkpointed and emptied by the last
 * connection to close. Reading a short WAL to open the database costs
 * less than a checkpoint's fsync on every CGI request.
 */
#define WAL_KEEP_FRAMES	128

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S__MAX];
	int		 busy_ms;	/* busy_timeout_ms */
	long long	 busy_until;	/* hb_mono_ms() */
	int		 queue;		/* <database>.writers, or -1 */
	int		 queued;	/* 1 while we hold it */
	int		 wal_frames;	/* in the WAL after our last commit */
	int		 look_first;	/* redeliveries looked for unlocked */
	int		 wal;		/* journal_mode=WAL */
	int		 sync_after;	/* we fsync the WAL after each commit */
	long long	 durable_upto;	/* events to this id are on the disk */
	int		 ckpt_due;	/* a checkpoint, once that fsync is done */
	int		 told;		/* the marker has been logged */
	char		*marker;	/* <database>.fsync-failed */
};

/* Busy, locked, full, read-only, I/O: the sender should come back later. */
static enum store_err
classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ST_BUSY;
	default:
		return ST_FAIL;
	}
}

static void
store_log(struct store *st, const char *what)
{
	hb_warnx("store: %s: %s", what, sqlite3_errmsg(st->db));
}

static sqlite3_stmt *
prepare(struct store *st, sqlite3_stmt **slot, const char *text)
{
	if (*slot == NULL && sqlite3_prepare_v3(st->db, text, -1,
	    SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		store_log(st, "prepare");
		return NULL;
	}
	sqlite3_reset(*slot);
	sqlite3_clear_bindings(*slot);
	return *slot;
}

static sqlite3_stmt *
stmt(struct store *st, enum stmt s)
{
	return prepare(st, &st->stmt[s], sql[s]);
}

/* Runs a statement without results; returns the SQLite code. */
static int
exec1(struct store *st, enum stmt s)
{
	sqlite3_stmt *p = stmt(st, s);
	int rc;

	if (p == NULL)
		return SQLITE_ERROR;
	rc = sqlite3_step(p);
	sqlite3_reset(p);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static void
wake(int sig)
{
	(void)sig;	/* only to interrupt flock() */
}

/*
 * CGI processes and hook runners take turns to write by queueing, asleep
 * in the kernel, on a lock of <database>.writers, instead of all polling
 * SQLite's write lock at once: with 32 concurrent CGI writers the polling
 * cost 76 context switches per request, and the queue brings it to about
 * 25; runners polling beside a busy FastCGI committer took a seventh of
 * the CPU. It is only an optimisation: SQLite's locks still decide, and
 * without the file (a read-only folder, say) writers go to SQLite
 * directly. Past busy_timeout_ms in the queue the write fails as busy
 * (503), as it would in SQLite. SIGALRM interrupts the wait: both have
 * one thread and no other use for it. The timer repeats, so that a
 * signal landing just before flock() is entered cannot leave it waiting
 * for ever.
 */
static int
queue_enter(struct store *st)
{
	struct sigaction sa, old;
	struct itimerval it, off;
	sigset_t alrm, mask;
	int rc;

	if (st->queue == -1)
		return SQLITE_OK;
	if (flock(st->queue, LOCK_EX | LOCK_NB) == 0) {
		st->queued = 1;
		return SQLITE_OK;
	}
	if (errno != EWOULDBLOCK)
		return SQLITE_OK;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake;		/* no SA_RESTART: flock gets EINTR */
	sigemptyset(&sa.sa_mask);
	memset(&it, 0, sizeof(it));
	memset(&off, 0, sizeof(off));
	it.it_value.tv_sec = st->busy_ms / 1000;
	it.it_value.tv_usec = (st->busy_ms % 1000) * 1000L + 1;
	it.it_interval.tv_usec = 10000;
	if (sigaction(SIGALRM, &sa, &old) == -1)
		return SQLITE_OK;
	/* Blocked by whoever started us, it would never end the wait. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, &mask);
	setitimer(ITIMER_REAL, &it, NULL);
	rc = flock(st->queue, LOCK_EX);
	setitimer(ITIMER_REAL, &off, NULL);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc == 0) {
		st->queued = 1;
		return SQLITE_OK;
	}
	return errno == EINTR ? SQLITE_BUSY : SQLITE_OK;
}

static void
queue_leave(struct store *st)
{
	if (st->queued) {
		flock(st->queue, LOCK_UN);
		st->queued = 0;
	}
}

/* The queue's file beside the database; -1 if it cannot be had. */
static int
open_queue(const char *db)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s.writers", db) >= (int)sizeof(path))
		return -1;
	return open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* SQLite's own auto-checkpoint, plus a note of the WAL's length. */
static int
wal_committed(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *st = arg;

	st->wal_frames = frames;
	if (frames < 1000)
		return SQLITE_OK;
	/*
	 * Not before our own fsync (store_commit): the checkpoint's fsync of
	 * the same descriptor would take an error that fsync must report.
	 */
	if (st->sync_after)
		st->ckpt_due = 1;
	else
		sqlite3_wal_checkpoint(db, name);
	return SQLITE_OK;
}

/*
 * synchronous=FULL fsyncs the WAL inside COMMIT, holding the write lock,
 * so concurrent CGI writers took turns at the disk: at 32 at once a
 * fifth of the CPU sat idle behind one fsync. With synchronous=NORMAL
 * (which SQLite keeps safe from corruption: the WAL is synced before
 * every checkpoint) and this fsync after the lock is let go, the next
 * writer writes while we wait, and the kernel serves waiting fsyncs of
 * one file together. An fsync covers every write to the file before it,
 * whoever made it, so it also makes durable a row another writer has
 * committed but not yet synced: which is why a duplicate is synced too
 * before its 2xx (store_write).
 *
 * A failed fsync is another matter than under FULL, where the failed
 * transaction never became visible and the next writer wrote over its
 * frames. Here it is committed, and Linux may have marked its pages
 * clean: a later fsync (another process's, or the retry's) succeeds
 * without writing them, and after a power cut the WAL would end at the
 * hole, taking every event acknowledged after it along. So the failure
 * is made to stick: <database>.fsync-failed is created, and while it
 * exists nothing is acknowledged (503) until `hookbox check` has
 * written the whole WAL into the database (store_check).
 */
static int
wal_fsync(struct store *st)
{
	sqlite3_file *wal = NULL;
	int rc;

	rc = sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &wal);
	if (rc == SQLITE_OK && (wal == NULL || wal->pMethods == NULL))
		rc = SQLITE_IOERR_FSYNC;	/* a WAL database has one open */
	if (rc == SQLITE_OK)
		rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK) {
		int fd;

		hb_warnx("store: fsync of the WAL: %s; nothing is acknowledged "
		    "until `hookbox check` has made the database safe",
		    sqlite3_errstr(rc));
		fd = open(st->marker, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1)
			hb_warn("store: %s", st->marker);
		else {
			dprintf(fd, "an fsync of the WAL failed at %lld: %s\n"
			    "run `hookbox check`\n", (long long)time(NULL),
			    sqlite3_errstr(rc));
			close(fd);
		}
	}
	return rc;
}

static int
wal_sync(struct store *st)
{
	return st->sync_after ? wal_fsync(st) : SQLITE_OK;
}

/* An fsync has failed (wal_sync): nothing may be acknowledged. */
static int
unsynced(struct store *st)
{
	if (!st->sync_after || access(st->marker, F_OK) == -1)
		return 0;
	if (!st->told)
		hb_warnx("store: %s exists: an fsync failed earlier; nothing "
		    "is acknowledged until `hookbox check` has made the "
		    "database safe", st->marker);
	st->told = 1;
	return 1;
}

static int
store_begin(struct store *st)
{
	int rc;

	if ((rc = queue_enter(st)) != SQLITE_OK)
		return rc;
	if ((rc = exec1(st, S_BEGIN)) != SQLITE_OK)
		queue_leave(st);
	return rc;
}

/*
 * Commits, then (sync) fsyncs the WAL. A commit of rejects alone is not
 * synced: they are diagnostics, and a flood of refused requests must not
 * take the disk from orders (the next synced commit covers them too).
 */
static int
commit(struct store *st, int sync)
{
	int rc = exec1(st, S_COMMIT);

	if (rc != SQLITE_OK) {
		store_log(st, "commit");
		exec1(st, S_ROLLBACK);
	}
	queue_leave(st);
	if (rc != SQLITE_OK || !sync)
		return rc;
	if ((rc = wal_sync(st)) != SQLITE_OK)
		return rc;
	if (st->ckpt_due) {
		st->ckpt_due = 0;
		sqlite3_wal_checkpoint(st->db, "main");
	}
	return SQLITE_OK;
}

static int
store_commit(struct store *st)
{
	return commit(st, 1);
}

static void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec1(st, S_ROLLBACK);
	queue_leave(st);
}

static int step_done(sqlite3_stmt *);

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *p;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &p, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(p) == SQLITE_ROW)
		v = sqlite3_column_int(p, 0);
	sqlite3_finalize(p);
	return v;
}

static int
is_wal(sqlite3 *db)
{
	sqlite3_stmt *p;
	int wal = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &p, NULL) !=
	    SQLITE_OK)
		return 0;
	if (sqlite3_step(p) == SQLITE_ROW)
		wal = strcmp((const char *)sqlite3_column_text(p, 0), "wal") == 0;
	sqlite3_finalize(p);
	return wal;
}

/*
 * Waiting for another process's write: SQLite's own handler sleeps 1, 2,
 * 5 ... 100 ms and keeps losing to writers that retry sooner, which under
 * load gives seconds of tail latency. Short naps with a little jitter
 * take turns fairly; past busy_timeout_ms the caller answers 503.
 */
static int
busy_wait(void *arg, int count)
{
	struct store *st = arg;
	long long now = hb_mono_ms();
	struct timespec nap;

	if (count == 0)
		st->busy_until = now + st->busy_ms;
	if (now >= st->busy_until)
		return 0;
	nap.tv_sec = 0;
	nap.tv_nsec = (100 + (count * 37 + getpid()) % 400) * 1000L;
	nanosleep(&nap, NULL);
	return 1;
}

/*
 * Brings the schema to SCHEMA_VERSION inside one write transaction, so
 * two first requests racing on a new file do it once.
 */
static int
migrate(sqlite3 *db, int busy_ms, struct buf *err)
{
	long long until = hb_mono_ms() + busy_ms;
	char *msg = NULL;
	int rc, v;

	/*
	 * Changing the journal mode wants the database to itself; a file
	 * another process has already set up is left alone. When several
	 * first requests race on a new file, SQLite refuses all but one at
	 * once (waiting could deadlock): the others try again until the
	 * winner is done or busy_timeout_ms has passed.
	 */
	while (!is_wal(db)) {
		sqlite3_free(msg);
		msg = NULL;
		/* OK without WAL too: an in-memory database, say. */
		if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL,
		    &msg) == SQLITE_OK || is_wal(db))
			break;
		if (hb_mono_ms() >= until)
			goto fail;
		sqlite3_sleep(2);
	}
	sqlite3_free(msg);
	msg = NULL;
	if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg)) !=
	    SQLITE_OK)
		goto fail;
	if ((v = user_version(db)) < 0)
		goto fail_tx;
	if (v > SCHEMA_VERSION) {
		buf_printf(err, "the database has schema version %d, newer "
		    "than this hookbox (%d): upgrade hookbox\n", v,
		    SCHEMA_VERSION);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (v < 1 && sqlite3_exec(db, schema_v1, NULL, NULL, &msg) != SQLITE_OK)
		goto fail_tx;
	if (v < 2 && sqlite3_exec(db, schema_v2, NULL, NULL, &msg) != SQLITE_OK)
		goto fail_tx;
	/* A new database gets it too: schema_v1 is the public first form. */
	if (v < 3 && sqlite3_exec(db, schema_v3, NULL, NULL, &msg) != SQLITE_OK)
		goto fail_tx;
	/* (The pragma takes no parameter; the version is ours.) */
	if (v < SCHEMA_VERSION && sqlite3_exec(db, "PRAGMA user_version = "
	    HB_STR(SCHEMA_VERSION), NULL, NULL, &msg) != SQLITE_OK)
		goto fail_tx;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail_tx;
	return 0;
 fail_tx:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
 fail:
	buf_printf(err, "cannot set up the database: %s\n",
	    msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/*
 * Before any other SQLite call, once per process: SQLite's count of its
 * own memory takes a global mutex around every allocation, and nothing
 * here reads it.
 */
void
store_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Opens the database, creating and upgrading its schema when needed. The
 * only schema check on the hot path is one read of user_version.
 * Returns NULL with a sentence in err on failure.
 */
struct store *
store_open(const char *path, int busy_ms, int flags, struct buf *err)
{
	struct store *st;
	char pragma[64];
	int rc, one = 1;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->queue = -1;
	if ((st->marker = malloc(strlen(path) + sizeof(".fsync-failed"))) ==
	    NULL) {
		free(st);
		return NULL;
	}
	strcpy(st->marker, path);
	strcat(st->marker, ".fsync-failed");
	/*
	 * One thread at a time uses a connection: a CGI process's, or the
	 * FastCGI leader of the moment (fcgi.c hands the lead on under its
	 * mutex).
	 */
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		buf_printf(err, "cannot open the database %s: %s\n", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) :
		    sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	st->busy_ms = busy_ms;
	sqlite3_busy_handler(st->db, busy_wait, st);
	/*
	 * Keep the WAL file between processes, but not a long log in it: the
	 * last connection to close checkpoints and empties a WAL longer than
	 * WAL_KEEP_FRAMES (store_close), so the next process to open does not
	 * rebuild its index from a long log. (A rebuilt index forgets what was
	 * checkpointed, so such a log was never restarted: it grew by every
	 * event and each CGI request read it all.) Long-lived processes keep
	 * the file at its usual size (journal_size_limit).
	 */
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	sqlite3_wal_hook(st->db, wal_committed, st);
	/*
	 * A small page cache: a webhook touches a few pages, not megabytes.
	 * A miss is a read from the kernel's cache: 128 KiB against 512 KiB
	 * made no difference to events/s at 300,000 rows, and a FastCGI
	 * process 400 KiB smaller.
	 */
	if (sqlite3_exec(st->db, "PRAGMA cache_size=-128", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "PRAGMA journal_size_limit=4194304", NULL,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL, NULL,
	    NULL) != SQLITE_OK) {
		buf_printf(err, "cannot use the database %s: %s\n", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	rc = user_version(st->db);
	if (rc < 0) {
		buf_printf(err, "cannot read the database %s: %s\n", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	if (rc != SCHEMA_VERSION && migrate(st->db, busy_ms, err) == -1)
		goto fail;
	/*
	 * FULL's durability with the fsync out of the lock. Without a WAL
	 * (a file system without shared memory maps), EXTRA: FULL alone
	 * does not sync the folder once the rollback journal is deleted.
	 */
	st->wal = is_wal(st->db);
	st->sync_after = (flags & STORE_SYNC_FULL) && st->wal;
	snprintf(pragma, sizeof(pragma), "PRAGMA synchronous=%s",
	    (flags & STORE_SYNC_FULL) && !st->sync_after ? "EXTRA" : "NORMAL");
	if (sqlite3_exec(st->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
		buf_printf(err, "cannot use the database %s: %s\n", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	if (flags & STORE_QUEUE)
		st->queue = open_queue(path);
	st->look_first = !(flags & STORE_GROUP);
	return st;
 fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < S__MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->wal_frames < WAL_KEEP_FRAMES)
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	sqlite3_close(st->db);
	if (st->queue != -1)
		close(st->queue);
	free(st->marker);
	free(st);
}

void *
store_db(struct store *st)
{
	return st->db;
}

static int
find(struct store *st, const char *endpoint, const char *key,
    long long *id)
{
	sqlite3_stmt *p = stmt(st, S_FIND);
	int rc;

	if (p == NULL)
		return SQLITE_ERROR;
	sqlite3_bind_text(p, 1, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(p);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(p, 0);
	sqlite3_reset(p);
	return rc;
}

/*
 * An id-less signal's key in the window lookup: '@' and '%' are escaped,
 * so "<key>@" is a prefix of this key's occurrences and of no other's.
 */
static int
escape_at(char *out, size_t outsz, const char *key)
{
	size_t o = 0;

	for (; *key != '\0'; key++) {
		const char *rep = *key == '@' ? "%40" : *key == '%' ? "%25" : NULL;
		size_t n = rep != NULL ? 3 : 1;

		if (o + n >= outsz)
			return -1;
		memcpy(out + o, rep != NULL ? rep : key, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/*
 * The stored key of one occurrence: "<escaped key>@<time>.<random>". The
 * random part keeps two occurrences in the same second apart (with a
 * dedupe_window of 0 each is a new event).
 */
static int
windowed_key(char *out, size_t outsz, const char *key, time_t now)
{
	char base[MAX_FIELD_LEN * 3 + 1], hex[17];
	unsigned char rnd[8];

	if (escape_at(base, sizeof(base), key) == -1 ||
	    getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	return snprintf(out, outsz, "%s@%lld.%s", base, (long long)now, hex) <
	    (int)outsz ? 0 : -1;
}

/*
 * Inserts one event inside the open write transaction. Returns ST_OK or
 * ST_DUPLICATE with *id, or -1 after an SQL error (the caller rolls back).
 * An id-less signal (ev->windowed) is a duplicate only within
 * dedupe_window seconds of its last occurrence.
 */
static int
insert_event(struct store *st, const struct stored_event *se, long long *id)
{
	const struct event *ev = se->ev;
	const struct request *r = se->req;
	char key[MAX_FIELD_LEN * 3 + 64], base[MAX_FIELD_LEN * 3 + 1];
	sqlite3_stmt *p;
	int rc;

	_Static_assert(sizeof(key) >= sizeof(ev->key), "ev->key fits in key");
	strcpy(key, ev->key);
	if (ev->windowed) {
		if ((p = stmt(st, S_FIND_WINDOW)) == NULL ||
		    escape_at(base, sizeof(base), ev->key) == -1)
			return -1;
		sqlite3_bind_text(p, 1, se->endpoint, -1, SQLITE_STATIC);
		sqlite3_bind_text(p, 2, base, -1, SQLITE_STATIC);
		rc = sqlite3_step(p);
		if (rc == SQLITE_ROW && se->now - sqlite3_column_int64(p, 1) <
		    se->dedupe_window) {
			*id = sqlite3_column_int64(p, 0);
			sqlite3_reset(p);
			return ST_DUPLICATE;
		}
		sqlite3_reset(p);
		if ((rc != SQLITE_ROW && rc != SQLITE_DONE) ||
		    windowed_key(key, sizeof(key), ev->key, se->now) == -1)
			return -1;
	}
	if ((p = stmt(st, S_INSERT)) == NULL)
		return -1;
	sqlite3_bind_text(p, 1, se->endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 2, se->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 3, ev->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 4, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 5, ev->resource, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p, 6, se->now);
	sqlite3_bind_text(p, 7, r->method_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 8, se->query, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 9, r->content_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 10, se->headers, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(p, 11, r->body.data != NULL ? r->body.data : "",
	    r->body.len, SQLITE_STATIC);
	sqlite3_bind_text(p, 12, r->remote_addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 13, ev->proof, -1, SQLITE_STATIC);
	if (step_done(p) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		/* Stored since our first look: by another process, or by an
		 * earlier item of this batch. */
		return find(st, se->endpoint, key, id) == SQLITE_ROW ?
		    ST_DUPLICATE : -1;
	}
	*id = sqlite3_last_insert_rowid(st->db);
	if (se->hook == NULL)
		return ST_OK;
	/* Its delivery comes from a runner (dispatch), off this path. */
	if ((p = stmt(st, S_QUEUE)) == NULL)
		return -1;
	sqlite3_bind_int64(p, 1, *id);
	sqlite3_bind_text(p, 2, se->hook, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p, 3, se->now);
	return step_done(p) == -1 ? -1 : ST_OK;
}

/* A reject's cause and source, ?1 to ?5 of S_REJECT_BUMP and S_REJECT. */
static void
bind_reject(sqlite3_stmt *p, const struct reject *rj)
{
	sqlite3_bind_int64(p, 1, rj->now);
	sqlite3_bind_text(p, 2, rj->endpoint != NULL ? rj->endpoint : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(p, 3, rj->status);
	sqlite3_bind_text(p, 4, rj->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(p, 5, rj->addr != NULL ? rj->addr : "", -1,
	    SQLITE_STATIC);
}

static int
insert_reject(struct store *st, const struct reject *rj)
{
	sqlite3_stmt *p = stmt(st, S_REJECT_BUMP);

	if (p == NULL)
		return -1;
	bind_reject(p, rj);
	if (step_done(p) == -1)
		return -1;
	if (sqlite3_changes(st->db) > 0)
		return 0;
	if ((p = stmt(st, S_REJECT)) == NULL)
		return -1;
	bind_reject(p, rj);
	sqlite3_bind_blob(p, 6, rj->body != NULL ? rj->body : "",
	    (int)(rj->len > REJECT_BODY_BYTES ? REJECT_BODY_BYTES : rj->len),
	    SQLITE_STATIC);
	return step_done(p);
}

/*
 * Writes a batch of items in one transaction: one fsync for all of them
 * (group commit, for the FastCGI leader), or for one (CGI). Each
 * event's result is ST_OK with its new id, ST_DUPLICATE with the stored
 * id, or ST_BUSY / ST_FAIL when nothing of the batch was committed (the
 * sender gets 503 and retries). Rejects are kept best effort.
 *
 * Redeliveries are found by reads before any write lock is taken, so
 * that a CGI process answering a retry never queues behind writers. The
 * FastCGI leader (STORE_GROUP) is its process's only writer and has
 * nobody to queue behind: its batches go straight to the write
 * transaction, where INSERT ... ON CONFLICT DO NOTHING finds them, which
 * spares every new event a look of its own (and a read transaction, with
 * a system call for each -shm lock byte it takes and drops). A redelivery
 * then waits for the write lock like a new event, and is answered 503
 * like one when the store stays busy. Either way a retry storm writes
 * nothing: a transaction that changed no page commits no frame.
 * `rejects` is trimmed to its newest REJECTS_CAP rows in the same
 * transaction, so a flood cannot grow it.
 */
void
store_write(struct store *st, struct store_item *items, size_t n)
{
	size_t i, todo = 0;
	int rc, rejects = 0, events = 0;

	if (unsynced(st)) {
		for (i = 0; i < n; i++)
			items[i].result = ST_FAIL;
		return;
	}
	for (i = 0; i < n; i++) {
		struct store_item *it = &items[i];

		it->result = ST_OK;
		if (it->se == NULL) {
			todo++;
			continue;
		}
		/* Its answer, duplicate or not, waits for the disk. */
		events = 1;
		if (st->look_first && !it->se->ev->windowed) {
			rc = find(st, it->se->endpoint, it->se->ev->key, &it->id);
			if (rc == SQLITE_ROW) {
				it->result = ST_DUPLICATE;
				continue;
			}
			if (rc != SQLITE_DONE) {
				store_log(st, "find");
				it->result = classify(rc);
				continue;
			}
		}
		todo++;
	}
	/* Redeliveries only: their rows may be another writer's, unsynced. */
	if (todo == 0) {
		if ((rc = wal_sync(st)) == SQLITE_OK)
			return;
		goto abort;
	}
	if ((rc = store_begin(st)) != SQLITE_OK) {
		store_log(st, "begin");
		goto abort;
	}
	for (i = 0; i < n; i++) {
		struct store_item *it = &items[i];

		if (it->se == NULL) {
			if (insert_reject(st, it->rj) == -1)
				goto fail;
			rejects = 1;
		} else if (it->result == ST_OK) {
			if ((rc = insert_event(st, it->se, &it->id)) == -1)
				goto fail;
			it->result = (enum store_err)rc;
		}
	}
	if (rejects) {
		sqlite3_stmt *p = stmt(st, S_REJECT_TRIM);

		if (p == NULL)
			goto fail;
		sqlite3_bind_int(p, 1, REJECTS_CAP);
		if (step_done(p) == -1)
			goto fail;
	}
	if ((rc = commit(st, events)) == SQLITE_OK)
		return;
	goto abort;
 fail:
	store_log(st, "insert");
	rc = sqlite3_errcode(st->db);
	store_rollback(st);
 abort:
	/*
	 * Not known to be on disk: no event of the batch may be
	 * acknowledged, not even a duplicate (of an earlier item, or of a
	 * row whose writer's fsync is still to come).
	 */
	for (i = 0; i < n; i++)
		if (items[i].se != NULL && (items[i].result == ST_OK ||
		    items[i].result == ST_DUPLICATE))
			items[i].result = classify(rc);
}

void
store_reject(struct store *st, const struct reject *rj)
{
	struct store_item it = { .rj = rj };

	store_write(st, &it, 1);
}

/* `hookbox init`: creates or upgrades the schema. */
int
store_init(const char *path, struct buf *err)
{
	struct store *st = store_open(path, 5000, STORE_SYNC_FULL, err);

	if (st == NULL)
		return -1;
	store_close(st);
	return 0;
}

/*
 * `hookbox check`: the file's integrity and schema version. Returns 0,
 * or -1 with the problem in err.
 */
int
store_check(struct store *st, struct buf *err)
{
	sqlite3_stmt *p;
	int rc = -1, logged = -1, done = -1, failed;

	/*
	 * After a failed fsync (wal_sync) the WAL is not to be trusted on
	 * the disk: every frame goes into the database file, which the
	 * checkpoint syncs, and the WAL is emptied. Then the check below
	 * says whether what was copied is sound.
	 */
	failed = access(st->marker, F_OK) == 0;
	if (failed && (sqlite3_wal_checkpoint_v2(st->db, "main",
	    SQLITE_CHECKPOINT_TRUNCATE, &logged, &done) != SQLITE_OK ||
	    logged != done)) {
		buf_printf(err, "an fsync failed earlier (%s) and the WAL could "
		    "not be written into the database: %s; stop the web server "
		    "and the hook runners and try again\n", st->marker,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &p, NULL) !=
	    SQLITE_OK) {
		buf_printf(err, "database: %s\n", sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_step(p) == SQLITE_ROW) {
		const char *res = (const char *)sqlite3_column_text(p, 0);

		if (res != NULL && strcmp(res, "ok") == 0)
			rc = 0;
		else
			buf_printf(err, "database is damaged: %s\n",
			    res != NULL ? res : "?");
	} else
		buf_printf(err, "database: %s\n", sqlite3_errmsg(st->db));
	sqlite3_finalize(p);
	if (rc == 0 && failed) {
		if (unlink(st->marker) == -1) {
			buf_printf(err, "%s: %s\n", st->marker, strerror(errno));
			return -1;
		}
		hb_warnx("an fsync had failed (%s): the WAL is now in the "
		    "database, which checks ok; events are acknowledged again",
		    st->marker);
	}
	return rc;
}

/* ---- deliveries: the hook runner's side of the store ---- */

static char *
col_dup(sqlite3_stmt *p, int i)
{
	const char *s = (const char *)sqlite3_column_text(p, i);

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
	sqlite3_stmt *p, *u;
	int rc;

	if ((p = stmt(st, S_EXPIRED)) == NULL)
		return SQLITE_ERROR;
	sqlite3_bind_int64(p, 1, now);
	while ((rc = sqlite3_step(p)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(p, 0);
		pid_t pid = (pid_t)sqlite3_column_int64(p, 1);
		long long now_start, start = sqlite3_column_int64(p, 2);

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
		sqlite3_bind_int64(u, 1, id);
		sqlite3_bind_int64(u, 2, now);
		if (sqlite3_step(u) != SQLITE_DONE) {
			sqlite3_reset(u);
			break;
		}
		sqlite3_reset(u);
	}
	sqlite3_reset(p);
	return rc == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
}

static int
step_done(sqlite3_stmt *p)
{
	int rc = sqlite3_step(p);

	sqlite3_reset(p);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Ends an attempt. next_at is when a failed attempt is retried, or 0. */
static int
finish(struct store *st, const struct attempt_result *res)
{
	sqlite3_stmt *p = stmt(st, S_FINISH);

	if (p == NULL)
		return -1;
	sqlite3_bind_int64(p, 1, res->delivery);
	sqlite3_bind_text(p, 2, res->status, -1, SQLITE_STATIC);
	if (res->exit_code >= 0)
		sqlite3_bind_int(p, 3, res->exit_code);
	if (res->signal > 0)
		sqlite3_bind_int(p, 4, res->signal);
	sqlite3_bind_text(p, 5, res->output != NULL ? res->output : "", -1,
	    SQLITE_STATIC);
	if (res->error[0] != '\0')
		sqlite3_bind_text(p, 6, res->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p, 7, res->finished_at);
	if (res->next_at > 0)
		sqlite3_bind_int64(p, 8, res->next_at);
	return step_done(p);
}

/*
 * Gives the oldest queued events (DISPATCH_MAX at most) their deliveries
 * rows, inside the caller's write transaction. A few at a time: the
 * receivers wait for the write lock meanwhile. Returns 0 or -1.
 */
static int
dispatch(struct store *st)
{
	sqlite3_stmt *p = stmt(st, S_QUEUE_UPTO);
	long long upto = 0;
	int rc;

	if (p == NULL)
		return -1;
	sqlite3_bind_int(p, 1, DISPATCH_MAX);
	rc = sqlite3_step(p);
	if (rc == SQLITE_ROW && sqlite3_column_type(p, 0) != SQLITE_NULL)
		upto = sqlite3_column_int64(p, 0);
	sqlite3_reset(p);
	if (rc != SQLITE_ROW)
		return -1;
	if (upto == 0)
		return 0;	/* an empty queue */
	if ((p = stmt(st, S_DISPATCH)) == NULL)
		return -1;
	sqlite3_bind_int64(p, 1, upto);
	if (step_done(p) == -1 || (p = stmt(st, S_UNQUEUE)) == NULL)
		return -1;
	sqlite3_bind_int64(p, 1, upto);
	return step_done(p);
}

/*
 * A hook must not run for an event that a power cut could still take
 * away: a receiver commits, lets go of the write lock and only then
 * fsyncs the WAL (wal_sync), so a runner can read an event in between.
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
	    wal_fsync(st) != SQLITE_OK)
		return -1;
	st->durable_upto = newest;
	return 0;
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
 * holds the write lock stalls every receiver (with the fork inside, the
 * receivers accepted about 8% fewer events while hooks ran).
 */
int
store_claim(struct store *st, time_t now, int max_running, int lease,
    const struct attempt_result *done, struct delivery *d)
{
	sqlite3_stmt *p;
	int rc, running, found = 0;

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
	if ((done != NULL && done->delivery > 0 && finish(st, done) == -1) ||
	    recover(st, now) != SQLITE_OK || dispatch(st) == -1 ||
	    (p = stmt(st, S_RUNNING)) == NULL)
		goto fail;
	running = sqlite3_step(p) == SQLITE_ROW ? sqlite3_column_int(p, 0) :
	    max_running;
	sqlite3_reset(p);
	if (running >= max_running) {
		store_commit(st);
		return 0;
	}
	if ((p = stmt(st, S_CANDIDATE)) == NULL)
		goto fail;
	sqlite3_bind_int64(p, 1, now);
	rc = sqlite3_step(p);
	if (rc == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(p, 3);

		found = 1;
		d->id = sqlite3_column_int64(p, 0);
		d->event_id = sqlite3_column_int64(p, 1);
		d->attempt = sqlite3_column_int(p, 2);
		d->retry = status != NULL && strcmp(status, "failed") == 0;
		d->hook = col_dup(p, 4);
		d->endpoint = col_dup(p, 5);
		d->provider = col_dup(p, 6);
		d->type = col_dup(p, 7);
		d->key = col_dup(p, 8);
		d->resource = col_dup(p, 9);
		d->received_at = (time_t)sqlite3_column_int64(p, 10);
		d->method = col_dup(p, 11);
		d->query = col_dup(p, 12);
		buf_add(&d->body, sqlite3_column_blob(p, 13) != NULL ?
		    sqlite3_column_blob(p, 13) : "",
		    (size_t)sqlite3_column_bytes(p, 13));
	}
	sqlite3_reset(p);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	if (!found) {
		store_commit(st);
		return 0;
	}
	if (d->hook == NULL || d->query == NULL || d->body.data == NULL)
		goto fail;
	if (d->retry) {
		/* The failed attempt stays as history; the retry is a new row. */
		if ((p = stmt(st, S_CLAIM_SUPERSEDE)) == NULL)
			goto fail;
		sqlite3_bind_int64(p, 1, d->id);
		if (step_done(p) == -1 || (p = stmt(st, S_CLAIM_RETRY)) == NULL)
			goto fail;
		sqlite3_bind_int64(p, 1, d->id);
		sqlite3_bind_int64(p, 2, now);
		sqlite3_bind_int64(p, 3, now + lease);
		if (step_done(p) == -1)
			goto fail;
		d->id = sqlite3_last_insert_rowid(st->db);
		d->attempt++;
	} else {
		if ((p = stmt(st, S_CLAIM_PENDING)) == NULL)
			goto fail;
		sqlite3_bind_int64(p, 1, d->id);
		sqlite3_bind_int64(p, 2, now);
		sqlite3_bind_int64(p, 3, now + lease);
		if (step_done(p) == -1)
			goto fail;
	}
	if (store_commit(st) != SQLITE_OK || claim_durable(st, d) == -1) {
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
	sqlite3_stmt *p;

	if (store_begin(st) != SQLITE_OK)
		return -1;
	if ((p = stmt(st, S_STARTED)) == NULL)
		goto fail;
	sqlite3_bind_int64(p, 1, id);
	sqlite3_bind_int64(p, 2, pid);
	sqlite3_bind_int64(p, 3, lease_until);
	sqlite3_bind_int64(p, 4, pid_start);
	if (step_done(p) == -1)
		goto fail;
	return store_commit(st) == SQLITE_OK ? 0 : -1;
 fail:
	store_log(st, "started");
	store_rollback(st);
	return -1;
}

/* 1 when a runner could start work now, 0 when not, -1 on error. */
int
store_due(struct store *st, time_t now, int max_running)
{
	sqlite3_stmt *p = stmt(st, S_DUE);
	int rc, due = -1;

	if (p == NULL)
		return -1;
	sqlite3_bind_int64(p, 1, now);
	sqlite3_bind_int(p, 2, max_running);
	if ((rc = sqlite3_step(p)) == SQLITE_ROW)
		due = sqlite3_column_int(p, 0);
	sqlite3_reset(p);
	return due;
}

/* When the next waiting delivery falls due, or 0 if none waits. */
time_t
store_next_due(struct store *st)
{
	sqlite3_stmt *p = stmt(st, S_NEXT_DUE);
	time_t t = 0;

	if (p == NULL)
		return 0;
	if (sqlite3_step(p) == SQLITE_ROW &&
	    sqlite3_column_type(p, 0) != SQLITE_NULL)
		t = (time_t)sqlite3_column_int64(p, 0);
	sqlite3_reset(p);
	return t;
}

/* The newest event's id (0 with none), or -1 on error. */
long long
store_newest_event(struct store *st)
{
	sqlite3_stmt *p = stmt(st, S_NEWEST);
	long long id = -1;

	if (p == NULL)
		return -1;
	if (sqlite3_step(p) == SQLITE_ROW)
		id = sqlite3_column_int64(p, 0);
	sqlite3_reset(p);
	return id;
}

/*
 * `hookbox replay ID`: the event's hook runs again, as a new series of
 * attempts. A delivery still waiting is made due now instead; one that
 * is running is left alone. Returns 0, 1 if the event is running, 2 if
 * there is no such event, -1 on error.
 */
int
store_replay(struct store *st, long long event_id, const char *hook,
    time_t now)
{
	sqlite3_stmt *p;
	int rc, result = 0;

	if (store_begin(st) != SQLITE_OK)
		return -1;
	/* A queued event has its delivery first, then it is replayed. */
	for (;;) {
		if ((p = stmt(st, S_QUEUED)) == NULL)
			goto fail;
		sqlite3_bind_int64(p, 1, event_id);
		rc = sqlite3_step(p);
		sqlite3_reset(p);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW || dispatch(st) == -1)
			goto fail;
	}
	if ((p = stmt(st, S_LATEST)) == NULL)
		goto fail;
	sqlite3_bind_int64(p, 1, event_id);
	rc = sqlite3_step(p);
	if (rc == SQLITE_ROW) {
		long long id = sqlite3_column_int64(p, 0);
		const char *status = (const char *)sqlite3_column_text(p, 1);
		int waiting = sqlite3_column_type(p, 2) != SQLITE_NULL;

		if (strcmp(status, "running") == 0)
			result = 1;
		else if (waiting) {
			sqlite3_reset(p);
			if ((p = stmt(st, S_REQUEUE)) == NULL)
				goto fail;
			sqlite3_bind_int64(p, 1, id);
			sqlite3_bind_int64(p, 2, now);
			if (step_done(p) == -1)
				goto fail;
			return store_commit(st) == SQLITE_OK ? 0 : -1;
		}
	} else if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(p);
	if (result == 0) {
		if ((p = stmt(st, S_REPLAY)) == NULL)
			goto fail;
		sqlite3_bind_int64(p, 1, event_id);
		sqlite3_bind_text(p, 2, hook, -1, SQLITE_STATIC);
		sqlite3_bind_int64(p, 3, now);
		if (step_done(p) == -1)
			goto fail;
		if (sqlite3_changes(st->db) == 0)
			result = 2;
	}
	if (store_commit(st) != SQLITE_OK)
		return -1;
	return result;
 fail:
	store_log(st, "replay");
	store_rollback(st);
	return -1;
}
