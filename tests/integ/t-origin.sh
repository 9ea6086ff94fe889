#!/bin/sh
# t-origin.sh - the test harness tests itself: origin.py serves files and
# ranges, counts requests, injects every fault kind, guards /protected/,
# types /ct/ as HLS, slides the live window, obeys latency/rate/limits, and
# assert_same_media accepts a faithful remux but rejects a corrupted one.
. "$top_srcdir/tests/integ/lib.sh"
need_ffmpeg
origin_start --live-speed 4
S=$(streams_dir)
T=$(tmpdir)

# fetch PATH [curl args...] - body to $T/body; prints "HTTP_CODE CURL_RC"
fetch() {
	_p=$1
	shift
	_code=$(curl -sS -o "$T/body" -w '%{http_code}' "$@" "$ORIGIN$_p" \
		2>/dev/null)
	echo "$_code $?"
}

ctype() {
	curl -sS -o /dev/null -w '%{content_type}' "$ORIGIN$1"
}

# --- files, content types, placeholder, unknown and escaping paths -------
while read -r path want; do
	got=$(ctype "$path")
	[ "$got" = "$want" ] || fail "$path: Content-Type '$got', want '$want'"
done <<'EOF'
/plain/index.m3u8 application/vnd.apple.mpegurl
/plain/seg0.ts video/mp2t
/fmp4/seg0.m4s video/mp4
/fmp4/init.mp4 video/mp4
/aes/key.bin application/octet-stream
/ct/stream?id=1 application/vnd.apple.mpegurl
EOF
[ "$(fetch /plain/seg1.ts)" = "200 0" ] || fail "GET seg1"
cmp -s "$T/body" "$S/plain/seg1.ts" || fail "seg1 body differs"
fetch /abs/index.m3u8 >/dev/null
grep -q "^$ORIGIN/abs/seg0.ts?token=abc&x=1\$" "$T/body" ||
	fail "{{ORIGIN}} not replaced in abs playlist"
grep -q '{{ORIGIN}}' "$T/body" && fail "placeholder left in playlist"
[ "$(fetch '/abs/seg0.ts?token=abc&x=1')" = "200 0" ] || fail "query"
cmp -s "$T/body" "$S/abs/seg0.ts" || fail "abs seg0 body differs"
fetch '/ct/stream?id=1' >/dev/null
grep -q '^/plain/seg0.ts$' "$T/body" || fail "ct playlist body"
while read -r path code; do
	got=$(fetch "$path" --path-as-is)
	[ "$got" = "$code 0" ] || fail "$path: got '$got', want $code"
done <<'EOF'
/nope.m3u8 404
/plain/ 404
/../../../etc/passwd 404
/plain/../../etc/passwd 404
/%2e%2e/%2e%2e/etc/passwd 404
/live/one/../../../etc/passwd 404
/live/none/index.m3u8 404
EOF

# HEAD: the headers of a GET, no body
hd=$(curl -sS -I "$ORIGIN/plain/seg1.ts" | tr -d '\r' |
	sed -n 's/^Content-Length: //p')
[ "$hd" = "$(wc -c <"$S/plain/seg1.ts")" ] || fail "HEAD Content-Length '$hd'"

# --- ranges (single range, suffix range, open range, unsatisfiable) -----
size=$(wc -c <"$S/byterange/stream.ts")
while read -r range code skip count; do
	got=$(fetch /byterange/stream.ts -r "$range")
	[ "$got" = "$code 0" ] || fail "range $range: got '$got', want $code"
	[ "$code" = 206 ] || continue
	dd if="$S/byterange/stream.ts" bs=1 skip="$skip" count="$count" \
		2>/dev/null | cmp -s - "$T/body" || fail "range $range: body"
done <<EOF
0-187 206 0 188
1000-1999 206 1000 1000
-500 206 $((size - 500)) 500
$((size - 10))- 206 $((size - 10)) 10
$((size + 5))- 416 0 0
EOF
hdr=$(curl -sS -D - -o /dev/null -r 1000-1999 "$ORIGIN/byterange/stream.ts" |
	tr -d '\r' | grep -i '^content-range:')
[ "$hdr" = "Content-Range: bytes 1000-1999/$size" ] || fail "header '$hdr'"

