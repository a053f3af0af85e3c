/* SPDX-License-Identifier: MIT */
/* Loading a large signature set: time and peak memory for N lines (default
 * 1,000,000) of a CSV list (id, PDQ or pHash, category), with 1% invalid
 * lines and 2% duplicate hashes, the same as a plain list of bare PDQ
 * hashes, and N Media records of a VICS 2.0 JSON document on one line (as
 * Project VIC exports are: MediaID, Category, MD5, SHA1, MediaSize,
 * DateUpdated, IsPrecategorized, a PhotoDNA on one record in four). Each load runs in a fresh child process (fork) so its peak RSS is
 * its own; best of 3. Peer in the same run: a bare fgets() loop over the
 * same file (the floor any line-based loader pays); for VICS also yajl
 * parsing the document with no callbacks (the floor of a streamed JSON
 * load). Then a compile as phash sigset compile does it (load + release
 * save) with its CPU time and peak RSS, and opening the compiled set.
 *
 *   bench/sigset_load [LINES]      (files written under $TMPDIR, then deleted) */
#include <stdint.h>
#include <sys/wait.h>
#include <yajl/yajl_parse.h>

#include "benchutil.h"

/* splitmix64: deterministic pseudo-random hashes. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void write_csv(const char *path, long lines)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint64_t s = 1, dup = 0;
    fprintf(f, "id,signal_type,signal_str,category\n");
    for (long i = 0; i < lines; i++) {
        uint64_t seed = s;
        if (i % 50 == 49)
            seed = dup; /* a duplicate of an earlier hash */
        else if (i % 50 == 0)
            dup = s;
        uint64_t t = seed, a = next(&t), b = next(&t), c = next(&t), d = next(&t);
        if (i % 50 != 49)
            s = t;
        if (i % 100 == 77)
            fprintf(f, "E%ld,pdq,%016llx%016llx%016llxzz,A1\n", i, (unsigned long long)a,
                    (unsigned long long)b, (unsigned long long)c);
        else if (i % 20 == 3)
            fprintf(f, "E%ld,phash,%016llx,B2\n", i, (unsigned long long)a);
        else
            fprintf(f, "E%ld,pdq,%016llx%016llx%016llx%016llx,A1\n", i, (unsigned long long)a,
                    (unsigned long long)b, (unsigned long long)c, (unsigned long long)d);
    }
    fclose(f);
}

static void write_plain(const char *path, long lines)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint64_t s = 7;
    for (long i = 0; i < lines; i++) {
        uint64_t a = next(&s), b = next(&s), c = next(&s), d = next(&s);
        fprintf(f, "%016llx%016llx%016llx%016llx\n", (unsigned long long)a,
                (unsigned long long)b, (unsigned long long)c, (unsigned long long)d);
    }
    fclose(f);
}

static void write_vics(const char *path, long records)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs("{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/"
          "2.0.xml/US/$metadata#Media\",\"value\":[", f);
    uint64_t s = 11;
    for (long i = 0; i < records; i++) {
        uint64_t a = next(&s), b = next(&s), c = next(&s);
        fprintf(f,
                "%s{\"MediaID\":%ld,\"Category\":%ld,\"MD5\":\"%016llX%016llX\","
                "\"SHA1\":\"%016llx%016llx%08llx\",\"MediaSize\":%llu,"
                "\"DateUpdated\":\"2024-03-%02ldT10:00:00Z\",\"IsPrecategorized\":false",
                i ? "," : "", i + 1, i % 3, (unsigned long long)a, (unsigned long long)b,
                (unsigned long long)c, (unsigned long long)a, (unsigned long long)(b >> 32),
                (unsigned long long)(1000 + c % 5000000), 1 + i % 28);
        if (i % 4 == 0) {
            fputs(",\"PhotoDNA\":\"", f);
            for (int k = 0; k < 12; k++)
                fprintf(f, "%016llx", (unsigned long long)next(&s));
            fputc('"', f);
        }
        fputc('}', f);
    }
    fputs("]}", f);
    fclose(f);
}

typedef struct result {
    double seconds;
    double cpu; /* the child's user + system CPU seconds (wait4) */
    long long peak_rss;
    phash_sigset_report rep;
    int status;
} result;

enum { RUN_LOAD = 0, RUN_PEER = 1, RUN_COMPILE = 2, RUN_OPEN = 3, RUN_YAJL = 4 };

