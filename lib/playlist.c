/* playlist - HLS playlist parser (RFC 8216): lines, segments, the result */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "playlist-int.h"
#include "url.h"
#include "xmalloc.h"

/*
 * One pass over the lines. Tags set state in struct parser; a URI line
 * turns that state into a segment (after EXTINF) or a variant (after
 * EXT-X-STREAM-INF). Tags we do not use (SESSION-KEY, START,
 * PROGRAM-DATE-TIME, DATERANGE, PART, ...) are skipped, so are comments.
 */
static const struct {
	const char *name;
	playlist_tag_fn *fn;
} tags[] = {
	{ "EXTINF", playlist_tag_extinf },
	{ "EXT-X-KEY", playlist_tag_key },
	{ "EXT-X-MAP", playlist_tag_map },
	{ "EXT-X-BYTERANGE", playlist_tag_byterange },
	{ "EXT-X-DISCONTINUITY", playlist_tag_discontinuity },
	{ "EXT-X-MEDIA-SEQUENCE", playlist_tag_media_sequence },
	{ "EXT-X-DISCONTINUITY-SEQUENCE", playlist_tag_discontinuity_sequence },
	{ "EXT-X-TARGETDURATION", playlist_tag_target_duration },
	{ "EXT-X-VERSION", playlist_tag_version },
	{ "EXT-X-PLAYLIST-TYPE", playlist_tag_playlist_type },
	{ "EXT-X-ENDLIST", playlist_tag_endlist },
	{ "EXT-X-GAP", playlist_tag_gap },
	{ "EXT-X-STREAM-INF", playlist_tag_stream_inf },
	{ "EXT-X-I-FRAME-STREAM-INF", playlist_tag_iframe_stream_inf },
	{ "EXT-X-MEDIA", playlist_tag_media },
	{ "EXT-X-SESSION-DATA", playlist_tag_session_data },
};

static int
tag_line(struct parser *p, char *line, struct err *err)
{
	char *name = line + 1, *val = strchr(line, ':');

	if (val != NULL)
		*val++ = '\0';
	else
		val = "";
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strcasecmp(name, tags[i].name) == 0)
			return tags[i].fn(p, val, err);
	return 0;
}

static int
add_variant(struct parser *p, const char *ref, struct err *err)
{
	struct hls_playlist *pl = p->pl;

	if ((p->variant.uri = playlist_resolve(p, ref, err)) == NULL)
		return -1;
	pl->variants = xgrow(pl->variants, &p->capvar, pl->nvariants,
	    sizeof(*pl->variants));
	pl->variants[pl->nvariants++] = p->variant;
	memset(&p->variant, 0, sizeof(p->variant));
	p->variant_pending = false;
	return 0;
}

/* "n" without "@o" continues after the previous range of the same URI. */
static int
segment_range(struct parser *p, struct hls_segment *s, struct err *err)
{
	if (!p->have_range) {
		s->offset = s->length = -1;
		return 0;
	}
	s->length = p->range_len;
	if (p->range_off >= 0)
		s->offset = p->range_off;
	else if (p->range_uri != NULL && strcmp(p->range_uri, s->uri) == 0)
		s->offset = p->range_end;
	else
		s->offset = 0;
	/* chained ranges must not overflow int64_t */
	if (s->offset > MAX_RANGE_END - s->length)
		return err_set(err, "EXT-X-BYTERANGE ends past byte %lld",
		    (long long)MAX_RANGE_END);
	p->range_uri = s->uri;
	p->range_end = s->offset + s->length;
	return 0;
}

static int
add_segment(struct parser *p, const char *ref, struct err *err)
{
	struct hls_playlist *pl = p->pl;
	struct hls_segment s;

	if (!p->have_extinf)
		return err_set(err, p->master_tags ?
		    "URI line without EXT-X-STREAM-INF" :
		    "URI line without EXTINF");
	if (pl->nsegments == MAX_SEGMENTS)
		return err_set(err, "more than %d segments", MAX_SEGMENTS);
	memset(&s, 0, sizeof(s));
	if ((s.uri = playlist_resolve(p, ref, err)) == NULL)
		return -1;
	if (segment_range(p, &s, err) == -1) {
		free(s.uri);
		return -1;
	}
	s.duration = p->duration;
	s.key = p->cur_key;
	s.map = p->cur_map;
	s.discontinuity = p->disc;
	s.gap = p->gap;
	pl->segments = xgrow(pl->segments, &p->capseg, pl->nsegments,
	    sizeof(*pl->segments));
	pl->segments[pl->nsegments++] = s;
	pl->total_duration += s.duration;
	p->have_extinf = p->have_range = p->key_open = p->gap = false;
	return 0;
}

static int
uri_line(struct parser *p, const char *line, struct err *err)
{
	if (p->variant_pending)
		return add_variant(p, line, err);
	return add_segment(p, line, err);
}

static bool
is_header(const char *line)
{
	/* IPTV lists write attributes after it: "#EXTM3U x-tvg-url=..." */
	return strncasecmp(line, "#EXTM3U", 7) == 0 &&
	    (line[7] == '\0' || line[7] == ' ' || line[7] == '\t' ||
	    line[7] == ':');
}

static bool
is_comment(const char *line)
{
	return line[0] == '#' && strncasecmp(line, "#EXT", 4) != 0;
}

/* Handles one trimmed, non-empty line. */
static int
one_line(struct parser *p, char *line, bool *header, struct err *err)
{
	if (!*header) {
		/* comments before the header are harmless; anything else not */
		if (is_comment(line))
			return 0;
		if (!is_header(line))
			return err_set(err, "Invalid m3u8: no #EXTM3U header");
		*header = true;
		return 0;
	}
	if (is_comment(line))
		return 0;
	if ((line[0] == '#' ? tag_line(p, line, err) :
	    uri_line(p, line, err)) == -1)
		return err_wrap(err, "Invalid m3u8: line %zu", p->lineno);
	return 0;
}

