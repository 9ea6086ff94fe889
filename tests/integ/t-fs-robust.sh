#!/bin/sh
# t-fs-robust - the tree answers with no store yet, picks the store and new
# jobs up without a remount, says whether the spooler is alive, survives a
# store that is not a database, takes the mount point from the command line
# or the configuration, supports allow_other, unmounts cleanly on SIGTERM
# and SIGINT, recovers a mount left stale by kill -9 and refuses to mount
# over a live one.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/fs-lib.sh"

"$FS" --version | grep -q "^m3u8nas-fs [0-9]" || fail "--version"
"$FS" --help | grep -q -- "-c, --config=FILE" || fail "--help"
"$FS" --help | grep -q -- "allow_other" || fail "--help lists libfuse's options"
if "$FS" -c "$work/no-such.conf" -f 2>"$work/err"; then fail "missing config accepted"; fi
grep -q "no-such.conf" "$work/err" || fail "missing config: $(cat "$work/err")"

# 1. No store yet: an empty tree that says why. Mount point from the config.
fs_mount -o allow_other
grep " $mnt fuse" /proc/mounts | grep -q allow_other || fail "allow_other not in effect"
grep -q "^store: unavailable" "$mnt/status" || fail "status without a store: $(cat "$mnt/status")"
grep -qx "spooler: stopped" "$mnt/status" || fail "spooler without a store"
grep -qx "queue: 0" "$mnt/status" || fail "queue without a store"
[ -z "$(ls "$mnt/jobs")" ] || fail "jobs/ not empty without a store"
[ -z "$(ls "$mnt/by-status/pending")" ] || fail "by-status without a store"
[ -z "$(ls "$mnt/by-name")" ] || fail "by-name without a store"

# 2. The spooler creates the store and a job: seen without a remount.
seed add j1 status=downloading name=first progress=5 done=1 total=20
seed heartbeat
i=0
until [ -f "$mnt/jobs/j1/progress" ]; do
	i=$((i + 1)); [ $i -lt 40 ] || fail "the new store was not picked up"
	sleep 0.1
done
grep -qx "store: ok" "$mnt/status" || fail "store: $(cat "$mnt/status")"
grep -qx "spooler: alive" "$mnt/status" || fail "spooler alive: $(cat "$mnt/status")"
grep -qx "active: 1" "$mnt/status" || fail "active"

# 3. The spooler stops (its heartbeat goes stale): the tree still answers.
seed heartbeat 60
grep -qx "spooler: stopped" "$mnt/status" || fail "stale heartbeat: $(cat "$mnt/status")"
[ "$(cat "$mnt/jobs/j1/status")" = downloading ] || fail "job while stopped"
seed add j2 status=pending
[ "$(cat "$mnt/by-status/pending/j2/status")" = pending ] || fail "new job while stopped"

# 4. SIGTERM unmounts and exits 0.
fs_stop TERM

# 5. Mount point on the command line wins; SIGINT unmounts too.
mnt2=$work/mnt2
mkdir "$mnt2"
# (a shell starts background jobs with SIGINT ignored, and libfuse leaves
# an ignored signal alone: give the program SIGINT back)
if env --default-signal=INT true 2>/dev/null; then
	sigint="env --default-signal=INT"
else
	sigint=
fi
$sigint "$FS" -c "$conf" -f "$mnt2" >"$work/fs.log" 2>&1 &
fs_pid=$!
i=0
until is_mounted "$mnt2"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no mount on the command line's point"
	sleep 0.1
done
is_mounted "$mnt" && fail "mounted on the config's point too"
[ "$(cat "$mnt2/jobs/j1/status")" = downloading ] || fail "second mount"
mnt_saved=$mnt
mnt=$mnt2
if [ -n "$sigint" ]; then fs_stop INT; else fs_stop TERM; fi
mnt=$mnt_saved

# 6. Without -f it forks into the background, with a relative spool path.
cd "$work"
cat >rel.conf <<CONF
spool_dir = "spool";
mount_point = "mnt";
CONF
"$FS" -c rel.conf || fail "daemon mode"
i=0
until is_mounted "$mnt"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "daemon did not mount"
	sleep 0.1
done
cd /
[ "$(cat "$mnt/jobs/j1/status")" = downloading ] || fail "daemon reads the relative spool"
fusermount3 -u "$mnt" || fail "fusermount3 -u"
is_mounted "$mnt" && fail "still mounted after fusermount3 -u"

# 7. A store that is not a database: the tree answers and says why.
rm -f "$db" "$db-wal" "$db-shm"
echo "not a database at all, not even close to one" >"$db"
fs_mount
grep -q "^store: unavailable - ." "$mnt/status" ||
	fail "garbage store: $(cat "$mnt/status")"
[ -z "$(ls "$mnt/jobs")" ] || fail "jobs from a garbage store"
if cat "$mnt/jobs/j1/status" 2>/dev/null; then fail "a job from garbage"; fi
fs_stop TERM

# 8. A mount left stale by kill -9 (ENOTCONN): the next start unmounts it
# lazily, says so, and serves; a live mount is never mounted over.
rm -f "$db" "$db-wal" "$db-shm"
seed add j1 status=downloading name=first progress=5 done=1 total=20
fs_mount
kill -KILL "$fs_pid"
wait "$fs_pid" 2>/dev/null || true
fs_pid=
if stat "$mnt" >/dev/null 2>"$work/stat.err"; then
	fail "no stale mount after kill -9"
fi
grep -q "not connected" "$work/stat.err" || fail "stale: $(cat "$work/stat.err")"
# The stale entry is still in /proc/mounts: fs_mount returns at once, so
# wait for the new process to have mounted (its log says so).
fs_mount
i=0
until grep -q "mounted on" "$work/fs.log"; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "no mount after the stale one: $(cat "$work/fs.log")"
	sleep 0.1
done
grep -q "stale mount" "$work/fs.log" || fail "stale mount not logged: $(cat "$work/fs.log")"
[ "$(cat "$mnt/jobs/j1/status")" = downloading ] || fail "not serving after the stale mount"
[ "$(grep -c " $mnt fuse" /proc/mounts)" = 1 ] || fail "mounts: $(grep " $mnt " /proc/mounts)"
if "$FS" -c "$conf" -f >"$work/fs2.log" 2>&1; then
	fail "a second m3u8nas-fs mounted over a live one"
fi
grep -q "a live m3u8nas-fs is already mounted there" "$work/fs2.log" ||
	fail "second mount: $(cat "$work/fs2.log")"
[ "$(cat "$mnt/jobs/j1/status")" = downloading ] || fail "the live mount after a refused second"
fs_stop TERM
echo "ok"
