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

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define BASE "https://cdn.example.com/v/master.m3u8?tok=1"

/*
 * The corpus lives in shared/ beside the repository (CI clones both side
 * by side); M3U8NAS_CORPUS overrides. Worktrees one level deeper (e.g.
 * /work/wt/<part>) find it two levels up. Absent corpus: the test fails.
 */
static const char *
corpus_dir(void)
{
	static const char *const cand[] = {
		TOP_SRCDIR "/../shared/corpus/m3u8",
		TOP_SRCDIR "/../../shared/corpus/m3u8",
	};
	const char *env = getenv("M3U8NAS_CORPUS");
	struct stat st;

	if (env != NULL && *env != '\0')
		return env;
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (stat(cand[i], &st) == 0 && S_ISDIR(st.st_mode))
			return cand[i];
	return cand[0];
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
		ck_assert_msg(url_is_http(pl->segments[i].uri), "%s: seg %zu %s",
		    file, i, pl->segments[i].uri);
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
	  0, 1, H "v/768/chunklist_w370587926_b1427000_vo_slen_t64TWFpbg==.m3u8" },
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

#define B "https://h.example/p/pl.m3u8"
#define HB "https://h.example/p/"

static struct hls_playlist *
parse_text(const char *text, size_t len, struct err *err)
{
	struct hls_playlist *pl = NULL;

	if (playlist_parse(text, len, B, &pl, err) == -1) {
		ck_assert_ptr_null(pl);
		return NULL;
	}
	ck_assert_ptr_nonnull(pl);
	return pl;
}

/* Real-world quirks that must parse; n counts segments (or variants). */
static const struct {
	const char *text;
	size_t n;
	const char *uri0;		/* first segment or variant */
	double total;
} quirks[] = {
	/* CRLF, CR-only and missing final newline */
	{ "#EXTM3U\r\n#EXTINF:4,\r\na.ts\r\n#EXT-X-ENDLIST\r\n", 1, HB "a.ts", 4 },
	{ "#EXTM3U\r#EXTINF:4,\ra.ts\r#EXTINF:2,\rb.ts", 2, HB "a.ts", 6 },
	/* UTF-8 byte order mark */
	{ "\xef\xbb\xbf#EXTM3U\n#EXTINF:4,\na.ts\n", 1, HB "a.ts", 4 },
	/* blanks around lines, blank lines anywhere */
	{ "\n\n  #EXTM3U  \n\n\t#EXTINF:4.5 ,\n\n  a.ts  \n\n", 1, HB "a.ts",
	  4.5 },
	/* comments before the header, IPTV attributes after it */
	{ "# made by hand\n#\n#EXTM3U\n#EXTINF:1,\na.ts\n", 1, HB "a.ts", 1 },
	{ "#EXTM3U x-tvg-url=\"http://x\"\n#EXTINF:1,\na.ts\n", 1, HB "a.ts",
	  1 },
	/* unknown tags, comments and tolerated tags in between */
	{ "#EXTM3U\n#EXT-X-FOO:bar\n# note\n#EXT-X-INDEPENDENT-SEGMENTS\n"
	  "#EXT-X-START:TIME-OFFSET=-2.5\n#EXT-X-SESSION-KEY:METHOD=AES-128,"
	  "URI=\"k\"\n#EXTINF:3,\n#EXT-X-PROGRAM-DATE-TIME:2020-01-01T00:00:"
	  "00Z\n#EXT-X-GAP\n#EXT-X-DATERANGE:ID=\"a\",START-DATE=\"2020\"\n"
	  "a.ts\n#EXT-X-ENDLIST\n", 1, HB "a.ts", 3 },
	/* EXTINF forms: integer, float, title with commas, no comma, spaces */
	{ "#EXTM3U\n#EXTINF:10\na.ts\n#EXTINF:9.97,Title, with, commas\nb.ts\n"
	  "#EXTINF: 0.03 ,\"quoted\"\nc.ts\n#EXTINF:1e1,\nd.ts\n", 4,
	  HB "a.ts", 30 },
	/* no EXT-X-VERSION, lowercase tag names */
	{ "#extm3u\n#extinf:2,\na.ts\n#ext-x-endlist\n", 1, HB "a.ts", 2 },
	/* URIs: absolute, network-path, absolute-path, parent, query */
	{ "#EXTM3U\n#EXTINF:1,\n//cdn2.example/x.ts\n", 1,
	  "https://cdn2.example/x.ts", 1 },
	{ "#EXTM3U\n#EXTINF:1,\n/root.ts?a=1&b=2\n", 1,
	  "https://h.example/root.ts?a=1&b=2", 1 },
	{ "#EXTM3U\n#EXTINF:1,\n../up/a.ts\n", 1, "https://h.example/up/a.ts",
	  1 },
	{ "#EXTM3U\n#EXTINF:1,\nhttp://other.example/a.ts\n", 1,
	  "http://other.example/a.ts", 1 },
	/* a trailing EXTINF without its URI is dropped */
	{ "#EXTM3U\n#EXTINF:1,\na.ts\n#EXTINF:1,\n", 1, HB "a.ts", 1 },
	/* masters: URI after comments and blanks; quoted commas; blanks */
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n# c\n\nv1.m3u8\n", 1,
	  HB "v1.m3u8", 0 },
	{ "#EXTM3U\n#EXT-X-STREAM-INF: BANDWIDTH = 1000 , CODECS=\"avc1.4d401f,"
	  "mp4a.40.2\" , RESOLUTION=640x360\nv1.m3u8\n"
	  "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=10,URI=\"i.m3u8\"\n", 1,
	  HB "v1.m3u8", 0 },
	/* a dangling STREAM-INF at the end is dropped */
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n"
	  "#EXT-X-STREAM-INF:BANDWIDTH=2\n", 1, HB "v.m3u8", 0 },
	/* lowercase enumerated values */
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=audio,GROUP-ID=\"a\",NAME=\"x\","
	  "DEFAULT=yes,URI=\"a.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=1,"
	  "AUDIO=\"a\"\nv.m3u8\n", 1, HB "v.m3u8", 0 },
};

