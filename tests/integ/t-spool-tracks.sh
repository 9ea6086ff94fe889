#!/bin/sh
# t-spool-tracks - a .job's "audio" and "subtitles" choices through the
# spooler: every audio language a track, subtitles as tracks and as sidecars
# (subtitles_as = "both", subtitle_format = "srt") named after the video.
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/spool-lib.sh"

origin_start
streams=$(streams_dir)
spool_conf 'subtitles_as = "both";' 'subtitle_format = "srt";'
spoold_start

printf '{"url": "%s/tracks/index.m3u8", "title": "Film", "audio": "all", "subtitles": ["fr"]}\n' \
	"$ORIGIN" >"$(tmpdir)/film.job"
mv "$(tmpdir)/film.job" "$SPOOL/incoming/film.job"
printf '{"url": "%s/tracks/index.m3u8", "audio": 3}\n' "$ORIGIN" \
	>"$(tmpdir)/bad.job"
mv "$(tmpdir)/bad.job" "$SPOOL/incoming/bad.job"
wait_job film completed 60
wait_job bad failed 30
[ "$(job_field film file_path)" = "$LIBRARY/Film.mp4" ] ||
	fail "film landed as $(job_field film file_path)"
streams_of=$("$FFPROBE" -v error -show_entries \
	stream=codec_type:stream_tags=language -of csv=p=0 "$LIBRARY/Film.mp4" |
	tr '\n' ' ')
[ "$streams_of" = "video,und audio,eng audio,fra subtitle,fra " ] ||
	fail "streams: $streams_of"
[ -f "$LIBRARY/Film.fr.srt" ] || fail "no sidecar: $(ls -a "$LIBRARY")"
"$PYTHON3" "$top_srcdir/tests/integ/cues-check.py" \
	"$streams/tracks/s-fr/cues" "$LIBRARY/Film.fr.srt" || fail "fr sidecar"
ls -a "$LIBRARY" | grep -q '^\.m3u8nas-' && fail "hidden files left: $(ls -a "$LIBRARY")"
grep -q '"audio" must be a string or a list' "$SPOOL/failed/bad.error" ||
	fail "bad.error: $(cat "$SPOOL/failed/bad.error")"
spoold_stop
echo "ok"
