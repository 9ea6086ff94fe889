#!/bin/sh
# t-get-diskfull - a full disk pauses the download (nothing fails, nothing
# is lost) and it resumes by itself when space returns. Uses a small tmpfs
# (root only; skipped elsewhere).
. "$top_srcdir/tests/integ/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"
mkdir small
mount -t tmpfs -o size=256k,mode=0755 tmpfs small 2>/dev/null ||
	skip "cannot mount a tmpfs here"
on_exit "umount '$(tmpdir)/small'"

"$M3U8NAS" get --allow-private -j 2 -o small/out.mp4 \
	"$ORIGIN/plain/index.m3u8" >out 2>err &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 'grep -q "paused: disk full" out' 30 ||
	fail "no pause on a full disk: $(tail -2 out) $(cat err)"
kill -0 $pid 2>/dev/null || fail "gave up instead of pausing: $(cat err)"
mount -o remount,size=32m "$(tmpdir)/small" || fail "cannot grow the tmpfs"
rc=0
wait $pid || rc=$?
[ "$rc" -eq 0 ] || fail "after space returned: exit $rc: $(cat err)"
assert_same_media small/out.mp4 "$sd/plain"
for n in 0 1 2 3 4; do
	c=$(origin_count /plain/seg$n.ts)
	[ "$c" -ge 1 ] && [ "$c" -le 3 ] || fail "seg$n fetched $c times"
done
echo "ok: paused on a full disk, resumed, $(grep -c paused out) paused lines"
exit 0
