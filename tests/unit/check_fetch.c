/* check_fetch - the SSRF guard's address table, error kinds, download titles */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "download.h"
#include "check-main.h"
#include "fetch.h"
#include "fetch-addr.h"

static const struct {
	const char *addr;
	int is_private;
} addr_cases[] = {
	{ "127.0.0.1", 1 }, { "127.255.255.254", 1 }, { "10.0.0.1", 1 },
	{ "10.255.255.255", 1 }, { "172.16.0.1", 1 }, { "172.31.255.255", 1 },
	{ "172.15.255.255", 0 }, { "172.32.0.0", 0 }, { "192.168.1.1", 1 },
	{ "192.169.0.1", 0 }, { "100.64.0.1", 1 }, { "100.127.255.255", 1 },
	{ "100.63.255.255", 0 }, { "100.128.0.0", 0 }, { "169.254.169.254", 1 },
	{ "0.0.0.0", 1 }, { "0.1.2.3", 1 }, { "224.0.0.1", 1 },
	{ "239.255.255.250", 1 }, { "255.255.255.255", 1 }, { "240.0.0.1", 1 },
	{ "198.18.0.1", 1 }, { "192.0.0.8", 1 },
	{ "8.8.8.8", 0 }, { "1.1.1.1", 0 }, { "93.184.216.34", 0 },
	{ "11.0.0.1", 0 }, { "126.255.255.255", 0 }, { "128.0.0.1", 0 },
	{ "::1", 1 }, { "::", 1 }, { "fe80::1", 1 }, { "febf::1", 1 },
	{ "fc00::1", 1 }, { "fd12:3456::1", 1 }, { "fec0::1", 1 },
	{ "ff02::1", 1 }, { "::ffff:127.0.0.1", 1 }, { "::ffff:10.1.2.3", 1 },
	{ "::ffff:8.8.8.8", 0 }, { "::127.0.0.1", 1 },
	{ "64:ff9b::7f00:1", 1 }, { "64:ff9b::808:808", 0 },
	{ "2002:7f00:1::", 1 }, { "2002:c0a8:101::1", 1 },
	{ "2002:808:808::1", 0 }, { "2001:4860:4860::8888", 0 },
	{ "2606:4700:4700::1111", 0 }, { "fbff::1", 0 },
	{ "localhost", -1 }, { "1.2.3", -1 }, { "", -1 },
	/* The rows of the guard's former classifier, which this one replaced. */
	{ "192.168.0.1", 1 }, { "169.254.1.1", 1 }, { "172.15.0.1", 0 },
	{ "100.128.0.1", 0 }, { "fe80::abcd", 1 }, { "fc12::1", 1 },
	{ "::ffff:10.0.0.1", 1 }, { "2606:4700::1111", 0 },
};

START_TEST(address_classification)
{
	ck_assert_msg(fetch_addr_is_private_str(addr_cases[_i].addr) ==
	    addr_cases[_i].is_private, "%s: want %d", addr_cases[_i].addr,
	    addr_cases[_i].is_private);
}
END_TEST

/*
 * A local origin: "GET /NNN" is answered with status NNN and a two-byte
 * body, one connection at a time, until the test's process ends.
 * "GET /cr/CR" answers 206 "abcde" with Content-Range CR ('_' for a
 * space; "-": none); "GET /whole" 200 with the 1000 bytes of whole_body.
 */
static char whole_body[1001];

static int
answer_of(const char *req, char *resp, size_t max)
{
	char cr[128], *p;
	int code;

	if (sscanf(req, "GET /cr/%127s", cr) == 1) {
		for (p = cr; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
		return snprintf(resp, max, "HTTP/1.1 206 X\r\n%s%s%s"
		    "Content-Length: 5\r\nConnection: close\r\n\r\nabcde",
		    strcmp(cr, "-") != 0 ? "Content-Range: " : "",
		    strcmp(cr, "-") != 0 ? cr : "",
		    strcmp(cr, "-") != 0 ? "\r\n" : "");
	}
	if (strncmp(req, "GET /whole ", 11) == 0)
		return snprintf(resp, max, "HTTP/1.1 200 X\r\n"
		    "Content-Length: 1000\r\nConnection: close\r\n\r\n%s",
		    whole_body);
	if (sscanf(req, "GET /%d", &code) != 1)
		code = 400;
	return snprintf(resp, max, "HTTP/1.1 %d X\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\nok", code);
}

static void *
origin_main(void *arg)
{
	int lfd = *(int *)arg, fd;
	char req[1024], resp[2048];
	ssize_t n;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		n = read(fd, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		n = answer_of(req, resp, sizeof(resp));
		if (write(fd, resp, n) != n)
			break;
		close(fd);
	}
	return NULL;
}

/* Listens on 127.0.0.1 (an ephemeral port); serve: start the origin. */
static int
origin_start(bool serve)
{
	static int lfd;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	pthread_t t;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	if (!serve) {
		close(lfd);	/* nobody listens: connection refused */
		return ntohs(a.sin_port);
	}
	ck_assert_int_eq(listen(lfd, 8), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, origin_main, &lfd), 0);
	return ntohs(a.sin_port);
}

