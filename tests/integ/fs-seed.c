/* fs-seed - puts jobs into a store through lib/store.c, for the fs tests */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "xmalloc.h"

/*
 * The tests and the benchmark play the spooler with this: the schema stays
 * in lib/store.c alone.
 *
 *   fs-seed DB add ID [KEY=VALUE...]   a new job (status pending unless set)
 *   fs-seed DB set ID KEY=VALUE...     changes a job
 *   fs-seed DB bulk N [PREFIX]         N jobs PREFIX0..PREFIXn-1, all states
 *   fs-seed DB heartbeat [AGE]         the spooler's heartbeat, AGE s ago
 *
 * KEYs: url title status progress done total bytes speed eta size file
 * error name quality created updated retries headers referer
 */

static void
set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = *v != '\0' ? xstrdup(v) : NULL;
}

static int
set_field(struct job_row *r, const char *kv)
{
	const char *v = strchr(kv, '=');
	size_t klen;

	if (v == NULL)
		return -1;
	klen = (size_t)(v++ - kv);
#define IS(k) (strlen(k) == klen && strncmp(kv, k, klen) == 0)
	if (IS("url")) set_str(&r->url, v);
	else if (IS("title")) set_str(&r->title, v);
	else if (IS("status")) {
		if (job_status_parse(v, &r->status) == -1)
			return -1;
	}
	else if (IS("file")) set_str(&r->file_path, v);
	else if (IS("error")) set_str(&r->error_msg, v);
	else if (IS("name")) set_str(&r->job_name, v);
	else if (IS("quality")) set_str(&r->quality, v);
	else if (IS("headers")) set_str(&r->headers_json, v);
	else if (IS("referer")) set_str(&r->referer, v);
	else if (IS("progress")) r->progress = atof(v);
	else if (IS("speed")) r->speed_bps = atof(v);
	else if (IS("done")) r->segments_done = atoll(v);
	else if (IS("total")) r->segments_total = atoll(v);
	else if (IS("bytes")) r->bytes_done = atoll(v);
	else if (IS("eta")) r->eta_s = atoll(v);
	else if (IS("size")) r->size_bytes = atoll(v);
	else if (IS("created")) r->created_at = atoll(v);
	else if (IS("updated")) r->updated_at = atoll(v);
	else if (IS("retries")) r->retry_count = atoi(v);
	else
		return -1;
#undef IS
	return 0;
}

static int
set_fields(struct job_row *r, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (set_field(r, argv[i]) == -1) {
			fprintf(stderr, "fs-seed: bad field '%s'\n", argv[i]);
			return -1;
		}
	return 0;
}

static int
cmd_add(struct store *st, const char *id, int argc, char **argv,
    struct err *err)
{
	struct job_row r;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.id = xstrdup(id);
	r.url = xasprintf("http://127.0.0.1:1/%s/index.m3u8", id);
	r.status = JOB_PENDING;
	r.quality = xstrdup("best");
	r.eta_s = -1;
	if (set_fields(&r, argc, argv) == 0)
		rc = store_insert_job(st, &r, err);
	job_row_free(&r);
	return rc;
}

static int
cmd_set(struct store *st, const char *id, int argc, char **argv,
    struct err *err)
{
	struct job_row r;
	int rc;

	if ((rc = store_get_job(st, id, &r, err)) != 1)
		return rc == 0 ? err_set(err, "no job %s", id) : -1;
	rc = set_fields(&r, argc, argv) == 0 ?
	    store_update_job(st, &r, err) : -1;
	job_row_free(&r);
	return rc;
}

static int
cmd_bulk(struct store *st, long n, const char *prefix, struct err *err)
{
	static const char *const states[] = { "pending", "downloading",
	    "merging", "paused", "completed", "failed", "cancelled" };
	char id[64], name[80], status[32], created[32];
	char *args[4] = { name, status, created, NULL };
	long i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s%ld", prefix, i);
		snprintf(name, sizeof(name), "name=%s-video", id);
		snprintf(status, sizeof(status), "status=%s", states[i % 7]);
		snprintf(created, sizeof(created), "created=%ld", 1700000000 + i);
		if (cmd_add(st, id, 3, args, err) == -1)
			return -1;
	}
	return 0;
}

static int
cmd_heartbeat(struct store *st, long age, struct err *err)
{
	char when[32];

	if (store_heartbeat(st, err) == -1)
		return -1;
	snprintf(when, sizeof(when), "%lld", (long long)(time(NULL) - age));
	return store_set_meta(st, "heartbeat", when, err);
}

int
main(int argc, char **argv)
{
	struct store *st;
	struct err err;
	int rc = -1;

	if (argc < 3) {
		fprintf(stderr, "usage: fs-seed DB add|set|bulk|heartbeat ...\n");
		return 2;
	}
	if ((st = store_open(argv[1], false, &err)) == NULL) {
		fprintf(stderr, "fs-seed: %s\n", err.msg);
		return 1;
	}
	if (strcmp(argv[2], "add") == 0 && argc >= 4)
		rc = cmd_add(st, argv[3], argc - 4, argv + 4, &err);
	else if (strcmp(argv[2], "set") == 0 && argc >= 4)
		rc = cmd_set(st, argv[3], argc - 4, argv + 4, &err);
	else if (strcmp(argv[2], "bulk") == 0 && argc >= 4)
		rc = cmd_bulk(st, atol(argv[3]), argc >= 5 ? argv[4] : "j",
		    &err);
	else if (strcmp(argv[2], "heartbeat") == 0)
		rc = cmd_heartbeat(st, argc >= 4 ? atol(argv[3]) : 0, &err);
	else
		err_set(&err, "unknown command '%s'", argv[2]);
	if (rc == -1)
		fprintf(stderr, "fs-seed: %s\n", err.msg);
	store_close(st);
	return rc == -1;
}
