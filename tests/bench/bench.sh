#!/usr/bin/env bash
# make bench: hookbox against its ceilings, side by side in one run.
#
# Every figure is a ratio of two contenders measured in the same run,
# alternating them in short rounds (A, B, A, B, ...) and taking each one's
# median, because the machines this runs on are noisy. Nothing here is a
# timed pass/fail test; `make test` does not run it.
#
# Load: wrk, 32 connections, POSTing Flipsnack orders (tests/bench/order.json)
# to <script URL>/catalog/<token>; tests/bench/orders.lua makes every
# order id unique (random run prefix + round + wrk thread + counter), or
# the same one for the duplicate storm.
#
# Contenders (servers from tests/lib/servers.sh, on loopback):
#   1. hookbox FastCGI behind lighttpd, dynamic and static (make static;
#      the faster one) | the cheapest FastCGI responders
#      (tests/bench/ceiling_fcgi.c, one thread and 8 threads, behind the same
#      lighttpd config; the faster one is the ceiling) | the store limit
#      (tests/bench/storeloop.c: one durable INSERT per transaction, no HTTP);
#      then storeloop --vfs: CPU per row at 8 rows a commit on SQLite's own
#      VFS | on hookbox's (src/vfs.c), taking turns in one process
#   2. hookbox plain CGI behind lighttpd, dynamic and static (make static;
#      the faster one) | the cheapest CGI responder (tests/bench/ceiling_cgi.c,
#      dynamic and static; the faster one) | the CGI store limit
#      (tests/bench/store_cgi.c: a CGI that only opens hookbox's database
#      and commits one INSERT durably, dynamic and static; the faster one)
#   3. duplicate storm (one order accepted, then only its redeliveries) |
#      unique orders, same hookbox FastCGI server
#   4. hookbox FastCGI with a hook (/bin/true) on every event | without;
#      then hook runs/s while the backlog drains (BENCH_DRAIN_MAX s), and
#      a run paced at 300 events/s on a fresh server to see whether the
#      hooks keep up
#   5. instructions per request under FastCGI, hookbox | the 1-thread
#      ceiling (tests/bench/instructions.sh: callgrind, user space only;
#      a count that does not move with the machine's load, only by a few
#      percent with how many requests share a commit)
#   6. peak RSS (VmHWM) of the FastCGI processes of each build, the
#      binary's size
# After each hookbox phase the events table is checked against the 2xx
# answers wrk counted.
#
# Writes the table, the checks and the machine to tests/bench/RESULTS.md.
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_FCGI_ROUNDS (BENCH_ROUNDS + 2,
# for the headline FastCGI | ceiling phase, whose median moved by a
# tenth between runs of 3 rounds), BENCH_SECONDS (3 per round),
# BENCH_DRAIN_MAX (15 s), BENCH_TMPDIR (/var/tmp: the data must be on a
# real disk, not tmpfs, for fsync to mean anything), BENCH_ONLY (a subset
# of "fcgi cgi dup hooks instr" while working on one of them: prints the rounds
# and the medians, and leaves RESULTS.md alone).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export TOP
cd "$TOP" || exit 1
. tests/lib/common.sh
. tests/lib/servers.sh

ROUNDS=${BENCH_ROUNDS:-3}
FCGI_ROUNDS=${BENCH_FCGI_ROUNDS:-$((ROUNDS + 2))}
SECS=${BENCH_SECONDS:-3}
DRAIN_MAX=${BENCH_DRAIN_MAX:-15}
CONNS=32
WRK_THREADS=2
HOOK_RATE=300
TOKEN=bench-token-0123456789abcdef
BIN=$TOP/cgi-bin/hookbox.fcgi
STATIC_BIN=$TOP/cgi-bin/hookbox-static.fcgi
HERE=$TOP/tests/bench
OUT=$HERE/RESULTS.md
BUILD=$TOP/build/bench
LUA=$HERE/orders.lua
TEMPLATE=$HERE/order.json
T0=$SECONDS
ONLY=${BENCH_ONLY:-}
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# ---- setup ----

sh tests/lib/deps.sh wrk lighttpd curl sqlite3 libfcgi-dev || exit 1
[ -x "$BIN" ] || die "no $BIN: run make first"
mkdir -p "$BUILD"
CC=${CC:-cc}
$CC -O2 -o "$BUILD/ceiling_fcgi" "$HERE/ceiling_fcgi.c" -lfcgi &&
$CC -O2 -DTHREADS=8 -pthread -o "$BUILD/ceiling_fcgi_mt" "$HERE/ceiling_fcgi.c" -lfcgi &&
$CC -O2 -o "$BUILD/ceiling_cgi" "$HERE/ceiling_cgi.c" &&
$CC -O2 -o "$BUILD/store_cgi" "$HERE/store_cgi.c" -lsqlite3 &&
$CC -O2 -I"$TOP/src" -o "$BUILD/storeloop" "$HERE/storeloop.c" "$TOP/src/vfs.c" -lsqlite3 ||
	die "cannot build the bench programs"
HAVE_STATIC=0
$CC -O2 -static -o "$BUILD/ceiling_cgi_static" "$HERE/ceiling_cgi.c" 2>/dev/null &&
	HAVE_STATIC=1
HAVE_STATIC_STORE=0
$CC -O2 -static -o "$BUILD/store_cgi_static" "$HERE/store_cgi.c" \
	-lsqlite3 -lm -lpthread -ldl 2>/dev/null && HAVE_STATIC_STORE=1

RUN=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/hbbench.XXXXXX") || die "mktemp"
chmod 755 "$RUN"
PREFIX=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

# ---- several servers at once ----
# servers.sh keeps one server in its SERVER_* globals; we keep each one's
# copy here and swap them in to stop it.

declare -A S_PID S_URL S_WORK S_KIND S_LOG
LOGNOTES=()

# srv_start NAME KIND BINARY [HOOK]: a server in $RUN/NAME with its own
# hookbox config and database; HOOK is the program run on every order.
srv_start() {
	local name=$1 kind=$2 bin=$3 hook=${4:-} w=$RUN/$1 hooks=
	mkdir -p "$w/data"
	[ -n "$hook" ] && hooks=", \"hooks\": { \"order\": { \"run\": [\"$hook\"] } }"
	cat >"$w/hookbox.conf" <<-EOF
	{
	  // written by tests/bench/bench.sh
	  "database": "$w/data/hookbox.db",
	  "endpoints": {
	    "catalog": { "provider": "flipsnack", "token": "$TOKEN"$hooks }
	  }
	}
	EOF
	SERVER_PID=
	server_start "$kind" "$w" "$bin" "$w/hookbox.conf" || return 1
	S_PID[$name]=$SERVER_PID
	S_URL[$name]=$SERVER_URL/catalog/$TOKEN
	S_WORK[$name]=$SERVER_WORKDIR
	S_KIND[$name]=$SERVER_KIND
	S_LOG[$name]=$SERVER_LOG
	SERVER_PID=
}

# pids_of NAME fcgi|runners: the FastCGI processes lighttpd started (argv[0]
# is the copied program), or the hook runners they started (the same
# executable, re-executed as "hookbox run --linger").
pids_of() {
	local exe=${S_WORK[$1]}/cgi-bin/hookbox.fcgi dir a0
	for dir in /proc/[0-9]*; do
		[ "$(readlink "$dir/exe" 2>/dev/null)" = "$exe" ] || continue
		a0=$(tr '\0' '\n' <"$dir/cmdline" 2>/dev/null | head -n 1)
		case $2:$a0 in
		fcgi:"$exe" | runners:hookbox) echo "${dir#/proc/}" ;;
		esac
	done
}

