#!/bin/sh
# t-library - what lands in the library and what stays private (issue 13):
# a job with a name template, a folder, .nfo, poster and an on_complete
# hook lands where the template says with the same media; its cookie,
# token and query are found nowhere the LAN can read (the FUSE tree, the
# API, the logs, files readable by others); the same stream sent again
# (another token) downloads nothing, and with "force" it does.
. "$top_srcdir/tests/integ/httpd-lib.sh"
SPOOLD="$top_builddir/spooler/m3u8nas-spoold"
FSD="$top_builddir/fs/m3u8nas-fs"
[ -x "$SPOOLD" ] || skip "no $SPOOLD"
command -v xmllint >/dev/null 2>&1 || skip "xmllint (libxml2-utils) not found"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the CLI) not found"
origin_start
streams=$(streams_dir)
MOVIES=$W/movies
MNT=$W/mnt
HOOK=$W/hook.sh
HOOK_OUT=$W/hook.out
mkdir -p "$MNT"
cat >"$HOOK" <<EOF
#!/bin/sh
{ echo "arg=\$1"; env | grep '^M3U8NAS_' | sort; } >"$HOOK_OUT.tmp"
mv "$HOOK_OUT.tmp" "$HOOK_OUT"
echo "library refreshed for \$M3U8NAS_ID"
EOF
chmod 755 "$HOOK"