# --- keep-alive: two requests, one connection -----------------------------
conns=$(curl -sS -o /dev/null -o /dev/null -w '%{num_connects} ' \
	"$ORIGIN/plain/seg0.ts" "$ORIGIN/plain/seg1.ts")
[ "$conns" = "1 0 " ] || fail "keep-alive: connects '$conns'"

# --- counting: per path, query stripped, control API not counted -------
origin_ctl reset-stats >/dev/null
fetch /plain/seg2.ts >/dev/null
fetch '/plain/seg2.ts?x=1' >/dev/null
fetch /plain/seg3.ts >/dev/null
origin_ctl stats >/dev/null
[ "$(origin_count /plain/seg2.ts)" = 2 ] || fail "count seg2"
[ "$(origin_count /plain/seg3.ts)" = 1 ] || fail "count seg3"
[ "$(origin_count /plain/seg4.ts)" = 0 ] || fail "count seg4"
origin_ctl stats | grep -q '"total": 3' || fail "total: $(origin_ctl stats)"

# --- bytes, concurrency, request headers, redirects ---------------------
origin_ctl reset-stats >/dev/null
fetch /plain/seg0.ts -A 'agent/1' -H 'X-Test: yes' >/dev/null
[ "$(origin_stat bytes)" = "$(wc -c <"$S/plain/seg0.ts")" ] ||
	fail "bytes: $(origin_stat bytes)"
[ "$(origin_header /plain/seg0.ts User-Agent)" = agent/1 ] || fail "UA seen"
[ "$(origin_header /plain/seg0.ts x-test)" = yes ] || fail "X-Test seen"
origin_ctl 'set?latency_ms=500' >/dev/null
# one curl, three connections at once (forks under load could be slower
# than the latency)
curl -sS --parallel --parallel-immediate -o /dev/null -o /dev/null \
	-o /dev/null "$ORIGIN/plain/seg1.ts" "$ORIGIN/plain/seg2.ts" \
	"$ORIGIN/plain/seg3.ts" 2>/dev/null || fail "parallel fetch"
origin_ctl 'set?latency_ms=0' >/dev/null
[ "$(origin_stat max_inflight)" -ge 2 ] ||
	fail "max_inflight $(origin_stat max_inflight) after 3 parallel requests"
[ "$(fetch /r/plain/index.m3u8)" = "302 0" ] || fail "redirect code"
loc=$(curl -sS -D - -o /dev/null "$ORIGIN/r/abs/seg0.ts?a=1" | tr -d '\r' |
	sed -n 's/^Location: //p')
[ "$loc" = "/abs/seg0.ts?a=1" ] || fail "redirect Location '$loc'"
[ "$(fetch /r/plain/seg0.ts -L)" = "200 0" ] || fail "redirect follow"
cmp -s "$T/body" "$S/plain/seg0.ts" || fail "redirected body"

# --- faults: status codes, reset, truncate, stall; count respected ------
# kind  http-code  curl-rc (56 = recv failure/RST, 18 = partial, 28 = timeout)
while read -r kind code rc; do
	origin_ctl "fault?path=/plain/seg4.ts&kind=$kind&count=2" >/dev/null ||
		fail "fault $kind not accepted"
	for i in 1 2; do
		got=$(fetch /plain/seg4.ts -m 3)
		case "$kind $got" in
		"$kind $code $rc") ;;
		# An RST may discard what the client had not read yet, or
		# come after the FIN: both are a broken transfer.
		"reset 000 56" | "reset 200 18") ;;
		*) fail "fault $kind #$i: got '$got', want '$code $rc'" ;;
		esac
	done
	[ "$(fetch /plain/seg4.ts)" = "200 0" ] || fail "$kind outlived its count"
	cmp -s "$T/body" "$S/plain/seg4.ts" || fail "after $kind: body"
done <<'EOF'
500 500 0
503 503 0
403 403 0
404 404 0
reset 200 56
truncate 200 18
stall 200 28
EOF
origin_ctl 'fault?path=/plain/seg4.ts&kind=503&count=0' >/dev/null
for i in 1 2 3; do
	[ "$(fetch /plain/seg4.ts)" = "503 0" ] || fail "count=0 fault #$i"
