/* SPDX-License-Identifier: MIT */
/* Hash text forms and distances (lib/codes.c), status strings, version. */
#include <stdint.h>

#include "phash/phash.h"
#include "testutil.h"

/* A PDQ hash from Meta's README (bridge-mods reference image family). */
static const char *K_HEX = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

START_TEST(pdq_hex_roundtrip)
{
    phash_pdq_code c;
    char out[65];
    ck_assert_int_eq(phash_pdq_from_hex(K_HEX, 64, &c, NULL), PHASH_OK);
    phash_pdq_to_hex(&c, out);
    ck_assert_str_eq(out, K_HEX);
    ck_assert_uint_eq(c.bytes[0], 0xf8);
    ck_assert_uint_eq(c.bytes[31], 0x22);
}
END_TEST

START_TEST(pdq_hex_upper_case_is_canonicalised)
{
    char upper[65];
    phash_pdq_code c;
    char out[65];
    for (int i = 0; i < 64; i++)
        upper[i] = (char)((K_HEX[i] >= 'a') ? K_HEX[i] - 32 : K_HEX[i]);
    ck_assert_int_eq(phash_pdq_from_hex(upper, 64, &c, NULL), PHASH_OK);
    phash_pdq_to_hex(&c, out);
    ck_assert_str_eq(out, K_HEX);
}
END_TEST

START_TEST(pdq_hex_errors)
{
    phash_pdq_code c;
    size_t pos = 999;
    ck_assert_int_eq(phash_pdq_from_hex(K_HEX, 63, &c, &pos), PHASH_ERR_BAD_HASH);
    ck_assert_uint_eq(pos, 63);
    ck_assert_int_eq(phash_pdq_from_hex(K_HEX, 65, &c, &pos), PHASH_ERR_BAD_HASH);
    char bad[65];
    memcpy(bad, K_HEX, 65);
    bad[17] = 'g';
    ck_assert_int_eq(phash_pdq_from_hex(bad, 64, &c, &pos), PHASH_ERR_BAD_HASH);
    ck_assert_uint_eq(pos, 17);
    ck_assert_int_eq(phash_pdq_from_hex(NULL, 64, &c, &pos), PHASH_ERR_INVALID_ARG);
}
END_TEST

START_TEST(pdq_words_layout)
{
    phash_pdq_code c, back;
    uint16_t w[16];
    ck_assert_int_eq(phash_pdq_from_hex(K_HEX, 64, &c, NULL), PHASH_OK);
    phash_pdq_to_words(&c, w);
    ck_assert_uint_eq(w[15], 0xf8f8); /* word 15 is printed first */
    ck_assert_uint_eq(w[0], 0x9b22);
    phash_pdq_from_words(w, &back);
    ck_assert_mem_eq(back.bytes, c.bytes, 32);
    /* bit 0 is the lowest bit of word 0: 0x9b22 -> 0; bit 1 -> 1 */
    ck_assert_int_eq(phash_pdq_bit(&c, 0), 0);
    ck_assert_int_eq(phash_pdq_bit(&c, 1), 1);
    ck_assert_int_eq(phash_pdq_bit(&c, 255), 1);
}
END_TEST

START_TEST(pdq_distance)
{
    phash_pdq_code a, b;
    ck_assert_int_eq(phash_pdq_from_hex(K_HEX, 64, &a, NULL), PHASH_OK);
    b = a;
    ck_assert_uint_eq(phash_pdq_distance(&a, &b), 0);
    b.bytes[0] ^= 0xff;
    b.bytes[31] ^= 0x01;
    ck_assert_uint_eq(phash_pdq_distance(&a, &b), 9);
    for (int i = 0; i < 32; i++)
        b.bytes[i] = (uint8_t)~a.bytes[i];
    ck_assert_uint_eq(phash_pdq_distance(&a, &b), 256);
}
END_TEST

static void check_u64_roundtrip(uint64_t v, phash_u64_form form, const char *text)
{
    char out[21];
    uint64_t back;
    size_t n = phash_u64_format(v, form, out);
    ck_assert_str_eq(out, text);
    ck_assert_uint_eq(n, strlen(text));
    ck_assert_int_eq(phash_u64_parse(text, strlen(text), form, &back, NULL), PHASH_OK);
    ck_assert_uint_eq(back, v);
}

START_TEST(u64_forms)
{
    check_u64_roundtrip(0, PHASH_U64_HEX, "0000000000000000");
    check_u64_roundtrip(0xd58e6a9d2b79b2a5ULL, PHASH_U64_HEX, "d58e6a9d2b79b2a5");
    check_u64_roundtrip(0xd58e6a9d2b79b2a5ULL, PHASH_U64_UNSIGNED, "15388354200043369125");
    check_u64_roundtrip(0xd58e6a9d2b79b2a5ULL, PHASH_U64_SIGNED, "-3058389873666182491");
    check_u64_roundtrip(UINT64_MAX, PHASH_U64_UNSIGNED, "18446744073709551615");
    check_u64_roundtrip(UINT64_MAX, PHASH_U64_SIGNED, "-1");
    check_u64_roundtrip(1ULL << 63, PHASH_U64_SIGNED, "-9223372036854775808");
    check_u64_roundtrip((1ULL << 63) - 1, PHASH_U64_SIGNED, "9223372036854775807");
    check_u64_roundtrip(42, PHASH_U64_UNSIGNED, "42");
}
END_TEST

