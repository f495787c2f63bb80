#!/usr/bin/env bash
# Hostile HTTP (issue 5, "nothing let in"): what a scanner, a broken client
# or an attacker can put in the CGI meta-variables and the body, through
# the binary run as CGI (like receiver.sh), and a few things only a
# FastCGI front end could pass (tests/lib/fcgi_client.py).
#
# Every case answers its documented 4xx (README.md, "Answers": never a 2xx
# for garbage, never a 5xx, never a crash or a sanitizer report), stores no
# event and adds one row to `rejects`. An event stored first stays intact,
# and PRAGMA integrity_check is ok at the end. Then hooks: payloads full of
# shell syntax reach a /bin/echo hook, whose output is exactly its
# configured argv, and nothing in them is ever run.
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
for tool in sqlite3 openssl python3 xxd; do
	command -v $tool >/dev/null || { fail "setup" "$tool is missing"; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/hookbox-hostile.XXXXXX")
chmod 755 "$T"
# Hook runners started by this suite carry HOOKBOX_CONF=$T/...; they are
# ended by pid at exit (they normally exit by themselves).
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
	for p in $(runner_pids); do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
START=$SECONDS

TOK=hostile-token-0123456789abcdef
SECRET=hostile-signing-secret-0123
STD_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
DB=$T/hookbox.db
CONF=$T/hookbox.conf
mkdir -p "$T/b"
cat >"$CONF" <<EOF
// tests/hostile.sh
{
  "database": "$DB",
  "max_body_bytes": 65536,
  "endpoints": {
    "catalog":  { "provider": "flipsnack",  "token": "$TOK" },
    "leads":    { "provider": "fliplink",   "token": "$TOK" },
    "shop":     { "provider": "quickbutik", "token": "$TOK" },
    "reflow":   { "provider": "reflow",     "secret": "$SECRET" },
    "std":      { "provider": "standard",   "secret": "$STD_SECRET" },
    "fdv3":     { "provider": "flipdish",   "secret": "$SECRET" },
    "fdlegacy": { "provider": "flipdish",   "verify_token": "$TOK" },
    "form":     { "provider": "generic",    "token": "$TOK",
                  "type_pointer": "/kind", "key_pointer": "/uid" },
    // hooks with a fixed argv, which itself looks like shell
    "shell":    { "provider": "flipsnack",  "token": "$TOK",
                  "hooks": { "order": { "run": ["/bin/echo", "fixed", "argv;", "\$(touch $T/argv-ran)", "\`id\`"] } } },
    "shellq":   { "provider": "quickbutik", "token": "$TOK",
                  "hooks": { "*": { "run": ["/usr/bin/printenv", "HOOKBOX_EVENT_TYPE", "HOOKBOX_RESOURCE_ID"] } } }
  }
}
EOF

CASES=0
# bad NAME CODE METHOD PATH_INFO QUERY BODY_FILE [NAME=value...]: a hostile
# request answered CODE "rejected", no event stored, one reject kept.
bad() {
	local name=$1 code=$2 why
	shift 2
	CASES=$((CASES + 1))
	cgi "$@"
	why=$(answer_why "$code" rejected)
	if [ -z "$why" ] && [ "$E_DELTA" -ne 0 ]; then
		why="stored $E_DELTA event(s); answer $BODY"
	elif [ -z "$why" ] && [ "$R_DELTA" -ne 1 ]; then
		why="added $R_DELTA refusals to rejects, want 1"
	fi
	if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}
# good NAME STATUS METHOD PATH_INFO QUERY BODY_FILE [NAME=value...]: a
# strange but valid request, answered 200 STATUS.
good() {
	local name=$1 status=$2 why
	shift 2
	CASES=$((CASES + 1))
	cgi "$@"
	why=$(answer_why 200 "$status")
	if [ -z "$why" ] && [ "$R_DELTA" -ne 0 ]; then
		why="added $R_DELTA refusals to rejects"
	fi
	if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}

hmac_hex() { openssl dgst -sha256 -hmac "$1" -r | cut -d ' ' -f 1; }
std_sig() {	# ID TS FILE
	local key
	key=$(printf '%s' "${STD_SECRET#whsec_}" | base64 -d | xxd -p -c 256)
	printf 'v1,%s' "$({ printf '%s.%s.' "$1" "$2"; cat "$3"; } |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)"
}
rep() { "$PY" -c 'import sys; sys.stdout.write(sys.argv[1] * int(sys.argv[2]))' "$1" "$2"; }

# The bodies, byte for byte (python3 writes what printf cannot).
"$PY" - "$T/b" <<'PY'
import os, random, sys
d = sys.argv[1]
def w(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
order = lambda oid, extra="": '{"type":"orders","order_id":%s%s}' % (oid, extra)
w("known", order('"KNOWN-1"', ',"items":[{"sku":"A","qty":2}],"note":"the one that must survive"'))
w("valid", order('"V-1"'))
w("valid-noCL", order('"V-NOCL"'))
w("cut", order('"CUT-1"'))
w("big-noCL", order('"BIG"', ',"pad":"%s"' % ("x" * 70000)))
w("big", "x" * 65537)
# UTF-8 that RFC 3629 forbids, and bytes JSON forbids inside strings
for name, raw in [("utf8-ff", b"\xff"), ("utf8-overlong", b"\xc0\xaf"),
                  ("utf8-overlong3", b"\xe0\x80\x80"),
                  ("utf8-surrogate", b"\xed\xa0\x80"),
                  ("utf8-over-10ffff", b"\xf4\x90\x80\x80"),
                  ("utf8-5byte", b"\xf8\x88\x80\x80\x80"),
                  ("utf8-truncated", b"\xe2\x82")]:
    w(name, b'{"type":"orders","order_id":"U-%s","note":"a%sb"}' % (name.encode(), raw))
    w(name + "-key", b'{"type":"orders","order_id":"U%s"}' % raw)
w("nul-in-key", b'{"type":"orders","order_id":"N\x00UL"}')
w("nul-in-string", b'{"type":"orders","order_id":"NUL-2","note":"a\x00b"}')
w("nul-after", b'{"type":"orders","order_id":"NUL-3"}\x00')
w("nul-before", b'\x00{"type":"orders","order_id":"NUL-4"}')
w("ctl-in-string", b'{"type":"orders","order_id":"CTL-1","note":"a\x01b"}')
w("newline-in-string", b'{"type":"orders","order_id":"CTL-2","note":"a\nb"}')
w("tab-in-string", b'{"type":"orders","order_id":"CTL-3","note":"a\tb"}')
w("esc-nul-key", order(r'"E\u0000SC"'))
w("esc-nul-end", order(r'"ESC\u0000"'))
w("esc-1f-key", order(r'"E\u001fSC"'))
w("esc-nul-type", '{"type":"or\\u0000ders","order_id":"ESC-T"}')
w("dup-key", '{"type":"orders","order_id":"DUP-FIRST","order_id":"DUP-LAST"}')
w("dup-first", order('"DUP-FIRST"'))
w("dup-last", order('"DUP-LAST"'))
w("u64-max", order("18446744073709551615"))
w("u64-max+1", order("18446744073709551616"))
w("u64-huge", order("99999999999999999999999999"))
w("i64-min", order("-9223372036854775808"))
w("i64-min-1", order("-9223372036854775809"))
w("fl-u64-max", '{"event":"lead.captured","id":18446744073709551615}')
w("fl-u64-max+1", '{"event":"lead.captured","id":18446744073709551616}')
w("big-elsewhere", order('"BIGNUM-1"', ',"total":123456789012345678901234567890,"tax":1e400,"neg":-99999999999999999999999'))
w("float-key", order("1.5"))
w("exp-key", order("1e3"))
for name, v in [("bool-key", "true"), ("null-key", "null"), ("obj-key", "{}"),
                ("arr-key", "[]"), ("empty-key", '""')]:
    w(name, order(v))
w("long-key", order('"%s"' % ("k" * 600)))
w("long-type", '{"type":"%s","order_id":"LT"}' % ("t" * 200))
w("space-type", '{"type":"or ders","order_id":"ST"}')
w("deep-array", '{"type":"orders","order_id":"DEEP-1","x":' + "[" * 10000 + "]" * 10000 + "}")
w("deep-object", '{"type":"orders","order_id":"DEEP-2","x":' + '{"a":' * 10000 + "1" + "}" * 10000 + "}")
w("deep-65", '{"type":"orders","order_id":"DEEP-3","x":' + "[" * 65 + "]" * 65 + "}")
w("brackets", "[" * 10000)
w("braces", "{" * 10000)
w("nan", order('"NAN-1"', ',"x":NaN'))
w("infinity", order('"INF-1"', ',"x":-Infinity'))
w("number-dot", order('"DOT-1"', ',"x":1.'))
w("bom", b"\xef\xbb\xbf" + order('"BOM-1"').encode())
w("array-top", '[{"type":"orders","order_id":"ARR"}]')
w("string-top", '"orders"')
w("number-top", "42")
w("two-objects", order('"TWO-1"') + order('"TWO-2"'))
w("trailing-comma", '{"type":"orders","order_id":"TC",}')
w("comment", '{"type":"orders", /* x */ "order_id":"CM"}')
w("single-quotes", "{'type':'orders','order_id':'SQ'}")
w("unquoted", '{type:"orders",order_id:"UQ"}')
w("open", "{")
w("whitespace", " \n\t ")
w("empty", "")
rnd = random.Random(5)
w("garbage-4k", bytes(rnd.randrange(256) for _ in range(4096)))
w("garbage-64k", bytes(rnd.randrange(256) for _ in range(65536)))
w("garbage-brace", b"{" + bytes(rnd.randrange(256) for _ in range(1000)))
w("form-10000", "&".join(["p=v"] * 10000))
w("qb-10000", "event_type=order.new&order_id=9&" + "&".join(["p=v"] * 10000))
w("qb-json-garbage", '{"event_type":"order.new","order_id":"7",')
w("std", '{"type":"invoice.paid","data":{"id":"inv_1"}}')
w("reflow", '{"type":"order.created","id":"evt_hostile_1","data":{"object":{"id":"1"}}}')
w("fd", '{"detail-type":"order.created","detail":{"metadata":{"id":"fd-hostile-1"}}}')
PY
B=$T/b

# ---- something to keep: stored first, checked at the end ----
cgi POST "/catalog/$TOK" "" "$B/known"
expect "setup: a known event is stored first" 200 accepted
KNOWN_ID=$A_ID
KNOWN_HEX=$(xxd -p "$B/known" | tr -d '\n' | tr a-f A-F)

# ---- CONTENT_LENGTH ----
V=$B/valid
bad "CONTENT_LENGTH -1 is 400" 400 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=-1
bad "CONTENT_LENGTH -99999999999999999999 is 400" 400 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=-99999999999999999999
bad "CONTENT_LENGTH non-numeric is 400" 400 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=abc
bad "CONTENT_LENGTH with trailing junk is 400" 400 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=33abc
bad "CONTENT_LENGTH with a leading space is 400" 400 POST "/catalog/$TOK" "" "$V" "CONTENT_LENGTH= 33"
bad "CONTENT_LENGTH in hex is 400" 400 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=0x21
bad "CONTENT_LENGTH 99999999999999999999 is 413" 413 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=99999999999999999999
bad "CONTENT_LENGTH LLONG_MAX, no body, is 413" 413 POST "/catalog/$TOK" "" - CONTENT_LENGTH=9223372036854775807 CONTENT_TYPE=application/json
bad "CONTENT_LENGTH one over max_body_bytes is 413" 413 POST "/catalog/$TOK" "" "$B/big"
bad "CONTENT_LENGTH larger than the body is 400" 400 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=$(( $(wc -c <"$V") + 1 ))
bad "CONTENT_LENGTH smaller than the body (cut JSON) is 400" 400 POST "/catalog/$TOK" "" "$B/cut" CONTENT_LENGTH=$(( $(wc -c <"$B/cut") - 3 ))
bad "CONTENT_LENGTH 0 with a body is 400" 400 POST "/catalog/$TOK" "" "$V" CONTENT_LENGTH=0
bad "CONTENT_LENGTH absent and no body is 400" 400 POST "/catalog/$TOK" "" - CONTENT_TYPE=application/json
# The absent-length cases with a body on stdin (cgi sends none for "-").
absent_cl() {	# NAME CODE STATUS FILE
	local name=$1 code=$2 status=$3 file=$4 r0 e0 why
	CASES=$((CASES + 1))
	r0=$(db_refusals)
	e0=$(db_count events)
	env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO="/catalog/$TOK" \
		CONTENT_TYPE=application/json REMOTE_ADDR=127.0.0.1 HOOKBOX_CONF="$CONF" \
		"${SAN_ENV[@]}" "$HOOKBOX" <"$file" >"$T/out" 2>"$T/err"
	RC=$?
	R_DELTA=$(( $(db_refusals) - r0 ))
	E_DELTA=$(( $(db_count events) - e0 ))
	parse_answer "$T/out"
	why=$(answer_why "$code" "$status")
	if [ -z "$why" ] && [ "$code" != 200 ] && [ "$E_DELTA" -ne 0 ]; then
		why="stored $E_DELTA event(s)"
	fi
	if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}
absent_cl "CONTENT_LENGTH absent, garbage body on stdin, is 400" 400 rejected "$B/garbage-4k"
absent_cl "CONTENT_LENGTH absent, body over max_body_bytes, is 413" 413 rejected "$B/big-noCL"
# Documented (README: Apache mod_cgi passes chunked bodies so): the body
# runs to the end of input. A valid one is an event, stored intact.
absent_cl "CONTENT_LENGTH absent, valid body, is read to EOF and accepted" 200 accepted "$B/valid-noCL"
check "CONTENT_LENGTH absent: the body is stored byte for byte" \
	"$(xxd -p "$B/valid-noCL" | tr -d '\n' | tr a-f A-F)" \
	"$(sqlite3 "$DB" "SELECT hex(body) FROM events WHERE event_key = 'V-NOCL'")"
ACCEPTED_ON_PURPOSE=1

# ---- the query string ----
# execve refuses one environment string over 128 KiB, so 128 KiB is the
# most a CGI program can be given; 1 MiB goes through FastCGI below.
Q128="event_type=order.new&order_id=1&pad=$(rep x 130900)"
bad "QUERY_STRING of 128 KiB is 400" 400 GET "/shop/$TOK" "$Q128" -
Q10000=$("$PY" -c 'print("&".join("p%d=%d" % (i, i) for i in range(10000)))')
bad "10,000 query parameters (over 8 KiB) are 400" 400 GET "/shop/$TOK" "event_type=order.new&order_id=1&$Q10000" -
Q100=$("$PY" -c 'print("&".join("p%d=" % i for i in range(100)))')
bad "100 short query parameters under 8 KiB are 400" 400 GET "/shop/$TOK" "event_type=order.new&order_id=1&$Q100" -
check_match "100 parameters: the error says more than 64 parameters" "more than 64 parameters" "$A_ERROR"
bad "10,000 parameters in a quickbutik form body are 400" 400 POST "/shop/$TOK" "" "$B/qb-10000" CONTENT_TYPE=application/x-www-form-urlencoded
check_match "10,000 form parameters: the error says more than 64 parameters" "more than 64 parameters" "$A_ERROR"
bad "10,000 parameters in a generic form body are 400" 400 POST "/form/$TOK" "" "$B/form-10000" CONTENT_TYPE=application/x-www-form-urlencoded
bad "quickbutik %00 in a value is 400" 400 GET "/shop/$TOK" "event_type=order.new&order_id=1%00" -
bad "quickbutik %G1 is 400" 400 GET "/shop/$TOK" "event_type=order.new&order_id=%G1" -
bad "quickbutik a trailing % is 400" 400 GET "/shop/$TOK" "event_type=order.new&order_id=1%" -
bad "quickbutik a newline (%0A) in order_id is 400" 400 GET "/shop/$TOK" "event_type=order.new&order_id=1%0Aid" -
bad "quickbutik a space in event_type is 400" 400 GET "/shop/$TOK" "event_type=order%20new&order_id=1" -
bad "quickbutik a cut JSON body is 400" 400 POST "/shop/$TOK" "" "$B/qb-json-garbage"

# ---- the path: endpoint names and tokens ----
bad "endpoint /../catalog/TOKEN is 404" 404 POST "/../catalog/$TOK" "" "$V"
bad "endpoint /catalog/../catalog/TOKEN is 404" 404 POST "/catalog/../catalog/$TOK" "" "$V"
bad "endpoint /.. is 404" 404 POST "/.." "" "$V"
bad "token .. is 401" 401 POST "/catalog/.." "" "$V"
bad "endpoint %00 (as PATH_INFO text) is 404" 404 POST "/%00/$TOK" "" "$V"
bad "endpoint catalog%00 is 404" 404 POST "/catalog%00/$TOK" "" "$V"
bad "REQUEST_URI with %00 in the endpoint is 404" 404 POST "" "" "$V" \
	REQUEST_URI="/cgi-bin/hookbox.fcgi/catalog%00x/$TOK"
bad "REQUEST_URI with %00 in the token is 404" 404 POST "" "" "$V" \
	REQUEST_URI="/cgi-bin/hookbox.fcgi/catalog/$TOK%00"
bad "endpoint split by / (cat/alog) is 404" 404 POST "/cat/alog" "" "$V"
bad "an empty endpoint (//catalog) is 404" 404 POST "//catalog/$TOK" "" "$V"
bad "an empty segment before the token is 404" 404 POST "/catalog//$TOK" "" "$V"
bad "an endpoint name of 65 bytes is 404" 404 POST "/$(rep a 65)/$TOK" "" "$V"
bad "an endpoint name of 1000 bytes is 404" 404 POST "/$(rep a 1000)" "" "$V"
bad "a path of 10 KiB is 404" 404 POST "/$(rep a 10240)" "" "$V"
bad "control bytes in the endpoint name are 404" 404 POST $'/cat\x01\x1b[2Jalog/'"$TOK" "" "$V"
check "rejects keep control bytes of a name escaped" 0 \
	"$(sqlite3 "$DB" "SELECT count(*) FROM rejects WHERE endpoint GLOB '*'||char(1)||'*' OR endpoint GLOB '*'||char(27)||'*'")"
bad "a token of 1000 bytes is 401" 401 POST "/catalog/$(rep t 1000)" "" "$V"
bad "a token of 10 KiB in the path is 404 (path over 1 KiB)" 404 POST "/catalog/$(rep t 10240)" "" "$V"
bad "?token= of 8000 bytes is 401" 401 POST /catalog "token=$(rep t 8000)" "$V"
bad "?token= of 10 KiB is 400 (query over 8 KiB)" 400 POST /catalog "token=$(rep t 10240)" "$V"
bad "?token=%00 is 401" 401 POST /catalog "token=%00" "$V"
bad "the token with a NUL after it (?token=TOKEN%00) is 401" 401 POST /catalog "token=$TOK%00" "$V"

# ---- methods and headers ----
bad "an empty REQUEST_METHOD is 405" 405 "" "/catalog/$TOK" "" "$V"
bad "CR/LF in REQUEST_METHOD is 405" 405 $'POST\r\nX: y' "/catalog/$TOK" "" "$V"
bad "CR/LF in a header value is 400" 400 POST "/catalog/$TOK" "" "$V" HTTP_X_EVIL=$'a\r\nSet-Cookie: x=1'
check "CR/LF header: no injected header in the answer" "" "$(grep -i '^Set-Cookie' <<<"$HDRS")"
bad "a lone LF in a header value is 400" 400 POST "/catalog/$TOK" "" "$V" HTTP_X_EVIL=$'a\nb'
bad "a lone CR in a header value is 400" 400 POST "/catalog/$TOK" "" "$V" HTTP_X_EVIL=$'a\rb'
bad "CR/LF in X-Verify-Token is 400" 400 POST /fdlegacy "" "$B/fd" HTTP_X_VERIFY_TOKEN=$'x\r\nX-Verify-Token: '"$TOK"
bad "a header value of 10 KiB is 400" 400 POST "/catalog/$TOK" "" "$V" HTTP_X_BIG="$(rep h 10240)"
many=()
for i in $(seq 1 65); do many+=("HTTP_X_H$i=v"); done
bad "65 request headers are 400" 400 POST "/catalog/$TOK" "" "$V" "${many[@]}"
# CONTENT_TYPE is not an HTTP_* header, and QUERY_STRING is passed as the
# server got it. Whatever hookbox answers, a line break or a terminal
# escape in them never reaches the answer's headers, and never reaches
# the owner's terminal through `hookbox show` (13 lines of fields, then
# the body), where it could forge a field or a line.
show_fields() {	# ID: the field lines `show` prints before the body
	env -i HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}" "$HOOKBOX" show "$1" 2>&1 | sed '/^body (/,$d'
}
forged() {	# ID: why show's fields are forged, or nothing
	local out
	out=$(show_fields "$1")
	if [ "$(wc -l <<<"$out")" -ne 13 ]; then
		echo "show prints $(wc -l <<<"$out") field lines, not 13: $(cat -v <<<"$out" | tr '\n' '|')"
	elif LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$out"; then
		echo "show prints raw control bytes: $(cat -v <<<"$out" | tr '\n' '|')"
	fi
}
printf '{"type":"orders","order_id":"CT-1"}' >"$B/ct"
CASES=$((CASES + 1))
cgi POST "/catalog/$TOK" "" "$B/ct" CONTENT_TYPE=$'application/json\r\nproof         forged\x1b[2J'
echo "# CR/LF and ESC in CONTENT_TYPE: answered $CODE $A_STATUS (stored: $E_DELTA)"
check "CR/LF in CONTENT_TYPE never reaches the answer headers" "" "$(grep -i '^proof' <<<"$HDRS")"
if [ "$E_DELTA" -eq 1 ]; then
	ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
	check "CR/LF and ESC in CONTENT_TYPE: show forges no field or line" "" "$(forged "$A_ID")"
fi
printf '{"type":"orders","order_id":"QS-1"}' >"$B/qs"
CASES=$((CASES + 1))
cgi POST "/catalog/$TOK" $'a=1\x1b[2J\rproof         forged' "$B/qs"
echo "# ESC and CR in QUERY_STRING: answered $CODE $A_STATUS (stored: $E_DELTA)"
if [ "$E_DELTA" -eq 1 ]; then
	ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
	check "ESC and CR in QUERY_STRING: show forges no field or line" "" "$(forged "$A_ID")"
fi

# A terminal's escapes in a body (a Quickbutik form POST: OSC to retitle
# the window, BEL, then clear the screen): `show` prints them escaped;
# `show --raw` gives the exact stored bytes to a pipe, and refuses a
# terminal (exit 2).
printf 'event_type=order.new&order_id=ESC-1&note=\033]0;x\007\033[2J' >"$B/esc-form"
CASES=$((CASES + 1))
cgi POST "/shop/$TOK" "" "$B/esc-form" CONTENT_TYPE=application/x-www-form-urlencoded
echo "# ESC, OSC and BEL in a form body: answered $CODE $A_STATUS (stored: $E_DELTA)"
if [ "$E_DELTA" -eq 1 ]; then
	ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
	env -i HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}" "$HOOKBOX" show "$A_ID" >"$B/esc-show" 2>&1
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$B/esc-show"; then
		fail "ESC in a body: show prints no raw control byte" "$(cat -v "$B/esc-show" | tr '\n' '|')"
	else
		pass "ESC in a body: show prints no raw control byte"
	fi
	check "ESC in a body: show prints it escaped" 1 \
		"$(grep -cF 'note=\x1b]0;x\x07\x1b[2J' "$B/esc-show")"
	env -i HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}" "$HOOKBOX" show --raw "$A_ID" 2>/dev/null |
		sed -n '/^body (/{n;p;q}' | head -c "$(wc -c <"$B/esc-form")" | od -An -tx1 >"$B/esc-raw"
	check "show --raw to a pipe prints the body's exact bytes" \
		"$(od -An -tx1 <"$B/esc-form")" "$(cat "$B/esc-raw")"
	# script(1) gives the command a terminal for its stdout.
	if command -v script >/dev/null; then
		script -qec "env -i HOOKBOX_CONF='$CONF' ${SAN_ENV[*]} '$HOOKBOX' show --raw $A_ID" \
			/dev/null >"$B/esc-tty" 2>&1 </dev/null
		rc=$?
		check "show --raw to a terminal is refused with exit 2" 2 "$rc"
		check "show --raw to a terminal prints no body" 0 \
			"$(grep -c 'ESC-1' "$B/esc-tty")"
	fi
