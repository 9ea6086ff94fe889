/* remux-map - which input streams go to which output streams */
#include "config.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "log.h"
#include "remux-int.h"
#include "xmalloc.h"

static bool
rx_wanted(const struct rx_track *tr, const AVStream *st)
{
	enum AVMediaType type = st->codecpar->codec_type;

	if ((st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0 ||
	    st->codecpar->codec_id == AV_CODEC_ID_NONE)
		return false;
	if (tr->t->audio_only)
		return type == AVMEDIA_TYPE_AUDIO;
	return type == AVMEDIA_TYPE_VIDEO || type == AVMEDIA_TYPE_AUDIO ||
	    type == AVMEDIA_TYPE_SUBTITLE;
}

static void
rx_map_alloc(struct rx_track *tr)
{
	unsigned i;

	tr->nmap = tr->fmt->nb_streams;
	tr->map = xcalloc(tr->nmap + 1, sizeof(*tr->map));
	for (i = 0; i < tr->nmap; i++)
		tr->map[i] = -1;
}

/* Can this stream go into MP4 as it is? Subtitles that cannot are dropped. */
static int
rx_check_codec(struct rx_job *j, struct rx_track *tr, const AVStream *st,
    struct err *err)
{
	const AVCodecParameters *par = st->codecpar;
	const char *kind = av_get_media_type_string(par->codec_type);

	if (avformat_query_codec(j->oc->oformat, par->codec_id,
	    FF_COMPLIANCE_NORMAL) == 1) {
		if (par->codec_type == AVMEDIA_TYPE_VIDEO &&
		    (par->width <= 0 || par->height <= 0))
			return err_set(err, "track %zu: video stream %d has no "
			    "dimensions (no picture header found while probing)",
			    tr->tindex + 1, st->index);
		return 1;
	}
	if (par->codec_type == AVMEDIA_TYPE_SUBTITLE) {
		log_warnx("track %zu: dropping %s subtitles: MP4 cannot carry "
		    "them without re-encoding", tr->tindex + 1,
		    avcodec_get_name(par->codec_id));
		return 0;
	}
	return err_set(err, "track %zu: %s codec %s cannot be stored in MP4",
	    tr->tindex + 1, kind != NULL ? kind : "unknown",
	    avcodec_get_name(par->codec_id));
}

/* The first group of a track decides its output streams. */
int
rx_map_first(struct rx_job *j, struct rx_track *tr, struct err *err)
{
	AVStream *st, *ost;
	unsigned i;
	int ret;

	rx_map_alloc(tr);
	for (i = 0; i < tr->nmap; i++) {
		st = tr->fmt->streams[i];
		if (!rx_wanted(tr, st))
			continue;
		if ((ret = rx_check_codec(j, tr, st, err)) <= 0) {
			if (ret < 0)
				return -1;
			continue;
		}
		if (rx_bsf_open(tr, i, err) == -1)
			return -1;
		if ((ost = avformat_new_stream(j->oc, NULL)) == NULL)
			return err_set(err, "out of memory adding a stream");
		if ((ret = avcodec_parameters_copy(ost->codecpar,
		    rx_bsf_par(tr, i))) < 0)
			return rx_averr(err, ret, "copying stream parameters");
		ost->codecpar->codec_tag = 0;
		ost->time_base = st->time_base;
		if (tr->t->audio_only)
			rx_label_stream(ost, tr->t);
		j->outs = xgrow(j->outs, &j->capouts, (size_t)ost->index,
		    sizeof(*j->outs));
		j->outs[ost->index] = (struct rx_out){ .track = tr->tindex,
		    .type = st->codecpar->codec_type,
		    .codec = st->codecpar->codec_id, .last_dts = AV_NOPTS_VALUE,
		    .prev_dts = AV_NOPTS_VALUE };
		j->nouts = (size_t)ost->index + 1;
		tr->map[i] = ost->index;
	}
	return 0;
}

/* The k-th output stream of this type fed by this track, or -1. */
static int
rx_find_out(const struct rx_job *j, size_t track, enum AVMediaType type,
    int k)
{
	size_t o;

	for (o = 0; o < j->nouts; o++)
		if (j->outs[o].track == track && j->outs[o].type == type &&
		    k-- == 0)
			return (int)o;
	return -1;
}

/* A later group: its streams join the outputs of the same kind, in order. */
int
rx_map_later(struct rx_job *j, struct rx_track *tr, struct err *err)
{
	int seen[AVMEDIA_TYPE_NB] = { 0 };
	const AVCodecParameters *par;
	unsigned i;
	int o;

	rx_map_alloc(tr);
	for (i = 0; i < tr->nmap; i++) {
		par = tr->fmt->streams[i]->codecpar;
		if (!rx_wanted(tr, tr->fmt->streams[i]) ||
		    par->codec_type < 0 || par->codec_type >= AVMEDIA_TYPE_NB)
			continue;
		o = rx_find_out(j, tr->tindex, par->codec_type,
		    seen[par->codec_type]++);
		if (o < 0) {
			log_warnx("track %zu, discontinuity %d: extra %s "
			    "stream dropped", tr->tindex + 1, tr->group,
			    av_get_media_type_string(par->codec_type));
			continue;
		}
		if (j->outs[o].codec != par->codec_id) {
			log_warnx("track %zu, discontinuity %d: codec changed "
			    "from %s to %s, stream dropped", tr->tindex + 1,
			    tr->group, avcodec_get_name(j->outs[o].codec),
			    avcodec_get_name(par->codec_id));
			continue;
		}
		if (rx_bsf_open(tr, i, err) == -1)
			return -1;
		tr->map[i] = o;
	}
	return 0;
}

