/* download-merge - the remux + verify worker thread of a download */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash.h"
#include "download-int.h"
#include "log.h"
#include "remux.h"
#include "xmalloc.h"

struct merge_input {
	struct remux_track tracks[DL_MAX_TRACKS];
	struct remux_part *parts[DL_MAX_TRACKS];
	struct remux_expect expect[DL_MAX_TRACKS];
	size_t nexpect;
	char *labels[DL_MAX_TRACKS];
	char *sidecar_tmp[DL_MAX_TRACKS];	/* written by the remux */
	char *sidecar[DL_MAX_TRACKS];		/* renamed to after verify */
	char **paths;			/* every string we allocated */
	size_t npaths, cappaths;
};

static const char *
keep(struct merge_input *in, char *s)
{
	in->paths = xgrow(in->paths, &in->cappaths, in->npaths,
	    sizeof(*in->paths));
	in->paths[in->npaths++] = s;
	return s;
}

/*
 * What the output of a track lasts: the EXTINF sum from its first finished
 * segment to its last, skipped ones between included (the remux keeps
 * their time as a hole); skipped ones before the first or after the last
 * have nothing to hold their time in the file.
 */
static double
track_duration(const struct track *t)
{
	double sum = 0, span = 0;
	size_t i;
	bool started = false;

	for (i = 0; i < t->nsegs; i++) {
		if (t->segs[i].state == IT_DONE) {
			started = true;
			sum += t->segs[i].duration;
			span = sum;
		} else if (started)
			sum += t->segs[i].duration;
	}
	return span;
}

/* A language tag fit for a file name: [A-Za-z0-9-], else "und". */
static void
name_language(const char *tag, char *out, size_t size)
{
	size_t n = 0;

	for (; tag != NULL && *tag != '\0' && n + 1 < size && n < 16; tag++)
		if (isalnum((unsigned char)*tag) || *tag == '-')
			out[n++] = *tag;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "und");
}

/*
 * OUTPUT-BASE.LANG[.forced][.N].EXT next to the output, and the hidden
 * name the remux writes it under (.BASE.LANG.part.EXT) until verified.
 */
static void
sidecar_names(struct download *d, struct merge_input *in, int k)
{
	const struct track *t = &d->tracks[k];
	const char *slash = strrchr(d->output, '/');
	size_t dirlen = slash ? (size_t)(slash - d->output) + 1 : 0;
	const char *base = d->output + dirlen;
	size_t blen = strlen(base);
	char lang[24], tail[48];
	int j, same = 0;

	if (blen > 4 && strcasecmp(base + blen - 4, ".mp4") == 0)
		blen -= 4;
	name_language(t->language, lang, sizeof(lang));
	for (j = 1; j < k; j++)
		if (d->tracks[j].type == 's' && d->tracks[j].forced ==
		    t->forced && strcmp(d->tracks[j].language ?
		    d->tracks[j].language : "", t->language ? t->language :
		    "") == 0)
			same++;
	if (same > 0)
		snprintf(tail, sizeof(tail), "%s%s.%d", lang, t->forced ?
		    ".forced" : "", same + 1);
	else
		snprintf(tail, sizeof(tail), "%s%s", lang, t->forced ?
		    ".forced" : "");
	in->sidecar[k] = xasprintf("%.*s%.*s.%s.%s", (int)dirlen, d->output,
	    (int)blen, base, tail, d->sidecar_ext);
	in->sidecar_tmp[k] = xasprintf("%.*s.%.*s.%s.part.%s", (int)dirlen,
	    d->output, (int)blen, base, tail, d->sidecar_ext);
}

/* A rendition's labels, where it goes, and what verify expects of it. */
static void
label_track(struct download *d, struct merge_input *in, int k)
{
	const struct track *t = &d->tracks[k];
	struct remux_track *rt = &in->tracks[k];
	struct remux_expect *e;

	rt->language = t->language;
	rt->name = t->name;
	rt->characteristics = t->characteristics;
	rt->is_default = t->is_default;
	rt->forced = t->forced;
	in->labels[k] = xasprintf("%s %s (%s)", t->type == 's' ? "subtitles" :
	    "audio", t->language ? t->language : "und", t->name ? t->name :
	    "unnamed");
	if (t->type == 's') {
		rt->in_mp4 = d->subs_as != DL_SUBS_SIDECAR;
		if (d->subs_as != DL_SUBS_TRACK) {
			sidecar_names(d, in, k);
			rt->sidecar = in->sidecar_tmp[k];
		}
		if (!rt->in_mp4)
			return;
	}
	e = &in->expect[in->nexpect++];
	e->subtitles = t->type == 's';
	e->language = t->language;
	e->is_default = t->is_default;
	e->duration = track_duration(t);
	e->label = in->labels[k];
}