else
	fail "ESC in a body: a form POST with it is stored" "answered $CODE $A_STATUS: $BODY"
fi

# ---- signatures ----
R=$B/reflow
RSIG=$(hmac_hex "$SECRET" <"$R")
bad "reflow Signature of 10 KiB is 400" 400 POST /reflow "" "$R" HTTP_SIGNATURE="$(rep a 10240)"
bad "reflow Signature of 8000 hex digits is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="$(rep ab 4000)"
bad "reflow Signature sha256= plus 4089 bytes is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="sha256=$(rep A 4089)"
bad "reflow Signature of 45 base64 bytes is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="$(rep A 45)"
bad "reflow Signature of 88 base64 bytes is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="$(rep A 88)"
bad "reflow Signature right but one byte longer is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="${RSIG}0"
bad "reflow Signature right but one byte shorter is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="${RSIG%?}"
bad "reflow Signature sha256= alone is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="sha256="
bad "reflow Signature empty is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE=
bad "reflow Signature of another body is 401" 401 POST /reflow "" "$R" HTTP_SIGNATURE="$(printf x | hmac_hex "$SECRET")"
S=$B/std
TS=$(date +%s)
SSIG=$(std_sig msg_hostile_1 "$TS" "$S")
bad "standard: forty 88-byte v1 entries are 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP="$TS" HTTP_WEBHOOK_SIGNATURE="$(for i in $(seq 40); do printf 'v1,%s ' "$(rep QUFB 22)"; done)"
bad "standard: one 88-byte v1 entry is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP="$TS" HTTP_WEBHOOK_SIGNATURE="v1,$(rep QUFB 22)"
bad "standard: one v1 entry of 4090 bytes is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP="$TS" HTTP_WEBHOOK_SIGNATURE="v1,$(rep A 4090)"
bad "standard: the right MAC with a v2 prefix is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP="$TS" HTTP_WEBHOOK_SIGNATURE="v2,${SSIG#v1,}"
bad "standard: v1,= is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP="$TS" HTTP_WEBHOOK_SIGNATURE="v1,="
bad "standard: timestamp 99999999999999999999 is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP=99999999999999999999 HTTP_WEBHOOK_SIGNATURE="$SSIG"
bad "standard: timestamp -1 is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP=-1 HTTP_WEBHOOK_SIGNATURE="$SSIG"
bad "standard: timestamp with junk is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP="${TS}x" HTTP_WEBHOOK_SIGNATURE="$SSIG"
LONGID=$(rep i 300)
bad "standard: a rightly signed webhook-id of 300 bytes is 401" 401 POST /std "" "$S" HTTP_WEBHOOK_ID="$LONGID" \
	HTTP_WEBHOOK_TIMESTAMP="$TS" HTTP_WEBHOOK_SIGNATURE="$(std_sig "$LONGID" "$TS" "$S")"
bad "standard: webhook-signature over 8 KiB is 400" 400 POST /std "" "$S" HTTP_WEBHOOK_ID=msg_hostile_1 \
	HTTP_WEBHOOK_TIMESTAMP="$TS" HTTP_WEBHOOK_SIGNATURE="$SSIG $(rep A 8200)"
F=$B/fd
FT=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
FSIG=$({ printf '%s.' "$FT"; cat "$F"; } | hmac_hex "$SECRET")
bad "flipdish: t= of 100 bytes is 401" 401 POST /fdv3 "" "$F" HTTP_X_FLIPDISH_SIGNATURE="t=$(rep 9 100),sha256=$FSIG"
bad "flipdish: sha256= of 66 hex digits is 401" 401 POST /fdv3 "" "$F" HTTP_X_FLIPDISH_SIGNATURE="t=$FT,sha256=${FSIG}00"
bad "flipdish: sha256= of 64 non-hex bytes is 401" 401 POST /fdv3 "" "$F" HTTP_X_FLIPDISH_SIGNATURE="t=$FT,sha256=$(rep z 64)"
bad "flipdish: only commas is 401" 401 POST /fdv3 "" "$F" HTTP_X_FLIPDISH_SIGNATURE="$(rep , 4000)"
bad "flipdish: a signature header of 4097 bytes is 401" 401 POST /fdv3 "" "$F" HTTP_X_FLIPDISH_SIGNATURE="t=$FT,sha256=$FSIG,$(rep x 4000)"
FUT=9999-12-31T23:59:59Z
bad "flipdish: a rightly signed t in year 9999 is 401" 401 POST /fdv3 "" "$F" \
	HTTP_X_FLIPDISH_SIGNATURE="t=$FUT,sha256=$({ printf '%s.' "$FUT"; cat "$F"; } | hmac_hex "$SECRET")"
BADT=2025-13-45T99:99:99Z
bad "flipdish: a rightly signed impossible date is 401" 401 POST /fdv3 "" "$F" \
	HTTP_X_FLIPDISH_SIGNATURE="t=$BADT,sha256=$({ printf '%s.' "$BADT"; cat "$F"; } | hmac_hex "$SECRET")"
bad "flipdish legacy: X-Verify-Token of 9 KiB is 400" 400 POST /fdlegacy "" "$F" HTTP_X_VERIFY_TOKEN="$(rep v 9216)"
bad "flipdish legacy: a wrong X-Verify-Token of 4 KiB is 401" 401 POST /fdlegacy "" "$F" HTTP_X_VERIFY_TOKEN="$(rep v 4096)"

# ---- the JSON body ----
# What json-c reads in its strict mode is stored as it came, quirks and
# all (README "Limits"): its platform cannot be made to fix them, and the
# hook gets the same bytes. Fields read from it are still plain UTF-8.
for f in utf8-ff utf8-overlong utf8-overlong3 utf8-surrogate utf8-over-10ffff utf8-5byte utf8-truncated; do
	good "invalid UTF-8 ($f) in a string is stored" accepted POST "/catalog/$TOK" "" "$B/$f"
	check "invalid UTF-8 ($f) in a string: stored byte for byte" "$(xxd -p "$B/$f" | tr -d '\n' | tr a-f A-F)" \
		"$(sqlite3 "$DB" "SELECT hex(body) FROM events WHERE id = ${A_ID:-0}")"
	ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
	bad "invalid UTF-8 ($f) in order_id is 400" 400 POST "/catalog/$TOK" "" "$B/$f-key"
done
bad "a NUL byte in order_id is 400" 400 POST "/catalog/$TOK" "" "$B/nul-in-key"
bad "a NUL byte inside a string is 400" 400 POST "/catalog/$TOK" "" "$B/nul-in-string"
bad "a NUL byte after the object is 400" 400 POST "/catalog/$TOK" "" "$B/nul-after"
bad "a NUL byte before the object is 400" 400 POST "/catalog/$TOK" "" "$B/nul-before"
good "a raw control byte (0x01) inside a string is stored" accepted POST "/catalog/$TOK" "" "$B/ctl-in-string"
good "a raw newline inside a string is stored" accepted POST "/catalog/$TOK" "" "$B/newline-in-string"
good "a raw tab inside a string is stored" accepted POST "/catalog/$TOK" "" "$B/tab-in-string"
ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 3))
bad "\\u0000 inside order_id is 400" 400 POST "/catalog/$TOK" "" "$B/esc-nul-key"
bad "\\u0000 at the end of order_id is 400" 400 POST "/catalog/$TOK" "" "$B/esc-nul-end"
bad "\\u001f inside order_id is 400" 400 POST "/catalog/$TOK" "" "$B/esc-1f-key"
bad "\\u0000 inside type is 400" 400 POST "/catalog/$TOK" "" "$B/esc-nul-type"
for f in float-key exp-key bool-key null-key obj-key arr-key empty-key long-key long-type space-type; do
	bad "order_id or type not a plain value ($f) is 400" 400 POST "/catalog/$TOK" "" "$B/$f"
