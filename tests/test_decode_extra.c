/* SPDX-License-Identifier: MIT */
/* The decoders of GIF, TIFF and BMP (lib/decode/): pictures written here
 * through giflib and libtiff, or by byte layout for BMP, decode to exactly
 * the pixels of the same picture saved as PNG; ImageMagick (the
 * references' decoder) gives the same pixels for the committed seeds;
 * flags, orientation, truncation and hostile headers. HEIF, AVIF and
 * JPEG XL, whose test files come from encoders too slow (and not clean)
 * under valgrind, are in test_decode_codecs.c. */
#include <unistd.h>

#if PH_HAVE_GIF
#include <gif_lib.h>
#endif
#if PH_HAVE_TIFF
#include <tiffio.h>
#endif

#include "decode_testlib.h"

/* ---- GIF ---------------------------------------------------------------- */
#if PH_HAVE_GIF /* meson option gif */

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

#endif /* PH_HAVE_GIF */

/* ---- TIFF ----------------------------------------------------------------- */
#if PH_HAVE_TIFF /* meson option tiff */

typedef struct tiff_spec {
    uint32_t w, h;
    uint16_t spp, bps, photometric, planar, compression, extra_alpha;
    uint32_t tile;            /* 0: strips */
    uint32_t rows_per_strip;
    uint16_t orientation;     /* 0: not written */
    int pages;
    const void *samples;      /* rows of packed samples, planes one after the other */
    const uint16_t *cmap;     /* 3 x 2^bps entries */
} tiff_spec;

static void tiff_write_tiles(TIFF *tif, const tiff_spec *t, uint32_t planes, uint64_t row_bytes)
{
    const uint8_t *src = t->samples;
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, t->tile);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, t->tile);
    tmsize_t ts = TIFFTileSize(tif);
    uint8_t *tb = malloc((size_t)ts);
    uint64_t trow = (uint64_t)t->tile * (planes > 1 ? 1 : t->spp) * t->bps / 8;
    for (uint32_t p = 0; p < planes; p++)
        for (uint32_t y = 0; y < t->h; y += t->tile)
            for (uint32_t x = 0; x < t->w; x += t->tile) {
                memset(tb, 0, (size_t)ts);
                uint64_t x0 = (uint64_t)x * (planes > 1 ? 1 : t->spp) * t->bps / 8;
                uint64_t n = row_bytes - x0 < trow ? row_bytes - x0 : trow;
                for (uint32_t r = 0; r < t->tile && y + r < t->h; r++)
                    memcpy(tb + r * trow, src + ((uint64_t)p * t->h + y + r) * row_bytes + x0, n);
                ck_assert_int_ge(TIFFWriteTile(tif, tb, x, y, 0, (uint16_t)p), 0);
            }
    free(tb);
}

/* Write a TIFF through libtiff (into a temporary file, read back). */
static membuf tiff_file(const tiff_spec *t)
{
    char path[] = "/tmp/phash-test-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    TIFF *tif = TIFFOpen(path, "w");
    ck_assert_ptr_nonnull(tif);
    uint32_t planes = t->planar == PLANARCONFIG_SEPARATE ? t->spp : 1;
    uint64_t row_bytes = ((uint64_t)t->w * (planes > 1 ? 1 : t->spp) * t->bps + 7) / 8;
    for (int page = 0; page < t->pages; page++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, t->w);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, t->h);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, t->spp);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, t->bps);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, t->photometric);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, t->planar);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, t->compression);
        if (t->extra_alpha) {
            uint16_t ex = EXTRASAMPLE_UNASSALPHA;
            TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &ex);
        }
        if (t->orientation)
            TIFFSetField(tif, TIFFTAG_ORIENTATION, t->orientation);
        if (t->cmap) {
            uint32_t n = 1u << t->bps;
            TIFFSetField(tif, TIFFTAG_COLORMAP, t->cmap, t->cmap + n, t->cmap + 2 * n);
        }
        if (t->photometric == PHOTOMETRIC_SEPARATED)
            TIFFSetField(tif, TIFFTAG_INKSET, INKSET_CMYK);
        if (t->tile) {
            tiff_write_tiles(tif, t, planes, row_bytes);
        } else {
            const uint8_t *src = t->samples;
            TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, t->rows_per_strip);
            for (uint32_t p = 0; p < planes; p++)
                for (uint32_t y = 0; y < t->h; y++)
                    ck_assert_int_eq(TIFFWriteScanline(tif, (void *)(src + ((uint64_t)p * t->h + y) * row_bytes),
                                                       y, (uint16_t)p),
                                     1);
        }
        ck_assert(TIFFWriteDirectory(tif));
    }
    TIFFClose(tif);
    membuf m = {0};
    m.p = read_file_bytes(path, &m.len);
    unlink(path);
    return m;
}

