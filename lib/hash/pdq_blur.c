/* SPDX-License-Identifier: MIT */
/*
 * PDQ tent filter and decimation (docs/pdq.md sections 2.3-2.6), streamed,
 * and the quality metric of the result (section 2.7).
 *
 * The reference runs four 1-D box passes over two full-size float buffers:
 * rows, columns, rows, columns; its column passes walk memory with a stride
 * of one row and become cache- and TLB-bound on large photos. We produce
 * exactly the same floats in blocks of V rows, never holding more than a
 * ring of rows:
 *
 *   luma of V rows x V columns -> transpose -> box along rows (lanes = rows)
 *     -> transpose into the ring -> box along columns (lanes = columns, one
 *        running sum per column) -> transpose -> box along rows, keeping
 *        only the sampled columns -> (H x nsc) -> box along columns on
 *        those columns, keeping only the sampled rows.
 *
 * The sampled lines are the reference's 64 per axis, or up to 128 with the
 * aligned dihedral hashes (their mirror images too, pdq.c): keeping more
 * outputs of a running sum changes none of them.
 *
 * Every transpose is a V x V block in registers (see "the streamed
 * pipeline" below).
 *
 * Bit-exactness: every line (row or column) keeps its own float running
 * sum and sees the same adds, subtracts and divisions in the same order as
 * in the reference's box1DFloat; vector lanes are independent lines, so the
 * SIMD width (this file is compiled once per instruction set with a
 * different V) cannot change a result. Built with -ffp-contract=off; a
 * division is either a division or the exactly equal reciprocal-and-FMA
 * sequence of div_count below.
 *
 * The box filter of window w over a line of n values, h = (w + 2) / 2:
 * output o averages inputs o-(w-h) .. o+(h-1) that exist. The running sum
 * first adds inputs 0..h-2; then for each output o it adds input o+h-1 (if
 * it exists), then subtracts input o-(w-h)-1 (if it exists), and divides by
 * the count of inputs in the window.
 */
#include <string.h>

#include "pdq_internal.h"

#ifndef PH_PDQ_V
#define PH_PDQ_V 4
#endif
#ifndef PH_PDQ_BLUR_FN
#define PH_PDQ_BLUR_FN ph_pdq_blur_generic
#endif

#define V PH_PDQ_V
/* Columns per span when luma goes through luma_span (kernels without a
 * vector luma, or unusual layouts): V rows of CHUNK floats stay in L1 until
 * they are transposed. */
#define CHUNK 128

typedef float vf __attribute__((vector_size(V * sizeof(float))));
typedef int vi __attribute__((vector_size(V * sizeof(int))));

/* ---- exact division by a window count ---------------------------------- */

/* Every box output is a running sum divided by its window count, and the
 * division (vdivps) is the slowest instruction of the two full-image passes.
 * With FMA the quotient is obtained from the reciprocal instead, and it is
 * the same float the division gives (Markstein's correction step):
 *
 *   y = RN(1/b), q = RN(a*y), r = fma(-q, b, a), q' = fma(r, y, q).
 *
 * Why q' = RN(a/b) for every float a when b is an integer with b < 2^23:
 * q is within one ulp of a/b (a*y carries one relative error of at most
 * 2^-24 from y, plus its own rounding), so the remainder a - b*q is exactly
 * a float and r is exact (no underflow: our sums are far above 2^-100).
 * Then q + r*y = a/b + r*(y - 1/b) with |r| < b*ulp and |y - 1/b| <= 2^-24/b,
 * so it is within 2^-24 ulp(a/b) of a/b. The exact quotient is never a
 * rounding midpoint (a = b*m with m a 25-bit odd mantissa needs more than 24
 * bits), and its distance to any midpoint is a non-zero multiple of
 * ulp(a/b)/2 divided by b, so at least ulp/2^24 when b < 2^23: no midpoint
 * lies between a/b and q + r*y, and their roundings agree. tests/test_pdq.c
 * also checks the identity on random floats and near exact multiples.
 * Kernels without FMA divide. */
