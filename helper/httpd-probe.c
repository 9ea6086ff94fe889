/* httpd-probe - POST /api/probe: fetch a playlist off the loop, say what it holds */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/http.h>

#include "fetch.h"
#include "guard.h"
#include "httpd-body.h"
#include "httpd.h"
#include "job.h"
#include "log.h"
#include "playlist.h"
#include "xmalloc.h"

#define PROBE_WAIT_MS 1000	/* deadline and stop checks, not pacing */

/*
 * The event loop never waits for the network: each probe runs on its own
 * thread (at most HTTPD_MAX_PROBES at once, else 503) with its own fetcher
 * (so the SSRF guard, size bounds and error wording are the spooler's),
 * builds its JSON answer there, and hands the finished probe back through
 * a pipe; the loop thread joins it and sends the reply. The worker touches
 * nothing of libevent's.
 */
struct probe {
	struct probe_pool *pool;
	struct httpd_req *r;		/* loop thread only */
	char *url;
	char **headers;			/* "Name: value", NULL-terminated */
	pthread_t thread;
	int code;			/* the answer, set by the worker */
	json_t *answer;
	struct probe *next;
};

struct probe_pool {
	struct httpd *h;
	int fds[2];			/* worker -> loop: struct probe * */
	struct event *ev;
	struct fetcher_opts opts;
	int running;
	struct probe *list;
	atomic_bool stop;
};

struct probe_fetch {
	struct fetch_buffer buf;
	bool done, ok;
	long http_status;
	char *effective_url;
	struct err err;
};

static void
probe_free(struct probe *p)
{
	job_header_lines_free(p->headers);
	free(p->url);
	json_decref(p->answer);
	free(p);
}

static void
fetch_done(void *arg, const struct fetch_result *res)
{
	struct probe_fetch *pf = arg;

	pf->done = true;
	pf->ok = res->ok;
	pf->http_status = res->http_status;
	pf->err = res->err;
	if (res->effective_url != NULL)
		pf->effective_url = xstrdup(res->effective_url);
}

static const char *
key_name(const struct hls_playlist *pl)
{
	size_t i;
	const struct hls_key *k;

	for (i = 0; i < pl->nsegments; i++) {
		if (pl->segments[i].key < 0)
			continue;
		k = &pl->keys[pl->segments[i].key];
		switch (k->method) {
		case HLS_KEY_NONE: continue;
		case HLS_KEY_AES128: return "AES-128";
		case HLS_KEY_SAMPLE_AES: return "SAMPLE-AES";
		default: return k->keyformat != NULL ? k->keyformat : "other";
		}
	}
	return "none";
}

/* The first audio codec in the CODECS of a variant using group, or NULL. */
static char *
group_codec(const struct hls_playlist *pl, const char *group)
{
	static const char *const audio[] = { "mp4a", "ac-3", "ec-3", "opus",
	    "mp3", "flac", "alac", "fLaC", "Opus", "ac-4", "dts", NULL };
	const char *p;
	size_t i, n;
	int k;

	for (i = 0; i < pl->nvariants; i++) {
		if (pl->variants[i].audio == NULL || pl->variants[i].codecs ==
		    NULL || strcmp(pl->variants[i].audio, group) != 0)
			continue;
		for (p = pl->variants[i].codecs; *p != '\0'; p += n) {
			p += strspn(p, " ,");
			n = strcspn(p, ",");
			for (k = 0; audio[k] != NULL; k++)
				if (strncasecmp(p, audio[k], strlen(audio[k])) == 0)
					return xstrndup(p, n < 64 ? n : 64);
		}
	}
	return NULL;
}

/*
 * EXT-X-MEDIA audio and subtitle renditions, for the choice of languages:
 * "audio": [{language, name, default, codecs, group}], "subtitles":
 * [{language, name, default, forced}] (language null when not given).
 */
static void
describe_renditions(const struct hls_playlist *pl, json_t *audio,
    json_t *subs)
{
	const struct hls_rendition *r;
	char *codec;
	json_t *v;
	size_t i;

	for (i = 0; i < pl->nrenditions; i++) {
		r = &pl->renditions[i];
		if (r->type == HLS_MEDIA_AUDIO) {
			codec = group_codec(pl, r->group_id);
			v = json_pack("{s:s?, s:s, s:b, s:s?, s:s}", "language",
			    r->language, "name", r->name, "default",
			    r->is_default, "codecs", codec, "group",
			    r->group_id);
			free(codec);
			if (v != NULL)
				json_array_append_new(audio, v);
		} else if (r->type == HLS_MEDIA_SUBTITLES && r->uri != NULL) {
			v = json_pack("{s:s?, s:s, s:b, s:b}", "language",
			    r->language, "name", r->name, "default",
			    r->is_default, "forced", r->forced);
			if (v != NULL)
				json_array_append_new(subs, v);
		}
	}
}

