/* SPDX-License-Identifier: MIT */
/* phash scan --on-match: the command split at spaces (no quoting: no
 * shell), then run by scan_hook_posix.c or scan_hook_win32.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_hook.h"

enum { MAX_ARGS = 64 };

int hook_run(const char *cmd, double timeout, hook_writer write, void *ctx,
             const char *match_id, const char *path, char *why, size_t why_len)
{
    char *copy = malloc(strlen(cmd) + 1), *argv[MAX_ARGS + 1];
    int n = 0;
    if (copy) {
        strcpy(copy, cmd);
        for (char *tok = strtok(copy, " \t"); tok && n < MAX_ARGS; tok = strtok(NULL, " \t"))
            argv[n++] = tok;
    }
    argv[n] = NULL;
    if (n == 0) {
        snprintf(why, why_len, "--on-match '%s': %s", cmd, copy ? "no command" : "out of memory");
        free(copy);
        return -1;
    }
    int rc = hook_run_argv(argv, timeout, write, ctx, match_id, path, why, why_len);
    free(copy);
    return rc;
}
