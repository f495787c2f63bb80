#!/usr/bin/env bash
# The hook runner, end to end (README.md, "Write a hook"): the binary is run
# as a CGI program the way a web server runs it, and the hooks are small
# scripts that record what they saw. Every assertion is about order and
# outcome, never about how long something took: bounds on waits are only
# safety nets.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi).
# ASAN_OPTIONS / UBSAN_OPTIONS are passed through to the CGI and CLI runs.
set -u
. "$(dirname "$0")/lib/common.sh"
export HOOKBOX

# One line per case, even when the reason spans lines; count failures.
failed=0
fail() { printf 'FAIL %s: %s\n' "$1" "${2//$'\n'/ | }"; failed=$((failed + 1)); }

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/hookbox-hooks.XXXXXX")

# Everything this suite started is ended by id at exit: every runner whose
# config lies in ROOT, and every process working in ROOT (a hook runs in its
# script's directory, and whatever it starts inherits that).
cleanup() {
	local p
	for p in $(jobs -p) $(runner_pids "$ROOT/") $(cwd_pids "$ROOT/"); do
		[ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$ROOT"
}
trap cleanup EXIT

# runner_pids PREFIX: hookbox processes started with a HOOKBOX_CONF under
# PREFIX (the detached `run --linger` runners carry only that variable).
runner_pids() {
	local e
	for e in /proc/[0-9]*/environ; do
		if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -q "^HOOKBOX_CONF=$1"; then
			e=${e#/proc/}
			echo "${e%/environ}"
		fi
	done
}

# cwd_pids PREFIX: processes whose working directory is under PREFIX.
cwd_pids() {
	local c
	for c in /proc/[0-9]*/cwd; do
		case $(readlink "$c" 2>/dev/null) in
		"$1"*) c=${c#/proc/}; echo "${c%/cwd}" ;;
		esac
	done
}

# alive PID: the process exists and is not a zombie (PID 1 here may not
# reap orphans, and kill -0 succeeds on a zombie).
alive() {
	local state
	state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# wait_until SECONDS CMD...: like wait_for, with a bound chosen per case.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# scenario: a fresh directory (own config, database, hooks); sets D, CONF.
scenario() {
	D=$(mktemp -d "$ROOT/s.XXXXXX")
	CONF=$D/hookbox.conf
}

# cgi CONF METHOD PATH_INFO BODYFILE [NAME=value...]: one request, made as a
# web server runs a CGI program: a clean environment and the body on stdin.
# BODYFILE "" sends no body (a GET). Prints the whole CGI answer.
cgi() {
	local conf=$1 method=$2 path=$3 body=$4 len=()
	shift 4
	if [ -n "$body" ]; then
		len=(CONTENT_LENGTH="$(stat -c %s "$body")"
		    CONTENT_TYPE=application/json)
	else
		body=/dev/null
	fi
	env -i ${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} \
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" \
	    PATH_INFO="$path" "${len[@]}" REMOTE_ADDR=127.0.0.1 \
	    HOOKBOX_CONF="$conf" "$@" "$HOOKBOX" <"$body"
}
export -f cgi

# post PATH_INFO BODYFILE [NAME=value...] / get PATH_INFO QUERY [...]:
# requests against this scenario's config.
post() { local p=$1 b=$2; shift 2; cgi "$CONF" POST "$p" "$b" "$@"; }
get() { local p=$1 q=$2; shift 2; cgi "$CONF" GET "$p" "" QUERY_STRING="$q" "$@"; }

# answer_id ANSWER: the event id of an accepted answer, or nothing (the
# header lines end in CR, so only the JSON body line can match).
answer_id() { sed -n 's/^{"status":"accepted","id":\([0-9]*\)}$/\1/p' <<<"$1"; }

# hb ARGS...: the CLI, on this scenario's config.
hb() { HOOKBOX_CONF=$CONF "$HOOKBOX" "$@"; }

# attempts ID: "N status" for each hook attempt of an event, oldest first.
attempts() { hb show "$1" | awk '/^  attempt [0-9]+  / { print $2, $3 }'; }
# status ID: the state of the event's newest attempt (`list --json` rows
# begin with "id" and end with "hook_status").
status() {
	hb list --json --limit 1000 |
	    sed -n "s/^{\"id\":$1,.*\"hook_status\":\"\([a-z]*\)\"}$/\1/p"
}
is_status() { [ "$(status "$1")" = "$2" ]; }
# listed STATUS ID: `hookbox list --status STATUS` shows the event.
listed() { hb list --status "$1" --limit 1000 | awk -v id="$2" '$1 == id { f = 1 } END { exit !f }'; }

# hook NAME BODY: writes an executable bash hook into the scenario.
hook() {
	printf '#!/bin/bash\n%s\n' "$2" >"$D/$1"
	chmod +x "$D/$1"
}

# logged LINE: the scenario's shared hook log has that exact line.
logged() { grep -qx "$1" "$D/log"; }

# body FILE TEXT: writes TEXT exactly (no newline added).
body() { printf '%s' "$2" >"$1"; }

TOKEN=tok-0123456789abcdef

# ---------------------------------------------------------------------------
# 10. A runner killed in the middle of a hook: the test finds the runner (the
# hook's parent) and SIGKILLs it. The attempt must not be taken up while its
# lease (timeout + 5 + 60 s) holds, must be taken up again once it has run
# out, and never run beside itself. The lease runs out the way time passes in
# 12: the test moves it in the database. (The timeout is long so that no
# attempt can time out on a slow machine: a hook at nice 19 beside the other
# cases here can take seconds to start.) This case runs in the background
# while the others go on; its lines are printed at the end.
case_runner_killed() {
	scenario
	cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/hook.sh"], "timeout": 300,
                          "retry_delay": 1, "max_attempts": 5 } } } } }
EOF
	# Attempt 1 freezes its runner (SIGSTOP), so that the runner's own
	# timeout cannot fire before the test has killed it, then says so
	# and blocks. Every start checks that no earlier run is still alive.
	hook hook.sh "exec 9>>$D/log
flock 9
for p in \$(cat $D/hookpids 2>/dev/null); do
	[ -d /proc/\$p ] && ! grep -q '^State:.*Z' /proc/\$p/status && echo \"overlap \$p\" >&9
