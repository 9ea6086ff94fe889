#!/bin/sh
# t-get-memory - memory stays flat: segments stream to disk and packets to
# the MP4, so a ~40 MB stream costs no more than a 0.5 MB one.
#
# Peak RSS (GNU time) counts the shared libraries: Debian's libavformat
# pulls in ~135 of them (BIND_NOW), ~30 MB mapped before any work is done.
# So the budget is checked above that floor (the RSS of `m3u8nas --version`):
# the engine's own memory under 32 MB, and the 40 MB download within 8 MB
# of the 0.5 MB one.
. "$top_srcdir/tests/integ/lib.sh"
[ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time) not installed"
# Under AddressSanitizer RSS is the sanitizer's (shadow memory, quarantine),
# not the program's: the plain build's run of this test is the measure.
[ -z "${SANITIZED:-}" ] || skip "peak RSS means nothing under AddressSanitizer"
need_ffmpeg
sd=$(streams_dir)
big=$(sh "$top_srcdir/tests/integ/mkstreams.sh" --big "$sd" 40) ||
	fail "cannot make the 40 MB stream"
origin_start
M3U8NAS=$top_builddir/helper/m3u8nas
cd "$(tmpdir)" || fail "cd"

peak() {	# peak NAME PATH - download, print the peak RSS in KB
	/usr/bin/time -f '%M' -o "$1.rss" "$M3U8NAS" get --allow-private \
		-j 8 -o "$1.mp4" "$ORIGIN$2" >/dev/null 2>"$1.err" ||
		fail "$1: $(cat "$1.err")"
	tail -1 "$1.rss"
}

/usr/bin/time -f '%M' -o floor.rss "$M3U8NAS" --version >/dev/null
floor=$(tail -1 floor.rss)
small=$(peak small /plain/index.m3u8)
large=$(peak large "/${big##*/}/index.m3u8")
src=$(wc -c <"$big/source.ts")
out=$(wc -c <large.mp4)
echo "floor $floor KB; peak RSS 0.5 MB: $small KB, $((src >> 20)) MB: $large KB"
[ "$out" -gt $((src / 2)) ] || fail "output too small ($out of $src)"
[ $((large - floor)) -lt 32768 ] ||
	fail "the engine's own memory $((large - floor)) KB, want < 32 MB"
[ $((large - small)) -lt 8192 ] ||
	fail "not flat: $large KB for 40 MB vs $small KB for 0.5 MB"
exit 0
