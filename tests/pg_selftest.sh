#!/bin/bash
# Self-test of the test harness tests/lib/postgres.sh: start a throwaway
# PostgreSQL and check that clients reach it over its Unix socket as the
# harness says (PGHOST..., HB_PG_URI), that it runs as an unprivileged user,
# listens on no TCP port, has fsync and synchronous_commit on, keeps its data
# across pg_restart, and that pg_stop (or the suite just exiting, or being
# killed) leaves no process and no directory behind.
#
# Needs: postgresql (pg_require installs it when run as root).
# shellcheck source-path=SCRIPTDIR
set -u

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/postgres.sh
. "$TOP/tests/lib/postgres.sh"

if ! pg_require; then
	fail pg/require "postgresql missing"
	exit 1
fi
pass pg/require

PSQL=$PG_BIN/psql
q() { "$PSQL" -X -Atqc "$1" 2>&1; }

WORK=$(mktemp -d) || exit 1
# mktemp -d makes a 0700 directory; the server's user (nobody when root)
# must pass through it to reach its own directory.
chmod 711 "$WORK"
trap 'pg_stop; rm -rf "$WORK"' EXIT
DIR=$WORK/pg

if ! pg_start "$DIR" 2>"$WORK/start.err"; then
	fail pg/start "$(tr '\n' ' ' <"$WORK/start.err" | head -c 600)"
	exit 1
fi
pass pg/start
echo "# postgres answered after ${PG_START_SECONDS}s" >&2
pid=$PG_PID

# Debian's binaries, not the PATH's.
check_match pg/debian-binaries '^/usr/lib/postgresql/[0-9]+/bin$' "$PG_BIN"
check_match pg/postmaster-binary "^$PG_BIN/postgres " "$(ps -o args= -p "$pid")"

check pg/select-1 1 "$(q 'SELECT 1')"
check pg/env "$DIR $PG_PORT hookbox hookbox" "${PGHOST:-} ${PGPORT:-} ${PGUSER:-} ${PGDATABASE:-}"
check pg/socket-in-dir yes "$([ -S "$DIR/.s.PGSQL.$PGPORT" ] && echo yes)"
check pg/who "hookbox|hookbox" "$(q 'SELECT current_user, current_database()')"
check pg/uri "hookbox|$DIR" "$("$PSQL" -X -Atqc 'SELECT current_database(), current_setting($$unix_socket_directories$$)' "$HB_PG_URI" 2>&1)"
check pg/conninfo hookbox "$("$PSQL" -X -Atqc 'SELECT current_database()' "$HB_PG_CONNINFO" 2>&1)"

# Runs unprivileged: as nobody when we are root, as us otherwise.
if [ "$(id -u)" -eq 0 ]; then want_user=$PG_RUN_USER; else want_user=$(id -un); fi
check pg/server-user "$want_user" "$(ps -o user= -p "$pid" | tr -d ' ')"
check pg/data-owner "$want_user" "$(stat -c %U "$DIR/data")"
check pg/dir-mode 700 "$(stat -c %a "$DIR")"

# No TCP: nothing configured, nothing listening, nothing answering.
check pg/listen_addresses "" "$(q 'SHOW listen_addresses')"
if command -v ss >/dev/null 2>&1; then
	pids=" $pid $(pgrep -P "$pid" | tr '\n' ' ')"
	tcp=$(ss -ltnpH 2>/dev/null | while read -r line; do
		for p in $pids; do [[ $line == *"pid=$p,"* ]] && echo "$line"; done
	done)
	check pg/no-tcp-listener "" "$tcp"
fi
if "$PSQL" -X -Atqc 'SELECT 1' -h 127.0.0.1 -p "$PGPORT" >/dev/null 2>&1; then
	fail pg/no-tcp-connect "127.0.0.1:$PGPORT answers"
else
	pass pg/no-tcp-connect
fi

# Durability: a 2xx only after a commit that is on disk.
check pg/fsync on "$(q 'SHOW fsync')"
check pg/synchronous_commit on "$(q 'SHOW synchronous_commit')"
check pg/full_page_writes on "$(q 'SHOW full_page_writes')"

# Data survives pg_restart; the server is a new one.
check pg/create "" "$(q 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000) g')"
if pg_restart 0 2>"$WORK/restart.err"; then
	pass pg/restart
else
	fail pg/restart "$(tr '\n' ' ' <"$WORK/restart.err" | head -c 600)"
fi
check pg/restart-new-pid yes "$([ -n "$PG_PID" ] && [ "$PG_PID" != "$pid" ] && echo yes)"
check pg/restart-old-gone yes "$(_pg_gone "$pid" && echo yes)"
check pg/restart-keeps-data "1000|$(q "SELECT md5('1000')")" "$(q 'SELECT count(*), max(v) FILTER (WHERE id = 1000) FROM t')"

# pg_down: clients are refused while it is down; pg_up brings it back.
pg_down
if q 'SELECT 1' | grep -qx 1; then fail pg/down-refuses "answered while down"; else pass pg/down-refuses; fi
pg_up 2>/dev/null
check pg/up-again 1000 "$(q 'SELECT count(*) FROM t')"

# pg_stop: no process, no directory, nothing exported.
pid=$PG_PID
pg_stop
check pg/stop-no-process yes "$(_pg_gone "$pid" && ! pgrep -f "$DIR" >/dev/null && echo yes)"
check pg/stop-no-dir yes "$([ ! -e "$DIR" ] && echo yes)"
check pg/stop-unset "" "${PGHOST:-}${HB_PG_URI:-}"
check pg/stop-twice 0 "$(pg_stop; echo $?)"

# A suite that exits without pg_stop, and one that is killed (no trap runs):
# neither leaves a server or its directory.
for how in exit kill; do
	d=$WORK/child-$how
	# (in a subshell whose stderr hides the shell's "Killed" notice)
	(bash -c '
		. "$TOP/tests/lib/common.sh"; . "$TOP/tests/lib/postgres.sh"
		trap "echo own-trap-ran >\"$2.trap\"" EXIT
		pg_start "$2" 2>/dev/null || exit 1
		echo "$PG_PID" >"$2.pid"
		[ "$1" = kill ] && kill -9 $$
		exit 0
	' child "$how" "$d") 2>/dev/null
	cpid=$(cat "$d.pid" 2>/dev/null)
	if [ -z "$cpid" ]; then
		fail "pg/cleanup-on-$how" "child did not start a server"
		continue
	fi
	# exit: at once (the EXIT trap); kill: within the watchdog's second.
	wait_for _pg_gone "$cpid"
	wait_for test ! -e "$d"
	check "pg/cleanup-on-$how" "gone" "$(_pg_gone "$cpid" && [ ! -e "$d" ] && echo gone)"
	if [ "$how" = exit ]; then
		check pg/cleanup-keeps-own-trap own-trap-ran "$(cat "$d.trap" 2>/dev/null)"
	fi
done
