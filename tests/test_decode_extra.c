/* SPDX-License-Identifier: MIT */
/* The decoders of GIF, TIFF, HEIF, AVIF, JPEG XL and BMP (lib/decode/):
 * pictures written here through each format's own Debian library (or made
 * by byte layout where the format is simple) decode to exactly the pixels
 * of the same picture saved as PNG (lossless formats) or close to them
 * (lossy ones); flags, orientation, truncation and hostile headers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>
#include <png.h>

#include "decode/decode.h"
#include "phash/phash.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

/* A growable memory file the encoders write into. */
typedef struct membuf {
    uint8_t *p;
    size_t len, cap;
} membuf;

static void mb_put(membuf *m, const void *data, size_t n)
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
static uint8_t *test_picture(uint32_t w, uint32_t h, uint32_t ch, uint32_t seed)
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
static uint8_t *png_of(const uint8_t *px, uint32_t w, uint32_t h, uint32_t ch, size_t *len)
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

static decoded decode_buf(phash_decoder *dec, const uint8_t *data, size_t len)
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
static unsigned assert_equals_png(const uint8_t *data, size_t len, phash_format fmt,
                                  const uint8_t *px, uint32_t w, uint32_t h, uint32_t ch,
                                  const char *what)
{
    ck_assert_int_eq(phash_sniff(data, len), fmt);
    phash_decoder *dec = phash_decoder_new();
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
static void assert_truncation(const uint8_t *data, size_t len, size_t cut, uint32_t full_rows,
                              const char *what)
{
    phash_decoder *dec = phash_decoder_new();
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

static phash_status decode_status(const uint8_t *data, size_t len, const char **detail)
{
    static char msg[512];
    phash_decoder *dec = phash_decoder_new();
    const phash_image *img;
    phash_status st = phash_decode_memory(dec, data, len, &img);
    snprintf(msg, sizeof msg, "%s", phash_decoder_last_error(dec));
    if (detail)
        *detail = msg;
    phash_decoder_free(dec);
    return st;
}

/* ---- GIF ---------------------------------------------------------------- */

static int gif_write_cb(GifFileType *gif, const GifByteType *data, int n)
{
    mb_put(gif->UserData, data, (size_t)n);
    return n;
}

typedef struct gif_frame {
    const uint8_t *idx; /* w*h palette indices */
    uint32_t w, h;
    int interlace, transparent; /* transparent: index or -1 */
    const ColorMapObject *local;
} gif_frame;

static void gif_put_frame(GifFileType *gif, const gif_frame *f)
{
    if (f->transparent >= 0) {
        uint8_t gce[4] = {1, 0, 0, (uint8_t)f->transparent};
        ck_assert_int_eq(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, gce), GIF_OK);
    }
    ck_assert_int_eq(EGifPutImageDesc(gif, 0, 0, (int)f->w, (int)f->h, f->interlace != 0,
                                      f->local),
                     GIF_OK);
    /* Interlaced rows go in the order of the four passes of the GIF spec. */
    static const uint32_t start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    int passes = f->interlace ? 4 : 1;
    for (int p = 0; p < passes; p++)
        for (uint32_t y = f->interlace ? start[p] : 0; y < f->h; y += f->interlace ? step[p] : 1)
            ck_assert_int_eq(EGifPutLine(gif, (GifPixelType *)f->idx + (size_t)y * f->w, (int)f->w),
                             GIF_OK);
}

/* A GIF of the given frames (global palette pal). */
static membuf gif_file(const ColorMapObject *pal, uint32_t sw, uint32_t sh, const gif_frame *f,
                       int nframes)
{
    membuf m = {0};
    int err = 0;
    GifFileType *gif = EGifOpen(&m, gif_write_cb, &err);
    ck_assert_ptr_nonnull(gif);
    EGifSetGifVersion(gif, true);
    ck_assert_int_eq(EGifPutScreenDesc(gif, (int)sw, (int)sh, 8, 0, pal), GIF_OK);
    for (int i = 0; i < nframes; i++)
        gif_put_frame(gif, &f[i]);
    ck_assert_int_eq(EGifCloseFile(gif, &err), GIF_OK);
    return m;
}

static ColorMapObject *test_palette(int n, uint32_t seed)
{
    GifColorType c[256];
    uint8_t *rnd = test_picture((uint32_t)n, 1, 3, seed);
    for (int i = 0; i < n; i++) {
        c[i].Red = rnd[3 * i];
        c[i].Green = (uint8_t)(rnd[3 * i + 1] ^ (i * 37));
        c[i].Blue = (uint8_t)(255 - rnd[3 * i + 2]);
    }
    free(rnd);
    return GifMakeMapObject(n, c);
}

static uint8_t *expand(const uint8_t *idx, uint32_t w, uint32_t h, const ColorMapObject *pal)
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        const GifColorType *c = &pal->Colors[idx[i]];
        rgb[3 * i] = c->Red;
        rgb[3 * i + 1] = c->Green;
        rgb[3 * i + 2] = c->Blue;
    }
    return rgb;
}

