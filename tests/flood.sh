#!/usr/bin/env bash
# Floods (issues 5 and 24): refused requests through lighttpd + FastCGI, sent by
# wrk, leave the `rejects` table within its cap (1000 rows) and the database
# file bounded; and the FastCGI processes that served them keep a flat
# RSS (no leak per request).
#
# FLOOD_REQUESTS (default 100000) refused requests are sent in two runs:
# the first 10% (a warm-up, after which sizes and RSS are sampled), then
# the rest. The mix: a wrong token (401), an unknown endpoint (404), a
# body that is not JSON (400), and, beside the count, redeliveries of a
# stored event (200 duplicate; they write nothing). Nothing asserts a
# duration; the time each run took is printed. With FLOOD_REQUESTS lowered
# the suite says so.
#
# Asserted: rejects stays within 1000 rows, and the sum of its counts
# shows every refusal was counted; events holds the one stored event; the database
# file after all the requests is at most 1.5x its size after the warm-up
# plus 4 pages (both checkpointed), and the WAL's high water is at most
# 1.5x its first or what the automatic checkpoint allows (1100 pages); each FastCGI process's VmRSS grows by
# at most FLOOD_RSS_SLACK_KIB (default 256) KiB between the two samples.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi).
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/servers.sh"
case $HOOKBOX in /*) ;; *) HOOKBOX=$TOP/$HOOKBOX ;; esac
cd "$TOP" || exit 1

FAILURES=0
fail() { printf 'FAIL %s: %s\n' "$1" "${2//$'\n'/\\n}"; FAILURES=$((FAILURES + 1)); }

if [ ! -x "$HOOKBOX" ]; then
	fail "setup" "$HOOKBOX is not built (make)"
	exit 1
fi
server_require || { fail "setup" "lighttpd or curl is missing"; exit 1; }
if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		sh "$TOP/tests/lib/deps.sh" wrk >&2
	fi
	command -v wrk >/dev/null || { fail "setup" "wrk is missing (apt-get install wrk)"; exit 1; }
fi
command -v sqlite3 >/dev/null || { fail "setup" "sqlite3 is missing"; exit 1; }

TOTAL=${FLOOD_REQUESTS:-100000}
WARM=$((TOTAL / 10))
SLACK_KIB=${FLOOD_RSS_SLACK_KIB:-256}
[ "$TOTAL" -lt 100000 ] && echo "# NOTE: FLOOD_REQUESTS=$TOTAL, fewer than the 100,000 the issue asks for"
TOKEN=flood-token-0123456789abcdef
START=$SECONDS
WORK=$(mktemp -d /tmp/hbflood.XXXXXX)
chmod 755 "$WORK"
cleanup() {
	server_stop
	rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/data"
cat >"$WORK/hookbox.conf" <<EOF
{
  // written by tests/flood.sh
  "database": "$WORK/data/hookbox.db",
  "endpoints": { "catalog": { "provider": "flipsnack", "token": "$TOKEN" } }
}
EOF
chmod 644 "$WORK/hookbox.conf"

# wrk: each thread sends the four kinds in turn and stops after its share
# of responses. A refusal is 3 of every 4 requests, so the total is
# TOTAL * 4 / 3 to get TOTAL refusals. done() prints the status tally.
cat >"$WORK/flood.lua" <<EOF
local kinds = {
  { "/cgi-bin/hookbox.fcgi/catalog/wrong-token", '{"type":"orders","order_id":"F"}' },
  { "/cgi-bin/hookbox.fcgi/nowhere/$TOKEN", '{"type":"orders","order_id":"F"}' },
  { "/cgi-bin/hookbox.fcgi/catalog/$TOKEN", 'this is not JSON' },
  { "/cgi-bin/hookbox.fcgi/catalog/$TOKEN", '{"type":"orders","order_id":"STORED"}' },
}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  limit = tonumber(args[1])
  marker = args[2]
  n, sent = 0, 0
  counts = {}
  reqs = {}
  for i, k in ipairs(kinds) do
    reqs[i] = wrk.format("POST", k[1], { ["Content-Type"] = "application/json" }, k[2])
  end
end
function request()
  sent = sent + 1
  return reqs[(sent % #reqs) + 1]
end
function response(status, headers, body)
  n = n + 1
  counts[status] = (counts[status] or 0) + 1
  if n == limit then
    -- wrk's main thread sleeps for all of -d: say that this one is done
    local f = io.open(marker .. "." .. id, "w")
    f:close()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("counts")) do all[s] = (all[s] or 0) + c end
  end
  for s, c in pairs(all) do io.write(string.format("status %s %d\n", s, c)) end
end
EOF

server_start lighttpd-fastcgi "$WORK" "$HOOKBOX" "$WORK/hookbox.conf" || { fail "start" "lighttpd did not start"; exit 1; }
URL=http://${SERVER_URL#http://}
BASE=${URL%/cgi-bin/hookbox.fcgi}
got=$(curl -s --noproxy '*' --max-time 30 --data-binary '{"type":"orders","order_id":"STORED"}' "$SERVER_URL/catalog/$TOKEN")
check "setup: one event stored" '{"status":"accepted","id":1}' "$got"

THREADS=2
CONNS=16
# flood N: N responses in all (N / THREADS per thread); prints the tally.
# wrk runs until every thread has left its marker, then gets SIGINT (on
# which it prints its summary); -d is only a safety bound.
threads_done() { [ "$(ls "$WORK"/done.* 2>/dev/null | wc -l)" -ge "$THREADS" ]; }
flood() {
	local per=$(( ($1 + THREADS - 1) / THREADS )) t0=$EPOCHREALTIME pid i
	rm -f "$WORK"/done.*
	wrk -t "$THREADS" -c "$CONNS" -d 900s -s "$WORK/flood.lua" "$BASE/" -- "$per" "$WORK/done" >"$WORK/wrk.out" 2>&1 &
	pid=$!
	for i in $(seq 1 9000); do
		threads_done && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	echo "# wrk: $(grep -E 'requests in' "$WORK/wrk.out" | sed 's/^ *//'), $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'); $(grep '^status' "$WORK/wrk.out" | sort | tr '\n' ' ')"
}
# The served copy's FastCGI processes, by exact argv[0].
fcgi_pids() {
	local dir argv
	for dir in /proc/[0-9]*; do
		mapfile -d "" -t argv 2>/dev/null <"$dir/cmdline" || continue
		[ "${argv[0]:-}" = "$WORK/cgi-bin/hookbox.fcgi" ] && echo "${dir#/proc/}"
	done
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
db_sql() { runuser_db sqlite3 -cmd '.timeout 10000' "$WORK/data/hookbox.db" "$1"; }
runuser_db() {
	if _server_drop; then runuser -u "$SERVER_USER" -- "$@"; else "$@"; fi
}
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }

