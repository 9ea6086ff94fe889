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

/* libav's errors are negated errno values or tags: ENOSPC on the output
 * must read ERR_NOSPACE (the spooler pauses), AVERROR_EXIT is our cancel. */
static enum err_kind
rx_averr_kind(int code)
{
	if (code == AVERROR_EXIT)
		return ERR_CANCELLED;
	if (code < 0 && code > -4096)	/* AVERROR(errno) */
		return err_kind_of_errno(AVUNERROR(code));
	return ERR_PERMANENT;
}

int
rx_averr(struct err *err, int code, const char *fmt, ...)
{
	char av[AV_ERROR_MAX_STRING_SIZE + 32];
	va_list ap;

	if (av_strerror(code, av, sizeof(av)) < 0)
		snprintf(av, sizeof(av), "libav error %d", code);
	va_start(ap, fmt);
	err_vsetk(err, rx_averr_kind(code), fmt, ap);
	va_end(ap);
	return err_append(err, av);
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