done
echo \$\$ >>$D/hookpids
echo \"start \$HOOKBOX_ATTEMPT\" >&9
flock -u 9
if [ \"\$HOOKBOX_ATTEMPT\" = 1 ]; then
	kill -STOP \$PPID
	echo \$\$ >$D/started
	while :; do sleep 0.1; done
fi
flock 9; echo \"end \$HOOKBOX_ATTEMPT\" >&9; flock -u 9"
	body "$D/order.json" '{"type":"order","order_id":"killed-1"}'
	local out id hookpid runner cmd n
	out=$(post "/cat/$TOKEN" "$D/order.json")
	id=$(answer_id "$out")
	if ! wait_until 60 test -s "$D/started"; then
		fail runner-killed-setup "the hook never started: $out"
		return
	fi
	hookpid=$(cat "$D/started")
	runner=$(awk '/^PPid:/ { print $2 }' "/proc/$hookpid/status")
	cmd=$(tr '\0' ' ' <"/proc/$runner/cmdline")
	check runner-killed-parent-is-runner "hookbox run --linger " "$cmd"
	kill -KILL "$runner"
	# The hook dies with its runner (it asked for SIGKILL on the
	# parent's death) or, at the latest, when its lease is recovered.
	if wait_until 60 eval '! alive $runner && ! alive $hookpid'; then
		pass runner-killed-hook-dies-with-runner
	else
		fail runner-killed-hook-dies-with-runner "runner $runner or hook $hookpid still alive"
	fi
	# Nothing but `hookbox run` (as from cron) is left to take it up, and
	# not before its lease (365 s from the start) has run out.
	n=$(hb run 2>&1)
	check runner-killed-not-taken-up-within-lease ";running" "$n;$(status "$id")"
	sqlite3 "$D/hookbox.db" "UPDATE deliveries SET lease_until = 0 WHERE status = 'running'"
	if wait_until 60 eval 'hb run; is_status $id succeeded || ! sleep 1'; then
		pass runner-killed-taken-up-again
	else
		fail runner-killed-taken-up-again "$(attempts "$id" | tr '\n' ';')"
	fi
	n=$(attempts "$id" | tr '\n' ';')
	check_match runner-killed-attempts '^1 failed;2 succeeded;$' "$n"
	check_match runner-killed-error 'runner stopped during this attempt' \
	    "$(hb show "$id")"
	check runner-killed-no-overlap "start 1;start 2;end 2;" \
	    "$(tr '\n' ';' <"$D/log")"
}
case_runner_killed >"$ROOT/runner-killed.out" 2>&1 &
runner_killed_job=$!

# ---------------------------------------------------------------------------
# 1. Answer first: the CGI process has exited with its whole answer, and the
# request's pipe is closed, while the hook is still blocked.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/block.sh"], "timeout": 120 } } } } }
EOF
hook block.sh "echo started >$D/started
while [ ! -e $D/release ]; do sleep 0.1; done
echo finished >$D/finished"
body "$D/a.json" '{"type":"order","order_id":"answer-first-1"}'
# A safety net: if the request were held open until the hook ends, release
# the hook after a while so that the test reports it instead of hanging.
# (It works in D, so that cleanup ends it.)
(cd "$D" && sleep 90 && touch release) &
watchdog=$!
# $( ) returns only at EOF from every holder of the pipe: the CGI process,
# and any runner or hook that kept its stdout or stderr.
out=$(cgi "$CONF" POST "/cat/$TOKEN" "$D/a.json" 2>&1)
rc=$?
released_early=no
[ -e "$D/release" ] && released_early=yes
check answer-first-exit-status 0 "$rc"
check answer-first-not-held-open no "$released_early"
check_match answer-first-complete-answer \
    $'^Status: 200 OK\r\n.*\r\n\r\n\\{"status":"accepted","id":[0-9]+\\}$' "$out"
id=$(answer_id "$out")
if wait_until 60 test -e "$D/started"; then
	# The hook runs, the answer is long delivered, the hook is blocked.
	if [ ! -e "$D/finished" ] && [ ! -e "$D/release" ]; then
		pass answer-first-hook-blocked-after-answer
	else
		fail answer-first-hook-blocked-after-answer "the hook finished before release"
	fi
	check answer-first-running running "$(status "$id")"
else
	fail answer-first-hook-blocked-after-answer "the hook never started"
fi
kill "$watchdog" 2>/dev/null
touch "$D/release"
if wait_until 60 listed succeeded "$id"; then
	pass answer-first-succeeded-after-release
else
	fail answer-first-succeeded-after-release "$(hb show "$id" | tail -n 5)"
fi
check answer-first-show-succeeded "1 succeeded" "$(attempts "$id")"

# ---------------------------------------------------------------------------
# 2. stdin: exactly the bytes received; for a GET, the query as JSON.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": {
    "cat":  { "provider": "flipsnack", "token": "$TOKEN",
              "hooks": { "order": { "run": ["$D/copy.sh"] } } },
    "shop": { "provider": "quickbutik", "token": "$TOKEN",
              "hooks": { "*": { "run": ["$D/copy.sh"] } } } } }
EOF
hook copy.sh "cat >$D/stdin.tmp.\$HOOKBOX_EVENT_ID
mv $D/stdin.tmp.\$HOOKBOX_EVENT_ID $D/stdin.\$HOOKBOX_EVENT_ID"
cp "$FIXTURES/flipsnack-orders.json" "$D/fixture.json"
# No trailing newline, multi-byte UTF-8, an escaped slash and an escaped tab.
printf '{"type":"order","order_id":"utf8-1","note":"Grüße, ✓ 日本 \\/ \\t end"}' >"$D/utf8.json"
for f in fixture utf8; do
	out=$(post "/cat/$TOKEN" "$D/$f.json")
	id=$(answer_id "$out")
	if [ -z "$id" ]; then
		fail "stdin-bytes-$f" "not accepted: $out"
	elif ! wait_until 60 test -e "$D/stdin.$id"; then
		fail "stdin-bytes-$f" "the hook never ran"
	elif cmp -s "$D/$f.json" "$D/stdin.$id"; then
		pass "stdin-bytes-$f"
	else
		fail "stdin-bytes-$f" "$(cmp "$D/$f.json" "$D/stdin.$id" 2>&1)"
	fi
done
# Quickbutik: a GET with the token as a query parameter, which the hook
# must not see.
out=$(get /shop "$(cat "$FIXTURES/quickbutik-order.new.query")&token=$TOKEN")
id=$(answer_id "$out")
printf '{"event_type":"order.new","order_id":"12345"}' >"$D/expected-get"
if [ -z "$id" ]; then
	fail stdin-get-query-json "not accepted: $out"
elif ! wait_until 60 test -e "$D/stdin.$id"; then
	fail stdin-get-query-json "the hook never ran"
else
	check stdin-get-query-json "$(cat "$D/expected-get")" "$(cat "$D/stdin.$id")"
	# `show` of an event without a body (every GET) prints it whole.
	wait_until 60 is_status "$id" succeeded
	shown=$(hb show "$id" 2>&1)
	check_match show-get-event $'body \\(0 bytes\\):\n\ndeliveries:\n  attempt 1  succeeded' "$shown"
fi

