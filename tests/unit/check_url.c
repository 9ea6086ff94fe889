/* check_url - URL resolution and inspection (libcurl CURLU underneath) */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "check-main.h"

#define RFC "http://a/b/c/d;p?q"

/* RFC 3986 section 5.4 examples as libcurl resolves them, and ours. */
static const struct {
	const char *base, *ref, *want;	/* want NULL: must fail */
} resolve_cases[] = {
	{ RFC, "g", "http://a/b/c/g" },
	{ RFC, "./g", "http://a/b/c/g" },
	{ RFC, "g/", "http://a/b/c/g/" },
	{ RFC, "/g", "http://a/g" },
	{ RFC, "?y", "http://a/b/c/d;p?y" },
	{ RFC, "g?y", "http://a/b/c/g?y" },
	{ RFC, "#s", "http://a/b/c/d;p?q#s" },
	{ RFC, "g#s", "http://a/b/c/g#s" },
	{ RFC, "g?y#s", "http://a/b/c/g?y#s" },
	{ RFC, "", "http://a/b/c/d;p?q" },
	{ RFC, ".", "http://a/b/c/" },
	{ RFC, "..", "http://a/b/" },
	{ RFC, "../g", "http://a/b/g" },
	{ RFC, "../..", "http://a/" },
	{ RFC, "../../g", "http://a/g" },
	{ RFC, "../../../g", "http://a/g" },
	{ RFC, "/./g", "http://a/g" },
	{ RFC, "g;x=1/../y", "http://a/b/c/y" },
	/* network-path references keep the base's scheme */
	{ "https://cdn.example.com/v/pl.m3u8", "//cdn2.example.net/x/1.ts",
	  "https://cdn2.example.net/x/1.ts" },
	{ "http://a/b/c", "//h/x", "http://h/x" },
	/* absolute references replace the base */
	{ "https://a/b", "http://other.example/seg.ts?x=1",
	  "http://other.example/seg.ts?x=1" },
	{ "https://a/b", "HTTPS://Other.Example/S.ts",
	  "https://Other.Example/S.ts" },
	/* a query on the base never leaks into relative segments */
	{ "https://h/p/pl.m3u8?token=a/b/c", "seg1.ts", "https://h/p/seg1.ts" },
	{ "https://h/p/pl.m3u8?token=abc", "seg1.ts?token=abc&n=1",
	  "https://h/p/seg1.ts?token=abc&n=1" },
	{ "https://h/p/pl.m3u8", "../../../../x.ts", "https://h/x.ts" },
	{ "https://h:8443/p/pl.m3u8", "x.ts", "https://h:8443/p/x.ts" },
	/* spaces are encoded, never passed raw to a server */
	{ "https://h/p/pl.m3u8", "my seg.ts", "https://h/p/my%20seg.ts" },
	/* key URIs of DRM systems are URLs of schemes curl does not fetch */
	{ "https://h/p/pl.m3u8", "skd://key42", "skd://key42/" },
	/* invalid bases */
	{ "relative/pl.m3u8", "x.ts", NULL },
	{ "", "x.ts", NULL },
	{ "http://", "x.ts", NULL },
	{ "not a url at all", "x.ts", NULL },
	{ "https://h/p/pl.m3u8", "x\001y.ts", NULL },
	{ "https://h/p/pl.m3u8", "http:g", NULL },
};

START_TEST(resolve_table)
{
	struct err err;
	char *got;

	err.msg[0] = '\0';
	got = url_resolve(resolve_cases[_i].base, resolve_cases[_i].ref, &err);
	if (resolve_cases[_i].want == NULL) {
		ck_assert_msg(got == NULL, "case %d: got %s, want failure", _i,
		    got);
		ck_assert_msg(strstr(err.msg, "Invalid URL") != NULL,
		    "case %d: err \"%s\"", _i, err.msg);
		return;
	}
	ck_assert_msg(got != NULL, "case %d (%s + %s): %s", _i,
	    resolve_cases[_i].base, resolve_cases[_i].ref, err.msg);
	ck_assert_msg(strcmp(got, resolve_cases[_i].want) == 0,
	    "case %d: %s + %s = %s, want %s", _i, resolve_cases[_i].base,
	    resolve_cases[_i].ref, got, resolve_cases[_i].want);
	free(got);
}
END_TEST

static const struct {
	const char *url, *scheme, *host;	/* scheme NULL: must fail */
} sh_cases[] = {
	{ "HTTPS://Example.COM:8443/x?y", "https", "example.com" },
	{ "http://user:pw@h.example/p", "http", "h.example" },
	{ "http://127.0.0.1:8080/", "http", "127.0.0.1" },
	{ "http://[::1]:80/x", "http", "[::1]" },
	{ "file:///etc/passwd", NULL, NULL },
	{ "/just/a/path", NULL, NULL },
	{ "", NULL, NULL },
};

START_TEST(scheme_host_table)
{
	char *s = NULL, *h = NULL;
	struct err err;
	int rc = url_scheme_host(sh_cases[_i].url, &s, &h, &err);

	if (sh_cases[_i].scheme == NULL) {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_null(s);
		ck_assert_ptr_null(h);
		ck_assert(strstr(err.msg, "Invalid URL") != NULL);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, sh_cases[_i].scheme);
	ck_assert_str_eq(h, sh_cases[_i].host);
	free(s);
	free(h);
}
END_TEST

