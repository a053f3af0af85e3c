/* SPDX-License-Identifier: MIT */
/* Flood protection (lib/scan/flood.c): a signature that matches more than
 * PHASH_SCAN_OPT_FLOOD_LIMIT distinct files is listed once with its count
 * and its matches in further files are dropped (or flagged). Exact counts
 * with several threads, one count per file whatever its records, the
 * allowlist, the reset at each scan, the option's range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phash/phash.h"
#include "phash/digest.h"
#include "testutil.h"

static const char LOGO[] = "a logo every letter carries\n";
static const char OTHER[] = "a listed file\n";

typedef struct seen {
    int reports, matched, flagged, records;
} seen;

static int on_report(void *ctx, const phash_scan_report *r)
{
    seen *v = ctx;
    v->reports++;
    v->matched += r->n_matches > 0;
    v->records += (int)r->n_matches;
    for (size_t i = 0; i < r->n_matches; i++)
        v->flagged += phash_scan_report_match(r, i)->flooded;
    return 0;
}

static void md5_hex(const char *text, char hex[65])
{
    phash_digest_result d;
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_MD5, text, strlen(text), &d), PHASH_OK);
    ck_assert_int_eq(phash_digest_to_hex(&d, PHASH_DIGEST_MD5, hex), PHASH_OK);
}

/* LOGO's MD5 in two lists (two owners: one signature), OTHER's in one. */
static phash_matcher *lists(int allow_logo)
{
    char logo[65], other[65], a[256], b[256];
    md5_hex(LOGO, logo);
    md5_hex(OTHER, other);
    snprintf(a, sizeof a, "md5,id\n%s,L-1\n%s,O-1\n", logo, other);
    snprintf(b, sizeof b, "md5,id\n%s,L-2\n", logo);
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    phash_sigset_report rep;
    ck_assert_int_eq(phash_sigset_load_memory(set, a, strlen(a), "a.csv", &rep), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(set, PHASH_SIGSET_OPT_ALLOWLIST, allow_logo),
                     PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, b, strlen(b), "b.csv", &rep), PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(m, set), PHASH_OK);
    return m;
}

static phash_scanner *scanner(const phash_matcher *m, int limit, int threads)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_FLOOD_LIMIT),
                     PHASH_SCAN_DEFAULT_FLOOD_LIMIT);
    ck_assert_int_eq(phash_scanner_set_matcher(s, m), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "md5"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_FLOOD_LIMIT, limit), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, threads), PHASH_OK);
    return s;
}

/* A folder of 30 copies of LOGO and 2 of OTHER. */
static void make_folder(char *dir, size_t cap)
{
    snprintf(dir, cap, "%s/flood-XXXXXX",
             getenv("PHASH_BUILD_ROOT") ? getenv("PHASH_BUILD_ROOT") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (int i = 0; i < 32; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/f%02d.txt", dir, i);
        FILE *f = fopen(p, "wb");
        ck_assert_ptr_nonnull(f);
        fputs(i < 30 ? LOGO : OTHER, f);
        fclose(f);
    }
}

static void remove_folder(const char *dir)
{
    for (int i = 0; i < 32; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/f%02d.txt", dir, i);
        unlink(p);
    }
    rmdir(dir);
}

/* 30 files of one signature with two owners, limit 10, 1 and 3 threads:
 * exactly 10 files report it (2 records each), 20 are flooded; OTHER is
 * untouched; the flood list names it once; a second scan counts anew. */
START_TEST(limit_over_threads)
{
    char dir[256];
    make_folder(dir, sizeof dir);
    phash_matcher *m = lists(0);
    char logo[65];
    md5_hex(LOGO, logo);
    for (int threads = 1; threads <= 3; threads += 2) {
        phash_scanner *s = scanner(m, 10, threads);
        for (int round = 0; round < 2; round++) {
            phash_scanner_reset_counters(s);
            seen v = {0};
            const char *paths[] = {dir};
            ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, on_report, &v), PHASH_OK);
            ck_assert_int_eq(v.reports, 32);
            ck_assert_int_eq(v.matched, 10 + 2);
            ck_assert_int_eq(v.records, 2 * 10 + 2);
            ck_assert_int_eq(v.flagged, 0);
            ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FLOODED), 2 * 20);
            ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MATCHES), 2 * 10 + 2);
            ck_assert_uint_eq(phash_scanner_flood_count(s), 1);
            const phash_scan_flood *f = phash_scanner_flood_get(s, 0);
            ck_assert_ptr_nonnull(f);
            ck_assert_str_eq(f->algo, "md5");
            ck_assert_int_eq(f->sig_algo, PHASH_SIG_MD5);
            ck_assert_str_eq(f->hash, logo);
            ck_assert_uint_eq(f->files, 30);
            ck_assert_uint_eq(f->dropped, 20);
            ck_assert(!strcmp(f->list, "a.csv") || !strcmp(f->list, "b.csv"));
            ck_assert(!strcmp(f->id, "L-1") || !strcmp(f->id, "L-2"));
            ck_assert_ptr_null(phash_scanner_flood_get(s, 1));
        }
        phash_scanner_free(s);
    }
    phash_matcher_free(m);
    remove_folder(dir);
}
END_TEST

