/* httpd-jobs - POST /api/download, the job reads and cancel/retry requests */
#include "config.h"

#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "httpd.h"
#include "control.h"
#include "job.h"
#include "job-json.h"
#include "job-id.h"
#include "job-validate.h"
#include "log.h"
#include "spool.h"
#include "store.h"
#include "url.h"
#include "xmalloc.h"

/* A posted job the spooler has not stored yet, as a pending JOB. */
static void
recent_row(const struct recent_job *rj, struct job_row *row)
{
	memset(row, 0, sizeof(*row));
	row->id = (char *)rj->id;
	row->url = rj->url;
	row->title = rj->title;
	row->quality = rj->quality;
	row->status = JOB_PENDING;
	row->created_at = rj->created;
	row->eta_s = -1;
}

/*
 * The job `id` as the API sees it: 1 with *row filled (from the store, or
 * a pending recent post: then *owned is false), 0 unknown, -1 store error.
 */
static int
find_job(struct httpd *h, const char *id, struct job_row *row, bool *owned,
    struct err *err)
{
	const struct recent_job *rj;
	struct store *st;
	bool absent;
	int rc;

	*owned = false;
	if ((st = httpd_store(h, &absent, err)) == NULL && !absent)
		return -1;
	if (st != NULL) {
		if ((rc = store_get_job(st, id, row, err)) != 0) {
			*owned = rc == 1;
			return rc;
		}
	}
	if ((rj = recent_by_id(h->recent, id)) == NULL)
		return 0;
	recent_row(rj, row);
	return 1;
}

/* Is the recent post `rj` still waiting for the spooler (a file in flight)? */
static bool
recent_waiting(struct httpd *h, const struct recent_job *rj)
{
	char *p = xasprintf("%s/%s.job", h->incoming, rj->id);
	char *dir = spool_path(h->conf.spool_dir, SPOOL_PROCESSING);
	char *q = xasprintf("%s/%s", dir, rj->id);
	struct stat sb;
	bool yes = lstat(p, &sb) == 0 || lstat(q, &sb) == 0;

	free(p);
	free(q);
	free(dir);
	return yes;
}

/*
 * The job already pending or running for `url`, if any (1, with *id
 * newly allocated and *status set), 0 if none, -1 on a store error.
 */
static int
find_duplicate(struct httpd *h, const char *url, char **id,
    enum job_status *status, struct err *err)
{
	const struct recent_job *rj;
	struct job_row row;
	struct store *st;
	bool absent, owned;
	int rc;

	if ((st = httpd_store(h, &absent, err)) == NULL && !absent)
		return -1;
	if (st != NULL && (rc = store_find_active_by_url(st, url, id, err)) != 0) {
		if (rc < 0)
			return -1;
		*status = JOB_PENDING;
		if (store_get_job(st, *id, &row, err) == 1) {
			*status = row.status;
			job_row_free(&row);
		}
		return 1;
	}
	if ((rj = recent_by_url(h->recent, url)) == NULL)
		return 0;
	if ((rc = find_job(h, rj->id, &row, &owned, err)) < 0)
		return -1;
	if (owned) {
		/* stored and finished: find_active_by_url said so */
		job_row_free(&row);
		recent_forget(h->recent, rj->id);
		return 0;
	}
	if (!recent_waiting(h, rj)) {
		recent_forget(h->recent, rj->id);	/* refused, moved aside */
		return 0;
	}
	*id = xstrdup(rj->id);
	*status = JOB_PENDING;
	return 1;
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
		"quality", "source_page", NULL };
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
	text = json_dumps(job, JSON_COMPACT);
out:
	json_decref(job);
	return text;
}

static void
reply_job_id(struct httpd_req *r, int code, const char *id,
    enum job_status status)
{
	httpd_reply_json(r, code, json_pack("{s:s, s:s}", "job_id", id,
	    "status", job_status_name(status)));
}

