/*
 * storeloop: the store limit. The same kind of durable commit hookbox
 * makes for one event, in a loop, with no HTTP and no batching: WAL,
 * synchronous=FULL, a table shaped like hookbox's `events` (same
 * UNIQUE(endpoint, event_key), an index on received_at), one INSERT of a
 * Flipsnack-sized row per transaction, each transaction its own fsync.
 *
 *   storeloop DB SECONDS
 *
 * prints "commits N seconds S rate R p50_us P p99_us P max_us M": the
 * commit rate and the latency of one commit (BEGIN to COMMIT).
 *
 *   cc -O2 -o storeloop storeloop.c -lsqlite3
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>


static const char schema[] =
"PRAGMA journal_mode=WAL;"
"PRAGMA synchronous=FULL;"
"CREATE TABLE IF NOT EXISTS events ("
"  id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, provider TEXT NOT NULL,"
"  event_type TEXT NOT NULL, event_key TEXT NOT NULL,"
"  resource_id TEXT NOT NULL DEFAULT '', received_at INTEGER NOT NULL,"
"  method TEXT NOT NULL, query TEXT NOT NULL DEFAULT '',"
"  content_type TEXT NOT NULL DEFAULT '', headers TEXT NOT NULL DEFAULT '{}',"
"  body BLOB NOT NULL, remote_addr TEXT NOT NULL DEFAULT '',"
"  proof TEXT NOT NULL DEFAULT '', UNIQUE(endpoint, event_key));"
"CREATE INDEX IF NOT EXISTS events_received ON events(received_at);";

static const char headers[] =
    "{\"content-length\":\"560\",\"content-type\":\"application/json\","
    "\"host\":\"127.0.0.1:40000\",\"user-agent\":\"wrk\"}";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
run(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "storeloop: %s: %s\n", sql, msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

struct loop {
	sqlite3		*db;
	sqlite3_stmt	*ins, *begin, *commit;
	char		 body[600];
	unsigned	 salt;
	long		 n;		/* rows so far */
};

static int
loop_open(struct loop *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK || run(l->db, schema) == -1)
		return -1;
	if (sqlite3_prepare_v2(l->db, "INSERT INTO events (endpoint, provider,"
	    " event_type, event_key, resource_id, received_at, method, query,"
	    " content_type, headers, body, remote_addr, proof) VALUES"
	    " ('catalog', 'flipsnack', 'order', ?1, ?1, ?2, 'POST', '',"
	    " 'application/json', ?3, ?4, '127.0.0.1', 'url token')"
	    " ON CONFLICT (endpoint, event_key) DO NOTHING", -1, &l->ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, "BEGIN IMMEDIATE", -1, &l->begin,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, "COMMIT", -1, &l->commit, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "storeloop: %s\n", sqlite3_errmsg(l->db));
		return -1;
	}
	memset(l->body, 'x', sizeof(l->body));
	l->salt = (unsigned)time(NULL) ^ (unsigned)getpid();
	return 0;
}

static void
loop_close(struct loop *l)
{
	sqlite3_finalize(l->ins);
	sqlite3_finalize(l->begin);
	sqlite3_finalize(l->commit);
	sqlite3_close(l->db);
}

/* One durable transaction of rows new events. */
static int
loop_commit(struct loop *l, int rows)
{
	char key[64];

	if (sqlite3_step(l->begin) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(l->begin);
	while (rows-- > 0) {
		snprintf(key, sizeof(key), "sl-%08x-%ld", l->salt, l->n++);
		sqlite3_bind_text(l->ins, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(l->ins, 2, (sqlite3_int64)time(NULL));
		sqlite3_bind_text(l->ins, 3, headers, -1, SQLITE_STATIC);
		sqlite3_bind_blob(l->ins, 4, l->body, sizeof(l->body),
		    SQLITE_STATIC);
		if (sqlite3_step(l->ins) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(l->ins);
	}
	if (sqlite3_step(l->commit) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(l->commit);
	return 0;
 fail:
	fprintf(stderr, "storeloop: %s\n", sqlite3_errmsg(l->db));
	return -1;
}

int
main(int argc, char *argv[])
{
	struct loop l;
	double secs, t0, t, t1, *lat = NULL;
	long n = 0, cap = 0;

	if (argc != 3 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: storeloop DB SECONDS\n");
		return 2;
	}
	if (loop_open(&l, argv[1]) == -1)
		return 1;
	t0 = now_s();
	do {
		t1 = now_s();
		if (loop_commit(&l, 1) == -1)
			return 1;
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((lat = realloc(lat, (size_t)cap * sizeof(*lat))) == NULL)
				return 1;
		}
		lat[n++] = now_s() - t1;
	} while ((t = now_s() - t0) < secs);
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	printf("commits %ld seconds %.3f rate %.1f p50_us %.0f p99_us %.0f "
	    "max_us %.0f\n", n, t, (double)n / t, lat[n / 2] * 1e6,
	    lat[n * 99 / 100] * 1e6, lat[n - 1] * 1e6);
	free(lat);
	loop_close(&l);
	return 0;
}
