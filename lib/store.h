/* store - the job database: SQLite in WAL mode, one writer (the spooler) */
#ifndef M3U8NAS_STORE_H
#define M3U8NAS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "job-status.h"

/*
 * Schema (PRAGMA user_version = 4; store_open migrates forward):
 *
 *   jobs(id TEXT PRIMARY KEY, url, title, status, progress REAL 0..100,
 *        segments_done, segments_total, bytes_done, speed_bps REAL, eta_s,
 *        created_at, started_at, completed_at, updated_at (unix seconds),
 *        file_path, error_msg, retry_count, quality, headers_json,
 *        job_name (the file name the person dropped, without .job),
 *        size_bytes, workdir, error_kind (v2: err_kind_name of why it
 *        failed, NULL otherwise), duplicate_of (v3: the job whose video
 *        this one is: the same stream, downloaded once), folder (the name
 *        of the configured destination, NULL: library_dir), live (1 once
 *        the download found a live stream: each recording is its own),
 *        gap_seconds REAL (v4: seconds of the source marked EXT-X-GAP,
 *        missing from the video; 0 for none))
 *
 * No secret is stored: url, referer and source_page are guard_url_public
 * forms (no query), headers_json is the JSON array of the job's header
 * names; the values stay in the job file (0600).
 *   job_metadata(job_id PRIMARY KEY REFERENCES jobs, referer, user_agent,
 *        source_page, resolution, duration REAL, segment_count)
 *   spooler(key PRIMARY KEY, value)  -- "heartbeat" (unix s), "pid",
 *        "bytes_downloaded" (total ever), "disk_paused" (0/1),
 *        "cpu_seconds", "rss_bytes" (the spooler's own, with the heartbeat)
 *   job_finished(seq, job_id, result, reason, duration_s, bytes,
 *        finished_at)  -- v2: one row each time a job ends (store_finished)
 *
 * status holds job_status_name() of the row's enum job_status (a word the
 * program does not know reads as JOB_FAILED, logged). progress is one
 * scale for every reader, so a bar never runs backwards between phases:
 * 0-90 downloading, 90-99 merging, 100 completed.
 *
 * Only the spooler opens the store read-write. The FUSE tree and the
 * endpoint open it read-only (store_open(path, true, ...)); WAL lets them
 * read while the spooler writes.
 */
#define STORE_FILE "m3u8nas.db"
#define STORE_HEARTBEAT_STALE_S 5	/* spooler "alive" if fresher */

struct store;

struct job_row {
	char *id, *url, *title, *error_msg, *file_path, *quality;
	enum job_status status;
	char *headers_json, *job_name, *workdir;
	char *referer, *user_agent, *source_page, *resolution;
	double progress, speed_bps, duration;
	int64_t segments_done, segments_total, bytes_done, eta_s, size_bytes;
	int64_t created_at, started_at, completed_at, updated_at;
	int retry_count;
	enum err_kind error_kind;	/* why it failed; ERR_NONE otherwise */
	char *duplicate_of, *folder;
	bool live;		/* a live recording: never a duplicate's original */
	double gap_seconds;	/* EXT-X-GAP seconds the source lacks */
};

struct store_counts {
	int64_t by_status[JOB_NSTATUS];	/* indexed by enum job_status */
	int64_t total;
	int64_t bytes_downloaded;
	bool spooler_alive;
	int64_t heartbeat;
};

/* path may also be a SQLite URI ("file:/x/m3u8nas.db?immutable=1"). */
struct store *store_open(const char *path, bool readonly, struct err *err);
void store_close(struct store *st);
/*
 * The writer's health, once a tick: -1 (with the reason) when the file
 * opened was deleted or replaced (another inode at the path) or SQLite
 * reported it damaged (SQLITE_CORRUPT/NOTADB, or PRAGMA quick_check at
 * open). The spooler then exits for its supervisor to restart it.
 */
int store_check_file(struct store *st, struct err *err);
bool store_damaged(const struct store *st);
/*
 * Renames a damaged database (and its -wal, -shm) to
 * PATH.damaged-<UTC timestamp>; *aside is that name (caller frees).
 */
int store_move_aside(const char *path, char **aside, struct err *err);
/*
 * The spooler's open: a damaged database is moved aside (*aside names
 * where, caller frees) and a fresh one made; the jobs in processing/ are
 * then re-admitted by the spooler's recovery.
 */
