/* check_playlist - the HLS parser against the shared corpus and by hand */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "playlist.h"
#include "url.h"
#include "check-main.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define BASE "https://cdn.example.com/v/master.m3u8?tok=1"

/*
 * The corpus (real playlists from other projects' test suites, see
 * tests/corpus/README.md) ships in the tree; M3U8NAS_CORPUS points the test
 * at another copy, e.g. a newer ../shared/corpus/m3u8. Absent: the test fails.
 */
static const char *
corpus_dir(void)
{
	const char *env = getenv("M3U8NAS_CORPUS");

	if (env != NULL && *env != '\0')
		return env;
	return TOP_SRCDIR "/tests/corpus/m3u8";
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Parses a corpus file against BASE; returns 0/-1 like playlist_parse. */
static int
parse_file(const char *name, struct hls_playlist **pl, struct err *err)
{
	char path[4096];
	size_t len;
	char *text;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", corpus_dir(), name);
	text = slurp(path, &len);
	ret = playlist_parse(text, len, BASE, pl, err);
	free(text);
	return ret;
}

/*
 * The corpus files the parser refuses, and why. Every other file listed
 * in SOURCES.tsv must parse. A change here is a change of behaviour.
 */
static const struct {
	const char *file;
	const char *reason;
} refused[] = {
	/* LL-HLS parts only, no full segment yet */
	{ "m3u8py__daterange_in_part_playlist.m3u8", "No segments found" },
	{ "m3u8py__gap_in_parts_playlist.m3u8", "No segments found" },
	/* EXT-X-MAP and headers but no segment */
	{ "m3u8py__map_uri_playlist.m3u8", "No segments found" },
	{ "m3u8py__version_playlist.m3u8", "No segments found" },
	/* session data only: a master playlist without any variant */
	{ "m3u8py__session_data_playlist.m3u8",
	  "Invalid m3u8: master playlist has no variant streams" },
	{ "m3u8py__multiple_session_data_playlist.m3u8",
	  "Invalid m3u8: master playlist has no variant streams" },
	/* IPTV "EXTINF:-1 tvg-id=..." is no duration */
	{ "m3u8py__iptv_playlist_with_custom_tags.m3u8",
	  "Invalid m3u8: line 4: bad EXTINF duration" },
	/* a template: IV=[IV] */
	{ "m3u8py__playlist_with_tag_media_ready.m3u8",
	  "Invalid m3u8: line 6: bad IV \"[IV]\"" },
	/* a stray "JUNK" line would be fetched as a segment */
	{ "m3u8py__simple_playlist_messy.m3u8",
	  "Invalid m3u8: line 5: URI line without EXTINF" },
};

static const char *
refusal_for(const char *file)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(refused[i].file, file) == 0)
			return refused[i].reason;
	return NULL;
}

/* Every URI the downloader may fetch is an absolute http(s) URL. */
static void
assert_uris_absolute(const char *file, const struct hls_playlist *pl)
{
	for (size_t i = 0; i < pl->nsegments; i++)
		ck_assert_msg(url_is_http(pl->segments[i].uri),
		    "%s: seg %zu %s", file, i, pl->segments[i].uri);
	for (size_t i = 0; i < pl->nmaps; i++)
		ck_assert_msg(url_is_http(pl->maps[i].uri), "%s: map", file);
	for (size_t i = 0; i < pl->nvariants; i++)
		ck_assert_msg(url_is_http(pl->variants[i].uri), "%s: variant",
		    file);
	for (size_t i = 0; i < pl->nrenditions; i++)
		ck_assert_msg(pl->renditions[i].uri == NULL ||
		    url_is_http(pl->renditions[i].uri), "%s: rendition", file);
	for (size_t i = 0; i < pl->nkeys; i++)
		ck_assert_msg(pl->keys[i].method != HLS_KEY_AES128 ||
		    url_is_http(pl->keys[i].uri), "%s: key", file);
	for (size_t i = 0; i < pl->nsegments; i++) {
		ck_assert(pl->segments[i].key < (int)pl->nkeys);
		ck_assert(pl->segments[i].map < (int)pl->nmaps);
	}
}