/* A little-endian TIFF made by hand with the directory first and the
 * strips after it (libtiff writes the directory last): 8-bit grey, strips
 * of rps rows, uncompressed. width/height in the header may lie. */
static membuf grey_tiff_by_hand(uint32_t w, uint32_t h, uint32_t rps, const uint8_t *px,
                                uint32_t hdr_w, uint32_t hdr_h)
{
    uint32_t strips = (h + rps - 1) / rps, n_entries = 8;
    uint32_t ifd = 8, arrays = ifd + 2 + 12 * n_entries + 4, data = arrays + 8 * strips;
    membuf m = {0};
    uint8_t head[8] = {'I', 'I', 42, 0, 8, 0, 0, 0};
    mb_put(&m, head, 8);
    uint8_t e[2] = {(uint8_t)n_entries, 0};
    mb_put(&m, e, 2);
    const uint32_t tags[8][3] = {
        {256, 4, hdr_w}, {257, 4, hdr_h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
        {273, 4, arrays}, {278, 4, rps}, {279, 4, arrays + 4 * strips}};
    for (int i = 0; i < 8; i++) {
        uint32_t count = tags[i][0] == 273 || tags[i][0] == 279 ? strips : 1;
        uint32_t v = tags[i][2];
        if (count == 1 && tags[i][0] == 273)
            v = data;
        if (count == 1 && tags[i][0] == 279)
            v = w * h;
        uint8_t ent[12] = {(uint8_t)tags[i][0], (uint8_t)(tags[i][0] >> 8), (uint8_t)tags[i][1], 0,
                           (uint8_t)count, (uint8_t)(count >> 8), (uint8_t)(count >> 16), 0,
                           (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
        mb_put(&m, ent, 12);
    }
    uint8_t zero[4] = {0};
    mb_put(&m, zero, 4);
    for (int which = 0; which < 2 && strips > 1; which++)
        for (uint32_t s = 0; s < strips; s++) {
            uint32_t rows = h - s * rps < rps ? h - s * rps : rps;
            uint32_t v = which == 0 ? data + s * rps * w : rows * w;
            uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
            mb_put(&m, b, 4);
        }
    if (strips == 1)
        mb_put(&m, zero, 4), mb_put(&m, zero, 4);
    if (px)
        mb_put(&m, px, (size_t)w * h);
    return m;
}

/* Interleaved samples to separate planes. */
static uint8_t *to_planes(const uint8_t *px, uint32_t w, uint32_t h, uint32_t ch)
{
    uint8_t *out = malloc((size_t)w * h * ch);
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (uint32_t c = 0; c < ch; c++)
            out[c * (size_t)w * h + i] = px[i * ch + c];
    return out;
}

START_TEST(tiff_equals_png)
{
    const uint32_t w = 67, h = 45;
    uint8_t *rgb = test_picture(w, h, 3, 11), *grey = test_picture(w, h, 1, 12);
    uint8_t *planes = to_planes(rgb, w, h, 3);
    static const uint16_t comp[3] = {COMPRESSION_NONE, COMPRESSION_LZW, COMPRESSION_ADOBE_DEFLATE};
    for (int c = 0; c < 3; c++) {
        tiff_spec s = {w, h, 3, 8, PHOTOMETRIC_RGB, PLANARCONFIG_CONTIG, comp[c], 0, 0, 7, 0, 1, rgb, NULL};
        membuf m = tiff_file(&s);
        ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, rgb, w, h, 3, "TIFF RGB strips"), 0);
        free(m.p);
        s.tile = 16; /* the edge tiles reach past the image */
        m = tiff_file(&s);
        assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, rgb, w, h, 3, "TIFF RGB tiles");
        free(m.p);
        s.planar = PLANARCONFIG_SEPARATE, s.samples = planes;
        m = tiff_file(&s);
        assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, rgb, w, h, 3, "TIFF RGB planes, tiles");
        free(m.p);
        s.tile = 0;
        m = tiff_file(&s);
        assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, rgb, w, h, 3, "TIFF RGB planes, strips");
        free(m.p);
        tiff_spec g = {w, h, 1, 8, PHOTOMETRIC_MINISBLACK, PLANARCONFIG_CONTIG, comp[c], 0, 32, 5, 0, 1, grey, NULL};
        m = tiff_file(&g);
        assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, grey, w, h, 1, "TIFF grey tiles");
        free(m.p);
    }
    free(rgb);
    free(grey);
    free(planes);
}
END_TEST

