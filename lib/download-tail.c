/* download-tail - tail splitting: a segment's remaining bytes as byte pieces */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "download-int.h"
#include "log.h"
#include "xmalloc.h"

/*
 * When fewer whole segments remain to start than there are free
 * connections, the last round would leave most connections idle while a
 * few large segments trickle in. Instead the remaining bytes of the
 * largest requests in flight are cut into pieces: the running request is
 * shortened (fetcher_shorten: it stops at the first cut, a clean end),
 * and each further piece is a Range request of its own on an idle
 * connection, written at its offset into the same .part file. The same
 * lets one very large segment (a single-file byte-range stream, a 50 MB
 * segment) use every connection.
 *
 * Only where the host honours ranges: fetch.c checks every 206's
 * Content-Range and remembers hosts that answer a Range with a 200 or
 * another range (fetcher_ranges_refused); their requests are never split
 * again, and a piece's bytes land right even from a 200 (fetch.c cuts the
 * whole body to the range asked for).
 *
 * Cuts fall on 16-byte boundaries: an AES-128 piece after the first asks
 * for the 16 bytes before it too (its CBC IV), and only the segment's
 * last piece checks the padding.
 */

/* A piece is worth its own request when it has at least this much. */
#define TAIL_MIN_PIECE	(64 << 10)
#define TAIL_ALIGN	CRYPT_BLOCK

struct dpieces *
pieces_new(int64_t len)
{
	struct dpieces *pc = xcalloc(1, sizeof(*pc));

	pc->len = len;
	return pc;
}

void
pieces_free(struct dpieces *pc)
{
	if (pc == NULL)
		return;
	free(pc->v);
	free(pc);
}

size_t
pieces_insert(struct dpieces *pc, size_t i, int64_t start, int64_t end,
    bool done)
{
	pc->v = xgrow(pc->v, &pc->cap, pc->n, sizeof(pc->v[0]));
	memmove(pc->v + i + 1, pc->v + i, (pc->n - i) * sizeof(pc->v[0]));
	pc->n++;
	pc->v[i].start = start;
	pc->v[i].end = end;
	pc->v[i].x = NULL;
	pc->v[i].done = done;
	return i;
}

struct dpiece *
pieces_find(struct dpieces *pc, const struct xfer *x)
{
	size_t i;

	for (i = 0; pc != NULL && i < pc->n; i++)
		if (pc->v[i].x == x)
			return &pc->v[i];
	return NULL;
}

bool
pieces_all_done(const struct dpieces *pc)
{
	size_t i;

	for (i = 0; i < pc->n; i++)
		if (!pc->v[i].done)
			return false;
	return true;
}

bool
pieces_any_running(const struct dpieces *pc)
{
	size_t i;

	for (i = 0; i < pc->n; i++)
		if (pc->v[i].x != NULL)
			return true;
	return false;
}

bool
pieces_any_done(const struct dpieces *pc)
{
	size_t i;

	for (i = 0; i < pc->n; i++)
		if (pc->v[i].done)
			return true;
	return false;
}

bool
pieces_any_todo(const struct dpieces *pc)
{
	size_t i;

	for (i = 0; i < pc->n; i++)
		if (!pc->v[i].done && pc->v[i].x == NULL)
			return true;
	return false;
}

/* Every whole segment and init section is started or finished. */
static bool
none_left_to_start(const struct download *d)
{
	size_t i;
	int k;

	for (k = 0; k < d->ntracks; k++) {
		const struct track *t = &d->tracks[k];

		if (t->cursor < t->nsegs)
			return false;
		for (i = 0; i < t->nmaps; i++)
			if (t->maps[i].state == IT_TODO)
				return false;
	}
	return true;
}

/* The bytes x still has to fetch, when it may be cut; else 0. */
static int64_t
splittable(const struct download *d, const struct xfer *x)
{
	const struct dseg *s;

	if (x->idx < 0 || x->end < 0 || x->h == NULL)
		return 0;
	s = &x->t->segs[x->idx];
	if (s->pc != NULL && (s->pc->whole_again || s->pc->skip))
		return 0;
	if (x->end - x->pos < 2 * TAIL_MIN_PIECE)
		return 0;
	if (fetcher_ranges_refused(d->f, s->uri))
		return 0;
	return x->end - x->pos;
}

/*
 * Cuts x's remaining [pos, end) into n pieces of (nearly) equal size: x
 * keeps the first, each other one gets its own request.
 */
static void
split_xfer(struct download *d, struct xfer *x, int n)
{
	struct track *t = x->t;
	struct dseg *s = &t->segs[x->idx];
	int64_t pos = x->pos, end = x->end, cut[64 + 2];	/* n <= 64 */
	struct dpiece *p;
	size_t i;
	int j;

	for (j = 1; j < n; j++) {
		cut[j] = pos + (end - pos) * j / n;
		cut[j] -= cut[j] % TAIL_ALIGN;
	}
	cut[n] = end;
	if (s->pc == NULL) {	/* the whole request becomes piece 0 */
		s->pc = pieces_new(end);
		pieces_insert(s->pc, 0, 0, end, false);
		s->pc->v[0].x = x;
	}
	p = pieces_find(s->pc, x);
	if (p == NULL || cut[1] <= pos)
		return;
	fetcher_shorten(d->f, x->h, cut[1] - x->start + (x->pre ?
	    CRYPT_BLOCK : 0));
	p->end = x->end = cut[1];
	i = (size_t)(p - s->pc->v);
	log_debug("tail: segment %c-%ld [%" PRId64 ",%" PRId64 ") in %d "
	    "pieces", t->kind, x->idx, pos, end, n);
	/* Every piece first, so that the segment stays covered whatever
	 * happens to a start; then their requests. */
	for (j = 1; j < n; j++)
		pieces_insert(s->pc, i + (size_t)j, cut[j], cut[j + 1], false);
	for (j = 1; j < n; j++) {
		struct xfer *nx = seg_xfer_start(d, t, x->idx, cut[j],
		    cut[j + 1]);

		if (nx == NULL) {	/* paused or failed: picked up later */
			s->state = IT_TODO;
			t->cursor = 0;
			return;
		}
		s->pc->v[i + (size_t)j].x = nx;
	}
}

struct cand {
	struct xfer *x;
	int64_t rem;
	int n;
};

void
tail_split(struct download *d)
{
	struct cand c[64];
	struct xfer *x;
	int free_slots = d->concurrency - d->inflight, nc = 0, i, best;

	if (free_slots <= 0 || d->denied || d->failed || d->nospace ||
	    d->cancel_req || !none_left_to_start(d))
		return;
	for (x = d->xfers; x != NULL && nc < 64; x = x->next)
		if ((c[nc].rem = splittable(d, x)) > 0) {
			c[nc].x = x;
			c[nc++].n = 1;
		}
	/* Each free connection to the request that would finish last. */
	while (free_slots > 0 && nc > 0) {
		best = 0;
		for (i = 1; i < nc; i++)
			if (c[i].rem / c[i].n > c[best].rem / c[best].n)
				best = i;
		if (c[best].rem / (c[best].n + 1) < TAIL_MIN_PIECE)
			break;
		c[best].n++;
		free_slots--;
	}
	for (i = 0; i < nc; i++)
		if (c[i].n > 1)
			split_xfer(d, c[i].x, c[i].n);
}
