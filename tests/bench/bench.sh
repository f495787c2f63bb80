#!/usr/bin/env bash
# make bench: hookbox against its ceilings, its store limits and a PHP
# receiver, behind lighttpd and Apache, side by side in one run.
#
# Every figure is a ratio of two contenders measured in the same run,
# alternating them in short rounds (A, B, C, A, B, C, ...) and taking each
# one's median, because the machines this runs on are noisy. Nothing here
# is a timed pass/fail test; `make test` does not run it.
#
# Load: wrk, 32 connections, POSTing Flipsnack orders (tests/bench/order.json)
# to <script URL>/catalog/<token>; tests/bench/orders.lua makes every
# order id unique (random run prefix + round + wrk thread + counter), or
# the same one for the duplicate storm.
#
# Each web server (servers from tests/lib/servers.sh, on loopback) gets, in
# alternating rounds:
#   - the ceiling: the cheapest responder, with no work at all
#     (tests/bench/ceiling_fcgi.c, ceiling_cgi.c);
#   - the store limit: a program that only commits one row durably into
#     hookbox's database, the way hookbox writes (store_fcgi.c under
#     FastCGI, store_cgi.c under CGI; both on store_limit.c);
#   - under FastCGI, the PHP receiver a careful shop owner would otherwise
#     drop on the host (tests/bench/receiver.php, run by php-cgi);
#   - hookbox, dynamic and static (make static), each ratio taken with its
#     faster build;
#   - behind lighttpd (phases 1 and 3), hookbox on PostgreSQL: the same
#     dynamic binary (make static stores into SQLite only) with a second
#     config, the SQLite one but for "database", a postgresql:// URI to a
#     database of its own on one throwaway server (tests/lib/postgres.sh:
#     started once in the run's directory, reached over its Unix socket,
#     fsync and synchronous_commit on, stopped on exit). Its ratios are to
#     hookbox on SQLite in its dynamic build, the same binary.
# The servers:
#   1. lighttpd mod_fastcgi: conf/lighttpd-fastcgi.conf with max-procs
#      BENCH_LIGHTTPD_PROCS (2) for hookbox, the ceiling and the store
#      limit; PHP as a host's lighttpd runs it (one php-cgi, 4 children).
#      Beside them the store loop (tests/bench/storeloop.c: one durable
#      INSERT per transaction, no HTTP), and hookbox on PostgreSQL.
#   2. Apache mod_fcgid, as a shared host runs it
#      (server_start_userdir): the program in the site's cgi-bin with the
#      .htaccess lines install.sh writes (install.sh is run once to get
#      them), and the process limit conf/apache-fcgid.conf ships
#      (FcgidMaxProcessesPerClass, a server-level directive, given to
#      Apache with -c); PHP through FcgidWrapper php-cgi in .htaccess.
#   3. lighttpd mod_cgi (conf/lighttpd-cgi.conf), with hookbox on
#      PostgreSQL, and after each round the connect loop
#      (tests/bench/pgconnect.c: the store opened as hookbox opens it, a
#      connection, its settings and a read of the schema version, then
#      closed, one after another, no load, for 1 s): what hookbox on
#      PostgreSQL pays on every CGI request and a FastCGI process once.
#      Prints "CGI on PostgreSQL: X req/s vs Y on SQLite: each request
#      connects (~Z ms ...)".
#   4. Apache mod_cgi, as a shared host runs it (the same .htaccess).
#   5. duplicate storm (one order accepted, then only its redeliveries) |
#      unique orders, hookbox behind lighttpd FastCGI
#   6. hookbox with a hook (/bin/true) on every event | without; then hook
#      runs/s while the backlog drains (BENCH_DRAIN_MAX s), and a run paced
#      at 300 events/s on a fresh server to see whether the hooks keep up
#   7. instructions per request under FastCGI, hookbox | the ceiling
#      (tests/bench/instructions.sh: callgrind, user space only)
#   8. peak RSS (VmHWM) of hookbox's FastCGI processes under load (lighttpd
#      and Apache), the binary's size
# After each phase every contender's table (hookbox's events, in SQLite or,
# with psql, in PostgreSQL; the PHP receiver's orders) is checked against
# the 2xx answers wrk counted. No table is emptied between rounds: each
# contender has its own database, new at the start of its phase.
#
# Only hookbox's URL scheme, its config and `hookbox init` are relied on,
# so that whatever binary `make` built can be measured.
#
# Writes the table, the checks and the machine to tests/bench/RESULTS.md,
# above its last section, "Measurements behind the code": that one is
# written by hand (the figures that code comments point to, where the code
# keeps only the reason) and kept as it is from run to run.
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_FCGI_ROUNDS (BENCH_ROUNDS + 2,
# for the lighttpd FastCGI phase, whose ceiling ratio is the headline),
# BENCH_SECONDS (3 per round), BENCH_DRAIN_MAX (15 s), BENCH_LIGHTTPD_PROCS
# (2), BENCH_STATIC (1; 0 leaves out the static builds), BENCH_TMPDIR
# (/var/tmp: the data must be on a real disk, not tmpfs, for fsync to mean
# anything; PostgreSQL's data too), BENCH_PG (1; 0 leaves out hookbox on
# PostgreSQL), BENCH_ONLY (a subset of "fcgi apache-fcgid cgi apache-cgi dup
# hooks instr", "apache" meaning both of its, while working on one of them:
# prints the rounds and the medians, and leaves RESULTS.md alone).
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
LIGHTTPD_PROCS=${BENCH_LIGHTTPD_PROCS:-2}
CONNS=32
WRK_THREADS=2
HOOK_RATE=300
# As a host's stock PHP setup: 4 PHP processes under either server.
PHP_PROCS=4
TOKEN=bench-token-0123456789abcdef
BIN=$TOP/cgi-bin/hookbox.fcgi
STATIC_BIN=$TOP/cgi-bin/hookbox-static.fcgi
HERE=$TOP/tests/bench
OUT=$HERE/RESULTS.md
KEEP_TITLE='Measurements behind the code'
BUILD=$TOP/build/bench
LUA=$HERE/orders.lua
TEMPLATE=$HERE/order.json
T0=$SECONDS
ONLY=${BENCH_ONLY:-}
want() {
	[ -z "$ONLY" ] && return 0
	[[ " $ONLY " == *" $1 "* ]] && return 0
	case $1 in apache-*) [[ " $ONLY " == *" apache "* ]] ;; *) return 1 ;; esac
}

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# ---- setup ----

HAVE_PG=0 PG_PKGS='' ON_PG=''
if [ "${BENCH_PG:-1}" != 0 ] && { want fcgi || want cgi; }; then
	HAVE_PG=1 PG_PKGS=libpq-dev ON_PG=", on PostgreSQL"
fi
# shellcheck disable=SC2086
sh tests/lib/deps.sh wrk lighttpd apache2 libapache2-mod-fcgid php-cgi \
	php-sqlite3 curl sqlite3 libfcgi-dev libsqlite3-dev $PG_PKGS || exit 1
