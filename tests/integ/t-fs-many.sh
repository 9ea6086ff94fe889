#!/bin/sh
# t-fs-many - 10,000 jobs in the store: every listing is complete, any job
# reads at once. (Speed is measured by bench/fs-bench.sh, not here.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/fs-lib.sh"

seed bulk 10000 j
fs_mount
[ "$(ls "$mnt/jobs" | wc -l)" -eq 10000 ] || fail "ls jobs/: $(ls "$mnt/jobs" | wc -l)"
[ "$(ls -f "$mnt/by-name" | grep -cv '^\.')" -eq 10000 ] || fail "by-name"
"$PYTHON3" - "$mnt" "$db" <<'PY' || fail "by-status listings differ from the store"
import os, sqlite3, sys
mnt, db = sys.argv[1:3]
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
for (s,) in c.execute("SELECT DISTINCT status FROM jobs"):
    want = {i for (i,) in c.execute("SELECT id FROM jobs WHERE status = ?", (s,))}
    got = set(os.listdir(os.path.join(mnt, "by-status", s)))
    assert got == want, (s, len(got), len(want))
    assert len(want) > 1000
PY
# fs-seed bulk gives job i the i % 7th state: 9999 % 7 = 3, paused
[ "$(cat "$mnt/jobs/j9999/status")" = paused ] || fail "j9999 status"
grep -qx "total: 10000" "$mnt/status" || fail "status total"
[ "$(cat "$mnt/by-name/j4242-video/info.json" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["id"])')" = j4242 ] ||
	fail "by-name in a big store"
echo "ok"
