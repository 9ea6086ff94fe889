#!/bin/sh
# get-bench.sh - m3u8nas get beside yt-dlp, streamlink and ffmpeg on the four
# shapes of issue 10, in one run, with the machine's load. Not a test:
# prints tables (and with -m the markdown rows for docs/BENCHMARKS.md).
#
#   bench/get-bench.sh [-m] [-S "1 2 3 4"] [-r RUNS] [-R RUNS2] [-T TEN]
#                      [-j N] [-s "SIZE_MB..."] [-p SIZE_MB]
#     -S   shapes to run (default all four):
#          1  100 MB, 50 ms to first byte, 2 MiB/s per connection (origin.py)
#          2  3,000 segments of 1 s on loopback, no latency (nginx, plain HTTP)
#          3  400 segments of 2 s, 100 ms to first byte, no rate cap (origin.py)
#          4  the 100 MB stream over HTTPS + HTTP/2 from nginx
#     -r   runs per tool and shape, the median reported (default 3)
#     -R   m3u8nas runs on shape 2, median and worst reported (default 5)
#     -T   runs in a row on shape 2: the first against the last (default 10)
#     -j   concurrency for every tool (default 8)
#     -s   stream sizes m3u8nas runs on in shape 1, for RssAnon flatness
#          (default "30 100"); -p the size every tool runs on (default 100)
#   env: BUILD (./build), WORK (a temp dir; kept), LATENCY_MS (50),
#        RATE (2097152 B/s per connection: shapes 1 and 4; RATE4 for 4 alone,
#        0 = no limit), SEG1 (2: seconds a segment in shapes 1 and 4, ~2 MB),
#        SEGS2 (3000), SEGS3 (400), LATENCY3_MS (100)
#
# Needs GNU time, python3, ffmpeg, curl; nginx (nginx-light) for
# shapes 2 and 4, wrk to show what each server can serve; yt-dlp and
# streamlink when present (scripts/deps.sh --bench). Everything is on
# 127.0.0.1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
M3U8NAS=$BUILD/helper/m3u8nas
LATENCY_MS=${LATENCY_MS:-50}
RATE=${RATE:-2097152}
RATE4=${RATE4:-$RATE}
SEG1=${SEG1:-2} SEGS2=${SEGS2:-3000} SEGS3=${SEGS3:-400} LATENCY3_MS=${LATENCY3_MS:-100}
shapes="1 2 3 4" runs=3 runs2=5 ten=10 jobs=8 sizes="30 100" peer_size=100
markdown=0
while getopts mS:r:R:T:j:s:p: o; do
	case $o in
	m) markdown=1 ;;
	S) shapes=$OPTARG ;;
	r) runs=$OPTARG ;;
	R) runs2=$OPTARG ;;
	T) ten=$OPTARG ;;
	j) jobs=$OPTARG ;;
	s) sizes=$OPTARG ;;
	p) peer_size=$OPTARG ;;
	*) sed -n '2,27s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
[ -x "$M3U8NAS" ] || { echo "build m3u8nas first ($M3U8NAS)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

WORK=${WORK:-$(mktemp -d /tmp/m3u8nas-bench.XXXXXX)}
streams=$WORK/streams
mkdir -p "$streams" "$WORK/out"
results=$WORK/results notes=$WORK/notes
: >"$results"
: >"$notes"
. "$top/bench/get-bench-lib.sh"
trap 'stop_servers; rm -rf "$WORK/out"' EXIT INT TERM
note() { echo "$*" | tee -a "$notes" >&2; }
has() { [ "$1" = m3u8nas ] || command -v "$1" >/dev/null 2>&1; }
want() { case " $shapes " in *" $1 "*) return 0 ;; esac; return 1; }
peers="yt-dlp streamlink ffmpeg"

