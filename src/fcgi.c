/*
 * The FastCGI responder, on libfcgi: worker threads take requests with
 * FCGX_Accept_r and run each up to its one write (serve_begin); one
 * committer thread writes every write queued so far in one transaction
 * with one fsync, and only then are their answers sent (group commit).
 * A lone request never waits for a batch: the committer starts on
 * whatever is queued, waiting at most GATHER_US for requests that are
 * being read in other threads at that moment, and what arrives during a
 * commit forms the next batch.
 *
 * libfcgi reads a request with blocking calls, so a peer that connects
 * and then says nothing, or sends its body a byte at a time, holds the
 * thread reading it. It holds only that one: the workers call
 * FCGX_Accept_r side by side, with no lock around it (Linux lets threads
 * accept() on one socket together, and libfcgi's accept path keeps no
 * state of its own between calls), and a watchdog in the main thread
 * interrupts a worker whose read has not moved for IDLE_MS. libfcgi's
 * read() then fails with EINTR, which drops that connection, while its
 * accept() just starts again.
 *
 * The config is shared by the workers and replaced, not changed, when
 * its file changes: each request holds a reference to the one it
 * started with.
 */
#include <errno.h>
#include <fcntl.h>
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
#define IDLE_MS		30000	/* a read that does not move is dropped */
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

struct confref {
	struct conf	*conf;
	int		 refs;
	int		 current;
};

/* One queued write, on its worker's stack until its batch is committed. */
struct job {
	struct store_item *item;
	const struct conf *conf;
	sem_t		 done;
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
	pthread_mutex_t	 mu;		/* everything below */
	pthread_cond_t	 work;		/* the queue is not empty, or stop */
	struct job	*head, *tail;
	int		 busy;		/* requests being read, not queued */
	struct confref	*cur;
	char		 path[4096];	/* the current config's file */
	struct timespec	 mtime;
	int		 stopping;	/* commit what is queued, then end */
	atomic_int	 closing;	/* the workers take no new request */
	struct worker	 workers[FCGI_WORKERS];
	int		 nworkers;
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
 * write. The committer, gathering a batch, waits for the count to reach
 * 0. Called with f->mu held.
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

/* Queues one write and waits until its batch is committed. */
static void
submit(struct fcgi *f, struct worker *w, struct store_item *it,
    const struct conf *c)
{
	struct job job = { .item = it, .conf = c };

	sem_init(&job.done, 0, 0);
	pthread_mutex_lock(&f->mu);
	if (f->tail != NULL)
		f->tail->next = &job;
	else {
		f->head = &job;
		pthread_cond_signal(&f->work);
	}
	f->tail = &job;
	unbusy(f, w);
	pthread_mutex_unlock(&f->mu);
	/* The watchdog's signal may land here too: keep waiting. */
	while (sem_wait(&job.done) != 0)
		;
	sem_destroy(&job.done);
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

	if (f->busy == 0 || f->stopping)
		return;
	until = deadline(hb_mono_us() + GATHER_US);
	while (f->busy > 0 && !f->stopping)
		if (pthread_cond_timedwait(&f->work, &f->mu, &until) ==
		    ETIMEDOUT)
			break;
}

/* The committer's own state: its connection and the hook runner's kick. */
struct committer {
	struct store	*st;
	char		 db[4096];	/* st's database */
	char		 kick[4096];	/* the config a runner starts with */
	long long	 last_kick, last_due;
	int		 kick_pending;
};

static void
kick(struct committer *cm)
{
	hooks_kick(cm->kick);
	cm->kick_pending = 0;
	cm->last_kick = hb_mono_ms();
}

/* Writes the items of one database; notes when hooks have work. */
static void
write_batch(struct committer *cm, const struct conf *c,
    struct store_item *items, size_t n)
{
	size_t i;
	int hooks = 0;

