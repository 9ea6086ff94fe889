#!/bin/sh
# t-deb-package - the Debian package, as installed on a Debian 12 NAS:
#  1. dpkg-buildpackage -us -uc -b builds m3u8nas_VERSION_ARCH.deb from a
#     clean copy (the checkout's tracked files, or the dist tree under
#     distcheck); lintian reports no error;
#  2. its file list holds the programs, units, sysusers.d, tmpfiles.d, the
#     conffile, the Samba snippet, the extension and every man page;
#  3. dpkg -i makes the user, the spool (owners, modes) and a fresh token;
#     systemd-analyze verify passes on the installed units; the installed
#     endpoint refuses the sample token beyond loopback;
#  4. the installed programs, run as their units run them (user m3u8nas,
#     umask 0002; m3u8nas-fs as root with allow_other), start from a config
#     derived from the installed one into a temporary spool, take a job over
#     HTTPS and download a test stream; the FUSE tree is visible here (the
#     host's mount namespace) and to another user;
#  5. an upgrade keeps the token, the spool and the store (the new spooler
#     opens the old database at the current schema);
#  6. dpkg --purge removes the user, the group, the spool and /etc/m3u8nas.
# It installs into this machine (CI and test machines are throwaway): it
# needs root and refuses to touch an m3u8nas that was installed before.
. "$top_srcdir/tests/integ/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i)"
for t in dpkg-buildpackage dh lintian systemd-analyze dpkg-deb setpriv \
    sqlite3 curl; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (scripts/deps.sh --test)"
done
case "${SANITIZED:-}" in
*sanitize*) skip "the package is built by dpkg-buildpackage, not by this sanitized tree" ;;
esac
st=$(dpkg-query -W -f='${Status}' m3u8nas 2>/dev/null || true)
case "$st" in
*installed*|*config-files*|*unpacked*)
	skip "m3u8nas is already installed here ($st); not touching it" ;;
esac
[ ! -e /etc/m3u8nas ] || skip "/etc/m3u8nas exists; not touching it"
need_python
need_curl
origin_start

W=$(tmpdir)
chmod 0755 "$W"		# the daemons' user works below it
CONF=/etc/m3u8nas/m3u8nas.conf
pids=""
installed=no
on_exit 'for p in $pids; do kill $p 2>/dev/null; wait $p 2>/dev/null; done
	grep -q " $W/mnt fuse" /proc/mounts && { fusermount3 -u "$W/mnt" 2>/dev/null || umount -l "$W/mnt"; }
	[ "$installed" = no ] || dpkg --purge m3u8nas >/dev/null 2>&1'

# --- 1. build from a clean copy ----------------------------------------
src=$W/src
mkdir "$src"
# A checkout: its tracked files. Else (distcheck's dist tree, which may sit
# inside a checkout's build directory) the tree as it is, made writable.
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = \
    "$(cd "$top_srcdir" && pwd -P)" ]; then
	(cd "$top_srcdir" && git ls-files -z | xargs -0 cp -P --parents -t "$src" 2>/dev/null) ||
		fail "copying the tracked files"
else
	cp -a "$top_srcdir/." "$src/"
	chmod -R u+w "$src"
fi
version=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 ||
	{ tail -40 "$W/build.log"; fail "dpkg-buildpackage failed"; }
deb=$W/m3u8nas_${version}_${arch}.deb
[ -f "$deb" ] || fail "no $deb: $(ls "$W")"
echo "ok: built $(basename "$deb")"

lintian --pedantic -I "$W/m3u8nas_${version}_${arch}.changes" >"$W/lintian.out" 2>&1 || true
if grep -q '^E: ' "$W/lintian.out"; then
	cat "$W/lintian.out"; fail "lintian reports errors"
fi
echo "ok: lintian: no error ($(grep -c '^W: ' "$W/lintian.out") warnings)"
grep '^W: ' "$W/lintian.out" || true

