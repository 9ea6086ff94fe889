#!/bin/sh
# web-bench.sh - the NAS's page against a store of N jobs (default 10000):
# first paint, the queue rendered, store write -> SSE event in the page.
#
#   bench/web-bench.sh [-n JOBS] [-r RUNS]     (from a built tree: BUILD=dir)
#
# Seeds the store (one row through tests/integ/httpd-seed, the rest copied
# in one SQL transaction), starts m3u8nas-httpd on 127.0.0.1 with web_dir
# at the source tree's web/, and drives Debian's Chromium with
# playwright-core (the e2e's copy under BUILD/web-e2e/npm).
set -eu
n=10000 runs=5
while getopts n:r: o; do
	case $o in n) n=$OPTARG ;; r) runs=$OPTARG ;; *) exit 2 ;; esac
done
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
pw=${PW_DIR:-$build/web-e2e/npm}
[ -f "$pw/node_modules/playwright-core/package.json" ] ||
	{ echo "web-bench: no playwright-core in $pw (run tests/integ/t-web-e2e.sh once)"; exit 1; }
tmp=$(mktemp -d /tmp/web-bench.XXXXXX)
pid=""
trap '[ -z "$pid" ] || kill $pid; rm -rf "$tmp"' EXIT
db=$tmp/spool/state/m3u8nas.db
mkdir -p "$tmp/spool/state" "$tmp/library"
now=$(date +%s)
echo "seed downloading $now https://cdn.example/seed/index.m3u8" |
	"$build/tests/integ/httpd-seed" "$db" --heartbeat >/dev/null
sqlite3 "$db" "BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n - 1)
INSERT INTO jobs (id, url, title, status, progress, created_at, updated_at, job_name,
    quality, size_bytes, bytes_done, speed_bps, eta_s)
SELECT printf('j%05d', i), printf('https://cdn%d.example/show/%d/index.m3u8?token=t%d', i % 7, i, i),
    printf('Episode %d of a long series', i),
    CASE i % 10 WHEN 0 THEN 'failed' WHEN 1 THEN 'downloading' WHEN 2 THEN 'pending' ELSE 'completed' END,
    CASE i % 10 WHEN 1 THEN 42.5 WHEN 2 THEN 0 WHEN 0 THEN 12 ELSE 100 END,
    $now - i, $now - i, printf('ep%d', i), '720p', 400000000 + i, 1000000, 0, -1 FROM k;
INSERT INTO job_metadata (job_id, source_page, resolution, duration)
SELECT id, 'https://videos.example/watch/' || id, '1280x720', 1800 FROM jobs WHERE id != 'seed';
COMMIT;"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
cat >"$tmp/m3u8nas.conf" <<CONF
spool_dir = "$tmp/spool";
library_dir = "$tmp/library";
http = {
  listen = "127.0.0.1:$port";
  tokens = [ "$key" ];
  web_dir = "$src/web";
  rate_limit_per_minute = 0;
};
CONF
"$build/helper/m3u8nas-httpd" -f -c "$tmp/m3u8nas.conf" 2>"$tmp/httpd.log" &
pid=$!
i=0
until curl -skf "https://127.0.0.1:$port/api/health" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 600 ] || { cat "$tmp/httpd.log"; exit 1; }; sleep 0.1
done
echo "web-bench: $(sqlite3 "$db" 'SELECT count(*) FROM jobs') jobs; load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
t0=$(date +%s%N)
curl -sk -o /dev/null -H "Authorization: Bearer $key" "https://127.0.0.1:$port/api/jobs?limit=100"
t1=$(date +%s%N)
curl -sk -o /dev/null -H "Authorization: Bearer $key" "https://127.0.0.1:$port/api/jobs?limit=100&q=series%20cdn3"
t2=$(date +%s%N)
echo "GET /api/jobs?limit=100: $(( (t1 - t0) / 1000000 )) ms; with a search over $n rows: $(( (t2 - t1) / 1000000 )) ms (curl, TLS handshake included)"
PW_DIR=$pw CHROMIUM=${CHROMIUM:-/usr/bin/chromium} NAS=https://127.0.0.1:$port NAS_KEY=$key DB=$db RUNS=$runs \
	node "$src/bench/web-bench.mjs"
