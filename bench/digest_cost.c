/* SPDX-License-Identifier: MIT */
/* What exact digests add to a scan: CPU per image of the library scanner
 * (one worker, in this process) computing decode + PDQ alone, then with
 * MD5, SHA-1, SHA-256 each, and all three, from the scanner's one read of
 * each file; the digests' share of decode + PDQ. Peers from the same run
 * and the same bytes: each digest alone over the files in memory (the
 * library's libcrypto EVP), and coreutils md5sum / sha1sum / sha256sum on
 * the files (their CPU, as children). Configurations run in turn in each
 * round (noise from other work on the host spreads over all of them); the
 * figure is each one's least CPU over the rounds, the page cache warm.
 * PDQ without dihedral hashes or views: the cheapest image work, so the
 * digests' share is the largest it gets.
 *
 *   bench/digest_cost [IMAGES_DIR [ROUNDS]]   (default
 *       ../shared/testdata/pdq/images, 7 rounds) */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "phash/digest.h"
#include "phash/scan.h"

#define MAX_FILES 4096

static char *files[MAX_FILES];
static size_t n_files;
static uint64_t total_bytes;

static void collect(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(2);
    }
    struct dirent *e;
    while ((e = readdir(d)) && n_files < MAX_FILES) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            collect(p);
        } else if (S_ISREG(st.st_mode)) {
            files[n_files++] = strdup(p);
            total_bytes += (uint64_t)st.st_size;
        }
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct tally {
    size_t reports, images, digests;
} tally;

static int on_report(void *ctx, const phash_scan_report *r)
{
    tally *t = ctx;
    t->reports++;
    t->images += r->width > 0;
    for (size_t i = 0; i < r->n_hashes; i++) {
        const char *a = phash_scan_report_hash(r, i)->algo;
        t->digests += !strcmp(a, "md5") || !strcmp(a, "sha1") || !strcmp(a, "sha256");
    }
    return 0;
}

/* How many digest algorithms a list of names holds. */
static size_t digest_names(const char *algos)
{
    size_t n = 0;
    for (const char *p = algos; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        size_t k = strcspn(p, ",");
        n += (k == 3 && !strncmp(p, "md5", 3)) || (k == 4 && !strncmp(p, "sha1", 4)) ||
             (k == 6 && !strncmp(p, "sha256", 6));
    }
    return n;
}

/* CPU seconds of one scan of every file with these algorithms. */
static double scan_cpu(const char *algos, tally *t)
{
    phash_scanner *s = NULL;
    BENCH_OK(phash_scanner_new(&s));
    BENCH_OK(phash_scanner_set_algorithms(s, algos));
    BENCH_OK(phash_scanner_set_option(s, PHASH_SCAN_OPT_DIHEDRAL, 0));
    BENCH_OK(phash_scanner_set_option(s, PHASH_SCAN_OPT_EXPAND, 0));
    BENCH_OK(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, 1));
    *t = (tally){0};
    double c0 = bench_process_cpu();
    BENCH_OK(phash_scanner_scan_paths(s, (const char *const *)files, n_files, on_report, t));
    double cpu = bench_process_cpu() - c0;
    phash_scanner_free(s);
    return cpu;
}

/* CPU seconds of one digest over the files' bytes in memory. */
static double buffer_cpu(phash_digest_algo algo, uint8_t **data, const size_t *len)
{
    double c0 = bench_process_cpu();
    for (size_t i = 0; i < n_files; i++) {
        phash_digest_result d;
        BENCH_OK(phash_digest_buffer(algo, data[i], len[i], &d));
    }
    return bench_process_cpu() - c0;
}

/* CPU seconds of a coreutils tool over every file (one process, as a user
 * would run it), or -1 when it cannot be run. */
