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
# protected live/one live/loop ct bad tracks tracks-fmp4 gap gap-disc gap-map live/gap.  Idempotent and safe to run concurrently (flock).
# Needs ffmpeg ($FFMPEG) and openssl; 320x240 ultrafast encodes, a few seconds.
set -eu

# Bump when the stream set changes: an older OUTDIR/.done is then remade.
VERSION=7
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

# The cues of the test subtitles, one per line: start end text ("|" = a new
# line in the cue). Times are seconds from the video's first picture.
cues_en() {
	cat <<'EOF'
0.500 1.500 Hello
1.800 2.600 Across the boundary
4.250 5.000 <i>Italic</i> line
7.000 8.000 Two|lines
9.000 9.900 The end
EOF
}
cues_fr() {
	cat <<'EOF'
0.750 1.250 Bonjour
3.000 4.500 Au milieu
8.100 9.600 Fin
EOF
}

# vtt_time SECONDS - hh:mm:ss.mmm
vtt_time() {
	awk -v t="$1" 'BEGIN { ms = int(t * 1000 + 0.5);
		printf "%02d:%02d:%02d.%03d", ms / 3600000, (ms / 60000) % 60,
		    (ms / 1000) % 60, ms % 1000 }'
}

# vtt_cues SHIFT FROM TO - the cues (stdin) overlapping [FROM, TO), their
# times + SHIFT, as WebVTT cue blocks
vtt_cues() {
	while read -r a b text; do
		awk -v a="$a" -v b="$b" -v f="$2" -v t="$3" \
		    'BEGIN { exit !(a < t && b > f) }' || continue
		printf '%s --> %s\n%s\n\n' \
		    "$(vtt_time "$(awk -v x="$a" -v s="$1" 'BEGIN{print x+s}')")" \
		    "$(vtt_time "$(awk -v x="$b" -v s="$1" 'BEGIN{print x+s}')")" \
		    "$(printf '%s' "$text" | tr '|' '\n')"
	done
}

# mk_vtt_segmented DIR PTS - 2 s WebVTT segments over 10 s, each with its
# own X-TIMESTAMP-MAP (MPEGTS = PTS + 2 s * N at LOCAL = 10 s + 2 s * N: the
# local clock runs 10 s ahead), cues spanning a boundary in both segments
mk_vtt_segmented() {
	dir=$1 pts=$2
	mkdir -p "$dir"
	printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n' \
		>"$dir/index.m3u8"
	for n in 0 1 2 3 4; do
		from=$((n * 2)) to=$((n * 2 + 2))
		{
			echo WEBVTT
			echo "X-TIMESTAMP-MAP=MPEGTS:$((pts + n * 180000)),LOCAL:$(vtt_time $((10 + n * 2)))"
			echo
			cues_en | vtt_cues 10 "$from" "$to"
		} >"$dir/seg$n.vtt"
		printf '#EXTINF:2.000000,\nseg%d.vtt\n' "$n" >>"$dir/index.m3u8"
	done
	echo '#EXT-X-ENDLIST' >>"$dir/index.m3u8"
}

# mk_vtt_single DIR - one WebVTT file for the whole 10 s, no timestamp map
mk_vtt_single() {
	dir=$1
	mkdir -p "$dir"
	{
		printf 'WEBVTT\n\n'
		cues_fr | vtt_cues 0 0 10
	} >"$dir/all.vtt"
	printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:10.000000,\nall.vtt\n#EXT-X-ENDLIST\n' \
		>"$dir/index.m3u8"
}

# tracks_master DIR CODECS - the master of a tracks stream
tracks_master() {
	cat >"$1/index.m3u8" <<EOF
#EXTM3U
#EXT-X-VERSION:6
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="a-en/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Francais",LANGUAGE="fr",DEFAULT=YES,AUTOSELECT=YES,URI="a-fr/index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="s-en/index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Francais",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="s-fr/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=$(bandwidth "$1/v/source.ts" 10),RESOLUTION=320x240,CODECS="$2",AUDIO="aud",SUBTITLES="subs"
v/index.m3u8
EOF
}

# tracks: a video-only variant, audio en (2 s segments) and fr (3 s,
# DEFAULT=YES), subtitles en (segmented, X-TIMESTAMP-MAP) and fr (one file,
# no map). tracks-fmp4: the same media as fragmented MP4.
mk_tracks() {
	d=$OUT/tracks
	newdir "$d"
	mkdir -p "$d/v" "$d/a-en" "$d/a-fr"
	encode "$d/v/source.ts" 10 320x240 testsrc2 300k none
	encode "$d/a-en/source.ts" 10 - none - 440
	encode "$d/a-fr/source.ts" 10 - none - 880
	cut "$d/v/source.ts" "$d/v"
	cut "$d/a-en/source.ts" "$d/a-en"
	$FFQ -i "$d/a-fr/source.ts" -map 0 -c copy $HLSVOD -hls_time 3 \
		-hls_segment_filename "$d/a-fr/seg%d.ts" "$d/a-fr/index.m3u8"
	pts=$(${FFPROBE:-ffprobe} -v error -select_streams v:0 \
		-show_entries stream=start_pts -of csv=p=0 "$d/v/source.ts" |
		head -n 1 | tr -dc 0-9)
	mk_vtt_segmented "$d/s-en" "$pts"
	mk_vtt_single "$d/s-fr"
	cues_en >"$d/s-en/cues"
	cues_fr >"$d/s-fr/cues"
	tracks_master "$d" "$CODECS_AV"
	expect "$d" video=1 audio=2 subtitles=2 duration=10.0 \
		source_video=v/source.ts source_audio=a-fr/source.ts \
		audio_en=a-en/source.ts audio_fr=a-fr/source.ts video_pts="$pts"
	f=$OUT/tracks-fmp4
	newdir "$f"
	for t in v a-en a-fr; do
		mkdir -p "$f/$t"
		cp "$d/$t/source.ts" "$f/$t/source.ts"
		ht=2
		[ "$t" = a-fr ] && ht=3
		$FFQ -i "$f/$t/source.ts" -map 0 -c copy -bsf:a aac_adtstoasc \
			$HLSVOD -hls_time $ht -hls_segment_type fmp4 \
			-hls_fmp4_init_filename init.mp4 \
			-hls_segment_filename "$f/$t/seg%d.m4s" "$f/$t/index.m3u8"
	done
	# the map names the fMP4 video's own first timestamp (90 kHz)
	fpts=$(cat "$f/v/init.mp4" "$f/v/seg0.m4s" | ${FFPROBE:-ffprobe} \
		-v error -select_streams v:0 -show_entries stream=start_time \
		-of csv=p=0 - | head -n 1 | awk '{ printf "%d", $1 * 90000 + 0.5 }')
	mk_vtt_segmented "$f/s-en" "$fpts"
	cp -r "$d/s-fr" "$f/"
	cp "$d/s-en/cues" "$f/s-en/cues"
	tracks_master "$f" "$CODECS_AV"
	expect "$f" video=1 audio=2 subtitles=2 duration=10.0 container=fmp4 \
		source_video=v/source.ts source_audio=a-fr/source.ts \
		audio_en=a-en/source.ts audio_fr=a-fr/source.ts video_pts="$fpts"
}

