/*
 * The FastCGI responder: one thread, one poll() loop, many requests at
 * once, durable writes grouped into one transaction.
 *
 * The web server connects to the listening socket it gave us as fd 0,
 * once per request (lighttpd, mod_fcgid). The loop accepts every
 * connection waiting, reads their records without blocking, and runs
 * each complete request up to its write (serve_begin). Every write ready
 * at that moment goes to the database in one transaction with one fsync
 * (store_write, synchronous=FULL); only then are their answers sent. What
 * arrives during a commit waits in the socket's backlog and forms the
 * next batch (group commit), and a lone request never waits for others:
 * there is no timer to fill a batch.
 *
 * One thread instead of a thread per request, and the protocol here
 * instead of libfcgi: a request then costs no thread wake-ups (the loop
 * only sleeps when there is nothing to do) and no copies of its
 * parameters, which under load was most of its CPU time.
 *
 * The protocol is FastCGI 1.0 as web servers use it: a responder, one
 * request at a time on a connection (a second one gets FCGI_CANT_MPX_CONN),
 * FCGI_KEEP_CONN honoured, FCGI_GET_VALUES answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hookbox.h"

#define MAX_CONNS	64	/* connections served at once */
#define BATCH_MAX	MAX_CONNS
/*
 * A request's parameters (its CGI variables) in all: web servers hold
 * headers far below this (lighttpd 64 KiB, Apache 100 fields of 8 KiB);
 * request.c applies the real limits with a clear 400 or 404.
 */
#define PARAMS_MAX	(4 * 1024 * 1024)
#define READ_MAX	65536	/* bytes a read takes at most */
#define IDLE_MS		30000	/* a connection that stops moving is closed */
#define STOP_MS		5000	/* to finish what is in progress on SIGTERM */
#define KICK_EVERY_MS	100	/* start a hook runner at most this often */
#define ACCEPT_PAUSE_MS	100	/* after accept() failed for want of fds */

/* The record types and codes of the FastCGI specification. */
enum {
	FCGI_BEGIN_REQUEST = 1, FCGI_ABORT_REQUEST, FCGI_END_REQUEST,
	FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR, FCGI_DATA,
	FCGI_GET_VALUES, FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE
};
#define FCGI_RESPONDER		1
#define FCGI_KEEP_CONN		1
#define FCGI_REQUEST_COMPLETE	0
#define FCGI_CANT_MPX_CONN	1
#define FCGI_UNKNOWN_ROLE	3
#define FCGI_HEADER_LEN		8
#define FCGI_CONTENT_MAX	65535

struct confref {
	struct conf	*conf;
	int		 refs;
	int		 current;
};

enum cstate {
	C_IDLE,		/* between requests: waiting for FCGI_BEGIN_REQUEST */
	C_READ,		/* reading a request's parameters and body */
	C_READY,	/* complete, to be served in this round */
	C_SEND		/* its answer is being written */
};

struct conn {
	int		 fd;
	enum cstate	 state;
	int		 id;		/* the request's id */
	int		 keep;		/* FCGI_KEEP_CONN */
	int		 params_done;
	int		 params_over;	/* over PARAMS_MAX: answered 400 */
	long long	 max_body;	/* body bytes kept (then it is a 413) */
	long long	 moved;		/* hb_mono_ms() of the last progress */
	struct buf	 in;		/* received, not yet parsed */
	struct buf	 params;	/* FCGI_PARAMS contents */
	struct buf	 body;		/* FCGI_STDIN contents */
	struct buf	 out;		/* to send */
	size_t		 sent;
	struct confref	*ref;
	struct request	 r;
	struct answer	 a;
	struct intake	 it;
};

struct fcgi {
	int		 lfd;		/* -1 once stopping */
	int		 sfd;		/* signalfd: SIGTERM and friends */
	struct conn	*conns[MAX_CONNS];
	int		 n;
	struct conn	*spare[MAX_CONNS];	/* closed, for reuse */
	int		 nspare;
	struct confref	*cur;
	char		 path[4096];	/* the current config's file */
	struct timespec	 mtime;
	unsigned long	 round, checked; /* the config is stat'ed once a round */
	const char	*allowed;	/* FCGI_WEB_SERVER_ADDRS */
	struct store	*st;
	char		 db[4096];	/* st's database */
	long long	 last_kick, last_due;
	long long	 accept_after, accept_warned;
	int		 kick_pending;
	char		 kick[4096];	/* the config the runner is started with */
	/*
	 * Last, and not cleared at start: a page of it is touched only when
	 * a read fills it that far, which keeps the peak RSS down.
	 */
	unsigned char	 rbuf[READ_MAX];	/* every read lands here first */
};

