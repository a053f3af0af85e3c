/* SPDX-License-Identifier: MIT */
/* Checks shared by the signature-set fuzz targets (fuzz_sigset, fuzz_vics,
 * fuzz_ncmec): the load report's invariant, and every owner read back. A
 * broken invariant traps, so logic errors are found as well as memory
 * errors. */
#ifndef PHASH_FUZZ_SIGSET_CHECK_H
#define PHASH_FUZZ_SIGSET_CHECK_H

#include <stdint.h>
#include <string.h>

#include "phash/phash.h"
#include "fuzz_check.h"

static inline void check_report(const phash_sigset_report *r, phash_status st, int keep_flagged)
{
    uint64_t by_reason = 0;
    for (int k = 0; k < PHASH_SIGSET_PROBLEMS; k++)
        by_reason += r->by_reason[k];
    if (by_reason != r->invalid || r->n_messages > PHASH_SIGSET_MESSAGES)
        __builtin_trap();
    for (unsigned k = 0; k < r->n_messages; k++)
        if (memchr(r->messages[k], '\0', PHASH_SIGSET_MESSAGE_LEN) == NULL)
            __builtin_trap();
    if (st == PHASH_OK && !keep_flagged &&
        r->records != r->inserted + r->duplicates + r->invalid + r->opaque_only + r->zero +
                          r->low_quality + r->empty_file)
        __builtin_trap();
    if (st == PHASH_OK && r->records == r->invalid)
        __builtin_trap();
}

static inline void read_back(const phash_sigset *set)
{
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        size_t n = phash_sigset_size(set, (phash_sig_algo)a);
        for (size_t e = 0; e < n; e++) {
            size_t owners = phash_sigset_owner_count(set, (phash_sig_algo)a, e);
            if (owners == 0)
                __builtin_trap(); /* every entry has an owner */
            for (size_t k = 0; k < owners; k++) {
                phash_sigset_owner o;
                if (phash_sigset_owner_get(set, (phash_sig_algo)a, e, k, &o) != PHASH_OK)
                    __builtin_trap();
                volatile size_t sink =
                    strlen(o.list) + strlen(o.id) + strlen(o.metadata) + strlen(o.category);
                (void)sink;
            }
        }
    }
}

/* Load the input twice into one set, checking after each load. */
static inline void load_twice(phash_sigset *set, const uint8_t *data, size_t size, int keep)
{
    phash_sigset_report r;
    for (int round = 0; round < 2; round++) {
        phash_status st = phash_sigset_load_memory(set, data, size, "fuzz", &r);
        check_report(&r, st, keep);
        read_back(set);
    }
}

/* The whole-document targets (fuzz_vics, fuzz_ncmec): the first byte picks
 * the options (bit 0 forces `format`, else detection; bit 2 strict; bit 3
 * keep flagged; bit 4 a 256-byte value limit); the rest is the document,
 * loaded twice into one set (duplicates; rollback after a failure). */
static inline int fuzz_document(const uint8_t *data, size_t size, phash_sigset_format format)
{
    if (size < 1)
        return 0;
    unsigned opt = data[0];
    phash_sigset *set = NULL;
    FUZZ_OK(phash_sigset_new(&set));
    int keep = (opt >> 3) & 1;
    if (opt & 1)
        FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_FORMAT, (int)format));
    FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_STRICT, (opt >> 2) & 1));
    FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_KEEP_FLAGGED, keep));
    if (opt & 0x10)
        FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_MAX_LINE, 256));
    load_twice(set, data + 1, size - 1, keep);
    phash_sigset_free(set);
    return 0;
}

#endif
