/* job-status - the job's states: their names, and what each allows */
#ifndef M3U8NAS_JOB_STATUS_H
#define M3U8NAS_JOB_STATUS_H

#include <stdbool.h>

/*
 * The one list of a job's states. The names are the contract with the
 * store's status column, the API's "status", the FUSE tree's by-status/
 * folders and the extension: job_status_name() is the only place that
 * spells them.
 *
 *   pending      claimed and recorded, waiting for a download slot
 *   downloading  segments are being fetched
 *   merging      every segment is here; remux and verification run
 *   paused       waiting for disk space; resumes by itself
 *   suspended    paused by the owner (ctl "pause"); resumes on "resume"
 *   waiting      the origin refused a link mid-download (HTTP 401/403/
 *                410): waits for a fresh link (refresh), segments kept
 *   completed    the verified video is in the library
 *   failed       ended with a reason (error_msg); may be retried
 *   cancelled    stopped on request; may be retried
 */
enum job_status {
	JOB_PENDING,
	JOB_DOWNLOADING,
	JOB_MERGING,
	JOB_PAUSED,
	JOB_SUSPENDED,
	JOB_WAITING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_NSTATUS
};

/* "pending"...; "failed" for a value out of range. */
const char *job_status_name(enum job_status s);
/* The state a name spells: 0, or -1 for an unknown name. */
int job_status_parse(const char *name, enum job_status *s);
/* Not ended: pending, downloading, merging, paused, suspended, waiting. */
bool job_status_unfinished(enum job_status s);
/* Moving bytes right now: downloading, merging. */
bool job_status_running(enum job_status s);
/* Ended: completed, failed, cancelled. */
bool job_status_finished(enum job_status s);
/* May be put back in the queue by "retry": failed, cancelled. */
bool job_status_retryable(enum job_status s);
/* The scheduler may start it: pending, paused (once space is back). */
bool job_status_runnable(enum job_status s);

#endif
