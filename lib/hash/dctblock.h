/* SPDX-License-Identifier: MIT */
/* Shared by the DCT hashes (dct64.c, dctn.c): median thresholding of a block
 * of DCT coefficients and the reliability (quality, flags) of the result. */
#ifndef PHASH_LIB_DCTBLOCK_H
#define PHASH_LIB_DCTBLOCK_H

#include <stddef.h>

#include "image.h"

/* Median of n values (n even: the mean of the two middle values, as CImg
 * and numpy compute it). scratch holds n doubles and is overwritten. */
double ph_dct_median(const double *v, size_t n, double *scratch);

/* Reliability flags (PHASH_DCT_*) of a thresholded block: FLAT when every
 * coefficient is negligible next to the grid's mean magnitude `grid_mean`
 * times `grid_cells`, TIES when a coefficient is within rounding distance of
 * the median. *ties receives the number of tied coefficients. */
unsigned ph_dct_block_flags(const double *c, size_t n, double median, double grid_mean,
                            size_t grid_cells, size_t *ties);

/* Quality 0..100 from the mean absolute difference of neighbouring cells of
 * an n x n grid (values in luma units times `unit`), and the flags. */
int ph_dct_quality(const double *grid, size_t n, double unit, unsigned flags, size_t ties);

/* Mean of n values. */
double ph_dct_mean(const double *v, size_t n);

/* 1 if img can be hashed (pixels, non-empty, 1..4 channels). */
int ph_dct_image_ok(const phash_image *img);

/* Decode a file (path != NULL) or a memory buffer with *dec, creating it
 * on first use (with PHASH_CMYK_RAW3 when cmyk_raw3). Decoder errors are
 * returned with their detail copied into err. */
phash_status ph_dct_decode(phash_decoder **dec, int cmyk_raw3, ph_error *err, const char *path,
                           const void *data, size_t len, const phash_image **out);
/* The hasher's decoder, created on first use; NULL if out of memory. */
phash_decoder *ph_dct_decoder(phash_decoder **dec, int cmyk_raw3);

#endif
