#!/bin/sh
# t-spool-refresh - an expiring link refreshed: the origin's signed tokens
# die after 2 segments (origin.py --token-segments, counted, not timed), so
# the job goes "waiting" with its segments kept; POST /api/jobs/{id}/refresh
# with a new token resumes it (twice: 5 segments), no kept segment is
# fetched again, and the video decodes as the source. A link of another
# stream is 409 and the job keeps waiting; an unknown id is 404 (not "no
# such route"); a bad body 400; a finished job 409. No query string (the
# token) reaches the store's error, the log or an answer.
. "$top_srcdir/tests/integ/httpd-lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start --token-segments 2
streams=$(streams_dir)
# One segment at a time: which segments a token gets is then fixed.
write_conf "" "min_free_mb = 1; segment_concurrency = 1;"
start_httpd
spoold_start

# wait_status ID STATUS SECS: poll GET /api/jobs/ID (the API's view)
wait_status() {
	_n=$(($3 * 5))
	while [ "$_n" -gt 0 ]; do
		req GET "/api/jobs/$1"
		[ "$code" = 200 ] && [ "$(jget 'j["status"]')" = "$2" ] && return 0
		sleep 0.2
		_n=$((_n - 1))
	done
	return 1
}
segs() { find "$SPOOL/processing/$1/work" -name 'seg-v-*' ! -name '*.part' | wc -l; }
link() { echo "$ORIGIN/signed/plain/index.m3u8?token=$1"; }

req POST /api/download -d "{\"url\": \"$(link tokA)\", \"title\": \"signed\", \"headers\": {\"Cookie\": \"sid=s3cr3t-cookie\"}}"
expect 201 "post a signed job"
id=$(jget 'j["job_id"]')

# 1. tokA dies after seg0 and seg1: the job waits, both segments kept.
wait_status "$id" waiting 60 && ok "waiting after the token expired" ||
	bad "not waiting: $(cat "$W/body")"
jcheck "the error says why, without the token" \
	'j["error"].startswith("waiting for a fresh link: HTTP 403") and "token" not in j["error"] and "/signed/plain/seg2.ts" in j["error"]'
err=$(job_field "$id" error_msg)
case $err in *tokA* | *'?'*) bad "the store's error holds a query: $err" ;; esac
[ "$(segs "$id")" -eq 2 ] && ok "2 segments kept" || bad "kept $(segs "$id") segments"
[ -f "$SPOOL/processing/$id/job" ] && ok "the job file kept" || bad "no job file"
req GET /api/status
jcheck "counted as waiting" 'j["counts"]["waiting"] == 1'
req GET /metrics
grep -q 'status="waiting"} 1' "$W/body" && ok "/metrics counts it" || bad "/metrics: $(grep waiting "$W/body")"

# 2. Refusals: the job stays waiting, no request written.
req POST "/api/jobs/$id/refresh" -d "{\"url\": \"$ORIGIN/signed/fmp4/index.m3u8?token=tokX\"}"
expect 409 "a link of another stream"
jcheck "409 says so without the query" '"not the same stream" in j["error"] and "tokX" not in j["error"]'
req POST "/api/jobs/$id/refresh" -d "{\"url\": \"http://other.example/signed/plain/index.m3u8?token=tokX\"}"
expect 409 "another host"
req POST /api/jobs/jnosuchjob00/refresh -d "{\"url\": \"$(link tokX)\"}"
expect 404 "an unknown id"
jcheck "not mistaken for an old server" '"no such route" not in j["error"] and "no such job" in j["error"]'
req POST "/api/jobs/$id/refresh" -d '{"url": 5}'
expect 400 "a url that is no string"
req POST "/api/jobs/$id/refresh" -d "{\"headers\": {\"Cookie\": \"x\"}}"
expect 400 "no url"
req POST "/api/jobs/$id/refresh" -d "{\"url\": \"$(link tokX)\", \"headers\": {\"Bad Name\": \"x\"}}"
expect 400 "a bad header name"
ls "$SPOOL/control" | grep -q refresh && bad "a refused refresh left a request" || ok "no request written"
[ "$(job_field "$id" status)" = waiting ] && ok "still waiting" || bad "status $(job_field "$id" status)"

# A link of another path (written as a control request, as the endpoint
# never would) is tried by its segments: another stream's are refused,
# and the job waits again on the link it had, its segments untouched.
printf '{"url": "%s"}\n' "$ORIGIN/signed/fmp4/index.m3u8?token=tokY" >"$SPOOL/control/.r"
mv "$SPOOL/control/.r" "$SPOOL/control/$id.refresh"
wait_for "job_field $id error_msg | grep -q 'not the same stream'" 30 ||
	bad "another stream's link: $(job_field "$id" status) $(job_field "$id" error_msg)"
