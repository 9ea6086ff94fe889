/* ctl - control requests: "cancel" or "retry" a job, dropped in control/ */
#ifndef M3U8NAS_FS_CTL_H
#define M3U8NAS_FS_CTL_H

#include <stddef.h>

#include "err.h"

/*
 * Writing a word to jobs/<id>/ctl asks the spooler to act on the job: the
 * tree drops control/<id>.<word> into the spool (the same request the
 * endpoint drops for POST /api/jobs/<id>/cancel), written under a dot name
 * with O_EXCL, fsync'ed and renamed into place, so that the spooler never
 * reads half a request. The file holds the word and a newline.
 */
enum ctl_word { CTL_CANCEL, CTL_RETRY, CTL_NWORDS };

#define CTL_MAX_WRITE 64	/* a longer write is no known word */
#define CTL_MAX_ID 128

/*
 * The word in what a writer wrote: exactly "cancel" or "retry", optionally
 * followed by whitespace ("\n", "\r\n" from a Windows client). -1 for
 * anything else.
 */
int ctl_parse(const char *buf, size_t len);
const char *ctl_word_name(enum ctl_word w);
/* 1 when id is a plain name: [A-Za-z0-9._-], not starting with '.'. */
int ctl_id_ok(const char *id);
/*
 * Drops control/<id>.<word> (dir is the spool's control/). An existing
 * request of the same kind is replaced: asking twice is asking once.
 * 0, or -1 with errno set and err filled.
 */
int ctl_request(const char *dir, const char *id, enum ctl_word w,
    struct err *err);

#endif
