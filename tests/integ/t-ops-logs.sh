#!/bin/sh
# t-ops-logs - log rotation: with log_file set, each daemon (m3u8nas-spoold,
# m3u8nas-httpd, m3u8nas-fs) writes to the file; after the file is moved
# aside (what logrotate does) and SIGHUP sent, the same process writes its
# new lines to a new file at log_file, none to the old one, and every line
# of both is one JSON object.
. "$top_srcdir/tests/integ/lib.sh"
need_python
SPOOLD=$top_builddir/spooler/m3u8nas-spoold
HTTPD=$top_builddir/helper/m3u8nas-httpd
FS=$top_builddir/fs/m3u8nas-fs
W=$(tmpdir)
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$W/library" "$W/mnt"
cat >"$W/m3u8nas.conf" <<CONF
spool_dir = "$W/spool";
library_dir = "$W/library";
mount_point = "$W/mnt";
log_json = true;
log_file = "$W/LOG";
http = {
  listen = "127.0.0.1:0";
  tokens = [ "t0ken-for-tests-0123456789" ];
};
CONF
# Each daemon gets its own file: one configuration per daemon.
conf_for() {
	sed "s|$W/LOG|$W/$1.log|" "$W/m3u8nas.conf" >"$W/$1.conf"
	echo "$W/$1.conf"
}

# all_json FILE: every line is one JSON object
all_json() {
	"$PYTHON3" -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    if not isinstance(json.loads(line), dict):
        sys.exit("%s:%d: not an object" % (sys.argv[1], n))
' "$1"
}

# rotate NAME PID MARK: move NAME.log aside, SIGHUP PID, and check that the
# line MARK (a grep pattern the daemon logs after reopening) is in a new
# NAME.log, not in the old one, and that PID still runs.
rotate() {
	_f=$W/$1.log
	mv "$_f" "$_f.1" || { bad "$1: no log file to move"; return; }
	kill -HUP "$2"
	if wait_for "grep -q '$3' '$_f' 2>/dev/null" 20; then
		ok "$1: new lines in a new $1.log after SIGHUP"
	else
		bad "$1: no '$3' in a new $1.log"
		return
	fi
	grep -q "$3" "$_f.1" && bad "$1: '$3' also in the moved file"
	kill -0 "$2" 2>/dev/null && ok "$1: same process ($2) still running" ||
		bad "$1: SIGHUP ended it"
	all_json "$_f.1" && all_json "$_f" && ok "$1: one JSON object a line" ||
		bad "$1: a line is not one JSON object"
}

# --- the spooler
"$SPOOLD" -f -c "$(conf_for spoold)" 2>"$W/spoold.err" &
spid=$!
on_exit "kill $spid 2>/dev/null"
wait_for "grep -q '\"event\":\"start\"' '$W/spoold.log' 2>/dev/null" 20 ||
	fail "the spooler did not start: $(cat "$W/spoold.err")"
[ -s "$W/spoold.err" ] && bad "spooler wrote to stderr: $(head -3 "$W/spoold.err")"
rotate spoold "$spid" 'log reopened'
# What happens next lands in the new file too.
printf 'not a url\n' >"$W/spool/incoming/.bad.tmp"
mv "$W/spool/incoming/.bad.tmp" "$W/spool/incoming/bad.job"
wait_for "grep -q '\"job\":\"bad\"' '$W/spoold.log'" 20 &&
	ok "spoold: later events in the new file" || bad "spoold: bad job not logged"

# --- the endpoint
"$HTTPD" -f -c "$(conf_for httpd)" 2>"$W/httpd.err" &
hpid=$!
on_exit "kill $hpid 2>/dev/null"
wait_for "grep -q '\"event\":\"started\"' '$W/httpd.log' 2>/dev/null" 20 ||
	fail "the endpoint did not start: $(cat "$W/httpd.err")"
rotate httpd "$hpid" '"event":"tls-reload"'

# --- the progress tree (needs FUSE)
if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
	"$FS" -c "$(conf_for fs)" -f "$W/mnt" 2>"$W/fs.err" &
	fpid=$!
	on_exit "fusermount3 -u '$W/mnt' 2>/dev/null; kill $fpid 2>/dev/null"
	if wait_for "grep -q ' $W/mnt fuse' /proc/mounts" 20; then
		wait_for "grep -q 'mounted on' '$W/fs.log' 2>/dev/null" 20 ||
			bad "fs: no 'mounted on' in fs.log"
		rotate fs "$fpid" 'log reopened'
		grep -q ' fuse' /proc/mounts && cat "$W/mnt/status" >/dev/null &&
			ok "fs: still mounted and serving" || bad "fs: not serving"
		fusermount3 -u "$W/mnt"
		wait "$fpid" && ok "fs: clean exit" || bad "fs: exit status"
	else
		echo "SKIP: fs part: cannot mount ($(head -1 "$W/fs.err"))"
	fi
else
	echo "SKIP: fs part: no FUSE"
fi

# --- the shipped logrotate snippet, on these files, twice
if command -v logrotate >/dev/null 2>&1; then
	"$PYTHON3" - "$top_srcdir/etc/m3u8nas.logrotate" "$W" "$spid $hpid" \
	    >"$W/lr.conf" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = text.replace("/var/log/m3u8nas/*.log", sys.argv[2] + "/*.log")
# the systemd call, as the test's own pids
text = re.sub(r"(?s)(postrotate\n).*?(\n\s*endscript)",
              r"\1\t\tkill -HUP " + sys.argv[3] + r"\2", text)
sys.stdout.write(text)
PY
	grep -q "kill -HUP $spid $hpid" "$W/lr.conf" || bad "logrotate: postrotate not replaced"
	for round in 1 2; do
		logrotate -f -s "$W/lr.state" "$W/lr.conf" 2>"$W/lr.err" ||
			bad "logrotate round $round: $(cat "$W/lr.err")"
		wait_for "grep -q 'log reopened' '$W/spoold.log' 2>/dev/null" 20 ||
			bad "logrotate round $round: no new spoold.log"
	done
	[ -f "$W/spoold.log.1" ] && [ -f "$W/spoold.log.2.gz" ] &&
		ok "logrotate: spoold.log.1, spoold.log.2.gz, new spoold.log" ||
		bad "logrotate: $(ls "$W")"
	wait_for "grep -q tls-reload '$W/httpd.log' 2>/dev/null" 20 &&
		ok "logrotate: new httpd.log" || bad "logrotate: no new httpd.log"
	gzip -dc "$W/spoold.log.2.gz" >"$W/spoold.log.2" && all_json "$W/spoold.log.2" &&
		all_json "$W/spoold.log" && ok "logrotate: one JSON object a line" ||
		bad "logrotate: lines"
else
	echo "SKIP: logrotate part: no logrotate"
fi

kill -TERM "$spid" "$hpid"
wait "$spid" || bad "spooler exit status"
wait "$hpid" || bad "endpoint exit status"
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
exit 0
