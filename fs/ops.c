/* ops - the FUSE operations of m3u8nas-fs (libfuse high-level API) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "ops.h"
#include "render.h"
#include "tree.h"
#include "xmalloc.h"

/*
 * Freshness: every live file is rendered from the store at open() into
 * the open file's own buffer and read with direct_io, so the page cache
 * never serves stale progress; getattr renders it too, so that st_size is
 * the length of the current text (Samba, `tail` and Python size their
 * reads by it). A getattr on an open file (lseek SEEK_END, which `tail`
 * uses) reports that open's own buffer, so a reader sees one consistent
 * snapshot. Attribute and negative timeouts are 0 (see main.c).
 *
 * Following (`tail -f`, `tail -F`): inotify sees nothing on FUSE, so GNU
 * tail polls: an fstat a second, and a read from where it stopped when
 * st_size grew. So once a reader has read an open file to its end, an
 * fstat on it renders the file again and, if the text changed, appends
 * the new text to that open's buffer: the file grows by one snapshot per
 * change and a follower prints each new state. A reader that has not
 * reached the end (cat, Samba, Python: they fstat first) still sees one
 * snapshot. A follower's buffer keeps at most FOLLOW_MAX bytes behind
 * its end: older ones (already read) are dropped and read as nothing.
 */
#define FOLLOW_MAX	(64 * 1024)

struct handle {
	struct handle *prev, *next;	/* fs_ctx's list of open files */
	char *buf;		/* rendered text; NULL for the video */
	size_t base;		/* file offset of buf[0] (followers) */
	size_t len;		/* file length: base + bytes in buf */
	size_t last;		/* where the latest snapshot starts */
	bool eof;		/* the reader has read up to len */
	int fd;			/* the library file for the video, else -1 */
	bool ctl;
	struct tree_path path;	/* what to render again */
	char id[TREE_MAX_NAME + 1];
};

static struct fs_ctx *
ctx(void)
{
	return fuse_get_context()->private_data;
}

static struct handle *
handle_of(const struct fuse_file_info *fi)
{
	return fi != NULL ? (struct handle *)(uintptr_t)fi->fh : NULL;
}

static void
stat_dir(struct stat *sb, time_t t)
{
	sb->st_mode = S_IFDIR | 0555;
	sb->st_nlink = 2;
	sb->st_mtime = sb->st_ctime = sb->st_atime = t;
}

static void
stat_file(struct stat *sb, mode_t mode, size_t len, time_t t)
{
	sb->st_mode = S_IFREG | mode;
	sb->st_nlink = 1;
	sb->st_size = (off_t)len;
	sb->st_blocks = (blkcnt_t)((len + 511) / 512);
	sb->st_mtime = sb->st_ctime = sb->st_atime = t;
}

static void
stat_link(struct stat *sb, size_t len, time_t t)
{
	sb->st_mode = S_IFLNK | 0777;
	sb->st_nlink = 1;
	sb->st_size = (off_t)len;
	sb->st_mtime = sb->st_ctime = sb->st_atime = t;
}

/* The text a by-status or by-name link points at. */
static char *
link_target(enum tree_kind kind, const char *id)
{
	return xasprintf("%s../jobs/%s", kind == TK_STATUSLINK ? "../" : "", id);
}

/* Fetches the job of p; 0, or -ENOENT / -EIO. */
static int
get_job(const char *id, struct job_row *row)
{
	int rc = source_get_job(ctx()->src, id, row);

	return rc == 1 ? 0 : rc == 0 ? -ENOENT : -EIO;
}

/* 1 when `name` is the finished video of row (vsb filled), else 0. */
static int
video_stat(const struct job_row *row, const char *name, struct stat *vsb)
{
	char *vn;
	int ok;

	if (row->status != JOB_COMPLETED)
		return 0;
	vn = render_video_name(row);
	ok = vn != NULL && strcmp(vn, name) == 0 &&
	    lstat(row->file_path, vsb) == 0 && S_ISREG(vsb->st_mode);
	free(vn);
	return ok;
}

/*
 * The text of now goes after h's buffer when its reader has read to the
 * end and the text changed (see above); ctx()->lock held.
 */
static void
follow_apply(struct handle *h, const char *text, size_t n)
{
	if (text == NULL || !h->eof || h->ctl || (h->len - h->last == n &&
	    memcmp(h->buf + (h->last - h->base), text, n) == 0))
		return;
	if (h->len - h->base + n > FOLLOW_MAX) {
		free(h->buf);		/* all read: keep the new one */
		h->buf = xmalloc(n + 1);
		h->base = h->len;
	} else
		h->buf = xrealloc(h->buf, h->len - h->base + n + 1);
	memcpy(h->buf + (h->len - h->base), text, n);
	h->last = h->len;
	h->len += n;
	h->eof = false;
}

