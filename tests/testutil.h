/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the Check test programs. */
#ifndef PHASH_TESTUTIL_H
#define PHASH_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "win_compat.h"

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

/* Test data from shared/ (a checkout may lack ../shared beside it). When
 * REL is missing, have_shared() prints a line naming it and returns 0, and
 * the test case that asked returns early; require_shared() (for programs
 * that are all about that data) exits 77, meson's "skipped". With
 * PHASH_REQUIRE_SHARED=1 in the environment (CI) a missing path fails
 * instead, so that nothing is silently skipped there. */
static inline int shared_missing(const char *rel, int *required)
{
    const char *path = shared_path(rel);
    if (access(path, R_OK) == 0)
        return 0;
    const char *req = getenv("PHASH_REQUIRE_SHARED");
    *required = req && strcmp(req, "1") == 0;
    fprintf(stderr, "%s: %s is missing (test data from shared/; configure with "
            "-Dshared_dir=DIR)\n", *required ? "FAIL" : "SKIP", path);
    return 1;
}

static inline int have_shared(const char *rel)
{
    int required = 0;
    if (!shared_missing(rel, &required))
        return 1;
    ck_assert_msg(!required, "%s is missing and PHASH_REQUIRE_SHARED=1", rel);
    return 0;
}

static inline void require_shared(const char *rel)
{
    int required = 0;
    if (shared_missing(rel, &required))
        exit(required ? EXIT_FAILURE : 77);
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

/* A new empty folder NAME-XXXXXX (mkdtemp: unique even where process IDs
 * repeat, as under Wine) in the system's temporary folder (Windows: TEMP),
 * its path into buf. */
static inline void make_temp_dir(char *buf, size_t n, const char *name)
{
#ifdef _WIN32
    const char *tmp = getenv("TEMP") ? getenv("TEMP") : getenv("TMP");
#else
    const char *tmp = "/tmp";
#endif
    snprintf(buf, n, "%s/%s-XXXXXX", tmp ? tmp : ".", name);
    ck_assert_msg(mkdtemp(buf) != NULL, "mkdtemp %s", buf);
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
