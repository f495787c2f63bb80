#!/usr/bin/env bash
# hookbox on PostgreSQL, against a real server (tests/lib/postgres.sh) and
# real web servers (tests/lib/servers.sh):
#
# 1. Two web nodes on one database: lighttpd FastCGI and Apache mod_fcgid
#    (or two lighttpd FastCGI when mod_fcgid is missing), each with its own
#    config naming the same database, endpoint and token. The same orders
#    go to both at once (some of them three or four times): every answer is
#    200, each order is stored once and both nodes answer it with the same
#    id, accepted once and duplicate otherwise. Then the hook runners of
#    both nodes run side by side: each event's hook runs exactly once, each
#    event has one succeeded delivery, and max_running_hooks (2) holds
#    across the two nodes together.
# 2. PostgreSQL restarted under load: one FastCGI node, a few curl loops
#    each sending distinct orders one at a time, PostgreSQL down for 2 s in
#    the middle. Every answer is 200 or 503, every 503 has Retry-After,
#    there are 503s while it is down and 200s after, from the same FastCGI
#    process (it reconnected), and every order answered 200 is stored with
#    the id it was given.
# 3. hookbox migrate from a SQLite file (made through simulate and CGI
#    requests): events with succeeded, failing and dead hooks, rejects,
#    notices, an event waiting in hook_queue and the inbox's password are
#    copied with their ids and bytes, the output names each table with its
#    count; a second run copies nothing; list, show and rejects on
#    PostgreSQL say what they said on SQLite; new events and rejects take
#    ids after the migrated ones.
# 4. A database address with a password (a URI, libpq's key=value form,
#    one libpq cannot read): check, init, list, run, migrate, a CGI and a
#    FastCGI receive (503 with Retry-After when PostgreSQL cannot be
#    reached), the web server's error log and the files kept beside the
#    config never show the password.
# 5. The inbox on PostgreSQL behind a FastCGI node: the password from
#    `hookbox passwd`, a sign-in, the front page with a dead hook, Retry,
#    Mark done and sign-out, each seen in the database.
#
# Needs: postgresql, lighttpd (and apache2 with mod_fcgid for two kinds of
# node), curl, sqlite3, flock. As root the web servers run as www-data and
# PostgreSQL as nobody (tests/lib/postgres.sh), so the scratch directory is
# opened (711) for them to pass through.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi).
# HB_PG_PARTS: the parts to run (default "1 2 3 4 5"). About 40 s in all,
# half of it part 1's hooks (200 of 0.2 s, two at a time).
# shellcheck source-path=SCRIPTDIR
set -u

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/postgres.sh
. "$TOP/tests/lib/postgres.sh"
# shellcheck source=lib/servers.sh
. "$TOP/tests/lib/servers.sh"

case $HOOKBOX in /*) ;; *) HOOKBOX=$TOP/$HOOKBOX ;; esac

# One line per case, even when the reason spans lines; count failures.
failed=0
fail() {
	local why=${2//$'\r'/}
	printf 'FAIL %s: %s\n' "$1" "${why//$'\n'/ | }"
	failed=$((failed + 1))
}
START=$SECONDS

if [ ! -x "$HOOKBOX" ]; then
	fail setup "$HOOKBOX is not built (make)"
	exit 1
fi
for tool in curl sqlite3 flock; do
	command -v $tool >/dev/null || { fail setup "$tool is missing"; exit 1; }
done
if ! pg_require; then
	fail setup "postgresql is missing"
	exit 1
fi
if [ ! -x "$LIGHTTPD_BIN" ] && ! server_require; then
	fail setup "lighttpd is missing"
	exit 1
fi
PSQL=$PG_BIN/psql

# Short: the web servers' sockets live under it (servers.sh: at most 70).
W=$(mktemp -d /tmp/hbpg.XXXXXX) || exit 1
chmod 711 "$W"

# Node bookkeeping: servers.sh describes one server at a time, so each
# node's SERVER_* are kept here while the next one starts.
declare -A NODE_PID=() NODE_WORK=() NODE_KIND=() NODE_URL=() NODE_LOG=()

# node_start NAME KIND CONF: a web server in $W/NAME serving CONF.
node_start() {
	local name=$1 kind=$2 conf=$3
	SERVER_PID=
	if ! server_start "$kind" "$W/$name" "$HOOKBOX" "$conf" 2>"$W/$name.start.err"; then
		fail "setup: $kind node $name" "did not start: $(tail -n 5 "$W/$name.start.err")"
		return 1
	fi
	NODE_PID[$name]=$SERVER_PID NODE_WORK[$name]=$SERVER_WORKDIR
	NODE_KIND[$name]=$SERVER_KIND NODE_URL[$name]=$SERVER_URL NODE_LOG[$name]=$SERVER_LOG
	SERVER_PID=
}

node_stop() {
	local name=$1
	[ -n "${NODE_PID[$name]:-}" ] || return 0
	SERVER_PID=${NODE_PID[$name]} SERVER_WORKDIR=${NODE_WORK[$name]} SERVER_KIND=${NODE_KIND[$name]}
	server_stop
	NODE_PID[$name]=
}

# runner_pids [PREFIX]: processes started with a HOOKBOX_CONF under
# PREFIX (default $W/): the runners the receivers start (detached from the
# web server), and ours.
runner_pids() {
	local e
	grep -l -z -F -e "HOOKBOX_CONF=${1:-$W/}" /proc/[0-9]*/environ 2>/dev/null |
		while read -r e; do
			e=${e#/proc/}
			[ "${e%/environ}" != "$$" ] && echo "${e%/environ}"
		done
}
no_runner() { [ -z "$(runner_pids "$1")" ]; }

cleanup() {
	local n p
	[ -d "$W" ] && touch "$W/stop" 2>/dev/null
	for p in $(jobs -p); do [ "$p" != "${_PG_WATCHDOG:-}" ] && kill "$p" 2>/dev/null; done
	for n in "${!NODE_PID[@]}"; do node_stop "$n"; done
	for p in $(runner_pids); do kill -KILL "$p" 2>/dev/null; done
	pg_stop
	rm -rf "$W"
}

