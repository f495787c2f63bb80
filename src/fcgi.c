/*
 * The FastCGI responder, on libfcgi: worker threads take requests with
 * FCGX_Accept_r and run each up to its one write (serve_begin), then
 * queue the write. The first worker to queue while no commit runs leads:
 * in its own thread it writes every write queued by then in one
 * transaction with one fsync, and wakes the others of the batch, whose
 * answers are sent only then (group commit). What is queued meanwhile
 * waits for the next leader, the first of it. A lone request never waits
 * for a batch, and costs no switch to another thread: the leader waits
 * at most GATHER_US, and only for requests that other workers are
 * reading at that moment.
 *
 * libfcgi reads a request with blocking calls, so a peer that connects
 * and then says nothing, or sends its body a byte at a time, holds the
 * thread reading it. It holds only that one: the workers call
 * FCGX_Accept_r side by side, with no lock around it (Linux lets threads
 * accept() on one socket together, and libfcgi's accept path keeps no
 * state of its own between calls), and a watchdog in the main thread
 * interrupts a worker whose read has not moved for IDLE_MS, or for
 * PRESSED_MS while connections wait (watch). libfcgi's read() then fails
 * with EINTR, which drops that connection, while its accept() just
 * starts again.
 *
 * The config is shared by the workers and replaced, not changed, when
 * its file changes: each request holds a reference to the one it
 * started with.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "hookbox.h"

#define FCGI_WORKERS	16	/* requests served at once per process */
#define BATCH_MAX	FCGI_WORKERS	/* writes per transaction */
#define WORKER_STACK	(256 * 1024)
#define GATHER_US	300	/* the longest a commit waits for more */
#define KICK_EVERY_MS	100	/* start a hook runner at most this often */
#define DUE_EVERY_MS	1000	/* look for retries falling due this often */
#define IDLE_MS		30000	/* a read that does not move is dropped */
#define PRESSED_MS	250	/* ... or this, while connections wait */
#define WATCH_MS	100	/* how often the watchdog looks */
#define STOP_MS		5000	/* to finish what is in progress on SIGTERM */
#define ACCEPT_PAUSE_MS	100	/* after accept() failed, e.g. out of fds */
/*
 * A request's parameters (its CGI variables) in all: web servers hold
 * headers far below this (lighttpd 64 KiB, Apache 100 fields of 8 KiB);
 * request.c applies the real limits with a clear 400 or 404. libfcgi has
 * already read them by then; this keeps us from copying them.
 */
#define PARAMS_MAX	(4 * 1024 * 1024)
#define INTERRUPT	SIGUSR2	/* the watchdog's: ends a blocked read */
#define PATH_SIZE	4096	/* a config's or database's path, with its NUL */

struct confref {
	struct conf	*conf;
	int		 refs;
	int		 current;
};

/* One queued write, on its worker's stack until its batch is committed. */
struct job {
	struct store_item *item;
	const struct conf *conf;
	sem_t		 done;		/* posted: committed, or to lead */
	int		 lead;		/* woken to commit the queue */
	int		 committed;	/* by its own worker, as leader */
	struct job	*next;
};

/* Where a worker is, for the watchdog. */
enum phase {
	W_ACCEPT,	/* in FCGX_Accept_r: accept(), or reading parameters */
	W_READ,		/* reading the body */
	W_SERVE		/* serving, waiting for its commit, answering */
};

struct fcgi;
struct worker {
	pthread_t	 thread;
	struct fcgi	*f;
	atomic_int	 phase;
	atomic_llong	 since;		/* hb_mono_ms() of its last progress */
	atomic_int	 done;		/* its thread has ended */
	int		 counted;	/* in f->busy */
};

struct fcgi {
	pthread_mutex_t	 mu;		/* everything to the leader's part */
	pthread_cond_t	 work;		/* no request is busy any more */
	struct job	*head, *tail;
	int		 busy;		/* requests being read, not queued */
	int		 leading;	/* a worker is committing the queue */
	struct confref	*cur;
	char		 path[PATH_SIZE];	/* the current config's file */
	struct timespec	 mtime;
	char		 kick[PATH_SIZE];	/* the config a runner starts with */
	long long	 last_kick;
	int		 kick_pending;
	atomic_int	 closing;	/* the workers take no new request */
	struct worker	 workers[FCGI_WORKERS];
	int		 nworkers;
	/* The leader's alone: the process's connection to the database. */
	struct store	*st;
	char		 db[PATH_SIZE];	/* st's database */
	long long	 last_due;
};

