/* SPDX-License-Identifier: MIT */
/* A large compiled signature set on an endpoint: compile time and peak RSS,
 * then, in a fresh process, the time to open it in a matcher (cold: the
 * file's pages dropped from the page cache with POSIX_FADV_DONTNEED; then
 * warm), the RSS after the open and after 1,000 queries (anonymous and
 * file-backed), and the query rates (single code and 8 dihedral codes,
 * radius 31, 10% of the queries near an entry), by default (the file read
 * into private memory) and mapped (PHASH_SIGSET_OPEN_MAP). Both layouts of
 * the compiled set from one load of the list: "fast" (the default: MIH
 * index) and "endpoint" (PHASH_SIGSET_SAVE_ENDPOINT: no index, compact
 * owners, queries scan the codes), each with its bytes per entry and its
 * RSS / file ratio. Peers in the same run: loading the text list (what
 * compile starts with) and read() of the whole compiled file (the floor of
 * any loader that copies it).
 *
 *   bench/sigset_mapped [ENTRIES] [--layout fast|endpoint|both]
 *                       [--queries N]
 *     default 1,000,000 PDQ, both layouts, 1,000 queries of each kind (the
 *     endpoint layout's are scans: at 10M use fewer to keep the run short;
 *     the RSS after them is then after N + N queries); the endpoint layout
 *     is opened mapped only (what it is for) unless --layout endpoint;
 *     files under $TMPDIR, deleted at the end */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "benchutil.h"

static void write_list(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint64_t s = 11;
    for (long i = 0; i < n; i++) {
        uint64_t a = bench_splitmix64(&s), b = bench_splitmix64(&s), c = bench_splitmix64(&s), d = bench_splitmix64(&s);
        fprintf(f, "%016llx%016llx%016llx%016llx\n", (unsigned long long)a, (unsigned long long)b,
                (unsigned long long)c, (unsigned long long)d);
    }
    fclose(f);
}

/* RSS figures of this process from /proc/self/status, in bytes. */
typedef struct rss {
    long long total, anon, file;
} rss;

static rss rss_now(void)
{
    rss r = {0};
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        long long kb;
        if (sscanf(line, "VmRSS: %lld", &kb) == 1)
            r.total = kb * 1024;
        else if (sscanf(line, "RssAnon: %lld", &kb) == 1)
            r.anon = kb * 1024;
        else if (sscanf(line, "RssFile: %lld", &kb) == 1)
            r.file = kb * 1024;
    }
    if (f)
        fclose(f);
    return r;
}


typedef struct result {
    int status;
    double wall, cpu;           /* the timed step */
    double save_wall[2], save_cpu[2]; /* compile: the save of each layout */
    rss after_open, after_queries;
    double q1_rate, q8_rate;    /* queries per CPU second */
    size_t hits1, hits8;
    long long peak;             /* from wait4 */
} result;

enum { RUN_LOAD, RUN_COMPILE, RUN_OPEN, RUN_READ, RUN_OPEN_MAP };

static int n_queries = 1000;

/* n_queries queries of `variants` codes: random, every 10th near an entry. */
static double run_queries(phash_matcher *m, const phash_pdq_code *entries, size_t n,
                          unsigned variants, size_t *hits)
{
    phash_matches *r = NULL;
    BENCH_OK(phash_matches_new(&r));
    phash_pdq_code q[8];
    uint64_t s = 99;
    *hits = 0;
    double t0 = bench_process_cpu();
    for (int i = 0; i < n_queries; i++) {
        for (unsigned v = 0; v < variants; v++)
            for (int w = 0; w < 4; w++) {
                uint64_t x = bench_splitmix64(&s);
                memcpy(q[v].bytes + 8 * w, &x, 8);
            }
        if (i % 10 == 0) {
            q[variants - 1] = entries[bench_splitmix64(&s) % n];
            for (int k = 0; k < 20; k++) /* 20 bits away */
                q[variants - 1].bytes[bench_splitmix64(&s) % 32] ^= (uint8_t)(1u << (k % 8));
        }
        if (phash_matcher_query(m, PHASH_SIG_PDQ, q, variants, 31, r) != PHASH_OK)
            exit(2);
        *hits += phash_matches_count(r);
    }
    double t = bench_process_cpu() - t0;
    phash_matches_free(r);
    return n_queries / t;
}

