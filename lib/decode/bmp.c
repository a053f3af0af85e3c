/* SPDX-License-Identifier: MIT */
/* Windows and OS/2 bitmaps: a decoder of its own, small and fuzzed.
 *
 * Why not a library: Debian 12 has no BMP decoder that phash can embed.
 * gdk-pixbuf's BMP loader needs GLib and a module system configured per
 * machine (loaders.cache, loaded at run time; absent from the Windows
 * builds phash makes); ImageMagick and FreeImage are whole imaging stacks
 * (FreeImage is unmaintained upstream since 2018); SDL2's loader has no
 * RLE; stb_image is a header to vendor and has no RLE either. BMP itself
 * is headers over raw or run-length rows, which are bounded here by the
 * image size checked before anything is allocated.
 *
 * Covered: BITMAPCOREHEADER (OS/2 1.x, 12 bytes), OS/2 2.x (16 or 64),
 * BITMAPINFOHEADER (40) and its V2 (52), V3 (56), V4 (108) and V5 (124)
 * versions; 1, 2, 4 and 8-bit palettes, 16 and 32-bit with or without
 * bit-field masks (default 5-5-5 and 8-8-8), 24-bit; RLE8 and RLE4 (with
 * delta and end codes; pixels a run skips take palette entry 0);
 * bottom-up and top-down rows. Output is RGB; alpha (masks or the fourth
 * byte) is dropped; masked fields wider or narrower than 8 bits are scaled
 * as ImageMagick scales them (bit replication, then its 16-to-8-bit
 * rounding); palette indices past the palette take entry 0.
 * Refused as unsupported: embedded JPEG/PNG, OS/2 Huffman and RLE24,
 * CMYK variants. Rows past the end of the data are truncation. */
#include <string.h>

#include "decode.h"

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6 };

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

typedef struct bmp_field {
    uint32_t mask, shift, max; /* max: mask >> shift */
} bmp_field;

typedef struct bmp_info {
    uint32_t w, h, bpp, compression, offset, hdr;
    int top_down, os2_core;
    uint32_t colors;         /* palette entries */
    const uint8_t *palette;  /* entries of pal_size bytes (B, G, R[, x]) */
    uint32_t pal_size;
    bmp_field f[4];          /* R, G, B, A masks */
    int has_alpha;
} bmp_info;

static phash_status bmp_fail(phash_decoder *dec, phash_status st, const char *what)
{
    return ph_error_set(&dec->err, st, "BMP: %s", what);
}

static int set_field(bmp_field *f, uint32_t mask)
{
    f->mask = mask;
    f->shift = 0;
    f->max = 0;
    if (!mask)
        return 1;
    while (!((mask >> f->shift) & 1))
        f->shift++;
    f->max = mask >> f->shift;
    return (f->max & (f->max + 1)) == 0; /* contiguous bits */
}

/* Masks: in the header from V2 on, else after a 40-byte header, else the
 * defaults of 16 and 32 bits. */
static phash_status read_masks(phash_decoder *dec, const uint8_t *d, size_t len, bmp_info *b)
{
    uint32_t m[4] = {0, 0, 0, 0};
    int n_in_file = b->compression == BI_ALPHABITFIELDS ? 4 : 3;
    if (b->compression == BI_BITFIELDS || b->compression == BI_ALPHABITFIELDS) {
        if (b->bpp != 16 && b->bpp != 32)
            return bmp_fail(dec, PHASH_ERR_CORRUPT, "bit-field masks need 16 or 32 bits");
        size_t at = 14 + 40;
        if (len < at + 4u * (size_t)n_in_file)
            return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends in the colour masks");
        for (int i = 0; i < n_in_file; i++)
            m[i] = le32(d + at + 4 * i);
        if (b->hdr >= 56)
            m[3] = le32(d + 14 + 52);
    } else if (b->bpp == 16) {
        m[0] = 0x7c00, m[1] = 0x03e0, m[2] = 0x001f;
    } else if (b->bpp == 32) {
        m[0] = 0xff0000, m[1] = 0x00ff00, m[2] = 0x0000ff;
    }
    for (int i = 0; i < 4; i++)
        if (!set_field(&b->f[i], m[i]))
            return bmp_fail(dec, PHASH_ERR_UNSUPPORTED, "colour mask of scattered bits");
    b->has_alpha = m[3] != 0;
    return PHASH_OK;
}

