#!/bin/bash
# Runs a unit-test binary (build/unit, or the sanitizer build's) with a
# throwaway PostgreSQL started for it (tests/lib/postgres.sh), so that the
# store's cases run on both databases: HB_PG_URI names the server to
# tests/unit/store_pg.c. Without a server the other cases still run, and
# the missing server is one failure.
#
#   bash tests/unit.sh build/unit
# shellcheck source-path=SCRIPTDIR
set -u

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/postgres.sh
. "$TOP/tests/lib/postgres.sh"

bin=${1:?usage: tests/unit.sh UNIT-BINARY}
WORK=$(mktemp -d) || exit 1
chmod 711 "$WORK"
trap 'pg_stop; rm -rf "$WORK"' EXIT

if pg_require && pg_start "$WORK/pg" 2>"$WORK/start.err"; then
	export HB_PG_URI
else
	fail "unit/postgresql" "no server for the store_pg cases: $(tr '\n' ' ' <"$WORK/start.err" 2>/dev/null | head -c 400)"
	unset HB_PG_URI
fi
"$bin"
