#!/bin/sh
# t-web-bandwidth.sh - the owner's bandwidth limit (issue 12): one budget
# shared by every transfer of the spooler, from the config file
# (bandwidth_limit), changed at run time through PUT /api/settings (the
# endpoint writes control/settings, the spooler applies it without a
# restart). Checked on what the origin saw: its request log gives, for two
# jobs downloading in parallel, the bytes sent over time, before and after
# the change. No timing is asserted on this side: the rates come from the
# origin's own timestamps.
. "$top_srcdir/tests/integ/httpd-lib.sh"
need_ffmpeg
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not found"
SPOOLD="$top_builddir/spooler/m3u8nas-spoold"

# Two copies of one 48-second stream, 1-second segments of ~60 KB. The
# origin logs a request when its last byte went into the socket: the
# kernel's buffers hold what is in flight (segment_concurrency 2 per job),
# so the windows are long enough (~10 s each) for that slack to fade.
S=$W/streams
mkdir -p "$S/s1"
"$FFMPEG" -nostdin -loglevel error -y \
	-f lavfi -i "testsrc2=size=320x180:rate=24:duration=48" \
	-c:v libx264 -preset ultrafast -b:v 480k -maxrate 480k -bufsize 480k \
	-g 24 -an -f hls -hls_time 1 -hls_playlist_type vod \
	-hls_segment_filename "$S/s1/seg%d.ts" "$S/s1/index.m3u8" ||
	fail "ffmpeg failed"
cp -r "$S/s1" "$S/s2"
"$PYTHON3" "$top_srcdir/tests/integ/origin.py" --root "$S" --port-file "$W/origin.port" \
	--log "$W/origin.log" --max-seconds 300 &
extra_pids="$extra_pids $!"
wait_for "test -s '$W/origin.port'" 20 || fail "origin.py did not start"
O=http://127.0.0.1:$(cat "$W/origin.port")

write_conf "" "max_jobs = 2; segment_concurrency = 2; min_free_mb = 1; bandwidth_limit = \"128K\";"
start_httpd
"$SPOOLD" -f -c "$W/m3u8nas.conf" 2>>"$W/spoold.log" &
spid=$!
extra_pids="$extra_pids $spid"
wait_for "test -f '$W/spool/state/m3u8nas.db'" 20 || fail "the spooler made no store"

req GET /api/settings
jcheck "the config file's limit" 'j["bandwidth_limit"] == "128K" and j["bandwidth_limit_bps"] == 131072'

for n in 1 2; do
	printf '{"url": "%s/s%d/index.m3u8", "title": "bw%d"}' "$O" "$n" "$n" \
	    >"$W/spool/incoming/.bw$n.tmp"
	mv "$W/spool/incoming/.bw$n.tmp" "$W/spool/incoming/bw$n.job"
done

