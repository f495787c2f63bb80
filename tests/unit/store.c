/*
 * Unit tests of src/store.c.
 */
#include "unit.h"

/* README "Answers": the rejects table keeps its newest rows only, so a
 * flood cannot grow it without bound. */
static void
t_store_rejects_bounded(void)
{
	struct store *st;
	struct buf err = { 0 }, path = { 0 };
	char body[1000];
	int i;

	memset(body, 'b', sizeof(body));
	buf_printf(&path, "%s/bounded.db", tmpdir);
	/* synchronous=NORMAL: a thousand commits without a thousand fsyncs */
	if ((st = store_open(path.data, 100, 0, &err)) == NULL) {
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
		buf_free(&err);
		buf_free(&path);
		return;
	}
	for (i = 1; i <= REJECTS_CAP + 5; i++) {
		struct reject rj = { .endpoint = "catalog", .status = 401,
		    .reason = "wrong token", .addr = "192.0.2.1", .body = body,
		    .len = sizeof(body), .now = 1000 + i };

		store_reject(st, &rj);
	}
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT count(*) FROM rejects"), REJECTS_CAP);
	/* The newest are kept. */
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT min(received_at) FROM rejects"), 1000 + 6);
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT max(length(body_head)) FROM rejects"), REJECT_BODY_BYTES);
	store_close(st);
	buf_free(&err);
	buf_free(&path);
}

/*
 * A database as another process would open it, on SQLite's own VFS: the
 * count the query gives, or -1 (and the case fails) when it cannot be
 * read or integrity_check finds fault.
 */
