/* httpd-events - GET /api/events: the store's changes as Server-Sent Events */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "clock.h"
#include "httpd.h"
#include "job-json.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/*
 * One timer for every stream: while at least one client listens, every
 * HTTPD_SSE_POLL_MS the loop asks the store's read-only connection for
 * PRAGMA data_version (a counter in shared memory that moves when the
 * spooler commits; no disk read). When it moved, the rows whose updated_at
 * is at or after the newest one already sent go out as
 *
 *   event: job      data: {JOB object, as GET /api/jobs/{id}}
 *
 * (a row changed twice in one second goes out again: harmless, the page
 * replaces it), then, when it differs from the last one sent,
 *
 *   event: status   data: {the /api/status object}
 *
 * whose "total" tells the page that jobs were added or removed. A comment
 * line every HTTPD_SSE_PING_S keeps the stream and proxies awake and finds
 * clients that left. At most HTTPD_SSE_CLIENTS streams; one whose client
 * stopped reading (over SSE_BACKLOG unsent) is cut, and its EventSource
 * reconnects (retry: 3000).
 */
#define SSE_BATCH	500		/* rows a tick at most */
#define SSE_BACKLOG	(1024 * 1024)	/* unsent bytes before a client is cut */
#define SSE_IDLE_S	60		/* a write stalled this long is cut */

struct sse {
	struct events *e;
	struct httpd_req *r;
	struct evhttp_connection *conn;
	size_t sent;
	int64_t expires_ms;	/* its session's end; 0: a bearer token */
	LIST_ENTRY(sse) next;
};

struct events {
	struct httpd *h;
	struct event *timer;
	LIST_HEAD(, sse) clients;
	int n;
	int64_t version;	/* data_version last seen */
	bool have_version;
	int64_t since;		/* updated_at of the newest row sent */
	int64_t last_ping_ms;
	char *last_status;
};

struct events *
events_new(struct httpd *h)
{
	struct events *e = xcalloc(1, sizeof(*e));

	e->h = h;
	LIST_INIT(&e->clients);
	return e;
}

static void
sse_free(struct sse *c, int code)
{
	LIST_REMOVE(c, next);
	c->e->n--;
	httpd_reply_done(c->r, code, c->sent);
	free(c);
}

/* The server stops: every stream ends cleanly (the last chunk). */
void
events_free(struct events *e)
{
	struct sse *c;

	if (e == NULL)
		return;
	while ((c = LIST_FIRST(&e->clients)) != NULL) {
		evhttp_connection_set_closecb(c->conn, NULL, NULL);
		evhttp_send_reply_end(c->r->req);
		sse_free(c, 200);
	}
	if (e->timer != NULL)
		event_free(e->timer);
	free(e->last_status);
	free(e);
}

/* The client left: evhttp detached the request, which we still own. */
static void
sse_closed(struct evhttp_connection *conn, void *arg)
{
	struct sse *c = arg;

	(void)conn;
	if (evhttp_request_get_connection(c->r->req) == NULL)
		evhttp_send_reply_end(c->r->req);
	sse_free(c, 200);
}

/* Ends c's stream and closes its connection. */
static void
sse_cut(struct sse *c)
{
	evhttp_connection_set_closecb(c->conn, NULL, NULL);
	evhttp_connection_free_on_completion(c->conn);
	evhttp_send_reply_end(c->r->req);
	sse_free(c, 200);
}

/* Streams whose session ended are cut: the page's EventSource then
 * reconnects, is refused 401, and the page asks to sign in again. */
static void
cut_expired(struct events *e, int64_t now)
{
	struct sse *c, *tmp;

	for (c = LIST_FIRST(&e->clients); c != NULL; c = tmp) {
		tmp = LIST_NEXT(c, next);
		if (c->expires_ms != 0 && c->expires_ms <= now)
			sse_cut(c);
	}
}

static void
send_all(struct events *e, const char *text, size_t len)
{
	struct sse *c, *tmp;
	struct evbuffer *buf;
	struct bufferevent *bev;

	for (c = LIST_FIRST(&e->clients); c != NULL; c = tmp) {
		tmp = LIST_NEXT(c, next);
		bev = evhttp_connection_get_bufferevent(c->conn);
		if (bev != NULL && evbuffer_get_length(
		    bufferevent_get_output(bev)) > SSE_BACKLOG) {
			log_event(LOG_WARN, "events", NULL, "%s reads too "
			    "slowly: stream cut", c->r->peer);
			sse_cut(c);
			continue;
		}
		buf = evbuffer_new();
		evbuffer_add(buf, text, len);
		evhttp_send_reply_chunk(c->r->req, buf);
		evbuffer_free(buf);
		c->sent += len;
	}
}

