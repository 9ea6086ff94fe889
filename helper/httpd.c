/* httpd - m3u8nas-httpd: options, config, listeners and the event loop */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "conf.h"
#include "httpd.h"
#include "log.h"
#include "spool.h"
#include "store.h"
#include "xmalloc.h"

static const char *const route_names[R_COUNT] = {
	[R_DOWNLOAD] = "/api/download", [R_JOBS] = "/api/jobs",
	[R_JOB] = "/api/jobs/{id}", [R_CANCEL] = "/api/jobs/{id}/cancel",
	[R_RETRY] = "/api/jobs/{id}/retry",
	[R_REFRESH] = "/api/jobs/{id}/refresh", [R_STATUS] = "/api/status",
	[R_HEALTH] = "/api/health", [R_PROBE] = "/api/probe",
	[R_METRICS] = "/metrics", [R_PREFLIGHT] = "OPTIONS",
	[R_UNKNOWN] = "other", [R_PAUSE] = "/api/jobs/{id}/pause",
	[R_RESUME] = "/api/jobs/{id}/resume", [R_REMOVE] = "DELETE /api/jobs/{id}",
	[R_VIDEO] = "/api/jobs/{id}/video", [R_EVENTS] = "/api/events",
	[R_SETTINGS] = "/api/settings", [R_SESSION] = "/api/session",
	[R_WEB] = "/ (page)", [R_LOG] = "/api/jobs/{id}/log",
	[R_FOLDERS] = "/api/folders", [R_LOOKUP] = "/api/lookup",
};

const char *
httpd_route_name(enum httpd_route r)
{
	return route_names[r];
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: m3u8nas-httpd [-c FILE] [-f] [-d]\n\n"
	    "The HTTPS drop endpoint of m3u8nas: POST /api/download writes a "
	    ".job into\nthe spool, GETs read the spooler's store.\n\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -f, --foreground   stay in the foreground\n"
	    "  -d, --debug        log debug messages (implies -f)\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      the version\n", CONF_DEFAULT_PATH);
}

/*
 * The listener stops accepting at max_connections and resumes when one
 * closes: excess clients wait in the kernel's backlog instead of eating
 * memory and descriptors.
 */
void
httpd_conn_closed(struct httpd *h)
{
	h->nconn--;
	if (h->paused && !h->stopping && h->bound != NULL &&
	    h->nconn < h->conf.http.max_connections) {
		evconnlistener_enable(evhttp_bound_socket_get_listener(h->bound));
		h->paused = false;
		log_event(LOG_INFO, "accepting", NULL, "%d connections", h->nconn);
	}
}

/* A loopback address literal (127.0.0.0/8 or ::1)? Names do not count. */
static bool
is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* "host:port" or "[v6]:port" into a host (caller frees) and a port. */
static char *
split_listen(const char *spec, int *port)
{
	const char *colon = strrchr(spec, ':');
	char *host, *end;
	long n;

	if (colon == NULL || colon == spec)
		return NULL;
	n = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || n < 0 || n > 65535)
		return NULL;
	*port = (int)n;
	if (spec[0] == '[' && colon[-1] == ']')
		return xstrndup(spec + 1, (size_t)(colon - spec - 2));
	host = xstrndup(spec, (size_t)(colon - spec));
	if (strchr(host, ':') != NULL) {	/* a v6 address needs [] */
		free(host);
		return NULL;
	}
	return host;
}

/* Binds `spec`; logs the address really bound (port 0: the kernel's). */
static struct evhttp_bound_socket *
bind_listener(struct evhttp *http, const char *spec, const char *scheme,
    bool loopback_only, struct err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN], *addr;
	struct evhttp_bound_socket *b;
	int port, one;

	if ((addr = split_listen(spec, &port)) == NULL)
		return err_set(err, "listen address \"%s\" is not host:port",
		    spec), NULL;
	if (loopback_only && !is_loopback(addr)) {
		free(addr);
		return err_set(err, "plain_listen \"%s\" must be a loopback "
		    "address (127.0.0.1 or [::1])", spec), NULL;
	}
	b = evhttp_bind_socket_with_handle(http, addr, (ev_uint16_t)port);
	free(addr);
	if (b == NULL)
		return err_errno(err, "cannot listen on %s", spec), NULL;
	/*
	 * evhttp writes a response in pieces (TLS records); with Nagle the
	 * last piece waits for the client's delayed ACK: 40 ms a request.
	 * Accepted sockets inherit TCP_NODELAY from the listener (Linux).
	 */
	one = 1;
	setsockopt(evhttp_bound_socket_get_fd(b), IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof(one));
	if (getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&ss,
	    &len) == 0) {
		port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
		evutil_inet_ntop(ss.ss_family, ss.ss_family == AF_INET6 ?
		    (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
		    (void *)&((struct sockaddr_in *)&ss)->sin_addr,
		    host, sizeof(host));
		log_event(LOG_INFO, "listening", NULL, "%s://%s%s%s:%d/",
		    scheme, ss.ss_family == AF_INET6 ? "[" : "", host,
		    ss.ss_family == AF_INET6 ? "]" : "", port);
	}
	return b;
}

static struct evhttp *
new_evhttp(struct httpd *h)
{
	struct evhttp *http = evhttp_new(h->base);

	if (http == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_max_headers_size(http, HTTPD_MAX_HEADERS_BYTES);
	evhttp_set_max_body_size(http, (ev_ssize_t)h->conf.http.max_body_bytes);
	/* Silence; httpd-conn.c bounds a request's whole arrival. */
	evhttp_set_timeout(http, h->conf.http.request_timeout_s);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, httpd_dispatch, h);
	return http;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct httpd *h = arg;

	log_event(LOG_INFO, "stopping", NULL, "signal %d", (int)sig);
	event_base_loopexit(h->base, NULL);
}