/* 16-bit samples keep their low byte (or are scaled); 1-bit min-is-white;
 * a 4-bit palette of 16-bit entries. */
START_TEST(tiff_depths_palettes_miniswhite)
{
    const uint32_t w = 37, h = 21;
    size_t n = (size_t)w * h * 3;
    uint16_t *s16 = malloc(n * 2);
    uint8_t *low = malloc(n), *scaled = malloc(n);
    for (size_t i = 0; i < n; i++) {
        s16[i] = (uint16_t)(i * 7919u + 13u);
        low[i] = (uint8_t)(s16[i] & 0xff);
        scaled[i] = (uint8_t)((s16[i] * 255u + 32767u) / 65535u);
    }
    tiff_spec s = {w, h, 3, 16, PHOTOMETRIC_RGB, PLANARCONFIG_CONTIG, COMPRESSION_LZW, 0, 0, 4, 0, 1, s16, NULL};
    membuf m = tiff_file(&s);
    ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, low, w, h, 3, "TIFF 16-bit"),
                      PHASH_IMAGE_SIXTEEN_BIT);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_SIXTEEN_BIT, PHASH_SIXTEEN_BIT_SCALE),
                     PHASH_OK);
    decoded d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_OK);
    ck_assert(!memcmp(d.px, scaled, n));
    free(d.px);
    free(m.p);

    uint32_t rb = (w + 7) / 8;
    uint8_t *bits = calloc((size_t)rb * h, 1), *grey = malloc((size_t)w * h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            int on = ((x * 3 + y * 5) % 7) < 3;
            if (on)
                bits[y * rb + x / 8] |= (uint8_t)(0x80 >> (x % 8));
            grey[y * w + x] = on ? 0 : 255; /* min-is-white: a set bit is black */
        }
    tiff_spec b = {w, h, 1, 1, PHOTOMETRIC_MINISWHITE, PLANARCONFIG_CONTIG, COMPRESSION_CCITTFAX4, 0, 0, h, 0, 1, bits, NULL};
    m = tiff_file(&b);
    assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, grey, w, h, 1, "TIFF 1-bit min-is-white G4");
    free(m.p);

    uint32_t rb4 = (w * 4 + 7) / 8;
    uint8_t *nib = calloc((size_t)rb4 * h, 1), *rgb = malloc(n);
    uint16_t cmap[3 * 16];
    for (int i = 0; i < 16; i++)
        for (int c = 0; c < 3; c++)
            cmap[c * 16 + i] = (uint16_t)(((i * 37 + c * 91) & 255) * 257);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            unsigned v = (x * 7 + y * 3) & 15;
            nib[y * rb4 + x / 2] |= (uint8_t)(x & 1 ? v : v << 4);
            for (int c = 0; c < 3; c++)
                rgb[(y * w + x) * 3 + c] = (uint8_t)((v * 37 + c * 91) & 255);
        }
    tiff_spec p = {w, h, 1, 4, PHOTOMETRIC_PALETTE, PLANARCONFIG_CONTIG, COMPRESSION_PACKBITS, 0, 0, 3, 0, 1, nib, cmap};
    m = tiff_file(&p);
    ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, rgb, w, h, 3, "TIFF 4-bit palette"),
                      PHASH_IMAGE_PALETTE);
    free(m.p);
    free(nib);
    free(rgb);
    free(bits);
    free(grey);
    free(s16);
    free(low);
    free(scaled);
    phash_decoder_free(dec);
}
END_TEST