done
bad "JSON nested 10,000 deep (arrays) is 400" 400 POST "/catalog/$TOK" "" "$B/deep-array"
check_match "10,000 deep: the error names the depth limit" "deeper than 64" "$A_ERROR"
bad "JSON nested 10,000 deep (objects) is 400" 400 POST "/catalog/$TOK" "" "$B/deep-object"
bad "JSON nested 65 deep is 400" 400 POST "/catalog/$TOK" "" "$B/deep-65"
bad "a body of 10,000 [ is 400" 400 POST "/catalog/$TOK" "" "$B/brackets"
bad "a body of 10,000 { is 400" 400 POST "/catalog/$TOK" "" "$B/braces"
bad "a body of 10,000 [ to quickbutik is 400" 400 POST "/shop/$TOK" "" "$B/brackets"
bad "a body of 10,000 [ to generic is 400" 400 POST "/form/$TOK" "" "$B/brackets"
for f in nan infinity number-dot; do
	good "a number json-c reads ($f) is stored" accepted POST "/catalog/$TOK" "" "$B/$f"
	ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
done
for f in array-top string-top number-top two-objects trailing-comma comment \
	single-quotes unquoted open whitespace empty garbage-4k garbage-64k garbage-brace; do
	bad "not a JSON object ($f) is 400" 400 POST "/catalog/$TOK" "" "$B/$f"
