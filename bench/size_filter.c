/* SPDX-License-Identifier: MIT */
/* The size filter on an endpoint folder: bytes read and CPU of `phash scan`
 * work (the library scanner, algorithms pdq,md5,sha1, one worker) over a
 * folder of mixed files, with PHASH_SCAN_OPT_SIZE_FILTER on (the default)
 * and off, against a VICS list whose every entry records its MediaSize.
 * The folder: the JPEGs of a source folder (media: always read whole and
 * digested) and non-media files (documents, logs, binaries: 200 files of
 * 4 KiB .. 4 MiB, ~400 MB), 5 of them listed. The list: 20,000 random
 * entries with random sizes plus the 5 listed files and 5 JPEGs. Both runs
 * must find the same matches (printed). Best of 3 each, warm page cache;
 * CPU is the process's user + system time over the scan.
 *
 *   bench/size_filter [IMAGES_DIR]   (default ../shared/testdata/pdq/images
 *                                     /reg-test-input; files under $TMPDIR,
 *                                     deleted at the end) */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "phash/digest.h"
#include "phash/scan.h"
#include "phash/sigset.h"

#define N_OTHER 200
#define N_RANDOM 20000


static char *list_buf;
static size_t list_len, list_cap;

static void list_add(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void list_add(const char *fmt, ...)
{
    if (list_cap - list_len < 512) {
        list_cap = list_cap ? list_cap * 2 : 1 << 20;
        list_buf = realloc(list_buf, list_cap);
    }
    va_list ap;
    va_start(ap, fmt);
    list_len += (size_t)vsnprintf(list_buf + list_len, list_cap - list_len, fmt, ap);
    va_end(ap);
}

static void list_entry(long id, const char *md5, uint64_t size)
{
    list_add("%s{\"MediaID\":%ld,\"Category\":1,\"MD5\":\"%s\",\"MediaSize\":%llu}\n",
             id ? "," : "", id, md5, (unsigned long long)size);
}

/* List the file at path by its MD5 and size. */
static void list_file(long id, const char *path)
{
    phash_digest *d = NULL;
    phash_digest_result r;
    char hex[65];
    struct stat sb;
    BENCH_OK(phash_digest_new(PHASH_DIGEST_MD5, &d));
    BENCH_OK(phash_digest_file(d, path, &r));
    BENCH_OK(phash_digest_to_hex(&r, PHASH_DIGEST_MD5, hex));
    phash_digest_free(d);
    stat(path, &sb);
    list_entry(id, hex, (uint64_t)sb.st_size);
}

static uint64_t other_bytes;

/* Non-media files: sizes spread log-uniformly over 4 KiB .. 4 MiB. */
static void make_others(const char *dir)
{
    uint64_t s = 17;
    uint8_t *buf = malloc(4 << 20);
    for (size_t i = 0; i < (4u << 20); i++)
        buf[i] = (uint8_t)("2026-12-05 12:00:00 log line ok\n"[i % 32] ^ (i >> 12 & 1));
    for (int i = 0; i < N_OTHER; i++) {
        size_t n = (size_t)4096 << (bench_splitmix64(&s) % 10);
        n += bench_splitmix64(&s) % n;
        if (n > (4u << 20))
            n = 4u << 20;
        buf[0] = (uint8_t)i; /* each file its own digest */
        char p[600];
        snprintf(p, sizeof p, "%s/doc%03d.bin", dir, i);
        FILE *f = fopen(p, "wb");
        if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
            perror(p);
            exit(2);
        }
        other_bytes += n;
    }
    free(buf);
}

typedef struct run {
    double cpu, wall;
    uint64_t bytes, skipped, matches, files, media;
} run;

static int count_cb(void *ctx, const phash_scan_report *r)
{
    uint64_t *media = ctx;
    *media += r->kind != PHASH_MEDIA_OTHER;
    return 0;
}

static run scan(const phash_matcher *m, const char *dir, int filter)
{
    phash_scanner *s = NULL;
    BENCH_OK(phash_scanner_new(&s));
    BENCH_OK(phash_scanner_set_matcher(s, m));
    BENCH_OK(phash_scanner_set_algorithms(s, "pdq,md5,sha1"));
    BENCH_OK(phash_scanner_set_option(s, PHASH_SCAN_OPT_SIZE_FILTER, filter));
    const char *paths[] = {dir};
    run r = {0};
    double c0 = bench_process_cpu(), t0 = bench_now();
    BENCH_OK(phash_scanner_scan_paths(s, paths, 1, count_cb, &r.media));
    r.cpu = bench_process_cpu() - c0;
    r.wall = bench_now() - t0;
    r.bytes = phash_scanner_counter(s, PHASH_SCAN_BYTES_READ);
    r.skipped = phash_scanner_counter(s, PHASH_SCAN_SIZE_SKIPPED);
    r.matches = phash_scanner_counter(s, PHASH_SCAN_MATCHES);
    r.files = phash_scanner_counter(s, PHASH_SCAN_FILES);
    phash_scanner_free(s);
    return r;
}

