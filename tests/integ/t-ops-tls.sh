#!/bin/sh
# t-ops-tls - certificate renewal without a restart: after the pair at
# tls_cert/tls_key is replaced and SIGHUP sent, a new TLS connection
# presents the new certificate, from the same process; a connection open
# across the reload keeps working; a broken pair (key of another
# certificate, or garbage) is refused with a log line and the pair in use
# is kept. The renewal goes through etc/m3u8nas-certbot-deploy-hook, run
# the way certbot runs it.
. "$top_srcdir/tests/integ/httpd-lib.sh"
command -v openssl >/dev/null 2>&1 || skip "openssl not found"

# mkpair NAME: an EC P-256 self-signed pair $W/NAME.crt, $W/NAME.key
mkpair() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 2 -subj "/CN=$1" -addext "subjectAltName=IP:127.0.0.1" \
	    -keyout "$W/$1.key" -out "$W/$1.crt" 2>/dev/null ||
	    fail "openssl req $1"
}
# fp_file NAME: the SHA-256 fingerprint of $W/NAME.crt
fp_file() {
	openssl x509 -in "$W/$1.crt" -noout -fingerprint -sha256 | sed 's/.*=//'
}
# fp_live: the fingerprint a new connection to the endpoint presents
fp_live() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 \
	    2>/dev/null | sed 's/.*=//'
}
reloads() { grep -c '"event":"tls-reload"' "$W/log"; }

mkpair one; mkpair two; mkpair three
T=$W/tls
mkdir -p "$T"
cp "$W/one.crt" "$T/fullchain.pem"; cp "$W/one.key" "$T/privkey.pem"
mkdir -p "$W/library"
cat >"$W/m3u8nas.conf" <<CONF
spool_dir = "$W/spool";
library_dir = "$W/library";
log_json = true;
http = {
  listen = "127.0.0.1:0";
  tokens = [ "$TOKEN" ];
  rate_limit_per_minute = 0;
  request_timeout = 60;
  tls_cert = "$T/fullchain.pem";
  tls_key = "$T/privkey.pem";
};
CONF
start_httpd
[ "$(fp_live)" = "$(fp_file one)" ] && ok "presents the first certificate" ||
	bad "first certificate: $(fp_live) != $(fp_file one)"

# A keep-alive connection opened now, used again after the reload.
mkfifo "$W/go" "$W/done"
"$PYTHON3" - "$PORT" "$W/go" "$W/done" >"$W/keep.out" 2>&1 <<'PY' &
import hashlib, http.client, ssl, sys
port, go, done = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
def get():
    c.request("GET", "/api/health")
    r = c.getresponse(); r.read()
    return r.status
s1 = get()
fp = hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest()
open(done, "w").write("ready\n")
open(go).read()
s2 = get()
fp2 = hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest()
print(s1, s2, fp == fp2, fp)
open(done, "w").write("end\n")
PY
kpid=$!
extra_pids="$kpid"
read -r _ <"$W/done"

# certbot renewed: its live/ directory holds the new pair.
mkdir -p "$W/live/nas.example.org"
cp "$W/two.crt" "$W/live/nas.example.org/fullchain.pem"
cp "$W/two.key" "$W/live/nas.example.org/privkey.pem"
n=$(reloads)
RENEWED_LINEAGE=$W/live/nas.example.org M3U8NAS_TLS_DIR=$T \
    M3U8NAS_GROUP=$(id -gn) M3U8NAS_HTTPD_PID=$pid \
    sh "$top_srcdir/etc/m3u8nas-certbot-deploy-hook" >"$W/hook.out" 2>&1 &&
	ok "the certbot deploy hook ran" || bad "hook: $(cat "$W/hook.out")"
[ "$(stat -c %a "$T/privkey.pem")" = 640 ] && ok "the key is 0640" ||
	bad "key mode $(stat -c %a "$T/privkey.pem")"
wait_for "[ \$(reloads) -gt $n ]" 20 || bad "no tls-reload record after SIGHUP"
kill -0 "$pid" 2>/dev/null && ok "still running after SIGHUP (pid $pid)" ||
	bad "SIGHUP ended m3u8nas-httpd"
[ "$(fp_live)" = "$(fp_file two)" ] && ok "a new connection presents the new certificate" ||
	bad "after reload: $(fp_live) != $(fp_file two)"

echo go >"$W/go"
read -r _ <"$W/done"
wait "$kpid"; extra_pids=""
want=$(fp_file one | tr -d : | tr 'A-F' 'a-f')
if [ "$(cat "$W/keep.out")" = "200 200 True $want" ]; then
	ok "the connection open across the reload kept its certificate and works"
else
	bad "open connection: $(cat "$W/keep.out") (want 200 200 True $want)"
fi

# Broken: the certificate of three with the key of two.
cp "$W/three.crt" "$T/fullchain.pem"
n=$(reloads)
kill -HUP "$pid"
wait_for "[ \$(reloads) -gt $n ]" 20 || bad "no tls-reload record for the broken pair"
grep '"event":"tls-reload"' "$W/log" | tail -1 | grep -q '"level":"warn".*keeping' &&
	ok "mismatched pair refused with a warning" || bad "no warning: $(tail -2 "$W/log")"
[ "$(fp_live)" = "$(fp_file two)" ] && ok "the pair in use is kept" ||
	bad "after a broken reload: $(fp_live) != $(fp_file two)"
# Broken: garbage.
echo "not a certificate" >"$T/fullchain.pem"
n=$(reloads)
kill -HUP "$pid"
wait_for "[ \$(reloads) -gt $n ]" 20 || bad "no tls-reload record for garbage"
[ "$(fp_live)" = "$(fp_file two)" ] && ok "garbage refused, pair kept" ||
	bad "after garbage: $(fp_live)"
req GET /api/health
expect 200 "serves after two refused reloads"
# Fixed again: three's own pair.
cp "$W/three.key" "$T/privkey.pem"; cp "$W/three.crt" "$T/fullchain.pem"
n=$(reloads)
kill -HUP "$pid"
wait_for "[ \$(reloads) -gt $n ]" 20 || bad "no tls-reload record"
[ "$(fp_live)" = "$(fp_file three)" ] && ok "a good pair after a bad one is taken" ||
	bad "third: $(fp_live)"
finish
