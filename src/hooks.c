/*
 * The hook runner: runs the shop owner's program for each stored event,
 * after the sender has its answer, until it succeeds (README "Write a hook").
 *
 * There is no daemon. A request that leaves work due starts a runner
 * (hooks_kick): a process detached from the web server (its own process
 * group, every inherited descriptor closed; its hooks at nice 19) that
 * claims deliveries from the store one at a time and runs them until none
 * is due. Several runners may exist; the store's claim keeps them to
 * max_running_hooks in all and one at a time per resource. One runner
 * stays behind while retries are waiting, so that no cron job is needed;
 * `hookbox run` is the cron-driven safety net.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hookbox.h"

#define OUTPUT_TAIL	8192	/* bytes of a hook's output kept */
#define KILL_GRACE	5	/* seconds between TERM and KILL */
#define LEASE_SLACK	60	/* seconds a lease outlives the timeout */
#define LINGER_MAX	3600	/* the waiting runner stays at most this */
#define LINGER_NAP	5	/* and looks for due work this often */
#define EX_PERMANENT	65	/* EX_DATAERR: the hook says never retry */
#define FLOOD_EVENTS	1000	/* events a second: above, hooks give way */
#define FLOOD_REST	9	/* then rest this many times a run's length */
#define FLOOD_REST_MAX	1000	/* ms */
#define FLOOD_LOOK	100	/* ms between looks at the arrivals */
#define SWEEP_MS	5000	/* at most this long to kill a hook's leftovers */
#define SWEEP_NAP_MS	5	/* between two looks for them */
#define HOOK_ENV_VARS	9	/* the HOOKBOX_* variables and HOME */
#define FD_SCAN_MAX	65536	/* descriptors closed without close_range */

static const char hook_path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
static const char hook_lang[] = "LANG=C.UTF-8";

/* Closes every descriptor from lo up; close_range where the kernel has it. */
static void
close_from(int lo)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, ~0U, 0) == 0)
		return;
#endif
	for (int fd = lo; fd < FD_SCAN_MAX; fd++)
		close(fd);
}

/*
 * 1 when a runner should be started after this request: work is due and
 * the running count leaves room for it. (The upkeep, notify.c, starts
 * one too: upkeep_due.)
 */
int
hooks_due(struct store *st, const struct conf *c, time_t now)
{
	if (!conf_has_hooks(c))
		return 0;
	return store_due(st, now, conf_max_running(c)) == 1;
}

/*
 * Starts a runner detached from the web server and returns at once.
 * The runner is a grandchild in its own process group with every
 * inherited descriptor closed: Apache and lighttpd finish a request when
 * the last holder of its pipes lets go, signals to the server's group do
 * not reach it, and a FastCGI process must not gather zombies (the middle
 * child is reaped here, the grandchild by init). It stays in the server's
 * session: where the kernel schedules each session as a group
 * (autogroup), a session of its own would put the runner and its hooks
 * on an equal footing with the receivers, and the hooks' lower priority
 * (RUNNER_NICE) would count for nothing.
 * It then executes this binary afresh as `hookbox run --linger`: SQLite
 * state must not cross a fork, and a new image carries none of the
 * request's memory or environment.
 */
