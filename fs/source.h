/* source - the store as the tree sees it: one read-only connection, locked */
#ifndef M3U8NAS_FS_SOURCE_H
#define M3U8NAS_FS_SOURCE_H

#include "render.h"
#include "store.h"

/*
 * FUSE calls us from several threads; one read-only store connection sits
 * behind a mutex (queries are tens of microseconds, far below a FUSE round
 * trip, so a pool would buy nothing).
 *
 * The store file may not exist yet (the spooler never ran) or may go away:
 * then the tree is empty, /status says why, and the next call after a
 * short back-off tries to open it again. A failed query closes the
 * connection so that the next call reopens it.
 *
 * Every query asks the store afresh, so new jobs show without a remount,
 * except the by-name map (name -> id), rebuilt when older than
 * SOURCE_NAMES_TTL_MS, or sooner when a name is missed.
 */
#define SOURCE_REOPEN_MS 500
#define SOURCE_NAMES_TTL_MS 1000
#define SOURCE_NAMES_MISS_MS 100

struct source;

/* db_path: the store file; spool_dir: for the disk_free figure. */
struct source *source_new(const char *db_path, const char *spool_dir);
void source_free(struct source *src);

/* 1 found (row filled, free with job_row_free), 0 none, -1 store error. */
int source_get_job(struct source *src, const char *id, struct job_row *row);
/* Ids newest first (status: enum job_status or STORE_ANY_STATUS); 0, or
 * -1 on a store error. */
int source_list_ids(struct source *src, int status,
    int (*fn)(const char *id, void *), void *arg);
/* Fills s (never fails: an unreadable store is reported in s). */
void source_status(struct source *src, struct fs_status *s);

/*
 * The by-name view. A job shows under the name the person gave it (its
 * .job file name); when several jobs share a name, the newest has it and
 * older ones show as "name~id". Names are made safe for a directory entry.
 * source_find_name: 1 and *id (caller frees), or 0.
 */
int source_find_name(struct source *src, const char *name, char **id);
int source_list_names(struct source *src,
    int (*fn)(const char *name, void *), void *arg);

#endif
