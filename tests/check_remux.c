/* check_remux - segments to MP4 with libavformat: decoded output = source */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "remux.h"
#include "xmalloc.h"

/*
 * Inputs are made at test time with Debian's ffmpeg: tiny (160x120, a few
 * seconds, 1 s segments) h264 + AAC, cut by ffmpeg's own hls and segment
 * muxers, in one temporary directory shared by every case.
 *
 * "Decoded output = source" is checked by decoding both with ffmpeg and
 * comparing MD5s of every video frame (-fps_mode passthrough, so that no
 * frame is duplicated or dropped on the way) and of every audio sample.
 * Audio is compared decoded, as it is, with no edit-list trick: our output
 * puts the first AAC packet at the same place ffmpeg's own "-c copy" does,
 * so the plain decode of the MP4 equals the plain decode of the
 * concatenated segments. corrupted_output_changes_md5 proves the
 * comparison can fail.
 */
#define MAXPARTS 16

static char dir[64];
static const char *ffmpeg = "ffmpeg";

struct source {
	const char *name;	/* subdirectory */
	const char *ext;	/* segment extension */
	char *paths[MAXPARTS];
	size_t n;
	char *init;		/* fMP4 init section or NULL */
	char *all;		/* the segments concatenated, for reference */
};

enum { SRC_TS, SRC_FMP4, SRC_TS2, SRC_VIDEO, SRC_AUDIO_TS, SRC_AUDIO_AAC,
    NSRC };

static struct source src[NSRC] = {
	[SRC_TS] = { "ts", "ts" },
	[SRC_FMP4] = { "fmp4", "m4s" },
	[SRC_TS2] = { "ts2", "ts" },
	[SRC_VIDEO] = { "video", "ts" },
	[SRC_AUDIO_TS] = { "audiots", "ts" },
	[SRC_AUDIO_AAC] = { "aac", "aac" },
};

static int
sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) == -1)
		abort();
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	free(cmd);
	return rc;
}

/* The first line a shell command prints, or "" */
static char *
sh_line(const char *fmt, ...)
{
	char line[256] = "";
	va_list ap;
	char *cmd;
	FILE *fp;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) == -1)
		abort();
	va_end(ap);
	if ((fp = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) == NULL)
			line[0] = '\0';
		pclose(fp);
	}
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* MD5 of every decoded frame of one kind ("v" or "a") of a file. */
static char *
decoded_md5(const char *file, const char *kind)
{
	return sh_line("%s -nostdin -v error -i '%s' -map 0:%s:0 %s "
	    "-f md5 - 2>/dev/null", ffmpeg, file, kind,
	    kind[0] == 'v' ? "-fps_mode passthrough" : "");
}

/* Same, of two files decoded one after the other. */
static char *
decoded_md5_cat(const char *a, const char *b, const char *kind)
{
	const char *f = kind[0] == 'v' ? "-fps_mode passthrough -f rawvideo" :
	    "-f s16le";

	return sh_line("{ %s -nostdin -v error -i '%s' -map 0:%s:0 %s -; "
	    "%s -nostdin -v error -i '%s' -map 0:%s:0 %s -; } | md5sum",
	    ffmpeg, a, kind, f, ffmpeg, b, kind, f);
}

static char *
decoded_md5_raw(const char *file, const char *kind)
{
	return sh_line("%s -nostdin -v error -i '%s' -map 0:%s:0 %s - | "
	    "md5sum", ffmpeg, file, kind, kind[0] == 'v' ?
	    "-fps_mode passthrough -f rawvideo" : "-f s16le");
}

/*
 * MD5 of the audio packets' payload of one file, or two one after the
 * other (b may be NULL): what a stream copy must keep bit for bit. ADTS
 * headers are taken off as MP4 has none.
 */
static char *
audio_packets_md5(const char *a, const char *b)
{
	const char *f = "-map 0:a:0 -c copy -bsf:a aac_adtstoasc -f data -";

	return sh_line("{ %s -nostdin -v error -i '%s' %s; %s%s%s%s%s%s; } | "
	    "md5sum", ffmpeg, a, f, b != NULL ? ffmpeg : "true",
	    b != NULL ? " -nostdin -v error -i '" : "", b != NULL ? b : "",
	    b != NULL ? "' " : "", b != NULL ? f : "", "");
}

/* Bytes of decoded audio (s16) of one file, or two (b may be NULL). */
static char *
decoded_len(const char *a, const char *b)
{
	const char *f = "-map 0:a:0 -f s16le -";

	return sh_line("{ %s -nostdin -v error -i '%s' %s; %s%s%s%s%s; } | "
	    "wc -c", ffmpeg, a, f, b != NULL ? ffmpeg : "true",
	    b != NULL ? " -nostdin -v error -i '" : "", b != NULL ? b : "",
	    b != NULL ? "' " : "", b != NULL ? f : "");
}

