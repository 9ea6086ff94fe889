/* check_guard - name sanitizing and the early SSRF/scheme check, as tables */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "check-main.h"

static const struct {
	const char *in;
	enum guard_name kind;
	const char *want;
} name_cases[] = {
	{ "concert", GUARD_ID, "concert" },
	{ "my concert!", GUARD_ID, "my_concert_" },
	{ "../../etc/passwd", GUARD_ID, "_.._etc_passwd" },
	{ "..", GUARD_ID, "job" },
	{ ".hidden", GUARD_ID, "hidden" },
	{ "-rf", GUARD_ID, "rf" },
	{ "", GUARD_ID, "job" },
	{ NULL, GUARD_ID, "job" },
	{ "a/b", GUARD_ID, "a_b" },
	{ "caf\xc3\xa9", GUARD_ID, "caf__" },
	{ "x\ny", GUARD_ID, "x_y" },
	{ "v1.2_final-cut", GUARD_ID, "v1.2_final-cut" },
	{ "Video Title", GUARD_TITLE, "Video Title" },
	{ "../../etc/passwd", GUARD_TITLE, "_.._etc_passwd" },
	{ "../..", GUARD_TITLE, "_" },
	{ "..", GUARD_TITLE, "video" },
	{ ".", GUARD_TITLE, "video" },
	{ "  ", GUARD_TITLE, "video" },
	{ "a\x01\x02\x1f\x7f" "b", GUARD_TITLE, "ab" },
	{ "line1\nline2\ttab", GUARD_TITLE, "line1 line2 tab" },
	{ "Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", GUARD_TITLE,
	    "Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac" },
	{ "bad\xff\xfeutf8", GUARD_TITLE, "bad__utf8" },
	{ "over\xc0\xaflong", GUARD_TITLE, "over__long" },
	{ "a:b*c?d\"e<f>g|h\\i", GUARD_TITLE, "a_b_c_d_e_f_g_h_i" },
	{ "many     spaces", GUARD_TITLE, "many spaces" },
	{ "trailing dots...", GUARD_TITLE, "trailing dots" },
	{ "-option", GUARD_TITLE, "option" },
	{ ".bashrc", GUARD_TITLE, "bashrc" },
};

START_TEST(sanitize_table)
{
	char *got = guard_sanitize_name(name_cases[_i].in, name_cases[_i].kind);

	ck_assert_msg(strcmp(got, name_cases[_i].want) == 0,
	    "case %d: got '%s', want '%s'", _i, got, name_cases[_i].want);
	free(got);
}
END_TEST

/* Whatever goes in: bounded, no '/', no leading dot, never empty. */
START_TEST(sanitize_bounds)
{
	char in[4096], *got;
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(in) - 1; i++)
			in[i] = (char)(i % 3 == 0 ? '/' : i % 3 == 1 ? '.' :
			    0xe6 + (int)(i % 5));
		in[sizeof(in) - 1] = '\0';
		got = guard_sanitize_name(in, k == 0 ? GUARD_ID : GUARD_TITLE);
		ck_assert_uint_le(strlen(got),
		    k == 0 ? GUARD_MAX_ID : GUARD_MAX_TITLE);
		ck_assert_uint_gt(strlen(got), 0);
		ck_assert_ptr_null(strchr(got, '/'));
		ck_assert_int_ne(got[0], '.');
		free(got);
	}
	/* A long UTF-8 title is cut on a character boundary. */
	for (i = 0; i + 3 < sizeof(in); i += 3)
		memcpy(in + i, "\xe6\x97\xa5", 3);
	in[i] = '\0';
	got = guard_sanitize_name(in, GUARD_TITLE);
	ck_assert_uint_eq(strlen(got) % 3, 0);
	ck_assert_uint_le(strlen(got), GUARD_MAX_TITLE);
	free(got);
}
END_TEST

