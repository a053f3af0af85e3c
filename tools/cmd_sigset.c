/* SPDX-License-Identifier: MIT */
/* phash sigset check|compile|info: signature lists and compiled sets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "phash/phash.h"
#include "commands.h"
#include "opts.h"

static void sigset_usage(FILE *f)
{
    fprintf(f,
        "usage: phash sigset check [--strict] [options] LIST...\n"
        "       phash sigset compile [--strict] [options] LIST... -o SET.phx\n"
        "       phash sigset info SET\n"
        "\n"
        "check    load each list and print its report: records read, inserted,\n"
        "         duplicates, invalid by reason, and the first problems as\n"
        "         file:line: expected ..., found ...\n"
        "compile  load the lists into one set and write it as a compiled set (atomic\n"
        "         write, mode 0600) that phash scan opens quickly;\n"
        "         -o must be a regular file or a new name (links, devices, FIFOs\n"
        "         and folders are refused)\n"
        "info     describe a list or a compiled set: entries per algorithm, and each\n"
        "         list's name, size, SHA-256 and load date (UTC)\n"
        "\n"
        "options:\n"
        "  --strict           fail at the first invalid record\n"
        "  --format F         auto (default), plain, csv, jsonl, vpdq, vics or ncmec\n"
        "  --algo A           algorithm of records that do not name one: pdq or phash\n"
        "  --min-quality N    PDQ quality below N is flagged (default 50)\n"
        "  --keep-flagged     keep all-zero and low-quality entries (default: skip them)\n"
        "  --decimal          read 16-digit all-decimal pHash values as decimal\n"
        "  -o, --output SET   compile: the compiled set to write\n"
        "  --layout L         compile: fast (default: with the index, for servers) or\n"
        "                     endpoint (no index, compact owners: ~44 B per PDQ entry,\n"
        "                     queries scan the codes; same matches)\n"
        "  --allowlist LIST   also load LIST as an allowlist (known-benign files: its\n"
        "                     entries suppress other lists' matches of the same file\n"
        "                     or hash; VICS Category 0 and NIST CAID are such entries\n"
        "                     already); may be repeated\n"
        "Exit status: 0 success, 2 error (a list could not be loaded, or an invalid\n"
        "record with --strict).\n");
}

/* phash_sigset_format values by name */
static const char *const formats[] = {"auto", "plain", "csv", "jsonl", "vpdq", "vics", "ncmec"};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static void print_report(FILE *f, const char *path, const phash_sigset_report *r)
{
    fprintf(f,
            "%s: %s, %llu lines, %llu records: %llu inserted, %llu duplicates, %llu invalid, "
            "%llu all-zero, %llu low quality\n",
            path, (unsigned)r->format < N_FORMATS ? formats[r->format] : "auto",
            (unsigned long long)r->lines,
            (unsigned long long)r->records, (unsigned long long)r->inserted,
            (unsigned long long)r->duplicates, (unsigned long long)r->invalid,
            (unsigned long long)r->zero, (unsigned long long)r->low_quality);
    fputs("  valid records:", f);
    for (int a = 1; a <= PHASH_SIG_SHA256; a++)
        fprintf(f, "%s %s %llu", a > 1 ? "," : "", phash_sig_algo_name((phash_sig_algo)a),
                (unsigned long long)r->per_algo[a]);
    if (r->videos)
        fprintf(f, ", vpdq %llu (videos)", (unsigned long long)r->videos);
    fputc('\n', f);
    if (r->empty_file)
        fprintf(f, "  %llu digests of the empty file (never matched)\n",
                (unsigned long long)r->empty_file);
    /* Hashes phash cannot compute: kept in the metadata, said, never lost. */
    for (int k = 0; k < PHASH_SIGSET_OPAQUE_KINDS; k++)
        if (r->opaque[k])
            fprintf(f, "  %llu %s hashes kept, not matchable\n", (unsigned long long)r->opaque[k],
                    phash_sigset_opaque_name((phash_sigset_opaque)k));
    if (r->opaque_only)
        fprintf(f, "  %llu records with only such hashes\n", (unsigned long long)r->opaque_only);
    if (r->tombstones)
        fprintf(f, "  %llu tombstones (deleted entries): %llu earlier records removed\n",
                (unsigned long long)r->tombstones, (unsigned long long)r->deleted);
    if (r->invalid) {
        fputs("  invalid:", f);
        const char *sep = " ";
        for (int k = 0; k < PHASH_SIGSET_PROBLEMS; k++)
            if (r->by_reason[k]) {
                fprintf(f, "%s%s %llu", sep, phash_sigset_problem_name((phash_sigset_problem)k),
                        (unsigned long long)r->by_reason[k]);
                sep = ", ";
            }
        fputc('\n', f);
    }
    for (unsigned i = 0; i < r->n_messages; i++)
        fprintf(f, "  %s\n", r->messages[i]);
}

