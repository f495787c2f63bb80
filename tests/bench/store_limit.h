/*
 * store_limit: the store code of the bench's store limits (store_cgi.c,
 * store_fcgi.c). The least a webhook receiver can do to keep an event
 * durably in hookbox's database, written the way hookbox writes, so that
 * the programs built on it bound hookbox from above. See store_limit.c.
 */
#ifndef STORE_LIMIT_H
#define STORE_LIMIT_H

#include <stddef.h>

/* Bodies above this are refused (413), as hookbox refuses its own. */
#define SL_BODY_MAX	65536

struct sl;

/*
 * Opens data/hookbox.db in the folder of CONF (the bench's layout; the
 * config itself is not read), as made by `hookbox init`. NULL on failure,
 * with the reason on stderr.
 */
struct sl *sl_open(const char *conf);

/*
 * Commits one row for BODY (its "order_id" is the key) and syncs the WAL.
 * Returns the new row's id, 0 if the body has no order id (400), -1 if
 * the store failed (503).
 */
long long sl_insert(struct sl *s, const char *body, size_t len);

void sl_close(struct sl *s);

/*
 * The CGI answer for STATUS ("200 OK", ...) and ID (> 0: accepted, as
 * hookbox answers; else an error) in OUT; returns its length.
 */
int sl_answer(char *out, size_t size, const char *status, long long id);

#endif
