#!/usr/bin/env bash
# Store faults (issue 5, "nothing lost"), through the binary run as CGI:
# the database locked by another writer past busy_timeout_ms, a read-only
# database file, folder and file system, a full disk (RLIMIT_FSIZE with
# SIGXFSZ ignored, and a real full file system), a missing data folder and
# a corrupt database file, and an fsync that fails.
#
# Each fault answers 503 with Retry-After and {"status":"unavailable"},
# never a 2xx; writes nothing half-done (PRAGMA integrity_check ok, no new
# row, the event absent); and once the fault is gone the same request is
# accepted. A corrupt file also makes `hookbox check` fail and say so.
#
# As root, permissions do not stop writes: the read-only cases run the
# binary as nobody (setpriv) on a copy of the data, and the read-only file
# system is a read-only bind mount in a private mount namespace (skipped,
# with a note, where mounts are not allowed).
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
for tool in sqlite3 python3; do
	command -v $tool >/dev/null || { fail "setup" "$tool is missing"; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/hookbox-faults.XXXXXX")
chmod 755 "$T"
MOUNTED=
LOCKER=
cleanup() {
	[ -n "$LOCKER" ] && kill "$LOCKER" 2>/dev/null
	[ -n "$MOUNTED" ] && umount "$MOUNTED" 2>/dev/null
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
START=$SECONDS

TOK=faults-token-0123456789abcdef
# write_conf FILE DATABASE
write_conf() {
	cat >"$1" <<EOF
// tests/faults.sh
{
  "database": "$2",
  "busy_timeout_ms": 200,
  "endpoints": {
    "catalog": { "provider": "flipsnack",  "token": "$TOK" },
    "shop":    { "provider": "quickbutik", "token": "$TOK" }
  }
}
EOF
	chmod 644 "$1"
}
order() {	# FILE ORDER_ID [PAD_BYTES]
	"$PY" -c 'import json, sys; print(json.dumps({"type": "orders", "order_id": sys.argv[1], "pad": "x" * int(sys.argv[2])}))' \
		"$2" "${3:-0}" >"$1"
}
post() { cgi POST "/catalog/$TOK" "" "$1"; }
key_count() { sqlite3 "$DB" "SELECT count(*) FROM events WHERE event_key = '$1'" 2>/dev/null || echo "?"; }

# unavailable NAME [EVENTS_BEFORE]: the last answer is a 503 that kept
# the contract, and no event was added.
unavailable() {
	local why
	why=$(answer_why 503 unavailable)
	if [ -z "$why" ] && [ "$E_DELTA" -gt 0 ]; then
		why="stored $E_DELTA event(s) and answered 503"
	fi
	if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why"; fi
}

mkdir -p "$T/data"
DB=$T/data/hookbox.db
CONF=$T/main.conf
write_conf "$CONF" "$DB"
order "$T/o1" FAULT-1
post "$T/o1"
expect "setup: an event is stored" 200 accepted
ID1=$A_ID

# ---- (a) locked by another writer past busy_timeout_ms ----
# python3's sqlite3 takes the write lock and says "locked"; it lets go
# when told to (a line on its stdin).
coproc LOCK { "$PY" -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
c.execute("ROLLBACK")
' "$DB"; }
LOCKER=$LOCK_PID
read -r locked <&"${LOCK[0]}"
if [ "${locked:-}" != locked ]; then
	fail "locked: setup" "could not take the write lock with python3's sqlite3"
else
	order "$T/o2" FAULT-2
	post "$T/o2"
	unavailable "locked: a new event is 503 with Retry-After"
	check "locked: the event is not stored" 0 "$(key_count FAULT-2)"
	post "$T/o1"
	expect "locked: a redelivery of a stored event is still answered duplicate" 200 duplicate
	check "locked: ... with the stored id" "$ID1" "$A_ID"
	cgi GET "/shop/$TOK" "event_type=product.update&product_id=77" -
	unavailable "locked: an id-less quickbutik signal is 503"
	cgi POST /catalog/wrong-token "" "$T/o2"
	expect "locked: a wrong token is still 401" 401 rejected
	echo >&"${LOCK[1]}"
fi
wait "$LOCKER" 2>/dev/null
LOCKER=
post "$T/o2"
expect "locked: after the lock is let go the same event is accepted" 200 accepted
cgi GET "/shop/$TOK" "event_type=product.update&product_id=77" -
expect "locked: after the lock is let go the signal is accepted" 200 accepted

# A long reader does not hold writers up (WAL).
coproc READER { "$PY" -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
c.execute("SELECT count(*) FROM events").fetchall()
print("reading", flush=True)
sys.stdin.readline()
c.execute("COMMIT")
' "$DB"; }
LOCKER=$READER_PID
read -r _ <&"${READER[0]}"
order "$T/o3" FAULT-3
post "$T/o3"
expect "a long read transaction elsewhere does not stop an event" 200 accepted
echo >&"${READER[1]}"
wait "$LOCKER" 2>/dev/null
LOCKER=
check "locked: integrity_check ok" ok "$(integrity)"

# CGI writers queue on a lock of <database>.writers; held by someone
# else past busy_timeout_ms, that is busy too: 503, nothing stored.
if command -v flock >/dev/null; then
	coproc QUEUE { flock "$DB.writers" sh -c 'echo held; read -r _'; }
	LOCKER=$QUEUE_PID
	read -r held <&"${QUEUE[0]}"
	order "$T/o4" FAULT-4
	post "$T/o4"
	unavailable "queue held past busy_timeout_ms: a new event is 503"
	check "queue held: the event is not stored" 0 "$(key_count FAULT-4)"
	post "$T/o1"
	expect "queue held: a redelivery is still answered duplicate" 200 duplicate
	echo >&"${QUEUE[1]}"
	wait "$LOCKER" 2>/dev/null
	LOCKER=
	post "$T/o4"
	expect "queue let go: the same event is accepted" 200 accepted
else
	fail "queue held: setup" "no flock(1) (util-linux)"
fi

# The WAL does not outgrow the events: the last CGI process to close the
# database checkpoints and empties a WAL past 128 frames (src/store.c), so
# the next one does not read a long log to open it. (It once grew by every
# event: 150 events made about 2 MB.) Not through cgi(): it counts rows with
# the sqlite3 shell, which checkpoints and deletes the WAL when it closes.
for i in $(seq 150); do
	order "$T/w" "WAL-$i"
	env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
		SCRIPT_NAME=/cgi-bin/hookbox.fcgi PATH_INFO="/catalog/$TOK" \
		CONTENT_TYPE=application/json HOOKBOX_CONF="$CONF" \
		CONTENT_LENGTH="$(wc -c <"$T/w")" "${SAN_ENV[@]}" "$HOOKBOX" \
		<"$T/w" >/dev/null 2>>"$T/err"
	wal=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
	[ "$wal" -gt "${walmax:-0}" ] && walmax=$wal
done
check "150 CGI events one after another: all stored" 150 \
	"$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE event_key LIKE 'WAL-%'")"
# 128 frames and one commit's few more, of 4096 + 24 bytes each.
if [ "$walmax" -le $((140 * 4120 + 32)) ]; then
	pass "... and the WAL never passed 140 frames ($walmax bytes at most)"
else
	fail "... and the WAL never passed 140 frames" "it reached $walmax bytes"
fi

# ---- (b) read-only: the file, the folder, the file system ----
# as_user: how the binary runs so that permissions count.
NOBODY=()
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null; then
		NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		NOBODY=(runuser -u nobody --)
	fi
fi
RO=$T/ro
mkdir -p "$RO"
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp "$DB" "$RO/hookbox.db"
[ "$(id -u)" -eq 0 ] && chown -R 65534:65534 "$RO"
chmod 755 "$RO"
chmod 644 "$RO/hookbox.db"
DB=$RO/hookbox.db
CONF=$T/ro.conf
write_conf "$CONF" "$DB"
CGI_WRAP=("${NOBODY[@]}")
if [ "$(id -u)" -eq 0 ] && ! "${NOBODY[@]}" test -x "$HOOKBOX" 2>/dev/null; then
	echo "# read-only cases skipped: nobody cannot run $HOOKBOX (check the parent folders' modes)"
else
	order "$T/r1" RO-1
	chmod 444 "$DB"
	post "$T/r1"
	unavailable "read-only database file: 503"
	check "read-only database file: nothing stored" 0 "$(key_count RO-1)"
	check "read-only database file: the file is unchanged" ok "$(integrity)"
	chmod 644 "$DB"
	post "$T/r1"
	expect "read-only database file: writable again, the same event is accepted" 200 accepted

	# With its WAL and WAL index present a database is written in place,
	# whatever its folder's mode (hookbox keeps them between requests):
	# checkpointed away first, so that the fault is a folder where they
	# must be made.
	sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	order "$T/r2" RO-2
	chmod 555 "$RO"
	post "$T/r2"
	unavailable "read-only data folder: 503"
	chmod 755 "$RO"
	check "read-only data folder: nothing stored" 0 "$(key_count RO-2)"
	post "$T/r2"
	expect "read-only data folder: writable again, the same event is accepted" 200 accepted
fi
CGI_WRAP=()

# A read-only file system stops root too: a read-only bind mount of the
# data folder, in a mount namespace of the binary's own.
order "$T/r3" RO-3
ROFS=(unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"' sh "$RO")
if [ "$(id -u)" -eq 0 ] && "${ROFS[@]}" true 2>/dev/null; then
	CGI_WRAP=("${ROFS[@]}")
	post "$T/r3"
	unavailable "read-only file system (even for root): 503"
	CGI_WRAP=()
	check "read-only file system: nothing stored" 0 "$(key_count RO-3)"
	post "$T/r3"
	expect "read-only file system: writable again, the same event is accepted" 200 accepted
	check "read-only: integrity_check ok" ok "$(integrity)"
else
	echo "# read-only file system case skipped: needs root and mount namespaces"
fi

# ---- (c) a full disk ----
# RLIMIT_FSIZE: no file of the process may grow past the limit, and with
# SIGXFSZ ignored the write fails with EFBIG (SQLITE_FULL) instead of
# killing it. The limit is set just above the largest file (the database,
# or the 32 KiB WAL index), so a large event cannot get its WAL frames out.
DB=$T/full/hookbox.db
CONF=$T/full.conf
mkdir -p "$T/full"
write_conf "$CONF" "$DB"
for i in $(seq 1 40); do
	order "$T/fill" "FILL-$i" 4000
	post "$T/fill" >/dev/null
done
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
size=$(stat -c %s "$DB")
[ "$size" -lt 32768 ] && size=32768
limit_kib=$(( (size + 1023) / 1024 + 1 ))
echo "# full disk: database $(stat -c %s "$DB") bytes, RLIMIT_FSIZE ${limit_kib} KiB"
before=$(db_count events)
order "$T/big" FULL-BIG $(( (limit_kib + 16) * 1024 ))
CGI_WRAP=(bash -c 'trap "" XFSZ; ulimit -f "$1" || exit 99; shift; exec "$@"' sh "$limit_kib")
post "$T/big"
unavailable "full disk (RLIMIT_FSIZE): a large event is 503"
CGI_WRAP=()
check "full disk: the event is not stored" 0 "$(key_count FULL-BIG)"
check "full disk: no row added" "$before" "$(db_count events)"
check "full disk: integrity_check ok" ok "$(integrity)"
post "$T/big"
expect "full disk: the limit lifted, the same event is accepted" 200 accepted

# A small event fits in the WAL, but its checkpoint cannot grow the file.
# Whichever answer it gets, it must be the truth.
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
size=$(stat -c %s "$DB")
limit_kib=$(( (size + 1023) / 1024 + 1 ))
order "$T/small" FULL-SMALL 100
CGI_WRAP=(bash -c 'trap "" XFSZ; ulimit -f "$1" || exit 99; shift; exec "$@"' sh "$limit_kib")
post "$T/small"
CGI_WRAP=()
echo "# full disk: a small event under the limit was answered $CODE $A_STATUS"
case $CODE in
200) check "full disk: a small event answered 200 is stored" "1|ok" "$(key_count FULL-SMALL)|$(integrity)" ;;
503) unavailable "full disk: a small event answered 503 keeps the contract"
     check "full disk: a small event answered 503 is not stored" "0|ok" "$(key_count FULL-SMALL)|$(integrity)" ;;
*) fail "full disk: a small event is answered 200 or 503" "$CODE $BODY" ;;
esac

# A real full file system: a 1 MiB tmpfs, filled up (root only).
FS=$T/tmpfs
mkdir -p "$FS"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m,mode=755 tmpfs "$FS" 2>/dev/null; then
	MOUNTED=$FS
	DB=$FS/hookbox.db
	CONF=$T/tmpfs.conf
	write_conf "$CONF" "$DB"
	order "$T/t0" TMPFS-0
	post "$T/t0"
	expect "full file system: setup, an event is stored" 200 accepted
	sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	dd if=/dev/zero of="$FS/filler" bs=4k 2>/dev/null
	echo "# full file system: $(df -k "$FS" | awk 'NR == 2 { print $4 }') KiB free"
	order "$T/t1" TMPFS-1 20000
	post "$T/t1"
	unavailable "full file system (ENOSPC): 503"
	rm -f "$FS/filler"
	check "full file system: nothing stored, integrity_check ok" "0|ok" "$(key_count TMPFS-1)|$(integrity)"
	post "$T/t1"
	expect "full file system: space freed, the same event is accepted" 200 accepted
	check "full file system: both events there" "1|1" "$(key_count TMPFS-0)|$(key_count TMPFS-1)"
	umount "$FS" && MOUNTED=
else
	echo "# full file system case skipped: needs root and tmpfs mounts"
fi

# ---- (d) the data folder is missing ----
DB=$T/gone/sub/hookbox.db
CONF=$T/gone.conf
write_conf "$CONF" "$DB"
order "$T/g1" GONE-1
post "$T/g1"
unavailable "missing data folder: 503"
check "missing data folder: not created by hookbox" no "$([ -e "$T/gone" ] && echo yes || echo no)"
mkdir -p "$T/gone/sub"
post "$T/g1"
expect "missing data folder: once made, the same event is accepted" 200 accepted

# ---- (e) a corrupt database file ----
DB=$T/bad/hookbox.db
CONF=$T/bad.conf
mkdir -p "$T/bad"
write_conf "$CONF" "$DB"
for i in $(seq 1 20); do
	order "$T/fill" "BAD-$i" 2000
	post "$T/fill" >/dev/null
done
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp "$DB" "$T/bad.backup"
hbcheck() {
	env -i HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}" "$HOOKBOX" check >"$T/check.out" 2>&1
	echo $?
}
# The header (the first 100 bytes) overwritten.
"$PY" -c 'import sys; f = open(sys.argv[1], "r+b"); f.write(b"garbage! " * 12); f.close()' "$DB"
order "$T/c1" CORRUPT-1
post "$T/c1"
unavailable "corrupt header: 503"
rc=$(hbcheck)
check "corrupt header: check exits non-zero" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check_match "corrupt header: check says the database is damaged" "[Dd]amaged|corrupt|malformed|not a database" "$(cat "$T/check.out")"
echo "# corrupt header: check says: $(grep -i -m1 -e database "$T/check.out")"
# Every page but the first overwritten (the schema on page 1 still reads).
cp "$T/bad.backup" "$DB"
"$PY" -c '
import random, sys
f = open(sys.argv[1], "r+b")
data = f.read()
psize = int.from_bytes(data[16:18], "big")
r = random.Random(1)
f.seek(psize)
f.write(bytes(r.randrange(256) for _ in range(len(data) - psize)))
f.close()' "$DB"
post "$T/c1"
unavailable "corrupt pages: a new event is 503"
cp "$T/fill" "$T/c2"	# BAD-20, stored before the damage
post "$T/c2"
unavailable "corrupt pages: a redelivery of a stored event is 503, not accepted again"
cgi POST /catalog/wrong-token "" "$T/c1"
expect "corrupt pages: a wrong token is still 401" 401 rejected
rc=$(hbcheck)
check "corrupt pages: check exits non-zero" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check_match "corrupt pages: check says the database is damaged" "[Dd]amaged|corrupt|malformed" "$(cat "$T/check.out")"
echo "# corrupt pages: check says: $(grep -i -m1 -e damaged -e database "$T/check.out")"
cp "$T/bad.backup" "$DB"
rm -f "$DB-wal" "$DB-shm"
post "$T/c1"
expect "corrupt: the backup restored, the same event is accepted" 200 accepted
rc=$(hbcheck)
check "corrupt: the backup restored, check exits 0" 0 "$rc"

