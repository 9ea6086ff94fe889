/* main - m3u8nas-fs: options, configuration, then libfuse's loop */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fuse.h>
#include <fuse_lowlevel.h>
#include <fuse_opt.h>

#include "conf.h"
#include "log.h"
#include "ops.h"
#include "spool.h"
#include "store.h"
#include "xmalloc.h"

/*
 * Defaults put before the person's own -o options (later ones win):
 * attributes and misses are never cached, so sizes and new jobs are always
 * current; a name is remembered for a second (jobs do not vanish).
 */
#define FS_DEFAULT_OPTS \
	"-oentry_timeout=1,attr_timeout=0,negative_timeout=0,fsname=m3u8nas," \
	"subtype=m3u8nas-fs"

struct fs_opts {
	char *conf_path;
	char *mountpoint;
	int help;
	int version;
	int verbose;
};

enum { KEY_HELP, KEY_VERSION, KEY_DEBUG };

static const struct fuse_opt opt_spec[] = {
	{ "-c %s", offsetof(struct fs_opts, conf_path), 0 },
	{ "--config=%s", offsetof(struct fs_opts, conf_path), 0 },
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("-d", KEY_DEBUG),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_END
};

static int
opt_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct fs_opts *o = data;

	switch (key) {
	case KEY_HELP:
		o->help = 1;
		return 0;
	case KEY_VERSION:
		o->version = 1;
		return 0;
	case KEY_DEBUG:
		o->verbose = 1;
		return 1;	/* libfuse's too */
	case FUSE_OPT_KEY_NONOPT:
		if (o->mountpoint == NULL) {
			o->mountpoint = xstrdup(arg);
			return 0;	/* added back after the defaults */
		}
		fprintf(stderr, "m3u8nas-fs: unexpected argument '%s'\n", arg);
		return -1;
	default:
		return 1;
	}
}

static void
usage(void)
{
	printf("usage: m3u8nas-fs [-c FILE] [-f] [-d] [-o OPTION,...] "
	    "[MOUNTPOINT]\n\n"
	    "Shows the m3u8nas spooler's jobs as files: status, jobs/<id>/"
	    "progress, ...\n"
	    "Read-only but for jobs/<id>/ctl (write cancel or retry).\n\n"
	    "  -c, --config=FILE  configuration (default %s);\n"
	    "                     spool_dir and mount_point come from it\n"
	    "  MOUNTPOINT         overrides mount_point from the "
	    "configuration\n"
	    "  -f                 stay in the foreground\n"
	    "  -d                 debug: foreground, libfuse's trace\n"
	    "  -o allow_other     let other users (Samba) in; needs "
	    "user_allow_other\n"
	    "                     in /etc/fuse.conf unless run as root\n"
	    "  -h, --help         this help, then libfuse's options\n"
	    "  -V, --version      the version\n\n", CONF_DEFAULT_PATH);
}

/* The configuration: -c FILE, else the default file if there is one. */
static int
load_conf(const struct fs_opts *o, struct conf *c)
{
	struct err err;
	const char *path = o->conf_path;

	if (conf_load_default(c, path, &err) == -1) {
		fprintf(stderr, "m3u8nas-fs: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Absolute: without -f, libfuse changes directory to / before serving. */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/*
 * SIGHUP reopens log_file (logrotate). libfuse's handlers would end the
 * loop on it, so SIGHUP is blocked in every thread (the loop's workers
 * inherit the mask) and this thread takes it with sigwait: the work runs
 * in a thread, not in a signal handler.
 */
static void *
hup_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (log_reopen() == -1)
			log_warn("SIGHUP: cannot reopen %s", log_file_path());
		else
			log_info("SIGHUP: log reopened");
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	}
	return NULL;
}

/*
 * state/m3u8nas-fs.pid: how m3u8nas-httpd finds this process to report
 * its CPU time and memory (/metrics). Best effort.
 */
static void
write_pid(const char *path)
{
	char buf[32], *tmp = xasprintf("%s.tmp", path);
	int fd, n;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		log_warn("cannot write %s", tmp);
		free(tmp);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		log_warn("cannot write %s", path);
		unlink(tmp);
	}
	free(tmp);
}

/*
 * libfuse's own steps (what fuse_main does), so that the end is ours: a
 * signal ends the loop, then unmount, destroy, free, in reverse order of
 * setup, and a SIGTERM or SIGINT is a clean exit (0), not an error.
 */
static int
run_fuse(struct fuse_args *args, struct fs_ctx *ctx, const char *pidfile)
{
	static sigset_t hup;
	struct fuse_cmdline_opts fo;
	pthread_t hup_tid;
	bool hup_started = false;
	struct fuse_loop_config lc;
	struct fuse_session *se;
	struct fuse *fuse;
	int rc = 1, res;

	if (fuse_parse_cmdline(args, &fo) != 0)
		return 1;
	if ((fuse = fuse_new(args, &fs_ops, sizeof(fs_ops), ctx)) == NULL)
		goto out_opts;
	if (fuse_mount(fuse, fo.mountpoint) != 0)
		goto out_new;
	se = fuse_get_session(fuse);
	if (fuse_daemonize(fo.foreground) != 0 ||
	    fuse_set_signal_handlers(se) != 0)
		goto out_mount;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
	hup_started = pthread_create(&hup_tid, NULL, hup_thread, &hup) == 0;
	write_pid(pidfile);
	log_info("mounted on %s", fo.mountpoint);
	if (fo.singlethread)
		res = fuse_loop(fuse);
	else {
		lc.clone_fd = fo.clone_fd;
		/* libfuse 3.14 leaves "unset" as UINT_MAX, then warns about it */
		lc.max_idle_threads = fo.max_idle_threads != UINT_MAX ?
		    fo.max_idle_threads : 10;
		res = fuse_loop_mt(fuse, &lc);
	}
	/* > 0: the number of the signal that asked us to stop. */
	rc = res < 0 ? 1 : 0;
	if (res > 0)
		log_info("signal %d: unmounting %s", res, fo.mountpoint);
	fuse_remove_signal_handlers(se);
	if (hup_started) {
		pthread_cancel(hup_tid);
		pthread_join(hup_tid, NULL);
	}
	unlink(pidfile);
out_mount:
	fuse_unmount(fuse);
out_new:
	fuse_destroy(fuse);
out_opts:
	free(fo.mountpoint);
	return rc;
}

