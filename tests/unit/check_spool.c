/* check_spool - layout, claim by rename, safe reads, moving aside, control */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"
#include "spool.h"
#include "xmalloc.h"
#include "check-main.h"

static char root[64];
static struct spool sp;

static void
setup(void)
{
	struct err err;

	snprintf(root, sizeof(root), "/tmp/check_spool.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_msg(spool_open(&sp, root, &err) == 0, "%s", err.msg);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", root);

	spool_close(&sp);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static char *
slurp(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name), *buf = xmalloc(4096);
	FILE *fp = fopen(path, "r");
	size_t n;

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, 4095, fp);
	buf[n] = '\0';
	fclose(fp);
	free(path);
	return buf;
}

static void
put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	free(path);
}

START_TEST(layout_is_made)
{
	static const char *const dirs[] = { "incoming", "control",
	    "processing", "failed", "state" };
	struct stat st;
	size_t i;
	char *p;

	for (i = 0; i < 5; i++) {
		p = xasprintf("%s/%s", root, dirs[i]);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		free(p);
	}
	/* A second spoolers' lock fails and names the first one's pid. */
	struct spool sp2;
	struct err err;
	ck_assert_int_eq(spool_lock(&sp, &err), 0);
	ck_assert_int_eq(spool_open(&sp2, root, &err), 0);
	ck_assert_int_eq(spool_lock(&sp2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "already running"));
	spool_close(&sp2);
}
END_TEST

static const struct {
	const char *name;
	int job;
	const char *id;
} name_cases[] = {
	{ "concert.job", 1, "concert" },
	{ ".concert.job", 0, "concert" },
	{ "concert.job.tmp", 0, "concert.job.tmp" },
	{ "concert", 0, "concert" },
	{ ".job", 0, "job" },
	{ "my show (1).job", 1, "my_show__1_" },
	{ "..job", 0, "job" },
	{ "-x.job", 1, "x" },
};

START_TEST(names_table)
{
	char *id = spool_id_from_name(name_cases[_i].name);

	ck_assert_int_eq(spool_is_job_name(name_cases[_i].name),
	    name_cases[_i].job);
	ck_assert_str_eq(id, name_cases[_i].id);
	free(id);
}
END_TEST

static bool
taken_concert(const char *id, void *arg)
{
	return strcmp(id, "concert") == 0;
}

START_TEST(claim_and_suffix)
{
	struct err err;
	char *id, *buf;
	size_t len;

	put(sp.incoming, "concert.job", "{\"url\":\"http://x/a.m3u8\"}");
	ck_assert_int_eq(spool_claim(&sp, "concert.job", NULL, NULL, &id,
	    &err), 1);
	ck_assert_str_eq(id, "concert");
	ck_assert(spool_has_job_file(&sp, "concert"));
	ck_assert_int_eq(spool_read_job(&sp, id, 1024, &buf, &len, &err), 0);
	ck_assert_str_eq(buf, "{\"url\":\"http://x/a.m3u8\"}");
	free(buf);
	free(id);
	/* Taken in processing/: -2; taken in the store: skipped too. */
	put(sp.incoming, "concert.job", "x");
	ck_assert_int_eq(spool_claim(&sp, "concert.job", NULL, NULL, &id,
	    &err), 1);
	ck_assert_str_eq(id, "concert-2");
	free(id);
	ck_assert_int_eq(spool_remove_job_dir(&sp, "concert", &err), 0);
	put(sp.incoming, "concert.job", "x");
	ck_assert_int_eq(spool_claim(&sp, "concert.job", taken_concert, NULL,
	    &id, &err), 1);
	ck_assert_str_eq(id, "concert-3");
	free(id);
	/* Gone (another claimer won): 0, and no directory left behind. */
	ck_assert_int_eq(spool_claim(&sp, "ghost.job", NULL, NULL, &id,
	    &err), 0);
	ck_assert_ptr_null(id);
	ck_assert(access("/nonexistent", F_OK) == -1);
	char *p = xasprintf("%s/ghost", sp.processing);
	ck_assert_int_eq(access(p, F_OK), -1);
	free(p);
}
END_TEST

