#!/bin/sh
# get-bench.sh - m3u8nas get against yt-dlp, streamlink and ffmpeg on one
# HLS stream behind the test origin emulating a CDN (first-byte latency and
# a per-connection rate). Not a test: prints a table, and with -m the
# markdown rows for docs/BENCHMARKS.md.
#
#   bench/get-bench.sh [-m] [-r RUNS] [-j N] [-s "SIZE_MB..."] [-p SIZE_MB]
#     -s   stream sizes for m3u8nas (RSS flatness), default "30 100"
#     -p   the size every peer runs on, default 100
#     -r   runs per tool, default 3 (the median is reported)
#     -j   concurrency for every tool, default 8
#   env: BUILD (default ./build), WORK (default a temp dir), LATENCY_MS (50),
#        RATE (bytes/s per connection, 2097152)
#
# Needs GNU time, python3, ffmpeg; yt-dlp and streamlink when present
# (scripts/deps.sh --bench installs them). Every process talks to 127.0.0.1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
M3U8NAS=$BUILD/helper/m3u8nas
LATENCY_MS=${LATENCY_MS:-50}
RATE=${RATE:-2097152}
runs=3 jobs=8 sizes="30 100" peer_size=100 markdown=0
while getopts mr:j:s:p: o; do
	case $o in
	m) markdown=1 ;;
	r) runs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	s) sizes=$OPTARG ;;
	p) peer_size=$OPTARG ;;
	*) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
[ -x "$M3U8NAS" ] || { echo "build m3u8nas first ($M3U8NAS)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

WORK=${WORK:-$(mktemp -d /tmp/m3u8nas-bench.XXXXXX)}
streams=$WORK/streams
mkdir -p "$streams" "$WORK/out"
results=$WORK/results
: >"$results"
origin_pid=''
cleanup() {
	[ -n "$origin_pid" ] && kill "$origin_pid" 2>/dev/null
	rm -rf "$WORK/out"
}
trap cleanup EXIT INT TERM

for s in $sizes $peer_size; do
	sh "$top/tests/integ/mkstreams.sh" --big "$streams" "$s" >/dev/null
done
rm -f "$WORK/port"
python3 "$top/tests/integ/origin.py" --root "$streams" --port-file "$WORK/port" \
	--latency-ms "$LATENCY_MS" --rate "$RATE" --max-seconds 7200 &
origin_pid=$!
n=0
while [ ! -s "$WORK/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -0 "$origin_pid" 2>/dev/null && [ -s "$WORK/port" ] ||
	{ echo "the origin did not start" >&2; exit 1; }
ORIGIN=http://127.0.0.1:$(cat "$WORK/port")

cpu_ticks() {	# user+system clock ticks of a pid
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# measure SIZE TOOL RUN CMD... - appends one line to $results:
#   size tool run wall_s cpu_s rss_kb origin_cpu_s
measure() {
	size=$1 tool=$2 run=$3
	shift 3
	rm -rf "$WORK/out" && mkdir -p "$WORK/out"
	t0=$(cpu_ticks "$origin_pid")
	if ! (cd "$WORK/out" && /usr/bin/time -f '%e %U %S %M' -o "$WORK/t" \
	    "$@" >"$WORK/log" 2>&1); then
		echo "$tool failed (size $size run $run):" >&2
		tail -3 "$WORK/log" >&2
		return 0
	fi
	t1=$(cpu_ticks "$origin_pid")
	hz=$(getconf CLK_TCK)
	read -r wall user sys rss <"$WORK/t"
	echo "$size $tool $run $wall $(echo "$user + $sys" | bc) $rss \
$(echo "scale=2; ($t1 - $t0) / $hz" | bc)" >>"$results"
	echo "  $tool ${size}MB run $run: ${wall}s" >&2
}

run_tool() {	# run_tool SIZE TOOL URL
	size=$1 tool=$2 url=$3
	i=1
	while [ $i -le "$runs" ]; do
		case $tool in
		m3u8nas) measure "$size" m3u8nas $i "$M3U8NAS" get \
			--allow-private -j "$jobs" -o out.mp4 "$url" ;;
		yt-dlp) measure "$size" yt-dlp $i yt-dlp -q --no-progress \
			--hls-prefer-native -N "$jobs" -o out.mp4 "$url" ;;
		streamlink) measure "$size" streamlink $i streamlink -Q -f \
			--hls-segment-threads "$jobs" -o out.ts "hls://$url" best ;;
		ffmpeg) measure "$size" ffmpeg $i ffmpeg -nostdin -loglevel \
			error -i "$url" -c copy -y out.mp4 ;;
		esac
		i=$((i + 1))
	done
}