done
for ep in leads "fdlegacy" form; do
	case $ep in
	fdlegacy) bad "binary garbage to $ep is 400" 400 POST /fdlegacy "" "$B/garbage-4k" HTTP_X_VERIFY_TOKEN="$TOK" ;;
	*) bad "binary garbage to $ep is 400" 400 POST "/$ep/$TOK" "" "$B/garbage-4k" ;;
	esac
done
# RFC 8259 lets a parser ignore a BOM; whatever hookbox does, not a 5xx.
CASES=$((CASES + 1))
cgi POST "/catalog/$TOK" "" "$B/bom"
echo "# a UTF-8 BOM before the object: answered $CODE $A_STATUS"
case $CODE in
400) why=$(answer_why 400 rejected) ;;
200) why=$(answer_why 200 accepted) ;;
*) why="answered $CODE" ;;
esac
if [ -z "$why" ]; then pass "a UTF-8 BOM before the object is 400 or stored"; else
	fail "a UTF-8 BOM before the object is 400 or stored" "$why"; fi

# Duplicate keys: json-c keeps the last. The key of an event is then a
# function of its bytes, so a redelivery is still a duplicate; hooks in
# PHP, Python, JavaScript and jq read the last one too.
good "duplicate JSON keys are accepted" accepted POST "/catalog/$TOK" "" "$B/dup-key"
DUP_ID=$A_ID
check "duplicate JSON keys: the last order_id is the key" DUP-LAST \
	"$(sqlite3 "$DB" "SELECT event_key FROM events WHERE id = ${DUP_ID:-0}")"
