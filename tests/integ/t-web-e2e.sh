#!/bin/sh
# t-web-e2e.sh - the NAS's own page end to end (issue 12): Debian's
# Chromium, driven by playwright-core, against the real m3u8nas-spoold and
# m3u8nas-httpd (HTTPS, self-signed) and the test origin (tests/origin.py)
# serving streams made here with ffmpeg. The scenario is in web-e2e.mjs.
#
# Skipped (77) when node/npm, chromium, ffmpeg, sqlite3 or the programs
# are missing, or when playwright-core cannot be installed (npm ci of
# extension/package-lock.json into the build tree; never a browser
# download). Screenshots are left in $top_builddir/web-e2e/shots/.
set -eu

skip() {
	echo "t-web-e2e: $*; skipped"
	exit 77
}

: "${top_srcdir:?}" "${top_builddir:?}"
src=$(cd "$top_srcdir" && pwd)
build=$(cd "$top_builddir" && pwd)
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not found"
python=${PYTHON3:-python3}
command -v "$python" >/dev/null 2>&1 || skip "python3 not found"
E2E=web-e2e
. "$src/tests/integ/e2e-lib.sh"

# slow/: 30 one-second segments (fetched slowly: the origin paces each
# request); master.m3u8: two 4-second variants, 160x90 and 320x180.
streams=$tmp/streams
enc() {	# enc DIR SIZE SECONDS
	mkdir -p "$1"
	"$ffmpeg" -nostdin -loglevel error -y \
		-f lavfi -i "testsrc2=size=$2:rate=24:duration=$3" \
		-f lavfi -i "sine=frequency=440:duration=$3" \
		-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 24 \
		-c:a aac -b:a 48k -shortest \
		-f hls -hls_time 1 -hls_playlist_type vod \
		-hls_segment_filename "$1/seg%d.ts" "$1/index.m3u8"
}
enc "$streams/slow" 320x180 30
enc "$streams/v0" 160x90 4
enc "$streams/v1" 320x180 4
cat >"$streams/master.m3u8" <<'EOF'
#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x90
v0/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=320x180
v1/index.m3u8
EOF

"$python" "$src/tests/integ/origin.py" --root "$streams" --port-file "$tmp/origin.port" \
	--log "$tmp/origin.log" --rate 20000 --max-seconds 600 >"$tmp/origin.out" 2>&1 &
pids="$pids $!"
i=0
until [ -s "$tmp/origin.port" ]; do
	i=$((i + 1))
	[ "$i" -le 1200 ] || { echo "t-web-e2e: origin.py did not start"; exit 1; }
	sleep 0.1
done
origin=http://127.0.0.1:$(cat "$tmp/origin.port")

tls_port=$(free_port)
plain_port=$(free_port)
short_port=$(free_port)
other_port=$(free_port)
key=web-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$tmp/library"
conf() {	# conf LISTEN PLAIN TTL
	cat <<EOF
spool_dir = "$tmp/spool";
library_dir = "$tmp/library";
max_jobs = 3;
segment_concurrency = 2;
allow_private_targets = true;
min_free_mb = 1;
log_file = "$tmp/all.log";
http = {
  listen = "127.0.0.1:$1";
  plain_listen = "$2";
  tokens = [ "$key" ];
  rate_limit_per_minute = 1000;
  web_dir = "$src/web";
  session_ttl = $3;
};
EOF
}
conf "$tls_port" "127.0.0.1:$plain_port" 3600 >"$tmp/m3u8nas.conf"
conf "$short_port" "" 3 >"$tmp/short.conf"

"$spoold" -c "$tmp/m3u8nas.conf" -f >"$tmp/spoold.log" 2>&1 &
spoold_pid=$!
pids="$pids $spoold_pid"
"$httpd" -c "$tmp/m3u8nas.conf" -f >"$tmp/httpd.log" 2>&1 &
httpd_pid=$!
pids="$pids $httpd_pid"
# one after the other: the first makes the spool's TLS pair
short_pid=""
for port in "$tls_port" "$short_port"; do
	if [ "$port" = "$short_port" ]; then
		"$httpd" -c "$tmp/short.conf" -f >"$tmp/httpd-short.log" 2>&1 &
		short_pid=$!
		pids="$pids $short_pid"
	fi
	i=0
	until curl -skf --max-time 2 "https://127.0.0.1:$port/api/health" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -le 600 ] || { echo "t-web-e2e: m3u8nas-httpd not up on $port"; exit 1; }
		sleep 0.2
	done
done
i=0
until [ -f "$tmp/spool/state/m3u8nas.db" ]; do
	i=$((i + 1))
	[ "$i" -le 1200 ] || { echo "t-web-e2e: the spooler made no store"; exit 1; }
	sleep 0.1
done

PW_DIR=$pw CHROMIUM=$chromium NAS=https://127.0.0.1:$tls_port \
NAS_SHORT=https://127.0.0.1:$short_port NAS_KEY=$key ORIGIN=$origin \
SPOOL=$tmp/spool LIBRARY=$tmp/library OTHER_PORT=$other_port OUT_DIR=$tmp \
	timeout 400 node "$src/tests/integ/web-e2e.mjs"
echo "t-web-e2e: screenshots in $out/shots"

for prog in httpd short spoold; do
	eval "pid=\$${prog}_pid"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || { echo "t-web-e2e: $prog exited with status $rc"; exit 1; }
done
for f in httpd httpd-short spoold; do
	if grep -qE 'Sanitizer|runtime error:' "$tmp/$f.log"; then
		echo "t-web-e2e: sanitizer report in $f.log"
		exit 1
	fi
done
if grep -q "$key" "$tmp/all.log" "$tmp/httpd.log" "$tmp/spoold.log"; then
	echo "t-web-e2e: the API key is in a log"
	exit 1
fi
pids="$(for p in $pids; do case " $spoold_pid $httpd_pid $short_pid " in *" $p "*) ;; *) echo "$p" ;; esac; done)"
echo "t-web-e2e: the programs stopped cleanly"
