/* remux-verify - reopen a finished MP4 and check it is what was asked for */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavformat/avformat.h>

#include "remux-int.h"
#include "xmalloc.h"

#define RX_DURATION_SLACK	1.5	/* seconds, or ... */
#define RX_DURATION_RATIO	0.02	/* ... of the expected duration */

/*
 * The sample tables of a faststart MP4 come first, so a file cut short
 * still opens and claims its full duration. Every sample must lie inside
 * the file, and every stream must have samples.
 */
static int
rx_check_samples(AVFormatContext *fmt, int64_t size, struct err *err)
{
	const AVIndexEntry *e;
	int64_t end = 0;
	unsigned i;
	int n, k;

	for (i = 0; i < fmt->nb_streams; i++) {
		AVStream *st = fmt->streams[i];
		enum AVMediaType type = st->codecpar->codec_type;

		n = avformat_index_get_entries_count(st);
		if (n == 0 && (type == AVMEDIA_TYPE_VIDEO ||
		    type == AVMEDIA_TYPE_AUDIO))
			return err_set(err, "verify: %s stream %u has no "
			    "samples", av_get_media_type_string(type), i);
		for (k = 0; k < n; k++) {
			e = avformat_index_get_entry(st, k);
			if (e != NULL && e->pos + e->size > end)
				end = e->pos + e->size;
		}
	}
	if (end > size)
		return err_set(err, "verify: file is truncated: %lld of %lld "
		    "bytes", (long long)size, (long long)end);
	return 0;
}

static void
rx_scan_streams(AVFormatContext *fmt, struct remux_result *r)
{
	unsigned i;

	for (i = 0; i < fmt->nb_streams; i++) {
		const AVStream *st = fmt->streams[i];
		const AVCodecParameters *par = st->codecpar;

		if (par->codec_type == AVMEDIA_TYPE_AUDIO)
			r->has_audio = true;
		if (par->codec_type != AVMEDIA_TYPE_VIDEO ||
		    (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0)
			continue;
		if (!r->has_video) {
			r->width = par->width;
			r->height = par->height;
		}
		r->has_video = true;
	}
}

static int
rx_check_result(const struct remux_result *r, bool want_video,
    bool want_audio, double expected, struct err *err)
{
	double slack;

	if (want_video && !r->has_video)
		return err_set(err, "verify: no video stream in output");
	if (want_video && (r->width <= 0 || r->height <= 0))
		return err_set(err, "verify: video stream has no dimensions");
	if (want_audio && !r->has_audio)
		return err_set(err, "verify: no audio stream in output");
	if (!(r->duration > 0))
		return err_set(err, "verify: output has no duration");
	if (expected <= 0)
		return 0;
	slack = fmax(RX_DURATION_SLACK, RX_DURATION_RATIO * expected);
	if (fabs(r->duration - expected) > slack)
		return err_set(err, "verify: duration %.1f s, playlist says "
		    "%.1f s", r->duration, expected);
	return 0;
}

static int
rx_open_mp4(AVFormatContext **fmt, const char *output, struct err *err)
{
	AVDictionary *opts = NULL;
	char *url;
	int rc;

	url = xasprintf("file:%s", output);
	av_dict_set(&opts, "format_whitelist", "mov,mp4,m4a,3gp,3g2,mj2", 0);
	av_dict_set_int(&opts, "probesize", RX_PROBESIZE, 0);
	av_dict_set_int(&opts, "analyzeduration", RX_ANALYZE_US, 0);
	rc = avformat_open_input(fmt, url, NULL, &opts);
	av_dict_free(&opts);
	free(url);
	if (rc < 0)
		return rx_averr(err, rc, "verify: cannot read %s as MP4",
		    output);
	if ((rc = avformat_find_stream_info(*fmt, NULL)) < 0)
		return rx_averr(err, rc, "verify: no stream info in %s",
		    output);
	return 0;
}

int
remux_verify(const char *output, bool want_video, bool want_audio,
    double expected_duration, struct remux_result *res, struct err *err)
{
	struct remux_result r = { 0 };
	AVFormatContext *fmt = NULL;
	struct stat st;
	int ret = -1;

	rx_log_init();
	if (stat(output, &st) == -1) {
		err_errno(err, "verify: %s", output);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		err_set(err, "verify: %s is %s", output, S_ISREG(st.st_mode) ?
		    "empty (0 bytes)" : "not a regular file");
		goto out;
	}
	r.size = st.st_size;
	if (rx_open_mp4(&fmt, output, err) == -1 ||
	    rx_check_samples(fmt, r.size, err) == -1)
		goto out;
	rx_scan_streams(fmt, &r);
	if (fmt->duration != AV_NOPTS_VALUE)
		r.duration = (double)fmt->duration / AV_TIME_BASE;
	if (rx_check_result(&r, want_video, want_audio, expected_duration,
	    err) == -1)
		goto out;
	ret = 0;
out:
	avformat_close_input(&fmt);
	if (res != NULL)
		*res = r;
	return ret;
}

/* The k-th stream of this type in fmt, or NULL. */
static const AVStream *
rx_nth(AVFormatContext *fmt, enum AVMediaType type, size_t k)
{
	unsigned i;

	for (i = 0; i < fmt->nb_streams; i++)
		if (fmt->streams[i]->codecpar->codec_type == type && k-- == 0)
			return fmt->streams[i];
	return NULL;
}

static size_t
rx_count_type(AVFormatContext *fmt, enum AVMediaType type)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < fmt->nb_streams; i++)
		n += fmt->streams[i]->codecpar->codec_type == type;
	return n;
}

