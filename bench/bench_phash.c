/* SPDX-License-Identifier: MIT */
/*
 * bench/phash: pHash 64-bit and dctN speed on real image files.
 *
 *   phash [-r REPEATS] FILE|DIR...
 *
 * For each file (read into memory first): decode and pHash stage times,
 * best of REPEATS (default 3). When PHASH_AETILIUS_LIB names a built
 * aetilius libpHash.so, its ph_dct_imagehash(path) runs on the same files
 * in the same process (best of REPEATS), its hashes are compared with ours
 * and the speed ratio is printed. The library is loaded with dlopen at run
 * time: no aetilius code is part of phash.
 *
 * Then the dctN family: per size, both DCT backends on the same decoded
 * images (whole hash stage), and the DCT alone (an N x N input, where the
 * reduction is a copy), which decides the per-size default.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdint.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "hash/dctn.h" /* ph_dctn_transform: each DCT backend alone */
#include "phash/phash.h"

typedef int (*aetilius_fn)(const char *file, unsigned long long *hash);

typedef struct file_item {
    char *path;
    unsigned char *data;
    size_t len;
} file_item;

static file_item *g_files;
static size_t g_nfiles, g_cap;

static void add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(len > 0 ? (size_t)len : 1);
    if (len <= 0 || fread(data, 1, (size_t)len, f) != (size_t)len) {
        free(data);
        fclose(f);
        return;
    }
    fclose(f);
    if (g_nfiles == g_cap) {
        g_cap = g_cap ? 2 * g_cap : 64;
        g_files = realloc(g_files, g_cap * sizeof *g_files);
    }
    g_files[g_nfiles].path = strdup(path);
    g_files[g_nfiles].data = data;
    g_files[g_nfiles].len = (size_t)len;
    g_nfiles++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of a directory (not recursive), in name order. */
static void add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        add_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
        sprintf(names[n], "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        stat(names[i], &st);
        if (S_ISREG(st.st_mode))
            add_file(names[i]);
        free(names[i]);
    }
    free(names);
}

/* Timings are CPU time of this thread (bench_thread_cpu): every stage here
 * is single-threaded (on an idle machine CPU and wall time agree). */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

typedef struct stage_times {
    double decode, hash, file, aetilius; /* seconds, best of repeats */
} stage_times;

static double min_d(double a, double b) { return a < b ? a : b; }

