/* loop - the spooler's one event loop: network, inotify and signals */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "procstat.h"
#include "spoold.h"

#define INCOMING_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)
#define CONTROL_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)

static int wd_incoming = -1, wd_control = -1;

int
loop_block_signals(struct err *err)
{
	sigset_t set;

	/* Blocked before any thread exists, so every thread inherits the
	 * mask and the signals reach only the signalfd. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);	/* on_complete programs (hook.c) */
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return err_errno(err, "sigprocmask");
	return 0;
}

static int
open_fds(struct spoold *d, struct err *err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	d->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig_fd == -1)
		return err_errno(err, "signalfd");
	d->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ino_fd == -1)
		return err_errno(err, "inotify_init1");
	wd_incoming = inotify_add_watch(d->ino_fd, d->sp.incoming,
	    INCOMING_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW);
	wd_control = inotify_add_watch(d->ino_fd, d->sp.control,
	    CONTROL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW);
	if (wd_incoming == -1 || wd_control == -1)
		return err_errno(err, "inotify_add_watch");
	return 0;
}

/* Once a second: the heartbeat (the fs and the endpoint show "spooler
 * alive" from it) and the bytes counter. */
static void
tick_meta(struct spoold *d)
{
	char buf[32], cpu[32], rss[32];
	struct procstat ps;
	struct err err;

	snprintf(buf, sizeof(buf), "%lld", (long long)(d->bytes_base +
	    fetcher_bytes_total(d->fetcher)));
	if (store_heartbeat(d->st, &err) == -1 ||
	    store_set_meta(d->st, "bytes_downloaded", buf, &err) == -1)
		log_warnx("%s", err.msg);
	/* Our CPU time and memory, for the endpoint's /metrics. */
	if (procstat_read(0, NULL, &ps) == 0) {
		snprintf(cpu, sizeof(cpu), "%.2f", ps.cpu_seconds);
		snprintf(rss, sizeof(rss), "%lld", (long long)ps.rss_bytes);
		if (store_set_meta(d->st, "cpu_seconds", cpu, &err) == -1 ||
		    store_set_meta(d->st, "rss_bytes", rss, &err) == -1)
			log_warnx("%s", err.msg);
	}
	/*
	 * A store deleted or replaced under us would take every write into
	 * an unlinked file; a damaged one fails every call for ever. Either
	 * way: stop the downloads (they resume from processing/) and exit
	 * non-zero, for the supervisor to start us on a good store.
	 */
	if (store_check_file(d->st, &err) == -1) {
		log_event(LOG_ERROR, "store", NULL, "%s: exiting so that a "
		    "restart opens a good store (the jobs in processing/ are "
		    "kept and re-admitted)", err.msg);
		d->stopping = true;
		d->exit_code = 1;
		return;
	}
	/* A claim whose row could not be written (store busy): again. */
	if (d->readmit) {
		d->readmit = false;
		intake_readmit(d);
	}
}

static void
read_signals(struct spoold *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			hook_reap(d);
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			/* logrotate moved log_file aside: a new file */
			if (log_reopen() == -1)
				log_warn("SIGHUP: cannot reopen %s",
				    log_file_path());
			log_info("SIGHUP: log reopened, rescanning the spool");
			d->next_scan_ms = 0;
			continue;
		}
		log_info("signal %u: stopping (downloads continue at the next "
		    "start)", si.ssi_signo);
		d->stopping = true;
	}
}

static void
incoming_event(struct spoold *d, const struct inotify_event *ev)
{
	struct stat st;

	if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
		intake_name(d, ev->name);
		return;
	}
	/* IN_CREATE: a symlink, FIFO, directory or hard link (ln) never
	 * gets a close-write; refuse it now. A new regular file of its own
	 * waits for its close-write. */
	if (fstatat(d->sp.incoming_fd, ev->name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && (!S_ISREG(st.st_mode) ||
	    st.st_nlink != 1))
		intake_name(d, ev->name);
}

