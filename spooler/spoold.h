/* spoold - the spooler's shared state: one loop, one fetcher, one store */
#ifndef M3U8NAS_SPOOLD_H
#define M3U8NAS_SPOOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "bandwidth.h"
#include "conf.h"
#include "download.h"
#include "fetch.h"
#include "job.h"
#include "spool.h"
#include "store.h"

/*
 * The spooler is one process and one loop (loop.c): fetcher_poll waits on
 * the network, the inotify fd and the signalfd at once; after each wake
 * the loop reads events, steps every download and, once a second, writes
 * progress rows, the heartbeat, and checks the disk.
 *
 *   intake.c   incoming/ -> processing/<id>/job + a store row (or failed/)
 *   runner.c   store rows -> downloads -> library (or failed/)
 *   control.c  control/<id>.<word> (cancel retry pause resume remove
 *              remove-file refresh) and control/settings (bandwidth,
 *              schedule)
 *
 * The store is the queue: a job is pending until a slot is free; nothing
 * about the queue lives only in memory, so kill -9 loses nothing.
 */
#define SPOOLD_TICK_MS 1000		/* rows, heartbeat, disk */
#define SPOOLD_RESCAN_MS 30000		/* safety net for missed events */
#define SPOOLD_YOUNG_MS 2000		/* a file this fresh may be in writing */

struct run;

struct spoold {
	struct conf *conf;
	struct spool sp;
	struct store *st;
	struct fetcher *fetcher;
	int ino_fd, sig_fd;
	struct run *runs;
	int nruns;
	bool disk_short;
	bool stopping;
	int exit_code;			/* 1: the store failed under us */
	bool readmit;			/* a claimed job still lacks its row */
	int64_t next_scan_ms;		/* periodic rescan of incoming/ control/ */
	int64_t bytes_base;		/* bytes_downloaded before this run */
	struct bw_settings bw;		/* the owner's limit and schedule */
	bool settle;			/* rows attached to another may end */
	struct hook *hooks;		/* on_complete programs running */
};


/* intake.c */
void intake_scan_incoming(struct spoold *d);
void intake_scan_control(struct spoold *d);
/* One name that appeared in incoming/ (an inotify event or a scan). */
void intake_name(struct spoold *d, const char *name);
/* At start: processing/ dirs without a row, rows without a dir. */
void intake_recover(struct spoold *d);
/* Admits the processing/ dirs that still have no row (after a busy store). */
void intake_readmit(struct spoold *d);
/* Reads and checks processing/<id>/job; job is the caller's to free. */
int intake_read_job(struct spoold *d, const char *id, struct job_spec *job,
    struct err *err);
/* The row's link columns (url, headers_json, referer, user_agent) from
 * job, as a claim sets them. */
void intake_row_link(struct job_row *row, const struct job_spec *job);

/* runner.c */
void runner_schedule(struct spoold *d);
/* Steps every download; writes rows when `tick` (or on state changes). */
void runner_step(struct spoold *d, bool tick);
/* The loop's longest sleep for the downloads' own deadlines (<= max_ms). */
int runner_wait_ms(struct spoold *d, int max_ms);
/* Removes the .nfo and poster of completed videos that are gone. */
void runner_sweep_sidecars(struct spoold *d);
/* Disk space check (once a tick): pauses and resumes the queue. */
void runner_check_disk(struct spoold *d);
/* Stops every download, keeping its workdir (shutdown). */
void runner_stop_all(struct spoold *d);
/* Asks the running download of id to stop; false if id is not running. */
bool runner_cancel(struct spoold *d, const char *id);
/*
 * Pauses a job for its owner (JOB_SUSPENDED): a running download stops
 * and keeps its work directory; it continues from there on resume. false
 * if the job cannot be paused now (merging).
 */
bool runner_suspend(struct spoold *d, struct job_row *row);
/* Stops the running download of id to start it again from its workdir
 * (a fresh link): the row goes pending. false if id is not running. */
bool runner_restart(struct spoold *d, const char *id);
bool runner_is_running(struct spoold *d, const char *id);
/*
 * processing/<id>/job.prev: the job file as it was before a refresh to a
 * link of another path, until the download accepts that link (its
 * segments are the kept ones: runner_link_accepted removes it) or refuses
 * it (the job waits again with job.prev put back).
 */
#define RUNNER_PREV_JOB "job.prev"
bool runner_has_prev_link(struct spoold *d, const char *id);
void runner_link_accepted(struct spoold *d, const char *id);
/* Ends a job that is not running: row, spool files, log. */
void runner_finish_cancelled(struct spoold *d, struct job_row *row);
/* Fails the job for reason, of kind (the row keeps it: the metrics count
 * failures by kind). */
void runner_fail(struct spoold *d, struct job_row *row, enum err_kind kind,
    const char *reason);
/*
 * The same stream already downloaded or on its way (dedupe.c): 1 with
 * *orig filled (a completed job whose video exists, or an unfinished one
 * that is no duplicate itself), 0 none, -1 store error.
 */
int dedupe_find(struct spoold *d, const char *url, struct job_row *orig);
/* Makes row a duplicate of the completed orig: completed at once, its
 * video orig's. The caller saves the row. */
void dedupe_complete(struct job_row *row, const struct job_row *orig);
/* Rows attached to a running job whose download has ended: completed
 * with its video, or, when it failed, set to download on their own. */
void dedupe_settle(struct spoold *d);

/* hook.c: on_complete */
void hook_start(struct spoold *d, const struct job_row *row);
/* Reaps finished programs and kills those past on_complete_timeout. */
void hook_reap(struct spoold *d);
/* Shutdown: kills and reaps every program still running. */
void hook_stop_all(struct spoold *d);

/* control.c */
void control_name(struct spoold *d, const char *name);
/* At start: state/settings.json over the config's bandwidth keys. */
void control_load_settings(struct spoold *d);
/* Once a tick: the budget the schedule says now, to the fetcher. */
void control_apply_budget(struct spoold *d);

/* Small helpers for job rows. */
void row_set(char **field, const char *value);
/* Writes row; a store error is logged (the loop carries on). */
void row_save(struct spoold *d, struct job_row *row);

#endif
