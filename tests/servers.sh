#!/usr/bin/env bash
# Integration: hookbox behind real web servers, driven by curl. For each of
# lighttpd mod_fastcgi, lighttpd mod_cgi, Apache mod_fcgid, Apache mod_cgi,
# nginx with its stock fastcgi_params and spawn-fcgi, and Apache
# mod_proxy_fcgi with spawn-fcgi: accepted, duplicate (also by an encoded
# path and by a token in the query), 401, 413, 404, and an accepted event's
# hook runs without holding the request open.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/servers.sh"

server_require || exit 1
TOKEN=integration-token-0123456789
FIX=$FIXTURES/flipsnack-orders.json

# as_server CMD...: run as the user the web server runs programs as, so
# that files SQLite creates beside the database stay usable by the server.
as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$SERVER_USER" -- env HOOKBOX_CONF="$HOOKBOX_CONF" "$@"
	else
		"$@"
	fi
}

# hook_succeeded ID: the newest attempt of event ID succeeded.
hook_succeeded() {
	[ "$(as_server sqlite3 "$WORK/data/hookbox.db" \
		"SELECT status FROM deliveries WHERE event_id = $1 ORDER BY id DESC LIMIT 1" 2>/dev/null)" = succeeded ]
}

# post URL FILE: prints "<status> <body>".
post() {
	curl -s --noproxy '*' --max-time 60 -o "$WORK/answer" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary @"$2" "$1"
	printf ' %s' "$(cat "$WORK/answer")"
}

setup() {
	WORK=$(mktemp -d /tmp/hbsrv.XXXXXX)
	mkdir -p "$WORK/data" "$WORK/hooks" "$WORK/out"
	# The hook saves stdin, says it started, and waits for the test's
	# release file: the request must be answered while it waits.
	cat >"$WORK/hooks/order.sh" <<-EOF
	#!/bin/sh
	cat > "$WORK/out/order-\$HOOKBOX_EVENT_ID.json"
	touch "$WORK/out/started-\$HOOKBOX_EVENT_ID"
	i=0
	while [ ! -e "$WORK/out/release" ] && [ \$i -lt 600 ]; do
		sleep 0.1; i=\$((i + 1))
	done
	echo done
	EOF
	chmod 755 "$WORK/hooks/order.sh" "$WORK"
	cat >"$WORK/hookbox.conf" <<-EOF
	{
	  // written by tests/servers.sh
	  "database": "$WORK/data/hookbox.db",
	  "max_body_bytes": 4096,
	  "endpoints": {
	    "catalog": { "provider": "flipsnack", "token": "$TOKEN",
	      "hooks": { "order": { "run": ["$WORK/hooks/order.sh"], "timeout": 120 } } }
	  }
	}
	EOF
	HOOKBOX_CONF=$WORK/hookbox.conf
}

