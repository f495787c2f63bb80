/*
 * store_cgi: the CGI store limit. The least a plain CGI process can do to
 * store an event durably in hookbox's database: read the body, open the
 * database, insert one row into `events` under its UNIQUE key, commit,
 * fsync the WAL, close, answer 200 (store_limit.c, shared with
 * store_fcgi.c). Its rate against ceiling_cgi's is what SQLite alone
 * costs a process on this machine (its start, reading the schema, the
 * commit and its fsync); hookbox as CGI does all of that and more.
 *
 * The database is data/hookbox.db in the folder of $HOOKBOX_CONF.
 *
 *   cc -O2 -o store_cgi store_cgi.c store_limit.c -lsqlite3
 *                           (and -static ... -lm: the bench uses the faster)
 */
#include <stdlib.h>
#include <unistd.h>

#include "store_limit.h"

static int
answer(const char *status, long long id)
{
	char out[256];
	int n = sl_answer(out, sizeof(out), status, id);

	return write(1, out, (size_t)n) == n ? 0 : 1;
}

int
main(void)
{
	static char body[SL_BODY_MAX + 1];
	const char *cl = getenv("CONTENT_LENGTH");
	long want = cl != NULL ? atol(cl) : 0;
	size_t got = 0;
	struct sl *s;
	long long id;

	if (want < 0 || want > SL_BODY_MAX)
		return answer("413 Payload Too Large", 0);
	while (got < (size_t)want) {
		ssize_t n = read(0, body + got, (size_t)want - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	body[got] = '\0';
	if ((s = sl_open(getenv("HOOKBOX_CONF"))) == NULL)
		return answer("503 Service Unavailable", 0);
	id = sl_insert(s, body, got);
	sl_close(s);
	if (id == 0)
		return answer("400 Bad Request", 0);
	return answer(id > 0 ? "200 OK" : "503 Service Unavailable", id);
}
