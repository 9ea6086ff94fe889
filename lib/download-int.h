/* download-int - the download state machine's insides, shared by its files */
#ifndef M3U8NAS_DOWNLOAD_INT_H
#define M3U8NAS_DOWNLOAD_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "crypt.h"
#include "download.h"
#include "fetch.h"
#include "playlist.h"

/*
 * download.c        lifecycle, step(), progress, title
 * download-plan.c   playlists: master choice, media tracks, live reloads
 * download-workdir.c  the workdir's files: names, writing, resume
 * download-seg.c    segments, init sections and keys on the fetcher;
 *                   disk space
 * download-tail.c   tail splitting: a segment's remaining bytes as byte
 *                   pieces on idle connections
 * download-merge.c  the remux + verify worker thread
 * download-feed.c   what that thread sees of the segments while the
 *                   download runs (merge while downloading)
 */
enum item_state { IT_TODO, IT_RUNNING, IT_DONE, IT_SKIPPED };

/* A byte piece of a segment: [start, end) of its body as served (the
 * cipher text for AES-128, whose plain text lands at the same offsets). */
struct dpiece {
	int64_t start, end;
	struct xfer *x;			/* fetching it; NULL: still to fetch */
	bool done;
};

/*
 * A segment fetched as pieces (split in the tail, or resumed with some
 * done): they cover [0, len) in order without overlap, each written at
 * its offset into the one .part file; the file takes its final name once
 * every piece is done. A segment fetched by one request has none.
 */
struct dpieces {
	int64_t len;
	struct dpiece *v;
	size_t n, cap;
	bool whole_again;	/* the host refused a range: whole, once idle */
	bool skip;		/* lossy: a piece failed; skipped, once idle */
};

struct dseg {
	char *uri;
	double duration;
	int64_t offset, length, sequence;
	int key;			/* index into d->keys, -1 = clear */
	unsigned char iv[CRYPT_BLOCK];
	int map;			/* index into track maps, -1 = none */
	int disc;
	/*
	 * EXT-X-GAP: no media on the server. Born IT_SKIPPED and never
	 * requested, resumed or adopted. The rule the scheduler, the merge
	 * and progress share: an IT_SKIPPED segment (gap, lossy skip, live
	 * stop) is not in the output, but its time is (remux_part's
	 * gap_before); only an IT_DONE segment has a file.
	 */
	bool gap;
	enum item_state state;
	int64_t size;			/* on disk, when done */
	struct dpieces *pc;		/* NULL: fetched whole */
};

struct dmap {
	char *uri;
	int64_t offset, length;
	enum item_state state;
};

struct dkey {
	char *uri;
	unsigned char key[CRYPT_KEY_LEN];
	enum item_state state;
};

/* A small body fetched into memory: a playlist or a key. */
struct small_fetch {
	/* First, so that s is also the fetch_buffer_sink_* argument. */
	struct fetch_buffer buf;
	struct download *d;
	struct fetch_handle *h;
	enum item_state state;		/* IT_DONE ok, IT_SKIPPED failed */
	struct err err;
	char *effective_url;		/* after redirects, when done */
	int index;			/* key index, for keys */
};

/* The main variant, up to 8 audio and 8 subtitle renditions. */
#define DL_MAX_AUDIO	8
#define DL_MAX_SUBS	8
#define DL_MAX_TRACKS	(1 + DL_MAX_AUDIO + DL_MAX_SUBS)

struct track {
	char kind;			/* its files' letter: 'v' main variant,
					   'a'..'h' audio, 'm'..'t' subtitles */
	char type;			/* 'v', 'a' or 's' */
	/* A rendition's EXT-X-MEDIA labels (NULL: none). */
	char *language, *name, *characteristics;
	bool is_default, forced, labelled;
	char *url;			/* media playlist URL */
	struct dseg *segs;
	size_t nsegs, capsegs;
	struct dmap *maps;
	size_t nmaps, capmaps;
	double target;
	bool endlist, loaded;
	int64_t last_seq;
	struct small_fetch pl;		/* playlist (re)load in flight */
	int64_t next_reload_ms;
	size_t cursor;			/* segments before it are not TODO */
};

struct xfer {				/* a segment or init section in flight */
	struct download *d;
	struct track *t;
	long idx;			/* segment index, or -1 - map index */
	int fd;
	char *part, *final;
	struct crypt *cr;
	struct fetch_handle *h;
	int64_t written;		/* plain bytes written, for progress */
	/* The segment bytes it fetches: [start, end), end -1 until the
	 * answer says (a whole segment); pos: the next one to come, wpos:
	 * where the next plain byte goes in the file. */
	int64_t start, end, pos, wpos;
	/* AES-128 piece after the first: its request starts 16 bytes early,
	 * and those are its IV (the cipher block before it). */
	bool pre;
	bool resized;			/* its file is not the pieces' size */
	unsigned char iv[CRYPT_BLOCK];
	size_t ivn;
	/* The last 32 bytes of IV + cipher text: the last block and the one
	 * before it, for the padding check of the segment's last piece. */
	unsigned char last[2 * CRYPT_BLOCK];
	size_t lastn;
	unsigned char *buf;
	size_t cap;
	struct xfer *prev, *next;
};