static bool
has_feature(const char *features, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = features; *p != '\0'; p += strcspn(p, ",")) {
		p += *p == ',';
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static bool
any_key(const struct hls_playlist *pl, enum hls_key_method m, bool drm)
{
	for (size_t i = 0; i < pl->nkeys; i++)
		if ((drm ? pl->keys[i].keyformat != NULL &&
		    strcmp(pl->keys[i].keyformat, "identity") != 0 :
		    pl->keys[i].method == m))
			return true;
	return false;
}

static bool
any_range(const struct hls_playlist *pl)
{
	for (size_t i = 0; i < pl->nsegments; i++)
		if (pl->segments[i].offset >= 0)
			return true;
	for (size_t i = 0; i < pl->nmaps; i++)
		if (pl->maps[i].offset >= 0)
			return true;
	return false;
}

static bool
any_variant_group(const struct hls_playlist *pl, bool subtitles)
{
	for (size_t i = 0; i < pl->nvariants; i++)
		if ((subtitles ? pl->variants[i].subtitles :
		    pl->variants[i].audio) != NULL)
			return true;
	return false;
}

/* What SOURCES.tsv says a file holds, the parse must show. */
static void
check_features(const char *f, const char *feat, const struct hls_playlist *pl)
{
	const struct hls_segment *last = pl->nsegments ?
	    &pl->segments[pl->nsegments - 1] : NULL;

	/* LL-HLS parts (their ranges included) are not downloaded */
	if (has_feature(feat, "BYTERANGE") &&
	    !has_feature(feat, "LL-HLS-PART"))
		ck_assert_msg(any_range(pl), "%s: no byte range", f);
	if (has_feature(feat, "EXT-X-MAP"))
		ck_assert_msg(pl->nmaps > 0, "%s: no map", f);
	if (has_feature(feat, "DISCONTINUITY"))
		ck_assert_msg((last != NULL && last->discontinuity > 0) ||
		    pl->discontinuity_sequence > 0, "%s: no discontinuity", f);
	if (has_feature(feat, "AES-128") && !has_feature(feat, "SESSION-KEY"))
		ck_assert_msg(any_key(pl, HLS_KEY_AES128, false), "%s: AES", f);
	if (has_feature(feat, "SAMPLE-AES"))
		ck_assert_msg(any_key(pl, HLS_KEY_SAMPLE_AES, false), "%s", f);
	if (has_feature(feat, "KEYFORMAT-DRM"))
		ck_assert_msg(any_key(pl, HLS_KEY_NONE, true), "%s: DRM", f);
	if (has_feature(feat, "AUDIO-GROUP"))
		ck_assert_msg(any_variant_group(pl, false), "%s: audio", f);
	if (has_feature(feat, "SUBTITLES"))
		ck_assert_msg(any_variant_group(pl, true), "%s: subs", f);
	if (has_feature(feat, "LIVE") && !has_feature(feat, "VOD"))
		ck_assert_msg(!pl->endlist, "%s: live with ENDLIST", f);
	if (has_feature(feat, "VOD") && !has_feature(feat, "LIVE"))
		ck_assert_msg(pl->endlist || (pl->playlist_type != NULL &&
		    strcmp(pl->playlist_type, "VOD") == 0), "%s: VOD", f);
}

/* One row of SOURCES.tsv: file, repo, path, license, kind, features. */
static void
check_row(char *row, int *ok, int *no)
{
	char *f[6], *save = NULL, *tok = strtok_r(row, "\t\n", &save);
	struct hls_playlist *pl = NULL;
	struct err err;
	const char *why;
	int n = 0;

	for (; tok != NULL && n < 6; tok = strtok_r(NULL, "\t\n", &save))
		f[n++] = tok;
	ck_assert_msg(n == 6, "SOURCES.tsv: bad row for %s", n ? f[0] : "?");
	ck_assert_msg(strcmp(f[4], "master") == 0 || strcmp(f[4], "media") == 0,
	    "%s: kind %s", f[0], f[4]);
	why = refusal_for(f[0]);
	if (parse_file(f[0], &pl, &err) == 0) {
		ck_assert_msg(why == NULL, "%s parsed, want \"%s\"", f[0], why);
		ck_assert_msg(pl->is_master == (strcmp(f[4], "master") == 0),
		    "%s: is_master %d, SOURCES says %s", f[0], pl->is_master,
		    f[4]);
		assert_uris_absolute(f[0], pl);
		check_features(f[0], f[5], pl);
		playlist_free(pl);
		(*ok)++;
		return;
	}
	ck_assert_ptr_null(pl);
	ck_assert_msg(why != NULL, "%s (%s, %s) refused: %s", f[0], f[4], f[5],
	    err.msg);
	ck_assert_msg(strcmp(err.msg, why) == 0 ||
	    strncmp(err.msg, why, strlen(why)) == 0,
	    "%s: got \"%s\", want \"%s\"", f[0], err.msg, why);
	(*no)++;
}

START_TEST(corpus_every_file)
{
	char path[4096], line[4096];
	struct dirent *de;
	FILE *fp;
	DIR *d;
	int rows = 0, files = 0, ok = 0, no = 0;

	snprintf(path, sizeof(path), "%s/SOURCES.tsv", corpus_dir());
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "corpus missing: %s (set M3U8NAS_CORPUS)",
	    path);
	ck_assert(fgets(line, sizeof(line), fp) != NULL);	/* header */
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '\n')
			continue;
		check_row(line, &ok, &no);
		rows++;
	}
	fclose(fp);
	ck_assert_ptr_nonnull(d = opendir(corpus_dir()));
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".m3u8") != NULL)
			files++;
	closedir(d);
	ck_assert_msg(rows == files, "SOURCES.tsv lists %d files, dir has %d",
	    rows, files);
	ck_assert_int_eq(no, (int)(sizeof(refused) / sizeof(refused[0])));
	ck_assert_int_ge(ok, 100);
	fprintf(stderr, "corpus: %d parsed, %d refused\n", ok, no);
}
END_TEST

