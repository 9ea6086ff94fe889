# lib.sh - shared helpers for the integration tests (tests/integ/t-*.sh), POSIX sh.
#
#   . "$top_srcdir/tests/integ/lib.sh"
#   need_ffmpeg                       # exit 77 (skip) without ffmpeg
#   origin_start [--latency-ms 50 ...]   # local HLS origin: sets ORIGIN, ORIGIN_PID
#   out=$(tmpdir)/out.mp4             # per-test temp dir, removed on exit
#   ... download "$ORIGIN/plain/index.m3u8" to "$out" ...
#   assert_same_media "$out" "$(streams_dir)/plain"
#   [ "$(origin_count /plain/seg0.ts)" -eq 1 ] || fail "seg0 fetched twice"
#
# Functions:
#   fail MSG              print "FAIL: MSG" to stderr, exit 1
#   skip MSG              print "SKIP: MSG", exit 77
#   on_exit CMD           run CMD (eval'd) on exit, last registered first
#   tmpdir                print the per-test temp dir (KEEP_TMP=1 keeps it)
#   wait_for CMD SECS     poll CMD (eval'd) every 0.1 s until true; 1 on timeout
#   need_ffmpeg, need_python, need_curl   skip (77) when absent
#   streams_dir           make the test streams once (tests/integ/mkstreams.sh) into
#                         $top_builddir/tests/streams and print that path
#   origin_start [ARGS]   start tests/integ/origin.py on streams_dir (extra ARGS go
#                         to origin.py); sets ORIGIN=http://127.0.0.1:PORT,
#                         ORIGIN_PORT, ORIGIN_PID, ORIGIN_LOG; stopped on exit
#   origin_start_tls [ARGS]  the same over HTTPS; ORIGIN_CA = its cert (PEM)
#   origin_ctl CMD?QUERY  GET $ORIGIN/_ctl/CMD?QUERY, print the body
#   origin_count PATH     how many requests PATH got (query ignored)
#   origin_stat KEY       total | bytes | connections | max_inflight from stats
#   origin_header PATH NAME   header NAME of the last request for PATH
#   decoded_md5 FILE... video|audio
#                         md5 of the decoded stream (first video or audio
#                         stream; several FILEs are MPEG-TS sources decoded as
#                         one concatenation, e.g. the disc stream's two encodes)
#   assert_same_media OUTPUT STREAM_DIR | OUTPUT SOURCE_FILE...
#                         fail unless OUTPUT decodes identically to the source:
#                         STREAM_DIR's `expect` names the source(s)
#                         (source=, or source_video= + source_audio=).
#
# The origin is a background job of the test shell: wait for your own
# children by pid (`wait $pid`), never with a bare `wait`.
#
# How the comparison works (validated in t-origin.sh): every decoded frame of
# the first video / audio stream is hashed (-fps_mode passthrough: no frame
# dropped or duplicated; audio as pcm_f32le: exact).  MP4/MOV outputs are read
# with -ignore_editlist 1 so an edit list (start offset, AAC priming) cannot
# hide or add samples: all stored packets are decoded.  Sources are MPEG-TS
# and several are concatenated byte-wise and decoded by one decoder, because
# AAC frames overlap: B's first frame decodes differently after A's last.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FFMPEG:=ffmpeg}"
: "${PYTHON3:=python3}"
# Debian's python3 when present: the harness needs only its standard library,
# and a version manager's shim (pyenv) costs a second or more per start.
[ -x /usr/bin/python3 ] && PYTHON3=/usr/bin/python3
: "${FFPROBE:=$(dirname "$(command -v "$FFMPEG" 2>/dev/null || echo /usr/bin/ffmpeg)")/ffprobe}"
export top_srcdir top_builddir FFMPEG PYTHON3 FFPROBE

_lib_exit_cmds=''
_lib_name=$(basename "$0" .sh)

fail() {
	echo "FAIL: $_lib_name: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $_lib_name: $*" >&2
	exit 77
}

# on_exit CMD - prepend so that cleanups run in reverse order of registration.
on_exit() {
	_lib_exit_cmds="$1
$_lib_exit_cmds"
}