/* The answer for a playlist that parsed: master or media. */
static json_t *
describe(const char *url, const struct hls_playlist *pl)
{
	json_t *vars = json_array(), *audio = json_array(),
	    *subs = json_array(), *v;
	const struct hls_variant *hv;
	char label[32];
	size_t i;

	for (i = 0; pl->is_master && i < pl->nvariants; i++) {
		hv = &pl->variants[i];
		if (hv->height > 0)
			snprintf(label, sizeof(label), "%dp", hv->height);
		else
			snprintf(label, sizeof(label), "%lld kbit/s",
			    (long long)(hv->bandwidth / 1000));
		v = json_pack("{s:s?, s:I, s:i, s:i, s:s?, s:s}", "uri", hv->uri,
		    "bandwidth", (json_int_t)hv->bandwidth, "width", hv->width,
		    "height", hv->height, "codecs", hv->codecs, "label", label);
		if (v != NULL)
			json_array_append_new(vars, v);
	}
	if (pl->is_master) {
		describe_renditions(pl, audio, subs);
		return json_pack("{s:s, s:s, s:o, s:n, s:n, s:b, s:s, s:o, "
		    "s:o}", "url", url, "type", "master", "variants", vars,
		    "duration", "segments", "live", 0, "encrypted", "unknown",
		    "audio", audio, "subtitles", subs);
	}
	return json_pack("{s:s, s:s, s:o, s:f, s:I, s:b, s:s, s:o, s:o}",
	    "url", url, "type", "media", "variants", vars, "duration",
	    pl->total_duration, "segments", (json_int_t)pl->nsegments, "live",
	    !pl->endlist, "encrypted", key_name(pl), "audio", audio,
	    "subtitles", subs);
}

static void
probe_answer(struct probe *p, struct probe_fetch *pf)
{
	struct hls_playlist *pl = NULL;
	struct err err;

	if (!pf->ok) {
		p->code = 502;
		guard_redact_text(pf->err.msg);	/* no URL query in answers */
		p->answer = json_pack("{s:s, s:o}", "error", pf->err.msg,
		    "http_status", pf->http_status > 0 ?
		    json_integer(pf->http_status) : json_null());
		return;
	}
	if (playlist_parse(pf->buf.data != NULL ? pf->buf.data : "",
	    pf->buf.len, pf->effective_url != NULL ? pf->effective_url : p->url,
	    &pl, &err) != 0) {
		p->code = 502;
		guard_redact_text(err.msg);
		p->answer = json_pack("{s:s, s:I}", "error", err.msg,
		    "http_status", (json_int_t)pf->http_status);
		return;
	}
	p->code = 200;
	p->answer = describe(p->url, pl);
	playlist_free(pl);
}

/* One bounded GET of `url` into pf, on the worker's fetcher. */
static void
fetch_one(struct probe *p, struct fetcher *f, const char *url,
    struct probe_fetch *pf, time_t deadline)
{
	struct fetch_request req;
	struct fetch_sink sink;
	struct fetch_handle *fh;
	bool cancelled = false;

	memset(pf, 0, sizeof(*pf));
	pf->buf.max = p->pool->opts.max_playlist_bytes;
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.headers = (const char *const *)p->headers;
	req.offset = -1;
	req.max_bytes = -1;
	sink.data = fetch_buffer_sink_data;
	sink.reset = fetch_buffer_sink_reset;
	sink.done = fetch_done;
	sink.arg = pf;
	fh = fetcher_add(f, &req, &sink);
	while (!pf->done) {
		/* Returns when the request ends; the bound is for the
		 * deadline and the pool's stop flag. */
		fetcher_poll(f, PROBE_WAIT_MS, NULL, 0);
		if (!pf->done && !cancelled && (time(NULL) >= deadline ||
		    atomic_load(&p->pool->stop))) {
			fetcher_cancel(f, fh);
			cancelled = true;
		}
	}
	if (cancelled && !pf->ok)
		err_setk(&pf->err, ERR_TEMPORARY, "timed out fetching %s",
		    url);
}

/*
 * A master says nothing of length or keys: its first variant's media
 * playlist is fetched too (same bounds), and its duration, live-ness and
 * encryption go into the answer with an estimated size per variant
 * (bandwidth x duration). A failure there leaves the answer as it was.
 */
static void
describe_media_of_master(struct probe *p, struct fetcher *f, time_t deadline)
{
	json_t *vars = json_object_get(p->answer, "variants"), *v, *first;
	struct hls_playlist *pl = NULL;
	struct probe_fetch pf;
	const char *uri;
	struct err err;
	size_t i;

	if (p->code != 200 || json_array_size(vars) == 0)
		return;
	first = json_array_get(vars, 0);
	if ((uri = json_string_value(json_object_get(first, "uri"))) == NULL)
		return;
	fetch_one(p, f, uri, &pf, deadline);
	if (pf.ok && playlist_parse(pf.buf.data != NULL ? pf.buf.data : "",
	    pf.buf.len, pf.effective_url != NULL ? pf.effective_url : uri, &pl,
	    &err) == 0 && !pl->is_master) {
		json_object_set_new(p->answer, "duration",
		    json_real(pl->total_duration));
		json_object_set_new(p->answer, "segments",
		    json_integer((json_int_t)pl->nsegments));
		json_object_set_new(p->answer, "live",
		    json_boolean(!pl->endlist));
		json_object_set_new(p->answer, "encrypted",
		    json_string(key_name(pl)));
		json_array_foreach(vars, i, v)
			if (pl->endlist)
				json_object_set_new(v, "est_bytes", json_integer(
				    (json_int_t)(json_integer_value(
				    json_object_get(v, "bandwidth")) / 8.0 *
				    pl->total_duration)));
	}
	playlist_free(pl);
	free(pf.buf.data);
	free(pf.effective_url);
}

