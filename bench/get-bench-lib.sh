# get-bench-lib.sh - what bench/get-bench.sh runs on, sourced by it: the
# streams, the two servers (tests/integ/origin.py, Debian's nginx) and the
# measure of one run (wall, CPU, peak RSS, sampled RssAnon, server CPU).
#
#   mk_cdn DIR SIZE_MB SECONDS  ~SIZE_MB at ~8 Mbit/s in SECONDS segments
#   mk_many DIR NAME SEGMENTS SECONDS   a stream of SEGMENTS segments of
#                    SECONDS each (256x144 H.264 + AAC, ~30 KB a second):
#                    a 10 s clip looped by stream copy, cut at its keyframes
#   origin_up ROOT   origin.py on 127.0.0.1: ORIGIN, ORIGIN_PID
#   origin_set latency_ms=N&rate=R      change its emulation between shapes
#   nginx_up ROOT RATE   nginx: NGINX_HTTP (plain, no limit: shape 2) and
#                    NGINX_HTTPS (TLS, HTTP/2, limit_rate RATE per request:
#                    shape 4), NGINX_CA (the throwaway CA), NGINX_LOG
#   measure SHAPE SIZE TOOL RUN CMD...  one run, one line in $results
#   stop_servers     (the driver's trap)
# Needs: $WORK, $results, $top. Every server binds 127.0.0.1 only.

FFQ="ffmpeg -nostdin -hide_banner -loglevel error -y"
ORIGIN_PID='' NGINX_PID=''

mk_many() {
	d=$1/$2 segs=$3 secs=$4
	[ -f "$d/.done" ] && return 0
	rm -rf "$d" && mkdir -p "$d"
	g=$((24 * secs))
	$FFQ -f lavfi -i "testsrc2=size=256x144:rate=24:duration=10" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
		-c:v libx264 -preset ultrafast -profile:v baseline -pix_fmt yuv420p \
		-sc_threshold 0 -g "$g" -keyint_min "$g" -b:v 150k \
		-c:a aac -b:a 48k -ac 2 -f mpegts "$d/clip.ts"
	$FFQ -stream_loop $((segs * secs / 10 - 1)) -i "$d/clip.ts" -map 0 \
		-c copy -f mpegts "$d/source.ts"
	rm -f "$d/clip.ts"
	$FFQ -i "$d/source.ts" -map 0 -c copy -f hls -hls_list_size 0 \
		-hls_playlist_type vod -hls_time "$secs" \
		-hls_segment_filename "$d/seg%d.ts" "$d/index.m3u8"
	rm -f "$d/source.ts"	# the bench compares speed, not frames
	touch "$d/.done"
}

# mk_cdn DIR SIZE_MB SECONDS - ~SIZE_MB of 640x360 noisy H.264 at ~8 Mbit/s
# + AAC in segments of SECONDS (2: ~2 MB each, 51 for 100 MB, the shape
# issue 10 measured; mkstreams.sh --big cuts 5 s). Made the way mk_big
# makes its streams: a 10 s clip looped by stream copy.
mk_cdn() {
	d=$1/cdn-$2 mb=$2 secs=$3
	[ -f "$d/.done" ] && return 0
	rm -rf "$d" && mkdir -p "$d"
	g=$((24 * secs))
	$FFQ -f lavfi -i "testsrc2=size=640x360:rate=24:duration=10" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
		-vf 'noise=alls=40:allf=t' -c:v libx264 -preset ultrafast \
		-profile:v baseline -pix_fmt yuv420p -sc_threshold 0 -g "$g" \
		-keyint_min "$g" -b:v 8M -maxrate 8M -bufsize 4M \
		-c:a aac -b:a 64k -ac 2 -f mpegts "$d/clip.ts"
	clip=$(wc -c <"$d/clip.ts")
	loops=$(( (mb * 1048576 + clip - 1) / clip - 1 ))
	[ "$loops" -lt 0 ] && loops=0
	$FFQ -stream_loop "$loops" -i "$d/clip.ts" -map 0 -c copy \
		-f mpegts "$d/source.ts"
	rm -f "$d/clip.ts"
	$FFQ -i "$d/source.ts" -map 0 -c copy -f hls -hls_list_size 0 \
		-hls_playlist_type vod -hls_time "$secs" \
		-hls_segment_filename "$d/seg%d.ts" "$d/index.m3u8"
	rm -f "$d/source.ts"
	touch "$d/.done"
}

# wait_file FILE PID - until FILE is non-empty (10 s), while PID lives
wait_file() {
	n=0
	while [ ! -s "$1" ] && kill -0 "$2" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -s "$1" ]
}

origin_up() {
	rm -f "$WORK/origin.port"
	python3 "$top/tests/integ/origin.py" --root "$1" \
		--port-file "$WORK/origin.port" --max-seconds 7200 \
		>"$WORK/origin.out" 2>&1 </dev/null &
	ORIGIN_PID=$!
	wait_file "$WORK/origin.port" "$ORIGIN_PID" ||
		{ echo "the origin did not start" >&2; exit 1; }
	ORIGIN=http://127.0.0.1:$(cat "$WORK/origin.port")
}

