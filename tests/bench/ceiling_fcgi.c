/*
 * ceiling_fcgi: the cheapest FastCGI responder, the bench's ceiling for
 * hookbox under the same lighttpd config. It reads the whole body
 * (FCGX_GetStr) and answers a fixed 200 JSON of hookbox's size. Like
 * hookbox, it closes at once when the input has been read to its end.
 *
 *   cc -O2 -o ceiling_fcgi ceiling_fcgi.c -lfcgi                # one thread
 *   cc -O2 -DTHREADS=8 -pthread -o ceiling_fcgi_mt ceiling_fcgi.c -lfcgi
 *
 * The threaded build accepts with THREADS threads over FCGX_Accept_r, as
 * hookbox does; tests/bench/bench.sh measures both and uses the faster.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <fcgiapp.h>
#ifdef THREADS
#include <pthread.h>
#endif

static const char answer[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "\r\n"
    "{\"status\":\"accepted\",\"id\":123456}\n";

static void *
loop(void *arg)
{
	FCGX_Request req;
	static char body[65536];	/* never looked at: shared is fine */

	(void)arg;
	if (FCGX_InitRequest(&req, 0, 0) != 0)
		return NULL;
	for (;;) {
#ifdef THREADS
		static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
		int rc;

		pthread_mutex_lock(&mu);
		rc = FCGX_Accept_r(&req);
		pthread_mutex_unlock(&mu);
		if (rc < 0)
			break;
#else
		if (FCGX_Accept_r(&req) < 0)
			break;
#endif
		while (FCGX_GetStr(body, sizeof(body), req.in) > 0)
			;
		FCGX_PutStr(answer, sizeof(answer) - 1, req.out);
		/* All input read: close without waiting on the web server. */
		if (FCGX_HasSeenEOF(req.in) == EOF)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

/* An exit of its own when the web server stops it, as hookbox has: so
 * that tests/bench/instructions.sh gets callgrind's count. */
static void
stop(int sig)
{
	(void)sig;
	_exit(0);
}

int
main(void)
{
	signal(SIGTERM, stop);
	if (FCGX_Init() != 0)
		return 1;
#ifdef THREADS
	pthread_t t[THREADS];
	int i;

	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, loop, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
#else
	loop(NULL);
#endif
	return 0;
}
