/* SPDX-License-Identifier: MIT */
/* Linux's two change notifications behind platform.h's ph_watch: inotify
 * (posix.c, one watch per folder) and fanotify (fanotify.c, one mark per
 * file system, for privileged processes). posix.c's ph_watch_* hand the
 * calls of a fanotify watch to these, which have the same meaning. */
#ifndef PHASH_LIB_PLATFORM_LINUX_WATCH_H
#define PHASH_LIB_PLATFORM_LINUX_WATCH_H

#include "platform.h"

typedef struct ph_fan ph_fan;

/* EPERM (not privileged), ENOSYS (no fanotify), EINVAL (too old for
 * reports by name), ENOMEM. */
int ph_fan_new(ph_fan **out);
void ph_fan_free(ph_fan *f);
/* As ph_watch_add; a folder below a watched one is covered already (0);
 * EXDEV when the folder's file system cannot be marked or its handles
 * opened (no CAP_SYS_ADMIN or CAP_DAC_READ_SEARCH, a file system without
 * file handles). */
int ph_fan_add(ph_fan *f, const char *folder);
void ph_fan_remove(ph_fan *f, const char *folder);
int ph_fan_next(ph_fan *f, double timeout, ph_watch_event *ev);

/* Read a watch's events from its (non-blocking) descriptor into buf,
 * waiting for them until deadline (ph_now()): 0 with *got > 0,
 * ETIMEDOUT, or errno (posix.c). */
int ph_watch_read(int fd, void *buf, size_t n, double deadline, size_t *got);

#endif