long long
sound_count(const char *path, int flags, const char *count)
{
	static const char check[] = "SELECT group_concat(integrity_check)"
	    " FROM pragma_integrity_check";
	sqlite3 *db = NULL;
	sqlite3_stmt *p = NULL, *q = NULL;
	long long n = -1;

	if (sqlite3_open_v2(path, &db, flags, "unix") != SQLITE_OK ||
	    sqlite3_prepare_v2(db, count, -1, &p, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, check, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(p) != SQLITE_ROW || sqlite3_step(q) != SQLITE_ROW)
		note(__LINE__, "read %s: %s", path, sqlite3_errmsg(db));
	else if (strcmp((const char *)sqlite3_column_text(q, 0), "ok") != 0)
		note(__LINE__, "%s: %s", path,
		    (const char *)sqlite3_column_text(q, 0));
	else
		n = sqlite3_column_int64(p, 0);
	sqlite3_finalize(p);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/*
 * Once store_write has returned, another connection, with the store
 * still open, must read every row and every page.
 */
static void
outside_reads(const char *path, int events)
{
	EXPECT_INT(sound_count(path, SQLITE_OPEN_READONLY,
	    "SELECT count(*) FROM events"), events);
}

/*
 * Group commit (fcgi.c hands store_write whole batches): one batch with
 * a new event, a redelivery of it inside the same batch, an event that
 * is already stored and a reject. The redelivery gets the new row's id;
 * the stored one its old id; all in one transaction.
 */
static void
store_write_batch(int flags, const char *file)
{
	struct buf err = { 0 }, path = { 0 };
	struct request r;
	struct event ev[3];
	struct stored_event se[3];
	struct store_item items[4];
	struct reject rj = { .endpoint = "catalog", .status = 401,
	    .reason = "wrong token", .addr = "192.0.2.1", .now = 1000 };
	struct store *st;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.method_name = (char *)"POST";
	r.query = r.content_type = r.remote_addr = (char *)"";
	buf_add(&r.body, "{}", 2);
	memset(ev, 0, sizeof(ev));
	snprintf(ev[0].type, sizeof(ev[0].type), "order");
	snprintf(ev[0].key, sizeof(ev[0].key), "old");
	ev[1] = ev[0];
	snprintf(ev[1].key, sizeof(ev[1].key), "new");
	ev[2] = ev[1];
	for (i = 0; i < 3; i++)
		se[i] = (struct stored_event){ .endpoint = "catalog",
		    .provider = "flipsnack", .ev = &ev[i], .req = &r,
		    .query = "", .headers = "{}", .now = 1000 };
	buf_printf(&path, "%s/%s", tmpdir, file);
	if ((st = store_open(path.data, 100, flags, &err)) == NULL) {
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
		goto out;
	}
	memset(items, 0, sizeof(items));
	items[0].se = &se[0];
	store_write(st, items, 1);
	EXPECT_INT(items[0].result, ST_OK);
	EXPECT_INT(items[0].id, 1);

	memset(items, 0, sizeof(items));
	items[0].se = &se[1];		/* new */
	items[1].se = &se[2];		/* new again, same batch */
	items[2].se = &se[0];		/* stored before */
	items[3].rj = &rj;
	store_write(st, items, 4);
	EXPECT_INT(items[0].result, ST_OK);
	EXPECT_INT(items[0].id, 2);
	EXPECT_INT(items[1].result, ST_DUPLICATE);
	EXPECT_INT(items[1].id, 2);
	EXPECT_INT(items[2].result, ST_DUPLICATE);
	EXPECT_INT(items[2].id, 1);
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT count(*) FROM rejects"), 1);
	outside_reads(path.data, 2);
	store_close(st);
 out:
	buf_free(&r.body);
	buf_free(&err);
	buf_free(&path);
}

static void
t_store_write_batch(void)
{
	store_write_batch(0, "batch.db");
}

/*
 * The FastCGI committer's way: no looks before the write transaction,
 * and the WAL's fsync after each commit (synchronous=FULL, the default).
 */
static void
t_store_write_batch_group(void)
{
	store_write_batch(STORE_GROUP | STORE_SYNC_FULL, "batch-group.db");
}

/* ---- the store when writes fail ---- */

/*
 * A VFS that main() makes the default, so the store opens through it.
 * It passes everything through to SQLite's "unix" VFS, and fails the WAL
 * writes a case asks for.
 */
enum fault { FAULT_NONE, FAULT_REWRITE, FAULT_FULL };
static enum fault	 fault_kind;
static int		 fault_hits;
static int		 wal_syncs;	/* fsyncs of a WAL, all told */
static sqlite3_vfs	*fault_below;

struct ffile {
	sqlite3_file	 base;
	int		 wal;
	sqlite3_file	 real[];
};
#define REAL(p)	(((struct ffile *)(p))->real)

/*
 * FAULT_REWRITE: a frame header with a commit's database size, written
 * over a frame already in the file: SQLite rewriting the checksums of a
 * transaction that wrote a page twice. FAULT_FULL: every WAL write, as
 * on a full disk.
 */
static int
f_write(sqlite3_file *p, const void *b, int n, sqlite3_int64 off)
{
	const unsigned char *h = b;
	sqlite3_int64 size = 0;

	if (((struct ffile *)p)->wal && fault_kind == FAULT_FULL) {
		fault_hits++;
		return SQLITE_FULL;
	}
	if (((struct ffile *)p)->wal && fault_kind == FAULT_REWRITE &&
	    n == 24 && (h[4] | h[5] | h[6] | h[7]) != 0 &&
	    REAL(p)->pMethods->xFileSize(REAL(p), &size) == SQLITE_OK &&
	    off + n < size) {
		fault_hits++;
		return SQLITE_IOERR_WRITE;
	}
	return REAL(p)->pMethods->xWrite(REAL(p), b, n, off);
}

static int
f_close(sqlite3_file *p)
{
	return REAL(p)->pMethods->xClose(REAL(p));
}

static int
f_read(sqlite3_file *p, void *b, int n, sqlite3_int64 off)
{
	return REAL(p)->pMethods->xRead(REAL(p), b, n, off);
}

static int
f_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	return REAL(p)->pMethods->xTruncate(REAL(p), size);
}

static int
f_sync(sqlite3_file *p, int flags)
{
	wal_syncs += ((struct ffile *)p)->wal;
	return REAL(p)->pMethods->xSync(REAL(p), flags);
}

static int
f_size(sqlite3_file *p, sqlite3_int64 *size)
{
	return REAL(p)->pMethods->xFileSize(REAL(p), size);
}

static int
f_lock(sqlite3_file *p, int level)
{
	return REAL(p)->pMethods->xLock(REAL(p), level);
}

static int
f_unlock(sqlite3_file *p, int level)
{
	return REAL(p)->pMethods->xUnlock(REAL(p), level);
}

static int
f_reserved(sqlite3_file *p, int *out)
{
	return REAL(p)->pMethods->xCheckReservedLock(REAL(p), out);
}

static int
f_control(sqlite3_file *p, int op, void *arg)
{
	return REAL(p)->pMethods->xFileControl(REAL(p), op, arg);
}

static int
f_sector(sqlite3_file *p)
{
	return REAL(p)->pMethods->xSectorSize(REAL(p));
}

static int
f_device(sqlite3_file *p)
{
	return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p));
}

static int
f_shm_map(sqlite3_file *p, int region, int size, int extend,
    void volatile **out)
{
	return REAL(p)->pMethods->xShmMap(REAL(p), region, size, extend, out);
}

static int
f_shm_lock(sqlite3_file *p, int off, int n, int flags)
{
	return REAL(p)->pMethods->xShmLock(REAL(p), off, n, flags);
}

static void
f_shm_barrier(sqlite3_file *p)
{
	REAL(p)->pMethods->xShmBarrier(REAL(p));
}

static int
f_shm_unmap(sqlite3_file *p, int del)
{
	return REAL(p)->pMethods->xShmUnmap(REAL(p), del);
}

static int
f_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	return REAL(p)->pMethods->xFetch(REAL(p), off, n, out);
}

static int
f_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
	return REAL(p)->pMethods->xUnfetch(REAL(p), off, page);
}

static const sqlite3_io_methods fault_methods = {
	3, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock,
	f_unlock, f_reserved, f_control, f_sector, f_device, f_shm_map,
	f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch,
};

