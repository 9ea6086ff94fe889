/* spool - the spool directory: layout, claiming, moving aside with .error */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "file.h"
#include "guard.h"
#include "spool.h"
#include "store.h"
#include "xmalloc.h"

#define MAX_SUFFIX 1000		/* "-2" ... "-1000", then give up */

static const struct {
	const char *name;
	mode_t mode;
	size_t path_off, fd_off;
} layout[SPOOL_NDIRS] = {
	/* incoming/ is the drop box of the SMB share: group-writable. */
	[SPOOL_INCOMING] = { "incoming", 02775, offsetof(struct spool, incoming),
	    offsetof(struct spool, incoming_fd) },
	[SPOOL_CONTROL] = { "control", 02770, offsetof(struct spool, control),
	    offsetof(struct spool, control_fd) },
	[SPOOL_PROCESSING] = { "processing", 0750,
	    offsetof(struct spool, processing),
	    offsetof(struct spool, processing_fd) },
	[SPOOL_FAILED] = { "failed", 0755, offsetof(struct spool, failed),
	    offsetof(struct spool, failed_fd) },
	[SPOOL_STATE] = { "state", 0750, offsetof(struct spool, state),
	    offsetof(struct spool, state_fd) },
};
#define NLAYOUT ((size_t)SPOOL_NDIRS)

const char *
spool_dir_name(enum spool_dir d)
{
	return layout[d].name;
}

mode_t
spool_dir_mode(enum spool_dir d)
{
	return layout[d].mode;
}

char *
spool_path(const char *root, enum spool_dir d)
{
	return xasprintf("%s/%s", root, layout[d].name);
}

char *
spool_store_path(const char *root)
{
	return xasprintf("%s/%s/%s", root, layout[SPOOL_STATE].name,
	    STORE_FILE);
}

/* mkdir with the layout's mode, past the umask; an existing one is kept. */
static int
make_one(const char *path, mode_t mode, struct err *err)
{
	if (mkdir(path, mode) == 0)
		chmod(path, mode);
	else if (errno != EEXIST)
		return err_errno(err, "cannot create %s", path);
	return 0;
}

int
spool_make_dir(const char *root, enum spool_dir d, struct err *err)
{
	char *path;
	int rc;

	if (spool_mkdirs(root, 0755, err) == -1)
		return -1;
	path = spool_path(root, d);
	rc = make_one(path, layout[d].mode, err);
	free(path);
	return rc;
}

int
spool_mkdirs(const char *path, mode_t mode, struct err *err)
{
	char *p = xstrdup(path), *s;
	int rc = -1;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, c == '\0' ? mode : 0755) == -1 && errno != EEXIST) {
			err_errno(err, "cannot create %s", p);
			goto out;
		}
		if ((*s = c) == '\0')
			break;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

int
spool_open(struct spool *sp, const char *root, struct err *err)
{
	size_t i;
	char **path;
	int *fd;

	memset(sp, 0, sizeof(*sp));
	sp->lock_fd = -1;
	for (i = 0; i < NLAYOUT; i++)
		*(int *)((char *)sp + layout[i].fd_off) = -1;
	sp->root = xstrdup(root);
	if (spool_mkdirs(root, 0755, err) == -1)
		goto fail;
	for (i = 0; i < NLAYOUT; i++) {
		path = (char **)((char *)sp + layout[i].path_off);
		fd = (int *)((char *)sp + layout[i].fd_off);
		*path = spool_path(root, (enum spool_dir)i);
		if (make_one(*path, layout[i].mode, err) == -1)
			goto fail;
		*fd = open(*path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (*fd == -1) {
			err_errno(err, "cannot open %s", *path);
			goto fail;
		}
	}
	return 0;
fail:
	spool_close(sp);
	return -1;
}

void
spool_close(struct spool *sp)
{
	size_t i;
	int *fd;

	for (i = 0; i < NLAYOUT; i++) {
		fd = (int *)((char *)sp + layout[i].fd_off);
		if (*fd != -1)
			close(*fd);
		free(*(char **)((char *)sp + layout[i].path_off));
	}
	if (sp->lock_fd != -1)
		close(sp->lock_fd);
	free(sp->root);
	memset(sp, 0, sizeof(*sp));
	sp->lock_fd = -1;
}

int
spool_lock(struct spool *sp, struct err *err)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = openat(sp->state_fd, SPOOL_PID_FILE,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1)
		return err_errno(err, "%s/%s", sp->state, SPOOL_PID_FILE);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		close(fd);
		return err_set(err, "another m3u8nas-spoold is already running "
		    "on %s (pid %s)", sp->root, *buf ? buf : "?");
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		close(fd);
		return err_errno(err, "%s/%s", sp->state, SPOOL_PID_FILE);
	}
	sp->lock_fd = fd;
	return 0;
}