enum phase { PH_TOP, PH_MEDIA, PH_SEGMENTS, PH_MERGE };

/*
 * Whether the merge runs alongside the download (decided when the
 * segments start): not for live recordings (their segment lists grow)
 * nor subtitles (read whole when the remux starts), and no more after a
 * space pause or a merge that met a full disk.
 */
enum overlap { OV_UNDECIDED, OV_YES, OV_NO };

/*
 * download-feed.c: the merge thread's own view of the segments, under
 * mu: each segment's and init section's state as an enum item_state,
 * IT_TODO until the file is whole under its final name, then IT_DONE or
 * IT_SKIPPED. segmap and dur are copies, fixed while it runs; part_seg
 * is filled by the merge's build_inputs (segments skipped before it
 * started are not parts).
 */
struct feed;
struct feed_track {
	struct feed *feed;
	unsigned char *seg, *map;
	int *segmap;
	double *dur;
	size_t nsegs, nmaps;
	size_t *part_seg;		/* the remux's part i is segment */
};

struct feed {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool late_skip;		/* a part was skipped after the merge began */
	int ntracks;
	struct feed_track t[DL_MAX_TRACKS];
};

struct download {
	struct fetcher *f;
	char *url, *quality, *workdir, *output, *tmp_output;
	char **headers;
	int concurrency, live_max_seconds;
	int64_t min_free_bytes;
	bool lossy, fresh_link;
	/* A previous run's files under another link of the stream: its
	 * segment paths per track (from media-v/-a.m3u8), to compare with
	 * the playlists fetched anew before the kept files are taken. */
	bool adopt;
	char **adopt_paths[2];
	size_t adopt_n[2];
	bool adopt_had[2];

	enum download_state state;
	enum phase phase;
	struct err err;
	bool failed, cancel_req, finish_req;

	struct small_fetch top;		/* the URL given */
	struct track tracks[DL_MAX_TRACKS];
	int ntracks;
	char *audio, *subtitles;	/* the choices; NULL: default, none */
	enum download_subs_as subs_as;
	char *sidecar_ext;		/* "vtt" or "srt" */
	char **sidecars;		/* written, final paths, NULL-ended */
	struct dkey *keys;
	size_t nkeys, capkeys;
	struct small_fetch *keyfetch;	/* one at a time, for simplicity */

	int width, height;
	int want_video, want_audio;	/* 1 yes, 0 no, -1 unknown */

	struct xfer *xfers;
	int inflight;
	/* The origin refused a segment (ERR_DENIED: an expired link): no
	 * new one starts, those in flight finish (they were let in and are
	 * kept for a refresh), then the download fails with this reason. */
	bool denied;
	struct err denied_err;
	int64_t done_bytes, skipped;
	int64_t rx;			/* body bytes received, ever */
	bool space_low, nospace;
	/* After a merge met a full disk: free bytes it waits for. */
	int64_t merge_need_bytes;
	int64_t space_checked_ms, started_ms;
	int64_t samp_ms[16], samp_rx[16];
	int nsamp;

	pthread_t thread;
	bool thread_started;
	enum overlap overlap;
	struct feed *feed;		/* the running merge's view, or NULL */
	struct merge_input *merge_in;	/* its inputs (main thread's) */
	/* merge_stop: a merge alongside is told to give up (a pause, a
	 * failure); merge_cancel: the download is cancelled. */
	atomic_int merge_done, merge_cancel, merge_permille, merge_stop;
	int merge_rc;
	struct err merge_err;
	int64_t output_size;
	int out_width, out_height;	/* of the verified output */

	/* Resume files not yet written (workdir_flush); flushed: written
	 * at once from now on. flush_armed: segment requests were queued
	 * in the last step, so they are on the wire at the next. */
	struct pending_file *pending, **pending_tail;
	bool flushed, flush_armed;
};

/* Records the first reason the download fails for (kind and text). */
void download_fail(struct download *d, const struct err *why);

/* Fetches url into s (max bytes; -1 = the playlist cap). */
void small_start(struct download *d, struct small_fetch *s, const char *url,
    int64_t max);
void small_cancel(struct download *d, struct small_fetch *s);
void small_free(struct small_fetch *s);

/*
 * download-workdir.c: the one place that knows the workdir's file names
 * and formats. The paths are newly allocated (caller frees); the save
 * functions write whole files (tmp, fsync, rename) and only warn when they
 * cannot, since a missing file only costs a resume.
 */
char *workdir_seg_path(const struct download *d, char kind, size_t idx);
char *workdir_init_path(const struct download *d, char kind, size_t map);
/* A finished media playlist and its URL, for a resume to reload. */
void workdir_save_track(struct download *d, char kind, const char *text,
    size_t len, const char *url);
