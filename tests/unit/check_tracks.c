/* check_tracks - rendition choice, WebVTT headers, languages, bad .vtt */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "playlist.h"
#include "remux-fixture.h"
#include "remux-int.h"
#include "check-main.h"

static const char master[] =
    "#EXTM3U\n"
    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"English\",LANGUAGE=\"en-US\",URI=\"en.m3u8\"\n"
    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"Deutsch\",LANGUAGE=\"de\",DEFAULT=YES,URI=\"de.m3u8\"\n"
    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"Main\",LANGUAGE=\"en\"\n"
    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"b\",NAME=\"Other\",LANGUAGE=\"fr\",URI=\"fr.m3u8\"\n"
    "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"English CC\",LANGUAGE=\"en\",FORCED=YES,"
    "CHARACTERISTICS=\"public.accessibility.describes-music-and-sound\",URI=\"s-en.m3u8\"\n"
    "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"Français\",LANGUAGE=\"fr\",URI=\"s-fr.m3u8\"\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO=\"a\",SUBTITLES=\"s\"\n"
    "v.m3u8\n";

static const struct {
	enum hls_media_type type;
	const char *choice;
	int n;
	const char *names;	/* NAMEs picked, "|" separated */
} choices[] = {
	{ HLS_MEDIA_AUDIO, "all", 2, "English|Deutsch" },	/* with URI */
	{ HLS_MEDIA_AUDIO, "en", 1, "English" },	/* en matches en-US */
	{ HLS_MEDIA_AUDIO, "EN-us", 1, "English" },
	{ HLS_MEDIA_AUDIO, "de, en", 2, "English|Deutsch" },	/* playlist order */
	{ HLS_MEDIA_AUDIO, "Deutsch", 1, "Deutsch" },	/* by NAME */
	{ HLS_MEDIA_AUDIO, "fr", 0, "" },	/* another group */
	{ HLS_MEDIA_AUDIO, "e", 0, "" },	/* no prefix match */
	{ HLS_MEDIA_SUBTITLES, "all", 2, "English CC|Français" },
	{ HLS_MEDIA_SUBTITLES, "fr,,", 1, "Français" },
};

START_TEST(select_renditions)
{
	struct hls_playlist *pl = NULL;
	struct err err;
	char got[256];
	int idx[8], n, i;

	ck_assert_int_eq(playlist_parse(master, strlen(master),
	    "http://h/m.m3u8", &pl, &err), 0);
	n = playlist_select_renditions(pl, 0, choices[_i].type,
	    choices[_i].choice, idx, 8, &err);
	ck_assert_int_eq(n, choices[_i].n);
	got[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i ? "|" : "", pl->renditions[idx[i]].name);
	ck_assert_str_eq(got, choices[_i].names);
	playlist_free(pl);
}
END_TEST

START_TEST(rendition_flags)
{
	struct hls_playlist *pl = NULL;
	struct err err;
	int idx[8];

	ck_assert_int_eq(playlist_parse(master, strlen(master),
	    "http://h/m.m3u8", &pl, &err), 0);
	ck_assert_int_eq(playlist_select_renditions(pl, 0, HLS_MEDIA_SUBTITLES,
	    "en", idx, 8, &err), 1);
	ck_assert(pl->renditions[idx[0]].forced);
	ck_assert_str_eq(pl->renditions[idx[0]].characteristics,
	    "public.accessibility.describes-music-and-sound");
	ck_assert_str_eq(pl->renditions[idx[0]].uri, "http://h/s-en.m3u8");
	/* at most max */
	ck_assert_int_eq(playlist_select_renditions(pl, 0, HLS_MEDIA_AUDIO,
	    "all", idx, 1, &err), 1);
	playlist_free(pl);
}
END_TEST

START_TEST(bad_choices)
{
	static const char *const bad[] = { "", " , ", "en\n", "a\x7f" };
	char longer[300];
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(playlist_check_choice(bad[i], &err), -1);
		ck_assert_int_eq(err.kind, ERR_INVALID);
	}
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ck_assert_int_eq(playlist_check_choice(longer, &err), -1);
	ck_assert_int_eq(playlist_check_choice("all", &err), 0);
	ck_assert_int_eq(playlist_check_choice("en,fr-CA", &err), 0);
	ck_assert_int_eq(playlist_check_choice(NULL, &err), 0);
}
END_TEST

static const struct {
	const char *text;
	int rc;
	bool has;
	int64_t mpegts, local_us;
} headers[] = {
	{ "WEBVTT\n\n00:01.000 --> 00:02.000\nx\n", 0, false, 0, 0 },
	{ "\xef\xbb\xbfWEBVTT - title\r\nX-TIMESTAMP-MAP=MPEGTS:900000,"
	  "LOCAL:00:00:10.000\r\n\r\n", 0, true, 900000, 10000000 },
	{ "WEBVTT\nX-TIMESTAMP-MAP=LOCAL:01:02.500,MPEGTS:8589934591\n\n", 0,
	  true, 8589934591LL, 62500000 },
	/* a map after the header block is a cue's business, not ours */
	{ "WEBVTT\n\nX-TIMESTAMP-MAP=MPEGTS:1,LOCAL:00:00.000\n", 0, false, 0,
	  0 },
	{ "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:12x,LOCAL:00:00.000\n\n", -1, false, 0, 0 },
	{ "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:99999999999999999,LOCAL:00:00.000\n",
	  -1, false, 0, 0 },
	{ "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:1,LOCAL:00:61.000\n", -1, false, 0, 0 },
	{ "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:1,LOCAL:1.000\n", -1, false, 0, 0 },
	{ "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:1\n", -1, false, 0, 0 },
	{ "WEBVTTX\n", -1, false, 0, 0 },
	{ "#EXTM3U\n#EXTINF:1,\nx.ts\n", -1, false, 0, 0 },
	{ "", -1, false, 0, 0 },
};

