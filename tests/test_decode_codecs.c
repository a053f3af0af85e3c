/* SPDX-License-Identifier: MIT */
/* The decoders of HEIF, AVIF and JPEG XL (lib/decode/): pictures encoded
 * here through libheif (x265), libavif (libaom, lossless) and libjxl
 * (lossless) decode to the pixels of the same picture saved as PNG
 * (exactly for the lossless ones); transformations and orientation,
 * sequences, truncation and limits. Not in suite 'c': x265 and libaom are
 * slow and report their own uninitialised reads under valgrind; the
 * decoders themselves run under valgrind through the fuzz regression
 * drivers over tests/fuzz/corpus/{heif,avif,jxl}. */
#include <avif/avif.h>
#include <jxl/encode.h>
#include <libheif/heif.h>

#include "decode_testlib.h"

/* ---- HEIF (lossy HEVC: close to the source) --------------------------------- */

static struct heif_error heif_write_cb(struct heif_context *ctx, const void *data, size_t size,
                                       void *user)
{
    (void)ctx;
    mb_put(user, data, size);
    struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
    return ok;
}

static membuf heif_file(const uint8_t *rgb, uint32_t w, uint32_t h, int images)
{
    struct heif_context *ctx = heif_context_alloc();
    struct heif_encoder *enc = NULL;
    ck_assert_int_eq(heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc).code,
                     heif_error_Ok);
    heif_encoder_set_lossy_quality(enc, 95);
    for (int i = 0; i < images; i++) {
        struct heif_image *img = NULL;
        ck_assert_int_eq(heif_image_create((int)w, (int)h, heif_colorspace_RGB,
                                           heif_chroma_interleaved_RGB, &img).code, heif_error_Ok);
        ck_assert_int_eq(heif_image_add_plane(img, heif_channel_interleaved, (int)w, (int)h, 8).code,
                         heif_error_Ok);
        int stride = 0;
        uint8_t *p = heif_image_get_plane(img, heif_channel_interleaved, &stride);
        for (uint32_t y = 0; y < h; y++)
            memcpy(p + (size_t)y * (size_t)stride, rgb + (size_t)y * w * 3, (size_t)w * 3);
        ck_assert_int_eq(heif_context_encode_image(ctx, img, enc, NULL, NULL).code, heif_error_Ok);
        heif_image_release(img);
    }
    heif_encoder_release(enc);
    membuf m = {0};
    struct heif_writer wr = {1, heif_write_cb};
    ck_assert_int_eq(heif_context_write(ctx, &wr, &m).code, heif_error_Ok);
    heif_context_free(ctx);
    return m;
}

static double mean_abs(const uint8_t *a, const uint8_t *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    return s / (double)n;
}

START_TEST(heif_close_to_source)
{
    const uint32_t w = 64, h = 48;
    uint8_t *rgb = test_picture(w, h, 3, 21);
    for (size_t i = 0; i < (size_t)w * h; i++) /* blue unlike red: a swap shows */
        rgb[3 * i + 2] = (uint8_t)(255 - rgb[3 * i + 2]);
    membuf m = heif_file(rgb, w, h, 1);
    ck_assert_int_eq(phash_sniff(m.p, m.len), PHASH_FORMAT_HEIF);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    decoded d = decode_buf(dec, m.p, m.len);
    ck_assert_msg(d.st == PHASH_OK, "%s", phash_decoder_last_error(dec));
    ck_assert_uint_eq(d.w, w);
    ck_assert_uint_eq(d.h, h);
    ck_assert_uint_eq(d.ch, 3);
    ck_assert_uint_eq(d.flags, 0);
    double diff = mean_abs(d.px, rgb, (size_t)w * h * 3);
    ck_assert_msg(diff < 10.0, "mean difference %.2f", diff); /* noisy picture, lossy codec */
    free(d.px);
    /* Cut: libheif cannot decode part of a file. */
    d = decode_buf(dec, m.p, m.len * 3 / 4);
    ck_assert_int_eq(d.st, PHASH_ERR_TRUNCATED);
    const char *detail;
    /* Cut inside the meta box: the box reader sees it before libheif. */
    ck_assert_int_eq(decode_status(m.p, 40, &detail), PHASH_ERR_TRUNCATED);
    ck_assert_msg(strstr(detail, "HEIF: 'meta' box of "), "%s", detail);
    /* A limit under the image size is refused before decoding. */
    phash_limits lim;
    phash_limits_default(&lim);
    lim.max_pixels = 1000;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_ERR_TOO_LARGE);
    free(m.p);
    m = heif_file(rgb, w, h, 2);
    phash_limits_default(&lim);
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_OK);
    ck_assert_uint_eq(d.flags, PHASH_IMAGE_ANIMATED);
    free(d.px);
    free(m.p);
    free(rgb);
    phash_decoder_free(dec);
}
END_TEST

