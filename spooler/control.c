/* control - the spooler's side of control/ requests (lib/control.h) */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bandwidth.h"
#include "control.h"
#include "file.h"
#include "job-validate.h"
#include "log.h"
#include "spoold.h"
#include "url.h"
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

/* processing/<id>/<file> replaced by job (0600: it holds cookies). */
static int
write_job(struct spoold *d, const char *id, const char *file,
    const struct job_spec *job, struct err *err)
{
	char *text = job_encode(job);
	char *dir = xasprintf("%s/%s", d->sp.processing, id);
	int fd, rc;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc = fd == -1 ? err_errno(err, "%s", dir) :
	    file_write_atomic(fd, file, text, strlen(text), 0600, FILE_SYNC,
	    err);
	if (fd != -1)
		close(fd);
	free(dir);
	free(text);
	return rc;
}

/*
 * A job file rebuilt from the row, when failed/ no longer holds one. The
 * row keeps no header value (only the names; the values were in the job
 * file), so the rebuilt job carries none.
 */
static int
rewrite_job(struct spoold *d, const struct job_row *row, struct err *err)
{
	struct job_spec job;

	if (row->url == NULL || *row->url == '\0')
		return err_set(err, "no job file in failed/ and no url known");
	memset(&job, 0, sizeof(job));
	job.url = row->url;
	job.title = row->title;
	job.quality = row->quality;
	job.referer = row->referer;
	job.source_page = row->source_page;
	return write_job(d, row->id, "job", &job, err);
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

static void
do_pause(struct spoold *d, struct job_row *row)
{
	if (row->status == JOB_SUSPENDED || !job_status_unfinished(row->status))
		log_event(LOG_INFO, "control", row->id, "pause: the job is "
		    "already %s", job_status_name(row->status));
	else if (!runner_suspend(d, row))
		log_event(LOG_INFO, "control", row->id, "pause: the job is "
		    "merging; it finishes in a moment");
}

static void
do_resume(struct spoold *d, struct job_row *row)
{
	if (row->status != JOB_SUSPENDED) {
		log_event(LOG_INFO, "control", row->id, "resume: the job is %s, "
		    "not paused", job_status_name(row->status));
		return;
	}
	row->status = JOB_PENDING;
	row_save(d, row);
	log_event(LOG_INFO, "resumed", row->id, "resumed by request");
	runner_schedule(d);
}

/* Is `path` a regular file (not a link) inside library_dir? */
static bool
library_file(struct spoold *d, const char *path)
{
	char lib[PATH_MAX], dir[PATH_MAX], *copy, *slash;
	struct stat st;
	bool ok = false;
	size_t n;

	if (path == NULL || path[0] != '/' || lstat(path, &st) != 0 ||
	    !S_ISREG(st.st_mode) || realpath(d->conf->library_dir, lib) == NULL)
		return false;
	copy = xstrdup(path);
	slash = strrchr(copy, '/');
	*slash = '\0';
	if (realpath(copy[0] != '\0' ? copy : "/", dir) != NULL) {
		n = strlen(lib);
		ok = strncmp(dir, lib, n) == 0 && (dir[n] == '\0' ||
		    dir[n] == '/');
	}
	free(copy);
	return ok;
}

/*
 * remove / remove-file: a finished job leaves the history. Its traces go
 * (processing/<id>/, failed/<id>.job and .error), then the row; with
 * remove-file its video too, when the row's file is a regular file in the
 * library (never a link, never anything outside it).
 */
static void
do_remove(struct spoold *d, struct job_row *row, bool with_file)
{
	char *job = xasprintf("%s.job", row->id);
	char *error = xasprintf("%s.error", row->id);
	struct err err;

	if (!job_status_finished(row->status)) {
		log_event(LOG_INFO, "control", row->id, "remove: the job is %s; "
		    "cancel it first", job_status_name(row->status));
		goto out;
	}
	if (with_file && row->file_path != NULL) {
		if (library_file(d, row->file_path) &&
		    unlink(row->file_path) == 0)
			log_event(LOG_INFO, "removed", row->id, "deleted %s",
			    row->file_path);
		else
			log_event(LOG_WARN, "control", row->id, "remove-file: "
			    "%s is not a video in the library; kept",
			    row->file_path);
	}
	spool_remove_job_dir(&d->sp, row->id, NULL);
	unlinkat(d->sp.failed_fd, job, 0);
	unlinkat(d->sp.failed_fd, error, 0);
	if (store_delete_job(d->st, row->id, &err) < 0)
		log_event(LOG_ERROR, "store", row->id, "%s", err.msg);
	else
		log_event(LOG_INFO, "removed", row->id, "removed from history");
out:
	free(job);
	free(error);
}

/* --- the owner's bandwidth limit and schedule ------------------------ */

#define SETTINGS_MAX	(16 * 1024)
#define SETTINGS_STATE	"settings.json"

void
control_apply_budget(struct spoold *d)
{
	int64_t now = bw_limit_now(&d->bw);
	char rate[32];

	if (now == fetcher_get_rate(d->fetcher))
		return;
	fetcher_set_rate(d->fetcher, now);
	bw_format_rate(now, rate, sizeof(rate));
	log_event(LOG_INFO, "bandwidth", NULL, "budget now %s%s", rate,
	    now > 0 ? "/s for every download together" : "");
}

void
control_load_settings(struct spoold *d)
{
	struct err err;
	char *text;
	size_t len;

	d->bw = d->conf->bandwidth;
	if (file_read_bounded(d->sp.state_fd, SETTINGS_STATE, SETTINGS_MAX,
	    &text, &len, &err) != 0)
		return;	/* none yet: the config file's keys */
	if (bw_from_json(text, len, &d->bw, &err) != 0) {
		log_event(LOG_WARN, "settings", NULL, "%s/%s: %s (using the "
		    "config file's)", d->sp.state, SETTINGS_STATE, err.msg);
		d->bw = d->conf->bandwidth;
	}
	free(text);
}

/* control/settings: checked, applied at once, kept in state/. */
static void
do_settings(struct spoold *d)
{
	struct bw_settings bw;
	struct err err;
	char *text = NULL, *out;
	size_t len;

	if (file_read_bounded(d->sp.control_fd, CONTROL_SETTINGS, SETTINGS_MAX,
	    &text, &len, &err) != 0 || bw_from_json(text, len, &bw,
	    &err) != 0) {
		log_event(LOG_WARN, "settings", NULL, "control/%s: %s",
		    CONTROL_SETTINGS, err.msg);
		goto out;
	}
	out = bw_to_json(&bw);
	if (file_write_atomic(d->sp.state_fd, SETTINGS_STATE, out, strlen(out),
	    0644, FILE_SYNC, &err) != 0)
		log_event(LOG_WARN, "settings", NULL, "%s", err.msg);
	free(out);
	d->bw = bw;
	log_event(LOG_INFO, "settings", NULL, "bandwidth and schedule "
	    "changed");
	control_apply_budget(d);
out:
	free(text);
	unlinkat(d->sp.control_fd, CONTROL_SETTINGS, 0);
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

/* Moves the link of `from` (url, headers, referer) into `to`. */
static void
take_link(struct job_spec *to, struct job_spec *from)
{
	size_t i;

	for (i = 0; i < to->nheaders; i++) {
		free(to->headers[i].name);
		free(to->headers[i].value);
	}
	memcpy(to->headers, from->headers, sizeof(to->headers));
	to->nheaders = from->nheaders;
	from->nheaders = 0;
	free(to->url);
	to->url = from->url;
	from->url = NULL;
	free(to->referer);
	to->referer = from->referer;
	from->referer = NULL;
}

/*
 * control/<id>.refresh: its content is a job JSON with a fresh link of the
 * job's stream. The job file takes the new url, headers and referer
 * (everything else stays), the row too, and the job resumes on its work
 * directory: a waiting job goes pending, a running one restarts. Same
 * scheme, host and path is the same stream. A link with another path is
 * tried: the last accepted job file is kept as job.prev, the download
 * compares the new playlists' segments with the kept ones (fresh_link),
 * and either takes it (job.prev goes) or fails "not the same stream",
 * and the job waits again on its previous link (runner.c).
 */
static void
do_refresh(struct spoold *d, struct job_row *row, const char *name)
{
	struct job_spec fresh, job;
	struct err err;
	char *buf = NULL, *shown = NULL;
	size_t len;

	memset(&fresh, 0, sizeof(fresh));
	memset(&job, 0, sizeof(job));
	if (!job_status_unfinished(row->status)) {
		log_event(LOG_INFO, "control", row->id, "refresh: the job is "
		    "already %s", job_status_name(row->status));
		goto out;
	}
	if (file_read_bounded(d->sp.control_fd, name, CONTROL_MAX_DATA, &buf,
	    &len, &err) == -1 ||
	    job_validate(buf, len, d->conf->allow_private_targets, &fresh,
	    &err) == -1 || intake_read_job(d, row->id, &job, &err) == -1) {
		log_event(LOG_WARN, "control", row->id, "refresh: %s", err.msg);
		goto out;
	}
	shown = url_without_query(fresh.url);
	if (url_same_stream(job.url, fresh.url))
		runner_link_accepted(d, row->id);
	else {
		log_event(LOG_INFO, "control", row->id, "refresh: %s is "
		    "another path; its segments decide", shown);
		if (!runner_has_prev_link(d, row->id) &&
		    write_job(d, row->id, RUNNER_PREV_JOB, &job, &err) == -1) {
			log_event(LOG_WARN, "control", row->id, "refresh: %s",
			    err.msg);
			goto out;
		}
	}
	take_link(&job, &fresh);
	if (write_job(d, row->id, "job", &job, &err) == -1) {
		log_event(LOG_WARN, "control", row->id, "refresh: %s", err.msg);
		goto out;
	}
	intake_row_link(row, &job);
	if (row->status == JOB_WAITING) {
		row->status = JOB_PENDING;
		row_set(&row->error_msg, NULL);
	}
	row_save(d, row);
	log_event(LOG_INFO, "refreshed", row->id, "fresh link %s", shown);
	if (!runner_restart(d, row->id))
		runner_schedule(d);
out:
	free(shown);
	free(buf);
	job_spec_free(&fresh);
	job_spec_free(&job);
}

void
control_name(struct spoold *d, const char *name)
{
	enum control_word w;
	struct job_row row;
	struct err err;
	char *id;
	int rc;

	if (strcmp(name, CONTROL_SETTINGS) == 0) {
		do_settings(d);
		return;
	}
	if ((rc = control_parse(name, &w, &id)) == 0)
		return;
	if (rc == 1 && !control_plain(d, name, id))
		;	/* refused, logged; the name goes below */
	else if (rc == -1)
		log_event(LOG_WARN, "control", NULL, "%s: not a job id", name);
	else if (!control_word_supported(w) && w != CONTROL_REFRESH)
		log_event(LOG_WARN, "control", id, "%s: %s is not supported yet",
		    name, control_word_name(w));
	else if ((rc = store_get_job(d->st, id, &row, &err)) == 1) {
		switch (w) {
		case CONTROL_CANCEL: do_cancel(d, &row); break;
		case CONTROL_REFRESH: do_refresh(d, &row, name); break;
		case CONTROL_PAUSE: do_pause(d, &row); break;
		case CONTROL_RESUME: do_resume(d, &row); break;
		case CONTROL_REMOVE: do_remove(d, &row, false); break;
		case CONTROL_REMOVE_FILE: do_remove(d, &row, true); break;
		default: do_retry(d, &row); break;
		}
		job_row_free(&row);
	} else
		log_event(LOG_WARN, "control", id, "%s: %s", name,
		    rc == 0 ? "no such job" : err.msg);
	/* Consumed after handling: a crash in between repeats the request,
	 * and every request is harmless to repeat. */
	unlinkat(d->sp.control_fd, name, 0);
	free(id);
}
