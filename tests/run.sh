#!/usr/bin/env bash
# Runs every test suite and prints one closing line "N passed, N failed".
# Each suite prints "PASS name" / "FAIL name: why" lines (tests/lib/common.sh);
# a suite that dies without saying why counts as one failure.
#
# HOOKBOX_SUITES picks suites (space-separated); default: all.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
cd "$TOP"

ASAN_ENV="ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 LSAN_OPTIONS=suppressions=$TOP/tests/lib/lsan.supp UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"

# name | command
suites=(
	"unit|bash tests/unit.sh build/unit"
	"pg_selftest|bash tests/pg_selftest.sh"
	"pg|bash tests/pg.sh"
	"inbox|bash tests/inbox.sh"
	"receiver|bash tests/receiver.sh"
	"hooks|bash tests/hooks.sh"
	"notify|bash tests/notify.sh"
	"prune|bash tests/prune.sh"
	"servers|bash tests/servers.sh"
	"install|bash tests/install.sh"
	"static|bash tests/static.sh"
	"hostile|bash tests/hostile.sh"
	"faults|bash tests/faults.sh"
	"concurrency|bash tests/concurrency.sh"
	"fcgi_protocol|bash tests/fcgi_protocol.sh"
	"crash|bash tests/crash.sh"
	"flood|bash tests/flood.sh"
	"leaks|bash tests/leaks.sh"
	"fuzz|bash tests/fuzz.sh 60"
	"asan-unit|env $ASAN_ENV bash tests/unit.sh build/asan/unit"
	"asan-receiver|env $ASAN_ENV HOOKBOX=$TOP/build/asan/hookbox.fcgi bash tests/receiver.sh"
	"asan-hooks|env $ASAN_ENV HOOKBOX=$TOP/build/asan/hookbox.fcgi bash tests/hooks.sh"
	"asan-hostile|env $ASAN_ENV HOOKBOX=$TOP/build/asan/hookbox.fcgi bash tests/hostile.sh"
	"asan-faults|env $ASAN_ENV HOOKBOX=$TOP/build/asan/hookbox.fcgi bash tests/faults.sh"
	"asan-concurrency|env $ASAN_ENV HOOKBOX=$TOP/build/asan/hookbox.fcgi bash tests/concurrency.sh"
	"asan-fcgi_protocol|env $ASAN_ENV HOOKBOX=$TOP/build/asan/hookbox.fcgi bash tests/fcgi_protocol.sh"
	"asan-pg|env $ASAN_ENV HOOKBOX=$TOP/build/asan/hookbox.fcgi HB_PG_PARTS='2 3 4 5' bash tests/pg.sh"
)

want=${HOOKBOX_SUITES:-}
passed=0
failed=0
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

for s in "${suites[@]}"; do
	name=${s%%|*}
	cmd=${s#*|}
	if [ -n "$want" ]; then
		case " $want " in
		*" $name "*) ;;
		*" asan "*) [[ $name == asan-* ]] || continue ;;
		*) continue ;;
		esac
	fi
	first=${cmd#env * }
	script=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^tests\//) { print $i; exit }}' <<<"$cmd")
	if [ -n "$script" ] && [ ! -e "$script" ]; then
		continue	# suite not written yet
	fi
	echo "== $name"
	log=$logdir/$name.log
	# shellcheck disable=SC2086
	eval "$cmd" >"$log" 2>"$log.err"
	rc=$?
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	grep -E '^(PASS|FAIL) ' "$log" | sed "s/^/  [$name] /"
	grep '^FAIL ' "$log" | sed "s/^/[$name] /" >>"$logdir/failures"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  [$name] FAIL suite exited $rc without a failing case:"
		tail -n 20 "$log.err" | sed 's/^/    /'
		echo "[$name] suite exited $rc without a failing case" >>"$logdir/failures"
		f=1
	elif [ "$f" -gt 0 ] && [ -s "$log.err" ]; then
		echo "  [$name] stderr (last lines):"
		tail -n 15 "$log.err" | sed 's/^/    /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	unset first
done

# CI shows only the end of this output: say again what failed.
if [ -s "$logdir/failures" ]; then
	echo "== failures"
	sed 's/^/  /' "$logdir/failures"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
