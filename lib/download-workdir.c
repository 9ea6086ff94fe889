/* download-workdir - the work directory's files, written and read back */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "download-int.h"
#include "file.h"
#include "log.h"
#include "url.h"
#include "xmalloc.h"

/*
 * A VOD download keeps in its work directory: source.url (the URL asked
 * for, written last: the commit mark), info (chosen variant's size and
 * stream kinds), media-v.m3u8 + media-v.url (and -a for a separate audio
 * rendition), key-N.bin, and every finished seg-K-NNNNNN / init-K-N.mp4.
 * A new download on the same directory and URL reloads the playlists from
 * there and fetches only what is missing; .part files are removed.
 *
 * A segment fetched in byte pieces (tail splitting, download-tail.c) has,
 * next to its seg-K-NNNNNN.part, a seg-K-NNNNNN.part.pieces once a piece
 * is done (rewritten whole with file_write_atomic after each one, no
 * fsync: the .part's bytes are written before, so after kill -9 the list
 * never claims a byte the .part lacks):
 *
 *     m3u8nas-pieces 1
 *     len L             the segment's body bytes (cipher text for AES)
 *     done A B          [A, B) is in the .part, at offset A; sorted
 *
 * A resume keeps such a .part and fetches only the rest, as Range
 * requests. The final name is given only when every piece is done (so a
 * seg-K-NNNNNN is always whole), then the .pieces file is removed; one
 * left over beside a finished segment, or without its .part, is stale
 * and removed with the .part files.
 *
 * A fresh link of the same stream (only the query differs: a CDN's new
 * token; or any URL with fresh_link) cannot use the saved playlists: their
 * segment URLs carry the old token. The playlists are fetched anew from
 * the new link and compared with the saved ones, segment by segment, by
 * path (queries set aside); when they match, every finished file is
 * kept and only the rest is fetched, with the new URLs.
 */

/* --- names ------------------------------------------------------------- */

/* The path of a file in the workdir, its name given printf-style. */
static char *
workdir_path(const struct download *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *
workdir_path(const struct download *d, const char *fmt, ...)
{
	char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return xasprintf("%s/%s", d->workdir, name);
}

char *
workdir_seg_path(const struct download *d, char kind, size_t idx)
{
	return workdir_path(d, "seg-%c-%06zu", kind, idx);
}

char *
workdir_pieces_path(const struct download *d, char kind, size_t idx)
{
	return workdir_path(d, "seg-%c-%06zu.part.pieces", kind, idx);
}

char *
workdir_init_path(const struct download *d, char kind, size_t map)
{
	return workdir_path(d, "init-%c-%zu.mp4", kind, map);
}

/* A finished segment's name: "seg-" and not a ".part" in progress. */
static bool
is_seg_name(const char *name)
{
	return strncmp(name, "seg-", 4) == 0 && strstr(name, ".part") == NULL;
}

/* A segment's done pieces (seg-K-NNNNNN.part.pieces): progress too. */
static bool
is_pieces_name(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, "seg-", 4) == 0 && n > 12 &&
	    strcmp(name + n - 12, ".part.pieces") == 0;
}

bool
download_workdir_has_segments(const char *workdir)
{
	DIR *dir = opendir(workdir);
	struct dirent *de;
	bool yes = false;

	while (dir != NULL && !yes && (de = readdir(dir)) != NULL)
		yes = is_seg_name(de->d_name) || is_pieces_name(de->d_name);
	if (dir != NULL)
		closedir(dir);
	return yes;
}

/* --- writing ------------------------------------------------------------ */

/*
 * FILE_SYNC: source.url is the commit mark of what was written before it
 * (a key, a media playlist), so each of them is on disk before the next.
 * 0, or -1 with a warning.
 */
static int
write_now(struct download *d, const char *name, const void *data,
    size_t len)
{
	char *path = workdir_path(d, "%s", name);
	struct err err;
	int rc;

	rc = file_write_atomic(AT_FDCWD, path, data, len, 0644, FILE_SYNC,
	    &err);
	if (rc == -1)
		log_warnx("%s", err.msg);
	free(path);
	return rc;
}

