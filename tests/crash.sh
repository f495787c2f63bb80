#!/usr/bin/env bash
# Crash safety (issue 5, "nothing lost"): a load of unique events through
# lighttpd, while a killer sends SIGKILL to hookbox's processes at random
# moments: the FastCGI processes under lighttpd mod_fastcgi (lighttpd
# starts new ones), and the short-lived CGI processes under mod_cgi
# (killed mid-request). Afterwards every event that was answered 2xx is
# in the database under the id it was given, PRAGMA integrity_check is ok,
# and the receiver still accepts a new event.
#
# Failures on the client's side (connection reset, 500/502/503 from
# lighttpd when its backend dies, a 503 from hookbox) are expected and
# counted; only events answered 2xx must be there. Nothing here asserts a
# duration: the killer stops after CRASH_KILLS kills (default 25), with a
# safety bound on its run.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi);
# ASAN_OPTIONS / UBSAN_OPTIONS reach it through the server config.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/servers.sh"
case $HOOKBOX in /*) ;; *) HOOKBOX=$TOP/$HOOKBOX ;; esac
cd "$TOP" || exit 1

FAILURES=0
fail() { printf 'FAIL %s: %s\n' "$1" "${2//$'\n'/\\n}"; FAILURES=$((FAILURES + 1)); }
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if [ ! -x "$HOOKBOX" ]; then
	fail "setup" "$HOOKBOX is not built (make)"
	exit 1
fi
server_require || { fail "setup" "lighttpd or curl is missing"; exit 1; }
command -v sqlite3 >/dev/null || { fail "setup" "sqlite3 is missing"; exit 1; }

KILLS=${CRASH_KILLS:-25}
CLIENTS=8
TOKEN=crash-token-0123456789abcdef
START=$SECONDS
WORK=
cleanup() {
	local p
	for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
	server_stop
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT

# as_server CMD...: as the user the server runs hookbox as, so that no
# file SQLite makes beside the database belongs to another user.
as_server() {
	if _server_drop; then
		runuser -u "$SERVER_USER" -- "$@"
	else
		"$@"
	fi
}

# client N URL: posts unique orders C<N>-<i> until $WORK/stop exists;
# logs "<order_id> <id>" for each one answered 2xx, and counts the rest.
client() {
	local n=$1 url=$2 i=0 code id
	while [ ! -e "$WORK/stop" ]; do
		i=$((i + 1))
		printf '{"type":"orders","order_id":"C%d-%d","n":%d}' "$n" "$i" "$i" >"$WORK/c$n.body"
		code=$(curl -s --noproxy '*' --max-time 30 -o "$WORK/c$n.answer" -w '%{http_code}' \
			-H 'Content-Type: application/json' --data-binary @"$WORK/c$n.body" "$url")
		if [ "${code:0:1}" = 2 ]; then
			id=$(sed -n 's/^{"status":"accepted","id":\([0-9]*\)}$/\1/p' "$WORK/c$n.answer")
			echo "C$n-$i ${id:-?} $(cat "$WORK/c$n.answer")" >>"$WORK/acked.$n"
		else
			echo "C$n-$i $code" >>"$WORK/failed.$n"
		fi
	done
}

# The killer: SIGKILL to processes whose argv[0] is exactly the served
# copy of the binary (nothing else on the machine can match), by pid.
# fastcgi: one at random, every 50-400 ms. cgi: one at random of those
# running, looking every 5-150 ms (most requests get through, some are
# killed mid-request). Prints the number of kills.
killer() {	# MODE PROGRAM WANT MAX_SECONDS
	"$PY" - "$@" <<'PY'
import os, random, signal, sys, time
mode, prog, want, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
def ours():
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv0 = f.read().split(b"\0")[0]
        except OSError:
            continue
        if argv0 == prog.encode():
            found.append(int(pid))
    return found
r = random.Random()
kills = 0
end = time.time() + limit
while kills < want and time.time() < end:
    if mode == "fastcgi":
        time.sleep(r.uniform(0.05, 0.4))
        pids = ours()
        targets = [r.choice(pids)] if pids else []
    else:
        time.sleep(r.uniform(0.005, 0.15))
        pids = ours()
        targets = [r.choice(pids)] if pids else []
    for pid in targets:
        try:
            os.kill(pid, signal.SIGKILL)
            kills += 1
        except OSError:
            pass
print(kills)
PY
}

run_kind() {	# KIND MODE
	local kind=$1 mode=$2 url i kills acked lost failed got
	WORK=$(mktemp -d /tmp/hbcrash.XXXXXX)
	chmod 755 "$WORK"
	mkdir -p "$WORK/data"
	cat >"$WORK/hookbox.conf" <<-EOF
	{
	  // written by tests/crash.sh
	  "database": "$WORK/data/hookbox.db",
	  "endpoints": { "catalog": { "provider": "flipsnack", "token": "$TOKEN" } }
	}
	EOF
	chmod 644 "$WORK/hookbox.conf"
	if ! server_start "$kind" "$WORK" "$HOOKBOX" "$WORK/hookbox.conf"; then
		fail "$kind: start" "the server did not start"
		return
	fi
	url=$SERVER_URL/catalog/$TOKEN
	# One event before the storm, so that the database exists.
	got=$(curl -s --noproxy '*' --max-time 30 --data-binary '{"type":"orders","order_id":"FIRST"}' "$url")
	check "$kind: an event before the kills is accepted" '{"status":"accepted","id":1}' "$got"

	for i in $(seq 1 $CLIENTS); do
		client "$i" "$url" &
	done
	kills=$(killer "$mode" "$WORK/cgi-bin/hookbox.fcgi" "$KILLS" 60)
	touch "$WORK/stop"
	wait
	# The receiver comes back (lighttpd starts new FastCGI processes).
	again() {
		[ "$(curl -s --noproxy '*' --max-time 30 -o /dev/null -w '%{http_code}' \
			--data-binary '{"type":"orders","order_id":"AFTER"}' "$url")" = 200 ]
	}
	if wait_for again; then
		pass "$kind: after the kills a new event is accepted"
	else
		fail "$kind: after the kills a new event is accepted" \
			"$(curl -s --noproxy '*' --max-time 30 --data-binary '{"type":"orders","order_id":"AFTER"}' "$url")"
	fi
	server_stop

	cat "$WORK"/acked.* 2>/dev/null | sort >"$WORK/acked"
	cat "$WORK"/failed.* 2>/dev/null >"$WORK/failed"
	acked=$(wc -l <"$WORK/acked")
	failed=$(wc -l <"$WORK/failed")
	as_server sqlite3 -separator ' ' "$WORK/data/hookbox.db" \
		"SELECT event_key, id FROM events" 2>&1 | sort >"$WORK/stored"
	# Lost: answered 2xx, but not stored under the id it was given.
	lost=$(awk '{ print $1, $2 }' "$WORK/acked" | sort | comm -23 - "$WORK/stored" | wc -l)
	check "$kind: at least $KILLS kills" yes "$([ "$kills" -ge "$KILLS" ] && echo yes || echo "no, $kills")"
	check "$kind: events were acknowledged during the kills" yes "$([ "$acked" -gt 0 ] && echo yes || echo no)"
	check "$kind: every event answered 2xx is stored under its id" 0 "$lost"
	if [ "$lost" -gt 0 ]; then
		awk '{ print $1, $2 }' "$WORK/acked" | sort | comm -23 - "$WORK/stored" | head -5 | sed 's/^/#   lost: /'
	fi
	check "$kind: no answer was a duplicate (every order was new)" 0 "$(grep -vc '"accepted"' "$WORK/acked")"
	check "$kind: PRAGMA integrity_check is ok" ok \
		"$(as_server sqlite3 "$WORK/data/hookbox.db" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ' | sed 's/ $//')"
	check "$kind: no sanitizer report in the server log" "" \
		"$(grep -m1 -E 'ERROR: AddressSanitizer|runtime error:' "$SERVER_LOG")"
	echo "# $kind: kills done: $kills, events acknowledged: $acked, acknowledged events lost: $lost, requests failed: $failed ($(awk '{ print $2 }' "$WORK/failed" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }'))"
	rm -rf "$WORK"
	WORK=
}

run_kind lighttpd-fastcgi fastcgi
run_kind lighttpd-cgi cgi

echo "# runtime: $((SECONDS - START)) s"
[ "$FAILURES" -eq 0 ]
