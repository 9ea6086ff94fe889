#!/bin/sh
# t-web-api.sh - the page's server side without a browser (issue 12):
# sign-in and its limits, the session cookie, CSRF, the Bearer API
# unchanged, the page's files, a library video with Range (and nothing
# outside the library), the event stream, settings, pause/resume/remove
# requests, search. The endpoint runs alone on a seeded store; changes to
# the store are made here with sqlite3(1), as the spooler would.
. "$top_srcdir/tests/integ/httpd-lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not found"; exit 77; }

write_conf "web_dir = \"$top_srcdir/web\"; session_ttl = 6; signin_per_minute = 8; plain_listen = \"127.0.0.1:0\";"
mkdir -p "$W/spool/state" "$W/library"
DB=$W/spool/state/m3u8nas.db
now=$(date +%s)
{
	echo "d1 downloading $((now - 50)) https://cdn.example/a/master.m3u8?token=s3cret"
	echo "s1 suspended $((now - 40)) https://cdn.example/b/index.m3u8"
	echo "c1 completed $((now - 30)) https://cdn.example/c/index.m3u8"
	echo "c2 completed $((now - 20)) https://cdn.example/d/index.m3u8"
	echo "c3 completed $((now - 10)) https://cdn.example/e/index.m3u8"
	echo "f1 failed $((now - 5)) https://cdn.example/f/index.m3u8"
} | "$SEED" "$DB" --heartbeat >/dev/null || { echo "seed failed"; exit 1; }
# c1: a real file in the library; c2: a row pointing outside it; c3: a
# symbolic link in the library pointing outside it.
head -c 1000000 /dev/urandom >"$W/library/Movie One.mp4"
ln -s /etc/passwd "$W/library/link.mp4"
sqlite3 "$DB" "UPDATE jobs SET file_path = '$W/library/Movie One.mp4', size_bytes = 1000000 WHERE id = 'c1';
UPDATE jobs SET file_path = '/etc/passwd' WHERE id = 'c2';
UPDATE jobs SET file_path = '$W/library/link.mp4' WHERE id = 'c3';" ||
	{ echo "sqlite3 failed"; exit 1; }
start_httpd
P=$(sed -n 's/.*"msg":"http:\/\/127\.0\.0\.1:\([0-9]*\)\/".*/\1/p' "$W/log" | tail -1)
PU="http://127.0.0.1:$P"

# cookie-jar requests: sreq METHOD PATH [curl args]
sreq() {
	m=$1 p=$2
	shift 2
	code=$(curl -sk --max-time 10 -X "$m" -b "$W/jar" -c "$W/jar" \
	    -o "$W/body" -D "$W/hdr" -w '%{http_code}' "$@" "$U$p")
}
signin() {
	sreq POST /api/session -H 'Content-Type: application/json' \
	    --data "{\"token\": \"$1\"}"
}

# --- the page's files --------------------------------------------------
NOAUTH=1 req GET /
expect 200 "GET / (no sign-in needed for the page itself)"
grep -q '<script type="module" src="app.js">' "$W/body" && ok "index.html served" || bad "index.html body"
grep -qi '^Content-Security-Policy: default-src .none.; script-src .self.' "$W/hdr" && ok "CSP header" || bad "no CSP"
grep -qi '^X-Frame-Options: DENY' "$W/hdr" && ok "no framing" || bad "X-Frame-Options"
NOAUTH=1 req GET /app.js
expect 200 "GET /app.js"
grep -qi '^Content-Type: text/javascript' "$W/hdr" && ok "JS type" || bad "JS content type"
for p in /.hidden.js /a/../../etc/passwd.html /%2e%2e/etc/passwd /nothing.html /index.exe; do
	NOAUTH=1 req GET "$p"
	expect 404 "GET $p"
done
NOAUTH=1 req GET /api/nothing
expect 404 "unknown /api/ route is not a page"
NOAUTH=1 req POST /
expect 405 "POST /"

# --- sign-in -----------------------------------------------------------
NOAUTH=1 req GET /api/jobs
expect 401 "no cookie, no bearer"
signin wrong-token-0000000000
expect 401 "wrong token"
grep -qi '^Set-Cookie' "$W/hdr" && bad "a cookie for a wrong token" || ok "no cookie for a wrong token"
sreq POST /api/session --data '{"token": "x"}'
expect 415 "sign-in is JSON only (no form post)"
signin "$TOKEN"
expect 200 "right token"
jcheck "csrf token answered" 'len(j["csrf"]) == 64 and j["signed_in"] is True'
CSRF=$(jget 'j["csrf"]')
c=$(grep -i '^Set-Cookie' "$W/hdr")
echo "$c" | grep -q 'm3u8nas_session=[0-9a-f]\{64\};' && ok "session cookie" || bad "cookie: $c"
echo "$c" | grep -q 'HttpOnly' && ok "HttpOnly" || bad "not HttpOnly"
echo "$c" | grep -q 'SameSite=Strict' && ok "SameSite=Strict" || bad "not SameSite=Strict"
echo "$c" | grep -q 'Secure' && ok "Secure on TLS" || bad "not Secure on TLS"
echo "$c" | grep -q 'Max-Age=6' && ok "expiring (Max-Age)" || bad "no Max-Age"
code=$(curl -s -o /dev/null -D "$W/phdr" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data "{\"token\": \"$TOKEN\"}" "$PU/api/session")
[ "$code" = 200 ] && ! grep -qi '^Set-Cookie:.*Secure' "$W/phdr" && ok "no Secure flag on the loopback plain listener" ||
	bad "plain listener cookie: $code $(grep -i set-cookie "$W/phdr")"
