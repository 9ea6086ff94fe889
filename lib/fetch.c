/* fetch - every HTTP request of a process on one libcurl multi handle */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#include "clock.h"
#include "conf.h"
#include "fetch.h"
#include "log.h"
#include "fetch-addr.h"
#include "url.h"
#include "xmalloc.h"

#define EASY_POOL_MAX 64	/* idle easy handles kept for reuse */
#define MAX_REDIRS 5

enum handle_state { H_RUNNING, H_WAITING, H_FINISHED };

struct fetch_handle {
	struct fetcher *f;
	struct fetch_handle *prev, *next;	/* f->handles */
	enum handle_state state;
	CURL *easy;			/* set while in the multi handle */
	char *url;
	struct curl_slist *hdrs;
	int64_t offset, length, max_bytes;
	int64_t stop;			/* fetcher_shorten's cap, -1 none */
	int64_t asked;			/* this attempt's range length */
	int64_t total;			/* fetcher_total, -1 unknown */
	struct fetch_sink sink;
	int attempt;			/* retries done so far */
	int64_t retry_at;		/* monotonic ms, in H_WAITING */
	int64_t bytes;			/* delivered in this attempt */
	int64_t seen;			/* received in this attempt */
	bool status_checked, ranged_200;
	bool stopped;			/* ended early at stop, on purpose */
	bool range_bad;			/* a 206 of another range */
	bool cancelled, too_big, sink_failed, refused;
	bool paused;			/* held by the shared budget */
	int turn_slot;			/* its place among the paused */
	char refused_addr[64];
	struct err err;			/* the reason, when finished !ok */
	char errbuf[CURL_ERROR_SIZE];
};

struct fetcher {
	CURLM *multi;
	struct fetcher_opts opts;
	struct fetch_handle *handles;
	CURL *pool[EASY_POOL_MAX];
	int npool;
	int in_perform;
	int64_t bytes_total;
	int64_t requests_total;
	int64_t finished_total;		/* done() calls, for fetcher_poll */
	/* The shared budget (fetcher_set_rate): a token bucket in bytes. */
	int64_t rate_bps;		/* 0 = unlimited */
	double tokens;
	int64_t tokens_ms;		/* when tokens was last refilled */
	int npaused;
	unsigned turn;			/* whose turn it is to go first */
	/* Hosts that answered a Range with a 200 or a wrong 206. */
	char **norange;
	size_t nnorange, capnorange;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (cc != CURLE_OK)
		fatalx("curl_global_init: %s", curl_easy_strerror(cc));
}

void
fetcher_opts_from_conf(struct fetcher_opts *fo, const struct conf *c)
{
	memset(fo, 0, sizeof(*fo));
	fo->connect_timeout_s = c->connect_timeout_s;
	fo->low_speed_time_s = c->low_speed_time_s;
	fo->retries = c->retries;
	fo->allow_private = c->allow_private_targets;
	fo->max_playlist_bytes = c->max_playlist_bytes;
	fo->max_segment_bytes = c->max_segment_bytes;
	fo->ca_file = c->tls_ca_file;
}

int
fetcher_check_ca_file(const char *path, struct err *err)
{
	struct stat st;
	int fd;

	if (path == NULL || *path == '\0')
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_errno(err, "cannot read the CA file %s", path);
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, "the CA file %s is not a file", path);
	}
	close(fd);
	return 0;
}

