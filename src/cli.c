/*
 * The command line: the same binary with a subcommand (README.md, "Look
 * at what arrived", lists them).
 * It only parses arguments and prints: reading commands get their rows
 * from the store's query functions (store_read.c) through a callback,
 * and writing ones go through the store and the runner like a request
 * does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "hookbox.h"

static int
usage(void)
{
	char names[512];

	fprintf(stderr,
"usage: hookbox COMMAND [ARGS]\n"
"  init                    create or upgrade the database\n"
"  migrate --to postgresql://USER@HOST/DB\n"
"                          copy the SQLite database into PostgreSQL\n"
"  check                   validate the config, list endpoints and URLs\n"
"  list [--endpoint E] [--type T] [--since TIME] [--limit N] [--json]\n"
"       [--search TEXT]    (an order or resource id, or text in the body)\n"
"                          stored events, newest first\n"
"  rejects [--limit N] [--json]\n"
"                          refused requests, newest first\n"
"  list --status pending|running|failed|succeeded|dead|done\n"
"                          events by the state of their hook\n"
"  show ID [--raw]         one event, whole, with its hook attempts\n"
"  replay ID               run an event's hook again, now\n"
"  replay --dead [--endpoint E]\n"
"                          run every dead hook again (of one endpoint)\n"
"  done ID                 stop retrying an event's hook: the owner saw to it\n"
"  passwd                  set the inbox's password (<script URL>/_inbox):\n"
"                          one line from stdin, or asked on a terminal\n"
"  passwd --check          exit 0 if the inbox has a password, 1 if not\n"
"  run                     run the hooks that are due (for cron)\n"
"  stats                   counts by endpoint, type and hook state\n"
"  prune [--before DATE] [--endpoint E] [--dry-run]\n"
"                          delete old events (keep_days), say what went\n"
"  notify [--test]         what notices were sent; --test sends one\n"
"  simulate ENDPOINT FILE [--header 'Name: value'] [--get QUERY]\n"
"                          push a saved payload through the receiver,\n"
"                          then run its hook in the foreground\n"
"  version\n"
"Sender text is printed with control bytes escaped (\\x1b for ESC); with\n"
"--raw (show, list, rejects) it is printed as stored, but only to a file\n"
"or a pipe, never to a terminal.\n"
"The config is $HOOKBOX_CONF, else %s.\n"
"Providers: %s.\n", HOOKBOX_DEFAULT_CONF, prov_names(names, sizeof(names), 0));
	return 2;
}

static struct conf *
cli_conf(int check_exec)
{
	struct buf err = { 0 };
	struct conf *c = conf_load_ex(conf_path(), check_exec, &err);

	if (c == NULL)
		fprintf(stderr, "hookbox: config %s:\n%s", conf_path(),
		    err.data != NULL ? err.data : "cannot load\n");
	buf_free(&err);
	return c;
}

static struct store *
cli_store(const struct conf *c)
{
	struct buf err = { 0 };
	struct store *st = store_open(conf_database(c), conf_busy_timeout(c),
	    conf_synchronous_full(c) ? STORE_SYNC_FULL : 0, &err);

	if (st == NULL)
		fprintf(stderr, "hookbox: %s", err.data != NULL ? err.data :
		    "cannot open the database\n");
	buf_free(&err);
	return st;
}

/*
 * Most commands need both: the config, and the database it names.
 * Returns 0, or 1 after saying what is wrong (nothing left open).
 */
static int
cli_open(struct conf **c, struct store **st)
{
	*st = NULL;
	if ((*c = cli_conf(0)) == NULL)
		return 1;
	if ((*st = cli_store(*c)) == NULL) {
		conf_free(*c);
		*c = NULL;
		return 1;
	}
	return 0;
}

static int
num_arg(const char *s, long long min, long long max, const char *what,
    long long *out)
{
	const char *errstr;

	*out = hb_strtonum(s, min, max, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "hookbox: %s %s: %s\n", what, s, errstr);
		return -1;
	}
	return 0;
}

/*
 * --since takes Unix seconds, an ISO-8601 UTC time, a date, or an age
 * such as 30m, 12h or 7d.
 */
static int
since_arg(const char *s, time_t *out)
{
	char tmp[40];
	size_t n = strlen(s);
	long long v;
	const char *errstr;
	int mult = 0;

	if (n > 1 && n < 20) {
		switch (s[n - 1]) {
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		}
	}
	if (mult) {
		memcpy(tmp, s, n - 1);
		tmp[n - 1] = '\0';
		v = hb_strtonum(tmp, 0, 1LL << 31, &errstr);
		if (errstr == NULL) {
			*out = time(NULL) - (time_t)v * mult;
			return 0;
		}
	}
	v = hb_strtonum(s, 0, 1LL << 40, &errstr);
	if (errstr == NULL) {
		*out = (time_t)v;
		return 0;
	}
	if (n == 10) {
		snprintf(tmp, sizeof(tmp), "%sT00:00:00Z", s);
		s = tmp;
	}
	if ((*out = hb_parse_iso8601(s)) != -1)
		return 0;
	fprintf(stderr, "hookbox: --since %s: use seconds, 2025-12-03, "
	    "2025-12-03T12:00:00Z or an age such as 12h or 7d\n", s);
	return -1;
}

/* A stored text as a JSON string; SQL NULL as JSON null. */
static struct json_object *
json_text(struct store_text t)
{
	/* A body or header is a sender's bytes: any bytes. */
	return t.s != NULL ? hb_json_string(t.s, t.len) : NULL;
}

/* Prints one row's JSON object on a line, and frees it. */
static void
print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* A stored text as it is, NULL as "". */
static const char *
str(struct store_text t)
{
	return t.s != NULL ? t.s : "";
}

