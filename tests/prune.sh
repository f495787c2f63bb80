#!/usr/bin/env bash
# Retention (issue 21, README "Notifications and retention"): keep_days,
# `hookbox prune [--before DATE] [--endpoint E] [--dry-run]`, pruning by
# itself from the runner, incremental vacuum. Age is made by rewriting
# events.received_at, never by waiting. Last, under load: CGI requests in
# parallel while the automatic prune runs lose no new event and the
# database file stays the same size round after round.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi).
set -u
. "$(dirname "$0")/lib/common.sh"
export HOOKBOX

failed=0
fail() { printf 'FAIL %s: %s\n' "$1" "${2//$'\n'/ | }"; failed=$((failed + 1)); }
command -v sqlite3 >/dev/null || { fail setup "sqlite3 is missing"; exit 1; }

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/hookbox-prune.XXXXXX")
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
# No runner of this scenario is left.
no_runner() { ! runner_pids | while read -r p; do tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null; done | grep -q "^HOOKBOX_CONF=$D/"; }

TOKEN=tok-0123456789abcdef

# scenario TOP-JSON: two endpoints, "shop" with a hook; sets D, CONF.
scenario() {
	D=$(mktemp -d "$ROOT/s.XXXXXX")
	CONF=$D/hookbox.conf
	printf '#!/bin/bash\nexit 0\n' >"$D/hook.sh"
	printf '#!/bin/bash\nexit 1\n' >"$D/fail.sh"
	chmod +x "$D/hook.sh" "$D/fail.sh"
	cat >"$CONF" <<EOF
{ "database": "hookbox.db", ${1:-}
  "endpoints": {
    "shop": { "provider": "flipsnack", "token": "$TOKEN", ${2:-}
              "hooks": { "order": { "run": ["hook.sh"] },
                         "slow": { "run": ["fail.sh"], "retry_delay": 3600 } } },
    "leads": { "provider": "fliplink", "token": "$TOKEN" } } }
EOF
	hb init >/dev/null || fail "$NAME" "init failed"
}
hb() { HOOKBOX_CONF=$CONF "$HOOKBOX" "$@"; }
post() {
	local body="{\"type\":\"${3:-order}\",\"order_id\":\"$1\",\"id\":\"$1\"}"
	printf '%s' "$body" | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    PATH_INFO="/${2:-shop}/$TOKEN" CONTENT_LENGTH=${#body} \
	    CONTENT_TYPE=application/json REMOTE_ADDR=127.0.0.1 \
	    HOOKBOX_CONF="$CONF" "$HOOKBOX"
}
q() { sqlite3 -cmd '.timeout 10000' "$D/hookbox.db" "$@"; }
# age DAYS ID...: those events were received DAYS days ago.
age() { local d=$1; shift; q "UPDATE events SET received_at = strftime('%s','now') - $d * 86400 WHERE id IN ($(IFS=,; echo "$*"))"; }
ids() { q "SELECT group_concat(id, ' ') FROM (SELECT id FROM events ORDER BY id)"; }

# ---------------------------------------------------------------------------
NAME="a new database gives freed pages back (auto_vacuum incremental)"
scenario '"keep_days": 30,'
check "$NAME" 2 "$(q 'PRAGMA auto_vacuum')"

NAME="prune by age: old events go with their deliveries, new ones stay"
for i in 1 2 3 4; do post "a$i" >/dev/null; done
post l1 leads lead.captured >/dev/null
wait_until 30 no_runner
age 40 1 2 5
age 10 3
out=$(hb prune)
if [ "$(ids)" != "4" ] && [ "$(ids)" != "3 4" ]; then fail "$NAME" "left: $(ids): $out"
elif [ "$(ids)" != "3 4" ]; then fail "$NAME" "left: $(ids)"
elif [ "$(q 'SELECT count(*) FROM deliveries WHERE event_id IN (1, 2)')" != 0 ]; then fail "$NAME" "deliveries left"
elif ! grep -qx 'shop: removed 2 events and 2 hook attempts received before .*' <<<"$out"; then fail "$NAME" "$out"
elif ! grep -qx 'leads: removed 1 event and 0 hook attempts received before .*' <<<"$out"; then fail "$NAME" "$out"
else pass "$NAME"; fi

NAME="keep_days per endpoint overrides the top level; 0 keeps for ever"
scenario '"keep_days": 30,' '"keep_days": 0,'
post k1 >/dev/null
post k2 leads lead.captured >/dev/null
wait_until 30 no_runner
age 400 1 2
out=$(hb prune)
check "$NAME" "1" "$(ids)"

NAME="prune --dry-run says what would go and removes nothing"
scenario '"keep_days": 30,'
for i in 1 2 3; do post "d$i" >/dev/null; done
wait_until 30 no_runner
age 40 1 2
out=$(hb prune --dry-run)
if [ "$(ids)" != "1 2 3" ]; then fail "$NAME" "removed: left $(ids)"
elif ! grep -qx 'shop: would remove 2 events and 2 hook attempts received before .*' <<<"$out"; then fail "$NAME" "$out"
else pass "$NAME"; fi

NAME="prune --endpoint takes only that endpoint's"
post l1 leads lead.captured >/dev/null
age 40 4
out=$(hb prune --endpoint leads)
if [ "$(ids)" != "1 2 3" ]; then fail "$NAME" "left $(ids): $out"
elif ! grep -qx 'leads: removed 1 event and 0 hook attempts .*' <<<"$out" || grep -q '^shop' <<<"$out"; then fail "$NAME" "$out"
else pass "$NAME"; fi

NAME="prune --before DATE overrides keep_days"
out=$(hb prune --before "$(date -u -d '+1 day' +%Y-%m-%d)" --endpoint shop)
check "$NAME" "" "$(ids)"

NAME="prune --before refuses what is not a date"
hb prune --before yesterday >/dev/null 2>&1
check "$NAME" 2 "$?"

NAME="prune spares an event whose hook waits (queued, or failed with a retry to come) or runs"
scenario '"keep_days": 30,'
post w1 shop slow >/dev/null		# fails; its retry is an hour away
wait_until 5 eval '[ "$(q "SELECT count(*) FROM deliveries WHERE next_attempt_at IS NOT NULL")" = 1 ]'
post w2 >/dev/null
wait_until 30 no_runner
post w3 >/dev/null
wait_until 30 no_runner
post w4 >/dev/null
wait_until 30 no_runner
# 3 queued again (not yet dispatched), 4 running under a lease, 2 done.
q "DELETE FROM deliveries WHERE event_id = 3; INSERT INTO hook_queue (event_id, hook, queued_at) VALUES (3, 'order', 0)"
q "UPDATE deliveries SET status = 'running', lease_until = strftime('%s','now') + 3600 WHERE event_id = 4"
age 40 1 2 3 4
out=$(hb prune)
if [ "$(ids)" != "1 3 4" ]; then fail "$NAME" "left $(ids): $out"
elif ! grep -q 'shop: removed 1 event .*; spared 3 whose hook is waiting or running' <<<"$out"; then fail "$NAME" "$out"
else pass "$NAME"; fi
# Its runner waits an hour for the retry: not for this suite.
for p in $(runner_pids); do tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q "^HOOKBOX_CONF=$D/" && kill -KILL "$p"; done

# ---------------------------------------------------------------------------
NAME="automatic prune: after a request, the runner prunes by itself"
scenario '"keep_days": 30, "prune_interval": 1,'
for i in 1 2 3; do post "p$i" >/dev/null; done
wait_until 30 no_runner
age 40 1 2
sleep 1.1
post p4 >/dev/null
if ! wait_until 30 eval '[ "$(ids)" = "3 4" ]'; then fail "$NAME" "left $(ids)"
else pass "$NAME"; fi

NAME="an upgraded database (version 3, no auto_vacuum) is made incremental by init"
scenario '"keep_days": 30,'
rm -f "$D"/hookbox.db*
sqlite3 "$D/hookbox.db" "PRAGMA journal_mode=WAL; CREATE TABLE old(x)" >/dev/null
HOOKBOX_CONF=$CONF "$HOOKBOX" list >/dev/null 2>&1	# migrates; no VACUUM on a request
a0=$(q 'PRAGMA auto_vacuum')
hb init >/dev/null 2>&1
if [ "$a0" != 0 ]; then fail "$NAME" "a request ran a VACUUM ($a0)"
else check "$NAME" "2 5 1" "$(q 'PRAGMA auto_vacuum; PRAGMA user_version; SELECT count(*) FROM sqlite_master WHERE name = '"'notices'" | tr '\n' ' ' | sed 's/ $//')"; fi

NAME="version 4 to 5: the notices and upkeep tables and the trigger are added"
q "DROP TRIGGER deliveries_notice; DROP TABLE notices; DROP TABLE upkeep; PRAGMA user_version = 4"
hb list >/dev/null 2>&1
check "$NAME" "5 3" "$(q "PRAGMA user_version; SELECT count(*) FROM sqlite_master WHERE name IN ('notices', 'upkeep', 'deliveries_notice')" | tr '\n' ' ' | sed 's/ $//')"

# ---------------------------------------------------------------------------
# Under load: ROUNDS rounds of PER events from PAR parallel CGI posters;
# after each round every event so far is aged past keep_days, so the next
# round's requests (through their runners) prune them while new ones
# arrive. No new event may be lost, and the file must not grow past its
# size after the second round.
ROUNDS=5
PER=200
PAR=16
scenario '"keep_days": 30, "prune_interval": 1,'
export CONF TOKEN
poster() {
	local body="{\"type\":\"order\",\"order_id\":\"$1\"}"
	printf '%s' "$body" | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    PATH_INFO="/shop/$TOKEN" CONTENT_LENGTH=${#body} \
	    CONTENT_TYPE=application/json REMOTE_ADDR=127.0.0.1 \
	    HOOKBOX_CONF="$CONF" "$HOOKBOX" | tail -n 1
}
export -f poster
sizes=()
lost=0
for r in $(seq 1 $ROUNDS); do
	seq 1 $PER | sed "s/^/r$r-/" | xargs -P $PAR -I{} bash -c 'poster {}' >"$D/answers.$r"
	acc=$(grep -c '"status":"accepted"' "$D/answers.$r")
	# Every accepted event of this round is there (none was aged yet).
	have=$(q "SELECT count(*) FROM events WHERE event_key LIKE 'r$r-%'")
	[ "$acc" = "$have" ] && [ "$acc" -ge $((PER * 9 / 10)) ] || { lost=1; echo "round $r: accepted $acc, stored $have" >&2; }
	wait_until 60 no_runner
	q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	sizes+=("$(stat -c %s "$D/hookbox.db")")
	age 40 $(q "SELECT group_concat(id) FROM events" | tr ',' ' ')
	sleep 1.1
done
NAME="under load, automatic pruning loses no new event"
check "$NAME" 0 "$lost"
NAME="under load, automatic pruning keeps the database file's size flat"
max_late=0
for i in $(seq 2 $((ROUNDS - 1))); do
	[ "${sizes[$i]}" -gt "$max_late" ] && max_late=${sizes[$i]}
done
echo "file sizes by round: ${sizes[*]}" >&2
if [ "$max_late" -gt $((sizes[1] * 12 / 10)) ]; then
	fail "$NAME" "sizes by round: ${sizes[*]}"
else pass "$NAME"; fi
NAME="under load, old events are all pruned"
left=$(q "SELECT count(*) FROM events WHERE received_at < strftime('%s','now') - 30 * 86400")
hb run >/dev/null 2>&1
check "$NAME" 0 "$(q "SELECT count(*) FROM events WHERE received_at < strftime('%s','now') - 30 * 86400")"

exit $((failed > 0))