struct fetcher *
fetcher_new(const struct fetcher_opts *opts)
{
	struct fetcher *f = xcalloc(1, sizeof(*f));

	/* Once per process: not thread-safe, and probes make fetchers on
	 * their own threads. */
	pthread_once(&curl_once, curl_init_once);
	f->opts = *opts;
	f->opts.ca_file = opts->ca_file != NULL && *opts->ca_file != '\0' ?
	    xstrdup(opts->ca_file) : NULL;
	if (f->opts.connect_timeout_s <= 0)
		f->opts.connect_timeout_s = 15;
	if (f->opts.low_speed_time_s <= 0)
		f->opts.low_speed_time_s = 30;
	if (f->opts.retries < 0)
		f->opts.retries = 0;
	if (f->opts.max_playlist_bytes <= 0)
		f->opts.max_playlist_bytes = 8LL << 20;
	if (f->opts.max_segment_bytes <= 0)
		f->opts.max_segment_bytes = 256LL << 20;
	if (f->opts.retry_base_ms <= 0)
		f->opts.retry_base_ms = 1000;
	if (f->opts.low_speed_limit <= 0)
		f->opts.low_speed_limit = 1024;
	f->multi = curl_multi_init();
	if (f->multi == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	if (f->opts.max_host_connections > 0)
		curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
		    (long)f->opts.max_host_connections);
	return f;
}

const struct fetcher_opts *
fetcher_get_opts(const struct fetcher *f)
{
	return &f->opts;
}

int64_t
fetcher_bytes_total(const struct fetcher *f)
{
	return f->bytes_total;
}

int64_t
fetcher_requests_total(const struct fetcher *f)
{
	return f->requests_total;
}

static CURL *
easy_get(struct fetcher *f)
{
	CURL *e;

	if (f->npool > 0)
		return f->pool[--f->npool];
	e = curl_easy_init();
	if (e == NULL)
		fatalx("curl_easy_init failed");
	return e;
}

/* Keeps the handle (and with it curl's caches) for the next request. */
static void
easy_put(struct fetcher *f, CURL *e)
{
	if (f->npool == EASY_POOL_MAX) {
		curl_easy_cleanup(e);
		return;
	}
	curl_easy_reset(e);
	f->pool[f->npool++] = e;
}

