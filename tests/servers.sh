#!/usr/bin/env bash
# Integration: hookbox behind real web servers, driven by curl. For each of
# lighttpd mod_fastcgi, lighttpd mod_cgi, Apache mod_fcgid, Apache mod_cgi,
# nginx with its stock fastcgi_params and spawn-fcgi, and Apache
# mod_proxy_fcgi with spawn-fcgi: accepted, duplicate (also by an encoded
# path and by a token in the query), 401, 413, 404, and an accepted event's
# hook runs without holding the request open. Then each of issue 22's
# presets gets its fixture with the headers of its .headers file
# (tests/fixtures/README.md), so that their odd names (Stripe-Signature,
# X-Hub-Signature-256, X-WC-Webhook-*, ...) must pass the server to reach
# hookbox: accepted once, stored as its .out file says with every header
# intact, a duplicate, and 401 for a wrong signature (and for Stripe and
# Paddle a stale timestamp) with nothing stored; WooCommerce's ping is 200
# and stores nothing.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/servers.sh"
. "$TOP/tests/lib/fixtures.sh"

server_require || exit 1
for tool in sqlite3 openssl python3; do
	command -v $tool >/dev/null || { fail "setup" "$tool is missing"; exit 1; }
done
TOKEN=integration-token-0123456789
FIX=$FIXTURES/flipsnack-orders.json
# Issue 22's presets: each secret is its fixture's ("# secret:" of its
# .headers). Square's notification URL is the one the server is reached
# at (setup), and its signature is made afresh over it.
WOO_SECRET=$(fnote woocommerce-order.created secret)
SHOPIFY_SECRET=$(fnote shopify-orders-create secret)
STRIPE_SECRET=$(fnote stripe-payment_intent.succeeded secret)
PADDLE_SECRET=$(fnote paddle-transaction.completed secret)
SQUARE_SECRET=$(fnote square-payment.updated secret)
GITHUB_SECRET=$(fnote github-push secret)
MOLLIE_SECRET=$(fnote mollie-payment-link.paid secret)
TOK_MOLLIE=mollie-integration-0123456789
WRONG_SECRET=not-the-endpoint-secret-0123456789

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

# setup: a work directory and a config for a server on PORT (chosen here:
# Square's notification_url names it); start it with SERVER_PORT=$PORT.
setup() {
	PORT=$(free_port)
	SQUARE_URL=http://127.0.0.1:$PORT/cgi-bin/hookbox.fcgi/square
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
	      "hooks": { "order": { "run": ["$WORK/hooks/order.sh"], "timeout": 120 } } },
	    "woo":     { "provider": "woocommerce", "secret": "$WOO_SECRET" },
	    "shopify": { "provider": "shopify", "secret": "$SHOPIFY_SECRET" },
	    "stripe":  { "provider": "stripe", "secret": "$STRIPE_SECRET" },
	    "paddle":  { "provider": "paddle", "secret": "$PADDLE_SECRET" },
	    "square":  { "provider": "square", "secret": "$SQUARE_SECRET",
	                 "notification_url": "$SQUARE_URL" },
	    "github":  { "provider": "github", "secret": "$GITHUB_SECRET" },
	    "mollie":  { "provider": "mollie", "token": "$TOK_MOLLIE", "secret": "$MOLLIE_SECRET" }
	  }
	}
	EOF
	HOOKBOX_CONF=$WORK/hookbox.conf
}

# ---- issue 22's presets ----

# fixture | endpoint (TOK: Mollie's URL token) | its signature headers,
# lowercase (made afresh: with a wrong secret, at a stale time, and for
# Stripe, Paddle and Square always)
PRESETS='
woocommerce-order.created.json|woo|x-wc-webhook-signature
shopify-orders-create.json|shopify|x-shopify-hmac-sha256
stripe-payment_intent.succeeded.json|stripe|stripe-signature
paddle-transaction.completed.json|paddle|paddle-signature
square-payment.updated.json|square|x-square-hmacsha256-signature x-square-signature
github-push.json|github|x-hub-signature-256 x-hub-signature
mollie-payment-link.paid.json|mollie/TOK|x-mollie-signature
mollie-payment.form|mollie/TOK|
'

