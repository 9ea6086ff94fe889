#!/bin/sh
# t-spool-store - drill: the store under the spooler. Deleted while
# running, or replaced by another file: the spooler says so and exits
# non-zero (its supervisor restarts it); the restart re-admits the job
# from processing/ into a fresh store and it completes. A damaged page:
# at start the store is moved aside with a timestamp, a fresh one made,
# the jobs in processing/ re-admitted and completed; the tree's /status
# does not say "ok" while its reads fail. Locked by another process: jobs
# dropped meanwhile get their rows as soon as the lock goes, without a
# restart. Nothing is lost in any of them.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start --rate 60000
streams=$(streams_dir)
spool_conf "segment_concurrency = 1;"

# exits_with WHAT: the spooler exits non-zero on its own, saying WHAT
exits_with() {
	wait_for "! kill -0 $SPOOLD_PID 2>/dev/null" 30 ||
		fail "the spooler runs on after: $1"
	wait "$SPOOLD_PID"
	rc=$?
	[ "$rc" -ne 0 ] || fail "exit status 0 after: $1"
	grep '"event":"store"' "$SPOOLD_LOG" | grep -q "$1" ||
		fail "no store record saying '$1': $(tail -3 "$SPOOLD_LOG")"
}

# --- deleted while running (twice) -----------------------------------------
for i in 1 2; do
	spoold_start
	drop "del$i.job" "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"del$i\", \"force\": true}"
	wait_job "del$i" downloading 15
	rm -f "$DB" "$DB-wal" "$DB-shm"
	exits_with "was deleted while in use"
	spoold_start
	wait_job "del$i" completed 60
	assert_same_media "$LIBRARY/del$i.mp4" "$streams/plain"
	spoold_stop
done

# --- replaced while running -------------------------------------------------
spoold_start
drop rep.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"rep\", \"force\": true}"
wait_job rep downloading 15
cp "$DB" "$DB.copy" && mv "$DB.copy" "$DB"
exits_with "was replaced by another file"
spoold_start
wait_job rep completed 60
assert_same_media "$LIBRARY/rep.mp4" "$streams/plain"
spoold_stop

# --- a damaged page: found at start, moved aside, jobs re-admitted --------
origin_ctl "set?rate=20000" >/dev/null
spoold_start
drop dmg.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"dmg\", \"force\": true}"
wait_job dmg downloading 15
spoold_kill9
# checkpoint the WAL into the file, then break the jobs table's pages
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
pages=$(sqlite3 "$DB" "PRAGMA page_count;")
[ "$pages" -ge 3 ] || fail "a store of $pages pages"
dd if=/dev/urandom of="$DB" bs=4096 seek=1 count=$((pages - 1)) conv=notrunc 2>/dev/null
rm -f "$DB-wal" "$DB-shm"
if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
	MNT=$(tmpdir)/mnt
	mkdir -p "$MNT"
	"$top_builddir/fs/m3u8nas-fs" -c "$SPOOL_CONF" -f "$MNT" >"$(tmpdir)/fs.log" 2>&1 &
	FS_PID=$!
	on_exit "fusermount3 -u '$MNT' 2>/dev/null; kill $FS_PID 2>/dev/null"
	if wait_for "grep -q ' $MNT fuse' /proc/mounts" 10; then
		ls "$MNT/jobs" >/dev/null 2>&1
		cat "$MNT/jobs/dmg/status" >/dev/null 2>&1
		if grep -qx 'store: ok' "$MNT/status"; then
			fail "/status says ok on a damaged store: $(cat "$MNT/status")"
		fi
		echo "ok: /status on the damaged store: $(grep '^store:' "$MNT/status")"
		fusermount3 -u "$MNT"
		wait $FS_PID
	fi
fi
origin_ctl "set?rate=0" >/dev/null
spoold_start
wait_for "ls '$SPOOL/state' | grep -q '^m3u8nas.db.damaged-'" 10 ||
	fail "the damaged store was not moved aside: $(ls "$SPOOL/state")"
log_has store || fail "no store record for the damaged store"
wait_job dmg completed 60
assert_same_media "$LIBRARY/dmg.mp4" "$streams/plain"
spoold_stop

# --- held locked by another process ---------------------------------------
spoold_start
lockfile=$(tmpdir)/locked
"$PYTHON3" - "$DB" "$lockfile" <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
LOCK_PID=$!
on_exit "rm -f '$lockfile'; kill $LOCK_PID 2>/dev/null"
wait_for "[ -e '$lockfile' ]" 10 || fail "could not lock the store"
for i in 1 2 3; do
	drop "busy$i.job" "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"busy$i\", \"force\": true}"
done
wait_for "grep -q 'cannot record the job yet' '$SPOOLD_LOG'" 30 ||
	fail "the lock never got in the way: $(tail -3 "$SPOOLD_LOG")"
rm -f "$lockfile"
wait "$LOCK_PID"
for i in 1 2 3; do
	wait_job "busy$i" completed 90
	assert_same_media "$LIBRARY/busy$i.mp4" "$streams/plain"
done
kill -0 "$SPOOLD_PID" || fail "the spooler died of a busy store"
spoold_stop
exit 0
