/* SPDX-License-Identifier: MIT */
/*
 * bench/vpdq: vPDQ hashing and video matching speed.
 *
 *   vpdq [-n REPEAT] [-v VIDEOS] [-q QUERIES] [VIDEO...]
 *
 * Hashing: each VIDEO (default: every file of PHASH_SHARED or ../shared,
 * testdata/vpdq/videos) is hashed in this process (phash_vpdq_hash_file,
 * one decoder thread) every frame (-r 0) and at one frame per second
 * (-r 1), and, when PHASH_BENCH_VPDQ_REF names Meta's reference CLI
 * (vpdq-hash-video, facebook/ThreatExchange vpdq 0.2.5 built outside this
 * repository against the same FFmpeg), by the reference in a child process
 * with one thread (-t 1) on the same file in the same run. Printed per
 * video and mode: CPU seconds (best of REPEAT; phash: this thread's CPU
 * time; the reference: the child's user + system time, wait4), CPU seconds
 * per minute of video and per kept frame, the ratio reference / phash, and
 * whether the two outputs are byte-identical (phash's lines written in the
 * reference's format). Where the time goes: the same file hashed at one
 * frame per hour (the first frame only) is the cost of demuxing and
 * decoding every frame; the rest is converting and hashing the kept ones.
 *
 * Matching: VIDEOS listed videos (default 10,000) of 100 random frame
 * hashes each, loaded from an HMA CSV in memory (JSON arrays of
 * "hex,quality,timestamp"); QUERIES (default 200) queries, each a listed
 * video with 10 bits flipped in each frame, run through the frame index
 * (phash_video_query_run, pytx rule, distance 31); CPU time per query and
 * videos/s; beside it, a brute force over every listed video (the C++
 * reference's matchTwoHashBrute way: every query frame against every frame
 * of every video) for a few queries, with the same answer checked.
 * The machine is shared: figures are CPU time, best of REPEAT.
 */
#include <dirent.h>
#include <spawn.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "phash/video.h"
#include "phash/vmatch.h"

extern char **environ;

/* ---- hashing ---- */

typedef struct hashed {
    double cpu;          /* best CPU seconds */
    size_t frames;       /* frames hashed */
    double seconds;      /* video seconds (frames decoded / frame rate) */
    uint32_t width, height;
    phash_status st;
    char *text;          /* the lines in the reference's format */
    size_t len;
} hashed;

static char *lines_of(const phash_vpdq_frame *f, size_t n, size_t *len)
{
    char *out = malloc(n * 128 + 1);
    if (!out)
        exit(2);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += phash_vpdq_format_line(&f[i], out + o, 128);
    *len = o;
    return out;
}

static hashed hash_phash(phash_video_hasher *h, const char *path, double sph, int reps)
{
    hashed r = {.cpu = 1e30};
    BENCH_OK(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_SECONDS_PER_HASH, sph));
    for (int k = 0; k < reps; k++) {
        phash_vpdq_frame *f = NULL;
        size_t n = 0;
        phash_video_info info;
        double c0 = bench_thread_cpu();
        r.st = phash_vpdq_hash_file(h, path, &f, &n, &info);
        double c = bench_thread_cpu() - c0;
        if (r.st != PHASH_OK)
            return r;
        if (c < r.cpu)
            r.cpu = c;
        r.frames = n;
        r.seconds = info.frame_rate > 0 ? (double)info.frames_decoded / info.frame_rate : 0;
        r.width = info.width;
        r.height = info.height;
        free(r.text);
        r.text = lines_of(f, n, &r.len);
        phash_free(f);
    }
    return r;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 65536)))
            exit(2);
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

/* The reference CLI on path: the child's CPU seconds (best of reps), its
 * output in *text; -1 when it failed. */