#if V == 16 && defined(__AVX512F__)
#include <immintrin.h>
#define PH_PDQ_RECIP_DIV 1
static inline vf div_count(vf a, float b, float y)
{
    __m512 va = (__m512)a, vb = _mm512_set1_ps(b), vy = _mm512_set1_ps(y);
    __m512 q = _mm512_mul_ps(va, vy);
    __m512 r = _mm512_fnmadd_ps(q, vb, va);
    return (vf)_mm512_fmadd_ps(r, vy, q);
}
#elif V == 8 && defined(__FMA__)
#include <immintrin.h>
#define PH_PDQ_RECIP_DIV 1
static inline vf div_count(vf a, float b, float y)
{
    __m256 va = (__m256)a, vb = _mm256_set1_ps(b), vy = _mm256_set1_ps(y);
    __m256 q = _mm256_mul_ps(va, vy);
    __m256 r = _mm256_fnmadd_ps(q, vb, va);
    return (vf)_mm256_fmadd_ps(r, vy, q);
}
#else
#define PH_PDQ_RECIP_DIV 0
static inline vf div_count(vf a, float b, float y)
{
    (void)y;
    return a / b;
}
#endif
/* The reciprocal div_count wants; counts stay far below 2^23 (sides are
 * limited to 2^30, windows are side / 128). */
static inline float recip(float b) { return 1.0f / b; }

/* ---- box-filter arithmetic shared by every pass ------------------------ */

/* Inputs in the window of output o (n values, window w, h = (w+2)/2). */
static inline uint32_t window_count(uint32_t o, uint32_t n, uint32_t w, uint32_t h)
{
    uint32_t hi = o + h - 1 < n - 1 ? o + h - 1 : n - 1;
    uint32_t lo = o > w - h ? o - (w - h) : 0;
    return hi - lo + 1;
}

/* Box along a line of n vectors (lanes are independent lines), outputs
 * o0..o1-1 into out[0..o1-o0-1]. *sum carries the running sum from the
 * previous span (o0 == 0 starts it). */
static void box_line_span(const vf *in, vf *out, uint32_t n, uint32_t w, uint32_t o0,
                          uint32_t o1, vf *sum)
{
    const uint32_t h = (w + 2) / 2;
    vf s = *sum;
    if (o0 == 0) {
        s = (vf){0};
        for (uint32_t i = 0; i < h - 1; i++)
            s += in[i];
    }
    uint32_t o = o0;
    const uint32_t grow_end = w - h + 1 < o1 ? w - h + 1 : o1;
    for (; o < grow_end; o++) { /* growing window: h + o inputs */
        s += in[o + h - 1];
        out[o - o0] = s / (float)(h + o);
    }
    const uint32_t full_end = n - h + 1 < o1 ? n - h + 1 : o1;
    const float fw = (float)w, yw = recip(fw);
    for (; o < full_end; o++) { /* full window */
        s += in[o + h - 1];
        s -= in[o - (w - h) - 1];
        out[o - o0] = div_count(s, fw, yw);
    }
    for (; o < o1; o++) { /* shrinking window */
        s -= in[o - (w - h) - 1];
        out[o - o0] = s / (float)window_count(o, n, w, h);
    }
    *sum = s;
}

/* The same running sum without divisions, keeping only the sums of the
 * outputs listed in at[0..nat-1] (ascending, may repeat): sums[j] is the
 * sum before the division of output at[j]. Which outputs are kept does not
 * change the sum any of them sees. */
static void box_line_sampled_sums(const vf *in, uint32_t n, uint32_t w, const uint32_t *at,
                                  uint32_t nat, vf *sums)
{
    uint32_t h = (w + 2) / 2;
    vf sum = {0};
    for (uint32_t i = 0; i < h - 1; i++)
        sum += in[i];
    /* Run to each sampled output in turn: the inner loops carry no test
     * but their bound. */
    const uint32_t grow_end = w - h + 1, full_end = n - h + 1;
    uint32_t o = 0;
    for (uint32_t j = 0; j < nat;) {
        const uint32_t target = at[j];
        for (; o <= target && o < grow_end; o++)
            sum += in[o + h - 1];
        for (; o <= target && o < full_end; o++) {
            sum += in[o + h - 1];
            sum -= in[o - (w - h) - 1];
        }
        for (; o <= target; o++)
            sum -= in[o - (w - h) - 1];
        while (j < nat && at[j] == target)
            sums[j++] = sum;
    }
}

/* ---- V x V transposes -------------------------------------------------- */

/* Recursive block transpose: at block size s, rows i and i+s (bit s of i
 * clear) exchange their s-wide blocks. Masks are compile-time constants. */
#define MLO(c, s) (((c) & (s)) ? V + (c) - (s) : (c))
#define MHI(c, s) (((c) & (s)) ? V + (c) : (c) + (s))
#if V == 4
#define LANES(M, s) M(0, s), M(1, s), M(2, s), M(3, s)
#elif V == 8
#define LANES(M, s) M(0, s), M(1, s), M(2, s), M(3, s), M(4, s), M(5, s), M(6, s), M(7, s)
#elif V == 16
#define LANES(M, s)                                                                         \
    M(0, s), M(1, s), M(2, s), M(3, s), M(4, s), M(5, s), M(6, s), M(7, s), M(8, s), M(9, s), \
        M(10, s), M(11, s), M(12, s), M(13, s), M(14, s), M(15, s)
