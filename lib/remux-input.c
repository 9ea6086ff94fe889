/* remux-input - one track's group of parts as one byte stream, demuxed */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/mem.h>

#include "remux-int.h"
#include "log.h"
#include "xmalloc.h"

#define RX_ID3_MAX	4	/* leading ID3 tags skipped per part */

static int
rx_fail(struct rx_stream *s, const char *path, int code)
{
	snprintf(s->why, sizeof(s->why), "%s: %s", path, strerror(code));
	return AVERROR(code);
}

/*
 * Packed audio segments (.aac, .mp3) start with an ID3 tag carrying the
 * segment's timestamp; concatenated, those tags would sit in the middle of
 * the audio and confuse the parser, so each part's leading tags are skipped.
 */
static off_t
rx_skip_id3(struct rx_stream *s, int fd)
{
	unsigned char h[10];
	off_t at = 0, size;
	int i;

	for (i = 0; i < RX_ID3_MAX; i++) {
		if (pread(fd, h, sizeof(h), at) != (ssize_t)sizeof(h) ||
		    memcmp(h, "ID3", 3) != 0 || h[3] == 0xff || h[4] == 0xff ||
		    ((h[6] | h[7] | h[8] | h[9]) & 0x80) != 0)
			break;
		size = 10 + ((off_t)h[6] << 21 | (off_t)h[7] << 14 |
		    (off_t)h[8] << 7 | (off_t)h[9]);
		if (h[5] & 0x10)
			size += 10;	/* footer */
		at += size;
	}
	if (at == 0 || lseek(fd, at, SEEK_SET) != at)
		return 0;
	s->prog->done += at;
	return at;
}

/*
 * Regular files only: a FIFO or device must not block or feed us. part is
 * the index of the part in the group, or -1 for the init section.
 */
static int
rx_open_file(struct rx_stream *s, const char *path, ssize_t part)
{
	off_t skipped = 0;
	struct stat st;
	int fd, code;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return rx_fail(s, path, errno);
	if (fstat(fd, &st) == -1) {
		code = errno;
		close(fd);
		return rx_fail(s, path, code);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(s->why, sizeof(s->why), "%s: not a regular file",
		    path);
		return AVERROR(EINVAL);
	}
	if (part >= 0) {
		skipped = rx_skip_id3(s, fd);
		s->starts[part] = s->pos;
		s->sizes[part] = st.st_size - skipped;
	}
	s->fd = fd;
	s->cur = path;
	return 0;
}

/* The AVIOContext read callback: init once, then each part in turn. */
static int
rx_read(void *opaque, uint8_t *buf, int size)
{
	struct rx_stream *s = opaque;
	const char *path;
	ssize_t n;
	int ret;

	for (;;) {
		if (s->fd == -1) {
			if (s->init != NULL) {
				path = s->init;
				s->init = NULL;
				ret = rx_open_file(s, path, -1);
			} else if (s->next < s->end) {
				path = s->parts[s->next++].path;
				ret = rx_open_file(s, path,
				    (ssize_t)(s->next - 1 - s->first));
			} else
				return AVERROR_EOF;
			if (ret < 0)
				return ret;
		}
		n = read(s->fd, buf, (size_t)size);
		if (n > 0) {
			s->prog->done += n;
			s->pos += n;
			return (int)n;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return rx_fail(s, s->cur, errno);
		close(s->fd);
		s->fd = -1;
	}
}

int64_t
rx_part_size(const char *path, struct err *err)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return err_errno(err, "%s", path);
	if (!S_ISREG(st.st_mode))
		return err_set(err, "%s: not a regular file", path);
	return st.st_size;
}

