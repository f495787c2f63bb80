#!/usr/bin/env bash
# The owner's inbox (<script URL>/_inbox, issue 20) behind the real web
# servers of tests/lib/servers.sh: lighttpd with FastCGI and Apache with
# plain CGI by default (INBOX_KINDS picks others). For each, with curl:
# the inbox is off (404) until `hookbox passwd`; a sign-in without the
# sign-in form's token and cookie is 403; a wrong password is 401,
# the next try at once 429 with Retry-After, and is kept with the
# rejects; the session cookie's attributes; the security headers of every
# page; a POST without the CSRF token, with another session's, or from
# an expired session is 403 and changes nothing; a GET changes nothing;
# `replay --dead` and `check`'s refusal of an endpoint named _inbox. Then
# tests/inbox_browser.py drives headless Chromium through it as the owner
# would (sign in, the demo orders, one of them, a retry that succeeds, the
# refused request, payloads that must not run), with screenshots at
# desktop and phone width in $INBOX_SHOTS (default build/inbox-shots).
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/servers.sh"

server_require || exit 1
# Debian's python3 has python3-selenium; a python3 earlier in PATH may not.
PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import selenium' 2>/dev/null; then PY=$p; break; fi
done
for need in chromium chromedriver sqlite3 curl; do
	command -v $need >/dev/null || { fail "setup" "$need is missing (make test-deps installs chromium chromium-driver)"; exit 1; }
done
[ -n "$PY" ] || { fail "setup" "python3-selenium is missing (make test-deps installs it)"; exit 1; }

TOKEN=inbox-suite-token-0123456789
SECRET=inbox-suite-secret-never-shown-0123456789
PASSWORD='owner password 1'
SHOTS=${INBOX_SHOTS:-$TOP/build/inbox-shots}
mkdir -p "$SHOTS"

as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$SERVER_USER" -- env HOOKBOX_CONF="$HOOKBOX_CONF" "$@"
	else
		HOOKBOX_CONF="$HOOKBOX_CONF" "$@"
	fi
}
db() { as_server sqlite3 "$WORK/data/hookbox.db" "$1"; }

