/* SPDX-License-Identifier: MIT */
/*
 * phash hash --algo vpdq: the vPDQ hashes of videos (include/phash/video.h).
 * A video is not an image, so it has its own path: cmd_hash hands over
 * when the algorithm list is exactly "vpdq".
 *
 *   phash hash --algo vpdq [--seconds-per-hash S] [--downsample N]
 *              [--threads T] [--drain-all] [--json | --hma] VIDEO...
 *
 * Default output: the reference CLI's (vpdq-hash-video) lines, byte for
 * byte: "frameNumber,quality,pdqhex,timestamp" with 3 decimals; with
 * several videos each file's block follows the line "# PATH". --json: one
 * JSON object per video ({"path", "frame_rate", "frames_decoded",
 * "frames": [{"frame", "quality", "hash", "timestamp"}...]} or "error").
 * --hma: one line per video with HMA's / python-threatexchange's signal
 * string, a JSON array of "pdqhex,quality,timestamp" whose timestamp is
 * Python's f"{t:.3}" (3 significant digits). S defaults to 1 (the library's
 * and HMA's default); the reference C++ CLI's default is 0: pass
 * --seconds-per-hash 0 to compare with it. Exit status 2 if a video could
 * not be hashed (its error goes to stderr, or into the JSON object).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hash_video.h"
#include "opts.h"
#include "phash/phash.h"
#include "scan_out.h"

enum { OUT_REFERENCE, OUT_JSON, OUT_HMA };

typedef struct vrun {
    phash_video_hasher *h;
    int out;
    int several;
    size_t printed; /* frames of the current video */
} vrun;

/* Python's format(t, ".3"): %g with 3 significant digits, except that the
 * exponent form is used from 100 up (the point would otherwise have no
 * digit after it) and a whole number gets ".0" (12.345 -> 12.3, 1 -> 1.0,
 * 123 -> 1.23e+02, 0.00001 -> 1e-05). */
static void python_g3(double t, char *out, size_t cap)
{
    char e[32];
    snprintf(e, sizeof e, "%.2e", t);
    const char *x = strchr(e, 'e');
    int exp10 = x ? atoi(x + 1) : 0;
    if (exp10 >= 2 || exp10 < -4) {
        /* mantissa without trailing zeros, as %g */
        char mant[16];
        size_t m = (size_t)(x - e);
        memcpy(mant, e, m);
        mant[m] = '\0';
        while (m > 1 && mant[m - 1] == '0')
            mant[--m] = '\0';
        if (m > 0 && mant[m - 1] == '.')
            mant[--m] = '\0';
        snprintf(out, cap, "%se%c%02d", mant, exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    snprintf(out, cap, "%.3g", t);
    if (!strpbrk(out, ".en"))
        strncat(out, ".0", cap - strlen(out) - 1);
}

static int print_frame(void *user, const phash_vpdq_frame *f)
{
    vrun *r = user;
    const char *sep = r->printed++ ? "," : "";
    char hex[65], line[160];
    switch (r->out) {
    case OUT_REFERENCE:
        phash_vpdq_format_line(f, line, sizeof line);
        fputs(line, stdout);
        break;
    case OUT_JSON:
        phash_pdq_to_hex(&f->hash, hex);
        printf("%s{\"frame\":%u,\"quality\":%d,\"hash\":\"%s\",\"timestamp\":%.3f}", sep,
               (unsigned)f->frame_number, f->quality, hex,
               f->timestamp);
        break;
    case OUT_HMA:
        phash_pdq_to_hex(&f->hash, hex);
        python_g3(f->timestamp, line, sizeof line);
        printf("%s%s\"%s,%d,%s\"", sep, *sep ? " " : "", hex, f->quality, line);
        break;
    }
    return 0;
}

/* JSON and HMA lines need the whole video before they can say it failed,
 * so frames are printed as they come and the line is closed either way. */
static int hash_one(vrun *r, const char *path)
{
    phash_video_info info;
    r->printed = 0;
    if (r->out == OUT_REFERENCE && r->several)
        printf("# %s\n", path);
    if (r->out == OUT_JSON) {
        fputs("{\"path\":", stdout);
        out_json_string(stdout, path);
        fputs(",\"frames\":[", stdout);
    } else if (r->out == OUT_HMA) {
        fputs("[", stdout);
    }
    phash_status st = phash_vpdq_hash_file_each(r->h, path, print_frame, r, &info);
    if (r->out == OUT_JSON) {
        printf("],\"frame_rate\":%.17g,\"frames_decoded\":%llu", info.frame_rate,
               (unsigned long long)info.frames_decoded);
        if (st != PHASH_OK) {
            fputs(",\"error\":", stdout);
            out_json_string(stdout, phash_video_hasher_last_error(r->h));
        }
        puts("}");
    } else if (r->out == OUT_HMA) {
        puts("]");
    }
    if (st != PHASH_OK)
        fprintf(stderr, "phash hash: %s: %s (%s)\n", path, phash_video_hasher_last_error(r->h),
                phash_status_name(st));
    return st == PHASH_OK ? 0 : -1;
}

static void usage(FILE *out)
{
    fputs("usage: phash hash --algo vpdq [--seconds-per-hash S] [--downsample N] [--threads T]\n"
          "                  [--drain-all] [--json | --hma] VIDEO...\n\n"
          "vPDQ hashes of videos. Default output: the reference vpdq-hash-video lines\n"
          "(frameNumber,quality,pdqhex,timestamp; '# PATH' before each video when several).\n"
          "  --seconds-per-hash S  hash one frame every S seconds; 0 = every frame (default 1;\n"
          "                        the reference C++ CLI's default is 0)\n"
          "  --downsample N        scale frames to NxN before hashing (the reference's -s N)\n"
          "  --threads T           decoder threads (default 1; 0 = FFmpeg's choice)\n"
          "  --drain-all           also hash the decoder's last frames when the video is not\n"
          "                        stream 0 (the reference drops them)\n"
          "  --json                one JSON object per video\n"
          "  --hma                 one HMA/python-threatexchange signal string per video\n",
          out);
}

static int set_num(vrun *r, phash_video_opt opt, const char *flag, const char *v)
{
    char *end;
    errno = 0;
    /* The reference CLI reads -r with std::stof: a float, then widened. */
    double d = opt == PHASH_VIDEO_OPT_SECONDS_PER_HASH ? (double)strtof(v, &end) : strtod(v, &end);
    if (errno || end == v || *end || phash_video_hasher_set_option(r->h, opt, d) != PHASH_OK) {
        fprintf(stderr, "phash hash: bad value for %s: '%s'\n", flag, v);
        return -1;
    }
    return 0;
}

enum { OPT_SECONDS = 256, OPT_DOWNSAMPLE, OPT_THREADS, OPT_ALGO, OPT_JSON, OPT_HMA, OPT_DRAIN };

static const struct option video_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"algo", required_argument, NULL, OPT_ALGO},
    {"seconds-per-hash", required_argument, NULL, OPT_SECONDS},
    {"downsample", required_argument, NULL, OPT_DOWNSAMPLE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"drain-all", no_argument, NULL, OPT_DRAIN},
    {"json", no_argument, NULL, OPT_JSON},
    {"hma", no_argument, NULL, OPT_HMA},
    {NULL, 0, NULL, 0}};

