/* check_fetch - the SSRF guard's address table and download titles */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "download.h"
#include "fetch-addr.h"
#include "check-main.h"

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
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fetch_suite())
