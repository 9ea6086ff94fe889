/* check_httpd_limit - the endpoint's token buckets and bearer-token check */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "httpd.h"
#include "check-main.h"

/* One client, one table of (time, expected answer) steps. */
static const struct step {
	double t;		/* seconds */
	int want;		/* 0 allowed, > 0 the Retry-After */
} burst_steps[] = {
	/* 3 a minute: a burst of 3, then one token every 20 s */
	{ 0.0, 0 }, { 0.1, 0 }, { 0.2, 0 }, { 0.3, 20 }, { 10.3, 10 },
	{ 20.3, 0 }, { 20.4, 20 }, { 200.0, 0 }, { 200.0, 0 }, { 200.0, 0 },
	{ 200.0, 20 },
};

START_TEST(bucket_bursts_then_refills)
{
	struct limiter *l = limiter_new(3, 16);
	size_t i;
	int got;

	for (i = 0; i < sizeof(burst_steps) / sizeof(burst_steps[0]); i++) {
		got = limiter_take(l, "10.0.0.1", burst_steps[i].t);
		ck_assert_msg(got == burst_steps[i].want,
		    "step %zu at %.1f s: got %d, want %d", i, burst_steps[i].t,
		    got, burst_steps[i].want);
	}
	limiter_free(l);
}
END_TEST

START_TEST(clients_are_separate)
{
	struct limiter *l = limiter_new(1, 16);

	ck_assert_int_eq(limiter_take(l, "10.0.0.1", 0), 0);
	ck_assert_int_gt(limiter_take(l, "10.0.0.1", 0), 0);
	ck_assert_int_eq(limiter_take(l, "10.0.0.2", 0), 0);
	ck_assert_int_eq(limiter_take(l, "::1", 0), 0);
	ck_assert_int_gt(limiter_take(l, "10.0.0.2", 1), 0);
	limiter_free(l);
}
END_TEST

/*
 * A flood of addresses stays within the table: the bucket of a client
 * that was pushed out starts full again (forgetting errs on the client's
 * side), and nothing grows.
 */
START_TEST(table_is_bounded)
{
	struct limiter *l = limiter_new(1, 64);
	char addr[32];
	int i;

	ck_assert_int_eq(limiter_take(l, "victim", 0), 0);
	for (i = 0; i < 100000; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		limiter_take(l, addr, 1 + i * 1e-6);
	}
	/* recently seen clients are kept: the last one is still limited */
	ck_assert_int_gt(limiter_take(l, addr, 2), 0);
	/* the first one was pushed out long ago: a full bucket again */
	ck_assert_int_eq(limiter_take(l, "victim", 2), 0);
	limiter_free(l);
}
END_TEST

static const struct tok_case {
	const char *given;
	bool ok;
} tok_cases[] = {
	{ "first-token-123", true },
	{ "second-token-4567", true },
	{ "first-token-124", false },
	{ "first-token-12", false },
	{ "first-token-1234", false },
	{ "", false },
	{ "second-token-4567 ", false },
	{ "SECOND-TOKEN-4567", false },
};

START_TEST(tokens)
{
	struct conf_http hc;
	const struct tok_case *c = &tok_cases[_i];

	memset(&hc, 0, sizeof(hc));
	hc.tokens[0] = (char *)"first-token-123";
	hc.tokens[1] = (char *)"second-token-4567";
	hc.ntokens = 2;
	ck_assert_msg(httpd_token_ok(&hc, c->given, strlen(c->given)) == c->ok,
	    "token \"%s\"", c->given);
}
END_TEST

static Suite *
httpd_limit_suite(void)
{
	Suite *s = suite_create("httpd_limit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, bucket_bursts_then_refills);
	tcase_add_test(tc, clients_are_separate);
	tcase_add_test(tc, table_is_bounded);
	tcase_add_loop_test(tc, tokens, 0,
	    sizeof(tok_cases) / sizeof(tok_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(httpd_limit_suite())
