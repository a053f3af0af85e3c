/* SPDX-License-Identifier: MIT */
/* phash scan --config FILE: a configuration file of "key = value" lines,
 * each key a long option of the command (without "--"), applied through the
 * same option table and the same code as the command line, so names, values
 * and messages are one. The format (man page, FILES; install/scan.conf):
 *   - one setting per line; blank lines and lines whose first non-blank
 *     character is '#' are ignored (a '#' later in a line is part of the
 *     value: commands and patterns may hold one);
 *   - "key = value", spaces around the key and the value ignored; a value
 *     may be put in double quotes to keep spaces at its ends;
 *   - a flag is "key" alone or "key = yes|no" (true/false, on/off, 1/0):
 *     "no" leaves it off, or turns a flag that is on by default off through
 *     its "no-KEY" form (nice = no is --no-nice);
 *   - options that may be repeated (signatures, exclude, ...) are repeated
 *     lines; the key "path" names a PATH to scan, as an operand would.
 * Errors name the file, the line and the key. */
#ifndef PHASH_TOOLS_CONFIG_H
#define PHASH_TOOLS_CONFIG_H

#include <getopt.h>

typedef struct config_sink {
    const char *cmd;              /* "phash scan", for messages */
    const struct option *longs;   /* the command's option table */
    const char *const *refused;   /* keys that cannot be set in a file (NULL-ended) */
    /* apply one option (value NULL for a flag); non-zero after printing why */
    int (*apply)(void *ctx, int id, const char *value);
    /* one "path = PATH" line; non-zero after printing why */
    int (*path)(void *ctx, const char *path);
    void *ctx;
} config_sink;

/* Read the configuration file `file` and apply each setting in order. The
 * values point into the file's text, returned in *text, which the caller
 * frees once the options are no longer used (also on failure). Returns 0, or
 * -1 after printing "CMD: FILE[:LINE: KEY]: why". */
int config_read(const char *file, const config_sink *sink, char **text);

#endif
