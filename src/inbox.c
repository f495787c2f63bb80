/*
 * The owner's inbox: server-rendered pages at <script URL>/_inbox, served
 * by the same program under CGI and FastCGI (serve.c, fcgi.c hand such a
 * request here instead of to the pipeline).
 *
 *	GET  _inbox		what needs attention, then each endpoint
 *	GET  _inbox/events	events, newest first, filtered, paged
 *	GET  _inbox/event?id=N	one event, its headers, body and attempts
 *	GET  _inbox/refused	the rejects, in plain words
 *	GET  _inbox/endpoints	each URL to paste, and where it goes
 *	POST _inbox/signin, signout, retry, retry-dead, done
 *
 * Who gets in is auth.c's; what is shown comes from the store's query
 * functions, the same as the command line's (store_read.c) and the
 * inbox's own (store_inbox.c); the actions are the CLI's (store_replay,
 * store_mark_done). A GET changes nothing. Everything a sender wrote is
 * written through html.c's escaping, and every page carries a CSP whose
 * nonce alone lets its one style block and its few lines of script run.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sodium.h>

#include "hookbox.h"

#define ATTENTION_ROWS	20	/* failing hooks on the front page */
#define REFUSED_ROWS	200	/* rejects on their page */
#define DEAD_MAX	1000	/* events one Retry all dead replays */
#define BODY_SHOWN	(256 * 1024)	/* body bytes an event page shows */

/* One request to the inbox, while it is answered. */
struct ibx {
	const struct conf *conf;
	struct request	*r;
	struct store	*st;
	time_t		 now;
	const char	*sub;		/* the path after /_inbox */
	char		 base[MAX_PATH_LEN + 16]; /* <script>/_inbox, HTML-safe */
	char		 nonce[32];
	char		 token[AUTH_TOKEN_LEN + 1];	/* "" : no session */
	char		 csrf[65];
	char		 signin[AUTH_TOKEN_LEN + 1];	/* SIGNIN_COOKIE's, or "" */
	int		 status;
	struct buf	 head;		/* header lines beyond the fixed ones */
	struct buf	 main;		/* the page's <main> */
	const char	*title;
	const char	*nav;		/* which link is this page */
	int		 script;	/* the page needs its copy buttons */
	int		 kick;		/* a runner is to start */
};

static const char css[] =
":root{--fg:#1d2330;--mute:#5b6475;--line:#dde2ea;--bg:#f6f7f9;--card:#fff;"
"--acc:#1f5fbf;--ok:#17703a;--okbg:#e3f4e8;--warn:#8a5a00;--warnbg:#fff1d6;"
"--bad:#a3262a;--badbg:#fde5e5;--info:#22518f;--infobg:#e4edfa;"
"--idle:#4f5766;--idlebg:#eceff3}"
"*{box-sizing:border-box}"
"body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
"sans-serif;color:var(--fg);background:var(--bg)}"
"header{background:#182233;color:#fff}"
"nav{max-width:68rem;margin:0 auto;padding:.5rem 1rem;display:flex;"
"flex-wrap:wrap;gap:.25rem 1rem;align-items:center}"
"nav .brand{font-weight:700;margin-right:.5rem}"
"nav a{color:#cfd8e6;text-decoration:none;padding:.25rem 0}"
"nav a[aria-current]{color:#fff;border-bottom:2px solid #fff}"
"nav form{margin-left:auto}"
"nav button{background:none;border:1px solid #53607a;color:#cfd8e6;"
"padding:.2rem .6rem;font-size:.875rem}"
"main{max-width:68rem;margin:0 auto;padding:1rem}"
"h1{font-size:1.5rem;margin:.5rem 0 1rem}"
"h2{font-size:1.15rem;margin:1.5rem 0 .5rem}"
"a{color:var(--acc)}"
".card{background:var(--card);border:1px solid var(--line);"
"border-radius:8px;padding:1rem;margin:0 0 1rem}"
".scroll{overflow-x:auto}"
"table{border-collapse:collapse;width:100%;font-size:.9375rem}"
"th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid "
"var(--line);vertical-align:top}"
"td div.small,td.mono,td .err{overflow-wrap:anywhere}"
"td time,td a{white-space:nowrap}.narrow{display:none}"
".card>h2:first-child{margin-top:0}"
"table.kvt td:first-child{width:30%}"
"th{font-size:.8125rem;color:var(--mute);font-weight:600;"
"text-transform:uppercase;letter-spacing:.03em}"
"tr:last-child td{border-bottom:0}"
"td.num{text-align:right;font-variant-numeric:tabular-nums}"
".mute{color:var(--mute)}.small{font-size:.875rem}"
"code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
"monospace;font-size:.875rem}"
"pre{background:#f1f3f6;border:1px solid var(--line);border-radius:6px;"
"padding:.75rem;overflow:auto;max-height:32rem;white-space:pre-wrap;"
"word-break:break-word;margin:0}"
".badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;"
"font-size:.8125rem;font-weight:600;white-space:nowrap;border:1px solid}"
".b-succeeded{color:var(--ok);background:var(--okbg)}"
".b-failed{color:var(--warn);background:var(--warnbg)}"
".b-dead{color:var(--bad);background:var(--badbg)}"
".b-running,.b-pending{color:var(--info);background:var(--infobg)}"
".b-done,.b-none{color:var(--idle);background:var(--idlebg)}"
"button,.btn{font:inherit;font-size:.9375rem;padding:.4rem .9rem;"
"border-radius:6px;border:1px solid var(--acc);background:var(--acc);"
"color:#fff;cursor:pointer;text-decoration:none;display:inline-block}"
"button.quiet{background:#fff;color:var(--acc)}"
"form.inline{display:inline}"
".actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}"
"label{display:block;font-size:.8125rem;color:var(--mute);margin-bottom:.2rem}"
"input,select{font:inherit;font-size:.9375rem;padding:.4rem .5rem;"
"border:1px solid #b9c1cd;border-radius:6px;background:#fff;max-width:100%}"
".filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}"
".filters div{flex:1 1 9rem}.filters input,.filters select{width:100%}"
".url{display:flex;gap:.5rem}.url input{flex:1;min-width:0}"
"dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;"
"margin:0}dl.kv dt{color:var(--mute)}dl.kv dd{margin:0;word-break:break-word}"
".ok{color:var(--ok)}.alert{border-left:4px solid var(--bad)}"
".notice{border-left:4px solid var(--warn)}"
".pager{display:flex;justify-content:space-between;margin:1rem 0}"
".signin{max-width:22rem;margin:3rem auto}"
".signin input{width:100%;margin-bottom:.75rem}"
".err{color:var(--bad);font-weight:600}"
"@media (max-width:40rem){.wide{display:none}.narrow{display:inline}"
"main{padding:.75rem}"
"th,td{padding:.4rem}dl.kv{grid-template-columns:1fr}"
"dl.kv dd{margin-bottom:.4rem}}"
/* An attempt's output: a row of its own under the attempt, full width. */
"tr.has-out td{border-bottom:0;padding-bottom:.2rem}"
"td.out{padding-top:0}.hook{white-space:nowrap}";

/* The endpoints page's copy buttons: hidden until this runs. */
static const char copy_js[] =
"document.querySelectorAll('button[data-copy]').forEach(function(b){"
"b.hidden=false;b.addEventListener('click',function(){"
"var i=document.getElementById(b.getAttribute('data-copy'));i.select();"
"var done=function(){b.textContent='Copied';};"
"if(navigator.clipboard){navigator.clipboard.writeText(i.value).then(done,"
"function(){document.execCommand('copy');done();});}"
"else{document.execCommand('copy');done();}});});";