done
origin_ctl clear-faults >/dev/null
[ "$(fetch /plain/seg4.ts)" = "200 0" ] || fail "clear-faults"
origin_ctl 'fault?path=/plain/seg4.ts&kind=bogus' >/dev/null 2>&1 &&
	fail "unknown fault kind accepted"

# --- protected subtree: Referer and Cookie both required ---------------
R='Referer: http://site.example/watch'
while read -r want referer cookie; do
	set -- -m 5
	[ "$referer" = - ] || set -- "$@" -H "Referer: $referer"
	[ "$cookie" = - ] || set -- "$@" -H "Cookie: $cookie"
	got=$(fetch /protected/seg0.ts "$@")
	[ "$got" = "$want 0" ] ||
		fail "protected ($referer, $cookie): got '$got', want $want"
done <<'EOF'
403 - -
403 http://site.example/watch -
403 - session=letmein
403 http://site.example/other session=letmein
403 http://site.example/watch session=letmeinX
200 http://site.example/watch session=letmein
200 http://site.example/watch a=b;session=letmein;c=d
EOF

# --- latency and rate, set at runtime -----------------------------------
slower() {	# slower SECONDS PATH: the fetch takes at least SECONDS
	t=$(curl -sS -o /dev/null -w '%{time_total}' "$ORIGIN$2")
	awk -v t="$t" -v m="$1" 'BEGIN { exit !(t >= m) }' ||
		fail "$2 took $t s, want >= $1 s"
}
origin_ctl 'set?latency_ms=400' >/dev/null
slower 0.4 /plain/index.m3u8
origin_ctl 'set?latency_ms=0&rate=200000' >/dev/null
want=$(awk -v s="$(wc -c <"$S/plain/seg0.ts")" 'BEGIN { print s / 200000 * 0.9 }')
slower "$want" /plain/seg0.ts
# A client that gives up mid-body must not hurt the server.
curl -sS -m 0.2 -o /dev/null "$ORIGIN/plain/seg0.ts" 2>/dev/null
origin_ctl 'set?rate=0' >/dev/null
[ "$(fetch /plain/seg0.ts)" = "200 0" ] || fail "after client abort"

