#!/bin/sh
# t-get-quality - -q picks the right variant of a master playlist (checked
# on the output's resolution), and the default title names the file.
. "$top_srcdir/tests/integ/lib.sh"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
sd=$(streams_dir)
cd "$(tmpdir)" || fail "cd"

height() {
	"$FFPROBE" -v error -select_streams v:0 -show_entries stream=height \
		-of csv=p=0 "$1"
}

# quality  expected height  variant directory
while read -r q want v; do
	[ -n "$q" ] || continue
	"$M3U8NAS" get --allow-private -q "$q" -o "q-$q.mp4" \
		"$ORIGIN/master/index.m3u8" >/dev/null 2>err ||
		fail "-q $q: $(cat err)"
	[ "$(height "q-$q.mp4")" = "$want" ] ||
		fail "-q $q: height $(height "q-$q.mp4"), want $want"
	assert_same_media "q-$q.mp4" "$sd/master/$v"
	echo "ok: -q $q -> $want"
done <<'LIST'
best   360 v2
worst  180 v0
240p   240 v1
300p   240 v1
100p   180 v0
400000 180 v0
LIST

# No -o: the title comes from the URL ("index" is skipped for the parent
# directory), and an existing file is never overwritten.
"$M3U8NAS" get --allow-private "$ORIGIN/plain/index.m3u8" >out1 2>&1 ||
	fail "default name: $(cat out1)"
[ -s plain.mp4 ] || fail "no plain.mp4"
"$M3U8NAS" get --allow-private "$ORIGIN/plain/index.m3u8" >out2 2>&1 ||
	fail "second default name: $(cat out2)"
[ -s "plain (2).mp4" ] || fail "no 'plain (2).mp4'"
cmp -s plain.mp4 "plain (2).mp4" || fail "the two downloads differ"
# -o onto an existing file is refused.
"$M3U8NAS" get --allow-private -o plain.mp4 "$ORIGIN/plain/index.m3u8" \
	>/dev/null 2>err && fail "overwrote plain.mp4"
grep -qx "error: plain.mp4 exists; not overwriting it" err ||
	fail "overwrite message: $(cat err)"
exit 0
