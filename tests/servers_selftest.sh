#!/bin/bash
# Self-test of the test harness tests/lib/servers.sh: start every server kind
# with a stand-in program (tests/lib/echo_fcgi.c) instead of hookbox, and
# check that a webhook-style request reaches the program intact:
#   PATH_INFO=/catalog/tok and the query for .../hookbox.fcgi/catalog/tok?x=1,
#   a 2 MiB POST body whole (length and CRC) with CONTENT_LENGTH,
#   HOOKBOX_CONF (and ASAN_OPTIONS) in the program's environment and nothing
#   else of ours, a program that is not root and can write next to its config,
#   parallel requests, the program's stderr in SERVER_LOG, and a clean stop
#   that leaves no process behind.
#
# Needs: lighttpd, apache2, libapache2-mod-fcgid, nginx, spawn-fcgi, curl (server_require
# installs them when run as root), cc and libfcgi-dev.
# shellcheck source-path=SCRIPTDIR
set -u

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/servers.sh
. "$TOP/tests/lib/servers.sh"

# jget JSON KEY: the value of "KEY":"..." or "KEY":123 (flat JSON only);
# "null" when the key is null, empty when absent.
jget() {
	local re_str="\"$2\":\"([^\"]*)\"" re_other="\"$2\":([^,}\"]*)"
	if [[ $1 =~ $re_str ]] || [[ $1 =~ $re_other ]]; then
		printf '%s' "${BASH_REMATCH[1]}"
	fi
}

# curl as the tests should use it: no proxy, bounded time.
http() { curl -s --noproxy '*' --max-time 30 "$@"; }

if ! server_require; then
	fail servers/require "web servers or curl missing"
	exit 1
fi

WORK=$(mktemp -d) || exit 1
# mktemp -d makes a 0700 directory; the server user (www-data when root)
# must be able to pass through it to reach the per-kind directories.
chmod 755 "$WORK"
trap 'server_stop; rm -rf "$WORK"' EXIT

ECHO=$WORK/echo_fcgi
if ! cc -O2 -o "$ECHO" "$TOP/tests/lib/echo_fcgi.c" -lfcgi 2>"$WORK/cc.log"; then
	fail servers/build-echo "cc echo_fcgi.c -lfcgi failed (libfcgi-dev missing?): $(head -c 300 "$WORK/cc.log")"
	exit 1
fi
pass servers/build-echo

BODY=$WORK/body
head -c 2097152 /dev/urandom >"$BODY"
BODY_CKSUM=$(cksum <"$BODY" | cut -d' ' -f1)

# Must reach the program; must not.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export HOOKBOX_SELFTEST_CANARY=leaked

for kind in $(server_kinds); do
	t=servers/$kind
	dir=$WORK/$kind
	mkdir "$dir"
	conf=$dir/hookbox.conf
	: >"$conf"

	if ! server_start "$kind" "$dir" "$ECHO" "$conf" 2>"$WORK/start.err"; then
		fail "$t/start" "$(tr '\n' ' ' <"$WORK/start.err" | head -c 600)"
		continue
	fi
	pass "$t/start"
	echo "# $kind answered after ${SERVER_START_SECONDS}s" >&2
	check_match "$t/url" '^http://127\.0\.0\.1:[0-9]+/cgi-bin/hookbox\.fcgi$' "$SERVER_URL"
	pid=$SERVER_PID
	url=$SERVER_URL

	# GET with path info and query.
	json=$(http "$SERVER_URL/catalog/tok?x=1")
	case $kind in *-cgi) want_mode=cgi ;; *) want_mode=fcgi ;; esac
	check "$t/get/mode" "$want_mode" "$(jget "$json" mode)"
	case $kind in
	nginx-fastcgi | apache-proxy-fcgi)
		# No PATH_INFO, the whole path in SCRIPT_NAME, REQUEST_URI raw:
		# what hookbox's request.c reads the endpoint from there.
		check "$t/get/path-info" "" "$(jget "$json" PATH_INFO | sed 's/^null$//')"
		check "$t/get/script-name" /cgi-bin/hookbox.fcgi/catalog/tok "$(jget "$json" SCRIPT_NAME)"
		check "$t/get/request-uri" '/cgi-bin/hookbox.fcgi/catalog/tok?x=1' "$(jget "$json" REQUEST_URI)"
		;;
	*)
		check "$t/get/path-info" /catalog/tok "$(jget "$json" PATH_INFO)"
		check "$t/get/script-name" /cgi-bin/hookbox.fcgi "$(jget "$json" SCRIPT_NAME)"
		;;
	esac
	check "$t/get/query" x=1 "$(jget "$json" QUERY_STRING)"
	check "$t/get/hookbox-conf" "$conf" "$(jget "$json" HOOKBOX_CONF)"
	check "$t/get/asan-options" "$ASAN_OPTIONS" "$(jget "$json" ASAN_OPTIONS)"
	check "$t/get/no-leak" null "$(jget "$json" canary)"
	check "$t/get/conf-dir-writable" 1 "$(jget "$json" conf_dir_writable)"
	if [ "$(id -u)" -eq 0 ]; then
		uid=$(jget "$json" uid)
		if [ -n "$uid" ] && [ "$uid" != 0 ]; then
			pass "$t/get/not-root"
		else
			fail "$t/get/not-root" "program runs as uid [$uid]"
		fi
	fi

	# POST of 2 MiB of random bytes.
	json=$(http -H 'Content-Type: application/octet-stream' --data-binary @"$BODY" \
		"$SERVER_URL/catalog/tok?x=1")
	check "$t/post/content-length" 2097152 "$(jget "$json" CONTENT_LENGTH)"
	check "$t/post/body-len" 2097152 "$(jget "$json" body_len)"
	check "$t/post/body-cksum" "$BODY_CKSUM" "$(jget "$json" body_cksum)"
	check "$t/post/request-uri" '/cgi-bin/hookbox.fcgi/catalog/tok?x=1' "$(jget "$json" REQUEST_URI)"

	# Several requests at once (webhooks arrive in bursts).
	pids=()
	for i in 1 2 3 4 5 6; do
		http -o "$WORK/par.$i" -w '%{http_code}' "$SERVER_URL/p/$i" >"$WORK/par.$i.code" &
		pids+=($!)
	done
	wait "${pids[@]}"
	codes=$(cat "$WORK"/par.*.code | tr -d '\n')
	check "$t/parallel" 200200200200200200 "$codes"
	rm -f "$WORK"/par.*

	server_stop
	if kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
		fail "$t/stop" "server $pid still running"
	else
		pass "$t/stop"
	fi
	# FastCGI processes, Apache children, CGI programs: nothing may remain.
	check "$t/stop/no-leftovers" "" "$(_server_leftovers "$dir" | tr '\n' ' ')"
	check "$t/stop/port-closed" 000 "$(http -o /dev/null -w '%{http_code}' "$url")"
	# The program's stderr (sanitizer reports) must end up in SERVER_LOG.
	if grep -q -E 'echo_fcgi stderr: (/cgi-bin/hookbox\.fcgi)?/catalog/tok' "$SERVER_LOG"; then
		pass "$t/stderr-in-log"
	else
		fail "$t/stderr-in-log" "program stderr not found in $SERVER_LOG"
	fi
done
exit 0
