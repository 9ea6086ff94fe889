/* httpd-metrics - what /metrics adds up: request durations, status classes, disks, processes */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "httpd.h"
#include "log.h"
#include "procstat.h"
#include "store.h"
#include "xmalloc.h"

/*
 * Request duration buckets, seconds: from a cached GET (well under a
 * millisecond on the loopback) to a probe (HTTPD_PROBE_TIMEOUT_S), so that
 * histogram_quantile() can give p50, p95 and p99 per route.
 */
static const double duration_bounds[HTTPD_DURATION_NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30
};

void
metrics_observe(struct httpd *h, enum httpd_route route, int code,
    double seconds)
{
	struct httpd_hist *hist = &h->durations[route];
	int i;

	for (i = 0; i < HTTPD_DURATION_NBUCKETS; i++)
		if (seconds <= duration_bounds[i])
			break;
	hist->bucket[i]++;
	hist->count++;
	hist->sum += seconds;
	if (code >= 100 && code < 600)
		h->by_class[code / 100]++;
}

void
metrics_histogram(FILE *fp, const char *name, const char *labels,
    const double *bounds, int n, const uint64_t *bucket, double sum)
{
	const char *sep = labels[0] != '\0' ? "," : "";
	uint64_t cum = 0;
	int i;

	for (i = 0; i < n; i++) {
		cum += bucket[i];
		fprintf(fp, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
		    bounds[i], (unsigned long long)cum);
	}
	cum += bucket[n];
	fprintf(fp, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
	    (unsigned long long)cum);
	fprintf(fp, "%s_sum%s%s%s %.6f\n", name, labels[0] != '\0' ? "{" : "",
	    labels, labels[0] != '\0' ? "}" : "", sum);
	fprintf(fp, "%s_count%s%s%s %llu\n", name, labels[0] != '\0' ? "{" : "",
	    labels, labels[0] != '\0' ? "}" : "", (unsigned long long)cum);
}

void
metrics_write_http(FILE *fp, struct httpd *h)
{
	char labels[128];
	int r, c;

	fprintf(fp, "# HELP m3u8nas_http_request_duration_seconds Time from "
	    "a request's arrival to its answer, by route pattern.\n"
	    "# TYPE m3u8nas_http_request_duration_seconds histogram\n");
	for (r = 0; r < R_COUNT; r++) {
		snprintf(labels, sizeof(labels), "route=\"%s\"",
		    httpd_route_name(r));
		metrics_histogram(fp, "m3u8nas_http_request_duration_seconds",
		    labels, duration_bounds, HTTPD_DURATION_NBUCKETS,
		    h->durations[r].bucket, h->durations[r].sum);
	}
	fprintf(fp, "# HELP m3u8nas_http_responses_total HTTP responses, by "
	    "status class (error rate: 5xx over all).\n"
	    "# TYPE m3u8nas_http_responses_total counter\n");
	for (c = 1; c <= 5; c++)
		fprintf(fp, "m3u8nas_http_responses_total{class=\"%dxx\"} %llu\n",
		    c, (unsigned long long)h->by_class[c]);
}

struct disk {
	const char *volume;
	bool ok;
	unsigned long long v[3];	/* total, free, used */
};

static void
disk_stat(struct disk *d, const char *volume, const char *path)
{
	struct statvfs sv;

	d->volume = volume;
	if (!(d->ok = statvfs(path, &sv) == 0))
		return;
	d->v[0] = (unsigned long long)sv.f_blocks * sv.f_frsize;
	d->v[1] = (unsigned long long)sv.f_bavail * sv.f_frsize;
	d->v[2] = d->v[0] - (unsigned long long)sv.f_bfree * sv.f_frsize;
}

void
metrics_write_disk(FILE *fp, struct httpd *h)
{
	static const char *const fam[3][2] = {
		{ "m3u8nas_disk_total_bytes", "Size of the filesystem holding "
		    "the spool or the library." },
		{ "m3u8nas_disk_free_bytes", "Bytes free for unprivileged "
		    "users (df's Avail)." },
		{ "m3u8nas_disk_used_bytes", "Bytes used (df's Used; usage = "
		    "used / (used + free), as df's Use%)." },
	};
	struct disk d[2];
	int f, i;

	disk_stat(&d[0], "spool", h->conf.spool_dir);
	disk_stat(&d[1], "library", h->conf.library_dir);
	for (f = 0; f < 3; f++) {
		fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", fam[f][0],
		    fam[f][1], fam[f][0]);
		for (i = 0; i < 2; i++)
			if (d[i].ok)
				fprintf(fp, "%s{volume=\"%s\"} %llu\n", fam[f][0],
				    d[i].volume, d[i].v[f]);
	}
}

/* The spooler's cpu_seconds / rss_bytes from the store. */
static bool
spooler_stat(struct httpd *h, struct procstat *ps)
{
	struct store *st;
	struct err err;
	char *cpu = NULL, *rss = NULL;
	bool absent, ok = false;

	if ((st = httpd_store(h, &absent, &err)) == NULL)
		return false;
	if (store_get_meta(st, "cpu_seconds", &cpu, &err) == 1 &&
	    store_get_meta(st, "rss_bytes", &rss, &err) == 1) {
		ps->cpu_seconds = strtod(cpu, NULL);
		ps->rss_bytes = strtoll(rss, NULL, 10);
		ok = true;
	}
	free(cpu);
	free(rss);
	return ok;
}

