/* check_playlist_choose - variant choice by quality, audio rendition choice */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playlist.h"
#include "check-main.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
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
choose_suite(void)
{
	Suite *s = suite_create("playlist_choose");
	TCase *tc = tcase_create("choose");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, quality_table, 0, N(qualities));
	tcase_add_test(tc, quality_edge_cases);
	tcase_add_loop_test(tc, audio_table, 0, N(audios));
	tcase_add_loop_test(tc, codec_table, 0, N(codec_cases));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(choose_suite())
