#!/bin/sh
# t-fs-live - a real download from the local origin, watched through the
# mount: progress moves between two reads a second apart and agrees with
# the store, `tail -f`/`tail -F` follow it, `ctl` cancel stops the job and `ctl` retry brings it back, the
# finished video reads through its job folder byte for byte, and with the
# spooler stopped the tree still answers and says so.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

FS=$top_builddir/fs/m3u8nas-fs
[ -c /dev/fuse ] || skip "/dev/fuse is absent"
command -v fusermount3 >/dev/null 2>&1 || skip "fusermount3 is not installed"
MNT=$(tmpdir)/mnt
FS_LOG=$(tmpdir)/fs.log
mkdir -p "$MNT"

# Slow enough to watch: ~100 KB segments at 40 KB/s, one at a time.
origin_start --rate 40000
spool_conf "segment_concurrency = 1;" "mount_point = \"$MNT\";"
spoold_start
"$FS" -c "$SPOOL_CONF" -f >"$FS_LOG" 2>&1 &
FS_PID=$!
on_exit "fusermount3 -u '$MNT' 2>/dev/null; kill $FS_PID 2>/dev/null; wait $FS_PID 2>/dev/null"
if ! wait_for "grep -q ' $MNT fuse' /proc/mounts" 10; then
	grep -q '^fuse:' "$FS_LOG" && skip "cannot mount: $(head -1 "$FS_LOG")"
	cat "$FS_LOG" >&2
	fail "m3u8nas-fs did not mount"
fi

drop concert.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"Concert\"}"
wait_for "[ \"\$(cat '$MNT/by-name/concert/status' 2>/dev/null)\" = downloading ]" 15 ||
	fail "the job never showed as downloading: $(ls -R "$MNT" | head -20)"
id=$(basename "$(readlink "$MNT/by-name/concert")")
[ "$id" = "$(sql "SELECT id FROM jobs WHERE job_name = 'concert';")" ] ||
	fail "by-name/concert -> $id"
grep -qx "spooler: alive" "$MNT/status" || fail "status: $(cat "$MNT/status")"
grep -qx "active: 1" "$MNT/status" || fail "active: $(cat "$MNT/status")"

# Two reads a second apart differ, and each lies between the store's
# values just before and just after it.
"$PYTHON3" - "$MNT/jobs/$id/progress" "$DB" "$id" <<'PY' || fail "progress does not follow the store"
import re, sqlite3, sys, time
path, db, jid = sys.argv[1:4]
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
def store():
    return c.execute("SELECT segments_done, bytes_done FROM jobs WHERE id = ?",
                     (jid,)).fetchone()
seen = []
for _ in range(2):
    before = store()
    text = open(path).read()
    after = store()
    m = re.fullmatch(r"(\d+\.\d)% (\d+)/(\d+) segments (\S+ \S*B/s) ETA (\S+)\n", text)
    assert m, text
    done = int(m.group(2))
    assert before[0] <= done <= after[0], (before, text, after)
    seen.append(text)
    time.sleep(1)
assert seen[0] != seen[1], seen
PY

[ "$(cat "$MNT/jobs/$id/url")" = "$ORIGIN/plain/index.m3u8" ] || fail "url"
[ "$(cat "$MNT/jobs/$id/title")" = "Concert" ] || fail "title: $(cat "$MNT/jobs/$id/title")"
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"] in ("downloading","merging") and d["job_name"] == "concert", d' \
	"$MNT/jobs/$id/info.json" || fail "info.json"

# tail -f and tail -F follow the progress file: inotify sees nothing on
# FUSE, tail polls st_size, and an open file read to its end grows by one
# line a change. Two distinct lines from each tail is following.
TD=$(tmpdir)
origin_ctl "set?rate=10000" >/dev/null	# still downloading when they look
tail -n +1 -f "$MNT/jobs/$id/progress" >"$TD/f" 2>"$TD/f.err" &
T1=$!
tail -n +1 -F "$MNT/jobs/$id/progress" >"$TD/F" 2>"$TD/F.err" &
T2=$!
on_exit "kill $T1 $T2 2>/dev/null"
wait_for "[ \$(sort -u '$TD/f' | wc -l) -ge 2 ] && [ \$(sort -u '$TD/F' | wc -l) -ge 2 ]" 30 ||
	fail "tail does not follow: -f: $(cat "$TD/f" "$TD/f.err") -F: $(cat "$TD/F" "$TD/F.err")"
kill $T1 $T2 2>/dev/null
wait $T1 $T2 2>/dev/null
origin_ctl "set?rate=40000" >/dev/null
grep -Ev '^[0-9]+\.[0-9]% [0-9]+/[0-9]+ segments ' "$TD/f" "$TD/F" &&
	fail "tail printed something that is no progress line"
# A plain read still sees one snapshot: one line.
[ "$(wc -l <"$MNT/jobs/$id/progress")" = 1 ] || fail "cat sees more than one snapshot"

# ctl cancel stops it.
echo cancel >"$MNT/jobs/$id/ctl" || fail "writing cancel"
wait_job "$id" cancelled 5
[ "$(cat "$MNT/jobs/$id/status")" = cancelled ] || fail "status after cancel"
[ -L "$MNT/by-status/cancelled/$id" ] || fail "by-status/cancelled"
grep -qx "active: 0" "$MNT/status" || fail "still active: $(cat "$MNT/status")"

# ctl retry brings it back; at full speed it completes.
origin_ctl "set?rate=0" >/dev/null
printf 'retry\r\n' >"$MNT/jobs/$id/ctl" || fail "writing retry"
wait_job "$id" completed 60
out=$(job_field "$id" file_path)
[ "$(cat "$MNT/jobs/$id/output")" = "$out" ] || fail "output: $(cat "$MNT/jobs/$id/output")"
cmp "$out" "$MNT/jobs/$id/$(basename "$out")" || fail "the video through the mount differs"
cmp "$out" "$MNT/by-name/concert/$(basename "$out")" || fail "the video through by-name differs"
case "$(cat "$MNT/jobs/$id/progress")" in
100.0%*) ;; *) fail "progress when done: $(cat "$MNT/jobs/$id/progress")" ;;
esac

# The spooler stops: the tree answers and says so.
spoold_stop
wait_for "grep -qx 'spooler: stopped' '$MNT/status'" 10 || fail "status: $(cat "$MNT/status")"
[ "$(cat "$MNT/jobs/$id/status")" = completed ] || fail "the tree without the spooler"
kill -TERM "$FS_PID"
wait "$FS_PID" || fail "m3u8nas-fs exited non-zero on SIGTERM"
grep -q " $MNT fuse" /proc/mounts && fail "still mounted after SIGTERM"
exit 0
