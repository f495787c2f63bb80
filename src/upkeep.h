/*
 * Notices and retention: what store_upkeep.c (the SQL) offers notify.c
 * and prune.c (the logic and the commands). hookbox.h has the entry
 * points the rest of hookbox calls (upkeep_due, upkeep_run, ...).
 */
#ifndef UPKEEP_H
#define UPKEEP_H

#include <sqlite3.h>

#include "hookbox.h"

/* The upkeep's rows (table upkeep, README "Database"). */
#define UPKEEP_RUN	"run"		/* the whole upkeep: next_at, lease */
#define UPKEEP_PRUNE	"prune"		/* the last automatic prune */

/* One cause's state: what was sent when, and the last failure. */
struct upkeep_state {
	time_t		 next_at;
	time_t		 lease_until;
	time_t		 last_sent;
	time_t		 last_try;
	int		 failures;
	long long	 mark;		/* the cause's own memory */
};

/* The schema step (store.c's migrate): tables, trigger, index. */
int	 store_upkeep_schema(sqlite3 *, char **);
/* Converts an older file to auto_vacuum=INCREMENTAL (`hookbox init`). */
int	 store_upkeep_vacuum_mode(struct store *, struct buf *);

int	 store_upkeep_due(struct store *, time_t);
int	 store_upkeep_take(struct store *, time_t, int, int);
int	 store_upkeep_release(struct store *, time_t);
int	 store_upkeep_next(struct store *, const char *, time_t);
int	 store_upkeep_get(struct store *, const char *, struct upkeep_state *);
int	 store_upkeep_set(struct store *, const char *,
	    const struct upkeep_state *, const char *);
int	 store_upkeep_states(struct store *,
	    int (*)(void *, const char *, const struct upkeep_state *,
	    const char *), void *);

/* A dead or failing hook waiting for its notice. */
struct notice_row {
	long long	 id;		/* its notices row */
	long long	 event_id;
	int		 attempt;
	time_t		 at;
	struct store_text endpoint, type, resource, output, error;
};
int	 store_notices(struct store *, const char *, int, int, long long,
	    int (*)(void *, const struct notice_row *), void *,
	    long long *, long long *);
int	 store_notices_drop(struct store *, const char *, int, int,
	    long long);
long long store_notices_newest(struct store *);
/* An endpoint's refusals: in the last hour, in the day before it. */
int	 store_refused(struct store *, time_t,
	    int (*)(void *, const char *, long long, long long, const char *),
	    void *);
int	 store_last_event(struct store *, const char *, time_t *);

/* Pruning. */
struct prune_row {
	const char	*endpoint;	/* NULL: those the config lacks */
	time_t		 before;
	long long	 events, deliveries, spared;
	int		 more;		/* stopped by the budget */
};
struct prune_opts {
	const char	*endpoint;	/* NULL: all */
	time_t		 before;	/* 0: each endpoint's keep_days */
	int		 dry_run;
	long long	 budget_ms;	/* 0: no bound */
};
int	 store_prune(struct store *, struct prune_row *, const char *,
	    int, long long);
long long store_vacuum(struct store *, int);
int	 prune_auto(const struct conf *, struct store *, time_t, time_t *);
int	 prune_run(const struct conf *, struct store *,
	    const struct prune_opts *,
	    int (*)(void *, const struct prune_row *), void *);

#endif