/* Palette indices of a w x h picture using n colours. */
static uint8_t *test_indices(uint32_t w, uint32_t h, int n, uint32_t seed)
{
    uint8_t *idx = test_picture(w, h, 1, seed);
    for (size_t i = 0; i < (size_t)w * h; i++)
        idx[i] = (uint8_t)(idx[i] % n);
    return idx;
}

START_TEST(gif_equals_png)
{
    const uint32_t w = 67, h = 45;
    ColorMapObject *pal = test_palette(256, 1), *local = test_palette(64, 2);
    uint8_t *idx = test_indices(w, h, 64, 3);
    for (int variant = 0; variant < 4; variant++) {
        int interlace = variant & 1, use_local = variant >> 1;
        gif_frame f = {idx, w, h, interlace, -1, use_local ? local : NULL};
        membuf m = gif_file(pal, w, h, &f, 1);
        uint8_t *rgb = expand(idx, w, h, use_local ? local : pal);
        char what[64];
        snprintf(what, sizeof what, "GIF interlace=%d local=%d", interlace, use_local);
        unsigned flags = assert_equals_png(m.p, m.len, PHASH_FORMAT_GIF, rgb, w, h, 3, what);
        ck_assert_uint_eq(flags, PHASH_IMAGE_PALETTE);
        free(rgb);
        free(m.p);
    }
    free(idx);
    GifFreeMapObject(pal);
    GifFreeMapObject(local);
}
END_TEST

/* Two frames: the first is decoded, at its own size (not the screen's),
 * and the image says it is animated; a transparent index keeps its colour. */
START_TEST(gif_first_frame_animated_transparent)
{
    ColorMapObject *pal = test_palette(16, 4);
    uint8_t *a = test_indices(20, 10, 16, 5), *b = test_indices(30, 30, 16, 6);
    gif_frame f[2] = {{a, 20, 10, 0, 3, NULL}, {b, 30, 30, 1, -1, NULL}};
    membuf m = gif_file(pal, 30, 30, f, 2);
    uint8_t *rgb = expand(a, 20, 10, pal);
    unsigned flags = assert_equals_png(m.p, m.len, PHASH_FORMAT_GIF, rgb, 20, 10, 3, "GIF anim");
    ck_assert_uint_eq(flags, PHASH_IMAGE_PALETTE | PHASH_IMAGE_ANIMATED | PHASH_IMAGE_HAD_ALPHA);
    free(rgb);
    free(m.p);
    free(a);
    free(b);
    GifFreeMapObject(pal);
}
END_TEST

START_TEST(gif_truncated)
{
    const uint32_t w = 64, h = 64;
    ColorMapObject *pal = test_palette(256, 7);
    uint8_t *idx = test_indices(w, h, 256, 8);
    gif_frame f = {idx, w, h, 0, -1, NULL};
    membuf m = gif_file(pal, w, h, &f, 1);
    assert_truncation(m.p, m.len, m.len / 2, h / 4, "GIF");
    free(m.p);
    free(idx);
    GifFreeMapObject(pal);
}
END_TEST

/* Frame sizes over the limits are refused before the pixels are allocated
 * (the logical screen may be small: the frame's own size counts). */
START_TEST(gif_absurd_dimensions)
{
    ColorMapObject *pal = test_palette(2, 9);
    uint8_t idx[4] = {0, 1, 1, 0};
    gif_frame f = {idx, 2, 2, 0, -1, NULL};
    membuf m = gif_file(pal, 2, 2, &f, 1);
    /* The image descriptor: ',' left top width height flags. */
    uint8_t *d = memchr(m.p + 13 + 6, ',', m.len - 19);
    ck_assert_ptr_nonnull(d);
    d[5] = d[6] = 0xff; /* 65535 wide */
    const char *detail;
    ck_assert_int_eq(decode_status(m.p, m.len, &detail), PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(detail, "65535x2"));
    d[5] = 0x20, d[6] = 0x4e, d[7] = 0x20, d[8] = 0x4e; /* 20000x20000: over 100 MP */
    ck_assert_int_eq(decode_status(m.p, m.len, &detail), PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(detail, "pixels"));
    d[5] = d[6] = 0; /* zero width */
    ck_assert_int_eq(decode_status(m.p, m.len, &detail), PHASH_ERR_CORRUPT);
    free(m.p);
    GifFreeMapObject(pal);
}
END_TEST

START_TEST(new_formats_supported)
{
    static const phash_format fmts[] = {PHASH_FORMAT_GIF};
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
        ck_assert_msg(phash_format_supported(fmts[i]), "%s", phash_format_name(fmts[i]));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode_extra");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, new_formats_supported);
    tcase_add_test(tc, gif_equals_png);
    tcase_add_test(tc, gif_first_frame_animated_transparent);
    tcase_add_test(tc, gif_truncated);
    tcase_add_test(tc, gif_absurd_dimensions);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
