/* SPDX-License-Identifier: MIT */
/* Exact digests: the published test vectors (RFC 1321, FIPS 180-2), chunked
 * feeding equal to one-shot at every split, reuse after final, the empty
 * file, names, errors, and the same bytes through md5sum / sha1sum /
 * sha256sum (coreutils). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

static const phash_digest_algo all3[] = {PHASH_DIGEST_MD5, PHASH_DIGEST_SHA1,
                                         PHASH_DIGEST_SHA256};

static void expect_hex(const phash_digest_result *r, phash_digest_algo a, const char *want)
{
    char hex[PHASH_DIGEST_HEX_MAX];
    ck_assert_int_eq(phash_digest_to_hex(r, a, hex), PHASH_OK);
    ck_assert_str_eq(hex, want);
}

START_TEST(known_vectors)
{
    phash_digest_result r;
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_ALL, "abc", 3, &r), PHASH_OK);
    ck_assert_uint_eq(r.size, 3);
    ck_assert_uint_eq(r.algos, PHASH_DIGEST_ALL);
    expect_hex(&r, PHASH_DIGEST_MD5, "900150983cd24fb0d6963f7d28e17f72");
    expect_hex(&r, PHASH_DIGEST_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    expect_hex(&r, PHASH_DIGEST_SHA256,
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    /* One million 'a' (FIPS 180-2 appendix), fed in odd chunks. */
    phash_digest *d;
    ck_assert_int_eq(phash_digest_new(PHASH_DIGEST_ALL, &d), PHASH_OK);
    char a[977];
    memset(a, 'a', sizeof a);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof a ? left : sizeof a;
        ck_assert_int_eq(phash_digest_update(d, a, n), PHASH_OK);
        left -= n;
    }
    ck_assert_int_eq(phash_digest_final(d, &r), PHASH_OK);
    ck_assert_uint_eq(r.size, 1000000);
    expect_hex(&r, PHASH_DIGEST_MD5, "7707d6ae4e027c70eea2a935c2296f21");
    expect_hex(&r, PHASH_DIGEST_SHA1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    expect_hex(&r, PHASH_DIGEST_SHA256,
               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* final reset the context: the next stream starts from nothing. */
    ck_assert_int_eq(phash_digest_update(d, "abc", 3), PHASH_OK);
    ck_assert_int_eq(phash_digest_final(d, &r), PHASH_OK);
    expect_hex(&r, PHASH_DIGEST_MD5, "900150983cd24fb0d6963f7d28e17f72");
    /* reset drops what was fed. */
    ck_assert_int_eq(phash_digest_update(d, "xyz", 3), PHASH_OK);
    ck_assert_int_eq(phash_digest_reset(d), PHASH_OK);
    ck_assert_int_eq(phash_digest_update(d, "abc", 3), PHASH_OK);
    ck_assert_int_eq(phash_digest_final(d, &r), PHASH_OK);
    expect_hex(&r, PHASH_DIGEST_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    phash_digest_free(d);
}
END_TEST

START_TEST(subsets_and_every_split)
{
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 37 + 11);
    phash_digest_result whole, part;
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_ALL, data, sizeof data, &whole), PHASH_OK);
    for (unsigned set = 1; set <= PHASH_DIGEST_ALL; set++) {
        phash_digest *d;
        ck_assert_int_eq(phash_digest_new(set, &d), PHASH_OK);
        for (size_t cut = 0; cut <= sizeof data; cut += 7) {
            ck_assert_int_eq(phash_digest_update(d, data, cut), PHASH_OK);
            ck_assert_int_eq(phash_digest_update(d, data + cut, sizeof data - cut), PHASH_OK);
            ck_assert_int_eq(phash_digest_final(d, &part), PHASH_OK);
            ck_assert_uint_eq(part.algos, set);
            for (int k = 0; k < 3; k++) {
                const uint8_t *p = phash_digest_bytes(&part, all3[k]);
                if (set & all3[k])
                    ck_assert_mem_eq(p, phash_digest_bytes(&whole, all3[k]),
                                     phash_digest_len(all3[k]));
                else
                    ck_assert_ptr_null(p);
            }
        }
        phash_digest_free(d);
    }
    /* Algorithms not computed stay zero and have no text. */
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_SHA1, data, 10, &part), PHASH_OK);
    static const uint8_t zero[32];
    ck_assert_mem_eq(part.md5, zero, 16);
    ck_assert_mem_eq(part.sha256, zero, 32);
    char hex[PHASH_DIGEST_HEX_MAX];
    ck_assert_int_eq(phash_digest_to_hex(&part, PHASH_DIGEST_MD5, hex), PHASH_ERR_INVALID_ARG);
}
END_TEST

