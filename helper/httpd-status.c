/* httpd-status - GET /api/status, /api/health and /metrics (Prometheus text) */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "httpd.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define INCOMING_SCAN_MAX 10000	/* bound the readdir of incoming/ */

/* The store's counts; zeros when the spooler never ran. 0 or -1. */
static int
counts(struct httpd *h, struct store_counts *c, struct err *err)
{
	struct store *st;
	bool absent;

	memset(c, 0, sizeof(*c));
	if ((st = httpd_store(h, &absent, err)) == NULL)
		return absent ? 0 : -1;
	return store_counts(st, c, err);
}

/* .job files waiting in incoming/ (the spooler has not claimed them). */
static int64_t
incoming_jobs(struct httpd *h)
{
	struct dirent *de;
	int64_t n = 0, seen = 0;
	size_t len;
	DIR *d;

	if ((d = opendir(h->incoming)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && seen++ < INCOMING_SCAN_MAX) {
		len = strlen(de->d_name);
		if (de->d_name[0] != '.' && len > 4 &&
		    strcmp(de->d_name + len - 4, ".job") == 0)
			n++;
	}
	closedir(d);
	return n;
}

static json_t *
disk_json(struct httpd *h)
{
	struct statvfs sv;
	uint64_t total, avail;

	if (statvfs(h->conf.library_dir, &sv) != 0 &&
	    statvfs(h->conf.spool_dir, &sv) != 0)
		return json_null();
	total = (uint64_t)sv.f_blocks * sv.f_frsize;
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return json_pack("{s:I, s:I, s:I}", "total_bytes", (json_int_t)total,
	    "free_bytes", (json_int_t)avail, "used_bytes",
	    (json_int_t)(total - (uint64_t)sv.f_bfree * sv.f_frsize));
}

void
route_status(struct httpd_req *r)
{
	struct store_counts c;
	struct err err;
	json_t *by = json_object();
	int64_t active = 0;
	int i;

	if (counts(r->h, &c, &err) != 0) {
		json_decref(by);
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		httpd_reply_error(r, 503, "the job store cannot be read");
		return;
	}
	/* Every state of the enum, so a new one is counted without a change. */
	for (i = 0; i < JOB_NSTATUS; i++) {
		json_object_set_new(by, job_status_name((enum job_status)i),
		    json_integer(c.by_status[i]));
		if (job_status_running((enum job_status)i))
			active += c.by_status[i];
	}
	httpd_reply_json(r, 200, json_pack("{s:I, s:I, s:o, s:o, s:b, s:s}",
	    "queue_length", (json_int_t)(c.by_status[JOB_PENDING] +
	    incoming_jobs(r->h)),
	    "active", (json_int_t)active,
	    "counts", by, "disk", disk_json(r->h),
	    "spooler_alive", (int)c.spooler_alive, "version", PACKAGE_VERSION));
}

void
route_health(struct httpd_req *r)
{
	httpd_reply_json(r, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "version", PACKAGE_VERSION));
}

void
route_metrics(struct httpd_req *r)
{
	struct httpd *h = r->h;
	struct store_counts c;
	struct err err;
	char *text = NULL;
	size_t len = 0;
	int64_t active = 0;
	FILE *fp;
	int i;

	if (counts(h, &c, &err) != 0)
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
	if ((fp = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	fprintf(fp, "# HELP m3u8nas_http_requests_total HTTP requests "
	    "answered, by route and status.\n"
	    "# TYPE m3u8nas_http_requests_total counter\n");
	for (i = 0; i < h->nmetrics; i++)
		fprintf(fp, "m3u8nas_http_requests_total{route=\"%s\","
		    "status=\"%d\"} %llu\n", httpd_route_name(h->metrics[i].route),
		    h->metrics[i].status,
		    (unsigned long long)h->metrics[i].count);
	fprintf(fp, "# HELP m3u8nas_jobs Jobs in the store, by status.\n"
	    "# TYPE m3u8nas_jobs gauge\n");
	for (i = 0; i < JOB_NSTATUS; i++)
		fprintf(fp, "m3u8nas_jobs{status=\"%s\"} %lld\n",
		    job_status_name((enum job_status)i),
		    (long long)c.by_status[i]);
	/* As /api/status says them: the queue is pending rows plus files
	 * not yet claimed; active, the states that move bytes. */
	for (i = 0; i < JOB_NSTATUS; i++)
		if (job_status_running((enum job_status)i))
			active += c.by_status[i];
	fprintf(fp, "# HELP m3u8nas_queue_length Jobs waiting: pending in "
	    "the store plus .job files not yet claimed.\n"
	    "# TYPE m3u8nas_queue_length gauge\n"
	    "m3u8nas_queue_length %lld\n"
	    "# HELP m3u8nas_active_downloads Jobs downloading or merging.\n"
	    "# TYPE m3u8nas_active_downloads gauge\n"
	    "m3u8nas_active_downloads %lld\n",
	    (long long)(c.by_status[JOB_PENDING] + incoming_jobs(h)),
	    (long long)active);
	fprintf(fp, "# HELP m3u8nas_bytes_downloaded_total Body bytes the "
	    "spooler has downloaded.\n"
	    "# TYPE m3u8nas_bytes_downloaded_total counter\n"
	    "m3u8nas_bytes_downloaded_total %lld\n",
	    (long long)c.bytes_downloaded);
	fprintf(fp, "# HELP m3u8nas_rate_limited_total POSTs refused by the "
	    "rate limit.\n# TYPE m3u8nas_rate_limited_total counter\n"
	    "m3u8nas_rate_limited_total %llu\n",
	    (unsigned long long)h->rate_limited);
	fprintf(fp, "# HELP m3u8nas_http_connections TLS connections open.\n"
	    "# TYPE m3u8nas_http_connections gauge\n"
	    "m3u8nas_http_connections %d\n"
	    "# HELP m3u8nas_spooler_up 1 if the spooler's heartbeat is fresh.\n"
	    "# TYPE m3u8nas_spooler_up gauge\nm3u8nas_spooler_up %d\n",
	    h->nconn, c.spooler_alive ? 1 : 0);
	metrics_write_jobs(fp, h);
	metrics_write_http(fp, h);
	metrics_write_disk(fp, h);
	metrics_write_process(fp, h, c.spooler_alive);
	fclose(fp);
	httpd_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text, len);
	free(text);
}
