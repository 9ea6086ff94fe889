/* file - one way to write a file: a reader never sees half of one */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

#define MAX_TREE_DEPTH 16

int
file_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A directory cannot be linked: check, then rename (a narrow race). */
static int
rename_checked(int fromfd, const char *from, int tofd, const char *to)
{
	struct stat st;

	if (fstatat(tofd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(fromfd, from, tofd, to);
}

int
file_rename_noreplace(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* No RENAME_NOREPLACE here: link(2) never replaces either. */
	if (linkat(fromfd, from, tofd, to, 0) == -1)
		return errno == EPERM ? rename_checked(fromfd, from, tofd, to) :
		    -1;
	if (unlinkat(fromfd, from, 0) == -1) {
		int saved = errno;

		unlinkat(tofd, to, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

void
file_sync_dir(int dirfd, const char *name)
{
	const char *slash = name != NULL ? strrchr(name, '/') : NULL;
	char *dir;
	int fd;

	if (slash == NULL && dirfd != AT_FDCWD) {
		fsync(dirfd);
		return;
	}
	dir = slash == NULL ? xstrdup(".") : slash == name ? xstrdup("/") :
	    xstrndup(name, (size_t)(slash - name));
	fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* ".<base>.<pid>.<n>.tmp" beside name: hidden, unique across threads. */
static char *
tmp_name(const char *name)
{
	static atomic_uint counter;
	const char *slash = strrchr(name, '/');
	unsigned n = atomic_fetch_add(&counter, 1);

	if (slash == NULL)
		return xasprintf(".%s.%ld.%u.tmp", name, (long)getpid(), n);
	return xasprintf("%.*s/.%s.%ld.%u.tmp", (int)(slash - name), name,
	    slash + 1, (long)getpid(), n);
}

int
file_write_atomic(int dirfd, const char *name, const void *buf, size_t len,
    mode_t mode, int flags, struct err *err)
{
	char *tmp = tmp_name(name);
	int fd, saved, rc = -1;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd == -1) {
		err_errno(err, "cannot create %s", tmp);
		goto out;
	}
	/* The mode asked for, whatever the umask says. */
	if (fchmod(fd, mode) == -1 || file_write_all(fd, buf, len) == -1 ||
	    ((flags & FILE_SYNC) && fsync(fd) == -1)) {
		err_errno(err, "cannot write %s", name);
		close(fd);
		goto unlink;
	}
	if (close(fd) == -1) {
		err_errno(err, "cannot write %s", name);
		goto unlink;
	}
	if ((flags & FILE_NOREPLACE) ?
	    file_rename_noreplace(dirfd, tmp, dirfd, name) == -1 :
	    renameat(dirfd, tmp, dirfd, name) == -1) {
		err_errno(err, errno == EEXIST ? "%s exists" :
		    "cannot rename to %s", name);
		goto unlink;
	}
	if (flags & FILE_SYNC)
		file_sync_dir(dirfd, name);
	rc = 0;
	goto out;
unlink:
	saved = errno;		/* EEXIST tells the caller to try a new name */
	unlinkat(dirfd, tmp, 0);
	errno = saved;
out:
	free(tmp);
	return rc;
}

static int
remove_tree(int dfd, const char *name, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || depth > MAX_TREE_DEPTH)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (remove_tree(dirfd(d), de->d_name, depth + 1) == -1) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT ?
	    -1 : 0;
}

int
file_remove_tree(int dirfd, const char *name, struct err *err)
{
	if (remove_tree(dirfd, name, 0) == -1)
		return err_errno(err, "cannot remove %s", name);
	return 0;
}

static const char *
kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* A regular file with one name: anything else is refused unopened. */
static int
check_plain(const char *name, const struct stat *st, struct err *err)
{
	if (!S_ISREG(st->st_mode))
		return err_setk(err, ERR_REFUSED, "%s is %s, not a file", name,
		    kind_of(st->st_mode));
	if (st->st_nlink != 1)
		return err_setk(err, ERR_REFUSED, "%s has %ju hard links "
		    "(a file with other names is never read)", name,
		    (uintmax_t)st->st_nlink);
	return 0;
}

int
file_read_bounded(int dirfd, const char *name, size_t max, char **buf,
    size_t *len, struct err *err)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd = -1, rc = -1;

	*buf = NULL;
	/* lstat first: a device or FIFO is refused before open() touches it. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		err_errno(err, "cannot read %s", name);
		goto out;
	}
	if (check_plain(name, &st, err) == -1)
		goto out;
	fd = openat(dirfd, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		err_errno(err, "cannot read %s", name);
		goto out;
	}
	if (check_plain(name, &st, err) == -1)	/* swapped meanwhile */
		goto out;
	if ((uintmax_t)st.st_size > max) {
		err_setk(err, ERR_REFUSED, "%s is too large (%jd bytes, at "
		    "most %zu)", name, (intmax_t)st.st_size, max);
		goto out;
	}
	*buf = xmalloc(max + 2);
	/* Bounded even if the file grows while we read. */
	while (got <= max && (n = read(fd, *buf + got, max + 1 - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err_errno(err, "cannot read %s", name);
			goto out;
		}
		got += (size_t)n;
	}
	if (got > max) {
		err_setk(err, ERR_REFUSED, "%s is too large (more than %zu "
		    "bytes)", name, max);
		goto out;
	}
	(*buf)[got] = '\0';
	*len = got;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}