/* CMYK: the default converts as ImageMagick (no ink: white; full cyan:
 * 0,255,255; full black: black), raw mode gives C, M, Y. An alpha extra
 * sample is dropped and flagged, the orientation tag reported, a second
 * page flagged. */
START_TEST(tiff_cmyk_alpha_orientation_pages)
{
    const uint8_t cmyk[4 * 4] = {0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 10, 20, 30, 0};
    tiff_spec s = {2, 2, 4, 8, PHOTOMETRIC_SEPARATED, PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0, 0, 2, 0, 1, cmyk, NULL};
    membuf m = tiff_file(&s);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    decoded d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_OK);
    ck_assert_uint_eq(d.flags, PHASH_IMAGE_CMYK);
    const uint8_t want[12] = {255, 255, 255, 0, 255, 255, 0, 0, 0, 245, 235, 225};
    ck_assert_msg(!memcmp(d.px, want, 12), "%u %u %u", d.px[9], d.px[10], d.px[11]);
    free(d.px);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_CMYK_MODE, PHASH_CMYK_RAW3), PHASH_OK);
    d = decode_buf(dec, m.p, m.len);
    const uint8_t raw[12] = {0, 0, 0, 255, 0, 0, 0, 0, 0, 10, 20, 30};
    ck_assert(!memcmp(d.px, raw, 12));
    free(d.px);
    free(m.p);

    uint8_t *rgba = test_picture(9, 7, 4, 13), *rgb = malloc(9 * 7 * 3);
    for (int i = 0; i < 63; i++)
        memcpy(rgb + 3 * i, rgba + 4 * i, 3);
    tiff_spec a = {9, 7, 4, 8, PHOTOMETRIC_RGB, PLANARCONFIG_CONTIG, COMPRESSION_LZW, 1, 0, 7, 6, 2, rgba, NULL};
    m = tiff_file(&a);
    ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, rgb, 9, 7, 3, "TIFF RGBA"),
                      PHASH_IMAGE_HAD_ALPHA | PHASH_IMAGE_ANIMATED);
    d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.orientation, 6);
    free(d.px);
    free(m.p);
    free(rgba);
    free(rgb);
    phash_decoder_free(dec);
}
END_TEST

START_TEST(tiff_truncated_and_absurd)
{
    const uint32_t w = 40, h = 32;
    uint8_t *grey = test_picture(w, h, 1, 14);
    membuf m = grey_tiff_by_hand(w, h, 4, grey, w, h);
    assert_equals_png(m.p, m.len, PHASH_FORMAT_TIFF, grey, w, h, 1, "hand-made TIFF");
    /* Cut in the fifth strip: four strips (16 rows) survive. */
    assert_truncation(m.p, m.len, m.len - (size_t)w * h + (size_t)w * 4 * 4 + 7, 16, "TIFF");
    free(m.p);
    free(grey);
    /* 60000 x 60000 announced, a few bytes given. */
    m = grey_tiff_by_hand(4, 4, 4, NULL, 60000, 60000);
    const char *detail;
    ck_assert_int_eq(decode_status(m.p, m.len, &detail), PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(detail, "60000x60000"));
    free(m.p);
    m = grey_tiff_by_hand(4, 4, 4, NULL, 20000, 20000); /* 400 MP: over the pixel limit */
    ck_assert_int_eq(decode_status(m.p, m.len, &detail), PHASH_ERR_TOO_LARGE);
    free(m.p);
}
END_TEST

#endif /* PH_HAVE_TIFF */

/* ---- BMP (written by byte layout here) ------------------------------------- */

typedef struct bmp_spec {
    uint32_t w, h, bpp, compression, hdr; /* hdr: 12, 40, 108 or 124 */
    int top_down;
    const uint8_t *rgb;                   /* the picture */
    const uint8_t *idx;                   /* palette indices (bpp <= 8) */
    const uint8_t *pal;                   /* BGR entries */
    uint32_t colors;
    uint32_t masks[4];                    /* bit fields (16/32-bit, compression 3) */
} bmp_spec;

static void put32(membuf *m, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    mb_put(m, b, 4);
}

static void put16(membuf *m, uint32_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    mb_put(m, b, 2);
}

