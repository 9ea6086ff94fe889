#!/bin/sh
# t-get-overlap - the merge runs while the segments download: the output's
# .part.mp4 already holds media of the early segments while the origin is
# still serving the last one; kill -9 in the middle of that merge, then the
# same command, gives a frame-identical video; Ctrl-C stops it; a full disk
# stops it and the video is merged after the download; a segment skipped
# (lossy, the spooler's lossy_skip_segments) before it began is left out
# of it, one skipped after stops it (merged after the download).
#
# No clock is asserted on: one connection (-j 1), so the origin's log line
# of the last segment (written when its response ends) is there only once
# the last byte has been sent; the test looks at the .part.mp4 first and
# the log after, so an absent line proves the merge moved before then.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"
P=$ORIGIN/plain/index.m3u8
RATE=40000
seg0=$(wc -c <"$sd/plain/seg0.ts")
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
last_served() { grep -c ' /plain/seg4.ts 200 ' "$ORIGIN_LOG"; }
done_segs() {	# finished segments in work dir $1
	ls "$1" 2>/dev/null | grep -c '^seg-v-[0-9]*$'
}

# --- the merge made progress before the last request ended ---------------------
# ~100 KB segments at 40 KB/s on one connection: about 2.5 s each, 13 s in
# all; the merge is one or two segments behind (the probe reads ahead).
origin_ctl "set?rate=$RATE" >/dev/null
"$M3U8NAS" get --allow-private -j 1 -o o.mp4 "$P" >/dev/null 2>err &
pid=$!
on_exit "kill -9 $pid 2>/dev/null"
# The MP4 holds less than the TS it came from: more than seg0's size means
# seg0's media and some of seg1's are in.
wait_for '[ "$(size .o.part.mp4)" -gt "$seg0" ]' 60 ||
	fail "no merge output while downloading ($(size .o.part.mp4) bytes)"
n=$(last_served)
[ "$n" = 0 ] || fail "the last segment was served before the merge moved"
kill -0 $pid 2>/dev/null || fail "the download ended before the merge moved"
rc=0
wait $pid || rc=$?
[ "$rc" = 0 ] || fail "get: exit $rc: $(cat err)"
[ "$(last_served)" = 1 ] || fail "seg4 served $(last_served) times"
assert_same_media o.mp4 "$sd/plain"
[ ! -e .o.part.mp4 ] || fail "a .part.mp4 left after success"
echo "ok: .part.mp4 past seg0 ($seg0 bytes) before seg4 was served"

# --- kill -9 during a merge alongside, then resume ------------------------------
origin_ctl reset-stats >/dev/null
: >"$ORIGIN_LOG"
"$M3U8NAS" get --allow-private -j 1 -o k.mp4 "$P" >/dev/null 2>&1 &
pid=$!
on_exit "kill -9 $pid 2>/dev/null"
wait_for '[ "$(size .k.part.mp4)" -gt "$seg0" ]' 60 ||
	fail "no merge output before the kill"
kill -9 $pid
wait $pid 2>/dev/null
[ "$(last_served)" = 0 ] || fail "killed too late: the download was over"
[ -s .k.part.mp4 ] || fail "no partial output to discard"
[ ! -e k.mp4 ] || fail "an output after kill -9"
have=$(ls .k.mp4.m3u8nas | grep '^seg-v-[0-9]*$')
[ -n "$have" ] || fail "no segment kept"
origin_ctl "set?rate=0" >/dev/null
origin_ctl reset-stats >/dev/null
"$M3U8NAS" get --allow-private -j 1 -o k.mp4 "$P" >/dev/null 2>err ||
	fail "resume: $(cat err)"
[ "$(decoded_md5 k.mp4 video)" = "$(decoded_md5 "$sd/plain/source.ts" video)" ] ||
	fail "resumed video is not frame-identical"
