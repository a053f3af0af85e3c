/* SPDX-License-Identifier: MIT */
/* PDQ internals shared by lib/hash/pdq.c (pipeline and API), lib/hash/pdq_blur.c (the
 * tent filter, compiled once per instruction set), lib/hash/pdq_dct.c (quality,
 * DCT) and lib/hash/pdq_dihedral.c (median, bits, the 8 variants). */
#ifndef PHASH_LIB_PDQ_INTERNAL_H
#define PHASH_LIB_PDQ_INTERNAL_H

#include "image.h"
#include "internal.h"
#include "phash/pdq.h"

#define PH_PDQ_GRID 64 /* the filtered image is sampled on a 64x64 grid */
#define PH_PDQ_DCT 16  /* DCT frequencies 1..16 are kept */
#define PH_PDQ_MAX_SAMPLES (2 * PH_PDQ_GRID) /* sampled lines per axis, at most */

/* What the blur kernel needs to turn an image into the 64x64 float buffer. */
typedef struct ph_pdq_plan {
    const phash_image *img;
    uint32_t w, h;           /* working size (512x512 after the CLI squash) */
    const uint32_t *src_col; /* CLI squash: source column per working column; NULL: identity */
    const uint32_t *src_row; /* CLI squash: source row per working row; NULL: identity */
    int grey;                /* luma = channel 0 (grey image, or RGB with R=G=B everywhere) */
    int blur;                /* 0: the 64x64 input is copied without filtering */
    uint32_t wr, wc;         /* box windows along rows (from w) and along columns (from h) */
    /* Decimation: the sampled rows and columns, ascending (may repeat):
     * the reference's 64, or with the aligned dihedral hashes up to 128,
     * the reference's merged with their mirror images (pdq.c,
     * mirror_grid). The kernel's output is nsr x nsc floats, row-major. */
    uint32_t nsr, nsc;
    uint32_t srow[PH_PDQ_MAX_SAMPLES], scol[PH_PDQ_MAX_SAMPLES];
    /* Where the reference's 64 rows and columns, and their mirror images,
     * sit among them. */
    uint8_t ref_row[PH_PDQ_GRID], ref_col[PH_PDQ_GRID];
    uint8_t mir_row[PH_PDQ_GRID], mir_col[PH_PDQ_GRID];
} ph_pdq_plan;

/* Optional per-stage timing for bench/pdq (nanoseconds, accumulated). */
typedef struct ph_pdq_prof {
    int enabled;
    uint64_t luma_ns, blur_rows_ns, blur_cols_ns, dct_ns, threshold_ns, dihedral_ns;
} ph_pdq_prof;

uint64_t ph_pdq_clock_ns(void);

/* The blur kernel: luma, two rounds of (box along rows, box along columns)
 * and the decimation at plan->srow x plan->scol (out: nsr x nsc floats),
 * every sample bit-exact with the reference's float sequence, then the
 * reference's quality metric of the reference's 64x64 grid among them. work is the hasher's
 * grow-only buffer. Returns 0, or -1 when the work buffer cannot grow. One
 * variant per instruction set, same results. */
typedef int (*ph_pdq_blur_fn)(const ph_pdq_plan *plan, ph_buf *work,
                              float out[PH_PDQ_GRID * PH_PDQ_GRID], int *quality,
                              ph_pdq_prof *prof);
int ph_pdq_blur_generic(const ph_pdq_plan *plan, ph_buf *work, float *out, int *quality,
                        ph_pdq_prof *prof);
int ph_pdq_blur_avx2(const ph_pdq_plan *plan, ph_buf *work, float *out, int *quality,
                     ph_pdq_prof *prof);
int ph_pdq_blur_avx512(const ph_pdq_plan *plan, ph_buf *work, float *out, int *quality,
                       ph_pdq_prof *prof);
int ph_pdq_blur_avx512vbmi(const ph_pdq_plan *plan, ph_buf *work, float *out, int *quality,
                           ph_pdq_prof *prof);

/* Blur kernel of that name ("generic", "avx2", "avx512", "avx512vbmi") if
 * this CPU runs it, else NULL (tests). New hashers take the kernel that the
 * one CPU dispatch (lib/cpu.c, module "pdq-blur") has active. */
ph_pdq_blur_fn ph_pdq_kernel_by_name(const char *name);
void ph_pdq_hasher_set_kernel(phash_pdq_hasher *h, ph_pdq_blur_fn fn);
/* on = 1: RGB pixels always go through float luma, even when R = G = B
 * everywhere (vPDQ's fillFloatLumaFromRGB has no grey rule: a grey video
 * frame is hashed from 0.299f R + 0.587f G + 0.114f B). Default 0. */
void ph_pdq_hasher_set_float_luma(phash_pdq_hasher *h, int on);
/* The last image's 64x64 filtered luma and 16x16 DCT (tests). */
const float *ph_pdq_hasher_grid(const phash_pdq_hasher *h);
const float *ph_pdq_hasher_dct(const phash_pdq_hasher *h);
/* Enable per-stage timing; returns the hasher's accumulators. */
ph_pdq_prof *ph_pdq_hasher_prof(phash_pdq_hasher *h);

/* lib/hash/pdq_dct.c: the 16x64 float DCT matrix and the 64x64 -> 16x16
 * transform (float, k ascending, no FMA). */
void ph_pdq_dct_matrix(float d[PH_PDQ_DCT * PH_PDQ_GRID]);
/* D transposed (dt[k][j] = D[j][k]), made once per hasher. */
void ph_pdq_dct_matrix_t(const float d[PH_PDQ_DCT * PH_PDQ_GRID],
                         float dt[PH_PDQ_GRID * PH_PDQ_DCT]);
typedef void (*ph_pdq_dct_fn)(const float d[PH_PDQ_DCT * PH_PDQ_GRID],
                              const float dt[PH_PDQ_GRID * PH_PDQ_DCT],
                              const float a[PH_PDQ_GRID * PH_PDQ_GRID],
                              float b[PH_PDQ_DCT * PH_PDQ_DCT]);
/* The DCT variant of that name ("generic", "avx2", "avx512") if this CPU
 * runs it, else NULL (tests). */
ph_pdq_dct_fn ph_pdq_dct_kernel(const char *name);
void ph_pdq_dct(const float d[PH_PDQ_DCT * PH_PDQ_GRID], const float dt[PH_PDQ_GRID * PH_PDQ_DCT],
                const float a[PH_PDQ_GRID * PH_PDQ_GRID], float b[PH_PDQ_DCT * PH_PDQ_DCT]);

/* lib/hash/pdq_dihedral.c: the bits, set above the lower median (the 128th
 * smallest value), of the hash and of all 8 dihedral variants. */
void ph_pdq_bits(const float b[PH_PDQ_DCT * PH_PDQ_DCT], phash_pdq_code *out);
/* All 8 variants' hashes, in phash_pdq_dihedral order (orig first). */
void ph_pdq_dihedral_bits(const float b[PH_PDQ_DCT * PH_PDQ_DCT],
                          phash_pdq_code out[PHASH_PDQ_NUM_DIHEDRAL]);
/* The same from one DCT per flip: b[0] of the reference's grid, b[1] of the
 * grid at mirrored rows, b[2] at mirrored columns, b[3] at both (the same
 * pointer where the positions are the same); a variant that reverses the
 * rows takes its values from b[1], and so on. */
void ph_pdq_dihedral_bits_aligned(const float *const b[4],
                                  phash_pdq_code out[PHASH_PDQ_NUM_DIHEDRAL]);

#endif
