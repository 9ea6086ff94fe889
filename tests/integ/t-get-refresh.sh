#!/bin/sh
# t-get-refresh - `m3u8nas get` resumes with a fresh link: the same command
# with a new token in the query (an expired signed link) continues the work
# directory instead of starting over, key included, and fetches no kept
# segment again.
. "$top_srcdir/tests/integ/lib.sh"
origin_start --token-segments 2
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

link() { echo "$ORIGIN/signed/aes/index.m3u8?token=$1"; }
done_segs() { ls .s.mp4.m3u8nas 2>/dev/null | grep -c '^seg-v-[0-9]*$'; }

# g1 dies after two segments: the get fails, the work dir keeps them.
"$M3U8NAS" get --allow-private -j 1 -o s.mp4 "$(link g1)" >/dev/null 2>err &&
	fail "a get with an expiring token succeeded"
grep -q 403 err || fail "no 403 said: $(cat err)"
[ "$(done_segs)" -eq 2 ] || fail "$(done_segs) segments kept, not 2"
# g2: two more; g3: the last one, then the video.
"$M3U8NAS" get --allow-private -j 1 -o s.mp4 "$(link g2)" >/dev/null 2>err &&
	fail "the second get succeeded"
[ "$(done_segs)" -eq 4 ] || fail "$(done_segs) segments kept after g2, not 4"
"$M3U8NAS" get --allow-private -j 1 -o s.mp4 "$(link g3)" >/dev/null 2>err ||
	fail "the third get: $(cat err)"
assert_same_media s.mp4 "$sd/aes"
for i in 0 1 2 3 4; do
	n=$(grep -c "GET /signed/aes/seg$i.ts?token=g[123] 200 " "$ORIGIN_LOG")
	[ "$n" -eq 1 ] || fail "seg$i served $n times"
done
[ ! -e .s.mp4.m3u8nas ] || fail "work dir left after success"
echo "ok: three links, five segments, each fetched once"

# A new query on a stream whose segments changed starts over: the saved
# playlist says other segments (here: a work dir from the plain stream
# under the aes name would not match; simulated by editing its playlist).
"$M3U8NAS" get --allow-private -j 1 -o t.mp4 "$ORIGIN/signed/plain/index.m3u8?token=h1" >/dev/null 2>&1 &&
	fail "h1 succeeded"
sed -i 's/seg\([0-9]\)\.ts/old\1.ts/' .t.mp4.m3u8nas/media-v.m3u8
"$M3U8NAS" get --allow-private -j 1 -o t.mp4 "$ORIGIN/signed/plain/index.m3u8?token=h2" >/dev/null 2>&1 &&
	fail "h2 succeeded"
[ "$(grep -c 'GET /signed/plain/seg0.ts?token=h2 200 ' "$ORIGIN_LOG")" -eq 1 ] ||
	fail "a changed stream was not started over"
echo "ok: a changed stream starts over"
exit 0
