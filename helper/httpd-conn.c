/* httpd-conn - every connection's gate: per-address cap, deadline, framing */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "httpd-frame.h"
#include "httpd.h"
#include "log.h"
#include "xmalloc.h"

/*
 * evhttp (libevent 2.1) parses from the TLS bufferevent's input buffer.
 * A callback on that buffer, which runs when bytes arrive and before
 * evhttp's read callback, moves them aside into `hold`; a request goes
 * back into the input, for evhttp, only once it is whole (head and
 * Content-Length body) and its head passed httpd_frame_check. So:
 *
 * - evhttp never acts on an ambiguous head: it gets instead a request
 *   of our own, GET HTTPD_REFUSED_PREFIX<reason> with Connection: close,
 *   which httpd_dispatch answers with the reason's status and a JSON
 *   error; whatever else the client sends is dropped;
 * - a request has request_timeout seconds from its first byte (from the
 *   accept for a connection's first request, the TLS handshake included)
 *   to its last, however it trickles; evhttp's own timeout only measures
 *   silence;
 * - right after the accept (an event made active in the accepting loop
 *   turn, before any byte is read) the peer address is counted; above
 *   max_connections_per_address the socket is shut down, which evhttp
 *   sees as the client leaving.
 *
 * The write side is evhttp's own, untouched. A filter bufferevent would
 * be the textbook tool but breaks the write side: evhttp shuts the socket
 * down once the filter's output is empty, before the bytes under it are
 * sent. The connection's end is seen through the SSL's ex_data free
 * callback (httpd-tls.c). The plain listener (loopback only) is not gated.
 */
struct httpd_conn {
	struct httpd *h;
	struct bufferevent *bev;
	struct evbuffer *hold;		/* bytes not yet given to evhttp */
	struct evbuffer_cb_entry *cb;
	struct event *admit, *deadline;
	int slot;			/* h->peers index counted, or -1 */
	int nreleased;			/* requests given to evhttp */
	bool moving;			/* our own input changes: ignore */
	bool refused;			/* refusal passed on: drop the rest */
	size_t need;			/* head + body once the head is judged */
};

static int
peer_slot(struct httpd *h, const char *addr)
{
	int i, free_slot = -1;

	for (i = 0; i < h->npeers; i++) {
		if (h->peers[i].n > 0 && strcmp(h->peers[i].addr, addr) == 0)
			return i;
		if (h->peers[i].n == 0 && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		h->peers = xrealloc(h->peers, ((size_t)h->npeers + 1) *
		    sizeof(*h->peers));
		free_slot = h->npeers++;
	}
	snprintf(h->peers[free_slot].addr, sizeof(h->peers[free_slot].addr),
	    "%s", addr);
	h->peers[free_slot].n = 0;
	return free_slot;
}

/* The peer as text; an IPv4-mapped IPv6 address as plain IPv4. */
static void
peer_text(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	snprintf(buf, len, "-");
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    buf, (socklen_t)len);
	else if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf,
		    (socklen_t)len);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
}

static void
arm(struct httpd_conn *c)
{
	struct timeval tv = { c->h->conf.http.request_timeout_s, 0 };

	evtimer_add(c->deadline, &tv);
}

static void
on_admit(evutil_socket_t fd_unused, short what, void *arg)
{
	struct httpd_conn *c = arg;
	struct httpd *h = c->h;
	char addr[INET6_ADDRSTRLEN];
	int fd = bufferevent_getfd(c->bev), i;

	peer_text(fd, addr, sizeof(addr));
	i = peer_slot(h, addr);
	if (h->peers[i].n >= h->conf.http.max_connections_per_address) {
		h->refused_per_address++;
		log_event(LOG_WARN, "refused", NULL, "%s: %d connections open "
		    "from that address (max_connections_per_address)", addr,
		    h->peers[i].n);
		if (fd >= 0)
			shutdown(fd, SHUT_RDWR);
		return;
	}
	h->peers[i].n++;
	c->slot = i;
}

/* Passes a refusal on to evhttp (see above) and drops what is held. */
static void
refuse(struct httpd_conn *c, struct evbuffer *in, int why)
{
	evbuffer_add_printf(in, "GET %s%d HTTP/1.1\r\nHost: refused\r\n"
	    "Connection: close\r\n\r\n", HTTPD_REFUSED_PREFIX, why);
	evbuffer_drain(c->hold, evbuffer_get_length(c->hold));
	c->refused = true;
	evtimer_del(c->deadline);
}

/*
 * A head whose lines end in a bare LF never shows CRLF CRLF: refuse it
 * as soon as one is seen rather than at the deadline.
 */
static int
bare_eol(struct evbuffer *hold)
{
	size_t n = evbuffer_get_length(hold), i;
	const char *p;

	if (n > HTTPD_MAX_HEADERS_BYTES)
		n = HTTPD_MAX_HEADERS_BYTES;
	p = (const char *)evbuffer_pullup(hold, (ev_ssize_t)n);
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			return FRAME_BARE_LF;
		if (p[i] == '\r' && i + 1 < n && p[i + 1] != '\n')
			return FRAME_BARE_CR;
	}
	return FRAME_OK;
}

