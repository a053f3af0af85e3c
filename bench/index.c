/* SPDX-License-Identifier: MIT */
/* bench/index: the Hamming index (docs/index.md section 7 protocol, our side).
 *
 *   index DATA_DIR [bits=64,256] [n=100000,1000000,10000000]
 *         [dist=uniform,clustered,real] [codes=FILE[,FILE]] [budget=2] [reps=3]
 *
 * For every width x distribution x N it generates (once, seeded) the codes
 * and 1000 queries into DATA_DIR (so that bench/index_faiss.py reads the very
 * same files), builds, saves, opens, and times every method and operation.
 * Queries alternate hit (a stored code with 0..d/8 or 0..20 bits flipped)
 * and miss (random), so any prefix is a balanced mix; each configuration
 * runs queries one per call until `budget` seconds have passed, `reps`
 * times, and reports the best run (the host is shared), split into all /
 * hits / misses. Result counts are compared with those of the first method
 * run at that radius (the scan at the match radius, MIH at the others;
 * tests/test_index*.c prove every method equal to brute force): column exact.
 * dist=real starts from real codes read from the codes= files (e.g. the CSV
 * of `phash hash --algo phash` or `--algo pdq --dihedral` over a make_corpus
 * corpus): every field of 16 hex digits is a 64-bit code, every field of 64
 * a PDQ code. The N entries are those R codes, then 43 near-duplicates of
 * each (1..d/16 bits flipped: as many as make_corpus makes variants of an
 * original), then uniform random codes (docs/index.md 7.1: real codes and
 * their near-duplicates mixed into random data); even queries are a real
 * code with 0..d/8 (64-bit) or 0..20 bits flipped, odd ones random. With
 * N <= R the set is the real codes alone. (A first version drew 10% of N as
 * near-duplicates of the R codes: at 10M that is ~1,100 per real code, and
 * a hit query returned ~3,600 entries.)
 * Output: one TSV line per configuration:
 *   bench method impl threads batch dist d N param qps avg_results group exact
 * then build/open/memory lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "phash/phash.h"

#define NQ 1000

static double g_budget = 2.0;

/* Rates are given per wall second and per CPU second of this thread
 * (bench_thread_cpu): on a shared host, wall-clock rates also count time
 * spent descheduled. */
static int g_reps = 3;

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void flip(uint64_t *c, unsigned w, unsigned bits, uint64_t *s)
{
    for (unsigned i = 0; i < bits; i++) {
        unsigned b = (unsigned)(rnd(s) % (64 * w));
        c[b / 64] ^= 1ull << (b % 64); /* may flip a bit back: <= bits */
    }
}

/* Real codes (dist=real) per width: [0] 64-bit, [1] 256-bit. */
static const char *g_codes_files;
static uint64_t *g_real[2];
static size_t g_nreal[2];
static size_t g_nuse; /* of them in the current set: min(count, N) */
#define REAL_FAMILY 43 /* near-duplicates per real code */

static int is_hex(int ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Every field of 16 or 64 hex digits in the comma-separated files (fields
 * end at commas, tabs, spaces and line ends). */
static int read_real_codes(void)
{
    char list[4096];
    snprintf(list, sizeof list, "%s", g_codes_files ? g_codes_files : "");
    size_t cap[2] = {0, 0};
    for (char *path = strtok(list, ","); path; path = strtok(NULL, ",")) {
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "cannot read %s\n", path);
            return -1;
        }
        char line[8192];
        while (fgets(line, sizeof line, f)) {
            for (char *p = line; *p;) {
                size_t len = 0;
                while (is_hex(p[len]))
                    len++;
                int end = p[len] == 0 || strchr(",\t \r\n", p[len]) != NULL;
                int start = p == line || strchr(",\t ", p[-1]) != NULL;
                int b = len == 16 ? 0 : len == 64 ? 1 : -1;
                if (b >= 0 && end && start) {
                    unsigned w = b ? 4 : 1;
                    if (g_nreal[b] == cap[b]) {
                        cap[b] = cap[b] ? 2 * cap[b] : 1024;
                        g_real[b] = realloc(g_real[b], cap[b] * w * 8);
                    }
                    uint64_t *c = g_real[b] + g_nreal[b]++ * w;
                    if (b == 0)
                        BENCH_OK(phash_u64_parse(p, 16, PHASH_U64_HEX, c, NULL));
                    else { /* the index's layout: the 32 bytes as four words */
                        phash_pdq_code pc;
                        BENCH_OK(phash_pdq_from_hex(p, 64, &pc, NULL));
                        memcpy(c, pc.bytes, 32);
                    }
                }
                p += len ? len : 1;
            }
        }
        fclose(f);
    }
    return 0;
}

