/*
 * The store's statements, on either database. The store's files write
 * their SQL once, in SQLite's dialect with numbered parameters (?1, ?2),
 * and use it through struct stq: bind, step, read a column, reset. On
 * SQLite each call is SQLite's own; on PostgreSQL (store_pg.c) the SQL
 * is turned into PostgreSQL's (pg_sql below), prepared once per
 * connection, and run through libpq when it is first stepped; its rows
 * are then read one step at a time, as SQLite gives them.
 *
 * The results keep SQLite's codes (SQLITE_ROW, SQLITE_DONE, SQLITE_BUSY,
 * SQLITE_ERROR...), so that the store's logic reads the same over both.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

/*
 * What PostgreSQL says differently. Each is replaced wherever it occurs
 * outside a string literal; a statement that uses one is written so
 * that the replacement is its whole difference.
 */
static const struct {
	const char *lite, *pg;
} dialect[] = {
	/* SQLite's planner is told; PostgreSQL's finds the index itself. */
	{ "INDEXED BY deliveries_waiting", "" },
	{ "LIMIT -1", "LIMIT ALL" },
	/* A comment to SQLite */
	{ "/* SKIP LOCKED */", "FOR UPDATE OF d SKIP LOCKED" },
	{ "json_each(?3)", "json_array_elements_text($3::json)" },
	{ "instr(", "strpos(" },
	/* bytes as text: PostgreSQL escapes what is not ASCII */
	{ "CAST(e.body AS TEXT)", "encode(e.body, 'escape')" },
	{ "substr(d.output, -2048)", "right(d.output, 2048)" },
};

/* The dialect[] entry text starts with, or -1. */
static int
dialect_at(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof(dialect) / sizeof(dialect[0]); i++)
		if (strncmp(text, dialect[i].lite, strlen(dialect[i].lite)) == 0)
			return (int)i;
	return -1;
}

/*
 * text in PostgreSQL's dialect, malloc'd: ?N becomes $N (the dialect
 * table writes its own as $N) and the dialect[] replacements are made,
 * outside string literals. *nparams gets the highest N. NULL when out
 * of memory.
 */
char *
pg_sql(const char *text, int *nparams)
{
	struct buf out = { 0 };
	int quoted = 0, rc = 0, d, k;

	*nparams = 0;
	while (*text != '\0') {
		if (*text == '\'')
			quoted = !quoted;
		if (!quoted && *text == '?' && isdigit((unsigned char)text[1])) {
			if ((k = atoi(text + 1)) > *nparams)
				*nparams = k;
			rc |= buf_add(&out, "$", 1);
			text++;
		} else if (!quoted && (d = dialect_at(text)) != -1) {
			rc |= buf_addstr(&out, dialect[d].pg);
			/* (a parameter it holds counts: see its ?N) */
			if (strchr(dialect[d].lite, '?') != NULL &&
			    (k = atoi(strchr(dialect[d].lite, '?') + 1)) >
			    *nparams)
				*nparams = k;
			text += strlen(dialect[d].lite);
		} else
			rc |= buf_add(&out, text++, 1);
	}
	if (rc != 0 || buf_add(&out, "", 1) == -1) {
		buf_free(&out);
		return NULL;
	}
	return out.data;
}

/*
 * A statement for text: slot -1 prepares it for one use (q_prepare),
 * a slot keeps it for the connection's life (store_stmt). On PostgreSQL
 * it is prepared on the server when first run (pg_step). NULL after
 * logging why.
 */
static struct stq *
q_new(struct store *st, int slot, const char *text)
{
	struct stq *q;
	int rc;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->st = st;
	q->slot = slot;
	q->row = -1;
	if (st->pg) {
		if ((q->sql = pg_sql(text, &q->nparams)) != NULL &&
		    q->nparams <= STQ_PARAMS)
			return q;
		snprintf(st->pg_err, sizeof(st->pg_err), "a statement with "
		    "more than " HB_STR(STQ_PARAMS) " parameters");
		store_log(st, "prepare");
		free(q->sql);
		free(q);
		return NULL;
	}
	rc = slot >= 0 ? sqlite3_prepare_v3(st->db, text, -1,
	    SQLITE_PREPARE_PERSISTENT, &q->lite, NULL) :
	    sqlite3_prepare_v2(st->db, text, -1, &q->lite, NULL);
	if (rc != SQLITE_OK) {
		store_log(st, "prepare");
		free(q);
		return NULL;
	}
	return q;
}