void
hooks_kick(const char *conf_path)
{
	char *argv[] = { (char *)"hookbox", (char *)"run", (char *)"--linger",
	    NULL };
	char *env[] = { NULL, NULL };
	struct buf conf = { 0 };
	sigset_t none;
	pid_t pid;
	int status;

	if (buf_printf(&conf, "HOOKBOX_CONF=%s", conf_path) == -1)
		return;
	env[0] = conf.data;
	if ((pid = fork()) == -1) {
		hb_warn("hooks: fork");
		buf_free(&conf);
		return;
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		buf_free(&conf);
		return;
	}
	if (setpgid(0, 0) == -1 || (pid = fork()) != 0)
		_exit(pid == -1 ? 1 : 0);
	close_from(0);
	if (open("/dev/null", O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2)
		_exit(1);
	/* The FastCGI process blocks its stop signals; the runner must not. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve("/proc/self/exe", argv, env);
	_exit(127);
}

/*
 * The hook's environment, built from nothing: the HOOKBOX_* variables
 * and a fixed PATH, LANG and HOME. Nothing of the web server's (headers,
 * secrets, SCRIPT_* variables) can reach the hook.
 */
static char **
hook_env(const struct delivery *d)
{
	/* The variables, then PATH, LANG and the closing NULL. */
	char **env = calloc(HOOK_ENV_VARS + 3, sizeof(char *));
	char when[32];
	struct passwd *pw = getpwuid(getuid());
	struct buf b[HOOK_ENV_VARS];
	int i, rc = 0;

	if (env == NULL)
		return NULL;
	memset(b, 0, sizeof(b));
	hb_iso8601(when, d->received_at);
	rc |= buf_printf(&b[0], "HOOKBOX_EVENT_ID=%lld", d->event_id);
	rc |= buf_printf(&b[1], "HOOKBOX_ENDPOINT=%s", d->endpoint);
	rc |= buf_printf(&b[2], "HOOKBOX_PROVIDER=%s", d->provider);
	rc |= buf_printf(&b[3], "HOOKBOX_EVENT_TYPE=%s", d->type);
	rc |= buf_printf(&b[4], "HOOKBOX_EVENT_KEY=%s", d->key);
	rc |= buf_printf(&b[5], "HOOKBOX_RESOURCE_ID=%s", d->resource);
	rc |= buf_printf(&b[6], "HOOKBOX_RECEIVED_AT=%s", when);
	rc |= buf_printf(&b[7], "HOOKBOX_ATTEMPT=%d", d->attempt);
	rc |= buf_printf(&b[8], "HOME=%s", pw != NULL && pw->pw_dir != NULL ?
	    pw->pw_dir : "/");
	for (i = 0; i < HOOK_ENV_VARS; i++)
		env[i] = b[i].data;
	env[HOOK_ENV_VARS] = (char *)hook_path;
	env[HOOK_ENV_VARS + 1] = (char *)hook_lang;
	if (rc != 0) {
		for (i = 0; i < HOOK_ENV_VARS; i++)
			free(env[i]);
		free(env);
		return NULL;
	}
	return env;
}

static void
env_free(char **env)
{
	int i;

	if (env == NULL)
		return;
	for (i = 0; i < HOOK_ENV_VARS; i++)
		free(env[i]);
	free(env);
}

/*
 * The hook's stdin as a file, so that a large body can never deadlock
 * against the hook's output: the body as received, or for a GET the
 * query as a JSON object. Returns a descriptor at offset 0, or -1.
 */
static int
stdin_file(const struct delivery *d)
{
	struct json_object *q = NULL;
	struct answer a;
	const char *data = d->body.data;
	size_t len = d->body.len, off = 0;
	int fd;

	if (strcmp(d->method, "GET") == 0) {
		memset(&a, 0, sizeof(a));
		if ((q = prov_query_object(d->query, &a)) == NULL)
			return -1;
		data = json_object_to_json_string_ext(q,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		len = strlen(data);
	}
	fd = memfd_create("hookbox-stdin", MFD_CLOEXEC);
	while (fd != -1 && off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w <= 0) {
			close(fd);
			fd = -1;
			break;
		}
		off += (size_t)w;
	}
	if (fd != -1 && lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		fd = -1;
	}
	json_object_put(q);
	return fd;
}

/*
 * In the child: stdin from the file, stdout and stderr into the pipe,
 * nothing else open, its own process group (so a timeout can kill
 * everything it started), default signals, the script's own
 * directory, then execve with the configured argv. Never returns.
 */
static void
exec_hook(const struct hook *h, char **env, int in, int out, int go)
{
	char dir[PATH_MAX], started;
	char *slash;
	sigset_t none;
	struct rlimit core = { 0, 0 };

	/* Not a new session: see hooks_kick. */
	if (setpgid(0, 0) == -1)
		_exit(126);
	/*
	 * The hook is the work that can wait: under a flood of orders the
	 * receivers get the CPU first. Only the hook: a runner at nice 19
	 * that is preempted while it holds the write lock stalls every
	 * receiver until the scheduler comes back to it.
	 */
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) < RUNNER_NICE && errno == 0)
		setpriority(PRIO_PROCESS, 0, RUNNER_NICE);
	/* If the runner dies, the hook does not outlive it unwatched. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Nothing of the hook runs before its start is on record. */
	if (read(go, &started, 1) != 1)
		_exit(126);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(126);
	close_from(3);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setrlimit(RLIMIT_CORE, &core);
	snprintf(dir, sizeof(dir), "%s", h->argv[0]);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (chdir(dir) == -1)
			_exit(126);
	}
	execve(h->argv[0], h->argv, env);
	fprintf(stderr, "hookbox: cannot run %s: %s\n", h->argv[0],
	    strerror(errno));
	_exit(127);
}

