/* file - one way to write a file: a reader never sees half of one */
#ifndef M3U8NAS_FILE_H
#define M3U8NAS_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * The Postfix way, said once: a hidden temporary name in the same
 * directory, created with O_EXCL|O_NOFOLLOW, written whole, then renamed
 * over (or, with FILE_NOREPLACE, next to) the final name. Each caller
 * states the durability it needs:
 *
 *   FILE_SYNC       fsync the file before the rename and the directory
 *                   after it: the file survives a power cut (job files,
 *                   control requests, keys, the TLS pair). Without it the
 *                   file is still never seen half-written, but the last
 *                   few may be lost on a crash (progress, caches).
 *   FILE_NOREPLACE  never replace an existing name: -1 with errno EEXIST
 *                   (RENAME_NOREPLACE, or link + unlink where the
 *                   filesystem lacks it).
 *
 * `dirfd` is a directory descriptor or AT_FDCWD; `name` may hold '/' (the
 * temporary file is made in name's own directory, so the rename never
 * crosses filesystems). On failure nothing is left behind and errno still
 * says why (EEXIST: the name is taken, try another).
 */
#define FILE_SYNC	0x1
#define FILE_NOREPLACE	0x2

int file_write_atomic(int dirfd, const char *name, const void *buf,
    size_t len, mode_t mode, int flags, struct err *err);
/* Writes all of buf, through short writes and EINTR. 0, or -1 with errno. */
int file_write_all(int fd, const void *buf, size_t len);
/* rename that never replaces: 0, or -1 with errno (EEXIST when taken). */
int file_rename_noreplace(int fromfd, const char *from, int tofd,
    const char *to);
/* fsyncs the directory holding dirfd/name (name NULL: dirfd itself), so a
 * rename or unlink in it is durable. Failure only costs durability. */
void file_sync_dir(int dirfd, const char *name);
/*
 * Removes dirfd/name and, if it is a directory, everything below it,
 * never following a symbolic link (rm -rf without surprises). A name
 * already gone is success. 0 or -1.
 */
int file_remove_tree(int dirfd, const char *name, struct err *err);
/*
 * Reads dirfd/name whole into *buf (NUL-terminated, caller frees) without
 * following a symbolic link or blocking on a FIFO; anything but a regular
 * file of at most max bytes is refused (ERR_REFUSED) with a reason that
 * names the file, never its content. 0 or -1.
 */
int file_read_bounded(int dirfd, const char *name, size_t max, char **buf,
    size_t *len, struct err *err);

#endif
