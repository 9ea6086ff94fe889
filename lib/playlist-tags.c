/* playlist-tags - media playlist tags: EXTINF, EXT-X-KEY, EXT-X-MAP... */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "playlist-attr.h"
#include "playlist-int.h"
#include "url.h"
#include "xmalloc.h"

char *
playlist_resolve(struct parser *p, const char *ref, struct err *err)
{
	char *url, *scheme;

	if ((url = url_base_resolve(p->base, ref, &scheme, err)) == NULL)
		return NULL;
	/*
	 * An http(s) playlist may only point at http(s) URLs: a
	 * "file:///etc/passwd" segment must never reach a fetcher. Only the
	 * base's own scheme is trusted besides those.
	 */
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0 &&
	    strcmp(scheme, p->base_scheme) != 0) {
		err_set(err, "URI \"%.200s\" has an unsupported scheme", ref);
		free(url);
		url = NULL;
	}
	free(scheme);
	return url;
}

static bool
is_identity(const char *keyformat)
{
	return keyformat == NULL || strcasecmp(keyformat, "identity") == 0;
}

static void
key_clear(struct hls_key *k)
{
	free(k->uri);
	free(k->keyformat);
	memset(k, 0, sizeof(*k));
}

static enum hls_key_method
key_method(const char *s)
{
	if (strcasecmp(s, "NONE") == 0)
		return HLS_KEY_NONE;
	if (strcasecmp(s, "AES-128") == 0)
		return HLS_KEY_AES128;
	if (strcasecmp(s, "SAMPLE-AES") == 0)
		return HLS_KEY_SAMPLE_AES;
	return HLS_KEY_OTHER;
}

/* Fills k from an EXT-X-KEY attribute list. */
static int
key_read(struct parser *p, const struct playlist_attr_list *al, struct hls_key *k,
    struct err *err)
{
	const char *method = playlist_attr_get(al, "METHOD");
	const char *uri = playlist_attr_get(al, "URI");
	const char *iv = playlist_attr_get(al, "IV");
	const char *fmt = playlist_attr_get(al, "KEYFORMAT");

	memset(k, 0, sizeof(*k));
	if (method == NULL)
		return err_set(err, "EXT-X-KEY without METHOD");
	k->method = key_method(method);
	if (k->method == HLS_KEY_NONE)
		return 0;
	if (fmt != NULL)
		k->keyformat = xstrdup(fmt);
	/* AES-128 with a DRM key format: the URI is no raw key; refuse it. */
	if (k->method == HLS_KEY_AES128 && !is_identity(fmt))
		k->method = HLS_KEY_OTHER;
	if (iv != NULL) {
		if (playlist_attr_hex128(iv, k->iv) == -1) {
			key_clear(k);
			return err_set(err, "bad IV \"%.40s\"", iv);
		}
		k->has_iv = true;
	}
	if (uri == NULL) {
		if (k->method != HLS_KEY_AES128)
			return 0;
		key_clear(k);
		return err_set(err, "EXT-X-KEY METHOD=AES-128 without URI");
	}
	if (k->method == HLS_KEY_AES128) {
		if ((k->uri = playlist_resolve(p, uri, err)) == NULL) {
			key_clear(k);
			return -1;
		}
	} else if ((k->uri = url_base_resolve(p->base, uri, NULL, NULL)) ==
	    NULL) {
		/* never fetched (e.g. "skd://..." or data:): keep as written */
		k->uri = xstrdup(uri);
	}
	return 0;
}

static int
push_key(struct parser *p, struct hls_key *k, struct err *err)
{
	struct hls_playlist *pl = p->pl;

	if (pl->nkeys == MAX_KEYS) {
		key_clear(k);
		return err_set(err, "more than %d keys", MAX_KEYS);
	}
	pl->keys = xgrow(pl->keys, &p->capkey, pl->nkeys, sizeof(*pl->keys));
	pl->keys[pl->nkeys] = *k;
	p->cur_key = (int)pl->nkeys++;
	return 0;
}

/*
 * EXT-X-KEY applies to the segments after it. Several in a row offer one
 * key in different KEYFORMATs: keep the identity one when there is one,
 * so a Widevine+identity stream downloads and a Widevine-only one is
 * refused (its method is not HLS_KEY_AES128).
 */
int
playlist_tag_key(struct parser *p, const char *val, struct err *err)
{
	struct playlist_attr_list al;
	struct hls_key k;
	bool ident;
	int ret;

	if (playlist_attr_parse(val, &al, err) == -1)
		return -1;
	ret = key_read(p, &al, &k, err);
	ident = is_identity(playlist_attr_get(&al, "KEYFORMAT"));
	playlist_attr_free(&al);
	if (ret == -1)
		return -1;
	if (p->key_open) {
		if (p->key_open_identity && !ident) {
			key_clear(&k);
			return 0;
		}
		/* the key opened since the last segment is the last one */
		if (p->cur_key >= 0) {
			key_clear(&p->pl->keys[--p->pl->nkeys]);
			p->cur_key = -1;
		}
	}
	p->key_open = true;
	p->key_open_identity = ident;
	if (k.method == HLS_KEY_NONE) {
		p->cur_key = -1;
		return 0;
	}
	return push_key(p, &k, err);
}

