/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the Check test programs. */
#ifndef PHASH_TESTUTIL_H
#define PHASH_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Path of a file under ../shared (PHASH_SHARED in the environment, set by
 * meson test). Returns a static buffer: copy it before the next call. */
static inline const char *shared_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("PHASH_SHARED");
    if (!root)
        root = "../shared";
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

/* Path of a file in the source tree (PHASH_SOURCE_ROOT). Static buffer. */
static inline const char *source_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("PHASH_SOURCE_ROOT");
    if (!root)
        root = ".";
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

/* Run one suite and return the process exit status. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
