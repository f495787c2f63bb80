/*
 * `hookbox migrate --to postgresql://...`: copies a SQLite file's events,
 * hook deliveries and queue, rejects, notices and the inbox's password
 * into PostgreSQL, keeping their ids, so that `hookbox show ID` and the
 * inbox's links mean the same after the move. A row whose id is already
 * there is left as it is: the command can be run again, and copies only
 * what is new. Sessions, the sign-in throttle and the upkeep's state are
 * not copied: they start afresh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

#define MIGRATE_BATCH	500	/* rows a PostgreSQL transaction */

/*
 * A table as both stores have it: its columns, each's kind (i integer,
 * t text, b bytes), and for rows that belong to an event the column
 * holding its id: such a row is copied only if its event is there.
 */
static const struct table {
	const char	*name;
	const char	*cols;
	const char	*kinds;
	int		 event_col;	/* from 0, or -1 */
	int		 has_id;	/* paged by id; else copied at once */
} tables[] = {
	{ "events", "id, endpoint, provider, event_type, event_key,"
	    " resource_id, received_at, method, query, content_type, headers,"
	    " body, remote_addr, proof", "itttttittttbtt", -1, 1 },
	{ "deliveries", "id, event_id, endpoint, resource_id, hook, attempt,"
	    " status, next_attempt_at, lease_until, pid, pid_start, exit_code,"
	    " signal, output, error, created_at, started_at, finished_at,"
	    " done_at", "iitttitiiiiiittiiii", 1, 1 },
	{ "hook_queue", "id, event_id, hook, queued_at", "iiti", 1, 1 },
	{ "rejects", "id, received_at, endpoint, status, reason, remote_addr,"
	    " body_head, count", "iitittbi", -1, 1 },
	{ "notices", "id, status, event_id, delivery_id, attempt, created_at",
	    "itiiii", -1, 1 },
	{ "settings", "name, value", "tt", -1, 0 },
};

/* The PostgreSQL statement that copies one row of t. */
static int
insert_sql(const struct table *t, struct buf *sql)
{
	size_t i;
	int rc = 0;

	rc |= buf_printf(sql, "INSERT INTO %s (%s) SELECT ", t->name, t->cols);
	for (i = 0; t->kinds[i] != '\0'; i++)
		rc |= buf_printf(sql, "%s?%zu::%s", i > 0 ? ", " : "", i + 1,
		    t->kinds[i] == 'i' ? "bigint" : t->kinds[i] == 'b' ?
		    "bytea" : "text");
	if (t->event_col >= 0)
		rc |= buf_printf(sql, " WHERE EXISTS (SELECT 1 FROM events"
		    " WHERE id = ?%d::bigint)", t->event_col + 1);
	rc |= buf_addstr(sql, " ON CONFLICT DO NOTHING");
	return rc;
}

/* Binds the SQLite row of from to the PostgreSQL statement to. */
static void
bind_row(const struct table *t, struct stq *from, struct stq *to)
{
	int i;

	for (i = 0; t->kinds[i] != '\0'; i++) {
		if (q_null(from, i))
			continue;	/* unbound is NULL */
		if (t->kinds[i] == 'i')
			q_bind_int(to, i + 1, q_int(from, i));
		else if (t->kinds[i] == 'b') {
			const void *b = q_blob(from, i);

			q_bind_blob(to, i + 1, b != NULL ? b : "",
			    q_bytes(from, i));
		} else
			q_bind_text(to, i + 1, q_text(from, i));
	}
}

/*
 * Copies table t, a batch a transaction. Adds to *copied and *kept (rows
 * already there). 0, or -1 with the problem in err.
 */
