/* store - the job database: SQLite in WAL mode, one writer (the spooler) */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct store {
	sqlite3 *db;
	bool readonly;
	char *path;		/* as opened (a plain path for the writer) */
	dev_t dev;		/* the file opened: a deleted or replaced */
	ino_t ino;		/* database is told by these */
	bool damaged;		/* SQLITE_CORRUPT or SQLITE_NOTADB was seen */
	/*
	 * store_get_job's statement, prepared once: readers such as the FUSE
	 * tree call it several times per `cat`, and preparing the join costs
	 * ten times more than running it.
	 */
	sqlite3_stmt *get_job;
};

/*
 * Migrations, applied in order from the database's user_version. Never edit
 * a released step: add a new one.
 */
static const char *const migrations[] = {
	/* 1: jobs + job_metadata, plus what resume and the tree use */
	"CREATE TABLE jobs ("
	"  id TEXT PRIMARY KEY,"
	"  url TEXT NOT NULL,"
	"  title TEXT,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  progress REAL NOT NULL DEFAULT 0,"
	"  segments_done INTEGER NOT NULL DEFAULT 0,"
	"  segments_total INTEGER NOT NULL DEFAULT 0,"
	"  bytes_done INTEGER NOT NULL DEFAULT 0,"
	"  speed_bps REAL NOT NULL DEFAULT 0,"
	"  eta_s INTEGER NOT NULL DEFAULT -1,"
	"  created_at INTEGER NOT NULL,"
	"  started_at INTEGER NOT NULL DEFAULT 0,"
	"  completed_at INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL DEFAULT 0,"
	"  file_path TEXT,"
	"  error_msg TEXT,"
	"  retry_count INTEGER NOT NULL DEFAULT 0,"
	"  quality TEXT,"
	"  headers_json TEXT,"
	"  job_name TEXT,"
	"  size_bytes INTEGER NOT NULL DEFAULT 0,"
	"  workdir TEXT);"
	"CREATE INDEX idx_jobs_status ON jobs(status);"
	"CREATE INDEX idx_jobs_created ON jobs(created_at DESC);"
	"CREATE INDEX idx_jobs_url ON jobs(url);"
	"CREATE INDEX idx_jobs_name ON jobs(job_name);"
	"CREATE TABLE job_metadata ("
	"  job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,"
	"  referer TEXT, user_agent TEXT, source_page TEXT, resolution TEXT,"
	"  duration REAL NOT NULL DEFAULT 0,"
	"  segment_count INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE spooler (key TEXT PRIMARY KEY, value TEXT);",
	/* 2: why a job failed, as a kind (err_kind_name); one row each time
	 * a job ends, for the metrics (write_job adds them) */
	"ALTER TABLE jobs ADD COLUMN error_kind TEXT;"
	"CREATE TABLE job_finished ("
	"  seq INTEGER PRIMARY KEY,"
	"  job_id TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  duration_s INTEGER,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  finished_at INTEGER NOT NULL);",
	/* 3: duplicates, folders; no secret stays in the store
	 * (header values, the URLs' queries: readers show these columns) */
	"ALTER TABLE jobs ADD COLUMN duplicate_of TEXT;"
	"ALTER TABLE jobs ADD COLUMN folder TEXT;"
	"ALTER TABLE jobs ADD COLUMN live INTEGER NOT NULL DEFAULT 0;"
	"UPDATE jobs SET headers_json = (SELECT json_group_array(key)"
	"  FROM json_each(jobs.headers_json))"
	"  WHERE json_valid(headers_json)"
	"  AND json_type(headers_json) = 'object';"
	"UPDATE jobs SET url = substr(url, 1, instr(url, '?') - 1)"
	"  WHERE instr(url, '?') > 0;"
	"UPDATE job_metadata SET user_agent = NULL;"
	"UPDATE job_metadata SET referer = substr(referer, 1,"
	"  instr(referer, '?') - 1) WHERE instr(referer, '?') > 0;"
	"UPDATE job_metadata SET source_page = substr(source_page, 1,"
	"  instr(source_page, '?') - 1) WHERE instr(source_page, '?') > 0;",
	/* 4: seconds the source had no media for (EXT-X-GAP): a job that
	 * completes with a hole says so */
	"ALTER TABLE jobs ADD COLUMN gap_seconds REAL NOT NULL DEFAULT 0;",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/*
 * The kind of SQLite's last error: busy/locked is worth a retry, a full
 * disk is a pause; a damaged file is remembered (store_damaged).
 */
static enum err_kind
db_kind(struct store *st)
{
	switch (sqlite3_errcode(st->db)) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		st->damaged = true;
		return ERR_PERMANENT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_TEMPORARY;
	case SQLITE_FULL:
		return ERR_NOSPACE;
	default:
		return ERR_PERMANENT;
	}
}