START_TEST(u64_parse_errors)
{
    uint64_t v;
    size_t pos = 99;
    ck_assert_int_eq(phash_u64_parse("18446744073709551616", 20, PHASH_U64_UNSIGNED, &v, &pos),
                     PHASH_ERR_BAD_HASH);
    ck_assert_uint_eq(pos, 19);
    ck_assert_int_eq(phash_u64_parse("9223372036854775808", 19, PHASH_U64_SIGNED, &v, &pos),
                     PHASH_ERR_BAD_HASH);
    ck_assert_int_eq(phash_u64_parse("-9223372036854775809", 20, PHASH_U64_SIGNED, &v, &pos),
                     PHASH_ERR_BAD_HASH);
    ck_assert_int_eq(phash_u64_parse("12a", 3, PHASH_U64_UNSIGNED, &v, &pos), PHASH_ERR_BAD_HASH);
    ck_assert_uint_eq(pos, 2);
    ck_assert_int_eq(phash_u64_parse("0x", 2, PHASH_U64_HEX, &v, &pos), PHASH_ERR_BAD_HASH);
    ck_assert_int_eq(phash_u64_parse("12345678901234567", 17, PHASH_U64_HEX, &v, &pos),
                     PHASH_ERR_BAD_HASH);
    ck_assert_int_eq(phash_u64_parse("", 0, PHASH_U64_UNSIGNED, &v, &pos), PHASH_ERR_BAD_HASH);
    ck_assert_int_eq(phash_u64_parse("-", 1, PHASH_U64_SIGNED, &v, &pos), PHASH_ERR_BAD_HASH);
    ck_assert_int_eq(phash_u64_parse("0XFF", 4, PHASH_U64_HEX, &v, &pos), PHASH_OK);
    ck_assert_uint_eq(v, 255);
    ck_assert_uint_eq(phash_u64_distance(0, UINT64_MAX), 64);
    ck_assert_uint_eq(phash_u64_distance(0xf0, 0x0f), 8);
}
END_TEST

START_TEST(status_and_version)
{
    ck_assert_uint_eq(phash_version(), PHASH_VERSION_NUMBER);
    ck_assert_str_eq(phash_version_string(), PHASH_VERSION_STRING);
    ck_assert_str_eq(phash_strerror(PHASH_OK), "success");
    ck_assert_str_eq(phash_strerror(PHASH_ERR_TOO_LARGE), "image exceeds a decoder limit");
    ck_assert_str_eq(phash_strerror((phash_status)12345), "unknown status");
    for (int s = 0; s < PHASH_STATUS_COUNT; s++) {
        ck_assert_str_ne(phash_strerror((phash_status)s), "unknown status");
        ck_assert_str_ne(phash_status_name((phash_status)s), "PHASH_STATUS_UNKNOWN");
    }
    ck_assert_str_eq(phash_status_name(PHASH_ERR_TRUNCATED), "PHASH_ERR_TRUNCATED");
    ck_assert_str_eq(phash_status_name(PHASH_ERR_CANCELLED), "PHASH_ERR_CANCELLED");
    ck_assert_str_eq(phash_status_name((phash_status)PHASH_STATUS_COUNT), "PHASH_STATUS_UNKNOWN");
}
END_TEST

static size_t g_allocs;
static void *count_malloc(void *o, size_t n) { (void)o; g_allocs++; return malloc(n); }
static void *count_realloc(void *o, void *p, size_t n) { (void)o; return realloc(p, n); }
static void count_free(void *o, void *p) { (void)o; free(p); }

START_TEST(allocator_hooks)
{
    phash_allocator bad = {NULL, count_realloc, count_free, NULL};
    ck_assert_int_eq(phash_set_allocator(&bad), PHASH_ERR_INVALID_ARG);
    phash_allocator a = {count_malloc, count_realloc, count_free, NULL};
    ck_assert_int_eq(phash_set_allocator(&a), PHASH_OK);
    ck_assert_int_eq(phash_set_allocator(NULL), PHASH_OK);
    phash_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("codes");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, pdq_hex_roundtrip);
    tcase_add_test(tc, pdq_hex_upper_case_is_canonicalised);
    tcase_add_test(tc, pdq_hex_errors);
    tcase_add_test(tc, pdq_words_layout);
    tcase_add_test(tc, pdq_distance);
    tcase_add_test(tc, u64_forms);
    tcase_add_test(tc, u64_parse_errors);
    tcase_add_test(tc, status_and_version);
    tcase_add_test(tc, allocator_hooks);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
