#!/bin/sh
# t-fs-samba - the shipped etc/smb.conf.snippet on a real smbd bound to
# 127.0.0.1 (an ephemeral port): smbclient reads the mount's live files,
# follows the by-name view, fetches the finished video byte for byte, sees
# progress move, cannot write to the tree, and drops a .job into incoming/.
# Skipped when smbd or smbclient is not installed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/fs-lib.sh"

command -v smbd >/dev/null 2>&1 || skip "smbd (samba) is not installed"
command -v smbclient >/dev/null 2>&1 || skip "smbclient is not installed"
[ "$(id -u)" = 0 ] || skip "the test smbd maps its user to root"

head -c 200000 /dev/urandom >"$library/Concert 2024.mp4"
seed add d1 status=downloading name=concert progress=42.5 done=85 \
	total=200 speed=12300000 eta=65 created=100
seed add c1 status=completed name=finished progress=100 done=50 total=50 \
	file="$library/Concert 2024.mp4" created=101
seed heartbeat
fs_mount -o allow_other

smb=$work/smb
mkdir -p "$smb/private" "$smb/lock" "$smb/state" "$smb/cache" "$smb/pid" \
	"$smb/log" "$smb/ncalrpc"
port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
	cat <<CONF
[global]
   interfaces = 127.0.0.1
   bind interfaces only = yes
   smb ports = $port
   disable netbios = yes
   server role = standalone server
   private dir = $smb/private
   lock directory = $smb/lock
   state directory = $smb/state
   cache directory = $smb/cache
   pid directory = $smb/pid
   ncalrpc dir = $smb/ncalrpc
   log file = $smb/log/smbd.log
   passdb backend = tdbsam:$smb/private/passdb.tdb
   load printers = no
   printing = bsd
   printcap name = /dev/null
   disable spoolss = yes
CONF
	# The shipped shares, pointed at this test's spool and mount.
	sed -e "s|/var/spool/m3u8nas/incoming|$spool/incoming|" \
	    -e "s|/mnt/m3u8nas|$mnt|" \
	    -e "s|force user = m3u8nas|force user = root|" \
	    -e "s|force group = m3u8nas|force group = root|" \
	    "$top_srcdir/etc/smb.conf.snippet"
} >"$smb/smb.conf"
testparm -s "$smb/smb.conf" >/dev/null 2>"$smb/testparm.err" ||
	fail "testparm: $(cat "$smb/testparm.err")"
printf 'pw\npw\n' | smbpasswd -c "$smb/smb.conf" -s -a root >/dev/null ||
	fail "smbpasswd"
# In a session of its own: on its way out smbd signals its process group.
setsid smbd -s "$smb/smb.conf" --foreground --no-process-group >"$smb/out" 2>&1 &
smbd_pid=$!
trap 'set +e; kill $smbd_pid 2>/dev/null; wait $smbd_pid 2>/dev/null; fs_cleanup' EXIT

smbc() {
	share=$1; shift
	timeout 20 smbclient -s "$smb/smb.conf" "//127.0.0.1/$share" -p "$port" \
		-U root%pw -c "$*" 2>"$smb/client.err"
}
i=0
until smbc m3u8nas "ls" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "smbd does not answer: $(cat "$smb/client.err") $(tail -5 "$smb/out")"
	sleep 0.2
done

want="42.5% 85/200 segments 12.3 MB/s ETA 1:05"
[ "$(smbc m3u8nas 'get jobs/d1/progress -')" = "$want" ] ||
	fail "progress over SMB: $(smbc m3u8nas 'get jobs/d1/progress -')"
[ "$(smbc m3u8nas 'get by-name/concert/progress -')" = "$want" ] ||
	fail "by-name over SMB: $(cat "$smb/client.err")"
seed heartbeat
smbc m3u8nas "get status -" | grep -qx "spooler: alive" ||
	fail "status over SMB: $(smbc m3u8nas "get status -")"
smbc m3u8nas 'ls jobs/*' | grep -q " d1 " || fail "ls jobs over SMB"
smbc m3u8nas 'ls by-status/downloading/*' | grep -q " d1 " ||
	fail "by-status over SMB: $(smbc m3u8nas 'ls by-status/downloading/*')"
smbc m3u8nas "get \"jobs/c1/Concert 2024.mp4\" $work/got.mp4" >/dev/null ||
	fail "video over SMB: $(cat "$smb/client.err")"
cmp "$library/Concert 2024.mp4" "$work/got.mp4" || fail "the video over SMB differs"

# Fresh over SMB too: the next read after a store change shows it.
seed set d1 progress=50.0 done=100
[ "$(smbc m3u8nas 'get jobs/d1/progress -')" = "50.0% 100/200 segments 12.3 MB/s ETA 1:05" ] ||
	fail "progress over SMB did not move: $(smbc m3u8nas 'get jobs/d1/progress -')"

# The tree share is read-only; the drop share takes a job.
echo "http://127.0.0.1:1/x.m3u8" >"$work/new.job"
if smbc m3u8nas "put $work/new.job jobs/new.job" >/dev/null; then
	grep -q NT_STATUS "$smb/client.err" || fail "a write to the tree share succeeded"
fi
smbc m3u8nas-drop "put $work/new.job new.job" >/dev/null ||
	fail "drop over SMB: $(cat "$smb/client.err")"
cmp "$work/new.job" "$spool/incoming/new.job" || fail "the dropped job differs"
echo "ok"
exit 0
