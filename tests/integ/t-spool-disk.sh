#!/bin/sh
# t-spool-disk - a small tmpfs as spool and library: below min_free_mb the
# downloads pause (status paused, everything kept), and when space returns
# they resume by themselves and complete; no job fails for it. Then the
# disk is filled to the last byte (ENOSPC): again a pause, not a failure.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

disk=$(tmpdir)/disk
mkdir -p "$disk"
mount -t tmpfs -o size=24m tmpfs "$disk" 2>/dev/null ||
	skip "cannot mount a tmpfs (needs root)"
on_exit "umount -l '$disk'"
SPOOL=$disk/spool LIBRARY=$disk/library DB=$disk/spool/state/m3u8nas.db

avail() { df -k --output=avail "$disk" | tail -n 1; }
# fill KB - leave about KB kilobytes free
fill() {
	rm -f "$disk/filler"
	fallocate -l $(( ($(avail) - $1) * 1024 )) "$disk/filler" ||
		fail "fallocate"
}

origin_start --rate 60000
streams=$(streams_dir)
spool_conf "min_free_mb = 3;" "segment_concurrency = 1;"
spoold_start

drop one.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"one\"}"
wait_for "[ \"\$(job_field one segments_done)\" -ge 1 ]" 20 || fail "no progress"
fill 1024
wait_job one paused 5
log_has paused || fail "no paused record"
# A job dropped now waits (pending, or paused if it started before the
# once-a-second disk check saw the shortage); it does not fail.
drop two.job "{\"url\": \"$ORIGIN/aes/index.m3u8\", \"title\": \"two\"}"
sleep 3
[ "$(job_field one status)" = paused ] || fail "one: $(job_field one status)"
case $(job_field two status) in pending|paused) ;; *) fail "two: $(job_field two status)" ;; esac
[ -d "$SPOOL/processing/one/work" ] || fail "the work dir was not kept"
[ "$(sql "SELECT value FROM spooler WHERE key = 'disk_paused';")" = 1 ] ||
	fail "disk_paused not recorded"
rm -f "$disk/filler"
wait_job one completed 40
wait_job two completed 40
log_has resumed || fail "no resumed record"
assert_same_media "$LIBRARY/one.mp4" "$streams/plain"
assert_same_media "$LIBRARY/two.mp4" "$streams/aes"

# Truly full: writes fail with ENOSPC mid-segment. min_free_mb = 0 now, so
# the statvfs check cannot pause first: only ENOSPC can, and the test
# waits until the spooler said it met it.
spoold_stop
spool_conf "min_free_mb = 0;" "segment_concurrency = 1;"
n0=$(wc -l <"$SPOOLD_LOG")
spoold_start
drop three.job "{\"url\": \"$ORIGIN/fmp4/index.m3u8\", \"title\": \"three\"}"
wait_for "[ \"\$(job_field three segments_done)\" -ge 1 ]" 20 || fail "no progress"
dd if=/dev/zero of="$disk/filler" bs=64k 2>/dev/null
wait_for "tail -n +$((n0 + 1)) '$SPOOLD_LOG' | grep -q 'no space left on device'" 60 ||
	fail "ENOSPC never happened: $(tail -5 "$SPOOLD_LOG")"
# The store shares the full disk, so the row may not say it: the log does.
wait_for "tail -n +$((n0 + 1)) '$SPOOLD_LOG' | grep '\"event\":\"paused\"' | grep -q '\"job\":\"three\"'" 30 ||
	fail "three not paused: $(tail -5 "$SPOOLD_LOG")"
[ "$(sql "SELECT count(*) FROM jobs WHERE status = 'failed';")" -eq 0 ] ||
	fail "a job failed for want of space"
rm -f "$disk/filler"
wait_job three completed 40
assert_same_media "$LIBRARY/three.mp4" "$streams/fmp4"
[ "$(sql "SELECT count(*) FROM jobs WHERE status = 'failed';")" -eq 0 ] ||
	fail "a job failed for want of space"
spoold_stop
exit 0
