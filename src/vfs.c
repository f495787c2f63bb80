/*
 * A thin layer over SQLite's default VFS that hands a commit's WAL writes
 * to the kernel in one pwrite instead of two a page. SQLite writes each
 * WAL frame as a 24-byte header and then the page: a FastCGI batch of
 * eight events made about fifteen write calls, each paying the file
 * system's cost per call on top of the copy (`make bench` weighs the
 * two, tests/bench/storeloop.c --vfs). Everything else passes through.
 *
 * What must not change is when a frame reaches the file. Frames become
 * visible to other connections when SQLite writes the wal-index header
 * in shared memory, after the last frame of the commit, and the fsync
 * that makes them durable comes after that (store.c, wal_sync). So the
 * held writes go out:
 *  - right after the page of a commit frame (its header has a non-zero
 *    "database size after commit", bytes 4-7; sqlite.org/fileformat.html
 *    section 4.1), before SQLite publishes anything, so that a failed
 *    write fails the commit the way an unbuffered one would;
 *  - before any other use of the WAL (a read, a sync, a truncate, its
 *    size, a file control, close), and before a write that does not
 *    follow on from the held ones;
 *  - at every shared-memory barrier or lock of its database file, in
 *    case a commit's frames were ever written in another pattern.
 * A commit frame's header that comes with nothing held before it is not
 * held at all: when a transaction wrote a page twice, SQLite rewrites
 * the frame headers from that page on (walRewriteChecksums), reading
 * each frame back and writing its header, and the last one written is
 * the commit's, with no page after it. Held, it would go out only when
 * SQLite asked the file's size or at the barrier, where a failure can
 * no longer fail the commit.
 * A held write that fails fails the call that sent it out, with
 * SQLITE_IOERR_WRITE whatever the cause: never SQLITE_FULL, on which
 * SQLite would undo only the statement it was running, when the frames
 * lost may be an earlier statement's. Where SQLite may go on whatever the
 * call returns (the WAL's size and truncation, which walLimitSize asks
 * for after a commit; file controls, often hints; the barriers and locks,
 * which return nothing), the failure is kept, and every later use of the
 * WAL fails until it is closed, its next sync too: store.c treats that as
 * a failed fsync, and nothing is acknowledged. A failure SQLite was told
 * of is not kept: it has undone the transaction, and the next one may
 * find a disk with room again.
 * Writes are held only while the database uses shared memory (SQLite's
 * exclusive "heap memory" WAL mode makes no barrier calls) on a device
 * with powersafe overwrite, SQLite's default on Unix: without it, SQLite
 * pads a commit to a sector boundary with a sync inside a frame.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hookbox.h"

#define HOLD_BYTES	(32 * 1024)	/* a batch's frames, mostly */
#define FRAME_HDR	24		/* a WAL frame's header */

struct vfile {
	sqlite3_file	 base;		/* pMethods: one of ours */
	struct vfile	*db;		/* a WAL: its database file */
	struct vfile	*wal;		/* a database file: its open WAL */
	int		 is_wal;
	int		 shm;		/* a database file: shm mapped */
	unsigned char	*hold;		/* a WAL: writes not yet made */
	size_t		 held;
	sqlite3_int64	 at;		/* file offset of hold[0] */
	int		 commit;	/* the next write ends a commit */
	int		 failed;	/* a held write failed, unheard of */
	int		 psow;		/* a WAL: powersafe overwrite */
	sqlite3_file	 real[];	/* the default VFS's file */
};

/* The default VFS, which does the work. */
#define PARENT(v)	((sqlite3_vfs *)(v)->pAppData)

/* The held writes, made. */
static int
put(struct vfile *f)
{
	int rc;

	if (f->held == 0)
		return SQLITE_OK;
	rc = f->real->pMethods->xWrite(f->real, f->hold, (int)f->held, f->at);
	f->held = 0;
	return rc;
}