#else
#error "PH_PDQ_V must be 4, 8 or 16"
#endif

/* Two-vector lane permutation with constant masks: GCC's __builtin_shuffle
 * or clang's __builtin_shufflevector (decode: clang builds the libFuzzer
 * targets with -Dfuzz=true). */
#if defined(__clang__)
#define SHUFFLE2(a, b, M, s) __builtin_shufflevector(a, b, LANES(M, s))
#else
#define SHUFFLE2(a, b, M, s) __builtin_shuffle(a, b, (vi){LANES(M, s)})
#endif

#define TSTAGE(r, s)                                                    \
    do {                                                                \
        for (int i_ = 0; i_ < V; i_++) {                                \
            if (i_ & (s))                                               \
                continue;                                               \
            vf a_ = r[i_], b_ = r[i_ + (s)];                            \
            r[i_] = SHUFFLE2(a_, b_, MLO, s);                           \
            r[i_ + (s)] = SHUFFLE2(a_, b_, MHI, s);                     \
        }                                                               \
    } while (0)

#if V == 8
/* The classic AVX 8x8 transpose: unpack, shufps, vperm2f128 (24 single
 * instructions; the generic stages below need blends on AVX2). */
#if defined(__clang__)
#define SHUF(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define SHUF(a, b, ...) __builtin_shuffle(a, b, (vi){__VA_ARGS__})
#endif
static inline void transpose_regs(vf r[V])
{
    vf t[8], u[8];
    for (int i = 0; i < 8; i += 2) { /* unpacklo / unpackhi */
        t[i] = SHUF(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = SHUF(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) { /* shufps 0x44 / 0xee */
        u[i] = SHUF(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 1] = SHUF(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[i + 2] = SHUF(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 3] = SHUF(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int i = 0; i < 4; i++) { /* vperm2f128 0x20 / 0x31 */
        r[i] = SHUF(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        r[i + 4] = SHUF(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}
#elif V == 16 && defined(__AVX512F__)
/* 16x16 with in-lane unpacks and shuffles first (cheap), then two rounds
 * of 128-bit block shuffles: 64 single instructions, no two-source
 * permutes, all in registers. */
static inline void transpose_regs(vf r[V])
{
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps((__m512)r[i], (__m512)r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps((__m512)r[i], (__m512)r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xee);
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    /* u[4a + b] holds rows 4a..4a+3, column b (mod 4) of each 128-bit lane. */
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = (vf)_mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = (vf)_mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = (vf)_mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = (vf)_mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
}
#else
static inline void transpose_regs(vf r[V])
{
#if V >= 16
    TSTAGE(r, 8);
#endif
#if V >= 8
    TSTAGE(r, 4);
#endif
    TSTAGE(r, 2);
    TSTAGE(r, 1);
}
#endif

/* ---- luma -------------------------------------------------------------- */

/* The reference's luma: float coefficients, ((R*cr) + (G*cg)) + (B*cb). */
static inline float luma_rgb(const uint8_t *p)
{
    return 0.299f * (float)p[0] + 0.587f * (float)p[1] + 0.114f * (float)p[2];
}

/* Luma of V packed RGB (ch 3) or RGBX (ch 4) pixels (V = 16 here). The
 * bytes are widened to floats and sorted by channel, and every pixel gets
 * the reference's ((R*cr) + (G*cg)) + (B*cb) with the same three products. */
#if V == 16 && defined(__AVX512F__)
#define PH_PDQ_LUMA_VEC 1
static inline vf luma_vec(const uint8_t *q, uint32_t ch)
{
    const __m512 cr = _mm512_set1_ps(0.299f), cg = _mm512_set1_ps(0.587f),
                 cb = _mm512_set1_ps(0.114f);
    __m512 r, g, b;
    if (ch == 4) {
        const __m512i m = _mm512_set1_epi32(0xff);
        __m512i d = _mm512_loadu_si512(q);
        r = _mm512_cvtepi32_ps(_mm512_and_si512(d, m));
        g = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(d, 8), m));
        b = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(d, 16), m));
    } else {
#if defined(__AVX512VBMI__)
        /* One byte permute puts R0..R15, G0..G15, B0..B15 in the first
         * three 128-bit lanes; the masked load reads only the 48 bytes. */
        const __m512i idx = _mm512_set_epi8(
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* unused lane */
            47, 44, 41, 38, 35, 32, 29, 26, 23, 20, 17, 14, 11, 8, 5, 2, /* B */
            46, 43, 40, 37, 34, 31, 28, 25, 22, 19, 16, 13, 10, 7, 4, 1, /* G */
            45, 42, 39, 36, 33, 30, 27, 24, 21, 18, 15, 12, 9, 6, 3, 0); /* R */
        __m512i d = _mm512_permutexvar_epi8(idx, _mm512_maskz_loadu_epi8(0xffffffffffffull, q));
        r = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(d)));
        g = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(d, 1)));
        b = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(d, 2)));
