/* SPDX-License-Identifier: MIT */
/* Provenance of the lists of a signature set (phash_sigset_list_info): the
 * name, size, SHA-256 and load time of every list, from a file and from
 * memory, kept through a compiled set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

/* Two PDQ hashes of sample/; 130 bytes whose SHA-256 (hashlib) is SHA. */
static const char LIST[] =
    "d9eced6002f04e88725bef0c233043acd4bb3f116b04d1ab0b6f37933c2cc7cf\n"
    "fc119f230a56ddc622a5b1a99f58e31bcfd8e0fe3e760aaf982b151b4181e470\n";
static const char SHA[] = "a004222838f3e58790c51231203d237f4c9d572d28ab2a4d890818d5fd4842ad";

static void check_list(const phash_sigset *set, size_t i, const char *want_name, time_t t0,
                       time_t t1)
{
    const char *name = NULL;
    uint64_t size = 0;
    uint8_t sha[32];
    int64_t loaded = 0;
    ck_assert_int_eq(phash_sigset_list_info(set, i, &name, &size, sha, &loaded), PHASH_OK);
    ck_assert_str_eq(name, want_name);
    ck_assert_uint_eq(size, sizeof LIST - 1);
    char hex[65];
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", sha[k]);
    ck_assert_str_eq(hex, SHA);
    ck_assert_int_ge(loaded, (int64_t)t0);
    ck_assert_int_le(loaded, (int64_t)t1);
}

START_TEST(file_memory_and_compiled)
{
    char dir[1024];
    make_temp_dir(dir, sizeof dir, "phash-prov");
    char list[4096], phx[4096];
    snprintf(list, sizeof list, "%s/list.txt", dir);
    snprintf(phx, sizeof phx, "%s/set.phx", dir);
    FILE *f = fopen(list, "wb"); /* its exact bytes (Windows: no CRLF) */
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(LIST, 1, sizeof LIST - 1, f), sizeof LIST - 1);
    fclose(f);

    time_t t0 = time(NULL);
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    phash_sigset_report rep;
    ck_assert_int_eq(phash_sigset_load_file(set, list, &rep), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, LIST, sizeof LIST - 1, "mem.txt", &rep),
                     PHASH_OK);
    time_t t1 = time(NULL);
    ck_assert_uint_eq(phash_sigset_list_count(set), 2);
    check_list(set, 0, list, t0, t1);
    check_list(set, 1, "mem.txt", t0, t1);
    ck_assert_int_eq(phash_sigset_list_info(set, 2, NULL, NULL, NULL, NULL), PHASH_ERR_NOT_FOUND);
    ck_assert_int_eq(phash_sigset_list_info(set, 0, NULL, NULL, NULL, NULL), PHASH_OK);

    /* A failed load leaves no list behind. */
    ck_assert_int_ne(phash_sigset_load_memory(set, "not a hash\n", 11, "bad.txt", &rep), PHASH_OK);
    ck_assert_uint_eq(phash_sigset_list_count(set), 2);

    ck_assert_int_eq(phash_sigset_save(set, phx), PHASH_OK);
    phash_sigset_free(set);
    const char *detail = NULL;
    ck_assert_int_eq(phash_sigset_open(phx, &set, &detail), PHASH_OK);
    ck_assert_uint_eq(phash_sigset_list_count(set), 2);
    check_list(set, 0, list, t0, t1);
    check_list(set, 1, "mem.txt", t0, t1);
    phash_sigset_free(set);
    unlink(list);
    unlink(phx);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("provenance");
    TCase *tc = tcase_create("lists");
    tcase_add_test(tc, file_memory_and_compiled);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
