/* intake - incoming/ to processing/<id>/ (or failed/), and restart recovery */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "guard.h"
#include "job-validate.h"
#include "log.h"
#include "name.h"
#include "spoold.h"
#include "xmalloc.h"

/* An id is taken when the store knows it (any status: ids are forever). */
static bool
id_taken(const char *id, void *arg)
{
	struct spoold *d = arg;
	struct job_row row;
	int rc;

	rc = store_get_job(d->st, id, &row, NULL);
	if (rc == 1)
		job_row_free(&row);
	return rc != 0;	/* an error counts as taken: try the next name */
}

int
intake_read_job(struct spoold *d, const char *id, struct job_spec *job,
    struct err *err)
{
	char *buf;
	size_t len;
	int rc;

	memset(job, 0, sizeof(*job));
	if (spool_read_job(&d->sp, id, d->conf->max_job_file_bytes, &buf, &len,
	    err) == -1)
		return -1;
	rc = job_validate_conf(buf, len, d->conf, job, err);
	free(buf);
	return rc;
}

/* The names of the job's headers as a JSON array: never their values,
 * which stay in processing/<id>/job (0600). */
static char *
headers_json(const struct job_spec *job)
{
	json_t *o = json_array();
	char *s;
	size_t i;

	for (i = 0; i < job->nheaders; i++)
		json_array_append_new(o, json_string(job->headers[i].name));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

void
intake_row_link(struct job_row *row, const struct job_spec *job)
{
	/* As intake records a job: no query, no header value. */
	free(row->url);
	row->url = guard_url_public(job->url);
	free(row->headers_json);
	row->headers_json = headers_json(job);
	free(row->referer);
	row->referer = job->referer != NULL ? guard_url_public(job->referer) :
	    NULL;
}

/*
 * The job's title, safe as a file name: the job's own, else the name the
 * person dropped it as (concert.job: "concert"; not an id the endpoint
 * made), else a name from its URL ("video" when nothing tells).
 */
static char *
job_title(const struct job_spec *job, const char *job_name)
{
	char *t, *s;

	if (job->title != NULL && *job->title != '\0')
		return guard_sanitize_name(job->title, GUARD_TITLE);
	if (job_name != NULL && *job_name != '\0' &&
	    !name_is_generated(job_name))
		return guard_sanitize_name(job_name, GUARD_TITLE);
	t = download_title_from_url(job->url);
	s = guard_sanitize_name(t, GUARD_TITLE);
	free(t);
	return s;
}

/*
 * A job the spooler refuses still shows its URL and title in the row
 * (the API and the tree), when the file was read and parses: only the
 * policy said no. Nothing of a file that was not read (links, devices,
 * oversize) is known, and nothing of it is shown.
 */
static void
refused_fields(struct spoold *d, const char *id, struct job_row *row)
{
	struct job_spec job;
	struct err err;
	char *buf;
	size_t len;

	if (spool_read_job(&d->sp, id, d->conf->max_job_file_bytes, &buf, &len,
	    &err) == -1)
		return;
	if (memchr(buf, '\0', len) == NULL &&
	    job_parse(buf, len, &job, &err) == 0) {
		row_set(&row->url, job.url);
		if (job.title != NULL && *job.title != '\0')
			row_set(&row->title, job.title);
		job_spec_free(&job);
	}
	free(buf);
}

/*
 * Records the claimed job processing/<id>/job: a pending row, or a failed
 * row and the file moved to failed/ with its .error.
 */
static void
admit(struct spoold *d, const char *id, const char *job_name)
{
	struct job_row row, orig;
	struct job_spec job;
	struct err err;
	bool ok, force = false, dup_done = false;

	memset(&row, 0, sizeof(row));
	ok = intake_read_job(d, id, &job, &err) == 0;
	row.id = xstrdup(id);
	row.job_name = xstrdup(job_name);
	row.created_at = time(NULL);
	row.eta_s = -1;
	row.workdir = xasprintf("%s/%s/work", d->sp.processing, id);
	if (ok) {
		/* The row is read by the tree and the API: the stream's URL
		 * without its query, the job's page URLs likewise. */
		row.url = guard_url_public(job.url);
		row.title = job_title(&job, job_name);
		row.folder = job.folder != NULL && *job.folder != '\0' ?
		    xstrdup(job.folder) : NULL;
		row.quality = xstrdup(job.quality);
		row.headers_json = headers_json(&job);
		row.referer = job.referer ? guard_url_public(job.referer) :
		    NULL;
		row.source_page = job.source_page ?
		    guard_url_public(job.source_page) : NULL;
		row.status = JOB_PENDING;
		force = job.force;
		job_spec_free(&job);
	} else {
		row.url = xstrdup("");
		row.title = xstrdup(job_name);
		row.status = JOB_FAILED;
		guard_redact_text(err.msg);
		row.error_msg = xstrdup(err.msg);
		row.error_kind = err.kind != ERR_NONE ? err.kind :
		    ERR_PERMANENT;
		refused_fields(d, id, &row);
	}
	/* The same stream already here: done at once; on its way: wait
	 * attached to that job (dedupe.c). */
	if (ok && !force && dedupe_find(d, row.url, &orig) == 1) {
		if (orig.status == JOB_COMPLETED) {
			dedupe_complete(&row, &orig);
			dup_done = true;
		} else
			row_set(&row.duplicate_of, orig.id);
		job_row_free(&orig);
	}
	/* The trace in failed/ first: whoever sees the row failed finds it. */
	if (!ok && spool_fail(&d->sp, id, row.error_msg, &err) == -1)
		log_warnx("%s: %s", id, err.msg);
	if (store_insert_job(d->st, &row, &err) == -1) {
		/* processing/<id>/ stays: admitted again at the next tick
		 * (intake_readmit), not only at the next start. */
		log_event(LOG_ERROR, "failed", id, "cannot record the job "
		    "yet: %s", err.msg);
		d->readmit = true;
	}
	else
		log_event(LOG_INFO, "claimed", id, "%s%s", job_name,
		    ok ? "" : " (refused)");
	if (!ok)
		log_event(LOG_WARN, "failed", id, "%s", row.error_msg);
	if (row.duplicate_of != NULL)
		log_event(LOG_INFO, "duplicate", id, "%s %s", dup_done ?
		    "already downloaded by" : "attached to", row.duplicate_of);
	if (dup_done) {
		spool_remove_job_dir(&d->sp, id, NULL);
		log_event(LOG_INFO, "completed", id, "duplicate of %s: %s",
		    row.duplicate_of, row.file_path);
	}
	job_row_free(&row);
}

void
intake_name(struct spoold *d, const char *name)
{
	struct err err;
	char *id, *job_name;
	int rc;

	if (!spool_is_job_name(name))
		return;
	rc = spool_claim(&d->sp, name, id_taken, d, &id, &err);
	if (rc == 0)
		return;		/* gone: another claimer (or a rename) won */
	if (rc == -1) {
		log_warnx("%s: %s", name, err.msg);
		return;
	}
	/* The name the person dropped, without .job, to find it again. */
	job_name = spool_name_stem(name, GUARD_TITLE);
	admit(d, id, job_name);
	free(job_name);
	free(id);
	runner_schedule(d);
}

/* Calls fn for each entry of the directory dirfd (a scan). */
static void
each_entry(int dirfd, void (*fn)(struct spoold *, const char *,
    const struct stat *), struct spoold *d)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd;

	if ((fd = dup(dirfd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		log_warn("scanning the spool");
		if (fd != -1)
			close(fd);
		return;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			fn(d, de->d_name, &st);
	}
	closedir(dir);
}

static void
scan_incoming_one(struct spoold *d, const char *name, const struct stat *st)
{
	int64_t age_ms;

	if (!spool_is_job_name(name))
		return;
	/* mtime is wall time, so is its age. */
	age_ms = clock_wall_ms() - ((int64_t)st->st_mtim.tv_sec * 1000 +
	    st->st_mtim.tv_nsec / 1000000);
	/* A regular file this fresh may still be in writing: its
	 * IN_CLOSE_WRITE will come, or the next (early) scan takes it. */
	if (S_ISREG(st->st_mode) && age_ms < SPOOLD_YOUNG_MS) {
		int64_t soon = clock_ms() + SPOOLD_YOUNG_MS;
		if (soon < d->next_scan_ms)
			d->next_scan_ms = soon;
		return;
	}
	intake_name(d, name);
}

void
intake_scan_incoming(struct spoold *d)
{
	each_entry(d->sp.incoming_fd, scan_incoming_one, d);
}

static void
scan_control_one(struct spoold *d, const char *name, const struct stat *st)
{
	control_name(d, name);
}

void
intake_scan_control(struct spoold *d)
{
	each_entry(d->sp.control_fd, scan_control_one, d);
}

/* The row's file is a regular, non-empty file of the size it recorded. */
static bool
video_in_place(const struct job_row *row)
{
	struct stat st;

	return row->file_path != NULL && lstat(row->file_path, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (row->size_bytes <= 0 || st.st_size == row->size_bytes);
}

/* A processing/<id>/ directory: adopt it if the store lost it. */
static void
recover_dir(struct spoold *d, const char *id, const struct stat *st)
{
	struct job_row row;
	struct err err;
	int rc;

	if (!S_ISDIR(st->st_mode))
		return;
	rc = store_get_job(d->st, id, &row, &err);
	if (rc == -1) {
		log_warnx("%s: %s", id, err.msg);
		return;
	}
	if (rc == 1) {
		/* Finished, but killed before its directory was cleaned. The
		 * row alone is not trusted: its video must be there, whole. */
		if (row.status == JOB_COMPLETED && !video_in_place(&row)) {
			log_event(LOG_WARN, "recovered", id, "the row said "
			    "completed but %s is not the video: finishing the job "
			    "again", row.file_path ? row.file_path : "(no file)");
			row.status = JOB_MERGING;
			row.completed_at = 0;
			row_save(d, &row);
		} else if (row.status == JOB_COMPLETED)
			spool_remove_job_dir(&d->sp, id, NULL);
		else if (job_status_finished(row.status))
			spool_fail(&d->sp, id, row.error_msg ? row.error_msg :
			    job_status_name(row.status), NULL);
		job_row_free(&row);
		return;
	}
	if (!spool_has_job_file(&d->sp, id)) {
		/* Killed between mkdir and the claim's rename: nothing here. */
		spool_remove_job_dir(&d->sp, id, NULL);
		return;
	}
	/* Killed between the claim and the row: admit it now. */
	admit(d, id, id);
}

/* A processing/<id>/ with its job file and no row yet: admit it. */
static void
readmit_dir(struct spoold *d, const char *id, const struct stat *st)
{
	struct job_row row;
	int rc;

	if (!S_ISDIR(st->st_mode))
		return;
	rc = store_get_job(d->st, id, &row, NULL);
	if (rc == 1)
		job_row_free(&row);
	else if (rc == 0 && spool_has_job_file(&d->sp, id))
		admit(d, id, id);
	else if (rc == -1)
		d->readmit = true;	/* still busy: next tick */
}

void
intake_readmit(struct spoold *d)
{
	each_entry(d->sp.processing_fd, readmit_dir, d);
	runner_schedule(d);
}

struct idlist {
	char **ids;
	size_t n, cap;
};

/* Collects ids first: the store is written only after the SELECT ends. */
static int
collect_lost(const struct job_row *row, void *arg)
{
	struct idlist *l = arg;

	l->ids = xgrow(l->ids, &l->cap, l->n, sizeof(*l->ids));
	l->ids[l->n++] = xstrdup(row->id);
	return 0;
}

void
intake_recover(struct spoold *d)
{
	struct idlist l = { NULL, 0, 0 };
	struct job_row row;
	struct err err;
	size_t i;

	d->settle = true;	/* attached jobs whose original ended meanwhile */
	each_entry(d->sp.processing_fd, recover_dir, d);
	if (store_list_unfinished(d->st, collect_lost, &l, &err) == -1)
		log_warnx("recovering jobs: %s", err.msg);
	for (i = 0; i < l.n; i++) {
		if (!spool_has_job_file(&d->sp, l.ids[i]) &&
		    store_get_job(d->st, l.ids[i], &row, &err) == 1) {
			runner_fail(d, &row, ERR_PERMANENT,
			    "the job's files in processing/ "
			    "vanished while the spooler was down");
			job_row_free(&row);
		}
		free(l.ids[i]);
	}
	free(l.ids);
}