#else
        /* Three vectors of 16 widened bytes; byte 3k+c (pixel k, channel c)
         * is lane (3k+c) % 16 of vector (3k+c) / 16. Pick each channel's
         * lanes from vectors 0 and 1 (bytes < 32), then from vector 2. */
        const __m512i r01 = _mm512_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0);
        const __m512i r2 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
        const __m512i g01 = _mm512_setr_epi32(1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0);
        const __m512i g2 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
        const __m512i b01 = _mm512_setr_epi32(2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0);
        const __m512i b2 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);
        __m512 p0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q)));
        __m512 p1 =
            _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + 16))));
        __m512 p2 =
            _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + 32))));
        r = _mm512_permutex2var_ps(_mm512_permutex2var_ps(p0, r01, p1), r2, p2);
        g = _mm512_permutex2var_ps(_mm512_permutex2var_ps(p0, g01, p1), g2, p2);
        b = _mm512_permutex2var_ps(_mm512_permutex2var_ps(p0, b01, p1), b2, p2);
#endif
    }
    return (vf)_mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(r, cr), _mm512_mul_ps(g, cg)),
                             _mm512_mul_ps(b, cb));
}
/* 16 grey pixels as floats. */
static inline vf grey_vec(const uint8_t *q)
{
    return (vf)_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q)));
}
#elif V == 8 && defined(__AVX2__)
#define PH_PDQ_LUMA_VEC 1
/* The AVX2 kernel's version: 8 pixels (24 or 32 bytes). For RGB, byte
 * shuffles within 16-byte halves gather each channel's 8 bytes before they
 * are widened; the float arithmetic is the same per pixel. */
static inline vf luma_vec(const uint8_t *q, uint32_t ch)
{
    const __m256 cr = _mm256_set1_ps(0.299f), cg = _mm256_set1_ps(0.587f),
                 cb = _mm256_set1_ps(0.114f);
    __m256 r, g, b;
    if (ch == 4) {
        const __m256i m = _mm256_set1_epi32(0xff);
        __m256i d = _mm256_loadu_si256((const __m256i *)q);
        r = _mm256_cvtepi32_ps(_mm256_and_si256(d, m));
        g = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(d, 8), m));
        b = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(d, 16), m));
    } else {
        /* bytes 0..15 and 16..23; -1 (0x80) selects zero */
        const __m128i lo = _mm_loadu_si128((const __m128i *)q);
        const __m128i hi = _mm_loadl_epi64((const __m128i *)(q + 16));
        const __m128i rl = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
        const __m128i rh = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, -1, -1, -1, -1, -1, -1, -1, -1);
        const __m128i gl = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
        const __m128i gh = _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, -1, -1, -1, -1, -1, -1, -1, -1);
        const __m128i bl = _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
        const __m128i bh = _mm_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, -1, -1, -1, -1, -1, -1, -1, -1);
        __m128i rb = _mm_or_si128(_mm_shuffle_epi8(lo, rl), _mm_shuffle_epi8(hi, rh));
        __m128i gb = _mm_or_si128(_mm_shuffle_epi8(lo, gl), _mm_shuffle_epi8(hi, gh));
        __m128i bb = _mm_or_si128(_mm_shuffle_epi8(lo, bl), _mm_shuffle_epi8(hi, bh));
        r = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(rb));
        g = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(gb));
        b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bb));
    }
    return (vf)_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(r, cr), _mm256_mul_ps(g, cg)),
                             _mm256_mul_ps(b, cb));
}

/* 8 grey pixels as floats. */
static inline vf grey_vec(const uint8_t *q)
{
    return (vf)_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)q)));
}
#else
#define PH_PDQ_LUMA_VEC 0
#endif

