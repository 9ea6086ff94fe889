/* httpd-routes - dispatch: route table, preflight, rate limit, bearer auth */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "clock.h"
#include "httpd.h"
#include "job-id.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/*
 * Every request goes the same way (after OpenBSD httpd: reject early, one
 * exit): match the route, answer a CORS preflight, apply the POST rate
 * limit, check the bearer token, then run the handler. Each handler ends
 * in exactly one httpd_reply_* call, which frees the httpd_req.
 */
struct route {
	enum httpd_route id;
	const char *path;	/* exact path, or the part after /api/jobs/{id} */
	enum evhttp_cmd_type method;
	bool job_path;		/* /api/jobs/{id}[path] */
	bool auth;
};

static const struct route routes[] = {
	{ R_HEALTH,   "/api/health",   EVHTTP_REQ_GET,  false, false },
	{ R_DOWNLOAD, "/api/download", EVHTTP_REQ_POST, false, true },
	{ R_JOBS,     "/api/jobs",     EVHTTP_REQ_GET,  false, true },
	{ R_STATUS,   "/api/status",   EVHTTP_REQ_GET,  false, true },
	{ R_PROBE,    "/api/probe",    EVHTTP_REQ_POST, false, true },
	{ R_METRICS,  "/metrics",      EVHTTP_REQ_GET,  false, true },
	{ R_JOB,      "",              EVHTTP_REQ_GET,  true,  true },
	{ R_CANCEL,   "/cancel",       EVHTTP_REQ_POST, true,  true },
	{ R_RETRY,    "/retry",        EVHTTP_REQ_POST, true,  true },
	{ R_REFRESH,  "/refresh",      EVHTTP_REQ_POST, true,  true },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))
#define JOBS_PREFIX "/api/jobs/"

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

/* The route for r->path, filling r->id; NULL if none matches the path. */
static const struct route *
match(struct httpd_req *r, bool *bad_id)
{
	const char *rest, *slash;
	size_t i, n;

	*bad_id = false;
	for (i = 0; i < NROUTES; i++)
		if (!routes[i].job_path && strcmp(r->path, routes[i].path) == 0)
			return &routes[i];
	if (strncmp(r->path, JOBS_PREFIX, strlen(JOBS_PREFIX)) != 0)
		return NULL;
	rest = r->path + strlen(JOBS_PREFIX);
	slash = strchr(rest, '/');
	n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	/* job_id_valid: it becomes a control/ file name. */
	if (!job_id_valid_n(rest, n)) {
		*bad_id = true;
		return NULL;
	}
	memcpy(r->id, rest, n);
	r->id[n] = '\0';
	for (i = 0; i < NROUTES; i++)
		if (routes[i].job_path && strcmp(rest + n, routes[i].path) == 0)
			return &routes[i];
	return NULL;
}

static bool
authorized(struct httpd_req *r)
{
	const char *v = evhttp_find_header(
	    evhttp_request_get_input_headers(r->req), "Authorization");

	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return false;
	v += 7;
	while (*v == ' ')
		v++;
	return httpd_token_ok(&r->h->conf.http, v, strlen(v));
}

/* true if the request may go on; otherwise it has been answered 429. */
static bool
rate_ok(struct httpd_req *r)
{
	char after[16];
	int wait;

	if (r->h->limiter == NULL ||
	    (wait = limiter_take(r->h->limiter, r->peer,
	    clock_us() / 1e6)) == 0)
		return true;
	r->h->rate_limited++;
	snprintf(after, sizeof(after), "%d", wait);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Retry-After", after);
	log_event(LOG_WARN, "rate-limited", NULL, "%s %s", r->peer, r->path);
	httpd_reply_error(r, 429, "rate limit: at most %d requests a minute, "
	    "retry in %d s", r->h->conf.http.rate_limit_per_minute, wait);
	return false;
}

static void
run(struct httpd_req *r)
{
	switch (r->route) {
	case R_DOWNLOAD: route_download(r); break;
	case R_JOBS: route_jobs(r); break;
	case R_JOB: route_job(r); break;
	case R_CANCEL: route_control(r, CONTROL_CANCEL); break;
	case R_RETRY: route_control(r, CONTROL_RETRY); break;
	case R_REFRESH: route_refresh(r); break;
	case R_STATUS: route_status(r); break;
	case R_HEALTH: route_health(r); break;
	case R_PROBE: route_probe(r); break;
	case R_METRICS: route_metrics(r); break;
	default: httpd_reply_error(r, 404, "no such route"); break;
	}
}

static struct httpd_req *
req_new(struct httpd *h, struct evhttp_request *req)
{
	struct httpd_req *r = xcalloc(1, sizeof(*r));
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;
	size_t n = 0;

	r->t0_us = clock_us();
	r->h = h;
	r->req = req;
	r->route = R_UNKNOWN;
	r->method = method_name(evhttp_request_get_command(req));
	if (conn != NULL)
		evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(r->peer, sizeof(r->peer), "%s", addr != NULL ? addr : "-");
	r->path = evhttp_uridecode(path != NULL && *path != '\0' ? path : "/",
	    0, &n);
	if (r->path != NULL && strlen(r->path) != n) {
		free(r->path);
		r->path = NULL;
	}
	r->query = query != NULL ? xstrdup(query) : NULL;
	return r;
}

void
httpd_dispatch(struct evhttp_request *req, void *arg)
{
	struct httpd_req *r = req_new(arg, req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const struct route *rt;
	bool bad_id;

	if (r->path == NULL) {	/* a %00 in the path would cut it short */
		r->path = xstrdup("-");
		httpd_reply_error(r, 400, "bad path");
		return;
	}
	rt = match(r, &bad_id);
	if (m == EVHTTP_REQ_OPTIONS) {
		r->route = R_PREFLIGHT;
		httpd_reply_text(r, 204, NULL, NULL, 0);
		return;
	}
	if (rt == NULL) {
		httpd_reply_error(r, 404, bad_id ? "bad job id" :
		    "no such route: %s", r->path);
		return;
	}
	r->route = rt->id;
	if (m == EVHTTP_REQ_HEAD)
		m = EVHTTP_REQ_GET;
	if (m != rt->method) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", rt->method == EVHTTP_REQ_GET ? "GET, HEAD, OPTIONS" :
		    "POST, OPTIONS");
		httpd_reply_error(r, 405, "%s %s is not allowed (use %s)",
		    r->method, httpd_route_name(rt->id),
		    method_name(rt->method));
		return;
	}
	if (m == EVHTTP_REQ_POST && !rate_ok(r))
		return;
	if (rt->auth && !authorized(r)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"m3u8nas\"");
		httpd_reply_error(r, 401, "missing or wrong bearer token");
		return;
	}
	run(r);
}

struct store *
httpd_store(struct httpd *h, bool *absent, struct err *err)
{
	*absent = false;
	if (h->store != NULL)
		return h->store;
	if (access(h->db_path, F_OK) != 0) {
		*absent = true;	/* the spooler has not run yet: no jobs */
		err_set(err, "no store yet at %s", h->db_path);
		return NULL;
	}
	h->store = store_open(h->db_path, true, err);
	return h->store;
}
