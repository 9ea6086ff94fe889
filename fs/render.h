/* render - the text of every virtual file of the tree, from store rows */
#ifndef M3U8NAS_FS_RENDER_H
#define M3U8NAS_FS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Pure functions: a row (or the counts) in, newly allocated text out. The
 * FUSE operations render a file at lookup (for st_size) and again at open
 * (into the open file's own buffer), so what a reader gets is one
 * consistent snapshot.
 */

/* The fixed files of jobs/<id>/, in listing order. */
enum fs_file {
	FS_PROGRESS, FS_STATUS, FS_TITLE, FS_URL, FS_ERROR, FS_SPEED, FS_ETA,
	FS_SIZE, FS_OUTPUT, FS_INFO, FS_CTL, FS_NFILES
};

/* The file's name ("progress", "info.json", ...). */
const char *render_file_name(enum fs_file f);
/* The file called `name`, or -1. */
int render_file_lookup(const char *name);

/* The text of file f of the job in row (caller frees; *len its length). */
char *render_job_file(enum fs_file f, const struct job_row *row, size_t *len);

/* Everything /status says. */
struct fs_status {
	struct store_counts counts;
	bool store_ok;		/* the store could be read */
	char store_note[256];	/* why not, when !store_ok ("" if none) */
	int64_t disk_free;	/* bytes free for the spool; -1 unknown */
};
char *render_status(const struct fs_status *s, size_t *len);

/* "12.3 MB" style (decimal units, as disk makers and file managers do). */
void render_bytes(char *buf, size_t size, double bytes);
/* "1:05", "1:02:03"; "-" when unknown (negative). */
void render_duration(char *buf, size_t size, int64_t seconds);

/*
 * The name under which a finished video shows in its job folder: the
 * library file's base name when that is a safe name that clashes with no
 * fixed file, else "video" plus its extension. NULL when the row has no
 * output. Caller frees.
 */
char *render_video_name(const struct job_row *row);

#endif
