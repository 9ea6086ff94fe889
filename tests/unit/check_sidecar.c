/* check_sidecar - the .nfo text (escaping, what XML may hold), sidecar names */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sidecar.h"
#include "check-main.h"

START_TEST(nfo_fields)
{
	struct nfo_info in = { .title = "My Concert",
		.source_page = "https://www.example.com/watch", .added = 1,
		.duration = 125.4, .width = 1280, .height = 720 };
	char *s = nfo_render(&in);

	ck_assert_ptr_nonnull(strstr(s, "<?xml version=\"1.0\" encoding=\"UTF-8\""));
	ck_assert_ptr_nonnull(strstr(s, "<movie>\n"));
	ck_assert_ptr_nonnull(strstr(s, "<title>My Concert</title>"));
	ck_assert_ptr_nonnull(strstr(s, "<website>https://www.example.com/watch</website>"));
	ck_assert_ptr_nonnull(strstr(s, "<runtime>2</runtime>"));
	ck_assert_ptr_nonnull(strstr(s, "<width>1280</width>"));
	ck_assert_ptr_nonnull(strstr(s, "<height>720</height>"));
	ck_assert_ptr_nonnull(strstr(s, "<durationinseconds>125</durationinseconds>"));
	ck_assert_ptr_nonnull(strstr(s, "<dateadded>19"));
	ck_assert_ptr_nonnull(strstr(s, "</movie>\n"));
	free(s);
}
END_TEST

static const struct {
	const char *title, *want;
} esc[] = {
	{ "a & b", "<title>a &amp; b</title>" },
	{ "<script>\"x\"'y'</script>", "<title>&lt;script&gt;&quot;x&quot;&apos;y&apos;&lt;/script&gt;</title>" },
	{ "bell\x07tab\tend", "<title>belltab\tend</title>" },
	{ "bad\xff\xfeutf8", "<title>badutf8</title>" },
	{ "surrogate\xed\xa0\x80x", "<title>surrogatex</title>" },
	{ "caf\xc3\xa9 \xe6\x97\xa5", "<title>caf\xc3\xa9 \xe6\x97\xa5</title>" },
	{ "]]><evil/>", "<title>]]&gt;&lt;evil/&gt;</title>" },
	{ NULL, "<title></title>" },
};

START_TEST(nfo_escapes)
{
	struct nfo_info in = { .title = esc[_i].title };
	char *s = nfo_render(&in);

	ck_assert_msg(strstr(s, esc[_i].want) != NULL, "case %d: %s", _i, s);
	/* Unknown facts are left out, not written as 0. */
	ck_assert_ptr_null(strstr(s, "<width>"));
	ck_assert_ptr_null(strstr(s, "<website>"));
	ck_assert_ptr_null(strstr(s, "<dateadded>"));
	free(s);
}
END_TEST

START_TEST(paths)
{
	char *a = sidecar_nfo_path("/srv/m/Concert (2).mp4");
	char *b = sidecar_poster_path("/srv/m/Concert (2).mp4");
	char *c = sidecar_nfo_path("/srv/m/odd");

	ck_assert_str_eq(a, "/srv/m/Concert (2).nfo");
	ck_assert_str_eq(b, "/srv/m/Concert (2)-poster.jpg");
	ck_assert_str_eq(c, "/srv/m/odd.nfo");
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(poster_refuses_non_mp4)
{
	char path[] = "/tmp/check_sidecar.XXXXXX";
	uint8_t *jpeg;
	size_t len;
	struct err err;
	int fd = mkstemp(path);

	/* A playlist posing as the video: the forced mp4 demuxer refuses it. */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "#EXTM3U\n#EXTINF:1,\nfile:/etc/passwd\n", 36), 0);
	close(fd);
	ck_assert_int_eq(poster_make(path, &jpeg, &len, &err), -1);
	ck_assert_ptr_null(jpeg);
	ck_assert_ptr_nonnull(strstr(err.msg, "poster"));
	unlink(path);
}
END_TEST

static Suite *
sidecar_suite(void)
{
	Suite *s = suite_create("sidecar");
	TCase *tc = tcase_create("sidecar");

	tcase_add_test(tc, nfo_fields);
	tcase_add_loop_test(tc, nfo_escapes, 0, sizeof(esc) / sizeof(esc[0]));
	tcase_add_test(tc, paths);
	tcase_add_test(tc, poster_refuses_non_mp4);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sidecar_suite())
