/* m3u8nas - the command-line client: one subcommand per file (cmd-*.c) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static const struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} cmds[] = {
	{ "get", cmd_get, "download an HLS stream to one verified MP4, here and now" },
	{ "add", cmd_add, "drop a job into the local spool for m3u8nas-spoold" },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *fp)
{
	const struct cmd *c;

	fprintf(fp, "usage: m3u8nas COMMAND [OPTION]... ARG...\n\n"
	    "Land web video (HLS, .m3u8) on your NAS.\n\nCommands:\n");
	for (c = cmds; c->name != NULL; c++)
		fprintf(fp, "  %-6s %s\n", c->name, c->summary);
	fprintf(fp, "\n'm3u8nas COMMAND --help' tells more. Options:\n"
	    "  -h, --help     this help\n"
	    "  -V, --version  the version\n");
}

int
main(int argc, char **argv)
{
	const struct cmd *c;

	log_open("m3u8nas", LOG_TEXT, 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("m3u8nas %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (c = cmds; c->name != NULL; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "m3u8nas: unknown command '%s' (try --help)\n", argv[1]);
	return 2;
}