/* pHash 64 on every file: per-file line and totals. */
static void bench_phash64(int repeats, aetilius_fn aetilius)
{
    phash_decoder *dec = NULL;
    BENCH_OK(phash_decoder_new(&dec));
    BENCH_OK(phash_decoder_set_option(dec, PHASH_DECODE_CMYK_MODE, PHASH_CMYK_RAW3));
    phash_dct_hasher *h = NULL;
    BENCH_OK(phash_dct_hasher_new(&h));
    double t_dec = 0, t_hash = 0, t_file = 0, t_ae = 0, pixels = 0;
    size_t ok = 0, same = 0, compared = 0;
    printf("\n## pHash 64-bit (layout 1.0), best of %d, ms. decode + hash: full decode"
           " (phash_decode_memory) then phash_dct_hash_image; file: phash_dct_hash_file"
           " (reads the file; JPEG rows the hash does not read are skipped); ratio ="
           " aetilius / file\n", repeats);
    printf("%-34s %11s %9s %9s %9s %11s %7s %s\n", "file", "size", "decode", "hash", "file",
           "aetilius", "ratio", "hash");
    for (size_t i = 0; i < g_nfiles; i++) {
        stage_times best = {1e9, 1e9, 1e9, 1e9};
        phash_dct_result r = {0};
        uint32_t w = 0, hh = 0;
        int failed = 0;
        for (int k = 0; k < repeats && !failed; k++) {
            const phash_image *img;
            double t0 = bench_thread_cpu();
            if (phash_decode_memory(dec, g_files[i].data, g_files[i].len, &img) != PHASH_OK) {
                failed = 1;
                break;
            }
            double t1 = bench_thread_cpu();
            if (phash_dct_hash_image(h, img, &r) != PHASH_OK)
                failed = 1;
            double t2 = bench_thread_cpu();
            phash_dct_result rf;
            if (phash_dct_hash_file(h, g_files[i].path, &rf) != PHASH_OK || rf.hash != r.hash)
                failed = 1;
            double t3 = bench_thread_cpu();
            best.decode = min_d(best.decode, t1 - t0);
            best.hash = min_d(best.hash, t2 - t1);
            best.file = min_d(best.file, t3 - t2);
            w = phash_image_width(img);
            hh = phash_image_height(img);
        }
        if (failed) {
            printf("%-34s failed (decode: %s; or file path differs)\n", base_name(g_files[i].path),
                   phash_decoder_last_error(dec));
            continue;
        }
        unsigned long long ae_hash = 0;
        int ae_ok = 0;
        if (aetilius)
            for (int k = 0; k < repeats; k++) {
                double t0 = bench_thread_cpu();
                ae_ok = aetilius(g_files[i].path, &ae_hash) == 0;
                best.aetilius = min_d(best.aetilius, bench_thread_cpu() - t0);
            }
        ok++;
        pixels += (double)w * hh;
        t_dec += best.decode;
        t_hash += best.hash;
        t_file += best.file;
        char ae_col[32] = "-", ratio[16] = "-";
        if (aetilius && ae_ok) {
            t_ae += best.aetilius;
            compared++;
            same += ae_hash == r.hash;
            snprintf(ae_col, sizeof ae_col, "%.2f", best.aetilius * 1e3);
            snprintf(ratio, sizeof ratio, "%.1fx", best.aetilius / best.file);
        }
        char size[24];
        snprintf(size, sizeof size, "%ux%u", w, hh);
        printf("%-34.34s %11s %9.2f %9.3f %9.2f %11s %7s %016llx%s\n", base_name(g_files[i].path),
               size, best.decode * 1e3, best.hash * 1e3, best.file * 1e3, ae_col,
               ratio, (unsigned long long)r.hash,
               aetilius && ae_ok && ae_hash != r.hash ? " (aetilius differs)" : "");
    }
    printf("\n# phash: %zu images, %.1f Mpixel: decode %.2f ms/img, hash %.3f ms/img, "
           "%.1f images/s (decode + hash); file->hash %.2f ms/img, %.1f images/s\n",
           ok, pixels / 1e6, t_dec * 1e3 / (double)ok, t_hash * 1e3 / (double)ok,
           (double)ok / (t_dec + t_hash), t_file * 1e3 / (double)ok, (double)ok / t_file);
    if (compared)
        printf("# aetilius ph_dct_imagehash: %zu images, %.2f ms/img, %.1f images/s; "
               "same hash %zu/%zu; speed ratio aetilius/phash = %.1fx (file->hash), "
               "%.1fx (full decode + hash)\n",
               compared, t_ae * 1e3 / (double)compared, (double)compared / t_ae, same, compared,
               t_ae / t_file, t_ae / (t_dec + t_hash));
    phash_dct_hasher_free(h);
    phash_decoder_free(dec);
}

static const char *backend_name(phash_dctn_backend b)
{
    return b == PHASH_DCTN_FFTW ? "fftw" : "matrix";
}

/* The DCT alone (ph_dctn_transform on a fixed N x N grid), minus the copy
 * of the grid into the hasher that it includes. */
static double dct_only_us(unsigned s, phash_dctn_backend b, int iters)
{
    unsigned n = 4 * s;
    double *grid = malloc((size_t)n * n * sizeof *grid);
    double *copy = malloc((size_t)n * n * sizeof *copy);
    for (unsigned i = 0; i < n * n; i++)
        grid[i] = (double)((i * 2654435761u) >> 24);
    phash_dctn_hasher *h = NULL;
    BENCH_OK(phash_dctn_hasher_new(s, &h));
    double best = 1e9, best_copy = 1e9;
    for (int rep = 0; rep < 7; rep++) {
        double t0 = bench_thread_cpu();
        for (int i = 0; i < iters; i++)
            if (ph_dctn_transform(h, b, grid) != PHASH_OK)
                return -1;
        double t1 = bench_thread_cpu();
        for (int i = 0; i < iters; i++) {
            memcpy(copy, grid, (size_t)n * n * sizeof *copy);
            __asm__ volatile("" : : "r"(copy) : "memory");
        }
        double t2 = bench_thread_cpu();
        best = min_d(best, (t1 - t0) / iters);
        best_copy = min_d(best_copy, (t2 - t1) / iters);
    }
    phash_dctn_hasher_free(h);
    free(grid);
    free(copy);
    return (best - best_copy) * 1e6;
}

