/* SPDX-License-Identifier: MIT */
/* The CLI's own calls into the operating system (the library's go through
 * lib/platform/): cli_os_posix.c, cli_os_win32.c. */
#ifndef PHASH_TOOLS_CLI_OS_H
#define PHASH_TOOLS_CLI_OS_H

#include <stdio.h>
#include <sys/stat.h>

/* First thing in main. Windows: the arguments become UTF-8 (from the
 * UTF-16 command line, so names outside the ANSI code page arrive intact),
 * the console shows UTF-8 and standard output writes bytes as on Linux
 * (LF line ends). Elsewhere nothing. 0, or -1 with a message printed. */
int cli_os_init(int *argc, char ***argv);

/* stop(0) on SIGINT and SIGTERM (Windows: Ctrl-C, Ctrl-Break, the console
 * closed, logoff, shutdown; a service's stop, shutdown and preshutdown
 * controls); hangup(0) on SIGHUP (Windows: a service's parameter-change
 * control). Both must only set flags and call async-signal-safe functions.
 * A service stop that came before this call calls stop(0) at once. */
void cli_on_signals(void (*stop)(int), void (*hangup)(int));

/* phash scan --windows-service: run fn(ctx) as the work of a Windows
 * service of its own process (StartServiceCtrlDispatcherW; ServiceMain
 * reports SERVICE_RUNNING, runs fn, then reports SERVICE_STOPPED with fn's
 * status as the service-specific exit code when it is not 0); the controls
 * go to cli_on_signals' functions. fn's status, or -1 with a message
 * printed when the process was not started by the service control manager
 * (and always elsewhere than on Windows). */
int cli_service_run(int (*fn)(void *), void *ctx);

/* The service's answer to one control code (Windows: SERVICE_CONTROL_*),
 * as its handler gives it: 0 (NO_ERROR) when handled, else
 * ERROR_CALL_NOT_IMPLEMENTED. For the tests; -1 elsewhere. */
long cli_service_control(unsigned long control);

/* Standard error appended to path from now on (phash scan --log), the file
 * created as cli_open_append_private does. 0, or -1 with *why set. */
int cli_log_to(const char *path, const char **why);

/* The CPUs this process may run on (its affinity mask), 1..256. */
unsigned cli_cpus_available(void);

/* Open path for appending, created readable by its owner only (mode 0600;
 * Windows: an owner-only DACL), a regular file only (a FIFO or device is
 * never waited for). *fresh = 1 when it is empty. NULL with *why set on
 * failure (errno's text or a reason). */
FILE *cli_open_append_private(const char *path, int *fresh, const char **why);

/* Open path for reading without waiting for a writer (a FIFO named by
 * mistake opens at once and is then refused by the caller's fstat), not
 * inherited by child processes, in binary mode on Windows. A descriptor, or
 * -1 with errno set. */
int cli_open_read(const char *path);

/* A list of names to read as it arrives: path opened for reading (a FIFO
 * is waited for: a producer may open it later), "-" standard input; in
 * binary mode on Windows. A descriptor, or -1 with errno set. */
int cli_open_list(const char *path);

/* Up to n bytes of fd as soon as any are there (a pipe gives what its
 * writer has written so far, not n): the count, 0 at the end, -1 with errno
 * set on an error. Interrupted reads are restarted. */
long cli_read_some(int fd, void *buf, size_t n);

/* Close a descriptor of cli_open_read or cli_open_list. */
void cli_close(int fd);

#ifdef _WIN32
#include <wchar.h>
/* s (UTF-8) as a new UTF-16 string to free, or NULL: not valid UTF-8, or no
 * memory. */
wchar_t *cli_utf16_of(const char *s);
#endif

/* A stat's modification time in nanoseconds. */
#ifdef _WIN32
#define CLI_MTIME_NS(sb) ((long long)(sb).st_mtime * 1000000000LL)
#else
#define CLI_MTIME_NS(sb) ((long long)(sb).st_mtim.tv_sec * 1000000000LL + (sb).st_mtim.tv_nsec)
#endif

#endif