# The clients run as www-data when we are root: the socket's directory
# must let them through.
if ! PG_DIR_MODE=0711 pg_start "$W/pg" 2>"$W/pg.start.err"; then
	fail setup "pg_start: $(tr '\n' ' ' <"$W/pg.start.err" | head -c 600)"
	rm -rf "$W"
	exit 1
fi
# After pg_start: this trap replaces the one it set, so it calls pg_stop.
trap cleanup EXIT

q() { "$PSQL" -X -Atq -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

# as_server CMD...: as the user the web servers run their programs as.
as_server() {
	if [ "$(id -u)" -eq 0 ] && [ -n "$SERVER_USER" ]; then
		runuser -u "$SERVER_USER" -- "$@"
	else
		"$@"
	fi
}
owned_by_server() {
	if [ "$(id -u)" -eq 0 ] && [ -n "$SERVER_USER" ]; then
		chown -R "$SERVER_USER:$(id -gn "$SERVER_USER")" "$@"
	fi
}

TOK=pg-shop-token-0123456789

# want N: part N is to run (HB_PG_PARTS, default "1 2 3 4 5").
want() {
	case " ${HB_PG_PARTS:-1 2 3 4 5} " in
	*" $1 "*) return 0 ;;
	*) return 1 ;;
	esac
}

# same NAME EXPECTED ACTUAL: check for long texts; a failure shows the
# first lines that differ ("-" expected, "+" got) and how many do.
same() {
	local d
	if [ "$2" = "$3" ]; then
		pass "$1"
		return
	fi
	d=$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed -n 's/^</-/p; s/^>/+/p')
	fail "$1" "$(grep -c '' <<<"$d") lines differ: $(head -n 4 <<<"$d" | cut -c1-200)"
}

# order_json ID [TYPE]: a Quickbutik order, as its tutorial POSTs it.
order_json() { printf '{"order_id":"%s","event_type":"%s"}' "$1" "${2:-order.new}"; }

# cgi CONF PATH BODYFILE: one POST as a web server runs a CGI program.
cgi() {
	env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO="$2" \
		CONTENT_LENGTH="$(wc -c <"$3")" CONTENT_TYPE=application/json \
		REMOTE_ADDR=127.0.0.1 HOOKBOX_CONF="$1" "$HOOKBOX" <"$3"
}

# answer_id BODY: the id of an accepted/duplicate answer, or nothing.
answer_id() { sed -n 's/^{"status":"[a-z]*","id":\([0-9]*\)}$/\1/p' <<<"$1"; }

