/* download-seg - segments, init sections and keys on the fetcher; disk space */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "clock.h"
#include "download-int.h"
#include "log.h"
#include "xmalloc.h"

#define SPACE_CHECK_MS 1000
#define NOSPACE_RESUME_BYTES (8LL << 20)	/* after ENOSPC, wait for this */

static int
write_all(struct xfer *x, const void *buf, size_t len, struct err *err)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(x->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && err_kind_of_errno(errno) == ERR_NOSPACE)
			return err_setk(err, ERR_NOSPACE,
			    "No space left on device");
		if (n < 0)
			return err_errno(err, "Cannot write %s", x->part);
		p += n;
		len -= n;
		x->written += n;
	}
	return 0;
}

static int
xfer_data(void *arg, const char *buf, size_t len, struct err *err)
{
	struct xfer *x = arg;
	size_t out;

	x->d->rx += len;
	if (x->cr == NULL)
		return write_all(x, buf, len, err);
	if (x->cap < len + CRYPT_BLOCK) {
		x->cap = len + CRYPT_BLOCK;
		x->buf = xrealloc(x->buf, x->cap);
	}
	if (crypt_update(x->cr, (const unsigned char *)buf, len, x->buf, &out,
	    err) < 0)
		return -1;
	return write_all(x, x->buf, out, err);
}

/* Before a retry: start the file (and the cipher) over. */
static int
xfer_reset(void *arg, struct err *err)
{
	struct xfer *x = arg;

	if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
		return err_errno(err, "Cannot truncate %s", x->part);
	x->written = 0;
	if (x->cr != NULL)
		return crypt_reset(x->cr, err);
	return 0;
}

static enum item_state *
xfer_state(struct xfer *x)
{
	return x->idx >= 0 ? &x->t->segs[x->idx].state :
	    &x->t->maps[-x->idx - 1].state;
}

/* Completes the file: the cipher's last block, close, rename into place. */
static int
xfer_commit(struct xfer *x, struct err *err)
{
	unsigned char tail[CRYPT_BLOCK];
	size_t n;
	int fd = x->fd;

	if (x->cr != NULL && (crypt_final(x->cr, tail, &n, err) < 0 ||
	    write_all(x, tail, n, err) < 0))
		return err_wrap(err, "%s", x->idx >= 0 ?
		    x->t->segs[x->idx].uri : x->t->maps[-x->idx - 1].uri);
	x->fd = -1;
	if (close(fd) < 0)
		return err_errno(err, "Cannot write %s", x->part);
	if (rename(x->part, x->final) < 0)
		return err_errno(err, "Cannot rename %s", x->part);
	return 0;
}

static void
xfer_done(void *arg, const struct fetch_result *res)
{
	struct xfer *x = arg;
	struct download *d = x->d;
	enum item_state *st = xfer_state(x);
	struct err err = res->err;
	bool ok = res->ok && xfer_commit(x, &err) == 0;

	if (ok) {
		*st = IT_DONE;
		if (x->idx >= 0)
			x->t->segs[x->idx].size = x->written;
		d->done_bytes += x->written;
	} else {
		if (x->fd >= 0)
			close(x->fd);
		unlink(x->part);
		*st = IT_TODO;
		x->t->cursor = 0;
		if (err.kind == ERR_NOSPACE) {
			if (!d->nospace)
				log_warnx("no space left on device writing %s: "
				    "paused until %lld MB are free", x->part,
				    (long long)(NOSPACE_RESUME_BYTES >> 20));
			d->nospace = true;	/* paused, not failed */
		} else if (d->cancel_req || d->failed) {
			/* nothing to say */
		} else if (err.kind == ERR_DENIED) {
			if (!d->denied)
				err_copy(&d->denied_err, &err);
			d->denied = true;	/* drain, then fail (seg_step) */
		} else if (d->lossy && x->idx >= 0) {
			*st = IT_SKIPPED;
			d->skipped++;
			log_warnx("skipping a segment (lossy): %s", err.msg);
		} else {
			download_fail(d, &err);
		}
	}
	feed_note(d, x->t, x->idx);	/* a merge alongside may go on */
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		d->xfers = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	d->inflight--;
	crypt_free(x->cr);
	free(x->buf);
	free(x->part);
	free(x->final);
	free(x);
}

static void
xfer_start(struct download *d, struct track *t, long idx)
{
	struct xfer *x = xcalloc(1, sizeof(*x));
	struct fetch_request req = { .headers = (const char *const *)
	    d->headers };
	struct fetch_sink sink = { xfer_data, xfer_reset, xfer_done, x };
	struct err err;

	x->d = d;
	x->t = t;
	x->idx = idx;
	if (idx >= 0) {
		const struct dseg *s = &t->segs[idx];

		x->final = workdir_seg_path(d, t->kind, (size_t)idx);
		req.url = s->uri;
		req.offset = s->offset;
		req.length = s->length;
		/* Without its decryptor the segment would land as cipher
		 * text under a plain name: fail the download instead. */
		if (s->key >= 0 && (x->cr = crypt_new(d->keys[s->key].key,
		    CRYPT_KEY_LEN, s->iv, &err)) == NULL) {
			download_fail(d, &err);
			free(x->final);
			free(x);
			return;
		}
	} else {
		const struct dmap *m = &t->maps[-idx - 1];

		x->final = workdir_init_path(d, t->kind, (size_t)(-idx - 1));
		req.url = m->uri;
		req.offset = m->offset;
		req.length = m->length;
	}
	x->part = xasprintf("%s.part", x->final);
	x->fd = open(x->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644);
	if (x->fd < 0) {
		err_errno(&err, "Cannot create %s", x->part);
		if (err.kind == ERR_NOSPACE) {
			if (!d->nospace)
				log_warnx("no space left on device creating %s: "
				    "paused", x->part);
			d->nospace = true;	/* paused, not failed */
		} else
			download_fail(d, &err);
		crypt_free(x->cr);
		free(x->part);
		free(x->final);
		free(x);
		return;
	}
	*xfer_state(x) = IT_RUNNING;
	x->next = d->xfers;
	if (d->xfers != NULL)
		d->xfers->prev = x;
	d->xfers = x;
	d->inflight++;
	x->h = fetcher_add(d->f, &req, &sink);
}

