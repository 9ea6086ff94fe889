#!/bin/sh
# t-fs-ctl - writing cancel or retry to jobs/<id>/ctl drops the request in
# the spool's control/ (shell redirection, printf without newline, CRLF);
# any other word is EINVAL and sends nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/fs-lib.sh"

seed add d1 status=downloading name=concert
seed add f1 status=failed name=broken
fs_mount
ctl=$spool/control

# (writer command, job, request file expected)
while IFS='|' read -r how job want; do
	rm -f "$ctl"/*
	case "$how" in
	echo-cancel) echo cancel >"$mnt/jobs/$job/ctl" ;;
	printf-retry) printf retry >"$mnt/jobs/$job/ctl" ;;
	crlf-cancel) printf 'cancel\r\n' >"$mnt/jobs/$job/ctl" ;;
	append-retry) echo retry >>"$mnt/jobs/$job/ctl" ;;
	by-name-cancel) echo cancel >"$mnt/by-name/concert/ctl" ;;
	esac || fail "$how: the write failed"
	[ "$(ls -A "$ctl")" = "$want" ] || fail "$how: control/ holds '$(ls -A "$ctl")', want $want"
	word=${want#*.}
	[ "$(cat "$ctl/$want")" = "$word" ] || fail "$how: $want holds '$(cat "$ctl/$want")'"
done <<'CASES'
echo-cancel|d1|d1.cancel
printf-retry|f1|f1.retry
crlf-cancel|d1|d1.cancel
append-retry|f1|f1.retry
by-name-cancel|d1|d1.cancel
CASES

# Refused words: EINVAL, and nothing lands in control/.
rm -f "$ctl"/*
for word in delete Cancel "cancel please" "" "retry retry"; do
	if printf '%s\n' "$word" >"$mnt/jobs/d1/ctl" 2>"$work/err"; then
		fail "'$word' was accepted"
	fi
	grep -q "Invalid argument" "$work/err" || fail "'$word': $(cat "$work/err")"
done
[ -z "$(ls -A "$ctl")" ] || fail "a refused word left $(ls -A "$ctl")"
# ctl of a job that does not exist
if echo cancel >"$mnt/jobs/nope/ctl" 2>/dev/null; then fail "ctl of no job"; fi
[ -z "$(ls -A "$ctl")" ] || fail "ctl of no job left $(ls -A "$ctl")"
# ctl reads as empty and says so in its size
[ "$(stat -c %s "$mnt/jobs/d1/ctl")" -eq 0 ] || fail "ctl size"
[ -z "$(cat "$mnt/jobs/d1/ctl")" ] || fail "ctl reads non-empty"
# No control/ (a spool the spooler never set up): the write fails, loudly.
rmdir "$ctl"
if echo cancel >"$mnt/jobs/d1/ctl" 2>/dev/null; then fail "write without control/"; fi
echo "ok"
