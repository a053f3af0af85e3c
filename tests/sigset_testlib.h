/* SPDX-License-Identifier: MIT */
/* Helpers of the list tests (test_exact.c, test_lists.c): loading from a
 * string into a shared report, the report's invariant, and an entry's
 * owners found by the hex text of its code. */
#ifndef PHASH_TESTS_SIGSET_TESTLIB_H
#define PHASH_TESTS_SIGSET_TESTLIB_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "phash/phash.h"

static phash_sigset_report rep;

static inline phash_status load(phash_sigset *s, const char *text, const char *name)
{
    return phash_sigset_load_memory(s, text, strlen(text), name, &rep);
}

static inline void check_invariant(void)
{
    ck_assert_uint_eq(rep.records, rep.inserted + rep.duplicates + rep.invalid +
                                       rep.opaque_only + rep.zero + rep.low_quality +
                                       rep.empty_file);
}

static inline void hex_bytes(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i]; i++)
        out[i] = (uint8_t)strtoul((char[3]){hex[2 * i], hex[2 * i + 1], 0}, NULL, 16);
}

/* Entry number of a hex code of algo, -1 when absent. */
static inline long entry_of(const phash_sigset *s, phash_sig_algo algo, const char *hex)
{
    size_t n, size = phash_sig_algo_code_size(algo);
    const uint8_t *codes = phash_sigset_codes(s, algo, &n);
    uint8_t want[32];
    hex_bytes(hex, want);
    for (size_t e = 0; e < n; e++)
        if (!memcmp(codes + e * size, want, size))
            return (long)e;
    return -1;
}

static inline void owner_of(const phash_sigset *s, phash_sig_algo algo, const char *hex, size_t k,
                     phash_sigset_owner *o)
{
    long e = entry_of(s, algo, hex);
    ck_assert_msg(e >= 0, "no entry %s", hex);
    ck_assert_int_eq(phash_sigset_owner_get(s, algo, (size_t)e, k, o), PHASH_OK);
}

#endif
