/* source - the store as the tree sees it: one read-only connection, locked */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "clock.h"
#include "log.h"
#include "source.h"
#include "xmalloc.h"

struct name_ent {
	char *name;
	char *id;
	size_t seq;		/* position in the newest-first listing */
};

/* A failed read keeps /status from saying "ok" this long. */
#define SOURCE_FAILED_MS	10000

struct source {
	pthread_mutex_t lock;
	char *db_path;
	char *spool_dir;
	struct store *st;	/* NULL: not open (missing or failed) */
	bool immutable;		/* st was opened with immutable=1 */
	struct stat db_sb;	/* the store file when that was done */
	int64_t next_try_ms;	/* no reopen attempt before this */
	char note[256];		/* why st is NULL */
	int64_t failed_ms;	/* when a query last failed; 0 never */
	char failed[256];	/* and why */
	struct name_ent *names;	/* sorted by name */
	size_t nnames, capnames;
	int64_t names_ms;	/* when built; 0 never */
};

struct source *
source_new(const char *db_path, const char *spool_dir)
{
	struct source *src = xcalloc(1, sizeof(*src));

	pthread_mutex_init(&src->lock, NULL);
	src->db_path = xstrdup(db_path);
	src->spool_dir = xstrdup(spool_dir);
	snprintf(src->note, sizeof(src->note), "not opened yet");
	return src;
}

static void
names_clear(struct source *src)
{
	size_t i;

	for (i = 0; i < src->nnames; i++) {
		free(src->names[i].name);
		free(src->names[i].id);
	}
	src->nnames = 0;
}

void
source_free(struct source *src)
{
	if (src == NULL)
		return;
	names_clear(src);
	free(src->names);
	if (src->st != NULL)
		store_close(src->st);
	free(src->db_path);
	free(src->spool_dir);
	pthread_mutex_destroy(&src->lock);
	free(src);
}

/* The store as a SQLite URI for immutable=1, its path percent-encoded. */
static char *
immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	char *uri = xmalloc(strlen(path) * 3 + 32), *u = uri;
	const unsigned char *p;

	memcpy(u, "file:", 5);
	u += 5;
	for (p = (const unsigned char *)path; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p) != NULL)
			*u++ = (char)*p;
		else {
			*u++ = '%';
			*u++ = hex[*p >> 4];
			*u++ = hex[*p & 15];
		}
	memcpy(u, "?immutable=1", sizeof("?immutable=1"));
	return uri;
}

/*
 * A read-only connection to a WAL database needs its -shm file, or a
 * directory it may create it in. When the spooler is stopped (it removed
 * -wal and -shm on its way out) and we may not write to state/, the plain
 * open fails; but then no one is writing, and the database file alone is
 * the whole truth: read it as immutable. Called with the lock held, after
 * the plain open failed.
 */
static struct store *
open_immutable(struct source *src, struct err *err)
{
	struct store *st;
	struct stat sb;
	char *wal, *uri;

	wal = xasprintf("%s-wal", src->db_path);
	if (stat(wal, &sb) == 0 || stat(src->db_path, &src->db_sb) == -1) {
		free(wal);
		return NULL;	/* a writer is about: no shortcut */
	}
	free(wal);
	uri = immutable_uri(src->db_path);
	st = store_open(uri, true, err);
	free(uri);
	if (st != NULL) {
		src->immutable = true;
		log_info("store: no -shm and no write access to its directory:"
		    " reading %s as immutable while the spooler is stopped",
		    src->db_path);
	}
	return st;
}

/*
 * An immutable connection is right only while nobody writes: when a -wal
 * appears or the file changes, drop it (the caller reopens).
 */