static double hash_reference(const char *ref, const char *path, double sph, int reps,
                             char **text, size_t *len)
{
    char out[] = "/tmp/phash-bench-vpdq-XXXXXX";
    int fd = mkstemp(out);
    if (fd < 0)
        return -1;
    close(fd);
    char r[32];
    snprintf(r, sizeof r, "%g", sph);
    char *argv[] = {(char *)ref, "-i", (char *)path, "-o", out, "-r", r, "-t", "1", NULL};
    double best = 1e30;
    for (int k = 0; k < reps; k++) {
        pid_t pid;
        if (posix_spawn(&pid, ref, NULL, NULL, argv, environ)) {
            best = -1;
            break;
        }
        int wst;
        struct rusage ru;
        if (wait4(pid, &wst, 0, &ru) < 0 || !WIFEXITED(wst) || WEXITSTATUS(wst)) {
            best = -1;
            break;
        }
        double c = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
        if (c < best)
            best = c;
    }
    *text = best < 0 ? NULL : slurp(out, len);
    unlink(out);
    return *text ? best : -1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **default_videos(int *n)
{
    const char *shared = getenv("PHASH_SHARED") ? getenv("PHASH_SHARED") : "../shared";
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s/testdata/vpdq/videos", shared);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench/vpdq: %s: cannot read (give videos or set PHASH_SHARED)\n", dir);
        exit(2);
    }
    char **v = NULL;
    struct dirent *e;
    *n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (!(v = realloc(v, (size_t)(*n + 1) * sizeof *v)) ||
            !(v[*n] = malloc(strlen(dir) + strlen(e->d_name) + 2)))
            exit(2);
        sprintf(v[(*n)++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(v, (size_t)*n, sizeof *v, by_name);
    return v;
}

static void bench_hashing(char **videos, int n, int reps)
{
    const char *ref = getenv("PHASH_BENCH_VPDQ_REF");
    printf("\n## hashing: CPU seconds, best of %d; one decoder thread each\n", reps);
    printf("# reference: %s\n", ref ? ref : "(set PHASH_BENCH_VPDQ_REF to compare)");
    printf("%-34s %9s %6s %4s %6s %8s %8s %8s %8s %9s %8s %6s %9s\n", "video", "size", "sec",
           "r", "frames", "phash_s", "s/min", "ms/frame", "decode_s", "ref_s", "ref/ph",
           "same", "ref_s/min");
    phash_video_hasher *h;
    BENCH_OK(phash_video_hasher_new(&h));
    BENCH_OK(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_THREADS, 1));
    double tot_ph[2] = {0}, tot_ref[2] = {0}, tot_sec[2] = {0};
    int all_same = 1, have_ref = ref != NULL;
    for (int i = 0; i < n; i++) {
        const char *name = strrchr(videos[i], '/') ? strrchr(videos[i], '/') + 1 : videos[i];
        /* decoding alone: one kept frame per hour (the first only) */
        hashed dec = hash_phash(h, videos[i], 3600, reps);
        free(dec.text);
        for (int m = 0; m < 2; m++) {
            double sph = m ? 1.0 : 0.0;
            hashed p = hash_phash(h, videos[i], sph, reps);
            if (p.st != PHASH_OK) {
                printf("%-34s phash: %s: %s\n", name, phash_status_name(p.st),
                       phash_video_hasher_last_error(h));
                continue;
            }
            char size[24];
            snprintf(size, sizeof size, "%ux%u", p.width, p.height);
            printf("%-34s %9s %6.1f %4g %6zu %8.3f %8.2f %8.3f %8.3f", name, size, p.seconds, sph,
                   p.frames, p.cpu, p.cpu * 60 / p.seconds, p.cpu * 1e3 / (double)p.frames,
                   dec.cpu);
            tot_ph[m] += p.cpu;
            tot_sec[m] += p.seconds;
            char *rt = NULL;
            size_t rl = 0;
            double rc = ref ? hash_reference(ref, videos[i], sph, reps, &rt, &rl) : -1;
            if (rc >= 0) {
                int same = rl == p.len && !memcmp(rt, p.text, rl);
                all_same &= same;
                tot_ref[m] += rc;
                printf(" %9.3f %8.2f %6s %9.2f\n", rc, rc / p.cpu, same ? "yes" : "NO",
                       rc * 60 / p.seconds);
            } else {
                have_ref = have_ref && !ref;
                printf(" %9s %8s %6s %9s\n", ref ? "failed" : "-", "-", "-", "-");
            }
            free(rt);
            free(p.text);
        }
    }
    for (int m = 0; m < 2; m++) {
        printf("# all videos, %s: phash %.3f s CPU for %.1f s of video = %.2f s per minute",
               m ? "1 fps" : "every frame", tot_ph[m], tot_sec[m], tot_ph[m] * 60 / tot_sec[m]);
        if (have_ref && tot_ref[m] > 0)
            printf("; reference %.3f s = %.2f s per minute; reference / phash %.2f", tot_ref[m],
                   tot_ref[m] * 60 / tot_sec[m], tot_ref[m] / tot_ph[m]);
        printf("\n");
    }
    if (have_ref)
        printf("# outputs byte-identical to the reference: %s\n", all_same ? "all" : "NOT ALL");
    phash_video_hasher_free(h);
}