struct store *store_open_writer(const char *path, char **aside,
    struct err *err);

/* Writer side (spooler). Each is one transaction; 0 or -1. */
int store_insert_job(struct store *st, const struct job_row *row,
    struct err *err);
/* Updates every mutable column from row (matched by row->id). */
int store_update_job(struct store *st, const struct job_row *row,
    struct err *err);
int store_set_meta(struct store *st, const char *key, const char *value,
    struct err *err);
/* Records the heartbeat and pid; call about once a second. */
int store_heartbeat(struct store *st, struct err *err);
/* A spooler meta value (caller frees): 1 found, 0 absent, -1 error. */
int store_get_meta(struct store *st, const char *key, char **value,
    struct err *err);

/* Reader side. store_get_job: 1 found, 0 not found, -1 error. */
int store_get_job(struct store *st, const char *id, struct job_row *row,
    struct err *err);
/* Every status, for the status filters below. */
#define STORE_ANY_STATUS (-1)

/* Newest first; status an enum job_status or STORE_ANY_STATUS. Calls fn
 * for each row (row freed after). */
int store_list_jobs(struct store *st, int status, int limit,
    int offset, int (*fn)(const struct job_row *, void *), void *arg,
    struct err *err);
/* Only the ids, newest first, status as above (for directory listings). */
int store_list_ids(struct store *st, int status,
    int (*fn)(const char *id, const char *job_name, void *), void *arg,
    struct err *err);
/* The job with this url still pending or running, if any: 1, 0, -1. */
int store_find_active_by_url(struct store *st, const char *url, char **id,
    struct err *err);
/* Jobs of this (public) url that are no duplicate, newest first (at most
 * 50): fn as in store_list_jobs (returns non-zero to stop). */
int store_list_by_url(struct store *st, const char *url,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err);
int store_counts(struct store *st, struct store_counts *c, struct err *err);
/* Unfinished jobs (job_status_unfinished), oldest first. */
int store_list_unfinished(struct store *st,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err);

/*
 * Finished jobs, for /metrics: one event each time a job ends (a job
 * retried and ended again counts again), so every count only grows. By
 * result (JOB_COMPLETED, JOB_FAILED, JOB_CANCELLED) and reason (the
 * error's kind; ERR_NONE for completed). The duration (seconds from
 * started_at to the end) is counted for jobs that started; bytes are the
 * body bytes the job downloaded.
 */
#define STORE_DURATION_NBUCKETS 12
#define STORE_BYTES_NBUCKETS 10
#define STORE_HIST_MAX 16
extern const double store_duration_bounds[STORE_DURATION_NBUCKETS];
extern const double store_bytes_bounds[STORE_BYTES_NBUCKETS];
struct store_hist {
	uint64_t bucket[STORE_HIST_MAX + 1];	/* per bucket; [n]: above all */
	uint64_t count;
	double sum;
};
struct store_finished {
	int64_t jobs[JOB_NSTATUS][ERR_NKINDS];
	struct store_hist duration[JOB_NSTATUS];
	struct store_hist bytes[JOB_NSTATUS];
};
int store_finished(struct store *st, struct store_finished *f,
    struct err *err);

/* --- for the endpoint's page and event stream (issue 12) --- */
/* Writer side: forgets a job (its row and metadata). 1 removed, 0 none. */
int store_delete_job(struct store *st, const char *id, struct err *err);
/* PRAGMA data_version: changes whenever another connection commits. */
int store_data_version(struct store *st, int64_t *version, struct err *err);
/* Rows with updated_at >= since, oldest change first, at most limit. */
int store_list_updated(struct store *st, int64_t since, int limit,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err);
/* The sum of speed_bps over the jobs downloading now. */
int store_speed_total(struct store *st, double *bps, struct err *err);
/*
 * store_list_jobs with filters: `statuses` a comma-separated list of
 * status names (NULL = all), `q` words that must all appear in the title,
 * name, id or URL (NULL = all); *total = how many rows match.
 */
int store_search_jobs(struct store *st, const char *statuses, const char *q,
    int limit, int offset, int64_t *total,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err);

void job_row_free(struct job_row *row);

#endif
