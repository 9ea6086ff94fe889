/* remux-subs - WebVTT renditions to mov_text streams and sidecar files */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mem.h>

#include "file.h"
#include "log.h"
#include "remux-int.h"
#include "xmalloc.h"

/*
 * Each part is read whole (bounded) and opened with libavformat's webvtt
 * demuxer only, over a memory AVIOContext: nothing is probed, no other
 * file can be opened. The header block is read by us for X-TIMESTAMP-MAP
 * alone (libavformat ignores it). Cue text is transcoded with libavcodec
 * (webvtt decoder -> mov_text or subrip encoder); a .vtt sidecar gets the
 * demuxed cues as they were (settings and identifiers kept) through the
 * webvtt muxer.
 */
#define RX_VTT_MAX	(8 << 20)	/* bytes of one WebVTT file */
#define RX_CUES_MAX	100000		/* cues of one rendition */
#define RX_CUE_OUT	(64 << 10)	/* bytes of one encoded cue */
#define RX_TS_WRAP	(INT64_C(1) << 33)	/* MPEG-TS clock, 90 kHz */

struct rx_cue {
	int64_t start_us, end_us;	/* on the output time line */
	size_t order;			/* for a stable sort */
	AVPacket *pkt;			/* as demuxed: WebVTT text + side data */
};

struct rx_subs {
	struct rx_cue *cues;
	size_t n, cap, next;
	AVCodecParameters *par;		/* of the webvtt demuxer's stream */
	AVCodecContext *dec, *enc;	/* enc: mov_text, for the MP4 */
	uint8_t *buf;			/* RX_CUE_OUT */
	int out;			/* output stream, or -1 */
	int64_t last_ms;		/* start of the cue written last */
};

struct rx_mem {
	const uint8_t *data;
	size_t len, pos;
};

/* --- languages ---------------------------------------------------------- */

const char *
remux_iso639(const char *tag)
{
	/* ISO 639-1 -> 639-2/T, the languages streams are published in. */
	static const char *const map[][2] = {
		{ "ar", "ara" }, { "bg", "bul" }, { "bn", "ben" },
		{ "ca", "cat" }, { "cs", "ces" }, { "cy", "cym" },
		{ "da", "dan" }, { "de", "deu" }, { "el", "ell" },
		{ "en", "eng" }, { "es", "spa" }, { "et", "est" },
		{ "eu", "eus" }, { "fa", "fas" }, { "fi", "fin" },
		{ "fr", "fra" }, { "ga", "gle" }, { "gl", "glg" },
		{ "he", "heb" }, { "hi", "hin" }, { "hr", "hrv" },
		{ "hu", "hun" }, { "hy", "hye" }, { "id", "ind" },
		{ "is", "isl" }, { "it", "ita" }, { "ja", "jpn" },
		{ "ka", "kat" }, { "kk", "kaz" }, { "ko", "kor" },
		{ "lt", "lit" }, { "lv", "lav" }, { "mk", "mkd" },
		{ "ms", "msa" }, { "mt", "mlt" }, { "nb", "nob" },
		{ "nl", "nld" }, { "nn", "nno" }, { "no", "nor" },
		{ "pl", "pol" }, { "pt", "por" }, { "ro", "ron" },
		{ "ru", "rus" }, { "sk", "slk" }, { "sl", "slv" },
		{ "sq", "sqi" }, { "sr", "srp" }, { "sv", "swe" },
		{ "sw", "swa" }, { "ta", "tam" }, { "te", "tel" },
		{ "th", "tha" }, { "tl", "tgl" }, { "tr", "tur" },
		{ "uk", "ukr" }, { "ur", "urd" }, { "vi", "vie" },
		{ "zh", "zho" }, { "zu", "zul" },
	};
	static _Thread_local char three[4];
	size_t n, i;

	if (tag == NULL)
		return "und";
	n = strcspn(tag, "-_");
	for (i = 0; i < n; i++)
		if (!isalpha((unsigned char)tag[i]))
			return "und";
	if (n == 3) {
		for (i = 0; i < 3; i++)
			three[i] = (char)tolower((unsigned char)tag[i]);
		three[3] = '\0';
		return three;
	}
	if (n != 2)
		return "und";
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncasecmp(tag, map[i][0], 2) == 0)
			return map[i][1];
	return "und";
}

