#!/bin/sh
# t-spool-live - a live stream (no EXT-X-ENDLIST until the origin ends it):
# the job shows downloading with segments growing, and ends as a verified
# video; with live_max_seconds the recording stops early and is kept.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start
streams=$(streams_dir)
spool_conf
spoold_start

drop live.job "{\"url\": \"$ORIGIN/live/one/index.m3u8\", \"title\": \"live\"}"
wait_job live downloading 10
seen=''
n=0
while [ $n -lt 200 ] && [ "$(job_field live status)" = downloading ]; do
	v=$(job_field live segments_done)
	case " $seen " in *" $v "*) ;; *) seen="$seen $v" ;; esac
	sleep 0.1
	n=$((n + 1))
done
echo "segments_done seen while downloading:$seen"
[ "$(echo $seen | wc -w)" -ge 3 ] || fail "segments did not grow while live: $seen"
wait_job live completed 30
[ "$(job_field live segments_done)" -eq 6 ] || fail "segments: $(job_field live segments_done)"
assert_same_media "$LIBRARY/live.mp4" "$streams/live/one"
spoold_stop

# A configured maximum: recording stops after ~2 s, what was recorded stays.
origin_ctl live-reset >/dev/null
spool_conf "live_max_seconds = 2;"
spoold_start
drop short.job "{\"url\": \"$ORIGIN/live/one/index.m3u8\", \"title\": \"short\"}"
wait_job short completed 30
got=$(job_field short segments_done)
[ "$got" -ge 1 ] && [ "$got" -lt 6 ] || fail "short recording has $got segments"
d=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$LIBRARY/short.mp4")
awk -v d="$d" 'BEGIN { exit !(d >= 1 && d < 6) }' || fail "short.mp4 lasts $d s"
spoold_stop
exit 0