if [ "$HAVE_PG" = 1 ]; then
	. tests/lib/postgres.sh
	pg_require || die "PostgreSQL is missing (BENCH_PG=0 leaves it out)"
fi
[ -x "$BIN" ] || die "no $BIN: run make first"
HAVE_HB_STATIC=0
[ "${BENCH_STATIC:-1}" != 0 ] && [ -x "$STATIC_BIN" ] && HAVE_HB_STATIC=1
PHP_CGI=$(command -v php-cgi) || die "no php-cgi"
mkdir -p "$BUILD"
PQ_CFLAGS=$(pkg-config --cflags libpq 2>/dev/null)
PQ_LIBS=$(pkg-config --libs libpq 2>/dev/null || echo -lpq)
CC=${CC:-cc}
BCFLAGS="-std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086
{
$CC $BCFLAGS -o "$BUILD/ceiling_fcgi" "$HERE/ceiling_fcgi.c" -lfcgi &&
$CC $BCFLAGS -o "$BUILD/ceiling_cgi" "$HERE/ceiling_cgi.c" &&
$CC $BCFLAGS -o "$BUILD/store_cgi" "$HERE/store_cgi.c" "$HERE/store_limit.c" -lsqlite3 &&
$CC $BCFLAGS -o "$BUILD/store_fcgi" "$HERE/store_fcgi.c" "$HERE/store_limit.c" -lfcgi -lsqlite3 &&
$CC $BCFLAGS -o "$BUILD/storeloop" "$HERE/storeloop.c" -lsqlite3 &&
if [ "$HAVE_PG" = 1 ]; then
	$CC $BCFLAGS $PQ_CFLAGS -o "$BUILD/pgconnect" "$HERE/pgconnect.c" $PQ_LIBS
fi
} || die "cannot build the bench programs"
HAVE_STATIC=0
# shellcheck disable=SC2086
$CC $BCFLAGS -static -o "$BUILD/ceiling_cgi_static" "$HERE/ceiling_cgi.c" 2>/dev/null &&
	HAVE_STATIC=1
HAVE_STATIC_STORE=0
# shellcheck disable=SC2086
$CC $BCFLAGS -static -o "$BUILD/store_cgi_static" "$HERE/store_cgi.c" "$HERE/store_limit.c" \
	-lsqlite3 -lm -lpthread -ldl 2>/dev/null && HAVE_STATIC_STORE=1

RUN=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/hbbench.XXXXXX") || die "mktemp"
chmod 755 "$RUN"
# Until the servers' cleanup below takes over: a failure in setup.
trap 'rm -rf "$RUN"' EXIT
PREFIX=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

# The user the servers run programs as (servers.sh), and so the owner of
# every site's files and database.
OWNER=
if [ "$(id -u)" -eq 0 ] && [ -n "$SERVER_USER" ]; then
	OWNER=$SERVER_USER:$(id -gn "$SERVER_USER")
fi

# The .htaccess lines install.sh writes, from install.sh itself: run once
# into a scratch site with hookbox's binary; each Apache site below gets
# that file with its own config's path in place of the scratch one.
HTACCESS=
if want apache-fcgid || want apache-cgi; then
	# As the site's owner, as install.sh wants (the server's user here).
	mkdir -p "$RUN/install/site/cgi-bin"
	[ -z "$OWNER" ] || chown -R "$OWNER" "$RUN/install"
	${OWNER:+runuser -u "$SERVER_USER" --} sh "$TOP/install.sh" --binary "$BIN" --cgi-bin "$RUN/install/site/cgi-bin" \
		--home "$RUN/install/home" --docroot "$RUN/install/site" \
		>"$RUN/install/log" 2>&1 </dev/null ||
		{ tail -n 20 "$RUN/install/log" >&2; die "install.sh failed"; }
	HTACCESS=$(cat "$RUN/install/site/cgi-bin/.htaccess") || die "install.sh wrote no .htaccess"
	HTACCESS_CONF=$RUN/install/home/conf/hookbox.conf
	[[ $HTACCESS == *"$HTACCESS_CONF"* ]] ||
		die "install.sh's .htaccess does not name its config ($HTACCESS_CONF)"
	# The process limit conf/apache-fcgid.conf ships: server-level, so it
	# is not in .htaccess. Apache gets it with -c, through this wrapper
	# (servers.sh runs APACHE_BIN; exec keeps the pid it records).
	FCGID_LIMIT=$(awk '$1 == "FcgidMaxProcessesPerClass" { print $2; exit }' "$TOP/conf/apache-fcgid.conf")
	[ -n "$FCGID_LIMIT" ] || die "conf/apache-fcgid.conf sets no FcgidMaxProcessesPerClass"
	cat >"$BUILD/apache2-fcgid-limit" <<-EOF
	#!/bin/sh
	# written by tests/bench/bench.sh: Apache with conf/apache-fcgid.conf's process limit
	exec "$APACHE_BIN" -c "FcgidMaxProcessesPerClass $FCGID_LIMIT" "\$@"
	EOF
	# For PHP, also what a host sets for php-cgi, which exits by itself
	# after 500 requests (its PHP_FCGI_MAX_REQUESTS): mod_fcgid retires
	# each process first, instead of sending it a request it drops.
	cat >"$BUILD/apache2-fcgid-php" <<-EOF
	#!/bin/sh
	# written by tests/bench/bench.sh: Apache with conf/apache-fcgid.conf's process limit, set up for php-cgi
	exec "$APACHE_BIN" -c "FcgidMaxProcessesPerClass $FCGID_LIMIT" -c "FcgidMaxRequestsPerProcess 500" "\$@"
	EOF
	chmod 755 "$BUILD/apache2-fcgid-limit" "$BUILD/apache2-fcgid-php"
fi
SHIPPED_PROCS=$(sed -n 's/.*"max-procs" *=> *\([0-9]*\).*/\1/p' "$TOP/conf/lighttpd-fastcgi.conf" | head -n 1)

# ---- several servers at once ----
# servers.sh keeps one server in its SERVER_* globals; we keep each one's
# copy here and swap them in to stop it.

declare -A S_PID S_URL S_WORK S_KIND S_LOG S_PROG S_DB S_TABLE S_WHAT S_PG
LOGNOTES=()

# shadow_top NAME FILE: a folder to run servers.sh with as TOP, whose
# conf/lighttpd-fastcgi.conf is FILE (stdin): servers.sh builds lighttpd's
# config from that snippet, so this changes the snippet and nothing else.
shadow_top() {
	mkdir -p "$RUN/$1/top/conf" && cat >"$RUN/$1/top/conf/lighttpd-fastcgi.conf"
}

