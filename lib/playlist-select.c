/* playlist-select - which audio and subtitle renditions a choice keeps */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "playlist.h"

#define CHOICE_MAX	256	/* bytes of a choice word */
#define CHOICE_WORD	64	/* bytes of one language or name in it */

/* "en" matches "en", "EN" and "en-US"; a NAME matches exactly (any case). */
static bool
word_matches(const struct hls_rendition *r, const char *w, size_t n)
{
	const char *lang = r->language;

	if (lang != NULL && strncasecmp(lang, w, n) == 0 &&
	    (lang[n] == '\0' || lang[n] == '-'))
		return true;
	return r->name != NULL && strlen(r->name) == n &&
	    strncasecmp(r->name, w, n) == 0;
}

static bool
choice_matches(const struct hls_rendition *r, const char *choice)
{
	const char *p = choice;
	size_t n;

	if (strcasecmp(choice, "all") == 0)
		return true;
	while (*p != '\0') {
		p += strspn(p, " ,");
		n = strcspn(p, ",");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n > 0 && word_matches(r, p, n))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

int
playlist_check_choice(const char *choice, struct err *err)
{
	const char *p;
	size_t n;

	if (choice == NULL)
		return 0;
	if (strlen(choice) > CHOICE_MAX)
		return err_setk(err, ERR_INVALID, "track choice longer than "
		    "%d bytes", CHOICE_MAX);
	for (p = choice; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_setk(err, ERR_INVALID, "track choice holds a "
			    "control character");
	for (p = choice; *p != '\0'; p += n) {
		p += strspn(p, " ,");
		n = strcspn(p, ",");
		if (n > CHOICE_WORD)
			return err_setk(err, ERR_INVALID, "track choice: a "
			    "language longer than %d bytes", CHOICE_WORD);
	}
	if (strspn(choice, " ,") == strlen(choice))
		return err_setk(err, ERR_INVALID, "track choice is empty: use "
		    "all, default, none or languages like en,fr");
	return 0;
}

int
playlist_select_renditions(const struct hls_playlist *m, int v,
    enum hls_media_type type, const char *choice, int *out, size_t max,
    struct err *err)
{
	const char *group;
	size_t i, j, n = 0;

	if (playlist_check_choice(choice, err) == -1)
		return -1;
	if (m == NULL || v < 0 || (size_t)v >= m->nvariants)
		return 0;
	group = type == HLS_MEDIA_AUDIO ? m->variants[v].audio :
	    type == HLS_MEDIA_SUBTITLES ? m->variants[v].subtitles : NULL;
	if (group == NULL)
		return 0;
	for (i = 0; i < m->nrenditions && n < max; i++) {
		const struct hls_rendition *r = &m->renditions[i];
		bool dup = false;

		if (r->type != type || r->uri == NULL ||
		    strcmp(r->group_id, group) != 0 ||
		    !choice_matches(r, choice))
			continue;
		for (j = 0; j < n; j++)
			dup = dup || strcmp(m->renditions[out[j]].uri,
			    r->uri) == 0;
		if (!dup)
			out[n++] = (int)i;
	}
	return (int)n;
}