warm_requests=$((WARM * 4 / 3))
rest_requests=$(( (TOTAL - WARM) * 4 / 3 ))
t0=$SECONDS
flood "$warm_requests"
declare -A rss1=()
for p in $(fcgi_pids); do rss1[$p]=$(rss_kib "$p"); done
wal1=$(fsize "$WORK/data/hookbox.db-wal")
rej1=$(db_sql 'SELECT sum(count) FROM rejects')
# The pages in the WAL are copied back, so that the file shows its size.
db_sql 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
db1=$(fsize "$WORK/data/hookbox.db")
echo "# after $rej1 refusals: WAL $wal1 bytes, database (checkpointed) $db1 bytes; RSS $(for p in "${!rss1[@]}"; do printf '%s:%s KiB ' "$p" "${rss1[$p]}"; done)"

flood "$rest_requests"
declare -A rss2=()
for p in $(fcgi_pids); do rss2[$p]=$(rss_kib "$p"); done
wal2=$(fsize "$WORK/data/hookbox.db-wal")
rej2=$(db_sql 'SELECT sum(count) FROM rejects')
db_sql 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
db2=$(fsize "$WORK/data/hookbox.db")
echo "# after $rej2 refusals: WAL $wal2 bytes, database (checkpointed) $db2 bytes; RSS $(for p in "${!rss2[@]}"; do printf '%s:%s KiB ' "$p" "${rss2[$p]}"; done)"
echo "# flood: $rej2 refusals in $((SECONDS - t0)) s"