typedef struct sigset_args {
    const char *out;
    const char **lists;
    unsigned char *allow; /* per list: loaded as an allowlist (--allowlist) */
    int n_lists;
    unsigned save_flags; /* PHASH_SIGSET_SAVE_ENDPOINT for --layout endpoint */
} sigset_args;

enum {
    OPT_STRICT = 256, OPT_KEEP_FLAGGED, OPT_DECIMAL, OPT_FORMAT, OPT_ALGO, OPT_MIN_QUALITY,
    OPT_ALLOWLIST, OPT_LAYOUT
};

static const struct option sigset_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"keep-flagged", no_argument, NULL, OPT_KEEP_FLAGGED},
    {"decimal", no_argument, NULL, OPT_DECIMAL},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"algo", required_argument, NULL, OPT_ALGO},
    {"min-quality", required_argument, NULL, OPT_MIN_QUALITY},
    {"output", required_argument, NULL, 'o'},
    {"allowlist", required_argument, NULL, OPT_ALLOWLIST},
    {"layout", required_argument, NULL, OPT_LAYOUT},
    {NULL, 0, NULL, 0}};

/* One option into the set (or a); 0, or -1 on a bad value. */
static int apply_option(phash_sigset *set, sigset_args *a, int id, const char *v)
{
    switch (id) {
    case OPT_STRICT: return phash_sigset_set_option(set, PHASH_SIGSET_OPT_STRICT, 1) ? -1 : 0;
    case OPT_KEEP_FLAGGED:
        return phash_sigset_set_option(set, PHASH_SIGSET_OPT_KEEP_FLAGGED, 1) ? -1 : 0;
    case OPT_DECIMAL:
        return phash_sigset_set_option(set, PHASH_SIGSET_OPT_U64_FORM, PHASH_U64_UNSIGNED) ? -1
                                                                                           : 0;
    case 'o': a->out = v; return 0;
    case OPT_LAYOUT:
        if (strcmp(v, "fast") && strcmp(v, "endpoint"))
            return -1;
        a->save_flags = strcmp(v, "endpoint") ? 0 : PHASH_SIGSET_SAVE_ENDPOINT;
        return 0;
    case OPT_ALLOWLIST:
        a->allow[a->n_lists] = 1;
        a->lists[a->n_lists++] = v;
        return 0;
    case OPT_FORMAT: {
        int f = -1;
        for (size_t k = 0; k < N_FORMATS; k++)
            if (!strcmp(v, formats[k]))
                f = (int)k;
        return phash_sigset_set_option(set, PHASH_SIGSET_OPT_FORMAT, f) ? -1 : 0;
    }
    case OPT_ALGO: {
        phash_sig_algo al;
        return phash_sig_algo_parse(v, strlen(v), &al) != PHASH_OK ||
                       phash_sigset_set_option(set, PHASH_SIGSET_OPT_ALGO, al) != PHASH_OK
                   ? -1 : 0;
    }
    case OPT_MIN_QUALITY: {
        char *end;
        long q = strtol(v, &end, 10);
        return end == v || *end || q < 0 || q > 100 ||
                       phash_sigset_set_option(set, PHASH_SIGSET_OPT_MIN_QUALITY, (int)q)
                   ? -1 : 0;
    }
    default: return -1;
    }
}

