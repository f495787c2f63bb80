/*
 * pgconnect: what hookbox on PostgreSQL pays on every CGI request and a
 * FastCGI process pays once: a connection to the server, made as
 * store_pg.c makes it (libpq, connect_timeout and application_name
 * before the URI's own values), then closed; one after another, in a
 * loop, with no HTTP and nothing stored.
 *
 *   pgconnect URI SECONDS
 *
 * prints "connects N seconds S rate R p50_us P p99_us P max_us M": the
 * connection rate and the latency of one connection (from
 * PQconnectdbParams until the server is ready for a query, and
 * PQfinish). hookbox then sends its session's settings and reads its
 * schema version (store_pg_open): a few round trips more, not counted
 * here.
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

int
main(int argc, char *argv[])
{
	const char *keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *vals[] = { "5", "hookbox-bench", NULL, NULL };
	double secs, t0, t, t1, *lat = NULL;
	long n = 0, cap = 0;
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
		PQfinish(conn);
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((lat = realloc(lat, (size_t)cap * sizeof(*lat))) == NULL)
				return 1;
		}
		lat[n++] = now_s() - t1;
	} while ((t = now_s() - t0) < secs);
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	printf("connects %ld seconds %.3f rate %.1f p50_us %.0f p99_us %.0f "
	    "max_us %.0f\n", n, t, (double)n / t, lat[n / 2] * 1e6,
	    lat[n * 99 / 100] * 1e6, lat[n - 1] * 1e6);
	free(lat);
	return 0;
}
