#!/bin/sh
# t-get-h2 - m3u8nas get speaks HTTP/2 to Debian's nginx over TLS, every
# request multiplexed on one connection, with a private CA trusted through
# --cacert (and tls_ca_file) and the system store untouched; without it the
# download fails with a TLS reason; a CA file that cannot be used is an
# error naming it. The spooler and the endpoint's probe trust tls_ca_file
# from their configuration the same way.
#
# nginx is started here, on 127.0.0.1 only, with a throwaway CA and a
# server certificate for 127.0.0.1, serving tests/streams; every path it
# writes is inside the test's temp dir. Its access log is the witness:
# $server_protocol, $connection and, per request, when it started and ended.
. "$top_srcdir/tests/integ/lib.sh"
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip "nginx not installed (scripts/deps.sh --test installs nginx-light)"
need_ffmpeg
need_curl
need_python
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
W=$(tmpdir)
cd "$W" || fail "cd"

# --- a throwaway CA and a certificate it signs for 127.0.0.1 -------------
ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout ca.key -out ca.pem -days 2 -subj "/CN=m3u8nas test CA" \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign
ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout server.key -out server.csr -subj /CN=127.0.0.1
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext.cnf
ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out server.pem -days 2 -extfile ext.cnf

# --- nginx on a free loopback port ----------------------------------------
free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# nginx_conf PORT - 1.22 (Debian 12) takes "listen ... ssl http2"; the
# "http2 on;" directive only exists from 1.25.1. The segments are sent at
# 128 KB/s each (limit_rate, per request) so that they last long enough
# for their lifetimes to overlap visibly in the log.
nginx_conf() {
	user=''
	[ "$(id -u)" = 0 ] && user='user root;'	# workers must read $W
	mkdir -p "$W/nginx/tmp"
	cat >"$W/nginx/nginx.conf" <<EOF
$user
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log info;
events { worker_connections 64; }
http {
	types {
		application/vnd.apple.mpegurl m3u8;
		video/mp2t ts;
		video/mp4 mp4 m4s;
		application/octet-stream bin;
	}
	log_format h2 '\$server_protocol \$connection \$connection_requests '
		'\$status \$msec \$request_time "\$request" "\$http_range"';
	access_log $W/nginx/access.log h2;
	client_body_temp_path $W/nginx/tmp/body;
	proxy_temp_path $W/nginx/tmp/proxy;
	fastcgi_temp_path $W/nginx/tmp/fastcgi;
	uwsgi_temp_path $W/nginx/tmp/uwsgi;
	scgi_temp_path $W/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$1 ssl http2;
		ssl_certificate $W/server.pem;
		ssl_certificate_key $W/server.key;
		root $sd;
		location ~ ^/big-[0-9]+/.*\.ts\$ { limit_rate 1m; }
		location ~ \.(ts|m4s)\$ { limit_rate 128k; }
	}
}
EOF
}
NGINX_PID=''
# The watchdog stops nginx when this shell is gone, even after a kill -9
# of the test, and after 600 s whatever happens.
start_nginx() {
	nginx_conf "$1"
	: >"$W/nginx/error.log"
	"$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" -g 'daemon off;' \
		>"$W/nginx/stdout" 2>&1 </dev/null &
	NGINX_PID=$!
	(n=0; while kill -0 $$ 2>/dev/null && [ $n -lt 600 ]; do
		sleep 1; n=$((n + 1)); done
	 kill "$NGINX_PID" 2>/dev/null) >/dev/null 2>&1 </dev/null &
	WATCHDOG_PID=$!
	on_exit "kill $WATCHDOG_PID $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null"
	wait_for "curl -s -o /dev/null --cacert '$W/ca.pem' \
		https://127.0.0.1:$1/plain/index.m3u8 ||
		! kill -0 $NGINX_PID 2>/dev/null" 20
	curl -s -o /dev/null --cacert "$W/ca.pem" \
		"https://127.0.0.1:$1/plain/index.m3u8"
}
tries=0
until PORT=$(free_port) && start_nginx "$PORT"; do
	tries=$((tries + 1))
	cat "$W/nginx/stdout" "$W/nginx/error.log" >&2
	[ $tries -lt 3 ] || fail "nginx did not start"
	kill "$NGINX_PID" 2>/dev/null