/*
 * Until the first segment requests are on the wire, the resume files wait
 * in memory (in order, source.url last) and workdir_flush writes them: a
 * dozen fsyncs on a NAS's disk must not delay the first request. A kill
 * before the flush loses only the commit mark, so a new run starts over.
 */
struct pending_file {
	char *name;
	void *data;
	size_t len;
	struct pending_file *next;
};

static void
write_file(struct download *d, const char *name, const void *data,
    size_t len)
{
	struct pending_file *p;

	if (d->flushed) {
		write_now(d, name, data, len);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(name);
	p->data = xmalloc(len + 1);
	memcpy(p->data, data, len);
	p->len = len;
	*(d->pending_tail != NULL ? d->pending_tail : &d->pending) = p;
	d->pending_tail = &p->next;
}

/* Empties the list, writing each file first when `write`. */
static void
pending_drain(struct download *d, bool write)
{
	struct pending_file *p;

	while ((p = d->pending) != NULL) {
		d->pending = p->next;
		if (write)
			write_now(d, p->name, p->data, p->len);
		free(p->name);
		free(p->data);
		free(p);
	}
	d->pending_tail = NULL;
}

void
workdir_flush(struct download *d)
{
	d->flushed = true;
	pending_drain(d, true);
}

void
workdir_pending_free(struct download *d)
{
	pending_drain(d, false);
}

void
workdir_save_track(struct download *d, char kind, const char *text,
    size_t len, const char *url)
{
	char name[32];

	snprintf(name, sizeof(name), "media-%c.m3u8", kind);
	write_file(d, name, text, len);
	snprintf(name, sizeof(name), "media-%c.url", kind);
	write_file(d, name, url, strlen(url));
}

void
workdir_save_key(struct download *d, size_t idx, const unsigned char *key)
{
	char name[32];

	snprintf(name, sizeof(name), "key-%zu.bin", idx);
	write_file(d, name, key, CRYPT_KEY_LEN);
}

/* A label as one tab-free field; "-" for none. */
static void
put_field(char **buf, size_t *len, size_t *cap, const char *s)
{
	const char *v = s != NULL && s[0] != '\0' ? s : "-";
	size_t n = strnlen(v, 200), i;

	*buf = xgrow(*buf, cap, *len + n + 2, 1);
	for (i = 0; i < n; i++)
		(*buf)[(*len)++] = (unsigned char)v[i] < 0x20 ? ' ' : v[i];
	(*buf)[(*len)++] = '\t';
}

/*
 * "tracks": the choice line, then one line per track after the main one:
 * letter, labelled, default, forced, language, name, characteristics.
 * Only a download with a choice other than default/none has it, so a
 * plain download's work directory is what it always was.
 */
void
workdir_save_tracks(struct download *d)
{
	char *buf = NULL, *line, flags[16];
	size_t len = 0, cap = 0;
	int i;

	if (d->audio == NULL && d->subtitles == NULL)
		return;
	line = plan_choice_line(d);
	put_field(&buf, &len, &cap, line);
	buf[len - 1] = '\n';
	free(line);
	for (i = 1; i < d->ntracks; i++) {
		const struct track *t = &d->tracks[i];

		snprintf(flags, sizeof(flags), "%c\t%d\t%d\t%d", t->kind,
		    t->labelled, t->is_default, t->forced);
		put_field(&buf, &len, &cap, flags);
		put_field(&buf, &len, &cap, t->language);
		put_field(&buf, &len, &cap, t->name);
		put_field(&buf, &len, &cap, t->characteristics);
		buf[len - 1] = '\n';
	}
	write_file(d, "tracks", buf, len);
	free(buf);
}

void
workdir_save_info(struct download *d)
{
	char info[128];

	workdir_save_tracks(d);
	snprintf(info, sizeof(info), "%d %d %d %d\n", d->width, d->height,
	    d->want_video, d->want_audio);
	write_file(d, "info", info, strlen(info));
	write_file(d, "source.url", d->url, strlen(d->url));
}

#define PIECES_MAGIC "m3u8nas-pieces 1\n"

void
workdir_save_pieces(struct download *d, const struct track *t, size_t idx)
{
	const struct dpieces *pc = t->segs[idx].pc;
	char *path = workdir_pieces_path(d, t->kind, idx), *buf = NULL;
	size_t len = 0, cap = 0, i;
	struct err err;

	buf = xgrow(buf, &cap, 64, 1);
	len = (size_t)snprintf(buf, cap, PIECES_MAGIC "len %" PRId64 "\n",
	    pc->len);
	for (i = 0; i < pc->n; i++) {
		if (!pc->v[i].done)
			continue;
		buf = xgrow(buf, &cap, len + 64, 1);
		len += (size_t)snprintf(buf + len, cap - len, "done %" PRId64
		    " %" PRId64 "\n", pc->v[i].start, pc->v[i].end);
	}
	/* No FILE_SYNC: kill -9 loses nothing written; a power cut only
	 * costs the pieces (the segments themselves are not synced). */
	if (file_write_atomic(AT_FDCWD, path, buf, len, 0644, 0, &err) < 0)
		log_warnx("%s", err.msg);
	free(buf);
	free(path);
}

/* --- reading ------------------------------------------------------------ */

/* The whole of a small workdir file, or NULL. */
static char *
read_file(struct download *d, const char *name, size_t max, size_t *lenp)
{
	char *path = workdir_path(d, "%s", name), *buf = NULL;
	size_t len;

	if (file_read_bounded(AT_FDCWD, path, max, &buf, &len, NULL) == 0 &&
	    lenp != NULL)
		*lenp = len;
	free(path);
	return buf;
}

/* name (a .part or .part.pieces) belongs to a segment resumed in pieces */
static bool
kept_part(const struct download *d, const char *name)
{
	char base[64], *p;
	size_t i, n;
	int k;

	for (k = 0; k < d->ntracks; k++)
		for (i = 0; i < d->tracks[k].nsegs; i++) {
			if (d->tracks[k].segs[i].pc == NULL)
				continue;
			snprintf(base, sizeof(base), "seg-%c-%06zu.part",
			    d->tracks[k].kind, i);
			n = strlen(base);
			p = strncmp(name, base, n) == 0 ? (char *)name + n :
			    NULL;
			if (p != NULL && (*p == '\0' ||
			    strcmp(p, ".pieces") == 0))
				return true;
		}
	return false;
}

static bool
ours(const char *name, bool parts_only)
{
	static const char *const prefixes[] = { "seg-", "init-", "key-",
	    "media-", "source.url", "info", "tracks", NULL };
	size_t n = strlen(name);
	int i;

	if (parts_only)
		return (n > 5 && strcmp(name + n - 5, ".part") == 0) ||
		    is_pieces_name(name);
	for (i = 0; prefixes[i] != NULL; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Removes our files (or only the .part ones) from the workdir. */
static void
clean_workdir(struct download *d, bool parts_only)
{
	DIR *dir = opendir(d->workdir);
	struct dirent *de;
	struct stat st;

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (!ours(de->d_name, parts_only) ||
		    (parts_only && kept_part(d, de->d_name)))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			unlinkat(dirfd(dir), de->d_name, 0);
	}
	closedir(dir);
}

/* --- resume ------------------------------------------------------------- */

/* The pieces a .part.pieces lists done, the gaps between them to fetch;
 * NULL when there is no such file or it does not parse. */
static struct dpieces *
load_pieces(struct download *d, char kind, size_t idx)
{
	char *path = workdir_pieces_path(d, kind, idx), *text = NULL, *line;
	char *save = NULL;
	struct dpieces *pc = NULL;
	int64_t len, a, b, at = 0;
	size_t tlen;
	int n;

	if (file_read_bounded(AT_FDCWD, path, 1 << 20, &text, &tlen,
	    NULL) != 0 || strncmp(text, PIECES_MAGIC,
	    strlen(PIECES_MAGIC)) != 0)
		goto out;
	line = strtok_r(text + strlen(PIECES_MAGIC), "\n", &save);
	n = 0;
	if (line == NULL || sscanf(line, "len %" SCNd64 "%n", &len, &n) != 1 ||
	    line[n] != '\0' || len <= 0)
		goto out;
	pc = pieces_new(len);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		n = 0;
		if (sscanf(line, "done %" SCNd64 " %" SCNd64 "%n", &a, &b,
		    &n) != 2 || line[n] != '\0' || a < at || b <= a ||
		    b > len) {
			pieces_free(pc);
			pc = NULL;
			goto out;
		}
		if (a > at)
			pieces_insert(pc, pc->n, at, a, false);
		pieces_insert(pc, pc->n, a, b, true);
		at = b;
	}
	if (at < len)
		pieces_insert(pc, pc->n, at, len, false);
out:
	free(text);
	free(path);
	return pc;
}

/* A segment with no final file: its pieces, if a .part has some. */
static void
resume_pieces(struct download *d, struct track *t, size_t i)
{
	char *part = workdir_seg_path(d, t->kind, i), *tmp;
	struct stat st;

	tmp = xasprintf("%s.part", part);
	free(part);
	if (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode)) {
		t->segs[i].pc = load_pieces(d, t->kind, i);
		if (t->segs[i].pc != NULL && (pieces_all_done(t->segs[i].pc) ||
		    (t->segs[i].offset >= 0 &&
		    t->segs[i].pc->len != t->segs[i].length))) {
			/* whole but not renamed, or of another byte range:
			 * fetched whole again */
			pieces_free(t->segs[i].pc);
			t->segs[i].pc = NULL;
		}
	}
	free(tmp);
}


