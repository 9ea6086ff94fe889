/* remux-av - libav glue: error codes as readable text, libav's log to ours */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/error.h>
#include <libavutil/log.h>

#include "log.h"
#include "remux-int.h"

int
rx_averr(struct err *err, int code, const char *fmt, ...)
{
	char what[ERR_MAX], av[AV_ERROR_MAX_STRING_SIZE + 32];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (av_strerror(code, av, sizeof(av)) < 0)
		snprintf(av, sizeof(av), "libav error %d", code);
	/* A full disk is a pause for the caller, not a failure. */
	return err_setk(err, code == AVERROR(ENOSPC) || code == AVERROR(EDQUOT) ?
	    ERR_NOSPACE : ERR_PERMANENT, "%s: %s", what, av);
}

/*
 * libav prints to stderr by default, at a chatty level. A daemon wants only
 * real errors, in its own log format, one line each. libav may send a line
 * in pieces; pieces without a newline are held until the line is complete.
 */
static void
rx_log_cb(void *avcl, int level, const char *fmt, va_list ap)
{
	static __thread char line[1024];
	static __thread size_t len;
	static __thread int print_prefix = 1;
	char piece[1024];
	size_t n;

	if (level > av_log_get_level())
		return;
	av_log_format_line2(avcl, level, fmt, ap, piece, sizeof(piece),
	    &print_prefix);
	n = strlen(piece);
	if (len + n >= sizeof(line))
		n = sizeof(line) - 1 - len;
	memcpy(line + len, piece, n);
	len += n;
	line[len] = '\0';
	if (len == 0 || (line[len - 1] != '\n' && len < sizeof(line) - 1))
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len > 0)
		log_warnx("libav: %s", line);
	len = 0;
}

static void
rx_log_setup(void)
{
	av_log_set_level(AV_LOG_ERROR);
	av_log_set_callback(rx_log_cb);
}

void
rx_log_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, rx_log_setup);
}