static phash_status check_variant(phash_decoder *dec, bmp_info *b)
{
    int palette = b->bpp == 1 || b->bpp == 2 || b->bpp == 4 || b->bpp == 8;
    if (!palette && b->bpp != 16 && b->bpp != 24 && b->bpp != 32)
        return bmp_fail(dec, PHASH_ERR_CORRUPT, "bad bits per pixel");
    switch (b->compression) {
    case BI_RGB: return PHASH_OK;
    case BI_RLE8:
        return b->bpp == 8 && !b->top_down ? PHASH_OK
                                            : bmp_fail(dec, PHASH_ERR_CORRUPT, "RLE8 needs 8 bits, bottom-up");
    case BI_RLE4:
        return b->bpp == 4 && !b->top_down ? PHASH_OK
                                            : bmp_fail(dec, PHASH_ERR_CORRUPT, "RLE4 needs 4 bits, bottom-up");
    case BI_BITFIELDS:
    case BI_ALPHABITFIELDS: return PHASH_OK;
    case 4: return bmp_fail(dec, PHASH_ERR_UNSUPPORTED, "embedded JPEG (or OS/2 RLE24)");
    case 5: return bmp_fail(dec, PHASH_ERR_UNSUPPORTED, "embedded PNG");
    default: return bmp_fail(dec, PHASH_ERR_UNSUPPORTED, "unknown compression");
    }
}

static phash_status read_header(phash_decoder *dec, const uint8_t *d, size_t len, bmp_info *b)
{
    if (len < 14 + 12)
        return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends in the header");
    b->offset = le32(d + 10);
    b->hdr = le32(d + 14);
    if (b->hdr == 12) { /* OS/2 1.x: 16-bit unsigned sizes, 3-byte palette entries */
        b->os2_core = 1;
        b->w = le16(d + 18);
        b->h = le16(d + 20);
        b->bpp = le16(d + 24);
        b->pal_size = 3;
    } else if (b->hdr == 16 || b->hdr == 40 || b->hdr == 52 || b->hdr == 56 || b->hdr == 64 ||
               b->hdr == 108 || b->hdr == 124) {
        if (len < 14 + (size_t)(b->hdr < 56 ? b->hdr : 56)) /* through the masks of V3+ */
            return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends in the header");
        int32_t w = (int32_t)le32(d + 18), h = (int32_t)le32(d + 22);
        if (w <= 0 || h == 0 || h == INT32_MIN)
            return bmp_fail(dec, PHASH_ERR_CORRUPT, "bad width or height");
        b->w = (uint32_t)w;
        b->top_down = h < 0;
        b->h = (uint32_t)(h < 0 ? -h : h);
        b->bpp = le16(d + 28);
        b->compression = b->hdr >= 20 ? le32(d + 30) : BI_RGB;
        b->colors = b->hdr >= 36 ? le32(d + 46) : 0;
        b->pal_size = 4;
        if (b->hdr == 64 && b->compression >= 3)
            return bmp_fail(dec, PHASH_ERR_UNSUPPORTED, "OS/2 Huffman or RLE24 compression");
    } else {
        return bmp_fail(dec, PHASH_ERR_UNSUPPORTED, "unknown header version");
    }
    if (le16(d + 14 + (b->os2_core ? 8 : 12)) != 1)
        return bmp_fail(dec, PHASH_ERR_CORRUPT, "planes is not 1");
    phash_status st = check_variant(dec, b);
    if (st == PHASH_OK && b->bpp >= 16)
        st = read_masks(dec, d, len, b);
    return st;
}

/* The palette sits between the headers (and masks) and the pixels. */
static phash_status read_palette(phash_decoder *dec, const uint8_t *d, size_t len, bmp_info *b)
{
    if (b->bpp > 8)
        return PHASH_OK;
    uint32_t max = 1u << b->bpp;
    if (b->colors == 0 || b->colors > max)
        b->colors = max;
    size_t at = 14 + (size_t)b->hdr +
                (b->compression == BI_BITFIELDS ? 12 : b->compression == BI_ALPHABITFIELDS ? 16 : 0);
    if (at > len || (len - at) / b->pal_size < b->colors)
        return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends in the palette");
    b->palette = d + at;
    return PHASH_OK;
}

