/* cmd-add - m3u8nas add: drop a .job straight into the local spool */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "guard.h"
#include "job.h"
#include "job-id.h"
#include "job-validate.h"
#include "spool.h"
#include "xmalloc.h"

/*
 * For scripts on the NAS itself: the same .job the endpoint writes, with
 * the same checks (job_validate_conf, the spooler's) and the same writer (tmp + fsync + rename
 * into incoming/), named by a random id ("j" + 12 hex digits) that the
 * spooler takes as the job's id. Prints that id on stdout.
 */
static void
usage(FILE *fp)
{
	fprintf(fp, "usage: m3u8nas add URL [-t TITLE] [-r REFERER] [-q QUALITY]"
	    "\n           [-H 'Name: value']... [-F FOLDER] [-f] [-c FILE]\n\n"
	    "Drop a job into the spool's incoming/ for m3u8nas-spoold and print"
	    " its id.\n\n"
	    "  -t, --title TITLE      the video's title (its file name)\n"
	    "  -r, --referer URL      the page the stream plays on\n"
	    "  -q, --quality Q        best (default), worst, 720p, or a max "
	    "bandwidth\n"
	    "  -H, --header 'N: v'    a request header the site needs "
	    "(repeatable)\n"
	    "      --audio CHOICE     default, all, or languages like en,fr\n"
	    "      --subs CHOICE      none (default), all, or languages\n"
	    "  -F, --folder NAME      a folder of the configuration (default: "
	    "library)\n"
	    "  -f, --force            download even if the stream is already in "
	    "the library\n"
	    "  -c, --config FILE      configuration file (default %s)\n"
	    "  -h, --help             this help\n", CONF_DEFAULT_PATH);
}

static int
load_conf(struct conf *c, const char *path)
{
	struct err err;

	if (conf_load_default(c, path, &err) != 0) {
		fprintf(stderr, "m3u8nas add: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Encodes what the options gave, then validates it as the spooler will. */
static int
build_job(struct job_spec *opt, const struct conf *c, struct job_spec *job,
    struct err *err)
{
	char *text;
	int rc;

	static const char *const names[] = { "the URL", "--title",
		"--referer", "--quality" };
	const char *vals[] = { opt->url, opt->title, opt->referer,
		opt->quality };
	size_t i;

	/*
	 * A .job is JSON, so UTF-8: a title typed in a Latin-1 terminal
	 * would be lost on the way. Say so rather than drop or mangle it.
	 */
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (vals[i] != NULL && !guard_utf8_ok(vals[i]))
			return err_set(err, "%s is not valid UTF-8 (is the "
			    "terminal Latin-1? convert it, e.g. with iconv -f "
			    "latin1 -t utf-8)", names[i]);
	for (i = 0; i < opt->nheaders; i++)
		if (!guard_utf8_ok(opt->headers[i].value))
			return err_set(err, "header %s is not valid UTF-8",
			    opt->headers[i].name);
	if (opt->quality == NULL)
		opt->quality = xstrdup("best");
	text = job_encode(opt);
	rc = job_validate_conf(text, strlen(text), c, job, err);
	free(text);
	return rc;
}

static int
write_job(const struct conf *c, struct job_spec *job)
{
	char *incoming = spool_path(c->spool_dir, SPOOL_INCOMING), *final = NULL;
	char id[JOB_ID_NEW_SIZE];
	struct err err;
	int rc = 1;

	if (job_new_id(id, sizeof(id), &err) != 0) {
		fprintf(stderr, "m3u8nas add: %s\n", err.msg);
		goto out;
	}
	free(job->id);
	job->id = xstrdup(id);
	if (job_write_file(incoming, id, job, &final, &err) != 0) {
		fprintf(stderr, "m3u8nas add: %s (spool_dir \"%s\" from %s)\n",
		    err.msg, c->spool_dir, conf_source(c));
		goto out;
	}
	printf("%s\n", final);
	rc = 0;
out:
	free(final);
	free(incoming);
	return rc;
}

int
cmd_add(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "referer", required_argument, NULL, 'r' },
		{ "quality", required_argument, NULL, 'q' },
		{ "header", required_argument, NULL, 'H' },
		{ "config", required_argument, NULL, 'c' },
		{ "folder", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "audio", required_argument, NULL, 'A' },
		{ "subs", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct job_spec opt, job;
	struct conf c;
	struct err err;
	const char *path = NULL;
	int ch, rc = 2;

	memset(&opt, 0, sizeof(opt));
	memset(&job, 0, sizeof(job));
	memset(&c, 0, sizeof(c));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:r:q:H:c:F:fh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': free(opt.title); opt.title = xstrdup(optarg); break;
		case 'r': free(opt.referer); opt.referer = xstrdup(optarg); break;
		case 'q': free(opt.quality); opt.quality = xstrdup(optarg); break;
		case 'c': path = optarg; break;
		case 'A': free(opt.audio); opt.audio = xstrdup(optarg); break;
		case 'S': free(opt.subtitles); opt.subtitles = xstrdup(optarg);
			break;
		case 'F': free(opt.folder); opt.folder = xstrdup(optarg); break;
		case 'f': opt.force = true; break;
		case 'H':
			if (job_add_header_line(&opt, optarg, &err) != 0) {
				fprintf(stderr, "m3u8nas add: %s\n", err.msg);
				goto out;
			}
			break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); goto out;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		goto out;
	}
	opt.url = xstrdup(argv[optind]);
	/* The configuration first: allow_private_targets is part of the check. */
	rc = 1;
	if (load_conf(&c, path) != 0)
		goto out;
	if (build_job(&opt, &c, &job, &err) != 0) {
		fprintf(stderr, "m3u8nas add: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	rc = write_job(&c, &job);
out:
	if (c.spool_dir != NULL)
		conf_free(&c);
	job_spec_free(&opt);
	job_spec_free(&job);
	return rc;
}
