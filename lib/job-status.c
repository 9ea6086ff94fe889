/* job-status - the job's states: their names, and what each allows */
#include "config.h"

#include <string.h>

#include "job-status.h"

static const char *const names[JOB_NSTATUS] = {
	[JOB_PENDING] = "pending",
	[JOB_DOWNLOADING] = "downloading",
	[JOB_MERGING] = "merging",
	[JOB_PAUSED] = "paused",
	[JOB_SUSPENDED] = "suspended",
	[JOB_WAITING] = "waiting",
	[JOB_COMPLETED] = "completed",
	[JOB_FAILED] = "failed",
	[JOB_CANCELLED] = "cancelled",
};

const char *
job_status_name(enum job_status s)
{
	return s >= 0 && s < JOB_NSTATUS ? names[s] : names[JOB_FAILED];
}

int
job_status_parse(const char *name, enum job_status *s)
{
	for (int i = 0; name != NULL && i < JOB_NSTATUS; i++)
		if (strcmp(name, names[i]) == 0) {
			*s = (enum job_status)i;
			return 0;
		}
	return -1;
}

bool
job_status_finished(enum job_status s)
{
	return s == JOB_COMPLETED || s == JOB_FAILED || s == JOB_CANCELLED;
}

bool
job_status_unfinished(enum job_status s)
{
	return s >= 0 && s < JOB_NSTATUS && !job_status_finished(s);
}

bool
job_status_running(enum job_status s)
{
	return s == JOB_DOWNLOADING || s == JOB_MERGING;
}

bool
job_status_retryable(enum job_status s)
{
	return s == JOB_FAILED || s == JOB_CANCELLED;
}

bool
job_status_runnable(enum job_status s)
{
	return s == JOB_PENDING || s == JOB_PAUSED;
}