check "every refusal was counted in rejects (sum(count) >= $TOTAL)" yes "$([ "${rej2:-0}" -ge "$TOTAL" ] && echo yes || echo "no, $rej2")"
# One row a cause, address and second: a flood from one address makes a
# few rows a second, far under the cap (the unit tests fill it).
rows=$(db_sql 'SELECT count(*) FROM rejects')
check "rejects stays within its cap of 1000 rows" yes "$([ "${rows:-0}" -le 1000 ] && echo yes || echo "no, $rows")"
check "events holds only the stored event" 1 "$(db_sql 'SELECT count(*) FROM events')"
page=4096
check "the database file stays bounded ($db1 -> $db2 bytes)" yes \
	"$([ "$db2" -le $(( db1 * 3 / 2 + 4 * page )) ] && echo yes || echo no)"
# The WAL's high water is set by the automatic checkpoint (1000 pages and
# the batch that crossed them): bounded by that, or by 1.5x the first look.
wal_cap=$(( wal1 * 3 / 2 > 1100 * (page + 24) ? wal1 * 3 / 2 : 1100 * (page + 24) ))
check "the WAL stays bounded ($wal1 -> $wal2 bytes)" yes \
	"$([ "$wal2" -le $(( wal_cap + 4 * (page + 24) )) ] && echo yes || echo no)"

same=0
for p in "${!rss2[@]}"; do
	[ -n "${rss1[$p]:-}" ] || continue
	same=$((same + 1))
	grow=$(( rss2[$p] - rss1[$p] ))
	check "FastCGI process $p: RSS flat (${rss1[$p]} -> ${rss2[$p]} KiB, at most +$SLACK_KIB)" yes \
		"$([ "$grow" -le "$SLACK_KIB" ] && echo yes || echo no)"
done
check "the FastCGI processes sampled lived through the flood" yes "$([ "$same" -gt 0 ] && echo yes || echo "no (restarted?)")"

got=$(curl -s --noproxy '*' --max-time 30 --data-binary '{"type":"orders","order_id":"AFTER"}' "$SERVER_URL/catalog/$TOKEN")
check "after the flood a new event is accepted" '{"status":"accepted","id":2}' "$got"

# Genuine orders beside a flood of refusals: ORDER_RATE orders a second,
# paced (tests/bench/orders.lua), for ORDER_SECS alone and then again
# while the flood runs. Refusals are diagnostics, written without an
# fsync of their own, so the orders must keep at least 0.8 of the rate
# they had alone. Paced below what the machine does, so that only
# starvation (the write lock or the disk taken by refusals), not a slow
# machine, can fail it.
ORDER_RATE=${FLOOD_ORDER_RATE:-100}
ORDER_SECS=5
printf '{"type":"orders","order_id":"@ID@"}' >"$WORK/order.json"
orders() {	# TAG: prints the orders accepted
	WRK_THREADS=1 wrk -t1 -c4 -d"${ORDER_SECS}s" --timeout 10s -s "$TOP/tests/bench/orders.lua" \
		"$SERVER_URL/catalog/$TOKEN" -- "$WORK/order.json" "$1-$RANDOM" unique "$ORDER_RATE" 2>&1 |
		sed -n 's/^RESULT .* accepted=\([0-9]*\).*/\1/p'
}
alone=$(orders alone)
rm -f "$WORK"/done.*
wrk -t "$THREADS" -c "$CONNS" -d $((ORDER_SECS + 3))s -s "$WORK/flood.lua" "$BASE/" -- 100000000 "$WORK/done" >"$WORK/wrk2.out" 2>&1 &
fpid=$!
sleep 1
beside=$(orders beside)
kill -INT "$fpid" 2>/dev/null
wait "$fpid"
echo "# orders at $ORDER_RATE/s offered: ${alone:-?} accepted alone, ${beside:-?} beside a flood of refusals ($(grep '^status' "$WORK/wrk2.out" | sort | tr '\n' ' '))"
check "orders beside a flood of refusals keep 0.8 of their rate alone (${beside:-?} / ${alone:-?})" yes \
	"$([ -n "$alone" ] && [ -n "$beside" ] && [ "$alone" -gt 0 ] && [ $((beside * 10)) -ge $((alone * 8)) ] && echo yes || echo no)"
check "PRAGMA integrity_check is ok" ok "$(db_sql 'PRAGMA integrity_check' | tr '\n' ' ' | sed 's/ $//')"
check "no sanitizer report in the server log" "" \
	"$(grep -m1 -E 'ERROR: AddressSanitizer|runtime error:' "$SERVER_LOG")"

echo "# runtime: $((SECONDS - START)) s"
[ "$FAILURES" -eq 0 ]
