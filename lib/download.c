/* download - one HLS download as a state machine on a shared fetcher */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "clock.h"
#include "download-int.h"
#include "log.h"
#include "xmalloc.h"

#define SPEED_SAMPLE_MS 250	/* 16 samples: a window of about 4 s */
#define NSAMP 16
#define TITLE_MAX 100

void
download_fail(struct download *d, const struct err *why)
{
	if (d->failed)
		return;		/* the first reason is the one that counts */
	d->failed = true;
	err_copy(&d->err, why);
}

/* --- small bodies ------------------------------------------------------- */

static void
small_done(void *arg, const struct fetch_result *res)
{
	struct small_fetch *s = arg;

	s->h = NULL;
	s->state = res->ok ? IT_DONE : IT_SKIPPED;
	s->err = res->err;
	free(s->effective_url);
	s->effective_url = res->effective_url ? xstrdup(res->effective_url) :
	    NULL;
}

void
small_start(struct download *d, struct small_fetch *s, const char *url,
    int64_t max)
{
	struct fetch_request req = { .url = url, .headers =
	    (const char *const *)d->headers, .offset = -1, .length = -1,
	    .max_bytes = max };
	struct fetch_sink sink = { fetch_buffer_sink_data,
	    fetch_buffer_sink_reset, small_done, s };

	small_free(s);
	s->d = d;
	s->state = IT_RUNNING;
	s->h = fetcher_add(d->f, &req, &sink);
}

void
small_cancel(struct download *d, struct small_fetch *s)
{
	if (s->h != NULL)
		fetcher_cancel(d->f, s->h);
}

/* Frees the body; the fetch must be over. Back to IT_TODO. */
void
small_free(struct small_fetch *s)
{
	free(s->buf.data);
	free(s->effective_url);
	memset(&s->buf, 0, sizeof(s->buf));
	s->effective_url = NULL;
	s->state = IT_TODO;
}

/* --- lifecycle ---------------------------------------------------------- */

static char *
temp_output(const char *output)
{
	const char *slash = strrchr(output, '/');
	const char *base = slash ? slash + 1 : output;
	size_t dirlen = slash ? (size_t)(slash - output) + 1 : 0;
	size_t blen = strlen(base);

	if (blen > 4 && strcasecmp(base + blen - 4, ".mp4") == 0)
		blen -= 4;
	return xasprintf("%.*s.%.*s.part.mp4", (int)dirlen, output, (int)blen,
	    base);
}

struct download *
download_new(struct fetcher *f, const struct download_opts *o,
    struct err *err)
{
	struct download *d;
	struct stat st;
	size_t n = 0, i;