total=$(cat "$S"/s1/*.ts "$S"/s2/*.ts | wc -c)
# sent BYTES: true once the origin has served at least BYTES of segments
served() {
	"$PYTHON3" - "$W/origin.log" "$S" <<'EOF'
import os, sys
n = 0
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 4 and f[1] == 'GET' and f[2].endswith('.ts') and f[3] == '200':
        n += os.path.getsize(os.path.join(sys.argv[2], f[2].lstrip('/')))
print(n)
EOF
}
wait_for '[ "$(served)" -ge $((total * 30 / 100)) ]' 60 || bad "the origin never served 30% (served $(served) of $total)"

# Faster, at run time, through the API.
req PUT /api/settings --data '{"bandwidth_limit": "512K", "schedule": []}'
expect 202 "PUT /api/settings 512K"
wait_for "grep -q '\"bandwidth_limit\":\"512K\"' '$W/spool/state/settings.json' 2>/dev/null" 30 &&
	ok "the spooler applied it (state/settings.json)" || bad "the spooler did not apply the settings"
wait_for "[ ! -e '$W/spool/control/settings' ]" 20 && ok "control/settings consumed" || bad "control/settings not consumed"
# The origin's clock, read now (same host, same clock): requests that end
# later than this plus the drain of one second are the second phase.
t_change=$("$PYTHON3" -c 'import time; print("%.3f" % time.time())')

wait_for "[ \"\$(sqlite3 '$W/spool/state/m3u8nas.db' \"SELECT count(*) FROM jobs WHERE status = 'completed'\" 2>/dev/null)\" = 2 ]" 120 &&
	ok "both jobs completed" || bad "the jobs did not complete: $(sqlite3 "$W/spool/state/m3u8nas.db" 'SELECT id, status, error_msg FROM jobs' 2>&1)"

"$PYTHON3" - "$W/origin.log" "$S" "$t_change" >"$W/rates" <<'EOF'
import os, sys
log, root, t_change = sys.argv[1], sys.argv[2], float(sys.argv[3])
reqs = []
for line in open(log):
    f = line.split()
    if len(f) >= 4 and f[1] == 'GET' and f[2].endswith('.ts') and f[3] == '200':
        reqs.append((float(f[0]), f[2].split('/')[1],
                     os.path.getsize(os.path.join(root, f[2].lstrip('/')))))
reqs.sort()
def rate(rs):
    # the first completions of a phase are what was already in flight
    rs = rs[4:]
    if len(rs) < 4:
        return 0.0, set(), 0.0
    t0, t1 = rs[0][0], rs[-1][0]
    # bytes that arrived after the first completion, over the time taken
    return sum(r[2] for r in rs[1:]) / max(t1 - t0, 1e-3), {r[1] for r in rs}, t1 - t0
p1 = [r for r in reqs if r[0] <= t_change]
p2 = [r for r in reqs if r[0] > t_change + 1.0]
r1, j1, d1 = rate(p1)
r2, j2, d2 = rate(p2)
print("phase1 %.0f B/s over %.1f s jobs=%s" % (r1, d1, ",".join(sorted(j1))))
print("phase2 %.0f B/s over %.1f s jobs=%s" % (r2, d2, ",".join(sorted(j2))))
print("R1=%d R2=%d N1=%d N2=%d D1=%.1f D2=%.1f" % (r1, r2, len(j1), len(j2), d1, d2))
EOF
cat "$W/rates"
eval "$(sed -n 's/^R1=\([0-9]*\) R2=\([0-9]*\) N1=\([0-9]*\) N2=\([0-9]*\) D1=\([0-9.]*\) D2=\([0-9.]*\)$/R1=\1 R2=\2 N1=\3 N2=\4 D1=\5 D2=\6/p' "$W/rates")"
[ "${N1:-0}" = 2 ] && ok "both jobs downloaded at once under the first limit" || bad "phase 1 saw ${N1:-0} job(s)"
# 128 KiB/s shared: the two together stay under it (+25% for the bucket's
# burst and the coarse window), and they did move.
[ "${R1:-0}" -gt 0 ] && [ "${R1:-0}" -le $((131072 * 125 / 100)) ] &&
	ok "under 128K: the origin saw ${R1} B/s for both jobs together" ||
	bad "under 128K the origin saw ${R1:-?} B/s"
[ "${R2:-0}" -le $((524288 * 125 / 100)) ] &&
	ok "under 512K: ${R2} B/s, within the new limit" || bad "under 512K the origin saw ${R2:-?} B/s"
[ "${R2:-0}" -gt $((R1 * 3 / 2)) ] &&
	ok "the runtime change took effect without a restart (${R1} -> ${R2} B/s)" ||
	bad "no speed-up after the change (${R1} -> ${R2:-?} B/s)"
kill -0 "$spid" 2>/dev/null && ok "the same spooler process throughout" || bad "the spooler died"
kill "$spid"
wait "$spid" || bad "the spooler exited $?"
grep -q '"event":"bandwidth".*512K' "$W/spoold.log" && ok "the spooler logged the new budget" || bad "no bandwidth log line"
grep -qE 'Sanitizer|runtime error:' "$W/spoold.log" && bad "sanitizer report from the spooler" || ok "no sanitizer report from the spooler"
finish