srv_stop() {
	local name=$1 pids line
	[ -n "${S_PID[$name]:-}" ] || return 0
	# What hookbox said in the server's error log, counted by message.
	while IFS= read -r line; do
		LOGNOTES+=("$name: $line")
	done < <(grep -a '^hookbox' "${S_LOG[$name]}" 2>/dev/null | sort | uniq -c | sort -rn | head -n 5 | sed 's/^ *\([0-9]*\) /\1× /')
	SERVER_PID=${S_PID[$name]} SERVER_URL=${S_URL[$name]}
	SERVER_WORKDIR=${S_WORK[$name]} SERVER_KIND=${S_KIND[$name]}
	server_stop
	# Hook runners (started by that server) would go on with its backlog
	# and weigh on what is measured next; these are ours, by pid. A
	# FastCGI process that was finishing its last requests may have
	# started one more as it stopped, so look again until none is left.
	for _ in 1 2 3 4 5; do
		pids="$(pids_of "$name" runners) $(pids_of "$name" fcgi)"
		[ -n "${pids// /}" ] || break
		# shellcheck disable=SC2086
		kill -CONT $pids 2>/dev/null
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.2
	done
	unset "S_PID[$name]"
}

cleanup() {
	local n
	for n in "${!S_PID[@]}"; do srv_stop "$n"; done
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# as_server CMD...: as the user the server runs programs as (the database
# and its -wal/-shm belong to that user).
as_server() {
	if [ "$(id -u)" -eq 0 ] && [ -n "$SERVER_USER" ]; then
		runuser -u "$SERVER_USER" -- "$@"
	else
		"$@"
	fi
}

# sql NAME QUERY: one value from NAME's database.
sql() {
	as_server sqlite3 -cmd '.timeout 5000' "${S_WORK[$1]}/data/hookbox.db" "$2" 2>/dev/null
}
rows() { sql "$1" "SELECT count(*) FROM events"; }
backlog() { sql "$1" "SELECT (SELECT count(*) FROM deliveries WHERE status IN ('pending','running','failed')) + (SELECT count(*) FROM hook_queue)"; }
succeeded() { sql "$1" "SELECT count(*) FROM deliveries WHERE status = 'succeeded'"; }

# ---- load ----

declare -A RATES P50S P99S STEALS BUSYS
TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# cpu_ticks: the whole machine's CPU time so far, in clock ticks: busy
# (user, nice, system, irq, softirq), steal (time the hypervisor gave our
# CPUs to other guests), and all of it.
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $2 + $3 + $4 + $7 + $8, $9, t; exit }' /proc/stat; }
declare -A T_OK T_ACC T_DUP T_NON2XX T_ERR T_ROUNDS
ROUND=0

