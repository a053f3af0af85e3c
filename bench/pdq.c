/* SPDX-License-Identifier: MIT */
/*
 * bench/pdq: PDQ speed on real photos, per set of images.
 *
 *   pdq [-n REPEAT] SET...      (SET = a directory of images, or one file)
 *   pdq --fast-accuracy DIR...  (fast mode: distance to the exact hash)
 *
 * For each set it prints:
 * - per-stage CPU milliseconds per image (best of REPEAT per image):
 *   decode (libjpeg-turbo/libpng/libwebp through phash_decode_file, reused
 *   decoder), luma, box filter along rows, along columns, DCT (+ quality),
 *   threshold, dihedral; and the hash stage over the decode time;
 * - end-to-end images/s (file -> hash, full mode; with --dihedral; fast
 *   mode) with 1 and 2 threads (one hasher and decoder per thread), best of
 *   REPEAT runs over the whole set;
 * - the reference C++ CLI (pdq-photo-hasher, built outside this repository)
 *   on the same files in the same run when PHASH_BENCH_PDQ_CLI gives its
 *   path, best of REPEAT, and the ratio.
 * The machine is shared: figures are best-of-N; times are CPU time (user +
 * system, including the reference's ImageMagick children) besides wall
 * time, so that ratios from a loaded machine still compare like with like.
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
#include "hash/pdq_internal.h"

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

/* ---- kernel choice ------------------------------------------------------ */

/* PHASH_BENCH_PDQ_KERNEL=generic|avx2|avx512|avx512vbmi measures one blur
 * kernel instead of the best the CPU runs (e.g. the AVX2 kernel that most
 * desktop CPUs get), chosen through the public dispatch (phash/cpu.h), as
 * PHASH_KERNEL caps every module. */

/* ---- per-stage timing -------------------------------------------------- */

typedef struct stages {
    double decode, luma, rows, cols, dct, threshold, dihedral;
    double hash;       /* the whole hash stage with the 8 dihedral hashes, without
                          the stage clocks (their reads cost up to a third on small
                          images) */
    double hash_plain; /* the same for the plain hash (the default) */
} stages;

static double ns_ms(uint64_t ns) { return (double)ns * 1e-6; }

/* Best of repeat for one image, each stage separately (ms). */
static int time_stages(const char *file, int repeat, phash_decoder *dec, phash_pdq_hasher *h,
                       stages *best, uint32_t *w, uint32_t *hh)
{
    ph_pdq_prof *prof = ph_pdq_hasher_prof(h);
    for (int r = 0; r < repeat; r++) {
        const phash_image *img;
        uint64_t t0 = ph_pdq_clock_ns();
        if (phash_decode_file(dec, file, &img) != PHASH_OK)
            return -1;
        double dt = ns_ms(ph_pdq_clock_ns() - t0);
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
                    ns_ms(prof->dihedral_ns),
                    0,
                    0};
        prof->enabled = 0;
        uint64_t h0 = ph_pdq_clock_ns();
        if (phash_pdq_hash_image(h, img, PHASH_PDQ_WANT_DIHEDRAL, &res) != PHASH_OK)
            return -1;
        s.hash = ns_ms(ph_pdq_clock_ns() - h0);
        h0 = ph_pdq_clock_ns();
        if (phash_pdq_hash_image(h, img, 0, &res) != PHASH_OK)
            return -1;
        s.hash_plain = ns_ms(ph_pdq_clock_ns() - h0);
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
        MIN_INTO(hash);
        MIN_INTO(hash_plain);
#undef MIN_INTO
    }
    return 0;
}

/* Hash stage / decode per image-size class, over every set of the run:
 * the target is a quarter of the decode time at every size. */
static const struct {
    const char *name;
    double max_mpix;
} size_class[] = {{"< 0.1 MP", 0.1}, {"0.1-0.5 MP", 0.5}, {"0.5-2 MP", 2.0},
                  {"2-8 MP", 8.0},   {"8-25 MP", 25.0},  {"> 25 MP", 1e30}};
#define N_CLASSES (sizeof size_class / sizeof size_class[0])
static struct {
    int n, within, within_plain; /* images, images with hash/decode <= 0.25 */
    double decode, hash, hash_plain;
} by_class[N_CLASSES];

