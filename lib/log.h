/* log - one logging idiom for every program: levels, text or JSON lines */
#ifndef M3U8NAS_LOG_H
#define M3U8NAS_LOG_H

#include <stdnoreturn.h>

/*
 * Levels mean something (after Postfix's msg_*):
 *   log_debug  - only with -d / verbose; for developers
 *   log_info   - something happened that an operator may want to know
 *   log_warn   - something is wrong, we carry on (log_warn adds errno text,
 *                log_warnx does not)
 *   fatal      - cannot continue: exit(1) (fatal adds errno text)
 *
 * log_event() writes one structured record: in JSON mode a line like
 *   {"ts":"2026-11-25T20:38:19Z","prog":"m3u8nas-spoold","level":"info",
 *    "event":"claimed","job":"concert","msg":"..."}
 * and in text mode "prog: event job: msg". Daemons use JSON lines so that
 * logs can be grepped and parsed; the CLI uses text on stderr.
 */
enum log_format { LOG_TEXT, LOG_JSON };
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_open(const char *progname, enum log_format format, int verbose);
/* Appends to a file instead of stderr (NULL = stderr). 0 or -1. */
int log_to_file(const char *path);
/*
 * Reopens the log file (after logrotate moved it aside): call from the
 * loop on SIGHUP, never from a signal handler. Safe while other threads
 * log. 0 (also when logging to stderr), or -1 with errno (the old file
 * stays in use).
 */
int log_reopen(void);
/* The log file's absolute path, or NULL when logging to stderr. */
const char *log_file_path(void);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A structured record; job may be NULL. */
void log_event(enum log_level level, const char *event, const char *job,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