static int
f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags,
    int *out_flags)
{
	struct ffile *f = (struct ffile *)p;
	int rc;

	(void)vfs;
	memset(f, 0, sizeof(*f));
	rc = fault_below->xOpen(fault_below, name, f->real, flags, out_flags);
	if (f->real->pMethods != NULL)
		f->base.pMethods = &fault_methods;
	f->wal = (flags & SQLITE_OPEN_WAL) != 0;
	return rc;
}

void
fault_register(void)
{
	static sqlite3_vfs v;

	if ((fault_below = sqlite3_vfs_find("unix")) == NULL ||
	    fault_below->iVersion < 3)
		return;
	v = *fault_below;
	v.zName = "unit-faults";
	v.pNext = NULL;
	v.szOsFile = (int)(offsetof(struct ffile, real) +
	    (size_t)fault_below->szOsFile);
	v.xOpen = f_open;
	sqlite3_vfs_register(&v, 1);
}

static int
copy_file(const char *from, const char *to)
{
	char b[65536];
	ssize_t n = 0;
	int in, out, rc = 0;

	if ((in = open(from, O_RDONLY)) == -1)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		close(in);
		return -1;
	}
	while (rc == 0 && (n = read(in, b, sizeof(b))) > 0)
		if (write(out, b, (size_t)n) != n)
			rc = -1;
	close(in);
	close(out);
	return n < 0 ? -1 : rc;
}

/*
 * A crash now: a copy of the database and its WAL as they are, opened
 * as a new process would open them. Returns its count of events, or -1.
 */
static long long
crash_count(const char *path)
{
	struct buf wal = { 0 }, copy = { 0 }, copy_wal = { 0 }, shm = { 0 };
	long long n = -1;

	buf_printf(&wal, "%s-wal", path);
	buf_printf(&copy, "%s.crash", path);
	buf_printf(&copy_wal, "%s.crash-wal", path);
	buf_printf(&shm, "%s.crash-shm", path);
	unlink(shm.data);	/* the last copy's */
	if (copy_file(path, copy.data) == -1 ||
	    copy_file(wal.data, copy_wal.data) == -1)
		note(__LINE__, "copy %s: %s", path, strerror(errno));
	else	/* read-write: a new process recovers the WAL */
		n = sound_count(copy.data, SQLITE_OPEN_READWRITE,
		    "SELECT count(*) FROM events");
	buf_free(&wal);
	buf_free(&copy);
	buf_free(&copy_wal);
	buf_free(&shm);
	return n;
}

/*
 * When a transaction has written a page twice, SQLite rewrites the frame
 * headers from that page on at commit, the commit frame's last, with no
 * page after it. Should that write fail, the commit must fail, and no
 * event of the batch be acknowledged. Batches of large bodies over the
 * store's small page cache make such commits, restarts among them.
 * After every batch, a crash must keep each acknowledged event.
 */
