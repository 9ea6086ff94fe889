/* remux - tracks of segment files to one MP4, stream copy, in-process */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "log.h"
#include "remux-int.h"
#include "xmalloc.h"

/* Progress is reported when it moved by this much (and at the end). */
#define RX_PROGRESS_STEP	0.005

/*
 * Where a later group starts: its earliest stream start (pts), or the dts of
 * its first packet when that is earlier (video with B-frames).
 */
static int64_t
rx_first_us(const struct rx_track *tr, const AVPacket *pkt,
    const AVStream *ist)
{
	int64_t t;

	if (pkt->dts == AV_NOPTS_VALUE)
		return tr->start_us;
	t = av_rescale_q(pkt->dts, ist->time_base, AV_TIME_BASE_Q);
	return t < tr->start_us ? t : tr->start_us;
}

/* The time missing before the open group (EXT-X-GAP), in AV_TIME_BASE. */
static int64_t
rx_gap_us(const struct rx_track *tr)
{
	return (int64_t)(tr->t->parts[tr->gstart].gap_before * AV_TIME_BASE +
	    0.5);
}

/*
 * Puts a packet on the output time line. One offset per group keeps audio
 * and video of the group in sync with each other. The first group starts
 * the file at 0 (timed tracks share one base, so separate renditions stay
 * aligned); a later group's first packet lands at the end (dts + duration)
 * of what the track wrote before, so the output runs on.
 */
static void
rx_place(struct rx_job *j, struct rx_track *tr, AVPacket *pkt, int o)
{
	const AVStream *ist = tr->fmt->streams[pkt->stream_index];
	const AVStream *ost = j->oc->streams[o];
	struct rx_out *out = &j->outs[o];
	int64_t off, dur, end;

	if (pkt->dts == AV_NOPTS_VALUE)
		pkt->dts = pkt->pts;
	if (pkt->pts == AV_NOPTS_VALUE)
		pkt->pts = pkt->dts;
	if (!tr->offset_set) {
		if (tr->group == 0)
			tr->offset_us = -(tr->timed ? j->base_us : tr->start_us);
		else if (!(tr->timed && rx_same_clock(tr->t, tr->gstart)))
			tr->offset_us = tr->end_us + rx_gap_us(tr) -
			    rx_first_us(tr, pkt, ist);
		/* else: after a gap the media's own clock runs on, and the
		 * offset of the group before holds (the hole is exact) */
		tr->offset_set = true;
	}
	av_packet_rescale_ts(pkt, ist->time_base, ost->time_base);
	if (pkt->dts != AV_NOPTS_VALUE) {
		off = av_rescale_q(tr->offset_us, AV_TIME_BASE_Q,
		    ost->time_base);
		pkt->dts += off;
		pkt->pts += off;
	} else {
		/* No time at all: right after the stream's previous packet. */
		pkt->dts = out->prev_dts == AV_NOPTS_VALUE ? 0 :
		    out->prev_dts + (out->delta > 0 ? out->delta : 1);
		pkt->pts = pkt->dts;
	}
	if (out->prev_dts != AV_NOPTS_VALUE && pkt->dts > out->prev_dts)
		out->delta = pkt->dts - out->prev_dts;
	out->prev_dts = pkt->dts;
	dur = pkt->duration > 0 ? pkt->duration : out->delta;
	end = av_rescale_q(pkt->dts + dur, ost->time_base, AV_TIME_BASE_Q);
	/* A subtitle cue may outlast the pictures; it does not end a group. */
	if (end > tr->end_us && out->type != AVMEDIA_TYPE_SUBTITLE)
		tr->end_us = end;
	pkt->stream_index = o;
	pkt->pos = -1;
}

/*
 * A damaged audio frame (the demuxer saw fewer bytes than announced) would
 * stop the ADTS-to-MP4 filter, and the whole remux with it; without it the
 * player hears a short gap. Video frames are kept: a decoder conceals.
 */
static bool
rx_broken_audio(struct rx_job *j, const struct rx_track *tr, int o)
{
	if ((tr->pkt->flags & AV_PKT_FLAG_CORRUPT) == 0 ||
	    j->outs[o].type != AVMEDIA_TYPE_AUDIO)
		return false;
	j->ndropped++;
	return true;
}

/*
 * The track's next packet to keep, read ahead into tr->pkt, opening the
 * next group at a discontinuity. 1, 0 when the track is over, or -1.
 */