static enum err_kind kind_of_name(const char *name);

static int
db_err(struct store *st, struct err *err, const char *what)
{
	return err_setk(err, db_kind(st), "store: %s: %s", what,
	    sqlite3_errmsg(st->db));
}

static int
exec_sql(struct store *st, const char *sql, struct err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_setk(err, db_kind(st), "store: %s",
		    msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
user_version(struct store *st, int *version, struct err *err)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
	    NULL) != SQLITE_OK)
		return db_err(st, err, "reading the schema version");
	*version = sqlite3_step(stmt) == SQLITE_ROW ?
	    sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return 0;
}

static int
migrate(struct store *st, struct err *err)
{
	char sql[64];
	int v;

	if (user_version(st, &v, err) == -1)
		return -1;
	if (v > NMIGRATIONS)
		return err_set(err, "store: schema version %d is newer than "
		    "this program (%d): upgrade m3u8nas", v, NMIGRATIONS);
	for (; v < NMIGRATIONS; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", v + 1);
		if (exec_sql(st, "BEGIN IMMEDIATE;", err) == -1)
			return -1;
		if (exec_sql(st, migrations[v], err) == -1 ||
		    exec_sql(st, sql, err) == -1) {
			exec_sql(st, "ROLLBACK;", NULL);
			return err_wrap(err, "migrating to version %d", v + 1);
		}
		if (exec_sql(st, "COMMIT;", err) == -1)
			return -1;
	}
	return 0;
}

/* The writer's first look: a damaged page fails here, not at random later. */
static int
quick_check(struct store *st, struct err *err)
{
	sqlite3_stmt *stmt;
	const char *v;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &stmt,
	    NULL) != SQLITE_OK)
		return db_err(st, err, "checking");
	rc = sqlite3_step(stmt);
	v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) :
	    NULL;
	if (v == NULL || strcmp(v, "ok") != 0) {
		if (rc != SQLITE_ROW)
			db_err(st, err, "checking");
		else
			err_set(err, "store: %s is damaged: %s", st->path, v);
		st->damaged = true;
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}

static struct store *
open_store(const char *path, bool readonly, bool *damaged, struct err *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags = readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int v;

	st->readonly = readonly;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		err_set(err, "store: cannot open %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 2000);
	st->path = xstrdup(path);
	if (!readonly) {
		struct stat sb;

		if (exec_sql(st, "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = NORMAL;"
		    "PRAGMA foreign_keys = ON;", err) == -1 ||
		    migrate(st, err) == -1 || quick_check(st, err) == -1)
			goto fail;
		if (stat(path, &sb) == -1) {
			err_errno(err, "store: %s", path);
			goto fail;
		}
		st->dev = sb.st_dev;
		st->ino = sb.st_ino;
	} else {
		if (user_version(st, &v, err) == -1)
			goto fail;
		if (v < 1) {
			err_set(err, "store: %s holds no m3u8nas schema yet",
			    path);
			goto fail;
		}
	}
	return st;
fail:
	*damaged = st->damaged;
	store_close(st);
	return NULL;
}

struct store *
store_open(const char *path, bool readonly, struct err *err)
{
	bool damaged = false;

	return open_store(path, readonly, &damaged, err);
}

struct store *
store_open_writer(const char *path, char **aside, struct err *err)
{
	struct store *st;
	bool damaged = false;

	*aside = NULL;
	if ((st = open_store(path, false, &damaged, err)) != NULL || !damaged)
		return st;
	log_warnx("%s", err->msg);
	if (store_move_aside(path, aside, err) == -1)
		return NULL;
	return open_store(path, false, &damaged, err);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->get_job);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

bool
store_damaged(const struct store *st)
{
	return st->damaged;
}

int
store_check_file(struct store *st, struct err *err)
{
	struct stat sb;

	if (st->damaged)
		return err_set(err, "store: %s is damaged (database disk image "
		    "is malformed)", st->path);
	if (stat(st->path, &sb) == -1)
		return err_errno(err, "store: %s was deleted while in use",
		    st->path);
	if (sb.st_dev != st->dev || sb.st_ino != st->ino)
		return err_set(err, "store: %s was replaced by another file "
		    "while in use", st->path);
	return 0;
}

int
store_move_aside(const char *path, char **aside, struct err *err)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char stamp[32], *from, *to;
	struct tm tm;
	time_t now = time(NULL);
	size_t i;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	*aside = xasprintf("%s.damaged-%s", path, stamp);
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		from = xasprintf("%s%s", path, ext[i]);
		to = xasprintf("%s%s", *aside, ext[i]);
		if (rename(from, to) == -1 && (errno != ENOENT || i == 0)) {
			err_errno(err, "cannot move %s aside", from);
			free(from);
			free(to);
			free(*aside);
			*aside = NULL;
			return -1;
		}
		free(from);
		free(to);
	}
	return 0;
}

