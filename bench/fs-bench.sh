#!/bin/sh
# fs-bench - m3u8nas-fs over a store of 10,000 jobs: the latency of reading
# jobs/<id>/progress (target p99 <= 2 ms) and the time of listing jobs/
# (target <= 200 ms), idle and while a writer updates the store.
#
#   bench/fs-bench.sh [JOBS]      (after a build in ./build; needs root or
#                                  FUSE rights; hyperfine optional)
#
# The per-read figures come from a tight Python loop (open, read, close:
# no fork in the measure); `cat` and `ls` as whole commands are timed with
# hyperfine when it is installed, beside `cat` of a plain file on disk so
# that the fork+exec share is visible.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
export top_srcdir top_builddir
. "$top_srcdir/tests/integ/fs-lib.sh"
n=${1:-10000}

seed bulk "$n" j
mid=j$((n / 2))
seed set "$mid" status=downloading progress=42.5 done=85 total=200 \
	speed=12300000 eta=65
fs_mount

measure() {
	"$PYTHON3" - "$mnt" "$n" "$1" "$fs_pid" <<'PY'
import os, random, statistics, sys, time
mnt, n, label, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
hz = os.sysconf("SC_CLK_TCK")

def cpu_ms():
    """CPU time m3u8nas-fs has used (all threads): what a read costs the
    server, whatever else the machine is doing."""
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000.0 / hz
ids = ["j%d" % random.randrange(n) for _ in range(3000)]

def one(path):
    t = time.perf_counter_ns()
    fd = os.open(path, os.O_RDONLY)
    while os.read(fd, 4096):
        pass
    os.close(fd)
    return (time.perf_counter_ns() - t) / 1e6

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]

for i in ids[:200]:
    one(os.path.join(mnt, "jobs", i, "progress"))
same = [one(os.path.join(mnt, "jobs", "j%d" % (n // 2), "progress"))
        for _ in range(3000)]
c0 = cpu_ms()
rand = [one(os.path.join(mnt, "jobs", i, "progress")) for i in ids]
cpu_read = (cpu_ms() - c0) / len(ids)
status = [one(os.path.join(mnt, "status")) for _ in range(300)]
ls = []
c0 = cpu_ms()
for _ in range(15):
    t = time.perf_counter_ns()
    k = len(os.listdir(os.path.join(mnt, "jobs")))
    ls.append((time.perf_counter_ns() - t) / 1e6)
cpu_ls = (cpu_ms() - c0) / 15
assert k == n, k
print("%-8s progress, one job     : p50 %.3f ms  p99 %.3f ms  max %.3f ms"
      % (label, pct(same, 50), pct(same, 99), max(same)))
print("%-8s progress, random jobs : p50 %.3f ms  p99 %.3f ms  max %.3f ms"
      % (label, pct(rand, 50), pct(rand, 99), max(rand)))
print("%-8s server CPU per random read: %.3f ms" % (label, cpu_read))
print("%-8s status                : p50 %.3f ms  p99 %.3f ms"
      % (label, pct(status, 50), pct(status, 99)))
print("%-8s listdir jobs/ (%d)  : median %.1f ms  max %.1f ms"
      % (label, n, statistics.median(ls), max(ls)))
print("%-8s server CPU per listdir: %.1f ms" % (label, cpu_ls))
PY
}

echo "== m3u8nas-fs, $n jobs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
measure idle

# A writer like the spooler: a progress update every 100 ms.
(
	i=0
	while [ $i -lt 600 ]; do
		"$SEED" "$db" set "$mid" progress=$((i % 90)).5 done=$i >/dev/null 2>&1
		i=$((i + 1))
		sleep 0.1
	done
) &
writer=$!
measure writing
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true

if command -v hyperfine >/dev/null 2>&1; then
	plain=$work/plain-progress
	cat "$mnt/jobs/$mid/progress" >"$plain"
	hyperfine -N --warmup 20 --runs 500 --export-json "$work/h.json" \
		"cat $mnt/jobs/$mid/progress" "cat $plain" \
		"ls $mnt/jobs" >/dev/null 2>&1 || hyperfine --warmup 20 \
		--runs 500 --export-json "$work/h.json" \
		"cat $mnt/jobs/$mid/progress" "cat $plain" "ls $mnt/jobs" >/dev/null
	"$PYTHON3" - "$work/h.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    t = sorted(r["times"])
    p99 = t[min(len(t) - 1, int(len(t) * 0.99))]
    print("hyperfine %-55s mean %.2f ms  p99 %.2f ms"
          % (r["command"][-55:], r["mean"] * 1e3, p99 * 1e3))
PY
else
	echo "(hyperfine not installed: whole-command timings skipped)"
fi