/* The states a hook can be in, as the pages show them. */
static const struct {
	const char	*state, *shown;
} states[] = {
	{ "succeeded", "\xe2\x9c\x93 succeeded" },
	{ "failed", "\xe2\x86\xbb failed, will retry" },
	{ "dead", "\xe2\x9c\x95 dead" },
	{ "running", "\xe2\x96\xb6 running" },
	{ "pending", "\xe2\x80\xa6 pending" },
	{ "done", "\xe2\x9c\x93 marked done" },
};

/* Whether path is the inbox's: "/_inbox" or below it. */
int
inbox_path(const char *path)
{
	size_t n = sizeof(INBOX_NAME) - 1;

	if (path == NULL || path[0] != '/' ||
	    strncmp(path + 1, INBOX_NAME, n) != 0)
		return 0;
	return path[n + 1] == '\0' || path[n + 1] == '/';
}

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	default: return "Service Unavailable";
	}
}

/* ---- pieces of pages ---- */

/* "5 min ago", with the UTC time as its title. */
static void
when(struct ibx *x, time_t t)
{
	char iso[32], rel[48];
	long long d = (long long)(x->now - t);

	if (t == 0) {
		buf_addstr(&x->main, "<span class=\"mute\">never</span>");
		return;
	}
	hb_iso8601(iso, t);
	if (d < 60)
		snprintf(rel, sizeof(rel), "just now");
	else if (d < 3600)
		snprintf(rel, sizeof(rel), "%lld min ago", d / 60);
	else if (d < 86400)
		snprintf(rel, sizeof(rel), "%lld h ago", d / 3600);
	else if (d < 86400 * 60)
		snprintf(rel, sizeof(rel), "%lld days ago", d / 86400);
	else
		snprintf(rel, sizeof(rel), "%.10s", iso);
	html_fmt(&x->main, "<time datetime=\"%s\" title=\"%s\">%s</time>",
	    iso, iso, rel);
}

/* A hook state's badge: a word and a sign, so colour is not needed. */
static void
badge(struct buf *b, struct store_text state)
{
	size_t i;

	if (state.s == NULL) {
		buf_addstr(b, "<span class=\"badge b-none\">no hook</span>");
		return;
	}
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strlen(states[i].state) == state.len &&
		    memcmp(states[i].state, state.s, state.len) == 0) {
			html_fmt(b, "<span class=\"badge b-%s\">%s</span>",
			    states[i].state, states[i].shown);
			return;
		}
	html_fmt(b, "<span class=\"badge b-none\">%T</span>", state);
}

/* A hidden CSRF field, for every form that changes something. */
static void
csrf_field(struct ibx *x)
{
	html_fmt(&x->main, "<input type=\"hidden\" name=\"csrf\" "
	    "value=\"%s\">", x->csrf);
}

/* A button that POSTs one action about one event. */
static void
event_button(struct ibx *x, const char *action, long long id,
    const char *from, const char *label, int quiet)
{
	html_fmt(&x->main, "<form class=\"inline\" method=\"post\" "
	    "action=\"%s/%s\">", x->base, action);
	csrf_field(x);
	html_fmt(&x->main, "<input type=\"hidden\" name=\"id\" value=\"%L\">"
	    "<input type=\"hidden\" name=\"from\" value=\"%s\">"
	    "<button%s>%s</button></form>", id, from,
	    quiet ? " class=\"quiet\"" : "", label);
}

/* ---- the answer ---- */

/*
 * The whole answer into out: the header block, then (unless a redirect)
 * the page around x->main.
 */
