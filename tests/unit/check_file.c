/* check_file - lib/file (atomic writes, bounded reads, tree removal),
 * lib/err kinds, lib/job-status names and predicates, lib/clock */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-main.h"
#include "clock.h"
#include "err.h"
#include "file.h"
#include "job-status.h"
#include "xmalloc.h"

static char *
tmpdir(void)
{
	char *d = xstrdup("/tmp/check_file.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static int
count_entries(const char *dir)
{
	char *cmd = xasprintf("ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	free(cmd);
	return n;
}

START_TEST(atomic_write_replaces_or_not)
{
	char *d = tmpdir(), *buf = NULL;
	struct err err = { 0 };
	size_t len;
	struct stat st;
	int dfd = open(d, O_RDONLY | O_DIRECTORY);

	ck_assert_int_eq(file_write_atomic(dfd, "a", "one", 3, 0600,
	    FILE_SYNC, &err), 0);
	ck_assert_int_eq(file_write_atomic(dfd, "a", "two!", 4, 0600, 0,
	    &err), 0);
	ck_assert_int_eq(file_read_bounded(dfd, "a", 100, &buf, &len, &err), 0);
	ck_assert_str_eq(buf, "two!");
	free(buf);
	/* NOREPLACE: EEXIST, the old content stays, no temporary left. */
	errno = 0;
	ck_assert_int_eq(file_write_atomic(dfd, "a", "three", 5, 0600,
	    FILE_SYNC | FILE_NOREPLACE, &err), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(file_read_bounded(dfd, "a", 100, &buf, &len, &err), 0);
	ck_assert_str_eq(buf, "two!");
	free(buf);
	ck_assert_int_eq(count_entries(d), 1);
	/* The mode asked for, whatever the umask. */
	ck_assert_int_eq(fstatat(dfd, "a", &st, 0), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* A path with a directory, from AT_FDCWD. */
	{
		char *p = xasprintf("%s/b", d);

		ck_assert_int_eq(file_write_atomic(AT_FDCWD, p, "x", 1, 0644,
		    FILE_SYNC | FILE_NOREPLACE, &err), 0);
		free(p);
	}
	ck_assert_int_eq(count_entries(d), 2);
	ck_assert_int_eq(file_remove_tree(AT_FDCWD, d, &err), 0);
	ck_assert_int_eq(access(d, F_OK), -1);
	close(dfd);
	free(d);
}
END_TEST

START_TEST(bounded_read_refuses_links_fifos_and_big_files)
{
	char *d = tmpdir(), *buf = (char *)"x";
	struct err err = { 0 };
	size_t len;
	int dfd = open(d, O_RDONLY | O_DIRECTORY);

	ck_assert_int_eq(file_write_atomic(dfd, "f", "12345", 5, 0644, 0,
	    &err), 0);
	ck_assert_int_eq(symlinkat("f", dfd, "sym"), 0);
	ck_assert_int_eq(linkat(dfd, "f", dfd, "hard", 0), 0);
	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0644), 0);

	ck_assert_int_eq(file_read_bounded(dfd, "sym", 100, &buf, &len, &err), -1);
	ck_assert_int_eq(err.kind, ERR_REFUSED);
	ck_assert_ptr_null(buf);
	ck_assert_ptr_nonnull(strstr(err.msg, "symbolic link"));
	ck_assert_int_eq(file_read_bounded(dfd, "hard", 100, &buf, &len, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "hard links"));
	ck_assert_int_eq(file_read_bounded(dfd, "fifo", 100, &buf, &len, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "FIFO"));
	ck_assert_int_eq(unlinkat(dfd, "hard", 0), 0);
	ck_assert_int_eq(file_read_bounded(dfd, "f", 4, &buf, &len, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "too large"));
	/* The reason names the file, never its content. */
	ck_assert_ptr_null(strstr(err.msg, "12345"));
	ck_assert_int_eq(file_read_bounded(dfd, "f", 5, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 5);
	free(buf);
	/* remove_tree never follows the symlink out. */
	ck_assert_int_eq(file_remove_tree(AT_FDCWD, d, &err), 0);
	close(dfd);
	free(d);
}
END_TEST

START_TEST(err_kinds_are_set_and_kept)
{
	struct err err = { 0 }, copy;

	ck_assert_int_eq(err_set(&err, "plain %d", 1), -1);
	ck_assert_int_eq(err.kind, ERR_PERMANENT);
	err_setk(&err, ERR_DENIED, "HTTP 403");
	err_wrap(&err, "segment %d", 3);
	ck_assert_int_eq(err.kind, ERR_DENIED);
	ck_assert_str_eq(err.msg, "segment 3: HTTP 403");
	errno = ENOSPC;
	err_errno(&err, "cannot write");
	ck_assert_int_eq(err.kind, ERR_NOSPACE);
	ck_assert_int_eq(errno, ENOSPC);
	err_copy(&copy, &err);
	ck_assert_int_eq(copy.kind, ERR_NOSPACE);
	ck_assert_str_eq(copy.msg, err.msg);
	err_clear(&err);
	ck_assert_int_eq(err.kind, ERR_NONE);
	ck_assert_str_eq(err_kind_name(ERR_TEMPORARY), "temporary");
	ck_assert_int_eq(err_kind_of_errno(ECONNRESET), ERR_TEMPORARY);
	ck_assert_int_eq(err_kind_of_errno(ENOENT), ERR_PERMANENT);
	/* NULL err: still -1, nothing written. */
	ck_assert_int_eq(err_setk(NULL, ERR_INVALID, "x"), -1);
}
END_TEST

START_TEST(status_names_round_trip)
{
	enum job_status s;

	for (int i = 0; i < JOB_NSTATUS; i++) {
		ck_assert_int_eq(job_status_parse(job_status_name(i), &s), 0);
		ck_assert_int_eq(s, i);
		/* Every state is exactly one of finished or unfinished. */
		ck_assert(job_status_finished(i) != job_status_unfinished(i));
		/* Running and retryable states are never the other kind. */
		if (job_status_running(i))
			ck_assert(job_status_unfinished(i));
		if (job_status_retryable(i))
			ck_assert(job_status_finished(i));
	}
	ck_assert_int_eq(job_status_parse("done", &s), -1);
	ck_assert_int_eq(job_status_parse(NULL, &s), -1);
	ck_assert_str_eq(job_status_name(JOB_WAITING), "waiting");
	ck_assert(!job_status_retryable(JOB_COMPLETED));
	ck_assert(job_status_runnable(JOB_PAUSED));
	ck_assert(!job_status_runnable(JOB_SUSPENDED));
}
END_TEST

START_TEST(clock_moves_forward)
{
	int64_t a = clock_ms(), b = clock_ms();

	ck_assert_int_ge(b, a);
	ck_assert_int_gt(clock_wall_ms(), 1600000000000LL);
}
END_TEST

static Suite *
file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, atomic_write_replaces_or_not);
	tcase_add_test(tc, bounded_read_refuses_links_fifos_and_big_files);
	tcase_add_test(tc, err_kinds_are_set_and_kept);
	tcase_add_test(tc, status_names_round_trip);
	tcase_add_test(tc, clock_moves_forward);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(file_suite())