/* Luma of working row r, columns x0..x1-1, into out[0..x1-x0-1]. */
static void luma_span(const ph_pdq_plan *p, uint32_t r, uint32_t x0, uint32_t x1, float *out)
{
    const phash_image *img = p->img;
    const uint32_t ch = img->channels, w = x1 - x0;
    const uint8_t *px = ph_image_row(img, p->src_row ? p->src_row[r] : r);
    if (p->src_col) {
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *q = px + (size_t)p->src_col[x0 + x] * ch;
            out[x] = p->grey ? (float)q[0] : luma_rgb(q);
        }
        return;
    }
    px += (size_t)x0 * ch;
    if (p->grey) {
        if (ch == 1)
            for (uint32_t x = 0; x < w; x++)
                out[x] = (float)px[x];
        else
            for (uint32_t x = 0; x < w; x++)
                out[x] = (float)px[(size_t)x * ch];
    } else if (ch == 3) {
        for (uint32_t x = 0; x < w; x++)
            out[x] = 0.299f * (float)px[3 * (size_t)x] + 0.587f * (float)px[3 * (size_t)x + 1] +
                     0.114f * (float)px[3 * (size_t)x + 2];
    } else {
        for (uint32_t x = 0; x < w; x++)
            out[x] = 0.299f * (float)px[4 * (size_t)x] + 0.587f * (float)px[4 * (size_t)x + 1] +
                     0.114f * (float)px[4 * (size_t)x + 2];
    }
}

/* ---- the streamed pipeline --------------------------------------------- */

/* Rows are processed in blocks of V. Per block:
 *   luma: V rows x V columns at a time, transposed in registers into tin
 *         (vector c = column c of the block's rows);
 *   first row box: along tin, V outputs at a time, transposed in registers
 *         into the ring of row-major rows;
 *   first column box: per group of V columns, one running sum vector,
 *         stepped down the block's rows; the V outputs are transposed in
 *         registers into tin again (vector c = column c of the V output rows);
 *   second row box: along tin, keeping the running sums at the nsc
 *         sampled columns only, into samples (h x nsc).
 * Only tin, the ring (wc + V rows) and samples live in memory. */
typedef struct pipe {
    const ph_pdq_plan *p;
    uint32_t wp;     /* row length rounded up to V */
    uint32_t ng;     /* column groups: wp / V */
    uint32_t ring_n; /* rows in the ring: wc + V */
    vf *tin;         /* wp vectors */
    float *lum;      /* V x CHUNK: luma rows before their transpose */
    float *ring;     /* ring_n x wp: row-filtered rows awaiting the column box */
    vf *colsum;      /* ng vectors: the column box's running sums */
    float *samples;  /* h x nsc: second row box at the sampled columns */
    float scnt[PH_PDQ_MAX_SAMPLES], sy[PH_PDQ_MAX_SAMPLES]; /* window counts of the sampled
                                                                columns and their reciprocals */
    ph_pdq_prof *prof;
} pipe;

static float *ring_row(const pipe *s, uint32_t r)
{
    return s->ring + (size_t)(r % s->ring_n) * s->wp;
}

/* Luma of the block's rows for the CHUNK columns from c0, through
 * luma_span (one call per row, which the compiler vectorises along the
 * row), then transposed V x V into s->tin. */
static void luma_chunk_rows(pipe *s, uint32_t r0, uint32_t nb, uint32_t c0)
{
    const ph_pdq_plan *p = s->p;
    const uint32_t c1 = c0 + CHUNK < s->wp ? c0 + CHUNK : s->wp;
    const uint32_t x1 = c1 < p->w ? c1 : p->w;
    for (uint32_t k = 0; k < V; k++) {
        float *line = s->lum + (size_t)k * CHUNK;
        uint32_t done = 0;
        if (k < nb && c0 < x1) {
            luma_span(p, r0 + k, c0, x1, line);
            done = x1 - c0;
        }
        for (uint32_t x = done; x < c1 - c0; x++)
            line[x] = 0.0f;
    }
    for (uint32_t c = c0; c < c1; c += V) {
        vf r[V];
        for (uint32_t k = 0; k < V; k++)
            memcpy(&r[k], s->lum + (size_t)k * CHUNK + (c - c0), sizeof(vf));
        transpose_regs(r);
        memcpy(s->tin + c, r, sizeof r);
    }
}

/* Luma of the block's rows r0..r0+nb-1 into s->tin (columns past the image
 * and lanes past the last row are zero). With AVX-512, colour and grey
 * rows are converted 16 pixels at a time straight into registers. */
