#!/bin/sh
# mkstreams.sh - make the HLS test streams the origin (tests/integ/origin.py) serves.
#
#   mkstreams.sh OUTDIR              every test stream, once (OUTDIR/.done)
#   mkstreams.sh --big OUTDIR SIZE_MB   a ~SIZE_MB single-variant TS stream in
#                                    OUTDIR/big-SIZE_MB/ (benchmarks); prints it
#
# Each stream lives in OUTDIR/<name>/ with index.m3u8, the file(s) it was cut
# from (source.ts ...) and an `expect` file of key=value lines for the tests:
#   video=0|1 audio=0|1 duration=S segments=N
#   source=F [F...]      decoded concatenation of these (paths relative to the
#                        stream dir) must equal the download's decoded streams
#   source_video=F source_audio=F   (altaudio) separate references per stream
#   plus informational keys (encrypted=, variants=, best=, live=, ...)
# Streams: plain aes aes-noiv fmp4 byterange master altaudio disc abs
# protected live/one live/loop ct bad.  Idempotent and safe to run concurrently (flock).
# Needs ffmpeg ($FFMPEG) and openssl; 320x240 ultrafast encodes, a few seconds.
set -eu

# Bump when the stream set changes: an older OUTDIR/.done is then remade.
VERSION=2
FF=${FFMPEG:-ffmpeg}
FFQ="$FF -nostdin -hide_banner -loglevel error -y"
X264="-c:v libx264 -preset ultrafast -profile:v baseline -level 3.0 -pix_fmt yuv420p -sc_threshold 0"
AAC="-c:a aac -b:a 64k -ac 2"
CODECS_AV='avc1.42c01e,mp4a.40.2'
CODECS_V='avc1.42c01e'
HLSVOD="-f hls -hls_list_size 0 -hls_playlist_type vod"

die() { echo "mkstreams: $*" >&2; exit 1; }

# encode OUT SECONDS SIZE VIDEOSRC BITRATE AUDIO(freq|none) [GOP]
# An x264 + AAC MPEG-TS with a keyframe every GOP frames (24 fps: 48 = 2 s).
encode() {
	out=$1 secs=$2 size=$3 vsrc=$4 vbr=$5 afreq=$6 gop=${7:-48}
	if [ "$afreq" = none ]; then
		$FFQ -f lavfi -i "$vsrc=size=$size:rate=24:duration=$secs" \
			$X264 -g "$gop" -keyint_min "$gop" -b:v "$vbr" -an \
			-f mpegts "$out"
	elif [ "$vsrc" = none ]; then
		$FFQ -f lavfi -i "sine=frequency=$afreq:sample_rate=48000:duration=$secs" \
			$AAC -f mpegts "$out"
	else
		$FFQ -f lavfi -i "$vsrc=size=$size:rate=24:duration=$secs" \
			-f lavfi -i "sine=frequency=$afreq:sample_rate=48000:duration=$secs" \
			$X264 -g "$gop" -keyint_min "$gop" -b:v "$vbr" $AAC \
			-f mpegts "$out"
	fi
}

# cut SRC DIR [ffmpeg hls options...] - stream-copy SRC into DIR/index.m3u8
cut() {
	src=$1 dir=$2
	shift 2
	$FFQ -i "$src" -map 0 -c copy $HLSVOD -hls_time 2 \
		-hls_segment_filename "$dir/seg%d.ts" "$@" "$dir/index.m3u8"
}

# bandwidth FILE SECONDS - peak-ish bits per second for a STREAM-INF line
bandwidth() {
	sz=$(wc -c <"$1")
	echo $((sz * 8 * 12 / 10 / $2))
}

hexof() { od -An -tx1 "$1" | tr -d ' \n'; }

newdir() { rm -rf "$1" && mkdir -p "$1"; }

expect() {
	dir=$1
	shift
	printf '%s\n' "$@" >"$dir/expect"
}

mk_plain() {
	d=$OUT/plain
	newdir "$d"
	encode "$d/source.ts" 10 320x240 testsrc2 300k 440
	cut "$d/source.ts" "$d"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts
}

