/*
 * The store on PostgreSQL, through libpq: for a shop whose web nodes
 * share one database (README "PostgreSQL"). The store's files keep their
 * logic and SQL (store_sql.c turns it into PostgreSQL's); this file has
 * what only PostgreSQL has: the connection and its reconnection, the
 * schema, transactions, and running a statement.
 *
 * The promises are SQLite's: a commit is on the server's disk before the
 * 2xx (synchronous_commit on), UNIQUE(endpoint, event_key) makes a
 * redelivery harmless, and what the runner does (claims, dispatch,
 * replay) happens one transaction at a time across every node: each
 * such transaction first takes one advisory lock, as SQLite's write lock
 * serialises them, so the cap on running hooks and a resource's order
 * hold across nodes. Requests storing events do not take it; they only
 * insert, and the unique constraint decides between them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store_int.h"

#ifndef HOOKBOX_NO_PG
#include <dlfcn.h>
#include <stddef.h>

#include <libpq-fe.h>

/*
 * libpq, loaded when a PostgreSQL database is first opened, not linked:
 * it brings some twenty libraries (TLS, Kerberos, LDAP) that every CGI
 * request would load, and a shop on SQLite would pay for them (on the
 * test machine a CGI start went from 3.4 to 8.7 ms, tests/bench). These
 * are the libpq calls hookbox makes, found by name in libpq.so.5.
 */
struct pq {
	void		*dl;
	PGconn		*(*connectdbParams)(const char *const *,
			    const char *const *, int);
	ConnStatusType	 (*status)(const PGconn *);
	char		*(*errorMessage)(const PGconn *);
	void		 (*finish)(PGconn *);
	void		 (*reset)(PGconn *);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor,
			    void *);
	PGresult	*(*exec)(PGconn *, const char *);
	PGresult	*(*prepare)(PGconn *, const char *, const char *, int,
			    const Oid *);
	PGresult	*(*execPrepared)(PGconn *, const char *, int,
			    const char *const *, const int *, const int *, int);
	PGresult	*(*execParams)(PGconn *, const char *, int,
			    const Oid *, const char *const *, const int *,
			    const int *, int);
	ExecStatusType	 (*resultStatus)(const PGresult *);
	char		*(*resultErrorMessage)(const PGresult *);
	char		*(*resultErrorField)(const PGresult *, int);
	char		*(*cmdTuples)(PGresult *);
	int		 (*ntuples)(const PGresult *);
	int		 (*nfields)(const PGresult *);
	int		 (*getisnull)(const PGresult *, int, int);
	char		*(*getvalue)(const PGresult *, int, int);
	int		 (*getlength)(const PGresult *, int, int);
	Oid		 (*ftype)(const PGresult *, int);
	void		 (*clear)(PGresult *);
	unsigned char	*(*unescapeBytea)(const unsigned char *, size_t *);
	void		 (*freemem)(void *);
	PQconninfoOption *(*conninfoParse)(const char *, char **);
	void		 (*conninfoFree)(PQconninfoOption *);
};

static const struct {
	const char	*name;
	size_t		 off;
} pq_syms[] = {
#define PQ_SYM(f, name)	{ name, offsetof(struct pq, f) }
	PQ_SYM(connectdbParams, "PQconnectdbParams"),
	PQ_SYM(status, "PQstatus"),
	PQ_SYM(errorMessage, "PQerrorMessage"),
	PQ_SYM(finish, "PQfinish"),
	PQ_SYM(reset, "PQreset"),
	PQ_SYM(setNoticeProcessor, "PQsetNoticeProcessor"),
	PQ_SYM(exec, "PQexec"),
	PQ_SYM(prepare, "PQprepare"),
	PQ_SYM(execPrepared, "PQexecPrepared"),
	PQ_SYM(execParams, "PQexecParams"),
	PQ_SYM(resultStatus, "PQresultStatus"),
	PQ_SYM(resultErrorMessage, "PQresultErrorMessage"),
	PQ_SYM(resultErrorField, "PQresultErrorField"),
	PQ_SYM(cmdTuples, "PQcmdTuples"),
	PQ_SYM(ntuples, "PQntuples"),
	PQ_SYM(nfields, "PQnfields"),
	PQ_SYM(getisnull, "PQgetisnull"),
	PQ_SYM(getvalue, "PQgetvalue"),
	PQ_SYM(getlength, "PQgetlength"),
	PQ_SYM(ftype, "PQftype"),
	PQ_SYM(clear, "PQclear"),
	PQ_SYM(unescapeBytea, "PQunescapeBytea"),
	PQ_SYM(freemem, "PQfreemem"),
	PQ_SYM(conninfoParse, "PQconninfoParse"),
	PQ_SYM(conninfoFree, "PQconninfoFree"),
#undef PQ_SYM
};