static void block_luma(pipe *s, uint32_t r0, uint32_t nb)
{
    const ph_pdq_plan *p = s->p;
    const uint32_t ch = p->img->channels;
    const int direct = !p->src_col && !p->src_row;
    if (!(PH_PDQ_LUMA_VEC && direct && (p->grey ? ch == 1 : ch >= 3))) {
        for (uint32_t c0 = 0; c0 < s->wp; c0 += CHUNK)
            luma_chunk_rows(s, r0, nb, c0);
        return;
    }
#if PH_PDQ_LUMA_VEC
    for (uint32_t g = 0; g < s->ng; g++) {
        const uint32_t c0 = g * V;
        if (c0 + V > p->w) { /* the last, partial group */
            luma_chunk_rows(s, r0, nb, c0);
            continue;
        }
        vf r[V];
        for (uint32_t k = 0; k < nb; k++) {
            const uint8_t *q = ph_image_row(p->img, r0 + k) + (size_t)c0 * ch;
            /* V rows are read side by side, more streams than the hardware
             * prefetcher follows. */
            __builtin_prefetch(q + 8 * V * ch);
            r[k] = ch == 1 ? grey_vec(q) : luma_vec(q, ch);
        }
        for (uint32_t k = nb; k < V; k++)
            r[k] = (vf){0};
        transpose_regs(r);
        memcpy(s->tin + c0, r, sizeof r);
    }
#endif
}

/* First row box along s->tin, V outputs at a time, transposed into the
 * ring rows r0..r0+V-1 (columns past the image are zero). */
static void block_row_box(pipe *s, uint32_t r0)
{
    const ph_pdq_plan *p = s->p;
    float *dst[V];
    for (uint32_t k = 0; k < V; k++)
        dst[k] = ring_row(s, r0 + k);
    vf sum = {0};
    for (uint32_t g = 0; g < s->ng; g++) {
        const uint32_t c0 = g * V;
        const uint32_t o1 = c0 + V < p->w ? c0 + V : p->w;
        vf r[V];
        box_line_span(s->tin, r, p->w, p->wr, c0, o1, &sum);
        for (uint32_t o = o1; o < c0 + V; o++)
            r[o - c0] = (vf){0};
        transpose_regs(r);
        for (uint32_t k = 0; k < V; k++)
            memcpy(dst[k] + c0, &r[k], sizeof(vf));
    }
}

/* What the first column box does at (virtual) row ri; the rows past the
 * last, h..h+hc-2, only drop their oldest input (shrinking window). */
enum { COL_ADD, COL_GROW, COL_FULL, COL_SHRINK };
typedef struct col_step {
    int op;
    float cnt, y; /* window count and its reciprocal */
    const vf *in, *old;
} col_step;

static void col_steps(const pipe *s, uint32_t v0, uint32_t cnt, col_step st[V])
{
    const ph_pdq_plan *p = s->p;
    const uint32_t w = p->wc, hc = (w + 2) / 2;
    for (uint32_t k = 0; k < V; k++) {
        const uint32_t ri = v0 + k;
        col_step *t = &st[k];
        t->cnt = t->y = 0.0f;
        t->in = t->old = NULL;
        if (k >= cnt) {
            t->op = -1;
            continue;
        }
        if (ri < p->h)
            t->in = (const vf *)ring_row(s, ri);
        if (ri >= w)
            t->old = (const vf *)ring_row(s, ri - w);
        if (ri < hc - 1)
            t->op = COL_ADD;
        else if (ri < w)
            t->op = COL_GROW, t->cnt = (float)(ri + 1);
        else if (ri < p->h)
            t->op = COL_FULL, t->cnt = (float)w;
        else
            t->op = COL_SHRINK, t->cnt = (float)(w - 1 - (ri - p->h));
        t->y = t->cnt > 0 ? recip(t->cnt) : 0.0f;
    }
}

/* First column box over virtual rows v0..v0+cnt-1, each column group's V
 * outputs transposed into s->tin (lane k = virtual row v0+k, whose output
 * row is v0 + k - (hc - 1)). Same adds, subtracts and divisions per column,
 * in the same order, as the reference's box along each column. */
static void block_column_box(pipe *s, uint32_t v0, uint32_t cnt)
{
    col_step st[V];
    col_steps(s, v0, cnt, st);
    int all_full = 1;
    for (uint32_t k = 0; k < V; k++)
        all_full &= st[k].op == COL_FULL;
    for (uint32_t g = 0; g < s->ng; g++) {
        vf sum = s->colsum[g];
        vf r[V];
        if (all_full) {
            const float c = st[0].cnt, y = st[0].y;
            for (uint32_t k = 0; k < V; k++) {
                sum += st[k].in[g];
                sum -= st[k].old[g];
                r[k] = div_count(sum, c, y);
            }
        } else {
            for (uint32_t k = 0; k < V; k++) {
                const col_step *t = &st[k];
                r[k] = (vf){0};
                switch (t->op) {
                case COL_ADD:
                    sum += t->in[g];
                    break;
                case COL_GROW:
                    sum += t->in[g];
                    r[k] = div_count(sum, t->cnt, t->y);
                    break;
                case COL_FULL:
                    sum += t->in[g];
                    sum -= t->old[g];
                    r[k] = div_count(sum, t->cnt, t->y);
                    break;
                case COL_SHRINK:
                    sum -= t->old[g];
                    r[k] = div_count(sum, t->cnt, t->y);
                    break;
                default:
                    break;
                }
            }
        }
        s->colsum[g] = sum;
        transpose_regs(r);
        memcpy(s->tin + (size_t)g * V, r, sizeof r);
    }
}

