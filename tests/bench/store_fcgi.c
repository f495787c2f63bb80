/*
 * store_fcgi: the FastCGI store limit. A libfcgi responder that takes one
 * request at a time (as mod_fcgid hands them to a process), reads the
 * body, commits one row into hookbox's database durably (store_limit.c,
 * shared with store_cgi.c: one connection kept for the process's life)
 * and answers 200. No config, no JSON parse, no verification, no hooks:
 * what storing alone costs behind a web server, which hookbox under the
 * same server cannot beat.
 *
 * The database is data/hookbox.db in the folder of HOOKBOX_CONF, taken
 * from the request's parameters (Apache's SetEnv, as install.sh's
 * .htaccess sets it) or else from the process's environment (lighttpd's
 * bin-environment, mod_fcgid's FcgidInitialEnv).
 *
 *   cc -O2 -o store_fcgi store_fcgi.c store_limit.c -lfcgi -lsqlite3
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "store_limit.h"

static void
answer(FCGX_Request *req, const char *status, long long id)
{
	char out[256];
	int n = sl_answer(out, sizeof(out), status, id);

	FCGX_PutStr(out, n, req->out);
}

/* An exit of its own when the web server stops it (SIGTERM). */
static void
stop(int sig)
{
	(void)sig;
	_exit(0);
}

int
main(void)
{
	static char body[SL_BODY_MAX + 2];
	FCGX_Request req;
	struct sl *s = NULL;
	char *opened = NULL;	/* the config path s was opened for */

	signal(SIGTERM, stop);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		const char *cl = FCGX_GetParam("CONTENT_LENGTH", req.envp);
		const char *conf = FCGX_GetParam("HOOKBOX_CONF", req.envp);
		long want = cl != NULL ? atol(cl) : 0;
		int got = 0, n;
		long long id;

		if (conf == NULL)
			conf = getenv("HOOKBOX_CONF");
		/* Up to one byte past the cap, to see a body over it. */
		while (got < SL_BODY_MAX + 1 && (n = FCGX_GetStr(body + got,
		    SL_BODY_MAX + 1 - got, req.in)) > 0)
			got += n;
		if (want < 0 || want > SL_BODY_MAX || got > SL_BODY_MAX) {
			answer(&req, "413 Payload Too Large", 0);
			goto next;
		}
		body[got] = '\0';
		/* One connection for the process; a new one if the config moved. */
		if (s == NULL || conf == NULL || strcmp(conf, opened) != 0) {
			sl_close(s);
			free(opened);
			opened = NULL;
			if ((s = sl_open(conf)) == NULL ||
			    (opened = strdup(conf)) == NULL) {
				sl_close(s);
				s = NULL;
				answer(&req, "503 Service Unavailable", 0);
				goto next;
			}
		}
		id = sl_insert(s, body, (size_t)got);
		if (id == 0)
			answer(&req, "400 Bad Request", 0);
		else
			answer(&req, id > 0 ? "200 OK" : "503 Service Unavailable",
			    id);
 next:
		/* All input read: close without waiting on the web server (as
		 * ceiling_fcgi.c does, so the two compare like for like). */
		if (FCGX_HasSeenEOF(req.in) == EOF)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	sl_close(s);
	free(opened);
	return 0;
}