good "duplicate JSON keys: the same order with only the last key is a duplicate" duplicate \
	POST "/catalog/$TOK" "" "$B/dup-last"
check "duplicate JSON keys: ... of the same event" "$DUP_ID" "$A_ID"
good "duplicate JSON keys: the first value alone is another order" accepted \
	POST "/catalog/$TOK" "" "$B/dup-first"
ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 2))

# Numbers past 2^64: json-c parses integers into int64/uint64. Two
# different order numbers must never be taken for one (a "duplicate"
# answer would drop the second order for good).
numbers() {	# ENDPOINT FIRST SECOND NAME
	local first_id
	good "$4: $(basename "$2") is accepted" accepted POST "/$1/$TOK" "" "$2"
	first_id=$A_ID
	ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
	CASES=$((CASES + 1))
	cgi POST "/$1/$TOK" "" "$3"
	if [ "$CODE" = 400 ] && [ "$E_DELTA" -eq 0 ] && [ -z "$(answer_why 400 rejected)" ]; then
		pass "$4: $(basename "$3") is refused, not taken for $(basename "$2")"
	elif [ "$CODE" = 200 ] && [ "$A_STATUS" = accepted ] && [ "$A_ID" != "$first_id" ]; then
		ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
		pass "$4: $(basename "$3") is stored as its own event"
	else
		fail "$4: $(basename "$3") is refused or stored as its own event" \
			"answered $CODE $BODY, stored key of event $first_id is $(sqlite3 "$DB" "SELECT event_key FROM events WHERE id = ${first_id:-0}") (the new order is lost)"
	fi
}
numbers catalog "$B/u64-max" "$B/u64-max+1" "order_id past 2^64"
CASES=$((CASES + 1))
cgi POST "/catalog/$TOK" "" "$B/u64-huge"
if [ "$A_STATUS" = duplicate ]; then
	fail "order_id 10^26 is not a duplicate of another order" "answered $BODY"
