/* httpd-reply - the one way out: headers, CORS, counters and the access log */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "clock.h"
#include "httpd.h"
#include "log.h"
#include "xmalloc.h"

#define EXT_ORIGIN "chrome-extension://"

/*
 * CORS for the extension only: an Origin of chrome-extension://<id> is
 * echoed (a browser then lets that extension read the answer); any other
 * origin gets no CORS headers, so web pages cannot script the endpoint.
 */
static void
add_cors(struct httpd_req *r, struct evkeyvalq *out)
{
	const char *origin = evhttp_find_header(
	    evhttp_request_get_input_headers(r->req), "Origin");

	if (origin == NULL || strncmp(origin, EXT_ORIGIN,
	    strlen(EXT_ORIGIN)) != 0 || strpbrk(origin, "\r\n") != NULL)
		return;
	evhttp_add_header(out, "Access-Control-Allow-Origin", origin);
	evhttp_add_header(out, "Vary", "Origin");
	evhttp_add_header(out, "Access-Control-Allow-Headers",
	    "Authorization, Content-Type");
	evhttp_add_header(out, "Access-Control-Allow-Methods",
	    "GET, POST, OPTIONS");
	evhttp_add_header(out, "Access-Control-Max-Age", "600");
}

static void
count(struct httpd *h, enum httpd_route route, int status)
{
	int i;

	for (i = 0; i < h->nmetrics; i++)
		if (h->metrics[i].route == route &&
		    h->metrics[i].status == status) {
			h->metrics[i].count++;
			return;
		}
	if (h->nmetrics == (int)(sizeof(h->metrics) / sizeof(h->metrics[0])))
		return;
	h->metrics[h->nmetrics].route = route;
	h->metrics[h->nmetrics].status = status;
	h->metrics[h->nmetrics].count = 1;
	h->nmetrics++;
}

/* The access log line and the duration histogram of the route. */
static void
access_log(struct httpd_req *r, int code, size_t len)
{
	double s = (double)(clock_us() - r->t0_us) / 1e6;

	metrics_observe(r->h, r->route, code, s);
	log_event(code >= 500 ? LOG_WARN : LOG_INFO, "access", NULL,
	    "%s %s %s %d %zu %.3fms", r->peer, r->method, r->path, code, len,
	    s * 1e3);
}

void
httpd_req_free(struct httpd_req *r)
{
	free(r->path);
	free(r->query);
	free(r);
}

void
httpd_reply_text(struct httpd_req *r, int code, const char *type,
    const char *text, size_t len)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	struct evbuffer *buf = evbuffer_new();

	if (type != NULL)
		evhttp_add_header(out, "Content-Type", type);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	add_cors(r, out);
	if (len > 0)
		evbuffer_add(buf, text, len);
	evhttp_send_reply(r->req, code, NULL, buf);
	evbuffer_free(buf);
	count(r->h, r->route, code);
	access_log(r, code, len);
	httpd_req_free(r);
}

void
httpd_reply_json(struct httpd_req *r, int code, json_t *body)
{
	char *text;

	if (body == NULL) {	/* a bug, not the client's fault */
		code = 500;
		body = json_pack("{s:s}", "error", "internal error");
	}
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	httpd_reply_text(r, code, "application/json", text, strlen(text));
	free(text);
}

void
httpd_reply_error(struct httpd_req *r, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* msg may quote client bytes that are not UTF-8 */
	if ((s = json_string(msg)) == NULL)
		s = json_string("invalid request (not UTF-8)");
	httpd_reply_json(r, code, json_pack("{s:o}", "error", s));
}

int
httpd_status_of(const struct err *err)
{
	switch (err->kind) {
	case ERR_INVALID:
	case ERR_REFUSED:
		return 400;
	case ERR_DENIED:
		return 502;
	case ERR_TEMPORARY:
	case ERR_CANCELLED:
		return 503;
	case ERR_NOSPACE:
		return 507;
	default:
		return 500;
	}
}

void
httpd_reply_err(struct httpd_req *r, const struct err *err)
{
	httpd_reply_error(r, httpd_status_of(err), "%s", err->msg);
}

char *
httpd_req_body(struct httpd_req *r, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t n = evbuffer_get_length(in);
	char *body = xmalloc(n + 1);

	evbuffer_copyout(in, body, n);
	body[n] = '\0';
	*len = n;
	return body;
}

json_t *
httpd_req_json(struct httpd_req *r, struct err *err)
{
	json_error_t jerr;
	json_t *body;
	size_t len;
	char *raw = httpd_req_body(r, &len);

	body = json_loadb(raw, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	free(raw);
	if (body == NULL)
		err_setk(err, ERR_INVALID, "invalid JSON: %s", jerr.text);
	return body;
}
