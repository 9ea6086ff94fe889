#!/bin/sh
# t-deb-errors - safe defaults and errors that name the configuration:
# the sample token is refused beyond loopback (and served on loopback, with
# a warning), `m3u8nas add` and `get` read -c FILE and name the file in
# their errors, and without -c say that they ran on the built-in defaults.
. "$top_srcdir/tests/integ/lib.sh"
HTTPD=$top_builddir/helper/m3u8nas-httpd
CLIENT=$top_builddir/helper/m3u8nas
W=$(tmpdir)

# The sample token on a non-loopback address: refused, one line, the way out.
cat >"$W/wide.conf" <<EOF
spool_dir = "$W/spool";
http = { listen = "0.0.0.0:0"; tokens = [ "change-me" ]; };
EOF
rc=0
"$HTTPD" -f -c "$W/wide.conf" >"$W/wide.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "the endpoint started with change-me on 0.0.0.0"
grep -q "$W/wide.conf: http.tokens holds the sample token" "$W/wide.log" ||
	fail "refusal does not name the file: $(cat "$W/wide.log")"
grep -q 'openssl rand -hex 16' "$W/wide.log" || fail "refusal does not say how"
[ "$(wc -l <"$W/wide.log")" = 1 ] || fail "more than one line: $(cat "$W/wide.log")"
echo "ok: change-me on 0.0.0.0 is refused in one line"

# An empty token list: refused wherever it listens.
sed 's/"change-me"//; s/0.0.0.0:0/127.0.0.1:0/' "$W/wide.conf" >"$W/empty.conf"
rc=0
"$HTTPD" -f -c "$W/empty.conf" >"$W/empty.log" 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -q "http.tokens is empty" "$W/empty.log" ||
	fail "an empty token list: rc $rc, $(cat "$W/empty.log")"
echo "ok: an empty token list is refused"

# On loopback the sample is served (local tools, tests), with a warning.
sed 's/0.0.0.0:0/127.0.0.1:0/' "$W/wide.conf" >"$W/loop.conf"
"$HTTPD" -f -c "$W/loop.conf" >"$W/loop.log" 2>&1 &
hpid=$!
on_exit "kill $hpid 2>/dev/null; wait $hpid 2>/dev/null"
wait_for "grep -q 'https://127.0.0.1:' '$W/loop.log' || ! kill -0 $hpid 2>/dev/null" 30
grep -q 'https://127.0.0.1:' "$W/loop.log" ||
	fail "loopback + change-me did not start: $(cat "$W/loop.log")"
grep -q 'sample token.*loopback only' "$W/loop.log" || fail "no warning on loopback"
kill "$hpid"; wait "$hpid" 2>/dev/null || true
echo "ok: change-me on loopback starts, with a warning"

# add: the spool it cannot write is named with the file it came from.
printf 'spool_dir = "%s/no/such/dir";\n' "$W" >"$W/add.conf"
rc=0
"$CLIENT" add -c "$W/add.conf" https://a.example/x.m3u8 2>"$W/add.err" || rc=$?
[ "$rc" = 1 ] && grep -q "from $W/add.conf" "$W/add.err" ||
	fail "add: rc $rc, $(cat "$W/add.err")"
echo "ok: add names the config of the spool it cannot write"
default=$("$CLIENT" add --help | sed -n 's/.*configuration file (default \(.*\))$/\1/p')
[ -n "$default" ] || fail "add --help does not name the default config"
if [ ! -e "$default" ]; then
	rc=0
	"$CLIENT" add https://a.example/x.m3u8 2>"$W/add0.err" || rc=$?
	[ "$rc" = 1 ] && grep -q "the built-in defaults (no $default)" "$W/add0.err" ||
		fail "add without a config: rc $rc, $(cat "$W/add0.err")"
	echo "ok: add without a config says it used the built-in defaults"
fi

# get -c: a bad key is reported with the file and line; --config too.
printf 'retries = 99;\n' >"$W/get.conf"
rc=0
"$CLIENT" get -c "$W/get.conf" http://a.example/x.m3u8 2>"$W/get.err" || rc=$?
[ "$rc" = 1 ] && grep -qx "error: $W/get.conf:1: retries: must be between 0 and 10" "$W/get.err" ||
	fail "get -c: rc $rc, $(cat "$W/get.err")"
rc=0
"$CLIENT" get --config "$W/missing.conf" http://a.example/x.m3u8 2>"$W/get2.err" || rc=$?
[ "$rc" = 1 ] && grep -q "$W/missing.conf" "$W/get2.err" ||
	fail "get --config missing: rc $rc, $(cat "$W/get2.err")"
"$CLIENT" get --help | grep -q -- '-c, --config FILE' || fail "get --help lacks -c"
echo "ok: get reads -c/--config and names the file"