static void
t_store_rewrite_fails(void)
{
	enum { BATCHES = 24, PER = 32 };
	static char body[48 * 1024];
	static struct request r[PER];
	static struct event ev[PER];
	static struct stored_event se[PER];
	struct store_item it[PER];
	struct buf err = { 0 }, path = { 0 }, marker = { 0 };
	struct store *st = NULL;
	unsigned seed = 12345;
	long long acked = 0;
	int b, i, failed_batches = 0;

	for (i = 0; i < (int)sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	buf_printf(&path, "%s/rewrite.db", tmpdir);
	buf_printf(&marker, "%s.fsync-failed", path.data);
	for (b = 0; b < BATCHES && why[0] == '\0'; b++) {
		int hits = fault_hits, ok = 0;

		if (st == NULL && (st = store_open(path.data, 1000,
		    STORE_SYNC_FULL | STORE_GROUP, &err)) == NULL) {
			note(__LINE__, "store_open: %s", err.data);
			break;
		}
		memset(it, 0, sizeof(it));
		for (i = 0; i < PER; i++) {
			seed = seed * 1103515245u + 12345u;
			r[i] = (struct request){ .method_name = (char *)"POST",
			    .query = (char *)"", .content_type = (char *)"",
			    .remote_addr = (char *)"" };
			r[i].body.data = body;
			r[i].body.len = (seed >> 8) % sizeof(body);
			memset(&ev[i], 0, sizeof(ev[i]));
			snprintf(ev[i].type, sizeof(ev[i].type), "order");
			snprintf(ev[i].key, sizeof(ev[i].key), "%d-%d", b, i);
			se[i] = (struct stored_event){ .endpoint = "catalog",
			    .provider = "flipsnack", .ev = &ev[i], .req = &r[i],
			    .query = "", .headers = "{}", .now = 1000 + b };
			it[i].se = &se[i];
		}
		fault_kind = FAULT_REWRITE;
		store_write(st, it, PER);
		fault_kind = FAULT_NONE;
		for (i = 0; i < PER; i++)
			ok += it[i].result == ST_OK ||
			    it[i].result == ST_DUPLICATE;
		if (fault_hits > hits) {
			failed_batches++;
			EXPECT_INT(ok, 0);
		} else
			EXPECT_INT(ok, PER);
		acked += ok;
		if (ok < PER) {
			store_close(st);	/* as fcgi.c after a failure */
			st = NULL;
		}
		EXPECT_INT(crash_count(path.data), acked);
	}
	/* The commit failed, and not the fsync. */
	EXPECT(access(marker.data, F_OK) == -1);
	EXPECT(failed_batches >= 2);	/* else the case tested nothing */
	EXPECT(failed_batches < BATCHES);
	if (st != NULL)
		store_close(st);
	buf_free(&err);
	buf_free(&path);
	buf_free(&marker);
}

/*
 * A full disk while a transaction has spilled pages to the WAL: the
 * whole transaction is undone, and the same connection writes again
 * once there is room.
 */
static void
t_store_full_undoes_transaction(void)
{
	struct buf path = { 0 };
	sqlite3 *db = NULL;
	int rc;

	buf_printf(&path, "%s/full.db", tmpdir);
	if (sqlite3_open_v2(path.data, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
	    " CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB);"
	    " PRAGMA cache_size=2; BEGIN;"
	    " WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c"
	    "  WHERE i < 300) INSERT INTO t (k, v) SELECT 'a' || i,"
	    "  randomblob(900) FROM c", NULL, NULL, NULL) != SQLITE_OK) {
		note(__LINE__, "%s: %s", path.data, sqlite3_errmsg(db));
		goto out;
	}
	fault_kind = FAULT_FULL;
	rc = sqlite3_exec(db, "INSERT INTO t (k, v) SELECT 'b' || k,"
	    " randomblob(10) FROM t WHERE id < 5", NULL, NULL, NULL);
	fault_kind = FAULT_NONE;
	EXPECT(rc != SQLITE_OK);
	EXPECT(fault_hits > 0);
	EXPECT(sqlite3_get_autocommit(db));	/* no transaction left open */
	/* With room again, the same connection writes: nothing was kept. */
	EXPECT_INT(sqlite3_exec(db, "INSERT INTO t (k, v) VALUES ('after',"
	    " x'00')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	db = NULL;
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT count(*) FROM t"), 1);
 out:
	sqlite3_close(db);
	buf_free(&path);
}

/*
 * The FastCGI loop keeps its store open after a batch of rejects alone
 * fails (only a failed event makes it reopen). A full disk failing that
 * batch, told to SQLite, must not fail the next one, a redelivery's
 * fsync included: kept, it made <database>.fsync-failed, and every later
 * request a 503 until `hookbox check`.
 */
static void
t_store_full_then_room(void)
{
	struct buf err = { 0 }, path = { 0 }, marker = { 0 };
	struct request r;
	struct event ev;
	struct stored_event se;
	struct store_item it, rjs[48];	/* pages enough to be held */
	char body[REJECT_BODY_BYTES];
	struct reject rj = { .endpoint = "catalog", .status = 401,
	    .reason = "wrong token", .addr = "192.0.2.1", .body = body,
	    .len = sizeof(body), .now = 1000 };
	struct store *st;
	size_t i;
	int hits = fault_hits;

	memset(&r, 0, sizeof(r));
	r.method_name = (char *)"POST";
	r.query = r.content_type = r.remote_addr = (char *)"";
	buf_add(&r.body, "{}", 2);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.type, sizeof(ev.type), "order");
	snprintf(ev.key, sizeof(ev.key), "one");
	se = (struct stored_event){ .endpoint = "catalog",
	    .provider = "flipsnack", .ev = &ev, .req = &r, .query = "",
	    .headers = "{}", .now = 1000 };
	buf_printf(&path, "%s/room.db", tmpdir);
	buf_printf(&marker, "%s.fsync-failed", path.data);
	if ((st = store_open(path.data, 1000, STORE_SYNC_FULL | STORE_GROUP,
	    &err)) == NULL) {
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
		goto out;
	}
	it = (struct store_item){ .se = &se };
	store_write(st, &it, 1);
	EXPECT_INT(it.result, ST_OK);
	memset(body, 'x', sizeof(body));
	for (i = 0; i < sizeof(rjs) / sizeof(rjs[0]); i++)
		rjs[i] = (struct store_item){ .rj = &rj };
	fault_kind = FAULT_FULL;
	store_write(st, rjs, sizeof(rjs) / sizeof(rjs[0]));
	fault_kind = FAULT_NONE;
	EXPECT(fault_hits > hits);
	it = (struct store_item){ .se = &se };
	store_write(st, &it, 1);
	EXPECT_INT(it.result, ST_DUPLICATE);
	EXPECT(access(marker.data, F_OK) == -1);
	snprintf(ev.key, sizeof(ev.key), "two");
	it = (struct store_item){ .se = &se };
	store_write(st, &it, 1);
	EXPECT_INT(it.result, ST_OK);
	store_close(st);
 out:
	buf_free(&r.body);
	buf_free(&err);
	buf_free(&path);
	buf_free(&marker);
}

/*
 * A receiver lets go of the write lock before its fsync, so a runner can
 * claim an event that is not on the disk yet: the claim fsyncs the WAL
 * before the hook may run, once for every event read before that fsync.
 * The receiver here never fsyncs (synchronous=NORMAL alone).
 */
static void
t_store_claim_durable(void)
{
	struct buf err = { 0 }, path = { 0 };
	struct request r;
	struct event ev[3];
	struct stored_event se[3];
	struct store_item it;
	struct delivery d;
	struct store *rcv = NULL, *run = NULL;
	time_t now = time(NULL);
	int i, syncs;

	memset(&r, 0, sizeof(r));
	r.method_name = (char *)"POST";
	r.query = r.content_type = r.remote_addr = (char *)"";
	buf_add(&r.body, "{}", 2);
	buf_printf(&path, "%s/claim.db", tmpdir);
	if ((rcv = store_open(path.data, 1000, STORE_GROUP, &err)) == NULL ||
	    (run = store_open(path.data, 1000, STORE_QUEUE, &err)) == NULL) {
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
		goto out;
	}
	for (i = 0; i < 3; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		snprintf(ev[i].type, sizeof(ev[i].type), "order");
		snprintf(ev[i].key, sizeof(ev[i].key), "k%d", i);
		snprintf(ev[i].resource, sizeof(ev[i].resource), "r%d", i);
		se[i] = (struct stored_event){ .endpoint = "catalog",
		    .provider = "flipsnack", .ev = &ev[i], .req = &r,
		    .query = "", .headers = "{}", .hook = "order", .now = now };
	}
	it = (struct store_item){ .se = &se[0] };
	store_write(rcv, &it, 1);
	EXPECT_INT(it.result, ST_OK);
	syncs = wal_syncs;
	EXPECT_INT(store_claim(run, now, 8, 60, NULL, &d), 1);
	EXPECT_INT(d.event_id, 1);
	EXPECT(wal_syncs > syncs);
	delivery_free(&d);
	/* Two more events; the first claim's fsync covers the second too. */
	for (i = 1; i < 3; i++) {
		it = (struct store_item){ .se = &se[i] };
		store_write(rcv, &it, 1);
		EXPECT_INT(it.result, ST_OK);
	}
	syncs = wal_syncs;
	EXPECT_INT(store_claim(run, now, 8, 60, NULL, &d), 1);
	EXPECT_INT(d.event_id, 2);
	EXPECT_INT(wal_syncs, syncs + 1);
	delivery_free(&d);
	EXPECT_INT(store_claim(run, now, 8, 60, NULL, &d), 1);
	EXPECT_INT(d.event_id, 3);
	EXPECT_INT(wal_syncs, syncs + 1);
	delivery_free(&d);
 out:
	store_close(run);
	store_close(rcv);
	buf_free(&r.body);
	buf_free(&err);
	buf_free(&path);
}

/*
 * Refused requests are diagnostics: a batch of rejects alone commits
 * without an fsync, and the same cause from the same address in the same
 * second counts on one row. An event in the batch still waits for the
 * disk, a duplicate found by a look first too.
 */
static void
t_store_rejects_cheap(void)
{
	struct buf err = { 0 }, path = { 0 };
	struct reject a = { .endpoint = "catalog", .status = 401,
	    .reason = "wrong token", .addr = "192.0.2.1", .now = 1000 };
	struct reject b = a;
	struct request r;
	struct event ev;
	struct stored_event se;
	struct store_item it[3];
	struct store *st = NULL;
	int i, syncs;

	b.addr = "192.0.2.2";
	memset(&r, 0, sizeof(r));
	r.method_name = (char *)"POST";
	r.query = r.content_type = r.remote_addr = (char *)"";
	buf_add(&r.body, "{}", 2);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.type, sizeof(ev.type), "order");
	snprintf(ev.key, sizeof(ev.key), "k1");
	se = (struct stored_event){ .endpoint = "catalog",
	    .provider = "flipsnack", .ev = &ev, .req = &r, .query = "",
	    .headers = "{}", .now = 1000 };
	buf_printf(&path, "%s/rejects-cheap.db", tmpdir);
	if ((st = store_open(path.data, 1000, STORE_SYNC_FULL, &err)) ==
	    NULL) {
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
		goto out;
	}
	syncs = wal_syncs;
	for (i = 0; i < 5; i++) {
		it[0] = (struct store_item){ .rj = &a };
		store_write(st, it, 1);
	}
	it[0] = (struct store_item){ .rj = &b };
	store_write(st, it, 1);
	a.now++;			/* the next second: a row of its own */
	it[0] = (struct store_item){ .rj = &a };
	store_write(st, it, 1);
	EXPECT_INT(wal_syncs, syncs);
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT count(*) FROM rejects"), 3);
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT count FROM rejects WHERE remote_addr = '192.0.2.1'"
	    " AND received_at = 1000"), 5);
	EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
	    "SELECT sum(count) FROM rejects"), 7);
	/* With an event, the batch is synced. */
	it[0] = (struct store_item){ .rj = &a };
	it[1] = (struct store_item){ .se = &se };
	store_write(st, it, 2);
	EXPECT_INT(it[1].result, ST_OK);
	EXPECT(wal_syncs > syncs);
	/* A redelivery found by a look first, beside a reject: synced. */
	syncs = wal_syncs;
	it[0] = (struct store_item){ .rj = &b };
	it[1] = (struct store_item){ .se = &se };
	store_write(st, it, 2);
	EXPECT_INT(it[1].result, ST_DUPLICATE);
	EXPECT(wal_syncs > syncs);
 out:
	store_close(st);
	buf_free(&r.body);
	buf_free(&err);
	buf_free(&path);
}

