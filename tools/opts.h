/* SPDX-License-Identifier: MIT */
/* The one option parser of every phash command: glibc's getopt_long with
 * the CLI's own messages. Every long option takes its value attached
 * (--threads=2) or as the next argument (--threads 2); short aliases take
 * it the same ways (-o FILE, -oFILE); options and operands come in any order
 * (GNU permutation; "--" ends the options); a unique prefix of a long option
 * is accepted, as getopt_long does. */
#ifndef PHASH_TOOLS_OPTS_H
#define PHASH_TOOLS_OPTS_H

#include <getopt.h>

/* Returned for a usage error (the message is printed). */
#define OPT_BAD -2

/* Start parsing argv (argv[0] is the command's own name). */
void opt_begin(void);
/* The next option: its `val` from longs (or the short option's letter),
 * with the value (NULL for flags) in *value; -1 at the end of the options
 * (then argv[*first..argc) are the operands, in order); OPT_BAD after printing
 * "CMD: ..." for an unknown option, a missing value or a value given to a
 * flag. shorts lists the short options as getopt does ("o:v"). */
int opt_next(int argc, char **argv, const char *cmd, const char *shorts,
             const struct option *longs, const char **value, int *first);

/* Where the values being applied come from, for messages: NULL for the
 * command line (the default), or "FILE:LINE" of a configuration file. The
 * string must outlive its use. */
void opt_set_origin(const char *origin);

/* A bad value of the option `name` (long name, without "--"): prints
 * "CMD: --NAME: MESSAGE" from the command line, "CMD: FILE:LINE: NAME:
 * MESSAGE" from a configuration file, so one message serves both. */
void opt_value_error(const char *cmd, const char *name, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
