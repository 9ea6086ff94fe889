/* control - the control/ protocol: requests about a job, both ways */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "file.h"
#include "job-id.h"
#include "xmalloc.h"

static const char *const words[CONTROL_NWORDS] = {
	[CONTROL_CANCEL] = "cancel",
	[CONTROL_RETRY] = "retry",
	[CONTROL_PAUSE] = "pause",
	[CONTROL_RESUME] = "resume",
	[CONTROL_REFRESH] = "refresh",
	[CONTROL_REMOVE] = "remove",
	[CONTROL_REMOVE_FILE] = "remove-file",
};

const char *
control_word_name(enum control_word w)
{
	return w >= 0 && w < CONTROL_NWORDS ? words[w] : "?";
}

bool
control_word_supported(enum control_word w)
{
	return w >= 0 && w < CONTROL_NWORDS && w != CONTROL_REFRESH;
}

bool
control_word_in_tree(enum control_word w)
{
	return w == CONTROL_CANCEL || w == CONTROL_RETRY ||
	    w == CONTROL_PAUSE || w == CONTROL_RESUME;
}

/* The word spelled by exactly n bytes at s, or -1. */
static int
word_of(const char *s, size_t n)
{
	int w;

	for (w = 0; w < CONTROL_NWORDS; w++)
		if (strlen(words[w]) == n && memcmp(s, words[w], n) == 0)
			return w;
	return -1;
}

int
control_word_parse(const char *buf, size_t len)
{
	size_t n = len;

	if (len > CONTROL_MAX_WRITE)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	return word_of(buf, n);
}

int
control_request(const char *control_dir, const char *id,
    enum control_word w, struct err *err)
{
	char body[16];

	snprintf(body, sizeof(body), "%s\n", control_word_name(w));
	return control_request_data(control_dir, id, w, body, strlen(body),
	    0644, err);
}

int
control_request_data(const char *control_dir, const char *id,
    enum control_word w, const void *data, size_t len, mode_t mode,
    struct err *err)
{
	char name[JOB_ID_MAX + 16];
	int dfd, rc, saved;

	if (!job_id_valid(id)) {
		errno = EINVAL;
		return err_setk(err, ERR_INVALID, "control: bad job id '%.*s'",
		    JOB_ID_MAX, id);
	}
	snprintf(name, sizeof(name), "%s.%s", id, words[w]);
	/* No symlink is followed: not for the directory, not for the file. */
	dfd = open(control_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd == -1)
		return err_errno(err, "control: %s", control_dir);
	/* Replacing an earlier request is right: asking twice is asking once. */
	rc = file_write_atomic(dfd, name, data, len, mode, FILE_SYNC, err);
	saved = errno;
	if (rc == -1)
		err_wrap(err, "control: %s/%s", control_dir, name);
	close(dfd);
	errno = saved;
	return rc;
}

int
control_parse(const char *name, enum control_word *w, char **id)
{
	const char *dot = strrchr(name, '.');
	int word;

	*id = NULL;
	if (name[0] == '.' || dot == NULL || dot == name)
		return 0;
	if ((word = word_of(dot + 1, strlen(dot + 1))) < 0)
		return 0;
	*w = (enum control_word)word;
	*id = xstrndup(name, (size_t)(dot - name));
	return job_id_valid(*id) ? 1 : -1;
}