/* The SSRF guard: runs on the address curl is about to connect to. */
static curl_socket_t
on_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch_handle *h = arg;

	if (!h->f->opts.allow_private && fetch_addr_is_private(&a->addr)) {
		if (!h->refused)
			fetch_addr_format(&a->addr, h->refused_addr,
			    sizeof(h->refused_addr));
		h->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/*
 * Body bytes. A server that ignores Range answers 200 with the whole
 * resource: the bytes before the range are skipped and those after it
 * dropped, so the sink sees exactly the range either way.
 */
/*
 * The shared budget. Every body byte of every transfer draws on one
 * bucket refilled at rate_bps and holding at most BUDGET_BURST_MS worth
 * (at least one curl write); a write that finds it empty pauses its
 * transfer, and fetcher_poll wakes when the bucket has refilled and
 * unpauses them all. A write may overdraw by its own size: the debt is
 * paid before the next byte, so the average stays the rate.
 */
#define BUDGET_BURST_MS	250
#define BUDGET_MIN_WAIT_MS 5
#define BUDGET_MAX_WAIT_MS 100

static void
budget_refill(struct fetcher *f, int64_t now)
{
	double cap = (double)f->rate_bps * BUDGET_BURST_MS / 1000.0;

	if (cap < CURL_MAX_WRITE_SIZE)
		cap = CURL_MAX_WRITE_SIZE;
	f->tokens += (double)(now - f->tokens_ms) * (double)f->rate_bps /
	    1000.0;
	if (f->tokens > cap)
		f->tokens = cap;
	f->tokens_ms = now;
}

static int
budget_take(struct fetcher *f, size_t len)
{
	if (f->rate_bps <= 0)
		return 0;
	budget_refill(f, clock_ms());
	if (f->tokens <= 0)
		return -1;
	f->tokens -= (double)len;
	return 0;
}

/* ms until the bucket holds a byte again (paused transfers only). */
static int
budget_wait_ms(struct fetcher *f)
{
	double ms;

	if (f->npaused == 0)
		return -1;
	if (f->rate_bps <= 0)
		return 0;
	budget_refill(f, clock_ms());
	ms = f->tokens > 0 ? 0 : -f->tokens * 1000.0 / (double)f->rate_bps;
	if (ms < BUDGET_MIN_WAIT_MS)
		ms = BUDGET_MIN_WAIT_MS;
	return ms > BUDGET_MAX_WAIT_MS ? BUDGET_MAX_WAIT_MS : (int)ms;
}

/*
 * Unpauses the held transfers once the bucket has something again. curl
 * hands a transfer its held bytes from inside curl_easy_pause, so the
 * first ones unpaused take the budget: the turn rotates (f->turn), or the
 * same transfers would always win and the others starve.
 */
static void
budget_release(struct fetcher *f)
{
	struct fetch_handle *h;
	int i, n, first;

	/* recounted: a paused transfer may have been cancelled or ended */
	f->npaused = 0;
	for (h = f->handles; h != NULL; h = h->next)
		if (h->paused && h->easy != NULL)
			f->npaused++;
	if (f->npaused == 0)
		return;
	if (f->rate_bps > 0) {
		budget_refill(f, clock_ms());
		if (f->tokens <= 0)
			return;
	}
	n = f->npaused;
	first = (int)(f->turn++ % (unsigned)n);
	/* number the paused ones, then wake them from `first` on */
	i = 0;
	for (h = f->handles; h != NULL; h = h->next)
		h->turn_slot = h->paused && h->easy != NULL ? i++ : -1;
	for (i = 0; i < n; i++)
		for (h = f->handles; h != NULL; h = h->next)
			if (h->turn_slot == (first + i) % n && h->paused) {
				h->paused = false;
				f->in_perform++;	/* on_write may run */
				curl_easy_pause(h->easy, CURLPAUSE_CONT);
				f->in_perform--;
				break;
			}
	f->npaused = 0;
	for (h = f->handles; h != NULL; h = h->next)
		if (h->paused)
			f->npaused++;
}

void
fetcher_set_rate(struct fetcher *f, int64_t bytes_per_s)
{
	if (bytes_per_s < 0)
		bytes_per_s = 0;
	if (bytes_per_s == f->rate_bps)
		return;
	budget_refill(f, clock_ms());
	f->rate_bps = bytes_per_s;
	f->tokens = 0;
	f->tokens_ms = clock_ms();
	budget_release(f);
}

int64_t
fetcher_get_rate(const struct fetcher *f)
{
	return f->rate_bps;
}

/* --- ranges ------------------------------------------------------------ */

static bool
host_in(const struct fetcher *f, const char *host)
{
	size_t i;

	for (i = 0; i < f->nnorange; i++)
		if (strcmp(f->norange[i], host) == 0)
			return true;
	return false;
}

/* Remembers that the URL's host does not honour Range. */
static void
norange_add(struct fetcher *f, const char *url)
{
	char *host = NULL;

	if (url_scheme_host(url, NULL, &host, NULL) != 0)
		return;
	if (host_in(f, host)) {
		free(host);
		return;
	}
	log_debug("%s does not honour byte ranges: whole segments only", host);
	f->norange = xgrow(f->norange, &f->capnorange, f->nnorange,
	    sizeof(f->norange[0]));
	f->norange[f->nnorange++] = host;
}

bool
fetcher_ranges_refused(const struct fetcher *f, const char *url)
{
	char *host = NULL;
	bool yes;

	if (f->nnorange == 0)
		return false;
	if (url_scheme_host(url, NULL, &host, NULL) != 0)
		return true;	/* no host to judge by: never split */
	yes = host_in(f, host);
	free(host);
	return yes;
}

/* A response header's value, or NULL (curl keeps it). */
static const char *
header_of(CURL *e, const char *name)
{
	struct curl_header *hh = NULL;

	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &hh) != CURLHE_OK)
		return NULL;
	return hh->value;
}

