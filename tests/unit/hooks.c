/*
 * Unit tests of src/hooks.c: the runner through hooks_run and hooks_due,
 * on a real store in the case's scratch directory, with hooks that are
 * tiny shell scripts written there (README "Write a hook" is what they
 * check). tests/hooks.sh runs the same runner end to end, as a web server
 * starts it; here each outcome is read back from the store.
 *
 * The runner reads the clock itself; the events' times are injected, in
 * the past, so that what they queue is due at once.
 */
#include <pwd.h>
#include <signal.h>

#include "unit.h"

#define T0	((time_t)1000000000)	/* 2001-09-09T01:46:40Z */
#define TAIL	8192	/* the output kept: README "Write a hook", 8 KiB */

/* One case's config (an endpoint "catalog" whose hook "order" runs a
   script), its store, and the last run's stdout. */
struct rig {
	struct conf	*conf;
	struct store	*st;
	char		 name[64];
	char		 script[PATH_MAX];
	struct buf	 said;		/* what hooks_run printed */
};

/*
 * Writes the hook <name>.sh (text after a #!/bin/sh line; or, when text
 * is NULL, the hook is the program prog), a config whose "order" hook
 * runs it with the given options, and opens the store. 0, or -1 after
 * noting why.
 */
static int
rig_open(struct rig *g, const char *name, const char *text,
    const char *prog, const char *opts)
{
	struct buf conf = { 0 }, err = { 0 }, sh = { 0 }, db = { 0 };
	int rc = -1;

	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	if (text != NULL) {
		buf_printf(&sh, "#!/bin/sh\n%s", text);
		snprintf(g->script, sizeof(g->script), "%s",
		    tmpfile_with(name, sh.data, 0700));
	} else
		snprintf(g->script, sizeof(g->script), "%s", prog);
	buf_printf(&db, "%s/%s.db", tmpdir, name);
	buf_printf(&conf, "{ \"database\": \"%s\", \"endpoints\": {"
	    " \"catalog\": { \"provider\": \"flipsnack\", \"token\": \"tok\","
	    "   \"hooks\": { \"order\": { \"run\": [\"%s\"]%s%s } } } } }",
	    db.data, g->script, opts != NULL ? ", " : "",
	    opts != NULL ? opts : "");
	{
		char cname[96];

		snprintf(cname, sizeof(cname), "%s.conf", name);
		g->conf = conf_load(tmpfile_with(cname, conf.data, 0600),
		    &err);
	}
	if (g->conf == NULL)
		note(__LINE__, "config refused: %s", err.data);
	else if ((g->st = store_open(db.data, 1000, STORE_QUEUE, &err)) ==
	    NULL)
		note(__LINE__, "store_open: %s", err.data);
	else
		rc = 0;
	buf_free(&conf);
	buf_free(&err);
	buf_free(&sh);
	buf_free(&db);
	return rc;
}

static void
rig_close(struct rig *g)
{
	store_close(g->st);
	conf_free(g->conf);
	buf_free(&g->said);
}

/*
 * Stores one hooked event (type "order", resource "r-<key>"), received
 * at T0, as a request would: the runner gives it its delivery. Its body
 * is body's len bytes; a GET carries query instead. Returns its id.
 */
static long long
put_event(struct rig *g, const char *key, const char *method,
    const char *query, const void *body, size_t len)
{
	struct request r;
	struct event ev;
	struct stored_event se;
	struct store_item it;

	memset(&r, 0, sizeof(r));
	r.method_name = (char *)method;
	r.query = r.content_type = r.remote_addr = (char *)"";
	buf_add(&r.body, body, len);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.type, sizeof(ev.type), "order");
	snprintf(ev.key, sizeof(ev.key), "%s", key);
	snprintf(ev.resource, sizeof(ev.resource), "r-%s", key);
	se = (struct stored_event){ .endpoint = "catalog",
	    .provider = "flipsnack", .ev = &ev, .req = &r,
	    .query = query != NULL ? query : "", .headers = "{}",
	    .hook = "order", .now = T0 };
	it = (struct store_item){ .se = &se };
	store_write(g->st, &it, 1);
	buf_free(&r.body);
	if (it.result != ST_OK) {
		note(__LINE__, "store_write: %d", it.result);
		return -1;
	}
	return it.id;
}

/*
 * hooks_run in the foreground, as `hookbox run` does; its line a
 * attempt ("event N attempt M: ...") is kept in g->said. Returns what
 * hooks_run returned.
 */
