/* render - the text of every virtual file of the tree, from store rows */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job-json.h"
#include "log.h"
#include "render.h"
#include "xmalloc.h"

static const char *const file_names[FS_NFILES] = {
	[FS_PROGRESS] = "progress",
	[FS_STATUS] = "status",
	[FS_TITLE] = "title",
	[FS_URL] = "url",
	[FS_ERROR] = "error",
	[FS_SPEED] = "speed",
	[FS_ETA] = "eta",
	[FS_SIZE] = "size",
	[FS_OUTPUT] = "output",
	[FS_INFO] = "info.json",
	[FS_CTL] = "ctl",
};

const char *
render_file_name(enum fs_file f)
{
	return file_names[f];
}

int
render_file_lookup(const char *name)
{
	int f;

	for (f = 0; f < FS_NFILES; f++)
		if (strcmp(file_names[f], name) == 0)
			return f;
	return -1;
}

void
render_bytes(char *buf, size_t size, double bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	size_t u = 0;

	if (bytes < 0)
		bytes = 0;
	while (bytes >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%.0f B", bytes);
	else
		snprintf(buf, size, "%.1f %s", bytes, units[u]);
}

void
render_duration(char *buf, size_t size, int64_t s)
{
	if (s < 0)
		snprintf(buf, size, "-");
	else if (s >= 3600)
		snprintf(buf, size, "%lld:%02lld:%02lld", (long long)(s / 3600),
		    (long long)(s / 60 % 60), (long long)(s % 60));
	else
		snprintf(buf, size, "%lld:%02lld", (long long)(s / 60),
		    (long long)(s % 60));
}

static char *
render_progress(const struct job_row *row)
{
	char speed[32], eta[32], gap[64] = "";
	double pct = row->progress;
	bool moving = job_status_running(row->status);

	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	if (row->gap_seconds > 0)
		snprintf(gap, sizeof(gap), "gap: %.1f s missing in the "
		    "source\n", row->gap_seconds);
	/* Only a running job moves; elsewhere speed and ETA mean nothing. */
	render_bytes(speed, sizeof(speed), moving ? row->speed_bps : 0);
	render_duration(eta, sizeof(eta), moving ? row->eta_s : -1);
	/* A gap is no error, but the person should know what is missing:
	 * a second line, only then (readers of the first keep working). */
	return xasprintf("%.1f%% %lld/%lld segments %s/s ETA %s\n%s", pct,
	    (long long)row->segments_done, (long long)row->segments_total,
	    speed, eta, gap);
}

/* "value\n", or an empty file for a missing value. */
static char *
line_or_empty(const char *s)
{
	return s != NULL && *s != '\0' ? xasprintf("%s\n", s) : xstrdup("");
}

/* info.json: the row as lib/job-json's INFO view, indented for people. */
static char *
render_info(const struct job_row *r)
{
	json_t *o = job_row_json(r, JOB_JSON_INFO);
	char *text, *out;

	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	out = xasprintf("%s\n", text != NULL ? text : "{}");
	free(text);
	return out;
}

char *
render_job_file(enum fs_file f, const struct job_row *row, size_t *len)
{
	char buf[64], *out;

	switch (f) {
	case FS_PROGRESS:
		out = render_progress(row);
		break;
	case FS_STATUS:
		out = line_or_empty(job_status_name(row->status));
		break;
	case FS_TITLE:
		out = line_or_empty(row->title);
		break;
	case FS_URL:
		out = line_or_empty(row->url);
		break;
	case FS_ERROR:
		out = line_or_empty(row->error_msg);
		break;
	case FS_SPEED:
		render_bytes(buf, sizeof(buf), job_status_running(row->status) ?
		    row->speed_bps : 0);
		out = xasprintf("%s/s\n", buf);
		break;
	case FS_ETA:
		render_duration(buf, sizeof(buf), job_status_running(row->status) ?
		    row->eta_s : -1);
		out = xasprintf("%s\n", buf);
		break;
	case FS_SIZE:
		render_bytes(buf, sizeof(buf), (double)(row->size_bytes > 0 ?
		    row->size_bytes : row->bytes_done));
		out = xasprintf("%s\n", buf);
		break;
	case FS_OUTPUT:
		out = line_or_empty(row->file_path);
		break;
	case FS_INFO:
		out = render_info(row);
		break;
	default:		/* ctl reads as empty: it is for writing */
		out = xstrdup("");
		break;
	}
	*len = strlen(out);
	return out;
}

/* "queue" is the pending count; "active" the running ones. */
static void
status_counts(FILE *fp, const struct store_counts *c)
{
	int64_t active = 0;
	int i;

	for (i = 0; i < JOB_NSTATUS; i++)
		if (job_status_running((enum job_status)i))
			active += c->by_status[i];
	fprintf(fp, "queue: %lld\nactive: %lld\n",
	    (long long)c->by_status[JOB_PENDING], (long long)active);
	/* Every other state by its name, so a new state shows up here. */
	for (i = 0; i < JOB_NSTATUS; i++)
		if (i != JOB_PENDING)
			fprintf(fp, "%s: %lld\n",
			    job_status_name((enum job_status)i),
			    (long long)c->by_status[i]);
	fprintf(fp, "total: %lld\n", (long long)c->total);
}

char *
render_status(const struct fs_status *s, size_t *len)
{
	const struct store_counts *c = &s->counts;
	char disk[32], *out = NULL;
	FILE *fp;

	if (s->disk_free >= 0)
		render_bytes(disk, sizeof(disk), (double)s->disk_free);
	else
		snprintf(disk, sizeof(disk), "unknown");
	if ((fp = open_memstream(&out, len)) == NULL)
		fatal("open_memstream");
	status_counts(fp, c);
	fprintf(fp, "disk_free: %s\n"
	    "disk_free_bytes: %lld\n"
	    "spooler: %s\n"
	    "store: %s%s%s\n",
	    disk, (long long)s->disk_free,
	    c->spooler_alive ? "alive" : "stopped",
	    s->store_ok ? "ok" : "unavailable",
	    s->store_ok || *s->store_note == '\0' ? "" : " - ",
	    s->store_ok ? "" : s->store_note);
	if (fclose(fp) != 0)
		fatal("open_memstream");
	return out;
}

/* A name a directory entry may carry: no '/', no control bytes, not . or .. */
static bool
safe_name(const char *s)
{
	const unsigned char *p;

	if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strlen(s) > 255)
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return false;
	return true;
}

char *
render_video_name(const struct job_row *row)
{
	const char *base, *ext;

	if (row->file_path == NULL || *row->file_path == '\0')
		return NULL;
	base = strrchr(row->file_path, '/');
	base = base != NULL ? base + 1 : row->file_path;
	if (safe_name(base) && render_file_lookup(base) < 0)
		return xstrdup(base);
	ext = strrchr(base, '.');
	if (ext == NULL || !safe_name(ext) || strlen(ext) > 16)
		ext = ".mp4";
	return xasprintf("video%s", ext);
}