/* Binds a text that may be NULL. */
static void
bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

static int
step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct err *err)
{
	int rc = sqlite3_step(stmt);

	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_err(st, err, what);
	return 0;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **stmt,
    struct err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return db_err(st, err, "preparing a statement");
	return 0;
}

static int
upsert_meta(struct store *st, const struct job_row *row, struct err *err)
{
	sqlite3_stmt *stmt;

	if (prepare(st, "INSERT INTO job_metadata (job_id, referer, user_agent,"
	    " source_page, resolution, duration, segment_count) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(job_id) DO UPDATE SET"
	    " referer = ?2, user_agent = ?3, source_page = ?4,"
	    " resolution = ?5, duration = ?6, segment_count = ?7",
	    &stmt, err) == -1)
		return -1;
	bind_text(stmt, 1, row->id);
	bind_text(stmt, 2, row->referer);
	bind_text(stmt, 3, row->user_agent);
	bind_text(stmt, 4, row->source_page);
	bind_text(stmt, 5, row->resolution);
	sqlite3_bind_double(stmt, 6, row->duration);
	sqlite3_bind_int64(stmt, 7, row->segments_total);
	return step_done(st, stmt, "writing job metadata", err);
}

/* Binds every mutable column of jobs, ?1 = id, in the order of JOB_SET. */
#define JOB_SET "url = ?2, title = ?3, status = ?4, progress = ?5," \
	" segments_done = ?6, segments_total = ?7, bytes_done = ?8," \
	" speed_bps = ?9, eta_s = ?10, started_at = ?11, completed_at = ?12," \
	" updated_at = ?13, file_path = ?14, error_msg = ?15," \
	" retry_count = ?16, quality = ?17, headers_json = ?18," \
	" job_name = ?19, size_bytes = ?20, workdir = ?21, error_kind = ?23," \
	" duplicate_of = ?24, folder = ?25, live = ?26, gap_seconds = ?27"

static void
bind_job(sqlite3_stmt *stmt, const struct job_row *r)
{
	bind_text(stmt, 1, r->id);
	bind_text(stmt, 2, r->url);
	bind_text(stmt, 3, r->title);
	bind_text(stmt, 4, job_status_name(r->status));
	sqlite3_bind_double(stmt, 5, r->progress);
	sqlite3_bind_int64(stmt, 6, r->segments_done);
	sqlite3_bind_int64(stmt, 7, r->segments_total);
	sqlite3_bind_int64(stmt, 8, r->bytes_done);
	sqlite3_bind_double(stmt, 9, r->speed_bps);
	sqlite3_bind_int64(stmt, 10, r->eta_s);
	sqlite3_bind_int64(stmt, 11, r->started_at);
	sqlite3_bind_int64(stmt, 12, r->completed_at);
	sqlite3_bind_int64(stmt, 13, time(NULL));
	bind_text(stmt, 14, r->file_path);
	bind_text(stmt, 15, r->error_msg);
	sqlite3_bind_int(stmt, 16, r->retry_count);
	bind_text(stmt, 17, r->quality);
	bind_text(stmt, 18, r->headers_json);
	bind_text(stmt, 19, r->job_name);
	sqlite3_bind_int64(stmt, 20, r->size_bytes);
	bind_text(stmt, 21, r->workdir);
	sqlite3_bind_int64(stmt, 22, r->created_at ? r->created_at :
	    time(NULL));
	bind_text(stmt, 23, r->error_kind != ERR_NONE ?
	    err_kind_name(r->error_kind) : NULL);
	bind_text(stmt, 24, r->duplicate_of);
	bind_text(stmt, 25, r->folder);
	sqlite3_bind_int(stmt, 26, r->live ? 1 : 0);
	sqlite3_bind_double(stmt, 27, r->gap_seconds);
}