/*
 * Judges what `hold` has, front first, and gives every whole request to
 * `in`. Returns true if anything was given.
 */
static bool
release(struct httpd_conn *c, struct evbuffer *in)
{
	struct evbuffer_ptr at;
	struct frame_info fi;
	size_t len, head;
	bool gave = false;
	int why;

	for (;;) {
		/* CRLFs between requests are allowed (RFC 9112 2.2). */
		while (c->need == 0 && evbuffer_get_length(c->hold) >= 2 &&
		    memcmp(evbuffer_pullup(c->hold, 2), "\r\n", 2) == 0)
			evbuffer_drain(c->hold, 2);
		if ((len = evbuffer_get_length(c->hold)) == 0)
			return gave;
		if (c->need == 0) {
			at = evbuffer_search(c->hold, "\r\n\r\n", 4, NULL);
			if (at.pos < 0 || (size_t)at.pos + 4 >
			    HTTPD_MAX_HEADERS_BYTES) {
				if ((why = bare_eol(c->hold)) != FRAME_OK) {
					refuse(c, in, why);
					return true;
				}
				if (len < HTTPD_MAX_HEADERS_BYTES)
					return gave;
				refuse(c, in, FRAME_HEAD_BIG);
				return true;
			}
			head = (size_t)at.pos + 4;
			why = httpd_frame_check((const char *)evbuffer_pullup(
			    c->hold, (ev_ssize_t)head), head,
			    c->h->conf.http.max_body_bytes, &fi);
			if (why != FRAME_OK) {
				refuse(c, in, why);
				return true;
			}
			c->need = head + (size_t)fi.body_len;
			/*
			 * evhttp would say 100 Continue only if it saw the
			 * head alone; on a fresh connection nothing else is
			 * being written, so say it here.
			 */
			if (fi.expect_continue && len < c->need &&
			    c->nreleased == 0)
				bufferevent_write(c->bev,
				    "HTTP/1.1 100 Continue\r\n\r\n", 25);
		}
		if (len < c->need)
			return gave;
		evbuffer_remove_buffer(c->hold, in, c->need);
		c->need = 0;
		c->nreleased++;
		gave = true;
		evtimer_del(c->deadline);
		if (evbuffer_get_length(c->hold) > 0)
			arm(c);
	}
}

/*
 * The input buffer's callback: new bytes (the last n_added) go to `hold`,
 * the bytes already given to evhttp stay where they are.
 */
static void
on_input(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct httpd_conn *c = arg;
	struct evbuffer *front;
	bool was_empty;

	if (c->moving || info->n_added == 0)
		return;
	c->moving = true;
	if (c->refused) {
		front = evbuffer_new();
		evbuffer_remove_buffer(in, front, info->orig_size -
		    info->n_deleted);
		evbuffer_drain(in, evbuffer_get_length(in));
		evbuffer_add_buffer(in, front);
		evbuffer_free(front);
		c->moving = false;
		return;
	}
	was_empty = evbuffer_get_length(c->hold) == 0 && c->need == 0;
	if ((front = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evbuffer_remove_buffer(in, front, info->orig_size - info->n_deleted);
	evbuffer_add_buffer(c->hold, in);
	evbuffer_add_buffer(in, front);
	evbuffer_free(front);
	if (was_empty && c->nreleased > 0)
		arm(c);		/* the first byte of a keep-alive request */
	release(c, in);
	c->moving = false;
}

static void
on_deadline(evutil_socket_t fd_unused, short what, void *arg)
{
	struct httpd_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int fd;

	if (c->refused)
		return;
	if (evbuffer_get_length(c->hold) == 0) {
		/* Nothing of a request (perhaps no TLS handshake): hang up. */
		if ((fd = bufferevent_getfd(c->bev)) >= 0)
			shutdown(fd, SHUT_RDWR);
		return;
	}
	c->moving = true;
	refuse(c, in, FRAME_TIMEOUT);
	c->moving = false;
	bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
}

struct httpd_conn *
httpd_conn_new(struct httpd *h)
{
	struct httpd_conn *c = xcalloc(1, sizeof(*c));

	c->h = h;
	c->slot = -1;
	if ((c->hold = evbuffer_new()) == NULL ||
	    (c->admit = event_new(h->base, -1, 0, on_admit, c)) == NULL ||
	    (c->deadline = evtimer_new(h->base, on_deadline, c)) == NULL)
		fatalx("libevent allocation failed");
	h->nconn++;
	return c;
}

void
httpd_conn_attach(struct httpd_conn *c, struct bufferevent *bev)
{
	c->bev = bev;
	c->cb = evbuffer_add_cb(bufferevent_get_input(bev), on_input, c);
	/* Runs in this loop turn, after evhttp has given the bev its fd. */
	event_active(c->admit, EV_TIMEOUT, 1);
	arm(c);
}

/* When the connection's SSL is freed: evhttp has let it go. */
void
httpd_conn_free(struct httpd_conn *c)
{
	struct httpd *h = c->h;

	if (c->slot >= 0)
		h->peers[c->slot].n--;
	if (c->bev != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->cb);
	event_free(c->admit);
	event_free(c->deadline);
	evbuffer_free(c->hold);
	free(c);
	httpd_conn_closed(h);
}
