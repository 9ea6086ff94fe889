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
#include <openssl/rand.h>

#include "httpd.h"
#include "file.h"
#include "job.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static const char *const statuses[] = { "pending", "downloading", "merging",
	"paused", "completed", "failed", "cancelled", "suspended", "waiting",
	NULL };

json_t *
httpd_time_json(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* A string, or null for NULL, "" and bytes that are not UTF-8. */
static json_t *
str_json(const char *s)
{
	json_t *j = s != NULL && *s != '\0' ? json_string(s) : NULL;

	return j != NULL ? j : json_null();
}

static bool
is_active(const char *status)
{
	return strcmp(status, "pending") == 0 ||
	    strcmp(status, "downloading") == 0 ||
	    strcmp(status, "merging") == 0 || strcmp(status, "paused") == 0 ||
	    strcmp(status, "suspended") == 0 || strcmp(status, "waiting") == 0;
}

/* The JOB object of the API (DESIGN.md; the extension reads these keys). */
static json_t *
job_json(const struct job_row *j)
{
	json_t *o = json_object();

	json_object_set_new(o, "job_id", str_json(j->id));
	json_object_set_new(o, "url", str_json(j->url));
	json_object_set_new(o, "title", str_json(j->title));
	json_object_set_new(o, "status", str_json(j->status));
	json_object_set_new(o, "progress", json_real(j->progress));
	json_object_set_new(o, "segments_done", json_integer(j->segments_done));
	json_object_set_new(o, "segments_total",
	    json_integer(j->segments_total));
	json_object_set_new(o, "bytes_done", json_integer(j->bytes_done));
	json_object_set_new(o, "speed_bps", json_real(j->speed_bps));
	json_object_set_new(o, "eta_s", j->eta_s >= 0 &&
	    is_active(j->status != NULL ? j->status : "") &&
	    j->speed_bps > 0 ? json_integer(j->eta_s) : json_null());
	json_object_set_new(o, "error", str_json(j->error_msg));
	json_object_set_new(o, "output", str_json(j->file_path));
	json_object_set_new(o, "size_bytes", json_integer(j->size_bytes));
	json_object_set_new(o, "created_at", httpd_time_json(j->created_at));
	json_object_set_new(o, "started_at", httpd_time_json(j->started_at));
	json_object_set_new(o, "completed_at",
	    httpd_time_json(j->completed_at));
	json_object_set_new(o, "retry_count", json_integer(j->retry_count));
	json_object_set_new(o, "quality", str_json(j->quality));
	/* for the page: where it came from and what the video is */
	json_object_set_new(o, "name", str_json(j->job_name));
	json_object_set_new(o, "source_page", str_json(j->source_page));
	json_object_set_new(o, "referer", str_json(j->referer));
	json_object_set_new(o, "resolution", str_json(j->resolution));
	json_object_set_new(o, "duration_s", json_real(j->duration));
	json_object_set_new(o, "updated_at", httpd_time_json(j->updated_at));
	return o;
}

json_t *
httpd_job_json(const struct job_row *j)
{
	return job_json(j);
}

/* A posted job the spooler has not stored yet, as a pending JOB. */
static void
recent_row(const struct recent_job *rj, struct job_row *row)
{
	memset(row, 0, sizeof(*row));
	row->id = (char *)rj->id;
	row->url = rj->url;
	row->title = rj->title;
	row->quality = rj->quality;
	row->status = (char *)"pending";
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
	char *q = xasprintf("%s/processing/%s", h->conf.spool_dir, rj->id);
	struct stat sb;
	bool yes = lstat(p, &sb) == 0 || lstat(q, &sb) == 0;

	free(p);
	free(q);
	return yes;
}

/*
 * The job already pending or running for `url`, if any (1, with *id and
 * *status newly allocated), 0 if none, -1 on a store error.
 */
static int
find_duplicate(struct httpd *h, const char *url, char **id, char **status,
    struct err *err)
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
		if (store_get_job(st, *id, &row, err) == 1) {
			*status = xstrdup(row.status);
			job_row_free(&row);
		} else
			*status = xstrdup("pending");
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
	*status = xstrdup("pending");
	return 1;
}

