#!/bin/sh
# merge-tail.sh - how long after the last byte `m3u8nas get` has its
# verified file (the merge runs while the segments download). Not a test:
# prints one line per run.
#
#   bench/merge-tail.sh [-r RUNS] [-j N] [-s SIZE_MB] [-t SEGMENT_S]
#     -t   segment length, default 2 (100 MB: 51 segments of ~2 MB); the
#          stream is made as mkstreams.sh --big makes its own
#   env: BUILD (default ./build), WORK (default a temp dir), LATENCY_MS (50),
#        RATE (bytes/s per connection, 2097152)
#
# download = from the start of `get` to the origin's log line of the last
# segment (written when its last byte has been sent); tail = from there to
# the output's ctime (set by the rename that follows verify). Both clocks
# are this machine's wall clock.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
M3U8NAS=$BUILD/helper/m3u8nas
LATENCY_MS=${LATENCY_MS:-50}
RATE=${RATE:-2097152}
runs=3 jobs=8 size=100 seglen=2
while getopts r:j:s:t: o; do
	case $o in
	r) runs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	s) size=$OPTARG ;;
	t) seglen=$OPTARG ;;
	*) sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
[ -x "$M3U8NAS" ] || { echo "build m3u8nas first ($M3U8NAS)" >&2; exit 1; }
WORK=${WORK:-$(mktemp -d /tmp/m3u8nas-tail.XXXXXX)}
streams=$WORK/streams
# The recipe of mkstreams.sh --big (a 10 s noisy clip at 8 Mb/s, looped
# by stream copy) with a keyframe at every segment boundary.
name=big-$size-t$seglen
dir=$streams/$name
if [ ! -s "$dir/index.m3u8" ]; then
	ffq="${FFMPEG:-ffmpeg} -nostdin -hide_banner -loglevel error -y"
	rm -rf "$dir" && mkdir -p "$dir"
	$ffq -f lavfi -i "testsrc2=size=640x360:rate=24:duration=10" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
		-vf 'noise=alls=40:allf=t' -c:v libx264 -preset ultrafast \
		-profile:v baseline -pix_fmt yuv420p -sc_threshold 0 \
		-g $((seglen * 24)) -keyint_min $((seglen * 24)) \
		-b:v 8M -maxrate 8M -bufsize 4M -c:a aac -b:a 64k -ac 2 \
		-f mpegts "$dir/clip.ts"
	clip=$(wc -c <"$dir/clip.ts")
	loops=$(( (size * 1048576 + clip - 1) / clip - 1 ))
	$ffq -stream_loop "$loops" -i "$dir/clip.ts" -map 0 -c copy \
		-f mpegts "$dir/source.ts"
	$ffq -i "$dir/source.ts" -map 0 -c copy -f hls -hls_list_size 0 \
		-hls_playlist_type vod -hls_time "$seglen" \
		-hls_segment_filename "$dir/seg%d.ts" "$dir/index.m3u8"
	rm -f "$dir/clip.ts" "$dir/source.ts"
fi
log=$WORK/origin.log
rm -f "$WORK/port"
python3 "$top/tests/integ/origin.py" --root "$streams" --port-file "$WORK/port" \
	--latency-ms "$LATENCY_MS" --rate "$RATE" --log "$log" \
	--max-seconds 3600 &
origin_pid=$!
trap 'kill $origin_pid 2>/dev/null; rm -rf "$WORK/out"' EXIT INT TERM
n=0
while [ ! -s "$WORK/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
url=http://127.0.0.1:$(cat "$WORK/port")/$name/index.m3u8
nsegs=$(grep -c '^seg' "$dir/index.m3u8")
echo "# $size MB, $nsegs segments, ${LATENCY_MS} ms, $RATE B/s per connection, -j $jobs; $(uptime | sed 's/.*load/load/')"
r=1
while [ $r -le "$runs" ]; do
	rm -rf "$WORK/out" && mkdir -p "$WORK/out"
	: >"$log"
	t0=$(date +%s.%N)
	"$M3U8NAS" get --allow-private -j "$jobs" -o "$WORK/out/o.mp4" "$url" \
		>/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
	last=$(awk '/ \/'"$name"'\/seg[0-9]*\.ts 200 / { t = $1 } END { print t }' "$log")
	done=$(python3 -c 'import os, sys; print("%.3f" % (os.stat(sys.argv[1]).st_ctime_ns / 1e9))' "$WORK/out/o.mp4")
	awk -v t0="$t0" -v last="$last" -v done="$done" -v r="$r" 'BEGIN {
		dl = last - t0; tail = done - last
		printf "run %d: download %.2f s, last byte to verified file %.3f s (%.1f%%)\n",
		    r, dl, tail, 100 * tail / dl }'
	r=$((r + 1))
done