START_TEST(vtt_header)
{
	int64_t mpegts = 0, local = 0;
	bool has = true;
	struct err err;

	ck_assert_int_eq(rx_vtt_header(headers[_i].text,
	    strlen(headers[_i].text), &has, &mpegts, &local, &err),
	    headers[_i].rc);
	if (headers[_i].rc == -1) {
		ck_assert_int_eq(err.kind, ERR_INVALID);
		return;
	}
	ck_assert_int_eq(has, headers[_i].has);
	if (has) {
		ck_assert_int_eq(mpegts, headers[_i].mpegts);
		ck_assert_int_eq(local, headers[_i].local_us);
	}
}
END_TEST

START_TEST(languages)
{
	ck_assert_str_eq(remux_iso639("en"), "eng");
	ck_assert_str_eq(remux_iso639("en-US"), "eng");
	ck_assert_str_eq(remux_iso639("FR"), "fra");
	ck_assert_str_eq(remux_iso639("deu"), "deu");
	ck_assert_str_eq(remux_iso639("zh-Hant"), "zho");
	ck_assert_str_eq(remux_iso639("xx"), "und");
	ck_assert_str_eq(remux_iso639("e1"), "und");
	ck_assert_str_eq(remux_iso639("english"), "und");
	ck_assert_str_eq(remux_iso639(NULL), "und");
}
END_TEST

/* A subtitle part that is not WebVTT fails by name, leaving no output. */
static const char *const bad_parts[] = {
	"#EXTM3U\n#EXTINF:1,\nhttp://x/y.ts\n",
	"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:abc,LOCAL:00:00.000\n\n",
	"",
};

START_TEST(bad_vtt_part)
{
	struct track_buf b = { 0 };
	struct remux_part vp;
	struct remux_track t[2];
	struct err err;
	char *vtt = out_path("bad.vtt"), *out = out_path("badvtt");
	FILE *fp = fopen(vtt, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(bad_parts[_i], fp);
	fclose(fp);
	track_add(&b, &src[SRC_TS], 0);
	vp = (struct remux_part){ .path = vtt };
	t[0] = b.t;
	t[1] = (struct remux_track){ .parts = &vp, .nparts = 1,
	    .subtitles = true, .in_mp4 = true };
	ck_assert_int_eq(remux_to_mp4(t, 2, out, NULL, NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "bad.vtt") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "subtitles") != NULL, "%s", err.msg);
	ck_assert(access(out, F_OK) == -1);
	unlink(vtt);
	free(vtt);
	free(out);
}
END_TEST

/* Per-track verify names the track that is wrong. */
START_TEST(verify_tracks)
{
	struct track_buf b = { 0 };
	struct err err;
	char *out = out_path("vt");
	struct remux_expect ok = { .duration = 0, .label = "audio und (A)" };
	struct remux_expect longer = { .duration = 30,
	    .label = "audio fr (Francais)" };
	struct remux_expect lang = { .language = "fr", .label = "audio fr (F)" };
	struct remux_expect two[2] = { { .label = "audio a" },
	    { .label = "audio b" } };
	struct remux_expect sub = { .subtitles = true, .label = "subtitles en" };

	track_add(&b, &src[SRC_TS], 0);
	ck_assert_int_eq(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err), 0);
	ck_assert_int_eq(remux_verify_tracks(out, &ok, 1, &err), 0);
	ck_assert_int_eq(remux_verify_tracks(out, &longer, 1, &err), -1);
	ck_assert_msg(strstr(err.msg, "audio fr (Francais) lasts") != NULL,
	    "%s", err.msg);
	ck_assert_int_eq(remux_verify_tracks(out, &lang, 1, &err), -1);
	ck_assert_msg(strstr(err.msg, "has language und, not fra") != NULL,
	    "%s", err.msg);
	ck_assert_int_eq(remux_verify_tracks(out, two, 2, &err), -1);
	ck_assert_msg(strstr(err.msg, "audio a missing") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(remux_verify_tracks(out, &sub, 1, &err), -1);
	ck_assert_msg(strstr(err.msg, "subtitles en missing") != NULL, "%s",
	    err.msg);
	unlink(out);
	free(out);
}
END_TEST

static Suite *
tracks_suite(void)
{
	Suite *s = suite_create("tracks");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, select_renditions, 0,
	    sizeof(choices) / sizeof(choices[0]));
	tcase_add_test(tc, rendition_flags);
	tcase_add_test(tc, bad_choices);
	tcase_add_loop_test(tc, vtt_header, 0,
	    sizeof(headers) / sizeof(headers[0]));
	tcase_add_test(tc, languages);
	suite_add_tcase(s, tc);
	tc = tcase_create("remux");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, verify_tracks);
	tcase_add_loop_test(tc, bad_vtt_part, 0,
	    sizeof(bad_parts) / sizeof(bad_parts[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	need_ffmpeg("check_tracks");
	return check_run(tracks_suite());
}