/* libpq's calls, or NULL with the reason in err. */
static struct pq *
pq_load(struct buf *err)
{
	struct pq *pq;
	size_t i;
	void *sym;

	if ((pq = calloc(1, sizeof(*pq))) == NULL)
		return NULL;
	if ((pq->dl = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		buf_printf(err, "a PostgreSQL database needs libpq, which "
		    "cannot be loaded (%s): install it (Debian: libpq5)\n",
		    dlerror());
		free(pq);
		return NULL;
	}
	for (i = 0; i < sizeof(pq_syms) / sizeof(pq_syms[0]); i++) {
		if ((sym = dlsym(pq->dl, pq_syms[i].name)) == NULL) {
			buf_printf(err, "libpq has no %s: too old\n",
			    pq_syms[i].name);
			dlclose(pq->dl);
			free(pq);
			return NULL;
		}
		/* POSIX: a function's address fits in a void * */
		memcpy((char *)pq + pq_syms[i].off, &sym, sizeof(sym));
	}
	return pq;
}

static void
pq_unload(struct pq *pq)
{
	if (pq == NULL)
		return;
	dlclose(pq->dl);
	free(pq);
}

#define PG_SCHEMA_VERSION	5	/* SQLite's user_version, the same tables */
/* The advisory lock the runner's transactions take ('hbx1'). */
#define PG_RUNNER_LOCK		"1751280689"

/*
 * The schema, as SQLite's version 5 (store.c, store_upkeep.c): the same
 * tables, columns and indexes, in PostgreSQL's types. Times are seconds
 * since the epoch, as in SQLite. Made in one transaction under the
 * runner's lock, so that two nodes starting at once make it once.
 */
static const char schema[] =
"CREATE TABLE IF NOT EXISTS events (\n"
"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
"  endpoint TEXT NOT NULL,\n"
"  provider TEXT NOT NULL,\n"
"  event_type TEXT NOT NULL,\n"
"  event_key TEXT NOT NULL,\n"
"  resource_id TEXT NOT NULL DEFAULT '',\n"
"  received_at BIGINT NOT NULL,\n"
"  method TEXT NOT NULL,\n"
"  query TEXT NOT NULL DEFAULT '',\n"
"  content_type TEXT NOT NULL DEFAULT '',\n"
"  headers TEXT NOT NULL DEFAULT '{}',\n"
"  body BYTEA NOT NULL,\n"
"  remote_addr TEXT NOT NULL DEFAULT '',\n"
"  proof TEXT NOT NULL DEFAULT '',\n"
"  UNIQUE(endpoint, event_key)\n"
");\n"
"CREATE INDEX IF NOT EXISTS events_received ON events(received_at);\n"
"CREATE TABLE IF NOT EXISTS deliveries (\n"
"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
"  event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,\n"
"  endpoint TEXT NOT NULL,\n"
"  resource_id TEXT NOT NULL DEFAULT '',\n"
"  hook TEXT NOT NULL,\n"
"  attempt INTEGER NOT NULL,\n"
"  status TEXT NOT NULL CHECK (status IN\n"
"    ('pending', 'running', 'succeeded', 'failed', 'dead')),\n"
"  next_attempt_at BIGINT,\n"
"  lease_until BIGINT,\n"
"  pid BIGINT,\n"
"  pid_start BIGINT,\n"
"  exit_code INTEGER,\n"
"  signal INTEGER,\n"
"  output TEXT,\n"
"  error TEXT,\n"
"  created_at BIGINT NOT NULL,\n"
"  started_at BIGINT,\n"
"  finished_at BIGINT,\n"
"  done_at BIGINT\n"
");\n"
"CREATE INDEX IF NOT EXISTS deliveries_due\n"
"  ON deliveries(status, next_attempt_at);\n"
"CREATE INDEX IF NOT EXISTS deliveries_waiting ON deliveries(id)\n"
"  WHERE status IN ('pending', 'failed') AND next_attempt_at IS NOT NULL;\n"
"CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries(event_id);\n"
"CREATE INDEX IF NOT EXISTS deliveries_resource\n"
"  ON deliveries(endpoint, resource_id, status);\n"
"CREATE TABLE IF NOT EXISTS rejects (\n"
"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
"  received_at BIGINT NOT NULL,\n"
"  endpoint TEXT NOT NULL DEFAULT '',\n"
"  status INTEGER NOT NULL,\n"
"  reason TEXT NOT NULL,\n"
"  remote_addr TEXT NOT NULL DEFAULT '',\n"
"  body_head BYTEA,\n"
"  count INTEGER NOT NULL DEFAULT 1\n"
");\n"
"CREATE TABLE IF NOT EXISTS hook_queue (\n"
"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
"  event_id BIGINT NOT NULL,\n"
"  hook TEXT NOT NULL,\n"
"  queued_at BIGINT NOT NULL\n"
");\n"
"CREATE TABLE IF NOT EXISTS settings (\n"
"  name TEXT PRIMARY KEY,\n"
"  value TEXT NOT NULL\n"
");\n"
"CREATE TABLE IF NOT EXISTS sessions (\n"
"  token_hash TEXT PRIMARY KEY,\n"
"  created_at BIGINT NOT NULL,\n"
"  seen_at BIGINT NOT NULL,\n"
"  remote_addr TEXT NOT NULL DEFAULT ''\n"
");\n"
"CREATE TABLE IF NOT EXISTS signin_throttle (\n"
"  who TEXT PRIMARY KEY,\n"
"  failures INTEGER NOT NULL,\n"
"  last_at BIGINT NOT NULL\n"
");\n"
"CREATE TABLE IF NOT EXISTS notices (\n"
"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
"  status TEXT NOT NULL,\n"
"  event_id BIGINT NOT NULL,\n"
"  delivery_id BIGINT NOT NULL,\n"
"  attempt INTEGER NOT NULL,\n"
"  created_at BIGINT NOT NULL\n"
");\n"
"CREATE TABLE IF NOT EXISTS upkeep (\n"
"  name TEXT PRIMARY KEY,\n"
"  next_at BIGINT NOT NULL DEFAULT 0,\n"
"  lease_until BIGINT NOT NULL DEFAULT 0,\n"
"  last_sent BIGINT NOT NULL DEFAULT 0,\n"
"  last_try BIGINT NOT NULL DEFAULT 0,\n"
"  failures INTEGER NOT NULL DEFAULT 0,\n"
"  mark BIGINT NOT NULL DEFAULT 0,\n"
"  error TEXT\n"
");\n"
"CREATE OR REPLACE FUNCTION hookbox_notice() RETURNS trigger\n"
"  LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  INSERT INTO notices (status, event_id, delivery_id, attempt, created_at)\n"
"  VALUES (NEW.status, NEW.event_id, NEW.id, NEW.attempt,\n"
"    coalesce(NEW.finished_at, extract(epoch FROM now())::bigint));\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE OR REPLACE TRIGGER deliveries_notice\n"
"  AFTER UPDATE OF status ON deliveries FOR EACH ROW\n"
"  WHEN (OLD.status = 'running' AND NEW.status IN ('failed', 'dead'))\n"
"  EXECUTE FUNCTION hookbox_notice();\n"
"CREATE TABLE IF NOT EXISTS hookbox_schema (version INTEGER NOT NULL);\n";

/* A failed call's first line, kept for store_errmsg and the log. */
static void
note_error(struct store *st, const char *msg)
{
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = "the database connection failed";
	n = strcspn(msg, "\n");
	if (n >= sizeof(st->pg_err))
		n = sizeof(st->pg_err) - 1;
	memcpy(st->pg_err, msg, n);
	st->pg_err[n] = '\0';
}

/* libpq prints a server's notices on stderr; a web server's log has no
 * use for "relation already exists, skipping". */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * The session's settings, on each new connection: commits wait for the
 * server's disk (whatever the server's default), and a wait for a lock
 * ends as busy after busy_timeout_ms, as SQLite's busy handler does.
 */