/* A time that may be missing (0): "-". */
static void
print_time(time_t t, char out[32])
{
	if (t == 0)
		snprintf(out, 32, "-");
	else
		hb_iso8601(out, t);
}

/*
 * Sender text is written for a person at a terminal: set once by --raw
 * (raw_arg), read by tty_text. Global because every printing helper of a
 * command needs it and a command is one run of the program.
 */
static int	 raw_out;

/*
 * --raw: the stored bytes exactly as they came, for a program (od, a
 * file, jq). Refused when stdout is a terminal, where those bytes could
 * retitle the window, clear the screen or forge lines. Returns 0, or -1
 * after saying why (the caller exits 2).
 */
static int
raw_arg(void)
{
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "hookbox: --raw writes a sender's bytes as "
		    "they are, which a terminal would obey: send them to a "
		    "file or a pipe (e.g. | od -c), or leave out --raw\n");
		return -1;
	}
	raw_out = 1;
	return 0;
}

/*
 * Makes n bytes a sender chose safe to show on a terminal, in b (reset
 * first): ASCII control bytes (ESC, BEL, CR, DEL, ...) as hb_escape writes
 * them, and the C1 controls U+0080..U+009F (8-bit CSI and OSC in some
 * terminals) and bytes that are not UTF-8 as \xNN, so that nothing
 * stored can move the cursor, retitle the window or forge a line. Other
 * UTF-8 is kept, for names and text in any language. With keep_lines a
 * newline, a tab and a backslash stay as they are (a body's or an
 * output's lines read as written; its JSON escapes are not doubled), at
 * the cost of "\x1b" typed as text looking like an escaped ESC: --raw
 * tells them apart. Otherwise (one-line fields) a backslash is doubled,
 * so an escape shown is always one that was made here. Under --raw,
 * the bytes as they are. Returns b's text, "" when out of memory.
 */
static const char *
tty_text(struct buf *b, const void *s, size_t n, int keep_lines)
{
	const unsigned char *p = s;
	char tmp[8];
	size_t i = 0, k;
	int rc = 0;

	b->len = 0;
	if (raw_out)
		rc |= buf_add(b, s, n);
	while (!raw_out && i < n) {
		if (p[i] < 0x80) {
			if (keep_lines && (p[i] == '\n' || p[i] == '\t' ||
			    p[i] == '\\'))
				rc |= buf_add(b, p + i, 1);
			else
				rc |= buf_add(b, tmp, hb_escape(tmp,
				    sizeof(tmp), p + i, 1));
			i++;
			continue;
		}
		/* The length its lead byte promises; valid only if whole. */
		k = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
		if (k <= n - i && hb_utf8_prefix((const char *)p + i, k) == k &&
		    !(k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			rc |= buf_add(b, p + i, k);
			i += k;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			rc |= buf_add(b, tmp, 4);
			i++;
		}
	}
	rc |= buf_add(b, "", 0);
	return rc == 0 ? b->data : "";
}

/* tty_text of a stored text on one line (NULL prints as ""). */
static const char *
tty_str(struct buf *b, struct store_text t)
{
	return tty_text(b, str(t), t.len, 0);
}

/* One event of `list`: a line of the table, or a JSON object. */
static int
list_row(void *arg, const struct event_row *r)
{
	const int *json = arg;
	struct buf t[4] = { { 0 } };
	char when[32];
	int k;

	if (*json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64(r->id));
		json_object_object_add(o, "received_at",
		    json_object_new_int64(r->received_at));
		json_object_object_add(o, "endpoint", json_text(r->endpoint));
		json_object_object_add(o, "event_type", json_text(r->type));
		json_object_object_add(o, "event_key", json_text(r->key));
		json_object_object_add(o, "resource_id",
		    json_text(r->resource));
		json_object_object_add(o, "method", json_text(r->method));
		json_object_object_add(o, "remote_addr",
		    json_text(r->remote_addr));
		json_object_object_add(o, "proof", json_text(r->proof));
		json_object_object_add(o, "hook_status",
		    json_text(r->hook_status));
		print_json(o);
		return 0;
	}
	hb_iso8601(when, r->received_at);
	/* The endpoint's name came in a URL; the rest from a body. */
	printf("%-6lld %-20s %-12s %-20s %-10s %-24s %s\n", r->id, when,
	    tty_str(&t[0], r->endpoint), tty_str(&t[1], r->type),
	    r->hook_status.s == NULL ? "-" : r->hook_status.s,
	    tty_str(&t[2], r->key), tty_str(&t[3], r->resource));
	for (k = 0; k < 4; k++)
		buf_free(&t[k]);
	return 0;
}

static int
cmd_list(int argc, char **argv)
{
	struct list_filter f = { .limit = 50 };
	int json = 0, i, rc = 1;
	struct conf *c;
	struct store *st;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--raw") == 0) {
			if (raw_arg() == -1)
				return 2;
		} else if (i + 1 < argc && strcmp(argv[i], "--endpoint") == 0)
			f.endpoint = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--type") == 0)
			f.type = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--status") == 0)
			f.status = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--search") == 0)
			f.text = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--since") == 0) {
			if (since_arg(argv[++i], &f.since) == -1)
				return 2;
		} else if (i + 1 < argc && strcmp(argv[i], "--limit") == 0) {
			if (num_arg(argv[++i], 1, 1000000, "--limit",
			    &f.limit) == -1)
				return 2;
		} else
			return usage();
	}
	if (cli_open(&c, &st) != 0)
		return 1;
	if (!json)
		printf("%-6s %-20s %-12s %-20s %-10s %-24s %s\n", "ID",
		    "RECEIVED", "ENDPOINT", "TYPE", "HOOK", "KEY", "RESOURCE");
	if (store_list(st, &f, list_row, &json) == -1)
		fprintf(stderr, "hookbox: %s\n", store_errmsg(st));
	else
		rc = 0;
	store_close(st);
	conf_free(c);
	return rc;
}