# mark_gaps DIR N... - #EXT-X-GAP before segment N's EXTINF (counted from
# 0 in DIR/index.m3u8, or $PL), and its file moved to DIR/absent/: the
# origin has no media under its name (a test may plant the real thing in a
# work dir)
mark_gaps() {
	dir=$1
	pl=$dir/${PL:-index.m3u8}
	shift
	for n in "$@"; do
		awk -v want="$n" '/^#EXTINF/ { if (i++ == want) print "#EXT-X-GAP" }
			{ print }' "$pl" >"$dir/index.tmp"
		mv "$dir/index.tmp" "$pl"
		uri=$(awk -v want="$n" '/^#EXTINF/ { i++; next }
			!/^#/ && i == want + 1 { print; exit }' "$pl")
		[ -n "$uri" ] && [ -f "$dir/$uri" ] || die "gap: no segment $n"
		mkdir -p "$dir/absent"
		mv "$dir/$uri" "$dir/absent/$(echo "$uri" | tr / -)"
		echo "$uri" >>"$dir/gaps"
	done
	[ "$(grep -c '^#EXT-X-GAP$' "$pl")" -eq $# ] ||
		die "gap: want $# EXT-X-GAP tags"
}

# gap: 7 segments of 2 s (video + audio), seg1 and seg4 marked EXT-X-GAP and
# absent. The parts that remain are references by themselves (gaps= names
# what is missing; pieces= the runs of segments between the gaps).
# gap-disc: disc's two encodes, the last segment before the discontinuity
# a gap: the time line must keep it although the clock restarts after it.
mk_gap() {
	d=$OUT/gap
	newdir "$d"
	encode "$d/source.ts" 14 320x240 testsrc2 300k 440
	cut "$d/source.ts" "$d"
	mark_gaps "$d" 1 4
	expect "$d" video=1 audio=1 duration=14.0 segments=7 gap_seconds=4.0 \
		'pieces=seg0.ts|seg2.ts seg3.ts|seg5.ts seg6.ts'
	g=$OUT/gap-disc
	newdir "$g"
	cp -r "$OUT/disc/a" "$OUT/disc/b" "$OUT/disc/index.m3u8" "$g/"
	mark_gaps "$g" 2
	expect "$g" video=1 audio=1 duration=10.0 segments=5 gap_seconds=2.0 \
		'pieces=a/seg0.ts a/seg1.ts|b/seg0.ts b/seg1.ts'
	# live/gap: live/one's 6 x 1 s with seg3 a gap, in the sliding window
	l=$OUT/live/gap
	newdir "$l"
	cp "$OUT/live/one"/seg*.ts "$OUT/live/one/full.m3u8" "$l/"
	PL=full.m3u8 mark_gaps "$l" 3
	expect "$l" video=1 audio=1 duration=6.0 segments=6 gap_seconds=1.0 \
		live=1 window=3 'pieces=seg0.ts seg1.ts seg2.ts|seg4.ts seg5.ts'
}

# gap-map: fmp4's segments with seg1 a gap under an init section of its
# own (an ad break's, absent on the origin): a map that only gaps use is
# never fetched.
mk_gap_map() {
	d=$OUT/gap-map
	newdir "$d"
	cp "$OUT/fmp4"/init.mp4 "$OUT/fmp4"/seg*.m4s "$OUT/fmp4/source.ts" "$d/"
	awk '/^seg1\.m4s$/ { print; print "#EXT-X-MAP:URI=\"init.mp4\""; next }
		/^#EXTINF/ && ++i == 2 { print "#EXT-X-MAP:URI=\"ad-init.mp4\"" }
		{ print }' "$OUT/fmp4/index.m3u8" >"$d/index.m3u8"
	mark_gaps "$d" 1
	grep -c '^#EXT-X-MAP' "$d/index.m3u8" | grep -qx 3 || die "gap-map: maps"
	expect "$d" video=1 audio=1 duration=10.0 segments=5 gap_seconds=2.0 \
		container=fmp4 'pieces=seg0.m4s|seg2.m4s seg3.m4s seg4.m4s'
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
mk_tracks
mk_gap
mk_gap_map
echo "$VERSION" >"$OUT/.done.tmp"
mv "$OUT/.done.tmp" "$OUT/.done"
