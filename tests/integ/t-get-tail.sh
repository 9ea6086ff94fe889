#!/bin/sh
# t-get-tail - tail splitting: when no whole segment is left to start, the
# remaining bytes of the largest requests go to the idle connections as
# Range pieces. Checked on what the origin sent (its --log: start, end,
# Range, bytes sent per request), never on time: every byte sent, none
# twice (beyond an AES piece's 16-byte IV and what a shortened request's
# connection had in flight when it was cut), connections kept busy, a
# server that ignores Range or answers another one, kill -9 in the middle
# of a split segment, AES-128, a single-file byte-range stream. Every
# output decodes identically to its source.
. "$top_srcdir/tests/integ/lib.sh"
need_ffmpeg
need_python
M3U8NAS=$top_builddir/helper/m3u8nas
CHECK=$top_srcdir/tests/integ/ranges-check.py
W=$(tmpdir)
www=$W/www
cd "$W" || fail "cd"

# --- the streams: segments large enough to split (64 KB pieces at least) ----
FFQ="$FFMPEG -nostdin -hide_banner -loglevel error -y"
mkdir -p "$www/one" "$www/multi" "$www/enc" "$www/br"
# 8 s, about 2.7 MB: noise keeps x264 at its bitrate.
$FFQ -f lavfi -i "testsrc2=size=320x240:rate=24:duration=8" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=8" \
	-vf noise=alls=60:allf=t -c:v libx264 -preset ultrafast \
	-profile:v baseline -pix_fmt yuv420p -g 48 -keyint_min 48 \
	-sc_threshold 0 -b:v 2500k -maxrate 2500k -bufsize 1000k \
	-c:a aac -b:a 64k -ac 2 -f mpegts "$www/one/source.ts" ||
	fail "encode"
SRC=$www/one/source.ts
vod() {	# vod DIR [TAG...] - DIR/index.m3u8 of SRC's 8 s as one segment URI
	_d=$1 _uri=$2
	shift 2
	{
		printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:8\n'
		printf '#EXT-X-PLAYLIST-TYPE:VOD\n'
		for _t in "$@"; do echo "$_t"; done
		printf '#EXTINF:8.0,\n%s\n#EXT-X-ENDLIST\n' "$_uri"
	} >"$_d/index.m3u8"
}
vod "$www/one" source.ts
# multi: four 2 s segments of ~670 KB
$FFQ -i "$SRC" -map 0 -c copy -f hls -hls_list_size 0 -hls_playlist_type vod \
	-hls_time 2 -hls_segment_filename "$www/multi/seg%d.ts" \
	"$www/multi/index.m3u8" || fail "cut multi"
# br: one file, two 4 s byte ranges of it
$FFQ -i "$SRC" -map 0 -c copy -f hls -hls_list_size 0 -hls_playlist_type vod \
	-hls_time 4 -hls_flags single_file -hls_segment_filename \
	"$www/br/stream.ts" "$www/br/index.m3u8" || fail "cut br"
grep -q '^#EXT-X-BYTERANGE' "$www/br/index.m3u8" || fail "br: no byte ranges"
# enc: the same 8 s as one AES-128 segment, explicit IV
head -c 16 /dev/urandom >"$www/enc/key.bin"
IV=00112233445566778899aabbccddeeff
openssl enc -aes-128-cbc -K "$(od -An -tx1 "$www/enc/key.bin" | tr -d ' \n')" \
	-iv $IV -in "$SRC" -out "$www/enc/seg.ts" || fail "encrypt"
vod "$www/enc" seg.ts "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\",IV=0x$IV"

# In flight is read from the origin's clock, which notes an end a few ms late
# under load: at least -j, never exactly.
# 200 KB/s a connection: the origin writes 10 KB every 50 ms, so a request
# cut short had at most a few of those on its way (OVERSHOOT).
RATE=200000
OVERSHOOT=$((4 * RATE / 20 + 16))
origin_start --root "$www" --rate $RATE
now() { "$PYTHON3" -c 'import time; print("%.3f" % time.time())'; }
# check NAME REGEX [ARGS] - the origin's view of NAME's requests into $NAME.rc
check() {
	ck_n=$1
	shift
	"$PYTHON3" "$CHECK" "$ORIGIN_LOG" "$www" "$@" >"$ck_n.rc" ||
		fail "$ck_n: ranges-check"
}
val() { sed -n "s/^$2=//p" "$1.rc"; }
# expect NAME KEY OP VALUE
expect() {
	_v=$(val "$1" "$2")
	[ -n "$_v" ] && [ "$_v" "$3" "$4" ] ||
		fail "$1: $2 is ${_v:-missing}, wanted $3 $4 ($(tr '\n' ' ' <"$1.rc"))"
}
get() {	# get OUT URL [ARGS]: a download that must succeed
	_o=$1 _u=$2
	shift 2
	"$M3U8NAS" get --allow-private --no-keep "$@" -o "$_o" "$_u" \
		>/dev/null 2>"$_o.err" || fail "$_o: $(cat "$_o.err")"
}
# covered NAME - every byte sent, none twice beyond the overshoot
covered() {
	expect "$1" missing -eq 0
	expect "$1" maxdup -le $OVERSHOOT
}

# --- one big segment: every connection ----------------------------------------
t0=$(now)
get one.mp4 "$ORIGIN/one/index.m3u8" -j 4
assert_same_media one.mp4 "$SRC"
check one '/one/source.ts' --since "$t0"
expect one whole -eq 1
expect one ranged -ge 3
expect one maxinflight -ge 4
covered one
echo "ok: one segment in 4 pieces on 4 connections, every byte once"

