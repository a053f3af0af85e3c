/* SPDX-License-Identifier: MIT */
/*
 * phash hash: print the hashes of files, a front end over the library
 * scanner (include/phash/scan.h): each file is read once and decoded once,
 * whatever the number of algorithms.
 *
 *   phash hash [--algo pdq[,...]] [--pdq-mode full|cli512] [--pdq-fast] [--dihedral]
 *              [--layout 1.0|0.9] [--json] [-r] FILE|DIR...
 *
 * CSV (default) has a header. Plain: path,algo,hash,quality. With
 * --dihedral (one algorithm with variants): path,quality,orig,rot90,...,
 * as in shared/testdata/pdq/expected/ *-dihedral.csv. A file that fails gets
 * a row with empty hash and quality fields and one more field at the end,
 * the error; the other files are still hashed and the exit status is 2.
 * --json prints one JSON object per line instead (error in "error").
 * Paths are printed as given (joined with '/' below a directory). Digest
 * algorithms (md5, sha1, sha256) give a row for any file; the others for
 * images.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "hash_video.h"
#include "opts.h"
#include "phash/phash.h"
#include "scan_out.h"

#define MAX_ALGOS 8

typedef struct algo_opts {
    phash_pdq_mode pdq_mode; /* --pdq-mode */
    uint32_t pdq_fast;       /* --pdq-fast: JPEG DCT scaling, min side (0: off) */
    int dihedral;            /* --dihedral */
    phash_dct_layout dct_layout; /* --layout (phash) */
} algo_opts;

typedef struct run {
    const char *algo[MAX_ALGOS];
    int n_algos;
    char algo_list[128];
    algo_opts opts;
    int json;
    int recursive;
    phash_scanner *scanner;
    int failed; /* files that could not be hashed */
} run;

static const char *const dihedral_names[] = {"orig",  "rot90", "rot180", "rot270",
                                             "flipx", "flipy", "flipp",  "flipm", NULL};

/* ---- output ------------------------------------------------------------ */

static int dihedral_layout(const run *r)
{
    return r->opts.dihedral && r->n_algos == 1 && !strcmp(r->algo[0], "pdq");
}

static void print_header(const run *r)
{
    if (r->json)
        return;
    if (dihedral_layout(r)) {
        fputs("path,quality", stdout);
        for (const char *const *n = dihedral_names; *n; n++)
            printf(",%s", *n);
        putchar('\n');
    } else {
        puts("path,algo,hash,quality");
    }
}

/* The rows of one algorithm: its hashes in the report (variants in order),
 * or its error. */
static void print_csv(const run *r, const char *path, const char *algo,
                      const phash_scan_hash *const *h, int nh, const char *error)
{
    out_csv_field(stdout, path);
    if (dihedral_layout(r)) {
        if (error) {
            for (int i = 0; i < 9; i++)
                putchar(',');
        } else {
            printf(",%d", h[0]->quality);
            for (int i = 0; i < nh; i++)
                printf(",%s", h[i]->hex);
        }
    } else {
        printf(",%s,", algo);
        if (!error) {
            fputs(h[0]->hex, stdout);
            putchar(',');
            if (h[0]->quality >= 0)
                printf("%d", h[0]->quality);
        } else {
            putchar(',');
        }
    }
    if (error) {
        putchar(',');
        out_csv_field(stdout, error);
    }
    putchar('\n');
}

static void print_json(const run *r, const char *path, const char *algo,
                       const phash_scan_hash *const *h, int nh, const char *error)
{
    fputs("{\"path\":", stdout);
    out_json_string(stdout, path);
    printf(",\"algo\":\"%s\",\"hash\":", algo);
    if (error) {
        fputs("null,\"quality\":null,\"error\":", stdout);
        out_json_string(stdout, error);
        puts("}");
        return;
    }
    out_json_string(stdout, h[0]->hex);
    if (h[0]->quality >= 0)
        printf(",\"quality\":%d", h[0]->quality);
    else
        fputs(",\"quality\":null", stdout);
    if (r->opts.dihedral && nh > 1) {
        fputs(",\"dihedral\":{", stdout);
        for (int i = 0; i < nh; i++)
            printf("%s\"%s\":\"%s\"", i ? "," : "", h[i]->variant, h[i]->hex);
        putchar('}');
    }
    puts("}");
}

static void print_rows(const run *r, const char *path, const char *algo,
                       const phash_scan_hash *const *h, int nh, const char *error)
{
    if (r->json)
        print_json(r, path, algo, h, nh, error);
    else
        print_csv(r, path, algo, h, nh, error);
}

static void error_text(char *buf, size_t n, phash_status st, const char *detail)
{
    const char *s = phash_strerror(st);
    if (detail && *detail && strcmp(detail, s))
        snprintf(buf, n, "%s: %s", s, detail);
    else
        snprintf(buf, n, "%s", s);
}

static void fail_all(run *r, const char *path, const char *error)
{
    for (int i = 0; i < r->n_algos; i++)
        print_rows(r, path, r->algo[i], NULL, 0, error);
    r->failed++;
}