static void
check_immutable(struct source *src)
{
	struct stat sb, wsb;
	char *wal;
	bool stale;

	if (src->st == NULL || !src->immutable)
		return;
	wal = xasprintf("%s-wal", src->db_path);
	stale = stat(wal, &wsb) == 0 || stat(src->db_path, &sb) == -1 ||
	    sb.st_ino != src->db_sb.st_ino || sb.st_size != src->db_sb.st_size ||
	    sb.st_mtim.tv_sec != src->db_sb.st_mtim.tv_sec ||
	    sb.st_mtim.tv_nsec != src->db_sb.st_mtim.tv_nsec;
	free(wal);
	if (stale) {
		store_close(src->st);
		src->st = NULL;
		src->immutable = false;
		src->next_try_ms = 0;
	}
}

/*
 * Opens the store if it is not open and the back-off allows; with the lock
 * held. A missing file is not an error: the spooler has not run yet, and a
 * read-only open must not create it.
 */
static struct store *
ensure_open(struct source *src)
{
	struct err err;
	struct stat sb;

	check_immutable(src);
	if (src->st != NULL)
		return src->st;
	if (clock_ms() < src->next_try_ms)
		return NULL;
	src->next_try_ms = clock_ms() + SOURCE_REOPEN_MS;
	if (stat(src->db_path, &sb) == -1) {
		snprintf(src->note, sizeof(src->note), "%s: %s (the spooler "
		    "has not run yet?)", src->db_path, strerror(errno));
		return NULL;
	}
	src->st = store_open(src->db_path, true, &err);
	if (src->st == NULL)
		src->st = open_immutable(src, NULL);
	if (src->st == NULL) {
		/* Said once, not at every retry. */
		if (strcmp(src->note, err.msg) != 0)
			log_warnx("%s", err.msg);
		snprintf(src->note, sizeof(src->note), "%s", err.msg);
	} else
		log_info("store: opened %s read-only", src->db_path);
	return src->st;
}

/* A query failed: drop the connection so that the next call reopens it. */
static void
query_failed(struct source *src, const struct err *err)
{
	snprintf(src->note, sizeof(src->note), "%s", err->msg);
	snprintf(src->failed, sizeof(src->failed), "%s", err->msg);
	src->failed_ms = clock_ms();
	log_warnx("%s", err->msg);
	store_close(src->st);
	src->st = NULL;
	src->immutable = false;
	src->next_try_ms = 0;
}

int
source_get_job(struct source *src, const char *id, struct job_row *row)
{
	struct store *st;
	struct err err;
	int rc = 0;

	pthread_mutex_lock(&src->lock);
	if ((st = ensure_open(src)) != NULL) {
		rc = store_get_job(st, id, row, &err);
		if (rc == -1)
			query_failed(src, &err);
	}
	pthread_mutex_unlock(&src->lock);
	return rc;
}

struct ids_arg {
	int (*fn)(const char *, void *);
	void *arg;
};

static int
ids_cb(const char *id, const char *job_name, void *arg)
{
	struct ids_arg *a = arg;

	return a->fn(id, a->arg);
}

int
source_list_ids(struct source *src, int status,
    int (*fn)(const char *id, void *), void *arg)
{
	struct ids_arg a = { fn, arg };
	struct store *st;
	struct err err;
	int rc = 0;

	pthread_mutex_lock(&src->lock);
	if ((st = ensure_open(src)) != NULL) {
		rc = store_list_ids(st, status, ids_cb, &a, &err);
		if (rc == -1)
			query_failed(src, &err);
	}
	pthread_mutex_unlock(&src->lock);
	return rc < 0 ? -1 : 0;
}