	if (cm->st != NULL && strcmp(cm->db, conf_database(c)) != 0) {
		store_close(cm->st);
		cm->st = NULL;
	}
	if (cm->st == NULL) {
		struct buf err = { 0 };

		snprintf(cm->db, sizeof(cm->db), "%s", conf_database(c));
		if ((cm->st = store_open(cm->db, conf_busy_timeout(c),
		    (conf_synchronous_full(c) ? STORE_SYNC_FULL : 0) |
		    STORE_GROUP, &err)) == NULL)
			hb_warnx("%s", err.data != NULL ? err.data : "store");
		buf_free(&err);
	}
	if (cm->st != NULL)
		store_write(cm->st, items, n);
	else
		for (i = 0; i < n; i++)
			items[i].result = ST_FAIL;
	for (i = 0; i < n; i++)
		if (items[i].se != NULL && items[i].se->hook != NULL &&
		    items[i].result == ST_OK)
			hooks = 1;
	/* Retries falling due: looked for once a second at most. */
	if (!hooks && cm->st != NULL && hb_mono_ms() - cm->last_due >= 1000) {
		cm->last_due = hb_mono_ms();
		hooks = hooks_due(cm->st, c, time(NULL));
	}
	for (i = 0; i < n; i++) {
		if (items[i].result == ST_FAIL || items[i].result == ST_BUSY) {
			/* A broken connection may heal on reopen. */
			store_close(cm->st);
			cm->st = NULL;
			break;
		}
	}
	if (hooks) {
		/* Another database's runner (rare: per-request configs). */
		if (cm->kick_pending && strcmp(cm->kick, conf_file(c)) != 0)
			kick(cm);
		snprintf(cm->kick, sizeof(cm->kick), "%s", conf_file(c));
		cm->kick_pending = 1;
	}
}

/*
 * The committer thread: commits each batch in one transaction, wakes its
 * requests, then starts the hook runner when the batch left work due.
 * It owns the process's only connection to the database.
 */
static void *
committer(void *arg)
{
	struct fcgi *f = arg;
	struct committer cm = { 0 };
	struct store_item items[BATCH_MAX];
	struct job *batch[BATCH_MAX];
	size_t n, i;

	for (;;) {
		const struct conf *c;

		pthread_mutex_lock(&f->mu);
		while (f->head == NULL && !f->stopping) {
			struct timespec until;

			if (!cm.kick_pending) {
				pthread_cond_wait(&f->work, &f->mu);
				continue;
			}
			/* A throttled kick is not forgotten: do it when due. */
			until = deadline((cm.last_kick + KICK_EVERY_MS) * 1000);
			if (pthread_cond_timedwait(&f->work, &f->mu, &until) ==
			    ETIMEDOUT && f->head == NULL)
				break;
		}
		if (f->head == NULL) {
			pthread_mutex_unlock(&f->mu);
			if (!cm.kick_pending)
				break;		/* stopping */
			kick(&cm);
			continue;
		}
		gather(f);
		n = take_batch(f, batch);
		pthread_mutex_unlock(&f->mu);
		c = batch[0]->conf;
		for (i = 0; i < n; i++)
			items[i] = *batch[i]->item;
		write_batch(&cm, c, items, n);
		/* A job lives on its worker's stack: gone once posted. */
		for (i = 0; i < n; i++) {
			*batch[i]->item = items[i];
			sem_post(&batch[i]->done);
		}
		/*
		 * A runner goes on until no work is due, so one started a
		 * moment ago takes this batch's work too; starting one per
		 * batch would fork thousands of times a second.
		 */
		if (cm.kick_pending &&
		    hb_mono_ms() - cm.last_kick >= KICK_EVERY_MS)
			kick(&cm);
	}
	store_close(cm.st);
	return NULL;
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
		 * An authorizer or filter: not what hookbox is. A 500 (not a
		 * 200, which would authorize) and nothing stored.
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

	if (FCGX_InitRequest(&req, 0, 0) != 0)
		return NULL;
	while (!atomic_load(&f->closing)) {
		int rc;

		set_phase(w, W_ACCEPT);
		if ((rc = FCGX_Accept_r(&req)) < 0) {
			if (atomic_load(&f->closing))
				break;
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
 * No new requests: libfcgi's accept gives up once shutdown is pending,
 * and the listening socket is let go (/dev/null takes fd 0's place, see
 * guard_stdio), so that the web server's next connection goes elsewhere.
 * The requests in progress finish, for STOP_MS at most.
 */
static void
stop_workers(struct fcgi *f)
{
	long long until = hb_mono_ms() + STOP_MS;
	int nul, i;

	atomic_store(&f->closing, 1);
	FCGX_ShutdownPending();
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
		/* Interrupted in accept(), a worker now sees the shutdown. */
		nudge(f, 1u << W_ACCEPT, 0);
		if (hb_mono_ms() > until)
			nudge(f, 1u << W_ACCEPT | 1u << W_READ, 0);
		sleep_ms(20);
	}
	for (i = 0; i < f->nworkers; i++)
		pthread_join(f->workers[i].thread, NULL);
}

static int
start(struct fcgi *f, pthread_t *committer_thread)
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
	if (pthread_create(committer_thread, NULL, committer, f) != 0)
		return -1;
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
	pthread_t committer_thread;
	struct timespec tick = { 1, 0 };
	sigset_t stop;

	memset(&f, 0, sizeof(f));
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
	if (start(&f, &committer_thread) == -1) {
		hb_warn("cannot start the FastCGI responder");
		return 1;
	}
	for (;;) {
		if (sigtimedwait(&stop, NULL, &tick) != -1)
			break;
		if (errno == EAGAIN)
			nudge(&f, 1u << W_ACCEPT | 1u << W_READ, IDLE_MS);
	}
	stop_workers(&f);
	pthread_mutex_lock(&f.mu);
	f.stopping = 1;
	pthread_cond_signal(&f.work);
	pthread_mutex_unlock(&f.mu);
	pthread_join(committer_thread, NULL);
	if (f.cur != NULL) {
		conf_free(f.cur->conf);
		free(f.cur);
	}
	return 0;
}