static void put_index(const bmp_info *b, uint8_t *out, uint32_t idx)
{
    const uint8_t *c = b->palette + (size_t)(idx < b->colors ? idx : 0) * b->pal_size;
    out[0] = c[2];
    out[1] = c[1];
    out[2] = c[0];
}

/* A masked field to 8 bits as ImageMagick does it: moved to the top of
 * 16 bits, 5-bit fields repeat their top 3 bits below, 6-bit ones their
 * top 2, fields of up to 8 bits their top byte, then the 16-bit quantum is scaled to 8 bits with
 * ImageMagick's rounding. */
static uint8_t scale_field(uint32_t px, const bmp_field *f)
{
    if (!f->mask)
        return 0;
    uint32_t v = (px & f->mask) >> f->shift, bits = 0;
    while (bits < 32 && (f->max >> bits))
        bits++;
    uint32_t q = bits >= 16 ? v >> (bits - 16) : v << (16 - bits);
    if (bits == 5)
        q |= (q & 0xe000) >> 5;
    if (bits == 6)
        q |= (q & 0xc000) >> 6;
    if (bits <= 8)
        q |= (q & 0xff00) >> 8;
    return (uint8_t)(((q + 128u) - ((q + 128u) >> 8)) >> 8);
}

/* One stored row of uncompressed pixels to RGB. */
static void convert_row(const bmp_info *b, const uint8_t *in, uint8_t *out)
{
    for (uint32_t x = 0; x < b->w; x++, out += 3) {
        switch (b->bpp) {
        case 1:
        case 2:
        case 4: {
            uint32_t bit = x * b->bpp;
            put_index(b, out, (in[bit / 8] >> (8 - b->bpp - bit % 8)) & ((1u << b->bpp) - 1));
            break;
        }
        case 8: put_index(b, out, in[x]); break;
        case 24:
            out[0] = in[3 * x + 2];
            out[1] = in[3 * x + 1];
            out[2] = in[3 * x];
            break;
        default: {
            uint32_t px = b->bpp == 16 ? le16(in + 2 * x) : le32(in + 4 * x);
            for (int k = 0; k < 3; k++)
                out[k] = scale_field(px, &b->f[k]);
        }
        }
    }
}

/* Output row of stored row y (bottom-up files store the last row first). */
static uint8_t *out_row(phash_decoder *dec, const bmp_info *b, uint32_t y)
{
    uint32_t r = b->top_down ? y : b->h - 1 - y;
    return (uint8_t *)dec->pixels.data + (size_t)r * dec->img.stride;
}

/* Uncompressed rows. *rows: stored rows complete. */
static phash_status decode_plain(phash_decoder *dec, const bmp_info *b, const uint8_t *d,
                                 size_t len, uint32_t *rows)
{
    uint64_t stride = ((uint64_t)b->w * b->bpp + 31) / 32 * 4;
    for (uint32_t y = 0; y < b->h; y++) {
        uint64_t at = b->offset + stride * y;
        /* The last row may lack its padding. */
        uint64_t need = ((uint64_t)b->w * b->bpp + 7) / 8;
        if (at > len || len - at < need)
            return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends before the last row");
        convert_row(b, d + at, out_row(dec, b, y));
        *rows = y + 1;
    }
    return PHASH_OK;
}

/* RLE8/RLE4 into a buffer of palette indices (w x h, stored row order,
 * zero = entry 0 where runs skip). *rows: stored rows complete. */
