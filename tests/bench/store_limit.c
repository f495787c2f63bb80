/*
 * store_limit: one durable INSERT into hookbox's database, the way hookbox
 * writes, and nothing else: no config, no JSON parse, no verification, no
 * hooks; the order id is found by a string search. store_cgi.c opens,
 * inserts and closes once per process; store_fcgi.c keeps one connection
 * for the life of its FastCGI process, as hookbox does there.
 *
 * The database is hookbox's own, made by `hookbox init`, so the schema
 * read at open is the one hookbox reads.
 *
 * It writes the way hookbox does (src/store.c and src/store_write.c), so that it bounds hookbox
 * from above: synchronous=NORMAL with the WAL's fsync after the write lock
 * is let go (under FULL, concurrent writers take turns at the disk), and
 * short naps while another process writes (SQLite's own busy handler
 * sleeps up to 100 ms at a time, which made the slowest answers far
 * slower: RESULTS.md, "Measurements behind the code"). Like hookbox, it
 * keeps the WAL between processes and checkpoints (and empties) it at
 * close only once it is longer than 128 frames: a process that opens the
 * database alone rebuilds the WAL's index by reading all of it, and a
 * rebuilt index never lets the log restart, so without that the log grows
 * by every event and each process reads more of it. A long-lived process
 * checkpoints once the log passes 1000 frames, after its fsync, as
 * hookbox does (the WAL hook below replaces SQLite's auto-checkpoint).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_limit.h"

#define KEEP_FRAMES	128	/* as hookbox's WAL_KEEP_FRAMES */
#define CKPT_FRAMES	1000	/* as hookbox's checkpoint in its WAL hook */

struct sl {
	sqlite3		*db;
	sqlite3_stmt	*ins;
	int		 frames;	/* in the WAL after the last commit */
};

static const char insert[] =
    "INSERT INTO events (endpoint, provider, event_type, event_key,"
    " received_at, method, body) VALUES ('catalog', 'flipsnack', 'order',"
    " ?1, ?2, 'POST', ?3)";

static int
committed(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	((struct sl *)arg)->frames = frames;
	return SQLITE_OK;
}

static int
nap(void *arg, int count)
{
	struct timespec ts = { 0, (100 + (count * 37 + getpid()) % 400) * 1000L };

	(void)arg;
	if (count >= 20000)	/* some seconds of naps: give up */
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/* The order id: the string after "order_id":". Its length in *len. */
static const char *
order_id(const char *body, size_t *len)
{
	static const char key[] = "\"order_id\":\"";
	const char *p = strstr(body, key), *end;

	if (p == NULL)
		return NULL;
	p += sizeof(key) - 1;
	if ((end = strchr(p, '"')) == NULL)
		return NULL;
	*len = (size_t)(end - p);
	return p;
}

struct sl *
sl_open(const char *conf)
{
	struct sl *s;
	const char *slash;
	char path[4096];
	int one = 1;

	if (conf == NULL || (slash = strrchr(conf, '/')) == NULL) {
		fprintf(stderr, "store_limit: HOOKBOX_CONF is not an absolute "
		    "path\n");
		return NULL;
	}
	if (snprintf(path, sizeof(path), "%.*s/data/hookbox.db",
	    (int)(slash - conf), conf) >= (int)sizeof(path) ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_busy_handler(s->db, nap, NULL);
	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	sqlite3_wal_hook(s->db, committed, s);
	/* The size limit lets the checkpoint at close empty the file. */
	if (sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL;"
	    "PRAGMA journal_size_limit=4194304", NULL, NULL, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, insert, -1, &s->ins, NULL) != SQLITE_OK)
		goto fail;
	return s;
 fail:
	fprintf(stderr, "store_limit: %s: %s\n", path, s->db != NULL ?
	    sqlite3_errmsg(s->db) : "cannot open the database");
	sl_close(s);
	return NULL;
}

/* BODY is NUL-terminated at LEN (the key is found with strstr). */
long long
sl_insert(struct sl *s, const char *body, size_t len)
{
	const char *key;
	size_t keylen = 0;
	sqlite3_file *wal = NULL;
	long long id;
	int rc;

	if ((key = order_id(body, &keylen)) == NULL)
		return 0;
	sqlite3_bind_text(s->ins, 1, key, (int)keylen, SQLITE_STATIC);
	sqlite3_bind_int64(s->ins, 2, (long long)time(NULL));
	sqlite3_bind_blob(s->ins, 3, body, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s->ins);
	sqlite3_reset(s->ins);
	sqlite3_clear_bindings(s->ins);
	if (rc != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(s->db);
	/* Autocommit: the write lock is gone; now the fsync. */
	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &wal) != SQLITE_OK || wal == NULL || wal->pMethods == NULL ||
	    wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) != SQLITE_OK)
		goto fail;
	if (s->frames >= CKPT_FRAMES)
		sqlite3_wal_checkpoint_v2(s->db, "main",
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return id;
 fail:
	fprintf(stderr, "store_limit: %s\n", sqlite3_errmsg(s->db));
	return -1;
}

void
sl_close(struct sl *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->ins);
	if (s->db != NULL && s->frames < KEEP_FRAMES)
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	sqlite3_close(s->db);
	free(s);
}

int
sl_answer(char *out, size_t size, const char *status, long long id)
{
	int n;

	if (id > 0)
		n = snprintf(out, size, "Status: %s\r\n"
		    "Content-Type: application/json\r\n"
		    "Cache-Control: no-store\r\n\r\n"
		    "{\"status\":\"accepted\",\"id\":%lld}\n", status, id);
	else
		n = snprintf(out, size, "Status: %s\r\n"
		    "Content-Type: application/json\r\n\r\n"
		    "{\"status\":\"error\"}\n", status);
	return n < 0 || (size_t)n >= size ? 0 : n;
}
