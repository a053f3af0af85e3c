/* SPDX-License-Identifier: MIT */
/* Fuzz target: the index file loader (phash_index_open_memory), then
 * queries with every method on whatever it accepts. Both the verifying and
 * the trusting mode are exercised; the trusting one skips the checksums,
 * so mutated bodies reach the structural checks and the query code; a
 * third run re-seals the checksums of the mutated file (header and
 * sections), so that mutated headers and structures get past them too. */
#include <stdlib.h>
#include <string.h>

#include "phash/phash.h"
#include "fuzz_check.h"

/* lib/index/file.c: the format's checksum, to re-seal mutated inputs. */
uint64_t ph_index_checksum(const void *data, size_t len);

static void run(const unsigned char *buf, size_t size, unsigned flags)
{
    phash_index *ix;
    if (phash_index_open_memory(buf, size, flags, &ix, NULL) != PHASH_OK)
        return;
    phash_index_results *res;
    if (phash_index_results_new(&res) != PHASH_OK) {
        phash_index_free(ix);
        return;
    }
    unsigned bits = phash_index_bits(ix);
    uint64_t q[8 * 4];
    for (unsigned i = 0; i < 8 * 4; i++)
        q[i] = 0x9e3779b97f4a7c15ull * (i + 1);
    if (size >= 256 + 32)
        memcpy(q, buf + 256, 32); /* likely a stored code: gives hits */
    for (int m = PHASH_INDEX_AUTO; m <= PHASH_INDEX_MIH; m++) {
        phash_index_search_opts o = {.radius = bits == 64 ? 10 : 31, .method = (phash_index_method)m};
        FUZZ_ANY(phash_index_search(ix, q, 1, &o, res));
        o.variants = 8;
        o.k = 2;
        FUZZ_ANY(phash_index_search(ix, q, 1, &o, res));
        o.variants = 1;
        o.radius = bits;
        o.k = 3;
        FUZZ_ANY(phash_index_search(ix, q, 1, &o, res));
    }
    /* Mutations on a loaded index: tombstones, buffer, rebuild. */
    FUZZ_ANY(phash_index_remove(ix, 0));
    uint64_t id = 7;
    FUZZ_ANY(phash_index_add(ix, q, &id, 1));
    FUZZ_ANY(phash_index_build(ix));
    phash_index_search_opts o = {.radius = 4};
    FUZZ_ANY(phash_index_search(ix, q, 1, &o, res));
    phash_index_results_free(res);
    phash_index_free(ix);
}

/* Recompute every section checksum that lies inside the buffer, then the
 * header's (layout: lib/index/file.c). */
static void reseal(unsigned char *buf, size_t size)
{
    for (unsigned i = 0; i < 7; i++) {
        uint64_t off, len, sum;
        memcpy(&off, buf + 56 + 24 * i, 8);
        memcpy(&len, buf + 64 + 24 * i, 8);
        if (off > size || len > size - off)
            continue;
        sum = ph_index_checksum(buf + off, (size_t)len);
        memcpy(buf + 72 + 24 * i, &sum, 8);
    }
    uint64_t h = ph_index_checksum(buf, 248);
    memcpy(buf + 248, &h, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The loader wants 8-byte (ideally 64-byte) alignment, like a mapping. */
    unsigned char *buf = aligned_alloc(64, (size + 64) & ~(size_t)63);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    run(buf, size, 0);
    run(buf, size, PHASH_INDEX_OPEN_TRUST);
    if (size >= 256) {
        reseal(buf, size);
        run(buf, size, 0);
    }
    free(buf);
    return 0;
}