# wrk_run LABEL SERVER MODE SECONDS [RATE]: one wrk run; records its 2xx
# rate and latencies under LABEL (unless LABEL is "-"), and tallies its
# answers under SERVER for the rows check. Prints the round's line.
wrk_run() {
	local label=$1 name=$2 mode=$3 secs=$4 rate=${5:-} line kv id
	local busy0 steal0 all0 busy1 steal1 all1 steal busy
	local -A R=()
	ROUND=$((ROUND + 1))
	id=$PREFIX-$ROUND
	[ "$mode" = dup ] && id=$PREFIX-dup
	read -r busy0 steal0 all0 < <(cpu_ticks)
	line=$(WRK_THREADS=$WRK_THREADS wrk -t"$WRK_THREADS" -c"$CONNS" -d"${secs}s" \
		--timeout 10s -s "$LUA" "${S_URL[$name]}" -- "$TEMPLATE" "$id" \
		"$mode" $rate 2>&1 | grep '^RESULT ')
	if [ -z "$line" ]; then
		say "bench: wrk against $name gave no result"
		return 1
	fi
	read -r busy1 steal1 all1 < <(cpu_ticks)
	for kv in ${line#RESULT }; do R[${kv%%=*}]=${kv#*=}; done
	W_RATE=$(awk -v n="${R[ok]}" -v us="${R[duration_us]}" 'BEGIN { printf "%.1f", n * 1e6 / us }')
	W_OK=${R[ok]} W_ACC=${R[accepted]}
	T_OK[$name]=$(( ${T_OK[$name]:-0} + R[ok] ))
	T_ACC[$name]=$(( ${T_ACC[$name]:-0} + R[accepted] ))
	T_DUP[$name]=$(( ${T_DUP[$name]:-0} + R[duplicate] ))
	T_NON2XX[$name]=$(( ${T_NON2XX[$name]:-0} + R[non2xx] ))
	T_ERR[$name]=$(( ${T_ERR[$name]:-0} + R[errors] ))
	T_ROUNDS[$name]=$(( ${T_ROUNDS[$name]:-0} + 1 ))
	if [ "$label" = - ]; then
		if [ "${R[non2xx]}" -gt 0 ] || [ "${R[errors]}" -gt 0 ]; then
			LOGNOTES+=("$name: warm-up: ${R[non2xx]} non-2xx answers, ${R[errors]} socket errors out of ${R[requests]}")
		fi
		return 0
	fi
	RATES[$label]+=" $W_RATE"
	read -r steal busy < <(awk -v s=$((steal1 - steal0)) -v a=$((all1 - all0)) \
		-v b=$((busy1 - busy0)) -v t="$TICK" -v n="${R[ok]}" 'BEGIN {
		printf "%.1f %.1f\n", (a > 0 ? 100 * s / a : 0), (n > 0 ? b * 1e6 / t / n : 0) }')
	STEALS[$label]+=" $steal"
	BUSYS[$label]+=" $busy"
	P50S[$label]+=" ${R[p50_us]}"
	P99S[$label]+=" ${R[p99_us]}"
	printf '  %-22s %9.0f /s  p50 %7.2f ms  p99 %7.2f ms  (2xx %d, other %d, errors %d; steal %s%%, %s µs CPU/request)\n' \
		"$label" "$W_RATE" "$(awk -v u="${R[p50_us]}" 'BEGIN { print u / 1000 }')" \
		"$(awk -v u="${R[p99_us]}" 'BEGIN { print u / 1000 }')" \
		"${R[ok]}" "${R[non2xx]}" "${R[errors]}" "$steal" "$busy" >&2
}

# storeloop_run: one round of the store limit.
storeloop_run() {
	local line
	local -a f
	mkdir -p "$RUN/storeloop"
	line=$("$BUILD/storeloop" "$RUN/storeloop/store.db" "$SECS") || return 1
	# commits N seconds S rate R p50_us P p99_us P max_us M
	read -ra f <<<"$line"
	RATES[storeloop]+=" ${f[5]}"
	P50S[storeloop]+=" ${f[7]}"
	P99S[storeloop]+=" ${f[9]}"
	printf '  %-22s %9.0f commits/s  p50 %7.2f ms  p99 %7.2f ms  (max %.2f ms)\n' storeloop "${f[5]}" \
		"$(awk -v u="${f[7]}" 'BEGIN { print u / 1000 }')" "$(awk -v u="${f[9]}" 'BEGIN { print u / 1000 }')" \
		"$(awk -v u="${f[11]}" 'BEGIN { print u / 1000 }')" >&2
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
highest() { printf '%s\n' "${@:-0}" | sort -g | tail -n 1; }
# shellcheck disable=SC2086
med() { median ${RATES[$1]:-}; }
# ms "LIST OF µs": their median in ms.
# shellcheck disable=SC2086
ms() { awk -v u="$(median $1)" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# tally_reset NAME / rows_check NAME WHAT BEFORE: events stored during a
# phase against the accepted answers wrk counted. wrk stops mid-request, so
# up to CONNS requests per round may be stored without their answer being
# counted; fewer rows than accepted answers would be a lost event.
tally_reset() {
	T_OK[$1]=0 T_ACC[$1]=0 T_DUP[$1]=0 T_NON2XX[$1]=0 T_ERR[$1]=0 T_ROUNDS[$1]=0
}
CHECKS=()
rows_check() {
	local name=$1 what=$2 before=$3 after delta acc slack verdict
	sleep 0.5	# the last batch of the last round
	after=$(rows "$name")
	delta=$((after - before))
	acc=${T_ACC[$name]}
	slack=$((CONNS * T_ROUNDS[$name]))
	if [ "$acc" -eq "$((T_OK[$name] - T_DUP[$name]))" ] && [ "$delta" -ge "$acc" ] &&
		[ "$delta" -le $((acc + slack)) ]; then
		verdict=OK
	else
		verdict=MISMATCH
	fi
	CHECKS+=("$what: rows +$delta, 2xx ${T_OK[$name]} (accepted $acc, duplicate ${T_DUP[$name]}), other ${T_NON2XX[$name]}, socket errors ${T_ERR[$name]}; +$((delta - acc)) rows for requests in flight when wrk stopped (at most $slack): $verdict")
	say "  check: ${CHECKS[-1]}"
}

# ---- 1. FastCGI: hookbox, the ceilings, the store limit ----

srv_start fcgi lighttpd-fastcgi "$BIN" || die "lighttpd-fastcgi did not start"
# hwm_of NAME: the largest VmHWM of its FastCGI processes, in KiB, and
# HWM_LIST / HWM_SPLIT: all of them, and what the largest is made of.
hwm_of() {
	local p h max=0
	HWM_LIST= HWM_SPLIT=
	for p in $(pids_of "$1" fcgi); do
		h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$h" ] || continue
		HWM_LIST+=" $h"
		if [ "$h" -gt "$max" ]; then
			max=$h
			HWM_SPLIT=$(awk '/^(RssAnon|RssFile|RssShmem):/ { printf "%s%s %s KiB", sep, $1, $2; sep = ", " }' "/proc/$p/status")
		fi
	done
	HWM=$max
}
if want fcgi; then
	say "== FastCGI (lighttpd mod_fastcgi, max-procs 1, as conf/lighttpd-fastcgi.conf): hookbox (dynamic, static) | ceiling 1 thread | ceiling 8 threads | store loop"
	srv_start ceil1 lighttpd-fastcgi "$BUILD/ceiling_fcgi" || die "ceiling did not start"
	srv_start ceilmt lighttpd-fastcgi "$BUILD/ceiling_fcgi_mt" || die "ceiling did not start"
	FCGI_NAMES="fcgi ceil1 ceilmt"
	if [ -x "$STATIC_BIN" ]; then
		srv_start fcgis lighttpd-fastcgi "$STATIC_BIN" || die "lighttpd-fastcgi (static) did not start"
		FCGI_NAMES="fcgi fcgis ceil1 ceilmt"
	fi
	for n in $FCGI_NAMES; do wrk_run - "$n" unique 1; done
	sleep 0.5
	tally_reset fcgi
	before=$(rows fcgi)
	if [ -x "$STATIC_BIN" ]; then
		tally_reset fcgis
		before_s=$(rows fcgis)
	fi
	for r in $(seq "$FCGI_ROUNDS"); do
		say " round $r"
		for n in $FCGI_NAMES; do wrk_run "$n" "$n" unique "$SECS"; done
		storeloop_run
	done
	# hookbox's VFS against SQLite's, at a batch's size (storeloop.c).
	read -r _ _ _ _ VFS_SQLITE _ VFS_HOOKBOX < <("$BUILD/storeloop" --vfs "$RUN/storeloop/vfs.db" 8 30) ||
		die "storeloop --vfs failed"
	say "  store, 8 rows a commit: CPU per row $VFS_SQLITE µs on SQLite's VFS, $VFS_HOOKBOX µs on hookbox's"
	rows_check fcgi "FastCGI hookbox" "$before"
	hwm_of fcgi
	DYN_HWM=$HWM RSS_LIST=$HWM_LIST RSS_SPLIT=$HWM_SPLIT
	HBFCGI=fcgi HBFCGI_WHAT="cgi-bin/hookbox.fcgi" HWM_S=
	if [ -x "$STATIC_BIN" ]; then
		rows_check fcgis "FastCGI hookbox, static build" "$before_s"
		hwm_of fcgis
		HWM_S=$HWM RSS_LIST_S=$HWM_LIST RSS_SPLIT_S=$HWM_SPLIT
		ge "$(med fcgis)" "$(med fcgi)" && HBFCGI=fcgis HBFCGI_WHAT="make static"
		srv_stop fcgis
	fi
	hwm_of ceil1
	CEIL_HWM=$HWM
	srv_stop ceil1
	srv_stop ceilmt
	if ge "$(med ceilmt)" "$(med ceil1)"; then
		CEIL=ceilmt CEIL_WHAT="8 threads over FCGX_Accept_r (faster than 1 thread: $(ratio "$(med ceil1)" "$(med ceilmt)")×)"
	else
		CEIL=ceil1 CEIL_WHAT="1 thread, FCGX_Accept_r loop (8 threads: $(ratio "$(med ceilmt)" "$(med ceil1)")×)"
fi
fi

# ---- 2. plain CGI ----

if want cgi; then
	say "== plain CGI (lighttpd mod_cgi): hookbox (dynamic, static) | ceiling (dynamic, static) | store limit (dynamic, static)"
	srv_start cgi lighttpd-cgi "$BIN" || die "lighttpd-cgi did not start"
	CGI_N="cgi"
	if [ -x "$STATIC_BIN" ]; then
		srv_start cgis lighttpd-cgi "$STATIC_BIN" || die "lighttpd-cgi did not start"
		CGI_N+=" cgis"
	fi
	srv_start cgiceil lighttpd-cgi "$BUILD/ceiling_cgi" || die "CGI ceiling did not start"
	CGI_N+=" cgiceil"
	if [ "$HAVE_STATIC" = 1 ]; then
		srv_start cgiceils lighttpd-cgi "$BUILD/ceiling_cgi_static" || die "CGI ceiling did not start"
		CGI_N+=" cgiceils"
	fi
	# The store limit writes to a database hookbox made (hookbox init),
	# owned like the others by the server's user.
	limits="storecgi=$BUILD/store_cgi"
	[ "$HAVE_STATIC_STORE" = 1 ] && limits+=" storecgis=$BUILD/store_cgi_static"
	for l in $limits; do
		n=${l%%=*}
		srv_start "$n" lighttpd-cgi "${l#*=}" || die "CGI store limit did not start"
		HOOKBOX_CONF=$RUN/$n/hookbox.conf "$BIN" init >/dev/null ||
			die "hookbox init for the CGI store limit failed"
		chown -R --reference="$RUN/$n" "$RUN/$n/data"
		CGI_N+=" $n"
	done
	for n in $CGI_N; do wrk_run - "$n" unique 1; done
	sleep 0.5
	tally_reset cgi
	tally_reset cgis
	tally_reset storecgi
	tally_reset storecgis
	before=$(rows cgi)
	[ -x "$STATIC_BIN" ] && before_s=$(rows cgis)
	before_l=$(rows storecgi)
	[ "$HAVE_STATIC_STORE" = 1 ] && before_ls=$(rows storecgis)
	for r in $(seq "$ROUNDS"); do
		say " round $r"
		for n in $CGI_N; do wrk_run "$n" "$n" unique "$SECS"; done
	done
	rows_check cgi "CGI hookbox" "$before"
	[ -x "$STATIC_BIN" ] && rows_check cgis "CGI hookbox, static build" "$before_s"
	rows_check storecgi "CGI store limit" "$before_l"
	[ "$HAVE_STATIC_STORE" = 1 ] && rows_check storecgis "CGI store limit, static build" "$before_ls"
	for n in $CGI_N; do srv_stop "$n"; done
	CGICEIL=cgiceil CGICEIL_WHAT="dynamically linked"
	if [ "$HAVE_STATIC" = 1 ] && ge "$(med cgiceils)" "$(med cgiceil)"; then
		CGICEIL=cgiceils CGICEIL_WHAT="statically linked (dynamic: $(ratio "$(med cgiceil)" "$(med cgiceils)")×)"
	elif [ "$HAVE_STATIC" = 1 ]; then
		CGICEIL_WHAT="dynamically linked (static: $(ratio "$(med cgiceils)" "$(med cgiceil)")×)"
	fi
	STORECGI=storecgi STORECGI_WHAT="dynamic"
	if [ "$HAVE_STATIC_STORE" = 1 ] && ge "$(med storecgis)" "$(med storecgi)"; then
		STORECGI=storecgis STORECGI_WHAT="static"
	fi
	# hookbox, like the ceiling, in its faster build.
	HBCGI=cgi HBCGI_WHAT="cgi-bin/hookbox.fcgi"
	if [ -x "$STATIC_BIN" ] && ge "$(med cgis)" "$(med cgi)"; then
		HBCGI=cgis HBCGI_WHAT="make static"
	fi
fi

# ---- 3. duplicate storm ----

if want dup; then
	say "== duplicate storm vs unique orders (hookbox FastCGI)"
	dupbody=$(sed "s/@ID@/$PREFIX-dup/" "$TEMPLATE")
	first=$(curl -s --noproxy '*' --max-time 30 -H 'Content-Type: application/json' \
		--data-binary "$dupbody" "${S_URL[fcgi]}")
	say "  the order, once: $first"
	db=${S_WORK[fcgi]}/data/hookbox.db
	# snapshot: rows, then the database's and the WAL's size and mtime.
	snapshot() { printf '%s %s %s' "$(rows fcgi)" "$(stat -c '%s@%y' "$db")" "$(stat -c '%s@%y' "$db-wal" 2>/dev/null)"; }
	tally_reset fcgi
	before=$(rows fcgi)
	STORM_WRITES=0 STORM_LINES=()
	for r in $(seq "$ROUNDS"); do
		say " round $r"
		wrk_run unique fcgi unique "$SECS"
		sleep 0.5
		s0=$(snapshot)
		wrk_run dup fcgi dup "$SECS"
		sleep 0.2
		s1=$(snapshot)
		if [ "$s0" != "$s1" ]; then
			STORM_WRITES=$((STORM_WRITES + 1))
			STORM_LINES+=("round $r: before [$s0] after [$s1]")
		fi
	done
	rows_check fcgi "FastCGI hookbox, unique + duplicate storm" "$before"
	if [ "$STORM_WRITES" -eq 0 ]; then
		CHECKS+=("duplicate storm: events rows, database and WAL size and mtime unchanged across every storm round: OK (a duplicate costs no write)")
	else
		CHECKS+=("duplicate storm: the database changed during $STORM_WRITES storm round(s): ${STORM_LINES[*]}: MISMATCH")
fi
say "  check: ${CHECKS[-1]}"
fi

# ---- 4. a hook on every event ----

if want hooks; then
	say "== hook /bin/true on every order vs no hook (hookbox FastCGI)"
	srv_start hooks lighttpd-fastcgi "$BIN" /bin/true || die "lighttpd-fastcgi did not start"
	wrk_run - hooks unique 1
	sleep 0.5
	tally_reset hooks
	tally_reset fcgi
	before_h=$(rows hooks)
	before_n=$(rows fcgi)
	succ0=$(succeeded hooks)
	# While the no-hook contender runs, the hook runners still working on the
	# previous round's backlog are paused (SIGSTOP/SIGCONT, by pid), so that
	# they do not slow down the baseline. During the hook rounds they run.
	runners_signal() {
		local p
		p=$(pids_of hooks runners)
		# shellcheck disable=SC2086
		[ -n "$p" ] && kill -"$1" $p 2>/dev/null
		return 0
	}
	for r in $(seq "$ROUNDS"); do
		say " round $r"
		wrk_run hook hooks unique "$SECS"
		runners_signal STOP
		wrk_run nohook fcgi unique "$SECS"
		runners_signal CONT
	done
	rows_check hooks "FastCGI hookbox with a hook" "$before_h"
	rows_check fcgi "FastCGI hookbox without a hook" "$before_n"

	# drain: how fast the runners get through the backlog with no load.
	drain() {
		local name=$1 max=$2 t0 b s
		t0=$EPOCHREALTIME
		DRAIN_START_BACKLOG=$(backlog "$name")
		DRAIN_START_SUCC=$(succeeded "$name")
		b=$DRAIN_START_BACKLOG
		while [ "$b" -gt 0 ]; do
			ge "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$max" && break
			sleep 1
			b=$(backlog "$name")
		done
		s=$(succeeded "$name")
		DRAIN_LEFT=$b
		DRAIN_SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
		DRAIN_RUNS=$((s - DRAIN_START_SUCC))
		DRAIN_RATE=$(awk -v n="$DRAIN_RUNS" -v t="$DRAIN_SECS" 'BEGIN { printf "%.1f", (t > 0 ? n / t : 0) }')
	}
	drain hooks "$DRAIN_MAX"
	HOOK_BACKLOG=$DRAIN_START_BACKLOG HOOK_DRAIN_SECS=$DRAIN_SECS HOOK_DRAIN_LEFT=$DRAIN_LEFT
	HOOK_DRAIN_RATE=$DRAIN_RATE
	succ1=$(succeeded hooks)
	HOOK_RUNS=$((succ1 - succ0))
	HOOK_RUNS_RATE=$(awk -v n="$HOOK_RUNS" -v t="$(awk -v r="$ROUNDS" -v s="$SECS" -v d="$DRAIN_SECS" 'BEGIN { print r * s + d }')" 'BEGIN { printf "%.1f", n / t }')
	say "  backlog after the hook rounds: $HOOK_BACKLOG; $DRAIN_RUNS runs in $DRAIN_SECS s ($DRAIN_RATE/s), $DRAIN_LEFT left"
	say "  hook runs over the rounds and the drain: $HOOK_RUNS in $((ROUNDS * SECS)) s + $DRAIN_SECS s = $HOOK_RUNS_RATE/s"

	HOOKS_HWM=0
	for p in $(pids_of hooks fcgi); do
		h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$h" ] && [ "$h" -gt "$HOOKS_HWM" ] && HOOKS_HWM=$h
	done
	srv_stop hooks		# and its runners, with what is left

	# paced: HOOK_RATE events/s for a while, on a fresh server so that
	# the flood's backlog is not counted; does the backlog stay bounded?
	PACE_SECS=$((SECS * 3))
	say "== $HOOK_RATE events/s with a hook on each, ${PACE_SECS} s"
	srv_start pace lighttpd-fastcgi "$BIN" /bin/true || die "lighttpd-fastcgi did not start"
	tally_reset pace
	before_h=$(rows pace)
	PACE_B0=$(backlog pace)
	PACE_S0=$(succeeded pace)
	PACE_B0=${PACE_B0:-0} PACE_S0=${PACE_S0:-0}	# no database yet
	PACE_SAMPLES=$PACE_B0
	# The backlog is sampled every second beside the load.
	(
		for _ in $(seq "$PACE_SECS"); do
			sleep 1
			printf ' %s' "$(backlog pace)"
		done >"$RUN/pace.samples"
	) &
	spid=$!
	wrk_run pace pace unique "$PACE_SECS" "$HOOK_RATE"
	wait "$spid"
	PACE_SAMPLES+=$(cat "$RUN/pace.samples")
	PACE_RATE=$(med pace)
	rows_check pace "FastCGI hookbox with a hook, $HOOK_RATE/s" "$before_h"
	PACE_B1=$(backlog pace)
	PACE_S1=$(succeeded pace)
	PACE_RUNS_RATE=$(awk -v n="$((PACE_S1 - PACE_S0))" -v t="$PACE_SECS" 'BEGIN { printf "%.1f", n / t }')
	drain pace 15
	PACE_DRAIN_SECS=$DRAIN_SECS PACE_DRAIN_LEFT=$DRAIN_LEFT
	say "  backlog each second: $PACE_SAMPLES (after: $PACE_B1; drained in $PACE_DRAIN_SECS s, $PACE_DRAIN_LEFT left)"
	# Met when the server took the offered rate (95%) and the hooks stayed
	# within one second of arrivals behind, draining at once afterwards.
	if ge "$PACE_RATE" "$(awk -v r="$HOOK_RATE" 'BEGIN { print r * 0.95 }')" &&
		[ "$PACE_B1" -le "$HOOK_RATE" ] && [ "$PACE_DRAIN_LEFT" -eq 0 ]; then
		PACE_MET=yes
	elif [ "$PACE_B1" -le "$HOOK_RATE" ] && [ "$PACE_DRAIN_LEFT" -eq 0 ]; then
		PACE_MET="**no**: hooks kept up, but only $(printf '%.0f' "$PACE_RATE")/s of $HOOK_RATE/s were accepted"
	else
		PACE_MET="**no**: backlog grew"
	fi
	srv_stop pace
fi
srv_stop fcgi

# ---- 5. instructions per request (callgrind), beside the ceiling ----

if want instr; then
	say "== instructions per request under FastCGI (callgrind; user space only)"
	instr() {
		local line
		line=$(bash "$HERE/instructions.sh" "$1" "$2" | grep '^INSTRUCTIONS ') ||
			{ say "  instructions: $2 gave no count"; return 1; }
		say "  $line"
		line=${line##*per_request=}
		INSTR[$2]=$line
	}
	declare -A INSTR
	instr "$BIN" hookbox
	instr "$BUILD/ceiling_fcgi" ceiling
fi

if [ -n "$ONLY" ]; then
	echo
	for l in "${!RATES[@]}"; do
		printf '%-10s median %9.0f /s  p50 %s  p99 %s\n' "$l" "$(med "$l")" "$(ms "${P50S[$l]}")" "$(ms "${P99S[$l]}")"
	done | sort
	want instr && echo "instructions per request: hookbox ${INSTR[hookbox]:-?}, ceiling ${INSTR[ceiling]:-?}"
	want fcgi && echo "FastCGI VmHWM:$RSS_LIST KiB (the largest now: $RSS_SPLIT)"
	want fcgi && [ -n "$HWM_S" ] && echo "FastCGI VmHWM, make static:$RSS_LIST_S KiB (the largest now: $RSS_SPLIT_S)"
	for c in "${CHECKS[@]}"; do echo "check: $c"; done
	echo "bench: BENCH_ONLY=$ONLY, $((SECONDS - T0)) s; RESULTS.md not written"
	exit 0
fi

# ---- 6. size ----

SIZE=$(stat -c %s "$BIN")
tmpx=$(mktemp)
strip -o "$tmpx" "$BIN" && STRIPPED=$(stat -c %s "$tmpx") || STRIPPED=0
rm -f "$tmpx"

# ---- the table ----

yn() { if ge "$1" "$2"; then echo yes; else echo "**no**"; fi; }
le_yn() { if ge "$2" "$1"; then echo yes; else echo "**no**"; fi; }
row() { printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$@"; }
rate_of() { printf '%.0f' "$(med "$1")"; }

r_fcgi=$(ratio "$(med $HBFCGI)" "$(med $CEIL)")
r_cgi=$(ratio "$(med $HBCGI)" "$(med $CGICEIL)")
r_store=$(ratio "$(med fcgi)" "$(med storeloop)")
r_dup=$(ratio "$(med dup)" "$(med unique)")
r_hook=$(ratio "$(med hook)" "$(med nohook)")
r_runs=$(ratio "$HOOK_DRAIN_RATE" "$HOOK_RATE")

table() {
	row contender events/s p50 p99 ratio target met?
	row --- ---: ---: ---: ---: --- ---
	row "FastCGI hookbox (durable: an fsync before each answer), faster build ($HBFCGI_WHAT)" "$(rate_of $HBFCGI)" "$(ms "${P50S[$HBFCGI]}")" "$(ms "${P99S[$HBFCGI]}")" "$r_fcgi" "≥ 0.80 of ceiling" "$(yn "$r_fcgi" 0.8)"
	row "FastCGI hookbox, cgi-bin/hookbox.fcgi (dynamic)" "$(rate_of fcgi)" "$(ms "${P50S[fcgi]}")" "$(ms "${P99S[fcgi]}")" "$(ratio "$(med fcgi)" "$(med $CEIL)")" "" ""
	if [ -n "$HWM_S" ]; then
		row "FastCGI hookbox, make static" "$(rate_of fcgis)" "$(ms "${P50S[fcgis]}")" "$(ms "${P99S[fcgis]}")" "$(ratio "$(med fcgis)" "$(med $CEIL)")" "" ""
	fi
	row "FastCGI ceiling, 1 thread" "$(rate_of ceil1)" "$(ms "${P50S[ceil1]}")" "$(ms "${P99S[ceil1]}")" "$(ratio "$(med ceil1)" "$(med $CEIL)")" "" ""
	row "FastCGI ceiling, 8 threads" "$(rate_of ceilmt)" "$(ms "${P50S[ceilmt]}")" "$(ms "${P99S[ceilmt]}")" "$(ratio "$(med ceilmt)" "$(med $CEIL)")" "" ""
	row "store loop, 1 INSERT per durable commit, no HTTP (commits/s; latency of one commit)" "$(rate_of storeloop)" "$(ms "${P50S[storeloop]}")" "$(ms "${P99S[storeloop]}")" "hookbox FastCGI / loop: $r_store" "(information)" ""
	row "store, 8 rows per durable commit, no HTTP: CPU time per row (user and system) on SQLite's own VFS / on hookbox's (src/vfs.c: a commit's WAL writes in one call), taking turns in one process" "" "" "" "${VFS_SQLITE:-?} / ${VFS_HOOKBOX:-?} µs = $(ratio "${VFS_SQLITE:-0}" "${VFS_HOOKBOX:-0}")×" "(information)" ""
	row "CGI hookbox, faster build ($HBCGI_WHAT)" "$(rate_of $HBCGI)" "$(ms "${P50S[$HBCGI]}")" "$(ms "${P99S[$HBCGI]}")" "$r_cgi" "≥ 0.70 of ceiling" "$(yn "$r_cgi" 0.7)"
	row "CGI hookbox, cgi-bin/hookbox.fcgi (dynamic)" "$(rate_of cgi)" "$(ms "${P50S[cgi]}")" "$(ms "${P99S[cgi]}")" "$(ratio "$(med cgi)" "$(med $CGICEIL)")" "" ""
	if [ -x "$STATIC_BIN" ]; then
		row "CGI hookbox, make static" "$(rate_of cgis)" "$(ms "${P50S[cgis]}")" "$(ms "${P99S[cgis]}")" "$(ratio "$(med cgis)" "$(med $CGICEIL)")" "" ""
	fi
	row "CGI ceiling, dynamic" "$(rate_of cgiceil)" "$(ms "${P50S[cgiceil]}")" "$(ms "${P99S[cgiceil]}")" "$(ratio "$(med cgiceil)" "$(med $CGICEIL)")" "" ""
	if [ "$HAVE_STATIC" = 1 ]; then
		row "CGI ceiling, static" "$(rate_of cgiceils)" "$(ms "${P50S[cgiceils]}")" "$(ms "${P99S[cgiceils]}")" "$(ratio "$(med cgiceils)" "$(med $CGICEIL)")" "" ""
	fi
	if [ -n "${STORECGI:-}" ]; then
		row "CGI store limit ($STORECGI_WHAT): a CGI that only opens hookbox's database, commits one INSERT with an fsync and closes (no config, JSON or checks)" "$(rate_of "$STORECGI")" "$(ms "${P50S[$STORECGI]}")" "$(ms "${P99S[$STORECGI]}")" "$(ratio "$(med "$STORECGI")" "$(med "$CGICEIL")") of ceiling; hookbox CGI / limit: $(ratio "$(med "$HBCGI")" "$(med "$STORECGI")")" "(information)" ""
		# shellcheck disable=SC2086
		row "CPU time of the whole machine per request, CGI (as for FastCGI below), ceiling / store limit / hookbox, each in its faster build: what the CPUs alone would allow" "" "" "" "$(median ${BUSYS[$CGICEIL]:-}) / $(median ${BUSYS[$STORECGI]:-}) / $(median ${BUSYS[$HBCGI]:-}) µs: limit $(ratio "$(median ${BUSYS[$CGICEIL]:-})" "$(median ${BUSYS[$STORECGI]:-})"), hookbox $(ratio "$(median ${BUSYS[$CGICEIL]:-})" "$(median ${BUSYS[$HBCGI]:-})") of ceiling" "(information)" ""
	fi
	row "FastCGI duplicate storm" "$(rate_of dup)" "$(ms "${P50S[dup]}")" "$(ms "${P99S[dup]}")" "$r_dup" "≥ 1.00 of unique" "$(yn "$r_dup" 1)"
	row "FastCGI unique orders (alternating with the storm)" "$(rate_of unique)" "$(ms "${P50S[unique]}")" "$(ms "${P99S[unique]}")" "1.00" "" ""
	row "FastCGI, hook /bin/true on every order" "$(rate_of hook)" "$(ms "${P50S[hook]}")" "$(ms "${P99S[hook]}")" "$r_hook" "≥ 0.70 of no hook" "$(yn "$r_hook" 0.7)"
	row "FastCGI, no hook (alternating with the above)" "$(rate_of nohook)" "$(ms "${P50S[nohook]}")" "$(ms "${P99S[nohook]}")" "1.00" "" ""
	row "hook runs/s while draining (backlog $HOOK_BACKLOG → $HOOK_DRAIN_LEFT in $HOOK_DRAIN_SECS s)" "$HOOK_DRAIN_RATE" "" "" "$r_runs of $HOOK_RATE/s" "≥ 1.00" "$(yn "$r_runs" 1)"
	row "hook runs/s over the hook rounds + drain" "$HOOK_RUNS_RATE" "" "" "" "(information)" ""
	row "$HOOK_RATE/s offered for $PACE_SECS s with a hook on each (events/s accepted); backlog each second ${PACE_SAMPLES// / → }, drained $PACE_DRAIN_SECS s after" "$(printf '%.0f' "$PACE_RATE")" "$(ms "${P50S[pace]:-0}")" "$(ms "${P99S[pace]:-0}")" "hook runs $PACE_RUNS_RATE/s" "$HOOK_RATE/s accepted, backlog ≤ 1 s of arrivals" "$PACE_MET"
	# shellcheck disable=SC2086
	row "CPU time of the whole machine per request, FastCGI (every process and the kernel, from /proc/stat, without idle or steal; median of the rounds), ceiling / hookbox: the ratio the machine would give if its CPUs were the only limit" "" "" "" "$(median ${BUSYS[$CEIL]:-}) / $(median ${BUSYS[$HBFCGI]:-}) µs = $(ratio "$(median ${BUSYS[$CEIL]:-})" "$(median ${BUSYS[$HBFCGI]:-})")" "(information)" ""
	row "instructions per request under FastCGI (callgrind, user space only; moves by a few percent with how many requests share a commit, not with the machine's load), hookbox / 1-thread ceiling" "" "" "" "${INSTR[hookbox]:-?} / ${INSTR[ceiling]:-?} = $(ratio "${INSTR[hookbox]:-0}" "${INSTR[ceiling]:-0}")×" "(information)" ""
	row "peak RSS per FastCGI process (VmHWM), cgi-bin/hookbox.fcgi (dynamic)" "" "" "" "$DYN_HWM KiB (ceiling: $CEIL_HWM KiB)" "≤ 4096 KiB" "$(le_yn "$DYN_HWM" 4096)"
	if [ -n "$HWM_S" ]; then
		row "peak RSS per FastCGI process (VmHWM), make static" "" "" "" "$HWM_S KiB" "≤ 4096 KiB" "$(le_yn "$HWM_S" 4096)"
	fi
	row "binary size, cgi-bin/hookbox.fcgi" "" "" "" "$((SIZE / 1024)) KiB (stripped $((STRIPPED / 1024)) KiB)" "< 300 KiB" "$( [ "$SIZE" -lt $((300 * 1024)) ] && echo yes || echo '**no**')"
}

machine() {
	echo "- machine: $(uname -srm); $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); $(nproc) CPUs"
	echo "- file system of the data directory: $(df -T "$RUN" | awk 'NR == 2 { print $2 }') (BENCH_TMPDIR, default /var/tmp)"
	echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); lighttpd $("$LIGHTTPD_BIN" -v 2>/dev/null | sed -n 's/^lighttpd\/\([^ ]*\).*/\1/p'), SQLite $(sqlite3 --version | cut -d' ' -f1), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
	echo "- load: wrk -t$WRK_THREADS -c$CONNS, $ROUNDS rounds of $SECS s per contender ($FCGI_ROUNDS in the FastCGI | ceiling phase), alternating; medians"
	echo "- FastCGI ceiling used: $CEIL_WHAT"
	echo "- CGI ceiling used: $CGICEIL_WHAT"
	echo "- FastCGI processes' VmHWM at the end of the FastCGI rounds:$RSS_LIST KiB (the largest now: $RSS_SPLIT); with the hook, at the end: $HOOKS_HWM KiB"
	[ -n "$HWM_S" ] && echo "- the same for make static:$RSS_LIST_S KiB (the largest now: $RSS_SPLIT_S)"
	# shellcheck disable=SC2086
	echo "- host steal time (the hypervisor giving our CPUs to other guests), median of the rounds (highest): FastCGI hookbox $(median ${STEALS[$HBFCGI]:-})% ($(highest ${STEALS[$HBFCGI]:-})%), ceiling $(median ${STEALS[$CEIL]:-})% ($(highest ${STEALS[$CEIL]:-})%); CGI hookbox $(median ${STEALS[$HBCGI]:-})%, ceiling $(median ${STEALS[$CGICEIL]:-})%"
	echo "- RssFile is mostly shared libraries' code, shared with every process on the host that uses them; a static build maps only what it links"
}

TABLE=$(table)
{
	echo "# make bench: latest results"
	echo
	echo "Written by tests/bench/bench.sh. Each ratio compares contenders measured"
	echo "side by side in this one run (alternating rounds, medians)."
	echo
	machine
	echo
	echo "$TABLE"
	echo
	echo "Checks:"
	echo
	for c in "${CHECKS[@]}"; do echo "- $c"; done
	echo
	if [ ${#LOGNOTES[@]} -gt 0 ]; then
		echo "Warm-up failures and hookbox's messages in the servers' error logs:"
		echo
		for c in "${LOGNOTES[@]}"; do echo "- $c"; done
		echo
	fi
	echo "Bench time: $((SECONDS - T0)) s."
} >"$OUT"
echo
machine
echo
echo "$TABLE"
echo
for c in "${CHECKS[@]}"; do echo "check: $c"; done
for c in "${LOGNOTES[@]}"; do echo "log: $c"; done
echo
echo "bench: $((SECONDS - T0)) s; written to ${OUT#"$TOP"/}"