/* Codes: uniform, clustered (10% near-duplicates of earlier entries, 1..d/16
 * bits apart: docs 2) or real (see the top). Queries: even = hit-like, odd =
 * random. */
static void generate(unsigned w, size_t n, int dist, uint64_t *codes, uint64_t *q)
{
    uint64_t s = 0x1234 + n * 31 + w * 7 + (uint64_t)dist;
    const uint64_t *real = g_real[w == 4];
    size_t nreal = dist == 2 ? g_nuse : 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t *c = codes + i * w;
        if (i < nreal)
            memcpy(c, real + i * w, 8 * w);
        else if (i < nreal * (1 + REAL_FAMILY)) {
            memcpy(c, real + (i % nreal) * w, 8 * w);
            flip(c, w, 1 + (unsigned)(rnd(&s) % (4 * w)), &s);
        } else if (dist == 1 && i > 0 && rnd(&s) % 10 == 0) {
            memcpy(c, codes + (rnd(&s) % i) * w, 8 * w);
            flip(c, w, 1 + (unsigned)(rnd(&s) % (4 * w)), &s);
        } else {
            for (unsigned k = 0; k < w; k++)
                c[k] = rnd(&s);
        }
    }
    for (size_t i = 0; i < NQ; i++) {
        uint64_t *c = q + i * w;
        if (i % 2 == 0) {
            memcpy(c, nreal ? real + (rnd(&s) % nreal) * w : codes + (rnd(&s) % n) * w, 8 * w);
            flip(c, w, (unsigned)(rnd(&s) % (w == 1 ? 9 : 21)), &s);
        } else {
            for (unsigned k = 0; k < w; k++)
                c[k] = rnd(&s);
        }
    }
}

static const char *const dist_names[] = {"uniform", "clustered", "real"};

static int load_or_make(const char *dir, unsigned w, size_t n, int dist, uint64_t **codes,
                        uint64_t **q)
{
    char pc[4096], pq[4096];
    const char *dn = dist_names[dist];
    snprintf(pc, sizeof pc, "%s/%s-%u-%zu.codes", dir, dn, 64 * w, n);
    snprintf(pq, sizeof pq, "%s/%s-%u-%zu.queries", dir, dn, 64 * w, n);
    *codes = aligned_alloc(64, (n * w * 8 + 63) & ~(size_t)63);
    *q = malloc(NQ * w * 8);
    FILE *fc = fopen(pc, "rb"), *fq = fopen(pq, "rb");
    /* Real sets are made anew each run: they depend on the codes= files. */
    int ok = dist != 2 && fc && fq && fread(*codes, 8 * w, n, fc) == n &&
             fread(*q, 8 * w, NQ, fq) == NQ;
    if (fc)
        fclose(fc);
    if (fq)
        fclose(fq);
    if (ok)
        return 0;
    generate(w, n, dist, *codes, *q);
    fc = fopen(pc, "wb");
    fq = fopen(pq, "wb");
    if (!fc || !fq || fwrite(*codes, 8 * w, n, fc) != n || fwrite(*q, 8 * w, NQ, fq) != NQ) {
        fprintf(stderr, "cannot write %s\n", pc);
        return -1;
    }
    fclose(fc);
    fclose(fq);
    return 0;
}

static long long rss_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lld %lld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * sysconf(_SC_PAGESIZE);
}

typedef struct ctx {
    phash_index *ix;
    unsigned w;
    size_t n;
    const char *dist;
    const uint64_t *q;
    size_t *truth; /* per query: result count of the scan */
    phash_index_results *res;
} ctx;

static const char *method_name(phash_index_method m)
{
    static const char *const names[] = {"auto", "scan", "bktree", "mih"};
    return names[m];
}

