/* SPDX-License-Identifier: MIT */
/*
 * pHash 64 from a JPEG without decoding the whole picture: the hash reads
 * at most 32 x 7 rows (the 7x7 box around each sample row), so the other
 * rows are passed over with jpeg_skip_scanlines, which still entropy-decodes
 * them but skips the IDCT, upsampling and colour conversion (2-6x faster
 * on large photos).
 *
 * libjpeg-turbo has had skip bugs, so this path is only trusted because
 * tests/test_dct.c compares its grid with a full decode's for every chroma
 * subsampling in the test data (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, 4:1:0,
 * odd factors, progressive, grey). Anything unusual (CMYK/YCCK, a libjpeg
 * warning such as truncated or corrupt data, a limit) returns
 * PHASH_ERR_UNSUPPORTED and the caller uses the general decoder, so the
 * errors and pixels are always the decoder's.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

#include "dct64.h"
#include "../decode/decode.h"
#include "../decode/jpeg_walk.h"

#define NEEDED (PH_DCT64_GRID * PH_DCT64_TAPS)

typedef struct fast_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int warned;
} fast_error;

static void on_error(j_common_ptr ci)
{
    longjmp(((fast_error *)ci->err)->jump, 1);
}

/* Never print; remember warnings (level -1), ignore trace messages. */
static void on_message(j_common_ptr ci, int level)
{
    if (level < 0)
        ((fast_error *)ci->err)->warned = 1;
}

static int over_limit(uint32_t v, uint32_t limit) { return limit && v > limit; }

/* Scans past the general decoder's limit or work budget: left to it, to be
 * refused there before they are decoded. */
static int too_much_work(struct jpeg_decompress_struct *ci, const void *data, size_t len,
                         uint64_t max_work)
{
    ph_jpeg_walk w;
    ph_jpeg_walk_markers(data, len, &w);
    return w.scans > PH_JPEG_MAX_SCANS || (max_work && ph_jpeg_scan_blocks(ci, &w) > max_work);
}

/* Header checks: only what the general decoder would decode to the same
 * 8-bit grey or RGB pixels, within the caller's limits and work budget. */
static int fast_path_applies(struct jpeg_decompress_struct *ci, const phash_limits *limits,
                             uint64_t max_work, const void *data, size_t len)
{
    if (ci->jpeg_color_space == JCS_GRAYSCALE && ci->num_components == 1)
        ci->out_color_space = JCS_GRAYSCALE;
    else if ((ci->jpeg_color_space == JCS_YCbCr || ci->jpeg_color_space == JCS_RGB) &&
             ci->num_components == 3)
        ci->out_color_space = JCS_RGB;
    else
        return 0;
    uint64_t pixels = (uint64_t)ci->image_width * ci->image_height;
    if (over_limit(ci->image_width, limits->max_width) ||
        over_limit(ci->image_height, limits->max_height) ||
        (limits->max_pixels && pixels > limits->max_pixels) || too_much_work(ci, data, len, max_work))
        return 0;
    if (limits->max_memory)
        ci->mem->max_memory_to_use = (long)(limits->max_memory > (uint64_t)0x7fffffff
                                                ? 0x7fffffff
                                                : limits->max_memory);
    return 1;
}

/* The distinct rows the hash reads, ascending (at most 224). */
static size_t needed_rows(uint32_t height, uint32_t ys[NEEDED])
{
    size_t n = 0;
    for (uint32_t i = 0; i < PH_DCT64_GRID; i++)
        for (int d = 0; d < PH_DCT64_TAPS; d++) {
            uint32_t y = ph_dct64_tap_row(i, d, height);
            if (n == 0 || ys[n - 1] < y)
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

/* Decode rows ys[0..n) into buf (row k at k * stride), skipping the rest,
 * then pass over the remaining rows so truncation is noticed. */
static void read_rows(struct jpeg_decompress_struct *ci, const uint32_t *ys, size_t n,
                      uint8_t *buf, size_t stride)
{
    for (size_t k = 0; k < n; k++) {
        if (ci->output_scanline < ys[k])
            jpeg_skip_scanlines(ci, ys[k] - ci->output_scanline);
        JSAMPROW row = buf + k * stride;
        while (ci->output_scanline == ys[k])
            jpeg_read_scanlines(ci, &row, 1);
    }
    if (ci->output_scanline < ci->output_height)
        jpeg_skip_scanlines(ci, ci->output_height - ci->output_scanline);
    jpeg_finish_decompress(ci);
}

phash_status ph_dct64_jpeg_grid(const void *data, size_t len, const phash_limits *limits,
                                uint64_t max_work, ph_buf *rows, double grid[PH_DCT64_GRID * PH_DCT64_GRID],
                                uint32_t *width, uint32_t *height)
{
    struct jpeg_decompress_struct ci;
    fast_error err;
    memset(&ci, 0, sizeof ci);
    ci.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    err.warned = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&ci);
        return PHASH_ERR_UNSUPPORTED;
    }
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, data, (unsigned long)len);
    if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK || !fast_path_applies(&ci, limits, max_work, data, len)) {
        jpeg_destroy_decompress(&ci);
        return PHASH_ERR_UNSUPPORTED;
    }
    jpeg_start_decompress(&ci);
    uint32_t w = ci.output_width, h = ci.output_height, ch = (uint32_t)ci.output_components;
    uint32_t ys[NEEDED];
    size_t n = needed_rows(h, ys), stride = (size_t)w * ch;
    uint8_t *buf = ph_buf_reserve(rows, n * stride);
    if (!buf || err.warned) {
        jpeg_destroy_decompress(&ci);
        return PHASH_ERR_UNSUPPORTED;
    }
    read_rows(&ci, ys, n, buf, stride);
    jpeg_destroy_decompress(&ci);
    if (err.warned)
        return PHASH_ERR_UNSUPPORTED;
    const uint8_t *taps[NEEDED];
    for (uint32_t i = 0; i < PH_DCT64_GRID; i++)
        for (int d = 0; d < PH_DCT64_TAPS; d++)
            taps[i * PH_DCT64_TAPS + d] = buf + index_of(ys, n, ph_dct64_tap_row(i, d, h)) * stride;
    ph_dct64_grid_from_rows(taps, w, ch, grid);
    *width = w;
    *height = h;
    return PHASH_OK;
}
