/* SPDX-License-Identifier: MIT */
/* Exact digests in a large compiled set: the time to open it in a matcher
 * and the cost of one lookup, with the sorted digest table the compiled
 * set carries (lib/sigset/digest_table.c: looked up in place, nothing built
 * at open) beside the same file with that table hidden (a set compiled
 * before it: the matcher builds a hash table at open, as phash did
 * before), and beside hashing the file the lookup is for (SHA-1 and MD5 of
 * a 512 KiB buffer, a typical photo). Each open runs in a fresh process
 * (file warm in the page cache), best of 3, mapped
 * (PHASH_SIGSET_OPEN_MAP) and read into memory (the default); lookups are 1,000,000 queries,
 * half of them entries, in the same process after the open.
 *
 *   bench/digest_table [ENTRIES]   (default 10,000,000 SHA-1 digests; files
 *                                   under $TMPDIR, deleted at the end) */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <zlib.h>

#include "benchutil.h"
#include "phash/digest.h"
#include "phash/sigset.h"

#define SEED 7u
#define QUERIES 1000000


/* Output j of bench_splitmix64 from SEED, directly. */
static uint64_t nth(uint64_t j)
{
    uint64_t s = SEED + j * 0x9e3779b97f4a7c15ULL;
    return bench_splitmix64(&s);
}

/* Digest i of the list (20 bytes), or a digest no entry has (i >= n). */
static void digest_of(uint64_t i, uint8_t out[20])
{
    uint64_t a = nth(3 * i), b = nth(3 * i + 1), c = nth(3 * i + 2);
    for (int k = 0; k < 8; k++) {
        out[k] = (uint8_t)(a >> (56 - 8 * k));
        out[8 + k] = (uint8_t)(b >> (56 - 8 * k));
    }
    for (int k = 0; k < 4; k++)
        out[16 + k] = (uint8_t)(c >> (24 - 8 * k));
}

static void write_list(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint8_t d[20];
    for (long i = 0; i < n; i++) {
        digest_of((uint64_t)i, d);
        for (int k = 0; k < 20; k++)
            fprintf(f, "%02x", d[k]);
        fputc('\n', f);
    }
    fclose(f);
}

/* The compiled file with its DIGESTS sections (kind 8) renamed to a kind
 * no reader knows, header checksum recomputed: what a set compiled before
 * the table looks like to the reader. */
