/* check_fs_source - the tree's view of the store: missing store, names, and
 * a reader that may not write next to a stopped spooler's database */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "source.h"
#include "store.h"
#include "xmalloc.h"
#include "check-main.h"

struct spool {
	char dir[64];
	char *state, *db;
};

static void
spool_new(struct spool *sp)
{
	snprintf(sp->dir, sizeof(sp->dir), "/tmp/check_fs_source.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sp->dir));
	ck_assert_int_eq(chmod(sp->dir, 0755), 0);
	sp->state = xasprintf("%s/state", sp->dir);
	sp->db = xasprintf("%s/m3u8nas.db", sp->state);
	ck_assert_int_eq(mkdir(sp->state, 0755), 0);
}

static void
spool_free(struct spool *sp)
{
	char *cmd = xasprintf("rm -rf '%s'", sp->dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(sp->state);
	free(sp->db);
}

/* Adds jobs (id, name, status), newest last. */
static void
add_jobs(const char *db, const char *const (*jobs)[3], size_t n)
{
	struct store *st;
	struct job_row r;
	struct err err;
	size_t i;

	st = store_open(db, false, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.id = (char *)jobs[i][0];
		r.url = "http://127.0.0.1/x.m3u8";
		r.job_name = (char *)jobs[i][1];
		ck_assert_int_eq(job_status_parse(jobs[i][2], &r.status), 0);
		r.created_at = 1000 + (int64_t)i;
		ck_assert_msg(store_insert_job(st, &r, &err) == 0, "%s",
		    err.msg);
	}
	store_close(st);
}

START_TEST(missing_store_is_empty)
{
	struct spool sp;
	struct source *src;
	struct fs_status s;
	struct job_row r;
	char *id;

	spool_new(&sp);
	src = source_new(sp.db, sp.dir);
	ck_assert_int_eq(source_get_job(src, "a", &r), 0);
	ck_assert_int_eq(source_find_name(src, "a", &id), 0);
	source_status(src, &s);
	ck_assert(!s.store_ok);
	ck_assert_ptr_nonnull(strstr(s.store_note, "has not run yet"));
	ck_assert_int_ge(s.disk_free, 0);
	/* The read-only side never creates the store. */
	ck_assert_int_eq(access(sp.db, F_OK), -1);
	source_free(src);
	spool_free(&sp);
}
END_TEST

static int
collect(const char *name, void *arg)
{
	char *all = arg;
	size_t len = strlen(all);

	snprintf(all + len, 256 - len, "%s ", name);
	return 0;
}

START_TEST(names_newest_wins)
{
	static const char *const jobs[][3] = {
		{ "a1", "concert", "completed" },
		{ "b2", "lecture", "failed" },
		{ "c3", "concert", "downloading" },
		{ "d4", "", "pending" },
		{ "e5", "../up/and\001away", "pending" },
	};
	struct spool sp;
	struct source *src;
	char all[256] = "", *id;

	spool_new(&sp);
	add_jobs(sp.db, jobs, sizeof(jobs) / sizeof(jobs[0]));
	src = source_new(sp.db, sp.dir);
	ck_assert_int_eq(source_list_names(src, collect, all), 0);
	ck_assert_str_eq(all,
	    ".._up_and_away concert concert~a1 lecture ");
	ck_assert_int_eq(source_find_name(src, "concert", &id), 1);
	ck_assert_str_eq(id, "c3");
	free(id);
	ck_assert_int_eq(source_find_name(src, "concert~a1", &id), 1);
	ck_assert_str_eq(id, "a1");
	free(id);
	ck_assert_int_eq(source_find_name(src, "nothing", &id), 0);
	source_free(src);
	spool_free(&sp);
}
END_TEST

/* In a child that may not write to state/: reads the job's status. */
static int
reader_sees(struct source *src, const char *id, const char *status)
{
	struct job_row r;
	int ok;

	if (source_get_job(src, id, &r) != 1)
		return 0;
	ok = strcmp(job_status_name(r.status), status) == 0;
	job_row_free(&r);
	return ok;
}

static void
drop_privileges(void)
{
	if (getuid() == 0 && (setgid(65534) == -1 || setuid(65534) == -1))
		_exit(90);
}

START_TEST(readonly_reader_of_stopped_spooler)
{
	static const char *const jobs[][3] = { { "a1", "n", "paused" } };
	struct spool sp;
	struct store *st;
	struct job_row r;
	struct err err;
	int go[2], done[2], status;
	char c;
	pid_t pid;

	spool_new(&sp);
	add_jobs(sp.db, jobs, 1);
	/* The writer is gone: no -wal, no -shm, and state/ is not ours. */
	ck_assert_int_eq(access(sp.state, F_OK), 0);
	ck_assert_int_eq(chmod(sp.state, 0555), 0);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	if ((pid = fork()) == 0) {
		struct source *src;

		drop_privileges();
		src = source_new(sp.db, sp.dir);
		if (!reader_sees(src, "a1", "paused"))
			_exit(1);
		if (write(done[1], "1", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		/* The spooler is back and changed the job: seen. */
		usleep(SOURCE_REOPEN_MS * 1000);
		if (!reader_sees(src, "a1", "downloading"))
			_exit(3);
		source_free(src);
		_exit(0);
	}
	ck_assert_int_eq(read(done[0], &c, 1), 1);
	/* The spooler starts again (as the owner of state/). */
	ck_assert_int_eq(chmod(sp.state, 0755), 0);
	st = store_open(sp.db, false, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_get_job(st, "a1", &r, &err), 1);
	r.status = JOB_DOWNLOADING;
	ck_assert_int_eq(store_update_job(st, &r, &err), 0);
	job_row_free(&r);
	ck_assert_int_eq(write(go[1], "1", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	store_close(st);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "reader exited %d", WEXITSTATUS(status));
	spool_free(&sp);
}
END_TEST

static Suite *
source_suite(void)
{
	Suite *s = suite_create("fs_source");
	TCase *tc = tcase_create("source");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, missing_store_is_empty);
	tcase_add_test(tc, names_newest_wins);
	tcase_add_test(tc, readonly_reader_of_stopped_spooler);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(source_suite())