/* RLE8 of one row: runs of equal indices, literals of 3 or more, end of line. */
static void rle8_row(membuf *m, const uint8_t *row, uint32_t w)
{
    uint32_t x = 0;
    while (x < w) {
        uint32_t run = 1;
        while (x + run < w && run < 255 && row[x + run] == row[x])
            run++;
        if (run >= 2 || w - x < 3) {
            uint8_t b[2] = {(uint8_t)run, row[x]};
            mb_put(m, b, 2);
            x += run;
            continue;
        }
        uint32_t lit = 0;
        while (x + lit < w && lit < 255 && (x + lit + 1 >= w || row[x + lit + 1] != row[x + lit]))
            lit++;
        if (lit < 3)
            lit = 3 <= w - x ? 3 : w - x;
        uint8_t b[2] = {0, (uint8_t)lit};
        mb_put(m, b, 2);
        mb_put(m, row + x, lit);
        if (lit & 1)
            mb_put(m, "\0", 1);
        x += lit;
    }
    mb_put(m, "\0\0", 2);
}

static membuf bmp_file(const bmp_spec *b)
{
    membuf px = {0};
    uint32_t stride = (b->w * b->bpp + 31) / 32 * 4;
    uint8_t *row = calloc(stride, 1);
    for (uint32_t i = 0; i < b->h; i++) {
        uint32_t y = b->top_down ? i : b->h - 1 - i;
        if (b->compression == 1) {
            rle8_row(&px, b->idx + (size_t)y * b->w, b->w);
            continue;
        }
        memset(row, 0, stride);
        for (uint32_t x = 0; x < b->w; x++) {
            const uint8_t *c = b->rgb + ((size_t)y * b->w + x) * 3;
            if (b->bpp <= 8) {
                uint32_t v = b->idx[(size_t)y * b->w + x], bit = x * b->bpp;
                row[bit / 8] |= (uint8_t)(v << (8 - b->bpp - bit % 8));
            } else if (b->bpp == 24) {
                row[3 * x] = c[2], row[3 * x + 1] = c[1], row[3 * x + 2] = c[0];
            } else { /* the top bits of each colour into its mask */
                uint32_t v = 0;
                for (int k = 0; k < 3; k++) {
                    uint32_t mask = b->masks[k], shift = 0, bits = 0;
                    while (!((mask >> shift) & 1))
                        shift++;
                    while (shift + bits < 32 && ((mask >> (shift + bits)) & 1))
                        bits++;
                    v |= ((uint32_t)c[k] >> (8 - bits)) << shift;
                }
                for (uint32_t k = 0; k < b->bpp / 8; k++)
                    row[x * b->bpp / 8 + k] = (uint8_t)(v >> (8 * k));
            }
        }
        mb_put(&px, row, stride);
    }
    if (b->compression == 1)
        mb_put(&px, "\0\1", 2);
    free(row);
    uint32_t pal_bytes = b->bpp <= 8 ? b->colors * (b->hdr == 12 ? 3 : 4) : 0;
    uint32_t masks = b->compression == 3 && b->hdr == 40 ? 12 : 0;
    uint32_t off = 14 + b->hdr + masks + pal_bytes;
    membuf m = {0};
    mb_put(&m, "BM", 2);
    put32(&m, off + (uint32_t)px.len);
    put32(&m, 0);
    put32(&m, off);
    put32(&m, b->hdr);
    if (b->hdr == 12) {
        put16(&m, b->w), put16(&m, b->h), put16(&m, 1), put16(&m, b->bpp);
    } else {
        put32(&m, b->w);
        put32(&m, b->top_down ? (uint32_t)-(int32_t)b->h : b->h);
        put16(&m, 1), put16(&m, b->bpp);
        put32(&m, b->compression), put32(&m, (uint32_t)px.len), put32(&m, 2835), put32(&m, 2835);
        put32(&m, b->bpp <= 8 ? b->colors : 0), put32(&m, 0);
        uint32_t done = 40;
        if (b->hdr > 40) { /* V4/V5: masks, colour space; the rest zero */
            for (int k = 0; k < 4; k++)
                put32(&m, b->masks[k]);
            put32(&m, 0x73524742); /* 'sRGB' */
            done += 20;
        }
        for (; done < b->hdr; done += 4)
            put32(&m, 0);
        if (masks)
            for (int k = 0; k < 3; k++)
                put32(&m, b->masks[k]);
    }
    for (uint32_t i = 0; i < (b->bpp <= 8 ? b->colors : 0); i++) {
        mb_put(&m, b->pal + 3 * i, 3);
        if (b->hdr != 12)
            mb_put(&m, "\0", 1);
    }
    mb_put(&m, px.p, px.len);
    free(px.p);
    return m;
}