for s in $sizes; do
	[ "$s" = "$peer_size" ] && continue
	run_tool "$s" m3u8nas "$ORIGIN/big-$s/index.m3u8"
done
for tool in m3u8nas yt-dlp streamlink ffmpeg; do
	[ "$tool" = m3u8nas ] || command -v "$tool" >/dev/null 2>&1 ||
		{ echo "skipping $tool (not installed)" >&2; continue; }
	run_tool "$peer_size" "$tool" "$ORIGIN/big-$peer_size/index.m3u8"
done

# The emulated bound for the peer size: every byte at JOBS x RATE, plus one
# first-byte latency per round of JOBS segments; and the same with whole
# segments (a round lasts as long as its largest segment takes).
d=$streams/big-$peer_size
bytes=$(cat "$d"/seg*.ts | wc -c)
nseg=$(ls "$d"/seg*.ts | wc -l)
rounds=$(( (nseg + jobs - 1) / jobs ))
bound=$(echo "scale=2; $bytes / ($jobs * $RATE) + $rounds * $LATENCY_MS / 1000" | bc)
segbound=$(ls -l "$d"/seg*.ts | awk -v j="$jobs" -v r="$RATE" -v l="$LATENCY_MS" '
	{ s[n++] = $5 } END { t = 0
	  for (i = 0; i < n; i += j) { m = 0
	    for (k = i; k < i + j && k < n; k++) if (s[k] > m) m = s[k]
	    t += m / r + l / 1000 }
	  printf "%.2f", t }')

# Medians per size and tool.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
summary=$WORK/summary
: >"$summary"
for key in $(awk '{ print $1 ":" $2 }' "$results" | sort -u); do
	s=${key%%:*} t=${key#*:}
	m() { awk -v s="$s" -v t="$t" -v c="$1" '$1 == s && $2 == t { print $c }' \
		"$results" | median; }
	echo "$s $t $(m 4) $(m 5) $(m 6) $(m 7)" >>"$summary"
done
ref() { awk -v s="$1" -v c="$2" '$1 == s && $2 == "m3u8nas" { print $c }' "$summary"; }

echo
echo "stream big-$peer_size: $bytes bytes in $nseg segments; -j $jobs," \
	"${LATENCY_MS} ms to first byte, $RATE B/s per connection"
echo "emulated bound: $bound s (bytes / (j x rate) + rounds x latency);" \
	"$segbound s with whole segments per round"
printf '%-5s %-11s %8s %8s %9s %8s %8s %8s %10s\n' MB tool wall_s cpu_s \
	rss_MB wall/m cpu/m rss/m origin_cpu
sort -k1,1n -k2,2 "$summary" | while read -r s t w c r o; do
	rw=$(ref "$s" 3) rc=$(ref "$s" 4) rr=$(ref "$s" 5)
	printf '%-5s %-11s %8.2f %8.2f %9.1f %8.2f %8.2f %8.2f %10.2f\n' \
		"$s" "$t" "$w" "$c" "$(echo "scale=1; $r / 1024" | bc)" \
		"$(echo "scale=2; $w / $rw" | bc)" "$(echo "scale=2; $c / $rc" | bc)" \
		"$(echo "scale=2; $r / $rr" | bc)" "$o"
done
if [ "$markdown" = 1 ]; then
	echo
	echo "| stream | tool | wall s | CPU s | peak RSS MB | wall ÷ m3u8nas | CPU ÷ m3u8nas | origin CPU s |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	sort -k1,1n -k2,2 "$summary" | while read -r s t w c r o; do
		rw=$(ref "$s" 3) rc=$(ref "$s" 4)
		echo "| ${s} MB | $t | $w | $c | $(echo "scale=1; $r / 1024" | bc) |" \
			"$(echo "scale=2; $w / $rw" | bc) | $(echo "scale=2; $c / $rc" | bc) | $o |"
	done
fi
echo "raw results: $results" >&2