/* What the printers of one event's attempts share. */
struct show_attempts {
	struct buf	 t;
	int		 n;
};

/* One hook attempt of `show`. */
static int
attempt_out(void *arg, const struct attempt_row *a)
{
	struct show_attempts *sa = arg;
	char started[32], finished[32], next[32], ex[16], sig[16];

	if (sa->n++ == 0)
		printf("deliveries:\n");
	print_time(a->started_at, started);
	print_time(a->finished_at, finished);
	print_time(a->next_at, next);
	snprintf(ex, sizeof(ex), a->exit_code < 0 ? "-" : "%d", a->exit_code);
	snprintf(sig, sizeof(sig), a->signal < 0 ? "-" : "%d", a->signal);
	printf("  attempt %d  %-9s hook %s  exit %s  signal %s\n"
	    "    started %s  finished %s  next %s\n",
	    a->attempt, str(a->status), str(a->hook), ex, sig,
	    started, finished, next);
	if (a->error.s != NULL)
		printf("    error: %s\n", tty_str(&sa->t, a->error));
	/* A hook's output may echo the body: sender bytes too. */
	if (*str(a->output) != '\0') {
		const struct buf *t = &sa->t;

		tty_text(&sa->t, a->output.s, a->output.len, 1);
		printf("    output:\n%s%s", t->data != NULL ? t->data : "",
		    t->len > 0 && t->data[t->len - 1] == '\n' ? "" : "\n");
	}
	return 0;
}

static int
queued_out(void *arg, const char *hook)
{
	(void)arg;
	printf("deliveries: none yet (queued for hook %s)\n", hook);
	return 0;
}

/* The hook attempts of one event, oldest first. */
static int
show_deliveries(struct store *st, long long id)
{
	struct show_attempts sa = { { 0 }, 0 };
	int n;

	n = store_attempts(st, id, attempt_out, &sa);
	buf_free(&sa.t);
	if (n != 0)
		return n < 0 ? 1 : 0;
	/* Not dispatched yet: a runner gives it its first delivery. */
	if ((n = store_queued_hook(st, id, queued_out, NULL)) == 0)
		printf("deliveries: none (no hook matched when it arrived)\n");
	return n < 0 ? 1 : 0;
}

/* One line of `show`: a field of sender text, which cannot forge a line. */
static void
show_field(struct buf *t, const char *name, struct store_text v)
{
	printf("%-13s %s\n", name, tty_str(t, v));
}

static int
show_event(void *arg, const struct event_detail *e)
{
	struct buf *t = arg;
	char when[32];

	printf("%-13s %lld\n", "id", e->id);
	show_field(t, "endpoint", e->endpoint);
	show_field(t, "provider", e->provider);
	show_field(t, "event_type", e->type);
	show_field(t, "event_key", e->key);
	show_field(t, "resource_id", e->resource);
	hb_iso8601(when, e->received_at);
	printf("%-13s %s\n", "received_at", when);
	show_field(t, "method", e->method);
	show_field(t, "query", e->query);
	show_field(t, "content_type", e->content_type);
	show_field(t, "remote_addr", e->remote_addr);
	show_field(t, "proof", e->proof);
	show_field(t, "headers", e->headers);
	printf("body (%zu bytes):\n", e->body.len);
	/* Its lines stay lines for a person; under --raw, its exact bytes. */
	if (e->body.len > 0) {
		tty_text(t, e->body.s, e->body.len, 1);
		if (t->data != NULL)
			fwrite(t->data, 1, t->len, stdout);
	}
	putchar('\n');
	return 0;
}

static int
cmd_show(int argc, char **argv)
{
	const char *arg = NULL;
	long long id;
	struct conf *c;
	struct store *st;
	struct buf t = { 0 };
	int rc = 1, i, n;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--raw") == 0) {
			if (raw_arg() == -1)
				return 2;
		} else if (arg == NULL)
			arg = argv[i];
		else
			return usage();
	}
	if (arg == NULL)
		return usage();
	if (num_arg(arg, 1, 1LL << 62, "event id", &id) == -1)
		return 2;
	if (cli_open(&c, &st) != 0)
		return 1;
	if ((n = store_event_detail(st, id, show_event, &t)) == -1)
		fprintf(stderr, "hookbox: %s\n", store_errmsg(st));
	else if (n == 0)
		fprintf(stderr, "hookbox: no event %lld\n", id);
	else
		rc = show_deliveries(st, id);
	buf_free(&t);
	store_close(st);
	conf_free(c);
	return rc;
}

/* One refusal of `rejects`: two lines of the table, or a JSON object. */
static int
reject_out(void *arg, const struct reject_row *r)
{
	const int *json = arg;
	struct buf t[4] = { { 0 } };
	char when[32];
	int k;

	if (*json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64(r->id));
		json_object_object_add(o, "received_at",
		    json_object_new_int64(r->received_at));
		json_object_object_add(o, "status",
		    json_object_new_int64(r->status));
		json_object_object_add(o, "endpoint", json_text(r->endpoint));
		json_object_object_add(o, "remote_addr",
		    json_text(r->remote_addr));
		json_object_object_add(o, "reason", json_text(r->reason));
		json_object_object_add(o, "body_head", json_text(r->body_head));
		json_object_object_add(o, "count",
		    json_object_new_int64(r->count));
		print_json(o);
		return 0;
	}
	hb_iso8601(when, r->received_at);
	/* The body's first bytes on one line: its newlines escaped. */
	tty_text(&t[3], r->body_head.s, r->body_head.len, 0);
	/* One row stands for each refusal of its cause that second. */
	printf("%-6lld %-20s %-4d %-12s %-16s %s (%lld)\n       %s\n",
	    r->id, when, r->status, tty_str(&t[0], r->endpoint),
	    tty_str(&t[1], r->remote_addr), tty_str(&t[2], r->reason),
	    r->count, t[3].data != NULL ? t[3].data : "");
	for (k = 0; k < 4; k++)
		buf_free(&t[k]);
	return 0;
}