/* Second row box along s->tin for the output rows of virtual rows
 * v0..v0+cnt-1: sums along the whole row, divisions only at the sampled
 * columns, written to samples. */
static void block_row_box_sampled(pipe *s, uint32_t v0, uint32_t cnt)
{
    const ph_pdq_plan *p = s->p;
    const uint32_t hc = (p->wc + 2) / 2, nsc = p->nsc;
    vf sums[PH_PDQ_MAX_SAMPLES];
    box_line_sampled_sums(s->tin, p->w, p->wr, p->scol, nsc, sums);
    for (uint32_t j = 0; j < nsc; j++)
        sums[j] = div_count(sums[j], s->scnt[j], s->sy[j]);
    /* Lanes are rows: transpose V x V blocks into the rows of samples
     * (nsc is 64 or 128, a multiple of V). */
    for (uint32_t j0 = 0; j0 < nsc; j0 += V) {
        transpose_regs(sums + j0);
        for (uint32_t k = 0; k < cnt; k++) {
            if (v0 + k < hc - 1)
                continue; /* no output yet */
            const size_t e = v0 + k - (hc - 1);
            memcpy(s->samples + e * nsc + j0, &sums[j0 + k], sizeof(vf));
        }
    }
}

/* Second column box over the nsc sampled columns, keeping the nsr sampled
 * rows (nsc running sums, nsc / V vectors); out is nsr x nsc. */
static void column_box_sampled(const pipe *s, float *out)
{
    const ph_pdq_plan *p = s->p;
    const uint32_t NV = p->nsc / V, nsr = p->nsr, nsc = p->nsc;
    const uint32_t n = p->h, w = p->wc, h = (w + 2) / 2;
    const vf *m = (const vf *)s->samples; /* row i: m[i * NV .. i * NV + NV - 1] */
    vf sum[PH_PDQ_MAX_SAMPLES / V];
    memset(sum, 0, sizeof sum);
    for (uint32_t i = 0; i < h - 1; i++)
        for (uint32_t j = 0; j < NV; j++)
            sum[j] += m[(size_t)i * NV + j];
    uint32_t next = 0; /* next grid row to fill; sampled rows ascend, may repeat */
    for (uint32_t o = 0; o < n && next < nsr; o++) {
        if (o + h - 1 < n)
            for (uint32_t j = 0; j < NV; j++)
                sum[j] += m[(size_t)(o + h - 1) * NV + j];
        if (o >= w - h + 1)
            for (uint32_t j = 0; j < NV; j++)
                sum[j] -= m[(size_t)(o - (w - h) - 1) * NV + j];
        if (p->srow[next] != o)
            continue;
        const float cnt = (float)window_count(o, n, w, h);
        float *dst = out + (size_t)next * nsc;
        for (uint32_t j = 0; j < NV; j++) {
            vf q = sum[j] / cnt;
            memcpy(dst + j * V, &q, sizeof q);
        }
        while (++next < nsr && p->srow[next] == o)
            memcpy(out + (size_t)next * nsc, dst, nsc * sizeof(float));
    }
}

/* Carve the work buffer (64-byte aligned areas). */
static int pipe_init(pipe *s, const ph_pdq_plan *p, ph_buf *work)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->wp = (p->w + V - 1) / V * V;
    s->ng = s->wp / V;
    s->ring_n = p->wc + V;
    const size_t wp = s->wp;
    size_t sizes[5] = {V * wp, (size_t)s->ring_n * wp, wp, (size_t)p->h * p->nsc, V * CHUNK};
    size_t total = 64;
    for (int i = 0; i < 5; i++)
        total += (sizes[i] * sizeof(float) + 63) / 64 * 64;
    uint8_t *base = ph_buf_reserve(work, total);
    if (!base)
        return -1;
    uint8_t *at = base + (64 - (uintptr_t)base % 64) % 64;
    void *areas[5];
    for (int i = 0; i < 5; i++) {
        areas[i] = at;
        at += (sizes[i] * sizeof(float) + 63) / 64 * 64;
    }
    s->tin = areas[0];
    s->ring = areas[1];
    s->colsum = areas[2];
    s->samples = areas[3];
    s->lum = areas[4];
    memset(s->colsum, 0, wp * sizeof(float));
    const uint32_t h = (p->wr + 2) / 2;
    for (uint32_t j = 0; j < p->nsc; j++) {
        s->scnt[j] = (float)window_count(p->scol[j], p->w, p->wr, h);
        s->sy[j] = recip(s->scnt[j]);
    }
    return 0;
}