done
# Bound to 127.0.0.1 and nothing else (the config has one listen).
if command -v ss >/dev/null 2>&1; then
	ss -ltn | grep -q "127.0.0.1:$PORT " ||
		fail "nginx does not listen on 127.0.0.1:$PORT"
	! ss -ltn | grep -q "0.0.0.0:$PORT \|\[::\]:$PORT \|\*:$PORT " ||
		fail "nginx listens beyond 127.0.0.1"
fi
H=https://127.0.0.1:$PORT
LOG=$W/nginx/access.log

# log_since N - the access log's lines after the first N
log_since() {
	tail -n +$(($1 + 1)) "$LOG"
}
# wait_logged N PATH... - until every PATH has a line after line N (nginx
# writes the line when it has sent the response: after the client's exit
# it may still be coming)
wait_logged() {
	_n=$1
	shift
	for _p in "$@"; do
		wait_for "log_since $_n | grep -q ' \"GET $_p HTTP/'" 20 ||
			fail "nginx never logged GET $_p"
	done
}
# max_overlap - how many of the requests on stdin were in flight at once
# (start = $msec - $request_time, end = $msec)
max_overlap() {
	awk '{ printf "%.3f 1\n%.3f -1\n", $5 - $6, $5 }' |
		sort -k1,1n -k2,2n | awk '{ c += $2; if (c > m) m = c } END { print m + 0 }'
}

# check_h2 NAME STREAM PLAYLIST N_SEGMENTS N0 FILE - what nginx saw after
# line N0: every request HTTP/2.0 and once only, on one connection, the
# segments in flight together; FILE frame-identical to the stream. A
# request with a Range (the last field) is a piece of a segment split in
# the tail (t-get-tail.sh): a 206, not a second request for it.
check_h2() {
	name=$1 stream=$2 pl=$3 nseg=$4 n0=$5 file=$6
	wait_logged "$n0" "/$stream/$pl"
	wait_for "[ \$(log_since $n0 | grep -c '\.\(ts\|m4s\) HTTP/') -ge $nseg ]" 20 ||
		fail "$name: nginx logged fewer than $nseg segments"
	log_since "$n0" >"$name.log"
	total=$(wc -l <"$name.log")
	h2=$(grep -c '^HTTP/2.0 ' "$name.log")
	conns=$(awk '{ print $2 }' "$name.log" | sort -u | wc -l)
	dup=$(awk '$NF == "\"-\"" { print $8 }' "$name.log" | sort | uniq -d |
		head -n 1)
	bad=$(awk '$4 != ($NF == "\"-\"" ? 200 : 206)' "$name.log" | head -n 1)
	segs=$(grep '\.\(ts\|m4s\) HTTP/[0-9.]*" "-"$' "$name.log")
	nsegs=$(echo "$segs" | wc -l)
	inflight=$(echo "$segs" | max_overlap)
	echo "$name: $total requests, $h2 over HTTP/2.0, on $conns connection(s);" \
		"$nsegs segments, at most $inflight in flight at once"
	[ "$h2" -eq "$total" ] || fail "$name: not every request was HTTP/2.0:
$(grep -v '^HTTP/2.0 ' "$name.log")"
	[ "$conns" -eq 1 ] || fail "$name: $conns connections, want 1:
$(cat "$name.log")"
	[ -z "$dup" ] || fail "$name: $dup requested twice"
	[ -z "$bad" ] || fail "$name: $bad"
	[ "$nsegs" -eq "$nseg" ] || fail "$name: $nsegs segments, want $nseg"
	# -j 8 (the spooler: 10) with nseg segments: all of them on the wire
	# together, which on one connection is only possible multiplexed.
	[ "$inflight" -eq "$nseg" ] || fail "$name: at most $inflight segments in flight, want $nseg:
$segs"
	assert_same_media "$file" "$sd/$stream"
}

# get_h2 NAME STREAM PLAYLIST N_SEGMENTS [ARGS...] - m3u8nas get -j 8
get_h2() {
	g_name=$1 g_stream=$2 g_pl=$3 g_nseg=$4
	shift 4
	n0=$(wc -l <"$LOG")
	"$M3U8NAS" get --allow-private -j 8 -o "$g_name.mp4" "$@" \
		"$H/$g_stream/$g_pl" >"$g_name.out" 2>"$g_name.err" ||
		fail "$g_name: $(cat "$g_name.err")"
	check_h2 "$g_name" "$g_stream" "$g_pl" "$g_nseg" "$n0" "$g_name.mp4"
}

