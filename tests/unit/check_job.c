/* check_job - the .job codec, job_validate, job ids, the tmp+rename writer */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job.h"
#include "job-id.h"
#include "job-validate.h"
#include "xmalloc.h"
#include "check-main.h"

static const struct {
	const char *text;
	const char *url, *title, *quality;
	size_t nheaders;
} good[] = {
	{ "{\"url\": \"https://cdn.example.com/m.m3u8?t=1\"}",
	  "https://cdn.example.com/m.m3u8?t=1", NULL, "best", 0 },
	{ "{\"url\": \"http://a.example/x.m3u8\", \"title\": \"Concert\","
	  " \"quality\": \"720p\", \"headers\": {\"Cookie\": \"a=b\","
	  " \"User-Agent\": \"UA/1.0\"}, \"referer\": \"https://a.example/w\","
	  " \"source_page\": \"https://a.example/w\", \"id\": \"c1\"}",
	  "http://a.example/x.m3u8", "Concert", "720p", 2 },
	{ "https://cdn.example.com/just-a-url.m3u8\n",
	  "https://cdn.example.com/just-a-url.m3u8", NULL, "best", 0 },
	{ "\xef\xbb\xbf  https://cdn.example.com/bom.m3u8 \r\n",
	  "https://cdn.example.com/bom.m3u8", NULL, "best", 0 },
	{ "{\"url\": \"HTTPS://CDN.example.com/a.m3u8\", \"quality\": "
	  "\"2000000\", \"title\": null}",
	  "HTTPS://CDN.example.com/a.m3u8", NULL, "2000000", 0 },
	{ "{\"url\": \"https://x.example/a.m3u8\", \"quality\": \"worst\","
	  " \"unknown_field\": 5}", "https://x.example/a.m3u8", NULL, "worst", 0 },
};

static const struct {
	const char *text;
	const char *want;
} bad[] = {
	{ "", "the file is empty" },
	{ "   \n", "the file is empty" },
	{ "{\"url\": ", "not valid JSON" },
	{ "{}", "\"url\" is missing" },
	{ "[\"https://a/b.m3u8\"]", "the JSON must be an object" },
	{ "{\"title\": \"no url\"}", "\"url\" is missing" },
	{ "{\"url\": 5}", "\"url\" must be a string" },
	{ "{\"url\": \"file:///etc/shadow\"}", "unsupported scheme 'file'" },
	{ "{\"url\": \"ftp://a.example/x.m3u8\"}", "unsupported scheme 'ftp'" },
	{ "{\"url\": \"javascript:alert(1)\"}", "unsupported scheme" },
	{ "{\"url\": \"not a url\"}", "spaces or control characters" },
	{ "{\"url\": \"https://a/\\nb\"}", "control characters" },
	/* found by tests/fuzz/fuzz_job.c: a bare URL that is not UTF-8 was
	 * accepted, and job_encode then dropped it without a word */
	{ "https://cdn.exa\377\377\377\377st-aftp:.m3u8\n", "is not UTF-8" },
	{ "{\"url\": \"https://a/b\", \"headers\": [1]}",
	  "\"headers\" must be an object" },
	{ "{\"url\": \"https://a/b\", \"headers\": {\"X\": 1}}",
	  "object of strings" },
	{ "{\"url\": \"https://a/b\", \"headers\": {\"X\": \"a\\r\\nEvil: 1\"}}",
	  "line break" },
	{ "{\"url\": \"https://a/b\", \"headers\": {\"Bad Name\": \"v\"}}",
	  "bad header name" },
	{ "{\"url\": \"https://a/b\", \"quality\": \"ultra\"}",
	  "\"quality\" must be" },
	{ "{\"url\": \"https://a/b\", \"quality\": 720}",
	  "\"quality\" must be a string" },
	{ "{\"url\": \"https://a/b\", \"referer\": \"file:///x\"}",
	  "in \"referer\"" },
	{ "{\"url\": \"https://a/b\", \"url\": \"https://c/d\"}",
	  "not valid JSON" },
	{ "https://a/b\nhttps://c/d\n", "neither JSON nor a single URL" },
	{ "\x7f" "ELF\x02\x01\x01", "control characters" },
	{ "www.example.com/a.m3u8", "not an http(s) URL" },
	{ "{\"url\": \"https://a/\\u0000b\"}", "not valid JSON" },
};

