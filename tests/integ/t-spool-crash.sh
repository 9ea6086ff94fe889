#!/bin/sh
# t-spool-crash - drill: kill -9 at every step of a job's end (the merge,
# the name, the rename, the row), through the compiled-in crash points
# (M3U8NAS_CRASH_AT, lib/crash.h). After each kill the restarted spooler
# finishes the job by itself: "Big one.mp4" is the whole video, nothing is
# left under a hidden name, no second name was taken, the row says
# completed with the file's size. Also the state the old order left (row
# completed, an empty "Big one.mp4", the video under its hidden name) is
# repaired at start. Every point is drilled twice.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start
streams=$(streams_dir)
points="merge-remuxed merge-renamed place-recorded place-reserved place-renamed completed-row"

# fresh NAME: a new spool, library and log for one drill
fresh() {
	base=$(tmpdir)/$1
	SPOOL=$base/spool LIBRARY=$base/library DB=$base/spool/state/m3u8nas.db
	SPOOL_CONF=$base/m3u8nas.conf SPOOLD_LOG=$base/spoold.log
	mkdir -p "$base"
	spool_conf
}

# check_done: the job completed once, whole, under its one name
check_done() {
	wait_job big completed 60
	[ "$(ls -A "$LIBRARY")" = "Big one.mp4" ] ||
		fail "$1: library holds: $(ls -A "$LIBRARY" | tr '\n' '|')"
	size=$(stat -c %s "$LIBRARY/Big one.mp4")
	[ "$size" -gt 0 ] && [ "$(job_field big size_bytes)" = "$size" ] ||
		fail "$1: row size $(job_field big size_bytes), file $size"
	[ "$(job_field big file_path)" = "$LIBRARY/Big one.mp4" ] ||
		fail "$1: row file_path $(job_field big file_path)"
	# The row says completed first, then processing/<id>/ goes: wait for it.
	wait_for "[ ! -e '$SPOOL/processing/big' ]" 30 ||
		fail "$1: processing/big left"
	assert_same_media "$LIBRARY/Big one.mp4" "$streams/plain"
}

for round in 1 2; do
	for p in $points; do
		fresh "$p-$round"
		M3U8NAS_CRASH_AT=$p
		export M3U8NAS_CRASH_AT
		spoold_start
		unset M3U8NAS_CRASH_AT
		drop big.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"Big one\"}"
		wait_for "! kill -0 $SPOOLD_PID 2>/dev/null" 60 ||
			fail "$p: never reached"
		wait "$SPOOLD_PID" 2>/dev/null
		grep -q "crash point $p" "$SPOOLD_LOG" || fail "$p: died elsewhere"
		# What the kill left, for the record.
		echo "killed at $p: row $(job_field big status), library: $(ls -A "$LIBRARY" | tr '\n' ' ')"
		spoldlog=$SPOOLD_LOG
		spoold_start
		check_done "$p"
		spoold_stop
		echo "ok: $p (round $round)"
	done
done

# The old order's wreck: completed row, empty name, video hidden.
fresh oldorder
M3U8NAS_CRASH_AT=place-reserved
export M3U8NAS_CRASH_AT
spoold_start
unset M3U8NAS_CRASH_AT
drop big.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"Big one\"}"
wait_for "! kill -0 $SPOOLD_PID 2>/dev/null" 60 || fail "oldorder: never reached"
wait "$SPOOLD_PID" 2>/dev/null
[ -s "$LIBRARY/.m3u8nas-big.mp4" ] && [ ! -s "$LIBRARY/Big one.mp4" ] ||
	fail "oldorder: not the wreck: $(ls -la "$LIBRARY")"
sqlite3 "$DB" "UPDATE jobs SET status = 'completed' WHERE id = 'big';"
spoold_start
check_done oldorder
log_has recovered big || fail "oldorder: no recovered record"
spoold_stop
exit 0