static int
session(struct store *st)
{
	char set[160];
	PGresult *r;
	int ok;

	st->pq->setNoticeProcessor(st->conn, quiet, NULL);
	snprintf(set, sizeof(set), "SET synchronous_commit = on; "
	    "SET lock_timeout = %d; SET client_min_messages = warning",
	    st->busy_ms);
	r = st->pq->exec(st->conn, set);
	ok = st->pq->resultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		note_error(st, st->pq->errorMessage(st->conn));
	st->pq->clear(r);
	st->pg_gen++;
	st->pg_ready = ok;
	return ok ? 0 : -1;
}

/*
 * A dropped connection is made again before a transaction (or a
 * statement outside one); inside one, the transaction is lost and the
 * caller answers 503. 0 when connected, -1 when the server cannot be
 * reached now.
 */
static int
connected(struct store *st)
{
	/* Only with its settings is a connection fit to acknowledge on. */
	if (st->pq->status(st->conn) == CONNECTION_OK && st->pg_ready)
		return 0;
	if (st->pq->status(st->conn) == CONNECTION_OK)
		return session(st);
	if (st->in_tx)
		return -1;
	st->pg_ready = 0;
	st->pq->reset(st->conn);
	if (st->pq->status(st->conn) != CONNECTION_OK) {
		note_error(st, st->pq->errorMessage(st->conn));
		return -1;
	}
	hb_warnx("store: connected to PostgreSQL again");
	return session(st);
}

