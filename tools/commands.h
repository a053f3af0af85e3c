/* SPDX-License-Identifier: MIT */
/* The phash CLI's subcommands: one file each (tools/cmd_*.c). */
#ifndef PHASH_TOOLS_COMMANDS_H
#define PHASH_TOOLS_COMMANDS_H

/* Exit statuses shared by every subcommand. */
#define EXIT_NO_MATCH 0 /* success; for scan: no match */
#define EXIT_MATCH 1    /* scan/match: at least one match */
#define EXIT_ERROR 2    /* usage error, or a file could not be processed */
#define EXIT_MATCH_AND_ERROR 3 /* scan: matches found, and a PATH could not be read */

typedef struct phash_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} phash_command;

int cmd_version(int argc, char **argv);
int cmd_hash(int argc, char **argv); /* tools/cmd_hash.c */
int cmd_scan(int argc, char **argv);   /* sigset: cmd_scan.c */
int cmd_sigset(int argc, char **argv); /* sigset: cmd_sigset.c */
int cmd_decode_info(int argc, char **argv); /* tools/cmd_info.c (decode) */

#endif
