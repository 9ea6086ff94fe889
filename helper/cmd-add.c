/* cmd-add - placeholder until the subcommand lands (see its issue) */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

int
cmd_add(int argc, char **argv)
{
	fprintf(stderr, "m3u8nas: 'add' is not built yet\n");
	return 1;
}
