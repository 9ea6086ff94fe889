/* remux - segments on disk to one verified MP4 with libavformat, in-process */
#ifndef M3U8NAS_REMUX_H
#define M3U8NAS_REMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Inputs are plain (already decrypted) segment files on disk, in playlist
 * order. A track is one rendition: the main variant, or a separate audio
 * rendition. Segments of one track that share a discontinuity number (and
 * init section) are read as one continuous byte stream (TS segments
 * concatenated, or an fMP4 init section followed by its media segments;
 * packed audio .aac/.mp3 with each segment's ID3 tag skipped); at a
 * discontinuity the demuxer is reopened and timestamps are shifted so the
 * output runs on.
 *
 * Time line: the first groups of all tracks share one base (the earliest
 * start among TS/MP4 tracks), so separate renditions stay in sync and the
 * file starts at 0; raw audio (no timestamps of its own) starts at 0. A
 * later group is shifted as a whole (audio and video together) so that it
 * begins where the track's previous group ended (dts + duration), plus the
 * time missing before it (remux_part.gap_before: EXT-X-GAP); a group begun
 * only by a gap, on the same clock, keeps its own timestamps. DTS stay
 * strictly increasing per stream: a damaged input's stray timestamps are
 * nudged, not refused.
 *
 * The output is an MP4 with +faststart, every input stream copied (no
 * re-encode): video, audio, and subtitles where MP4 can carry them (mov_text)
 * else dropped with a warning. A track's streams come from its first group;
 * later groups join them by kind and order (first video to first video...).
 * The file is written to `output` directly; the caller writes to a
 * temporary name and renames. On failure the partial output is removed.
 *
 * A damaged input is refused by name ("track 1: seg7.ts: truncated: ...",
 * "...: empty segment", "...: no audio or video found in it (damaged?)"),
 * never written as a file with a silent hole. Every error names the track,
 * the file or the step, with libav's reason.
 *
 * remux_verify reopens the output and checks that every expected stream
 * kind is present, that every sample lies inside the file (a cut-short
 * file fails) and that the duration matches `expected_duration` (sum of
 * EXTINF; 0 = unknown, not checked) within max(1.5 s, 2 %). A file that
 * fails is an error: "verify: no audio stream in output", "verify:
 * duration 4.0 s, playlist says 10.0 s". res (may be NULL) is filled with
 * what was found, also on failure.
 *
 * progress (may be NULL) is called now and then, from the calling thread,
 * with the fraction of input bytes read (0.0 .. 1.0, non-decreasing, 1.0
 * last on success) and may return non-zero to cancel: remux_to_mp4 then
 * fails with "cancelled". Memory stays flat: packets are streamed; only
 * the MP4 sample tables grow (about 0.4 MB per minute of 25 fps video with
 * AAC audio, measured).
 *
 * libav's own logging is turned down to errors and routed to log_warnx.
 * Both functions may run in several threads at once on different files.
 */
struct remux_part {
	const char *path;	/* a segment file */
	int discontinuity;	/* parts with the same number are one stream */
	const char *init_path;	/* fMP4 init section for this part, or NULL */
	/*
	 * Seconds of the source missing just before this part (EXT-X-GAP or
	 * skipped segments), 0 for none. Such a part starts a new group, and
	 * the output keeps the missing time as a hole: within one
	 * discontinuity a timed group (TS, MP4) keeps the media's own clock;
	 * otherwise (a discontinuity, raw audio) it starts gap_before after
	 * the end of the group before. Ignored on the first part: the file
	 * starts with the first media there is.
	 */
	double gap_before;
};

struct remux_track {
	const struct remux_part *parts;
	size_t nparts;
	bool audio_only;	/* a separate audio rendition: keep audio only */
	/*
	 * A rendition's labels, from its EXT-X-MEDIA (all NULL/false: none
	 * written, as for a plain download). language is the playlist's
	 * RFC 5646 tag, stored as ISO 639-2 ("en" -> "eng"); name goes to
	 * the handler name; is_default -> AV_DISPOSITION_DEFAULT, forced ->
	 * AV_DISPOSITION_FORCED; characteristics "public.accessibility.
	 * describes-music-and-sound" -> AV_DISPOSITION_HEARING_IMPAIRED,
	 * "...describes-video" -> AV_DISPOSITION_VISUAL_IMPAIRED.
	 */
	const char *language, *name, *characteristics;
	bool is_default, forced;
	/*
	 * Subtitles: the parts are WebVTT files (one per segment, each with
	 * its own X-TIMESTAMP-MAP, or one file). Their cues are put on the
	 * output's time line (MPEGTS:<90 kHz>,LOCAL:<time> maps a cue time to
	 * the media timestamps; without a map, cue time 0 is the video's first
	 * picture), cues repeated by consecutive segments kept once, and
	 * written as a mov_text stream when `in_mp4`, and into `sidecar` when
	 * set (WebVTT as read when it ends in .vtt, SubRip when in .srt).
	 * Subtitle tracks come after every audio/video track.
	 */
	bool subtitles, in_mp4;
	const char *sidecar;
};

/*
 * What remux_verify_tracks checks, one entry per kept rendition, in the
 * order of the tracks given to remux_to_mp4 (audio renditions are the last
 * audio streams of the file, subtitle tracks with in_mp4 its subtitle
 * streams). duration is the rendition's EXTINF sum (0: not checked); an
 * audio stream must match it within max(1.5 s, 2 %), a subtitle stream may
 * not run past it. label names the track in the error ("audio fr
 * (Francais)").
 */
struct remux_expect {
	bool subtitles;
	const char *language;	/* as in remux_track, or NULL */
	bool is_default;
	double duration;
	const char *label;
};

int remux_verify_tracks(const char *output, const struct remux_expect *ex,
    size_t n, struct err *err);

/* The ISO 639-2 code MP4 stores for an RFC 5646 tag ("und" if unknown). */
const char *remux_iso639(const char *tag);

struct remux_result {
	bool has_video;
	bool has_audio;
	double duration;	/* seconds, of the output */
	int width, height;
	int64_t size;		/* bytes */
};

int remux_to_mp4(const struct remux_track *tracks, size_t ntracks,
    const char *output, int (*progress)(void *arg, double fraction),
    void *arg, struct err *err);

/*
 * What the first group of a track carries, read the way remux_to_mp4 reads
 * it (same demuxers only: a hostile segment cannot make libavformat open
 * anything else). An audio_only track never reports video. 0 or -1.
 */
int remux_probe(const struct remux_track *track, bool *has_video,
    bool *has_audio, struct err *err);

int remux_verify(const char *output, bool want_video, bool want_audio,
    double expected_duration, struct remux_result *res, struct err *err);

#endif