# ---------------------------------------------------------------------------
# 3. Environment: nothing but the documented variables; the script's own
# directory. python3 adds no variable of its own (a shell would add PWD...).
scenario
mkdir "$D/hooks"
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": {
    "cat":   { "provider": "flipsnack", "token": "$TOKEN-env",
               "hooks": { "order": { "run": ["$D/hooks/env.py"] } } },
    "store": { "provider": "reflow", "secret": "reflow-secret-do-not-leak" } } }
EOF
cat >"$D/hooks/env.py" <<EOF
#!/usr/bin/env python3
import json, os
fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
json.dump({"env": dict(os.environ), "cwd": os.getcwd(), "fds": fds},
          open("$D/env.tmp", "w"))
os.rename("$D/env.tmp", "$D/env.json")
EOF
chmod +x "$D/hooks/env.py"
body "$D/e.json" '{"type":"order","order_id":"env-1"}'
out=$(post "/cat/$TOKEN-env" "$D/e.json" HTTP_X_SECRET_HEADER=leak \
    HTTP_AUTHORIZATION="Bearer leak" HTTP_COOKIE=leak=1 SCRIPT_NAME=/cgi-bin/hookbox.fcgi \
    SCRIPT_FILENAME="$TOP/cgi-bin/hookbox.fcgi" SERVER_SOFTWARE=test-leak)
id=$(answer_id "$out")
if wait_until 60 test -e "$D/env.json"; then
	j() { python3 -c "import json,sys; d=json.load(open('$D/env.json')); print($1)"; }
	check env-names \
	    "HOME HOOKBOX_ATTEMPT HOOKBOX_ENDPOINT HOOKBOX_EVENT_ID HOOKBOX_EVENT_KEY HOOKBOX_EVENT_TYPE HOOKBOX_PROVIDER HOOKBOX_RECEIVED_AT HOOKBOX_RESOURCE_ID LANG PATH" \
	    "$(j '" ".join(sorted(d["env"]))')"
	check env-values "$id cat flipsnack order env-1 env-1 1" \
	    "$(j '" ".join(d["env"].get(k, "-") for k in ("HOOKBOX_EVENT_ID", "HOOKBOX_ENDPOINT", "HOOKBOX_PROVIDER", "HOOKBOX_EVENT_TYPE", "HOOKBOX_EVENT_KEY", "HOOKBOX_RESOURCE_ID", "HOOKBOX_ATTEMPT"))')"
	check_match env-received-at '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
	    "$(j 'd["env"].get("HOOKBOX_RECEIVED_AT")')"
	check_match env-fixed-path-lang-home '^/.*:/.*\|.+\|/' \
	    "$(j '"|".join(d["env"].get(k, "") for k in ("PATH", "LANG", "HOME"))')"
	# No header, token, secret or web server variable, under any name.
	check env-no-leak "" "$(grep -o -e leak -e "$TOKEN" -e reflow-secret \
	    -e GATEWAY -e SCRIPT_ -e REMOTE_ADDR -e HOOKBOX_CONF -e SERVER_ \
	    "$D/env.json" | sort -u | tr '\n' ' ')"
	check env-cwd-is-script-dir "$D/hooks" "$(j 'd["cwd"]')"
	# 0-2, plus the one python's listdir itself holds open.
	check env-only-stdio-open "0 1 2 3" "$(j '" ".join(map(str, d["fds"]))')"
else
	fail env-names "the hook never ran: $out"
fi

# ---------------------------------------------------------------------------
# 4. argv is passed as configured, never through a shell; payload fields
# full of shell syntax stay data.
scenario
cat >"$D/argv.py" <<EOF
#!/usr/bin/env python3
import json, os, sys
json.dump({"argv": sys.argv, "key": os.environ["HOOKBOX_EVENT_KEY"]},
          open("$D/argv.tmp", "w"))
os.rename("$D/argv.tmp", "$D/argv.json")
EOF
chmod +x "$D/argv.py"
# The configured argv, as JSON (python writes it, so quoting is exact).
python3 - "$D" <<'PY'
import json, sys
d = sys.argv[1]
argv = [d + "/argv.py", "two words", "$(touch %s/pwned1)" % d,
        "; touch %s/pwned2" % d, "`touch %s/pwned3`" % d, "$HOME", "*",
        "", "a\"quote' and \\ backslash", "|| touch %s/pwned4 &" % d]
json.dump(argv, open(d + "/argv.expected", "w"))
json.dump({"database": d + "/hookbox.db", "endpoints": {"cat": {
    "provider": "flipsnack", "token": "tok-0123456789abcdef",
    "hooks": {"order": {"run": argv}}}}}, open(d + "/hookbox.conf", "w"))
PY
key="\$(touch $D/pwned5);\`touch $D/pwned6\`|touch $D/pwned7 & x"
python3 -c 'import json,sys; sys.stdout.write(json.dumps({"type": "order", "order_id": sys.argv[1], "name": "; touch " + sys.argv[2] + "/pwned8"}))' \
    "$key" "$D" >"$D/shell.json"
out=$(post "/cat/$TOKEN" "$D/shell.json")
if wait_until 60 test -e "$D/argv.json"; then
	check argv-exact yes "$(python3 -c "import json; print('yes' if json.load(open('$D/argv.json'))['argv'] == json.load(open('$D/argv.expected')) else json.load(open('$D/argv.json'))['argv'])")"
	check argv-payload-key-verbatim "$key" "$(python3 -c "import json; print(json.load(open('$D/argv.json'))['key'])")"
	check argv-nothing-interpreted "" "$(cd "$D" && ls -d pwned* 2>/dev/null | tr '\n' ' ')"
else
	fail argv-exact "the hook never ran: $out"
fi

# ---------------------------------------------------------------------------
# 5. Retries until success, by the lingering runner alone (no `hookbox run`).
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/flaky.sh"], "retry_delay": 1,
                          "max_attempts": 5 } } } } }
EOF
hook flaky.sh "echo \$HOOKBOX_ATTEMPT >>$D/seen
echo \"attempt \$HOOKBOX_ATTEMPT output\"
[ \$HOOKBOX_ATTEMPT -ge 3 ] || exit 1"
body "$D/r.json" '{"type":"order","order_id":"retry-1"}'
out=$(post "/cat/$TOKEN" "$D/r.json")
id=$(answer_id "$out")
if wait_until 90 is_status "$id" succeeded; then
	pass retry-until-success
else
	fail retry-until-success "$(attempts "$id" | tr '\n' ';')"
fi
check retry-attempts-in-show "1 failed;2 failed;3 succeeded;" "$(attempts "$id" | tr '\n' ';')"
check retry-hook-saw-attempts "1 2 3" "$(tr '\n' ' ' <"$D/seen" | sed 's/ $//')"
check_match retry-output-kept 'attempt 3 output' "$(hb show "$id")"

# ---------------------------------------------------------------------------
# 6. Exit 65 is dead at once; max_attempts failures are dead.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "shop": { "provider": "quickbutik", "token": "$TOKEN",
    "hooks": { "order.new":  { "run": ["$D/ex65.sh"], "retry_delay": 1 },
               "order.done": { "run": ["$D/fail.sh"], "retry_delay": 1,
                               "max_attempts": 2 } } } } }
