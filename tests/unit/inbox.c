/*
 * Unit tests of the inbox's pieces: src/html.c (escaping for each
 * context), src/auth.c (password, sessions, CSRF tokens, the sign-in
 * throttle) and the store functions under them (src/store_inbox.c).
 */
#include "unit.h"

static struct store *
inbox_store(const char *name)
{
	struct buf err = { 0 }, path = { 0 };
	struct store *st;

	buf_printf(&path, "%s/%s", tmpdir, name);
	if ((st = store_open(path.data, 1000, 0, &err)) == NULL)
		note(__LINE__, "store_open: %s", err.data ? err.data : "");
	buf_free(&err);
	buf_free(&path);
	return st;
}

static void
t_html_text(void)
{
	struct buf b = { 0 };

	html_esc(&b, "<script>a\"b'c&d</script>", 24);
	EXPECT_STR(b.data, "&lt;script&gt;a&quot;b&#39;c&amp;d&lt;/script&gt;");
	b.len = 0;
	/* Not UTF-8: U+FFFD, never a byte a browser would guess at. */
	html_esc(&b, "a\xff" "b\xc3\xa9", 5);
	EXPECT_STR(b.data, "a\xef\xbf\xbd" "b\xc3\xa9");
	b.len = 0;
	/* Control bytes shown, tab and newline kept. */
	html_esc(&b, "x\x1b[31m\x01\t\n", 9);
	EXPECT_STR(b.data, "x\\x1b[31m\\x01\t\n");
	b.len = 0;
	html_esc(&b, "\"><img src=x onerror=alert(1)>", 30);
	EXPECT(strchr(b.data, '<') == NULL && strchr(b.data, '"') == NULL);
	b.len = 0;
	html_esc(&b, "</textarea><script>", 19);
	EXPECT_STR(b.data, "&lt;/textarea&gt;&lt;script&gt;");
	buf_free(&b);
}

static void
t_html_url(void)
{
	struct buf b = { 0 };

	html_url(&b, "javascript:alert(1)", 19);
	EXPECT_STR(b.data, "javascript%3Aalert%281%29");
	b.len = 0;
	html_url(&b, "a b&c=d/\"<'#?", 13);
	EXPECT_STR(b.data, "a%20b%26c%3Dd%2F%22%3C%27%23%3F");
	b.len = 0;
	html_url(&b, "order-1.x_y~", 12);
	EXPECT_STR(b.data, "order-1.x_y~");
	buf_free(&b);
}

static void
t_html_fmt(void)
{
	struct buf b = { 0 };
	struct store_text t = { "<b>x</b>", 3 };
	struct store_text none = { NULL, 0 };

	EXPECT_INT(html_fmt(&b, "<a href=\"/e?q=%U\" title=\"%H\">%T%T %d %L %%"
	    " %s</a>", "a&b", "\"x\"", t, none, 7, 1LL << 40, "<i>"), 0);
	EXPECT_STR(b.data, "<a href=\"/e?q=a%26b\" title=\"&quot;x&quot;\">"
	    "&lt;b&gt; 7 1099511627776 % <i></a>");
	/* A verb hookbox does not know is its own mistake: -1. */
	EXPECT_INT(html_fmt(&b, "%z"), -1);
	buf_free(&b);
}

static void
t_auth_password(void)
{
	struct store *st = inbox_store("passwd.db");
	struct buf err = { 0 };

	if (st == NULL)
		return;
	EXPECT_INT(auth_password_set(st), 0);
	EXPECT_INT(auth_password_ok(st, "anything", 8), 0);
	EXPECT_INT(auth_set_password(st, "short", 5, &err), -1);
	EXPECT_INT(auth_set_password(st, "tab\there!", 9, &err), -1);
	EXPECT_INT(auth_set_password(st, "correct horse", 13, &err), 0);
	EXPECT_INT(auth_password_set(st), 1);
	EXPECT_INT(auth_password_ok(st, "correct horse", 13), 1);
	EXPECT_INT(auth_password_ok(st, "correct hors", 12), 0);
	EXPECT_INT(auth_password_ok(st, "correct horsE", 13), 0);
	/* Never the password itself in the database. */
	{
		struct buf path = { 0 };

		buf_printf(&path, "%s/passwd.db", tmpdir);
		EXPECT_INT(sound_count(path.data, SQLITE_OPEN_READONLY,
		    "SELECT count(*) FROM settings WHERE value LIKE "
		    "'$argon2id$%' AND instr(value, 'horse') = 0"), 1);
		buf_free(&path);
	}
	buf_free(&err);
	store_close(st);
}

