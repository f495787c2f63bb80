/*
 * One request through the pipeline, and the two ways requests arrive:
 *
 *	request -> provider -> verify -> store -> answer -> hooks
 *
 * serve_begin() takes a request up to its one write and serve_end()
 * decides the answer from it; neither sends anything. serve_cgi() here
 * feeds them a request from environ and stdin, fcgi.c's workers the
 * FastCGI requests (their writes grouped into one transaction); both
 * send the answers, and only then start the hook runner, so a hook never
 * delays the sender's 2xx.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hookbox.h"

extern char **environ;

/*
 * Whether a header's value is a credential, or proof made with one, that
 * must not be kept in clear: a database copied for support or read by a
 * hook must not hand out a token, a password or an API key. Signatures
 * are not reusable secrets by themselves, but a signature over a body
 * lets whoever reads it re-send that body where freshness is not signed,
 * so they go too. name is lower case and '-' separated (request.c).
 * Errs on the side of hiding: a name matched by mistake only loses its
 * value, never its presence.
 */
int
serve_header_secret(const char *name)
{
	/* Anywhere in the name: x-auth-token, stripe-signature, x-api-key,
	   x-shopify-hmac-sha256, set-cookie, proxy-authorization. */
	static const char *const within[] = { "token", "secret", "passw",
	    "signature", "hmac", "api-key", "apikey", "cookie",
	    "authorization", "credential", NULL };
	const char *p;
	size_t i;

	for (i = 0; within[i] != NULL; i++)
		if (strstr(name, within[i]) != NULL)
			return 1;
	/* "auth" at the start of a word: x-auth, x-authentication. Not
	   inside one, so that a name such as x-oauth-client-id is kept. */
	for (p = name; (p = strstr(p, "auth")) != NULL; p++)
		if (p == name || p[-1] == '-')
			return 1;
	return 0;
}

/*
 * Headers kept with the event, for the owner to see, as one JSON object
 * (json-c; names and values made valid UTF-8, since a sender's bytes are
 * anything). Values that carry a credential (serve_header_secret) are
 * replaced by "[redacted]", so the owner still sees that they came.
 * Returns a string the caller frees, or NULL.
 */
