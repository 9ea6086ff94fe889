#!/bin/sh
# t-get-protected - a site that answers 403 without its Referer and Cookie:
# the request headers go on every request (playlist, key and segments).
. "$top_srcdir/tests/integ/lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

# An AES-128 stream under /protected/ too, so that the key request is
# guarded as well (tmp + mv: other tests may read the tree meanwhile).
if [ ! -f "$sd/protected/aes/index.m3u8" ]; then
	mkdir -p "$sd/protected/aes.$$"
	cp "$sd/aes/"* "$sd/protected/aes.$$/"
	mv "$sd/protected/aes.$$" "$sd/protected/aes" 2>/dev/null ||
		rm -rf "$sd/protected/aes.$$"
fi
REF=http://site.example/watch
COOKIE=session=letmein

while read -r name path; do
	U=$ORIGIN$path
	rc=0
	"$M3U8NAS" get --allow-private -o "$name-no.mp4" "$U" \
		>/dev/null 2>"$name-no.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$name: exit $rc without headers"
	[ "$(cat "$name-no.err")" = "error: HTTP 403 Access denied fetching $U (the site may want the page's --referer URL or its --cookie 'name=value')" ] ||
		fail "$name: $(cat "$name-no.err")"
	# Referer alone is not enough.
	"$M3U8NAS" get --allow-private -o "$name-ref.mp4" --referer "$REF" "$U" \
		>/dev/null 2>"$name-ref.err" && fail "$name: got in without a cookie"
	grep -q 'HTTP 403 Access denied' "$name-ref.err" || fail "$name: $(cat "$name-ref.err")"

	for how in options headers; do
		lines=$(wc -l <"$ORIGIN_LOG")
		if [ $how = options ]; then
			set -- --referer "$REF" --cookie "$COOKIE"
		else
			set -- -H "Referer: $REF" -H "Cookie: other=1; $COOKIE" \
				-H 'User-Agent: Mozilla/5.0 (test)'
		fi
		"$M3U8NAS" get --allow-private -o "$name-$how.mp4" "$@" "$U" \
			>/dev/null 2>"$name-$how.err" ||
			fail "$name with $how: $(cat "$name-$how.err")"
		assert_same_media "$name-$how.mp4" "$sd/protected"
		# Every request of this run was let in: playlist, key, segments.
		tail -n +"$((lines + 1))" "$ORIGIN_LOG" | grep ' /protected/' >reqs
		[ "$(grep -c . reqs)" -ge 6 ] || fail "$name: too few requests logged"
		awk '$4 != 200 { bad = 1 } END { exit bad }' reqs ||
			fail "$name with $how: a request without the headers: $(grep -v ' 200 ' reqs | head -1)"
		if [ "$name" = aes ]; then
			grep -q ' /protected/aes/key.bin 200' reqs || fail "no key request"
		fi
		echo "ok: $name with $how"
	done
done <<'LIST'
plain /protected/index.m3u8
aes   /protected/aes/index.m3u8
LIST
exit 0