/* ---- the command line's queries (store_read.c) ---- */

/*
 * Writes one event through store_write, as a request would; hook is the
 * matched pattern (it is then queued for a runner) or NULL. Returns its
 * id, or -1.
 */
static long long
put(struct store *st, const char *endpoint, const char *type,
    const char *key, const char *hook, const void *body, size_t len,
    time_t now)
{
	struct request r;
	struct event ev;
	struct stored_event se;
	struct store_item it;

	memset(&r, 0, sizeof(r));
	r.method_name = (char *)"POST";
	r.content_type = (char *)"application/json";
	r.query = r.remote_addr = (char *)"192.0.2.5";
	buf_add(&r.body, body, len);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.type, sizeof(ev.type), "%s", type);
	snprintf(ev.key, sizeof(ev.key), "%s", key);
	snprintf(ev.resource, sizeof(ev.resource), "r-%s", key);
	snprintf(ev.proof, sizeof(ev.proof), "url token");
	se = (struct stored_event){ .endpoint = endpoint, .provider = "p",
	    .ev = &ev, .req = &r, .query = "q=1", .headers = "{}",
	    .hook = hook, .now = now };
	it = (struct store_item){ .se = &se };
	store_write(st, &it, 1);
	buf_free(&r.body);
	if (it.result != ST_OK) {
		note(__LINE__, "store_write %s: %d", key, it.result);
		return -1;
	}
	return it.id;
}

