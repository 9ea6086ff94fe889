#!/bin/sh
# deps.sh - install, from Debian's archive, everything m3u8nas builds and
# tests with. Idempotent: installs only what is missing. Needs root.
#   deps.sh            build + run dependencies
#   deps.sh --test     plus what the test suite uses (debhelper, lintian,
#                      systemd: tests/integ/t-deb-package.sh builds the .deb)
#   deps.sh --bench    plus the peers the benchmarks compare against
set -eu

build="build-essential autoconf automake autoconf-archive pkg-config
libcurl4-openssl-dev libfuse3-dev fuse3 libsqlite3-dev sqlite3
libavformat-dev libavcodec-dev libavutil-dev libconfig-dev libssl-dev
libjansson-dev libevent-dev check openssl ca-certificates ffmpeg python3"
# prometheus: for promtool (t-ops-metrics, t-ops-alerts; ~100 MB, and on a
# systemd host it also enables a prometheus service on :9090); logrotate:
# t-ops-logs runs the shipped snippet. nginx-light: t-get-h2 starts its own
# nginx (HTTP/2 over TLS on 127.0.0.1) and bench/get-bench.sh serves from it;
# on a systemd host the package also enables an nginx service on :80.
test_pkgs="curl procps psmisc time smbclient samba nodejs npm chromium
debhelper dpkg-dev lintian systemd prometheus logrotate
libxml2-utils clang libclang-rt-14-dev nginx-light"
bench_pkgs="yt-dlp streamlink wrk hyperfine time"

want="$build"
for arg in "$@"; do
	case "$arg" in
	--test) want="$want $test_pkgs" ;;
	--bench) want="$want $test_pkgs $bench_pkgs" ;;
	*) echo "usage: deps.sh [--test] [--bench]" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	# A nodejs built with its own npm (NodeSource's) conflicts with
	# Debian's npm package: an npm on the PATH is enough.
	[ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root (sudo)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
