/* job - the .job file codec: what a person or the endpoint drops in incoming/ */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "file.h"
#include "guard.h"
#include "job-id.h"
#include "job.h"
#include "log.h"
#include "playlist.h"
#include "xmalloc.h"

#define JOB_MAX_STRING 8192	/* any one string field */

/* Only printable text: no control characters (tab allowed in titles). */
static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* An HTTP token (RFC 9110 tchar), safe to quote back in a reason. */
static bool
is_token(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~",
		    *s) == NULL)
			return false;
	return true;
}

static bool
is_http_url(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

/* A job the codec turns down is bad input, whichever field said so. */
#define invalid(err, ...) err_setk(err, ERR_INVALID, __VA_ARGS__)

static int
check_url(const char *field, const char *url, struct err *err)
{
	const char *colon;

	if (*url == '\0')
		return invalid(err, "Invalid job: \"%s\" is empty", field);
	if (strlen(url) > JOB_MAX_URL)
		return invalid(err, "Invalid job: \"%s\" is longer than %d "
		    "characters", field, JOB_MAX_URL);
	if (has_control(url) || strchr(url, ' ') != NULL)
		return invalid(err, "Invalid job: \"%s\" holds spaces or "
		    "control characters", field);
	if (!guard_utf8_ok(url))
		return invalid(err, "Invalid job: \"%s\" is not UTF-8 "
		    "(percent-encode other bytes)", field);
	if (!is_http_url(url)) {
		colon = strchr(url, ':');
		/* The scheme is named only when it is a well-known one:
		 * the first word of a refused file may be a secret. */
		if (colon != NULL && colon - url < 16 &&
		    guard_scheme_nameable(url, (size_t)(colon - url)))
			return invalid(err, "Invalid job: unsupported scheme "
			    "'%.*s' in \"%s\" (only http and https)",
			    (int)(colon - url), url, field);
		return invalid(err, "Invalid job: \"%s\" is not an http(s) "
		    "URL", field);
	}
	return 0;
}

int
job_check_quality(const char *q, struct err *err)
{
	size_t n = strlen(q), i;

	if (strcmp(q, "best") == 0 || strcmp(q, "worst") == 0)
		return 0;
	if (n >= 1 && n <= 12) {
		for (i = 0; i < n && isdigit((unsigned char)q[i]); i++)
			;
		if (i > 0 && (i == n || (i == n - 1 && q[i] == 'p')))
			return 0;
	}
	return invalid(err, "Invalid job: \"quality\" must be best, worst, "
	    "a height like 720p or a bandwidth in bits/s");
}

/* A header name is an HTTP token; the value holds no CR, LF or NUL. */
static int
check_header(const char *name, const char *value, struct err *err)
{
	const char *p;

	if (*name == '\0' || strlen(name) > 256)
		return invalid(err, "Invalid job: bad header name");
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~",
		    *p) == NULL)
			/* not quoted: the bytes are the file's, not ours */
			return invalid(err, "Invalid job: bad header name (a "
			    "name is a token: letters, digits, !#$%%&'*+-.^_`|~)");
	if (strlen(value) > JOB_MAX_STRING)
		return invalid(err, "Invalid job: header \"%.64s\" is too "
		    "long", name);
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			return invalid(err, "Invalid job: header \"%.64s\" "
			    "holds a line break", name);
	return 0;
}

static int
add_header(struct job_spec *job, const char *name, const char *value,
    struct err *err)
{
	if (check_header(name, value, err) == -1)
		return -1;
	if (job->nheaders == JOB_MAX_HEADERS)
		return invalid(err, "Invalid job: more than %d headers",
		    JOB_MAX_HEADERS);
	job->headers[job->nheaders].name = xstrdup(name);
	job->headers[job->nheaders].value = xstrdup(value);
	job->nheaders++;
	return 0;
}