mk_aes() {
	d=$OUT/aes
	newdir "$d"
	cp "$OUT/plain/source.ts" "$d/source.ts"
	head -c 16 /dev/urandom >"$d/key.bin"
	printf 'key.bin\n%s\n%s\n' "$d/key.bin" \
		000102030405060708090a0b0c0d0e0f >"$d/keyinfo"
	cut "$d/source.ts" "$d" -hls_key_info_file "$d/keyinfo"
	rm -f "$d/keyinfo"
	grep -q 'METHOD=AES-128' "$d/index.m3u8" || die "aes: no key tag"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts \
		encrypted=aes-128 iv=explicit
}

# AES-128 without an IV attribute: each segment's IV is its media sequence
# number (RFC 8216 5.2).  ffmpeg always writes an IV, so encrypt by hand.
mk_aes_noiv() {
	d=$OUT/aes-noiv
	newdir "$d"
	cp "$OUT/plain/source.ts" "$d/source.ts"
	head -c 16 /dev/urandom >"$d/key.bin"
	cut "$d/source.ts" "$d" -start_number 7
	key=$(hexof "$d/key.bin")
	n=7
	while [ -f "$d/seg$n.ts" ]; do
		openssl enc -aes-128-cbc -K "$key" -iv "$(printf '%032x' $n)" \
			-in "$d/seg$n.ts" -out "$d/seg$n.tmp"
		mv "$d/seg$n.tmp" "$d/seg$n.ts"
		n=$((n + 1))
	done
	sed '/^#EXT-X-MEDIA-SEQUENCE/a #EXT-X-KEY:METHOD=AES-128,URI="key.bin"' \
		"$d/index.m3u8" >"$d/index.tmp"
	mv "$d/index.tmp" "$d/index.m3u8"
	grep -q '^#EXT-X-MEDIA-SEQUENCE:7$' "$d/index.m3u8" || die "aes-noiv: seq"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts \
		encrypted=aes-128 iv=sequence media_sequence=7
}

mk_fmp4() {
	d=$OUT/fmp4
	newdir "$d"
	cp "$OUT/plain/source.ts" "$d/source.ts"
	$FFQ -i "$d/source.ts" -map 0 -c copy -bsf:a aac_adtstoasc $HLSVOD \
		-hls_time 2 -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 \
		-hls_segment_filename "$d/seg%d.m4s" "$d/index.m3u8"
	grep -q '^#EXT-X-MAP' "$d/index.m3u8" || die "fmp4: no EXT-X-MAP"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts \
		container=fmp4
}

mk_byterange() {
	d=$OUT/byterange
	newdir "$d"
	cp "$OUT/plain/source.ts" "$d/source.ts"
	$FFQ -i "$d/source.ts" -map 0 -c copy $HLSVOD -hls_time 2 \
		-hls_flags single_file -hls_segment_filename "$d/stream.ts" \
		"$d/index.m3u8"
	grep -q '^#EXT-X-BYTERANGE' "$d/index.m3u8" || die "byterange: none"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts \
		byterange=1
}

