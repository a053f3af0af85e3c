/* SPDX-License-Identifier: MIT */
/*
 * pHash 64-bit DCT hash (aetilius ph_dct_imagehash), clean-room from the
 * spec in docs/phash.md section 1.1:
 *
 *   Y = ((66 R + 129 G + 25 B + 128) >> 8) + 16   (grey: channel 0 as is)
 *   B = 7x7 box SUM of Y with edge replication     (exact integers)
 *   S[i][j] = B[floor(i H / 32)][floor(j W / 32)]  (nearest neighbour)
 *   D = DCT-II of S, c[k] = D[1 + k/8][1 + k%8]    (rows/cols 1..8)
 *   b[k] = c[k] > median(c)                        (strict)
 *
 * The reference blurs the whole image and then keeps 1024 samples; we
 * compute the box sum only at those samples, which gives the same integers
 * at a fraction of the cost. The DCT runs in double (the reference uses
 * float32): the bits agree except where a coefficient ties with the median,
 * which is reported with PHASH_DCT_TIES.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"
#include "dct64.h"
#include "dctblock.h"
#include "image.h"
#include "phash/dct.h"

#define GRID PH_DCT64_GRID
#define BAND 8  /* DCT rows/columns kept: 1..8 */
#define BOX 3   /* box half-width: 7x7 */

struct phash_dct_hasher {
    phash_dct_layout layout;
    phash_decoder *decoder; /* for the file/memory functions, on first use */
    ph_buf file;            /* JPEG fast path: the file's bytes */
    ph_error err;
    /* cosines[k][n] = cos(pi/64 * (k+1) * (2n+1)): DCT rows 1..8 without
     * the common sqrt(2/32) factor, which cannot change any comparison. */
    double cosines[BAND][GRID];
};

static phash_dct_hasher *dct_hasher_create(void)
{
    phash_dct_hasher *h = ph_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->layout = PHASH_DCT_LAYOUT_1_0;
    const double pi = 3.14159265358979323846;
    for (int k = 0; k < BAND; k++)
        for (int n = 0; n < GRID; n++)
            h->cosines[k][n] = cos(pi / (2.0 * GRID) * (double)(k + 1) * (double)(2 * n + 1));
    return h;
}

phash_status phash_dct_hasher_new(phash_dct_hasher **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = dct_hasher_create();
    return *out ? PHASH_OK : PHASH_ERR_NOMEM;
}

void phash_dct_hasher_free(phash_dct_hasher *h)
{
    if (!h)
        return;
    phash_decoder_free(h->decoder);
    ph_buf_release(&h->file);
    ph_free(h);
}

phash_status phash_dct_hasher_set_layout(phash_dct_hasher *h, phash_dct_layout layout)
{
    if (!h || (layout != PHASH_DCT_LAYOUT_1_0 && layout != PHASH_DCT_LAYOUT_0_9))
        return PHASH_ERR_INVALID_ARG;
    h->layout = layout;
    return PHASH_OK;
}