static void
add_event(struct evbuffer *out, const char *name, json_t *data)
{
	char *text = json_dumps(data, JSON_COMPACT);

	if (text == NULL)
		return;
	evbuffer_add_printf(out, "event: %s\ndata: %s\n\n", name, text);
	free(text);
}

static int
one_row(const struct job_row *row, void *arg)
{
	struct events *e = ((void **)arg)[0];
	struct evbuffer *out = ((void **)arg)[1];
	json_t *j = job_row_json(row, JOB_JSON_PAGE);

	add_event(out, "job", j);
	json_decref(j);
	if (row->updated_at > e->since)
		e->since = row->updated_at;
	return 0;
}

/* The status event, when it changed since the last one (or `force`). */
static void
add_status(struct events *e, struct evbuffer *out, bool force)
{
	struct err err;
	json_t *j = httpd_status_json(e->h, &err);
	char *text;

	if (j == NULL)
		return;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		return;
	if (!force && e->last_status != NULL &&
	    strcmp(text, e->last_status) == 0) {
		free(text);
		return;
	}
	evbuffer_add_printf(out, "event: status\ndata: %s\n\n", text);
	free(e->last_status);
	e->last_status = text;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct events *e = arg;
	struct evbuffer *out;
	struct store *st;
	struct err err;
	int64_t v, now = clock_ms();
	void *ctx[2];
	bool absent;
	size_t len;

	(void)fd;
	(void)what;
	cut_expired(e, now);
	if (e->n == 0) {
		event_del(e->timer);
		return;
	}
	out = evbuffer_new();
	st = httpd_store(e->h, &absent, &err);
	if (st != NULL && store_data_version(st, &v, &err) == 0 &&
	    (!e->have_version || v != e->version)) {
		e->version = v;
		e->have_version = true;
		ctx[0] = e;
		ctx[1] = out;
		if (store_list_updated(st, e->since, SSE_BATCH, one_row, ctx,
		    &err) != 0)
			log_event(LOG_WARN, "store", NULL, "%s", err.msg);
		add_status(e, out, false);
	}
	if (evbuffer_get_length(out) == 0 &&
	    now - e->last_ping_ms >= HTTPD_SSE_PING_S * 1000)
		evbuffer_add_printf(out, ": ping\n\n");
	if ((len = evbuffer_get_length(out)) > 0) {
		e->last_ping_ms = now;
		send_all(e, (const char *)evbuffer_pullup(out, -1), len);
	}
	evbuffer_free(out);
}

void
route_events(struct httpd_req *r)
{
	struct events *e = r->h->events;
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	struct evhttp_connection *conn = evhttp_request_get_connection(r->req);
	struct timeval tv = { 0, HTTPD_SSE_POLL_MS * 1000 };
	struct evbuffer *first;
	struct store *st;
	struct err err;
	struct sse *c;
	bool absent;

	if (e->n >= HTTPD_SSE_CLIENTS || conn == NULL) {
		evhttp_add_header(out, "Retry-After", "10");
		httpd_reply_error(r, 503, "too many event streams");
		return;
	}
	if (evhttp_request_get_command(r->req) == EVHTTP_REQ_HEAD) {
		httpd_reply_text(r, 200, "text/event-stream", NULL, 0);
		return;
	}
	evhttp_add_header(out, "Content-Type", "text/event-stream");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Accel-Buffering", "no");
	httpd_common_headers(r);
	c = xcalloc(1, sizeof(*c));
	c->e = e;
	c->r = r;
	c->conn = conn;
	c->expires_ms = r->auth == AUTH_SESSION ? session_expiry(r) : 0;
	LIST_INSERT_HEAD(&e->clients, c, next);
	if (e->n++ == 0) {
		e->last_ping_ms = clock_ms();
		/* the first listener: start from now */
		e->since = clock_wall_ms() / 1000;
		e->have_version = false;
		if ((st = httpd_store(r->h, &absent, &err)) != NULL &&
		    store_data_version(st, &e->version, &err) == 0)
			e->have_version = true;
	}
	httpd_stream_timeouts(conn, SSE_IDLE_S);
	evhttp_connection_set_closecb(conn, sse_closed, c);
	evhttp_send_reply_start(r->req, 200, NULL);
	first = evbuffer_new();
	evbuffer_add_printf(first, "retry: 3000\n\n");
	add_status(e, first, true);
	c->sent += evbuffer_get_length(first);
	evhttp_send_reply_chunk(r->req, first);
	evbuffer_free(first);
	if (e->timer == NULL)
		e->timer = event_new(r->h->base, -1, EV_PERSIST, tick, e);
	if (!evtimer_pending(e->timer, NULL))
		evtimer_add(e->timer, &tv);
}
