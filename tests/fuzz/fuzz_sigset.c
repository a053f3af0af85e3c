/* SPDX-License-Identifier: MIT */
/* Fuzz target for the signature-set parsers (plain, CSV/TSV, JSON lines).
 * The first byte picks the options (format, strict, keep flagged, a short
 * line limit, decimal form, default algorithm: none, PDQ, pHash, SHA-256);
 * the rest is the file. The data is loaded twice into one set (duplicates, rollback after a strict
 * failure), then every owner is read back and the report's invariant is
 * checked: a broken invariant traps, so logic errors are found as well as
 * memory errors. Built as a libFuzzer target with -Dfuzz=true (clang) and
 * always as a regression driver over tests/fuzz/corpus/sigset. */
#include <stdint.h>
#include <string.h>

#include "phash/phash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_report(const phash_sigset_report *r, phash_status st, int keep_flagged)
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

static void read_back(const phash_sigset *set)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opt = data[0];
    phash_sigset *set = phash_sigset_new();
    if (!set)
        return 0;
    int keep = (opt >> 3) & 1;
    (void)phash_sigset_set_option(set, PHASH_SIGSET_OPT_FORMAT, (int)(opt & 3));
    (void)phash_sigset_set_option(set, PHASH_SIGSET_OPT_STRICT, (opt >> 2) & 1);
    (void)phash_sigset_set_option(set, PHASH_SIGSET_OPT_KEEP_FLAGGED, keep);
    if (opt & 0x10)
        (void)phash_sigset_set_option(set, PHASH_SIGSET_OPT_MAX_LINE, 256);
    if (opt & 0x20)
        (void)phash_sigset_set_option(set, PHASH_SIGSET_OPT_U64_FORM, PHASH_U64_UNSIGNED);
    static const int default_algo[4] = {0, PHASH_SIG_PDQ, PHASH_SIG_PHASH, PHASH_SIG_SHA256};
    (void)phash_sigset_set_option(set, PHASH_SIGSET_OPT_ALGO, default_algo[opt >> 6]);
    phash_sigset_report r;
    for (int round = 0; round < 2; round++) {
        phash_status st = phash_sigset_load_memory(set, data + 1, size - 1, "fuzz", &r);
        check_report(&r, st, keep);
        read_back(set);
    }
    phash_sigset_free(set);
    return 0;
}