static long n_entries;
/* The compiled files: [0] fast, [1] endpoint. */
static const char *phx_of[2];

static void child(int what, const char *list, const char *phx, result *r)
{
    double t0 = bench_now(), c0 = bench_process_cpu();
    if (what == RUN_LOAD || what == RUN_COMPILE) {
        phash_sigset *set = NULL;
        BENCH_OK(phash_sigset_new(&set));
        phash_sigset_report rep;
        r->status = phash_sigset_load_file(set, list, &rep);
        r->wall = bench_now() - t0;
        r->cpu = bench_process_cpu() - c0;
        /* One load, both layouts (the set is not modified by a save). */
        for (int l = 0; l < 2 && what == RUN_COMPILE && r->status == PHASH_OK; l++) {
            double s0 = bench_now(), sc0 = bench_process_cpu();
            if (phx_of[l])
                r->status = phash_sigset_save_flags(set, phx_of[l],
                                                    l ? PHASH_SIGSET_SAVE_ENDPOINT : 0);
            r->save_wall[l] = bench_now() - s0;
            r->save_cpu[l] = bench_process_cpu() - sc0;
        }
        phash_sigset_free(set);
    } else if (what == RUN_READ) {
        int fd = open(phx, O_RDONLY);
        struct stat sb;
        fstat(fd, &sb);
        char *buf = malloc((size_t)sb.st_size);
        size_t got = 0;
        ssize_t k;
        while (got < (size_t)sb.st_size && (k = read(fd, buf + got, (size_t)sb.st_size - got)) > 0)
            got += (size_t)k;
        close(fd);
        r->wall = bench_now() - t0;
        r->cpu = bench_process_cpu() - c0;
        r->status = got == (size_t)sb.st_size ? 0 : 3;
        free(buf);
    } else {
        phash_matcher *m = NULL;
        BENCH_OK(phash_matcher_new(&m));
        r->status = phash_matcher_open_flags(m, phx, what == RUN_OPEN_MAP ? PHASH_SIGSET_OPEN_MAP : 0);
        r->wall = bench_now() - t0;
        r->cpu = bench_process_cpu() - c0;
        r->after_open = rss_now();
        if (r->status == PHASH_OK) {
            /* Every 100th entry, for near queries: the list's generator
             * replayed (a second open would map the file twice). */
            size_t n = (size_t)n_entries;
            phash_pdq_code *copy = malloc(n / 100 * sizeof *copy + sizeof *copy);
            uint64_t s = 11;
            for (size_t i = 0; i < n; i++)
                for (int w = 0; w < 4; w++) {
                    uint64_t x = bench_splitmix64(&s);
                    if (i % 100 == 0)
                        for (int b = 0; b < 8; b++) /* the hex text is big-endian */
                            copy[i / 100].bytes[8 * w + b] = (uint8_t)(x >> (56 - 8 * b));
                }
            r->q1_rate = run_queries(m, copy, n / 100, 1, &r->hits1);
            r->q8_rate = run_queries(m, copy, n / 100, 8, &r->hits8);
            free(copy);
            r->after_queries = rss_now();
        }
        phash_matcher_free(m);
    }
}

typedef struct job {
    int what;
    const char *list, *phx;
} job;

static void job_fn(void *ctx, void *out)
{
    const job *j = ctx;
    child(j->what, j->list, j->phx, out);
}

static result run(int what, const char *list, const char *phx)
{
    job j = {what, list, phx};
    result r = {0};
    r.peak = bench_in_child(job_fn, &j, &r, sizeof r);
    return r;
}

static void drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        fdatasync(fd);
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
}

static void print_open(const char *label, const result *o, long long size)
{
    printf("  open in a matcher, %s: %.3f s wall, %.3f s CPU, status %d\n", label, o->wall,
           o->cpu, o->status);
    printf("    RSS after open: %.1f MB (%.2fx the file; anon %.1f MB, file-backed %.1f MB)\n",
           o->after_open.total / 1e6, (double)o->after_open.total / (double)size,
           o->after_open.anon / 1e6, o->after_open.file / 1e6);
    printf("    RSS after %d + %d queries: %.1f MB (%.2fx the file; anon %.1f MB, "
           "file-backed %.1f MB); peak %.1f MB\n", n_queries, n_queries,
           o->after_queries.total / 1e6, (double)o->after_queries.total / (double)size,
           o->after_queries.anon / 1e6, o->after_queries.file / 1e6, o->peak / 1e6);
    printf("    queries r=31: 1 code %.0f q/s, 8 dihedral codes %.0f images/s (per CPU s; "
           "hits %zu / %zu)\n",
           o->q1_rate, o->q8_rate, o->hits1, o->hits8);
}

