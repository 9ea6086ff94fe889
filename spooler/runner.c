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

#include "crash.h"
#include "guard.h"
#include "log.h"
#include "name.h"
#include "remux.h"
#include "file.h"
#include "sidecar.h"
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

/* The directory the job's video lands in (its folder), NULL when the
 * configuration no longer knows the row's folder. */
static const char *
dest_dir(struct spoold *d, const struct job_row *row)
{
	return conf_folder_path(d->conf, row->folder);
}

/* The hidden name the download writes its result under, in its folder:
 * same filesystem as the final name, so placing it is one rename. */
static char *
hidden_output(struct spoold *d, const struct job_row *row)
{
	const char *dir = dest_dir(d, row);

	return xasprintf("%s/.m3u8nas-%s.mp4", dir != NULL ? dir :
	    d->conf->library_dir, row->id);
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
runner_fail(struct spoold *d, struct job_row *row, enum err_kind kind,
    const char *reason)
{
	struct err err;
	char *out = hidden_output(d, row);
	/* A copy (reason may point into row), without URL queries: tokens
	 * and signatures stay out of the row, failed/ and the log. */
	char *why = url_redact_queries(reason);

	/* A fetch error names the URL: never its tokens. */
	guard_redact_text(why);
	row->status = JOB_FAILED;
	row->error_kind = kind != ERR_NONE ? kind : ERR_PERMANENT;
	row_set(&row->error_msg, why);
	drop_placeholder(row);
	row->speed_bps = 0;
	row->eta_s = -1;
	unlink(out);
	/* The trace in failed/ first: whoever sees the row failed finds it. */
	if (spool_fail(&d->sp, row->id, why, &err) == -1)
		log_warnx("%s: %s", row->id, err.msg);
	row_save(d, row);
	d->settle = true;
	log_event(LOG_WARN, "failed", row->id, "%s", why);
	free(why);
	free(out);
}

void
runner_finish_cancelled(struct spoold *d, struct job_row *row)
{
	struct err err;
	char *out = hidden_output(d, row);

	row->status = JOB_CANCELLED;
	row->error_kind = ERR_CANCELLED;
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
	d->settle = true;
	log_event(LOG_INFO, "cancelled", row->id, "cancelled by request");
	free(out);
}

/* The name_template's fields for a row (lib/name.h); *buf holds them. */
struct fields_buf {
	char date[16], height[16];
	char *site;
};

static void
row_fields(const struct job_row *row, struct name_fields *f,
    struct fields_buf *b)
{
	const char *page = row->source_page != NULL && *row->source_page ?
	    row->source_page : row->referer != NULL && *row->referer ?
	    row->referer : row->url;
	time_t t = (time_t)(row->created_at > 0 ? row->created_at : time(NULL));
	const char *x = row->resolution != NULL ? strchr(row->resolution, 'x') :
	    NULL;
	struct tm tm;

	memset(b, 0, sizeof(*b));
	if (localtime_r(&t, &tm) != NULL)
		strftime(b->date, sizeof(b->date), "%Y-%m-%d", &tm);
	if (x != NULL && atoi(x + 1) > 0)
		snprintf(b->height, sizeof(b->height), "%d", atoi(x + 1));
	b->site = guard_url_host(page);
	f->title = row->title;
	/* No file was dropped (the endpoint's id): the title stands in. */
	f->job = name_is_generated(row->job_name) ? row->title : row->job_name;
	f->site = b->site;
	f->date = b->date;
	f->height = b->height;
	f->id = row->id;
}

/*
 * Opens (making it if missing) each folder component of rel under dirfd,
 * never following a symbolic link, so the name stays under its folder.
 * Returns the last directory's fd (dirfd itself when rel has no '/'), and
 * *base points at the file name in rel; -1 on error.
 */
static int
open_subdirs(int dirfd, char *rel, char **base, struct err *err)
{
	char *s = rel, *slash;
	int fd = dirfd, next;

	while ((slash = strchr(s, '/')) != NULL) {
		*slash = '\0';
		if (mkdirat(fd, s, 0755) == -1 && errno != EEXIST) {
			err_errno(err, "cannot create the folder %s", s);
			next = -1;
		} else if ((next = openat(fd, s, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			err_errno(err, "cannot open the folder %s", s);
		*slash = '/';
		if (fd != dirfd)
			close(fd);
		if ((fd = next) == -1)
			return -1;
		s = slash + 1;
	}
	*base = s;
	return fd;
}

/*
 * Reserves "<name>.mp4" (or "<name> (N).mp4") in the job's folder, the
 * name from name_template (subfolders made as needed): each candidate is
 * recorded in the row first, then made as an empty file with O_EXCL, and
 * the video is renamed over it afterwards. After a kill at any point the
 * restarted job knows its name: a missing file is a name recorded but not
 * made yet, an empty one its placeholder, a full one (with the hidden
 * video gone) the video in place. So a name is never taken twice, never
 * overwritten, and no placeholder is left behind unknown to the row.
 */
static int
reserve_name(struct spoold *d, struct job_row *row, struct err *err)
{
	const char *dir = dest_dir(d, row);
	struct name_fields f;
	struct fields_buf fb;
	char *rel, *base, *name, *path;
	int dirfd, libfd = -1, fd, k, rc = -1;

	if (dir == NULL)
		return err_set(err, "the folder \"%s\" is no longer configured",
		    row->folder);
	row_fields(row, &f, &fb);
	rel = name_expand(d->conf->name_template, &f);
	free(fb.site);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1) {
		err_errno(err, "%s", dir);
		goto out;
	}
	if ((libfd = open_subdirs(dirfd, rel, &base, err)) == -1)
		goto out;
	for (k = 1; k <= MAX_NAME_SUFFIX && rc == -1; k++) {
		name = k == 1 ? xasprintf("%s.mp4", base) :
		    xasprintf("%s (%d).mp4", base, k);
		if (faccessat(libfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			free(name);
			continue;
		}
		path = xasprintf("%s/%.*s%s", dir, (int)(base - rel), rel, name);
		row_set(&row->file_path, path);
		free(path);
		row_save(d, row);
		crash_point("place-recorded");
		fd = openat(libfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd != -1) {
			close(fd);
			rc = 0;
		} else if (errno != EEXIST) {
			err_errno(err, "cannot create %s in %s", name, dir);
			free(name);
			break;
		}
		free(name);
	}
	if (rc == -1 && k > MAX_NAME_SUFFIX)
		err_set(err, "no free name for %s in %s", rel, dir);
out:
	if (libfd != -1 && libfd != dirfd)
		close(libfd);
	if (dirfd != -1)
		close(dirfd);
	free(rel);
	return rc;
}

/* The row's reserved name holds the video (renamed there before a kill). */
static bool
already_placed(const struct job_row *row, const char *hidden)
{
	struct stat st;

	return row->file_path != NULL && lstat(row->file_path, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size > 0 && access(hidden, F_OK) == -1;
}

/*
 * Subtitle sidecars follow the video: .m3u8nas-ID.en.vtt becomes
 * TITLE.en.vtt beside TITLE.mp4 (link + unlink: never over another file).
 * One that cannot move is left where it is, with a warning.
 */
static void
place_sidecars(struct run *r)
{
	const char *const *sc = r->dl != NULL ? download_sidecars(r->dl) : NULL;
	size_t hb = strlen(r->output) - 4, fb;
	char *to;

	if (sc == NULL || r->row.file_path == NULL)
		return;
	fb = strlen(r->row.file_path);
	if (fb > 4 && strcmp(r->row.file_path + fb - 4, ".mp4") == 0)
		fb -= 4;
	for (; *sc != NULL; sc++) {
		if (strncmp(*sc, r->output, hb) != 0)
			continue;
		to = xasprintf("%.*s%s", (int)fb, r->row.file_path, *sc + hb);
		if (link(*sc, to) == -1 || unlink(*sc) == -1)
			log_warn("%s: cannot move the subtitles to %s",
			    r->row.id, to);
		free(to);
	}
}

/*
 * The end of a job, in the order that survives a kill -9 anywhere: the
 * name recorded, the placeholder made, the video renamed over it (the
 * row still says merging), the subtitle files beside it, and only then
 * the row completed (mark_completed), then processing/<id>/ removed. A
 * restart before the rename merges again or renames; after it,
 * already_placed sees the video and completes the row.
 */
static int
place_output(struct spoold *d, struct run *r, struct err *err)
{
	const char *fp = r->row.file_path;
	struct stat st;
	bool ours = false;
	int fd;

	if (fp != NULL && lstat(fp, &st) == 0)
		ours = S_ISREG(st.st_mode) && st.st_size == 0;
	else if (fp != NULL && errno == ENOENT) {
		/* Recorded, then killed before it was made. */
		fd = open(fp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd != -1) {
			close(fd);
			ours = true;
		}
	}
	if (!ours && reserve_name(d, &r->row, err) == -1)
		return -1;
	crash_point("place-reserved");
	if (rename(r->output, r->row.file_path) == -1)
		return err_errno(err, "cannot move the video to %s",
		    r->row.file_path);
	crash_point("place-renamed");
	place_sidecars(r);
	return 0;
}

/* "1280x720" -> 1280, 720; 0, 0 when unknown. */
static void
row_size(const struct job_row *row, int *w, int *h)
{
	*w = *h = 0;
	if (row->resolution != NULL &&
	    sscanf(row->resolution, "%dx%d", w, h) != 2)
		*w = *h = 0;
}

/* The .nfo and the poster beside the video (nfo, poster): a failure is
 * logged, never the job's. */
static void
write_sidecars(struct spoold *d, const struct job_row *row)
{
	struct nfo_info in;
	struct err err;
	uint8_t *jpeg;
	size_t len;
	char *text, *path;

	if (d->conf->nfo) {
		memset(&in, 0, sizeof(in));
		in.title = row->title;
		in.source_page = row->source_page;
		in.added = row->completed_at;
		in.duration = row->duration;
		row_size(row, &in.width, &in.height);
		text = nfo_render(&in);
		path = sidecar_nfo_path(row->file_path);
		if (file_write_atomic(AT_FDCWD, path, text, strlen(text), 0644,
		    0, &err) == -1)
			log_event(LOG_WARN, "nfo", row->id, "%s", err.msg);
		free(path);
		free(text);
	}
	if (d->conf->poster) {
		path = sidecar_poster_path(row->file_path);
		if (poster_make(row->file_path, &jpeg, &len, &err) == -1 ||
		    file_write_atomic(AT_FDCWD, path, jpeg, len, 0644, 0,
		    &err) == -1)
			log_event(LOG_WARN, "poster", row->id, "%s", err.msg);
		free(jpeg);
		free(path);
	}
}

struct sweep {
	char **videos;
	size_t n, cap;
};

static int
sweep_one(const struct job_row *row, void *arg)
{
	struct sweep *s = arg;
	struct stat st;

	if (row->file_path == NULL || lstat(row->file_path, &st) == 0)
		return 0;
	s->videos = xgrow(s->videos, &s->cap, s->n, sizeof(*s->videos));
	s->videos[s->n++] = xstrdup(row->file_path);
	return 0;
}

void
runner_sweep_sidecars(struct spoold *d)
{
	struct sweep s = { NULL, 0, 0 };
	struct err err;
	size_t i;

	if (store_list_jobs(d->st, JOB_COMPLETED, -1, 0, sweep_one, &s,
	    &err) == -1)
		log_warnx("sidecars: %s", err.msg);
	for (i = 0; i < s.n; i++) {
		/* The video is gone (deleted over SMB): its sidecars too. */
		sidecar_remove(s.videos[i]);
		free(s.videos[i]);
	}
	free(s.videos);
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
	/* Before the row says completed: whoever sees it finds them. */
	write_sidecars(d, row);
	row_save(d, row);
	crash_point("completed-row");
	d->settle = true;
	spool_remove_job_dir(&d->sp, row->id, NULL);
	if (row->gap_seconds > 0)	/* complete, with a hole the source has */
		log_event(LOG_INFO, "completed", row->id, "%s (%lld bytes; "
		    "%.1f s missing in the source: EXT-X-GAP)", row->file_path,
		    (long long)row->size_bytes, row->gap_seconds);
	else
		log_event(LOG_INFO, "completed", row->id, "%s (%lld bytes)",
		    row->file_path, (long long)row->size_bytes);
	hook_start(d, row);
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
	r->output = hidden_output(d, &r->row);
	if (already_placed(&r->row, r->output)) {
		/* Killed after the video moved, before the row said so. */
		mark_completed(d, &r->row);
		run_free(r);
		return;
	}
	if (dest_dir(d, &r->row) == NULL) {
		err_set(&err, "the folder \"%s\" is no longer configured",
		    r->row.folder);
		goto fail;
	}
	if (spool_mkdirs(dest_dir(d, &r->row), 0755, &err) == -1 ||
	    intake_read_job(d, r->row.id, &r->job, &err) == -1 ||
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
	o.audio = r->job.audio;
	o.subtitles = r->job.subtitles;
	o.subtitles_as = (enum download_subs_as)download_subs_as_parse(
	    d->conf->subtitles_as);
	o.sidecar_format = d->conf->subtitle_format;
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
	r->row.error_kind = ERR_NONE;
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
	runner_fail(d, &r->row, err.kind, err.msg);
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
	if (run_find(p->d, row->id) != NULL || row->duplicate_of != NULL ||
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

	if (d->settle)
		dedupe_settle(d);
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
		/* Completed only once the video is in place (mark_completed):
		 * a reader that sees "completed" finds file_path set. */
		return JOB_MERGING;
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
	r->row.gap_seconds = p.gap_seconds;
	r->row.size_bytes = p.bytes_estimate;
	if (p.live && !r->row.live) {
		/* Jobs attached to this one record on their own (dedupe.c). */
		r->row.live = true;
		d->settle = true;
	}
	if (p.width > 0 && p.height > 0) {
		snprintf(res, sizeof(res), "%dx%d", p.width, p.height);
		row_set(&r->row.resolution, res);
	}
	row_save(d, &r->row);
}

/* Without a master playlist nothing said the size: the verified file
 * does ({height}, the .nfo, M3U8NAS_RESOLUTION). */
static void
learn_size(struct job_row *row, const char *video)
{
	struct remux_result res;
	char buf[32];

	memset(&res, 0, sizeof(res));
	if (row->resolution != NULL && *row->resolution != '\0')
		return;
	if (remux_verify(video, false, false, 0, &res, NULL) == 0 &&
	    res.width > 0 && res.height > 0) {
		snprintf(buf, sizeof(buf), "%dx%d", res.width, res.height);
		row_set(&row->resolution, buf);
		if (!(row->duration > 0))
			row->duration = res.duration;
	}
}

static void
run_done(struct spoold *d, struct run *r)
{
	struct err err;

	run_update(d, r);
	learn_size(&r->row, r->output);
	if (place_output(d, r, &err) == -1)
		runner_fail(d, &r->row, err.kind, err.msg);
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
			runner_fail(d, &r->row, err->kind, why);
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
		if (changed && s == DL_MERGING)
			log_event(LOG_INFO, "merging", r->row.id, "remuxing "
			    "into %s", r->output);
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

int
runner_wait_ms(struct spoold *d, int max_ms)
{
	struct run *r;
	int ms = max_ms;

	for (r = d->runs; r != NULL; r = r->next)
		ms = download_wait_ms(r->dl, ms);
	return ms;
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

bool
runner_suspend(struct spoold *d, struct job_row *row)
{
	struct run *r = run_find(d, row->id);

	if (r != NULL) {
		if (r->state == DL_MERGING || r->cancelling)
			return false;
		/* download_free stops it and keeps the work directory, as
		 * at shutdown; the row is the run's copy, saved below. */
		download_free(r->dl);
		r->dl = NULL;
		run_unlink(d, r);
		job_row_free(row);
		*row = r->row;
		memset(&r->row, 0, sizeof(r->row));
		run_free(r);
	}
	row->status = JOB_SUSPENDED;
	row->speed_bps = 0;
	row->eta_s = -1;
	row_save(d, row);
	log_event(LOG_INFO, "suspended", row->id, "paused by request at "
	    "%.1f%%", row->progress);
	runner_schedule(d);	/* its slot goes to the next job */
	return true;
}
