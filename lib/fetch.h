/* fetch - every HTTP request of a process on one libcurl multi handle */
#ifndef M3U8NAS_FETCH_H
#define M3U8NAS_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "err.h"

/*
 * One fetcher per process: one CURLM, so connections (and HTTP/2 streams)
 * are shared by every download. A request streams its body to a sink
 * callback; memory stays flat whatever the size.
 *
 * Retries: timeouts, resets and 5xx are passing trouble, retried with
 * backoff 1 s, 2 s, 4 s (opts.retries times); 403 and 404 would only be
 * answered the same again, so they are not retried; 403 reads "HTTP 403 Access denied fetching <url>". Before a
 * retry the sink's reset callback is called so it can truncate what it
 * wrote. Every request is bounded: connect timeout, stall (low speed)
 * timeout, max body size, http/https only, at most 5 redirects, TLS 1.2+,
 * and (unless allow_private) no connection to loopback, private,
 * link-local or unspecified addresses, checked on the address actually
 * connected to, for every redirect.
 */
struct fetcher_opts {
	int connect_timeout_s;
	int low_speed_time_s;
	int retries;
	bool allow_private;
	int64_t max_playlist_bytes;
	int64_t max_segment_bytes;
	/* Extensions (0 = default): */
	int retry_base_ms;		/* first backoff step, 1000 */
	int max_host_connections;	/* per host, 0 = no cap */
	int low_speed_limit;		/* bytes/s under which a stall counts, 1024 */
	/* PEM file of CA certificates to trust (CURLOPT_CAINFO; NULL or ""
	 * = libcurl's bundle); copied by fetcher_new. Debian's libcurl keeps
	 * reading its CApath /etc/ssl/certs beside it, so the system's CAs
	 * stay trusted: a private CA is added, the system store untouched. */
	const char *ca_file;
};

struct conf;
/* Fills fo from the configuration's fetch keys (timeouts, retries, size
 * caps, allow_private_targets, tls_ca_file: fo->ca_file points into c);
 * the extensions are left at 0. */
void fetcher_opts_from_conf(struct fetcher_opts *fo, const struct conf *c);
/* Can this process read the CA file `path` (tls_ca_file, --cacert)? A
 * program checks before its first request, so that the reason names the
 * file rather than surfacing as a TLS failure. 0, or -1 naming it. */
int fetcher_check_ca_file(const char *path, struct err *err);
/* Ends the reason of a certificate the trusted CAs do not vouch for; a
 * program whose switch is a flag rewords it (m3u8nas get: --cacert). */
#define FETCH_CA_HINT "a private CA is trusted with tls_ca_file"

struct fetch_result {
	bool ok;
	long http_status;	/* 0 if no HTTP answer */
	int64_t bytes;		/* body bytes delivered to the sink */
	char *effective_url;	/* after redirects (valid in done only) */
	struct err err;		/* why, when !ok */
	/* A Range answered 206 with another Content-Range than asked for:
	 * the host is now remembered as one that does not honour ranges. */
	bool range_refused;
};

struct fetch_sink {
	/* Body bytes; return 0, or -1 to abort (err says why). */
	int (*data)(void *arg, const char *buf, size_t len, struct err *err);
	/* Called before a retry: discard what data() received so far. */
	int (*reset)(void *arg, struct err *err);
	/* Called once, at the end, whatever the outcome. */
	void (*done)(void *arg, const struct fetch_result *res);
	void *arg;
};

struct fetch_request {
	const char *url;
	const char *const *headers;	/* "Name: value", NULL-terminated */
	int64_t offset;			/* byte range start, -1 = whole */
	int64_t length;			/* byte range length */
	int64_t max_bytes;		/* 0 = fetcher's max_segment_bytes */
};

struct fetcher;
struct fetch_handle;

struct fetcher *fetcher_new(const struct fetcher_opts *opts);
void fetcher_free(struct fetcher *f);
/*
 * Starts a request; the sink's done() is always called exactly once, from
 * fetcher_poll (or fetcher_cancel/fetcher_free), never from fetcher_add.
 * The handle is freed right after done(): do not use it afterwards. The
 * request's strings are copied. max_bytes < 0 means max_playlist_bytes.
 */
struct fetch_handle *fetcher_add(struct fetcher *f,
    const struct fetch_request *req, const struct fetch_sink *sink);
/* Cancels: done() is called with !ok and "cancelled". */
void fetcher_cancel(struct fetcher *f, struct fetch_handle *h);
/*
 * Runs transfers and delivers callbacks; waits (up to timeout_ms, the
 * owner's next own deadline) only when no request ended first, for
 * network activity, curl's timers, a retry, one of extra_fds (the
 * spooler's inotify fd) or fetcher_wakeup. Returns as soon as a request
 * ended, so the owner refills its slot in the same turn. Returns the
 * number of requests still running or waiting for a retry.
 */
int fetcher_poll(struct fetcher *f, int timeout_ms,
    struct curl_waitfd *extra_fds, unsigned int nextra);
/* Wakes a fetcher_poll from another thread (the remux worker). */
/*
 * One budget for every transfer of this fetcher together: body bytes a
 * second (0 = unlimited), changeable at any time; transfers over it are
 * paused (curl_easy_pause) until the budget refills.
 */
void fetcher_set_rate(struct fetcher *f, int64_t bytes_per_s);
int64_t fetcher_get_rate(const struct fetcher *f);
void fetcher_wakeup(struct fetcher *f);
/*
 * Tail splitting (download-seg.c). fetcher_shorten: the request delivers
 * at most `bytes` body bytes from its start, then ends as a success (the
 * transfer is cut: an HTTP/1.1 connection is closed, an HTTP/2 stream
 * reset); a retry asks only for those. bytes must not exceed what it was
 * asked for, nor be under what it already delivered.
 * fetcher_total: the size of the whole resource as its answer said
 * (Content-Range's total for a 206, Content-Length for a 200 without
 * Content-Encoding), known once the first body byte arrived; -1 unknown.
 * fetcher_ranges_refused: the URL's host answered a Range with a 200 or
 * a 206 of another range: do not split its requests.
 */
void fetcher_shorten(struct fetcher *f, struct fetch_handle *h,
    int64_t bytes);
int64_t fetcher_total(const struct fetch_handle *h);
bool fetcher_ranges_refused(const struct fetcher *f, const char *url);
/* Total body bytes received over the fetcher's life. */
int64_t fetcher_bytes_total(const struct fetcher *f);
/* The options the fetcher runs with (defaults filled in). */
const struct fetcher_opts *fetcher_get_opts(const struct fetcher *f);
/* Requests made over the fetcher's life, retries included. */
int64_t fetcher_requests_total(const struct fetcher *f);

/* Convenience for small bodies (playlists, keys): fetches into memory. */
struct fetch_buffer {
	char *data;
	size_t len, cap;
	int64_t max;
};
int fetch_buffer_sink_data(void *arg, const char *buf, size_t len,
    struct err *err);
int fetch_buffer_sink_reset(void *arg, struct err *err);

#endif
