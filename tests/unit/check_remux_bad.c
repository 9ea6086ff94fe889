/* check_remux_bad - damaged inputs and outputs fail with a reason, never crash */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remux-fixture.h"
#include "xmalloc.h"
#include "check-main.h"

START_TEST(cancel_from_progress)
{
	struct track_buf b = { 0 };
	struct prog p = { .monotonic = true, .cancel_at = 0.3 };
	struct err err;
	char *out = out_path("cancel");

	track_add(&b, &src[SRC_TS], 0);
	ck_assert_int_eq(remux_to_mp4(&b.t, 1, out, on_progress, &p, &err),
	    -1);
	ck_assert_str_eq(err.msg, "cancelled");
	ck_assert_int_eq(err.kind, ERR_CANCELLED);
	ck_assert_msg(access(out, F_OK) == -1, "partial output left behind");
	free(out);
}
END_TEST

/* A good output made for a test case, with the source's 5 s. */
static char *
good_output(const char *name)
{
	struct track_buf b = { 0 };
	struct err err;
	char *out = out_path(name);

	track_add(&b, &src[SRC_TS], 0);
	ck_assert_msg(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err) == 0,
	    "%s", err.msg);
	return out;
}

/* How to spoil a good output, and the reason verify must give. */
static const struct {
	const char *name;
	const char *spoil;	/* shell, %1$s = file; NULL: leave it */
	bool want_video, want_audio;
	double expected;
	const char *reason;
} verify_cases[] = {
	{ "ok", NULL, true, true, 5.0, NULL },
	{ "ok-unknown-length", NULL, true, true, 0, NULL },
	{ "noaudio", "%2$s -nostdin -v error -i %1$s -an -c copy -y %1$s.tmp.mp4"
	  " && mv %1$s.tmp.mp4 %1$s", true, true, 5.0,
	  "verify: no audio stream in output" },
	{ "novideo", "%2$s -nostdin -v error -i %1$s -vn -c copy -y %1$s.tmp.mp4"
	  " && mv %1$s.tmp.mp4 %1$s", true, false, 5.0,
	  "verify: no video stream in output" },
	{ "audio-is-enough", "%2$s -nostdin -v error -i %1$s -vn -c copy -y "
	  "%1$s.tmp.mp4 && mv %1$s.tmp.mp4 %1$s", false, true, 5.0, NULL },
	{ "longer", NULL, true, true, 10.0,
	  "verify: duration 5.0 s, playlist says 10.0 s" },
	{ "shorter", NULL, true, true, 3.0,
	  "verify: duration 5.0 s, playlist says 3.0 s" },
	{ "cut", "%2$s -nostdin -v error -i %1$s -t 2 -c copy -y %1$s.tmp.mp4"
	  " && mv %1$s.tmp.mp4 %1$s", true, true, 5.0,
	  "verify: duration 2.0 s, playlist says 5.0 s" },
	{ "truncated", "truncate -s $(( $(stat -c %%s %1$s) / 2 )) %1$s", true, true, 5.0,
	  "verify: file is truncated" },
	{ "garbage", "yes garbage | head -c 20000 > %1$s", true, true, 5.0,
	  "as MP4: Invalid data found" },
	{ "empty", ": > %1$s", true, true, 5.0, "is empty (0 bytes)" },
	{ "missing", "rm %1$s", true, true, 5.0, "No such file or directory" },
};

START_TEST(verify_checks_output)
{
	struct remux_result r;
	struct err err = { 0 };
	char *out = good_output(verify_cases[_i].name);
	int rc;

	if (verify_cases[_i].spoil != NULL)
		ck_assert_int_eq(sh_template(verify_cases[_i].spoil, out, ffmpeg), 0);
	rc = remux_verify(out, verify_cases[_i].want_video,
	    verify_cases[_i].want_audio, verify_cases[_i].expected, &r, &err);
	if (verify_cases[_i].reason == NULL) {
		ck_assert_msg(rc == 0, "%s: %s", verify_cases[_i].name,
		    err.msg);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err.msg, verify_cases[_i].reason) != NULL,
		    "%s: got \"%s\", want \"%s\"", verify_cases[_i].name,
		    err.msg, verify_cases[_i].reason);
	}
	free(out);
}
END_TEST


/*
 * A track of the TS (or fMP4) source with its third segment spoiled: the
 * remux fails naming the segment, or (never here) yields a file that
 * verify refuses.
 */