/* Key idx's CRYPT_KEY_LEN bytes. */
void workdir_save_key(struct download *d, size_t idx,
    const unsigned char *key);
/* The chosen variant (info), then source.url: the mark a resume needs. */
void workdir_save_info(struct download *d);
/* A labelled download's renditions (tracks), for a resume. */
void workdir_save_tracks(struct download *d);
/* Picks up a previous run on the same URL, or empties the workdir. */
void workdir_resume(struct download *d);
/*
 * A fresh link (d->adopt): t was just loaded from it; 0 when its segments
 * are the kept run's, else the workdir is emptied (or, with fresh_link,
 * the download failed) and -1. Call before t is saved.
 */
int workdir_adopt_track(struct download *d, struct track *t);
/* Every track loaded from the fresh link: take the kept files. */
void workdir_adopt_done(struct download *d);
void workdir_adopt_free(struct download *d);
/* Writes the resume files kept back so far (FILE_SYNC, in order), and
 * every later one at once. */
void workdir_flush(struct download *d);
/* Drops them unwritten (the workdir is being removed). */
void workdir_pending_free(struct download *d);

/* download-plan.c */
int plan_load_track(struct download *d, struct track *t, const char *text,
    size_t len, const char *url, bool save, struct err *err);
void plan_set_track(struct download *d, int i, char kind, const char *url);
/* The file letter of the n-th rendition of a type ('a' or 's'). */
char plan_track_letter(char type, int n);
/* The choice string saved with a labelled download (caller frees). */
char *plan_choice_line(const struct download *d);
void plan_step(struct download *d);
void plan_live_step(struct download *d);
/* Lowers *due (monotonic ms) to the next live reload or recording end. */
void plan_next_due(const struct download *d, int64_t *due);
void plan_free(struct download *d);

/* The .part.pieces file of a segment fetched in pieces: its done pieces,
 * saved after each (atomically), read back by workdir_resume. */
char *workdir_pieces_path(const struct download *d, char kind, size_t idx);
void workdir_save_pieces(struct download *d, const struct track *t,
    size_t idx);

/* download-seg.c */
/* Starts a request for [start, end) of segment idx (end -1: the whole
 * segment, length unknown); NULL when it could not (the reason is
 * handled: paused or failed). */
struct xfer *seg_xfer_start(struct download *d, struct track *t, long idx,
    int64_t start, int64_t end);
void seg_step(struct download *d);
void seg_cancel_all(struct download *d);
bool seg_all_done(const struct download *d);
void seg_space_check(struct download *d);
/* Lowers *due to the next space check while paused for space. */
void seg_next_due(const struct download *d, int64_t *due);

/* download-tail.c */
struct dpieces *pieces_new(int64_t len);
void pieces_free(struct dpieces *pc);
/* Inserts [start, end) at position i (sorted); returns i. */
size_t pieces_insert(struct dpieces *pc, size_t i, int64_t start,
    int64_t end, bool done);
/* The piece x fetches, or NULL. */
struct dpiece *pieces_find(struct dpieces *pc, const struct xfer *x);
bool pieces_all_done(const struct dpieces *pc);
bool pieces_any_running(const struct dpieces *pc);
bool pieces_any_todo(const struct dpieces *pc);
bool pieces_any_done(const struct dpieces *pc);
/* Free connections and no whole segment left to start: split the
 * largest outstanding requests so that all finish together. */
void tail_split(struct download *d);

/* download-merge.c */
/* Every segment is done: the merge runs (or goes on) alone. */
int merge_start(struct download *d);
void merge_collect(struct download *d);
/*
 * While the segments download: starts the merge alongside once the first
 * segment of every track is there, and settles one that ended early (a
 * failure fails the download; a full disk means merging after it).
 */
void merge_overlap_step(struct download *d);
/* Stops a merge running alongside and waits for it (why: a pause,
 * logged, and a finished merge is kept; NULL: the download failed);
 * later merges run after the download. */
void merge_overlap_stop(struct download *d, const char *why);
/* Tells the thread to stop (cancel, failure), joins it, frees its inputs. */
void merge_stop(struct download *d);
void merge_free(struct download *d);

/* download-feed.c */
struct feed *feed_new(const struct download *d);	/* states as now */
void feed_free(struct feed *f);
/* Segment idx (or init section -1 - map) of t changed state: passed on
 * when it is IT_DONE or IT_SKIPPED. Call wherever such a state is set
 * while the segments download (a no-op without a merge alongside). */
void feed_note(struct download *d, const struct track *t, long idx);
void feed_sync(struct feed *f, const struct download *d);	/* all again */
void feed_stop(struct feed *f);		/* every wait returns STOP */
int feed_wait(void *arg, size_t part);	/* remux_track.wait; a feed_track */
double feed_duration(struct feed *f, int k);	/* EXTINF of IT_DONE */

#endif