static const struct {
	const char *url;
	int allow_private;
	const char *want;	/* NULL: accepted; else a part of the reason */
	enum err_kind kind;	/* ERR_REFUSED: policy; ERR_INVALID: not a URL */
} url_cases[] = {
	{ "https://cdn.example.com/a/master.m3u8?t=1", 0, NULL, ERR_NONE },
	{ "http://example.com:8080/x.m3u8", 0, NULL, ERR_NONE },
	{ "file:///etc/shadow", 0,
	  "unsupported scheme 'file' (only http and https)", ERR_INVALID },
	{ "ftp://example.com/x.m3u8", 0, "unsupported scheme 'ftp'", ERR_INVALID },
	{ "gopher://example.com/", 0, "unsupported scheme 'gopher'", ERR_INVALID },
	{ "javascript:alert(1)", 0, "not a valid URL", ERR_INVALID },
	{ "", 0, "empty", ERR_INVALID },
	{ "not a url", 0, "not a valid URL", ERR_INVALID },
	{ "http://127.0.0.1/x.m3u8", 0, "loopback, private", ERR_REFUSED },
	{ "http://127.0.0.1/x.m3u8", 1, NULL, ERR_NONE },
	{ "http://localhost:8080/x.m3u8", 0, "localhost", ERR_REFUSED },
	{ "http://a.localhost/x.m3u8", 0, "private", ERR_REFUSED },
	{ "http://10.1.2.3/x", 0, "private", ERR_REFUSED },
	{ "http://172.16.0.1/x", 0, "private", ERR_REFUSED },
	{ "http://172.32.0.1/x", 0, NULL, ERR_NONE },
	{ "http://192.168.1.10/x", 0, "private", ERR_REFUSED },
	{ "http://169.254.169.254/latest/meta-data", 0, "private",
	  ERR_REFUSED },
	{ "http://100.64.0.1/x", 0, "private", ERR_REFUSED },
	{ "http://0.0.0.0/x", 0, "private", ERR_REFUSED },
	{ "http://224.0.0.1/x", 0, "private", ERR_REFUSED },
	{ "http://8.8.8.8/x", 0, NULL, ERR_NONE },
	{ "http://[::1]/x", 0, "private", ERR_REFUSED },
	{ "http://[fe80::1]/x", 0, "private", ERR_REFUSED },
	{ "http://[fd00::1]/x", 0, "private", ERR_REFUSED },
	{ "http://[::ffff:127.0.0.1]/x", 0, "private", ERR_REFUSED },
	{ "http://[2001:db8::1]/x", 0, NULL, ERR_NONE },
	/* 127.0.0.1 as a number */
	{ "http://2130706433/x", 0, "private", ERR_REFUSED },
	{ "http://0x7f.1/x", 0, "private", ERR_REFUSED },
	/* NAT64 and 6to4 carry the IPv4 address inside. */
	{ "http://[64:ff9b::7f00:1]/x", 0, "private", ERR_REFUSED },
	{ "http://[64:ff9b::808:808]/x", 0, NULL, ERR_NONE },
	{ "http://[2002:c0a8:101::1]/x", 0, "private", ERR_REFUSED },
	{ "http://[2002:808:808::1]/x", 0, NULL, ERR_NONE },
	{ "http://[fe80::1%25eth0]/x", 0, "private", ERR_REFUSED },
};

START_TEST(url_table)
{
	struct err err = { 0 };
	int rc = guard_check_url(url_cases[_i].url,
	    url_cases[_i].allow_private, &err);

	if (url_cases[_i].want == NULL)
		ck_assert_msg(rc == 0, "case %d (%s): refused: %s", _i,
		    url_cases[_i].url, err.msg);
	else {
		ck_assert_msg(rc == -1, "case %d (%s): accepted", _i,
		    url_cases[_i].url);
		ck_assert_msg(strstr(err.msg, url_cases[_i].want) != NULL,
		    "case %d: '%s' lacks '%s'", _i, err.msg,
		    url_cases[_i].want);
		ck_assert_msg(err.kind == url_cases[_i].kind,
		    "case %d: kind %s, want %s", _i, err_kind_name(err.kind),
		    err_kind_name(url_cases[_i].kind));
	}
}
END_TEST

static const struct {
	const char *title;
	const char *want;
} title_cases[] = {
	{ "A fine title", NULL },
	{ "AC/DC live", NULL },
	{ "tab\there", NULL },
	{ "Caf\xc3\xa9", NULL },
	{ "..hidden but fine", NULL },
	{ "../../etc/passwd", "'..' path component" },
	{ "a/../b", "'..' path component" },
	{ "a\\..", "'..' path component" },
	{ "..", "'..' path component" },
	{ "bell\x07", "control characters" },
	{ "new\nline", "control characters" },
	{ "del\x7f", "control characters" },
};

