#!/usr/bin/env bash
# Leaks (issue 5): the unit tests and the receiver's main paths run under
# valgrind --leak-check=full, and must be clean: no leak (definite or
# possible), no invalid read or write, no use of uninitialised memory.
#
#   build/unit (UNIT), each case in its forked child, all checked
#   the binary as CGI (HOOKBOX): accepted, duplicate, 400, 401, 404, 405,
#   413, 503 (a locked store), a Quickbutik GET, an id-less signal; and
#   the CLI: simulate (which runs a hook in the foreground), list, show,
#   stats, rejects, check, replay + run
#
# One PASS/FAIL line per invocation. Valgrind is installed when missing
# and root. (A request whose event has a hook starts a runner by
# executing /proc/self/exe, which under valgrind is valgrind itself; the
# CGI configs here have no hooks, no notify and keep_days 0, so that no
# upkeep starts one either; hooks run through `simulate` and `run`.)
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/cgi.sh"
cd "$TOP" || exit 1

UNIT=${UNIT:-$TOP/build/unit}
if ! command -v valgrind >/dev/null; then
	[ "$(id -u)" -eq 0 ] && sh tests/lib/deps.sh valgrind >&2
	command -v valgrind >/dev/null || { fail "setup" "valgrind is missing (apt-get install valgrind)"; exit 1; }