else
	pass "order_id 10^26 is not a duplicate of another order"
	[ "$E_DELTA" -eq 1 ] && ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
fi
numbers catalog "$B/i64-min" "$B/i64-min-1" "order_id below -2^63"
numbers leads "$B/fl-u64-max" "$B/fl-u64-max+1" "fliplink id past 2^64"
good "numbers past 2^64 elsewhere in the body are accepted" accepted POST "/catalog/$TOK" "" "$B/big-elsewhere"
ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))
check "numbers past 2^64 elsewhere: the body is stored byte for byte" \
	"$(xxd -p "$B/big-elsewhere" | tr -d '\n' | tr a-f A-F)" \
	"$(sqlite3 "$DB" "SELECT hex(body) FROM events WHERE event_key = 'BIGNUM-1'")"

# ---- through FastCGI: what no CGI environment can carry ----
# (python3 writes the requests: they are too big for a command line.)
"$PY" - "$T/fcgi.jsonl" "$TOK" "$V" "$B/deep-array" "$B/garbage-64k" <<'PY'
import json, os, sys
out, tok, valid, deep, garbage = sys.argv[1:6]
size = lambda f: str(os.path.getsize(f))
base = {"GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "127.0.0.1",
        "SCRIPT_NAME": "/cgi-bin/hookbox.fcgi"}