static int
rx_next(struct rx_job *j, struct rx_track *tr, struct err *err)
{
	int ret, o, idx;

	if (tr->t->subtitles)
		return rx_subs_next(j, tr, err);
	for (;;) {
		if ((ret = rx_track_read(tr, err)) == -1)
			return -1;
		if (ret == 0) {
			if (tr->gend >= tr->t->nparts) {
				tr->done = true;
				return 0;
			}
			rx_track_close_group(tr);
			tr->group++;
			if (rx_track_open_group(tr, &j->prog, err) == -1 ||
			    rx_map_later(j, tr, err) == -1)
				return -1;
			continue;
		}
		o = (unsigned)tr->pkt->stream_index < tr->nmap ?
		    tr->map[tr->pkt->stream_index] : -1;
		if (o < 0 || tr->pkt->size == 0 || rx_broken_audio(j, tr, o)) {
			av_packet_unref(tr->pkt);
			continue;
		}
		idx = tr->pkt->stream_index;
		if (!rx_bsf_filter(tr, tr->pkt)) {
			j->ndropped++;
			continue;
		}
		tr->pkt->stream_index = idx;
		rx_place(j, tr, tr->pkt, o);
		return 1;
	}
}

/*
 * Libav refuses a dts that does not grow. A packet less than half a frame
 * behind (rounding, an encoder repeating a dts) is nudged forward; one
 * further behind, or the very packet just written again, repeats what was
 * written (a segment listed twice, overlapping segments): left out.
 */
static int
rx_write(struct rx_job *j, AVPacket *pkt, const char *output,
    struct err *err)
{
	struct rx_out *out = &j->outs[pkt->stream_index];
	int64_t behind;
	double at;
	int ret, st;

	if (out->last_dts != AV_NOPTS_VALUE && pkt->dts <= out->last_dts) {
		behind = out->last_dts - pkt->dts;
		if (behind >= (out->delta > 1 ? out->delta / 2 : 1) ||
		    (behind == 0 && pkt->size == out->last_size)) {
			j->noverlap++;
			av_packet_unref(pkt);
			return 0;
		}
		pkt->dts += behind + 1;
		pkt->pts += behind + 1;
		j->nfixed++;
	}
	out->last_size = pkt->size;
	if (pkt->pts < pkt->dts)
		pkt->pts = pkt->dts;
	out->last_dts = pkt->dts;
	at = pkt->dts * av_q2d(j->oc->streams[pkt->stream_index]->time_base);
	st = pkt->stream_index;
	if ((ret = av_interleaved_write_frame(j->oc, pkt)) < 0)
		return rx_averr(err, ret, "writing %s: %s packet at %.3f s of "
		    "stream %d", output, av_get_media_type_string(out->type),
		    at, st);
	return 0;
}

/* The track whose read-ahead packet comes first on the output time line. */
static struct rx_track *
rx_earliest(struct rx_job *j)
{
	struct rx_track *best = NULL;
	size_t i;

	for (i = 0; i < j->ntr; i++) {
		struct rx_track *tr = &j->tr[i];

		if (!tr->has_pkt)
			continue;
		if (best == NULL || av_compare_ts(tr->pkt->dts,
		    j->oc->streams[tr->pkt->stream_index]->time_base,
		    best->pkt->dts,
		    j->oc->streams[best->pkt->stream_index]->time_base) < 0)
			best = tr;
	}
	return best;
}

static int
rx_report(struct rx_job *j, bool last, struct err *err)
{
	double f;

	if (j->progress == NULL)
		return 0;
	f = j->prog.total > 0 ? (double)j->prog.done / (double)j->prog.total :
	    1.0;
	if (f > 1.0 || last)
		f = 1.0;
	if (!last && f - j->reported < RX_PROGRESS_STEP)
		return 0;
	j->reported = f;
	if (j->progress(j->arg, f) != 0)
		return err_setk(err, ERR_CANCELLED, "cancelled");
	return 0;
}

/* Total bytes to read, for progress; also finds missing parts early. */
static int
rx_measure(struct rx_job *j, const struct remux_track *tracks,
    struct err *err)
{
	const struct remux_part *p;
	int64_t n;
	size_t t, i;

	for (t = 0; t < j->ntr; t++) {
		if (tracks[t].nparts == 0 || tracks[t].parts == NULL)
			return err_set(err, "track %zu has no segments", t + 1);
		for (i = 0; i < tracks[t].nparts; i++) {
			p = &tracks[t].parts[i];
			if (p->path == NULL)
				return err_set(err, "track %zu: segment %zu has "
				    "no file", t + 1, i + 1);
			if ((n = rx_part_size(p->path, err)) < 0)
				return err_wrap(err, "track %zu", t + 1);
			j->prog.total += n;
			if (p->init_path == NULL || !rx_group_starts(&tracks[t], i))
				continue;
			if ((n = rx_part_size(p->init_path, err)) < 0)
				return err_wrap(err, "track %zu", t + 1);
			j->prog.total += n;
		}
	}
	return 0;
}

/* Open every track's first group and make the output streams. */
static int
rx_open_tracks(struct rx_job *j, const struct remux_track *tracks,
    struct err *err)
{
	struct rx_track *tr;
	bool timed = false;
	int64_t video_us = 0;
	size_t i;