/*
 * Only finished segments: a gap (EXT-X-GAP) or a lossy skip is left out,
 * and its time goes to the next part's gap_before.
 */
static void
build_inputs(struct download *d, struct merge_input *in)
{
	int k;
	size_t i, n;
	double gap;

	for (k = 0; k < d->ntracks; k++) {
		struct track *t = &d->tracks[k];

		in->parts[k] = xcalloc(t->nsegs + 1, sizeof(*in->parts[k]));
		for (i = n = 0, gap = 0; i < t->nsegs; i++) {
			const struct dseg *s = &t->segs[i];
			struct remux_part *p = &in->parts[k][n];

			if (s->state != IT_DONE) {
				gap += s->duration;
				continue;
			}
			p->path = keep(in, workdir_seg_path(d, t->kind, i));
			p->discontinuity = s->disc;
			p->gap_before = gap;
			gap = 0;
			if (s->map >= 0)
				p->init_path = keep(in, workdir_init_path(d,
				    t->kind, (size_t)s->map));
			n++;
		}
		in->tracks[k].parts = in->parts[k];
		in->tracks[k].nparts = n;
		in->tracks[k].audio_only = t->type == 'a';
		in->tracks[k].subtitles = t->type == 's';
		if (t->labelled)
			label_track(d, in, k);
	}
}

static void
free_inputs(struct merge_input *in)
{
	size_t i;

	for (i = 0; i < in->npaths; i++)
		free(in->paths[i]);
	free(in->paths);
	for (i = 0; i < DL_MAX_TRACKS; i++) {
		free(in->parts[i]);
		free(in->labels[i]);
		free(in->sidecar[i]);
		free(in->sidecar_tmp[i]);
	}
}

/* Every sidecar there and not empty; then renamed to its final name. */
static int
sidecars_finish(struct download *d, struct merge_input *in, int rc)
{
	struct stat st;
	size_t n = 0;
	int k;

	for (k = 0; k < d->ntracks; k++) {
		if (in->sidecar_tmp[k] == NULL)
			continue;
		if (rc == 0 && (stat(in->sidecar_tmp[k], &st) == -1 ||
		    st.st_size == 0))
			rc = err_set(&d->merge_err, "verify: %s: no sidecar "
			    "file written", in->labels[k]);
	}
	for (k = 0; k < d->ntracks && rc == 0; k++) {
		if (in->sidecar_tmp[k] == NULL)
			continue;
		if (rename(in->sidecar_tmp[k], in->sidecar[k]) == -1) {
			rc = err_errno(&d->merge_err, "Cannot rename to %s",
			    in->sidecar[k]);
			break;
		}
		d->sidecars = xrealloc(d->sidecars, (n + 2) * sizeof(char *));
		d->sidecars[n++] = xstrdup(in->sidecar[k]);
		d->sidecars[n] = NULL;
	}
	for (k = 0; k < d->ntracks && rc != 0; k++)
		if (in->sidecar_tmp[k] != NULL)
			unlink(in->sidecar_tmp[k]);
	return rc;
}

/*
 * What the source carries, when the master playlist did not say (or there
 * was no master): the stream kinds of the first group, read through the
 * remuxer's own restricted demuxers (a segment is untrusted input: it must
 * never be probed as a playlist or any format that opens other files).
 */
static void
probe_kinds(const struct merge_input *in, bool *video, bool *audio)
{
	*video = *audio = false;
	if (in->tracks[0].nparts == 0 ||
	    remux_probe(&in->tracks[0], video, audio, NULL) == -1)
		*video = *audio = false;
}

static int
on_progress(void *arg, double fraction)
{
	struct download *d = arg;

	atomic_store(&d->merge_permille, (int)(fraction * 1000));
	return atomic_load(&d->merge_cancel);
}