def req(params, stdin=""):
    p = dict(base)
    p.update(params)
    return json.dumps({"params": p, "stdin_file": stdin})
get = lambda q: {"REQUEST_METHOD": "GET", "PATH_INFO": "/shop/" + tok, "QUERY_STRING": q}
post = lambda f, **kw: dict({"REQUEST_METHOD": "POST", "PATH_INFO": "/catalog/" + tok,
                             "CONTENT_LENGTH": size(f)}, **kw)
mib = "x" * (1 << 20)
lines = [
    req(get("event_type=order.new&order_id=1&pad=" + mib)),
    req(get("event_type=order.new&order_id=1&" + "&".join("p%d=%d" % (i, i) for i in range(100000)))),
    req(dict(post(valid), **{"HTTP_X_H%d" % i: "v" for i in range(10000)}), valid),
    req(post(valid, HTTP_X_BIG=mib), valid),
    req(post(valid, PATH_INFO="/catalog/" + mib), valid),
    req(post(valid, CONTENT_LENGTH="99999999999999999999"), valid),
    req(post(valid, CONTENT_LENGTH="1000"), valid),
    req(post(valid, CONTENT_LENGTH="-1"), valid),
    req(post(deep), deep),
    req(post(garbage), garbage),
    req(post(valid), valid),
]
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
PY
fcgi_names=("FastCGI: QUERY_STRING of 1 MiB is 400|400"
	"FastCGI: 100,000 query parameters are 400|400"
	"FastCGI: 10,000 request headers are 400|400"
	"FastCGI: a header value of 1 MiB is 400|400"
	"FastCGI: a token of 1 MiB in the path is 404|404"
	"FastCGI: CONTENT_LENGTH 99999999999999999999 is 413|413"
	"FastCGI: CONTENT_LENGTH larger than the body is 400|400"
	"FastCGI: CONTENT_LENGTH -1 is 400|400"
	"FastCGI: JSON nested 10,000 deep is 400|400"
	"FastCGI: 64 KiB of binary garbage is 400|400"
	"FastCGI: after all that, a valid event is accepted|200")
