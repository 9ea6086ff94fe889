#!/bin/sh
# t-get-tracks - every audio language and WebVTT subtitle of a master kept:
# each audio track decodes like its rendition, with its language and default
# flag; subtitle cues (mov_text tracks and sidecars) equal the source's in
# text and time; --audio default --subs none is the plain download, byte for
# byte (and the output of $M3U8NAS_REF, an older build, when it is set).
. "$top_srcdir/tests/integ/lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
CUES="$PYTHON3 $top_srcdir/tests/integ/cues-check.py"
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

get() {
	"$M3U8NAS" get --allow-private "$@" >get.stdout 2>get.stderr ||
		fail "get $*: exit $?: $(cat get.stderr)"
}

# probe FILE - "type lang default forced" per stream, one a line
probe() {
	"$FFPROBE" -v error -show_entries \
		stream=codec_type:stream_tags=language:stream_disposition=default,forced \
		-of csv=p=0:nk=1 "$1" | awk -F, '{ print $1, $4, $2, $3 }'
}

# audio_md5 FILE N - decoded md5 of audio stream N
audio_md5() {
	"$FFMPEG" -nostdin -v error -ignore_editlist 1 -i "$1" -map "0:a:$2" \
		-c:a pcm_f32le -f md5 - | sed 's/^MD5=//'
}

# subs_of FILE N OUT - subtitle stream N of FILE as WebVTT
subs_of() {
	"$FFMPEG" -nostdin -v error -i "$1" -map "0:s:$2" -f webvtt "$3" ||
		fail "$1: no subtitle stream $2"
}

for s in tracks tracks-fmp4; do
	d=$sd/$s
	# all of it: two audio languages (fr DEFAULT=YES), two subtitles
	# as tracks and WebVTT sidecars
	get --audio all --subs all --subs-as both -o "$s.mp4" \
		"$ORIGIN/$s/index.m3u8"
	want="video und 1 0
audio eng 0 0
audio fra 1 0
subtitle eng 1 0
subtitle fra 0 0"
	[ "$(probe "$s.mp4")" = "$want" ] ||
		fail "$s: streams $(probe "$s.mp4"), want $want"
	[ "$(audio_md5 "$s.mp4" 0)" = "$(decoded_md5 "$d/a-en/source.ts" audio)" ] ||
		fail "$s: audio en differs from its rendition"
	[ "$(audio_md5 "$s.mp4" 1)" = "$(decoded_md5 "$d/a-fr/source.ts" audio)" ] ||
		fail "$s: audio fr differs from its rendition"
	[ "$(decoded_md5 "$s.mp4" video)" = "$(decoded_md5 "$d/v/source.ts" video)" ] ||
		fail "$s: video differs"
	vstart=$("$FFPROBE" -v error -select_streams v:0 -show_entries \
		stream=start_time -of csv=p=0 "$s.mp4")
	subs_of "$s.mp4" 0 "$s.track-en.vtt"
	subs_of "$s.mp4" 1 "$s.track-fr.vtt"
	$CUES "$d/s-en/cues" "$s.track-en.vtt" "$vstart" || fail "$s: en track"
	$CUES "$d/s-fr/cues" "$s.track-fr.vtt" "$vstart" || fail "$s: fr track"
	$CUES "$d/s-en/cues" "$s.en.vtt" "$vstart" || fail "$s: en sidecar"
	$CUES "$d/s-fr/cues" "$s.fr.vtt" "$vstart" || fail "$s: fr sidecar"
	ls -a | grep -q '\.part' && fail "$s: a .part file left behind"
	echo "ok: $s all"

	# one of each, the subtitles as SubRip sidecars only
	get --audio en --subs fr --subs-as sidecar --subs-format srt \
		-o "$s-one.mp4" "$ORIGIN/$s/index.m3u8"
	[ "$(probe "$s-one.mp4")" = "video und 1 0
audio eng 1 0" ] || fail "$s-one: streams $(probe "$s-one.mp4")"
	[ "$(audio_md5 "$s-one.mp4" 0)" = "$(decoded_md5 "$d/a-en/source.ts" audio)" ] ||
		fail "$s-one: audio en differs from its rendition"
	[ -f "$s-one.fr.srt" ] && [ ! -e "$s-one.en.srt" ] &&
		[ ! -e "$s-one.fr.vtt" ] || fail "$s-one: sidecars: $(ls)"
	$CUES "$d/s-fr/cues" "$s-one.fr.srt" "$vstart" || fail "$s-one: fr srt"
	echo "ok: $s one"

	# the default: today's output, byte for byte
	get -o "$s-plain.mp4" "$ORIGIN/$s/index.m3u8"
	get --audio default --subs none -o "$s-default.mp4" "$ORIGIN/$s/index.m3u8"
	cmp "$s-plain.mp4" "$s-default.mp4" || fail "$s: --audio default differs"
	[ "$(probe "$s-plain.mp4")" = "video und 1 0
audio und 1 0" ] || fail "$s-plain: streams $(probe "$s-plain.mp4")"
	if [ -n "${M3U8NAS_REF:-}" ]; then
		"$M3U8NAS_REF" get --allow-private -o "$s-ref.mp4" \
			"$ORIGIN/$s/index.m3u8" >/dev/null || fail "reference get"
		cmp "$s-ref.mp4" "$s-default.mp4" ||
			fail "$s: differs from $M3U8NAS_REF's output"
	fi
	echo "ok: $s default"
done

# a language the stream does not have: refused, naming what it has
"$M3U8NAS" get --allow-private --audio de -o de.mp4 \
	"$ORIGIN/tracks/index.m3u8" >/dev/null 2>de.err && fail "--audio de worked"
grep -q 'no audio rendition in de (the stream has: en, fr)' de.err ||
	fail "--audio de: $(cat de.err)"
"$M3U8NAS" get --allow-private --subs 'en,' -o x.mp4 --subs-as nope \
	"$ORIGIN/tracks/index.m3u8" >/dev/null 2>x.err && fail "--subs-as nope"

# resume per track: a failed subtitle segment fails the job, the re-run
# fetches only what is missing (-j 1: tracks in order, so everything
# before seg3.vtt is whole when it fails, and nothing after it started)
origin_ctl reset-stats
origin_ctl 'fault?path=/tracks/s-en/seg3.vtt&kind=404&count=1'
"$M3U8NAS" get --allow-private -j 1 --audio all --subs all -o r.mp4 \
	"$ORIGIN/tracks/index.m3u8" >/dev/null 2>r.err && fail "404 not seen"
[ -d .r.mp4.m3u8nas ] || fail "no work dir kept"
get --audio all --subs all -o r.mp4 "$ORIGIN/tracks/index.m3u8"
for p in v/seg0.ts a-en/seg0.ts a-fr/seg0.ts s-en/seg0.vtt s-fr/all.vtt; do
	[ "$(origin_count "/tracks/$p")" = 1 ] ||
		fail "resume: /tracks/$p fetched $(origin_count "/tracks/$p") times"
done
[ "$(origin_count /tracks/s-en/seg3.vtt)" = 2 ] || fail "resume: seg3.vtt"
[ "$(probe r.mp4 | wc -l)" = 5 ] || fail "resume: $(probe r.mp4)"
echo "ok: resume"