START_TEST(bmp_equals_png)
{
    const uint32_t w = 37, h = 23;
    uint8_t *rgb = test_picture(w, h, 3, 51);
    uint8_t pal[256 * 3], *idx[4], *prgb[4];
    for (int i = 0; i < 256; i++)
        pal[3 * i] = (uint8_t)(i * 7), pal[3 * i + 1] = (uint8_t)(255 - i), pal[3 * i + 2] = (uint8_t)(i * 13);
    static const uint32_t depths[4] = {1, 4, 8, 8};
    for (int d = 0; d < 4; d++) {
        idx[d] = test_picture(w, h, 1, 52 + (uint32_t)d);
        prgb[d] = malloc((size_t)w * h * 3);
        for (size_t i = 0; i < (size_t)w * h; i++) {
            /* runs too, so that RLE has something to do */
            if (i % 5 < 2 && i > 0)
                idx[d][i] = idx[d][i - 1];
            idx[d][i] = (uint8_t)(idx[d][i] % (1u << depths[d]));
            for (int c = 0; c < 3; c++) /* BGR palette entry to RGB */
                prgb[d][3 * i + c] = pal[3 * idx[d][i] + 2 - c];
        }
    }
    struct { bmp_spec s; const uint8_t *want; const char *what; unsigned flags; } cases[] = {
        {{w, h, 24, 0, 40, 0, rgb, NULL, NULL, 0, {0}}, rgb, "24-bit bottom-up", 0},
        {{w, h, 24, 0, 40, 1, rgb, NULL, NULL, 0, {0}}, rgb, "24-bit top-down", 0},
        {{w, h, 24, 0, 124, 0, rgb, NULL, NULL, 0, {0}}, rgb, "24-bit V5", 0},
        {{w, h, 24, 0, 12, 0, rgb, NULL, NULL, 0, {0}}, rgb, "24-bit OS/2 1.x", 0},
        {{w, h, 32, 3, 40, 0, rgb, NULL, NULL, 0, {0xff0000, 0xff00, 0xff, 0}}, rgb, "32-bit bit fields", 0},
        {{w, h, 32, 3, 108, 1, rgb, NULL, NULL, 0, {0xff00, 0xff0000, 0xff000000, 0xff}}, rgb, "32-bit V4 BGRA masks", PHASH_IMAGE_HAD_ALPHA},
        {{w, h, 1, 0, 40, 0, prgb[0], idx[0], pal, 2, {0}}, prgb[0], "1-bit", PHASH_IMAGE_PALETTE},
        {{w, h, 4, 0, 40, 1, prgb[1], idx[1], pal, 16, {0}}, prgb[1], "4-bit top-down", PHASH_IMAGE_PALETTE},
        {{w, h, 8, 0, 12, 0, prgb[2], idx[2], pal, 256, {0}}, prgb[2], "8-bit OS/2 1.x", PHASH_IMAGE_PALETTE},
        {{w, h, 8, 1, 40, 0, prgb[3], idx[3], pal, 256, {0}}, prgb[3], "RLE8", PHASH_IMAGE_PALETTE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        membuf m = bmp_file(&cases[i].s);
        unsigned flags = assert_equals_png(m.p, m.len, PHASH_FORMAT_BMP, cases[i].want, w, h, 3, cases[i].what);
        ck_assert_msg(flags == cases[i].flags, "%s: flags %#x", cases[i].what, flags);
        free(m.p);
    }
    for (int d = 0; d < 4; d++)
        free(idx[d]), free(prgb[d]);
    free(rgb);
}
END_TEST

/* 16-bit 5-6-5: each field scaled to 8 bits as ImageMagick does (bit
 * replication of the top bits, then its 16-to-8-bit rounding). */
START_TEST(bmp_bitfields_scaling)
{
    uint8_t rgb[4 * 3] = {255, 255, 255, 8, 4, 8, 128, 128, 128, 0, 0, 0};
    bmp_spec s = {4, 1, 16, 3, 40, 0, rgb, NULL, NULL, 0, {0xf800, 0x07e0, 0x001f, 0}};
    membuf m = bmp_file(&s);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    decoded d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_OK);
    /* 31 -> 255, 63 -> 255; 1 (5 bits) -> 8, 1 (6 bits) -> 4; 16 -> 132, 32 -> 130. */
    const uint8_t want[12] = {255, 255, 255, 8, 4, 8, 132, 130, 132, 0, 0, 0};
    ck_assert_msg(!memcmp(d.px, want, 12), "%u %u %u / %u %u %u", d.px[3], d.px[4], d.px[5],
                  d.px[6], d.px[7], d.px[8]);
    free(d.px);
    free(m.p);
    phash_decoder_free(dec);
}
END_TEST