static int
copy_table(struct store *lite, struct store *pg, const struct table *t,
    long long *copied, long long *kept, struct buf *err)
{
	struct buf sel = { 0 }, ins = { 0 };
	struct stq *from = NULL, *to = NULL;
	long long after = 0, n;
	int rc = -1, step;

	if (buf_printf(&sel, "SELECT %s FROM %s%s", t->cols, t->name,
	    t->has_id ? " WHERE id > ?1 ORDER BY id LIMIT "
	    HB_STR(MIGRATE_BATCH) : "") == -1 || insert_sql(t, &ins) == -1) {
		buf_printf(err, "out of memory\n");
		goto out;
	}
	if ((from = q_prepare(lite, sel.data)) == NULL) {
		buf_printf(err, "%s: %s\n", t->name, sqlite3_errmsg(lite->db));
		goto out;
	}
	if ((to = q_prepare(pg, ins.data)) == NULL) {
		buf_printf(err, "%s: cannot prepare the copy\n", t->name);
		goto out;
	}
	for (;;) {
		q_reset(from);
		if (t->has_id)
			q_bind_int(from, 1, after);
		n = 0;
		if (store_begin_events(pg) != SQLITE_OK)
			goto fail_pg;
		while ((step = q_step(from)) == SQLITE_ROW) {
			n++;
			if (t->has_id)
				after = q_int(from, 0);
			q_reset(to);
			bind_row(t, from, to);
			if (q_step(to) != SQLITE_DONE) {
				store_rollback(pg);
				goto fail_pg;
			}
			if (store_changes(pg) > 0)
				(*copied)++;
			else
				(*kept)++;
		}
		if (step != SQLITE_DONE) {
			store_rollback(pg);
			buf_printf(err, "%s: %s\n", t->name,
			    sqlite3_errmsg(lite->db));
			goto out;
		}
		if (store_commit(pg, 1) != SQLITE_OK)
			goto fail_pg;
		if (!t->has_id || n < MIGRATE_BATCH)
			break;
	}
	rc = 0;
	goto out;
 fail_pg:
	buf_printf(err, "%s: %s\n", t->name, pg->pg_err);
 out:
	q_free(from);
	q_free(to);
	buf_free(&sel);
	buf_free(&ins);
	return rc;
}

/*
 * New rows in PostgreSQL take ids after the copied ones: each table's
 * identity goes on from its highest id.
 */
static int
restart_ids(struct store *pg)
{
	char sql[256];
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (!tables[i].has_id)
			continue;
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence("
		    "'%s', 'id'), coalesce((SELECT max(id) FROM %s), 0) + 1,"
		    " false)", tables[i].name, tables[i].name);
		if (store_exec(pg, sql) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/*
 * Copies the SQLite file from into the PostgreSQL database to, saying
 * per table what was copied on out. 0, or -1 with the problem in err.
 */
int
store_migrate(const char *from, const char *to, int busy_ms, FILE *out,
    struct buf *err)
{
	struct store *lite = NULL, *pg = NULL;
	char where[256];
	size_t i;
	int rc = -1;

	if (store_is_pg(from)) {
		buf_printf(err, "the database to copy from must be a SQLite "
		    "file; the config names PostgreSQL\n");
		return -1;
	}
	if (!store_is_pg(to)) {
		buf_printf(err, "--to must name PostgreSQL: postgresql://... or "
		    "libpq's key=value form\n");
		return -1;
	}
	if ((lite = store_open(from, busy_ms, 0, err)) == NULL ||
	    (pg = store_open(to, busy_ms, STORE_SYNC_FULL, err)) == NULL)
		goto out;
	store_where(to, where, sizeof(where));
	fprintf(out, "copying %s into %s\n", from, where);
	/*
	 * One read transaction over the whole file: what is copied is one
	 * moment of it, while receivers go on writing.
	 */
	if (store_exec(lite, "BEGIN") != SQLITE_OK) {
		buf_printf(err, "%s: %s\n", from, sqlite3_errmsg(lite->db));
		goto out;
	}
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		long long copied = 0, kept = 0;

		if (copy_table(lite, pg, &tables[i], &copied, &kept, err) == -1)
			goto out_tx;
		fprintf(out, "%-12s %lld copied, %lld already there\n",
		    tables[i].name, copied, kept);
	}
	if (restart_ids(pg) == -1) {
		buf_printf(err, "cannot set the identities: %s\n", pg->pg_err);
		goto out_tx;
	}
	fprintf(out, "done: point \"database\" in the config at it\n");
	rc = 0;
 out_tx:
	store_exec(lite, "COMMIT");
 out:
	store_close(pg);
	store_close(lite);
	return rc;
}
