/* check_bandwidth - lib/bandwidth: rates, schedule windows, the limit in
 * force at a minute, the settings JSON; and the config file's keys */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bandwidth.h"
#include "check-main.h"
#include "conf.h"

static const struct {
	const char *text;
	int ok;
	int64_t bps;
} rates[] = {
	{ "unlimited", 1, 0 }, { "0", 1, 0 }, { "off", 1, 0 },
	{ "2M", 1, 2 << 20 }, { "2MB/s", 1, 2 << 20 }, { "500K", 1, 500 << 10 },
	{ "1.5M", 1, 3 << 19 }, { "1G", 1, INT64_C(1) << 30 }, { "1234", 1, 1234 },
	{ "fast", 0, 0 }, { "-1M", 0, 0 }, { "2X", 0, 0 }, { "", 0, 0 },
	{ "5000G", 0, 0 },
};

START_TEST(rates_parse)
{
	struct err err;
	int64_t bps = -1;
	int rc = bw_parse_rate(rates[_i].text, &bps, &err);

	ck_assert_msg((rc == 0) == rates[_i].ok, "%s", rates[_i].text);
	if (rates[_i].ok)
		ck_assert_int_eq(bps, rates[_i].bps);
	else
		ck_assert_int_eq(err.kind, ERR_INVALID);
}
END_TEST

START_TEST(rates_format)
{
	char buf[32];

	bw_format_rate(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "unlimited");
	bw_format_rate(2 << 20, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2M");
	bw_format_rate(500 << 10, buf, sizeof(buf));
	ck_assert_str_eq(buf, "500K");
	bw_format_rate(1000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1000");
}
END_TEST

/* "unlimited 01:00-07:00, 2 MB/s otherwise", and a window over midnight */
START_TEST(schedule_limit_at)
{
	struct bw_settings s;
	struct err err;
	char buf[64];

	memset(&s, 0, sizeof(s));
	s.limit_bps = 2 << 20;
	ck_assert_int_eq(bw_parse_window("01:00-07:00 unlimited", &s.w[0],
	    &err), 0);
	ck_assert_int_eq(bw_parse_window("22:30-00:30 100K", &s.w[1], &err), 0);
	s.nwindows = 2;
	ck_assert_int_eq(bw_limit_at(&s, 0), 100 << 10);	/* 00:00 */
	ck_assert_int_eq(bw_limit_at(&s, 29), 100 << 10);	/* 00:29 */
	ck_assert_int_eq(bw_limit_at(&s, 30), 2 << 20);	/* 00:30 */
	ck_assert_int_eq(bw_limit_at(&s, 60), 0);		/* 01:00 */
	ck_assert_int_eq(bw_limit_at(&s, 419), 0);		/* 06:59 */
	ck_assert_int_eq(bw_limit_at(&s, 420), 2 << 20);	/* 07:00 */
	ck_assert_int_eq(bw_limit_at(&s, 1349), 2 << 20);	/* 22:29 */
	ck_assert_int_eq(bw_limit_at(&s, 1350), 100 << 10);	/* 22:30 */
	bw_format_window(&s.w[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "22:30-00:30 100K");
	ck_assert_int_eq(bw_parse_window("09:00-24:00 1M", &s.w[0], &err), 0);
	ck_assert_int_eq(s.w[0].to_min, 0);
	ck_assert_int_eq(bw_limit_at(&s, 1439), 1 << 20);
}
END_TEST

START_TEST(schedule_bad_windows)
{
	static const char *const bad[] = { "1:00-07:00 1M", "01:00-07:00",
		"01:00-01:00 1M", "25:00-26:00 1M", "01:60-02:00 1M",
		"01:00-07:00 fast", "01:00 07:00 1M", "24:00-01:00 1M", NULL };
	struct bw_window w;
	struct err err;
	int i;

	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(bw_parse_window(bad[i], &w, &err) == -1, "%s",
		    bad[i]);
}
END_TEST

START_TEST(settings_json_round_trip)
{
	const char *in = "{\"bandwidth_limit\": \"2M\", \"schedule\": "
	    "[\"01:00-07:00 unlimited\"]}";
	struct bw_settings s, t;
	struct err err;
	char *out;

	ck_assert_int_eq(bw_from_json(in, strlen(in), &s, &err), 0);
	ck_assert_int_eq(s.limit_bps, 2 << 20);
	ck_assert_int_eq(s.nwindows, 1);
	out = bw_to_json(&s);
	ck_assert_ptr_nonnull(strstr(out, "\"bandwidth_limit_bps\":2097152"));
	ck_assert_int_eq(bw_from_json(out, strlen(out), &t, &err), 0);
	ck_assert_int_eq(t.limit_bps, s.limit_bps);
	ck_assert_int_eq(t.nwindows, 1);
	free(out);
	ck_assert_int_eq(bw_from_json("{\"bandwidth_limit\": 1000}", 25, &t,
	    &err), 0);
	ck_assert_int_eq(t.limit_bps, 1000);
	ck_assert_int_eq(bw_from_json("{\"schedule\": \"x\"}", 17, &t, &err),
	    -1);
	ck_assert_int_eq(bw_from_json("[]", 2, &t, &err), -1);
	ck_assert_int_eq(bw_from_json("{", 1, &t, &err), -1);
}
END_TEST

START_TEST(config_keys)
{
	char path[] = "/tmp/check_bandwidth.XXXXXX";
	struct conf c;
	struct err err;
	FILE *fp;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs("bandwidth_limit = \"2M\";\nschedule = [ \"01:00-07:00 "
	    "unlimited\" ];\nhttp = { web_dir = \"/x/web\"; session_ttl = 60; "
	    "signin_per_minute = 3; };\n", fp);
	fclose(fp);
	conf_defaults(&c, NULL);
	ck_assert_int_eq(c.bandwidth.limit_bps, 0);
	ck_assert_int_eq(conf_load(&c, path, &err), 0);
	ck_assert_int_eq(c.bandwidth.limit_bps, 2 << 20);
	ck_assert_int_eq(c.bandwidth.nwindows, 1);
	ck_assert_str_eq(c.http.web_dir, "/x/web");
	ck_assert_int_eq(c.http.session_ttl_s, 60);
	ck_assert_int_eq(c.http.signin_per_minute, 3);
	conf_free(&c);
	fp = fopen(path, "w");
	fputs("schedule = [ \"01:00-07:00 fast\" ];\n", fp);
	fclose(fp);
	conf_defaults(&c, NULL);
	ck_assert_int_eq(conf_load(&c, path, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, ":1: schedule:"));
	conf_free(&c);
	unlink(path);
}
END_TEST

static Suite *
bandwidth_suite(void)
{
	Suite *s = suite_create("bandwidth");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, rates_parse, 0,
	    (int)(sizeof(rates) / sizeof(rates[0])));
	tcase_add_test(tc, rates_format);
	tcase_add_test(tc, schedule_limit_at);
	tcase_add_test(tc, schedule_bad_windows);
	tcase_add_test(tc, settings_json_round_trip);
	tcase_add_test(tc, config_keys);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(bandwidth_suite())
