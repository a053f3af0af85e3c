/* SPDX-License-Identifier: MIT */
/*
 * The platform layer on Windows (see platform.h), on the wide-character
 * Win32 API: paths are UTF-8 in the library and UTF-16 underneath, so names
 * outside the ANSI code page open; files are read as bytes (there is no
 * text mode below the C runtime); a file's identity is the volume serial
 * number and the 64-bit file index (the walker ends folder loops on it; the
 * C runtime's st_ino is always 0). Errors come back as errno values, like
 * posix.c's.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <shlwapi.h>

#include <errno.h>
#include <process.h>
#include <string.h>
#include <wchar.h>

#include "internal.h"
#include "platform.h"
#include "win32_int.h"

/* ---- errors and paths ------------------------------------------------------- */

int ph_win_errno(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_PATHNAME:
    case ERROR_INVALID_NAME:
        return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
        return EACCES;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return ENOMEM;
    case ERROR_FILENAME_EXCED_RANGE:
        return ENAMETOOLONG;
    case ERROR_DIRECTORY:
        return ENOTDIR;
    case ERROR_TOO_MANY_OPEN_FILES:
        return EMFILE;
    default:
        return EIO;
    }
}

int ph_win_wide_path(const char *path, size_t extra, wchar_t **out)
{
    *out = NULL;
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    if (n <= 0)
        return GetLastError() == ERROR_NO_UNICODE_TRANSLATION ? EILSEQ : EINVAL;
    wchar_t *w = ph_malloc(((size_t)n + extra) * sizeof *w);
    if (!w)
        return ENOMEM;
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n);
    *out = w;
    return 0;
}

/* ---- file facts ------------------------------------------------------------ */

/* FILETIME-style 100 ns ticks since 1601 as ns since 1970. */
static int64_t unix_ns(LARGE_INTEGER t)
{
    return (t.QuadPart - 116444736000000000LL) * 100;
}

