/* SPDX-License-Identifier: MIT */
/* phash: the command-line tool. Dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "phash/phash.h"
#include "cli_os.h"
#include "commands.h"

static const phash_command commands[] = {
    {"version", "print the library version", cmd_version},
    {"hash", "hash image files (PDQ, ...) to CSV or JSON", cmd_hash},
    {"scan", "find images matching a signature set under folders", cmd_scan},
    {"sigset", "check, compile and describe signature sets", cmd_sigset},
    {"info", "decode image files and print format, size, channels", cmd_decode_info},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: phash COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'phash COMMAND --help' describes a command.\n"
                 "Exit status: 0 success (scan: no match), 1 scan found a match, 2 error,\n"
                 "3 scan found a match and a PATH could not be read.\n");
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("phash %s (library %s)\n", PHASH_VERSION_STRING, phash_version_string());
    return 0;
}

int main(int argc, char **argv)
{
    if (cli_os_init(&argc, &argv) != 0) /* Windows: UTF-8 arguments and output */
        return EXIT_ERROR;
    if (argc < 2) {
        usage(stderr);
        return EXIT_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
        return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "phash: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_ERROR;
}
