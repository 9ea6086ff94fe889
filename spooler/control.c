/* control - the spooler's side of control/ requests (lib/control.h) */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "control.h"
#include "file.h"
#include "log.h"
#include "spoold.h"
#include "xmalloc.h"

static void
do_cancel(struct spoold *d, struct job_row *row)
{
	if (runner_cancel(d, row->id))
		log_event(LOG_INFO, "cancelling", row->id, "stopping the "
		    "download");
	else if (job_status_unfinished(row->status))
		runner_finish_cancelled(d, row);
	else
		log_event(LOG_INFO, "control", row->id, "cancel: the job is "
		    "already %s", job_status_name(row->status));
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

	if (!job_status_retryable(row->status)) {
		log_event(LOG_INFO, "control", row->id, "retry: the job is %s, "
		    "nothing to retry", job_status_name(row->status));
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
	row->status = JOB_PENDING;
	row_set(&row->error_msg, NULL);
	row->error_kind = ERR_NONE;
	row_set(&row->file_path, NULL);
	row->retry_count++;
	row->progress = 0;
	row->segments_done = 0;
	row->speed_bps = 0;
	row->eta_s = -1;
	row->completed_at = 0;
	row->started_at = 0;	/* the retry is a new attempt: its own duration */
	row_save(d, row);
	log_event(LOG_INFO, "retried", row->id, "retry %d", row->retry_count);
	runner_schedule(d);
}

/*
 * The name is the request and the content is never read; still, a
 * request that is another name of some file (a hard link) or no regular
 * file at all is refused, logged, and its name removed.
 */
static bool
control_plain(struct spoold *d, const char *name, const char *id)
{
	struct stat st;

	if (fstatat(d->sp.control_fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return false;		/* gone meanwhile */
	if (S_ISREG(st.st_mode) && st.st_nlink == 1)
		return true;
	log_event(LOG_WARN, "control", id, "%s: refused: %s; removed unread",
	    name, S_ISREG(st.st_mode) ? "a file with other names (hard links)" :
	    "not a regular file");
	return false;
}

void
control_name(struct spoold *d, const char *name)
{
	enum control_word w;
	struct job_row row;
	struct err err;
	char *id;
	int rc;

	if ((rc = control_parse(name, &w, &id)) == 0)
		return;
	if (rc == 1 && !control_plain(d, name, id))
		;	/* refused, logged; the name goes below */
	else if (rc == -1)
		log_event(LOG_WARN, "control", NULL, "%s: not a job id", name);
	else if (!control_word_supported(w))
		log_event(LOG_WARN, "control", id, "%s: %s is not supported yet",
		    name, control_word_name(w));
	else if ((rc = store_get_job(d->st, id, &row, &err)) == 1) {
		if (w == CONTROL_CANCEL)
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