static int
run_hooks(struct rig *g)
{
	char path[PATH_MAX + sizeof(g->name) + 8];
	int fd, saved, n;

	snprintf(path, sizeof(path), "%s/%s.said", tmpdir, g->name);
	fflush(stdout);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (saved = dup(1)) == -1) {
		note(__LINE__, "%s: %s", path, strerror(errno));
		return -1;
	}
	dup2(fd, 1);
	close(fd);
	n = hooks_run(g->conf, g->st, 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	g->said.len = 0;
	slurp(path, &g->said);
	return n;
}

/* The attempts of one event, as the store keeps them. */
#define MAX_SEEN	8
struct seen {
	int		 n;
	struct {
		char		 status[16];
		int		 attempt, exit_code, signal;
		int		 has_error;
		char		 error[256];
		struct buf	 output;
		time_t		 started, finished, next;
	} a[MAX_SEEN];
};

static int
seen_row(void *arg, const struct attempt_row *r)
{
	struct seen *s = arg;

	if (s->n == MAX_SEEN)
		return 1;
	snprintf(s->a[s->n].status, sizeof(s->a[s->n].status), "%s",
	    r->status.s != NULL ? r->status.s : "");
	s->a[s->n].attempt = r->attempt;
	s->a[s->n].exit_code = r->exit_code;
	s->a[s->n].signal = r->signal;
	s->a[s->n].has_error = r->error.s != NULL;
	snprintf(s->a[s->n].error, sizeof(s->a[s->n].error), "%s",
	    r->error.s != NULL ? r->error.s : "");
	buf_add(&s->a[s->n].output, r->output.s != NULL ? r->output.s : "",
	    r->output.len);
	s->a[s->n].started = r->started_at;
	s->a[s->n].finished = r->finished_at;
	s->a[s->n].next = r->next_at;
	s->n++;
	return 0;
}

static void
seen_read(struct rig *g, long long id, struct seen *s)
{
	int i;

	for (i = 0; i < MAX_SEEN; i++)
		buf_free(&s->a[i].output);
	memset(s, 0, sizeof(*s));
	if (store_attempts(g->st, id, seen_row, s) < 0)
		note(__LINE__, "store_attempts: %s", store_errmsg(g->st));
}

static void
seen_free(struct seen *s)
{
	int i;

	for (i = 0; i < MAX_SEEN; i++)
		buf_free(&s->a[i].output);
}

/* A hook that exits 0: one attempt, succeeded, its output kept. */
static void
t_hooks_success(void)
{
	struct rig g;
	struct seen s = { 0 };
	struct buf want = { 0 };
	long long id;

	if (rig_open(&g, "hooks-ok", "cat >/dev/null\necho done\nexit 0\n",
	    NULL, NULL) == -1)
		goto out;
	EXPECT_INT(hooks_due(g.st, g.conf, T0), 0);	/* nothing yet */
	if ((id = put_event(&g, "k1", "POST", NULL, "{}", 2)) == -1)
		goto out;
	EXPECT_INT(hooks_due(g.st, g.conf, T0), 1);
	EXPECT_INT(run_hooks(&g), 1);
	seen_read(&g, id, &s);
	EXPECT_INT(s.n, 1);
	EXPECT_STR(s.a[0].status, "succeeded");
	EXPECT_INT(s.a[0].attempt, 1);
	EXPECT_INT(s.a[0].exit_code, 0);
	EXPECT_INT(s.a[0].signal, -1);
	EXPECT(!s.a[0].has_error);
	EXPECT_STR(s.a[0].output.data, "done\n");
	EXPECT(s.a[0].started > T0 && s.a[0].finished >= s.a[0].started);
	EXPECT_INT(s.a[0].next, 0);
	buf_printf(&want, "event %lld attempt 1: succeeded\n", id);
	EXPECT_STR(g.said.data, want.data);
	/* Nothing is left to do. */
	EXPECT_INT(hooks_due(g.st, g.conf, T0), 0);
	EXPECT_INT(run_hooks(&g), 0);
 out:
	seen_free(&s);
	buf_free(&want);
	rig_close(&g);
}

/*
 * A hook that exits non-zero fails, and is retried after retry_delay,
 * doubling each time: the store's next_attempt_at says when. The retry
 * is made due now with store_replay, as `hookbox replay` would.
 */