/* Parse options into the set; lists and -o into a. -1 on a usage error, 1
 * for --help. */
static int parse(int argc, char **argv, phash_sigset *set, sigset_args *a)
{
    a->lists = calloc((size_t)argc, sizeof *a->lists);
    a->allow = calloc((size_t)argc, 1);
    if (!a->lists || !a->allow)
        return -1;
    const char *v;
    int id, first = argc;
    opt_begin();
    while ((id = opt_next(argc, argv, "phash sigset", "ho:", sigset_options, &v, &first)) != -1) {
        if (id == 'h')
            return 1;
        if (id == OPT_BAD)
            return -1;
        if (apply_option(set, a, id, v)) {
            fprintf(stderr, "phash sigset: %.*s: bad value '%s'\n",
                    (int)strcspn(argv[optind - 1], "="), argv[optind - 1], v ? v : "");
            return -1;
        }
    }
    for (int i = first; i < argc; i++)
        a->lists[a->n_lists++] = argv[i];
    return 0;
}

/* Load every list, printing reports to f. Returns the number that failed. */
static int load_all(phash_sigset *set, const sigset_args *a, FILE *f)
{
    int failed = 0;
    for (int i = 0; i < a->n_lists; i++) {
        phash_sigset_report r;
        phash_status st = phash_sigset_set_option(set, PHASH_SIGSET_OPT_ALLOWLIST, a->allow[i]);
        if (st == PHASH_OK)
            st = phash_sigset_load_file(set, a->lists[i], &r);
        if (st == PHASH_ERR_IO || st == PHASH_ERR_NOMEM || st == PHASH_ERR_INVALID_ARG) {
            fprintf(f, "%s\n", phash_sigset_last_error(set));
            failed++;
            continue;
        }
        print_report(f, a->lists[i], &r);
        if (st != PHASH_OK) {
            fprintf(f, "  error: %s\n", phash_sigset_last_error(set));
            failed++;
        }
    }
    return failed;
}

/* One line per list: what it was when it was loaded (an operator's audit
 * trail of a compiled set). */
static void print_provenance(const phash_sigset *set)
{
    for (size_t i = 0; i < phash_sigset_list_count(set); i++) {
        const char *name = "";
        uint64_t size;
        uint8_t sha[32];
        int64_t loaded;
        phash_status st = phash_sigset_list_info(set, i, &name, &size, sha, &loaded);
        if (st != PHASH_OK) {
            printf("list %zu: %s (size, checksum and load date not recorded)\n", i + 1, name);
            continue;
        }
        char hex[65], when[32] = "?";
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", sha[k]);
        time_t t = (time_t)loaded;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("list %zu: %s, %llu bytes, sha256 %s, loaded %s\n", i + 1, name,
               (unsigned long long)size, hex, when);
    }
}

static void print_info(const phash_sigset *set)
{
    printf("entries: pdq %zu, phash %zu", phash_sigset_size(set, PHASH_SIG_PDQ),
           phash_sigset_size(set, PHASH_SIG_PHASH));
    for (int al = PHASH_SIG_PHASH + 1; al <= PHASH_SIG_ALGO_MAX; al++)
        printf(", %s %zu", phash_sig_algo_name((phash_sig_algo)al), phash_sigset_size(set, al));
    putchar('\n');
    size_t owners = 0;
    for (int al = 1; al <= PHASH_SIG_ALGO_MAX; al++)
        for (size_t e = 0; e < phash_sigset_size(set, al); e++)
            owners += phash_sigset_owner_count(set, al, e);
    printf("owners (records): %zu\n", owners);
    printf("lists: %zu\n", phash_sigset_list_count(set));
    print_provenance(set);
}

