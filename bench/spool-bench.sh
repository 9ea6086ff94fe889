#!/bin/sh
# spool-bench - the spooler's two figures (docs/BENCHMARKS.md "## Spooler"):
#   1. drop-to-first-segment-request latency: a .job renamed into incoming/
#      until the origin logs the first segment request (median of N runs;
#      target <= 50 ms). The origin logs a request when its response is
#      sent, so the figure is an upper bound.
#   2. wall time of three jobs at once in the spooler against three
#      sequential `m3u8nas get` runs of the same stream, on an origin
#      limited per connection (as a CDN is), so the difference is the
#      parallelism, not the machine.
# Usage: [BENCH_TMPFS=1] top_srcdir=. top_builddir=build \
#            sh bench/spool-bench.sh [N] [SIZE_MB]
# Needs ffmpeg, python3, curl, sqlite3; binds 127.0.0.1 only.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

runs=${1:-15}
size=${2:-24}
GET=$top_builddir/helper/m3u8nas
now() { date +%s.%N; }

# BENCH_TMPFS=1: spool and library on a tmpfs (root), to separate the
# cost of fsync on the spool's disk from the spooler's own work.
if [ "${BENCH_TMPFS:-0}" = 1 ]; then
	mkdir -p "$(tmpdir)/disk"
	mount -t tmpfs -o size=512m tmpfs "$(tmpdir)/disk" || fail "mount tmpfs"
	on_exit "umount -l '$(tmpdir)/disk'"
	SPOOL=$(tmpdir)/disk/spool LIBRARY=$(tmpdir)/disk/library
	DB=$SPOOL/state/m3u8nas.db
	echo "spool on tmpfs"
fi
origin_start
spool_conf
spoold_start

# 1. Latency, one job at a time so that nothing else is in the origin log.
: >"$(tmpdir)/lat"
: >"$(tmpdir)/latp"
i=1
while [ $i -le "$runs" ]; do
	printf '{"url": "%s/plain/index.m3u8", "title": "lat%d"}\n' "$ORIGIN" $i \
		>"$SPOOL/incoming/.lat$i.tmp"
	# The clock is read right before rename(2), in one process.
	t0=$("$PYTHON3" -c 'import os, sys, time
t = time.time(); os.rename(sys.argv[1], sys.argv[2]); print("%.6f" % t)' \
		"$SPOOL/incoming/.lat$i.tmp" "$SPOOL/incoming/lat$i.job")
	wait_job "lat$i" completed 30 >/dev/null
	awk -v t0="$t0" '$1 >= t0 && $3 ~ /^\/plain\/seg[0-9]+\.ts/ { print ($1 - t0) * 1000; exit }' \
		"$ORIGIN_LOG" >>"$(tmpdir)/lat"
	awk -v t0="$t0" '$1 >= t0 && $3 ~ /^\/plain\/index\.m3u8/ { print ($1 - t0) * 1000; exit }' \
		"$ORIGIN_LOG" >>"$(tmpdir)/latp"
	i=$((i + 1))
done
median() {
	sort -n "$1" | awk -v what="$2" '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "drop-to-%s latency: median %.1f ms, min %.1f, max %.1f (%d runs)\n", what, m, v[1], v[NR], NR }'
}
median "$(tmpdir)/latp" "playlist-request"
median "$(tmpdir)/lat" "first-segment-request"
spoold_stop

# 2. Three at once against three sequential gets, 2 MB/s per connection.
big=$(sh "$top_srcdir/tests/integ/mkstreams.sh" --big "$(streams_dir)" "$size") ||
	fail "mkstreams --big"
bigpath=/$(basename "$big")/index.m3u8
origin_ctl "set?rate=2000000" >/dev/null
rm -rf "$LIBRARY"
spoold_start
t0=$(now)
for j in 1 2 3; do
	drop "big$j.job" "{\"url\": \"$ORIGIN$bigpath\", \"title\": \"big$j\"}"
done
for j in 1 2 3; do wait_job "big$j" completed 300 >/dev/null; done
t1=$(now)
spoold_stop
mkdir -p "$(tmpdir)/get"
t2=$(now)
for j in 1 2 3; do
	"$GET" get --allow-private -o "$(tmpdir)/get/big$j.mp4" "$ORIGIN$bigpath" \
		>/dev/null 2>"$(tmpdir)/get.err" ||
		fail "m3u8nas get failed: $(tail -n 1 "$(tmpdir)/get.err")"
done
t3=$(now)
cmp -s "$LIBRARY/big1.mp4" "$(tmpdir)/get/big1.mp4" && same=identical || same=different
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v s="$size" -v same="$same" 'BEGIN {
	printf "three %d MB jobs: spooler at once %.1f s, three sequential gets %.1f s: ratio %.2f (outputs %s)\n",
	    s, b - a, d - c, (d - c) / (b - a), same }'