_lib_cleanup() {
	_rc=$?
	trap - EXIT
	set +e
	# A failing test shows what the origin served last.
	if [ "$_rc" != 0 ] && [ "$_rc" != 77 ] && [ -s "${ORIGIN_LOG:-}" ]; then
		echo "--- last requests ($ORIGIN_LOG):" >&2
		tail -n 15 "$ORIGIN_LOG" >&2
	fi
	eval "$_lib_exit_cmds"
	exit "$_rc"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

_lib_tmp=$(mktemp -d "${TMPDIR:-/tmp}/m3u8nas-$_lib_name.XXXXXX") ||
	fail "mktemp"
if [ "${KEEP_TMP:-0}" = 1 ]; then
	on_exit "echo 'kept $_lib_tmp' >&2"
else
	on_exit "rm -rf '$_lib_tmp'"
fi

tmpdir() {
	echo "$_lib_tmp"
}

wait_for() {
	_n=$(($2 * 10))
	while [ "$_n" -gt 0 ]; do
		eval "$1" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	eval "$1"
}

need_ffmpeg() {
	command -v "$FFMPEG" >/dev/null 2>&1 || skip "ffmpeg not found"
	command -v "$FFPROBE" >/dev/null 2>&1 || skip "ffprobe not found"
	command -v openssl >/dev/null 2>&1 || skip "openssl not found"
}

need_python() {
	command -v "$PYTHON3" >/dev/null 2>&1 || skip "python3 not found"
}

need_curl() {
	command -v curl >/dev/null 2>&1 || skip "curl not found"
}

streams_dir() {
	_sd=$top_builddir/tests/streams
	need_ffmpeg
	# Returns at once when the streams are there and current.
	sh "$top_srcdir/tests/integ/mkstreams.sh" "$_sd" >&2 || fail "mkstreams.sh failed"
	echo "$_sd"
}

origin_start() {
	need_ffmpeg
	need_python
	need_curl
	_sd=$(streams_dir) || exit $?
	_pf=$_lib_tmp/origin.$$.$(date +%s%N).port
	ORIGIN_LOG=${_pf%.port}.log
	"$PYTHON3" "$top_srcdir/tests/integ/origin.py" --root "$_sd" \
		--port-file "$_pf" --log "$ORIGIN_LOG" --max-seconds 600 "$@" &
	ORIGIN_PID=$!
	on_exit "kill $ORIGIN_PID 2>/dev/null; wait $ORIGIN_PID 2>/dev/null"
	wait_for "test -s '$_pf' || ! kill -0 $ORIGIN_PID 2>/dev/null" 20
	[ -s "$_pf" ] || fail "origin.py did not start"
	ORIGIN_PORT=$(cat "$_pf")
	ORIGIN=http://127.0.0.1:$ORIGIN_PORT
	ORIGIN_CA=''
	export ORIGIN ORIGIN_PORT ORIGIN_PID ORIGIN_LOG ORIGIN_CA
}

# origin_start_tls [ARGS] - origin_start over HTTPS with a fresh self-signed
# certificate for 127.0.0.1 (ORIGIN_CA: its PEM, for --cacert/CURLOPT_CAINFO)
origin_start_tls() {
	_ca=$_lib_tmp/origin-ca.$(date +%s%N)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$_ca.key" -out "$_ca.pem" -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		>/dev/null 2>&1 || fail "openssl: cannot make a certificate"
	origin_start --tls-cert "$_ca.pem" --tls-key "$_ca.key" "$@"
	ORIGIN=https://127.0.0.1:$ORIGIN_PORT
	ORIGIN_CA=$_ca.pem
}

origin_ctl() {
	[ -n "${ORIGIN:-}" ] || fail "origin_ctl: origin not started"
	curl -sS -f --max-time 10 ${ORIGIN_CA:+--cacert "$ORIGIN_CA"} \
		"$ORIGIN/_ctl/$1"
}

origin_count() {
	origin_ctl "count?path=$1"
}

# origin_stat KEY - a number from the stats (total, bytes, connections,
# max_inflight, inflight, latency_ms, rate)
origin_stat() {
	origin_ctl "stat?key=$1"
}

# origin_header PATH NAME - header NAME of PATH's last request ('' if none)
origin_header() {
	origin_ctl "header?path=$1&name=$2"
}

# _lib_is_mp4 FILE - true when FILE is ISO BMFF (decode it without edit lists)
_lib_is_mp4() {
	case $(dd if="$1" bs=4 skip=1 count=1 2>/dev/null | tr -d '\000') in
	ftyp | styp | moov | mdat | free | wide) return 0 ;;
	esac
	return 1
}

# _lib_types FILE - the stream types of FILE, one a line (video, audio...)
_lib_types() {
	"$FFPROBE" -v error -show_entries stream=codec_type -of csv=p=0 "$1" \
		2>/dev/null
}

_lib_q() {	# quote $1 for eval
	printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"
}

# _lib_decode "KINDS" FILE... - decode once, print the md5 of each KIND
# (video, audio), one a line.  One FILE is read as whatever it is (MP4
# without edit lists); several are MPEG-TS decoded as one concatenation.
_lib_decode() {
	_kinds=$1
	shift
	_o=$(mktemp -d "$_lib_tmp/md5.XXXXXX") || return 1
	_outs=''
	for _k in $_kinds; do
		case $_k in
		video) _outs="$_outs -map 0:v:0 -fps_mode passthrough -f md5 $_o/video" ;;
		audio) _outs="$_outs -map 0:a:0 -c:a pcm_f32le -f md5 $_o/audio" ;;
		*) rm -rf "$_o"; return 1 ;;
		esac
	done
	_ff="$FFMPEG -nostdin -hide_banner -loglevel error"
	_files=''
	for _f in "$@"; do
		[ -f "$_f" ] || { rm -rf "$_o"; echo "no file $_f" >&2; return 1; }
		_files="$_files $(_lib_q "$_f")"
	done
	if [ $# -eq 1 ]; then
		_in=''
		_lib_is_mp4 "$1" && _in='-ignore_editlist 1'
		# shellcheck disable=SC2086
		$_ff $_in -i "$1" $_outs
	else
		# shellcheck disable=SC2086
		eval "cat $_files" | $_ff -f mpegts -i - $_outs
	fi || { rm -rf "$_o"; return 1; }
	for _k in $_kinds; do
		sed -n 's/^MD5=//p' "$_o/$_k"
	done
	rm -rf "$_o"
}