/*
 * A row that turns finished (completed, failed, cancelled) from anything
 * else adds one job_finished event, in the same transaction as the row:
 * the metrics' counters of finished jobs only grow, whatever retries do
 * to the rows later.
 */
static int
record_finish(struct store *st, const struct job_row *row,
    enum job_status to, struct err *err)
{
	sqlite3_stmt *stmt;
	enum job_status from = JOB_PENDING;
	int64_t end;
	int rc;

	if (!job_status_finished(to))
		return 0;
	if (prepare(st, "SELECT status FROM jobs WHERE id = ?1", &stmt,
	    err) == -1)
		return -1;
	bind_text(stmt, 1, row->id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		job_status_parse((const char *)sqlite3_column_text(stmt, 0),
		    &from);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "reading a job's status");
	if (rc == SQLITE_ROW && job_status_finished(from))
		return 0;
	if (prepare(st, "INSERT INTO job_finished (job_id, result, reason,"
	    " duration_s, bytes, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    &stmt, err) == -1)
		return -1;
	end = row->completed_at > 0 ? row->completed_at : (int64_t)time(NULL);
	bind_text(stmt, 1, row->id);
	bind_text(stmt, 2, job_status_name(to));
	bind_text(stmt, 3, err_kind_name(to == JOB_COMPLETED ? ERR_NONE :
	    row->error_kind != ERR_NONE ? row->error_kind :
	    to == JOB_CANCELLED ? ERR_CANCELLED : ERR_PERMANENT));
	if (row->started_at > 0 && end >= row->started_at)
		sqlite3_bind_int64(stmt, 4, end - row->started_at);
	sqlite3_bind_int64(stmt, 5, row->bytes_done);
	sqlite3_bind_int64(stmt, 6, end);
	return step_done(st, stmt, "recording a finished job", err);
}

static int
write_job(struct store *st, const struct job_row *row, bool insert,
    struct err *err)
{
	sqlite3_stmt *stmt;

	if (exec_sql(st, "BEGIN IMMEDIATE;", err) == -1)
		return -1;
	if (insert) {
		if (prepare(st, "INSERT INTO jobs (id, url, created_at)"
		    " VALUES (?1, ?2, ?22)", &stmt, err) == -1)
			goto fail;
		bind_job(stmt, row);
		if (step_done(st, stmt, "adding a job", err) == -1)
			goto fail;
	}
	if (record_finish(st, row, row->status, err) == -1)
		goto fail;
	if (prepare(st, "UPDATE jobs SET " JOB_SET " WHERE id = ?1", &stmt,
	    err) == -1)
		goto fail;
	bind_job(stmt, row);
	if (step_done(st, stmt, "updating a job", err) == -1)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		err_set(err, "store: no job %s", row->id);
		goto fail;
	}
	if (upsert_meta(st, row, err) == -1 ||
	    exec_sql(st, "COMMIT;", err) == -1)
		goto fail;
	return 0;
fail:
	exec_sql(st, "ROLLBACK;", NULL);
	return -1;
}

int
store_insert_job(struct store *st, const struct job_row *row, struct err *err)
{
	return write_job(st, row, true, err);
}

int
store_update_job(struct store *st, const struct job_row *row, struct err *err)
{
	return write_job(st, row, false, err);
}

int
store_set_meta(struct store *st, const char *key, const char *value,
    struct err *err)
{
	sqlite3_stmt *stmt;

