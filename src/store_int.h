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
 *	store_sql.c	struct stq: one statement over either database
 *	store_pg.c	the PostgreSQL connection, its schema, transactions
 *	migrate.c	`hookbox migrate`: a SQLite file into PostgreSQL
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
	S_DISPATCH_TAKE,
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

/*
 * A statement over either database (store_sql.c): SQLite's own, or, on
 * PostgreSQL, its SQL, bindings and the rows of its last run.
 */
#define STQ_PARAMS	24
#define STQ_COLS	24	/* columns whose bytes may be unescaped */
#define PG_BYTEA	17	/* PostgreSQL's type oids */
#define PG_INT8		20
#define PG_TEXT		25
struct stq {
	struct store	*st;
	sqlite3_stmt	*lite;		/* NULL on PostgreSQL */
	int		 slot;		/* its enum stmt, or -1: a one-off */
	char		*sql;		/* PostgreSQL's dialect */
	int		 nparams;
	long		 prepared;	/* the connection's pg_gen it was
					   prepared on (0: not yet) */
	const char	*val[STQ_PARAMS];
	int		 len[STQ_PARAMS], fmt[STQ_PARAMS];
	unsigned int	 type[STQ_PARAMS];
	char		 num[STQ_PARAMS][24];
	struct pg_result *res;		/* the last run's rows */
	int		 row, rows;	/* row -1: not run yet */
	unsigned char	*bytes[STQ_COLS];	/* a bytea column, unescaped */
	size_t		 nbytes[STQ_COLS];
};

struct store {
	sqlite3		*db;		/* NULL on PostgreSQL */
	struct stq	*stmt[S__MAX];
	/* PostgreSQL (store_pg.c) */
	int		 pg;
	struct pq	*pq;		/* libpq's calls (store_pg.c) */
	struct pg_conn	*conn;
	long		 pg_gen;	/* counts connections made: statements
					   are prepared again on a new one */
	int		 pg_ready;	/* this connection has its settings */
	int		 in_tx;
	long long	 pg_changes;	/* rows the last statement changed */
	int		 pg_code;	/* its failure, in SQLite's codes */
	char		 pg_err[256];	/* its last error, one line */
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
struct stq	*store_stmt(struct store *, enum stmt, const char *);
int		 store_step_done(struct stq *);
int		 store_begin_events(struct store *);
int		 store_begin(struct store *);
int		 store_commit(struct store *, int);
void		 store_rollback(struct store *);
int		 store_wal_fsync(struct store *);
int		 store_wal_sync(struct store *);
int		 store_unsynced(struct store *);
/* store_read.c: reading a row's columns, and ending a walk over rows */
struct store_text store_text_at(struct stq *, int);
time_t		 store_time_at(struct stq *, int);
int		 store_walked(struct stq *, int, int);

/* store_sql.c */
char		*pg_sql(const char *, int *);
struct stq	*q_prepare(struct store *, const char *);
struct stq	*q_persistent(struct store *, int, const char *);
void		 q_free(struct stq *);
void		 q_reset(struct stq *);
void		 q_bind_int(struct stq *, int, long long);
void		 q_bind_text(struct stq *, int, const char *);
void		 q_bind_blob(struct stq *, int, const void *, size_t);
int		 q_step(struct stq *);
int		 q_null(struct stq *, int);
long long	 q_int(struct stq *, int);
const char	*q_text(struct stq *, int);
const void	*q_blob(struct stq *, int);
size_t		 q_bytes(struct stq *, int);
long long	 store_changes(struct store *);
int		 store_exec(struct store *, const char *);

/* store_pg.c */
struct store	*store_pg_open(const char *, int, struct buf *);
void		 store_pg_close(struct store *);
int		 pg_step(struct stq *);
const char	*pg_value(struct stq *, int, size_t *);
void		 pg_clear(struct stq *);
void		 pg_clear_row(struct stq *);
int		 pg_exec(struct store *, const char *);
int		 pg_begin(struct store *, int);
int		 pg_end(struct store *, const char *);
int		 store_pg_check(struct store *, struct buf *);

#endif