# AES-128 (playlist, key, segments), fMP4 (init + fragments), a master.
get_h2 aes aes index.m3u8 5 --cacert ca.pem
get_h2 fmp4 fmp4 index.m3u8 5 --cacert "$W/ca.pem"
get_h2 master master index.m3u8 5 --cacert ca.pem
grep -q ' "GET /master/v2/index.m3u8 ' master.log || fail "master: not the best variant"

# Tail splitting over HTTP/2: two ~5 MB segments on -j 8 leave six
# connections' worth idle, so the segments are cut into Range pieces at
# once; every piece is a stream of the one connection (a cut resets a
# stream, never the connection), and the video is the source's.
big=$(sh "$top_srcdir/tests/integ/mkstreams.sh" --big "$sd" 10) ||
	fail "mkstreams --big"
n0=$(wc -l <"$LOG")
"$M3U8NAS" get --allow-private -j 8 --cacert ca.pem -o big.mp4 \
	"$H/big-10/index.m3u8" >big.out 2>big.err || fail "big: $(cat big.err)"
wait_for "[ \$(log_since $n0 | grep -c '\.ts HTTP/') -ge 2 ]" 20 ||
	fail "big: nginx logged no segments"
log_since "$n0" >big.log
pieces=$(awk '$4 == 206 && $NF != "\"-\""' big.log | wc -l)
conns=$(awk '{ print $2 }' big.log | sort -u | wc -l)
echo "big: $(wc -l <big.log) requests, $pieces Range pieces, on $conns connection(s)"
[ "$pieces" -ge 2 ] || fail "big: not split into Range pieces: $(cat big.log)"
[ "$conns" -eq 1 ] || fail "big: $conns connections, want 1: $(cat big.log)"
! grep -v '^HTTP/2.0 ' big.log | grep -q . || fail "big: not all HTTP/2.0"
assert_same_media big.mp4 "$big"

# The same CA from the configuration's tls_ca_file.
printf 'tls_ca_file = "%s";\n' "$W/ca.pem" >ca.conf
get_h2 conf plain index.m3u8 5 -c ca.conf

# Without the CA: a TLS failure, said so, not retried, nothing written.
n0=$(wc -l <"$LOG")
! grep -q 'alert unknown ca' "$W/nginx/error.log" || fail "an earlier handshake failed"

if "$M3U8NAS" get --allow-private --retries 2 -o noca.mp4 \
    "$H/plain/index.m3u8" >noca.out 2>noca.err; then
	fail "no --cacert: succeeded"
fi
cat noca.err
[ "$(wc -l <noca.err)" -eq 1 ] || fail "no --cacert: want one error line"
grep -q '^error: TLS: SSL certificate problem: .* fetching https://127.0.0.1:[0-9]*/plain/index.m3u8' noca.err ||
	fail "no --cacert: not a TLS reason: $(cat noca.err)"
grep -q -- '--cacert FILE' noca.err || fail "no --cacert: no hint at --cacert"
[ ! -e noca.mp4 ] || fail "no --cacert: an output file"
[ "$(log_since "$n0" | wc -l)" -eq 0 ] || fail "no --cacert: a request was answered"
# One handshake, refused by us ("unknown ca" in nginx's log): no retry.
wait_for "grep -q 'alert unknown ca' '$W/nginx/error.log'" 20 ||
	fail "no --cacert: nginx saw no refused handshake"
[ "$(grep -c 'alert unknown ca' "$W/nginx/error.log")" -eq 1 ] ||
	fail "no --cacert: the TLS failure was retried"

# A CA file that cannot be read: an error naming it, before any request.
for ca in "$W/missing.pem" "$W/nginx"; do
	n0=$(wc -l <"$LOG")
	if "$M3U8NAS" get --allow-private --cacert "$ca" -o bad.mp4 \
	    "$H/plain/index.m3u8" >bad.out 2>bad.err; then
		fail "--cacert $ca: succeeded"
	fi
	cat bad.err
	grep -q "^error: .*CA file $ca" bad.err || fail "--cacert $ca: $(cat bad.err)"
	[ "$(log_since "$n0" | wc -l)" -eq 0 ] || fail "--cacert $ca: requests made"
	[ ! -e .bad.mp4.m3u8nas ] || fail "--cacert $ca: a work directory"