static int
cmd_rejects(int argc, char **argv)
{
	long long limit = 50;
	int json = 0, i, rc = 1;
	struct conf *c;
	struct store *st;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--raw") == 0) {
			if (raw_arg() == -1)
				return 2;
		} else if (i + 1 < argc && strcmp(argv[i], "--limit") == 0) {
			if (num_arg(argv[++i], 1, 1000000, "--limit",
			    &limit) == -1)
				return 2;
		} else
			return usage();
	}
	if (cli_open(&c, &st) != 0)
		return 1;
	if (!json)
		printf("%-6s %-20s %-4s %-12s %-16s %s\n", "ID", "RECEIVED",
		    "CODE", "ENDPOINT", "FROM", "REASON (TIMES) / BODY");
	if (store_rejects(st, limit, reject_out, &json) >= 0)
		rc = 0;
	store_close(st);
	conf_free(c);
	return rc;
}

/* Loose permissions on a file holding secrets or orders. */
static void
warn_mode(const char *what, const char *path, int *warnings)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && (sb.st_mode & 077) != 0) {
		printf("warning: %s %s can be read by other users (mode %03o);"
		    " run: chmod 600 %s\n", what, path, sb.st_mode & 0777,
		    path);
		(*warnings)++;
	}
}

/*
 * `check`'s lines on notices and retention: where notices go, their
 * window and thresholds; keep_days per endpoint and prune_interval.
 * Warns when notices go nowhere (a dead hook would go unnoticed) or the
 * sendmail program is not there to run.
 */
static void
check_upkeep(const struct conf *c, int *warnings)
{
	const struct notify_conf *n = conf_notify(c);
	struct buf t = { 0 };
	struct stat sb;
	size_t i;

	if (n == NULL) {
		printf("warning: no \"notify\" in the config: a dead hook, "
		    "refused requests or a failing store go unnoticed; add "
		    "\"notify\": {\"email\": \"you@example.com\"} (README "
		    "\"Notifications and retention\")\n");
		(*warnings)++;
	} else {
		printf("notify:");
		if (n->email != NULL) {
			printf(" mail to %s", tty_text(&t, n->email,
			    strlen(n->email), 0));
			printf(" through %s;", tty_text(&t, n->sendmail,
			    strlen(n->sendmail), 0));
		}
		if (n->run.argv != NULL)
			printf(" script %s;", tty_text(&t, n->run.argv[0],
			    strlen(n->run.argv[0]), 0));
		printf(" timeout %d s, window %d s, failures %d, refused %d\n",
		    n->run.timeout, n->window, n->failures, n->refused);
		if (n->email != NULL && (stat(n->sendmail, &sb) == -1 ||
		    !S_ISREG(sb.st_mode) || access(n->sendmail, X_OK) == -1 ||
		    (sb.st_mode & 0111) == 0)) {
			printf("warning: notify.sendmail %s %s: notices by mail "
			    "will fail\n", tty_text(&t, n->sendmail,
			    strlen(n->sendmail), 0), stat(n->sendmail, &sb) ==
			    -1 ? "does not exist" : "is not an executable file");
			(*warnings)++;
		}
	}
	printf("retention: keep_days");
	for (i = 0; i < conf_nendpoints(c); i++) {
		const struct endpoint *ep = conf_endpoint_at(c, i);

		printf(" %s %d%s", tty_text(&t, ep->name, strlen(ep->name), 0),
		    ep->keep_days, i + 1 < conf_nendpoints(c) ? "," : "");
	}
	printf("%s (0 keeps all), prune_interval %d s\n",
	    conf_nendpoints(c) == 0 ? " (no endpoint)" : "",
	    conf_prune_interval(c));
	buf_free(&t);
}

static int
cmd_check(int argc, char **argv)
{
	struct conf *c;
	struct store *st;
	struct buf err = { 0 };
	const char *kind;
	char where[256];
	size_t i;
	int warnings = 0, errors = 0;

	(void)argv;
	if (argc != 1)
		return usage();

	if ((c = cli_conf(1)) == NULL)
		return 1;
	printf("config %s: ok\n", conf_file(c));
	warn_mode("the config", conf_file(c), &warnings);
	for (i = 0; i < conf_nendpoints(c); i++) {
		const struct endpoint *ep = conf_endpoint_at(c, i);
		size_t h;

		printf("endpoint %s (%s): <script URL>/%s%s%s\n", ep->name,
		    ep->provider->name, ep->name, ep->token ? "/" : "",
		    ep->token ? ep->token : "");
		for (h = 0; h < ep->nhooks; h++)
			printf("  hook %s -> %s\n", ep->hooks[h].pattern,
			    ep->hooks[h].argv[0]);
		if (ep->token != NULL && strlen(ep->token) < MIN_TOKEN_LEN) {
			printf("warning: endpoint %s: the token is shorter "
			    "than %d characters; use a long random one\n",
			    ep->name, MIN_TOKEN_LEN);
			warnings++;
		}
		if (ep->secret != NULL && ep->scheme != NULL) {
			unsigned char kb[STD_SECRET_MAX];
			size_t klen = 0;

			if (scheme_key(ep->scheme, ep->secret, kb, &klen) !=
			    NULL && klen < MIN_SECRET_LEN) {
				printf("warning: endpoint %s: the secret is "
				    "%zu bytes, shorter than %d; if the "
				    "platform lets you choose it, use a long "
				    "random one\n", ep->name, klen,
				    MIN_SECRET_LEN);
				warnings++;
			}
			sodium_memzero(kb, sizeof(kb));
		}
		/* The config refuses an open endpoint unless it says so. */
		if (ep->proof_none) {
			printf("warning: endpoint %s has \"proof\": \"none\": "
			    "anyone who learns its URL (from a log, a referrer, "
			    "a shared screenshot) can store events in it and "
			    "run its hooks; add a long random \"token\" unless "
			    "that is what you want\n", ep->name);
			warnings++;
		}
	}
	check_upkeep(c, &warnings);
	/* A URI's password is never printed: store_where leaves it out. */
	store_where(conf_database(c), where, sizeof(where));
	kind = store_is_pg(conf_database(c)) ? "PostgreSQL" : "SQLite";
	if ((st = cli_store(c)) == NULL) {
		printf("database %s (%s): cannot be reached\n", where, kind);
		errors++;
	} else if (store_check(st, &err) == -1) {
		printf("%s", err.data);
		errors++;
	} else
		printf("database %s (%s): ok\n", where, kind);
	if (!store_is_pg(conf_database(c)))
		warn_mode("the database", conf_database(c), &warnings);
	store_close(st);
	buf_free(&err);
	conf_free(c);
	printf("%d error(s), %d warning(s)\n", errors, warnings);
	return errors ? 1 : 0;
}

