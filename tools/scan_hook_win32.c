/* SPDX-License-Identifier: MIT */
/* phash scan --on-match on Windows (scan_hook.h): CreateProcessW, never
 * through cmd.exe; the arguments quoted so that the program's
 * CommandLineToArgvW (or the C runtime's parser) gives them back byte for
 * byte; the record on its standard input, written by a thread of its own so
 * that a command that does not read it cannot hold phash past the timeout;
 * the command and every process it starts in a job object, killed together
 * at the timeout (and if phash itself dies: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE). */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli_os.h"
#include "scan_hook.h"

/* A growing UTF-16 string. */
typedef struct wbuf {
    wchar_t *s;
    size_t len, cap;
    int failed;
} wbuf;

static void wb_put(wbuf *b, const wchar_t *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        wchar_t *p = realloc(b->s, cap * sizeof *p);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    wmemcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = L'\0';
}

static void wb_repeat(wbuf *b, wchar_t c, size_t n)
{
    while (n--)
        wb_put(b, &c, 1);
}

/* One argument as CommandLineToArgvW reads it back: bare when it has no
 * space, tab, newline or quote; else in quotes, each quote preceded by a
 * backslash, and the backslashes before a quote (or the closing one)
 * doubled. */
static void quote_arg(wbuf *b, const wchar_t *a)
{
    if (*a && !wcspbrk(a, L" \t\n\v\"")) {
        wb_put(b, a, wcslen(a));
        return;
    }
    wb_put(b, L"\"", 1);
    for (;;) {
        size_t slashes = 0;
        while (*a == L'\\') {
            a++;
            slashes++;
        }
        if (!*a) {
            wb_repeat(b, L'\\', slashes * 2);
            break;
        }
        if (*a == L'"') {
            wb_repeat(b, L'\\', slashes * 2 + 1);
            wb_put(b, L"\"", 1);
        } else {
            wb_repeat(b, L'\\', slashes);
            wb_put(b, a, 1);
        }
        a++;
    }
    wb_put(b, L"\"", 1);
}

/* The program as CreateProcess would find it (its folder, the current one,
 * the system folders, PATH; ".exe" added when it has no extension), or
 * NULL. */
static wchar_t *find_program(const wchar_t *name)
{
    DWORD n = SearchPathW(NULL, name, L".exe", 0, NULL, NULL);
    wchar_t *path = n ? malloc((size_t)n * sizeof *path) : NULL;
    if (path && SearchPathW(NULL, name, L".exe", n, path, NULL) + 1 != n) {
        free(path);
        path = NULL;
    }
    return path;
}

/* A batch file would run through cmd.exe, whose quoting rules are not
 * CommandLineToArgvW's. */
static int is_batch(const wchar_t *path)
{
    const wchar_t *dot = wcsrchr(path, L'.');
    return dot && !wcschr(dot, L'\\') && (!_wcsicmp(dot, L".bat") || !_wcsicmp(dot, L".cmd"));
}

struct feeder {
    HANDLE pipe; /* the write end, closed by the feeder */
    hook_writer write;
    void *ctx;
};

static DWORD WINAPI feed(void *arg)
{
    struct feeder *f = arg;
    int fd = _open_osfhandle((intptr_t)f->pipe, _O_WRONLY | _O_BINARY);
    FILE *in = fd >= 0 ? _fdopen(fd, "wb") : NULL;
    if (in) {
        f->write(in, f->ctx); /* a command that exits early: writes fail, fine */
        fclose(in);
    } else if (fd >= 0) {
        _close(fd);
    } else {
        CloseHandle(f->pipe);
    }
    return 0;
}

/* An inheritable copy of phash's standard error (the --log file, the
 * console), or of NUL when it has none (a service without --log). */
static HANDLE child_stderr(void)
{
    HANDLE err = (HANDLE)_get_osfhandle(2), dup = NULL;
    if (err != INVALID_HANDLE_VALUE && err &&
        DuplicateHandle(GetCurrentProcess(), err, GetCurrentProcess(), &dup, 0, TRUE,
                        DUPLICATE_SAME_ACCESS))
        return dup;
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    return CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                       OPEN_EXISTING, 0, NULL);
}

/* The environment variables of the command (phash's own are overwritten
 * at each match; nothing else in phash reads them). */
static int set_env(const char *name, const char *value)
{
    wchar_t *wn = cli_utf16_of(name), *wv = cli_utf16_of(value);
    int ok = wn && wv && SetEnvironmentVariableW(wn, wv);
    free(wn);
    free(wv);
    return ok ? 0 : -1;
}

/* Start argv in job, suspended then resumed once in it, its stdin the read
 * end of a pipe (*in: the write end), stdout and stderr phash's stderr.
 * 0, or -1 with why[] filled. */