# --- 2. what it ships ---------------------------------------------------
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$W/files"
for f in /usr/bin/m3u8nas /usr/sbin/m3u8nas-spoold /usr/sbin/m3u8nas-fs \
    /usr/sbin/m3u8nas-httpd \
    /lib/systemd/system/m3u8nas-spoold.service \
    /lib/systemd/system/m3u8nas-fs.service \
    /lib/systemd/system/m3u8nas-httpd.service \
    /usr/lib/sysusers.d/m3u8nas.conf /usr/lib/tmpfiles.d/m3u8nas.conf \
    /etc/m3u8nas/m3u8nas.conf /usr/share/m3u8nas/smb.conf.snippet \
    /etc/logrotate.d/m3u8nas /usr/share/m3u8nas/m3u8nas-alerts.yml \
    /usr/share/m3u8nas/m3u8nas-certbot-deploy-hook \
    /usr/share/m3u8nas/extension/manifest.json \
    /usr/share/m3u8nas/extension/background.js \
    /usr/share/m3u8nas/extension/lib/api.js \
    /usr/share/m3u8nas/extension/icons/icon128.png \
    /usr/share/man/man1/m3u8nas.1.gz /usr/share/man/man1/m3u8nas-get.1.gz \
    /usr/share/man/man5/m3u8nas.conf.5.gz \
    /usr/share/man/man8/m3u8nas-spoold.8.gz \
    /usr/share/man/man8/m3u8nas-fs.8.gz /usr/share/man/man8/m3u8nas-httpd.8.gz
do
	grep -qx "$f" "$W/files" || fail "the package lacks $f"