static int
respond(struct ibx *x, struct buf *out)
{
	static const char *const links[][2] = {
		{ "", "Inbox" }, { "/events", "Events" },
		{ "/refused", "Refused" }, { "/endpoints", "Endpoints" },
	};
	size_t i;
	int rc = 0;

	rc |= buf_printf(out, "Status: %d %s\r\n", x->status,
	    reason_phrase(x->status));
	rc |= buf_printf(out, "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Security-Policy: default-src 'none'; "
	    "style-src 'nonce-%s'; script-src 'nonce-%s'; img-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cache-Control: no-store\r\n", x->nonce, x->nonce);
	if (x->head.len > 0)
		rc |= buf_add(out, x->head.data, x->head.len);
	rc |= buf_addstr(out, "\r\n");
	if (x->status == 303)
		return rc ? -1 : 0;
	rc |= html_fmt(out, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"no-referrer\">"
	    "<title>%H \xc2\xb7 hookbox</title><style nonce=\"%s\">%s</style>"
	    "</head><body><header><nav><span class=\"brand\">hookbox</span>",
	    x->title, x->nonce, css);
	if (x->token[0] != '\0') {
		for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
			rc |= html_fmt(out, "<a href=\"%s%s\"%s>%s</a>",
			    x->base, links[i][0], x->nav != NULL &&
			    strcmp(x->nav, links[i][0]) == 0 ?
			    " aria-current=\"page\"" : "", links[i][1]);
		rc |= html_fmt(out, "<form method=\"post\" action=\"%s/signout"
		    "\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		    "<button>Sign out</button></form>", x->base, x->csrf);
	}
	rc |= buf_addstr(out, "</nav></header><main>");
	if (x->main.len > 0)
		rc |= buf_add(out, x->main.data, x->main.len);
	rc |= buf_addstr(out, "</main>");
	if (x->script)
		rc |= html_fmt(out, "<script nonce=\"%s\">%s</script>",
		    x->nonce, copy_js);
	rc |= buf_addstr(out, "</body></html>\n");
	return rc ? -1 : 0;
}

/* A page that is only a sentence (an error, a refusal). */
static void
message(struct ibx *x, int status, const char *title, const char *text)
{
	x->status = status;
	x->title = title;
	x->main.len = 0;
	html_fmt(&x->main, "<h1>%H</h1><div class=\"card\"><p>%H</p>",
	    title, text);
	if (x->token[0] != '\0')
		html_fmt(&x->main, "<p><a href=\"%s\">Back to the inbox</a>"
		    "</p>", x->base);
	buf_addstr(&x->main, "</div>");
}

/* 303 to a page of the inbox (sub: "", "/event?id=5"...). */
static void
redirect(struct ibx *x, const char *sub)
{
	x->status = 303;
	buf_printf(&x->head, "Location: %s%s\r\n", x->base, sub);
}

/* ---- reading what was sent ---- */

/*
 * The decoded value of the first pair named name in q (a query or a
 * urlencoded form) into out[outsz]. Returns its length, -1 if there is
 * none, -2 if it is too long or badly encoded.
 */
static long
param(const char *q, const char *name, char *out, size_t outsz)
{
	struct hb_param p;
	size_t n;

	while (q != NULL && hb_query_next(&q, &p)) {
		if (!hb_param_is(&p, name))
			continue;
		if (p.vlen >= outsz || hb_urldecode(out, &n, p.value,
		    p.vlen) == -1)
			return -2;
		return (long)n;
	}
	return -1;
}

/* A whole number parameter in [min, max], else dflt. */
static long long
num_param(const char *q, const char *name, long long min, long long max,
    long long dflt)
{
	char v[24];
	const char *errstr;
	long long n;

	if (param(q, name, v, sizeof(v)) < 0)
		return dflt;
	n = hb_strtonum(v, min, max, &errstr);
	return errstr == NULL ? n : dflt;
}

/* ---- the pages ---- */

struct front {
	struct ibx	*x;
	int		 n;
};

static int
attention_row(void *arg, const struct attention_row *a)
{
	struct front *f = arg;
	struct ibx *x = f->x;

	if (f->n++ == 0)
		buf_addstr(&x->main, "<div class=\"card alert\"><h2>Hooks "
		    "failing</h2><div class=\"scroll\"><table><tr><th>State"
		    "</th><th>Event</th><th class=\"wide\">Endpoint</th>"
		    "<th class=\"wide\">Last attempt</th><th></th></tr>");
	html_fmt(&x->main, "<tr><td>");
	badge(&x->main, a->status);
	html_fmt(&x->main, "</td><td><a href=\"%s/event?id=%L\">#%L %T</a>"
	    "<div class=\"small mute\">%T ", x->base, a->id, a->id, a->type,
	    a->resource);
	when(x, a->received_at);
	html_fmt(&x->main, "</div></td><td class=\"wide\">%T</td>"
	    "<td class=\"wide small\">attempt %d", a->endpoint, a->attempt);
	if (a->exit_code >= 0)
		html_fmt(&x->main, ", exit %d", a->exit_code);
	if (a->error.s != NULL && a->error.len > 0)
		html_fmt(&x->main, "<div class=\"mute\">%T</div>", a->error);
	buf_addstr(&x->main, "</td><td>");
	event_button(x, "retry", a->id, "front", "Retry", 0);
	buf_addstr(&x->main, "</td></tr>");
	return 0;
}

/*
 * Retry all dead, for each endpoint of the config with a dead hook,
 * whether or not one is among the rows the front page lists.
 */
struct dead_buttons {
	struct ibx	*x;
	int		 n;
};

static int
dead_button(void *arg, struct store_text endpoint, long long n)
{
	struct dead_buttons *d = arg;
	struct ibx *x = d->x;

	if (endpoint.s == NULL || conf_endpoint(x->conf, endpoint.s) == NULL)
		return 0;	/* not in the config: nothing would run it */
	if (d->n++ == 0)
		buf_addstr(&x->main, "<div class=\"actions\">");
	html_fmt(&x->main, "<form class=\"inline\" method=\"post\" "
	    "action=\"%s/retry-dead\">", x->base);
	csrf_field(x);
	html_fmt(&x->main, "<input type=\"hidden\" name=\"endpoint\" "
	    "value=\"%T\"><button class=\"quiet\">Retry all dead of %T "
	    "(%L)</button></form>", endpoint, endpoint, n);
	return 0;
}

struct refusing {
	struct ibx	*x;
	int		 n;
};

static int
refusing_row(void *arg, const struct endpoint_rejects *r)
{
	struct refusing *f = arg;
	struct ibx *x = f->x;
	long long before = r->unauthorized_before / 6;	/* a day's */
	int jump = r->unauthorized_today >= 3 &&
	    r->unauthorized_today > 2 * before;

	if (r->today == 0)
		return 0;
	if (f->n++ == 0)
		buf_addstr(&x->main, "<div class=\"card notice\"><h2>Endpoints "
		    "refusing requests</h2><div class=\"scroll\"><table><tr>"
		    "<th>Endpoint</th><th class=\"num\">Refused today</th>"
		    "<th class=\"num\">Wrong token or signature</th>"
		    "<th class=\"wide\">Last</th></tr>");
	html_fmt(&x->main, "<tr><td>%T", r->endpoint);
	if (r->endpoint.s != NULL && strcmp(r->endpoint.s, INBOX_NAME) == 0)
		buf_addstr(&x->main, " <span class=\"small mute\">(sign-ins "
		    "to this inbox)</span>");
	else if (jump)
		html_fmt(&x->main, "<div class=\"small err\">401s jumped "
		    "(about %L a day before): was a secret changed on the "
		    "platform?</div>", before);
	html_fmt(&x->main, "</td><td class=\"num\">%L</td><td class=\"num\">"
	    "%L</td><td class=\"wide\">", r->today, r->unauthorized_today);
	when(x, r->last_at);
	buf_addstr(&x->main, "</td></tr>");
	return 0;
}

/* Per configured endpoint: its events and its hooks' states. */
struct ep_sum {
	long long	 today, week;
	time_t		 last;
	long long	 hooks[6];	/* by states[] */
};

struct ep_sums {
	const struct conf *c;
	struct ep_sum	*s;
};

static struct ep_sum *
sum_of(struct ep_sums *e, struct store_text name)
{
	size_t i;

	for (i = 0; name.s != NULL && i < conf_nendpoints(e->c); i++)
		if (strcmp(conf_endpoint_at(e->c, i)->name, name.s) == 0)
			return &e->s[i];
	return NULL;
}

static int
ep_events(void *arg, const struct endpoint_events *r)
{
	struct ep_sum *s = sum_of(arg, r->endpoint);

	if (s != NULL) {
		s->today = r->today;
		s->week = r->week;
		s->last = r->last_at;
	}
	return 0;
}

static int
ep_hooks(void *arg, const struct count_row *r)
{
	struct ep_sum *s = sum_of(arg, r->endpoint);
	size_t i;

	for (i = 0; s != NULL && r->state.s != NULL &&
	    i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].state, r->state.s) == 0)
			s->hooks[i] += r->n;
	return 0;
}