/* The buffer first: the buffer sink's callbacks get the same arg. */
struct answer {
	struct fetch_buffer buf;
	bool done, ok;
	struct err err;
};

static void
on_done(void *arg, const struct fetch_result *res)
{
	struct answer *a = arg;

	a->done = true;
	a->ok = res->ok;
	if (res->ok)
		err_clear(&a->err);
	else
		err_copy(&a->err, &res->err);
}

/* Each origin of a failure sets the kind the spooler decides on. */
static const struct {
	const char *path;	/* NULL: cancel before it runs */
	bool serve, allow_private;
	enum err_kind kind;	/* ERR_NONE: it succeeds */
} kind_cases[] = {
	{ "/200", true, true, ERR_NONE },
	{ "/401", true, true, ERR_DENIED },
	{ "/403", true, true, ERR_DENIED },
	{ "/410", true, true, ERR_DENIED },
	{ "/404", true, true, ERR_PERMANENT },
	{ "/400", true, true, ERR_PERMANENT },
	{ "/500", true, true, ERR_TEMPORARY },
	{ "/503", true, true, ERR_TEMPORARY },
	{ "/429", true, true, ERR_TEMPORARY },
	{ "/408", true, true, ERR_TEMPORARY },
	{ "/200", false, true, ERR_TEMPORARY },		/* refused connection */
	{ "/200", true, false, ERR_REFUSED },		/* SSRF guard */
	{ NULL, true, true, ERR_CANCELLED },
};

START_TEST(error_kinds)
{
	struct fetcher_opts o = { .connect_timeout_s = 5, .retries = 0,
	    .allow_private = kind_cases[_i].allow_private };
	struct answer a = { .done = false };
	struct fetch_sink sink = { fetch_buffer_sink_data,
	    fetch_buffer_sink_reset, on_done, &a };
	struct fetch_request req = { .offset = -1, .max_bytes = -1 };
	struct fetch_handle *h;
	struct fetcher *f = fetcher_new(&o);
	char url[128];
	int port = origin_start(kind_cases[_i].serve);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port,
	    kind_cases[_i].path != NULL ? kind_cases[_i].path : "/200");
	req.url = url;
	h = fetcher_add(f, &req, &sink);
	if (kind_cases[_i].path == NULL)
		fetcher_cancel(f, h);
	while (!a.done)
		fetcher_poll(f, 100, NULL, 0);
	ck_assert_msg(a.err.kind == kind_cases[_i].kind,
	    "%s: kind %s (%s), want %s", url, err_kind_name(a.err.kind),
	    a.err.msg, err_kind_name(kind_cases[_i].kind));
	ck_assert(a.ok == (kind_cases[_i].kind == ERR_NONE));
	free(a.buf.data);
	fetcher_free(f);
}
END_TEST

/* A 206 must say exactly the range asked for: bytes 10-14. */
static const struct {
	const char *path;
	bool ok;
	int64_t total;
} range_cases[] = {
	{ "/cr/bytes_10-14/100", true, 100 },
	{ "/cr/bytes_10-14/*", true, -1 },
	{ "/cr/bytes_11-15/100", false, -1 },
	{ "/cr/bytes_10-15/100", false, -1 },
	{ "/cr/bytes_10-14/14", false, -1 },
	{ "/cr/bytes_10-14/100x", false, -1 },
	{ "/cr/items_10-14/100", false, -1 },
	{ "/cr/-", false, -1 },
};

struct ranged {
	struct answer a;
	struct fetch_handle *h;
	int64_t total;
	bool refused;
};

static int
ranged_data(void *arg, const char *buf, size_t len, struct err *err)
{
	struct ranged *r = arg;

	r->total = fetcher_total(r->h);
	return fetch_buffer_sink_data(&r->a.buf, buf, len, err);
}

static void
ranged_done(void *arg, const struct fetch_result *res)
{
	struct ranged *r = arg;

	r->refused = res->range_refused;
	on_done(&r->a, res);
}

/* Fetches path (offset/length; shorten >= 0: fetcher_shorten at once). */
static void
ranged_get(struct ranged *r, struct fetcher **fp, const char *path,
    int64_t offset, int64_t length, int64_t shorten, char *url, size_t max)
{
	struct fetcher_opts o = { .connect_timeout_s = 5, .retries = 0,
	    .allow_private = true };
	struct fetch_sink sink = { ranged_data, fetch_buffer_sink_reset,
	    ranged_done, r };
	struct fetch_request req = { .offset = offset, .length = length };
	int port = origin_start(true);

	memset(r, 0, sizeof(*r));
	r->total = -2;
	*fp = fetcher_new(&o);
	snprintf(url, max, "http://127.0.0.1:%d%s", port, path);
	req.url = url;
	r->h = fetcher_add(*fp, &req, &sink);
	if (shorten >= 0)
		fetcher_shorten(*fp, r->h, shorten);
	while (!r->a.done)
		fetcher_poll(*fp, 100, NULL, 0);
}

