#!/bin/sh
# t-get-errors - the error policy: 403/404 fail at once (one request), 5xx,
# resets, cut bodies and stalls are retried into a correct file; bad,
# empty, DRM and loopback targets fail with one clear line.
. "$top_srcdir/tests/integ/lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

# Extra playlists of our own, beside the origin's streams (tmp + mv: other
# tests may read the tree at the same time).
mkdir -p "$sd/engine"
put() {
	printf '%s\n' "$2" >"$sd/engine/$1.tmp.$$" && mv "$sd/engine/$1.tmp.$$" "$sd/engine/$1"
}
put sample-aes.m3u8 '#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://k1",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"
#EXTINF:2.0,
/plain/seg0.ts
#EXT-X-ENDLIST'
put widevine.m3u8 '#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-KEY:METHOD=AES-128,URI="/aes/key.bin",KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"
#EXTINF:2.0,
/aes/seg0.ts
#EXT-X-ENDLIST'
put shortkey.m3u8 '#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-KEY:METHOD=AES-128,URI="/engine/short.key"
#EXTINF:2.0,
/aes/seg0.ts
#EXT-X-ENDLIST'
put short.key 'tooshort'

# get NAME URL [OPTIONS] - run m3u8nas get into NAME.mp4; sets rc
get() {
	_n=$1 _u=$2
	shift 2
	rc=0
	"$M3U8NAS" get --allow-private -o "$_n.mp4" "$@" "$_u" \
		>"$_n.stdout" 2>"$_n.stderr" || rc=$?
}

# must_fail NAME 'exact error line'
must_fail() {
	[ "$rc" -eq 1 ] || fail "$1: exit $rc, want 1"
	[ "$(wc -l <"$1.stderr")" -eq 1 ] ||
		fail "$1: want one line on stderr, got: $(cat "$1.stderr")"
	[ "$(cat "$1.stderr")" = "$2" ] ||
		fail "$1: got '$(cat "$1.stderr")', want '$2'"
	[ ! -e "$1.mp4" ] || fail "$1: an output file despite the failure"
	echo "ok: $1"
}

must_succeed() {
	[ "$rc" -eq 0 ] || fail "$1: exit $rc: $(cat "$1.stderr")"
	assert_same_media "$1.mp4" "$sd/plain"
	echo "ok: $1"
}

fault() {	# fault PATH KIND COUNT (faults left over by a case are cleared)
	origin_ctl "clear-faults" >/dev/null
	origin_ctl "reset-stats" >/dev/null
	origin_ctl "fault?path=$1&kind=$2&count=$3" >/dev/null ||
		fail "cannot set fault $2 on $1"
}

P=$ORIGIN/plain/index.m3u8

# --- no retry -------------------------------------------------------------
fault /plain/seg2.ts 404 5
get e404 "$P"
must_fail e404 "error: HTTP 404 Not Found fetching $ORIGIN/plain/seg2.ts"
[ "$(origin_count /plain/seg2.ts)" -eq 1 ] || fail "404 was retried"

fault /plain/seg1.ts 403 5
get e403 "$P"
must_fail e403 "error: HTTP 403 Access denied fetching $ORIGIN/plain/seg1.ts (the site may want the page's --referer URL or its --cookie 'name=value')"
[ "$(origin_count /plain/seg1.ts)" -eq 1 ] || fail "403 was retried"
origin_ctl clear-faults >/dev/null

get nolist "$ORIGIN/nope/index.m3u8"
must_fail nolist "error: HTTP 404 Not Found fetching $ORIGIN/nope/index.m3u8"

# --- retried into a correct file ------------------------------------------
fault /plain/seg1.ts 500 2
get r500 "$P"
must_succeed r500
[ "$(origin_count /plain/seg1.ts)" -eq 3 ] || fail "500 x2: want 3 requests"

fault /plain/seg3.ts reset 1
get rreset "$P"
must_succeed rreset
[ "$(origin_count /plain/seg3.ts)" -eq 2 ] || fail "reset: want 2 requests"

fault /plain/seg0.ts truncate 1
get rtrunc "$P"
must_succeed rtrunc
[ "$(origin_count /plain/seg0.ts)" -eq 2 ] || fail "truncate: want 2 requests"

fault /plain/seg4.ts stall 1
get rstall "$P" --low-speed-time 2
must_succeed rstall
[ "$(origin_count /plain/seg4.ts)" -eq 2 ] || fail "stall: want 2 requests"

fault /plain/seg2.ts 503 9
get rgiveup "$P" --retries 2
must_fail rgiveup "error: HTTP 503 fetching $ORIGIN/plain/seg2.ts"
[ "$(origin_count /plain/seg2.ts)" -eq 3 ] || fail "503: want 1 + 2 retries"
origin_ctl clear-faults >/dev/null

# --- playlists and keys that cannot work ----------------------------------
get invalid "$ORIGIN/bad/invalid.m3u8"
grep -q '^error: Invalid m3u8' invalid.stderr || fail "invalid: $(cat invalid.stderr)"
must_fail invalid "$(cat invalid.stderr)"

get empty "$ORIGIN/bad/empty.m3u8"
grep -q '^error: No segments found' empty.stderr || fail "empty: $(cat empty.stderr)"
must_fail empty "$(cat empty.stderr)"

get sample "$ORIGIN/engine/sample-aes.m3u8"
must_fail sample "error: Unsupported encryption: SAMPLE-AES (DRM-protected streams cannot be downloaded)"
get widevine "$ORIGIN/engine/widevine.m3u8"
grep -q '^error: Unsupported encryption: KEYFORMAT urn:uuid:edef8ba9' \
	widevine.stderr || fail "widevine: $(cat widevine.stderr)"
must_fail widevine "$(cat widevine.stderr)"
get shortkey "$ORIGIN/engine/shortkey.m3u8"
must_fail shortkey "error: AES-128 key must be 16 bytes, got 9 from $ORIGIN/engine/short.key"

# --- the SSRF guard: loopback needs --allow-private ----------------------
origin_ctl reset-stats >/dev/null
rc=0
"$M3U8NAS" get -o guard.mp4 "$P" >guard.stdout 2>guard.stderr || rc=$?
must_fail guard "error: refusing to fetch from a private address 127.0.0.1 (use --allow-private to allow it)"
[ "$(origin_count /plain/index.m3u8)" -eq 0 ] || fail "guard: a request got through"
rc=0
"$M3U8NAS" get -o guard6.mp4 "http://[::1]:$ORIGIN_PORT/plain/index.m3u8" \
	>guard6.stdout 2>guard6.stderr || rc=$?
must_fail guard6 "error: refusing to fetch from a private address ::1 (use --allow-private to allow it)"
rc=0
"$M3U8NAS" get -o guard4.mp4 "http://localhost:$ORIGIN_PORT/plain/index.m3u8" \
	>guard4.stdout 2>guard4.stderr || rc=$?
grep -q '^error: refusing to fetch from a private address' guard4.stderr ||
	fail "localhost: $(cat guard4.stderr)"

# --- usage errors -----------------------------------------------------------
rc=0
"$M3U8NAS" get ftp://example.com/x.m3u8 >usage.stdout 2>usage.stderr || rc=$?
must_fail usage "error: not an http(s) URL: ftp://example.com/x.m3u8"
exit 0
