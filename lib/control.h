/* control - the control/ protocol: requests about a job, both ways */
#ifndef M3U8NAS_CONTROL_H
#define M3U8NAS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * A request is a file control/<id>.<word> in the spool: the FUSE tree's
 * jobs/<id>/ctl and the endpoint's POST /api/jobs/<id>/<word> write it,
 * the spooler reads the name, acts, and removes it. The name is the
 * contract; the content (the word and a newline) is for people. Asking
 * twice is asking once: a second request replaces the first.
 *
 * refresh carries data: the file's content is a job JSON holding the
 * fresh link ("url", "headers", "referer"), written 0600 since it holds
 * cookies (control_request_data). The spooler checks it with
 * job_validate, puts it into processing/<id>/job and resumes the job.
 *
 * One request is not about a job: control/settings holds the owner's
 * bandwidth limit and schedule (lib/bandwidth.h) for the spooler to
 * apply; control_parse says 0 for it (it has no word).
 */
enum control_word {
	CONTROL_CANCEL,
	CONTROL_RETRY,
	CONTROL_PAUSE,
	CONTROL_RESUME,
	CONTROL_REFRESH,
	CONTROL_REMOVE,		/* forget a finished job (the row, its traces) */
	CONTROL_REMOVE_FILE,	/* the same, and delete its video */
	CONTROL_NWORDS
};

#define CONTROL_MAX_WRITE 64	/* a longer ctl write is no known word */

const char *control_word_name(enum control_word w);
/* The spooler carries this word out as a bare request today (all but
 * refresh, which is carried out too, but only with its data). */
bool control_word_supported(enum control_word w);
/* A word jobs/<id>/ctl takes: cancel, retry, pause, resume. Removing a
 * job (and its video) is the owner's, through the endpoint's signed-in
 * page or token, not anyone's who can write to the share. */
bool control_word_in_tree(enum control_word w);
/*
 * The word in what a person wrote (to ctl): exactly a word, optionally
 * followed by whitespace ("\n", "\r\n" from a Windows client). The word,
 * or -1 for anything else.
 */
int control_word_parse(const char *buf, size_t len);
/*
 * Drops control_dir/<id>.<word> (FILE_SYNC: tmp + fsync + rename, no
 * symlink followed). 0, or -1 with errno set and err filled (an id that
 * is not job_id_valid: EINVAL, ERR_INVALID).
 */
int control_request(const char *control_dir, const char *id,
    enum control_word w, struct err *err);
/* The same with data as the content, in a file of the given mode. */
int control_request_data(const char *control_dir, const char *id,
    enum control_word w, const void *data, size_t len, mode_t mode,
    struct err *err);
/* The largest content a request may have (a refresh's job JSON). */
#define CONTROL_MAX_DATA (256 << 10)
/*
 * A name in control/: 1 a request (*w, and *id newly allocated); 0 not a
 * request (a dot-file in writing, no known word: leave it); -1 a known
 * word for an id that cannot be a job (*id set: drop it).
 */
int control_parse(const char *name, enum control_word *w, char **id);

#define CONTROL_SETTINGS "settings"	/* control/settings */

#endif
