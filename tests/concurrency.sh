#!/usr/bin/env bash
# Concurrency (issue 5): 64 plain CGI processes at once, started together
# behind a barrier, mixing new events and duplicates of each other: 24
# orders sent twice each and 8 id-less Quickbutik product signals sent
# twice each (duplicates within dedupe_window). Three rounds; the third
# goes to an endpoint with a hook, so that hook runners compete for the
# store too, and each hook must run exactly once per event.
#
# Asserted: no 500 and no other code but 200 (or 503 with Retry-After,
# counted and reported: it is what a store busy past busy_timeout_ms
# answers, and the sender retries); no answer mentions "locked"; each
# event is stored once, both answers for it carry the same id and at most
# one of them says "accepted"; rows equal the distinct events answered 2xx.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi);
# ASAN_OPTIONS / UBSAN_OPTIONS are passed through.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/cgi.sh"
cd "$TOP" || exit 1

if [ ! -x "$HOOKBOX" ]; then
	fail "setup" "$HOOKBOX is not built (make)"
	exit 1
fi
command -v sqlite3 >/dev/null || { fail "setup" "sqlite3 is missing"; exit 1; }

N=64
ORDERS=24
PRODUCTS=8
ROUNDS=3

T=$(mktemp -d "${TMPDIR:-/tmp}/hookbox-concurrency.XXXXXX")
chmod 755 "$T"
runner_pids() {
	local e
	for e in /proc/[0-9]*/environ; do
		if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -q "^HOOKBOX_CONF=$T/"; then
			e=${e#/proc/}
			echo "${e%/environ}"
		fi
	done
}
cleanup() {
	local p
	for p in $(jobs -p) $(runner_pids); do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
START=$SECONDS

TOK=concurrency-token-0123456789
DB=$T/hookbox.db
CONF=$T/hookbox.conf
cat >"$T/hook.sh" <<EOF
#!/bin/sh
echo "\$HOOKBOX_EVENT_ID" >>"$T/ran"
EOF
chmod 755 "$T/hook.sh"
cat >"$CONF" <<EOF
// tests/concurrency.sh; busy_timeout_ms is the default (5000)
{
  "database": "$DB",
  "endpoints": {
    "catalog":  { "provider": "flipsnack",  "token": "$TOK" },
    "hooked":   { "provider": "flipsnack",  "token": "$TOK",
                  "hooks": { "order": { "run": ["$T/hook.sh"] } } },
    "shop":     { "provider": "quickbutik", "token": "$TOK" }
  }
}
EOF

all_ready() { [ "$(wc -l <"$1")" -eq "$N" ]; }
total_503=0
total_2xx=0
for round in $(seq 1 $ROUNDS); do
	R=$T/r$round
	mkdir -p "$R"
	ep=catalog
	[ "$round" -eq $ROUNDS ] && ep=hooked
	# The requests: job i sends order (i % 24) or product (i % 8).
	jobs_spec=()
	for i in $(seq 0 $((N - 1))); do
		if [ "$i" -lt $((2 * ORDERS)) ]; then
			k="R$round-O$((i % ORDERS))"
			printf '{"type":"orders","order_id":"%s","n":%d}' "$k" "$((i % ORDERS))" >"$R/body.$k"
			jobs_spec+=("$k|POST|/$ep/$TOK||$R/body.$k")
		else
			p=$((round * 100 + i % PRODUCTS))
			k="P$p"
			jobs_spec+=("$k|GET|/shop/$TOK|event_type=product.update&product_id=$p|-")
		fi
	done

	mkfifo "$R/gate"
	exec 3<>"$R/gate"
	: >"$R/ready"
	pids=()
	for i in $(seq 0 $((N - 1))); do
		IFS='|' read -r k method path query body <<<"${jobs_spec[$i]}"
		vars=(GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" PATH_INFO="$path"
			QUERY_STRING="$query" REMOTE_ADDR=127.0.0.1 HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}")
		if [ "$body" != - ]; then
			vars+=(CONTENT_LENGTH="$(wc -c <"$body")" CONTENT_TYPE=application/json)
		else
			body=/dev/null
		fi
		(
			echo "$i" >>"$R/ready"
			IFS= read -r -n 1 _ <"$R/gate"
			exec env -i "${vars[@]}" "$HOOKBOX" <"$body" >"$R/out.$i" 2>"$R/err.$i"
		) &
		pids+=($!)
		echo "$k" >"$R/key.$i"
	done
	# The barrier: every process is waiting on the gate, then all go.
	if ! wait_for all_ready "$R/ready"; then
		fail "round $round: barrier" "only $(wc -l <"$R/ready") of $N processes got ready"
	fi
	printf '%0*d' "$N" 0 >&3
	rcs=()
	for i in $(seq 0 $((N - 1))); do
		wait "${pids[$i]}"
		rcs+=($?)
	done
	exec 3>&-

	# Judge every answer.
	bad="" n503=0 n2xx=0 locked=0
	declare -A ids=() accepted=() answered=()
	for i in $(seq 0 $((N - 1))); do
		k=$(cat "$R/key.$i")
		ERR_FILE=$R/err.$i
		RC=${rcs[$i]}
		parse_answer "$R/out.$i"
		grep -qi locked "$R/out.$i" && locked=$((locked + 1))
		case "$CODE $A_STATUS" in
		"200 accepted" | "200 duplicate")
			why=$(answer_why 200 "$A_STATUS")
			n2xx=$((n2xx + 1))
			answered[$k]=1
			if [ -n "${ids[$k]:-}" ] && [ "${ids[$k]}" != "$A_ID" ]; then
				bad="$bad; $k answered ids ${ids[$k]} and $A_ID"
			fi
			ids[$k]=$A_ID
			[ "$A_STATUS" = accepted ] && accepted[$k]=$(( ${accepted[$k]:-0} + 1 ))
			;;
		"503 unavailable")
			why=$(answer_why 503 unavailable)
			n503=$((n503 + 1))
			;;
		*)
			why="answered $CODE: $BODY $(head -c 300 "$R/err.$i")"
			;;
		esac
		[ -n "$why" ] && bad="$bad; job $i ($k): $why"
	done
	for k in "${!accepted[@]}"; do
		[ "${accepted[$k]}" -gt 1 ] && bad="$bad; $k was accepted ${accepted[$k]} times"
	done
	if [ -z "$bad" ]; then pass "round $round: every answer is 200 accepted/duplicate or 503 with Retry-After"; else
		fail "round $round: every answer is 200 accepted/duplicate or 503 with Retry-After" "${bad#; }"; fi
	check "round $round: no answer mentions a lock" 0 "$locked"
	echo "# round $round: $N processes, $n2xx answered 2xx, $n503 answered 503"
	total_503=$((total_503 + n503))
	total_2xx=$((total_2xx + n2xx))

	# The store agrees with the answers.
	bad=""
	stored=0
	for k in $(cat "$R"/key.* | sort -u); do
		case $k in
		P*) rows=$(sqlite3 -separator ' ' "$DB" "SELECT count(*), coalesce(min(id), '') FROM events
			WHERE endpoint = 'shop' AND event_key LIKE 'product.update:${k#P}@%'") ;;
		*) rows=$(sqlite3 -separator ' ' "$DB" "SELECT count(*), coalesce(min(id), '') FROM events
			WHERE event_key = '$k'") ;;
		esac
		read -r n id <<<"$rows"
		stored=$((stored + n))
		if [ -n "${answered[$k]:-}" ]; then
			[ "$n" = 1 ] || bad="$bad; $k answered 2xx but stored $n times"
			[ "$id" = "${ids[$k]}" ] || bad="$bad; $k answered id ${ids[$k]}, stored as $id"
		else
			[ "$n" = 0 ] || bad="$bad; $k never answered 2xx but stored $n times"
		fi
	done
	if [ -z "$bad" ]; then pass "round $round: each event answered 2xx is stored once, under the id it was given"; else
		fail "round $round: each event answered 2xx is stored once, under the id it was given" "${bad#; }"; fi
	check "round $round: rows equal the distinct events answered 2xx" "${#answered[@]}" "$stored"
	unset ids accepted answered
done

# The hooked round: every accepted event's hook ran, exactly once.
want=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE endpoint = 'hooked'")
all_done() {
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM deliveries WHERE status = 'succeeded'")" -eq "$want" ]
}
if wait_for all_done; then
	pass "hooked round: every event's hook succeeded"
else
	fail "hooked round: every event's hook succeeded" \
		"$(sqlite3 "$DB" "SELECT status, count(*) FROM deliveries GROUP BY status" | tr '\n' ' ')"
fi
check "hooked round: each hook ran exactly once" \
	"$(sqlite3 "$DB" "SELECT id FROM events WHERE endpoint = 'hooked' ORDER BY id" | tr '\n' ' ')" \
	"$(sort -n "$T/ran" 2>/dev/null | tr '\n' ' ')"

check "PRAGMA integrity_check is ok" ok "$(integrity)"
echo "# concurrency: $((ROUNDS * N)) requests, $total_2xx answered 2xx, $total_503 answered 503"
echo "# runtime: $((SECONDS - START)) s"
[ "$FAILURES" -eq 0 ]