/* A key answer: exactly 16 bytes, kept in memory and in the workdir. */
static void
key_step(struct download *d)
{
	struct small_fetch *s = d->keyfetch;
	struct dkey *k;

	if (s == NULL || s->state == IT_RUNNING)
		return;
	k = &d->keys[s->index];
	if (s->state == IT_SKIPPED && s->err.kind == ERR_DENIED) {
		k->state = IT_TODO;	/* as a segment: drain, then fail */
		if (!d->denied)
			err_copy(&d->denied_err, &s->err);
		d->denied = true;
	} else if (s->state == IT_SKIPPED) {
		download_fail(d, &s->err);
	} else if (s->buf.len != CRYPT_KEY_LEN) {
		struct err err;

		err_setk(&err, ERR_INVALID, "AES-128 key must be 16 bytes, "
		    "got %zu from %s", s->buf.len, k->uri);
		download_fail(d, &err);
	} else {
		memcpy(k->key, s->buf.data, CRYPT_KEY_LEN);
		k->state = IT_DONE;
		workdir_save_key(d, (size_t)s->index, k->key);
	}
	small_free(s);
	free(s);
	d->keyfetch = NULL;
}

/* Starts the key for segment s if needed; true when it is there. */
static bool
key_ready(struct download *d, const struct dseg *s)
{
	struct dkey *k;

	if (s->key < 0)
		return true;
	k = &d->keys[s->key];
	if (k->state == IT_DONE)
		return true;
	if (d->keyfetch == NULL) {
		d->keyfetch = xcalloc(1, sizeof(*d->keyfetch));
		d->keyfetch->index = s->key;
		k->state = IT_RUNNING;
		small_start(d, d->keyfetch, k->uri, 1024);
	}
	return false;
}

static void
schedule(struct download *d, struct track *t)
{
	size_t i;

	if (d->denied)
		return;		/* the link expired: nothing new */
	for (i = 0; i < t->nmaps && d->inflight < d->concurrency; i++)
		if (t->maps[i].state == IT_TODO)
			xfer_start(d, t, -(long)i - 1);
	for (i = t->cursor; i < t->nsegs && d->inflight < d->concurrency &&
	    !d->failed && !d->nospace; i++) {
		if (t->segs[i].state != IT_TODO)
			continue;
		if (!key_ready(d, &t->segs[i]))
			break;
		xfer_start(d, t, (long)i);
	}
	/* Everything before i is started or finished. */
	while (t->cursor < t->nsegs && t->segs[t->cursor].state != IT_TODO)
		t->cursor++;
}

void
seg_space_check(struct download *d)
{
	int64_t now = clock_ms(), avail;
	struct statvfs sv;

	if (now - d->space_checked_ms < SPACE_CHECK_MS)
		return;
	d->space_checked_ms = now;
	if (statvfs(d->workdir, &sv) < 0)
		return;
	avail = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
	if (d->space_low != (avail < d->min_free_bytes))
		log_info("%s: %" PRId64 " MB free in %s",
		    avail < d->min_free_bytes ? "pausing" : "resuming",
		    avail >> 20, d->workdir);
	d->space_low = avail < d->min_free_bytes;
	if (d->nospace && avail >= d->min_free_bytes &&
	    avail >= NOSPACE_RESUME_BYTES && avail >= d->merge_need_bytes) {
		log_info("resuming: %" PRId64 " MB free again", avail >> 20);
		d->nospace = false;
		d->merge_need_bytes = 0;
	}
}

void
seg_next_due(const struct download *d, int64_t *due)
{
	if ((d->space_low || d->nospace) &&
	    d->space_checked_ms + SPACE_CHECK_MS < *due)
		*due = d->space_checked_ms + SPACE_CHECK_MS;
}

void
seg_step(struct download *d)
{
	int i;

	key_step(d);
	seg_space_check(d);
	if (d->denied && !d->failed && d->inflight == 0)
		download_fail(d, &d->denied_err);
	if (d->failed)
		return;
	if (d->space_low || d->nospace) {
		d->state = DL_PAUSED;
		return;
	}
	d->state = DL_DOWNLOADING;
	for (i = 0; i < d->ntracks; i++)
		schedule(d, &d->tracks[i]);
}

void
seg_cancel_all(struct download *d)
{
	while (d->xfers != NULL)
		fetcher_cancel(d->f, d->xfers->h);
	if (d->keyfetch != NULL) {
		small_cancel(d, d->keyfetch);
		small_free(d->keyfetch);
		free(d->keyfetch);
		d->keyfetch = NULL;
	}
}

bool
seg_all_done(const struct download *d)
{
	size_t i;
	int k;

	if (d->inflight > 0 || d->keyfetch != NULL)
		return false;
	for (k = 0; k < d->ntracks; k++) {
		const struct track *t = &d->tracks[k];

		if (!t->endlist || t->pl.state == IT_RUNNING)
			return false;
		for (i = 0; i < t->nmaps; i++)
			if (t->maps[i].state != IT_DONE)
				return false;
		for (i = 0; i < t->nsegs; i++)
			if (t->segs[i].state != IT_DONE &&
			    t->segs[i].state != IT_SKIPPED)
				return false;
	}
	return true;
}
