#!/bin/sh
# t-spool-basic - a dropped .job becomes a verified video in the library;
# files waiting at start are taken; names never collide; the program's
# options, lock and config errors.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

# Options, and a bad config that names the file, the line and the key.
"$SPOOLD" --version | grep -q '^m3u8nas-spoold ' || fail "--version"
"$SPOOLD" --help | grep -q 'incoming/' || fail "--help"
printf 'max_jobs = 3;\nsegment_concurrency = 0;\n' >"$(tmpdir)/bad.conf"
msg=$("$SPOOLD" -f -c "$(tmpdir)/bad.conf" 2>&1) && fail "bad config accepted"
echo "$msg" | grep -q "bad.conf:2: segment_concurrency: must be between 1 and 64" ||
	fail "bad config message: $msg"

origin_start
streams=$(streams_dir)

# Dropped while the spooler is down: taken at start (a bare URL file too).
mkdir -p "$SPOOL/incoming"
printf '{"url": "%s/plain/index.m3u8", "title": "My Concert"}\n' "$ORIGIN" \
	>"$SPOOL/incoming/concert.job"
printf '%s/fmp4/index.m3u8\n' "$ORIGIN" >"$SPOOL/incoming/bare.job"
touch -d '-1 minute' "$SPOOL/incoming/concert.job" "$SPOOL/incoming/bare.job"
spool_conf
spoold_start

# A second spooler on the same spool refuses to start.
msg=$("$SPOOLD" -f -c "$SPOOL_CONF" 2>&1) && fail "second spooler started"
echo "$msg" | grep -q "already running" || fail "lock message: $msg"

wait_job concert completed 30
wait_job bare completed 30
[ "$(job_field concert file_path)" = "$LIBRARY/My Concert.mp4" ] ||
	fail "concert landed as $(job_field concert file_path)"
assert_same_media "$LIBRARY/My Concert.mp4" "$streams/plain"
assert_same_media "$(job_field bare file_path)" "$streams/fmp4"
[ "$(job_field concert progress)" = 100.0 ] || fail "progress not 100"
[ "$(job_field concert segments_done)" = 5 ] || fail "segments_done"
[ "$(job_field concert job_name)" = concert ] || fail "job_name"
[ ! -e "$SPOOL/processing/concert" ] || fail "processing/concert left behind"

# Dropped while running, same title and same file name: a new id and a
# new file name, nothing overwritten.
before=$(md5sum <"$LIBRARY/My Concert.mp4")
drop concert.job "{\"url\": \"$ORIGIN/aes/index.m3u8\", \"title\": \"My Concert\"}"
wait_job concert-2 completed 30
[ "$(job_field concert-2 file_path)" = "$LIBRARY/My Concert (2).mp4" ] ||
	fail "second concert landed as $(job_field concert-2 file_path)"
[ "$(md5sum <"$LIBRARY/My Concert.mp4")" = "$before" ] || fail "overwritten"
assert_same_media "$LIBRARY/My Concert (2).mp4" "$streams/aes"
[ "$(job_field concert-2 job_name)" = concert ] || fail "job_name of concert-2"

# The log tells the story in JSON lines; the heartbeat is fresh.
for e in claimed started completed; do
	log_has $e concert-2 || fail "no $e record"
done
# Heartbeat and byte counter are written on the 1 s tick: the heartbeat
# moves on, and the counter reaches what was downloaded (the last job may
# have finished between two ticks), both polled, not read once.
hb=$(sql "SELECT value FROM spooler WHERE key = 'heartbeat';")
wait_for "[ \"\$(sql \"SELECT value FROM spooler WHERE key = 'heartbeat';\")\" -gt '${hb:-0}' ]" 15 ||
	fail "heartbeat stays at $hb"
wait_for "[ \"\$(sql \"SELECT value FROM spooler WHERE key = 'bytes_downloaded';\")\" -gt 1000000 ] 2>/dev/null" 15 ||
	fail "bytes_downloaded is '$(sql "SELECT value FROM spooler WHERE key = 'bytes_downloaded';")'"
spoold_stop
grep -q '"event":"stop"' "$SPOOLD_LOG" || fail "no clean stop"
exit 0