/* The start of today, local time. */
static time_t
today_start(time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void
page_front(struct ibx *x)
{
	struct front f;
	struct refusing rf = { x, 0 };
	struct dead_buttons db = { x, 0 };
	struct ep_sums es = { x->conf, NULL };
	size_t i, j, n = conf_nendpoints(x->conf);

	memset(&f, 0, sizeof(f));
	f.x = x;
	x->title = "Inbox";
	x->nav = "";
	buf_addstr(&x->main, "<h1>Needs attention</h1>");
	if (store_attention(x->st, ATTENTION_ROWS, attention_row, &f) == -1)
		goto fail;
	if (f.n > 0) {
		buf_addstr(&x->main, "</table></div>");
		if (f.n == ATTENTION_ROWS)
			html_fmt(&x->main, "<p class=\"small\"><a href=\"%s/"
			    "events?state=dead\">All dead hooks</a> \xc2\xb7 "
			    "<a href=\"%s/events?state=failed\">all failing"
			    "</a></p>", x->base, x->base);
		if (store_dead_counts(x->st, dead_button, &db) == -1)
			goto fail;
		if (db.n > 0)
			buf_addstr(&x->main, "</div>");
		buf_addstr(&x->main, "</div>");
	}
	if (store_endpoint_rejects(x->st, x->now - 86400, x->now - 7 * 86400,
	    refusing_row, &rf) == -1)
		goto fail;
	if (rf.n > 0)
		html_fmt(&x->main, "</table></div><p class=\"small\"><a "
		    "href=\"%s/refused\">What was refused, and why</a></p>"
		    "</div>", x->base);
	if (f.n == 0 && rf.n == 0)
		buf_addstr(&x->main, "<div class=\"card\"><p class=\"ok\">"
		    "\xe2\x9c\x93 Nothing needs attention: no hook is failing "
		    "and no endpoint refused a request today.</p></div>");

	if ((es.s = calloc(n + 1, sizeof(*es.s))) == NULL)
		goto fail;
	if (store_endpoint_events(x->st, today_start(x->now),
	    x->now - 7 * 86400, ep_events, &es) == -1 ||
	    store_counts(x->st, COUNT_HOOKS, ep_hooks, &es) == -1) {
		free(es.s);
		goto fail;
	}
	buf_addstr(&x->main, "<h2>Endpoints</h2><div class=\"card scroll\">"
	    "<table><tr><th>Endpoint</th><th>Last event</th><th class=\"num\">"
	    "Today</th><th class=\"num\">7 days</th><th class=\"wide\">Hooks"
	    "</th></tr>");
	for (i = 0; i < n; i++) {
		const struct endpoint *ep = conf_endpoint_at(x->conf, i);
		int any = 0;

		html_fmt(&x->main, "<tr><td><a href=\"%s/events?endpoint=%U\">"
		    "%H</a><div class=\"small mute\">%H</div></td><td>",
		    x->base, ep->name, ep->name, ep->provider->name);
		when(x, es.s[i].last);
		html_fmt(&x->main, "</td><td class=\"num\">%L</td>"
		    "<td class=\"num\">%L</td><td class=\"wide\">",
		    es.s[i].today, es.s[i].week);
		for (j = 0; j < sizeof(states) / sizeof(states[0]); j++) {
			if (es.s[i].hooks[j] == 0)
				continue;
			html_fmt(&x->main, "<a href=\"%s/events?endpoint=%U&amp;"
			    "state=%s\" class=\"badge b-%s\">%L %s</a> ",
			    x->base, ep->name, states[j].state,
			    states[j].state, es.s[i].hooks[j], states[j].shown);
			any = 1;
		}
		if (!any)
			buf_addstr(&x->main, ep->nhooks > 0 ? "<span class=\""
			    "mute\">no runs yet</span>" : "<span class=\"mute"
			    "\">no hook</span>");
		buf_addstr(&x->main, "</td></tr>");
	}
	buf_addstr(&x->main, "</table></div>");
	free(es.s);
	return;
 fail:
	message(x, 503, "Unavailable", "The database cannot be read just "
	    "now; try again in a moment.");
}

/* ---- events ---- */

struct events_page {
	struct ibx	*x;
	int		 n;
};

static int
event_row(void *arg, const struct event_row *r)
{
	struct events_page *e = arg;
	struct ibx *x = e->x;

	/* One more than a page is asked for: it says there is a next. */
	if (++e->n > INBOX_PAGE_ROWS)
		return 1;
	html_fmt(&x->main, "<tr><td><a href=\"%s/event?id=%L\">#%L</a></td>"
	    "<td class=\"wide\">", x->base, r->id, r->id);
	when(x, r->received_at);
	html_fmt(&x->main, "</td><td class=\"wide\">%T</td><td>%T"
	    "<div class=\"small mute\">%T</div><div class=\"small mute "
	    "narrow\">", r->endpoint, r->type, r->resource);
	when(x, r->received_at);
	buf_addstr(&x->main, "</div></td><td>");
	badge(&x->main, r->hook_status);
	buf_addstr(&x->main, "</td></tr>");
	return 0;
}

/* A filter's <option>, selected when it is the current value. */
static void
option(struct ibx *x, const char *value, const char *label, const char *cur)
{
	html_fmt(&x->main, "<option value=\"%H\"%s>%H</option>", value,
	    strcmp(value, cur) == 0 ? " selected" : "", label);
}

static void
page_events(struct ibx *x)
{
	static const struct { const char *v, *label; long secs; } ages[] = {
		{ "", "any time", 0 }, { "1d", "last 24 hours", 86400 },
		{ "7d", "last 7 days", 7 * 86400 },
		{ "30d", "last 30 days", 30 * 86400 },
	};
	const char *q = x->r->query;
	char endpoint[MAX_NAME_LEN + 1] = "", type[MAX_EVENT_TYPE_LEN + 1] = "";
	char state[16] = "", age[8] = "", text[INBOX_SEARCH_MAX + 1] = "";
	struct list_filter f = { .limit = INBOX_PAGE_ROWS + 1 };
	struct events_page e = { x, 0 };
	struct buf keep = { 0 };
	long long page;
	size_t i;

	x->title = "Events";
	x->nav = "/events";
	/* Too long or badly encoded: the filter is left out. */
	if (param(q, "endpoint", endpoint, sizeof(endpoint)) < 0)
		endpoint[0] = '\0';
	if (param(q, "type", type, sizeof(type)) < 0)
		type[0] = '\0';
	if (param(q, "state", state, sizeof(state)) < 0)
		state[0] = '\0';
	if (param(q, "age", age, sizeof(age)) < 0)
		age[0] = '\0';
	if (param(q, "q", text, sizeof(text)) < 0)
		text[0] = '\0';
	page = num_param(q, "page", 1, INBOX_PAGE_MAX, 1);
	f.endpoint = endpoint[0] ? endpoint : NULL;
	f.type = type[0] ? type : NULL;
	f.status = state[0] ? state : NULL;
	f.text = text[0] ? text : NULL;
	f.offset = (page - 1) * INBOX_PAGE_ROWS;
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++)
		if (strcmp(age, ages[i].v) == 0 && ages[i].secs > 0)
			f.since = x->now - ages[i].secs;

	buf_addstr(&x->main, "<h1>Events</h1><form class=\"card filters\" "
	    "method=\"get\" action=\"");
	html_fmt(&x->main, "%s/events\"><div><label for=\"f-q\">Order id, "
	    "resource id or text</label><input id=\"f-q\" name=\"q\" "
	    "maxlength=\"%d\" value=\"%H\"></div><div><label for=\"f-ep\">"
	    "Endpoint</label><select id=\"f-ep\" name=\"endpoint\">", x->base,
	    INBOX_SEARCH_MAX, text);
	option(x, "", "all", endpoint);
	for (i = 0; i < conf_nendpoints(x->conf); i++)
		option(x, conf_endpoint_at(x->conf, i)->name,
		    conf_endpoint_at(x->conf, i)->name, endpoint);
	html_fmt(&x->main, "</select></div><div><label for=\"f-type\">Type"
	    "</label><input id=\"f-type\" name=\"type\" maxlength=\"%d\" "
	    "placeholder=\"order, order.*\" value=\"%H\"></div><div><label "
	    "for=\"f-state\">Hook</label><select id=\"f-state\" "
	    "name=\"state\">", MAX_EVENT_TYPE_LEN, type);
	option(x, "", "any state", state);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		option(x, states[i].state, states[i].shown, state);
	buf_addstr(&x->main, "</select></div><div><label for=\"f-age\">"
	    "Received</label><select id=\"f-age\" name=\"age\">");
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++)
		option(x, ages[i].v, ages[i].label, age);
	buf_addstr(&x->main, "</select></div><div><button>Show</button>"
	    "</div></form>");

	buf_addstr(&x->main, "<div class=\"card scroll\"><table><tr><th>Id"
	    "</th><th class=\"wide\">Received</th><th class=\"wide\">Endpoint</th><th>Type "
	    "and resource</th><th>Hook</th></tr>");
	if (store_list(x->st, &f, event_row, &e) == -1) {
		message(x, 503, "Unavailable", "The database cannot be read "
		    "just now; try again in a moment.");
		return;
	}
	if (e.n == 0)
		buf_addstr(&x->main, "<tr><td colspan=\"5\" class=\"mute\">"
		    "No events match.</td></tr>");
	buf_addstr(&x->main, "</table></div>");
	/* The filters again, for the pager's links. */
	html_fmt(&keep, "q=%U&amp;endpoint=%U&amp;type=%U&amp;state=%U&amp;"
	    "age=%U", text, endpoint, type, state, age);
	buf_addstr(&x->main, "<div class=\"pager\"><span>");
	if (page > 1)
		html_fmt(&x->main, "<a href=\"%s/events?%s&amp;page=%L\">"
		    "\xe2\x86\x90 Newer</a>", x->base, keep.data, page - 1);
	html_fmt(&x->main, "</span><span class=\"mute\">page %L</span><span>",
	    page);
	if (e.n > INBOX_PAGE_ROWS && page < INBOX_PAGE_MAX)
		html_fmt(&x->main, "<a href=\"%s/events?%s&amp;page=%L\">"
		    "Older \xe2\x86\x92</a>", x->base, keep.data, page + 1);
	buf_addstr(&x->main, "</span></div>");
	buf_free(&keep);
}

/* ---- one event ---- */

/* A body that is a JSON value, pretty-printed; 0, or -1 if it is not. */
static int
pretty_json(struct buf *b, const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new_ex(MAX_JSON_DEPTH);
	struct json_object *o;
	const char *text;
	int rc = -1;

	if (tok == NULL || n > INT32_MAX)
		goto out;
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    (size_t)json_tokener_get_parse_end(tok) == n) {
		text = json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		if (text != NULL)
			rc = html_esc(b, text, strlen(text));
	}
	json_object_put(o);
 out:
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

