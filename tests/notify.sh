#!/usr/bin/env bash
# Notices to the owner (issue 21, README "Notifications and retention"):
# a fake sendmail (the "sendmail" key) keeps each message in a file, a
# fake notify script keeps what it read. Each trigger sends, one message
# per cause per window, a storm is one digest, a missing sendmail and a
# hanging script are recorded and retried, and nothing a sender chose can
# add a header or a line to a mail.
#
# The window is moved by rewriting the upkeep table's times (what was
# sent when lives in the database), never by sleeping it out.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi).
set -u
. "$(dirname "$0")/lib/common.sh"
export HOOKBOX

failed=0
fail() { printf 'FAIL %s: %s\n' "$1" "${2//$'\n'/ | }"; failed=$((failed + 1)); }
command -v sqlite3 >/dev/null || { fail setup "sqlite3 is missing"; exit 1; }

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/hookbox-notify.XXXXXX")
runner_pids() {
	local e
	for e in /proc/[0-9]*/environ; do
		if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -q "^HOOKBOX_CONF=$ROOT/"; then
			e=${e#/proc/}
			echo "${e%/environ}"
		fi
	done
}
cleanup() {
	local p
	for p in $(jobs -p) $(runner_pids); do
		[ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$ROOT"
}
trap cleanup EXIT

wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}

TOKEN=tok-0123456789abcdef

# scenario HOOKBODY [NOTIFY-JSON] [EXTRA-TOP-JSON]: a fresh directory with
# a hook, the fake sendmail and a config; sets D, CONF.
scenario() {
	D=$(mktemp -d "$ROOT/s.XXXXXX")
	CONF=$D/hookbox.conf
	mkdir "$D/mail"
	cat >"$D/sendmail" <<EOF
#!/bin/bash
# argv, then the message; in place only once whole (a test reads it as
# soon as it is there)
t=\$(mktemp "$D/.mail.XXXXXX")
{ printf '%s\n' "\$*"; cat; } >"\$t"
mv "\$t" "$D/mail/m.\$(date +%s%N)"
EOF
	printf '#!/bin/bash\n%s\n' "$1" >"$D/hook.sh"
	chmod +x "$D/sendmail" "$D/hook.sh"
	local notify=${2:-}
	[ -n "$notify" ] || notify='{ "email": "owner@shop.example", "sendmail": "sendmail",
	    "url": "https://shop.example/cgi-bin/hookbox.fcgi" }'
	cat >"$CONF" <<EOF
{ "database": "hookbox.db",
  "notify": $notify,
  "endpoints": {
    "shop": { "provider": "flipsnack", "token": "$TOKEN",
              "hooks": { "order": { "run": ["hook.sh"], "retry_delay": 1,
                                    "max_attempts": 6 } } } } }
EOF
	hb init >/dev/null || fail "$NAME" "init failed"
}

hb() { HOOKBOX_CONF=$CONF "$HOOKBOX" "$@"; }