static phash_status decode_rle(phash_decoder *dec, const bmp_info *b, const uint8_t *d,
                               size_t len, uint8_t *idx, uint32_t *rows)
{
    int four = b->compression == BI_RLE4;
    size_t p = b->offset;
    uint32_t x = 0, y = 0;
    while (y < b->h) {
        *rows = y;
        if (p > len || len - p < 2)
            return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends in the runs");
        uint32_t n = d[p], v = d[p + 1];
        p += 2;
        uint8_t *row = idx + (size_t)y * b->w;
        if (n) { /* a run of n pixels */
            for (uint32_t i = 0; i < n && x < b->w; i++, x++)
                row[x] = (uint8_t)(four ? (i & 1 ? v & 15 : v >> 4) : v);
        } else if (v == 0) { /* end of line */
            x = 0, y++;
        } else if (v == 1) { /* end of bitmap */
            break;
        } else if (v == 2) { /* delta */
            if (len - p < 2)
                return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends in a delta");
            x += d[p], y += d[p + 1];
            p += 2;
        } else { /* v literal pixels, padded to 16 bits */
            size_t bytes = four ? (v + 1) / 2 : v;
            if (len - p < bytes)
                return bmp_fail(dec, PHASH_ERR_TRUNCATED, "data ends in literal pixels");
            for (uint32_t i = 0; i < v && x < b->w; i++, x++)
                row[x] = four ? (i & 1 ? d[p + i / 2] & 15 : d[p + i / 2] >> 4) : d[p + i];
            p += bytes + (bytes & 1);
        }
    }
    *rows = b->h;
    return PHASH_OK;
}

static phash_status decode_pixels(phash_decoder *dec, const bmp_info *b, const uint8_t *d,
                                  size_t len, uint32_t *rows)
{
    if (b->compression != BI_RLE8 && b->compression != BI_RLE4)
        return decode_plain(dec, b, d, len, rows);
    uint8_t *idx = ph_buf_reserve(&dec->work, (size_t)b->w * b->h);
    if (!idx)
        return bmp_fail(dec, PHASH_ERR_NOMEM, "cannot allocate the index buffer");
    memset(idx, 0, (size_t)b->w * b->h);
    phash_status st = decode_rle(dec, b, d, len, idx, rows);
    /* Rows reached are expanded even when the data ends early. */
    for (uint32_t y = 0; y < b->h; y++) {
        uint8_t *out = out_row(dec, b, y);
        for (uint32_t x = 0; x < b->w; x++)
            put_index(b, out + 3 * x, idx[(size_t)y * b->w + x]);
    }
    return st;
}

phash_status ph_decode_bmp(phash_decoder *dec, const uint8_t *data, size_t len)
{
    if (len < 2 || data[0] != 'B' || data[1] != 'M')
        return bmp_fail(dec, len < 2 ? PHASH_ERR_TRUNCATED : PHASH_ERR_CORRUPT, "no BM signature");
    bmp_info b = {0};
    phash_status st = read_header(dec, data, len, &b);
    if (st != PHASH_OK)
        return st;
    int rle = b.compression == BI_RLE8 || b.compression == BI_RLE4;
    st = ph_decoder_check_size(dec, "BMP", b.w, b.h, 3, rle ? (uint64_t)b.w * b.h : 0);
    if (st == PHASH_OK)
        st = read_palette(dec, data, len, &b);
    if (st != PHASH_OK)
        return st;
    if (b.offset >= len)
        return bmp_fail(dec, PHASH_ERR_TRUNCATED, "no pixel data");
    uint8_t *out = ph_decoder_begin_image(dec, b.w, b.h, 3, PHASH_FORMAT_BMP);
    if (!out)
        return dec->err.status;
    uint32_t rows = 0;
    st = decode_pixels(dec, &b, data, len, &rows);
    if (st == PHASH_ERR_TRUNCATED && dec->allow_truncated && rows > 0) {
        if (!rle) /* stored rows never reached are zero */
            for (uint32_t y = rows; y < b.h; y++)
                memset(out_row(dec, &b, y), 0, dec->img.stride);
        dec->img.flags |= PHASH_IMAGE_TRUNCATED;
        st = PHASH_OK;
    }
    if (st == PHASH_OK && b.bpp <= 8)
        dec->img.flags |= PHASH_IMAGE_PALETTE;
    if (st == PHASH_OK && (b.has_alpha || b.compression == BI_ALPHABITFIELDS))
        dec->img.flags |= PHASH_IMAGE_HAD_ALPHA;
    return st;
}
