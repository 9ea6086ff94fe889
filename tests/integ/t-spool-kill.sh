#!/bin/sh
# t-spool-kill - the kill -9 drill: three downloads at once, the spooler
# killed at random moments five times; after a last start all three
# complete, decode-identical to their sources, and the origin's counts
# show at most the in-flight segments fetched again per kill.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

conc=1
kills=5
# ~100 KB segments at 60 KB/s, one at a time: each job takes ~8 s, so the
# kills land in the middle of the downloads.
origin_start --rate 60000
streams=$(streams_dir)
spool_conf "segment_concurrency = $conc;"
spoold_start
for s in plain aes fmp4; do
	drop "$s.job" "{\"url\": \"$ORIGIN/$s/index.m3u8\", \"title\": \"$s\"}"
done
wait_job plain downloading 10

k=1
while [ $k -le $kills ]; do
	# 2.0 .. 3.5 s into this run: mid-segment, mid-playlist or mid-merge.
	ms=$((2000 + $(od -An -N2 -tu2 /dev/urandom) % 1500))
	sleep "$(echo "$ms" | awk '{ printf "%.3f", $1 / 1000 }')"
	spoold_kill9
	echo "kill $k after $ms ms: $(sql "SELECT id || '=' || status || ':' || segments_done FROM jobs;" | tr '\n' ' ')"
	spoold_start
	k=$((k + 1))
done
for s in plain aes fmp4; do
	wait_job "$s" completed 60
done
for s in plain aes fmp4; do
	assert_same_media "$LIBRARY/$s.mp4" "$streams/$s"
	got=0
	for seg in $(grep -v '^#' "$streams/$s/index.m3u8"); do
		got=$((got + $(origin_count "/$s/$seg")))
	done
	echo "$s: $got segment requests for 5 segments, $kills kills"
	[ $got -ge 5 ] || fail "$s: only $got segment requests"
	[ $((got - 5)) -le $((kills * conc)) ] ||
		fail "$s: $((got - 5)) segments fetched again, more than $kills kills x $conc in flight"
done
# Exactly one video per job: no duplicate from a restart.
[ "$(ls "$LIBRARY" | wc -l)" -eq 3 ] || fail "library: $(ls "$LIBRARY")"
[ -z "$(ls -A "$SPOOL/processing")" ] || fail "processing/ not empty"
spoold_stop

# The narrowest window: killed after the video was renamed into the
# library, before the row said completed. The restart must find it there
# (no second copy, no download).
sqlite3 "$DB" "UPDATE jobs SET status = 'merging', progress = 95 WHERE id = 'plain';"
mkdir -p "$SPOOL/processing/plain"
echo "$ORIGIN/plain/index.m3u8" >"$SPOOL/processing/plain/job"
before=$(origin_stat total)
spoold_start
wait_job plain completed 10
[ "$(ls "$LIBRARY" | wc -l)" -eq 3 ] || fail "a second copy: $(ls "$LIBRARY")"
[ "$(origin_stat total)" = "$before" ] || fail "it downloaded again: $before then $(origin_stat total) requests"
[ ! -e "$SPOOL/processing/plain" ] || fail "processing/plain left"
spoold_stop
exit 0
