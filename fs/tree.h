/* tree - the shape of the mount: which path is which node */
#ifndef M3U8NAS_FS_TREE_H
#define M3U8NAS_FS_TREE_H

/*
 *   /status                        facts about the spooler, one per line
 *   /jobs/<id>/                    one folder per job
 *   /jobs/<id>/progress ... ctl    the fixed files (render.h)
 *   /jobs/<id>/<video name>        the finished video (completed jobs)
 *   /by-status/<status>/<id>       -> ../../jobs/<id>
 *   /by-name/<job name>            -> ../jobs/<id>
 *
 * tree_parse only classifies a path; whether the job, status or name
 * exists is the store's to say.
 */
#include "job-status.h"

#define TREE_MAX_NAME 255

enum tree_kind {
	TK_ROOT, TK_STATUS, TK_JOBS, TK_JOB, TK_JOBFILE, TK_JOBOTHER,
	TK_BYSTATUS, TK_STATUSDIR, TK_STATUSLINK, TK_BYNAME, TK_NAMELINK
};

struct tree_path {
	enum tree_kind kind;
	char id[TREE_MAX_NAME + 1];	/* TK_JOB*, TK_STATUSLINK */
	char name[TREE_MAX_NAME + 1];	/* TK_JOBOTHER, TK_NAMELINK */
	enum job_status status;		/* TK_STATUSDIR, TK_STATUSLINK */
	int file;			/* TK_JOBFILE: an enum fs_file */
};

/* 0, or -1 when no node can live at path (ENOENT). */
int tree_parse(const char *path, struct tree_path *p);

#endif