/* The header must be the first thing: an HTML error page is not HLS. */
START_TEST(corpus_missing_header)
{
	struct hls_playlist *pl;
	struct err err;
	const char *html = "<!DOCTYPE html>\n<html><body>403</body></html>\n";

	ck_assert_int_eq(playlist_parse(html, strlen(html), BASE, &pl, &err),
	    -1);
	ck_assert_str_eq(err.msg, "Invalid m3u8: no #EXTM3U header");
}
END_TEST

/*
 * Hand-checked corpus files: counts and headline values read off the
 * files themselves. BASE is https://cdn.example.com/v/master.m3u8?tok=1.
 */
#define H "https://cdn.example.com/"
static const struct {
	const char *file;
	bool master;
	size_t nvariants, nsegments, nkeys, nmaps, nrenditions;
	int64_t media_sequence;
	bool endlist;
	double total;			/* total_duration */
	size_t at;			/* index of a segment or variant... */
	const char *uri;		/* ...and its resolved URI */
} hand[] = {
	{ "grafov__wowza-vod-chunklist.m3u8", false, 0, 522, 0, 0, 0, 1, true,
	  6259.2, 521, H "v/media-b2000000_522.ts?wowzasessionid=2029972411" },
	{ "m3u8py__relative-playlist.m3u8", false, 0, 6, 1, 0, 0, 0, true,
	  6 * 5220.0, 2, H "entire3.ts" },
	{ "m3u8py__playlist_with_encrypted_segments_and_iv.m3u8", false, 0, 6,
	  1, 0, 0, 82400, false, 48, 5, H "hls/streamNum82405.ts" },
	{ "m3u8py__simple_playlist_title_comma.m3u8", false, 0, 1, 0, 0, 0, 0,
	  true, 5220, 0, "http://media.example.com/entire.ts" },
	{ "m3u8py__playlist_with_negative_media_sequence.m3u8", false, 0, 1, 0,
	  0, 0, -2680, true, 5220, 0, "http://media.example.com/entire.ts" },
	{ "grafov__media-playlist-with-discontinuity.m3u8", false, 0, 4, 0, 0,
	  0, 0, false, 38, 2, H "v/movieA.ts" },
	{ "m3u8py__multiple_map_uri_playlist.m3u8", false, 0, 3, 1, 2, 0, 1,
	  false, 15, 2, H "v/segment3.mp4" },
	{ "ytdlp__bipbop_16x9.m3u8", true, 6, 0, 0, 0, 10, 0, false, 0, 3,
	  H "v/gear4/prog_index.m3u8" },
	{ "ytdlp__img_bipbop_adv_example_fmp4.m3u8", true, 24, 0, 0, 0, 5, 0,
	  false, 0, 9, H "v/v9/prog_index.m3u8" },
	{ "grafov__master-with-alternatives.m3u8", true, 4, 0, 0, 0, 9, 0,
	  false, 0, 3, H "v/main/audio-only.m3u8" },
	{ "m3u8py__variant_playlist_with_bandwidth_float.m3u8", true, 4, 0, 0,
	  0, 0, 0, false, 0, 2, "http://example.com/hi.m3u8" },
	{ "m3u8py__multi_media_playlist.m3u8", true, 3, 0, 0, 0, 6, 0, false,
	  0, 1,
	  H "v/768/chunklist_w370587926_b1427000_vo_slen_t64TWFpbg==.m3u8" },
	{ "grafov__widevine-bitrate.m3u8", false, 0, 10, 1, 0, 0, 3080, false,
	  69, 0, H "v/01-3079.ts" },
};

