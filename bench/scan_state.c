/* SPDX-License-Identifier: MIT */
/* The persistent scan state (include/phash/state.h):
 *   1. a tree of about 1,000 images (copies of sample/'s 56 images): a scan
 *      without state (the peer), a first scan into a new state, and a
 *      rescan of the unchanged tree (counted: images decoded must be 0),
 *      CPU seconds of each (getrusage, all threads);
 *   2. rematch: a state of N stored files (synthetic PDQ hashes, default
 *      1,000,000) matched against a new set of M random PDQ signatures plus
 *      K that are near stored hashes (8 bits away); beside it the floor: reading
 *      every stored file from the database with no matching.
 * Usage: scan_state [N [M [COPIES]]]  (PHASH_SOURCE_ROOT: the source tree;
 * works in $TMPDIR or /tmp). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "phash/phash.h"
#include "scan/scan_int.h"
#include "state/state_int.h"


static void die(const char *what)
{
    fprintf(stderr, "scan_state: %s\n", what);
    exit(2);
}

static int count_matches(void *ctx, const phash_scan_report *r)
{
    *(uint64_t *)ctx += r->n_matches;
    return 0;
}

static phash_matcher *matcher_of(const char *list)
{
    phash_sigset *set = NULL;
    phash_sigset_report rep;
    phash_matcher *m = NULL;
    if (phash_sigset_new(&set) != PHASH_OK || phash_matcher_new(&m) != PHASH_OK ||
        phash_sigset_load_file(set, list, &rep) != PHASH_OK ||
        phash_matcher_use(m, set) != PHASH_OK)
        die("cannot load the set");
    return m;
}

/* ---- 1. the tree ---- */

static void tree_scan(const char *label, const char *tree, const char *state_path,
                      const phash_matcher *m)
{
    phash_state *st = NULL;
    if (state_path && (phash_state_new(&st) != PHASH_OK || phash_state_open(st, state_path) != PHASH_OK))
        die(st ? phash_state_last_error(st) : "state");
    phash_scanner *s;
    if (phash_scanner_new(&s) != PHASH_OK || phash_scanner_set_matcher(s, m) != PHASH_OK ||
        phash_scanner_set_state(s, st) != PHASH_OK)
        die("scanner");
    uint64_t matches = 0;
    const char *paths[] = {tree};
    double t0 = bench_now(), c0 = bench_process_cpu();
    if (phash_scanner_scan_paths(s, paths, 1, count_matches, &matches) != PHASH_OK)
        die("scan");
    double wall = bench_now() - t0, cpu = bench_process_cpu() - c0;
    printf("%-24s %6.2f s wall %6.2f CPU s | files %llu, decoded %llu, from state %llu, "
           "opened %llu, read %.1f MB, matches reported %llu (known %llu)\n",
           label, wall, cpu, (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_FILES),
           (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_MEDIA),
           (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_CACHED),
           (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_FILES_OPENED),
           (double)phash_scanner_counter(s, PHASH_SCAN_BYTES_READ) / 1e6,
           (unsigned long long)matches,
           (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_KNOWN_MATCHES));
    phash_scanner_free(s);
    phash_state_free(st);
}

static void bench_tree(const char *work, int copies)
{
    const char *src = getenv("PHASH_SOURCE_ROOT");
    char cmd[16384], tree[4096], state[4096], sigs[4096];
    snprintf(tree, sizeof tree, "%.1000s/tree", work);
    snprintf(state, sizeof state, "%.1000s/tree.state", work);
    snprintf(sigs, sizeof sigs, "%.1000s/sample/signatures.csv", src ? src : ".");
    for (int c = 0; c < copies; c++) {
        snprintf(cmd, sizeof cmd, "mkdir -p '%s/c%02d' && cp -r '%s/sample/originals' '%s/sample/variants' '%s/c%02d/'",
                 tree, c, src ? src : ".", src ? src : ".", tree, c);
        if (system(cmd))
            die("cannot copy sample/");
    }
    phash_matcher *m = matcher_of(sigs);
    printf("\n## tree: %d copies of sample/originals and sample/variants = %d images, "
           "set sample/signatures.csv (pdq+phash), 1 thread\n", copies, copies * 56);
    tree_scan("scan, no state (peer)", tree, NULL, m);
    tree_scan("first scan, new state", tree, state, m);
    tree_scan("rescan, unchanged", tree, state, m);
    struct stat sb;
    if (stat(state, &sb) == 0)
        printf("state file: %.1f kB (%.0f B per file)\n", (double)sb.st_size / 1e3,
               (double)sb.st_size / (copies * 56));
    phash_matcher_free(m);
}

/* ---- 2. rematch ---- */

static void random_code(uint64_t *seed, phash_pdq_code *c)
{
    for (int i = 0; i < 32; i += 8) {
        uint64_t v = bench_splitmix64(seed);
        memcpy(c->bytes + i, &v, 8);
    }
}

static int count_rows(void *ctx, const char *path, const ph_state_file *f)
{
    (void)path;
    (void)f;
    ++*(uint64_t *)ctx;
    return 0;
}

