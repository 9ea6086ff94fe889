/* procstat - a process's CPU seconds and resident memory, from /proc */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

/* Reads /proc/<pid or self>/<file> into buf (NUL-terminated). 0 or -1. */
static int
read_proc(pid_t pid, const char *file, char *buf, size_t size)
{
	char path[64];
	FILE *fp;
	size_t n;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/%s", file);
	else
		snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, size - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

int
procstat_read(pid_t pid, const char *comm, struct procstat *ps)
{
	char buf[1024], name[32];
	unsigned long long utime, stime;
	long pages, resident, tck, pagesz;
	const char *p;

	memset(ps, 0, sizeof(*ps));
	if (comm != NULL) {
		if (read_proc(pid, "comm", name, sizeof(name)) == -1)
			return -1;
		name[strcspn(name, "\n")] = '\0';
		if (strncmp(name, comm, 15) != 0)
			return -1;
	}
	/* stat: "pid (comm) state ..." where comm may hold spaces and ')':
	 * the fields after the last ')' are fixed; utime and stime are the
	 * 14th and 15th of the line, i.e. the 12th and 13th after it. */
	if (read_proc(pid, "stat", buf, sizeof(buf)) == -1 ||
	    (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu", &utime, &stime) != 2)
		return -1;
	if (read_proc(pid, "statm", buf, sizeof(buf)) == -1 ||
	    sscanf(buf, "%ld %ld", &pages, &resident) != 2)
		return -1;
	tck = sysconf(_SC_CLK_TCK);
	pagesz = sysconf(_SC_PAGESIZE);
	ps->cpu_seconds = (double)(utime + stime) / (double)(tck > 0 ? tck : 100);
	ps->rss_bytes = (int64_t)resident * (pagesz > 0 ? pagesz : 4096);
	return 0;
}