EOF
hook ex65.sh "echo x >>$D/ran65; exit 65"
hook fail.sh "echo x >>$D/ranfail; exit 3"
# Quickbutik tolerates a POST with a JSON body, as its tutorial sends.
body "$D/65.json" '{"event_type":"order.new","order_id":"dead-65"}'
body "$D/max.json" '{"event_type":"order.done","order_id":"dead-max"}'
out=$(post "/shop/$TOKEN" "$D/65.json")
id65=$(answer_id "$out")
out=$(post "/shop/$TOKEN" "$D/max.json")
idmax=$(answer_id "$out")
wait_until 60 is_status "$id65" dead
wait_until 90 is_status "$idmax" dead
# A `hookbox run` afterwards finds nothing more to do for either.
hb run >/dev/null 2>&1
check dead-exit-65-one-attempt "1 dead" "$(attempts "$id65" | tr '\n' ';' | sed 's/;$//')"
check dead-exit-65-ran-once 1 "$(wc -l <"$D/ran65" 2>/dev/null | tr -d ' ')"
check_match dead-exit-65-error 'exited 65' "$(hb show "$id65")"
check dead-max-attempts "1 failed;2 dead" "$(attempts "$idmax" | tr '\n' ';' | sed 's/;$//')"
check dead-max-attempts-ran-twice 2 "$(wc -l <"$D/ranfail" 2>/dev/null | tr -d ' ')"
if listed dead "$id65" && listed dead "$idmax"; then
	pass dead-listed-by-status
else
	fail dead-listed-by-status "$(hb list --status dead)"
fi

# ---------------------------------------------------------------------------
# 7. A timeout kills the hook's whole process group; so does a hook's exit.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "shop": { "provider": "quickbutik", "token": "$TOKEN",
    "hooks": { "order.new":  { "run": ["$D/slow.sh"], "timeout": 2,
                               "max_attempts": 1 },
               "order.done": { "run": ["$D/leave.sh"] } } } } }
EOF
hook slow.sh "sleep 1000 &
echo \$! >$D/grandchild.pid
echo \$\$ >$D/slow.pid
sleep 1000"
hook leave.sh "sleep 1000 &
echo \$! >$D/bg.pid
exit 0"
body "$D/slow.json" '{"event_type":"order.new","order_id":"timeout-1"}'
body "$D/leave.json" '{"event_type":"order.done","order_id":"leave-1"}'
out=$(post "/shop/$TOKEN" "$D/slow.json")
id=$(answer_id "$out")
if wait_until 90 is_status "$id" dead; then
	check_match timeout-recorded 'error: timed out' "$(hb show "$id")"
	hookpid=$(cat "$D/slow.pid" 2>/dev/null)
	gcpid=$(cat "$D/grandchild.pid" 2>/dev/null)
	if [ -n "$hookpid" ] && [ -n "$gcpid" ] &&
	    wait_until 30 eval '! alive $hookpid && ! alive $gcpid'; then
		pass timeout-kills-group
	else
		fail timeout-kills-group "hook ${hookpid:-?} or grandchild ${gcpid:-?} still alive"
	fi
else
	fail timeout-recorded "$(attempts "$id" | tr '\n' ';')"
fi
# Observed and asserted: a child left running by a hook that exited 0 is
# killed with its group once the hook exits ("nothing it started outlives
# the attempt", hooks.c wait_hook).
out=$(post "/shop/$TOKEN" "$D/leave.json")
id=$(answer_id "$out")
if wait_until 60 is_status "$id" succeeded && bgpid=$(cat "$D/bg.pid") &&
    wait_until 30 eval '! alive $bgpid'; then
	pass exit-kills-leftover-child
else
	fail exit-kills-leftover-child "status $(status "$id"), child ${bgpid:-?}"
fi

# ---------------------------------------------------------------------------
# 7b. A hook that puts a child in a session of its own (setsid) takes it
# out of the hook's process group, out of reach of the group kill. The
# runner is a child subreaper: when the hook dies, that child becomes the
# runner's, and the runner kills and reaps whatever is left of the hook,
# after a timeout and after a plain exit alike.
if command -v setsid >/dev/null; then
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "shop": { "provider": "quickbutik", "token": "$TOKEN",
    "hooks": { "order.new":  { "run": ["$D/escape.sh"], "timeout": 2,
                               "max_attempts": 1 },
               "order.done": { "run": ["$D/escape-exit.sh"] } } } } }
EOF
hook escape.sh "setsid sleep 300 &
echo \$! >$D/escaped.pid
echo \$\$ >$D/escape.pid
sleep 1000"
# It exits only once its child has a session of its own: before that, the
# group kill alone would end it.
hook escape-exit.sh "setsid sleep 300 &
c=\$!
echo \$c >$D/escaped-exit.pid
for i in \$(seq 200); do
	[ \"\$(awk '{ sub(/^.*\\) /, \"\"); print \$4 }' /proc/\$c/stat)\" = \$c ] && break
	sleep 0.05
done
exit 0"
body "$D/escape.json" '{"event_type":"order.new","order_id":"setsid-1"}'
body "$D/escape-exit.json" '{"event_type":"order.done","order_id":"setsid-2"}'
# session_of PID: its session id (the test proves something only if the
# child did leave the hook's session).
session_of() { awk '{ sub(/^.*\) /, ""); print $4 }' "/proc/$1/stat" 2>/dev/null; }
out=$(post "/shop/$TOKEN" "$D/escape.json")
id=$(answer_id "$out")
if wait_until 30 test -s "$D/escape.pid" && escpid=$(cat "$D/escaped.pid") &&
    wait_until 10 eval '[ "$(session_of $escpid)" = $escpid ]'; then
	pass setsid-child-leaves-the-hook-session
else
	fail setsid-child-leaves-the-hook-session "child ${escpid:-?} session $(session_of "${escpid:-0}")"
fi
if wait_until 90 is_status "$id" dead; then
	hookpid=$(cat "$D/escape.pid" 2>/dev/null)
	if [ -n "$hookpid" ] && [ -n "$escpid" ] &&
	    wait_until 30 eval '! alive $hookpid && ! alive $escpid'; then
		pass timeout-kills-setsid-child
	else
		fail timeout-kills-setsid-child "hook ${hookpid:-?} or its setsid child ${escpid:-?} still alive"
	fi
else
	fail timeout-kills-setsid-child "no timeout recorded: $(attempts "$id" | tr '\n' ';')"
fi
out=$(post "/shop/$TOKEN" "$D/escape-exit.json")
id=$(answer_id "$out")
if wait_until 60 is_status "$id" succeeded && escpid=$(cat "$D/escaped-exit.pid") &&
    wait_until 30 eval '! alive $escpid'; then
	pass exit-kills-setsid-child
else
	fail exit-kills-setsid-child "status $(status "$id"), setsid child ${escpid:-?} still alive"
fi
fi

# ---------------------------------------------------------------------------
# 7c. The hook's group is killed before the hook is reaped: until it is
# reaped its pid (and so its group id) cannot go to another process, so
# kill(-pid) cannot reach an unrelated group. PID reuse itself cannot be
# forced here; the order of the two system calls can be seen, with strace,
# on a `replay` that runs the hook in the foreground.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "shop": { "provider": "quickbutik", "token": "$TOKEN",
    "hooks": { "other": { "run": ["$D/quick.sh"] } } } } }