/* m3u8nas-fs, by the pid it wrote in state/ (and its name, so that a
 * stale pid file is not read as another process's numbers). */
static bool
fs_stat(struct httpd *h, struct procstat *ps)
{
	char *path = xasprintf("%s/m3u8nas-fs.pid", h->state), buf[32];
	FILE *fp;
	long pid = 0;

	if ((fp = fopen(path, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), fp) != NULL)
			pid = strtol(buf, NULL, 10);
		fclose(fp);
	}
	free(path);
	return pid > 0 && procstat_read((pid_t)pid, "m3u8nas-fs", ps) == 0;
}

void
metrics_write_process(FILE *fp, struct httpd *h, bool spooler_alive)
{
	struct procstat ps[3];
	bool ok[3];
	static const char *const name[3] = { "m3u8nas-httpd",
	    "m3u8nas-spoold", "m3u8nas-fs" };
	int i;

	ok[0] = procstat_read(0, NULL, &ps[0]) == 0;
	ok[1] = spooler_alive && spooler_stat(h, &ps[1]);
	ok[2] = fs_stat(h, &ps[2]);
	fprintf(fp, "# HELP m3u8nas_process_cpu_seconds_total User and "
	    "system CPU time of each daemon.\n"
	    "# TYPE m3u8nas_process_cpu_seconds_total counter\n");
	for (i = 0; i < 3; i++)
		if (ok[i])
			fprintf(fp, "m3u8nas_process_cpu_seconds_total{daemon="
			    "\"%s\"} %.2f\n", name[i], ps[i].cpu_seconds);
	fprintf(fp, "# HELP m3u8nas_process_resident_memory_bytes Resident "
	    "memory of each daemon.\n"
	    "# TYPE m3u8nas_process_resident_memory_bytes gauge\n");
	for (i = 0; i < 3; i++)
		if (ok[i])
			fprintf(fp, "m3u8nas_process_resident_memory_bytes{daemon="
			    "\"%s\"} %lld\n", name[i], (long long)ps[i].rss_bytes);
}

/* Is (result, reason) a series to show even at 0? completed/none,
 * failed/<every kind of failure>, cancelled/cancelled. */
static bool
finished_series(enum job_status s, enum err_kind k)
{
	switch (s) {
	case JOB_COMPLETED: return k == ERR_NONE;
	case JOB_FAILED: return k != ERR_NONE && k != ERR_CANCELLED;
	case JOB_CANCELLED: return k == ERR_CANCELLED;
	default: return false;
	}
}

void
metrics_write_jobs(FILE *fp, struct httpd *h)
{
	static const enum job_status results[] = { JOB_COMPLETED, JOB_FAILED,
	    JOB_CANCELLED };
	struct store_finished f;
	struct store *st;
	struct err err;
	char labels[64];
	bool absent;
	size_t i;
	int k;

	memset(&f, 0, sizeof(f));
	if ((st = httpd_store(h, &absent, &err)) != NULL &&
	    store_finished(st, &f, &err) == -1) {
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		memset(&f, 0, sizeof(f));
	}
	fprintf(fp, "# HELP m3u8nas_jobs_finished_total Jobs that ended, by "
	    "result and reason (the error's kind); a retried job that ends "
	    "again counts again.\n"
	    "# TYPE m3u8nas_jobs_finished_total counter\n");
	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		for (k = 0; k < ERR_NKINDS; k++)
			if (finished_series(results[i], k) ||
			    f.jobs[results[i]][k] != 0)
				fprintf(fp, "m3u8nas_jobs_finished_total{result="
				    "\"%s\",reason=\"%s\"} %lld\n",
				    job_status_name(results[i]),
				    err_kind_name(k),
				    (long long)f.jobs[results[i]][k]);
	fprintf(fp, "# HELP m3u8nas_download_duration_seconds From a job's "
	    "start to its end, for jobs that started, by result.\n"
	    "# TYPE m3u8nas_download_duration_seconds histogram\n");
	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"",
		    job_status_name(results[i]));
		metrics_histogram(fp, "m3u8nas_download_duration_seconds",
		    labels, store_duration_bounds, STORE_DURATION_NBUCKETS,
		    f.duration[results[i]].bucket, f.duration[results[i]].sum);
	}
	fprintf(fp, "# HELP m3u8nas_job_downloaded_bytes Body bytes each "
	    "finished job downloaded, by result (throughput per job: "
	    "bytes / duration).\n"
	    "# TYPE m3u8nas_job_downloaded_bytes histogram\n");
	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"",
		    job_status_name(results[i]));
		metrics_histogram(fp, "m3u8nas_job_downloaded_bytes", labels,
		    store_bytes_bounds, STORE_BYTES_NBUCKETS,
		    f.bytes[results[i]].bucket, f.bytes[results[i]].sum);
	}
}
