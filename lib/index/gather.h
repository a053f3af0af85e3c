/* SPDX-License-Identifier: MIT */
/* Gather loops (candidates given by entry number, one code at a time),
 * included by each kernel file so that they are compiled with that file's
 * flags (the popcnt instruction in the SIMD files). gather64 serves compact
 * 64-bit MIH tables, gather256 the PDQ tables (AVX-512 has its own). */
#ifndef PHASH_LIB_INDEX_GATHER_H
#define PHASH_LIB_INDEX_GATHER_H

#include "index_internal.h"

static inline size_t gather64(const uint64_t *codes, const unsigned char *idx, unsigned ib, size_t n,
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

#ifndef PH_GATHER_NO_256
static inline size_t gather256(const uint64_t *codes, const unsigned char *idx, unsigned ib,
                               size_t n, size_t limit, const uint64_t *q, unsigned r,
                               uint32_t *pos, uint32_t *dist)
{
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + PF_AHEAD < n) {
            uint32_t ahead = ph_idx_get(idx, i + PF_AHEAD, ib);
            if (ahead < limit)
                __builtin_prefetch(codes + 4 * (size_t)ahead);
        }
        uint32_t e = ph_idx_get(idx, i, ib);
        if (e >= limit)
            continue;
        const uint64_t *a = codes + 4 * (size_t)e;
        unsigned d = (unsigned)(__builtin_popcountll(a[0] ^ q[0]) + __builtin_popcountll(a[1] ^ q[1]) +
                                __builtin_popcountll(a[2] ^ q[2]) + __builtin_popcountll(a[3] ^ q[3]));
        if (d <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = d;
        }
    }
    return h;
}
#endif

#endif