# ===========================================================================
# 1. Two web nodes on one database.
part_two_nodes() {
	N=200
	KIND_A=lighttpd-fastcgi KIND_B=lighttpd-fastcgi
	if [ -x "$APACHE_BIN" ] && [ -f "$APACHE_MODULES/mod_fcgid.so" ]; then
		KIND_B=apache-fcgid
	fi
	echo "# two nodes: $KIND_A and $KIND_B, $N orders"

	S=$W/shared	# the hook's files, shared by both nodes' runners
	mkdir -p "$S" "$W/a" "$W/b"
	echo 0 >"$S/running"
	echo 0 >"$S/max"
	: >"$S/log"
	# The hook: counts the hooks running at once (under a lock, across both
	# nodes), logs "event order node" in one append, takes 0.2 s.
	cat >"$S/hook.sh" <<-EOF
	#!/bin/sh
	# tests/pg.sh: \$1 names the node whose runner ran it.
	exec 9>>"$S/lock"
	flock 9
	n=\$((\$(cat "$S/running") + 1))
	echo "\$n" >"$S/running"
	if [ "\$n" -gt "\$(cat "$S/max")" ]; then echo "\$n" >"$S/max"; fi
	echo "\$HOOKBOX_EVENT_ID \$HOOKBOX_RESOURCE_ID \$1" >>"$S/log"
	flock -u 9
	sleep 0.2
	flock 9
	echo \$((\$(cat "$S/running") - 1)) >"$S/running"
	flock -u 9
	exit 0
	EOF
	chmod 755 "$S" "$S/hook.sh"
	owned_by_server "$S"
	for n in a b; do
		cat >"$W/$n/hookbox.conf" <<-EOF
		// tests/pg.sh: node $n of two, one database
		{
		  "database": "$HB_PG_URI",
		  "max_running_hooks": 2,
		  "endpoints": {
		    "shop": { "provider": "quickbutik", "token": "$TOK",
		      "hooks": { "order.new": { "run": ["$S/hook.sh", "$n"], "timeout": 60, "retry_delay": 1 } } }
		  }
		}
		EOF
		chmod 600 "$W/$n/hookbox.conf"
	done

	nodes_up=1
	if ! HOOKBOX_CONF=$W/a/hookbox.conf "$HOOKBOX" init >"$W/init.out" 2>&1; then
		fail "two nodes: hookbox init" "$(cat "$W/init.out")"
	fi
	node_start a "$KIND_A" "$W/a/hookbox.conf" || nodes_up=0
	node_start b "$KIND_B" "$W/b/hookbox.conf" || nodes_up=0

	# send NODE ORDER: one POST, one line "order node code body" appended.
	send() {
		local out body
		out=$(curl -s --noproxy '*' --max-time 60 -w ' %{http_code}' \
			-H 'Content-Type: application/json' --data-binary "$(order_json "$2")" \
			"${NODE_URL[$1]}/shop/$TOK")
		body=${out% *}
		# (one line: the answer's body ends in a newline)
		printf '%s %s %s %s\n' "$2" "$1" "${out##* }" "${body//$'\n'/}" >>"$W/answers1"
	}

	# worker W P: orders W, W+P, ...: each to both nodes at once, every
	# third once more to a, every fifth once more to b.
	worker() {
		local i o
		for ((i = $1; i < N; i += $2)); do
			o=$((5000 + i))
			send a "$o" &
			send b "$o" &
			((i % 3 == 0)) && send a "$o" &
			((i % 5 == 0)) && send b "$o" &
			wait
		done
	}

	if [ "$nodes_up" -eq 1 ]; then
		: >"$W/answers1"
		t0=$SECONDS
		pids=()
		for w in 0 1 2 3 4 5 6 7; do worker "$w" 8 & pids+=($!); done
		# (not a bare wait: postgres.sh's watchdog is a job of this shell)
		wait "${pids[@]}"
		echo "# two nodes: $(wc -l <"$W/answers1") requests in $((SECONDS - t0)) s"

		bad=$(awk '$3 != 200' "$W/answers1" | head -n 5)
		if [ -z "$bad" ]; then
			pass "two nodes: every answer is 200"
		else
			fail "two nodes: every answer is 200" "$(awk '$3 != 200' "$W/answers1" | wc -l) not: $bad"
		fi
		check "two nodes: $N orders, $N rows in events" "$N" "$(q "SELECT count(*) FROM events WHERE endpoint = 'shop'")"
		check "two nodes: no event_key stored twice" "" \
			"$(q "SELECT event_key, count(*) FROM events GROUP BY endpoint, event_key HAVING count(*) > 1")"
		# Per order: one id in every answer of both nodes, one "accepted".
		bad=$(awk '{
			split($4, p, /"id":/); id = p[2]; sub(/}.*/, "", id)
			k = $1
			if (!(k in ids)) ids[k] = id
			else if (ids[k] != id) diff[k] = diff[k] " " $2 ":" id
			if ($4 ~ /"status":"accepted"/) acc[k]++
			seen[k] = 1
		} END {
			for (k in seen) {
				if (k in diff) print k " ids " ids[k] diff[k]
				if (acc[k] != 1) print k " accepted " acc[k] + 0 " times"
			}
		}' "$W/answers1" | sort | head -n 5)
		if [ -z "$bad" ]; then
			pass "two nodes: both nodes answer an order with the same id, accepted once"
		else
			fail "two nodes: both nodes answer an order with the same id, accepted once" "$bad"
		fi
		# The ids answered are the stored ones.
		awk '{ split($4, p, /"id":/); id = p[2]; sub(/}.*/, "", id); print $1 "|" id }' \
			"$W/answers1" | sort -u >"$W/answered1"
		q "SELECT resource_id || '|' || id FROM events WHERE endpoint = 'shop'" | sort >"$W/stored1"
		if cmp -s "$W/answered1" "$W/stored1"; then
			pass "two nodes: the ids answered are the ids stored"
		else
			fail "two nodes: the ids answered are the ids stored" \
				"$(diff "$W/answered1" "$W/stored1" | head -n 6)"
		fi

		# The hooks: the receivers started runners already; both nodes'
		# runners, two each, go on side by side until nothing waits.
		waiting() {
			q "SELECT (SELECT count(*) FROM hook_queue) + (SELECT count(*) FROM deliveries
				WHERE status IN ('pending', 'running', 'failed'))"
		}
		t0=$SECONDS
		rounds=0
		while [ $((SECONDS - t0)) -lt 120 ]; do
			nwait=$(waiting)
			[ "$nwait" = 0 ] && break
			rounds=$((rounds + 1))
			pids=()
			for n in a b a b; do
				as_server env HOOKBOX_CONF="$W/$n/hookbox.conf" \
					"${NODE_WORK[$n]}/cgi-bin/hookbox.fcgi" run >>"$W/run.out" 2>&1 &
				pids+=($!)
			done
			wait "${pids[@]}"
			sleep 0.2
		done
		echo "# two nodes: hooks done $((SECONDS - t0)) s after the load, $rounds rounds of 4 runners; by node: $(awk '{ print $3 }' "$S/log" | sort | uniq -c | tr -s ' \n' ' ')"
		check "two nodes: nothing left waiting (within 120 s)" 0 "$(waiting)"
		check "two nodes: each event's hook ran exactly once ($N runs, $N ids)" "$N $N" \
			"$(wc -l <"$S/log" | tr -d ' ') $(awk '{ print $1 }' "$S/log" | sort -u | wc -l | tr -d ' ')"
		awk '{ print $2 "|" $1 }' "$S/log" | sort >"$W/ran1"
		if cmp -s "$W/ran1" "$W/stored1"; then
			pass "two nodes: the hooks ran for the stored events, with their ids and orders"
		else
			fail "two nodes: the hooks ran for the stored events, with their ids and orders" \
				"$(diff "$W/stored1" "$W/ran1" | head -n 6)"
		fi
		check "two nodes: one delivery per event, succeeded" "$N|$N|$N" \
			"$(q "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'),
				count(DISTINCT event_id) FILTER (WHERE status = 'succeeded') FROM deliveries")"
		max=$(cat "$S/max")
		echo "# two nodes: at most $max hooks ran at once"
		if [ "$max" -ge 1 ] && [ "$max" -le 2 ]; then
			pass "two nodes: max_running_hooks 2 holds across both nodes"
		else
			fail "two nodes: max_running_hooks 2 holds across both nodes" "$max hooks ran at once"
		fi
		# With PostgreSQL the files kept beside a SQLite file go beside
		# the config (the runner's lock: made by a runner that waited for
		# a retry or for room under the cap), never at a path taken from
		# the URI.
		for n in a b; do
			[ -e "$W/$n/hookbox.conf.runner" ] && echo "# two nodes: node $n's runner lock: $n/hookbox.conf.runner"
		done
		check "two nodes: no file is named after the database's URI" "" \
			"$(find "$W" -name 'postgres*' -not -path "$W/pg/*" | head -n 3)"
		if grep -E -i 'AddressSanitizer|runtime error|segfault' "${NODE_LOG[a]}" "${NODE_LOG[b]}" >"$W/san" 2>/dev/null; then
			fail "two nodes: no crash in the servers' logs" "$(head -n 3 "$W/san")"
		fi
	fi
	node_stop a
	node_stop b
	for p in $(runner_pids); do kill -KILL "$p" 2>/dev/null; done
}

# ===========================================================================
# 2. PostgreSQL restarted in the middle of a load.
part_pg_restart_under_load() {
	mkdir -p "$W/c"
	cat >"$W/c/hookbox.conf" <<-EOF
	// tests/pg.sh: one FastCGI node through a restart of PostgreSQL
	{ "database": "$HB_PG_URI",
	  "endpoints": { "load": { "provider": "quickbutik", "token": "$TOK" } } }
	EOF
	chmod 600 "$W/c/hookbox.conf"

	# fcgi_pids WORKDIR: the FastCGI processes of that node (argv[0] is the
	# copy of the program in its cgi-bin).
	fcgi_pids() {
		local dir argv0
		for dir in /proc/[0-9]*; do
			argv0=$(tr '\0' '\n' 2>/dev/null <"$dir/cmdline" | head -n 1)
			[ "$argv0" = "$1/cgi-bin/hookbox.fcgi" ] && echo "${dir#/proc/}"
		done | sort -n | tr '\n' ' '
	}

	# loader W: distinct orders one at a time until $W/stop2; a line each:
	# "order code retry-after(0/1) id-or-dash started ended".
	loader() {
		local k=0 o code ra id t
		while [ ! -e "$W/stop2" ]; do
			o=$((900000 + $1 * 10000 + k))
			k=$((k + 1))
			t=$EPOCHREALTIME
			code=$(curl -s --noproxy '*' --max-time 30 -D "$W/h2.$1" -o "$W/b2.$1" -w '%{http_code}' \
				-H 'Content-Type: application/json' --data-binary "$(order_json "$o")" \
				"${NODE_URL[c]}/load/$TOK")
			ra=0
			grep -qi '^retry-after: *[0-9]' "$W/h2.$1" && ra=1
			id=$(answer_id "$(cat "$W/b2.$1")")
			printf '%s %s %s %s %s %s\n' "$o" "$code" "$ra" "${id:--}" \
				"$t" "$EPOCHREALTIME" >>"$W/answers2"
		done
	}
	# lines N [AFTER]: at least N answers (started after AFTER, and 200).
	lines() {
		[ "$(awk -v t="${2:-0}" '$5 > t && (t == 0 || $2 == 200)' "$W/answers2" | wc -l)" -ge "$1" ]
	}

	if node_start c lighttpd-fastcgi "$W/c/hookbox.conf"; then
		: >"$W/answers2"
		pids=()
		for w in 0 1 2; do loader "$w" & pids+=($!); done
		wait_for lines 30
		before=$(fcgi_pids "${NODE_WORK[c]}")
		t_down=$EPOCHREALTIME
		if ! pg_restart 2 2>"$W/restart.err"; then
			fail "pg restart: PostgreSQL came back" "$(tr '\n' ' ' <"$W/restart.err")"
		fi
		t_up=$EPOCHREALTIME
		# The load goes on a few seconds: 30 stored answers after the restart.
		wait_for lines 30 "$t_up"
		sleep 1
		touch "$W/stop2"
		wait "${pids[@]}"
		after=$(fcgi_pids "${NODE_WORK[c]}")
		total=$(wc -l <"$W/answers2")
		n503=$(awk '$2 == 503' "$W/answers2" | wc -l)
		n200_after=$(awk -v t="$t_up" '$5 > t && $2 == 200' "$W/answers2" | wc -l)
		echo "# pg restart: $total requests, $n503 answered 503, $n200_after answered 200 after PostgreSQL was back"

		bad=$(awk '$2 != 200 && $2 != 503' "$W/answers2" | head -n 5)
		if [ -z "$bad" ]; then pass "pg restart: every answer is 200 or 503"; else
			fail "pg restart: every answer is 200 or 503" "$bad"; fi
		bad=$(awk '$2 == 503 && $3 != 1' "$W/answers2" | head -n 5)
		if [ -z "$bad" ]; then pass "pg restart: every 503 carries Retry-After"; else
			fail "pg restart: every 503 carries Retry-After" "$bad"; fi
		n503_down=$(awk -v a="$t_down" -v b="$t_up" '$2 == 503 && $6 > a && $5 < b' "$W/answers2" | wc -l)
		if [ "$n503_down" -ge 1 ]; then
			pass "pg restart: requests while PostgreSQL was down were answered 503"
		else
			fail "pg restart: requests while PostgreSQL was down were answered 503" \
				"no 503 among the $(awk -v a="$t_down" -v b="$t_up" '$6 > a && $5 < b' "$W/answers2" | wc -l) requests made while it was down for 2 s"
		fi
		bad=$(awk -v b="$t_up" '$5 > b && $2 == 200 { ok = 1 } END { print ok + 0 }' "$W/answers2")
		check "pg restart: 200s again once PostgreSQL is back" 1 "$bad"
		if [ -n "$before" ] && [ "$before" = "$after" ]; then
			pass "pg restart: the same FastCGI process served before and after (it reconnected)"
		else
			fail "pg restart: the same FastCGI process served before and after (it reconnected)" \
				"processes before [$before], after [$after]"
		fi
		# Every 200 is stored, under the id it was answered with.
		awk '$2 == 200 { print $1 "|" $4 }' "$W/answers2" | sort >"$W/acked2"
		q "SELECT resource_id || '|' || id FROM events WHERE endpoint = 'load'" | sort >"$W/stored2"
		lost=$(comm -23 "$W/acked2" "$W/stored2")
		if [ -z "$lost" ]; then
			pass "pg restart: every order answered 200 is stored, with its id ($(wc -l <"$W/acked2") orders)"
		else
			fail "pg restart: every order answered 200 is stored, with its id ($(wc -l <"$W/acked2") orders)" \
				"missing or another id: $(head -n 5 <<<"$lost" | tr '\n' ' ')"
		fi
		if grep -E -i 'AddressSanitizer|runtime error|segfault' "${NODE_LOG[c]}" >"$W/san" 2>/dev/null; then
			fail "pg restart: no crash in the server's log" "$(head -n 3 "$W/san")"
		fi
		node_stop c
	fi
}

# ===========================================================================
# 3. hookbox migrate from a SQLite file, into a database of its own.
part_migrate_from_sqlite() {
	L=$W/lite
	mkdir -p "$L"
	cat >"$L/ok.sh" <<-'EOF'
	#!/bin/sh
	cat >/dev/null
	echo "ok $HOOKBOX_EVENT_ID"
	EOF
	cat >"$L/fail.sh" <<-'EOF'
	#!/bin/sh
	echo "failing $HOOKBOX_EVENT_ID"
	exit 1
	EOF
	cat >"$L/dead.sh" <<-'EOF'
	#!/bin/sh
	echo "dead $HOOKBOX_EVENT_ID"
	exit 65
	EOF
	chmod 755 "$L"/*.sh
	# lite_conf DATABASE: the config, on that store.
	lite_conf() {
		cat <<-EOF
		// tests/pg.sh: a SQLite store to migrate, then the same on PostgreSQL
		{ "database": "$1",
		  "endpoints": {
		    "shop": { "provider": "quickbutik", "token": "$TOK",
		      "hooks": { "order.new": { "run": ["$L/ok.sh"] },
		                 "order.cancelled": { "run": ["$L/fail.sh"], "retry_delay": 3600, "max_attempts": 5 },
		                 "order.done": { "run": ["$L/dead.sh"] } } },
		    "plain": { "provider": "quickbutik", "token": "$TOK" }
		  }
		}
		EOF
	}
	LITE=$L/hookbox.conf
	MIG_DB=hookbox_mig
	MIG_URI=${HB_PG_URI/"@/hookbox?"/"@/$MIG_DB?"}
	lite_conf "$L/hookbox.db" >"$LITE"
	lite_conf "$MIG_URI" >"$L/pg.conf"
	lite() { HOOKBOX_CONF=$LITE "$HOOKBOX" "$@"; }
	pgm() { HOOKBOX_CONF=$L/pg.conf "$HOOKBOX" "$@"; }
	sq() { sqlite3 -separator '|' "$L/hookbox.db" "$1" 2>&1; }
	qm() { "$PSQL" -X -Atq -d "$MIG_DB" -c "$1" 2>&1; }

	lite init >"$W/lite.out" 2>&1 || { fail "migrate: SQLite store" "init: $(cat "$W/lite.out")"; }
	# Events through simulate (each hook runs in the foreground): succeeded,
	# failing (retry waiting), dead; one body with bytes beyond ASCII.
	i=0
	for t in order.new order.new order.new order.cancelled order.new order.done \
		order.cancelled order.new order.new order.done order.new order.new; do
		i=$((i + 1))
		order_json "70$i" "$t" >"$L/o$i.json"
		lite simulate shop "$L/o$i.json" >>"$W/lite.out" 2>&1
	done
	printf '{"order_id":"7100","event_type":"order.new","note":"Åsa Öberg \\u00e9 \xc3\xa9 \\n"}' >"$L/o100.json"
	lite simulate shop "$L/o100.json" >>"$W/lite.out" 2>&1
	for i in 1 2 3; do
		order_json "72$i" order.paid >"$L/p$i.json"
		lite simulate plain "$L/p$i.json" >>"$W/lite.out" 2>&1
	done
	# Refusals: a wrong token (401) and an unknown endpoint (404).
	cgi "$LITE" /shop/wrong-token-0123456789 "$L/o1.json" >"$W/r1.out" 2>&1
	cgi "$LITE" /nowhere/x "$L/o1.json" >"$W/r2.out" 2>&1
	cgi "$LITE" /plain/wrong-token-0123456789 "$L/o1.json" >"$W/r3.out" 2>&1
	# The inbox's password: a settings row.
	printf '%s\n' 'migrate-me-password-123' | lite passwd >>"$W/lite.out" 2>&1
	# Rows that do not stay on their own: the notices the trigger wrote
	# for the failed and dead attempts (the upkeep, without "notify",
	# deleted them), and an event waiting in hook_queue (a runner gives
	# it its delivery at once). Written here as hookbox writes them, once
	# no runner of this store is left to change them: the one lingering
	# for the failing hook's retry (an hour away) is ended.
	for p in $(runner_pids "$L/"); do kill -KILL "$p" 2>/dev/null; done
	wait_for no_runner "$L/" || fail "migrate: SQLite store" "runners left: $(runner_pids "$L/")"
	sq "INSERT INTO notices (status, event_id, delivery_id, attempt, created_at)
		SELECT status, event_id, id, attempt, finished_at FROM deliveries
		WHERE status IN ('failed', 'dead') ORDER BY id;
		INSERT INTO hook_queue (event_id, hook, queued_at)
		SELECT id, 'order.paid', received_at FROM events WHERE resource_id = '723'"

	lite_counts=$(sq "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM deliveries),
		(SELECT count(*) FROM hook_queue), (SELECT count(*) FROM rejects),
		(SELECT count(*) FROM notices), (SELECT count(*) FROM settings)")
	echo "# migrate: SQLite has events|deliveries|hook_queue|rejects|notices|settings $lite_counts"
	check "migrate: the SQLite store has events, hooks succeeded, failed and dead, rejects, notices, a queued event, a password" \
		"16|13|1|3|4|1|dead failed succeeded" \
		"$lite_counts|$(sq "SELECT DISTINCT status FROM deliveries ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"

	if "$PG_BIN/createdb" "$MIG_DB" 2>"$W/createdb.err"; then
		HOOKBOX_CONF=$LITE "$HOOKBOX" migrate --to "$MIG_URI" >"$W/mig1.out" 2>"$W/mig1.err"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "migrate: exits 0"
		else
			fail "migrate: exits 0" "exit $rc; stderr: $(cat "$W/mig1.err"); stdout: $(cat "$W/mig1.out")"
		fi
		IFS='|' read -r ne nd nq nr nn ns <<<"$lite_counts"
		want=$(printf '%-12s %s copied, %s already there\n' events "$ne" 0 deliveries "$nd" 0 \
			hook_queue "$nq" 0 rejects "$nr" 0 notices "$nn" 0 settings "$ns" 0)
		check "migrate: one line per table, each with its rows copied" "$want" \
			"$(grep -E '^(events|deliveries|hook_queue|rejects|notices|settings) ' "$W/mig1.out")"
		check_match "migrate: says done" $'(^|\n)done: ' "$(cat "$W/mig1.out")"
		if grep -q "$L/hookbox.db" "$W/mig1.out" && grep -q "$MIG_DB" "$W/mig1.out"; then
			pass "migrate: names what it copies from and into"
		else
			fail "migrate: names what it copies from and into" "$(head -n 1 "$W/mig1.out")"
		fi

		# The same rows, ids and bytes.
		cols="id, endpoint, provider, event_type, event_key, resource_id, received_at, method, query, content_type, headers, remote_addr, proof"
		same "migrate: events: the same ids, keys, columns" \
			"$(sq "SELECT $cols FROM events ORDER BY id")" \
			"$("$PSQL" -X -Atq -d "$MIG_DB" -F '|' -c "SELECT $cols FROM events ORDER BY id" 2>&1)"
		same "migrate: events: the same body bytes" \
			"$(sq "SELECT id, hex(body) FROM events ORDER BY id")" \
			"$(qm "SELECT id || '|' || upper(encode(body, 'hex')) FROM events ORDER BY id")"
		dcols="id, event_id, endpoint, resource_id, hook, attempt, status, next_attempt_at, exit_code, output, error, created_at, finished_at"
		same "migrate: deliveries: the same rows" \
			"$(sq "SELECT $dcols FROM deliveries ORDER BY id")" \
			"$("$PSQL" -X -Atq -d "$MIG_DB" -F '|' -c "SELECT $dcols FROM deliveries ORDER BY id" 2>&1)"
		same "migrate: rejects: the same rows" \
			"$(sq "SELECT id, received_at, endpoint, status, reason, remote_addr, hex(body_head), count FROM rejects ORDER BY id")" \
			"$("$PSQL" -X -Atq -d "$MIG_DB" -F '|' -c "SELECT id, received_at, endpoint, status, reason, remote_addr, upper(encode(body_head, 'hex')), count FROM rejects ORDER BY id" 2>&1)"
		same "migrate: notices, hook_queue, settings: the same rows" \
			"$(sq "SELECT 'n', id, status, event_id, delivery_id, attempt FROM notices ORDER BY id"; sq "SELECT 'q', id, event_id, hook FROM hook_queue ORDER BY id"; sq "SELECT 's', name, value FROM settings ORDER BY name")" \
			"$("$PSQL" -X -Atq -d "$MIG_DB" -F '|' -c "SELECT 'n', id, status, event_id, delivery_id, attempt FROM notices ORDER BY id" -c "SELECT 'q', id, event_id, hook FROM hook_queue ORDER BY id" -c "SELECT 's', name, value FROM settings ORDER BY name" 2>&1)"

		# Again: nothing new.
		HOOKBOX_CONF=$LITE "$HOOKBOX" migrate --to "$MIG_URI" >"$W/mig2.out" 2>&1
		want=$(printf '%-12s %s copied, %s already there\n' events 0 "$ne" deliveries 0 "$nd" \
			hook_queue 0 "$nq" rejects 0 "$nr" notices 0 "$nn" settings 0 "$ns")
		check "migrate: run again, 0 copied for every table" "$want" \
			"$(grep -E '^(events|deliveries|hook_queue|rejects|notices|settings) ' "$W/mig2.out")"
		check "migrate: run again, no row doubled" \
			"$ne|$nd|$nq|$nr|$nn|$ns" \
			"$(qm "SELECT (SELECT count(*) FROM events) || '|' || (SELECT count(*) FROM deliveries) || '|' || (SELECT count(*) FROM hook_queue) || '|' || (SELECT count(*) FROM rejects) || '|' || (SELECT count(*) FROM notices) || '|' || (SELECT count(*) FROM settings)")"

		# The config pointed at PostgreSQL: the CLI shows what it showed.
		same "migrate: list on PostgreSQL is list on SQLite" \
			"$(lite list --limit 100 2>&1)" "$(pgm list --limit 100 2>&1)"
		same "migrate: list --json on PostgreSQL is list --json on SQLite" \
			"$(lite list --json --limit 100 2>&1)" "$(pgm list --json --limit 100 2>&1)"
		# failing, dead, beyond ASCII, queued
		for id in $(sq "SELECT min(id) FROM events WHERE event_type = 'order.cancelled'") \
			$(sq "SELECT min(id) FROM events WHERE event_type = 'order.done'") \
			$(sq "SELECT id FROM events WHERE resource_id IN ('7100', '723') ORDER BY id"); do
			same "migrate: show $id on PostgreSQL is show $id on SQLite" \
				"$(lite show "$id" 2>&1)" "$(pgm show "$id" 2>&1)"
		done
		same "migrate: rejects on PostgreSQL is rejects on SQLite" \
			"$(lite rejects --json 2>&1)" "$(pgm rejects --json 2>&1)"
		check "migrate: the inbox's password came along" 0 "$(pgm passwd --check >/dev/null 2>&1; echo $?)"
		# A new event takes an id after the migrated ones.
		max=$(sq "SELECT max(id) FROM events")
		order_json 7999 >"$L/new.json"
		got=$(cgi "$L/pg.conf" "/plain/$TOK" "$L/new.json" 2>&1 | tail -n 1)
		id=$(answer_id "$got")
		if [ -n "$id" ] && [ "$id" -gt "$max" ]; then
			pass "migrate: a new event's id comes after the migrated ones"
		else
			fail "migrate: a new event's id comes after the migrated ones" "answer [$got], migrated max id $max"
		fi
		# (From an address of its own: a refusal like one in the same
		# second from the same address is counted on that row.)
		env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/shop/wrong-token-0123456789 \
			CONTENT_LENGTH="$(wc -c <"$L/new.json")" CONTENT_TYPE=application/json \
			REMOTE_ADDR=192.0.2.77 HOOKBOX_CONF="$L/pg.conf" "$HOOKBOX" <"$L/new.json" >/dev/null 2>&1
		check "migrate: a new reject's id comes after the migrated ones" 1 \
			"$(qm "SELECT count(*) FROM rejects WHERE id > $(sq "SELECT max(id) FROM rejects")")"
		# The other commands, on PostgreSQL.
		same "migrate: stats on PostgreSQL is stats on SQLite (but the new event)" \
			"$(lite stats 2>&1 | grep -v '^  plain ')" "$(pgm stats 2>&1 | grep -v '^  plain ')"
		dead=$(qm "SELECT min(event_id) FROM deliveries WHERE status = 'dead' AND done_at IS NULL")
		if [ -n "$dead" ]; then
			n0=$(qm "SELECT count(*) FROM deliveries WHERE event_id = $dead")
			pgm replay "$dead" >"$W/replay.out" 2>&1
			check "migrate: replay of a dead hook on PostgreSQL adds an attempt" $((n0 + 1)) \
				"$(qm "SELECT count(*) FROM deliveries WHERE event_id = $dead")"
			pgm done "$dead" >"$W/done.out" 2>&1
			check "migrate: done on PostgreSQL marks it done" done \
				"$(pgm list --status done 2>/dev/null | awk -v id="$dead" '$1 == id { print $5 }')"
		else
			fail "migrate: a dead hook to replay" "none among the migrated deliveries"
		fi
		pgm prune --dry-run >"$W/prune.out" 2>&1
		check_match "migrate: prune --dry-run on PostgreSQL" "would remove 0 events" "$(cat "$W/prune.out")"
		pgm prune --before 2999-01-01 >"$W/prune2.out" 2>&1
		check_match "migrate: prune --before on PostgreSQL removes events" "removed [1-9][0-9]* event" "$(cat "$W/prune2.out")"
		check "migrate: ... and keeps none whose hook is done" 0 \
			"$(qm "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND (d.status IN ('pending', 'running') OR (d.status = 'failed' AND d.next_attempt_at IS NOT NULL))) AND e.id NOT IN (SELECT event_id FROM hook_queue)")"
	else
		fail "migrate: createdb $MIG_DB" "$(cat "$W/createdb.err")"
	fi
}

# ===========================================================================
# 4. A password in the database's address is never shown.
part_password_never_shown() {
	PW=s3cretpw
	P=$W/pw
	mkdir -p "$P"
	host=${HB_PG_URI#*host=}
	host=${host%%&*}
	# The cases: name|database. good: reachable (trust ignores the
	# password); bad: a URI to a port nothing listens on; kv: the same in
	# libpq's key=value form; typo: an IPv6 host without its "]", which
	# libpq cannot read; slash: a password with a "/" not percent-encoded,
	# which makes libpq read the rest of the URI otherwise.
	CASES="good|postgresql://hookbox:$PW@/hookbox?host=$host&port=$PG_PORT
bad|postgresql://hookbox:$PW@/hookbox?host=$host&port=$((PG_PORT + 1))
kv|host=$PG_DIR port=$((PG_PORT + 1)) user=hookbox password=$PW dbname=hookbox
typo|postgresql://hookbox:$PW@[::1/hookbox
slash|postgresql://hookbox:$PW/x@/hookbox?host=$host&port=$PG_PORT"
	declare -A PWDB=()
	pwconf() {
		PWDB[$1]=$2
		cat >"$P/$1.conf" <<-EOF
		// tests/pg.sh: a database address with a password
		{ "database": "$2",
		  "endpoints": { "shop": { "provider": "quickbutik", "token": "$TOK" } } }
		EOF
		chmod 600 "$P/$1.conf"
	}
	while IFS='|' read -r c db; do pwconf "$c" "$db"; done <<<"$CASES"
	pwconf lite "$P/lite.db"	# a SQLite store, to migrate from
	# shows FILE...: those of the files that show the password.
	shows() { grep -l -F -- "$PW" "$@" 2>/dev/null | sed "s|^$P/||" | tr '\n' ' ' | sed 's/ $//'; }
	order_json 8001 >"$P/o.json"

	HOOKBOX_CONF=$P/good.conf "$HOOKBOX" init >"$P/init-good.out" 2>&1
	check "password: init connects (trust ignores the password)" 0 $?
	HOOKBOX_CONF=$P/good.conf "$HOOKBOX" check >"$P/check-good.out" 2>&1
	check "password: check passes" 0 $?
	check_match "password: check names the database without the password" \
		'^database postgresql://hookbox@' "$(grep '^database' "$P/check-good.out")"
	cgi "$P/good.conf" "/shop/$TOK" "$P/o.json" >"$P/cgi-good.out" 2>"$P/cgi-good.err"
	check_match "password: a CGI receive is stored" '"status":"accepted"' "$(cat "$P/cgi-good.out")"
	check "password (good): shown by no output" "" "$(shows "$P"/*-good.*)"

	for c in bad kv typo slash; do
		HOOKBOX_CONF=$P/$c.conf "$HOOKBOX" check >"$P/check-$c.out" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ] && grep -q '^database .*cannot be reached' "$P/check-$c.out"; then
			pass "password ($c): check fails, saying the database cannot be reached"
		else
			fail "password ($c): check fails, saying the database cannot be reached" "exit $rc: $(cat "$P/check-$c.out")"
		fi
		cgi "$P/$c.conf" "/shop/$TOK" "$P/o.json" >"$P/cgi-$c.out" 2>"$P/cgi-$c.err"
		if grep -q '^Status: 503' "$P/cgi-$c.out" && grep -q -i '^Retry-After: [0-9]' "$P/cgi-$c.out"; then
			pass "password ($c): a CGI receive is 503 with Retry-After"
		else
			fail "password ($c): a CGI receive is 503 with Retry-After" "$(head -c 300 "$P/cgi-$c.out")"
		fi
		if [ "$c" = bad ]; then
			check "password (bad): the failure is logged beside the config (bad.conf.store-failed)" yes \
				"$([ -s "$P/bad.conf.store-failed" ] && echo yes)"
		fi
		HOOKBOX_CONF=$P/$c.conf "$HOOKBOX" init >"$P/init-$c.out" 2>&1
		HOOKBOX_CONF=$P/$c.conf "$HOOKBOX" list >"$P/list-$c.out" 2>&1
		HOOKBOX_CONF=$P/$c.conf "$HOOKBOX" run >"$P/run-$c.out" 2>&1
		HOOKBOX_CONF=$P/lite.conf "$HOOKBOX" migrate --to "${PWDB[$c]}" >"$P/migrate-$c.out" 2>&1
		# (with the password, if there, masked)
		said=$(grep '^database' "$P/check-$c.out")
		echo "# password ($c): check says: ${said//"$PW"/<PASSWORD>}"
		said=$(head -n 1 "$P/cgi-$c.err")
		echo "# password ($c): the CGI's stderr: ${said//"$PW"/<PASSWORD>}"
		check "password ($c): shown by none of check, init, list, run, migrate, the CGI's answer and stderr, the files beside the config" \
			"" "$(shows "$P"/*-"$c".* "$P/$c.conf".*)"
	done

	# Through a FastCGI node (the config in the node's directory, which
	# becomes the web server user's): the answer, the web server's error
	# log, the files beside the config.
	for c in bad typo; do
		mkdir -p "$W/d-$c"
		cp "$P/$c.conf" "$W/d-$c/hookbox.conf"
		node_start "d-$c" lighttpd-fastcgi "$W/d-$c/hookbox.conf" || continue
		code=$(curl -s --noproxy '*' --max-time 30 -D "$P/fcgi-$c.h" -o "$P/fcgi-$c.b" -w '%{http_code}' \
			-H 'Content-Type: application/json' --data-binary @"$P/o.json" "${NODE_URL[d-$c]}/shop/$TOK")
		if [ "$code" = 503 ] && grep -q -i '^Retry-After: [0-9]' "$P/fcgi-$c.h"; then
			pass "password ($c): a FastCGI receive is 503 with Retry-After"
		else
			fail "password ($c): a FastCGI receive is 503 with Retry-After" "$code $(cat "$P/fcgi-$c.b")"
		fi
		node_stop "d-$c"
		cp "${NODE_LOG[d-$c]}" "$P/fcgi-$c.log"
		for f in "$W/d-$c"/hookbox.conf.*; do
			[ -f "$f" ] && cp "$f" "$P/fcgi-$c.${f##*/hookbox.}"
		done
		check "password ($c): shown by neither the FastCGI answer, the web server's error log, nor the files beside the config" \
			"" "$(shows "$P"/fcgi-"$c".*)"
	done
}