/* ---- AVIF (lossless: identity matrix, 4:4:4, full range) ---------------------- */

typedef struct avif_opts {
    int grey, frames, irot, imir; /* irot/imir: -1 none */
} avif_opts;

static membuf avif_file(const uint8_t *px, uint32_t w, uint32_t h, avif_opts o)
{
    avifImage *im = avifImageCreate(w, h, 8, o.grey ? AVIF_PIXEL_FORMAT_YUV400 : AVIF_PIXEL_FORMAT_YUV444);
    /* Identity keeps RGB exactly (4:4:4 only); grey through BT.601 weights
     * that sum to 1. */
    im->matrixCoefficients = o.grey ? AVIF_MATRIX_COEFFICIENTS_BT601 : AVIF_MATRIX_COEFFICIENTS_IDENTITY;
    im->yuvRange = AVIF_RANGE_FULL;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (int c = 0; c < 3; c++)
            rgb[3 * i + c] = o.grey ? px[i] : px[3 * i + c];
    avifRGBImage r;
    avifRGBImageSetDefaults(&r, im);
    r.format = AVIF_RGB_FORMAT_RGB;
    r.depth = 8;
    r.pixels = rgb;
    r.rowBytes = w * 3;
    ck_assert_int_eq(avifImageRGBToYUV(im, &r), AVIF_RESULT_OK);
    if (o.irot >= 0) {
        im->transformFlags |= AVIF_TRANSFORM_IROT;
        im->irot.angle = (uint8_t)o.irot;
    }
    if (o.imir >= 0) {
        im->transformFlags |= AVIF_TRANSFORM_IMIR;
        im->imir.mode = (uint8_t)o.imir;
    }
    avifEncoder *e = avifEncoderCreate();
    e->codecChoice = AVIF_CODEC_CHOICE_AOM;
    e->minQuantizer = e->maxQuantizer = AVIF_QUANTIZER_LOSSLESS;
    e->speed = 9;
    for (int i = 0; i < o.frames; i++)
        ck_assert_int_eq(avifEncoderAddImage(e, im, 1, o.frames > 1 ? AVIF_ADD_IMAGE_FLAG_NONE
                                                                     : AVIF_ADD_IMAGE_FLAG_SINGLE),
                         AVIF_RESULT_OK);
    avifRWData out = AVIF_DATA_EMPTY;
    ck_assert_int_eq(avifEncoderFinish(e, &out), AVIF_RESULT_OK);
    membuf m = {0};
    mb_put(&m, out.data, out.size);
    avifRWDataFree(&out);
    avifEncoderDestroy(e);
    avifImageDestroy(im);
    free(rgb);
    return m;
}

START_TEST(avif_equals_png)
{
    const uint32_t w = 45, h = 31;
    uint8_t *rgb = test_picture(w, h, 3, 31), *grey = test_picture(w, h, 1, 32);
    membuf m = avif_file(rgb, w, h, (avif_opts){0, 1, -1, -1});
    ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_AVIF, rgb, w, h, 3, "AVIF"), 0);
    free(m.p);
    m = avif_file(grey, w, h, (avif_opts){1, 1, -1, -1});
    assert_equals_png(m.p, m.len, PHASH_FORMAT_AVIF, grey, w, h, 1, "AVIF grey");
    free(m.p);
    /* A sequence: the first frame, flagged. */
    m = avif_file(rgb, w, h, (avif_opts){0, 2, -1, -1});
    ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_AVIF, rgb, w, h, 3, "AVIF sequence"),
                      PHASH_IMAGE_ANIMATED);
    free(m.p);
    free(rgb);
    free(grey);
}
END_TEST

/* irot/imir are reported as the EXIF orientation asking for the same
 * display, and applied on request like JPEG's. */