# --- the tail of a multi-segment stream ----------------------------------------
t0=$(now)
get multi.mp4 "$ORIGIN/multi/index.m3u8" -j 3
assert_same_media multi.mp4 "$SRC"
check multi '/multi/seg[0-9]+\.ts' --since "$t0"
expect multi whole -eq 4
expect multi ranged -ge 1
expect multi inflight_ranged -ge 3
covered multi
echo "ok: the tail of 4 segments split ($(val multi ranged) Range requests), 3 connections busy"

# --- a single-file byte-range stream: every connection --------------------------
t0=$(now)
get br.mp4 "$ORIGIN/br/index.m3u8" -j 8
assert_same_media br.mp4 "$SRC"
check br '/br/stream.ts' --since "$t0"
expect br requests -ge 8
expect br maxinflight -ge 8
covered br
echo "ok: two byte ranges of one file in 8 pieces on 8 connections"

# --- AES-128: pieces on 16-byte boundaries, each with its IV block ---------------
t0=$(now)
get enc.mp4 "$ORIGIN/enc/index.m3u8" -j 5
assert_same_media enc.mp4 "$SRC"
check enc '/enc/seg.ts' --since "$t0"
expect enc ranged -ge 4
expect enc maxinflight -ge 5
covered enc
awk '/ \/enc\/seg.ts 206 / { sub(/.*range=bytes=/, ""); split($0, r, "-");
	if ((r[1] + 16) % 16 != 0 || r[1] < 16) bad = 1 } END { exit bad }' \
	"$ORIGIN_LOG" || fail "enc: a piece not on a 16-byte boundary with its IV"
echo "ok: AES-128 segment in 5 pieces, IV blocks the only bytes sent twice"

# --- a server that ignores Range: whole segments, remembered --------------------
origin_ctl "set?range=ignore" >/dev/null
t0=$(now)
get ign.mp4 "$ORIGIN/one/index.m3u8" -j 4
assert_same_media ign.mp4 "$SRC"
check ign '/one/source.ts' --since "$t0"
expect ign range_200 -ge 1
expect ign ranges_after_200 -eq 0
expect ign ranged -le 3
echo "ok: Range ignored (200): the pieces' bytes land right, no more splitting"

# --- a server that answers another range: refused, then whole ---------------------
origin_ctl "set?range=wrong" >/dev/null
t0=$(now)
get wrong.mp4 "$ORIGIN/one/index.m3u8" -j 4
assert_same_media wrong.mp4 "$SRC"
check wrong '/one/source.ts' --since "$t0"
expect wrong whole_after_range -ge 1
expect wrong ranged -le 3	# the first split's; the host is remembered
origin_ctl "set?range=honour" >/dev/null
echo "ok: a 206 of another range is refused; the segment comes whole"

# --- kill -9 in the middle of a split segment, then resume ------------------------
# The first request comes after 1 s; the second piece stalls (headers, then
# silence), so the first piece is done and the segment is not.
# kill_resume NAME STREAM FILE IVBYTES: IVBYTES, the bytes a piece may fetch
# again before its start (AES-128: the IV block)
kill_resume() {
	kr_n=$1 kr_s=$2 kr_f=$3 kr_iv=$4
	origin_ctl "set?latency_ms=1000" >/dev/null
	"$M3U8NAS" get --allow-private -j 2 -o $kr_n.mp4 "$ORIGIN/$kr_s/index.m3u8" \
		>/dev/null 2>&1 &
	pid=$!
	on_exit "kill -9 $pid 2>/dev/null"
	n0=$(origin_count /$kr_s/$kr_f)
	wait_for "[ \$(origin_count /$kr_s/$kr_f) -gt $n0 ]" 30 ||
		fail "$kr_n: no segment request"
	origin_ctl "fault?path=/$kr_s/$kr_f&kind=stall&count=1" >/dev/null
	kr_w=.$kr_n.mp4.m3u8nas
	kr_p=$kr_w/seg-v-000000.part.pieces
	wait_for "grep -q '^done ' $kr_p 2>/dev/null" 60 || fail "$kr_n: no piece done"
	kill -9 $pid
	wait $pid 2>/dev/null
	[ ! -e $kr_w/seg-v-000000 ] || fail "$kr_n: the segment was whole before the kill"
	cp $kr_p $kr_n.pieces
	[ -s $kr_w/seg-v-000000.part ] || fail "$kr_n: no .part"
	origin_ctl clear-faults >/dev/null
	origin_ctl "set?latency_ms=0" >/dev/null
	t0=$(now)
	get $kr_n.mp4 "$ORIGIN/$kr_s/index.m3u8" -j 2
	assert_same_media $kr_n.mp4 "$SRC"
	check $kr_n "/$kr_s/$kr_f" --since "$t0" --done $kr_n.pieces
	expect $kr_n requests -ge 1
	expect $kr_n whole -eq 0
	expect $kr_n done_refetched -le $((kr_iv * $(val $kr_n requests)))
	covered $kr_n
	echo "ok: $kr_n: kill -9 mid-split, the resume fetched only the missing pieces ($(grep -c '^done ' $kr_n.pieces) kept)"
}
kill_resume k one source.ts 0
kill_resume ke enc seg.ts 16
exit 0