/* Keeps the last OUTPUT_TAIL bytes of what the hook wrote. */
static void
tail_add(struct buf *t, const char *p, size_t n)
{
	buf_add(t, p, n);
	if (t->len > 2 * OUTPUT_TAIL) {
		memmove(t->data, t->data + t->len - OUTPUT_TAIL, OUTPUT_TAIL);
		t->len = OUTPUT_TAIL;
		t->data[t->len] = '\0';
	}
}

static void
tail_finish(struct buf *t)
{
	if (t->len > OUTPUT_TAIL) {
		memmove(t->data, t->data + t->len - OUTPUT_TAIL, OUTPUT_TAIL);
		t->len = OUTPUT_TAIL;
		t->data[t->len] = '\0';
	}
	buf_add(t, "", 0);
}

/*
 * SIGKILL to every child of this process. A runner's only children are
 * its hook and what a hook left behind (it is their subreaper), so any
 * child found is a leftover. Found in /proc (a process's parent is the
 * 4th field of /proc/PID/stat, after its name in parentheses, which may
 * itself hold spaces and parentheses). A pid read here cannot be reused
 * before we reap it: a child's pid is held until its parent waits.
 * Returns the number of children signalled.
 */
static int
kill_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[64], line[512], *p;
		const char *errstr;
		ssize_t got;
		long long pid;
		int fd, ppid;
		char state;

		pid = hb_strtonum(e->d_name, 1, INT_MAX, &errstr);
		if (errstr != NULL)
			continue;
		snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		got = read(fd, line, sizeof(line) - 1);
		close(fd);
		if (got <= 0)
			continue;
		line[got] = '\0';
		if ((p = strrchr(line, ')')) == NULL ||
		    sscanf(p + 1, " %c %d", &state, &ppid) != 2 ||
		    ppid != self)
			continue;
		if (kill((pid_t)pid, SIGKILL) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Called once the hook itself is reaped: kills and reaps everything it
 * left. The group kill in wait_hook misses a process that made a session
 * or group of its own (setsid, setpgid); the runner is the child
 * subreaper of its hooks (hooks_run), so such a process becomes the
 * runner's child when its parent dies, and is found here. Each round
 * kills every child, whose own children then come to us in turn; it ends
 * when none is left (ECHILD), or after SWEEP_MS, for a process stuck in
 * the kernel (the next sweep reaps it).
 */
static void
sweep_leftovers(void)
{
	long long deadline = hb_mono_ms() + SWEEP_MS;
	struct timespec nap = { 0, SWEEP_NAP_MS * 1000000L };
	pid_t w;

	for (;;) {
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0 ||
		    (w == -1 && errno == EINTR))
			;
		if (w == -1)		/* ECHILD: nothing left */
			return;
		if (hb_mono_ms() > deadline) {
			hb_warnx("hooks: a hook's leftover processes did not "
			    "die within %d ms", SWEEP_MS);
			return;
		}
		kill_children();
		nanosleep(&nap, NULL);
	}
}

/*
 * Waits for the hook, reading its output, until it exits or its timeout
 * passes; then TERM to the whole process group, KILL_GRACE seconds, KILL.
 * Whatever the hook left running in its group is killed once it exits,
 * so nothing it started outlives the attempt; what left the group is
 * killed by sweep_leftovers. The group is killed before the hook is
 * reaped: until then its zombie holds its pid, and so the group id,
 * which the kernel cannot give to another process; after, kill(-pid)
 * could reach an unrelated group that got the pid meanwhile. Returns
 * the wait status and sets *timed_out.
 */
