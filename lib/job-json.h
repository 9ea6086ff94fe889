/* job-json - a store row as JSON: the API's JOB and the tree's info.json */
#ifndef M3U8NAS_JOB_JSON_H
#define M3U8NAS_JOB_JSON_H

#include <jansson.h>

#include "store.h"

/*
 * Two contracts, one function, because each has readers that depend on
 * its exact keys:
 *
 *   JOB_JSON_API   the JOB object of GET /api/jobs (the extension reads
 *                  it): job_id, url, title, status, progress, segment
 *                  and byte counts, speed_bps, eta_s (null unless the job
 *                  is unfinished and moving), error, output, size_bytes,
 *                  ISO 8601 times (null when unset), retry_count,
 *                  quality. Empty or non-UTF-8 strings are null.
 *   JOB_JSON_INFO  jobs/<id>/info.json of the FUSE tree: every column of
 *                  the row under its store name, times as unix seconds,
 *                  headers as the JSON the store holds.
 */
enum job_json_view { JOB_JSON_API, JOB_JSON_INFO };

/* A new object (caller decrefs). */
json_t *job_row_json(const struct job_row *row, enum job_json_view view);
/* "2026-01-02T03:04:05Z" for unix seconds, null for 0 or less. */
json_t *job_json_time(int64_t t);

#endif