/*
 * The database the queries' cases read, each from its own file:
 *	1 catalog order		  (hook "order": claimed, running)
 *	2 catalog order.created	  (no hook)
 *	3 shop	  product.update  (no hook)
 *	4 catalog order.updated	  (hook "order.*": dispatched, pending)
 *	5 catalog order		  (hook "order": still queued)
 */
static struct store *
queries_store(const char *file)
{
	struct buf err = { 0 }, path = { 0 };
	struct store *st;
	struct delivery d;

	buf_printf(&path, "%s/%s", tmpdir, file);
	st = store_open(path.data, 1000, 0, &err);
	if (st == NULL)
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
	else if (put(st, "catalog", "order", "a1", "order", "{\"n\":1}", 7,
	    1000) != 1 ||
	    put(st, "catalog", "order.created", "a2", NULL, "a\0b", 3,
	    2000) != 2 ||
	    put(st, "shop", "product.update", "p1", NULL, "", 0, 3000) != 3 ||
	    put(st, "catalog", "order.updated", "a3", "order.*", "{}", 2,
	    4000) != 4)
		note(__LINE__, "the events were not stored in order");
	else if (store_claim(st, 5000, 8, 60, NULL, &d) != 1 ||
	    d.event_id != 1) {
		note(__LINE__, "no claim of event 1");
		delivery_free(&d);
	} else {
		delivery_free(&d);
		if (put(st, "catalog", "order", "a5", "order", "{}", 2,
		    6000) != 5)
			note(__LINE__, "event 5 was not stored");
	}
	buf_free(&err);
	buf_free(&path);
	return st;
}

/* A row's text as a C string for a comparison: "(null)" for SQL NULL. */
static void
add_text(struct buf *b, const char *sep, struct store_text t)
{
	buf_addstr(b, sep);
	if (t.s == NULL)
		buf_addstr(b, "(null)");
	else
		buf_add(b, t.s, t.len);
}

/* What a walk saw: its rows, "; " between them, and when to stop. */
struct walk {
	struct buf	 rows;
	int		 stop_after;	/* 0: never */
	int		 n;
};

static int
list_seen(void *arg, const struct event_row *r)
{
	struct walk *w = arg;

	buf_printf(&w->rows, "%s%lld@%lld", w->n ? "; " : "", r->id,
	    (long long)r->received_at);
	add_text(&w->rows, " ", r->endpoint);
	add_text(&w->rows, " ", r->type);
	add_text(&w->rows, " ", r->hook_status);
	return ++w->n == w->stop_after;
}

static const char *
list_of(struct store *st, struct walk *w, const struct list_filter *f,
    int want_n)
{
	w->rows.len = 0;
	w->n = 0;
	buf_add(&w->rows, "", 0);
	EXPECT_INT(store_list(st, f, list_seen, w), want_n);
	return w->rows.data;
}

static int	 type_seen(void *, const char *, const char *);

