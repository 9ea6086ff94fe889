#!/bin/sh
# test.sh - install what is missing, build, and run every test (make check).
#   ./test.sh           the whole suite
#   ./test.sh --asan    the same under AddressSanitizer + UBSan (build-asan/)
#   ./test.sh --distcheck  also make distcheck
set -eu
cd "$(dirname "$0")"
top=$(pwd)

asan=no distcheck=no
for arg in "$@"; do
	case "$arg" in
	--asan) asan=yes ;;
	--distcheck) distcheck=yes ;;
	*) echo "usage: test.sh [--asan] [--distcheck]" >&2; exit 2 ;;
	esac
done

scripts/deps.sh --test
[ -x configure ] || autoreconf -fi

if [ "$asan" = yes ]; then
	dir=build-asan
	flags="--enable-asan --enable-werror"
	# Leaks are failures; abort on the first UBSan report.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export ASAN_OPTIONS UBSAN_OPTIONS
else
	dir=build
	flags="--enable-werror"
fi
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || "$top/configure" $flags >configure.out
make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; exit 1; }

status=0
make -j"$(nproc)" check || status=$?
# One closing line for people and CI alike.
pass=$(sed -n 's/^# PASS: *//p' test-suite.log | head -1)
fail=$(sed -n 's/^# FAIL: *//p' test-suite.log | head -1)
err=$(sed -n 's/^# ERROR: *//p' test-suite.log | head -1)
skip=$(sed -n 's/^# SKIP: *//p' test-suite.log | head -1)
if [ "$status" != 0 ]; then
	# Show why, not only that.
	for log in $(find . -name '*.log' ! -name test-suite.log ! -name config.log); do
		grep -qE '^(FAIL|ERROR)' "$log" 2>/dev/null && { echo "=== $log"; tail -40 "$log"; }
	done
fi
if [ "$distcheck" = yes ] && [ "$status" = 0 ]; then
	# The full suite just ran on this tree; distcheck proves the tarball
	# builds, installs and passes its unit suites from a pristine copy.
	units=$(cd "$top" && ls tests/unit/check_*.c | sed 's/\.c$//' | tr '\n' ' ')
	make distcheck DISTCHECK_CONFIGURE_FLAGS="$flags" TESTS="$units" \
	    >distcheck.out 2>&1 ||
		{ tail -40 distcheck.out; status=1; }
fi
echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} )) failed, ${skip:-0} skipped"
exit "$status"
