#!/bin/sh
# t-httpd-guard - m3u8nas-httpd's guards over real TLS: TLS versions, the
# self-signed and configured certificates, the rate limit, bounds (body,
# headers, slow and half-sent requests, garbage, connections), the
# loopback-only plain listener; after each abuse a normal request works.
. "$top_srcdir/tests/integ/httpd-lib.sh"
RAW="$PYTHON3 $top_srcdir/tests/integ/httpd-raw.py"
command -v openssl >/dev/null || { echo "SKIP: openssl(1) absent"; exit 77; }

health_ok() {
	NOAUTH=1 req GET /api/health
	expect 200 "next request after $1"
}

# --- program options ---------------------------------------------------
"$HTTPD" --help | grep -q 'usage: m3u8nas-httpd' && ok "--help" || bad "--help"
"$HTTPD" --version | grep -q '^m3u8nas-httpd [0-9]' && ok "--version" ||
	bad "--version"
"$HTTPD" --bogus >/dev/null 2>&1
[ $? = 2 ] && ok "unknown option: exit 2" || bad "unknown option"

# --- first start: self-signed certificate --------------------------------
RATE=3 write_conf "max_connections = 3;"
start_httpd
crt="$W/spool/state/tls.crt" key="$W/spool/state/tls.key"
[ -s "$crt" ] && [ -s "$key" ] && ok "tls.crt and tls.key made" ||
	bad "no self-signed pair"
[ "$(stat -c %a "$key")" = 600 ] && ok "key is 0600" || bad "key mode $(stat -c %a "$key")"
fp=$(openssl x509 -in "$crt" -noout -fingerprint -sha256 | sed 's/.*=//')
grep '"event":"tls-fingerprint"' "$W/log" | grep -q "SHA-256 $fp" &&
	ok "fingerprint logged" || bad "fingerprint $fp not in the log"
grep -q '"event":"tls-generated"' "$W/log" && ok "generation logged" ||
	bad "generation not logged"
openssl x509 -in "$crt" -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1' &&
	ok "SAN 127.0.0.1" || bad "no SAN 127.0.0.1"
code=$(curl -s --max-time 10 --cacert "$crt" -o /dev/null -w '%{http_code}' \
    "https://localhost:$PORT/api/health")
expect 200 "verified TLS to localhost with the generated cert"

# --- TLS versions --------------------------------------------------------
r=$($RAW "$PORT" tls TLSv1_1)
case "$r" in
*ALERT_PROTOCOL_VERSION*|*"alert protocol version"*) ok "TLS 1.1 refused by the server ($r)" ;;
*) bad "TLS 1.1: $r" ;;
esac
curl -sk --max-time 10 --tls-max 1.1 "$U/api/health" >/dev/null 2>&1 &&
	bad "curl --tls-max 1.1 got through" || ok "curl --tls-max 1.1 fails"
for v in TLSv1_2 TLSv1_3; do
	r=$($RAW "$PORT" tls "$v")
	case "$r" in ok*) ok "$v accepted" ;; *) bad "$v: $r" ;; esac
done
code=$(curl -sk --max-time 10 --tlsv1.2 --tls-max 1.2 -o /dev/null \
    -w '%{http_code}' "$U/api/health")
expect 200 "curl over TLS 1.2"

# --- rate limit: 3 POSTs a minute, the 4th is refused ---------------------
for i in 1 2 3; do
	req POST /api/download -d "{\"url\": \"https://a.example/$i.m3u8\"}"
	expect 201 "POST $i of 3"
done
req POST /api/download -d '{"url": "https://a.example/4.m3u8"}'
expect 429 "POST 4 of 3"
jcheck "429 is JSON" '"rate limit" in j["error"]'
ra=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/ip' "$W/hdr")
[ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 60 ] && ok "Retry-After $ra" ||
	bad "Retry-After '$ra'"
req POST /api/probe -d '{"url": "https://a.example/x.m3u8"}'
expect 429 "every POST route is limited"
req GET /api/jobs
expect 200 "GETs are not limited"
req GET /metrics
grep -q '^m3u8nas_rate_limited_total 2$' "$W/body" && ok "rate_limited_total 2" ||
	bad "rate_limited_total: $(grep rate_limited "$W/body")"
[ "$(ls "$W/spool/incoming" | wc -l)" = 3 ] && ok "3 jobs written" ||
	bad "$(ls "$W/spool/incoming" | wc -l) jobs written"

# --- malformed requests; the server goes on serving ----------------------
r=$($RAW "$PORT" garbage)
case "$r" in "HTTP/1.1 400"*|closed) ok "garbage bytes: $r" ;; *) bad "garbage: $r" ;; esac
health_ok "garbage"
r=$($RAW "$PORT" plain)
[ "$r" = closed ] && ok "clear-text HTTP on the TLS port dropped" || bad "plain: $r"
health_ok "clear text"
r=$($RAW "$PORT" half)
case "$r" in
"closed "*) s=${r#closed }; s=${s%% *}
	if [ "${s%.*}" -le 4 ]; then ok "half-sent request timed out ($s s)"
	else bad "half-sent request held $s s"; fi ;;
*) bad "half-sent request: $r" ;;
esac
health_ok "a half-sent request"
head -c 10485760 /dev/zero | tr '\0' 'a' >"$W/big"
code=$(curl -sk --max-time 20 -o "$W/body" -w '%{http_code}' \
    -H "Authorization: Bearer $TOKEN" --data-binary @"$W/big" \
    "$U/api/download" 2>/dev/null)
