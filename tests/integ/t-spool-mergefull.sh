#!/bin/sh
# t-spool-mergefull - the disk fills up during the merge (the segments fit,
# the video does not): the job pauses, its partial video is removed, it
# does not remux again until the disk has room for the whole video, then
# it merges once more and completes. Before: 72 remuxes in 25 s.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

disk=$(tmpdir)/disk
mkdir -p "$disk"
mount -t tmpfs -o size=24m tmpfs "$disk" 2>/dev/null ||
	skip "cannot mount a tmpfs (needs root)"
on_exit "umount -l '$disk'"
SPOOL=$disk/spool LIBRARY=$disk/library DB=$disk/spool/state/m3u8nas.db

avail() { df -k --output=avail "$disk" | tail -n 1; }

origin_start
streams=$(streams_dir)
# min_free_mb = 0: only a real ENOSPC can stop anything here.
spool_conf "min_free_mb = 0;"
spoold_start
# Room for the segments and the store's few pages, not for the video.
segkb=$(cat "$streams"/plain/seg*.ts | wc -c)
segkb=$((segkb / 1024))
fallocate -l $(( ($(avail) - segkb - 200) * 1024 )) "$disk/filler" ||
	fail "fallocate"
drop big.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"Big one\"}"
wait_for "grep -q 'no space left on device merging' '$SPOOLD_LOG'" 60 ||
	fail "the merge never met the full disk: $(tail -5 "$SPOOLD_LOG")"
# Two ticks of the loop while paused: a loop would remux again meanwhile.
hb=$(sql "SELECT value FROM spooler WHERE key = 'heartbeat';")
wait_for "[ \"\$(sql \"SELECT value FROM spooler WHERE key = 'heartbeat';\")\" -gt $((hb + 1)) ] 2>/dev/null" 20 ||
	true	# the store may be unwritable too: the log still counts
n=$(grep -c '"event":"merging"' "$SPOOLD_LOG")
[ "$n" = 1 ] || fail "$n merges while the disk is full"
ls -A "$LIBRARY" | grep -q '^\.m3u8nas-.*part' &&
	fail "a partial video is left: $(ls -A "$LIBRARY")"
[ "$(sql "SELECT count(*) FROM jobs WHERE status = 'failed';")" -eq 0 ] ||
	fail "the job failed for want of space"
rm -f "$disk/filler"
wait_job big completed 60
[ "$(grep -c '"event":"merging"' "$SPOOLD_LOG")" = 2 ] ||
	fail "$(grep -c '"event":"merging"' "$SPOOLD_LOG") merges in all (want 2)"
assert_same_media "$LIBRARY/Big one.mp4" "$streams/plain"
echo "ok: paused once by ENOSPC in the merge, 2 merges in all:"
grep -E 'no space left on device merging|resuming' "$SPOOLD_LOG" | cut -c1-200
spoold_stop
exit 0