origin_set() {
	curl -sSf --max-time 10 -o /dev/null "$ORIGIN/_ctl/set?$1"
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nginx_conf ROOT RATE HTTP_PORT HTTPS_PORT. nginx 1.22 (Debian 12) takes
# "listen ... ssl http2" ("http2 on;" is 1.25.1+). limit_rate is per
# request: per connection for an HTTP/1.1 client, per stream for HTTP/2,
# so a client that multiplexes gets the same rate per segment as one that
# opens a connection per segment. nginx cannot delay the first byte.
nginx_conf() {
	n=$WORK/nginx
	user=''
	[ "$(id -u)" = 0 ] && user='user root;'	# workers must read $WORK
	cat <<EOF
$user
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log;
events { worker_connections 512; }
http {
	types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
	sendfile on;
	tcp_nodelay on;
	keepalive_requests 100000;
	http2_max_requests 100000;
	client_body_temp_path $n/tmp/body;
	proxy_temp_path $n/tmp/proxy;
	fastcgi_temp_path $n/tmp/fastcgi;
	uwsgi_temp_path $n/tmp/uwsgi;
	scgi_temp_path $n/tmp/scgi;
	log_format proto '\$server_protocol \$connection \$status "\$http_user_agent" "\$request"';
	server {
		listen 127.0.0.1:$3;
		access_log off;
		root $1;
	}
	server {
		listen 127.0.0.1:$4 ssl http2;
		ssl_certificate $n/server.pem;
		ssl_certificate_key $n/server.key;
		access_log $n/access.log proto;
		root $1;
		location ~ \.ts\$ { limit_rate $2; }
	}
}
EOF
}

nginx_ca() {
	n=$WORK/nginx
	o() { openssl "$@" >/dev/null 2>&1 || { echo "openssl $1 failed" >&2; exit 1; }; }
	o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$n/ca.key" -out "$n/ca.pem" -days 2 -subj "/CN=bench CA" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
	o req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$n/server.key" -out "$n/server.csr" -subj /CN=127.0.0.1
	printf 'subjectAltName=IP:127.0.0.1\n' >"$n/ext.cnf"
	o x509 -req -in "$n/server.csr" -CA "$n/ca.pem" -CAkey "$n/ca.key" \
		-CAcreateserial -out "$n/server.pem" -days 2 -extfile "$n/ext.cnf"
}

# nginx_up ROOT RATE - 1 when nginx is not installed
nginx_up() {
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || return 1
	mkdir -p "$WORK/nginx/tmp"
	nginx_ca
	p1=$(free_port) p2=$(free_port)
	nginx_conf "$1" "$2" "$p1" "$p2" >"$WORK/nginx/nginx.conf"
	PATH=$PATH:/usr/sbin nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
		-g 'daemon off;' >"$WORK/nginx/out" 2>&1 </dev/null &
	NGINX_PID=$!
	NGINX_HTTP=http://127.0.0.1:$p1 NGINX_HTTPS=https://127.0.0.1:$p2
	NGINX_CA=$WORK/nginx/ca.pem NGINX_LOG=$WORK/nginx/access.log
	n=0
	until curl -sf -o /dev/null "$NGINX_HTTP/"; [ $? != 7 ]; do
		kill -0 "$NGINX_PID" 2>/dev/null && [ $n -lt 100 ] ||
			{ cat "$WORK/nginx/out" >&2; echo "nginx did not start" >&2; exit 1; }
		sleep 0.1
		n=$((n + 1))
	done
}

stop_servers() {
	[ -n "$ORIGIN_PID" ] && kill "$ORIGIN_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	return 0
}

cpu_ticks() {	# user+system clock ticks of pids (and their threads)
	t=0
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# server_pids - the processes that serve: origin.py, nginx's worker
server_pids() {
	echo "$ORIGIN_PID"
	[ -n "$NGINX_PID" ] && cat "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null
	return 0
}

# sample_anon PID - max RssAnon (kB) of PID's first child (the tool under
# /usr/bin/time) until it exits, read from /proc every 20 ms.
sample_anon() {
	python3 - "$1" <<'EOF'
import sys, time
parent, pid, peak = sys.argv[1], None, 0
while True:
    try:
        if pid is None:
            kids = open('/proc/%s/task/%s/children' % (parent, parent)).read().split()
            pid = kids[0] if kids else None
        if pid is not None:
            for line in open('/proc/%s/status' % pid):
                if line.startswith('RssAnon:'):
                    peak = max(peak, int(line.split()[1]))
    except (OSError, IndexError, ValueError):
        break
    time.sleep(0.02)
print(peak)
EOF
}

# measure SHAPE SIZE TOOL RUN CMD... - one run in $WORK/out, one line in
# $results: shape size tool run wall_s cpu_s maxrss_kb rssanon_kb server_cpu_s
measure() {
	shape=$1 size=$2 tool=$3 run=$4
	shift 4
	rm -rf "$WORK/out" && mkdir -p "$WORK/out"
	pids=$(server_pids)
	# shellcheck disable=SC2086
	s0=$(cpu_ticks $pids)
	(cd "$WORK/out" && exec /usr/bin/time -f '%e %U %S %M' -o "$WORK/t" \
		"$@" >"$WORK/log" 2>&1) &
	tpid=$!
	anon=0
	[ "$tool" = m3u8nas ] && anon=$(sample_anon "$tpid")
	if ! wait "$tpid"; then
		echo "  $tool (shape $shape, $size, run $run) failed:" >&2
		tail -3 "$WORK/log" >&2
		return 0
	fi
	# shellcheck disable=SC2086
	s1=$(cpu_ticks $pids)
	read -r wall user sys rss <"$WORK/t"
	echo "$shape $size $tool $run $wall $(calc "$user + $sys") $rss $anon" \
		"$(calc "($s1 - $s0) / $(getconf CLK_TCK)")" >>"$results"
	echo "  shape $shape $tool $size run $run: ${wall} s" >&2
}
