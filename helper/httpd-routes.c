/* httpd-routes - dispatch: route table, preflight, rate limit, bearer auth */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "httpd-frame.h"
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
	int methods;		/* EVHTTP_REQ_* allowed (HEAD goes with GET) */
	bool job_path;		/* /api/jobs/{id}[path] */
	bool auth;
};

#define GET EVHTTP_REQ_GET
#define POST EVHTTP_REQ_POST
#define PUT EVHTTP_REQ_PUT
#define DEL EVHTTP_REQ_DELETE
static const struct route routes[] = {
	{ R_HEALTH,   "/api/health",   GET,  false, false },
	{ R_DOWNLOAD, "/api/download", POST, false, true },
	{ R_JOBS,     "/api/jobs",     GET,  false, true },
	{ R_STATUS,   "/api/status",   GET,  false, true },
	{ R_PROBE,    "/api/probe",    POST, false, true },
	{ R_METRICS,  "/metrics",      GET,  false, true },
	{ R_EVENTS,   "/api/events",   GET,  false, true },
	{ R_SETTINGS, "/api/settings", GET | PUT, false, true },
	{ R_FOLDERS,  "/api/folders",  GET,  false, true },
	{ R_LOOKUP,   "/api/lookup",   POST, false, true },
	{ R_SESSION,  "/api/session",  GET | POST | DEL, false, false },
	{ R_JOB,      "",              GET,  true,  true },
	{ R_REMOVE,   "",              DEL,  true,  true },
	{ R_CANCEL,   "/cancel",       POST, true,  true },
	{ R_RETRY,    "/retry",        POST, true,  true },
	{ R_REFRESH,  "/refresh",      POST, true,  true },
	{ R_PAUSE,    "/pause",        POST, true,  true },
	{ R_RESUME,   "/resume",       POST, true,  true },
	{ R_VIDEO,    "/video",        GET,  true,  true },
	{ R_LOG,      "/log",          GET,  true,  true },
};
#undef GET
#undef POST
#undef PUT
#undef DEL
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

/*
 * The route for r->path and method m, filling r->id; NULL if none. When
 * the path is known but not the method, *allowed says which are.
 */
static const struct route *
match(struct httpd_req *r, int m, int *allowed, bool *bad_id)
{
	const char *rest, *slash;
	size_t i, n;

	*bad_id = false;
	*allowed = 0;
	for (i = 0; i < NROUTES; i++)
		if (!routes[i].job_path && strcmp(r->path, routes[i].path) == 0) {
			*allowed |= routes[i].methods;
			if (routes[i].methods & m)
				return &routes[i];
		}
	if (*allowed != 0 ||
	    strncmp(r->path, JOBS_PREFIX, strlen(JOBS_PREFIX)) != 0)
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
		if (routes[i].job_path && strcmp(rest + n, routes[i].path) == 0) {
			*allowed |= routes[i].methods;
			if (routes[i].methods & m)
				return &routes[i];
		}
	return NULL;
}

static void
allow_header(struct evhttp_request *req, int allowed)
{
	char buf[64] = "";

	if (allowed & EVHTTP_REQ_GET)
		strcat(buf, "GET, HEAD, ");
	if (allowed & EVHTTP_REQ_POST)
		strcat(buf, "POST, ");
	if (allowed & EVHTTP_REQ_PUT)
		strcat(buf, "PUT, ");
	if (allowed & EVHTTP_REQ_DELETE)
		strcat(buf, "DELETE, ");
	strcat(buf, "OPTIONS");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", buf);
}

static bool
authorized(struct httpd_req *r)
{
	const char *v = httpd_header(r, "Authorization");

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
	case R_PAUSE: route_control(r, CONTROL_PAUSE); break;
	case R_RESUME: route_control(r, CONTROL_RESUME); break;
	case R_REMOVE: route_remove(r); break;
	case R_VIDEO: route_video(r); break;
	case R_EVENTS: route_events(r); break;
	case R_SETTINGS: route_settings(r); break;
	case R_SESSION: route_session(r); break;
	case R_WEB: route_web(r); break;
	case R_LOG: route_log(r); break;
	case R_FOLDERS: route_folders(r); break;
	case R_LOOKUP: route_lookup(r); break;
	default: httpd_reply_error(r, 404, "no such route"); break;
	}
}

