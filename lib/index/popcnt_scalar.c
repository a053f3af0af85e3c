/* SPDX-License-Identifier: MIT */
/* Portable scan kernels: one code at a time with the compiler's popcount.
 * The reference the SIMD kernels are tested against, and the fallback on
 * CPUs without AVX2. */
#include "gather.h"
#include "index_internal.h"

static size_t scan64(const uint64_t *codes, size_t n, uint64_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist)
{
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = ph_popcount64(codes[i] ^ q);
        if (d <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = d;
        }
    }
    return h;
}

static size_t scan256(const uint64_t *codes, size_t n, const uint64_t *q, unsigned r,
                      uint32_t *pos, uint32_t *dist)
{
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = ph_dist(codes + 4 * i, q, 4);
        if (d <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = d;
        }
    }
    return h;
}

static size_t scan32(const uint32_t *words, size_t n, uint32_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist)
{
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)__builtin_popcount(words[i] ^ q);
        if (d <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = d;
        }
    }
    return h;
}

const ph_kernel_ops ph_kernel_scalar = {scan64, scan256, gather256, gather64, scan32};