/* "bytes A-B/T" (T may be "*": -1); false when it is not that. */
static bool
parse_content_range(const char *v, int64_t *a, int64_t *b, int64_t *total)
{
	int n = 0;

	if (v == NULL || sscanf(v, "bytes %" SCNd64 "-%" SCNd64 "/%n", a, b,
	    &n) != 2 || n == 0 || *a < 0 || *b < *a)
		return false;
	v += n;
	if (strcmp(v, "*") == 0) {
		*total = -1;
		return true;
	}
	n = 0;
	return sscanf(v, "%" SCNd64 "%n", total, &n) == 1 && v[n] == '\0' &&
	    *total > *b;
}

/*
 * The first body byte: what the answer is. A 206 must carry exactly the
 * range asked for (start, end, a total past the end), else the request
 * fails (range_bad) and the host is remembered; a 200 to a Range is cut
 * to the range (on_write) and the host remembered too. Records the
 * resource's total size for fetcher_total. false: refuse the body.
 */
static bool
check_answer(struct fetch_handle *h)
{
	const char *enc, *cr, *ar;	/* each valid until the next header_of */
	bool encoded;
	curl_off_t cl = -1;
	int64_t a, b, total, want_end;
	long code = 0;

	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
	h->status_checked = true;
	h->ranged_200 = h->offset >= 0 && code == 200;
	/* Sizes and ranges are of the bytes as stored. */
	enc = header_of(h->easy, "Content-Encoding");
	encoded = enc != NULL && strcmp(enc, "identity") != 0;
	if (code == 200 && !encoded &&
	    curl_easy_getinfo(h->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &cl) == CURLE_OK && cl >= 0)
		h->total = (int64_t)cl;
	/* A 200 to a Range, or one that says it takes none. */
	ar = code == 200 ? header_of(h->easy, "Accept-Ranges") : NULL;
	if (h->ranged_200 || (ar != NULL && strcasecmp(ar, "none") == 0))
		norange_add(h->f, h->url);
	if (h->offset < 0 || code != 206)
		return true;
	want_end = h->asked >= 0 ? h->offset + h->asked - 1 : -1;
	cr = header_of(h->easy, "Content-Range");
	if (!encoded && parse_content_range(cr, &a, &b, &total) &&
	    a == h->offset && (want_end >= 0 ? b == want_end :
	    total >= 0 && b == total - 1)) {
		h->total = total;
		return true;
	}
	norange_add(h->f, h->url);
	h->range_bad = true;
	err_set(&h->err, "HTTP 206 with another range than asked for "
	    "(Content-Range: %.80s) fetching %s", cr != NULL ? cr : "none",
	    h->url);
	return false;
}

void
fetcher_shorten(struct fetcher *f, struct fetch_handle *h, int64_t bytes)
{
	(void)f;
	if (bytes < h->bytes)
		bytes = h->bytes;
	h->stop = bytes;
	/* A retry asks for the shortened range only. */
	if (h->offset >= 0 && (h->length < 0 || h->length > bytes))
		h->length = bytes;
}

int64_t
fetcher_total(const struct fetch_handle *h)
{
	return h->total;
}

