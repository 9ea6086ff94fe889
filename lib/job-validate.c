/* job-validate - the one gate a job passes, wherever it comes from */
#include "config.h"

#include <string.h>

#include "guard.h"
#include "job-validate.h"

/*
 * The kind a refusal carries: policy stays ERR_REFUSED, anything else a
 * job can get wrong is bad input. (job_parse and guard may not set kinds
 * of their own yet; the caller's decision must not depend on that.)
 */
static int
refuse(struct err *err)
{
	if (err != NULL && err->kind != ERR_REFUSED)
		err->kind = ERR_INVALID;
	return -1;
}

static int
check_policy(const struct job_spec *job, bool allow_private, struct err *err)
{
	if (guard_check_url(job->url, allow_private, err) == -1) {
		/* guard's words do not say whose url: the job's. */
		err_wrap(err, "Invalid job: url");
		return -1;
	}
	return guard_check_title(job->title, err);
}

int
job_validate(const char *buf, size_t len, bool allow_private,
    struct job_spec *job, struct err *err)
{
	memset(job, 0, sizeof(*job));
	if (memchr(buf, '\0', len) != NULL) {
		err_setk(err, ERR_INVALID, "Invalid job: binary data, not a "
		    "JSON object or a URL");
		return -1;
	}
	if (job_parse(buf, len, job, err) == -1)
		return refuse(err);
	if (check_policy(job, allow_private, err) == -1) {
		job_spec_free(job);
		return refuse(err);
	}
	return 0;
}
