/*
 * Who may open the owner's inbox (inbox.c): the password, sessions, the
 * CSRF token, and the throttle on failed sign-ins. What is kept is the
 * store's (store_inbox.c), so that every CGI process and every FastCGI
 * worker shares it; none of it is a secret in clear:
 *
 *  - the password as an Argon2id hash (crypto_pwhash_str), checked by
 *    crypto_pwhash_str_verify;
 *  - a session as the SHA-256 of its token: the token (32 random bytes)
 *    lives only in the owner's cookie, so a row read from the database
 *    signs nobody in. A session ends after the config's
 *    inbox_session_hours unused (idle: seconds, given by the caller);
 *  - the CSRF token of a session is the HMAC-SHA256 of a fixed text
 *    under the session's token: bound to the session, never stored;
 *  - before a session, the sign-in form carries a random token that must
 *    match its own short-lived cookie (auth_signin_ok): a sign-in forged
 *    by another site is refused;
 *  - failed sign-ins per address and overall, each making the next
 *    attempt wait longer (auth_backoff). The wait is answered (429 and
 *    Retry-After), never slept in the process.
 *
 * Every comparison of a secret is constant-time (sodium_memcmp, and
 * libsodium's own inside crypto_pwhash_str_verify).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "hookbox.h"

#define SETTING_PASSWORD "inbox_password"
#define CSRF_TEXT	"hookbox inbox csrf v1"
#define THROTTLE_ALL	"all"
#define SEEN_EVERY	60	/* seconds between writes of a session's seen_at */

/*
 * One Argon2id verification at a time in a process: a FastCGI process
 * has 16 workers, and 16 sign-ins at once would hold 16 times
 * PWHASH_MEMLIMIT.
 */
static pthread_mutex_t pwhash_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * The seconds a sign-in waits after failures failed ones, the first
 * free of them costing nothing: 1, 2, 4 ... up to cap.
 */
long
auth_backoff(int failures, int free, long cap)
{
	int n = failures - free;

	if (n <= 0)
		return 0;
	if (n > 30)
		return cap;
	return (1L << (n - 1)) < cap ? 1L << (n - 1) : cap;
}

int
auth_password_set(struct store *st)
{
	struct buf b = { 0 };
	int n = store_setting(st, SETTING_PASSWORD, &b);

	buf_free(&b);
	return n;
}

/*
 * Hashes pw[0..n) and keeps the hash; every session ends (a new
 * password signs everybody out). Returns 0, or -1 with a sentence in
 * err.
 */
int
auth_set_password(struct store *st, const char *pw, size_t n,
    struct buf *err)
{
	char hash[crypto_pwhash_STRBYTES];
	size_t i;

	if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
		buf_printf(err, "a password is %d to %d bytes\n", PASSWORD_MIN,
		    PASSWORD_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f) {
			buf_printf(err, "a password holds no control "
			    "characters\n");
			return -1;
		}
	if (crypto_pwhash_str(hash, pw, n, PWHASH_OPSLIMIT,
	    PWHASH_MEMLIMIT) != 0) {
		buf_printf(err, "out of memory hashing the password (it "
		    "takes %d MiB)\n", PWHASH_MEMLIMIT >> 20);
		return -1;
	}
	if (store_setting_set(st, SETTING_PASSWORD, hash) == -1 ||
	    store_session_end(st, NULL) == -1) {
		buf_printf(err, "cannot store the password: %s\n",
		    store_errmsg(st));
		return -1;
	}
	return 0;
}

/* Returns 1 when pw[0..n) is the password, 0 when not (or none), -1. */
int
auth_password_ok(struct store *st, const char *pw, size_t n)
{
	struct buf hash = { 0 };
	int rc;

	if ((rc = store_setting(st, SETTING_PASSWORD, &hash)) == 1) {
		if (n > PASSWORD_MAX)
			rc = 0;
		else {
			pthread_mutex_lock(&pwhash_mu);
			rc = crypto_pwhash_str_verify(hash.data, pw, n) == 0;
			pthread_mutex_unlock(&pwhash_mu);
		}
	}
	buf_free(&hash);
	return rc;
}

/* The throttle's key of an address. */
static void
addr_key(char out[MAX_ADDR_LEN + 8], const char *addr)
{
	snprintf(out, MAX_ADDR_LEN + 8, "addr %.*s", MAX_ADDR_LEN, addr);
}

/*
 * Seconds until addr may try to sign in: 0 now, else the wait that its
 * own failures or everybody's impose. -1 on an error.
 */
long
auth_throttle_wait(struct store *st, const char *addr, time_t now)
{
	char key[MAX_ADDR_LEN + 8];
	int f_addr, f_all;
	time_t t_addr, t_all;
	long w_addr, w_all;

	addr_key(key, addr);
	if (store_throttle(st, key, &f_addr, &t_addr) == -1 ||
	    store_throttle(st, THROTTLE_ALL, &f_all, &t_all) == -1)
		return -1;
	/* An hour after the last failure, the count starts again. */
	if (now - t_addr > 3600)
		f_addr = 0;
	if (now - t_all > 3600)
		f_all = 0;
	w_addr = t_addr + auth_backoff(f_addr, THROTTLE_FREE_ADDR,
	    THROTTLE_CAP_ADDR) - now;
	w_all = t_all + auth_backoff(f_all, THROTTLE_FREE_ALL,
	    THROTTLE_CAP_ALL) - now;
	if (f_addr == 0 || w_addr < 0)
		w_addr = 0;
	if (f_all == 0 || w_all < 0)
		w_all = 0;
	return w_addr > w_all ? w_addr : w_all;
}

