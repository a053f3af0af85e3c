/* SPDX-License-Identifier: MIT */
/* cli_os.h on Windows. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <sddl.h>
#include <shellapi.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli_os.h"

/* One UTF-16 string as a new UTF-8 one (NULL: not representable or no memory). */
static char *utf8_of(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s && WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

wchar_t *cli_utf16_of(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w && !MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n)) {
        free(w);
        w = NULL;
    }
    return w;
}

int cli_os_init(int *argc, char ***argv)
{
    /* The arguments as the process got them (UTF-16), not the ANSI code
     * page's lossy copy in main's argv. They live until the process ends. */
    int n = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    char **args = wargv && n > 0 ? calloc((size_t)n + 1, sizeof *args) : NULL;
    for (int i = 0; args && i < n; i++)
        if (!(args[i] = utf8_of(wargv[i]))) {
            fprintf(stderr, "phash: argument %d is not valid UTF-16\n", i);
            return -1;
        }
    if (wargv)
        LocalFree(wargv);
    if (!args) {
        fprintf(stderr, "phash: cannot read the command line\n");
        return -1;
    }
    *argc = n;
    *argv = args;
    SetConsoleOutputCP(CP_UTF8);
    _setmode(_fileno(stdout), _O_BINARY); /* LF line ends, bytes as on Linux */
    return 0;
}

/* Set once by cli_on_signals, read by the console and service handlers
 * (other threads). */
static void (*volatile g_stop)(int);
static void (*volatile g_hangup)(int);
static volatile LONG g_stop_asked; /* a service stop came (maybe before g_stop was set) */

static void ask_stop(void)
{
    InterlockedExchange(&g_stop_asked, 1);
    void (*stop)(int) = g_stop;
    if (stop)
        stop(0);
}

static volatile LONG g_is_service; /* cli_service_run was called */

/* Whether a console event stops the scan: Ctrl-C, Ctrl-Break, the console
 * closed, logoff, shutdown. A service has no console, but Windows still
 * sends it logoff (any user's) and shutdown: never a stop there (its
 * shutdown comes as a service control). */
static int console_event_stops(DWORD event, int is_service)
{
    switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
        return 1;
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        return !is_service;
    default:
        return 0;
    }
}

static BOOL WINAPI on_console_event(DWORD event)
{
    int is_service = InterlockedCompareExchange(&g_is_service, 0, 0) != 0;
    if (!console_event_stops(event, is_service)) /* a service's logoff: handled by ignoring it */
        return is_service && (event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT);
    ask_stop();
    /* Ctrl-C and Ctrl-Break: handled, the scan winds down and reports.
     * Close, logoff, shutdown: Windows ends the process when this returns,
     * so wait a little for the summary. */
    if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT)
        Sleep(2000);
    return TRUE;
}

void cli_on_signals(void (*stop)(int), void (*hangup)(int))
{
    g_hangup = hangup;
    g_stop = stop;
    SetConsoleCtrlHandler(on_console_event, TRUE);
    if (InterlockedCompareExchange(&g_stop_asked, 0, 0))
        stop(0); /* the service was stopped while the scan was being set up */
}

/* ---- the service (phash scan --windows-service) ---- */

static SERVICE_STATUS_HANDLE g_service;
static SRWLOCK g_service_lock = SRWLOCK_INIT; /* g_service_status: handler and ServiceMain threads */
static SERVICE_STATUS g_service_status;
static int (*g_service_fn)(void *);
static void *g_service_ctx;
static int g_service_rc = -1;

/* Tell the service control manager the state (and, when stopped, the
 * status: 0 is NO_ERROR, else ERROR_SERVICE_SPECIFIC_ERROR with it). */
static void service_report(DWORD state, int rc)
{
    AcquireSRWLockExclusive(&g_service_lock);
    SERVICE_STATUS *st = &g_service_status;
    st->dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    if (st->dwCurrentState != SERVICE_STOPPED || state == SERVICE_STOPPED) {
        st->dwCurrentState = state;
        st->dwControlsAccepted = state == SERVICE_RUNNING
                                     ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN |
                                           SERVICE_ACCEPT_PRESHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
                                     : 0;
        st->dwWin32ExitCode = rc ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
        st->dwServiceSpecificExitCode = (DWORD)rc;
        /* pending: the scan winds down within seconds (the file being
         * hashed finishes, the summary is written, the state closed) */
        int pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
        st->dwCheckPoint = pending ? st->dwCheckPoint + 1 : 0;
        st->dwWaitHint = pending ? 30000 : 0;
    }
    if (g_service)
        SetServiceStatus(g_service, st);
    ReleaseSRWLockExclusive(&g_service_lock);
}