/* Each kind of entry is claimed without being opened, then refused. */
enum kind { K_FILE, K_BIG, K_SYMLINK, K_FIFO, K_DIR, K_HARDLINK };
static const struct {
	enum kind kind;
	const char *reason;	/* NULL: read fine */
} read_cases[] = {
	{ K_FILE, NULL },
	{ K_BIG, "too large" },
	{ K_SYMLINK, "is a symbolic link, not a file" },
	{ K_FIFO, "is a FIFO, not a file" },
	{ K_DIR, "is a directory, not a file" },
	/* Another name could change it under the spooler: never read. */
	{ K_HARDLINK, "hard links" },
};

START_TEST(read_table)
{
	char *path = xasprintf("%s/x.job", sp.incoming), *id, *buf;
	char big[2048];
	struct err err;
	size_t len;
	int rc;

	switch (read_cases[_i].kind) {
	case K_FILE:
		put(sp.incoming, "x.job", "http://example.com/a.m3u8\n");
		break;
	case K_BIG:
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		put(sp.incoming, "x.job", big);
		break;
	case K_SYMLINK:
		ck_assert_int_eq(symlink("/etc/passwd", path), 0);
		break;
	case K_FIFO:
		ck_assert_int_eq(mkfifo(path, 0644), 0);
		break;
	case K_DIR:
		ck_assert_int_eq(mkdir(path, 0755), 0);
		break;
	case K_HARDLINK:
		put(sp.incoming, "x.job", "http://example.com/a.m3u8\n");
		buf = xasprintf("%s/.other", sp.incoming);
		ck_assert_int_eq(link(path, buf), 0);
		free(buf);
		break;
	}
	ck_assert_int_eq(spool_claim(&sp, "x.job", NULL, NULL, &id, &err), 1);
	rc = spool_read_job(&sp, id, 1024, &buf, &len, &err);
	if (read_cases[_i].reason == NULL) {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(len, strlen(buf));
		free(buf);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err.msg, read_cases[_i].reason) != NULL,
		    "%s", err.msg);
		/* Moved aside as it is, with one line saying why. */
		ck_assert_int_eq(spool_fail(&sp, id, err.msg, &err), 0);
		buf = slurp(sp.failed, "x.error");
		ck_assert_ptr_nonnull(strstr(buf, read_cases[_i].reason));
		ck_assert_ptr_eq(strchr(buf, '\n'), buf + strlen(buf) - 1);
		free(buf);
		struct stat st;
		char *f = xasprintf("%s/x.job", sp.failed);
		/* Another name of a file is never given one in failed/. */
		if (read_cases[_i].kind == K_HARDLINK) {
			ck_assert_int_eq(lstat(f, &st), -1);
			free(f);
			f = xasprintf("%s/.other", sp.incoming);
			ck_assert_int_eq(lstat(f, &st), 0);
			ck_assert_uint_eq(st.st_nlink, 1);
		} else
			ck_assert_int_eq(lstat(f, &st), 0);
		ck_assert(read_cases[_i].kind != K_SYMLINK || S_ISLNK(st.st_mode));
		ck_assert(read_cases[_i].kind != K_FIFO || S_ISFIFO(st.st_mode));
		ck_assert(read_cases[_i].kind != K_DIR || S_ISDIR(st.st_mode));
		free(f);
		f = xasprintf("%s/x", sp.processing);
		ck_assert_int_eq(access(f, F_OK), -1);
		free(f);
	}
	free(id);
	free(path);
}
END_TEST