/* name=value pairs (a query or a urlencoded form) as a table. */
static int
param_table(struct buf *b, const char *s)
{
	struct hb_param p;
	char *v;
	size_t n;
	int rows = 0;

	while (hb_query_next(&s, &p)) {
		if (rows++ == 0)
			buf_addstr(b, "<div class=\"scroll\"><table><tr><th>Name"
			    "</th><th>Value</th></tr>");
		if ((v = malloc(p.len + 1)) == NULL)
			return -1;
		buf_addstr(b, "<tr><td class=\"mono\">");
		if (hb_urldecode(v, &n, p.name, p.nlen) == 0)
			html_esc(b, v, n);
		else
			html_esc(b, p.name, p.nlen);
		buf_addstr(b, "</td><td class=\"mono\">");
		if (hb_urldecode(v, &n, p.value, p.vlen) == 0)
			html_esc(b, v, n);
		else
			html_esc(b, p.value, p.vlen);
		buf_addstr(b, "</td></tr>");
		free(v);
	}
	if (rows > 0)
		buf_addstr(b, "</table></div>");
	return rows;
}

/* The stored headers (JSON, redacted when stored) as a table. */
static void
header_table(struct buf *b, struct store_text h)
{
	struct json_object *o = NULL;

	if (h.s != NULL && h.len < INT32_MAX)
		o = json_tokener_parse(h.s);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		html_fmt(b, "<pre>%T</pre>", h);
		json_object_put(o);
		return;
	}
	buf_addstr(b, "<div class=\"scroll\"><table class=\"kvt\">");
	json_object_object_foreach(o, k, v) {
		const char *val = json_object_get_string(v);

		html_fmt(b, "<tr><td class=\"mono\">%H</td><td class=\"mono\">"
		    "%H</td></tr>", k, val);
	}
	buf_addstr(b, "</table></div>");
	json_object_put(o);
}

struct event_page {
	struct ibx	*x;
	int		 found;
};

static int
event_detail(void *arg, const struct event_detail *e)
{
	struct event_page *ep = arg;
	struct ibx *x = ep->x;
	struct buf *m = &x->main;
	char iso[32];
	size_t shown = e->body.len < BODY_SHOWN ? e->body.len : BODY_SHOWN;
	int form;

	ep->found = 1;
	hb_iso8601(iso, e->received_at);
	html_fmt(m, "<h1>Event #%L <span class=\"mute\">%T</span></h1>"
	    "<div class=\"card\"><dl class=\"kv\">", e->id, e->type);
	html_fmt(m, "<dt>Endpoint</dt><dd>%T (%T)</dd>", e->endpoint,
	    e->provider);
	html_fmt(m, "<dt>Received</dt><dd>%s (", iso);
	when(x, e->received_at);
	html_fmt(m, ")</dd><dt>Resource id</dt><dd class=\"mono\">%T</dd>"
	    "<dt>Event key</dt><dd class=\"mono\">%T</dd>"
	    "<dt>Proof</dt><dd>%T</dd><dt>From</dt><dd class=\"mono\">%T</dd>"
	    "<dt>Method</dt><dd>%T</dd><dt>Content type</dt><dd class=\""
	    "mono\">%T</dd>", e->resource, e->key, e->proof, e->remote_addr,
	    e->method, e->content_type);
	buf_addstr(m, "</dl></div>");
	buf_addstr(m, "<h2>Body</h2><div class=\"card\">");
	form = e->content_type.s != NULL &&
	    strncmp(e->content_type.s, "application/x-www-form-urlencoded",
	    33) == 0;
	if (e->body.len == 0) {
		if (e->query.s != NULL && e->query.len > 0 &&
		    param_table(m, e->query.s) > 0)
			;
		else
			buf_addstr(m, "<p class=\"mute\">(empty)</p>");
	} else {
		struct buf body = { 0 }, json = { 0 };

		buf_add(&body, e->body.s, shown);
		/* JSON pretty-printed; a form's pairs; anything else as text. */
		if (!form && shown == e->body.len &&
		    pretty_json(&json, e->body.s, e->body.len) == 0)
			html_fmt(m, "<pre>%s</pre>", json.data);
		else if (form && shown == e->body.len &&
		    memchr(body.data, '\0', body.len) == NULL &&
		    param_table(m, body.data) > 0)
			;
		else {
			buf_addstr(m, "<pre>");
			html_esc(m, e->body.s, shown);
			buf_addstr(m, "</pre>");
		}
		buf_free(&body);
		buf_free(&json);
	}
	if (shown < e->body.len)
		html_fmt(m, "<p class=\"small mute\">The first %L of %L bytes; "
		    "<code>hookbox show %L --raw</code> has them all.</p>",
		    (long long)shown, (long long)e->body.len, e->id);
	buf_addstr(m, "</div>");
	buf_addstr(m, "<h2>Headers</h2><div class=\"card\">");
	header_table(m, e->headers);
	buf_addstr(m, "<p class=\"small mute\">Values that carry a secret "
	    "(tokens, signatures, cookies) were not kept.</p></div>");
	return 0;
}

static int
attempt_row(void *arg, const struct attempt_row *a)
{
	struct event_page *ep = arg;
	struct buf *m = &ep->x->main;
	int out;

	if (ep->found++ == 1)
		buf_addstr(m, "<div class=\"card scroll\"><table><tr><th>#</th>"
		    "<th>State</th><th>Started</th><th class=\"num\">Exit</th>"
		    "<th class=\"num wide\">Took</th></tr>");
	out = (a->error.s != NULL && a->error.len > 0) ||
	    (a->output.s != NULL && a->output.len > 0);
	/* Its error and output go in a row of their own, below. */
	html_fmt(m, "<tr%s><td>%d<div class=\"small mute hook\">%T</div></td>"
	    "<td>", out ? " class=\"has-out\"" : "", a->attempt, a->hook);
	badge(m, a->status);
	if (a->next_at != 0) {
		buf_addstr(m, "<div class=\"small mute\">next ");
		if (a->next_at > ep->x->now) {
			char iso[32];

			hb_iso8601(iso, a->next_at);
			html_fmt(m, "<time title=\"%s\">in %L min</time>", iso,
			    (long long)(a->next_at - ep->x->now + 59) / 60);
		} else
			buf_addstr(m, "now");
		buf_addstr(m, "</div>");
	}
	buf_addstr(m, "</td><td>");
	if (a->started_at != 0)
		when(ep->x, a->started_at);
	buf_addstr(m, "</td><td class=\"num\">");
	if (a->exit_code >= 0)
		html_fmt(m, "%d", a->exit_code);
	else if (a->signal > 0)
		html_fmt(m, "signal %d", a->signal);
	else
		buf_addstr(m, "\xe2\x80\x93");
	/* On a phone, the output's width matters more than the time. */
	buf_addstr(m, "</td><td class=\"num wide\">");
	if (a->started_at != 0 && a->finished_at >= a->started_at)
		html_fmt(m, "%L s", (long long)(a->finished_at - a->started_at));
	else
		buf_addstr(m, "\xe2\x80\x93");
	buf_addstr(m, "</td></tr>");
	if (!out)
		return 0;
	buf_addstr(m, "<tr><td colspan=\"5\" class=\"out\">");
	if (a->error.s != NULL && a->error.len > 0)
		html_fmt(m, "<div class=\"err small\">%T</div>", a->error);
	if (a->output.s != NULL && a->output.len > 0)
		html_fmt(m, "<pre>%T</pre>", a->output);
	buf_addstr(m, "</td></tr>");
	return 0;
}

