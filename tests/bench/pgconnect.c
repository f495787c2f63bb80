/*
 * pgconnect: what hookbox on PostgreSQL pays on every CGI request and a
 * FastCGI process pays once: opening the store as store_pg_open() does
 * (a connection through libpq, connect_timeout and application_name
 * before the URI's own values; its session's settings; its schema
 * version read), then closing it; one after another, in a loop, with no
 * HTTP and nothing stored. URI: a database `hookbox init` made.
 *
 *   pgconnect URI SECONDS
 *
 * prints "connects N seconds S rate R p50_us P p99_us P max_us M
 * conn_p50_us C conn_p99_us D": the rate of those opens and the latency
 * of one (from PQconnectdbParams to PQfinish), then the latency of the
 * connection alone (PQconnectdbParams until the server is ready for a
 * query, and PQfinish), without the three statements.
 *
 *   cc -O2 $(pkg-config --cflags libpq) -o pgconnect pgconnect.c -lpq
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libpq-fe.h>

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

/* store_pg.c's session() and schema_version(), as it sends them. */
static const char *const opening[] = {
	"SET synchronous_commit = on; SET lock_timeout = 5000; "
	    "SET client_min_messages = warning",
	"SELECT to_regclass('hookbox_schema') IS NOT NULL",
	"SELECT coalesce(max(version), 0) FROM hookbox_schema",
};

static int
run(PGconn *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "pgconnect: %s: %s", sql, PQerrorMessage(conn));
	PQclear(r);
	return ok ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	const char *keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *vals[] = { "5", "hookbox-bench", NULL, NULL };
	double secs, t0, t, t1, t2, t3, *lat = NULL, *conn_lat = NULL;
	long n = 0, cap = 0;
	size_t i;
	PGconn *conn;

	if (argc != 3 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: pgconnect URI SECONDS\n");
		return 2;
	}
	vals[2] = argv[1];
	t0 = now_s();
	do {
		t1 = now_s();
		conn = PQconnectdbParams(keys, vals, 1);
		if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
			fprintf(stderr, "pgconnect: %s", conn != NULL ?
			    PQerrorMessage(conn) : "out of memory\n");
			PQfinish(conn);
			return 1;
		}
		t2 = now_s();
		for (i = 0; i < sizeof(opening) / sizeof(opening[0]); i++)
			if (run(conn, opening[i]) == -1) {
				PQfinish(conn);
				return 1;
			}
		t3 = now_s();
		PQfinish(conn);
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((lat = realloc(lat, (size_t)cap * sizeof(*lat))) ==
			    NULL || (conn_lat = realloc(conn_lat, (size_t)cap *
			    sizeof(*conn_lat))) == NULL)
				return 1;
		}
		t = now_s();
		lat[n] = t - t1;
		conn_lat[n++] = (t - t1) - (t3 - t2);
	} while ((t = now_s() - t0) < secs);
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	qsort(conn_lat, (size_t)n, sizeof(*conn_lat), cmp_double);
	printf("connects %ld seconds %.3f rate %.1f p50_us %.0f p99_us %.0f "
	    "max_us %.0f conn_p50_us %.0f conn_p99_us %.0f\n", n, t,
	    (double)n / t, lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6,
	    lat[n - 1] * 1e6, conn_lat[n / 2] * 1e6,
	    conn_lat[n * 99 / 100] * 1e6);
	free(lat);
	free(conn_lat);
	return 0;
}
