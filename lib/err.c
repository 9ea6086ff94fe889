/* err - the one error idiom: fail with a readable reason, return -1 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
err_set(struct err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
err_errno(struct err *err, const char *fmt, ...)
{
	int saved = errno;
	char what[ERR_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s: %s", what, strerror(saved));
	errno = saved;
	return -1;
}

int
err_wrap(struct err *err, const char *fmt, ...)
{
	char what[ERR_MAX], old[ERR_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", what, old);
	return -1;
}

void
err_clear(struct err *err)
{
	if (err != NULL)
		err->msg[0] = '\0';
}