EOF
hook quick.sh "exit 0"
body "$D/quick.json" '{"event_type":"order.new","order_id":"reap-1"}'
out=$(post "/shop/$TOKEN" "$D/quick.json")
id=$(answer_id "$out")
# Now a hook for it: `replay` runs it in the foreground, under strace.
sed -i 's/"other"/"order.new"/' "$CONF"
HOOKBOX_CONF=$CONF strace -f -qq -o "$D/trace" -e trace=kill,wait4,waitid \
	"$HOOKBOX" replay "$id" >/dev/null 2>&1
order=$(python3 - "$D/trace" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
kill = reap = None
for i, l in enumerate(lines):
    m = re.search(r'kill\(-(\d+), SIGKILL\)', l)
    if m and kill is None:
        kill, pid = i, m.group(1)
if kill is None:
    print("no kill(-pid, SIGKILL) in the trace"); sys.exit()
for i, l in enumerate(lines):
    if re.search(r'(wait4|waitid)\((P_PID, )?%s,' % pid, l) and \
            'WNOWAIT' not in l and re.search(r'= %s$' % pid, l):
        reap = i; break
print("kill first" if reap is not None and kill < reap else
      "reaped at line %s, group killed at line %s" % (reap, kill))
PY
)
check hook-group-killed-before-reaped "kill first" "$order"
fi

# ---------------------------------------------------------------------------
# 8. Order per resource, side by side across resources. Quickbutik events
# order.new and order.done of one order_id share a resource.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db", "max_running_hooks": 4,
  "endpoints": { "shop": { "provider": "quickbutik", "token": "$TOKEN",
    "hooks": { "*": { "run": ["$D/order.sh"], "timeout": 120 } } } } }
EOF
hook order.sh "exec 9>>$D/log
me=\"\$HOOKBOX_EVENT_TYPE:\$HOOKBOX_RESOURCE_ID\"
flock 9; echo \"start \$me\" >&9; flock -u 9
if [ \"\$me\" = order.new:A ]; then
	while [ ! -e $D/release ]; do sleep 0.1; done
fi
flock 9; echo \"end \$me\" >&9; flock -u 9"
out=$(get "/shop/$TOKEN" "event_type=order.new&order_id=A")
a1=$(answer_id "$out")
wait_until 60 logged "start order.new:A"
out=$(get "/shop/$TOKEN" "event_type=order.done&order_id=A")
a2=$(answer_id "$out")
get "/shop/$TOKEN" "event_type=order.new&order_id=B" >/dev/null
get "/shop/$TOKEN" "event_type=order.new&order_id=C" >/dev/null
if wait_until 60 eval 'logged "end order.new:B" && logged "end order.new:C"'; then
	pass order-others-run-while-blocked
else
	fail order-others-run-while-blocked "$(tr '\n' ';' <"$D/log")"
fi
# B and C were posted after A2 and have finished: runners passed A2 over.
# A `hookbox run` now must not start it either.
ran=$(hb run 2>&1)
check order-cli-run-skips-blocked-resource "" "$ran"
if logged "start order.done:A" || logged "end order.new:A"; then
	fail order-second-waits-for-first "$(tr '\n' ';' <"$D/log")"
else
	pass order-second-waits-for-first
fi
check order-second-pending pending "$(status "$a2")"
touch "$D/release"
if wait_until 60 is_status "$a2" succeeded; then
	pass order-second-runs-after-release
else
	fail order-second-runs-after-release "$(attempts "$a2" | tr '\n' ';')"
fi
check order-first-succeeded succeeded "$(status "$a1")"
end1=$(grep -nx "end order.new:A" "$D/log" | cut -d: -f1)
start2=$(grep -nx "start order.done:A" "$D/log" | cut -d: -f1)
if [ -n "$end1" ] && [ -n "$start2" ] && [ "$end1" -lt "$start2" ]; then
	pass order-log-first-ends-before-second-starts
else
	fail order-log-first-ends-before-second-starts "$(tr '\n' ';' <"$D/log")"
fi

# ---------------------------------------------------------------------------
# 8b. Order per resource holds across a retry: while A1's retry is waiting,
# A2 of the same resource waits too. A1's retry is an hour away, so nothing
# runs it until `hookbox replay` makes it due now.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "shop": { "provider": "quickbutik", "token": "$TOKEN",
    "hooks": { "*": { "run": ["$D/order.sh"], "retry_delay": 3600 } } } } }
EOF
hook order.sh "exec 9>>$D/log
me=\"\$HOOKBOX_EVENT_TYPE:\$HOOKBOX_RESOURCE_ID#\$HOOKBOX_ATTEMPT\"
flock 9; echo \"start \$me\" >&9; flock -u 9
[ \"\$me\" = order.new:A#1 ] && exit 1
flock 9; echo \"end \$me\" >&9; flock -u 9"
out=$(get "/shop/$TOKEN" "event_type=order.new&order_id=A")
a1=$(answer_id "$out")
wait_until 60 is_status "$a1" failed
out=$(get "/shop/$TOKEN" "event_type=order.done&order_id=A")
a2=$(answer_id "$out")
# B, posted after A2, finishing shows that runners passed A2 over.
get "/shop/$TOKEN" "event_type=order.new&order_id=B" >/dev/null
if wait_until 60 logged "end order.new:B#1" && ! logged "start order.done:A#1"; then
	pass order-waits-for-earlier-retry
else
	fail order-waits-for-earlier-retry "$(tr '\n' ';' <"$D/log")"
fi
check order-waiting-states "failed pending" "$(status "$a1") $(status "$a2")"
replayed=$(hb replay "$a1" 2>&1)
check order-replay-runs-retry-then-next \
    "event $a1 attempt 2: succeeded;event $a2 attempt 1: succeeded;" \
    "$(tr '\n' ';' <<<"$replayed")"
check order-log-after-retry \
    "start order.new:A#1;start order.new:B#1;end order.new:B#1;start order.new:A#2;end order.new:A#2;start order.done:A#1;end order.done:A#1;" \
    "$(tr '\n' ';' <"$D/log")"

# ---------------------------------------------------------------------------
# 13. No cron needed, even when a runner already waits for a later retry:
# X's retry is an hour away and a runner stays behind for it; Y then fails
# once with retry_delay 1 and must be retried without any request or cron.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": {
    "shop": { "provider": "quickbutik", "token": "$TOKEN",
              "hooks": { "order.new": { "run": ["$D/never.sh"], "retry_delay": 3600 } } },
    "cat":  { "provider": "flipsnack", "token": "$TOKEN",
              "hooks": { "order": { "run": ["$D/once.sh"], "retry_delay": 1 } } } } }