static int
wait_hook(pid_t pid, int out, int timeout, struct buf *tail, int *timed_out)
{
	long long deadline = hb_mono_ms() + (long long)timeout * 1000;
	int status = 0, exited = 0, term_sent = 0, pidfd;
	char chunk[4096];
	siginfo_t si;

	*timed_out = 0;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (!exited) {
		struct pollfd pfd[2];
		long long left = deadline - hb_mono_ms();
		nfds_t n = 0;
		int wait_ms, wr;

		if (left <= 0) {
			if (!term_sent) {
				*timed_out = 1;
				kill(-pid, SIGTERM);
				term_sent = 1;
				deadline = hb_mono_ms() + KILL_GRACE * 1000;
				continue;
			}
			kill(-pid, SIGKILL);
			deadline = hb_mono_ms() + 1000;
		}
		if (out != -1) {
			pfd[n].fd = out;
			pfd[n++].events = POLLIN;
		}
		if (pidfd != -1) {
			pfd[n].fd = pidfd;
			pfd[n++].events = POLLIN;
		}
		/* Without a pidfd (old kernels) the exit is polled for. */
		wait_ms = left > 0 ? (int)(left > 1000 ? 1000 : left) : 100;
		if (pidfd == -1 && wait_ms > 20)
			wait_ms = 20;
		if (poll(pfd, n, wait_ms) == -1 && errno != EINTR)
			break;
		if (out != -1 && (pfd[0].revents & (POLLIN | POLLHUP))) {
			ssize_t got = read(out, chunk, sizeof(chunk));

			if (got > 0)
				tail_add(tail, chunk, (size_t)got);
			else if (got == 0 || errno != EINTR) {
				close(out);
				out = -1;
			}
		}
		/* Seen exited, not reaped (WNOWAIT): see above. */
		memset(&si, 0, sizeof(si));
		wr = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG |
		    WNOWAIT);
		if (wr == 0 && si.si_pid == pid)
			exited = 1;
		else if (wr == -1 && errno != EINTR)
			break;
	}
	/* Leftovers of the group die with the hook, then it is reaped. */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	sweep_leftovers();
	while (out != -1) {
		ssize_t got = read(out, chunk, sizeof(chunk));

		if (got <= 0)
			break;
		tail_add(tail, chunk, (size_t)got);
	}
	if (out != -1)
		close(out);
	if (pidfd != -1)
		close(pidfd);
	return status;
}

/*
 * Retry n (1-based) waits retry_delay * 2^(n-1) seconds, at most
 * RETRY_BACKOFF_MAX.
 */
static time_t
backoff(const struct hook *h, int attempt)
{
	long long d = h->retry_delay;
	int i;

	for (i = 1; i < attempt && d < RETRY_BACKOFF_MAX; i++)
		d *= 2;
	return (time_t)(d > RETRY_BACKOFF_MAX ? RETRY_BACKOFF_MAX : d);
}

/* One attempt's hook process and its descriptors; -1 once closed. */
struct attempt {
	char		**env;
	int		 in;		/* the body: the hook's stdin */
	int		 out[2];	/* a pipe: its stdout and stderr */
	int		 go[2];		/* a pipe: one byte, its start is on
					   record */
	pid_t		 pid;
};

/*
 * The hook the config has for the delivery now, or NULL with the
 * attempt dead: no hook matches any more, or max_attempts are spent.
 */
static const struct hook *
attempt_hook(const struct conf *c, const struct delivery *d,
    struct attempt_result *res)
{
	const struct endpoint *ep = conf_endpoint(c, d->endpoint);
	const struct hook *h = ep != NULL ? conf_match_hook(ep, d->type) : NULL;

	if (h == NULL) {
		res->status = DS_DEAD;
		snprintf(res->error, sizeof(res->error), "no hook in the "
		    "config matches %s on endpoint %s any more", d->type,
		    d->endpoint);
		return NULL;
	}
	if (d->attempt > h->max_attempts) {
		res->status = DS_DEAD;
		snprintf(res->error, sizeof(res->error), "gave up after %d "
		    "attempts", h->max_attempts);
		return NULL;
	}
	return h;
}

/*
 * Forks the hook's process, which waits for its go byte (exec_hook).
 * Returns 0, or -1 with the error in res (the attempt failed).
 */
