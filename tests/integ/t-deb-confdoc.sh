#!/bin/sh
# t-deb-confdoc - every key lib/conf.c knows is documented in m3u8nas.conf(5)
# and shown in the commented sample etc/m3u8nas.conf, and neither names a
# key that lib/conf.c does not know: the three cannot drift apart.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
conf_c=$top_srcdir/lib/conf.c
man=$top_srcdir/etc/m3u8nas.conf.5.in
sample=$top_srcdir/etc/m3u8nas.conf
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The key tables: K("name", ...) at the top level, H("name", ...) in http.
keys=$(sed -n 's/^[[:space:]]*[KH]("\([a-z_]*\)",.*/\1/p' "$conf_c")
[ "$(echo "$keys" | wc -l)" -ge 20 ] || bad "found only: $keys"
# Entries of the man page: ".TP" then ".B name".
man_keys=$(awk 'prev == ".TP" && $1 == ".B" { print $2 } { prev = $0 }' "$man")
# Keys of the sample: "name = value;" lines (top level and inside http).
sample_keys=$(sed -n 's/^[[:space:]]*\([a-z_]*\) = .*/\1/p' "$sample" |
	grep -vx http)

for k in $keys; do
	echo "$man_keys" | grep -qx "$k" || bad "$k is not documented in m3u8nas.conf(5)"
	echo "$sample_keys" | grep -qx "$k" || bad "$k is not in the sample etc/m3u8nas.conf"
done
for k in $man_keys; do
	echo "$keys" | grep -qx "$k" || bad "m3u8nas.conf(5) documents $k, unknown to lib/conf.c"
done
for k in $sample_keys; do
	echo "$keys" | grep -qx "$k" || bad "the sample sets $k, unknown to lib/conf.c"
done
# The defaults the page states for numbers are the ones conf_defaults sets.
for k in max_jobs segment_concurrency retries connect_timeout low_speed_time; do
	v=$(sed -n "s/^$k = \([0-9]*\);/\1/p" "$sample")
	awk -v k="$k" -v v="$v" 'prev == ".TP" && $2 == k { getline; if ($0 !~ "default " v "\\)") exit 1 } { prev = $0 }' "$man" ||
		bad "$k: the sample says $v, the man page another default"
done
[ "$fails" = 0 ] || exit 1
echo "ok: $(echo "$keys" | wc -l) keys documented in m3u8nas.conf(5) and the sample"
