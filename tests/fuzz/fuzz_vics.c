/* SPDX-License-Identifier: MIT */
/* Fuzz target for the VICS JSON loader (lib/sigset/vics.c: yajl streaming,
 * the token and depth guards, Media and Cases forms, {HashName, HashValue}
 * alternatives). The first byte picks the options (format forced or
 * detected, strict, keep flagged, a 256-byte value limit); the rest is the
 * document. It is loaded twice into one set (duplicates; rollback after a
 * failure), every owner is read back and the report's invariant checked.
 * Built as a libFuzzer target with -Dfuzz=true (clang) and always as a
 * regression driver over tests/fuzz/corpus/vics.
 */
#include <stdint.h>

#include "phash/phash.h"
#include "fuzz_sigset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_document(data, size, PHASH_SIGSET_VICS);
}
