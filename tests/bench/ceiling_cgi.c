/*
 * ceiling_cgi: the cheapest plain CGI responder, the bench's ceiling for
 * hookbox as CGI. Reads CONTENT_LENGTH bytes of stdin, writes a fixed
 * 200 JSON of hookbox's size. No stdio.
 *
 *   cc -O2 -o ceiling_cgi ceiling_cgi.c            (and -static: the bench
 *                                                    uses the faster)
 */
#include <stdlib.h>
#include <unistd.h>

static const char answer[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "\r\n"
    "{\"status\":\"accepted\",\"id\":123456}\n";

int
main(void)
{
	static char buf[65536];
	const char *cl = getenv("CONTENT_LENGTH");
	long left = cl != NULL ? atol(cl) : 0;
	size_t off = 0;

	while (left > 0) {
		ssize_t got = read(0, buf, sizeof(buf));

		if (got <= 0)
			break;
		left -= got;
	}
	while (off < sizeof(answer) - 1) {
		ssize_t w = write(1, answer + off, sizeof(answer) - 1 - off);

		if (w <= 0)
			return 1;
		off += (size_t)w;
	}
	return 0;
}