write_conf "" "min_free_mb = 1;
mount_point = \"$MNT\";
name_template = \"{site}/{job} {height}p\";
folders = { movies = \"$MOVIES\"; };
nfo = true;
poster = true;
on_complete = \"$HOOK\";
on_complete_timeout = 60;"
start_httpd
"$SPOOLD" -f -c "$W/m3u8nas.conf" >"$W/spoold.log" 2>&1 &
spid=$!
on_exit "kill $spid 2>/dev/null; wait $spid 2>/dev/null"
DB=$W/spool/state/m3u8nas.db
wait_for "[ -d '$W/spool/incoming' ] && grep -q '\"event\":\"start\"' '$W/spoold.log'" 20 ||
	fail "the spooler did not start: $(cat "$W/spoold.log")"
field() { sqlite3 -readonly -cmd '.timeout 3000' "$DB" "SELECT $2 FROM jobs LEFT JOIN job_metadata ON job_id = id WHERE id = '$1';"; }
wait_done() {
	wait_for "[ \"\$(field '$1' status 2>/dev/null)\" = '$2' ]" "$3" && return 0
	tail -20 "$W/spoold.log"
	fail "job $1 is '$(field "$1" status)', not '$2'"
}
drop() {
	printf '%s\n' "$2" >"$W/spool/incoming/.$1.tmp" && mv "$W/spool/incoming/.$1.tmp" "$W/spool/incoming/$1"
}

SECRETS="SECRETCOOKIE SECRETAUTH SECRETTOKEN SECRETPAGE"	# SECRETTOKEN: 1..7
URL="$ORIGIN/plain/index.m3u8"

# 1. Names, folder, sidecars, hook.
drop concert.job "{\"url\": \"$URL?token=SECRETTOKEN1\", \"folder\": \"movies\",
 \"source_page\": \"https://www.Example.com/watch?v=SECRETPAGE\",
 \"headers\": {\"Cookie\": \"session=SECRETCOOKIE\", \"Authorization\": \"Bearer SECRETAUTH\"}}"
# A job that fails keeps its cookie in failed/*.job (0600) and nowhere else;
# a refused file's first word is never quoted.
drop broken.job "{\"url\": \"$ORIGIN/nope/index.m3u8?token=SECRETTOKEN2\", \"headers\": {\"Cookie\": \"session=SECRETCOOKIE\"}}"
drop quoted.job "Cookie: session=SECRETCOOKIE"
wait_done concert completed 90
wait_done broken failed 60
wait_done quoted failed 30

res=$(field concert resolution)
h=${res#*x}
[ -n "$h" ] && [ "$h" -gt 0 ] && ok "height known ($res)" || bad "no resolution: '$res'"
want="$MOVIES/www.example.com/concert ${h}p.mp4"
out=$(field concert file_path)
[ "$out" = "$want" ] && ok "landed as $out" || bad "landed as '$out', want '$want'"
[ "$(field concert title)" = concert ] && ok "no title: the dropped name" || bad "title $(field concert title)"
assert_same_media "$out" "$streams/plain" && ok "same media as the source"
nfo="${out%.mp4}.nfo"
poster="${out%.mp4}-poster.jpg"
if xmllint --noout "$nfo" 2>"$W/xmllint.err"; then ok "the .nfo parses"
else bad "the .nfo: $(cat "$W/xmllint.err")"; fi
[ "$(xmllint --xpath 'string(/movie/title)' "$nfo")" = concert ] && ok ".nfo title" ||
	bad ".nfo title: $(cat "$nfo")"
[ "$(xmllint --xpath 'string(/movie/website)' "$nfo")" = https://www.example.com/watch ] &&
	ok ".nfo source page (no query)" || bad ".nfo website: $(cat "$nfo")"
[ "$(xmllint --xpath 'string(/movie/fileinfo/streamdetails/video/height)' "$nfo")" = "$h" ] &&
	ok ".nfo height" || bad ".nfo height"
[ "$("$FFPROBE" -v error -select_streams v:0 -show_entries stream=codec_name \
    -of csv=p=0 "$poster")" = mjpeg ] && ok "the poster is a JPEG" || bad "poster: $(ls -l "$poster")"
"$FFMPEG" -v error -i "$poster" -f null - >/dev/null 2>&1 && ok "the poster decodes" ||
	bad "the poster does not decode"
wait_for "[ -s '$HOOK_OUT' ] && grep -q '\"event\":\"hook\".*exit 0' '$W/spoold.log'" 30 ||
	bad "the hook did not run: $(grep hook "$W/spoold.log")"
grep -qx "arg=$out" "$HOOK_OUT" && ok "hook argument" || bad "hook got: $(cat "$HOOK_OUT")"
for v in "M3U8NAS_ID=concert" "M3U8NAS_FOLDER=movies" "M3U8NAS_SITE=www.example.com" \
    "M3U8NAS_FILE=$out" "M3U8NAS_JOB=concert"; do
	grep -qx "$v" "$HOOK_OUT" && ok "hook env $v" || bad "hook env lacks $v: $(cat "$HOOK_OUT")"
done
grep '"event":"hook"' "$W/spoold.log" | grep -q 'exit 0: library refreshed for concert' &&
	ok "the hook's status and first line are logged" || bad "hook log: $(grep hook "$W/spoold.log")"
[ "$(stat -c %a "$W/spool/failed/broken.job")" = 600 ] && ok "failed/broken.job is 0600" ||
	bad "failed/broken.job is $(stat -c %a "$W/spool/failed/broken.job")"
[ "$(stat -c %a "$W/spool/failed/quoted.job")" = 600 ] && ok "failed/quoted.job is 0600" ||
	bad "failed/quoted.job is $(stat -c %a "$W/spool/failed/quoted.job")"
grep -q -e Cookie -e session "$W/spool/failed/quoted.error" &&
	bad "the .error quotes the file: $(cat "$W/spool/failed/quoted.error")" ||
	ok "the .error quotes nothing ($(cat "$W/spool/failed/quoted.error"))"

# 2. The tree, over FUSE (skipped where FUSE is unusable).
fs_up=0
if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1 && [ -x "$FSD" ]; then
	"$FSD" -c "$W/m3u8nas.conf" -f "$MNT" >"$W/fs.log" 2>&1 &
	fpid=$!
	on_exit "fusermount3 -u '$MNT' 2>/dev/null; kill $fpid 2>/dev/null"
	wait_for "grep -q ' $MNT fuse' /proc/mounts || ! kill -0 $fpid" 10
	grep -q " $MNT fuse" /proc/mounts && fs_up=1
fi
if [ $fs_up = 1 ]; then
	wait_for "[ -f '$MNT/jobs/concert/info.json' ]" 10
	grep -q Cookie "$MNT/jobs/concert/info.json" && ok "info.json names the Cookie header" ||
		bad "info.json: $(cat "$MNT/jobs/concert/info.json")"
	[ -s "$MNT/jobs/concert/info.json" ] || bad "empty info.json"
else
	echo "note: FUSE is not usable here: the tree is not checked"
fi

# 3. The API: folders, lookup, duplicates, force.
req GET /api/folders
expect 200 "GET /api/folders"
jcheck "folder names" "j == {'folders': [{'name': 'library'}, {'name': 'movies'}], 'default': 'library'}"
req POST /api/download -d "{\"url\": \"$URL\", \"folder\": \"nope\"}"
expect 400 "an unknown folder"
jcheck "says which" "'no folder named \"nope\"' in j['error'] and 'movies' in j['error']"
req POST /api/download -d "{\"url\": \"$URL\", \"folder\": \"../etc\"}"
expect 400 "a folder that is a path"
req POST /api/lookup -d "{\"url\": \"$URL?token=another\"}"
expect 200 "lookup"
jcheck "found with another token" "j == {'found': True, 'id': 'concert', 'job_id': 'concert', 'status': 'completed', 'title': 'concert'}"
req POST /api/lookup -d "{\"url\": \"$ORIGIN/aes/index.m3u8\"}"
jcheck "an unknown stream" "j == {'found': False}"
req GET /api/jobs/concert
expect 200 "the job"
jcheck "names its headers, no value" "sorted(j['headers']) == ['Authorization', 'Cookie'] and j['url'] == '$URL' and j['folder'] == 'movies' and j['duplicate'] is False"
segs=$(origin_count /plain/seg0.ts)
files=$(find "$MOVIES" -name '*.mp4' | wc -l)
req POST /api/download -d "{\"url\": \"$URL?token=SECRETTOKEN3\", \"folder\": \"movies\"}"
expect 200 "the same stream again"
jcheck "answered as a duplicate" "j == {'id': 'concert', 'job_id': 'concert', 'status': 'completed', 'duplicate': True}"
# The same stream dropped as a file (m3u8nas add): a completed duplicate.
id=$("$CLIENT" add -c "$W/m3u8nas.conf" -F movies -H "Cookie: session=SECRETCOOKIE" "$URL?token=SECRETTOKEN4") ||
	bad "m3u8nas add"
wait_done "$id" completed 30
[ "$(field "$id" duplicate_of)" = concert ] && ok "recorded as duplicate_of concert" ||
	bad "duplicate_of '$(field "$id" duplicate_of)'"
[ "$(field "$id" file_path)" = "$out" ] && ok "points at the existing video" || bad "file $(field "$id" file_path)"
req GET "/api/jobs/$id"
jcheck "the API marks it" "j['duplicate'] is True and j['duplicate_of'] == 'concert' and j['status'] == 'completed'"
[ "$(origin_count /plain/seg0.ts)" = "$segs" ] && ok "no new segment request" ||
	bad "segments fetched again ($segs -> $(origin_count /plain/seg0.ts))"
[ "$(find "$MOVIES" -name '*.mp4' | wc -l)" = "$files" ] && ok "no new file" || bad "a new file: $(find "$MOVIES")"
[ ! -e "$W/spool/processing/$id" ] && ok "no job file left" || bad "processing/$id left"
req POST /api/download -d "{\"url\": \"$URL?token=SECRETTOKEN5\", \"folder\": \"movies\", \"force\": true}"
expect 201 "force"
fid=$(jget 'j["job_id"]')
wait_done "$fid" completed 90
[ "$(origin_count /plain/seg0.ts)" -gt "$segs" ] && ok "force downloads again" || bad "force fetched nothing"
fout=$(field "$fid" file_path)
[ -s "$fout" ] && [ "$fout" != "$out" ] && ok "a second file $fout" || bad "force landed as '$fout'"

# A duplicate of a job still running waits attached to it and ends with it:
# one download for both.
origin_ctl "set?latency_ms=400" >/dev/null
drop first.job "{\"url\": \"$ORIGIN/aes/index.m3u8?token=SECRETTOKEN6\"}"
wait_for "[ \"\$(field first status)\" = downloading ]" 30 || bad "first never started"
drop second.job "{\"url\": \"$ORIGIN/aes/index.m3u8?token=SECRETTOKEN7\"}"
wait_for "[ \"\$(field second duplicate_of)\" = first ]" 30 &&
	ok "second attached to first ($(field second status))" || bad "second: $(field second status) $(field second duplicate_of)"
origin_ctl "set?latency_ms=0" >/dev/null
wait_done first completed 90
wait_done second completed 30
[ "$(field second file_path)" = "$(field first file_path)" ] && ok "attached: the same video" ||
	bad "second landed as $(field second file_path)"
[ "$(origin_count /aes/seg0.ts)" = 1 ] && ok "downloaded once" || bad "aes/seg0.ts fetched $(origin_count /aes/seg0.ts) times"

# 4. Secrets: nowhere in the tree, the API, the logs; on disk only in
# files no one else may read.
req GET "/api/jobs?limit=100"
cp "$W/body" "$W/api-list.json"
for j in concert broken quoted "$id" "$fid" first second; do
	req GET "/api/jobs/$j"
	cat "$W/body" >>"$W/api-list.json"
done
req GET /api/status
cat "$W/body" >>"$W/api-list.json"
for s in $SECRETS; do
	grep -q "$s" "$W/api-list.json" && bad "$s in the API"
	grep -q "$s" "$W/spoold.log" "$W/log" && bad "$s in the logs: $(grep -h "$s" "$W/spoold.log" "$W/log" | head -3)"
	[ $fs_up = 1 ] && grep -rq "$s" "$MNT" 2>/dev/null && bad "$s in the tree: $(grep -rl "$s" "$MNT")"
	for f in $(grep -rla "$s" "$W/spool" "$W/library" "$MOVIES" 2>/dev/null); do
		m=$(stat -c %a "$f")
		case $m in 600 | 400) ;; *) bad "$f (mode $m) holds $s" ;; esac
	done
done
ok "secrets checked"
[ $fs_up = 1 ] && { fusermount3 -u "$MNT" 2>/dev/null; wait "$fpid" 2>/dev/null; }

# 5. Removing the video removes its sidecars (the spooler's sweep).
rm -f "$fout"
kill -HUP "$spid"
fnfo="${fout%.mp4}.nfo"
wait_for "[ ! -e '$fnfo' ]" 45 && ok "sidecars go with the video" || bad "$fnfo left behind"
[ -e "$nfo" ] && ok "the other video's sidecars stay" || bad "$nfo removed"

kill "$spid"
wait "$spid" || bad "the spooler exited $?"
finish