# post_h URL FILE HEADER...: POST FILE with these headers (and no
# "Expect:" of curl's own); prints "<status> <body>".
post_h() {
	local url=$1 file=$2 h
	local -a args=(-H 'Expect:')
	shift 2
	for h in "$@"; do args+=(-H "$h"); done
	curl -s --noproxy '*' --max-time 60 -o "$WORK/answer" -w '%{http_code}' \
		"${args[@]}" --data-binary @"$file" "$url"
	printf ' %s' "$(cat "$WORK/answer")"
}

# preset_secret FIXTURE: its endpoint's secret.
preset_secret() {
	case ${1##*/} in
	woocommerce-*) echo "$WOO_SECRET" ;;
	shopify-*) echo "$SHOPIFY_SECRET" ;;
	stripe-*) echo "$STRIPE_SECRET" ;;
	paddle-*) echo "$PADDLE_SECRET" ;;
	square-*) echo "$SQUARE_SECRET" ;;
	github-*) echo "$GITHUB_SECRET" ;;
	mollie-*) echo "$MOLLIE_SECRET" ;;
	esac
}

# sign_headers FIXTURE SECRET [T]: into SH, its platform's signature
# headers over it, made with openssl under SECRET (at T, or now, where a
# timestamp is signed; Square over $SQUARE_URL).
sign_headers() {
	local f=$1 secret=$2 t=${3:-}
	SH=()
	case ${f##*/} in
	woocommerce-*) SH=("X-WC-Webhook-Signature: $(hmac_b64 "$secret" <"$f")") ;;
	shopify-*) SH=("X-Shopify-Hmac-Sha256: $(hmac_b64 "$secret" <"$f")") ;;
	stripe-*) SH=("Stripe-Signature: $(stripe_sig "$f" "$t" "$secret")") ;;
	paddle-*) SH=("Paddle-Signature: $(paddle_sig "$f" "$t" "$secret")") ;;
	square-*) SH=("x-square-hmacsha256-signature: $(square_sig "$f" "$SQUARE_URL" "$secret")"
		"x-square-signature: $(square_sig "$f" "$SQUARE_URL" "$secret" sha1)") ;;
	github-*) SH=("X-Hub-Signature-256: sha256=$(hmac_hex "$secret" <"$f")"
		"X-Hub-Signature: sha1=$(openssl dgst -sha1 -hmac "$secret" -r <"$f" | cut -d ' ' -f 1)") ;;
	mollie-*.json) SH=("X-Mollie-Signature: sha256=$(hmac_hex "$secret" <"$f")") ;;
	esac
}

# send_preset FIXTURE ENDPOINT SIGS genuine|wrong|stale: through the
# server, with the headers of its .headers file; genuine: its own
# signature, made afresh where it holds a time or the URL; wrong: under
# another secret; stale: 600 s old. Sets SENT (the headers) and GOT
# ("<status> <body>").
send_preset() {
	local f=$1 ep=$2 sigs=$3 mode=$4
	local -a skip=()
	SH=()
	case $mode:${f##*/} in
	genuine:stripe-* | genuine:paddle-* | genuine:square-*)
		read -ra skip <<<"$sigs"
		sign_headers "$f" "$(preset_secret "$f")" ;;
	wrong:*)
		read -ra skip <<<"$sigs"
		sign_headers "$f" "$WRONG_SECRET" ;;
	stale:*)
		read -ra skip <<<"$sigs"
		sign_headers "$f" "$(preset_secret "$f")" $(( $(date +%s) - 600 )) ;;
	esac
	header_lines "${f%.*}.headers" "${skip[@]}"
	SENT=("${HL[@]}" "${SH[@]}")
	GOT=$(post_h "$SERVER_URL/$ep" "$f" "${SENT[@]}")
}

db() { as_server sqlite3 -separator '|' "$WORK/data/hookbox.db" "$1"; }
events() { db 'SELECT count(*) FROM events'; }

# stored_as ID HEADER...: "type|key|resource|proof|headers" of event ID;
# headers "intact" when each header sent (but Content-Type, which is no
# header to a CGI program) is stored with its value, or "[redacted]" (a
# credential's), else what is missing or changed.
stored_as() {
	local id=$1
	shift
	printf '%s|%s' "$(db "SELECT event_type, event_key, resource_id, proof FROM events WHERE id = $id")" \
		"$(db "SELECT headers FROM events WHERE id = $id" | python3 -c '
import json, sys
h = json.load(sys.stdin)
bad = []
for line in sys.argv[1:]:
    name, _, value = line.partition(": ")
    name = name.lower()
    if name == "content-type":
        continue
    got = h.get(name)
    if got is None:
        bad.append(name + " missing")
    elif got != value and got != "[redacted]":
        bad.append("%s changed to %r" % (name, got))
print("intact" if not bad else "; ".join(bad))
' "$@" 2>&1)"
}