fi
VALGRIND=$(command -v valgrind)
[ -x "$HOOKBOX" ] || { fail "setup" "$HOOKBOX is not built (make)"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/hookbox-leaks.XXXXXX")
chmod 755 "$T"
LOCKER=
cleanup() {
	[ -n "$LOCKER" ] && kill "$LOCKER" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
START=$SECONDS
mkdir -p "$T/vg"
VG_OPTS=(-q --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible --track-origins=yes
	--error-exitcode=99)

# vg_report: what valgrind said since the last call (its logs), or nothing.
# A log with none of these findings says nothing: valgrind's notes on
# itself ("--PID-- WARNING: unhandled amd64-linux syscall: 434", the
# pidfd_open that the hook runner then does without) are not the program's.
vg_report() {
	local f m out=""
	# valgrind makes its log file even when it has nothing to say.
	if ! ls "$T"/vg/* >/dev/null 2>&1; then
		echo "valgrind did not run (no log file)"
		return
	fi
	for f in "$T"/vg/*; do
		m=$(grep -m3 -E 'lost in|Invalid|uninitialised|ERROR SUMMARY|Conditional' "$f" | tr '\n' ' ')
		[ -n "$m" ] && out="$out $m"
	done
	rm -f "$T"/vg/*
	echo "${out# }"
}

# ---- the unit tests ----
if [ -x "$UNIT" ]; then
	# 97: build/unit itself uses 99 for "a case printed FAIL".
	(cd "$TOP" && "$VALGRIND" "${VG_OPTS[@]/--error-exitcode=99/--error-exitcode=97}" \
		--log-file="$T/vg/unit.%p" "$UNIT") >"$T/unit.out" 2>&1
	rc=$?
	report=$(vg_report)
	n=$(grep -c '^PASS' "$T/unit.out")
	if [ "$rc" -eq 0 ] && [ -z "$report" ] && ! grep -q '^FAIL' "$T/unit.out"; then
		pass "unit tests under valgrind ($n cases)"
	else
		fail "unit tests under valgrind ($n cases)" \
			"exit $rc; $(grep -m2 '^FAIL' "$T/unit.out" | tr '\n' ' ') $report"
	fi
else
	echo "# $UNIT is not built; unit tests skipped"
fi

# ---- the binary as CGI and as a command, under valgrind ----
TOK=leaks-token-0123456789abcdef
DB=$T/hookbox.db
CONF=$T/hookbox.conf
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
cat >/dev/null
echo "hook ran for $HOOKBOX_EVENT_ID"
EOF
chmod 755 "$T/hook.sh"
cat >"$CONF" <<EOF
// tests/leaks.sh
{
  "database": "$DB",
  "max_body_bytes": 4096,
  "busy_timeout_ms": 100,
  "keep_days": 0,
  "endpoints": {
    "catalog": { "provider": "flipsnack",  "token": "$TOK" },
    "shop":    { "provider": "quickbutik", "token": "$TOK" },
    "reflow":  { "provider": "reflow",     "secret": "leaks-secret" },
    "std":     { "provider": "standard",   "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
    "sim":     { "provider": "flipsnack",  "token": "$TOK",
                 "hooks": { "order": { "run": ["$T/hook.sh"] } } }
  }
}
EOF
# The binary, run by valgrind (cgi() runs $HOOKBOX after env -i).
REAL=$HOOKBOX
cat >"$T/vg-hookbox" <<EOF
#!/bin/sh
exec "$VALGRIND" ${VG_OPTS[*]} --log-file="$T/vg/hookbox.%p" "$REAL" "\$@"
EOF
chmod 755 "$T/vg-hookbox"
HOOKBOX=$T/vg-hookbox

# leak_free NAME CODE STATUS: the last CGI answer, and valgrind's word.
leak_free() {
	local why report
	why=$(answer_why "$2" "$3")
	report=$(vg_report)
	[ -n "$report" ] && why="valgrind: $report ${why:+($why)}"
	if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why"; fi
}

printf '{"type":"orders","order_id":"LEAK-1","items":[{"sku":"A"}]}' >"$T/order.json"
cgi POST "/catalog/$TOK" "" "$T/order.json"
leak_free "CGI 200 accepted" 200 accepted
cgi POST "/catalog/$TOK" "" "$T/order.json"
leak_free "CGI 200 duplicate" 200 duplicate
printf '{"type":"orders", "order_id":' >"$T/bad.json"
cgi POST "/catalog/$TOK" "" "$T/bad.json"
leak_free "CGI 400 invalid JSON" 400 rejected
printf '{"type":"orders","x":%s1%s}' "$(printf '[%.0s' $(seq 100))" "$(printf ']%.0s' $(seq 100))" >"$T/deep.json"
cgi POST "/catalog/$TOK" "" "$T/deep.json"
leak_free "CGI 400 JSON too deep" 400 rejected
cgi POST /catalog/wrong "" "$T/order.json"
leak_free "CGI 401 wrong token" 401 rejected
cgi POST /reflow "" "$T/order.json" HTTP_SIGNATURE=sha256=00
leak_free "CGI 401 bad signature" 401 rejected
cgi POST /std "" "$T/order.json" HTTP_WEBHOOK_ID=msg_1 HTTP_WEBHOOK_TIMESTAMP="$(date +%s)" HTTP_WEBHOOK_SIGNATURE="v1,AAAA v1,BBBB"
leak_free "CGI 401 standard webhooks" 401 rejected
cgi POST /nowhere "" "$T/order.json"
leak_free "CGI 404 unknown endpoint" 404 rejected
cgi GET "/catalog/$TOK" "" -
leak_free "CGI 405 GET to flipsnack" 405 rejected
cgi POST "/catalog/$TOK" "" - CONTENT_LENGTH=5000 CONTENT_TYPE=application/json
leak_free "CGI 413 body over max_body_bytes" 413 rejected
cgi GET "/shop/$TOK" "event_type=order.new&order_id=12345" -
leak_free "CGI GET quickbutik order.new" 200 accepted
cgi GET "/shop/$TOK" "event_type=product.update&product_id=9" -
leak_free "CGI GET quickbutik product.update (id-less)" 200 accepted
cgi GET "/shop/$TOK" "event_type=product.update&product_id=9" -
leak_free "CGI GET quickbutik product.update again (window duplicate)" 200 duplicate
cgi POST "/shop/$TOK" "" "$T/order.json" CONTENT_TYPE=application/x-www-form-urlencoded
leak_free "CGI 400 quickbutik form without event_type" 400 rejected

coproc LOCK { "$PY" -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
' "$DB"; }
LOCKER=$LOCK_PID
read -r _ <&"${LOCK[0]}"
printf '{"type":"orders","order_id":"LEAK-2"}' >"$T/order2.json"
cgi POST "/catalog/$TOK" "" "$T/order2.json"
leak_free "CGI 503 store busy" 503 unavailable
echo >&"${LOCK[1]}"
wait "$LOCKER" 2>/dev/null
LOCKER=
printf '{ "database": ' >"$T/broken.conf"
CONF=$T/broken.conf cgi POST "/catalog/$TOK" "" "$T/order2.json"
leak_free "CGI 503 config does not load" 503 unavailable

# The command line, on the same database.
cli() {	# NAME ARGS...
	local name=$1 rc report
	shift
	env -i PATH=/usr/bin:/bin HOOKBOX_CONF="$CONF" "$HOOKBOX" "$@" >"$T/cli.out" 2>&1 </dev/null
	rc=$?
	report=$(vg_report)
	if [ "$rc" -ne 99 ] && [ -z "$report" ]; then pass "$name"; else
		fail "$name" "exit $rc; valgrind: $report"; fi
}
cli "CLI simulate (the hook runs in the foreground)" simulate sim "$T/order.json"
cli "CLI list" list
cli "CLI list --json with filters" list --json --endpoint catalog --type 'order*' --since 7d
cli "CLI show" show 1
cli "CLI stats" stats
cli "CLI rejects" rejects
cli "CLI check" check
cli "CLI replay" replay "$(sqlite3 "$DB" "SELECT id FROM events WHERE endpoint = 'sim' LIMIT 1")"
cli "CLI run (runs the replayed hook)" run
check "the hook ran twice (simulate, replay)" 2 \
	"$(sqlite3 "$DB" "SELECT count(*) FROM deliveries WHERE status = 'succeeded'")"

echo "# runtime: $((SECONDS - START)) s"
[ "$FAILURES" -eq 0 ]
