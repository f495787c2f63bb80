/*
 * One binary, three ways to run, so that the one file install.sh copies
 * into cgi-bin works under whichever the host offers and is also the
 * command line (README.md, "Install on a web host"): a FastCGI responder
 * when the web server hands us a listening socket (libfcgi decides), a
 * CGI program when it sets GATEWAY_INTERFACE (RFC 3875 section 4.1.4),
 * and otherwise the command line.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "hookbox.h"

/*
 * Make sure fds 0-2 exist, so that no file we open later lands on them
 * and receives output meant for the web server (slowcgi does the same).
 */
static void
guard_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
main(int argc, char *argv[])
{
	guard_stdio();
	/* The URL component naming the script, where PATH_INFO is missing. */
	req_set_script(argc > 0 ? argv[0] : NULL);
	/*
	 * Before anything can verify a request: libsodium picks its code
	 * for this CPU and opens its random source here. Without it no
	 * signature could be checked, so nothing is served.
	 */
	if (sodium_init() < 0) {
		hb_warnx("libsodium could not start (sodium_init failed); "
		    "no request is served without it");
		return 1;
	}
	store_setup();
	/* Apache passes an ISINDEX query as argv, so CGI is decided first. */
	if (getenv("GATEWAY_INTERFACE") != NULL)
		return serve_cgi();
	if (fcgi_listening())
		return fcgi_main();
	/*
	 * Asking libfcgi initialised it, and it caught SIGTERM, SIGUSR1 and
	 * SIGPIPE for a responder's sake: the command line dies of them as
	 * any program does.
	 */
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	return cli_main(argc, argv);
}
