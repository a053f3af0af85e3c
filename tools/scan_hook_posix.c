/* SPDX-License-Identifier: MIT */
/* phash scan --on-match on POSIX systems: fork, exec without a shell,
 * record on stdin, bounded in time (scan_hook.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scan_hook.h"

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int hook_run_argv(char *const argv[], double timeout, hook_writer write, void *ctx,
                  const char *match_id, const char *path, char *why, size_t why_len)
{
    int fd[2];
    if (pipe2(fd, O_CLOEXEC)) {
        snprintf(why, why_len, "--on-match %s: %s", argv[0], strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0); /* killed as a group on timeout */
        signal(SIGPIPE, SIG_DFL);
        dup2(fd[0], 0);
        dup2(2, 1); /* never into the records on phash's stdout */
        setenv("PHASH_MATCH_ID", match_id, 1);
        setenv("PHASH_MATCH_PATH", path, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[0]);
    if (pid < 0) {
        close(fd[1]);
        snprintf(why, why_len, "--on-match %s: cannot start: %s", argv[0], strerror(errno));
        return -1;
    }
    /* a reader that exits early (EPIPE) is fine: its exit status decides */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    FILE *in = fdopen(fd[1], "w");
    if (in) {
        write(in, ctx);
        fclose(in);
    } else {
        close(fd[1]);
    }
    signal(SIGPIPE, old);
    double end = mono() + timeout;
    int st = 0, rc = -1;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(why, why_len, "--on-match %s: %s", argv[0], strerror(errno));
            return -1;
        }
        if (mono() > end) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            snprintf(why, why_len, "--on-match %s: no exit after %.0f s: killed", argv[0],
                     timeout);
            return -1;
        }
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        rc = 0;
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        snprintf(why, why_len, "--on-match %s: cannot be run (not found?)", argv[0]);
    else if (WIFEXITED(st))
        snprintf(why, why_len, "--on-match %s: exit status %d", argv[0], WEXITSTATUS(st));
    else
        snprintf(why, why_len, "--on-match %s: killed by signal %d", argv[0],
                 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return rc;
}