done
# Readable but no certificate in it: libcurl refuses it; the reason names it.
echo 'not a certificate' >junk.pem
if "$M3U8NAS" get --allow-private --cacert junk.pem -o junk.mp4 \
    "$H/plain/index.m3u8" >junk.out 2>junk.err; then
	fail "--cacert junk.pem: succeeded"
fi
cat junk.err
grep -q "^error: cannot use the CA file junk.pem" junk.err ||
	fail "--cacert junk.pem: $(cat junk.err)"
# And in the configuration: an absolute path only, the line named.
printf 'tls_ca_file = "ca.pem";\n' >rel.conf
if "$M3U8NAS" get -c rel.conf --allow-private -o rel.mp4 \
    "$H/plain/index.m3u8" >rel.out 2>rel.err; then
	fail "relative tls_ca_file: accepted"
fi
grep -q "rel.conf:1: tls_ca_file: must be an absolute path" rel.err ||
	fail "relative tls_ca_file: $(cat rel.err)"

# The spooler reads tls_ca_file from its configuration too.
if command -v sqlite3 >/dev/null 2>&1; then
	. "$top_srcdir/tests/integ/spool-lib.sh"
	spool_conf "tls_ca_file = \"$W/ca.pem\";"
	spoold_start
	n0=$(wc -l <"$LOG")
	drop h2.job "{\"url\": \"$H/aes/index.m3u8\"}"
	wait_job h2 completed 60
	check_h2 spooler aes index.m3u8 5 "$n0" "$(job_field h2 file_path)"
	spoold_stop
else
	echo "no sqlite3: the spooler's part not run"
fi

# And the endpoint's probe (its own fetcher, from the same configuration).
HTTPD=$top_builddir/helper/m3u8nas-httpd
TOKEN=t0ken-for-h2-tests-0123456789
mkdir -p "$W/hlibrary"
printf '%s\n' "spool_dir = \"$W/hspool\";" "library_dir = \"$W/hlibrary\";" \
	'allow_private_targets = true;' "tls_ca_file = \"$W/ca.pem\";" \
	"http = { listen = \"127.0.0.1:0\"; tokens = [ \"$TOKEN\" ]; };" >httpd.conf
"$HTTPD" -f -c httpd.conf 2>httpd.log &
HTTPD_PID=$!
on_exit "kill $HTTPD_PID 2>/dev/null; wait $HTTPD_PID 2>/dev/null"
hport() {
	sed -n 's/.*"msg":"https:\/\/127\.0\.0\.1:\([0-9]*\)\/".*/\1/p' httpd.log | tail -n 1
}
wait_for "[ -n \"\$(hport)\" ] || ! kill -0 $HTTPD_PID 2>/dev/null" 20
[ -n "$(hport)" ] || fail "m3u8nas-httpd did not start: $(cat httpd.log)"
n0=$(wc -l <"$LOG")
code=$(curl -sk --max-time 30 -o probe.json -w '%{http_code}' \
	-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d "{\"url\": \"$H/master/index.m3u8\"}" "https://127.0.0.1:$(hport)/api/probe")
[ "$code" = 200 ] || fail "probe: HTTP $code: $(cat probe.json)"
"$PYTHON3" -c 'import json, sys; j = json.load(open("probe.json")); sys.exit(0 if j["type"] == "master" and len(j["variants"]) == 3 else 1)' ||
	fail "probe: $(cat probe.json)"
wait_logged "$n0" /master/index.m3u8
! log_since "$n0" | grep -v '^HTTP/2.0 ' | grep -q . || fail "probe: not HTTP/2.0"
echo "probe: the master over HTTP/2.0, 3 variants"
kill "$HTTPD_PID"
wait "$HTTPD_PID" || fail "m3u8nas-httpd exited $?"
! grep -qE 'Sanitizer|runtime error:' httpd.log || fail "httpd: $(grep -A20 Sanitizer httpd.log)"
echo "ok: HTTP/2 multiplexed on one connection, --cacert and tls_ca_file"
exit 0