/* The FastCGI listener is a socket that is not connected (as libfcgi). */
int
fcgi_listening(void)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	return getpeername(0, (struct sockaddr *)&sa, &len) == -1 &&
	    errno == ENOTCONN;
}

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
conf_release(struct confref *ref)
{
	if (ref != NULL && --ref->refs == 0 && !ref->current) {
		conf_free(ref->conf);
		free(ref);
	}
}

/*
 * The config for one request, loaded again when its file changed or the
 * request names another (edits need no restart); its file is looked at
 * once a round. The caller releases it. NULL when it cannot be loaded.
 */
static struct confref *
conf_acquire(struct fcgi *f, const char *path)
{
	struct confref *ref;
	struct stat sb;

	if (f->cur != NULL && f->checked == f->round &&
	    strcmp(path, f->path) == 0) {
		f->cur->refs++;
		return f->cur;
	}
	if (stat(path, &sb) == -1)
		memset(&sb, 0, sizeof(sb));
	if (f->cur != NULL && strcmp(path, f->path) == 0 &&
	    sb.st_mtim.tv_sec == f->mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == f->mtime.tv_nsec) {
		f->checked = f->round;
		f->cur->refs++;
		return f->cur;
	}
	if ((ref = calloc(1, sizeof(*ref))) == NULL)
		return NULL;
	if ((ref->conf = serve_load_conf(path)) == NULL) {
		free(ref);
		return NULL;
	}
	ref->refs = 1;
	ref->current = 1;
	if (f->cur != NULL) {
		f->cur->current = 0;
		conf_release(f->cur);	/* the reference of being current */
	}
	f->cur = ref;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->mtime = sb.st_mtim;
	f->checked = f->round;
	ref->refs++;
	return ref;
}

/* ---- records ---- */