/* yajl over the file in 64 KiB pieces, no callbacks: the JSON floor. */
static int yajl_only(const char *path)
{
    FILE *f = fopen(path, "rb");
    yajl_handle h = yajl_alloc(NULL, NULL, NULL);
    static unsigned char buf[65536];
    size_t n;
    int ok = f && h;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = yajl_parse(h, buf, n) == yajl_status_ok;
    ok = ok && yajl_complete_parse(h) == yajl_status_ok;
    if (h)
        yajl_free(h);
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

/* Run one load (or the fgets peer) in a child; the child sends its result
 * through a pipe, the parent takes the child's peak RSS from wait4. */
static result run_child(const char *path, int peer)
{
    int fd[2];
    result r = {0};
    if (pipe(fd))
        exit(2);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        double t0 = bench_now();
        if (peer == RUN_COMPILE) {
            /* What phash sigset compile does: load (not timed), then the
             * release save: index build + atomic write, the set's memory
             * freed as it goes. Peak RSS and CPU are the whole child's. */
            phash_sigset *set = NULL;
            BENCH_OK(phash_sigset_new(&set));
            r.status = phash_sigset_load_file(set, path, &r.rep);
            char out[4200];
            snprintf(out, sizeof out, "%s.phx", path);
            t0 = bench_now();
            if (r.status == PHASH_OK)
                r.status = phash_sigset_save_flags(set, out, PHASH_SIGSET_SAVE_RELEASE);
            r.seconds = bench_now() - t0;
            phash_sigset_free(set);
        } else if (peer == RUN_OPEN) {
            char in[4200];
            snprintf(in, sizeof in, "%s.phx", path);
            phash_matcher *m = NULL;
            BENCH_OK(phash_matcher_new(&m));
            r.status = phash_matcher_open(m, in);
            r.seconds = bench_now() - t0;
            phash_matcher_free(m);
        } else if (peer == RUN_YAJL) {
            r.status = yajl_only(path);
            r.seconds = bench_now() - t0;
        } else if (peer) {
            FILE *f = fopen(path, "r");
            char line[4096];
            long n = 0;
            while (f && fgets(line, sizeof line, f))
                n++;
            if (f)
                fclose(f);
            r.rep.lines = (uint64_t)n;
        } else {
            phash_sigset *set = NULL;
            BENCH_OK(phash_sigset_new(&set));
            r.status = phash_sigset_load_file(set, path, &r.rep);
            r.seconds = bench_now() - t0; /* the load only, not the free */
            phash_sigset_free(set);
        }
        if (peer == RUN_PEER)
            r.seconds = bench_now() - t0;
        if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (read(fd[0], &r, sizeof r) != (ssize_t)sizeof r)
        exit(2);
    close(fd[0]);
    struct rusage ru;
    int wst;
    wait4(pid, &wst, 0, &ru);
    r.peak_rss = (long long)ru.ru_maxrss * 1024;
    r.cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
            ru.ru_stime.tv_usec / 1e6;
    return r;
}

static void bench_file(const char *label, const char *path, long lines, int json)
{
    result best = {.seconds = 1e9}, peer = {.seconds = 1e9};
    for (int k = 0; k < 3; k++) {
        result r = run_child(path, 0);
        if (r.seconds < best.seconds)
            best = r;
        result p = run_child(path, 1);
        if (p.seconds < peer.seconds)
            peer = p;
    }
    FILE *f = fopen(path, "r");
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fclose(f);
    const phash_sigset_report *rp = &best.rep;
    printf("%s: %ld lines, %.1f MB, status %d\n", label, lines, bytes / 1e6, best.status);
    printf("  report: records %llu, inserted %llu, duplicates %llu, invalid %llu\n",
           (unsigned long long)rp->records, (unsigned long long)rp->inserted,
           (unsigned long long)rp->duplicates, (unsigned long long)rp->invalid);
    printf("  phash_sigset_load_file: %.3f s best of 3 (%.2f M lines/s, %.0f MB/s), "
           "peak RSS %.1f MB (%.0f B/line)\n",
           best.seconds, lines / best.seconds / 1e6, bytes / best.seconds / 1e6,
           best.peak_rss / 1e6, (double)best.peak_rss / (double)lines);
    printf("  peer fgets() line count: %.3f s best of 3, peak RSS %.1f MB; "
           "load/peer time ratio %.1fx\n",
           peer.seconds, peer.peak_rss / 1e6, best.seconds / peer.seconds);
    if (json) {
        result y = {.seconds = 1e9};
        for (int k = 0; k < 3; k++) {
            result r = run_child(path, RUN_YAJL);
            if (r.seconds < y.seconds)
                y = r;
        }
        printf("  peer yajl_parse without callbacks: %.3f s best of 3, status %d, peak RSS "
               "%.1f MB; load/peer time ratio %.1fx\n",
               y.seconds, y.status, y.peak_rss / 1e6, best.seconds / y.seconds);
    }
    result comp = run_child(path, RUN_COMPILE), open = {.seconds = 1e9};
    for (int k = 0; k < 3; k++) {
        result o = run_child(path, RUN_OPEN);
        if (o.seconds < open.seconds)
            open = o;
    }
    char phx[4200];
    snprintf(phx, sizeof phx, "%s.phx", path);
    f = fopen(phx, "r");
    long phx_bytes = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        phx_bytes = ftell(f);
        fclose(f);
    }
    unlink(phx);
    printf("  compile (index build + atomic write): %.3f s, status %d, %.1f MB file; with the "
           "load, as phash sigset compile (release save): CPU %.2f s, peak RSS %.1f MB "
           "(%.0f B/line)\n",
           comp.seconds, comp.status, phx_bytes / 1e6, comp.cpu, comp.peak_rss / 1e6,
           (double)comp.peak_rss / (double)lines);
    printf("  open compiled set in a matcher (all checksums verified): %.3f s best of 3, "
           "status %d, peak RSS %.1f MB\n", open.seconds, open.status, open.peak_rss / 1e6);
}

int main(int argc, char **argv)
{
    long lines = argc > 1 ? atol(argv[1]) : 1000000;
    bench_print_machine("sigset_load");
    printf("# each load in its own child process; the machine is shared by other jobs\n");
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char csv[4096], plain[4096];
    snprintf(csv, sizeof csv, "%s/phash-bench-sigset-%ld.csv", tmp, (long)getpid());
    snprintf(plain, sizeof plain, "%s/phash-bench-sigset-%ld.txt", tmp, (long)getpid());
    write_csv(csv, lines);
    bench_file("CSV id,signal_type,signal_str,category (95% PDQ, 5% pHash)", csv, lines, 0);
    unlink(csv);
    write_plain(plain, lines);
    bench_file("plain list of PDQ hashes", plain, lines, 0);
    unlink(plain);
    char vics[4096];
    snprintf(vics, sizeof vics, "%s/phash-bench-sigset-%ld.json", tmp, (long)getpid());
    write_vics(vics, lines);
    bench_file("VICS 2.0 JSON, one line (MD5 + SHA1 per Media record, PhotoDNA on 1 in 4)",
               vics, lines, 1);
    unlink(vics);
    return 0;
}
