/* SPDX-License-Identifier: MIT */
/*
 * pHash 64 from a JPEG without decoding the whole picture: the hash reads
 * at most 32 x 7 rows (the 7x7 box around each sample row), so the decoder
 * is asked for those rows only (ph_decode_jpeg_rows: the others are passed
 * over with jpeg_skip_scanlines, which still entropy-decodes them but skips
 * the IDCT, upsampling and colour conversion; 2-6x faster on large photos).
 * The codec work, limits, work budget, memory accounting and errors are the
 * decoder's (lib/decode/jpeg.c); this file only says which rows.
 *
 * libjpeg-turbo has had skip bugs, so this path is only trusted because
 * tests/test_dct.c compares its grid with a full decode's for every chroma
 * subsampling in the test data (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, 4:1:0,
 * odd factors, progressive, grey), and the decoder declines it
 * (PHASH_ERR_UNSUPPORTED) for anything unusual (CMYK/YCCK, a libjpeg
 * warning such as truncated or corrupt data).
 */
#include "dct64.h"
#include "../decode/decode.h"

#define NEEDED (PH_DCT64_GRID * PH_DCT64_TAPS)

/* The distinct rows the hash reads, ascending (at most 224). */
static size_t needed_rows(void *user, uint32_t width, uint32_t height, uint32_t *ys, size_t cap)
{
    (void)user;
    (void)width;
    size_t n = 0;
    for (uint32_t i = 0; i < PH_DCT64_GRID; i++)
        for (int d = 0; d < PH_DCT64_TAPS; d++) {
            uint32_t y = ph_dct64_tap_row(i, d, height);
            if ((n == 0 || ys[n - 1] < y) && n < cap)
                ys[n++] = y; /* tap rows never decrease with (i, d) */
        }
    return n;
}

static size_t index_of(const uint32_t *ys, size_t n, uint32_t y)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ys[mid] < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

phash_status ph_dct64_jpeg_grid(phash_decoder *dec, const void *data, size_t len,
                                double grid[PH_DCT64_GRID * PH_DCT64_GRID], uint32_t *width,
                                uint32_t *height)
{
    uint32_t ys[NEEDED];
    ph_row_selection sel = {.select = needed_rows, .ys = ys, .cap = NEEDED};
    const phash_image *img;
    phash_status st = ph_decode_jpeg_rows(dec, data, len, &sel, &img);
    if (st != PHASH_OK)
        return st;
    uint32_t w = phash_image_width(img), h = sel.height, n = phash_image_height(img);
    const uint8_t *px = phash_image_pixels(img);
    size_t stride = phash_image_stride(img);
    const uint8_t *taps[NEEDED];
    for (uint32_t i = 0; i < PH_DCT64_GRID; i++)
        for (int d = 0; d < PH_DCT64_TAPS; d++)
            taps[i * PH_DCT64_TAPS + d] = px + index_of(ys, n, ph_dct64_tap_row(i, d, h)) * stride;
    ph_dct64_grid_from_rows(taps, w, phash_image_channels(img), grid);
    *width = w;
    *height = h;
    return PHASH_OK;
}
