/*
 * Retention (README "Notifications and retention"): events older than
 * their endpoint's keep_days, whose hook is neither waiting nor running,
 * are deleted with their deliveries. By hand, `hookbox prune`; by
 * itself, from the upkeep (notify.c) at most once per prune_interval,
 * in batches of PRUNE_BATCH events, one short write transaction each,
 * for at most PRUNE_BUDGET_MS a run: a receiver waits for one batch at
 * most, and what is left is the next run's. The freed pages go back to
 * the file system (incremental vacuum) so the file stops growing.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "hookbox.h"
#include "upkeep.h"

#define PRUNE_BATCH	200	/* events a transaction deletes */
#define PRUNE_BUDGET_MS	250	/* an automatic prune's time, at most */
#define VACUUM_PAGES	2048	/* pages given back per run, at most */
#define DAY		86400

/* The config's endpoints as a JSON array (the others' prune row). */
static char *
endpoint_list(const struct conf *c)
{
	struct json_object *a = json_object_new_array();
	char *s = NULL;
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < conf_nendpoints(c); i++)
		json_object_array_add(a, json_object_new_string(
		    conf_endpoint_at(c, i)->name));
	s = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	return s;
}

/* One row's prune, batch by batch within the deadline (0: none). */
static int
prune_row(struct store *st, struct prune_row *r, const char *others,
    int dry_run, long long deadline)
{
	int rc;

	do {
		if ((rc = store_prune(st, r, others, dry_run, PRUNE_BATCH)) ==
		    -1)
			return -1;
		if (rc == 1 && deadline != 0 && hb_mono_ms() >= deadline) {
			r->more = 1;
			break;
		}
	} while (rc == 1);
	return 0;
}

/*
 * Prunes what o asks, giving each endpoint's row to cb (which returns
 * 0 to go on). An endpoint whose keep_days is 0 is skipped unless o
 * has a date. Returns the events removed (or, dry, that would be), or
 * -1 on an error.
 */
int
prune_run(const struct conf *c, struct store *st, const struct prune_opts *o,
    int (*cb)(void *, const struct prune_row *), void *arg)
{
	time_t now = time(NULL);
	long long deadline = o->budget_ms ? hb_mono_ms() + o->budget_ms : 0;
	long long total = 0;
	char *others = endpoint_list(c);
	size_t i, n = conf_nendpoints(c);
	int rc = 0;

	if (others == NULL)
		return -1;
	/* Each configured endpoint, then (index n) those it lacks. */
	for (i = 0; i <= n && rc == 0; i++) {
		const struct endpoint *ep = i < n ? conf_endpoint_at(c, i) :
		    NULL;
		struct prune_row r;
		int days = ep != NULL ? ep->keep_days : conf_keep_days(c);

		memset(&r, 0, sizeof(r));
		r.endpoint = ep != NULL ? ep->name : NULL;
		if (o->endpoint != NULL) {
			if (ep == NULL && conf_endpoint(c, o->endpoint) != NULL)
				continue;
			if (ep != NULL && strcmp(ep->name, o->endpoint) != 0)
				continue;
			if (ep == NULL)
				r.endpoint = o->endpoint;
		}
		if (o->before != 0)
			r.before = o->before;
		else if (days == 0)
			continue;
		else
			r.before = now - (time_t)days * DAY;
		if (prune_row(st, &r, r.endpoint == NULL ? others : "[]",
		    o->dry_run, deadline) == -1)
			rc = -1;
		total += r.events;
		if (rc == 0 && cb != NULL && cb(arg, &r) != 0)
			break;
		if (r.more)
			break;
	}
	free(others);
	/* By hand, every free page goes back (0: all); by itself, a few. */
	if (rc == 0 && !o->dry_run && total > 0)
		store_vacuum(st, o->budget_ms ? VACUUM_PAGES : 0);
	return rc == -1 ? -1 : (int)(total > INT_MAX ? INT_MAX : total);
}

struct auto_state {
	int		 more;
};

static int
auto_row(void *arg, const struct prune_row *r)
{
	struct auto_state *a = arg;

	if (r->more)
		a->more = 1;
	return 0;
}

