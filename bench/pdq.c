/* SPDX-License-Identifier: MIT */
/*
 * bench/pdq: PDQ speed on real photos, per set of images.
 *
 *   pdq [-n REPEAT] SET...      (SET = a directory of images, or one file)
 *
 * For each set it prints:
 * - per-stage milliseconds per image (best of REPEAT per image, 1 thread):
 *   decode (libjpeg-turbo/libpng/libwebp through phash_decode_file, reused
 *   decoder), luma, box filter along rows, along columns, DCT (+ quality),
 *   threshold, dihedral; and the hash stage over the decode time;
 * - end-to-end images/s (file -> hash, full mode; with --dihedral; fast
 *   mode) with 1 and 2 threads (one hasher and decoder per thread), best of
 *   REPEAT runs over the whole set;
 * - the reference C++ CLI (pdq-photo-hasher, built outside this repository)
 *   on the same files in the same run when PHASH_BENCH_PDQ_CLI gives its
 *   path, best of REPEAT, and the ratio.
 * The machine is shared: figures are best-of-N; compare ratios within a run.
 */
#include <dirent.h>
#include <fcntl.h>
#include <strings.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "benchutil.h"
#include "pdq_internal.h"

extern char **environ;

typedef struct set {
    const char *name;
    char **files;
    int n;
    double mpix;
} set;

static int is_image_name(const char *n)
{
    const char *dot = strrchr(n, '.');
    return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") ||
                   !strcasecmp(dot, ".png") || !strcasecmp(dot, ".webp"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_set(set *s, const char *path)
{
    struct stat st;
    s->name = path;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!is_image_name(e->d_name))
                continue;
            s->files = realloc(s->files, sizeof(char *) * (size_t)(s->n + 1));
            size_t len = strlen(path) + strlen(e->d_name) + 2;
            s->files[s->n] = malloc(len);
            snprintf(s->files[s->n++], len, "%s/%s", path, e->d_name);
        }
        if (d)
            closedir(d);
        qsort(s->files, (size_t)s->n, sizeof(char *), cmp_str);
    } else {
        s->files = malloc(sizeof(char *));
        s->files[0] = strdup(path);
        s->n = 1;
    }
}

/* ---- per-stage timing -------------------------------------------------- */

typedef struct stages {
    double decode, luma, rows, cols, dct, threshold, dihedral;
} stages;

static double ns_ms(uint64_t ns) { return (double)ns * 1e-6; }

/* Best of repeat for one image, each stage separately (ms). */
static int time_stages(const char *file, int repeat, phash_decoder *dec, phash_pdq_hasher *h,
                       stages *best, uint32_t *w, uint32_t *hh)
{
    ph_pdq_prof *prof = ph_pdq_hasher_prof(h);
    for (int r = 0; r < repeat; r++) {
        const phash_image *img;
        double t0 = bench_now();
        if (phash_decode_file(dec, file, &img) != PHASH_OK)
            return -1;
        double dt = (bench_now() - t0) * 1e3;
        memset(prof, 0, sizeof *prof);
        prof->enabled = 1;
        phash_pdq_result res;
        if (phash_pdq_hash_image(h, img, PHASH_PDQ_WANT_DIHEDRAL, &res) != PHASH_OK)
            return -1;
        *w = res.width;
        *hh = res.height;
        stages s = {dt,
                    ns_ms(prof->luma_ns),
                    ns_ms(prof->blur_rows_ns),
                    ns_ms(prof->blur_cols_ns),
                    ns_ms(prof->dct_ns),
                    ns_ms(prof->threshold_ns),
                    ns_ms(prof->dihedral_ns)};
        if (r == 0) {
            *best = s;
            continue;
        }
#define MIN_INTO(f) best->f = s.f < best->f ? s.f : best->f
        MIN_INTO(decode);
        MIN_INTO(luma);
        MIN_INTO(rows);
        MIN_INTO(cols);
        MIN_INTO(dct);
        MIN_INTO(threshold);
        MIN_INTO(dihedral);
#undef MIN_INTO
    }
    return 0;
}

static void report_stages(set *s, int repeat)
{
    phash_decoder *dec = phash_decoder_new();
    phash_pdq_hasher *h = phash_pdq_hasher_new();
    stages sum = {0};
    double worst_ratio = 0;
    s->mpix = 0;
    printf("  per image, best of %d (ms): decode | luma rows cols | dct thr dih | hash/decode\n",
           repeat);
    for (int i = 0; i < s->n; i++) {
        stages b;
        uint32_t w = 0, hh = 0;
        if (time_stages(s->files[i], repeat, dec, h, &b, &w, &hh) != 0) {
            printf("    %s: cannot decode/hash, skipped\n", s->files[i]);
            continue;
        }
        double hash = b.luma + b.rows + b.cols + b.dct + b.threshold + b.dihedral;
        double ratio = hash / b.decode;
        worst_ratio = ratio > worst_ratio ? ratio : worst_ratio;
        printf("    %-40.40s %5ux%-5u %7.2f | %6.2f %6.2f %6.2f | %5.3f %5.3f %5.3f | %.2f\n",
               strrchr(s->files[i], '/') ? strrchr(s->files[i], '/') + 1 : s->files[i], w, hh,
               b.decode, b.luma, b.rows, b.cols, b.dct, b.threshold, b.dihedral, ratio);
        sum.decode += b.decode;
        sum.luma += b.luma;
        sum.rows += b.rows;
        sum.cols += b.cols;
        sum.dct += b.dct;
        sum.threshold += b.threshold;
        sum.dihedral += b.dihedral;
        s->mpix += (double)w * hh * 1e-6;
    }
    double n = s->n;
    double hash = sum.luma + sum.rows + sum.cols + sum.dct + sum.threshold + sum.dihedral;
    printf("  mean: decode %.2f ms, hash stage %.2f ms (luma %.2f, rows %.2f, cols %.2f, "
           "dct %.3f, threshold %.3f, dihedral %.3f); hash/decode %.2f (worst image %.2f)\n",
           sum.decode / n, hash / n, sum.luma / n, sum.rows / n, sum.cols / n, sum.dct / n,
           sum.threshold / n, sum.dihedral / n, hash / sum.decode, worst_ratio);
    phash_pdq_hasher_free(h);
    phash_decoder_free(dec);
}

