/* download-seg - segments, init sections and keys on the fetcher; disk space */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "clock.h"
#include "download-int.h"
#include "log.h"
#include "xmalloc.h"

#define SPACE_CHECK_MS 1000
#define NOSPACE_RESUME_BYTES (8LL << 20)	/* after ENOSPC, wait for this */

/* Writes buf at the xfer's file position (pieces share one file). */
static int
write_at(struct xfer *x, const void *buf, size_t len, struct err *err)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(x->fd, p, len, (off_t)x->wpos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && err_kind_of_errno(errno) == ERR_NOSPACE)
			return err_setk(err, ERR_NOSPACE,
			    "No space left on device");
		if (n < 0)
			return err_errno(err, "Cannot write %s", x->part);
		p += n;
		len -= n;
		x->wpos += n;
		x->written += n;
	}
	return 0;
}

static struct dseg *
xfer_seg(const struct xfer *x)
{
	return x->idx >= 0 ? &x->t->segs[x->idx] : NULL;
}

static const unsigned char *
xfer_key(const struct xfer *x)
{
	const struct dseg *s = xfer_seg(x);

	return s != NULL && s->key >= 0 ? x->d->keys[s->key].key : NULL;
}

/* Keeps the last 32 bytes of IV + cipher text (the padding check). */
static void
keep_last(struct xfer *x, const unsigned char *buf, size_t len)
{
	size_t keep;

	if (len >= sizeof(x->last)) {
		memcpy(x->last, buf + len - sizeof(x->last), sizeof(x->last));
		x->lastn = sizeof(x->last);
		return;
	}
	keep = x->lastn < sizeof(x->last) - len ? x->lastn :
	    sizeof(x->last) - len;
	memmove(x->last, x->last + x->lastn - keep, keep);
	memcpy(x->last + keep, buf, len);
	x->lastn = keep + len;
}

/* The decryptor of a piece, from iv (the cipher block before it). */
static int
xfer_cipher(struct xfer *x, const unsigned char *iv, struct err *err)
{
	crypt_free(x->cr);
	if ((x->cr = crypt_new_raw(xfer_key(x), CRYPT_KEY_LEN, iv, err)) ==
	    NULL)
		return -1;
	memcpy(x->last, iv, CRYPT_BLOCK);
	x->lastn = CRYPT_BLOCK;
	return 0;
}

/* The 16 bytes fetched before an AES-128 piece: its IV. */
static int
take_iv(struct xfer *x, const char **buf, size_t *len, struct err *err)
{
	size_t n = CRYPT_BLOCK - x->ivn;

	if (n > *len)
		n = *len;
	memcpy(x->iv + x->ivn, *buf, n);
	x->ivn += n;
	*buf += n;
	*len -= n;
	if (x->ivn < CRYPT_BLOCK)
		return 0;
	return xfer_cipher(x, x->iv, err);
}

static int
xfer_data(void *arg, const char *buf, size_t len, struct err *err)
{
	struct xfer *x = arg;
	struct dseg *s = xfer_seg(x);
	size_t out;

	x->d->rx += len;
	if (x->pre && x->ivn < CRYPT_BLOCK &&
	    take_iv(x, &buf, &len, err) < 0)
		return -1;
	if (len == 0)
		return 0;
	/* A whole segment's size, once its answer says (for splitting). */
	if (x->end < 0 && s != NULL && s->pc == NULL)
		x->end = fetcher_total(x->h);
	/* A piece of a whole file: the file must still be that size (else
	 * the pieces kept are of another file: whole again, piece_done). */
	if (x->pos == x->start && s != NULL && s->pc != NULL &&
	    s->offset < 0 && fetcher_total(x->h) >= 0 &&
	    fetcher_total(x->h) != s->pc->len) {
		x->resized = true;
		return err_setk(err, ERR_TEMPORARY, "%s changed size "
		    "(%" PRId64 " bytes, was %" PRId64 ")", s->uri,
		    fetcher_total(x->h), s->pc->len);
	}
	x->pos += len;
	if (x->cr == NULL)
		return write_at(x, buf, len, err);
	keep_last(x, (const unsigned char *)buf, len);
	if (x->cap < len + CRYPT_BLOCK) {
		x->cap = len + CRYPT_BLOCK;
		x->buf = xrealloc(x->buf, x->cap);
	}
	if (crypt_update(x->cr, (const unsigned char *)buf, len, x->buf, &out,
	    err) < 0)
		return -1;
	return write_at(x, x->buf, out, err);
}