static size_t
on_write(char *buf, size_t size, size_t n, void *arg)
{
	struct fetch_handle *h = arg;
	size_t len = size * n, total = len;
	int64_t max = h->max_bytes;

	if (h->cancelled)
		return 0;
	if (budget_take(h->f, len) != 0) {
		/* curl keeps these bytes and hands them over again once
		 * budget_release unpauses the transfer; meanwhile it stops
		 * reading the socket, so the server feels the limit. */
		h->paused = true;
		h->f->npaused++;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (!h->status_checked && !check_answer(h))
		return 0;
	if (h->range_bad)
		return 0;
	if (h->ranged_200) {
		int64_t start = h->offset - h->seen;

		h->seen += len;
		if (start >= (int64_t)len)
			return total;
		if (start > 0) {
			buf += start;
			len -= start;
		}
		if (h->length >= 0 && h->bytes + (int64_t)len > h->length)
			len = h->length - h->bytes;
		if (len == 0)
			return total;
	}
	if (h->stop >= 0 && h->bytes + (int64_t)len >= h->stop) {
		/* Shortened: deliver up to stop, then end the transfer (a
		 * write callback's 0; on_done makes it a success). */
		len = (size_t)(h->stop - h->bytes);
		h->stopped = true;
	}
	if (h->bytes + (int64_t)len > max) {
		h->too_big = true;
		return 0;
	}
	if (len > 0 && h->sink.data(h->sink.arg, buf, len, &h->err) < 0) {
		h->sink_failed = true;
		return 0;
	}
	h->bytes += len;
	h->f->bytes_total += len;
	return h->stopped ? 0 : total;
}

/*
 * Every option is checked: the bounds and the protocol and TLS limits are
 * the security of a request, so a libcurl that refuses one (too old,
 * built without it) fails the request rather than running it unbounded.
 * Only the optional comforts (HTTP/2, compression, buffer size) may be
 * refused. 0, or -1 with h->err set.
 */
#define MUST(opt, val) do { \
	if ((cc = curl_easy_setopt(e, opt, val)) != CURLE_OK) { \
		what = #opt; \
		goto fail; \
	} \
} while (0)
#define MAY(opt, val) (void)curl_easy_setopt(e, opt, val)

