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
#include "fuzz_check.h"
#include "fuzz_sigset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opt = data[0];
    phash_sigset *set = NULL;
    FUZZ_OK(phash_sigset_new(&set));
    int keep = (opt >> 3) & 1;
    FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_FORMAT, (int)(opt & 3)));
    FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_STRICT, (opt >> 2) & 1));
    FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_KEEP_FLAGGED, keep));
    if (opt & 0x10)
        FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_MAX_LINE, 256));
    if (opt & 0x20)
        FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_U64_FORM, PHASH_U64_UNSIGNED));
    static const int default_algo[4] = {0, PHASH_SIG_PDQ, PHASH_SIG_PHASH, PHASH_SIG_SHA256};
    FUZZ_OK(phash_sigset_set_option(set, PHASH_SIGSET_OPT_ALGO, default_algo[opt >> 6]));
    load_twice(set, data + 1, size - 1, keep);
    phash_sigset_free(set);
    return 0;
}
