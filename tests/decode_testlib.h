/* SPDX-License-Identifier: MIT */
/* Helpers of the decoder tests of the formats added for issue 16
 * (tests/test_decode_extra.c, tests/test_decode_codecs.c): a memory file,
 * a reproducible test picture, the same picture saved as PNG, decoding to a
 * copy, and the checks every format shares (equal to the PNG, truncation). */
#ifndef PHASH_DECODE_TESTLIB_H
#define PHASH_DECODE_TESTLIB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "decode/decode.h"
#include "phash/phash.h"
#include "testutil.h"


/* A growable memory file the encoders write into. */
typedef struct membuf {
    uint8_t *p;
    size_t len, cap;
} membuf;

static inline void mb_put(membuf *m, const void *data, size_t n)
{
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2 + 256;
        m->p = realloc(m->p, m->cap);
        ck_assert_ptr_nonnull(m->p);
    }
    memcpy(m->p + m->len, data, n);
    m->len += n;
}

/* A reproducible test picture: smooth gradients plus noise, so that row
 * and channel mix-ups show. */
static inline uint8_t *test_picture(uint32_t w, uint32_t h, uint32_t ch, uint32_t seed)
{
    uint8_t *p = malloc((size_t)w * h * ch);
    ck_assert_ptr_nonnull(p);
    uint32_t s = seed * 2654435761u + 1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < ch; c++) {
                s = s * 1103515245u + 12345u;
                p[((size_t)y * w + x) * ch + c] =
                    (uint8_t)((x * 255 / w) * (c != 1) + (y * 255 / h) * (c == 1) + (s >> 28));
            }
    return p;
}

/* The picture saved as PNG (libpng's simplified API). */
static inline uint8_t *png_of(const uint8_t *px, uint32_t w, uint32_t h, uint32_t ch, size_t *len)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = w;
    im.height = h;
    im.format = ch == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    png_alloc_size_t n = 0;
    ck_assert(png_image_write_to_memory(&im, NULL, &n, 0, px, 0, NULL));
    uint8_t *out = malloc(n);
    ck_assert(png_image_write_to_memory(&im, out, &n, 0, px, 0, NULL));
    *len = n;
    return out;
}

typedef struct decoded {
    phash_status st;
    uint32_t w, h, ch;
    int orientation;
    unsigned flags;
    uint8_t *px; /* malloc'd copy */
} decoded;

static inline decoded decode_buf(phash_decoder *dec, const uint8_t *data, size_t len)
{
    decoded d = {0};
    const phash_image *img;
    d.st = phash_decode_memory(dec, data, len, &img);
    if (d.st != PHASH_OK)
        return d;
    d.w = phash_image_width(img);
    d.h = phash_image_height(img);
    d.ch = phash_image_channels(img);
    d.orientation = phash_image_orientation(img);
    d.flags = phash_image_flags(img);
    size_t n = (size_t)d.w * d.h * d.ch;
    d.px = malloc(n);
    memcpy(d.px, phash_image_pixels(img), n);
    return d;
}

/* data decodes (status OK, format fmt) to exactly the pixels of the same
 * picture saved as PNG. Returns the decoded flags. */
static inline unsigned assert_equals_png(const uint8_t *data, size_t len, phash_format fmt,
                                  const uint8_t *px, uint32_t w, uint32_t h, uint32_t ch,
                                  const char *what)
{
    ck_assert_int_eq(phash_sniff(data, len), fmt);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    size_t plen;
    uint8_t *png = png_of(px, w, h, ch, &plen);
    decoded a = decode_buf(dec, data, len), b = decode_buf(dec, png, plen);
    ck_assert_msg(a.st == PHASH_OK, "%s: %s", what, phash_decoder_last_error(dec));
    ck_assert_int_eq(b.st, PHASH_OK);
    ck_assert_uint_eq(a.w, b.w);
    ck_assert_uint_eq(a.h, b.h);
    ck_assert_uint_eq(a.ch, b.ch);
    ck_assert_msg(!memcmp(a.px, b.px, (size_t)w * h * ch), "%s: pixels differ from the PNG", what);
    free(a.px);
    free(b.px);
    free(png);
    phash_decoder_free(dec);
    return a.flags;
}

/* Cut data at cut bytes: PHASH_ERR_TRUNCATED by default; with
 * ALLOW_TRUNCATED the image with the flag, its first rows those of the
 * complete file. */
static inline void assert_truncation(const uint8_t *data, size_t len, size_t cut, uint32_t full_rows,
                              const char *what)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    decoded full = decode_buf(dec, data, len);
    ck_assert_int_eq(full.st, PHASH_OK);
    decoded t = decode_buf(dec, data, cut);
    ck_assert_msg(t.st == PHASH_ERR_TRUNCATED, "%s: status %d (%s)", what, t.st,
                  phash_decoder_last_error(dec));
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_ALLOW_TRUNCATED, 1), PHASH_OK);
    t = decode_buf(dec, data, cut);
    ck_assert_msg(t.st == PHASH_OK, "%s: %s", what, phash_decoder_last_error(dec));
    ck_assert_msg(t.flags & PHASH_IMAGE_TRUNCATED, "%s: no TRUNCATED flag", what);
    ck_assert_uint_eq(t.w, full.w);
    ck_assert_uint_eq(t.h, full.h);
    size_t row = (size_t)full.w * full.ch;
    ck_assert_msg(!memcmp(t.px, full.px, row * full_rows), "%s: first rows", what);
    ck_assert_msg(memcmp(t.px, full.px, row * full.h), "%s: same as the full image", what);
    /* A few bytes are an error whatever the option says. */
    decoded tiny = decode_buf(dec, data, 16);
    ck_assert_int_ne(tiny.st, PHASH_OK);
    free(full.px);
    free(t.px);
    phash_decoder_free(dec);
}

static inline phash_status decode_status(const uint8_t *data, size_t len, const char **detail)
{
    static char msg[512];
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    phash_status st = phash_decode_memory(dec, data, len, &img);
    snprintf(msg, sizeof msg, "%s", phash_decoder_last_error(dec));
    if (detail)
        *detail = msg;
    phash_decoder_free(dec);
    return st;
}

static inline uint8_t *read_file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    membuf m = {0};
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mb_put(&m, chunk, n);
    fclose(f);
    *len = m.len;
    return m.p;
}

/* The binary PPM (P6, maxval 255) a command prints, e.g. a reference
 * decoder's; malloc'd, *w x *h x 3 bytes. */
static inline uint8_t *ppm_from_command(const char *cmd, unsigned *w, unsigned *h)
{
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    unsigned maxval = 0;
    ck_assert_int_eq(fscanf(f, "P6 %u %u %u", w, h, &maxval), 3);
    ck_assert_uint_eq(maxval, 255);
    fgetc(f);
    size_t n = (size_t)*w * *h * 3;
    uint8_t *ref = malloc(n);
    ck_assert_uint_eq(fread(ref, 1, n, f), n);
    pclose(f);
    return ref;
}

#endif
