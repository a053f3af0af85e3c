/* SPDX-License-Identifier: MIT */
/*
 * The atomic writer of output files (lib/atomic_file.h) on Windows.
 *
 * The new contents go to "TARGET.phash-tmp-XXXXXXXX" beside the target,
 * created exclusively with an owner-only DACL (the 0600 of posix), opened
 * for writing and DELETE, shared for reading only. Holding it without
 * delete sharing is what flock() is on posix: another writer's sweep of
 * stale temporary files (DeleteFileW on every TARGET.phash-tmp-*) fails on
 * a live writer's file with a sharing violation and removes a dead one's.
 *
 * The commit flushes the file (FlushFileBuffers), checks the target again
 * and renames the temporary file over it through its own handle
 * (SetFileInformationByHandle), trying in turn:
 *  1. FileRenameInfoEx with FILE_RENAME_FLAG_REPLACE_IF_EXISTS |
 *     FILE_RENAME_FLAG_POSIX_SEMANTICS (Windows 10 1809 and later, NTFS):
 *     the target is replaced even while readers hold it open with delete
 *     sharing, as phash's own readers do (platform/win32.c), and their
 *     handles and views keep the old contents;
 *  2. FileRenameInfo with ReplaceIfExists (older systems, other file
 *     systems, Wine);
 *  3. when the target cannot be replaced because it is in use (a mapped
 *     view, a reader without delete sharing): the old file is first
 *     renamed aside to a temporary name of the same target, then the new
 *     one onto the target name, then the old one deleted, which fails while
 *     it is still mapped; a later write's sweep removes it once it is free.
 *     Between the two renames the target name is absent for an instant: a
 *     reader opening it then gets "not found" and retries (phash's --watch
 *     reload waits for the name to settle).
 * If the last rename fails, the old file is moved back.
 *
 * Renames within one NTFS volume are journaled metadata operations: there
 * is no folder to flush as on posix.
 */
#define _WIN32_WINNT 0x0A00 /* FileRenameInfoEx: tried at run time, older systems refuse it */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "platform.h"
#include "win32_int.h"

/* FileRenameInfoEx (22), which mingw-w64's headers declare only for
 * _WIN32_WINNT 0x0A000002 and later. */
#define RENAME_INFO_EX ((FILE_INFO_BY_HANDLE_CLASS)22)

static phash_status io_error(ph_error *err, int e, const char *what, const char *path)
{
    errno = e;
    return ph_error_set(err, e == ENOMEM ? PHASH_ERR_NOMEM : PHASH_ERR_IO, "%s %s: %s", what, path,
                        strerror(e));
}

