/* SPDX-License-Identifier: MIT */
/*
 * PDQ 64x64 -> 16x16 DCT (docs/pdq.md section 2.8), in the reference's
 * float arithmetic. Built with -ffp-contract=off: a fused multiply-add would
 * change low-quality hashes. (The quality metric, section 2.7, is computed
 * by the blur kernel, lib/hash/pdq_blur.c.)
 */
#include <math.h>
#include <string.h>

#include "cpu.h"
#include "pdq_internal.h"

#define G PH_PDQ_GRID
#define K PH_PDQ_DCT

/* The DCT is compiled for AVX-512 and AVX2 besides the baseline (the same
 * body under target attributes), picked through the one CPU dispatch
 * (lib/cpu.c, module "pdq-dct"). Every lane repeats the scalar float
 * sequence, so all variants give the same bits (tests/test_pdq.c). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(PH_PDQ_NO_CLONES)
#define PH_PDQ_DCT_VARIANTS 1
#endif

/* D[i][j] = float(double(float(sqrt(2/64))) * cos(pi/128 * (i+1) * (2j+1))):
 * the scale is rounded to float first, the product is made in double. */
void ph_pdq_dct_matrix(float d[K * G])
{
    const double pi = 3.14159265358979323846;
    const float scale = (float)sqrt(2.0 / (double)G);
    for (int i = 0; i < K; i++)
        for (int j = 0; j < G; j++)
            d[i * G + j] =
                (float)((double)scale * cos((pi / 2.0 / (double)G) * (double)(i + 1) *
                                            (double)(2 * j + 1)));
}

/* T = D A, then B = T D^T; every sum is a float accumulator starting at 0
 * with k ascending. Rows of 16 floats are held in vector registers and the
 * loops run k inside: each lane still accumulates its own (i, j) in k order,
 * exactly the reference's sequence. */
typedef float v16 __attribute__((vector_size(16 * sizeof(float))));

void ph_pdq_dct_matrix_t(const float d[K * G], float dt[G * K])
{
    for (int k = 0; k < G; k++)
        for (int j = 0; j < K; j++)
            dt[k * K + j] = d[j * G + k];
}

static inline __attribute__((always_inline)) void dct_body(const float d[K * G],
                                                           const float dt[G * K],
                                                           const float a[G * G], float b[K * K])
{
    v16 t[K][G / 16];
    for (int i = 0; i < K; i++) {
        v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
        for (int k = 0; k < G; k++) {
            const float dik = d[i * G + k];
            v16 a0, a1, a2, a3;
            memcpy(&a0, a + k * G, sizeof a0);
            memcpy(&a1, a + k * G + 16, sizeof a1);
            memcpy(&a2, a + k * G + 32, sizeof a2);
            memcpy(&a3, a + k * G + 48, sizeof a3);
            s0 += dik * a0;
            s1 += dik * a1;
            s2 += dik * a2;
            s3 += dik * a3;
        }
        t[i][0] = s0;
        t[i][1] = s1;
        t[i][2] = s2;
        t[i][3] = s3;
    }
    /* B = T D^T, four rows at a time: four independent accumulators, so
     * that the adds of one k overlap instead of waiting on each other. */
    for (int i = 0; i < K; i += 4) {
        const float *t0 = (const float *)t[i], *t1 = (const float *)t[i + 1],
                    *t2 = (const float *)t[i + 2], *t3 = (const float *)t[i + 3];
        v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
        for (int k = 0; k < G; k++) {
            v16 dtk; /* lane j = D[j][k] */
            memcpy(&dtk, dt + k * K, sizeof dtk);
            s0 += t0[k] * dtk;
            s1 += t1[k] * dtk;
            s2 += t2[k] * dtk;
            s3 += t3[k] * dtk;
        }
        memcpy(b + i * K, &s0, sizeof s0);
        memcpy(b + (i + 1) * K, &s1, sizeof s1);
        memcpy(b + (i + 2) * K, &s2, sizeof s2);
        memcpy(b + (i + 3) * K, &s3, sizeof s3);
    }
}

static void dct_generic(const float d[K * G], const float dt[G * K], const float a[G * G],
                        float b[K * K])
{
    dct_body(d, dt, a, b);
}

#ifdef PH_PDQ_DCT_VARIANTS
__attribute__((target("avx2"))) static void dct_avx2(const float d[K * G], const float dt[G * K],
                                                     const float a[G * G], float b[K * K])
{
    dct_body(d, dt, a, b);
}

__attribute__((target("avx512f"))) static void dct_avx512(const float d[K * G],
                                                          const float dt[G * K],
                                                          const float a[G * G], float b[K * K])
{
    dct_body(d, dt, a, b);
}

static const ph_pdq_dct_fn fn_avx2 = dct_avx2, fn_avx512 = dct_avx512;
#endif
static const ph_pdq_dct_fn fn_generic = dct_generic;

static const ph_kernel g_rows[] = {
#ifdef PH_PDQ_DCT_VARIANTS
    {"avx512", PHASH_CPU_AVX512F, PH_ISA_AVX512, &fn_avx512},
    {"avx2", PHASH_CPU_AVX2, PH_ISA_AVX2, &fn_avx2},
#endif
    {"generic", 0, PH_ISA_SCALAR, &fn_generic},
};

ph_kernel_table ph_pdq_dct_kernels = {g_rows, sizeof g_rows / sizeof g_rows[0], NULL};

ph_pdq_dct_fn ph_pdq_dct_kernel(const char *name)
{
    const ph_kernel *row = ph_kernel_find(&ph_pdq_dct_kernels, name);
    return row ? PH_KERNEL_FN(ph_pdq_dct_fn, row) : NULL;
}

void ph_pdq_dct(const float d[K * G], const float dt[G * K], const float a[G * G], float b[K * K])
{
    PH_KERNEL_FN(ph_pdq_dct_fn, ph_kernel_active(&ph_pdq_dct_kernels))(d, dt, a, b);
}