START_TEST(hand_counts)
{
	struct hls_playlist *pl;
	struct err err;
	const char *f = hand[_i].file;

	ck_assert_msg(parse_file(f, &pl, &err) == 0, "%s: %s", f, err.msg);
	ck_assert_msg(pl->is_master == hand[_i].master, "%s", f);
	ck_assert_msg(pl->nvariants == hand[_i].nvariants, "%s: %zu variants",
	    f, pl->nvariants);
	ck_assert_msg(pl->nsegments == hand[_i].nsegments, "%s: %zu segments",
	    f, pl->nsegments);
	ck_assert_msg(pl->nkeys == hand[_i].nkeys, "%s: %zu keys", f,
	    pl->nkeys);
	ck_assert_msg(pl->nmaps == hand[_i].nmaps, "%s: %zu maps", f,
	    pl->nmaps);
	ck_assert_msg(pl->nrenditions == hand[_i].nrenditions,
	    "%s: %zu renditions", f, pl->nrenditions);
	ck_assert_msg(pl->media_sequence == hand[_i].media_sequence, "%s", f);
	ck_assert_msg(pl->endlist == hand[_i].endlist, "%s", f);
	ck_assert_double_eq_tol(pl->total_duration, hand[_i].total, 1e-6);
	ck_assert_str_eq(pl->is_master ? pl->variants[hand[_i].at].uri :
	    pl->segments[hand[_i].at].uri, hand[_i].uri);
	if (!pl->is_master)
		ck_assert_int_eq(pl->segments[hand[_i].at].sequence,
		    hand[_i].media_sequence + (int64_t)hand[_i].at);
	playlist_free(pl);
}
END_TEST

static struct hls_playlist *
must_parse(const char *file)
{
	struct hls_playlist *pl;
	struct err err;

	ck_assert_msg(parse_file(file, &pl, &err) == 0, "%s: %s", file,
	    err.msg);
	return pl;
}

static const unsigned char iv_10ef[16] = {
	0x10, 0xef, 0x8f, 0x75, 0x8c, 0xa5, 0x55, 0x11,
	0x55, 0x84, 0xbb, 0x5b, 0x3c, 0x68, 0x7f, 0x52,
};

