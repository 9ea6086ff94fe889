#!/bin/sh
# t-get-live - a live playlist (no ENDLIST, a sliding 3-segment window) is
# reloaded per RFC 8216 and recorded until the origin ends it: every
# segment once, and the result equals the source.
. "$top_srcdir/tests/integ/lib.sh"
origin_start --live-speed 1
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

origin_ctl live-reset >/dev/null
"$M3U8NAS" get --allow-private -o live.mp4 "$ORIGIN/live/one/index.m3u8" \
	>out 2>err || fail "live: $(cat err)"
assert_same_media live.mp4 "$sd/live/one"
for n in 0 1 2 3 4 5; do
	[ "$(origin_count /live/one/seg$n.ts)" -eq 1 ] ||
		fail "seg$n: $(origin_count /live/one/seg$n.ts) requests"
done
reloads=$(origin_count /live/one/index.m3u8)
# 6 s of media, reloaded every target duration (1 s) or half of it.
[ "$reloads" -ge 5 ] && [ "$reloads" -le 20 ] ||
	fail "$reloads playlist loads for 6 s of live media"
echo "ok: live, $reloads playlist loads"
exit 0