static int
put_record(struct buf *b, int type, int id, const void *p, size_t n)
{
	unsigned char h[FCGI_HEADER_LEN] = { 1, (unsigned char)type,
	    (unsigned char)(id >> 8), (unsigned char)id,
	    (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	if (n > FCGI_CONTENT_MAX || buf_add(b, h, sizeof(h)) == -1)
		return -1;
	return buf_add(b, p, n);
}

static int
put_end(struct buf *b, int id, int protocol_status)
{
	unsigned char body[8] = { 0, 0, 0, 0, (unsigned char)protocol_status };

	return put_record(b, FCGI_END_REQUEST, id, body, sizeof(body));
}

/* The answer as FCGI_STDOUT records, then the end of the request. */
static int
put_answer(struct buf *b, int id, const struct buf *text)
{
	size_t off = 0, n;
	int rc = 0;

	while (off < text->len) {
		n = text->len - off;
		if (n > FCGI_CONTENT_MAX)
			n = FCGI_CONTENT_MAX;
		rc |= put_record(b, FCGI_STDOUT, id, text->data + off, n);
		off += n;
	}
	rc |= put_record(b, FCGI_STDOUT, id, "", 0);
	return rc | put_end(b, id, FCGI_REQUEST_COMPLETE);
}

/* A name-value pair's length: 1 byte below 128, else 4 (high bit set). */
static int
nv_length(const unsigned char **p, const unsigned char *end, size_t *len)
{
	const unsigned char *q = *p;

	if (q >= end)
		return -1;
	if (q[0] < 128) {
		*len = q[0];
		*p = q + 1;
		return 0;
	}
	if (end - q < 4)
		return -1;
	*len = ((size_t)(q[0] & 0x7f) << 24) | ((size_t)q[1] << 16) |
	    ((size_t)q[2] << 8) | q[3];
	*p = q + 4;
	return 0;
}

/*
 * The parameters as an environment ("NAME=value" strings), built in
 * place: each pair is rewritten over its own bytes, which always fit (a
 * pair's lengths take at least 2 bytes, its "=" and NUL take 2). The
 * pointers go after the text. Returns the array, or NULL.
 */
static char **
params_env(struct buf *pb)
{
	const unsigned char *p, *end;
	size_t count = 0, nlen, vlen, at;
	char *w, **env;

	if (buf_add(pb, "", 0) == -1)
		return NULL;
	p = (const unsigned char *)pb->data;
	end = p + pb->len;
	while (p < end) {
		if (nv_length(&p, end, &nlen) == -1 ||
		    nv_length(&p, end, &vlen) == -1 ||
		    nlen > (size_t)(end - p) || vlen > (size_t)(end - p) - nlen)
			return NULL;
		p += nlen + vlen;
		count++;
	}
	/* The pointers, aligned, after the text. */
	at = (pb->len + sizeof(char *) - 1) & ~(sizeof(char *) - 1);
	if (buf_reserve(pb, at - pb->len + (count + 1) * sizeof(char *)) ==
	    -1)
		return NULL;
	env = (char **)(void *)(pb->data + at);
	p = (const unsigned char *)pb->data;
	end = p + pb->len;
	w = pb->data;
	count = 0;
	while (p < end) {
		nv_length(&p, end, &nlen);
		nv_length(&p, end, &vlen);
		/* A name with "=" or NUL would read as another variable. */
		if (nlen == 0 || memchr(p, '=', nlen) != NULL ||
		    memchr(p, '\0', nlen) != NULL) {
			p += nlen + vlen;
			continue;
		}
		env[count++] = w;
		memmove(w, p, nlen);
		w[nlen] = '=';
		memmove(w + nlen + 1, p + nlen, vlen);
		w[nlen + 1 + vlen] = '\0';
		w += nlen + vlen + 2;
		p += nlen + vlen;
	}
	env[count] = NULL;
	return env;
}

/* ---- connections ---- */

/* Forgets the request a connection carried (not its input or output). */
static void
conn_reset(struct conn *c)
{
	c->id = 0;
	c->keep = 0;
	c->params_done = c->params_over = 0;
	c->params.len = 0;
	if (c->params.cap > 65536)
		buf_free(&c->params);	/* a rare big one is not kept */
	buf_free(&c->body);
	req_free(&c->r);
	memset(&c->a, 0, sizeof(c->a));
	conf_release(c->ref);
	c->ref = NULL;
	c->state = C_IDLE;
}

/*
 * A closed connection is kept for the next one, with its buffers when
 * they are of the usual size: web servers connect once per request, and
 * a fresh one cost a calloc of its 5 KiB and its buffers' growth each.
 */
#define SPARE_BUF	16384

static void
conn_free(struct conn *c)
{
	buf_free(&c->in);
	buf_free(&c->params);
	buf_free(&c->out);
	free(c);
}

static void
conn_close(struct fcgi *f, int i)
{
	struct conn *c = f->conns[i];

	conn_reset(c);
	close(c->fd);
	f->conns[i] = f->conns[--f->n];
	if (f->nspare == MAX_CONNS) {
		conn_free(c);
		return;
	}
	if (c->in.cap > SPARE_BUF)
		buf_free(&c->in);
	if (c->params.cap > SPARE_BUF)
		buf_free(&c->params);
	if (c->out.cap > SPARE_BUF)
		buf_free(&c->out);
	c->in.len = c->out.len = c->sent = 0;
	f->spare[f->nspare++] = c;
}

/* The parameters are complete: the config is known, and the body limit. */
static void
params_end(struct fcgi *f, struct conn *c)
{
	char **env = NULL;

	c->params_done = 1;
	if (!c->params_over)
		env = params_env(&c->params);
	if (env == NULL)
		c->params_over = 1;
	c->ref = conf_acquire(f, request_conf_path(env));
	c->max_body = c->ref != NULL ? conf_max_body(c->ref->conf) : 0;
	memset(&c->a, 0, sizeof(c->a));
	if (env != NULL)
		req_from_env(&c->r, env, &c->a);
	else
		answer_set(&c->a, OUT_BAD_REQUEST, "the request's variables "
		    "are over %d bytes or malformed", PARAMS_MAX);
}

/*
 * A management record: the values asked for that we know, or that we do
 * not know the record's type.
 */
static int
management(struct conn *c, int type, const unsigned char *p, size_t n)
{
	static const char *const known[][2] = {
		{ "FCGI_MAX_CONNS", "64" }, { "FCGI_MAX_REQS", "64" },
		{ "FCGI_MPXS_CONNS", "0" },
	};
	const unsigned char *end = p + n;
	unsigned char u[8] = { (unsigned char)type };
	struct buf v = { 0 };
	size_t nlen, vlen, i;
	unsigned said = 0;
	int rc = 0;

	if (type != FCGI_GET_VALUES)
		return put_record(&c->out, FCGI_UNKNOWN_TYPE, 0, u, sizeof(u));
	buf_add(&v, "", 0);
	while (nv_length(&p, end, &nlen) == 0 &&
	    nv_length(&p, end, &vlen) == 0 && nlen <= (size_t)(end - p) &&
	    vlen <= (size_t)(end - p) - nlen) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			size_t kl = strlen(known[i][0]);
			unsigned char l[2] = { (unsigned char)kl,
			    (unsigned char)strlen(known[i][1]) };

			/* Each once: a name asked again is not said again. */
			if (kl != nlen || memcmp(p, known[i][0], kl) != 0 ||
			    (said & 1u << i))
				continue;
			said |= 1u << i;
			rc |= buf_add(&v, l, 2);
			rc |= buf_addstr(&v, known[i][0]);
			rc |= buf_addstr(&v, known[i][1]);
		}
		p += nlen + vlen;
	}
	rc = rc == 0 && v.data != NULL ? put_record(&c->out,
	    FCGI_GET_VALUES_RESULT, 0, v.data, v.len) : -1;
	buf_free(&v);
	return rc;
}