static int
spawn(const struct hook *h, const struct delivery *d, struct attempt *a,
    struct attempt_result *res)
{
	if ((a->env = hook_env(d)) == NULL || (a->in = stdin_file(d)) == -1 ||
	    pipe2(a->out, O_CLOEXEC) == -1 || pipe2(a->go, O_CLOEXEC) == -1) {
		snprintf(res->error, sizeof(res->error), "cannot prepare the "
		    "hook: %s", strerror(errno));
		return -1;
	}
	if ((a->pid = fork()) == -1) {
		snprintf(res->error, sizeof(res->error), "fork: %s",
		    strerror(errno));
		return -1;
	}
	if (a->pid == 0) {
		/* Or it would never see the end of go. */
		close(a->go[1]);
		exec_hook(h, a->env, a->in, a->out[1], a->go[0]);
	}
	close(a->out[1]);
	a->out[1] = -1;
	close(a->in);
	a->in = -1;
	close(a->go[0]);
	a->go[0] = -1;
	return 0;
}

/*
 * Records the hook's process and lease, then lets it run (its go byte).
 * Returns 0, or -1 when the start could not be recorded: the hook then
 * never runs, and no result is recorded (res->delivery 0).
 */
static int
start(struct store *st, const struct hook *h, const struct delivery *d,
    struct attempt *a, struct attempt_result *res)
{
	int status;

	if (store_started(st, d->id, a->pid, hb_proc_start(a->pid), time(NULL) +
	    h->timeout + KILL_GRACE + LEASE_SLACK) == -1) {
		/* Unrecorded, it could run twice: it never starts. */
		close(a->go[1]);
		a->go[1] = -1;
		while (waitpid(a->pid, &status, 0) == -1 && errno == EINTR)
			;
		res->delivery = 0;
		snprintf(res->error, sizeof(res->error), "cannot record the "
		    "start in the database");
		return -1;
	}
	if (write(a->go[1], "", 1) != 1)
		hb_warn("hooks: go");
	close(a->go[1]);
	a->go[1] = -1;
	return 0;
}

/*
 * What the hook's wait status says (README "Write a hook"): exit 0
 * succeeded; 65 dead at once; anything else, a signal or the timeout
 * leaves the attempt failed.
 */
static void
classify_exit(int status, int timed_out, const struct hook *h,
    struct attempt_result *res)
{
	if (timed_out) {
		snprintf(res->error, sizeof(res->error), "timed out after "
		    "%d s; its process group was killed", h->timeout);
		if (WIFSIGNALED(status))
			res->signal = WTERMSIG(status);
	} else if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
		if (res->exit_code == 0)
			res->status = DS_SUCCEEDED;
		else if (res->exit_code == EX_PERMANENT) {
			res->status = DS_DEAD;
			snprintf(res->error, sizeof(res->error), "the hook "
			    "exited 65: a permanent failure, not retried");
		} else if (res->exit_code == 127)
			snprintf(res->error, sizeof(res->error), "the hook "
			    "could not be started (exit 127)");
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		snprintf(res->error, sizeof(res->error), "killed by signal %d",
		    res->signal);
	}
}

/* A failed attempt is retried with backoff, or dead after max_attempts. */
static void
schedule_retry(const struct hook *h, const struct delivery *d,
    struct attempt_result *res)
{
	if (res->status != DS_FAILED)
		return;
	if (d->attempt >= h->max_attempts) {
		res->status = DS_DEAD;
		if (res->error[0] == '\0')
			snprintf(res->error, sizeof(res->error), "failed "
			    "%d attempts", d->attempt);
	} else
		res->next_at = time(NULL) + backoff(h, d->attempt);
}

/* The attempt's result as the next claim records it (*out), and said. */
static void
record(const struct delivery *d, struct buf *tail, int verbose,
    struct attempt_result *res, struct attempt_result *out)
{
	tail_finish(tail);
	res->output = tail->data;
	res->finished_at = time(NULL);
	*out = *res;
	if (verbose)
		printf("event %lld attempt %d: %s%s%s\n", d->event_id,
		    d->attempt, delivery_status_name(res->status),
		    res->error[0] ? ": " : "", res->error);
}