# ===========================================================================
# 5. The inbox on PostgreSQL, behind a FastCGI node: the password set by
#    `hookbox passwd`, a sign-in (form token, cookie), the front page
#    listing a dead hook, Mark done, Retry, sign-out, all in the database.
part_inbox() {
	local I=$W/inbox code c f csrf cookie
	mkdir -p "$I"
	cat >"$I/fail.sh" <<-EOF
	#!/bin/sh
	cat >/dev/null
	echo "stock system unreachable" >&2
	exit 65
	EOF
	chmod 755 "$I" "$I/fail.sh"
	cat >"$I/hookbox.conf" <<-EOF
	// tests/pg.sh: the inbox on PostgreSQL
	{
	  "database": "$HB_PG_URI",
	  "endpoints": {
	    "inboxshop": { "provider": "quickbutik", "token": "$TOK",
	      "hooks": { "order.new": { "run": ["$I/fail.sh"] } } }
	  }
	}
	EOF
	chmod 600 "$I/hookbox.conf"
	owned_by_server "$I"
	printf 'owner password 1\n' | as_server env HOOKBOX_CONF="$I/hookbox.conf" "$HOOKBOX" passwd >"$I/passwd.out" 2>&1
	check "inbox: hookbox passwd stores the hash in PostgreSQL" 1 \
		"$(q "SELECT count(*) FROM settings WHERE value LIKE '\$argon2id\$%'")"
	order_json inbox-1 >"$I/o.json"
	node_start inbox lighttpd-fastcgi "$I/hookbox.conf" || return
	code=$(curl -s --noproxy '*' --max-time 30 -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary @"$I/o.json" "${NODE_URL[inbox]}/inboxshop/$TOK")
	check "inbox: the order is stored" 200 "$code"
	as_server env HOOKBOX_CONF="$I/hookbox.conf" "$HOOKBOX" run >/dev/null 2>&1
	dead1() { [ "$(q "SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.endpoint = 'inboxshop' AND d.status = 'dead'")" = 1 ]; }
	wait_for dead1 || fail "inbox: the hook is dead" "$(q "SELECT status FROM deliveries")"

	# ireq METHOD PATH [DATA] [COOKIE]: the code; headers in $I/h, page in $I/b
	ireq() {
		local args=(-s --noproxy '*' --max-time 30 -o "$I/b" -D "$I/h" -w '%{http_code}' -X "$1")
		[ -n "${3:-}" ] && args+=(--data-binary "$3" -H 'Content-Type: application/x-www-form-urlencoded')
		[ -n "${4:-}" ] && args+=(-H "Cookie: $4")
		curl "${args[@]}" "${NODE_URL[inbox]}/_inbox$2"
	}
	cookie() { tr -d '\r' <"$I/h" | sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/Ip" | head -1; }
	ireq GET "" >/dev/null
	c=$(cookie hookbox_signin)
	f=$(grep -o 'name="signin" value="[^"]*"' "$I/b" | head -1 | sed 's/.*value="//; s/"$//')
	code=$(ireq POST /signin "signin=$f&password=owner+password+1" "$c")
	check "inbox: sign in (303)" 303 "$code"
	cookie=$(cookie hookbox_inbox)
	check "inbox: the session is a row in PostgreSQL" 1 "$(q "SELECT count(*) FROM sessions")"
	code=$(ireq GET "" "" "$cookie")
	check "inbox: the front page (200)" 200 "$code"
	id=$(q "SELECT id FROM events WHERE endpoint = 'inboxshop'")
	check_match "inbox: it lists the dead hook" "b-dead\">✕ dead.*#$id order.new.*the hook exited 65" "$(cat "$I/b")"
	csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$I/b" | head -1 | sed 's/.*value="//; s/"$//')
	# Mark done first: a runner may start a retried hook at once, and a
	# running hook cannot be marked done.
	code=$(ireq POST /done "id=$id&from=front&csrf=$csrf" "$cookie")
	check "inbox: Mark done (303)" 303 "$code"
	check "inbox: Mark done: done_at in PostgreSQL" 1 \
		"$(q "SELECT count(*) FROM deliveries WHERE event_id = $id AND done_at IS NOT NULL")"
	n0=$(q "SELECT count(*) FROM deliveries WHERE event_id = $id")
	code=$(ireq POST /retry "id=$id&from=front&csrf=$csrf" "$cookie")
	check "inbox: Retry (303)" 303 "$code"
	check "inbox: Retry added an attempt" $((n0 + 1)) \
		"$(q "SELECT count(*) FROM deliveries WHERE event_id = $id")"
	code=$(ireq GET "/event?id=$id" "" "$cookie")
	check "inbox: the event's page (200)" 200 "$code"
	check_match "inbox: ... with the hook's output" "stock system unreachable" "$(cat "$I/b")"
	code=$(ireq POST /signout "csrf=$csrf" "$cookie")
	check "inbox: sign out (303)" 303 "$code"
	check "inbox: sign out ends the session's row" 0 "$(q "SELECT count(*) FROM sessions")"
	node_stop inbox
}

want 1 && part_two_nodes
want 2 && part_pg_restart_under_load
want 3 && part_migrate_from_sqlite
want 4 && part_password_never_shown
want 5 && part_inbox

echo "# runtime: $((SECONDS - START)) s"
[ "$failed" -eq 0 ]