static char *
headers_json(const struct request *r)
{
	struct json_object *o = json_object_new_object(), *v;
	struct buf name = { 0 };
	char *text = NULL;
	size_t i;

	for (i = 0; o != NULL && i < r->nheaders; i++) {
		const char *n = r->headers[i].name, *val = r->headers[i].value;
		int secret = serve_header_secret(n);
		size_t j;

		/* A name sent twice: its last value, once. */
		for (j = i + 1; j < r->nheaders; j++)
			if (strcmp(r->headers[j].name, n) == 0)
				break;
		if (j < r->nheaders)
			continue;
		if (secret)
			val = "[redacted]";
		name.len = 0;
		if (hb_utf8_fix(&name, n, strlen(n)) == -1 ||
		    (v = hb_json_string(val, strlen(val))) == NULL)
			goto out;
		if (json_object_object_add(o, name.data, v) != 0) {
			json_object_put(v);
			goto out;
		}
	}
	if (o != NULL)
		text = strdup(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
 out:
	json_object_put(o);
	buf_free(&name);
	return text;
}

/*
 * The query without its token parameter, which is a secret: every pair
 * whose decoded name is the one verify_path_token() reads the token
 * from, with or without a value, so that no spelling of it is kept.
 */
static char *
query_redacted(const char *q)
{
	struct buf b = { 0 };
	struct hb_param p;

	buf_add(&b, "", 0);
	while (hb_query_next(&q, &p)) {
		if (hb_param_is(&p, QUERY_TOKEN))
			continue;
		if (b.len > 0)
			buf_add(&b, "&", 1);
		buf_add(&b, p.name, p.len);
	}
	return b.data;
}

/*
 * Splits "/<endpoint>[/<token>]" and finds the endpoint. Returns it, or
 * NULL with a 404 answer. name receives the (escaped) name for `rejects`.
 */
static const struct endpoint *
route(const struct conf *conf, const struct request *r, char *name,
    size_t namesz, struct answer *a)
{
	const char *p = r->path, *slash;
	char want[MAX_NAME_LEN + 1];
	const struct endpoint *ep;
	size_t n;

	name[0] = '\0';
	if (*p == '/')
		p++;
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	hb_escape(name, namesz, p, n);
	if (n == 0) {
		answer_set(a, OUT_NOT_FOUND, "no endpoint in the URL: use "
		    "<script URL>/<endpoint>[/<token>]");
		return NULL;
	}
	if (n > MAX_NAME_LEN || (slash != NULL && strchr(slash + 1, '/'))) {
		answer_set(a, OUT_NOT_FOUND, "no such endpoint");
		return NULL;
	}
	memcpy(want, p, n);
	want[n] = '\0';
	if ((ep = conf_endpoint(conf, want)) == NULL) {
		answer_set(a, OUT_NOT_FOUND, "no such endpoint");
		return NULL;
	}
	return ep;
}

static struct store *
ctx_store(struct serve_ctx *ctx)
{
	struct buf err = { 0 };

	if (ctx->store == NULL) {
		ctx->store = store_open(conf_database(ctx->conf),
		    conf_busy_timeout(ctx->conf),
		    (conf_synchronous_full(ctx->conf) ? STORE_SYNC_FULL : 0) |
		    (ctx->cgi ? STORE_QUEUE : 0), &err);
		if (ctx->store == NULL)
			hb_warnx("%s", err.data != NULL ? err.data : "store");
		buf_free(&err);
	}
	return ctx->store;
}

/* Writes one item straight to this process's store (CGI, simulate). */
static void
write_items(struct serve_ctx *ctx, struct store_item *it)
{
	struct store *st;

	if ((st = ctx_store(ctx)) == NULL) {
		it->result = ST_FAIL;
		ctx->store_failed = notify_store_failed(
		    conf_state(ctx->conf), "cannot open the database");
		return;
	}
	store_write(st, it, 1);
	if (it->result == ST_FAIL)
		ctx->store_failed = notify_store_failed(
		    conf_state(ctx->conf), store_errmsg(st));
	if (it->result == ST_FAIL || it->result == ST_BUSY) {
		/* A broken connection may heal on reopen (e.g. disk freed). */
		store_close(ctx->store);
		ctx->store = NULL;
	}
}

static enum outcome
store_outcome(enum store_err e)
{
	return e == ST_OK ? OUT_ACCEPTED : e == ST_DUPLICATE ? OUT_DUPLICATE :
	    OUT_UNAVAILABLE;
}

/*
 * Every 4xx is kept in the bounded `rejects` table (README.md, "Answers"
 * and "Database"): a 4xx is decided before the store, so its row is this
 * request's one write.
 */
static void
reject_item(struct intake *in, const struct request *r, const char *ep,
    const struct answer *a)
{
	in->rj = (struct reject){ .endpoint = ep, .reason = a->error,
	    .addr = r->remote_addr, .body = r->body.data, .len = r->body.len,
	    .now = in->now };
	in->rj.status = answer_status(a->outcome);
	if (in->rj.status >= 400 && in->rj.status < 500)
		in->item.rj = &in->rj;
}

/*
 * Takes one request from routing up to the store and decides its answer
 * or what to write: an event (in->item.se), a reject (in->item.rj), or
 * nothing. r was filled by req_from_env (which may already have decided
 * a 4xx); the body is read here, through rd, only once the request has
 * passed every check that does not need it. r and in must stay in place
 * until serve_end(): the item points into both.
 */
void
serve_begin(struct serve_ctx *ctx, struct request *r, req_reader rd,
    void *rdctx, struct answer *a, struct intake *in)
{
	const struct endpoint *ep = NULL;
	struct event *ev = &in->ev;
	int rc;

	memset(in, 0, sizeof(*in));
	in->now = ctx->now ? ctx->now : time(NULL);
	if (a->outcome != OUT_NONE)
		goto out;
	if ((ep = route(ctx->conf, r, in->name, sizeof(in->name), a)) == NULL)
		goto out;
	if (r->method == REQ_OTHER ||
	    (ep->provider->methods & (1u << r->method)) == 0) {
		snprintf(a->allow, sizeof(a->allow), "%s", ep->provider->allow);
		answer_set(a, OUT_BAD_METHOD, "%s webhooks use %s",
		    ep->provider->name, ep->provider->allow);
		goto out;
	}
	if (verify_token(ep, r, a) == -1)
		goto out;
	/* 413 before a byte is read when CONTENT_LENGTH is over the limit. */
	if (req_read_body(r, conf_max_body(ctx->conf), rd, rdctx, a) == -1)
		goto out;
	if (ep->provider->verify != NULL &&
	    ep->provider->verify(ep, r, in->now, ev, a) == -1)
		goto out;
	if (ev->proof[0] == '\0' && ep->token != NULL)
		snprintf(ev->proof, sizeof(ev->proof), "url token");
	rc = ep->provider->normalise(ep, r, ev, a);
	/*
	 * The fields are out of the body's tree now. serve_end() would free
	 * it too, but a FastCGI process holds many intakes at once, and each
	 * tree is several times its body.
	 */
	prov_event_free(ev);
	if (rc == -1)
		goto out;

	in->hook = conf_match_hook(ep, ev->type);
	in->headers = headers_json(r);
	in->query = query_redacted(r->query);
	if (in->headers == NULL || in->query == NULL) {
		answer_set(a, OUT_UNAVAILABLE, "out of memory");
		goto out;
	}
	in->se = (struct stored_event){
		.endpoint = ep->name, .provider = ep->provider->name,
		.ev = ev, .req = r, .query = in->query, .headers = in->headers,
		.hook = in->hook != NULL ? in->hook->pattern : NULL,
		.dedupe_window = ep->dedupe_window, .now = in->now,
	};
	in->item.se = &in->se;
	return;
 out:
	if (a->outcome == OUT_NONE)
		answer_set(a, OUT_UNAVAILABLE, "internal error");
	reject_item(in, r, ep != NULL ? ep->name : in->name, a);
}

/* The answer, once serve_begin's item (if any) has been written. */
void
serve_end(struct intake *in, struct answer *a)
{
	enum store_err e = in->item.result;

	if (in->item.se != NULL) {
		a->id = in->item.id;
		answer_set(a, store_outcome(e), "%s", e == ST_BUSY ?
		    "the event store is busy; try again later" :
		    "the event could not be stored; try again later");
		if (e == ST_OK && in->hook != NULL)
			a->hooks_due = 1;
	}
	prov_event_free(&in->ev);
	free(in->headers);
	free(in->query);
	in->headers = in->query = NULL;
}

/* One request, start to end, written to ctx's own store. */
void
serve(struct serve_ctx *ctx, struct request *r, req_reader rd, void *rdctx,
    struct answer *a)
{
	struct intake in;

	serve_begin(ctx, r, rd, rdctx, a, &in);
	if (in.item.se != NULL || in.item.rj != NULL)
		write_items(ctx, &in.item);
	serve_end(&in, a);
}

/* ---- plain CGI ---- */

static long
fd_reader(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	ssize_t got;

	do
		got = read(fd, buf, n);
	while (got == -1 && errno == EINTR);
	return (long)got;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Loads the config for serving. Hook programs are not checked here: a
 * missing script must never stop orders from being recorded (the
 * delivery fails and is retried; `hookbox check` reports it).
 */
struct conf *
serve_load_conf(const char *path)
{
	struct buf err = { 0 };
	struct conf *c = conf_load(path, &err);

	if (c == NULL)
		hb_warnx("config %s: %s", path,
		    err.data != NULL ? err.data : "cannot load");
	buf_free(&err);
	return c;
}

void
serve_unconfigured(struct answer *a)
{
	answer_set(a, OUT_UNAVAILABLE, "hookbox is not configured correctly; "
	    "its owner should run `hookbox check`");
}

int
serve_cgi(void)
{
	struct serve_ctx ctx = { 0 };
	struct request r;
	struct answer a;
	struct buf out = { 0 };
	int fd = 0, rc, kick = 0;

	memset(&a, 0, sizeof(a));
	ctx.cgi = 1;
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	req_from_env(&r, environ, &a);
	if ((ctx.conf = serve_load_conf(conf_path())) == NULL)
		serve_unconfigured(&a);
	else if (a.outcome == OUT_NONE && inbox_path(r.path))
		/* The owner's pages (inbox.c): their own answer. */
		kick = inbox_serve(ctx.conf, &r, fd_reader, &fd, 1, &out);
	else
		serve(&ctx, &r, fd_reader, &fd, &a);
	if (out.len == 0)
		answer_format(&a, &out, 1);
	rc = write_all(1, out.data, out.len);
	buf_free(&out);
	req_free(&r);
	if (ctx.conf != NULL && (a.hooks_due || kick || ctx.store_failed ||
	    (ctx.store != NULL && (hooks_due(ctx.store, ctx.conf, time(NULL)) ||
	    upkeep_due(ctx.store, ctx.conf, time(NULL))))))
		hooks_kick(conf_file(ctx.conf));
	store_close(ctx.store);
	conf_free((struct conf *)ctx.conf);
	return rc == 0 ? 0 : 1;
}

