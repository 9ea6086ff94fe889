/* err - the one error idiom: fail with a readable reason, return -1 */
#ifndef M3U8NAS_ERR_H
#define M3U8NAS_ERR_H

/*
 * Every function that can fail for a reason a person should read takes a
 * `struct err *` as its last argument and returns -1 (or NULL) after
 * filling it with one line, e.g. "HTTP 403 Access denied fetching <url>".
 * The caller decides whether to log, print or store that line.
 *
 *	if (thing_fails())
 *		return err_set(err, "Invalid m3u8: %s", why);
 *
 * `err` may be NULL when the caller does not care about the reason.
 */
#include <stdarg.h>

#define ERR_MAX 512

struct err {
	char msg[ERR_MAX];
};

/* Fills err (if non-NULL) and returns -1, so it can end a failing path. */
int err_set(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Like err_set, with ": strerror(errno)" appended. */
int err_errno(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes the message already in err with "what: ". */
int err_wrap(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void err_clear(struct err *err);

#endif