#define IDLE	(2 * 3600L)	/* an idle time that is not the default */

static void
t_auth_sessions(void)
{
	struct store *st = inbox_store("sessions.db");
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1], other[AUTH_TOKEN_LEN + 1];
	time_t now = 1700000000;

	if (st == NULL)
		return;
	EXPECT_INT(auth_session_new(st, "192.0.2.1", now, IDLE, a), 0);
	EXPECT_INT(auth_session_new(st, "192.0.2.1", now, IDLE, b), 0);
	EXPECT_INT(strlen(a), AUTH_TOKEN_LEN);
	EXPECT(strcmp(a, b) != 0);
	EXPECT(auth_token_valid(a));
	EXPECT_INT(auth_session_check(st, a, now + 10, IDLE), SESSION_OK);
	/* A token nobody was given, and a malformed one. */
	memcpy(other, a, sizeof(other));
	other[0] = other[0] == 'A' ? 'B' : 'A';
	EXPECT_INT(auth_session_check(st, other, now, IDLE), SESSION_NONE);
	EXPECT_INT(auth_session_check(st, "x'; DROP TABLE sessions;--", now,
	    IDLE), SESSION_NONE);
	EXPECT_INT(auth_session_check(st, NULL, now, IDLE), SESSION_NONE);
	/* Used: its idle time starts again. */
	EXPECT_INT(auth_session_check(st, a, now + IDLE - 5, IDLE),
	    SESSION_OK);
	EXPECT_INT(auth_session_check(st, a, now + 2 * IDLE - 10, IDLE),
	    SESSION_OK);
	/* b was not used: it expired, and is gone after saying so. */
	EXPECT_INT(auth_session_check(st, b, now + IDLE + 1, IDLE),
	    SESSION_EXPIRED);
	EXPECT_INT(auth_session_check(st, b, now + IDLE + 2, IDLE),
	    SESSION_NONE);
	EXPECT_INT(auth_session_end(st, a), 0);
	EXPECT_INT(auth_session_check(st, a, now + 20, IDLE), SESSION_NONE);
	store_close(st);
}

static void
t_auth_csrf(void)
{
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1], ca[65], cb[65];
	struct store *st = inbox_store("csrf.db");

	if (st == NULL)
		return;
	auth_session_new(st, "192.0.2.1", 1700000000, 3600, a);
	auth_session_new(st, "192.0.2.2", 1700000000, 3600, b);
	auth_csrf(a, ca);
	auth_csrf(b, cb);
	EXPECT_INT(strlen(ca), 64);
	EXPECT(strcmp(ca, cb) != 0);
	EXPECT(auth_csrf_ok(a, ca, 64));
	EXPECT(!auth_csrf_ok(a, cb, 64));	/* another session's */
	EXPECT(!auth_csrf_ok(b, ca, 64));
	EXPECT(!auth_csrf_ok(a, ca, 63));
	EXPECT(!auth_csrf_ok(a, "", 0));
	EXPECT(!auth_csrf_ok(NULL, ca, 64));
	/* The same session, the same token: a page reload keeps forms valid. */
	auth_csrf(a, cb);
	EXPECT_STR(ca, cb);
	store_close(st);
}