/* One configuration: queries one per call, best of reps; prints all/hits/misses. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run(ctx *c, const char *label, phash_index_search_opts o, int record_truth)
{
    double lat[NQ], best_lat[NQ];
    unsigned V = o.variants ? o.variants : 1;
    size_t nq = NQ / V;
    double best[3] = {0, 0, 0}, best_cpu = 0;
    double results[3] = {0, 0, 0};
    size_t done_best = 0;
    int exact = 1, quiet = record_truth == 2;
    for (size_t i = 0; i < nq && i < 50; i++) /* warm-up */
        BENCH_OK(phash_index_search(c->ix, c->q + i * V * c->w, 1, &o, c->res));
    for (int rep = 0; rep < g_reps; rep++) {
        double t[2] = {0, 0};
        size_t cnt[2] = {0, 0}, hits[2] = {0, 0}, i;
        double start = bench_now(), c0 = bench_thread_cpu();
        for (i = 0; i < nq && (i < 8 || bench_now() - start < g_budget); i++) {
            double t0 = bench_now();
            if (phash_index_search(c->ix, c->q + i * V * c->w, 1, &o, c->res) != PHASH_OK) {
                printf("# search failed\n");
                return;
            }
            double dt = bench_now() - t0;
            lat[i] = dt;
            size_t nh;
            phash_index_results_hits(c->res, 0, &nh);
            int g = (int)(i % 2);
            t[g] += dt;
            cnt[g]++;
            hits[g] += nh;
            if (record_truth && V == 1)
                c->truth[i] = nh;
            else if (V == 1 && !o.k && c->truth[i] != (size_t)-1 && c->truth[i] != nh)
                exact = 0;
        }
        double all = (double)(cnt[0] + cnt[1]) / (t[0] + t[1]);
        double cpu = (double)(cnt[0] + cnt[1]) / (bench_thread_cpu() - c0);
        best_cpu = cpu > best_cpu ? cpu : best_cpu;
        if (all > best[0]) {
            best[0] = all;
            best[1] = cnt[0] / t[0];
            best[2] = cnt[1] ? cnt[1] / t[1] : 0;
            results[0] = (double)(hits[0] + hits[1]) / (double)(cnt[0] + cnt[1]);
            results[1] = (double)hits[0] / (double)cnt[0];
            results[2] = cnt[1] ? (double)hits[1] / (double)cnt[1] : 0;
            done_best = cnt[0] + cnt[1];
            memcpy(best_lat, lat, done_best * sizeof *lat);
        }
        if (record_truth)
            break;
    }
    static const char *const group[] = {"all", "hits", "misses"};
    char cpu_s[32];
    for (int g = 0; g < 3 && !quiet; g++)
        printf("index\t%s\tphash\t1\t1\t%s\t%u\t%zu\t%s\t%.1f\t%.2f\t%s\t%s\t%zu\t%s\n",
               method_name(o.method), c->dist, 64 * c->w, c->n, label, best[g], results[g],
               group[g], (o.k || V > 1) ? "-" : (exact ? "yes" : "NO"), done_best,
               g == 0 ? (snprintf(cpu_s, sizeof cpu_s, "%.1f", best_cpu), cpu_s) : "-");
    if (!quiet && done_best) { /* wall-clock latency of the best run */
        qsort(best_lat, done_best, sizeof *best_lat, cmp_double);
        printf("latency\t%s\t%s\t%u\t%zu\t%s\tp50_us=%.1f\tp99_us=%.1f\n", method_name(o.method),
               c->dist, 64 * c->w, c->n, label, best_lat[done_best / 2] * 1e6,
               best_lat[done_best * 99 / 100] * 1e6);
    }
    fflush(stdout);
}

/* All queries in one call with n threads (throughput). */
static void run_batch(ctx *c, const char *label, phash_index_search_opts o)
{
    double best = 0;
    size_t nq = NQ;
    for (int rep = 0; rep < g_reps; rep++) {
        double t0 = bench_now();
        BENCH_OK(phash_index_search(c->ix, c->q, nq, &o, c->res));
        double qps = nq / (bench_now() - t0);
        best = qps > best ? qps : best;
    }
    printf("index\t%s\tphash\t%u\t%zu\t%s\t%u\t%zu\t%s\t%.1f\t-\tall\t-\t%zu\n",
           method_name(o.method), o.threads ? o.threads : 1, nq, c->dist, 64 * c->w, c->n, label,
           best, nq);
}