/* "IV=0X..." with a capital X and a blank after the comma. */
START_TEST(hand_key_and_iv)
{
	struct hls_playlist *pl;

	pl = must_parse("m3u8py__playlist_with_encrypted_segments_and_iv.m3u8");
	ck_assert_int_eq(pl->keys[0].method, HLS_KEY_AES128);
	ck_assert_str_eq(pl->keys[0].uri, H "hls-key/key.bin");
	ck_assert(pl->keys[0].has_iv);
	ck_assert_mem_eq(pl->keys[0].iv, iv_10ef, 16);
	ck_assert_ptr_null(pl->keys[0].keyformat);
	for (size_t i = 0; i < pl->nsegments; i++)
		ck_assert_int_eq(pl->segments[i].key, 0);
	playlist_free(pl);

	/* clear, key.bin, NONE, key2.bin: keys apply until the next */
	pl = must_parse("m3u8py__playlist_with_multiple_keys_"
	    "unencrypted_and_encrypted_none.m3u8");
	{
		static const int want[] = { -1, -1, 0, 0, 0, 0, -1, -1, 1, 1 };

		ck_assert_int_eq(pl->nsegments, 10);
		for (size_t i = 0; i < 10; i++)
			ck_assert_msg(pl->segments[i].key == want[i],
			    "segment %zu key %d", i, pl->segments[i].key);
	}
	ck_assert_str_eq(pl->keys[1].uri, H "hls-key/key2.bin");
	ck_assert_int_eq(pl->keys[1].iv[0], 0xca);
	ck_assert_int_eq(pl->keys[1].iv[1], 0xfe);
	playlist_free(pl);

	/* FairPlay: SAMPLE-AES with its KEYFORMAT and skd:// kept */
	pl = must_parse("m3u8py__playlist_with_keyformat_and_"
	    "keyformatversions.m3u8");
	ck_assert_int_eq(pl->keys[0].method, HLS_KEY_SAMPLE_AES);
	ck_assert_str_eq(pl->keys[0].keyformat,
	    "com.apple.streamingkeydelivery");
	ck_assert_str_eq(pl->keys[0].uri, "skd://someuri/");
	ck_assert(!pl->keys[0].has_iv);
	ck_assert_int_eq(pl->segments[0].key, 0);
	playlist_free(pl);
}
END_TEST

START_TEST(hand_byteranges)
{
	struct hls_playlist *pl;

	/* "69864" without "@o" continues after 82112@752321 */
	pl = must_parse("grafov__media-playlist-with-byterange.m3u8");
	ck_assert_int_eq(pl->segments[0].offset, 0);
	ck_assert_int_eq(pl->segments[0].length, 75232);
	ck_assert_int_eq(pl->segments[1].offset, 752321);
	ck_assert_int_eq(pl->segments[1].length, 82112);
	ck_assert_int_eq(pl->segments[2].offset, 752321 + 82112);
	ck_assert_int_eq(pl->segments[2].length, 69864);
	ck_assert_str_eq(pl->segments[2].uri, H "v/video.ts");
	playlist_free(pl);

	pl = must_parse("m3u8py__playlist_using_byteranges.m3u8");
	ck_assert_int_eq(pl->segments[2].offset, 834421);
	ck_assert_int_eq(pl->segments[2].length, 69864);
	ck_assert(pl->endlist);
	playlist_free(pl);
}
END_TEST

START_TEST(hand_maps)
{
	struct hls_playlist *pl;

	pl = must_parse("m3u8py__map_uri_playlist_with_byterange.m3u8");
	ck_assert_int_eq(pl->nmaps, 2);
	ck_assert_str_eq(pl->maps[0].uri, H "v/main.mp4");
	ck_assert_int_eq(pl->maps[0].offset, 0);
	ck_assert_int_eq(pl->maps[0].length, 812);
	ck_assert_int_eq(pl->maps[1].length, 912);
	ck_assert_int_eq(pl->segments[0].map, 0);
	ck_assert_int_eq(pl->segments[1].map, 1);
	ck_assert_int_eq(pl->segments[0].offset, -1);
	ck_assert_int_eq(pl->segments[0].length, -1);
	ck_assert_str_eq(pl->playlist_type, "VOD");
	ck_assert_int_eq(pl->version, 7);
	playlist_free(pl);

	pl = must_parse("m3u8py__multiple_map_uri_playlist.m3u8");
	ck_assert_int_eq(pl->maps[0].offset, -1);
	ck_assert_str_eq(pl->maps[1].uri, H "v/init3.mp4");
	ck_assert_int_eq(pl->segments[1].map, 0);
	ck_assert_int_eq(pl->segments[2].map, 1);
	ck_assert_int_eq(pl->segments[2].key, 0);
	ck_assert_str_eq(pl->keys[0].uri, H "v/key.bin");
	ck_assert(!pl->keys[0].has_iv);
	playlist_free(pl);
}
END_TEST

