/*
 * store_cgi: the CGI store limit. The least a plain CGI process can do to
 * store an event durably in hookbox's database: read the body, open the
 * database, insert one row into `events` under its UNIQUE key, commit,
 * fsync the WAL, close, answer 200. No config, no JSON parse, no
 * verification, no hooks: the order id is found by a string search. Its
 * rate against ceiling_cgi's is what SQLite alone costs a process on this
 * machine (its start, reading the schema, the commit and its fsync);
 * hookbox as CGI does all of that and more.
 *
 * The database is hookbox's own, made by `hookbox init`, so the schema
 * read at open is the one hookbox reads: data/hookbox.db in the folder of
 * $HOOKBOX_CONF (the bench's layout; the config itself is not read).
 *
 * It writes the way hookbox does, so that it bounds hookbox from above:
 * synchronous=NORMAL with the fsync after the write lock is let go (under
 * FULL, concurrent writers take turns at the disk), and short naps while
 * another process writes (SQLite's own busy handler sleeps up to 100 ms
 * and gave a p99 over a second). Like hookbox, it keeps the WAL between
 * processes and checkpoints (and empties) it at close only once it is
 * longer than 128 frames: a process that opens the database alone
 * rebuilds the WAL's index by reading all of it, and a rebuilt index
 * never lets the log restart, so without that the log grows by every
 * event and each process reads more of it.
 *
 *   cc -O2 -o store_cgi store_cgi.c -lsqlite3    (and -static ... -lm:
 *                                                 the bench uses the faster)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define BODY_MAX	65536
#define KEEP_FRAMES	128	/* as hookbox's WAL_KEEP_FRAMES */

static const char insert[] =
    "INSERT INTO events (endpoint, provider, event_type, event_key,"
    " received_at, method, body) VALUES ('catalog', 'flipsnack', 'order',"
    " ?1, ?2, 'POST', ?3)";

static int
committed(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	*(int *)arg = frames;
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

static int
answer(const char *status, long long id)
{
	char out[256];
	int n;

	if (id > 0)
		n = snprintf(out, sizeof(out), "Status: %s\r\n"
		    "Content-Type: application/json\r\n"
		    "Cache-Control: no-store\r\n\r\n"
		    "{\"status\":\"accepted\",\"id\":%lld}\n", status, id);
	else
		n = snprintf(out, sizeof(out), "Status: %s\r\n"
		    "Content-Type: application/json\r\n\r\n"
		    "{\"status\":\"error\"}\n", status);
	return write(1, out, (size_t)n) == n ? 0 : 1;
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

int
main(void)
{
	static char body[BODY_MAX + 1];
	const char *cl = getenv("CONTENT_LENGTH"), *conf = getenv("HOOKBOX_CONF");
	const char *key, *slash;
	char path[4096];
	long want = cl != NULL ? atol(cl) : 0;
	size_t got = 0, keylen = 0;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_file *wal = NULL;
	long long id = 0;
	int one = 1, frames = 0;

	if (want < 0 || want > BODY_MAX)
		return answer("413 Payload Too Large", 0);
	while (got < (size_t)want) {
		ssize_t n = read(0, body + got, (size_t)want - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	body[got] = '\0';
	if (conf == NULL || (slash = strrchr(conf, '/')) == NULL ||
	    (key = order_id(body, &keylen)) == NULL)
		return answer("400 Bad Request", 0);
	snprintf(path, sizeof(path), "%.*s/data/hookbox.db",
	    (int)(slash - conf), conf);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_busy_handler(db, nap, NULL);
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	sqlite3_wal_hook(db, committed, &frames);
	/* The size limit lets that checkpoint at close empty the file. */
	if (sqlite3_exec(db, "PRAGMA synchronous=NORMAL;"
	    "PRAGMA journal_size_limit=4194304", NULL, NULL, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, insert, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, key, (int)keylen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (long long)time(NULL));
	sqlite3_bind_blob(st, 3, body, (int)got, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(db);
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &wal) != SQLITE_OK || wal == NULL || wal->pMethods == NULL ||
	    wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) != SQLITE_OK)
		goto fail;
	sqlite3_finalize(st);
	if (frames < KEEP_FRAMES)
		sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	sqlite3_close(db);
	return answer("200 OK", id);
 fail:
	fprintf(stderr, "store_cgi: %s\n", db != NULL ? sqlite3_errmsg(db) :
	    "cannot open the database");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return answer("503 Service Unavailable", 0);
}
