/* SPDX-License-Identifier: MIT */
/* phash scan --on-match CMD: a command run per alert, never through a
 * shell. CMD is split at spaces into the program (looked up in PATH) and
 * its arguments; the match record (JSON, docs/match-record.schema.json) is
 * its standard input, and PHASH_MATCH_ID / PHASH_MATCH_PATH are in its
 * environment. It must exit 0 within the timeout; otherwise it is killed
 * (its whole process group) and the alert counts as not delivered. */
#ifndef PHASH_TOOLS_SCAN_HOOK_H
#define PHASH_TOOLS_SCAN_HOOK_H

#include <stddef.h>

/* Run cmd with record (len bytes) on stdin; 0 when it exited 0 in time,
 * else -1 with why[] filled. */
int hook_run(const char *cmd, double timeout, const char *record, size_t len,
             const char *match_id, const char *path, char *why, size_t why_len);

#endif