/*
 * One record of a request. Returns -1 when the connection must close
 * (the peer broke the protocol).
 */
static int
conn_record(struct fcgi *f, struct conn *c, int type, int id,
    const unsigned char *p, size_t n)
{
	if (id == 0)
		return management(c, type, p, n);
	if (type == FCGI_BEGIN_REQUEST) {
		if (n < 8)
			return -1;
		if (c->state != C_IDLE && id == c->id)
			return -1;	/* begun twice: the peer is confused */
		if (c->state != C_IDLE)
			return put_end(&c->out, id, FCGI_CANT_MPX_CONN);
		c->id = id;
		c->keep = (p[2] & FCGI_KEEP_CONN) != 0;
		if (((p[0] << 8) | p[1]) != FCGI_RESPONDER) {
			/* Closed after this answer unless kept. */
			c->state = C_SEND;
			return put_end(&c->out, id, FCGI_UNKNOWN_ROLE);
		}
		c->state = C_READ;
		return 0;
	}
	if (id != c->id || c->state != C_READ)
		return 0;		/* not the request we are reading */
	switch (type) {
	case FCGI_ABORT_REQUEST:
		c->state = C_SEND;
		return put_end(&c->out, id, FCGI_REQUEST_COMPLETE);
	case FCGI_PARAMS:
		if (c->params_done)
			return 0;
		if (n == 0)
			params_end(f, c);
		else if (c->params.len + n > PARAMS_MAX)
			c->params_over = 1;
		else if (!c->params_over && buf_add(&c->params, p, n) == -1)
			c->params_over = 1;
		return 0;
	case FCGI_STDIN:
		if (!c->params_done)
			params_end(f, c);
		if (n == 0) {
			c->state = C_READY;
			return buf_add(&c->body, "", 0);
		}
		/* One byte over the limit is kept: serve() answers 413. */
		if ((long long)c->body.len + (long long)n > c->max_body + 1)
			n = c->max_body + 1 > (long long)c->body.len ?
			    (size_t)(c->max_body + 1 - (long long)c->body.len) :
			    0;
		return n > 0 && buf_add(&c->body, p, n) == -1 ? -1 : 0;
	default:
		return 0;		/* FCGI_DATA and the like: unused */
	}
}

/* Parses the whole records in p. Returns the bytes used, or -1: close. */
static long
parse_records(struct fcgi *f, struct conn *c, const unsigned char *p,
    size_t len)
{
	size_t off = 0, clen, total;

	while (len - off >= FCGI_HEADER_LEN &&
	    (c->state == C_IDLE || c->state == C_READ)) {
		const unsigned char *h = p + off;

		if (h[0] != 1)
			return -1;
		clen = (size_t)h[4] << 8 | h[5];
		total = FCGI_HEADER_LEN + clen + h[6];
		if (len - off < total)
			break;
		if (conn_record(f, c, h[1], h[2] << 8 | h[3],
		    h + FCGI_HEADER_LEN, clen) == -1)
			return -1;
		off += total;
	}
	return (long)off;
}

