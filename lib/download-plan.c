/* download-plan - playlists: master choice, media tracks, live, resume files */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "download-int.h"
#include "log.h"
#include "xmalloc.h"

#define LIVE_EDGE_TARGETS 3	/* start a live stream this many targets back */
#define LIVE_RELOAD_FAILS 5	/* consecutive failed reloads end a recording */

/* --- building tracks ---------------------------------------------------- */

static int
key_intern(struct download *d, const char *uri)
{
	size_t i;

	for (i = 0; i < d->nkeys; i++)
		if (strcmp(d->keys[i].uri, uri) == 0)
			return (int)i;
	d->keys = xgrow(d->keys, &d->capkeys, d->nkeys, sizeof(*d->keys));
	memset(&d->keys[d->nkeys], 0, sizeof(d->keys[0]));
	d->keys[d->nkeys].uri = xstrdup(uri);
	return (int)d->nkeys++;
}

static int
map_intern(struct track *t, const struct hls_map *m)
{
	size_t i;

	for (i = 0; i < t->nmaps; i++)
		if (strcmp(t->maps[i].uri, m->uri) == 0 &&
		    t->maps[i].offset == m->offset)
			return (int)i;
	t->maps = xgrow(t->maps, &t->capmaps, t->nmaps, sizeof(*t->maps));
	memset(&t->maps[t->nmaps], 0, sizeof(t->maps[0]));
	t->maps[t->nmaps].uri = xstrdup(m->uri);
	t->maps[t->nmaps].offset = m->offset;
	t->maps[t->nmaps].length = m->length;
	return (int)t->nmaps++;
}

static int
check_keys(const struct hls_playlist *pl, struct err *err)
{
	size_t i;

	for (i = 0; i < pl->nkeys; i++) {
		const struct hls_key *k = &pl->keys[i];

		if (k->method == HLS_KEY_SAMPLE_AES)
			return err_setk(err, ERR_REFUSED, "Unsupported "
			    "encryption: SAMPLE-AES (DRM-protected streams "
			    "cannot be downloaded)");
		if (k->method != HLS_KEY_NONE && k->keyformat != NULL &&
		    strcasecmp(k->keyformat, "identity") != 0)
			return err_setk(err, ERR_REFUSED, "Unsupported "
			    "encryption: KEYFORMAT %.100s (DRM-protected "
			    "streams cannot be downloaded)", k->keyformat);
		if (k->method == HLS_KEY_OTHER)
			return err_setk(err, ERR_REFUSED, "Unsupported "
			    "encryption: not AES-128 (DRM-protected streams "
			    "cannot be downloaded)");
	}
	return 0;
}

/* First index of a live window: the last LIVE_EDGE_TARGETS targets. */
static size_t
live_edge(const struct hls_playlist *pl)
{
	double want = LIVE_EDGE_TARGETS * pl->target_duration, sum = 0;
	size_t i = pl->nsegments;

	while (i > 0 && sum + pl->segments[i - 1].duration <= want + 0.001) {
		sum += pl->segments[i - 1].duration;
		i--;
	}
	return i < pl->nsegments ? i : pl->nsegments - 1;
}

/* Appends the segments of pl that t does not have (by media sequence). */
static int
merge_segments(struct download *d, struct track *t,
    const struct hls_playlist *pl)
{
	size_t i, first = 0;
	int disc_base = 0;
	bool had = t->nsegs > 0;

	if (!had && !pl->endlist)
		first = live_edge(pl);
	if (had) {	/* keep discontinuity numbers running across reloads */
		const struct dseg *last = &t->segs[t->nsegs - 1];

		disc_base = last->disc + 1;
		for (i = 0; i < pl->nsegments; i++)
			if (pl->segments[i].sequence == t->last_seq)
				disc_base = last->disc -
				    pl->segments[i].discontinuity;
	}
	for (i = first; i < pl->nsegments; i++) {
		const struct hls_segment *s = &pl->segments[i];
		struct dseg *g;

		if (had && s->sequence <= t->last_seq)
			continue;
		t->segs = xgrow(t->segs, &t->capsegs, t->nsegs,
		    sizeof(*t->segs));
		g = &t->segs[t->nsegs++];
		memset(g, 0, sizeof(*g));
		g->uri = xstrdup(s->uri);
		g->duration = s->duration;
		g->offset = s->offset;
		g->length = s->length;
		g->sequence = s->sequence;
		g->disc = disc_base + s->discontinuity;
		g->key = g->map = -1;
		g->gap = s->gap;
		if (g->gap)
			g->state = IT_SKIPPED;	/* never requested */
		if (s->key >= 0 && pl->keys[s->key].method == HLS_KEY_AES128) {
			const struct hls_key *k = &pl->keys[s->key];

			g->key = key_intern(d, k->uri);
			if (k->has_iv)
				memcpy(g->iv, k->iv, CRYPT_BLOCK);
			else
				crypt_iv_from_sequence(s->sequence, g->iv);
		}
		/* A gap's init section is not needed: one that only gaps
		 * use (an ad break's) is never fetched. */
		if (s->map >= 0 && !g->gap)
			g->map = map_intern(t, &pl->maps[s->map]);
		t->last_seq = s->sequence;
		had = true;
	}
	return 0;
}

