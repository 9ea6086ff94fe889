/* job-validate - the one gate a job passes, wherever it comes from */
#ifndef M3U8NAS_JOB_VALIDATE_H
#define M3U8NAS_JOB_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "job.h"

/*
 * Everything the spooler checks before a job may run, said once so that
 * the endpoint (POST /api/download), `m3u8nas add` and the spooler's
 * intake refuse the same jobs with the same words:
 *
 *   - no NUL byte (binary data is no job)
 *   - job_parse: the codec's own rules (fields, types, headers, quality)
 *   - guard_check_url: http(s), a host, and unless allow_private no
 *     literal loopback/private/link-local host
 *   - guard_check_title: no control characters, no ".." component
 *
 * 0 with *job filled (caller frees with job_spec_free), or -1 with *job
 * empty and err set: kind ERR_REFUSED when policy says no (a private
 * host), else ERR_INVALID; the text starts with "Invalid job: ".
 */
int job_validate(const char *buf, size_t len, bool allow_private,
    struct job_spec *job, struct err *err);

#endif