static int
setup_easy(struct fetch_handle *h)
{
	const struct fetcher_opts *o = &h->f->opts;
	CURL *e = h->easy;
	const char *what;
	char range[64];
	CURLcode cc;

	MUST(CURLOPT_URL, h->url);
	MUST(CURLOPT_PRIVATE, h);
	MUST(CURLOPT_NOSIGNAL, 1L);
	MUST(CURLOPT_ERRORBUFFER, h->errbuf);
	MUST(CURLOPT_WRITEFUNCTION, on_write);
	MUST(CURLOPT_WRITEDATA, h);
	MUST(CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
	MUST(CURLOPT_OPENSOCKETDATA, h);
	/* No proxy: the guard must see the real destination. */
	MUST(CURLOPT_PROXY, "");
	MUST(CURLOPT_HTTPHEADER, h->hdrs);
	MUST(CURLOPT_USERAGENT, "m3u8nas/" PACKAGE_VERSION);
	MAY(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	MAY(CURLOPT_PIPEWAIT, 1L);
	MUST(CURLOPT_FAILONERROR, 1L);
	MUST(CURLOPT_FOLLOWLOCATION, 1L);
	MUST(CURLOPT_MAXREDIRS, (long)MAX_REDIRS);
	MUST(CURLOPT_PROTOCOLS_STR, "http,https");
	MUST(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	MUST(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (o->ca_file != NULL)
		MUST(CURLOPT_CAINFO, o->ca_file);
	/* A range is of the bytes as stored: no encoding to shift them. */
	if (h->offset < 0)
		MAY(CURLOPT_ACCEPT_ENCODING, "");
	MUST(CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
	MUST(CURLOPT_LOW_SPEED_LIMIT, (long)o->low_speed_limit);
	MUST(CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time_s);
	MUST(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_bytes);
	MAY(CURLOPT_BUFFERSIZE, 64L * 1024);
	MAY(CURLOPT_TCP_KEEPALIVE, 1L);
	if (getenv("M3U8NAS_CURL_VERBOSE") != NULL)
		MAY(CURLOPT_VERBOSE, 1L);
	if (h->offset >= 0) {
		if (h->length >= 0)
			snprintf(range, sizeof(range), "%" PRId64 "-%" PRId64,
			    h->offset, h->offset + h->length - 1);
		else
			snprintf(range, sizeof(range), "%" PRId64 "-",
			    h->offset);
		MUST(CURLOPT_RANGE, range);
	}
	return 0;
fail:
	err_set(&h->err, "libcurl refused %s (%s) for %s", what,
	    curl_easy_strerror(cc), h->url);
	return -1;
}
#undef MUST
#undef MAY

static void
finish(struct fetch_handle *h, bool ok)
{
	struct fetcher *f = h->f;
	struct fetch_result res;
	char *eff = NULL;

	memset(&res, 0, sizeof(res));
	res.ok = ok;
	res.bytes = h->bytes;
	if (h->easy != NULL) {
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE,
		    &res.http_status);
		if (curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &eff) ==
		    CURLE_OK && eff != NULL)
			res.effective_url = xstrdup(eff);
		curl_multi_remove_handle(f->multi, h->easy);
		easy_put(f, h->easy);
		h->easy = NULL;
	}
	if (res.effective_url == NULL)
		res.effective_url = xstrdup(h->url);
	if (!ok)
		res.err = h->err;
	res.range_refused = h->range_bad;
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		f->handles = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->state = H_FINISHED;
	f->finished_total++;
	h->sink.done(h->sink.arg, &res);
	free(res.effective_url);
	curl_slist_free_all(h->hdrs);
	free(h->url);
	free(h);
}

static void
start(struct fetch_handle *h)
{
	CURLMcode mc = CURLM_OK;
	bool refused;

	h->easy = easy_get(h->f);
	h->bytes = h->seen = 0;
	h->status_checked = h->ranged_200 = false;
	h->stopped = h->range_bad = false;
	h->asked = h->length;	/* what setup_easy's Range says */
	h->too_big = h->sink_failed = h->refused = false;
	h->paused = false;
	h->errbuf[0] = '\0';
	h->state = H_RUNNING;
	h->f->requests_total++;
	if ((refused = setup_easy(h) != 0) ||
	    (mc = curl_multi_add_handle(h->f->multi, h->easy)) != CURLM_OK) {
		/* Reported from the next poll, never from fetcher_add. */
		easy_put(h->f, h->easy);
		h->easy = NULL;
		if (!refused)
			err_setk(&h->err, ERR_TEMPORARY, "%s fetching %s",
			    curl_multi_strerror(mc), h->url);
		h->state = H_WAITING;
		h->retry_at = 0;
		h->attempt = h->f->opts.retries + 1;	/* no retry */
	}
}

struct fetch_handle *
fetcher_add(struct fetcher *f, const struct fetch_request *req,
    const struct fetch_sink *sink)
{
	struct fetch_handle *h = xcalloc(1, sizeof(*h));
	size_t i;

	h->f = f;
	h->url = xstrdup(req->url);
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		h->hdrs = curl_slist_append(h->hdrs, req->headers[i]);
	h->offset = req->offset;
	h->length = req->offset >= 0 ? req->length : -1;
	h->stop = h->total = -1;
	h->max_bytes = req->max_bytes > 0 ? req->max_bytes :
	    req->max_bytes < 0 ? f->opts.max_playlist_bytes :
	    f->opts.max_segment_bytes;
	h->sink = *sink;
	h->next = f->handles;
	if (f->handles != NULL)
		f->handles->prev = h;
	f->handles = h;
	start(h);
	return h;
}

void
fetcher_cancel(struct fetcher *f, struct fetch_handle *h)
{
	h->cancelled = true;
	if (f->in_perform)	/* inside a curl callback: swept after it */
		return;
	err_setk(&h->err, ERR_CANCELLED, "cancelled");
	finish(h, false);
}

/* The kind of an HTTP error status: what a retry or a fresh link can do. */
static enum err_kind
http_kind(long code)
{
	if (code == 401 || code == 403 || code == 410)
		return ERR_DENIED;
	if (code >= 500 || code == 429 || code == 408)
		return ERR_TEMPORARY;
	return ERR_PERMANENT;
}

/* The kind of a transport failure: timeouts, resets and cut bodies pass. */
static enum err_kind
curl_kind(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
		return ERR_TEMPORARY;
	default:
		return ERR_PERMANENT;
	}
}

static void
http_error(struct fetch_handle *h, long code)
{
	enum err_kind kind = http_kind(code);

	if (code == 403)
		err_setk(&h->err, kind, "HTTP 403 Access denied fetching %s",
		    h->url);
	else if (code == 404)
		err_setk(&h->err, kind, "HTTP 404 Not Found fetching %s",
		    h->url);
	else
		err_setk(&h->err, kind, "HTTP %ld fetching %s", code, h->url);
}

/* A chain no trusted CA vouches for hints at the CA switch; a name
 * mismatch or an expired certificate does not (another CA would not
 * help). The verify result is OpenSSL's: our libcurl is its flavour. */
static void
tls_error(struct fetch_handle *h, CURLcode rc)
{
	long v = 0;
	bool issuer;

	curl_easy_getinfo(h->easy, CURLINFO_SSL_VERIFYRESULT, &v);
	issuer = v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	    v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
	    v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
	    v == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
	err_set(&h->err, "TLS: %s fetching %s%s",
	    h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc), h->url,
	    issuer ? " (" FETCH_CA_HINT ")" : "");
}

/* Fills h->err with the reason and its kind; the sink's own stays. */
static void
classify(struct fetch_handle *h, CURLcode rc)
{
	long code = 0;

	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
	if (h->sink_failed || h->range_bad)
		return;	/* h->err already says why, with its kind */
	if (h->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		err_set(&h->err, "Response too large (over %" PRId64
		    " bytes) fetching %s", h->max_bytes, h->url);
	else if (h->refused)
		err_setk(&h->err, ERR_REFUSED, "refusing to fetch from a "
		    "private address %s (allow_private_targets is off)",
		    h->refused_addr);
	else if (rc == CURLE_HTTP_RETURNED_ERROR)
		http_error(h, code);
	else if (rc == CURLE_SSL_CACERT_BADFILE)
		err_set(&h->err, "cannot use the CA file %s (%s) fetching %s",
		    h->f->opts.ca_file ? h->f->opts.ca_file : "of libcurl",
		    h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc), h->url);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION)
		tls_error(h, rc);
	else
		err_setk(&h->err, curl_kind(rc), "%s fetching %s",
		    h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc), h->url);
}