static int
queued_row(void *arg, const char *hook)
{
	struct event_page *ep = arg;

	html_fmt(&ep->x->main, "<div class=\"card\"><p>Waiting for its first "
	    "run (hook %H).</p></div>", hook);
	return 0;
}

static void
page_event(struct ibx *x)
{
	struct event_page ep = { x, 0 };
	long long id = num_param(x->r->query, "id", 1, 1LL << 62, 0);
	int n;

	x->title = "Event";
	x->nav = "/events";
	if (id == 0) {
		message(x, 404, "No such event", "The link names no event.");
		return;
	}
	if (store_event_detail(x->st, id, event_detail, &ep) == -1)
		goto fail;
	if (!ep.found) {
		message(x, 404, "No such event", "There is no such event (a "
		    "retention may have removed it).");
		return;
	}
	buf_addstr(&x->main, "<h2>Hook</h2><div class=\"actions\">");
	event_button(x, "retry", id, "event", "Retry now", 0);
	event_button(x, "done", id, "event", "Mark done", 1);
	buf_addstr(&x->main, "</div>");
	if ((n = store_attempts(x->st, id, attempt_row, &ep)) == -1)
		goto fail;
	if (n > 0)
		buf_addstr(&x->main, "</table></div>");
	else if ((n = store_queued_hook(x->st, id, queued_row, &ep)) == -1)
		goto fail;
	else if (n == 0)
		buf_addstr(&x->main, "<div class=\"card\"><p class=\"mute\">No "
		    "hook matched this event when it arrived.</p></div>");
	return;
 fail:
	message(x, 503, "Unavailable", "The database cannot be read just "
	    "now; try again in a moment.");
}

/* ---- refused ---- */

/* What a refusal means, and what to do about it, in plain words. */
static void
plain_reason(struct buf *b, const struct reject_row *r)
{
	const char *why = r->reason.s != NULL ? r->reason.s : "";

	if (r->endpoint.s != NULL && strcmp(r->endpoint.s, INBOX_NAME) == 0)
		buf_addstr(b, "a failed sign-in to this inbox");
	else if (r->status == 401 && strstr(why, "token") != NULL &&
	    strstr(why, "ignature") == NULL)
		html_fmt(b, "wrong URL token: the sender does not use the URL "
		    "of endpoint <code>%T</code> as Endpoints shows it; paste "
		    "it into the platform again", r->endpoint);
	else if (r->status == 401)
		html_fmt(b, "wrong signature: compare the secret of endpoint "
		    "<code>%T</code> with the platform's", r->endpoint);
	else if (r->status == 404)
		buf_addstr(b, "no such endpoint: the URL is mistyped, or the "
		    "endpoint is no longer in the config");
	else if (r->status == 405)
		buf_addstr(b, "the wrong method for this platform (a browser "
		    "opening the URL, say)");
	else if (r->status == 413)
		buf_addstr(b, "too large: over max_body_bytes in the config");
	else
		buf_addstr(b, "a request hookbox could not read");
	html_fmt(b, "<div class=\"small mute\">%T</div>", r->reason);
}

struct refused_page {
	struct ibx	*x;
	int		 n;
};

static int
refused_row(void *arg, const struct reject_row *r)
{
	struct refused_page *rp = arg;
	struct buf *m = &rp->x->main;

	rp->n++;
	buf_addstr(m, "<tr><td>");
	when(rp->x, r->received_at);
	html_fmt(m, "<div class=\"small mute\">%d", r->status);
	if (r->count > 1)
		html_fmt(m, " \xc3\x97 %L", r->count);
	html_fmt(m, "</div></td><td>%T</td><td>", r->endpoint);
	plain_reason(m, r);
	html_fmt(m, "</td><td class=\"wide mono small\">%T</td><td class=\""
	    "wide\">", r->remote_addr);
	if (r->body_head.s != NULL && r->body_head.len > 0)
		html_fmt(m, "<pre>%T</pre>", r->body_head);
	buf_addstr(m, "</td></tr>");
	return 0;
}

static void
page_refused(struct ibx *x)
{
	struct refused_page rp = { x, 0 };

	x->title = "Refused";
	x->nav = "/refused";
	buf_addstr(&x->main, "<h1>Refused requests</h1><p class=\"mute\">"
	    "Requests hookbox answered with an error and did not store, "
	    "newest first. One row stands for each refusal of one cause "
	    "from one address in one second.</p><div class=\"card scroll\">"
	    "<table><tr><th>When</th><th>Endpoint</th><th>Why</th>"
	    "<th class=\"wide\">From</th><th class=\"wide\">First bytes</th>"
	    "</tr>");
	if (store_rejects(x->st, REFUSED_ROWS, refused_row, &rp) == -1) {
		message(x, 503, "Unavailable", "The database cannot be read "
		    "just now; try again in a moment.");
		return;
	}
	if (rp.n == 0)
		buf_addstr(&x->main, "<tr><td colspan=\"5\" class=\"mute\">"
		    "Nothing was refused.</td></tr>");
	buf_addstr(&x->main, "</table></div>");
}

/* ---- endpoints ---- */

/* The Host header, when it looks like a host (else NULL). */
static const char *
host_of(const struct request *r)
{
	const char *h = req_header(r, "host");
	size_t i;

	if (h == NULL || *h == '\0' || strlen(h) > 255)
		return NULL;
	for (i = 0; h[i] != '\0'; i++)
		if (!isalnum((unsigned char)h[i]) && strchr(".-:[]",
		    h[i]) == NULL)
			return NULL;
	return h;
}

static void
page_endpoints(struct ibx *x)
{
	const char *host = host_of(x->r);
	size_t i;

	x->title = "Endpoints";
	x->nav = "/endpoints";
	x->script = 1;
	buf_addstr(&x->main, "<h1>Endpoints</h1><p class=\"mute\">Paste each "
	    "URL into its platform. Secrets and verify tokens stay in the "
	    "config: they are never shown here.</p>");
	for (i = 0; i < conf_nendpoints(x->conf); i++) {
		const struct endpoint *ep = conf_endpoint_at(x->conf, i);
		/* Where the URL goes is the provider row's (providers.c). */
		const char *platform = ep->provider->title != NULL ?
		    ep->provider->title : ep->provider->name, *where =
		    ep->provider->where != NULL ? ep->provider->where :
		    "the sender's webhook settings";

		html_fmt(&x->main, "<div class=\"card\"><h2>%H <span class=\""
		    "mute small\">%H</span></h2><label for=\"u%d\">URL</label>"
		    "<div class=\"url\"><input id=\"u%d\" readonly "
		    "value=\"%s://%H%H/%H", ep->name, platform, (int)i, (int)i,
		    x->r->https ? "https" : "http", host != NULL ? host :
		    "YOUR-SITE", x->r->script, ep->name);
		if (ep->token != NULL)
			html_fmt(&x->main, "/%H", ep->token);
		html_fmt(&x->main, "\"><button type=\"button\" data-copy=\"u%d\""
		    " hidden>Copy</button></div><p class=\"small\">Goes in: %H"
		    "</p><p class=\"small mute\">", (int)i, where);
		if (ep->token != NULL)
			buf_addstr(&x->main, "The URL's last part is its token: "
			    "keep the URL to yourself and the platform. ");
		if (ep->secret != NULL || ep->public_key != NULL)
			buf_addstr(&x->main, "Requests must be signed with the "
			    "endpoint's secret (set in the config). ");
		else if (ep->provider->flags & PROV_SECRET)
			buf_addstr(&x->main, "No secret is set: a platform that "
			    "signs its requests has a secret to paste into the "
			    "config. ");
		if (ep->verify_token != NULL)
			buf_addstr(&x->main, "A verify token is set. ");
		html_fmt(&x->main, "Hooks: %L.</p></div>", (long long)ep->nhooks);
	}
}