# run_tool SHAPE SIZE TOOL URL N [FIRST] - N runs (numbered from FIRST);
# with TLS=1 each tool trusts nginx's throwaway CA its own way.
run_tool() {
	i=${6:-1}
	last=$((i + $5 - 1))
	while [ "$i" -le "$last" ]; do
		tls_m='' tls_y='' tls_s='' tls_f=''
		if [ "${TLS:-0}" = 1 ]; then
			tls_m="--cacert $NGINX_CA" tls_y=--no-check-certificate
			tls_s=REQUESTS_CA_BUNDLE=$NGINX_CA tls_f='-tls_verify 0'
		fi
		n0=$(wc -l <"${NGINX_LOG:-/dev/null}" 2>/dev/null || echo 0)
		# shellcheck disable=SC2086
		case $3 in
		m3u8nas) measure "$1" "$2" m3u8nas "$i" "$M3U8NAS" get \
			--allow-private $tls_m -j "$jobs" -o out.mp4 "$4" ;;
		yt-dlp) measure "$1" "$2" yt-dlp "$i" yt-dlp -q --no-progress \
			$tls_y --hls-prefer-native -N "$jobs" -o out.mp4 "$4" ;;
		streamlink) measure "$1" "$2" streamlink "$i" env $tls_s \
			streamlink -Q -f --hls-segment-threads "$jobs" -o out.ts \
			"hls://$4" best ;;
		ffmpeg) measure "$1" "$2" ffmpeg "$i" ffmpeg -nostdin -loglevel \
			error $tls_f -i "$4" -c copy -y out.mp4 ;;
		esac
		[ "${TLS:-0}" = 1 ] && protocols "$3" "$n0"
		i=$((i + 1))
	done
}

# protocols TOOL N0 - how the last run reached nginx (its access log)
protocols() {
	tail -n +$(($2 + 1)) "$NGINX_LOG" | awk -v t="$1" '
		{ p[$1]++; c[$2] = 1; n++ }
		END { s = ""; for (k in p) s = s " " k " x" p[k]
		      m = 0; for (k in c) m++
		      printf "%s: %d requests (%s ) on %d connection(s)\n", t, n, s, m }' |
		tee -a "$notes" >&2
}

# stat SHAPE SIZE TOOL COLUMN median|max|run=N [UPTO] - over runs <= UPTO
stat() {
	awk -v s="$1" -v z="$2" -v t="$3" -v c="$4" -v f="$5" -v u="${6:-999999}" '
		$1 == s && $2 == z && $3 == t && $4 <= u { v[++n] = $c; r[$4] = $c }
		END { if (!n) exit
		  if (f ~ /^run=/) { k = substr(f, 5); if (k in r) print r[k]; exit }
		  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		    if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
		  print f == "max" ? v[n] : v[int((n + 1) / 2)] }' "$results"
}
# calc EXPR [DECIMALS] - awk arithmetic, printed with a leading zero
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && calc "$1 / $2" || echo -; }
mb() { [ -n "$1" ] && calc "$1 / 1024" 1 || echo -; }
seg_bytes() { cat "$1"/seg*.ts | wc -c; }
seg_count() { grep -c '^#EXTINF' "$1/index.m3u8"; }

# --- the streams and the servers ---------------------------------------
want 1 || want 4 && for s in $sizes $peer_size; do
	mk_cdn "$streams" "$s" "$SEG1"
done
want 2 && mk_many "$streams" many-$SEGS2 "$SEGS2" 1
want 3 && mk_many "$streams" many-$SEGS3 "$SEGS3" 2
origin_up "$streams"
nginx=0
if want 2 || want 4; then
	if nginx_up "$streams" "$RATE4"; then nginx=1
	else note "nginx not installed: shape 2 on origin.py, shape 4 skipped"; fi
fi

echo "load before: $(uptime)" >>"$notes"

# --- shape 1: 100 MB behind an emulated CDN ------------------------------
shape1() {
	origin_set "latency_ms=$LATENCY_MS&rate=$RATE"
	for s in $sizes; do
		[ "$s" = "$peer_size" ] ||
			run_tool 1 "$s" m3u8nas "$ORIGIN/cdn-$s/index.m3u8" "$runs"
	done
	for t in m3u8nas $peers; do
		has "$t" || { note "shape 1: $t not installed"; continue; }
		run_tool 1 "$peer_size" "$t" "$ORIGIN/cdn-$peer_size/index.m3u8" "$runs"
	done
}

