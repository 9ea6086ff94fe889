/* playlist-int - the parser state shared by the playlist*.c files */
#ifndef M3U8NAS_PLAYLIST_INT_H
#define M3U8NAS_PLAYLIST_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "playlist.h"

/* Named limits, enforced before the work is done. */
#define MAX_TEXT	(64u << 20)	/* bytes of playlist text */
#define MAX_LINE	65536		/* bytes in one line */
#define MAX_SEGMENTS	200000
#define MAX_KEYS	MAX_SEGMENTS
#define MAX_MAPS	MAX_SEGMENTS
#define MAX_VARIANTS	1000
#define MAX_RENDITIONS	1000
#define MAX_DURATION	1e7		/* seconds in one EXTINF */
#define MAX_RANGE_END	(INT64_MAX / 2)	/* byte ranges end before this */

struct parser {
	struct hls_playlist *pl;
	struct url_base *base;
	char *base_scheme;		/* lowercased */
	size_t lineno;
	size_t capseg, capkey, capmap, capvar, capren;

	/* state carried from tags to the next URI line */
	bool have_extinf;
	double duration;
	bool have_range;
	int64_t range_len, range_off;	/* range_off -1: continue */
	int cur_key;			/* -1: clear */
	bool key_open;			/* EXT-X-KEY seen since last segment */
	bool key_open_identity;
	int cur_map;
	int disc;
	bool gap;			/* EXT-X-GAP before the next URI */
	bool variant_pending;
	struct hls_variant variant;

	/* where the last byte range ended, for "n" without "@o" */
	const char *range_uri;
	int64_t range_end;

	bool master_tags;	/* [I-FRAME-]STREAM-INF, MEDIA, SESSION-DATA */
	size_t niframes;
};

/*
 * Tag handlers: val is the text after "TAG:" ("" when there is none).
 * Each returns 0, or -1 with a reason in err that the caller prefixes
 * with "Invalid m3u8: line N: ".
 */
typedef int playlist_tag_fn(struct parser *, const char *, struct err *);

playlist_tag_fn playlist_tag_key, playlist_tag_map, playlist_tag_extinf,
    playlist_tag_byterange, playlist_tag_media_sequence,
    playlist_tag_discontinuity_sequence, playlist_tag_version,
    playlist_tag_target_duration, playlist_tag_playlist_type,
    playlist_tag_discontinuity, playlist_tag_endlist, playlist_tag_gap,
    playlist_tag_stream_inf, playlist_tag_iframe_stream_inf,
    playlist_tag_media, playlist_tag_session_data;

/* Resolves a URI of the playlist against its base; NULL + err on failure. */
char *playlist_resolve(struct parser *p, const char *ref, struct err *err);
/* Frees what a variant owns (not the struct itself). */
void playlist_variant_clear(struct hls_variant *v);

#endif
