#!/bin/sh
# t-get-gap - EXT-X-GAP: segments the playlist marks as gaps (absent on the
# origin) are never requested, the job completes, and the output holds every
# other frame and audio packet of the source where the source has it: the
# media time line keeps the hole.
. "$top_srcdir/tests/integ/lib.sh"
origin_start --live-speed 1
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"
FFQ="$FFMPEG -nostdin -hide_banner -loglevel error"

# frames KIND FILE... - one md5 a line: every decoded video frame (kind v),
# or every audio packet as stored (kind a: AAC decodes with the help of the
# frame before, so across a hole packets are what can be compared exactly).
# One MP4 is read without edit lists; several files are MPEG-TS decoded as
# one concatenation.
frames() {
	kind=$1
	shift
	if [ "$kind" = v ]; then
		o='-map 0:v:0 -fps_mode passthrough'
	else
		o='-map 0:a:0 -c:a copy'
	fi
	if [ $# -eq 1 ] && [ "${1%.mp4}" != "$1" ]; then
		$FFQ -ignore_editlist 1 -i "$1" $o -f framemd5 -
	else
		[ "$kind" = a ] && o="$o -bsf:a aac_adtstoasc"
		cat "$@" | $FFQ -f mpegts -i - $o -f framemd5 -
	fi | awk -F', *' '/^[0-9]/ { print $6 }'	# the data's md5, no side data
}

# first KIND FILE... - the earliest packet time (s) of the first video/audio
first() {
	kind=$1
	shift
	if [ $# -eq 1 ] && [ "${1%.mp4}" != "$1" ]; then
		"$FFPROBE" -v error -select_streams "$kind:0" \
			-show_entries packet=pts_time -of csv=p=0 "$1"
	else
		cat "$@" | "$FFPROBE" -v error -f mpegts -select_streams \
			"$kind:0" -show_entries packet=pts_time -of csv=p=0 -
	fi | times | head -n 1
}

# times - ffprobe's pts_time lines (csv: "5.421333," and blank lines for
# side data) as sorted numbers
times() {
	sed -n 's/^\([0-9][0-9.]*\).*/\1/p' | sort -g
}

# pts_at KIND FILE N - the time of the N-th (from 1) packet in time order
pts_at() {
	"$FFPROBE" -v error -select_streams "$1:0" -show_entries \
		packet=pts_time -of csv=p=0 "$2" | times | sed -n "$3p"
}

near() {	# near A B TOL: |A - B| <= TOL
	awk -v a="$1" -v b="$2" -v t="$3" \
		'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}

# check_pieces OUT STREAM_DIR EXPECT_AT - OUT's frames are the pieces' (the
# runs of segments between the gaps, in order), each piece starting where
# EXPECT_AT says: "src" (the source's own clock: the same distance from the
# first piece, within 2 ms) or a list of seconds (one per piece after the
# first, within 0.1 s: a clock that restarts at a discontinuity).
check_pieces() {
	out=$1 dir=$2 at=$3
	pieces=$(sed -n 's/^pieces=//p' "$dir/expect")
	for k in v a; do
		frames $k "$out" >"got.$k" || fail "$out: cannot read its $k"
		: >"want.$k"
		idx=1 i=0
		first0_out='' first0_src=''
		oldifs=$IFS
		IFS='|'
		set -- $pieces
		IFS=$oldifs
		for piece; do
			files=''
			for f in $piece; do files="$files $dir/$f"; done
			# shellcheck disable=SC2086
			frames $k $files >piece || fail "cannot decode $piece"
			n=$(wc -l <piece)
			[ "$n" -gt 10 ] || fail "$piece: only $n $k frames"
			cat piece >>"want.$k"
			t_out=$(pts_at $k "$out" "$idx")
			# shellcheck disable=SC2086
			t_src=$(first $k $files)
			if [ $i -eq 0 ]; then
				first0_out=$t_out first0_src=$t_src
			elif [ "$at" = src ]; then
				near "$(awk -v a="$t_out" -v b="$first0_out" \
				    'BEGIN { print a - b }')" "$(awk -v a="$t_src" \
				    -v b="$first0_src" 'BEGIN { print a - b }')" \
				    0.002 || fail "$out: $k piece $i at $t_out s," \
				    "the source has it at $t_src s (first at" \
				    "$first0_src s)"
			else
				want=$(echo "$at" | cut -d' ' -f"$i")
				near "$(awk -v a="$t_out" -v b="$first0_out" \
				    'BEGIN { print a - b }')" "$want" 0.1 ||
				    fail "$out: $k piece $i at $t_out s, want" \
				    "$want s after the first"
			fi
			idx=$((idx + n)) i=$((i + 1))
		done
		cmp -s "got.$k" "want.$k" || fail "$out: its $k frames are not" \
			"the source's pieces ($(wc -l <"got.$k") vs" \
			"$(wc -l <"want.$k"))"
	done
}

# no_gap_requests STREAM_DIR PREFIX - the origin's log has no request for a
# gap segment, and every other segment was asked for
no_gap_requests() {
	while read -r g; do
		[ "$(origin_count "$2/$g")" -eq 0 ] || fail "$2/$g requested"
		# any method, with or without a query
		! grep -Eq "^[0-9.]+ [A-Z]+ $2/$g[ ?]" "$ORIGIN_LOG" ||
			fail "$2/$g in the origin's log"
	done <"$1/gaps"
	for f in $(sed -n 's/^pieces=//p' "$1/expect" | tr '|' ' '); do
		grep -Eq "^[0-9.]+ GET $2/$f 200 " "$ORIGIN_LOG" ||
			fail "$2/$f never served"
	done
}

# --- two gaps inside one clock ------------------------------------------------
"$M3U8NAS" get --allow-private -o gap.mp4 "$ORIGIN/gap/index.m3u8" \
	>gap.stdout 2>gap.stderr || fail "gap: exit $?: $(cat gap.stderr)"
[ ! -s gap.stderr ] || fail "gap: stderr: $(cat gap.stderr)"
grep -qx "gap.mp4 $(wc -c <gap.mp4) bytes (4.0 s missing in the source: EXT-X-GAP)" \
	gap.stdout || fail "gap: last line: $(tail -n 1 gap.stdout)"
[ ! -e .gap.mp4.m3u8nas ] || fail "gap: work dir left behind"
no_gap_requests "$sd/gap" /gap
check_pieces gap.mp4 "$sd/gap" src
# the time line is the source's 14 s, not the 10 s that were there
d=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 gap.mp4)
near "$d" 14 0.1 || fail "gap: lasts $d s, the source 14 s"
echo "ok: gap"

# --- a gap just before a discontinuity ------------------------------------------
"$M3U8NAS" get --allow-private -o disc.mp4 "$ORIGIN/gap-disc/index.m3u8" \
	>disc.stdout 2>disc.stderr || fail "gap-disc: exit $?: $(cat disc.stderr)"
grep -q '(2.0 s missing in the source: EXT-X-GAP)$' disc.stdout ||
	fail "gap-disc: last line: $(tail -n 1 disc.stdout)"
no_gap_requests "$sd/gap-disc" /gap-disc
# b's clock restarts: it is placed by the EXTINF it follows (4 s + 2 s gap)
check_pieces disc.mp4 "$sd/gap-disc" 6.0
echo "ok: gap-disc"

# --- resume: the gap stays a gap ------------------------------------------------
# One at a time, seg5 refused once: seg0, seg2, seg3 are kept.
origin_ctl reset-stats >/dev/null
origin_ctl "fault?path=/gap/seg5.ts&kind=404&count=1" >/dev/null
"$M3U8NAS" get --allow-private -j 1 -o r.mp4 "$ORIGIN/gap/index.m3u8" \
	>r.stdout 2>r.stderr && fail "resume: the first run did not fail"
grep -q 'HTTP 404' r.stderr || fail "resume: $(cat r.stderr)"
w=.r.mp4.m3u8nas
[ -f $w/seg-v-000003 ] || fail "resume: seg3 not kept ($(ls $w))"
# A file where the gap is (an older run, a hand) is not taken: only a
# segment the playlist has media for is in the output. (The real media of
# the gap: a stray copy of another segment would be dropped as overlap.)
cp "$sd/gap/absent/seg1.ts" $w/seg-v-000001
"$M3U8NAS" get --allow-private -j 1 -o r.mp4 "$ORIGIN/gap/index.m3u8" \
	>r.stdout 2>r.stderr || fail "resume: exit $?: $(cat r.stderr)"
grep -q '(4.0 s missing in the source: EXT-X-GAP)$' r.stdout ||
	fail "resume: last line: $(tail -n 1 r.stdout)"
for s in 0:1 2:1 3:1 5:2 6:1 1:0 4:0; do
	n=$(origin_count "/gap/seg${s%:*}.ts")
	[ "$n" -eq "${s#*:}" ] || fail "resume: seg${s%:*} $n requests, want ${s#*:}"
done
check_pieces r.mp4 "$sd/gap" src
echo "ok: resume"

# --- a fresh link (another token): the kept files are adopted, not the gap -----
origin_ctl reset-stats >/dev/null
origin_ctl "fault?path=/gap/seg5.ts&kind=404&count=1" >/dev/null
"$M3U8NAS" get --allow-private -j 1 -o f.mp4 "$ORIGIN/gap/index.m3u8?token=1" \
	>f.stdout 2>f.stderr && fail "fresh: the first run did not fail"
cp "$sd/gap/absent/seg4.ts" .f.mp4.m3u8nas/seg-v-000004
"$M3U8NAS" get --allow-private -j 1 -o f.mp4 "$ORIGIN/gap/index.m3u8?token=2" \
	>f.stdout 2>f.stderr || fail "fresh: exit $?: $(cat f.stderr)"
grep -q '(4.0 s missing in the source: EXT-X-GAP)$' f.stdout ||
	fail "fresh: last line: $(tail -n 1 f.stdout)"
for s in index.m3u8:2 seg0.ts:1 seg3.ts:1 seg5.ts:2 seg1.ts:0 seg4.ts:0; do
	n=$(origin_count "/gap/${s%:*}")
	[ "$n" -eq "${s#*:}" ] || fail "fresh: ${s%:*} $n requests, want ${s#*:}"
done
check_pieces f.mp4 "$sd/gap" src
echo "ok: fresh link"

# --- fMP4, the gap under an init section of its own: that one never fetched ----
origin_ctl reset-stats >/dev/null
"$M3U8NAS" get --allow-private -o map.mp4 "$ORIGIN/gap-map/index.m3u8" \
	>map.stdout 2>map.stderr || fail "gap-map: exit $?: $(cat map.stderr)"
grep -q '(2.0 s missing in the source: EXT-X-GAP)$' map.stdout ||
	fail "gap-map: last line: $(tail -n 1 map.stdout)"
no_gap_requests "$sd/gap-map" /gap-map
[ "$(origin_count /gap-map/ad-init.mp4)" -eq 0 ] ||
	fail "gap-map: the gap's own init section was fetched"
[ "$(origin_count /gap-map/init.mp4)" -eq 1 ] ||
	fail "gap-map: init.mp4 fetched $(origin_count /gap-map/init.mp4) times"
# Each piece as one fragmented MP4 (the init section, then its fragments).
cat "$sd/gap-map/init.mp4" "$sd/gap-map/seg0.m4s" >p1.mp4
cat "$sd/gap-map/init.mp4" "$sd/gap-map/seg2.m4s" "$sd/gap-map/seg3.m4s" \
	"$sd/gap-map/seg4.m4s" >p2.mp4
for k in v a; do
	frames $k map.mp4 >got.$k || fail "gap-map: cannot read its $k"
	{ frames $k p1.mp4 && frames $k p2.mp4; } >want.$k ||
		fail "gap-map: cannot read the pieces' $k"
	[ "$(wc -l <want.$k)" -gt 20 ] || fail "gap-map: few $k frames"
	cmp -s got.$k want.$k || fail "gap-map: its $k frames are not the" \
		"pieces' ($(wc -l <got.$k) vs $(wc -l <want.$k))"
done
echo "ok: a gap's own init section is not fetched"

# --- live: a gap in the sliding window ---------------------------------------
origin_ctl live-reset >/dev/null
"$M3U8NAS" get --allow-private -o live.mp4 "$ORIGIN/live/gap/index.m3u8" \
	>live.stdout 2>live.stderr || fail "live: exit $?: $(cat live.stderr)"
grep -q '(1.0 s missing in the source: EXT-X-GAP)$' live.stdout ||
	fail "live: last line: $(tail -n 1 live.stdout)"
no_gap_requests "$sd/live/gap" /live/gap
check_pieces live.mp4 "$sd/live/gap" src
echo "ok: live"
exit 0
