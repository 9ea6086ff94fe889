#!/bin/sh
# t-get-streams - m3u8nas get on every kind of stream the origin serves: the
# output is one verified MP4 whose decoded video and audio equal the source.
. "$top_srcdir/tests/integ/lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

# name  path on the origin  extra options
while read -r name path opts; do
	[ -n "$name" ] || continue
	out=$name.mp4
	# shellcheck disable=SC2086
	"$M3U8NAS" get --allow-private -o "$out" $opts "$ORIGIN$path" \
		>"$name.stdout" 2>"$name.stderr" ||
		fail "$name: exit $?: $(cat "$name.stderr")"
	[ ! -s "$name.stderr" ] || fail "$name: stderr: $(cat "$name.stderr")"
	size=$(wc -c <"$out")
	grep -qx "$out $size bytes" "$name.stdout" ||
		fail "$name: stdout does not name $out and its size"
	[ ! -e ".$out.m3u8nas" ] || fail "$name: work dir left behind"
	ls -a | grep -q '\.part' && fail "$name: a .part file left behind"
	assert_same_media "$out" "$sd/${path%/*}"
	echo "ok: $name"
done <<'LIST'
plain     /plain/index.m3u8
aes       /aes/index.m3u8
aes-noiv  /aes-noiv/index.m3u8
fmp4      /fmp4/index.m3u8
byterange /byterange/index.m3u8
master    /master/index.m3u8
altaudio  /altaudio/index.m3u8
disc      /disc/index.m3u8
abs       /abs/index.m3u8
ct        /ct/stream?id=1  -j 1
LIST

# The key was fetched once, byte ranges went to one file: no waste.
[ "$(origin_count /aes/key.bin)" -eq 1 ] || fail "aes key fetched more than once"
[ "$(origin_count /byterange/stream.ts)" -eq 5 ] ||
	fail "byterange: want 5 range requests on stream.ts"
# Every segment once (no retries, no duplicates); ct reuses plain's.
while read -r n s; do
	[ "$(origin_count "/$s")" -eq "$n" ] ||
		fail "/$s: $(origin_count "/$s") requests, want $n"
done <<'LIST'
2 plain/seg0.ts
2 plain/seg4.ts
1 fmp4/init.mp4
1 fmp4/seg2.m4s
1 master/v2/seg3.ts
1 altaudio/audio/seg1.ts
1 altaudio/v1/seg1.ts
1 aes-noiv/seg9.ts
1 abs/seg3.ts
LIST
# Only the chosen variant of the master was fetched.
[ "$(origin_count /master/v0/seg0.ts)" -eq 0 ] || fail "master: v0 fetched"
[ "$(origin_count /altaudio/v0/seg0.ts)" -eq 0 ] || fail "altaudio: v0 fetched"
exit 0
