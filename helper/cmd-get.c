/* cmd-get - m3u8nas get URL: one HLS stream to one verified MP4, here and now */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "download.h"
#include "fetch.h"
#include "log.h"
#include "url.h"
#include "xmalloc.h"

#define MAX_HEADERS 64
#define TTY_REDRAW_MS 200	/* at most 5 redraws a second */
#define PLAIN_EVERY_MS 2000
#define GET_WAIT_MS 1000	/* a missed SIGINT waits at most this */

/*
 * The work directory is hidden next to the output, named after it
 * (".NAME.mp4.m3u8nas"), so that re-running the same command after a
 * failure, a Ctrl-C or a kill -9 resumes: only missing segments are fetched.
 * It is removed after success; after a failure it is kept when it holds
 * finished segments (else removed), --no-keep removes it always and
 * --keep-work keeps it always.
 */
struct get_opts {
	const char *url, *output, *quality;
	const char *audio, *subs, *subs_format;
	int subs_as;
	const char *headers[MAX_HEADERS + 1];
	int nheaders, jobs;
	bool allow_private, keep_work, no_keep;
	char *conf_ca_file;		/* the config's tls_ca_file, owned */
	struct fetcher_opts fo;
};

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	interrupted = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: m3u8nas get [OPTION]... URL\n\n"
"Download the HLS stream at URL (a master or media .m3u8 playlist) into one\n"
"verified MP4 file.\n\n"
"  -o FILE            output file (default: ./TITLE.mp4 from the URL, never\n"
"                     overwriting: \"TITLE (2).mp4\"...)\n"
"  -q QUALITY         best (default), worst, a height like 720p, or a max\n"
"                     bandwidth in bits/s\n"
"      --audio all|default|LANG[,LANG]\n"
"                     audio renditions to keep as tracks (default: the one a\n"
"                     player picks; all: every language, each tagged)\n"
"      --subs all|none|LANG[,LANG]\n"
"                     WebVTT subtitle renditions to keep (default none)\n"
"      --subs-as track|sidecar|both\n"
"                     subtitles as mov_text tracks in the MP4 (default), as\n"
"                     FILE-BASE.LANG.vtt next to it, or both\n"
"      --subs-format vtt|srt  sidecar format (default vtt)\n"
"  -H 'Name: value'   send this header on every request (repeatable)\n"
"      --referer URL  send Referer: URL\n"
"      --cookie 'a=b' send Cookie: a=b\n"
"  -j N               segments in flight (default 10, at most 64)\n"
"      --allow-private  allow loopback/private/link-local stream hosts\n"
"      --cacert FILE  also trust the CA certificates in FILE (PEM) for HTTPS\n"
"                     (default: the configuration's tls_ca_file)\n"
"      --keep-work    keep the work directory even after success\n"
"      --no-keep      remove the work directory even after a failure\n"
"      --connect-timeout S, --low-speed-time S, --retries N\n"
"                     network bounds (default: the configuration's)\n"
"  -c, --config FILE  configuration file for the defaults above (default\n"
"                     " CONF_DEFAULT_PATH " when it exists)\n"
"  -h, --help         this help\n\n"
"The work directory .FILE.m3u8nas next to the output keeps finished segments;\n"
"running the same command again after a failure or Ctrl-C resumes there.\n"
"Exit status 0 only with a verified file; otherwise 1 and one line\n"
"\"error: REASON\" on standard error.\n");
}

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/*
 * The engine's reasons speak of the configuration; here the person typed
 * a command, so point at the flag that changes the outcome.
 */
static int
fail_with_hint(const struct err *e)
{
	static const char conf_words[] = "(allow_private_targets is off)";
	static const char ca_words[] = "(" FETCH_CA_HINT ")";
	const char *why = e->msg, *p;

	/* Decided on the kind; the text is only reworded for this program,
	 * whose switch is a flag, not a config key. */
	if (e->kind == ERR_REFUSED && (p = strstr(why, conf_words)) != NULL)
		return fail("%.*s(use --allow-private to allow it)%s",
		    (int)(p - why), why, p + strlen(conf_words));
	if ((p = strstr(why, ca_words)) != NULL)
		return fail("%.*s(a private CA is trusted with --cacert FILE)%s",
		    (int)(p - why), why, p + strlen(ca_words));
	if (e->kind == ERR_DENIED)
		return fail("%s (the site may want the page's --referer URL or "
		    "its --cookie 'name=value')", why);
	return fail("%s", why);
}