static int cmd_info(const char *path)
{
    struct stat st;
    if (stat(path, &st)) {
        perror(path);
        return EXIT_ERROR;
    }
    phash_sigset *set = NULL;
    if (phash_sigset_file_is_compiled(path)) {
        const char *detail = NULL;
        phash_status s = phash_sigset_open(path, &set, &detail);
        if (s != PHASH_OK) {
            fprintf(stderr, "phash sigset: %s: %s\n", path, detail ? detail : phash_strerror(s));
            return EXIT_ERROR;
        }
        printf("%s: compiled signature set, %lld bytes\n", path, (long long)st.st_size);
    } else {
        phash_sigset_report r;
        if (phash_sigset_new(&set) != PHASH_OK || phash_sigset_load_file(set, path, &r) != PHASH_OK) {
            fprintf(stderr, "phash sigset: %s\n", set ? phash_sigset_last_error(set) : "out of memory");
            phash_sigset_free(set);
            return EXIT_ERROR;
        }
        printf("%s: signature list, %lld bytes, %llu invalid records\n", path,
               (long long)st.st_size, (unsigned long long)r.invalid);
    }
    print_info(set);
    phash_sigset_free(set);
    return EXIT_NO_MATCH;
}

int cmd_sigset(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        sigset_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_ERROR : EXIT_NO_MATCH;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "info")) {
        static const struct option info_options[] = {{"help", no_argument, NULL, 'h'},
                                                     {NULL, 0, NULL, 0}};
        const char *v;
        int id, first = argc - 1;
        opt_begin();
        while ((id = opt_next(argc - 1, argv + 1, "phash sigset", "h", info_options, &v,
                              &first)) != -1) {
            sigset_usage(id == 'h' ? stdout : stderr);
            return id == 'h' ? EXIT_NO_MATCH : EXIT_ERROR;
        }
        if (first != argc - 2) {
            sigset_usage(stderr);
            return EXIT_ERROR;
        }
        return cmd_info(argv[1 + first]);
    }
    if (strcmp(sub, "check") && strcmp(sub, "compile")) {
        fprintf(stderr, "phash sigset: unknown subcommand '%s'\n", sub);
        sigset_usage(stderr);
        return EXIT_ERROR;
    }
    phash_sigset *set = NULL;
    sigset_args a = {0};
    int rc = EXIT_NO_MATCH;
    int parsed = phash_sigset_new(&set) == PHASH_OK ? parse(argc - 1, argv + 1, set, &a) : -1;
    if (parsed > 0) {
        sigset_usage(stdout);
    } else if (parsed || a.n_lists == 0 || (!strcmp(sub, "compile") && !a.out) ||
               (!strcmp(sub, "check") && a.out)) {
        if (parsed == 0 && a.n_lists == 0)
            fprintf(stderr, "phash sigset: no LIST given\n");
        sigset_usage(stderr);
        rc = EXIT_ERROR;
    } else if (!strcmp(sub, "check")) {
        rc = load_all(set, &a, stdout) ? EXIT_ERROR : EXIT_NO_MATCH;
    } else if (load_all(set, &a, stderr)) {
        rc = EXIT_ERROR;
    } else {
        size_t pdq = phash_sigset_size(set, PHASH_SIG_PDQ),
               phash = phash_sigset_size(set, PHASH_SIG_PHASH), lists = phash_sigset_list_count(set);
        /* written for the last time: its memory is freed as it is written */
        if (phash_sigset_save_flags(set, a.out, PHASH_SIGSET_SAVE_RELEASE | a.save_flags) !=
            PHASH_OK) {
            fprintf(stderr, "phash sigset: %s\n", phash_sigset_last_error(set));
            rc = EXIT_ERROR;
        } else
            fprintf(stderr, "%s: pdq %zu, phash %zu entries from %zu lists\n", a.out, pdq, phash,
                    lists);
    }
    free(a.lists);
    free(a.allow);
    phash_sigset_free(set);
    return rc;
}
