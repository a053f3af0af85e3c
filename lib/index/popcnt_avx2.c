/* SPDX-License-Identifier: MIT */
/* AVX2 scan kernels (built with -mavx2 -mpopcnt; called only when cpu.c
 * found AVX2). Vertical SIMD across codes: xor with the broadcast query,
 * per-byte popcount by nibble lookup (pshufb), byte sums per 64-bit lane
 * (psadbw), compare with the radius, extract a mask (docs/index.md 5). */
#include <immintrin.h>

#include "gather.h"
#include "index_internal.h"

static inline __m256i popcnt_lanes(__m256i x)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                         2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(x, low));
    __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
    return _mm256_sad_epu8(_mm256_add_epi8(lo, hi), _mm256_setzero_si256());
}

/* Append the positions base+i for the set bits i of mask, with d[i]. */
static inline size_t emit(unsigned mask, size_t base, const uint64_t *d, uint32_t *pos,
                          uint32_t *dist, size_t h)
{
    while (mask) {
        unsigned i = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        pos[h] = (uint32_t)(base + i);
        dist[h++] = (uint32_t)d[i];
    }
    return h;
}

static size_t scan64(const uint64_t *codes, size_t n, uint64_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist)
{
    const __m256i qv = _mm256_set1_epi64x((long long)q);
    const __m256i rv = _mm256_set1_epi64x((long long)r);
    size_t h = 0, i = 0;
    uint64_t d[4];
    for (; i + 4 <= n; i += 4) {
        __m256i c = popcnt_lanes(_mm256_xor_si256(_mm256_loadu_si256((const void *)(codes + i)), qv));
        unsigned far = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(c, rv)));
        if (far != 0xf) {
            _mm256_storeu_si256((void *)d, c);
            h = emit(~far & 0xf, i, d, pos, dist, h);
        }
    }
    for (; i < n; i++) {
        unsigned dd = (unsigned)__builtin_popcountll(codes[i] ^ q);
        if (dd <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = dd;
        }
    }
    return h;
}

static inline unsigned dist256(const uint64_t *a, const uint64_t *q)
{
    return (unsigned)(__builtin_popcountll(a[0] ^ q[0]) + __builtin_popcountll(a[1] ^ q[1]) +
                      __builtin_popcountll(a[2] ^ q[2]) + __builtin_popcountll(a[3] ^ q[3]));
}

static size_t scan256(const uint64_t *codes, size_t n, const uint64_t *q, unsigned r,
                      uint32_t *pos, uint32_t *dist)
{
    const __m256i qv = _mm256_loadu_si256((const void *)q);
    const __m256i rv = _mm256_set1_epi64x((long long)r);
    size_t h = 0, i = 0;
    uint64_t d[4];
    for (; i + 4 <= n; i += 4) {
        const uint64_t *c = codes + 4 * i;
        __m256i sa = popcnt_lanes(_mm256_xor_si256(_mm256_loadu_si256((const void *)c), qv));
        __m256i sb = popcnt_lanes(_mm256_xor_si256(_mm256_loadu_si256((const void *)(c + 4)), qv));
        __m256i sc = popcnt_lanes(_mm256_xor_si256(_mm256_loadu_si256((const void *)(c + 8)), qv));
        __m256i sd = popcnt_lanes(_mm256_xor_si256(_mm256_loadu_si256((const void *)(c + 12)), qv));
        /* [a01 b01 a23 b23] and [c01 d01 c23 d23], then the two halves. */
        __m256i ab = _mm256_add_epi64(_mm256_unpacklo_epi64(sa, sb), _mm256_unpackhi_epi64(sa, sb));
        __m256i cd = _mm256_add_epi64(_mm256_unpacklo_epi64(sc, sd), _mm256_unpackhi_epi64(sc, sd));
        __m256i s = _mm256_add_epi64(_mm256_permute2x128_si256(ab, cd, 0x20),
                                     _mm256_permute2x128_si256(ab, cd, 0x31));
        unsigned far = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(s, rv)));
        if (far != 0xf) {
            _mm256_storeu_si256((void *)d, s);
            h = emit(~far & 0xf, i, d, pos, dist, h);
        }
    }
    for (; i < n; i++) {
        unsigned dd = dist256(codes + 4 * i, q);
        if (dd <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = dd;
        }
    }
    return h;
}

/* Eight 32-bit words per register: the byte popcounts of each word summed
 * by maddubs (byte pairs) and madd (pairs of those). */
static size_t scan32(const uint32_t *words, size_t n, uint32_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                         2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f), one8 = _mm256_set1_epi8(1);
    const __m256i one16 = _mm256_set1_epi16(1);
    const __m256i qv = _mm256_set1_epi32((int)q), rv = _mm256_set1_epi32((int)r);
    size_t h = 0, i = 0;
    uint32_t d[8];
    for (; i + 8 <= n; i += 8) {
        __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const void *)(words + i)), qv);
        __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(x, low));
        __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
        __m256i c = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_add_epi8(lo, hi), one8), one16);
        unsigned far = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(c, rv)));
        if (far != 0xff) {
            _mm256_storeu_si256((void *)d, c);
            for (unsigned m = ~far & 0xff; m; m &= m - 1) {
                unsigned k = (unsigned)__builtin_ctz(m);
                pos[h] = (uint32_t)(i + k);
                dist[h++] = d[k];
            }
        }
    }
    for (; i < n; i++) {
        unsigned dd = (unsigned)__builtin_popcount(words[i] ^ q);
        if (dd <= r) {
            pos[h] = (uint32_t)i;
            dist[h++] = dd;
        }
    }
    return h;
}

const ph_kernel_ops ph_kernel_avx2 = {scan64, scan256, gather256, gather64, scan32};