static void
mark_done_files(struct download *d)
{
	struct stat st;
	char *path;
	size_t i, j;
	int k;

	for (k = 0; k < d->ntracks; k++) {
		struct track *t = &d->tracks[k];

		for (i = 0; i < t->nsegs; i++) {
			/* The playlist in hand says what is a gap now: a
			 * file kept from a run before is not taken. */
			if (t->segs[i].gap)
				continue;
			path = workdir_seg_path(d, t->kind, i);
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				t->segs[i].state = IT_DONE;
				t->segs[i].size = st.st_size;
				d->done_bytes += st.st_size;
			} else
				resume_pieces(d, t, i);
			free(path);
		}
		for (j = 0; j < t->nmaps; j++) {
			path = workdir_init_path(d, t->kind, j);
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
				t->maps[j].state = IT_DONE;
			free(path);
		}
	}
	for (i = 0; i < d->nkeys; i++) {
		char name[32], *key;
		size_t len = 0;

		snprintf(name, sizeof(name), "key-%zu.bin", i);
		key = read_file(d, name, CRYPT_KEY_LEN, &len);
		if (key != NULL && len == CRYPT_KEY_LEN) {
			memcpy(d->keys[i].key, key, CRYPT_KEY_LEN);
			d->keys[i].state = IT_DONE;
		}
		free(key);
	}
}