static void
t_hooks_retry_doubles(void)
{
	struct rig g;
	struct seen s = { 0 };
	long long id;
	int i;

	if (rig_open(&g, "hooks-retry", "echo \"attempt $HOOKBOX_ATTEMPT\"\n"
	    "exit 3\n", NULL, "\"retry_delay\": 10, \"max_attempts\": 8") ==
	    -1)
		goto out;
	if ((id = put_event(&g, "k1", "POST", NULL, "{}", 2)) == -1)
		goto out;
	for (i = 0; i < 3; i++) {
		long long delay = 10LL << i, waited;

		if (i > 0)
			EXPECT_INT(store_replay(g.st, id, "order", T0),
			    REPLAY_DUE);
		EXPECT_INT(run_hooks(&g), 1);
		/* Waiting for its retry, nothing is due. */
		EXPECT_INT(hooks_due(g.st, g.conf, T0), 0);
		seen_read(&g, id, &s);
		EXPECT_INT(s.n, i + 1);
		EXPECT_STR(s.a[i].status, "failed");
		EXPECT_INT(s.a[i].attempt, i + 1);
		EXPECT_INT(s.a[i].exit_code, 3);
		EXPECT(!s.a[i].has_error);
		/* The retry time is set before the finish time: within 1 s. */
		waited = (long long)(s.a[i].next - s.a[i].finished);
		if (waited > delay || waited < delay - 1)
			note(__LINE__, "attempt %d retries after %lld s, want "
			    "%lld", i + 1, waited, delay);
		/* The earlier attempts stay as history, waiting no more. */
		if (i > 0)
			EXPECT_INT(s.a[i - 1].next, 0);
	}
	EXPECT_STR(s.a[2].output.data, "attempt 3\n");
 out:
	seen_free(&s);
	rig_close(&g);
}

/* max_attempts failures are dead; so is exit 65 at once (EX_DATAERR). */
static void
t_hooks_dead(void)
{
	struct rig g;
	struct seen s = { 0 };
	struct buf want = { 0 };
	long long id, id65;

	if (rig_open(&g, "hooks-dead", "read -r line\n"
	    "case $line in *sixty-five*) exit 65;; esac\nexit 1\n", NULL,
	    "\"retry_delay\": 10, \"max_attempts\": 2") == -1)
		goto out;
	if ((id = put_event(&g, "k1", "POST", NULL, "{}\n", 3)) == -1)
		goto out;
	EXPECT_INT(run_hooks(&g), 1);
	EXPECT_INT(store_replay(g.st, id, "order", T0), REPLAY_DUE);
	EXPECT_INT(run_hooks(&g), 1);
	seen_read(&g, id, &s);
	EXPECT_INT(s.n, 2);
	EXPECT_STR(s.a[0].status, "failed");
	EXPECT_STR(s.a[1].status, "dead");
	EXPECT_INT(s.a[1].exit_code, 1);
	EXPECT_STR(s.a[1].error, "failed 2 attempts");
	EXPECT_INT(s.a[1].next, 0);
	buf_printf(&want, "event %lld attempt 2: dead: failed 2 attempts\n",
	    id);
	EXPECT_STR(g.said.data, want.data);
	EXPECT_INT(hooks_due(g.st, g.conf, T0), 0);

	if ((id65 = put_event(&g, "k65", "POST", NULL, "sixty-five\n", 11)) ==
	    -1)
		goto out;
	EXPECT_INT(run_hooks(&g), 1);
	seen_read(&g, id65, &s);
	EXPECT_INT(s.n, 1);
	EXPECT_STR(s.a[0].status, "dead");
	EXPECT_INT(s.a[0].exit_code, 65);
	EXPECT_HAS(s.a[0].error, "exited 65");
	EXPECT_INT(hooks_due(g.st, g.conf, T0), 0);
 out:
	seen_free(&s);
	buf_free(&want);
	rig_close(&g);
}

/*
 * A hook past its timeout is stopped with its whole process group: the
 * attempt fails with the signal that ended it, and what the hook started
 * in the background dies with it.
 */