# php_lighttpd W: PHP as a host's lighttpd runs it (one php-cgi that
# forks PHP_PROCS children, each serving one request at a time), the
# receiver's settings given per URL as .htaccess's SetEnv gives them.
php_lighttpd() {
	cat <<-EOF
	# written by tests/bench/bench.sh: PHP through php-cgi, as a host runs it
	server.modules += ( "mod_fastcgi", "mod_setenv" )
	fastcgi.server += ( ".php" => ((
		"bin-path" => "$PHP_CGI",
		"socket" => "$1/run/php.sock",
		"max-procs" => 1,
		"bin-environment" => (
			"PHP_FCGI_CHILDREN" => "$PHP_PROCS",
			"PHP_FCGI_MAX_REQUESTS" => "10000",
		),
		"bin-copy-environment" => ( "PATH" ),
	)))
	\$HTTP["url"] == "/cgi-bin/receiver.php" {
		setenv.add-environment = (
			"RECEIVER_DB" => "$1/data/receiver.db",
			"RECEIVER_TOKEN" => "$TOKEN",
		)
	}
	EOF
}

# srv_start NAME KIND ROLE PROGRAM WHAT [HOOK]: a server in $RUN/NAME with
# its own hookbox config and database.
#   KIND: lighttpd-fastcgi | lighttpd-cgi | apache-fcgid | apache-cgi
#   ROLE: hookbox | hookbox-pg (hookbox on PostgreSQL: a database NAME on
#     the run's server) | store (a store limit: needs hookbox's database) |
#     ceiling (no database) | php (receiver.php; PROGRAM is ignored)
#   WHAT: how the table and the checks name it; HOOK: a program run on
#     every order (hookbox's config).
srv_start() {
	local name=$1 kind=$2 role=$3 prog=$4 what=$5 hook=${6:-} w=$RUN/$1 hooks=
	local site top=$TOP apache=$APACHE_BIN db=$w/data/hookbox.db
	mkdir -p "$w/data"
	[ -n "$hook" ] && hooks=", \"hooks\": { \"order\": { \"run\": [\"$hook\"] } }"
	if [ "$role" = hookbox-pg ]; then
		# The server's URI with this contender's database in it.
		"$PG_BIN/createdb" "$name" || { say "bench: createdb $name failed"; return 1; }
		db=${HB_PG_URI/"@/$PGDATABASE?"/"@/$name?"}
		[ "$db" != "$HB_PG_URI" ] || { say "bench: no database name in $HB_PG_URI"; return 1; }
	fi
	cat >"$w/hookbox.conf" <<-EOF
	{
	  // written by tests/bench/bench.sh
	  "database": "$db",
	  "endpoints": {
	    "catalog": { "provider": "flipsnack", "token": "$TOKEN"$hooks }
	  }
	}
	EOF
	S_DB[$name]="" S_TABLE[$name]=events S_WHAT[$name]=$what
	case $role in
	hookbox | hookbox-pg | store)
		HOOKBOX_CONF=$w/hookbox.conf "$BIN" init >/dev/null ||
			{ say "bench: hookbox init for $name failed"; return 1; }
		S_DB[$name]=$db
		[ "$role" = hookbox-pg ] && S_PG[$name]=$db ;;
	php) S_DB[$name]=$w/data/receiver.db S_TABLE[$name]=orders ;;
	esac
	SERVER_PID=
	case $kind in
	lighttpd-*)
		if [ "$role" = php ]; then
			php_lighttpd "$w" | shadow_top "$name"
			top=$RUN/$name/top
			mkdir -p "$w/cgi-bin"
			install -m 0644 "$HERE/receiver.php" "$w/cgi-bin/receiver.php"
			prog=$HERE/receiver.php		# (copied as hookbox.fcgi, unused)
		elif [ "$kind" = lighttpd-fastcgi ]; then
			sed 's/\("max-procs" *=> *\)[0-9]*/\1'"$LIGHTTPD_PROCS"'/' \
				"$TOP/conf/lighttpd-fastcgi.conf" | shadow_top "$name"
			top=$RUN/$name/top
		fi
		[ -z "$OWNER" ] || chown -R "$OWNER" "$w"
		TOP=$top server_start "$kind" "$w" "$prog" "$w/hookbox.conf" || return 1
		S_PROG[$name]=$w/cgi-bin/hookbox.fcgi
		if [ "$role" = php ]; then
			S_URL[$name]="${SERVER_URL%/hookbox.fcgi}/receiver.php?token=$TOKEN"
		else
			S_URL[$name]=$SERVER_URL/catalog/$TOKEN
		fi
		;;
	apache-*)
		site=$w/site
		mkdir -p "$site/cgi-bin" "$w/srv"
		if [ "$role" = php ]; then
			install -m 0644 "$HERE/receiver.php" "$site/cgi-bin/receiver.php"
			# What a shop owner puts beside it on a host with mod_fcgid.
			cat >"$site/cgi-bin/.htaccess" <<-EOF
			SetEnv RECEIVER_DB "$w/data/receiver.db"
			SetEnv RECEIVER_TOKEN "$TOKEN"
			AddHandler fcgid-script .php
			FcgidWrapper "$PHP_CGI" .php
			Options +ExecCGI
			EOF
		else
			install -m 0755 "$prog" "$site/cgi-bin/hookbox.fcgi"
			printf '%s\n' "${HTACCESS//"$HTACCESS_CONF"/"$w/hookbox.conf"}" >"$site/cgi-bin/.htaccess"
		fi
		[ -z "$OWNER" ] || chown -R "$OWNER" "$w"
		case $kind:$role in
		apache-fcgid:php) apache=$BUILD/apache2-fcgid-php ;;
		apache-fcgid:*) apache=$BUILD/apache2-fcgid-limit ;;
		esac
		APACHE_BIN=$apache server_start_userdir "apache-userdir-${kind#apache-}" \
			"$w/srv" "$site" "${SERVER_USER:-}" || return 1
		S_PROG[$name]=$site/cgi-bin/hookbox.fcgi
		if [ "$role" = php ]; then
			S_URL[$name]="$SERVER_URL/cgi-bin/receiver.php?token=$TOKEN"
		else
			S_URL[$name]=$SERVER_URL/cgi-bin/hookbox.fcgi/catalog/$TOKEN
		fi
		;;
	esac
	S_PID[$name]=$SERVER_PID
	S_WORK[$name]=$SERVER_WORKDIR
	S_KIND[$name]=$SERVER_KIND
	S_LOG[$name]=$SERVER_LOG
	SERVER_PID=
}

# pids_of NAME fcgi|runners|all: processes running NAME's copy of its
# program: those with no arguments (how lighttpd and mod_fcgid start a
# FastCGI program), those with some (hookbox's hook runners, if it
# re-executes itself for them), or both.
pids_of() {
	local exe=${S_PROG[$1]} dir n
	for dir in /proc/[0-9]*; do
		[ "$(readlink "$dir/exe" 2>/dev/null)" = "$exe" ] || continue
		n=$(tr '\0' '\n' <"$dir/cmdline" 2>/dev/null | wc -l)
		case $2:$n in
		fcgi:1 | runners:[2-9] | runners:[1-9][0-9]* | all:*) echo "${dir#/proc/}" ;;
		esac
	done
}

