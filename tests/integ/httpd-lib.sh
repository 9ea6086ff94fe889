# httpd-lib.sh - shared by tests/integ/t-httpd-*.sh (on top of tests/integ/lib.sh):
# start m3u8nas-httpd on 127.0.0.1 (ephemeral port, real TLS), ask it with
# curl(1), check the JSON with python3. No `set -e`: every check reports
# ("ok:"/"FAIL:") and counts; finish exits 1 if any failed.

. "$top_srcdir/tests/integ/lib.sh"
need_curl
need_python
HTTPD="$top_builddir/helper/m3u8nas-httpd"
CLIENT="$top_builddir/helper/m3u8nas"
SEED="$top_builddir/tests/integ/httpd-seed"
TOKEN="t0ken-for-tests-0123456789"
fails=0
pid=""
extra_pids=""
W=$(tmpdir)
on_exit 'stop_httpd; [ -z "$extra_pids" ] || kill $extra_pids 2>/dev/null'

# write_conf [extra http keys] [extra top-level keys]
write_conf() {
	cat >"$W/m3u8nas.conf" <<EOF
spool_dir = "$W/spool";
library_dir = "$W/library";
allow_private_targets = true;
log_json = true;
$2
http = {
  listen = "127.0.0.1:0";
  tokens = [ "other-token-abcdefgh", "$TOKEN" ];
  rate_limit_per_minute = ${RATE:-0};
  request_timeout = 2;
  $1
};
EOF
	mkdir -p "$W/library"
}

# start_httpd: runs it in the foreground (background job), waits for the
# "listening" record and sets PORT and U (the base URL).
start_httpd() {
	: >"$W/log"
	"$HTTPD" -f -c "$W/m3u8nas.conf" 2>>"$W/log" &
	pid=$!
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/.*"msg":"https:\/\/127\.0\.0\.1:\([0-9]*\)\/".*/\1/p' \
		    "$W/log" | tail -1)
		[ -n "$PORT" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$PORT" ]; then
		echo "FAIL: m3u8nas-httpd did not start"; cat "$W/log"; exit 1
	fi
	U="https://127.0.0.1:$PORT"
}

# stop_httpd: SIGTERM; the server must exit 0 and (under --enable-asan)
# without a sanitizer report in its log.
stop_httpd() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid"
	_rc=$?
	pid=""
	[ "$_rc" = 0 ] || bad "m3u8nas-httpd exited $_rc"
	if grep -qE 'Sanitizer|runtime error:' "$W/log"; then
		bad "sanitizer report:"; grep -A30 -E 'Sanitizer|runtime error:' "$W/log"
	fi
}

# req METHOD PATH [curl args...]: sets $code, body in $W/body, headers in
# $W/hdr. Authenticated unless NOAUTH=1.
req() {
	m=$1 p=$2
	shift 2
	if [ "${NOAUTH:-0}" = 1 ]; then
		set -- "$@"
	else
		set -- -H "Authorization: Bearer $TOKEN" "$@"
	fi
	code=$(curl -sk --max-time 10 -X "$m" -o "$W/body" -D "$W/hdr" \
	    -w '%{http_code}' "$@" "$U$p")
}

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE WHAT: the last req answered CODE.
expect() {
	if [ "$code" = "$1" ]; then ok "$2 -> $1"
	else bad "$2: want $1, got $code: $(head -c 300 "$W/body")"; fi
}

# jcheck WHAT PYEXPR: a Python expression over j (the last body as JSON).
jcheck() {
	if "$PYTHON3" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
	    "$W/body" "$2" 2>/dev/null; then ok "$1"
	else bad "$1: $2 is false for $(head -c 400 "$W/body")"; fi
}

# jget PYEXPR: prints a value from the last body.
jget() {
	"$PYTHON3" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	    "$W/body" "$1"
}

finish() {
	stop_httpd
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed; server log:"; tail -30 "$W/log"
		exit 1
	fi
	exit 0
}
