/* httpd-library - what the library holds: GET /api/folders, POST /api/lookup */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "guard.h"
#include "httpd.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/*
 * GET /api/folders: {"folders": [{"name": "library"}, {"name": "movies"}],
 * "default": "library"}. Names only: a folder's path is the NAS's
 * business, and a job never gives one.
 */
void
route_folders(struct httpd_req *r)
{
	const struct conf *c = &r->h->conf;
	json_t *list = json_array();
	int i;

	json_array_append_new(list, json_pack("{s:s}", "name",
	    CONF_LIBRARY_FOLDER));
	for (i = 0; i < c->nfolders; i++)
		json_array_append_new(list, json_pack("{s:s}", "name",
		    c->folders[i].name));
	httpd_reply_json(r, 200, json_pack("{s:o, s:s}", "folders", list,
	    "default", CONF_LIBRARY_FOLDER));
}

/*
 * POST /api/lookup {"url": "..."}: is this stream (its URL with the query
 * set aside) already in the library or on its way? {"found": false}, or
 * {"found": true, "id", "job_id", "status", "title"}.
 */
void
route_lookup(struct httpd_req *r)
{
	struct job_row row;
	struct err err;
	json_t *body, *v;
	char *key;
	bool owned;
	int rc;

	if ((body = httpd_req_json(r, &err)) == NULL) {
		httpd_reply_err(r, &err);
		return;
	}
	v = json_object_get(body, "url");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > 8192) {
		json_decref(body);
		httpd_reply_error(r, 400, "\"url\" must be a non-empty string");
		return;
	}
	key = guard_url_public(json_string_value(v));
	json_decref(body);
	rc = httpd_find_stream(r->h, key, &row, &owned, &err);
	free(key);
	if (rc == -1) {
		log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		httpd_reply_error(r, 503, "the job store cannot be read");
		return;
	}
	if (rc == 0) {
		httpd_reply_json(r, 200, json_pack("{s:b}", "found", 0));
		return;
	}
	httpd_reply_json(r, 200, json_pack("{s:b, s:s, s:s, s:s, s:o}",
	    "found", 1, "id", row.id, "job_id", row.id, "status",
	    job_status_name(row.status), "title", row.title != NULL ?
	    json_string(row.title) : json_null()));
	if (owned)
		job_row_free(&row);
}