START_TEST(avif_transformations_reported)
{
    const uint32_t w = 6, h = 4;
    uint8_t *rgb = test_picture(w, h, 3, 33);
    static const struct { int irot, imir, exif; } cases[] = {
        {-1, -1, 1}, {1, -1, 8}, {2, -1, 3}, {3, -1, 6}, {-1, 0, 4}, {-1, 1, 2}, {1, 0, 5}, {1, 1, 7}};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        membuf m = avif_file(rgb, w, h, (avif_opts){0, 1, cases[i].irot, cases[i].imir});
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_APPLY_ORIENTATION, 0), PHASH_OK);
        decoded d = decode_buf(dec, m.p, m.len);
        ck_assert_int_eq(d.st, PHASH_OK);
        ck_assert_msg(d.orientation == cases[i].exif, "irot %d imir %d: %d", cases[i].irot,
                      cases[i].imir, d.orientation);
        ck_assert(!memcmp(d.px, rgb, (size_t)w * h * 3)); /* stored pixels */
        free(d.px);
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_APPLY_ORIENTATION, 1), PHASH_OK);
        d = decode_buf(dec, m.p, m.len);
        ck_assert_uint_eq(d.w, cases[i].exif >= 5 ? h : w);
        free(d.px);
        free(m.p);
    }
    free(rgb);
    phash_decoder_free(dec);
}
END_TEST

/* HEIF's irot/imir (files of tests/data/isobmff, made by
 * tests/make_isobmff_samples.py from sample.heic) are read from the boxes
 * and reported as the EXIF orientation asking for the same display: by
 * default libheif applies them (PHASH_IMAGE_ORIENTED) and
 * PHASH_ORIENTATION_APPLY does not apply them twice; with
 * PHASH_ORIENTATION_STORED the stored pixels come back, and rotating them
 * by the reported orientation gives exactly libheif's picture. imir as
 * libheif 1.15 and libavif 0.11 apply it: 0 exchanges top and bottom, 1
 * left and right; the order of irot and imir in ipma counts. */
static decoded decode_heif_file(phash_decoder *dec, const char *name, int mode)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/isobmff/%s", name);
    size_t len;
    uint8_t *data = read_file_bytes(source_path(rel), &len);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_APPLY_ORIENTATION, mode), PHASH_OK);
    decoded d = decode_buf(dec, data, len);
    ck_assert_msg(d.st == PHASH_OK, "%s: %s", name, phash_decoder_last_error(dec));
    free(data);
    return d;
}

START_TEST(heif_transformations_reported)
{
    static const struct {
        const char *file;
        int exif;
    } cases[] = {{"sample-rot0.heic", 1},      {"sample-rot1.heic", 8},
                 {"sample-rot2.heic", 3},      {"sample-rot3.heic", 6},
                 {"sample-rot0-mir0.heic", 4}, {"sample-rot0-mir1.heic", 2},
                 {"sample-rot1-mir0.heic", 5}, {"sample-rot1-mir1.heic", 7},
                 {"sample-rot2-mir0.heic", 2}, {"sample-rot2-mir1.heic", 4},
                 {"sample-rot3-mir0.heic", 7}, {"sample-rot3-mir1.heic", 5},
                 {"sample-mir0-rot1.heic", 7}, {"sample-mir1-rot1.heic", 5}};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    size_t len;
    uint8_t *plain = read_file_bytes(source_path("tests/data/containers/sample.heic"), &len);
    decoded ref = decode_buf(dec, plain, len);
    ck_assert_int_eq(ref.st, PHASH_OK);
    free(plain);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *f = cases[i].file;
        int o = cases[i].exif;
        decoded shown = decode_heif_file(dec, f, PHASH_ORIENTATION_REPORT);
        ck_assert_msg(shown.orientation == o, "%s: orientation %d", f, shown.orientation);
        ck_assert_uint_eq(shown.flags & PHASH_IMAGE_ORIENTED, o != 1 ? PHASH_IMAGE_ORIENTED : 0);
        ck_assert_uint_eq(shown.w, o >= 5 ? 60 : 96);
        decoded applied = decode_heif_file(dec, f, PHASH_ORIENTATION_APPLY);
        ck_assert_int_eq(applied.orientation, o);
        ck_assert(applied.w == shown.w && !memcmp(applied.px, shown.px, (size_t)96 * 60 * 3));
        decoded stored = decode_heif_file(dec, f, PHASH_ORIENTATION_STORED);
        ck_assert_int_eq(stored.orientation, o);
        ck_assert_uint_eq(stored.flags & PHASH_IMAGE_ORIENTED, 0);
        ck_assert(stored.w == 96 && !memcmp(stored.px, ref.px, (size_t)96 * 60 * 3));
        /* Rotating the stored pixels (still the decoder's image) as
         * reported gives libheif's picture. */
        ck_assert_int_eq(ph_apply_orientation(dec), PHASH_OK);
        ck_assert_msg(dec->img.width == shown.w &&
                          !memcmp(dec->img.pixels, shown.px, (size_t)96 * 60 * 3),
                      "%s: stored pixels rotated by orientation %d differ from libheif's", f, o);
        free(shown.px);
        free(applied.px);
        free(stored.px);
    }
    /* clap (64x40 at the centre) then irot: libheif crops and turns by
     * default; the stored pixels are the whole picture. */
    decoded shown = decode_heif_file(dec, "sample-clap-rot1.heic", PHASH_ORIENTATION_REPORT);
    ck_assert(shown.w == 40 && shown.h == 64 && shown.orientation == 8);
    decoded stored = decode_heif_file(dec, "sample-clap-rot1.heic", PHASH_ORIENTATION_STORED);
    ck_assert(stored.w == 96 && stored.h == 60 && stored.orientation == 8);
    ck_assert(!memcmp(stored.px, ref.px, (size_t)96 * 60 * 3));
    free(shown.px);
    free(stored.px);
    free(ref.px);
    phash_decoder_free(dec);
}
END_TEST