assert_same_media k.mp4 "$sd/plain"
for f in $have; do
	n=${f#seg-v-}
	n=$(echo "$n" | sed 's/^0*//')
	[ "$(origin_count "/plain/seg${n:-0}.ts")" -eq 0 ] ||
		fail "segment $n fetched again after resume"
done
[ ! -e .k.part.mp4 ] || fail "the stale .part.mp4 is left"
echo "ok: kill -9 mid-merge ($(echo $have | wc -w) segments kept), resumed identical"

# --- Ctrl-C during a merge alongside: the waiting merge stops with it -------------
origin_ctl "set?rate=$RATE" >/dev/null
: >"$ORIGIN_LOG"
"$M3U8NAS" get --allow-private -j 1 -o c.mp4 "$P" >/dev/null 2>cerr &
pid=$!
on_exit "kill -9 $pid 2>/dev/null"
wait_for '[ "$(size .c.part.mp4)" -gt "$seg0" ]' 60 ||
	fail "no merge output before Ctrl-C"
kill -INT $pid
# A merge left waiting for the next segment would hang the exit.
wait_for '! kill -0 $pid 2>/dev/null' 30 || fail "Ctrl-C: still running"
rc=0
wait $pid || rc=$?
[ "$rc" = 1 ] || fail "Ctrl-C: exit $rc: $(cat cerr)"
[ "$(last_served)" = 0 ] || fail "Ctrl-C too late: the download was over"
[ ! -e .c.part.mp4 ] || fail "Ctrl-C: the partial output is left"
[ "$(done_segs .c.mp4.m3u8nas)" -ge 1 ] || fail "Ctrl-C: segments not kept"
echo "ok: Ctrl-C stops the merge alongside, segments kept"

# --- a full disk during a merge alongside ----------------------------------------
# The merge alongside holds space the segments need: when the download
# pauses for space, the merge stops and removes its partial output, and
# the video is merged after the download once space is back (the old
# guarantee: paused, nothing lost, then complete and identical).
if [ "$(id -u)" = 0 ] && mkdir small &&
    mount -t tmpfs -o size=300k,mode=0755 tmpfs small 2>/dev/null; then
	on_exit "umount '$(tmpdir)/small'"
	origin_ctl "set?rate=$RATE" >/dev/null
	"$M3U8NAS" get --allow-private -j 1 -o small/f.mp4 "$P" >fout 2>ferr &
	pid=$!
	on_exit "kill -9 $pid 2>/dev/null"
	wait_for '[ -e small/.f.part.mp4 ]' 60 ||
		fail "no merge alongside on the small disk: $(cat ferr)"
	wait_for 'grep -q "paused: disk full" fout' 60 ||
		fail "no pause on a full disk: $(tail -2 fout) $(cat ferr)"
	wait_for '[ ! -e small/.f.part.mp4 ]' 30 ||
		fail "the merge alongside kept its output through the pause"
	kill -0 $pid 2>/dev/null || fail "gave up instead of pausing: $(cat ferr)"
	mount -o remount,size=32m "$(tmpdir)/small" || fail "cannot grow the tmpfs"
	rc=0
	wait $pid || rc=$?
	[ "$rc" = 0 ] || fail "after space returned: exit $rc: $(cat ferr)"
	assert_same_media small/f.mp4 "$sd/plain"
	[ ! -e small/.f.part.mp4 ] || fail "a .part.mp4 left after the pause"
	echo "ok: a full disk stops the merge alongside; merged after, identical"
else
	echo "skipped the full-disk part (needs root and a tmpfs)"
fi

# --- a skipped segment is left out of a merge alongside ---------------------------
# seg0 always 404s; lossy_skip_segments skips it before the merge starts,
# which begins on seg1. The output is segments 1-4, frame for frame,
# checked by verify against their EXTINF sum (8 s).
origin_ctl "fault?path=/plain/seg0.ts&kind=404&count=0" >/dev/null
origin_ctl "set?rate=$RATE" >/dev/null
: >"$ORIGIN_LOG"
seg1=$(wc -c <"$sd/plain/seg1.ts")
spool_conf "lossy_skip_segments = true;" "segment_concurrency = 1;"
spoold_start
drop lossy.job "{\"url\": \"$P\", \"title\": \"Lossy\"}"
wait_for 'ls -A "$LIBRARY" 2>/dev/null | grep -q "part.mp4"' 60 ||
	fail "no merge output while the spooler downloads"
part=$(ls -A "$LIBRARY" | grep 'part.mp4' | head -1)
wait_for '[ "$(size "$LIBRARY/$part")" -gt "$seg1" ]' 60 ||
	fail "the spooler's merge does not move"
[ "$(last_served)" = 0 ] || fail "spooler: the merge waited for the last segment"
wait_job lossy completed 90
out="$LIBRARY/Lossy.mp4"
[ -s "$out" ] || fail "no Lossy.mp4: $(ls -A "$LIBRARY")"
want=$(decoded_md5 "$sd/plain/seg1.ts" "$sd/plain/seg2.ts" "$sd/plain/seg3.ts" \
	"$sd/plain/seg4.ts" video)
[ "$(decoded_md5 "$out" video)" = "$want" ] ||
	fail "the lossy output is not segments 1-4"
dur=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$out")
awk -v d="$dur" 'BEGIN { exit !(d > 7 && d < 9) }' ||
	fail "lossy output lasts $dur s, want about 8"
echo "ok: a skipped segment left out of the merge alongside ($dur s)"

# seg2 404s: skipped after the merge began (it starts once seg0 is in, and
# with one connection seg2 is asked for only after seg1). Its time must be
# a hole before seg3 (gap_before), which the parts already handed to the
# remux cannot say: that merge stops and the video is merged after the
# download. The output: segments 0 1 3 4, frame for frame, lasting 10 s.
instead() { grep -c 'merging after the download instead' "$SPOOLD_LOG"; }
[ "$(instead)" = 0 ] || fail "the first job's merge did not run alongside"
origin_ctl clear-faults >/dev/null
origin_ctl "fault?path=/plain/seg2.ts&kind=404&count=0" >/dev/null
# (another URL of the same segments: the same one would be a duplicate)
drop late.job "{\"url\": \"$ORIGIN/ct/stream\", \"title\": \"Late\"}"
wait_job late completed 90
[ "$(instead)" = 1 ] || fail "the late skip did not stop the merge alongside"
out="$LIBRARY/Late.mp4"
want=$(decoded_md5 "$sd/plain/seg0.ts" "$sd/plain/seg1.ts" "$sd/plain/seg3.ts" \
	"$sd/plain/seg4.ts" video)
[ "$(decoded_md5 "$out" video)" = "$want" ] ||
	fail "the late-skip output is not segments 0 1 3 4"
dur=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$out")
awk -v d="$dur" 'BEGIN { exit !(d > 9.5 && d < 10.5) }' ||
	fail "late-skip output lasts $dur s, want 10 (the hole kept)"
spoold_stop
echo "ok: a skip after the merge began: merged after, the hole kept ($dur s)"
exit 0