static void count_class(double mpix, const stages *b)
{
    size_t c = 0;
    while (mpix >= size_class[c].max_mpix)
        c++;
    by_class[c].n++;
    by_class[c].within += b->hash <= 0.25 * b->decode;
    by_class[c].within_plain += b->hash_plain <= 0.25 * b->decode;
    by_class[c].decode += b->decode;
    by_class[c].hash += b->hash;
    by_class[c].hash_plain += b->hash_plain;
}

static void report_classes(void)
{
    printf("\n## hash stage / decode by image size, all sets above (target <= 0.25)\n");
    printf("  %-11s %6s %10s | %9s %6s %9s | %9s %6s %9s\n", "", "", "", "plain", "", "",
           "dihedral", "", "");
    printf("  %-11s %6s %10s | %9s %6s %9s | %9s %6s %9s\n", "size", "images", "decode ms",
           "hash ms", "ratio", "<= 0.25", "hash ms", "ratio", "<= 0.25");
    for (size_t c = 0; c < N_CLASSES; c++) {
        if (!by_class[c].n)
            continue;
        printf("  %-11s %6d %10.2f | %9.2f %6.2f %4d of %-2d | %9.2f %6.2f %4d of %-2d\n",
               size_class[c].name, by_class[c].n, by_class[c].decode, by_class[c].hash_plain,
               by_class[c].hash_plain / by_class[c].decode, by_class[c].within_plain,
               by_class[c].n, by_class[c].hash, by_class[c].hash / by_class[c].decode,
               by_class[c].within, by_class[c].n);
    }
}

static void report_stages(set *s, int repeat)
{
    phash_decoder *dec = NULL;
    BENCH_OK(phash_decoder_new(&dec));
    phash_pdq_hasher *h = NULL;
    BENCH_OK(phash_pdq_hasher_new(&h));
    stages sum = {0};
    double worst_ratio = 0;
    s->mpix = 0;
    printf("  per image, best of %d (CPU ms): decode | luma rows cols | dct thr dih (stage clocks"
           " on) | hash stage with dihedral (clocks off) | hash/decode\n",
           repeat);
    for (int i = 0; i < s->n; i++) {
        stages b = {0};
        uint32_t w = 0, hh = 0;
        if (time_stages(s->files[i], repeat, dec, h, &b, &w, &hh) != 0) {
            printf("    %s: cannot decode/hash, skipped\n", s->files[i]);
            continue;
        }
        double ratio = b.hash / b.decode;
        worst_ratio = ratio > worst_ratio ? ratio : worst_ratio;
        printf("    %-30.30s %5ux%-5u %7.2f | %6.2f %6.2f %6.2f | %5.3f %5.3f %5.3f | %6.2f | %.2f\n",
               strrchr(s->files[i], '/') ? strrchr(s->files[i], '/') + 1 : s->files[i], w, hh,
               b.decode, b.luma, b.rows, b.cols, b.dct, b.threshold, b.dihedral, b.hash, ratio);
        sum.decode += b.decode;
        sum.luma += b.luma;
        sum.rows += b.rows;
        sum.cols += b.cols;
        sum.dct += b.dct;
        sum.threshold += b.threshold;
        sum.dihedral += b.dihedral;
        sum.hash += b.hash;
        s->mpix += (double)w * hh * 1e-6;
        count_class((double)w * hh * 1e-6, &b);
    }
    double n = s->n;
    double hash = sum.hash;
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
    atomic_int next;
    atomic_int failed;
} e2e;

/* One worker's decoder and hasher, kept across the repeats: a scanner keeps
 * them for its lifetime, so the best repeat shows the steady state (buffers
 * grown and faulted in) rather than first-image costs. */
typedef struct worker {
    e2e *job;
    phash_decoder *dec;
    phash_pdq_hasher *h;
} worker;

static void *e2e_worker(void *arg)
{
    worker *wk = arg;
    e2e *job = wk->job;
    int i;
    while ((i = atomic_fetch_add(&job->next, 1)) < job->s->n) {
        phash_pdq_result r;
        if (phash_pdq_hash_file(wk->h, wk->dec, job->s->files[i], job->flags, &r) != PHASH_OK)
            atomic_fetch_add(&job->failed, 1);
    }
    return NULL;
}


