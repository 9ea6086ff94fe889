#!/bin/sh
# t-httpd-api - every route of m3u8nas-httpd over real TLS: auth, download
# (.job in incoming/, dedupe), jobs list/filter/paging from a seeded store,
# cancel/retry control files and 409s, status, metrics, CORS, validation.
. "$top_srcdir/tests/integ/httpd-lib.sh"

write_conf
start_httpd

# --- health and auth ---------------------------------------------------
NOAUTH=1 req GET /api/health
expect 200 "health without a token"
jcheck "health body" 'j == {"status": "ok", "version": j["version"]} and j["version"]'
for route in "GET /api/jobs" "GET /api/status" "GET /metrics" \
    "POST /api/download" "GET /api/jobs/x" "POST /api/probe"; do
	NOAUTH=1 req $route
	expect 401 "$route without a token"
	jcheck "401 is JSON with an error" '"error" in j'
	NOAUTH=1 req $route -H "Authorization: Bearer $TOKEN-x"
	expect 401 "$route with a wrong token"
	NOAUTH=1 req $route -H "Authorization: Bearer ${TOKEN%?}"
	expect 401 "$route with a token one byte short"
done
grep -qi '^WWW-Authenticate: Bearer' "$W/hdr" && ok "WWW-Authenticate" ||
	bad "no WWW-Authenticate on 401"
NOAUTH=1 req GET /api/jobs -H "Authorization: Bearer other-token-abcdefgh"
expect 200 "the second configured token"

# --- POST /api/download ------------------------------------------------
URL1="https://cdn.example.com/v/master.m3u8?token=abc"
req POST /api/download -H 'Content-Type: application/json' -d "{\"url\":
    \"$URL1\", \"title\": \"Concert\", \"referer\": \"https://example.com/w\",
    \"headers\": {\"Cookie\": \"a=b\", \"User-Agent\": \"UA/1\"},
    \"quality\": \"720p\", \"source_page\": \"https://example.com/w\"}"
expect 201 "download"
jcheck "201 body" 'sorted(j) == ["job_id", "status"] and j["status"] == "pending"'
ID1=$(jget 'j["job_id"]')
f="$W/spool/incoming/$ID1.job"
[ -f "$f" ] && ok ".job in incoming/" || bad "no $f"
# Made before any spooler ran: the spooler's modes (the SMB drop box).
m=$(stat -c %a "$W/spool/incoming")
[ "$m" = 2775 ] && ok "incoming/ made group-writable ($m)" || bad "incoming/ mode $m"
"$PYTHON3" - "$f" "$URL1" "$ID1" <<'EOF' && ok ".job content" || bad ".job content"
import json, sys
j = json.load(open(sys.argv[1]))
want = {"url": sys.argv[2], "title": "Concert", "referer": "https://example.com/w",
        "headers": {"Cookie": "a=b", "User-Agent": "UA/1"}, "quality": "720p",
        "source_page": "https://example.com/w", "id": sys.argv[3]}
sys.exit(0 if j == want else print(j) or 1)
EOF
[ -z "$(ls -A "$W/spool/incoming" | grep '^\.')" ] &&
	ok "no temporary file left" || bad "a temporary file is left in incoming/"

req POST /api/download -d "{\"url\": \"$URL1\"}"
expect 200 "same url again (pending)"
jcheck "same job id" "j == {'id': '$ID1', 'job_id': '$ID1', 'status': 'pending', 'duplicate': True}"
[ "$(ls "$W/spool/incoming" | wc -l)" = 1 ] && ok "no second .job" ||
	bad "a second .job was written"

req GET "/api/jobs/$ID1"
expect 200 "a posted job before the spooler stores it"
jcheck "JOB shape" 'sorted(j) == sorted(["job_id","url","title","status","progress","segments_done","segments_total","bytes_done","speed_bps","eta_s","error","output","size_bytes","created_at","started_at","completed_at","retry_count","quality","folder","duplicate","duplicate_of","headers","gap_seconds"])'
jcheck "pending JOB values" "j['status'] == 'pending' and j['url'] == '${URL1%%\?*}' and j['title'] == 'Concert' and j['quality'] == '720p' and j['error'] is None and j['eta_s'] is None and j['created_at'].endswith('Z')"

req POST "/api/jobs/$ID1/retry"
expect 409 "retry a pending job"
req POST "/api/jobs/$ID1/cancel"
expect 202 "cancel a pending job"
jcheck "202 body" "j == {'job_id': '$ID1', 'requested': 'cancel'}"
[ "$(cat "$W/spool/control/$ID1.cancel" 2>/dev/null)" = cancel ] &&
	ok "control/$ID1.cancel" || bad "no control/$ID1.cancel"

# A job the spooler has taken and refused (moved aside, file gone) is no
# longer a duplicate.
rm -f "$f"
req POST /api/download -d "{\"url\": \"$URL1\"}"
expect 201 "same url after its .job left incoming/ unstored"
[ "$(jget 'j["job_id"]')" != "$ID1" ] && ok "a new id" || bad "old id reused"

