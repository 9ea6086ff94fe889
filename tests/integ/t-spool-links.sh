#!/bin/sh
# t-spool-links - drill: hard links dropped into incoming/ and control/.
# `ln /etc/shadow incoming/x.job` (here: a root-only secret file) is refused
# unread: no name for that file ever appears in failed/ (the SMB share), the
# name in incoming/ is gone, the secret's link count is back to 1, and no
# word of it reaches failed/*.error, the store, the log or the API. A hard
# link to another job's processing/<id>/job runs no second download (with
# that job's cookies). A refused job whose file was read keeps its URL and
# title in the row. Each drill runs three times.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start --rate 30000
spool_conf "segment_concurrency = 1;"
spoold_start

secret=$(tmpdir)/shadow
printf 'root:SECRETWORD$y$j9T$abc:19000:0:99999:7:::\n' >"$secret"
chmod 0600 "$secret"
ino=$(stat -c %i "$secret")
nothing_of_secret() {	# WHERE: no trace of the secret anywhere we publish
	if grep -rl SECRETWORD "$SPOOL/failed" "$SPOOLD_LOG" 2>/dev/null; then
		fail "$1: the secret's words leaked"
	fi
	sqlite3 "$DB" .dump 2>/dev/null | grep -q SECRETWORD &&
		fail "$1: the secret's words are in the store"
	[ -z "$(find "$SPOOL" "$LIBRARY" -inum "$ino" 2>/dev/null)" ] ||
		fail "$1: a name for the secret remains: $(find "$SPOOL" -inum "$ino")"
	[ "$(stat -c %h "$secret")" = 1 ] ||
		fail "$1: the secret has $(stat -c %h "$secret") links"
	[ "$(cat "$secret")" = 'root:SECRETWORD$y$j9T$abc:19000:0:99999:7:::' ] ||
		fail "$1: the secret changed"
}

for i in 1 2 3; do
	ln "$secret" "$SPOOL/incoming/shadow$i.job"
	wait_job "shadow$i" failed 15
	[ ! -e "$SPOOL/incoming/shadow$i.job" ] || fail "incoming name kept"
	[ ! -e "$SPOOL/failed/shadow$i.job" ] ||
		fail "failed/shadow$i.job exists (inode $(stat -c %i "$SPOOL/failed/shadow$i.job"))"
	[ -f "$SPOOL/failed/shadow$i.error" ] || fail "no .error for shadow$i"
	grep -q 'hard links' "$SPOOL/failed/shadow$i.error" ||
		fail "shadow$i.error: $(cat "$SPOOL/failed/shadow$i.error")"
	[ -z "$(job_field "shadow$i" url)" ] || fail "a url from the secret"
	nothing_of_secret "incoming drill $i"
done

# A hard link to a running job's own file: no second download.
drop slow.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"slow\", \"headers\": {\"Cookie\": \"session=COOKIEWORD\"}}"
wait_job slow downloading 15
for i in 1 2 3; do
	ln "$SPOOL/processing/slow/job" "$SPOOL/incoming/twin$i.job"
	wait_job "twin$i" failed 15
	[ ! -e "$SPOOL/failed/twin$i.job" ] || fail "twin$i.job kept in failed/"
	[ "$(stat -c %h "$SPOOL/processing/slow/job")" = 1 ] ||
		fail "slow/job has $(stat -c %h "$SPOOL/processing/slow/job") links"
	grep -rq COOKIEWORD "$SPOOL/failed" && fail "the cookie reached failed/"
	[ "$(sql "SELECT count(*) FROM jobs WHERE status IN ('downloading','pending','merging');")" = 1 ] ||
		fail "a second download runs: $(sql "SELECT id, status FROM jobs;")"
done

# control/: a hard link as a request is refused unread, the job runs on.
for i in 1 2 3; do
	ln "$secret" "$SPOOL/control/slow.cancel"
	wait_for "[ ! -e '$SPOOL/control/slow.cancel' ]" 15 || fail "control name kept"
	[ "$(job_field slow status)" = downloading ] ||
		fail "a hard-linked cancel was obeyed: $(job_field slow status)"
	nothing_of_secret "control drill $i"
done
log_has control slow || fail "the refused control request was not logged"
origin_ctl "set?rate=0" >/dev/null
wait_job slow completed 60

# Refused by policy, but read: the row keeps its URL and title.
drop dots.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"../../etc/x\"}"
wait_job dots failed 15
[ "$(job_field dots url)" = "$ORIGIN/plain/index.m3u8" ] ||
	fail "refused row url: '$(job_field dots url)'"
[ "$(job_field dots title)" = "../../etc/x" ] ||
	fail "refused row title: '$(job_field dots title)'"
spoold_stop
exit 0