# descendants PID: every process below PID (php-cgi's children, say).
descendants() {
	local -A kids=()
	local pid pp out=() todo=("$1")
	while read -r pid pp; do
		kids[$pp]+=" $pid"
	done < <(cat /proc/[0-9]*/stat 2>/dev/null | awk '{ pid = $1; sub(/.*\) /, ""); print pid, $2 }')
	while [ ${#todo[@]} -gt 0 ]; do
		pid=${todo[0]}
		todo=("${todo[@]:1}")
		for pp in ${kids[$pid]:-}; do out+=("$pp"); todo+=("$pp"); done
	done
	echo "${out[@]}"
}

srv_stop() {
	local name=$1 pids line kids p
	[ -n "${S_PID[$name]:-}" ] || return 0
	# What the programs said in the server's error log, counted by message.
	while IFS= read -r line; do
		LOGNOTES+=("$name: $line")
	done < <(grep -a -o -E '(\[(fcgid|cgi):[a-z]+\]|hookbox|store_limit|receiver\.php|PHP [A-Z][a-z]+ error)[: ].*' "${S_LOG[$name]}" 2>/dev/null |
		sed -E 's/\[(pid|client) [^]]*\] ?//g' | sort | uniq -c | sort -rn | head -n 5 | sed 's/^ *\([0-9]*\) /\1× /')
	# The server's processes now, to find any it leaves behind (php-cgi).
	kids=$(descendants "${S_PID[$name]}")
	SERVER_PID=${S_PID[$name]} SERVER_URL=${S_URL[$name]}
	SERVER_WORKDIR=${S_WORK[$name]} SERVER_KIND=${S_KIND[$name]}
	_SERVER_USERDIR_PROG=
	case ${S_KIND[$name]} in apache-userdir-*) _SERVER_USERDIR_PROG=${S_PROG[$name]} ;; esac
	server_stop
	# Hook runners (started by that server) would go on with its backlog
	# and weigh on what is measured next; these are ours, by pid. A
	# FastCGI process that was finishing its last requests may have
	# started one more as it stopped, so look again until none is left.
	for _ in 1 2 3 4 5; do
		pids=$(pids_of "$name" all)
		for p in $kids; do
			[ -d "/proc/$p" ] && pids+=" $p"
		done
		kids=
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
	[ "$HAVE_PG" = 1 ] && pg_stop	# after its clients
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The PostgreSQL server of hookbox on PostgreSQL, once for the run, in
# $RUN/pg on the same disk as the SQLite files. The programs run as the
# servers' user: its socket's directory lets them pass (0711). pg_start
# puts pg_stop in front of the EXIT trap; cleanup calls it after the
# servers instead.
if [ "$HAVE_PG" = 1 ]; then
	PG_DIR_MODE=0711 pg_start "$RUN/pg" || die "PostgreSQL did not start"
	trap cleanup EXIT
fi

# as_server CMD...: as the user the server runs programs as (the database
# and its -wal/-shm belong to that user).
as_server() {
	if [ -n "$OWNER" ]; then
		runuser -u "$SERVER_USER" -- "$@"
	else
		"$@"
	fi
}

# sql NAME QUERY: one value from NAME's database.
sql() {
	as_server sqlite3 -cmd '.timeout 5000' "${S_DB[$1]}" "$2" 2>/dev/null
}
rows() {
	local n
	if [ -n "${S_PG[$1]:-}" ]; then
		n=$("$PG_BIN/psql" -X -Atc "SELECT count(*) FROM ${S_TABLE[$1]}" "${S_PG[$1]}" 2>/dev/null)
	else
		n=$(sql "$1" "SELECT count(*) FROM ${S_TABLE[$1]}")
	fi
	echo "${n:-0}"
}
# The hooks not yet run: deliveries waiting, and events that have none
# yet (every event of the hooks' servers has a hook). Public schema only.
backlog() {
	local n
	n=$(sql "$1" "SELECT (SELECT count(*) FROM deliveries WHERE status IN ('pending','running','failed')) + (SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id))")
	echo "${n:-0}"
}
succeeded() { local n; n=$(sql "$1" "SELECT count(*) FROM deliveries WHERE status = 'succeeded'"); echo "${n:-0}"; }

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

# pgconnect_run: one round of the connect loop (1 s), against the CGI
# phase's hookbox database on PostgreSQL; the connection alone (without
# hookbox's statements) under pgconn.
pgconnect_run() {
	local line
	local -a f
	line=$("$BUILD/pgconnect" "${S_PG[lc_pg]}" 1) || return 1
	# connects N seconds S rate R p50_us P p99_us P max_us M conn_p50_us C conn_p99_us D
	read -ra f <<<"$line"
	RATES[pgconnect]+=" ${f[5]}"
	P50S[pgconnect]+=" ${f[7]}"
	P99S[pgconnect]+=" ${f[9]}"
	P50S[pgconn]+=" ${f[13]}"
	P99S[pgconn]+=" ${f[15]}"
	printf '  %-22s %9.0f opens/s  p50 %7.2f ms  p99 %7.2f ms  (max %.2f ms; the connection alone: p50 %.2f ms, p99 %.2f ms)\n' pgconnect "${f[5]}" \
		"$(awk -v u="${f[7]}" 'BEGIN { print u / 1000 }')" "$(awk -v u="${f[9]}" 'BEGIN { print u / 1000 }')" \
		"$(awk -v u="${f[11]}" 'BEGIN { print u / 1000 }')" "$(awk -v u="${f[13]}" 'BEGIN { print u / 1000 }')" \
		"$(awk -v u="${f[15]}" 'BEGIN { print u / 1000 }')" >&2
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
	# A request answered other than 2xx, or cut off, may have been stored
	# all the same (the sender would send it again: a duplicate).
	slack=$((CONNS * T_ROUNDS[$name] + T_NON2XX[$name] + T_ERR[$name]))
	if [ "$acc" -eq "$((T_OK[$name] - T_DUP[$name]))" ] && [ "$delta" -ge "$acc" ] &&
		[ "$delta" -le $((acc + slack)) ]; then
		verdict=OK
	else
		verdict=MISMATCH
	fi
	CHECKS+=("$what: rows +$delta, 2xx ${T_OK[$name]} (accepted $acc, duplicate ${T_DUP[$name]}), other ${T_NON2XX[$name]}, socket errors ${T_ERR[$name]}; +$((delta - acc)) rows for requests in flight when wrk stopped or not answered 2xx (at most $slack): $verdict")
	say "  check: ${CHECKS[-1]}"
}

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

# faster A B: whichever of two contenders had the higher median (A when B
# was not measured).
faster() {
	if [ -n "${RATES[$2]:-}" ] && ge "$(med "$2")" "$(med "$1")"; then echo "$2"; else echo "$1"; fi
}

# measure ROUNDS NAME...: a 1 s warm-up each, then ROUNDS rounds taking
# turns; then the rows check of every NAME with a database. PER_ROUND, if
# set, is run after each round.
PER_ROUND=
measure() {
	local rounds=$1 n r
	local -A start=()
	shift
	for n in "$@"; do wrk_run - "$n" unique 1; done
	sleep 0.5
	for n in "$@"; do
		[ -n "${S_DB[$n]}" ] || continue
		tally_reset "$n"
		start[$n]=$(rows "$n")
	done
	for r in $(seq "$rounds"); do
		say " round $r"
		for n in "$@"; do wrk_run "$n" "$n" unique "$SECS"; done
		[ -z "$PER_ROUND" ] || $PER_ROUND
	done
	for n in "$@"; do
		[ -z "${S_DB[$n]}" ] || rows_check "$n" "${S_WHAT[$n]}" "${start[$n]}"
	done
	return 0
}

# phase P KIND LABEL ROUNDS: every contender behind one kind of server,
# named P_hb (hookbox), P_hbs (its static build), P_pg (hookbox on
# PostgreSQL, behind lighttpd), P_ceil, P_store, and P_php under FastCGI;
# under CGI the static builds of the ceiling and the store limit too
# (P_ceils, P_stores), as a CGI program's start is most of its cost.
# Leaves PHASE_HWM*: the hookbox FastCGI processes' VmHWM.
phase() {
	local p=$1 kind=$2 label=$3 rounds=$4 n
	local -a N=()
	if [ -z "${S_PID[${p}_hb]:-}" ]; then
		srv_start "${p}_hb" "$kind" hookbox "$BIN" "$label: hookbox" ||
			die "$label did not start"
	fi
	N+=("${p}_hb")
	if [ "$HAVE_HB_STATIC" = 1 ]; then
		srv_start "${p}_hbs" "$kind" hookbox "$STATIC_BIN" "$label: hookbox, static build" ||
			die "$label did not start"
		N+=("${p}_hbs")
	fi
	if [ "$HAVE_PG" = 1 ] && [ "${kind#lighttpd-}" != "$kind" ]; then
		srv_start "${p}_pg" "$kind" hookbox-pg "$BIN" "$label: hookbox on PostgreSQL" &&
			N+=("${p}_pg") || die "$label (hookbox on PostgreSQL) did not start"
	fi
	case $kind in
	*-cgi)
		srv_start "${p}_ceil" "$kind" ceiling "$BUILD/ceiling_cgi" "$label: ceiling" &&
			N+=("${p}_ceil") || die "$label (ceiling) did not start"
		if [ "$HAVE_STATIC" = 1 ]; then
			srv_start "${p}_ceils" "$kind" ceiling "$BUILD/ceiling_cgi_static" "$label: ceiling, static" &&
				N+=("${p}_ceils") || die "$label (ceiling) did not start"
		fi
		srv_start "${p}_store" "$kind" store "$BUILD/store_cgi" "$label: store limit" &&
			N+=("${p}_store") || die "$label (store limit) did not start"
		if [ "$HAVE_STATIC_STORE" = 1 ]; then
			srv_start "${p}_stores" "$kind" store "$BUILD/store_cgi_static" "$label: store limit, static" &&
				N+=("${p}_stores") || die "$label (store limit) did not start"
		fi
		;;
	*)
		srv_start "${p}_ceil" "$kind" ceiling "$BUILD/ceiling_fcgi" "$label: ceiling" &&
			N+=("${p}_ceil") || die "$label (ceiling) did not start"
		srv_start "${p}_store" "$kind" store "$BUILD/store_fcgi" "$label: store limit" &&
			N+=("${p}_store") || die "$label (store limit) did not start"
		srv_start "${p}_php" "$kind" php - "$label: PHP receiver" &&
			N+=("${p}_php") || die "$label (PHP) did not start"
		;;
	esac
	measure "$rounds" "${N[@]}"
	PHASE_HWM='' PHASE_HWM_S=''
	if [ "$kind" != "${kind%-cgi}-cgi" ]; then
		hwm_of "${p}_hb"
		PHASE_HWM=$HWM PHASE_HWM_LIST=$HWM_LIST PHASE_HWM_SPLIT=$HWM_SPLIT
		if [ "$HAVE_HB_STATIC" = 1 ]; then
			hwm_of "${p}_hbs"
			PHASE_HWM_S=$HWM PHASE_HWM_LIST_S=$HWM_LIST PHASE_HWM_SPLIT_S=$HWM_SPLIT
		fi
		hwm_of "${p}_ceil"
		PHASE_HWM_CEIL=$HWM
	fi
	for n in "${N[@]}"; do
		# lighttpd's hookbox server stays for the storm and the hooks.
		[ "$n" = lf_hb ] || srv_stop "$n"
	done
}