# --- validation: every malformed body is a 400 naming the problem ---------
while IFS='|' read -r body want; do
	req POST /api/download -d "$body"
	expect 400 "download $body"
	if grep -qF -- "$want" "$W/body"; then ok "error says '$want'"
	else bad "error for $body lacks '$want': $(cat "$W/body")"; fi
done <<'EOF'
{bad json|invalid JSON:
|invalid JSON:
[1,2]|must be a JSON object
"x"|must be a JSON object
{}|\"url\" is missing
{"title":"x"}|\"url\" is missing
{"url":5}|\"url\" must be a string
{"url":null}|\"url\" is missing
{"url":"https://a.example/x","title":7}|\"title\" must be a string
{"url":"https://a.example/x","referer":[]}|\"referer\" must be a string
{"url":"https://a.example/x","quality":1}|\"quality\" must be a string
{"url":"https://a.example/x","headers":[]}|\"headers\" must be an object of strings
{"url":"https://a.example/x","headers":"a"}|\"headers\" must be an object of strings
{"url":"https://a.example/x","headers":{"A":1}}|\"headers\" must be an object of strings
{"url":"https://a.example/x","headers":{"A B":"1"}}|bad header name
{"url":"https://a.example/x","headers":{"A":"1\r\nB: 2"}}|Invalid job
{"url":"https://a.example/x","quality":"huge"}|quality
{"url":"ftp://a.example/x"}|unsupported scheme
{"url":"https://a.example/x","url":"https://b.example/"}|invalid JSON:
EOF
req POST /api/download -d '{"url":"https://a.example/\u0000x"}'
expect 400 "a NUL in a string"

# --- routes, methods, ids -------------------------------------------------
req GET /api/jobs/nope
expect 404 "unknown job"
jcheck "404 error" '"no such job" in j["error"]'
req POST /api/jobs/nope/cancel
expect 404 "cancel an unknown job"
req POST /api/jobs/nope/retry
expect 404 "retry an unknown job"
req GET /api/nothing
expect 404 "unknown route"
req GET /api/jobs/..%2Fetc
expect 404 "an id with a slash"
req GET /api/jobs/.hidden
expect 404 "an id with a leading dot"
req DELETE /api/jobs
expect 405 "DELETE /api/jobs"
grep -qi '^Allow: GET' "$W/hdr" && ok "Allow header" || bad "no Allow header"
req GET /api/download
expect 405 "GET /api/download"
jcheck "405 is JSON" '"error" in j'

# --- the store: list, filter, paging, one job, counts ---------------------
req GET /api/jobs
expect 200 "jobs before the spooler ever ran"
jcheck "empty list" 'j == {"jobs": [], "total": 0, "limit": 50, "offset": 0}'
mkdir -p "$W/spool/state"
now=$(date +%s)
{
	i=0
	for st in pending downloading downloading merging paused completed \
	    completed completed failed failed cancelled completed; do
		i=$((i + 1))
		echo "seed$i $st $((now - 1000 + i)) https://cdn.example.com/$i.m3u8"
	done
} | "$SEED" "$W/spool/state/m3u8nas.db" --heartbeat >/dev/null ||
	bad "seeding the store"

req GET /api/jobs
expect 200 "list"
jcheck "list newest first" '[x["job_id"] for x in j["jobs"]] == ["seed%d" % i for i in range(12, 0, -1)] and j["total"] == 12'
req GET '/api/jobs?status=completed'
expect 200 "filter completed"
jcheck "completed only" '[x["job_id"] for x in j["jobs"]] == ["seed12","seed8","seed7","seed6"] and j["total"] == 4'
req GET '/api/jobs?limit=3&offset=2'
expect 200 "paging"
jcheck "page 2..4" '[x["job_id"] for x in j["jobs"]] == ["seed10","seed9","seed8"] and j["limit"] == 3 and j["offset"] == 2 and j["total"] == 12'
req GET '/api/jobs?status=failed&limit=1&offset=1'
jcheck "filter + paging" '[x["job_id"] for x in j["jobs"]] == ["seed9"] and j["total"] == 2'
req GET '/api/jobs?offset=100'
jcheck "past the end" 'j["jobs"] == [] and j["total"] == 12'
while read -r q; do
	req GET "/api/jobs?$q"
	expect 400 "jobs?$q"
done <<'EOF'
status=bogus
limit=0
limit=-1
limit=abc
limit=100000
offset=-5
offset=1x
EOF

req GET /api/jobs/seed6
expect 200 "a completed job"
jcheck "completed JOB" 'j["status"] == "completed" and j["progress"] == 100 and j["output"] == "/library/seed6.mp4" and j["size_bytes"] == 4000000 and j["completed_at"].endswith("Z") and j["error"] is None'
req GET /api/jobs/seed2
jcheck "downloading JOB" 'j["progress"] == 42.5 and j["segments_done"] == 17 and j["segments_total"] == 40 and j["eta_s"] == 12 and j["speed_bps"] == 1000000'
req GET /api/jobs/seed9
jcheck "failed JOB" 'j["status"] == "failed" and j["error"].startswith("HTTP 403") and j["retry_count"] == 1 and j["output"] is None'

req POST /api/download -d '{"url": "https://cdn.example.com/2.m3u8"}'
expect 200 "url of a downloading job"
jcheck "its id and status" 'j == {"id": "seed2", "job_id": "seed2", "status": "downloading", "duplicate": True}'
req POST /api/download -d '{"url": "https://cdn.example.com/6.m3u8"}'
expect 201 "url of a completed job makes a new job"

# cancel/retry against stored states
while read -r id what want; do
	req POST "/api/jobs/$id/$what"
	expect "$want" "$what $id"
	if [ "$want" = 202 ]; then
		[ -f "$W/spool/control/$id.$what" ] && ok "control/$id.$what" ||
			bad "no control/$id.$what"
	else
		[ ! -e "$W/spool/control/$id.$what" ] && ok "no control file" ||
			bad "control/$id.$what written for a $want"
	fi
done <<'EOF'
seed1 cancel 202
seed2 cancel 202
seed4 cancel 202
seed5 cancel 202
seed6 cancel 409
seed9 cancel 409
seed11 cancel 409
seed6 retry 409
seed2 retry 409
seed9 retry 202
seed11 retry 202
EOF
req GET /api/jobs/seed6/cancel
expect 405 "GET on cancel"

# --- status ---------------------------------------------------------------
"$SEED" "$W/spool/state/m3u8nas.db" --heartbeat </dev/null >/dev/null
req GET /api/status
expect 200 "status"
jcheck "status counts" 'j["counts"] == {"pending": 1, "downloading": 2, "merging": 1, "paused": 1, "suspended": 0, "waiting": 0, "completed": 4, "failed": 2, "cancelled": 1} and j["active"] == 3'
jcheck "queue: 1 stored + 2 in incoming/" 'j["queue_length"] == 3'
jcheck "disk" 'j["disk"]["total_bytes"] > 0 and 0 <= j["disk"]["free_bytes"] <= j["disk"]["total_bytes"] and j["disk"]["used_bytes"] > 0'
jcheck "spooler alive, version" 'j["spooler_alive"] is True and j["version"]'

# --- metrics --------------------------------------------------------------
req GET /metrics
expect 200 "metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$W/hdr" && ok "metrics type" ||
	bad "metrics content type"
"$PYTHON3" - "$W/body" <<'EOF' && ok "metrics format and values" || bad "metrics"
import re, sys
text = open(sys.argv[1]).read()
line = re.compile(r'^[a-z_][a-z0-9_]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+]+$')
vals = {}
for l in text.splitlines():
    if l.startswith("# HELP ") or l.startswith("# TYPE "):
        continue
    if not line.match(l):
        print("bad line:", l); sys.exit(1)
    k, v = l.rsplit(" ", 1); vals[k] = float(v)
want = {
    'm3u8nas_http_requests_total{route="/api/download",status="201"}': 3,
    'm3u8nas_http_requests_total{route="/api/jobs/{id}",status="404"}': 1,
    'm3u8nas_http_requests_total{route="/api/health",status="200"}': 1,
    'm3u8nas_jobs{status="completed"}': 4,
    'm3u8nas_jobs{status="failed"}': 2,
    'm3u8nas_bytes_downloaded_total': 123456,
    'm3u8nas_rate_limited_total': 0,
}
for k, v in want.items():
    if vals.get(k) != v:
        print(k, "=", vals.get(k), "want", v); sys.exit(1)
if vals.get('m3u8nas_http_requests_total{route="/api/jobs",status="401"}', 0) < 1:
    sys.exit(1)
EOF

# --- CORS -----------------------------------------------------------------
NOAUTH=1 req OPTIONS /api/download -H 'Origin: chrome-extension://abcdefgh' \
    -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: authorization, content-type'
expect 204 "preflight without a token"
grep -qi '^Access-Control-Allow-Origin: chrome-extension://abcdefgh' "$W/hdr" &&
grep -qi '^Access-Control-Allow-Headers: .*Authorization' "$W/hdr" &&
grep -qi '^Access-Control-Allow-Methods: .*POST' "$W/hdr" &&
	ok "preflight headers" || bad "preflight headers: $(cat "$W/hdr")"
req GET /api/jobs -H 'Origin: chrome-extension://abcdefgh'
grep -qi '^Access-Control-Allow-Origin: chrome-extension://abcdefgh' "$W/hdr" &&
	ok "CORS on a GET" || bad "no CORS on a GET"
NOAUTH=1 req OPTIONS /api/download -H 'Origin: https://evil.example'
grep -qi '^Access-Control-Allow-Origin' "$W/hdr" &&
	bad "CORS granted to a web page" || ok "no CORS for a web origin"

# --- access log -------------------------------------------------------------
grep '"event":"access"' "$W/log" | grep -q 'GET /api/jobs/seed6 200' &&
	ok "access log line" || bad "no access log line"
"$PYTHON3" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' \
    "$W/log" && ok "log is JSON lines" || bad "log is not JSON lines"

finish