/* Before a retry: start the piece (and its cipher) over. */
static int
xfer_reset(void *arg, struct err *err)
{
	struct xfer *x = arg;
	struct dseg *s = xfer_seg(x);

	/* A whole file is truncated; a piece only rewrites its bytes. */
	if ((s == NULL || s->pc == NULL) && ftruncate(x->fd, 0) < 0)
		return err_errno(err, "Cannot truncate %s", x->part);
	x->pos = x->wpos = x->start;
	x->written = 0;
	x->ivn = 0;
	crypt_free(x->cr);
	x->cr = NULL;
	if (xfer_key(x) != NULL && !x->pre)
		return xfer_cipher(x, s->iv, err);
	return 0;
}

static enum item_state *
xfer_state(struct xfer *x)
{
	return x->idx >= 0 ? &x->t->segs[x->idx].state :
	    &x->t->maps[-x->idx - 1].state;
}

/*
 * The end of a request: all its bytes came; for the segment's last
 * piece of AES-128, the padding is checked and cut off (the raw
 * decryption wrote the padded block whole).
 */
static int
xfer_finish(struct xfer *x, struct err *err)
{
	struct dseg *s = xfer_seg(x);
	int64_t seglen;
	size_t n;

	if (x->end < 0)
		x->end = x->pos;	/* it ran to the body's end */
	if (x->pos != x->end || (x->pre && x->ivn < CRYPT_BLOCK))
		return err_setk(err, ERR_TEMPORARY, "Short body (%" PRId64
		    " of %" PRId64 " bytes) fetching %s", x->pos - x->start,
		    x->end - x->start, s != NULL ? s->uri : x->part);
	seglen = s != NULL && s->pc != NULL ? s->pc->len : x->end;
	if (x->cr == NULL || x->end != seglen)
		return 0;
	if (x->end % CRYPT_BLOCK != 0 || x->lastn != sizeof(x->last))
		return err_set(err, "AES-128 decryption failed: bad padding "
		    "or truncated segment (wrong key?): %s", s->uri);
	if (crypt_last_block_len(xfer_key(x), x->last, x->last + CRYPT_BLOCK,
	    &n, err) < 0)
		return err_wrap(err, "%s", s->uri);
	if (ftruncate(x->fd, (off_t)(x->end - CRYPT_BLOCK + (int64_t)n)) < 0)
		return err_errno(err, "Cannot truncate %s", x->part);
	return 0;
}

/* The file is whole: close, rename into place; its size in *size. */
static int
xfer_commit(struct xfer *x, int64_t *size, struct err *err)
{
	struct stat st;
	int fd = x->fd;

	x->fd = -1;
	*size = fstat(fd, &st) == 0 ? (int64_t)st.st_size : x->written;
	if (close(fd) < 0)
		return err_errno(err, "Cannot write %s", x->part);
	if (rename(x->part, x->final) < 0)
		return err_errno(err, "Cannot rename %s", x->part);
	return 0;
}

/* A failure's consequence for the download, by kind. */
static void
xfer_failed(struct xfer *x, const struct err *err, bool *skip)
{
	struct download *d = x->d;

	*skip = false;
	if (err->kind == ERR_NOSPACE) {
		if (!d->nospace)
			log_warnx("no space left on device writing %s: "
			    "paused until %lld MB are free", x->part,
			    (long long)(NOSPACE_RESUME_BYTES >> 20));
		d->nospace = true;	/* paused, not failed */
	} else if (d->cancel_req || d->failed) {
		/* nothing to say */
	} else if (err->kind == ERR_DENIED) {
		if (!d->denied)
			err_copy(&d->denied_err, err);
		d->denied = true;	/* drain, then fail (seg_step) */
	} else if (d->lossy && x->idx >= 0) {
		*skip = true;
		log_warnx("skipping a segment (lossy): %s", err->msg);
	} else {
		download_fail(d, err);
	}
}