/* ---- matching ---- */

static phash_pdq_code random_code(uint64_t *seed)
{
    phash_pdq_code c;
    for (int b = 0; b < 32; b += 8) {
        uint64_t r = bench_splitmix64(seed);
        memcpy(c.bytes + b, &r, 8);
    }
    return c;
}

static unsigned distance(const phash_pdq_code *a, const phash_pdq_code *b)
{
    unsigned d = 0;
    for (int i = 0; i < 32; i += 8) {
        uint64_t x, y;
        memcpy(&x, a->bytes + i, 8);
        memcpy(&y, b->bytes + i, 8);
        d += (unsigned)__builtin_popcountll(x ^ y);
    }
    return d;
}

/* The brute force: the listed video with the highest query % (every query
 * frame against every frame of every video, distance <= 31). */
static int brute_best(const phash_pdq_code *codes, int nv, int nf, const phash_vpdq_frame *q,
                      double *best_pct)
{
    int best = -1;
    *best_pct = -1;
    for (int v = 0; v < nv; v++) {
        int hit = 0;
        for (int i = 0; i < nf; i++)
            for (int j = 0; j < nf; j++)
                if (distance(&q[i].hash, &codes[(size_t)v * nf + j]) <= 31) {
                    hit++;
                    break;
                }
        double pct = 100.0 * hit / nf;
        if (pct > *best_pct) {
            *best_pct = pct;
            best = v;
        }
    }
    return best;
}