struct stq *
q_prepare(struct store *st, const char *text)
{
	return q_new(st, -1, text);
}

struct stq *
q_persistent(struct store *st, int slot, const char *text)
{
	return q_new(st, slot, text);
}

void
q_free(struct stq *q)
{
	if (q == NULL)
		return;
	if (q->lite != NULL)
		sqlite3_finalize(q->lite);
	else
		q_reset(q);
	free(q->sql);
	free(q);
}

/* Forgets the last run's rows and every binding. */
void
q_reset(struct stq *q)
{
	int i;

	if (q->lite != NULL) {
		sqlite3_reset(q->lite);
		sqlite3_clear_bindings(q->lite);
		return;
	}
	pg_clear(q);
	for (i = 0; i < STQ_PARAMS; i++) {
		q->val[i] = NULL;
		q->len[i] = 0;
		q->fmt[i] = 0;
		q->type[i] = 0;
	}
}

/* Parameter i (from 1) of a PostgreSQL statement, or -1. */
static int
param(int i)
{
	return i >= 1 && i <= STQ_PARAMS ? i - 1 : -1;
}

void
q_bind_int(struct stq *q, int i, long long v)
{
	int k;

	if (q->lite != NULL) {
		sqlite3_bind_int64(q->lite, i, v);
		return;
	}
	if ((k = param(i)) == -1)
		return;
	snprintf(q->num[k], sizeof(q->num[k]), "%lld", v);
	q->val[k] = q->num[k];
	q->type[k] = PG_INT8;
}

/* s must hold until the statement is reset, as SQLITE_STATIC asks. */
void
q_bind_text(struct stq *q, int i, const char *s)
{
	int k;

	if (q->lite != NULL) {
		sqlite3_bind_text(q->lite, i, s, -1, SQLITE_STATIC);
		return;
	}
	if ((k = param(i)) == -1)
		return;
	q->val[k] = s;
	q->type[k] = PG_TEXT;
}

void
q_bind_blob(struct stq *q, int i, const void *data, size_t len)
{
	int k;

	if (q->lite != NULL) {
		sqlite3_bind_blob64(q->lite, i, data, len, SQLITE_STATIC);
		return;
	}
	if ((k = param(i)) == -1)
		return;
	q->val[k] = data;
	q->len[k] = (int)len;
	q->fmt[k] = 1;		/* binary: the bytes as they are */
	q->type[k] = PG_BYTEA;
}

int
q_step(struct stq *q)
{
	return q->lite != NULL ? sqlite3_step(q->lite) : pg_step(q);
}

int
q_null(struct stq *q, int i)
{
	if (q->lite != NULL)
		return sqlite3_column_type(q->lite, i) == SQLITE_NULL;
	return pg_value(q, i, NULL) == NULL;
}

/* An integer column; a PostgreSQL boolean is 1 or 0, as in SQLite. */
long long
q_int(struct stq *q, int i)
{
	const char *v;

	if (q->lite != NULL)
		return sqlite3_column_int64(q->lite, i);
	if ((v = pg_value(q, i, NULL)) == NULL)
		return 0;
	if (*v == 't')
		return 1;
	return strtoll(v, NULL, 10);
}

const char *
q_text(struct stq *q, int i)
{
	if (q->lite != NULL)
		return (const char *)sqlite3_column_text(q->lite, i);
	return pg_value(q, i, NULL);
}

const void *
q_blob(struct stq *q, int i)
{
	if (q->lite != NULL)
		return sqlite3_column_blob(q->lite, i);
	return pg_value(q, i, NULL);
}

/* Column i's length in bytes: after q_text or q_blob, as in SQLite. */
size_t
q_bytes(struct stq *q, int i)
{
	size_t len = 0;

	if (q->lite != NULL)
		return (size_t)sqlite3_column_bytes(q->lite, i);
	pg_value(q, i, &len);
	return len;
}

/* Rows the last INSERT, UPDATE or DELETE changed. */
long long
store_changes(struct store *st)
{
	return st->pg ? st->pg_changes : sqlite3_changes(st->db);
}

/* Runs SQL without parameters or rows, several statements at once. */
int
store_exec(struct store *st, const char *text)
{
	return st->pg ? pg_exec(st, text) :
	    sqlite3_exec(st->db, text, NULL, NULL, NULL);
}