sreq GET /api/jobs
expect 200 "GET /api/jobs with the session"
jcheck "all six jobs" 'j["total"] == 6'
grep -q "$TOKEN" "$W/log" && bad "the token is in the log" || ok "token not logged"
grep -q "$CSRF" "$W/log" && bad "the CSRF token is in the log" || ok "CSRF token not logged"
grep -Eq 'm3u8nas_session=|[0-9a-f]{64}' "$W/log" && bad "a session id is in the log" || ok "session id not logged"

# --- CSRF ----------------------------------------------------------------
signin "$TOKEN"
CSRF=$(jget 'j["csrf"]')
sreq POST /api/jobs/d1/cancel
expect 403 "session POST without X-CSRF-Token"
sreq POST /api/jobs/d1/cancel -H "X-CSRF-Token: $(printf '%064d' 0)"
expect 403 "session POST with a wrong X-CSRF-Token"
sreq POST /api/jobs/d1/cancel -H "X-CSRF-Token: $CSRF" -H "Origin: https://127.0.0.1:1"
expect 403 "session POST from another origin (same site, other port)"
sreq POST /api/jobs/d1/cancel -H "X-CSRF-Token: $CSRF" -H "Sec-Fetch-Site: same-site"
expect 403 "session POST marked same-site (not same-origin)"
[ ! -e "$W/spool/control/d1.cancel" ] && ok "no control file from refused requests" || bad "a refused request wrote control/"
sreq POST /api/jobs/d1/pause -H "X-CSRF-Token: $CSRF" -H "Origin: $U" -H "Sec-Fetch-Site: same-origin"
expect 202 "session POST pause with the CSRF token and our Origin"
[ -f "$W/spool/control/d1.pause" ] && ok "control/d1.pause written" || bad "no control/d1.pause"

# --- the Bearer API, unchanged --------------------------------------------
req GET /api/jobs/d1
expect 200 "bearer GET"
req POST /api/jobs/s1/resume
expect 202 "bearer resume of a suspended job (no CSRF for bearer)"
[ -f "$W/spool/control/s1.resume" ] && ok "control/s1.resume written" || bad "no control/s1.resume"
req POST /api/jobs/c1/resume
expect 409 "resume of a completed job"
req POST /api/jobs/c1/pause
expect 409 "pause of a completed job"
req DELETE /api/jobs/d1
expect 409 "remove of a running job"
req DELETE "/api/jobs/f1"
expect 202 "remove a failed job"
[ -f "$W/spool/control/f1.remove" ] && ok "control/f1.remove written" || bad "no control/f1.remove"
req DELETE "/api/jobs/c1?file=1"
expect 202 "remove a completed job and its video"
[ -f "$W/spool/control/c1.remove-file" ] && ok "control/c1.remove-file written" || bad "no control/c1.remove-file"
rm -f "$W/spool/control/c1.remove-file"
req PUT /api/jobs/c1
expect 405 "PUT on a job"
grep -qi '^Allow: GET, HEAD, DELETE' "$W/hdr" && ok "Allow lists GET and DELETE" || bad "Allow: $(grep -i '^Allow' "$W/hdr")"

# --- search and filters -------------------------------------------------
req GET '/api/jobs?status=completed,failed'
jcheck "status list" 'j["total"] == 4 and {x["status"] for x in j["jobs"]} == {"completed", "failed"}'
req GET '/api/jobs?q=cdn.example/d/'
jcheck "search by URL" 'j["total"] == 1 and j["jobs"][0]["job_id"] == "c2"'
req GET '/api/jobs?q=Title%20c3'
jcheck "search, two words" 'j["total"] == 1 and j["jobs"][0]["job_id"] == "c3"'
req GET '/api/jobs?q=100%25'
jcheck "LIKE wildcards are literal" 'j["total"] == 0'
req GET '/api/jobs?status=bogus'
expect 400 "unknown status"

