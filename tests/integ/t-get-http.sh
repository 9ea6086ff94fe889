#!/bin/sh
# t-get-http - how m3u8nas get uses HTTP: connections are reused, at most
# -j requests are in flight, redirects are followed (and relative URIs
# resolved against where they led), headers reach every request.
. "$top_srcdir/tests/integ/lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

# -j N  want_max_connections. With 300 ms to first byte the segments
# overlap, so exactly N are in flight at once.
origin_ctl "set?latency_ms=300" >/dev/null
while read -r j maxconn; do
	origin_ctl reset-stats >/dev/null
	"$M3U8NAS" get --allow-private -j "$j" -o "j$j.mp4" \
		"$ORIGIN/master/index.m3u8" >/dev/null 2>err || fail "-j $j: $(cat err)"
	# The control request asking counts its own connection: minus one.
	conns=$(( $(origin_stat connections) - 1 ))
	inflight=$(origin_stat max_inflight)
	total=$(origin_stat total)
	echo "-j $j: $total requests on $conns connections, at most $inflight at once"
	[ "$total" -eq 7 ] || fail "-j $j: $total requests, want 7"
	[ "$conns" -le "$maxconn" ] || fail "-j $j: $conns connections, want <= $maxconn"
	[ "$inflight" -eq "$j" ] || fail "-j $j: $inflight in flight, want $j"
done <<'LIST'
1 1
3 3
LIST
origin_ctl "set?latency_ms=0" >/dev/null

# A redirect: segments resolve against the playlist's final URL.
origin_ctl reset-stats >/dev/null
"$M3U8NAS" get --allow-private -o redir.mp4 "$ORIGIN/r/plain/index.m3u8?x=1" \
	>/dev/null 2>err || fail "redirect: $(cat err)"
assert_same_media redir.mp4 "$sd/plain"
[ "$(origin_count /r/plain/index.m3u8)" -eq 1 ] || fail "redirect not taken"
[ "$(origin_count /plain/seg0.ts)" -eq 1 ] || fail "seg0 not from the final URL"
[ "$(origin_count /r/plain/seg0.ts)" -eq 0 ] || fail "seg0 resolved against the first URL"

# Our own User-Agent by default; a -H one replaces it on every request.
origin_ctl reset-stats >/dev/null
"$M3U8NAS" get --allow-private -o ua1.mp4 "$ORIGIN/aes/index.m3u8" >/dev/null 2>err ||
	fail "ua1: $(cat err)"
case $(origin_header /aes/seg1.ts User-Agent) in
m3u8nas/*) ;;
*) fail "default User-Agent: $(origin_header /aes/seg1.ts User-Agent)" ;;
esac
"$M3U8NAS" get --allow-private -o ua2.mp4 -H 'User-Agent: Test/1.0' \
	-H 'X-Extra: yes' "$ORIGIN/aes/index.m3u8" >/dev/null 2>err || fail "ua2: $(cat err)"
for p in /aes/index.m3u8 /aes/key.bin /aes/seg0.ts /aes/seg4.ts; do
	[ "$(origin_header $p User-Agent)" = Test/1.0 ] || fail "$p: User-Agent"
	[ "$(origin_header $p X-Extra)" = yes ] || fail "$p: X-Extra"
done
echo "ok: connections, redirects, headers"
exit 0