done
# Every file the extension's manifest and pages load is there.
for f in $(cd "$top_srcdir/extension" && ls *.js *.html *.css lib/*.js icons/*.png); do
	grep -qx "/usr/share/m3u8nas/extension/$f" "$W/files" ||
		fail "the package lacks the extension's $f"
done
dpkg-deb -e "$deb" "$W/control"
grep -qx /etc/m3u8nas/m3u8nas.conf "$W/control/conffiles" ||
	fail "the config is not a conffile"
echo "ok: the file list holds everything"

# --- 3. install ---------------------------------------------------------
installed=yes
dpkg -i "$deb" >"$W/install.log" 2>&1 ||
	{ cat "$W/install.log"; fail "dpkg -i failed"; }
grep -q "fresh API token is in $CONF" "$W/install.log" ||
	fail "postinst did not say where the token is: $(cat "$W/install.log")"
getent passwd m3u8nas >/dev/null || fail "no user m3u8nas"
getent group m3u8nas >/dev/null || fail "no group m3u8nas"
mode() { stat -c '%a %U %G' "$1"; }
sp=/var/spool/m3u8nas
[ "$(mode $sp/incoming)" = "2770 m3u8nas m3u8nas" ] ||
	fail "incoming/: $(mode $sp/incoming), want 2770 m3u8nas m3u8nas"
[ "$(mode $sp/control)" = "2770 m3u8nas m3u8nas" ] || fail "control/: $(mode $sp/control)"
[ "$(mode $sp/state)" = "750 m3u8nas m3u8nas" ] || fail "state/: $(mode $sp/state)"
for d in processing failed completed; do
	[ -d "$sp/$d" ] || fail "no $sp/$d"
done
[ "$(mode $CONF)" = "640 root m3u8nas" ] || fail "$CONF: $(mode $CONF)"
grep -q '"change-me"' "$CONF" && fail "the installed config still holds the sample token"
token=$(sed -n 's/^ *tokens = \[ "\([0-9a-f]\{32\}\)" \];/\1/p' "$CONF")
[ -n "$token" ] || fail "no fresh token in $CONF: $(grep tokens $CONF)"
echo "ok: installed: user, spool, fresh token"

(cd /lib/systemd/system && systemd-analyze verify m3u8nas-spoold.service \
    m3u8nas-fs.service m3u8nas-httpd.service) >"$W/verify.out" 2>&1 ||
	{ cat "$W/verify.out"; fail "systemd-analyze verify"; }
[ ! -s "$W/verify.out" ] || { cat "$W/verify.out"; fail "systemd-analyze verify is not clean"; }
# No option that would give the fs unit its own mount namespace.
grep -E '^(Private(Tmp|Devices|Network|IPC)|Protect(System|Home|Proc|Kernel[A-Za-z]*|ControlGroups)|(ReadWrite|ReadOnly|Inaccessible|Bind|BindReadOnly)Paths|TemporaryFileSystem|MountAPIVFS)=' \
    /lib/systemd/system/m3u8nas-fs.service && fail "the fs unit makes a private mount namespace"
for u in spoold fs httpd; do
	systemd-analyze security --offline=true \
	    /lib/systemd/system/m3u8nas-$u.service 2>/dev/null | grep Overall || true
done
echo "ok: systemd-analyze verify is clean on the installed units"

# The shipped sample (change-me, 0.0.0.0:8443) is refused, with the way out.
rc=0
/usr/sbin/m3u8nas-httpd -f -c /usr/share/m3u8nas/m3u8nas.conf >"$W/refuse.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "the endpoint started with the sample token on 0.0.0.0"
grep -q 'change-me.*beyond loopback.*tokens = \[' "$W/refuse.log" ||
	fail "no clear refusal: $(cat "$W/refuse.log")"
echo "ok: the sample token on 0.0.0.0 is refused"

# --- 4. run as installed, into a temporary spool ------------------------
tsp=$W/spool
mkdir -p "$tsp" "$W/library" "$W/mnt"
chown m3u8nas:m3u8nas "$tsp" "$W/library"
sed -e "s|^spool_dir = .*|spool_dir = \"$tsp\";|" \
    -e "s|^library_dir = .*|library_dir = \"$W/library\";|" \
    -e "s|^mount_point = .*|mount_point = \"$W/mnt\";|" \
    -e "s|^allow_private_targets = .*|allow_private_targets = true;|" \
    -e "s|^min_free_mb = .*|min_free_mb = 1;|" \
    -e "s|^  listen = .*|  listen = \"127.0.0.1:0\";|" "$CONF" >"$W/m3u8nas.conf"
chgrp m3u8nas "$W/m3u8nas.conf"
chmod 0640 "$W/m3u8nas.conf"
grep -q "\"$token\"" "$W/m3u8nas.conf" || fail "the derived config lost the token"
# As the units run them: user and group m3u8nas, umask 0002. A plain
# command (not a function) so that $! is the daemon itself (exec chain).
AS_UNIT="setpriv --reuid=m3u8nas --regid=m3u8nas --init-groups sh -c"
UMASK='umask 0002; exec "$@"'

$AS_UNIT "$UMASK" sh /usr/sbin/m3u8nas-spoold -f -c "$W/m3u8nas.conf" >"$W/spoold.log" 2>&1 &
pids="$pids $!"
$AS_UNIT "$UMASK" sh /usr/sbin/m3u8nas-httpd -f -c "$W/m3u8nas.conf" >"$W/httpd.log" 2>&1 &
hpid=$!
pids="$pids $hpid"
port=
wait_for "port=\$(sed -n 's/.*\"msg\":\"https:\\/\\/127\\.0\\.0\\.1:\\([0-9]*\\)\\/\".*/\\1/p' '$W/httpd.log' | tail -1); [ -n \"\$port\" ] || ! kill -0 $hpid 2>/dev/null" 30
[ -n "$port" ] || fail "the installed endpoint did not start: $(cat "$W/httpd.log")"

fs=no
if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
	/usr/sbin/m3u8nas-fs -c "$W/m3u8nas.conf" -f -o allow_other >"$W/fs.log" 2>&1 &
	fpid=$!
	pids="$pids $fpid"
	wait_for "grep -q ' $W/mnt fuse' /proc/self/mounts || ! kill -0 $fpid 2>/dev/null" 30
	if grep -q " $W/mnt fuse" /proc/self/mounts; then fs=yes
	elif grep -q -e '^fuse:' -e fusermount "$W/fs.log"; then
		echo "note: FUSE cannot mount here: $(head -1 "$W/fs.log")"
	else fail "the installed m3u8nas-fs did not mount: $(cat "$W/fs.log")"; fi
else
	echo "note: no /dev/fuse: the FUSE part is not run"
fi

api() { curl -sk -H "Authorization: Bearer $token" "$@"; }
api -o "$W/post.json" -w '%{http_code}' -X POST "https://127.0.0.1:$port/api/download" \
    -d "{\"url\": \"$ORIGIN/master/index.m3u8\", \"title\": \"Deb Video\", \"quality\": \"240p\"}" \
    >"$W/post.code"
[ "$(cat "$W/post.code")" = 201 ] || fail "POST: $(cat "$W/post.code") $(cat "$W/post.json")"
id=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["job_id"])' "$W/post.json")
status() { api "https://127.0.0.1:$port/api/jobs/$id" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin).get("status"))'; }
wait_for '[ "$(status)" = completed ] || [ "$(status)" = failed ]' 120
[ "$(status)" = completed ] ||
	{ tail -20 "$W/spoold.log"; fail "job $id: $(status)"; }
