/* SPDX-License-Identifier: MIT */
/*
 * phash hash: decode each file once and print one row per algorithm
 * (digests read the file's bytes and need no decode).
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
 * Paths are printed as given (joined with '/' below a directory).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "hash_algos.h"
#include "phash/phash.h"

#define MAX_ALGOS 8

typedef struct run {
    const hash_algo *algo[MAX_ALGOS];
    void *state[MAX_ALGOS];
    int n_algos;
    algo_opts opts;
    int json;
    int recursive;
    phash_decoder *dec;
    int failed; /* files that could not be hashed */
    int cmyk_raw3; /* the decoder gives CMYK JPEGs as raw C,M,Y (dct) */
} run;

/* ---- output ------------------------------------------------------------ */

static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static int dihedral_layout(const run *r)
{
    return r->opts.dihedral && r->n_algos == 1 && r->algo[0]->variant_names;
}

static void print_header(const run *r)
{
    if (r->json)
        return;
    if (dihedral_layout(r)) {
        fputs("path,quality", stdout);
        for (const char *const *n = r->algo[0]->variant_names; *n; n++)
            printf(",%s", *n);
        putchar('\n');
    } else {
        puts("path,algo,hash,quality");
    }
}

static void print_csv(const run *r, const char *path, const hash_algo *a,
                      const algo_result *res, const char *error)
{
    csv_field(path);
    if (dihedral_layout(r)) {
        int nv = 0;
        while (a->variant_names[nv])
            nv++;
        if (error) {
            for (int i = 0; i < nv + 1; i++)
                putchar(',');
        } else {
            printf(",%d", res->quality);
            for (int i = 0; i < nv; i++)
                printf(",%s", res->variants[i]);
        }
    } else {
        printf(",%s,", a->name);
        if (!error) {
            fputs(res->hash, stdout);
            putchar(',');
            if (res->quality >= 0)
                printf("%d", res->quality);
        } else {
            putchar(',');
        }
    }
    if (error) {
        putchar(',');
        csv_field(error);
    }
    putchar('\n');
}

static void print_json(const run *r, const char *path, const hash_algo *a,
                       const algo_result *res, const char *error)
{
    fputs("{\"path\":", stdout);
    json_string(path);
    printf(",\"algo\":\"%s\",\"hash\":", a->name);
    if (error) {
        fputs("null,\"quality\":null,\"error\":", stdout);
        json_string(error);
        puts("}");
        return;
    }
    json_string(res->hash);
    if (res->quality >= 0)
        printf(",\"quality\":%d", res->quality);
    else
        fputs(",\"quality\":null", stdout);
    if (r->opts.dihedral && a->variant_names && res->n_variants) {
        fputs(",\"dihedral\":{", stdout);
        for (int i = 0; i < res->n_variants && a->variant_names[i]; i++)
            printf("%s\"%s\":\"%s\"", i ? "," : "", a->variant_names[i], res->variants[i]);
        putchar('}');
    }
    puts("}");
}

static void print_row(const run *r, const char *path, const hash_algo *a,
                      const algo_result *res, const char *error)
{
    if (r->json)
        print_json(r, path, a, res, error);
    else
        print_csv(r, path, a, res, error);
}

/* ---- hashing ----------------------------------------------------------- */

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
        print_row(r, path, r->algo[i], NULL, error);
    r->failed++;
}

/* One algorithm that can read the file itself (see hash_algo.compute_file). */
static void hash_file_direct(run *r, const char *path)
{
    char err[512];
    algo_result res;
    memset(&res, 0, sizeof res);
    const char *detail = NULL;
    phash_status st = r->algo[0]->compute_file(r->state[0], path, &res, &detail);
    if (st != PHASH_OK) {
        error_text(err, sizeof err, st, detail);
        fail_all(r, path, err);
        return;
    }
    print_row(r, path, r->algo[0], &res, NULL);
}