static char *
get_field(char **p)
{
	char *f = strsep(p, "\t");

	return f == NULL || strcmp(f, "-") == 0 ? NULL : xstrdup(f);
}

/*
 * The track letters of a previous run into kinds (NUL-ended) and their
 * labels into d->tracks; false when its choice is not this one's.
 */
static bool
resume_labels(struct download *d, char *kinds, size_t max)
{
	char *text = read_file(d, "tracks", 64 << 10, NULL), *line, *p, *want;
	char *save = NULL;
	size_t n = 0;
	bool ok;

	kinds[0] = 'v';
	if (text == NULL) {	/* a plain download: v and maybe a */
		kinds[1] = 'a';
		kinds[2] = '\0';
		return d->audio == NULL && d->subtitles == NULL;
	}
	want = plan_choice_line(d);
	line = strtok_r(text, "\n", &save);
	ok = line != NULL && strcmp(line, want) == 0;
	free(want);
	for (n = 1; ok && n + 1 < max &&
	    (line = strtok_r(NULL, "\n", &save)) != NULL; n++) {
		struct track *t = &d->tracks[n];
		int lab = 0, def = 0, forced = 0;
		char kind = 0;

		p = line;
		if (sscanf(p, "%c\t%d\t%d\t%d", &kind, &lab, &def, &forced) != 4 ||
		    strchr("abcdefghmnopqrst", kind) == NULL) {
			ok = false;
			break;
		}
		kinds[n] = kind;
		strsep(&p, "\t");
		strsep(&p, "\t");
		strsep(&p, "\t");
		strsep(&p, "\t");
		t->labelled = lab != 0;
		t->is_default = def != 0;
		t->forced = forced != 0;
		t->language = get_field(&p);
		t->name = get_field(&p);
		t->characteristics = get_field(&p);
	}
	kinds[n] = '\0';
	free(text);
	return ok;
}