# ---- 1. lighttpd FastCGI ----

if want fcgi || want dup || want hooks; then
	srv_start lf_hb lighttpd-fastcgi hookbox "$BIN" "lighttpd FastCGI: hookbox" ||
		die "lighttpd-fastcgi did not start"
fi
if want fcgi; then
	say "== lighttpd mod_fastcgi (max-procs $LIGHTTPD_PROCS): hookbox (dynamic, static$ON_PG) | ceiling | store limit | PHP receiver | store loop"
	PER_ROUND=storeloop_run phase lf lighttpd-fastcgi "lighttpd FastCGI" "$FCGI_ROUNDS"
	LF_HWM=$PHASE_HWM LF_HWM_LIST=$PHASE_HWM_LIST LF_HWM_SPLIT=$PHASE_HWM_SPLIT
	LF_HWM_S=$PHASE_HWM_S LF_HWM_LIST_S=${PHASE_HWM_LIST_S:-} LF_HWM_SPLIT_S=${PHASE_HWM_SPLIT_S:-}
	LF_HWM_CEIL=$PHASE_HWM_CEIL
fi

# ---- 2. Apache mod_fcgid ----

if want apache-fcgid; then
	say "== Apache mod_fcgid (install.sh's .htaccess, FcgidMaxProcessesPerClass $FCGID_LIMIT): hookbox (dynamic, static) | ceiling | store limit | PHP receiver"
	phase af apache-fcgid "Apache mod_fcgid" "$ROUNDS"
	AF_HWM=$PHASE_HWM AF_HWM_LIST=$PHASE_HWM_LIST AF_HWM_SPLIT=$PHASE_HWM_SPLIT
	AF_HWM_S=$PHASE_HWM_S AF_HWM_LIST_S=${PHASE_HWM_LIST_S:-} AF_HWM_SPLIT_S=${PHASE_HWM_SPLIT_S:-}
fi

# ---- 3. lighttpd CGI ----

if want cgi; then
	if [ "$HAVE_PG" = 1 ]; then
		say "== lighttpd mod_cgi: hookbox | ceiling | store limit (each dynamic and static) | hookbox on PostgreSQL | connect loop"
		PER_ROUND=pgconnect_run phase lc lighttpd-cgi "lighttpd CGI" "$ROUNDS"
	else
		say "== lighttpd mod_cgi: hookbox | ceiling | store limit (each dynamic and static)"
		phase lc lighttpd-cgi "lighttpd CGI" "$ROUNDS"
	fi
