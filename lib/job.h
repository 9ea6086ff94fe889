/* job - the .job file codec: what a person or the endpoint drops in incoming/ */
#ifndef M3U8NAS_JOB_H
#define M3U8NAS_JOB_H

#include <stddef.h>

#include "err.h"

/*
 * A .job is a UTF-8 JSON object; only "url" is required:
 *   {"url": "...", "title": "...", "referer": "...", "headers": {...},
 *    "quality": "best", "source_page": "...", "id": "..."}
 * A file holding just a URL (one line, http or https) is a job too.
 *
 * job_parse validates everything a job can carry: the scheme is http or
 * https, header names are tokens and values hold no CR/LF, strings are
 * bounded, quality is best|worst|<N>p|<bandwidth>. Anything else fails with
 * one readable line, e.g. "Invalid job: \"url\" is missing".
 */
#define JOB_MAX_HEADERS 32
#define JOB_MAX_URL 8192
#define JOB_MAX_TITLE 200

struct job_header {
	char *name;
	char *value;
};

struct job_spec {
	char *url;
	char *title;		/* NULL: derive from the playlist URL */
	char *referer;
	char *quality;		/* never NULL after parse: "best" by default */
	char *source_page;
	char *id;		/* client's id; NULL if none */
	struct job_header headers[JOB_MAX_HEADERS];
	size_t nheaders;
};

int job_parse(const char *buf, size_t len, struct job_spec *job,
    struct err *err);
/* Checks a quality word; 0 or -1. */
int job_check_quality(const char *quality, struct err *err);
/*
 * The job's request headers as "Name: value" lines, NULL-terminated, for
 * fetch_request.headers / download_opts.headers: every header, then
 * "Referer: <referer>" unless a Referer header is already there. Free
 * with job_header_lines_free.
 */
char **job_header_lines(const struct job_spec *job);
void job_header_lines_free(char **lines);
/* JSON text of the job (caller frees). */
char *job_encode(const struct job_spec *job);
void job_spec_free(struct job_spec *job);
/* Adds a header "Name: value" given as one string (the -H syntax). */
int job_add_header_line(struct job_spec *job, const char *line,
    struct err *err);
/*
 * Writes the job into dir as `name`.job the Postfix way: a dot-file with
 * O_EXCL, fsync, rename. If `name` is taken, "-2", "-3"... is added. The
 * final base name (without .job) is stored in *final (caller frees).
 * `name` must already be a safe file name (see guard_sanitize_name).
 */
int job_write_file(const char *dir, const char *name, const struct job_spec *job,
    char **final, struct err *err);

#endif
