/* SPDX-License-Identifier: MIT */
/* Netpbm grey and colour maps (P2/P5 grey, P3/P6 RGB): the format the hash
 * references hand their core (ImageMagick writes PNM for CImg), so test
 * rasters in PNM must hash exactly. Bitmaps (P1/P4) and PAM (P7) are
 * refused as unsupported. Samples over 8 bits follow the 16-bit policy
 * (low byte by default, as CImg's cast does; or scaled); maxval below 255
 * is scaled to 0..255 with rounding. */
#include <string.h>

#include "decode.h"

typedef struct pnm_reader {
    const uint8_t *p;
    size_t len, pos;
} pnm_reader;

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Skip whitespace and '#' comments (which run to the end of the line). */
static void skip_blanks(pnm_reader *r)
{
    while (r->pos < r->len) {
        if (r->p[r->pos] == '#') {
            while (r->pos < r->len && r->p[r->pos] != '\n' && r->p[r->pos] != '\r')
                r->pos++;
        } else if (is_space(r->p[r->pos])) {
            r->pos++;
        } else {
            return;
        }
    }
}

/* A decimal number of at most 9 digits; -1 if there is none (or more). */
static long read_number(pnm_reader *r)
{
    skip_blanks(r);
    long v = 0;
    int digits = 0;
    while (r->pos < r->len && r->p[r->pos] >= '0' && r->p[r->pos] <= '9') {
        if (++digits > 9)
            return -1;
        v = v * 10 + (r->p[r->pos++] - '0');
    }
    return digits ? v : -1;
}

static uint8_t to_byte(unsigned v, unsigned maxval, int scale16)
{
    if (v > maxval)
        v = maxval;
    if (maxval == 255)
        return (uint8_t)v;
    if (maxval > 255 && !scale16)
        return (uint8_t)(v & 0xFF); /* the CImg cast */
    return (uint8_t)((v * 255u + maxval / 2) / maxval);
}

/* Binary samples: 1 byte each (maxval < 256) or 2 big-endian bytes. Returns
 * the samples read. */
static size_t read_binary(pnm_reader *r, uint8_t *out, size_t n, unsigned maxval, int scale16)
{
    size_t width = maxval > 255 ? 2 : 1;
    size_t avail = (r->len - r->pos) / width;
    if (avail < n)
        n = avail;
    const uint8_t *s = r->p + r->pos;
    for (size_t i = 0; i < n; i++) {
        unsigned v = width == 2 ? (unsigned)s[2 * i] << 8 | s[2 * i + 1] : s[i];
        out[i] = to_byte(v, maxval, scale16);
    }
    return n;
}

static size_t read_ascii(pnm_reader *r, uint8_t *out, size_t n, unsigned maxval, int scale16)
{
    for (size_t i = 0; i < n; i++) {
        long v = read_number(r);
        if (v < 0)
            return i;
        out[i] = to_byte(v > 65535 ? 65535u : (unsigned)v, maxval, scale16);
    }
    return n;
}

phash_status ph_decode_pnm(phash_decoder *dec, const uint8_t *data, size_t len)
{
    if (len < 3 || data[0] != 'P')
        return ph_error_set(&dec->err, PHASH_ERR_NOT_IMAGE, "PNM: no signature");
    pnm_reader r = {data, len, 2};
    char kind = (char)data[1];
    if (kind != '2' && kind != '3' && kind != '5' && kind != '6')
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED,
                            "PNM: P%c (bitmap or PAM) is not decoded", kind);
    long w = read_number(&r), h = read_number(&r), maxval = read_number(&r);
    if (w < 0 || h < 0 || maxval < 0) {
        phash_status st = r.pos >= len ? PHASH_ERR_TRUNCATED : PHASH_ERR_CORRUPT;
        return ph_error_set(&dec->err, st, "PNM: bad header at byte %zu", r.pos);
    }
    if (maxval < 1 || maxval > 65535)
        return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "PNM: maxval %ld out of range", maxval);
    uint32_t ch = kind == '3' || kind == '6' ? 3 : 1;
    phash_status st = ph_decoder_check_size(dec, "PNM", (uint64_t)w, (uint64_t)h, ch, 0);
    if (st != PHASH_OK)
        return st;
    if (r.pos < len)
        r.pos++; /* the single whitespace byte before binary data */
    uint8_t *out = ph_decoder_begin_image(dec, (uint32_t)w, (uint32_t)h, ch, PHASH_FORMAT_PNM);
    if (!out)
        return dec->err.status;
    size_t n = (size_t)w * (size_t)h * ch;
    int scale16 = dec->sixteen_bit == PHASH_SIXTEEN_BIT_SCALE;
    size_t got = kind >= '5' ? read_binary(&r, out, n, (unsigned)maxval, scale16)
                             : read_ascii(&r, out, n, (unsigned)maxval, scale16);
    if (maxval > 255)
        dec->img.flags |= PHASH_IMAGE_SIXTEEN_BIT;
    if (got < n) {
        if (!dec->allow_truncated)
            return ph_error_set(&dec->err, PHASH_ERR_TRUNCATED,
                                "PNM: %zu of %zu samples present", got, n);
        memset(out + got, 0, n - got);
        dec->img.flags |= PHASH_IMAGE_TRUNCATED;
    }
    return PHASH_OK;
}