/*
 * The posted body, checked field by field so that a wrong type names its
 * field, then re-encoded with only the keys a .job carries and validated
 * by job_parse: the endpoint accepts exactly what the spooler would.
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
		err_set(err, "the body must be a JSON object");
		goto out;
	}
	for (k = strs; *k != NULL; k++) {
		if ((v = json_object_get(body, *k)) == NULL || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			err_set(err, "\"%s\" must be a string", *k);
			goto out;
		}
		json_object_set(job, *k, v);
	}
	if (json_object_get(job, "url") == NULL) {
		err_set(err, "\"url\" is missing");
		goto out;
	}
	if ((v = json_object_get(body, "headers")) != NULL && !json_is_null(v)) {
		bool strings = json_is_object(v);

		if (strings)
			json_object_foreach(v, name, hv)
				strings = strings && json_is_string(hv);
		if (!strings) {
			err_set(err, "\"headers\" must be an object of strings");
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
new_id(char *id, size_t size)
{
	unsigned char b[6];

	if (RAND_bytes(b, sizeof(b)) != 1)
		fatalx("RAND_bytes failed");
	snprintf(id, size, "j%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
	    b[4], b[5]);
}

static void
reply_job_id(struct httpd_req *r, int code, const char *id,
    const char *status)
{
	httpd_reply_json(r, code, json_pack("{s:s, s:s}", "job_id", id,
	    "status", status));
}

void
route_download(struct httpd_req *r)
{
	struct httpd *h = r->h;
	struct job_spec spec;
	json_error_t jerr;
	json_t *body = NULL;
	char *text = NULL, *raw, *dup_id = NULL, *dup_status = NULL;
	char *final = NULL, id[32];
	struct err err;
	size_t len;

	memset(&spec, 0, sizeof(spec));
	raw = httpd_req_body(r, &len);
	body = json_loadb(raw, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	free(raw);
	if (body == NULL) {
		httpd_reply_error(r, 400, "invalid JSON: %s", jerr.text);
		goto out;
	}
	if ((text = body_to_job(body, &err)) == NULL) {
		httpd_reply_error(r, 400, "%s", err.msg);
		goto out;
	}
	if (job_parse(text, strlen(text), &spec, &err) != 0) {
		httpd_reply_error(r, 400, "%s", err.msg);
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
	new_id(id, sizeof(id));
	free(spec.id);
	spec.id = xstrdup(id);
	if (job_write_file(h->incoming, id, &spec, &final, &err) != 0) {
		log_event(LOG_ERROR, "write", id, "%s", err.msg);
		httpd_reply_error(r, 500, "cannot write the job into the spool");
		goto out;
	}
	recent_add(h->recent, final, spec.url, spec.title, spec.quality);
	log_event(LOG_INFO, "posted", final, "%s", spec.url);
	reply_job_id(r, 201, final, "pending");
out:
	free(final);
	free(dup_id);
	free(dup_status);
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
	httpd_reply_json(r, 200, job_json(&row));
	if (owned)
		job_row_free(&row);
}

static int
list_one(const struct job_row *row, void *arg)
{
	json_array_append_new(arg, job_json(row));
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
count_of(const struct store_counts *c, const char *status)
{
	const int64_t *by[] = { &c->pending, &c->downloading, &c->merging,
		&c->paused, &c->completed, &c->failed, &c->cancelled };
	int i;

	if (status == NULL)
		return c->total;
	for (i = 0; statuses[i] != NULL; i++)
		if (strcmp(statuses[i], status) == 0)
			return *by[i];
	return 0;
}

/* "a,b,c": each one a status name. */
static bool
statuses_ok(const char *list)
{
	const char *p = list;
	size_t n;
	int i;

	while (*p != '\0') {
		n = strcspn(p, ",");
		for (i = 0; statuses[i] != NULL; i++)
			if (strlen(statuses[i]) == n &&
			    strncmp(statuses[i], p, n) == 0)
				break;
		if (statuses[i] == NULL)
			return false;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

void
route_jobs(struct httpd_req *r)
{
	struct evkeyvalq q;
	struct store_counts c;
	struct store *st;
	struct err err;
	json_t *jobs = json_array();
	const char *status, *words;
	long limit, offset;
	int64_t total = 0;
	bool absent;

	TAILQ_INIT(&q);
	if (r->query != NULL && evhttp_parse_query_str(r->query, &q) != 0) {
		httpd_reply_error(r, 400, "bad query string");
		goto out;
	}
	status = evhttp_find_header(&q, "status");
	if (status != NULL && *status == '\0')
		status = NULL;
	words = evhttp_find_header(&q, "q");
	if (words != NULL && (*words == '\0' || strlen(words) > 200))
		words = NULL;
	if (status != NULL && !statuses_ok(status)) {
		httpd_reply_error(r, 400, "\"status\" must be one of pending, "
		    "downloading, merging, paused, suspended, waiting, "
		    "completed, failed, cancelled (or several, with commas)");
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
	if (st == NULL && !absent)
		goto fail;
	if (st != NULL && (status == NULL || strchr(status, ',') == NULL) &&
	    words == NULL) {
		/* the extension's query, as it always was */
		if (store_counts(st, &c, &err) != 0 || store_list_jobs(st,
		    status, (int)limit, (int)offset, list_one, jobs, &err) != 0)
			goto fail;
		total = count_of(&c, status);
	} else if (st != NULL && store_search_jobs(st, status, words,
	    (int)limit, (int)offset, &total, list_one, jobs, &err) != 0)
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

/* control/<name> the Postfix way: a dot-file, fsync, rename. */
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

static int
write_control(struct httpd *h, const char *id, const char *what,
    struct err *err)
{
	char *name = xasprintf("%s.%s", id, what);
	char *line = xasprintf("%s\n", what);
	int rc = httpd_write_control(h, name, line, err);

	free(name);
	free(line);
	return rc;
}

/* Cancel makes sense while a job runs; retry once it has stopped badly. */
static bool
control_applies(const char *what, const char *status)
{
	if (strcmp(what, "cancel") == 0)
		return is_active(status);
	if (strcmp(what, "pause") == 0)
		return strcmp(status, "pending") == 0 ||
		    strcmp(status, "downloading") == 0 ||
		    strcmp(status, "paused") == 0 ||
		    strcmp(status, "waiting") == 0;
	if (strcmp(what, "resume") == 0)
		return strcmp(status, "suspended") == 0;
	if (strcmp(what, "remove") == 0 || strcmp(what, "remove-file") == 0)
		return strcmp(status, "completed") == 0 ||
		    strcmp(status, "failed") == 0 ||
		    strcmp(status, "cancelled") == 0;
	return strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0;
}

void
route_control(struct httpd_req *r, const char *what)
{
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
	if (!control_applies(what, row.status))
		httpd_reply_error(r, 409, "cannot %s a %s job", what, row.status);
	else if (write_control(r->h, r->id, what, &err) != 0) {
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
	route_control(r, file ? "remove-file" : "remove");
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
