/* httpd - the drop endpoint's shared state, split across helper/httpd-*.c */
#ifndef M3U8NAS_HTTPD_H
#define M3U8NAS_HTTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "control.h"
#include "err.h"
#include "job-id.h"

/*
 * m3u8nas-httpd is one libevent loop on one thread. Every route answers
 * from the loop: POST writes a small file (tmp + fsync + rename), GETs are
 * single SQLite reads of the spooler's store (read-only, WAL). The only
 * slow thing, /api/probe, runs on a bounded pool of worker threads that
 * hand their answer back to the loop through a pipe (httpd-probe.c).
 *
 * Named limits live here, in one place (after OpenBSD httpd).
 */
#define HTTPD_MAX_HEADERS_BYTES	(16 * 1024)
#define HTTPD_LIMITER_SLOTS	4096	/* clients remembered by the limiter */
#define HTTPD_RECENT_SLOTS	1024	/* posted jobs remembered for dedupe */
#define HTTPD_MAX_PROBES	4	/* probes in flight at once */
#define HTTPD_PROBE_TIMEOUT_S	30
#define HTTPD_MAX_ID		JOB_ID_MAX	/* longest job id in a path */
#define HTTPD_LIST_MAX		500	/* biggest ?limit= */
#define HTTPD_LIST_DEFAULT	50

/* Routes, for dispatch and for the per-route request counters. */
enum httpd_route {
	R_DOWNLOAD, R_JOBS, R_JOB, R_CANCEL, R_RETRY, R_REFRESH, R_STATUS,
	R_HEALTH, R_PROBE, R_METRICS, R_PREFLIGHT, R_UNKNOWN, R_COUNT
};

struct limiter;
struct recent;
struct probe_pool;
struct store;

struct httpd_metric {
	enum httpd_route route;
	int status;
	uint64_t count;
};

struct httpd {
	struct conf conf;
	struct event_base *base;
	struct evhttp *https;
	struct evhttp *plain;		/* NULL unless http.plain_listen */
	struct evhttp_bound_socket *bound;	/* the TLS listener */
	bool stopping;
	SSL_CTX *ssl;
	char *incoming, *control, *state, *db_path;
	struct store *store;		/* opened lazily: the spooler makes it */
	struct limiter *limiter;	/* NULL when rate_limit_per_minute = 0 */
	struct recent *recent;
	struct probe_pool *probes;

	/* TLS connections open; accepting pauses at max_connections. */
	int nconn;
	bool paused;

	/* /metrics counters */
	struct httpd_metric metrics[64];
	int nmetrics;
	uint64_t rate_limited;
};

/* The request being answered: what the access log and the counters need. */
struct httpd_req {
	struct httpd *h;
	struct evhttp_request *req;
	enum httpd_route route;
	const char *method;
	char peer[64];
	char *path;			/* decoded path (owned) */
	char *query;			/* raw query or NULL (owned) */
	char id[HTTPD_MAX_ID + 1];	/* {id} of the job routes */
	int64_t t0_us;		/* clock_us() at arrival, for the access log */
};

/* httpd.c */
const char *httpd_route_name(enum httpd_route r);
void httpd_conn_closed(struct httpd *h);

/* httpd-tls.c: the server's SSL_CTX (TLS 1.2+), self-signed if need be. */
SSL_CTX *httpd_tls_new(const struct conf *c, const char *state_dir,
    struct err *err);
/* A new accepting SSL bufferevent for evhttp (evhttp_set_bevcb). */
struct bufferevent *httpd_tls_bev(struct event_base *base, void *arg);

/* httpd-limit.c: per-client token buckets and the bearer-token check. */
struct limiter *limiter_new(int per_minute, int slots);
void limiter_free(struct limiter *l);
/* 0: allowed; > 0: refused, retry after that many seconds. */
int limiter_take(struct limiter *l, const char *client, double now);
/* true when `given` (length n) equals one of the configured tokens. */
bool httpd_token_ok(const struct conf_http *hc, const char *given, size_t n);

/* httpd-recent.c: jobs posted by this process, until the store has them. */
struct recent_job {
	char id[32];
	char *url, *title, *quality;
	time_t created;
};
struct recent *recent_new(int slots);
void recent_free(struct recent *r);
void recent_add(struct recent *r, const char *id, const char *url,
    const char *title, const char *quality);
const struct recent_job *recent_by_url(struct recent *r, const char *url);
const struct recent_job *recent_by_id(struct recent *r, const char *id);
void recent_forget(struct recent *r, const char *id);

/* httpd-reply.c: every answer goes through these (log, count, CORS). */
void httpd_reply_json(struct httpd_req *r, int code, json_t *body);
void httpd_reply_text(struct httpd_req *r, int code, const char *type,
    const char *text, size_t len);
/*
 * The HTTP status an error's kind calls for, said once: ERR_INVALID and
 * ERR_REFUSED 400 (the request is at fault), ERR_DENIED 502 (the origin
 * turned us away), ERR_TEMPORARY and ERR_CANCELLED 503, ERR_NOSPACE 507,
 * anything else 500.
 */
int httpd_status_of(const struct err *err);
/* Replies {"error": err->msg} with httpd_status_of(err). */
void httpd_reply_err(struct httpd_req *r, const struct err *err);
void httpd_reply_error(struct httpd_req *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void httpd_req_free(struct httpd_req *r);
/* The request body as a NUL-terminated string (caller frees). */
char *httpd_req_body(struct httpd_req *r, size_t *len);
/* The body as JSON (duplicate keys refused), or NULL with ERR_INVALID
 * "invalid JSON: ...". */
json_t *httpd_req_json(struct httpd_req *r, struct err *err);

/* httpd-routes.c: the gencb of both listeners. */
void httpd_dispatch(struct evhttp_request *req, void *arg);
/* The store, opened on first need; NULL with err set (or no db yet). */
struct store *httpd_store(struct httpd *h, bool *absent, struct err *err);

/* httpd-jobs.c: the job routes. */
void route_download(struct httpd_req *r);
void route_jobs(struct httpd_req *r);
void route_job(struct httpd_req *r);
void route_control(struct httpd_req *r, enum control_word w);
/* POST /api/jobs/{id}/refresh: a fresh link as a control/ request. */
void route_refresh(struct httpd_req *r);

/* httpd-status.c */
void route_status(struct httpd_req *r);
void route_health(struct httpd_req *r);
void route_metrics(struct httpd_req *r);

/* httpd-probe.c */
struct probe_pool *probe_pool_new(struct httpd *h, struct err *err);
void probe_pool_free(struct probe_pool *p);
void route_probe(struct httpd_req *r);

#endif
