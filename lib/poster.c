/* poster - a frame of our own finished MP4 as a JPEG, in-process */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>

#include "remux-int.h"
#include "sidecar.h"
#include "xmalloc.h"

#define POSTER_AT	0.10	/* of the duration */
#define POSTER_MAX_PACKETS 4000	/* a GOP is far shorter: a bound, not a goal */

/* Opened the way remux-verify opens its output: "file:", mov/mp4 only. */
static int
open_mp4(AVFormatContext **fmt, const char *mp4, struct err *err)
{
	const AVInputFormat *mov = av_find_input_format("mp4");
	AVDictionary *opts = NULL;
	char *url = xasprintf("file:%s", mp4);
	int rc;

	av_dict_set(&opts, "format_whitelist", "mov,mp4,m4a,3gp,3g2,mj2", 0);
	av_dict_set(&opts, "protocol_whitelist", "file", 0);
	av_dict_set_int(&opts, "probesize", RX_PROBESIZE, 0);
	av_dict_set_int(&opts, "analyzeduration", RX_ANALYZE_US, 0);
	rc = avformat_open_input(fmt, url, mov, &opts);
	av_dict_free(&opts);
	free(url);
	if (rc < 0)
		return rx_averr(err, rc, "poster: cannot read the video as MP4");
	if ((rc = avformat_find_stream_info(*fmt, NULL)) < 0)
		return rx_averr(err, rc, "poster: no stream info");
	return 0;
}

static int
open_decoder(AVFormatContext *fmt, int vs, AVCodecContext **dec,
    struct err *err)
{
	const AVCodecParameters *par = fmt->streams[vs]->codecpar;
	const AVCodec *codec = avcodec_find_decoder(par->codec_id);
	int rc;

	if (codec == NULL)
		return err_set(err, "poster: no decoder for %s",
		    avcodec_get_name(par->codec_id));
	*dec = avcodec_alloc_context3(codec);
	if (*dec == NULL)
		return err_set(err, "poster: out of memory");
	(*dec)->thread_count = 1;
	if ((rc = avcodec_parameters_to_context(*dec, par)) < 0 ||
	    (rc = avcodec_open2(*dec, codec, NULL)) < 0)
		return rx_averr(err, rc, "poster: cannot open the decoder");
	return 0;
}

/* Decodes from the seek point to the first frame at or after target
 * (or the last one there is) into frame. */
static int
decode_at(AVFormatContext *fmt, int vs, AVCodecContext *dec, int64_t target,
    AVFrame *frame, struct err *err)
{
	AVPacket *pkt = av_packet_alloc();
	AVFrame *f = av_frame_alloc();
	bool have = false, eof = false;
	int n = 0, rc;

	while (!eof && n++ < POSTER_MAX_PACKETS) {
		rc = av_read_frame(fmt, pkt);
		if (rc < 0) {
			eof = true;
			avcodec_send_packet(dec, NULL);	/* flush */
		} else if (pkt->stream_index != vs) {
			av_packet_unref(pkt);
			continue;
		} else {
			avcodec_send_packet(dec, pkt);	/* a bad one: next */
			av_packet_unref(pkt);
		}
		while (avcodec_receive_frame(dec, f) == 0) {
			av_frame_unref(frame);
			av_frame_move_ref(frame, f);
			have = true;
			if (frame->best_effort_timestamp != AV_NOPTS_VALUE &&
			    frame->best_effort_timestamp >= target) {
				eof = true;
				break;
			}
		}
	}
	av_frame_free(&f);
	av_packet_free(&pkt);
	return have ? 0 : err_set(err, "poster: no frame could be decoded");
}

/* The frame as JPEG: 8-bit planar YUV only (what H.264/HEVC give). */
static int
encode_jpeg(const AVFrame *frame, uint8_t **jpeg, size_t *len,
    struct err *err)
{
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
	AVCodecContext *enc = NULL;
	AVPacket *pkt = NULL;
	AVFrame *in = NULL;
	int rc, ret = -1;

