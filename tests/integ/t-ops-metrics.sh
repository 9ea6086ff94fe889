#!/bin/sh
# t-ops-metrics - /metrics after real work: a job that completes and two
# that fail (404, 403) run through m3u8nas-spoold, a known number of
# requests reach m3u8nas-httpd; then the exposition passes `promtool check
# metrics`, the finished jobs are counted by result and reason class, each
# request-duration histogram counts exactly the requests of its route,
# responses by status class add up, the queue, disk and per-daemon
# process series are there, and every metric etc/m3u8nas-alerts.yml names
# is exported.
. "$top_srcdir/tests/integ/httpd-lib.sh"
command -v promtool >/dev/null 2>&1 || skip "promtool not found (Debian: prometheus)"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not found"
SPOOLD="$top_builddir/spooler/m3u8nas-spoold"
[ -x "$SPOOLD" ] || skip "no $SPOOLD"
origin_start

write_conf "" "min_free_mb = 1;"
start_httpd
"$SPOOLD" -f -c "$W/m3u8nas.conf" >"$W/spoold.log" 2>&1 &
spid=$!
on_exit "kill $spid 2>/dev/null; wait $spid 2>/dev/null"
DB=$W/spool/state/m3u8nas.db
sql() { sqlite3 -readonly -cmd '.timeout 3000' "$DB" "$1" 2>/dev/null; }
# The spooler's heartbeat (and its cpu/rss) is in the store.
wait_for "[ \"\$(sql \"SELECT count(*) FROM spooler WHERE key = 'rss_bytes'\")\" = 1 ]" 30 ||
	bad "the spooler wrote no rss_bytes"

# metric NAME{LABELS}: the value of one exact series in $W/body
metric() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }' "$W/body"
}
# is NAME{LABELS} WANT WHAT
is() {
	_v=$(metric "$1")
	[ "$_v" = "$2" ] && ok "$3 ($1 = $2)" || bad "$3: $1 is $_v, want $2"
}

# --- the work: three jobs, a known number of requests per route
req POST /api/download -d "{\"url\": \"$ORIGIN/master/index.m3u8\", \"title\": \"Good\", \"quality\": \"240p\"}"
expect 201 "post a job that completes"
good=$(jget 'j["job_id"]')
req POST /api/download -d "{\"url\": \"$ORIGIN/nothing-here/index.m3u8\", \"title\": \"Bad\"}"
expect 201 "post a job that fails (404)"
bad_id=$(jget 'j["job_id"]')
req POST /api/download -d "{\"url\": \"$ORIGIN/protected/index.m3u8\", \"title\": \"Denied\"}"
expect 201 "post a job the origin refuses (403, no cookie)"
denied=$(jget 'j["job_id"]')
for _ in 1 2 3 4 5; do req GET /api/health; done
expect 200 "5 x /api/health"
for p in /nope /api/nope /api/jobs/x/nope; do req GET "$p"; done
expect 404 "3 x unknown routes"
NOAUTH=1 req GET /api/status
NOAUTH=1 req GET /api/status
expect 401 "2 x /api/status without a token"
wait_for "[ \"\$(sql \"SELECT status FROM jobs WHERE id = '$good'\")\" = completed ]" 90 ||
	bad "job $good: $(sql "SELECT status, error_msg FROM jobs WHERE id = '$good'")"
wait_for "[ \"\$(sql \"SELECT status FROM jobs WHERE id = '$bad_id'\")\" = failed ]" 90 ||
	bad "job $bad_id: $(sql "SELECT status, error_msg FROM jobs WHERE id = '$bad_id'")"
wait_for "[ \"\$(sql \"SELECT status FROM jobs WHERE id = '$denied'\")\" = failed ]" 90 ||
	bad "job $denied: $(sql "SELECT status, error_msg FROM jobs WHERE id = '$denied'")"
[ "$(sql "SELECT error_kind FROM jobs WHERE id = '$denied'")" = denied ] &&
	ok "the row records the error kind (denied)" ||
	bad "error_kind of $denied: $(sql "SELECT error_kind, error_msg FROM jobs WHERE id = '$denied'")"

# --- the first scrape
req GET /metrics
expect 200 "GET /metrics"
cp "$W/body" "$W/metrics.txt"
# promtool exits 0 with lint remarks on its output: none wanted either.
if promtool check metrics <"$W/metrics.txt" >"$W/promtool.out" 2>&1 &&
    [ ! -s "$W/promtool.out" ]; then
	ok "promtool check metrics"
else
	bad "promtool check metrics: $(cat "$W/promtool.out")"
