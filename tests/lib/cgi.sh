# shellcheck shell=bash
# The binary as a web server runs a CGI program (an empty environment plus
# the CGI meta-variables, the body on stdin, the answer on stdout), and a
# judge of its answer against README.md's "Answers" table. Sourced, after
# common.sh, by receiver.sh, hostile.sh, faults.sh, concurrency.sh and
# leaks.sh.
#
# The caller sets T (a scratch directory), CONF (the config) and DB (its
# database, read with sqlite3 to count rows). CGI_WRAP=(...) is a command
# put in front of `env -i` (a ulimit shell, setpriv, unshare); default none.
#
# Output contract: one line per case, "PASS <name>" or "FAIL <name>: <why>";
# FAILURES counts the failed cases, so a suite ends with
#     [ "$FAILURES" -eq 0 ]

case $HOOKBOX in /*) ;; *) HOOKBOX=$TOP/$HOOKBOX ;; esac

FAILURES=0
# common.sh's fail(), counting, and keeping the reason on one line.
fail() {
	local why=${2//$'\r'/}
	printf 'FAIL %s: %s\n' "$1" "${why//$'\n'/\\n}"
	FAILURES=$((FAILURES + 1))
}

# ASAN_OPTIONS / UBSAN_OPTIONS reach the program, nothing else of ours.
SAN_ENV=()
[ -n "${ASAN_OPTIONS:-}" ] && SAN_ENV+=("ASAN_OPTIONS=$ASAN_OPTIONS")
[ -n "${UBSAN_OPTIONS:-}" ] && SAN_ENV+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")
CGI_WRAP=()

# A sanitizer's or the C library's word that something went wrong.
SAN_PATTERN='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer|stack smashing|double free|corrupted|Segmentation fault'

# db_count TABLE: its rows, 0 without a database, -1 when unreadable.
db_count() {
	if [ -f "$DB" ]; then
		sqlite3 -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM $1" 2>/dev/null || echo -1
	else
		echo 0
	fi
}

# db_refusals: the refusals rejects counts (one row stands for each of
# its cause, address and second).
db_refusals() {
	if [ -f "$DB" ]; then
		sqlite3 -cmd ".timeout 5000" "$DB" "SELECT coalesce(sum(count), 0) FROM rejects" 2>/dev/null || echo -1
	else
		echo 0
	fi
}

# db_counts: "REFUSALS EVENTS" in one look.
db_counts() {
	if [ -f "$DB" ]; then
		sqlite3 -separator ' ' "$DB" "SELECT (SELECT coalesce(sum(count), 0) FROM rejects), (SELECT count(*) FROM events)" 2>/dev/null || echo -1 -1
	else
		echo 0 0
	fi
}

# cgi METHOD PATH_INFO QUERY BODY_FILE [NAME=value...]
# BODY_FILE "-" sends no body and no CONTENT_LENGTH. Later NAME=value
# arguments override earlier ones (CONTENT_LENGTH=..., or NAME= to unset
# nothing: env -i keeps the last). Sets RC, CODE, HDRS, BODY, A_STATUS,
# A_ID, A_ERROR (A_STATUS=INVALID unless the body is one JSON object),
# R_DELTA and E_DELTA (refusals counted in rejects, a row standing for
# each of its cause, address and second; rows added to events).
cgi() {
	local method=$1 path=$2 query=$3 file=$4 r0 e0 r1 e1
	shift 4
	local vars=(GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1
		SCRIPT_NAME=/cgi-bin/hookbox.fcgi REQUEST_METHOD="$method"
		PATH_INFO="$path" QUERY_STRING="$query" REMOTE_ADDR=127.0.0.1
		HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}")
	if [ "$file" != - ]; then
		vars+=(CONTENT_LENGTH="$(wc -c <"$file" | tr -d ' ')"
			CONTENT_TYPE=application/json)
	else
		file=/dev/null
	fi
	read -r r0 e0 < <(db_counts)
	"${CGI_WRAP[@]}" env -i "${vars[@]}" "$@" "$HOOKBOX" <"$file" >"$T/out" 2>"$T/err"
	RC=$?
	read -r r1 e1 < <(db_counts)
	R_DELTA=$((r1 - r0))
	E_DELTA=$((e1 - e0))
	parse_answer "$T/out"
}

# python3 for the odd job; Debian's own starts faster than a pyenv shim.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# parse_answer FILE: a CGI answer (Status line, headers, blank line, JSON).
# The two shapes hookbox writes are read here; anything else is left to
# python3 to judge (A_STATUS=INVALID unless it is one JSON object).
parse_answer() {
	local ok='^\{"status":"([a-z]+)","id":([0-9]+)\}$'
	local err='^\{"status":"([a-z]+)","error":"(([^"\\]|\\.)*)"\}$'
	ANSWER_FILE=$1
	CODE=$(head -n 1 "$1" | tr -d '\r' | sed -n 's/^Status: \([0-9]*\) .*/\1/p')
	HDRS=$(sed -n '1,/^\r*$/p' "$1" | tr -d '\r')
	BODY=$(sed '1,/^\r*$/d' "$1")
	if [[ $BODY =~ $ok ]]; then
		A_STATUS=${BASH_REMATCH[1]} A_ID=${BASH_REMATCH[2]} A_ERROR=''
	elif [[ $BODY =~ $err ]]; then
		A_STATUS=${BASH_REMATCH[1]} A_ID='' A_ERROR=${BASH_REMATCH[2]}
	else
		IFS=$'\x1f' read -r A_STATUS A_ID A_ERROR < <("$PY" -c '
import json, sys
try:
    o = json.loads(sys.stdin.read())
    assert isinstance(o, dict)
except Exception:
    print("INVALID"); sys.exit()
print("\x1f".join(str(o.get(k, "")).replace("\n", " ") for k in ("status", "id", "error")))
' <<<"$BODY")
	fi
}

