#!/bin/sh
# t-fs-tree - the mounted tree shows every job in every state as the store
# has it: each file's text and size, info.json, the finished video, the
# by-status and by-name views, /status; every reader reads it; progress
# moves between two reads; refused operations give their errno.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/fs-lib.sh"

head -c 300000 /dev/urandom >"$library/Concert 2024.mp4"
seed add d1 status=downloading name=concert title="Concert 2024" \
	progress=42.5 done=85 total=200 speed=12300000 eta=65 bytes=5000000 \
	referer=https://example.com/watch headers='{"Cookie":"a=b"}' created=100
seed add m1 status=merging name=lecture progress=95 done=10 total=10 \
	speed=800 eta=4000 created=101
seed add p1 status=pending name=queued created=102
seed add z1 status=paused name=paused-one progress=10 done=1 total=10 \
	created=103
seed add c1 status=completed name=concert progress=100 done=50 total=50 \
	size=300000 file="$library/Concert 2024.mp4" title="Concert 2024" \
	created=104
seed add f1 status=failed name=broken error="HTTP 403 Access denied" \
	created=105
seed add x1 status=cancelled created=106
seed add c2 status=completed name=gone file="$library/missing.mp4" \
	created=107
seed heartbeat
fs_mount

"$PYTHON3" "$top_srcdir/tests/integ/fs-check.py" tree "$mnt" "$db" ||
	fail "the tree differs from the store"
"$PYTHON3" "$top_srcdir/tests/integ/fs-check.py" errors "$mnt" d1 ||
	fail "a refused operation gave the wrong errno"

# Every reader gets the whole text: cat, grep, tail, head, less, dd, wc,
# Python, and sizes agree with what is read.
p=$mnt/jobs/d1/progress
want="42.5% 85/200 segments 12.3 MB/s ETA 1:05"
[ "$(cat "$p")" = "$want" ] || fail "cat: $(cat "$p")"
grep -q "^42.5% 85/200 segments" "$p" || fail "grep"
[ "$(tail -n 1 "$p")" = "$want" ] || fail "tail -n 1: $(tail -n 1 "$p")"
[ "$(tail -c 9 "$p")" = "ETA 1:05" ] || fail "tail -c: $(tail -c 9 "$p")"
[ "$(head -c 5 "$p")" = "42.5%" ] || fail "head -c"
[ "$(dd if="$p" bs=1 status=none)" = "$want" ] || fail "dd bs=1"
[ "$(wc -c <"$p")" -eq $((${#want} + 1)) ] || fail "wc -c"
[ "$(stat -c %s "$p")" -eq $((${#want} + 1)) ] || fail "st_size"
if command -v less >/dev/null 2>&1; then
	[ "$(less "$p")" = "$want" ] || fail "less: $(less "$p")"
fi
out=$("$PYTHON3" -c 'import sys; print(open(sys.argv[1]).read(), end="")' "$p")
[ "$out" = "$want" ] || fail "python read(): $out"
out=$("$PYTHON3" -c 'import sys; print(open(sys.argv[1]).readlines()[-1], end="")' "$mnt/status")
case "$out" in store:*) ;; *) fail "python readlines on status: $out" ;; esac
seed heartbeat
[ "$(tail -n 2 "$mnt/status" | head -1)" = "spooler: alive" ] ||
	fail "tail of status: $(tail -n 2 "$mnt/status")"
cmp "$library/Concert 2024.mp4" "$mnt/jobs/c1/Concert 2024.mp4" ||
	fail "the video through the job folder differs"
cmp "$library/Concert 2024.mp4" "$mnt/by-name/concert/Concert 2024.mp4" ||
	fail "the video through by-name differs"
[ "$(readlink "$mnt/by-name/concert")" = "../jobs/c1" ] ||
	fail "by-name/concert is not the newest concert job"
[ -d "$mnt/by-name/concert~d1" ] || fail "the older concert job has no name~id entry"

# Always fresh: the next read after a store change shows it.
before=$(cat "$p")
seed set d1 progress=43.0 done=86
after=$(cat "$p")
[ "$before" != "$after" ] || fail "progress did not change: $after"
[ "$after" = "43.0% 86/200 segments 12.3 MB/s ETA 1:05" ] || fail "after: $after"
# An open file keeps its snapshot: size and text agree while the row moves.
"$PYTHON3" - "$p" "$SEED" "$db" <<'PY' || fail "an open file's size and text disagree"
import os, subprocess, sys
p, seed, db = sys.argv[1:4]
fd = os.open(p, os.O_RDONLY)
subprocess.check_call([seed, db, "set", "d1", "progress=7.25", "done=123456"])
end = os.lseek(fd, 0, os.SEEK_END)
text = os.pread(fd, 4096, 0)
os.close(fd)
assert end == len(text), (end, text)
assert text.startswith(b"43.0% 86/200"), text
assert open(p).read().startswith("7.2% 123456/200"), open(p).read()
PY
# A job added after the mount shows at once.
seed add n1 status=pending name=newcomer
[ "$(cat "$mnt/jobs/n1/status")" = pending ] || fail "a new job is not seen"
ls "$mnt/jobs" | grep -qx n1 || fail "a new job is not listed"
[ "$(cat "$mnt/by-name/newcomer/status")" = pending ] || fail "by-name newcomer"
echo "ok"