/* Is `mp` (absolute) a mount point of type fuse.m3u8nas-fs right now? */
static bool
is_our_mount(const char *mp)
{
	char line[4096], point[PATH_MAX], type[64], *sep;
	bool ours = false;
	FILE *fp;

	if ((fp = fopen("/proc/self/mountinfo", "r")) == NULL)
		return false;
	while (!ours && fgets(line, sizeof(line), fp) != NULL) {
		/* ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE SOURCE */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
		    (sep = strstr(line, " - ")) == NULL ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		ours = strcmp(point, mp) == 0 &&
		    strcmp(type, "fuse.m3u8nas-fs") == 0;
	}
	fclose(fp);
	return ours;
}

/* Lazy unmount: umount2 as root, else fusermount3 -u -z (setuid). */
static int
unmount_stale(const char *mp)
{
	char *argv[] = { "fusermount3", "-u", "-z", (char *)mp, NULL };
	extern char **environ;
	pid_t pid;
	int status;

	if (umount2(mp, MNT_DETACH) == 0)
		return 0;
	if (posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/*
 * Before mounting: a live m3u8nas-fs on the same point would be hidden
 * under a second mount (refused); a stale one left by a crash ("Transport
 * endpoint is not connected") would make the mount fail (cleared).
 */
static int
check_mount_point(const char *mp)
{
	struct stat st;

	if (stat(mp, &st) == -1 && errno == ENOTCONN) {
		log_warnx("%s: stale mount left by a crash (Transport endpoint "
		    "is not connected): unmounting it", mp);
		if (unmount_stale(mp) == -1) {
			log_warnx("%s: cannot unmount the stale mount; try "
			    "fusermount3 -u -z %s", mp, mp);
			return -1;
		}
		return 0;
	}
	if (is_our_mount(mp)) {
		log_warnx("%s: a live m3u8nas-fs is already mounted there; not "
		    "mounting over it (stop it first: fusermount3 -u %s)", mp,
		    mp);
		return -1;
	}
	return 0;
}

static int
serve(struct fuse_args *args, struct fs_opts *o, struct conf *c)
{
	struct fs_ctx ctx;
	char *spool, *db, *mp, *state, *pidfile;
	int rc;

	if (c->log_file != NULL && *c->log_file != '\0' &&
	    log_to_file(c->log_file) == -1)
		fprintf(stderr, "m3u8nas-fs: cannot log to %s\n", c->log_file);
	mp = absolute(o->mountpoint != NULL ? o->mountpoint : c->mount_point);
	if (check_mount_point(mp) == -1) {
		free(mp);
		return 1;
	}
	spool = absolute(c->spool_dir);
	db = spool_store_path(spool);
	state = spool_path(spool, SPOOL_STATE);
	pidfile = xasprintf("%s/m3u8nas-fs.pid", state);
	free(state);
	memset(&ctx, 0, sizeof(ctx));
	ctx.src = source_new(db, spool);
	ctx.control_dir = spool_path(spool, SPOOL_CONTROL);
	ctx.uid = getuid();
	ctx.gid = getgid();
	ctx.mounted = time(NULL);
	pthread_mutex_init(&ctx.lock, NULL);
	fuse_opt_insert_arg(args, 1, FS_DEFAULT_OPTS);
	fuse_opt_add_arg(args, mp);
	free(mp);
	log_info("serving %s read-only", db);
	rc = run_fuse(args, &ctx, pidfile);
	/* The loop and the mount are gone: now the files, then the store. */
	ops_free_handles(&ctx);
	pthread_mutex_destroy(&ctx.lock);
	source_free(ctx.src);
	free(ctx.control_dir);
	free(db);
	free(pidfile);
	free(spool);
	return rc;
}

int
main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fs_opts o;
	struct conf c;
	int rc = 1;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	if (fuse_opt_parse(&args, &o, opt_spec, opt_proc) == -1)
		goto out;
	if (o.version) {
		printf("m3u8nas-fs %s (libfuse %s)\n", PACKAGE_VERSION,
		    fuse_pkgversion());
		rc = 0;
		goto out;
	}
	if (o.help) {
		usage();
		printf("libfuse's options:\n");
		fuse_cmdline_help();
		fuse_lib_help(&args);
		rc = 0;
		goto out;
	}
	log_open("m3u8nas-fs", LOG_TEXT, o.verbose);
	if (load_conf(&o, &c) == -1)
		goto out;
	if (c.log_json)
		log_open("m3u8nas-fs", LOG_JSON, o.verbose);
	rc = serve(&args, &o, &c);
out:
	conf_free(&c);
	free(o.conf_path);
	free(o.mountpoint);
	fuse_opt_free_args(&args);
	return rc;
}
