/* check_conf - the configuration file: defaults, every key, clear errors */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "check-main.h"

static char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *fp;
	int fd;

	strcpy(path, "/tmp/check_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

START_TEST(defaults_are_the_contract)
{
	struct conf c;

	conf_defaults(&c, NULL);
	/* the spool follows --localstatedir */
	ck_assert_str_eq(c.spool_dir, LOCALSTATEDIR "/spool/m3u8nas");
	ck_assert_str_eq(c.mount_point, "/mnt/m3u8nas");
	ck_assert_int_eq(c.max_jobs, 3);
	ck_assert_int_eq(c.segment_concurrency, 10);
	ck_assert(!c.allow_private_targets);
	ck_assert_str_eq(c.tls_ca_file, "");	/* the system's CAs only */
	ck_assert_int_eq(c.http.rate_limit_per_minute, 10);
	ck_assert_str_eq(c.http.listen, "0.0.0.0:8443");
	conf_free(&c);
	conf_defaults(&c, "/srv/x");
	ck_assert_str_eq(c.spool_dir, "/srv/x/spool");
	conf_free(&c);
}
END_TEST

START_TEST(file_overrides_defaults)
{
	struct conf c;
	struct err err;
	char *path = write_tmp(
	    "spool_dir = \"/tmp/sp\";\nmax_jobs = 5;\n"
	    "allow_private_targets = true;\nmin_free_mb = 10;\n"
	    "tls_ca_file = \"/etc/m3u8nas/lan-ca.pem\";\n"
	    "http = { tokens = [\"abcdefgh1\", \"abcdefgh2\"];\n"
	    "  rate_limit_per_minute = 0; };\n");

	conf_defaults(&c, NULL);
	ck_assert_int_eq(conf_load(&c, path, &err), 0);
	ck_assert_str_eq(c.spool_dir, "/tmp/sp");
	ck_assert_int_eq(c.max_jobs, 5);
	ck_assert(c.allow_private_targets);
	ck_assert_int_eq(c.min_free_bytes, 10LL << 20);
	ck_assert_str_eq(c.tls_ca_file, "/etc/m3u8nas/lan-ca.pem");
	ck_assert_int_eq(c.http.ntokens, 2);
	ck_assert_str_eq(c.http.tokens[1], "abcdefgh2");
	ck_assert_int_eq(c.http.rate_limit_per_minute, 0);
	ck_assert_int_eq(c.segment_concurrency, 10);
	conf_free(&c);
	unlink(path);
}
END_TEST

/* A bad file names the file, the line and the key. */
static const struct {
	const char *text;
	const char *want;
} bad_cases[] = {
	{ "max_jobs = 0;\n", ":1: max_jobs: must be between 1 and 64" },
	{ "\n\nmax_jobs = \"three\";\n", ":3: max_jobs: must be an integer" },
	{ "spool_dirr = \"/x\";\n", ":1: spool_dirr: unknown key" },
	{ "max_jobs = 3;\nspool_dir = = 1;\n", ":2: syntax error" },
	{ "max_jobs = 3\nspool_dir = 1;\n", ":2: spool_dir: must be a string" },
	{ "allow_private_targets = 1;\n",
	  "allow_private_targets: must be true or false" },
	{ "http = { tokens = [\"short\"]; };\n",
	  "tokens: each token must be a string of 8 or more characters" },
	{ "http = { bogus = 1; };\n", "bogus: unknown key" },
	{ "http = 5;\n", "http: must be a group" },
	{ "name_template = \"{title\";\n", "unclosed '{'" },
	{ "name_template = \"{nope}\";\n", "unknown field {nope}" },
	{ "name_template = \"/abs/{title}\";\n", "must be relative" },
	{ "folders = { movies = \"relative\"; };\n", "movies: must be an absolute path" },
	{ "folders = { library = \"/x\"; };\n", "library_dir" },
	{ "folders = 5;\n", "folders: must be a group" },
	{ "on_complete = \"hook.sh\";\n", "on_complete: must be an absolute path" },
	{ "on_complete_timeout = 0;\n", "on_complete_timeout: must be between" },
	{ "nfo = 1;\n", "nfo: must be true or false" },
	{ "tls_ca_file = \"ca.pem\";\n", "tls_ca_file: must be an absolute path" },
	{ "tls_ca_file = 1;\n", "tls_ca_file: must be a string" },
};

START_TEST(library_keys)
{
	struct conf c;
	struct err err;
	char *path = write_tmp("name_template = \"{site}/{title} ({height}p)\";\n"
	    "folders = { movies = \"/srv/movies\"; shows = \"/srv/shows\"; };\n"
	    "nfo = true; poster = true;\n"
	    "on_complete = \"/usr/local/bin/hook\"; on_complete_timeout = 5;\n");

	conf_defaults(&c, NULL);
	ck_assert_str_eq(c.name_template, "{title}");
	ck_assert_str_eq(c.on_complete, "");
	ck_assert_int_eq(conf_load(&c, path, &err), 0);
	ck_assert_str_eq(c.name_template, "{site}/{title} ({height}p)");
	ck_assert_int_eq(c.nfolders, 2);
	ck_assert_str_eq(conf_folder_path(&c, "movies"), "/srv/movies");
	ck_assert_str_eq(conf_folder_path(&c, "shows"), "/srv/shows");
	ck_assert_str_eq(conf_folder_path(&c, "library"), c.library_dir);
	ck_assert_str_eq(conf_folder_path(&c, NULL), c.library_dir);
	ck_assert_ptr_null(conf_folder_path(&c, "music"));
	ck_assert(c.nfo && c.poster);
	ck_assert_str_eq(c.on_complete, "/usr/local/bin/hook");
	ck_assert_int_eq(c.on_complete_timeout_s, 5);
	conf_free(&c);
	unlink(path);
}
END_TEST

START_TEST(bad_file_names_key_and_line)
{
	struct conf c;
	struct err err;
	char *path = write_tmp(bad_cases[_i].text);

	conf_defaults(&c, NULL);
	ck_assert_int_eq(conf_load(&c, path, &err), -1);
	ck_assert_msg(strstr(err.msg, bad_cases[_i].want) != NULL,
	    "case %d: got \"%s\", want \"%s\"", _i, err.msg,
	    bad_cases[_i].want);
	ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0,
	    "message must start with the file name: %s", err.msg);
	conf_free(&c);
	unlink(path);
}
END_TEST

