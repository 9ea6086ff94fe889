# fs-lib.sh - a fresh spool and a real m3u8nas-fs mount for the t-fs-*.sh tests
#
#   . "$top_srcdir/tests/integ/fs-lib.sh"
#   seed add j1 status=downloading progress=42.5 ...   (tests/integ/fs-seed)
#   fs_mount [OPTIONS]            mounts $mnt, exits 77 if FUSE is unusable
#   fs_umount                     unmounts; the trap cleans up anyway
#
# Sets: work spool mnt db conf library. Everything lives in one temp
# directory that the EXIT trap unmounts and removes, even on failure.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
: "${PYTHON3:=python3}"
FS=$top_builddir/fs/m3u8nas-fs
SEED=$top_builddir/tests/integ/fs-seed

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$work/fs.log" ] && sed "s/^/fs.log: /" "$work/fs.log" | grep -v "^fs.log:   [A-Z]" | tail -40; exit 1; }

[ -c /dev/fuse ] || skip "/dev/fuse is absent"
command -v fusermount3 >/dev/null 2>&1 || skip "fusermount3 is not installed"
[ -x "$FS" ] || fail "$FS is not built"

work=$(mktemp -d "${TMPDIR:-/tmp}/t-fs.XXXXXX")
spool=$work/spool
mnt=$work/mnt
library=$work/library
db=$spool/state/m3u8nas.db
conf=$work/m3u8nas.conf
fs_pid=
for d in incoming control processing completed failed state; do
	mkdir -p "$spool/$d"
done
mkdir -p "$mnt" "$library"
cat >"$conf" <<CONF
spool_dir = "$spool";
library_dir = "$library";
mount_point = "$mnt";
CONF

is_mounted() { grep -q " $1 fuse" /proc/mounts; }

fs_cleanup() {
	set +e
	if is_mounted "$mnt"; then
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	fi
	if [ -n "$fs_pid" ]; then
		kill "$fs_pid" 2>/dev/null
		wait "$fs_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap fs_cleanup EXIT
trap 'exit 1' INT TERM HUP

seed() { "$SEED" "$db" "$@" || fail "fs-seed $*"; }

# Starts m3u8nas-fs in the foreground (as a background job) and waits for
# the mount. A failure of libfuse itself to mount counts as a skip (no
# usable FUSE here); anything else is a failure.
fs_mount() {
	"$FS" -c "$conf" -f "$@" >"$work/fs.log" 2>&1 &
	fs_pid=$!
	i=0
	while ! is_mounted "$mnt"; do
		if ! kill -0 "$fs_pid" 2>/dev/null; then
			wait "$fs_pid" 2>/dev/null || true
			fs_pid=
			if grep -q -e '^fuse:' -e 'fusermount' "$work/fs.log"; then
				skip "cannot mount: $(head -1 "$work/fs.log")"
			fi
			fail "m3u8nas-fs exited before mounting"
		fi
		i=$((i + 1))
		[ $i -lt 100 ] || fail "no mount after 10 s"
		sleep 0.1
	done
}

# Stops m3u8nas-fs with a signal and checks that it unmounts and exits.
fs_stop() {
	sig=${1:-TERM}
	kill -"$sig" "$fs_pid"
	i=0
	while is_mounted "$mnt" || kill -0 "$fs_pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "still mounted or running 5 s after SIG$sig"
		sleep 0.1
	done
	wait "$fs_pid" || fail "m3u8nas-fs exited non-zero after SIG$sig"
	fs_pid=
}
