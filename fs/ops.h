/* ops - the FUSE operations of m3u8nas-fs (libfuse high-level API) */
#ifndef M3U8NAS_FS_OPS_H
#define M3U8NAS_FS_OPS_H

#include <pthread.h>
#include <sys/types.h>
#include <time.h>

#include <fuse.h>

#include "source.h"

/* What every operation needs; passed as fuse_main's private_data. */
struct fs_ctx {
	struct source *src;
	char *control_dir;	/* the spool's control/ */
	uid_t uid;		/* owner shown on every node */
	gid_t gid;
	time_t mounted;		/* times of the fixed folders */
	/*
	 * Open files, so that those the kernel never released (a signal
	 * ended the loop first) are freed at the end: ops_free_handles.
	 */
	pthread_mutex_t lock;
	struct handle *open;
};

extern const struct fuse_operations fs_ops;

/* Frees what is still open; after the loop has ended. */
void ops_free_handles(struct fs_ctx *ctx);

#endif
