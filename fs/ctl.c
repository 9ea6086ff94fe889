/* ctl - control requests: "cancel" or "retry" a job, dropped in control/ */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static const char *const words[CTL_NWORDS] = {
	[CTL_CANCEL] = "cancel",
	[CTL_RETRY] = "retry",
};

const char *
ctl_word_name(enum ctl_word w)
{
	return words[w];
}

int
ctl_parse(const char *buf, size_t len)
{
	size_t n = len;
	int w;

	if (len > CTL_MAX_WRITE)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	for (w = 0; w < CTL_NWORDS; w++)
		if (strlen(words[w]) == n && memcmp(buf, words[w], n) == 0)
			return w;
	return -1;
}

int
ctl_id_ok(const char *id)
{
	const char *p;

	if (*id == '\0' || *id == '.' || strlen(id) > CTL_MAX_ID)
		return 0;
	for (p = id; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return 0;
	return 1;
}

/* Writes all of buf to fd, then fsyncs; 0 or -1. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return fsync(fd);
}

int
ctl_request(const char *dir, const char *id, enum ctl_word w,
    struct err *err)
{
	static atomic_uint seq;
	char tmp[CTL_MAX_ID + 64], final[CTL_MAX_ID + 16], body[16];
	int dfd = -1, fd = -1, rc = -1, saved;

	if (!ctl_id_ok(id)) {
		errno = EINVAL;
		return err_set(err, "ctl: bad job id '%s'", id);
	}
	snprintf(tmp, sizeof(tmp), ".%s.%s.%ld.%u.tmp", id, words[w],
	    (long)getpid(), atomic_fetch_add(&seq, 1));
	snprintf(final, sizeof(final), "%s.%s", id, words[w]);
	snprintf(body, sizeof(body), "%s\n", words[w]);
	/* No symlink is followed: not for the directory, not for the file. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1) {
		err_errno(err, "ctl: %s", dir);
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd == -1) {
		err_errno(err, "ctl: %s/%s", dir, tmp);
		goto out;
	}
	if (write_all(fd, body, strlen(body)) == -1) {
		err_errno(err, "ctl: writing %s/%s", dir, tmp);
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc == -1) {
		err_errno(err, "ctl: writing %s/%s", dir, tmp);
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	rc = -1;
	if (renameat(dfd, tmp, dfd, final) == -1) {
		err_errno(err, "ctl: %s/%s", dir, final);
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	fsync(dfd);
	rc = 0;
out:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	errno = saved;
	return rc;
}