/* The same for control/: a request made by ln is refused at once. */
static void
control_event(struct spoold *d, const struct inotify_event *ev)
{
	struct stat st;

	if ((ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) ||
	    (fstatat(d->sp.control_fd, ev->name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && (!S_ISREG(st.st_mode) ||
	    st.st_nlink != 1)))
		control_name(d, ev->name);
}

static void
read_inotify(struct spoold *d)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(d->ino_fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				log_warnx("inotify queue overflow: rescanning");
				d->next_scan_ms = 0;
				continue;
			}
			if (ev->len == 0 || ev->name[0] == '.')
				continue;
			if (ev->wd == wd_incoming)
				incoming_event(d, ev);
			else if (ev->wd == wd_control)
				control_event(d, ev);
		}
	}
}

/*
 * How long the loop may sleep: until the next tick, the next rescan or a
 * download's own deadline. Everything else wakes it: requests ending
 * (fetcher_poll returns), inotify, signals, a merge thread's wakeup.
 */
static int
loop_wait_ms(struct spoold *d, int64_t next_tick)
{
	int64_t now = clock_ms(), due = next_tick;

	if (d->next_scan_ms < due)
		due = d->next_scan_ms;
	if (due <= now)
		return 0;
	return runner_wait_ms(d, (int)(due - now));
}

int
loop_run(struct spoold *d, struct err *err)
{
	struct curl_waitfd fds[2];
	struct store_counts counts;
	int64_t now, next_tick;
	bool tick;

	if (open_fds(d, err) == -1)
		return -1;
	/* Logged once the watches exist: a file dropped after this line is
	 * seen (tests and scripts wait for it). */
	log_event(LOG_INFO, "start", NULL, "spool %s, library %s, %d jobs x "
	    "%d segments", d->conf->spool_dir, d->conf->library_dir,
	    d->conf->max_jobs, d->conf->segment_concurrency);
	d->next_scan_ms = INT64_MAX;
	if (store_counts(d->st, &counts, err) == -1)
		return -1;
	d->bytes_base = counts.bytes_downloaded;
	/* Whatever happened while we were down: processing/ first (the
	 * jobs we had), then requests, then new files. */
	runner_check_disk(d);
	intake_recover(d);
	intake_scan_control(d);
	intake_scan_incoming(d);
	runner_schedule(d);
	now = clock_ms();
	next_tick = now;
	if (d->next_scan_ms > now + SPOOLD_RESCAN_MS)
		d->next_scan_ms = now + SPOOLD_RESCAN_MS;
	while (!d->stopping) {
		fds[0] = (struct curl_waitfd){ d->ino_fd, CURL_WAIT_POLLIN, 0 };
		fds[1] = (struct curl_waitfd){ d->sig_fd, CURL_WAIT_POLLIN, 0 };
		fetcher_poll(d->fetcher, loop_wait_ms(d, next_tick), fds, 2);
		read_signals(d);
		read_inotify(d);
		now = clock_ms();
		if ((tick = now >= next_tick)) {
			next_tick = now + SPOOLD_TICK_MS;
			tick_meta(d);
			runner_check_disk(d);
			control_apply_budget(d);
			hook_reap(d);	/* timeouts; a SIGCHLD missed */
		}
		runner_step(d, tick);
		if (now >= d->next_scan_ms) {
			d->next_scan_ms = now + SPOOLD_RESCAN_MS;
			intake_scan_control(d);
			intake_scan_incoming(d);
			runner_sweep_sidecars(d);
		}
	}
	runner_stop_all(d);
	hook_stop_all(d);
	return 0;
}

void
loop_close(struct spoold *d)
{
	if (d->ino_fd != -1)
		close(d->ino_fd);
	if (d->sig_fd != -1)
		close(d->sig_fd);
	d->ino_fd = d->sig_fd = -1;
}
