/* crash - named points where a drill test can kill the process (kill -9) */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "log.h"

void
crash_point(const char *name)
{
	/* getenv each time: cheap at these few points, and thread-safe
	 * enough (nothing here calls setenv). */
	const char *at = getenv("M3U8NAS_CRASH_AT");

	if (at == NULL || strcmp(at, name) != 0)
		return;
	log_warnx("crash point %s: kill -9 (M3U8NAS_CRASH_AT)", name);
	raise(SIGKILL);
}