# --- live: a 3-segment window sliding at 4x; ENDLIST at the end ---------
live() { curl -sS -f "$ORIGIN/live/one/index.m3u8"; }
seq_of() { live | sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p'; }
live >"$T/live0"
grep -q '^#EXT-X-MEDIA-SEQUENCE:0$' "$T/live0" || fail "live: first seq"
grep -q '^seg0.ts$' "$T/live0" || fail "live: seg0 not published at t=0"
grep -q '^seg3.ts$' "$T/live0" && fail "live: seg3 published at t=0"
grep -q ENDLIST "$T/live0" && fail "live: ENDLIST at t=0"
grep -q '^#EXT-X-TARGETDURATION:1$' "$T/live0" || fail "live: target"
wait_for '[ "$(seq_of)" -ge 1 ]' 5 || fail "live: window did not slide"
wait_for 'live | grep -q "^#EXT-X-ENDLIST"' 5 || fail "live: no ENDLIST"
live >"$T/live1"
[ "$(grep -c '^seg' "$T/live1")" = 3 ] || fail "live: window not 3"
grep -q '^#EXT-X-MEDIA-SEQUENCE:3$' "$T/live1" || fail "live: last seq"
grep -q '^seg5.ts$' "$T/live1" || fail "live: last segment"
origin_ctl 'live-reset?name=one' >/dev/null
live | grep -q ENDLIST && fail "live-reset did not restart the clock"
# live/loop: the same segments forever, a discontinuity at each wrap
loop() { curl -sS -f "$ORIGIN/live/loop/index.m3u8"; }
loop | grep -q '^seg0.ts$' || fail "loop: first window"
wait_for 'loop | grep -q "^#EXT-X-DISCONTINUITY\$"' 5 || fail "loop: no wrap"
loop >"$T/loop1"
grep -q ENDLIST "$T/loop1" && fail "loop: ENDLIST"
[ "$(grep -c '^seg' "$T/loop1")" = 3 ] || fail "loop: window not 3"

# --- media comparison: a faithful remux passes, damaged ones fail ------
"$FFMPEG" -nostdin -loglevel error -i "$ORIGIN/plain/index.m3u8" -c copy \
	"$T/plain.mp4" || fail "ffmpeg remux of plain"
assert_same_media "$T/plain.mp4" "$S/plain"
assert_same_media "$T/plain.mp4" "$S/plain/source.ts"
cp "$T/plain.mp4" "$T/bad.mp4"
sz=$(wc -c <"$T/bad.mp4")
dd if=/dev/zero of="$T/bad.mp4" bs=1 seek=$((sz / 2)) count=4000 \
	conv=notrunc 2>/dev/null
( assert_same_media "$T/bad.mp4" "$S/plain" ) 2>/dev/null &&
	fail "assert_same_media accepted a corrupted file"
( assert_same_media "$T/plain.mp4" "$S/disc" ) 2>/dev/null &&
	fail "assert_same_media accepted another stream"
"$FFMPEG" -nostdin -loglevel error -i "$S/plain/source.ts" -map 0:v -c copy \
	"$T/noaudio.mp4" || fail "ffmpeg video-only copy"
( assert_same_media "$T/noaudio.mp4" "$S/plain" ) 2>/dev/null &&
	fail "assert_same_media accepted a file without audio"
# Every stream, remuxed by ffmpeg from the origin (the stand-in for our
# remuxer), decodes like its source: this checks the streams, the origin
# (keys, ranges, absolute URIs, Referer/Cookie) and the comparison together.
while read -r name url extra; do
	set -- -nostdin -loglevel error
	[ "$extra" = protected ] &&
		set -- "$@" -headers "Referer: http://site.example/watch
Cookie: session=letmein
"
	set -- "$@" -i "$ORIGIN$url"
	[ "$extra" = altaudio ] &&
		set -- "$@" -i "$ORIGIN/altaudio/audio/index.m3u8" -map 0:v -map 1:a
	"$FFMPEG" "$@" -c copy "$T/$name.mp4" || fail "ffmpeg remux of $name"
	assert_same_media "$T/$name.mp4" "$S/$name"
done <<'EOF'
aes /aes/index.m3u8 -
aes-noiv /aes-noiv/index.m3u8 -
fmp4 /fmp4/index.m3u8 -
byterange /byterange/index.m3u8 -
disc /disc/index.m3u8 -
abs /abs/index.m3u8 -
protected /protected/index.m3u8 protected
master /master/v2/index.m3u8 -
altaudio /altaudio/v1/index.m3u8 altaudio
ct /ct/stream?id=1 -
EOF

# --- HTTPS: the same origin over TLS, trusted through ORIGIN_CA ----------
pid_main=$ORIGIN_PID
origin_start_tls
case $ORIGIN in https://127.0.0.1:*) ;; *) fail "TLS ORIGIN '$ORIGIN'" ;; esac
curl -sS -f --cacert "$ORIGIN_CA" -o "$T/tls.ts" "$ORIGIN/plain/seg0.ts" ||
	fail "HTTPS GET"
cmp -s "$T/tls.ts" "$S/plain/seg0.ts" || fail "HTTPS body"
curl -sS -f --cacert "$ORIGIN_CA" "$ORIGIN/abs/index.m3u8" |
	grep -q "^$ORIGIN/abs/seg0.ts" || fail "HTTPS {{ORIGIN}}"
curl -sS -f -o /dev/null "$ORIGIN/plain/seg0.ts" 2>/dev/null &&
	fail "HTTPS trusted without the CA"
[ "$(origin_count /plain/seg0.ts)" = 1 ] || fail "HTTPS count"
kill "$ORIGIN_PID"

# --- limits and signals: every origin ends by itself ---------------------
origin_start --max-requests 3
for i in 1 2 3; do fetch /plain/index.m3u8 >/dev/null; done
wait_for "! kill -0 $ORIGIN_PID 2>/dev/null" 5 ||
	fail "origin outlived --max-requests"
origin_start --max-seconds 1
wait_for "! kill -0 $ORIGIN_PID 2>/dev/null" 5 ||
	fail "origin outlived --max-seconds"
origin_start
kill -TERM "$ORIGIN_PID"
wait "$ORIGIN_PID" || fail "origin exit status $? on SIGTERM"
kill -0 "$pid_main" 2>/dev/null || fail "the first origin died"
exit 0