/* Seconds from the first sample's start to the last one's end. */
static double
rx_stream_span(const AVStream *st)
{
	const AVIndexEntry *first, *last;
	int n = avformat_index_get_entries_count(st);

	if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
		return st->duration * av_q2d(st->time_base);
	if (n == 0 || (first = avformat_index_get_entry((AVStream *)st,
	    0)) == NULL || (last = avformat_index_get_entry((AVStream *)st,
	    n - 1)) == NULL)
		return 0;
	return (last->timestamp - first->timestamp) * av_q2d(st->time_base);
}

static int
rx_check_one(AVFormatContext *fmt, const struct remux_expect *e,
    const AVStream *st, struct err *err)
{
	const AVDictionaryEntry *lang;
	double got, slack;

	if (st == NULL)
		return err_set(err, "verify: %s missing from the output",
		    e->label);
	got = rx_stream_span(st);
	if (avformat_index_get_entries_count(st) == 0)
		return err_set(err, "verify: %s has no samples", e->label);
	lang = av_dict_get(st->metadata, "language", NULL, 0);
	if (e->language != NULL && (lang == NULL || strcmp(lang->value,
	    remux_iso639(e->language)) != 0))
		return err_set(err, "verify: %s has language %s, not %s",
		    e->label, lang != NULL ? lang->value : "(none)",
		    remux_iso639(e->language));
	if (e->duration <= 0)
		return 0;
	slack = fmax(RX_DURATION_SLACK, RX_DURATION_RATIO * e->duration);
	if (e->subtitles ? got > e->duration + slack :
	    fabs(got - e->duration) > slack)
		return err_set(err, "verify: %s lasts %.1f s, its playlist "
		    "says %.1f s", e->label, got, e->duration);
	(void)fmt;
	return 0;
}

int
remux_verify_tracks(const char *output, const struct remux_expect *ex,
    size_t n, struct err *err)
{
	AVFormatContext *fmt = NULL;
	size_t i, na = 0, ns = 0, ka = 0, ks = 0, have_a, have_s;
	int ret = -1;

	rx_log_init();
	for (i = 0; i < n; i++) {
		na += !ex[i].subtitles;
		ns += ex[i].subtitles;
	}
	if (n == 0)
		return 0;
	if (rx_open_mp4(&fmt, output, err) == -1)
		goto out;
	have_a = rx_count_type(fmt, AVMEDIA_TYPE_AUDIO);
	have_s = rx_count_type(fmt, AVMEDIA_TYPE_SUBTITLE);
	for (i = 0; i < n; i++) {
		const AVStream *st;

		/* Renditions are the last audio streams (the variant's own
		 * audio, if any, comes first) and the subtitle streams. */
		if (ex[i].subtitles)
			st = have_s >= ns ? rx_nth(fmt, AVMEDIA_TYPE_SUBTITLE,
			    have_s - ns + ks++) : NULL;
		else
			st = have_a >= na ? rx_nth(fmt, AVMEDIA_TYPE_AUDIO,
			    have_a - na + ka++) : NULL;
		if (rx_check_one(fmt, &ex[i], st, err) == -1)
			goto out;
	}
	ret = 0;
out:
	avformat_close_input(&fmt);
	return ret;
}