/* Parses what the connection kept, keeping what is not whole yet. */
static int
conn_parse(struct fcgi *f, struct conn *c)
{
	long used;

	if (c->in.len == 0)
		return 0;
	used = parse_records(f, c, (const unsigned char *)c->in.data,
	    c->in.len);
	if (used == -1)
		return -1;
	memmove(c->in.data, c->in.data + used, c->in.len - (size_t)used);
	c->in.len -= (size_t)used;
	return 0;
}

/* Reads what has arrived. -1: close (the peer left, or an error). */
static int
conn_read(struct fcgi *f, struct conn *c)
{
	ssize_t got;
	long used;
	int reads = 0;

	/* A few reads a round, so that one big body does not hold up all. */
	while ((c->state == C_IDLE || c->state == C_READ) && reads++ < 8) {
		got = read(c->fd, f->rbuf, sizeof(f->rbuf));
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (got <= 0)
			return -1;
		c->moved = hb_mono_ms();
		if (c->in.len > 0) {
			if (buf_add(&c->in, f->rbuf, (size_t)got) == -1 ||
			    conn_parse(f, c) == -1)
				return -1;
			continue;
		}
		/*
		 * A request nearly always comes whole in one read: parsed
		 * where it was read, it needs no buffer of its own (one per
		 * connection was a fifth of a process's peak memory).
		 */
		used = parse_records(f, c, f->rbuf, (size_t)got);
		if (used == -1 || (used < got && buf_add(&c->in, f->rbuf + used,
		    (size_t)(got - used)) == -1))
			return -1;
	}
	return 0;
}

/*
 * Sends what is queued. At its end the request is over: the connection
 * closes, or with FCGI_KEEP_CONN waits for the next one. -1: close.
 */
static int
conn_send(struct fcgi *f, struct conn *c)
{
	ssize_t w;

	while (c->sent < c->out.len) {
		w = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w <= 0)
			return -1;
		c->sent += (size_t)w;
		c->moved = hb_mono_ms();
	}
	c->out.len = c->sent = 0;
	if (c->state != C_SEND)
		return 0;		/* a management answer, or nothing */
	if (!c->keep)
		return -1;
	conn_reset(c);
	return conn_parse(f, c);	/* the next request may be here */
}

/*
 * Takes the connections waiting, up to MAX_CONNS in all. Returns the
 * index of the first new one.
 */
static int
accept_all(struct fcgi *f)
{
	int first = f->n;

	while (f->lfd != -1 && f->n < MAX_CONNS &&
	    hb_mono_ms() >= f->accept_after) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		struct conn *c;
		int fd;

		fd = accept4(f->lfd, (struct sockaddr *)&sa, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return first;
			/*
			 * Out of descriptors or memory: the socket stays
			 * readable, so poll() would return at once forever.
			 * Leave the waiting connections a moment; say so
			 * once a minute.
			 */
			if (hb_mono_ms() - f->accept_warned >= 60000) {
				hb_warn("accept");
				f->accept_warned = hb_mono_ms();
			}
			f->accept_after = hb_mono_ms() + ACCEPT_PAUSE_MS;
			return first;
		}
		/* As libfcgi: over TCP, only the listed web servers. */
		if (f->allowed != NULL && sa.ss_family == AF_INET) {
			char ip[INET_ADDRSTRLEN];
			const char *s = f->allowed;
			size_t l;
			int ok = 0;

			inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->
			    sin_addr, ip, sizeof(ip));
			l = strlen(ip);
			while ((s = strstr(s, ip)) != NULL && !ok) {
				ok = (s == f->allowed || s[-1] == ',') &&
				    (s[l] == ',' || s[l] == '\0');
				s += l;
			}
			if (!ok) {
				close(fd);
				continue;
			}
		}
		if (f->nspare > 0)
			c = f->spare[--f->nspare];	/* reset when closed */
		else if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			return first;
		}
		c->fd = fd;
		c->moved = hb_mono_ms();
		f->conns[f->n++] = c;
	}
	return first;
}

/* ---- serving and group commit ---- */

static void
kick(struct fcgi *f)
{
	hooks_kick(f->kick);
	f->kick_pending = 0;
	f->last_kick = hb_mono_ms();
}

