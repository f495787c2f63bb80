/*
 * The FastCGI responder: several requests at once per process, durable
 * writes grouped into one transaction.
 *
 * FCGI_WORKERS threads each accept requests with libfcgi's re-entrant
 * API (FCGX_Accept_r with their own FCGX_Request) and run serve() on
 * them. serve()'s writes come here through committer_submit(): one
 * committer thread takes every write queued so far, commits them in one
 * transaction with one fsync (synchronous=FULL), and only then wakes
 * their requests, which answer. A lone request does not wait for a batch
 * to fill: the committer starts on whatever is queued, waiting at most
 * GATHER_US only for requests already being served in other threads, and
 * what arrives during a commit forms the next batch (group commit).
 *
 * The config is shared by the workers and replaced, not changed, when its
 * file changes: each request holds a reference to the one it started with.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <fcgiapp.h>

#include "hookbox.h"

#define FCGI_WORKERS	16	/* requests served at once per process */
#define BATCH_MAX	128	/* writes per transaction */
#define WORKER_STACK	(256 * 1024)
#define GATHER_US	300	/* the longest a commit waits for more */
#define KICK_EVERY_MS	100	/* start a hook runner at most this often */

struct confref {
	struct conf	*conf;
	int		 refs;
	int		 current;
};

struct job {
	struct store_item *item;
	const struct conf *conf;
	sem_t		 done;		/* posted once its batch is committed */
	struct job	*next;
};

struct fcgi {
	pthread_mutex_t	 accept_mu;	/* one accept() at a time */
	pthread_mutex_t	 mu;		/* everything below */
	pthread_cond_t	 work;		/* the queue is not empty */
	struct job	*head, *tail;
	int		 busy;		/* requests being served, not queued */
	struct confref	*cur;
	char		 path[4096];	/* the current config's file */
	struct timespec	 mtime;
	int		 stopping;	/* commit what is queued, then end */
};

/*
 * Under mod_fcgid an .htaccess `SetEnv HOOKBOX_CONF` arrives as a
 * request parameter, not in the process environment; it wins when set.
 */
