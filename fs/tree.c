/* tree - the shape of the mount: which path is which node */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "job-id.h"
#include "render.h"
#include "tree.h"

/* Splits path into at most 3 components; their count, or -1. */
static int
split(const char *path, char comp[3][TREE_MAX_NAME + 1])
{
	const char *p = path, *end;
	size_t len;
	int n = 0;

	if (*p != '/')
		return -1;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 3 || len > TREE_MAX_NAME)
			return -1;
		memcpy(comp[n], p, len);
		comp[n][len] = '\0';
		if (strcmp(comp[n], ".") == 0 || strcmp(comp[n], "..") == 0)
			return -1;
		n++;
		p += len;
	}
	return n;
}

static int
parse_jobs(char comp[3][TREE_MAX_NAME + 1], int n, struct tree_path *p)
{
	if (n == 1) {
		p->kind = TK_JOBS;
		return 0;
	}
	/* A name that cannot be a job id is no job: no store query for it. */
	if (!job_id_valid(comp[1]))
		return -1;
	snprintf(p->id, sizeof(p->id), "%s", comp[1]);
	if (n == 2) {
		p->kind = TK_JOB;
		return 0;
	}
	p->file = render_file_lookup(comp[2]);
	p->kind = p->file >= 0 ? TK_JOBFILE : TK_JOBOTHER;
	snprintf(p->name, sizeof(p->name), "%s", comp[2]);
	return 0;
}

static int
parse_by_status(char comp[3][TREE_MAX_NAME + 1], int n, struct tree_path *p)
{
	if (n == 1) {
		p->kind = TK_BYSTATUS;
		return 0;
	}
	if (job_status_parse(comp[1], &p->status) == -1)
		return -1;
	if (n == 2) {
		p->kind = TK_STATUSDIR;
		return 0;
	}
	if (!job_id_valid(comp[2]))
		return -1;
	p->kind = TK_STATUSLINK;
	snprintf(p->id, sizeof(p->id), "%s", comp[2]);
	return 0;
}

int
tree_parse(const char *path, struct tree_path *p)
{
	char comp[3][TREE_MAX_NAME + 1];
	int n;

	memset(p, 0, sizeof(*p));
	p->file = -1;
	if ((n = split(path, comp)) < 0)
		return -1;
	if (n == 0) {
		p->kind = TK_ROOT;
		return 0;
	}
	if (strcmp(comp[0], "status") == 0 && n == 1) {
		p->kind = TK_STATUS;
		return 0;
	}
	if (strcmp(comp[0], "jobs") == 0)
		return parse_jobs(comp, n, p);
	if (strcmp(comp[0], "by-status") == 0)
		return parse_by_status(comp, n, p);
	if (strcmp(comp[0], "by-name") == 0 && n <= 2) {
		p->kind = n == 1 ? TK_BYNAME : TK_NAMELINK;
		if (n == 2)
			snprintf(p->name, sizeof(p->name), "%s", comp[1]);
		return 0;
	}
	return -1;
}