int
job_add_header_line(struct job_spec *job, const char *line, struct err *err)
{
	const char *colon = strchr(line, ':');
	char *name;
	const char *value;
	int rc;

	if (colon == NULL || colon == line)
		return invalid(err, "bad header \"%.64s\": want 'Name: value'",
		    line);
	name = xstrndup(line, colon - line);
	for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
		;
	rc = add_header(job, name, value, err);
	free(name);
	return rc;
}

char **
job_header_lines(const struct job_spec *job)
{
	char **h = xcalloc(job->nheaders + 2, sizeof(*h));
	size_t i, n = 0;
	bool referer = false;

	for (i = 0; i < job->nheaders; i++) {
		h[n++] = xasprintf("%s: %s", job->headers[i].name,
		    job->headers[i].value);
		referer |= strcasecmp(job->headers[i].name, "Referer") == 0;
	}
	/* A Referer among the headers is the person's choice: it wins. */
	if (!referer && job->referer != NULL && *job->referer != '\0')
		h[n++] = xasprintf("Referer: %s", job->referer);
	return h;
}

void
job_header_lines_free(char **lines)
{
	char **h;

	for (h = lines; h != NULL && *h != NULL; h++)
		free(*h);
	free(lines);
}

/* Reads an optional string member; -1 if present but not a string. */
static int
get_string(json_t *obj, const char *field, char **out, size_t max,
    struct err *err)
{
	json_t *v = json_object_get(obj, field);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return invalid(err, "Invalid job: \"%s\" must be a string",
		    field);
	if (json_string_length(v) > max)
		return invalid(err, "Invalid job: \"%s\" is longer than %zu "
		    "characters", field, max);
	*out = xstrdup(json_string_value(v));
	return 0;
}

#define JOB_MAX_CHOICE 256

/*
 * "audio" / "subtitles": a word ("all", "default", "none", "en,fr") or an
 * array of languages, kept as one comma-separated string.
 */
static int
get_choice(json_t *obj, const char *field, char **out, struct err *err)
{
	json_t *v = json_object_get(obj, field), *e;
	size_t i, len = 0;
	char *buf;
	struct err perr;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		if (get_string(obj, field, out, JOB_MAX_CHOICE, err) == -1)
			return -1;
	} else if (json_is_array(v) && json_array_size(v) > 0 &&
	    json_array_size(v) <= 32) {
		buf = xcalloc(1, JOB_MAX_CHOICE + 1);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e) || len + json_string_length(e) +
			    1 > JOB_MAX_CHOICE || strchr(json_string_value(e),
			    ',') != NULL) {
				free(buf);
				return invalid(err, "Invalid job: \"%s\" must be "
				    "a string or a short list of languages",
				    field);
			}
			len += (size_t)snprintf(buf + len, JOB_MAX_CHOICE + 1 -
			    len, "%s%s", i > 0 ? "," : "", json_string_value(e));
		}
		*out = buf;
	} else {
		return invalid(err, "Invalid job: \"%s\" must be a string or "
		    "a list of languages", field);
	}
	if (playlist_check_choice(*out, &perr) == -1)
		return invalid(err, "Invalid job: \"%s\": %s", field, perr.msg);
	return 0;
}

static int
parse_headers(json_t *obj, struct job_spec *job, struct err *err)
{
	json_t *hdrs = json_object_get(obj, "headers"), *v;
	const char *name;

	if (hdrs == NULL || json_is_null(hdrs))
		return 0;
	if (!json_is_object(hdrs))
		return invalid(err, "Invalid job: \"headers\" must be an "
		    "object of strings");
	json_object_foreach(hdrs, name, v) {
		if (!json_is_string(v))
			return is_token(name) ? invalid(err, "Invalid job: "
			    "\"headers\" must be an object of strings (\"%.64s\" "
			    "is not)", name) : invalid(err, "Invalid job: "
			    "\"headers\" must be an object of strings");
		if (add_header(job, name, json_string_value(v), err) == -1)
			return -1;
	}
	return 0;
}

/*
 * jansson's error text quotes the input ("invalid token near 'xyz'"): a
 * refused file's bytes would reach failed/<id>.error, the log, the store and
 * the API (a root-only file hard-linked into incoming/ included). Only
 * the reason before " near " is kept, and only printable ASCII of it.
 */
