/* SPDX-License-Identifier: MIT */
/* AVX-512 VPOPCNTDQ scan kernels (built with -mavx512f -mavx512vpopcntdq
 * -mpopcnt; called only when cpu.c found both and the OS saves ZMM state). */
#include <immintrin.h>

#define PH_GATHER_NO_256
#include "gather.h"
#include "index_internal.h"

static inline size_t emit(unsigned mask, size_t base, const uint64_t *d, unsigned stride,
                          uint32_t *pos, uint32_t *dist, size_t h)
{
    while (mask) {
        unsigned i = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        pos[h] = (uint32_t)(base + i);
        dist[h++] = (uint32_t)d[i * stride];
    }
    return h;
}

static size_t scan64(const uint64_t *codes, size_t n, uint64_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist)
{
    const __m512i qv = _mm512_set1_epi64((long long)q);
    const __m512i rv = _mm512_set1_epi64((long long)r);
    size_t h = 0;
    uint64_t d[8];
    for (size_t i = 0; i < n; i += 8) {
        __mmask8 live = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);
        __m512i c = _mm512_maskz_loadu_epi64(live, codes + i);
        __m512i p = _mm512_popcnt_epi64(_mm512_xor_si512(c, qv));
        __mmask8 m = _mm512_mask_cmple_epu64_mask(live, p, rv);
        if (m) {
            _mm512_storeu_si512(d, p);
            h = emit(m, i, d, 1, pos, dist, h);
        }
    }
    return h;
}

/* Two 256-bit codes per register: sum the four 64-bit popcounts of each
 * half so that every lane of a half holds its code's distance. */
static inline __m512i dist_pairs(__m512i x)
{
    __m512i p = _mm512_popcnt_epi64(x);
    p = _mm512_add_epi64(p, _mm512_shuffle_epi32(p, _MM_PERM_BADC));
    return _mm512_add_epi64(p, _mm512_shuffle_i64x2(p, p, _MM_SHUFFLE(2, 3, 0, 1)));
}

static size_t scan256(const uint64_t *codes, size_t n, const uint64_t *q, unsigned r,
                      uint32_t *pos, uint32_t *dist)
{
    const __m256i q256 = _mm256_loadu_si256((const void *)q);
    const __m512i qv = _mm512_inserti64x4(_mm512_castsi256_si512(q256), q256, 1);
    const __m512i rv = _mm512_set1_epi64((long long)r);
    size_t h = 0;
    uint64_t d[8];
    for (size_t i = 0; i < n; i += 2) {
        __mmask8 live = n - i >= 2 ? 0xff : 0x0f;
        __m512i p = dist_pairs(_mm512_xor_si512(_mm512_maskz_loadu_epi64(live, codes + 4 * i), qv));
        /* lane 0 = first code, lane 4 = second */
        __mmask8 m = _mm512_mask_cmple_epu64_mask(live & 0x11, p, rv);
        if (m) {
            _mm512_storeu_si512(d, p);
            unsigned pair = (m & 1u) | ((m >> 3) & 2u);
            h = emit(pair, i, d, 4, pos, dist, h);
        }
    }
    return h;
}

/* Two gathered candidates per register, then the same reduction as the
 * scan. Entries past the limit are skipped. */
static size_t gather256(const uint64_t *codes, const unsigned char *idx, unsigned ib, size_t n,
                        size_t limit,
                        const uint64_t *q, unsigned r, uint32_t *pos, uint32_t *dist)
{
    const __m256i q256 = _mm256_loadu_si256((const void *)q);
    const __m512i qv = _mm512_inserti64x4(_mm512_castsi256_si512(q256), q256, 1);
    const __m512i rv = _mm512_set1_epi64((long long)r);
    size_t h = 0;
    uint64_t d[8];
    for (size_t i = 0; i < n; i += 2) {
        if (i + PF_AHEAD < n && ph_idx_get(idx, i + PF_AHEAD, ib) < limit)
            __builtin_prefetch(codes + 4 * (size_t)ph_idx_get(idx, i + PF_AHEAD, ib));
        if (i + PF_AHEAD + 1 < n && ph_idx_get(idx, i + PF_AHEAD + 1, ib) < limit)
            __builtin_prefetch(codes + 4 * (size_t)ph_idx_get(idx, i + PF_AHEAD + 1, ib));
        unsigned ok0 = ph_idx_get(idx, i, ib) < limit, ok1 = i + 1 < n && ph_idx_get(idx, i + 1, ib) < limit;
        __m256i a = ok0 ? _mm256_loadu_si256((const void *)(codes + 4 * (size_t)ph_idx_get(idx, i, ib))) : q256;
        __m256i b = ok1 ? _mm256_loadu_si256((const void *)(codes + 4 * (size_t)ph_idx_get(idx, i + 1, ib))) : q256;
        __m512i p = dist_pairs(_mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1), qv));
        __mmask8 live = (__mmask8)((ok0 ? 0x01u : 0u) | (ok1 ? 0x10u : 0u));
        __mmask8 m = _mm512_mask_cmple_epu64_mask(live, p, rv);
        if (m) {
            _mm512_storeu_si512(d, p);
            unsigned pair = (m & 1u) | ((m >> 3) & 2u);
            h = emit(pair, i, d, 4, pos, dist, h);
        }
    }
    return h;
}

static size_t scan32(const uint32_t *words, size_t n, uint32_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist)
{
    const __m512i qv = _mm512_set1_epi32((int)q);
    const __m512i rv = _mm512_set1_epi32((int)r);
    size_t h = 0;
    uint32_t d[16];
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 live = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512i c = _mm512_maskz_loadu_epi32(live, words + i);
        __m512i p = _mm512_popcnt_epi32(_mm512_xor_si512(c, qv));
        unsigned m = _mm512_mask_cmple_epu32_mask(live, p, rv);
        if (m) {
            _mm512_storeu_si512(d, p);
            while (m) {
                unsigned k = (unsigned)__builtin_ctz(m);
                m &= m - 1;
                pos[h] = (uint32_t)(i + k);
                dist[h++] = d[k];
            }
        }
    }
    return h;
}

const ph_kernel_ops ph_kernel_avx512 = {scan64, scan256, gather256, gather64, scan32};
