/* hook - on_complete: a program run after a video is in place */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "guard.h"
#include "log.h"
#include "spoold.h"
#include "xmalloc.h"

/*
 * The program gets the video's path as its one argument and the job's
 * facts in M3U8NAS_* variables (never a header value, never a URL's
 * query); no shell, stdin /dev/null, stdout and stderr into an unlinked
 * file in state/. It runs in its own process group, so that a timeout
 * (on_complete_timeout) kills whatever it started too. The loop is never
 * blocked: SIGCHLD on the signalfd (and every tick) reaps, and the exit
 * status and the first line of output are logged. A hook that fails
 * never fails the job.
 */
struct hook {
	struct hook *next;
	pid_t pid;
	char *id;
	int out_fd;
	int64_t deadline_ms;
	bool killed;
};

#define HOOK_LINE 200

extern char **environ;

/* An unlinked file in state/ for the program's output. */
static int
output_file(struct spoold *d)
{
	char name[64];
	int fd, i;

	fd = openat(d->sp.state_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), ".hook-%ld-%d", (long)getpid(), i);
		fd = openat(d->sp.state_fd, name, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1) {
			unlinkat(d->sp.state_fd, name, 0);
			return fd;
		}
	}
	return -1;
}

static void
env_add(char ***env, size_t *n, const char *name, const char *value)
{
	char *v;

	*env = xrealloc(*env, (*n + 2) * sizeof(**env));
	v = xasprintf("%s=%s", name, value != NULL ? value : "");
	/* One line each: a value never makes another variable. */
	for (char *p = v; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	(*env)[(*n)++] = v;
	(*env)[*n] = NULL;
}

static char **
hook_env(const struct job_row *row)
{
	char **env = NULL, num[64];
	char *site;
	const char *page;
	size_t n = 0;

	env_add(&env, &n, "PATH", "/usr/local/bin:/usr/bin:/bin");
	env_add(&env, &n, "M3U8NAS_ID", row->id);
	env_add(&env, &n, "M3U8NAS_TITLE", row->title);
	env_add(&env, &n, "M3U8NAS_JOB", row->job_name);
	env_add(&env, &n, "M3U8NAS_FOLDER", row->folder != NULL ?
	    row->folder : CONF_LIBRARY_FOLDER);
	env_add(&env, &n, "M3U8NAS_FILE", row->file_path);
	snprintf(num, sizeof(num), "%lld", (long long)row->size_bytes);
	env_add(&env, &n, "M3U8NAS_SIZE", num);
	snprintf(num, sizeof(num), "%.3f", row->duration);
	env_add(&env, &n, "M3U8NAS_DURATION", num);
	env_add(&env, &n, "M3U8NAS_RESOLUTION", row->resolution);
	page = row->source_page != NULL && *row->source_page ?
	    row->source_page : row->referer;
	site = guard_url_host(page);
	env_add(&env, &n, "M3U8NAS_SITE", site);
	free(site);
	return env;
}

static void
env_free(char **env)
{
	for (char **e = env; e != NULL && *e != NULL; e++)
		free(*e);
	free(env);
}

void
hook_start(struct spoold *d, const struct job_row *row)
{
	const char *prog = d->conf->on_complete;
	char *argv[3] = { (char *)prog, row->file_path, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	struct hook *h;
	char **env;
	pid_t pid;
	int fd, rc;

	if (*prog == '\0' || row->file_path == NULL)
		return;
	if ((fd = output_file(d)) == -1) {
		log_event(LOG_WARN, "hook", row->id, "cannot make an output "
		    "file in %s: %s", d->sp.state, strerror(errno));
		return;
	}
	env = hook_env(row);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	posix_spawnattr_init(&at);
	/* Our blocked signals (the signalfd's) and SIGPIPE ignored are ours,
	 * not the program's. */
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&pid, prog, &fa, &at, argv, env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	env_free(env);
	if (rc != 0) {
		close(fd);
		log_event(LOG_WARN, "hook", row->id, "cannot run %s: %s", prog,
		    strerror(rc));
		return;
	}
	h = xcalloc(1, sizeof(*h));
	h->pid = pid;
	h->id = xstrdup(row->id);
	h->out_fd = fd;
	h->deadline_ms = clock_ms() + (int64_t)d->conf->on_complete_timeout_s *
	    1000;
	h->next = d->hooks;
	d->hooks = h;
	log_event(LOG_INFO, "hook", row->id, "started %s (pid %ld)", prog,
	    (long)pid);
}

/* The first line the program wrote, printable, at most HOOK_LINE bytes. */
static void
first_line(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	size_t i;

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
}

static void
hook_end(struct hook *h, int status)
{
	char line[HOOK_LINE + 1], how[64];
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	first_line(h->out_fd, line, sizeof(line));
	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d%s",
		    WTERMSIG(status), h->killed ? " (on_complete_timeout)" : "");
	else
		snprintf(how, sizeof(how), "status %d", status);
	log_event(ok ? LOG_INFO : LOG_WARN, "hook", h->id, "%s%s%s", how,
	    *line != '\0' ? ": " : "", line);
	close(h->out_fd);
	free(h->id);
	free(h);
}

void
hook_reap(struct spoold *d)
{
	struct hook **p = &d->hooks, *h;
	int64_t now = clock_ms();
	int status;
	pid_t rc;

	while ((h = *p) != NULL) {
		rc = waitpid(h->pid, &status, WNOHANG);
		if (rc == h->pid || (rc == -1 && errno == ECHILD)) {
			*p = h->next;
			hook_end(h, rc == h->pid ? status : 0);
			continue;
		}
		if (!h->killed && now >= h->deadline_ms) {
			/* The whole group: a script's children too. */
			kill(-h->pid, SIGKILL);
			h->killed = true;
		}
		p = &h->next;
	}
}

void
hook_stop_all(struct spoold *d)
{
	struct hook *h;
	int status;

	while ((h = d->hooks) != NULL) {
		d->hooks = h->next;
		kill(-h->pid, SIGKILL);
		h->killed = true;
		while (waitpid(h->pid, &status, 0) == -1 && errno == EINTR)
			;
		hook_end(h, status);
	}
}