	if (o->url == NULL || o->url[0] == '\0') {
		err_set(err, "no URL given");
		return NULL;
	}
	if (o->output == NULL || o->output[0] == '\0') {
		err_set(err, "no output file given");
		return NULL;
	}
	if (o->workdir == NULL || stat(o->workdir, &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		err_set(err, "work directory %s does not exist",
		    o->workdir ? o->workdir : "(none)");
		return NULL;
	}
	if (playlist_check_choice(o->audio, err) == -1 ||
	    playlist_check_choice(o->subtitles, err) == -1)
		return NULL;
	if (o->sidecar_format != NULL && strcmp(o->sidecar_format, "vtt") != 0 &&
	    strcmp(o->sidecar_format, "srt") != 0) {
		err_setk(err, ERR_INVALID, "subtitle sidecar format must be vtt "
		    "or srt");
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->f = f;
	if (o->audio != NULL && strcasecmp(o->audio, "default") != 0)
		d->audio = xstrdup(o->audio);
	if (o->subtitles != NULL && strcasecmp(o->subtitles, "none") != 0)
		d->subtitles = xstrdup(o->subtitles);
	d->subs_as = o->subtitles_as;
	d->sidecar_ext = xstrdup(o->sidecar_format ? o->sidecar_format : "vtt");
	d->url = xstrdup(o->url);
	d->quality = xstrdup(o->quality ? o->quality : "best");
	d->workdir = xstrdup(o->workdir);
	d->output = xstrdup(o->output);
	d->tmp_output = temp_output(o->output);
	while (o->headers != NULL && o->headers[n] != NULL)
		n++;
	d->headers = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		d->headers[i] = xstrdup(o->headers[i]);
	d->concurrency = o->concurrency > 0 ? o->concurrency : 10;
	if (d->concurrency > 64)
		d->concurrency = 64;
	d->live_max_seconds = o->live_max_seconds;
	d->min_free_bytes = o->min_free_bytes;
	d->lossy = o->lossy;
	d->fresh_link = o->fresh_link;
	d->state = DL_STARTING;
	d->phase = PH_TOP;
	d->want_video = d->want_audio = -1;
	d->started_ms = clock_ms();
	workdir_resume(d);
	/* The first requests are queued now, not after the owner's first
	 * wait (the fetcher never calls back from fetcher_add). */
	download_step(d);
	return d;
}

static void
stop_network(struct download *d)
{
	int i;

	seg_cancel_all(d);
	small_cancel(d, &d->top);
	for (i = 0; i < d->ntracks; i++)
		small_cancel(d, &d->tracks[i].pl);
}

static void
sample_speed(struct download *d)
{
	int64_t now = clock_ms();

	if (d->nsamp > 0 && now - d->samp_ms[d->nsamp - 1] < SPEED_SAMPLE_MS)
		return;
	if (d->nsamp == NSAMP) {
		memmove(d->samp_ms, d->samp_ms + 1, (NSAMP - 1) *
		    sizeof(d->samp_ms[0]));
		memmove(d->samp_rx, d->samp_rx + 1, (NSAMP - 1) *
		    sizeof(d->samp_rx[0]));
		d->nsamp--;
	}
	d->samp_ms[d->nsamp] = now;
	d->samp_rx[d->nsamp] = d->rx;
	d->nsamp++;
}

static bool
any_segment_done(const struct download *d)
{
	size_t i;

	for (i = 0; i < d->tracks[0].nsegs; i++)
		if (d->tracks[0].segs[i].state == IT_DONE)
			return true;
	return false;
}

int
download_subs_as_parse(const char *word)
{
	if (word == NULL || strcmp(word, "track") == 0)
		return DL_SUBS_TRACK;
	if (strcmp(word, "sidecar") == 0)
		return DL_SUBS_SIDECAR;
	if (strcmp(word, "both") == 0)
		return DL_SUBS_BOTH;
	return -1;
}

const char *const *
download_sidecars(const struct download *d)
{
	static const char *const none[] = { NULL };

	return d->sidecars != NULL ? (const char *const *)d->sidecars : none;
}

enum download_state
download_step(struct download *d)
{
	if (d->state == DL_DONE || d->state == DL_FAILED ||
	    d->state == DL_CANCELLED)
		return d->state;
	if (d->cancel_req) {
		stop_network(d);
		if (d->thread_started) {
			atomic_store(&d->merge_cancel, 1);
			atomic_store(&d->merge_done, 1);
			merge_collect(d);
		}
		d->state = DL_CANCELLED;
		return d->state;
	}
	if (d->flush_armed && !d->flushed)
		workdir_flush(d);
	if (d->phase == PH_TOP || d->phase == PH_MEDIA)
		plan_step(d);
	if (d->phase == PH_SEGMENTS && !d->failed) {
		plan_live_step(d);
		seg_step(d);
		if (!d->failed && d->state != DL_PAUSED && seg_all_done(d)) {
			if (!any_segment_done(d)) {
				struct err none;

				err_set(&none, "No segments downloaded");
				download_fail(d, &none);
			} else
				merge_start(d);
		}
	}
	/* Segment requests queued in this step leave with the next poll;
	 * the resume files are written at the step after it. */
	if (d->phase != PH_TOP && d->phase != PH_MEDIA)
		d->flush_armed = true;
	if (d->phase == PH_MERGE)
		merge_collect(d);
	if (d->failed && d->state != DL_MERGING) {
		/* What a retry resumes from, if it got that far. */
		if (d->phase != PH_TOP && d->phase != PH_MEDIA)
			workdir_flush(d);
		stop_network(d);
		d->state = DL_FAILED;
	}
	sample_speed(d);
	return d->state;
}

int
download_wait_ms(const struct download *d, int max_ms)
{
	int64_t now = clock_ms(), due = now + max_ms;

	if (d->phase == PH_SEGMENTS && !d->failed) {
		plan_next_due(d, &due);
		seg_next_due(d, &due);
	}
	return due > now ? (int)(due - now) : 0;
}

void
download_cancel(struct download *d)
{
	d->cancel_req = true;
	atomic_store(&d->merge_cancel, 1);
}

void
download_finish_live(struct download *d)
{
	d->finish_req = true;
}

const struct err *
download_error(const struct download *d)
{
	static const struct err unknown = { ERR_PERMANENT, "unknown error" };

	return d->err.msg[0] ? &d->err : &unknown;
}

void
download_free(struct download *d)
{
	size_t i;

	if (d == NULL)
		return;
	if (d->thread_started) {
		atomic_store(&d->merge_cancel, 1);
		pthread_join(d->thread, NULL);
	}
	stop_network(d);
	small_free(&d->top);
	plan_free(d);
	workdir_pending_free(d);
	workdir_adopt_free(d);
	for (i = 0; d->headers[i] != NULL; i++)
		free(d->headers[i]);
	free(d->headers);
	for (i = 0; d->sidecars != NULL && d->sidecars[i] != NULL; i++)
		free(d->sidecars[i]);
	free(d->sidecars);
	free(d->audio);
	free(d->subtitles);
	free(d->sidecar_ext);
	free(d->url);
	free(d->quality);
	free(d->workdir);
	free(d->output);
	free(d->tmp_output);
	free(d);
}

const char *
download_state_name(enum download_state s)
{
	static const char *const names[] = { "starting", "downloading",
	    "paused", "merging", "completed", "failed", "cancelled" };

	if ((unsigned)s < sizeof(names) / sizeof(names[0]))
		return names[s];
	return "unknown";
}

/* --- progress ----------------------------------------------------------- */

static void
count(const struct download *d, struct download_progress *p, double *durall,
    double *durdone)
{
	size_t i;
	int k;

	for (k = 0; k < d->ntracks; k++) {
		const struct track *t = &d->tracks[k];
		double gap = 0;

		for (i = 0; i < t->nsegs; i++) {
			const struct dseg *s = &t->segs[i];

			if (s->gap) {	/* nothing to fetch, time kept */
				gap += s->duration;
				if (k == 0)
					p->duration += s->duration;
				continue;
			}
			if (s->state == IT_SKIPPED && !t->endlist)
				continue;
			p->segments_total++;
			*durall += s->duration;
			if (s->state == IT_DONE) {
				p->segments_done++;
				*durdone += s->duration;
			} else if (s->state == IT_SKIPPED) {
				p->segments_done++;
			}
			if (k == 0)
				p->duration += s->duration;
		}
		if (gap > p->gap_seconds)
			p->gap_seconds = gap;
	}
}

void
download_get_progress(struct download *d, struct download_progress *p)
{
	double durall = 0, durdone = 0, dt;
	const struct xfer *x;
	int k;

	memset(p, 0, sizeof(*p));
	p->state = d->state;
	p->width = d->width;
	p->height = d->height;
	if (p->width == 0 && atomic_load(&d->merge_done)) {
		/* no variant said: what the verified video is */
		p->width = d->out_width;
		p->height = d->out_height;
	}
	p->eta_s = -1;
	for (k = 0; k < d->ntracks; k++)
		p->live = p->live || (d->tracks[k].loaded &&
		    !d->tracks[k].endlist);
	count(d, p, &durall, &durdone);
	p->bytes_done = d->done_bytes;
	for (x = d->xfers; x != NULL; x = x->next)
		p->bytes_done += x->written;
	p->bytes_estimate = durdone > 0 ? (int64_t)(d->done_bytes / durdone *
	    durall) : 0;
	if (p->bytes_estimate < p->bytes_done)
		p->bytes_estimate = p->bytes_done;
	if (d->nsamp >= 2) {
		dt = (d->samp_ms[d->nsamp - 1] - d->samp_ms[0]) / 1000.0;
		if (dt > 0)
			p->speed_bps = (d->samp_rx[d->nsamp - 1] -
			    d->samp_rx[0]) / dt;
	}
	if (p->speed_bps > 0 && !p->live && p->bytes_estimate > 0)
		p->eta_s = (p->bytes_estimate - p->bytes_done) / p->speed_bps;
	if (d->state == DL_MERGING)
		p->percent = 90 + 9 * atomic_load(&d->merge_permille) / 1000.0;
	else if (d->state == DL_DONE)
		p->percent = 100;
	else if (p->segments_total > 0)
		p->percent = 90.0 * p->segments_done / p->segments_total;
	if (d->state == DL_MERGING || d->state == DL_DONE)
		p->eta_s = d->state == DL_DONE ? 0 : -1;
	p->output_size = d->output_size;
}

/* --- titles ------------------------------------------------------------- */

static bool
generic_name(const char *s, size_t n)
{
	static const char *const names[] = { "index", "master", "playlist",
	    "prog_index", "chunklist", "media", "main", "manifest", "stream",
	    "video", "hls", "mono", "live", "source", "output", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++) {
		size_t l = strlen(names[i]);

		if (n >= l && strncasecmp(s, names[i], l) == 0 &&
		    (n == l || s[l] == '_' || s[l] == '-' ||
		    isdigit((unsigned char)s[l])))
			return true;
	}
	return n == 0 || strspn(s, "0123456789pPkK_-") == n;
}

/* Keeps [A-Za-z0-9 ._-], squeezes the rest; no leading dots or spaces. */
static char *
sanitize(const char *s, size_t n)
{
	char *out = xmalloc(TITLE_MAX + 1);
	size_t i, o = 0;

	for (i = 0; i < n && o < TITLE_MAX; i++) {
		char c = s[i];

		if (!isalnum((unsigned char)c) && c != ' ' && c != '.' &&
		    c != '_' && c != '-')
			c = '_';
		if ((c == '.' || c == ' ' || c == '_') && o == 0)
			continue;
		if (c == '_' && o > 0 && out[o - 1] == '_')
			continue;
		out[o++] = c;
	}
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.' ||
	    out[o - 1] == '_'))
		o--;
	out[o] = '\0';
	if (o == 0) {
		free(out);
		return xstrdup("video");
	}
	return out;
}

char *
download_title_from_url(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL, *title;
	const char *end, *start, *pick = NULL;
	size_t n = 0;

	/* Decoded when that is possible (no control characters), else raw. */
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    (curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) !=
	    CURLUE_OK && curl_url_get(u, CURLUPART_PATH, &path, 0) !=
	    CURLUE_OK)) {
		curl_url_cleanup(u);
		return xstrdup("video");
	}
	/* Walk path components from the last one back to a telling name. */
	end = path + strlen(path);
	while (end > path) {
		while (end > path && end[-1] == '/')
			end--;
		start = end;
		while (start > path && start[-1] != '/')
			start--;
		n = end - start;
		if (n > 5 && strncasecmp(end - 5, ".m3u8", 5) == 0)
			n -= 5;
		else if (n > 4 && strncasecmp(end - 4, ".m3u", 4) == 0)
			n -= 4;
		if (!generic_name(start, n)) {
			pick = start;
			break;
		}
		end = start;
	}
	title = pick ? sanitize(pick, n) : xstrdup("video");
	curl_free(path);
	curl_url_cleanup(u);
	return title;
}