/* Copies the line [s, e) into *buf without surrounding blanks. */
static char *
trimmed(const char *s, const char *e, char **buf)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	memcpy(*buf, s, (size_t)(e - s));
	(*buf)[e - s] = '\0';
	return *buf;
}

/* Where the line after the one ending at e starts: LF, CRLF or CR. */
static const char *
next_line(const char *e, const char *end)
{
	if (e == end)
		return end;
	if (*e == '\r' && end - e > 1 && e[1] == '\n')
		return e + 2;
	return e + 1;
}

static int
all_lines(struct parser *p, const char *text, size_t len, struct err *err)
{
	const char *s = text, *end = text + len, *e;
	char *buf = xmalloc(MAX_LINE + 1);
	bool header = false;
	int ret = -1;

	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;		/* UTF-8 byte order mark */
	for (; s < end; s = next_line(e, end)) {
		p->lineno++;
		for (e = s; e < end && *e != '\n' && *e != '\r'; e++)
			if (*e == '\0') {
				err_set(err, "Invalid m3u8: line %zu: NUL byte",
				    p->lineno);
				goto out;
			}
		if (e - s > MAX_LINE) {
			err_set(err, "Invalid m3u8: line %zu: longer than %d "
			    "bytes", p->lineno, MAX_LINE);
			goto out;
		}
		if (*trimmed(s, e, &buf) != '\0' &&
		    one_line(p, buf, &header, err) == -1)
			goto out;
	}
	if (!header) {
		err_set(err, "Invalid m3u8: no #EXTM3U header");
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/* Checks what the whole playlist must be once every line is read. */
static int
finish(struct parser *p, struct err *err)
{
	struct hls_playlist *pl = p->pl;

	/* a dangling EXT-X-STREAM-INF at the end: drop it */
	playlist_variant_clear(&p->variant);
	p->variant_pending = false;
	pl->is_master = p->master_tags;
	if (pl->is_master && pl->nsegments > 0)
		return err_set(err, "Invalid m3u8: mixes variant streams and "
		    "media segments");
	if (pl->is_master && pl->nvariants == 0)
		return err_set(err, p->niframes > 0 ?
		    "Invalid m3u8: master playlist has only I-frame streams, "
		    "nothing to download" :
		    "Invalid m3u8: master playlist has no variant streams");
	if (!pl->is_master && pl->nsegments == 0)
		return err_set(err, "No segments found");
	for (size_t i = 0; i < pl->nsegments; i++)
		pl->segments[i].sequence = pl->media_sequence + (int64_t)i;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 if invalid. */
static int
utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * The reason quotes playlist text, which may be anything; it ends up in
 * logs, .error files and JSON (jansson wants valid UTF-8). Control bytes
 * and invalid UTF-8 (e.g. a sequence cut by "%.40s") become '?'.
 */
static void
clean_reason(struct err *err)
{
	unsigned char *s;
	int n;

	if (err == NULL)
		return;
	/* Whatever line said so, a playlist that does not parse is bad
	 * input: fetching it again gives the same text. */
	err->kind = ERR_INVALID;
	for (s = (unsigned char *)err->msg; *s != '\0'; s += n) {
		n = 1;
		if (*s < 0x20 || *s == 0x7f)
			*s = '?';
		else if (*s >= 0x80 && (n = utf8_len(s)) == 0) {
			*s = '?';
			n = 1;
		}
	}
}

int
playlist_parse(const char *text, size_t len, const char *base_url,
    struct hls_playlist **out, struct err *err)
{
	struct parser p;
	int ret = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.pl = xcalloc(1, sizeof(*p.pl));
	p.cur_key = p.cur_map = -1;
	if (len > MAX_TEXT) {
		err_set(err, "Invalid m3u8: larger than %u bytes", MAX_TEXT);
		goto out;
	}
	if (base_url == NULL || (p.base = url_base_new(base_url, NULL)) ==
	    NULL || (p.base_scheme = url_scheme(base_url)) == NULL) {
		err_set(err, "Invalid m3u8 base URL \"%.200s\"",
		    base_url != NULL ? base_url : "(null)");
		goto out;
	}
	if (all_lines(&p, text, len, err) == -1 || finish(&p, err) == -1)
		goto out;
	*out = p.pl;
	p.pl = NULL;
	ret = 0;
out:
	if (ret == -1)
		clean_reason(err);
	playlist_variant_clear(&p.variant);
	free(p.base_scheme);
	url_base_free(p.base);
	playlist_free(p.pl);
	return ret;
}

void
playlist_free(struct hls_playlist *pl)
{
	size_t i;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->nsegments; i++)
		free(pl->segments[i].uri);
	for (i = 0; i < pl->nkeys; i++) {
		free(pl->keys[i].uri);
		free(pl->keys[i].keyformat);
	}
	for (i = 0; i < pl->nmaps; i++)
		free(pl->maps[i].uri);
	for (i = 0; i < pl->nvariants; i++)
		playlist_variant_clear(&pl->variants[i]);
	for (i = 0; i < pl->nrenditions; i++) {
		free(pl->renditions[i].group_id);
		free(pl->renditions[i].name);
		free(pl->renditions[i].language);
		free(pl->renditions[i].uri);
		free(pl->renditions[i].characteristics);
	}
	free(pl->segments);
	free(pl->keys);
	free(pl->maps);
	free(pl->variants);
	free(pl->renditions);
	free(pl->playlist_type);
	free(pl);
}
