/* SPDX-License-Identifier: MIT */
/* The 64-bit gather loop, included by each kernel file so that it is
 * compiled with that file's flags (the popcnt instruction in the SIMD
 * files). Used by compact MIH tables, which keep entry numbers only. */
#ifndef PHASH_LIB_INDEX_GATHER64_H
#define PHASH_LIB_INDEX_GATHER64_H

#include "index_internal.h"

static size_t gather64(const uint64_t *codes, const unsigned char *idx, unsigned ib, size_t n,
                       size_t limit, const uint64_t *q, unsigned r, uint32_t *pos, uint32_t *dist)
{
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + PF_AHEAD < n) {
            uint32_t ahead = ph_idx_get(idx, i + PF_AHEAD, ib);
            if (ahead < limit)
                __builtin_prefetch(codes + ahead);
        }
        uint32_t e = ph_idx_get(idx, i, ib);
        if (e >= limit)
            continue;
        unsigned d = (unsigned)__builtin_popcountll(codes[e] ^ q[0]);
        if (d <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = d;
        }
    }
    return h;
}

#endif
