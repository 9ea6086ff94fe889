/* httpd-body - the JSON bodies of POST /api/download and /api/probe, judged */
#ifndef M3U8NAS_HTTPD_BODY_H
#define M3U8NAS_HTTPD_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "job.h"

/*
 * A download body checked field by field (a wrong type names its field),
 * re-encoded with only the keys a .job carries and run through
 * job_validate_conf (with the folders and allow_private_targets of
 * conf): the endpoint accepts exactly what the spooler would.
 * 0 with *spec filled (caller frees), or -1 with an ERR_INVALID or
 * ERR_REFUSED reason (spec empty).
 */
struct conf;
int httpd_body_download(const char *raw, size_t len, const struct conf *conf,
    struct job_spec *spec, struct err *err);
/* {url, headers?, referer?} checked like a .job (job_parse). */
int httpd_body_probe(const char *raw, size_t len, struct job_spec *spec,
    struct err *err);

#endif
