#!/usr/bin/env bash
# Instructions per request under FastCGI, counted by callgrind.
#
# Timings on a shared machine move by a tenth from run to run; a count of
# instructions does not move with what else the machine is doing (only
# by a few percent, with how many requests happen to share a commit). This puts a
# program under valgrind --tool=callgrind as the FastCGI responder behind
# lighttpd (tests/lib/servers.sh), sends it unique Flipsnack orders with
# wrk, stops it, and divides the instructions it ran by the requests it
# answered (for hookbox: the events stored). User space only: system calls
# and the kernel's share are not counted.
#
#   tests/bench/instructions.sh [PROGRAM [LABEL]]
#
# PROGRAM defaults to cgi-bin/hookbox.fcgi. Prints one line:
#   INSTRUCTIONS label=LABEL requests=N total=N per_request=N
# BENCH_KEEP_CALLGRIND=FILE keeps callgrind's output there, for
# callgrind_annotate.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export TOP
cd "$TOP" || exit 1
. tests/lib/common.sh
. tests/lib/servers.sh

PROG=$(realpath "${1:-cgi-bin/hookbox.fcgi}") || exit 1
LABEL=${2:-$(basename "$PROG")}
TOKEN=bench-token-0123456789abcdef
die() { echo "instructions: $*" >&2; exit 1; }

sh tests/lib/deps.sh valgrind wrk lighttpd curl sqlite3 || exit 1
RUN=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/hbinstr.XXXXXX") || die mktemp
chmod 755 "$RUN"
mkdir -p "$RUN/srv/data" "$RUN/out" "$RUN/bin"
chmod 777 "$RUN/out"	# the server's user writes callgrind's output
cp "$PROG" "$RUN/bin/program"
chmod 755 "$RUN/bin" "$RUN/bin/program"
# The responder lighttpd starts: the program, under callgrind.
cat >"$RUN/bin/under-callgrind" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$RUN/out/cg.%p "$RUN/bin/program" "\$@"
EOF
chmod 755 "$RUN/bin/under-callgrind"
cat >"$RUN/hookbox.conf" <<EOF
{ "database": "$RUN/srv/data/hookbox.db",
  "endpoints": { "catalog": { "provider": "flipsnack", "token": "$TOKEN" } } }
EOF
cleanup() {
	[ -n "${SERVER_PID:-}" ] && server_stop
	rm -rf "$RUN"
}
trap cleanup EXIT

SERVER_PID=
server_start lighttpd-fastcgi "$RUN/srv" "$RUN/bin/under-callgrind" "$RUN/hookbox.conf" ||
	die "lighttpd-fastcgi did not start"
URL=$SERVER_URL/catalog/$TOKEN
# valgrind starts slowly: wait until the program answers.
wait_for curl -sf --noproxy '*' -o /dev/null --max-time 10 \
	-H 'Content-Type: application/json' \
	--data-binary '{"type":"order","order_id":"warm-up"}' "$URL" ||
	die "no answer from the program under callgrind"
line=$(wrk -t2 -c16 -d"${BENCH_INSTR_SECONDS:-5}s" --timeout 10s \
	-s tests/bench/orders.lua "$URL" -- tests/bench/order.json \
	"instr-$RANDOM$RANDOM" unique 2>&1 | grep '^RESULT ')
[ -n "$line" ] || die "wrk gave no result"
ok=$(sed 's/.* ok=\([0-9]*\).*/\1/' <<<"$line")
# Stopping the server stops the program, and callgrind writes its count.
server_stop
SERVER_PID=
for _ in $(seq 100); do
	out=$(ls "$RUN"/out/cg.* 2>/dev/null | head -n 1)
	[ -n "$out" ] && grep -q -E '^(totals|summary):' "$out" && break
	sleep 0.1
done
[ -n "$out" ] || die "callgrind wrote nothing"
total=$(awk '/^(totals|summary):/ { print $2; exit }' "$out")
[ -n "$total" ] || die "callgrind's output has no total"
[ -n "${BENCH_KEEP_CALLGRIND:-}" ] && cp "$out" "$BENCH_KEEP_CALLGRIND"
# Every request the program took: hookbox's stored events (wrk does not
# count the answers in flight when it stops), else the warm-up and the
# answered ones.
n=$((ok + 1))
if [ -s "$RUN/srv/data/hookbox.db" ]; then
	n=$(sqlite3 "$RUN/srv/data/hookbox.db" 'SELECT count(*) FROM events') || die "no count of events"
fi
echo "INSTRUCTIONS label=$LABEL requests=$n total=$total per_request=$((total / n))"