phash_status ph_atomic_check_target(const char *path, ph_error *err)
{
    wchar_t *w;
    int e = ph_win_wide_path(path, 0, &w);
    if (e)
        return io_error(err, e, "cannot name", path);
    /* The entry itself (a link or junction is not followed), any kind. */
    HANDLE h = CreateFileW(w, FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS,
                           NULL);
    ph_free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD le = GetLastError();
        if (le == ERROR_FILE_NOT_FOUND || le == ERROR_PATH_NOT_FOUND)
            return PHASH_OK; /* absent: created by the commit (a missing folder fails then) */
        return io_error(err, ph_win_errno(le), "cannot look at", path);
    }
    const char *what = NULL;
    DWORD type = GetFileType(h);
    FILE_ATTRIBUTE_TAG_INFO ti;
    if (type == FILE_TYPE_PIPE)
        what = "a pipe";
    else if (type != FILE_TYPE_DISK)
        what = "a device";
    else if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &ti, sizeof ti)) {
        int le = ph_win_errno(GetLastError());
        CloseHandle(h);
        return io_error(err, le, "cannot look at", path);
    } else if (ti.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
        what = "a symbolic link or junction (give the real file's path)";
    else if (ti.FileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        what = "a folder";
    CloseHandle(h);
    if (!what)
        return PHASH_OK;
    return ph_error_set(err, PHASH_ERR_NOT_REGULAR,
                        "%s is %s: refusing to replace it (only regular files are written)", path,
                        what);
}

/* Delete every TARGET.phash-tmp-* that no writer holds (see top). Best
 * effort: a folder we cannot list keeps them. */
static void remove_stale(const char *path)
{
    char *dir = ph_atomic_dir_of(path);
    const char *base = ph_atomic_base_of(path);
    ph_dir *d = NULL;
    if (!dir || ph_dir_open(dir, &d) != 0) {
        ph_free(dir);
        return;
    }
    const char *name;
    while (ph_dir_next(d, &name) == 0 && name) {
        if (!ph_atomic_is_tmp_of(name, base))
            continue;
        size_t dl = strlen(dir), nl = strlen(name);
        char *full = ph_malloc(dl + nl + 2);
        wchar_t *w = NULL;
        if (full) {
            memcpy(full, dir, dl);
            full[dl] = '\\';
            memcpy(full + dl + 1, name, nl + 1);
            if (ph_win_wide_path(full, 0, &w) == 0)
                (void)DeleteFileW(w); /* fails on a live writer's or a mapped file */
        }
        ph_free(w);
        ph_free(full);
    }
    ph_dir_close(d);
    ph_free(dir);
}

/* Create a new temporary file exclusively; its handle, or
 * INVALID_HANDLE_VALUE with errno set. */
static HANDLE create_tmp(const char *path, char **tmp_out)
{
    PSECURITY_DESCRIPTOR sd = ph_win_owner_only();
    SECURITY_ATTRIBUTES sa = {sizeof sa, sd, FALSE};
    HANDLE h = INVALID_HANDLE_VALUE;
    int e = EEXIST;
    for (int tries = 0; tries < 100 && h == INVALID_HANDLE_VALUE && e == EEXIST; tries++) {
        char *t = ph_atomic_tmp_name(path);
        wchar_t *w = NULL;
        if (!t || (e = ph_win_wide_path(t, 0, &w)) != 0) {
            e = t ? e : ENOMEM;
            ph_free(t);
            break;
        }
        h = CreateFileW(w, GENERIC_WRITE | DELETE, FILE_SHARE_READ, &sa, CREATE_NEW,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        DWORD le = GetLastError();
        ph_free(w);
        if (h != INVALID_HANDLE_VALUE) {
            *tmp_out = t;
            break;
        }
        ph_free(t);
        e = le == ERROR_FILE_EXISTS || le == ERROR_ALREADY_EXISTS ? EEXIST : ph_win_errno(le);
    }
    if (sd)
        LocalFree(sd);
    if (h == INVALID_HANDLE_VALUE)
        errno = e;
    return h;
}

phash_status ph_atomic_open(ph_atomic_file *f, const char *path, ph_error *err)
{
    memset(f, 0, sizeof *f);
    f->h = INVALID_HANDLE_VALUE;
    phash_status st = ph_atomic_begin(f, path, err);
    if (st != PHASH_OK)
        return st;
    remove_stale(path);
    f->h = create_tmp(path, &f->tmp);
    if (f->h == INVALID_HANDLE_VALUE) {
        int e = errno;
        ph_free(f->path);
        f->path = NULL;
        return io_error(err, e, "cannot create a temporary file beside", path);
    }
    return PHASH_OK;
}

/* WriteFile in chunks; at offset when `at` (the file pointer then moves to
 * its end, which the caller undoes), else at the file pointer. */
static int write_all(HANDLE h, const void *data, size_t n, const uint64_t *at)
{
    const unsigned char *p = data;
    uint64_t off = at ? *at : 0;
    while (n > 0) {
        DWORD chunk = n > (1u << 30) ? (1u << 30) : (DWORD)n, w = 0;
        OVERLAPPED o = {0};
        o.Offset = (DWORD)off;
        o.OffsetHigh = (DWORD)(off >> 32);
        if (!WriteFile(h, p, chunk, &w, at ? &o : NULL)) {
            errno = ph_win_errno(GetLastError());
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= w;
        off += w;
    }
    return 0;
}

int ph_atomic_write(ph_atomic_file *f, const void *data, size_t n)
{
    return write_all(f->h, data, n, NULL);
}

int ph_atomic_pwrite(ph_atomic_file *f, const void *data, size_t n, uint64_t offset)
{
    LARGE_INTEGER zero = {0}, cur;
    if (!SetFilePointerEx(f->h, zero, &cur, FILE_CURRENT)) {
        errno = ph_win_errno(GetLastError());
        return -1;
    }
    int r = write_all(f->h, data, n, &offset);
    int e = errno;
    if (!SetFilePointerEx(f->h, cur, NULL, FILE_BEGIN) && r == 0) {
        e = ph_win_errno(GetLastError());
        r = -1;
    }
    errno = e;
    return r;
}

void ph_atomic_abort(ph_atomic_file *f)
{
    int e = errno;
    if (f->h != INVALID_HANDLE_VALUE && f->h) {
        if (f->tmp) {
            FILE_DISPOSITION_INFO del = {TRUE};
            (void)SetFileInformationByHandle(f->h, FileDispositionInfo, &del, sizeof del);
        }
        CloseHandle(f->h);
        wchar_t *w;
        if (f->tmp && ph_win_wide_path(f->tmp, 0, &w) == 0) {
            (void)DeleteFileW(w); /* if the disposition was refused (gone: no harm) */
            ph_free(w);
        }
    }
    ph_free(f->tmp);
    ph_free(f->path);
    memset(f, 0, sizeof *f);
    f->h = INVALID_HANDLE_VALUE;
    errno = e;
}

/* Rename the file of h to the full path `to` (UTF-16): Ex with flags, or
 * the classic call replacing when `replace`. A Win32 error code, 0 if done. */
static DWORD rename_handle(HANDLE h, const wchar_t *to, int ex, DWORD flags, BOOLEAN replace)
{
    size_t n = wcslen(to);
    size_t size = sizeof(FILE_RENAME_INFO) + n * sizeof(wchar_t);
    FILE_RENAME_INFO *ri = ph_calloc(1, size);
    if (!ri)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (ex)
        ri->Flags = flags;
    else
        ri->ReplaceIfExists = replace;
    ri->FileNameLength = (DWORD)(n * sizeof(wchar_t));
    memcpy(ri->FileName, to, (n + 1) * sizeof(wchar_t));
    DWORD le = SetFileInformationByHandle(h, ex ? RENAME_INFO_EX : FileRenameInfo, ri,
                                          (DWORD)size)
                   ? 0
                   : GetLastError();
    ph_free(ri);
    return le;
}

/* A full UTF-16 path of path (the rename calls want one); NULL on error
 * with errno set. */
static wchar_t *full_wide(const char *path)
{
    wchar_t *w;
    int e = ph_win_wide_path(path, 0, &w);
    if (e) {
        errno = e;
        return NULL;
    }
    DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = n ? ph_malloc((size_t)n * sizeof *full) : NULL;
    DWORD got = full ? GetFullPathNameW(w, n, full, NULL) : 0;
    if (got == 0 || got >= n) {
        errno = full ? ph_win_errno(GetLastError()) : ENOMEM;
        ph_free(full);
        full = NULL;
    }
    ph_free(w);
    return full;
}

/* Step 3 of the top comment: the old target aside, the new one in. */
static DWORD replace_in_use(HANDLE h, const wchar_t *target, const char *path)
{
    char *aside = ph_atomic_tmp_name(path);
    wchar_t *waside = aside ? full_wide(aside) : NULL;
    ph_free(aside);
    if (!waside)
        return ERROR_NOT_ENOUGH_MEMORY;
    DWORD le = 0;
    if (!MoveFileExW(target, waside, MOVEFILE_WRITE_THROUGH))
        le = GetLastError();
    else if ((le = rename_handle(h, target, 0, 0, FALSE)) != 0)
        (void)MoveFileExW(waside, target, MOVEFILE_WRITE_THROUGH); /* the old one back */
    else
        (void)DeleteFileW(waside); /* while mapped it stays, for a later sweep */
    ph_free(waside);
    return le;
}

phash_status ph_atomic_commit(ph_atomic_file *f, ph_error *err)
{
    if (!FlushFileBuffers(f->h)) {
        phash_status st =
            io_error(err, ph_win_errno(GetLastError()), "cannot write the temporary file beside",
                     f->path);
        ph_atomic_abort(f);
        return st;
    }
    phash_status st = ph_atomic_check_target(f->path, err);
    wchar_t *target = st == PHASH_OK ? full_wide(f->path) : NULL;
    if (st == PHASH_OK && !target)
        st = io_error(err, errno, "cannot name", f->path);
    if (st == PHASH_OK) {
        DWORD le = rename_handle(f->h, target, 1,
                                 FILE_RENAME_FLAG_REPLACE_IF_EXISTS |
                                     FILE_RENAME_FLAG_POSIX_SEMANTICS,
                                 TRUE);
        if (le != 0 && le != ERROR_ACCESS_DENIED && le != ERROR_SHARING_VIOLATION)
            le = rename_handle(f->h, target, 0, 0, TRUE); /* no Ex: the classic replace */
        if (le == ERROR_ACCESS_DENIED || le == ERROR_SHARING_VIOLATION ||
            le == ERROR_USER_MAPPED_FILE)
            le = replace_in_use(f->h, target, f->path);
        if (le != 0)
            st = io_error(err, ph_win_errno(le), "cannot rename onto", f->path);
    }
    ph_free(target);
    if (st != PHASH_OK) {
        ph_atomic_abort(f);
        return st;
    }
    ph_free(f->tmp);
    f->tmp = NULL; /* the name is the target's now: nothing to delete */
    ph_atomic_abort(f); /* closes the handle, frees the rest */
    return PHASH_OK;
}