fi

# pg_cgi_line: what a CGI request's connection to PostgreSQL costs, from
# the CGI phase: hookbox on PostgreSQL against the same binary on SQLite,
# the connect loop's median latencies (unloaded), and the difference in
# the machine's CPU time per request under the load (the new server
# process's first statements, the insert's included, are in it).
PG_CGI_LINE=
if want cgi && [ "$HAVE_PG" = 1 ]; then
	# shellcheck disable=SC2086
	PG_CGI_LINE=$(awk -v x="$(med lc_pg)" -v y="$(med lc_hb)" -v o="$(median ${P50S[pgconnect]:-})" \
		-v c="$(median ${P50S[pgconn]:-})" \
		-v cp="$(median ${BUSYS[lc_pg]:-})" -v cs="$(median ${BUSYS[lc_hb]:-})" 'BEGIN {
		printf "CGI on PostgreSQL: %.0f req/s vs %.0f on SQLite (%.2f; lighttpd mod_cgi, cgi-bin/hookbox.fcgi both): each request connects (~%.1f ms to open the store as hookbox does, of which %.1f ms the connection alone, unloaded; under the load %+.1f ms of the machine'"'"'s CPU per request, %.1f vs %.1f ms)",
			x, y, (y > 0 ? x / y : 0), o / 1000, c / 1000, (cp - cs) / 1000, cp / 1000, cs / 1000 }')
	say "  $PG_CGI_LINE"
fi

# ---- 4. Apache CGI ----

if want apache-cgi; then
	say "== Apache mod_cgi (install.sh's .htaccess): hookbox | ceiling | store limit (each dynamic and static)"
	phase ac apache-cgi "Apache CGI" "$ROUNDS"
fi

# ---- 3. duplicate storm ----

if want dup; then
	say "== duplicate storm vs unique orders (hookbox FastCGI)"
	dupbody=$(sed "s/@ID@/$PREFIX-dup/" "$TEMPLATE")
	first=$(curl -s --noproxy '*' --max-time 30 -H 'Content-Type: application/json' \
		--data-binary "$dupbody" "${S_URL[lf_hb]}")
	say "  the order, once: $first"
	db=${S_DB[lf_hb]}
	# snapshot: rows, then the database's and the WAL's size and mtime.
	snapshot() { printf '%s %s %s' "$(rows lf_hb)" "$(stat -c '%s@%y' "$db")" "$(stat -c '%s@%y' "$db-wal" 2>/dev/null)"; }
	tally_reset lf_hb
	before=$(rows lf_hb)
	STORM_WRITES=0 STORM_LINES=()
	for r in $(seq "$ROUNDS"); do
		say " round $r"
		wrk_run unique lf_hb unique "$SECS"
		sleep 0.5
		s0=$(snapshot)
		wrk_run dup lf_hb dup "$SECS"
		sleep 0.2
		s1=$(snapshot)
		if [ "$s0" != "$s1" ]; then
			STORM_WRITES=$((STORM_WRITES + 1))
			STORM_LINES+=("round $r: before [$s0] after [$s1]")
		fi
	done
	rows_check lf_hb "FastCGI hookbox, unique + duplicate storm" "$before"
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
	srv_start hooks lighttpd-fastcgi hookbox "$BIN" "FastCGI hookbox with a hook" /bin/true || die "lighttpd-fastcgi did not start"
	wrk_run - hooks unique 1
	sleep 0.5
	tally_reset hooks
	tally_reset lf_hb
	before_h=$(rows hooks)
	before_n=$(rows lf_hb)
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
		wrk_run nohook lf_hb unique "$SECS"
		runners_signal CONT
	done
	rows_check hooks "FastCGI hookbox with a hook" "$before_h"
	rows_check lf_hb "FastCGI hookbox without a hook" "$before_n"

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
	srv_start pace lighttpd-fastcgi hookbox "$BIN" "FastCGI hookbox with a hook, paced" /bin/true || die "lighttpd-fastcgi did not start"
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
srv_stop lf_hb

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
	[ -z "$PG_CGI_LINE" ] || echo "$PG_CGI_LINE"
	want fcgi && echo "lighttpd FastCGI VmHWM:$LF_HWM_LIST KiB (the largest now: $LF_HWM_SPLIT); static:${LF_HWM_LIST_S:-} KiB"
	want apache-fcgid && echo "Apache mod_fcgid VmHWM:$AF_HWM_LIST KiB (the largest now: $AF_HWM_SPLIT); static:${AF_HWM_LIST_S:-} KiB"
	for c in "${CHECKS[@]}"; do echo "check: $c"; done
	for c in "${LOGNOTES[@]}"; do echo "log: $c"; done
	echo "bench: BENCH_ONLY=$ONLY, $((SECONDS - T0)) s; RESULTS.md not written"
	exit 0
fi

# ---- 8. size ----

SIZE=$(stat -c %s "$BIN")
tmpx=$(mktemp)
strip -o "$tmpx" "$BIN" && STRIPPED=$(stat -c %s "$tmpx") || STRIPPED=0
rm -f "$tmpx"

# ---- the table ----

yn() { if ge "$1" "$2"; then echo yes; else echo "**no**"; fi; }
le_yn() { if ge "$2" "$1"; then echo yes; else echo "**no**"; fi; }
row() { printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$@"; }
rate_of() { printf '%.0f' "$(med "$1")"; }
r() { ratio "$(med "$1")" "$(med "$2")"; }
# crow LABEL NAME RATIO [TARGET MET]: a contender's row.
crow() { row "$1" "$(rate_of "$2")" "$(ms "${P50S[$2]}")" "$(ms "${P99S[$2]}")" "$3" "${4:-}" "${5:-}"; }
# cpu P NAME...: whole-machine CPU time per request of each, "a / b / c µs".
# shellcheck disable=SC2086
cpu() { local n out=; for n; do out+="${out:+ / }$(median ${BUSYS[$n]:-})"; done; echo "$out µs"; }
build_of() { case $1 in *s) echo "make static" ;; *) echo "cgi-bin/hookbox.fcgi (dynamic)" ;; esac; }

# hookbox's two builds in a phase, each against BASE (ceiling or limit).
hb_rows() {
	local p=$1 base=$2 what=$3
	crow "… hookbox, cgi-bin/hookbox.fcgi (dynamic)" "${p}_hb" "$(r "${p}_hb" "$base") of $what"
	[ "$HAVE_HB_STATIC" = 1 ] &&
		crow "… hookbox, make static" "${p}_hbs" "$(r "${p}_hbs" "$base") of $what"
	return 0
}