/* A throughput: images per wall second and per CPU second (user + system,
 * all threads and children), each the best of repeat runs. On a loaded
 * machine the CPU figure is the one to compare. */
typedef struct rate {
    double wall, cpu;
} rate;

static void keep_best(rate *best, int n, double wall, double cpu)
{
    if (n / wall > best->wall)
        best->wall = n / wall;
    if (n / cpu > best->cpu)
        best->cpu = n / cpu;
}

static rate e2e_rate(set *s, int threads, unsigned flags, uint32_t fast, int repeat)
{
    rate best = {0, 0};
    worker wk[2];
    for (int k = 0; k < threads; k++) {
        BENCH_OK(phash_decoder_new(&wk[k].dec));
        BENCH_OK(phash_pdq_hasher_new(&wk[k].h));
        BENCH_OK(phash_pdq_hasher_set_fast(wk[k].h, fast));
    }
    for (int r = 0; r < repeat; r++) {
        e2e job = {s, flags, 0, 0};
        pthread_t t[2];
        double t0 = bench_now(), c0 = bench_process_cpu();
        for (int k = 0; k < threads; k++) {
            wk[k].job = &job;
            pthread_create(&t[k], NULL, e2e_worker, &wk[k]);
        }
        for (int k = 0; k < threads; k++)
            pthread_join(t[k], NULL);
        if (job.failed) {
            best = (rate){0, 0};
            break;
        }
        keep_best(&best, s->n, bench_now() - t0, bench_process_cpu() - c0);
    }
    for (int k = 0; k < threads; k++) {
        phash_pdq_hasher_free(wk[k].h);
        phash_decoder_free(wk[k].dec);
    }
    return best;
}

/* The reference CLI over the whole set (one process, all files). */
static rate cli_rate(const char *cli, set *s, int dihedral, int repeat)
{
    rate best = {0, 0};
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
        /* RUSAGE_CHILDREN includes the ImageMagick processes it waits for */
        double t0 = bench_now(), c0 = bench_children_cpu();
        if (posix_spawn(&pid, cli, &fa, NULL, argv, environ) != 0 ||
            waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            best = (rate){0, 0};
            break;
        }
        keep_best(&best, s->n, bench_now() - t0, bench_children_cpu() - c0);
    }
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    return best;
}

/* ---- fast mode: distance to the exact hash ------------------------------ */

static int cmp_uint(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* Every image below the given folders (recursively: a make_corpus corpus
 * keeps originals/ and variants/<id>/), hashed exactly and in fast mode. */
static void collect(set *s, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        snprintf(p, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            collect(s, p);
            free(p);
        } else if (is_image_name(e->d_name)) {
            s->files = realloc(s->files, sizeof(char *) * (size_t)(s->n + 1));
            s->files[s->n++] = p;
        } else {
            free(p);
        }
    }
    if (d)
        closedir(d);
}