/*
 * What a failed statement means to the caller, in SQLite's codes: a
 * lock or serialisation that timed out is busy; everything else fails
 * (both answer 503).
 */
static int
failure(struct store *st, const PGresult *r)
{
	const char *state = r != NULL ?
	    st->pq->resultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	int rc = SQLITE_ERROR;

	note_error(st, r != NULL && *st->pq->resultErrorMessage(r) != '\0' ?
	    st->pq->resultErrorMessage(r) : st->pq->errorMessage(st->conn));
	if (state != NULL && (strcmp(state, "55P03") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "57014") == 0 || strncmp(state, "53", 2) == 0))
		rc = SQLITE_BUSY;
	else if (st->pq->status(st->conn) != CONNECTION_OK)
		rc = SQLITE_IOERR;
	st->pg_code = rc;
	return rc;
}

/*
 * A connection the server dropped since its last use (a restart) is
 * only found broken when used. Outside a transaction the statement is
 * tried once more, on a new connection, so that nothing fails for it:
 * 1 when it is to be. Inside one, the transaction is lost (503).
 */
static int
dropped(struct store *st, const PGresult *r)
{
	if (st->pq->resultStatus(r) != PGRES_FATAL_ERROR || st->in_tx ||
	    st->pq->status(st->conn) == CONNECTION_OK)
		return 0;
	return connected(st) == 0;
}

static PGresult	*run(struct stq *);
static void	 where_pq(const struct pq *, const char *, char *, size_t);

/* Runs q on its first step, then gives its rows one a step. */
int
pg_step(struct stq *q)
{
	struct store *st = q->st;
	PGresult *r;
	int rc;

	if (q->row >= 0) {
		pg_clear_row(q);
		return ++q->row < q->rows ? SQLITE_ROW : SQLITE_DONE;
	}
	if (connected(st) == -1)
		return st->pg_code = SQLITE_IOERR;
	r = run(q);
	if (dropped(st, r)) {
		st->pq->clear(r);
		r = run(q);
	}
	switch (st->pq->resultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		st->pg_changes = strtoll(st->pq->cmdTuples(r), NULL, 10);
		q->res = r;
		q->rows = st->pq->ntuples(r);
		q->row = 0;
		return q->rows > 0 ? SQLITE_ROW : SQLITE_DONE;
	default:
		rc = failure(st, r);
		st->pq->clear(r);
		return rc;
	}
}

