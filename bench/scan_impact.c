/* SPDX-License-Identifier: MIT */
/* The impact of a scan on the PC's own work: a CPU-bound foreground job (a
 * zlib compression loop, as a compile or an archiver would be) timed alone
 * and beside a scan that runs over a tree again and again, in a child
 * process. The foreground job and the scan are pinned to the same CPU, as
 * on a PC whose every core is busy with the user's work (on an idle second
 * core a one-thread scan would cost the job nothing whatever its settings).
 *
 * Scans: the default of `phash scan` (lowest priority: nice 19, SCHED_IDLE,
 * idle I/O, one thread), the same with the CPU budget (--max-cpu), and at
 * normal priority (--no-nice) without and with the budget. Printed per
 * setting: the job's wall time and slowdown against the job alone, its CPU
 * time, and the scan's CPU time, share of the wall time and files scanned.
 * Settings are run in turn, `rounds` times, and the medians printed (the
 * machine may be shared: the load average is printed before and after).
 *
 * Usage: scan_impact [TREE] [JOB_MB] [ROUNDS] [PERCENT]; TREE defaults to
 * $PHASH_SOURCE_ROOT/sample, JOB_MB (data compressed by the job) to 48,
 * ROUNDS to 3, PERCENT (the budget) to 25. Linux (sched_setaffinity). */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <zlib.h>

#include "benchutil.h"
#include "phash/phash.h"

typedef struct setting {
    const char *name;
    int scan, low_priority;
    unsigned max_cpu;
} setting;

typedef struct figures {
    double job_wall, job_cpu, scan_cpu, files;
} figures;

static int pinned_cpu = -1;

static void pin(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(pinned_cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("bench: sched_setaffinity");
        exit(2);
    }
}


/* ---- the foreground job: compress a text-like buffer, MB at a time ---- */

static unsigned char *job_data;
static size_t job_len = (size_t)4 << 20;

static void job_prepare(void)
{
    job_data = malloc(job_len);
    uint64_t seed = 15;
    static const char *const words[] = {"scan ", "image ", "hash ", "the ", "of ", "phash ",
                                        "list ", "match ", "\n", "PDQ ", "0x3f ", "folder "};
    for (size_t i = 0; i < job_len;) {
        const char *w = words[bench_splitmix64(&seed) % 12];
        for (; *w && i < job_len; w++)
            job_data[i++] = (unsigned char)*w;
    }
}

/* Compress mb MiB (the buffer again and again); the output size, kept so
 * the work is not optimised away. */
static unsigned long job_run(unsigned mb)
{
    uLongf cap = compressBound(job_len);
    unsigned char *out = malloc(cap);
    unsigned long total = 0;
    for (unsigned done = 0; done < mb; done += (unsigned)(job_len >> 20)) {
        uLongf n = cap;
        if (compress2(out, &n, job_data, job_len, 6) != Z_OK) {
            fprintf(stderr, "bench: compress2 failed\n");
            exit(2);
        }
        total += n;
    }
    free(out);
    return total;
}

/* ---- the scan: a child process scanning TREE again and again ---- */

static atomic_ullong *files_done; /* shared with the parent */
static volatile sig_atomic_t scan_stop;

static void on_term(int sig)
{
    (void)sig;
    scan_stop = 1;
}

static int count_file(void *ctx, const phash_scan_report *r)
{
    (void)ctx;
    (void)r;
    atomic_fetch_add(files_done, 1);
    return scan_stop;
}

static void scan_forever(const setting *st, const char *tree, const phash_matcher *m)
{
    signal(SIGTERM, on_term);
    phash_scanner *s;
    BENCH_OK(phash_scanner_new(&s));
    BENCH_OK(phash_scanner_set_matcher(s, m));
    BENCH_OK(phash_scanner_set_option(s, PHASH_SCAN_OPT_LOW_PRIORITY, st->low_priority));
    BENCH_OK(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_CPU, st->max_cpu));
    const char *paths[] = {tree};
    while (!scan_stop) {
        phash_status rc = phash_scanner_scan_paths(s, paths, 1, count_file, NULL);
        if (rc != PHASH_OK && rc != PHASH_ERR_CANCELLED) {
            fprintf(stderr, "bench: scan: %s\n", phash_scanner_last_error(s));
            _exit(2);
        }
    }
    phash_scanner_free(s);
    _exit(0);
}

/* ---- one run of a setting ---- */