/* Loads a previous run's playlists; false if there is nothing to resume. */
static bool
resume_tracks(struct download *d)
{
	char name[32], *text, *url, *info, kinds[DL_MAX_TRACKS + 2];
	size_t len;
	struct err err;
	int i;
	bool ok = true;

	info = read_file(d, "info", 128, NULL);
	if (info == NULL || sscanf(info, "%d %d %d %d", &d->width, &d->height,
	    &d->want_video, &d->want_audio) != 4)
		ok = false;
	free(info);
	if (ok)
		ok = resume_labels(d, kinds, sizeof(kinds));
	for (i = 0; ok && kinds[i] != '\0'; i++) {
		char kind = kinds[i];

		snprintf(name, sizeof(name), "media-%c.url", kind);
		url = read_file(d, name, 64 << 10, NULL);
		snprintf(name, sizeof(name), "media-%c.m3u8", kind);
		text = read_file(d, name, 64 << 20, &len);
		if (url != NULL && text != NULL) {
			plan_set_track(d, i, kind, url);
			ok = plan_load_track(d, &d->tracks[i], text, len, url,
			    false, &err) == 0 && d->tracks[i].endlist;
		} else if (i == 0 || kind != 'a' || d->audio != NULL ||
		    d->subtitles != NULL) {
			ok = false;	/* only a plain download may lack 'a' */
		}
		free(url);
		free(text);
	}
	return ok;
}

/* The path of a segment URL (no scheme, host, query), newly allocated. */
static char *
seg_path(const char *uri)
{
	CURLU *u = curl_url();
	char *p = NULL, *res;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, uri,
	    CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK)
		curl_url_get(u, CURLUPART_PATH, &p, 0);
	res = xstrdup(p != NULL ? p : uri);
	curl_free(p);
	curl_url_cleanup(u);
	return res;
}

/* The kept run's segment paths, from its saved media playlists: false
 * when there is no finished VOD run to adopt. */
static bool
adopt_load(struct download *d)
{
	struct hls_playlist *pl;
	char name[32], *text, *url;
	size_t len, i, cap;
	int k;
	bool ok = true;

	for (k = 0; k < 2 && ok; k++) {
		char kind = k == 0 ? 'v' : 'a';

		snprintf(name, sizeof(name), "media-%c.url", kind);
		url = read_file(d, name, 64 << 10, NULL);
		snprintf(name, sizeof(name), "media-%c.m3u8", kind);
		text = read_file(d, name, 64 << 20, &len);
		pl = NULL;
		if (url != NULL && text != NULL) {
			ok = playlist_parse(text, len, url, &pl, NULL) == 0 &&
			    !pl->is_master && pl->endlist;
			d->adopt_had[k] = ok;
			cap = 0;
			for (i = 0; ok && i < pl->nsegments; i++) {
				d->adopt_paths[k] = xgrow(d->adopt_paths[k],
				    &cap, d->adopt_n[k],
				    sizeof(d->adopt_paths[k][0]));
				d->adopt_paths[k][d->adopt_n[k]++] =
				    seg_path(pl->segments[i].uri);
			}
		} else if (k == 0)
			ok = false;
		playlist_free(pl);
		free(url);
		free(text);
	}
	return ok && download_workdir_has_segments(d->workdir);
}

