/* runner - store rows to downloads to videos in the library */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spoold.h"
#include "url.h"
#include "xmalloc.h"

#define MAX_NAME_SUFFIX 1000	/* "Title (2).mp4" ... */

/* One running download and everything its options point at. */
struct run {
	struct run *next;
	struct job_row row;
	struct job_spec job;
	struct download *dl;
	char **headers;		/* "Name: value", NULL-terminated */
	char *workdir, *output;
	enum download_state state;
	bool cancelling;
	bool restarting;	/* stopped for a fresh link: pending again */
};

void
row_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

void
row_save(struct spoold *d, struct job_row *row)
{
	struct err err;

	if (store_update_job(d->st, row, &err) == -1)
		log_event(LOG_ERROR, "store", row->id, "%s", err.msg);
}

static void
run_free(struct run *r)
{
	if (r->dl != NULL)
		download_free(r->dl);
	job_header_lines_free(r->headers);
	free(r->workdir);
	free(r->output);
	job_spec_free(&r->job);
	job_row_free(&r->row);
	free(r);
}

static void
run_unlink(struct spoold *d, struct run *r)
{
	struct run **p;

	for (p = &d->runs; *p != NULL; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			d->nruns--;
			return;
		}
}

static struct run *
run_find(struct spoold *d, const char *id)
{
	struct run *r;

	for (r = d->runs; r != NULL; r = r->next)
		if (strcmp(r->row.id, id) == 0)
			return r;
	return NULL;
}

/* The hidden name the download writes its result under, in the library:
 * same filesystem as the final name, so placing it is one rename. */
static char *
hidden_output(struct spoold *d, const char *id)
{
	return xasprintf("%s/.m3u8nas-%s.mp4", d->conf->library_dir, id);
}