static void bench_matching(int nv, int nq, int reps)
{
    enum { NF = 100, FLIPS = 10, BRUTE = 3 };
    uint64_t seed = 42;
    phash_pdq_code *codes = malloc(sizeof *codes * (size_t)nv * NF);
    size_t cap = (size_t)nv * (NF * 80 + 64) + 64, o = 0;
    char *csv = malloc(cap), hex[65];
    if (!codes || !csv)
        exit(2);
    o += (size_t)sprintf(csv + o, "signal_type,signal_str,id\n");
    for (int v = 0; v < nv; v++) {
        o += (size_t)sprintf(csv + o, "vpdq,\"[");
        for (int f = 0; f < NF; f++) {
            codes[(size_t)v * NF + f] = random_code(&seed);
            phash_pdq_to_hex(&codes[(size_t)v * NF + f], hex);
            o += (size_t)sprintf(csv + o, "%s\"\"%s,100,%d.0\"\"", f ? "," : "", hex, f);
        }
        o += (size_t)sprintf(csv + o, "]\",V%d\n", v);
    }
    printf("\n## matching: %d listed videos x %d frames (%zu frame hashes, HMA CSV of %.1f MB "
           "in memory), %d queries\n", nv, NF, (size_t)nv * NF, (double)o / 1e6, nq);
    double c0 = bench_process_cpu();
    phash_sigset *set;
    phash_sigset_report rep;
    BENCH_OK(phash_sigset_new(&set));
    BENCH_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_MAX_LINE, 1 << 20));
    BENCH_OK(phash_sigset_load_memory(set, csv, o, "bench.csv", &rep));
    double c1 = bench_process_cpu();
    phash_matcher *m;
    BENCH_OK(phash_matcher_new(&m));
    BENCH_OK(phash_matcher_use(m, set));
    double c2 = bench_process_cpu();
    printf("# load %.2f s CPU, index + video table %.2f s CPU; %zu videos served\n", c1 - c0,
           c2 - c1, phash_matcher_video_count(m));
    phash_video_query *q;
    BENCH_OK(phash_video_query_new(&q));
    /* The queries: listed videos, each frame 10 bits away. */
    phash_vpdq_frame *qf = malloc(sizeof *qf * (size_t)nq * NF);
    int *truth = malloc(sizeof *truth * (size_t)nq);
    if (!qf || !truth)
        exit(2);
    for (int k = 0; k < nq; k++) {
        truth[k] = (int)(bench_splitmix64(&seed) % (uint64_t)nv);
        for (int f = 0; f < NF; f++) {
            phash_vpdq_frame *x = &qf[(size_t)k * NF + f];
            x->hash = codes[(size_t)truth[k] * NF + f];
            for (int b = 0; b < FLIPS; b++) {
                unsigned bit = (unsigned)(bench_splitmix64(&seed) % 256);
                x->hash.bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
            x->quality = 100;
            x->frame_number = (uint32_t)f;
            x->timestamp = f;
        }
    }
    double best = 1e30;
    size_t right = 0;
    for (int r = 0; r < reps; r++) {
        right = 0;
        double t0 = bench_thread_cpu();
        for (int k = 0; k < nq; k++) {
            BENCH_OK(phash_video_query_run(q, m, &qf[(size_t)k * NF], NF));
            phash_video_match vm;
            if (phash_video_query_count(q) == 1 && phash_video_query_get(q, 0, &vm) == PHASH_OK &&
                vm.video == (size_t)truth[k] && vm.query_percent == 100.0)
                right++;
        }
        double t = bench_thread_cpu() - t0;
        if (t < best)
            best = t;
    }
    printf("phash frame index: %.3f ms CPU per query = %.0f video queries/s (%.0f frame "
           "lookups/s at distance 31); %zu/%d found exactly their video at 100 %%\n",
           best / nq * 1e3, nq / best, (double)nq * NF / best, right, nq);
    int nb = nq < BRUTE ? nq : BRUTE, agree = 0;
    double t0 = bench_thread_cpu();
    for (int k = 0; k < nb; k++) {
        double pct;
        agree += brute_best(codes, nv, NF, &qf[(size_t)k * NF], &pct) == truth[k] && pct == 100.0;
    }
    double tb = (bench_thread_cpu() - t0) / nb;
    printf("brute force (every frame x every listed frame): %.1f ms CPU per query = %.1f video "
           "queries/s; %d/%d the same video; index / brute force speed-up %.0fx\n", tb * 1e3,
           1 / tb, agree, nb, tb / (best / nq));
    phash_video_query_free(q);
    phash_matcher_free(m);
    free(qf);
    free(truth);
    free(codes);
    free(csv);
}

int main(int argc, char **argv)
{
    int reps = 3, nv = 10000, nq = 200, first = 1;
    while (first < argc && argv[first][0] == '-' && first + 1 < argc) {
        int v = atoi(argv[first + 1]);
        if (!strcmp(argv[first], "-n"))
            reps = v > 0 ? v : 1;
        else if (!strcmp(argv[first], "-v"))
            nv = v > 0 ? v : 1;
        else if (!strcmp(argv[first], "-q"))
            nq = v > 0 ? v : 1;
        else
            break;
        first += 2;
    }
    bench_print_machine("vpdq");
    double load[3];
    if (getloadavg(load, 3) == 3)
        printf("# load average: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    if (!phash_video_supported()) {
        printf("# this build has no video support (-Dvideo=disabled): hashing not measured\n");
    } else {
        int n = argc - first;
        char **videos = n ? argv + first : default_videos(&n);
        bench_hashing(videos, n, reps);
    }
    bench_matching(nv, nq, reps);
    return 0;
}