static int fill_stat(HANDLE h, int link, ph_stat *st)
{
    BY_HANDLE_FILE_INFORMATION info;
    FILE_BASIC_INFO basic;
    if (!GetFileInformationByHandle(h, &info) ||
        !GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic))
        return ph_win_errno(GetLastError());
    DWORD kind = GetFileType(h);
    if (link && (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
        st->type = PH_FILE_LINK;
    else if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        st->type = PH_FILE_DIRECTORY;
    else
        st->type = kind == FILE_TYPE_DISK ? PH_FILE_REGULAR : PH_FILE_SPECIAL;
    st->size = ((uint64_t)info.nFileSizeHigh << 32) | info.nFileSizeLow;
    st->device = info.dwVolumeSerialNumber;
    st->inode = ((uint64_t)info.nFileIndexHigh << 32) | info.nFileIndexLow;
    st->mtime_ns = unix_ns(basic.LastWriteTime);
    st->ctime_ns = unix_ns(basic.ChangeTime);
    return 0;
}

/* A handle for reading attributes only (any file, folder or link). */
static int open_meta(const char *path, int follow, HANDLE *out)
{
    wchar_t *w;
    int err = ph_win_wide_path(path, 0, &w);
    if (err)
        return err;
    DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
    HANDLE h = CreateFileW(w, FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, flags, NULL);
    ph_free(w);
    if (h == INVALID_HANDLE_VALUE)
        return ph_win_errno(GetLastError());
    *out = h;
    return 0;
}

int ph_stat_path(const char *path, int follow, ph_stat *st)
{
    HANDLE h = INVALID_HANDLE_VALUE;
    int err = open_meta(path, follow, &h);
    if (err)
        return err;
    err = fill_stat(h, !follow, st);
    CloseHandle(h);
    return err;
}

int ph_real_path(const char *path, char **out)
{
    *out = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    int err = open_meta(path, 1, &h);
    if (err)
        return err;
    DWORD n = GetFinalPathNameByHandleW(h, NULL, 0, FILE_NAME_NORMALIZED);
    wchar_t *w = n ? ph_malloc((size_t)n * sizeof *w) : NULL;
    if (!w || GetFinalPathNameByHandleW(h, w, n, FILE_NAME_NORMALIZED) >= n)
        err = w ? ph_win_errno(GetLastError()) : ENOMEM;
    CloseHandle(h);
    /* "\\?\C:\..." (the form the API returns): the drive path without it */
    const wchar_t *p = w && !err && !wcsncmp(w, L"\\\\?\\", 4) ? w + 4 : w;
    int len = err ? 0 : WideCharToMultiByte(CP_UTF8, 0, p, -1, NULL, 0, NULL, NULL);
    if (!err && len <= 0)
        err = EILSEQ;
    if (!err && (*out = ph_malloc((size_t)len)) == NULL)
        err = ENOMEM;
    if (!err)
        WideCharToMultiByte(CP_UTF8, 0, p, -1, *out, len, NULL, NULL);
    ph_free(w);
    return err;
}

int ph_glob_match(const char *pattern, const char *name)
{
    return PathMatchSpecA(name, pattern) ? 1 : 0; /* shlwapi: *, ? */
}

/* ---- reading files ------------------------------------------------------- */

struct ph_file {
    HANDLE h;
};

int ph_file_open(const char *path, ph_file **out, ph_stat *st)
{
    *out = NULL;
    ph_stat pre = {0};
    int err = ph_stat_path(path, 1, &pre);
    if (err)
        return err;
    if (pre.type != PH_FILE_REGULAR)
        return pre.type == PH_FILE_DIRECTORY ? EISDIR : ENODEV;
    wchar_t *w;
    if ((err = ph_win_wide_path(path, 0, &w)) != 0)
        return err;
    /* Share everything: a file being scanned may be renamed, replaced or
     * deleted by its owner meanwhile, as on POSIX. */
    HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    ph_free(w);
    if (h == INVALID_HANDLE_VALUE)
        return ph_win_errno(GetLastError());
    ph_stat now = {0};
    err = fill_stat(h, 0, &now);
    if (!err && now.type != PH_FILE_REGULAR)
        err = now.type == PH_FILE_DIRECTORY ? EISDIR : ENODEV;
    ph_file *f = err ? NULL : ph_malloc(sizeof *f);
    if (!f) {
        CloseHandle(h);
        return err ? err : ENOMEM;
    }
    f->h = h;
    if (st)
        *st = now;
    *out = f;
    return 0;
}

int ph_file_read(ph_file *f, void *buf, size_t n, size_t *got)
{
    DWORD want = n > (1u << 30) ? (1u << 30) : (DWORD)n, r = 0;
    if (!ReadFile(f->h, buf, want, &r, NULL)) {
        *got = 0;
        return GetLastError() == ERROR_HANDLE_EOF ? 0 : ph_win_errno(GetLastError());
    }
    *got = r;
    return 0;
}

int ph_file_pread(ph_file *f, uint64_t off, void *buf, size_t n, size_t *got)
{
    DWORD want = n > (1u << 30) ? (1u << 30) : (DWORD)n, r = 0;
    OVERLAPPED o = {0};
    o.Offset = (DWORD)off;
    o.OffsetHigh = (DWORD)(off >> 32);
    if (!ReadFile(f->h, buf, want, &r, &o)) {
        *got = 0;
        return GetLastError() == ERROR_HANDLE_EOF ? 0 : ph_win_errno(GetLastError());
    }
    *got = r;
    return 0;
}

void ph_file_close(ph_file *f)
{
    if (!f)
        return;
    CloseHandle(f->h);
    ph_free(f);
}

/* ---- private files ------------------------------------------------------- */

/* The entry names the process's user by SID (not OW, the owner-rights SID,
 * which Wine's access checks do not know: it would lock the owner out). */
PSECURITY_DESCRIPTOR ph_win_owner_only(void)
{
    HANDLE tok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return NULL;
    union {
        TOKEN_USER user;
        unsigned char bytes[256];
    } u;
    DWORD got = 0;
    wchar_t *sid = NULL;
    BOOL ok = GetTokenInformation(tok, TokenUser, &u, sizeof u, &got) &&
              ConvertSidToStringSidW(u.user.User.Sid, &sid);
    CloseHandle(tok);
    if (!ok)
        return NULL;
    wchar_t sddl[256];
    PSECURITY_DESCRIPTOR sd = NULL;
    _snwprintf(sddl, 256, L"D:P(A;;FA;;;%ls)", sid);
    sddl[255] = 0;
    LocalFree(sid);
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL))
        return NULL;
    return sd;
}

