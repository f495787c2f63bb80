/*
 * Notices to the owner (README "Notifications and retention"), and the
 * upkeep that sends them and prunes: no daemon and no cron. A request
 * that finds the upkeep due (upkeep_due, one small read beside
 * hooks_due's) starts the runner, which runs upkeep_run after its hooks;
 * `hookbox run` from cron does too. One process at a time holds the
 * upkeep's lease (table upkeep), so CGI processes and runners share
 * what was sent when.
 *
 * Causes: a hook turned dead; an event's hook failed notify.failures
 * times in a row; an endpoint's refusals jumped; the store failed (503s
 * answered); an endpoint with quiet_after went quiet. Each cause sends
 * at most one message per notify.window: a digest of all that happened
 * since. A message goes through sendmail and/or the owner's script, both
 * run like a hook (hooks_exec: scrubbed environment, timeout). One that
 * fails is recorded and tried again later; it never holds up a receiver
 * (the runner sends, after answering) or a hook (other runners claim).
 *
 * Everything a sender chose (event type, resource id, a hook's output)
 * reaches a message escaped (mail_field): valid UTF-8, control bytes as
 * \xNN, so no line and no header can be forged, and cut short. Subjects
 * hold only hookbox's words and numbers. Never a body, never a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hookbox.h"
#include "upkeep.h"

#define UPKEEP_EVERY	300	/* seconds between looks when nothing is due */
#define UPKEEP_SLACK	60	/* seconds a lease outlives its sends */
#define NOTIFY_RETRY	300	/* a failed message is tried again after this,
				   doubling, at most the window */
#define SETTLE		5	/* seconds without a new notice before a
				   digest goes: a storm makes one message */
#define SETTLE_MAX	60	/* but no longer than this */
#define DIGEST_MAX	50	/* events or endpoints one message lists */
#define FIELD_MAX	200	/* bytes of one escaped field */
#define STORE_LOG_MAX	65536	/* <database>.store-failed stops growing */
#define STORE_KICK_SECS	60	/* a failing receiver starts a runner this
				   often at most */
#define STORE_LINES	10	/* of <database>.store-failed, in a message */

/* One message being made. */
struct message {
	const char	*cause;		/* dead, failing, refused, store, quiet,
					   test */
	struct buf	 subject;
	struct buf	 text;
	struct json_object *json;	/* what the notify script reads */
	struct json_object *items;	/* its "events" or "endpoints" */
	long long	 total;
};

/*
 * s[0..len) for a message: valid UTF-8 (hb_utf8_fix), control bytes
 * escaped (hb_escape: a CR or LF becomes "\r" or "\n", so nothing a
 * sender wrote can start a line or a header), at most FIELD_MAX bytes.
 */
static void
mail_field(struct buf *out, const char *s, size_t len)
{
	struct buf fixed = { 0 };
	char esc[FIELD_MAX + 1];

	if (s == NULL) {
		buf_addstr(out, "-");
		return;
	}
	if (len > 4 * FIELD_MAX)
		len = 4 * FIELD_MAX;
	if (hb_utf8_fix(&fixed, s, len) == -1) {
		buf_free(&fixed);
		buf_addstr(out, "?");
		return;
	}
	hb_escape(esc, sizeof(esc), fixed.data != NULL ? fixed.data : "",
	    fixed.len);
	/* A cut may split a UTF-8 sequence: keep the whole ones. */
	buf_add(out, esc, hb_utf8_prefix(esc, strlen(esc)));
	buf_free(&fixed);
}

/* The same, as a JSON string member of o. */
static void
json_field(struct json_object *o, const char *key, const char *s, size_t len)
{
	struct buf b = { 0 };

	mail_field(&b, s, len);
	json_object_object_add(o, key, json_object_new_string(b.data != NULL ?
	    b.data : ""));
	buf_free(&b);
}

