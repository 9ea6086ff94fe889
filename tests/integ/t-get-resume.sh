#!/bin/sh
# t-get-resume - after kill -9 or Ctrl-C, the same command resumes from the
# work directory: nothing already complete is fetched again.
. "$top_srcdir/tests/integ/lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

P=$ORIGIN/aes/index.m3u8
done_segs() {	# finished segments in work dir $1
	ls "$1" 2>/dev/null | grep -c '^seg-v-[0-9]*$'
}

# --- kill -9 in the middle ----------------------------------------------------
# About 100 KB per segment at 150 KB/s, one at a time: ~0.7 s each.
origin_ctl "set?rate=150000" >/dev/null
"$M3U8NAS" get --allow-private -j 1 -o k.mp4 "$P" >/dev/null 2>&1 &
pid=$!
on_exit "kill -9 $pid 2>/dev/null"
wait_for '[ "$(done_segs .k.mp4.m3u8nas)" -ge 2 ]' 30 ||
	fail "no progress before the kill"
kill -9 $pid
wait $pid 2>/dev/null
have=$(ls .k.mp4.m3u8nas | grep '^seg-v-[0-9]*$')
[ -n "$have" ] || fail "nothing in the work dir"
[ -s .k.mp4.m3u8nas/media-v.m3u8 ] || fail "no saved playlist"
[ -s .k.mp4.m3u8nas/key-0.bin ] || fail "no saved key"
[ ! -e k.mp4 ] || fail "an output after kill -9"

origin_ctl "set?rate=0" >/dev/null
origin_ctl reset-stats >/dev/null
"$M3U8NAS" get --allow-private -j 1 -o k.mp4 "$P" >/dev/null 2>err ||
	fail "resume: $(cat err)"
assert_same_media k.mp4 "$sd/aes"
[ "$(origin_count /aes/index.m3u8)" -eq 0 ] || fail "playlist fetched again"
[ "$(origin_count /aes/key.bin)" -eq 0 ] || fail "key fetched again"
for f in $have; do
	n=${f#seg-v-}
	n=$(echo "$n" | sed 's/^0*//')
	[ "$(origin_count "/aes/seg${n:-0}.ts")" -eq 0 ] ||
		fail "segment $n fetched again after resume"
done
[ "$(origin_count /aes/seg4.ts)" -eq 1 ] || fail "the last segment not fetched"
[ ! -e .k.mp4.m3u8nas ] || fail "work dir left after success"
echo "ok: kill -9 and resume ($(echo $have | wc -w) segments kept)"

# --- Ctrl-C: a clean stop, one line, the work dir kept -------------------------
origin_ctl "set?rate=150000" >/dev/null
"$M3U8NAS" get --allow-private -j 1 -o c.mp4 "$P" >/dev/null 2>cerr &
pid=$!
on_exit "kill -9 $pid 2>/dev/null"
wait_for '[ "$(done_segs .c.mp4.m3u8nas)" -ge 1 ]' 30 || fail "no progress"
kill -INT $pid
rc=0
wait $pid || rc=$?
[ "$rc" -eq 1 ] || fail "SIGINT: exit $rc"
[ "$(cat cerr)" = "error: interrupted; run the same command again to resume" ] ||
	fail "SIGINT: $(cat cerr)"
[ "$(done_segs .c.mp4.m3u8nas)" -ge 1 ] || fail "SIGINT: work dir not kept"
ls .c.mp4.m3u8nas | grep -q '\.part$' && fail "SIGINT: a .part left behind"
origin_ctl "set?rate=0" >/dev/null
"$M3U8NAS" get --allow-private -o c.mp4 "$P" >/dev/null 2>err ||
	fail "resume after SIGINT: $(cat err)"
assert_same_media c.mp4 "$sd/aes"
echo "ok: SIGINT and resume"

# --- a work dir from another URL is not reused -----------------------------------
"$M3U8NAS" get --allow-private --keep-work -o o.mp4 "$P" >/dev/null 2>&1 ||
	fail "keep-work run"
[ -s .o.mp4.m3u8nas/source.url ] || fail "--keep-work: work dir removed"
mv .o.mp4.m3u8nas .p.mp4.m3u8nas
"$M3U8NAS" get --allow-private -o p.mp4 "$ORIGIN/plain/index.m3u8" >/dev/null 2>err ||
	fail "other URL: $(cat err)"
assert_same_media p.mp4 "$sd/plain"
echo "ok: a stale work dir of another URL is started over"
exit 0
