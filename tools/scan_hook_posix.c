/* SPDX-License-Identifier: MIT */
/* phash scan --on-match on POSIX systems: fork, exec without a shell,
 * record on stdin (written without blocking, between the waits), bounded
 * in time (scan_hook.h). */
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

int hook_run_argv(char *const argv[], double timeout, hook_writer write_record, void *ctx,
                  const char *match_id, const char *path, char *why, size_t why_len)
{
    /* The record in memory first: written to the pipe between the waits
     * below, so that a command that does not read it (a record larger than
     * the pipe holds) cannot hold phash past the timeout. */
    char *rec = NULL;
    size_t len = 0, off = 0;
    FILE *m = open_memstream(&rec, &len);
    if (!m) {
        snprintf(why, why_len, "--on-match %s: %s", argv[0], strerror(errno));
        return -1;
    }
    write_record(m, ctx);
    int fd[2];
    if (fclose(m) != 0 || pipe2(fd, O_CLOEXEC)) {
        snprintf(why, why_len, "--on-match %s: %s", argv[0], strerror(errno));
        free(rec);
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
        free(rec);
        snprintf(why, why_len, "--on-match %s: cannot start: %s", argv[0], strerror(errno));
        return -1;
    }
    /* a reader that exits early (EPIPE) is fine: its exit status decides */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    int in = fd[1];
    fcntl(in, F_SETFL, O_NONBLOCK);
    double end = mono() + timeout;
    int st = 0, rc = -1, waited = 0;
    while (!waited) {
        while (in >= 0 && off < len) {
            ssize_t k = write(in, rec + off, len - off);
            if (k > 0)
                off += (size_t)k;
            else if (k < 0 && errno == EINTR)
                continue;
            else if (k < 0 && errno == EAGAIN)
                break; /* the pipe is full: the command has not read yet */
            else
                off = len; /* EPIPE: the command will not read the rest */
        }
        if (in >= 0 && off == len) {
            close(in); /* the end of the record */
            in = -1;
        }
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            waited = 1;
        } else if (w < 0 && errno != EINTR) {
            snprintf(why, why_len, "--on-match %s: %s", argv[0], strerror(errno));
            break;
        } else if (mono() > end) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            snprintf(why, why_len, "--on-match %s: no exit after %.0f s: killed", argv[0],
                     timeout);
            break;
        } else {
            struct timespec nap = {0, 5 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
    }
    if (in >= 0)
        close(in);
    signal(SIGPIPE, old);
    free(rec);
    if (!waited)
        return -1;
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