/* Notes a sign-in's outcome: a failure counts, a success clears. */
int
auth_throttle_note(struct store *st, const char *addr, int ok, time_t now)
{
	char key[MAX_ADDR_LEN + 8];

	addr_key(key, addr);
	if (ok)
		return store_throttle_clear(st, key) == -1 ||
		    store_throttle_clear(st, THROTTLE_ALL) == -1 ? -1 : 0;
	return store_throttle_fail(st, key, now) == -1 ||
	    store_throttle_fail(st, THROTTLE_ALL, now) == -1 ? -1 : 0;
}

/* A token's stored form: the hex SHA-256 of its text. */
static void
token_hash(char out[65], const char *token)
{
	hb_sha256_hex(out, token, strlen(token));
}

/* A token as auth_session_new makes them: 43 base64url characters. */
int
auth_token_valid(const char *t)
{
	size_t i;

	for (i = 0; t[i] != '\0'; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' &&
		    t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
		    t[i] == '-' || t[i] == '_'))
			return 0;
	return i == AUTH_TOKEN_LEN;
}

/*
 * A new session for addr: its token in token. Sessions unused for idle
 * seconds go. 0, or -1.
 */
int
auth_session_new(struct store *st, const char *addr, time_t now, long idle,
    char token[AUTH_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	char hash[65];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	token_hash(hash, token);
	/* The sessions left idle too long go as a new one comes. */
	if (store_session_expire(st, now - idle) == -1 ||
	    store_session_new(st, hash, addr, now) == -1)
		return -1;
	return 0;
}

/*
 * Whether token is a session now (enum auth_session): one that was used
 * within the last idle seconds.
 */
enum auth_session
auth_session_check(struct store *st, const char *token, time_t now, long idle)
{
	char hash[65], stored[65];
	time_t seen = 0;
	int n;

	if (token == NULL || !auth_token_valid(token))
		return SESSION_NONE;
	token_hash(hash, token);
	if ((n = store_session(st, hash, stored, &seen)) == -1)
		return SESSION_ERROR;
	if (n == 0 || sodium_memcmp(stored, hash, 64) != 0)
		return SESSION_NONE;
	if (now - seen > idle) {
		store_session_end(st, hash);
		return SESSION_EXPIRED;
	}
	if (now - seen >= SEEN_EVERY && store_session_seen(st, hash, now) == -1)
		return SESSION_ERROR;
	return SESSION_OK;
}

int
auth_session_end(struct store *st, const char *token)
{
	char hash[65];

	if (token == NULL || !auth_token_valid(token))
		return 0;
	token_hash(hash, token);
	return store_session_end(st, hash);
}

/* The CSRF token of the session whose token this is, in hex. */
void
auth_csrf(const char *token, char out[65])
{
	unsigned char mac[32];
	size_t i;

	hb_hmac_sha256(mac, token, strlen(token), CSRF_TEXT,
	    sizeof(CSRF_TEXT) - 1);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* Whether given[0..n) is the CSRF token of token's session. */
int
auth_csrf_ok(const char *token, const char *given, size_t n)
{
	char want[65];

	if (token == NULL || given == NULL || n != 64)
		return 0;
	auth_csrf(token, want);
	return sodium_memcmp(want, given, 64) == 0;
}

/* A token for the sign-in form (SIGNIN_COOKIE), made as a session's. */
void
auth_signin_new(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/*
 * Whether the sign-in form sent given[0..n), the token of the sign-in
 * cookie the same browser sent (cookie, "" when none): a page elsewhere
 * can make a browser post a form, but can neither read nor set this
 * HttpOnly, SameSite=Strict cookie.
 */
int
auth_signin_ok(const char *cookie, const char *given, size_t n)
{
	if (cookie == NULL || given == NULL || n != AUTH_TOKEN_LEN ||
	    !auth_token_valid(cookie))
		return 0;
	return sodium_memcmp(cookie, given, AUTH_TOKEN_LEN) == 0;
}

/*
 * The token of the cookie named name in a Cookie header ("a=1;
 * hookbox_inbox=TOKEN"): copied into out when well formed. Returns 1,
 * or 0 when there is none.
 */
int
auth_cookie(const char *header, const char *name,
    char out[AUTH_TOKEN_LEN + 1])
{
	const char *p = header;
	size_t nlen = strlen(name);

	while (p != NULL && *p != '\0') {
		const char *end;
		size_t vlen;

		while (*p == ' ' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen = (size_t)(end - p) - nlen - 1;
			if (vlen == AUTH_TOKEN_LEN) {
				memcpy(out, p + nlen + 1, vlen);
				out[vlen] = '\0';
				if (auth_token_valid(out))
					return 1;
			}
		}
		p = end;
	}
	out[0] = '\0';
	return 0;
}
