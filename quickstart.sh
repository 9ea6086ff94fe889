#!/bin/sh
# quickstart.sh - install what is missing, build, and start m3u8nas with
# everything under one local folder (./m3u8nas-home by default).
#
#   sudo ./quickstart.sh            start (or restart) everything, then a demo
#   sudo ./quickstart.sh stop       stop everything and unmount
#   sudo ./quickstart.sh status     what is running
#   M3U8NAS_HOME=/srv/m3u8nas sudo ./quickstart.sh   another folder
#
# The first start writes $M3U8NAS_HOME/m3u8nas.conf (the embedded default:
# spool, library, mount point and state all under the folder, a fresh API
# token); edit it and run the script again to restart with your changes.
set -eu
cd "$(dirname "$0")"
top=$(pwd)
home=${M3U8NAS_HOME:-$top/m3u8nas-home}
conf=$home/m3u8nas.conf
bin=$top/build
action=${1:-start}

say() { printf '%s\n' "$*"; }

stop_all() {
	for p in httpd fs spoold; do
		f=$home/run/$p.pid
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
	sleep 1
	if [ -d "$home/mnt" ] && grep -q " $home/mnt " /proc/mounts; then
		fusermount3 -u "$home/mnt" 2>/dev/null || umount -l "$home/mnt" || true
	fi
}

running() {
	f=$home/run/$1.pid
	[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

case "$action" in
stop) stop_all; say "m3u8nas stopped."; exit 0 ;;
status)
	for p in spoold fs httpd; do
		if running $p; then say "m3u8nas-$p: running (pid $(cat "$home/run/$p.pid"))"
		else say "m3u8nas-$p: stopped"; fi
	done
	exit 0 ;;
start) ;;
*) say "usage: quickstart.sh [start|stop|status]" >&2; exit 2 ;;
esac

scripts/deps.sh
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p build
if [ ! -f build/Makefile ]; then
	(cd build && "$top/configure" >/dev/null)
fi
say "Building..."
make -C build -j"$(nproc)" >build/make.out 2>&1 || { tail -30 build/make.out; exit 1; }

mkdir -p "$home/run" "$home/log" "$home/mnt" "$home/library"
if [ ! -f "$conf" ]; then
	token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	cat >"$conf" <<CONF
# m3u8nas.conf - written by quickstart.sh; every key is described in
# m3u8nas.conf(5) (etc/m3u8nas.conf.5.in) and shown in etc/m3u8nas.conf.
spool_dir = "$home/spool";
library_dir = "$home/library";
mount_point = "$home/mnt";
max_jobs = 3;
segment_concurrency = 10;
allow_private_targets = false;
http = {
  listen = "0.0.0.0:8443";
  plain_listen = "127.0.0.1:8080";
  tokens = [ "$token" ];
  rate_limit_per_minute = 10;
};
CONF
	chmod 600 "$conf"
fi

stop_all
start() {
	name=$1; shift
	prog=$bin/$1; shift
	if [ ! -x "$prog" ]; then
		say "m3u8nas-$name: not built in this version, skipped"
		return 0
	fi
	nohup "$prog" "$@" >>"$home/log/$name.log" 2>&1 &
	echo $! >"$home/run/$name.pid"
}
start spoold spooler/m3u8nas-spoold -c "$conf" -f
start fs fs/m3u8nas-fs -c "$conf" -f
start httpd helper/m3u8nas-httpd -c "$conf" -f
sleep 1

token=$(sed -n 's/.*tokens = \[ "\(.*\)" \];/\1/p' "$conf")
say ""
say "m3u8nas is running, everything under $home:"
for p in spoold fs httpd; do
	if running $p; then say "  m3u8nas-$p   running, log in $home/log/$p.log"
	else say "  m3u8nas-$p   NOT running: see $home/log/$p.log"; fi
done
say ""
say "  drop jobs into   $home/spool/incoming/   (a .job file, or a file holding just a URL)"
say "  watch them in    $home/mnt/   (cat $home/mnt/status)"
say "  videos land in   $home/library/"
say "  extension: endpoint https://$(hostname):8443  API key $token"
say "  client:    $bin/helper/m3u8nas get URL    (download here and now)"
say ""
say "Stop with: sudo ./quickstart.sh stop"

# A first video, so that a newcomer sees the whole download path work: a
# 10-second sample made with ffmpeg, served as HLS on 127.0.0.1 by the test
# origin, fetched by "m3u8nas get" into the library. (The spooler refuses
# hosts on the NAS's own LAN and loopback by default, hence --allow-private
# here and "get" rather than a dropped job.)
[ "${M3U8NAS_DEMO:-1}" = 1 ] || exit 0
demo=$home/demo-site
if [ ! -f "$demo/index.m3u8" ]; then
	mkdir -p "$demo"
	ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=25 \
	    -f lavfi -i sine=frequency=440:sample_rate=48000 -t 10 \
	    -c:v libx264 -preset ultrafast -g 50 -c:a aac -f hls -hls_time 2 \
	    -hls_list_size 0 -hls_segment_filename "$demo/seg%d.ts" \
	    "$demo/index.m3u8"
fi
rm -f "$home/run/demo.port"
python3 tests/integ/origin.py --root "$demo" --port-file "$home/run/demo.port" \
    --max-seconds 60 >"$home/log/demo-origin.log" 2>&1 &
origin=$!
i=0
while [ ! -s "$home/run/demo.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$home/run/demo.port")/index.m3u8"
say ""
say "Demo: m3u8nas get $url"
out="$home/library/m3u8nas demo.mp4"
rm -f "$out"
if "$bin/helper/m3u8nas" get --allow-private -o "$out" "$url"; then
	say "Demo video: $out"
else
	say "The demo download failed: see the line above."
fi
kill $origin 2>/dev/null || true