/* Forgets a segment's pieces and their files. */
static void
pieces_drop(struct xfer *x, struct dseg *s)
{
	char *path = workdir_pieces_path(x->d, x->t->kind, (size_t)x->idx);

	unlink(path);
	free(path);
	unlink(x->part);
	pieces_free(s->pc);
	s->pc = NULL;
}

/* After a piece ended: the segment's state from its pieces. */
static void
pieces_settle(struct xfer *x, struct dseg *s)
{
	struct dpieces *pc = s->pc;

	if (pieces_any_running(pc)) {
		s->state = pieces_any_todo(pc) && !pc->whole_again &&
		    !pc->skip ? IT_TODO : IT_RUNNING;
	} else if (pc->skip) {
		pieces_drop(x, s);
		s->state = IT_SKIPPED;
		x->d->skipped++;
	} else if (pc->whole_again || !pieces_any_done(pc)) {
		/* nothing kept: no .part left behind, whole next time */
		pieces_drop(x, s);
		s->state = IT_TODO;
	} else {
		s->state = IT_TODO;
	}
	if (s->state == IT_TODO)
		x->t->cursor = 0;
}

/* A piece of a split segment ended; the last one renames the file. */
static void
piece_done(struct xfer *x, const struct fetch_result *res)
{
	struct download *d = x->d;
	struct dseg *s = xfer_seg(x);
	struct dpiece *p = pieces_find(s->pc, x);
	struct err err = res->err;
	bool ok = res->ok && xfer_finish(x, &err) == 0, skip;
	char *path;

	if (p != NULL)
		p->x = NULL;
	if (ok && p != NULL) {
		p->done = true;
		d->done_bytes += x->written;
	}
	if (ok && pieces_all_done(s->pc)) {
		ok = xfer_commit(x, &s->size, &err) == 0;
		if (ok) {
			path = workdir_pieces_path(d, x->t->kind,
			    (size_t)x->idx);
			unlink(path);
			free(path);
			pieces_free(s->pc);
			s->pc = NULL;
			s->state = IT_DONE;
			return;
		}
	} else if (ok) {
		workdir_save_pieces(d, x->t, (size_t)x->idx);
	}
	if (!ok) {
		if (p != NULL)
			p->done = false;
		if ((res->range_refused || x->resized) && s->offset < 0 &&
		    !d->failed)
			s->pc->whole_again = true;	/* quietly: whole */
		else {
			xfer_failed(x, &err, &skip);
			s->pc->skip = s->pc->skip || skip;
		}
	}
	pieces_settle(x, s);
}

/* A whole segment or init section ended. */
static void
whole_done(struct xfer *x, const struct fetch_result *res)
{
	struct download *d = x->d;
	enum item_state *st = xfer_state(x);
	struct err err = res->err;
	int64_t size = 0;
	bool ok, skip;

	ok = res->ok && xfer_finish(x, &err) == 0 &&
	    xfer_commit(x, &size, &err) == 0;
	if (ok) {
		*st = IT_DONE;
		if (x->idx >= 0)
			x->t->segs[x->idx].size = size;
		d->done_bytes += size;
		return;
	}
	unlink(x->part);
	*st = IT_TODO;
	x->t->cursor = 0;
	xfer_failed(x, &err, &skip);
	if (skip) {
		*st = IT_SKIPPED;
		d->skipped++;
	}
}

