/* loop - the spooler's one event loop: network, inotify and signals */
#ifndef M3U8NAS_LOOP_H
#define M3U8NAS_LOOP_H

#include "err.h"

struct spoold;

/* SIGTERM/SIGINT/SIGHUP go to a signalfd: call before any thread starts. */
int loop_block_signals(struct err *err);
/*
 * Runs until SIGTERM or SIGINT: recovers what a previous run left, scans
 * the spool, then waits on the network, inotify and the signalfd at once.
 * Downloads still running at the end are stopped, their workdirs kept.
 */
int loop_run(struct spoold *d, struct err *err);
void loop_close(struct spoold *d);

#endif
