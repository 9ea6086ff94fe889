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

static Suite *
playlist_suite(void)
{
	Suite *s = suite_create("playlist");
	TCase *tc = tcase_create("corpus");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, corpus_every_file);
	tcase_add_test(tc, corpus_missing_header);
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
