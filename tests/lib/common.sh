# Shared helpers for the shell test suites. Each suite sources this file and
# reports every case with pass/fail; tests/run.sh counts the lines.
#
# Output contract: one line per case, "PASS <name>" or "FAIL <name>: <why>".

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FIXTURES=${FIXTURES:-$TOP/tests/fixtures}
HOOKBOX=${HOOKBOX:-$TOP/cgi-bin/hookbox.fcgi}

pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s: %s\n' "$1" "$2"; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected [$2], got [$3]"; fi
}

# check_match NAME REGEX ACTUAL
check_match() {
	if [[ "$3" =~ $2 ]]; then pass "$1"; else fail "$1" "[$3] does not match /$2/"; fi
}

# A free TCP port on 127.0.0.1 (asks the kernel, then releases it).
free_port() {
	python3 - <<'PY' 2>/dev/null || echo $(( 20000 + RANDOM % 20000 ))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# wait_for CMD... : retry a command for up to 20 s (readiness, not timing).
wait_for() {
	local i
	for i in $(seq 1 200); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
