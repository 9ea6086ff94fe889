/* check_remux - segments to MP4 with libavformat: decoded output = source */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remux-fixture.h"
#include "xmalloc.h"
#include "check-main.h"

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



/*
 * Two encodes as two discontinuity groups: one file, frames of both. The
 * second fMP4 encode has other H.264 parameter sets than the first, which
 * MP4 keeps out of band; and a TS group may be followed by an fMP4 one.
 */
static const struct {
	int first, second;
	double duration;
} disc_cases[] = {
	{ SRC_TS, SRC_TS2, 8.0 },
	{ SRC_FMP4, SRC_FMP4_2, 8.0 },
	{ SRC_TS, SRC_FMP4_2, 8.0 },
};

START_TEST(discontinuity_runs_on)
{
	const struct source *a = &src[disc_cases[_i].first];
	const struct source *c = &src[disc_cases[_i].second];
	struct track_buf b = { 0 };
	struct remux_result r;
	struct err err;
	char *name = xasprintf("disc%d", _i), *out = out_path(name);
	char *got, *want;

	track_add(&b, a, 0);
	track_add(&b, c, 1);
	ck_assert_msg(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(remux_verify(out, true, true, disc_cases[_i].duration,
	    &r, &err) == 0, "%s", err.msg);
	ck_assert_msg(fabs(r.duration - disc_cases[_i].duration) < 0.2,
	    "duration %f", r.duration);
	got = decoded_md5_raw(out, "v");
	want = decoded_md5_cat(a->all, c->all, "v");
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
	want = audio_packets_md5(a->all, c->all);
	ck_assert_msg(strcmp(got, want) == 0, "audio: %s != %s", got, want);
	free(got);
	free(want);
	got = decoded_len(out, NULL);
	want = decoded_len(a->all, c->all);
	ck_assert_msg(strcmp(got, want) == 0, "audio bytes: %s != %s", got,
	    want);
	free(got);
	free(want);
	free(name);
	free(out);
}
END_TEST


/*
 * Separate renditions: a video-only track and an audio-only track (AAC in
 * TS, or packed ADTS), or a full track kept for its audio only.
 */
static const struct {
	int video, audio;
	const char *want_streams;
} multi_cases[] = {
	{ SRC_VIDEO, SRC_AUDIO_TS, "video,audio," },
	{ SRC_VIDEO, SRC_AUDIO_AAC, "video,audio," },
	{ SRC_VIDEO, SRC_TS, "video,audio," },
};

START_TEST(renditions_merge)
{
	const struct source *v = &src[multi_cases[_i].video];
	const struct source *a = &src[multi_cases[_i].audio];
	struct track_buf tb[2];
	struct remux_track t[2];
	struct remux_result r;
	struct err err;
	char *name = xasprintf("multi%d", _i), *out = out_path(name), *kinds;
	char *got, *want;
	double t0, t1;

	memset(tb, 0, sizeof(tb));
	track_add(&tb[0], v, 0);
	track_add(&tb[1], a, 0);
	t[0] = tb[0].t;
	t[1] = tb[1].t;
	t[1].audio_only = true;
	ck_assert_msg(remux_to_mp4(t, 2, out, NULL, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(remux_verify(out, true, true, 4.0, &r, &err) == 0, "%s",
	    err.msg);
	kinds = sh_line("ffprobe -v error -show_entries stream=codec_type "
	    "-of csv=p=0 '%s' | tr '\\n' ','", out);
	ck_assert_str_eq(kinds, multi_cases[_i].want_streams);
	assert_same_decode(out, v->all, "v");
	/* Audio starts where the video does: the renditions stay in sync. */
	got = sh_line("ffprobe -v error -show_entries stream=start_time "
	    "-of csv=p=0 '%s' | tr '\\n' ' '", out);
	ck_assert_msg(sscanf(got, "%lf %lf", &t0, &t1) == 2 && fabs(t0) < 0.05 &&
	    fabs(t1) < 0.05, "start times %s", got);
	free(got);
	got = audio_packets_md5(out, NULL);
	want = audio_packets_md5(a->all, NULL);
	ck_assert_msg(strcmp(got, want) == 0, "audio packets differ");
	free(got);
	free(want);
	if (multi_cases[_i].audio != SRC_TS)
		assert_same_decode(out, a->all, "a");
	free(kinds);
	free(name);
	free(out);
}
END_TEST

/* MP4 can carry mov_text: kept, and the same cues come out. */
START_TEST(subtitles_kept)
{
	const struct source *s = &src[SRC_SUBS];
	struct track_buf b = { 0 };
	struct remux_result r;
	struct err err;
	char *out = out_path("subs"), *got, *want;

	track_add(&b, s, 0);
	ck_assert_msg(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(remux_verify(out, true, true, 4.0, &r, &err) == 0, "%s",
	    err.msg);
	got = sh_line("ffprobe -v error -show_entries stream=codec_name "
	    "-of csv=p=0 '%s' | tr '\\n' ','", out);
	ck_assert_str_eq(got, "h264,aac,mov_text,");
	free(got);
	got = sh_line("%s -v error -i '%s' -map 0:s:0 -f srt - | md5sum",
	    ffmpeg, out);
	want = sh_line("%s -v error -i '%s' -map 0:s:0 -f srt - | md5sum",
	    ffmpeg, s->all);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	got = sh_line("%s -v error -i '%s' -map 0:s:0 -f srt - | grep -c "
	    "'^Hello$\\|^World$'", ffmpeg, out);
	ck_assert_str_eq(got, "2");
	free(got);
	assert_same_decode(out, s->all, "v");
	free(out);
}
END_TEST

/*
 * A segment listed twice runs time backwards by a whole segment: its
 * packets repeat what was written and are left out, and the output is
 * frame for frame the source.
 */
START_TEST(repeated_segment_left_out)
{
	const struct source *s = &src[SRC_TS];
	struct track_buf b = { 0 };
	struct remux_result r;
	struct err err;
	char *out = out_path("repeated");
	size_t i;

	track_add(&b, s, 0);
	for (i = b.t.nparts; i > 3; i--)
		b.parts[i] = b.parts[i - 1];
	b.parts[3] = b.parts[2];
	b.t.nparts++;
	ck_assert_msg(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(remux_verify(out, true, true, 5.0, &r, &err) == 0, "%s",
	    err.msg);
	assert_same_decode(out, s->all, "v");
	assert_same_decode(out, s->all, "a");
	free(out);
}
END_TEST

/*
 * EXT-X-GAP: part 1 is missing and part 2 says so (gap_before). The hole
 * stays on the time line: the largest step between two packets of a stream
 * is the missing part's length (plus a frame). TS and fMP4 run on their own
 * clock; packed AAC has none, so the gap's seconds are what places it.
 */
static const struct {
	int source;
	bool audio_only;
	const char *kind;	/* the stream whose steps are measured */
} gap_cases[] = {
	{ SRC_TS, false, "v" },
	{ SRC_TS, false, "a" },
	{ SRC_FMP4, false, "v" },
	{ SRC_AUDIO_AAC, true, "a" },
};

START_TEST(gap_keeps_time)
{
	const struct source *s = &src[gap_cases[_i].source];
	struct track_buf b = { 0 };
	struct remux_result r;
	struct err err;
	char *name = xasprintf("gap%d", _i), *out = out_path(name);
	char *line;
	double gap, step, total;
	size_t i;

	/* every source is cut in 1 s segments (AAC: to a frame); what the
	 * whole lasts is what its remux without a gap lasts */
	ck_assert_uint_ge(s->n, 4);
	gap = 1.0;
	track_add(&b, s, 0);
	b.t.audio_only = gap_cases[_i].audio_only;
	ck_assert_msg(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_int_eq(remux_verify(out, false, true, 0, &r, &err), 0);
	total = r.duration;
	for (i = 1; i + 1 < b.t.nparts; i++)
		b.parts[i] = b.parts[i + 1];
	b.t.nparts--;
	b.parts[1].gap_before = gap;
	ck_assert_msg(remux_to_mp4(&b.t, 1, out, NULL, NULL, &err) == 0, "%s",
	    err.msg);
	/* the output lasts what the source does, the hole included */
	ck_assert_msg(remux_verify(out, !b.t.audio_only, true, total, &r,
	    &err) == 0, "%s", err.msg);
	ck_assert_msg(fabs(r.duration - total) < 0.1, "lasts %f s, want %f",
	    r.duration, total);
	line = sh_line("ffprobe -v error -select_streams %s:0 -show_entries "
	    "packet=pts_time -of csv=p=0 %s | sed -n 's/^\\([0-9.]*\\).*/"
	    "\\1/p' | sort -g | awk 'NR > 1 && $1 - p > m { m = $1 - p } "
	    "{ p = $1 } END { print m }'", gap_cases[_i].kind, out);
	step = atof(line);
	free(line);
	ck_assert_msg(step > gap - 0.05 && step < gap + 0.1, "%s: largest "
	    "step %f s, the gap is %f s", gap_cases[_i].kind, step, gap);
	free(name);
	free(out);
}
END_TEST

/* remux_probe: what a track carries, through the same demuxers. */
static const struct {
	int source;
	bool audio_only, video, audio;
} probe_cases[] = {
	{ SRC_TS, false, true, true },
	{ SRC_FMP4, false, true, true },
	{ SRC_TS, true, false, true },
	{ SRC_VIDEO, false, true, false },
	{ SRC_AUDIO_AAC, true, false, true },
};

START_TEST(probe_reports_kinds)
{
	struct track_buf b = { 0 };
	struct err err;
	char *playlist;
	bool v, a;

	track_add(&b, &src[probe_cases[_i].source], 0);
	b.t.audio_only = probe_cases[_i].audio_only;
	ck_assert_msg(remux_probe(&b.t, &v, &a, &err) == 0, "%s", err.msg);
	ck_assert(v == probe_cases[_i].video);
	ck_assert(a == probe_cases[_i].audio);
	/* A playlist posing as a segment is not opened. */
	playlist = xasprintf("%s/ts/index.m3u8", dir);
	b.parts[0] = (struct remux_part){ .path = playlist };
	b.t.nparts = 1;
	ck_assert_int_eq(remux_probe(&b.t, &v, &a, &err), -1);
	ck_assert_msg(strstr(err.msg, "not an MPEG-TS, MP4 or audio segment")
	    != NULL, "%s", err.msg);
	free(playlist);
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
	tcase_add_loop_test(tc, discontinuity_runs_on, 0,
	    sizeof(disc_cases) / sizeof(disc_cases[0]));
	tcase_add_test(tc, subtitles_kept);
	tcase_add_loop_test(tc, probe_reports_kinds, 0,
	    sizeof(probe_cases) / sizeof(probe_cases[0]));
	tcase_add_test(tc, repeated_segment_left_out);
	tcase_add_loop_test(tc, gap_keeps_time, 0,
	    sizeof(gap_cases) / sizeof(gap_cases[0]));
	tcase_add_loop_test(tc, renditions_merge, 0,
	    sizeof(multi_cases) / sizeof(multi_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	need_ffmpeg("check_remux");
	return check_run(remux_suite());
}