static const char *
request_conf_path(char **envp)
{
	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, "HOOKBOX_CONF=", 13) == 0 &&
		    (*envp)[13] != '\0')
			return *envp + 13;
	return conf_path();
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
	int stale;

	if (stat(path, &sb) == -1)
		memset(&sb, 0, sizeof(sb));
	pthread_mutex_lock(&f->mu);
	stale = f->cur == NULL || strcmp(path, f->path) != 0 ||
	    sb.st_mtim.tv_sec != f->mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != f->mtime.tv_nsec;
	if (!stale) {
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

/* One request's worker, as serve() sees it (serve_ctx.committer). */
struct served {
	struct fcgi	*f;
	int		 counted;	/* in f->busy */
};

/*
 * A request no longer counts as busy once it is queued or answered.
 * The committer, gathering a batch, waits for the count to reach 0.
 */
static void
unbusy(struct fcgi *f, struct served *w)
{
	if (!w->counted)
		return;
	w->counted = 0;
	if (--f->busy == 0 && f->head != NULL)
		pthread_cond_signal(&f->work);
}

/* serve()'s writes: queue one and wait until its batch is committed. */
static void
committer_submit(struct serve_ctx *ctx, struct store_item *it)
{
	struct served *w = ctx->committer;
	struct fcgi *f = w->f;
	struct job job = { .item = it, .conf = ctx->conf };

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
 * served at this moment to queue their writes too, so that one fsync
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

/*
 * The committer thread: commits each batch in one transaction, wakes its
 * requests, then starts the hook runner when the batch left work due.
 * It owns the process's only connection to the database.
 */
static void *
committer(void *arg)
{
	struct fcgi *f = arg;
	struct store *st = NULL;
	struct store_item items[BATCH_MAX];
	struct job *batch[BATCH_MAX];
	char db[4096] = "", kick[4096] = "";
	long long last_kick = 0, last_due = 0;
	size_t n, i;
	int kick_pending = 0;

	for (;;) {
		const struct conf *c;
		int hooks = 0;

		pthread_mutex_lock(&f->mu);
		while (f->head == NULL && !f->stopping) {
			struct timespec until;

			if (!kick_pending) {
				pthread_cond_wait(&f->work, &f->mu);
				continue;
			}
			/* A throttled kick is not forgotten: do it when due. */
			until = deadline((last_kick + KICK_EVERY_MS) * 1000);
			if (pthread_cond_timedwait(&f->work, &f->mu, &until) ==
			    ETIMEDOUT && f->head == NULL)
				break;
		}
		if (f->head == NULL && kick_pending) {
			pthread_mutex_unlock(&f->mu);
			hooks_kick(kick);
			kick_pending = 0;
			last_kick = hb_mono_ms();
			continue;
		}
		if (f->head == NULL) {
			pthread_mutex_unlock(&f->mu);
			break;
		}
		gather(f);
		n = take_batch(f, batch);
		pthread_mutex_unlock(&f->mu);
		c = batch[0]->conf;

		if (st != NULL && strcmp(db, conf_database(c)) != 0) {
			store_close(st);
			st = NULL;
		}
		if (st == NULL) {
			struct buf err = { 0 };

			snprintf(db, sizeof(db), "%s", conf_database(c));
			if ((st = store_open(db, conf_busy_timeout(c),
			    (conf_synchronous_full(c) ? STORE_SYNC_FULL : 0) |
			    STORE_GROUP, &err)) == NULL)
				hb_warnx("%s", err.data != NULL ? err.data :
				    "store");
			buf_free(&err);
		}
		for (i = 0; i < n; i++)
			items[i] = *batch[i]->item;
		if (st != NULL)
			store_write(st, items, n);
		else
			for (i = 0; i < n; i++)
				items[i].result = ST_FAIL;
		for (i = 0; i < n; i++) {
			*batch[i]->item = items[i];
			if (items[i].se != NULL && items[i].se->hook != NULL &&
			    items[i].result == ST_OK)
				hooks = 1;
		}
		/* The jobs' confs stay alive until we wake them: copy now. */
		/* Retries falling due: looked for once a second at most. */
		if (!hooks && st != NULL && hb_mono_ms() - last_due >= 1000) {
			last_due = hb_mono_ms();
			hooks = hooks_due(st, c, time(NULL));
		}
		if (hooks) {
			snprintf(kick, sizeof(kick), "%s", conf_file(c));
			kick_pending = 1;
		}
		for (i = 0; i < n; i++) {
			if (items[i].result == ST_FAIL ||
			    items[i].result == ST_BUSY) {
				/* A broken connection may heal on reopen. */
				store_close(st);
				st = NULL;
				break;
			}
		}
		/* A job lives on its request's stack: gone once posted. */
		for (i = 0; i < n; i++)
			sem_post(&batch[i]->done);
		/*
		 * A runner goes on until no work is due, so one started a
		 * moment ago takes this batch's work too; starting one per
		 * batch would fork thousands of times a second.
		 */
		if (kick_pending && hb_mono_ms() - last_kick >= KICK_EVERY_MS) {
			hooks_kick(kick);
			kick_pending = 0;
			last_kick = hb_mono_ms();
		}
	}
	store_close(st);
	return NULL;
}

static long
fcgx_reader(void *ctx, char *buf, size_t n)
{
	FCGX_Request *req = ctx;

	if (n > 1 << 30)
		n = 1 << 30;
	return FCGX_GetStr(buf, (int)n, req->in);
}

/*
 * libfcgi closes a connection with shutdown() and then waits until the
 * web server closes its end too, so that unread input cannot turn the
 * close into a reset that loses the answer. Once the input has been read
 * to its end there is nothing to reset, and the thread can close and go
 * back to accept() at once instead of waiting on the web server. What is
 * left after serve() is normally just the end-of-input record; it is read
 * without blocking, and anything else (a body a reject left unread, an
 * end not yet sent) keeps the careful close.
 */
static void
close_fast_if_read(FCGX_Request *req)
{
	int n;
	char c;

	/* A kept connection (FCGI_KEEP_CONN) is the web server's to close. */
	if (req->keepConnection)
		return;
	/*
	 * accept() gave the socket no flags of its own, and it stays
	 * non-blocking for the answer, whose few hundred bytes are the
	 * first this side writes: they cannot fill the socket's buffer.
	 * One system call per request instead of three.
	 */
	if (fcntl(req->ipcFd, F_SETFL, O_NONBLOCK) == -1)
		return;
	n = FCGX_GetStr(&c, 1, req->in);
	if (n == 0 && FCGX_HasSeenEOF(req->in) == EOF &&
	    FCGX_GetError(req->in) == 0)
		FCGX_Detach(req);
}

static void *
worker(void *arg)
{
	struct fcgi *f = arg;
	FCGX_Request req;

	if (FCGX_InitRequest(&req, 0, 0) != 0)
		return NULL;
	for (;;) {
		struct served w = { .f = f, .counted = 1 };
		struct serve_ctx ctx = { .submit = committer_submit,
		    .committer = &w };
		struct confref *ref;
		struct request r;
		struct answer a;
		struct buf out = { 0 };
		int rc;

		pthread_mutex_lock(&f->accept_mu);
		rc = FCGX_Accept_r(&req);
		pthread_mutex_unlock(&f->accept_mu);
		if (rc < 0)
			break;
		pthread_mutex_lock(&f->mu);
		f->busy++;
		pthread_mutex_unlock(&f->mu);
		memset(&a, 0, sizeof(a));
		ref = conf_acquire(f, request_conf_path(req.envp));
		req_from_env(&r, req.envp, &a);
		if (ref == NULL)
			serve_unconfigured(&a);
		else {
			ctx.conf = ref->conf;
			serve(&ctx, &r, fcgx_reader, &req, &a);
		}
		pthread_mutex_lock(&f->mu);
		unbusy(f, &w);
		pthread_mutex_unlock(&f->mu);
		answer_format(&a, &out, 1);
		FCGX_PutStr(out.data, (int)out.len, req.out);
		close_fast_if_read(&req);
		FCGX_Finish_r(&req);
		buf_free(&out);
		req_free(&r);
		conf_release(f, ref);
	}
	FCGX_Free(&req, 1);
	return NULL;
}

/*
 * Runs until the web server stops us. Apache (mod_fcgid) and lighttpd
 * send SIGTERM; the main thread waits for it with sigwait, then closes the
 * listening socket so every worker's accept() fails, lets the requests in
 * progress finish and their batches commit, and exits.
 */
int
fcgi_main(void)
{
	struct fcgi f = { 0 };
	pthread_t threads[FCGI_WORKERS], committer_thread;
	pthread_attr_t attr;
	pthread_condattr_t cattr;
	sigset_t stop;
	int i, sig, started = 0;

	signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (FCGX_Init() != 0) {
		hb_warnx("cannot initialise FastCGI");
		return 1;
	}
	pthread_mutex_init(&f.accept_mu, NULL);
	pthread_mutex_init(&f.mu, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&f.work, &cattr);
	pthread_condattr_destroy(&cattr);

	/* Blocked everywhere (threads inherit it), taken by sigwait below. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (pthread_create(&committer_thread, NULL, committer, &f) != 0) {
		hb_warn("pthread_create");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (i = 0; i < FCGI_WORKERS; i++)
		if (pthread_create(&threads[started], &attr, worker, &f) == 0)
			started++;
	pthread_attr_destroy(&attr);
	if (started == 0) {
		hb_warn("pthread_create");
		return 1;
	}
	while (sigwait(&stop, &sig) != 0)
		;
	FCGX_ShutdownPending();
	shutdown(0, SHUT_RDWR);		/* FCGI_LISTENSOCK_FILENO */
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
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