static void
attempt_close(struct attempt *a)
{
	if (a->in != -1)
		close(a->in);
	if (a->out[0] != -1)
		close(a->out[0]);
	if (a->out[1] != -1)
		close(a->out[1]);
	if (a->go[0] != -1)
		close(a->go[0]);
	if (a->go[1] != -1)
		close(a->go[1]);
	env_free(a->env);
}

/*
 * Runs one claimed delivery and records its outcome: the hook, its
 * process spawned, its start on record, its exit classified, a retry
 * scheduled if it failed.
 */
static void
run_delivery(const struct conf *c, struct store *st, struct delivery *d,
    int verbose, struct attempt_result *out, struct buf *tail)
{
	struct attempt a = { NULL, -1, { -1, -1 }, { -1, -1 }, -1 };
	struct attempt_result res;
	const struct hook *h;
	int status, timed_out;

	memset(&res, 0, sizeof(res));
	res.delivery = d->id;
	res.exit_code = -1;
	res.status = DS_FAILED;
	if ((h = attempt_hook(c, d, &res)) == NULL)
		goto done;
	if (spawn(h, d, &a, &res) == 0) {
		if (start(st, h, d, &a, &res) == -1)
			goto done;
		status = wait_hook(a.pid, a.out[0], h->timeout, tail,
		    &timed_out);
		a.out[0] = -1;
		classify_exit(status, timed_out, h, &res);
	}
	schedule_retry(h, d, &res);
 done:
	record(d, tail, verbose, &res, out);
	attempt_close(&a);
}

/*
 * Only one runner waits for future retries: the one holding the lock
 * file beside the database. Returns the descriptor, or -1.
 */
