/* dedupe - the same stream is downloaded once */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "spoold.h"
#include "xmalloc.h"

/*
 * A stream's identity is its URL's public form (guard_url_public: scheme,
 * host, path; the query's tokens set aside), which is what the row's url
 * holds. A job for a stream already in the library ends at once as
 * completed, pointing at that video (duplicate_of); one for a stream on
 * its way waits attached to that job (pending, duplicate_of set, never
 * scheduled) and ends with it. "force": true skips all this.
 */

static bool
video_exists(const char *path)
{
	struct stat st;

	return path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0;
}

struct find {
	struct job_row *orig;
	bool found;
};

static int
pick(const struct job_row *row, void *arg)
{
	struct find *f = arg;

	/* A live recording is never another's: each is its own moment. */
	if (row->live)
		return 0;
	if (job_status_unfinished(row->status) ||
	    (row->status == JOB_COMPLETED && video_exists(row->file_path))) {
		*f->orig = *row;	/* taken over */
		memset((struct job_row *)row, 0, sizeof(*row));
		f->found = true;
		return 1;
	}
	return 0;
}

int
dedupe_find(struct spoold *d, const char *url, struct job_row *orig)
{
	struct find f = { orig, false };
	struct err err;

	if (url == NULL || *url == '\0')
		return 0;
	if (store_list_by_url(d->st, url, pick, &f, &err) == -1) {
		log_warnx("finding duplicates: %s", err.msg);
		return -1;
	}
	return f.found ? 1 : 0;
}

void
dedupe_complete(struct job_row *row, const struct job_row *orig)
{
	time_t now = time(NULL);

	row->status = JOB_COMPLETED;
	row_set(&row->duplicate_of, orig->id);
	row_set(&row->file_path, orig->file_path);
	row_set(&row->resolution, orig->resolution);
	row_set(&row->error_msg, NULL);
	row->duration = orig->duration;
	row->gap_seconds = orig->gap_seconds;	/* the same video, same hole */
	row->size_bytes = orig->size_bytes;
	row->segments_total = orig->segments_total;
	row->segments_done = orig->segments_done;
	row->bytes_done = 0;
	row->progress = 100;
	row->speed_bps = 0;
	row->eta_s = 0;
	if (row->started_at == 0)
		row->started_at = now;
	row->completed_at = now;
}

struct attached {
	char **ids;
	size_t n, cap;
};

static int
collect(const struct job_row *row, void *arg)
{
	struct attached *a = arg;

	if (row->duplicate_of == NULL)
		return 0;
	a->ids = xgrow(a->ids, &a->cap, a->n, sizeof(*a->ids));
	a->ids[a->n++] = xstrdup(row->id);
	return 0;
}

/* One attached row: ended with its original, or set free. */
static void
settle_one(struct spoold *d, const char *id)
{
	struct job_row row, orig;
	struct err err;
	int rc;

	if (store_get_job(d->st, id, &row, &err) != 1)
		return;
	rc = store_get_job(d->st, row.duplicate_of, &orig, &err);
	if (rc == -1) {
		job_row_free(&row);
		return;
	}
	if (rc == 1 && job_status_unfinished(orig.status) && !orig.live)
		goto out;	/* still on its way: keep waiting */
	if (rc == 1 && orig.status == JOB_COMPLETED && !orig.live &&
	    video_exists(orig.file_path)) {
		dedupe_complete(&row, &orig);
		row_save(d, &row);
		spool_remove_job_dir(&d->sp, row.id, NULL);
		log_event(LOG_INFO, "completed", row.id, "duplicate of %s: %s",
		    orig.id, orig.file_path);
	} else {
		/* The original failed, was cancelled or lost its video:
		 * this job downloads the stream itself. */
		log_event(LOG_INFO, "detached", row.id, "%s %s %s: "
		    "downloading on its own", row.duplicate_of, rc == 1 &&
		    orig.live ? "is" : "ended", rc != 1 ? "unknown" :
		    orig.live ? "a live recording" :
		    job_status_name(orig.status));
		row_set(&row.duplicate_of, NULL);
		row_save(d, &row);
	}
out:
	if (rc == 1)
		job_row_free(&orig);
	job_row_free(&row);
}

void
dedupe_settle(struct spoold *d)
{
	struct attached a = { NULL, 0, 0 };
	struct err err;
	size_t i;

	d->settle = false;
	/* Ids first: the store is written only after the SELECT ends. */
	if (store_list_unfinished(d->st, collect, &a, &err) == -1)
		log_warnx("attached jobs: %s", err.msg);
	for (i = 0; i < a.n; i++) {
		settle_one(d, a.ids[i]);
		free(a.ids[i]);
	}
	free(a.ids);
}
