/* name - the library name of a finished video: the name_template */
#ifndef M3U8NAS_NAME_H
#define M3U8NAS_NAME_H

#include <stdbool.h>

#include "err.h"

/*
 * name_template (etc/m3u8nas.conf) says where under its folder a video
 * lands, without ".mp4": "{title}" by default. Fields:
 *
 *   {title}   the job's title (or its dropped name, or a name from the URL)
 *   {job}     the dropped file's name without .job ("concert"); the
 *             title for a job the endpoint or `m3u8nas add` wrote
 *   {site}    the host of the source page (else the referer, else the
 *             stream), "www.example.com"
 *   {date}    the day the job arrived, YYYY-MM-DD (local time)
 *   {height}  the video's height in pixels ("720"), empty when unknown
 *   {id}      the job id
 *
 * A '/' in the template (never one from a field's value) makes a
 * subfolder. Each component is expanded, then sanitized as a title
 * (guard_sanitize_name GUARD_TITLE: no '/', no leading '.', so never
 * ".."); a folder component that expands to nothing is left out, a file
 * component that does becomes the title. At most NAME_MAX_DEPTH
 * components; the result is relative and stays under its folder.
 */
#define NAME_DEFAULT_TEMPLATE "{title}"
#define NAME_MAX_DEPTH 8
#define NAME_MAX_TEMPLATE 512

struct name_fields {
	const char *title, *job, *site, *date, *height, *id;
};

/* A template a person wrote: known fields only, braces closed, at most
 * NAME_MAX_DEPTH components, not absolute. 0 or -1 with the reason. */
int name_template_check(const char *tmpl, struct err *err);
/* The relative path ("site/Title") for a checked template; newly
 * allocated, never empty, no "." or ".." component, no leading '/'. */
char *name_expand(const char *tmpl, const struct name_fields *f);
/* A job name that is an id the endpoint made ("j" + 12 hex digits):
 * no name a person gave. */
bool name_is_generated(const char *job_name);

#endif