START_TEST(avif_truncated_and_limits)
{
    const uint32_t w = 64, h = 64;
    uint8_t *rgb = test_picture(w, h, 3, 34);
    membuf m = avif_file(rgb, w, h, (avif_opts){0, 1, -1, -1});
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    decoded d = decode_buf(dec, m.p, m.len * 3 / 4);
    ck_assert_int_eq(d.st, PHASH_ERR_TRUNCATED);
    phash_limits lim;
    phash_limits_default(&lim);
    lim.max_width = 32;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_ERR_TOO_LARGE);
    free(m.p);
    free(rgb);
    phash_decoder_free(dec);
}
END_TEST

/* ---- JPEG XL (lossless) ------------------------------------------------------ */

static membuf jxl_file(const void *px, uint32_t w, uint32_t h, uint32_t ch, int bits,
                       uint32_t orientation)
{
    JxlEncoder *enc = JxlEncoderCreate(NULL);
    JxlBasicInfo bi;
    JxlEncoderInitBasicInfo(&bi);
    bi.xsize = w;
    bi.ysize = h;
    bi.bits_per_sample = (uint32_t)bits;
    bi.num_color_channels = ch;
    bi.uses_original_profile = JXL_TRUE;
    bi.orientation = (JxlOrientation)orientation;
    ck_assert_int_eq(JxlEncoderSetBasicInfo(enc, &bi), JXL_ENC_SUCCESS);
    JxlColorEncoding ce;
    JxlColorEncodingSetToSRGB(&ce, ch == 1);
    ck_assert_int_eq(JxlEncoderSetColorEncoding(enc, &ce), JXL_ENC_SUCCESS);
    JxlEncoderFrameSettings *fs = JxlEncoderFrameSettingsCreate(enc, NULL);
    ck_assert_int_eq(JxlEncoderSetFrameLossless(fs, JXL_TRUE), JXL_ENC_SUCCESS);
    JxlPixelFormat pf = {ch, bits > 8 ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
    size_t n = (size_t)w * h * ch * (bits > 8 ? 2 : 1);
    ck_assert_int_eq(JxlEncoderAddImageFrame(fs, &pf, px, n), JXL_ENC_SUCCESS);
    JxlEncoderCloseInput(enc);
    membuf m = {0};
    m.cap = 1 << 16;
    m.p = malloc(m.cap);
    for (;;) {
        uint8_t *next = m.p + m.len;
        size_t avail = m.cap - m.len;
        JxlEncoderStatus st = JxlEncoderProcessOutput(enc, &next, &avail);
        m.len = (size_t)(next - m.p);
        if (st == JXL_ENC_SUCCESS)
            break;
        ck_assert_int_eq(st, JXL_ENC_NEED_MORE_OUTPUT);
        m.cap *= 2;
        m.p = realloc(m.p, m.cap);
    }
    JxlEncoderDestroy(enc);
    return m;
}

START_TEST(jxl_equals_png)
{
    const uint32_t w = 45, h = 31;
    uint8_t *rgb = test_picture(w, h, 3, 41), *grey = test_picture(w, h, 1, 42);
    membuf m = jxl_file(rgb, w, h, 3, 8, 1);
    ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_JXL, rgb, w, h, 3, "JPEG XL"), 0);
    free(m.p);
    m = jxl_file(grey, w, h, 1, 8, 1);
    assert_equals_png(m.p, m.len, PHASH_FORMAT_JXL, grey, w, h, 1, "JPEG XL grey");
    free(m.p);
    /* 16-bit: the low byte, like a 16-bit PNG of the same samples. */
    size_t n = (size_t)w * h * 3;
    uint16_t *s16 = malloc(n * 2);
    uint8_t *low = malloc(n);
    for (size_t i = 0; i < n; i++) {
        s16[i] = (uint16_t)(i * 7919u + 13u);
        low[i] = (uint8_t)s16[i];
    }
    m = jxl_file(s16, w, h, 3, 16, 1);
    ck_assert_uint_eq(assert_equals_png(m.p, m.len, PHASH_FORMAT_JXL, low, w, h, 3, "JPEG XL 16-bit"),
                      PHASH_IMAGE_SIXTEEN_BIT);
    free(m.p);
    /* The orientation of the header is reported; the pixels are as stored. */
    m = jxl_file(rgb, w, h, 3, 8, 6);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    decoded d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_OK);
    ck_assert_int_eq(d.orientation, 6);
    ck_assert_uint_eq(d.w, w);
    ck_assert(!memcmp(d.px, rgb, n));
    free(d.px);
    /* Truncated: an error by default; the flushed part on request. */
    d = decode_buf(dec, m.p, m.len / 2);
    ck_assert_int_eq(d.st, PHASH_ERR_TRUNCATED);
    free(m.p);
    free(s16);
    free(low);
    free(rgb);
    free(grey);
    phash_decoder_free(dec);
}
END_TEST