static void
t_hooks_timeout(void)
{
	struct rig g;
	struct seen s = { 0 };
	struct buf pidfile = { 0 }, pid = { 0 };
	const char *errstr;
	long long id, child;

	if (rig_open(&g, "hooks-timeout", "sleep 300 &\n"
	    "echo $! >hooks-timeout.child\necho waiting\nexec sleep 300\n",
	    NULL, "\"timeout\": 1") == -1)
		goto out;
	if ((id = put_event(&g, "k1", "POST", NULL, "{}", 2)) == -1)
		goto out;
	EXPECT_INT(run_hooks(&g), 1);
	seen_read(&g, id, &s);
	EXPECT_INT(s.n, 1);
	EXPECT_STR(s.a[0].status, "failed");
	EXPECT_INT(s.a[0].exit_code, -1);
	EXPECT_INT(s.a[0].signal, SIGTERM);
	EXPECT_STR(s.a[0].error, "timed out after 1 s; its process group "
	    "was killed");
	EXPECT_STR(s.a[0].output.data, "waiting\n");
	EXPECT(s.a[0].finished - s.a[0].started < 5);	/* no KILL_GRACE */
	EXPECT(s.a[0].next > 0);
	/* The hook ran in its own folder: its pid file is there. */
	buf_printf(&pidfile, "%s/hooks-timeout.child", tmpdir);
	if (slurp(pidfile.data, &pid) == 0) {
		child = hb_strtonum(strtok(pid.data, "\n"), 2, INT_MAX,
		    &errstr);
		if (errstr != NULL)
			note(__LINE__, "pid file: %s", pid.data);
		else if (kill((pid_t)child, 0) == 0 || errno != ESRCH)
			note(__LINE__, "the hook's background child %lld "
			    "outlived it", child);
	}
 out:
	seen_free(&s);
	buf_free(&pidfile);
	buf_free(&pid);
	rig_close(&g);
}

/* Only the last TAIL bytes of a long output are kept. */
static void
t_hooks_output_tail(void)
{
	struct rig g;
	struct seen s = { 0 };
	long long id;
	size_t i;

	if (rig_open(&g, "hooks-tail", "i=0\nwhile [ $i -lt 250 ]; do\n"
	    "  echo \"line $i: ........................................"
	    "............................................\"\n"
	    "  i=$((i + 1))\ndone\necho END\n", NULL, NULL) == -1)
		goto out;
	if ((id = put_event(&g, "k1", "POST", NULL, "{}", 2)) == -1)
		goto out;
	EXPECT_INT(run_hooks(&g), 1);
	seen_read(&g, id, &s);
	EXPECT_INT(s.n, 1);
	EXPECT_STR(s.a[0].status, "succeeded");
	EXPECT_INT(s.a[0].output.len, TAIL);
	i = s.a[0].output.len;
	EXPECT(i >= 4 && strcmp(s.a[0].output.data + i - 4, "END\n") == 0);
	/* The tail of the last lines, not the first lines. */
	EXPECT_HAS(s.a[0].output.data, "line 249: ");
	EXPECT(strstr(s.a[0].output.data, "line 1: ") == NULL);
 out:
	seen_free(&s);
	rig_close(&g);
}

/* The lines of text, sorted, joined by '|'. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sorted_lines(const char *text, struct buf *out)
{
	char *copy = strdup(text), *lines[64], *p, *save = NULL;
	size_t n = 0, i;

	for (p = strtok_r(copy, "\n", &save); p != NULL && n < 64;
	    p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s", i ? "|" : "", lines[i]);
	buf_add(out, "", 0);
	free(copy);
}

/*
 * The environment is built from nothing: the HOOKBOX_* variables and a
 * fixed PATH, LANG and HOME, never what the runner itself had. The hook
 * is env(1), whose output is the environment it got.
 */
static void
t_hooks_environment(void)
{
	struct rig g;
	struct seen s = { 0 };
	struct buf want = { 0 }, want_sorted = { 0 }, got = { 0 };
	struct passwd *pw = getpwuid(getuid());
	long long id;

	setenv("HOOKBOX_UNIT_SECRET", "must-not-leak", 1);
	setenv("HTTP_AUTHORIZATION", "Bearer leak", 1);
	if (rig_open(&g, "hooks-env", NULL, "/usr/bin/env", NULL) == -1)
		goto out;
	if ((id = put_event(&g, "key 1", "POST", NULL, "{}", 2)) == -1)
		goto out;
	EXPECT_INT(run_hooks(&g), 1);
	seen_read(&g, id, &s);
	EXPECT_INT(s.n, 1);
	EXPECT_STR(s.a[0].status, "succeeded");
	buf_printf(&want, "HOOKBOX_EVENT_ID=%lld\nHOOKBOX_ENDPOINT=catalog\n"
	    "HOOKBOX_PROVIDER=flipsnack\nHOOKBOX_EVENT_TYPE=order\n"
	    "HOOKBOX_EVENT_KEY=key 1\nHOOKBOX_RESOURCE_ID=r-key 1\n"
	    "HOOKBOX_RECEIVED_AT=2001-09-09T01:46:40Z\nHOOKBOX_ATTEMPT=1\n"
	    "HOME=%s\nPATH=/usr/local/bin:/usr/bin:/bin\nLANG=C.UTF-8\n", id,
	    pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : "/");
	sorted_lines(want.data, &want_sorted);
	sorted_lines(s.a[0].output.data != NULL ? s.a[0].output.data : "",
	    &got);
	EXPECT_STR(got.data, want_sorted.data);
 out:
	seen_free(&s);
	buf_free(&want);
	buf_free(&want_sorted);
	buf_free(&got);
	rig_close(&g);
}