int ph_file_make_private(const char *path)
{
    wchar_t *w;
    int err = ph_win_wide_path(path, 0, &w);
    if (err)
        return err;
    PSECURITY_DESCRIPTOR sd = ph_win_owner_only();
    if (!sd) {
        ph_free(w);
        return ph_win_errno(GetLastError());
    }
    SECURITY_ATTRIBUTES sa = {sizeof sa, sd, FALSE};
    /* The entry itself, never what a link or junction points to. */
    HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE | WRITE_DAC,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT |
                               FILE_FLAG_BACKUP_SEMANTICS,
                           NULL);
    DWORD le = GetLastError(); /* ERROR_ALREADY_EXISTS when opened, not created */
    int created = h != INVALID_HANDLE_VALUE && le != ERROR_ALREADY_EXISTS;
    ph_free(w);
    if (h == INVALID_HANDLE_VALUE) {
        LocalFree(sd);
        return le == ERROR_ACCESS_DENIED ? EACCES : ph_win_errno(le);
    }
    FILE_ATTRIBUTE_TAG_INFO ti;
    if (GetFileType(h) != FILE_TYPE_DISK)
        err = ENXIO;
    else if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &ti, sizeof ti))
        err = ph_win_errno(GetLastError());
    else if (ti.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
        err = ELOOP;
    else if (ti.FileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        err = EISDIR;
    if (!err && !created) {
        /* An existing file gets the owner-only DACL too (as fchmod 0600). */
        PACL dacl = NULL;
        BOOL present = FALSE, defaulted = FALSE;
        le = GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)
                       ? SetSecurityInfo(h, SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION |
                                             PROTECTED_DACL_SECURITY_INFORMATION,
                                         NULL, NULL, dacl, NULL)
                       : GetLastError();
        if (le != ERROR_SUCCESS)
            err = ph_win_errno(le);
    }
    CloseHandle(h);
    LocalFree(sd);
    return err;
}

