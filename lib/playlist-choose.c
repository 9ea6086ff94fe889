/* playlist-choose - pick the variant for a quality, and its audio */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "playlist.h"

/* Is a better than b for "best"? Bandwidth first, then height. */
static bool
higher(const struct hls_variant *a, const struct hls_variant *b)
{
	if (a->bandwidth != b->bandwidth)
		return a->bandwidth > b->bandwidth;
	return a->height > b->height;
}

static int
pick_bandwidth(const struct hls_playlist *m, bool best, int64_t cap)
{
	int pick = -1;

	for (size_t i = 0; i < m->nvariants; i++) {
		const struct hls_variant *v = &m->variants[i];

		if (cap >= 0 && v->bandwidth > cap)
			continue;
		if (pick == -1 || (best ? higher(v, &m->variants[pick]) :
		    higher(&m->variants[pick], v)))
			pick = (int)i;
	}
	return pick;
}

/*
 * The tallest variant at or below lines (the highest bandwidth among
 * equals), else the shortest one. Variants without RESOLUTION never
 * match; when no variant has one, "best" is all we can do.
 */
static int
pick_height(const struct hls_playlist *m, int64_t lines)
{
	int below = -1, shortest = -1;

	for (size_t i = 0; i < m->nvariants; i++) {
		const struct hls_variant *v = &m->variants[i];
		const struct hls_variant *b, *s;

		if (v->height <= 0)
			continue;
		b = below >= 0 ? &m->variants[below] : NULL;
		s = shortest >= 0 ? &m->variants[shortest] : NULL;
		if (v->height <= lines && (b == NULL || v->height > b->height ||
		    (v->height == b->height && v->bandwidth > b->bandwidth)))
			below = (int)i;
		if (s == NULL || v->height < s->height ||
		    (v->height == s->height && v->bandwidth < s->bandwidth))
			shortest = (int)i;
	}
	if (below >= 0)
		return below;
	if (shortest >= 0)
		return shortest;
	return pick_bandwidth(m, true, -1);
}

/* Reads a decimal number filling all of s up to an optional suffix. */
static int
number(const char *s, const char *suffix, int64_t *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || strcasecmp(end, suffix) != 0)
		return -1;
	*out = v;
	return 0;
}

int
playlist_choose_variant(const struct hls_playlist *master,
    const char *quality, struct err *err)
{
	int64_t n;
	int pick;

	if (master == NULL || !master->is_master || master->nvariants == 0)
		return err_setk(err, ERR_INVALID,
		    "No variant streams to choose from");
	if (quality == NULL || *quality == '\0' ||
	    strcasecmp(quality, "best") == 0)
		return pick_bandwidth(master, true, -1);
	if (strcasecmp(quality, "worst") == 0)
		return pick_bandwidth(master, false, -1);
	if (number(quality, "p", &n) == 0)
		return pick_height(master, n);
	if (number(quality, "", &n) == 0) {
		if ((pick = pick_bandwidth(master, true, n)) >= 0)
			return pick;
		return pick_bandwidth(master, false, -1);
	}
	return err_setk(err, ERR_INVALID, "Unknown quality \"%.40s\": "
	    "use best, worst, "
	    "a height like 720p or a bandwidth in bits/s", quality);
}

/* Does a CODECS list name an audio codec? */
static bool
has_audio_codec(const char *codecs)
{
	static const char *const audio[] = {
		"mp4a", "ac-3", "ec-3", "opus", "mp3", "flac", "alac",
		"fLaC", "Opus", "ac-4", "dtsc", "dtse", "dtsh", "dtsl",
	};
	const char *p = codecs;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, " ,");
		n = strcspn(p, ",");
		for (size_t i = 0; i < sizeof(audio) / sizeof(audio[0]); i++)
			if (strncasecmp(p, audio[i], strlen(audio[i])) == 0 &&
			    strlen(audio[i]) <= n)
				return true;
		p += n;
	}
	return false;
}

/* DEFAULT=YES, then AUTOSELECT=YES, then the first; with_uri: only those. */
static int
preferred(const struct hls_playlist *m, const char *group, bool with_uri)
{
	int def = -1, autosel = -1, first = -1;

	for (size_t i = 0; i < m->nrenditions; i++) {
		const struct hls_rendition *r = &m->renditions[i];

		if (r->type != HLS_MEDIA_AUDIO ||
		    strcmp(r->group_id, group) != 0 ||
		    (with_uri && r->uri == NULL))
			continue;
		if (first < 0)
			first = (int)i;
		if (autosel < 0 && r->autoselect)
			autosel = (int)i;
		if (def < 0 && r->is_default)
			def = (int)i;
	}
	return def >= 0 ? def : autosel >= 0 ? autosel : first;
}

/*
 * CODECS lists the formats of the variant *and* of its renditions
 * (RFC 8216 4.3.4.2), so an audio codec there does not prove the variant
 * stream carries audio. What does: the rendition a player would pick.
 * When it has a URI, the player takes audio from there; when it has none,
 * the audio is in the variant stream. A CODECS without any audio codec
 * means the variant has none: then any rendition with a URI will do.
 */
int
playlist_audio_for(const struct hls_playlist *master, int variant)
{
	const struct hls_variant *v;
	int r;

	if (master == NULL || variant < 0 ||
	    (size_t)variant >= master->nvariants)
		return -1;
	v = &master->variants[variant];
	if (v->audio == NULL)
		return -1;
	if (v->codecs != NULL && !has_audio_codec(v->codecs))
		return preferred(master, v->audio, true);
	r = preferred(master, v->audio, false);
	if (r >= 0 && master->renditions[r].uri == NULL)
		return -1;
	return r;
}