[ -s "$W/library/Deb Video.mp4" ] || fail "no video in the library: $(ls -la "$W/library")"
"$FFPROBE" -v error "$W/library/Deb Video.mp4" || fail "the video does not probe"
echo "ok: the installed programs downloaded a stream (job $id)"
if [ "$fs" = yes ]; then
	wait_for "[ \"\$(cat '$W/mnt/jobs/$id/status' 2>/dev/null)\" = completed ]" 30 ||
		fail "the FUSE tree does not show $id completed: $(ls "$W/mnt" "$W/mnt/jobs" 2>&1)"
	setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$W/mnt/status" >"$W/other.out" 2>&1 ||
		fail "another user cannot read the tree: $(cat "$W/other.out")"
	grep -q 'spooler: alive' "$W/other.out" || fail "status: $(cat "$W/other.out")"
	echo "ok: the FUSE tree is visible on the host, to other users too"
fi
for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids=""
! grep -q " $W/mnt fuse" /proc/self/mounts || fail "still mounted after SIGTERM"

# --- 5. upgrade ---------------------------------------------------------
sqlite3 "$tsp/state/m3u8nas.db" ".backup '$sp/state/m3u8nas.db'"
chown m3u8nas:m3u8nas "$sp/state/m3u8nas.db"
echo "https://example.com/kept.m3u8" >"$sp/incoming/kept.job"
dpkg-deb -R "$deb" "$W/next"
sed -i "s/^Version: .*/Version: ${version}+next1/" "$W/next/DEBIAN/control"
dpkg-deb -b "$W/next" "$W/next.deb" >/dev/null
dpkg -i "$W/next.deb" >"$W/upgrade.log" 2>&1 ||
	{ cat "$W/upgrade.log"; fail "the upgrade failed"; }
[ "$(dpkg-query -W -f='${Version}' m3u8nas)" = "${version}+next1" ] || fail "not upgraded"
grep -q "\"$token\"" "$CONF" || fail "the upgrade changed the token"
grep -q "fresh API token" "$W/upgrade.log" && fail "the upgrade made a new token"
[ -f "$sp/incoming/kept.job" ] || fail "the upgrade lost incoming/"
[ "$(mode $sp/incoming)" = "2770 m3u8nas m3u8nas" ] || fail "incoming/ after upgrade: $(mode $sp/incoming)"
rm -f "$sp/incoming/kept.job"
# The new spooler opens the old store (migrating it if its schema is older).
sed -e "s|^spool_dir = .*|spool_dir = \"$sp\";|" "$W/m3u8nas.conf" >"$W/real.conf"
chgrp m3u8nas "$W/real.conf"
$AS_UNIT "$UMASK" sh /usr/sbin/m3u8nas-spoold -f -c "$W/real.conf" >"$W/spoold2.log" 2>&1 &
spid=$!
pids="$spid"
wait_for "grep -q '\"event\":\"start\"' '$W/spoold2.log' || ! kill -0 $spid 2>/dev/null" 30
kill -0 "$spid" 2>/dev/null || fail "the new spooler does not start on the old store: $(cat "$W/spoold2.log")"
kill "$spid"; wait "$spid" 2>/dev/null || true
pids=""
[ "$(sqlite3 "$sp/state/m3u8nas.db" "SELECT status FROM jobs WHERE id = '$id'")" = completed ] ||
	fail "the store lost job $id in the upgrade"
[ "$(sqlite3 "$sp/state/m3u8nas.db" 'PRAGMA user_version')" -ge 1 ] || fail "schema version"
echo "ok: the upgrade kept the token, the spool and the store"

# --- 6. purge -----------------------------------------------------------
dpkg --purge m3u8nas >"$W/purge.log" 2>&1 || { cat "$W/purge.log"; fail "purge failed"; }
installed=no
getent passwd m3u8nas >/dev/null && fail "purge left the user"
getent group m3u8nas >/dev/null && fail "purge left the group"
[ ! -e "$sp" ] || fail "purge left $sp: $(ls -R "$sp")"
[ ! -e /etc/m3u8nas ] || fail "purge left /etc/m3u8nas"
[ ! -e /mnt/m3u8nas ] || fail "purge left /mnt/m3u8nas"
echo "ok: purge removed what the package made"