static int
add_header(struct get_opts *g, char *h)
{
	if (strchr(h, ':') == NULL || strpbrk(h, "\r\n") != NULL)
		return fail("bad header '%s' (want 'Name: value')", h);
	if (g->nheaders == MAX_HEADERS)
		return fail("too many headers (at most %d)", MAX_HEADERS);
	g->headers[g->nheaders++] = h;
	return 0;
}

static int
parse_int(const char *s, int lo, int hi, int *out, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return fail("%s must be between %d and %d", what, lo, hi);
	*out = (int)v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct get_opts *g, char ***owned)
{
	enum { O_REFERER = 256, O_COOKIE, O_PRIVATE, O_KEEP, O_NOKEEP,
	    O_CONNECT, O_LOWSPEED, O_RETRIES, O_AUDIO, O_SUBS, O_SUBS_AS,
	    O_SUBS_FORMAT, O_CACERT };
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "quality", required_argument, NULL, 'q' },
		{ "header", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "referer", required_argument, NULL, O_REFERER },
		{ "cookie", required_argument, NULL, O_COOKIE },
		{ "allow-private", no_argument, NULL, O_PRIVATE },
		{ "keep-work", no_argument, NULL, O_KEEP },
		{ "no-keep", no_argument, NULL, O_NOKEEP },
		{ "connect-timeout", required_argument, NULL, O_CONNECT },
		{ "low-speed-time", required_argument, NULL, O_LOWSPEED },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "config", required_argument, NULL, 'c' },
		{ "audio", required_argument, NULL, O_AUDIO },
		{ "subs", required_argument, NULL, O_SUBS },
		{ "subs-as", required_argument, NULL, O_SUBS_AS },
		{ "subs-format", required_argument, NULL, O_SUBS_FORMAT },
		{ "cacert", required_argument, NULL, O_CACERT },
		{ NULL, 0, NULL, 0 }
	};
	int c, nowned = 0;

	*owned = xcalloc(3, sizeof(char *));
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:q:H:j:c:", lopts, NULL)) != -1) {
		int rc = 0;

		switch (c) {
		case 'h': usage(stdout); return 2;
		case 'o': g->output = optarg; break;
		case 'c': break;	/* read before, by find_config */
		case 'q': g->quality = optarg; break;
		case 'H': rc = add_header(g, optarg); break;
		case 'j': rc = parse_int(optarg, 1, 64, &g->jobs, "-j"); break;
		case O_REFERER:
		case O_COOKIE:
			if (nowned == 2)
				return fail("--referer and --cookie: once each");
			(*owned)[nowned] = xasprintf("%s: %s", c == O_REFERER ?
			    "Referer" : "Cookie", optarg);
			rc = add_header(g, (*owned)[nowned++]);
			break;
		case O_PRIVATE: g->allow_private = true; break;
		case O_KEEP: g->keep_work = true; break;
		case O_NOKEEP: g->no_keep = true; break;
		case O_CONNECT: rc = parse_int(optarg, 1, 600,
		    &g->fo.connect_timeout_s, "--connect-timeout"); break;
		case O_LOWSPEED: rc = parse_int(optarg, 1, 600,
		    &g->fo.low_speed_time_s, "--low-speed-time"); break;
		case O_RETRIES: rc = parse_int(optarg, 0, 10,
		    &g->fo.retries, "--retries"); break;
		case O_CACERT: g->fo.ca_file = optarg; break;
		case O_AUDIO: g->audio = optarg; break;
		case O_SUBS: g->subs = optarg; break;
		case O_SUBS_AS:
			if ((g->subs_as = download_subs_as_parse(optarg)) < 0)
				return fail("--subs-as: track, sidecar or both");
			break;
		case O_SUBS_FORMAT:
			if (strcmp(optarg, "vtt") != 0 &&
			    strcmp(optarg, "srt") != 0)
				return fail("--subs-format: vtt or srt");
			g->subs_format = optarg;
			break;
		default:
			fprintf(stderr, "try 'm3u8nas get --help'\n");
			return fail("bad option");
		}
		if (rc != 0)
			return rc;
	}
	if (optind != argc - 1)
		return fail("want exactly one URL (try 'm3u8nas get --help')");
	g->url = argv[optind];
	if (!url_is_http(g->url))
		return fail("not an http(s) URL: %s", g->url);
	return 0;
}

