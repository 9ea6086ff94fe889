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
 * rendition. Segments of one track that share a discontinuity number are
 * read as one continuous byte stream (TS segments concatenated, or an fMP4
 * init section followed by its media segments); at a discontinuity the
 * demuxer is reopened and timestamps are shifted so the output runs on.
 *
 * The output is an MP4 with +faststart, every input stream copied (no
 * re-encode): video, audio, and subtitles where MP4 can carry them (mov_text)
 * else dropped with a warning. The file is written to `output` directly;
 * the caller writes to a temporary name and renames.
 *
 * remux_verify reopens the output and checks that every expected stream
 * kind is present and that the duration matches `expected_duration` (sum of
 * EXTINF) within max(1.5 s, 2 %). A file that fails is an error.
 *
 * progress (may be NULL) is called now and then with 0.0 .. 1.0 and may
 * return non-zero to cancel. Memory stays flat: packets are streamed.
 */
struct remux_part {
	const char *path;	/* a segment file */
	int discontinuity;	/* parts with the same number are one stream */
	const char *init_path;	/* fMP4 init section for this part, or NULL */
};

struct remux_track {
	const struct remux_part *parts;
	size_t nparts;
	bool audio_only;	/* a separate audio rendition: keep audio only */
};

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

int remux_verify(const char *output, bool want_video, bool want_audio,
    double expected_duration, struct remux_result *res, struct err *err);

#endif
