/* download-feed - the segments as a merge alongside the download sees them */
#include "config.h"

#include <stdlib.h>

#include "download-int.h"
#include "remux.h"
#include "xmalloc.h"

/*
 * The download's tracks belong to the main thread (the fetcher's
 * callbacks change their states, a resume rewrites them). The merge
 * thread never reads them: it reads this copy, under the feed's mutex,
 * which the main thread updates when a file lands (feed_note) and once
 * more when the download ends (feed_sync). A segment is ready when its
 * file is whole under its final name (a segment file appears only then)
 * and so is its init section.
 */

struct feed *
feed_new(const struct download *d)
{
	struct feed *f = xcalloc(1, sizeof(*f));
	int k;
	size_t i;

	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->ntracks = d->ntracks;
	for (k = 0; k < d->ntracks; k++) {
		const struct track *t = &d->tracks[k];
		struct feed_track *ft = &f->t[k];

		ft->feed = f;
		ft->nsegs = t->nsegs;
		ft->nmaps = t->nmaps;
		ft->seg = xcalloc(t->nsegs + 1, 1);
		ft->map = xcalloc(t->nmaps + 1, 1);
		ft->segmap = xcalloc(t->nsegs + 1, sizeof(int));
		ft->dur = xcalloc(t->nsegs + 1, sizeof(double));
		ft->part_seg = xcalloc(t->nsegs + 1, sizeof(size_t));
		for (i = 0; i < t->nsegs; i++) {
			ft->segmap[i] = t->segs[i].map;
			ft->dur[i] = t->segs[i].duration;
		}
	}
	feed_sync(f, d);
	return f;
}

void
feed_free(struct feed *f)
{
	int k;

	if (f == NULL)
		return;
	for (k = 0; k < f->ntracks; k++) {
		free(f->t[k].seg);
		free(f->t[k].map);
		free(f->t[k].segmap);
		free(f->t[k].dur);
		free(f->t[k].part_seg);
	}
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* Only the two final states are passed on: IT_RUNNING is not ready. */
static unsigned char
feed_of(enum item_state s)
{
	return s == IT_DONE || s == IT_SKIPPED ? (unsigned char)s : IT_TODO;
}

void
feed_sync(struct feed *f, const struct download *d)
{
	size_t i;
	int k;

	pthread_mutex_lock(&f->mu);
	for (k = 0; k < f->ntracks; k++) {
		const struct track *t = &d->tracks[k];
		struct feed_track *ft = &f->t[k];

		for (i = 0; i < ft->nsegs && i < t->nsegs; i++)
			ft->seg[i] = feed_of(t->segs[i].state);
		for (i = 0; i < ft->nmaps && i < t->nmaps; i++)
			ft->map[i] = feed_of(t->maps[i].state);
	}
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

void
feed_note(struct download *d, const struct track *t, long idx)
{
	struct feed *f = d->feed;
	struct feed_track *ft;
	size_t i;

	if (f == NULL || t < d->tracks || t >= d->tracks + f->ntracks)
		return;
	ft = &f->t[t - d->tracks];
	pthread_mutex_lock(&f->mu);
	if (idx >= 0 && (size_t)idx < ft->nsegs)
		ft->seg[idx] = feed_of(t->segs[idx].state);
	else if (idx < 0 && (i = (size_t)(-idx - 1)) < ft->nmaps)
		ft->map[i] = feed_of(t->maps[i].state);
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

void
feed_stop(struct feed *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/*
 * Under the mutex: REMUX_PART_READY, -1 not yet. A segment skipped after
 * the merge began (a lossy skip) is STOP: its time belongs in the next
 * part's gap_before, which the parts already given cannot carry, so the
 * merge runs again after the download, with the skip known.
 */
static int
feed_state(const struct feed_track *ft, size_t i)
{
	int m;

	if (i >= ft->nsegs || ft->seg[i] == IT_SKIPPED)
		return REMUX_PART_STOP;
	if (ft->seg[i] != IT_DONE)
		return -1;
	m = ft->segmap[i];
	if (m >= 0 && ((size_t)m >= ft->nmaps || ft->map[m] != IT_DONE))
		return -1;
	return REMUX_PART_READY;
}

/* remux_track.wait: blocks on the condition, never on a timer. */
int
feed_wait(void *arg, size_t part)
{
	struct feed_track *ft = arg;
	struct feed *f = ft->feed;
	size_t i = ft->part_seg[part];
	int r;

	pthread_mutex_lock(&f->mu);
	while ((r = feed_state(ft, i)) == -1 && !f->stop)
		pthread_cond_wait(&f->cv, &f->mu);
	if (r == REMUX_PART_STOP)
		f->late_skip = true;
	pthread_mutex_unlock(&f->mu);
	return r == -1 ? REMUX_PART_STOP : r;
}

/* As track_duration (download-merge.c): first to last finished segment,
 * skipped ones between included (their time is a hole in the output). */
double
feed_duration(struct feed *f, int k)
{
	const struct feed_track *ft = &f->t[k];
	double sum = 0, span = 0;
	bool started = false;
	size_t i;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < ft->nsegs; i++) {
		if (ft->seg[i] == IT_DONE) {
			started = true;
			sum += ft->dur[i];
			span = sum;
		} else if (started)
			sum += ft->dur[i];
	}
	pthread_mutex_unlock(&f->mu);
	return span;
}