static double tool_cpu(const char *tool)
{
    double c0 = bench_children_cpu();
    fflush(stdout); /* the child's freopen would write the buffer again */
    pid_t pid = fork();
    if (pid == 0) {
        char **argv = calloc(n_files + 2, sizeof *argv);
        argv[0] = (char *)tool;
        memcpy(argv + 1, files, n_files * sizeof *argv);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execvp(tool, argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return bench_children_cpu() - c0;
}

static void load_average(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    printf("# load average %s: %s\n", when, buf);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/testdata/pdq/images";
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    if (rounds < 1)
        rounds = 1;
    collect(dir);
    if (!n_files) {
        fprintf(stderr, "digest_cost: no file under %s\n", dir);
        return 2;
    }
    qsort(files, n_files, sizeof *files, by_name);
    bench_print_machine("digest_cost");
    load_average("at start");

    static const char *const configs[] = {"pdq", "pdq,md5", "pdq,sha1", "pdq,sha256",
                                          "pdq,md5,sha1,sha256", "md5", "sha1", "sha256"};
    enum { N_CONFIGS = sizeof configs / sizeof configs[0] };
    static const struct {
        phash_digest_algo algo;
        const char *name, *tool;
    } digests[] = {{PHASH_DIGEST_MD5, "md5", "md5sum"},
                   {PHASH_DIGEST_SHA1, "sha1", "sha1sum"},
                   {PHASH_DIGEST_SHA256, "sha256", "sha256sum"}};
    enum { N_DIGESTS = 3 };

    uint8_t **data = calloc(n_files, sizeof *data);
    size_t *len = calloc(n_files, sizeof *len);
    for (size_t i = 0; i < n_files; i++) {
        FILE *f = fopen(files[i], "rb");
        struct stat st;
        if (!f || fstat(fileno(f), &st)) {
            perror(files[i]);
            return 2;
        }
        len[i] = (size_t)st.st_size;
        data[i] = malloc(len[i] ? len[i] : 1);
        if (fread(data[i], 1, len[i], f) != len[i]) {
            perror(files[i]);
            return 2;
        }
        fclose(f);
    }

    double best[N_CONFIGS], best_buf[N_DIGESTS], best_tool[N_DIGESTS];
    tally tallies[N_CONFIGS];
    for (int c = 0; c < N_CONFIGS; c++)
        best[c] = 1e30;
    for (int d = 0; d < N_DIGESTS; d++)
        best_buf[d] = best_tool[d] = 1e30;
    tally warm;
    (void)scan_cpu("pdq,md5,sha1,sha256", &warm); /* page cache, code, allocator */
    for (int r = 0; r < rounds; r++) {
        for (int c = 0; c < N_CONFIGS; c++) {
            double cpu = scan_cpu(configs[c], &tallies[c]);
            if (cpu < best[c])
                best[c] = cpu;
        }
        for (int d = 0; d < N_DIGESTS; d++) {
            double cpu = buffer_cpu(digests[d].algo, data, len);
            if (cpu < best_buf[d])
                best_buf[d] = cpu;
            cpu = tool_cpu(digests[d].tool);
            if (cpu >= 0 && cpu < best_tool[d])
                best_tool[d] = cpu;
        }
    }
    size_t images = tallies[0].images;
    printf("# data: %s: %zu files, %.1f MB (%.0f KB a file), %zu decoded as images\n", dir,
           n_files, (double)total_bytes / 1e6, (double)total_bytes / 1e3 / (double)n_files,
           images);
    printf("# scanner: 1 worker in this process, PDQ without dihedral/views, reports with "
           "hashes; least CPU (user+sys) of %d rounds, configurations in turn\n", rounds);
    printf("%-22s %10s %14s %14s %10s\n", "algorithms", "cpu_s", "ms_per_image", "extra_ms_img",
           "extra_pct");
    double base = best[0];
    for (int c = 0; c < N_CONFIGS; c++) {
        int with_pdq = !strncmp(configs[c], "pdq", 3);
        double extra = with_pdq ? best[c] - base : best[c];
        printf("%-22s %10.3f %14.3f %14.3f %9.1f%%\n", configs[c], best[c],
               1e3 * best[c] / (double)images, 1e3 * extra / (double)images,
               100.0 * extra / base);
        if (tallies[c].reports != n_files ||
            tallies[c].digests != n_files * digest_names(configs[c])) {
            fprintf(stderr, "digest_cost: %s: %zu reports, %zu digests for %zu files\n",
                    configs[c], tallies[c].reports, tallies[c].digests, n_files);
            return 1;
        }
    }
    printf("# peers, same files, same run (CPU, least of %d):\n", rounds);
    printf("%-10s %16s %14s %16s %14s\n", "digest", "libcrypto_cpu_s", "libcrypto_MB_s",
           "coreutils_cpu_s", "coreutils_MB_s");
    for (int d = 0; d < N_DIGESTS; d++)
        printf("%-10s %16.3f %14.0f %16.3f %14.0f\n", digests[d].name, best_buf[d],
               (double)total_bytes / 1e6 / best_buf[d],
               best_tool[d] < 1e29 ? best_tool[d] : -1.0,
               best_tool[d] < 1e29 ? (double)total_bytes / 1e6 / best_tool[d] : -1.0);
    load_average("at end");
    for (size_t i = 0; i < n_files; i++) {
        free(data[i]);
        free(files[i]);
    }
    free(data);
    free(len);
    return 0;
}