fi
H=m3u8nas_http_request_duration_seconds
is "${H}_count{route=\"/api/health\"}" 5 "health requests counted"
is "${H}_bucket{route=\"/api/health\",le=\"+Inf\"}" 5 "+Inf bucket = count"
is "${H}_count{route=\"other\"}" 3 "unknown routes counted as other"
is "${H}_count{route=\"/api/status\"}" 2 "refused status requests counted"
is "${H}_count{route=\"/api/download\"}" 3 "posts counted"
is "${H}_count{route=\"/metrics\"}" 0 "this scrape is not in its own answer"
is "${H}_count{route=\"/api/jobs/{id}\"}" 0 "route patterns, no ids"
is 'm3u8nas_http_responses_total{class="2xx"}' 8 "2xx answers"
is 'm3u8nas_http_responses_total{class="4xx"}' 5 "4xx answers"
is 'm3u8nas_http_responses_total{class="5xx"}' 0 "no 5xx"
# buckets are cumulative and end at the count
"$PYTHON3" - "$W/metrics.txt" <<'PY' && ok "buckets cumulative, sums = counts" || bad "histogram shape"
import re, sys
b, c = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r'(\w+)_bucket\{(.*),le="([^"]+)"\} (\S+)', line)
    if m:
        b.setdefault((m[1], m[2]), []).append(float(m[4]))
    m = re.match(r'(\w+)_count\{(.*)\} (\S+)', line)
    if m:
        c[(m[1], m[2])] = float(m[3])
ok = all(v == sorted(v) and v[-1] == c[k] for k, v in b.items())
sys.exit(0 if ok and b else 1)
PY
grep -q -e "$good" -e "$bad_id" "$W/metrics.txt" && bad "a job id in /metrics"
# jobs: one completed, one failed with HTTP 404 (permanent), one with 403
# (denied)
F=m3u8nas_jobs_finished_total
is "$F{result=\"completed\",reason=\"none\"}" 1 "one job completed"
is "$F{result=\"failed\",reason=\"permanent\"}" 1 "one failed, reason class permanent"
is "$F{result=\"failed\",reason=\"denied\"}" 1 "one failed, reason class denied"
is "$F{result=\"cancelled\",reason=\"cancelled\"}" 0 "none cancelled"
D=m3u8nas_download_duration_seconds
is "${D}_count{result=\"completed\"}" 1 "download duration of the completed job"
is "${D}_count{result=\"failed\"}" 2 "download durations of the failed jobs"
is "${D}_bucket{result=\"completed\",le=\"+Inf\"}" 1 "duration +Inf bucket"
B=m3u8nas_job_downloaded_bytes
is "${B}_count{result=\"completed\"}" 1 "bytes of the completed job"
want=$(sql "SELECT bytes_done FROM jobs WHERE id = '$good'")
[ "$(metric "${B}_sum{result=\"completed\"}")" = "$want.000000" ] && [ "$want" -gt 0 ] &&
	ok "bytes per job = the row's bytes_done ($want)" ||
	bad "bytes sum $(metric "${B}_sum{result=\"completed\"}") != $want"
grep -q "$TOKEN" "$W/metrics.txt" && bad "the token in /metrics"
is 'm3u8nas_queue_length' 0 "queue empty"
is 'm3u8nas_active_downloads' 0 "nothing active"
for v in spool library; do
	for f in total free used; do
		_x=$(metric "m3u8nas_disk_${f}_bytes{volume=\"$v\"}")
		[ "$_x" != none ] && [ "$_x" -ge 0 ] 2>/dev/null ||
			bad "m3u8nas_disk_${f}_bytes{volume=\"$v\"} = $_x"
	done
done
ok "disk total/free/used for spool and library"
for d in m3u8nas-httpd m3u8nas-spoold; do
	_c=$(metric "m3u8nas_process_cpu_seconds_total{daemon=\"$d\"}")
	_r=$(metric "m3u8nas_process_resident_memory_bytes{daemon=\"$d\"}")
	[ "$_c" != none ] && [ "${_r:-0}" != none ] && [ "$_r" -gt 1000000 ] &&
		ok "$d: cpu $_c s, rss $_r" || bad "$d: cpu $_c rss $_r"
done

# --- every metric a rule names is exported
names=$(grep -o 'm3u8nas_[a-z_]*' "$top_srcdir/etc/m3u8nas-alerts.yml" | sort -u)
[ -n "$names" ] || bad "no metric names in the rules"
for n in $names; do
	grep -q "^$n[{ ]" "$W/metrics.txt" && ok "rule metric $n exported" ||
		bad "rule metric $n is not in /metrics"
done

# --- the second scrape counts the first
req GET /metrics
is "${H}_count{route=\"/metrics\"}" 1 "the first scrape counted"
finish