static const struct {
	const char *url;
	bool http;
	const char *scheme;
} http_cases[] = {
	{ "http://h/x", true, "http" },
	{ "https://h/x.m3u8?a=b", true, "https" },
	{ "HTTP://H/", true, "http" },
	{ "ftp://h/x", false, "ftp" },
	{ "file:///etc/passwd", false, "file" },
	{ "javascript:alert(1)", false, NULL },
	{ "data:text/plain,hi", false, NULL },
	{ "//h/x", false, NULL },
	{ "h/x", false, NULL },
	{ "", false, NULL },
};

START_TEST(is_http_table)
{
	char *s = url_scheme(http_cases[_i].url);

	ck_assert_msg(url_is_http(http_cases[_i].url) == http_cases[_i].http,
	    "case %d: %s", _i, http_cases[_i].url);
	if (http_cases[_i].scheme == NULL)
		ck_assert_ptr_null(s);
	else
		ck_assert_str_eq(s, http_cases[_i].scheme);
	free(s);
}
END_TEST

static const struct {
	const char *url, *want;		/* want NULL: no name */
} last_cases[] = {
	{ "https://h/a/b/video.m3u8?x=1#f", "video.m3u8" },
	{ "https://h/a/b/index", "index" },
	{ "https://h/a/My%20Show.m3u8?t=%2F", "My Show.m3u8" },
	{ "https://h/a/x%2Fy.ts", "x%2Fy.ts" },		/* no '/' by decoding */
	{ "https://h/a/%0Aevil.ts", "%0Aevil.ts" },	/* nor control bytes */
	{ "https://h/a/", NULL },
	{ "https://h", NULL },
	{ "https://h/?q=1", NULL },
	{ "https://h/a/..", NULL },
	{ "not a url", NULL },
};

START_TEST(last_segment_table)
{
	char *got = url_last_segment(last_cases[_i].url);

	if (last_cases[_i].want == NULL) {
		ck_assert_msg(got == NULL, "case %d: %s -> %s", _i,
		    last_cases[_i].url, got);
		return;
	}
	ck_assert_msg(got != NULL, "case %d: %s -> NULL", _i,
	    last_cases[_i].url);
	ck_assert_str_eq(got, last_cases[_i].want);
	free(got);
}
END_TEST

/* One parsed base, many references; the scheme comes back lowercased. */
START_TEST(base_reuse)
{
	struct url_base *b;
	struct err err;
	char *u, *s;

	ck_assert_ptr_null(url_base_new("no/scheme", &err));
	ck_assert(strstr(err.msg, "Invalid URL") != NULL);
	url_base_free(NULL);
	b = url_base_new("https://h/p/pl.m3u8?t=1", &err);
	ck_assert_ptr_nonnull(b);
	for (int i = 0; i < 3; i++) {
		u = url_base_resolve(b, "a.ts", &s, &err);
		ck_assert_ptr_nonnull(u);
		ck_assert_str_eq(u, "https://h/p/a.ts");
		ck_assert_str_eq(s, "https");
		free(u);
		free(s);
	}
	ck_assert_ptr_nonnull(u = url_base_resolve(b, "FILE:///x", &s, &err));
	ck_assert_str_eq(s, "file");
	free(u);
	free(s);
	s = NULL;
	ck_assert_ptr_null(url_base_resolve(b, "http:x", &s, &err));
	ck_assert_ptr_null(s);
	ck_assert(strstr(err.msg, "relative to https://h/p/pl.m3u8?t=1"));
	url_base_free(b);
}
END_TEST

/* Links compared with their queries (tokens) set aside. */
START_TEST(same_stream)
{
	char *u;

	ck_assert_ptr_nonnull(u = url_without_query(
	    "https://H.example:8443/a/b.m3u8?token=x&e=1#frag"));
	ck_assert_str_eq(u, "https://h.example:8443/a/b.m3u8");
	free(u);
	ck_assert_ptr_null(url_without_query("not a url"));
	ck_assert(url_same_stream("https://h/a/b.m3u8?token=1",
	    "https://h/a/b.m3u8?token=2&x=y"));
	ck_assert(url_same_stream("https://h/a/b.m3u8", "HTTPS://H/a/b.m3u8?t"));
	ck_assert(!url_same_stream("https://h/a/b.m3u8?t=1",
	    "https://h/a/c.m3u8?t=1"));
	ck_assert(!url_same_stream("https://h/a/b.m3u8", "http://h/a/b.m3u8"));
	ck_assert(!url_same_stream("https://h/a/b.m3u8", "https://g/a/b.m3u8"));
	ck_assert(!url_same_stream("https://h/a/b.m3u8",
	    "https://h:444/a/b.m3u8"));
	ck_assert(!url_same_stream(NULL, "https://h/a"));
	ck_assert(!url_same_stream("x", "x"));
}
END_TEST

START_TEST(redact_queries)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "HTTP 403 Access denied fetching https://h/s.ts?token=x",
		  "HTTP 403 Access denied fetching https://h/s.ts" },
		{ "a http://h/x?y=1 and HTTPS://g/z#f?q end",
		  "a http://h/x and HTTPS://g/z end" },
		{ "no url? here", "no url? here" },
		{ "", "" },
	};
	char *got;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = url_redact_queries(cases[i].in);
		ck_assert_str_eq(got, cases[i].want);
		free(got);
	}
}
END_TEST

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, resolve_table, 0, N(resolve_cases));
	tcase_add_loop_test(tc, scheme_host_table, 0, N(sh_cases));
	tcase_add_loop_test(tc, is_http_table, 0, N(http_cases));
	tcase_add_loop_test(tc, last_segment_table, 0, N(last_cases));
	tcase_add_test(tc, base_reuse);
	tcase_add_test(tc, same_stream);
	tcase_add_test(tc, redact_queries);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(url_suite())