/* One file's report: one row (or dihedral row) per algorithm, in the order
 * of --algo; an algorithm without a hash gets the file's error. */
static int on_report(void *ctx, const phash_scan_report *rep)
{
    run *r = ctx;
    char err[512];
    if (rep->status != PHASH_OK)
        error_text(err, sizeof err, rep->status, rep->detail);
    else
        error_text(err, sizeof err, PHASH_ERR_NOT_IMAGE, rep->detail);
    int any_failed = 0;
    for (int a = 0; a < r->n_algos; a++) {
        const phash_scan_hash *h[8];
        int nh = 0;
        for (size_t i = 0; i < rep->n_hashes && nh < 8; i++) {
            const phash_scan_hash *x = phash_scan_report_hash(rep, i);
            if (!strcmp(x->algo, r->algo[a]))
                h[nh++] = x;
        }
        print_rows(r, rep->path, r->algo[a], h, nh, nh ? NULL : err);
        any_failed |= nh == 0;
    }
    r->failed += any_failed;
    return 0;
}

static void hash_path(run *r, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && !r->recursive) {
        char err[256];
        snprintf(err, sizeof err, "%s: is a directory (use -r)", phash_strerror(PHASH_ERR_IO));
        fail_all(r, path, err);
        return;
    }
    phash_status st2 = phash_scanner_scan_paths(r->scanner, &path, 1, on_report, r);
    if (st2 != PHASH_OK) {
        char err[512];
        error_text(err, sizeof err, st2, phash_scanner_last_error(r->scanner));
        fail_all(r, path, err);
    }
}

static const char *algo_find(const char *name)
{
    const char *n;
    for (size_t i = 0; (n = phash_scan_algorithm_name(i, NULL)); i++)
        if (!strcmp(n, name))
            return n;
    return NULL;
}

static void hash_algo_list(FILE *out)
{
    const char *n, *summary;
    for (size_t i = 0; (n = phash_scan_algorithm_name(i, &summary)); i++)
        fprintf(out, "                    %-8s %s\n", n, summary);
}

/* ---- options ----------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: phash hash [--algo NAME[,NAME...]] [--pdq-mode full|cli512] [--pdq-fast]\n"
            "                  [--dihedral] [--layout 1.0|0.9] [--json] [-r] FILE|DIR...\n\n"
            "Decode each file once and print its hashes: CSV with a header\n"
            "(path,algo,hash,quality), or one JSON object per line with --json.\n"
            "  --algo LIST     algorithms, comma-separated (default pdq):\n");
    hash_algo_list(out);
    fprintf(out,
            "  --pdq-mode M    full (default: full resolution, as HMA, pytx, Java) or\n"
            "                  cli512 (the C++ CLI's squash of larger images to 512x512)\n"
            "  --pdq-fast      opt-in fast mode: large JPEGs decoded at 1/2-1/8 scale (sides\n"
            "                  stay >= 512); not reference-exact (measured mean 3, max 10 bits)\n"
            "  --dihedral      also the 8 rotation/flip hashes; CSV columns then are\n"
            "                  path,quality,orig,rot90,rot180,rot270,flipx,flipy,flipp,flipm\n"
            "  --layout L      bit layout of phash: 1.0 (default, pHash 1.0 / GitHub master)\n"
            "                  or 0.9 (pHash 0.9.x releases and their distro packages)\n"
            "  --json          JSON lines instead of CSV\n"
            "  -r, --recursive hash the files below each DIR (sorted by name)\n"
            "A file that fails gets a row with empty hash and quality and its error as\n"
            "one more last field (CSV) or in \"error\" (JSON); exit status 2.\n");
}

static int add_algos(run *r, const char *list)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    r->n_algos = 0;
    r->algo_list[0] = '\0';
    for (char *name = strtok(buf, ","); name; name = strtok(NULL, ",")) {
        const char *a = algo_find(name);
        if (!a) {
            fprintf(stderr, "phash hash: unknown algorithm '%s'\n", name);
            return -1;
        }
        for (int i = 0; i < r->n_algos; i++)
            if (r->algo[i] == a)
                a = NULL;
        if (a && r->n_algos < MAX_ALGOS) {
            r->algo[r->n_algos++] = a;
            snprintf(r->algo_list + strlen(r->algo_list), sizeof r->algo_list - strlen(r->algo_list),
                     "%s%s", r->n_algos > 1 ? "," : "", a);
        }
    }
    if (r->n_algos == 0) {
        fprintf(stderr, "phash hash: --algo needs a name\n");
        return -1;
    }
    return 0;
}

enum { OPT_ALGO = 256, OPT_LAYOUT, OPT_PDQ_MODE, OPT_PDQ_FAST, OPT_DIHEDRAL, OPT_JSON };

static const struct option hash_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"algo", required_argument, NULL, OPT_ALGO},
    {"pdq-mode", required_argument, NULL, OPT_PDQ_MODE},
    {"pdq-fast", no_argument, NULL, OPT_PDQ_FAST},
    {"dihedral", no_argument, NULL, OPT_DIHEDRAL},
    {"layout", required_argument, NULL, OPT_LAYOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"recursive", no_argument, NULL, 'r'},
    {NULL, 0, NULL, 0}};

/* One option into r; -1 on a bad value (message printed). */
static int apply_option(run *r, int id, const char *v)
{
    switch (id) {
    case 'h': usage(stdout); exit(0);
    case OPT_DIHEDRAL: r->opts.dihedral = PHASH_SCAN_DIHEDRAL_REFERENCE; return 0; /* as the reference prints */
    case OPT_JSON: r->json = 1; return 0;
    case 'r': r->recursive = 1; return 0;
    case OPT_PDQ_FAST: r->opts.pdq_fast = 512; return 0;
    case OPT_ALGO: return add_algos(r, v);
    case OPT_LAYOUT:
        if (phash_dct_layout_parse(v, &r->opts.dct_layout) != PHASH_OK) {
            fprintf(stderr, "phash hash: --layout is 1.0 or 0.9, not '%s'\n", v);
            return -1;
        }
        return 0;
    case OPT_PDQ_MODE:
        if (phash_pdq_mode_parse(v, &r->opts.pdq_mode) != PHASH_OK) {
            fprintf(stderr, "phash hash: --pdq-mode is full or cli512, not '%s'\n", v);
            return -1;
        }
        return 0;
    default: return -1;
    }
}