/*
 * The upkeep's prune: at most once per prune_interval, unless the last
 * one stopped at its budget (then at the next run). *next gets when it
 * is due again. Returns the events removed, or -1.
 */
int
prune_auto(const struct conf *c, struct store *st, time_t now, time_t *next)
{
	struct prune_opts o = { NULL, 0, 0, PRUNE_BUDGET_MS };
	struct auto_state a = { 0 };
	struct upkeep_state s;
	time_t at;
	int n;

	if (store_upkeep_get(st, UPKEEP_PRUNE, &s) == -1)
		return -1;
	if (s.next_at > now) {
		if (*next == 0 || s.next_at < *next)
			*next = s.next_at;
		return 0;
	}
	n = prune_run(c, st, &o, auto_row, &a);
	at = a.more ? now + 1 : now + conf_prune_interval(c);
	if (*next == 0 || at < *next)
		*next = at;
	s.mark = n > 0 ? s.mark + n : s.mark;	/* events pruned in all */
	s.last_sent = now;
	store_upkeep_set(st, UPKEEP_PRUNE, &s, NULL);
	store_upkeep_next(st, UPKEEP_PRUNE, at);
	return n;
}

/* ---- `hookbox prune` ---- */

/* "2024-05-01" (midnight UTC) or a full ISO 8601 time. */
static time_t
parse_date(const char *s)
{
	struct tm tm;
	const char *p;
	time_t t;

	if ((t = hb_parse_iso8601(s)) != -1)
		return t;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%d", &tm)) == NULL || *p != '\0')
		return -1;
	return timegm(&tm);
}

static int
print_row(void *arg, const struct prune_row *r)
{
	const struct prune_opts *o = arg;
	char when[32];

	/* Events of endpoints the config lacks: said only when there are. */
	if (r->endpoint == NULL && r->events == 0 && r->spared == 0)
		return 0;
	hb_iso8601(when, r->before);
	printf("%s%s: %s %lld event%s and %lld hook attempt%s received before "
	    "%s", r->endpoint != NULL ? "" : "(endpoints not in the config)",
	    r->endpoint != NULL ? r->endpoint : "",
	    o->dry_run ? "would remove" : "removed", r->events,
	    r->events == 1 ? "" : "s", r->deliveries,
	    r->deliveries == 1 ? "" : "s", when);
	if (r->spared > 0)
		printf("; spared %lld whose hook is waiting or running",
		    r->spared);
	printf("\n");
	return 0;
}

int
cli_prune(int argc, char **argv)
{
	struct prune_opts o = { NULL, 0, 0, 0 };
	struct buf err = { 0 };
	struct conf *c;
	struct store *st;
	int i, n;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			o.dry_run = 1;
		else if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc)
			o.endpoint = argv[++i];
		else if (strcmp(argv[i], "--before") == 0 && i + 1 < argc) {
			if ((o.before = parse_date(argv[++i])) == -1 ||
			    o.before == 0) {
				fprintf(stderr, "hookbox: --before wants a date "
				    "(2024-05-01) or a time "
				    "(2024-05-01T12:00:00Z)\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: hookbox prune [--before DATE] "
			    "[--endpoint E] [--dry-run]\n");
			return 2;
		}
	}
	if ((c = conf_load(conf_path(), &err)) == NULL) {
		fprintf(stderr, "hookbox: config %s:\n%s", conf_path(),
		    err.data != NULL ? err.data : "cannot load\n");
		buf_free(&err);
		return 1;
	}
	if ((st = store_open(conf_database(c), conf_busy_timeout(c),
	    STORE_QUEUE, &err)) == NULL) {
		fprintf(stderr, "hookbox: %s", err.data != NULL ? err.data :
		    "cannot open the database\n");
		buf_free(&err);
		conf_free(c);
		return 1;
	}
	n = prune_run(c, st, &o, print_row, &o);
	if (n == 0 && o.before == 0 && conf_keep_days(c) == 0 &&
	    o.endpoint == NULL)
		printf("keep_days is 0: events are kept for ever (--before "
		    "DATE prunes by hand)\n");
	if (n < 0)
		fprintf(stderr, "hookbox: prune failed: %s\n",
		    store_errmsg(st));
	store_close(st);
	conf_free(c);
	buf_free(&err);
	return n < 0 ? 1 : 0;
}
