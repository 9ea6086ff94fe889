/* playlist-master - master playlist tags: variants and renditions */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "playlist-attr.h"
#include "playlist-int.h"
#include "xmalloc.h"

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
playlist_variant_clear(struct hls_variant *v)
{
	free(v->uri);
	free(v->codecs);
	free(v->audio);
	free(v->subtitles);
	memset(v, 0, sizeof(*v));
}

/* BANDWIDTH is a decimal-integer; some servers write "1280000.0". */
static int
bandwidth(const char *s, int64_t *out)
{
	double d;

	if (playlist_attr_int(s, 0, INT64_MAX / 2, out) == 0)
		return 0;
	if (playlist_attr_float(s, 0, 1e15, &d) == -1)
		return -1;
	*out = (int64_t)(d + 0.5);
	return 0;
}

static int
variant_read(const struct playlist_attr_list *al, struct hls_variant *v,
    struct err *err)
{
	const char *bw = playlist_attr_get(al, "BANDWIDTH");
	const char *avg = playlist_attr_get(al, "AVERAGE-BANDWIDTH");
	const char *res = playlist_attr_get(al, "RESOLUTION");
	const char *fr = playlist_attr_get(al, "FRAME-RATE");

	memset(v, 0, sizeof(*v));
	/* BANDWIDTH is required, but its absence only makes choice blind */
	if (bw != NULL && bandwidth(bw, &v->bandwidth) == -1)
		return err_set(err, "bad BANDWIDTH \"%.40s\"", bw);
	if (avg != NULL && bandwidth(avg, &v->average_bandwidth) == -1)
		return err_set(err, "bad AVERAGE-BANDWIDTH \"%.40s\"", avg);
	if (res != NULL && playlist_attr_resolution(res, &v->width, &v->height) == -1)
		return err_set(err, "bad RESOLUTION \"%.40s\"", res);
	if (fr != NULL && playlist_attr_float(fr, 0, 1000, &v->frame_rate) == -1)
		return err_set(err, "bad FRAME-RATE \"%.40s\"", fr);
	v->codecs = dup_or_null(playlist_attr_get(al, "CODECS"));
	v->audio = dup_or_null(playlist_attr_get(al, "AUDIO"));
	v->subtitles = dup_or_null(playlist_attr_get(al, "SUBTITLES"));
	return 0;
}

/* EXT-X-STREAM-INF: its URI is on the next line that is not a comment. */
int
playlist_tag_stream_inf(struct parser *p, const char *val, struct err *err)
{
	struct playlist_attr_list al;
	int ret;

	p->master_tags = true;
	if (p->variant_pending)
		return err_set(err, "EXT-X-STREAM-INF without a URI line");
	if (p->pl->nvariants == MAX_VARIANTS)
		return err_set(err, "more than %d variants", MAX_VARIANTS);
	if (playlist_attr_parse(val, &al, err) == -1)
		return -1;
	ret = variant_read(&al, &p->variant, err);
	playlist_attr_free(&al);
	if (ret == -1) {
		playlist_variant_clear(&p->variant);
		return -1;
	}
	p->variant_pending = true;
	return 0;
}

/* I-frame-only streams are for trick play, never a variant to download. */
int
playlist_tag_iframe_stream_inf(struct parser *p, const char *val,
    struct err *err)
{
	p->master_tags = true;
	p->niframes++;
	return 0;
}

/* Only a master playlist carries session data. */
int
playlist_tag_session_data(struct parser *p, const char *val,
    struct err *err)
{
	p->master_tags = true;
	return 0;
}

static const struct {
	const char *name;
	enum hls_media_type type;
} media_types[] = {
	{ "AUDIO", HLS_MEDIA_AUDIO },
	{ "VIDEO", HLS_MEDIA_VIDEO },
	{ "SUBTITLES", HLS_MEDIA_SUBTITLES },
	{ "CLOSED-CAPTIONS", HLS_MEDIA_CLOSED_CAPTIONS },
};

static void
rendition_clear(struct hls_rendition *r)
{
	free(r->group_id);
	free(r->name);
	free(r->language);
	free(r->uri);
}

static int
rendition_read(struct parser *p, const struct playlist_attr_list *al,
    struct hls_rendition *r, struct err *err)
{
	const char *group = playlist_attr_get(al, "GROUP-ID");
	const char *name = playlist_attr_get(al, "NAME");
	const char *uri = playlist_attr_get(al, "URI");

	if (group == NULL)
		return err_set(err, "EXT-X-MEDIA without GROUP-ID");
	/* NAME is required too; a missing one costs only a label */
	r->group_id = xstrdup(group);
	r->name = xstrdup(name != NULL ? name : group);
	r->language = dup_or_null(playlist_attr_get(al, "LANGUAGE"));
	r->is_default = playlist_attr_yes(playlist_attr_get(al, "DEFAULT"));
	r->autoselect = playlist_attr_yes(playlist_attr_get(al, "AUTOSELECT"));
	if (uri != NULL && r->type != HLS_MEDIA_CLOSED_CAPTIONS &&
	    (r->uri = playlist_resolve(p, uri, err)) == NULL) {
		rendition_clear(r);
		return -1;
	}
	return 0;
}

int
playlist_tag_media(struct parser *p, const char *val, struct err *err)
{
	struct hls_playlist *pl = p->pl;
	struct playlist_attr_list al;
	struct hls_rendition r;
	const char *type;
	size_t i;
	int ret = -1;

	p->master_tags = true;
	if (playlist_attr_parse(val, &al, err) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	type = playlist_attr_get(&al, "TYPE");
	for (i = 0; type != NULL && i < sizeof(media_types) /
	    sizeof(media_types[0]); i++)
		if (strcasecmp(type, media_types[i].name) == 0)
			break;
	if (type == NULL || i == sizeof(media_types) / sizeof(media_types[0])) {
		ret = 0;	/* a type we cannot use: skip the rendition */
		goto out;
	}
	r.type = media_types[i].type;
	if (pl->nrenditions == MAX_RENDITIONS) {
		err_set(err, "more than %d EXT-X-MEDIA tags", MAX_RENDITIONS);
		goto out;
	}
	if (rendition_read(p, &al, &r, err) == -1)
		goto out;
	pl->renditions = xgrow(pl->renditions, &p->capren, pl->nrenditions,
	    sizeof(*pl->renditions));
	pl->renditions[pl->nrenditions++] = r;
	ret = 0;
out:
	playlist_attr_free(&al);
	return ret;
}