# --- shape 2: 3,000 one-second segments, loopback -------------------------
# What a server serves: wrk on one segment with -j connections, else a
# curl keep-alive loop on one connection.
capacity() {
	if command -v wrk >/dev/null 2>&1; then
		wrk -t2 -c"$jobs" -d3s "$1" 2>/dev/null |
			awk '/Requests\/sec/ { printf "%d req/s (wrk, %d connections)", $2, c }' c="$jobs"
	else
		set -- "$1" "$(date +%s%N)"
		curl -s -o /dev/null $(seq 200 | sed "s|.*|$1 -o /dev/null|")
		echo "$(( 200 * 1000000000 / ($(date +%s%N) - $2) )) req/s (curl, 1 connection)"
	fi
}
shape2() {
	origin_set "latency_ms=0&rate=0"
	p=/many-$SEGS2/seg1.ts
	c_py=$(capacity "$ORIGIN$p")
	note "shape 2: origin.py serves $c_py: $SEGS2 requests in" \
		"$(calc "$SEGS2 / ${c_py%% *}") s of its own"
	base=$ORIGIN
	if [ "$nginx" = 1 ]; then
		c_ng=$(capacity "$NGINX_HTTP$p")
		note "shape 2: nginx serves $c_ng: $SEGS2 requests in" \
			"$(calc "$SEGS2 / ${c_ng%% *}") s of its own"
		# origin.py is one Python process (one core, the GIL): its
		# share would be a large part of a run that ffmpeg finishes
		# in about a second, and the shape would measure the origin.
		note "shape 2 runs on nginx: the origin must not be the bottleneck"
		base=$NGINX_HTTP
	fi
	url=$base/many-$SEGS2/index.m3u8
	n=$runs2
	[ "$ten" -gt "$n" ] && n=$ten
	run_tool 2 "$SEGS2" m3u8nas "$url" "$n"
	for t in $peers; do
		has "$t" || { note "shape 2: $t not installed"; continue; }
		run_tool 2 "$SEGS2" "$t" "$url" "$runs"
	done
}

# --- shape 3: 400 two-second segments, 100 ms to first byte ---------------
shape3() {
	d=$streams/many-$SEGS3
	# The transfer term: every segment with no latency, -j at once (curl).
	origin_set "latency_ms=0&rate=0"
	sed -n "s|^seg|url = \"$ORIGIN/many-$SEGS3/seg|p" "$d/index.m3u8" |
		sed 's|$|"\noutput = "/dev/null"|' >"$WORK/curl.cfg"
	t0=$(date +%s%N)
	curl -s -Z --parallel-max "$jobs" -K "$WORK/curl.cfg" 2>/dev/null
	transfer=$(calc "($(date +%s%N) - $t0) / 1000000000" 3)
	echo "$transfer" >"$WORK/transfer3"
	origin_set "latency_ms=$LATENCY3_MS&rate=0"
	run_tool 3 "$SEGS3" m3u8nas "$ORIGIN/many-$SEGS3/index.m3u8" "$runs"
}

# --- shape 4: 100 MB over HTTPS + HTTP/2 from nginx ------------------------
shape4() {
	[ "$nginx" = 1 ] || return 0
	for t in m3u8nas $peers; do
		has "$t" || { note "shape 4: $t not installed"; continue; }
		TLS=1
		run_tool 4 "$peer_size" "$t" "$NGINX_HTTPS/cdn-$peer_size/index.m3u8" "$runs"
		TLS=0
	done
}

for k in $shapes; do
	note "shape $k starts at $(uptime | sed 's/.*load/load/')"
	"shape$k"
done
echo "load after: $(uptime)" >>"$notes"

# --- report ---------------------------------------------------------------
md=$WORK/markdown
: >"$md"
row() { echo "| $* |" >>"$md"; }
line() { printf '%-11s %5s %8s %8s %8s %9s %s\n' "$@"; }
# tool_rows SHAPE SIZE REF_TOOL [UPTO] - one line per tool; ratios to REF
tool_rows() {
	line tool runs "wall_s" worst_s cpu_s rssanon_MB "wall/$3 cpu/$3"
	rw=$(stat "$1" "$2" "$3" 5 median "${4:-}") rc=$(stat "$1" "$2" "$3" 6 median "${4:-}")
	for t in m3u8nas $peers; do
		tw=$(stat "$1" "$2" "$t" 5 median "${4:-}")
		[ -n "$tw" ] || continue
		tx=$(stat "$1" "$2" "$t" 5 max "${4:-}") tc=$(stat "$1" "$2" "$t" 6 median "${4:-}")
		ta=$(stat "$1" "$2" "$t" 8 max "${4:-}")
		tn=$(awk -v s="$1" -v z="$2" -v t="$t" -v u="${4:-999999}" \
			'$1 == s && $2 == z && $3 == t && $4 <= u' "$results" | wc -l)
		[ "$t" = m3u8nas ] && ta=$(mb "$ta") || ta=-
		line "$t" "$tn" "$tw" "$tx" "$tc" "$ta" "$(ratio "$tw" "$rw")  $(ratio "$tc" "$rc")"
		row "$1 | $t | $tn | $tw | $tx | $tc | $ta | $(ratio "$tw" "$rw") | $(ratio "$tc" "$rc")"
	done
}