# master: three renditions, each its own encode and media playlist.
mk_master() {
	d=$OUT/master
	newdir "$d"
	{
		echo '#EXTM3U'
		echo '#EXT-X-VERSION:3'
	} >"$d/index.m3u8"
	i=0
	for spec in 320x180:150k 426x240:300k 640x360:600k; do
		size=${spec%%:*} vbr=${spec#*:}
		v=$d/v$i
		mkdir -p "$v"
		encode "$v/source.ts" 10 "$size" testsrc2 "$vbr" 440
		cut "$v/source.ts" "$v"
		expect "$v" video=1 audio=1 duration=10.0 segments=5 \
			source=source.ts
		printf '#EXT-X-STREAM-INF:BANDWIDTH=%s,RESOLUTION=%s,CODECS="%s"\nv%s/index.m3u8\n' \
			"$(bandwidth "$v/source.ts" 10)" "$size" "$CODECS_AV" \
			$i >>"$d/index.m3u8"
		i=$((i + 1))
	done
	expect "$d" video=1 audio=1 duration=10.0 segments=5 variants=3 \
		best=v2 source=v2/source.ts
}

# altaudio: video-only variants plus an EXT-X-MEDIA audio rendition.
mk_altaudio() {
	d=$OUT/altaudio
	newdir "$d"
	mkdir -p "$d/audio"
	encode "$d/audio/source.ts" 10 - none - 660
	cut "$d/audio/source.ts" "$d/audio"
	{
		echo '#EXTM3U'
		echo '#EXT-X-VERSION:3'
		echo '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="audio/index.m3u8"'
	} >"$d/index.m3u8"
	i=0
	for spec in 320x180:150k 426x240:300k; do
		size=${spec%%:*} vbr=${spec#*:}
		v=$d/v$i
		mkdir -p "$v"
		encode "$v/source.ts" 10 "$size" testsrc2 "$vbr" none
		cut "$v/source.ts" "$v"
		printf '#EXT-X-STREAM-INF:BANDWIDTH=%s,RESOLUTION=%s,CODECS="%s",AUDIO="aud"\nv%s/index.m3u8\n' \
			"$(bandwidth "$v/source.ts" 10)" "$size" "$CODECS_V" \
			$i >>"$d/index.m3u8"
		i=$((i + 1))
	done
	expect "$d" video=1 audio=1 duration=10.0 segments=5 variants=2 \
		best=v1 source_video=v1/source.ts source_audio=audio/source.ts
}

# disc: encode A, #EXT-X-DISCONTINUITY, encode B (other pattern, bitrate and
# tone; same size and codecs; both with timestamps starting at the same 1.4 s).
mk_disc() {
	d=$OUT/disc
	newdir "$d"
	encode "$d/source-a.ts" 6 320x240 testsrc2 300k 440
	encode "$d/source-b.ts" 4 320x240 testsrc 500k 880
	mkdir -p "$d/a" "$d/b"
	cut "$d/source-a.ts" "$d/a"
	cut "$d/source-b.ts" "$d/b"
	{
		sed -n '/^#EXT-X-ENDLIST/q; /^#EXTINF/,$!p' "$d/a/index.m3u8"
		sed -n '/^#EXT-X-ENDLIST/q; /^#EXTINF/,$p' "$d/a/index.m3u8" |
			sed 's|^seg|a/seg|'
		echo '#EXT-X-DISCONTINUITY'
		sed -n '/^#EXT-X-ENDLIST/q; /^#EXTINF/,$p' "$d/b/index.m3u8" |
			sed 's|^seg|b/seg|'
		echo '#EXT-X-ENDLIST'
	} >"$d/index.m3u8"
	rm -f "$d/a/index.m3u8" "$d/b/index.m3u8"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 discontinuity=1 \
		'source=source-a.ts source-b.ts'
}

# abs: absolute segment URIs with a query the origin ignores.
mk_abs() {
	d=$OUT/abs
	newdir "$d"
	cp "$OUT/plain/source.ts" "$OUT/plain/"seg*.ts "$d/"
	sed 's|^\(seg[0-9]*\.ts\)$|{{ORIGIN}}/abs/\1?token=abc\&x=1|' \
		"$OUT/plain/index.m3u8" >"$d/index.m3u8"
	grep -q '^{{ORIGIN}}/abs/seg0.ts?token=abc&x=1$' "$d/index.m3u8" ||
		die "abs: no absolute URIs"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts \
		absolute=1
}

mk_protected() {
	d=$OUT/protected
	newdir "$d"
	cp "$OUT/plain/source.ts" "$OUT/plain/index.m3u8" "$OUT/plain/"seg*.ts "$d/"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts \
		referer=http://site.example/watch cookie=session=letmein
}

# live/one: full.m3u8 of 6 one-second segments; the origin slides a window.
mk_live() {
	d=$OUT/live/one
	newdir "$d"
	encode "$d/source.ts" 6 320x240 testsrc2 300k 440 24
	$FFQ -i "$d/source.ts" -map 0 -c copy $HLSVOD -hls_time 1 \
		-hls_segment_filename "$d/seg%d.ts" "$d/full.m3u8"
	expect "$d" video=1 audio=1 duration=6.0 segments=6 source=source.ts \
		live=1 window=3
	# live/loop: the same segments repeated forever (never ends)
	l=$OUT/live/loop
	newdir "$l"
	cp "$d"/seg*.ts "$d/full.m3u8" "$l/"
	touch "$l/loop"
	expect "$l" video=1 audio=1 live=1 window=3 endless=1
}

# ct: a playlist at ct/stream (no extension); the origin gives it the HLS
# Content-Type.  Its segments are plain's, by absolute path.
mk_ct() {
	d=$OUT/ct
	newdir "$d"
	sed 's|^\(seg[0-9]*\.ts\)$|/plain/\1|' "$OUT/plain/index.m3u8" >"$d/stream"
	cp "$OUT/plain/source.ts" "$d/source.ts"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 source=source.ts \
		url=/ct/stream?id=1
}

mk_bad() {
	d=$OUT/bad
	newdir "$d"
	cat >"$d/invalid.m3u8" <<'EOF'
<!DOCTYPE html>
<html><head><title>Not found</title></head>
<body><p>This is not the playlist you are looking for.</p></body></html>
EOF
	printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n' >"$d/empty.m3u8"
}

# big OUTDIR SIZE_MB: a 10 s noisy 640x360 clip at a high bitrate, looped by
# stream copy to about SIZE_MB, cut into 5 s segments.
mk_big() {
	mb=$2
	d=$1/big-$mb
	[ -f "$d/.done" ] && { echo "$d"; return 0; }
	newdir "$d"
	$FFQ -f lavfi -i "testsrc2=size=640x360:rate=24:duration=10" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
		-vf 'noise=alls=40:allf=t' $X264 -g 120 -keyint_min 120 \
		-b:v 8M -maxrate 8M -bufsize 4M $AAC -f mpegts "$d/clip.ts"
	clip=$(wc -c <"$d/clip.ts")
	loops=$(( (mb * 1048576 + clip - 1) / clip - 1 ))
	[ "$loops" -lt 0 ] && loops=0
	$FFQ -stream_loop "$loops" -i "$d/clip.ts" -map 0 -c copy \
		-f mpegts "$d/source.ts"
	rm -f "$d/clip.ts"
	$FFQ -i "$d/source.ts" -map 0 -c copy $HLSVOD -hls_time 5 \
		-hls_segment_filename "$d/seg%d.ts" "$d/index.m3u8"
	segs=$(grep -c '^#EXTINF' "$d/index.m3u8")
	expect "$d" video=1 audio=1 duration=$(( (loops + 1) * 10 )) \
		segments="$segs" source=source.ts size_mb="$mb"
	touch "$d/.done"
	echo "$d"
}

if [ "${1:-}" = --big ]; then
	[ $# -eq 3 ] || die "usage: mkstreams.sh --big OUTDIR SIZE_MB"
	case $3 in
	'' | *[!0-9]*) die "--big: SIZE_MB must be a number" ;;
	esac
	[ "$3" -ge 1 ] && [ "$3" -le 4096 ] || die "--big: SIZE_MB out of 1..4096"
	mkdir -p "$2"
	OUT=$(cd "$2" && pwd)
	exec 9>"$OUT/.lock-big"
	flock 9
	mk_big "$OUT" "$3"
	exit 0
fi
[ $# -eq 1 ] || die "usage: mkstreams.sh OUTDIR | --big OUTDIR SIZE_MB"
command -v "$FF" >/dev/null 2>&1 || die "ffmpeg not found"
command -v openssl >/dev/null 2>&1 || die "openssl not found"
current() { [ "$(cat "$1/.done" 2>/dev/null)" = "$VERSION" ]; }
current "$1" && exit 0
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
exec 9>"$OUT/.lock"
flock 9
current "$OUT" && exit 0
rm -f "$OUT/.done"
rm -rf "$OUT/.cache"	# decoded-md5 cache of lib.sh
mk_plain
mk_aes
mk_aes_noiv
mk_fmp4
mk_byterange
mk_master
mk_altaudio
mk_disc
mk_abs
mk_protected
mk_live
mk_ct
mk_bad
echo "$VERSION" >"$OUT/.done.tmp"
mv "$OUT/.done.tmp" "$OUT/.done"
