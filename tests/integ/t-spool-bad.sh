#!/bin/sh
# t-spool-bad - every bad input ends in failed/ with a one-line .error, a
# failed row says why, nothing outside the spool is read or touched, and
# the good jobs around them still complete.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start
streams=$(streams_dir)
in=$SPOOL/incoming

# A root-only file outside the spool stands for /etc/shadow: the real one
# changes whenever anything on the machine adds a user (the package test
# does), and this test must see only what the spooler did.
secret_dir=$(mktemp -d "$_lib_tmp/outside.XXXXXX")
shadow=$secret_dir/shadow
printf 'canaryuser:$6$salt$hash:19000:0:99999:7:::\n' >"$shadow"
chmod 0600 "$shadow"
shadow_state() {
	[ -e "$shadow" ] || { echo none; return; }
	s=$(stat -c '%Y %Z %s %i %h' "$shadow")
	h=$(md5sum <"$shadow" 2>/dev/null || echo unreadable)
	echo "$s $h"
}
shadow_before=$(shadow_state)

# failed_with ID TEXT - job ID failed, failed/ID.error is one line with TEXT
failed_with() {
	wait_job "$1" failed 10
	e=$SPOOL/failed/$1.error
	[ -f "$e" ] || fail "$1: no $e"
	[ "$(wc -l <"$e")" -eq 1 ] || fail "$1: .error is not one line"
	grep -qF -- "$2" "$e" || fail "$1: .error says '$(cat "$e")', want '$2'"
	job_field "$1" error_msg | grep -qF -- "$2" || fail "$1: row error"
	[ -e "$SPOOL/failed/$1.job" ] || [ -L "$SPOOL/failed/$1.job" ] ||
		fail "$1: the job is not kept in failed/"
	[ ! -e "$SPOOL/processing/$1" ] || fail "$1: left in processing/"
}

# Stream hosts on loopback are refused unless allow_private_targets.
spool_conf "allow_private_targets = false;"
spoold_start
drop loop.job "{\"url\": \"$ORIGIN/plain/index.m3u8\"}"
drop lh.job "http://localhost:$ORIGIN_PORT/plain/index.m3u8"
failed_with loop "127.0.0.1 is a loopback, private or link-local address"
failed_with lh "localhost"
[ "$(origin_count /plain/index.m3u8)" -eq 0 ] || fail "loopback fetched"
spoold_stop

spool_conf "max_job_file_kb = 4;"
spoold_start
drop good1.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"good one\"}"

# The table: name, how it is made, what its .error says.
mkfifo "$in/fifo.job"
ln -s "$shadow" "$in/shadow.job"
mkdir "$in/dir.job"
drop badjson.job '{"url": "http://example.com/a.m3u8",'
drop nourl.job '{"title": "no url here"}'
drop file.job "{\"url\": \"file://$shadow\"}"
drop ftp.job '{"url": "ftp://example.com/x.m3u8"}'
drop empty.job ''
head -c 3000 /dev/urandom | tr 'a' '\0' >"$in/.junk.tmp"
mv "$in/.junk.tmp" "$in/junk.job"
awk 'BEGIN { printf "{\"url\": \"http://example.com/a.m3u8\", \"title\": \""; for (i = 0; i < 5000; i++) printf "x"; print "\"}" }' >"$in/.big.tmp"
mv "$in/.big.tmp" "$in/big.job"
drop dotdot.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"../../etc/passwd\"}"
drop ctrl.job "{\"url\": \"$ORIGIN/plain/index.m3u8\", \"title\": \"bell\\u0007here\"}"
drop good2.job "$ORIGIN/aes/index.m3u8"

failed_with fifo "is a FIFO, not a file"
failed_with shadow "is a symbolic link, not a file"
failed_with dir "is a directory, not a file"
failed_with badjson "not valid JSON"
failed_with nourl '"url" is missing'
failed_with file "unsupported scheme 'file'"
failed_with ftp "unsupported scheme 'ftp'"
failed_with empty "empty"
failed_with junk "Invalid job"
failed_with big "too large"
failed_with dotdot "'..' path component"
failed_with ctrl "control characters"

# Moved aside as they were, never followed or opened.
[ -L "$SPOOL/failed/shadow.job" ] || fail "the symlink was not moved as a link"
[ "$(readlink "$SPOOL/failed/shadow.job")" = "$shadow" ] || fail "link changed"
[ -p "$SPOOL/failed/fifo.job" ] || fail "the FIFO was not moved as a FIFO"
[ -d "$SPOOL/failed/dir.job" ] || fail "the directory was not moved"
[ "$(shadow_state)" = "$shadow_before" ] || fail "the root-only file outside the spool was touched"

# The queue went on around them.
wait_job good1 completed 30
wait_job good2 completed 30
assert_same_media "$LIBRARY/good one.mp4" "$streams/plain"
assert_same_media "$(job_field good2 file_path)" "$streams/aes"
[ -z "$(ls -A "$in")" ] || fail "incoming/ not empty: $(ls -A "$in")"
kill -0 "$SPOOLD_PID" || fail "the spooler died"
[ "$(sql "SELECT count(*) FROM jobs WHERE status = 'failed';")" -eq 14 ] ||
	fail "failed rows: $(sql "SELECT id FROM jobs WHERE status = 'failed';")"
spoold_stop
exit 0