static int
cmd_init(int argc, char **argv)
{
	struct conf *c;
	struct buf err = { 0 };
	char where[256];
	int rc = 0;

	(void)argv;
	if (argc != 1)
		return usage();

	umask(077);
	if ((c = cli_conf(0)) == NULL)
		return 1;
	store_where(conf_database(c), where, sizeof(where));
	if (store_init(conf_database(c), &err) == -1) {
		fprintf(stderr, "hookbox: %s", err.data);
		rc = 1;
	} else
		printf("database %s: ready\n", where);
	buf_free(&err);
	conf_free(c);
	return rc;
}

/*
 * `migrate --to URI`: the config's SQLite file into PostgreSQL
 * (migrate.c). The config still names the file until the owner points
 * it at the new database.
 */
static int
cmd_migrate(int argc, char **argv)
{
	struct conf *c;
	struct buf err = { 0 };
	int rc;

	if (argc != 3 || strcmp(argv[1], "--to") != 0)
		return usage();
	if ((c = cli_conf(0)) == NULL)
		return 1;
	rc = store_migrate(conf_database(c), argv[2], conf_busy_timeout(c),
	    stdout, &err);
	if (rc == -1)
		fprintf(stderr, "hookbox: migrate: %s", err.data != NULL ?
		    err.data : "failed\n");
	buf_free(&err);
	conf_free(c);
	return rc == -1 ? 1 : 0;
}

/*
 * `simulate ENDPOINT FILE`: builds the CGI meta-variables a web server
 * would, with the endpoint's token in the path and, for signing
 * presets, a valid signature made with the configured secret, then runs
 * the same serve() as a real request and prints the answer.
 */
struct sim_reader {
	const char	*data;
	size_t		 len, off;
};

static long
sim_read(void *ctx, char *buf, size_t n)
{
	struct sim_reader *s = ctx;

	if (n > s->len - s->off)
		n = s->len - s->off;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (long)n;
}

static int
read_input(const char *path, struct buf *out)
{
	char chunk[8192];
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "hookbox: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (out->len + n > MAX_BODY_CEILING ||
		    buf_add(out, chunk, n) == -1) {
			fprintf(stderr, "hookbox: %s: too large\n", path);
			if (f != stdin)
				fclose(f);
			return -1;
		}
	if (f != stdin)
		fclose(f);
	return buf_add(out, "", 0);
}

