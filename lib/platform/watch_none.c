/* SPDX-License-Identifier: MIT */
/* Change notification where the platform layer has none (POSIX systems
 * without inotify): ph_watch_new says ENOSYS and phash_scanner_watch
 * PHASH_ERR_UNSUPPORTED. Linux: posix.c; Windows: win32_watch.c. */
#if !defined(__linux__) && !defined(_WIN32)
#include <errno.h>
#include <stdio.h>

#include "platform.h"

int ph_watch_new(ph_watch **out, int whole)
{
    (void)whole;
    *out = NULL;
    return ENOSYS;
}

void ph_watch_free(ph_watch *w)
{
    (void)w;
}

int ph_watch_add(ph_watch *w, const char *folder)
{
    (void)w;
    (void)folder;
    return ENOSYS;
}

void ph_watch_remove(ph_watch *w, const char *folder)
{
    (void)w;
    (void)folder;
}

int ph_watch_next(ph_watch *w, double timeout, ph_watch_event *ev)
{
    (void)w;
    (void)ev;
    ph_sleep(timeout);
    return ETIMEDOUT;
}

const char *ph_watch_name(const ph_watch *w)
{
    (void)w;
    return "none";
}

int ph_watch_recursive(const ph_watch *w)
{
    (void)w;
    return 0;
}

void ph_watch_limit(char *out, size_t n)
{
    snprintf(out, n, "no change notification");
}
#else
typedef int ph_watch_none_unused; /* ISO C: a translation unit is not empty */
#endif