static void bench_set(const char *dir, unsigned w, size_t n, int dist)
{
    uint64_t *codes, *q;
    if (dist == 2 && g_nreal[w == 4] == 0) {
        printf("# dist=real, %u bits: no such codes in codes=%s\n", 64 * w,
               g_codes_files ? g_codes_files : "(none)");
        return;
    }
    g_nuse = n < g_nreal[w == 4] ? n : g_nreal[w == 4]; /* N <= count: real codes alone */
    if (load_or_make(dir, w, n, dist, &codes, &q) != 0)
        return;
    if (dist == 2)
        printf("# real %u-bit set: %zu real codes from %s, %zu entries\n", 64 * w,
               g_nuse, g_codes_files, n);
    uint64_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = i;
    ctx c = {NULL, w, n, dist_names[dist], q, malloc(NQ * sizeof(size_t)), NULL};
    BENCH_OK(phash_index_results_new(&c.res));
    /* Build. */
    long long rss0 = rss_now();
    double t0 = bench_now();
    phash_index *ix;
    BENCH_OK(phash_index_new(64 * w, &ix));
    BENCH_OK(phash_index_add(ix, codes, ids, n));
    BENCH_OK(phash_index_build(ix));
    double tbuild = bench_now() - t0;
    long long rss1 = rss_now();
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%u-%zu.idx", dir, c.dist, 64 * w, n);
    t0 = bench_now();
    BENCH_OK(phash_index_save(ix, path));
    double tsave = bench_now() - t0;
    phash_index_free(ix);
    struct stat st;
    stat(path, &st);
    /* Open: verifying every checksum (file in the page cache), and trusting. */
    t0 = bench_now();
    const char *detail = NULL;
    if (phash_index_open(path, PHASH_INDEX_OPEN_TRUST, &ix, &detail) != PHASH_OK) {
        printf("# open failed: %s\n", detail);
        return;
    }
    double topen_trust = bench_now() - t0;
    phash_index_free(ix);
    t0 = bench_now();
    BENCH_OK(phash_index_open(path, 0, &ix, &detail));
    double topen = bench_now() - t0;
    printf("build\t%s\t%u\t%zu\tbuild_s=%.2f\tsave_s=%.2f\topen_verify_s=%.3f\topen_trust_s=%.4f\t"
           "file_B_per_entry=%.1f\trss_growth_B_per_entry=%.1f\tcodes_ids_B_per_entry=%u\n",
           c.dist, 64 * w, n, tbuild, tsave, topen, topen_trust, (double)st.st_size / n,
           (double)(rss1 - rss0) / n, 8 * w + 8);
    fflush(stdout);
    c.ix = ix;
    unsigned r = w == 1 ? 10 : 31;
    char label[64];
    /* Truth (result counts) from the scan at the match radius. */
    for (size_t i = 0; i < NQ; i++)
        c.truth[i] = (size_t)-1;
    phash_index_search_opts o = {.radius = r, .method = PHASH_INDEX_SCAN};
    snprintf(label, sizeof label, "r=%u", r);
    run(&c, label, o, 1);
    for (int m = PHASH_INDEX_AUTO; m <= PHASH_INDEX_MIH; m++) {
        o.method = (phash_index_method)m;
        run(&c, label, o, 0);
    }
    /* Other radii: 64-bit r=8 and r=4 (BK-tree path); 256-bit r=8/16. */
    const unsigned extra64[] = {8, 4}, extra256[] = {16, 8};
    for (int e = 0; e < 2; e++) {
        unsigned rr = w == 1 ? extra64[e] : extra256[e];
        snprintf(label, sizeof label, "r=%u", rr);
        for (size_t i = 0; i < NQ; i++)
            c.truth[i] = (size_t)-1;
        phash_index_search_opts oe = {.radius = rr, .method = PHASH_INDEX_MIH};
        run(&c, label, oe, 1);
        oe.method = PHASH_INDEX_BKTREE;
        run(&c, label, oe, 0);
        oe.method = PHASH_INDEX_AUTO;
        run(&c, label, oe, 0);
    }
    /* k-NN: k=10 within the match radius (the matching case), k=1 and k=10
     * unbounded (the scan with a shrinking radius). */
    phash_index_search_opts ok = {.radius = r, .k = 10};
    snprintf(label, sizeof label, "k=10,r<=%u", r);
    run(&c, label, ok, 0);
    ok.radius = 64 * w;
    ok.k = 1;
    run(&c, "k=1", ok, 0);
    ok.k = 10;
    run(&c, "k=10", ok, 0);
    /* Dihedral: 8 codes per image (125 images), each hit once. */
    if (w == 4) {
        phash_index_search_opts od = {.radius = r, .variants = 8};
        snprintf(label, sizeof label, "dihedral8,r=%u(images/s)", r);
        run(&c, label, od, 0);
    }
    /* The other 64-bit layouts: compact (MIH tables without filters) and
     * lean (no BK-tree; table 0 in the entry order). */
    for (int lay = 1; lay <= 2 && w == 1; lay++) {
        const char *lname = lay == 1 ? "compact" : "lean";
        phash_index *cix;
        BENCH_OK(phash_index_new(64, &cix));
        BENCH_OK(phash_index_set_compact(cix, lay));
        rss0 = rss_now();
        t0 = bench_now();
        BENCH_OK(phash_index_add(cix, codes, ids, n));
        BENCH_OK(phash_index_build(cix));
        tbuild = bench_now() - t0;
        rss1 = rss_now();
        snprintf(path, sizeof path, "%s/%s-%u-%zu-%s.idx", dir, c.dist, 64 * w, n, lname);
        BENCH_OK(phash_index_save(cix, path));
        stat(path, &st);
        unlink(path);
        printf("build\t%s\t%u\t%zu\t%s\tbuild_s=%.2f\tfile_B_per_entry=%.1f\t"
               "rss_growth_B_per_entry=%.1f\n",
               c.dist, 64 * w, n, lname, tbuild, (double)st.st_size / n,
               (double)(rss1 - rss0) / n);
        ctx cc = c;
        cc.ix = cix;
        for (unsigned rr = 10; rr >= 8; rr -= 2) {
            for (size_t i = 0; i < NQ; i++)
                c.truth[i] = (size_t)-1;
            phash_index_search_opts oc = {.radius = rr, .method = PHASH_INDEX_MIH};
            run(&c, "reference", oc, 2); /* counts from the default layout, not printed */
            snprintf(label, sizeof label, "r=%u,%s", rr, lname);
            run(&cc, label, oc, 0);
            if (lay == 2) { /* the planner's choice too (MIH) */
                oc.method = PHASH_INDEX_AUTO;
                snprintf(label, sizeof label, "r=%u,%s", rr, lname);
                run(&cc, label, oc, 0);
            }
        }
        phash_index_free(cix);
    }
    /* Batch: all queries in one call, 1 and 2 threads. */
    phash_index_search_opts ob = {.radius = r};
    snprintf(label, sizeof label, "r=%u", r);
    run_batch(&c, label, ob);
    ob.threads = 2;
    run_batch(&c, label, ob);
    /* The batched scan: 256 KiB blocks of codes against all queries. */
    ob.method = PHASH_INDEX_SCAN;
    ob.threads = 1;
    run_batch(&c, label, ob);
    ob.threads = 2;
    run_batch(&c, label, ob);
    phash_index_free(ix);
    phash_index_results_free(c.res);
    free(c.truth);
    free(codes);
    free(q);
    free(ids);
}