	if (prepare(st, "INSERT INTO spooler (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = ?2", &stmt, err) == -1)
		return -1;
	bind_text(stmt, 1, key);
	bind_text(stmt, 2, value);
	return step_done(st, stmt, "writing spooler state", err);
}

int
store_heartbeat(struct store *st, struct err *err)
{
	char now[32], pid[32];

	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (store_set_meta(st, "heartbeat", now, err) == -1)
		return -1;
	return store_set_meta(st, "pid", pid, err);
}

/* The columns every reader gets, in the order row_from_stmt reads them. */
#define JOB_COLUMNS "j.id, j.url, j.title, j.status, j.progress," \
	" j.segments_done, j.segments_total, j.bytes_done, j.speed_bps," \
	" j.eta_s, j.created_at, j.started_at, j.completed_at, j.updated_at," \
	" j.file_path, j.error_msg, j.retry_count, j.quality, j.headers_json," \
	" j.job_name, j.size_bytes, j.workdir, m.referer, m.user_agent," \
	" m.source_page, m.resolution, m.duration, j.error_kind," \
	" j.duplicate_of, j.folder, j.live, j.gap_seconds"
#define JOB_FROM " FROM jobs j LEFT JOIN job_metadata m ON m.job_id = j.id"

static char *
col_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s == NULL ? NULL : xstrdup((const char *)s);
}

/* The column's word as a state; a word this program does not know (a
 * newer spooler's, or a hand edit) reads as failed, so that nothing runs it. */
static enum job_status
col_status(sqlite3_stmt *stmt, int i, const char *id)
{
	const char *word = (const char *)sqlite3_column_text(stmt, i);
	enum job_status s;

	if (job_status_parse(word, &s) == 0)
		return s;
	log_warnx("store: job %s has an unknown status '%s': read as %s",
	    id ? id : "?", word ? word : "", job_status_name(JOB_FAILED));
	return JOB_FAILED;
}

static void
row_from_stmt(sqlite3_stmt *s, struct job_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = col_text(s, 0);
	r->url = col_text(s, 1);
	r->title = col_text(s, 2);
	r->status = col_status(s, 3, r->id);
	r->progress = sqlite3_column_double(s, 4);
	r->segments_done = sqlite3_column_int64(s, 5);
	r->segments_total = sqlite3_column_int64(s, 6);
	r->bytes_done = sqlite3_column_int64(s, 7);
	r->speed_bps = sqlite3_column_double(s, 8);
	r->eta_s = sqlite3_column_int64(s, 9);
	r->created_at = sqlite3_column_int64(s, 10);
	r->started_at = sqlite3_column_int64(s, 11);
	r->completed_at = sqlite3_column_int64(s, 12);
	r->updated_at = sqlite3_column_int64(s, 13);
	r->file_path = col_text(s, 14);
	r->error_msg = col_text(s, 15);
	r->retry_count = sqlite3_column_int(s, 16);
	r->quality = col_text(s, 17);
	r->headers_json = col_text(s, 18);
	r->job_name = col_text(s, 19);
	r->size_bytes = sqlite3_column_int64(s, 20);
	r->workdir = col_text(s, 21);
	r->referer = col_text(s, 22);
	r->user_agent = col_text(s, 23);
	r->source_page = col_text(s, 24);
	r->resolution = col_text(s, 25);
	r->duration = sqlite3_column_double(s, 26);
	r->error_kind = sqlite3_column_type(s, 27) == SQLITE_NULL ? ERR_NONE :
	    kind_of_name((const char *)sqlite3_column_text(s, 27));
	r->duplicate_of = col_text(s, 28);
	r->folder = col_text(s, 29);
	r->live = sqlite3_column_int(s, 30) != 0;
	r->gap_seconds = sqlite3_column_double(s, 31);
}

int
store_get_job(struct store *st, const char *id, struct job_row *row,
    struct err *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (st->get_job == NULL && sqlite3_prepare_v3(st->db, "SELECT "
	    JOB_COLUMNS JOB_FROM " WHERE j.id = ?1", -1,
	    SQLITE_PREPARE_PERSISTENT, &st->get_job, NULL) != SQLITE_OK)
		return db_err(st, err, "preparing a statement");
	stmt = st->get_job;
	bind_text(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		row_from_stmt(stmt, row);
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_err(st, err, "reading a job");
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc;
}

/* Runs a prepared SELECT of JOB_COLUMNS, calling fn per row. */
static int
each_row(struct store *st, sqlite3_stmt *stmt,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err)
{
	struct job_row row;
	int rc, stop = 0;

	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		row_from_stmt(stmt, &row);
		stop = fn(&row, arg);
		job_row_free(&row);
	}
	sqlite3_finalize(stmt);
	if (!stop && rc != SQLITE_DONE)
		return db_err(st, err, "listing jobs");
	return 0;
}

