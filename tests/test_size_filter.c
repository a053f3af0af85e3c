/* SPDX-License-Identifier: MIT */
/* lists: the size filter. File sizes recorded by lists (VICS MediaSize, a
 * size column or member) make a size set; a set whose every digest entry
 * has a size says which file sizes can match by digest, across loads,
 * rollbacks and compiled sets; the scanner leaves a non-media file of
 * another size undigested, read only for its head. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phash/phash.h"
#include "phash/digest.h"
#include "phash/scan.h"
#include "sigset_testlib.h"
#include "testutil.h"

#define MD5_A "0cc175b9c0f1b6a831c399e269772661"
#define MD5_B "92eb5ffee6ae2fec3ad71c777531578f"
#define MD5_C "4a8a08f09d37b73795649038408b5f33"
#define MD5_D "8277e0910d750195b448797616e091ad"
#define SHA1_A "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"
#define PDQ1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

/* Sizes as VICS writes them: a number, a string, a spreadsheet's "5.0". */
static const char vics_sizes[] =
    "{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/"
    "$metadata#Media\",\"value\":[\n"
    "{\"MediaID\":1,\"Category\":1,\"MD5\":\"" MD5_A "\",\"SHA1\":\"" SHA1_A "\",\"MediaSize\":1},\n"
    "{\"MediaID\":2,\"Category\":1,\"MD5\":\"" MD5_B "\",\"MediaSize\":\"1048576\"},\n"
    "{\"MediaID\":3,\"Category\":2,\"MD5\":\"" MD5_C "\",\"MediaSize\":5.0}\n"
    "]}\n";

static void expect_sizes(const phash_sigset *s, int one, int two, int five, int mib)
{
    ck_assert_int_eq(phash_sigset_size_possible(s, 1), one);
    ck_assert_int_eq(phash_sigset_size_possible(s, 2), two);
    ck_assert_int_eq(phash_sigset_size_possible(s, 5), five);
    ck_assert_int_eq(phash_sigset_size_possible(s, 1048576), mib);
}

START_TEST(sizes_from_lists)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    /* No digest entry: any size may match. */
    ck_assert_int_eq(phash_sigset_size_possible(s, 2), 1);
    ck_assert_int_eq(load(s, vics_sizes, "vics.json"), PHASH_OK);
    expect_sizes(s, 1, 0, 1, 1);
    ck_assert_int_eq(phash_sigset_size_possible(s, 0), 0);
    ck_assert_int_eq(phash_sigset_size_possible(s, 1048577), 0);
    /* The size stays in the metadata, as before. */
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, MD5_B, 0, &o);
    ck_assert_str_eq(o.metadata, "{\"Category\":1,\"MediaSize\":\"1048576\"}");
    /* A JSON line with a size member, a PDQ list (no digest: no effect). */
    ck_assert_int_eq(load(s, "{\"md5\":\"" MD5_D "\",\"file_size\":2}\n", "x.jsonl"), PHASH_OK);
    ck_assert_int_eq(load(s, PDQ1 "\n", "pdq.txt"), PHASH_OK);
    expect_sizes(s, 1, 1, 1, 1);
    ck_assert_int_eq(phash_sigset_size_possible(s, 3), 0);
    /* "File Size" is not a size column name: MD5_D's owner in x.csv has
     * no size, so any size may match now. */
    ck_assert_int_eq(load(s, "MD5;File Size\n" MD5_D ";2\n", "x.csv"), PHASH_OK);
    ck_assert_int_eq(phash_sigset_size_possible(s, 3), 1);
    phash_sigset_free(s);

    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, vics_sizes, "vics.json"), PHASH_OK);
    ck_assert_int_eq(load(s, "md5,size\n" MD5_D ",2\n", "y.csv"), PHASH_OK);
    ck_assert_int_eq(load(s, PDQ1 "\n", "pdq.txt"), PHASH_OK);
    expect_sizes(s, 1, 1, 1, 1);
    ck_assert_int_eq(phash_sigset_size_possible(s, 3), 0);
    /* A strict load that fails leaves the size set as it was (its first
     * record, without a size, is rolled back). */
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_STRICT, 1), PHASH_OK);
    ck_assert_int_eq(load(s, MD5_A "\nnot-a-hash\n", "bad.txt"), PHASH_ERR_BAD_FILE);
    ck_assert_int_eq(phash_sigset_size_possible(s, 3), 0);
    /* A list without sizes turns it off. */
    ck_assert_int_eq(load(s, MD5_A "\n", "plain.txt"), PHASH_OK);
    ck_assert_int_eq(phash_sigset_size_possible(s, 3), 1);
    phash_sigset_free(s);
}
END_TEST