EOF
hook never.sh 'exit 1'
hook once.sh '[ "$HOOKBOX_ATTEMPT" -ge 2 ]'
out=$(get "/shop/$TOKEN" "event_type=order.new&order_id=X")
x=$(answer_id "$out")
wait_until 60 is_status "$x" failed
body "$D/y.json" '{"type":"order","order_id":"Y"}'
out=$(post "/cat/$TOKEN" "$D/y.json")
y=$(answer_id "$out")
if wait_until 60 is_status "$y" succeeded; then
	pass linger-retries-earlier-work
else
	fail linger-retries-earlier-work "Y is $(status "$y") after attempts $(attempts "$y" | tr '\n' ';'): the runner that stayed behind sleeps until X's retry"
fi

# ---------------------------------------------------------------------------
# 14. A redelivery (same key) is answered "duplicate" and runs nothing.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/note.sh"] } } } } }
EOF
hook note.sh "echo \$HOOKBOX_EVENT_ID >>$D/ran"
body "$D/d.json" '{"type":"order","order_id":"dup-1"}'
out=$(post "/cat/$TOKEN" "$D/d.json")
id=$(answer_id "$out")
wait_until 60 is_status "$id" succeeded
out=$(post "/cat/$TOKEN" "$D/d.json")
check_match duplicate-answer "\{\"status\":\"duplicate\",\"id\":$id\}" "$out"
hb run >/dev/null 2>&1
check duplicate-hook-ran-once "1;1 succeeded" "$(wc -l <"$D/ran");$(attempts "$id")"

# ---------------------------------------------------------------------------
# 15. Hooks are the work that can wait: they run at nice 19 (their runner
# does not), in their own process group but not a session of their own
# (where Linux schedules each session as a group, a new one would make the
# nice value count for nothing against the receivers).
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/prio.sh"] } } } } }
EOF
# /proc/PID/stat of the hook's shell: field 19 is nice, 5 the process
# group, 6 the session.
hook prio.sh "read -r -a f </proc/\$\$/stat
g=; [ \"\${f[4]}\" = \$\$ ] && g=own-group
s=; [ \"\${f[5]}\" != \$\$ ] && s=not-session-leader
read -r -a p </proc/\$PPID/stat
echo \"\${f[18]} \$g \$s runner-nice-\${p[18]}\" >$D/prio"
body "$D/p.json" '{"type":"order","order_id":"prio-1"}'
out=$(post "/cat/$TOKEN" "$D/p.json")
id=$(answer_id "$out")
wait_until 60 is_status "$id" succeeded
# The runner (the hook's parent) keeps the priority it was started with:
# at nice 19 it would hold the write lock for as long as the scheduler
# leaves it waiting, while the receivers wait for the lock.
check hook-low-priority-own-group "19 own-group not-session-leader runner-nice-$(nice)" \
    "$(cat "$D/prio" 2>/dev/null)"

# ---------------------------------------------------------------------------
# 9. The cap holds under a burst: 50 events of distinct resources posted in
# parallel, max_running_hooks 3, measured by the hooks themselves.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db", "max_running_hooks": 3, "busy_timeout_ms": 60000,
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/burst.sh"], "retry_delay": 1 } } } } }
EOF
hook burst.sh "exec 9>>$D/log
flock 9; echo \"start \$HOOKBOX_RESOURCE_ID\" >&9; flock -u 9
sleep 0.2
flock 9; echo \"end \$HOOKBOX_RESOURCE_ID\" >&9; flock -u 9"
for i in $(seq 1 50); do
	body "$D/b$i.json" "{\"type\":\"order\",\"order_id\":\"burst-$i\"}"
done
export CONF D TOKEN
seq 1 50 | xargs -P 8 -I{} bash -c \
    'cgi "$CONF" POST "/cat/$TOKEN" "$D/b$1.json" | tail -n 1; echo' _ {} \
    >"$D/answers" 2>"$D/answers.err"
check burst-all-accepted 50 "$(grep -c '"status":"accepted"' "$D/answers")"
nsucc() { hb list --status succeeded --limit 1000 | awk 'NR > 1' | wc -l; }
if wait_until 180 eval '[ "$(nsucc)" -eq 50 ]'; then
	pass burst-all-succeeded
else
	fail burst-all-succeeded "$(nsucc) of 50; $(hb stats | tail -n 4 | tr '\n' ';')"
fi
peak=$(awk '$1 == "start" { n++; if (n > m) m = n } $1 == "end" { n-- }
    END { print m + 0 }' "$D/log")
if [ "$peak" -ge 1 ] && [ "$peak" -le 3 ]; then
	pass "burst-cap-never-exceeded (peak $peak)"
else
	fail burst-cap-never-exceeded "peak concurrency $peak, cap 3"
fi
if [ "$peak" -gt 1 ]; then
	pass "burst-runs-side-by-side (peak $peak)"
else
	fail burst-runs-side-by-side "hooks never overlapped (peak $peak)"
fi
check burst-each-hook-ran-once 50 "$(grep -c '^start' "$D/log")"

# ---------------------------------------------------------------------------
# 11. Replay runs a succeeded event's hook again; events stored while no
# hook matched never run when a hook is added later, unless replayed.
scenario
write_conf() {
	cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { $1 } } } }
EOF
}
hook note.sh "echo \"\$HOOKBOX_EVENT_ID \$HOOKBOX_ATTEMPT\" >>$D/ran"
runs() { grep -c "^$1 " "$D/ran" 2>/dev/null; }
write_conf "\"order\": { \"run\": [\"$D/note.sh\"] }"
body "$D/p.json" '{"type":"order","order_id":"replay-1"}'
out=$(post "/cat/$TOKEN" "$D/p.json")
id=$(answer_id "$out")
wait_until 60 is_status "$id" succeeded
replayed=$(hb replay "$id" 2>&1)
check replay-prints-attempt "event $id attempt 1: succeeded" "$replayed"
check replay-ran-hook-twice 2 "$(runs "$id")"
check replay-new-attempt-row "1 succeeded;1 succeeded;" "$(attempts "$id" | tr '\n' ';')"

