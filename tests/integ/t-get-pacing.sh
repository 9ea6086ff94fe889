#!/bin/sh
# t-get-pacing - a finished request's slot is refilled at once: the origin
# answers at once, and its own log says how long each connection sat idle
# between a response and the next request, on one connection and on four,
# for `m3u8nas get` and for the spooler.
# Before, a request that ended while the loop was busy waited for the next
# 100 ms poll slice: on one connection, 3,000 segments took 55 s, not 3.5 s.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"
need_ffmpeg
M3U8NAS=$top_builddir/helper/m3u8nas
cd "$(tmpdir)" || fail "cd"

# 80 segments of half a second: many requests, few bytes.
mkdir s
"$FFMPEG" -loglevel error -f lavfi -i testsrc=size=64x36:rate=10:duration=40 \
	-f lavfi -i sine=frequency=440:sample_rate=22050:duration=40 \
	-c:v libx264 -preset ultrafast -g 5 -c:a aac -b:a 32k -f mpegts \
	s/source.ts || fail "ffmpeg: source"
"$FFMPEG" -loglevel error -i s/source.ts -c copy -f hls -hls_time 0.5 \
	-hls_list_size 0 -hls_playlist_type vod -hls_segment_filename \
	's/seg%d.ts' s/index.m3u8 || fail "ffmpeg: hls"
n=$(grep -c '^#EXTINF' s/index.m3u8)
[ "$n" -ge 60 ] || fail "only $n segments"
origin_start --root "$(pwd)/s"

for j in 1 4; do
	: >"$ORIGIN_LOG"
	"$M3U8NAS" get --allow-private -j $j -o "p$j.mp4" \
		"$ORIGIN/index.m3u8" >/dev/null 2>err || fail "get -j $j: $(cat err)"
	assert_same_media "p$j.mp4" s/source.ts
	[ "$(grep -c 'GET /seg[0-9]*\.ts 200 ' "$ORIGIN_LOG")" -eq "$n" ] ||
		fail "-j $j: not one request per segment"
	out=$("$PYTHON3" "$top_srcdir/tests/integ/pacing-check.py" \
		"$ORIGIN_LOG" '^/seg[0-9]+\.ts$' $j) ||
		fail "-j $j: connections left idle: $out"
	echo "ok: -j $j: $out"
done

# The spooler's loop: the same, with its inotify and signal fds and tick.
spool_conf "segment_concurrency = 4;"
spoold_start
: >"$ORIGIN_LOG"
drop pace.job "{\"url\": \"$ORIGIN/index.m3u8\"}"
wait_job pace completed 60
assert_same_media "$(job_field pace file_path)" s/source.ts
out=$("$PYTHON3" "$top_srcdir/tests/integ/pacing-check.py" \
	"$ORIGIN_LOG" '^/seg[0-9]+\.ts$' 4) ||
	fail "spooler: connections left idle: $out"
echo "ok: spooler -j 4: $out"
spoold_stop