void
workdir_adopt_free(struct download *d)
{
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < d->adopt_n[k]; i++)
			free(d->adopt_paths[k][i]);
		free(d->adopt_paths[k]);
		d->adopt_paths[k] = NULL;
		d->adopt_n[k] = 0;
		d->adopt_had[k] = false;
	}
	d->adopt = false;
}

/* The fresh link lists other segments than the ones kept. */
static int
adopt_mismatch(struct download *d, const char *why)
{
	struct err err;

	workdir_adopt_free(d);
	if (d->fresh_link) {
		err_setk(&err, ERR_DENIED, "the fresh link is not the same "
		    "stream (%s)", why);
		download_fail(d, &err);
		return -1;
	}
	log_info("the link's playlist differs from the kept one (%s): "
	    "starting over in %s", why, d->workdir);
	clean_workdir(d, false);
	return -1;
}

int
workdir_adopt_track(struct download *d, struct track *t)
{
	int k = t->kind == 'a' ? 1 : 0;
	size_t i;
	char *p;
	bool same;

	if (!d->adopt_had[k])
		return adopt_mismatch(d, "a track the kept run did not have");
	if (t->nsegs != d->adopt_n[k])
		return adopt_mismatch(d, "another number of segments");
	for (i = 0; i < t->nsegs; i++) {
		p = seg_path(t->segs[i].uri);
		same = strcmp(p, d->adopt_paths[k][i]) == 0;
		free(p);
		if (!same)
			return adopt_mismatch(d, "other segments");
	}
	return 0;
}

void
workdir_adopt_done(struct download *d)
{
	int k;

	for (k = 0; k < 2; k++)
		if (d->adopt_had[k] && d->ntracks <= k) {
			adopt_mismatch(d, "a track missing");
			return;
		}
	workdir_adopt_free(d);
	mark_done_files(d);
	clean_workdir(d, true);
	log_debug("resuming in %s with a fresh link", d->workdir);
}

void
workdir_resume(struct download *d)
{
	char *src = read_file(d, "source.url", 64 << 10, NULL);
	bool same = src != NULL && strcmp(src, d->url) == 0;
	bool fresh = src != NULL && !same && (d->fresh_link ||
	    url_same_stream(src, d->url));

	free(src);
	if (fresh) {
		/* Fetched anew, compared, then adopted (workdir_adopt_*). */
		if (adopt_load(d)) {
			d->adopt = true;
			return;
		}
		workdir_adopt_free(d);
		if (d->fresh_link &&
		    download_workdir_has_segments(d->workdir)) {
			struct err err;

			/* Kept segments, no playlist to check the link by. */
			err_setk(&err, ERR_DENIED, "the fresh link cannot be "
			    "checked against the kept segments");
			download_fail(d, &err);
			return;
		}
		/* Nothing kept to compare with: start over. */
	}
	if (same && resume_tracks(d)) {
		mark_done_files(d);
		clean_workdir(d, true);
		d->phase = PH_SEGMENTS;
		d->state = DL_DOWNLOADING;
		log_debug("resuming in %s", d->workdir);
		return;
	}
	/* Nothing usable: start clean. */
	plan_free(d);
	d->width = d->height = 0;
	d->want_video = d->want_audio = -1;
	clean_workdir(d, false);
}