write_conf ""
body "$D/old.json" '{"type":"order","order_id":"no-hook-yet"}'
out=$(post "/cat/$TOKEN" "$D/old.json")
old=$(answer_id "$out")
check_match replay-no-hook-no-delivery 'deliveries: none' "$(hb show "$old")"
write_conf "\"order\": { \"run\": [\"$D/note.sh\"] }"
body "$D/new.json" '{"type":"order","order_id":"hook-now"}'
out=$(post "/cat/$TOKEN" "$D/new.json")
new=$(answer_id "$out")
wait_until 60 is_status "$new" succeeded
hb run >/dev/null 2>&1
check replay-later-event-ran 1 "$(runs "$new")"
check replay-old-event-not-run 0 "$(runs "$old")"
hb replay "$old" >/dev/null 2>&1
check replay-old-event-runs-when-replayed 1 "$(runs "$old")"

# ---------------------------------------------------------------------------
# 12. `hookbox run` (as from cron) does the due work and prints a line per
# attempt; `hookbox stats` counts by endpoint, type and state. The test
# holds the runner lock beside the database, so that no runner stays behind
# to do the retries, and schedules them an hour out, so that no runner a
# later request starts finds them due. It then makes them due by moving
# their time in the database (time passing) and leaves them to `hookbox run`.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": {
    "cat":  { "provider": "flipsnack", "token": "$TOKEN",
              "hooks": { "order": { "run": ["$D/second.sh"], "retry_delay": 3600 } } },
    "shop": { "provider": "quickbutik", "token": "$TOKEN",
              "hooks": { "order.new": { "run": ["$D/ex65.sh"] } } } } }
EOF
hook second.sh '[ "$HOOKBOX_ATTEMPT" -ge 2 ]'
hook ex65.sh 'exit 65'
exec {lockfd}>"$D/hookbox.db.runner"
flock "$lockfd"
body "$D/s1.json" '{"type":"order","order_id":"cron-1"}'
body "$D/s2.json" '{"type":"order","order_id":"cron-2"}'
out=$(post "/cat/$TOKEN" "$D/s1.json"); e1=$(answer_id "$out")
out=$(post "/cat/$TOKEN" "$D/s2.json"); e2=$(answer_id "$out")
out=$(get "/shop/$TOKEN" "event_type=order.new&order_id=cron-3")
# shellcheck disable=SC2034 # e3 is read in the eval below
e3=$(answer_id "$out")
# The runners the requests started have run attempt 1 and gone.
if wait_until 60 eval 'is_status $e1 failed && is_status $e2 failed &&
    is_status $e3 dead && [ -z "$(runner_pids "$CONF")" ]'; then
	pass cli-run-first-attempts-by-runners
else
	fail cli-run-first-attempts-by-runners "$(hb stats | tr '\n' ';')"
fi
: >"$D/run.out"
sqlite3 "$D/hookbox.db" "UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'failed' AND next_attempt_at IS NOT NULL"
if wait_until 60 eval 'hb run >>"$D/run.out" 2>&1; is_status $e1 succeeded && is_status $e2 succeeded'; then
	pass cli-run-does-due-work
else
	fail cli-run-does-due-work "$(tr '\n' ';' <"$D/run.out")"
fi
check cli-run-line-per-attempt \
    "event $e1 attempt 2: succeeded;event $e2 attempt 2: succeeded;" \
    "$(sort "$D/run.out" | tr '\n' ';')"
exec {lockfd}>&-
stats=$(hb stats)
# Sections: events (endpoint, type, count); hooks (endpoint, type, state,
# events); attempts (endpoint, hook, status, count).
norm=$(awk '/^[a-z]/ { s = $1; next } { $1 = $1; print s ": " $0 }' <<<"$stats" | tr '\n' ';')
check stats-counts \
    "events: cat order 2;events: shop order.new 1;hooks: cat order succeeded 2;hooks: shop order.new dead 1;attempts: cat order failed 2;attempts: cat order succeeded 2;attempts: shop order.new dead 1;" \
    "$norm"

# ---------------------------------------------------------------------------
# 16. Runners queue with the CGI writers on <database>.writers (src/store.c)
# instead of polling SQLite's lock: while someone else holds it, `hookbox
# run` runs nothing and gives up as busy after busy_timeout_ms; let go, it
# does the work. The retry is made due by hand, as in 12.
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db", "busy_timeout_ms": 300,
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/second.sh"], "retry_delay": 3600 } } } } }
EOF
hook second.sh "echo \"\$HOOKBOX_ATTEMPT\" >>$D/ran; [ \"\$HOOKBOX_ATTEMPT\" -ge 2 ]"
exec {lockfd}>"$D/hookbox.db.runner"
flock "$lockfd"
body "$D/q.json" '{"type":"order","order_id":"queued-1"}'
out=$(post "/cat/$TOKEN" "$D/q.json"); id=$(answer_id "$out")
wait_until 60 eval 'is_status $id failed && [ -z "$(runner_pids "$CONF")" ]'
sqlite3 "$D/hookbox.db" "UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'failed'"
if command -v flock >/dev/null; then
	coproc QUEUE { flock "$D/hookbox.db.writers" sh -c 'echo held; read -r _'; }
	read -r _ <&"${QUEUE[0]}"
	hb run >"$D/run.out" 2>&1
	rc=$?
	check runner-queued-gives-up-as-busy "1 1" "$rc $(wc -l <"$D/ran")"
	# Started with SIGALRM blocked (which ends the wait), the same.
	HOOKBOX_CONF=$CONF python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
os.execv(sys.argv[1], [sys.argv[1], "run"])' "$HOOKBOX" >>"$D/run.out" 2>&1
	rc=$?
	check runner-queued-sigalrm-blocked-gives-up "1 1" "$rc $(wc -l <"$D/ran")"
	echo >&"${QUEUE[1]}"
	wait "$QUEUE_PID" 2>/dev/null
	hb run >>"$D/run.out" 2>&1
	rc=$?
	check runner-queue-let-go-runs "0 2 succeeded" "$rc $(wc -l <"$D/ran") $(status "$id")"
else
	fail runner-queued "no flock(1) (util-linux)"
fi
exec {lockfd}>&-

