/* bandwidth - the owner's bandwidth limit and schedule, and the limit in force */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "bandwidth.h"
#include "log.h"
#include "xmalloc.h"

int
bw_parse_rate(const char *s, int64_t *bps, struct err *err)
{
	const char *p;
	char *end;
	double v, mult = 1;

	while (isspace((unsigned char)*s))
		s++;
	if (strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "off") == 0) {
		*bps = 0;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0 || v != v)
		return err_setk(err, ERR_INVALID, "bad rate \"%.40s\" (e.g. "
		    "\"2M\", \"500K\", \"unlimited\")", s);
	p = end;
	switch (toupper((unsigned char)*p)) {
	case 'K': mult = 1024.0; p++; break;
	case 'M': mult = 1024.0 * 1024; p++; break;
	case 'G': mult = 1024.0 * 1024 * 1024; p++; break;
	}
	if (toupper((unsigned char)*p) == 'B')
		p++;
	if (strncasecmp(p, "/s", 2) == 0)
		p += 2;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0' || v * mult > (double)BW_MAX_RATE)
		return err_setk(err, ERR_INVALID, "bad rate \"%.40s\" (e.g. "
		    "\"2M\", \"500K\", \"unlimited\")", s);
	*bps = (int64_t)(v * mult);
	if (*bps == 0 && v > 0)
		*bps = 1;
	return 0;
}

void
bw_format_rate(int64_t bps, char *buf, size_t size)
{
	if (bps <= 0)
		snprintf(buf, size, "unlimited");
	else if (bps % (1 << 30) == 0)
		snprintf(buf, size, "%lldG", (long long)(bps >> 30));
	else if (bps % (1 << 20) == 0)
		snprintf(buf, size, "%lldM", (long long)(bps >> 20));
	else if (bps % 1024 == 0)
		snprintf(buf, size, "%lldK", (long long)(bps >> 10));
	else
		snprintf(buf, size, "%lld", (long long)bps);
}

/* "HH:MM" at *p into minutes; advances *p. -1 if malformed. */
static int
parse_hhmm(const char **p)
{
	const char *s = *p;
	int h, m;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	*p = s + 5;
	return h * 60 + m;
}

int
bw_parse_window(const char *s, struct bw_window *w, struct err *err)
{
	const char *p = s;
	int from, to;

	while (isspace((unsigned char)*p))
		p++;
	if ((from = parse_hhmm(&p)) < 0 || *p++ != '-' ||
	    (to = parse_hhmm(&p)) < 0 || !isspace((unsigned char)*p))
		return err_setk(err, ERR_INVALID, "bad schedule window "
		    "\"%.60s\" (e.g. \"01:00-07:00 unlimited\")", s);
	if (from == to || from == 1440)
		return err_setk(err, ERR_INVALID, "schedule window \"%.60s\" "
		    "is empty", s);
	if (bw_parse_rate(p, &w->limit_bps, err) != 0)
		return err_wrap(err, "schedule window \"%.60s\"", s);
	w->from_min = from;
	w->to_min = to == 1440 ? 0 : to;
	return 0;
}

void
bw_format_window(const struct bw_window *w, char *buf, size_t size)
{
	char rate[32];

	bw_format_rate(w->limit_bps, rate, sizeof(rate));
	snprintf(buf, size, "%02d:%02d-%02d:%02d %s", w->from_min / 60,
	    w->from_min % 60, w->to_min / 60, w->to_min % 60, rate);
}

static int
window_holds(const struct bw_window *w, int minute)
{
	if (w->from_min < w->to_min)
		return minute >= w->from_min && minute < w->to_min;
	return minute >= w->from_min || minute < w->to_min;	/* wraps */
}

int64_t
bw_limit_at(const struct bw_settings *s, int minute)
{
	int i;

	for (i = 0; i < s->nwindows; i++)
		if (window_holds(&s->w[i], minute))
			return s->w[i].limit_bps;
	return s->limit_bps;
}

int64_t
bw_limit_now(const struct bw_settings *s)
{
	time_t now = time(NULL);
	struct tm tm;

	if (s->nwindows == 0 || localtime_r(&now, &tm) == NULL)
		return s->limit_bps;
	return bw_limit_at(s, tm.tm_hour * 60 + tm.tm_min);
}

int
bw_from_json(const char *text, size_t len, struct bw_settings *s,
    struct err *err)
{
	struct bw_settings n;
	json_error_t jerr;
	json_t *j, *v, *e;
	size_t i;
	int rc = -1;

	memset(&n, 0, sizeof(n));
	if ((j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return err_setk(err, ERR_INVALID, "invalid JSON: %s",
		    jerr.text);
	if (!json_is_object(j)) {
		err_setk(err, ERR_INVALID, "settings must be a JSON object");
		goto out;
	}
	v = json_object_get(j, "bandwidth_limit");
	if (json_is_string(v)) {
		if (bw_parse_rate(json_string_value(v), &n.limit_bps, err) != 0)
			goto out;
	} else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= BW_MAX_RATE)
		n.limit_bps = json_integer_value(v);
	else if (v != NULL && !json_is_null(v)) {
		err_setk(err, ERR_INVALID, "\"bandwidth_limit\" must be a rate "
		    "(\"2M\", \"unlimited\") or bytes a second");
		goto out;
	}
	v = json_object_get(j, "schedule");
	if (v != NULL && !json_is_null(v) && !json_is_array(v)) {
		err_setk(err, ERR_INVALID, "\"schedule\" must be a list of "
		    "windows (\"01:00-07:00 unlimited\")");
		goto out;
	}
	if (json_array_size(v) > BW_MAX_WINDOWS) {
		err_setk(err, ERR_INVALID, "at most %d schedule windows",
		    BW_MAX_WINDOWS);
		goto out;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			err_setk(err, ERR_INVALID, "each schedule window must "
			    "be a string (\"01:00-07:00 unlimited\")");
			goto out;
		}
		if (bw_parse_window(json_string_value(e), &n.w[n.nwindows],
		    err) != 0)
			goto out;
		n.nwindows++;
	}
	*s = n;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

char *
bw_to_json(const struct bw_settings *s)
{
	json_t *j, *sched = json_array();
	char buf[64];
	char *text;
	int i;

	for (i = 0; i < s->nwindows; i++) {
		bw_format_window(&s->w[i], buf, sizeof(buf));
		json_array_append_new(sched, json_string(buf));
	}
	bw_format_rate(s->limit_bps, buf, sizeof(buf));
	j = json_pack("{s:s, s:I, s:o, s:I}", "bandwidth_limit", buf,
	    "bandwidth_limit_bps", (json_int_t)s->limit_bps, "schedule", sched,
	    "limit_now_bps", (json_int_t)bw_limit_now(s));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		fatalx("json_dumps: out of memory");
	return text;
}
