/*
 * The unit tests' harness: the check macros, shared helpers and each
 * module's table of cases. One file per module of src/ holds its cases
 * (tests/unit/<module>.c) and ends with a table named <module>_cases.
 *
 * Output contract (tests/run.sh): one line per case, "PASS <name>" or
 * "FAIL <name>: <why>"; the exit status is 1 if any case failed.
 */
#ifndef UNIT_H
#define UNIT_H

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>
#include <sqlite3.h>

#include "hookbox.h"

#define FIX	"tests/fixtures/"

struct unit_case {
	const char	*name;
	void		(*fn)(void);
};

extern const struct unit_case util_cases[], verify_cases[], config_cases[],
	    request_cases[], providers_cases[], answer_cases[], serve_cases[],
	    store_cases[], hooks_cases[], inbox_cases[], notify_cases[],
	    store_pg_cases[];

/* The case's own scratch directory's parent (canonical, see main). */
extern char	 tmpdir[PATH_MAX];

/* The first failed expectation of the running case, or "". */
extern char	 why[2048];

/* Records the first failed expectation of the running case. */
void	 note(int, const char *, ...) __attribute__((format(printf, 2, 3)));

#define EXPECT(c) do {							\
	if (!(c))							\
		note(__LINE__, "%s", #c);				\
} while (0)

#define EXPECT_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ != w_)							\
		note(__LINE__, "%s is %lld, want %lld", #got, g_, w_);	\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0)	\
		note(__LINE__, "%s is [%s], want [%s]", #got,		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define EXPECT_HAS(hay, needle) do {					\
	const char *h_ = (hay), *n_ = (needle);				\
	if (h_ == NULL || strstr(h_, n_) == NULL)			\
		note(__LINE__, "%s [%s] does not contain [%s]", #hay,	\
		    h_ ? h_ : "(null)", n_);				\
} while (0)

/* harness.c: helpers any module's cases use */
int	 slurp(const char *, struct buf *);
const char *tmpfile_with(const char *, const char *, mode_t);
int	 mkreq(struct request *, struct answer *, const char *const *);
#define VARS(...)	((const char *const[]){ __VA_ARGS__, NULL })
/* A reader over memory, handing out at most `step` bytes a call. */
struct memrd {
	const char	*p;
	size_t		 len, off, step;
};
long	 mem_read(void *, char *, size_t);
void	 tohex(char [65], const unsigned char [32]);
void	 hex_of_hmac(char [65], const char *, const void *, size_t);
void	 upcase(char *);

/* Test vectors more than one module's cases use. */
/* Standard Webhooks' own example secret and the v1a key of seed 0x01... */
#define STD_SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define V1A_PK		"whpk_iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w="
#define FD_SECRET	"flipdish_test_secret"
#define FD_NOW		((time_t)1755174896)
void	 fd_hex(char [65], const char *, const char *, int);

/* serve.c: one request through serve(), with an injected clock */
struct served {
	enum outcome	 outcome;
	long long	 id;
	char		 error[256];
};
struct served serve_one(struct serve_ctx *, const char *, const char *,
	    const char *, const char *, time_t);
struct conf *serve_conf(const char *);
long long db_count(struct serve_ctx *, const char *);

/* store.c: the fault-injecting VFS, made the default before any case */
void	 fault_register(void);
/* A count read as another process would, on SQLite's own VFS, checked. */
long long sound_count(const char *, int, const char *);

#endif
