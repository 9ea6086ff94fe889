/* check_fs - the tree's pure parts: rendering, paths, control requests */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "control.h"
#include "render.h"
#include "tree.h"
#include "xmalloc.h"
#include "check-main.h"

static const struct {
	const char *status;
	double progress, speed;
	int64_t done, total, eta;
	const char *want;
} progress_cases[] = {
	{ "downloading", 42.5, 12.3e6, 85, 200, 65,
	    "42.5% 85/200 segments 12.3 MB/s ETA 1:05\n" },
	{ "downloading", 0, 0, 0, 0, -1, "0.0% 0/0 segments 0 B/s ETA -\n" },
	{ "merging", 95, 512, 200, 200, 3725,
	    "95.0% 200/200 segments 512 B/s ETA 1:02:05\n" },
	{ "completed", 100, 9e6, 200, 200, 0,
	    "100.0% 200/200 segments 0 B/s ETA -\n" },
	{ "pending", 0, 0, 0, 0, 10, "0.0% 0/0 segments 0 B/s ETA -\n" },
	{ "downloading", 130, 1500, 1, 2, 59,
	    "100.0% 1/2 segments 1.5 kB/s ETA 0:59\n" },
};

START_TEST(progress_line)
{
	struct job_row r;
	char *text;
	size_t len;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(job_status_parse(progress_cases[_i].status,
	    &r.status), 0);
	r.progress = progress_cases[_i].progress;
	r.speed_bps = progress_cases[_i].speed;
	r.segments_done = progress_cases[_i].done;
	r.segments_total = progress_cases[_i].total;
	r.eta_s = progress_cases[_i].eta;
	text = render_job_file(FS_PROGRESS, &r, &len);
	ck_assert_str_eq(text, progress_cases[_i].want);
	ck_assert_uint_eq(len, strlen(progress_cases[_i].want));
	free(text);
}
END_TEST

START_TEST(simple_files)
{
	struct job_row r;
	static const struct {
		int file;
		const char *want;
	} cases[] = {
		{ FS_STATUS, "failed\n" }, { FS_TITLE, "A title\n" },
		{ FS_URL, "https://x/y.m3u8\n" },
		{ FS_ERROR, "HTTP 403 Access denied\n" },
		{ FS_OUTPUT, "" }, { FS_SIZE, "1.2 MB\n" }, { FS_CTL, "" },
		{ FS_SPEED, "0 B/s\n" }, { FS_ETA, "-\n" },
	};
	size_t i, len;
	char *text;

	memset(&r, 0, sizeof(r));
	r.status = JOB_FAILED;
	r.title = "A title";
	r.url = "https://x/y.m3u8";
	r.error_msg = "HTTP 403 Access denied";
	r.bytes_done = 1234567;
	r.speed_bps = 100;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = render_job_file(cases[i].file, &r, &len);
		ck_assert_msg(strcmp(text, cases[i].want) == 0, "%s: '%s'",
		    render_file_name(cases[i].file), text);
		free(text);
	}
}
END_TEST

/* A source with EXT-X-GAP segments: a second line says what is missing. */
START_TEST(progress_gap_line)
{
	struct job_row r;
	size_t len;
	char *text;

	memset(&r, 0, sizeof(r));
	r.status = JOB_COMPLETED;
	r.progress = 100;
	r.segments_done = r.segments_total = 5;
	r.gap_seconds = 4.004;
	text = render_job_file(FS_PROGRESS, &r, &len);
	ck_assert_str_eq(text, "100.0% 5/5 segments 0 B/s ETA -\n"
	    "gap: 4.0 s missing in the source\n");
	ck_assert_uint_eq(len, strlen(text));
	free(text);
}
END_TEST

/* A job waiting for a fresh link: the state's word, the reason in error. */
START_TEST(waiting_files)
{
	struct job_row r;
	size_t len;
	char *text;

	memset(&r, 0, sizeof(r));
	r.status = JOB_WAITING;
	r.error_msg = "waiting for a fresh link: HTTP 403 Access denied "
	    "fetching https://x/seg2.ts";
	r.segments_done = 2;
	r.segments_total = 5;
	r.progress = 36;
	r.speed_bps = 1000;
	text = render_job_file(FS_STATUS, &r, &len);
	ck_assert_str_eq(text, "waiting\n");
	free(text);
	text = render_job_file(FS_ERROR, &r, &len);
	ck_assert_str_eq(text, "waiting for a fresh link: HTTP 403 Access "
	    "denied fetching https://x/seg2.ts\n");
	free(text);
	text = render_job_file(FS_PROGRESS, &r, &len);
	ck_assert_str_eq(text, "36.0% 2/5 segments 0 B/s ETA -\n");
	free(text);
}
END_TEST

