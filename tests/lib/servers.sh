# shellcheck shell=bash
# Start and stop real web servers (lighttpd, Apache, nginx) on a free loopback
# port, serving one hookbox binary as FastCGI or as plain CGI.
#
#   . tests/lib/common.sh
#   . tests/lib/servers.sh
#   server_require || exit 1
#   for kind in $(server_kinds); do
#       work=$(mktemp -d)
#       server_start "$kind" "$work" "$HOOKBOX" "$work/hookbox.conf" || continue
#       curl -s "$SERVER_URL/catalog/tok?x=1"
#       server_stop
#   done
#
# server_start KIND WORKDIR BINARY CONF
#     KIND: lighttpd-fastcgi | lighttpd-cgi | apache-fcgid | apache-cgi |
#       nginx-fastcgi | apache-proxy-fcgi. The last two do not start the
#       program themselves: spawn-fcgi starts it first, on WORKDIR/run/
#       hookbox.sock, with HOOKBOX_CONF (and the sanitizer options) as its
#       whole environment, as conf/nginx.conf and conf/apache-proxy-fcgi.conf
#       tell users to.
#     WORKDIR: an empty directory owned by the test. Everything goes there:
#       docroot/  cgi-bin/hookbox.fcgi (a copy of BINARY)  run/ (pid file,
#       sockets, mutexes)  logs/ (error.log, access.log)  tmp/
#       and the server config (lighttpd.conf, apache2.conf or nginx.conf).
#     CONF: absolute path of the hookbox config; the program gets it as
#       HOOKBOX_CONF, plus ASAN_OPTIONS / UBSAN_OPTIONS if they are set here.
#     On success sets SERVER_URL (http://127.0.0.1:PORT/cgi-bin/hookbox.fcgi),
#     SERVER_PID, SERVER_KIND, SERVER_LOG (the error log: the server's, and
#     the program's stderr, e.g. sanitizer reports), SERVER_WORKDIR and
#     SERVER_START_SECONDS.
#     SERVER_NGINX_KEEPALIVE=20s (nginx-fastcgi): connections to hookbox are
#       kept (fastcgi_keep_conn on, an upstream with keepalive) and closed by
#       nginx after that long idle.
#     Returns non-zero, with the end of the logs on stderr, if it did not come
#     up. The server is detached from the caller (own session, not a child of
#     the caller's shell): stop it with server_stop, e.g. from an EXIT trap.
# server_stop      stop it and any hookbox processes left over; returns 0.
# server_kinds     the six kinds (or $SERVER_KINDS, to run fewer).
# server_require   install what is missing (as root) or say what is missing.
# server_start_userdir KIND WORKDIR DOCROOT [USER]
#     Apache as a shared web host runs it, for testing install.sh: see the
#     comment above the function.
#
# The configs are built from the user-facing snippets in $TOP/conf/ (paths
# substituted), with a small server-level header written here. So the tests
# exercise exactly the snippets users install.
#
# As root the servers drop to $SERVER_USER (default www-data) and WORKDIR is
# chowned to it: Apache refuses to run CGI as root, and hookbox must be able
# to create its SQLite DB under WORKDIR. As an ordinary user the servers and
# the programs simply run as that user.
#
# One server at a time: the SERVER_* globals describe the current one.

# shellcheck disable=SC2034  # the SERVER_* globals are for the caller
SERVER_URL=
SERVER_PID=
SERVER_KIND=
SERVER_LOG=
SERVER_WORKDIR=
SERVER_START_SECONDS=
# Empty (SERVER_USER= ) keeps lighttpd as root: `make run` serves from the
# checkout, which the www-data user may not be able to reach.
SERVER_USER=${SERVER_USER-www-data}
APACHE_MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}

# Where the servers live on Debian; the commands are looked up in PATH first.
LIGHTTPD_BIN=${LIGHTTPD_BIN:-$(command -v lighttpd || echo /usr/sbin/lighttpd)}
APACHE_BIN=${APACHE_BIN:-$(command -v apache2 || echo /usr/sbin/apache2)}
NGINX_BIN=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}
SPAWN_FCGI_BIN=${SPAWN_FCGI_BIN:-$(command -v spawn-fcgi || echo /usr/bin/spawn-fcgi)}
# The stock parameters conf/nginx.conf includes, as Debian's nginx ships them.
NGINX_FASTCGI_PARAMS=${NGINX_FASTCGI_PARAMS:-/etc/nginx/fastcgi_params}