/* Before any other use of the WAL, whose caller hears of a failure. */
static int
put_wal(struct vfile *f)
{
	if (!f->is_wal)
		return SQLITE_OK;
	if (f->failed)
		return SQLITE_IOERR_WRITE;
	return put(f) == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

/* Before a use whose failure SQLite may pass over: it is kept. */
static int
put_wal_kept(struct vfile *f)
{
	int rc = put_wal(f);

	if (rc != SQLITE_OK)
		f->failed = 1;
	return rc;
}

/* At a barrier or lock of the database file: its WAL's held writes. */
static void
put_db(struct vfile *f)
{
	if (f->wal != NULL)
		put_wal_kept(f->wal);
}

static int
v_close(sqlite3_file *p)
{
	struct vfile *f = (struct vfile *)p;
	int rc = put_wal(f), rc2;

	if (f->is_wal && f->db != NULL)
		f->db->wal = NULL;
	if (f->wal != NULL)
		f->wal->db = NULL;
	rc2 = f->real->pMethods->xClose(f->real);
	free(f->hold);
	f->hold = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
v_read(sqlite3_file *p, void *b, int n, sqlite3_int64 off)
{
	struct vfile *f = (struct vfile *)p;
	int rc = put_wal(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, b, n,
	    off);
}

/* Bytes 4-7 of a frame header, big-endian: non-zero on a commit frame. */
static int
is_commit_header(const unsigned char *h)
{
	return (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int
v_write(sqlite3_file *p, const void *b, int n, sqlite3_int64 off)
{
	struct vfile *f = (struct vfile *)p;
	int rc, ends, header = n == FRAME_HDR && is_commit_header(b);

	if (!f->is_wal || f->db == NULL || !f->db->shm || !f->psow || n <= 0 ||
	    (size_t)n > HOLD_BYTES || (header && f->held == 0))
		goto direct;
	if (f->failed)
		return SQLITE_IOERR_WRITE;
	if (f->held > 0 && (off != f->at + (sqlite3_int64)f->held ||
	    f->held + (size_t)n > HOLD_BYTES) && put(f) != SQLITE_OK)
		return SQLITE_IOERR_WRITE;
	if (f->hold == NULL && (f->hold = malloc(HOLD_BYTES)) == NULL)
		goto direct;
	if (f->held == 0)
		f->at = off;
	memcpy(f->hold + f->held, b, (size_t)n);
	f->held += (size_t)n;
	ends = f->commit && n != FRAME_HDR;
	f->commit = header;
	return ends && put(f) != SQLITE_OK ? SQLITE_IOERR_WRITE : SQLITE_OK;
 direct:
	f->commit = header;
	if ((rc = put_wal(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xWrite(f->real, b, n, off);
}

static int
v_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct vfile *f = (struct vfile *)p;
	int rc = put_wal_kept(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real,
	    size);
}

static int
v_sync(sqlite3_file *p, int flags)
{
	struct vfile *f = (struct vfile *)p;
	int rc = put_wal(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int
v_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct vfile *f = (struct vfile *)p;
	int rc = put_wal_kept(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real,
	    size);
}

static int
v_lock(sqlite3_file *p, int level)
{
	struct vfile *f = (struct vfile *)p;

	return f->real->pMethods->xLock(f->real, level);
}

static int
v_unlock(sqlite3_file *p, int level)
{
	struct vfile *f = (struct vfile *)p;

	return f->real->pMethods->xUnlock(f->real, level);
}

static int
v_reserved(sqlite3_file *p, int *out)
{
	struct vfile *f = (struct vfile *)p;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
v_control(sqlite3_file *p, int op, void *arg)
{
	struct vfile *f = (struct vfile *)p;
	int rc = put_wal_kept(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real,
	    op, arg);
}

static int
v_sector(sqlite3_file *p)
{
	struct vfile *f = (struct vfile *)p;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
v_device(sqlite3_file *p)
{
	struct vfile *f = (struct vfile *)p;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int
v_shm_map(sqlite3_file *p, int region, int size, int extend,
    void volatile **out)
{
	struct vfile *f = (struct vfile *)p;
	int rc = f->real->pMethods->xShmMap(f->real, region, size, extend,
	    out);

	if (rc == SQLITE_OK && *out != NULL)
		f->shm = 1;
	return rc;
}

static int
v_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
	struct vfile *f = (struct vfile *)p;

	put_db(f);
	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void
v_shm_barrier(sqlite3_file *p)
{
	struct vfile *f = (struct vfile *)p;

	put_db(f);
	f->real->pMethods->xShmBarrier(f->real);
}

static int
v_shm_unmap(sqlite3_file *p, int delete)
{
	struct vfile *f = (struct vfile *)p;

	put_db(f);
	f->shm = 0;
	return f->real->pMethods->xShmUnmap(f->real, delete);
}

static int
v_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	struct vfile *f = (struct vfile *)p;

	if (f->real->pMethods->iVersion < 3) {
		*out = NULL;	/* no memory map: SQLite reads instead */
		return SQLITE_OK;
	}
	return f->real->pMethods->xFetch(f->real, off, n, out);
}

static int
v_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
	struct vfile *f = (struct vfile *)p;

	if (f->real->pMethods->iVersion < 3)
		return SQLITE_OK;
	return f->real->pMethods->xUnfetch(f->real, off, page);
}

/* For a file the default VFS opened with shared memory. */
static const sqlite3_io_methods methods3 = {
	3, v_close, v_read, v_write, v_truncate, v_sync, v_size, v_lock,
	v_unlock, v_reserved, v_control, v_sector, v_device, v_shm_map,
	v_shm_lock, v_shm_barrier, v_shm_unmap, v_fetch, v_unfetch,
};

/* For one without (the default VFS on a file system without locks). */
static const sqlite3_io_methods methods1 = {
	1, v_close, v_read, v_write, v_truncate, v_sync, v_size, v_lock,
	v_unlock, v_reserved, v_control, v_sector, v_device, NULL, NULL,
	NULL, NULL, NULL, NULL,
};

static int
v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags,
    int *out_flags)
{
	struct vfile *f = (struct vfile *)p;
	const sqlite3_io_methods *m;
	int rc;

	memset(f, 0, sizeof(*f));
	rc = PARENT(vfs)->xOpen(PARENT(vfs), name, f->real, flags, out_flags);
	if ((m = f->real->pMethods) == NULL)
		return rc;	/* nothing to close */
	f->base.pMethods = m->iVersion >= 2 && m->xShmMap != NULL ?
	    &methods3 : &methods1;
	if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) && name != NULL) {
		f->is_wal = 1;
		f->db = (struct vfile *)sqlite3_database_file_object(name);
		if (f->db != NULL && f->db->base.pMethods != &methods3 &&
		    f->db->base.pMethods != &methods1)
			f->db = NULL;	/* not one of ours: hold nothing */
		if (f->db != NULL) {
			sqlite3_file *d = f->db->real;

			f->db->wal = f;
			f->psow = (d->pMethods->xDeviceCharacteristics(d) &
			    SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
		}
	}
	return rc;
}

static int
v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	return PARENT(vfs)->xDelete(PARENT(vfs), name, sync_dir);
}

static int
v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return PARENT(vfs)->xAccess(PARENT(vfs), name, flags, out);
}

static int
v_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return PARENT(vfs)->xFullPathname(PARENT(vfs), name, n, out);
}

static int
v_random(sqlite3_vfs *vfs, int n, char *out)
{
	return PARENT(vfs)->xRandomness(PARENT(vfs), n, out);
}

static int
v_sleep(sqlite3_vfs *vfs, int us)
{
	return PARENT(vfs)->xSleep(PARENT(vfs), us);
}

static int
v_time(sqlite3_vfs *vfs, double *out)
{
	return PARENT(vfs)->xCurrentTime(PARENT(vfs), out);
}

static int
v_error(sqlite3_vfs *vfs, int n, char *out)
{
	return PARENT(vfs)->xGetLastError(PARENT(vfs), n, out);
}

static int
v_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return PARENT(vfs)->xCurrentTimeInt64(PARENT(vfs), out);
}

/* Loading an extension: hookbox loads none, but SQLite may be asked to. */
static void *
v_dlopen(sqlite3_vfs *vfs, const char *name)
{
	return PARENT(vfs)->xDlOpen(PARENT(vfs), name);
}

static void
v_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	PARENT(vfs)->xDlError(PARENT(vfs), n, out);
}

static void (*v_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return PARENT(vfs)->xDlSym(PARENT(vfs), h, sym);
}

static void
v_dlclose(sqlite3_vfs *vfs, void *h)
{
	PARENT(vfs)->xDlClose(PARENT(vfs), h);
}

static sqlite3_vfs layer = {
	.iVersion = 2, .zName = VFS_NAME,
	.xOpen = v_open, .xDelete = v_delete, .xAccess = v_access,
	.xFullPathname = v_full, .xDlOpen = v_dlopen, .xDlError = v_dlerror,
	.xDlSym = v_dlsym, .xDlClose = v_dlclose,
	.xRandomness = v_random, .xSleep = v_sleep,
	.xCurrentTime = v_time, .xGetLastError = v_error,
	.xCurrentTimeInt64 = v_time64,
};

/*
 * Registers the layer over the default VFS, not as the default: only the
 * store's connections use it, by name. Called once, before any thread.
 */
void
vfs_setup(void)
{
	sqlite3_vfs *below = sqlite3_vfs_find(NULL);

	if (layer.pAppData != NULL || below == NULL || below->iVersion < 2 ||
	    below->xCurrentTimeInt64 == NULL || below->xDlOpen == NULL ||
	    below->xDlError == NULL || below->xDlSym == NULL ||
	    below->xDlClose == NULL)
		return;
	layer.pAppData = below;
	layer.szOsFile = (int)(offsetof(struct vfile, real) + below->szOsFile);
	layer.mxPathname = below->mxPathname;
	if (sqlite3_vfs_register(&layer, 0) != SQLITE_OK)
		layer.pAppData = NULL;
}