static int env_add(char **, size_t *, size_t, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends one NAME=value string to a NULL-terminated environment. */
static int
env_add(char **env, size_t *n, size_t max, const char *fmt, ...)
{
	struct buf v = { 0 };
	va_list ap;
	int rc;

	if (*n + 1 >= max)
		return -1;
	va_start(ap, fmt);
	rc = buf_vprintf(&v, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return -1;
	env[(*n)++] = v.data;
	env[*n] = NULL;
	return 0;
}

/* "X-Custom-Thing: v" becomes HTTP_X_CUSTOM_THING=v, as servers do. */
static int
env_header(char **env, size_t *n, size_t max, const char *h)
{
	const char *colon = strchr(h, ':');
	char name[HEADER_NAME_SIZE];
	size_t i, len;

	if (colon == NULL || (len = (size_t)(colon - h)) == 0 ||
	    len >= sizeof(name) - 6) {
		fprintf(stderr, "hookbox: --header wants 'Name: value'\n");
		return -1;
	}
	for (i = 0; i < len; i++)
		name[i] = h[i] == '-' ? '_' : (char)toupper((unsigned char)h[i]);
	name[len] = '\0';
	colon++;
	while (*colon == ' ')
		colon++;
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return env_add(env, n, max, "%s=%s", name, colon);
	return env_add(env, n, max, "HTTP_%s=%s", name, colon);
}

/*
 * `run --linger` is how the receiver starts a runner (hooks_kick). The
 * runner's own bookkeeping (claims, results) is written without waiting
 * for the disk: after a power cut a hook may run once more, which hooks
 * must bear anyway (delivery is at least once), and the receivers' events
 * keep their own durable commits.
 */
static int
cmd_run(int argc, char **argv)
{
	struct buf err = { 0 };
	struct conf *c;
	struct store *st;
	int n, linger;

	if (argc == 1)
		linger = 0;
	else if (argc == 2 && strcmp(argv[1], "--linger") == 0)
		linger = 1;
	else
		return usage();
	if ((c = cli_conf(0)) == NULL)
		return 1;
	if ((st = store_open(conf_database(c), conf_busy_timeout(c),
	    STORE_QUEUE, &err)) == NULL) {
		fprintf(stderr, "hookbox: %s", err.data != NULL ? err.data :
		    "cannot open the database\n");
		buf_free(&err);
		upkeep_run(c, NULL, 1);	/* the store's notice, if due */
		conf_free(c);
		return 1;
	}
	n = hooks_run(c, st, linger);
	/* Notices and pruning (notify.c): the runner's too, cron's here. */
	if (!linger && n >= 0)
		upkeep_run(c, st, 1);
	store_close(st);
	conf_free(c);
	return n < 0 ? 1 : 0;
}

/* What `replay` looks up: the hook the config has for the event now. */
struct replay_pick {
	const struct conf *c;
	const struct hook *h;
};

static int
replay_pick(void *arg, const char *endpoint, const char *type)
{
	struct replay_pick *rp = arg;
	const struct endpoint *ep;

	if ((ep = conf_endpoint(rp->c, endpoint)) != NULL)
		rp->h = conf_match_hook(ep, type);
	if (rp->h == NULL)
		fprintf(stderr, "hookbox: no hook in the config matches %s on "
		    "endpoint %s\n", type, endpoint);
	return 0;
}

/*
 * Queues one event's hook again (store_replay): the hook the config has
 * for it now. Returns 0 when it is due, 1 after saying why not.
 */
static int
replay_one(const struct conf *c, struct store *st, long long id)
{
	struct replay_pick rp = { c, NULL };
	int n;

	if ((n = store_event_type(st, id, replay_pick, &rp)) == -1) {
		fprintf(stderr, "hookbox: %s\n", store_errmsg(st));
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "hookbox: no event %lld\n", id);
		return 1;
	}
	if (rp.h == NULL)
		return 1;
	switch (store_replay(st, id, rp.h->pattern, time(NULL))) {
	case REPLAY_DUE:
		return 0;
	case REPLAY_RUNNING:
		fprintf(stderr, "hookbox: event %lld's hook is running now\n",
		    id);
		return 1;
	default:
		fprintf(stderr, "hookbox: cannot queue event %lld\n", id);
		return 1;
	}
}

/* The dead events `replay --dead` replays, gathered first. */
struct dead_list {
	long long	*ids;
	size_t		 n, cap;
};

static int
dead_add(void *arg, long long id)
{
	struct dead_list *d = arg;

	if (d->n == d->cap)
		return 1;
	d->ids[d->n++] = id;
	return 0;
}

#define REPLAY_DEAD_MAX	100000	/* events one `replay --dead` queues */

static int
cmd_replay(int argc, char **argv)
{
	struct dead_list d = { NULL, 0, REPLAY_DEAD_MAX };
	const char *endpoint = NULL;
	struct conf *c;
	struct store *st = NULL;
	long long id = 0;
	size_t i, queued = 0;
	int rc = 1, dead = 0, k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--dead") == 0)
			dead = 1;
		else if (k + 1 < argc && strcmp(argv[k], "--endpoint") == 0)
			endpoint = argv[++k];
		else if (id == 0 && argv[k][0] != '-') {
			if (num_arg(argv[k], 1, 1LL << 62, "event id",
			    &id) == -1)
				return 2;
		} else
			return usage();
	}
	if (dead == (id != 0) || (endpoint != NULL && !dead))
		return usage();
	if (cli_open(&c, &st) != 0)
		return 1;
	if (!dead) {
		if (replay_one(c, st, id) == 0)
			rc = hooks_run(c, st, 0) < 0;
		goto out;
	}
	if (endpoint != NULL && conf_endpoint(c, endpoint) == NULL) {
		fprintf(stderr, "hookbox: no endpoint %s in %s\n", endpoint,
		    conf_file(c));
		goto out;
	}
	if ((d.ids = calloc(d.cap, sizeof(*d.ids))) == NULL ||
	    store_dead_events(st, endpoint, (long long)d.cap, dead_add,
	    &d) == -1) {
		fprintf(stderr, "hookbox: %s\n", d.ids == NULL ?
		    "out of memory" : store_errmsg(st));
		goto out;
	}
	rc = 0;
	for (i = 0; i < d.n; i++)
		if (replay_one(c, st, d.ids[i]) == 0)
			queued++;
		else
			rc = 1;
	printf("%zu dead hook(s) queued again\n", queued);
	if (queued > 0 && hooks_run(c, st, 0) < 0)
		rc = 1;
 out:
	free(d.ids);
	store_close(st);
	conf_free(c);
	return rc;
}

/* `done ID`: the inbox's Mark done. */
static int
cmd_done(int argc, char **argv)
{
	struct conf *c;
	struct store *st;
	long long id;
	int rc = 1;

	if (argc != 2)
		return usage();
	if (num_arg(argv[1], 1, 1LL << 62, "event id", &id) == -1)
		return 2;
	if (cli_open(&c, &st) != 0)
		return 1;
	switch (store_mark_done(st, id, time(NULL))) {
	case DONE_OK:
		printf("event %lld: marked done, its hook is not retried\n",
		    id);
		rc = 0;
		break;
	case DONE_NOTHING:
		printf("event %lld: nothing to stop (its hook succeeded, is "
		    "already done, or it has none)\n", id);
		rc = 0;
		break;
	case DONE_RUNNING:
		fprintf(stderr, "hookbox: event %lld's hook is running now\n",
		    id);
		break;
	default:
		fprintf(stderr, "hookbox: cannot mark event %lld\n", id);
	}
	store_close(st);
	conf_free(c);
	return rc;
}

/*
 * One line of a password: from a terminal with echo off (asked twice),
 * else stdin's first line. Returns its length, or -1 after saying why.
 */