START_TEST(jxl_limits)
{
    const uint32_t w = 300, h = 200;
    uint8_t *rgb = test_picture(w, h, 3, 43);
    membuf m = jxl_file(rgb, w, h, 3, 8, 1);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    phash_limits lim;
    phash_limits_default(&lim);
    lim.max_pixels = 50000;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    decoded d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_ERR_TOO_LARGE);
    /* The memory limit covers libjxl's working memory too. */
    phash_limits_default(&lim);
    lim.max_memory = (uint64_t)w * h * 3 + 1000;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    d = decode_buf(dec, m.p, m.len);
    ck_assert_int_eq(d.st, PHASH_ERR_TOO_LARGE);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_ALLOW_TRUNCATED, 1), PHASH_OK);
    phash_limits_default(&lim);
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    d = decode_buf(dec, m.p, m.len * 2 / 3);
    ck_assert_msg(d.st == PHASH_OK, "%s", phash_decoder_last_error(dec));
    ck_assert_uint_eq(d.flags & PHASH_IMAGE_TRUNCATED, PHASH_IMAGE_TRUNCATED);
    free(d.px);
    free(m.p);
    free(rgb);
    phash_decoder_free(dec);
}
END_TEST

/* --write-seeds DIR: the JPEG XL seeds of the fuzz corpus
 * (tests/fuzz/make_format_corpus.py reads them from there). A test case,
 * as Check's assertions in the encoders want one. */
static const char *g_seed_dir;

START_TEST(write_seeds)
{
    const char *dir = g_seed_dir;
    const uint32_t w = 40, h = 30;
    uint8_t *rgb = test_picture(w, h, 3, 71), *grey = test_picture(w, h, 1, 72);
    uint16_t *s16 = malloc((size_t)w * h * 3 * 2);
    for (size_t i = 0; i < (size_t)w * h * 3; i++)
        s16[i] = (uint16_t)(i * 7919u + 13u);
    struct { const char *name; membuf m; } seeds[] = {
        {"rgb.jxl", jxl_file(rgb, w, h, 3, 8, 1)},
        {"grey.jxl", jxl_file(grey, w, h, 1, 8, 1)},
        {"rgb16.jxl", jxl_file(s16, w, h, 3, 16, 1)},
        {"rotated.jxl", jxl_file(rgb, w, h, 3, 8, 6)},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, seeds[i].name);
        FILE *f = fopen(path, "wb");
        ck_assert_msg(f != NULL, "cannot write %s", path);
        ck_assert_uint_eq(fwrite(seeds[i].m.p, 1, seeds[i].m.len, f), seeds[i].m.len);
        fclose(f);
        free(seeds[i].m.p);
    }
    free(rgb);
    free(grey);
    free(s16);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("decode_codecs");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    if (argc == 3 && !strcmp(argv[1], "--write-seeds")) {
        g_seed_dir = argv[2];
        tcase_add_test(tc, write_seeds);
        suite_add_tcase(s, tc);
        return run_suite(s);
    }
    tcase_add_test(tc, heif_close_to_source);
    tcase_add_test(tc, avif_equals_png);
    tcase_add_test(tc, avif_transformations_reported);
    tcase_add_test(tc, heif_transformations_reported);
    tcase_add_test(tc, avif_truncated_and_limits);
    tcase_add_test(tc, jxl_equals_png);
    tcase_add_test(tc, jxl_limits);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
