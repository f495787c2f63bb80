/*
 * The store's private header, for the store's files alone: struct store,
 * the table of its prepared statements, and the helpers they share.
 *
 *	store.c		the connection, the schema, transactions, fsync
 *	store_write.c	events and rejects: what a request writes
 *	store_run.c	the hook runner's side: claims, deliveries, replay
 *	store_read.c	the command line's queries, each with a row callback
 *	store_inbox.c	the inbox's own: password, sessions, throttle, and
 *			its front page's summaries
 *	store_upkeep.c	notices and pruning (upkeep.h): the schema step,
 *			the upkeep's state, the digests' rows, prune batches
 *
 * Each file keeps the SQL of its own statements (its sql[] table); the
 * enum names them all, so that one array on the connection holds them.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>

#include "hookbox.h"

/* A number's digits, for a constant written into SQL. */
#define HB_STR_(x)	#x
#define HB_STR(x)	HB_STR_(x)

enum stmt {
	/* store.c */
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	/* store_write.c */
	S_FIND,
	S_FIND_WINDOW,
	S_INSERT,
	S_QUEUE,
	S_REJECT,
	S_REJECT_BUMP,
	S_REJECT_TRIM,
	/* store_run.c */
	S_EXPIRED,
	S_RECOVER,
	S_RUNNING,
	S_CANDIDATE,
	S_CLAIM_PENDING,
	S_CLAIM_SUPERSEDE,
	S_CLAIM_RETRY,
	S_STARTED,
	S_FINISH,
	S_DUE,
	S_NEXT_DUE,
	S_NEWEST,
	S_LATEST,
	S_REQUEUE,
	S_REPLAY,
	S_QUEUE_UPTO,
	S_DISPATCH,
	S_UNQUEUE,
	S_QUEUED,
	/* store_read.c */
	S_LIST,
	S_EVENT,
	S_ATTEMPTS,
	S_QUEUED_HOOK,
	S_EVENT_TYPE,
	S_REJECTS,
	S_COUNT_EVENTS,
	S_COUNT_HOOKS,
	S_COUNT_ATTEMPTS,
	/* store_run.c: Mark done */
	S_MARK_DONE,
	/* store_read.c: replay --dead */
	S_DEAD_EVENTS,
	S_DEAD_COUNTS,
	/* store_inbox.c */
	S_SETTING_GET,
	S_SETTING_SET,
	S_SESSION_NEW,
	S_SESSION_GET,
	S_SESSION_SEEN,
	S_SESSION_END,
	S_SESSION_ALL_END,
	S_SESSION_EXPIRE,
	S_THROTTLE_GET,
	S_THROTTLE_FAIL,
	S_THROTTLE_CLEAR,
	S_THROTTLE_TRIM,
	S_ATTENTION,
	S_ENDPOINT_EVENTS,
	S_ENDPOINT_REJECTS,
	/* store_upkeep.c */
	S_UPKEEP_DUE,
	S__MAX
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S__MAX];
	int		 busy_ms;	/* busy_timeout_ms */
	long long	 busy_until;	/* hb_mono_ms() */
	int		 queue;		/* <database>.writers, or -1 */
	int		 queued;	/* 1 while we hold it */
	int		 wal_frames;	/* in the WAL after our last commit */
	int		 look_first;	/* redeliveries looked for unlocked */
	int		 wal;		/* journal_mode=WAL */
	int		 sync_after;	/* we fsync the WAL after each commit */
	long long	 durable_upto;	/* events to this id are on the disk */
	int		 ckpt_due;	/* a checkpoint, once that fsync is done */
	int		 told;		/* the marker has been logged */
	char		*marker;	/* <database>.fsync-failed */
	char		 logged[256];	/* store_log's last message: a rollback
					   clears SQLite's own */
};

void		 store_log(struct store *, const char *);
sqlite3_stmt	*store_stmt(struct store *, enum stmt, const char *);
int		 store_step_done(sqlite3_stmt *);
int		 store_begin(struct store *);
int		 store_commit(struct store *, int);
void		 store_rollback(struct store *);
int		 store_wal_fsync(struct store *);
int		 store_wal_sync(struct store *);
int		 store_unsynced(struct store *);
/* store_read.c: reading a row's columns, and ending a walk over rows */
struct store_text store_text_at(sqlite3_stmt *, int);
time_t		 store_time_at(sqlite3_stmt *, int);
int		 store_walked(sqlite3_stmt *, int, int);

#endif