START_TEST(range_checked)
{
	struct fetcher *f;
	struct ranged r;
	char url[256];

	ranged_get(&r, &f, range_cases[_i].path, 10, 5, -1, url, sizeof(url));
	ck_assert_msg(r.a.ok == range_cases[_i].ok, "%s: %s",
	    range_cases[_i].path, r.a.err.msg);
	ck_assert(r.refused == !range_cases[_i].ok);
	ck_assert(fetcher_ranges_refused(f, url) == !range_cases[_i].ok);
	if (r.a.ok) {
		ck_assert_int_eq(r.total, range_cases[_i].total);
		ck_assert_uint_eq(r.a.buf.len, 5);
	} else
		ck_assert(strstr(r.a.err.msg, "another range") != NULL);
	free(r.a.buf.data);
	fetcher_free(f);
}
END_TEST

/* A 200 to a Range: cut to the range, the host remembered. */
START_TEST(range_200_cut_and_remembered)
{
	struct fetcher *f;
	struct ranged r;
	char url[256];

	memset(whole_body, 'w', 1000);
	memcpy(whole_body + 10, "RANGE", 5);
	ranged_get(&r, &f, "/whole", 10, 5, -1, url, sizeof(url));
	ck_assert(r.a.ok);
	ck_assert_uint_eq(r.a.buf.len, 5);
	ck_assert(memcmp(r.a.buf.data, "RANGE", 5) == 0);
	ck_assert(fetcher_ranges_refused(f, url));
	ck_assert_int_eq(r.total, 1000);
	free(r.a.buf.data);
	fetcher_free(f);
}
END_TEST

/* fetcher_shorten: the body stops there, and it is a success. */
START_TEST(shortened_is_a_clean_end)
{
	struct fetcher *f;
	struct ranged r;
	char url[256];
	int i;

	for (i = 0; i < 1000; i++)
		whole_body[i] = (char)('a' + i % 26);
	ranged_get(&r, &f, "/whole", -1, 0, 300, url, sizeof(url));
	ck_assert_msg(r.a.ok, "%s", r.a.err.msg);
	ck_assert_uint_eq(r.a.buf.len, 300);
	ck_assert(memcmp(r.a.buf.data, whole_body, 300) == 0);
	ck_assert(!fetcher_ranges_refused(f, url));
	free(r.a.buf.data);
	fetcher_free(f);
}
END_TEST

static const struct {
	const char *url;
	const char *title;
} title_cases[] = {
	{ "https://cdn.example.com/shows/concert.m3u8", "concert" },
	{ "https://cdn.example.com/shows/concert/master.m3u8", "concert" },
	{ "https://cdn.example.com/My%20Show/index.m3u8?token=abc",
	  "My Show" },
	{ "https://h/v/Big_Buck.Bunny/720p/prog_index.m3u8", "Big_Buck.Bunny" },
	{ "https://h/live/chunklist_w123.m3u8", "video" },
	{ "https://h/a/../../etc/passwd.m3u8", "passwd" },
	{ "https://h/x/..%2F..%2Fsecret.m3u8", "secret" },
	{ "https://h/.hidden.m3u8", "hidden" },
	{ "https://h/a%0Ab%09c.m3u8", "a_0Ab_09c" },
	{ "https://h/", "video" },
	{ "https://h/master.m3u8", "video" },
	{ "https://h/r%C3%A9sum%C3%A9.m3u8", "r_sum" },
	{ "https://h/abc.M3U8", "abc" },
};

START_TEST(titles)
{
	char *t = download_title_from_url(title_cases[_i].url);

	ck_assert_str_eq(t, title_cases[_i].title);
	free(t);
}
END_TEST

START_TEST(title_is_bounded)
{
	char url[1200], *t;

	memcpy(url, "https://h/", 10);
	memset(url + 10, 'a', 1000);
	strcpy(url + 1010, ".m3u8");
	t = download_title_from_url(url);
	ck_assert_uint_eq(strlen(t), 100);
	free(t);
}
END_TEST

static Suite *
fetch_suite(void)
{
	Suite *s = suite_create("fetch");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, address_classification, 0,
	    sizeof(addr_cases) / sizeof(addr_cases[0]));
	tcase_add_loop_test(tc, titles, 0,
	    sizeof(title_cases) / sizeof(title_cases[0]));
	tcase_add_test(tc, title_is_bounded);
	tcase_add_loop_test(tc, error_kinds, 0,
	    sizeof(kind_cases) / sizeof(kind_cases[0]));
	tcase_add_loop_test(tc, range_checked, 0,
	    sizeof(range_cases) / sizeof(range_cases[0]));
	tcase_add_test(tc, range_200_cut_and_remembered);
	tcase_add_test(tc, shortened_is_a_clean_end);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fetch_suite())
