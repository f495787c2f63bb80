/*
 * Unit tests: the real modules, called directly. Run from the top of the
 * repository (fixtures are read from tests/fixtures/). The cases live in
 * one file per module (tests/unit/<module>.c); this file runs them.
 *
 * Each case runs in a forked child, so that a crash, an ASan report or
 * (under LeakSanitizer) a leak fails that one case by name instead of
 * ending the whole program. Nothing here reads the clock: every time is
 * injected.
 */
#include <ftw.h>

#include "unit.h"

#define CASE_FAILED	99	/* exit code of a child that printed FAIL */

static int	 nfailed;
char		 why[2048];	/* first failed expectation of the case */
char		 tmpdir[PATH_MAX];

/* ---- the check macros' one function ---- */

void
note(int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (why[0] != '\0')
		return;		/* keep the first failure: it explains the rest */
	n = snprintf(why, sizeof(why), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Runs one case in a child. The child prints its own FAIL line (it knows
 * why) and leaves with _exit(CASE_FAILED); a clean pass leaves with
 * exit(0), so that LeakSanitizer checks the case for leaks. Anything else
 * (a signal, ASan's exit code 1, LSan's 23) is reported here.
 */
static void
run(const char *name, void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		printf("FAIL %s: fork: %s\n", name, strerror(errno));
		nfailed++;
		return;
	}
	if (pid == 0) {
		why[0] = '\0';
		fn();
		if (why[0] != '\0') {
			char *p;

			/* One line per case: a reason may quote several. */
			for (p = why; *p != '\0'; p++)
				if (*p == '\n' || *p == '\r')
					*p = '|';
			printf("FAIL %s: %s\n", name, why);
			fflush(stdout);
			_exit(CASE_FAILED);
		}
		exit(0);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		printf("PASS %s\n", name);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == CASE_FAILED)
		nfailed++;
	else {
		if (WIFSIGNALED(st))
			printf("FAIL %s: crashed with signal %d\n", name,
			    WTERMSIG(st));
		else
			printf("FAIL %s: exited %d (a sanitizer report or a "
			    "leak: see stderr)\n", name, WEXITSTATUS(st));
		nfailed++;
	}
	fflush(stdout);
}

/* ---- helpers ---- */

/* Reads a whole file as bytes into b (NUL-terminated). */
int
slurp(const char *path, struct buf *b)
{
	char chunk[4096];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		note(__LINE__, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	buf_add(b, "", 0);
	return 0;
}

/* Writes text to <tmpdir>/<name>; returns the path in a static buffer. */
const char *
tmpfile_with(const char *name, const char *text, mode_t mode)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL) {
		note(__LINE__, "cannot write %s: %s", path, strerror(errno));
		return path;
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/*
 * req_from_env over a list of "NAME=value" literals. The cast only drops
 * const: req_from_env does not write to the environment.
 */
int
mkreq(struct request *r, struct answer *a, const char *const *vars)
{
	char *env[MAX_HEADERS + 32];
	size_t n = 0;

	memset(a, 0, sizeof(*a));
	for (; *vars != NULL && n + 1 < sizeof(env) / sizeof(env[0]); vars++)
		env[n++] = (char *)*vars;
	env[n] = NULL;
	return req_from_env(r, env, a);
}

long
mem_read(void *ctx, char *dst, size_t n)
{
	struct memrd *m = ctx;

	if (m->step && n > m->step)
		n = m->step;
	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(dst, m->p + m->off, n);
	m->off += n;
	return (long)n;
}

void
tohex(char out[65], const unsigned char mac[32])
{
	sodium_bin2hex(out, 65, mac, 32);
}

void
hex_of_hmac(char out[65], const char *key, const void *msg, size_t len)
{
	unsigned char mac[32];

	hb_hmac_sha256(mac, key, strlen(key), msg, len);
	tohex(out, mac);
}

/* The hex MAC Flipdish would send: over "<t>.<body>", or the body alone. */
void
fd_hex(char hex[65], const char *t, const char *body, int with_t)
{
	struct buf msg = { 0 };

	if (with_t)
		buf_printf(&msg, "%s.", t);
	buf_addstr(&msg, body);
	hex_of_hmac(hex, FD_SECRET, msg.data, msg.len);
	buf_free(&msg);
}

void
upcase(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'f')
			*s = (char)(*s - 'a' + 'A');
}

/* ---- main ---- */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	static const struct unit_case *const modules[] = {
		util_cases, verify_cases, config_cases, request_cases,
		providers_cases, answer_cases, serve_cases, store_cases,
		hooks_cases, inbox_cases, notify_cases,
	};
	const struct unit_case *c;
	const char *base = getenv("TMPDIR");
	size_t i;

	snprintf(tmpdir, sizeof(tmpdir), "%s/hookbox-unit.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		printf("FAIL setup: mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	/* The config resolves paths with realpath(3): compare like with like. */
	{
		char *canon = realpath(tmpdir, NULL);

		if (canon != NULL)
			snprintf(tmpdir, sizeof(tmpdir), "%s", canon);
		free(canon);
	}
	if (sodium_init() < 0) {
		printf("FAIL setup: sodium_init\n");
		return 1;
	}
	fault_register();	/* the default VFS: the store opens on it */
	store_setup();	/* as main.c */
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		for (c = modules[i]; c->name != NULL; c++)
			run(c->name, c->fn);
	/* The store on PostgreSQL wants a server: tests/unit.sh starts one. */
	if (getenv("HB_PG_URI") != NULL && *getenv("HB_PG_URI") != '\0')
		for (c = store_pg_cases; c->name != NULL; c++)
			run(c->name, c->fn);
	else
		printf("# the store_pg cases need a PostgreSQL server in "
		    "HB_PG_URI: run tests/unit.sh\n");
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return nfailed ? 1 : 0;
}
