/* crash - named points where a drill test can kill the process (kill -9) */
#ifndef M3U8NAS_CRASH_H
#define M3U8NAS_CRASH_H

/*
 * crash_point("place-renamed"): when the environment variable
 * M3U8NAS_CRASH_AT names this point, the process logs one line and sends
 * itself SIGKILL there, exactly as a kill -9 at that instruction would
 * (no atexit, no flush, no cleanup). Compiled in always, inert unless
 * set; tests/integ/t-spool-crash.sh kills at every point of a job's end.
 */
void crash_point(const char *name);

#endif
