/* httpd-jobs - POST /api/download, the job reads, control requests, its log */
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

#include "clock.h"
#include "httpd-body.h"
#include "httpd.h"
#include "guard.h"
#include "control.h"
#include "file.h"
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

/* Is this stored row the stream's video, or on its way to be? */
struct stream_pick {
	struct job_row *row;
	bool found;
};

static int
pick_stream(const struct job_row *row, void *arg)
{
	struct stream_pick *p = arg;
	struct stat sb;

	if (row->live)		/* each live recording is its own */
		return 0;
	if (job_status_unfinished(row->status) ||
	    (row->status == JOB_COMPLETED && row->file_path != NULL &&
	    stat(row->file_path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size > 0)) {
		/* Taken over: each_row frees what is left in *row. */
		*p->row = *row;
		memset((struct job_row *)row, 0, sizeof(*row));
		p->found = true;
		return 1;
	}
	return 0;
}

int
httpd_find_stream(struct httpd *h, const char *key, struct job_row *row,
    bool *owned, struct err *err)
{
	struct stream_pick p = { row, false };
	const struct recent_job *rj;
	struct store *st;
	bool absent;
	int rc;

	*owned = false;
	if ((st = httpd_store(h, &absent, err)) == NULL && !absent)
		return -1;
	if (st != NULL) {
		if (store_list_by_url(st, key, pick_stream, &p, err) == -1)
			return -1;
		if (p.found) {
			*owned = true;
			return 1;
		}
	}
	if ((rj = recent_by_url(h->recent, key)) == NULL)
		return 0;
	if ((rc = find_job(h, rj->id, row, owned, err)) < 0)
		return -1;
	if (*owned) {
		/* stored, and not the stream's video (failed, gone) */
		job_row_free(row);
		*owned = false;
		recent_forget(h->recent, rj->id);
		return 0;
	}
	if (!recent_waiting(h, rj)) {
		recent_forget(h->recent, rj->id);	/* refused, moved aside */
		return 0;
	}
	return 1;
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
	char *raw, *key = NULL;
	struct job_row dup;
	bool dup_owned = false;
	size_t len;
	int rc;
	char *final = NULL, id[JOB_ID_NEW_SIZE];
	struct err err;

	memset(&spec, 0, sizeof(spec));
	raw = httpd_req_body(r, &len);
	rc = httpd_body_download(raw, len, &h->conf, &spec, &err);
	free(raw);
	if (rc != 0) {
		httpd_reply_err(r, &err);
		goto out;
	}
	/* The stream's identity, and all the API ever shows of its URL. */
	key = guard_url_public(spec.url);
	/* The same stream (query tokens set aside) downloaded or on its
	 * way: answered with that job, unless the person says force. */
	switch (spec.force ? 0 : httpd_find_stream(h, key, &dup, &dup_owned,
	    &err)) {
	case -1:
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		httpd_reply_error(r, 503, "the job store cannot be read");
		goto out;
	case 1:
		/* Nothing is written: the POST budget is for new jobs. */
		if (h->limiter != NULL)
			limiter_give_back(h->limiter, r->peer, clock_us() / 1e6);
		httpd_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:b}",
		    "id", dup.id, "job_id", dup.id, "status",
		    job_status_name(dup.status), "duplicate", 1));
		if (dup_owned)
			job_row_free(&dup);
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
	recent_add(h->recent, final, key, spec.title, spec.quality);
	log_event(LOG_INFO, "posted", final, "%s", key);
	reply_job_id(r, 201, final, JOB_PENDING);
out:
	free(key);
	free(final);
	job_spec_free(&spec);
}

/* The page's session sees the page's JOB; a bearer token, the API's. */
static enum job_json_view
job_view(const struct httpd_req *r)
{
	return r->auth == AUTH_SESSION ? JOB_JSON_PAGE : JOB_JSON_API;
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
	httpd_reply_json(r, 200, job_row_json(&row, job_view(r)));
	if (owned)
		job_row_free(&row);
}

struct list {
	json_t *jobs;
	enum job_json_view view;
};

static int
list_one(const struct job_row *row, void *arg)
{
	struct list *l = arg;

	json_array_append_new(l->jobs, job_row_json(row, l->view));
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

/* The ?status= filter: 0 with *status set (STORE_ANY_STATUS when absent,
 * or when several states are asked for: then *list is the "a,b" text),
 * -1 for a word that names no state. */
static int
query_status(const struct evkeyvalq *q, int *status, const char **list)
{
	const char *v = evhttp_find_header(q, "status"), *p;
	enum job_status s;
	char word[32];
	size_t n;

	*status = STORE_ANY_STATUS;
	*list = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (strchr(v, ',') == NULL) {
		if (job_status_parse(v, &s) == -1)
			return -1;
		*status = (int)s;
		return 0;
	}
	for (p = v; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(word))
			return -1;
		memcpy(word, p, n);
		word[n] = '\0';
		if (job_status_parse(word, &s) == -1)
			return -1;
	}
	*list = v;
	return 0;
}

/*
 * GET /api/jobs[?status=S[,S...]][&q=words][&limit=N][&offset=N]: the
 * extension's one-state query is what it always was; several states or a
 * search (the page's) go through store_search_jobs.
 */
