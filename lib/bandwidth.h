/* bandwidth - the owner's bandwidth limit and schedule, and the limit in force */
#ifndef M3U8NAS_BANDWIDTH_H
#define M3U8NAS_BANDWIDTH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * One budget shared by every transfer of the spooler: `limit_bps` bytes a
 * second (0 = unlimited), except inside a schedule window, which has its
 * own limit. The words a person writes, in the config file, the API and
 * the page alike:
 *
 *   rate     "unlimited" | "0" | N[K|M|G][B][/s]   (K = 1024 bytes)
 *   window   "HH:MM-HH:MM RATE", local time; a window may wrap midnight
 *            ("22:00-06:00 500K"); the first window holding a minute wins
 *
 * The runtime copy travels as JSON: the endpoint writes control/settings,
 * the spooler applies it and keeps it in state/settings.json:
 *
 *   {"bandwidth_limit": "2M", "schedule": ["01:00-07:00 unlimited"]}
 *
 * ("bandwidth_limit" may also be a number of bytes a second).
 */
#define BW_MAX_WINDOWS	16
#define BW_MAX_RATE	(INT64_C(1) << 40)	/* 1 TiB/s: a typo, not a link */

struct bw_window {
	int from_min, to_min;		/* minutes of the day, 0..1439 */
	int64_t limit_bps;		/* 0 = unlimited */
};

struct bw_settings {
	int64_t limit_bps;		/* outside every window; 0 = unlimited */
	struct bw_window w[BW_MAX_WINDOWS];
	int nwindows;
};

/* 0, or -1 (ERR_INVALID) with a reason naming the text. */
int bw_parse_rate(const char *s, int64_t *bps, struct err *err);
/* "unlimited", "2M", "500K", "1234" into buf. */
void bw_format_rate(int64_t bps, char *buf, size_t size);
int bw_parse_window(const char *s, struct bw_window *w, struct err *err);
void bw_format_window(const struct bw_window *w, char *buf, size_t size);
/* The limit in force at minute `minute` of the day (0..1439); 0 = none. */
int64_t bw_limit_at(const struct bw_settings *s, int minute);
/* The limit in force now (local time). */
int64_t bw_limit_now(const struct bw_settings *s);
/* The JSON above into *s (replaced whole). 0 or -1 (ERR_INVALID). */
int bw_from_json(const char *text, size_t len, struct bw_settings *s,
    struct err *err);
/* *s as JSON text (caller frees), with the numbers too:
 * {"bandwidth_limit":"2M","bandwidth_limit_bps":2097152,
 *  "schedule":["01:00-07:00 unlimited"],"limit_now_bps":0} */
char *bw_to_json(const struct bw_settings *s);

#endif
