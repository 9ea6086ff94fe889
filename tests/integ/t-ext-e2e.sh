#!/bin/sh
# t-ext-e2e.sh - the Chrome extension end to end: Debian's Chromium, driven
# by playwright-core, with extension/ loaded, against the real
# m3u8nas-httpd (HTTPS, self-signed) and m3u8nas-spoold, and a site on
# 127.0.0.1 whose page loads HLS streams made here with ffmpeg.  The
# scenario is in extension/e2e/e2e.mjs.
#
# Skipped (77) when node/npm, chromium, ffmpeg or the two programs are
# missing, or when playwright-core cannot be installed.  playwright-core
# comes from extension/package-lock.json through `npm ci` into the build
# tree (the source tree is read-only under distcheck); it never downloads
# a browser.  Screenshots are left in $top_builddir/ext-e2e/shots/.
set -eu

skip() {
	echo "t-ext-e2e: $*; skipped"
	exit 77
}

: "${top_srcdir:?}" "${top_builddir:?}"
src=$(cd "$top_srcdir" && pwd)
build=$(cd "$top_builddir" && pwd)
E2E=ext-e2e
. "$src/tests/integ/e2e-lib.sh"

# Two renditions of a 2-second test video: v0 160x90, v1 320x180.
streams=$tmp/streams
for v in "0 160x90" "1 320x180"; do
	set -- $v
	mkdir -p "$streams/v$1"
	"$ffmpeg" -nostdin -loglevel error -y \
		-f lavfi -i "testsrc=size=$2:rate=10:duration=2" \
		-f lavfi -i "sine=frequency=440:duration=2" \
		-c:v libx264 -preset ultrafast -g 10 -c:a aac -b:a 32k -shortest \
		-f hls -hls_time 1 -hls_playlist_type vod \
		-hls_segment_filename "$streams/v$1/seg%d.ts" "$streams/v$1/index.m3u8"
done
cat >"$streams/master.m3u8" <<'EOF'
#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x90
v0/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=320x180
v1/index.m3u8
EOF

tls_port=$(free_port)
plain_port=$(free_port)
dead_port=$(free_port)
key=e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$tmp/library"
cat >"$tmp/m3u8nas.conf" <<EOF
spool_dir = "$tmp/spool";
library_dir = "$tmp/library";
mount_point = "$tmp/mnt";
max_jobs = 2;
segment_concurrency = 4;
allow_private_targets = true;
min_free_mb = 1;
http = {
  listen = "127.0.0.1:$tls_port";
  plain_listen = "127.0.0.1:$plain_port";
  tokens = [ "$key" ];
  rate_limit_per_minute = 6;
};
EOF

"$spoold" -c "$tmp/m3u8nas.conf" -f >"$tmp/spoold.log" 2>&1 &
spoold_pid=$!
pids="$pids $spoold_pid"
"$httpd" -c "$tmp/m3u8nas.conf" -f >"$tmp/httpd.log" 2>&1 &
httpd_pid=$!
pids="$pids $httpd_pid"

# Up when the HTTPS listener answers /api/health (self-signed: -k).
i=0
until curl -skf --max-time 2 "https://127.0.0.1:$tls_port/api/health" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		echo "t-ext-e2e: m3u8nas-httpd did not come up on port $tls_port"
		exit 1
	fi
	sleep 0.2
done

EXT_DIR=$src/extension PW_DIR=$pw CHROMIUM=$chromium \
NAS_ENDPOINT=https://127.0.0.1:$tls_port NAS_DIRECT=http://127.0.0.1:$plain_port \
NAS_KEY=$key DEAD_ENDPOINT=http://127.0.0.1:$dead_port \
STREAMS_DIR=$streams OUT_DIR=$tmp SPOOL_DIR=$tmp/spool \
	timeout 600 node "$src/extension/e2e/e2e.mjs"
echo "t-ext-e2e: screenshots in $out/shots"

# The browser's traffic must not have hurt the programs: each stops on
# SIGTERM with status 0 and without a sanitizer report.
for prog in httpd spoold; do
	eval "pid=\$${prog}_pid"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "t-ext-e2e: m3u8nas-$prog exited with status $rc"
		exit 1
	fi
	if grep -qE 'Sanitizer|runtime error:' "$tmp/$prog.log"; then
		echo "t-ext-e2e: sanitizer report from m3u8nas-$prog"
		exit 1
	fi
done
pids=""
echo "t-ext-e2e: m3u8nas-httpd and m3u8nas-spoold stopped cleanly"
