#!/bin/sh
# t-deb-fsmount - m3u8nas-fs refuses to mount over a live m3u8nas tree (the
# second would hide the first), and clears a stale mount left by a crash
# ("Transport endpoint is not connected") with a log line, then mounts.
. "$top_srcdir/tests/integ/fs-lib.sh"

seed add j1 status=downloading progress=42.5 title=One
fs_mount
grep -q '^queue:' "$mnt/status" || fail "the first mount does not serve"

# A second m3u8nas-fs on the same point: refused, the first untouched.
rc=0
"$FS" -c "$conf" -f >"$work/fs2.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a second m3u8nas-fs mounted over the live one"
grep -q "already mounted there" "$work/fs2.log" ||
	fail "second mount: no clear line: $(cat "$work/fs2.log")"
[ "$(grep -c " $mnt fuse" /proc/mounts)" = 1 ] || fail "two mounts on $mnt"
grep -q '^queue:' "$mnt/status" || fail "the first mount stopped serving"
echo "ok: a second m3u8nas-fs is refused"

# A crash: the mount stays, its daemon is gone.
kill -9 "$fs_pid"
wait "$fs_pid" 2>/dev/null || true
fs_pid=
stat "$mnt" >"$work/stat.out" 2>&1 && fail "no stale mount after kill -9"
grep -q "not connected" "$work/stat.out" ||
	fail "not the stale-mount error: $(cat "$work/stat.out")"

# A plain restart clears it and mounts.
# Its own log file: fs.log belongs to the first (killed) instance.
"$FS" -c "$conf" -f >"$work/fs-restart.log" 2>&1 &
fs_pid=$!
i=0
until grep -q "mounted on" "$work/fs-restart.log"; do
	kill -0 "$fs_pid" 2>/dev/null || fail "restart failed: $(cat "$work/fs-restart.log")"
	i=$((i + 1))
	[ $i -lt 1200 ] || fail "no mount 120 s after the restart"
	sleep 0.1
done
grep -q "stale mount" "$work/fs-restart.log" ||
	fail "no log line about the stale mount: $(cat "$work/fs-restart.log")"
grep -q '^queue:' "$mnt/status" || fail "the new mount does not serve"
[ "$(grep -c " $mnt fuse" /proc/mounts)" = 1 ] || fail "stacked mounts on $mnt"
echo "ok: a stale mount is cleared with a log line"
fs_stop