/*
 * Runs q: prepared once per connection (slot >= 0) with the types of
 * its first use's values (a NULL's is left to the server, from its
 * column), or on its own.
 */
static PGresult *
run(struct stq *q)
{
	struct store *st = q->st;
	char name[16];
	PGresult *r;

	if (q->slot >= 0) {
		snprintf(name, sizeof(name), "hb%d", q->slot);
		if (q->prepared != st->pg_gen) {
			r = st->pq->prepare(st->conn, name, q->sql, q->nparams,
			    q->type);
			if (st->pq->resultStatus(r) != PGRES_COMMAND_OK)
				return r;
			st->pq->clear(r);
			q->prepared = st->pg_gen;
		}
		return st->pq->execPrepared(st->conn, name, q->nparams, q->val,
		    q->len, q->fmt, 0);
	}
	return st->pq->execParams(st->conn, q->sql, q->nparams, q->type, q->val,
	    q->len, q->fmt, 0);
}

/* The unescaped bytes of the row before are let go. */
void
pg_clear_row(struct stq *q)
{
	int i;

	for (i = 0; i < STQ_COLS; i++) {
		free(q->bytes[i]);
		q->bytes[i] = NULL;
	}
}

void
pg_clear(struct stq *q)
{
	pg_clear_row(q);
	if (q->res != NULL)
		q->st->pq->clear(q->res);
	q->res = NULL;
	q->row = -1;
	q->rows = 0;
}

/*
 * Column i of the current row, NUL-terminated, with its length in *len:
 * NULL for SQL NULL. A bytea column comes as its bytes (libpq gives
 * text results escaped), with a NUL after them.
 */
const char *
pg_value(struct stq *q, int i, size_t *len)
{
	const struct store *st = q->st;
	const char *v;
	unsigned char *b, *nb;
	size_t n;

	if (q->res == NULL || q->row < 0 || q->row >= q->rows || i < 0 ||
	    i >= st->pq->nfields(q->res) ||
	    st->pq->getisnull(q->res, q->row, i)) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	v = st->pq->getvalue(q->res, q->row, i);
	if (st->pq->ftype(q->res, i) != PG_BYTEA || i >= STQ_COLS) {
		if (len != NULL)
			*len = (size_t)st->pq->getlength(q->res, q->row, i);
		return v;
	}
	if (q->bytes[i] == NULL) {
		if ((b = st->pq->unescapeBytea((const unsigned char *)v, &n)) ==
		    NULL)
			return NULL;
		/* with a NUL after them, for a reader of text */
		if ((nb = malloc(n + 1)) != NULL) {
			memcpy(nb, b, n);
			nb[n] = '\0';
		}
		st->pq->freemem(b);
		if (nb == NULL)
			return NULL;
		q->bytes[i] = nb;
		q->nbytes[i] = n;
	}
	if (len != NULL)
		*len = q->nbytes[i];
	return (const char *)q->bytes[i];
}

int
pg_exec(struct store *st, const char *text)
{
	PGresult *r;
	char *sql;
	int n, rc = SQLITE_OK;

	if (connected(st) == -1)
		return SQLITE_IOERR;
	if ((sql = pg_sql(text, &n)) == NULL)
		return SQLITE_NOMEM;
	r = st->pq->exec(st->conn, sql);
	if (dropped(st, r)) {
		st->pq->clear(r);
		r = st->pq->exec(st->conn, sql);
	}
	if (st->pq->resultStatus(r) != PGRES_COMMAND_OK &&
	    st->pq->resultStatus(r) != PGRES_TUPLES_OK)
		rc = failure(st, r);
	st->pq->clear(r);
	free(sql);
	return rc;
}

/*
 * BEGIN; with runner, the runner's lock too (its wait ends after
 * busy_timeout_ms, as busy). SQLite's codes.
 */
int
pg_begin(struct store *st, int runner)
{
	int rc;

	if ((rc = pg_exec(st, "BEGIN")) != SQLITE_OK)
		return rc;
	st->in_tx = 1;
	if (runner && (rc = pg_exec(st,
	    "SELECT pg_advisory_xact_lock(" PG_RUNNER_LOCK ")")) != SQLITE_OK)
		pg_end(st, "ROLLBACK");
	return rc;
}

