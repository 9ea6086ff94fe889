#!/bin/sh
# t-spool-control - control/<id>.cancel and <id>.retry: handled within a
# tick, consumed, unknown ids logged; cancel keeps the job in failed/,
# retry puts it back and it completes.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

# Slow enough to cancel in flight: ~100 KB segments at 40 KB/s.
origin_start --rate 40000
streams=$(streams_dir)
spool_conf "segment_concurrency = 1;"
spoold_start

drop slow.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"slow\"}"
wait_job slow downloading 10
# In flight: bytes of a segment are on their way (polled, not slept).
wait_for "[ \"\$(job_field slow bytes_done)\" -gt 0 ] 2>/dev/null" 20 ||
	fail "no byte downloaded"
touch "$SPOOL/control/slow.cancel"
wait_job slow cancelled 15
wait_for "[ ! -e '$SPOOL/control/slow.cancel' ]" 10 || fail "control file not consumed"
[ ! -e "$SPOOL/processing/slow" ] || fail "workdir kept after cancel"
[ -f "$SPOOL/failed/slow.job" ] || fail "cancelled job file not kept in failed/"
grep -q cancelled "$SPOOL/failed/slow.error" || fail "no cancelled .error"
log_has cancelled slow || fail "no cancelled record"
[ ! -e "$LIBRARY/slow.mp4" ] || fail "a cancelled job left a video"

# A cancel for a job that is not there: a log line, no crash.
touch "$SPOOL/control/nosuchjob.cancel" "$SPOOL/control/nosuchjob.retry"
wait_for "grep -q 'nosuchjob.retry: no such job' '$SPOOLD_LOG'" 15 || fail "unknown id not logged"
kill -0 "$SPOOLD_PID" || fail "spooler died on an unknown id"

# Retry: back to pending, retry_count 1, and this time it completes.
origin_ctl "set?rate=0" >/dev/null
echo retry >"$SPOOL/control/slow.retry"
wait_job slow completed 30
[ "$(job_field slow retry_count)" -eq 1 ] || fail "retry_count"
[ ! -e "$SPOOL/failed/slow.job" ] || fail "job file still in failed/"
[ ! -e "$SPOOL/failed/slow.error" ] || fail ".error left behind"
log_has retried slow || fail "no retried record"
assert_same_media "$LIBRARY/slow.mp4" "$streams/plain"

# A job that fails (404) is retried once the stream is there.
origin_ctl "fault?path=/fmp4/index.m3u8&kind=404&count=1" >/dev/null
drop nf.job "$ORIGIN/fmp4/index.m3u8"
wait_job nf failed 20
job_field nf error_msg | grep -q 404 || fail "nf error: $(job_field nf error_msg)"
touch "$SPOOL/control/nf.retry"
wait_job nf completed 30
assert_same_media "$(job_field nf file_path)" "$streams/fmp4"

# Cancel or retry of a finished job: logged, nothing changes.
touch "$SPOOL/control/nf.cancel"
wait_for "grep -q 'cancel: the job is already completed' '$SPOOLD_LOG'" 3 || fail "cancel of a completed job"
[ "$(job_field nf status)" = completed ] || fail "completed job changed"
spoold_stop
exit 0
