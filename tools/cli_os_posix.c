/* SPDX-License-Identifier: MIT */
/* cli_os.h on POSIX systems. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT: --threads auto */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli_os.h"

int cli_os_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

void cli_on_signals(void (*stop)(int), void (*hangup)(int))
{
    struct sigaction sa = {0};
    sa.sa_handler = stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = hangup;
    sa.sa_flags = SA_RESTART; /* a reload, not a read error of --files-from's pipe (EINTR) */
    sigaction(SIGHUP, &sa, NULL);
}

int cli_service_run(int (*fn)(void *), void *ctx)
{
    (void)fn;
    (void)ctx;
    fprintf(stderr, "phash scan: --windows-service: only on Windows (a systemd unit runs the "
                    "scan as a service here: phash-scan.service)\n");
    return -1;
}

long cli_service_control(unsigned long control)
{
    (void)control;
    return -1;
}

int cli_log_to(const char *path, const char **why)
{
    int fresh;
    FILE *f = cli_open_append_private(path, &fresh, why);
    if (!f)
        return -1;
    fflush(stderr);
    int rc = dup2(fileno(f), STDERR_FILENO);
    fclose(f);
    if (rc < 0) {
        *why = strerror(errno);
        return -1;
    }
    return 0;
}

/* The affinity mask narrowed by taskset, cgroup cpusets, systemd's
 * CPUAffinity=. */
unsigned cli_cpus_available(void)
{
    long n = 0;
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
#endif
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

int cli_open_read(const char *path)
{
    return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

int cli_open_list(const char *path)
{
    return strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
}

long cli_read_some(int fd, void *buf, size_t n)
{
    ssize_t got;
    do
        got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    return (long)got;
}

void cli_close(int fd)
{
    close(fd);
}

FILE *cli_open_append_private(const char *path, int *fresh, const char **why)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
    struct stat sb;
    *why = NULL;
    if (fd < 0 || fstat(fd, &sb) != 0)
        *why = strerror(errno);
    else if (!S_ISREG(sb.st_mode))
        *why = "not a regular file";
    FILE *f = *why ? NULL : fdopen(fd, "a");
    if (!f) {
        if (!*why)
            *why = strerror(errno);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    *fresh = sb.st_size == 0;
    return f;
}