/* SIGHUP, from the loop (libevent's signal event, not a handler): a new
 * log file after logrotate, the TLS pair again after a renewal. */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct httpd *h = arg;
	struct err err;

	if (log_reopen() == -1)
		log_warn("SIGHUP: cannot reopen %s", log_file_path());
	if (httpd_tls_reload(h, &err) == -1)
		log_event(LOG_WARN, "tls-reload", NULL, "%s; keeping the "
		    "certificate in use", err.msg);
	else
		log_event(LOG_INFO, "tls-reload", NULL, "new connections get "
		    "the reloaded certificate");
}

/* The directories the endpoint writes into, with the spooler's modes. */
static void
make_spool_dirs(const char *root)
{
	static const enum spool_dir dirs[] = { SPOOL_INCOMING, SPOOL_CONTROL,
		SPOOL_STATE };
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (spool_make_dir(root, dirs[i], &err) == -1)
			log_warnx("%s", err.msg);
}

static void
load_config(struct httpd *h, const char *path)
{
	struct err err;
	int i;

	if (conf_load_default(&h->conf, path, &err) != 0)
		fatalx("%s", err.msg);
	if (h->conf.log_file[0] != '\0' && log_to_file(h->conf.log_file) != 0)
		fatal("cannot open log file %s", h->conf.log_file);
	if (conf_check_tokens(&h->conf, &err) != 0)
		fatalx("%s", err.msg);
	for (i = 0; i < h->conf.http.ntokens; i++)
		if (strcmp(h->conf.http.tokens[i], CONF_SAMPLE_TOKEN) == 0)
			log_warnx("http.tokens holds the sample token "
			    "\"%s\" (accepted on loopback only): set your "
			    "own in %s", CONF_SAMPLE_TOKEN,
			    conf_source(&h->conf));
	h->incoming = spool_path(h->conf.spool_dir, SPOOL_INCOMING);
	h->control = spool_path(h->conf.spool_dir, SPOOL_CONTROL);
	h->state = spool_path(h->conf.spool_dir, SPOOL_STATE);
	h->db_path = spool_store_path(h->conf.spool_dir);
	make_spool_dirs(h->conf.spool_dir);
}

static void
setup(struct httpd *h, bool foreground)
{
	struct err err;

	if ((h->ssl = httpd_tls_new(&h->conf, h->state, &err)) == NULL)
		fatalx("%s", err.msg);
	if (!foreground && daemon(0, 0) != 0)
		fatal("daemon");
	if ((h->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	h->https = new_evhttp(h);
	evhttp_set_bevcb(h->https, httpd_tls_bev, h);
	if ((h->bound = bind_listener(h->https, h->conf.http.listen, "https",
	    false, &err)) == NULL)
		fatalx("%s", err.msg);
	if (h->conf.http.plain_listen[0] != '\0') {
		h->plain = new_evhttp(h);
		if (bind_listener(h->plain, h->conf.http.plain_listen, "http",
		    true, &err) == NULL)
			fatalx("%s", err.msg);
	}
	if (h->conf.http.rate_limit_per_minute > 0)
		h->limiter = limiter_new(h->conf.http.rate_limit_per_minute,
		    HTTPD_LIMITER_SLOTS);
	h->recent = recent_new(HTTPD_RECENT_SLOTS);
	h->sessions = sessions_new(h->conf.http.session_ttl_s,
	    h->conf.http.signin_per_minute);
	h->events = events_new(h);
	if ((h->probes = probe_pool_new(h, &err)) == NULL)
		fatalx("%s", err.msg);
}

static void
teardown(struct httpd *h)
{
	h->stopping = true;
	events_free(h->events);
	probe_pool_free(h->probes);
	if (h->plain != NULL)
		evhttp_free(h->plain);
	evhttp_free(h->https);
	event_base_free(h->base);
	SSL_CTX_free(h->ssl);
	if (h->store != NULL)
		store_close(h->store);
	limiter_free(h->limiter);
	recent_free(h->recent);
	sessions_free(h->sessions);
	free(h->incoming);
	free(h->control);
	free(h->state);
	free(h->db_path);
	free(h->peers);
	conf_free(&h->conf);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct httpd h;
	struct event *sigs[3];
	const char *path = NULL;
	bool foreground = false;
	int ch, debug = 0;

	while ((ch = getopt_long(argc, argv, "c:fdhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'd': debug = 1; foreground = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("m3u8nas-httpd %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	memset(&h, 0, sizeof(h));
	log_open("m3u8nas-httpd", LOG_TEXT, debug);
	load_config(&h, path);
	log_open("m3u8nas-httpd", h.conf.log_json ? LOG_JSON : LOG_TEXT, debug);
	signal(SIGPIPE, SIG_IGN);
	setup(&h, foreground);
	sigs[0] = evsignal_new(h.base, SIGTERM, on_signal, &h);
	sigs[1] = evsignal_new(h.base, SIGINT, on_signal, &h);
	sigs[2] = evsignal_new(h.base, SIGHUP, on_hup, &h);
	event_add(sigs[0], NULL);
	event_add(sigs[1], NULL);
	event_add(sigs[2], NULL);
	log_event(LOG_INFO, "started", NULL, "m3u8nas-httpd %s, spool %s",
	    PACKAGE_VERSION, h.conf.spool_dir);
	event_base_dispatch(h.base);
	event_free(sigs[0]);
	event_free(sigs[1]);
	event_free(sigs[2]);
	teardown(&h);
	return 0;
}