static void
xfer_free(struct xfer *x)
{
	struct download *d = x->d;

	if (x->fd >= 0)
		close(x->fd);
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
xfer_done(void *arg, const struct fetch_result *res)
{
	struct xfer *x = arg;
	struct dseg *s = xfer_seg(x);

	x->h = NULL;
	if (s != NULL && s->pc != NULL)
		piece_done(x, res);
	else
		whole_done(x, res);
	feed_note(x->d, x->t, x->idx);	/* a merge alongside may go on */
	xfer_free(x);
}

/* The request for [x->start, x->end) of segment s (or all of it). */
static void
seg_request(struct xfer *x, const struct dseg *s, struct fetch_request *req)
{
	int64_t base = s->offset >= 0 ? s->offset : 0;
	int64_t pre = x->pre ? CRYPT_BLOCK : 0;

	req->url = s->uri;
	if (s->pc == NULL && x->start == 0) {	/* whole, as listed */
		req->offset = s->offset;
		req->length = s->length;
		return;
	}
	req->offset = base + x->start - pre;
	req->length = x->end - x->start + pre;
}

/* Opens the .part file (truncated for a whole one); -1 handled. */
static int
xfer_open(struct download *d, struct xfer *x, bool whole)
{
	struct err err;

	x->part = xasprintf("%s.part", x->final);
	x->fd = open(x->part, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    (whole ? O_TRUNC : 0), 0644);
	if (x->fd >= 0)
		return 0;
	err_errno(&err, "Cannot create %s", x->part);
	if (err.kind == ERR_NOSPACE) {
		if (!d->nospace)
			log_warnx("no space left on device creating %s: "
			    "paused", x->part);
		d->nospace = true;	/* paused, not failed */
	} else
		download_fail(d, &err);
	return -1;
}

struct xfer *
seg_xfer_start(struct download *d, struct track *t, long idx,
    int64_t start, int64_t end)
{
	struct xfer *x = xcalloc(1, sizeof(*x));
	struct fetch_request req = { .headers = (const char *const *)
	    d->headers };
	struct fetch_sink sink = { xfer_data, xfer_reset, xfer_done, x };
	struct err err;
	bool whole;

	x->d = d;
	x->t = t;
	x->idx = idx;
	x->fd = -1;
	x->start = x->pos = x->wpos = start;
	x->end = end;
	if (idx >= 0) {
		const struct dseg *s = &t->segs[idx];

		whole = s->pc == NULL;
		x->final = workdir_seg_path(d, t->kind, (size_t)idx);
		x->pre = s->key >= 0 && start > 0;
		seg_request(x, s, &req);
		/* Without its decryptor the segment would land as cipher
		 * text under a plain name: fail the download instead. */
		if (s->key >= 0 && !x->pre && xfer_cipher(x, s->iv, &err) < 0) {
			download_fail(d, &err);
			goto fail;
		}
	} else {
		const struct dmap *m = &t->maps[-idx - 1];

		whole = true;
		x->final = workdir_init_path(d, t->kind, (size_t)(-idx - 1));
		req.url = m->uri;
		req.offset = m->offset;
		req.length = m->length;
	}
	if (xfer_open(d, x, whole) < 0)
		goto fail;
	if (whole)
		*xfer_state(x) = IT_RUNNING;
	x->next = d->xfers;
	if (d->xfers != NULL)
		d->xfers->prev = x;
	d->xfers = x;
	d->inflight++;
	x->h = fetcher_add(d->f, &req, &sink);
	return x;
fail:
	crypt_free(x->cr);
	free(x->part);
	free(x->final);
	free(x);
	return NULL;
}

/* Starts a segment: whole, or the pieces it still lacks. */
static void
xfer_start(struct download *d, struct track *t, long idx)
{
	struct dseg *s = &t->segs[idx];
	struct xfer *x;
	size_t i;

	if (s->pc == NULL) {
		seg_xfer_start(d, t, idx, 0, s->offset >= 0 ? s->length : -1);
		return;
	}
	for (i = 0; i < s->pc->n && d->inflight < d->concurrency; i++) {
		struct dpiece *p = &s->pc->v[i];

		if (p->done || p->x != NULL)
			continue;
		if ((x = seg_xfer_start(d, t, idx, p->start, p->end)) == NULL)
			return;
		s->pc->v[i].x = x;
	}
	s->state = pieces_any_todo(s->pc) ? IT_TODO : IT_RUNNING;
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
			seg_xfer_start(d, t, -(long)i - 1, 0, -1);
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
	tail_split(d);
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