bool
spool_is_job_name(const char *name)
{
	size_t n = strlen(name), s = strlen(SPOOL_JOB_SUFFIX);

	return name[0] != '.' && n > s &&
	    strcmp(name + n - s, SPOOL_JOB_SUFFIX) == 0 &&
	    strchr(name, '/') == NULL;
}

char *
spool_name_stem(const char *name, enum guard_name kind)
{
	size_t n = strlen(name), s = strlen(SPOOL_JOB_SUFFIX);
	char *stem, *safe;

	if (n > s && strcmp(name + n - s, SPOOL_JOB_SUFFIX) == 0)
		n -= s;
	stem = xstrndup(name, n);
	safe = guard_sanitize_name(stem, kind);
	free(stem);
	return safe;
}

char *
spool_id_from_name(const char *name)
{
	return spool_name_stem(name, GUARD_ID);
}

/* Makes processing/<id>/ for the first free candidate id; caller frees. */
static char *
reserve_id(struct spool *sp, const char *base,
    bool (*taken)(const char *, void *), void *arg, struct err *err)
{
	char *id;
	int k;

	for (k = 1; k <= MAX_SUFFIX; k++) {
		id = k == 1 ? xstrdup(base) : xasprintf("%s-%d", base, k);
		if ((taken == NULL || !taken(id, arg)) &&
		    mkdirat(sp->processing_fd, id, 0750) == 0)
			return id;
		if (errno != EEXIST && (taken == NULL || !taken(id, arg))) {
			err_errno(err, "cannot create %s/%s", sp->processing,
			    id);
			free(id);
			return NULL;
		}
		free(id);
	}
	err_set(err, "no free job id for %s", base);
	return NULL;
}

int
spool_claim(struct spool *sp, const char *name,
    bool (*taken)(const char *, void *), void *arg, char **id,
    struct err *err)
{
	char *base, *target;
	int rc;

	*id = NULL;
	base = spool_id_from_name(name);
	*id = reserve_id(sp, base, taken, arg, err);
	free(base);
	if (*id == NULL)
		return -1;
	target = xasprintf("%s/job", *id);
	/* Renames the entry itself: a symlink or FIFO is moved, not opened. */
	if (renameat(sp->incoming_fd, name, sp->processing_fd, target) == 0) {
		rc = 1;
		spool_make_private(sp->processing_fd, target, NULL);
	} else {
		rc = errno == ENOENT ? 0 : err_errno(err, "cannot claim %s/%s",
		    sp->incoming, name);
		unlinkat(sp->processing_fd, *id, AT_REMOVEDIR);
		free(*id);
		*id = NULL;
	}
	free(target);
	return rc;
}

int
spool_read_job(struct spool *sp, const char *id, int64_t max, char **buf,
    size_t *len, struct err *err)
{
	char *path = xasprintf("%s/job", id);
	int rc;

	/* "<id>/job is a symbolic link, not a file", "... is too large" */
	rc = file_read_bounded(sp->processing_fd, path,
	    max > 0 ? (size_t)max : 0, buf, len, err);
	free(path);
	return rc;
}

int
spool_move_aside(struct spool *sp, int dirfd, const char *name,
    const char *base, const char *reason, struct err *err)
{
	char *job = NULL, *error = NULL, *line = NULL, *b;
	struct stat st;
	int k, rc = -1;

	b = guard_sanitize_name(base, GUARD_ID);
	/*
	 * A regular file with another name somewhere (ln /etc/shadow
	 * incoming/x.job) is never given a name in failed/, which the SMB
	 * share shows: the name we hold is removed, only the .error stays.
	 * (lstat: a symlink is moved as it is, and smbd's wide links = no
	 * keeps it inside the share.)
	 */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_nlink != 1) {
		if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT) {
			err_errno(err, "cannot remove %s", name);
			goto out;
		}
		for (k = 1; k <= MAX_SUFFIX; k++) {
			free(job);
			job = k == 1 ? xasprintf("%s.job", b) :
			    xasprintf("%s-%d.job", b, k);
			if (faccessat(sp->failed_fd, job, F_OK,
			    AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT)
				break;
		}
		if (k > MAX_SUFFIX) {
			err_set(err, "no free name in %s for %s", sp->failed, b);
			goto out;
		}
		goto write_error;
	}
	for (k = 1; k <= MAX_SUFFIX; k++) {
		free(job);
		job = k == 1 ? xasprintf("%s.job", b) :
		    xasprintf("%s-%d.job", b, k);
		if (file_rename_noreplace(dirfd, name, sp->failed_fd, job) == 0)
			break;
		if (errno != EEXIST) {
			err_errno(err, "cannot move %s to %s", name,
			    sp->failed);
			goto out;
		}
	}
	if (k > MAX_SUFFIX) {
		err_set(err, "no free name in %s for %s", sp->failed, b);
		goto out;
	}
	/* failed/ is seen by the share: its .job files are not. */
	spool_make_private(sp->failed_fd, job, NULL);
