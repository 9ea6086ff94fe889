/* spool - the spool directory: layout, claiming, moving aside with .error */
#ifndef M3U8NAS_SPOOL_H
#define M3U8NAS_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "guard.h"

/*
 * Layout under the spool root (a job's state is the directory it is in):
 *
 *   incoming/          <name>.job dropped by people, the endpoint, scripts
 *   control/           <id>.<word> (lib/control.h)
 *   processing/<id>/   job (the claimed file), work/ (the download's workdir)
 *   failed/            <id>.job + <id>.error (one line: why)
 *   state/             m3u8nas.db, m3u8nas-spoold.pid (flock)
 *
 * The state of a job file is the directory it is in, and it moves by
 * rename(2) only. A claim renames the directory entry itself (whatever it
 * is: file, symlink, FIFO, directory) without opening it, so nothing
 * outside the spool is ever followed; the claimed entry is then opened
 * with O_NOFOLLOW|O_NONBLOCK and refused unless it is a regular file of
 * bounded size. Every file the spool creates is written tmp + fsync +
 * rename, so a reader never sees half of one.
 */
#define SPOOL_JOB_SUFFIX ".job"

/*
 * The layout, said once: every program that finds or makes a spool
 * directory (the spooler, the endpoint, `m3u8nas add`, the FUSE tree)
 * asks here, so a directory is never made with another mode than the
 * spooler's (incoming/ must stay group-writable: the SMB share drops
 * jobs there).
 */
enum spool_dir {
	SPOOL_INCOMING,
	SPOOL_CONTROL,
	SPOOL_PROCESSING,
	SPOOL_FAILED,
	SPOOL_STATE,
	SPOOL_NDIRS
};

/* "incoming", ... */
const char *spool_dir_name(enum spool_dir d);
/* The mode the spooler gives it (incoming/ 02775, control/ 02770...). */
mode_t spool_dir_mode(enum spool_dir d);
/* root/<name>, newly allocated. */
char *spool_path(const char *root, enum spool_dir d);
/* root/state/m3u8nas.db (the store's file), newly allocated. */
char *spool_store_path(const char *root);
/*
 * Makes root (0755, parents too) and root/<name> with the layout's mode
 * when missing (an existing directory is left as it is). 0 or -1.
 */
int spool_make_dir(const char *root, enum spool_dir d, struct err *err);
#define SPOOL_PID_FILE "m3u8nas-spoold.pid"

struct spool {
	char *root;
	char *incoming, *control, *processing, *failed, *state;
	int incoming_fd, control_fd, processing_fd, failed_fd, state_fd;
	int lock_fd;
};

/* Creates the layout (missing directories only) and opens it. 0 or -1. */
int spool_open(struct spool *sp, const char *root, struct err *err);
void spool_close(struct spool *sp);
/*
 * Takes state/m3u8nas-spoold.pid with flock(2) and writes our pid there:
 * two spoolers never run on one spool. -1 with "already running (pid N)".
 */
int spool_lock(struct spool *sp, struct err *err);

/* A name in incoming/ that is a job: ends in .job, no leading '.'. */
bool spool_is_job_name(const char *name);
/* A job file name without .job, sanitized as `kind` (caller frees). */
char *spool_name_stem(const char *name, enum guard_name kind);
/* The id a job file name suggests: spool_name_stem(name, GUARD_ID). */
char *spool_id_from_name(const char *name);

/*
 * Claims incoming/<name> as processing/<id>/job. The id is
 * spool_id_from_name(name), or with "-2", "-3"... when `taken` says so or
 * processing/<id> exists. Returns 1 (claimed; *id set, caller frees), 0
 * (the file is gone: another claimer won, not an error), -1 on error.
 */
int spool_claim(struct spool *sp, const char *name,
    bool (*taken)(const char *id, void *arg), void *arg, char **id,
    struct err *err);

/*
 * Reads processing/<id>/job: never follows a symlink, never blocks on a
 * FIFO, refuses anything but a regular file of at most max bytes. On
 * success *buf (NUL-terminated, caller frees) and *len are set. -1 with
 * a reason a person can read ("x.job is a symbolic link, not a file").
 */
int spool_read_job(struct spool *sp, const char *id, int64_t max,
    char **buf, size_t *len, struct err *err);

/*
 * Moves the entry `name` of directory dirfd into failed/ as <base>.job
 * (never replacing: "<base>-2.job"... if taken) and writes the reason as
 * one line in the matching .error. The entry itself is renamed, never
 * opened. A regular file with more than one link is not moved but its
 * name removed (failed/ never holds another name of a foreign file);
 * only the .error is written. 0 or -1.
 */
int spool_move_aside(struct spool *sp, int dirfd, const char *name,
    const char *base, const char *reason, struct err *err);
/* A claimed job ends badly: its job file to failed/<id>.job + .error,
 * processing/<id>/ removed. 0 or -1. */
int spool_fail(struct spool *sp, const char *id, const char *reason,
    struct err *err);
/*
 * Puts a failed or cancelled job back: failed/<id>.job (if there) becomes
 * processing/<id>/job and failed/<id>.error goes. 1 requeued, 0 no file
 * in failed/ (processing/<id>/ is still created), -1 error.
 */
int spool_requeue(struct spool *sp, const char *id, struct err *err);
/*
 * A job file holds secrets (cookies, tokens): dirfd/name, if a regular
 * file, is made 0600 and the daemons' own (rewritten when chmod is not
 * allowed: a file an SMB user dropped belongs to that user). Anything
 * else is left alone. 0 or -1.
 */
int spool_make_private(int dirfd, const char *name, struct err *err);
/* Removes processing/<id>/ and everything in it (no symlink followed). */
int spool_remove_job_dir(struct spool *sp, const char *id, struct err *err);
/* processing/<id>/work, created if missing (caller frees). NULL on error. */
char *spool_workdir(struct spool *sp, const char *id, struct err *err);
/* processing/<id>/job exists (as any kind of entry). */
bool spool_has_job_file(struct spool *sp, const char *id);

/* Bytes free for an unprivileged writer on the filesystem of path, -1. */
int64_t spool_free_bytes(const char *path);

/* mkdir -p: missing parents 0755, the last one `mode`. 0 or -1. */
int spool_mkdirs(const char *path, mode_t mode, struct err *err);


#endif
