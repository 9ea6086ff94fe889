/* download-merge - the remux + verify worker thread of a download */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash.h"
#include "download-int.h"
#include "log.h"
#include "remux.h"
#include "xmalloc.h"

struct merge_input {
	struct remux_track tracks[2];
	struct remux_part *parts[2];
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

/* Only finished segments: a lossy download may have skipped some. */
static void
build_inputs(struct download *d, struct merge_input *in)
{
	int k;
	size_t i, n;

	for (k = 0; k < d->ntracks; k++) {
		struct track *t = &d->tracks[k];

		in->parts[k] = xcalloc(t->nsegs + 1, sizeof(*in->parts[k]));
		for (i = n = 0; i < t->nsegs; i++) {
			const struct dseg *s = &t->segs[i];
			struct remux_part *p = &in->parts[k][n];

			if (s->state != IT_DONE)
				continue;
			p->path = keep(in, workdir_seg_path(d, t->kind, i));
			p->discontinuity = s->disc;
			if (s->map >= 0)
				p->init_path = keep(in, workdir_init_path(d,
				    t->kind, (size_t)s->map));
			n++;
		}
		in->tracks[k].parts = in->parts[k];
		in->tracks[k].nparts = n;
		in->tracks[k].audio_only = t->kind == 'a';
	}
}

static void
free_inputs(struct merge_input *in)
{
	size_t i;

	for (i = 0; i < in->npaths; i++)
		free(in->paths[i]);
	free(in->paths);
	free(in->parts[0]);
	free(in->parts[1]);
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
	const struct track *t = &d->tracks[0];
	double sum = 0;
	size_t i;

	for (i = 0; i < t->nsegs; i++)
		if (t->segs[i].state == IT_DONE)
			sum += t->segs[i].duration;
	return sum;
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
	if (d->ntracks > 1)
		want_audio = true;
	rc = remux_to_mp4(in.tracks, d->ntracks, d->tmp_output, on_progress,
	    d, &d->merge_err);
	if (rc == 0)
		crash_point("merge-remuxed");
	if (rc == 0)
		rc = remux_verify(d->tmp_output, want_video, want_audio,
		    expected_duration(d), &res, &d->merge_err);
	if (rc == 0 && rename(d->tmp_output, d->output) < 0)
		rc = err_errno(&d->merge_err, "Cannot rename to %s",
		    d->output);
	if (rc < 0)
		unlink(d->tmp_output);
	else {
		d->output_size = res.size;
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
