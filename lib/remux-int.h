/* remux-int - what the remux files share: one track's demuxer, libav glue */
#ifndef M3U8NAS_REMUX_INT_H
#define M3U8NAS_REMUX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>

#include "err.h"
#include "remux.h"

/* Bounds on what probing may read before the first packet. */
#define RX_PROBESIZE	(5 << 20)		/* bytes */
#define RX_ANALYZE_US	(10 * AV_TIME_BASE)	/* 10 s of media */
#define RX_IOBUF	(64 << 10)
/* A part this big that yields no packet at all is damaged, not short. */
#define RX_PART_MIN	4096

/*
 * Demuxers a segment may be opened with. Anything else (an "hls" playlist
 * smuggled into a segment, an image sequence...) is refused, so a hostile
 * segment can never make libavformat open other files or URLs.
 */
#define RX_DEMUXERS	"mpegts,mov,mp4,m4a,aac,mp3,ac3,eac3"

/* Progress shared by every track: bytes read so far over the total. */
struct rx_progress {
	int64_t done, total;
};

/*
 * The byte stream of one group: the init section (if any) once, then the
 * parts in order, each with a leading ID3 tag (packed audio) skipped. It is
 * what the AVIOContext's read callback walks.
 */
struct rx_stream {
	const struct remux_part *parts;
	size_t first, next, end; /* first part, next to open, one past last */
	const char *init;	/* init section still to send, or NULL */
	const char *cur;	/* path of the open file, for messages */
	int fd;
	int64_t pos;		/* bytes handed to the demuxer so far */
	int64_t *starts;	/* where each part of the group began, or -1 */
	int64_t *sizes;		/* its bytes, ID3 tags left out */
	unsigned *npkts;	/* packets the demuxer found in it */
	size_t checked;		/* parts whose size was checked */
	struct rx_progress *prog;
	char why[ERR_MAX];	/* set when the callback fails */
};

/*
 * One track being read: the demuxer of its current group and where the
 * group's packets go. map[i] is the output stream of input stream i, or -1
 * to drop it.
 */
struct rx_track {
	const struct remux_track *t;
	size_t tindex;		/* position in the caller's array */
	size_t gstart, gend;	/* parts of the open group */
	int group;		/* 0, 1, ... */
	AVFormatContext *fmt;
	AVIOContext *avio;
	struct rx_stream src;
	int *map;
	unsigned nmap;
	AVBSFContext **bsf;	/* per input stream, or NULL: remux-bsf.c */
	bool timed;		/* the container carries real timestamps */
	bool is_ts;		/* MPEG-TS: parts are whole TS packets */
	bool exact_pos;		/* MP4: a sample is [pos, pos + size) */
	int64_t start_us;	/* of the group: earliest stream start */
	int64_t offset_us;	/* added to the group's timestamps */
	bool offset_set;
	int64_t end_us;		/* largest dts + duration written so far */
	AVPacket *pkt;		/* read ahead; valid when has_pkt */
	bool has_pkt, done;
	struct rx_subs *subs;	/* a subtitle track's cues: remux-subs.c */
};

/* An output stream and what we know about its time line. */
struct rx_out {
	size_t track;			/* which rx_track feeds it */
	enum AVMediaType type;
	enum AVCodecID codec;
	int64_t last_dts;		/* written, output time base */
	int last_size;			/* of the packet written last */
	int64_t prev_dts, delta;	/* read: last dts and its step */
};

/* One remux_to_mp4 call: its tracks, the muxer, and counters to report. */
struct rx_job {
	struct rx_track *tr;
	size_t ntr;
	AVFormatContext *oc;
	struct rx_out *outs;
	size_t nouts, capouts;
	int64_t base_us;		/* earliest start of the timed tracks */
	struct rx_progress prog;
	int (*progress)(void *, double);
	void *arg;
	double reported;
	unsigned nfixed;		/* timestamps nudged to stay monotonic */
	unsigned ndropped;		/* damaged frames left out */
	unsigned noverlap;		/* packets repeating written time */
};

/* remux-map.c: output streams from a track's first group (-1 on error)... */
int rx_map_first(struct rx_job *j, struct rx_track *tr, struct err *err);
/* ... and a later group's streams joined to them by kind and order. */
int rx_map_later(struct rx_job *j, struct rx_track *tr, struct err *err);

/* remux-input.c */
int rx_track_open_group(struct rx_track *tr, struct rx_progress *prog,
    struct err *err);
void rx_track_close_group(struct rx_track *tr);
/* A packet of the open group into tr->pkt: 1, 0 at the group's end, -1. */
int rx_track_read(struct rx_track *tr, struct err *err);
int64_t rx_part_size(const char *path, struct err *err);
/* Whether part i begins a new group (new discontinuity or init section,
 * or a gap before it). */
bool rx_group_starts(const struct remux_track *t, size_t i);
/* Whether part i runs on the clock of part i - 1 (a group begun only by a
 * gap: same discontinuity, same init section). */
bool rx_same_clock(const struct remux_track *t, size_t i);

/* remux-bsf.c: bring stream i of the open group to the output's form. */
int rx_bsf_open(struct rx_track *tr, unsigned i, struct err *err);
/* The parameters of stream i as they come out of its filter. */
const AVCodecParameters *rx_bsf_par(const struct rx_track *tr, unsigned i);
/* 1: pkt filtered in place; 0: the filter refused it, it is gone. */
int rx_bsf_filter(struct rx_track *tr, AVPacket *pkt);
void rx_bsf_close(struct rx_track *tr);

/* remux-subs.c: a subtitle track's cues, sidecar and output stream. */
int rx_subs_open(struct rx_job *j, struct rx_track *tr, int64_t video_us,
    struct err *err);
/* Its next mov_text packet into tr->pkt: 1, 0 at the end, -1. */
int rx_subs_next(struct rx_job *j, struct rx_track *tr, struct err *err);
void rx_subs_free(struct rx_track *tr);
/* A rendition's language, name and dispositions on an output stream. */
void rx_label_stream(AVStream *st, const struct remux_track *t);
/* WEBVTT signature and X-TIMESTAMP-MAP of a WebVTT file's header. */
int rx_vtt_header(const char *text, size_t len, bool *has, int64_t *mpegts,
    int64_t *local_us, struct err *err);

/* remux-av.c */
/* err_set with ": <av_strerror text>" appended; returns -1. */
int rx_averr(struct err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Routes libav's own messages (errors only) to log_warnx, once. */
void rx_log_init(void);

#endif