static void hash_file(run *r, const char *path)
{
    if (r->n_algos == 1 && r->algo[0]->compute_file) {
        hash_file_direct(r, path);
        return;
    }
    char err[512], decode_err[512] = "";
    const phash_image *img = NULL;
    /* Decode once, only when an algorithm needs the image (digests read
     * the bytes themselves: a file that is no image still gets them). */
    int need_image = 0;
    for (int i = 0; i < r->n_algos; i++)
        need_image |= r->algo[i]->compute != NULL;
    phash_status st = PHASH_OK;
    if (need_image && (st = phash_decode_file(r->dec, path, &img)) != PHASH_OK)
        error_text(decode_err, sizeof decode_err, st, phash_decoder_last_error(r->dec));
    int any_failed = 0;
    for (int i = 0; i < r->n_algos; i++) {
        algo_result res;
        memset(&res, 0, sizeof res);
        const char *detail = NULL;
        if (!r->algo[i]->compute)
            st = r->algo[i]->compute_file(r->state[i], path, &res, &detail);
        else if (!img) {
            print_row(r, path, r->algo[i], NULL, decode_err);
            any_failed = 1;
            continue;
        }
        /* A CMYK JPEG decoded to RGB for the others: an algorithm whose
         * reference takes the raw channels (pHash) reads the file itself. */
        else if (r->algo[i]->cmyk_raw3 && !r->cmyk_raw3 && r->algo[i]->compute_file &&
                 (phash_image_flags(img) & PHASH_IMAGE_CMYK))
            st = r->algo[i]->compute_file(r->state[i], path, &res, &detail);
        else
            st = r->algo[i]->compute(r->state[i], img, &res, &detail);
        if (st != PHASH_OK) {
            error_text(err, sizeof err, st, detail);
            print_row(r, path, r->algo[i], NULL, err);
            any_failed = 1;
        } else {
            print_row(r, path, r->algo[i], &res, NULL);
        }
    }
    r->failed += any_failed;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hash_path(run *r, const char *path);

/* Every entry of a directory, in byte order of names (stable output). */
static void hash_dir(run *r, const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        char err[512];
        snprintf(err, sizeof err, "%s: %s", phash_strerror(PHASH_ERR_IO), strerror(errno));
        fail_all(r, path, err);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    size_t plen = strlen(path);
    int slash = plen > 0 && path[plen - 1] == '/';
    for (size_t i = 0; i < n; i++) {
        size_t len = plen + 1 + strlen(names[i]) + 1;
        char *child = malloc(len);
        if (child) {
            snprintf(child, len, "%s%s%s", path, slash ? "" : "/", names[i]);
            struct stat st;
            /* Do not follow symbolic links to directories: no loops. */
            if (lstat(child, &st) == 0 && S_ISLNK(st.st_mode) && stat(child, &st) == 0 &&
                S_ISDIR(st.st_mode))
                ; /* skipped */
            else
                hash_path(r, child);
            free(child);
        }
        free(names[i]);
    }
    free(names);
}

static void hash_path(run *r, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (r->recursive) {
            hash_dir(r, path);
        } else {
            char err[256];
            snprintf(err, sizeof err, "%s: is a directory (use -r)",
                     phash_strerror(PHASH_ERR_IO));
            fail_all(r, path, err);
        }
        return;
    }
    hash_file(r, path);
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
    for (char *name = strtok(buf, ","); name; name = strtok(NULL, ",")) {
        const hash_algo *a = hash_algo_find(name);
        if (!a) {
            fprintf(stderr, "phash hash: unknown algorithm '%s'\n", name);
            return -1;
        }
        for (int i = 0; i < r->n_algos; i++)
            if (r->algo[i] == a)
                a = NULL;
        if (a && r->n_algos < MAX_ALGOS)
            r->algo[r->n_algos++] = a;
    }
    if (r->n_algos == 0) {
        fprintf(stderr, "phash hash: --algo needs a name\n");
        return -1;
    }
    return 0;
}

/* The value of --name VALUE or --name=VALUE at argv[*i], or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int parse_args(run *r, int argc, char **argv, int *first_file)
{
    r->opts.pdq_mode = PHASH_PDQ_FULL;
    if (add_algos(r, "pdq") != 0)
        return -1;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1])
            break;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--dihedral")) {
            r->opts.dihedral = 1;
        } else if (!strcmp(a, "--json")) {
            r->json = 1;
        } else if (!strcmp(a, "-r") || !strcmp(a, "--recursive")) {
            r->recursive = 1;
        } else if ((v = option_value(argc, argv, &i, "--algo"))) {
            if (add_algos(r, v) != 0)
                return -1;
        } else if ((v = option_value(argc, argv, &i, "--layout"))) {
            if (phash_dct_layout_parse(v, &r->opts.dct_layout) != PHASH_OK) {
                fprintf(stderr, "phash hash: --layout is 1.0 or 0.9, not '%s'\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--pdq-fast")) {
            r->opts.pdq_fast = 512;
        } else if ((v = option_value(argc, argv, &i, "--pdq-mode"))) {
            if (phash_pdq_mode_parse(v, &r->opts.pdq_mode) != PHASH_OK) {
                fprintf(stderr, "phash hash: --pdq-mode is full or cli512, not '%s'\n", v);
                return -1;
            }
        } else {
            fprintf(stderr, "phash hash: unknown option '%s'\n", a);
            return -1;
        }
    }
    if (r->opts.pdq_fast && !(r->n_algos == 1 && !strcmp(r->algo[0]->name, "pdq"))) {
        fprintf(stderr, "phash hash: --pdq-fast works with --algo pdq alone\n");
        return -1;
    }
    if (r->opts.dihedral && !(r->n_algos == 1 && r->algo[0]->variant_names)) {
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

int cmd_hash(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    int first;
    if (parse_args(&r, argc, argv, &first) != 0) {
        usage(stderr);
        return EXIT_ERROR;
    }
    int rc = EXIT_NO_MATCH;
    r.dec = phash_decoder_new();
    if (!r.dec) {
        fprintf(stderr, "phash hash: out of memory\n");
        return EXIT_ERROR;
    }
    r.cmyk_raw3 = 1;
    for (int i = 0; i < r.n_algos; i++)
        if (r.algo[i]->compute) /* digests do not decode */
            r.cmyk_raw3 &= r.algo[i]->cmyk_raw3;
    if (r.cmyk_raw3 &&
        phash_decoder_set_option(r.dec, PHASH_DECODE_CMYK_MODE, PHASH_CMYK_RAW3) != PHASH_OK) {
        fprintf(stderr, "phash hash: cannot set the CMYK mode\n");
        phash_decoder_free(r.dec);
        return EXIT_ERROR;
    }
    for (int i = 0; i < r.n_algos; i++) {
        char err[256] = "";
        r.state[i] = r.algo[i]->state_new(&r.opts, err, sizeof err);
        if (!r.state[i]) {
            fprintf(stderr, "phash hash: %s\n", err);
            rc = EXIT_ERROR;
        }
    }
    if (rc == EXIT_NO_MATCH) {
        print_header(&r);
        for (int i = first; i < argc; i++)
            hash_path(&r, argv[i]);
        if (r.failed)
            rc = EXIT_ERROR;
    }
    for (int i = 0; i < r.n_algos; i++)
        if (r.state[i])
            r.algo[i]->state_free(r.state[i]);
    phash_decoder_free(r.dec);
    if (fflush(stdout) != 0)
        rc = EXIT_ERROR;
    return rc;
}