/* `hookbox list`: newest first, each filter alone, the hook's state. */
static void
t_store_list(void)
{
	struct store *st = queries_store("q-list.db"), *other;
	struct walk w = { { 0 }, 0, 0 };
	struct buf path = { 0 }, err = { 0 };
	struct list_filter f;

	if (st == NULL)
		return;
	f = (struct list_filter){ .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 5),
	    "5@6000 catalog order pending; "
	    "4@4000 catalog order.updated pending; "
	    "3@3000 shop product.update (null); "
	    "2@2000 catalog order.created (null); "
	    "1@1000 catalog order running");
	f = (struct list_filter){ .limit = 2 };
	EXPECT_STR(list_of(st, &w, &f, 2),
	    "5@6000 catalog order pending; "
	    "4@4000 catalog order.updated pending");
	f = (struct list_filter){ .endpoint = "shop", .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 1), "3@3000 shop product.update (null)");
	/* A type ending in ".*" is the family, without the bare name. */
	f = (struct list_filter){ .type = "order.*", .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 2),
	    "4@4000 catalog order.updated pending; "
	    "2@2000 catalog order.created (null)");
	f = (struct list_filter){ .type = "order", .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 2),
	    "5@6000 catalog order pending; 1@1000 catalog order running");
	f = (struct list_filter){ .since = 3000, .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 3),
	    "5@6000 catalog order pending; "
	    "4@4000 catalog order.updated pending; "
	    "3@3000 shop product.update (null)");
	f = (struct list_filter){ .status = "running", .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 1), "1@1000 catalog order running");
	f = (struct list_filter){ .endpoint = "catalog", .type = "order.*",
	    .status = "pending", .since = 3000, .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 1),
	    "4@4000 catalog order.updated pending");
	f = (struct list_filter){ .endpoint = "nowhere", .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 0), "");
	/* The callback stops the walk. */
	w.stop_after = 2;
	f = (struct list_filter){ .limit = 50 };
	EXPECT_STR(list_of(st, &w, &f, 2),
	    "5@6000 catalog order pending; "
	    "4@4000 catalog order.updated pending");
	/*
	 * A walk cut short leaves no read transaction open: the next query
	 * sees what another connection has written since.
	 */
	buf_printf(&path, "%s/q-list.db", tmpdir);
	if ((other = store_open(path.data, 1000, 0, &err)) == NULL)
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
	else {
		EXPECT_INT(put(other, "catalog", "order", "a6", NULL, "{}", 2,
		    7000), 6);
		EXPECT_INT(store_event_type(st, 6, type_seen, &w.rows), 1);
	}
	store_close(other);
	buf_free(&w.rows);
	buf_free(&path);
	buf_free(&err);
	store_close(st);
}

static int
detail_seen(void *arg, const struct event_detail *e)
{
	struct buf *b = arg;

	buf_printf(b, "%lld@%lld", e->id, (long long)e->received_at);
	add_text(b, " ", e->endpoint);
	add_text(b, " ", e->provider);
	add_text(b, " ", e->type);
	add_text(b, " ", e->key);
	add_text(b, " ", e->resource);
	add_text(b, " ", e->method);
	add_text(b, " ", e->query);
	add_text(b, " ", e->content_type);
	add_text(b, " ", e->remote_addr);
	add_text(b, " ", e->proof);
	add_text(b, " ", e->headers);
	buf_printf(b, " body %zu:", e->body.len);
	if (e->body.s != NULL)
		buf_add(b, e->body.s, e->body.len);
	return 0;
}

static int
hook_seen(void *arg, const char *hook)
{
	buf_addstr(arg, hook);
	return 0;
}

static int
type_seen(void *arg, const char *endpoint, const char *type)
{
	buf_printf(arg, "%s %s", endpoint, type);
	return 0;
}

static int
attempt_seen(void *arg, const struct attempt_row *a)
{
	struct buf *b = arg;

	buf_printf(b, "attempt %d", a->attempt);
	add_text(b, " ", a->hook);
	add_text(b, " ", a->status);
	buf_printf(b, " exit %d signal %d started %lld next %lld;",
	    a->exit_code, a->signal, (long long)a->started_at,
	    (long long)a->next_at);
	return 0;
}

/* `hookbox show` and `replay`: one event, its attempts, its queued hook. */
static void
t_store_event_queries(void)
{
	struct store *st = queries_store("q-event.db");
	struct buf b = { 0 };

	if (st == NULL)
		return;
	EXPECT_INT(store_event_detail(st, 2, detail_seen, &b), 1);
	/* The body's bytes, a NUL among them. */
	EXPECT_INT(b.len, strlen(b.data) + 2);
	EXPECT_STR(b.data, "2@2000 catalog p order.created a2 r-a2 POST q=1 "
	    "application/json 192.0.2.5 url token {} body 3:a");
	b.len = 0;
	EXPECT_INT(store_event_detail(st, 3, detail_seen, &b), 1);
	EXPECT_HAS(b.data, " body 0:");	/* an empty body: s NULL */
	b.len = 0;
	EXPECT_INT(store_event_detail(st, 99, detail_seen, &b), 0);
	EXPECT_INT(b.len, 0);

	EXPECT_INT(store_attempts(st, 1, attempt_seen, &b), 1);
	EXPECT_STR(b.data, "attempt 1 order running exit -1 signal -1 "
	    "started 5000 next 0;");
	b.len = 0;
	EXPECT_INT(store_attempts(st, 4, attempt_seen, &b), 1);
	EXPECT_STR(b.data, "attempt 1 order.* pending exit -1 signal -1 "
	    "started 0 next 4000;");
	b.len = 0;
	EXPECT_INT(store_attempts(st, 5, attempt_seen, &b), 0);
	EXPECT_INT(store_queued_hook(st, 5, hook_seen, &b), 1);
	EXPECT_STR(b.data, "order");
	b.len = 0;
	EXPECT_INT(store_attempts(st, 2, attempt_seen, &b), 0);
	EXPECT_INT(store_queued_hook(st, 2, hook_seen, &b), 0);

	EXPECT_INT(store_event_type(st, 3, type_seen, &b), 1);
	EXPECT_STR(b.data, "shop product.update");
	EXPECT_INT(store_event_type(st, 99, type_seen, &b), 0);
	buf_free(&b);
	store_close(st);
}