START_TEST(info_json_has_every_column)
{
	static const char *const keys[] = { "id", "job_name", "url", "title",
	    "status", "progress", "segments_done", "segments_total",
	    "bytes_done", "speed_bps", "eta_s", "size_bytes", "created_at",
	    "started_at", "completed_at", "updated_at", "file_path",
	    "error_msg", "retry_count", "quality", "workdir", "referer",
	    "user_agent", "source_page", "resolution", "duration", "headers",
	    "gap_seconds" };
	struct job_row r;
	json_t *o;
	size_t i, len;
	char *text;

	memset(&r, 0, sizeof(r));
	r.id = "abc";
	r.title = "Quote \" and \\ and \n newline";
	r.headers_json = "{\"Cookie\": \"a=b\"}";
	r.segments_done = 7;
	text = render_job_file(FS_INFO, &r, &len);
	o = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(o);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_get(o, keys[i]) != NULL, "%s", keys[i]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "title")),
	    r.title);
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "segments_done")), 7);
	/* An older row's headers object: only the names come out. */
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o,
	    "headers"), 0)), "Cookie");
	ck_assert_ptr_null(strstr(text, "a=b"));
	ck_assert(json_is_null(json_object_get(o, "url")));
	json_decref(o);
	free(text);
}
END_TEST