static void
on_done(struct fetcher *f, struct fetch_handle *h, CURLcode rc)
{
	if (h->cancelled) {
		err_setk(&h->err, ERR_CANCELLED, "cancelled");
		finish(h, false);
		return;
	}
	/* Stopped at its shortened end on purpose: a success. */
	if (h->stopped && h->bytes == h->stop && (rc == CURLE_WRITE_ERROR ||
	    rc == CURLE_OK)) {
		finish(h, true);
		return;
	}
	if (rc == CURLE_OK && h->length >= 0 && h->bytes < h->length) {
		err_setk(&h->err, ERR_TEMPORARY, "Short body (%" PRId64
		    " of %" PRId64 " bytes) fetching %s", h->bytes, h->length,
		    h->url);
	} else if (rc == CURLE_OK) {
		finish(h, true);
		return;
	} else {
		classify(h, rc);
	}
	/* Only trouble a retry can cure is retried; a sink's own failure
	 * (a full disk, a bad key) is never the server's. */
	if (h->sink_failed || h->range_bad || h->err.kind != ERR_TEMPORARY ||
	    h->attempt >= f->opts.retries) {
		finish(h, false);
		return;
	}
	if (h->sink.reset != NULL && h->sink.reset(h->sink.arg, &h->err) < 0) {
		finish(h, false);
		return;
	}
	log_debug("retry %d in %d ms: %s", h->attempt + 1,
	    f->opts.retry_base_ms << h->attempt, h->err.msg);
	curl_multi_remove_handle(f->multi, h->easy);
	easy_put(f, h->easy);
	h->easy = NULL;
	h->retry_at = clock_ms() +
	    ((int64_t)f->opts.retry_base_ms << h->attempt);
	h->attempt++;
	h->state = H_WAITING;
}