START_TEST(hand_discontinuities)
{
	struct hls_playlist *pl;

	pl = must_parse("grafov__media-playlist-with-discontinuity-seq.m3u8");
	ck_assert_int_eq(pl->discontinuity_sequence, 2);
	ck_assert_int_eq(pl->segments[1].discontinuity, 0);
	ck_assert_int_eq(pl->segments[2].discontinuity, 1);
	ck_assert_int_eq(pl->segments[3].discontinuity, 1);
	ck_assert_double_eq_tol(pl->target_duration, 10, 1e-9);
	playlist_free(pl);
}
END_TEST

/* A corpus playlist from globocom/m3u8: segments 15 and 16 are gaps. */
START_TEST(hand_gaps)
{
	struct hls_playlist *pl;

	pl = must_parse("m3u8py__gap_playlist.m3u8");
	ck_assert_int_eq(pl->nsegments, 4);
	ck_assert(!pl->segments[0].gap);
	ck_assert(pl->segments[1].gap);
	ck_assert(pl->segments[2].gap);
	ck_assert(!pl->segments[3].gap);
	ck_assert_int_eq(pl->segments[2].sequence, 16);
	ck_assert_double_eq_tol(pl->segments[1].duration, 8.75875, 1e-9);
	playlist_free(pl);
}
END_TEST

START_TEST(hand_variants)
{
	struct hls_playlist *pl;
	const struct hls_variant *v;

	pl = must_parse("ytdlp__img_bipbop_adv_example_fmp4.m3u8");
	v = &pl->variants[9];
	ck_assert_int_eq(v->bandwidth, 8223601);
	ck_assert_int_eq(v->average_bandwidth, 8190919);
	ck_assert_int_eq(v->width, 1920);
	ck_assert_int_eq(v->height, 1080);
	ck_assert_double_eq_tol(v->frame_rate, 60, 1e-9);
	ck_assert_str_eq(v->codecs, "avc1.64002a,ac-3");
	ck_assert_str_eq(v->audio, "aud2");
	ck_assert_str_eq(v->subtitles, "sub1");
	ck_assert_int_eq(pl->renditions[3].type, HLS_MEDIA_CLOSED_CAPTIONS);
	ck_assert_ptr_null(pl->renditions[3].uri);
	ck_assert_str_eq(pl->renditions[4].uri, H "v/s1/en/prog_index.m3u8");
	ck_assert_int_eq(pl->version, 6);
	playlist_free(pl);

	pl = must_parse("m3u8py__variant_playlist_with_bandwidth_float.m3u8");
	ck_assert_int_eq(pl->variants[0].bandwidth, 1280000);
	ck_assert_int_eq(pl->variants[2].bandwidth, 7680001);
	ck_assert_str_eq(pl->variants[3].codecs, "mp4a.40.5,avc1.42801e");
	playlist_free(pl);

	pl = must_parse("ytdlp__bipbop_16x9.m3u8");
	ck_assert_int_eq(pl->renditions[0].type, HLS_MEDIA_AUDIO);
	ck_assert(pl->renditions[0].is_default);
	ck_assert(pl->renditions[0].autoselect);
	ck_assert_ptr_null(pl->renditions[0].uri);
	ck_assert_str_eq(pl->renditions[1].name, "BipBop Audio 2");
	ck_assert_str_eq(pl->renditions[1].language, "eng");
	ck_assert(!pl->renditions[1].is_default);
	ck_assert_str_eq(pl->renditions[1].uri,
	    H "v/alternate_audio_aac/prog_index.m3u8");
	ck_assert_str_eq(pl->renditions[8].name, "日本語");
	ck_assert_int_eq(pl->variants[5].height, 0);
	playlist_free(pl);
}
END_TEST

