/* procstat - a process's CPU seconds and resident memory, from /proc */
#ifndef M3U8NAS_PROCSTAT_H
#define M3U8NAS_PROCSTAT_H

#include <stdint.h>
#include <sys/types.h>

/*
 * For /metrics: each daemon's CPU time (user + system, seconds since it
 * started) and resident set size (bytes). pid 0 = this process. 0, or -1
 * when the process is gone or /proc cannot be read.
 *
 * comm, if not NULL, must equal the process's /proc/PID/comm (the first
 * 15 bytes of the program name), so that a stale pid file naming another
 * process reads as "gone".
 */
struct procstat {
	double cpu_seconds;
	int64_t rss_bytes;
};

int procstat_read(pid_t pid, const char *comm, struct procstat *ps);

#endif
