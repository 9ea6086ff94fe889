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
static void
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
	if (at > 0 && lseek(fd, at, SEEK_SET) == at)
		s->prog->done += at;
}

/* Regular files only: a FIFO or device must not block or feed us. */
static int
rx_open_file(struct rx_stream *s, const char *path, bool is_part)
{
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
	if (is_part)
		rx_skip_id3(s, fd);
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
				ret = rx_open_file(s, path, false);
			} else if (s->next < s->end) {
				path = s->parts[s->next++].path;
				ret = rx_open_file(s, path, true);
			} else
				return AVERROR_EOF;
			if (ret < 0)
				return ret;
		}
		n = read(s->fd, buf, (size_t)size);
		if (n > 0) {
			s->prog->done += n;
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
	    !rx_same_init(p[i].init_path, p[i - 1].init_path);
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

/* The reason the read callback left, else libav's. */
static int
rx_input_err(struct rx_track *tr, struct err *err, int code,
    const char *step)
{
	const char *path = tr->src.cur != NULL ? tr->src.cur :
	    tr->t->parts[tr->gstart].path;

	if (tr->src.why[0] != '\0')
		return err_set(err, "track %zu: %s", tr->tindex + 1,
		    tr->src.why);
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
	int ret;

	rx_next_group(tr);
	tr->src = (struct rx_stream){ .parts = tr->t->parts,
	    .next = tr->gstart, .end = tr->gend,
	    .init = tr->t->parts[tr->gstart].init_path, .fd = -1,
	    .prog = prog };
	buf = av_malloc(RX_IOBUF);
	tr->avio = avio_alloc_context(buf, RX_IOBUF, 0, &tr->src, rx_read,
	    NULL, NULL);
	if (buf == NULL || tr->avio == NULL) {
		if (tr->avio == NULL)
			av_free(buf);
		return err_set(err, "out of memory opening a demuxer");
	}
	tr->fmt = avformat_alloc_context();
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
	tr->timed = strcmp(name, "mpegts") == 0 || strncmp(name, "mov,", 4) == 0;
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
	free(tr->map);
	tr->map = NULL;
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
	if (ret == AVERROR_EOF)
		return 0;
	if (ret < 0)
		return rx_input_err(tr, err, ret, "reading");
	return 1;
}