static int
linger_lock(const struct conf *c)
{
	struct buf path = { 0 };
	int fd = -1;

	if (buf_printf(&path, "%s.runner", conf_state(c)) == 0)
		fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	buf_free(&path);
	if (fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* What a runner last saw of the arrivals (give_way). */
struct arrivals {
	long long	 at;		/* hb_mono_ms() */
	long long	 newest;	/* the newest event's id then */
	int		 flood;
};

/*
 * Hooks are the work that can wait. While events arrive faster than
 * FLOOD_EVENTS a second no runner keeps up anyway, and every hook it
 * starts takes CPU from the receivers: fork, exec and a program's
 * start-up are kernel and hypervisor time that nice 19 hardly holds
 * back. So during such a flood a runner rests, between runs, FLOOD_REST
 * times as long as its last run took, times max_running_hooks (at most
 * FLOOD_REST_MAX): the runners then take a tenth of a CPU at most all
 * together, however many there are (each resting FLOOD_REST times its
 * own run, a few runners took a large share of the machine). Below that
 * rate hooks run back to back.
 */
static void
give_way(struct store *st, struct arrivals *ar, long long ran_us)
{
	long long now = hb_mono_ms(), newest, rest_us;
	struct timespec nap;

	if (now - ar->at >= FLOOD_LOOK) {
		newest = store_newest_event(st);
		ar->flood = ar->at != 0 && newest >= 0 && ar->newest >= 0 &&
		    (newest - ar->newest) * 1000 > FLOOD_EVENTS * (now - ar->at);
		ar->at = now;
		ar->newest = newest;
	}
	if (!ar->flood)
		return;
	rest_us = ran_us * FLOOD_REST;
	if (rest_us > FLOOD_REST_MAX * 1000LL)
		rest_us = FLOOD_REST_MAX * 1000LL;
	nap.tv_sec = rest_us / 1000000;
	nap.tv_nsec = (rest_us % 1000000) * 1000;
	nanosleep(&nap, NULL);
}

/*
 * Claims and runs due deliveries until none may start. With linger, the
 * runner that holds the lock then sleeps until the next retry falls due
 * and goes on, so retries happen without cron. Returns the number of
 * attempts run, or -1 on a store error.
 */
int
hooks_run(const struct conf *c, struct store *st, int linger)
{
	struct delivery d;
	struct attempt_result done;
	struct arrivals ar = { 0 };
	struct buf tail = { 0 };
	time_t started = time(NULL);
	int n = 0, lock = -1, rc, have_done = 0, upkept = 0;

	/* A hook that dies before reading its go byte must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * What a hook starts in a session or group of its own escapes the
	 * group kill; as the hooks' subreaper the runner inherits it when
	 * its parent dies, and sweep_leftovers ends it. (Not a cgroup: a
	 * shared host gives an ordinary user none.) What a hook hands to
	 * another process tree (at, cron, a daemon it talks to) is out of
	 * reach: see README "Write a hook".
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		hb_warn("hooks: PR_SET_CHILD_SUBREAPER");
	for (;;) {
		time_t now = time(NULL), next;

		/* The last attempt is recorded with the next claim. */
		rc = store_claim(st, now, conf_max_running(c), LEASE_SLACK,
		    have_done ? &done : NULL, &d);
		have_done = 0;
		buf_free(&tail);
		if (rc == 1) {
			long long t0 = hb_mono_us();

			run_delivery(c, st, &d, !linger, &done, &tail);
			have_done = 1;
			delivery_free(&d);
			n++;
			/* As if it had run for all of them: see give_way. */
			give_way(st, &ar, (hb_mono_us() - t0) *
			    conf_max_running(c));
			continue;
		}
		/* Then the upkeep (notify.c), at once if notices wait. */
		if (rc == 0 && linger) {
			upkeep_run(c, st, n > upkept);
			upkept = n;
		}
		if (rc == -1 || !linger)
			break;
		next = store_next_due(st);
		if (next == 0)
			break;
		if (lock == -1 && (lock = linger_lock(c)) == -1)
			break;
		if (now - started > LINGER_MAX)
			break;		/* cron, or the next request, goes on */
		/*
		 * Short naps: a retry scheduled after we went to sleep may
		 * fall due before the one we saw.
		 */
		sleep(next > now + LINGER_NAP ? LINGER_NAP :
		    next > now ? (unsigned)(next - now) : 1);
	}
	if (lock != -1)
		close(lock);
	return rc == -1 ? -1 : n;
}

/*
 * Runs h's program the way a hook runs (exec_hook, wait_hook): stdin
 * from data, the environment vars (NAME=value strings, NULL-ended) plus
 * HOME, PATH and LANG and nothing else, its own process group at nice
 * RUNNER_NICE, killed with what it started after h->timeout seconds;
 * the tail of its output in tail. notify.c's sendmail and notify script
 * go through here. Returns 0 with *r filled, or -1 with r->error.
 */
int
hooks_exec(const struct hook *h, const char *const *vars, const void *data,
    size_t len, struct buf *tail, struct run_result *r)
{
	struct passwd *pw = getpwuid(getuid());
	struct buf home = { 0 };
	char **env = NULL;
	size_t i, n = 0, off = 0;
	int in = -1, out[2] = { -1, -1 }, go[2] = { -1, -1 }, rc = -1;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	while (vars != NULL && vars[n] != NULL)
		n++;
	if ((env = calloc(n + 4, sizeof(char *))) == NULL ||
	    buf_printf(&home, "HOME=%s", pw != NULL && pw->pw_dir != NULL ?
	    pw->pw_dir : "/") == -1)
		goto fail;
	for (i = 0; i < n; i++)
		env[i] = (char *)vars[i];
	env[n] = home.data;
	env[n + 1] = (char *)hook_path;
	env[n + 2] = (char *)hook_lang;
	if ((in = memfd_create("hookbox-stdin", MFD_CLOEXEC)) == -1)
		goto fail;
	while (off < len) {
		ssize_t w = write(in, (const char *)data + off, len - off);

		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (lseek(in, 0, SEEK_SET) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(go, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		close(go[1]);
		exec_hook(h, env, in, out[1], go[0]);
	}
	close(out[1]);
	out[1] = -1;
	close(go[0]);
	go[0] = -1;
	if (write(go[1], "", 1) != 1)
		hb_warn("hooks: go");
	close(go[1]);
	go[1] = -1;
	r->status = wait_hook(pid, out[0], h->timeout, tail, &r->timed_out);
	out[0] = -1;
	tail_finish(tail);
	rc = 0;
 fail:
	if (rc == -1)
		snprintf(r->error, sizeof(r->error), "cannot start %s: %s",
		    h->argv[0], strerror(errno));
	if (in != -1)
		close(in);
	for (i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (go[i] != -1)
			close(go[i]);
	}
	buf_free(&home);
	free(env);
	return rc;
}
