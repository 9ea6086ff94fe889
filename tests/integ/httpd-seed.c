/* httpd-seed - writes job rows into a store, as the spooler would, for the API tests */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "xmalloc.h"

/*
 * usage: httpd-seed DB [--heartbeat] < rows
 * Each input line is "ID STATUS CREATED_AT URL": one row per line, with
 * the fields a spooler fills for that status (a failed job has an error,
 * a completed one an output and a size, a downloading one progress, speed
 * and an ETA). --heartbeat also records a fresh spooler heartbeat and
 * bytes_downloaded = 123456.
 */
static void
fill(struct job_row *row, char *id, char *status, long long created,
    char *url)
{
	memset(row, 0, sizeof(*row));
	row->id = id;
	if (job_status_parse(status, &row->status) == -1)
		row->status = JOB_FAILED;
	row->url = url;
	row->title = xasprintf("Title %s", id);
	row->quality = (char *)"best";
	row->job_name = id;
	row->created_at = created;
	row->eta_s = -1;
	if (strcmp(status, "pending") != 0)
		row->started_at = created + 1;
	if (strcmp(status, "downloading") == 0) {
		row->progress = 42.5;
		row->segments_done = 17;
		row->segments_total = 40;
		row->bytes_done = 1700000;
		row->speed_bps = 1000000;
		row->eta_s = 12;
	} else if (strcmp(status, "completed") == 0) {
		row->progress = 100;
		row->segments_done = row->segments_total = 40;
		row->completed_at = created + 60;
		row->file_path = xasprintf("/library/%s.mp4", id);
		row->size_bytes = 4000000;
	} else if (strcmp(status, "failed") == 0) {
		row->error_msg = (char *)"HTTP 403 Access denied fetching x";
		row->completed_at = created + 5;
		row->retry_count = 1;
	}
}

int
main(int argc, char **argv)
{
	char line[4096], id[256], status[64], url[2048];
	struct job_row row;
	struct store *st;
	struct err err;
	long long created;
	char *title, *path;
	int n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: httpd-seed DB [--heartbeat] < rows\n");
		return 2;
	}
	if ((st = store_open(argv[1], false, &err)) == NULL) {
		fprintf(stderr, "httpd-seed: %s\n", err.msg);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%255s %63s %lld %2047s", id, status, &created,
		    url) != 4)
			continue;
		fill(&row, id, status, created, url);
		title = row.title;
		path = row.file_path;
		if (store_insert_job(st, &row, &err) != 0 ||
		    store_update_job(st, &row, &err) != 0) {
			fprintf(stderr, "httpd-seed: %s: %s\n", id, err.msg);
			return 1;
		}
		free(title);
		free(path);
		n++;
	}
	if (argc > 2 && strcmp(argv[2], "--heartbeat") == 0 &&
	    (store_heartbeat(st, &err) != 0 ||
	    store_set_meta(st, "bytes_downloaded", "123456", &err) != 0)) {
		fprintf(stderr, "httpd-seed: %s\n", err.msg);
		return 1;
	}
	store_close(st);
	printf("%d\n", n);
	return 0;
}