int ph_rename_replace(const char *from, const char *to)
{
    wchar_t *wf, *wt;
    int err = ph_win_wide_path(from, 0, &wf);
    if (err)
        return err;
    if ((err = ph_win_wide_path(to, 0, &wt)) != 0) {
        ph_free(wf);
        return err;
    }
    if (!MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        err = ph_win_errno(GetLastError());
    ph_free(wf);
    ph_free(wt);
    return err;
}

/* ---- mapping files -------------------------------------------------------- */

struct ph_map {
    const void *data;
    size_t size;
};

int ph_map_open(const char *path, unsigned flags, ph_map **out, ph_stat *st)
{
    (void)flags; /* a mapped file cannot be truncated on Windows: always mapped */
    *out = NULL;
    ph_file *f;
    ph_stat s;
    int err = ph_file_open(path, &f, &s);
    if (err)
        return err;
    if (s.size > SIZE_MAX) {
        ph_file_close(f);
        return EFBIG;
    }
    ph_map *m = ph_calloc(1, sizeof *m);
    if (!m) {
        ph_file_close(f);
        return ENOMEM;
    }
    if (s.size > 0) {
        /* The view keeps the section (and the file) open after both
         * handles are closed. */
        HANDLE sec = CreateFileMappingW(f->h, NULL, PAGE_READONLY, 0, 0, NULL);
        const void *p = sec ? MapViewOfFile(sec, FILE_MAP_READ, 0, 0, 0) : NULL;
        err = p ? 0 : ph_win_errno(GetLastError());
        if (sec)
            CloseHandle(sec);
        if (err) {
            ph_file_close(f);
            ph_free(m);
            return err;
        }
        m->data = p;
        m->size = (size_t)s.size;
    }
    ph_file_close(f);
    if (st)
        *st = s;
    *out = m;
    return 0;
}

const void *ph_map_data(const ph_map *m) { return m->data; }
size_t ph_map_size(const ph_map *m) { return m->size; }

void ph_map_close(ph_map *m)
{
    if (!m)
        return;
    if (m->data)
        UnmapViewOfFile(m->data);
    ph_free(m);
}

/* Large pages on Windows need a privilege that normal accounts lack. */
void ph_advise_huge(void *p, size_t len)
{
    (void)p;
    (void)len;
}

/* ---- folders --------------------------------------------------------------- */

struct ph_dir {
    HANDLE find;
    int have; /* data holds an entry not yet returned */
    WIN32_FIND_DATAW data;
    char name[MAX_PATH * 3 + 1]; /* a UTF-16 name of up to MAX_PATH units as UTF-8 */
};

int ph_dir_open(const char *path, ph_dir **out)
{
    *out = NULL;
    wchar_t *w;
    int err = ph_win_wide_path(path, 2, &w);
    if (err)
        return err;
    size_t len = wcslen(w);
    if (len && w[len - 1] != L'\\' && w[len - 1] != L'/')
        w[len++] = L'\\';
    w[len++] = L'*';
    w[len] = 0;
    ph_dir *d = ph_calloc(1, sizeof *d);
    if (!d) {
        ph_free(w);
        return ENOMEM;
    }
    d->find = FindFirstFileExW(w, FindExInfoBasic, &d->data, FindExSearchNameMatch, NULL,
                               FIND_FIRST_EX_LARGE_FETCH);
    ph_free(w);
    if (d->find == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        ph_free(d);
        return e == ERROR_DIRECTORY ? ENOTDIR : ph_win_errno(e);
    }
    d->have = 1;
    *out = d;
    return 0;
}

int ph_dir_next(ph_dir *d, const char **name)
{
    for (;;) {
        if (!d->have && !FindNextFileW(d->find, &d->data)) {
            DWORD e = GetLastError();
            *name = NULL;
            return e == ERROR_NO_MORE_FILES ? 0 : ph_win_errno(e);
        }
        d->have = 0;
        const wchar_t *n = d->data.cFileName;
        if (!wcscmp(n, L".") || !wcscmp(n, L".."))
            continue;
        if (!WideCharToMultiByte(CP_UTF8, 0, n, -1, d->name, (int)sizeof d->name, NULL, NULL))
            return ph_win_errno(GetLastError());
        *name = d->name;
        return 0;
    }
}

void ph_dir_close(ph_dir *d)
{
    if (!d)
        return;
    FindClose(d->find);
    ph_free(d);
}

/* ---- threads ------------------------------------------------------------------ */

struct ph_thread {
    HANDLE h;
    void *(*fn)(void *);
    void *arg;
};
struct ph_mutex {
    SRWLOCK l;
};
struct ph_cond {
    CONDITION_VARIABLE c;
};

static unsigned __stdcall thread_main(void *p)
{
    ph_thread *t = p;
    t->fn(t->arg);
    return 0;
}

int ph_thread_start(ph_thread **out, void *(*fn)(void *), void *arg)
{
    *out = NULL;
    ph_thread *t = ph_malloc(sizeof *t);
    if (!t)
        return ENOMEM;
    t->fn = fn;
    t->arg = arg;
    /* _beginthreadex, not CreateThread: the C runtime's per-thread state. */
    uintptr_t h = _beginthreadex(NULL, 0, thread_main, t, 0, NULL);
    if (!h) {
        int err = errno ? errno : EAGAIN;
        ph_free(t);
        return err;
    }
    t->h = (HANDLE)h;
    *out = t;
    return 0;
}

void ph_thread_join(ph_thread *t)
{
    if (!t)
        return;
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    ph_free(t);
}

int ph_mutex_new(ph_mutex **out)
{
    ph_mutex *m = ph_malloc(sizeof *m);
    if (!m)
        return ENOMEM;
    InitializeSRWLock(&m->l);
    *out = m;
    return 0;
}

void ph_mutex_free(ph_mutex *m) { ph_free(m); }
void ph_mutex_lock(ph_mutex *m) { AcquireSRWLockExclusive(&m->l); }
void ph_mutex_unlock(ph_mutex *m) { ReleaseSRWLockExclusive(&m->l); }

int ph_cond_new(ph_cond **out)
{
    ph_cond *c = ph_malloc(sizeof *c);
    if (!c)
        return ENOMEM;
    InitializeConditionVariable(&c->c);
    *out = c;
    return 0;
}

void ph_cond_free(ph_cond *c) { ph_free(c); }
void ph_cond_wait(ph_cond *c, ph_mutex *m) { SleepConditionVariableSRW(&c->c, &m->l, INFINITE, 0); }
void ph_cond_signal(ph_cond *c) { WakeConditionVariable(&c->c); }
void ph_cond_broadcast(ph_cond *c) { WakeAllConditionVariable(&c->c); }

/* SRW locks grant in arrival order closely enough that waiting writers are
 * not starved by new readers. */
struct ph_rwlock {
    SRWLOCK l;
};

int ph_rwlock_new(ph_rwlock **out)
{
    *out = NULL;
    ph_rwlock *l = ph_malloc(sizeof *l);
    if (!l)
        return ENOMEM;
    InitializeSRWLock(&l->l);
    *out = l;
    return 0;
}

void ph_rwlock_free(ph_rwlock *l) { ph_free(l); }
void ph_rwlock_read_lock(ph_rwlock *l) { AcquireSRWLockShared(&l->l); }
void ph_rwlock_read_unlock(ph_rwlock *l) { ReleaseSRWLockShared(&l->l); }
void ph_rwlock_write_lock(ph_rwlock *l) { AcquireSRWLockExclusive(&l->l); }
void ph_rwlock_write_unlock(ph_rwlock *l) { ReleaseSRWLockExclusive(&l->l); }

/* ---- time and priority ------------------------------------------------------- */

double ph_now(void)
{
    LARGE_INTEGER f, t;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / (double)f.QuadPart;
}

uint64_t ph_unique_bits(void)
{
    FILETIME now; /* 100 ns units */
    GetSystemTimePreciseAsFileTime(&now);
    uint64_t t = ((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime;
    return t ^ ((uint64_t)GetCurrentProcessId() << 40);
}

double ph_thread_cpu_seconds(void)
{
    FILETIME created, exited, kernel, user;
    if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user))
        return 0.0;
    uint64_t k = (uint64_t)kernel.dwHighDateTime << 32 | kernel.dwLowDateTime;
    uint64_t u = (uint64_t)user.dwHighDateTime << 32 | user.dwLowDateTime;
    return (double)(k + u) * 1e-7; /* 100 ns units */
}

void ph_sleep(double seconds)
{
    if (!(seconds > 0))
        return;
    double ms = seconds * 1000.0;
    Sleep(ms >= 4294967294.0 ? 4294967294u : (DWORD)(ms + 0.5));
}

int ph_lower_thread_priority(void)
{
    /* Background mode lowers the thread's CPU, I/O and memory priority
     * together (the counterpart of nice 19 + SCHED_IDLE + idle I/O). */
    if (!SetThreadPriority(GetCurrentThread(), THREAD_MODE_BACKGROUND_BEGIN))
        return ph_win_errno(GetLastError());
    return 0;
}