void
route_download(struct httpd_req *r)
{
	struct httpd *h = r->h;
	struct job_spec spec;
	json_t *body = NULL;
	char *text = NULL, *dup_id = NULL, *shown = NULL;
	enum job_status dup_status;
	char *final = NULL, id[JOB_ID_NEW_SIZE];
	struct err err;

	memset(&spec, 0, sizeof(spec));
	if ((body = httpd_req_json(r, &err)) == NULL ||
	    (text = body_to_job(body, &err)) == NULL ||
	    job_validate(text, strlen(text), h->conf.allow_private_targets,
	    &spec, &err) != 0) {
		httpd_reply_err(r, &err);
		goto out;
	}
	switch (find_duplicate(h, spec.url, &dup_id, &dup_status, &err)) {
	case -1:
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		httpd_reply_error(r, 503, "the job store cannot be read");
		goto out;
	case 1:
		reply_job_id(r, 200, dup_id, dup_status);
		goto out;
	}
	if (job_new_id(id, sizeof(id), &err) != 0) {
		log_event(LOG_ERROR, "write", NULL, "%s", err.msg);
		httpd_reply_error(r, 500, "cannot make a job id");
		goto out;
	}
	free(spec.id);
	spec.id = xstrdup(id);
	if (job_write_file(h->incoming, id, &spec, &final, &err) != 0) {
		log_event(LOG_ERROR, "write", id, "%s", err.msg);
		httpd_reply_error(r, httpd_status_of(&err),
		    "cannot write the job into the spool");
		goto out;
	}
	recent_add(h->recent, final, spec.url, spec.title, spec.quality);
	shown = url_without_query(spec.url);
	log_event(LOG_INFO, "posted", final, "%s", shown != NULL ? shown : "-");
	reply_job_id(r, 201, final, JOB_PENDING);
out:
	free(shown);
	free(final);
	free(dup_id);
	free(text);
	json_decref(body);
	job_spec_free(&spec);
}

void
route_job(struct httpd_req *r)
{
	struct job_row row;
	struct err err;
	bool owned;

	switch (find_job(r->h, r->id, &row, &owned, &err)) {
	case -1:
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		httpd_reply_error(r, 503, "the job store cannot be read");
		return;
	case 0:
		httpd_reply_error(r, 404, "no such job: %s", r->id);
		return;
	}
	httpd_reply_json(r, 200, job_row_json(&row, JOB_JSON_API));
	if (owned)
		job_row_free(&row);
}

static int
list_one(const struct job_row *row, void *arg)
{
	json_array_append_new(arg, job_row_json(row, JOB_JSON_API));
	return 0;
}

/* A ?key= number in [min, max]; def when absent; -1 when malformed. */
static long
query_long(const struct evkeyvalq *q, const char *key, long def, long min,
    long max)
{
	const char *v = evhttp_find_header(q, key);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	return n;
}

static int64_t
count_of(const struct store_counts *c, int status)
{
	return status == STORE_ANY_STATUS ? c->total : c->by_status[status];
}

/* "pending, downloading, ..., cancelled": every state, for the 400. */
static char *
status_words(void)
{
	char *s = xstrdup(""), *next;
	int i;

	for (i = 0; i < JOB_NSTATUS; i++) {
		next = xasprintf("%s%s%s", s, i ? ", " : "",
		    job_status_name((enum job_status)i));
		free(s);
		s = next;
	}
	return s;
}

/* The ?status= filter: 0 with *status set (STORE_ANY_STATUS when absent),
 * -1 for a word that names no state. */
static int
query_status(const struct evkeyvalq *q, int *status)
{
	const char *v = evhttp_find_header(q, "status");
	enum job_status s;

	*status = STORE_ANY_STATUS;
	if (v == NULL || *v == '\0')
		return 0;
	if (job_status_parse(v, &s) == -1)
		return -1;
	*status = (int)s;
	return 0;
}