static void bench_rematch(const char *work, long n_files, long n_sigs)
{
    char state[4096], list[4096];
    snprintf(state, sizeof state, "%.1000s/rematch.state", work);
    snprintf(list, sizeof list, "%.1000s/new-list.txt", work);
    remove(state);
    phash_state *st = NULL;
    phash_scanner *s;
    if (phash_state_new(&st) != PHASH_OK || phash_state_open(st, state) != PHASH_OK ||
        phash_scanner_new(&s) != PHASH_OK || phash_scanner_set_algorithms(s, "pdq") != PHASH_OK ||
        phash_scanner_set_state(s, st) != PHASH_OK)
        die("state");
    ph_scan_resolve_algos(s);
    if (ph_scan_cache_begin(s))
        die("config");
    /* N stored files, as the scanner stores them (blob format 1: one view,
     * algorithm 0, quality 100, one variant, 64 hex digits). */
    FILE *lf = fopen(list, "w");
    uint64_t seed = 15, sig_seed = 16;
    long near = 0;
    double t0 = bench_now();
    if (!lf || ph_state_batch_begin(st))
        die("store");
    for (long i = 0; i < n_files; i++) {
        phash_pdq_code c;
        random_code(&seed, &c);
        uint8_t blob[2 + 4 + 2 + 64] = {1, 1, 0, 0, 100, 1, 64, 0};
        char hex[65];
        phash_pdq_to_hex(&c, hex);
        memcpy(blob + 8, hex, 64);
        char path[64];
        snprintf(path, sizeof path, "/home/user/pictures/%07ld.jpg", i);
        ph_state_file f = {.dev = 2049, .ino = (uint64_t)i + 1000, .size = 100000 + (uint64_t)i,
                           .mtime_ns = 1700000000000000000LL + i, .ctime_ns = 1700000000000000000LL + i,
                           .config = s->state_config, .kind = PHASH_MEDIA_IMAGE,
                           .format = PHASH_FORMAT_JPEG, .width = 1024, .height = 768,
                           .channels = 3, .orientation = 1, .detail = "", .hashes = blob,
                           .hashes_len = sizeof blob};
        memcpy(f.check, &c, sizeof f.check);
        if (ph_state_store(st, path, &f, NULL, 0, f.size, f.mtime_ns))
            die(phash_state_last_error(st));
        /* every 1000th stored hash goes into the new list, 8 bits away */
        if (i % 1000 == 7 && near < n_sigs) {
            for (int k = 0; k < 8; k++)
                c.bytes[(k * 5 + 3) % 32] ^= (uint8_t)(1u << k);
            phash_pdq_to_hex(&c, hex);
            fprintf(lf, "%s\n", hex);
            near++;
        }
        if (i % 100000 == 99999 && (ph_state_batch_end(st) || ph_state_batch_begin(st)))
            die("commit");
    }
    if (ph_state_batch_end(st))
        die("commit");
    for (long j = near; j < n_sigs; j++) {
        phash_pdq_code c;
        char hex[65];
        random_code(&sig_seed, &c);
        phash_pdq_to_hex(&c, hex);
        fprintf(lf, "%s\n", hex);
    }
    fclose(lf);
    double fill = bench_now() - t0;
    struct stat sb;
    stat(state, &sb);
    printf("\n## rematch: %ld stored files (random PDQ), new list of %ld PDQ signatures "
           "(%ld of them 8 bits from a stored hash), radius 31, 1 thread\n",
           n_files, n_sigs, near);
    printf("state filled in %.1f s: %.1f MB (%.0f B per file)\n", fill, (double)sb.st_size / 1e6,
           (double)sb.st_size / (double)n_files);
    phash_matcher *m = matcher_of(list);
    if (phash_scanner_set_matcher(s, m) != PHASH_OK)
        die("matcher");
    uint64_t rows = 0;
    double w0 = bench_now(), c0 = bench_process_cpu();
    if (ph_state_files_each(st, s->state_config, count_rows, &rows) < 0)
        die("read");
    printf("%-28s %6.2f s wall %6.2f CPU s | %llu rows\n", "read every row (floor)",
           bench_now() - w0, bench_process_cpu() - c0, (unsigned long long)rows);
    for (int run = 0; run < 2; run++) {
        uint64_t matches = 0;
        phash_scanner_reset_counters(s);
        w0 = bench_now();
        c0 = bench_process_cpu();
        if (phash_scanner_rematch(s, count_matches, &matches) != PHASH_OK)
            die(phash_scanner_last_error(s));
        printf("%-28s %6.2f s wall %6.2f CPU s | files %llu, opened %llu, new matches %llu, "
               "known %llu\n", run ? "rematch again (all known)" : "rematch",
               bench_now() - w0, bench_process_cpu() - c0,
               (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_CACHED),
               (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_FILES_OPENED),
               (unsigned long long)matches,
               (unsigned long long)phash_scanner_counter(s, PHASH_SCAN_KNOWN_MATCHES));
    }
    phash_scanner_free(s);
    phash_matcher_free(m);
    phash_state_free(st);
    remove(state);
    remove(list);
}

int main(int argc, char **argv)
{
    long n_files = argc > 1 ? atol(argv[1]) : 1000000;
    long n_sigs = argc > 2 ? atol(argv[2]) : 100000;
    int copies = argc > 3 ? atoi(argv[3]) : 18;
    const char *tmp = getenv("TMPDIR");
    char work[4096];
    snprintf(work, sizeof work, "%s/phash-bench-state-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(work))
        die("mkdtemp");
    bench_print_machine("scan_state");
    double load[3];
    if (getloadavg(load, 3) == 3)
        printf("# load average: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    if (copies > 0)
        bench_tree(work, copies);
    if (n_files > 0)
        bench_rematch(work, n_files, n_sigs);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) ? 1 : 0;
}