# pg_rows P CEIL: hookbox on PostgreSQL in phase P, against the same
# binary on SQLite and the ceiling.
pg_rows() {
	local p=$1 ceil=$2
	[ -n "${RATES[${p}_pg]:-}" ] || return 0
	crow "… hookbox on PostgreSQL, cgi-bin/hookbox.fcgi (dynamic), \"database\" a postgresql:// URI (local socket)" "${p}_pg" "$(r "${p}_pg" "${p}_hb") of hookbox on SQLite (dynamic); $(r "${p}_pg" "$ceil") of ceiling" "(information)"
	row "… CPU time of the whole machine per request (PostgreSQL's processes included): hookbox on SQLite / on PostgreSQL, both dynamic" "" "" "" "$(cpu "${p}_hb" "${p}_pg")" "(information)" ""
}

table() {
	local hb ceil store php
	row contender events/s p50 p99 ratio target met?
	row --- ---: ---: ---: ---: --- ---

	# lighttpd FastCGI: hookbox against the ceiling.
	hb=$(faster lf_hb lf_hbs) R_LF=$(r "$hb" lf_ceil)
	crow "**lighttpd FastCGI** (max-procs $LIGHTTPD_PROCS): hookbox, faster build ($(build_of "$hb")), durable" "$hb" "$R_LF of ceiling" "≥ 0.65 of ceiling" "$(yn "$R_LF" 0.65)"
	hb_rows lf lf_ceil ceiling
	pg_rows lf lf_ceil
	crow "… ceiling (ceiling_fcgi.c: no work)" lf_ceil 1.00
	crow "… store limit (store_fcgi.c: one durable INSERT per request, nothing else)" lf_store "$(r lf_store lf_ceil) of ceiling; hookbox / limit: $(r "$hb" lf_store)" "(information)"
	crow "… PHP receiver (receiver.php, php-cgi with $PHP_PROCS children)" lf_php "$(r lf_php lf_ceil) of ceiling; hookbox / PHP: $(r "$hb" lf_php)×" "(information)"
	row "… CPU time of the whole machine per request (every process and the kernel, from /proc/stat, without idle or steal; median of the rounds): ceiling / store limit / PHP / hookbox" "" "" "" "$(cpu lf_ceil lf_store lf_php "$hb")" "(information)" ""
	crow "store loop, 1 INSERT per durable commit, no HTTP (commits/s; latency of one commit)" storeloop "hookbox / loop: $(r "$hb" storeloop)" "(information)"

	# Apache mod_fcgid: hookbox against the store limit and PHP.
	hb=$(faster af_hb af_hbs) R_AF=$(r "$hb" af_store) R_AFP=$(r "$hb" af_php)
	crow "**Apache mod_fcgid** (install.sh's .htaccess, FcgidMaxProcessesPerClass $FCGID_LIMIT): hookbox, faster build ($(build_of "$hb"))" "$hb" "$R_AF of store limit" "≥ 0.90 of store limit" "$(yn "$R_AF" 0.9)"
	row "… the same hookbox against the PHP receiver" "" "" "" "$R_AFP×" "≥ 2× PHP" "$(yn "$R_AFP" 2)"
	hb_rows af af_store "store limit"
	crow "… ceiling" af_ceil "$(r af_ceil af_store) of store limit" "(information)"
	crow "… store limit (store_fcgi.c)" af_store 1.00
	crow "… PHP receiver (FcgidWrapper php-cgi in .htaccess)" af_php "$(r af_php af_store) of store limit" "(information)"
	row "… CPU time of the whole machine per request: ceiling / store limit / PHP / hookbox" "" "" "" "$(cpu af_ceil af_store af_php "$hb")" "(information)" ""

	# CGI: hookbox against the CGI store limit, each in its faster build.
	for p in lc ac; do
		hb=$(faster "${p}_hb" "${p}_hbs") ceil=$(faster "${p}_ceil" "${p}_ceils") store=$(faster "${p}_store" "${p}_stores")
		R_CGI[$p]=$(r "$hb" "$store")
		[ $p = lc ] && what="**lighttpd mod_cgi**" || what="**Apache mod_cgi** (install.sh's .htaccess)"
		crow "$what: hookbox, faster build ($(build_of "$hb"))" "$hb" "${R_CGI[$p]} of store limit ($store); $(r "$hb" "$ceil") of ceiling" "≥ 0.90 of store limit" "$(yn "${R_CGI[$p]}" 0.9)"
		hb_rows "$p" "$store" "store limit"
		pg_rows "$p" "$ceil"
		crow "… ceiling, dynamic" "${p}_ceil" "$(r "${p}_ceil" "$store") of store limit" "(information)"
		[ "$HAVE_STATIC" = 1 ] && crow "… ceiling, static" "${p}_ceils" "$(r "${p}_ceils" "$store") of store limit" "(information)"
		crow "… store limit, dynamic (store_cgi.c: open hookbox's database, one durable INSERT, close)" "${p}_store" "$(r "${p}_store" "$store")"
		[ "$HAVE_STATIC_STORE" = 1 ] && crow "… store limit, static" "${p}_stores" "$(r "${p}_stores" "$store")"
		row "… CPU time of the whole machine per request, faster builds: ceiling / store limit / hookbox" "" "" "" "$(cpu "$ceil" "$store" "$hb")" "(information)" ""
		[ -n "${RATES[pgconnect]:-}" ] && [ "$p" = lc ] &&
			crow "… hookbox's store on PostgreSQL opened and closed, one after another, no load, between the rounds (pgconnect.c: connection, settings, schema version; opens/s, latency of one): what hookbox on PostgreSQL pays on each CGI request" pgconnect "the connection alone: p50 $(ms "${P50S[pgconn]:-}"), p99 $(ms "${P99S[pgconn]:-}")" "(information)"
	done

	r_dup=$(r dup unique) r_hook=$(r hook nohook) r_runs=$(ratio "$HOOK_DRAIN_RATE" "$HOOK_RATE")
	crow "lighttpd FastCGI duplicate storm" dup "$r_dup" "≥ 1.00 of unique" "$(yn "$r_dup" 1)"
	crow "… unique orders (alternating with the storm)" unique 1.00
	crow "lighttpd FastCGI, hook /bin/true on every order" hook "$r_hook" "≥ 0.70 of no hook" "$(yn "$r_hook" 0.7)"
	crow "… no hook (alternating with the above)" nohook 1.00
	row "hook runs/s while draining (backlog $HOOK_BACKLOG → $HOOK_DRAIN_LEFT in $HOOK_DRAIN_SECS s)" "$HOOK_DRAIN_RATE" "" "" "$r_runs of $HOOK_RATE/s" "≥ 1.00" "$(yn "$r_runs" 1)"
	row "hook runs/s over the hook rounds + drain" "$HOOK_RUNS_RATE" "" "" "" "(information)" ""
	row "$HOOK_RATE/s offered for $PACE_SECS s with a hook on each (events/s accepted); backlog each second ${PACE_SAMPLES// / → }, drained $PACE_DRAIN_SECS s after" "$(printf '%.0f' "$PACE_RATE")" "$(ms "${P50S[pace]:-0}")" "$(ms "${P99S[pace]:-0}")" "hook runs $PACE_RUNS_RATE/s" "$HOOK_RATE/s accepted, backlog ≤ 1 s of arrivals" "$PACE_MET"
	row "instructions per request under FastCGI (callgrind, user space only), hookbox / 1-thread ceiling" "" "" "" "${INSTR[hookbox]:-?} / ${INSTR[ceiling]:-?} = $(ratio "${INSTR[hookbox]:-0}" "${INSTR[ceiling]:-0}")×" "(information)" ""
	HWM_MAX=$LF_HWM; [ "$AF_HWM" -gt "$HWM_MAX" ] && HWM_MAX=$AF_HWM
	row "peak RSS of a hookbox FastCGI process under load (VmHWM), cgi-bin/hookbox.fcgi (dynamic), the larger of lighttpd's and Apache's" "" "" "" "$HWM_MAX KiB (lighttpd $LF_HWM, Apache $AF_HWM; ceiling: $LF_HWM_CEIL KiB)" "≤ 4608 KiB" "$(le_yn "$HWM_MAX" 4608)"
	if [ "$HAVE_HB_STATIC" = 1 ]; then
		HWM_MAX_S=$LF_HWM_S; [ "$AF_HWM_S" -gt "$HWM_MAX_S" ] && HWM_MAX_S=$AF_HWM_S
		row "… make static" "" "" "" "$HWM_MAX_S KiB (lighttpd $LF_HWM_S, Apache $AF_HWM_S)" "≤ 4608 KiB" "$(le_yn "$HWM_MAX_S" 4608)"
	fi
	row "binary size, cgi-bin/hookbox.fcgi" "" "" "" "$((SIZE / 1024)) KiB (stripped $((STRIPPED / 1024)) KiB)" "< 300 KiB" "$( [ "$SIZE" -lt $((300 * 1024)) ] && echo yes || echo '**no**')"
}
declare -A R_CGI