/* Binds a status filter: the state's word, or NULL for every state. */
static void
bind_status(sqlite3_stmt *stmt, int i, int status)
{
	bind_text(stmt, i, status == STORE_ANY_STATUS ? NULL :
	    job_status_name((enum job_status)status));
}

/*
 * The quoted words of every unfinished state, comma-separated: the SQL set
 * is built from the enum, so a new state is never forgotten here.
 * Caller frees.
 */
static char *
unfinished_set(void)
{
	char *set = xstrdup(""), *next;
	int s;

	for (s = 0; s < JOB_NSTATUS; s++) {
		if (!job_status_unfinished((enum job_status)s))
			continue;
		next = xasprintf("%s%s'%s'", set, *set ? ", " : "",
		    job_status_name((enum job_status)s));
		free(set);
		set = next;
	}
	return set;
}

int
store_list_jobs(struct store *st, int status, int limit, int offset,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err)
{
	sqlite3_stmt *stmt;

	if (prepare(st, "SELECT " JOB_COLUMNS JOB_FROM
	    " WHERE (?1 IS NULL OR j.status = ?1)"
	    " ORDER BY j.created_at DESC, j.rowid DESC LIMIT ?2 OFFSET ?3",
	    &stmt, err) == -1)
		return -1;
	bind_status(stmt, 1, status);
	sqlite3_bind_int(stmt, 2, limit < 0 ? -1 : limit);
	sqlite3_bind_int(stmt, 3, offset < 0 ? 0 : offset);
	return each_row(st, stmt, fn, arg, err);
}

int
store_list_unfinished(struct store *st,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err)
{
	sqlite3_stmt *stmt;
	char *set = unfinished_set();
	char *sql = xasprintf("SELECT " JOB_COLUMNS JOB_FROM " WHERE j.status"
	    " IN (%s) ORDER BY j.created_at, j.rowid", set);
	int rc = prepare(st, sql, &stmt, err);

	free(sql);
	free(set);
	if (rc == -1)
		return -1;
	return each_row(st, stmt, fn, arg, err);
}

int
store_list_ids(struct store *st, int status,
    int (*fn)(const char *, const char *, void *), void *arg,
    struct err *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(st, "SELECT id, job_name FROM jobs"
	    " WHERE (?1 IS NULL OR status = ?1)"
	    " ORDER BY created_at DESC, rowid DESC", &stmt, err) == -1)
		return -1;
	bind_status(stmt, 1, status);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_err(st, err, "listing job ids");
	return 0;
}

int
store_find_active_by_url(struct store *st, const char *url, char **id,
    struct err *err)
{
	sqlite3_stmt *stmt;
	char *set = unfinished_set();
	char *sql = xasprintf("SELECT id FROM jobs WHERE url = ?1 AND status"
	    " IN (%s) ORDER BY created_at DESC LIMIT 1", set);
	int rc = prepare(st, sql, &stmt, err);