# golden_re FIXTURE: a regex of what stored_as says for it, from its
# .out file; an id-less signal's key is one occurrence of its key.
golden_re() {
	local f=$1 k v re=
	for k in type key resource proof; do
		v=$(sed -n "s/^$k: \{0,1\}//p" "${f%.*}.out" | sed 's/[][\\.*^$+?(){}|]/\\&/g')
		if [ $k = key ] && grep -qx 'windowed: 1' "${f%.*}.out"; then
			v="$v@[0-9]+[.][0-9a-f]{16}"
		fi
		re="${re}${v}[|]"
	done
	printf '^%sintact$' "$re"
}

# presets KIND: each preset's fixture through the running server.
presets() {
	local kind=$1 base ep sigs f id n
	while IFS='|' read -r -u 3 base ep sigs; do
		[ -n "$base" ] || continue
		f=$FIXTURES/$base
		ep=${ep/TOK/$TOK_MOLLIE}
		send_preset "$f" "$ep" "$sigs" genuine
		id=$(sed -n 's/^200 {"status":"accepted","id":\([0-9]*\)}$/\1/p' <<<"$GOT")
		if [ -z "$id" ]; then
			fail "$kind: $base accepted, then a duplicate" "the first answer was [$GOT]"
			continue
		fi
		local -a first=("${SENT[@]}")
		send_preset "$f" "$ep" "$sigs" genuine
		check "$kind: $base accepted, then a duplicate" \
			"200 {\"status\":\"duplicate\",\"id\":$id}" "$GOT"
		check_match "$kind: $base stored as its .out says, every header intact" \
			"$(golden_re "$f")" "$(stored_as "$id" "${first[@]}")"
		n=$(events)
		if [ -n "$sigs" ]; then
			send_preset "$f" "$ep" "$sigs" wrong
			check_match "$kind: $base with a wrong signature is 401, nothing stored" \
				'^401 \{"status":"rejected".*; stored: 0$' "$GOT; stored: $(( $(events) - n ))"
		else
			GOT=$(post_h "$SERVER_URL/mollie/wrong-token-0123456789" "$f" "${first[@]}")
			check_match "$kind: $base with a wrong token is 401, nothing stored" \
				'^401 \{"status":"rejected".*; stored: 0$' "$GOT; stored: $(( $(events) - n ))"
		fi
		case $base in
		stripe-* | paddle-*)
			send_preset "$f" "$ep" "$sigs" stale
			check_match "$kind: $base signed 600 s ago is 401, nothing stored" \
				'^401 \{"status":"rejected".*; stored: 0$' "$GOT; stored: $(( $(events) - n ))"
			;;
		esac
	done 3<<<"$PRESETS"
	# WooCommerce's ping when a webhook is saved: unsigned, no X-WC-*.
	f=$FIXTURES/woocommerce-ping.form
	header_lines "${f%.*}.headers"
	n=$(events)
	GOT=$(post_h "$SERVER_URL/woo" "$f" "${HL[@]}")
	check "$kind: WooCommerce's ping is 200, nothing stored" \
		'200 {"status":"ping"}; stored: 0' "$GOT; stored: $(( $(events) - n ))"
	check "$kind: the presets' events and 401s in the database, per endpoint" \
		"events github=1 mollie=2 paddle=1 shopify=1 square=1 stripe=1 woo=1; 401s github=1 mollie=2 paddle=2 shopify=1 square=1 stripe=2 woo=1" \
		"events $(db "SELECT group_concat(e, ' ') FROM (SELECT endpoint || '=' || count(*) AS e
			FROM events WHERE endpoint != 'catalog' GROUP BY endpoint ORDER BY endpoint)"); 401s $(db "SELECT group_concat(e, ' ') FROM (SELECT endpoint || '=' || sum(count) AS e
			FROM rejects WHERE status = 401 AND endpoint != 'catalog' GROUP BY endpoint ORDER BY endpoint)")"
}

for kind in $(server_kinds); do
	setup
	if ! SERVER_PORT=$PORT server_start "$kind" "$WORK" "$HOOKBOX" "$HOOKBOX_CONF"; then
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
	presets "$kind"
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