static void hide_table(const char *from, const char *to)
{
    FILE *f = fopen(from, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb))
        exit(2);
    uint8_t *buf = malloc((size_t)sb.st_size);
    if (!buf || fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
        exit(2);
    fclose(f);
    uint32_t n = buf[12] | buf[13] << 8 | (uint32_t)buf[14] << 16 | (uint32_t)buf[15] << 24;
    int hidden = 0;
    for (uint32_t i = 0; i < n; i++)
        if (buf[32 + 32 * i] == 8 && !buf[33 + 32 * i]) {
            buf[32 + 32 * i] = 0xee, buf[33 + 32 * i] = 0x7f;
            hidden++;
        }
    memset(buf + 24, 0, 4);
    uLong crc = crc32(0, buf, 32 + 32 * n);
    for (int k = 0; k < 4; k++)
        buf[24 + k] = (uint8_t)(crc >> (8 * k));
    f = fopen(to, "wb");
    if (!f || fwrite(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size || fclose(f) || !hidden) {
        fprintf(stderr, "bench: cannot write %s (digest table found: %d)\n", to, hidden);
        exit(2);
    }
    free(buf);
}

typedef struct result {
    int status;
    double wall, cpu;
    double lookup_ns; /* CPU per query */
    size_t hits;
} result;

static long n_entries;

static void compile_fn(void *ctx, void *out)
{
    const char *const *paths = ctx;
    result *r = out;
    double t0 = bench_now(), c0 = bench_process_cpu();
    phash_sigset *set = NULL;
    BENCH_OK(phash_sigset_new(&set));
    r->status = phash_sigset_load_file(set, paths[0], NULL);
    if (r->status == PHASH_OK)
        r->status = phash_sigset_save(set, paths[1]);
    r->wall = bench_now() - t0;
    r->cpu = bench_process_cpu() - c0;
    phash_sigset_free(set);
}

typedef struct open_job {
    const char *path;
    unsigned flags;
} open_job;

static void open_fn(void *ctx, void *out)
{
    const open_job *j = ctx;
    result *r = out;
    phash_matcher *m = NULL;
    BENCH_OK(phash_matcher_new(&m));
    double t0 = bench_now(), c0 = bench_process_cpu();
    r->status = phash_matcher_open_flags(m, j->path, j->flags);
    r->wall = bench_now() - t0;
    r->cpu = bench_process_cpu() - c0;
    if (r->status == PHASH_OK) {
        phash_matches *res = NULL;
        BENCH_OK(phash_matches_new(&res));
        uint8_t (*q)[20] = malloc((size_t)QUERIES * 20);
        uint64_t s = 5;
        for (long i = 0; i < QUERIES; i++) /* even: an entry; odd: absent */
            digest_of(i % 2 ? (uint64_t)n_entries + (uint64_t)i
                            : bench_splitmix64(&s) % (uint64_t)n_entries,
                      q[i]);
        double q0 = bench_process_cpu();
        for (long i = 0; i < QUERIES; i++) {
            if (phash_matcher_query(m, PHASH_SIG_SHA1, q[i], 1, 0, res) != PHASH_OK)
                exit(2);
            r->hits += phash_matches_count(res);
        }
        r->lookup_ns = (bench_process_cpu() - q0) / QUERIES * 1e9;
        free(q);
        phash_matches_free(res);
    }
    phash_matcher_free(m);
}

static result best_open(const char *phx, unsigned flags)
{
    result best = {0};
    open_job j = {phx, flags};
    for (int k = 0; k < 3; k++) {
        result r = {0};
        bench_in_child(open_fn, &j, &r, sizeof r);
        if (r.status != PHASH_OK) {
            fprintf(stderr, "bench: open %s: %s\n", phx, phash_strerror(r.status));
            exit(2);
        }
        if (k == 0 || r.cpu < best.cpu)
            best.wall = r.wall, best.cpu = r.cpu;
        if (k == 0 || r.lookup_ns < best.lookup_ns)
            best.lookup_ns = r.lookup_ns, best.hits = r.hits;
    }
    return best;
}

/* CPU per digest of a 512 KiB buffer (best of 3 runs of 200). */
static double digest_us(phash_digest_algo algo)
{
    enum { LEN = 512 << 10 };
    uint8_t *buf = malloc(LEN);
    uint64_t s = 3;
    for (size_t i = 0; i < LEN; i++)
        buf[i] = (uint8_t)bench_splitmix64(&s);
    double best = 0;
    for (int k = 0; k < 3; k++) {
        double c0 = bench_process_cpu();
        for (int i = 0; i < 200; i++) {
            phash_digest_result r;
            BENCH_OK(phash_digest_buffer((unsigned)algo, buf, LEN, &r));
        }
        double t = (bench_process_cpu() - c0) / 200 * 1e6;
        if (k == 0 || t < best)
            best = t;
    }
    free(buf);
    return best;
}

int main(int argc, char **argv)
{
    n_entries = argc > 1 ? atol(argv[1]) : 10000000L;
    if (n_entries < 1) {
        fprintf(stderr, "usage: %s [ENTRIES]\n", argv[0]);
        return 2;
    }
    bench_print_machine("digest_table");
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char list[512], phx[512], old[512];
    snprintf(list, sizeof list, "%s/phash-dt-%ld.txt", tmp, (long)getpid());
    snprintf(phx, sizeof phx, "%s/phash-dt-%ld.phx", tmp, (long)getpid());
    snprintf(old, sizeof old, "%s/phash-dt-%ld-old.phx", tmp, (long)getpid());
    write_list(list, n_entries);
    const char *paths[2] = {list, phx};
    result c = {0};
    long long peak = bench_in_child(compile_fn, paths, &c, sizeof c);
    if (c.status != PHASH_OK) {
        fprintf(stderr, "bench: compile: %s\n", phash_strerror(c.status));
        return 2;
    }
    hide_table(phx, old);
    struct stat sb;
    stat(phx, &sb);
    printf("data: %ld random SHA-1 digests (plain list), compiled: %.1f MB\n", n_entries,
           sb.st_size / 1e6);
    printf("  compile (load + save): %.2f s wall, %.2f s CPU, peak RSS %.0f MB\n", c.wall, c.cpu,
           peak / 1e6);
    result t = best_open(phx, PHASH_SIGSET_OPEN_MAP), h = best_open(old, PHASH_SIGSET_OPEN_MAP),
           d = best_open(phx, 0);
    printf("open in a matcher (warm, fresh process, best of 3):\n");
    printf("  mapped, sorted digest table:         %.3f s wall, %.3f s CPU\n", t.wall, t.cpu);
    printf("  mapped, table hidden (hash table):   %.3f s wall, %.3f s CPU\n", h.wall, h.cpu);
    printf("  read into memory (the default), sorted digest table: %.3f s wall, %.3f s CPU\n",
           d.wall, d.cpu);
    printf("lookup, CPU per query (%d queries, half entries):\n", QUERIES);
    printf("  sorted digest table:  %.0f ns  (%zu hits)\n", t.lookup_ns, t.hits);
    printf("  hash table:           %.0f ns  (%zu hits)\n", h.lookup_ns, h.hits);
    printf("peers: hashing the file the lookup is for (512 KiB, CPU per file):\n");
    printf("  SHA-1 %.0f us, MD5 %.0f us, SHA-256 %.0f us\n", digest_us(PHASH_DIGEST_SHA1),
           digest_us(PHASH_DIGEST_MD5), digest_us(PHASH_DIGEST_SHA256));
    unlink(list);
    unlink(phx);
    unlink(old);
    return 0;
}