/* Parses a media playlist for t; persists it (VOD) when `save`. */
int
plan_load_track(struct download *d, struct track *t, const char *text,
    size_t len, const char *url, bool save, struct err *err)
{
	struct hls_playlist *pl = NULL;
	int rc = -1;

	if (playlist_parse(text, len, url, &pl, err) < 0)
		goto out;
	if (pl->is_master) {
		err_setk(err, ERR_INVALID, "Invalid m3u8: a master playlist "
		    "where a media playlist was expected (%s)", url);
		goto out;
	}
	if (check_keys(pl, err) < 0)
		goto out;
	t->target = pl->target_duration > 0 ? pl->target_duration : 10;
	t->endlist = pl->endlist;
	merge_segments(d, t, pl);
	if (save && d->adopt && workdir_adopt_track(d, t) == -1 &&
	    d->failed) {
		err_copy(err, &d->err);
		goto out;
	}
	if (!t->loaded)
		t->next_reload_ms = clock_ms() + (int64_t)(t->target *
		    1000);
	t->loaded = true;
	if (save && pl->endlist) {
		workdir_save_track(d, t->kind, text, len, url);
	}
	rc = 0;
out:
	playlist_free(pl);
	return rc;
}

void
plan_set_track(struct download *d, int i, char kind, const char *url)
{
	d->tracks[i].kind = kind;
	d->tracks[i].type = kind == 'v' ? 'v' : kind >= 'm' ? 's' : 'a';
	free(d->tracks[i].url);
	d->tracks[i].url = xstrdup(url);
	if (d->ntracks <= i)
		d->ntracks = i + 1;
}

static int
codecs_have(const char *codecs, const char *const *list)
{
	int i;

	if (codecs == NULL)
		return -1;
	for (i = 0; list[i] != NULL; i++)
		if (strcasestr(codecs, list[i]) != NULL)
			return 1;
	return 0;
}

char
plan_track_letter(char type, int n)
{
	return (char)(type == 'a' ? 'a' + n : 'm' + n);
}

