/* SPDX-License-Identifier: MIT */
/* pHash 64 internals shared by dct64.c (any phash_image) and dct64_jpeg.c
 * (JPEG decoding only the rows the hash reads). */
#ifndef PHASH_LIB_DCT64_H
#define PHASH_LIB_DCT64_H

#include "internal.h"
#include "phash/image.h"

#define PH_DCT64_GRID 32 /* sample grid side */
#define PH_DCT64_TAPS 7  /* 7x7 box */

/* Source row of tap d (0..6) of sample row i: clamp(floor(i h / 32) + d - 3). */
uint32_t ph_dct64_tap_row(uint32_t i, int d, uint32_t height);

/* The 32x32 grid of 7x7 box sums (exact integers as doubles) from the
 * rows[i * 7 + d] = row ph_dct64_tap_row(i, d, height) of an image of the
 * given width and channels (1-2 grey, 3-4 RGB). */
void ph_dct64_grid_from_rows(const uint8_t *const *rows, uint32_t width, uint32_t channels,
                             double grid[PH_DCT64_GRID * PH_DCT64_GRID]);

/* The grid of a JPEG, decoding only the rows it needs through dec
 * (ph_decode_jpeg_rows; bit-exact with a full decode, tests/test_dct.c
 * checks every chroma subsampling). Returns PHASH_OK with *width, *height
 * set, or the decoder's status: PHASH_ERR_UNSUPPORTED when this path does
 * not apply (not a clean 8-bit grey/YCbCr/RGB JPEG, any libjpeg warning
 * such as truncation, an orientation or DCT scale option set), or its
 * refusal (limits, work budget, memory, corrupt data). On any status but
 * OK the caller decodes the file whole, whose verdict is the one reported.
 * The rows live in dec's image buffer until its next call. */
phash_status ph_dct64_jpeg_grid(phash_decoder *dec, const void *data, size_t len,
                                double grid[PH_DCT64_GRID * PH_DCT64_GRID], uint32_t *width,
                                uint32_t *height);

#endif