/* The text of a live file now (row: the job's, NULL for /status). */
static char *
render_live(const struct tree_path *p, const struct job_row *row, size_t *n)
{
	struct fs_status st;

	if (row == NULL) {
		source_status(ctx()->src, &st);
		return render_status(&st, n);
	}
	return render_job_file(p->file, row, n);
}

/*
 * fstat on an open live file (the kernel passed its handle): the file's
 * length for that open, grown first if it follows. Returns it.
 */
static size_t
follow(struct handle *h, const struct job_row *row)
{
	char *text = NULL;
	size_t n = 0, len;

	if (!h->ctl)
		text = render_live(&h->path, row, &n);
	pthread_mutex_lock(&ctx()->lock);
	follow_apply(h, text, n);
	len = h->len;
	pthread_mutex_unlock(&ctx()->lock);
	free(text);
	return len;
}

static bool
same_file(const struct tree_path *a, const struct tree_path *b)
{
	return a->kind == b->kind && (a->kind == TK_STATUS ||
	    (a->file == b->file && strcmp(a->id, b->id) == 0));
}

/*
 * A getattr by path on a live file. The kernel sends fstat's getattr
 * without the handle, so `tail -f` would see the length of one fresh
 * snapshot, shorter than what it has read whenever the new line is
 * shorter ("file truncated", and it reads the old snapshot again). So
 * the opens of this file that follow it grow here, and the length is
 * the longest of them and the fresh text: never less than a follower has
 * read. A new reader gets its own snapshot and stops at its end.
 */
static size_t
follow_path(const struct tree_path *p, const struct job_row *row)
{
	struct handle *h;
	char *text;
	size_t n, len;

	text = render_live(p, row, &n);
	len = text != NULL ? n : 0;
	pthread_mutex_lock(&ctx()->lock);
	for (h = ctx()->open; h != NULL; h = h->next) {
		if (h->buf == NULL || h->ctl || !same_file(&h->path, p))
			continue;
		follow_apply(h, text, n);
		if (h->len > len)
			len = h->len;
	}
	pthread_mutex_unlock(&ctx()->lock);
	free(text);
	return len;
}

static int
getattr_job(const struct tree_path *p, struct stat *sb, struct handle *h)
{
	struct job_row row;
	struct stat vsb;
	char *text;
	size_t len;
	int rc;

	if ((rc = get_job(p->id, &row)) < 0)
		return rc;
	switch (p->kind) {
	case TK_JOB:
		stat_dir(sb, (time_t)row.created_at);
		break;
	case TK_JOBFILE:
		if (h != NULL && h->buf != NULL)
			len = follow(h, &row);
		else if (p->file == FS_CTL) {
			text = render_job_file(p->file, &row, &len);
			free(text);
		} else
			len = follow_path(p, &row);
		stat_file(sb, p->file == FS_CTL ? 0600 : 0444, len,
		    (time_t)row.updated_at);
		break;
	case TK_JOBOTHER:
		if (!video_stat(&row, p->name, &vsb)) {
			rc = -ENOENT;
			break;
		}
		stat_file(sb, 0444, (size_t)vsb.st_size, vsb.st_mtime);
		break;
	default:		/* TK_STATUSLINK */
		if (row.status != p->status) {
			rc = -ENOENT;
			break;
		}
		text = link_target(p->kind, p->id);
		stat_link(sb, strlen(text), (time_t)row.updated_at);
		free(text);
		break;
	}
	job_row_free(&row);
	return rc;
}

static int
fs_getattr(const char *path, struct stat *sb, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	struct tree_path p;
	char *text, *id;
	size_t len;

	memset(sb, 0, sizeof(*sb));
	sb->st_uid = ctx()->uid;
	sb->st_gid = ctx()->gid;
	if (tree_parse(path, &p) == -1)
		return -ENOENT;
	switch (p.kind) {
	case TK_ROOT: case TK_JOBS: case TK_BYSTATUS: case TK_STATUSDIR:
	case TK_BYNAME:
		stat_dir(sb, ctx()->mounted);
		return 0;
	case TK_STATUS:
		if (h != NULL && h->buf != NULL)
			len = follow(h, NULL);
		else
			len = follow_path(&p, NULL);
		stat_file(sb, 0444, len, time(NULL));
		return 0;
	case TK_NAMELINK:
		if (!source_find_name(ctx()->src, p.name, &id))
			return -ENOENT;
		text = link_target(p.kind, id);
		stat_link(sb, strlen(text), ctx()->mounted);
		free(text);
		free(id);
		return 0;
	default:
		return getattr_job(&p, sb, h);
	}
}