/* COMMIT or ROLLBACK. */
int
pg_end(struct store *st, const char *how)
{
	int rc = pg_exec(st, how);

	st->in_tx = 0;
	return rc;
}

/* The schema's version: 0 for none yet, -1 on an error. */
static int
schema_version(struct store *st)
{
	struct stq *q = q_prepare(st, "SELECT to_regclass('hookbox_schema')"
	    " IS NOT NULL");
	int v = -1;

	if (q == NULL)
		return -1;
	if (q_step(q) == SQLITE_ROW)
		v = (int)q_int(q, 0);
	q_free(q);
	if (v != 1)
		return v;
	if ((q = q_prepare(st, "SELECT coalesce(max(version), 0)"
	    " FROM hookbox_schema")) == NULL)
		return -1;
	v = q_step(q) == SQLITE_ROW ? (int)q_int(q, 0) : -1;
	q_free(q);
	return v;
}

/* Creates the schema when the database has none. 0, or -1 with err. */
static int
migrate(struct store *st, struct buf *err)
{
	int v;

	if (pg_begin(st, 1) != SQLITE_OK)
		goto fail;
	if ((v = schema_version(st)) < 0)
		goto fail_tx;
	if (v > PG_SCHEMA_VERSION) {
		pg_end(st, "ROLLBACK");
		buf_printf(err, "the database has schema version %d, newer "
		    "than this hookbox (%d): upgrade hookbox\n", v,
		    PG_SCHEMA_VERSION);
		return -1;
	}
	if (v < PG_SCHEMA_VERSION && (pg_exec(st, schema) != SQLITE_OK ||
	    pg_exec(st, "DELETE FROM hookbox_schema; INSERT INTO"
	    " hookbox_schema VALUES (" HB_STR(PG_SCHEMA_VERSION) ")") !=
	    SQLITE_OK))
		goto fail_tx;
	if (pg_end(st, "COMMIT") != SQLITE_OK)
		goto fail;
	return 0;
 fail_tx:
	pg_end(st, "ROLLBACK");
 fail:
	buf_printf(err, "cannot set up the database: %s\n", st->pg_err);
	return -1;
}

/*
 * Connects to conninfo (a postgresql:// URI or libpq's key=value form)
 * and brings the schema up to date. NULL with a sentence in err: never
 * the password, which libpq's messages do not carry either.
 */
struct store *
store_pg_open(const char *conninfo, int busy_ms, struct buf *err)
{
	/* The URI's own values come after, and win over, these defaults. */
	const char *keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *vals[] = { "5", "hookbox", conninfo, NULL };
	PQconninfoOption *opts;
	struct store *st;
	char where[256];

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->pg = 1;
	st->queue = -1;
	st->busy_ms = busy_ms;
	if ((st->pq = pq_load(err)) == NULL)
		goto fail;
	where_pq(st->pq, conninfo, where, sizeof(where));
	/*
	 * libpq's word on an address it cannot read quotes the address,
	 * password and all: it is read here first, and that word replaced.
	 */
	if ((opts = st->pq->conninfoParse(conninfo, NULL)) == NULL) {
		buf_printf(err, "cannot read the database address: not a "
		    "postgresql:// URI or key=value list libpq can read (look "
		    "for an unencoded character such as '/', '@' or ']' in "
		    "the password or host)\n");
		goto fail;
	}
	st->pq->conninfoFree(opts);
	st->conn = st->pq->connectdbParams(keys, vals, 1);
	if (st->conn == NULL || st->pq->status(st->conn) != CONNECTION_OK) {
		note_error(st, st->conn != NULL ?
		    st->pq->errorMessage(st->conn) : "out of memory");
		buf_printf(err, "cannot connect to the database %s: %s\n",
		    where, st->pg_err);
		goto fail;
	}
	if (session(st) == -1) {
		buf_printf(err, "cannot use the database %s: %s\n", where,
		    st->pg_err);
		goto fail;
	}
	if (schema_version(st) != PG_SCHEMA_VERSION &&
	    migrate(st, err) == -1)
		goto fail;
	return st;
 fail:
	store_close(st);
	return NULL;
}

