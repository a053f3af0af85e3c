/* SPDX-License-Identifier: MIT */
/* Helpers shared by the Windows files of the platform layer (win32.c,
 * win32_atomic.c). Include after <windows.h>. */
#ifndef PHASH_LIB_PLATFORM_WIN32_INT_H
#define PHASH_LIB_PLATFORM_WIN32_INT_H

#include <stddef.h>
#include <wchar.h>

/* A Win32 error code (GetLastError) as the errno value posix.c would give. */
int ph_win_errno(DWORD e);
/* path (UTF-8) as a newly allocated UTF-16 string (ph_free) with room for
 * `extra` more characters; 0, or EILSEQ (not valid UTF-8), EINVAL, ENOMEM. */
int ph_win_wide_path(const char *path, size_t extra, wchar_t **out);

/* A security descriptor giving the process's user alone access (a
 * protected DACL with one entry: mode 0600 of posix); LocalFree it. NULL if
 * the system cannot build one. */
PSECURITY_DESCRIPTOR ph_win_owner_only(void);

#endif
