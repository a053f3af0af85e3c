/* SPDX-License-Identifier: MIT */
/* The API conventions themselves (include/phash/phash.h): one constructor
 * style (status + out pointer, *out NULL on failure) and the extensible
 * caller-filled structs (phash_limits, phash_index_search_opts,
 * phash_pdq_match_rule: a size field, lib/extstruct.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "phash/phash.h"
#include "testutil.h"

START_TEST(constructors_take_an_out_pointer)
{
    ck_assert_int_eq(phash_decoder_new(NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_pdq_hasher_new(NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_dct_hasher_new(NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_dctn_hasher_new(16, NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_sigset_new(NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_matcher_new(NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_matches_new(NULL), PHASH_ERR_INVALID_ARG);
    phash_dctn_hasher *bad = (phash_dctn_hasher *)&bad; /* must be reset */
    ck_assert_int_eq(phash_dctn_hasher_new(12, &bad), PHASH_ERR_INVALID_ARG);
    ck_assert_ptr_null(bad);
    phash_decoder *d = NULL;
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_decoder_new(&d), PHASH_OK);
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(m);
    phash_decoder_free(d);
    phash_matcher_free(m);
}
END_TEST

/* A caller compiled against a newer header: one more field at the end. */
typedef struct {
    phash_limits l;
    uint64_t future;
} newer_limits;

START_TEST(limits_of_every_struct_version)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    phash_limits got;
    phash_decoder_get_limits(dec, &got);
    ck_assert_uint_eq(got.size, sizeof got);
    ck_assert_uint_eq(got.max_pixels, PHASH_DEFAULT_MAX_PIXELS);
    /* size 0: the fields of 0.1, as a designated initialiser leaves it. */
    phash_limits v01 = {.max_width = 10, .max_height = 20};
    ck_assert_int_eq(phash_decoder_set_limits(dec, &v01), PHASH_OK);
    phash_decoder_get_limits(dec, &got);
    ck_assert_uint_eq(got.max_width, 10);
    ck_assert_uint_eq(got.max_height, 20);
    ck_assert_uint_eq(got.max_pixels, 0);
    /* Newer caller: unknown bytes that are zero are accepted ... */
    newer_limits big;
    memset(&big, 0, sizeof big);
    big.l.size = sizeof big;
    big.l.max_width = 30;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &big.l), PHASH_OK);
    phash_decoder_get_limits(dec, &got);
    ck_assert_uint_eq(got.max_width, 30);
    /* ... a setting this library does not know is refused, nothing changed. */
    big.future = 1;
    big.l.max_width = 40;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &big.l), PHASH_ERR_VERSION);
    phash_decoder_get_limits(dec, &got);
    ck_assert_uint_eq(got.max_width, 30);
    /* Smaller than the first version: refused. */
    phash_limits tiny = {.size = offsetof(phash_limits, max_pixels), .max_width = 50};
    ck_assert_int_eq(phash_decoder_set_limits(dec, &tiny), PHASH_ERR_VERSION);
    /* Output: never past the caller's size (an older, smaller caller). */
    newer_limits out;
    memset(&out, 0xAB, sizeof out);
    phash_decoder_get_limits_sized(dec, &out.l, sizeof out.l);
    ck_assert_uint_eq(out.l.size, sizeof out.l);
    ck_assert_uint_eq(out.future, 0xABABABABABABABABull);
    /* ... and a newer caller's unknown tail is zeroed. */
    phash_decoder_get_limits_sized(dec, &out.l, sizeof out);
    ck_assert_uint_eq(out.l.size, sizeof out.l);
    ck_assert_uint_eq(out.future, 0);
    phash_decoder_free(dec);
}
END_TEST

START_TEST(search_options_of_every_struct_version)
{
    phash_index *ix = NULL;
    phash_index_results *res = NULL;
    ck_assert_int_eq(phash_index_new(64, &ix), PHASH_OK);
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    uint64_t codes[2] = {0, 0xF}, ids[2] = {1, 2}, q = 0;
    ck_assert_int_eq(phash_index_add(ix, codes, ids, 2), PHASH_OK);
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    phash_index_search_opts zero = {.radius = 4}; /* size 0 */
    ck_assert_int_eq(phash_index_search(ix, &q, 1, &zero, res), PHASH_OK);
    size_t n = 0;
    phash_index_results_hits(res, 0, &n);
    ck_assert_uint_eq(n, 2);
    phash_index_search_opts sized = {.size = sizeof sized, .radius = 3};
    ck_assert_int_eq(phash_index_search(ix, &q, 1, &sized, res), PHASH_OK);
    phash_index_results_hits(res, 0, &n);
    ck_assert_uint_eq(n, 1);
    struct {
        phash_index_search_opts o;
        uint32_t future;
    } big = {{.size = sizeof big, .radius = 4}, 7};
    ck_assert_int_eq(phash_index_search(ix, &q, 1, &big.o, res), PHASH_ERR_VERSION);
    big.future = 0;
    ck_assert_int_eq(phash_index_search(ix, &q, 1, &big.o, res), PHASH_OK);
    phash_index_results_free(res);
    phash_index_free(ix);
}
END_TEST

START_TEST(match_rule_of_every_struct_version)
{
    phash_pdq_code a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    b.bytes[0] = 0x3; /* distance 2 */
    phash_pdq_match_rule r;
    phash_pdq_match_rule_default(&r);
    ck_assert_uint_eq(r.size, sizeof r);
    ck_assert_uint_eq(r.max_distance, PHASH_PDQ_DEFAULT_MAX_DISTANCE);
    unsigned d = 0;
    ck_assert_int_eq(phash_pdq_match(&r, &a, 100, &b, &d), 1);
    ck_assert_uint_eq(d, 2);
    phash_pdq_match_rule strict = {.max_distance = 1, .min_quality = 50}; /* size 0 */
    ck_assert_int_eq(phash_pdq_match(&strict, &a, 100, &b, &d), 0);
    ck_assert_int_eq(phash_pdq_quality_ok(&strict, 49), 0);
    ck_assert_int_eq(phash_pdq_quality_ok(&strict, 50), 1);
    phash_pdq_match_rule broken = {.size = 4, .max_distance = 31};
    ck_assert_int_eq(phash_pdq_match(&broken, &a, 100, &b, &d), 0);
    ck_assert_int_eq(phash_pdq_quality_ok(&broken, 100), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, constructors_take_an_out_pointer);
    tcase_add_test(tc, limits_of_every_struct_version);
    tcase_add_test(tc, search_options_of_every_struct_version);
    tcase_add_test(tc, match_rule_of_every_struct_version);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
