/* httpd-media - files out: the page's static files and library videos (Range) */
#include "config.h"

#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "file.h"
#include "httpd.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The page (GET / and its files): read whole from http.web_dir, bounded
 * (HTTPD_WEB_FILE_MAX), never through a symbolic link, only names made of
 * [A-Za-z0-9._-] segments without a leading dot, with a strict
 * Content-Security-Policy: scripts and styles from this server only.
 *
 * A video (GET /api/jobs/{id}/video): authenticated like every API route;
 * the path is the store row's file_path, never the request's, and it must
 * lie under library_dir (its directory resolved with realpath) and be a
 * regular file opened with O_NOFOLLOW. One byte range (RFC 9110) is
 * served as 206, several or none as 200; ?download=1 asks for an
 * attachment. The body goes out HTTPD_STREAM_CHUNK at a time, the next
 * piece read once the previous one left, so memory stays flat whatever
 * the file's size and however slow the client.
 */
static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".json", "application/json" },
	{ ".txt", "text/plain; charset=utf-8" },
};

#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; media-src 'self'; connect-src 'self'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static const char *
type_of(const char *name)
{
	size_t i, n = strlen(name), e;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		e = strlen(types[i].ext);
		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

/* "a/b.js": segments of [A-Za-z0-9._-], none starting with '.'. */
static bool
web_name_ok(const char *p)
{
	bool start = true;
	int depth = 0;

	if (*p == '\0' || strlen(p) > 200)
		return false;
	for (; *p != '\0'; p++) {
		if (*p == '/') {
			if (start || ++depth > 3)
				return false;
			start = true;
			continue;
		}
		if (start && *p == '.')
			return false;
		start = false;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return false;
	}
	return !start;
}

void
route_web(struct httpd_req *r)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	const char *name = r->path[1] != '\0' ? r->path + 1 : "index.html";
	const char *type;
	struct err err;
	char *buf = NULL;
	size_t len;
	int dfd;

	if (!web_name_ok(name) || (type = type_of(name)) == NULL) {
		r->route = R_UNKNOWN;	/* counted as "other", like any 404 */
		httpd_reply_error(r, 404, "no such page: %s", r->path);
		return;
	}
	if ((dfd = open(r->h->conf.http.web_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		log_event(LOG_ERROR, "web", NULL, "cannot open web_dir %s: %s",
		    r->h->conf.http.web_dir, strerror(errno));
		httpd_reply_error(r, 404, "the page is not installed "
		    "(http.web_dir)");
		return;
	}
	if (file_read_bounded(dfd, name, HTTPD_WEB_FILE_MAX, &buf, &len,
	    &err) != 0) {
		close(dfd);
		r->route = R_UNKNOWN;
		httpd_reply_error(r, 404, "no such page: %s", r->path);
		return;
	}
	close(dfd);
	evhttp_add_header(out, "Content-Security-Policy", CSP);
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Cache-Control", "no-cache");
	httpd_reply_text(r, 200, type, buf, len);
	free(buf);
}

/* --- videos ------------------------------------------------------------ */

struct stream {
	struct httpd *h;
	struct httpd_req *r;
	struct evhttp_connection *conn;
	int fd;
	off_t pos, end;		/* bytes [pos, end) still to send */
	size_t sent;
	int code;
};

static void stream_close(struct evhttp_connection *conn, void *arg);

static void
stream_free(struct stream *s)
{
	s->h->nstreams--;
	close(s->fd);
	free(s);
}

/* The next piece, or the end of the reply. */
static void
stream_more(struct evhttp_connection *conn, void *arg)
{
	struct stream *s = arg;
	struct evbuffer *buf;
	size_t want;
	ssize_t n;

	(void)conn;
	if (s->pos >= s->end) {
		evhttp_connection_set_closecb(s->conn, NULL, NULL);
		evhttp_connection_set_timeout(s->conn,
		    s->r->h->conf.http.request_timeout_s);
		evhttp_send_reply_end(s->r->req);
		httpd_reply_done(s->r, s->code, s->sent);
		stream_free(s);
		return;
	}
	want = (size_t)(s->end - s->pos) < HTTPD_STREAM_CHUNK ?
	    (size_t)(s->end - s->pos) : HTTPD_STREAM_CHUNK;
	buf = evbuffer_new();
	if (evbuffer_expand(buf, want) != 0)
		fatalx("evbuffer_expand: out of memory");
	{
		struct evbuffer_iovec v;

		evbuffer_reserve_space(buf, want, &v, 1);
		n = pread(s->fd, v.iov_base, want, s->pos);
		v.iov_len = n > 0 ? (size_t)n : 0;
		evbuffer_commit_space(buf, &v, 1);
	}
	if (n <= 0) {
		/* the file shrank or failed under us: cut the connection */
		log_event(LOG_WARN, "video", s->r->id, "read failed at %lld: %s",
		    (long long)s->pos, n < 0 ? strerror(errno) : "end of file");
		evbuffer_free(buf);
		s->end = s->pos;
		evhttp_connection_set_closecb(s->conn, NULL, NULL);
		evhttp_connection_free_on_completion(s->conn);
		evhttp_send_reply_end(s->r->req);
		httpd_reply_done(s->r, s->code, s->sent);
		stream_free(s);
		return;
	}
	s->pos += n;
	s->sent += (size_t)n;
	evhttp_send_reply_chunk_with_cb(s->r->req, buf, stream_more, s);
	evbuffer_free(buf);
}

/*
 * The client left mid-stream. evhttp has detached the request (we still
 * own it: reply_end frees it) unless the whole server is going down, when
 * evhttp frees it itself.
 */
static void
stream_close(struct evhttp_connection *conn, void *arg)
{
	struct stream *s = arg;

	(void)conn;
	if (evhttp_request_get_connection(s->r->req) == NULL)
		evhttp_send_reply_end(s->r->req);
	httpd_reply_done(s->r, 499, s->sent);	/* nginx's "client left" */
	stream_free(s);
}

/*
 * "bytes=a-b", "bytes=a-", "bytes=-n" against size: 1 with [*start, *end)
 * set, 0 to serve it whole (no header, several ranges, not bytes), -1 if
 * unsatisfiable.
 */
static int
parse_range(const char *h, off_t size, off_t *start, off_t *end)
{
	long long a = -1, b = -1;
	const char *p;
	char *e;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return 0;
	p = h + 6;
	if (*p >= '0' && *p <= '9') {
		errno = 0;
		a = strtoll(p, &e, 10);
		if (errno != 0 || e == p)
			return 0;
		p = e;
	}
	if (*p++ != '-')
		return 0;
	if (*p >= '0' && *p <= '9') {
		errno = 0;
		b = strtoll(p, &e, 10);
		if (errno != 0)
			return 0;
		p = e;
	}
	if (*p != '\0' || (a < 0 && b < 0))
		return 0;
	if (a < 0) {			/* the last b bytes */
		if (b == 0 || size == 0)
			return -1;
		*start = b >= size ? 0 : size - b;
		*end = size;
		return 1;
	}
	if (a >= size || (b >= 0 && b < a))
		return -1;
	*start = a;
	*end = b < 0 || b >= size ? size : b + 1;
	return 1;
}

/* Is `path` a file in library_dir (or below), its directory resolved? */
static bool
in_library(const char *library, const char *path)
{
	char lib[PATH_MAX], dir[PATH_MAX], *slash, *copy;
	size_t n;
	bool ok = false;

	if (path == NULL || path[0] != '/' || realpath(library, lib) == NULL)
		return false;
	copy = xstrdup(path);
	if ((slash = strrchr(copy, '/')) != NULL && slash[1] != '\0' &&
	    strcmp(slash + 1, "..") != 0 && strcmp(slash + 1, ".") != 0) {
		*slash = '\0';
		if (realpath(copy[0] != '\0' ? copy : "/", dir) != NULL) {
			n = strlen(lib);
			ok = strncmp(dir, lib, n) == 0 &&
			    (dir[n] == '\0' || dir[n] == '/');
		}
	}
	free(copy);
	return ok;
}

/* Content-Disposition: attachment, the name percent-encoded (RFC 6266). */
static void
attachment(struct evkeyvalq *out, const char *path)
{
	const char *base = strrchr(path, '/') != NULL ?
	    strrchr(path, '/') + 1 : path;
	char *enc = evhttp_uriencode(base, -1, 0);
	char *v = xasprintf("attachment; filename=\"video.mp4\"; "
	    "filename*=UTF-8''%s", enc != NULL ? enc : "video.mp4");

	evhttp_add_header(out, "Content-Disposition", v);
	free(v);
	free(enc);
}

static bool
want_download(const struct httpd_req *r)
{
	struct evkeyvalq q;
	const char *v;
	bool yes = false;

	TAILQ_INIT(&q);
	if (r->query != NULL && evhttp_parse_query_str(r->query, &q) == 0) {
		v = evhttp_find_header(&q, "download");
		yes = v != NULL && strcmp(v, "1") == 0;
	}
	evhttp_clear_headers(&q);
	return yes;
}

/* The row's video, opened: fd >= 0, or -1 after answering. */
static int
open_video(struct httpd_req *r, struct job_row *row, struct stat *sb)
{
	struct store *st;
	struct err err;
	bool absent;
	int fd, rc;

	if ((st = httpd_store(r->h, &absent, &err)) == NULL) {
		if (absent)
			httpd_reply_error(r, 404, "no such job: %s", r->id);
		else
			httpd_reply_error(r, 503, "the job store cannot be read");
		return -1;
	}
	if ((rc = store_get_job(st, r->id, row, &err)) <= 0) {
		if (rc < 0)
			httpd_reply_error(r, 503, "the job store cannot be read");
		else
			httpd_reply_error(r, 404, "no such job: %s", r->id);
		return -1;
	}
	if (row->file_path == NULL || row->completed_at == 0 ||
	    !in_library(r->h->conf.library_dir, row->file_path)) {
		httpd_reply_error(r, 404, "job %s has no video in the library",
		    r->id);
		return -1;
	}
	fd = open(row->file_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0 || fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		if (fd >= 0)
			close(fd);
		httpd_reply_error(r, 404, "the video of job %s is gone", r->id);
		return -1;
	}
	return fd;
}

void
route_video(struct httpd_req *r)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	struct evhttp_connection *conn = evhttp_request_get_connection(r->req);
	struct job_row row;
	struct stream *s;
	struct stat sb;
	char hdr[128];
	off_t start = 0, end;
	int fd, rng;

	memset(&row, 0, sizeof(row));
	if (r->h->nstreams >= HTTPD_STREAMS) {
		evhttp_add_header(out, "Retry-After", "5");
		httpd_reply_error(r, 503, "too many videos being sent");
		return;
	}
	if ((fd = open_video(r, &row, &sb)) < 0)
		goto out;
	end = sb.st_size;
	rng = parse_range(httpd_header(r, "Range"), sb.st_size, &start, &end);
	evhttp_add_header(out, "Accept-Ranges", "bytes");
	if (rng < 0) {
		close(fd);
		snprintf(hdr, sizeof(hdr), "bytes */%lld", (long long)sb.st_size);
		evhttp_add_header(out, "Content-Range", hdr);
		httpd_reply_error(r, 416, "range not satisfiable");
		goto out;
	}
	evhttp_add_header(out, "Content-Type", "video/mp4");
	evhttp_add_header(out, "Cache-Control", "private, no-cache");
	if (want_download(r))
		attachment(out, row.file_path);
	if (rng > 0) {
		snprintf(hdr, sizeof(hdr), "bytes %lld-%lld/%lld",
		    (long long)start, (long long)end - 1, (long long)sb.st_size);
		evhttp_add_header(out, "Content-Range", hdr);
	}
	snprintf(hdr, sizeof(hdr), "%lld", (long long)(end - start));
	evhttp_add_header(out, "Content-Length", hdr);
	httpd_common_headers(r);
	if (evhttp_request_get_command(r->req) == EVHTTP_REQ_HEAD ||
	    conn == NULL) {
		close(fd);
		evhttp_send_reply(r->req, rng > 0 ? 206 : 200, NULL, NULL);
		httpd_reply_done(r, rng > 0 ? 206 : 200, 0);
		goto out;
	}
	s = xcalloc(1, sizeof(*s));
	s->h = r->h;
	s->r = r;
	s->conn = conn;
	s->fd = fd;
	s->pos = start;
	s->end = end;
	s->code = rng > 0 ? 206 : 200;
	r->h->nstreams++;
	/* a slow player may take nothing for a while; a dead one is cut */
	httpd_stream_timeouts(conn, HTTPD_STREAM_IDLE_S);
	evhttp_connection_set_closecb(conn, stream_close, s);
	evhttp_send_reply_start(r->req, s->code, NULL);
	stream_more(conn, s);
out:
	job_row_free(&row);
}