/* libfcgi's way: a listening socket as fd 0 (FCGX_IsCGI). */
int
fcgi_listening(void)
{
	return !FCGX_IsCGI();
}

/*
 * Under mod_fcgid an .htaccess `SetEnv HOOKBOX_CONF` arrives as a
 * request parameter, not in the process environment; it wins when set.
 */
static const char *
request_conf_path(FCGX_Request *req)
{
	const char *p = FCGX_GetParam("HOOKBOX_CONF", req->envp);

	return p != NULL && *p != '\0' ? p : conf_path();
}

static void
conf_release(struct fcgi *f, struct confref *ref)
{
	int last;

	if (ref == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	last = --ref->refs == 0 && !ref->current;
	pthread_mutex_unlock(&f->mu);
	if (last) {
		conf_free(ref->conf);
		free(ref);
	}
}

/*
 * The config for one request, loaded again when its file changed or the
 * request names another (edits need no restart). The caller releases it.
 * Returns NULL when it cannot be loaded.
 */
static struct confref *
conf_acquire(struct fcgi *f, const char *path)
{
	struct confref *ref, *old = NULL;
	struct stat sb;

	if (stat(path, &sb) == -1)
		memset(&sb, 0, sizeof(sb));
	pthread_mutex_lock(&f->mu);
	if (f->cur != NULL && strcmp(path, f->path) == 0 &&
	    sb.st_mtim.tv_sec == f->mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == f->mtime.tv_nsec) {
		ref = f->cur;
		ref->refs++;
		pthread_mutex_unlock(&f->mu);
		return ref;
	}
	pthread_mutex_unlock(&f->mu);

	/* Loaded outside the lock; if two threads race, both are valid. */
	if ((ref = calloc(1, sizeof(*ref))) == NULL)
		return NULL;
	if ((ref->conf = serve_load_conf(path)) == NULL) {
		free(ref);
		return NULL;
	}
	ref->refs = 2;		/* ours, and being current */
	ref->current = 1;
	pthread_mutex_lock(&f->mu);
	if (f->cur != NULL) {
		old = f->cur;
		old->current = 0;
		if (--old->refs > 0)
			old = NULL;	/* its last user frees it */
	}
	f->cur = ref;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->mtime = sb.st_mtim;
	pthread_mutex_unlock(&f->mu);
	if (old != NULL) {
		conf_free(old->conf);
		free(old);
	}
	return ref;
}

/* A time on the monotonic clock (hb_mono_us) for pthread_cond_timedwait. */
static struct timespec
deadline(long long us)
{
	struct timespec ts;

	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	return ts;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
set_phase(struct worker *w, enum phase p)
{
	atomic_store(&w->since, hb_mono_ms());
	atomic_store(&w->phase, p);
}

/* ---- group commit ---- */

/*
 * A request no longer counts as busy once it is queued or needs no
 * write. The leader, gathering a batch, waits for the count to reach 0.
 * Called with f->mu held.
 */
static void
unbusy(struct fcgi *f, struct worker *w)
{
	if (!w->counted)
		return;
	w->counted = 0;
	if (--f->busy == 0 && f->head != NULL)
		pthread_cond_signal(&f->work);
}

/*
 * Takes up to BATCH_MAX queued jobs that write to the same database as
 * the first one. Called with f->mu held; returns how many.
 */
static size_t
take_batch(struct fcgi *f, struct job **batch)
{
	struct job **pp = &f->head, *j;
	const char *db = conf_database(f->head->conf);
	size_t n = 0;

	f->tail = NULL;
	while ((j = *pp) != NULL) {
		if (n < BATCH_MAX && strcmp(conf_database(j->conf), db) == 0) {
			batch[n++] = j;
			*pp = j->next;
			continue;
		}
		f->tail = j;
		pp = &j->next;
	}
	return n;
}

/*
 * Before a commit, waits (at most GATHER_US) for the requests being
 * read at this moment to queue their writes too, so that one fsync
 * covers them all. A lone request has no one to wait for. Called and
 * returns with f->mu held.
 */
static void
gather(struct fcgi *f)
{
	struct timespec until;

	if (f->busy == 0 || atomic_load(&f->closing))
		return;
	until = deadline(hb_mono_us() + GATHER_US);
	while (f->busy > 0 && !atomic_load(&f->closing))
		if (pthread_cond_timedwait(&f->work, &f->mu, &until) ==
		    ETIMEDOUT)
			break;
}

/*
 * Takes the kick that is due, if any, into path (a config file, for
 * hooks_kick, which the caller makes outside the lock: a fork is slow).
 * Called with f->mu held; returns 1 when there is one.
 */
static int
take_kick(struct fcgi *f, char path[PATH_SIZE])
{
	if (!f->kick_pending || hb_mono_ms() - f->last_kick < KICK_EVERY_MS)
		return 0;
	memcpy(path, f->kick, sizeof(f->kick));
	f->kick_pending = 0;
	f->last_kick = hb_mono_ms();
	return 1;
}

/*
 * The batch left hooks work: a runner is to start with this config. A
 * runner goes on until no work is due, so one started a moment ago takes
 * this batch's work too; starting one per batch would fork thousands of
 * times a second. A kick held back here is the main thread's to make
 * (fcgi_main).
 */
static void
note_kick(struct fcgi *f, const char *conf)
{
	char other[PATH_SIZE] = "", now[PATH_SIZE];
	int due;

	pthread_mutex_lock(&f->mu);
	/* Another database's runner (rare: per-request configs). */
	if (f->kick_pending && strcmp(f->kick, conf) != 0)
		memcpy(other, f->kick, sizeof(other));
	snprintf(f->kick, sizeof(f->kick), "%s", conf);
	f->kick_pending = 1;
	due = take_kick(f, now);
	pthread_mutex_unlock(&f->mu);
	if (other[0] != '\0')
		hooks_kick(other);
	if (due)
		hooks_kick(now);
}

/*
 * Writes the items of one database on the process's one connection,
 * which only the leader uses; notes when hooks have work.
 */
static void
write_batch(struct fcgi *f, const struct conf *c, struct store_item *items,
    size_t n)
{
	size_t i;
	int hooks = 0;

	if (f->st != NULL && strcmp(f->db, conf_database(c)) != 0) {
		store_close(f->st);
		f->st = NULL;
	}
	if (f->st == NULL) {
		struct buf err = { 0 };

		snprintf(f->db, sizeof(f->db), "%s", conf_database(c));
		if ((f->st = store_open(f->db, conf_busy_timeout(c),
		    (conf_synchronous_full(c) ? STORE_SYNC_FULL : 0) |
		    STORE_GROUP, &err)) == NULL)
			hb_warnx("%s", err.data != NULL ? err.data : "store");
		buf_free(&err);
	}
	if (f->st != NULL)
		store_write(f->st, items, n);
	else
		for (i = 0; i < n; i++)
			items[i].result = ST_FAIL;
	for (i = 0; i < n; i++)
		if (items[i].se != NULL && items[i].se->hook != NULL &&
		    items[i].result == ST_OK)
			hooks = 1;
	/* Retries falling due: looked for once in DUE_EVERY_MS at most. */
	if (!hooks && f->st != NULL &&
	    hb_mono_ms() - f->last_due >= DUE_EVERY_MS) {
		f->last_due = hb_mono_ms();
		hooks = hooks_due(f->st, c, time(NULL)) ||
		    upkeep_due(f->st, c, time(NULL));
	}
	for (i = 0; i < n; i++)
		if (items[i].result == ST_FAIL && notify_store_failed(
		    conf_state(c), f->st != NULL ? store_errmsg(f->st) :
		    "cannot open the database")) {
			hooks = 1;	/* the owner's notice (notify.c) */
			break;
		}
	for (i = 0; i < n; i++) {
		if (items[i].result == ST_FAIL || items[i].result == ST_BUSY) {
			/* A broken connection may heal on reopen. */
			store_close(f->st);
			f->st = NULL;
			break;
		}
	}
	if (hooks)
		note_kick(f, conf_file(c));
}

/*
 * Commits one batch from the queue as its leader, and wakes its jobs;
 * its own job (self) is marked, not woken. Then hands the lead to the
 * next job queued, if any. Called and returns with f->mu held.
 */
static void
lead(struct fcgi *f, struct job *self)
{
	struct store_item items[BATCH_MAX];
	struct job *batch[BATCH_MAX];
	const struct conf *c;
	size_t n, i;

	gather(f);
	/* Never empty: the job that leads is queued until it is taken. */
	if (f->head == NULL || (n = take_batch(f, batch)) == 0) {
		f->leading = 0;
		return;
	}
	pthread_mutex_unlock(&f->mu);
	c = batch[0]->conf;
	for (i = 0; i < n; i++)
		items[i] = *batch[i]->item;
	write_batch(f, c, items, n);
	/* A job lives on its worker's stack: gone once posted. */
	for (i = 0; i < n; i++) {
		*batch[i]->item = items[i];
		if (batch[i] == self)
			self->committed = 1;
		else
			sem_post(&batch[i]->done);
	}
	pthread_mutex_lock(&f->mu);
	if (f->head != NULL) {
		f->head->lead = 1;
		sem_post(&f->head->done);
	} else
		f->leading = 0;
}

/*
 * Queues one write and returns once its batch is committed. The first
 * to queue while no commit runs leads: it commits what is queued by
 * then, its own write among it, in its own thread; the rest wait to be
 * woken with their result, or to lead the next batch. A lone request so
 * costs no thread switch at all.
 */
static void
submit(struct fcgi *f, struct worker *w, struct store_item *it,
    const struct conf *c)
{
	struct job job = { .item = it, .conf = c };

	sem_init(&job.done, 0, 0);
	pthread_mutex_lock(&f->mu);
	if (f->tail != NULL)
		f->tail->next = &job;
	else
		f->head = &job;
	f->tail = &job;
	unbusy(f, w);
	if (!f->leading) {
		f->leading = 1;
		lead(f, &job);
	}
	pthread_mutex_unlock(&f->mu);
	while (!job.committed) {
		/* The watchdog's signal may land here too: keep waiting. */
		while (sem_wait(&job.done) != 0)
			;
		if (!job.lead)
			break;
		job.lead = 0;
		pthread_mutex_lock(&f->mu);
		lead(f, &job);
		pthread_mutex_unlock(&f->mu);
	}
	sem_destroy(&job.done);
}

/* ---- workers ---- */

struct reader {
	FCGX_Request	*req;
	struct worker	*w;
};

static long
fcgx_reader(void *ctx, char *buf, size_t n)
{
	struct reader *rd = ctx;
	int got;

	if (n > 1 << 30)
		n = 1 << 30;
	got = FCGX_GetStr(buf, (int)n, rd->req->in);
	atomic_store(&rd->w->since, hb_mono_ms());
	if (got == 0 && FCGX_GetError(rd->req->in) != 0)
		return -1;
	return got;
}

static size_t
params_size(char **envp)
{
	size_t n = 0;

	for (; envp != NULL && *envp != NULL; envp++)
		n += strlen(*envp) + 1;
	return n;
}

/* One request, from its parameters to its answer. */
static void
serve_request(struct fcgi *f, struct worker *w, FCGX_Request *req)
{
	struct reader rd = { .req = req, .w = w };
	struct serve_ctx ctx = { 0 };
	struct confref *ref = NULL;
	struct request r;
	struct answer a;
	struct intake in;
	struct buf out = { 0 };

	memset(&a, 0, sizeof(a));
	memset(&in, 0, sizeof(in));
	if (req->role != FCGI_RESPONDER) {
		/*
		 * An authorizer or filter: not what hookbox is. A 400 (never
		 * a 200, which would authorize) and nothing stored.
		 */
		hb_warnx("FastCGI role %d refused: hookbox is a responder",
		    req->role);
		answer_set(&a, OUT_BAD_REQUEST, "hookbox is a FastCGI "
		    "responder, not an authorizer or a filter");
		req_from_env(&r, NULL, &a);
	} else if (params_size(req->envp) > PARAMS_MAX) {
		answer_set(&a, OUT_BAD_REQUEST, "the request's CGI variables "
		    "are over %d bytes", PARAMS_MAX);
		req_from_env(&r, NULL, &a);
		ref = conf_acquire(f, conf_path());
	} else {
		ref = conf_acquire(f, request_conf_path(req));
		req_from_env(&r, req->envp, &a);
		/* libfcgi ends the body where FCGI_STDIN ends. */
		r.input_ends = 1;
	}
	if (ref == NULL && a.outcome == OUT_NONE)
		serve_unconfigured(&a);
	if (ref != NULL && a.outcome == OUT_NONE && inbox_path(r.path)) {
		/*
		 * The owner's pages (inbox.c): no write for the leader. A
		 * form is read here, under the watchdog (a failed read
		 * leaves no body: inbox_serve answers it).
		 */
		if (r.method == REQ_POST && req_read_body(&r, INBOX_FORM_MAX,
		    fcgx_reader, &rd, &a) == -1)
			buf_free(&r.body);
		set_phase(w, W_SERVE);
		pthread_mutex_lock(&f->mu);
		unbusy(f, w);
		pthread_mutex_unlock(&f->mu);
		if (inbox_serve(ref->conf, &r, NULL, NULL, 0, &out))
			note_kick(f, conf_file(ref->conf));
		FCGX_PutStr(out.data, (int)out.len, req->out);
		goto out;
	}
	if (ref != NULL) {
		ctx.conf = ref->conf;
		serve_begin(&ctx, &r, fcgx_reader, &rd, &a, &in);
	}
	set_phase(w, W_SERVE);
	if (in.item.se != NULL || in.item.rj != NULL)
		submit(f, w, &in.item, ref->conf);
	else {
		pthread_mutex_lock(&f->mu);
		unbusy(f, w);
		pthread_mutex_unlock(&f->mu);
	}
	serve_end(&in, &a);
	if (answer_format(&a, &out, 1) == 0)
		FCGX_PutStr(out.data, (int)out.len, req->out);
 out:
	buf_free(&out);
	req_free(&r);
	conf_release(f, ref);
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	struct fcgi *f = w->f;
	FCGX_Request req;

	/* accept() interrupted by the watchdog or a stop returns: see stop. */
	if (FCGX_InitRequest(&req, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return NULL;
	while (!atomic_load(&f->closing)) {
		int rc;

		set_phase(w, W_ACCEPT);
		if ((rc = FCGX_Accept_r(&req)) < 0) {
			if (atomic_load(&f->closing))
				break;
			if (rc == -EINTR)
				continue;
			hb_warnx("FastCGI: accept: %s", strerror(-rc));
			sleep_ms(ACCEPT_PAUSE_MS);
			continue;
		}
		set_phase(w, W_READ);
		pthread_mutex_lock(&f->mu);
		f->busy++;
		w->counted = 1;
		pthread_mutex_unlock(&f->mu);
		serve_request(f, w, &req);
		/*
		 * libfcgi closes a connection carefully: shutdown(), then it
		 * waits (up to 2 s) for the web server to close its end, so
		 * that unread input cannot turn the close into a reset that
		 * loses the answer. Once the input has been read to its end
		 * there is nothing to reset, and the worker need not wait.
		 */
		if (FCGX_HasSeenEOF(req.in) == EOF)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	atomic_store(&w->done, 1);
	return NULL;
}

/* ---- the main thread: signals and the watchdog ---- */

static void
interrupted(int sig)
{
	(void)sig;	/* only to make a blocked read() return EINTR */
}

/*
 * Interrupts the workers whose phase is in mask and has not moved for
 * ms. A worker waiting in accept() starts it again; one reading a
 * request drops it (the web server answers 502 and the sender retries;
 * nothing was acknowledged).
 */
static void
nudge(struct fcgi *f, unsigned mask, long long ms)
{
	long long now = hb_mono_ms();
	int i;

	for (i = 0; i < f->nworkers; i++) {
		struct worker *w = &f->workers[i];

		if (atomic_load(&w->done) ||
		    (mask & (1u << atomic_load(&w->phase))) == 0 ||
		    now - atomic_load(&w->since) < ms)
			continue;
		atomic_store(&w->since, now);
		pthread_kill(w->thread, INTERRUPT);
	}
}

/*
 * Connections are waiting to be accepted. A worker in accept() takes one
 * at once, so while they wait, a worker that has been in FCGX_Accept_r
 * for a while is not in accept(): it is stuck reading a request's
 * parameters (libfcgi gives a unix connection that sends nothing 2 s).
 */
static int
pressed(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/*
 * The watchdog, every WATCH_MS. A read that has not moved for IDLE_MS is
 * dropped; while other connections wait to be accepted, one that has not
 * moved for PRESSED_MS is: a few peers that connect and stay silent, or
 * trickle a body through a web server that passes it on as it comes
 * (nginx without request buffering, mod_proxy_fcgi), would otherwise
 * hold every worker and keep genuine orders waiting behind them. A
 * genuine web server sends a request's parameters in one go.
 */
static void
watch(struct fcgi *f)
{
	nudge(f, 1u << W_ACCEPT | 1u << W_READ, IDLE_MS);
	if (pressed())
		nudge(f, 1u << W_ACCEPT | 1u << W_READ, PRESSED_MS);
}

/*
 * No new requests: the listening socket is let go (/dev/null takes fd
 * 0's place, see guard_stdio), so that the web server's next connection
 * goes elsewhere, and the workers waiting in accept() are interrupted
 * (FCGI_FAIL_ACCEPT_ON_INTR) and see f->closing. The requests in progress
 * finish, for STOP_MS at most. libfcgi's own FCGX_ShutdownPending is not
 * used: interrupted while it checks a new connection, its accept loop
 * then closes that connection's descriptor a second time, by then
 * perhaps another thread's database file (seen: "disk I/O error").
 */
static void
stop_workers(struct fcgi *f)
{
	long long until = hb_mono_ms() + STOP_MS;
	int nul, i;

	atomic_store(&f->closing, 1);
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(nul, 0);
		close(nul);
	}
	for (;;) {
		int live = 0;

		for (i = 0; i < f->nworkers; i++)
			live += !atomic_load(&f->workers[i].done);
		if (live == 0)
			break;
		/* Interrupted in accept(), a worker now sees f->closing. */
		nudge(f, 1u << W_ACCEPT, 0);
		if (hb_mono_ms() > until)
			nudge(f, 1u << W_ACCEPT | 1u << W_READ, 0);
		sleep_ms(20);
	}
	for (i = 0; i < f->nworkers; i++)
		pthread_join(f->workers[i].thread, NULL);
}

static int
start(struct fcgi *f)
{
	struct sigaction sa;
	pthread_attr_t attr;
	pthread_condattr_t cattr;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = interrupted;	/* no SA_RESTART: read() fails */
	sigemptyset(&sa.sa_mask);
	if (sigaction(INTERRUPT, &sa, NULL) == -1)
		return -1;
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&f->work, &cattr);
	pthread_condattr_destroy(&cattr);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (i = 0; i < FCGI_WORKERS; i++) {
		struct worker *w = &f->workers[f->nworkers];

		w->f = f;
		set_phase(w, W_ACCEPT);
		if (pthread_create(&w->thread, &attr, worker, w) == 0)
			f->nworkers++;
	}
	pthread_attr_destroy(&attr);
	return f->nworkers > 0 ? 0 : -1;
}

/*
 * Runs until the web server stops us. Apache (mod_fcgid) and lighttpd
 * send SIGTERM: then no new request is taken, the requests in progress
 * finish (STOP_MS at most) with their writes committed, and we exit.
 */
int
fcgi_main(void)
{
	struct fcgi f;
	long long last_watch = hb_mono_ms();
	char path[PATH_SIZE];
	sigset_t stop;

	memset(&f, 0, sizeof(f));
	/*
	 * glibc gives each thread that allocates an arena of its own, and
	 * each arena holds on to memory of its own; with one arena for all
	 * the workers a FastCGI process's peak memory under load is lower at
	 * the same speed (figures: tests/bench/RESULTS.md, "Measurements
	 * behind the code"). Each thread still has its cache of small chunks.
	 */
	mallopt(M_ARENA_MAX, 1);
	umask(077);
	if (FCGX_Init() != 0) {
		hb_warnx("cannot initialise FastCGI");
		return 1;
	}
	/*
	 * Blocked in every thread (they inherit it) and taken here. libfcgi
	 * would otherwise catch SIGTERM and SIGUSR1 for its own single-thread
	 * shutdown; SIGPIPE is its no-op handler, so a write to a web server
	 * that left fails instead of killing us.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (start(&f) == -1) {
		hb_warn("cannot start the FastCGI responder");
		return 1;
	}
	for (;;) {
		struct timespec tick;
		long long now, wait;
		int due;

		/* A kick the leader held back (note_kick) is made here. */
		pthread_mutex_lock(&f.mu);
		due = take_kick(&f, path);
		wait = f.kick_pending ? f.last_kick + KICK_EVERY_MS -
		    hb_mono_ms() : WATCH_MS;
		if (wait > WATCH_MS)
			wait = WATCH_MS;
		pthread_mutex_unlock(&f.mu);
		if (due)
			hooks_kick(path);
		if (wait < 1)
			wait = 1;
		tick.tv_sec = wait / 1000;
		tick.tv_nsec = (wait % 1000) * 1000000L;
		if (sigtimedwait(&stop, NULL, &tick) != -1)
			break;
		if ((now = hb_mono_ms()) - last_watch >= WATCH_MS) {
			last_watch = now;
			watch(&f);
		}
	}
	stop_workers(&f);
	if (f.kick_pending)
		hooks_kick(f.kick);
	store_close(f.st);
	if (f.cur != NULL) {
		conf_free(f.cur->conf);
		free(f.cur);
	}
	return 0;
}