static int parse_args(run *r, int argc, char **argv, int *first_file)
{
    r->opts.pdq_mode = PHASH_PDQ_FULL;
    if (add_algos(r, "pdq") != 0)
        return -1;
    const char *v;
    int id, i = argc;
    opt_begin();
    while ((id = opt_next(argc, argv, "phash hash", "hr", hash_options, &v, &i)) != -1)
        if (id == OPT_BAD || apply_option(r, id, v))
            return -1;
    if (r->opts.pdq_fast && !(r->n_algos == 1 && !strcmp(r->algo[0], "pdq"))) {
        fprintf(stderr, "phash hash: --pdq-fast works with --algo pdq alone\n");
        return -1;
    }
    if (r->opts.dihedral && !(r->n_algos == 1 && !strcmp(r->algo[0], "pdq"))) {
        fprintf(stderr, "phash hash: --dihedral needs exactly one algorithm with variants (pdq)\n");
        return -1;
    }
    if (i >= argc) {
        fprintf(stderr, "phash hash: no FILE given\n");
        return -1;
    }
    *first_file = i;
    return 0;
}

/* The scanner for this run: one thread (rows in input order), hashes
 * reported, links to folders not followed (-r as before). */
static int configure(run *r)
{
    phash_scanner *s;
    if (phash_scanner_new(&s) != PHASH_OK) {
        fprintf(stderr, "phash hash: out of memory\n");
        return -1;
    }
    r->scanner = s;
    phash_status st = phash_scanner_set_algorithms(s, r->algo_list);
    const struct { phash_scan_option opt; int64_t value; } opts[] = {
        {PHASH_SCAN_OPT_REPORT_HASHES, 1},
        {PHASH_SCAN_OPT_FOLLOW_LINKS, 0},
        {PHASH_SCAN_OPT_DIHEDRAL, r->opts.dihedral},
        {PHASH_SCAN_OPT_EXPAND, 0}, /* the image's own hashes (views are the scan's) */
        {PHASH_SCAN_OPT_PDQ_MODE, r->opts.pdq_mode},
        {PHASH_SCAN_OPT_PDQ_FAST, r->opts.pdq_fast},
        {PHASH_SCAN_OPT_PHASH_LAYOUT, r->opts.dct_layout},
    };
    for (size_t i = 0; st == PHASH_OK && i < sizeof opts / sizeof opts[0]; i++)
        st = phash_scanner_set_option(s, opts[i].opt, opts[i].value);
    if (st != PHASH_OK) {
        fprintf(stderr, "phash hash: %s\n", phash_scanner_last_error(s));
        return -1;
    }
    return 0;
}

int cmd_hash(int argc, char **argv)
{
    if (hash_video_is_vpdq(argc, argv)) /* videos: tools/hash_video.c */
        return hash_video_main(argc, argv);
    run r;
    memset(&r, 0, sizeof r);
    int first;
    if (parse_args(&r, argc, argv, &first) != 0) {
        usage(stderr);
        return EXIT_ERROR;
    }
    int rc = EXIT_NO_MATCH;
    if (configure(&r) != 0) {
        phash_scanner_free(r.scanner);
        return EXIT_ERROR;
    }
    print_header(&r);
    for (int i = first; i < argc; i++)
        hash_path(&r, argv[i]);
    if (r.failed)
        rc = EXIT_ERROR;
    phash_scanner_free(r.scanner);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "phash hash: cannot write the output: %s\n", strerror(errno));
        rc = EXIT_ERROR;
    }
    return rc;
}