/* Drops an empty placeholder the row reserved (failed or cancelled). */
static void
drop_placeholder(struct job_row *row)
{
	struct stat st;

	if (row->file_path != NULL && lstat(row->file_path, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == 0)
		unlink(row->file_path);
	row_set(&row->file_path, NULL);
}

void
runner_fail(struct spoold *d, struct job_row *row, const char *reason)
{
	struct err err;
	char *out = hidden_output(d, row->id);
	/* A copy (reason may point into row), without URL queries: tokens
	 * and signatures stay out of the row, failed/ and the log. */
	char *why = url_redact_queries(reason);

	row->status = JOB_FAILED;
	row_set(&row->error_msg, why);
	drop_placeholder(row);
	row->speed_bps = 0;
	row->eta_s = -1;
	unlink(out);
	/* The trace in failed/ first: whoever sees the row failed finds it. */
	if (spool_fail(&d->sp, row->id, why, &err) == -1)
		log_warnx("%s: %s", row->id, err.msg);
	row_save(d, row);
	log_event(LOG_WARN, "failed", row->id, "%s", why);
	free(why);
	free(out);
}

void
runner_finish_cancelled(struct spoold *d, struct job_row *row)
{
	struct err err;
	char *out = hidden_output(d, row->id);

	row->status = JOB_CANCELLED;
	row_set(&row->error_msg, "cancelled by request");
	drop_placeholder(row);
	row->speed_bps = 0;
	row->eta_s = -1;
	unlink(out);
	/* The job file is kept in failed/ (with "cancelled by request" as its
	 * .error) so that a retry can put it back; the workdir goes. Before
	 * the row, as in runner_fail: whoever sees it cancelled finds that. */
	if (spool_fail(&d->sp, row->id, "cancelled by request", &err) == -1)
		log_warnx("%s: %s", row->id, err.msg);
	row_save(d, row);
	log_event(LOG_INFO, "cancelled", row->id, "cancelled by request");
	free(out);
}

/*
 * Reserves "<title>.mp4" (or "<title> (N).mp4") in the library with an
 * empty file made O_EXCL, and records it in the row before the video is
 * renamed over it. After a kill at any point the restarted job knows its
 * name: an empty file is its own placeholder, a full one means the video
 * is already in place. So a name is never taken twice and never
 * overwritten.
 */
static char *
reserve_name(struct spoold *d, const char *title, struct err *err)
{
	char *name, *path = NULL;
	int libfd, fd, k;

	libfd = open(d->conf->library_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (libfd == -1) {
		err_errno(err, "%s", d->conf->library_dir);
		return NULL;
	}
	for (k = 1; k <= MAX_NAME_SUFFIX && path == NULL; k++) {
		name = k == 1 ? xasprintf("%s.mp4", title) :
		    xasprintf("%s (%d).mp4", title, k);
		fd = openat(libfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd != -1) {
			close(fd);
			path = xasprintf("%s/%s", d->conf->library_dir, name);
		} else if (errno != EEXIST) {
			err_errno(err, "cannot create %s in %s", name,
			    d->conf->library_dir);
			free(name);
			break;
		}
		free(name);
	}
	if (path == NULL && k > MAX_NAME_SUFFIX)
		err_set(err, "no free name for %s in %s", title,
		    d->conf->library_dir);
	close(libfd);
	return path;
}

/* The row's reserved name holds the video (renamed there before a kill). */
static bool
already_placed(const struct job_row *row, const char *hidden)
{
	struct stat st;

	return row->file_path != NULL && lstat(row->file_path, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size > 0 && access(hidden, F_OK) == -1;
}

static int
place_output(struct spoold *d, struct run *r, struct err *err)
{
	struct stat st;
	char *path;

	if (r->row.file_path == NULL || lstat(r->row.file_path, &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_size != 0) {
		if ((path = reserve_name(d, r->row.title, err)) == NULL)
			return -1;
		row_set(&r->row.file_path, path);
		free(path);
		row_save(d, &r->row);
	}
	if (rename(r->output, r->row.file_path) == -1)
		return err_errno(err, "cannot move the video to %s",
		    r->row.file_path);
	return 0;
}

static void
mark_completed(struct spoold *d, struct job_row *row)
{
	struct stat st;

	row->status = JOB_COMPLETED;
	row->progress = 100;
	row->speed_bps = 0;
	row->eta_s = 0;
	row->completed_at = time(NULL);
	if (stat(row->file_path, &st) == 0)
		row->size_bytes = st.st_size;
	row_save(d, row);
	spool_remove_job_dir(&d->sp, row->id, NULL);
	log_event(LOG_INFO, "completed", row->id, "%s (%lld bytes)",
	    row->file_path, (long long)row->size_bytes);
}

/* Starts the download of row (taken over: the caller's copy is zeroed). */
static void
run_start(struct spoold *d, struct job_row *row)
{
	struct download_opts o;
	struct run *r;
	struct err err;
	char *log_url;

	r = xcalloc(1, sizeof(*r));
	r->row = *row;
	memset(row, 0, sizeof(*row));
	r->output = hidden_output(d, r->row.id);
	if (already_placed(&r->row, r->output)) {
		/* Killed after the video moved, before the row said so. */
		mark_completed(d, &r->row);
		run_free(r);
		return;
	}
	if (intake_read_job(d, r->row.id, &r->job, &err) == -1 ||
	    (r->workdir = spool_workdir(&d->sp, r->row.id, &err)) == NULL)
		goto fail;
	r->headers = job_header_lines(&r->job);
	memset(&o, 0, sizeof(o));
	o.url = r->job.url;
	o.quality = r->job.quality;
	o.headers = (const char *const *)r->headers;
	o.workdir = r->workdir;
	o.output = r->output;
	o.concurrency = d->conf->segment_concurrency;
	o.live_max_seconds = d->conf->live_max_seconds;
	o.min_free_bytes = d->conf->min_free_bytes;
	o.lossy = d->conf->lossy_skip_segments;
	/* A link of another path, from a refresh: its segments must be the
	 * kept ones. (A new query alone resumes or starts over.) */
	o.fresh_link = runner_has_prev_link(d, r->row.id);
	if ((r->dl = download_new(d->fetcher, &o, &err)) == NULL)
		goto fail;
	log_url = url_without_query(r->job.url);
	if (log_url == NULL)
		log_url = xstrdup("(unparsable URL)");
	r->state = DL_STARTING;
	r->row.status = JOB_DOWNLOADING;
	row_set(&r->row.error_msg, NULL);
	if (r->row.started_at == 0)
		r->row.started_at = time(NULL);
	row_set(&r->row.workdir, r->workdir);
	row_save(d, &r->row);
	r->next = d->runs;
	d->runs = r;
	d->nruns++;
	log_event(LOG_INFO, "started", r->row.id, "%s", log_url);
	free(log_url);
	return;
fail:
	runner_fail(d, &r->row, err.msg);
	run_free(r);
}

struct pick {
	struct spoold *d;
	char *id;
};

static int
pick_next(const struct job_row *row, void *arg)
{
	struct pick *p = arg;

	/* Suspended and waiting jobs wait for a person, not for a slot;
	 * a running row without a run was cut short by a restart. */
	if (run_find(p->d, row->id) != NULL ||
	    !(job_status_runnable(row->status) ||
	    job_status_running(row->status)))
		return 0;
	p->id = xstrdup(row->id);
	return 1;
}

void
runner_schedule(struct spoold *d)
{
	struct pick p = { d, NULL };
	struct job_row row;
	struct err err;

	while (!d->stopping && !d->disk_short &&
	    d->nruns < d->conf->max_jobs) {
		p.id = NULL;
		if (store_list_unfinished(d->st, pick_next, &p, &err) == -1) {
			log_warnx("scheduling: %s", err.msg);
			return;
		}
		if (p.id == NULL)
			return;
		if (store_get_job(d->st, p.id, &row, &err) == 1)
			run_start(d, &row);
		free(p.id);
	}
}

static enum job_status
status_of(enum download_state s)
{
	switch (s) {
	case DL_PAUSED:
		return JOB_PAUSED;
	case DL_MERGING:
		return JOB_MERGING;
	case DL_DONE:
		return JOB_COMPLETED;
	case DL_FAILED:
		return JOB_FAILED;
	case DL_CANCELLED:
		return JOB_CANCELLED;
	default:
		return JOB_DOWNLOADING;
	}
}

static void
run_update(struct spoold *d, struct run *r)
{
	struct download_progress p;
	char res[32];

	download_get_progress(r->dl, &p);
	r->row.status = status_of(r->state);
	r->row.progress = p.percent;
	r->row.segments_done = p.segments_done;
	r->row.segments_total = p.segments_total;
	r->row.bytes_done = p.bytes_done;
	r->row.speed_bps = p.speed_bps;
	r->row.eta_s = p.eta_s < 0 ? -1 : (int64_t)(p.eta_s + 0.5);
	r->row.duration = p.duration;
	r->row.size_bytes = p.bytes_estimate;
	if (p.width > 0 && p.height > 0) {
		snprintf(res, sizeof(res), "%dx%d", p.width, p.height);
		row_set(&r->row.resolution, res);
	}
	row_save(d, &r->row);
}

static void
run_done(struct spoold *d, struct run *r)
{
	struct err err;

	run_update(d, r);
	if (place_output(d, r, &err) == -1)
		runner_fail(d, &r->row, err.msg);
	else
		mark_completed(d, &r->row);
}

/* A download that failed for want of space is paused, not failed. */
static bool
failed_for_space(struct spoold *d, const struct err *why)
{
	return d->disk_short || why->kind == ERR_NOSPACE;
}

/*
 * The origin turned a link away (401/403/410) after the download had
 * started: the media playlist was read, or earlier runs left segments.
 * A fresh link of the same stream continues it (refresh), so the job
 * waits for one with its work directory; a refusal of the very first
 * request fails as any other error. Live recordings cannot resume.
 */
static bool
waits_for_link(struct run *r, const struct err *why)
{
	struct download_progress p;

	if (why->kind != ERR_DENIED)
		return false;
	download_get_progress(r->dl, &p);
	if (p.live)
		return false;
	return p.segments_total > 0 ||
	    download_workdir_has_segments(r->workdir);
}

static char *
prev_path(const char *id)
{
	return xasprintf("%s/%s", id, RUNNER_PREV_JOB);
}

bool
runner_has_prev_link(struct spoold *d, const char *id)
{
	char *p = prev_path(id);
	struct stat st;
	bool yes = fstatat(d->sp.processing_fd, p, &st,
	    AT_SYMLINK_NOFOLLOW) == 0;

	free(p);
	return yes;
}

void
runner_link_accepted(struct spoold *d, const char *id)
{
	char *p = prev_path(id);

	if (unlinkat(d->sp.processing_fd, p, 0) == 0)
		log_event(LOG_INFO, "refreshed", id, "the fresh link is the "
		    "same stream");
	free(p);
}

/* The link of another path was refused: the job file before it is back. */
static void
restore_prev_link(struct spoold *d, struct run *r)
{
	char *p = prev_path(r->row.id), *job = xasprintf("%s/job", r->row.id);
	struct job_spec spec;
	struct err err;

	if (renameat(d->sp.processing_fd, p, d->sp.processing_fd, job) == 0 &&
	    intake_read_job(d, r->row.id, &spec, &err) == 0) {
		intake_row_link(&r->row, &spec);
		job_spec_free(&spec);
	}
	free(job);
	free(p);
}

static void
run_wait(struct spoold *d, struct run *r, const char *why)
{
	char *clean = url_redact_queries(why);
	char *msg = xasprintf("waiting for a fresh link: %s", clean);

	if (runner_has_prev_link(d, r->row.id))
		restore_prev_link(d, r);

	r->row.status = JOB_WAITING;
	r->row.speed_bps = 0;
	r->row.eta_s = -1;
	row_set(&r->row.error_msg, msg);
	row_save(d, &r->row);
	log_event(LOG_WARN, "waiting", r->row.id, "%s", msg);
	free(msg);
	free(clean);
}

static void
run_end(struct spoold *d, struct run *r)
{
	const struct err *err;
	const char *why;

	if (r->restarting && !r->cancelling && r->state != DL_DONE) {
		/* Stopped to take a fresh link: the next start uses it. */
		r->row.status = JOB_PENDING;
		r->row.speed_bps = 0;
		r->row.eta_s = -1;
		row_set(&r->row.error_msg, NULL);
		row_save(d, &r->row);
		log_event(LOG_INFO, "refreshed", r->row.id, "restarting with "
		    "the fresh link");
	} else if (r->cancelling || r->state == DL_CANCELLED)
		runner_finish_cancelled(d, &r->row);
	else if (r->state == DL_DONE)
		run_done(d, r);
	else {
		err = download_error(r->dl);
		why = *err->msg != '\0' ? err->msg : "download failed";
		if (failed_for_space(d, err)) {
			r->row.status = JOB_PAUSED;
			r->row.speed_bps = 0;
			row_save(d, &r->row);
			log_event(LOG_WARN, "paused", r->row.id,
			    "waiting for disk space (%s)", why);
		} else if (waits_for_link(r, err))
			run_wait(d, r, why);
		else
			runner_fail(d, &r->row, why);
	}
}

void
runner_step(struct spoold *d, bool tick)
{
	struct run *r, *next;
	enum download_state s;
	bool changed, ended = false;

	for (r = d->runs; r != NULL; r = next) {
		next = r->next;
		s = download_step(r->dl);
		changed = s != r->state;
		if (changed && (s == DL_PAUSED || r->state == DL_PAUSED))
			log_event(LOG_INFO, s == DL_PAUSED ? "paused" :
			    "resumed", r->row.id, "%s", s == DL_PAUSED ?
			    "disk space low" : "disk space back");
		/* Past its playlists: the download took the link. */
		if (changed && r->state == DL_STARTING && (s == DL_DOWNLOADING ||
		    s == DL_PAUSED || s == DL_MERGING || s == DL_DONE))
			runner_link_accepted(d, r->row.id);
		r->state = s;
		if (s == DL_DONE || s == DL_FAILED || s == DL_CANCELLED) {
			run_end(d, r);
			run_unlink(d, r);
			run_free(r);
			ended = true;
		} else if (changed || tick)
			run_update(d, r);
	}
	/* A free slot is filled at once, not at the next tick. */
	if (tick || ended)
		runner_schedule(d);
}

void
runner_check_disk(struct spoold *d)
{
	int64_t a, b, low;
	struct err err;
	bool short_now;

	a = spool_free_bytes(d->sp.processing);
	b = spool_free_bytes(d->conf->library_dir);
	low = a < 0 ? b : b < 0 ? a : a < b ? a : b;
	short_now = low >= 0 && low < d->conf->min_free_bytes;
	if (short_now == d->disk_short)
		return;
	d->disk_short = short_now;
	if (short_now)
		log_event(LOG_WARN, "paused", NULL, "disk space low (%lld MB "
		    "free, min_free_mb is %lld): no new downloads until space "
		    "returns", (long long)(low >> 20),
		    (long long)(d->conf->min_free_bytes >> 20));
	else
		log_event(LOG_INFO, "resumed", NULL, "disk space back (%lld MB "
		    "free)", (long long)(low >> 20));
	if (store_set_meta(d->st, "disk_paused", short_now ? "1" : "0",
	    &err) == -1)
		log_warnx("%s", err.msg);
}

bool
runner_cancel(struct spoold *d, const char *id)
{
	struct run *r = run_find(d, id);

	if (r == NULL)
		return false;
	r->cancelling = true;
	download_cancel(r->dl);
	return true;
}

bool
runner_restart(struct spoold *d, const char *id)
{
	struct run *r = run_find(d, id);

	if (r == NULL || r->cancelling)
		return false;
	if (r->state == DL_MERGING)
		return true;	/* every segment is here: nothing to fetch */
	r->restarting = true;
	download_cancel(r->dl);
	return true;
}

bool
runner_is_running(struct spoold *d, const char *id)
{
	return run_find(d, id) != NULL;
}

void
runner_stop_all(struct spoold *d)
{
	struct run *r;

	while ((r = d->runs) != NULL) {
		d->runs = r->next;
		d->nruns--;
		download_free(r->dl);
		r->dl = NULL;
		/* Not running any more: it continues at the next start. */
		if (r->row.status != JOB_PAUSED)
			r->row.status = JOB_PENDING;
		r->row.speed_bps = 0;
		row_save(d, &r->row);
		run_free(r);
	}
}