[ "$(job_field "$id" status)" = waiting ] && ok "another stream's link refused: waiting again" ||
	bad "status $(job_field "$id" status)"
[ "$(segs "$id")" -eq 2 ] && ok "its 2 segments untouched" || bad "kept $(segs "$id") segments"
grep -q tokA "$SPOOL/processing/$id/job" && [ ! -e "$SPOOL/processing/$id/job.prev" ] &&
	ok "the previous link is back in the job file" || bad "job file: $(cat "$SPOOL/processing/$id/job")"
# The row keeps the stream's public form only (no token: the store is read
# by the tree and the API).
job_field "$id" url | grep -q '/signed/plain/index.m3u8$' && ok "and in the row, without its token" ||
	bad "row url $(job_field "$id" url)"

# 3. tokB: seg2, seg3, then 403 on seg4: waiting again with 4 kept.
req POST "/api/jobs/$id/refresh" -d "{\"url\": \"$(link tokB)\", \"headers\": {\"Cookie\": \"sid=fresh-cookie\"}, \"referer\": \"http://site.example/watch\"}"
expect 200 "refresh with tokB"
jcheck "the answer" "j['id'] == '$id' and j['job_id'] == '$id' and j['status'] == 'pending'"
wait_for "[ \$(segs $id) -eq 4 ] && [ \"\$(job_field $id status)\" = waiting ]" 60 ||
	bad "after tokB: $(segs "$id") segments, $(job_field "$id" status)"
ok "waiting again with 4 segments"
mode=$(stat -c %a "$SPOOL/processing/$id/job")
[ "$mode" = 600 ] && ok "the job file is 0600" || bad "job file mode $mode"
grep -q tokB "$SPOOL/processing/$id/job" && grep -q fresh-cookie "$SPOOL/processing/$id/job" &&
	grep -q '"title": *"signed"' "$SPOOL/processing/$id/job" &&
	ok "the job file has the fresh link and keeps its title" ||
	bad "job file: $(cat "$SPOOL/processing/$id/job")"
job_field "$id" headers_json | grep -q Cookie &&
	! job_field "$id" headers_json | grep -q fresh-cookie &&
	ok "the row names the new headers, never their values" ||
	bad "row headers: $(job_field "$id" headers_json)"

# 4. tokC: seg4, then the merge: completed, as the source. The link has
# another path (a redirect to the same playlist, as a control request):
# its segments are the kept ones, so it is taken.
printf '{"url": "%s"}\n' "$ORIGIN/r/signed/plain/index.m3u8?token=tokC" >"$SPOOL/control/.r"
mv "$SPOOL/control/.r" "$SPOOL/control/$id.refresh"
wait_status "$id" completed 60 && ok "completed after three refreshes" ||
	bad "not completed: $(cat "$W/body")"
out=$(jget 'j["output"]')
assert_same_media "$out" "$streams/plain"
ok "decodes as the source"
# Every segment served with success exactly once over the three tokens.
for i in 0 1 2 3 4; do
	n=$(grep -c "GET /signed/plain/seg$i.ts?token=tok[ABC] 200 " "$ORIGIN_LOG")
	[ "$n" -eq 1 ] || bad "seg$i served $n times"
done
ok "no kept segment fetched again"
[ "$(grep -c ' 403 ' "$ORIGIN_LOG")" -eq 2 ] && ok "two 403s (one per expired token)" ||
	bad "403s: $(grep ' 403 ' "$ORIGIN_LOG")"
[ ! -e "$SPOOL/processing/$id" ] && ok "processing/ cleaned" || bad "processing/$id left"
req POST "/api/jobs/$id/refresh" -d "{\"url\": \"$(link tokD)\"}"
expect 409 "a completed job"

# 5. A 403 on the very first playlist fails as before (nothing started).
req POST /api/download -d "{\"url\": \"$ORIGIN/signed/plain/index.m3u8?token=tokA\"}"
expect 201 "post with a dead token"
id2=$(jget 'j["job_id"]')
wait_status "$id2" failed 30 && ok "a dead first link fails" || bad "not failed: $(cat "$W/body")"

# Nothing secret in the logs.
if grep -E 'tok[A-DY]|s3cr3t|fresh-cookie' "$SPOOLD_LOG" "$W/log"; then
	bad "a token or cookie in a log"
else
	ok "no token or cookie in the logs"
fi
spoold_stop
finish