/* ---- end to end, 1..2 threads ------------------------------------------ */

typedef struct e2e {
    set *s;
    unsigned flags;
    uint32_t fast;
    atomic_int next;
    atomic_int failed;
} e2e;

static void *e2e_worker(void *arg)
{
    e2e *job = arg;
    phash_decoder *dec = phash_decoder_new();
    phash_pdq_hasher *h = phash_pdq_hasher_new();
    phash_pdq_hasher_set_fast(h, job->fast);
    int i;
    while ((i = atomic_fetch_add(&job->next, 1)) < job->s->n) {
        phash_pdq_result r;
        if (phash_pdq_hash_file(h, dec, job->s->files[i], job->flags, &r) != PHASH_OK)
            atomic_fetch_add(&job->failed, 1);
    }
    phash_pdq_hasher_free(h);
    phash_decoder_free(dec);
    return NULL;
}

/* Images per second, best of repeat runs over the set. */
static double e2e_rate(set *s, int threads, unsigned flags, uint32_t fast, int repeat)
{
    double best = 1e30;
    for (int r = 0; r < repeat; r++) {
        e2e job = {s, flags, fast, 0, 0};
        pthread_t t[2];
        double t0 = bench_now();
        for (int k = 0; k < threads; k++)
            pthread_create(&t[k], NULL, e2e_worker, &job);
        for (int k = 0; k < threads; k++)
            pthread_join(t[k], NULL);
        double dt = bench_now() - t0;
        if (job.failed)
            return 0;
        best = dt < best ? dt : best;
    }
    return s->n / best;
}

/* The reference CLI over the whole set (one process, all files). */
static double cli_rate(const char *cli, set *s, int dihedral, int repeat)
{
    double best = 1e30;
    char **argv = calloc((size_t)s->n + 3, sizeof(char *));
    int a = 0;
    argv[a++] = (char *)cli;
    if (dihedral)
        argv[a++] = "--pdqdih-across";
    for (int i = 0; i < s->n; i++)
        argv[a++] = s->files[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    for (int r = 0; r < repeat; r++) {
        pid_t pid;
        int status;
        double t0 = bench_now();
        if (posix_spawn(&pid, cli, &fa, NULL, argv, environ) != 0 ||
            waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            best = 0;
            break;
        }
        double dt = bench_now() - t0;
        best = dt < best ? dt : best;
    }
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    return best > 0 ? s->n / best : 0;
}

int main(int argc, char **argv)
{
    int repeat = 3, first = 1;
    if (argc > 2 && !strcmp(argv[1], "-n")) {
        repeat = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || repeat < 1) {
        fprintf(stderr, "usage: pdq [-n REPEAT] SET...  (SET: directory of images or a file)\n");
        return 2;
    }
    bench_print_machine("pdq");
    const char *kernel = NULL;
    ph_pdq_kernel_best(&kernel);
    const char *cli = getenv("PHASH_BENCH_PDQ_CLI");
    printf("# pdq blur kernel: %s; best of %d; reference CLI: %s\n", kernel, repeat,
           cli ? cli : "(set PHASH_BENCH_PDQ_CLI to compare)");
    for (int i = first; i < argc; i++) {
        set s = {0};
        load_set(&s, argv[i]);
        if (s.n == 0)
            continue;
        printf("\n## set %s: %d images\n", s.name, s.n);
        report_stages(&s, repeat);
        printf("  %.1f Mpixel per image on average\n", s.mpix / s.n);
        printf("  end to end (file -> hash), images/s:\n");
        double plain1 = e2e_rate(&s, 1, 0, 0, repeat), plain2 = e2e_rate(&s, 2, 0, 0, repeat);
        double dih1 = e2e_rate(&s, 1, PHASH_PDQ_WANT_DIHEDRAL, 0, repeat);
        double dih2 = e2e_rate(&s, 2, PHASH_PDQ_WANT_DIHEDRAL, 0, repeat);
        double fast1 = e2e_rate(&s, 1, 0, 512, repeat), fast2 = e2e_rate(&s, 2, 0, 512, repeat);
        printf("    phash full           1 thread %8.2f   2 threads %8.2f\n", plain1, plain2);
        printf("    phash full dihedral  1 thread %8.2f   2 threads %8.2f\n", dih1, dih2);
        printf("    phash fast (512)     1 thread %8.2f   2 threads %8.2f   (x%.2f over full)\n",
               fast1, fast2, fast1 / plain1);
        if (cli) {
            double c = cli_rate(cli, &s, 0, repeat), cd = cli_rate(cli, &s, 1, repeat);
            printf("    reference C++ CLI    1 process %7.2f   --pdqdih-across %7.2f\n", c, cd);
            if (c > 0 && cd > 0)
                printf("    ratio phash/reference, 1 thread: plain x%.1f, dihedral x%.1f; "
                       "2 threads: x%.1f, x%.1f\n",
                       plain1 / c, dih1 / cd, plain2 / c, dih2 / cd);
        }
        for (int k = 0; k < s.n; k++)
            free(s.files[k]);
        free(s.files);
    }
    return 0;
}