START_TEST(good_jobs_parse)
{
	struct job_spec job;
	struct err err;

	ck_assert_msg(job_parse(good[_i].text, strlen(good[_i].text), &job,
	    &err) == 0, "case %d: %s", _i, err.msg);
	ck_assert_str_eq(job.url, good[_i].url);
	if (good[_i].title == NULL)
		ck_assert_ptr_null(job.title);
	else
		ck_assert_str_eq(job.title, good[_i].title);
	ck_assert_str_eq(job.quality, good[_i].quality);
	ck_assert_uint_eq(job.nheaders, good[_i].nheaders);
	job_spec_free(&job);
}
END_TEST

START_TEST(bad_jobs_say_why)
{
	struct job_spec job;
	struct err err;

	/* bad[] texts may hold NUL-free binary; length is strlen. */
	ck_assert_int_eq(job_parse(bad[_i].text, strlen(bad[_i].text), &job,
	    &err), -1);
	ck_assert_msg(strstr(err.msg, bad[_i].want) != NULL,
	    "case %d: got \"%s\", want \"%s\"", _i, err.msg, bad[_i].want);
	ck_assert_msg(strncmp(err.msg, "Invalid job: ", 13) == 0,
	    "case %d: %s", _i, err.msg);
	/* What the spooler and the httpd decide on (move aside, 400). */
	ck_assert_msg(err.kind == ERR_INVALID, "case %d: kind %s", _i,
	    err_kind_name(err.kind));
}
END_TEST

START_TEST(binary_with_nul_is_refused)
{
	static const char junk[] = { 'h', 't', 't', 'p', 0, 1, 2, 3 };
	struct job_spec job;
	struct err err;

	ck_assert_int_eq(job_parse(junk, sizeof(junk), &job, &err), -1);
	ck_assert_int_eq(err.kind, ERR_INVALID);
}
END_TEST

START_TEST(encode_roundtrips)
{
	struct job_spec job, back;
	struct err err;
	char *text;

	ck_assert_int_eq(job_parse(good[1].text, strlen(good[1].text), &job,
	    &err), 0);
	ck_assert_int_eq(job_add_header_line(&job, "X-Extra:  yes", &err), 0);
	ck_assert_int_eq(job_add_header_line(&job, "nocolon", &err), -1);
	ck_assert_int_eq(err.kind, ERR_INVALID);
	text = job_encode(&job);
	ck_assert_int_eq(job_parse(text, strlen(text), &back, &err), 0);
	ck_assert_str_eq(back.url, job.url);
	ck_assert_str_eq(back.title, "Concert");
	ck_assert_str_eq(back.referer, "https://a.example/w");
	ck_assert_str_eq(back.id, "c1");
	ck_assert_uint_eq(back.nheaders, 3);
	ck_assert_str_eq(back.headers[2].name, "X-Extra");
	ck_assert_str_eq(back.headers[2].value, "yes");
	free(text);
	job_spec_free(&job);
	job_spec_free(&back);
}
END_TEST

/*
 * A refusal never quotes the refused file (found by tests/fuzz/fuzz_job.c:
 * jansson's "near '...'" carried the bytes, line breaks included).
 */
START_TEST(refusal_quotes_nothing)
{
	static const char *const texts[] = {
		"\r{\"url\": \"his:/ \\u09e\n\r0\n\"}",
		"{\"url\": \"https://a/b\", \"x\": tru SECRETWORD}",
		"root:SECRETWORD:19000:0:99999:7:::\n",
		"{\"url\": \"root:SECRETWORD\"}",
		/* found by tests/fuzz/fuzz_http_body.c: a header name quoted
		 * back, line break and all */
		"{\"url\": \"https://a/b\", \"headers\": {\"SECRET\\nWORD\": \"o\"}}",
		"{\"url\": \"https://a/b\", \"headers\": {\"SECRET\\nWORD\": 1}}",
	};
	struct job_spec j;
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_int_eq(job_parse(texts[i], strlen(texts[i]), &j,
		    &err), -1);
		ck_assert_msg(strstr(err.msg, "SECRET") == NULL &&
		    strstr(err.msg, "root") == NULL &&
		    strchr(err.msg, '\n') == NULL, "%zu: %s", i, err.msg);
	}
}
END_TEST

