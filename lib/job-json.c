/* job-json - a store row as JSON: the API's JOB and the tree's info.json */
#include "config.h"

#include <time.h>

#include "job-json.h"

json_t *
job_json_time(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* API: a string, or null for NULL, "" and bytes that are not UTF-8. */
static json_t *
api_str(const char *s)
{
	json_t *j = s != NULL && *s != '\0' ? json_string(s) : NULL;

	return j != NULL ? j : json_null();
}

/* The counters both views carry under the same names. */
static void
set_counters(json_t *o, const struct job_row *j)
{
	json_object_set_new(o, "progress", json_real(j->progress));
	json_object_set_new(o, "segments_done", json_integer(j->segments_done));
	json_object_set_new(o, "segments_total",
	    json_integer(j->segments_total));
	json_object_set_new(o, "bytes_done", json_integer(j->bytes_done));
	json_object_set_new(o, "speed_bps", json_real(j->speed_bps));
	/* EXT-X-GAP seconds the source lacks: always there, 0 for none */
	json_object_set_new(o, "gap_seconds", json_real(j->gap_seconds));
}

/* The names of the headers a job carries (the store keeps no value): an
 * array, whatever form an older row had. */
static json_t *
header_names(const char *text)
{
	json_t *h = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) :
	    NULL, *names = json_array(), *v;
	const char *k;
	size_t i;

	if (json_is_array(h)) {
		json_array_foreach(h, i, v)
			if (json_is_string(v))
				json_array_append(names, v);
	} else if (json_is_object(h))
		json_object_foreach(h, k, v)
			json_array_append_new(names, json_string(k));
	json_decref(h);
	return names;
}

static json_t *
api_json(const struct job_row *j)
{
	json_t *o = json_object();
	/* An ETA means something only for a job that is still moving. */
	bool eta = j->eta_s >= 0 && job_status_unfinished(j->status) &&
	    j->speed_bps > 0;

	json_object_set_new(o, "job_id", api_str(j->id));
	json_object_set_new(o, "url", api_str(j->url));
	json_object_set_new(o, "title", api_str(j->title));
	json_object_set_new(o, "status", json_string(job_status_name(j->status)));
	set_counters(o, j);
	json_object_set_new(o, "eta_s", eta ? json_integer(j->eta_s) :
	    json_null());
	json_object_set_new(o, "error", api_str(j->error_msg));
	json_object_set_new(o, "output", api_str(j->file_path));
	json_object_set_new(o, "size_bytes", json_integer(j->size_bytes));
	json_object_set_new(o, "created_at", job_json_time(j->created_at));
	json_object_set_new(o, "started_at", job_json_time(j->started_at));
	json_object_set_new(o, "completed_at", job_json_time(j->completed_at));
	json_object_set_new(o, "retry_count", json_integer(j->retry_count));
	json_object_set_new(o, "quality", api_str(j->quality));
	json_object_set_new(o, "folder", api_str(j->folder));
	json_object_set_new(o, "duplicate", json_boolean(j->duplicate_of !=
	    NULL));
	json_object_set_new(o, "duplicate_of", api_str(j->duplicate_of));
	json_object_set_new(o, "headers", header_names(j->headers_json));
	return o;
}

/* The NAS's page: the JOB, and where it came from and what the video is. */
static json_t *
page_json(const struct job_row *j)
{
	json_t *o = api_json(j);

	json_object_set_new(o, "name", api_str(j->job_name));
	json_object_set_new(o, "source_page", api_str(j->source_page));
	json_object_set_new(o, "referer", api_str(j->referer));
	json_object_set_new(o, "resolution", api_str(j->resolution));
	json_object_set_new(o, "duration_s", json_real(j->duration));
	json_object_set_new(o, "updated_at", job_json_time(j->updated_at));
	return o;
}

/* info.json: the value as it is ("" stays ""), null only for NULL. */
static void
set_str(json_t *o, const char *key, const char *value)
{
	json_object_set_new(o, key, value != NULL ? json_string(value) :
	    json_null());
}

static void
set_times(json_t *o, const struct job_row *r)
{
	json_object_set_new(o, "created_at", json_integer(r->created_at));
	json_object_set_new(o, "started_at", json_integer(r->started_at));
	json_object_set_new(o, "completed_at", json_integer(r->completed_at));
	json_object_set_new(o, "updated_at", json_integer(r->updated_at));
}

static json_t *
info_json(const struct job_row *r)
{
	json_t *o = json_object();

	set_str(o, "id", r->id);
	set_str(o, "job_name", r->job_name);
	set_str(o, "url", r->url);	/* public form: no query */
	set_str(o, "title", r->title);
	set_str(o, "status", job_status_name(r->status));
	set_counters(o, r);
	json_object_set_new(o, "eta_s", json_integer(r->eta_s));
	json_object_set_new(o, "size_bytes", json_integer(r->size_bytes));
	set_times(o, r);
	set_str(o, "file_path", r->file_path);
	set_str(o, "error_msg", r->error_msg);
	json_object_set_new(o, "retry_count", json_integer(r->retry_count));
	set_str(o, "quality", r->quality);
	set_str(o, "workdir", r->workdir);
	set_str(o, "referer", r->referer);
	set_str(o, "user_agent", r->user_agent);
	set_str(o, "source_page", r->source_page);
	set_str(o, "resolution", r->resolution);
	json_object_set_new(o, "duration", json_real(r->duration));
	json_object_set_new(o, "headers", header_names(r->headers_json));
	set_str(o, "folder", r->folder);
	set_str(o, "duplicate_of", r->duplicate_of);
	json_object_set_new(o, "live", json_integer(r->live ? 1 : 0));
	return o;
}

json_t *
job_row_json(const struct job_row *row, enum job_json_view view)
{
	switch (view) {
	case JOB_JSON_API: return api_json(row);
	case JOB_JSON_PAGE: return page_json(row);
	default: return info_json(row);
	}
}