/*
 * stdin is the body exactly as received (any bytes), and for a GET the
 * query as a JSON object; the hook runs in its own folder.
 */
static void
t_hooks_stdin(void)
{
	static const char body[] = "{\"a\":\"\xc3\xa9\\/\\t\"}\n\x01\x00z";
	struct rig g;
	struct seen s = { 0 };
	struct buf path = { 0 }, got = { 0 };
	long long id, get;

	if (rig_open(&g, "hooks-stdin", "n=$HOOKBOX_EVENT_ID\n"
	    "cat >\"hooks-stdin.$n\"\n", NULL, NULL) == -1)
		goto out;
	if ((id = put_event(&g, "k1", "POST", NULL, body,
	    sizeof(body) - 1)) == -1 ||
	    (get = put_event(&g, "k2", "GET",
	    "event_type=order.new&order_id=12345", "", 0)) == -1)
		goto out;
	EXPECT_INT(run_hooks(&g), 2);
	buf_printf(&path, "%s/hooks-stdin.%lld", tmpdir, id);
	if (slurp(path.data, &got) == 0) {
		EXPECT_INT(got.len, sizeof(body) - 1);
		EXPECT(memcmp(got.data, body, sizeof(body) - 1) == 0);
	}
	path.len = 0;
	got.len = 0;
	buf_printf(&path, "%s/hooks-stdin.%lld", tmpdir, get);
	if (slurp(path.data, &got) == 0)
		EXPECT_STR(got.data,
		    "{\"event_type\":\"order.new\",\"order_id\":\"12345\"}");
	seen_read(&g, get, &s);
	EXPECT_INT(s.n, 1);
	EXPECT_STR(s.a[0].status, "succeeded");
 out:
	seen_free(&s);
	buf_free(&path);
	buf_free(&got);
	rig_close(&g);
}

/* An endpoint without hooks never asks for a runner. */
static void
t_hooks_due_without_hooks(void)
{
	struct buf err = { 0 }, text = { 0 }, db = { 0 };
	struct conf *c;
	struct store *st = NULL;

	buf_printf(&db, "%s/hooks-none.db", tmpdir);
	buf_printf(&text, "{ \"database\": \"%s\", \"endpoints\": {"
	    " \"catalog\": { \"provider\": \"flipsnack\", \"token\": \"tok\" }"
	    " } }", db.data);
	if ((c = conf_load(tmpfile_with("hooks-none.conf", text.data, 0600),
	    &err)) == NULL) {
		note(__LINE__, "config refused: %s", err.data);
		goto out;
	}
	if ((st = store_open(db.data, 1000, 0, &err)) == NULL) {
		note(__LINE__, "store_open: %s", err.data);
		goto out;
	}
	EXPECT_INT(hooks_due(st, c, T0), 0);
 out:
	store_close(st);
	conf_free(c);
	buf_free(&err);
	buf_free(&text);
	buf_free(&db);
}

const struct unit_case hooks_cases[] = {
	{ "hooks: exit 0 succeeds once, its output kept", t_hooks_success },
	{ "hooks: a failed hook is retried after retry_delay, doubling",
	    t_hooks_retry_doubles },
	{ "hooks: dead after max_attempts, and at once on exit 65",
	    t_hooks_dead },
	{ "hooks: a timeout kills the hook and what it started",
	    t_hooks_timeout },
	{ "hooks: only the output's last 8 KiB are kept",
	    t_hooks_output_tail },
	{ "hooks: the environment is the HOOKBOX_* variables and a fixed "
	    "PATH, LANG and HOME", t_hooks_environment },
	{ "hooks: stdin is the body as received, a GET's query as JSON",
	    t_hooks_stdin },
	{ "hooks: no runner is due without hooks",
	    t_hooks_due_without_hooks },
	{ NULL, NULL }
};
