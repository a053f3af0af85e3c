/* SPDX-License-Identifier: MIT */
/*
 * PDQ quality metric and 64x64 -> 16x16 DCT (docs/pdq.md sections 2.7, 2.8),
 * in the reference's float arithmetic. Built with -ffp-contract=off: a fused
 * multiply-add would change low-quality hashes.
 */
#include <math.h>
#include <stdlib.h>

#include "pdq_internal.h"

#define G PH_PDQ_GRID
#define K PH_PDQ_DCT

/* Sum of |trunc((u - v) * 100 / 255)| over vertical then horizontal
 * neighbours, in float, divided by 90 and capped at 100. */
int ph_pdq_quality(const float a[G * G])
{
    int sum = 0;
    for (int i = 0; i < G - 1; i++)
        for (int j = 0; j < G; j++) {
            int d = (int)(((a[i * G + j] - a[(i + 1) * G + j]) * 100.0f) / 255.0f);
            sum += abs(d);
        }
    for (int i = 0; i < G; i++)
        for (int j = 0; j < G - 1; j++) {
            int d = (int)(((a[i * G + j] - a[i * G + j + 1]) * 100.0f) / 255.0f);
            sum += abs(d);
        }
    int q = sum / 90;
    return q > 100 ? 100 : q;
}

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
 * with k ascending. The loops run k outside j so that the compiler can
 * vectorise across j: each lane still accumulates its own (i, j) in k order. */
void ph_pdq_dct(const float d[K * G], const float a[G * G], float b[K * K])
{
    float t[K * G];
    for (int i = 0; i < K; i++) {
        float *ti = t + i * G;
        for (int j = 0; j < G; j++)
            ti[j] = 0.0f;
        for (int k = 0; k < G; k++) {
            const float dik = d[i * G + k];
            const float *ak = a + k * G;
            for (int j = 0; j < G; j++)
                ti[j] += dik * ak[j];
        }
    }
    float dt[G * K]; /* D transposed, so that the second product also runs along j */
    for (int j = 0; j < K; j++)
        for (int k = 0; k < G; k++)
            dt[k * K + j] = d[j * G + k];
    for (int i = 0; i < K; i++) {
        float *bi = b + i * K;
        for (int j = 0; j < K; j++)
            bi[j] = 0.0f;
        for (int k = 0; k < G; k++) {
            const float tik = t[i * G + k];
            const float *dk = dt + k * K;
            for (int j = 0; j < K; j++)
                bi[j] += tik * dk[j];
        }
    }
}