write_error:
	error = xasprintf("%.*s.error", (int)(strlen(job) - 4), job);
	/* One line: a reason never spans lines, whatever it quotes. */
	line = xasprintf("%s\n", reason);
	for (char *p = line; p[1] != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	/* The reason is what a person reads: it survives a power cut. */
	if (file_write_atomic(sp->failed_fd, error, line, strlen(line), 0644,
	    FILE_SYNC, err) == -1)
		goto out;
	rc = 0;
out:
	free(line);
	free(error);
	free(job);
	free(b);
	return rc;
}

#define PRIVATE_MAX (1 << 20)

int
spool_make_private(int dirfd, const char *name, struct err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len;
	int fd, rc = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return err_errno(err, "%s", name);
	if (!S_ISREG(st.st_mode))
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return err_errno(err, "%s", name);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if ((st.st_mode & 07777) == 0600 && st.st_uid == geteuid()) {
		close(fd);
		return 0;
	}
	if (st.st_uid == geteuid() && fchmod(fd, 0600) == 0) {
		close(fd);
		return 0;
	}
	close(fd);
	/* Someone else's file: a copy of our own replaces it. */
	if (file_read_bounded(dirfd, name, PRIVATE_MAX, &buf, &len, err) == -1 ||
	    file_write_atomic(dirfd, name, buf, len, 0600, FILE_SYNC,
	    err) == -1)
		rc = -1;
	free(buf);
	return rc;
}

int
spool_remove_job_dir(struct spool *sp, const char *id, struct err *err)
{
	if (file_remove_tree(sp->processing_fd, id, NULL) == -1)
		return err_errno(err, "cannot remove %s/%s", sp->processing, id);
	return 0;
}

int
spool_fail(struct spool *sp, const char *id, const char *reason,
    struct err *err)
{
	char *job = xasprintf("%s/job", id);
	struct stat st;
	int rc = 0;

	if (fstatat(sp->processing_fd, job, &st, AT_SYMLINK_NOFOLLOW) == 0)
		rc = spool_move_aside(sp, sp->processing_fd, job, id, reason,
		    err);
	free(job);
	if (rc == 0)
		rc = spool_remove_job_dir(sp, id, err);
	return rc;
}

int
spool_requeue(struct spool *sp, const char *id, struct err *err)
{
	char *job = xasprintf("%s.job", id), *error = xasprintf("%s.error", id);
	char *target = xasprintf("%s/job", id);
	int rc = -1;

	if (mkdirat(sp->processing_fd, id, 0750) == -1 && errno != EEXIST) {
		err_errno(err, "cannot create %s/%s", sp->processing, id);
		goto out;
	}
	if (renameat(sp->failed_fd, job, sp->processing_fd, target) == -1) {
		if (errno != ENOENT) {
			err_errno(err, "cannot requeue %s/%s", sp->failed, job);
			goto out;
		}
		rc = 0;
		goto out;
	}
	unlinkat(sp->failed_fd, error, 0);
	rc = 1;
out:
	free(target);
	free(error);
	free(job);
	return rc;
}

char *
spool_workdir(struct spool *sp, const char *id, struct err *err)
{
	char *rel = xasprintf("%s/work", id);
	char *path = NULL;

	if (mkdirat(sp->processing_fd, id, 0750) == -1 && errno != EEXIST)
		err_errno(err, "cannot create %s/%s", sp->processing, id);
	else if (mkdirat(sp->processing_fd, rel, 0750) == -1 &&
	    errno != EEXIST)
		err_errno(err, "cannot create %s/%s", sp->processing, rel);
	else
		path = xasprintf("%s/%s", sp->processing, rel);
	free(rel);
	return path;
}

bool
spool_has_job_file(struct spool *sp, const char *id)
{
	char *job = xasprintf("%s/job", id);
	struct stat st;
	bool yes;

	yes = fstatat(sp->processing_fd, job, &st, AT_SYMLINK_NOFOLLOW) == 0;
	free(job);
	return yes;
}

int64_t
spool_free_bytes(const char *path)
{
	struct statvfs vfs;

	if (statvfs(path, &vfs) == -1)
		return -1;
	return (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
}
