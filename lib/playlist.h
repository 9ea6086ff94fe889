/* playlist - HLS playlist parser (RFC 8216): master and media playlists */
#ifndef M3U8NAS_PLAYLIST_H
#define M3U8NAS_PLAYLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * playlist_parse turns playlist text into a struct hls_playlist with every
 * URI already resolved against the playlist's own URL (libcurl CURLU).
 * Tolerant of real-world quirks (CRLF, BOM, blank lines, unknown tags,
 * lowercase attribute values, missing EXT-X-VERSION), strict on nonsense:
 * no #EXTM3U header -> "Invalid m3u8: ..."; a media playlist with no
 * segments -> "No segments found". All memory belongs to the playlist and
 * goes with playlist_free.
 */
enum hls_key_method {
	HLS_KEY_NONE,
	HLS_KEY_AES128,
	HLS_KEY_SAMPLE_AES,	/* refused by the downloader */
	HLS_KEY_OTHER		/* e.g. SAMPLE-AES-CTR, or AES-128 with a
				   KEYFORMAT other than "identity": refused */
};

struct hls_key {
	enum hls_key_method method;
	char *uri;		/* resolved (as written when not fetchable,
				   e.g. "skd://..."); NULL if absent */
	unsigned char iv[16];
	bool has_iv;		/* false: IV = media sequence number */
	char *keyformat;	/* NULL or e.g. "identity", "com.widevine" */
};

struct hls_map {		/* EXT-X-MAP: fMP4 initialization section */
	char *uri;
	int64_t offset;		/* -1: no byte range */
	int64_t length;
};

struct hls_segment {
	char *uri;		/* resolved absolute URL */
	double duration;	/* EXTINF seconds */
	int64_t offset;		/* EXT-X-BYTERANGE start, -1 if none; "n"
				   without "@o" continues after the previous
				   range of the same URI (or 0) */
	int64_t length;		/* EXT-X-BYTERANGE length, -1 if none */
	int64_t sequence;	/* media sequence number of this segment */
	int key;		/* index into keys[], -1 = clear
				   (METHOD=NONE keys are not stored). When
				   several EXT-X-KEY lines precede a segment
				   (one key in several KEYFORMATs), the
				   identity one is kept if there is one. */
	int map;		/* index into maps[], -1 = none */
	int discontinuity;	/* count of EXT-X-DISCONTINUITY before it in
				   this playlist (add discontinuity_sequence
				   for the absolute number) */
	bool gap;		/* EXT-X-GAP: the server has no media for
				   it; it must not be loaded (RFC 8216bis
				   4.4.4.7), its EXTINF still counts */
};

struct hls_variant {		/* EXT-X-STREAM-INF */
	char *uri;
	int64_t bandwidth;
	int64_t average_bandwidth;	/* 0 if absent */
	int width, height;		/* 0 if no RESOLUTION */
	double frame_rate;
	char *codecs;			/* NULL if absent */
	char *audio;			/* AUDIO group id or NULL */
	char *subtitles;		/* SUBTITLES group id or NULL */
};

enum hls_media_type { HLS_MEDIA_AUDIO, HLS_MEDIA_VIDEO, HLS_MEDIA_SUBTITLES,
	HLS_MEDIA_CLOSED_CAPTIONS };

struct hls_rendition {		/* EXT-X-MEDIA */
	enum hls_media_type type;
	char *group_id;
	char *name;
	char *language;		/* NULL if absent */
	char *uri;		/* NULL: carried in the variant's stream */
	bool is_default;
	bool autoselect;
	bool forced;		/* FORCED=YES (subtitles) */
	char *characteristics;	/* CHARACTERISTICS or NULL */
};

struct hls_playlist {
	bool is_master;
	int version;

	/* media playlist */
	double target_duration;
	int64_t media_sequence;
	int64_t discontinuity_sequence;	/* EXT-X-DISCONTINUITY-SEQUENCE, 0 */
	bool endlist;		/* false: live, reload until it appears */
	char *playlist_type;	/* "VOD", "EVENT" or NULL */
	struct hls_segment *segments;
	size_t nsegments;
	struct hls_key *keys;
	size_t nkeys;
	struct hls_map *maps;
	size_t nmaps;
	double total_duration;	/* sum of EXTINF */

	/* master playlist */
	struct hls_variant *variants;
	size_t nvariants;
	struct hls_rendition *renditions;
	size_t nrenditions;
};

int playlist_parse(const char *text, size_t len, const char *base_url,
    struct hls_playlist **out, struct err *err);
void playlist_free(struct hls_playlist *pl);

/*
 * Picks a variant for quality "best" (highest bandwidth), "worst",
 * "<N>p" (the tallest at or below N lines, else the shortest), or a number
 * (the highest bandwidth at or below it, else the lowest). I-frame-only
 * streams are never chosen. Returns the index or -1 with err set.
 */
int playlist_choose_variant(const struct hls_playlist *master,
    const char *quality, struct err *err);
/*
 * The audio rendition to fetch alongside variant v, or -1 when v's own
 * stream carries the audio (or v names no AUDIO group). CODECS lists the
 * formats of the variant and of its renditions together (RFC 8216
 * 4.3.4.2), so it cannot show on its own whether v carries audio; the
 * rendition a player would pick can: DEFAULT=YES, then AUTOSELECT=YES,
 * then the first of v's AUDIO group. If it has a URI it is returned; if
 * it has none the audio is in v, -1. When v's CODECS name no audio codec
 * at all (mp4a, ac-3, ec-3, opus, mp3, flac, alac...), v has no audio and
 * the preferred rendition among those with a URI is returned.
 */
int playlist_audio_for(const struct hls_playlist *master, int variant);

/*
 * Renditions of `type` (audio or subtitles) in variant v's group (AUDIO or
 * SUBTITLES attribute) that have a URI, chosen by `choice`: "all", or a
 * comma-separated list of languages (RFC 5646 tags; "en" matches "en" and
 * "en-US", case-insensitively) or NAMEs. Playlist order, at most max, into
 * out; duplicates (same URI) once. Returns how many (0: none match), or -1
 * with ERR_INVALID for a malformed choice.
 */
int playlist_select_renditions(const struct hls_playlist *master, int v,
    enum hls_media_type type, const char *choice, int *out, size_t max,
    struct err *err);
/* A choice word is "all", "default", "none" or a list of languages (0/-1). */
int playlist_check_choice(const char *choice, struct err *err);

#endif
