/* SPDX-License-Identifier: MIT */
/* phash scan --on-match CMD: a command run per alert, never through a
 * shell. CMD is split at spaces into the program (looked up in PATH) and
 * its arguments; the match record (JSON, docs/match-record.schema.json) is
 * its standard input, its standard output and error are phash's standard
 * error, and PHASH_MATCH_ID / PHASH_MATCH_PATH are in its environment. It
 * must exit 0 within the timeout; otherwise it is killed with every process
 * it started (POSIX: its process group; Windows: a job object) and the alert
 * counts as not delivered. scan_hook_posix.c: fork and exec;
 * scan_hook_win32.c: CreateProcessW, no cmd.exe. */
#ifndef PHASH_TOOLS_SCAN_HOOK_H
#define PHASH_TOOLS_SCAN_HOOK_H

#include <stddef.h>
#include <stdio.h>

/* Writes the record to f, the command's standard input (called once, while
 * the command runs; a command that does not read it may make writes fail). */
typedef void (*hook_writer)(FILE *f, void *ctx);

/* Run cmd with the record written by write(f, ctx) on its stdin; 0 when it
 * exited 0 in time, else -1 with why[] filled. */
int hook_run(const char *cmd, double timeout, hook_writer write, void *ctx,
             const char *match_id, const char *path, char *why, size_t why_len);

/* The same with the command already split: argv[0] the program, then its
 * arguments, NULL-terminated. Each argument reaches the program byte for
 * byte (Windows: quoted for CommandLineToArgvW's rules). */
int hook_run_argv(char *const argv[], double timeout, hook_writer write, void *ctx,
                  const char *match_id, const char *path, char *why, size_t why_len);

#endif