static void
t_auth_cookie(void)
{
	char out[AUTH_TOKEN_LEN + 1];
	const char *tok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456";

	EXPECT_INT(strlen(tok), AUTH_TOKEN_LEN);
	EXPECT_INT(auth_cookie("a=1; hookbox_inbox=abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJ0123456; b=2", AUTH_COOKIE, out), 1);
	EXPECT_STR(out, tok);
	EXPECT_INT(auth_cookie("xhookbox_inbox=abcdefghijklmnopqrstuvwxyzABCDE"
	    "FGHIJ0123456", AUTH_COOKIE, out), 0);
	EXPECT_INT(auth_cookie("hookbox_inbox=short", AUTH_COOKIE, out), 0);
	EXPECT_INT(auth_cookie("hookbox_inbox=abcdefghijklmnopqrstuvwxyzABCDE"
	    "FGHIJ012345<", AUTH_COOKIE, out), 0);
	EXPECT_INT(auth_cookie("", AUTH_COOKIE, out), 0);
	/* The sign-in cookie is another name: neither is taken for the other. */
	EXPECT_INT(auth_cookie("hookbox_inbox=abcdefghijklmnopqrstuvwxyzABCDE"
	    "FGHIJ0123456", SIGNIN_COOKIE, out), 0);
	EXPECT_INT(auth_cookie("hookbox_signin=abcdefghijklmnopqrstuvwxyzABCD"
	    "EFGHIJ0123456", SIGNIN_COOKIE, out), 1);
	EXPECT_STR(out, tok);
}

/* The sign-in form's token: its own cookie's, exactly. */
static void
t_auth_signin(void)
{
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];

	auth_signin_new(a);
	auth_signin_new(b);
	EXPECT(auth_token_valid(a));
	EXPECT(strcmp(a, b) != 0);
	EXPECT(auth_signin_ok(a, a, AUTH_TOKEN_LEN));
	EXPECT(!auth_signin_ok(a, b, AUTH_TOKEN_LEN));	/* another form's */
	EXPECT(!auth_signin_ok(a, a, AUTH_TOKEN_LEN - 1));
	EXPECT(!auth_signin_ok("", "", 0));		/* no cookie, no field */
	EXPECT(!auth_signin_ok("", a, AUTH_TOKEN_LEN));	/* no cookie */
	EXPECT(!auth_signin_ok(NULL, a, AUTH_TOKEN_LEN));
	EXPECT(!auth_signin_ok(a, NULL, 0));
}

static void
t_auth_throttle(void)
{
	struct store *st = inbox_store("throttle.db");
	time_t now = 1700000000;
	int i;

	EXPECT_INT(auth_backoff(0, 0, 900), 0);
	EXPECT_INT(auth_backoff(1, 0, 900), 1);
	EXPECT_INT(auth_backoff(2, 0, 900), 2);
	EXPECT_INT(auth_backoff(5, 0, 900), 16);
	EXPECT_INT(auth_backoff(40, 0, 900), 900);
	EXPECT_INT(auth_backoff(20, 20, 300), 0);
	EXPECT_INT(auth_backoff(21, 20, 300), 1);
	if (st == NULL)
		return;
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.1", now), 0);
	auth_throttle_note(st, "192.0.2.1", 0, now);
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.1", now), 1);
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.1", now + 1), 0);
	auth_throttle_note(st, "192.0.2.1", 0, now + 1);
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.1", now + 1), 2);
	/* Another address is not held back by this one's few failures. */
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.2", now + 1), 0);
	/* Many addresses failing: everybody waits. */
	for (i = 0; i < THROTTLE_FREE_ALL + 3; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		auth_throttle_note(st, addr, 0, now + 2);
	}
	EXPECT(auth_throttle_wait(st, "192.0.2.3", now + 2) >= 4);
	/* An hour later the counts start again. */
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.1", now + 3700), 0);
	/* A success clears its address and the overall count. */
	auth_throttle_note(st, "192.0.2.1", 1, now + 3);
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.1", now + 3), 0);
	EXPECT_INT(auth_throttle_wait(st, "192.0.2.3", now + 3), 0);
	store_close(st);
}