/* ---- actions ---- */

/* Where an action goes back to: the event, or the front page. */
static void
back(struct ibx *x, const char *form, long long id)
{
	char from[8], sub[48];

	if (param(form, "from", from, sizeof(from)) > 0 &&
	    strcmp(from, "event") == 0 && id > 0) {
		snprintf(sub, sizeof(sub), "/event?id=%lld", id);
		redirect(x, sub);
	} else
		redirect(x, "");
}

/* What picks an event's hook: its endpoint and type (store_event_type). */
struct pick {
	const struct conf *c;
	const struct hook *h;
	int		 found;
};

static int
pick_hook(void *arg, const char *endpoint, const char *type)
{
	struct pick *p = arg;
	const struct endpoint *ep;

	p->found = 1;
	if ((ep = conf_endpoint(p->c, endpoint)) != NULL)
		p->h = conf_match_hook(ep, type);
	return 0;
}

/*
 * Replays one event the way `hookbox replay` does: the hook the config
 * has for it now, through store_replay. Returns an HTTP status: 0 when
 * it is due (a runner is to start), else the failure's, with why.
 */
static int
replay1(struct ibx *x, long long id, const char **why)
{
	struct pick p = { x->conf, NULL, 0 };

	*why = "The database is busy; try again in a moment.";
	if (store_event_type(x->st, id, pick_hook, &p) == -1)
		return 503;
	*why = "There is no such event.";
	if (!p.found)
		return 404;
	*why = "No hook in the config matches this event now.";
	if (p.h == NULL)
		return 409;
	switch (store_replay(x->st, id, p.h->pattern, x->now)) {
	case REPLAY_DUE:
		x->kick = 1;
		return 0;
	case REPLAY_RUNNING:
		*why = "Its hook is running now; it was left alone.";
		return 409;
	case REPLAY_NO_EVENT:
		*why = "There is no such event.";
		return 404;
	default:
		*why = "The database is busy; try again in a moment.";
		return 503;
	}
}

static void
act_retry(struct ibx *x, const char *form)
{
	long long id = num_param(form, "id", 1, 1LL << 62, 0);
	const char *why;
	int status;

	if ((status = replay1(x, id, &why)) == 0)
		back(x, form, id);
	else
		message(x, status, "Not retried", why);
}

struct dead_ids {
	long long	*ids;
	size_t		 n;
};

static int
dead_id(void *arg, long long id)
{
	struct dead_ids *d = arg;

	d->ids[d->n++] = id;
	return 0;
}

static void
act_retry_dead(struct ibx *x, const char *form)
{
	char endpoint[MAX_NAME_LEN + 1];
	struct dead_ids d = { NULL, 0 };
	const char *why;
	size_t i;

	if (param(form, "endpoint", endpoint, sizeof(endpoint)) <= 0 ||
	    conf_endpoint(x->conf, endpoint) == NULL) {
		message(x, 400, "Not retried", "No such endpoint.");
		return;
	}
	if ((d.ids = calloc(DEAD_MAX, sizeof(*d.ids))) == NULL ||
	    store_dead_events(x->st, endpoint, DEAD_MAX, dead_id, &d) == -1) {
		free(d.ids);
		message(x, 503, "Unavailable", "The database is busy; try "
		    "again in a moment.");
		return;
	}
	for (i = 0; i < d.n; i++)
		replay1(x, d.ids[i], &why);
	free(d.ids);
	redirect(x, "");
}

static void
act_done(struct ibx *x, const char *form)
{
	long long id = num_param(form, "id", 1, 1LL << 62, 0);

	switch (store_mark_done(x->st, id, x->now)) {
	case DONE_OK:
	case DONE_NOTHING:
		back(x, form, id);
		break;
	case DONE_RUNNING:
		message(x, 400, "Not marked", "Its hook is running now; try "
		    "again once it has finished.");
		break;
	default:
		message(x, 503, "Unavailable", "The database is busy; try "
		    "again in a moment.");
	}
}

/* ---- signing in ---- */

/* How long a session may stay unused (inbox_session_hours), in seconds. */
static long
idle_secs(const struct ibx *x)
{
	return (long)conf_inbox_session_hours(x->conf) * 3600;
}

/*
 * The sign-in form, with its token: the browser's sign-in cookie's, or a
 * new one, set again so that it lasts SIGNIN_COOKIE_SECS from now.
 */
static void
signin_form(struct ibx *x, const char *note, int error)
{
	x->title = "Sign in";
	if (x->signin[0] == '\0')
		auth_signin_new(x->signin);
	buf_printf(&x->head, "Set-Cookie: " SIGNIN_COOKIE "=%s; Path=%s; "
	    "Max-Age=%d; HttpOnly; SameSite=Strict%s\r\n", x->signin, x->base,
	    SIGNIN_COOKIE_SECS, x->r->https ? "; Secure" : "");
	html_fmt(&x->main, "<form class=\"card signin\" method=\"post\" "
	    "action=\"%s/signin\"><h1>hookbox inbox</h1><input type=\"hidden\""
	    " name=\"signin\" value=\"%s\">", x->base, x->signin);
	if (note != NULL)
		html_fmt(&x->main, "<p class=\"%s\">%H</p>", error ? "err" :
		    "mute", note);
	html_fmt(&x->main, "<label for=\"pw\">Password</label><input "
	    "id=\"pw\" name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required autofocus "
	    "maxlength=\"%d\"><button>Sign in</button></form>",
	    PASSWORD_MAX);
}

static void
act_signin(struct ibx *x, const char *form)
{
	char *pw = NULL, given[AUTH_TOKEN_LEN + 8];
	long n, wait;
	struct reject rj;
	int ok;

	x->token[0] = '\0';
	/* The form's token and its cookie's, or another site's form. */
	n = param(form, "signin", given, sizeof(given));
	if (n < 0 || !auth_signin_ok(x->signin, given, (size_t)n)) {
		x->status = 403;
		x->signin[0] = '\0';
		signin_form(x, "This sign-in form has expired, or did not come "
		    "from this inbox: sign in again.", 1);
		return;
	}
	if ((wait = auth_throttle_wait(x->st, x->r->remote_addr, x->now)) < 0)
		goto busy;
	if (wait > 0) {
		buf_printf(&x->head, "Retry-After: %ld\r\n", wait);
		x->status = 429;
		signin_form(x, "Too many wrong passwords: wait a little, then "
		    "try again.", 1);
		return;
	}
	if ((pw = malloc(PASSWORD_MAX + 2)) == NULL)
		goto busy;
	if ((n = param(form, "password", pw, PASSWORD_MAX + 2)) < 0)
		n = 0;
	if ((ok = auth_password_ok(x->st, pw, (size_t)n)) == -1)
		goto busy;
	sodium_memzero(pw, PASSWORD_MAX + 2);
	if (auth_throttle_note(x->st, x->r->remote_addr, ok, x->now) == -1)
		goto busy;
	if (!ok) {
		/* Kept with the rejects; never what was typed. */
		memset(&rj, 0, sizeof(rj));
		rj.endpoint = INBOX_NAME;
		rj.status = 401;
		rj.reason = "inbox sign-in: wrong password";
		rj.addr = x->r->remote_addr;
		rj.now = x->now;
		store_reject(x->st, &rj);
		x->status = 401;
		signin_form(x, "Wrong password.", 1);
		free(pw);
		return;
	}
	if (auth_session_new(x->st, x->r->remote_addr, x->now,
	    idle_secs(x), x->token) == -1)
		goto busy;
	buf_printf(&x->head, "Set-Cookie: " AUTH_COOKIE "=%s; Path=%s; "
	    "HttpOnly; SameSite=Strict%s\r\n", x->token, x->base,
	    x->r->https ? "; Secure" : "");
	/* The sign-in form's cookie has done its work. */
	buf_printf(&x->head, "Set-Cookie: " SIGNIN_COOKIE "=; Path=%s; "
	    "Max-Age=0; HttpOnly; SameSite=Strict%s\r\n", x->base,
	    x->r->https ? "; Secure" : "");
	redirect(x, "");
	free(pw);
	return;
 busy:
	free(pw);
	x->token[0] = '\0';
	message(x, 503, "Unavailable", "The database is busy; try again in a "
	    "moment.");
}

