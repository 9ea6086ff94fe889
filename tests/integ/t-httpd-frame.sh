#!/bin/sh
# t-httpd-frame - the endpoint's gate in front of libevent: request heads
# that two parsers could read two ways (request smuggling shapes) are
# refused with their status before evhttp acts on them; a request that
# trickles in is cut off at request_timeout however it keeps the line
# busy; one address cannot hold more than max_connections_per_address.
. "$top_srcdir/tests/integ/httpd-lib.sh"
RAW="$PYTHON3 $top_srcdir/tests/integ/httpd-raw.py"
RATE=0 write_conf "max_connections = 20; max_connections_per_address = 3;"
start_httpd
health_ok() { req GET /api/health; expect 200 "healthy after $1"; }

# send WHAT WANT BYTES: the first status line must carry WANT, and no
# second request hidden in the bytes may have been answered.
send() {
	printf "$3" | $RAW "$PORT" send >"$W/sent" 2>&1
	first=$(head -1 "$W/sent")
	n=$(grep -c '^HTTP/' "$W/sent")
	case "$first" in
	"HTTP/1.1 $2 "*) [ "$n" = 1 ] && ok "$1: $2" ||
		bad "$1: $n answers: $(cat "$W/sent")" ;;
	*) bad "$1: want $2, got: $(cat "$W/sent")" ;;
	esac
}

H='Host: x\r\nAuthorization: Bearer '"$TOKEN"'\r\n'
G='GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n'
send "two differing Content-Length" 400 \
    "POST /api/download HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 44\r\n\r\nabcd$G"
send "two equal Content-Length" 400 \
    "POST /api/download HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd$G"
send "Transfer-Encoding and Content-Length" 400 \
    "POST /api/download HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$G"
send "Transfer-Encoding alone" 411 \
    "POST /api/download HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n$G"
send "obs-fold" 400 \
    "GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Content-Length: 30\r\n\r\n$G"
send "space before the colon" 400 \
    "POST /api/download HTTP/1.1\r\n${H}Content-Length : 4\r\n\r\nabcd$G"
send "bare LF" 400 "GET /api/health HTTP/1.1\nHost: x\n\n$G"
send "bare CR" 400 "GET /api/health HTTP/1.1\r\nHost: x\rX: y\r\n\r\n$G"
send "Content-Length not a number" 400 \
    "POST /api/download HTTP/1.1\r\n${H}Content-Length: 0x4\r\n\r\nabcd$G"
send "Content-Length list" 400 \
    "POST /api/download HTTP/1.1\r\n${H}Content-Length: 4, 4\r\n\r\nabcd$G"
send "two Host headers" 400 "GET /api/health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"
send "HTTP/2.0 in clear" 505 "GET /api/health HTTP/2.0\r\nHost: x\r\n\r\n"
send "body over max_body_kb" 413 \
    "POST /api/download HTTP/1.1\r\n${H}Content-Length: 999999999\r\n\r\n"
# The JSON error, not libevent's HTML.
printf "POST /api/download HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab" |
    $RAW "$PORT" send >/dev/null
grep -q '"event":"refused".*more than one Content-Length' "$W/log" &&
	ok "refusal logged with its reason" || bad "refusal not logged"
# Good requests still work, pipelined and with a body.
send "plain GET" 200 "$G"
# Keep-alive: two requests on one connection (the deadline re-arms).
n=$(curl -sk --max-time 10 -o /dev/null -o /dev/null -w '%{http_code}\n' \
    "$U/api/health" "$U/api/health" | grep -c '^200$')
[ "$n" = 2 ] && ok "two requests on one connection" || bad "keep-alive: $n"
req POST /api/download -H 'Content-Type: application/json' \
    -d '{"url":"https://example.com/a.m3u8","title":"framed"}'
expect 201 "a POST through the gate"
# curl sends Expect: 100-continue for big bodies; the gate answers it.
big=$(head -c 40000 /dev/zero | tr '\0' ' ')
printf '{"url":"https://example.com/b.m3u8","title":"big"%s}' "$big" >"$W/big.json"
req POST /api/download -H 'Content-Type: application/json' \
    -H 'Expect: 100-continue' --data-binary @"$W/big.json"
expect 201 "a 40 KB body with Expect: 100-continue"

# --- a request that trickles: 408 at request_timeout (2 s), not never ---
line=$($RAW "$PORT" trickle)
case "$line" in
"HTTP/1.1 408 "*) ok "trickling head cut off: $line" ;;
*) bad "trickling head: $line" ;;
esac
health_ok "the trickle"

# --- per address: 3 held, the 4th is shut at once, the cap frees -------
$RAW "$PORT" hold 3 >"$W/hold" &
extra_pids=$!
for _ in $(seq 1 100); do grep -q holding "$W/hold" && break; sleep 0.1; done
code=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' "$U/api/health")
[ "$code" = 000 ] && ok "4th connection from one address refused" ||
	bad "4th connection from one address served: $code"
grep -q '"event":"refused".*max_connections_per_address' "$W/log" &&
	ok "per-address refusal logged" || bad "per-address refusal not logged"
kill $extra_pids 2>/dev/null; wait $extra_pids 2>/dev/null; extra_pids=""
# The held ones are counted down when they close: poll until served.
for _ in $(seq 1 100); do
	code=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' "$U/api/health")
	[ "$code" = 200 ] && break
	sleep 0.1
done
[ "$code" = 200 ] && ok "served again once they closed" ||
	bad "not served after the held connections closed: $code"
finish
