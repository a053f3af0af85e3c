/* SPDX-License-Identifier: MIT */
/* Shared helpers for the bench/ programs: the machine banner every benchmark
 * prints first, a monotonic clock, and best-of-N timing. Header-only so each
 * bench stays one file. */
#ifndef PHASH_BENCHUTIL_H
#define PHASH_BENCHUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "phash/phash.h"

/* Stop the benchmark, naming the call, when a setup call fails (a bench with
 * a half-made hasher would print figures of nothing). */
#define BENCH_OK(call) bench_ok((call), #call)
static inline void bench_ok(phash_status st, const char *what)
{
    if (st != PHASH_OK) {
        fprintf(stderr, "bench: %s: %s\n", what, phash_strerror(st));
        exit(2);
    }
}

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds (user + system) of a getrusage record. */
static inline double bench_rusage_cpu(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
}

/* CPU seconds used so far by this process (every thread), and by its
 * children that have been waited for. */
static inline double bench_process_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return bench_rusage_cpu(&ru);
}

static inline double bench_children_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return bench_rusage_cpu(&ru);
}

/* CPU seconds used so far by the calling thread. On a host shared with
 * other work this is far steadier than wall time. */
static inline double bench_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident set size of this process, in bytes. */
static inline long long bench_peak_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (long long)ru.ru_maxrss * 1024;
}

/* First line of /proc/cpuinfo starting with key, value part copied to out. */
static inline void bench_cpuinfo(const char *key, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[8192];
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + (v[1] == ' ');
                v[strcspn(v, "\n")] = '\0';
                snprintf(out, n, "%s", v);
            }
            break;
        }
    }
    fclose(f);
}

/* Print the machine banner: CPU model, the SIMD flags that matter here,
 * cores, kernel, compiler and library version. */
static inline void bench_print_machine(const char *bench_name)
{
    char model[256], flags[8192];
    struct utsname u;
    bench_cpuinfo("model name", model, sizeof model);
    bench_cpuinfo("flags", flags, sizeof flags);
    uname(&u);
    printf("# bench: %s\n# phash %s\n# cpu: %s, %ld online cores\n# simd:", bench_name,
           phash_version_string(), model, sysconf(_SC_NPROCESSORS_ONLN));
    static const char *const wanted[] = {"sse4_2", "popcnt", "avx2", "fma", "bmi2",
                                         "avx512f", "avx512bw", "avx512_vpopcntdq"};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, " %s ", wanted[i]);
        char padded[8200];
        snprintf(padded, sizeof padded, " %s ", flags);
        if (strstr(padded, pat))
            printf(" %s", wanted[i]);
    }
    /* What the library runs (phash/cpu.h; PHASH_KERNEL caps it). */
    printf("\n# phash kernels:");
    for (int m = 0; m < PHASH_CPU_MODULE_COUNT; m++)
        printf(" %s=%s", phash_cpu_module_name((phash_cpu_module)m),
               phash_cpu_kernel_active((phash_cpu_module)m));
    printf("\n# kernel: %s %s, compiler: %s\n", u.sysname, u.release,
#ifdef __VERSION__
           __VERSION__
#else
           "unknown"
#endif
    );
}

/* splitmix64: deterministic pseudo-random 64-bit values. */
static inline uint64_t bench_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Run fn(ctx, out) in a forked child so that its memory is its own: out
 * (size bytes) comes back through a pipe; returns the child's peak RSS in
 * bytes (wait4), or exits on failure. */
static inline long long bench_in_child(void (*fn)(void *ctx, void *out), void *ctx, void *out,
                                       size_t size)
{
    int fd[2];
    if (pipe(fd))
        exit(2);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        fn(ctx, out);
        _exit(write(fd[1], out, size) == (ssize_t)size ? 0 : 1);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t k;
    while (got < size && (k = read(fd[0], (char *)out + got, size - got)) > 0)
        got += (size_t)k;
    close(fd[0]);
    struct rusage ru;
    int wst;
    wait4(pid, &wst, 0, &ru);
    if (got != size)
        exit(2);
    return (long long)ru.ru_maxrss * 1024;
}

#endif
