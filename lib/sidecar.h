/* sidecar - what media servers read beside a video: .nfo and a poster */
#ifndef M3U8NAS_SIDECAR_H
#define M3U8NAS_SIDECAR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Beside "<dir>/<name>.mp4", Kodi and Jellyfin read "<name>.nfo" (a
 * <movie> document) and "<name>-poster.jpg". Both are written atomically
 * (file_write_atomic) after the video is in place, and removed when the
 * video is (sidecar_remove, the spooler's sweep).
 */
struct nfo_info {
	const char *title;
	const char *source_page;	/* its public form (no query) */
	int64_t added;			/* unix seconds */
	double duration;		/* seconds, 0 unknown */
	int width, height;		/* 0 unknown */
};

/* The .nfo text (UTF-8 XML 1.0, every value escaped; characters XML
 * cannot hold and invalid UTF-8 dropped). Newly allocated. */
char *nfo_render(const struct nfo_info *info);
/* "<dir>/<name>.nfo" and "<dir>/<name>-poster.jpg" for a video path (its
 * ".mp4" replaced). Newly allocated. */
char *sidecar_nfo_path(const char *video);
char *sidecar_poster_path(const char *video);
/* Removes both sidecars of video (those that exist). */
void sidecar_remove(const char *video);

/*
 * A JPEG (libavcodec's mjpeg encoder, in-process) of the frame about 10%
 * into `mp4`, which must be a file this program made and verified: it is
 * opened as "file:" with the mov/mp4 demuxer forced and whitelisted, as
 * lib/remux does, so nothing in it can make libavformat open anything
 * else. *jpeg (caller frees) and *len. 0 or -1.
 */
int poster_make(const char *mp4, uint8_t **jpeg, size_t *len, struct err *err);

#endif