	switch (frame->format) {
	case AV_PIX_FMT_YUV420P: case AV_PIX_FMT_YUVJ420P:
	case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUVJ422P:
	case AV_PIX_FMT_YUV444P: case AV_PIX_FMT_YUVJ444P:
		break;
	default:
		return err_set(err, "poster: pixel format %s is not supported",
		    av_get_pix_fmt_name(frame->format) ?
		    av_get_pix_fmt_name(frame->format) : "?");
	}
	if (codec == NULL)
		return err_set(err, "poster: libavcodec has no mjpeg encoder");
	enc = avcodec_alloc_context3(codec);
	pkt = av_packet_alloc();
	in = av_frame_clone(frame);
	if (enc == NULL || pkt == NULL || in == NULL) {
		err_set(err, "poster: out of memory");
		goto out;
	}
	enc->width = frame->width;
	enc->height = frame->height;
	enc->pix_fmt = frame->format;
	enc->time_base = (AVRational){ 1, 25 };
	enc->color_range = frame->color_range != AVCOL_RANGE_UNSPECIFIED ?
	    frame->color_range : AVCOL_RANGE_MPEG;
	/* Limited-range YUV in a JPEG is "unofficial"; players read it. */
	enc->strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL;
	enc->flags |= AV_CODEC_FLAG_QSCALE;
	enc->global_quality = FF_QP2LAMBDA * 3;
	in->quality = enc->global_quality;
	in->pts = 0;
	in->pict_type = AV_PICTURE_TYPE_NONE;
	if ((rc = avcodec_open2(enc, codec, NULL)) < 0) {
		rx_averr(err, rc, "poster: cannot open the JPEG encoder");
		goto out;
	}
	if ((rc = avcodec_send_frame(enc, in)) < 0 ||
	    (rc = avcodec_send_frame(enc, NULL)) < 0 ||
	    (rc = avcodec_receive_packet(enc, pkt)) < 0) {
		rx_averr(err, rc, "poster: JPEG encoding failed");
		goto out;
	}
	*jpeg = xmalloc((size_t)pkt->size);
	memcpy(*jpeg, pkt->data, (size_t)pkt->size);
	*len = (size_t)pkt->size;
	ret = 0;
out:
	av_frame_free(&in);
	av_packet_free(&pkt);
	avcodec_free_context(&enc);
	return ret;
}

int
poster_make(const char *mp4, uint8_t **jpeg, size_t *len, struct err *err)
{
	AVFormatContext *fmt = NULL;
	AVCodecContext *dec = NULL;
	AVFrame *frame = av_frame_alloc();
	AVStream *st;
	int64_t target = 0, start;
	double dur;
	int vs, ret = -1;

	*jpeg = NULL;
	*len = 0;
	rx_log_init();
	if (open_mp4(&fmt, mp4, err) == -1)
		goto out;
	if ((vs = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL,
	    0)) < 0) {
		err_set(err, "poster: the video has no video stream");
		goto out;
	}
	if (open_decoder(fmt, vs, &dec, err) == -1)
		goto out;
	st = fmt->streams[vs];
	start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
	dur = fmt->duration > 0 ? (double)fmt->duration / AV_TIME_BASE : 0;
	if (dur > 0) {
		target = start + av_rescale_q((int64_t)(dur * POSTER_AT *
		    AV_TIME_BASE), AV_TIME_BASE_Q, st->time_base);
		/* The key frame before the target; a failed seek reads from
		 * the start, which is slower, not wrong. */
		av_seek_frame(fmt, vs, target, AVSEEK_FLAG_BACKWARD);
	}
	if (decode_at(fmt, vs, dec, target, frame, err) == -1 ||
	    encode_jpeg(frame, jpeg, len, err) == -1)
		goto out;
	ret = 0;
out:
	av_frame_free(&frame);
	avcodec_free_context(&dec);
	avformat_close_input(&fmt);
	return ret;
}