START_TEST(missing_file_is_an_error)
{
	struct conf c;
	struct err err;

	conf_defaults(&c, NULL);
	ck_assert_int_eq(conf_load(&c, "/nonexistent/m3u8nas.conf", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
	conf_free(&c);
}
END_TEST

/* The sample token is served on loopback only; an empty list never. */
START_TEST(sample_token_refused_beyond_loopback)
{
	static const struct { const char *listen; int ok; } t[] = {
		{ "0.0.0.0:8443", 0 }, { "192.168.1.2:8443", 0 },
		{ "[::]:8443", 0 }, { "127.0.0.1:8443", 1 },
		{ "127.0.0.2:0", 1 }, { "[::1]:8443", 1 },
		{ "localhost:8443", 1 },
	};
	struct conf c;
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		conf_defaults(&c, NULL);
		free(c.http.listen);
		c.http.listen = strdup(t[i].listen);
		ck_assert_int_eq(conf_check_tokens(&c, &err), t[i].ok ? 0 : -1);
		if (!t[i].ok) {
			ck_assert_ptr_nonnull(strstr(err.msg, "change-me"));
			ck_assert_ptr_nonnull(strstr(err.msg, "tokens = ["));
			ck_assert_ptr_nonnull(strstr(err.msg, "built-in"));
		}
		free(c.http.tokens[0]);
		c.http.tokens[0] = strdup("a-real-token-123");
		ck_assert_int_eq(conf_check_tokens(&c, &err), 0);
		free(c.http.tokens[0]);
		c.http.ntokens = 0;
		ck_assert_int_eq(conf_check_tokens(&c, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
		conf_free(&c);
	}
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults_are_the_contract);
	tcase_add_test(tc, file_overrides_defaults);
	tcase_add_loop_test(tc, bad_file_names_key_and_line, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, missing_file_is_an_error);
	tcase_add_test(tc, sample_token_refused_beyond_loopback);
	tcase_add_test(tc, library_keys);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(conf_suite())