static void
collect(struct source *s)
{
	struct stat st;
	char *p;
	size_t i;

	for (i = 0; i < MAXPARTS; i++) {
		p = xasprintf("%s/%s/seg%zu.%s", dir, s->name, i, s->ext);
		if (stat(p, &st) == -1) {
			free(p);
			break;
		}
		s->paths[s->n++] = p;
	}
	p = xasprintf("%s/%s/init.mp4", dir, s->name);
	if (stat(p, &st) == 0)
		s->init = p;
	else
		free(p);
	s->all = xasprintf("%s/%s/all.%s", dir, s->name,
	    s->init != NULL ? "mp4" : s->ext);
	if (sh("cat %s %s/%s/seg?.%s > %s", s->init != NULL ? s->init : "",
	    dir, s->name, s->ext, s->all) != 0)
		abort();
}

#define LAVFI_V	"-f lavfi -i testsrc=size=160x120:rate=25"
#define LAVFI_V2 "-f lavfi -i testsrc2=size=160x120:rate=25"
#define LAVFI_A	"-f lavfi -i sine=frequency=440:sample_rate=44100"
#define LAVFI_A2 "-f lavfi -i sine=frequency=880:sample_rate=44100"
#define ENC_V	"-pix_fmt yuv420p -c:v libx264 -preset ultrafast -g 25"
#define ENC_A	"-c:a aac -b:a 64k"
#define HLS(d)	"-f hls -hls_time 1 -hls_list_size 0 " \
	"-hls_segment_filename %s/" d "/seg%%d.ts %s/" d "/index.m3u8"

static void
make_sources(void)
{
	const char *q = "-nostdin -v error -y";
	size_t i;
	int rc = 0;

	for (i = 0; i < NSRC; i++)
		rc |= sh("mkdir -p %s/%s", dir, src[i].name);
	rc |= sh("%s %s " LAVFI_V " " LAVFI_A " -t 5 " ENC_V " " ENC_A " "
	    HLS("ts"), ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_V " " LAVFI_A " -t 5 " ENC_V " " ENC_A
	    " -f hls -hls_time 1 -hls_list_size 0 -hls_segment_type fmp4 "
	    "-hls_segment_filename %s/fmp4/seg%%d.m4s %s/fmp4/index.m3u8",
	    ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_V2 " " LAVFI_A2 " -t 3 " ENC_V " " ENC_A " "
	    HLS("ts2"), ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_V " -t 4 " ENC_V " -an " HLS("video"),
	    ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_A " -t 4 " ENC_A " -vn " HLS("audiots"),
	    ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_A " -t 4 " ENC_A " -f segment -segment_time 1 "
	    "-segment_format adts %s/aac/seg%%d.aac", ffmpeg, q, dir);
	if (rc != 0)
		abort();
	for (i = 0; i < NSRC; i++)
		collect(&src[i]);
}

static void
setup(void)
{
	const char *env = getenv("FFMPEG");

	if (env != NULL && *env != '\0')
		ffmpeg = env;
	log_open("check_remux", LOG_TEXT, 0);
	strcpy(dir, "/tmp/check_remux.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	make_sources();
}

static void
teardown(void)
{
	size_t i, k;

	for (i = 0; i < NSRC; i++) {
		for (k = 0; k < src[i].n; k++)
			free(src[i].paths[k]);
		free(src[i].init);
		free(src[i].all);
	}
	if (getenv("KEEP_TMP") == NULL)
		sh("rm -rf %s", dir);
}

/* A track made of sources, each its own discontinuity group. */
struct track_buf {
	struct remux_part parts[2 * MAXPARTS];
	struct remux_track t;
};

static void
track_add(struct track_buf *b, const struct source *s, int disc)
{
	size_t i;

	b->t.parts = b->parts;
	for (i = 0; i < s->n; i++)
		b->parts[b->t.nparts++] = (struct remux_part){
		    .path = s->paths[i], .discontinuity = disc,
		    .init_path = s->init };
}

static char *
out_path(const char *name)
{
	return xasprintf("%s/%s.mp4", dir, name);
}

struct prog {
	int calls;
	double last;
	bool monotonic;
	double cancel_at;	/* > 0: cancel once past this */
};

static int
on_progress(void *arg, double f)
{
	struct prog *p = arg;

	if (f < p->last || f < 0 || f > 1)
		p->monotonic = false;
	p->last = f;
	p->calls++;
	return p->cancel_at > 0 && f >= p->cancel_at;
}

static void
assert_same_decode(const char *out, const char *ref, const char *kind)
{
	char *a = decoded_md5(out, kind), *b = decoded_md5(ref, kind);

	ck_assert_msg(strncmp(a, "MD5=", 4) == 0, "no %s md5 of %s", kind,
	    out);
	ck_assert_msg(strcmp(a, b) == 0, "%s of %s (%s) differs from %s (%s)",
	    kind, out, a, ref, b);
	free(a);
	free(b);
}

/* One source as one track: TS, and fMP4 with its init section. */
static const int single_cases[] = { SRC_TS, SRC_FMP4 };

START_TEST(single_track_equals_source)
{
	const struct source *s = &src[single_cases[_i]];
	struct track_buf b = { 0 };
	struct prog p = { .monotonic = true };
	struct remux_result r;
	struct err err;
	char *out = out_path(s->name);

	track_add(&b, s, 0);
	ck_assert_int_eq(remux_to_mp4(&b.t, 1, out, on_progress, &p, &err),
	    0);
	ck_assert(p.calls >= 2 && p.monotonic && p.last == 1.0);
	ck_assert_msg(remux_verify(out, true, true, 5.0, &r, &err) == 0,
	    "%s", err.msg);
	ck_assert(r.has_video && r.has_audio);
	ck_assert_int_eq(r.width, 160);
	ck_assert_int_eq(r.height, 120);
	ck_assert(r.duration > 4.9 && r.duration < 5.2);
	ck_assert_int_gt(r.size, 10000);
	assert_same_decode(out, s->all, "v");
	assert_same_decode(out, s->all, "a");
	free(out);
}
END_TEST

/* The comparison above must be able to fail: damage the output. */
START_TEST(corrupted_output_changes_md5)
{
	struct track_buf b = { 0 };
	struct err err;
	char *out = out_path("corrupt"), *good_v, *good_a, *bad_v, *bad_a;
	struct stat st;
	int fd;

	track_add(&b, &src[SRC_TS], 0);
	ck_assert_int_eq(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err), 0);
	good_v = decoded_md5(out, "v");
	good_a = decoded_md5(out, "a");
	ck_assert_int_eq(stat(out, &st), 0);
	/* Zeroes over a stretch of the media data, past the moov. */
	fd = open(out, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	for (off_t at = st.st_size / 3; at < st.st_size; at += st.st_size / 8)
		ck_assert_int_eq(pwrite(fd, "\0\0\0\0\0\0\0\0\0\0\0\0", 12,
		    at), 12);
	close(fd);
	bad_v = decoded_md5(out, "v");
	bad_a = decoded_md5(out, "a");
	ck_assert_msg(strcmp(good_v, bad_v) != 0 || strcmp(good_a, bad_a) != 0,
	    "damaged file decodes the same");
	free(good_v);
	free(good_a);
	free(bad_v);
	free(bad_a);
	free(out);
}
END_TEST

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
	ck_assert_msg(access(out, F_OK) == -1, "partial output left behind");
	free(out);
}
END_TEST


