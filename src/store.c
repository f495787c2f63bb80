/*
 * The store: one SQLite file. This file holds the connection, the
 * schema, transactions and the WAL's fsync; store_write.c writes events
 * and rejects, store_run.c is the hook runner's side, and store_int.h
 * what they share. Every statement is prepared once with bound
 * parameters and kept for the life of the connection (a FastCGI process
 * serves many requests with one).
 *
 * Durability: what synchronous=FULL gives, a COMMIT on the disk before
 * the sender gets its 2xx (README "Database"), but with the WAL's
 * fsync after the write lock is let go (store_wal_sync). UNIQUE(endpoint,
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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_int.h"
#include "upkeep.h"

#define SCHEMA_VERSION	5
#define CACHE_KIB	128	/* the page cache of a connection */
#define JOURNAL_LIMIT	4194304	/* bytes (4 MiB): a WAL longer than this
				   is cut back after a checkpoint */
#define WAL_CKPT_FRAMES	1000	/* a commit leaving a WAL this long
				   checkpoints it (SQLite's own default) */
#define BUSY_NAP_US	100	/* a wait for the write lock naps this */
#define BUSY_JITTER_US	400	/* and up to this much more */

/* The public schema (README "Database"); users query it. */
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
 * instead of a deliveries row and its four indexes, a large part of its
 * time per hooked event: work a runner does later, when it has the CPU.
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

/*
 * Version 4: the owner's inbox (inbox.c, auth.c). settings holds the
 * inbox's password hash (Argon2id, never the password); sessions the
 * SHA-256 of each session token (never the token), so that CGI processes
 * share them and a leaked row signs nobody in; signin_throttle the failed
 * sign-ins per address and overall. A delivery the owner marked done
 * keeps its state and gets done_at.
 */
static const char schema_v4[] =
"CREATE TABLE IF NOT EXISTS settings (\n"
"  name TEXT PRIMARY KEY,\n"
"  value TEXT NOT NULL\n"
");\n"
"CREATE TABLE IF NOT EXISTS sessions (\n"
"  token_hash TEXT PRIMARY KEY,\n"
"  created_at INTEGER NOT NULL,\n"
"  seen_at INTEGER NOT NULL,\n"
"  remote_addr TEXT NOT NULL DEFAULT ''\n"
");\n"
"CREATE TABLE IF NOT EXISTS signin_throttle (\n"
"  who TEXT PRIMARY KEY,\n"
"  failures INTEGER NOT NULL,\n"
"  last_at INTEGER NOT NULL\n"
");\n"
"ALTER TABLE deliveries ADD COLUMN done_at INTEGER;\n";

static const char *const sql[S__MAX] = {
	[S_BEGIN] =
	    "BEGIN IMMEDIATE",
	[S_COMMIT] =
	    "COMMIT",
	[S_ROLLBACK] =
	    "ROLLBACK",
};

/*
 * A WAL shorter than this many frames (of a page each) is left for the
 * next process; a longer one is checkpointed and emptied by the last
 * connection to close. Reading a short WAL to open the database costs
 * less than a checkpoint's fsync on every CGI request.
 */
#define WAL_KEEP_FRAMES	128

void
store_log(struct store *st, const char *what)
{
	snprintf(st->logged, sizeof(st->logged), "%s: %.200s", what,
	    st->pg ? st->pg_err : sqlite3_errmsg(st->db));
	hb_warnx("store: %s", st->logged);
}

/*
 * Statement s, whose SQL is text (its file's sql[s]): prepared on first
 * use and kept for the life of the connection, reset and unbound for
 * this use. NULL after logging why.
 */
struct stq *
store_stmt(struct store *st, enum stmt s, const char *text)
{
	struct stq **slot = &st->stmt[s];

	if (*slot == NULL && (*slot = q_persistent(st, (int)s, text)) == NULL)
		return NULL;
	q_reset(*slot);
	return *slot;
}

static struct stq *
stmt(struct store *st, enum stmt s)
{
	return store_stmt(st, s, sql[s]);
}

/* Runs a statement without results; returns the SQLite code. */
static int
exec1(struct store *st, enum stmt s)
{
	struct stq *p = stmt(st, s);
	int rc;

	if (p == NULL)
		return SQLITE_ERROR;
	rc = q_step(p);
	q_reset(p);
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
 * SQLite's write lock at once: polling writers wake and sleep again and
 * again, a context switch each time, and runners polling beside a busy
 * FastCGI receiver take its CPU. It is only an optimisation: SQLite's
 * locks still decide, and without the file (a read-only folder, say)
 * writers go to SQLite directly. Past busy_timeout_ms in the queue the
 * write fails as busy (503), as it would in SQLite. SIGALRM interrupts
 * the wait: both have one thread and no other use for it. The timer
 * repeats, so that a signal landing just before flock() is entered
 * cannot leave it waiting for ever.
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
	if (frames < WAL_CKPT_FRAMES)
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
 * so concurrent CGI writers took turns at the disk while the CPU sat
 * idle behind one fsync. With synchronous=NORMAL
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
int
store_wal_fsync(struct store *st)
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

int
store_wal_sync(struct store *st)
{
	return st->sync_after ? store_wal_fsync(st) : SQLITE_OK;
}

/* An fsync has failed (store_wal_sync): nothing may be acknowledged. */
int
store_unsynced(struct store *st)
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

/*
 * A write transaction. On SQLite it holds the write lock; on PostgreSQL
 * the runner's lock (store_pg.c), so that what it reads and writes is
 * the only such change across every node.
 */
int
store_begin(struct store *st)
{
	int rc;

	if (st->pg)
		return pg_begin(st, 1);
	if ((rc = queue_enter(st)) != SQLITE_OK)
		return rc;
	if ((rc = exec1(st, S_BEGIN)) != SQLITE_OK)
		queue_leave(st);
	return rc;
}

/*
 * The transaction that stores events and rejects: on PostgreSQL it
 * takes no lock of its own, and receivers on every node write at once.
 */
int
store_begin_events(struct store *st)
{
	return st->pg ? pg_begin(st, 0) : store_begin(st);
}

/*
 * Commits, then (sync) fsyncs the WAL. A commit of rejects alone is not
 * synced: they are diagnostics, and a flood of refused requests must not
 * take the disk from orders (the next synced commit covers them too).
 */
int
store_commit(struct store *st, int sync)
{
	int rc;

	if (st->pg) {
		if ((rc = pg_end(st, "COMMIT")) != SQLITE_OK) {
			store_log(st, "commit");
			pg_end(st, "ROLLBACK");
		}
		return rc;
	}
	rc = exec1(st, S_COMMIT);

	if (rc != SQLITE_OK) {
		store_log(st, "commit");
		exec1(st, S_ROLLBACK);
	}
	queue_leave(st);
	if (rc != SQLITE_OK || !sync)
		return rc;
	if ((rc = store_wal_sync(st)) != SQLITE_OK)
		return rc;
	if (st->ckpt_due) {
		st->ckpt_due = 0;
		sqlite3_wal_checkpoint(st->db, "main");
	}
	return SQLITE_OK;
}

void
store_rollback(struct store *st)
{
	if (st->pg) {
		pg_end(st, "ROLLBACK");
		return;
	}
	if (!sqlite3_get_autocommit(st->db))
		exec1(st, S_ROLLBACK);
	queue_leave(st);
}

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
	nap.tv_nsec = (BUSY_NAP_US + (count * 37 + getpid()) %
	    BUSY_JITTER_US) * 1000L;
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
	 * A new file gives pruned pages back (store_vacuum): auto_vacuum
	 * must be set before its first page is written, which the switch
	 * to WAL does. On a file that has tables it changes nothing until a
	 * VACUUM (store_upkeep_vacuum_mode, `hookbox init`).
	 */
	if (user_version(db) == 0)
		sqlite3_exec(db, "PRAGMA auto_vacuum=INCREMENTAL", NULL, NULL,
		    NULL);
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
	if (v < 4 && sqlite3_exec(db, schema_v4, NULL, NULL, &msg) != SQLITE_OK)
		goto fail_tx;
	/* Version 5: notices and the upkeep's state (store_upkeep.c). */
	if (v < 5 && store_upkeep_schema(db, &msg) != SQLITE_OK)
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

	if (store_is_pg(path))
		return store_pg_open(path, busy_ms, err);
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
	 * A miss is a read from the kernel's cache: a larger cache did not
	 * make a large database faster, only each FastCGI process larger.
	 */
	if (sqlite3_exec(st->db, "PRAGMA cache_size=-" HB_STR(CACHE_KIB),
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "PRAGMA journal_size_limit="
	    HB_STR(JOURNAL_LIMIT), NULL, NULL, NULL) != SQLITE_OK ||
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
		q_free(st->stmt[i]);
	if (st->pg) {
		store_pg_close(st);
		free(st);
		return;
	}
	if (st->wal_frames < WAL_KEEP_FRAMES)
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	sqlite3_close(st->db);
	if (st->queue != -1)
		close(st->queue);
	free(st->marker);
	free(st);
}

/* `hookbox init`: creates or upgrades the schema. */
int
store_init(const char *path, struct buf *err)
{
	struct store *st = store_open(path, BUSY_TIMEOUT_MS_DEFAULT,
	    STORE_SYNC_FULL, err);

	if (st == NULL)
		return -1;
	store_upkeep_vacuum_mode(st, err);
	store_close(st);
	return 0;
}

/* Steps a statement that returns no row, and resets it: 0, or -1. */
int
store_step_done(struct stq *p)
{
	int rc = q_step(p);

	q_reset(p);
	return rc == SQLITE_DONE ? 0 : -1;
}