# answer_why CODE STATUS: why the last answer (ANSWER_FILE, with the
# program's stderr in ERR_FILE, default $T/err) breaks the contract for
# CODE/STATUS, or nothing. The contract: the program exited 0 without a
# sanitizer report, the code and "status" are the ones wanted, errors say
# why, 2xx carry an id (but a "ping", which stored nothing), 503 carries Retry-After, 405 carries Allow, and
# no SQLite error text ("locked") reaches the sender.
answer_why() {
	local code=$1 status=$2
	if [ "$RC" -ne 0 ]; then
		echo "the binary exited $RC: $(tail -n 3 "${ERR_FILE:-$T/err}" | tr '\n' ' ')"
	elif grep -qE "$SAN_PATTERN" "${ERR_FILE:-$T/err}"; then
		echo "sanitizer report: $(grep -m1 -E "$SAN_PATTERN" "${ERR_FILE:-$T/err}")"
	elif [ "$CODE" != "$code" ]; then
		echo "status $CODE, want $code; body $BODY"
	elif [ "$A_STATUS" = INVALID ]; then
		echo "the body is not a JSON object: [$BODY]"
	elif [ "$A_STATUS" != "$status" ]; then
		echo "\"status\" is $A_STATUS, want $status; body $BODY"
	elif [ "${code:0:1}" != 2 ] && [ -z "$A_ERROR" ]; then
		echo "an error answer without \"error\": $BODY"
	elif [ "${code:0:1}" = 2 ] && [ "$status" != ping ] && ! [[ $A_ID =~ ^[0-9]+$ ]]; then
		echo "no numeric \"id\": $BODY"
	elif [ "$code" = 503 ] && ! [[ $HDRS =~ (^|$'\n')Retry-After:\ [0-9]+($'\n'|$) ]]; then
		echo "a 503 without Retry-After: $HDRS"
	elif [ "$code" = 405 ] && ! [[ $HDRS =~ (^|$'\n')Allow:\ [A-Z] ]]; then
		echo "a 405 without Allow: $HDRS"
	elif grep -qi -e locked -e sqlite "$ANSWER_FILE"; then
		echo "the answer shows a store error: $BODY"
	fi
}

# expect NAME CODE STATUS: one case line for the last answer.
expect() {
	local why
	why=$(answer_why "$2" "$3")
	if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why"; fi
}

# integrity: what PRAGMA integrity_check says of DB.
integrity() {
	sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ' | sed 's/ $//'
}