for kind in $(server_kinds); do
	setup
	if ! server_start "$kind" "$WORK" "$HOOKBOX" "$HOOKBOX_CONF"; then
		fail "$kind: start" "the server did not start"
		rm -rf "$WORK"
		continue
	fi
	url=$SERVER_URL/catalog/$TOKEN

	got=$(post "$url" "$FIX")
	check "$kind: accepted" '200 {"status":"accepted","id":1}' "$got"
	# The hook is now blocked; the answer above arrived first.
	if wait_for test -e "$WORK/out/started-1" && [ ! -e "$WORK/out/release" ]; then
		pass "$kind: answered while the hook was still running"
	else
		fail "$kind: answered while the hook was still running" "the hook never started"
	fi
	got=$(post "$url" "$FIX")
	check "$kind: duplicate" '200 {"status":"duplicate","id":1}' "$got"
	# The endpoint's part percent-encoded, and the token in the query:
	# nginx and mod_proxy_fcgi pass no PATH_INFO, and hookbox reads these
	# from the raw REQUEST_URI.
	got=$(post "$SERVER_URL/cat%61log/${TOKEN/-/%2D}" "$FIX")
	check "$kind: encoded path is the same endpoint" '200 {"status":"duplicate","id":1}' "$got"
	got=$(post "$SERVER_URL/catalog?token=$TOKEN" "$FIX")
	check "$kind: token in the query" '200 {"status":"duplicate","id":1}' "$got"
	case $kind in
	nginx-fastcgi | apache-proxy-fcgi)
		# The server normalises "/x/../" before it matches its location,
		# the REQUEST_URI hookbox reads keeps it: refused, not guessed.
		got=$(curl -s --noproxy '*' --max-time 60 --path-as-is -o "$WORK/answer" \
			-w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary @"$FIX" "$SERVER_URL/x/../catalog/$TOKEN")
		check "$kind: a path with .. is 404" 404 "$got"
		;;
	esac
	got=$(post "$SERVER_URL/catalog/wrong-token" "$FIX")
	check_match "$kind: wrong token is 401" '^401 \{"status":"rejected","error":' "$got"
	head -c 8192 /dev/zero | tr '\0' 'x' >"$WORK/big"
	got=$(post "$url" "$WORK/big")
	check_match "$kind: body over max_body_bytes is 413" '^413 \{"status":"rejected"' "$got"
	got=$(post "$SERVER_URL/nowhere" "$FIX")
	check_match "$kind: unknown endpoint is 404" '^404 ' "$got"

	touch "$WORK/out/release"
	# The hook wrote its copy before it said it started.
	if cmp -s "$FIX" "$WORK/out/order-1.json"; then
		pass "$kind: the hook got the order on stdin"
	else
		fail "$kind: the hook got the order on stdin" "no identical copy in out/order-1.json"
	fi
	if wait_for hook_succeeded 1; then
		pass "$kind: the hook's attempt is recorded as succeeded"
	else
		fail "$kind: the hook's attempt is recorded as succeeded" \
			"$(as_server sqlite3 "$WORK/data/hookbox.db" 'SELECT status, error FROM deliveries' 2>&1)"
	fi
	rows=$(as_server "$WORK/cgi-bin/hookbox.fcgi" list --json | grep -c '"event_type":"order"')
	check "$kind: list shows one event" 1 "$rows"
	if grep -q -E 'AddressSanitizer|runtime error' "$WORK/logs/"* 2>/dev/null; then
		fail "$kind: no sanitizer reports" "$(grep -h -E -A5 'AddressSanitizer|runtime error' "$WORK/logs/"* | head -20)"
	fi
	server_stop
	rm -rf "$WORK"
done

# nginx keeping its connections to hookbox, as conf/nginx.conf says to set
# it up if at all: nginx closes an idle one after 20 s, before hookbox's 30 s
# idle limit closes it, so a POST after a 31 s pause finds no half-closed
# connection (nginx does not retry a POST; that race is a 502). Checks that
# the connection is kept, that requests on a kept connection work, and that
# the pause costs nothing. About 35 s.
kept_conns() {
	ss -x 2>/dev/null | grep -F -c "$WORK/run/hookbox.sock "
}
case " $(server_kinds) " in
*" nginx-fastcgi "*)
	kind=nginx-fastcgi-kept
	setup
	if ! SERVER_NGINX_KEEPALIVE=20s server_start nginx-fastcgi "$WORK" "$HOOKBOX" "$HOOKBOX_CONF"; then
		fail "$kind: start" "the server did not start"
	else
		touch "$WORK/out/release"
		url=$SERVER_URL/catalog/$TOKEN
		check "$kind: accepted" '200 {"status":"accepted","id":1}' "$(post "$url" "$FIX")"
		check "$kind: duplicate on the kept connection" '200 {"status":"duplicate","id":1}' "$(post "$url" "$FIX")"
		if [ "$(kept_conns)" -ge 1 ]; then
			pass "$kind: nginx keeps its connection to hookbox"
		else
			fail "$kind: nginx keeps its connection to hookbox" "no connection to the socket after the requests"
		fi
		sleep 31
		check "$kind: a POST after 31 s idle" '200 {"status":"duplicate","id":1}' "$(post "$url" "$FIX")"
		if grep -q -E 'upstream prematurely closed|recv\(\) failed|Connection reset' "$SERVER_LOG"; then
			fail "$kind: no broken upstream connection" "$(grep -E 'upstream|recv' "$SERVER_LOG" | head -5)"
		else
			pass "$kind: no broken upstream connection"
		fi
		server_stop
	fi
	rm -rf "$WORK"
	;;
esac

# Cases report by their PASS/FAIL lines; clean-up is not a case.
exit 0