START_TEST(title_table)
{
	struct err err = { 0 };
	int rc = guard_check_title(title_cases[_i].title, &err);

	if (title_cases[_i].want == NULL)
		ck_assert_msg(rc == 0, "case %d: %s", _i, err.msg);
	else {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_nonnull(strstr(err.msg, title_cases[_i].want));
		ck_assert_int_eq(err.kind, ERR_INVALID);
	}
}
END_TEST

static const struct {
	const char *in, *want;
} public_cases[] = {
	{ "https://CDN.Example.com/a/b.m3u8?token=abc&x=1", "https://cdn.example.com/a/b.m3u8" },
	{ "HTTP://user:pw@example.com:80/x#frag", "http://example.com/x" },
	{ "https://example.com:443", "https://example.com/" },
	{ "https://example.com:8443/p?", "https://example.com:8443/p" },
	{ "http://[::1]:8080/v.m3u8?s=1", "http://[::1]:8080/v.m3u8" },
	{ "https://example.com?x=1", "https://example.com/" },
	{ "https://a@b@example.com/p", "https://example.com/p" },
	{ "not a url?secret", "not a url" },
};

START_TEST(public_table)
{
	char *s = guard_url_public(public_cases[_i].in);

	ck_assert_str_eq(s, public_cases[_i].want);
	free(s);
}
END_TEST

static const struct {
	const char *in, *want;
} redact_cases[] = {
	{ "HTTP 403 Access denied fetching https://cdn.example.com/s/1.ts?sig=SECRET",
	  "HTTP 403 Access denied fetching https://cdn.example.com/s/1.ts" },
	{ "a 'http://u:SECRET@h.example/x?y=SECRET' b", "a 'http://h.example/x' b" },
	{ "two http://a/x?SECRET and https://b/y#SECRET.", "two http://a/x and https://b/y" },
	{ "no url here ?x=1", "no url here ?x=1" },
	{ "xhttp://a/b?c", "xhttp://a/b?c" },
	{ "https://h/p\n?tail", "https://h/p\n?tail" },
	{ "", "" },
	{ "https://", "https://" },
};

START_TEST(redact_table)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", redact_cases[_i].in);
	guard_redact_text(buf);
	ck_assert_str_eq(buf, redact_cases[_i].want);
	ck_assert_ptr_null(strstr(buf, "SECRET"));
}
END_TEST

START_TEST(host_and_schemes)
{
	char *h = guard_url_host("https://u:p@WWW.Example.com:8443/x?y");

	ck_assert_str_eq(h, "www.example.com");
	free(h);
	ck_assert_ptr_null(guard_url_host("ftp://example.com/"));
	ck_assert_ptr_null(guard_url_host(NULL));
	ck_assert(guard_scheme_nameable("FTP", 3));
	ck_assert(guard_scheme_nameable("file", 4));
	ck_assert(!guard_scheme_nameable("Cookie", 6));
	ck_assert(!guard_scheme_nameable("session", 7));
}
END_TEST

static const struct {
	const char *s;
	bool ok;
} utf8_cases[] = {
	{ "", true }, { "plain", true }, { "caf\303\251", true },
	{ "\xe2\x82\xac", true }, { "\xf0\x9f\x98\x80", true },
	{ "caf\351", false }, { "\xc0\xaf", false }, { "\xe0\x80\xaf", false },
	{ "\xed\xa0\x80", false }, { "\xf4\x90\x80\x80", false },
	{ "\xe2\x82", false }, { "\x80", false }, { "\xff", false },
};

START_TEST(utf8_table)
{
	ck_assert_msg(guard_utf8_ok(utf8_cases[_i].s) == utf8_cases[_i].ok,
	    "case %d", _i);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("guard");

	tcase_add_loop_test(tc, sanitize_table, 0, N(name_cases));
	tcase_add_test(tc, sanitize_bounds);
	tcase_add_loop_test(tc, url_table, 0, N(url_cases));
	tcase_add_loop_test(tc, title_table, 0, N(title_cases));
	tcase_add_loop_test(tc, public_table, 0, N(public_cases));
	tcase_add_loop_test(tc, redact_table, 0, N(redact_cases));
	tcase_add_test(tc, host_and_schemes);
	tcase_add_loop_test(tc, utf8_table, 0, N(utf8_cases));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(guard_suite())