/* The opens and queries of one compiled file. */
static void measure(const char *name, const char *list, const char *phx, int read_too)
{
    struct stat sb;
    long long size = stat(phx, &sb) == 0 ? (long long)sb.st_size : 0;
    printf("layout %s: compiled file %.1f MB, %.1f B per entry\n", name, size / 1e6,
           (double)size / (double)n_entries);
    if (read_too) {
        drop_cache(phx);
        result cold = run(RUN_OPEN, list, phx);
        print_open("cold (file dropped from the page cache)", &cold, size);
        result warm = run(RUN_OPEN, list, phx);
        print_open("warm (read into private memory: the default)", &warm, size);
    }
    drop_cache(phx);
    result cold_map = run(RUN_OPEN_MAP, list, phx);
    print_open("cold, PHASH_SIGSET_OPEN_MAP (file dropped from the page cache)", &cold_map, size);
    result warm_map = run(RUN_OPEN_MAP, list, phx);
    print_open("warm, PHASH_SIGSET_OPEN_MAP", &warm_map, size);
    result rd = run(RUN_READ, list, phx);
    printf("  peer: read() of the whole file (warm): %.3f s wall, %.3f s CPU, peak RSS %.1f MB\n",
           rd.wall, rd.cpu, rd.peak / 1e6);
}

int main(int argc, char **argv)
{
    long n = 1000000;
    int layouts = 3; /* bit 0: fast, bit 1: endpoint */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--layout") && i + 1 < argc) {
            const char *l = argv[++i];
            layouts = !strcmp(l, "fast") ? 1 : !strcmp(l, "endpoint") ? 2 : !strcmp(l, "both") ? 3 : 0;
        } else if (!strcmp(argv[i], "--queries") && i + 1 < argc) {
            n_queries = atoi(argv[++i]);
        } else {
            n = atol(argv[i]);
        }
        if (!layouts || n < 100 || n_queries < 1) {
            fprintf(stderr, "usage: sigset_mapped [ENTRIES] [--layout fast|endpoint|both] "
                            "[--queries N]\n");
            return 2;
        }
    }
    n_entries = n;
    bench_print_machine("sigset_mapped");
    printf("# each step in its own child process; the machine is shared by other jobs\n");
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char list[4096], phx[4200], ephx[4200];
    snprintf(list, sizeof list, "%s/phash-bench-mapped-%ld.txt", tmp, (long)getpid());
    snprintf(phx, sizeof phx, "%s.phx", list);
    snprintf(ephx, sizeof ephx, "%s.endpoint.phx", list);
    phx_of[0] = layouts & 1 ? phx : NULL;
    phx_of[1] = layouts & 2 ? ephx : NULL;
    write_list(list, n);
    printf("data: %ld random PDQ hashes, plain list; queries: %d of 1 code and %d of 8 "
           "(radius 31, every 10th near an entry)\n", n, n_queries, n_queries);

    result load = run(RUN_LOAD, list, phx), comp = run(RUN_COMPILE, list, phx);
    printf("  load the list (peer): %.2f s wall, %.2f s CPU, peak RSS %.1f MB\n", load.wall,
           load.cpu, load.peak / 1e6);
    printf("  compile: load %.2f s wall, %.2f s CPU; save fast %.2f s wall, %.2f s CPU; save "
           "endpoint %.2f s wall, %.2f s CPU; peak RSS %.1f MB, status %d\n", comp.wall,
           comp.cpu, comp.save_wall[0], comp.save_cpu[0], comp.save_wall[1], comp.save_cpu[1],
           comp.peak / 1e6, comp.status);
    if (layouts & 1)
        measure("fast", list, phx, 1);
    if (layouts & 2)
        measure("endpoint", list, ephx, layouts == 2);
    unlink(phx);
    unlink(ephx);
    unlink(list);
    return 0;
}
