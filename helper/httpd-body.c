/* httpd-body - the JSON bodies of POST /api/download and /api/probe, judged */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "httpd-body.h"
#include "job-validate.h"
#include "xmalloc.h"

/*
 * Pure (no I/O, no server state), so that tests/fuzz/fuzz_http_body.c
 * feeds them what any client could post. jansson's error text quotes the
 * input ("near '...'"): only the part before that is answered.
 */
static json_t *
load(const char *raw, size_t len, struct err *err)
{
	json_error_t jerr;
	json_t *body;
	char *near;

	body = json_loadb(raw, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (body == NULL) {
		if ((near = strstr(jerr.text, " near ")) != NULL)
			*near = '\0';
		err_setk(err, ERR_INVALID, "invalid JSON: %s", jerr.text);
	}
	return body;
}

/*
 * The posted body, checked field by field so that a wrong type names its
 * field, then re-encoded with only the keys a .job carries, for
 * job_validate: the endpoint accepts exactly what the spooler would.
 * Errors are ERR_INVALID.
 */
static char *
body_to_job(json_t *body, struct err *err)
{
	static const char *const strs[] = { "url", "title", "referer",
		"quality", "source_page", "folder", NULL };
	json_t *job = json_object(), *v, *hv;
	const char *const *k;
	const char *name;
	char *text = NULL;

	if (!json_is_object(body)) {
		err_setk(err, ERR_INVALID, "the body must be a JSON object");
		goto out;
	}
	for (k = strs; *k != NULL; k++) {
		if ((v = json_object_get(body, *k)) == NULL || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			err_setk(err, ERR_INVALID, "\"%s\" must be a string", *k);
			goto out;
		}
		json_object_set(job, *k, v);
	}
	if (json_object_get(job, "url") == NULL) {
		err_setk(err, ERR_INVALID, "\"url\" is missing");
		goto out;
	}
	if ((v = json_object_get(body, "force")) != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			err_setk(err, ERR_INVALID, "\"force\" must be true or "
			    "false");
			goto out;
		}
		json_object_set(job, "force", v);
	}
	if ((v = json_object_get(body, "headers")) != NULL && !json_is_null(v)) {
		bool strings = json_is_object(v);

		if (strings)
			json_object_foreach(v, name, hv)
				strings = strings && json_is_string(hv);
		if (!strings) {
			err_setk(err, ERR_INVALID,
			    "\"headers\" must be an object of strings");
			goto out;
		}
		json_object_set(job, "headers", v);
	}
	/* Track choices: a word or a list of languages; job_parse checks. */
	for (k = (const char *const[]){ "audio", "subtitles", NULL };
	    *k != NULL; k++) {
		if ((v = json_object_get(body, *k)) == NULL || json_is_null(v))
			continue;
		if (!json_is_string(v) && !json_is_array(v)) {
			err_setk(err, ERR_INVALID, "\"%s\" must be a string or "
			    "a list of languages", *k);
			goto out;
		}
		json_object_set(job, *k, v);
	}
	text = json_dumps(job, JSON_COMPACT);
out:
	json_decref(job);
	return text;
}

int
httpd_body_download(const char *raw, size_t len, const struct conf *conf,
    struct job_spec *spec, struct err *err)
{
	json_t *body;
	char *text = NULL;
	int rc = -1;

	memset(spec, 0, sizeof(*spec));
	if ((body = load(raw, len, err)) == NULL)
		return -1;
	if ((text = body_to_job(body, err)) != NULL &&
	    job_validate_conf(text, strlen(text), conf, spec, err) == 0)
		rc = 0;
	free(text);
	json_decref(body);
	return rc;
}

int
httpd_body_probe(const char *raw, size_t len, struct job_spec *spec,
    struct err *err)
{
	json_t *body, *job = NULL, *v;
	char *text = NULL;
	int rc = -1;

	memset(spec, 0, sizeof(*spec));
	if ((body = load(raw, len, err)) == NULL)
		return -1;
	if (!json_is_object(body)) {
		err_setk(err, ERR_INVALID, "the body must be a JSON object");
		goto out;
	}
	job = json_object();
	if ((v = json_object_get(body, "url")) != NULL)
		json_object_set(job, "url", v);
	if ((v = json_object_get(body, "referer")) != NULL)
		json_object_set(job, "referer", v);
	if ((v = json_object_get(body, "headers")) != NULL)
		json_object_set(job, "headers", v);
	text = json_dumps(job, JSON_COMPACT);
	if (text != NULL && job_parse(text, strlen(text), spec, err) == 0)
		rc = 0;
out:
	free(text);
	json_decref(job);
	json_decref(body);
	return rc;
}