static bool
rx_same_init(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
rx_group_starts(const struct remux_track *t, size_t i)
{
	const struct remux_part *p = t->parts;

	return i == 0 || p[i].discontinuity != p[i - 1].discontinuity ||
	    !rx_same_init(p[i].init_path, p[i - 1].init_path) ||
	    p[i].gap_before > 0;
}

bool
rx_same_clock(const struct remux_track *t, size_t i)
{
	const struct remux_part *p = t->parts;

	return i > 0 && p[i].discontinuity == p[i - 1].discontinuity &&
	    rx_same_init(p[i].init_path, p[i - 1].init_path);
}

/* Parts [gstart, gend) share a discontinuity number and an init section. */
static void
rx_next_group(struct rx_track *tr)
{
	size_t e;

	tr->gstart = tr->gend;
	for (e = tr->gstart + 1; e < tr->t->nparts; e++)
		if (rx_group_starts(tr->t, e))
			break;
	tr->gend = e;
}

/* The earliest start of the streams we keep; 0 when nothing says. */
static int64_t
rx_group_start(const AVFormatContext *fmt)
{
	int64_t best = AV_NOPTS_VALUE, t;
	unsigned i;

	for (i = 0; i < fmt->nb_streams; i++) {
		const AVStream *st = fmt->streams[i];
		enum AVMediaType type = st->codecpar->codec_type;

		if ((type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO) ||
		    st->start_time == AV_NOPTS_VALUE)
			continue;
		t = av_rescale_q(st->start_time, st->time_base, AV_TIME_BASE_Q);
		if (best == AV_NOPTS_VALUE || t < best)
			best = t;
	}
	if (best == AV_NOPTS_VALUE)
		best = fmt->start_time;
	return best == AV_NOPTS_VALUE ? 0 : best;
}

/*
 * The reason the read callback left, else libav's. Opening and probing
 * read ahead over several parts, so they name the group's first part.
 */
static int
rx_input_err(struct rx_track *tr, struct err *err, int code,
    const char *step)
{
	const char *path = tr->src.cur != NULL ? tr->src.cur :
	    tr->t->parts[tr->gstart].path;

	if (tr->src.why[0] != '\0')
		return err_set(err, "track %zu: %s", tr->tindex + 1,
		    tr->src.why);
	if (strcmp(step, "reading") != 0)
		path = tr->t->parts[tr->gstart].path;
	/* What format_whitelist refusals come back as. */
	if (strcmp(step, "opening") == 0 && code == AVERROR(EINVAL))
		return err_set(err, "track %zu: opening %s: not an MPEG-TS, "
		    "MP4 or audio segment", tr->tindex + 1, path);
	return rx_averr(err, code, "track %zu: %s %s", tr->tindex + 1, step,
	    path);
}

int
rx_track_open_group(struct rx_track *tr, struct rx_progress *prog,
    struct err *err)
{
	AVDictionary *opts = NULL;
	unsigned char *buf;
	const char *name;
	size_t i, n;
	int ret;

	rx_next_group(tr);
	n = tr->gend - tr->gstart;
	tr->src = (struct rx_stream){ .parts = tr->t->parts,
	    .first = tr->gstart, .next = tr->gstart, .end = tr->gend,
	    .init = tr->t->parts[tr->gstart].init_path, .fd = -1,
	    .starts = xcalloc(n, sizeof(int64_t)),
	    .sizes = xcalloc(n, sizeof(int64_t)),
	    .npkts = xcalloc(n, sizeof(unsigned)), .prog = prog };
	for (i = 0; i < n; i++)
		tr->src.starts[i] = -1;
	buf = av_malloc(RX_IOBUF);
	tr->avio = avio_alloc_context(buf, RX_IOBUF, 0, &tr->src, rx_read,
	    NULL, NULL);
	if (buf == NULL || tr->avio == NULL) {
		if (tr->avio == NULL)
			av_free(buf);
		return err_set(err, "out of memory opening a demuxer");
	}
	/* Allocation failure is fatal, as everywhere (xmalloc). */
	if ((tr->fmt = avformat_alloc_context()) == NULL)
		fatalx("avformat_alloc_context: out of memory");
	tr->fmt->pb = tr->avio;
	tr->fmt->probesize = RX_PROBESIZE;
	tr->fmt->max_analyze_duration = RX_ANALYZE_US;
	av_dict_set(&opts, "format_whitelist", RX_DEMUXERS, 0);
	ret = avformat_open_input(&tr->fmt, tr->t->parts[tr->gstart].path,
	    NULL, &opts);
	av_dict_free(&opts);
	if (ret < 0)
		return rx_input_err(tr, err, ret, "opening");
	if ((ret = avformat_find_stream_info(tr->fmt, NULL)) < 0)
		return rx_input_err(tr, err, ret, "reading stream info of");
	name = tr->fmt->iformat->name;
	/* Raw audio has no timestamps of its own: it starts where it starts. */
	tr->is_ts = strcmp(name, "mpegts") == 0;
	tr->exact_pos = strncmp(name, "mov,", 4) == 0;
	tr->timed = tr->is_ts || tr->exact_pos;
	tr->start_us = rx_group_start(tr->fmt);
	tr->offset_set = false;
	return 0;
}

void
rx_track_close_group(struct rx_track *tr)
{
	avformat_close_input(&tr->fmt);
	if (tr->avio != NULL) {
		av_freep(&tr->avio->buffer);
		avio_context_free(&tr->avio);
	}
	if (tr->src.fd != -1) {
		close(tr->src.fd);
		tr->src.fd = -1;
	}
	rx_bsf_close(tr);
	free(tr->map);
	tr->map = NULL;
	free(tr->src.starts);
	free(tr->src.sizes);
	free(tr->src.npkts);
	tr->src.starts = tr->src.sizes = NULL;
	tr->src.npkts = NULL;
}

/*
 * Which part of the group a packet's bytes came from. In MP4 a sample's
 * bytes are exactly [pos, pos + size): one that runs past the end of its
 * part means the part was cut short.
 */
static int
rx_count(struct rx_track *tr, const AVPacket *pkt, struct err *err)
{
	struct rx_stream *s = &tr->src;
	size_t k = s->end - s->first;

	if (pkt->pos < 0)
		return 0;
	while (k-- > 0) {
		if (s->starts[k] < 0 || s->starts[k] > pkt->pos)
			continue;
		s->npkts[k]++;
		if (tr->exact_pos && pkt->pos + pkt->size > s->starts[k] +
		    s->sizes[k])
			return err_set(err, "track %zu: %s: truncated: a "
			    "sample runs past its end", tr->tindex + 1,
			    s->parts[s->first + k].path);
		return 0;
	}
	return 0;
}

/*
 * TS segments are whole 188-byte packets (192 or 204 with timecodes or
 * FEC); any other size is a segment cut short. Checked as soon as a part
 * is opened, before its broken last packet reaches the muxer.
 */
static int
rx_check_opened(struct rx_track *tr, struct err *err)
{
	struct rx_stream *s = &tr->src;
	int64_t n;

	for (; s->checked < s->next - s->first; s->checked++) {
		n = s->sizes[s->checked];
		if (!tr->is_ts || n % 188 == 0 || n % 192 == 0 || n % 204 == 0)
			continue;
		return err_set(err, "track %zu: %s: truncated: %lld bytes is "
		    "not a whole number of TS packets", tr->tindex + 1,
		    s->parts[s->first + s->checked].path, (long long)n);
	}
	return 0;
}

/*
 * A segment replaced by an error page or garbage yields nothing, and the
 * demuxer quietly skips it: the output would have a hole that its duration
 * does not show. Each part of some size must give at least one packet.
 */
static int
rx_check_parts(struct rx_track *tr, struct err *err)
{
	const struct rx_stream *s = &tr->src;
	size_t k;

	for (k = 0; k < s->end - s->first; k++) {
		if (s->npkts[k] > 0 || (s->starts[k] >= 0 &&
		    s->sizes[k] > 0 && s->sizes[k] < RX_PART_MIN))
			continue;
		return err_set(err, "track %zu: %s: %s", tr->tindex + 1,
		    s->parts[s->first + k].path, s->starts[k] < 0 ?
		    "not reached: the demuxer stopped before it (damaged "
		    "segment?)" : s->sizes[k] == 0 ? "empty segment" :
		    "no audio or video found in it (damaged?)");
	}
	return 0;
}

int
rx_track_read(struct rx_track *tr, struct err *err)
{
	int ret;

	ret = av_read_frame(tr->fmt, tr->pkt);
	if (tr->src.why[0] != '\0') {
		av_packet_unref(tr->pkt);
		return rx_input_err(tr, err, ret, "reading");
	}
	if (rx_check_opened(tr, err) == -1) {
		av_packet_unref(tr->pkt);
		return -1;
	}
	if (ret == AVERROR_EOF)
		return rx_check_parts(tr, err) == -1 ? -1 : 0;
	if (ret < 0)
		return rx_input_err(tr, err, ret, "reading");
	if (rx_count(tr, tr->pkt, err) == -1) {
		av_packet_unref(tr->pkt);
		return -1;
	}
	return 1;
}

int
remux_probe(const struct remux_track *track, bool *has_video,
    bool *has_audio, struct err *err)
{
	struct rx_progress prog = { 0 };
	struct rx_track tr = { .t = track, .src = { .fd = -1 } };
	const AVStream *st;
	unsigned i;
	int ret = -1;

	rx_log_init();
	*has_video = *has_audio = false;
	if (track->nparts == 0 || track->parts == NULL)
		return err_set(err, "track 1 has no segments");
	if (rx_track_open_group(&tr, &prog, err) == 0) {
		for (i = 0; i < tr.fmt->nb_streams; i++) {
			st = tr.fmt->streams[i];
			if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
				*has_audio = true;
			if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
			    (st->disposition & AV_DISPOSITION_ATTACHED_PIC) == 0 &&
			    !track->audio_only)
				*has_video = true;
		}
		ret = 0;
	}
	rx_track_close_group(&tr);
	return ret;
}
