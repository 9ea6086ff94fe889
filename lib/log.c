/* log - one logging idiom for every program: levels, text or JSON lines */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

static const char *log_prog = "m3u8nas";
static enum log_format log_fmt = LOG_TEXT;
static int log_verbose;
static FILE *log_fp;
static char log_path[4096];	/* absolute, for log_reopen */

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_open(const char *progname, enum log_format format, int verbose)
{
	log_prog = progname;
	log_fmt = format;
	log_verbose = verbose;
}

int
log_to_file(const char *path)
{
	char cwd[4096];
	FILE *fp;

	if (path == NULL || *path == '\0') {
		log_fp = NULL;
		log_path[0] = '\0';
		return 0;
	}
	if ((fp = fopen(path, "ae")) == NULL)
		return -1;
	/* Line-buffered with room for the longest record (a 2 KB message,
	 * escaped): one write(2) per line, so processes sharing one
	 * log_file (O_APPEND) never cut into each other's lines. */
	setvbuf(fp, NULL, _IOLBF, 64 * 1024);
	log_fp = fp;
	/* Absolute: daemons change directory to / after this. */
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		snprintf(log_path, sizeof(log_path), "%s/%s", cwd, path);
	else
		snprintf(log_path, sizeof(log_path), "%s", path);
	return 0;
}

/*
 * The new file takes the old one's descriptor number (dup3 is atomic), so
 * the FILE every thread writes through never changes: a line is in the
 * old file or in the new one, never lost or cut, and no lock is needed.
 */
int
log_reopen(void)
{
	int fd, saved;

	if (log_fp == NULL)
		return 0;
	if ((fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0644)) == -1)
		return -1;
	fflush(log_fp);
	if (dup3(fd, fileno(log_fp), O_CLOEXEC) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

const char *
log_file_path(void)
{
	return log_fp != NULL ? log_path : NULL;
}

static FILE *
log_stream(void)
{
	return log_fp != NULL ? log_fp : stderr;
}

static void
log_write(enum log_level level, const char *event, const char *job,
    const char *msg)
{
	char ts[32];
	struct tm tm;
	time_t now;
	json_t *rec;
	char *line;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rec = json_pack("{s:s, s:s, s:s}", "ts", ts, "prog", log_prog,
	    "level", level_names[level]);
	if (rec == NULL)
		return;
	if (event != NULL)
		json_object_set_new(rec, "event", json_string(event));
	if (job != NULL)
		json_object_set_new(rec, "job", json_string(job));
	json_object_set_new(rec, "msg", json_string(msg));
	if ((line = json_dumps(rec, JSON_COMPACT)) != NULL) {
		fprintf(log_stream(), "%s\n", line);
		free(line);
	}
	json_decref(rec);
}

static void
log_vmsg(enum log_level level, const char *event, const char *job,
    int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[2048];
	size_t n;

	if (level == LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	if (log_fmt == LOG_TEXT) {
		fprintf(log_stream(), "%s: %s", log_prog,
		    level == LOG_ERROR ? "error: " :
		    level == LOG_WARN ? "warning: " : "");
		if (event != NULL)
			fprintf(log_stream(), "%s ", event);
		if (job != NULL)
			fprintf(log_stream(), "%s: ", job);
		fprintf(log_stream(), "%s\n", msg);
	} else
		log_write(level, event, job, msg);
	errno = saved;
}

#define LOG_FN(name, level, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
	va_start(ap, fmt);					\
	log_vmsg(level, NULL, NULL, with_errno, fmt, ap);	\
	va_end(ap);						\
}
LOG_FN(log_debug, LOG_DEBUG, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_warn, LOG_WARN, 1)
LOG_FN(log_warnx, LOG_WARN, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, NULL, NULL, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, NULL, NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_event(enum log_level level, const char *event, const char *job,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, event, job, 0, fmt, ap);
	va_end(ap);
}