START_TEST(status_lines)
{
	struct fs_status s;
	char *text;
	size_t len;

	memset(&s, 0, sizeof(s));
	s.counts.by_status[JOB_PENDING] = 3;
	s.counts.by_status[JOB_DOWNLOADING] = 1;
	s.counts.by_status[JOB_MERGING] = 1;
	s.counts.by_status[JOB_FAILED] = 2;
	s.counts.total = 7;
	s.counts.spooler_alive = true;
	s.store_ok = true;
	s.disk_free = 2500000000;
	text = render_status(&s, &len);
	ck_assert_ptr_nonnull(strstr(text, "queue: 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "active: 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "failed: 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "disk_free: 2.5 GB\n"));
	ck_assert_ptr_nonnull(strstr(text, "spooler: alive\n"));
	ck_assert_ptr_nonnull(strstr(text, "store: ok\n"));
	free(text);
	s.counts.spooler_alive = false;
	s.store_ok = false;
	snprintf(s.store_note, sizeof(s.store_note), "no file");
	text = render_status(&s, &len);
	ck_assert_ptr_nonnull(strstr(text, "spooler: stopped\n"));
	ck_assert_ptr_nonnull(strstr(text, "store: unavailable - no file\n"));
	free(text);
}
END_TEST

static const struct {
	const char *file_path, *want;
} video_cases[] = {
	{ "/lib/Concert 2024.mp4", "Concert 2024.mp4" },
	{ "/lib/progress", "video.mp4" },
	{ "/lib/status.mkv", "status.mkv" },
	{ "/lib/ctl", "video.mp4" },
	{ "/lib/x\ny.mp4", "video.mp4" },
	{ "plain.ts", "plain.ts" },
	{ "", NULL },
	{ NULL, NULL },
};

START_TEST(video_name)
{
	struct job_row r;
	char *name;

	memset(&r, 0, sizeof(r));
	r.file_path = (char *)video_cases[_i].file_path;
	name = render_video_name(&r);
	if (video_cases[_i].want == NULL)
		ck_assert_ptr_null(name);
	else
		ck_assert_str_eq(name, video_cases[_i].want);
	free(name);
}
END_TEST

static const struct {
	const char *path;
	int rc;
	enum tree_kind kind;
	const char *id, *name, *status;
} path_cases[] = {
	{ "/", 0, TK_ROOT, "", "", NULL },
	{ "/status", 0, TK_STATUS, "", "", NULL },
	{ "/status/x", -1, 0, NULL, NULL, NULL },
	{ "/jobs", 0, TK_JOBS, "", "", NULL },
	{ "/jobs/", 0, TK_JOBS, "", "", NULL },
	{ "/jobs/a1", 0, TK_JOB, "a1", "", NULL },
	{ "/jobs/a1/progress", 0, TK_JOBFILE, "a1", "progress", NULL },
	{ "/jobs/a1/info.json", 0, TK_JOBFILE, "a1", "info.json", NULL },
	{ "/jobs/a1/Concert.mp4", 0, TK_JOBOTHER, "a1", "Concert.mp4", NULL },
	{ "/jobs/a1/progress/x", -1, 0, NULL, NULL, NULL },
	{ "/jobs/..", -1, 0, NULL, NULL, NULL },
	{ "/jobs/.hidden", -1, 0, NULL, NULL, NULL },
	{ "/jobs/a b", -1, 0, NULL, NULL, NULL },
	{ "/by-status/failed/.x", -1, 0, NULL, NULL, NULL },
	{ "/by-status", 0, TK_BYSTATUS, "", "", NULL },
	{ "/by-status/failed", 0, TK_STATUSDIR, "", "", "failed" },
	{ "/by-status/bogus", -1, 0, NULL, NULL, NULL },
	{ "/by-status/failed/a1", 0, TK_STATUSLINK, "a1", "", "failed" },
	{ "/by-name", 0, TK_BYNAME, "", "", NULL },
	{ "/by-name/concert", 0, TK_NAMELINK, "", "concert", NULL },
	{ "/by-name/concert/x", -1, 0, NULL, NULL, NULL },
	{ "/nope", -1, 0, NULL, NULL, NULL },
	{ "relative", -1, 0, NULL, NULL, NULL },
};

START_TEST(paths)
{
	struct tree_path p;
	int rc = tree_parse(path_cases[_i].path, &p);

	ck_assert_msg(rc == path_cases[_i].rc, "%s", path_cases[_i].path);
	if (rc != 0)
		return;
	ck_assert_int_eq(p.kind, path_cases[_i].kind);
	ck_assert_str_eq(p.id, path_cases[_i].id);
	if (p.kind == TK_JOBFILE)
		ck_assert_str_eq(render_file_name(p.file), path_cases[_i].name);
	else
		ck_assert_str_eq(p.name, path_cases[_i].name);
	if (path_cases[_i].status != NULL)
		ck_assert_str_eq(job_status_name(p.status),
		    path_cases[_i].status);
}
END_TEST

START_TEST(long_component_refused)
{
	struct tree_path p;
	char path[400];

	memset(path, 'a', sizeof(path));
	memcpy(path, "/jobs/", 6);
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(tree_parse(path, &p), -1);
}
END_TEST

static const struct {
	const char *text;
	int want;
} word_cases[] = {
	{ "cancel", CONTROL_CANCEL }, { "cancel\n", CONTROL_CANCEL },
	{ "cancel\r\n", CONTROL_CANCEL }, { "retry\n", CONTROL_RETRY },
	{ "retry", CONTROL_RETRY }, { "pause\n", CONTROL_PAUSE },
	{ "refresh", CONTROL_REFRESH }, { "Cancel", -1 }, { "cancel now", -1 },
	{ " cancel", -1 }, { "", -1 }, { "\n", -1 }, { "delete", -1 },
	{ "cancelx", -1 }, { "canc", -1 },
};

START_TEST(ctl_words)
{
	ck_assert_int_eq(control_word_parse(word_cases[_i].text,
	    strlen(word_cases[_i].text)), word_cases[_i].want);
}
END_TEST

static char *
read_file(const char *path)
{
	static char buf[64];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

START_TEST(ctl_drops_request)
{
	char dir[] = "/tmp/check_fs.XXXXXX", *path, *text;
	struct err err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(control_request(dir, "job-1", CONTROL_CANCEL, &err), 0);
	ck_assert_int_eq(control_request(dir, "job-1", CONTROL_CANCEL, &err), 0);
	ck_assert_int_eq(control_request(dir, "job-1", CONTROL_RETRY, &err), 0);
	path = xasprintf("%s/job-1.cancel", dir);
	text = read_file(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "cancel\n");
	unlink(path);
	free(path);
	path = xasprintf("%s/job-1.retry", dir);
	ck_assert_str_eq(read_file(path), "retry\n");
	unlink(path);
	free(path);
	/* Ids that could escape the directory are refused. */
	ck_assert_int_eq(control_request(dir, "../x", CONTROL_CANCEL, &err), -1);
	ck_assert_int_eq(control_request(dir, ".hidden", CONTROL_CANCEL, &err), -1);
	ck_assert_int_eq(control_request(dir, "a/b", CONTROL_CANCEL, &err), -1);
	ck_assert_int_eq(rmdir(dir), 0);	/* nothing else was left */
	/* A missing directory fails with its errno. */
	ck_assert_int_eq(control_request(dir, "job-1", CONTROL_CANCEL, &err), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(ctl_no_symlinked_dir)
{
	char dir[] = "/tmp/check_fs.XXXXXX", *link, *real;
	struct err err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	real = xasprintf("%s/real", dir);
	link = xasprintf("%s/link", dir);
	ck_assert_int_eq(mkdir(real, 0755), 0);
	ck_assert_int_eq(symlink("real", link), 0);
	ck_assert_int_eq(control_request(link, "j", CONTROL_CANCEL, &err), -1);
	ck_assert_int_eq(rmdir(real), 0);
	unlink(link);
	rmdir(dir);
	free(real);
	free(link);
}
END_TEST

static Suite *
fs_suite(void)
{
	Suite *s = suite_create("fs");
	TCase *tc = tcase_create("render");

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
	tcase_add_loop_test(tc, progress_line, 0, N(progress_cases));
	tcase_add_test(tc, simple_files);
	tcase_add_test(tc, waiting_files);
	tcase_add_test(tc, progress_gap_line);
	tcase_add_test(tc, info_json_has_every_column);
	tcase_add_test(tc, status_lines);
	tcase_add_loop_test(tc, video_name, 0, N(video_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("tree");
	tcase_add_loop_test(tc, paths, 0, N(path_cases));
	tcase_add_test(tc, long_component_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("ctl");
	tcase_add_loop_test(tc, ctl_words, 0, N(word_cases));
	tcase_add_test(tc, ctl_drops_request);
	tcase_add_test(tc, ctl_no_symlinked_dir);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fs_suite())