static void run_blur(pipe *s)
{
    const ph_pdq_plan *p = s->p;
    ph_pdq_prof *prof = s->prof;
    const uint32_t last = p->h + (p->wc + 2) / 2 - 1; /* virtual rows: input rows, then the shrinking tail */
    for (uint32_t v0 = 0; v0 < last; v0 += V) {
        const uint32_t cnt = last - v0 < V ? last - v0 : V;
        uint64_t t0 = prof ? ph_pdq_clock_ns() : 0, t1 = t0, t2 = t0;
        if (v0 < p->h) {
            const uint32_t nb = p->h - v0 < V ? p->h - v0 : V;
            block_luma(s, v0, nb);
            t1 = prof ? ph_pdq_clock_ns() : 0;
            block_row_box(s, v0);
            t2 = prof ? ph_pdq_clock_ns() : 0;
        }
        block_column_box(s, v0, cnt);
        block_row_box_sampled(s, v0, cnt);
        if (prof) {
            prof->luma_ns += t1 - t0;
            prof->blur_rows_ns += t2 - t1;
            prof->blur_cols_ns += ph_pdq_clock_ns() - t2;
        }
    }
}

/* ---- quality ----------------------------------------------------------- */

/* |trunc(RN(RN(x * 100) / 255))| per lane: the reference's (int) cast of
 * ((u - v) * 100) / 255 in float; 255 is a window-count-sized divisor, so
 * div_count gives the same quotient as the division. */
static inline vi quality_terms(vf x)
{
    vi d = __builtin_convertvector(div_count(x * 100.0f, 255.0f, recip(255.0f)), vi);
    vi m = d >> 31;
    return (d ^ m) - m;
}

/* The reference's quality metric on the 64x64 grid: the sum of those terms
 * over vertical then horizontal neighbours (an integer sum, so the order of
 * its terms does not matter), divided by 90, capped at 100. */
static int grid_quality(const float *a)
{
    enum { G = PH_PDQ_GRID };
    vi acc = {0};
    for (int i = 0; i < G - 1; i++)
        for (int j = 0; j < G; j += V) {
            vf u, v;
            memcpy(&u, a + i * G + j, sizeof u);
            memcpy(&v, a + (i + 1) * G + j, sizeof v);
            acc += quality_terms(u - v);
        }
    int sum = 0;
    for (int i = 0; i < G; i++) {
        const float *row = a + i * G;
        int j = 0;
        for (; j + V < G; j += V) { /* columns j..j+V-1 and their right neighbours */
            vf u, v;
            memcpy(&u, row + j, sizeof u);
            memcpy(&v, row + j + 1, sizeof v);
            acc += quality_terms(u - v);
        }
        for (; j < G - 1; j++) {
            int d = (int)(((row[j] - row[j + 1]) * 100.0f) / 255.0f);
            sum += d < 0 ? -d : d;
        }
    }
    for (int k = 0; k < V; k++)
        sum += acc[k];
    int q = sum / 90;
    return q > 100 ? 100 : q;
}

int PH_PDQ_BLUR_FN(const ph_pdq_plan *p, ph_buf *work, float *out, int *quality,
                   ph_pdq_prof *prof)
{
    if (!p->blur) { /* exactly 64x64, plain hash: the reference copies */
        for (uint32_t r = 0; r < PH_PDQ_GRID; r++)
            luma_span(p, r, 0, PH_PDQ_GRID, out + (size_t)r * PH_PDQ_GRID);
        *quality = grid_quality(out);
        return 0;
    }
    pipe s;
    if (pipe_init(&s, p, work) != 0)
        return -1;
    s.prof = prof && prof->enabled ? prof : NULL;
    run_blur(&s);
    uint64_t t0 = s.prof ? ph_pdq_clock_ns() : 0;
    column_box_sampled(&s, out);
    if (s.prof)
        s.prof->blur_cols_ns += ph_pdq_clock_ns() - t0;
    if (p->nsr == PH_PDQ_GRID && p->nsc == PH_PDQ_GRID) {
        *quality = grid_quality(out);
        return 0;
    }
    float ref[PH_PDQ_GRID * PH_PDQ_GRID]; /* the reference's grid among the samples */
    for (int i = 0; i < PH_PDQ_GRID; i++)
        for (int j = 0; j < PH_PDQ_GRID; j++)
            ref[i * PH_PDQ_GRID + j] = out[(size_t)p->ref_row[i] * p->nsc + p->ref_col[j]];
    *quality = grid_quality(ref);
    return 0;
}