static int apply_option(vrun *r, int id, const char *v)
{
    switch (id) {
    case 'h': usage(stdout); exit(0);
    case OPT_SECONDS: return set_num(r, PHASH_VIDEO_OPT_SECONDS_PER_HASH, "--seconds-per-hash", v);
    case OPT_DOWNSAMPLE: return set_num(r, PHASH_VIDEO_OPT_DOWNSAMPLE, "--downsample", v);
    case OPT_THREADS: return set_num(r, PHASH_VIDEO_OPT_THREADS, "--threads", v);
    case OPT_ALGO: return strcmp(v, "vpdq") ? -1 : 0;
    case OPT_JSON: r->out = OUT_JSON; return 0;
    case OPT_HMA: r->out = OUT_HMA; return 0;
    case OPT_DRAIN:
        return phash_video_hasher_set_option(r->h, PHASH_VIDEO_OPT_DRAIN,
                                             PHASH_VIDEO_DRAIN_ALL) != PHASH_OK ? -1 : 0;
    default: return -1;
    }
}

static int parse(vrun *r, int argc, char **argv, int *first)
{
    const char *v;
    int id;
    *first = argc;
    opt_begin();
    while ((id = opt_next(argc, argv, "phash hash", "h", video_options, &v, first)) != -1)
        if (id == OPT_BAD || apply_option(r, id, v))
            return -1;
    return *first < argc ? 0 : -1;
}

/* --algo vpdq or --algo=vpdq among the arguments (before a "--"). */
int hash_video_is_vpdq(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "--algo") && i + 1 < argc)
            return !strcmp(argv[i + 1], "vpdq");
        if (!strncmp(argv[i], "--algo=", 7))
            return !strcmp(argv[i] + 7, "vpdq");
    }
    return 0;
}

int hash_video_main(int argc, char **argv)
{
    vrun r = {0};
    phash_status st = phash_video_hasher_new(&r.h);
    if (st != PHASH_OK) {
        fprintf(stderr, "phash hash: vpdq: %s\n", st == PHASH_ERR_UNSUPPORTED
                                                     ? "this build has no video support"
                                                     : phash_strerror(st));
        return EXIT_ERROR;
    }
    int first = 0;
    if (parse(&r, argc, argv, &first) != 0) {
        usage(stderr);
        phash_video_hasher_free(r.h);
        return EXIT_ERROR;
    }
    r.several = argc - first > 1;
    int failed = 0;
    for (int i = first; i < argc; i++)
        failed |= hash_one(&r, argv[i]) != 0;
    phash_video_hasher_free(r.h);
    if (fflush(stdout) != 0)
        return EXIT_ERROR;
    return failed ? EXIT_ERROR : EXIT_NO_MATCH;
}