# ---- (f) the fsync fails ----
# An fsync refused with EIO (a dying disk, a full thin volume): the row
# may be committed, but it is not known to be on the disk, so no 2xx, for
# a new event or for a duplicate (whose row may be another writer's, not
# yet synced). Linux may then mark the unwritten pages clean, so that no
# later fsync would tell: the failure sticks in <database>.fsync-failed,
# and nothing is acknowledged until `hookbox check` has put the WAL into
# the database. The shim replaces fdatasync and fsync in a dynamically
# linked binary; a static one cannot be shimmed, and the case is skipped.
DB=$T/sync/hookbox.db
CONF=$T/sync.conf
MARK=$DB.fsync-failed
mkdir -p "$T/sync"
write_conf "$CONF" "$DB"
cat >"$T/failsync.c" <<'EOF_C'
#include <errno.h>
int fdatasync(int fd) { (void)fd; errno = EIO; return -1; }
int fsync(int fd) { (void)fd; errno = EIO; return -1; }
EOF_C
if ! command -v readelf >/dev/null; then
	fail "fsync: setup" "readelf is missing (binutils)"
elif ! readelf -d "$HOOKBOX" 2>/dev/null | grep -q NEEDED; then
	echo "# fsync case skipped: $HOOKBOX is linked statically"
