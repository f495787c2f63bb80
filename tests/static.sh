#!/usr/bin/env bash
# The static program (make static) on a host without any of hookbox's
# libraries: as root, in a chroot holding nothing but the program,
# /dev/null, a config and an empty data folder, run as an unprivileged
# uid; otherwise (not root) with an empty library path, after ldd has
# said that it needs no shared library. There it receives every provider
# fixture as a CGI program (accepted, then a duplicate with the same id),
# and `init`, `check` and `list` work.
#
# The config has no hooks: the hook runner re-executes /proc/self/exe,
# and a bare chroot has no /proc.
#
# HOOKBOX_STATIC=FILE tests FILE instead of building with `make static`.
#
# Output contract: one line per case, "PASS <name>" or "FAIL <name>: <why>"
# (tests/lib/common.sh); exits non-zero if any case failed.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/fixtures.sh"

failures=0
fail() {
	local why=${2//$'\r'/}
	printf 'FAIL %s: %s\n' "$1" "${why//$'\n'/\\n}"
	failures=$((failures + 1))
}

for tool in openssl ldd; do
	command -v $tool >/dev/null || { fail "setup" "$tool is missing"; exit 1; }
done

T=$(mktemp -d /tmp/hbstatic.XXXXXX)
trap 'rm -rf "$T"' EXIT

STATIC=${HOOKBOX_STATIC:-}
if [ -z "$STATIC" ]; then
	STATIC=$TOP/cgi-bin/hookbox-static.fcgi
	# make decides whether it is out of date.
	if ! make -s -C "$TOP" static >"$T/make.log" 2>&1; then
		fail "make static" "$(tail -n 5 "$T/make.log")"
		exit 1
	fi
fi
case $STATIC in /*) ;; *) STATIC=$TOP/$STATIC ;; esac
[ -x "$STATIC" ] || { fail "setup" "no static program at $STATIC"; exit 1; }

out=$(LC_ALL=C ldd "$STATIC" 2>&1)
check_match "static: ldd says it needs no shared library" 'not a dynamic executable' "$out"

TOK_CATALOG=static-catalog-0123456789abcdef
TOK_LEADS=static-leads-0123456789abcdef
TOK_SHOP=static-shop-0123456789abcdef
FD_SECRET=static-fd-v3-secret-0123
FD_VERIFY=static-fd-legacy-verify
REFLOW_SECRET=static-reflow-secret-0123
# Issue 22's presets: each fixture's own secret ("# secret:" of its
# .headers; fnote: tests/lib/fixtures.sh).
WOO_SECRET=$(fnote woocommerce-order.created secret)
SHOPIFY_SECRET=$(fnote shopify-orders-create secret)
STRIPE_SECRET=$(fnote stripe-payment_intent.succeeded secret)
PADDLE_SECRET=$(fnote paddle-transaction.completed secret)
SQUARE_SECRET=$(fnote square-payment.updated secret)
SQUARE_URL=$(fnote square-payment.updated url)
GITHUB_SECRET=$(fnote github-push secret)
MOLLIE_SECRET=$(fnote mollie-payment-link.paid secret)

# The root: the program, /dev/null, the config and a data folder; nothing
# else (no libraries, no loader, no /etc, no /proc).
ROOT=$T/root
mkdir -p "$ROOT/conf" "$ROOT/data" "$ROOT/dev"
cp "$STATIC" "$ROOT/hookbox.fcgi"
chmod 755 "$ROOT/hookbox.fcgi"
cat >"$ROOT/conf/hookbox.conf" <<EOF
// tests/static.sh: no hooks (the runner needs /proc, absent here)
{
  "database": "../data/hookbox.db",
  "endpoints": {
    "catalog":  { "provider": "flipsnack",  "token": "$TOK_CATALOG" },
    "leads":    { "provider": "fliplink",   "token": "$TOK_LEADS" },
    "fdv3":     { "provider": "flipdish",   "secret": "$FD_SECRET" },
    "fdlegacy": { "provider": "flipdish",   "verify_token": "$FD_VERIFY" },
    "reflow":   { "provider": "reflow",     "secret": "$REFLOW_SECRET" },
    "shop":     { "provider": "quickbutik", "token": "$TOK_SHOP" },
    "woo":      { "provider": "woocommerce", "secret": "$WOO_SECRET" },
    "shopify":  { "provider": "shopify",    "secret": "$SHOPIFY_SECRET" },
    "stripe":   { "provider": "stripe",     "secret": "$STRIPE_SECRET" },
    "paddle":   { "provider": "paddle",     "secret": "$PADDLE_SECRET" },
    "square":   { "provider": "square",     "secret": "$SQUARE_SECRET",
                  "notification_url": "$SQUARE_URL" },
    "github":   { "provider": "github",     "secret": "$GITHUB_SECRET" },
    "mollie":   { "provider": "mollie",     "secret": "$MOLLIE_SECRET" }
  }
}
EOF

if [ "$(id -u)" -eq 0 ]; then
	MODE=chroot
	mknod -m 666 "$ROOT/dev/null" c 1 3
	# The program runs as nobody's uid (numeric: the root has no
	# /etc/passwd); it must be able to write the data folder.
	RUN_UID=65534
	chown "$RUN_UID:$RUN_UID" "$ROOT/data"
	chmod 600 "$ROOT/conf/hookbox.conf"
	chown "$RUN_UID:$RUN_UID" "$ROOT/conf/hookbox.conf"
	CONF=/conf/hookbox.conf
	# The program, run inside the root (as env's command: see cli).
	PROGRAM=("$(command -v chroot)" --userspec="$RUN_UID:$RUN_UID" "$ROOT" /hookbox.fcgi)
	found=$(cd "$ROOT" && find . | sort | tr '\n' ' ')
	check "static: the root holds only the program, /dev/null, config and data" \
		". ./conf ./conf/hookbox.conf ./data ./dev ./dev/null ./hookbox.fcgi " "$found"
	# A control: the ordinary program cannot even start there.
	if [ -x "$HOOKBOX" ]; then
		cp "$HOOKBOX" "$ROOT/dynamic.fcgi"
		if env -i "${PROGRAM[0]}" --userspec=$RUN_UID:$RUN_UID "$ROOT" /dynamic.fcgi version >/dev/null 2>&1; then
			fail "static: control: the dynamic program cannot run in the root" "it ran"
		else
			pass "static: control: the dynamic program cannot run in the root"
		fi
		rm -f "$ROOT/dynamic.fcgi"
	fi
else
	MODE=nolibs
	CONF=$ROOT/conf/hookbox.conf
	chmod 600 "$CONF"
	chmod 700 "$ROOT/data"
	PROGRAM=("$ROOT/hookbox.fcgi")
fi

# cli ARGS...: the program's command line in the root.
cli() {
	env -i HOOKBOX_CONF="$CONF" LD_LIBRARY_PATH= "${PROGRAM[@]}" "$@"
}

out=$(cli init 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -s "$ROOT/data/hookbox.db" ]; then
	pass "static ($MODE): init creates the database"
else
	fail "static ($MODE): init creates the database" "exit $rc: $out"
fi
out=$(cli check 2>&1)
rc=$?
if [ $rc -eq 0 ] && [[ $out == *"0 error(s)"* ]]; then
	pass "static ($MODE): check"
else
	fail "static ($MODE): check" "exit $rc: $out"
fi

# run_cgi METHOD PATH_INFO QUERY BODY_FILE [NAME=value...]: one request,
# the way a web server runs a CGI program. Sets CODE and BODY.
run_cgi() {
	local method=$1 path=$2 query=$3 file=$4
	shift 4
	local vars=(GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1
		SCRIPT_NAME=/cgi-bin/hookbox.fcgi REQUEST_METHOD="$method"
		PATH_INFO="$path" QUERY_STRING="$query" REMOTE_ADDR=127.0.0.1
		HOOKBOX_CONF="$CONF" LD_LIBRARY_PATH=)
	if [ "$file" != - ]; then
		vars+=(CONTENT_LENGTH="$(wc -c <"$file" | tr -d ' ')" CONTENT_TYPE=application/json)
	else
		file=/dev/null
	fi
	env -i "${vars[@]}" "$@" "${PROGRAM[@]}" <"$file" >"$T/out" 2>"$T/err"
	CODE=$(head -n 1 "$T/out" | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p')
	BODY=$(sed '1,/^\r*$/d' "$T/out")
	[ -n "$CODE" ] || BODY="no answer; stderr: $(head -c 300 "$T/err")"
}

# hmac_hex, header_vars, stripe_sig and paddle_sig: tests/lib/fixtures.sh.

# send FILE: as its platform sends it (tests/fixtures/README.md).
send() {
	local f=$1 base t type
	base=$(basename "$f")
	case $base in
	flipsnack-*) run_cgi POST "/catalog/$TOK_CATALOG" "" "$f" ;;
	fliplink-*) run_cgi POST "/leads/$TOK_LEADS" "" "$f" ;;
	flipdish-*.v1.json)	# webhooks v3: signed over "t.body"
		type=${base#flipdish-}
		type=${type%.json}
		t=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
		run_cgi POST /fdv3 "" "$f" HTTP_X_FLIPDISH_EVENT_TYPE="$type" \
			HTTP_X_FLIPDISH_TIMESTAMP="$t" \
			HTTP_X_FLIPDISH_SIGNATURE="t=$t,sha256=$({ printf '%s.' "$t"; cat "$f"; } | hmac_hex "$FD_SECRET")" ;;
	flipdish-*) run_cgi POST /fdlegacy "" "$f" HTTP_X_VERIFY_TOKEN="$FD_VERIFY" ;;
	reflow-*) run_cgi POST /reflow "" "$f" HTTP_SIGNATURE="$(hmac_hex "$REFLOW_SECRET" <"$f")" ;;
	quickbutik-*.query) run_cgi GET "/shop/$TOK_SHOP" "$(cat "$f")" - ;;
	stripe-*)	# a signed timestamp: signed afresh at the real clock
		header_vars "${f%.*}.headers" stripe-signature
		run_cgi POST /stripe "" "$f" "${HV[@]}" HTTP_STRIPE_SIGNATURE="$(stripe_sig "$f")" ;;
	paddle-*)
		header_vars "${f%.*}.headers" paddle-signature
		run_cgi POST /paddle "" "$f" "${HV[@]}" HTTP_PADDLE_SIGNATURE="$(paddle_sig "$f")" ;;
	woocommerce-*|shopify-*|square-*|github-*|mollie-*)	# their own headers
		header_vars "${f%.*}.headers"
		t=${base%%-*}
		[ "$t" = woocommerce ] && t=woo
		run_cgi POST "/$t" "" "$f" "${HV[@]}" ;;
	*) return 1 ;;
	esac
}

n=0 nfix=0
for f in "$FIXTURES"/*.json "$FIXTURES"/*.query; do
	[ -f "$f" ] || continue
	base=$(basename "$f")
	# The same event as another fixture, under a rotated header.
	case $base in *.rotated.json) continue ;; esac
	nfix=$((nfix + 1))
	name="static ($MODE): $base"
	if ! send "$f"; then
		fail "$name" "tests/static.sh does not know how to send it"
		continue
	fi
	id=$(sed -n 's/^{"status":"accepted","id":\([0-9]*\)}$/\1/p' <<<"$BODY")
	if [ "$CODE" = 200 ] && [ -n "$id" ]; then
		pass "$name accepted"
		n=$((n + 1))
	else
		fail "$name accepted" "$CODE $BODY"
		continue
	fi
	send "$f"
	check "$name again is a duplicate" "200 {\"status\":\"duplicate\",\"id\":$id}" "$CODE $BODY"
done

# A wrong token is still refused (the proof checks work in there too).
run_cgi POST "/catalog/wrong-token-0123456789" "" "$FIXTURES/flipsnack-orders.json"
check_match "static ($MODE): a wrong token is 401" '^401 \{"status":"rejected"' "$CODE $BODY"

out=$(cli list --json 2>&1)
check "static ($MODE): list shows every fixture's event" "$nfix" "$(grep -c '"id"' <<<"$out")"

[ "$failures" -eq 0 ]