static long
read_password(char *pw, size_t size)
{
	struct termios old, quiet;
	char again[PASSWORD_MAX + 2];
	int tty = isatty(0);
	size_t n;

	if (tty) {
		if (tcgetattr(0, &old) == -1)
			tty = 0;
		else {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			quiet.c_lflag |= ECHONL;
			tcsetattr(0, TCSAFLUSH, &quiet);
			fprintf(stderr, "New inbox password: ");
		}
	}
	if (fgets(pw, (int)size, stdin) == NULL)
		pw[0] = '\0';
	if (tty) {
		fprintf(stderr, "Again: ");
		if (fgets(again, sizeof(again), stdin) == NULL)
			again[0] = '\0';
		tcsetattr(0, TCSAFLUSH, &old);
		if (strcmp(pw, again) != 0) {
			sodium_memzero(again, sizeof(again));
			fprintf(stderr, "hookbox: the two passwords differ\n");
			return -1;
		}
		sodium_memzero(again, sizeof(again));
	}
	n = strlen(pw);
	if (n > 0 && pw[n - 1] != '\n' && !feof(stdin)) {
		fprintf(stderr, "hookbox: a password is at most %d bytes\n",
		    PASSWORD_MAX);
		return -1;
	}
	while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
		pw[--n] = '\0';
	return (long)n;
}