char *
plan_choice_line(const struct download *d)
{
	return xasprintf("audio=%s subtitles=%s", d->audio ? d->audio :
	    "default", d->subtitles ? d->subtitles : "none");
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Track i from rendition r, with its labels. */
static void
add_rendition(struct download *d, int i, char kind,
    const struct hls_rendition *r)
{
	struct track *t = &d->tracks[i];

	plan_set_track(d, i, kind, r->uri);
	t->language = dup_or_null(r->language);
	t->name = dup_or_null(r->name);
	t->characteristics = dup_or_null(r->characteristics);
	t->is_default = r->is_default;
	t->forced = r->forced;
	t->labelled = true;
}

/* The languages of type's renditions in v's group, for an error. */
static void
have_languages(const struct hls_playlist *m, int v, enum hls_media_type type,
    char *buf, size_t size)
{
	int idx[DL_MAX_AUDIO + DL_MAX_SUBS];
	int n = playlist_select_renditions(m, v, type, "all", idx,
	    DL_MAX_AUDIO + DL_MAX_SUBS, NULL);
	size_t used = 0;
	int i;

	snprintf(buf, size, "none");
	for (i = 0; i < n && used < size; i++) {
		const struct hls_rendition *r = &m->renditions[idx[i]];

		used += (size_t)snprintf(buf + used, size - used, "%s%.20s",
		    i > 0 ? ", " : "", r->language ? r->language : r->name);
	}
}

/*
 * The renditions the choices keep, after the main track: "all" or a list
 * of languages (a list that matches nothing is an error; "all" without
 * renditions keeps what the variant carries).
 */
static int
choose_renditions(struct download *d, const struct hls_playlist *m, int vi,
    enum hls_media_type type, const char *choice, struct err *err)
{
	int idx[DL_MAX_SUBS > DL_MAX_AUDIO ? DL_MAX_SUBS : DL_MAX_AUDIO];
	char type_c = type == HLS_MEDIA_AUDIO ? 'a' : 's';
	int max = type == HLS_MEDIA_AUDIO ? DL_MAX_AUDIO : DL_MAX_SUBS;
	char have[256];
	int n, k;

	n = playlist_select_renditions(m, vi, type, choice, idx, (size_t)max,
	    err);
	if (n < 0)
		return -1;
	if (n == 0 && strcasecmp(choice, "all") != 0) {
		have_languages(m, vi, type, have, sizeof(have));
		return err_setk(err, ERR_INVALID, "no %s rendition in %.60s "
		    "(the stream has: %s)", type == HLS_MEDIA_AUDIO ? "audio" :
		    "subtitle", choice, have);
	}
	for (k = 0; k < n; k++)
		add_rendition(d, d->ntracks, plan_track_letter(type_c, k),
		    &m->renditions[idx[k]]);
	if (n > 0 && type == HLS_MEDIA_AUDIO)
		d->want_audio = 1;
	return 0;
}

static int
choose_variant(struct download *d, const struct hls_playlist *m,
    struct err *err)
{
	static const char *const video[] = { "avc", "hvc", "hev", "vp09",
	    "vp8", "av01", "mp4v", "dvh", NULL };
	static const char *const audio[] = { "mp4a", "ac-3", "ec-3", "opus",
	    "mp3", "flac", "alac", NULL };
	const struct hls_variant *v;
	int vi, ai;

	vi = playlist_choose_variant(m, d->quality, err);
	if (vi < 0)
		return -1;
	v = &m->variants[vi];
	plan_set_track(d, 0, 'v', v->uri);
	d->width = v->width;
	d->height = v->height;
	d->want_video = codecs_have(v->codecs, video);
	d->want_audio = codecs_have(v->codecs, audio);
	if (d->audio != NULL) {
		if (choose_renditions(d, m, vi, HLS_MEDIA_AUDIO, d->audio,
		    err) == -1)
			return -1;
		/* "all" of a group without URIs: the variant's own audio */
		if (d->ntracks == 1 && (ai = playlist_audio_for(m, vi)) >= 0) {
			plan_set_track(d, 1, 'a', m->renditions[ai].uri);
			d->want_audio = 1;
		}
	} else if ((ai = playlist_audio_for(m, vi)) >= 0) {
		plan_set_track(d, 1, 'a', m->renditions[ai].uri);
		d->want_audio = 1;
	}
	if (d->subtitles != NULL && choose_renditions(d, m, vi,
	    HLS_MEDIA_SUBTITLES, d->subtitles, err) == -1)
		return -1;
	return 0;
}

/* The answer to the URL we were given: a master or a media playlist. */
static void
top_loaded(struct download *d)
{
	struct hls_playlist *pl = NULL;
	struct small_fetch *s = &d->top;
	const char *url = s->effective_url ? s->effective_url : d->url;
	struct err err;

	if (playlist_parse(s->buf.data, s->buf.len, url, &pl, &err) < 0) {
		download_fail(d, &err);
	} else if (pl->is_master) {
		if (choose_variant(d, pl, &err) < 0)
			download_fail(d, &err);
	} else {
		plan_set_track(d, 0, 'v', url);
		if (plan_load_track(d, &d->tracks[0], s->buf.data, s->buf.len, url,
		    true, &err) < 0)
			download_fail(d, &err);
	}
	playlist_free(pl);
	d->phase = PH_MEDIA;
}

static void
media_step(struct download *d)
{
	struct err err;
	int i, pending = 0;
	bool vod = true;

	for (i = 0; i < d->ntracks && !d->failed; i++) {
		struct track *t = &d->tracks[i];
		const char *url;

		if (t->loaded) {
			vod = vod && t->endlist;
			continue;
		}
		if (t->pl.state == IT_TODO)
			small_start(d, &t->pl, t->url, -1);
		if (t->pl.state == IT_RUNNING) {
			pending++;
			continue;
		}
		if (t->pl.state == IT_SKIPPED) {
			download_fail(d, &t->pl.err);
			break;
		}
		url = t->pl.effective_url ? t->pl.effective_url : t->url;
		if (plan_load_track(d, t, t->pl.buf.data, t->pl.buf.len, url, true,
		    &err) < 0)
			download_fail(d, &err);
		vod = vod && t->endlist;
		small_free(&t->pl);
	}
	if (d->failed || pending > 0)
		return;
	if (d->adopt)
		workdir_adopt_done(d);
	if (d->failed)
		return;
	if (vod)
		workdir_save_info(d);
	d->phase = PH_SEGMENTS;
	d->state = DL_DOWNLOADING;
}

void
plan_step(struct download *d)
{
	if (d->phase == PH_TOP) {
		if (d->top.state == IT_TODO)
			small_start(d, &d->top, d->url, -1);
		if (d->top.state == IT_RUNNING)
			return;
		if (d->top.state == IT_SKIPPED) {
			download_fail(d, &d->top.err);
			return;
		}
		top_loaded(d);
		small_free(&d->top);
	}
	if (d->phase == PH_MEDIA && !d->failed)
		media_step(d);
}

/* --- live --------------------------------------------------------------- */

/* Stops recording: no more reloads, segments not yet started dropped. */
static void
live_stop(struct download *d, struct track *t)
{
	size_t i;

	t->endlist = true;
	small_cancel(d, &t->pl);
	small_free(&t->pl);
	for (i = 0; i < t->nsegs; i++)
		if (t->segs[i].state == IT_TODO)
			t->segs[i].state = IT_SKIPPED;
}

static void
live_reloaded(struct download *d, struct track *t)
{
	size_t before = t->nsegs;
	struct err err;
	const char *url = t->pl.effective_url ? t->pl.effective_url : t->url;
	int64_t wait;

	if (t->pl.state == IT_SKIPPED ||
	    plan_load_track(d, t, t->pl.buf.data, t->pl.buf.len, url, false,
	    &err) < 0) {
		log_warnx("live reload failed: %s", t->pl.state == IT_SKIPPED ?
		    t->pl.err.msg : err.msg);
		if (++t->pl.index >= LIVE_RELOAD_FAILS) {
			download_fail(d, t->pl.state == IT_SKIPPED ?
			    &t->pl.err : &err);
			return;
		}
	} else {
		t->pl.index = 0;
	}
	/* RFC 8216 6.3.4: unchanged playlist -> retry after half a target. */
	wait = (int64_t)(t->target * 1000);
	if (t->nsegs == before)
		wait /= 2;
	t->next_reload_ms = clock_ms() + wait;
	small_free(&t->pl);
}

void
plan_live_step(struct download *d)
{
	int64_t now = clock_ms();
	bool stop = d->finish_req || (d->live_max_seconds > 0 &&
	    now - d->started_ms >= (int64_t)d->live_max_seconds * 1000);
	int i;

	for (i = 0; i < d->ntracks && !d->failed; i++) {
		struct track *t = &d->tracks[i];

		if (t->endlist)
			continue;
		if (stop)
			live_stop(d, t);
		else if (t->pl.state == IT_DONE || t->pl.state == IT_SKIPPED)
			live_reloaded(d, t);
		else if (t->pl.state == IT_TODO && now >= t->next_reload_ms)
			small_start(d, &t->pl, t->url, -1);
	}
}

void
plan_next_due(const struct download *d, int64_t *due)
{
	int64_t end = d->started_ms + (int64_t)d->live_max_seconds * 1000;
	bool live = false;
	int i;

	for (i = 0; i < d->ntracks; i++) {
		const struct track *t = &d->tracks[i];

		if (t->endlist)
			continue;
		live = true;
		if (t->pl.state == IT_TODO && t->next_reload_ms < *due)
			*due = t->next_reload_ms;
	}
	if (live && d->live_max_seconds > 0 && end < *due)
		*due = end;
}

void
plan_free(struct download *d)
{
	size_t i, j;
	int k;

	for (k = 0; k < DL_MAX_TRACKS; k++) {
		struct track *t = &d->tracks[k];

		small_cancel(d, &t->pl);
		free(t->language);
		free(t->name);
		free(t->characteristics);
		small_free(&t->pl);
		for (i = 0; i < t->nsegs; i++) {
			free(t->segs[i].uri);
			pieces_free(t->segs[i].pc);
		}
		for (j = 0; j < t->nmaps; j++)
			free(t->maps[j].uri);
		free(t->segs);
		free(t->maps);
		free(t->url);
		memset(t, 0, sizeof(*t));
	}
	d->ntracks = 0;
	for (i = 0; i < d->nkeys; i++)
		free(d->keys[i].uri);
	free(d->keys);
	d->keys = NULL;
	d->nkeys = d->capkeys = 0;
}