# The placeholders used in conf/*.conf.
_SERVER_PH_CGIBIN=/home/shop/public_html/cgi-bin
_SERVER_PH_CONF=/home/shop/hookbox/conf/hookbox.conf
_SERVER_PH_RUN=/run/lighttpd
_SERVER_PH_SOCKDIR=/run/hookbox	# spawn-fcgi's socket (nginx, mod_proxy_fcgi)

# _server_drop: 0 when the server must switch to SERVER_USER.
_server_drop() {
	[ "$(id -u)" -eq 0 ] && [ -n "$SERVER_USER" ]
}

server_kinds() {
	# SERVER_KINDS narrows a run to some of them.
	echo "${SERVER_KINDS:-lighttpd-fastcgi lighttpd-cgi apache-fcgid apache-cgi nginx-fastcgi apache-proxy-fcgi}"
}

server_require() {
	local missing=()
	[ -x "$LIGHTTPD_BIN" ] || missing+=(lighttpd)
	[ -x "$APACHE_BIN" ] || missing+=(apache2)
	[ -f "$APACHE_MODULES/mod_fcgid.so" ] || missing+=(libapache2-mod-fcgid)
	{ [ -x "$NGINX_BIN" ] && [ -r "$NGINX_FASTCGI_PARAMS" ]; } || missing+=(nginx)
	[ -x "$SPAWN_FCGI_BIN" ] || missing+=(spawn-fcgi)
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	[ ${#missing[@]} -eq 0 ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "servers.sh: missing packages: ${missing[*]} (run: apt-get install ${missing[*]})" >&2
		return 1
	fi
	echo "servers.sh: installing ${missing[*]}" >&2
	# A fresh CI image may have no package lists yet; update once if needed.
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update >&2 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
		{ echo "servers.sh: could not install ${missing[*]}" >&2; return 1; }
	# Installing apache2 on Debian enables and starts the system service on
	# port 80; that does not bother us (we use our own config and port).
	LIGHTTPD_BIN=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	APACHE_BIN=$(command -v apache2 || echo /usr/sbin/apache2)
	NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
	SPAWN_FCGI_BIN=$(command -v spawn-fcgi || echo /usr/bin/spawn-fcgi)
}

# _server_render TEMPLATE WORKDIR CONF: print conf/TEMPLATE with the
# placeholders replaced. The line that sets HOOKBOX_CONF is repeated for
# ASAN_OPTIONS and UBSAN_OPTIONS when those are set, so the sanitizer options
# reach the program by the same mechanism as HOOKBOX_CONF.
_server_render() {
	local template=$TOP/conf/$1 work=$2 conf=$3 line code extra var val
	[ -r "$template" ] || { echo "servers.sh: missing $template" >&2; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		# The replacement is quoted so that bash 5.2 does not treat "&" in
		# it as "the matched text".
		# The socket's directory first: "/run/hookbox" would also
		# match inside what the others become.
		line=${line//"$_SERVER_PH_SOCKDIR"/"$work/run"}
		line=${line//"$_SERVER_PH_CGIBIN"/"$work/cgi-bin"}
		line=${line//"$_SERVER_PH_CONF"/"$conf"}
		line=${line//"$_SERVER_PH_RUN"/"$work/run"}
		printf '%s\n' "$line"
		code=${line#"${line%%[![:space:]]*}"}	# without leading blanks
		case $code in
		'#'*) continue ;;
		*HOOKBOX_CONF*"\"$conf\""*) ;;
		*) continue ;;
		esac
		for var in ASAN_OPTIONS UBSAN_OPTIONS; do
			val=${!var-}
			[ -n "$val" ] || continue
			# Both config languages take "..." strings; keep it simple.
			val=${val//\\/\\\\}
			val=${val//\"/\\\"}
			extra=${line//HOOKBOX_CONF/"$var"}
			printf '%s\n' "${extra//"\"$conf\""/"\"$val\""}"
		done
	done <"$template"
}

# Server-level part of the lighttpd config: port, paths, user. The snippet
# from conf/ is appended to it.
_server_lighttpd_conf() {
	local kind=$1 work=$2 conf=$3 port=$4
	cat <<-EOF
	# Generated by tests/lib/servers.sh for $kind; header + conf/$kind.conf.
	server.bind = "127.0.0.1"
	server.port = $port
	server.document-root = "$work/docroot"
	server.pid-file = "$work/run/lighttpd.pid"
	server.errorlog = "$work/logs/error.log"
	# Request bodies are buffered here (stream-request-body = 0).
	server.upload-dirs = ( "$work/tmp" )
	server.modules = ( "mod_alias", "mod_accesslog" )
	accesslog.filename = "$work/logs/access.log"
	# The snippets expect /cgi-bin/ to be the directory holding hookbox.fcgi.
	alias.url = ( "/cgi-bin/" => "$work/cgi-bin/" )
	EOF
	if _server_drop; then
		# lighttpd drops to this user after binding; the CGI and FastCGI
		# processes it starts run as this user too.
		printf 'server.username = "%s"\nserver.groupname = "%s"\n' \
			"$SERVER_USER" "$(id -gn "$SERVER_USER")"
	fi
	echo
	_server_render "$kind.conf" "$work" "$conf"
}

# Server-level part of the Apache config: a complete, minimal server that
# does not read /etc/apache2 or its envvars.
_server_apache_conf() {
	local kind=$1 work=$2 conf=$3 port=$4 m=$APACHE_MODULES
	cat <<-EOF
	# Generated by tests/lib/servers.sh for $kind; header + conf/$kind.conf.
	ServerRoot "$work"
	ServerName 127.0.0.1
	Listen 127.0.0.1:$port
	PidFile "$work/run/apache2.pid"
	DefaultRuntimeDir "$work/run"
	Mutex "file:$work/run" default
	ErrorLog "$work/logs/error.log"
	LogLevel warn

	# prefork: concurrency from processes, and mod_cgi works with it
	# (the event MPM would need mod_cgid).
	LoadModule mpm_prefork_module "$m/mod_mpm_prefork.so"
	StartServers 2
	MinSpareServers 2
	MaxSpareServers 4
	ServerLimit 16
	MaxRequestWorkers 16

	# unixd and log_config are built in on Debian; load them only if not.
	<IfModule !unixd_module>
	LoadModule unixd_module "$m/mod_unixd.so"
	</IfModule>
	<IfModule !log_config_module>
	LoadModule log_config_module "$m/mod_log_config.so"
	</IfModule>
	LoadModule authz_core_module "$m/mod_authz_core.so"
	LoadModule alias_module "$m/mod_alias.so"
	LogFormat "%h %t \"%r\" %>s %b %D" timed
	CustomLog "$work/logs/access.log" timed

	DocumentRoot "$work/docroot"
	<Directory />
	AllowOverride None
	Require all denied
	</Directory>
	<Directory "$work/docroot">
	Require all granted
	</Directory>
	# The snippets expect /cgi-bin/ to be the directory holding hookbox.fcgi.
	Alias /cgi-bin/ "$work/cgi-bin/"
	# Server-wide cap on bodies; above hookbox's own limit.
	LimitRequestBody 33554432
	EOF
	if _server_drop; then
		# Apache will not run CGI programs as root.
		printf 'User %s\nGroup %s\n' "$SERVER_USER" "$(id -gn "$SERVER_USER")"
	fi
	case $kind in
	apache-cgi)
		printf 'LoadModule cgi_module "%s/mod_cgi.so"\n' "$m"
		printf 'LoadModule env_module "%s/mod_env.so"\n' "$m"
		;;
	apache-proxy-fcgi)
		printf 'LoadModule proxy_module "%s/mod_proxy.so"\n' "$m"
		printf 'LoadModule proxy_fcgi_module "%s/mod_proxy_fcgi.so"\n' "$m"
		;;
	apache-fcgid)
		printf 'LoadModule fcgid_module "%s/mod_fcgid.so"\n' "$m"
		# Sockets and the process table of mod_fcgid, in WORKDIR.
		printf 'FcgidIPCDir "%s/run/fcgid"\n' "$work"
		printf 'FcgidProcessTableFile "%s/run/fcgid_shm"\n' "$work"
		# Server-wide only (not allowed in a vhost), hence not in conf/.
		printf 'FcgidMaxProcesses 4\n'
		;;
	esac
	echo
	_server_render "$kind.conf" "$work" "$conf"
}

# Server-level part of the nginx config: a complete, minimal server that
# reads nothing of /etc/nginx but a copy of its stock fastcgi_params (which
# the snippet includes by a path relative to this config).
_server_nginx_conf() {
	local kind=$1 work=$2 conf=$3 port=$4 line
	cat <<-EOF
	# Generated by tests/lib/servers.sh for $kind; header + conf/nginx.conf.
	daemon off;
	master_process on;
	worker_processes 1;
	pid $work/run/nginx.pid;
	error_log $work/logs/error.log warn;
	EOF
	if _server_drop; then
		printf 'user %s %s;\n' "$SERVER_USER" "$(id -gn "$SERVER_USER")"
	fi
	cat <<-EOF
	events { worker_connections 256; }
	http {
	access_log $work/logs/access.log;
	# Not nginx's built-in paths under /var: all of it in WORKDIR.
	client_body_temp_path $work/tmp/body;
	fastcgi_temp_path $work/tmp/fastcgi;
	proxy_temp_path $work/tmp/proxy;
	uwsgi_temp_path $work/tmp/uwsgi;
	scgi_temp_path $work/tmp/scgi;
	server {
	listen 127.0.0.1:$port;
	server_name 127.0.0.1;
	root $work/docroot;

	EOF
	if [ -z "${SERVER_NGINX_KEEPALIVE:-}" ]; then
		_server_render nginx.conf "$work" "$conf" || return 1
		printf '}\n}\n'
		return 0
	fi
	# SERVER_NGINX_KEEPALIVE=20s: the snippet as conf/nginx.conf says to
	# change it for kept connections, to test that advice.
	_server_render nginx.conf "$work" "$conf" | sed \
		-e 's|fastcgi_keep_conn off;|fastcgi_keep_conn on;|' \
		-e "s|fastcgi_pass unix:$work/run/hookbox.sock;|fastcgi_pass hookbox_kept;|" ||
		return 1
	printf '}\n'
	printf 'upstream hookbox_kept {\nserver unix:%s;\nkeepalive 4;\nkeepalive_timeout %s;\n}\n}\n' \
		"$work/run/hookbox.sock" "$SERVER_NGINX_KEEPALIVE"
}

# _server_spawn_fcgi WORKDIR CONF: hookbox (the copy in WORKDIR) on
# WORKDIR/run/hookbox.sock under spawn-fcgi, detached as the servers are,
# as the server user when root; its stderr goes to the error log. Waits
# for the socket. spawn-fcgi -n becomes the program, which _server_leftovers
# then finds by its argv[0].
_server_spawn_fcgi() {
	local work=$1 conf=$2 sock=$1/run/hookbox.sock var
	local -a env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		"HOOKBOX_CONF=$conf") who=()
	for var in ASAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!var-}" ] && env+=("$var=${!var}")
	done
	if _server_drop; then
		who=(-u "$SERVER_USER" -U "$SERVER_USER" -G "$(id -gn "$SERVER_USER")")
	fi
	rm -f "$sock"
	(
		setsid env -i "${env[@]}" "$SPAWN_FCGI_BIN" -n -s "$sock" -M 0660 \
			"${who[@]}" -- "$work/cgi-bin/hookbox.fcgi" \
			</dev/null >>"$work/logs/error.log" 2>&1 &
	)
	wait_for test -S "$sock" || {
		echo "servers.sh: spawn-fcgi did not create $sock" >&2
		return 1
	}
}

# _server_alive PID: running, and not a zombie waiting to be reaped (the
# server is not our child, so init reaps it, not always at once).
_server_alive() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# Field 3, after "(command name)": R, S, ... or Z for a zombie.
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# _server_up URL PID: 0 when the server answers (any HTTP status), 0 also
# when the process is gone (so wait_for stops early; the caller checks).
_server_up() {
	_server_alive "$2" || return 0
	# --noproxy: CI environments often set http_proxy.
	curl -s -o /dev/null --noproxy '*' --max-time 2 "$1"
}

server_start() {
	if [ $# -ne 4 ]; then
		echo "usage: server_start KIND WORKDIR BINARY CONF" >&2
		return 2
	fi
	local kind=$1 work=$2 binary=$3 conf=$4
	local port cfg started elapsed
	local -a cmd
	_SERVER_USERDIR_PROG=

	if [ -n "$SERVER_PID" ]; then
		if _server_alive "$SERVER_PID"; then
			echo "servers.sh: $SERVER_KIND is still running; call server_stop first" >&2
			return 1
		fi
		server_stop	# it died by itself; clear up after it
	fi
	case $kind in
	lighttpd-fastcgi | lighttpd-cgi | apache-fcgid | apache-cgi | nginx-fastcgi | apache-proxy-fcgi) ;;
	*) echo "servers.sh: unknown kind '$kind' (want one of: $(server_kinds))" >&2; return 2 ;;
	esac
	[ -d "$work" ] || { echo "servers.sh: no such directory: $work" >&2; return 2; }
	[ -f "$binary" ] || { echo "servers.sh: no such program: $binary" >&2; return 2; }
	case $work$conf in
	*\"* | *\\* | *$'\n'*)
		echo "servers.sh: quotes, backslashes or newlines in paths are not supported" >&2
		return 2 ;;
	esac
	# Absolute and without a trailing slash: it is compared as a string
	# in server_stop.
	work=$(cd "$work" && pwd) || return 2
	# Unix socket paths (sun_path) are limited to 108 bytes; mod_fcgid and
	# lighttpd put theirs under WORKDIR/run.
	if [ ${#work} -gt 70 ]; then
		echo "servers.sh: WORKDIR path is too long for unix sockets (${#work} > 70): $work" >&2
		return 2
	fi

	mkdir -p "$work/docroot" "$work/cgi-bin" "$work/run" "$work/logs" "$work/tmp" || return 1
	# A copy: the repo may not be readable by the server user, and the copy's
	# path identifies our processes in server_stop.
	install -m 0755 "$binary" "$work/cgi-bin/hookbox.fcgi" || return 1

	if _server_drop; then
		if ! id "$SERVER_USER" >/dev/null 2>&1; then
			echo "servers.sh: running as root but user '$SERVER_USER' does not exist" >&2
			return 1
		fi
		# The server user creates sockets, the body spool and hookbox's DB here.
		chown -R "$SERVER_USER:$(id -gn "$SERVER_USER")" "$work" || return 1
		if ! runuser -u "$SERVER_USER" -- test -x "$work/cgi-bin/hookbox.fcgi" 2>/dev/null; then
			echo "servers.sh: user $SERVER_USER cannot reach $work (check the parent directories' modes)" >&2
			return 1
		fi
		# A missing CONF may be what a test wants; an unreadable one is a
		# setup mistake worth a warning.
		if [ -e "$conf" ] && ! runuser -u "$SERVER_USER" -- test -r "$conf" 2>/dev/null; then
			echo "servers.sh: warning: $SERVER_USER cannot read $conf" >&2
		fi
	fi

	# nginx and mod_proxy_fcgi connect to a program that is already running.
	case $kind in
	nginx-fastcgi | apache-proxy-fcgi)
		: >"$work/logs/error.log"
		if _server_drop; then
			chown "$SERVER_USER:$(id -gn "$SERVER_USER")" "$work/logs/error.log"
		fi
		if ! _server_spawn_fcgi "$work" "$conf"; then
			tail -n 20 "$work/logs/error.log" >&2 2>/dev/null
			_server_kill "" "$work"
			return 1
		fi
		;;
	esac
	if [ "$kind" = nginx-fastcgi ]; then
		install -m 0644 "$NGINX_FASTCGI_PARAMS" "$work/fastcgi_params" || return 1
	fi

	# If the server dies at once, retry with another port: the one free_port
	# gave us may have been taken in the meantime. (If it died for another
	# reason all attempts fail the same way, quickly, and the log says why.)
	# A server that stays up but does not answer is not retried.
	for _ in 1 2 3; do
		# SERVER_PORT pins the port (make run serves on 8080).
		port=${SERVER_PORT:-$(free_port)}
		case $kind in
		lighttpd-*)
			cfg=$work/lighttpd.conf
			_server_lighttpd_conf "$kind" "$work" "$conf" "$port" >"$cfg" || return 1
			cmd=("$LIGHTTPD_BIN" -D -f "$cfg")
			;;
		apache-*)
			cfg=$work/apache2.conf
			_server_apache_conf "$kind" "$work" "$conf" "$port" >"$cfg" || return 1
			cmd=("$APACHE_BIN" -f "$cfg" -DFOREGROUND)
			;;
		nginx-*)
			cfg=$work/nginx.conf
			_server_nginx_conf "$kind" "$work" "$conf" "$port" >"$cfg" || return 1
			# -e: nginx opens its built-in error log before reading the
			# config otherwise.
			cmd=("$NGINX_BIN" -p "$work/" -e "$work/logs/error.log" -c "$cfg")
			;;
		esac
		# Empty log per attempt. It must belong to the server user: lighttpd
		# opens its error log after dropping root. (Not truncated but
		# emptied: spawn-fcgi's program appends to it already.)
		: >"$work/logs/error.log"
		if _server_drop; then
			chown "$SERVER_USER:$(id -gn "$SERVER_USER")" "$work/logs/error.log"
		fi
		started=$EPOCHREALTIME
		# $( ... & echo $! ): started from a subshell that exits at once, so
		# the server is not a child of the caller's shell and a bare "wait"
		# in a test does not wait for it.
		# setsid: Apache in the foreground signals its whole process group
		# when it stops, which would kill the test itself. (The job is not a
		# group leader, so setsid does not fork and $! is the server's pid.)
		# env -i: nothing of ours leaks into the programs; the snippets add
		# HOOKBOX_CONF and the sanitizer options explicitly.
		# stdout/stderr go to the error log, so that no pipe of the caller
		# is held open, and so that the programs' stderr lands there too
		# (Apache logs it by itself; lighttpd leaves it on its own stderr).
		SERVER_PID=$(
			setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
				"${cmd[@]}" </dev/null >>"$work/logs/error.log" 2>&1 &
			echo $!
		)
		# Probe the document root, not the script: a probe must not run
		# hookbox (it would show up in its logs and DB).
		wait_for _server_up "http://127.0.0.1:$port/" "$SERVER_PID" || true
		if _server_alive "$SERVER_PID"; then
			_server_up "http://127.0.0.1:$port/" "$SERVER_PID" && break
			echo "servers.sh: $kind is running but does not answer on port $port" >&2
			_server_kill "$SERVER_PID" "$work"
			SERVER_PID=
			break
		fi
		_server_kill "$SERVER_PID" "$work"
		SERVER_PID=
	done

	if [ -z "$SERVER_PID" ]; then
		echo "servers.sh: $kind did not start; last lines of its logs:" >&2
		tail -n 20 "$work/logs/error.log" >&2 2>/dev/null
		return 1
	fi
	elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	SERVER_KIND=$kind
	SERVER_WORKDIR=$work
	SERVER_URL=http://127.0.0.1:$port/cgi-bin/hookbox.fcgi
	SERVER_LOG=$work/logs/error.log
	SERVER_START_SECONDS=$elapsed
	return 0
}

# _server_leftovers WORKDIR: pids of processes that are ours: the copied
# program (argv[0] is its exact path) and any server process whose command
# line names our config file. Exact string comparison, no patterns, so
# nothing else on the machine can match.
_server_leftovers() {
	local work=$1 dir pid arg
	local -a argv
	for dir in /proc/[0-9]*; do
		pid=${dir#/proc/}
		[ "$pid" = "$$" ] && continue
		mapfile -d "" -t argv 2>/dev/null <"$dir/cmdline" || continue
		[ ${#argv[@]} -gt 0 ] || continue
		if [ "${argv[0]}" = "$work/cgi-bin/hookbox.fcgi" ]; then
			echo "$pid"
			continue
		fi
		# server_start_userdir: the program is the user's, outside WORKDIR.
		if [ -n "${_SERVER_USERDIR_PROG:-}" ] &&
			[ "${argv[0]}" = "$_SERVER_USERDIR_PROG" ]; then
			echo "$pid"
			continue
		fi
		for arg in "${argv[@]}"; do
			case $arg in
			"$work/lighttpd.conf" | "$work/apache2.conf" | "$work/nginx.conf") echo "$pid"; break ;;
			# nginx's master rewrites its command line into one string.
			*" -c $work/nginx.conf"*) echo "$pid"; break ;;
			esac
		done
	done
}

# _server_kill PID WORKDIR: TERM, up to 10 s, KILL; then the leftovers.
_server_kill() {
	local pid=$1 work=$2 i
	local -a left
	# "|| true" here and below: safe for callers running with set -e.
	# An empty PID: no server, only what spawn-fcgi started.
	[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		{ [ -n "$pid" ] && _server_alive "$pid"; } || break
		sleep 0.1
	done
	if [ -n "$pid" ] && _server_alive "$pid"; then
		echo "servers.sh: server $pid ignored TERM for 10 s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# FastCGI processes normally exit with the server; give them a moment,
	# then TERM and KILL what is left.
	for i in $(seq 1 30); do
		mapfile -t left < <(_server_leftovers "$work")
		[ ${#left[@]} -eq 0 ] && return 0
		if [ "$i" -eq 10 ]; then kill -TERM "${left[@]}" 2>/dev/null || true; fi
		if [ "$i" -eq 20 ]; then kill -KILL "${left[@]}" 2>/dev/null || true; fi
		sleep 0.1
	done
	echo "servers.sh: processes left over: ${left[*]}" >&2
	return 0
}

server_stop() {
	[ -n "$SERVER_PID" ] || return 0
	_server_kill "$SERVER_PID" "$SERVER_WORKDIR"
	SERVER_URL=
	SERVER_PID=
	SERVER_KIND=
	SERVER_WORKDIR=
	# SERVER_LOG stays set: a test may still want to read it.
	return 0
}

# ---- A shared host's Apache, for install.sh ----
#
# server_start_userdir KIND WORKDIR DOCROOT [USER]
#     KIND: apache-userdir-fcgid | apache-userdir-cgi.
#     Serves DOCROOT (a user's public_html) as the document root the way a
#     shared host does: .htaccess files are obeyed (AllowOverride with the
#     FileInfo and Options=ExecCGI rights hosts commonly grant), mod_cgi,
#     mod_env and mod_mime are loaded, and for apache-userdir-fcgid
#     mod_fcgid too. Nothing of hookbox is in the server's own config: no
#     ScriptAlias, handler, SetEnv or Fcgid* environment; whatever
#     DOCROOT/cgi-bin/.htaccess says is what makes hookbox run.
#     USER: when run as root, Apache (and so every CGI and FastCGI process
#     it starts, as with suEXEC on a shared host) runs as USER, and WORKDIR
#     is chowned to USER. Not root: everything runs as the caller.
#     WORKDIR: an empty directory of the test's for the server's config
#     (apache2.conf), logs/ and run/; at most 70 bytes long.
#     Sets SERVER_URL to the site's root (http://127.0.0.1:PORT), and
#     SERVER_PID, SERVER_KIND, SERVER_LOG, SERVER_WORKDIR and
#     SERVER_START_SECONDS as server_start does. Stop it with server_stop.

_server_apache_userdir_conf() {
	local kind=$1 work=$2 docroot=$3 port=$4 user=$5 m=$APACHE_MODULES
	cat <<-EOF
	# Generated by tests/lib/servers.sh for $kind: a shared host's Apache.
	ServerRoot "$work"
	ServerName 127.0.0.1
	Listen 127.0.0.1:$port
	PidFile "$work/run/apache2.pid"
	DefaultRuntimeDir "$work/run"
	Mutex "file:$work/run" default
	ErrorLog "$work/logs/error.log"
	LogLevel warn

	LoadModule mpm_prefork_module "$m/mod_mpm_prefork.so"
	StartServers 2
	MinSpareServers 2
	MaxSpareServers 4
	ServerLimit 16
	MaxRequestWorkers 16
	<IfModule !unixd_module>
	LoadModule unixd_module "$m/mod_unixd.so"
	</IfModule>
	<IfModule !log_config_module>
	LoadModule log_config_module "$m/mod_log_config.so"
	</IfModule>
	LoadModule authz_core_module "$m/mod_authz_core.so"
	LoadModule mime_module "$m/mod_mime.so"
	TypesConfig /dev/null
	LoadModule env_module "$m/mod_env.so"
	LoadModule cgi_module "$m/mod_cgi.so"
	LogFormat "%h %t \"%r\" %>s %b %D" timed
	CustomLog "$work/logs/access.log" timed

	DocumentRoot "$docroot"
	<Directory />
	AllowOverride None
	Options None
	Require all denied
	</Directory>
	<Directory "$docroot">
	# What shared hosts commonly let .htaccess files change.
	AllowOverride AuthConfig FileInfo Indexes Limit Options=ExecCGI,Includes,IncludesNOEXEC,Indexes,MultiViews,SymLinksIfOwnerMatch
	Options SymLinksIfOwnerMatch
	Require all granted
	</Directory>
	# As in Apache's stock httpd.conf: .htaccess and .htpasswd are never served.
	<Files ".ht*">
	Require all denied
	</Files>
	EOF
	if [ -n "$user" ]; then
		printf 'User %s\nGroup %s\n' "$user" "$(id -gn "$user")"
	fi
	if [ "$kind" = apache-userdir-fcgid ]; then
		printf 'LoadModule fcgid_module "%s/mod_fcgid.so"\n' "$m"
		printf 'FcgidIPCDir "%s/run/fcgid"\n' "$work"
		printf 'FcgidProcessTableFile "%s/run/fcgid_shm"\n' "$work"
	fi
}

server_start_userdir() {
	if [ $# -lt 3 ] || [ $# -gt 4 ]; then
		echo "usage: server_start_userdir KIND WORKDIR DOCROOT [USER]" >&2
		return 2
	fi
	local kind=$1 work=$2 docroot=$3 user=${4-} port cfg started elapsed

	if [ -n "$SERVER_PID" ]; then
		if _server_alive "$SERVER_PID"; then
			echo "servers.sh: $SERVER_KIND is still running; call server_stop first" >&2
			return 1
		fi
		server_stop
	fi
	case $kind in
	apache-userdir-fcgid | apache-userdir-cgi) ;;
	*) echo "servers.sh: unknown kind '$kind' (want apache-userdir-fcgid or apache-userdir-cgi)" >&2; return 2 ;;
	esac
	[ -d "$work" ] || { echo "servers.sh: no such directory: $work" >&2; return 2; }
	[ -d "$docroot" ] || { echo "servers.sh: no such directory: $docroot" >&2; return 2; }
	case $work$docroot in
	*\"* | *\\* | *$'\n'*)
		echo "servers.sh: quotes, backslashes or newlines in paths are not supported" >&2
		return 2 ;;
	esac
	work=$(cd "$work" && pwd) || return 2
	docroot=$(cd "$docroot" && pwd) || return 2
	if [ ${#work} -gt 70 ]; then
		echo "servers.sh: WORKDIR path is too long for unix sockets (${#work} > 70): $work" >&2
		return 2
	fi
	[ "$(id -u)" -eq 0 ] || user=
	if [ "$(id -u)" -eq 0 ] && [ -z "$user" ]; then
		echo "servers.sh: as root, server_start_userdir needs the USER to run as" >&2
		return 2
	fi
	mkdir -p "$work/run" "$work/logs" || return 1
	if [ -n "$user" ]; then
		chown -R "$user:$(id -gn "$user")" "$work" || return 1
	fi
	_SERVER_USERDIR_PROG=$docroot/cgi-bin/hookbox.fcgi

	for _ in 1 2 3; do
		port=${SERVER_PORT:-$(free_port)}
		cfg=$work/apache2.conf
		_server_apache_userdir_conf "$kind" "$work" "$docroot" "$port" "$user" >"$cfg" || return 1
		: >"$work/logs/error.log"
		started=$EPOCHREALTIME
		# As in server_start: detached, own session, empty environment.
		SERVER_PID=$(
			setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
				"$APACHE_BIN" -f "$cfg" -DFOREGROUND </dev/null >>"$work/logs/error.log" 2>&1 &
			echo $!
		)
		wait_for _server_up "http://127.0.0.1:$port/" "$SERVER_PID" || true
		if _server_alive "$SERVER_PID"; then
			_server_up "http://127.0.0.1:$port/" "$SERVER_PID" && break
			echo "servers.sh: $kind is running but does not answer on port $port" >&2
			_server_kill "$SERVER_PID" "$work"
			SERVER_PID=
			break
		fi
		_server_kill "$SERVER_PID" "$work"
		SERVER_PID=
	done
	if [ -z "$SERVER_PID" ]; then
		echo "servers.sh: $kind did not start; last lines of its logs:" >&2
		tail -n 20 "$work/logs/error.log" >&2 2>/dev/null
		return 1
	fi
	elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	SERVER_KIND=$kind
	SERVER_WORKDIR=$work
	SERVER_URL=http://127.0.0.1:$port
	SERVER_LOG=$work/logs/error.log
	SERVER_START_SECONDS=$elapsed
	return 0
}
