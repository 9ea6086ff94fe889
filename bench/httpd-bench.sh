#!/bin/sh
# httpd-bench.sh - m3u8nas-httpd under wrk(1): TLS keep-alive on 127.0.0.1.
#
#   bench/httpd-bench.sh [BUILDDIR] [SECONDS] [CONNECTIONS]
#
# Seeds a store with 1000 jobs (tests/integ/httpd-seed), starts the endpoint with
# the rate limit off and the access log on (as in production, into a file),
# then measures with `wrk --latency` (one thread per core, keep-alive):
#   GET  /api/jobs/{id}   one SQLite read + JSON per request
#   POST /api/download    unique urls (bench/httpd-post.lua): validate,
#                         dedupe lookup, write + fsync + rename a .job
# Prints requests/s and p99 for each, and the ratio to the targets
# (>= 5,000 req/s and p99 <= 5 ms for the GET). Needs wrk (scripts/deps.sh
# --bench). Loopback only; everything in a temporary directory
# (BENCH_TMPFS=1: on /dev/shm).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${2:-10}
conns=${3:-32}
httpd=$build/helper/m3u8nas-httpd
seed=$build/tests/integ/httpd-seed
command -v wrk >/dev/null || { echo "wrk not found (scripts/deps.sh --bench)"; exit 1; }
[ -x "$httpd" ] && [ -x "$seed" ] || { echo "build first: make && make check-programs"; exit 1; }
[ -x "$seed" ] || { echo "no $seed (make tests/integ/httpd-seed)"; exit 1; }

# BENCH_TMPFS=1: spool on /dev/shm, to separate fsync from the server's work
base=${TMPDIR:-/tmp}
[ "${BENCH_TMPFS:-0}" = 1 ] && base=/dev/shm
w=$(mktemp -d "$base/httpd-bench.XXXXXX")
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$w"' EXIT
token=bench-token-0123456789
cat >"$w/m3u8nas.conf" <<CONF
spool_dir = "$w/spool";
library_dir = "$w/library";
log_file = "$w/httpd.log";
http = {
  listen = "127.0.0.1:0";
  tokens = [ "$token" ];
  rate_limit_per_minute = 0;
  max_connections = 1024;
};
CONF
mkdir -p "$w/spool/state" "$w/library"
now=$(date +%s)
i=0
while [ $i -lt 1000 ]; do
	i=$((i + 1))
	echo "job$i completed $((now - 100000 + i)) https://cdn.example.com/v/$i/master.m3u8"
done | "$seed" "$w/spool/state/m3u8nas.db" >/dev/null
"$httpd" -f -c "$w/m3u8nas.conf" 2>"$w/stderr" &
pid=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*"msg":"https:\/\/127\.0\.0\.1:\([0-9]*\)\/".*/\1/p' \
	    "$w/httpd.log" 2>/dev/null | tail -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "m3u8nas-httpd did not start"; cat "$w/stderr"; exit 1; }
url=https://127.0.0.1:$port
threads=$(nproc 2>/dev/null || echo 2)
[ "$threads" -gt "$conns" ] && threads=$conns

# to_ms "1.23ms" | "456.00us" | "1.01s" -> milliseconds
to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0;
	    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
	    else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

# cpu: the server's user + system CPU time so far, in clock ticks
cpu() {
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}

run() {	# run NAME [wrk args...]
	name=$1
	shift
	c0=$(cpu)
	wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$@" >"$w/$name.out"
	c1=$(cpu)
	rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$w/$name.out")
	total=$(awk '/requests in/ { print $1 }' "$w/$name.out")
	# requests per second of the server's own CPU time: what one core
	# serves, whatever else the machine is doing
	percpu=$(awk -v n="$total" -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%d", (t > 0) ? n / (t / hz) : 0 }')
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$w/$name.out")")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$w/$name.out")")
	errs=$(grep -E 'Non-2xx|Socket errors' "$w/$name.out" | tr '\n' ' ' || true)
	printf '%-6s %7s req/s  p50 %7s ms  p99 %7s ms  %7s req per CPU-s  %s\n' \
	    "$name" "$rps" "$p50" "$p99" "$percpu" "$errs"
	eval "${name}_rps=\$rps ${name}_p99=\$p99"
}

curl -sfk -H "Authorization: Bearer $token" "$url/api/jobs/job500" \
    >/dev/null || { echo "GET /api/jobs/job500 fails"; exit 1; }
echo "m3u8nas-httpd bench: wrk -t$threads -c$conns -d${secs}s, TLS keep-alive, $(nproc) cores"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
run health "$url/api/health"
run get -H "Authorization: Bearer $token" "$url/api/jobs/job500"
TOKEN=$token run post -s "$here/httpd-post.lua" "$url/api/download"
jobs=$(ls "$w/spool/incoming" | wc -l)
echo "POST wrote $jobs .job files"
awk -v r="$get_rps" -v p="$get_p99" 'BEGIN {
    printf "GET vs targets: %.2fx the 5000 req/s, p99 %.2fx the 5 ms budget (%s)\n",
        r / 5000, p / 5, (r >= 5000 && p <= 5) ? "met" : "NOT met" }'