/* Two encodes as two discontinuity groups: one file, frames of both. */
START_TEST(discontinuity_runs_on)
{
	struct track_buf b = { 0 };
	struct remux_result r;
	struct err err;
	char *out = out_path("disc"), *got, *want;

	track_add(&b, &src[SRC_TS], 0);
	track_add(&b, &src[SRC_TS2], 1);
	ck_assert_msg(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(remux_verify(out, true, true, 8.0, &r, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(r.duration > 7.9 && r.duration < 8.2, "duration %f",
	    r.duration);
	got = decoded_md5_raw(out, "v");
	want = decoded_md5_cat(src[SRC_TS].all, src[SRC_TS2].all, "v");
	ck_assert_msg(strcmp(got, want) == 0, "video: %s != %s", got, want);
	free(got);
	free(want);
	/*
	 * An AAC frame decodes with the help of the one before it, so the
	 * first frame after the boundary decodes differently in one stream
	 * than after a fresh start: compare the copied packets exactly and
	 * the decoded length.
	 */
	got = audio_packets_md5(out, NULL);
	want = audio_packets_md5(src[SRC_TS].all, src[SRC_TS2].all);
	ck_assert_msg(strcmp(got, want) == 0, "audio: %s != %s", got, want);
	free(got);
	free(want);
	got = decoded_len(out, NULL);
	want = decoded_len(src[SRC_TS].all, src[SRC_TS2].all);
	ck_assert_msg(strcmp(got, want) == 0, "audio bytes: %s != %s", got,
	    want);
	free(got);
	free(want);
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
	{ "garbage", "head -c 20000 /dev/urandom > %1$s", true, true, 5.0,
	  "as MP4: Invalid data found" },
	{ "empty", ": > %1$s", true, true, 5.0, "is empty (0 bytes)" },
	{ "missing", "rm %1$s", true, true, 5.0, "No such file or directory" },
};

START_TEST(verify_checks_output)
{
	struct remux_result r;
	struct err err = { "" };
	char *out = good_output(verify_cases[_i].name);
	int rc;

	if (verify_cases[_i].spoil != NULL)
		ck_assert_int_eq(sh(verify_cases[_i].spoil, out, ffmpeg), 0);
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

static Suite *
remux_suite(void)
{
	Suite *s = suite_create("remux");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, single_track_equals_source, 0,
	    sizeof(single_cases) / sizeof(single_cases[0]));
	tcase_add_test(tc, corrupted_output_changes_md5);
	tcase_add_test(tc, cancel_from_progress);
	tcase_add_test(tc, discontinuity_runs_on);
	tcase_add_loop_test(tc, verify_checks_output, 0,
	    sizeof(verify_cases) / sizeof(verify_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *env = getenv("FFMPEG");
	SRunner *sr;
	int failed;

	if (sh("command -v '%s' >/dev/null", env != NULL && *env != '\0' ?
	    env : "ffmpeg") != 0) {
		printf("check_remux: ffmpeg not found: skipped\n");
		return 77;
	}
	sr = srunner_create(remux_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
