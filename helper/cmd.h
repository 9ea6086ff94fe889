/* cmd - the client's subcommands; each gets argv from its own name on */
#ifndef M3U8NAS_CMD_H
#define M3U8NAS_CMD_H

/* Each returns the process exit status. */
int cmd_get(int argc, char **argv);	/* cmd-get.c */
int cmd_add(int argc, char **argv);	/* cmd-add.c */

#endif
