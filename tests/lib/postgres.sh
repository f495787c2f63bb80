# shellcheck shell=bash
# Start and stop a throwaway PostgreSQL server for the tests: a fresh cluster
# made with initdb in a directory of the test's own, listening only on a Unix
# socket in that directory, never on TCP.
#
#   . tests/lib/common.sh
#   . tests/lib/postgres.sh
#   pg_require || exit 1
#   pg_start "$(mktemp -d)" || exit 1     # DIR: new or empty
#   psql -Atc 'SELECT 1'                  # PGHOST/PGPORT/PGUSER/PGDATABASE set
#   hookbox ... "$HB_PG_URI"
#   pg_restart 2                          # down for 2 s, then up again
#   pg_stop                               # stops it and removes DIR
#
# pg_require   install postgresql (as root) or say it is missing.
# pg_start DIR
#     initdb into DIR/data with Debian's own binaries (the newest
#     /usr/lib/postgresql/*/bin, or $PG_BIN), never the ones in PATH. Settings:
#     listen_addresses='' (no TCP at all), unix_socket_directories=DIR,
#     port $PG_PORT (default 55432: only names the socket, DIR/.s.PGSQL.55432;
#     not 5432, so a client that lost PGHOST fails instead of reaching a
#     system cluster), fsync, synchronous_commit and full_page_writes on,
#     trust authentication (only whoever can enter DIR can reach the socket).
#     Waits until the server accepts connections, creates the database
#     `hookbox` and exports:
#       PGHOST=DIR PGPORT PGUSER=hookbox (the cluster's superuser)
#       PGDATABASE=hookbox
#       HB_PG_URI       postgresql://hookbox@/hookbox?host=DIR&port=PORT
#                       (DIR percent-encoded)
#       HB_PG_CONNINFO  the same in libpq's key=value form
#       PG_PID          the postmaster's pid;  PG_DIR=DIR;  PG_LOG (its log)
#       PG_START_SECONDS
#     As root, the server runs as $PG_RUN_USER (default nobody; initdb and
#     postgres refuse root) through setpriv, and DIR is chowned to it. DIR is
#     mode 0700 ($PG_DIR_MODE), and its parents must let that user pass
#     (mktemp -d makes 0700: chmod 711 it). Root's clients pass anyway; a later test whose
#     clients run as another user (www-data) sets PG_DIR_MODE=0711. As an
#     ordinary user the server runs as that user.
#     The server is stopped and DIR removed when the shell exits: pg_start
#     adds pg_stop in front of the EXIT trap already set (a trap set after
#     pg_start must call pg_stop itself), and a watchdog stops it (immediate
#     mode) if the shell is killed without running its trap.
# pg_stop      fast shutdown, kill what is left, remove DIR; returns 0.
#              Safe to call twice or without a server.
# pg_down      fast shutdown, keeping DIR (the socket disappears).
# pg_up        start the stopped cluster again; waits until it accepts
#              connections; updates PG_PID.
# pg_restart [SECONDS]   pg_down, sleep SECONDS (default 0), pg_up.
#
# One server at a time: the PG_* globals describe the current one.

# shellcheck disable=SC2034  # the PG_* globals are for the caller
PG_DIR=
PG_PID=
PG_LOG=
PG_START_SECONDS=
PG_PORT=${PG_PORT:-55432}
PG_RUN_USER=${PG_RUN_USER:-nobody}
PG_DIR_MODE=${PG_DIR_MODE:-0700}
_PG_WATCHDOG=

# Debian's binaries of the newest installed major version.
_pg_find_bin() {
	local d best=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
		if [ -z "$best" ] || [ "${d//[!0-9]/}" -gt "${best//[!0-9]/}" ]; then
			best=$d
		fi
	done
	printf '%s' "$best"
}
PG_BIN=${PG_BIN:-$(_pg_find_bin)}