# steal P: the median (highest) steal of the hookbox rounds of a phase.
# shellcheck disable=SC2086
steal() { local hb; hb=$(faster "$1_hb" "$1_hbs"); echo "$(median ${STEALS[$hb]:-})% ($(highest ${STEALS[$hb]:-})%)"; }

machine() {
	echo "- machine: $(uname -srm); $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); $(nproc) CPUs"
	echo "- file system of the data directory: $(df -T "$RUN" | awk 'NR == 2 { print $2 }') (BENCH_TMPDIR, default /var/tmp)"
	echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); lighttpd $("$LIGHTTPD_BIN" -v 2>/dev/null | sed -n 's/^lighttpd\/\([^ ]*\).*/\1/p'), Apache $("$APACHE_BIN" -v 2>/dev/null | sed -n 's/^Server version: Apache\/\([^ ]*\).*/\1/p') (prefork, as tests/lib/servers.sh runs a shared host's), PHP $("$PHP_CGI" -v 2>/dev/null | sed -n '1s/^PHP \([^ ]*\).*/\1/p'), SQLite $(sqlite3 --version | cut -d' ' -f1), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
	echo "- load: wrk -t$WRK_THREADS -c$CONNS, $ROUNDS rounds of $SECS s per contender ($FCGI_ROUNDS behind lighttpd FastCGI), alternating; medians"
	echo "- lighttpd FastCGI: conf/lighttpd-fastcgi.conf with max-procs $LIGHTTPD_PROCS (it ships $SHIPPED_PROCS) for hookbox, the ceiling and the store limit; PHP: one php-cgi with PHP_FCGI_CHILDREN=$PHP_PROCS"
	echo "- Apache: the site's cgi-bin with the .htaccess install.sh writes, and FcgidMaxProcessesPerClass $FCGID_LIMIT as conf/apache-fcgid.conf ships; PHP with FcgidWrapper in .htaccess under the same limit, and FcgidMaxRequestsPerProcess 500 (php-cgi's own limit)"
	echo "- hookbox FastCGI processes' VmHWM at the end of their rounds: lighttpd$LF_HWM_LIST KiB (the largest: $LF_HWM_SPLIT), Apache$AF_HWM_LIST KiB (the largest: $AF_HWM_SPLIT); with the hook: $HOOKS_HWM KiB"
	[ "$HAVE_HB_STATIC" = 1 ] && echo "- the same for make static: lighttpd$LF_HWM_LIST_S KiB (the largest: $LF_HWM_SPLIT_S), Apache$AF_HWM_LIST_S KiB (the largest: $AF_HWM_SPLIT_S)"
	echo "- host steal time (the hypervisor giving our CPUs to other guests), median (highest) of hookbox's rounds: lighttpd FastCGI $(steal lf), Apache mod_fcgid $(steal af), lighttpd CGI $(steal lc), Apache CGI $(steal ac)"
	[ "$HAVE_PG" = 1 ] && echo "- PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }') (tests/lib/postgres.sh: one server for the run, its data in BENCH_TMPDIR, as $(ps -o user= -p "$PG_PID" 2>/dev/null | tr -d ' '); fsync, synchronous_commit and full_page_writes on, otherwise its defaults; over its Unix socket, trust authentication; a database for each contender)"
	echo "- RssFile is mostly shared libraries' code, shared with every process on the host that uses them; a static build maps only what it links"
}

TABLE=$(table)
# The hand-written last section, from its heading to the end of the file.
KEPT=$(sed -n "/^## $KEEP_TITLE\$/,\$p" "$OUT" 2>/dev/null)
{
	echo "# make bench: latest results"
	echo
	echo "Written by tests/bench/bench.sh. Each ratio compares contenders measured"
	echo "side by side in this one run (alternating rounds, medians). The last"
	echo "section, \"$KEEP_TITLE\", is written by hand and kept from run to run."
	echo
	machine
	echo
	echo "$TABLE"
	echo
	if [ -n "$PG_CGI_LINE" ]; then
		echo "$PG_CGI_LINE."
		echo
	fi
	echo "Checks:"
	echo
	for c in "${CHECKS[@]}"; do echo "- $c"; done
	echo
	if [ ${#LOGNOTES[@]} -gt 0 ]; then
		echo "Warm-up failures and the programs' and modules' messages in the servers' error logs:"
		echo
		for c in "${LOGNOTES[@]}"; do echo "- $c"; done
		echo
	fi
	echo "Bench time: $((SECONDS - T0)) s."
	if [ -n "$KEPT" ]; then
		echo
		echo "$KEPT"
	fi
} >"$OUT"
echo
machine
echo
echo "$TABLE"
echo
[ -z "$PG_CGI_LINE" ] || { echo "$PG_CGI_LINE"; echo; }
for c in "${CHECKS[@]}"; do echo "check: $c"; done
for c in "${LOGNOTES[@]}"; do echo "log: $c"; done
echo
echo "bench: $((SECONDS - T0)) s; written to ${OUT#"$TOP"/}"