const char *phash_dct_hasher_last_error(const phash_dct_hasher *h)
{
    return h ? ph_error_message(&h->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

/* ---- sampling ---------------------------------------------------------- */

/* Source index of sample i along a side of n pixels (floor(i n / 32)). */
static uint32_t sample_index(uint32_t i, uint32_t n)
{
    return (uint32_t)(((uint64_t)i * n) / GRID);
}

static uint32_t clamp_index(int64_t v, uint32_t n)
{
    return v < 0 ? 0 : v >= (int64_t)n ? n - 1 : (uint32_t)v;
}

static inline unsigned luma_rgb(const uint8_t *p)
{
    return ((66u * p[0] + 129u * p[1] + 25u * p[2] + 128u) >> 8) + 16u;
}

/* Sum of Y over the 7 columns cols[0..6] of one row. */
static unsigned row_sum(const uint8_t *row, uint32_t channels, const uint32_t cols[7])
{
    unsigned sum = 0;
    if (channels <= 2) {
        for (int d = 0; d < 7; d++)
            sum += row[(size_t)cols[d] * channels];
    } else {
        for (int d = 0; d < 7; d++)
            sum += luma_rgb(row + (size_t)cols[d] * channels);
    }
    return sum;
}

uint32_t ph_dct64_tap_row(uint32_t i, int d, uint32_t height)
{
    return clamp_index((int64_t)sample_index(i, height) + d - BOX, height);
}

void ph_dct64_grid_from_rows(const uint8_t *const *rows, uint32_t width, uint32_t channels,
                             double grid[GRID * GRID])
{
    uint32_t cols[GRID][7];
    for (uint32_t j = 0; j < GRID; j++) {
        uint32_t x = sample_index(j, width);
        for (int d = 0; d < 7; d++)
            cols[j][d] = clamp_index((int64_t)x + d - BOX, width);
    }
    for (uint32_t i = 0; i < GRID; i++) {
        unsigned sums[GRID] = {0};
        for (int d = 0; d < 7; d++)
            for (uint32_t j = 0; j < GRID; j++)
                sums[j] += row_sum(rows[i * 7 + d], channels, cols[j]);
        for (uint32_t j = 0; j < GRID; j++)
            grid[i * GRID + j] = (double)sums[j];
    }
}

/* S[i][j]: the 7x7 box sum (edge-replicated) at the 32x32 sample points. */
static void sample_grid(const phash_image *img, double grid[GRID * GRID])
{
    const uint8_t *rows[GRID * 7];
    for (uint32_t i = 0; i < GRID; i++)
        for (int d = 0; d < 7; d++)
            rows[i * 7 + d] = ph_image_row(img, ph_dct64_tap_row(i, d, img->height));
    ph_dct64_grid_from_rows(rows, img->width, img->channels, grid);
}

/* ---- DCT and bits ------------------------------------------------------ */

/* c[8 v + u] = D[1 + v][1 + u]: rows first (8 x 32), then columns. */
static void dct_block(const phash_dct_hasher *h, const double grid[GRID * GRID],
                      double c[BAND * BAND])
{
    double rows[BAND][GRID];
    for (int v = 0; v < BAND; v++)
        for (int x = 0; x < GRID; x++) {
            double s = 0.0;
            for (int y = 0; y < GRID; y++)
                s += h->cosines[v][y] * grid[y * GRID + x];
            rows[v][x] = s;
        }
    for (int v = 0; v < BAND; v++)
        for (int u = 0; u < BAND; u++) {
            double s = 0.0;
            for (int x = 0; x < GRID; x++)
                s += rows[v][x] * h->cosines[u][x];
            c[v * BAND + u] = s;
        }
}

/* Bit k = b[k] (the 0.9 layout). */
static uint64_t threshold_bits(const double c[64], double median)
{
    uint64_t bits = 0;
    for (int k = 0; k < 64; k++)
        if (c[k] > median)
            bits |= (uint64_t)1 << k;
    return bits;
}

static uint64_t v09_to_v10(uint64_t h)
{
    uint64_t out = 0;
    for (int i = 1; i < 64; i++)
        if (h >> i & 1)
            out |= (uint64_t)1 << (64 - i);
    return out;
}

static uint64_t v10_to_v09(uint64_t h)
{
    uint64_t out = 0;
    for (int i = 1; i < 64; i++)
        if (h >> (64 - i) & 1)
            out |= (uint64_t)1 << i;
    /* b[0] is not stored: exactly 32 bits are set when the coefficients are
     * distinct, so the count of the other 63 says what it was. */
    if (ph_popcount64(out) == 31)
        out |= 1;
    return out;
}

uint64_t phash_dct_convert(uint64_t hash, phash_dct_layout from, phash_dct_layout to)
{
    if (from == to)
        return hash;
    return to == PHASH_DCT_LAYOUT_1_0 ? v09_to_v10(hash) : v10_to_v09(hash);
}

phash_status phash_dct_layout_parse(const char *text, phash_dct_layout *out)
{
    if (!text || !out)
        return PHASH_ERR_INVALID_ARG;
    if (!strcmp(text, "1.0") || !strcmp(text, "1") || !strcmp(text, "master") ||
        !strcmp(text, "1.0.0")) {
        *out = PHASH_DCT_LAYOUT_1_0;
        return PHASH_OK;
    }
    if (!strcmp(text, "0.9") || !strncmp(text, "0.9.", 4)) {
        *out = PHASH_DCT_LAYOUT_0_9;
        return PHASH_OK;
    }
    return PHASH_ERR_INVALID_ARG;
}

const char *phash_dct_layout_name(phash_dct_layout layout)
{
    switch (layout) {
    case PHASH_DCT_LAYOUT_1_0: return "1.0";
    case PHASH_DCT_LAYOUT_0_9: return "0.9";
    }
    return "?";
}

/* ---- entry points ------------------------------------------------------ */

/* Everything after sampling: DCT, median, bits, layout, reliability. */
static void hash_grid(phash_dct_hasher *h, const double grid[GRID * GRID], uint32_t width,
                      uint32_t height, phash_dct_result *out)
{
    double c[BAND * BAND], scratch[BAND * BAND];
    dct_block(h, grid, c);
    double median = ph_dct_median(c, BAND * BAND, scratch);
    size_t ties;
    unsigned flags = ph_dct_block_flags(c, BAND * BAND, median, ph_dct_mean(grid, GRID * GRID),
                                        GRID * GRID, &ties);
    if (width < GRID || height < GRID)
        flags |= PHASH_DCT_SMALL;
    uint64_t bits = threshold_bits(c, median);
    out->hash = phash_dct_convert(bits, PHASH_DCT_LAYOUT_0_9, h->layout);
    out->layout = h->layout;
    out->flags = flags;
    /* Grid cells are 7x7 sums: 49 per luma unit. */
    out->quality = ph_dct_quality(grid, GRID, 49.0, flags, ties);
    ph_error_clear(&h->err);
}

phash_status phash_dct_hash_image(phash_dct_hasher *h, const phash_image *img,
                                  phash_dct_result *out)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if (!out || !ph_dct_image_ok(img))
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "pHash: no image or empty image");
    double grid[GRID * GRID];
    sample_grid(img, grid);
    hash_grid(h, grid, img->width, img->height, out);
    return PHASH_OK;
}

