/* remux-bsf - one bitstream form per output stream, whatever the container */
#include "config.h"

#include <stdlib.h>

#include <libavcodec/bsf.h>

#include "remux-int.h"
#include "xmalloc.h"

/*
 * Groups of one output stream may come from different containers and
 * encoders. H.264/HEVC in MP4 keep their parameter sets out of band (avcC),
 * so a later group's pictures would be decoded with the first group's
 * parameters; turned to Annex B with the parameter sets in band (as TS
 * carries them), every group brings its own and the MP4 muxer converts the
 * whole stream back. AAC from TS or ADTS loses its ADTS headers here, as
 * MP4 wants, so a stream never mixes the two forms.
 */
static const char *
rx_bsf_name(const AVCodecParameters *par, bool from_mp4)
{
	switch (par->codec_id) {
	case AV_CODEC_ID_H264:
		return from_mp4 ? "h264_mp4toannexb" : NULL;
	case AV_CODEC_ID_HEVC:
		return from_mp4 ? "hevc_mp4toannexb" : NULL;
	case AV_CODEC_ID_AAC:
		return from_mp4 ? NULL : "aac_adtstoasc";
	default:
		return NULL;
	}
}

int
rx_bsf_open(struct rx_track *tr, unsigned i, struct err *err)
{
	const AVStream *st = tr->fmt->streams[i];
	const AVBitStreamFilter *f;
	const char *name;
	AVBSFContext *ctx = NULL;
	int ret;

	if (tr->bsf == NULL)
		tr->bsf = xcalloc(tr->nmap + 1, sizeof(*tr->bsf));
	if ((name = rx_bsf_name(st->codecpar, tr->exact_pos)) == NULL)
		return 0;
	if ((f = av_bsf_get_by_name(name)) == NULL)
		return err_set(err, "libavcodec lacks the %s filter", name);
	if ((ret = av_bsf_alloc(f, &ctx)) < 0 ||
	    (ret = avcodec_parameters_copy(ctx->par_in, st->codecpar)) < 0)
		goto fail;
	ctx->time_base_in = st->time_base;
	if ((ret = av_bsf_init(ctx)) < 0)
		goto fail;
	tr->bsf[i] = ctx;
	return 0;
fail:
	av_bsf_free(&ctx);
	return rx_averr(err, ret, "track %zu: setting up %s", tr->tindex + 1,
	    name);
}

const AVCodecParameters *
rx_bsf_par(const struct rx_track *tr, unsigned i)
{
	if (tr->bsf != NULL && tr->bsf[i] != NULL)
		return tr->bsf[i]->par_out;
	return tr->fmt->streams[i]->codecpar;
}

/*
 * These filters give one packet for one: 1 when pkt holds it, 0 when the
 * packet was damaged beyond use (the filter refused it) and is gone.
 */
int
rx_bsf_filter(struct rx_track *tr, AVPacket *pkt)
{
	AVBSFContext *ctx;

	if (tr->bsf == NULL || (unsigned)pkt->stream_index >= tr->nmap ||
	    (ctx = tr->bsf[pkt->stream_index]) == NULL)
		return 1;
	if (av_bsf_send_packet(ctx, pkt) < 0) {
		av_packet_unref(pkt);
		return 0;
	}
	if (av_bsf_receive_packet(ctx, pkt) < 0) {
		av_packet_unref(pkt);
		return 0;
	}
	return 1;
}

void
rx_bsf_close(struct rx_track *tr)
{
	unsigned i;

	if (tr->bsf == NULL)
		return;
	for (i = 0; i < tr->nmap; i++)
		av_bsf_free(&tr->bsf[i]);
	free(tr->bsf);
	tr->bsf = NULL;
}
