#!/bin/sh
# fuzz.sh - build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang
# and run each for a bounded time on the corpus kept in the tree.
#
#   scripts/fuzz.sh [-t SECONDS] [-b BUILDDIR] [-m] [NAME...]
#
#   -t  seconds per harness (default 50)
#   -b  a configured build directory, for config.h (default build)
#   -m  merge what was found into tests/fuzz/corpus/NAME (to commit)
#   NAME  harnesses to run (default: every tests/fuzz/fuzz_*.c)
#
# lib/ and helper/httpd-{frame,body}.c are compiled with -fsanitize=fuzzer-no-link,
# address,undefined into one archive (so file renames need no change here),
# each harness links against it. Seeds: tests/fuzz/corpus/NAME, plus
# tests/corpus/m3u8 for the playlist harness. New inputs go to a scratch
# corpus under build-fuzz/ (the tree stays clean); a crash, leak or
# sanitizer report is saved in build-fuzz/crash-NAME-* and fails the run:
# every one becomes a unit test. One line per harness: executions, time,
# corpus size, crashes.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
secs=50 build=build merge=no
while getopts t:b:m opt; do
	case "$opt" in
	t) secs=$OPTARG ;;
	b) build=$OPTARG ;;
	m) merge=yes ;;
	*) echo "usage: fuzz.sh [-t SECONDS] [-b BUILDDIR] [-m] [NAME...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null 2>&1 || { echo "fuzz.sh: $CC not found (scripts/deps.sh --test)" >&2; exit 1; }
[ -f "$build/config.h" ] || { echo "fuzz.sh: $build/config.h missing: configure first" >&2; exit 1; }

out=$top/build-fuzz
mkdir -p "$out/obj"
pkgs="libcurl jansson sqlite3 libavformat libavcodec libavutil libconfig openssl"
# The paths Makefile.am gives every file (AM_CPPFLAGS); values do not matter here.
cflags="-g -O1 -fno-omit-frame-pointer -I$top/$build -I$top/lib -I$top/helper \
    -DSYSCONFDIR=\"/etc\" -DLOCALSTATEDIR=\"/var\" \
    -DPKGDATADIR=\"/usr/share/m3u8nas\" $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lpthread -lm"
san="address,undefined"

# The library, once (make-style: only what changed is compiled again).
objs=""
for src in lib/*.c helper/httpd-frame.c helper/httpd-body.c; do
	o=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
		$CC $cflags -fsanitize=fuzzer-no-link,$san -c "$src" -o "$o"
	fi
	objs="$objs $o"
done
rm -f "$out/libfuzz.a"
ar rcs "$out/libfuzz.a" $objs

if [ $# -eq 0 ]; then
	set -- $(ls tests/fuzz/fuzz_*.c tests/fuzz_*.c 2>/dev/null |
	    sed 's|.*/fuzz_||; s|\.c$||' | sort -u)
fi
status=0
for name in "$@"; do
	src=tests/fuzz/fuzz_$name.c
	[ -f "$src" ] || src=tests/fuzz_$name.c
	bin=$out/fuzz_$name
	$CC $cflags -fsanitize=fuzzer,$san "$src" "$out/libfuzz.a" $libs -o "$bin"
	seeds=tests/fuzz/corpus/$name
	mkdir -p "$seeds" "$out/corpus-$name"
	extra=""
	[ "$name" = playlist ] && extra=tests/corpus/m3u8
	dict=""
	for d in tests/fuzz/fuzz_$name.dict tests/fuzz_$name.dict; do
		[ -f "$d" ] && { dict="-dict=$d"; break; }
	done
	log=$out/fuzz-$name.log
	rc=0
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=1 $dict \
	    -artifact_prefix="$out/crash-$name-" \
	    "$out/corpus-$name" "$seeds" $extra >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	took=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	ncorp=$(ls "$out/corpus-$name" | wc -l)
	crashes=$(ls "$out" | grep -c "^crash-$name-" || true)
	echo "fuzz $name: ${execs:-0} executions in ${secs} s (${took:-0}/s), corpus $ncorp, crashes $crashes"
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		status=1
		grep -A30 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error' "$log" | head -60
	fi
	if [ "$merge" = yes ]; then
		"$bin" -merge=1 "$seeds" "$out/corpus-$name" >/dev/null 2>&1 || true
	fi
done
exit "$status"
