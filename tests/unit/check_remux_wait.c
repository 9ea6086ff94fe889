/* check_remux_wait - parts that land while remux_to_mp4 reads (its wait) */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remux-fixture.h"
#include "xmalloc.h"
#include "check-main.h"

/*
 * A downloader stand-in: a thread puts the source's parts in place one at
 * a time (written under a .part name, then renamed, as the download does),
 * each only once the remux has asked for it, so that every wait really
 * blocks; a part not there yet does not exist at all, so a remux that
 * opened one before asking would fail. skip: the part said skipped (never
 * written); stop_after > 0: after that many parts the wait says stop.
 */
struct arrivals {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct source *s;
	char *paths[MAXPARTS];
	size_t ready;		/* parts [0, ready) decided */
	size_t asked;		/* one past the last part asked for */
	size_t skip, stop_after;
	bool stop, in_order;
};

static void
copy_in(const char *from, const char *to)
{
	char *tmp = xasprintf("%s.part", to), buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	ck_assert_int_ge(in, 0);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	ck_assert_int_eq(close(out), 0);
	ck_assert_int_eq(rename(tmp, to), 0);
	free(tmp);
}

static void *
producer(void *arg)
{
	struct arrivals *a = arg;
	size_t i;

	for (i = 0; i < a->s->n; i++) {
		pthread_mutex_lock(&a->mu);
		while (a->asked <= i)
			pthread_cond_wait(&a->cv, &a->mu);
		pthread_mutex_unlock(&a->mu);
		if (i != a->skip)
			copy_in(a->s->paths[i], a->paths[i]);
		pthread_mutex_lock(&a->mu);
		a->ready = i + 1;
		if (a->stop_after > 0 && a->ready == a->stop_after)
			a->stop = true;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (a->stop)
			break;
	}
	return NULL;
}

static int
arrive_wait(void *arg, size_t part)
{
	struct arrivals *a = arg;
	int r;

	pthread_mutex_lock(&a->mu);
	if (part != a->asked)
		a->in_order = false;
	a->asked = part + 1;
	pthread_cond_broadcast(&a->cv);
	while (a->ready <= part && !a->stop)
		pthread_cond_wait(&a->cv, &a->mu);
	r = a->stop && a->ready <= part ? REMUX_PART_STOP : part == a->skip ?
	    REMUX_PART_SKIPPED : REMUX_PART_READY;
	pthread_mutex_unlock(&a->mu);
	return r;
}

static const struct {
	int source;
	size_t skip;		/* MAXPARTS: none; else 0 or LAST */
	size_t stop_after;
} cases[] = {
	{ SRC_TS, MAXPARTS, 0 },
	{ SRC_FMP4, MAXPARTS, 0 },
	{ SRC_TS, 0, 0 },
	{ SRC_TS, MAXPARTS + 1, 0 },	/* the last part */
	{ SRC_TS, MAXPARTS, 2 },
};

/* The remux with parts arriving as case c says; its return value. */
static int
remux_arriving(int c, struct track_buf *b, struct arrivals *a,
    const char *out, struct prog *p, struct err *err)
{
	pthread_t th;
	size_t i;
	int rc;

	a->s = &src[cases[c].source];
	a->skip = cases[c].skip == MAXPARTS + 1 ? a->s->n - 1 : cases[c].skip;
	a->stop_after = cases[c].stop_after;
	a->in_order = true;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	track_add(b, a->s, 0);
	for (i = 0; i < a->s->n; i++) {
		a->paths[i] = xasprintf("%s/wait%d-%zu.%s", dir, c, i,
		    a->s->ext);
		unlink(a->paths[i]);
		b->parts[i].path = a->paths[i];
	}
	b->t.wait = arrive_wait;
	b->t.wait_arg = a;
	ck_assert_int_eq(pthread_create(&th, NULL, producer, a), 0);
	rc = remux_to_mp4(&b->t, 1, out, on_progress, p, err);
	pthread_mutex_lock(&a->mu);
	a->stop = true;		/* a producer still waiting for a question */
	a->asked = a->s->n;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(th, NULL);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	return rc;
}

/* The reference: the source's parts that were not skipped, as one TS. */
static char *
reference(int c, const struct arrivals *a)
{
	char *ref = xasprintf("%s/wait%d-ref.ts", dir, c);
	size_t i;

	ck_assert_int_eq(sh(": >%s", ref), 0);
	for (i = 0; i < a->s->n; i++)
		if (i != a->skip)
			ck_assert_int_eq(sh("cat %s >>%s", a->s->paths[i], ref),
			    0);
	return ref;
}

START_TEST(parts_arrive_while_remuxing)
{
	struct track_buf b = { 0 };
	struct arrivals a = { 0 };
	struct prog p = { .monotonic = true };
	struct remux_result r;
	struct err err;
	char *out = xasprintf("%s/wait%d.mp4", dir, _i), *ref;
	size_t i;
	int rc;

	rc = remux_arriving(_i, &b, &a, out, &p, &err);
	ck_assert(a.in_order);
	if (cases[_i].stop_after > 0) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(err.kind, ERR_CANCELLED);
		ck_assert_int_ne(access(out, F_OK), 0);	/* removed */
	} else {
		ck_assert_msg(rc == 0, "%s", err.msg);
		ck_assert(p.monotonic && p.last == 1.0);
		ck_assert_int_eq(a.asked, a.s->n);	/* each part, once */
		ck_assert_msg(remux_verify(out, true, true, 0, &r, &err) == 0,
		    "%s", err.msg);
		if (a.skip < a.s->n)	/* one part of 1 s left out of 5 */
			ck_assert_msg(r.duration < 4.5, "%.2f s", r.duration);
		if (cases[_i].source == SRC_TS && a.skip != 0) {
			ref = reference(_i, &a);
			assert_same_decode(out, ref, "v");
			free(ref);
		} else if (a.skip >= a.s->n)
			assert_same_decode(out, a.s->all, "v");
	}
	for (i = 0; i < a.s->n; i++)
		free(a.paths[i]);
	free(out);
}
END_TEST

static Suite *
remux_wait_suite(void)
{
	Suite *s = suite_create("remux_wait");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, parts_arrive_while_remuxing, 0,
	    sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	need_ffmpeg("check_remux_wait");
	return check_run(remux_wait_suite());
}
