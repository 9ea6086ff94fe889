#!/bin/sh
# t-httpd-probe - POST /api/probe against the local HLS origin: a master's
# variants, a media playlist's facts, the protected stream (403 inside a
# 502 without its headers, variants with them), errors, the SSRF guard, and
# a slow origin never blocking other requests.
. "$top_srcdir/tests/integ/httpd-lib.sh"
origin_start

write_conf "" "low_speed_time = 2;"
start_httpd

probe() {	# probe JSON-BODY
	req POST /api/probe -H 'Content-Type: application/json' -d "$1"
}

probe "{\"url\": \"$ORIGIN/master/index.m3u8\"}"
expect 200 "probe a master"
jcheck "master: 3 variants" 'j["type"] == "master" and len(j["variants"]) == 3 and j["live"] is False'
jcheck "variant fields" '[v["label"] for v in j["variants"]] == ["180p", "240p", "360p"] and [v["height"] for v in j["variants"]] == [180, 240, 360] and all(v["bandwidth"] > 0 and v["width"] > 0 and v["codecs"] == "avc1.42c01e,mp4a.40.2" and v["uri"].endswith("/index.m3u8") and v["uri"].startswith("http") for v in j["variants"])'
jcheck "answer names the url" "j['url'] == '$ORIGIN/master/index.m3u8'"
jcheck "no renditions" 'j["audio"] == [] and j["subtitles"] == []'

probe "{\"url\": \"$ORIGIN/tracks/index.m3u8\"}"
expect 200 "probe a master with languages"
jcheck "audio renditions" 'j["audio"] == [{"language": "en", "name": "English", "default": False, "codecs": "mp4a.40.2", "group": "aud"}, {"language": "fr", "name": "Francais", "default": True, "codecs": "mp4a.40.2", "group": "aud"}]'
jcheck "subtitle renditions" 'j["subtitles"] == [{"language": "en", "name": "English", "default": True, "forced": False}, {"language": "fr", "name": "Francais", "default": False, "forced": False}]'

probe "{\"url\": \"$ORIGIN/protected/index.m3u8\"}"
expect 502 "protected stream without its headers"
jcheck "the 403 inside" 'j["http_status"] == 403 and "403" in j["error"] and "Access denied" in j["error"]'
probe "{\"url\": \"$ORIGIN/protected/index.m3u8\", \"referer\": \"http://site.example/watch\", \"headers\": {\"Cookie\": \"session=letmein\"}}"
expect 200 "protected stream with referer + cookie"
jcheck "media facts" 'j["type"] == "media" and j["variants"] == [] and j["segments"] == 5 and 9.5 < j["duration"] < 10.5 and j["live"] is False and j["encrypted"] == "none"'
probe "{\"url\": \"$ORIGIN/protected/index.m3u8\", \"headers\": {\"Referer\": \"http://site.example/watch\", \"Cookie\": \"session=letmein\"}}"
expect 200 "protected stream with both as headers"

probe "{\"url\": \"$ORIGIN/aes/index.m3u8\"}"
expect 200 "an AES-128 stream"
jcheck "encrypted AES-128" 'j["encrypted"] == "AES-128"'
probe "{\"url\": \"$ORIGIN/live/one/index.m3u8\"}"
expect 200 "a live stream"
jcheck "live" 'j["live"] is True and j["type"] == "media"'

probe "{\"url\": \"$ORIGIN/nothing/here.m3u8\"}"
expect 502 "a 404 upstream"
jcheck "404 inside" 'j["http_status"] == 404'
probe "{\"url\": \"$ORIGIN/plain/seg0.ts\"}"
expect 502 "not a playlist"
jcheck "Invalid m3u8" '"Invalid m3u8" in j["error"]'
probe '{"url": "http://127.0.0.1:1/x.m3u8"}'
expect 502 "nobody listening"
jcheck "no HTTP status" 'j["http_status"] is None and j["error"]'

while IFS='|' read -r body want; do
	probe "$body"
	expect 400 "probe $body"
	grep -qF -- "$want" "$W/body" && ok "says '$want'" ||
		bad "probe $body: $(cat "$W/body")"
done <<'EOF'
{x|invalid JSON
{}|\"url\" is missing
{"url": 1}|\"url\" must be a string
{"url": "file:///etc/passwd"}|unsupported scheme
{"url": "https://a.example/x", "headers": [1]}|\"headers\" must be an object of strings
EOF

# A stalled origin holds one probe, never the loop.
# The health answer comes while the probe is stalled: logged before the
# probe's own answer (an order, not a stopwatch).
origin_ctl "fault?path=/plain/index.m3u8&kind=stall&count=1" >/dev/null
n0=$(origin_ctl "count?path=/plain/index.m3u8")
curl -sk --max-time 30 -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $TOKEN" -d "{\"url\": \"$ORIGIN/plain/index.m3u8\"}" \
    "$U/api/probe" >"$W/bgcode" &
bgp=$!
for _ in $(seq 1 200); do
	[ "$(origin_ctl "count?path=/plain/index.m3u8")" -gt "$n0" ] && break
	sleep 0.1
done
NOAUTH=1 req GET /api/health
expect 200 "health while a probe stalls"
wait $bgp
code=$(cat "$W/bgcode")
expect 502 "the stalled probe gives up"
order=$(grep -o '"msg":"[^ ]* [A-Z]* /api/[a-z]*' "$W/log" | sed 's/.* //' |
    grep -E '^/api/(health|probe)$' | tail -2 | tr '\n' ' ')
[ "$order" = "/api/health /api/probe " ] && ok "health answered during the stall" ||
	bad "answers in the order: $order"

stop_httpd
# Without allow_private_targets the NAS will not fetch from the LAN.
sed -i 's/allow_private_targets = true/allow_private_targets = false/' "$W/m3u8nas.conf"
start_httpd
probe "{\"url\": \"$ORIGIN/master/index.m3u8\"}"
expect 502 "a loopback target with allow_private_targets = false"
jcheck "refused, not fetched" 'j["http_status"] is None'

finish
