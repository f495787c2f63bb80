/*
 * libFuzzer harness: the config loader (src/config.c) on any bytes, as
 * `hookbox check` and every request load it, then the lookups the server
 * makes with what loaded: each endpoint by name, and the hook for a few
 * event types.
 *
 * conf_load_ex takes a path (it resolves the config's folder with
 * realpath, so a memfd will not do): the input is written to one file in
 * a private temporary folder, rewritten for each input. The first byte
 * chooses whether hook programs must exist (check_exec, as `check` does).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "hookbox.h"

static char dir[] = "/tmp/hbfuzzconf.XXXXXX", path[64];

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* conf_load decodes Standard Webhooks keys with libsodium. */
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/hookbox.conf", dir);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "order", "order.created",
	    "product.update", "x", "", "lead.captured.v2", NULL };
	struct buf err = { 0 };
	struct conf *c;
	size_t i, j;
	int fd;

	if (size < 1)
		return 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	c = conf_load_ex(path, data[0] & 1, &err);
	if (c == NULL) {
		/* A config that does not load always says why. */
		if (err.data == NULL || err.len == 0)
			abort();
	} else {
		/* Always absolute once loaded, unless it names PostgreSQL. */
		if (conf_database(c) == NULL || (conf_database(c)[0] != '/' &&
		    !store_is_pg(conf_database(c))))
			abort();
		if (store_is_pg(conf_database(c)) &&
		    strcmp(conf_state(c), conf_file(c)) != 0)
			abort();	/* its files go beside the config */
		for (i = 0; i < conf_nendpoints(c); i++) {
			const struct endpoint *ep = conf_endpoint_at(c, i);

			if (ep == NULL || ep->provider == NULL ||
			    conf_endpoint(c, ep->name) != ep)
				abort();
			for (j = 0; types[j] != NULL; j++) {
				const struct hook *h = conf_match_hook(ep, types[j]);

				if (h != NULL && (h->argv == NULL ||
				    h->argv[0] == NULL))
					abort();
			}
		}
		conf_max_body(c);
		conf_busy_timeout(c);
		conf_free(c);
	}
	buf_free(&err);
	return 0;
}