	free(sql);
	free(set);
	if (rc == -1)
		return -1;
	bind_text(stmt, 1, url);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = col_text(stmt, 0);
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_err(st, err, "finding a job by url");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_list_by_url(struct store *st, const char *url,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err)
{
	sqlite3_stmt *stmt;

	if (prepare(st, "SELECT " JOB_COLUMNS JOB_FROM " WHERE j.url = ?1"
	    " AND j.duplicate_of IS NULL"
	    " ORDER BY j.created_at DESC, j.rowid DESC LIMIT 50", &stmt,
	    err) == -1)
		return -1;
	bind_text(stmt, 1, url);
	return each_row(st, stmt, fn, arg, err);
}

int
store_counts(struct store *st, struct store_counts *c, struct err *err)
{
	sqlite3_stmt *stmt;
	enum job_status s;
	const char *key;
	int rc;

	memset(c, 0, sizeof(*c));
	if (prepare(st, "SELECT status, count(*) FROM jobs GROUP BY status",
	    &stmt, err) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		/* An unknown word counts in total only (its rows read as
		 * failed, but the column still holds the word). */
		if (job_status_parse((const char *)sqlite3_column_text(stmt,
		    0), &s) == 0)
			c->by_status[s] = sqlite3_column_int64(stmt, 1);
		c->total += sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_err(st, err, "counting jobs");
	if (prepare(st, "SELECT key, value FROM spooler", &stmt, err) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(stmt, 0);
		if (strcmp(key, "heartbeat") == 0)
			c->heartbeat = sqlite3_column_int64(stmt, 1);
		else if (strcmp(key, "bytes_downloaded") == 0)
			c->bytes_downloaded = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_err(st, err, "reading spooler state");
	c->spooler_alive = c->heartbeat > 0 &&
	    time(NULL) - c->heartbeat <= STORE_HEARTBEAT_STALE_S;
	return 0;
}

void
job_row_free(struct job_row *r)
{
	free(r->id);
	free(r->url);
	free(r->title);
	free(r->error_msg);
	free(r->file_path);
	free(r->quality);
	free(r->headers_json);
	free(r->job_name);
	free(r->workdir);
	free(r->referer);
	free(r->user_agent);
	free(r->source_page);
	free(r->resolution);
	free(r->duplicate_of);
	free(r->folder);
	memset(r, 0, sizeof(*r));
}

int
store_get_meta(struct store *st, const char *key, char **value,
    struct err *err)
{
	sqlite3_stmt *stmt;
	int rc;

	*value = NULL;
	if (prepare(st, "SELECT value FROM spooler WHERE key = ?1", &stmt,
	    err) == -1)
		return -1;
	bind_text(stmt, 1, key);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((*value = col_text(stmt, 0)) == NULL)
			*value = xstrdup("");
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_err(st, err, "reading spooler state");
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Bucket bounds of the finished-job histograms: a download takes seconds
 * to hours (a live recording up to live_max_seconds, 4 h by default); a
 * video is a few MB to several GB.
 */
const double store_duration_bounds[STORE_DURATION_NBUCKETS] = {
	5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400
};
const double store_bytes_bounds[STORE_BYTES_NBUCKETS] = {
	1e6, 1e7, 5e7, 1e8, 2.5e8, 5e8, 1e9, 2e9, 5e9, 1e10
};

static void
hist_add(struct store_hist *h, const double *bounds, int n, double v)
{
	int i;

	for (i = 0; i < n; i++)
		if (v <= bounds[i])
			break;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

/* The kind a name spells (err_kind_name's words); ERR_PERMANENT if none. */
static enum err_kind
kind_of_name(const char *name)
{
	int k;

	for (k = 0; name != NULL && k < ERR_NKINDS; k++)
		if (strcmp(err_kind_name((enum err_kind)k), name) == 0)
			return (enum err_kind)k;
	return ERR_PERMANENT;
}

int
store_finished(struct store *st, struct store_finished *f, struct err *err)
{
	sqlite3_stmt *stmt;
	enum job_status s;
	enum err_kind k;
	int rc;

	memset(f, 0, sizeof(*f));
	if (prepare(st, "SELECT result, reason, duration_s, bytes"
	    " FROM job_finished", &stmt, err) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (job_status_parse((const char *)sqlite3_column_text(stmt, 0),
		    &s) == -1 || !job_status_finished(s))
			continue;
		k = s == JOB_COMPLETED ? ERR_NONE :
		    kind_of_name((const char *)sqlite3_column_text(stmt, 1));
		f->jobs[s][k]++;
		if (sqlite3_column_type(stmt, 2) != SQLITE_NULL)
			hist_add(&f->duration[s], store_duration_bounds,
			    STORE_DURATION_NBUCKETS,
			    (double)sqlite3_column_int64(stmt, 2));
		hist_add(&f->bytes[s], store_bytes_bounds, STORE_BYTES_NBUCKETS,
		    (double)sqlite3_column_int64(stmt, 3));
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_err(st, err, "reading finished jobs");
	return 0;
}

/* --- for the endpoint's page and event stream (issue 12) --- */

int
store_delete_job(struct store *st, const char *id, struct err *err)
{
	sqlite3_stmt *stmt;
	int n;

	if (exec_sql(st, "BEGIN IMMEDIATE;", err) == -1)
		return -1;
	if (prepare(st, "DELETE FROM job_metadata WHERE job_id = ?1", &stmt,
	    err) == -1)
		goto fail;
	bind_text(stmt, 1, id);
	if (step_done(st, stmt, "removing job metadata", err) == -1)
		goto fail;
	if (prepare(st, "DELETE FROM jobs WHERE id = ?1", &stmt, err) == -1)
		goto fail;
	bind_text(stmt, 1, id);
	if (step_done(st, stmt, "removing a job", err) == -1)
		goto fail;
	n = sqlite3_changes(st->db);
	if (exec_sql(st, "COMMIT;", err) == -1)
		goto fail;
	return n > 0 ? 1 : 0;
fail:
	exec_sql(st, "ROLLBACK;", NULL);
	return -1;
}

int
store_data_version(struct store *st, int64_t *version, struct err *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(st, "PRAGMA data_version", &stmt, err) == -1)
		return -1;
	rc = sqlite3_step(stmt);
	*version = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : db_err(st, err, "reading data_version");
}

int
store_list_updated(struct store *st, int64_t since, int limit,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err)
{
	sqlite3_stmt *stmt;

	if (prepare(st, "SELECT " JOB_COLUMNS JOB_FROM
	    " WHERE j.updated_at >= ?1 ORDER BY j.updated_at, j.rowid"
	    " LIMIT ?2", &stmt, err) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, since);
	sqlite3_bind_int(stmt, 2, limit);
	return each_row(st, stmt, fn, arg, err);
}

int
store_speed_total(struct store *st, double *bps, struct err *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(st, "SELECT total(speed_bps) FROM jobs WHERE status ="
	    " 'downloading'", &stmt, err) == -1)
		return -1;
	rc = sqlite3_step(stmt);
	*bps = rc == SQLITE_ROW ? sqlite3_column_double(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : db_err(st, err, "summing speeds");
}

/* "%word%" for LIKE, with the LIKE wildcards of the word escaped. */
static char *
like_pattern(const char *w, size_t n)
{
	char *p = xmalloc(2 * n + 3), *o = p;
	size_t i;

	*o++ = '%';
	for (i = 0; i < n; i++) {
		if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
			*o++ = '\\';
		*o++ = w[i];
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

#define SEARCH_WORDS 4
#define SEARCH_WHERE " WHERE (?1 IS NULL OR instr(',' || ?1 || ',', ',' ||" \
	" j.status || ',') > 0)"
#define SEARCH_WORD(n) " AND (?" #n " IS NULL OR j.title LIKE ?" #n \
	" ESCAPE '\\' OR j.job_name LIKE ?" #n " ESCAPE '\\' OR j.id LIKE ?" \
	#n " ESCAPE '\\' OR j.url LIKE ?" #n " ESCAPE '\\')"
#define SEARCH_FILTER SEARCH_WHERE SEARCH_WORD(2) SEARCH_WORD(3) \
	SEARCH_WORD(4) SEARCH_WORD(5)

/* Binds ?1 statuses and ?2..?5 the first SEARCH_WORDS words of q. */
static void
bind_search(sqlite3_stmt *stmt, const char *statuses, const char *q)
{
	const char *p = q;
	size_t n;
	int i;

	bind_text(stmt, 1, statuses);
	for (i = 0; i < SEARCH_WORDS; i++) {
		while (p != NULL && *p == ' ')
			p++;
		if (p == NULL || *p == '\0') {
			sqlite3_bind_null(stmt, 2 + i);
			continue;
		}
		n = strcspn(p, " ");
		sqlite3_bind_text(stmt, 2 + i, like_pattern(p, n), -1, free);
		p += n;
	}
}

int
store_search_jobs(struct store *st, const char *statuses, const char *q,
    int limit, int offset, int64_t *total,
    int (*fn)(const struct job_row *, void *), void *arg, struct err *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(st, "SELECT count(*) FROM jobs j" SEARCH_FILTER, &stmt,
	    err) == -1)
		return -1;
	bind_search(stmt, statuses, q);
	rc = sqlite3_step(stmt);
	*total = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return db_err(st, err, "counting jobs");
	if (prepare(st, "SELECT " JOB_COLUMNS JOB_FROM SEARCH_FILTER
	    " ORDER BY j.created_at DESC, j.rowid DESC LIMIT ?6 OFFSET ?7",
	    &stmt, err) == -1)
		return -1;
	bind_search(stmt, statuses, q);
	sqlite3_bind_int(stmt, 6, limit < 0 ? -1 : limit);
	sqlite3_bind_int(stmt, 7, offset < 0 ? 0 : offset);
	return each_row(st, stmt, fn, arg, err);
}
