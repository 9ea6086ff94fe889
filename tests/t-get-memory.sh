#!/bin/sh
# t-get-memory - memory stays flat: a ~40 MB stream downloads and remuxes
# with a peak RSS under 32 MB (segments stream to disk, packets to the MP4).
. "$top_srcdir/tests/lib.sh"
[ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time) not installed"
need_ffmpeg
sd=$(streams_dir)
big=$(sh "$top_srcdir/tests/mkstreams.sh" --big "$sd" 40) ||
	fail "cannot make the 40 MB stream"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
cd "$(tmpdir)" || fail "cd"

/usr/bin/time -f '%M' -o rss "$M3U8NAS" get --allow-private -j 8 \
	-o big.mp4 "$ORIGIN/${big##*/}/index.m3u8" >/dev/null 2>err ||
	fail "big: $(cat err)"
rss=$(tail -1 rss)
src=$(wc -c <"$big/source.ts")
out=$(wc -c <big.mp4)
echo "source $src bytes, output $out bytes, peak RSS $rss KB"
[ "$out" -gt $((src / 2)) ] || fail "output too small ($out of $src)"
[ "$rss" -lt 32768 ] || fail "peak RSS $rss KB, want < 32 MB"
exit 0
