#!/bin/sh
# t-spool-gap - a job whose playlist marks segments EXT-X-GAP completes: the
# gap segments are never requested, the store row says how many seconds the
# source lacks (jobs.gap_seconds) and counts only the segments there are,
# the video holds every frame there is, and the progress file of the tree
# says what is missing (when FUSE is usable here).
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

FS=$top_builddir/fs/m3u8nas-fs
MNT=$(tmpdir)/mnt
FS_LOG=$(tmpdir)/fs.log
mkdir -p "$MNT"

origin_start
sd=$(streams_dir)
spool_conf "mount_point = \"$MNT\";"
spoold_start

drop hole.job "{\"url\": \"$ORIGIN/gap/index.m3u8\", \"title\": \"Hole\"}"
wait_job hole completed 60
out=$(job_field hole file_path)
[ "$out" = "$LIBRARY/Hole.mp4" ] || fail "landed as $out"

# The origin saw every segment once, the gaps never.
for s in 0:1 2:1 3:1 5:1 6:1 1:0 4:0; do
	n=$(origin_count "/gap/seg${s%:*}.ts")
	[ "$n" -eq "${s#*:}" ] || fail "seg${s%:*}: $n requests, want ${s#*:}"
done
! grep -Eq '^[0-9.]+ [A-Z]+ /gap/seg[14]\.ts[ ?]' "$ORIGIN_LOG" ||
	fail "a gap in the origin's log"
grep -Eq '^[0-9.]+ GET /gap/seg0\.ts 200 ' "$ORIGIN_LOG" ||
	fail "the origin's log does not read as expected"

# The row: 4 s missing, 5 segments to fetch (not 7), all done, no error.
[ "$(job_field hole gap_seconds)" = 4.0 ] ||
	fail "gap_seconds $(job_field hole gap_seconds), want 4.0"
[ "$(job_field hole segments_total)" = 5 ] ||
	fail "segments_total $(job_field hole segments_total), want 5"
[ "$(job_field hole segments_done)" = 5 ] || fail "segments_done"
[ "$(job_field hole progress)" = 100.0 ] || fail "progress"
[ -z "$(job_field hole error_msg)" ] || fail "error: $(job_field hole error_msg)"
grep '"event":"completed"' "$SPOOLD_LOG" | grep '"job":"hole"' |
	grep -q '4.0 s missing in the source' || fail "the log does not say the gap"
# The same stream dropped again is the same video: the same hole.
drop again.job "{\"url\": \"$ORIGIN/gap/index.m3u8\", \"title\": \"Again\"}"
wait_job again completed 60
[ "$(job_field again duplicate_of)" = hole ] ||
	fail "again: duplicate_of '$(job_field again duplicate_of)'"
[ "$(job_field again gap_seconds)" = 4.0 ] ||
	fail "again: gap_seconds $(job_field again gap_seconds)"
[ "$(origin_count /gap/seg0.ts)" -eq 1 ] || fail "again: fetched anew"
# A job without a gap says 0.
drop plain.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"Plain\"}"
wait_job plain completed 60
[ "$(job_field plain gap_seconds)" = 0.0 ] ||
	fail "plain: gap_seconds $(job_field plain gap_seconds)"

# Every video frame there is, in order (each segment starts with a key
# frame, so the segments decoded as one equal the output's frames).
want=$(cd "$sd/gap" && decoded_md5 seg0.ts seg2.ts seg3.ts seg5.ts seg6.ts video)
[ "$(decoded_md5 "$out" video)" = "$want" ] || fail "video frames differ"

# The tree's progress file has the second line.
if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
	"$FS" -c "$SPOOL_CONF" -f >"$FS_LOG" 2>&1 &
	FS_PID=$!
	on_exit "fusermount3 -u '$MNT' 2>/dev/null; kill $FS_PID 2>/dev/null; wait $FS_PID 2>/dev/null"
	if wait_for "grep -q ' $MNT fuse' /proc/mounts" 10; then
		p=$MNT/by-name/hole/progress
		wait_for "[ -f '$p' ]" 10 || fail "no $p"
		[ "$(sed -n 2p "$p")" = "gap: 4.0 s missing in the source" ] ||
			fail "progress file: $(cat "$p")"
		[ "$(wc -l <"$MNT/by-name/plain/progress")" -eq 1 ] ||
			fail "plain's progress: $(cat "$MNT/by-name/plain/progress")"
		echo "ok: progress file"
	else
		echo "note: FUSE cannot mount here, progress file not checked: $(head -n 1 "$FS_LOG")"
	fi
fi
spoold_stop
exit 0