void
route_jobs(struct httpd_req *r)
{
	struct evkeyvalq q;
	struct store_counts c;
	struct store *st;
	struct err err;
	json_t *jobs = json_array();
	struct list l = { jobs, job_view(r) };
	const char *list, *words;
	char *names;
	long limit, offset;
	int64_t total = 0;
	bool absent;
	int status;

	TAILQ_INIT(&q);
	if (r->query != NULL && evhttp_parse_query_str(r->query, &q) != 0) {
		httpd_reply_error(r, 400, "bad query string");
		goto out;
	}
	if (query_status(&q, &status, &list) == -1) {
		names = status_words();
		httpd_reply_error(r, 400, "\"status\" must be one of %s (or "
		    "several, with commas)", names);
		free(names);
		goto out;
	}
	words = evhttp_find_header(&q, "q");
	if (words != NULL && (*words == '\0' || strlen(words) > 200))
		words = NULL;
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
	if (st == NULL && !absent)
		goto fail;
	if (st != NULL && list == NULL && words == NULL) {
		if (store_counts(st, &c, &err) != 0 || store_list_jobs(st,
		    status, (int)limit, (int)offset, list_one, &l, &err) != 0)
			goto fail;
		total = count_of(&c, status);
	} else if (st != NULL && store_search_jobs(st, list != NULL ? list :
	    status == STORE_ANY_STATUS ? NULL :
	    job_status_name((enum job_status)status), words, (int)limit,
	    (int)offset, &total, list_one, &l, &err) != 0)
		goto fail;
	httpd_reply_json(r, 200, json_pack("{s:O, s:I, s:i, s:i}", "jobs", jobs,
	    "total", (json_int_t)total, "limit", (int)limit,
	    "offset", (int)offset));
	goto out;
fail:
	log_event(LOG_WARN, "store", NULL, "%s", err.msg);
	httpd_reply_error(r, 503, "the job store cannot be read");
out:
	json_decref(jobs);
	evhttp_clear_headers(&q);
}

/* control/<name> (a settings request): tmp + fsync + rename. */
int
httpd_write_control(struct httpd *h, const char *name, const char *body,
    struct err *err)
{
	char *dst = xasprintf("%s/%s", h->control, name);
	int rc;

	rc = file_write_atomic(AT_FDCWD, dst, body, strlen(body), 0640,
	    FILE_SYNC, err);
	free(dst);
	return rc;
}

/*
 * Cancel while a job is unfinished; pause while it may still move (not
 * while merging: the remux is a moment, and its thread is not stoppable);
 * resume a paused one; retry and remove once it has ended.
 */
static bool
control_applies(enum control_word w, enum job_status status)
{
	switch (w) {
	case CONTROL_CANCEL:
		return job_status_unfinished(status);
	case CONTROL_PAUSE:
		return job_status_unfinished(status) && status != JOB_MERGING &&
		    status != JOB_SUSPENDED;
	case CONTROL_RESUME:
		return status == JOB_SUSPENDED;
	case CONTROL_REMOVE:
	case CONTROL_REMOVE_FILE:
		return job_status_finished(status);
	default:
		return job_status_retryable(status);
	}
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

/* DELETE /api/jobs/{id}[?file=1]: the spooler removes the row (and the
 * video), on a control request: the endpoint never writes the store. */
void
route_remove(struct httpd_req *r)
{
	struct evkeyvalq q;
	const char *f;
	bool file = false;

	TAILQ_INIT(&q);
	if (r->query != NULL && evhttp_parse_query_str(r->query, &q) == 0 &&
	    (f = evhttp_find_header(&q, "file")) != NULL)
		file = strcmp(f, "1") == 0 || strcmp(f, "true") == 0;
	evhttp_clear_headers(&q);
	route_control(r, file ? CONTROL_REMOVE_FILE : CONTROL_REMOVE);
}

/*
 * GET /api/jobs/{id}/log: the lines of the log file (log_file, shared by
 * every program) that name the job, from its last LOG_TAIL bytes, newest
 * last, at most LOG_LINES. Without a log file (the journal) it says where
 * to look instead.
 */
#define LOG_TAIL	(2 * 1024 * 1024)
#define LOG_LINES	200

static bool
line_names_job(const char *line, const char *id)
{
	char *json = xasprintf("\"job\":\"%s\"", id);
	char *text = xasprintf(" %s: ", id);
	bool yes = strstr(line, json) != NULL || strstr(line, text) != NULL;

	free(json);
	free(text);
	return yes;
}

void
route_log(struct httpd_req *r)
{
	const char *path = r->h->conf.log_file;
	json_t *lines = json_array(), *s;
	char *buf = NULL, *p, *nl;
	struct stat sb;
	off_t from;
	ssize_t n;
	int fd;

	if (path[0] == '\0') {
		httpd_reply_json(r, 200, json_pack("{s:o, s:s}", "lines", lines,
		    "note", "The programs log to the journal (log_file is "
		    "\"\"): journalctl -u m3u8nas-spoold | grep the job id."));
		return;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		json_decref(lines);
		httpd_reply_error(r, 503, "the log file cannot be read");
		return;
	}
	from = sb.st_size > LOG_TAIL ? sb.st_size - LOG_TAIL : 0;
	buf = xmalloc((size_t)(sb.st_size - from) + 1);
	n = pread(fd, buf, (size_t)(sb.st_size - from), from);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = buf;
	if (from > 0 && (nl = strchr(p, '\n')) != NULL)
		p = nl + 1;	/* a cut first line */
	for (; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (line_names_job(p, r->id) && (s = json_string(p)) != NULL) {
			json_array_append_new(lines, s);
			if (json_array_size(lines) > LOG_LINES)
				json_array_remove(lines, 0);
		}
	}
	free(buf);
	httpd_reply_json(r, 200, json_pack("{s:o}", "lines", lines));
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
	char *raw, *data = NULL, *shown = NULL;
	size_t len;
	enum job_status next;
	struct err err;
	bool owned = false;
	int rc;

	memset(&spec, 0, sizeof(spec));
	memset(&row, 0, sizeof(row));
	raw = httpd_req_body(r, &len);
	rc = httpd_body_download(raw, len, &h->conf, &spec, &err);
	free(raw);
	if (rc != 0) {
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
	job_spec_free(&spec);
}