void
rx_label_stream(AVStream *st, const struct remux_track *t)
{
	const char *c = t->characteristics;

	if (t->language != NULL)
		av_dict_set(&st->metadata, "language",
		    remux_iso639(t->language), 0);
	if (t->name != NULL) {
		av_dict_set(&st->metadata, "title", t->name, 0);
		av_dict_set(&st->metadata, "handler_name", t->name, 0);
	}
	if (t->is_default)
		st->disposition |= AV_DISPOSITION_DEFAULT;
	if (t->forced)
		st->disposition |= AV_DISPOSITION_FORCED;
	if (c != NULL && strstr(c, "describes-music-and-sound") != NULL)
		st->disposition |= AV_DISPOSITION_HEARING_IMPAIRED;
	if (c != NULL && strstr(c, "describes-video") != NULL)
		st->disposition |= AV_DISPOSITION_VISUAL_IMPAIRED;
}

/* --- the header: WEBVTT and X-TIMESTAMP-MAP ------------------------------ */

/* "hh:mm:ss.ttt" or "mm:ss.ttt" (n bytes) in microseconds; 0 or -1. */
static int
rx_vtt_time(const char *p, size_t n, int64_t *us)
{
	int64_t part[3] = { 0 }, v;
	size_t i = 0, k = 0, digits;

	for (;;) {
		for (v = 0, digits = 0; i < n && isdigit((unsigned char)p[i]) &&
		    digits < 10; i++, digits++)
			v = v * 10 + (p[i] - '0');
		if (digits == 0 || k == 3)
			return -1;
		part[k++] = v;
		if (i < n && p[i] == ':') {
			i++;
			continue;
		}
		break;
	}
	if (k < 2 || i + 4 != n || p[i] != '.' ||
	    !isdigit((unsigned char)p[i + 1]) ||
	    !isdigit((unsigned char)p[i + 2]) ||
	    !isdigit((unsigned char)p[i + 3]))
		return -1;
	if (k == 2) {
		part[2] = part[1];
		part[1] = part[0];
		part[0] = 0;
	}
	if (part[1] > 59 || part[2] > 59)
		return -1;
	*us = ((part[0] * 60 + part[1]) * 60 + part[2]) * 1000000 +
	    ((p[i + 1] - '0') * 100 + (p[i + 2] - '0') * 10 +
	    (p[i + 3] - '0')) * 1000;
	return 0;
}

/*
 * Checks the WEBVTT signature and reads X-TIMESTAMP-MAP from the header
 * block (up to the first blank line). *has is false without a map.
 */
