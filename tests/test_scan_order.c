/* SPDX-License-Identifier: MIT */
/* Reports in input order (PHASH_SCAN_OPT_ORDERED) with several worker
 * threads, and the named flag of paths given to scan (report.named,
 * PHASH_SCAN_ROOT_ERRORS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

typedef struct seen {
    char names[64][32];
    int named[64];
    int n;
} seen;

static int record(void *ctx, const phash_scan_report *r)
{
    seen *s = ctx;
    if (s->n < 64) {
        const char *slash = strrchr(r->path, '/');
        snprintf(s->names[s->n], sizeof s->names[0], "%s", slash ? slash + 1 : r->path);
        s->named[s->n++] = r->named;
    }
    return 0;
}

static void write_file(const char *dir, const char *name, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    char *b = calloc(1, size ? size : 1);
    ck_assert_uint_eq(fwrite(b, 1, size, f), size);
    fclose(f);
    free(b);
}

/* "a-big" (8 MiB to digest) comes first by name, then 24 tiny files: a
 * second worker would report the tiny ones while the first still digests
 * the big one. Ordered, the reports come in name order all the same. */
static void make_tree(char *dir, size_t n)
{
    make_temp_dir(dir, n, "phash-order");
    write_file(dir, "a-big", (size_t)8 << 20);
    for (int i = 0; i < 24; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%02d", i);
        write_file(dir, name, 16);
    }
}

static void remove_tree(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a-big", dir);
    unlink(path);
    for (int i = 0; i < 24; i++) {
        snprintf(path, sizeof path, "%s/t%02d", dir, i);
        unlink(path);
    }
    rmdir(dir);
}

START_TEST(ordered_reports_follow_the_walk)
{
    char dir[400];
    make_tree(dir, sizeof dir);
    phash_scanner *s;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "sha256"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, 3), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_ORDERED, 1), PHASH_OK);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_ORDERED), 1);
    const char *missing = "/nonexistent/phash-order";
    const char *paths[] = {dir, missing, dir};
    for (int run = 0; run < 3; run++) {
        seen got = {0};
        ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 3, record, &got), PHASH_OK);
        ck_assert_int_eq(got.n, 51);
        for (int k = 0; k < 2; k++) { /* the folder, walked twice, around the missing path */
            int base = k * 26;
            ck_assert_str_eq(got.names[base], "a-big");
            for (int i = 0; i < 24; i++) {
                char want[16];
                snprintf(want, sizeof want, "t%02d", i);
                ck_assert_str_eq(got.names[base + 1 + i], want);
                ck_assert_int_eq(got.named[base + 1 + i], 0);
            }
        }
        ck_assert_str_eq(got.names[25], "phash-order"); /* in its place */
        ck_assert_int_eq(got.named[25], 1);
    }
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_ROOT_ERRORS), 3);
    phash_scanner_free(s);
    remove_tree(dir);
}
END_TEST

/* A file given to scan is named; one that cannot be opened (a FIFO; on
 * Windows, which has none in folders, a missing file) is a root error. */
START_TEST(named_files_and_root_errors)
{
    char dir[400];
    make_tree(dir, sizeof dir);
    char file[512], fifo[512];
    snprintf(file, sizeof file, "%s/t03", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
#ifndef _WIN32
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
#endif
    phash_scanner *s;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, 2), PHASH_OK);
    const char *paths[] = {file, fifo};
    seen got = {0};
    ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 2, record, &got), PHASH_OK);
    ck_assert_int_eq(got.n, 2);
    ck_assert_int_eq(got.named[0] + got.named[1], 2);
    /* the FIFO named: refused unopened, and the caller's error */
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_ROOT_ERRORS), 1);
    phash_scanner_free(s);
    unlink(fifo);
    remove_tree(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scan_order");
    TCase *tc = tcase_create("order");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ordered_reports_follow_the_walk);
    tcase_add_test(tc, named_files_and_root_errors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