/* CPU seconds of a process so far, all its threads (/proc/PID/stat). */
static double process_cpu(pid_t pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* after the command name */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static figures run(const setting *st, const char *tree, const phash_matcher *m, unsigned mb)
{
    figures f = {0};
    atomic_store(files_done, 0);
    pid_t child = -1;
    if (st->scan) {
        child = fork();
        if (child == 0) {
            pin();
            scan_forever(st, tree, m);
        }
        /* Let the scan reach its steady state (sigset in memory, files
         * flowing) before the job starts. */
        while (atomic_load(files_done) < 3) {
            int wst;
            if (waitpid(child, &wst, WNOHANG) == child) {
                fprintf(stderr, "bench: the scan process ended (status %d)\n", wst);
                exit(2);
            }
            usleep(5000);
        }
    }
    unsigned long long files0 = atomic_load(files_done);
    double s0 = child > 0 ? process_cpu(child) : 0;
    double c0 = bench_thread_cpu(), t0 = bench_now();
    volatile unsigned long sink = job_run(mb);
    (void)sink;
    f.job_wall = bench_now() - t0;
    f.job_cpu = bench_thread_cpu() - c0;
    f.files = (double)(atomic_load(files_done) - files0);
    if (child > 0) {
        f.scan_cpu = process_cpu(child) - s0; /* while the job ran */
        int wst;
        kill(child, SIGTERM);
        waitpid(child, &wst, 0);
    }
    return f;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_load(const char *when)
{
    double l[3] = {0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3)
            l[0] = l[1] = l[2] = 0;
        fclose(f);
    }
    printf("# load average %s: %.2f %.2f %.2f\n", when, l[0], l[1], l[2]);
}

int main(int argc, char **argv)
{
    char def_tree[4096];
    const char *root = getenv("PHASH_SOURCE_ROOT");
    snprintf(def_tree, sizeof def_tree, "%s/sample", root ? root : ".");
    const char *tree = argc > 1 ? argv[1] : def_tree;
    unsigned mb = argc > 2 ? (unsigned)atoi(argv[2]) : 48;
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    unsigned percent = argc > 4 ? (unsigned)atoi(argv[4]) : 25;
    if (mb < 4 || rounds < 1 || rounds > 50 || percent < 1 || percent > 100) {
        fprintf(stderr, "usage: scan_impact [TREE] [JOB_MB >= 4] [ROUNDS 1..50] [PERCENT 1..100]\n");
        return 2;
    }
    bench_print_machine("scan_impact");
    cpu_set_t mine;
    sched_getaffinity(0, sizeof mine, &mine);
    for (int c = 0; c < CPU_SETSIZE && pinned_cpu < 0; c++)
        if (CPU_ISSET(c, &mine))
            pinned_cpu = c;
    pin();
    files_done = mmap(NULL, sizeof *files_done, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                      -1, 0);
    if (files_done == MAP_FAILED)
        return 2;

    char sigs[4200];
    snprintf(sigs, sizeof sigs, "%s/signatures.csv", tree);
    phash_sigset *set;
    phash_matcher *m;
    phash_sigset_report rep;
    BENCH_OK(phash_sigset_new(&set));
    if (phash_sigset_load_file(set, sigs, &rep) != PHASH_OK)
        printf("# no %s: the scan matches against an empty set\n", sigs);
    BENCH_OK(phash_matcher_new(&m));
    BENCH_OK(phash_matcher_use(m, set));
    job_prepare();

    char budget_low[64], budget_normal[64];
    snprintf(budget_low, sizeof budget_low, "default scan + --max-cpu %u", percent);
    snprintf(budget_normal, sizeof budget_normal, "--no-nice scan + --max-cpu %u", percent);
    const setting settings[] = {
        {"job alone", 0, 0, 0},
        {"default scan (nice 19, SCHED_IDLE)", 1, 1, 0},
        {budget_low, 1, 1, percent},
        {"--no-nice scan", 1, 0, 0},
        {budget_normal, 1, 0, percent},
    };
    enum { N = sizeof settings / sizeof settings[0] };
    printf("# job: zlib compress2 level 6 of %u MiB (a %zu MiB text-like buffer again and "
           "again)\n# scan: %s again and again (1 thread, pdq+phash from the set), in a child "
           "process\n# both pinned to CPU %d; %d rounds of the settings in turn, medians\n",
           mb, job_len >> 20, tree, pinned_cpu, rounds);
    print_load("before");
    static double wall[N][50], jcpu[N][50], scpu[N][50], files[N][50];
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < N; i++) {
            figures f = run(&settings[i], tree, m, mb);
            wall[i][r] = f.job_wall;
            jcpu[i][r] = f.job_cpu;
            scpu[i][r] = f.scan_cpu;
            files[i][r] = f.files / f.job_wall;
        }
    print_load("after");
    printf("%-36s %10s %9s %10s %10s %11s %9s\n", "setting", "job wall", "slowdown", "job CPU",
           "scan CPU", "scan share", "files/s");
    double alone = 0;
    for (int i = 0; i < N; i++) {
        double w = median(wall[i], rounds), c = median(jcpu[i], rounds);
        double sc = median(scpu[i], rounds), fs = median(files[i], rounds);
        if (i == 0)
            alone = w;
        printf("%-36s %9.3fs %8.1f%% %9.3fs %9.3fs %10.1f%% %9.1f\n", settings[i].name, w,
               100.0 * (w / alone - 1.0), c, sc, settings[i].scan ? 100.0 * sc / w : 0.0, fs);
    }
    phash_matcher_free(m); /* it owns the set */
    free(job_data);
    return 0;
}
