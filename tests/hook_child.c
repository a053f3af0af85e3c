/* SPDX-License-Identifier: MIT */
/* Test helper: the command test_scan_hook.c runs as phash scan --on-match.
 *   hook_child args OUT ARG...  write to OUT each ARG in [brackets] on a
 *                               line, then PHASH_MATCH_ID, PHASH_MATCH_PATH
 *                               and standard input; exit 0
 *   hook_child exit N           exit with status N (stdin not read)
 *   hook_child tree DIR         start a process of its own that writes
 *                               DIR/alive at once and DIR/late 10 s later,
 *                               then sleep 60 s: a timeout must kill both
 * Arguments are read as the program gets them (Windows: UTF-8 from
 * CommandLineToArgvW, which the C runtime's parser agrees with). */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>
#include <fcntl.h>
#include <io.h>
#else
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nap(unsigned seconds)
{
#ifdef _WIN32
    Sleep(seconds * 1000);
#else
    sleep(seconds);
#endif
}

/* DIR/alive now, DIR/late 10 s later. */
static void late(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/alive", dir);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    nap(10);
    snprintf(path, sizeof path, "%s/late", dir);
    f = fopen(path, "w");
    if (f)
        fclose(f);
}

/* late(dir) in a process of its own (POSIX: a fork, in the command's
 * process group; Windows: this program again, in the command's job). */
static void start_late(const char *self, const char *dir)
{
#ifdef _WIN32
    (void)self;
    wchar_t exe[MAX_PATH], cmd[3 * MAX_PATH];
    wchar_t wm[MAX_PATH];
    GetModuleFileNameW(NULL, exe, MAX_PATH);
    MultiByteToWideChar(CP_UTF8, 0, dir, -1, wm, MAX_PATH);
    _snwprintf(cmd, 3 * MAX_PATH, L"\"%ls\" late \"%ls\"", exe, wm);
    STARTUPINFOW si = {0};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi;
    if (CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }
#else
    (void)self;
    if (fork() == 0) {
        late(dir);
        _exit(0);
    }
#endif
}

static int run(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "exit"))
        return atoi(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "late")) { /* Windows' start_late */
        late(argv[2]);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "tree")) {
        start_late(argv[0], argv[2]);
        nap(60);
        return 0;
    }
    if (argc < 3 || strcmp(argv[1], "args"))
        return 2;
    FILE *out = fopen(argv[2], "wb");
    if (!out)
        return 3;
    for (int i = 3; i < argc; i++)
        fprintf(out, "[%s]\n", argv[i]);
    const char *id = getenv("PHASH_MATCH_ID"), *path = getenv("PHASH_MATCH_PATH");
    fprintf(out, "id=%s\npath=%s\nstdin=", id ? id : "(none)", path ? path : "(none)");
#ifdef _WIN32
    _setmode(0, _O_BINARY);
#endif
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        fwrite(buf, 1, n, out);
    return fclose(out) == 0 ? 0 : 4;
}

int main(int argc, char **argv)
{
#ifdef _WIN32
    /* the arguments as sent (UTF-16), as UTF-8 */
    int n = 0;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    char **args = calloc((size_t)n + 1, sizeof *args);
    for (int i = 0; w && args && i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
        args[i] = malloc((size_t)len);
        WideCharToMultiByte(CP_UTF8, 0, w[i], -1, args[i], len, NULL, NULL);
    }
    if (w && args) {
        argc = n;
        argv = args;
    }
#endif
    return run(argc, argv);
}