# ---------------------------------------------------------------------------
# 17. During a flood (events arriving faster than 1,000 a second) a runner
# rests between hooks, nine times as long as its last run took, so that
# the receivers keep the machine (src/hooks.c give_way). A first hook holds
# the only slot (max_running_hooks 1) until six events are in, then six
# hooks of 50 ms follow one by one. The runner counts arrivals by event id
# between its looks (100 ms apart at least), so each of the six makes the
# flood itself, however fast or slow the machine: it writes one row
# straight into events, a billion ids past the newest, and every look from
# the second on sees a billion arrivals since the one before. The starts
# are then about 50 + 9 × 50 ms apart; back to back they would be about
# 60 ms apart, and resting three times as long (as hookbox once did) about
# 200. A slow machine only widens them. (A flood of real rows from a
# background loop made the case depend on how fast the machine writes
# them: a look that found fewer than one a millisecond since the one
# before let the next hook run at once.)
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db", "max_running_hooks": 1,
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/slow.sh"] } } } } }
EOF
flood_sql="INSERT INTO events (id, endpoint, provider, event_type, event_key, received_at, method, body)
SELECT max(id) + 1000000000, 'flood', 'generic', 'x', hex(randomblob(8)), 0, 'POST', x'' FROM events"
hook slow.sh "case \$HOOKBOX_EVENT_KEY in
*first*) while [ ! -e $D/go ]; do sleep 0.05; done; exit 0 ;;
esac
date +%s%N >>$D/starts
sqlite3 -cmd '.timeout 60000' $D/hookbox.db \"$flood_sql\" || exit 1
sleep 0.05"
body "$D/f0.json" '{"type":"order","order_id":"first"}'
out=$(post "/cat/$TOKEN" "$D/f0.json"); first=$(answer_id "$out")
wait_until 60 is_status "$first" running
ids=()
for i in 1 2 3 4 5 6; do
	body "$D/f$i.json" "{\"type\":\"order\",\"order_id\":\"flood-$i\"}"
	out=$(post "/cat/$TOKEN" "$D/f$i.json"); ids+=("$(answer_id "$out")")
done
touch "$D/go"
all_succeeded() { local i; for i in "${ids[@]}"; do [ "$(attempts "$i")" = "1 succeeded" ] || return 1; done; }
wait_until 120 all_succeeded
# The last three gaps between starts, in ms.
gaps=$(awk 'NR > 1 { g[NR] = int(($1 - p) / 1000000) } { p = $1 }
    END { printf "%s %s %s", g[NR - 2], g[NR - 1], g[NR] }' "$D/starts")
if [ "$(wc -l <"$D/starts")" -eq 6 ] &&
    awk -v g="$gaps" 'BEGIN { n = split(g, a, " "); for (i = 1; i <= n; i++) if (a[i] < 400) exit 1; exit n != 3 }'; then
	pass "runner-gives-way-in-a-flood ($gaps ms)"
else
	fail runner-gives-way-in-a-flood "last gaps between hook starts: $gaps ms (want >= 400); $(wc -l <"$D/starts") starts"
fi

# ---------------------------------------------------------------------------
# 18. A hooked event waits in hook_queue until a runner gives it its
# deliveries row (schema version 2): the receivers write one small row, the
# runner the rest. A queued event is shown, listed and counted as pending,
# run by the next runner, and replayed once, not twice. A version 1
# database is upgraded in place. The queued state is made by hand (a
# runner would dispatch it at once).
scenario
cat >"$CONF" <<EOF
{ "database": "$D/hookbox.db",
  "endpoints": { "cat": { "provider": "flipsnack", "token": "$TOKEN",
    "hooks": { "order": { "run": ["$D/note.sh"] } } } } }
EOF
hook note.sh "echo \"\$HOOKBOX_EVENT_ID \$HOOKBOX_ATTEMPT\" >>$D/ran"
runs() { grep -c "^$1 " "$D/ran" 2>/dev/null; }
body "$D/q.json" '{"type":"order","order_id":"queued-1"}'
out=$(post "/cat/$TOKEN" "$D/q.json")
id=$(answer_id "$out")
wait_until 60 is_status "$id" succeeded
check queue-empty-once-dispatched 0 "$(sqlite3 "$D/hookbox.db" "SELECT count(*) FROM hook_queue")"
requeue() {
	sqlite3 -cmd '.timeout 10000' "$D/hookbox.db" "DELETE FROM deliveries WHERE event_id = $1;
	    INSERT INTO hook_queue (event_id, hook, queued_at) VALUES ($1, 'order', strftime('%s', 'now'))"
}
requeue "$id"
check_match queue-show-says-queued 'deliveries: none yet \(queued for hook order\)' "$(hb show "$id")"
check queue-listed-as-pending yes "$(listed pending "$id" && echo yes)"
check_match queue-stats-count-pending 'order +pending +1' "$(hb stats)"
hb run >/dev/null 2>&1
check queue-run-by-next-runner "1 succeeded" "$(attempts "$id")"
check queue-ran-once-more 2 "$(runs "$id")"
requeue "$id"
hb replay "$id" >/dev/null 2>&1
check queue-replay-runs-once 3 "$(runs "$id")"
check queue-replay-one-delivery "1 succeeded" "$(attempts "$id")"
# Version 1: the same database without the queue (version 2), the
# rejects' count (version 3) and the inbox's tables and done_at (4).
V4_DROP="DROP TABLE settings; DROP TABLE sessions; DROP TABLE signin_throttle; ALTER TABLE deliveries DROP COLUMN done_at; "
sqlite3 "$D/hookbox.db" "DROP TABLE hook_queue; ALTER TABLE rejects DROP COLUMN count; $V4_DROP PRAGMA user_version = 1"
hb list >/dev/null 2>&1
check queue-v1-upgraded "5 1 1" "$(sqlite3 "$D/hookbox.db" "PRAGMA user_version; SELECT count(*) FROM sqlite_master WHERE name = 'hook_queue'; SELECT count(*) FROM pragma_table_info('rejects') WHERE name = 'count'" | tr '\n' ' ' | sed 's/ $//')"
# Version 2: without the rejects' count and version 4's.
sqlite3 "$D/hookbox.db" "ALTER TABLE rejects DROP COLUMN count; $V4_DROP PRAGMA user_version = 2"
hb list >/dev/null 2>&1
check rejects-v2-upgraded "5 1" "$(sqlite3 "$D/hookbox.db" "PRAGMA user_version; SELECT count(*) FROM pragma_table_info('rejects') WHERE name = 'count'" | tr '\n' ' ' | sed 's/ $//')"
# Version 3: without the inbox's tables and done_at.
sqlite3 "$D/hookbox.db" "$V4_DROP PRAGMA user_version = 3"
hb list >/dev/null 2>&1
check inbox-v3-upgraded "5 3 1" "$(sqlite3 "$D/hookbox.db" "PRAGMA user_version; SELECT count(*) FROM sqlite_master WHERE name IN ('settings', 'sessions', 'signin_throttle'); SELECT count(*) FROM pragma_table_info('deliveries') WHERE name = 'done_at'" | tr '\n' ' ' | sed 's/ $//')"
body "$D/q2.json" '{"type":"order","order_id":"queued-2"}'
out=$(post "/cat/$TOKEN" "$D/q2.json")
id2=$(answer_id "$out")
wait_until 60 is_status "$id2" succeeded
check queue-v1-then-runs "1 succeeded" "$(attempts "$id2")"

# ---------------------------------------------------------------------------
wait "$runner_killed_job"
cat "$ROOT/runner-killed.out"
failed=$((failed + $(grep -c '^FAIL ' "$ROOT/runner-killed.out")))
[ "$failed" -eq 0 ]