static int
reject_seen(void *arg, const struct reject_row *r)
{
	struct buf *b = arg;

	buf_printf(b, "%lld@%lld %d", r->id, (long long)r->received_at,
	    r->status);
	add_text(b, " ", r->endpoint);
	add_text(b, " ", r->remote_addr);
	add_text(b, " ", r->reason);
	buf_printf(b, " %zu:", r->body_head.len);
	add_text(b, "", r->body_head);
	buf_printf(b, " x%lld; ", r->count);
	return 0;
}

static int
count_seen(void *arg, const struct count_row *c)
{
	struct buf *b = arg;

	add_text(b, "", c->endpoint);
	add_text(b, "/", c->name);
	add_text(b, "/", c->state);
	buf_printf(b, "=%lld; ", c->n);
	return 0;
}

/* `hookbox rejects` newest first; `hookbox stats`, section by section. */
static void
t_store_rejects_and_counts(void)
{
	struct store *st = queries_store("q-counts.db");
	struct reject rj = { .endpoint = "catalog", .status = 401,
	    .reason = "wrong token", .addr = "192.0.2.1", .body = "{\"x\"",
	    .len = 4, .now = 100 };
	struct buf b = { 0 };

	if (st == NULL)
		return;
	store_reject(st, &rj);
	store_reject(st, &rj);		/* the same second: counted */
	rj = (struct reject){ .status = 404, .reason = "no such endpoint",
	    .now = 101 };
	store_reject(st, &rj);
	EXPECT_INT(store_rejects(st, 50, reject_seen, &b), 2);
	/* An empty body is an empty blob: "" and not NULL. */
	EXPECT_STR(b.data, "2@101 404   no such endpoint 0: x1; "
	    "1@100 401 catalog 192.0.2.1 wrong token 4:{\"x\" x2; ");
	b.len = 0;
	EXPECT_INT(store_rejects(st, 1, reject_seen, &b), 1);
	EXPECT_HAS(b.data, "2@101 404");

	b.len = 0;
	EXPECT_INT(store_counts(st, COUNT_EVENTS, count_seen, &b), 4);
	EXPECT_STR(b.data, "catalog/order/=2; catalog/order.created/=1; "
	    "catalog/order.updated/=1; shop/product.update/=1; ");
	b.len = 0;
	/* The queued event 5 counts as pending beside the running one. */
	EXPECT_INT(store_counts(st, COUNT_HOOKS, count_seen, &b), 3);
	EXPECT_STR(b.data, "catalog/order/pending=1; catalog/order/running=1; "
	    "catalog/order.updated/pending=1; ");
	b.len = 0;
	EXPECT_INT(store_counts(st, COUNT_ATTEMPTS, count_seen, &b), 2);
	EXPECT_STR(b.data, "catalog/order/running=1; "
	    "catalog/order.*/pending=1; ");
	buf_free(&b);
	store_close(st);
}

/* ---- main ---- */

const struct unit_case store_cases[] = {
	{ "store rejects table is bounded", t_store_rejects_bounded },
	{ "store batch: one transaction, duplicates inside it",
	    t_store_write_batch },
	{ "store batch as the FastCGI committer writes it (STORE_GROUP)",
	    t_store_write_batch_group },
	{ "store: a failed rewrite of a commit's frame header fails the "
	    "commit, and a crash keeps every acknowledged event",
	    t_store_rewrite_fails },
	{ "store: a full disk in a spilled transaction undoes the "
	    "whole transaction", t_store_full_undoes_transaction },
	{ "store: a hook's claim fsyncs the WAL first, once for the "
	    "events read before it", t_store_claim_durable },
	{ "store: rejects alone commit without an fsync, one row a "
	    "cause, address and second", t_store_rejects_cheap },
	{ "store: a batch a full disk failed does not fail the next one",
	    t_store_full_then_room },
	{ "store: list gives events newest first, through each filter",
	    t_store_list },
	{ "store: show's event, attempts and queued hook; replay's type",
	    t_store_event_queries },
	{ "store: rejects newest first; stats' three sections",
	    t_store_rejects_and_counts },
	{ NULL, NULL }
};
