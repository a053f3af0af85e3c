/* SPDX-License-Identifier: MIT */
/* Recursive folder walk for the scan driver: depth-first, entries in name
 * order, symbolic links followed but every folder visited once (a link loop
 * ends), only regular files reported, special files (FIFOs, devices,
 * sockets) never opened. */
#ifndef PHASH_TOOLS_WALK_H
#define PHASH_TOOLS_WALK_H

#include <signal.h>
#include <sys/stat.h>

typedef struct walk_callbacks {
    void *ctx;
    /* A regular file (st from stat(), links followed). Return non-zero to stop. */
    int (*file)(void *ctx, const char *path, const struct stat *st);
    /* A folder about to be read (e.g. to watch it). May be NULL. */
    void (*folder)(void *ctx, const char *path);
    /* Something that could not be read: errno value in err. May be NULL. */
    void (*error)(void *ctx, const char *path, int err);
    /* Counters the walk keeps. */
    unsigned long long folders, links_skipped, special;
} walk_callbacks;

/* Walk root (a file or a folder). stop (may be NULL) is polled between
 * entries. Returns 0, or -1 when root itself cannot be read (error called). */
int walk(const char *root, walk_callbacks *cb, volatile sig_atomic_t *stop);

#endif
