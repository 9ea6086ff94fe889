#!/bin/sh
# t-httpd-add - `m3u8nas add`: a checked .job in the configured spool's
# incoming/, its id printed; bad input refused with a reason, nothing written.
. "$top_srcdir/tests/integ/httpd-lib.sh"
write_conf
mkdir -p "$W/spool/incoming"

id=$("$CLIENT" add -c "$W/m3u8nas.conf" 'https://cdn.example.com/v/master.m3u8?t=1' \
    -t 'My Concert' -r https://example.com/watch -q 720p \
    -H 'Cookie: a=b' -H 'User-Agent: UA/2')
[ $? = 0 ] && ok "add exits 0" || bad "add failed"
case "$id" in j[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])
	ok "id $id" ;; *) bad "id '$id'" ;; esac
"$PYTHON3" - "$W/spool/incoming/$id.job" "$id" <<'PY' && ok ".job content" || bad ".job content"
import json, sys
j = json.load(open(sys.argv[1]))
want = {"url": "https://cdn.example.com/v/master.m3u8?t=1", "title": "My Concert",
        "referer": "https://example.com/watch", "quality": "720p", "id": sys.argv[2],
        "headers": {"Cookie": "a=b", "User-Agent": "UA/2"}}
sys.exit(0 if j == want else print(j) or 1)
PY
id2=$("$CLIENT" add -c "$W/m3u8nas.conf" https://cdn.example.com/x.m3u8)
[ -n "$id2" ] && [ "$id2" != "$id" ] && ok "a second, different id" || bad "id2 '$id2'"
"$PYTHON3" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(j.get("quality") != "best")' \
    "$W/spool/incoming/$id2.job" && ok "quality defaults to best" || bad "default quality"

n0=$(ls "$W/spool/incoming" | wc -l)
while IFS='|' read -r args want; do
	eval "set -- $args"
	"$CLIENT" add -c "$W/m3u8nas.conf" "$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" -ne 0 ] && grep -qF -- "$want" "$W/err"; then ok "add $args: $want"
	else bad "add $args: rc $rc, $(cat "$W/err")"; fi
done <<'EOF2'
ftp://a.example/x|unsupported scheme
https://a.example/x -H 'NoColon'|bad header
https://a.example/x -H 'Bad Name: v'|bad header name
https://a.example/x -q huge|quality
|usage
https://a.example/x https://b.example/y|usage
https://a.example/x --bogus|usage
https://a.example/x -t "$(printf 'caf\351')"|--title is not valid UTF-8
https://a.example/x -H "X-A: $(printf '\377')"|header X-A is not valid UTF-8
EOF2
[ "$(ls "$W/spool/incoming" | wc -l)" = "$n0" ] && ok "nothing written for bad input" ||
	bad "a bad add wrote a file"
"$CLIENT" add --help | grep -q 'usage: m3u8nas add' && ok "add --help" || bad "add --help"
"$CLIENT" add -c "$W/missing.conf" https://a.example/x 2>"$W/err"
[ $? = 1 ] && grep -q missing.conf "$W/err" && ok "missing config: exit 1" ||
	bad "missing config: $(cat "$W/err")"
finish