static void bench_dctn(int repeats)
{
    static const unsigned sizes[3] = {8, 16, 32};
    static const phash_dctn_backend backends[2] = {PHASH_DCTN_MATRIX, PHASH_DCTN_FFTW};
    printf("\n## dctN (version %d): hash stage per image on the decoded files (ms, best of %d),"
           " and the DCT alone on an N x N grid (us, best of 7 x 2000)\n",
           PHASH_DCTN_VERSION, repeats);
    printf("%-8s %-7s %14s %12s %8s\n", "algo", "backend", "hash ms/img", "dct-only us", "default");
    phash_decoder *dec = NULL;
    BENCH_OK(phash_decoder_new(&dec));
    for (int k = 0; k < 3; k++) {
        for (int b = 0; b < 2; b++) {
            phash_dctn_hasher *h = NULL;
            BENCH_OK(phash_dctn_hasher_new(sizes[k], &h));
            BENCH_OK(phash_dctn_hasher_set_backend(h, backends[b]));
            double total = 0;
            size_t n = 0;
            for (size_t i = 0; i < g_nfiles; i++) {
                const phash_image *img;
                if (phash_decode_memory(dec, g_files[i].data, g_files[i].len, &img) != PHASH_OK)
                    continue;
                double best = 1e9;
                phash_dctn_result r;
                for (int rep = 0; rep < repeats; rep++) {
                    double t0 = bench_thread_cpu();
                    if (phash_dctn_hash_image(h, img, &r) != PHASH_OK)
                        break;
                    best = min_d(best, bench_thread_cpu() - t0);
                }
                total += best;
                n++;
            }
            phash_dctn_hasher_free(h);
            printf("dct%-5u %-7s %14.3f %12.2f %8s\n", sizes[k] * sizes[k],
                   backend_name(backends[b]), n ? total * 1e3 / (double)n : 0.0,
                   dct_only_us(sizes[k], backends[b], 2000),
                   phash_dctn_default_backend(sizes[k]) == backends[b] ? "yes" : "");
        }
    }
    phash_decoder_free(dec);
}

int main(int argc, char **argv)
{
    int repeats = 3, first = 1;
    if (argc > 2 && !strcmp(argv[1], "-r")) {
        repeats = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || repeats < 1) {
        fprintf(stderr, "usage: bench/phash [-r REPEATS] FILE|DIR...\n"
                        "env PHASH_AETILIUS_LIB=/path/libpHash.so adds aetilius side by side\n");
        return 2;
    }
    bench_print_machine("bench/phash");
    for (int i = first; i < argc; i++)
        add_path(argv[i]);
    aetilius_fn aetilius = NULL;
    const char *lib = getenv("PHASH_AETILIUS_LIB");
    if (lib && *lib) {
        void *so = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        if (so)
            aetilius = (aetilius_fn)(uintptr_t)dlsym(so, "ph_dct_imagehash");
        printf("# aetilius: %s (%s)\n", lib, aetilius ? "loaded" : dlerror());
    } else {
        printf("# aetilius: not run (set PHASH_AETILIUS_LIB to a built libpHash.so)\n");
    }
    printf("# files: %zu, single thread, page cache warm (files read into memory first);"
           " times are thread CPU time, best of N\n",
           g_nfiles);
    bench_phash64(repeats, aetilius);
    bench_dctn(repeats);
    printf("\n# peak RSS %.1f MB\n", (double)bench_peak_rss() / 1e6);
    for (size_t i = 0; i < g_nfiles; i++) {
        free(g_files[i].path);
        free(g_files[i].data);
    }
    free(g_files);
    return 0;
}
