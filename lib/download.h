/* download - one HLS download as a state machine on a shared fetcher */
#ifndef M3U8NAS_DOWNLOAD_H
#define M3U8NAS_DOWNLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "fetch.h"

/*
 * A download turns a playlist URL into one verified MP4:
 *   playlist -> (master: choose variant [+ audio rendition]) -> keys ->
 *   segments, N in flight, streamed (and decrypted) into workdir ->
 *   remux + verify in a worker thread -> rename to output.
 *
 * It never blocks: every network step runs on the shared fetcher (one curl
 * multi handle for every download of the process), and the remux runs in a
 * thread. The owner drives the fetcher (fetcher_poll) and calls
 * download_step() after each poll; download_step returns the state.
 *
 * Resume: workdir keeps the chosen media playlist(s) (media.m3u8,
 * audio.m3u8 with their URLs), the keys, and each finished segment as
 * seg-v-NNNNNN / seg-a-NNNNNN (written as .part, renamed when whole). A
 * download started on a workdir that has them fetches only what is
 * missing. The same stream under a fresh link (the query changed: a new
 * token) fetches its playlists anew and keeps every finished segment when
 * they list the same segments. The workdir is the caller's to remove
 * after DONE.
 */
enum download_state {
	DL_STARTING,		/* fetching playlists and keys */
	DL_DOWNLOADING,		/* segments */
	DL_PAUSED,		/* disk full: nothing new is started */
	DL_MERGING,		/* remux + verify in the worker thread */
	DL_DONE,		/* output verified and in place */
	DL_FAILED,		/* download_error() says why */
	DL_CANCELLED
};

struct download_opts {
	const char *url;
	const char *quality;		/* NULL = "best" */
	const char *const *headers;	/* "Name: value", NULL-terminated */
	const char *workdir;		/* must exist */
	const char *output;		/* final path; written via a temp name */
	int concurrency;		/* segments in flight, default 10 */
	int live_max_seconds;		/* live: stop recording after this */
	int64_t min_free_bytes;		/* pause below this much free space */
	bool lossy;			/* skip segments that keep failing */
	/*
	 * Renditions of a master playlist's chosen variant. audio: NULL or
	 * "default" (the one a player would pick, unlabelled: the output of
	 * before), "all" (every audio rendition of the variant's group, each
	 * a labelled track), or languages "en,fr". subtitles: NULL or "none",
	 * "all", or languages; kept as mov_text tracks and/or sidecar files
	 * OUTPUT-BASE.LANG.vtt|.srt (subtitles_as, sidecar_format).
	 */
	const char *audio;
	const char *subtitles;
	enum download_subs_as { DL_SUBS_TRACK, DL_SUBS_SIDECAR, DL_SUBS_BOTH }
	    subtitles_as;
	const char *sidecar_format;	/* "vtt" (default) or "srt" */
	/*
	 * A URL other than the workdir's is a fresh link for the stream kept
	 * there (the spooler's refresh), even when its path differs: the kept
	 * files are taken when the new media playlists list the same
	 * segments (paths, queries set aside), else the download fails with
	 * ERR_DENIED ("not the same stream") and leaves the workdir alone.
	 * Without it only a URL that differs in its query alone (a new
	 * token) resumes; a mismatch there starts over.
	 */
	bool fresh_link;
};

struct download_progress {
	enum download_state state;
	double percent;			/* store.h's scale: 0-90, 90-99, 100 */
	int64_t segments_done, segments_total;
	int64_t bytes_done;		/* segment bytes on disk */
	int64_t bytes_estimate;		/* total, extrapolated */
	double speed_bps;		/* over the last few seconds */
	double eta_s;			/* -1: unknown */
	double duration;		/* seconds of media (EXTINF sum) */
	int width, height;		/* of the chosen variant, 0 unknown */
	bool live;
	int64_t output_size;		/* after DONE */
	/*
	 * Seconds the source itself has no media for (EXT-X-GAP segments;
	 * the most of any track). Not an error: those segments are never
	 * requested, not counted in segments_*, percent or bytes_estimate,
	 * and the output keeps their time (a hole on its time line).
	 */
	double gap_seconds;
};

struct download;

/* NULL with err set only for bad options; network errors come later. */
struct download *download_new(struct fetcher *f,
    const struct download_opts *opts, struct err *err);
/* Advances the state machine; cheap, call after every fetcher_poll. */
enum download_state download_step(struct download *d);
/*
 * The owner's wait: ms until this download's next own deadline (a live
 * playlist reload, the end of a recording, the space check while paused),
 * at most max_ms. Requests need no deadline: fetcher_poll returns when
 * one ends.
 */
int download_wait_ms(const struct download *d, int max_ms);
void download_get_progress(struct download *d, struct download_progress *p);
/* Why it failed, with the kind the cause gave it (valid in DL_FAILED):
 * ERR_NOSPACE when the disk filled, ERR_DENIED for a 403... */
const struct err *download_error(const struct download *d);
/* Asks to stop; the state becomes DL_CANCELLED after the next steps. */
void download_cancel(struct download *d);
/* Live streams: stop recording now and keep what we have. */
void download_finish_live(struct download *d);
/* Waits for the worker thread (if any) and frees everything. */
void download_free(struct download *d);
const char *download_state_name(enum download_state s);

/*
 * True if workdir holds a finished segment or a segment's done pieces,
 * i.e. a later run on it would resume rather than start over.
 */
bool download_workdir_has_segments(const char *workdir);

/*
 * After DL_DONE: the sidecar files written next to the output (final
 * paths), NULL-terminated; valid until download_free.
 */
const char *const *download_sidecars(const struct download *d);
/* "track", "sidecar", "both" (NULL: track) as enum download_subs_as, -1. */
int download_subs_as_parse(const char *word);

/* The title a playlist URL suggests ("master" is skipped), sanitized. */
char *download_title_from_url(const char *url);

#endif