/* `passwd`: the inbox's password, kept as an Argon2id hash. */
static int
cmd_passwd(int argc, char **argv)
{
	char pw[PASSWORD_MAX + 2];
	struct buf err = { 0 };
	struct conf *c;
	struct store *st;
	long n;
	int rc = 1;

	/* --check: exit 0 when a password is set (install.sh asks). */
	if (argc == 2 && strcmp(argv[1], "--check") == 0) {
		if (cli_open(&c, &st) != 0)
			return 2;
		n = auth_password_set(st);
		store_close(st);
		conf_free(c);
		return n == 1 ? 0 : n == 0 ? 1 : 2;
	}
	if (argc != 1)
		return usage();
	if ((n = read_password(pw, sizeof(pw))) < 0)
		return 1;
	if (cli_open(&c, &st) != 0) {
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	if (auth_set_password(st, pw, (size_t)n, &err) == -1)
		fprintf(stderr, "hookbox: %s", err.data);
	else {
		printf("inbox password set: sign in at <script URL>/%s "
		    "(every session was signed out)\n", INBOX_NAME);
		rc = 0;
	}
	sodium_memzero(pw, sizeof(pw));
	buf_free(&err);
	store_close(st);
	conf_free(c);
	return rc;
}

static int
count_out(void *arg, const struct count_row *r)
{
	struct buf *t = arg;

	printf("  %-14s %-24s %-10s %lld\n", tty_str(&t[0], r->endpoint),
	    tty_str(&t[1], r->name), str(r->state), r->n);
	return 0;
}

static int
print_counts(struct store *st, const char *title, enum store_count what)
{
	struct buf t[2] = { { 0 } };
	int n;

	printf("%s\n", title);
	n = store_counts(st, what, count_out, t);
	buf_free(&t[0]);
	buf_free(&t[1]);
	return n < 0 ? 1 : 0;
}

/* Events by endpoint and type; hooks by the state of each event's newest attempt. */
static int
cmd_stats(int argc, char **argv)
{
	struct conf *c;
	struct store *st;
	int rc;

	(void)argv;
	if (argc != 1)
		return usage();

	if (cli_open(&c, &st) != 0)
		return 1;
	/* One section a call: C leaves the order of a | b open. */
	rc = print_counts(st, "events (endpoint, type, -, count):",
	    COUNT_EVENTS);
	rc |= print_counts(st, "hooks (endpoint, type, state, events):",
	    COUNT_HOOKS);
	rc |= print_counts(st, "attempts (endpoint, hook, status, count):",
	    COUNT_ATTEMPTS);
	store_close(st);
	conf_free(c);
	return rc;
}

#define SIM_ENV	(MAX_HEADERS + 16)

/* One `simulate`: its arguments, then the request it builds. */
struct sim {
	const char	*endpoint, *file, *get;
	const char	*headers[MAX_HEADERS];
	size_t		 nh;
	long long	 now;		/* --now, else 0 */
	int		 unsigned_;	/* --unsigned */
	char		*env[SIM_ENV + 1];
	size_t		 n;
	struct buf	 body;
};

/* Returns 0, or usage()'s 2 after saying how to call it. */
static int
sim_args(int argc, char **argv, struct sim *s)
{
	int k;

	if (argc < 2)
		return usage();
	s->endpoint = argv[1];
	for (k = 2; k < argc; k++) {
		if (k + 1 < argc && strcmp(argv[k], "--header") == 0) {
			if (s->nh == MAX_HEADERS)
				return usage();
			s->headers[s->nh++] = argv[++k];
		} else if (k + 1 < argc && strcmp(argv[k], "--get") == 0)
			s->get = argv[++k];
		else if (k + 1 < argc && strcmp(argv[k], "--now") == 0) {
			if (num_arg(argv[++k], 1, 1LL << 40, "--now",
			    &s->now) == -1)
				return 2;
		} else if (strcmp(argv[k], "--unsigned") == 0)
			s->unsigned_ = 1;
		else if (s->file == NULL && argv[k][0] != '-')
			s->file = argv[k];
		else if (s->file == NULL && strcmp(argv[k], "-") == 0)
			s->file = argv[k];
		else
			return usage();
	}
	if (s->file == NULL && s->get == NULL)
		return usage();
	return 0;
}

/*
 * The body from FILE (or stdin). A saved Quickbutik signal (a .query
 * file) is a query string: it is sent as a GET, with no body.
 */
static int
sim_body(struct sim *s)
{
	size_t n;

	if (s->file == NULL)
		return 0;
	if (read_input(s->file, &s->body) == -1)
		return -1;
	n = strlen(s->file);
	if (s->get == NULL && n > 6 && strcmp(s->file + n - 6, ".query") == 0) {
		s->get = s->body.data;
		s->body.len = 0;
	}
	return 0;
}

/*
 * The CGI meta-variables a web server would set, with the endpoint's own
 * token in the path (the owner runs this), then the --header ones.
 */
static int
sim_env(struct sim *s, const struct endpoint *ep)
{
	struct buf len = { 0 }, path = { 0 };
	size_t i;
	int rc = -1;

	if (buf_printf(&len, "%zu", s->body.len) == -1 ||
	    buf_printf(&path, "%s%s", ep->token != NULL ? "/" : "",
	    ep->token != NULL ? ep->token : "") == -1)
		goto out;
	if (env_add(s->env, &s->n, SIM_ENV, "GATEWAY_INTERFACE=%s%s",
	    "CGI/1.1", "")
	    || env_add(s->env, &s->n, SIM_ENV, "REQUEST_METHOD=%s%s",
	    s->get != NULL && s->body.len == 0 ? "GET" : "POST", "")
	    || env_add(s->env, &s->n, SIM_ENV, "PATH_INFO=/%s%s", ep->name,
	    path.data)
	    || env_add(s->env, &s->n, SIM_ENV, "QUERY_STRING=%s%s",
	    s->get != NULL ? s->get : "", "")
	    || env_add(s->env, &s->n, SIM_ENV, "REMOTE_ADDR=%s%s", "simulate",
	    "")
	    || env_add(s->env, &s->n, SIM_ENV, "CONTENT_LENGTH=%s%s", len.data,
	    ""))
		goto out;
	for (i = 0; i < s->nh; i++)
		if (env_header(s->env, &s->n, SIM_ENV, s->headers[i]) == -1)
			goto out;
	if (s->body.len > 0 && env_add(s->env, &s->n, SIM_ENV,
	    "CONTENT_TYPE=%s%s", "application/json", "") == -1)
		goto out;
	rc = 0;
 out:
	buf_free(&len);
	buf_free(&path);
	return rc;
}

/*
 * The headers that prove the request, made by the endpoint's provider
 * with the configured secret (its row's sign), as its platform would.
 */
static int
sim_sign(struct sim *s, const struct endpoint *ep, time_t now)
{
	struct buf h = { 0 }, why = { 0 };
	char *line, *next;
	int rc = 0;

	if (s->unsigned_ || ep->provider->sign == NULL)
		return 0;
	if (ep->provider->sign(ep, s->body.data, s->body.len, now, &h,
	    &why) == -1) {
		fprintf(stderr, "hookbox: simulate cannot sign for endpoint "
		    "%s: %s\n", ep->name, why.data != NULL ? why.data : "");
		rc = -1;
	}
	for (line = h.data; rc == 0 && line != NULL && *line != '\0';
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		rc = env_header(s->env, &s->n, SIM_ENV, line);
	}
	buf_free(&h);
	buf_free(&why);
	return rc;
}

/*
 * The request through the same serve() as a real one; prints the answer,
 * then runs the hook it is due, here and now (the owner is trying a
 * hook script). Returns the exit status: 0 for a 2xx.
 */
static int
sim_serve(struct serve_ctx *ctx, struct sim *s)
{
	struct sim_reader rd = { 0 };
	struct buf out = { 0 };
	struct request r;
	struct answer a;

	memset(&a, 0, sizeof(a));
	req_from_env(&r, s->env, &a);
	rd.data = s->body.data;
	rd.len = s->body.len;
	serve(ctx, &r, sim_read, &rd, &a);
	answer_format(&a, &out, 0);
	printf("%d %s", answer_status(a.outcome), out.data);
	fflush(stdout);
	req_free(&r);
	buf_free(&out);
	if (a.hooks_due && ctx->store != NULL)
		hooks_run(ctx->conf, ctx->store, 0);
	return answer_status(a.outcome) / 100 == 2 ? 0 : 1;
}

static int
cmd_simulate(int argc, char **argv)
{
	struct serve_ctx ctx = { 0 };
	struct sim s;
	const struct endpoint *ep;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = sim_args(argc, argv, &s)) != 0)
		return rc;
	if ((ctx.conf = cli_conf(0)) == NULL)
		return 1;
	rc = 2;
	if ((ep = conf_endpoint(ctx.conf, s.endpoint)) == NULL) {
		fprintf(stderr, "hookbox: no endpoint %s in %s\n", s.endpoint,
		    conf_file(ctx.conf));
		goto out;
	}
	ctx.now = s.now ? (time_t)s.now : time(NULL);
	if (sim_body(&s) == -1 || sim_env(&s, ep) == -1 ||
	    sim_sign(&s, ep, ctx.now) == -1)
		goto out;
	rc = sim_serve(&ctx, &s);
 out:
	for (i = 0; i < s.n; i++)
		free(s.env[i]);
	buf_free(&s.body);
	store_close(ctx.store);
	conf_free((struct conf *)ctx.conf);
	return rc;
}

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("hookbox %s\n", HOOKBOX_VERSION);
	return 0;
}

/* Each takes its own name as argv[0], as a program would. */
static const struct command {
	const char	*name;
	int		(*run)(int, char **);
} commands[] = {
	{ "init", cmd_init },
	{ "migrate", cmd_migrate },
	{ "check", cmd_check },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "rejects", cmd_rejects },
	{ "simulate", cmd_simulate },
	{ "run", cmd_run },
	{ "replay", cmd_replay },
	{ "done", cmd_done },
	{ "passwd", cmd_passwd },
	{ "stats", cmd_stats },
	{ "prune", cli_prune },
	{ "notify", cli_notify },
	{ "version", cmd_version },
	{ "--version", cmd_version },
};

int
cli_main(int argc, char **argv)
{
	const char *cmd;
	size_t i;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argc--;
	argv++;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc, argv);
	return usage();
}