/* The last line of a hook's output that has something on it. */
static void
last_line(const struct store_text *t, const char **s, size_t *len)
{
	const char *p = t->s, *end;

	*s = NULL;
	*len = 0;
	if (p == NULL)
		return;
	end = p + t->len;
	while (end > p && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*s = end;
	while (*s > p && (*s)[-1] != '\n')
		(*s)--;
	*len = (size_t)(end - *s);
}

/* A word for the shell: the path in single quotes when it needs them. */
static void
shell_word(struct buf *b, const char *s)
{
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._-+=:@") == strlen(s)) {
		buf_addstr(b, s);
		return;
	}
	buf_addstr(b, "'");
	for (; *s; s++)
		if (*s == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_add(b, s, 1);
	buf_addstr(b, "'");
}

/* "HOOKBOX_CONF=/path/conf /path/hookbox.fcgi" for the messages. */
static void
command_prefix(const struct conf *c, struct buf *b)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		snprintf(exe, sizeof(exe), "hookbox");
	else
		exe[n] = '\0';
	buf_addstr(b, "HOOKBOX_CONF=");
	shell_word(b, conf_file(c));
	buf_addstr(b, " ");
	shell_word(b, exe);
}

static void
msg_init(struct message *m, const char *cause)
{
	memset(m, 0, sizeof(*m));
	m->cause = cause;
	m->json = json_object_new_object();
	m->items = json_object_new_array();
}

static void
msg_free(struct message *m)
{
	buf_free(&m->subject);
	buf_free(&m->text);
	json_object_put(m->json);
	json_object_put(m->items);
	memset(m, 0, sizeof(*m));
}

/* ---- sending ---- */

/* Runs one program with the message on stdin; 0, or -1 with why. */
static int
deliver(const struct hook *h, const char *const *vars, const struct buf *in,
    struct buf *why)
{
	struct run_result r;
	struct buf tail = { 0 };
	const char *s;
	size_t len;
	struct store_text t;
	int rc = -1;

	if (hooks_exec(h, vars, in->data, in->len, &tail, &r) == -1)
		buf_printf(why, "%s", r.error);
	else if (r.timed_out)
		buf_printf(why, "%s timed out after %d s", h->argv[0],
		    h->timeout);
	else if (WIFSIGNALED(r.status))
		buf_printf(why, "%s was killed by signal %d", h->argv[0],
		    WTERMSIG(r.status));
	else if (WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0)
		buf_printf(why, "%s exited %d", h->argv[0],
		    WEXITSTATUS(r.status));
	else
		rc = 0;
	if (rc == -1) {
		t.s = tail.data;
		t.len = tail.len;
		last_line(&t, &s, &len);
		if (len > 0) {
			buf_addstr(why, ": ");
			mail_field(why, s, len);
		}
	}
	buf_free(&tail);
	return rc;
}

/*
 * Sends m to every channel of the config: sendmail -t -i with the
 * address in To:, and the notify script with the message as JSON. All
 * must succeed (a retry then sends again to those that did: twice is
 * better than never). Returns 0, or -1 with why.
 */
