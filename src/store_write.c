/*
 * The store's writing side: events and rejects, what a request writes
 * (store_write), and `hookbox check`, which lets writes be acknowledged
 * again after a failed fsync. The connection, transactions and the
 * fsync are store.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store_int.h"

#define REJECT_BUMP_ROWS 64	/* the newest rejects rows a refusal may be
				   counted on (S_REJECT_BUMP) */

static const char *const sql[S__MAX] = {
	[S_FIND] =
	    "SELECT id FROM events WHERE endpoint = ?1 AND event_key = ?2",
	/* The newest occurrence of an id-less signal */
	[S_FIND_WINDOW] =
	    "SELECT id, received_at FROM events WHERE endpoint = ?1"
	    " AND event_key >= ?2 || '@' AND event_key < ?2 || 'A'"
	    " ORDER BY id DESC LIMIT 1",
	[S_INSERT] =
	    "INSERT INTO events (endpoint, provider, event_type, event_key,"
	    " resource_id, received_at, method, query, content_type, headers,"
	    " body, remote_addr, proof)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
	    " ON CONFLICT (endpoint, event_key) DO NOTHING RETURNING id",
	[S_QUEUE] =
	    "INSERT INTO hook_queue (event_id, hook, queued_at) VALUES (?1, ?2, ?3)",
	[S_REJECT] =
	    "INSERT INTO rejects (received_at, endpoint, status, reason,"
	    " remote_addr, body_head) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/*
	 * The same cause from the same address in the same
	 * second counts on the newest such row, looked for among the newest
	 * rows only (a rowid range: no index to keep up).
	 */
	[S_REJECT_BUMP] =
	    "UPDATE rejects SET count = count + 1 WHERE id = (SELECT id FROM"
	    " rejects WHERE id > (SELECT max(id) FROM rejects) - "
	    HB_STR(REJECT_BUMP_ROWS)
	    " AND received_at = ?1 AND endpoint = ?2 AND status = ?3"
	    " AND reason = ?4 AND remote_addr = ?5 ORDER BY id DESC LIMIT 1)",
	/* Keep the newest REJECTS_CAP rows */
	[S_REJECT_TRIM] =
	    "DELETE FROM rejects WHERE id <= (SELECT max(id) FROM rejects) - ?1",
};

/* A statement of this file's, prepared once (store_stmt). */
static struct stq *
stmt(struct store *st, enum stmt s)
{
	return store_stmt(st, s, sql[s]);
}

/* Busy, locked, full, read-only, I/O: the sender should come back later. */
static enum store_err
classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ST_BUSY;
	default:
		return ST_FAIL;
	}
}

static int
find(struct store *st, const char *endpoint, const char *key,
    long long *id)
{
	struct stq *p = stmt(st, S_FIND);
	int rc;

	if (p == NULL)
		return SQLITE_ERROR;
	q_bind_text(p, 1, endpoint);
	q_bind_text(p, 2, key);
	rc = q_step(p);
	if (rc == SQLITE_ROW)
		*id = q_int(p, 0);
	q_reset(p);
	return rc;
}

/*
 * An id-less signal's key in the window lookup: '@' and '%' are escaped,
 * so "<key>@" is a prefix of this key's occurrences and of no other's.
 */