START_TEST(sizes_in_compiled_sets)
{
    char path[256];
    snprintf(path, sizeof path, "%s/sizes-%ld.phx",
             getenv("PHASH_BUILD_ROOT") ? getenv("PHASH_BUILD_ROOT") : "/tmp", (long)getpid());
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, vics_sizes, "vics.json"), PHASH_OK);
    ck_assert_int_eq(phash_sigset_save(s, path), PHASH_OK);
    phash_sigset_free(s);
    for (unsigned flags = 0; flags <= PHASH_SIGSET_OPEN_MAP; flags += PHASH_SIGSET_OPEN_MAP) {
        ck_assert_int_eq(phash_sigset_open_flags(path, flags, &s, NULL), PHASH_OK);
        expect_sizes(s, 1, 0, 1, 1);
        /* More sizes on top of the opened set, then a list without. */
        ck_assert_int_eq(load(s, "md5,size\n" MD5_D ",2\n", "y.csv"), PHASH_OK);
        expect_sizes(s, 1, 1, 1, 1);
        ck_assert_int_eq(phash_sigset_size_possible(s, 3), 0);
        ck_assert_int_eq(load(s, MD5_D "\n", "plain.txt"), PHASH_OK);
        ck_assert_int_eq(phash_sigset_size_possible(s, 3), 1);
        phash_sigset_free(s);
    }
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_size_possible(m, 3), 1); /* no set */
    ck_assert_int_eq(phash_matcher_open(m, path), PHASH_OK);
    ck_assert_int_eq(phash_matcher_size_possible(m, 3), 0);
    ck_assert_int_eq(phash_matcher_size_possible(m, 5), 1);
    phash_matcher_free(m);
    unlink(path);
}
END_TEST

/* ---- the scanner ---- */

typedef struct seen {
    int a_matched, c_digested, b_hashes, c_reports;
} seen;

static int on_report(void *ctx, const phash_scan_report *r)
{
    seen *v = ctx;
    const char *name = strrchr(r->path, '/') + 1;
    ck_assert_int_eq(r->status, PHASH_OK);
    if (!strcmp(name, "a.dat")) {
        ck_assert_uint_eq(r->n_matches, 1);
        ck_assert_str_eq(phash_scan_report_match(r, 0)->id, "7");
        v->a_matched = 1;
    } else if (!strcmp(name, "b.dat")) {
        v->b_hashes = (int)r->n_hashes;
    } else {
        ck_assert_uint_eq(r->n_matches, 0);
        v->c_digested = r->n_hashes == 1 && !strcmp(phash_scan_report_hash(r, 0)->algo, "md5");
        v->c_reports++;
    }
    return 0;
}

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* a.dat (listed, 200,000 bytes), c.dat (same size, other bytes) and b.dat
 * (300,000 bytes, a size no entry has), none of them media. */
START_TEST(scanner_skips_unlisted_sizes)
{
    enum { A = 200000, B = 300000, HEAD = 65536 };
    char dir[256];
    snprintf(dir, sizeof dir, "%s/sizes-XXXXXX",
             getenv("PHASH_BUILD_ROOT") ? getenv("PHASH_BUILD_ROOT") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    uint8_t *buf = malloc(B);
    for (size_t i = 0; i < B; i++)
        buf[i] = (uint8_t)("plain text, not media\n"[i % 22]);
    write_file(dir, "a.dat", buf, A);
    write_file(dir, "b.dat", buf, B);
    buf[0] = 'P';
    write_file(dir, "c.dat", buf, A);
    buf[0] = 'p';
    phash_digest_result d;
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_MD5, buf, A, &d), PHASH_OK);
    char hex[65], list[1024];
    ck_assert_int_eq(phash_digest_to_hex(&d, PHASH_DIGEST_MD5, hex), PHASH_OK);
    snprintf(list, sizeof list,
             "{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/"
             "2.0.xml/US/$metadata#Media\",\"value\":[{\"MediaID\":7,\"Category\":1,"
             "\"MD5\":\"%s\",\"MediaSize\":%d}]}",
             hex, A);
    free(buf);
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_int_eq(load(set, list, "vics.json"), PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(m, set), PHASH_OK);
    for (int filter = 1; filter >= 0; filter--) {
        phash_scanner *s = NULL;
        ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
        ck_assert_int_eq(phash_scanner_set_matcher(s, m), PHASH_OK);
        ck_assert_int_eq(phash_scanner_set_algorithms(s, "md5"), PHASH_OK);
        ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, 1), PHASH_OK);
        ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_SIZE_FILTER), 1);
        ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_SIZE_FILTER, filter),
                         PHASH_OK);
        seen v = {0};
        const char *paths[] = {dir};
        ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, on_report, &v), PHASH_OK);
        ck_assert_int_eq(v.a_matched, 1);
        ck_assert_int_eq(v.c_reports, 1);
        ck_assert_int_eq(v.c_digested, 1);
        ck_assert_int_eq(v.b_hashes, filter ? 0 : 1);
        ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_SIZE_SKIPPED), filter ? 1 : 0);
        /* b.dat read for its head only. */
        ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_BYTES_READ),
                          2 * A + (filter ? HEAD : B));
        phash_scanner_free(s);
    }
    phash_matcher_free(m);
    const char *names[] = {"a.dat", "b.dat", "c.dat"};
    for (int i = 0; i < 3; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("size_filter");
    TCase *tc = tcase_create("size_filter");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sizes_from_lists);
    tcase_add_test(tc, sizes_in_compiled_sets);
    tcase_add_test(tc, scanner_skips_unlisted_sizes);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
