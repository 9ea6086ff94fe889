/* m3u8nas-spoold - the spooler: a .job dropped in incoming/ becomes a video */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "spoold.h"
#include "xmalloc.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: m3u8nas-spoold [-fd] [-c FILE]\n"
	    "  -c FILE    configuration (default %s;\n"
	    "             built-in defaults if that file is absent)\n"
	    "  -f         stay in the foreground (systemd runs it so)\n"
	    "  -d         debug logging\n"
	    "  --help     this text\n"
	    "  --version  the version\n"
	    "Jobs: drop NAME.job (JSON, or a file holding just a URL) into\n"
	    "SPOOL/incoming/; the video lands in library_dir. See "
	    "m3u8nas-spoold(8).\n", CONF_DEFAULT_PATH);
}

/* Makes a relative path absolute (we chdir / when daemonizing). */
static void
absolutize(char **path)
{
	char cwd[4096];
	char *abs;

	if ((*path)[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	abs = xasprintf("%s/%s", cwd, *path);
	free(*path);
	*path = abs;
}

static void
load_conf(struct conf *c, const char *path)
{
	struct err err;

	if (conf_load_default(c, path, &err) == -1)
		fatalx("%s", err.msg);
	if (c->path == NULL)
		log_info("no %s: running on built-in defaults",
		    CONF_DEFAULT_PATH);
}

static void
daemonize(void)
{
	int fd;

	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

static int
run(struct conf *c)
{
	struct spoold d;
	struct fetcher_opts fo;
	struct err err;
	char *db = NULL, *aside = NULL;
	int rc = 1;

	memset(&d, 0, sizeof(d));
	d.conf = c;
	d.ino_fd = d.sig_fd = -1;
	if (spool_open(&d.sp, c->spool_dir, &err) == -1 ||
	    spool_lock(&d.sp, &err) == -1 ||
	    spool_mkdirs(c->library_dir, 0755, &err) == -1)
		goto out;
	db = spool_store_path(d.sp.root);
	if ((d.st = store_open_writer(db, &aside, &err)) == NULL ||
	    loop_block_signals(&err) == -1)
		goto out;
	if (aside != NULL)
		log_event(LOG_ERROR, "store", NULL, "the store was damaged: "
		    "moved aside to %s; a fresh one re-admits the jobs in "
		    "processing/ (finished jobs' history is in the old file)",
		    aside);
	fetcher_opts_from_conf(&fo, c);
	d.fetcher = fetcher_new(&fo);
	control_load_settings(&d);
	control_apply_budget(&d);
	if (loop_run(&d, &err) == -1)
		goto out;
	log_event(LOG_INFO, "stop", NULL, "stopped");
	rc = d.exit_code;
	if (rc != 0)
		err_set(&err, "stopped: the store is unusable (see the store "
		    "record above)");
out:
	if (rc != 0)
		log_event(LOG_ERROR, "fatal", NULL, "%s", err.msg);
	loop_close(&d);
	if (d.fetcher != NULL)
		fetcher_free(d.fetcher);
	if (d.st != NULL)
		store_close(d.st);
	spool_close(&d.sp);
	free(aside);
	free(db);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf_path = NULL;
	bool foreground = false;
	int ch, debug = 0, rc;
	struct conf c;

	log_open("m3u8nas-spoold", LOG_TEXT, 0);
	while ((ch = getopt_long(argc, argv, "c:fdhV", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("m3u8nas-spoold %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	load_conf(&c, conf_path);
	log_open("m3u8nas-spoold", c.log_json ? LOG_JSON : LOG_TEXT, debug);
	if (log_to_file(c.log_file) == -1)
		fatal("%s", c.log_file);
	absolutize(&c.spool_dir);
	absolutize(&c.library_dir);
	if (!foreground)
		daemonize();
	rc = run(&c);
	conf_free(&c);
	return rc;
}