/* pHash's loader hands CImg the raw first three channels of a CMYK JPEG. */
phash_decoder *phash_dct_hasher_decoder(phash_dct_hasher *h)
{
    return h ? ph_dct_decoder(&h->decoder, 1) : NULL;
}

/* The JPEG fast path gives the decoder's pixels only with its default
 * geometry: no orientation applied, no DCT scaling. */
static int hash_jpeg_fast(phash_dct_hasher *h, const void *data, size_t len,
                          phash_dct_result *out)
{
    phash_decoder *dec = ph_dct_decoder(&h->decoder, 1);
    if (!dec || phash_sniff(data, len) != PHASH_FORMAT_JPEG)
        return 0;
    double grid[GRID * GRID];
    uint32_t w, hh;
    if (ph_dct64_jpeg_grid(dec, data, len, grid, &w, &hh) != PHASH_OK)
        return 0;
    hash_grid(h, grid, w, hh, out);
    return 1;
}

/* Files up to this size are read whole for the JPEG fast path. */
#define FAST_FILE_MAX ((uint64_t)64 << 20)

/* Read all of f into buf (size bytes); 0 if every byte came. */
static int read_all(ph_file *f, unsigned char *buf, size_t size)
{
    size_t got;
    return ph_file_read_full(f, buf, size, &got) == 0 && got == size ? 0 : -1;
}

/* Read a JPEG file into h->file; 0 on success, -1 to leave it to the
 * decoder (which reports any error with its detail). Special files are
 * never opened (ph_file_open). */
static int read_jpeg_file(phash_dct_hasher *h, const char *path, size_t *len)
{
    *len = 0;
    ph_file *f;
    ph_stat st;
    if (ph_file_open(path, &f, &st) != 0)
        return -1;
    unsigned char magic[3];
    int ok = st.size >= 3 && st.size <= FAST_FILE_MAX && read_all(f, magic, 3) == 0 &&
             magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff;
    unsigned char *buf = ok ? ph_buf_reserve(&h->file, (size_t)st.size) : NULL;
    ok = buf && read_all(f, buf + 3, (size_t)st.size - 3) == 0;
    if (ok)
        memcpy(buf, magic, 3);
    ph_file_close(f);
    if (ok)
        *len = (size_t)st.size;
    return ok ? 0 : -1;
}

/* A JPEG file is read once: when the fast path declines it (CMYK, a
 * warning), the full decode takes the same bytes. Other files go to the
 * decoder by path. */
static phash_status hash_decoded(phash_dct_hasher *h, const char *path, const void *data,
                                 size_t len, phash_dct_result *out)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if (!out || (!path && !data))
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "pHash: no file or no output");
    if (path && read_jpeg_file(h, path, &len) == 0) {
        data = h->file.data;
        path = NULL;
    }
    phash_status st = PHASH_OK;
    if (path || !hash_jpeg_fast(h, data, len, out)) {
        const phash_image *img;
        st = ph_dct_decode(&h->decoder, 1, &h->err, path, data, len, &img);
        if (st == PHASH_OK)
            st = phash_dct_hash_image(h, img, out);
    }
    ph_buf_trim(&h->file);
    return st;
}

phash_status phash_dct_hash_file(phash_dct_hasher *h, const char *path, phash_dct_result *out)
{
    if (!path)
        return h ? ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "pHash: no path")
                 : PHASH_ERR_INVALID_ARG;
    return hash_decoded(h, path, NULL, 0, out);
}

phash_status phash_dct_hash_memory(phash_dct_hasher *h, const void *data, size_t len,
                                   phash_dct_result *out)
{
    return hash_decoded(h, NULL, data, len, out);
}