	for (i = 0; i < j->ntr; i++) {
		tr = &j->tr[i];
		if ((tr->pkt = av_packet_alloc()) == NULL)
			fatalx("av_packet_alloc: out of memory");
		if (tracks[i].subtitles)
			continue;
		if (rx_track_open_group(tr, &j->prog, err) == -1 ||
		    rx_map_first(j, tr, err) == -1)
			return -1;
		if (tr->timed && (!timed || tr->start_us < j->base_us))
			j->base_us = tr->start_us;
		if (i == 0)
			video_us = tr->start_us;
		timed = timed || tr->timed;
	}
	if (j->nouts == 0)
		return err_set(err, "no audio or video stream in the input");
	/* Subtitles go on the time line the others just set. */
	if (!j->tr[0].timed)
		video_us = j->base_us;
	for (i = 0; i < j->ntr; i++)
		if (tracks[i].subtitles &&
		    rx_subs_open(j, &j->tr[i], video_us, err) == -1)
			return -1;
	return 0;
}

static int
rx_open_output(struct rx_job *j, const char *output, struct err *err)
{
	char *url;
	int ret;

	/* "file:" so that a ':' in the name is never taken for a protocol. */
	url = xasprintf("file:%s", output);
	ret = avformat_alloc_output_context2(&j->oc, NULL, "mp4", url);
	if (ret >= 0 && (ret = avio_open(&j->oc->pb, url, AVIO_FLAG_WRITE)) < 0)
		rx_averr(err, ret, "creating %s", output);
	else if (ret < 0)
		rx_averr(err, ret, "setting up the MP4 muxer");
	free(url);
	return ret < 0 ? -1 : 0;
}

static int
rx_write_header(struct rx_job *j, const char *output, struct err *err)
{
	AVDictionary *opts = NULL;
	int ret;

	av_dict_set(&opts, "movflags", "+faststart", 0);
	ret = avformat_write_header(j->oc, &opts);
	av_dict_free(&opts);
	if (ret < 0)
		return rx_averr(err, ret, "writing the header of %s", output);
	return 0;
}

/* Read ahead one packet per track; write the earliest; repeat. */
static int
rx_copy(struct rx_job *j, const char *output, struct err *err)
{
	struct rx_track *tr;
	size_t i;
	int ret;

	for (i = 0; i < j->ntr; i++) {
		if ((ret = rx_next(j, &j->tr[i], err)) == -1)
			return -1;
		j->tr[i].has_pkt = ret == 1;
	}
	while ((tr = rx_earliest(j)) != NULL) {
		if (rx_write(j, tr->pkt, output, err) == -1)
			return -1;
		if ((ret = rx_next(j, tr, err)) == -1)
			return -1;
		tr->has_pkt = ret == 1;
		if (rx_report(j, false, err) == -1)
			return -1;
	}
	return 0;
}

static void
rx_job_free(struct rx_job *j)
{
	size_t i;

	for (i = 0; i < j->ntr; i++) {
		rx_track_close_group(&j->tr[i]);
		rx_subs_free(&j->tr[i]);
		av_packet_free(&j->tr[i].pkt);
	}
	free(j->tr);
	free(j->outs);
	if (j->oc != NULL) {
		avio_closep(&j->oc->pb);
		avformat_free_context(j->oc);
	}
}

int
remux_to_mp4(const struct remux_track *tracks, size_t ntracks,
    const char *output, int (*progress)(void *arg, double fraction),
    void *arg, struct err *err)
{
	struct rx_job j = { .ntr = ntracks, .progress = progress, .arg = arg };
	bool created = false;
	int ret = -1, r;

	rx_log_init();
	if (ntracks == 0) {
		err_set(err, "nothing to remux: no tracks");
		goto out;
	}
	j.tr = xcalloc(ntracks, sizeof(*j.tr));
	for (size_t i = 0; i < ntracks; i++)
		j.tr[i] = (struct rx_track){ .t = &tracks[i], .tindex = i,
		    .end_us = INT64_MIN, .src = { .fd = -1 } };
	if (rx_measure(&j, tracks, err) == -1 ||
	    rx_open_output(&j, output, err) == -1)
		goto out;
	created = true;
	if (rx_open_tracks(&j, tracks, err) == -1 ||
	    rx_write_header(&j, output, err) == -1 ||
	    rx_copy(&j, output, err) == -1)
		goto out;
	if ((r = av_write_trailer(j.oc)) < 0) {
		rx_averr(err, r, "finishing %s", output);
		goto out;
	}
	if ((r = avio_closep(&j.oc->pb)) < 0) {
		rx_averr(err, r, "closing %s", output);
		goto out;
	}
	if (j.nfixed > 0)
		log_warnx("%s: %u timestamps adjusted to keep them increasing",
		    output, j.nfixed);
	if (j.noverlap > 0)
		log_warnx("%s: %u packets overlapping earlier ones left out",
		    output, j.noverlap);
	if (j.ndropped > 0)
		log_warnx("%s: %u damaged frames left out", output,
		    j.ndropped);
	if (rx_report(&j, true, err) == -1)
		goto out;
	ret = 0;
out:
	rx_job_free(&j);
	/* A half-written file must not be mistaken for a result. */
	if (ret == -1 && created)
		unlink(output);
	return ret;
}