void
store_pg_close(struct store *st)
{
	if (st->pq == NULL)
		return;
	if (st->conn != NULL)
		st->pq->finish(st->conn);
	pq_unload(st->pq);
}

/* `hookbox check`: the server answers, and the schema is ours. */
int
store_pg_check(struct store *st, struct buf *err)
{
	int v;

	if (connected(st) == -1) {
		buf_printf(err, "database: %s\n", st->pg_err);
		return -1;
	}
	if ((v = schema_version(st)) != PG_SCHEMA_VERSION) {
		buf_printf(err, "database: schema version %d, not %d: run "
		    "`hookbox init`\n", v, PG_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/*
 * conninfo without its secrets, for messages and `hookbox check`:
 * postgresql://user@host:port/dbname, from libpq's own reading of it.
 */
static void
where_pq(const struct pq *pq, const char *conninfo, char *out, size_t outsz)
{
	PQconninfoOption *o, *opts;
	const char *user = "", *host = "", *port = "", *db = "";

	if ((opts = pq->conninfoParse(conninfo, NULL)) == NULL) {
		snprintf(out, outsz, "(a PostgreSQL address libpq cannot read)");
		return;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
	}
	snprintf(out, outsz, "postgresql://%s%s%s%s%s/%s", user,
	    *user != '\0' ? "@" : "", host, *port != '\0' ? ":" : "", port, db);
	pq->conninfoFree(opts);
}

void
store_where(const char *conninfo, char *out, size_t outsz)
{
	struct buf err = { 0 };
	struct pq *pq;

	if (!store_is_pg(conninfo)) {
		snprintf(out, outsz, "%s", conninfo);
		return;
	}
	pq = pq_load(&err);
	buf_free(&err);
	if (pq == NULL) {
		snprintf(out, outsz, "(a PostgreSQL address: libpq is missing)");
		return;
	}
	where_pq(pq, conninfo, out, outsz);
	pq_unload(pq);
}

#else	/* HOOKBOX_NO_PG: the static build, or no libpq: SQLite alone */

struct store *
store_pg_open(const char *conninfo, int busy_ms, struct buf *err)
{
	(void)conninfo;
	(void)busy_ms;
	buf_printf(err, "this hookbox was built without PostgreSQL (the "
	    "static build, or a machine without libpq's development files): "
	    "build it where they are (Debian: libpq-dev)\n");
	return NULL;
}

void store_pg_close(struct store *st) { (void)st; }
int pg_step(struct stq *q) { (void)q; return SQLITE_ERROR; }
const char *pg_value(struct stq *q, int i, size_t *len)
{ (void)q; (void)i; if (len != NULL) *len = 0; return NULL; }
void pg_clear(struct stq *q) { (void)q; }
void pg_clear_row(struct stq *q) { (void)q; }
int pg_exec(struct store *st, const char *s)
{ (void)st; (void)s; return SQLITE_ERROR; }
int pg_begin(struct store *st, int r) { (void)st; (void)r; return SQLITE_ERROR; }
int pg_end(struct store *st, const char *h) { (void)st; (void)h; return SQLITE_ERROR; }
int store_pg_check(struct store *st, struct buf *err)
{ (void)st; (void)err; return -1; }
void
store_where(const char *conninfo, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s", store_is_pg(conninfo) ?
	    "(a PostgreSQL database)" : conninfo);
}

#endif

/*
 * Whether database names PostgreSQL: a postgresql:// or postgres:// URI,
 * or libpq's key=value form (it starts with a keyword and '='). A file
 * path is SQLite's.
 */
int
store_is_pg(const char *database)
{
	size_t n;

	if (database == NULL)
		return 0;
	if (strncmp(database, "postgresql://", 13) == 0 ||
	    strncmp(database, "postgres://", 11) == 0)
		return 1;
	n = strspn(database, "abcdefghijklmnopqrstuvwxyz_");
	return n > 0 && database[n + strspn(database + n, " ")] == '=';
}