echo
cat "$notes"
if want 1; then
	d=$streams/cdn-$peer_size
	bytes=$(seg_bytes "$d") nseg=$(seg_count "$d")
	rounds=$(( (nseg + jobs - 1) / jobs ))
	bound=$(calc "$bytes / ($jobs * $RATE) + $rounds * $LATENCY_MS / 1000")
	w=$(stat 1 "$peer_size" m3u8nas 5 median)
	echo
	echo "shape 1: cdn-$peer_size, $bytes bytes in $nseg segments, -j $jobs," \
		"$LATENCY_MS ms to first byte, $RATE B/s per connection (origin.py)"
	echo "  byte bound = bytes / (j x rate) + rounds x latency" \
		"= $bytes / ($jobs x $RATE) + $rounds x $LATENCY_MS ms = $bound s;" \
		"m3u8nas/bound = $(ratio "$w" "$bound")"
	tool_rows 1 "$peer_size" yt-dlp
	printf '  m3u8nas RssAnon (max sampled):'
	for s in $(echo $sizes $peer_size | tr ' ' '\n' | sort -nu); do
		printf ' %s MB stream %s MB;' "$s" "$(mb "$(stat 1 "$s" m3u8nas 8 max)")"
	done
	echo
fi
if want 2; then
	f=$(stat 2 "$SEGS2" m3u8nas 5 run=1) l=$(stat 2 "$SEGS2" m3u8nas 5 "run=$ten")
	echo
	echo "shape 2: $SEGS2 segments of 1 s, no latency, no rate cap, -j $jobs;" \
		"m3u8nas over its first $runs2 runs (ratios to ffmpeg, one connection)"
	tool_rows 2 "$SEGS2" ffmpeg "$runs2"
	echo "  m3u8nas/yt-dlp (medians) = $(ratio "$(stat 2 "$SEGS2" m3u8nas 5 median "$runs2")" \
		"$(stat 2 "$SEGS2" yt-dlp 5 median)");" \
		"worst/ffmpeg = $(ratio "$(stat 2 "$SEGS2" m3u8nas 5 max "$runs2")" \
		"$(stat 2 "$SEGS2" ffmpeg 5 median)")"
	echo "  $ten runs in a row: first $f s, run $ten $l s (run $ten / first = $(ratio "$l" "$f"))"
	row "2 | m3u8nas first / run $ten | | $f | $l | | | $(ratio "$l" "$f") |"
fi
if want 3 && [ -s "$WORK/transfer3" ]; then
	d=$streams/many-$SEGS3
	transfer=$(cat "$WORK/transfer3")
	bound=$(calc "$SEGS3 * $LATENCY3_MS / 1000 / $jobs + $transfer")
	w=$(stat 3 "$SEGS3" m3u8nas 5 median)
	echo
	echo "shape 3: $SEGS3 segments of 2 s ($(seg_bytes "$d") bytes), $LATENCY3_MS ms" \
		"to first byte, no rate cap, -j $jobs (origin.py)"
	echo "  request bound = segments x latency / connections + transfer" \
		"= $SEGS3 x $LATENCY3_MS ms / $jobs + $transfer s = $bound s" \
		"(transfer: curl -Z, $jobs at once, no latency)"
	tool_rows 3 "$SEGS3" m3u8nas
	echo "  m3u8nas/bound = $(ratio "$w" "$bound")"
	row "3 | request bound | | $bound | | | | $(ratio "$w" "$bound") |"
fi
if want 4 && [ "$nginx" = 1 ]; then
	d=$streams/cdn-$peer_size
	bytes=$(seg_bytes "$d")
	echo
	echo "shape 4: cdn-$peer_size over HTTPS from nginx, limit_rate $RATE4 B/s per" \
		"request (per HTTP/2 stream), no added latency, -j $jobs"
	[ "$RATE4" != 0 ] && echo "  byte bound = bytes / (j x rate) = $bytes / ($jobs x $RATE4)" \
		"= $(calc "$bytes / ($jobs * $RATE4)") s"
	echo "  trust: m3u8nas --cacert CA; yt-dlp --no-check-certificate;" \
		"streamlink REQUESTS_CA_BUNDLE=CA (its --http-no-ssl-verify" \
		"left the playlist fetch verifying in 5.2.1); ffmpeg -tls_verify 0 (its default)"
	tool_rows 4 "$peer_size" yt-dlp
fi
if [ "$markdown" = 1 ]; then
	echo
	echo "| shape | tool | runs | wall s (median) | worst s | CPU s | RssAnon MB | wall ÷ ref | CPU ÷ ref |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	cat "$md"
	echo
	echo "ref: yt-dlp for shapes 1 and 4, ffmpeg (one connection) for 2;" \
		"shape 3's ratio is to its request bound. $(sed -n 's/^load before: *//p' "$notes")"
fi
echo "raw results: $results (shape size tool run wall cpu maxrss_kB rssanon_kB server_cpu)" >&2