static double
expected_duration(const struct download *d)
{
	return track_duration(&d->tracks[0]);
}

static void *
merge_main(void *arg)
{
	struct download *d = arg;
	struct merge_input in;
	struct remux_result res;
	bool pv, pa, want_video, want_audio;
	int rc;

	memset(&in, 0, sizeof(in));
	memset(&res, 0, sizeof(res));
	build_inputs(d, &in);
	probe_kinds(&in, &pv, &pa);
	want_video = d->want_video < 0 ? pv : d->want_video;
	want_audio = d->want_audio < 0 ? pa : d->want_audio;
	if (d->ntracks > 1 && d->tracks[1].type == 'a')
		want_audio = true;
	rc = remux_to_mp4(in.tracks, d->ntracks, d->tmp_output, on_progress,
	    d, &d->merge_err);
	if (rc == 0)
		crash_point("merge-remuxed");
	if (rc == 0)
		rc = remux_verify(d->tmp_output, want_video, want_audio,
		    expected_duration(d), &res, &d->merge_err);
	if (rc == 0)
		rc = remux_verify_tracks(d->tmp_output, in.expect, in.nexpect,
		    &d->merge_err);
	rc = sidecars_finish(d, &in, rc);
	if (rc == 0 && rename(d->tmp_output, d->output) < 0)
		rc = err_errno(&d->merge_err, "Cannot rename to %s",
		    d->output);
	if (rc < 0)
		unlink(d->tmp_output);
	else {
		d->output_size = res.size;
		d->out_width = res.width;	/* read after merge_done */
		d->out_height = res.height;
		crash_point("merge-renamed");
	}
	free_inputs(&in);
	d->merge_rc = rc;
	atomic_store(&d->merge_done, 1);
	fetcher_wakeup(d->f);
	return NULL;
}

int
merge_start(struct download *d)
{
	int rc;

	atomic_store(&d->merge_done, 0);
	atomic_store(&d->merge_permille, 0);
	rc = pthread_create(&d->thread, NULL, merge_main, d);
	if (rc != 0) {
		struct err err;

		errno = rc;
		err_errno(&err, "cannot start the remux thread");
		download_fail(d, &err);
		return -1;
	}
	d->thread_started = true;
	d->state = DL_MERGING;
	d->phase = PH_MERGE;
	return 0;
}

/* What a merge writes, about: the segments it reads, plus a margin. */
static int64_t
merge_estimate(struct download *d)
{
	struct merge_input in;
	struct stat sb;
	int64_t sum = 0;
	size_t i;
	int k;

	memset(&in, 0, sizeof(in));
	build_inputs(d, &in);
	for (k = 0; k < d->ntracks; k++)
		for (i = 0; i < in.tracks[k].nparts; i++)
			if (stat(in.tracks[k].parts[i].path, &sb) == 0)
				sum += sb.st_size;
	free_inputs(&in);
	return sum + sum / 8 + (1 << 20);
}

/*
 * After merge_done: joins the thread and settles the state. A merge that
 * met a full disk (its partial output is gone) does not fail and is not
 * run again at once: the download goes back to "segments all done" and
 * pauses until the disk has room for the whole output (seg_space_check),
 * then merges again, once.
 */
void
merge_collect(struct download *d)
{
	if (!d->thread_started || !atomic_load(&d->merge_done))
		return;
	pthread_join(d->thread, NULL);
	d->thread_started = false;
	if (d->cancel_req)
		d->state = DL_CANCELLED;
	else if (d->merge_rc == 0)
		d->state = DL_DONE;
	else if (d->merge_err.kind == ERR_NOSPACE) {
		d->merge_need_bytes = merge_estimate(d);
		log_warnx("no space left on device merging %s: paused until "
		    "%lld MB are free (%s)", d->output,
		    (long long)(d->merge_need_bytes >> 20), d->merge_err.msg);
		d->nospace = true;
		d->space_checked_ms = 0;
		d->phase = PH_SEGMENTS;
		d->state = DL_PAUSED;
		err_clear(&d->merge_err);
	} else {
		download_fail(d, &d->merge_err);
		d->state = DL_FAILED;
	}
}