void
route_jobs(struct httpd_req *r)
{
	struct evkeyvalq q;
	struct store_counts c;
	struct store *st;
	struct err err;
	json_t *jobs = json_array();
	char *words;
	long limit, offset;
	bool absent;
	int status;

	TAILQ_INIT(&q);
	if (r->query != NULL && evhttp_parse_query_str(r->query, &q) != 0) {
		httpd_reply_error(r, 400, "bad query string");
		goto out;
	}
	if (query_status(&q, &status) == -1) {
		words = status_words();
		httpd_reply_error(r, 400, "\"status\" must be one of %s", words);
		free(words);
		goto out;
	}
	limit = query_long(&q, "limit", HTTPD_LIST_DEFAULT, 1, HTTPD_LIST_MAX);
	offset = query_long(&q, "offset", 0, 0, 1L << 30);
	if (limit < 0 || offset < 0) {
		httpd_reply_error(r, 400, limit < 0 ? "\"limit\" must be a "
		    "number from 1 to %d" : "\"offset\" must be a number >= 0",
		    HTTPD_LIST_MAX);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	st = httpd_store(r->h, &absent, &err);
	if ((st == NULL && !absent) || (st != NULL &&
	    (store_counts(st, &c, &err) != 0 || store_list_jobs(st, status,
	    (int)limit, (int)offset, list_one, jobs, &err) != 0))) {
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		httpd_reply_error(r, 503, "the job store cannot be read");
		goto out;
	}
	httpd_reply_json(r, 200, json_pack("{s:O, s:I, s:i, s:i}", "jobs", jobs,
	    "total", (json_int_t)count_of(&c, status), "limit", (int)limit,
	    "offset", (int)offset));
out:
	json_decref(jobs);
	evhttp_clear_headers(&q);
}

/* Cancel makes sense while a job runs; retry once it has stopped badly. */
static bool
control_applies(enum control_word w, enum job_status status)
{
	if (w == CONTROL_CANCEL)
		return job_status_unfinished(status);
	return job_status_retryable(status);
}

void
route_control(struct httpd_req *r, enum control_word w)
{
	const char *what = control_word_name(w);
	struct job_row row;
	struct err err;
	bool owned;
	int rc;

	if ((rc = find_job(r->h, r->id, &row, &owned, &err)) <= 0) {
		if (rc < 0)
			httpd_reply_error(r, 503, "the job store cannot be read");
		else
			httpd_reply_error(r, 404, "no such job: %s", r->id);
		return;
	}
	if (!control_applies(w, row.status))
		httpd_reply_error(r, 409, "cannot %s a %s job", what,
		    job_status_name(row.status));
	else if (control_request(r->h->control, r->id, w, &err) != 0) {
		log_event(LOG_ERROR, "control", r->id, "%s", err.msg);
		httpd_reply_error(r, 500, "cannot write the %s request", what);
	} else {
		log_event(LOG_INFO, "control", r->id, "%s requested", what);
		httpd_reply_json(r, 202, json_pack("{s:s, s:s}", "job_id",
		    r->id, "requested", what));
	}
	if (owned)
		job_row_free(&row);
}

/*
 * POST /api/jobs/{id}/refresh {"url", "headers", "referer"}: a fresh link
 * for a job whose link expired (waiting) or is about to. The store is not
 * written here: the link goes to control/<id>.refresh (0600, it holds
 * cookies) as a job JSON, checked as a .job is, and the spooler applies
 * it. Same stream means same scheme, host and path (the query, where a
 * CDN puts its token, set aside). Answers never echo the link's query.
 */
void
route_refresh(struct httpd_req *r)
{
	struct httpd *h = r->h;
	struct job_spec spec, link;
	struct job_row row;
	json_t *body = NULL;
	char *text = NULL, *data = NULL, *shown = NULL;
	enum job_status next;
	struct err err;
	bool owned = false;
	int rc;

	memset(&spec, 0, sizeof(spec));
	memset(&row, 0, sizeof(row));
	if ((body = httpd_req_json(r, &err)) == NULL ||
	    (text = body_to_job(body, &err)) == NULL ||
	    job_validate(text, strlen(text), h->conf.allow_private_targets,
	    &spec, &err) != 0) {
		httpd_reply_err(r, &err);
		goto out;
	}
	if ((rc = find_job(h, r->id, &row, &owned, &err)) <= 0) {
		if (rc < 0)
			httpd_reply_error(r, 503, "the job store cannot be read");
		else
			httpd_reply_error(r, 404, "no such job: %s", r->id);
		goto out;
	}
	if (!owned) {
		httpd_reply_error(r, 409, "cannot refresh a job the spooler "
		    "has not taken yet");
		goto out;
	}
	if (!job_status_unfinished(row.status)) {
		httpd_reply_error(r, 409, "cannot refresh a %s job",
		    job_status_name(row.status));
		goto out;
	}
	if (!url_same_stream(row.url, spec.url)) {
		httpd_reply_error(r, 409, "not the same stream: a fresh link "
		    "has the job's scheme, host and path; only its query may "
		    "differ");
		goto out;
	}
	/* Only the link travels: the spooler keeps the job's other fields. */
	memset(&link, 0, sizeof(link));
	link.url = spec.url;
	link.referer = spec.referer;
	memcpy(link.headers, spec.headers, sizeof(link.headers));
	link.nheaders = spec.nheaders;
	data = job_encode(&link);
	if (control_request_data(h->control, r->id, CONTROL_REFRESH, data,
	    strlen(data), 0600, &err) != 0) {
		log_event(LOG_ERROR, "control", r->id, "%s", err.msg);
		httpd_reply_error(r, httpd_status_of(&err),
		    "cannot write the refresh request");
		goto out;
	}
	shown = url_without_query(spec.url);
	log_event(LOG_INFO, "control", r->id, "refresh requested: %s",
	    shown != NULL ? shown : "-");
	next = row.status == JOB_WAITING ? JOB_PENDING : row.status;
	httpd_reply_json(r, 200, json_pack("{s:s, s:s, s:s}", "id", r->id,
	    "job_id", r->id, "status", job_status_name(next)));
out:
	if (owned)
		job_row_free(&row);
	free(shown);
	free(data);
	free(text);
	json_decref(body);
	job_spec_free(&spec);
}