# _lib_source_md5 "KINDS" FILE... - _lib_decode, cached in the streams dir
# (keyed by name, size, mtime and inode: regenerated streams miss the cache)
_lib_source_md5() {
	_kinds=$1
	shift
	_cd=$top_builddir/tests/streams/.cache
	if [ ! -d "$top_builddir/tests/streams" ]; then
		_lib_decode "$_kinds" "$@"
		return
	fi
	mkdir -p "$_cd"
	_key=$(stat -L -c '%n %s %Y %i' "$@" | md5sum | cut -c1-20)
	_c=$_cd/$_key.$(echo "$_kinds" | tr ' ' -)
	if [ -s "$_c" ]; then
		cat "$_c"
		return
	fi
	_lib_decode "$_kinds" "$@" >"$_c.$$" || { rm -f "$_c.$$"; return 1; }
	mv "$_c.$$" "$_c"
	cat "$_c"
}

decoded_md5() {
	[ $# -ge 2 ] || fail "usage: decoded_md5 FILE... video|audio"
	eval "_kind=\${$#}"
	case $_kind in
	video | audio) ;;
	*) fail "decoded_md5: kind must be video or audio" ;;
	esac
	_n=$(($# - 1))
	_files=''
	while [ "$_n" -gt 0 ]; do
		_files="$_files $(_lib_q "$1")"
		shift
		_n=$((_n - 1))
	done
	eval "_lib_decode $_kind $_files"
}

# _lib_expect DIR KEY - value of KEY in DIR/expect (empty when absent)
_lib_expect() {
	sed -n "s/^$2=//p" "$1/expect" | head -n 1
}

# _lib_abs DIR LIST - prefix each relative name in LIST with DIR/
_lib_abs() {
	for _f in $2; do
		case $_f in /*) printf "%s " "$_f" ;; *) printf "%s " "$1/$_f" ;; esac
	done
}

assert_same_media() {
	[ $# -ge 2 ] || fail "usage: assert_same_media OUTPUT DIR|FILE..."
	_out=$1
	shift
	[ -s "$_out" ] || fail "assert_same_media: no output file $_out"
	if [ $# -eq 1 ] && [ -d "$1" ]; then
		[ -f "$1/expect" ] || fail "assert_same_media: no $1/expect"
		_v=$(_lib_expect "$1" source_video)
		_a=$(_lib_expect "$1" source_audio)
		_s=$(_lib_expect "$1" source)
		[ -n "$_v" ] || _v=$_s
		[ -n "$_a" ] || _a=$_s
		[ "$(_lib_expect "$1" video)" = 0 ] && _v=''
		[ "$(_lib_expect "$1" audio)" = 0 ] && _a=''
		_v=$(_lib_abs "$1" "$_v")
		_a=$(_lib_abs "$1" "$_a")
	else
		_v="$*"	# source paths: no blanks (the output may have them)
		_types=$(_lib_types "$1")
		_a=$_v
		echo "$_types" | grep -qx video || _v=''
		echo "$_types" | grep -qx audio || _a=''
	fi
	[ -n "$_v$_a" ] || fail "assert_same_media: nothing to compare"
	_types=$(_lib_types "$_out")
	_kinds=''
	[ -n "$_v" ] && _kinds=video
	[ -n "$_a" ] && _kinds="$_kinds audio"
	for _k in $_kinds; do
		echo "$_types" | grep -qx "$_k" || fail "$_out has no $_k stream"
	done
	# shellcheck disable=SC2086
	set -- $(_lib_decode "$_kinds" "$_out")
	[ $# -gt 0 ] || fail "decoding $_out failed"
	_got_v='' _got_a=''
	[ -n "$_v" ] && { _got_v=$1; shift; }
	[ -n "$_a" ] && _got_a=$1
	if [ -n "$_v" ] && [ "$_v" = "$_a" ]; then
		# shellcheck disable=SC2086
		set -- $(_lib_source_md5 "video audio" $_v)
		_want_v=$1 _want_a=${2:-}
	else
		# shellcheck disable=SC2086
		[ -z "$_v" ] || _want_v=$(_lib_source_md5 video $_v)
		# shellcheck disable=SC2086
		[ -z "$_a" ] || _want_a=$(_lib_source_md5 audio $_a)
	fi
	for _k in $_kinds; do
		if [ $_k = video ]; then
			_src=$_v _want=$_want_v _got=$_got_v
		else
			_src=$_a _want=$_want_a _got=$_got_a
		fi
		[ -n "$_want" ] || fail "decoding source $_src failed"
		[ "$_want" != d41d8cd98f00b204e9800998ecf8427e ] ||
			fail "source $_src decodes to no $_k"
		[ "$_got" = "$_want" ] ||
			fail "$_out: decoded $_k differs from $_src ($_got != $_want)"
	done
	return 0
}