START_TEST(bmp_truncated_and_absurd)
{
    const uint32_t w = 40, h = 32;
    uint8_t *rgb = test_picture(w, h, 3, 61);
    bmp_spec s = {w, h, 24, 0, 40, 1, rgb, NULL, NULL, 0, {0}};
    membuf m = bmp_file(&s);
    assert_truncation(m.p, m.len, 54 + (size_t)w * 3 * 10 + 5, 10, "BMP top-down");
    /* Headers announcing absurd sizes, over the pixel limit, zero. */
    const char *detail;
    uint8_t *p = m.p;
    memcpy(p + 18, "\xff\xff\xff\x7f\x01\x00\x00\x00", 8);
    ck_assert_int_eq(decode_status(p, m.len, &detail), PHASH_ERR_TOO_LARGE);
    memcpy(p + 18, "\x20\x4e\x00\x00\x20\x4e\x00\x00", 8); /* 20000 x 20000 */
    ck_assert_int_eq(decode_status(p, m.len, &detail), PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(detail, "20000x20000"));
    memcpy(p + 18, "\x00\x00\x00\x00\x20\x00\x00\x00", 8);
    ck_assert_int_eq(decode_status(p, m.len, &detail), PHASH_ERR_CORRUPT);
    memcpy(p + 18, "\x28\x00\x00\x00\x20\x00\x00\x00", 8);
    memcpy(p + 30, "\x04\x00\x00\x00", 4); /* embedded JPEG */
    ck_assert_int_eq(decode_status(p, m.len, &detail), PHASH_ERR_UNSUPPORTED);
    free(m.p);
    free(rgb);
}
END_TEST

/* ---- the references' decoder ----------------------------------------------- */

#ifndef _WIN32 /* ImageMagick through popen */
/* ImageMagick (the PDQ reference's decoder, and pHash's through CImg)
 * decodes the committed seeds of each new format to the same pixels. Not
 * compared: lossy formats (another library), 16-bit (the low-byte policy
 * on purpose), palette TIFFs (ImageMagick rounds some 16-bit map entries
 * one lower). */
START_TEST(seeds_equal_imagemagick)
{
    ck_assert_msg(system("convert -version >/dev/null 2>&1") == 0,
                  "ImageMagick's convert not found: install imagemagick (.ci/install-deps)");
    static const char *files[] = {
#if PH_HAVE_GIF
        "gif/plain.gif", "gif/grey-interlaced.gif", "gif/transparent.gif", "gif/animated.gif",
#endif
#if PH_HAVE_TIFF
        "tiff/rgb-lzw.tif", "tiff/rgb-deflate-tiled.tif", "tiff/cmyk.tif", "tiff/planar.tif",
        "tiff/bilevel-g4.tif", "tiff/rgba.tif", "tiff/two-pages.tif", "tiff/jpeg-ycbcr.tif",
#endif
        "bmp/rgb24.bmp", "bmp/v3-rgb24.bmp", "bmp/pal8-rle.bmp", "bmp/pal4-rle.bmp",
        "bmp/pal1.bmp", "bmp/os2.bmp", "bmp/rgba32.bmp", "bmp/rgb565.bmp", "bmp/pil-rgb24.bmp"};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[256], cmd[4200];
        snprintf(rel, sizeof rel, "tests/fuzz/corpus/%s", files[i]);
        const char *path = source_path(rel);
        size_t len;
        uint8_t *data = read_file_bytes(path, &len);
        decoded d = decode_buf(dec, data, len);
        ck_assert_msg(d.st == PHASH_OK, "%s: %s", files[i], phash_decoder_last_error(dec));
        snprintf(cmd, sizeof cmd, "convert '%s[0]' -depth 8 ppm:-", path);
        unsigned w = 0, h = 0;
        uint8_t *ref = ppm_from_command(cmd, &w, &h);
        ck_assert_uint_eq(d.w, w);
        ck_assert_uint_eq(d.h, h);
        for (size_t k = 0; k < (size_t)w * h; k++)
            for (uint32_t c = 0; c < 3; c++) {
                uint8_t v = d.px[k * d.ch + (d.ch == 3 ? c : 0)];
                ck_assert_msg(v == ref[3 * k + c], "%s: pixel %zu channel %u: %u, ImageMagick %u",
                              files[i], k, c, v, ref[3 * k + c]);
            }
        free(ref);
        free(d.px);
        free(data);
    }
    phash_decoder_free(dec);
}
END_TEST
#endif