START_TEST(empty_input)
{
    phash_digest_result r;
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_ALL, NULL, 0, &r), PHASH_OK);
    ck_assert_uint_eq(r.size, 0);
    expect_hex(&r, PHASH_DIGEST_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    expect_hex(&r, PHASH_DIGEST_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect_hex(&r, PHASH_DIGEST_SHA256,
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(phash_digest_is_empty(all3[k], phash_digest_bytes(&r, all3[k])), 1);
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_ALL, "\0", 1, &r), PHASH_OK);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(phash_digest_is_empty(all3[k], phash_digest_bytes(&r, all3[k])), 0);
    ck_assert_int_eq(phash_digest_is_empty(PHASH_DIGEST_ALL, r.md5), 0);
}
END_TEST

START_TEST(names_and_errors)
{
    phash_digest_algo a;
    ck_assert_int_eq(phash_digest_algo_parse("SHA-256", 7, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_DIGEST_SHA256);
    ck_assert_int_eq(phash_digest_algo_parse("sha_1", 5, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_DIGEST_SHA1);
    ck_assert_int_eq(phash_digest_algo_parse("Md5x", 3, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_DIGEST_MD5);
    ck_assert_int_eq(phash_digest_algo_parse("sha512", 6, &a), PHASH_ERR_NOT_FOUND);
    ck_assert_int_eq(phash_digest_algo_parse("photodna", 8, &a), PHASH_ERR_NOT_FOUND);
    ck_assert_str_eq(phash_digest_algo_name(PHASH_DIGEST_SHA1), "sha1");
    ck_assert_str_eq(phash_digest_algo_name(PHASH_DIGEST_ALL), "unknown");
    ck_assert_uint_eq(phash_digest_len(PHASH_DIGEST_MD5), 16);
    ck_assert_uint_eq(phash_digest_len(PHASH_DIGEST_SHA1), 20);
    ck_assert_uint_eq(phash_digest_len(PHASH_DIGEST_SHA256), 32);
    ck_assert_uint_eq(phash_digest_len(0), 0);

    phash_digest *d = (phash_digest *)1;
    ck_assert_int_eq(phash_digest_new(0, &d), PHASH_ERR_INVALID_ARG);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(phash_digest_new(8, &d), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_digest_new(PHASH_DIGEST_MD5, NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_digest_new(PHASH_DIGEST_MD5, &d), PHASH_OK);
    ck_assert_int_eq(phash_digest_update(d, NULL, 1), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_digest_update(d, NULL, 0), PHASH_OK);
    ck_assert_int_eq(phash_digest_update(NULL, "a", 1), PHASH_ERR_INVALID_ARG);
    phash_digest_result r;
    ck_assert_int_eq(phash_digest_file(d, "/nonexistent/phash-digest", &r), PHASH_ERR_IO);
    ck_assert_ptr_nonnull(strstr(phash_digest_last_error(d), "/nonexistent/phash-digest"));
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_MD5, NULL, 5, &r), PHASH_ERR_INVALID_ARG);
    phash_digest_free(d);
    phash_digest_free(NULL);
}
END_TEST

#ifndef _WIN32 /* coreutils through popen */
/* The first word coreutils' TOOL prints for path. */
static void coreutils_digest(const char *tool, const char *path, char *out, size_t outlen)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "%s '%s'", tool, path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fscanf(p, "%64s", out), 1);
    (void)outlen;
    ck_assert_int_eq(pclose(p), 0);
}

START_TEST(same_as_coreutils)
{
    /* A file over three read chunks (1 MiB each) with a ragged tail. */
    char path[] = "/tmp/phash-digest-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t size = 3 * (1u << 20) + 12345;
    uint8_t *data = malloc(size);
    ck_assert_ptr_nonnull(data);
    uint32_t x = 12345;
    for (size_t i = 0; i < size; i++) {
        x = x * 1664525u + 1013904223u;
        data[i] = (uint8_t)(x >> 24);
    }
    ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
    close(fd);
    phash_digest *d;
    ck_assert_int_eq(phash_digest_new(PHASH_DIGEST_ALL, &d), PHASH_OK);
    phash_digest_result r, mem;
    ck_assert_int_eq(phash_digest_file(d, path, &r), PHASH_OK);
    ck_assert_uint_eq(r.size, size);
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_ALL, data, size, &mem), PHASH_OK);
    ck_assert_mem_eq(&r, &mem, sizeof r);
    static const char *const tools[] = {"md5sum", "sha1sum", "sha256sum"};
    for (int k = 0; k < 3; k++) {
        char want[80], got[PHASH_DIGEST_HEX_MAX];
        coreutils_digest(tools[k], path, want, sizeof want);
        ck_assert_int_eq(phash_digest_to_hex(&r, all3[k], got), PHASH_OK);
        ck_assert_str_eq(got, want);
    }
    phash_digest_free(d);
    free(data);
    unlink(path);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("digest");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, known_vectors);
    tcase_add_test(tc, subsets_and_every_split);
    tcase_add_test(tc, empty_input);
    tcase_add_test(tc, names_and_errors);
#ifndef _WIN32 /* runs sha256sum and friends through popen */
    tcase_add_test(tc, same_as_coreutils);
#endif
    suite_add_tcase(s, tc);
    return run_suite(s);
}
