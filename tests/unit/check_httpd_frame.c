/* check_httpd_frame - the endpoint's strict judgement of request heads */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "httpd-frame.h"
#include "check-main.h"

#define HOST "Host: x\r\n"
static const struct head_case {
	const char *head;
	int want;
	long long body;		/* when FRAME_OK */
} heads[] = {
	{ "GET / HTTP/1.1\r\n" HOST "\r\n", FRAME_OK, 0 },
	{ "GET / HTTP/1.0\r\n\r\n", FRAME_OK, 0 },
	{ "POST /api/download HTTP/1.1\r\n" HOST "Content-Length: 12\r\n\r\n",
	    FRAME_OK, 12 },
	{ "POST / HTTP/1.1\r\ncontent-length:\t7 \r\n\r\n", FRAME_OK, 7 },
	{ "POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\n",
	    FRAME_CL_DUP, 0 },
	{ "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
	    FRAME_CL_DUP, 0 },
	{ "POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n", FRAME_CL_BAD, 0 },
	{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", FRAME_CL_BAD, 0 },
	{ "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", FRAME_CL_BAD, 0 },
	{ "POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n",
	    FRAME_CL_BAD, 0 },
	{ "POST / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", FRAME_TOO_BIG, 0 },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n", FRAME_TE_CL, 0 },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", FRAME_TE, 0 },
	{ "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", FRAME_FOLD, 0 },
	{ "GET / HTTP/1.1\r\n\tX: a\r\n\r\n", FRAME_FOLD, 0 },
	{ "GET / HTTP/1.1\r\nContent-Length : 3\r\n\r\n", FRAME_NAME, 0 },
	{ "GET / HTTP/1.1\r\nnocolon\r\n\r\n", FRAME_NAME, 0 },
	{ "GET / HTTP/1.1\r\n: empty\r\n\r\n", FRAME_NAME, 0 },
	{ "GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", FRAME_CTL, 0 },
	{ "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", FRAME_BARE_CR, 0 },
	{ "GET / HTTP/1.1\nX: a\r\n\r\n", FRAME_BARE_LF, 0 },
	{ "GET / HTTP/1.1\r\n" HOST HOST "\r\n", FRAME_HOST_DUP, 0 },
	{ "GET / HTTP/2.0\r\n\r\n", FRAME_VERSION, 0 },
	{ "GET / HTTP/1.2\r\n\r\n", FRAME_VERSION, 0 },
	{ "GET  / HTTP/1.1\r\n\r\n", FRAME_REQLINE, 0 },
	{ "GET /\r\n\r\n", FRAME_REQLINE, 0 },
	{ "GET / HTTP/1.1 \r\n\r\n", FRAME_REQLINE, 0 },
	{ "G(T / HTTP/1.1\r\n\r\n", FRAME_REQLINE, 0 },
	{ "\r\n\r\n", FRAME_REQLINE, 0 },
	{ "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
	    FRAME_OK, 5 },
};

START_TEST(head_table)
{
	const struct head_case *hc = &heads[_i];
	struct frame_info fi;
	int got = httpd_frame_check(hc->head, strlen(hc->head), 64 * 1024,
	    &fi);

	ck_assert_msg(got == hc->want, "case %d: got %d, want %d", _i, got,
	    hc->want);
	if (got == FRAME_OK)
		ck_assert_int_eq(fi.body_len, hc->body);
}
END_TEST

START_TEST(expect_continue_seen)
{
	const char *h = heads[sizeof(heads) / sizeof(heads[0]) - 1].head;
	struct frame_info fi;

	ck_assert_int_eq(httpd_frame_check(h, strlen(h), 100, &fi), FRAME_OK);
	ck_assert(fi.expect_continue);
}
END_TEST

START_TEST(every_reason_has_a_status)
{
	int i;

	for (i = 1; i < FRAME_NREASONS; i++) {
		ck_assert_ptr_nonnull(httpd_frame_reason(i));
		ck_assert_int_ge(httpd_frame_reason(i)->status, 400);
	}
	ck_assert_ptr_null(httpd_frame_reason(FRAME_NREASONS));
	ck_assert_ptr_null(httpd_frame_reason(-1));
}
END_TEST

static Suite *
frame_suite(void)
{
	Suite *s = suite_create("httpd_frame");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, head_table, 0,
	    (int)(sizeof(heads) / sizeof(heads[0])));
	tcase_add_test(tc, expect_continue_seen);
	tcase_add_test(tc, every_reason_has_a_status);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(frame_suite())