void
source_status(struct source *src, struct fs_status *s)
{
	struct statvfs vfs;
	struct store *st;
	struct err err;

	memset(s, 0, sizeof(*s));
	s->disk_free = statvfs(src->spool_dir, &vfs) == 0 ?
	    (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize : -1;
	pthread_mutex_lock(&src->lock);
	if ((st = ensure_open(src)) != NULL) {
		if (store_counts(st, &s->counts, &err) == -1) {
			query_failed(src, &err);
			memset(&s->counts, 0, sizeof(s->counts));
		} else
			s->store_ok = true;
	}
	/*
	 * The counts may read fine while other reads of the same store fail
	 * (a damaged page): /status says what the tree meets, not only what
	 * its own query met.
	 */
	if (s->store_ok && src->failed_ms != 0 &&
	    clock_ms() - src->failed_ms < SOURCE_FAILED_MS) {
		s->store_ok = false;
		snprintf(s->store_note, sizeof(s->store_note), "%s",
		    src->failed);
	} else if (!s->store_ok)
		snprintf(s->store_note, sizeof(s->store_note), "%s", src->note);
	pthread_mutex_unlock(&src->lock);
}

/* A job name as a directory entry: '/' and control bytes become '_'. */
static char *
entry_name(const char *job_name)
{
	char *s = xstrndup(job_name, strnlen(job_name, 200)), *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/')
			*p = '_';
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		*s = '_';
	return s;
}

static int
names_cb(const char *id, const char *job_name, void *arg)
{
	struct source *src = arg;
	struct name_ent *e;

	if (job_name == NULL || *job_name == '\0')
		return 0;
	src->names = xgrow(src->names, &src->capnames, src->nnames,
	    sizeof(*src->names));
	e = &src->names[src->nnames];
	e->name = entry_name(job_name);
	e->id = xstrdup(id);
	e->seq = src->nnames++;
	return 0;
}

static int
by_name_then_seq(const void *a, const void *b)
{
	const struct name_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct name_ent *)a)->name,
	    ((const struct name_ent *)b)->name);
}

/* Rebuilds the name map from the store; with the lock held. */
static void
names_rebuild(struct source *src)
{
	struct store *st;
	struct err err;
	size_t i, lead;

	names_clear(src);
	src->names_ms = clock_ms();
	if ((st = ensure_open(src)) == NULL)
		return;
	if (store_list_ids(st, STORE_ANY_STATUS, names_cb, src, &err) == -1) {
		query_failed(src, &err);
		names_clear(src);
		return;
	}
	if (src->nnames == 0)	/* (qsort wants a real array too) */
		return;
	/*
	 * Newest of each name keeps it; older ones become name~id. The
	 * group's first entry is never renamed, so it stays comparable.
	 */
	qsort(src->names, src->nnames, sizeof(*src->names), by_name_then_seq);
	for (lead = 0, i = 1; i < src->nnames; i++) {
		char *renamed;

		if (strcmp(src->names[i].name, src->names[lead].name) != 0) {
			lead = i;
			continue;
		}
		renamed = xasprintf("%s~%s", src->names[i].name,
		    src->names[i].id);
		free(src->names[i].name);
		src->names[i].name = renamed;
	}
	qsort(src->names, src->nnames, sizeof(*src->names), by_name);
}

/* The entry called name, or NULL; with the lock held. */
static struct name_ent *
names_find(struct source *src, const char *name)
{
	struct name_ent key = { (char *)name, NULL, 0 };

	if (src->nnames == 0)	/* bsearch wants a real array */
		return NULL;
	return bsearch(&key, src->names, src->nnames, sizeof(key), by_name);
}

int
source_find_name(struct source *src, const char *name, char **id)
{
	struct name_ent *e;
	int64_t age;

	*id = NULL;
	pthread_mutex_lock(&src->lock);
	age = clock_ms() - src->names_ms;
	if (src->names_ms == 0 || age >= SOURCE_NAMES_TTL_MS)
		names_rebuild(src);
	e = names_find(src, name);
	if (e == NULL && clock_ms() - src->names_ms >= SOURCE_NAMES_MISS_MS) {
		names_rebuild(src);
		e = names_find(src, name);
	}
	if (e != NULL)
		*id = xstrdup(e->id);
	pthread_mutex_unlock(&src->lock);
	return e != NULL;
}

int
source_list_names(struct source *src, int (*fn)(const char *name, void *),
    void *arg)
{
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&src->lock);
	names_rebuild(src);
	for (i = 0; i < src->nnames && rc == 0; i++)
		rc = fn(src->names[i].name, arg);
	pthread_mutex_unlock(&src->lock);
	return 0;
}