long cli_service_control(unsigned long control)
{
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
    case SERVICE_CONTROL_PRESHUTDOWN: /* as SIGTERM on Linux */
        service_report(SERVICE_STOP_PENDING, 0);
        ask_stop();
        return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE: { /* as SIGHUP: reload the lists, reopen --output */
        void (*hangup)(int) = g_hangup;
        if (hangup)
            hangup(0);
        return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static DWORD WINAPI service_handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    return (DWORD)cli_service_control(control);
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
    /* (arguments of `sc start NAME ARGS...` are not used: the scan's are
     * those of the service's command line) */
    g_service = RegisterServiceCtrlHandlerExW(argc > 0 ? argv[0] : L"", service_handler, NULL);
    if (!g_service)
        return;
    service_report(SERVICE_RUNNING, 0);
    g_service_rc = g_service_fn(g_service_ctx);
    service_report(SERVICE_STOPPED, g_service_rc);
}

int cli_service_run(int (*fn)(void *), void *ctx)
{
    static wchar_t any[] = L""; /* one service in its own process: the name is not used */
    SERVICE_TABLE_ENTRYW table[] = {{any, service_main}, {NULL, NULL}};
    g_service_fn = fn;
    g_service_ctx = ctx;
    InterlockedExchange(&g_is_service, 1);
    if (!StartServiceCtrlDispatcherW(table)) {
        DWORD e = GetLastError();
        fprintf(stderr, "phash scan: --windows-service: %s (error %lu)\n",
                e == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT
                    ? "not started by the service control manager: install the service "
                      "(sc create) and start it (sc start, net start)"
                    : "the service dispatcher failed",
                (unsigned long)e);
        return -1;
    }
    if (!g_service)
        fprintf(stderr, "phash scan: --windows-service: RegisterServiceCtrlHandlerEx failed\n");
    return g_service ? g_service_rc : -1;
}

int cli_log_to(const char *path, const char **why)
{
    int fresh;
    FILE *f = cli_open_append_private(path, &fresh, why);
    if (!f)
        return -1;
    fflush(stderr);
    int rc = _dup2(_fileno(f), 2);
    fclose(f);
    if (rc != 0) {
        *why = "cannot be made standard error";
        return -1;
    }
    /* the standard handle too: children started with it (--on-match) */
    SetStdHandle(STD_ERROR_HANDLE, (HANDLE)_get_osfhandle(2));
    setvbuf(stderr, NULL, _IONBF, 0);
    return 0;
}

unsigned cli_cpus_available(void)
{
    DWORD_PTR proc = 0, sys = 0;
    unsigned n = 0;
    if (GetProcessAffinityMask(GetCurrentProcess(), &proc, &sys))
        for (; proc; proc &= proc - 1)
            n++;
    if (n == 0) {
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        n = si.dwNumberOfProcessors;
    }
    return n < 1 ? 1 : n > 256 ? 256 : n;
}

int cli_open_read(const char *path)
{
    /* CreateFile on a named pipe path would wait for no writer either: no
     * FIFOs in the file system here, the caller's fstat refuses the rest. */
    return _open(path, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
}

int cli_open_list(const char *path)
{
    if (strcmp(path, "-"))
        return _open(path, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    _setmode(0, _O_BINARY); /* names as bytes: no CR LF translation, no ^Z end */
    return 0;
}

long cli_read_some(int fd, void *buf, size_t n)
{
    int got = _read(fd, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
    if (got < 0 && errno == EPIPE)
        return 0; /* the writer of a pipe closed its end */
    return got;
}

void cli_close(int fd)
{
    _close(fd);
}

FILE *cli_open_append_private(const char *path, int *fresh, const char **why)
{
    *why = NULL;
    wchar_t *w = cli_utf16_of(path);
    if (!w) {
        *why = "not a valid UTF-8 file name";
        return NULL;
    }
    PSECURITY_DESCRIPTOR sd = NULL;
    (void)ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;;FA;;;OW)", SDDL_REVISION_1,
                                                               &sd, NULL);
    SECURITY_ATTRIBUTES sa = {sizeof sa, sd, FALSE};
    HANDLE h = CreateFileW(w, FILE_APPEND_DATA | FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (sd)
        LocalFree(sd);
    if (h == INVALID_HANDLE_VALUE) {
        *why = GetLastError() == ERROR_ACCESS_DENIED ? "access denied" : "cannot be opened";
        return NULL;
    }
    LARGE_INTEGER size = {0};
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileSizeEx(h, &size)) {
        CloseHandle(h);
        *why = "not a regular file";
        return NULL;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_APPEND | _O_BINARY);
    FILE *f = fd >= 0 ? _fdopen(fd, "ab") : NULL;
    if (!f) {
        if (fd >= 0)
            _close(fd);
        else
            CloseHandle(h);
        *why = "cannot be opened";
        return NULL;
    }
    *fresh = size.QuadPart == 0;
    return f;
}
