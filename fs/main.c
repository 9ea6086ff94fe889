/* main - m3u8nas-fs: options, configuration, then libfuse's loop */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
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

	conf_defaults(c, NULL);
	if (path == NULL && access(CONF_DEFAULT_PATH, F_OK) == 0)
		path = CONF_DEFAULT_PATH;
	if (path != NULL && conf_load(c, path, &err) == -1) {
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

extern char **environ;

/* `path` as /proc/self/mountinfo writes it (space, tab, \\, \\n as \\ooo). */
static char *
mountinfo_escape(const char *path)
{
	char *out = xmalloc(4 * strlen(path) + 1), *o = out;

	for (; *path != '\0'; path++)
		if (strchr(" \t\n\\", *path) != NULL)
			o += sprintf(o, "\\%03o", (unsigned char)*path);
		else
			*o++ = *path;
	*o = '\0';
	return out;
}

/* The file system type mounted last on `path`, or NULL (caller frees). */
static char *
mounted_type(const char *path)
{
	char *want = mountinfo_escape(path), *line = NULL, *type = NULL;
	char *mp, *sep, *t, *save;
	size_t cap = 0;
	int i;
	FILE *fp = fopen("/proc/self/mountinfo", "r");

	if (fp == NULL) {
		free(want);
		return NULL;
	}
	while (getline(&line, &cap, fp) != -1) {
		/* id parent major:minor root MOUNTPOINT ... - TYPE source */
		mp = strtok_r(line, " ", &save);
		for (i = 0; i < 4 && mp != NULL; i++)
			mp = strtok_r(NULL, " ", &save);
		if (mp == NULL || strcmp(mp, want) != 0)
			continue;
		sep = strstr(save, " - ");
		if (sep == NULL || (t = strtok_r(sep + 3, " ", &save)) == NULL)
			continue;
		free(type);
		type = xstrdup(t);
	}
	free(line);
	fclose(fp);
	free(want);
	return type;
}

/* fusermount3 -uz PATH, for when we may not umount2 ourselves. */
static int
fusermount_lazy(const char *path)
{
	char *argv[] = { "fusermount3", "-uz", (char *)path, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

/*
 * Before mounting: a mount point left behind by an m3u8nas-fs that died
 * (kill -9, OOM) answers every call with ENOTCONN, and libfuse would give
 * up on it ("Transport endpoint is not connected"): it is unmounted
 * lazily, with a log line. A live m3u8nas-fs mount is never mounted over
 * (two servers of one tree): that is refused. 0, or -1 (logged).
 */
static int
prepare_mountpoint(const char *path)
{
	struct stat sb;
	char *type;

	if (stat(path, &sb) == 0) {
		type = mounted_type(path);
		if (type != NULL && strcmp(type, "fuse.m3u8nas-fs") == 0) {
			log_warnx("%s is already mounted by a running m3u8nas-fs: "
			    "not mounting over it", path);
			free(type);
			return -1;
		}
		free(type);
		return 0;
	}
	if (errno != ENOTCONN)
		return 0;		/* libfuse says what is wrong */
	log_warnx("%s: stale mount (its m3u8nas-fs is gone): unmounting it "
	    "lazily", path);
	if (umount2(path, MNT_DETACH) != 0 && fusermount_lazy(path) != 0) {
		log_warn("cannot unmount the stale mount on %s", path);
		return -1;
	}
	if (stat(path, &sb) != 0) {
		log_warn("%s after unmounting the stale mount", path);
		return -1;
	}
	return 0;
}

/*
 * libfuse's own steps (what fuse_main does), so that the end is ours: a
 * signal ends the loop, then unmount, destroy, free, in reverse order of
 * setup, and a SIGTERM or SIGINT is a clean exit (0), not an error.
 */
static int
run_fuse(struct fuse_args *args, struct fs_ctx *ctx)
{
	struct fuse_cmdline_opts fo;
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
out_mount:
	fuse_unmount(fuse);
out_new:
	fuse_destroy(fuse);
out_opts:
	free(fo.mountpoint);
	return rc;
}

static int
serve(struct fuse_args *args, struct fs_opts *o, struct conf *c)
{
	struct fs_ctx ctx;
	char *spool, *db, *mp;
	int rc;

	if (c->log_file != NULL && *c->log_file != '\0' &&
	    log_to_file(c->log_file) == -1)
		fprintf(stderr, "m3u8nas-fs: cannot log to %s\n", c->log_file);
	spool = absolute(c->spool_dir);
	db = spool_store_path(spool);
	memset(&ctx, 0, sizeof(ctx));
	ctx.src = source_new(db, spool);
	ctx.control_dir = spool_path(spool, SPOOL_CONTROL);
	ctx.uid = getuid();
	ctx.gid = getgid();
	ctx.mounted = time(NULL);
	pthread_mutex_init(&ctx.lock, NULL);
	fuse_opt_insert_arg(args, 1, FS_DEFAULT_OPTS);
	mp = absolute(o->mountpoint != NULL ? o->mountpoint : c->mount_point);
	fuse_opt_add_arg(args, mp);
	log_info("serving %s read-only", db);
	rc = prepare_mountpoint(mp) == 0 ? run_fuse(args, &ctx) : 1;
	free(mp);
	/* The loop and the mount are gone: now the files, then the store. */
	ops_free_handles(&ctx);
	pthread_mutex_destroy(&ctx.lock);
	source_free(ctx.src);
	free(ctx.control_dir);
	free(db);
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