/* Starts due retries and reports failed starts; returns the next due time. */
static int64_t
run_timers(struct fetcher *f)
{
	struct fetch_handle *h, *next;
	int64_t now = clock_ms(), soonest = INT64_MAX;

	for (h = f->handles; h != NULL; h = next) {
		next = h->next;
		if (h->state != H_WAITING)
			continue;
		if (h->attempt > f->opts.retries) {
			finish(h, false);
			next = f->handles;	/* the list may have changed */
		} else if (h->retry_at <= now) {
			start(h);
		} else if (h->retry_at < soonest) {
			soonest = h->retry_at;
		}
	}
	return soonest;
}

static void
perform(struct fetcher *f)
{
	struct fetch_handle *h, *next;
	CURLMsg *msg;
	int running, left;

	f->in_perform++;
	curl_multi_perform(f->multi, &running);
	f->in_perform--;
	/* Cancels asked for from inside callbacks. */
	for (h = f->handles; h != NULL; h = next) {
		next = h->next;
		if (h->cancelled) {
			err_setk(&h->err, ERR_CANCELLED, "cancelled");
			finish(h, false);
			next = f->handles;
		}
	}
	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		h = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &h);
		if (h != NULL)
			on_done(f, h, msg->data.result);
	}
}

static int
count_handles(const struct fetcher *f)
{
	const struct fetch_handle *h;
	int n = 0;

	for (h = f->handles; h != NULL; h = h->next)
		n++;
	return n;
}

/*
 * Pacing: a request that ended is reported to the owner at once, so its
 * slot is refilled in the same loop turn. When the transfers started or
 * run before the wait already finished some, the wait is skipped: the
 * owner steps and calls again. Otherwise curl_multi_poll sleeps until a
 * socket is ready, curl's own next timer, a retry, the budget, an extra
 * fd, a fetcher_wakeup, or timeout_ms (the owner's own next deadline),
 * whichever is first; nothing here paces requests by sleeping.
 */
int
fetcher_poll(struct fetcher *f, int timeout_ms,
    struct curl_waitfd *extra_fds, unsigned int nextra)
{
	int64_t due, now, finished = f->finished_total;
	int wait;

	budget_release(f);
	perform(f);
	due = run_timers(f);
	if (f->finished_total != finished)
		return count_handles(f);
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (due != INT64_MAX) {
		now = clock_ms();
		if (due - now < timeout_ms)
			timeout_ms = due > now ? (int)(due - now) : 0;
	}
	if ((wait = budget_wait_ms(f)) >= 0 && wait < timeout_ms)
		timeout_ms = wait;
	curl_multi_poll(f->multi, extra_fds, nextra, timeout_ms, NULL);
	budget_release(f);
	perform(f);
	run_timers(f);
	return count_handles(f);
}

void
fetcher_wakeup(struct fetcher *f)
{
	curl_multi_wakeup(f->multi);
}

void
fetcher_free(struct fetcher *f)
{
	int i;

	if (f == NULL)
		return;
	while (f->handles != NULL) {
		err_setk(&f->handles->err, ERR_CANCELLED, "cancelled");
		f->handles->cancelled = true;
		finish(f->handles, false);
	}
	for (i = 0; i < f->npool; i++)
		curl_easy_cleanup(f->pool[i]);
	for (i = 0; i < (int)f->nnorange; i++)
		free(f->norange[i]);
	free(f->norange);
	curl_multi_cleanup(f->multi);
	free((char *)f->opts.ca_file);
	free(f);
}

int
fetch_buffer_sink_data(void *arg, const char *buf, size_t len,
    struct err *err)
{
	struct fetch_buffer *b = arg;

	if (b->max > 0 && (int64_t)(b->len + len) > b->max)
		return err_set(err, "Response too large (over %" PRId64
		    " bytes)", b->max);
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, buf, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
fetch_buffer_sink_reset(void *arg, struct err *err)
{
	struct fetch_buffer *b = arg;

	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
	return 0;
}