# --- a video ---------------------------------------------------------------
req GET /api/jobs/c1/video -H 'Range: bytes=100-199'
expect 206 "a range of the video"
grep -qi '^Content-Range: bytes 100-199/1000000' "$W/hdr" && ok "Content-Range" || bad "Content-Range: $(grep -i content-range "$W/hdr")"
tail -c +101 "$W/library/Movie One.mp4" | head -c 100 >"$W/want"
cmp -s "$W/body" "$W/want" && ok "the range's bytes" || bad "range bytes differ"
req GET /api/jobs/c1/video -H 'Range: bytes=-10'
expect 206 "a suffix range"
grep -qi '^Content-Range: bytes 999990-999999/1000000' "$W/hdr" && ok "suffix Content-Range" || bad "suffix range"
req GET /api/jobs/c1/video -H 'Range: bytes=2000000-'
expect 416 "a range past the end"
req GET /api/jobs/c1/video
expect 200 "the whole video"
cmp -s "$W/body" "$W/library/Movie One.mp4" && ok "the whole file, byte for byte" || bad "whole file differs"
grep -qi '^Accept-Ranges: bytes' "$W/hdr" && ok "Accept-Ranges" || bad "no Accept-Ranges"
req GET '/api/jobs/c1/video?download=1' -r 0-0
grep -qi "^Content-Disposition: attachment; .*filename\*=UTF-8''Movie%20One.mp4" "$W/hdr" && ok "download as attachment" || bad "disposition: $(grep -i disposition "$W/hdr")"
req HEAD /api/jobs/c1/video -I
expect 200 "HEAD of the video"
NOAUTH=1 req GET /api/jobs/c1/video
expect 401 "the video needs a session or token"
signin "$TOKEN"
sreq GET /api/jobs/c1/video -r 0-9
expect 206 "the video with the page's session (a <video> sends the cookie)"
req GET /api/jobs/c2/video
expect 404 "a row pointing outside the library"
req GET /api/jobs/c3/video
expect 404 "a symbolic link in the library"
req GET /api/jobs/d1/video
expect 404 "an unfinished job has no video"

# --- settings ------------------------------------------------------------
req GET /api/settings
jcheck "defaults: unlimited, no schedule" 'j["bandwidth_limit"] == "unlimited" and j["schedule"] == []'
req PUT /api/settings --data '{"bandwidth_limit": "2M", "schedule": ["01:00-07:00 unlimited", "22:00-01:00 500K"]}'
expect 202 "PUT settings"
jcheck "normalized" 'j["bandwidth_limit_bps"] == 2097152 and j["schedule"] == ["01:00-07:00 unlimited", "22:00-01:00 500K"] and j["pending"] is True'
"$PYTHON3" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["bandwidth_limit"] == "2M" else 1)' \
    "$W/spool/control/settings" && ok "control/settings for the spooler" || bad "control/settings"
for b in '{"bandwidth_limit": "fast"}' '{"schedule": ["25:00-26:00 1M"]}' '{"schedule": "01:00-02:00 1M"}' \
    '{"schedule": ["01:00-01:00 1M"]}' '[1]' 'nope'; do
	req PUT /api/settings --data "$b"
	expect 400 "bad settings $b"
done
printf '{"bandwidth_limit": "1M", "schedule": []}' >"$W/spool/state/settings.json"
rm -f "$W/spool/control/settings"
req GET /api/settings
jcheck "GET reads the spooler's state/settings.json" 'j["bandwidth_limit"] == "1M" and j["pending"] is False'

# --- the event stream ------------------------------------------------------
curl -sk -N --max-time 30 -H "Authorization: Bearer $TOKEN" "$U/api/events" >"$W/events" 2>/dev/null &
ev=$!
extra_pids="$extra_pids $ev"
wait_for() {	# wait_for WHAT CMD...: poll up to 20 s
	what=$1
	shift
	for _ in $(seq 1 200); do
		"$@" && { ok "$what"; return 0; }
		sleep 0.1
	done
	bad "$what (timed out)"
}
wait_for "stream opens with a status event" grep -q '^event: status' "$W/events"
sqlite3 "$DB" "UPDATE jobs SET progress = 55.5, bytes_done = 2222222, updated_at = strftime('%s','now') WHERE id = 'd1';"
wait_for "a store write arrives as a job event" grep -q '"job_id":"d1".*"progress":55.5' "$W/events"
sqlite3 "$DB" "INSERT INTO jobs (id, url, created_at, status, updated_at) VALUES ('n1', 'https://x.example/n.m3u8', strftime('%s','now'), 'pending', strftime('%s','now'));"
wait_for "a new job arrives, and the status total moves" grep -q '"total":7' "$W/events"
# the session's stream ends with the session (session_ttl = 6)
signin "$TOKEN"
sreq GET /api/events --max-time 30
[ "$code" = 200 ] && ok "a session's stream ends when the session does" || bad "session stream: $code"

# --- expiry and sign-in limit ---------------------------------------------
sreq GET /api/jobs
expect 401 "an expired session is refused"
sreq GET /api/session
jcheck "signed out after expiry" 'j["signed_in"] is False'
for i in 1 2 3 4 5 6 7 8 9 10; do
	signin wrong-token-0000000000
	[ "$code" = 429 ] && break
done
expect 429 "sign-in attempts are rate limited"
grep -qi '^Retry-After: [0-9]' "$W/hdr" && ok "Retry-After" || bad "no Retry-After"
req GET /api/jobs
expect 200 "the bearer API is not affected by the sign-in limit"

finish