START_TEST(quirk_table)
{
	struct err err;
	struct hls_playlist *pl = parse_text(quirks[_i].text,
	    strlen(quirks[_i].text), &err);

	ck_assert_msg(pl != NULL, "case %d: %s", _i, err.msg);
	if (pl->is_master) {
		ck_assert_int_eq(pl->nvariants, quirks[_i].n);
		ck_assert_str_eq(pl->variants[0].uri, quirks[_i].uri0);
	} else {
		ck_assert_msg(pl->nsegments == quirks[_i].n, "case %d: %zu", _i,
		    pl->nsegments);
		ck_assert_str_eq(pl->segments[0].uri, quirks[_i].uri0);
		ck_assert_double_eq_tol(pl->total_duration, quirks[_i].total,
		    1e-9);
	}
	playlist_free(pl);
}
END_TEST

/* Nonsense is refused with a message naming the line. */
static const struct {
	const char *text;
	const char *want;		/* the whole message, or its start */
} bad[] = {
	{ "", "Invalid m3u8: no #EXTM3U header" },
	{ "\n\n  \n", "Invalid m3u8: no #EXTM3U header" },
	{ "<!DOCTYPE html>\n<html><body>Access denied</body></html>\n",
	  "Invalid m3u8: no #EXTM3U header" },
	{ "#EXTINF:1,\na.ts\n", "Invalid m3u8: no #EXTM3U header" },
	{ "#EXTM3UX\n#EXTINF:1,\na.ts\n", "Invalid m3u8: no #EXTM3U header" },
	{ "{\"error\": \"expired\"}", "Invalid m3u8: no #EXTM3U header" },
	{ "#EXTM3U\n#EXTINF:abc,\na.ts\n",
	  "Invalid m3u8: line 2: bad EXTINF duration \"abc\"" },
	{ "#EXTM3U\n\n#EXTINF:,\na.ts\n",
	  "Invalid m3u8: line 3: bad EXTINF duration" },
	{ "#EXTM3U\n#EXTINF:nan,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:inf,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:-5,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:0x10,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:5s,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXT-X-TARGETDURATION:ten\n",
	  "Invalid m3u8: line 2: bad EXT-X-TARGETDURATION \"ten\"" },
	{ "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1.5\n",
	  "Invalid m3u8: line 2: bad EXT-X-MEDIA-SEQUENCE \"1.5\"" },
	{ "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999999\n",
	  "Invalid m3u8: line 2: bad EXT-X-MEDIA-SEQUENCE" },
	{ "#EXTM3U\n#EXT-X-DISCONTINUITY-SEQUENCE:x\n",
	  "Invalid m3u8: line 2: bad EXT-X-DISCONTINUITY-SEQUENCE" },
	{ "#EXTM3U\n#EXT-X-VERSION:three\n",
	  "Invalid m3u8: line 2: bad EXT-X-VERSION" },
	{ "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:abc\na.ts\n",
	  "Invalid m3u8: line 3: bad EXT-X-BYTERANGE \"abc\"" },
	{ "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:10@x\na.ts\n",
	  "Invalid m3u8: line 3: bad EXT-X-BYTERANGE" },
	{ "#EXTM3U\n#EXT-X-KEY:URI=\"k\"\n",
	  "Invalid m3u8: line 2: EXT-X-KEY without METHOD" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128\n",
	  "Invalid m3u8: line 2: EXT-X-KEY METHOD=AES-128 without URI" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xZZ\n",
	  "Invalid m3u8: line 2: bad IV \"0xZZ\"" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=1234\n",
	  "Invalid m3u8: line 2: bad IV" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x"
	  "000000000000000000000000000000001\n",	/* 33 digits */
	  "Invalid m3u8: line 2: bad IV" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\n",
	  "Invalid m3u8: line 2: attribute URI: unterminated quoted string" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"x\n",
	  "Invalid m3u8: line 2: attribute URI: text after quoted string" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD\n",
	  "Invalid m3u8: line 2: attribute without a value" },
	{ "#EXTM3U\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n",
	  "Invalid m3u8: line 2: EXT-X-MAP without URI" },
	{ "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"x\"\n",
	  "Invalid m3u8: line 2: bad EXT-X-MAP BYTERANGE" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=lots\nv.m3u8\n",
	  "Invalid m3u8: line 2: bad BANDWIDTH \"lots\"" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=1280-720\nv\n",
	  "Invalid m3u8: line 2: bad RESOLUTION" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=0x0\nv\n",
	  "Invalid m3u8: line 2: bad RESOLUTION" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,FRAME-RATE=fast\nv\n",
	  "Invalid m3u8: line 2: bad FRAME-RATE" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"
	  "#EXT-X-STREAM-INF:BANDWIDTH=2\nv.m3u8\n",
	  "Invalid m3u8: line 3: EXT-X-STREAM-INF without a URI line" },
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"x\"\n",
	  "Invalid m3u8: line 2: EXT-X-MEDIA without GROUP-ID" },
	{ "#EXTM3U\n", "No segments found" },
	{ "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-ENDLIST\n",
	  "No segments found" },
	{ "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"i.m3u8\"\n",
	  "Invalid m3u8: master playlist has only I-frame streams, nothing to "
	  "download" },
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x\"\n",
	  "Invalid m3u8: master playlist has no variant streams" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n#EXTINF:1,\na.ts\n",
	  "Invalid m3u8: mixes variant streams and media segments" },
	{ "#EXTM3U\n#EXTINF:1,\na.ts\nb.ts\n",
	  "Invalid m3u8: line 4: URI line without EXTINF" },
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x\"\nv.m3u8\n",
	  "Invalid m3u8: line 3: URI line without EXT-X-STREAM-INF" },
	/* an https playlist cannot send the fetcher to local files */
	{ "#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n",
	  "Invalid m3u8: line 3: URI \"file:///etc/passwd\" has an unsupported "
	  "scheme" },
	{ "#EXTM3U\n#EXT-X-MAP:URI=\"gopher://h/x\"\n",
	  "Invalid m3u8: line 2: URI \"gopher://h/x\" has an unsupported" },
	{ "#EXTM3U\n#EXTINF:1,\nhttp:a.ts\n", "Invalid m3u8: line 3: Invalid URL" },
};

