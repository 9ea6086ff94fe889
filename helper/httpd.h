/* httpd - the drop endpoint's shared state, split across helper/httpd-*.c */
#ifndef M3U8NAS_HTTPD_H
#define M3U8NAS_HTTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "store.h"
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
#define HTTPD_SESSIONS		64	/* signed-in sessions at once */
#define HTTPD_SSE_CLIENTS	32	/* /api/events streams at once */
#define HTTPD_SSE_POLL_MS	40	/* how often the store is looked at */
#define HTTPD_SSE_PING_S	15	/* a comment line keeps proxies awake */
#define HTTPD_STREAM_CHUNK	(256 * 1024)	/* a video goes out in these */
#define HTTPD_STREAMS		32	/* videos being sent at once */
#define HTTPD_STREAM_IDLE_S	120	/* a client that takes nothing for */
#define HTTPD_WEB_FILE_MAX	(1024 * 1024)	/* a page file is at most */
#define SESSION_COOKIE		"m3u8nas_session"
/* The path of a request refused by httpd-conn.c: + its FRAME_* number. */
#define HTTPD_REFUSED_PREFIX	"/.m3u8nas-refused/"

/* Routes, for dispatch and for the per-route request counters. */
enum httpd_route {
	R_DOWNLOAD, R_JOBS, R_JOB, R_CANCEL, R_RETRY, R_STATUS, R_HEALTH,
	R_PROBE, R_METRICS, R_PREFLIGHT, R_UNKNOWN,
	R_PAUSE, R_RESUME, R_REMOVE, R_VIDEO, R_EVENTS, R_SETTINGS,
	R_SESSION, R_WEB, R_LOG, R_FOLDERS, R_LOOKUP, R_REFRESH, R_COUNT
};

/* How a request proved who it is. */
enum httpd_auth { AUTH_NONE, AUTH_BEARER, AUTH_SESSION };

struct limiter;
struct sessions;
struct events;
struct recent;
struct probe_pool;
struct store;
struct job_row;

struct httpd_metric {
	enum httpd_route route;
	int status;
	uint64_t count;
};

/*
 * A Prometheus histogram kept as counts per bucket (not cumulative; the
 * writer adds them up), with the total and the sum of what was observed.
 */
#define HTTPD_DURATION_NBUCKETS 15
struct httpd_hist {
	uint64_t bucket[HTTPD_DURATION_NBUCKETS + 1];	/* last: over all */
	uint64_t count;
	double sum;
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
	struct sessions *sessions;	/* the page's signed-in owners */
	struct events *events;		/* /api/events streams */
	int nstreams;			/* videos being sent */

	/* TLS connections open; accepting pauses at max_connections. */
	int nconn;
	bool paused;
	/* Connections per peer address (httpd-conn.c), unordered. */
	struct httpd_peer {
		char addr[46];
		int n;
	} *peers;
	int npeers;
	uint64_t refused_per_address;

	/* /metrics counters */
	struct httpd_metric metrics[64];
	int nmetrics;
	uint64_t rate_limited;
	struct httpd_hist durations[R_COUNT];	/* request seconds by route */
	uint64_t by_class[6];			/* responses: [2] = 2xx ... */
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
	enum httpd_auth auth;
	int64_t t0_us;		/* clock_us() at arrival, for the access log */
};

/* httpd.c */
const char *httpd_route_name(enum httpd_route r);
void httpd_conn_closed(struct httpd *h);	/* after nconn-- */

/* httpd-tls.c: the server's SSL_CTX (TLS 1.2+), self-signed if need be. */
SSL_CTX *httpd_tls_new(const struct conf *c, const char *state_dir,
    struct err *err);
/* Replaces h->ssl with a context freshly loaded from the configured pair
 * (SIGHUP); on failure h->ssl is kept. 0 or -1. */
int httpd_tls_reload(struct httpd *h, struct err *err);
/* A new accepting SSL bufferevent for evhttp (evhttp_set_bevcb). */
struct bufferevent *httpd_tls_bev(struct event_base *base, void *arg);

/*
 * httpd-conn.c: the gate in front of evhttp (per-address cap, request
 * deadline, framing). _new counts the connection; _attach hooks the
 * TLS bufferevent; _free (from the SSL's free) counts it down.
 */
struct httpd_conn;
struct httpd_conn *httpd_conn_new(struct httpd *h);
void httpd_conn_attach(struct httpd_conn *c, struct bufferevent *bev);
void httpd_conn_free(struct httpd_conn *c);