static const struct {
	int source;
	size_t part;		/* which segment to spoil */
	const char *spoil;	/* shell, %1$s = a copy of it */
	const char *reason;
} damaged_cases[] = {
	{ SRC_TS, 2, "yes garbage | head -c 30080 > %1$s", "no audio or video" },
	{ SRC_TS, 2, "yes garbage | head -c 30000 > %1$s", "truncated" },
	{ SRC_TS, 2, ": > %1$s", "empty segment" },
	{ SRC_TS, 2, "truncate -s 15000 %1$s", "not a whole number of TS" },
	{ SRC_TS, 0, "yes garbage | head -c 30080 > %1$s", "no audio or video" },
	{ SRC_FMP4, 2, "yes garbage | head -c 30000 > %1$s", "" },
	{ SRC_FMP4, 2, ": > %1$s", "empty segment" },
	{ SRC_FMP4, 2, "truncate -s 15000 %1$s", "truncated" },
	{ SRC_AUDIO_AAC, 2, "yes garbage | head -c 9000 > %1$s", "" },
	/* A playlist is never opened as one: no other file may be read. */
	{ SRC_TS, 0, "cp %2$s/ts/index.m3u8 %1$s",
	  "not an MPEG-TS, MP4 or audio segment" },
	{ SRC_TS, 2, "rm %1$s", "No such file or directory" },
	{ SRC_TS, 2, "rm %1$s && mkfifo %1$s", "not a regular file" },
};

START_TEST(damaged_segment_fails)
{
	const struct source *s = &src[damaged_cases[_i].source];
	struct track_buf b = { 0 };
	struct remux_result r;
	struct err err = { 0 };
	char *name = xasprintf("damaged%d", _i), *out = out_path(name);
	char *bad = xasprintf("%s/%s.%s", dir, name, s->ext);
	int rc;

	track_add(&b, s, 0);
	ck_assert_int_eq(sh("cp %s %s", s->paths[damaged_cases[_i].part], bad),
	    0);
	ck_assert_int_eq(sh_template(damaged_cases[_i].spoil, bad, dir), 0);
	b.parts[damaged_cases[_i].part].path = bad;
	rc = remux_to_mp4(&b.t, 1, out, NULL, NULL, &err);
	if (rc == 0) {
		rc = remux_verify(out, true, true, 5.0, &r, &err);
		ck_assert_msg(rc == -1, "case %d: damaged input passed", _i);
	} else {
		ck_assert_msg(access(out, F_OK) == -1, "failed output left");
	}
	ck_assert_msg(strstr(err.msg, damaged_cases[_i].reason) != NULL,
	    "case %d: got \"%s\", want \"%s\"", _i, err.msg,
	    damaged_cases[_i].reason);
	ck_assert(err.msg[0] != '\0');
	if (rc == -1 && strstr(err.msg, "verify") == NULL)
		ck_assert_msg(strstr(err.msg, dir) != NULL ||
		    strstr(err.msg, "writing") != NULL,
		    "the reason names neither the segment nor the step: %s",
		    err.msg);
	free(bad);
	free(name);
	free(out);
}
END_TEST

START_TEST(no_tracks_is_an_error)
{
	struct remux_track t = { 0 };
	struct err err;
	char *out = out_path("none");

	ck_assert_int_eq(remux_to_mp4(&t, 0, out, NULL, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "nothing to remux: no tracks");
	ck_assert_int_eq(remux_to_mp4(&t, 1, out, NULL, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "track 1 has no segments");
	ck_assert(access(out, F_OK) == -1);
	free(out);
}
END_TEST

/* Output into a directory that does not exist: the step is named. */
START_TEST(unwritable_output)
{
	struct track_buf b = { 0 };
	struct err err;

	track_add(&b, &src[SRC_TS], 0);
	ck_assert_int_eq(remux_to_mp4(&b.t, 1, "/nonexistent/x.mp4", NULL,
	    NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "creating /nonexistent/x.mp4: No such "
	    "file") != NULL, "%s", err.msg);
}
END_TEST

static Suite *
remux_bad_suite(void)
{
	Suite *s = suite_create("remux_bad");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, cancel_from_progress);
	tcase_add_loop_test(tc, verify_checks_output, 0,
	    sizeof(verify_cases) / sizeof(verify_cases[0]));
	tcase_add_loop_test(tc, damaged_segment_fails, 0,
	    sizeof(damaged_cases) / sizeof(damaged_cases[0]));
	tcase_add_test(tc, no_tracks_is_an_error);
	tcase_add_test(tc, unwritable_output);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	need_ffmpeg("check_remux_bad");
	return check_run(remux_bad_suite());
}