static int
escape_at(char *out, size_t outsz, const char *key)
{
	size_t o = 0;

	for (; *key != '\0'; key++) {
		const char *rep = *key == '@' ? "%40" : *key == '%' ? "%25" : NULL;
		size_t n = rep != NULL ? 3 : 1;

		if (o + n >= outsz)
			return -1;
		memcpy(out + o, rep != NULL ? rep : key, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/*
 * The stored key of one occurrence: "<escaped key>@<time>.<random>". The
 * random part keeps two occurrences in the same second apart (with a
 * dedupe_window of 0 each is a new event).
 */
static int
windowed_key(char *out, size_t outsz, const char *key, time_t now)
{
	char base[MAX_FIELD_LEN * 3 + 1], hex[17];
	unsigned char rnd[8];

	if (escape_at(base, sizeof(base), key) == -1 ||
	    getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	return snprintf(out, outsz, "%s@%lld.%s", base, (long long)now, hex) <
	    (int)outsz ? 0 : -1;
}

/* What insert_event did. */
enum insert {
	INSERT_NEW,		/* stored, with its new id */
	INSERT_DUPLICATE,	/* stored before, with that id */
	INSERT_ERROR		/* an SQL error: the caller rolls back */
};

/*
 * Inserts one event inside the open write transaction, giving its id in
 * *id. An id-less signal (ev->windowed) is a duplicate only within
 * dedupe_window seconds of its last occurrence.
 */
static enum insert
insert_event(struct store *st, const struct stored_event *se, long long *id)
{
	const struct event *ev = se->ev;
	const struct request *r = se->req;
	char key[MAX_FIELD_LEN * 3 + 64], base[MAX_FIELD_LEN * 3 + 1];
	struct stq *p;
	int rc;

	_Static_assert(sizeof(key) >= sizeof(ev->key), "ev->key fits in key");
	strcpy(key, ev->key);
	if (ev->windowed) {
		if ((p = stmt(st, S_FIND_WINDOW)) == NULL ||
		    escape_at(base, sizeof(base), ev->key) == -1)
			return INSERT_ERROR;
		q_bind_text(p, 1, se->endpoint);
		q_bind_text(p, 2, base);
		rc = q_step(p);
		if (rc == SQLITE_ROW && se->now - q_int(p, 1) <
		    se->dedupe_window) {
			*id = q_int(p, 0);
			q_reset(p);
			return INSERT_DUPLICATE;
		}
		q_reset(p);
		if ((rc != SQLITE_ROW && rc != SQLITE_DONE) ||
		    windowed_key(key, sizeof(key), ev->key, se->now) == -1)
			return INSERT_ERROR;
	}
	if ((p = stmt(st, S_INSERT)) == NULL)
		return INSERT_ERROR;
	q_bind_text(p, 1, se->endpoint);
	q_bind_text(p, 2, se->provider);
	q_bind_text(p, 3, ev->type);
	q_bind_text(p, 4, key);
	q_bind_text(p, 5, ev->resource);
	q_bind_int(p, 6, se->now);
	q_bind_text(p, 7, r->method_name);
	q_bind_text(p, 8, se->query);
	q_bind_text(p, 9, r->content_type);
	q_bind_text(p, 10, se->headers);
	q_bind_blob(p, 11, r->body.data != NULL ? r->body.data : "",
	    r->body.len);
	q_bind_text(p, 12, r->remote_addr);
	q_bind_text(p, 13, ev->proof);
	rc = q_step(p);
	if (rc == SQLITE_ROW)
		*id = q_int(p, 0);
	q_reset(p);
	if (rc == SQLITE_DONE) {
		/* Stored since our first look: by another process, or by an
		 * earlier item of this batch. */
		return find(st, se->endpoint, key, id) == SQLITE_ROW ?
		    INSERT_DUPLICATE : INSERT_ERROR;
	}
	if (rc != SQLITE_ROW)
		return INSERT_ERROR;
	if (se->hook == NULL)
		return INSERT_NEW;
	/* Its delivery comes from a runner (dispatch), off this path. */
	if ((p = stmt(st, S_QUEUE)) == NULL)
		return INSERT_ERROR;
	q_bind_int(p, 1, *id);
	q_bind_text(p, 2, se->hook);
	q_bind_int(p, 3, se->now);
	return store_step_done(p) == -1 ? INSERT_ERROR : INSERT_NEW;
}

/* A reject's cause and source, ?1 to ?5 of S_REJECT_BUMP and S_REJECT. */
static void
bind_reject(struct stq *p, const struct reject *rj)
{
	q_bind_int(p, 1, rj->now);
	q_bind_text(p, 2, rj->endpoint != NULL ? rj->endpoint : "");
	q_bind_int(p, 3, rj->status);
	q_bind_text(p, 4, rj->reason);
	q_bind_text(p, 5, rj->addr != NULL ? rj->addr : "");
}

static int
insert_reject(struct store *st, const struct reject *rj)
{
	struct stq *p = stmt(st, S_REJECT_BUMP);

	if (p == NULL)
		return -1;
	bind_reject(p, rj);
	if (store_step_done(p) == -1)
		return -1;
	if (store_changes(st) > 0)
		return 0;
	if ((p = stmt(st, S_REJECT)) == NULL)
		return -1;
	bind_reject(p, rj);
	q_bind_blob(p, 6, rj->body != NULL ? rj->body : "",
	    (int)(rj->len > REJECT_BODY_BYTES ? REJECT_BODY_BYTES : rj->len));
	return store_step_done(p);
}

/*
 * Writes a batch of items in one transaction: one fsync for all of them
 * (group commit, for the FastCGI leader), or for one (CGI). Each
 * event's result is ST_OK with its new id, ST_DUPLICATE with the stored
 * id, or ST_BUSY / ST_FAIL when nothing of the batch was committed (the
 * sender gets 503 and retries). Rejects are kept best effort.
 *
 * Redeliveries are found by reads before any write lock is taken, so
 * that a CGI process answering a retry never queues behind writers. The
 * FastCGI leader (STORE_GROUP) is its process's only writer and has
 * nobody to queue behind: its batches go straight to the write
 * transaction, where INSERT ... ON CONFLICT DO NOTHING finds them, which
 * spares every new event a look of its own (and a read transaction, with
 * a system call for each -shm lock byte it takes and drops). A redelivery
 * then waits for the write lock like a new event, and is answered 503
 * like one when the store stays busy. Either way a retry storm writes
 * nothing: a transaction that changed no page commits no frame.
 * `rejects` is trimmed to its newest REJECTS_CAP rows in the same
 * transaction, so a flood cannot grow it.
 */
void
store_write(struct store *st, struct store_item *items, size_t n)
{
	enum insert ins;
	size_t i, todo = 0;
	int rc, rejects = 0, events = 0;

	if (store_unsynced(st)) {
		for (i = 0; i < n; i++)
			items[i].result = ST_FAIL;
		return;
	}
	for (i = 0; i < n; i++) {
		struct store_item *it = &items[i];

		it->result = ST_OK;
		if (it->se == NULL) {
			todo++;
			continue;
		}
		/* Its answer, duplicate or not, waits for the disk. */
		events = 1;
		if (st->look_first && !it->se->ev->windowed) {
			rc = find(st, it->se->endpoint, it->se->ev->key, &it->id);
			if (rc == SQLITE_ROW) {
				it->result = ST_DUPLICATE;
				continue;
			}
			if (rc != SQLITE_DONE) {
				store_log(st, "find");
				it->result = classify(rc);
				continue;
			}
		}
		todo++;
	}
	/* Redeliveries only: their rows may be another writer's, unsynced. */
	if (todo == 0) {
		if ((rc = store_wal_sync(st)) == SQLITE_OK)
			return;
		goto abort;
	}
	if ((rc = store_begin_events(st)) != SQLITE_OK) {
		store_log(st, "begin");
		goto abort;
	}
	for (i = 0; i < n; i++) {
		struct store_item *it = &items[i];

		if (it->se == NULL) {
			if (insert_reject(st, it->rj) == -1)
				goto fail;
			rejects = 1;
		} else if (it->result == ST_OK) {
			if ((ins = insert_event(st, it->se, &it->id)) ==
			    INSERT_ERROR)
				goto fail;
			it->result = ins == INSERT_DUPLICATE ? ST_DUPLICATE :
			    ST_OK;
		}
	}
	if (rejects) {
		struct stq *p = stmt(st, S_REJECT_TRIM);

		if (p == NULL)
			goto fail;
		q_bind_int(p, 1, REJECTS_CAP);
		if (store_step_done(p) == -1)
			goto fail;
	}
	if ((rc = store_commit(st, events)) == SQLITE_OK)
		return;
	goto abort;
 fail:
	store_log(st, "insert");
	rc = st->pg ? st->pg_code : sqlite3_errcode(st->db);
	store_rollback(st);
 abort:
	/*
	 * Not known to be on disk: no event of the batch may be
	 * acknowledged, not even a duplicate (of an earlier item, or of a
	 * row whose writer's fsync is still to come).
	 */
	for (i = 0; i < n; i++)
		if (items[i].se != NULL && (items[i].result == ST_OK ||
		    items[i].result == ST_DUPLICATE))
			items[i].result = classify(rc);
}

void
store_reject(struct store *st, const struct reject *rj)
{
	struct store_item it = { .rj = rj };

	store_write(st, &it, 1);
}

/*
 * `hookbox check`: the file's integrity and schema version. Returns 0,
 * or -1 with the problem in err.
 */
int
store_check(struct store *st, struct buf *err)
{
	struct stq *p;
	int rc = -1, logged = -1, done = -1, failed;

	if (st->pg)
		return store_pg_check(st, err);
	/*
	 * After a failed fsync (store_wal_sync) the WAL is not to be trusted on
	 * the disk: every frame goes into the database file, which the
	 * checkpoint syncs, and the WAL is emptied. Then the check below
	 * says whether what was copied is sound.
	 */
	failed = access(st->marker, F_OK) == 0;
	if (failed && (sqlite3_wal_checkpoint_v2(st->db, "main",
	    SQLITE_CHECKPOINT_TRUNCATE, &logged, &done) != SQLITE_OK ||
	    logged != done)) {
		buf_printf(err, "an fsync failed earlier (%s) and the WAL could "
		    "not be written into the database: %s; stop the web server "
		    "and the hook runners and try again\n", st->marker,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	if ((p = q_prepare(st, "PRAGMA quick_check")) == NULL) {
		buf_printf(err, "database: %s\n", sqlite3_errmsg(st->db));
		return -1;
	}
	if (q_step(p) == SQLITE_ROW) {
		const char *res = q_text(p, 0);

		if (res != NULL && strcmp(res, "ok") == 0)
			rc = 0;
		else
			buf_printf(err, "database is damaged: %s\n",
			    res != NULL ? res : "?");
	} else
		buf_printf(err, "database: %s\n", sqlite3_errmsg(st->db));
	q_free(p);
	if (rc == 0 && failed) {
		if (unlink(st->marker) == -1) {
			buf_printf(err, "%s: %s\n", st->marker, strerror(errno));
			return -1;
		}
		hb_warnx("an fsync had failed (%s): the WAL is now in the "
		    "database, which checks ok; events are acknowledged again",
		    st->marker);
	}
	return rc;
}