/* Choice on real masters: quality string -> variant URI, audio URI. */
static const struct {
	const char *file, *quality, *variant, *audio;	/* audio NULL: none */
} choices[] = {
	{ "ytdlp__bipbop_16x9.m3u8", "best", "gear5", NULL },
	{ "ytdlp__bipbop_16x9.m3u8", "worst", "gear0", NULL },
	{ "ytdlp__bipbop_16x9.m3u8", "720p", "gear4", NULL },
	{ "ytdlp__bipbop_16x9.m3u8", "480p", "gear2", NULL },
	{ "ytdlp__bipbop_16x9.m3u8", "100p", "gear1", NULL },
	{ "ytdlp__bipbop_16x9.m3u8", "600000", "gear2", NULL },
	{ "ytdlp__bipbop_16x9.m3u8", "1000", "gear0", NULL },
	/* CODECS lists mp4a, yet the audio lives in the rendition */
	{ "ytdlp__img_bipbop_adv_example_fmp4.m3u8", "best", "v9", "a2/" },
	{ "ytdlp__img_bipbop_adv_example_fmp4.m3u8", "worst", "v2", "a1/" },
	{ "ytdlp__img_bipbop_adv_example_fmp4.m3u8", "720p", "v6", "a2/" },
	/* video-only CODECS: DEFAULT=YES English of group "aac" */
	{ "m3u8py__multi_media_playlist.m3u8", "best", "1280/",
	  "en/chunklist" },
	{ "m3u8py__multi_media_playlist.m3u8", "480p", "768/", "en/chunklist" },
	{ "m3u8py__multi_media_playlist.m3u8", "300p", "448/", "en/chunklist" },
	{ "m3u8py__variant_playlist_with_bandwidth_float.m3u8", "3000000",
	  "mid.m3u8", NULL },
};

START_TEST(hand_choice)
{
	struct hls_playlist *pl = must_parse(choices[_i].file);
	struct err err;
	int v = playlist_choose_variant(pl, choices[_i].quality, &err);
	int a;

	ck_assert_msg(v >= 0, "case %d: %s", _i, err.msg);
	ck_assert_msg(strstr(pl->variants[v].uri, choices[_i].variant) != NULL,
	    "case %d: %s picked %s", _i, choices[_i].quality,
	    pl->variants[v].uri);
	a = playlist_audio_for(pl, v);
	if (choices[_i].audio == NULL)
		ck_assert_msg(a == -1, "case %d: audio %d", _i, a);
	else {
		ck_assert_msg(a >= 0, "case %d: no audio", _i);
		ck_assert_int_eq(pl->renditions[a].type, HLS_MEDIA_AUDIO);
		ck_assert_msg(strstr(pl->renditions[a].uri,
		    choices[_i].audio) != NULL, "case %d: audio %s", _i,
		    pl->renditions[a].uri);
	}
	playlist_free(pl);
}
END_TEST

static Suite *
playlist_suite(void)
{
	Suite *s = suite_create("playlist");
	TCase *tc = tcase_create("corpus");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, corpus_every_file);
	tcase_add_test(tc, corpus_missing_header);
	tcase_add_loop_test(tc, hand_counts, 0, N(hand));
	tcase_add_test(tc, hand_key_and_iv);
	tcase_add_test(tc, hand_byteranges);
	tcase_add_test(tc, hand_maps);
	tcase_add_test(tc, hand_discontinuities);
	tcase_add_test(tc, hand_gaps);
	tcase_add_test(tc, hand_variants);
	tcase_add_loop_test(tc, hand_choice, 0, N(choices));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(playlist_suite())