/*
 * A request httpd-conn.c refused before evhttp saw it: the path carries
 * the reason (a client sending such a path itself only gets a 400).
 */
static void
refused(struct httpd_req *r)
{
	const struct frame_reason *fr;
	char *end;
	long why = strtol(r->path + strlen(HTTPD_REFUSED_PREFIX), &end, 10);

	fr = *end == '\0' ? httpd_frame_reason((int)why) : NULL;
	if (fr == NULL || fr->status == 0) {
		httpd_reply_error(r, 400, "bad path");
		return;
	}
	log_event(LOG_WARN, "refused", NULL, "%s: %s", r->peer, fr->msg);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Connection", "close");
	httpd_reply_error(r, fr->status, "%s", fr->msg);
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

/* The page's files: any GET outside /api/ and /metrics. */
static bool
is_web_path(const char *path)
{
	return strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0 &&
	    strcmp(path, "/metrics") != 0;
}

/*
 * Who is asking: a bearer token (the extension, scripts) or the page's
 * session cookie. A state-changing request of a session must pass the
 * CSRF check; the POST rate limit applies to everything but sessions
 * (their sign-in had its own limit). true if the request may go on;
 * otherwise it has been answered.
 */
static bool
admit(struct httpd_req *r, const struct route *rt, int m)
{
	const char *bearer = httpd_header(r, "Authorization");
	bool changes = m != EVHTTP_REQ_GET;

	if (bearer == NULL && session_valid(r)) {
		if (changes && rt->id != R_SESSION && !session_csrf_ok(r)) {
			log_event(LOG_WARN, "csrf", NULL, "%s %s %s refused",
			    r->peer, r->method, r->path);
			httpd_reply_error(r, 403, "cross-site request refused "
			    "(no valid X-CSRF-Token)");
			return false;
		}
		r->auth = AUTH_SESSION;
		return true;
	}
	/* A lookup reads, as GETs do: it does not spend the POST budget. */
	if (changes && rt->id != R_SESSION && rt->id != R_LOOKUP && !rate_ok(r))
		return false;
	if (!rt->auth)
		return true;
	if (!authorized(r)) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "WWW-Authenticate", "Bearer realm=\"m3u8nas\"");
		httpd_reply_error(r, 401, "missing or wrong bearer token");
		return false;
	}
	r->auth = AUTH_BEARER;
	return true;
}

void
httpd_dispatch(struct evhttp_request *req, void *arg)
{
	struct httpd_req *r = req_new(arg, req);
	int m = evhttp_request_get_command(req);
	const struct route *rt;
	int allowed;
	bool bad_id;

	if (r->path == NULL) {	/* a %00 in the path would cut it short */
		r->path = xstrdup("-");
		httpd_reply_error(r, 400, "bad path");
		return;
	}
	if (strncmp(r->path, HTTPD_REFUSED_PREFIX,
	    strlen(HTTPD_REFUSED_PREFIX)) == 0) {
		refused(r);
		return;
	}
	if (m == EVHTTP_REQ_OPTIONS) {
		r->route = R_PREFLIGHT;
		httpd_reply_text(r, 204, NULL, NULL, 0);
		return;
	}
	if (m == EVHTTP_REQ_HEAD)
		m = EVHTTP_REQ_GET;
	rt = match(r, m, &allowed, &bad_id);
	if (rt == NULL && allowed == 0 && !bad_id && is_web_path(r->path)) {
		r->route = R_WEB;
		if (m != EVHTTP_REQ_GET) {
			allow_header(req, EVHTTP_REQ_GET);
			httpd_reply_error(r, 405, "%s %s is not allowed",
			    r->method, r->path);
		} else
			route_web(r);
		return;
	}
	if (rt == NULL && allowed != 0) {
		r->route = R_UNKNOWN;
		allow_header(req, allowed);
		httpd_reply_error(r, 405, "%s %s is not allowed", r->method,
		    r->path);
		return;
	}
	if (rt == NULL) {
		httpd_reply_error(r, 404, bad_id ? "bad job id" :
		    "no such route: %s", r->path);
		return;
	}
	r->route = rt->id;
	if (admit(r, rt, m))
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