# req METHOD PATH [DATA] [COOKIE]: the status line's code; headers in
# $WORK/h, the page in $WORK/b.
req() {
	local args=(-s --noproxy '*' --max-time 30 -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' -X "$1")
	[ -n "${3:-}" ] && args+=(--data-binary "$3" -H 'Content-Type: application/x-www-form-urlencoded')
	[ -n "${4:-}" ] && args+=(-H "Cookie: $4")
	curl "${args[@]}" "$SERVER_URL/_inbox$2"
}
header() { tr -d '\r' <"$WORK/h" | sed -n "s/^$1: //Ip" | head -1; }
# cookie_of [NAME]: NAME=VALUE of the answer's Set-Cookie (hookbox_inbox).
cookie_of() { tr -d '\r' <"$WORK/h" | sed -n "s/^Set-Cookie: \(${1:-hookbox_inbox}=[^;]*\).*/\1/Ip" | head -1; }
set_cookie() { tr -d '\r' <"$WORK/h" | grep -i "^Set-Cookie: ${1:-hookbox_inbox}="; }
# signin_req PASSWORD (urlencoded): a sign-in POST from a fresh sign-in
# form, with its token and its cookie, as a browser sends it.
signin_req() {
	local c f
	req GET "" >/dev/null
	c=$(cookie_of hookbox_signin)
	f=$(grep -o 'name="signin" value="[^"]*"' "$WORK/b" | head -1 | sed 's/.*value="//; s/"$//')
	req POST /signin "signin=$f&password=$1" "$c"
}
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/b" | head -1 | sed 's/.*value="//; s/"$//'; }
deliveries() { db "SELECT count(*) FROM deliveries"; }

# sign_in: a session's cookie in COOKIE, after any wait the throttle asks.
sign_in() {
	local code i
	for i in 1 2 3 4 5; do
		code=$(signin_req "$(printf %s "$PASSWORD" | sed 's/ /+/g')")
		[ "$code" = 303 ] && { COOKIE=$(cookie_of); return 0; }
		sleep "$(header Retry-After || echo 1)"
	done
	return 1
}

run_kind() {
	local kind=$1 code c2 n0 csrf csrf2 COOKIE COOKIE2 label=$1 pw
	WORK=$(mktemp -d /tmp/hbinbox.XXXXXX)
	mkdir -p "$WORK/data" "$WORK/hooks"
	# The hook fails until the test makes hook-ok (the owner fixed it).
	cat >"$WORK/hooks/order.sh" <<-EOF
	#!/bin/sh
	cat >/dev/null
	if [ -e "$WORK/hook-ok" ]; then echo "saved order \$HOOKBOX_EVENT_ID"; exit 0; fi
	echo "cannot reach the shop's stock system" >&2
	exit 3
	EOF
	chmod 755 "$WORK/hooks/order.sh" "$WORK"
	cat >"$WORK/hookbox.conf" <<-EOF
	{
	  "database": "$WORK/data/hookbox.db",
	  "inbox_session_hours": 2,
	  "endpoints": {
	    "catalog": { "provider": "flipsnack", "token": "$TOKEN",
	      "hooks": { "order": { "run": ["$WORK/hooks/order.sh"], "max_attempts": 1 } } },
	    "store": { "provider": "reflow", "secret": "$SECRET" }
	  }
	}
	EOF
	HOOKBOX_CONF=$WORK/hookbox.conf
	server_start "$kind" "$WORK" "$HOOKBOX" "$HOOKBOX_CONF" ||
		{ fail "$label: start" "$kind did not start"; return; }

	code=$(req GET "")
	check "$label: no password: the inbox is off (404)" 404 "$code"
	check_match "$label: no password: says how to turn it on" 'hookbox passwd' "$(cat "$WORK/b")"

	# The demo orders, one that carries markup, and a refused request.
	curl -s --noproxy '*' -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @"$FIXTURES/flipsnack-orders.json" "$SERVER_URL/catalog/$TOKEN"
	curl -s --noproxy '*' -o /dev/null -H 'Content-Type: application/json' --data-binary \
		'{"type":"order","order_id":"evil-\"><img src=x onerror=window.__pwned=5>","note":"<script>window.__pwned=1</script>","link":"javascript:window.__pwned=3","x":"</textarea><script>window.__pwned=4</script><img src=x onerror=\"window.__pwned=2\">"}' \
		"$SERVER_URL/catalog/$TOKEN"
	curl -s --noproxy '*' -o /dev/null --data-binary '<img src=x onerror=window.__pwned=9>' \
		"$SERVER_URL/catalog/not-the-token-0123456789"
	dead2() { [ "$(db "SELECT count(*) FROM deliveries WHERE status = 'dead'")" = 2 ]; }
	# (Once, under load, the second order's hook was still queued after
	# 20 s behind lighttpd: the cron line's `hookbox run` then.)
	wait_for dead2 || { as_server "$HOOKBOX" run >/dev/null 2>&1; dead2; } ||
		fail "$label: setup" "the hooks did not fail: $(db 'SELECT status, error FROM deliveries')"

	printf '%s\n' "$PASSWORD" | as_server "$HOOKBOX" passwd >/dev/null
	check "$label: passwd: an Argon2id hash, not the password" 1 \
		"$(db "SELECT count(*) FROM settings WHERE value LIKE '\$argon2id\$%' AND instr(value, 'owner') = 0")"

	code=$(req GET "")
	check "$label: signed out: the sign-in form" 200 "$code"
	check "$label: CSP" "default-src 'none'" "$(header Content-Security-Policy | cut -d';' -f1)"
	check_match "$label: CSP: nonce, frame-ancestors, form-action" \
		"style-src 'nonce-[^']+'.*frame-ancestors 'none'" "$(header Content-Security-Policy)"
	check_match "$label: CSP: form-action 'self'" "form-action 'self'" "$(header Content-Security-Policy)"
	check "$label: nosniff" nosniff "$(header X-Content-Type-Options)"
	check "$label: Referrer-Policy" no-referrer "$(header Referrer-Policy)"
	check "$label: Cache-Control" no-store "$(header Cache-Control)"

	# Login CSRF: the sign-in form carries a token that must match its
	# own short-lived cookie, which no other site can read or set.
	code=$(req GET "")
	local scookie sfield
	scookie=$(cookie_of hookbox_signin)
	sfield=$(grep -o 'name="signin" value="[^"]*"' "$WORK/b" | head -1 | sed 's/.*value="//; s/"$//')
	check_match "$label: sign-in form: a token in a hidden field" '^[A-Za-z0-9_-]{43}$' "$sfield"
	check "$label: sign-in form: the same token in its cookie" "hookbox_signin=$sfield" "$scookie"
	check_match "$label: sign-in cookie: short-lived, HttpOnly, SameSite=Strict, the inbox's Path" \
		'Path=/cgi-bin/hookbox.fcgi/_inbox; Max-Age=[0-9]+; HttpOnly; SameSite=Strict' "$(set_cookie hookbox_signin)"
	pw=$(printf %s "$PASSWORD" | sed 's/ /+/g')
	code=$(req POST /signin "password=$pw")
	check "$label: sign-in POST without the form's token or cookie: 403" 403 "$code"
	check "$label: ... and no session" "" "$(cookie_of)"
	code=$(req POST /signin "password=$pw" "$scookie")
	check "$label: sign-in POST with the cookie, without the field: 403" 403 "$code"
	code=$(req POST /signin "signin=$sfield&password=$pw")
	check "$label: sign-in POST with the field, without the cookie: 403" 403 "$code"
	code=$(req POST /signin "signin=$(printf %s "$sfield" | tr 'A-Za-z' 'B-ZAb-za')&password=$pw" "$scookie")
	check "$label: sign-in POST with another form's token: 403" 403 "$code"
	check "$label: ... and no session" "" "$(cookie_of)"
	check_match "$label: ... and a fresh form to sign in with" 'name="signin" value="[A-Za-z0-9_-]{43}"' "$(cat "$WORK/b")"
	check "$label: ... and no sign-in counted as failed" 0 \
		"$(db "SELECT count(*) FROM rejects WHERE endpoint = '_inbox'")"

	code=$(signin_req "wrong")
	check "$label: wrong password: 401" 401 "$code"
	# The wait is whole seconds from the last failure's second: a
	# second try may cross into the next one, a third cannot (2 s).
	code=$(signin_req "wrong+again")
	[ "$code" = 429 ] || code=$(signin_req "wrong+thrice")
	check "$label: the next try at once: 429" 429 "$code"
	check_match "$label: 429 says when (Retry-After)" '^[0-9]+$' "$(header Retry-After)"
	check_match "$label: failed sign-ins kept with the rejects" '^[1-9]' \
		"$(db "SELECT sum(count) FROM rejects WHERE endpoint = '_inbox'")"
	check "$label: the password typed is never kept" 0 \
		"$(db "SELECT count(*) FROM rejects WHERE instr(coalesce(body_head, ''), 'wrong') > 0")"

	sign_in || { fail "$label: sign in" "no session: $(head -c 300 "$WORK/b")"; server_stop; return; }
	pass "$label: sign in"
	check_match "$label: cookie HttpOnly, SameSite=Strict, Path the inbox's" \
		'HttpOnly; SameSite=Strict' "$(set_cookie)"
	check_match "$label: cookie Path" 'Path=/cgi-bin/hookbox.fcgi/_inbox;' "$(set_cookie)"
	check_match "$label: signed in: the sign-in form's cookie is cleared" \
		'^Set-Cookie: hookbox_signin=; .*Max-Age=0' "$(set_cookie hookbox_signin)"
	check "$label: sessions are kept hashed" 0 \
		"$(db "SELECT count(*) FROM sessions WHERE token_hash = '${COOKIE#hookbox_inbox=}'")"
	req GET "" "" "$COOKIE" >/dev/null
	csrf=$(csrf_of)
	check_match "$label: a page carries the session's CSRF token" '^[0-9a-f]{64}$' "$csrf"

	# Retry all dead, with its count, for every endpoint with a dead
	# hook: here catalog's two are behind 25 newer failing hooks of
	# store, so none of them is among the 20 rows the front page lists.
	db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
		INSERT INTO events (endpoint, provider, event_type, event_key, received_at, method, body)
		SELECT 'store', 'reflow', 'order', 'filler-' || i, strftime('%s', 'now'), 'POST', '{}' FROM n;
		INSERT INTO deliveries (event_id, endpoint, hook, attempt, status, error, created_at, finished_at, next_attempt_at)
		SELECT id, endpoint, 'order', 1, 'failed', 'filler', received_at, received_at, received_at + 86400
		FROM events WHERE event_key LIKE 'filler-%';" >/dev/null
	req GET "" "" "$COOKIE" >/dev/null
	check "$label: front page: 20 failing hooks listed, none of catalog's" "20 0" \
		"$(grep -o '_inbox/retry"' "$WORK/b" | wc -l) $(grep -o '<td class="wide">catalog</td>' "$WORK/b" | wc -l)"
	check_match "$label: front page: Retry all dead of catalog, with its count" \
		'name="endpoint" value="catalog"><button class="quiet">Retry all dead of catalog \(2\)</button>' "$(cat "$WORK/b")"
	check "$label: front page: no Retry all dead for an endpoint without dead hooks" 0 \
		"$(grep -o 'Retry all dead of store' "$WORK/b" | wc -l)"
	db "DELETE FROM deliveries WHERE error = 'filler'; DELETE FROM events WHERE event_key LIKE 'filler-%';" >/dev/null

	# Another session (another browser) and its token.
	c2=$COOKIE
	sign_in; COOKIE2=$COOKIE
	req GET "" "" "$COOKIE2" >/dev/null
	csrf2=$(csrf_of)
	COOKIE=$c2

	n0=$(deliveries)
	code=$(req POST /retry "id=1&from=front" "$COOKIE")
	check "$label: POST without the CSRF token: 403" 403 "$code"
	code=$(req POST /retry "id=1&from=front&csrf=$csrf2" "$COOKIE")
	check "$label: POST with another session's CSRF token: 403" 403 "$code"
	code=$(req GET "/retry?id=1&csrf=$csrf" "" "$COOKIE")
	check "$label: a GET of an action: 404, no action" 404 "$code"
	check "$label: ... and nothing was done" "$n0" "$(deliveries)"
	code=$(req POST /done "id=1&from=event&csrf=$csrf" "$COOKIE")
	check "$label: Mark done with the token: 303" 303 "$code"
	check "$label: Mark done: the event's hook is done" done \
		"$(as_server "$HOOKBOX" list --status done | awk 'NR == 2 { print $5 }')"

	# Endpoints: where each URL goes, from its provider's row.
	req GET /endpoints "" "$COOKIE" >/dev/null
	check_match "$label: endpoints: where the Flipsnack URL goes" \
		'Goes in: workspace Settings &gt; Integrations &gt; Webhooks' "$(cat "$WORK/b")"
	check_match "$label: endpoints: the platform's title" 'Reflow</span>' "$(cat "$WORK/b")"

	# The config's inbox_session_hours (2): a session unused for 1 hour
	# goes on (and its idle time starts again); one unused for 3 hours,
	# less than the default 12, has ended.
	db "UPDATE sessions SET seen_at = seen_at - 3600" >/dev/null
	code=$(req GET /events "" "$COOKIE")
	check "$label: a session unused for 1 h of inbox_session_hours 2: still on" 200 "$code"
	db "UPDATE sessions SET seen_at = seen_at - 3 * 3600" >/dev/null
	code=$(req GET /events "" "$COOKIE")
	check "$label: expired session (3 h unused, inbox_session_hours 2): 401 and the sign-in form" 401 "$code"
	check_match "$label: expired session: says it ended, after the configured hours" \
		'session ended after 2 hours unused' "$(cat "$WORK/b")"
	code=$(req POST /retry "id=2&from=front&csrf=$csrf" "$COOKIE")
	check "$label: expired session: a POST is 403" 403 "$code"
	check "$label: ... and nothing was done" "$n0" "$(deliveries)"

	# The owner in a browser.
	INBOX_TOKEN=$TOKEN INBOX_SECRET=$SECRET "$PY" "$TOP/tests/inbox_browser.py" \
		"$SERVER_URL/_inbox" "$PASSWORD" "$SHOTS" "$WORK/hook-ok" "$label" ||
		true

	# The CLI's bulk replay: the hostile order's hook is still dead.
	check_match "$label: replay --dead --endpoint catalog" '^1 dead hook' \
		"$(as_server "$HOOKBOX" replay --dead --endpoint catalog 2>&1 | grep 'dead hook')"
	if grep -q 'AddressSanitizer\|runtime error' "$SERVER_LOG" 2>/dev/null; then
		fail "$label: sanitizers" "$(grep -m3 'ERROR\|runtime error' "$SERVER_LOG")"
	fi
	server_stop
	rm -rf "$WORK"
}

for kind in ${INBOX_KINDS:-lighttpd-fastcgi apache-cgi}; do
	run_kind "$kind"
done

# `check` refuses an endpoint named _inbox.
T=$(mktemp -d)
printf '{ "database": "%s/h.db", "endpoints": { "_inbox": { "provider": "flipsnack", "token": "abcdefghijklmnopq" } } }\n' "$T" >"$T/c.conf"
check_match "check: an endpoint named _inbox is refused" "owner's inbox" \
	"$(HOOKBOX_CONF=$T/c.conf "$HOOKBOX" check 2>&1)"
rm -rf "$T"
echo "screenshots in $SHOTS" >&2