static void
t_inbox_path(void)
{
	EXPECT(inbox_path("/_inbox"));
	EXPECT(inbox_path("/_inbox/"));
	EXPECT(inbox_path("/_inbox/events"));
	EXPECT(!inbox_path("/_inboxes"));
	EXPECT(!inbox_path("/catalog/_inbox"));
	EXPECT(!inbox_path("_inbox"));
	EXPECT(!inbox_path(NULL));
}

static void
t_inbox_name_refused(void)
{
	struct buf err = { 0 };
	const char *path = tmpfile_with("inbox-name.conf", "{ \"database\": "
	    "\"x.db\", \"endpoints\": { \"_inbox\": { \"provider\": "
	    "\"flipsnack\", \"token\": \"abcdefghijklmnop\" } } }", 0600);
	struct conf *c = conf_load(path, &err);

	EXPECT(c == NULL);
	EXPECT_HAS(err.data, "owner's inbox");
	conf_free(c);
	buf_free(&err);
}

/* inbox_session_hours: 12 by default, 1 to 720, else an error naming it. */
static void
t_inbox_session_hours(void)
{
	static const struct { const char *v; int want; } cases[] = {
		{ NULL, INBOX_SESSION_HOURS_DEFAULT }, { "2", 2 }, { "720", 720 },
		{ "0", -1 }, { "721", -1 }, { "\"12\"", -1 },
	};
	struct buf err = { 0 }, text = { 0 };
	struct conf *c;
	size_t i;

	EXPECT_INT(INBOX_SESSION_HOURS_DEFAULT, 12);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text.len = 0;
		err.len = 0;
		buf_printf(&text, "{ \"database\": \"x.db\", %s%s%s"
		    "\"endpoints\": {} }", cases[i].v != NULL ?
		    "\"inbox_session_hours\": " : "", cases[i].v != NULL ?
		    cases[i].v : "", cases[i].v != NULL ? ", " : "");
		c = conf_load(tmpfile_with("session-hours.conf", text.data,
		    0600), &err);
		if (cases[i].want < 0) {
			EXPECT(c == NULL);
			EXPECT_HAS(err.data, "inbox_session_hours");
		} else if (c == NULL)
			note(__LINE__, "%s: %s", text.data, err.data);
		else
			EXPECT_INT(conf_inbox_session_hours(c), cases[i].want);
		conf_free(c);
	}
	buf_free(&err);
	buf_free(&text);
}

/* Every platform's row says where its URL goes: the Endpoints page's. */
static void
t_inbox_provider_where(void)
{
	const struct provider *p;
	size_t i;

	for (i = 0; (p = prov_at(i)) != NULL; i++) {
		if (p->title == NULL || p->title[0] == '\0')
			note(__LINE__, "%s: no title", p->name);
		if (p->where == NULL || p->where[0] == '\0')
			note(__LINE__, "%s: no where", p->name);
	}
	EXPECT_STR(prov_find("woocommerce")->where, "WooCommerce > Settings > "
	    "Advanced > Webhooks > Add webhook, as the Delivery URL");
}

const struct unit_case inbox_cases[] = {
	{ "html escapes text and attributes", t_html_text },
	{ "html escapes URL parts", t_html_url },
	{ "html_fmt's verbs", t_html_fmt },
	{ "auth password: Argon2id, checked", t_auth_password },
	{ "auth sessions: random, hashed, idle expiry", t_auth_sessions },
	{ "auth CSRF token bound to its session", t_auth_csrf },
	{ "auth session cookie parsed strictly", t_auth_cookie },
	{ "auth sign-in form token matches its own cookie", t_auth_signin },
	{ "auth sign-in throttle per address and overall", t_auth_throttle },
	{ "inbox path", t_inbox_path },
	{ "config refuses an endpoint named _inbox", t_inbox_name_refused },
	{ "config: inbox_session_hours", t_inbox_session_hours },
	{ "every provider row says where its URL goes", t_inbox_provider_where },
	{ NULL, NULL }
};