int
playlist_tag_map(struct parser *p, const char *val, struct err *err)
{
	struct hls_playlist *pl = p->pl;
	struct playlist_attr_list al;
	struct hls_map m = { NULL, -1, -1 };
	const char *uri, *br;
	int ret = -1;

	if (playlist_attr_parse(val, &al, err) == -1)
		return -1;
	if ((uri = playlist_attr_get(&al, "URI")) == NULL) {
		err_set(err, "EXT-X-MAP without URI");
		goto out;
	}
	if ((br = playlist_attr_get(&al, "BYTERANGE")) != NULL) {
		if (playlist_attr_byterange(br, &m.length, &m.offset) == -1) {
			err_set(err, "bad EXT-X-MAP BYTERANGE \"%.40s\"", br);
			goto out;
		}
		if (m.offset < 0)
			m.offset = 0;
		if (m.offset > MAX_RANGE_END - m.length) {
			err_set(err, "EXT-X-MAP BYTERANGE ends past byte %lld",
			    (long long)MAX_RANGE_END);
			goto out;
		}
	}
	if (pl->nmaps == MAX_MAPS) {
		err_set(err, "more than %d EXT-X-MAP tags", MAX_MAPS);
		goto out;
	}
	if ((m.uri = playlist_resolve(p, uri, err)) == NULL)
		goto out;
	pl->maps = xgrow(pl->maps, &p->capmap, pl->nmaps, sizeof(*pl->maps));
	pl->maps[pl->nmaps] = m;
	p->cur_map = (int)pl->nmaps++;
	if (m.offset >= 0) {
		p->range_uri = m.uri;
		p->range_end = m.offset + m.length;
	}
	ret = 0;
out:
	playlist_attr_free(&al);
	return ret;
}

int
playlist_tag_extinf(struct parser *p, const char *val, struct err *err)
{
	char num[64];
	size_t n = strcspn(val, ",");

	if (n >= sizeof(num))
		return err_set(err, "bad EXTINF duration \"%.40s\"", val);
	memcpy(num, val, n);
	num[n] = '\0';
	if (playlist_attr_float(num, 0, MAX_DURATION, &p->duration) == -1)
		return err_set(err, "bad EXTINF duration \"%.40s\"", num);
	p->have_extinf = true;
	return 0;
}

int
playlist_tag_byterange(struct parser *p, const char *val, struct err *err)
{
	if (playlist_attr_byterange(val, &p->range_len, &p->range_off) == -1)
		return err_set(err, "bad EXT-X-BYTERANGE \"%.40s\"", val);
	p->have_range = true;
	return 0;
}

static int
int_value(const char *val, const char *tag, int64_t min, int64_t *out,
    struct err *err)
{
	if (playlist_attr_int(val, min, INT64_MAX / 2, out) == -1)
		return err_set(err, "bad %s \"%.40s\"", tag, val);
	return 0;
}

int
playlist_tag_media_sequence(struct parser *p, const char *val, struct err *err)
{
	/* negative values are out of spec but harmless: accept them */
	return int_value(val, "EXT-X-MEDIA-SEQUENCE", -(INT64_MAX / 2),
	    &p->pl->media_sequence, err);
}

int
playlist_tag_discontinuity_sequence(struct parser *p, const char *val,
    struct err *err)
{
	return int_value(val, "EXT-X-DISCONTINUITY-SEQUENCE", 0,
	    &p->pl->discontinuity_sequence, err);
}

int
playlist_tag_version(struct parser *p, const char *val, struct err *err)
{
	int64_t v;

	if (playlist_attr_int(val, 0, 1000, &v) == -1)
		return err_set(err, "bad EXT-X-VERSION \"%.40s\"", val);
	p->pl->version = (int)v;
	return 0;
}

int
playlist_tag_target_duration(struct parser *p, const char *val, struct err *err)
{
	/* a decimal-integer in the RFC; "10.0" is common and harmless */
	if (playlist_attr_float(val, 0, MAX_DURATION, &p->pl->target_duration) == -1)
		return err_set(err, "bad EXT-X-TARGETDURATION \"%.40s\"", val);
	return 0;
}

int
playlist_tag_playlist_type(struct parser *p, const char *val, struct err *err)
{
	free(p->pl->playlist_type);
	p->pl->playlist_type = NULL;
	if (strcasecmp(val, "VOD") == 0)
		p->pl->playlist_type = xstrdup("VOD");
	else if (strcasecmp(val, "EVENT") == 0)
		p->pl->playlist_type = xstrdup("EVENT");
	return 0;	/* an unknown type tells us nothing: ignore it */
}

int
playlist_tag_discontinuity(struct parser *p, const char *val, struct err *err)
{
	p->disc++;
	return 0;
}

int
playlist_tag_endlist(struct parser *p, const char *val, struct err *err)
{
	p->pl->endlist = true;
	return 0;
}


/* EXT-X-GAP marks the next segment only (a media segment tag). */
int
playlist_tag_gap(struct parser *p, const char *val, struct err *err)
{
	p->gap = true;
	return 0;
}