START_TEST(bad_table)
{
	struct err err;
	struct hls_playlist *pl;

	err.msg[0] = '\0';
	pl = parse_text(bad[_i].text, strlen(bad[_i].text), &err);
	ck_assert_msg(pl == NULL, "case %d parsed", _i);
	ck_assert_msg(strncmp(err.msg, bad[_i].want, strlen(bad[_i].want)) == 0,
	    "case %d: got \"%s\", want \"%s\"", _i, err.msg, bad[_i].want);
}
END_TEST

START_TEST(bad_bytes_and_sizes)
{
	static const char nul[] = "#EXTM3U\n#EXTINF:1,\na\0b.ts\n";
	struct err err;
	char *big;
	size_t n = 70000;

	ck_assert_ptr_null(parse_text(nul, sizeof(nul) - 1, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 3: NUL byte");

	big = malloc(n + 32);
	memcpy(big, "#EXTM3U\n#EXTINF:1,\n", 19);
	memset(big + 19, 'a', n);
	ck_assert_ptr_null(parse_text(big, n + 19, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 3: longer than 65536 "
	    "bytes");
	free(big);

	/* refused before a byte is read: calloc'd pages stay untouched */
	big = calloc(1, (64u << 20) + 1);
	ck_assert_ptr_null(parse_text(big, (64u << 20) + 1, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: larger than 67108864 bytes");
	free(big);
}
END_TEST

/* Builds a playlist of n copies of item after the header. */
static char *
repeat(const char *item, size_t n, size_t *len)
{
	size_t il = strlen(item);
	char *s = malloc(8 + il * n + 1), *p = s;

	memcpy(p, "#EXTM3U\n", 8);
	p += 8;
	for (size_t i = 0; i < n; i++, p += il)
		memcpy(p, item, il);
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

START_TEST(bounds)
{
	struct err err;
	struct hls_playlist *pl;
	size_t len;
	char *s;

	s = repeat("#EXTINF:1,\nhttp://h/a.ts\n", 200000, &len);
	ck_assert_ptr_nonnull(pl = parse_text(s, len, &err));
	ck_assert_int_eq(pl->nsegments, 200000);
	ck_assert_int_eq(pl->segments[199999].sequence, 199999);
	ck_assert_double_eq_tol(pl->total_duration, 200000, 1e-6);
	playlist_free(pl);
	free(s);
	s = repeat("#EXTINF:1,\nhttp://h/a.ts\n", 200001, &len);
	ck_assert_ptr_null(parse_text(s, len, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 400003: more than "
	    "200000 segments");
	free(s);

	s = repeat("#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", 1000, &len);
	ck_assert_ptr_nonnull(pl = parse_text(s, len, &err));
	ck_assert_int_eq(pl->nvariants, 1000);
	playlist_free(pl);
	free(s);
	s = repeat("#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", 1001, &len);
	ck_assert_ptr_null(parse_text(s, len, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 2002: more than 1000 "
	    "variants");
	free(s);
}
END_TEST

START_TEST(bad_base_url)
{
	static const char *const bases[] = { "", "pl.m3u8", "/p/pl.m3u8",
	    "http://" };
	const char *t = "#EXTM3U\n#EXTINF:1,\na.ts\n";
	struct hls_playlist *pl;
	struct err err;

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		ck_assert_int_eq(playlist_parse(t, strlen(t), bases[i], &pl,
		    &err), -1);
		ck_assert_ptr_null(pl);
		ck_assert(strstr(err.msg, "base URL") != NULL);
	}
	ck_assert_int_eq(playlist_parse(t, strlen(t), NULL, &pl, &err), -1);
	/* a NULL err is allowed: the caller does not want the reason */
	ck_assert_int_eq(playlist_parse("x", 1, B, &pl, NULL), -1);
}
END_TEST

static const struct {
	const char *iv;
	const char *want;		/* 32 hex digits; NULL: refused */
} ivs[] = {
	{ "0x00000000000000000000000000000001",
	  "00000000000000000000000000000001" },
	{ "0X10ef8f758ca555115584bb5b3c687f52",
	  "10ef8f758ca555115584bb5b3c687f52" },
	{ "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	  "ffffffffffffffffffffffffffffffff" },
	/* short values are integers: right-aligned, zero-padded */
	{ "0x1", "00000000000000000000000000000001" },
	{ "0x123", "00000000000000000000000000000123" },
	{ "0xAbCdEf", "00000000000000000000000000abcdef" },
	{ "0x", NULL },
	{ "0xg1", NULL },
	{ "10ef8f758ca555115584bb5b3c687f52", NULL },
	{ "0x12 34", NULL },
	{ "0x100000000000000000000000000000000", NULL },
	/* quoted by mistake: harmless, taken */
	{ "\"0x01\"", "00000000000000000000000000000001" },
};

START_TEST(iv_table)
{
	char text[256], hex[33];
	struct hls_playlist *pl;
	struct err err;

	snprintf(text, sizeof(text), "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,"
	    "URI=\"k.bin\",IV=%s\n#EXTINF:1,\na.ts\n", ivs[_i].iv);
	pl = parse_text(text, strlen(text), &err);
	if (ivs[_i].want == NULL) {
		ck_assert_msg(pl == NULL, "case %d parsed", _i);
		ck_assert_msg(strstr(err.msg, "Invalid m3u8: line 2: bad IV") ==
		    err.msg, "case %d: %s", _i, err.msg);
		return;
	}
	ck_assert_msg(pl != NULL, "case %d: %s", _i, err.msg);
	ck_assert(pl->keys[0].has_iv);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", pl->keys[0].iv[i]);
	ck_assert_str_eq(hex, ivs[_i].want);
	playlist_free(pl);
}
END_TEST

#define WV "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\""
#define FP "KEYFORMAT=\"com.apple.streamingkeydelivery\""

/* Keys: which one applies to each segment, with which method. */
static const struct {
	const char *keys;		/* EXT-X-KEY lines before segment 0 */
	int method;			/* of segment 0's key; -1: clear */
	const char *uri, *keyformat;	/* of that key */
	size_t nkeys;
} keysets[] = {
	/* one key in several formats: keep the identity one */
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64,AA\","
	  WV "\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n",
	  HLS_KEY_AES128, HB "k.bin", NULL, 1 },
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\",KEYFORMAT=\"identity\"\n"
	  "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\"," FP "\n",
	  HLS_KEY_AES128, HB "k.bin", "identity", 1 },
	/* DRM only: never looks like a key we can fetch */
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"https://lic.example/wv\","
	  "KEYFORMAT=\"com.widevine\"\n", HLS_KEY_OTHER,
	  "https://lic.example/wv", "com.widevine", 1 },
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\"," FP "\n"
	  "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"data:text/plain;base64,AA\","
	  WV "\n", HLS_KEY_OTHER, "data:text/plain;base64,AA",
	  "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed", 1 },
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n", HLS_KEY_SAMPLE_AES,
	  HB "k", NULL, 1 },
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"k\"\n", HLS_KEY_OTHER,
	  HB "k", NULL, 1 },
	{ "#EXT-X-KEY:METHOD=aes-128,uri=\"K.bin\"\n", HLS_KEY_AES128,
	  HB "K.bin", NULL, 1 },
	/* two identity keys in a row: the later one rules */
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n"
	  "#EXT-X-KEY:METHOD=AES-128,URI=\"k2\"\n", HLS_KEY_AES128, HB "k2",
	  NULL, 1 },
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n#EXT-X-KEY:METHOD=NONE\n",
	  -1, NULL, NULL, 0 },
	{ "#EXT-X-KEY:METHOD=NONE,URI=\"\"\n", -1, NULL, NULL, 0 },
	{ "", -1, NULL, NULL, 0 },
};