START_TEST(aside_never_replaces)
{
	struct err err;
	char *buf;

	put(sp.incoming, "a.job", "one");
	put(sp.incoming, "b.job", "two");
	ck_assert_int_eq(spool_move_aside(&sp, sp.incoming_fd, "a.job", "a",
	    "first\nreason", &err), 0);
	ck_assert_int_eq(spool_move_aside(&sp, sp.incoming_fd, "b.job", "a",
	    "second", &err), 0);
	buf = slurp(sp.failed, "a.error");
	ck_assert_str_eq(buf, "first reason\n");
	free(buf);
	buf = slurp(sp.failed, "a-2.job");
	ck_assert_str_eq(buf, "two");
	free(buf);
	/* Requeue takes failed/<id>.job back and drops its .error. */
	ck_assert_int_eq(spool_requeue(&sp, "a", &err), 1);
	buf = slurp(sp.processing, "a/job");
	ck_assert_str_eq(buf, "one");
	free(buf);
	char *e = xasprintf("%s/a.error", sp.failed);
	ck_assert_int_eq(access(e, F_OK), -1);
	free(e);
	ck_assert_int_eq(spool_requeue(&sp, "nothing", &err), 0);
}
END_TEST

START_TEST(workdir_and_remove)
{
	struct err err;
	char *w = spool_workdir(&sp, "j", &err), *p;

	ck_assert_ptr_nonnull(w);
	put(w, "seg-v-000001", "data");
	/* A symlink inside is removed, its target is not touched. */
	p = xasprintf("%s/link", w);
	ck_assert_int_eq(symlink(root, p), 0);
	free(p);
	ck_assert_int_eq(spool_remove_job_dir(&sp, "j", &err), 0);
	ck_assert_int_eq(access(w, F_OK), -1);
	ck_assert_int_eq(access(sp.incoming, F_OK), 0);
	free(w);
}
END_TEST

static const struct {
	const char *name;
	int rc;
	enum control_word w;
	const char *id;
} ctl_cases[] = {
	{ "concert.cancel", 1, CONTROL_CANCEL, "concert" },
	{ "concert-2.retry", 1, CONTROL_RETRY, "concert-2" },
	{ ".concert.cancel", 0, 0, NULL },
	{ "concert.pause", 1, CONTROL_PAUSE, "concert" },
	{ "concert.refresh", 1, CONTROL_REFRESH, "concert" },
	{ "concert.bogus", 0, 0, NULL },
	{ ".cancel", 0, 0, NULL },
	{ "a.b.retry", 1, CONTROL_RETRY, "a.b" },
	{ "a b.cancel", -1, CONTROL_CANCEL, "a b" },
};

START_TEST(control_table)
{
	enum control_word w = 0;
	char *id;

	ck_assert_int_eq(control_parse(ctl_cases[_i].name, &w, &id),
	    ctl_cases[_i].rc);
	if (ctl_cases[_i].rc != 0)
		ck_assert_int_eq(w, ctl_cases[_i].w);
	if (ctl_cases[_i].id == NULL)
		ck_assert_ptr_null(id);
	else
		ck_assert_str_eq(id, ctl_cases[_i].id);
	free(id);
}
END_TEST

/* A refresh carries its job JSON, in a file only the spooler's user reads;
 * a bare word stays 0644 with the word as its content. */
START_TEST(control_request_with_data)
{
	static const char body[] = "{\"url\": \"https://h/a.m3u8?t=2\"}\n";
	struct stat st;
	struct err err;
	char *path, *got;

	ck_assert_int_eq(control_request_data(sp.control, "concert",
	    CONTROL_REFRESH, body, strlen(body), 0600, &err), 0);
	path = xasprintf("%s/concert.refresh", sp.control);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	got = slurp(sp.control, "concert.refresh");
	ck_assert_str_eq(got, body);
	free(got);
	free(path);
	ck_assert_int_eq(control_request(sp.control, "concert", CONTROL_CANCEL,
	    &err), 0);
	got = slurp(sp.control, "concert.cancel");
	ck_assert_str_eq(got, "cancel\n");
	free(got);
	ck_assert_int_eq(control_request_data(sp.control, "../x",
	    CONTROL_REFRESH, body, strlen(body), 0600, &err), -1);
	ck_assert_int_eq(err.kind, ERR_INVALID);
}
END_TEST

/* etc/m3u8nas.conf documents every key with its default: loading it over
 * the defaults must change nothing (a stale sample fails here). */
