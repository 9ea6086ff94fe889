/* check_store - the SQLite store: schema, writes, reads, counts, migration */
#include "config.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "xmalloc.h"
#include "check-main.h"

static char dir[64];
static char *dbpath;

static void
setup(void)
{
	strcpy(dir, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dbpath = xasprintf("%s/%s", dir, STORE_FILE);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(dbpath);
}

static void
add(struct store *st, const char *id, const char *url, const char *status,
    int64_t created)
{
	struct job_row r = { 0 };
	struct err err;

	r.id = (char *)id;
	r.url = (char *)url;
	ck_assert_int_eq(job_status_parse(status, &r.status), 0);
	r.job_name = (char *)id;
	r.created_at = created;
	r.referer = (char *)"https://site.example/w";
	ck_assert_msg(store_insert_job(st, &r, &err) == 0, "%s", err.msg);
}

static int
collect(const struct job_row *row, void *arg)
{
	char *ids = arg;

	strcat(ids, row->id);
	strcat(ids, " ");
	return 0;
}

START_TEST(write_then_read)
{
	struct store *st, *ro;
	struct job_row r;
	struct err err;

	st = store_open(dbpath, false, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	add(st, "concert", "https://a.example/m.m3u8", "pending", 100);
	ck_assert_int_eq(store_get_job(st, "concert", &r, &err), 1);
	ck_assert_str_eq(r.url, "https://a.example/m.m3u8");
	ck_assert_int_eq(r.status, JOB_PENDING);
	ck_assert_str_eq(r.referer, "https://site.example/w");
	ck_assert_int_eq(r.created_at, 100);
	r.status = JOB_DOWNLOADING;
	r.progress = 42.5;
	r.segments_done = 85;
	r.segments_total = 200;
	r.speed_bps = 12.3e6;
	r.eta_s = 65;
	ck_assert_msg(store_update_job(st, &r, &err) == 0, "%s", err.msg);
	job_row_free(&r);

	/* A reader sees the writer's rows (WAL) and cannot write. */
	ro = store_open(dbpath, true, &err);
	ck_assert_msg(ro != NULL, "%s", err.msg);
	ck_assert_int_eq(store_get_job(ro, "concert", &r, &err), 1);
	ck_assert_int_eq(r.status, JOB_DOWNLOADING);
	ck_assert(r.progress == 42.5);
	ck_assert_int_eq(r.segments_total, 200);
	ck_assert_int_eq(r.eta_s, 65);
	ck_assert_int_ge(r.updated_at, time(NULL) - 5);
	ck_assert_int_eq(store_update_job(ro, &r, &err), -1);
	job_row_free(&r);
	ck_assert_int_eq(store_get_job(ro, "nope", &r, &err), 0);
	store_close(ro);
	store_close(st);
}
END_TEST

START_TEST(duplicate_id_and_missing_row_fail)
{
	struct store *st = store_open(dbpath, false, NULL);
	struct job_row r = { 0 };
	struct err err;

	add(st, "a", "https://a.example/1.m3u8", "pending", 1);
	r.id = (char *)"a";
	r.url = (char *)"https://a.example/2.m3u8";
	ck_assert_int_eq(store_insert_job(st, &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "UNIQUE"));
	r.id = (char *)"ghost";
	ck_assert_int_eq(store_update_job(st, &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no job ghost"));
	store_close(st);
}
END_TEST

START_TEST(lists_counts_and_lookups)
{
	struct store *st = store_open(dbpath, false, NULL);
	struct store_counts c;
	struct err err;
	char ids[256] = "", *id = NULL;

	add(st, "j1", "https://a.example/1.m3u8", "completed", 10);
	add(st, "j2", "https://a.example/2.m3u8", "downloading", 20);
	add(st, "j3", "https://a.example/3.m3u8", "failed", 30);
	add(st, "j4", "https://a.example/2.m3u8", "pending", 40);
	ck_assert_int_eq(store_list_jobs(st, STORE_ANY_STATUS, -1, 0, collect, ids, &err), 0);
	ck_assert_str_eq(ids, "j4 j3 j2 j1 ");
	ids[0] = '\0';
	ck_assert_int_eq(store_list_jobs(st, STORE_ANY_STATUS, 2, 1, collect, ids, &err), 0);
	ck_assert_str_eq(ids, "j3 j2 ");
	ids[0] = '\0';
	ck_assert_int_eq(store_list_jobs(st, JOB_FAILED, 10, 0, collect, ids,
	    &err), 0);
	ck_assert_str_eq(ids, "j3 ");
	ids[0] = '\0';
	ck_assert_int_eq(store_list_unfinished(st, collect, ids, &err), 0);
	ck_assert_str_eq(ids, "j2 j4 ");
	ck_assert_int_eq(store_find_active_by_url(st,
	    "https://a.example/2.m3u8", &id, &err), 1);
	ck_assert_str_eq(id, "j4");
	free(id);
	ck_assert_int_eq(store_find_active_by_url(st,
	    "https://a.example/1.m3u8", &id, &err), 0);

	ck_assert_int_eq(store_counts(st, &c, &err), 0);
	ck_assert_int_eq(c.total, 4);
	ck_assert_int_eq(c.by_status[JOB_COMPLETED], 1);
	ck_assert_int_eq(c.by_status[JOB_PENDING], 1);
	ck_assert(!c.spooler_alive);
	ck_assert_int_eq(store_heartbeat(st, &err), 0);
	ck_assert_int_eq(store_set_meta(st, "bytes_downloaded", "12345", &err), 0);
	ck_assert_int_eq(store_counts(st, &c, &err), 0);
	ck_assert(c.spooler_alive);
	ck_assert_int_eq(c.bytes_downloaded, 12345);
	store_close(st);
}
END_TEST

START_TEST(schema_is_versioned)
{
	struct store *st;
	struct err err;
	sqlite3 *db;

	/* A reader refuses a database that was never initialized. */
	ck_assert_ptr_null(store_open(dbpath, true, &err));
	st = store_open(dbpath, false, &err);
	ck_assert_ptr_nonnull(st);
	store_close(st);
	/* Opening again is idempotent. */
	st = store_open(dbpath, false, &err);
	ck_assert_ptr_nonnull(st);
	store_close(st);
	/* A database from a newer m3u8nas is refused, not damaged. */
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(store_open(dbpath, false, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "newer than this program"));
}
END_TEST

/* Reads job id, gives it status (and kind), writes it back. */
static void
move(struct store *st, const char *id, const char *status,
    enum err_kind kind)
{
	struct job_row r;
	struct err err;

	ck_assert_int_eq(store_get_job(st, id, &r, &err), 1);
	ck_assert_int_eq(job_status_parse(status, &r.status), 0);
	r.error_kind = kind;
	if (strcmp(status, "downloading") == 0)
		r.started_at = 1000;
	if (strcmp(status, "completed") == 0) {
		r.completed_at = 1042;
		r.bytes_done = 5000000;
	}
	ck_assert_msg(store_update_job(st, &r, &err) == 0, "%s", err.msg);
	job_row_free(&r);
}

START_TEST(finished_events_only_grow)
{
	struct store_finished f;
	struct job_row r;
	struct store *st;
	struct err err;

	st = store_open(dbpath, false, &err);
	ck_assert_ptr_nonnull(st);
	add(st, "a", "https://a.example/m.m3u8", "pending", 100);
	add(st, "bad", "https://b.example/m.m3u8", "failed", 101);
	move(st, "a", "downloading", ERR_NONE);
	move(st, "a", "failed", ERR_DENIED);
	ck_assert_int_eq(store_get_job(st, "a", &r, &err), 1);
	ck_assert_int_eq(r.error_kind, ERR_DENIED);
	job_row_free(&r);
	/* A finished row written again is no new event. */
	move(st, "a", "failed", ERR_DENIED);
	/* Retried: pending again, then completed: a second event. */
	move(st, "a", "pending", ERR_NONE);
	move(st, "a", "downloading", ERR_NONE);
	move(st, "a", "completed", ERR_NONE);
	move(st, "a", "completed", ERR_NONE);
	ck_assert_int_eq(store_finished(st, &f, &err), 0);
	ck_assert_int_eq(f.jobs[JOB_FAILED][ERR_DENIED], 1);
	/* inserted failed without a kind: permanent */
	ck_assert_int_eq(f.jobs[JOB_FAILED][ERR_PERMANENT], 1);
	ck_assert_int_eq(f.jobs[JOB_COMPLETED][ERR_NONE], 1);
	ck_assert_int_eq(f.jobs[JOB_CANCELLED][ERR_CANCELLED], 0);
	/* durations: the completed one 42 s (bucket <= 60), the failed
	 * one had started; "bad" never started */
	ck_assert_uint_eq(f.duration[JOB_COMPLETED].count, 1);
	ck_assert_uint_eq(f.duration[JOB_COMPLETED].bucket[3], 1);
	ck_assert(f.duration[JOB_COMPLETED].sum == 42);
	ck_assert_uint_eq(f.duration[JOB_FAILED].count, 1);
	ck_assert_uint_eq(f.bytes[JOB_COMPLETED].count, 1);
	ck_assert(f.bytes[JOB_COMPLETED].sum == 5000000);
	ck_assert_uint_eq(f.bytes[JOB_COMPLETED].bucket[1], 1);	/* <= 1e7 */
	ck_assert_uint_eq(f.bytes[JOB_FAILED].count, 2);
	store_close(st);
}
END_TEST

START_TEST(v1_database_migrates)
{
	struct job_row r;
	struct store *st;
	struct err err;
	sqlite3 *db;

	st = store_open(dbpath, false, &err);
	ck_assert_ptr_nonnull(st);
	store_close(st);
	/* Back to what version 1 made, with a row in it. */
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP TABLE job_finished;"
	    "ALTER TABLE jobs DROP COLUMN error_kind;"
	    "ALTER TABLE jobs DROP COLUMN duplicate_of;"
	    "ALTER TABLE jobs DROP COLUMN folder;"
	    "ALTER TABLE jobs DROP COLUMN live;"
	    "ALTER TABLE jobs DROP COLUMN gap_seconds;"
	    "INSERT INTO jobs (id, url, status, created_at) VALUES"
	    " ('old', 'https://o.example/m.m3u8?token=s3cret', 'failed', 5);"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = store_open(dbpath, false, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	ck_assert_int_eq(store_get_job(st, "old", &r, &err), 1);
	ck_assert_int_eq(r.error_kind, ERR_NONE);
	/* Version 3 set the URL's query (a token) aside. */
	ck_assert_str_eq(r.url, "https://o.example/m.m3u8");
	/* Version 4: no gap until a download says so. */
	ck_assert(r.gap_seconds == 0);
	job_row_free(&r);
	move(st, "old", "pending", ERR_NONE);
	move(st, "old", "failed", ERR_TEMPORARY);
	store_close(st);
	st = store_open(dbpath, true, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_get_job(st, "old", &r, &err), 1);
	ck_assert_int_eq(r.error_kind, ERR_TEMPORARY);
	job_row_free(&r);
	store_close(st);
}
END_TEST

/* A version 3 database gets gap_seconds (0), and it round-trips. */
START_TEST(v3_database_gets_gap_seconds)
{
	struct job_row r;
	struct store *st;
	struct err err;
	sqlite3 *db;
	sqlite3_stmt *stmt;

	st = store_open(dbpath, false, &err);
	ck_assert_ptr_nonnull(st);
	store_close(st);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "ALTER TABLE jobs DROP COLUMN "
	    "gap_seconds; INSERT INTO jobs (id, url, status, created_at) VALUES"
	    " ('v3', 'https://o.example/m.m3u8', 'downloading', 5);"
	    "PRAGMA user_version = 3;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = store_open(dbpath, false, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	ck_assert_int_eq(store_get_job(st, "v3", &r, &err), 1);
	ck_assert(r.gap_seconds == 0);
	r.gap_seconds = 4.25;
	ck_assert_msg(store_update_job(st, &r, &err) == 0, "%s", err.msg);
	job_row_free(&r);
	store_close(st);
	st = store_open(dbpath, true, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_get_job(st, "v3", &r, &err), 1);
	ck_assert_double_eq_tol(r.gap_seconds, 4.25, 1e-9);
	job_row_free(&r);
	store_close(st);
	/* the schema says version 4 */
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
	    &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(stmt, 0), 4);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_then_read);
	tcase_add_test(tc, duplicate_id_and_missing_row_fail);
	tcase_add_test(tc, lists_counts_and_lookups);
	tcase_add_test(tc, schema_is_versioned);
	tcase_add_test(tc, finished_events_only_grow);
	tcase_add_test(tc, v1_database_migrates);
	tcase_add_test(tc, v3_database_gets_gap_seconds);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(store_suite())