/* jansson drops a key whose value is not UTF-8: job_encode must not. */
START_TEST(encode_keeps_latin1_title)
{
	struct job_spec j, back;
	struct err err;
	char *text;

	memset(&j, 0, sizeof(j));
	j.url = xstrdup("https://a.example/x.m3u8");
	j.title = xstrdup("caf\351 ok \303\251");
	text = job_encode(&j);
	ck_assert_msg(job_parse(text, strlen(text), &back, &err) == 0, "%s",
	    err.msg);
	ck_assert_str_eq(back.title, "caf\357\277\275 ok \303\251");
	free(text);
	job_spec_free(&j);
	job_spec_free(&back);
}
END_TEST

START_TEST(write_file_never_overwrites)
{
	char dir[] = "/tmp/check_job.XXXXXX", *final = NULL, *path;
	struct job_spec job;
	struct err err;
	struct stat sb;
	FILE *fp;
	char buf[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(job_parse(good[0].text, strlen(good[0].text), &job,
	    &err), 0);
	ck_assert_int_eq(job_write_file(dir, "concert", &job, &final, &err), 0);
	ck_assert_str_eq(final, "concert");
	free(final);
	ck_assert_int_eq(job_write_file(dir, "concert", &job, &final, &err), 0);
	ck_assert_str_eq(final, "concert-2");
	free(final);
	path = xasprintf("%s/concert-2.job", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	ck_assert_str_eq(buf, "{\n");
	/* Only the daemons' user reads a job (it may carry cookies). */
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	unlink(path);
	free(path);
	path = xasprintf("%s/concert.job", dir);
	unlink(path);
	free(path);
	/* No temporary file is left behind. */
	ck_assert_int_eq(rmdir(dir), 0);
	job_spec_free(&job);
}
END_TEST

/* job_validate: the spooler's policy on top of job_parse, with kinds. */
static const struct {
	const char *text;
	bool allow_private;
	int rc;
	const char *want;
} validate_cases[] = {
	{ "{\"url\": \"https://cdn.example.com/m.m3u8\"}", false, 0, NULL },
	{ "{\"url\": \"http://127.0.0.1/m.m3u8\"}", true, 0, NULL },
	{ "{\"url\": \"http://127.0.0.1/m.m3u8\"}", false, -1,
	  "Invalid job: url: refused: host 127.0.0.1" },
	{ "{\"url\": \"http://[::1]/m.m3u8\"}", false, -1, "refused" },
	{ "{\"url\": \"http://localhost/m.m3u8\"}", false, -1, "refused" },
	{ "{\"url\": \"https://a.example/m.m3u8\", \"title\": \"../x\"}",
	  true, -1, "'..' path component" },
	{ "{\"url\": \"https://a.example/m.m3u8\", \"title\": \"a\\u0001\"}",
	  true, -1, "Invalid job: \"title\"" },
	{ "{\"url\": 5}", true, -1, "Invalid job: " },
	{ "{\"url\": \"https://a/b\", \"quality\": \"ultra\"}", true, -1,
	  "\"quality\" must be" },
};

START_TEST(validate_applies_policy)
{
	struct job_spec job;
	struct err err;
	const char *t = validate_cases[_i].text;

	err_clear(&err);
	ck_assert_int_eq(job_validate(t, strlen(t),
	    validate_cases[_i].allow_private, &job, &err),
	    validate_cases[_i].rc);
	if (validate_cases[_i].rc == 0) {
		ck_assert_ptr_nonnull(job.url);
		job_spec_free(&job);
		return;
	}
	ck_assert_ptr_null(job.url);
	ck_assert_msg(strstr(err.msg, validate_cases[_i].want) != NULL,
	    "case %d: %s", _i, err.msg);
	ck_assert_msg(strncmp(err.msg, "Invalid job: ", 13) == 0, "%s",
	    err.msg);
	ck_assert(err.kind == ERR_INVALID || err.kind == ERR_REFUSED);
}
END_TEST

/* A refusal never quotes the refused file: its first word may be a secret. */
static const char *const secret_files[] = {
	"Cookie: session=SECRET\n",
	"session=SECRET\n",
	"SECRET://host/x\n",
	"{SECRET: 1}",
	"{\"url\": SECRET}",
	"[SECRET]",
	"{\"url\": \"SECRET:x\"}",
	"{\"url\": \"https://h/x\", \"SECRET\": }",
	"https://h/x?SECRET\nhttps://h/y?SECRET\n",
};

START_TEST(refusals_quote_nothing)
{
	struct job_spec job;
	struct err err;
	const char *t = secret_files[_i];

	ck_assert_int_eq(job_validate(t, strlen(t), false, &job, &err), -1);
	ck_assert_msg(strstr(err.msg, "SECRET") == NULL &&
	    strstr(err.msg, "Cookie") == NULL &&
	    strstr(err.msg, "session") == NULL, "case %d: %s", _i, err.msg);
}
END_TEST

START_TEST(validate_refuses_nul)
{
	static const char text[] = "https://a.example/x\0.m3u8";
	struct job_spec job;
	struct err err;

	ck_assert_int_eq(job_validate(text, sizeof(text) - 1, true, &job,
	    &err), -1);
	ck_assert_int_eq(err.kind, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "binary data"));
}
END_TEST

START_TEST(ids_new_and_valid)
{
	char a[JOB_ID_NEW_SIZE], b[JOB_ID_NEW_SIZE], small[8], big[200];
	struct err err;

	ck_assert_int_eq(job_new_id(a, sizeof(a), &err), 0);
	ck_assert_int_eq(job_new_id(b, sizeof(b), &err), 0);
	ck_assert_uint_eq(strlen(a), 13);
	ck_assert_int_eq(a[0], 'j');
	ck_assert_uint_eq(strspn(a + 1, "0123456789abcdef"), 12);
	ck_assert_str_ne(a, b);
	ck_assert(job_id_valid(a));
	ck_assert_int_eq(job_new_id(small, sizeof(small), &err), -1);
	ck_assert(job_id_valid("concert-2"));
	ck_assert(job_id_valid("a.b_c"));
	ck_assert(!job_id_valid(""));
	ck_assert(!job_id_valid(".hidden"));
	ck_assert(!job_id_valid(".."));
	ck_assert(!job_id_valid("a/b"));
	ck_assert(!job_id_valid("a b"));
	ck_assert(!job_id_valid("a\\b"));
	ck_assert(!job_id_valid("caf\xc3\xa9"));
	ck_assert(!job_id_valid(NULL));
	memset(big, 'a', sizeof(big));
	big[JOB_ID_MAX] = '\0';
	ck_assert(job_id_valid(big));
	big[JOB_ID_MAX] = 'a';
	big[JOB_ID_MAX + 1] = '\0';
	ck_assert(!job_id_valid(big));
	ck_assert(job_id_valid_n("abc/def", 3));
	ck_assert(!job_id_valid_n("abc/def", 4));
}
END_TEST

START_TEST(header_lines_referer_once)
{
	struct job_spec job;
	struct err err;
	char **h;

	memset(&job, 0, sizeof(job));
	job.referer = xstrdup("https://a.example/w");
	ck_assert_int_eq(job_add_header_line(&job, "Cookie: a=b", &err), 0);
	h = job_header_lines(&job);
	ck_assert_str_eq(h[0], "Cookie: a=b");
	ck_assert_str_eq(h[1], "Referer: https://a.example/w");
	ck_assert_ptr_null(h[2]);
	job_header_lines_free(h);
	/* A Referer header given by the person wins over the field. */
	ck_assert_int_eq(job_add_header_line(&job, "referer: https://b/", &err),
	    0);
	h = job_header_lines(&job);
	ck_assert_str_eq(h[1], "referer: https://b/");
	ck_assert_ptr_null(h[2]);
	job_header_lines_free(h);
	job_spec_free(&job);
}
END_TEST

static Suite *
job_suite(void)
{
	Suite *s = suite_create("job");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, good_jobs_parse, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, bad_jobs_say_why, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, binary_with_nul_is_refused);
	tcase_add_loop_test(tc, validate_applies_policy, 0,
	    sizeof(validate_cases) / sizeof(validate_cases[0]));
	tcase_add_test(tc, validate_refuses_nul);
	tcase_add_loop_test(tc, refusals_quote_nothing, 0,
	    sizeof(secret_files) / sizeof(secret_files[0]));
	tcase_add_test(tc, ids_new_and_valid);
	tcase_add_test(tc, header_lines_referer_once);
	tcase_add_test(tc, encode_roundtrips);
	tcase_add_test(tc, write_file_never_overwrites);
	tcase_add_test(tc, encode_keeps_latin1_title);
	tcase_add_test(tc, refusal_quotes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(job_suite())