/* httpd-limit.c: per-client token buckets and the bearer-token check. */
struct limiter *limiter_new(int per_minute, int slots);
void limiter_free(struct limiter *l);
/* The one string hash of the endpoint's tables (limiter, recent posts). */
uint32_t httpd_hash(const char *s);
/* 0: allowed; > 0: refused, retry after that many seconds. */
int limiter_take(struct limiter *l, const char *client, double now);
/* Returns the token a request took, when it wrote nothing (a duplicate). */
void limiter_give_back(struct limiter *l, const char *client, double now);
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
/* For replies that stream (video, events): counts, logs, frees r. */
void httpd_reply_done(struct httpd_req *r, int code, size_t len);
/* The response headers every answer carries (nosniff, CORS...). */
void httpd_common_headers(struct httpd_req *r);
/* The request came over TLS. */
bool httpd_req_tls(const struct httpd_req *r);
/* A streaming reply's connection: no read timeout (the client sends
 * nothing while it receives), a write stalled for idle_s is cut. */
void httpd_stream_timeouts(struct evhttp_connection *conn, int idle_s);
/* The /api/status object (NULL with err set when the store fails). */
json_t *httpd_status_json(struct httpd *h, struct err *err);
/* A request header, or NULL. */
const char *httpd_header(const struct httpd_req *r, const char *name);
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

/* httpd-session.c: sign-in, sessions, CSRF (see the file's comment). */
struct sessions *sessions_new(int ttl_s, int signin_per_minute);
void sessions_free(struct sessions *s);
/* true when r carries a live session cookie. */
bool session_valid(struct httpd_req *r);
/* When r's session ends (clock_ms), 0 without one. */
int64_t session_expiry(struct httpd_req *r);
/* true when a state-changing request of a session is the page's own. */
bool session_csrf_ok(struct httpd_req *r);
void route_session(struct httpd_req *r);

/* httpd-events.c: GET /api/events (Server-Sent Events). */
struct events *events_new(struct httpd *h);
void events_free(struct events *e);
void route_events(struct httpd_req *r);

/* httpd-media.c: GET /api/jobs/{id}/video (Range) and the page's files. */
void route_video(struct httpd_req *r);
void route_web(struct httpd_req *r);

/* httpd-settings.c: GET/PUT /api/settings. */
void route_settings(struct httpd_req *r);

/* httpd-jobs.c (continued) */
void route_remove(struct httpd_req *r);
void route_log(struct httpd_req *r);
/* control/<id>.<word> (dot-file, fsync, rename). 0 or -1. */
int httpd_write_control(struct httpd *h, const char *name, const char *body,
    struct err *err);

/* httpd-metrics.c: what /metrics adds up, in Prometheus text format. */
/* Counts one answered request (httpd-reply.c). */
void metrics_observe(struct httpd *h, enum httpd_route route, int code,
    double seconds);
/* One histogram's _bucket lines (cumulative), _sum and _count; labels is
 * "" or `key="value"` pairs without braces; bucket[n] counts what lies
 * above bounds[n - 1]. */
void metrics_histogram(FILE *fp, const char *name, const char *labels,
    const double *bounds, int n, const uint64_t *bucket, double sum);
/* Request durations and responses by status class. */
void metrics_write_http(FILE *fp, struct httpd *h);
/* Total, free (for unprivileged users) and used bytes of the spool's and
 * the library's filesystems. */
void metrics_write_disk(FILE *fp, struct httpd *h);
/* CPU seconds and resident memory of this process, of the spooler (from
 * the store, when its heartbeat is fresh) and of m3u8nas-fs (its pid file
 * in state/). */
void metrics_write_process(FILE *fp, struct httpd *h, bool spooler_alive);

/* Jobs finished by result and reason, download durations and bytes per
 * job (from the store's job_finished). */
void metrics_write_jobs(FILE *fp, struct httpd *h);

/* httpd-status.c */
void route_status(struct httpd_req *r);
void route_health(struct httpd_req *r);
void route_metrics(struct httpd_req *r);

/*
 * The stream `key` (guard_url_public of its URL) already in the library
 * (a completed job whose video exists) or on its way (unfinished, or a
 * recent post still in flight): 1 with *row (*owned: free it with
 * job_row_free), 0 none, -1 store error.
 */
int httpd_find_stream(struct httpd *h, const char *key, struct job_row *row,
    bool *owned, struct err *err);

/* httpd-library.c: GET /api/folders, POST /api/lookup */
void route_folders(struct httpd_req *r);
void route_lookup(struct httpd_req *r);

/* httpd-probe.c */
struct probe_pool *probe_pool_new(struct httpd *h, struct err *err);
void probe_pool_free(struct probe_pool *p);
void route_probe(struct httpd_req *r);

#endif