static int fast_accuracy(int argc, char **argv)
{
    set s = {0};
    for (int i = 0; i < argc; i++)
        collect(&s, argv[i]);
    qsort(s.files, (size_t)s.n, sizeof(char *), cmp_str);
    phash_decoder *dec = NULL;
    BENCH_OK(phash_decoder_new(&dec));
    phash_pdq_hasher *exact = NULL, *fast = NULL;
    BENCH_OK(phash_pdq_hasher_new(&exact));
    BENCH_OK(phash_pdq_hasher_new(&fast));
    BENCH_OK(phash_pdq_hasher_set_fast(fast, 512));
    unsigned *dist = calloc((size_t)s.n + 1, sizeof(unsigned));
    int n = 0, scaled = 0, over31 = 0, qdrop = 0;
    double sum = 0, t_exact = 0, t_fast = 0;
    for (int i = 0; i < s.n; i++) {
        phash_pdq_result a, b;
        double t0 = bench_process_cpu();
        if (phash_pdq_hash_file(exact, dec, s.files[i], 0, &a) != PHASH_OK)
            continue;
        double t1 = bench_process_cpu();
        if (phash_pdq_hash_file(fast, dec, s.files[i], 0, &b) != PHASH_OK)
            continue;
        double t2 = bench_process_cpu();
        if (b.width == a.width) /* not a JPEG, or too small to scale */
            continue;
        t_exact += t1 - t0;
        t_fast += t2 - t1;
        scaled++;
        dist[n] = phash_pdq_distance(&a.hash, &b.hash);
        sum += dist[n];
        over31 += dist[n] > 31;
        qdrop += a.quality >= 50 && b.quality < 50;
        n++;
    }
    qsort(dist, (size_t)n, sizeof(unsigned), cmp_uint);
    printf("# fast mode (JPEG DCT scaling, both sides >= 512) vs exact, full mode\n");
    printf("files %d, decoded at reduced scale %d\n", s.n, scaled);
    if (n) {
        int p50 = n / 2, p99 = (int)((n - 1) * 0.99 + 0.5);
        printf("distance: mean %.2f, median %u, p99 %u, max %u; over 31: %d; quality fell "
               "below 50: %d\n",
               sum / n, dist[p50], dist[p99], dist[n - 1], over31, qdrop);
        printf("CPU time per scaled image: exact %.1f ms, fast %.1f ms (x%.2f)\n",
               t_exact / n * 1e3, t_fast / n * 1e3, t_exact / t_fast);
    }
    free(dist);
    phash_pdq_hasher_free(exact);
    phash_pdq_hasher_free(fast);
    phash_decoder_free(dec);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--fast-accuracy")) {
        bench_print_machine("pdq --fast-accuracy");
        return fast_accuracy(argc - 2, argv + 2);
    }
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
    const char *want = getenv("PHASH_BENCH_PDQ_KERNEL");
    if (want && *want &&
        phash_cpu_kernel_select(PHASH_CPU_MODULE_PDQ_BLUR, want) != PHASH_OK) {
        fprintf(stderr, "pdq: kernel %s is not built or not supported by this CPU\n", want);
        return 2;
    }
    const char *kernel = phash_cpu_kernel_active(PHASH_CPU_MODULE_PDQ_BLUR);
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
        printf("  end to end (file -> hash), images per wall second / per CPU second:\n");
        rate p1 = e2e_rate(&s, 1, 0, 0, repeat), p2 = e2e_rate(&s, 2, 0, 0, repeat);
        rate d1 = e2e_rate(&s, 1, PHASH_PDQ_WANT_DIHEDRAL, 0, repeat);
        rate d2 = e2e_rate(&s, 2, PHASH_PDQ_WANT_DIHEDRAL, 0, repeat);
        rate f1 = e2e_rate(&s, 1, 0, 512, repeat), f2 = e2e_rate(&s, 2, 0, 512, repeat);
        printf("    phash full           1 thread %7.2f / %7.2f   2 threads %7.2f / %7.2f\n",
               p1.wall, p1.cpu, p2.wall, p2.cpu);
        printf("    phash full dihedral  1 thread %7.2f / %7.2f   2 threads %7.2f / %7.2f\n",
               d1.wall, d1.cpu, d2.wall, d2.cpu);
        printf("    phash fast (512)     1 thread %7.2f / %7.2f   2 threads %7.2f / %7.2f"
               "   (x%.2f CPU over full)\n",
               f1.wall, f1.cpu, f2.wall, f2.cpu, f1.cpu / p1.cpu);
        if (cli) {
            rate c = cli_rate(cli, &s, 0, repeat), cd = cli_rate(cli, &s, 1, repeat);
            printf("    reference C++ CLI    plain    %7.2f / %7.2f   --pdqdih-across %7.2f / %7.2f\n",
                   c.wall, c.cpu, cd.wall, cd.cpu);
            if (c.cpu > 0 && cd.cpu > 0)
                printf("    phash/reference per CPU second: plain x%.1f, dihedral x%.1f;"
                       " per wall second, 1 thread: x%.1f, x%.1f; 2 threads: x%.1f, x%.1f\n",
                       p1.cpu / c.cpu, d1.cpu / cd.cpu, p1.wall / c.wall, d1.wall / cd.wall,
                       p2.wall / c.wall, d2.wall / cd.wall);
        }
        for (int k = 0; k < s.n; k++)
            free(s.files[k]);
        free(s.files);
    }
    report_classes();
    return 0;
}