static void
act_signout(struct ibx *x)
{
	auth_session_end(x->st, x->token);
	buf_printf(&x->head, "Set-Cookie: " AUTH_COOKIE "=; Path=%s; "
	    "Max-Age=0; HttpOnly; SameSite=Strict%s\r\n", x->base,
	    x->r->https ? "; Secure" : "");
	x->token[0] = '\0';
	redirect(x, "");
}

/* ---- one request ---- */

/* <script>/_inbox, when the script's path is plain enough for a URL. */
static int
set_base(struct ibx *x)
{
	const char *s = x->r->script != NULL ? x->r->script : "";
	size_t i;

	if (*s != '\0' && *s != '/')
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("/-._~%",
		    s[i]) == NULL)
			return -1;
	snprintf(x->base, sizeof(x->base), "%s/" INBOX_NAME, s);
	return 0;
}

static void
route(struct ibx *x, const char *form)
{
	const char *sub = x->sub;
	int post = x->r->method == REQ_POST;
	enum auth_session s;
	char given[72];
	long n;

	if (post && strcmp(sub, "/signin") == 0) {
		act_signin(x, form);
		return;
	}
	s = auth_session_check(x->st, x->token, x->now, idle_secs(x));
	if (s == SESSION_ERROR) {
		x->token[0] = '\0';
		message(x, 503, "Unavailable", "The database is busy; try "
		    "again in a moment.");
		return;
	}
	if (s != SESSION_OK) {
		x->token[0] = '\0';
		if (post) {
			message(x, 403, "Signed out", "Your session has ended "
			    "(or never began): sign in again. Nothing was "
			    "done.");
			return;
		}
		if (strcmp(sub, "") == 0 || strcmp(sub, "/") == 0)
			x->status = 200;
		else
			x->status = 401;
		if (s == SESSION_EXPIRED) {
			char note[96];
			int h = conf_inbox_session_hours(x->conf);

			snprintf(note, sizeof(note), "Your session ended after "
			    "%d hour%s unused: sign in again.", h, h == 1 ?
			    "" : "s");
			signin_form(x, note, 0);
		} else
			signin_form(x, NULL, 0);
		return;
	}
	auth_csrf(x->token, x->csrf);
	if (post) {
		/* Every change needs the session's own CSRF token. */
		n = param(form, "csrf", given, sizeof(given));
		if (n < 0 || !auth_csrf_ok(x->token, given, (size_t)n)) {
			message(x, 403, "Refused", "This form did not come "
			    "from this session (its CSRF token is missing or "
			    "wrong). Nothing was done; reload the page and "
			    "try again.");
			return;
		}
		if (strcmp(sub, "/signout") == 0)
			act_signout(x);
		else if (strcmp(sub, "/retry") == 0)
			act_retry(x, form);
		else if (strcmp(sub, "/retry-dead") == 0)
			act_retry_dead(x, form);
		else if (strcmp(sub, "/done") == 0)
			act_done(x, form);
		else
			message(x, 404, "Not found", "There is no such action.");
		return;
	}
	if (strcmp(sub, "") == 0 || strcmp(sub, "/") == 0)
		page_front(x);
	else if (strcmp(sub, "/events") == 0)
		page_events(x);
	else if (strcmp(sub, "/event") == 0)
		page_event(x);
	else if (strcmp(sub, "/refused") == 0)
		page_refused(x);
	else if (strcmp(sub, "/endpoints") == 0)
		page_endpoints(x);
	else
		message(x, 404, "Not found", "There is no such page.");
}

/*
 * Answers one request to the inbox into out (the header block and the
 * page). r was read by req_from_env; a form's body is read here, through
 * rd, at most INBOX_FORM_MAX bytes (rd NULL: the caller has read it into
 * r->body, which it left NULL if it could not). cgi: this process has
 * one thread.
 * Returns 1 when a hook runner is to be started (a retry), else 0.
 */
int
inbox_serve(const struct conf *c, struct request *r, req_reader rd,
    void *rdctx, int cgi, struct buf *out)
{
	struct ibx x;
	struct answer a;
	struct buf err = { 0 };
	unsigned char raw[16];
	const char *cookie;
	int kick;

	memset(&x, 0, sizeof(x));
	memset(&a, 0, sizeof(a));
	x.conf = c;
	x.r = r;
	x.now = time(NULL);
	x.status = 200;
	x.title = "hookbox";
	x.sub = r->path + 1 + sizeof(INBOX_NAME) - 1;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(x.nonce, sizeof(x.nonce), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	if (set_base(&x) == -1) {
		snprintf(x.base, sizeof(x.base), "/" INBOX_NAME);
		message(&x, 404, "Not found", "The script's URL holds "
		    "characters the inbox cannot link to.");
		goto out;
	}
	if ((cookie = req_header(r, "cookie")) != NULL) {
		auth_cookie(cookie, AUTH_COOKIE, x.token);
		auth_cookie(cookie, SIGNIN_COOKIE, x.signin);
	}
	if (r->method != REQ_GET && r->method != REQ_POST) {
		buf_addstr(&x.head, "Allow: GET, POST\r\n");
		message(&x, 405, "Not allowed", "The inbox takes GET and POST.");
		goto out;
	}
	if (r->method == REQ_POST) {
		if ((rd != NULL && req_read_body(r, INBOX_FORM_MAX, rd, rdctx,
		    &a) == -1) || r->body.data == NULL) {
			message(&x, a.outcome == OUT_TOO_LARGE ? 413 : 400,
			    "Not read", "The form was too large or could not "
			    "be read.");
			goto out;
		}
		if (memchr(r->body.data, '\0', r->body.len) != NULL) {
			message(&x, 400, "Not read", "The form holds a NUL "
			    "byte.");
			goto out;
		}
	}
	if ((x.st = store_open(conf_database(c), conf_busy_timeout(c),
	    cgi ? STORE_QUEUE : 0, &err)) == NULL) {
		hb_warnx("inbox: %s", err.data != NULL ? err.data : "store");
		x.token[0] = '\0';
		message(&x, 503, "Unavailable", "The database cannot be opened; "
		    "`hookbox check` says why.");
		goto out;
	}
	switch (auth_password_set(x.st)) {
	case 1:
		route(&x, r->body.data != NULL ? r->body.data : "");
		break;
	case 0:
		x.token[0] = '\0';
		message(&x, 404, "The inbox is off", "The inbox is off until "
		    "its owner sets a password with `hookbox passwd`.");
		break;
	default:
		x.token[0] = '\0';
		message(&x, 503, "Unavailable", "The database cannot be read "
		    "just now; try again in a moment.");
	}
 out:
	if (respond(&x, out) == -1) {
		out->len = 0;
		buf_addstr(out, "Status: 500 Internal Server Error\r\n"
		    "Content-Type: text/plain\r\nCache-Control: no-store\r\n"
		    "\r\nout of memory\n");
	}
	kick = x.kick;
	store_close(x.st);
	sodium_memzero(x.token, sizeof(x.token));
	sodium_memzero(x.signin, sizeof(x.signin));
	buf_free(&x.head);
	buf_free(&x.main);
	buf_free(&err);
	return kick;
}
