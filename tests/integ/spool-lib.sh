# spool-lib.sh - helpers for the spooler's integration tests (t-spool-*.sh).
# Source after tests/integ/lib.sh:
#
#   spool_conf [LINES...]   write $SPOOL_CONF: spool and library under the
#                           test's tmpdir, loopback origin allowed, plus LINES
#   spoold_start [ARGS]     start m3u8nas-spoold -f on $SPOOL_CONF; sets
#                           SPOOLD_PID, SPOOLD_LOG; stopped on exit
#   spoold_stop             SIGTERM and wait; spoold_kill9: kill -9 and wait
#   drop NAME TEXT          write incoming/NAME the way the endpoint does
#                           (dot-file, then rename)
#   sql QUERY               run QUERY on the store (read-only), print rows
#   job_field ID FIELD      one column of job ID
#   wait_job ID STATUS SECS wait until job ID has STATUS; fails (with the
#                           log) on timeout
#   log_has EVENT [JOB]     the JSON log holds an EVENT record (for JOB)

SPOOLD=$top_builddir/spooler/m3u8nas-spoold
SPOOL=$(tmpdir)/spool
LIBRARY=$(tmpdir)/library
SPOOL_CONF=$(tmpdir)/m3u8nas.conf
SPOOLD_LOG=$(tmpdir)/spoold.log
DB=$SPOOL/state/m3u8nas.db

command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the CLI) not found"
[ -x "$SPOOLD" ] || fail "no $SPOOLD"

spool_conf() {
	{
		for _l in "$@"; do echo "$_l"; done
		# Defaults for the tests, unless a line above sets the key.
		for _d in "spool_dir = \"$SPOOL\";" "library_dir = \"$LIBRARY\";" \
		    "min_free_mb = 1;" "log_json = true;" \
		    "allow_private_targets = true;"; do
			case "$*" in *"${_d%% *} "*) ;; *) echo "$_d" ;; esac
		done
	} >"$SPOOL_CONF"
}

_spool_starts() {
	{ cat "$SPOOLD_LOG" 2>/dev/null || true; } | grep -c '"event":"start"'
}

spoold_start() {
	[ -f "$SPOOL_CONF" ] || spool_conf
	_starts=$(_spool_starts)
	"$SPOOLD" -f -c "$SPOOL_CONF" "$@" >>"$SPOOLD_LOG" 2>&1 &
	SPOOLD_PID=$!
	on_exit "kill -9 $SPOOLD_PID 2>/dev/null"
	# The start record is written once the inotify watches exist.
	wait_for "[ \$(_spool_starts) -gt $_starts ] || ! kill -0 $SPOOLD_PID 2>/dev/null" 10
	kill -0 "$SPOOLD_PID" 2>/dev/null || { cat "$SPOOLD_LOG" >&2; fail "m3u8nas-spoold did not start"; }
}

spoold_stop() {
	kill -TERM "$SPOOLD_PID" 2>/dev/null
	wait "$SPOOLD_PID" 2>/dev/null
	_rc=$?
	# Under --enable-asan a leak or UB report is a failure.
	if grep -q 'Sanitizer\|runtime error:' "$SPOOLD_LOG"; then
		grep -A 30 'Sanitizer\|runtime error:' "$SPOOLD_LOG" | head -60 >&2
		fail "sanitizer report in the spooler's log"
	fi
	[ $_rc -eq 0 ] || fail "m3u8nas-spoold exited with $_rc"
	return 0
}

spoold_kill9() {
	kill -9 "$SPOOLD_PID" 2>/dev/null
	wait "$SPOOLD_PID" 2>/dev/null
	return 0
}

drop() {
	printf '%s\n' "$2" >"$SPOOL/incoming/.$1.tmp" || fail "drop $1"
	mv "$SPOOL/incoming/.$1.tmp" "$SPOOL/incoming/$1"
}

sql() {
	sqlite3 -readonly -cmd '.timeout 3000' "$DB" "$1"
}

job_field() {
	sql "SELECT $2 FROM jobs WHERE id = '$1';"
}

wait_job() {
	wait_for "[ \"\$(job_field '$1' status)\" = '$2' ]" "$3" && return 0
	tail -20 "$SPOOLD_LOG" >&2
	sql "SELECT id, status, progress, error_msg FROM jobs;" >&2
	fail "job $1 is '$(job_field "$1" status)', not '$2', after $3 s"
}

log_has() {
	if [ -n "${2:-}" ]; then
		grep "\"event\":\"$1\"" "$SPOOLD_LOG" | grep -q "\"job\":\"$2\""
	else
		grep -q "\"event\":\"$1\"" "$SPOOLD_LOG"
	fi
}