static run best(const phash_matcher *m, const char *dir, int filter)
{
    run b = scan(m, dir, filter);
    for (int k = 0; k < 2; k++) {
        run r = scan(m, dir, filter);
        if (r.cpu < b.cpu)
            b = r;
    }
    return b;
}

int main(int argc, char **argv)
{
    const char *images = argc > 1 ? argv[1] : "../shared/testdata/pdq/images/reg-test-input";
    bench_print_machine("size_filter");
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512];
    snprintf(dir, sizeof dir, "%s/phash-sizes-%ld", tmp, (long)getpid());
    if (mkdir(dir, 0700)) {
        perror(dir);
        return 2;
    }
    make_others(dir);
    /* The JPEGs, copied in. */
    DIR *d = opendir(images);
    if (!d) {
        perror(images);
        return 2;
    }
    struct dirent *e;
    int n_img = 0;
    uint64_t img_bytes = 0;
    list_add("{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/"
             "US/$metadata#Media\",\"value\":[\n");
    long id = 0;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 4, ".jpg"))
            continue;
        char from[1024], to[1024];
        snprintf(from, sizeof from, "%s/%s", images, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
        char buf[65536];
        size_t k;
        while (in && out && (k = fread(buf, 1, sizeof buf, in)) > 0)
            img_bytes += fwrite(buf, 1, k, out);
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        if (n_img++ < 5)
            list_file(id++, to);
    }
    closedir(d);
    for (int i = 0; i < N_OTHER; i += N_OTHER / 5) {
        char p[600];
        snprintf(p, sizeof p, "%s/doc%03d.bin", dir, i);
        list_file(id++, p);
    }
    uint64_t s = 23;
    for (int i = 0; i < N_RANDOM; i++) {
        char hex[33];
        snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)bench_splitmix64(&s),
                 (unsigned long long)bench_splitmix64(&s));
        list_entry(id++, hex, 1000 + bench_splitmix64(&s) % (64u << 20));
    }
    list_add("]}\n");
    phash_sigset *set = NULL;
    phash_sigset_report rep;
    BENCH_OK(phash_sigset_new(&set));
    BENCH_OK(phash_sigset_load_memory(set, list_buf, list_len, "vics.json", &rep));
    phash_matcher *m = NULL;
    BENCH_OK(phash_matcher_new(&m));
    BENCH_OK(phash_matcher_use(m, set));
    if (rep.inserted != (uint64_t)id) {
        fprintf(stderr, "bench: %llu of %ld list entries inserted\n",
                (unsigned long long)rep.inserted, id);
        return 2;
    }
    printf("data: %d JPEGs (%.1f MB) from %s + %d non-media files (%.1f MB); VICS list of "
           "%llu MD5 entries with MediaSize (10 of them files of the folder)\n",
           n_img, img_bytes / 1e6, images, N_OTHER, other_bytes / 1e6,
           (unsigned long long)rep.inserted);
    run on = best(m, dir, 1), off = best(m, dir, 0);
    printf("scan, algorithms pdq,md5,sha1, 1 worker, best of 3 by CPU:\n");
    printf("  size filter on:  %6.1f MB read, %.3f s CPU, %.3f s wall, %llu files not "
           "digested, %llu matches of %llu files (%llu media)\n",
           on.bytes / 1e6, on.cpu, on.wall, (unsigned long long)on.skipped,
           (unsigned long long)on.matches, (unsigned long long)on.files,
           (unsigned long long)on.media);
    printf("  size filter off: %6.1f MB read, %.3f s CPU, %.3f s wall, %llu files not "
           "digested, %llu matches of %llu files (%llu media)\n",
           off.bytes / 1e6, off.cpu, off.wall, (unsigned long long)off.skipped,
           (unsigned long long)off.matches, (unsigned long long)off.files,
           (unsigned long long)off.media);
    printf("  filter saves %.0f%% of the bytes read and %.0f%% of the CPU\n",
           100.0 * (1 - (double)on.bytes / (double)off.bytes), 100.0 * (1 - on.cpu / off.cpu));
    phash_matcher_free(m);
    free(list_buf);
    /* Clean up. */
    d = opendir(dir);
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}
