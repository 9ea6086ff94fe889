/* job-id - what a job id may be, and how a new one is made */
#ifndef M3U8NAS_JOB_ID_H
#define M3U8NAS_JOB_ID_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * A job id names processing/<id>/, control/<id>.<word>, jobs/<id>/ in the
 * FUSE tree and /api/jobs/<id>: the spooler derives it from the dropped
 * file name (guard_sanitize_name GUARD_ID, plus "-2"...), so every id it
 * makes is [A-Za-z0-9._-], never starts with '.', and is short.
 */
#define JOB_ID_MAX 128
#define JOB_ID_NEW_SIZE 16	/* "j" + 12 hex digits + NUL, rounded up */

/* The one rule for an id given from outside (a path, a control name):
 * 1..JOB_ID_MAX bytes of [A-Za-z0-9._-], not starting with '.'. */
bool job_id_valid(const char *id);
/* The same for the first n bytes of id (a path component). */
bool job_id_valid_n(const char *id, size_t n);
/*
 * A fresh random id "j" + 12 hex digits (RAND_bytes) for a job the
 * endpoint or `m3u8nas add` writes: the spooler takes the file name as
 * the id, so the id answered is the store's. id must hold
 * JOB_ID_NEW_SIZE bytes. 0 or -1.
 */
int job_new_id(char *id, size_t size, struct err *err);

#endif