/* LOGO scanned from memory n times, one file at a time. */
static void scan_logo(phash_scanner *s, int n, seen *v)
{
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(phash_scanner_scan_memory(s, LOGO, strlen(LOGO), "x", on_report, v),
                         PHASH_OK);
}

/* Flagged instead of dropped; off at 0; files scanned one at a time count
 * until reset_counters; allowlisted matches never count. */
START_TEST(flagged_off_and_single_files)
{
    phash_matcher *m = lists(0);
    phash_scanner *s = scanner(m, 2, 1);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_FLOODED, 1), PHASH_OK);
    seen v = {0};
    scan_logo(s, 5, &v);
    ck_assert_int_eq(v.records, 10);
    ck_assert_int_eq(v.flagged, 6);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FLOODED), 6);
    ck_assert_uint_eq(phash_scanner_flood_count(s), 1);
    ck_assert_uint_eq(phash_scanner_flood_get(s, 0)->files, 5);
    phash_scanner_reset_counters(s);
    ck_assert_uint_eq(phash_scanner_flood_count(s), 0);
    ck_assert_ptr_null(phash_scanner_flood_get(s, 0));
    /* off */
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_FLOOD_LIMIT, 0), PHASH_OK);
    v = (seen){0};
    scan_logo(s, 5, &v);
    ck_assert_int_eq(v.records, 10);
    ck_assert_int_eq(v.flagged, 0);
    ck_assert_uint_eq(phash_scanner_flood_count(s), 0);
    /* range */
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_FLOOD_LIMIT, -1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_FLOOD_LIMIT, (int64_t)1 << 32),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_FLOODED, 2),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_FLOOD_LIMIT), 0);
    ck_assert_uint_eq(phash_scanner_flood_count(NULL), 0);
    ck_assert_ptr_null(phash_scanner_flood_get(NULL, 0));
    phash_scanner_free(s);
    phash_matcher_free(m);
    /* b.csv an allowlist: LOGO's matches are suppressed, never counted */
    m = lists(1);
    s = scanner(m, 2, 1);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_SUPPRESSED, 1), PHASH_OK);
    v = (seen){0};
    scan_logo(s, 5, &v);
    ck_assert_int_eq(v.records, 10);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FLOODED), 0);
    ck_assert_uint_eq(phash_scanner_flood_count(s), 0);
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

/* An image's several records of one signature (dihedral variants, views,
 * two lists) count one file; its PDQ and pHash are two signatures. */
START_TEST(one_count_per_file)
{
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    phash_sigset_report rep;
    ck_assert_int_eq(phash_sigset_load_file(set, source_path("sample/signatures.csv"), &rep),
                     PHASH_OK);
    FILE *f = fopen(source_path("sample/signatures.csv"), "rb");
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    ck_assert_int_eq(phash_sigset_load_memory(set, text, n, "copy.csv", &rep), PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(m, set), PHASH_OK);
    phash_scanner *s = scanner(m, 1, 1);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "pdq,phash"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_DIHEDRAL, 1), PHASH_OK);
    seen v = {0};
    const char *img = source_path("sample/originals/o0008.jpg");
    char path[4096];
    snprintf(path, sizeof path, "%s", img);
    ck_assert_int_eq(phash_scanner_scan_file(s, path, on_report, &v), PHASH_OK);
    int first = v.records;
    ck_assert_int_ge(first, 4); /* PDQ and pHash, two lists */
    ck_assert_uint_eq(phash_scanner_flood_count(s), 0);
    ck_assert_int_eq(phash_scanner_scan_file(s, path, on_report, &v), PHASH_OK);
    ck_assert_int_eq(v.records, first); /* the second file: both signatures flooded */
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FLOODED), (uint64_t)first);
    ck_assert_uint_eq(phash_scanner_flood_count(s), 2);
    ck_assert_str_eq(phash_scanner_flood_get(s, 0)->algo, "pdq");
    ck_assert_str_eq(phash_scanner_flood_get(s, 1)->algo, "phash");
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(phash_scanner_flood_get(s, (size_t)i)->files, 2);
        ck_assert_uint_eq(phash_scanner_flood_get(s, (size_t)i)->dropped, 1);
    }
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flood");
    TCase *tc = tcase_create("flood");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, limit_over_threads);
    tcase_add_test(tc, flagged_off_and_single_files);
    tcase_add_test(tc, one_count_per_file);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