int
rx_vtt_header(const char *text, size_t len, bool *has, int64_t *mpegts,
    int64_t *local_us, struct err *err)
{
	const char *p = text, *end = text + len, *nl, *f;
	size_t n;
	bool first = true;

	*has = false;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (first) {
			if (n < 6 || memcmp(p, "WEBVTT", 6) != 0 ||
			    (n > 6 && p[6] != ' ' && p[6] != '\t'))
				return err_setk(err, ERR_INVALID, "not a WebVTT "
				    "file (no WEBVTT signature)");
			first = false;
		} else if (n == 0) {
			break;
		} else if (n > 16 && memcmp(p, "X-TIMESTAMP-MAP=", 16) == 0) {
			bool ts = false, loc = false;
			const char *q = p + 16, *qe = p + n;

			while (q < qe) {
				f = memchr(q, ',', (size_t)(qe - q));
				if (f == NULL)
					f = qe;
				if (f - q > 7 && memcmp(q, "MPEGTS:", 7) == 0) {
					char num[16];
					size_t k = (size_t)(f - q - 7);

					if (k >= sizeof(num) || strspn(q + 7,
					    "0123456789") < k)
						return err_setk(err, ERR_INVALID,
						    "bad X-TIMESTAMP-MAP MPEGTS");
					memcpy(num, q + 7, k);
					num[k] = '\0';
					*mpegts = strtoll(num, NULL, 10);
					ts = true;
				} else if (f - q > 6 &&
				    memcmp(q, "LOCAL:", 6) == 0) {
					if (rx_vtt_time(q + 6, (size_t)(f - q -
					    6), local_us) == -1)
						return err_setk(err, ERR_INVALID,
						    "bad X-TIMESTAMP-MAP LOCAL");
					loc = true;
				}
				q = f + 1;
			}
			if (!ts || !loc)
				return err_setk(err, ERR_INVALID, "X-TIMESTAMP-MAP "
				    "without MPEGTS and LOCAL");
			*has = true;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (first)
		return err_setk(err, ERR_INVALID, "not a WebVTT file (empty)");
	return 0;
}

/* --- reading cues ---------------------------------------------------------- */

static int
rx_mem_read(void *opaque, uint8_t *buf, int size)
{
	struct rx_mem *m = opaque;
	size_t n = m->len - m->pos;

	if (n == 0)
		return AVERROR_EOF;
	if (n > (size_t)size)
		n = (size_t)size;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (int)n;
}

/* 90 kHz ticks of a map, brought within half a wrap of the base. */
static int64_t
rx_unwrap(int64_t ticks, int64_t base_us)
{
	int64_t base = av_rescale(base_us, 90000, 1000000);

	while (ticks - base > RX_TS_WRAP / 2)
		ticks -= RX_TS_WRAP;
	while (ticks - base < -RX_TS_WRAP / 2)
		ticks += RX_TS_WRAP;
	return ticks;
}

static int
rx_add_cue(struct rx_subs *s, AVPacket *pkt, const AVStream *st,
    int64_t shift_us, const char *path, struct err *err)
{
	struct rx_cue *c;
	int64_t start, dur;

	if (pkt->pts == AV_NOPTS_VALUE || pkt->size == 0)
		return 0;
	if (s->n == RX_CUES_MAX)
		return err_setk(err, ERR_INVALID, "%s: more than %d cues", path,
		    RX_CUES_MAX);
	start = av_rescale_q(pkt->pts, st->time_base, AV_TIME_BASE_Q);
	dur = pkt->duration > 0 ? av_rescale_q(pkt->duration, st->time_base,
	    AV_TIME_BASE_Q) : 0;
	s->cues = xgrow(s->cues, &s->cap, s->n, sizeof(*s->cues));
	c = &s->cues[s->n];
	c->start_us = start + shift_us;
	c->end_us = c->start_us + dur;
	c->order = s->n;
	if ((c->pkt = av_packet_clone(pkt)) == NULL)
		return err_set(err, "out of memory reading cues");
	s->n++;
	return 0;
}

/*
 * One WebVTT file: its cues, shifted onto the output time line. With a
 * map, a cue at LOCAL is at MPEGTS on the media clock, whose base_us is the
 * output's 0; without, cue time 0 is the video's start (video_us).
 */
static int
rx_load_part(struct rx_subs *s, const char *path, int64_t base_us,
    int64_t video_us, struct rx_progress *prog, struct err *err)
{
	const AVInputFormat *ifmt = av_find_input_format("webvtt");
	AVFormatContext *fmt = NULL;
	AVDictionary *opts = NULL;
	AVIOContext *avio = NULL;
	AVPacket *pkt = NULL;
	struct rx_mem mem = { 0 };
	unsigned char *iobuf = NULL;
	char *text = NULL;
	size_t len = 0;
	int64_t mpegts = 0, local = 0, shift;
	bool has = false;
	int ret, rc = -1;

	if (file_read_bounded(AT_FDCWD, path, RX_VTT_MAX, &text, &len,
	    err) == -1)
		return -1;
	if (!prog->parts)
		prog->done += (int64_t)len;
	if (rx_vtt_header(text, len, &has, &mpegts, &local, err) == -1) {
		err_wrap(err, "%s", path);
		goto out;
	}
	shift = has ? av_rescale(rx_unwrap(mpegts, base_us), 1000000, 90000) -
	    local - base_us : video_us - base_us;
	mem = (struct rx_mem){ .data = (const uint8_t *)text, .len = len };
	iobuf = av_malloc(RX_IOBUF);
	avio = iobuf != NULL ? avio_alloc_context(iobuf, RX_IOBUF, 0, &mem,
	    rx_mem_read, NULL, NULL) : NULL;
	if (ifmt == NULL || avio == NULL) {
		if (avio == NULL)
			av_free(iobuf);
		err_set(err, "%s: no WebVTT demuxer (or out of memory)", path);
		goto out;
	}
	fmt = avformat_alloc_context();
	fmt->pb = avio;
	av_dict_set(&opts, "format_whitelist", "webvtt", 0);
	ret = avformat_open_input(&fmt, path, ifmt, &opts);
	av_dict_free(&opts);
	if (ret < 0) {
		rx_averr(err, ret, "opening %s as WebVTT", path);
		goto out;
	}
	if (fmt->nb_streams != 1 ||
	    fmt->streams[0]->codecpar->codec_id != AV_CODEC_ID_WEBVTT) {
		err_setk(err, ERR_INVALID, "%s: not one WebVTT stream", path);
		goto out;
	}
	if (s->par == NULL) {
		s->par = avcodec_parameters_alloc();
		avcodec_parameters_copy(s->par, fmt->streams[0]->codecpar);
	}
	pkt = av_packet_alloc();
	while ((ret = av_read_frame(fmt, pkt)) >= 0) {
		ret = rx_add_cue(s, pkt, fmt->streams[0], shift, path, err);
		av_packet_unref(pkt);
		if (ret == -1)
			goto out;
	}
	if (ret != AVERROR_EOF) {
		rx_averr(err, ret, "reading %s", path);
		goto out;
	}
	rc = 0;
out:
	av_packet_free(&pkt);
	avformat_close_input(&fmt);
	if (avio != NULL) {
		av_freep(&avio->buffer);
		avio_context_free(&avio);
	}
	free(text);
	return rc;
}

static int
rx_cue_cmp(const void *a, const void *b)
{
	const struct rx_cue *x = a, *y = b;

	if (x->start_us != y->start_us)
		return x->start_us < y->start_us ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool
rx_same_cue(const struct rx_cue *a, const struct rx_cue *b)
{
	return a->start_us == b->start_us && a->end_us == b->end_us &&
	    a->pkt->size == b->pkt->size &&
	    memcmp(a->pkt->data, b->pkt->data, (size_t)a->pkt->size) == 0;
}

/*
 * Time order; a cue repeated by the next segment (it spans the boundary)
 * kept once; cues wholly before the output's start dropped, one that
 * begins before it starts at 0.
 */
static void
rx_tidy(struct rx_subs *s)
{
	size_t i, j, k, n = 0;

	qsort(s->cues, s->n, sizeof(*s->cues), rx_cue_cmp);
	for (i = 0; i < s->n; i++) {
		struct rx_cue *c = &s->cues[i];
		bool dup = false;

		for (j = n; j > 0 && !dup; j--) {
			k = j - 1;
			if (s->cues[k].start_us != c->start_us)
				break;
			dup = rx_same_cue(&s->cues[k], c);
		}
		if (dup || c->end_us <= 0) {
			av_packet_free(&c->pkt);
			continue;
		}
		if (c->start_us < 0)
			c->start_us = 0;
		s->cues[n++] = *c;
	}
	s->n = n;
}

/* --- transcoding ----------------------------------------------------------- */

static int
rx_open_dec(struct rx_subs *s, struct err *err)
{
	const AVCodec *c = avcodec_find_decoder(AV_CODEC_ID_WEBVTT);
	int ret;

	if (c == NULL || (s->dec = avcodec_alloc_context3(c)) == NULL)
		return err_set(err, "no WebVTT decoder");
	if ((ret = avcodec_parameters_to_context(s->dec, s->par)) < 0)
		return rx_averr(err, ret, "WebVTT decoder parameters");
	s->dec->pkt_timebase = (AVRational){ 1, 1000 };
	if ((ret = avcodec_open2(s->dec, c, NULL)) < 0)
		return rx_averr(err, ret, "opening the WebVTT decoder");
	return 0;
}

static int
rx_open_enc(const struct rx_subs *s, enum AVCodecID id, AVCodecContext **ctx,
    struct err *err)
{
	const AVCodec *c = avcodec_find_encoder(id);
	AVCodecContext *e;
	int ret;

	if (c == NULL || (e = *ctx = avcodec_alloc_context3(c)) == NULL)
		return err_set(err, "no %s encoder", avcodec_get_name(id));
	e->time_base = (AVRational){ 1, 1000 };
	if (s->dec->subtitle_header != NULL) {
		e->subtitle_header = av_mallocz((size_t)
		    s->dec->subtitle_header_size + 1);
		if (e->subtitle_header == NULL)
			return err_set(err, "out of memory");
		memcpy(e->subtitle_header, s->dec->subtitle_header,
		    (size_t)s->dec->subtitle_header_size);
		e->subtitle_header_size = s->dec->subtitle_header_size;
	}
	if ((ret = avcodec_open2(e, c, NULL)) < 0)
		return rx_averr(err, ret, "opening the %s encoder",
		    avcodec_get_name(id));
	return 0;
}

/* Cue c in enc's form into s->buf: its size, 0 when it holds no text. */
static int
rx_transcode(struct rx_subs *s, AVCodecContext *enc, const struct rx_cue *c,
    struct err *err)
{
	AVSubtitle sub;
	int got = 0, ret;

	memset(&sub, 0, sizeof(sub));
	ret = avcodec_decode_subtitle2(s->dec, &sub, &got, c->pkt);
	if (ret < 0)
		return rx_averr(err, ret, "decoding a cue at %.3f s",
		    c->start_us / 1e6);
	if (!got || sub.num_rects == 0) {
		avsubtitle_free(&sub);
		return 0;
	}
	ret = avcodec_encode_subtitle(enc, s->buf, RX_CUE_OUT, &sub);
	avsubtitle_free(&sub);
	if (ret < 0)
		return rx_averr(err, ret, "encoding a cue at %.3f s as %s",
		    c->start_us / 1e6, enc->codec->name);
	return ret;
}

/* --- sidecar -------------------------------------------------------------- */

static bool
rx_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static int
rx_write_sidecar(struct rx_subs *s, const char *path, struct err *err)
{
	bool srt = rx_ends_with(path, ".srt");
	AVCodecContext *enc = NULL;
	AVFormatContext *oc = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVStream *st;
	char *url = xasprintf("file:%s", path);
	size_t i;
	int ret, rc = -1, size;

	if (srt && rx_open_enc(s, AV_CODEC_ID_SUBRIP, &enc, err) == -1)
		goto out;
	ret = avformat_alloc_output_context2(&oc, NULL, srt ? "srt" : "webvtt",
	    url);
	if (ret < 0 || (st = avformat_new_stream(oc, NULL)) == NULL) {
		rx_averr(err, ret < 0 ? ret : AVERROR(ENOMEM), "setting up %s",
		    path);
		goto out;
	}
	if (srt) {
		st->codecpar->codec_type = AVMEDIA_TYPE_SUBTITLE;
		st->codecpar->codec_id = AV_CODEC_ID_SUBRIP;
	} else {
		avcodec_parameters_copy(st->codecpar, s->par);
	}
	st->time_base = (AVRational){ 1, 1000 };
	if ((ret = avio_open(&oc->pb, url, AVIO_FLAG_WRITE)) < 0 ||
	    (ret = avformat_write_header(oc, NULL)) < 0) {
		rx_averr(err, ret, "creating %s", path);
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		const struct rx_cue *c = &s->cues[i];

		if (srt) {
			if ((size = rx_transcode(s, enc, c, err)) < 0)
				goto out;
			if (size == 0)
				continue;
			if ((ret = av_new_packet(pkt, size)) < 0) {
				rx_averr(err, ret, "writing %s", path);
				goto out;
			}
			memcpy(pkt->data, s->buf, (size_t)size);
		} else if ((ret = av_packet_ref(pkt, c->pkt)) < 0) {
			rx_averr(err, ret, "writing %s", path);
			goto out;
		}
		pkt->stream_index = 0;
		pkt->pts = pkt->dts = av_rescale_q(c->start_us, AV_TIME_BASE_Q,
		    st->time_base);
		pkt->duration = av_rescale_q(c->end_us - c->start_us,
		    AV_TIME_BASE_Q, st->time_base);
		ret = av_write_frame(oc, pkt);
		av_packet_unref(pkt);
		if (ret < 0) {
			rx_averr(err, ret, "writing %s", path);
			goto out;
		}
	}
	if ((ret = av_write_trailer(oc)) < 0 ||
	    (ret = avio_closep(&oc->pb)) < 0) {
		rx_averr(err, ret, "finishing %s", path);
		goto out;
	}
	rc = 0;
out:
	if (oc != NULL) {
		avio_closep(&oc->pb);
		avformat_free_context(oc);
	}
	if (rc == -1)
		unlink(path);
	avcodec_free_context(&enc);
	av_packet_free(&pkt);
	free(url);
	return rc;
}

/* --- the track ---------------------------------------------------------------- */

static int
rx_subs_stream(struct rx_job *j, struct rx_track *tr, struct err *err)
{
	struct rx_subs *s = tr->subs;
	AVStream *ost;

	if (rx_open_enc(s, AV_CODEC_ID_MOV_TEXT, &s->enc, err) == -1)
		return -1;
	if ((ost = avformat_new_stream(j->oc, NULL)) == NULL)
		return err_set(err, "out of memory adding a stream");
	ost->codecpar->codec_type = AVMEDIA_TYPE_SUBTITLE;
	ost->codecpar->codec_id = AV_CODEC_ID_MOV_TEXT;
	if (s->enc->extradata_size > 0) {
		ost->codecpar->extradata = av_mallocz((size_t)
		    s->enc->extradata_size + AV_INPUT_BUFFER_PADDING_SIZE);
		if (ost->codecpar->extradata == NULL)
			return err_set(err, "out of memory");
		memcpy(ost->codecpar->extradata, s->enc->extradata,
		    (size_t)s->enc->extradata_size);
		ost->codecpar->extradata_size = s->enc->extradata_size;
	}
	ost->time_base = (AVRational){ 1, 1000 };
	rx_label_stream(ost, tr->t);
	j->outs = xgrow(j->outs, &j->capouts, (size_t)ost->index,
	    sizeof(*j->outs));
	j->outs[ost->index] = (struct rx_out){ .track = tr->tindex,
	    .type = AVMEDIA_TYPE_SUBTITLE, .codec = AV_CODEC_ID_MOV_TEXT,
	    .last_dts = AV_NOPTS_VALUE, .prev_dts = AV_NOPTS_VALUE };
	j->nouts = (size_t)ost->index + 1;
	s->out = ost->index;
	return 0;
}

int
rx_subs_open(struct rx_job *j, struct rx_track *tr, int64_t video_us,
    struct err *err)
{
	const struct remux_track *t = tr->t;
	struct rx_subs *s;
	size_t i;

	s = tr->subs = xcalloc(1, sizeof(*s));
	s->out = -1;
	s->last_ms = -1;
	s->buf = xmalloc(RX_CUE_OUT);
	for (i = 0; i < t->nparts; i++)
		if (rx_load_part(s, t->parts[i].path, j->base_us, video_us,
		    &j->prog, err) == -1)
			return err_wrap(err, "track %zu (subtitles)",
			    tr->tindex + 1);
	rx_tidy(s);
	if (s->par == NULL)
		return err_set(err, "track %zu (subtitles): no WebVTT file",
		    tr->tindex + 1);
	if (rx_open_dec(s, err) == -1)
		return -1;
	if (t->sidecar != NULL && rx_write_sidecar(s, t->sidecar, err) == -1)
		return err_wrap(err, "track %zu (subtitles)", tr->tindex + 1);
	if (t->in_mp4 && rx_subs_stream(j, tr, err) == -1)
		return err_wrap(err, "track %zu (subtitles)", tr->tindex + 1);
	tr->done = !t->in_mp4;
	return 0;
}

/*
 * The next cue as a mov_text packet in tr->pkt: 1, 0 at the end, -1. A
 * 3GPP text track shows one sample at a time, so a cue lasts at most until
 * the next one starts, and starts are kept strictly increasing.
 */
int
rx_subs_next(struct rx_job *j, struct rx_track *tr, struct err *err)
{
	struct rx_subs *s = tr->subs;
	const AVStream *ost;
	int64_t start, end;
	int size, ret;

	if (s == NULL || s->out < 0)
		return 0;
	ost = j->oc->streams[s->out];
	while (s->next < s->n) {
		const struct rx_cue *c = &s->cues[s->next++];

		if ((size = rx_transcode(s, s->enc, c, err)) < 0)
			return err_wrap(err, "track %zu (subtitles)",
			    tr->tindex + 1);
		if (size == 0)
			continue;
		start = c->start_us / 1000;
		if (start <= s->last_ms)
			start = s->last_ms + 1;
		end = c->end_us / 1000;
		if (s->next < s->n && s->cues[s->next].start_us / 1000 < end)
			end = s->cues[s->next].start_us / 1000;
		if (end <= start)
			end = start + 1;
		s->last_ms = start;
		if ((ret = av_new_packet(tr->pkt, size)) < 0)
			return rx_averr(err, ret, "track %zu (subtitles)",
			    tr->tindex + 1);
		memcpy(tr->pkt->data, s->buf, (size_t)size);
		tr->pkt->stream_index = s->out;
		tr->pkt->pts = tr->pkt->dts = av_rescale_q(start,
		    (AVRational){ 1, 1000 }, ost->time_base);
		tr->pkt->duration = av_rescale_q(end - start,
		    (AVRational){ 1, 1000 }, ost->time_base);
		tr->pkt->flags |= AV_PKT_FLAG_KEY;
		return 1;
	}
	return 0;
}

void
rx_subs_free(struct rx_track *tr)
{
	struct rx_subs *s = tr->subs;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		av_packet_free(&s->cues[i].pkt);
	free(s->cues);
	avcodec_parameters_free(&s->par);
	avcodec_free_context(&s->dec);
	avcodec_free_context(&s->enc);
	free(s->buf);
	free(s);
	tr->subs = NULL;
}