static size_t parse_list(const char *s, size_t *out, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        out[n++] = strtoull(s, (char **)&s, 10);
        if (*s == ',')
            s++;
        else
            break;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA_DIR [bits=64,256] [n=...] [dist=uniform,clustered,real] "
                        "[codes=FILE[,FILE]] [budget=S] [reps=N]\n", argv[0]);
        return 2;
    }
    size_t bits[2] = {64, 256}, nb = 2, ns[8] = {100000, 1000000, 10000000}, nn = 3;
    int dists[3] = {0, 1, 2}, nd = 2;
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "bits=", 5) == 0)
            nb = parse_list(argv[i] + 5, bits, 2);
        else if (strncmp(argv[i], "n=", 2) == 0)
            nn = parse_list(argv[i] + 2, ns, 8);
        else if (strncmp(argv[i], "dist=", 5) == 0) {
            nd = 0;
            if (strstr(argv[i], "uniform"))
                dists[nd++] = 0;
            if (strstr(argv[i], "clustered"))
                dists[nd++] = 1;
            if (strstr(argv[i], "real"))
                dists[nd++] = 2;
        } else if (strncmp(argv[i], "codes=", 6) == 0)
            g_codes_files = argv[i] + 6; else if (strncmp(argv[i], "budget=", 7) == 0)
            g_budget = atof(argv[i] + 7);
        else if (strncmp(argv[i], "reps=", 5) == 0)
            g_reps = atoi(argv[i] + 5);
    }
    if (read_real_codes() != 0)
        return 1;
    mkdir(argv[1], 0755);
    bench_print_machine("index");
    phash_index *probe;
    BENCH_OK(phash_index_new(64, &probe));
    printf("# kernel: %s (PHASH_KERNEL overrides); one query per call unless batch > 1; "
           "best of %d runs of <= %.1f s each\n",
           phash_kernel_name(phash_index_kernel(probe)), g_reps, g_budget);
    phash_index_free(probe);
    double la[3];
    if (getloadavg(la, 3) == 3)
        printf("# load average at start: %.2f %.2f %.2f (2 cores shared with other work)\n", la[0], la[1], la[2]);
    printf("bench\tmethod\timpl\tthreads\tbatch\tdist\td\tN\tparam\tqps\tavg_results\tgroup\texact\tqueries\tqps_cpu\n");
    for (size_t b = 0; b < nb; b++)
        for (int d = 0; d < nd; d++)
            for (size_t i = 0; i < nn; i++)
                bench_set(argv[1], (unsigned)bits[b] / 64, ns[i], dists[d]);
    if (getloadavg(la, 3) == 3)
        printf("# load average at end: %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    return 0;
}