static const char *
json_reason(char *text)
{
	char *p = strstr(text, " near ");

	if (p != NULL)
		*p = '\0';
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '\'' || *p == '"')
			*p = '?';
	return text;
}

static int
parse_json(const char *buf, size_t len, struct job_spec *job, struct err *err)
{
	json_error_t jerr;
	json_t *root, *v;
	int rc = -1;

	/* jansson refuses \u0000 in strings unless told otherwise: good. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return invalid(err, "Invalid job: not valid JSON (line %d: %s)",
		    jerr.line, json_reason(jerr.text));
	if (!json_is_object(root)) {
		invalid(err, "Invalid job: the JSON must be an object");
		goto out;
	}
	if (json_object_get(root, "url") == NULL) {
		invalid(err, "Invalid job: \"url\" is missing");
		goto out;
	}
	if (get_string(root, "url", &job->url, JOB_MAX_URL, err) == -1 ||
	    get_string(root, "title", &job->title, JOB_MAX_STRING, err) == -1 ||
	    get_string(root, "referer", &job->referer, JOB_MAX_URL, err) == -1 ||
	    get_string(root, "quality", &job->quality, 32, err) == -1 ||
	    get_string(root, "source_page", &job->source_page, JOB_MAX_URL,
	    err) == -1 ||
	    get_string(root, "id", &job->id, 128, err) == -1 ||
	    get_choice(root, "audio", &job->audio, err) == -1 ||
	    get_choice(root, "subtitles", &job->subtitles, err) == -1 ||
	    get_string(root, "folder", &job->folder, 64, err) == -1 ||
	    parse_headers(root, job, err) == -1)
		goto out;
	if ((v = json_object_get(root, "force")) != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			invalid(err, "Invalid job: \"force\" must be true or "
			    "false");
			goto out;
		}
		job->force = json_is_true(v);
	}
	/* A name, never a path: the configuration maps it to one. */
	if (job->folder != NULL && *job->folder != '\0' &&
	    !job_id_valid(job->folder)) {
		invalid(err, "Invalid job: \"folder\" must be a folder name "
		    "(letters, digits, '.', '_', '-')");
		goto out;
	}
	if (job->url == NULL) {
		invalid(err, "Invalid job: \"url\" must be a string");
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* A file holding just a URL: one line, surrounding blanks ignored. */
static int
parse_bare_url(const char *buf, size_t len, struct job_spec *job,
    struct err *err)
{
	const char *s = buf, *e = buf + len;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (s == e)
		return invalid(err, "Invalid job: the file is empty");
	if (memchr(s, '\n', e - s) != NULL || memchr(s, '\0', e - s) != NULL)
		return invalid(err, "Invalid job: neither JSON nor a single "
		    "URL");
	job->url = xstrndup(s, e - s);
	return 0;
}

int
job_parse(const char *buf, size_t len, struct job_spec *job, struct err *err)
{
	size_t i = 0;

	memset(job, 0, sizeof(*job));
	/* A UTF-8 byte-order mark, as some Windows editors write it. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i < len && (buf[i] == '{' || buf[i] == '[')) {
		if (parse_json(buf + i, len - i, job, err) == -1)
			goto fail;
	} else if (parse_bare_url(buf + i, len - i, job, err) == -1)
		goto fail;
	if (check_url("url", job->url, err) == -1)
		goto fail;
	if (job->referer != NULL && *job->referer != '\0' &&
	    check_url("referer", job->referer, err) == -1)
		goto fail;
	if (job->title != NULL && strlen(job->title) > 4 * JOB_MAX_TITLE) {
		invalid(err, "Invalid job: \"title\" is too long");
		goto fail;
	}
	if (job->quality == NULL)
		job->quality = xstrdup("best");
	if (job_check_quality(job->quality, err) == -1)
		goto fail;
	return 0;
fail:
	job_spec_free(job);
	return -1;
}

/*
 * A JSON string of s. jansson's json_string refuses bytes that are not
 * UTF-8 and json_object_set_new then drops the key without a word (a
 * Latin-1 title vanished so): such bytes become U+FFFD instead. Parsed
 * jobs are UTF-8 already; this is the net under every other caller.
 */
static json_t *
str_json(const char *s)
{
	json_t *j = json_string(s);
	char *fixed, *o;
	size_t n;

	if (j != NULL)
		return j;
	o = fixed = xmalloc(3 * strlen(s) + 1);
	while (*s != '\0') {
		if ((unsigned char)*s < 0x80) {
			*o++ = *s++;
			continue;
		}
		/* the longest well-formed sequence here, else one byte */
		for (n = 4; n > 1; n--) {
			char seq[5] = { 0 };

			if (strnlen(s, n) < n)
				continue;
			memcpy(seq, s, n);
			if (guard_utf8_ok(seq))
				break;
		}
		if (n > 1) {
			memcpy(o, s, n);
			o += n;
			s += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			s++;
		}
	}
	*o = '\0';
	j = json_string(fixed);
	free(fixed);
	if (j == NULL)
		fatalx("cannot encode a job string");
	return j;
}

char *
job_encode(const struct job_spec *job)
{
	json_t *root = json_object(), *hdrs;
	char *text;
	size_t i;

	json_object_set_new(root, "url", str_json(job->url));
#define OPT(field) if (job->field != NULL) \
	json_object_set_new(root, #field, str_json(job->field))
	OPT(title);
	OPT(referer);
	OPT(quality);
	OPT(source_page);
	OPT(id);
	OPT(audio);
	OPT(subtitles);
	OPT(folder);
#undef OPT
	if (job->force)
		json_object_set_new(root, "force", json_true());
	if (job->nheaders > 0) {
		hdrs = json_object();
		for (i = 0; i < job->nheaders; i++)
			json_object_set_new(hdrs, job->headers[i].name,
			    str_json(job->headers[i].value));
		json_object_set_new(root, "headers", hdrs);
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		fatalx("out of memory encoding a job");
	return text;
}

void
job_spec_free(struct job_spec *job)
{
	size_t i;

	free(job->url);
	free(job->title);
	free(job->referer);
	free(job->quality);
	free(job->audio);
	free(job->subtitles);
	free(job->source_page);
	free(job->id);
	free(job->folder);
	for (i = 0; i < job->nheaders; i++) {
		free(job->headers[i].name);
		free(job->headers[i].value);
	}
	memset(job, 0, sizeof(*job));
}

/*
 * Tries name, name-2, name-3... until one is free. file_write_atomic's
 * FILE_NOREPLACE publishes with a rename, so that the spooler's inotify
 * watch sees IN_MOVED_TO (a link(2) gives only IN_CREATE, which is also
 * what a half-written file gives); FILE_SYNC because a job accepted is a
 * promise that survives a power cut.
 */
int
job_write_file(const char *dir, const char *name, const struct job_spec *job,
    char **final, struct err *err)
{
	char *json = job_encode(job), *text = xasprintf("%s\n", json);
	char *path = NULL, *base = NULL;
	int i, rc = -1;

	for (i = 1; i < 1000; i++) {
		free(base);
		free(path);
		base = i == 1 ? xstrdup(name) : xasprintf("%s-%d", name, i);
		path = xasprintf("%s/%s.job", dir, base);
		if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;	/* taken: skip the write */
		/* 0600: a job may carry cookies; only the daemons' user
		 * (the spooler, the endpoint) reads it, never the share. */
		if (file_write_atomic(AT_FDCWD, path, text, strlen(text), 0600,
		    FILE_SYNC | FILE_NOREPLACE, err) == 0)
			break;
		if (errno != EEXIST)	/* else taken meanwhile: next name */
			goto out;
	}
	if (i == 1000) {
		err_set(err, "cannot find a free name for %s in %s", name, dir);
		goto out;
	}
	*final = base;
	base = NULL;
	rc = 0;
out:
	free(base);
	free(path);
	free(text);
	free(json);
	return rc;
}