/* Writes the items of one database; returns 1 when hooks have work. */
static int
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
	for (i = 0; i < n; i++) {
		if (items[i].se != NULL && items[i].se->hook != NULL &&
		    items[i].result == ST_OK)
			hooks = 1;
	}
	/* Retries falling due: looked for once a second at most. */
	if (!hooks && f->st != NULL && hb_mono_ms() - f->last_due >= 1000) {
		f->last_due = hb_mono_ms();
		hooks = hooks_due(f->st, c, time(NULL));
	}
	for (i = 0; i < n; i++) {
		if (items[i].result == ST_FAIL || items[i].result == ST_BUSY) {
			/* A broken connection may heal on reopen. */
			store_close(f->st);
			f->st = NULL;
			break;
		}
	}
	if (hooks) {
		/* Another database's runner (rare: per-request configs). */
		if (f->kick_pending && strcmp(f->kick, conf_file(c)) != 0)
			kick(f);
		snprintf(f->kick, sizeof(f->kick), "%s", conf_file(c));
	}
	return hooks;
}

/* The body is already in the request (serve_round): nothing to read. */
static long
no_reader(void *ctx, char *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
	return 0;
}

/*
 * Serves every complete request: each up to its write, then the writes
 * of each database in one transaction, then the answers.
 */
static void
serve_round(struct fcgi *f)
{
	struct store_item items[BATCH_MAX];
	struct conn *batch[BATCH_MAX];
	size_t n, i, j;
	int k, hooks = 0;

	for (k = 0, n = 0; k < f->n; k++) {
		struct conn *c = f->conns[k];
		struct serve_ctx ctx = { 0 };

		if (c->state != C_READY)
			continue;
		/* The body as read; no copy. */
		c->r.body = c->body;
		memset(&c->body, 0, sizeof(c->body));
		if (c->ref == NULL) {
			/* serve_begin() clears it; here nobody else does. */
			memset(&c->it, 0, sizeof(c->it));
			if (c->a.outcome == OUT_NONE)
				serve_unconfigured(&c->a);
		} else {
			ctx.conf = c->ref->conf;
			serve_begin(&ctx, &c->r, no_reader, NULL, &c->a,
			    &c->it);
		}
		batch[n++] = c;
	}
	/* Each database's writes together; nearly always there is one. */
	for (;;) {
		const struct conf *c = NULL;
		size_t m = 0;

		for (i = 0; i < n; i++) {
			struct conn *b = batch[i];

			if (b->state != C_READY)
				continue;
			if (b->it.item.se == NULL && b->it.item.rj == NULL) {
				b->state = C_SEND;
				continue;
			}
			if (c == NULL)
				c = b->ref->conf;
			else if (strcmp(conf_database(c),
			    conf_database(b->ref->conf)) != 0)
				continue;
			items[m++] = b->it.item;
		}
		if (m == 0)
			break;
		hooks |= write_batch(f, c, items, m);
		for (i = 0, j = 0; i < n && j < m; i++) {
			struct conn *b = batch[i];

			if (b->state != C_READY || (b->it.item.se == NULL &&
			    b->it.item.rj == NULL))
				continue;
			if (strcmp(conf_database(c),
			    conf_database(b->ref->conf)) != 0)
				continue;
			b->it.item = items[j++];
			b->state = C_SEND;
		}
	}
	for (i = 0; i < n; i++) {
		struct conn *c = batch[i];
		struct buf text = { 0 };

		serve_end(&c->it, &c->a);
		c->state = C_SEND;
		if (answer_format(&c->a, &text, 1) == -1 ||
		    put_answer(&c->out, c->id, &text) == -1) {
			/* Nothing can be said: the connection just ends. */
			c->keep = 0;
			c->out.len = 0;
		}
		buf_free(&text);
	}
	if (hooks)
		f->kick_pending = 1;
}

/* ---- the loop ---- */

/* How long poll() may sleep: until a throttled kick, or an idle check. */
static int
poll_timeout(const struct fcgi *f, long long stop_at)
{
	long long now = hb_mono_ms(), t = -1;
	int i;

	for (i = 0; i < f->n; i++)
		if (f->conns[i]->state == C_READY)
			return 0;	/* a kept connection's next request */
	if (f->kick_pending)
		t = f->last_kick + KICK_EVERY_MS - now;
	if (f->kick_pending && t < 0)
		return 0;
	if (f->accept_after > now && (t < 0 || t > f->accept_after - now))
		t = f->accept_after - now;
	if (f->n > 0 && (t < 0 || t > 1000))
		t = 1000;
	if (stop_at != 0 && (t < 0 || t > stop_at - now))
		t = stop_at > now ? stop_at - now : 0;
	return (int)t;
}