START_TEST(sample_conf_is_the_defaults)
{
	struct conf def, c;
	struct err err;
	int i;

	conf_defaults(&def, NULL);
	conf_defaults(&c, NULL);
	ck_assert_msg(conf_load(&c, TOP_SRCDIR "/etc/m3u8nas.conf", &err) == 0,
	    "%s", err.msg);
	/* The source sample states a --localstatedir=/var build's paths; it
	 * is installed with the configured one (etc/m3u8nas.conf.inst). */
	ck_assert_str_eq(c.spool_dir, "/var/spool/m3u8nas");
	ck_assert_str_eq(def.spool_dir, LOCALSTATEDIR "/spool/m3u8nas");
	ck_assert_str_eq(c.library_dir, "/var/spool/m3u8nas/completed");
	ck_assert_str_eq(def.library_dir, LOCALSTATEDIR "/spool/m3u8nas/completed");
	ck_assert_str_eq(c.mount_point, def.mount_point);
	ck_assert_int_eq(c.max_jobs, def.max_jobs);
	ck_assert_int_eq(c.segment_concurrency, def.segment_concurrency);
	ck_assert_int_eq(c.allow_private_targets, def.allow_private_targets);
	ck_assert_int_eq(c.min_free_bytes, def.min_free_bytes);
	ck_assert_int_eq(c.live_max_seconds, def.live_max_seconds);
	ck_assert_int_eq(c.max_segment_bytes, def.max_segment_bytes);
	ck_assert_int_eq(c.max_playlist_bytes, def.max_playlist_bytes);
	ck_assert_int_eq(c.max_job_file_bytes, def.max_job_file_bytes);
	ck_assert_int_eq(c.connect_timeout_s, def.connect_timeout_s);
	ck_assert_int_eq(c.low_speed_time_s, def.low_speed_time_s);
	ck_assert_int_eq(c.retries, def.retries);
	ck_assert_int_eq(c.lossy_skip_segments, def.lossy_skip_segments);
	ck_assert_str_eq(c.log_file, def.log_file);
	ck_assert_int_eq(c.log_json, def.log_json);
	ck_assert_str_eq(c.http.listen, def.http.listen);
	ck_assert_str_eq(c.http.plain_listen, def.http.plain_listen);
	ck_assert_int_eq(c.http.ntokens, def.http.ntokens);
	for (i = 0; i < c.http.ntokens; i++)
		ck_assert_str_eq(c.http.tokens[i], def.http.tokens[i]);
	ck_assert_int_eq(c.http.rate_limit_per_minute,
	    def.http.rate_limit_per_minute);
	ck_assert_str_eq(c.http.tls_cert, def.http.tls_cert);
	ck_assert_str_eq(c.http.tls_key, def.http.tls_key);
	ck_assert_int_eq(c.http.max_connections, def.http.max_connections);
	ck_assert_int_eq(c.http.request_timeout_s, def.http.request_timeout_s);
	ck_assert_int_eq(c.http.max_body_bytes, def.http.max_body_bytes);
	ck_assert_int_eq(c.http.session_ttl_s, def.http.session_ttl_s);
	ck_assert_int_eq(c.http.signin_per_minute, def.http.signin_per_minute);
	ck_assert_int_eq(c.bandwidth.limit_bps, def.bandwidth.limit_bps);
	ck_assert_int_eq(c.bandwidth.nwindows, def.bandwidth.nwindows);
	conf_free(&c);
	conf_free(&def);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, layout_is_made);
	tcase_add_loop_test(tc, names_table, 0, N(name_cases));
	tcase_add_test(tc, claim_and_suffix);
	tcase_add_loop_test(tc, read_table, 0, N(read_cases));
	tcase_add_test(tc, aside_never_replaces);
	tcase_add_test(tc, workdir_and_remove);
	tcase_add_loop_test(tc, control_table, 0, N(ctl_cases));
	tcase_add_test(tc, control_request_with_data);
	tcase_add_test(tc, sample_conf_is_the_defaults);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(spool_suite())