static int
fs_readlink(const char *path, char *buf, size_t size)
{
	struct tree_path p;
	struct stat sb;
	char *text, *id = NULL;
	int rc;

	if (tree_parse(path, &p) == -1)
		return -ENOENT;
	if (p.kind == TK_STATUSLINK) {
		memset(&sb, 0, sizeof(sb));
		if ((rc = getattr_job(&p, &sb, NULL)) < 0)
			return rc;
		text = link_target(p.kind, p.id);
	} else if (p.kind == TK_NAMELINK) {
		if (!source_find_name(ctx()->src, p.name, &id))
			return -ENOENT;
		text = link_target(p.kind, id);
		free(id);
	} else
		return -EINVAL;
	snprintf(buf, size, "%s", text);
	free(text);
	return 0;
}

/* Directory listings: every entry carries its type, so `ls` needs no stat. */
struct fill {
	void *buf;
	fuse_fill_dir_t filler;
	mode_t mode;
};

static int
fill_one(const char *name, void *arg)
{
	struct fill *f = arg;
	struct stat sb;

	memset(&sb, 0, sizeof(sb));
	sb.st_mode = f->mode;
	return f->filler(f->buf, name, &sb, 0, 0);
}

static int
readdir_job(const struct tree_path *p, struct fill *f)
{
	struct job_row row;
	struct stat vsb;
	char *vn;
	int rc, i;

	if ((rc = get_job(p->id, &row)) < 0)
		return rc;
	f->mode = S_IFREG;
	for (i = 0; i < FS_NFILES; i++)
		fill_one(render_file_name(i), f);
	if ((vn = render_video_name(&row)) != NULL &&
	    video_stat(&row, vn, &vsb))
		fill_one(vn, f);
	free(vn);
	job_row_free(&row);
	return 0;
}

static int
fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	static const char *const top[] = { "jobs", "by-status", "by-name" };
	struct fill f = { buf, filler, S_IFDIR };
	struct tree_path p;
	size_t i;

	if (tree_parse(path, &p) == -1)
		return -ENOENT;
	fill_one(".", &f);
	fill_one("..", &f);
	switch (p.kind) {
	case TK_ROOT:
		for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
			fill_one(top[i], &f);
		f.mode = S_IFREG;
		fill_one("status", &f);
		return 0;
	case TK_JOBS:
		return source_list_ids(ctx()->src, STORE_ANY_STATUS, fill_one,
		    &f) == -1 ?
		    -EIO : 0;
	case TK_JOB:
		return readdir_job(&p, &f);
	case TK_BYSTATUS:
		for (i = 0; i < JOB_NSTATUS; i++)
			fill_one(job_status_name((enum job_status)i), &f);
		return 0;
	case TK_STATUSDIR:
		f.mode = S_IFLNK;
		return source_list_ids(ctx()->src, p.status, fill_one, &f) ==
		    -1 ? -EIO : 0;
	case TK_BYNAME:
		f.mode = S_IFLNK;
		return source_list_names(ctx()->src, fill_one, &f) == -1 ?
		    -EIO : 0;
	default:
		return -ENOTDIR;
	}
}

static bool
wants_write(const struct fuse_file_info *fi)
{
	return (fi->flags & O_ACCMODE) != O_RDONLY;
}

/* Opens a job's file: a snapshot of its text, the ctl, or the video. */
static int
open_job(const struct tree_path *p, struct fuse_file_info *fi,
    struct handle *h)
{
	struct job_row row;
	struct stat vsb;
	int rc;

