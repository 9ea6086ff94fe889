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
 */
static void *
origin_main(void *arg)
{
	int lfd = *(int *)arg, fd, code;
	char req[1024], resp[256];
	ssize_t n;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		n = read(fd, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		if (sscanf(req, "GET /%d", &code) != 1)
			code = 400;
		n = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\n"
		    "Content-Length: 2\r\nConnection: close\r\n\r\nok", code);
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
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fetch_suite())
