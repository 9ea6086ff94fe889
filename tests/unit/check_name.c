/* check_name - the name_template: checks, expansion, what stays a name */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "check-main.h"

static const struct name_fields F = {
	.title = "My Concert", .job = "concert", .site = "www.example.com",
	.date = "2026-12-01", .height = "720", .id = "j0123456789ab",
};

static const struct {
	const char *tmpl, *want;
	struct name_fields f;
	bool use_f;
} cases[] = {
	{ "{title}", "My Concert", { 0 }, true },
	{ "{job} - {title}", "concert - My Concert", { 0 }, true },
	{ "{site}/{date} {title} {height}p", "www.example.com/2026-12-01 My Concert 720p", { 0 }, true },
	{ "{id}", "j0123456789ab", { 0 }, true },
	/* A field's '/' never makes a folder; '..' never survives. */
	{ "{title}", "a_b", { .title = "a/b" }, false },
	{ "{title}/{job}", "_x/_x", { .title = "../x", .job = "" }, false },
	{ "../{title}", "t", { .title = "t" }, false },
	{ "./{title}", "t", { .title = "t" }, false },
	{ "{job}/{title}", "t", { .title = "t", .job = ".." }, false },
	/* Empty folder components go; an empty file name is the title. */
	{ "{site}//{title}", "t", { .title = "t" }, false },
	{ "{site}/{height}", "h.example/t", { .title = "t", .site = "h.example" }, false },
	{ "{height}", "video", { 0 }, false },
	{ "a/b/c/d/e/f/g/h", "a/b/c/d/e/f/g/h", { 0 }, false },
	{ "x:{title}?", "x_T_", { .title = "T" }, false },
	{ ".hidden {title}", "hidden T", { .title = "T" }, false },
};

START_TEST(expand_table)
{
	const struct name_fields *f = cases[_i].use_f ? &F : &cases[_i].f;
	char *s;

	ck_assert_int_eq(name_template_check(cases[_i].tmpl, NULL), 0);
	s = name_expand(cases[_i].tmpl, f);
	ck_assert_msg(strcmp(s, cases[_i].want) == 0, "case %d: got \"%s\"",
	    _i, s);
	ck_assert(s[0] != '/' && s[0] != '.' && strstr(s, "/.") == NULL &&
	    strstr(s, "//") == NULL);
	free(s);
}
END_TEST

static const struct {
	const char *tmpl, *want;
} bad[] = {
	{ "", "empty" },
	{ "{title", "unclosed" },
	{ "title}", "unmatched" },
	{ "{nope}", "unknown field {nope}" },
	{ "{}", "unknown field {}" },
	{ "/srv/{title}", "relative" },
	{ "a/b/c/d/e/f/g/h/i", "more than 8" },
	{ "a\nb", "control" },
};

START_TEST(check_table)
{
	struct err err;

	ck_assert_int_eq(name_template_check(bad[_i].tmpl, &err), -1);
	ck_assert_msg(strstr(err.msg, bad[_i].want) != NULL, "case %d: %s",
	    _i, err.msg);
}
END_TEST

START_TEST(generated_ids)
{
	ck_assert(name_is_generated("j0123456789ab"));
	ck_assert(!name_is_generated("j0123456789AB"));
	ck_assert(!name_is_generated("concert"));
	ck_assert(!name_is_generated("j0123456789abc"));
	ck_assert(!name_is_generated(NULL));
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
name_suite(void)
{
	Suite *s = suite_create("name");
	TCase *tc = tcase_create("name");

	tcase_add_loop_test(tc, expand_table, 0, N(cases));
	tcase_add_loop_test(tc, check_table, 0, N(bad));
	tcase_add_test(tc, generated_ids);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(name_suite())