case "$code" in 413|000) ok "10 MB body: $code" ;; *) bad "10 MB body: $code" ;; esac
health_ok "a 10 MB body"
long=$(head -c 20000 /dev/zero | tr '\0' 'x')
NOAUTH=1 req GET /api/health -H "X-Long: $long"
case "$code" in 4*|000) ok "20 KB header: $code" ;; *) bad "20 KB header: $code" ;; esac
health_ok "a 20 KB header"

# --- max_connections: at 3 open, the next waits until one closes ---------
$RAW "$PORT" hold 3 >"$W/hold" &
extra_pids=$!
for _ in $(seq 1 50); do grep -q holding "$W/hold" && break; sleep 0.1; done
code=$(curl -sk --max-time 1 -o /dev/null -w '%{http_code}' "$U/api/health")
[ "$code" = 000 ] && ok "over max_connections: not served" ||
	bad "over max_connections served: $code"
kill $extra_pids 2>/dev/null; wait $extra_pids 2>/dev/null; extra_pids=""
health_ok "connections closed"

stop_httpd

# --- restart: the same certificate, not a new one -------------------------
start_httpd
grep -q '"event":"tls-generated"' "$W/log" && bad "regenerated on restart" ||
	ok "certificate kept on restart"
grep -q "SHA-256 $fp" "$W/log" && ok "same fingerprint" || bad "fingerprint changed"
stop_httpd

# --- a configured certificate and the plain loopback listener ------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$W/own.key" \
    -out "$W/own.crt" 2>/dev/null || bad "openssl req"
fp2=$(openssl x509 -in "$W/own.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
write_conf "tls_cert = \"$W/own.crt\"; tls_key = \"$W/own.key\"; plain_listen = \"127.0.0.1:0\";"
start_httpd
grep -q "SHA-256 $fp2" "$W/log" && ok "configured certificate in use" ||
	bad "configured certificate not used"
code=$(curl -s --max-time 10 --cacert "$W/own.crt" -o /dev/null -w '%{http_code}' \
    "https://localhost:$PORT/api/health")
expect 200 "verified against the configured certificate"
PP=$(sed -n 's/.*"msg":"http:\/\/127\.0\.0\.1:\([0-9]*\)\/".*/\1/p' "$W/log")
code=$(curl -s --max-time 10 -o "$W/body" -w '%{http_code}' \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PP/api/jobs")
expect 200 "plain listener on loopback"
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PP/api/jobs")
expect 401 "plain listener still wants the token"
stop_httpd

write_conf "plain_listen = \"0.0.0.0:0\";"
"$HTTPD" -f -c "$W/m3u8nas.conf" 2>"$W/log2"
[ $? -ne 0 ] && grep -q 'must be a loopback' "$W/log2" &&
	ok "non-loopback plain_listen refused" || bad "plain_listen 0.0.0.0 accepted"
write_conf "tls_cert = \"$W/missing.crt\";"
"$HTTPD" -f -c "$W/m3u8nas.conf" 2>"$W/log2"
[ $? -ne 0 ] && grep -q 'missing.crt' "$W/log2" && ok "missing cert: clear error" ||
	bad "missing cert"

# --- the spooler's policy at the door: what it would refuse is a 400 -------
write_conf
sed -i 's/allow_private_targets = true/allow_private_targets = false/' "$W/m3u8nas.conf"
rm -rf "$W/spool/incoming"
start_httpd
while IFS='|' read -r body want; do
	req POST /api/download -d "$body"
	expect 400 "POST $body"
	grep -qF -- "$want" "$W/body" && ok "400 says '$want'" ||
		bad "400 for $body lacks '$want': $(cat "$W/body")"
done <<'EOF'
{"url": "http://127.0.0.1:8/x.m3u8"}|refused: host 127.0.0.1
{"url": "http://[::1]/x.m3u8"}|allow_private_targets is off
{"url": "http://localhost/x.m3u8"}|refused
{"url": "https://a.example/x.m3u8", "title": "../../etc/passwd"}|'..' path component
{"url": "https://a.example/x.m3u8", "title": "a/../b"}|'..' path component
EOF
[ -z "$(ls -A "$W/spool/incoming" 2>/dev/null)" ] && ok "nothing written into incoming/" ||
	bad "a refused POST wrote $(ls -A "$W/spool/incoming")"
req POST /api/download -d '{"url": "https://a.example/ok.m3u8", "title": "a..b"}'
expect 201 "a public host and a title with dots"
[ "$(stat -c %a "$W/spool/incoming")" = 2775 ] && ok "incoming/ made with the spooler's mode" ||
	bad "incoming/ mode $(stat -c %a "$W/spool/incoming")"
stop_httpd

finish