/* ./TITLE.mp4, or "TITLE (2).mp4" and on: never an existing file. */
static char *
default_output(const char *url)
{
	char *title = download_title_from_url(url), *path = NULL;
	struct stat st;
	int i;

	for (i = 1; i < 1000; i++) {
		free(path);
		path = i == 1 ? xasprintf("%s.mp4", title) :
		    xasprintf("%s (%d).mp4", title, i);
		if (lstat(path, &st) < 0 && errno == ENOENT)
			break;
	}
	free(title);
	return path;
}

static char *
work_dir_for(const char *output, struct err *err)
{
	const char *slash = strrchr(output, '/');
	char *dir;
	struct stat st;

	dir = slash ? xasprintf("%.*s/.%s.m3u8nas", (int)(slash - output),
	    output, slash + 1) : xasprintf(".%s.m3u8nas", output);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_errno(err, "Cannot create %s", dir);
		free(dir);
		return NULL;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_set(err, "%s is not a directory", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

/* Removes the regular files in dir (it has no subdirectories), then dir. */
static void
remove_work_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	struct stat st;

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL)
		if (fstatat(dirfd(dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
			unlinkat(dirfd(dir), de->d_name, 0);
	closedir(dir);
	rmdir(path);
}

static void
human(double bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;

	while (bytes >= 1000 && u < 4) {
		bytes /= 1000;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
}

/* "42.5% 85/200 segments 12.3 MB 3.1 MB/s ETA 1:05" */
static void
progress_line(const struct download_progress *p, char *buf, size_t len)
{
	char done[32], speed[32], eta[32] = "--:--";

	human((double)p->bytes_done, done, sizeof(done));
	human(p->speed_bps, speed, sizeof(speed));
	if (p->eta_s >= 0 && p->eta_s < 360000)
		snprintf(eta, sizeof(eta), "%d:%02d", (int)p->eta_s / 60,
		    (int)p->eta_s % 60);
	snprintf(buf, len, "%5.1f%% %" PRId64 "/%" PRId64 " segments %s "
	    "%s/s ETA %s%s", p->percent, p->segments_done, p->segments_total,
	    done, speed, eta, p->state == DL_MERGING ? " (merging)" :
	    p->state == DL_PAUSED ? " (paused: disk full)" : "");
}

static void
show(struct download *d, bool tty, int64_t *last, bool final)
{
	struct download_progress p;
	char line[256];
	int64_t now = clock_ms();

	if (!final && now - *last < (tty ? TTY_REDRAW_MS : PLAIN_EVERY_MS))
		return;
	download_get_progress(d, &p);
	/* A log gets no "0/0 segments" line before the playlist is read. */
	if (!final && !tty && p.state == DL_STARTING && p.segments_total == 0)
		return;
	*last = now;
	progress_line(&p, line, sizeof(line));
	if (tty)	/* the bar lives on the terminal, on stderr */
		fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
	else if (!final)	/* stderr is kept for the one error line */
		printf("%s\n", line);
	fflush(tty ? stderr : stdout);
}

static enum download_state
run(struct fetcher *f, struct download *d)
{
	bool tty = isatty(STDERR_FILENO), cancelled = false;
	int64_t last = 0;
	enum download_state st;

	for (;;) {
		/* Waits for the network; only the bar's redraw and the
		 * download's own deadlines bound the wait. */
		fetcher_poll(f, download_wait_ms(d, tty ? TTY_REDRAW_MS :
		    GET_WAIT_MS), NULL, 0);
		if (interrupted && !cancelled) {
			download_cancel(d);
			cancelled = true;
		}
		st = download_step(d);
		if (st == DL_DONE || st == DL_FAILED || st == DL_CANCELLED)
			break;
		show(d, tty, &last, false);
	}
	if (tty)
		show(d, tty, &last, true);
	return st;
}

static int
get(struct get_opts *g)
{
	struct download_opts o;
	struct download_progress p;
	struct fetcher *f = NULL;
	struct download *d = NULL;
	struct sigaction sa;
	struct err err;
	char *output = g->output ? xstrdup(g->output) : default_output(g->url);
	char *work = NULL;
	enum download_state st;
	struct stat sb;
	int rc = 1;

	if (lstat(output, &sb) == 0) {
		fail("%s exists; not overwriting it", output);
		goto out;
	}
	if (fetcher_check_ca_file(g->fo.ca_file, &err) != 0) {
		fail("%s", err.msg);
		goto out;
	}
	if ((work = work_dir_for(output, &err)) == NULL) {
		fail("%s", err.msg);
		goto out;
	}
	g->fo.allow_private = g->allow_private;
	g->fo.max_host_connections = g->jobs;
	f = fetcher_new(&g->fo);
	memset(&o, 0, sizeof(o));
	o.url = g->url;
	o.quality = g->quality;
	o.headers = g->headers;
	o.workdir = work;
	o.output = output;
	o.concurrency = g->jobs;
	o.audio = g->audio;
	o.subtitles = g->subs;
	o.subtitles_as = (enum download_subs_as)g->subs_as;
	o.sidecar_format = g->subs_format;
	if ((d = download_new(f, &o, &err)) == NULL) {
		fail("%s", err.msg);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	st = run(f, d);
	if (st == DL_DONE) {
		download_get_progress(d, &p);
		/* A gap in the source is no failure, but it is said. */
		if (p.gap_seconds > 0)
			printf("%s %" PRId64 " bytes (%.1f s missing in the "
			    "source: EXT-X-GAP)\n", output, p.output_size,
			    p.gap_seconds);
		else
			printf("%s %" PRId64 " bytes\n", output, p.output_size);
		rc = 0;
	} else if (st == DL_CANCELLED) {
		fail("interrupted%s", g->no_keep ? "" :
		    "; run the same command again to resume");
	} else
		fail_with_hint(download_error(d));
out:
	download_free(d);
	fetcher_free(f);
	if (work != NULL && !g->keep_work && (rc == 0 || g->no_keep ||
	    !download_workdir_has_segments(work)))
		remove_work_dir(work);
	free(work);
	free(output);
	return rc;
}

/* -c FILE (or --config FILE) before parse_args: the file gives defaults. */
static const char *
find_config(int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0)
			path = argv[i + 1];
	for (i = 1; i < argc; i++)
		if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
	return path;
}

int
cmd_get(int argc, char **argv)
{
	struct get_opts g;
	struct conf c;
	struct err err;
	char **owned = NULL;
	int rc, i;

	memset(&g, 0, sizeof(g));
	if (conf_load_default(&c, find_config(argc, argv), &err) != 0) {
		conf_free(&c);
		return fail("%s", err.msg);
	}
	g.allow_private = c.allow_private_targets;
	g.jobs = c.segment_concurrency;
	fetcher_opts_from_conf(&g.fo, &c);
	/* fo points into c, freed below; --cacert may replace it. */
	g.conf_ca_file = xstrdup(c.tls_ca_file);
	g.fo.ca_file = g.conf_ca_file;
	/* The config's subtitle keys are the defaults the flags override. */
	if (c.subtitles_as != NULL)
		g.subs_as = download_subs_as_parse(c.subtitles_as) < 0 ? 0 :
		    download_subs_as_parse(c.subtitles_as);
	if (c.subtitle_format != NULL) {
		static char format[8];

		snprintf(format, sizeof(format), "%s", c.subtitle_format);
		g.subs_format = format;
	}
	conf_free(&c);
	rc = parse_args(argc, argv, &g, &owned);
	if (rc == 2)
		rc = 0;		/* --help */
	else if (rc == 0)
		rc = get(&g);
	for (i = 0; owned != NULL && owned[i] != NULL; i++)
		free(owned[i]);
	free(owned);
	free(g.conf_ca_file);
	return rc;
}
