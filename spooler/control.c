/* control - control/<id>.cancel and control/<id>.retry requests */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "file.h"
#include "log.h"
#include "spoold.h"
#include "xmalloc.h"

static bool
is_status(const struct job_row *row, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(row->status, *set) == 0)
			return true;
	return false;
}

static const char *const unfinished[] = { "pending", "downloading",
    "merging", "paused", NULL };
static const char *const retryable[] = { "failed", "cancelled", NULL };

static void
do_cancel(struct spoold *d, struct job_row *row)
{
	if (runner_cancel(d, row->id))
		log_event(LOG_INFO, "cancelling", row->id, "stopping the "
		    "download");
	else if (is_status(row, unfinished))
		runner_finish_cancelled(d, row);
	else
		log_event(LOG_INFO, "control", row->id, "cancel: the job is "
		    "already %s", row->status);
}

/* A job file rebuilt from the row, when failed/ no longer holds one. */
static int
rewrite_job(struct spoold *d, const struct job_row *row, struct err *err)
{
	struct job_spec job;
	json_t *h = NULL, *v;
	const char *k;
	char *text, *dir;
	int fd, rc;

	if (row->url == NULL || *row->url == '\0')
		return err_set(err, "no job file in failed/ and no url known");
	memset(&job, 0, sizeof(job));
	job.url = row->url;
	job.title = row->title;
	job.quality = row->quality;
	job.referer = row->referer;
	job.source_page = row->source_page;
	if (row->headers_json != NULL &&
	    (h = json_loads(row->headers_json, 0, NULL)) != NULL)
		json_object_foreach(h, k, v) {
			if (job.nheaders == JOB_MAX_HEADERS ||
			    !json_is_string(v))
				break;
			job.headers[job.nheaders].name = (char *)k;
			job.headers[job.nheaders++].value =
			    (char *)json_string_value(v);
		}
	text = job_encode(&job);
	json_decref(h);
	dir = xasprintf("%s/%s", d->sp.processing, row->id);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc = fd == -1 ? err_errno(err, "%s", dir) :
	    file_write_atomic(fd, "job", text, strlen(text), 0644, FILE_SYNC,
	    err);
	if (fd != -1)
		close(fd);
	free(dir);
	free(text);
	return rc;
}

static void
do_retry(struct spoold *d, struct job_row *row)
{
	struct err err;
	int rc;

	if (!is_status(row, retryable)) {
		log_event(LOG_INFO, "control", row->id, "retry: the job is %s, "
		    "nothing to retry", row->status);
		return;
	}
	rc = spool_requeue(&d->sp, row->id, &err);
	if (rc == 0)
		rc = rewrite_job(d, row, &err);
	if (rc == -1) {
		spool_remove_job_dir(&d->sp, row->id, NULL);
		log_event(LOG_WARN, "control", row->id, "retry: %s", err.msg);
		return;
	}
	row_set(&row->status, "pending");
	row_set(&row->error_msg, NULL);
	row_set(&row->file_path, NULL);
	row->retry_count++;
	row->progress = 0;
	row->segments_done = 0;
	row->speed_bps = 0;
	row->eta_s = -1;
	row->completed_at = 0;
	row_save(d, row);
	log_event(LOG_INFO, "retried", row->id, "retry %d", row->retry_count);
	runner_schedule(d);
}

void
control_name(struct spoold *d, const char *name)
{
	enum spool_ctl op;
	struct job_row row;
	struct err err;
	char *id;
	int rc;

	if ((op = spool_parse_control(name, &id)) == SPOOL_CTL_NONE)
		return;
	rc = store_get_job(d->st, id, &row, &err);
	if (rc == 1) {
		if (op == SPOOL_CTL_CANCEL)
			do_cancel(d, &row);
		else
			do_retry(d, &row);
		job_row_free(&row);
	} else
		log_event(LOG_WARN, "control", id, "%s: %s", name,
		    rc == 0 ? "no such job" : err.msg);
	/* Consumed after handling: a crash in between repeats the request,
	 * and both requests are harmless to repeat. */
	unlinkat(d->sp.control_fd, name, 0);
	free(id);
}