/* Each format is supported exactly when this build has it (meson options
 * gif, tiff, heif, avif, jxl; BMP always); one left out is sniffed as what
 * it is and refused as unsupported, with its name in the detail. */
START_TEST(new_formats_supported)
{
    static const struct {
        phash_format fmt;
        int built;
        const char *seed;
    } fmts[] = {{PHASH_FORMAT_GIF, PH_HAVE_GIF, "gif/plain.gif"},
                {PHASH_FORMAT_TIFF, PH_HAVE_TIFF, "tiff/rgb-lzw.tif"},
                {PHASH_FORMAT_HEIF, PH_HAVE_HEIF, "heif/plain.heic"},
                {PHASH_FORMAT_AVIF, PH_HAVE_AVIF, "avif/plain.avif"},
                {PHASH_FORMAT_JXL, PH_HAVE_JXL, "jxl/rgb.jxl"},
                {PHASH_FORMAT_BMP, 1, "bmp/rgb24.bmp"}};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        const char *name = phash_format_name(fmts[i].fmt);
        ck_assert_msg(phash_format_supported(fmts[i].fmt) == fmts[i].built, "%s", name);
        if (!fmts[i].seed)
            continue;
        char rel[256];
        snprintf(rel, sizeof rel, "tests/fuzz/corpus/%s", fmts[i].seed);
        size_t len;
        uint8_t *data = read_file_bytes(source_path(rel), &len);
        ck_assert_int_eq(phash_sniff(data, len), fmts[i].fmt);
        decoded d = decode_buf(dec, data, len);
        if (fmts[i].built) {
            ck_assert_msg(d.st == PHASH_OK, "%s: %s", name, phash_decoder_last_error(dec));
        } else {
            ck_assert_int_eq(d.st, PHASH_ERR_UNSUPPORTED);
            ck_assert_msg(strstr(phash_decoder_last_error(dec), name), "%s: %s", name,
                          phash_decoder_last_error(dec));
        }
        free(d.px);
        free(data);
    }
    phash_decoder_free(dec);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode_extra");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, new_formats_supported);
#if PH_HAVE_GIF
    tcase_add_test(tc, gif_equals_png);
    tcase_add_test(tc, gif_first_frame_animated_transparent);
    tcase_add_test(tc, gif_truncated);
    tcase_add_test(tc, gif_absurd_dimensions);
#endif
#if PH_HAVE_TIFF
    tcase_add_test(tc, tiff_equals_png);
    tcase_add_test(tc, tiff_depths_palettes_miniswhite);
    tcase_add_test(tc, tiff_cmyk_alpha_orientation_pages);
    tcase_add_test(tc, tiff_truncated_and_absurd);
#endif
    tcase_add_test(tc, bmp_equals_png);
    tcase_add_test(tc, bmp_bitfields_scaling);
    tcase_add_test(tc, bmp_truncated_and_absurd);
#ifndef _WIN32 /* ImageMagick's convert, run through popen */
    tcase_add_test(tc, seeds_equal_imagemagick);
#endif
    suite_add_tcase(s, tc);
    return run_suite(s);
}
