/* err - the one error idiom: fail with a kind and a readable reason, return -1 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
err_vsetk(struct err *err, enum err_kind kind, const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err->kind = kind;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int
err_append(struct err *err, const char *tail)
{
	size_t n;

	if (err == NULL)
		return -1;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", tail);
	return -1;
}

int
err_set(struct err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vsetk(err, ERR_PERMANENT, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_setk(struct err *err, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vsetk(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

enum err_kind
err_kind_of_errno(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
		return ERR_NOSPACE;
	case EINTR:
	case EAGAIN:
	case ETIMEDOUT:
	case ECONNRESET:
	case ECONNREFUSED:
	case ECONNABORTED:
	case ENETDOWN:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EBUSY:
		return ERR_TEMPORARY;
	case ECANCELED:
		return ERR_CANCELLED;
	default:
		return ERR_PERMANENT;
	}
}

int
err_errno(struct err *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	err_vsetk(err, err_kind_of_errno(saved), fmt, ap);
	va_end(ap);
	err_append(err, strerror(saved));
	errno = saved;
	return -1;
}

int
err_wrap(struct err *err, const char *fmt, ...)
{
	char old[ERR_MAX];
	enum err_kind kind;
	va_list ap;

	if (err == NULL)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	kind = err->kind != ERR_NONE ? err->kind : ERR_PERMANENT;
	va_start(ap, fmt);
	err_vsetk(err, kind, fmt, ap);
	va_end(ap);
	return err_append(err, old);
}

int
err_copy(struct err *dst, const struct err *src)
{
	if (dst != NULL && src != NULL && dst != src)
		*dst = *src;
	return -1;
}

void
err_clear(struct err *err)
{
	if (err != NULL) {
		err->kind = ERR_NONE;
		err->msg[0] = '\0';
	}
}

const char *
err_kind_name(enum err_kind kind)
{
	static const char *const names[ERR_NKINDS] = {
		[ERR_NONE] = "none", [ERR_PERMANENT] = "permanent",
		[ERR_TEMPORARY] = "temporary", [ERR_NOSPACE] = "nospace",
		[ERR_CANCELLED] = "cancelled", [ERR_INVALID] = "invalid",
		[ERR_DENIED] = "denied", [ERR_REFUSED] = "refused",
	};

	return kind >= 0 && kind < ERR_NKINDS ? names[kind] : "permanent";
}
