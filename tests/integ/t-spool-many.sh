#!/bin/sh
# t-spool-many - 20 jobs dropped at once: all complete, never more than
# max_jobs (3) in flight, and the 3 slots are really used.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start --latency-ms 60
streams=$(streams_dir)
spool_conf "max_jobs = 3;" "segment_concurrency = 2;"
spoold_start

i=1
while [ $i -le 20 ]; do
	drop "job$i.job" "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"same\"}"
	i=$((i + 1))
done

# Sample the store while they run: rows are the spooler's truth.
max=0 n=0
while [ $n -lt 900 ]; do
	busy=$(sql "SELECT count(*) FROM jobs WHERE status IN ('downloading', 'merging', 'paused');")
	done_=$(sql "SELECT count(*) FROM jobs WHERE status = 'completed';")
	[ "${busy:-0}" -gt "$max" ] && max=$busy
	[ "${done_:-0}" -eq 20 ] && break
	sleep 0.1
	n=$((n + 1))
done
[ "$done_" -eq 20 ] || fail "only $done_ of 20 completed: $(sql "SELECT id, status, error_msg FROM jobs WHERE status != 'completed';")"
[ "$max" -le 3 ] || fail "$max jobs in flight at once (max_jobs = 3)"
[ "$max" -eq 3 ] || fail "at most $max in flight: the 3 slots were not used"

# 20 distinct files, byte-identical (same stream), one decode-checked.
[ "$(ls "$LIBRARY" | wc -l)" -eq 20 ] || fail "library: $(ls "$LIBRARY")"
[ -f "$LIBRARY/same (20).mp4" ] || fail "no 'same (20).mp4'"
[ "$(md5sum "$LIBRARY"/*.mp4 | cut -d' ' -f1 | sort -u | wc -l)" -eq 1 ] ||
	fail "outputs differ"
assert_same_media "$LIBRARY/same.mp4" "$streams/plain"
# Each segment fetched once per job: 20 x 5 segment requests.
[ "$(origin_count /plain/seg0.ts)" -eq 20 ] || fail "seg0 fetched $(origin_count /plain/seg0.ts) times"
spoold_stop
exit 0
