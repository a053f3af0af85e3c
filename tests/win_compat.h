/* SPDX-License-Identifier: MIT */
/* The few POSIX calls the tests and fuzz drivers use that mingw's C runtime
 * lacks (Windows build, run under Wine in CI). Nothing elsewhere. */
#ifndef PHASH_TESTS_WIN_COMPAT_H
#define PHASH_TESTS_WIN_COMPAT_H

#ifdef _WIN32
#include <direct.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

static inline char *mkdtemp(char *tmpl)
{
    return _mktemp_s(tmpl, strlen(tmpl) + 1) == 0 && _mkdir(tmpl) == 0 ? tmpl : NULL;
}
static inline int setenv(const char *name, const char *value, int overwrite)
{
    (void)overwrite;
    return _putenv_s(name, value) == 0 ? 0 : -1;
}
static inline int unsetenv(const char *name) { return _putenv_s(name, "") == 0 ? 0 : -1; }
/* No modes on Windows (a new folder inherits its parent's ACL). */
#define mkdir(path, mode) ((void)(mode), _mkdir(path))
#endif

#endif