	if ((rc = get_job(p->id, &row)) < 0)
		return rc;
	if (p->kind == TK_JOBFILE && p->file == FS_CTL) {
		h->ctl = true;
		snprintf(h->id, sizeof(h->id), "%s", p->id);
		h->buf = xstrdup("");
	} else if (wants_write(fi))
		rc = -EROFS;
	else if (p->kind == TK_JOBFILE)
		h->buf = render_job_file(p->file, &row, &h->len);
	else if (!video_stat(&row, p->name, &vsb))
		rc = -ENOENT;
	else if ((h->fd = open(row.file_path, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1)
		rc = -errno;
	else if (fstat(h->fd, &vsb) == -1 || !S_ISREG(vsb.st_mode))
		rc = -EACCES;	/* swapped for a non-file since lstat */
	job_row_free(&row);
	return rc;
}

static int
fs_open(const char *path, struct fuse_file_info *fi)
{
	struct handle *h;
	struct tree_path p;
	struct fs_status st;
	int rc = 0;

	if (tree_parse(path, &p) == -1)
		return -ENOENT;
	h = xcalloc(1, sizeof(*h));
	h->fd = -1;
	h->path = p;
	switch (p.kind) {
	case TK_STATUS:
		if (wants_write(fi)) {
			rc = -EROFS;
			break;
		}
		source_status(ctx()->src, &st);
		h->buf = render_status(&st, &h->len);
		break;
	case TK_JOBFILE: case TK_JOBOTHER:
		rc = open_job(&p, fi, h);
		break;
	default:
		rc = -EISDIR;
		break;
	}
	if (rc < 0) {
		if (h->fd != -1)
			close(h->fd);
		free(h->buf);
		free(h);
		return rc;
	}
	pthread_mutex_lock(&ctx()->lock);
	h->next = ctx()->open;
	if (h->next != NULL)
		h->next->prev = h;
	ctx()->open = h;
	pthread_mutex_unlock(&ctx()->lock);
	/* Live text bypasses the page cache; the finished video may use it. */
	fi->direct_io = h->buf != NULL;
	fi->keep_cache = 0;
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

static int
fs_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	ssize_t n;

	if (h->fd != -1) {
		n = pread(h->fd, buf, size, off);
		return n == -1 ? -errno : (int)n;
	}
	pthread_mutex_lock(&ctx()->lock);
	if (off < 0 || (size_t)off >= h->len || (size_t)off < h->base) {
		h->eof = h->eof || (off >= 0 && (size_t)off >= h->len);
		size = 0;
	} else {
		if (size > h->len - (size_t)off)
			size = h->len - (size_t)off;
		memcpy(buf, h->buf + (off - (off_t)h->base), size);
		if ((size_t)off + size == h->len)
			h->eof = true;
	}
	pthread_mutex_unlock(&ctx()->lock);
	return (int)size;
}

/* Each write(2) to ctl is one request; the word is checked first. */
static int
fs_write(const char *path, const char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	struct err err;
	int w;

	if (h == NULL || !h->ctl)
		return -EROFS;
	/* A word the spooler does not carry out yet is refused here, where
	 * the person who wrote it hears about it. */
	if ((w = control_word_parse(buf, size)) < 0 ||
	    !control_word_supported(w) || !control_word_in_tree(w))
		return -EINVAL;
	if (control_request(ctx()->control_dir, h->id, w, &err) == -1) {
		w = errno;
		log_warnx("%s", err.msg);
		return -w;
	}
	log_info("job %s: %s requested", h->id, control_word_name(w));
	return (int)size;
}

static void
handle_free(struct handle *h)
{
	if (h->fd != -1)
		close(h->fd);
	free(h->buf);
	free(h);
}

static int
fs_release(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);

	pthread_mutex_lock(&ctx()->lock);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		ctx()->open = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&ctx()->lock);
	handle_free(h);
	return 0;
}

void
ops_free_handles(struct fs_ctx *c)
{
	struct handle *h;

	while ((h = c->open) != NULL) {
		c->open = h->next;
		handle_free(h);
	}
}

/* `echo cancel > ctl` truncates first: fine for ctl, refused elsewhere. */
static bool
is_ctl(const char *path)
{
	struct tree_path p;

	return tree_parse(path, &p) == 0 && p.kind == TK_JOBFILE &&
	    p.file == FS_CTL;
}

static int
fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	return is_ctl(path) ? 0 : -EROFS;
}

static int
fs_utimens(const char *path, const struct timespec tv[2],
    struct fuse_file_info *fi)
{
	return is_ctl(path) ? 0 : -EROFS;
}

static int
fs_statfs(const char *path, struct statvfs *sv)
{
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = sv->f_frsize = 4096;
	sv->f_namemax = TREE_MAX_NAME;
	return 0;
}

/* Everything that would change the tree: the tree is read-only. */
static int
rofs_mode(const char *path, mode_t mode)
{
	return -EROFS;
}

static int
rofs_path(const char *path)
{
	return -EROFS;
}

static int
rofs_two(const char *from, const char *to)
{
	return -EROFS;
}

static int
rofs_rename(const char *from, const char *to, unsigned int flags)
{
	return -EROFS;
}

static int
rofs_mknod(const char *path, mode_t mode, dev_t dev)
{
	return -EROFS;
}

static int
rofs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return -EROFS;
}

static int
rofs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	return -EROFS;
}

static int
rofs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return -EROFS;
}

static void *
fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* The tree's own paths answer; the kernel's inode numbers do. */
	cfg->use_ino = 0;
	cfg->kernel_cache = 0;
	cfg->direct_io = 0;	/* per open: live files only */
	return fuse_get_context()->private_data;
}

const struct fuse_operations fs_ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.readdir = fs_readdir,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.release = fs_release,
	.truncate = fs_truncate,
	.utimens = fs_utimens,
	.statfs = fs_statfs,
	.mknod = rofs_mknod,
	.mkdir = rofs_mode,
	.unlink = rofs_path,
	.rmdir = rofs_path,
	.symlink = rofs_two,
	.link = rofs_two,
	.rename = rofs_rename,
	.chmod = rofs_chmod,
	.chown = rofs_chown,
	.create = rofs_create,
};