# post ID [PATH]: one order through CGI, as a web server runs it.
post() {
	local body="{\"type\":\"order\",\"order_id\":\"$1\"}"
	printf '%s' "$body" | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    PATH_INFO="${2:-/shop/$TOKEN}" CONTENT_LENGTH=${#body} \
	    CONTENT_TYPE=application/json REMOTE_ADDR=127.0.0.1 \
	    HOOKBOX_CONF="$CONF" "$HOOKBOX"
}

mails() { find "$D/mail" -type f | wc -l; }
has_mails() { [ "$(mails)" -ge "$1" ]; }
mail_n() { find "$D/mail" -type f | sort | sed -n "${1}p"; }
# The window has passed for every cause (as if an hour went by).
age_window() { sqlite3 "$D/hookbox.db" "UPDATE upkeep SET last_sent = last_sent - 7200, last_try = last_try - 7200, next_at = 0"; }
# No runner of this scenario is left (the digests are all out).
no_runner() { [ -z "$(runner_pids | while read -r p; do tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q "^HOOKBOX_CONF=$D/" && echo "$p"; done)" ]; }

# ---------------------------------------------------------------------------
NAME="dead hooks: one digest lists each event, its last output line, link and command"
scenario 'echo "first line"; echo "shop db: connection refused"; exit 65'
for i in 1 2 3; do post "d$i" >/dev/null; done
if ! wait_until 30 has_mails 1; then
	fail "$NAME" "no mail within 30 s"
else
	wait_until 30 no_runner
	m=$(cat "$(mail_n 1)")
	if [ "$(mails)" != 1 ]; then fail "$NAME" "$(mails) mails"
	elif ! grep -qx -- '-t -i' <<<"$m"; then fail "$NAME" "sendmail not run with -t -i: $m"
	elif ! grep -qx 'To: owner@shop.example' <<<"$m"; then fail "$NAME" "no To: $m"
	elif ! grep -qx 'Subject: hookbox: 3 hooks dead' <<<"$m"; then fail "$NAME" "subject: $m"
	elif [ "$(grep -c '^Event [123], endpoint shop, type order, resource d[123]$' <<<"$m")" != 3 ]; then fail "$NAME" "events: $m"
	elif [ "$(grep -c '^  last output: shop db: connection refused$' <<<"$m")" != 3 ]; then fail "$NAME" "output line: $m"
	elif ! grep -qx '  inbox: https://shop.example/cgi-bin/hookbox.fcgi/_inbox/event/2' <<<"$m"; then fail "$NAME" "link: $m"
	elif ! grep -q "^  retry: HOOKBOX_CONF=$CONF .*hookbox.fcgi replay 3$" <<<"$m"; then fail "$NAME" "command: $m"
	else pass "$NAME"; fi
fi

NAME="one message per cause per window: a later dead hook waits for the window"
post d4 >/dev/null
wait_until 20 no_runner
sleep 1
hb run >/dev/null 2>&1
if [ "$(mails)" != 1 ]; then
	fail "$NAME" "a second mail inside the window"
else
	age_window
	hb run >/dev/null 2>&1
	if [ "$(mails)" != 2 ] || ! grep -q '^Event 4, ' "$(mail_n 2)" || grep -q '^Event 1,' "$(mail_n 2)"; then
		fail "$NAME" "after the window: $(mails) mails: $(cat "$(mail_n 2)" 2>/dev/null)"
	else pass "$NAME"; fi
fi

NAME="hookbox notify lists what was sent when"
out=$(hb notify)
check_match "$NAME" '^dead: last sent [0-9-]+T' "$out"

# ---------------------------------------------------------------------------
NAME="a storm of 500 dead hooks gives one mail"
scenario 'exit 65'
for i in $(seq 1 500); do post "s$i" >/dev/null; done
wait_until 60 no_runner
hb run >/dev/null 2>&1
wait_until 60 no_runner
total=$(sqlite3 "$D/hookbox.db" "SELECT count(*) FROM deliveries WHERE status = 'dead'")
if [ "$total" != 500 ]; then fail "$NAME" "$total dead, not 500"
elif [ "$(mails)" != 1 ]; then fail "$NAME" "$(mails) mails"
elif ! grep -qx 'Subject: hookbox: 500 hooks dead' "$(mail_n 1)"; then fail "$NAME" "$(grep Subject "$(mail_n 1)")"
elif ! grep -q '^\.\.\. and 450 more: .* list --status dead$' "$(mail_n 1)"; then fail "$NAME" "no 'and 450 more'"
else pass "$NAME"; fi

# ---------------------------------------------------------------------------
NAME="an event's hook failing notify.failures times in a row sends a notice"
scenario 'echo "try $HOOKBOX_ATTEMPT"; exit 1' \
    '{ "email": "owner@shop.example", "sendmail": "sendmail", "failures": 2 }'
post f1 >/dev/null
if ! wait_until 40 has_mails 1; then
	fail "$NAME" "no mail: $(hb show 1 | tail -5)"
else
	m=$(cat "$(mail_n 1)")
	if ! grep -qx 'Subject: hookbox: 1 hook failing' <<<"$m"; then fail "$NAME" "$m"
	elif ! grep -q 'failed 2 times in a row' <<<"$m"; then fail "$NAME" "$m"
	elif ! grep -qx '  last output: try 2' <<<"$m"; then fail "$NAME" "$m"
	elif grep -q '_inbox' <<<"$m"; then fail "$NAME" "a link without notify.url: $m"
	else pass "$NAME"; fi
fi

# ---------------------------------------------------------------------------
NAME="refused requests jumping at an endpoint send a notice"
scenario 'exit 0'
for i in $(seq 1 12); do post "r$i" "/shop/wrong-token-0123456789" >/dev/null; done
hb run >/dev/null 2>&1
m=$(cat "$(mail_n 1)" 2>/dev/null)
if [ "$(mails)" != 1 ]; then fail "$NAME" "$(mails) mails"
elif ! grep -qx 'Subject: hookbox: requests refused at 1 endpoint' <<<"$m"; then fail "$NAME" "$m"
elif ! grep -q '^Endpoint shop: 12 refused in the last hour' <<<"$m"; then fail "$NAME" "$m"
else pass "$NAME"; fi

NAME="refusals after a day that had some send nothing"
scenario 'exit 0'
sqlite3 "$D/hookbox.db" "INSERT INTO rejects (received_at, endpoint, status, reason) VALUES (strftime('%s','now') - 7200, 'shop', 401, 'old')"
for i in $(seq 1 12); do post "r$i" "/shop/wrong-token-0123456789" >/dev/null; done
hb run >/dev/null 2>&1
check "$NAME" 0 "$(mails)"

NAME="refusals at an endpoint the config lacks send nothing"
scenario 'exit 0'
for i in $(seq 1 12); do post "r$i" "/nosuch/$TOKEN" >/dev/null; done
hb run >/dev/null 2>&1
check "$NAME" 0 "$(mails)"

# ---------------------------------------------------------------------------
NAME="the store failing (503s answered) sends a notice, once per window"
scenario 'exit 0'
post ok1 >/dev/null
touch "$D/hookbox.db.fsync-failed"
out=$(post sf1)
post sf2 >/dev/null
if ! grep -q '^Status: 503' <<<"$out"; then
	fail "$NAME" "not a 503: $out"
elif ! wait_until 20 has_mails 1; then
	fail "$NAME" "no mail; store-failed: $(cat "$D/hookbox.db.store-failed" 2>&1)"
else
	m=$(cat "$(mail_n 1)")
	post sf3 >/dev/null
	sleep 1
	hb run >/dev/null 2>&1
	if ! grep -qx 'Subject: hookbox: the event store is failing' <<<"$m"; then fail "$NAME" "$m"
	elif ! grep -q 'fsync-failed exists' <<<"$m"; then fail "$NAME" "$m"
	elif [ "$(mails)" != 1 ]; then fail "$NAME" "$(mails) mails inside the window"
	else pass "$NAME"; fi
fi

NAME="a real store failure (a write SQLite refuses) answers 503 and sends one notice; a second failure in the window sends none"
scenario 'exit 0'
post ok1 >/dev/null
wait_until 20 no_runner
# Every insert into events fails inside SQLite, as a full disk or an I/O
# error would: works as root, where chmod stops nothing.
sqlite3 "$D/hookbox.db" "CREATE TRIGGER t_fail BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'simulated disk I/O error'); END"
out=$(post sf1)
if ! grep -q '^Status: 503' <<<"$out"; then
	fail "$NAME" "not a 503: $out"
elif ! cat "$D"/hookbox.db.store-failed* 2>/dev/null | grep -q 'simulated disk I/O error'; then
	# (.store-failed.sent once the runner the 503 started has sent it)
	fail "$NAME" "not noted: $(cat "$D"/hookbox.db.store-failed* 2>&1)"
else
	# The store heals; the runner (or cron's run) sends the notice.
	sqlite3 "$D/hookbox.db" "DROP TRIGGER t_fail"
	wait_until 20 has_mails 1
	wait_until 20 no_runner
	hb run >/dev/null 2>&1
	m=$(cat "$(mail_n 1)" 2>/dev/null)
	n1=$(mails)
	# A second failure inside the window: noted, no second mail.
	sqlite3 "$D/hookbox.db" "CREATE TRIGGER t_fail BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'simulated again'); END"
	out2=$(post sf2)
	sqlite3 "$D/hookbox.db" "DROP TRIGGER t_fail"
	wait_until 20 no_runner
	hb run >/dev/null 2>&1
	ok3=$(post ok3)
	if [ "$n1" != 1 ]; then fail "$NAME" "$n1 mails after the first failure"
	elif ! grep -qx 'Subject: hookbox: the event store is failing' <<<"$m"; then fail "$NAME" "$m"
	elif ! grep -q '^1 failure noted; the last:$' <<<"$m" || ! grep -q '^  .*simulated disk I/O error' <<<"$m"; then fail "$NAME" "the failure is not listed: $m"
	elif grep -q 'fsync-failed' <<<"$m"; then fail "$NAME" "an fsync notice without one: $m"
	elif ! grep -q '^Status: 503' <<<"$out2"; then fail "$NAME" "the second failure: not a 503: $out2"
	elif [ "$(mails)" != 1 ]; then fail "$NAME" "$(mails) mails: a second inside the window"
	elif ! grep -q 'simulated again' "$D/hookbox.db.store-failed" 2>/dev/null; then fail "$NAME" "the second failure is not kept for the next window"
	elif ! grep -q '"status":"accepted"' <<<"$ok3"; then fail "$NAME" "healed, yet: $ok3"
	else pass "$NAME"; fi
fi

NAME="a database that cannot be opened at all: 503, and hookbox run sends the store's notice"
scenario 'exit 0'
post ok1 >/dev/null
wait_until 20 no_runner
mv "$D/hookbox.db" "$D/hookbox.db.real"
mkdir "$D/hookbox.db"	# SQLite cannot open a directory, root or not
out=$(post cf1)
wait_until 20 no_runner
rm -f "$D"/mail/*	# only what `hookbox run` sends counts here
rm -f "$D/hookbox.db.store-notified"
echo "2026-01-01T00:00:00Z cannot open the database" >>"$D/hookbox.db.store-failed"
run_out=$(hb run 2>&1); run_rc=$?
m=$(cat "$(mail_n 1)" 2>/dev/null)
rmdir "$D/hookbox.db"
mv "$D/hookbox.db.real" "$D/hookbox.db"
if ! grep -q '^Status: 503' <<<"$out"; then fail "$NAME" "not a 503: $out"
elif [ "$run_rc" = 0 ]; then fail "$NAME" "hookbox run exited 0 without a database: $run_out"
elif [ "$(mails)" != 1 ]; then fail "$NAME" "$(mails) mails from hookbox run: $run_out"
elif ! grep -qx 'Subject: hookbox: the event store is failing' <<<"$m"; then fail "$NAME" "$m"
elif ! grep -q 'cannot open the database' <<<"$m"; then fail "$NAME" "$m"
else pass "$NAME"; fi

NAME="the store's notice counts a long noted line once and reads a bounded part of a grown file"
scenario 'exit 0'
{ printf '2026-01-01T00:00:00Z %s\n' "$(head -c 3000 /dev/zero | tr '\0' x)"
  echo "2026-01-01T00:00:01Z disk I/O error"; } >"$D/hookbox.db.store-failed"
hb run >/dev/null 2>&1
m=$(cat "$(mail_n 1)" 2>/dev/null)
# A file grown to 20 MB (not by hookbox, which stops at 64 KiB): still one
# message, quickly, counting only what it read.
rm -f "$D/hookbox.db.store-notified"
yes '2026-01-01T00:00:02Z grown' | head -c 20000000 >"$D/hookbox.db.store-failed"
t0=$SECONDS
hb run >/dev/null 2>&1
m2=$(cat "$(mail_n 2)" 2>/dev/null)
n2=$(sed -n 's/^\([0-9]*\) failures noted; the last:$/\1/p' <<<"$m2")
if [ "$(grep -c '' <<<"$m")" -lt 3 ] || ! grep -q '^2 failures noted; the last:$' <<<"$m"; then fail "$NAME" "$m"
elif ! grep -q '^  2026-01-01T00:00:01Z disk I/O error$' <<<"$m"; then fail "$NAME" "$m"
elif [ -z "$n2" ] || [ "$n2" -gt 3000 ]; then fail "$NAME" "a grown file: ${n2:-no} failures counted: $(head -c 600 <<<"$m2")"
elif [ $((SECONDS - t0)) -gt 5 ]; then fail "$NAME" "$((SECONDS - t0)) s for a grown file"
else pass "$NAME"; fi

# ---------------------------------------------------------------------------
NAME="an endpoint quiet longer than its quiet_after sends one notice per silence"
scenario 'exit 0'
sed -i 's/"provider": "flipsnack",/"provider": "flipsnack", "quiet_after": 600,/' "$CONF"
post q1 >/dev/null
wait_until 20 no_runner
hb run >/dev/null 2>&1
n0=$(mails)
sqlite3 "$D/hookbox.db" "UPDATE events SET received_at = received_at - 1000"
hb run >/dev/null 2>&1
age_window
hb run >/dev/null 2>&1
m=$(cat "$(mail_n 1)" 2>/dev/null)
if [ "$n0" != 0 ]; then fail "$NAME" "a notice while not quiet"
elif [ "$(mails)" != 1 ]; then fail "$NAME" "$(mails) mails"
elif ! grep -qx 'Subject: hookbox: 1 endpoint quiet' <<<"$m"; then fail "$NAME" "$m"
else pass "$NAME"; fi

# ---------------------------------------------------------------------------
NAME="a missing sendmail is recorded, and the notice is sent once it is there"
scenario 'exit 65' '{ "email": "owner@shop.example", "sendmail": "no-such-sendmail" }'
post m1 >/dev/null
wait_until 30 no_runner
out=$(hb notify)
if ! grep -q '^dead: last sent never; 1 failure, last at .*exited 127\|^dead: last sent never; 1 failure, last at .*cannot' <<<"$out"; then
	fail "$NAME" "not recorded: $out"
else
	sed -i 's/no-such-sendmail/sendmail/' "$CONF"
	age_window
	hb run >/dev/null 2>&1
	if [ "$(mails)" != 1 ] || ! grep -q '^Event 1, ' "$(mail_n 1)"; then fail "$NAME" "$(mails) mails after the retry"
	else pass "$NAME"; fi
fi

# ---------------------------------------------------------------------------
NAME="a notify script that hangs is killed at its timeout and recorded; receiving goes on"
scenario 'exit 65' '{ "run": ["notify.sh"], "timeout": 2 }'
printf '#!/bin/bash\nsleep 300\n' >"$D/notify.sh"
chmod +x "$D/notify.sh"
post h1 >/dev/null
sleep 7		# the runner's settle (5 s), then the script starts
t0=$(date +%s%N)
out=$(post h2)
t1=$(date +%s%N)
wait_until 40 no_runner
st=$(hb notify)
if ! grep -q '"status":"accepted"' <<<"$out" || [ $(((t1 - t0) / 1000000)) -gt 2000 ]; then
	fail "$NAME" "a request during the hang: $((( t1 - t0) / 1000000)) ms: $out"
elif ! grep -q 'timed out after 2 s' <<<"$st"; then fail "$NAME" "not recorded: $st"
elif pgrep -f "$D/notify.sh" >/dev/null; then fail "$NAME" "the script still runs"
else pass "$NAME"; fi

# ---------------------------------------------------------------------------
NAME="the notify script gets the message as JSON and only HOOKBOX_* variables"
scenario 'exit 65' '{ "run": ["notify.sh"] }'
cat >"$D/notify.sh" <<EOF
#!/bin/bash
cat >"$D/in.json"
env | sort >"$D/env"
EOF
chmod +x "$D/notify.sh"
out=$(hb notify --test)
if ! grep -q "given to $D/notify.sh" <<<"$out"; then fail "$NAME" "$out"
elif ! python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["cause"]=="test" and "text" in m' "$D/in.json"; then fail "$NAME" "$(cat "$D/in.json")"
elif [ "$(grep -c '^HOOKBOX_' "$D/env")" != 2 ] || grep -q '^HOOKBOX_CONF' "$D/env"; then fail "$NAME" "$(cat "$D/env")"
else pass "$NAME"; fi
post j1 >/dev/null
NAME="the notify script's digest lists each event as JSON"
wait_until 30 no_runner
if ! python3 -c '
import json,sys
m=json.load(open(sys.argv[1]))
assert m["cause"]=="dead" and m["total"]==1, m
e=m["items"][0]
assert e["id"]==1 and e["endpoint"]=="shop" and e["type"]=="order" and e["resource"]=="j1", e
assert e["retry"].endswith("replay 1"), e
' "$D/in.json" 2>&1; then fail "$NAME" "$(cat "$D/in.json")"
else pass "$NAME"; fi

# ---------------------------------------------------------------------------
NAME="hookbox notify --test says where it went"
scenario 'exit 0'
out=$(hb notify --test)
check_match "$NAME" "^sent to owner@shop.example through $D/sendmail$" "$out"
NAME="the test message is a mail"
check_match "$NAME" 'Subject: hookbox: test message' "$(cat "$(mail_n 1)" 2>/dev/null)"

# ---------------------------------------------------------------------------
NAME="a hook's output cannot add a header or a line to the mail"
scenario 'printf "first\nok\rBcc: evil@attacker.example\rSubject: pwned\x1b[31mred"; exit 65'
post i1 >/dev/null
if ! wait_until 30 has_mails 1; then fail "$NAME" "no mail"
else
	m=$(cat "$(mail_n 1)")
	if grep -qi '^bcc:\|^Subject: pwned' <<<"$m"; then fail "$NAME" "injected: $m"
	elif ! grep -qxF '  last output: ok\rBcc: evil@attacker.example\rSubject: pwned\x1b[31mred' <<<"$m"; then fail "$NAME" "not escaped: $m"
	elif grep -q $'\x1b' <<<"$m"; then fail "$NAME" "an ESC byte in the mail"
	else pass "$NAME"; fi
fi

NAME="an event type or resource with control bytes never reaches a mail raw"
out=$(printf '{"type":"order","order_id":"x\\r\\nBcc: evil@attacker.example"}' | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
    PATH_INFO="/shop/$TOKEN" CONTENT_LENGTH=52 CONTENT_TYPE=application/json REMOTE_ADDR=127.0.0.1 HOOKBOX_CONF="$CONF" "$HOOKBOX")
wait_until 30 no_runner
age_window
hb run >/dev/null 2>&1
if grep -qi '^bcc:' "$D"/mail/*; then fail "$NAME" "injected"
else pass "$NAME"; fi

NAME="config: an address with a line break, a comma or a space is refused"
scenario 'exit 0'
bad=0
for a in 'owner@shop.example\r\nBcc: x@y.example' 'a@b.example, c@d.example' 'a b@c.example' '-oQ/tmp@x.example' 'nobody'; do
	sed -i "s|\"email\": \"[^\"]*\"|\"email\": \"$a\"|" "$CONF"
	if hb check >/dev/null 2>&1; then bad=1; echo "accepted: $a" >&2; fi
	sed -i "s|\"email\": \"[^\"]*\"|\"email\": \"owner@shop.example\"|" "$CONF"
done
check "$NAME" 0 "$bad"

# ---------------------------------------------------------------------------
NAME="hookbox check says where notices go, the window, the thresholds, keep_days and prune_interval"
scenario 'exit 0' '{ "email": "owner@shop.example", "sendmail": "sendmail", "window": 600, "failures": 4, "refused": 20 }'
sed -i 's/"database": "hookbox.db",/"database": "hookbox.db", "keep_days": 30, "prune_interval": 120,/' "$CONF"
out=$(hb check 2>&1)
if ! grep -qx "notify: mail to owner@shop.example through $D/sendmail; timeout 30 s, window 600 s, failures 4, refused 20" <<<"$out"; then fail "$NAME" "$out"
elif ! grep -qx 'retention: keep_days shop 30 (0 keeps all), prune_interval 120 s' <<<"$out"; then fail "$NAME" "$out"
elif grep -q '^warning: notify\|^warning: no "notify"' <<<"$out"; then fail "$NAME" "a notify warning with a working sendmail: $out"
else pass "$NAME"; fi

NAME="hookbox check warns when the sendmail program is not executable, or not there"
chmod -x "$D/sendmail"	# root too: no x bit at all is refused
out1=$(hb check 2>&1)
rm "$D/sendmail"
out2=$(hb check 2>&1)
if ! grep -qx "warning: notify.sendmail $D/sendmail is not an executable file: notices by mail will fail" <<<"$out1"; then fail "$NAME" "not executable: $out1"
elif ! grep -qx "warning: notify.sendmail $D/sendmail does not exist: notices by mail will fail" <<<"$out2"; then fail "$NAME" "missing: $out2"
else pass "$NAME"; fi

NAME="hookbox check names the notify script and escapes what it prints"
scenario 'exit 0' '{ "run": ["notify.sh"], "timeout": 7 }'
printf '#!/bin/bash\ncat >/dev/null\n' >"$D/notify-$(printf '\033')[31m.sh"
chmod +x "$D/notify-"*
sed -i 's|"notify.sh"|"notify-\\u001b[31m.sh"|' "$CONF"
out=$(hb check 2>&1)
if grep -q $'\x1b' <<<"$out"; then fail "$NAME" "an ESC byte in check's output"
elif ! grep -qxF "notify: script $D/notify-\\x1b[31m.sh; timeout 7 s, window 3600 s, failures 3, refused 10" <<<"$out"; then fail "$NAME" "$out"
else pass "$NAME"; fi

NAME="hookbox check warns when notify is absent: a dead hook would go unnoticed"
scenario 'exit 0'
python3 - "$CONF" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1])); del c["notify"]
c["endpoints"]["shop"]["keep_days"] = 0
json.dump(c, open(sys.argv[1], "w"))
EOF
out=$(hb check 2>&1)
if ! grep -q '^warning: no "notify" in the config: a dead hook' <<<"$out"; then fail "$NAME" "$out"
elif grep -q '^notify:' <<<"$out"; then fail "$NAME" "$out"
elif ! grep -qx 'retention: keep_days shop 0 (0 keeps all), prune_interval 3600 s' <<<"$out"; then fail "$NAME" "$out"
else pass "$NAME"; fi

exit $((failed > 0))
