#!/usr/bin/env bash
# The FastCGI protocol as hookbox speaks it through libfcgi, record by record
# (tests/fcgi_protocol.py): management records, FCGI_KEEP_CONN, records
# split anywhere, other roles, a second request on a busy connection,
# FCGI_ABORT_REQUEST, the body and parameter limits, 40 connections at
# once, a silent client, SIGTERM. Builds nothing.
#
# HOOKBOX: the binary under test (default cgi-bin/hookbox.fcgi);
# ASAN_OPTIONS / LSAN_OPTIONS / UBSAN_OPTIONS are passed through.
#
# Output contract: one line per case, "PASS <name>" or "FAIL <name>: <why>"
# (tests/lib/common.sh); exits non-zero if any case failed.
set -u
. "$(dirname "$0")/lib/common.sh"
cd "$TOP" || exit 1
case $HOOKBOX in /*) ;; *) HOOKBOX=$TOP/$HOOKBOX ;; esac

if [ ! -x "$HOOKBOX" ]; then
	fail "setup" "$HOOKBOX is not built (make)"
	exit 1
fi
# Debian's own python3 starts faster than a pyenv shim (as tests/lib/cgi.sh).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
command -v "$PY" >/dev/null || { fail "setup" "python3 is missing"; exit 1; }

exec "$PY" "$TOP/tests/fcgi_protocol.py" "$HOOKBOX"