static void *
probe_run(void *arg)
{
	struct probe *p = arg;
	struct probe_fetch pf;
	struct fetcher *f = fetcher_new(&p->pool->opts);
	time_t deadline = time(NULL) + HTTPD_PROBE_TIMEOUT_S;

	fetch_one(p, f, p->url, &pf, deadline);
	probe_answer(p, &pf);
	free(pf.buf.data);
	free(pf.effective_url);
	if (json_is_string(json_object_get(p->answer, "type")) &&
	    strcmp(json_string_value(json_object_get(p->answer, "type")),
	    "master") == 0)
		describe_media_of_master(p, f, deadline);
	fetcher_free(f);
	if (write(p->pool->fds[1], &p, sizeof(p)) != sizeof(p))
		abort();	/* a pipe write of a pointer cannot be short */
	return NULL;
}

/* Loop thread: a worker finished; join it and answer its request. */
static void
probe_collect(evutil_socket_t fd, short what, void *arg)
{
	struct probe_pool *pool = arg;
	struct probe *p, **pp;
	json_t *answer;

	while (read(fd, &p, sizeof(p)) == sizeof(p)) {
		pthread_join(p->thread, NULL);
		for (pp = &pool->list; *pp != NULL; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		pool->running--;
		answer = p->answer;
		p->answer = NULL;
		httpd_reply_json(p->r, p->code, answer);
		probe_free(p);
	}
}

struct probe_pool *
probe_pool_new(struct httpd *h, struct err *err)
{
	struct probe_pool *pool = xcalloc(1, sizeof(*pool));

	curl_global_init(CURL_GLOBAL_DEFAULT);	/* before any thread */
	if (pipe2(pool->fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(pool);
		return err_errno(err, "pipe"), NULL;
	}
	/* the worker's write must block rather than fail */
	fcntl(pool->fds[1], F_SETFL, 0);
	pool->h = h;
	fetcher_opts_from_conf(&pool->opts, &h->conf);
	pool->opts.retries = 0;		/* the popup wants an answer now */
	/* A probe reads playlists only: every body is playlist-sized. */
	pool->opts.max_segment_bytes = h->conf.max_playlist_bytes;
	pool->ev = event_new(h->base, pool->fds[0], EV_READ | EV_PERSIST,
	    probe_collect, pool);
	event_add(pool->ev, NULL);
	atomic_init(&pool->stop, false);
	return pool;
}

void
probe_pool_free(struct probe_pool *pool)
{
	struct probe *p;

	if (pool == NULL)
		return;
	atomic_store(&pool->stop, true);
	while ((p = pool->list) != NULL) {
		pool->list = p->next;
		pthread_join(p->thread, NULL);
		httpd_req_free(p->r);	/* evhttp_free drops the request */
		probe_free(p);
	}
	event_free(pool->ev);
	close(pool->fds[0]);
	close(pool->fds[1]);
	free(pool);
}

/* {url, headers?, referer?} checked like a .job (job_parse), or NULL. */
static struct probe *
probe_from_body(struct httpd_req *r, struct err *err)
{
	struct job_spec spec;
	struct probe *p = NULL;
	size_t len;
	char *raw = httpd_req_body(r, &len);

	if (httpd_body_probe(raw, len, &spec, err) == 0) {
		p = xcalloc(1, sizeof(*p));
		p->url = xstrdup(spec.url);
		p->headers = job_header_lines(&spec);
		job_spec_free(&spec);
	}
	free(raw);
	return p;
}

void
route_probe(struct httpd_req *r)
{
	struct probe_pool *pool = r->h->probes;
	struct probe *p;
	struct err err;

	if ((p = probe_from_body(r, &err)) == NULL) {
		httpd_reply_err(r, &err);	/* ERR_INVALID: 400 */
		return;
	}
	if (pool->running >= HTTPD_MAX_PROBES) {
		probe_free(p);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Retry-After", "1");
		httpd_reply_error(r, 503, "too many probes at once; retry");
		return;
	}
	p->pool = pool;
	p->r = r;
	if (pthread_create(&p->thread, NULL, probe_run, p) != 0) {
		probe_free(p);
		httpd_reply_error(r, 503, "cannot start a probe");
		return;
	}
	p->next = pool->list;
	pool->list = p;
	pool->running++;
}
