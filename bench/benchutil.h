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

#include "phash/phash.h"

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

#endif