elif ! "${CC:-cc}" -shared -fPIC -o "$T/failsync.so" "$T/failsync.c" 2>"$T/cc.err"; then
	fail "fsync: build the shim" "$(cat "$T/cc.err")"
else
	chmod 755 "$T/failsync.so"
	# shim_env SO: SHIM=(...), the environment that preloads SO (ASan
	# wants its runtime first among the libraries: told not to mind).
	shim_env() {
		SHIM=(LD_PRELOAD="$1"
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	}
	# let_go_and_check NAME: the held connection closes, then `hookbox
	# check` must exit 0.
	let_go_and_check() {
		echo >&"${HOLD[1]}"
		wait "$LOCKER" 2>/dev/null
		LOCKER=
		check "$1" 0 "$(hbcheck)"
	}
	shim_env "$T/failsync.so"
	order "$T/s1" SYNC-1
	order "$T/s2" SYNC-2
	post "$T/s1"
	expect "fsync: setup: an event is stored" 200 accepted
	S1=$A_ID
	cgi POST "/catalog/$TOK" "" "$T/s1" "${SHIM[@]}"
	check "fsync fails: a duplicate is 503, not 200" 503 "$CODE"
	check "fsync fails: ... and the failure is kept" yes "$([ -e "$MARK" ] && echo yes || echo no)"
	post "$T/s1"
	check "fsync failed earlier: the duplicate is still 503" 503 "$CODE"
	check_match "fsync failed earlier: ... and the log says to run check" "hookbox check" "$(cat "$T/err")"
	rc=$(hbcheck)
	check "fsync failed earlier: check puts the WAL in the database and exits 0" 0 "$rc"
	check "fsync failed earlier: ... and lets go of the failure" no "$([ -e "$MARK" ] && echo yes || echo no)"
	post "$T/s1"
	expect "after check: the duplicate is answered" 200 duplicate
	check "after check: ... with the stored id" "$S1" "$A_ID"
	# A connection held open keeps the WAL (the sqlite3 tool that counts
	# rows would otherwise remove it as the last to close), so that the
	# commit itself succeeds and only hookbox's own fsync fails.
	coproc HOLD { "$PY" -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("SELECT count(*) FROM events").fetchall()
print("open", flush=True)
sys.stdin.readline()
' "$DB"; }
	LOCKER=$HOLD_PID
	read -r held <&"${HOLD[0]}"
	check "fsync: setup: a connection holds the WAL" open "${held:-}"
	# check emptied the WAL; SQLite syncs a WAL's first frame itself.
	order "$T/s3" SYNC-3
	post "$T/s3"
	expect "fsync: setup: the WAL has frames" 200 accepted
	cgi POST "/catalog/$TOK" "" "$T/s2" "${SHIM[@]}"
	check "fsync fails after the commit: a new event is 503" 503 "$CODE"
	check_match "fsync fails after the commit: ... the log says why" "fsync of the WAL" "$(cat "$T/err")"
	check "fsync fails after the commit: ... the row is there, unacknowledged" 1 "$(key_count SYNC-2)"
	post "$T/s2"
	check "fsync failed earlier: the retry is 503 too" 503 "$CODE"
	let_go_and_check "fsync failed earlier: check exits 0"
	post "$T/s2"
	expect "after check: the retry is answered" 200 duplicate
	check "after check: ... and the event is stored once" 1 "$(key_count SYNC-2)"
	check "fsync: the database is intact" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"

	# The commit that takes the WAL to 1000 frames also checkpoints; the
	# checkpoint's fsync must not be the one to meet (and swallow) the
	# error. python3 brings a new WAL to 999 frames of one page each, and
	# holds it open; the shim fails only a process's first fsync.
	sed 's/^int fdatasync(int fd) { (void)fd;/static int n;\nint fdatasync(int fd) { (void)fd; if (n++) return 0;/' \
		"$T/failsync.c" >"$T/failfirst.c"
	DB=$T/sync2/hookbox.db
	CONF=$T/sync2.conf
	mkdir -p "$T/sync2"
	write_conf "$CONF" "$DB"
	cgi POST /catalog/wrong-token "" "$T/s1"
	expect "fsync at a checkpoint: setup: a reject row" 401 rejected
	if ! "${CC:-cc}" -shared -fPIC -o "$T/failfirst.so" "$T/failfirst.c" 2>"$T/cc.err"; then
		fail "fsync at a checkpoint: build the shim" "$(cat "$T/cc.err")"
	else
		chmod 755 "$T/failfirst.so"
		coproc HOLD { "$PY" -c '
import os, sqlite3, sys
db = sys.argv[1]
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA wal_autocheckpoint=0")
frames = lambda: (os.path.getsize(db + "-wal") - 32) // 4120
n = 0
while not os.path.exists(db + "-wal") or frames() < 999:
    n += 1
    c.execute("UPDATE rejects SET reason = ? WHERE rowid = (SELECT max(rowid) FROM rejects)", ("r%d" % n,))
print(frames(), flush=True)
sys.stdin.readline()
' "$DB"; }
		LOCKER=$HOLD_PID
		read -r frames <&"${HOLD[0]}"
		check "fsync at a checkpoint: setup: the WAL holds 999 frames" 999 "${frames:-}"
		order "$T/s4" SYNC-4
		shim_env "$T/failfirst.so"
		cgi POST "/catalog/$TOK" "" "$T/s4" "${SHIM[@]}"
		check "fsync at a checkpoint: the event whose fsync failed is 503" 503 "$CODE"
		let_go_and_check "fsync at a checkpoint: check exits 0"
		post "$T/s4"
		check_match "fsync at a checkpoint: after check the retry is answered" "^200 (accepted|duplicate)$" "$CODE $A_STATUS"
	fi
fi

echo "# runtime: $((SECONDS - START)) s"
[ "$FAILURES" -eq 0 ]