r0=$(db_refusals)
e0=$(db_count events)
HOOKBOX_CONF=$CONF "$PY" "$TOP/tests/lib/fcgi_client.py" "$HOOKBOX" "$T/fcgi.jsonl" "$T/fcgi.out" "$T/fcgi.err" >"$T/fcgi.log" 2>&1
frc=$?
i=0
while IFS= read -r line; do
	name=${fcgi_names[$i]%|*}
	want=${fcgi_names[$i]#*|}
	got=$("$PY" -c 'import json, sys; a = json.loads(sys.argv[1]); print(a["code"], json.loads(a["body"]).get("status") if a["body"].strip() else "-")' "$line" 2>/dev/null)
	CASES=$((CASES + 1))
	case $want in
	200) check "$name" "200 accepted" "$got" ;;
	*) check "$name" "$want rejected" "$got" ;;
	esac
	i=$((i + 1))
done <"$T/fcgi.out"
check "FastCGI: every request was answered" "${#fcgi_names[@]}" "$i"
check "FastCGI: the process lived through them" "" "$([ "$frc" -eq 1 ] && cat "$T/fcgi.log")"
check "FastCGI: the process stops on SIGTERM (as web servers stop it)" "" "$([ "$frc" -eq 2 ] && cat "$T/fcgi.log")"
check "FastCGI: no sanitizer report" "" "$(grep -m1 -E "$SAN_PATTERN" "$T/fcgi.err")"
check "FastCGI: one event stored (the valid one)" 1 "$(( $(db_count events) - e0 ))"
check "FastCGI: one reject per refusal" $(( ${#fcgi_names[@]} - 1 )) "$(( $(db_refusals) - r0 ))"
ACCEPTED_ON_PURPOSE=$((ACCEPTED_ON_PURPOSE + 1))

# ---- nothing lost: the known event, the count, the file ----
check "the known event is intact" "$KNOWN_ID|KNOWN-1|$KNOWN_HEX" \
	"$(sqlite3 -separator '|' "$DB" "SELECT id, event_key, hex(body) FROM events WHERE id = $KNOWN_ID")"
check "only the events accepted on purpose were stored" $((1 + ACCEPTED_ON_PURPOSE)) "$(db_count events)"
check "PRAGMA integrity_check is ok" ok "$(integrity)"

# ---- hooks cannot be steered by the sender ----
"$PY" - "$T" <<'PY'
import json, sys
t = sys.argv[1]
evil = {
    "type": "orders",
    "order_id": "$(touch %s/pwned-1);`touch %s/pwned-2`;touch %s/pwned-3" % (t, t, t),
    "note": "line one\n$(touch %s/pwned-4)\n`touch %s/pwned-5`; touch %s/pwned-6 && echo x | sh" % (t, t, t),
    "customer": {"name": "'; touch %s/pwned-7; '" % t, "email": "\"$(id)\"@x"},
}
with open(t + "/b/evil", "w") as f:
    json.dump(evil, f)
PY
cgi POST "/shell/$TOK" "" "$B/evil"
expect "shell syntax in a payload is accepted" 200 accepted
EVIL_ID=$A_ID
Q="event_type=order.new%3B%24(touch%24%7BIFS%7D$T%2Fpwned-8)&order_id=%60touch%20$T%2Fpwned-9%60%3B%20rm%20-rf%20%2F"
cgi GET "/shellq/$TOK" "$Q" -
expect "shell syntax in a query is accepted" 200 accepted
EVILQ_ID=$A_ID
succeeded() {	# ID: its newest delivery succeeded
	env -i HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}" "$HOOKBOX" list --status succeeded --limit 1000 2>/dev/null |
		awk -v id="$1" '$1 == id { f = 1 } END { exit !f }'
}
if wait_for succeeded "${EVIL_ID:-0}" && wait_for succeeded "${EVILQ_ID:-0}"; then
	pass "the hooks of both events succeeded"
else
	fail "the hooks of both events succeeded" "not listed by list --status succeeded; $(sqlite3 "$DB" 'SELECT event_id, status, error FROM deliveries' | tr '\n' ' ')"
fi
out_of() { sqlite3 "$DB" "SELECT output FROM deliveries WHERE event_id = ${1:-0} AND status = 'succeeded'"; }
check "the echo hook printed exactly its configured argv" \
	"fixed argv; \$(touch $T/argv-ran) \`id\`" "$(out_of "$EVIL_ID")"
check "printenv saw the payload's values verbatim" \
	"order.new;\$(touch\${IFS}$T/pwned-8)"$'\n'"\`touch $T/pwned-9\`; rm -rf /" "$(out_of "$EVILQ_ID")"
check "no file was created by anything in a payload or an argv" "" \
	"$(cd "$T" && ls -d pwned-* argv-ran 2>/dev/null | tr '\n' ' ')"

echo "# hostile cases tried: $CASES"
echo "# runtime: $((SECONDS - START)) s"
[ "$FAILURES" -eq 0 ]