static int
notify_send(const struct notify_conf *n, struct message *m, struct buf *why)
{
	struct buf cause = { 0 }, count = { 0 }, mail = { 0 }, json = { 0 };
	const char *vars[3];
	int rc = 0;

	buf_printf(&cause, "HOOKBOX_NOTIFY_CAUSE=%s", m->cause);
	buf_printf(&count, "HOOKBOX_NOTIFY_COUNT=%lld", m->total);
	vars[0] = cause.data;
	vars[1] = count.data;
	vars[2] = NULL;
	if (n->email != NULL) {
		char *argv[] = { (char *)n->sendmail, (char *)"-t",
		    (char *)"-i", NULL };
		struct hook h = { "*", argv, n->run.timeout, 0, 0 };

		/* The address was checked when the config loaded. */
		buf_printf(&mail, "To: %s\n"
		    "Subject: hookbox: %s\n"
		    "MIME-Version: 1.0\n"
		    "Content-Type: text/plain; charset=UTF-8\n"
		    "Content-Transfer-Encoding: 8bit\n"
		    "Auto-Submitted: auto-generated\n"
		    "X-Hookbox-Cause: %s\n"
		    "\n%s", n->email, m->subject.data, m->cause, m->text.data);
		if (deliver(&h, vars, &mail, why) == -1)
			rc = -1;
	}
	if (n->run.argv != NULL) {
		json_object_object_add(m->json, "cause",
		    json_object_new_string(m->cause));
		json_object_object_add(m->json, "subject",
		    json_object_new_string(m->subject.data));
		json_object_object_add(m->json, "text",
		    json_object_new_string(m->text.data));
		json_object_object_add(m->json, "total",
		    json_object_new_int64(m->total));
		json_object_object_add(m->json, "items",
		    json_object_get(m->items));
		buf_addstr(&json, json_object_to_json_string_ext(m->json,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		buf_addstr(&json, "\n");
		if (why->len > 0 && why->data[why->len - 1] != ' ')
			buf_addstr(why, "; ");
		if (deliver(&n->run, vars, &json, why) == -1)
			rc = -1;
	}
	if (rc == 0)
		buf_free(why);
	buf_free(&cause);
	buf_free(&count);
	buf_free(&mail);
	buf_free(&json);
	return rc;
}

/* ---- window and retry, per cause ---- */

static void
state_name(char *out, size_t size, const char *cause)
{
	snprintf(out, size, "notify:%s", cause);
}

/*
 * Whether cause may send at now: its window since the last message has
 * passed, and after a failure its retry delay. *next gets when it may.
 */
static int
may_send(const struct notify_conf *n, const struct upkeep_state *s,
    time_t now, time_t *next)
{
	time_t at = s->last_sent ? s->last_sent + n->window : 0;

	if (s->failures > 0) {
		long long d = NOTIFY_RETRY;
		int i;

		for (i = 1; i < s->failures && d < n->window; i++)
			d *= 2;
		if (d > n->window)
			d = n->window;
		if (s->last_try + d > at)
			at = s->last_try + (time_t)d;
	}
	if (at > now) {
		if (*next == 0 || at < *next)
			*next = at;
		return 0;
	}
	return 1;
}

/*
 * Sends m for its cause and records the outcome. Returns 1 when sent,
 * 0 when it failed (recorded), -1 when the record could not be written.
 */
static int
send_recorded(const struct conf *c, struct store *st, struct message *m,
    struct upkeep_state *s, time_t now)
{
	struct buf why = { 0 };
	char name[64];
	int sent, rc;

	state_name(name, sizeof(name), m->cause);
	sent = notify_send(conf_notify(c), m, &why) == 0;
	s->last_try = now;
	if (sent) {
		s->last_sent = now;
		s->failures = 0;
	} else {
		s->failures++;
		hb_warnx("notify: %s: %s", m->cause, why.data != NULL ?
		    why.data : "failed");
	}
	rc = store_upkeep_set(st, name, s, sent ? NULL : why.data);
	buf_free(&why);
	return rc == -1 ? -1 : sent;
}

/* ---- dead and failing hooks ---- */

struct digest {
	const struct conf *c;
	struct message	*m;
	struct buf	 cmd;		/* command_prefix */
};

static int
add_event(void *arg, const struct notice_row *r)
{
	struct digest *d = arg;
	const struct notify_conf *n = conf_notify(d->c);
	struct json_object *o = json_object_new_object();
	struct buf *t = &d->m->text;
	const char *line;
	size_t len;
	char when[32];

	hb_iso8601(when, r->at);
	buf_printf(t, "\nEvent %lld", r->event_id);
	json_object_object_add(o, "id", json_object_new_int64(r->event_id));
	if (r->endpoint.s == NULL) {
		buf_printf(t, " (pruned since)\n");
		json_object_array_add(d->m->items, o);
		return 0;
	}
	buf_addstr(t, ", endpoint ");
	mail_field(t, r->endpoint.s, r->endpoint.len);
	buf_addstr(t, ", type ");
	mail_field(t, r->type.s, r->type.len);
	if (r->resource.len > 0) {
		buf_addstr(t, ", resource ");
		mail_field(t, r->resource.s, r->resource.len);
	}
	buf_printf(t, "\n  attempt %d at %s", r->attempt, when);
	if (r->error.s != NULL && r->error.len > 0) {
		buf_addstr(t, ": ");
		mail_field(t, r->error.s, r->error.len);
	}
	last_line(&r->output, &line, &len);
	buf_addstr(t, "\n  last output: ");
	if (len > 0)
		mail_field(t, line, len);
	else
		buf_addstr(t, "(none)");
	buf_addstr(t, "\n");
	if (n->url != NULL)
		buf_printf(t, "  inbox: %s/_inbox/event/%lld\n", n->url,
		    r->event_id);
	buf_printf(t, "  retry: %s replay %lld\n", d->cmd.data, r->event_id);
	json_field(o, "endpoint", r->endpoint.s, r->endpoint.len);
	json_field(o, "type", r->type.s, r->type.len);
	json_field(o, "resource", r->resource.s, r->resource.len);
	json_object_object_add(o, "attempt", json_object_new_int(r->attempt));
	json_object_object_add(o, "at", json_object_new_string(when));
	json_field(o, "error", r->error.s, r->error.len);
	json_field(o, "output", line, len);
	if (n->url != NULL) {
		struct buf link = { 0 };

		buf_printf(&link, "%s/_inbox/event/%lld", n->url, r->event_id);
		json_object_object_add(o, "inbox",
		    json_object_new_string(link.data));
		buf_free(&link);
	}
	{
		struct buf cmd = { 0 };

		buf_printf(&cmd, "%s replay %lld", d->cmd.data, r->event_id);
		json_object_object_add(o, "retry",
		    json_object_new_string(cmd.data));
		buf_free(&cmd);
	}
	json_object_array_add(d->m->items, o);
	return 0;
}

/*
 * The hooks' cause: status "dead" (attempts 1 and up) or "failed" at
 * exactly notify.failures attempts in a row.
 */
static void
hooks_cause(const struct conf *c, struct store *st, time_t now,
    const char *cause, time_t *next)
{
	const struct notify_conf *n = conf_notify(c);
	int dead = strcmp(cause, "dead") == 0;
	const char *status = dead ? "dead" : "failed";
	int lo = dead ? 1 : n->failures, hi = dead ? INT_MAX : n->failures;
	struct upkeep_state s;
	struct message m;
	struct digest d;
	long long total, upto;
	char name[64];

	state_name(name, sizeof(name), cause);
	if (store_upkeep_get(st, name, &s) == -1 ||
	    !may_send(n, &s, now, next))
		return;
	msg_init(&m, cause);
	memset(&d, 0, sizeof(d));
	d.c = c;
	d.m = &m;
	command_prefix(c, &d.cmd);
	buf_printf(&m.text, "%s", dead ?
	    "These events' hooks are dead: hookbox will not run them again by "
	    "itself.\nTheir orders may never have reached your system.\n" :
	    "");
	if (!dead)
		buf_printf(&m.text, "These events' hooks have failed %d times "
		    "in a row. hookbox goes on retrying them.\n", n->failures);
	if (store_notices(st, status, lo, hi, DIGEST_MAX, add_event, &d,
	    &total, &upto) > 0) {
		m.total = total;
		if (total > DIGEST_MAX)
			buf_printf(&m.text, "\n... and %lld more: %s list "
			    "--status %s\n", total - DIGEST_MAX, d.cmd.data,
			    dead ? "dead" : "failed");
		buf_printf(&m.subject, dead ? "%lld hook%s dead" :
		    "%lld hook%s failing", total, total == 1 ? "" : "s");
		buf_printf(&m.text, "\nSee them all: %s list --status %s\n",
		    d.cmd.data, dead ? "dead" : "failed");
		if (n->url != NULL)
			buf_printf(&m.text, "The inbox: %s/_inbox (it needs "
			    "its password set)\n", n->url);
		if (send_recorded(c, st, &m, &s, now) == 1)
			store_notices_drop(st, status, lo, hi, upto);
	}
	buf_free(&d.cmd);
	msg_free(&m);
}

/* ---- refused requests ---- */

struct refused {
	const struct conf *c;
	struct message	*m;
};

static int
add_refused(void *arg, const char *endpoint, long long hour, long long day,
    const char *reason)
{
	struct refused *r = arg;
	const struct notify_conf *n = conf_notify(r->c);
	struct json_object *o;

	/* Only the config's endpoints: a scan of made-up names sends none. */
	if (endpoint == NULL || conf_endpoint(r->c, endpoint) == NULL ||
	    hour < n->refused || day > 0)
		return 0;
	if (++r->m->total > DIGEST_MAX)
		return 0;
	buf_printf(&r->m->text, "\nEndpoint %s: %lld refused in the last "
	    "hour, none in the day before.\n  latest reason: ", endpoint,
	    hour);
	mail_field(&r->m->text, reason, reason != NULL ? strlen(reason) : 0);
	buf_addstr(&r->m->text, "\n");
	o = json_object_new_object();
	json_object_object_add(o, "endpoint", json_object_new_string(endpoint));
	json_object_object_add(o, "refused", json_object_new_int64(hour));
	json_field(o, "reason", reason, reason != NULL ? strlen(reason) : 0);
	json_object_array_add(r->m->items, o);
	return 0;
}

static void
refused_cause(const struct conf *c, struct store *st, time_t now,
    time_t *next)
{
	const struct notify_conf *n = conf_notify(c);
	struct upkeep_state s;
	struct message m;
	struct refused r = { c, &m };
	struct buf cmd = { 0 };

	if (store_upkeep_get(st, "notify:refused", &s) == -1 ||
	    !may_send(n, &s, now, next))
		return;
	msg_init(&m, "refused");
	buf_addstr(&m.text, "Requests to these endpoints are being refused, "
	    "after a day without any:\nthe mark of a rotated secret or a "
	    "changed URL at the platform.\n");
	if (store_refused(st, now, add_refused, &r) >= 0 && m.total > 0) {
		command_prefix(c, &cmd);
		buf_printf(&m.subject, "requests refused at %lld endpoint%s",
		    m.total, m.total == 1 ? "" : "s");
		buf_printf(&m.text, "\nSee them: %s rejects\n", cmd.data);
		send_recorded(c, st, &m, &s, now);
	}
	buf_free(&cmd);
	msg_free(&m);
}

/* ---- quiet endpoints ---- */

static void
quiet_cause(const struct conf *c, struct store *st, time_t now,
    time_t *next)
{
	const struct notify_conf *n = conf_notify(c);
	struct upkeep_state s, q;
	struct message m;
	time_t last[DIGEST_MAX];
	const struct endpoint *eps[DIGEST_MAX];
	size_t i, k = 0;
	char name[MAX_NAME_LEN + 16], when[32];

	if (store_upkeep_get(st, "notify:quiet", &s) == -1 ||
	    !may_send(n, &s, now, next))
		return;
	msg_init(&m, "quiet");
	for (i = 0; i < conf_nendpoints(c) && k < DIGEST_MAX; i++) {
		const struct endpoint *ep = conf_endpoint_at(c, i);
		time_t at;

		if (ep->quiet_after == 0)
			continue;
		if (store_last_event(st, ep->name, &at) == -1 || at == 0)
			continue;
		if (now - at <= ep->quiet_after) {
			time_t due = at + ep->quiet_after + 1;

			if (*next == 0 || due < *next)
				*next = due;
			continue;
		}
		snprintf(name, sizeof(name), "quiet:%s", ep->name);
		/* Once per silence: until the next event, no other. */
		if (store_upkeep_get(st, name, &q) == -1 || q.mark == at)
			continue;
		eps[k] = ep;
		last[k++] = at;
	}
	if (k > 0) {
		struct json_object *o;

		buf_addstr(&m.text, "These endpoints have received nothing "
		    "for longer than their quiet_after:\na platform may have "
		    "stopped sending (a changed URL, a disabled webhook).\n");
		for (i = 0; i < k; i++) {
			hb_iso8601(when, last[i]);
			buf_printf(&m.text, "\nEndpoint %s: last event at %s "
			    "(quiet_after %d s)\n", eps[i]->name, when,
			    eps[i]->quiet_after);
			o = json_object_new_object();
			json_object_object_add(o, "endpoint",
			    json_object_new_string(eps[i]->name));
			json_object_object_add(o, "last_event",
			    json_object_new_string(when));
			json_object_array_add(m.items, o);
		}
		m.total = (long long)k;
		buf_printf(&m.subject, "%zu endpoint%s quiet", k, k == 1 ? "" :
		    "s");
		if (send_recorded(c, st, &m, &s, now) == 1)
			for (i = 0; i < k; i++) {
				snprintf(name, sizeof(name), "quiet:%s",
				    eps[i]->name);
				memset(&q, 0, sizeof(q));
				q.mark = last[i];
				store_upkeep_set(st, name, &q, NULL);
			}
	}
	msg_free(&m);
}

/* ---- the store failing ---- */

/* <database><suffix> into out. */
static int
beside(char *out, size_t size, const char *db, const char *suffix)
{
	return snprintf(out, size, "%s%s", db, suffix) < (int)size ? 0 : -1;
}

/*
 * A receiver answered 503 because the store failed: one line in
 * <database>.store-failed, which a later process (the runner) reads even
 * when the database cannot be written. Returns 1 when a runner should
 * be started for it (the first failure, or none noted for a minute).
 */
int
notify_store_failed(const char *db, const char *why)
{
	char path[PATH_MAX], when[32];
	struct stat sb;
	int fd, kick;

	if (db == NULL || beside(path, sizeof(path), db, ".store-failed") == -1)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return 1;	/* a full disk, say: let the runner try */
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return 0;
	}
	kick = sb.st_size == 0 || time(NULL) - sb.st_mtime >= STORE_KICK_SECS;
	if (sb.st_size < STORE_LOG_MAX) {
		hb_iso8601(when, time(NULL));
		dprintf(fd, "%s %s\n", when, why != NULL ? why : "");
	} else if (kick)
		futimens(fd, NULL);
	close(fd);
	return kick;
}

/*
 * The store cause works without the database, which may be what fails
 * (a full disk): its window is the modification time of
 * <database>.store-notified, and what it reports is <database>.store-failed
 * (consumed once sent) and <database>.fsync-failed (there until `hookbox
 * check`).
 */
static void
store_cause(const struct conf *c, time_t now, time_t *next)
{
	const struct notify_conf *n = conf_notify(c);
	const char *db = conf_state(c);
	char failed[PATH_MAX], fsync[PATH_MAX], mark[PATH_MAX], old[PATH_MAX];
	char line[512];
	struct stat sb;
	struct message m;
	struct buf why = { 0 }, cmd = { 0 };
	const char *lines[STORE_LINES];
	char *copy[STORE_LINES];
	long long count = 0;
	int lock, has_log, has_fsync;
	size_t i, k = 0;
	FILE *f;

	if (beside(failed, sizeof(failed), db, ".store-failed") == -1 ||
	    beside(fsync, sizeof(fsync), db, ".fsync-failed") == -1 ||
	    beside(mark, sizeof(mark), db, ".store-notified") == -1 ||
	    beside(old, sizeof(old), db, ".store-failed.sent") == -1)
		return;
	has_log = stat(failed, &sb) == 0 && sb.st_size > 0;
	has_fsync = access(fsync, F_OK) == 0;
	if (!has_log && !has_fsync)
		return;
	if ((lock = open(mark, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return;
	if (flock(lock, LOCK_EX | LOCK_NB) == -1 || fstat(lock, &sb) == -1)
		goto out;
	/* A new file (size 0) has never sent. */
	if (sb.st_size > 0 && sb.st_mtime + n->window > now) {
		time_t at = sb.st_mtime + n->window;

		if (*next == 0 || at < *next)
			*next = at;
		goto out;
	}
	msg_init(&m, "store");
	memset(copy, 0, sizeof(copy));
	/*
	 * One failure a line; a line longer than line[] counts once (the
	 * rest is skipped), and no more than STORE_LOG_MAX and a line is
	 * read, whoever made the file grow.
	 */
	if (has_log && (f = fopen(failed, "re")) != NULL) {
		size_t got = 0;

		while (got < STORE_LOG_MAX + sizeof(line) &&
		    fgets(line, sizeof(line), f) != NULL) {
			size_t len = strlen(line);
			int ch;

			got += len;
			if (len > 0 && line[len - 1] != '\n')
				while (got < STORE_LOG_MAX + sizeof(line) &&
				    (ch = getc(f)) != EOF && ch != '\n')
					got++;
			free(copy[count % STORE_LINES]);
			copy[count % STORE_LINES] = strdup(line);
			count++;
		}
		fclose(f);
	}
	for (i = 0; i < STORE_LINES && (long long)i < count; i++) {
		long long j = count > STORE_LINES ? count - STORE_LINES + (long
		    long)i : (long long)i;

		lines[k++] = copy[j % STORE_LINES];
	}
	buf_printf(&m.subject, "the event store is failing");
	buf_printf(&m.text, "hookbox answered 503 (\"try again later\") "
	    "because it could not store events.\nPlatforms retry for a "
	    "while; events they gave up on are lost.\n");
	if (has_fsync)
		buf_printf(&m.text, "\n%s exists: an fsync of the database "
		    "failed and nothing is acknowledged\nuntil `hookbox check` "
		    "has made the database safe.\n", fsync);
	if (count > 0) {
		buf_printf(&m.text, "\n%lld failure%s noted; the last:\n",
		    count, count == 1 ? "" : "s");
		for (i = 0; i < k; i++) {
			size_t len = lines[i] != NULL ? strcspn(lines[i],
			    "\n") : 0;

			buf_addstr(&m.text, "  ");
			mail_field(&m.text, lines[i], len);
			buf_addstr(&m.text, "\n");
		}
	}
	command_prefix(c, &cmd);
	buf_printf(&m.text, "\nCheck it: %s check\n(a full disk or quota is "
	    "the usual cause)\n", cmd.data);
	m.total = count + has_fsync;
	json_object_object_add(m.json, "fsync_failed",
	    json_object_new_boolean(has_fsync));
	if (notify_send(n, &m, &why) == 0) {
		if (count > 0)
			rename(failed, old);
		/* The window starts now (the file's mtime). */
		if (pwrite(lock, "sent\n", 5, 0) != 5)
			futimens(lock, NULL);
	} else
		hb_warnx("notify: store: %s", why.data != NULL ? why.data :
		    "failed");
	for (i = 0; i < STORE_LINES; i++)
		free(copy[i]);
	buf_free(&why);
	buf_free(&cmd);
	msg_free(&m);
 out:
	close(lock);
}

/* ---- the upkeep ---- */

/*
 * After a request (hooks_due): 1 when the upkeep is due, so that a
 * runner starts. Nothing to do (no notify, keep_days 0 everywhere)
 * costs no read.
 */
int
upkeep_due(struct store *st, const struct conf *c, time_t now)
{
	size_t i;
	int any = conf_notify(c) != NULL || conf_keep_days(c) > 0;

	for (i = 0; !any && i < conf_nendpoints(c); i++)
		any = conf_endpoint_at(c, i)->keep_days > 0;
	return any && store_upkeep_due(st, now) == 1;
}

/* The lease: every send may take its timeout, and a prune its budget. */
static int
lease_secs(const struct conf *c)
{
	const struct notify_conf *n = conf_notify(c);
	int t = n != NULL ? n->run.timeout : 0;

	/* Five causes, two channels each, each at worst its timeout + 5. */
	return 10 * (t + 5) + SETTLE_MAX + UPKEEP_SLACK;
}

/*
 * Hooks that fail together (a shop system down) fail within seconds of
 * each other, on several runners: the digest waits until no notice has
 * come for SETTLE seconds (SETTLE_MAX at most), so that it lists them
 * all. Only this runner waits, holding no lock.
 */
static void
settle(struct store *st)
{
	long long until = hb_mono_ms() + SETTLE_MAX * 1000LL, newest;
	time_t now;

	while ((newest = store_notices_newest(st)) > 0 &&
	    newest + SETTLE > (now = time(NULL)) && hb_mono_ms() < until)
		sleep((unsigned)(newest + SETTLE - now));
}

/*
 * The upkeep, once its lease is taken: the notices that are due, then
 * an automatic prune, then the next time it is due. force: run now even
 * if not due (notices were just written). A failure of one part is
 * recorded (notify) or logged, and leaves the rest to run. With st
 * NULL (the database would not open) only the store's notice goes.
 */
void
upkeep_run(const struct conf *c, struct store *st, int force)
{
	const struct notify_conf *n = conf_notify(c);
	time_t now = time(NULL), next = 0;
	int taken;

	if (n != NULL)
		store_cause(c, now, &next);
	if (st == NULL)		/* the database cannot be opened */
		return;
	if (!force && store_upkeep_due(st, now) != 1)
		return;
	if ((taken = store_upkeep_take(st, now, lease_secs(c), force)) != 1)
		return;
	if (n != NULL) {
		settle(st);
		now = time(NULL);
		hooks_cause(c, st, now, "dead", &next);
		/* Failures short of the mark are no cause: dropped. */
		store_notices_drop(st, "failed", 0, n->failures - 1, 0);
		store_notices_drop(st, "failed", n->failures + 1, INT_MAX, 0);
		hooks_cause(c, st, now, "failing", &next);
		refused_cause(c, st, now, &next);
		quiet_cause(c, st, now, &next);
	} else
		store_notices_drop(st, NULL, 0, 0, 0);
	prune_auto(c, st, now, &next);
	now = time(NULL);
	if (next == 0 || next > now + UPKEEP_EVERY)
		next = now + UPKEEP_EVERY;
	store_upkeep_release(st, next);
}

/* ---- `hookbox notify` ---- */

static struct conf *
load_conf(void)
{
	struct buf err = { 0 };
	struct conf *c = conf_load(conf_path(), &err);

	if (c == NULL)
		fprintf(stderr, "hookbox: config %s:\n%s", conf_path(),
		    err.data != NULL ? err.data : "cannot load\n");
	buf_free(&err);
	return c;
}

static int
print_state(void *arg, const char *name, const struct upkeep_state *s,
    const char *error)
{
	char sent[32] = "never", tried[32] = "never", due[32];
	struct buf e = { 0 };

	(void)arg;
	if (strncmp(name, "notify:", 7) != 0) {
		if (strcmp(name, UPKEEP_RUN) == 0) {
			hb_iso8601(due, s->next_at);
			printf("upkeep: next due %s\n", due);
		}
		return 0;
	}
	if (s->last_sent)
		hb_iso8601(sent, s->last_sent);
	if (s->last_try)
		hb_iso8601(tried, s->last_try);
	printf("%s: last sent %s", name + 7, sent);
	if (s->failures > 0) {
		mail_field(&e, error, error != NULL ? strlen(error) : 0);
		printf("; %d failure%s, last at %s: %s", s->failures,
		    s->failures == 1 ? "" : "s", tried, e.data);
	}
	printf("\n");
	buf_free(&e);
	return 0;
}

/*
 * `hookbox notify --test`: a test message to every channel, and where
 * it went. `hookbox notify`: what was sent when, and failures.
 */
int
cli_notify(int argc, char **argv)
{
	const struct notify_conf *n;
	struct buf err = { 0 }, why = { 0 };
	struct message m;
	struct conf *c;
	struct store *st;
	int rc = 0, test;

	if (argc == 1)
		test = 0;
	else if (argc == 2 && strcmp(argv[1], "--test") == 0)
		test = 1;
	else {
		fprintf(stderr, "usage: hookbox notify [--test]\n");
		return 2;
	}
	if ((c = load_conf()) == NULL)
		return 1;
	if ((n = conf_notify(c)) == NULL) {
		fprintf(stderr, "hookbox: no \"notify\" in %s: add {\"email\": "
		    "\"you@example.com\"} (README \"Notifications\")\n",
		    conf_file(c));
		conf_free(c);
		return 1;
	}
	if (!test) {
		if ((st = store_open(conf_database(c), conf_busy_timeout(c), 0,
		    &err)) == NULL) {
			fprintf(stderr, "hookbox: %s", err.data);
			rc = 1;
		} else {
			if (store_upkeep_states(st, print_state, NULL) == -1)
				rc = 1;
			store_close(st);
		}
		buf_free(&err);
		conf_free(c);
		return rc;
	}
	msg_init(&m, "test");
	buf_addstr(&m.subject, "test message");
	buf_addstr(&m.text, "This is a test message from hookbox "
	    "(`hookbox notify --test`).\nNotices about dead or failing hooks, "
	    "refused requests and the store will come this way.\n");
	if (notify_send(n, &m, &why) == 0) {
		if (n->email != NULL)
			printf("sent to %s through %s\n", n->email,
			    n->sendmail);
		if (n->run.argv != NULL)
			printf("given to %s\n", n->run.argv[0]);
	} else {
		fprintf(stderr, "hookbox: the test message failed: %s\n",
		    why.data != NULL ? why.data : "?");
		rc = 1;
	}
	buf_free(&why);
	msg_free(&m);
	conf_free(c);
	return rc;
}
