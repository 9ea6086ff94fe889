/* err - the one error idiom: fail with a kind and a readable reason, return -1 */
#ifndef M3U8NAS_ERR_H
#define M3U8NAS_ERR_H

/*
 * Every function that can fail for a reason a person should read takes a
 * `struct err *` as its last argument and returns -1 (or NULL) after
 * filling it with a kind and one line, e.g. ERR_DENIED and "HTTP 403 Access
 * denied fetching <url>". The caller decides whether to log, print or store
 * the line; every decision (retry, pause, fail, refuse with 400) is made on
 * the kind, never on the text.
 *
 *	if (thing_fails())
 *		return err_set(err, "Invalid m3u8: %s", why);	 (ERR_PERMANENT)
 *	if (bad_field)
 *		return err_setk(err, ERR_INVALID, "\"url\" is missing");
 *
 * `err` may be NULL when the caller does not care about the reason.
 */
#include <stdarg.h>

#define ERR_MAX 512

/*
 * What the failure means for whoever decides what happens next. Set where
 * the error arises; err_wrap keeps it.
 */
enum err_kind {
	ERR_NONE = 0,	/* no error (a cleared err) */
	ERR_PERMANENT,	/* will fail the same way again: fail the job */
	ERR_TEMPORARY,	/* network or server trouble: worth a retry later */
	ERR_NOSPACE,	/* ENOSPC/EDQUOT or under min_free: pause, resume when space returns */
	ERR_CANCELLED,	/* someone asked for it to stop */
	ERR_INVALID,	/* bad input (a job, a request, a playlist): refuse, 400 */
	ERR_DENIED,	/* HTTP 401/403/410 from the origin: the link or its
			 * credentials no longer work (a fresh link may help) */
	ERR_REFUSED,	/* our policy says no (private address, DRM, symlink) */
	ERR_NKINDS
};

struct err {
	enum err_kind kind;
	char msg[ERR_MAX];
};

/* Fills err (if non-NULL) with ERR_PERMANENT and the line; returns -1. */
int err_set(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same with an explicit kind. */
int err_setk(struct err *err, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Like err_set, with ": strerror(errno)" appended; the kind follows errno
 * (ENOSPC, EDQUOT: ERR_NOSPACE; EINTR, EAGAIN, ETIMEDOUT, ECONNRESET...:
 * ERR_TEMPORARY; else ERR_PERMANENT). errno is preserved.
 */
int err_errno(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes the message already in err with "what: "; the kind is kept. */
int err_wrap(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* err_setk for a va_list (wrappers such as remux's libav errors). */
int err_vsetk(struct err *err, enum err_kind kind, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));
/* Appends ": tail" to the message (errno or library text); returns -1. */
int err_append(struct err *err, const char *tail);
/* Copies src into dst (kind and text); returns -1. */
int err_copy(struct err *dst, const struct err *src);
void err_clear(struct err *err);
/* The kind of errno's value, as err_errno chooses it. */
enum err_kind err_kind_of_errno(int errnum);
/* "permanent", "temporary", "nospace", "cancelled", "invalid", "denied",
 * "refused" ("none" for ERR_NONE): for logs and metrics labels. */
const char *err_kind_name(enum err_kind kind);

#endif