static int start(char *const argv[], HANDLE job, PROCESS_INFORMATION *pi, HANDLE *in, char *why,
                 size_t why_len)
{
    wbuf cmdline = {0};
    wchar_t *prog = cli_utf16_of(argv[0]), *path = prog ? find_program(prog) : NULL;
    int rc = -1;
    if (!path) {
        snprintf(why, why_len, "--on-match %s: cannot be run (not found?)", argv[0]);
        goto out;
    }
    if (is_batch(path)) {
        snprintf(why, why_len, "--on-match %s: a batch file runs through cmd.exe: not run "
                               "(name a program)", argv[0]);
        goto out;
    }
    for (int i = 0; argv[i]; i++) {
        wchar_t *w = cli_utf16_of(argv[i]);
        if (!w) {
            cmdline.failed = 1;
            break;
        }
        if (i > 0)
            wb_put(&cmdline, L" ", 1);
        if (i == 0) { /* the program's own name: quotes only, no escapes read */
            wb_put(&cmdline, L"\"", 1);
            wb_put(&cmdline, w, wcslen(w));
            wb_put(&cmdline, L"\"", 1);
        } else {
            quote_arg(&cmdline, w);
        }
        free(w);
    }
    if (cmdline.failed || !cmdline.s) {
        snprintf(why, why_len, "--on-match %s: an argument is not valid UTF-8 (or no memory)",
                 argv[0]);
        goto out;
    }
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE rd = NULL, err = NULL;
    if (!CreatePipe(&rd, in, &sa, 65536) || !SetHandleInformation(*in, HANDLE_FLAG_INHERIT, 0) ||
        (err = child_stderr()) == INVALID_HANDLE_VALUE) {
        snprintf(why, why_len, "--on-match %s: cannot make its pipe (error %lu)", argv[0],
                 (unsigned long)GetLastError());
        if (rd)
            CloseHandle(rd);
        if (*in)
            CloseHandle(*in);
        *in = NULL;
        goto out;
    }
    /* the child inherits these two handles and no other */
    HANDLE inherit[2] = {rd, err};
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    STARTUPINFOEXW si = {0};
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = rd;
    si.StartupInfo.hStdOutput = err; /* never into the records on phash's stdout */
    si.StartupInfo.hStdError = err;
    si.lpAttributeList = malloc(size);
    int listed = si.lpAttributeList &&
                 InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &size) &&
                 UpdateProcThreadAttribute(si.lpAttributeList, 0,
                                           PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit,
                                           sizeof inherit, NULL, NULL);
    BOOL made = listed && CreateProcessW(path, cmdline.s, NULL, NULL, TRUE,
                                         CREATE_SUSPENDED | CREATE_NO_WINDOW |
                                             EXTENDED_STARTUPINFO_PRESENT,
                                         NULL, NULL, &si.StartupInfo, pi);
    DWORD e = GetLastError();
    if (si.lpAttributeList) {
        if (listed)
            DeleteProcThreadAttributeList(si.lpAttributeList);
        free(si.lpAttributeList);
    }
    CloseHandle(rd);
    CloseHandle(err);
    if (!made) {
        snprintf(why, why_len, "--on-match %s: cannot be run (error %lu)", argv[0],
                 (unsigned long)e);
    } else if (!AssignProcessToJobObject(job, pi->hProcess)) {
        snprintf(why, why_len, "--on-match %s: cannot be put in a job object (error %lu)",
                 argv[0], (unsigned long)GetLastError());
        TerminateProcess(pi->hProcess, 1);
        CloseHandle(pi->hThread);
        CloseHandle(pi->hProcess);
    } else {
        ResumeThread(pi->hThread);
        CloseHandle(pi->hThread);
        rc = 0;
    }
    if (rc) {
        CloseHandle(*in);
        *in = NULL;
    }
out:
    free(cmdline.s);
    free(prog);
    free(path);
    return rc;
}

int hook_run_argv(char *const argv[], double timeout, hook_writer write, void *ctx,
                  const char *match_id, const char *path, char *why, size_t why_len)
{
    if (set_env("PHASH_MATCH_ID", match_id) || set_env("PHASH_MATCH_PATH", path)) {
        snprintf(why, why_len, "--on-match %s: the match id or path is not valid UTF-8",
                 argv[0]);
        return -1;
    }
    HANDLE job = CreateJobObjectW(NULL, NULL);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim = {0};
    lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!job || !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim,
                                         sizeof lim)) {
        snprintf(why, why_len, "--on-match %s: cannot make a job object (error %lu)", argv[0],
                 (unsigned long)GetLastError());
        if (job)
            CloseHandle(job);
        return -1;
    }
    PROCESS_INFORMATION pi;
    struct feeder feeder = {NULL, write, ctx};
    if (start(argv, job, &pi, &feeder.pipe, why, why_len)) {
        CloseHandle(job);
        return -1;
    }
    HANDLE thread = CreateThread(NULL, 0, feed, &feeder, 0, NULL);
    if (!thread)
        feed(&feeder); /* no thread: write in this one */
    double ms = timeout * 1000.0;
    DWORD wait = WaitForSingleObject(pi.hProcess, ms >= 4e9 ? 4000000000u : (DWORD)ms);
    int rc = -1;
    DWORD code = 1;
    if (wait != WAIT_OBJECT_0) { /* the command and all it started */
        TerminateJobObject(job, 1);
        WaitForSingleObject(pi.hProcess, INFINITE);
        snprintf(why, why_len, "--on-match %s: no exit after %.0f s: killed", argv[0], timeout);
    } else if (!GetExitCodeProcess(pi.hProcess, &code) || code != 0) {
        snprintf(why, why_len, "--on-match %s: exit status %lu", argv[0], (unsigned long)code);
    } else {
        rc = 0;
        /* what it left running in the background lives on, as on POSIX
         * systems: the job no longer kills on close */
        lim.BasicLimitInformation.LimitFlags = 0;
        SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof lim);
    }
    if (thread) {
        /* its pipe broke when the command ended, unless a process the
         * command left running holds the pipe without reading it */
        if (WaitForSingleObject(thread, 1000) != WAIT_OBJECT_0)
            CancelSynchronousIo(thread);
        WaitForSingleObject(thread, INFINITE);
        CloseHandle(thread);
    }
    CloseHandle(pi.hProcess);
    CloseHandle(job);
    return rc;
}