pg_require() {
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/psql" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "postgres.sh: PostgreSQL missing (no /usr/lib/postgresql/*/bin/initdb); run: apt-get install postgresql" >&2
		return 1
	fi
	sh "$TOP/tests/lib/deps.sh" postgresql >&2 || return 1
	PG_BIN=$(_pg_find_bin)
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/psql" ]
}

# _pg_as CMD...: run CMD as the server's owner, from DIR (the caller's
# directory may be closed to that user).
_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$PG_DIR" && setpriv --reuid="$PG_RUN_USER" --regid="$(id -g "$PG_RUN_USER")" \
			--clear-groups env HOME="$PG_DIR" "$@")
	else
		(cd "$PG_DIR" && "$@")
	fi
}

# Percent-encode for a URI query value.
_pg_uri_escape() {
	local s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

_pg_read_pid() {
	PG_PID=
	[ -r "$PG_DIR/data/postmaster.pid" ] && PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	[ -n "$PG_PID" ]
}

pg_up() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || { echo "pg_up: no cluster" >&2; return 1; }
	if ! _pg_as "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DIR/data" -l "$PG_LOG" >>"$PG_DIR/pg_ctl.out" 2>&1; then
		echo "pg_up: pg_ctl start failed:" >&2
		tail -n 20 "$PG_DIR/pg_ctl.out" "$PG_LOG" >&2 2>/dev/null
		return 1
	fi
	# pg_ctl -w waits for the server to accept connections; check it the
	# way the clients will come.
	if ! wait_for "$PG_BIN/pg_isready" -q -h "$PG_DIR" -p "$PG_PORT" -d postgres -U hookbox; then
		echo "pg_up: server does not accept connections:" >&2
		tail -n 20 "$PG_LOG" >&2
		return 1
	fi
	_pg_read_pid
}

pg_down() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 0
	_pg_read_pid || return 0
	# pg_ctl returns once the pid file is gone, which the postmaster
	# removes just before it exits: wait for the process too.
	_pg_as "$PG_BIN/pg_ctl" stop -m fast -w -t 60 -D "$PG_DIR/data" >>"$PG_DIR/pg_ctl.out" 2>&1 &&
		wait_for _pg_gone "$PG_PID" && return 0
	echo "pg_down: pg_ctl stop failed, killing $PG_PID" >&2
	kill -9 "$PG_PID" 2>/dev/null
	wait_for _pg_gone "$PG_PID"
	return 1
}

pg_restart() {
	pg_down || return 1
	sleep "${1:-0}"
	pg_up
}

# _pg_gone PID: no such process (or only a zombie, waiting to be reaped).
_pg_gone() {
	! kill -0 "$1" 2>/dev/null || [[ $(ps -o stat= -p "$1" 2>/dev/null) == Z* ]]
}

pg_start() {
	local dir=$1 t0 user
	if [ -n "$PG_DIR" ]; then
		echo "pg_start: a server is already running in $PG_DIR" >&2
		return 1
	fi
	[ -n "$PG_BIN" ] || { echo "pg_start: PostgreSQL not installed (pg_require)" >&2; return 1; }
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd) || return 1
	if [ -n "$(ls -A "$dir")" ]; then
		echo "pg_start: $dir is not empty" >&2
		return 1
	fi
	t0=$(date +%s%N)
	PG_DIR=$dir
	PG_LOG=$dir/postgres.log
	chmod "$PG_DIR_MODE" "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_RUN_USER:" "$dir" || return 1
		if ! _pg_as test -w "$dir" 2>/dev/null; then
			echo "pg_start: $PG_RUN_USER cannot reach $dir (a parent directory closed to it? chmod 711 it)" >&2
			PG_DIR=
			return 1
		fi
	fi
	_pg_install_cleanup

	if ! _pg_as "$PG_BIN/initdb" -D "$dir/data" -U hookbox --auth=trust -E UTF8 \
		--locale=C.UTF-8 >"$dir/initdb.out" 2>&1; then
		echo "pg_start: initdb failed:" >&2
		tail -n 20 "$dir/initdb.out" >&2
		return 1
	fi
	# Appended to postgresql.conf (the last setting wins), so pg_up after
	# pg_down starts the same server.
	_pg_as sh -c 'cat >>"$1"' sh "$dir/data/postgresql.conf" <<EOF

# tests/lib/postgres.sh
listen_addresses = ''
unix_socket_directories = '$dir'
port = $PG_PORT
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
EOF
	pg_up || return 1

	export PGHOST=$dir PGPORT=$PG_PORT PGUSER=hookbox PGDATABASE=hookbox
	if ! "$PG_BIN/createdb" hookbox 2>>"$dir/pg_ctl.out"; then
		echo "pg_start: createdb hookbox failed:" >&2
		tail -n 5 "$dir/pg_ctl.out" >&2
		return 1
	fi
	HB_PG_URI="postgresql://hookbox@/hookbox?host=$(_pg_uri_escape "$dir")&port=$PG_PORT"
	export HB_PG_URI
	export HB_PG_CONNINFO="host='$dir' port=$PG_PORT user=hookbox dbname=hookbox"
	t0=$((($(date +%s%N) - t0) / 1000000))
	PG_START_SECONDS=$(printf '%d.%03d' $((t0 / 1000)) $((t0 % 1000)))
	user=$(ps -o user= -p "$PG_PID" 2>/dev/null)
	echo "# postgres $PG_PID ($user) on $dir/.s.PGSQL.$PG_PORT" >&2
	return 0
}

pg_stop() {
	local dir=$PG_DIR
	[ -n "$dir" ] || return 0
	pg_down
	# pg_down kills a postmaster that would not stop; make sure.
	if [ -n "$PG_PID" ] && ! _pg_gone "$PG_PID"; then
		kill -9 "$PG_PID" 2>/dev/null
		wait_for _pg_gone "$PG_PID"
	fi
	if [ -n "$_PG_WATCHDOG" ]; then
		kill "$_PG_WATCHDOG" 2>/dev/null
		wait "$_PG_WATCHDOG" 2>/dev/null
		_PG_WATCHDOG=
	fi
	rm -rf "$dir"
	PG_DIR='' PG_PID=''
	unset PGHOST PGPORT PGUSER PGDATABASE HB_PG_URI HB_PG_CONNINFO
	return 0
}

# Stop the server when the shell exits, however it exits.
_pg_install_cleanup() {
	local prev='' cur
	# trap -p prints: trap -- 'COMMAND' EXIT
	eval "cur=($(trap -p EXIT))"
	[ ${#cur[@]} -ge 3 ] && prev=${cur[2]}
	# shellcheck disable=SC2064  # the previous command, expanded now
	case $prev in
	pg_stop*) ;;
	*) trap "pg_stop${prev:+; $prev}" EXIT ;;
	esac
	# The watchdog: outlives a kill -9 of this shell and then stops the
	# cluster, so no server outlives the suite. Own session, stdio closed,
	# so it holds no pipe of the caller open.
	local me=$BASHPID bin=$PG_BIN data=$PG_DIR/data dir=$PG_DIR
	local user=
	[ "$(id -u)" -eq 0 ] && user=$PG_RUN_USER
	setsid bash -c '
		me=$1 bin=$2 data=$3 dir=$4 user=$5
		trap "exit 0" TERM
		while kill -0 "$me" 2>/dev/null; do sleep 1 & wait $!; done
		[ -d "$data" ] || exit 0
		cd "$dir" || exit 0
		if [ -n "$user" ]; then
			setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
				"$bin/pg_ctl" stop -m immediate -w -D "$data"
		else
			"$bin/pg_ctl" stop -m immediate -w -D "$data"
		fi
		pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -9 "$pid"
		cd / && rm -rf "$dir"
	' pg-watchdog "$me" "$bin" "$data" "$dir" "$user" </dev/null >/dev/null 2>&1 &
	_PG_WATCHDOG=$!
}