static int
stop_signals(void)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &stop, NULL) == -1)
		return -1;
	return signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
}

/*
 * Runs until the web server stops us. Apache (mod_fcgid) and lighttpd
 * send SIGTERM: then no new connection is taken, the requests in progress
 * finish (STOP_MS at most) with their writes committed, and we exit.
 */
int
fcgi_main(void)
{
	struct fcgi f;
	struct pollfd pfd[MAX_CONNS + 2];
	long long stop_at = 0;
	int i, np, fl, base, rc = 0;

	memset(&f, 0, offsetof(struct fcgi, rbuf));
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	f.lfd = 0;		/* FCGI_LISTENSOCK_FILENO */
	f.allowed = getenv("FCGI_WEB_SERVER_ADDRS");
	if (f.allowed != NULL && *f.allowed == '\0')
		f.allowed = NULL;	/* as libfcgi: empty is no limit */
	if ((f.sfd = stop_signals()) == -1 ||
	    (fl = fcntl(f.lfd, F_GETFL)) == -1 ||
	    fcntl(f.lfd, F_SETFL, fl | O_NONBLOCK) == -1) {
		hb_warn("cannot set up the FastCGI responder");
		return 1;
	}
	for (;;) {
		long long now;

		np = 0;
		pfd[np++] = (struct pollfd){ .fd = f.sfd, .events = POLLIN };
		if (f.lfd != -1 && f.n < MAX_CONNS)
			pfd[np++] = (struct pollfd){ .fd = f.lfd,
			    .events = POLLIN };
		for (i = 0; i < f.n; i++)
			pfd[np++] = (struct pollfd){ .fd = f.conns[i]->fd,
			    .events = f.conns[i]->out.len > 0 ? POLLOUT :
			    POLLIN };
		if (poll(pfd, (nfds_t)np, poll_timeout(&f, stop_at)) == -1 &&
		    errno != EINTR) {
			hb_warn("poll");
			rc = 1;
			break;
		}
		f.round++;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(f.sfd, &si, sizeof(si)) > 0)
				;
			if (f.lfd != -1) {
				/*
				 * No new connections; those waiting are reset.
				 * /dev/null takes fd 0's place (guard_stdio).
				 */
				int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

				if (nul == -1 || dup2(nul, f.lfd) == -1)
					close(f.lfd);
				if (nul != -1)
					close(nul);
				f.lfd = -1;
				stop_at = hb_mono_ms() + STOP_MS;
			}
		}
		/*
		 * From the end: closing one moves the last connection, already
		 * done, into its place.
		 */
		base = np - f.n;
		for (i = np - 1; i >= base; i--) {
			struct conn *c = f.conns[i - base];

			if (pfd[i].revents == 0)
				continue;
			if ((c->out.len > 0 ? conn_send(&f, c) :
			    conn_read(&f, c)) == -1)
				conn_close(&f, i - base);
		}
		/* New connections' requests have often arrived with them. */
		for (i = accept_all(&f); i < f.n; i++)
			if (conn_read(&f, f.conns[i]) == -1)
				conn_close(&f, i--);
		serve_round(&f);
		now = hb_mono_ms();
		for (i = 0; i < f.n; i++) {
			struct conn *c = f.conns[i];

			/*
			 * In C_SEND with nothing to send, its answer could not
			 * be formatted: the connection just ends. On the way
			 * out, kept connections between requests end too.
			 */
			if ((c->out.len > 0 && conn_send(&f, c) == -1) ||
			    (c->state == C_SEND && c->out.len == 0) ||
			    (stop_at != 0 && c->state == C_IDLE &&
			    c->in.len == 0 && c->out.len == 0) ||
			    now - c->moved > IDLE_MS)
				conn_close(&f, i--);
		}
		/*
		 * A runner goes on until no work is due, so one started a
		 * moment ago takes this round's work too; starting one per
		 * round would fork thousands of times a second.
		 */
		if (f.kick_pending && now - f.last_kick >= KICK_EVERY_MS)
			kick(&f);
		if (stop_at != 0 && (f.n == 0 || now >= stop_at))
			break;
	}
	while (f.n > 0)
		conn_close(&f, 0);
	while (f.nspare > 0)
		conn_free(f.spare[--f.nspare]);
	if (f.kick_pending)
		kick(&f);
	store_close(f.st);
	if (f.cur != NULL) {
		f.cur->current = 0;
		conf_release(f.cur);
	}
	return rc;
}