START_TEST(keyset_table)
{
	char text[1024];
	struct hls_playlist *pl;
	struct err err;
	const struct hls_key *k;

	snprintf(text, sizeof(text), "#EXTM3U\n%s#EXTINF:1,\na.ts\n",
	    keysets[_i].keys);
	pl = parse_text(text, strlen(text), &err);
	ck_assert_msg(pl != NULL, "case %d: %s", _i, err.msg);
	ck_assert_msg(pl->nkeys == keysets[_i].nkeys, "case %d: %zu keys", _i,
	    pl->nkeys);
	if (keysets[_i].method == -1) {
		ck_assert_int_eq(pl->segments[0].key, -1);
		playlist_free(pl);
		return;
	}
	ck_assert_int_ge(pl->segments[0].key, 0);
	k = &pl->keys[pl->segments[0].key];
	ck_assert_msg((int)k->method == keysets[_i].method, "case %d: %d", _i,
	    k->method);
	ck_assert_str_eq(k->uri, keysets[_i].uri);
	if (keysets[_i].keyformat == NULL)
		ck_assert_ptr_null(k->keyformat);
	else
		ck_assert_str_eq(k->keyformat, keysets[_i].keyformat);
	playlist_free(pl);
}
END_TEST

/* Keys apply to following segments until the next EXT-X-KEY. */
START_TEST(key_spans)
{
	const char *t = "#EXTM3U\n#EXTINF:1,\na.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n#EXTINF:1,\nb.ts\n"
	    "#EXTINF:1,\nc.ts\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:1,\nd.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k2\",IV=0x2\n#EXTINF:1,\ne.ts\n";
	static const int want[] = { -1, 0, 0, -1, 1 };
	struct hls_playlist *pl;
	struct err err;

	ck_assert_ptr_nonnull(pl = parse_text(t, strlen(t), &err));
	ck_assert_int_eq(pl->nsegments, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(pl->segments[i].key, want[i]);
	ck_assert(!pl->keys[0].has_iv);
	ck_assert(pl->keys[1].has_iv);
	ck_assert_int_eq(pl->keys[1].iv[15], 2);
	playlist_free(pl);
}
END_TEST

/* EXT-X-BYTERANGE "n" without "@o": after the previous range of the URI. */
static const struct {
	const char *body;
	int64_t off[3], len[3];		/* per segment */
} ranges[] = {
	{ "#EXTINF:1,\n#EXT-X-BYTERANGE:100@0\na.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:50\na.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:25\na.ts\n",
	  { 0, 100, 150 }, { 100, 50, 25 } },
	/* another URI starts at 0 */
	{ "#EXTINF:1,\n#EXT-X-BYTERANGE:100@10\na.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:50\nb.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:25\nb.ts\n",
	  { 10, 0, 50 }, { 100, 50, 25 } },
	/* after the EXT-X-MAP range of the same file (single-file fMP4) */
	{ "#EXT-X-MAP:URI=\"f.mp4\",BYTERANGE=\"720@0\"\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:1000\nf.mp4\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:500\nf.mp4\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:300@5000\nf.mp4\n",
	  { 720, 1720, 5000 }, { 1000, 500, 300 } },
	/* a range applies to the next segment only */
	{ "#EXTINF:1,\n#EXT-X-BYTERANGE:100@0\na.ts\n#EXTINF:1,\na.ts\n"
	  "#EXT-X-BYTERANGE:7\n#EXTINF:1,\na.ts\n",
	  { 0, -1, 100 }, { 100, -1, 7 } },
};

START_TEST(range_table)
{
	char text[1024];
	struct hls_playlist *pl;
	struct err err;

	snprintf(text, sizeof(text), "#EXTM3U\n%s", ranges[_i].body);
	ck_assert_ptr_nonnull(pl = parse_text(text, strlen(text), &err));
	ck_assert_int_eq(pl->nsegments, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(pl->segments[i].offset == ranges[_i].off[i] &&
		    pl->segments[i].length == ranges[_i].len[i],
		    "case %d seg %d: %lld@%lld", _i, i,
		    (long long)pl->segments[i].length,
		    (long long)pl->segments[i].offset);
	}
	playlist_free(pl);
}
END_TEST

static const char three[] = "#EXTM3U\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\n720.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\naudio.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=1800000,RESOLUTION=1280x720\n720lo.m3u8\n";

static const struct {
	const char *quality, *want;	/* want NULL: error */
} qualities[] = {
	{ "best", "720.m3u8" },
	{ "BEST", "720.m3u8" },
	{ "", "720.m3u8" },
	{ NULL, "720.m3u8" },
	{ "worst", "audio.m3u8" },
	{ "720p", "720.m3u8" },		/* of two 720p, the richer */
	{ "720P", "720.m3u8" },
	{ "1080p", "720.m3u8" },
	{ "480p", "360.m3u8" },		/* only 360 and 720 exist */
	{ "360p", "360.m3u8" },
	{ "240p", "360.m3u8" },		/* none that low: the shortest */
	{ "2000000", "720lo.m3u8" },
	{ "2500000", "720.m3u8" },
	{ "900000", "360.m3u8" },
	{ "64000", "audio.m3u8" },
	{ "100", "audio.m3u8" },	/* none that low: the lowest */
	{ "medium", NULL },
	{ "-5", NULL },
	{ "720px", NULL },
	{ "p", NULL },
};

START_TEST(quality_table)
{
	struct hls_playlist *pl;
	struct err err;
	int v;

	ck_assert_ptr_nonnull(pl = parse_text(three, strlen(three), &err));
	v = playlist_choose_variant(pl, qualities[_i].quality, &err);
	if (qualities[_i].want == NULL) {
		ck_assert_int_eq(v, -1);
		ck_assert(strstr(err.msg, "Unknown quality") != NULL);
	} else {
		ck_assert_msg(v >= 0, "case %d: %s", _i, err.msg);
		ck_assert_msg(strcmp(strrchr(pl->variants[v].uri, '/') + 1,
		    qualities[_i].want) == 0, "case %d: %s -> %s", _i,
		    qualities[_i].quality, pl->variants[v].uri);
	}
	playlist_free(pl);
}
END_TEST

START_TEST(quality_edge_cases)
{
	const char *nores = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5\na.m3u8\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=9\nb.m3u8\n";
	const char *media = "#EXTM3U\n#EXTINF:1,\na.ts\n";
	struct hls_playlist *pl;
	struct err err;

	/* no RESOLUTION anywhere: a height means "best" */
	ck_assert_ptr_nonnull(pl = parse_text(nores, strlen(nores), &err));
	ck_assert_int_eq(playlist_choose_variant(pl, "720p", &err), 1);
	ck_assert_int_eq(playlist_choose_variant(pl, "worst", &err), 0);
	ck_assert_int_eq(playlist_audio_for(pl, 0), -1);
	ck_assert_int_eq(playlist_audio_for(pl, 2), -1);
	ck_assert_int_eq(playlist_audio_for(pl, -1), -1);
	playlist_free(pl);
	/* a media playlist has nothing to choose from */
	ck_assert_ptr_nonnull(pl = parse_text(media, strlen(media), &err));
	ck_assert_int_eq(playlist_choose_variant(pl, "best", &err), -1);
	ck_assert_str_eq(err.msg, "No variant streams to choose from");
	ck_assert_int_eq(playlist_audio_for(pl, 0), -1);
	playlist_free(pl);
	ck_assert_int_eq(playlist_choose_variant(NULL, "best", &err), -1);
}
END_TEST

#define AUD(extra) "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\"," extra "\n"
#define VAR(attrs) "#EXT-X-STREAM-INF:BANDWIDTH=1," attrs "\nv.m3u8\n"

/* Audio choice: renditions + variant -> index of the rendition, or -1. */
static const struct {
	const char *text;
	int want;
} audios[] = {
	/* video-only CODECS: the DEFAULT rendition with a URI */
	{ AUD("NAME=\"en\",DEFAULT=YES,URI=\"en.m3u8\"")
	  AUD("NAME=\"fr\",URI=\"fr.m3u8\"")
	  VAR("CODECS=\"avc1.4d401f\",AUDIO=\"aud\""), 0 },
	/* audio in CODECS too (a union, RFC 8216 4.3.4.2): still the URI */
	{ AUD("NAME=\"fr\",URI=\"fr.m3u8\"")
	  AUD("NAME=\"en\",DEFAULT=YES,URI=\"en.m3u8\"")
	  VAR("CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"aud\""), 1 },
	/* default without URI: the variant carries the audio */
	{ AUD("NAME=\"main\",DEFAULT=YES") AUD("NAME=\"alt\",URI=\"alt.m3u8\"")
	  VAR("CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"aud\""), -1 },
	{ AUD("NAME=\"main\",DEFAULT=YES") AUD("NAME=\"alt\",URI=\"alt.m3u8\"")
	  VAR("AUDIO=\"aud\""), -1 },
	/* ...unless the variant has no audio at all */
	{ AUD("NAME=\"main\",DEFAULT=YES") AUD("NAME=\"alt\",URI=\"alt.m3u8\"")
	  VAR("CODECS=\"avc1.4d401f\",AUDIO=\"aud\""), 1 },
	/* no CODECS, default with URI */
	{ AUD("NAME=\"en\",DEFAULT=YES,URI=\"en.m3u8\"") VAR("AUDIO=\"aud\""),
	  0 },
	/* preference: DEFAULT, then AUTOSELECT, then the first */
	{ AUD("NAME=\"a\",URI=\"a.m3u8\"")
	  AUD("NAME=\"b\",AUTOSELECT=YES,URI=\"b.m3u8\"")
	  AUD("NAME=\"c\",DEFAULT=YES,AUTOSELECT=YES,URI=\"c.m3u8\"")
	  VAR("AUDIO=\"aud\""), 2 },
	{ AUD("NAME=\"a\",URI=\"a.m3u8\"")
	  AUD("NAME=\"b\",AUTOSELECT=YES,URI=\"b.m3u8\"") VAR("AUDIO=\"aud\""),
	  1 },
	{ AUD("NAME=\"a\",URI=\"a.m3u8\"") AUD("NAME=\"b\",URI=\"b.m3u8\"")
	  VAR("AUDIO=\"aud\""), 0 },
	/* another group, another type, no AUDIO attribute */
	{ "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"x\",NAME=\"a\",URI=\"a.m3u8\"\n"
	  VAR("AUDIO=\"aud\""), -1 },
	{ "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"aud\",NAME=\"s\","
	  "URI=\"s.m3u8\"\n" VAR("AUDIO=\"aud\""), -1 },
	{ AUD("NAME=\"en\",DEFAULT=YES,URI=\"en.m3u8\"") VAR("CODECS=\"avc1\""),
	  -1 },
};

START_TEST(audio_table)
{
	char text[2048];
	struct hls_playlist *pl;
	struct err err;

	snprintf(text, sizeof(text), "#EXTM3U\n%s", audios[_i].text);
	ck_assert_ptr_nonnull(pl = parse_text(text, strlen(text), &err));
	ck_assert_msg(playlist_audio_for(pl, 0) == audios[_i].want,
	    "case %d: got %d want %d", _i, playlist_audio_for(pl, 0),
	    audios[_i].want);
	playlist_free(pl);
}
END_TEST

/* Which CODECS entries count as audio of the variant's own. */
static const struct {
	const char *codecs;
	bool audio;
} codec_cases[] = {
	{ "mp4a.40.2", true }, { "avc1.4d401f, mp4a.40.5", true },
	{ "mp4a.40.34", true }, { "ac-3", true }, { "ec-3", true },
	{ "Opus", true }, { "fLaC", true }, { "alac", true }, { "mp3", true },
	{ "avc1.4d401f", false }, { "hvc1.1.6.L93.B0", false },
	{ "avc1.64001f,vp09.00.10.08", false }, { "wvtt", false },
};

START_TEST(codec_table)
{
	char text[512];
	struct hls_playlist *pl;
	struct err err;

	/* default rendition without URI + an alternative with one */
	snprintf(text, sizeof(text), "#EXTM3U\n" AUD("NAME=\"m\",DEFAULT=YES")
	    AUD("NAME=\"alt\",URI=\"alt.m3u8\"")
	    "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"%s\",AUDIO=\"aud\"\nv\n",
	    codec_cases[_i].codecs);
	ck_assert_ptr_nonnull(pl = parse_text(text, strlen(text), &err));
	ck_assert_msg(playlist_audio_for(pl, 0) ==
	    (codec_cases[_i].audio ? -1 : 1), "case %d: %s", _i,
	    codec_cases[_i].codecs);
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
	suite_add_tcase(s, tc);
	tc = tcase_create("hand");
	tcase_add_loop_test(tc, hand_counts, 0, N(hand));
	tcase_add_test(tc, hand_key_and_iv);
	tcase_add_test(tc, hand_byteranges);
	tcase_add_test(tc, hand_maps);
	tcase_add_test(tc, hand_discontinuities);
	tcase_add_test(tc, hand_variants);
	tcase_add_loop_test(tc, hand_choice, 0, N(choices));
	suite_add_tcase(s, tc);
	tc = tcase_create("inline");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, quirk_table, 0, N(quirks));
	tcase_add_loop_test(tc, bad_table, 0, N(bad));
	tcase_add_test(tc, bad_bytes_and_sizes);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, bad_base_url);
	tcase_add_loop_test(tc, iv_table, 0, N(ivs));
	tcase_add_loop_test(tc, keyset_table, 0, N(keysets));
	tcase_add_test(tc, key_spans);
	tcase_add_loop_test(tc, range_table, 0, N(ranges));
	tcase_add_loop_test(tc, quality_table, 0, N(qualities));
	tcase_add_test(tc, quality_edge_cases);
	tcase_add_loop_test(tc, audio_table, 0, N(audios));
	tcase_add_loop_test(tc, codec_table, 0, N(codec_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(playlist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
