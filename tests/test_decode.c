/* SPDX-License-Identifier: MIT */
/* Decoding (lib/decode*.c, sniff.c, exif.c): every file of the shared
 * formats folder, pixels against libjpeg-turbo/libpng decodes, limits,
 * truncation, options, orientation. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "decode/decode.h"
#include "phash/phash.h"
#include "testutil.h"

#include "decode_formats.h"

#define N_CASES (sizeof FORMAT_CASES / sizeof FORMAT_CASES[0])

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static const char *formats_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s", shared_path("testdata/formats"));
    size_t n = strlen(buf);
    snprintf(buf + n, sizeof buf - n, "/%s", rel);
    return buf;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static int is_jpeg_name(const char *p) { return ends_with(p, ".jpg") || ends_with(p, ".jpeg"); }

/* Decode a file of the formats folder and return a malloc'd copy of its
 * pixels (*n bytes): the decoder's own buffer is reused by the next call. */
static uint8_t *decode_copy(phash_decoder *dec, const char *rel, size_t *n)
{
    const phash_image *img;
    ck_assert_int_eq(phash_decode_file(dec, formats_path(rel), &img), PHASH_OK);
    *n = (size_t)phash_image_width(img) * phash_image_height(img) * phash_image_channels(img);
    uint8_t *copy = malloc(*n);
    memcpy(copy, phash_image_pixels(img), *n);
    return copy;
}

/* ---- the formats table ------------------------------------------------- */

START_TEST(formats_table_outcomes)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    ck_assert_ptr_nonnull(dec);
    for (size_t i = 0; i < N_CASES; i++) {
        const format_case *c = &FORMAT_CASES[i];
        const phash_image *img = (const phash_image *)1;
        phash_status st = phash_decode_file(dec, formats_path(c->path), &img);
        ck_assert_msg(st == c->status, "%s: status %d (%s), expected %d", c->path, st,
                      phash_decoder_last_error(dec), c->status);
        if (st != PHASH_OK) {
            ck_assert_ptr_null(img);
            ck_assert_msg(strlen(phash_decoder_last_error(dec)) > 0, "%s: no detail", c->path);
            continue;
        }
        ck_assert_msg(phash_image_width(img) == c->width && phash_image_height(img) == c->height &&
                          phash_image_channels(img) == c->channels,
                      "%s: %ux%ux%u, expected %ux%ux%u", c->path, phash_image_width(img),
                      phash_image_height(img), phash_image_channels(img), c->width, c->height,
                      c->channels);
        ck_assert_msg(phash_image_orientation(img) == c->orientation, "%s: orientation %d",
                      c->path, phash_image_orientation(img));
        ck_assert_msg(phash_image_flags(img) == c->flags, "%s: flags 0x%x, expected 0x%x",
                      c->path, phash_image_flags(img), c->flags);
        ck_assert_uint_eq(phash_image_stride(img), (size_t)c->width * c->channels);
        phash_format want = is_jpeg_name(c->path)    ? PHASH_FORMAT_JPEG
                            : ends_with(c->path, ".png") ? PHASH_FORMAT_PNG
                                                         : PHASH_FORMAT_WEBP;
        ck_assert_int_eq(phash_image_format(img), want);
    }
    phash_decoder_free(dec);
}
END_TEST

static int in_table(const char *rel)
{
    for (size_t i = 0; i < N_CASES; i++)
        if (!strcmp(FORMAT_CASES[i].path, rel))
            return 1;
    return 0;
}

/* Every file of the folder (one level of subfolders) has a row. */
START_TEST(formats_table_is_complete)
{
    char root[4096];
    snprintf(root, sizeof root, "%s", shared_path("testdata/formats"));
    DIR *d = opendir(root);
    ck_assert_msg(d != NULL, "cannot list %s", root);
    size_t seen = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096 + 512];
        snprintf(path, sizeof path, "%s/%s", root, e->d_name);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        if (!S_ISDIR(st.st_mode)) {
            ck_assert_msg(in_table(e->d_name), "%s has no expected outcome", e->d_name);
            seen++;
            continue;
        }
        DIR *sub = opendir(path);
        ck_assert_ptr_nonnull(sub);
        struct dirent *f;
        while ((f = readdir(sub))) {
            if (f->d_name[0] == '.')
                continue;
            char rel[1024];
            snprintf(rel, sizeof rel, "%s/%s", e->d_name, f->d_name);
            ck_assert_msg(in_table(rel), "%s has no expected outcome", rel);
            seen++;
        }
        closedir(sub);
    }
    closedir(d);
    ck_assert_uint_eq(seen, N_CASES);
}
END_TEST

/* ---- JPEG pixels against libjpeg-turbo ---------------------------------- */

typedef struct ref_err {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
} ref_err;

static void ref_error_exit(j_common_ptr c) { longjmp(((ref_err *)c->err)->jmp, 1); }
static void ref_output(j_common_ptr c) { (void)c; }

/* A straight libjpeg decode with the library defaults (scale_num/8, and the
 * raw CMYK output for 4-component files). Returns malloc'd pixels. */
static uint8_t *libjpeg_decode(const uint8_t *data, size_t len, unsigned scale_num, uint32_t *w,
                               uint32_t *h, uint32_t *ch)
{
    struct jpeg_decompress_struct d;
    ref_err err;
    d.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = ref_error_exit;
    err.pub.output_message = ref_output;
    uint8_t *volatile out = NULL;
    if (setjmp(err.jmp)) {
        jpeg_destroy_decompress(&d);
        free(out);
        return NULL;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, (unsigned long)len);
    jpeg_read_header(&d, TRUE);
    d.scale_num = scale_num;
    d.scale_denom = 8;
    jpeg_start_decompress(&d);
    *w = d.output_width;
    *h = d.output_height;
    *ch = (uint32_t)d.output_components;
    size_t stride = (size_t)*w * *ch;
    out = malloc(stride * *h);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = out + (size_t)d.output_scanline * stride;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return out;
}

static void assert_same_as_libjpeg(phash_decoder *dec, const char *path, unsigned scale_num)
{
    size_t len;
    uint8_t *data = read_all(path, &len);
    uint32_t w, h, ch;
    uint8_t *ref = libjpeg_decode(data, len, scale_num, &w, &h, &ch);
    ck_assert_msg(ref != NULL, "%s: libjpeg failed", path);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    ck_assert_msg(phash_image_width(img) == w && phash_image_height(img) == h &&
                      phash_image_channels(img) == ch,
                  "%s: %ux%ux%u vs libjpeg %ux%ux%u", path, phash_image_width(img),
                  phash_image_height(img), phash_image_channels(img), w, h, ch);
    ck_assert_msg(!memcmp(phash_image_pixels(img), ref, (size_t)w * h * ch),
                  "%s: pixels differ from libjpeg", path);
    free(ref);
    free(data);
}

START_TEST(jpeg_pixels_equal_libjpeg)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    unsigned n = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        const format_case *c = &FORMAT_CASES[i];
        if (c->status != PHASH_OK || !is_jpeg_name(c->path) || (c->flags & PHASH_IMAGE_CMYK))
            continue;
        assert_same_as_libjpeg(dec, formats_path(c->path), 8);
        n++;
    }
    ck_assert_uint_ge(n, 50);
    phash_decoder_free(dec);
}
END_TEST

#ifndef _WIN32 /* djpeg through popen */
/* Parse a binary PNM (P5/P6, maxval 255) from djpeg. */
static uint8_t *run_djpeg(const char *args, const char *path, uint32_t *w, uint32_t *h,
                          uint32_t *ch)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "djpeg %s -pnm '%s' 2>/dev/null", args, path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char magic[3] = {0};
    unsigned maxval = 0;
    uint8_t *pix = NULL;
    if (fscanf(p, "%2s %u %u %u", magic, w, h, &maxval) == 4 && maxval == 255 &&
        fgetc(p) != EOF) {
        *ch = !strcmp(magic, "P6") ? 3 : 1;
        size_t n = (size_t)*w * *h * *ch;
        pix = malloc(n);
        if (fread(pix, 1, n, p) != n) {
            free(pix);
            pix = NULL;
        }
    }
    pclose(p);
    return pix;
}

/* libjpeg-turbo's own command-line decode (libjpeg-turbo-progs), byte for
 * byte: the same output the hash references were measured with. */
START_TEST(jpeg_pixels_equal_djpeg)
{
    ck_assert_msg(system("djpeg -version >/dev/null 2>&1") == 0,
                  "djpeg not found: install libjpeg-turbo-progs (.ci/install-deps)");
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    unsigned n = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        const format_case *c = &FORMAT_CASES[i];
        if (c->status != PHASH_OK || !is_jpeg_name(c->path) || (c->flags & PHASH_IMAGE_CMYK))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s", formats_path(c->path));
        uint32_t w, h, ch;
        uint8_t *ref = run_djpeg("", path, &w, &h, &ch);
        ck_assert_msg(ref != NULL, "%s: djpeg failed", path);
        const phash_image *img;
        ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
        ck_assert_uint_eq(phash_image_width(img), w);
        ck_assert_uint_eq(phash_image_height(img), h);
        ck_assert_uint_eq(phash_image_channels(img), ch);
        ck_assert_msg(!memcmp(phash_image_pixels(img), ref, (size_t)w * h * ch),
                      "%s: pixels differ from djpeg", c->path);
        free(ref);
        n++;
    }
    ck_assert_uint_ge(n, 50);
    phash_decoder_free(dec);
}
END_TEST
#endif

START_TEST(jpeg_scaled_decode_equals_libjpeg_scaling)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    static const int scales[] = {1, 2, 4};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_JPEG_SCALE, scales[i]),
                         PHASH_OK);
        assert_same_as_libjpeg(dec, formats_path("jpeg/flower.png.im_q85_420_R13B.jpg"),
                               (unsigned)scales[i]);
        assert_same_as_libjpeg(dec, formats_path("jpeg/video-001.progressive.jpeg"),
                               (unsigned)scales[i]);
    }
    const phash_image *img;
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_JPEG_SCALE, 4), PHASH_OK);
    ck_assert_int_eq(phash_decode_file(dec, formats_path("jpeg/video-001.jpeg"), &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_width(img), 75); /* ceil(150 / 2) */
    ck_assert_uint_eq(phash_image_height(img), 52);
    ck_assert_uint_eq(phash_image_flags(img), PHASH_IMAGE_SCALED);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_JPEG_SCALE, 3),
                     PHASH_ERR_INVALID_ARG);
    phash_decoder_free(dec);
}
END_TEST

/* ---- CMYK --------------------------------------------------------------- */

static double mean_abs_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += abs((int)a[i] - (int)b[i]);
    return s / (double)n;
}

START_TEST(cmyk_raw3_is_first_three_channels)
{
    const char *path = formats_path("jpeg/video-001.cmyk.jpeg");
    size_t len;
    uint8_t *data = read_all(path, &len);
    uint32_t w, h, ch;
    uint8_t *cmyk = libjpeg_decode(data, len, 8, &w, &h, &ch);
    ck_assert_uint_eq(ch, 4);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_CMYK_MODE, PHASH_CMYK_RAW3),
                     PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    const uint8_t *px = phash_image_pixels(img);
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (int c = 0; c < 3; c++)
            ck_assert_uint_eq(px[3 * i + c], cmyk[4 * i + c]);

    /* ImageMagick's conversion: inverted samples, R = C' K' / 255 rounded
     * through 16-bit quanta; never more than one off the exact product. */
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_CMYK_MODE, PHASH_CMYK_TO_RGB),
                     PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    px = phash_image_pixels(img);
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (int c = 0; c < 3; c++) {
            double exact = cmyk[4 * i + c] * (double)cmyk[4 * i + 3] / 255.0;
            ck_assert_msg(fabs(px[3 * i + c] - exact) <= 1.0, "pixel %zu: %u vs %.2f", i,
                          px[3 * i + c], exact);
        }
    free(cmyk);
    free(data);
    phash_decoder_free(dec);
}
END_TEST

/* Go's image/jpeg decode of the same file (its own Adobe-inverted CMYK
 * conversion) agrees closely with the ImageMagick formula. */
START_TEST(cmyk_to_rgb_matches_go_reference)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t n;
    uint8_t *go = decode_copy(dec, "jpeg/video-001.cmyk.png", &n);
    ck_assert_int_eq(phash_decode_file(dec, formats_path("jpeg/video-001.cmyk.jpeg"), &img),
                     PHASH_OK);
    double d = mean_abs_diff(go, phash_image_pixels(img), n);
    ck_assert_msg(d < 1.0, "mean difference %.3f", d);
    free(go);
    phash_decoder_free(dec);
}
END_TEST

/* ---- PNG pixels ---------------------------------------------------------- */

/* libpng's simplified API, 8-bit RGB or grey, no gamma (the files have no
 * gAMA/iCCP): an independent path through libpng. */
static uint8_t *libpng_simple(const char *path, uint32_t channels, uint32_t *w, uint32_t *h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    ck_assert(png_image_begin_read_from_file(&im, path));
    im.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(im));
    ck_assert(png_image_finish_read(&im, NULL, buf, 0, NULL));
    *w = im.width;
    *h = im.height;
    return buf;
}

START_TEST(synthetic_png_pixels_exact)
{
    static const char *files[] = {"syn-rgb-512x384.png", "syn-rgb-513x200.png",
                                  "syn-rgb-800x600.png", "syn-rgb-90x700.png"};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096], rel[256];
        snprintf(rel, sizeof rel, "testdata/pdq/synthetic/%s", files[i]);
        snprintf(path, sizeof path, "%s", shared_path(rel));
        const phash_image *img;
        ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
        uint32_t w, h;
        uint8_t *ref = libpng_simple(path, 3, &w, &h);
        ck_assert_uint_eq(phash_image_width(img), w);
        ck_assert_uint_eq(phash_image_height(img), h);
        ck_assert_uint_eq(phash_image_channels(img), 3);
        ck_assert_msg(!memcmp(phash_image_pixels(img), ref, (size_t)w * h * 3), "%s", files[i]);
        free(ref);
    }
    phash_decoder_free(dec);
}
END_TEST

/* PNM rasters are their raw samples: the decode equals the bytes after the
 * header (all the synthetic files are maxval 255, binary). */
START_TEST(synthetic_pnm_pixels_exact)
{
    static const char *files[] = {"syn-grey-200x150.pgm", "syn-grey-64x64.pgm",
                                  "syn-grey-flat-100x80.pgm", "syn-greyasrgb-200x150.ppm",
                                  "syn-rgb-127x129.ppm", "syn-rgb-256x128.ppm",
                                  "syn-rgb-300x200.ppm", "syn-rgb-5x5.ppm",
                                  "syn-rgb-64x64.ppm", "syn-rgb-7x4.ppm"};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "testdata/pdq/synthetic/%s", files[i]);
        size_t len;
        uint8_t *data = read_all(shared_path(rel), &len);
        const phash_image *img;
        ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
        ck_assert_int_eq(phash_image_format(img), PHASH_FORMAT_PNM);
        uint32_t want_ch = files[i][strlen(files[i]) - 2] == 'g' ? 1 : 3;
        ck_assert_uint_eq(phash_image_channels(img), want_ch);
        size_t n = (size_t)phash_image_width(img) * phash_image_height(img) * want_ch;
        ck_assert_msg(!memcmp(phash_image_pixels(img), data + len - n, n), "%s", files[i]);
        free(data);
    }
    phash_decoder_free(dec);
}
END_TEST

START_TEST(pnm_variants)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    /* ASCII grey with a comment, maxval 15: scaled with rounding. */
    static const char p2[] = "P2\n# c\n3 1\n15\n0 7 15\n";
    ck_assert_int_eq(phash_decode_memory(dec, p2, sizeof p2 - 1, &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_width(img), 3);
    const uint8_t *px = phash_image_pixels(img);
    ck_assert_uint_eq(px[0], 0);
    ck_assert_uint_eq(px[1], 119); /* (7 * 255 + 7) / 15 */
    ck_assert_uint_eq(px[2], 255);
    /* 16-bit binary: low byte by default, scaled on request. */
    static const char p5[] = "P5 2 1 65535\n\x12\x34\xff\xfe";
    ck_assert_int_eq(phash_decode_memory(dec, p5, sizeof p5 - 1, &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_pixels(img)[0], 0x34);
    ck_assert_uint_eq(phash_image_pixels(img)[1], 0xfe);
    ck_assert_uint_eq(phash_image_flags(img), PHASH_IMAGE_SIXTEEN_BIT);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_SIXTEEN_BIT, PHASH_SIXTEEN_BIT_SCALE), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, p5, sizeof p5 - 1, &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_pixels(img)[0], 0x12);
    ck_assert_uint_eq(phash_image_pixels(img)[1], 0xff);
    /* Truncated, bitmap, bad headers, huge sizes. */
    static const char p6[] = "P6 2 2 255\n\1\2\3\4\5\6";
    ck_assert_int_eq(phash_decode_memory(dec, p6, sizeof p6 - 1, &img), PHASH_ERR_TRUNCATED);
    ck_assert_int_eq(phash_decode_memory(dec, "P4 8 1\n\xff", 8, &img), PHASH_ERR_UNSUPPORTED);
    ck_assert_int_eq(phash_decode_memory(dec, "P6 2 x 255\n", 11, &img), PHASH_ERR_CORRUPT);
    ck_assert_int_eq(phash_decode_memory(dec, "P6 2 2 0\n", 9, &img), PHASH_ERR_CORRUPT);
    ck_assert_int_eq(phash_decode_memory(dec, "P6 2 2", 6, &img), PHASH_ERR_TRUNCATED);
    ck_assert_int_eq(phash_decode_memory(dec, "P6 60000 60000 255\n", 19, &img),
                     PHASH_ERR_TOO_LARGE);
    ck_assert_int_eq(phash_decode_memory(dec, "P6 0 5 255\n", 11, &img), PHASH_ERR_CORRUPT);
    phash_decoder_free(dec);
}
END_TEST

/* libpng's whole-image read (png_read_png) with the given transforms
 * (PNG_TRANSFORM_EXPAND: palettes, tRNS and low bit depths expanded, alpha
 * kept when the file has it). The samples must come out depth bits wide
 * (16: big-endian pairs). */
static uint8_t *libpng_read(const char *path, int transforms, int depth, uint32_t *w,
                            uint32_t *h, uint32_t *ch)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    png_init_io(png, f);
    png_read_png(png, info, transforms, NULL);
    *w = png_get_image_width(png, info);
    *h = png_get_image_height(png, info);
    *ch = png_get_channels(png, info);
    ck_assert_int_eq(png_get_bit_depth(png, info), depth);
    png_bytepp rows = png_get_rows(png, info);
    size_t rb = (size_t)*w * *ch * (size_t)(depth / 8);
    uint8_t *out = malloc(rb * *h);
    for (uint32_t y = 0; y < *h; y++)
        memcpy(out + y * rb, rows[y], rb);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return out;
}

/* Palettes, low bit depths, tRNS and interlacing: our decode equals libpng's
 * png_read_png expansion with the alpha channel (if any) left out. */
START_TEST(png_pixels_equal_libpng_expansion)
{
    static const char *files[] = {
        "jpeg/video-001.png",     "jpeg/video-005.gray.png", "pngsuite/basi3p08.png",
        "pngsuite/basn0g04.png",  "pngsuite/basi0g02.png",   "pngsuite/basn3p01.png",
        "pngsuite/basi6a08.png",  "pngsuite/basn4a08.png",   "pngsuite/tbbn3p08.png",
        "pngsuite/tbrn2c08.png",  "pngsuite/tbbn0g04.png",   "pngsuite/s35i3p04.png",
        "png/benchRGB-interlace.png", "png/p_trns_single.png", "png/l_trns.png"};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s", formats_path(files[i]));
        const phash_image *img;
        ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
        uint32_t w, h, ch, och = phash_image_channels(img);
        uint8_t *ref = libpng_read(path, PNG_TRANSFORM_EXPAND, 8, &w, &h, &ch);
        ck_assert_uint_eq(phash_image_width(img), w);
        ck_assert_uint_eq(phash_image_height(img), h);
        ck_assert_msg(ch == och || ch == och + 1, "%s: %u vs %u channels", files[i], ch, och);
        const uint8_t *px = phash_image_pixels(img);
        for (size_t p = 0; p < (size_t)w * h; p++)
            for (uint32_t c = 0; c < och; c++)
                ck_assert_msg(px[p * och + c] == ref[p * ch + c], "%s: pixel %zu", files[i], p);
        free(ref);
    }
    phash_decoder_free(dec);
}
END_TEST

/* Also interlaced and with alpha: the low byte is taken row by row, after
 * alpha stripping, before interlaced rows are combined. */
START_TEST(sixteen_bit_low_byte_or_scaled)
{
    static const char *files[] = {"pngsuite/basn2c16.png", "pngsuite/basn0g16.png",
                                  "png/monkey16.png",      "pngsuite/basi0g16.png",
                                  "pngsuite/basi2c16.png", "pngsuite/basi4a16.png",
                                  "pngsuite/basi6a16.png", "pngsuite/basn6a16.png"};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s", formats_path(files[f]));
        uint32_t w, h, ch;
        uint8_t *raw = libpng_read(path, PNG_TRANSFORM_STRIP_ALPHA, 16, &w, &h, &ch);
        size_t n = (size_t)w * h * ch;
        const phash_image *img;
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_SIXTEEN_BIT,
                                                  PHASH_SIXTEEN_BIT_LOW_BYTE), PHASH_OK);
        ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
        ck_assert_uint_eq(phash_image_channels(img), ch);
        const uint8_t *px = phash_image_pixels(img);
        for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(px[i], raw[2 * i + 1]);
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_SIXTEEN_BIT,
                                                  PHASH_SIXTEEN_BIT_SCALE), PHASH_OK);
        ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
        px = phash_image_pixels(img);
        for (size_t i = 0; i < n; i++) {
            unsigned v = (unsigned)raw[2 * i] << 8 | raw[2 * i + 1];
            ck_assert_uint_eq(px[i], (v * 255u + 32895u) >> 16);
        }
        free(raw);
    }
    phash_decoder_free(dec);
}
END_TEST

/* A 16-bit PNG needs its 8-bit output and libpng's rows, not a 16-bit copy
 * of the image (issue 17: a 777 KB 16-bit RGBA PNG of 100 MP took 890 MB):
 * monkey16.png (149x227) decodes within 3 bytes a pixel plus 100 KB. */
START_TEST(png_sixteen_bit_memory)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    phash_limits lim;
    phash_limits_default(&lim);
    lim.max_memory = 149 * 227 * 3 + 100000;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_file(dec, formats_path("png/monkey16.png"), &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_width(img), 149);
    ck_assert_uint_eq(phash_image_flags(img) & PHASH_IMAGE_SIXTEEN_BIT, PHASH_IMAGE_SIXTEEN_BIT);
    phash_decoder_free(dec);
}
END_TEST

/* ---- WebP --------------------------------------------------------------- */

/* Lossless WebP is exact: the yellow rose equals its PNG source's RGB. */
START_TEST(webp_lossless_equals_png_source)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t n;
    uint8_t *png = decode_copy(dec, "webp/yellow_rose.png", &n);
    ck_assert_int_eq(phash_decode_file(dec, formats_path("webp/yellow_rose.lossless.webp"), &img),
                     PHASH_OK);
    ck_assert_uint_eq((size_t)phash_image_width(img) * phash_image_height(img) * 3, n);
    /* Fully transparent pixels may be rewritten by the encoder, hence a
     * mean rather than equality. */
    double d = mean_abs_diff(png, phash_image_pixels(img), n);
    ck_assert_msg(d < 0.5, "mean difference %.3f", d);
    free(png);
    phash_decoder_free(dec);
}
END_TEST

#ifndef _WIN32 /* dwebp through popen */
/* libwebp's own command-line decode (dwebp -ppm drops alpha too), byte
 * for byte, on every still WebP of the table. */
START_TEST(webp_pixels_equal_dwebp)
{
    ck_assert_msg(system("dwebp -version >/dev/null 2>&1") == 0,
                  "dwebp not found: install webp (.ci/install-deps)");
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    unsigned n = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        const format_case *c = &FORMAT_CASES[i];
        if (c->status != PHASH_OK || !ends_with(c->path, ".webp") ||
            (c->flags & PHASH_IMAGE_ANIMATED))
            continue;
        char path[4096], cmd[8300];
        snprintf(path, sizeof path, "%s", formats_path(c->path));
        snprintf(cmd, sizeof cmd, "dwebp -quiet -ppm '%s' -o - 2>/dev/null", path);
        FILE *p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        unsigned w = 0, h = 0, maxval = 0;
        ck_assert_int_eq(fscanf(p, "P6 %u %u %u", &w, &h, &maxval), 3);
        fgetc(p);
        size_t bytes = (size_t)w * h * 3;
        uint8_t *ref = malloc(bytes);
        ck_assert_uint_eq(fread(ref, 1, bytes, p), bytes);
        pclose(p);
        const phash_image *img;
        ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
        ck_assert_uint_eq(phash_image_width(img), w);
        ck_assert_uint_eq(phash_image_height(img), h);
        ck_assert_msg(!memcmp(phash_image_pixels(img), ref, bytes), "%s differs from dwebp",
                      c->path);
        free(ref);
        n++;
    }
    ck_assert_uint_ge(n, 40);
    phash_decoder_free(dec);
}
END_TEST
#endif

#ifndef _WIN32 /* webpmux and dwebp through popen */
/* Animated WebP: the first frame of iss634.webp covers the whole canvas
 * without alpha or blending, so our composited first frame must equal that
 * frame extracted by webpmux and decoded by dwebp. */
START_TEST(webp_animated_first_frame)
{
    ck_assert_msg(system("webpmux -version >/dev/null 2>&1") == 0,
                  "webpmux not found: install webp (.ci/install-deps)");
    char tmpl[] = "/tmp/phash-anim-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char path[4096], cmd[9000];
    snprintf(path, sizeof path, "%s", formats_path("webp/iss634.webp"));
    snprintf(cmd, sizeof cmd, "webpmux -get frame 1 '%s' -o '%s' >/dev/null 2>&1", path, tmpl);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "dwebp -quiet -ppm '%s' -o - 2>/dev/null", tmpl);
    FILE *p = popen(cmd, "r");
    unsigned w = 0, h = 0, maxval = 0;
    ck_assert_int_eq(fscanf(p, "P6 %u %u %u", &w, &h, &maxval), 3);
    fgetc(p);
    size_t n = (size_t)w * h * 3;
    uint8_t *ref = malloc(n);
    ck_assert_uint_eq(fread(ref, 1, n, p), n);
    pclose(p);
    unlink(tmpl);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_flags(img) & PHASH_IMAGE_ANIMATED, PHASH_IMAGE_ANIMATED);
    ck_assert_uint_eq(phash_image_width(img), w);
    ck_assert_uint_eq(phash_image_height(img), h);
    ck_assert(!memcmp(phash_image_pixels(img), ref, n));
    free(ref);
    phash_decoder_free(dec);
}
END_TEST
#endif

/* ---- limits ------------------------------------------------------------- */

static size_t g_alloc_max;
static void *count_malloc(void *o, size_t n)
{
    (void)o;
    if (n > g_alloc_max)
        g_alloc_max = n;
    return malloc(n);
}
static void *count_realloc(void *o, void *p, size_t n)
{
    (void)o;
    if (n > g_alloc_max)
        g_alloc_max = n;
    return realloc(p, n);
}
static void count_free(void *o, void *p)
{
    (void)o;
    free(p);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A 57-byte PNG declaring width x height (RGB, 8-bit) with an empty IDAT. */
static size_t make_png_header(uint8_t *out, uint32_t width, uint32_t height)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    memcpy(out, sig, 8);
    put_be32(out + 8, 13);
    memcpy(out + 12, "IHDR", 4);
    put_be32(out + 16, width);
    put_be32(out + 20, height);
    out[24] = 8;
    out[25] = 2;
    out[26] = out[27] = out[28] = 0;
    put_be32(out + 29, crc32_of(out + 12, 17));
    put_be32(out + 33, 0);
    memcpy(out + 37, "IDAT", 4);
    put_be32(out + 41, crc32_of(out + 37, 4));
    put_be32(out + 45, 0);
    memcpy(out + 49, "IEND", 4);
    put_be32(out + 53, crc32_of(out + 49, 4));
    return 57;
}

/* video-001.jpeg cut after its first scan header, with the SOF0 claiming
 * width x height: about 600 bytes. */
static uint8_t *make_jpeg_header(uint32_t width, uint32_t height, size_t *len)
{
    size_t n;
    uint8_t *d = read_all(formats_path("jpeg/video-001.jpeg"), &n);
    size_t sof = 0, sos = 0;
    for (size_t i = 2; i + 9 < n && !sos; i++)
        if (d[i] == 0xFF && d[i + 1] == 0xC0)
            sof = i;
        else if (d[i] == 0xFF && d[i + 1] == 0xDA)
            sos = i;
    ck_assert(sof && sos);
    d[sof + 5] = (uint8_t)(height >> 8);
    d[sof + 6] = (uint8_t)height;
    d[sof + 7] = (uint8_t)(width >> 8);
    d[sof + 8] = (uint8_t)width;
    *len = sos + 64 < n ? sos + 64 : n;
    return d;
}

/* An animated WebP (VP8X + ANIM, no frames) whose canvas is width x height. */
static size_t make_webp_header(uint8_t *out, uint32_t width, uint32_t height)
{
    memcpy(out, "RIFF", 4);
    uint32_t riff = 4 + 18 + 14;
    out[4] = (uint8_t)riff, out[5] = out[6] = out[7] = 0;
    memcpy(out + 8, "WEBPVP8X", 8);
    out[16] = 10, out[17] = out[18] = out[19] = 0;
    out[20] = 0x02; /* animation */
    out[21] = out[22] = out[23] = 0;
    uint32_t w1 = width - 1, h1 = height - 1;
    out[24] = (uint8_t)w1, out[25] = (uint8_t)(w1 >> 8), out[26] = (uint8_t)(w1 >> 16);
    out[27] = (uint8_t)h1, out[28] = (uint8_t)(h1 >> 8), out[29] = (uint8_t)(h1 >> 16);
    memcpy(out + 30, "ANIM", 4);
    out[34] = 6, out[35] = out[36] = out[37] = 0;
    memset(out + 38, 0, 6);
    return 44;
}

/* A small file declaring 60000x60000 is refused from its header: no
 * allocation through phash's allocator (libpng's included) over 64 KB. */
START_TEST(huge_dimensions_refused_before_allocating)
{
    phash_allocator a = {count_malloc, count_realloc, count_free, NULL};
    ck_assert_int_eq(phash_set_allocator(&a), PHASH_OK);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    phash_limits lim;
    phash_limits_default(&lim);
    lim.max_width = lim.max_height = 0; /* only pixels and memory limit */
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    const phash_image *img;
    uint8_t png[64];
    size_t n = make_png_header(png, 60000, 60000);
    g_alloc_max = 0;
    ck_assert_int_eq(phash_decode_memory(dec, png, n, &img), PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_null(img);
    ck_assert_uint_lt(g_alloc_max, 65536);
    ck_assert_ptr_nonnull(strstr(phash_decoder_last_error(dec), "60000x60000"));

    size_t jn;
    uint8_t *jpg = make_jpeg_header(60000, 60000, &jn);
    ck_assert_uint_lt(jn, 1024);
    g_alloc_max = 0;
    ck_assert_int_eq(phash_decode_memory(dec, jpg, jn, &img), PHASH_ERR_TOO_LARGE);
    ck_assert_uint_lt(g_alloc_max, 65536);
    ck_assert_ptr_nonnull(strstr(phash_decoder_last_error(dec), "60000x60000"));
    free(jpg);

    uint8_t webp[64];
    n = make_webp_header(webp, 60000, 60000);
    g_alloc_max = 0;
    ck_assert_int_eq(phash_decode_memory(dec, webp, n, &img), PHASH_ERR_TOO_LARGE);
    ck_assert_uint_lt(g_alloc_max, 65536);

    /* The default width/height limits refuse it too. */
    phash_limits_default(&lim);
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, png, 57, &img), PHASH_ERR_TOO_LARGE);
    phash_decoder_free(dec);
    ck_assert_int_eq(phash_set_allocator(NULL), PHASH_OK);
}
END_TEST

START_TEST(limits_each_field)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    const char *p = formats_path("jpeg/video-001.progressive.jpeg"); /* 150x103 */
    char path[4096];
    snprintf(path, sizeof path, "%s", p);
    phash_limits lim, got;
    phash_limits_default(&lim);
    ck_assert_uint_eq(lim.max_pixels, PHASH_DEFAULT_MAX_PIXELS);
    lim.max_width = 149;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    phash_decoder_get_limits(dec, &got);
    ck_assert_uint_eq(got.max_width, 149);
    ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_ERR_TOO_LARGE);
    lim.max_width = 150;
    lim.max_height = 102;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_ERR_TOO_LARGE);
    lim.max_height = 103;
    lim.max_pixels = 150 * 103 - 1;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_ERR_TOO_LARGE);
    lim.max_pixels = 150 * 103;
    /* Output plus the progressive coefficient buffer exceed this. */
    lim.max_memory = 150 * 103 * 3 + 1000;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_ERR_TOO_LARGE);
    lim.max_memory = 0;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    ck_assert_int_eq(phash_decode_file(dec, path, &img), PHASH_OK);
    /* PNG: libpng's allocations count against max_memory too. */
    lim.max_memory = 32 * 32 * 3 + 100;
    ck_assert_int_eq(phash_decoder_set_limits(dec, &lim), PHASH_OK);
    ck_assert_int_eq(phash_decode_file(dec, formats_path("pngsuite/basn2c08.png"), &img),
                     PHASH_ERR_TOO_LARGE);
    ck_assert_int_eq(phash_decoder_set_limits(dec, NULL), PHASH_ERR_INVALID_ARG);
    phash_decoder_free(dec);
}
END_TEST

/* video-005.gray.q50.progressive.jpeg with its first (DC) scan repeated n
 * times before the EOI: libjpeg warns once per repeat and goes on. */
static uint8_t *many_scans_jpeg(unsigned n, size_t *out_len)
{
    size_t len;
    uint8_t *d = read_all(formats_path("jpeg/video-005.gray.q50.progressive.jpeg"), &len);
    size_t first = 0, second = 0, eoi = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (d[i] != 0xFF)
            continue;
        if (d[i + 1] == 0xDA && !first)
            first = i;
        else if (d[i + 1] == 0xDA && !second)
            second = i;
        else if (d[i + 1] == 0xD9)
            eoi = i;
    }
    ck_assert(first && second && eoi > second);
    size_t seg = second - first;
    uint8_t *out = malloc(len + n * seg);
    memcpy(out, d, eoi);
    for (unsigned k = 0; k < n; k++)
        memcpy(out + eoi + k * seg, d + first, seg);
    memcpy(out + eoi + n * seg, d + eoi, len - eoi);
    *out_len = len + n * seg;
    free(d);
    return out;
}

/* Each progressive scan is a pass over the coefficient buffer: more than
 * PH_JPEG_MAX_SCANS is refused, fewer decode (djpeg decodes both). */
START_TEST(jpeg_scan_limit)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t len;
    uint8_t *data = many_scans_jpeg(PH_JPEG_MAX_SCANS + 100, &len);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(phash_decoder_last_error(dec), "scans"));
    free(data);
    data = many_scans_jpeg(PH_JPEG_MAX_SCANS - 100, &len);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_width(img), 150);
    free(data);
    phash_decoder_free(dec);
}
END_TEST

/* The offset of the n-th (0-based) start-of-scan marker in a JPEG made by
 * many_scans_jpeg (no 0xFF 0xDA inside its entropy data: checked by the
 * scan count the tests expect). */
static size_t nth_sos(const uint8_t *d, size_t len, unsigned n)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (d[i] == 0xFF && d[i + 1] == 0xDA && n-- == 0)
            return i;
    ck_abort_msg("no start-of-scan %u", n);
    return 0;
}

/* Scans are counted from the markers before any is decoded (issue 17: a
 * 704-scan file was refused only after its 9 s of decoding): the second
 * scan here is invalid (Ss > Se), which libjpeg would fail on (CORRUPT) if
 * it got that far. */
START_TEST(jpeg_scans_counted_before_decoding)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t len;
    uint8_t *data = many_scans_jpeg(600, &len);
    size_t second = nth_sos(data, len, 1);
    ck_assert_uint_eq(data[second + 4], 1); /* one component: Ss, Se at +7, +8 */
    data[second + 7] = 40;
    data[second + 8] = 2;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_ERR_TOO_LARGE);
    ck_assert_str_eq(phash_decoder_last_error(dec),
                     "JPEG: 606 scans, more than 100 (refused before decoding)");
    /* Under the limit the same damage is libjpeg's to find. */
    free(data);
    data = many_scans_jpeg(10, &len);
    second = nth_sos(data, len, 1);
    data[second + 7] = 40;
    data[second + 8] = 2;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_ERR_CORRUPT);
    free(data);
    phash_decoder_free(dec);
}
END_TEST

/* The work budget (PHASH_DECODE_MAX_WORK) counts 8x8 blocks per scan:
 * video-005 grey progressive is 150x103, 19x13 = 247 blocks, and has 6
 * scans; with 20 more, 26 x 247 = 6422 blocks. One block over the budget
 * is refused before decoding, the exact budget decodes; the fast pHash
 * path (dct64) leaves such a file to the decoder. */
START_TEST(jpeg_work_budget)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decoder_get_option(dec, PHASH_DECODE_MAX_WORK), PHASH_DEFAULT_MAX_WORK);
    size_t len;
    uint8_t *data = many_scans_jpeg(20, &len);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 6421), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_ERR_BUDGET);
    ck_assert_str_eq(phash_decoder_last_error(dec),
                     "JPEG: 26 scans would decode 6422 blocks, over the work budget of 6421 "
                     "(refused before decoding)");
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 6422), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 0), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, -1),
                     PHASH_ERR_INVALID_ARG);
    /* pHash's JPEG fast path honours its decoder's budget. */
    phash_dct_hasher *dh = NULL;
    ck_assert_int_eq(phash_dct_hasher_new(&dh), PHASH_OK);
    phash_dct_result r;
    ck_assert_int_eq(phash_dct_hash_memory(dh, data, len, &r), PHASH_OK);
    ck_assert_int_eq(phash_decoder_set_option(phash_dct_hasher_decoder(dh), PHASH_DECODE_MAX_WORK,
                                              6421),
                     PHASH_OK);
    ck_assert_int_eq(phash_dct_hash_memory(dh, data, len, &r), PHASH_ERR_BUDGET);
    phash_dct_hasher_free(dh);
    free(data);
    phash_decoder_free(dec);
}
END_TEST

/* PNG's work is inflating its samples: one unit per 8 bytes, checked from
 * the header before libpng starts. sample.png is 96x60 8-bit RGB: 17,280
 * bytes, 2,160 units. A 16-bit RGBA PNG of 10001x10000 (the header alone)
 * is over the default budget (100 MP of it is exactly the budget); before
 * the budget, 200 MP of it cost 4.8 s of CPU. */
START_TEST(png_work_budget)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t len;
    uint8_t *data = read_all(source_path("tests/data/containers/sample.png"), &len);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 2159), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_ERR_BUDGET);
    ck_assert_str_eq(phash_decoder_last_error(dec),
                     "PNG: 96x60, 8-bit: 17280 bytes of samples to inflate, over the work budget "
                     "of 2159 units of 8 bytes (refused before decoding)");
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 2160), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    free(data);
    static const uint8_t head[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                     'I', 'H', 'D', 'R', 0, 0, 0x27, 0x11, 0, 0, 0x27, 0x10,
                                     16, 6, 0, 0, 0};
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, PHASH_DEFAULT_MAX_WORK),
                     PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, head, sizeof head, &img), PHASH_ERR_BUDGET);
    ck_assert_str_eq(phash_decoder_last_error(dec),
                     "PNG: 10001x10000, 16-bit: 800080000 bytes of samples to inflate, over the "
                     "work budget of 100000000 units of 8 bytes (refused before decoding)");
    phash_decoder_free(dec);
}
END_TEST

/* HEIF, AVIF and JPEG XL count their pixels against the work budget (2, 1
 * and 1 units a pixel), from the header, before decoding: the 96x60
 * samples are 11,520, 5,760 and 5,760 units. sample.heic is a grid of one
 * 96x64 tile (ImageMagick's libheif writes grids): what is decoded is the
 * tile, 12,288 units, and that is what counts. */
START_TEST(codec_work_budget)
{
    static const struct {
        const char *file, *what;
        int units;
    } c[] = {{"sample.heic", "HEIF", 12288}, {"sample.avif", "AVIF", 5760},
             {"sample.jxl", "JPEG XL", 5760}};
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        char rel[64], want[256];
        snprintf(rel, sizeof rel, "tests/data/containers/%s", c[k].file);
        size_t len;
        uint8_t *data = read_all(source_path(rel), &len);
        const phash_image *img;
        if (!phash_format_supported(phash_sniff(data, len))) {
            free(data);
            continue; /* a build without this codec */
        }
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, c[k].units - 1),
                         PHASH_OK);
        ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_ERR_BUDGET);
        if (c[k].units == 12288)
            snprintf(want, sizeof want,
                     "HEIF: a grid of 1 tile (up to 96x64) is 12288 units of decoding work (2 a "
                     "pixel), over the work budget of 12287 (refused before decoding)");
        else
            snprintf(want, sizeof want,
                     "%s: 96x60 is %d units of decoding work (%d a pixel), over the work budget "
                     "of %d (refused before decoding)",
                     c[k].what, c[k].units, c[k].units / 5760, c[k].units - 1);
        ck_assert_str_eq(phash_decoder_last_error(dec), want);
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, c[k].units),
                         PHASH_OK);
        ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
        ck_assert_uint_eq(img->width, 96);
        free(data);
    }
    phash_decoder_free(dec);
}
END_TEST

/* JPEG XL runs its tasks through phash's runner, which stops the decode
 * once the thread's CPU passes the cap (the work budget at 30 ns a unit;
 * forced tiny here through the decoder's test field): PHASH_ERR_BUDGET
 * with the cap in the detail; the default cap decodes the sample. */
START_TEST(jxl_cpu_cap)
{
    size_t len;
    uint8_t *data = read_all(source_path("tests/data/containers/sample.jxl"), &len);
    if (!phash_format_supported(phash_sniff(data, len))) {
        free(data);
        return;
    }
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    dec->cpu_cap = 1e-9;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_ERR_BUDGET);
    ck_assert_str_eq(phash_decoder_last_error(dec),
                     "JPEG XL: stopped after 0.00 s of CPU, the work budget of 100000000 units "
                     "(30 ns each)");
    dec->cpu_cap = 0;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_width(img), 96);
    free(data);
    phash_decoder_free(dec);
}
END_TEST

/* After a large image the decoder's buffers over PH_KEEP_BUFFER_MAX are
 * released by ph_decoder_trim (the scanner calls it after each file), and
 * the small ones kept for reuse: before it, a 100 MP JPEG left a scanner at
 * 334 MB of RSS for good (41 MB after, docs/formats.md). */
START_TEST(decoder_trim_releases_large_buffers)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t big = 2000 * 1500 * 3, len = 32 + big; /* 9 MB of pixels: over 8 MiB */
    uint8_t *ppm = calloc(1, len);
    int h = snprintf((char *)ppm, 32, "P6\n2000 1500\n255\n");
    ck_assert_int_eq(phash_decode_memory(dec, ppm, (size_t)h + big, &img), PHASH_OK);
    ck_assert_uint_ge(dec->pixels.cap, big);
    ph_decoder_trim(dec);
    ck_assert_uint_eq(dec->pixels.cap, 0);
    ck_assert_ptr_null(dec->pixels.data);
    h = snprintf((char *)ppm, 32, "P6\n200 150\n255\n");
    ck_assert_int_eq(phash_decode_memory(dec, ppm, (size_t)h + 200 * 150 * 3, &img), PHASH_OK);
    ph_decoder_trim(dec);
    ck_assert_uint_ge(dec->pixels.cap, 200 * 150 * 3); /* small: kept */
    ck_assert_int_eq(phash_decode_memory(dec, ppm, (size_t)h + 200 * 150 * 3, &img), PHASH_OK);
    ck_assert_uint_eq(img->width, 200);
    free(ppm);
    phash_decoder_free(dec);
}
END_TEST

/* ---- truncation ---------------------------------------------------------- */

static void check_truncation(const char *rel, size_t keep_num, size_t keep_den)
{
    size_t len;
    uint8_t *data = read_all(formats_path(rel), &len);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    uint32_t w = phash_image_width(img), h = phash_image_height(img);
    size_t n = (size_t)w * h * phash_image_channels(img);
    uint8_t *full = malloc(n);
    memcpy(full, phash_image_pixels(img), n);

    size_t cut = len * keep_num / keep_den;
    ck_assert_int_eq(phash_decode_memory(dec, data, cut, &img), PHASH_ERR_TRUNCATED);
    ck_assert_ptr_null(img);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_ALLOW_TRUNCATED, 1), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, data, cut, &img), PHASH_OK);
    ck_assert_msg(phash_image_flags(img) & PHASH_IMAGE_TRUNCATED, "%s: no TRUNCATED flag", rel);
    ck_assert_uint_eq(phash_image_width(img), w);
    ck_assert_uint_eq(phash_image_height(img), h);
    /* The first rows are what the complete file gives. */
    size_t row = (size_t)w * phash_image_channels(img);
    ck_assert_msg(!memcmp(phash_image_pixels(img), full, row * (h / 8)), "%s: first rows", rel);
    ck_assert_msg(memcmp(phash_image_pixels(img), full, n), "%s: identical to the full image",
                  rel);
    /* Far too little data is an error whatever the option says. */
    ck_assert_int_ne(phash_decode_memory(dec, data, 20, &img), PHASH_OK);
    free(full);
    free(data);
    phash_decoder_free(dec);
}

/* A progressive JPEG of n scans (16x16 grey): the DC scan, then one scan
 * per AC coefficient at Al = 1, then refinement scans, as many as needed. */
static uint8_t *jpeg_with_scans(int n, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long out_len = 0;
    jpeg_mem_dest(&c, &out, &out_len);
    c.image_width = c.image_height = 16;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_scan_info *scans = calloc((size_t)n, sizeof *scans);
    for (int i = 0; i < n; i++) {
        int k = i == 0 ? 0 : (i - 1) % 63 + 1, pass = i == 0 ? 0 : (i - 1) / 63;
        scans[i].comps_in_scan = 1;
        scans[i].component_index[0] = 0;
        scans[i].Ss = scans[i].Se = k;
        scans[i].Ah = pass == 0 ? 0 : 1;
        scans[i].Al = pass == 0 ? (k == 0 ? 0 : 1) : 0;
    }
    c.scan_info = scans;
    c.num_scans = n;
    jpeg_start_compress(&c, TRUE);
    uint8_t row[16];
    for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 16; x++)
            row[x] = (uint8_t)(x * 13 + y * 7);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(scans);
    *len = out_len;
    return out;
}

/* More scans than real encoders emit is refused (issue 17: 495 scans of a
 * 100 MP image cost 9 s of CPU); the limit's own count still decodes. */
START_TEST(jpeg_scan_limit_of_real_encoders)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t len;
    uint8_t *ok = jpeg_with_scans(PH_JPEG_MAX_SCANS, &len);
    ck_assert_int_eq(phash_decode_memory(dec, ok, len, &img), PHASH_OK);
    free(ok);
    uint8_t *over = jpeg_with_scans(101, &len);
    ck_assert_int_eq(phash_decode_memory(dec, over, len, &img), PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(phash_decoder_last_error(dec), "scans"));
    free(over);
    phash_decoder_free(dec);
}
END_TEST

START_TEST(truncated_jpeg) { check_truncation("jpeg/video-001.jpeg", 1, 2); }
END_TEST
START_TEST(truncated_png) { check_truncation("jpeg/video-001.png", 1, 2); }
END_TEST
START_TEST(truncated_webp) { check_truncation("webp/flower.webp", 1, 2); }
END_TEST

/* ---- evasion corpus (issue 17) -------------------------------------------
 * A known image must still be found when its file was cut short or padded.
 * Policy (docs/formats.md): every row decoded from the file's own data (a
 * lost end marker, a progressive JPEG cut after its DC scans, a PNG without
 * IEND) is a normal image flagged PHASH_IMAGE_TRUNCATED; rows missing is
 * PHASH_ERR_TRUNCATED unless the caller takes partial images; bytes after
 * the image never change it (they set PHASH_IMAGE_TRAILING_DATA). dist:
 * PDQ distance to the whole file's hash. */

enum { CUT, ZEROS, NOISE, OTHER_FILE };
#define TRAILING PHASH_IMAGE_TRAILING_DATA
typedef struct evasion_case {
    const char *rel;
    int how;
    size_t n; /* bytes cut or appended; 0 with CUT: a tenth of the file */
    phash_status status;
    unsigned flags;
    unsigned dist;
} evasion_case;

static const evasion_case EVASIONS[] = {
    {"jpeg/video-001.jpeg", CUT, 1, PHASH_OK, PHASH_IMAGE_TRUNCATED, 0},
    {"jpeg/video-001.jpeg", CUT, 2, PHASH_OK, PHASH_IMAGE_TRUNCATED, 0}, /* no FF D9 */
    {"jpeg/video-001.jpeg", CUT, 12, PHASH_ERR_TRUNCATED, 0, 0},
    {"jpeg/video-001.jpeg", CUT, 0, PHASH_ERR_TRUNCATED, 0, 0},
    {"jpeg/video-001.progressive.jpeg", CUT, 2, PHASH_OK, PHASH_IMAGE_TRUNCATED, 0},
    {"jpeg/video-001.progressive.jpeg", CUT, 256, PHASH_OK, PHASH_IMAGE_TRUNCATED, 2},
    {"jpeg/video-001.progressive.jpeg", CUT, 0, PHASH_OK, PHASH_IMAGE_TRUNCATED, 2},
    {"jpeg/video-001.png", CUT, 12, PHASH_OK, PHASH_IMAGE_TRUNCATED, 0}, /* no IEND */
    {"jpeg/video-001.png", CUT, 256, PHASH_ERR_TRUNCATED, 0, 0},
    {"webp/blue-purple-pink-large.no-filter.lossy.webp", CUT, 2, PHASH_OK, PHASH_IMAGE_TRUNCATED,
     0},
    {"webp/blue-purple-pink-large.no-filter.lossy.webp", CUT, 12, PHASH_ERR_TRUNCATED, 0, 0},
    {"webp/blue-purple-pink.lossless.webp", CUT, 2, PHASH_ERR_TRUNCATED, 0, 0}, /* last pixels */
    {"jpeg/video-001.jpeg", ZEROS, 1 << 20, PHASH_OK, TRAILING, 0},
    {"jpeg/video-001.jpeg", NOISE, 3000, PHASH_OK, TRAILING, 0},
    {"jpeg/video-001.jpeg", OTHER_FILE, 0, PHASH_OK, TRAILING, 0},
    {"jpeg/video-001.progressive.jpeg", NOISE, 3000, PHASH_OK, TRAILING, 0},
    {"jpeg/video-001.png", ZEROS, 1 << 20, PHASH_OK, TRAILING, 0},
    {"jpeg/video-001.png", NOISE, 3000, PHASH_OK, TRAILING, 0},
    {"jpeg/video-001.png", OTHER_FILE, 0, PHASH_OK, TRAILING, 0},
    {"webp/blue-purple-pink-large.no-filter.lossy.webp", ZEROS, 1 << 20, PHASH_OK, TRAILING, 0},
    {"webp/blue-purple-pink-large.no-filter.lossy.webp", NOISE, 3000, PHASH_OK, TRAILING, 0},
    {"webp/blue-purple-pink-large.no-filter.lossy.webp", OTHER_FILE, 0, PHASH_OK, TRAILING, 0},
};

/* The case's bytes: the file cut, or followed by zeros, noise or another
 * file (a JPEG after a PNG and WebP, a PNG after a JPEG). */
static uint8_t *evasion_bytes(const evasion_case *c, const uint8_t *data, size_t len, size_t *out)
{
    if (c->how == CUT) {
        *out = len - (c->n ? c->n : len / 10);
        uint8_t *b = malloc(*out);
        memcpy(b, data, *out);
        return b;
    }
    size_t other_len = 0;
    uint8_t *other = NULL;
    if (c->how == OTHER_FILE)
        other = read_all(formats_path(strstr(c->rel, ".jpeg") ? "jpeg/video-001.png"
                                                                : "jpeg/video-001.jpeg"),
                         &other_len);
    size_t extra = c->how == OTHER_FILE ? other_len : c->n;
    uint8_t *b = calloc(1, len + extra);
    memcpy(b, data, len);
    uint32_t x = 12345;
    for (size_t i = 0; i < extra; i++) {
        x = x * 1103515245u + 12345u;
        b[len + i] = c->how == NOISE ? (uint8_t)(x >> 24) : other ? other[i] : 0;
    }
    free(other);
    *out = len + extra;
    return b;
}

START_TEST(evasion_corpus)
{
    const evasion_case *c = &EVASIONS[_i];
    size_t len, n;
    uint8_t *data = read_all(formats_path(c->rel), &len);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    const phash_image *img;
    phash_pdq_result whole, got;
    ck_assert_int_eq(phash_decode_memory(dec, data, len, &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_flags(img) & (PHASH_IMAGE_TRUNCATED | TRAILING), 0);
    ck_assert_int_eq(phash_pdq_hash_image(h, img, 0, &whole), PHASH_OK);
    uint8_t *b = evasion_bytes(c, data, len, &n);
    phash_status st = phash_decode_memory(dec, b, n, &img);
    ck_assert_msg(st == c->status, "%s (case %d): %s, expected %s (%s)", c->rel, _i,
                  phash_status_name(st), phash_status_name(c->status),
                  phash_decoder_last_error(dec));
    if (st == PHASH_OK) {
        ck_assert_uint_eq(phash_image_flags(img) & (PHASH_IMAGE_TRUNCATED | TRAILING), c->flags);
        ck_assert_int_eq(phash_pdq_hash_image(h, img, 0, &got), PHASH_OK);
        ck_assert_uint_eq(phash_pdq_distance(&got.hash, &whole.hash), c->dist);
    }
    /* The same file through the file path (hash, scan) gives the same verdict. */
    char path[] = "/tmp/phash-evasion-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
    close(fd);
    ck_assert_int_eq(phash_pdq_hash_file(h, NULL, path, 0, &got), c->status);
    if (c->status == PHASH_OK)
        ck_assert_uint_eq(phash_pdq_distance(&got.hash, &whole.hash), c->dist);
    unlink(path);
    free(b);
    free(data);
    phash_pdq_hasher_free(h);
    phash_decoder_free(dec);
}
END_TEST

/* ---- orientation --------------------------------------------------------- */

START_TEST(exif_orientation_parser)
{
    static const uint8_t be[] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                                 0, 6, 0, 0, 0, 0, 0, 0};
    static const uint8_t le[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
                                 8, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(ph_exif_orientation(be, sizeof be), 6);
    ck_assert_int_eq(ph_exif_orientation(le, sizeof le), 8);
    uint8_t bad[sizeof be];
    memcpy(bad, be, sizeof be);
    bad[19] = 9; /* out of range */
    ck_assert_int_eq(ph_exif_orientation(bad, sizeof bad), 1);
    memcpy(bad, be, sizeof be);
    bad[7] = 200; /* IFD offset past the end */
    ck_assert_int_eq(ph_exif_orientation(bad, sizeof bad), 1);
    for (size_t n = 0; n < sizeof be; n++) /* every truncation is safe */
        ck_assert_int_le(ph_exif_orientation(be, n), 6);

    /* ImageMagick's hex text form, as in a PNG tEXt chunk. */
    static const char raw[] = "\nexif\n      32\n4578696600004d4d002a00000008000101120003000000010005\n"
                              "000000000000\n";
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    ph_exif_keep_raw_profile(dec, (const uint8_t *)raw, sizeof raw - 1);
    ck_assert_uint_eq(dec->exif_len, 32);
    ck_assert_int_eq(ph_exif_orientation(dec->exif.data, dec->exif_len), 5);
    dec->exif_len = 0;
    ph_exif_keep_raw_profile(dec, (const uint8_t *)raw, 30); /* cut: fewer bytes kept */
    ck_assert_uint_lt(dec->exif_len, 32);
    dec->exif_len = 0;
    ph_exif_keep_raw_profile(dec, (const uint8_t *)"\nxmp\n 4\n00000000", 17);
    ck_assert_uint_eq(dec->exif_len, 0);
    phash_decoder_free(dec);
}
END_TEST

/* Each orientation applied to a 3x2 image gives the EXIF-specified result. */
START_TEST(orientation_transforms_exact)
{
    /* stored:  a b c      values 1 2 3
     *          d e f             4 5 6 */
    static const uint8_t src[6] = {1, 2, 3, 4, 5, 6};
    static const struct {
        int o;
        uint32_t w, h;
        uint8_t px[6];
    } want[] = {
        {2, 3, 2, {3, 2, 1, 6, 5, 4}}, {3, 3, 2, {6, 5, 4, 3, 2, 1}},
        {4, 3, 2, {4, 5, 6, 1, 2, 3}}, {5, 2, 3, {1, 4, 2, 5, 3, 6}},
        {6, 2, 3, {4, 1, 5, 2, 6, 3}}, {7, 2, 3, {6, 3, 5, 2, 4, 1}},
        {8, 2, 3, {3, 6, 2, 5, 1, 4}},
    };
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint8_t *p = ph_decoder_begin_image(dec, 3, 2, 1, PHASH_FORMAT_RAW);
        memcpy(p, src, 6);
        dec->img.orientation = want[i].o;
        ck_assert_int_eq(ph_apply_orientation(dec), PHASH_OK);
        ck_assert_uint_eq(dec->img.width, want[i].w);
        ck_assert_uint_eq(dec->img.height, want[i].h);
        ck_assert_msg(!memcmp(dec->img.pixels, want[i].px, 6), "orientation %d", want[i].o);
    }
    phash_decoder_free(dec);
}
END_TEST

/* Pillow's hopper_orientation_N files store one picture transformed N ways;
 * applied, they all show it upright (lossy, hence the tolerance), and not
 * applied they differ. */
static void check_orientations(const char *dir, const char *ext, const char *upright)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    size_t n;
    uint8_t *ref = decode_copy(dec, upright, &n);
    for (int o = 2; o <= 8; o++) {
        char rel[128];
        snprintf(rel, sizeof rel, "%s/hopper_orientation_%d.%s", dir, o, ext);
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_APPLY_ORIENTATION, 0), PHASH_OK);
        ck_assert_int_eq(phash_decode_file(dec, formats_path(rel), &img), PHASH_OK);
        ck_assert_int_eq(phash_image_orientation(img), o);
        double raw = mean_abs_diff(ref, phash_image_pixels(img), n);
        ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_APPLY_ORIENTATION, 1), PHASH_OK);
        ck_assert_int_eq(phash_decode_file(dec, formats_path(rel), &img), PHASH_OK);
        ck_assert_uint_eq(phash_image_flags(img) & PHASH_IMAGE_ORIENTED, PHASH_IMAGE_ORIENTED);
        double applied = mean_abs_diff(ref, phash_image_pixels(img), n);
        ck_assert_msg(applied < 6.0 && raw > 3 * applied, "%s: applied %.2f, raw %.2f", rel,
                      applied, raw);
    }
    free(ref);
    phash_decoder_free(dec);
}

START_TEST(orientation_applied_jpeg) { check_orientations("jpeg", "jpg", "webp/hopper.webp"); }
END_TEST
START_TEST(orientation_applied_webp) { check_orientations("webp", "webp", "webp/hopper.webp"); }
END_TEST

/* ---- sniffing, API contract ---------------------------------------------- */

START_TEST(format_kinds_and_names)
{
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_JPEG), PHASH_MEDIA_IMAGE);
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_PNM), PHASH_MEDIA_IMAGE);
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_MP4), PHASH_MEDIA_VIDEO);
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_ASF), PHASH_MEDIA_VIDEO);
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_ZIP), PHASH_MEDIA_CONTAINER);
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_CFB), PHASH_MEDIA_CONTAINER);
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_UNKNOWN), PHASH_MEDIA_OTHER);
    ck_assert_int_eq(phash_format_kind(PHASH_FORMAT_RAW), PHASH_MEDIA_OTHER);
    ck_assert_int_eq(phash_format_kind((phash_format)500), PHASH_MEDIA_OTHER);
    ck_assert_str_eq(phash_media_kind_name(PHASH_MEDIA_VIDEO), "video");
    ck_assert_str_eq(phash_format_name(PHASH_FORMAT_MATROSKA), "matroska");
    ck_assert_str_eq(phash_format_name((phash_format)500), "unknown");
    ck_assert_int_eq(phash_format_supported(PHASH_FORMAT_JPEG), 1);
    ck_assert_int_eq(phash_format_supported(PHASH_FORMAT_UNKNOWN), 0);
}
END_TEST

START_TEST(sniff_signatures)
{
    static const struct {
        const char *bytes;
        size_t len;
        phash_format want;
    } cases[] = {
        {"\xFF\xD8\xFF\xE0", 4, PHASH_FORMAT_JPEG},
        {"\xFF\xD8", 2, PHASH_FORMAT_UNKNOWN},
        {"\x89PNG\r\n\x1A\n", 8, PHASH_FORMAT_PNG},
        {"\x89PNG\r\n\x1A", 7, PHASH_FORMAT_UNKNOWN},
        {"RIFF\0\0\0\0WEBPVP8 ", 16, PHASH_FORMAT_WEBP},
        {"RIFF\0\0\0\0WAVEfmt ", 16, PHASH_FORMAT_UNKNOWN},
        {"GIF89a", 6, PHASH_FORMAT_GIF},
        {"GIF87a", 6, PHASH_FORMAT_GIF},
        {"BM\0\0\0\0\0\0\0\0\0\0\0\0", 14, PHASH_FORMAT_BMP},
        {"II*\0", 4, PHASH_FORMAT_TIFF},
        {"MM\0*", 4, PHASH_FORMAT_TIFF},
        {"\0\0\0\x18" "ftypheic", 12, PHASH_FORMAT_HEIF},
        {"\0\0\0\x1C" "ftypavif", 12, PHASH_FORMAT_AVIF},
        /* videos (the ISO ones by brand: HEIF and AVIF stay images) */
        {"\0\0\0\x18" "ftypisom", 12, PHASH_FORMAT_MP4},
        {"\0\0\0\x14" "ftypqt  ", 12, PHASH_FORMAT_MP4},
        {"\0\0\0\x18" "ftypmif1", 12, PHASH_FORMAT_HEIF},
        {"\0\0\0\x18" "ftyp", 8, PHASH_FORMAT_UNKNOWN},
        {"\0\0\0\x08" "wide\0\0\x10\0" "mdat", 16, PHASH_FORMAT_MP4},
        {"\0\0\0\x04" "wide\0\0\x10\0" "mdat", 16, PHASH_FORMAT_UNKNOWN},
        {"\x1A\x45\xDF\xA3", 4, PHASH_FORMAT_MATROSKA},
        {"RIFF\0\0\0\0AVI LIST", 16, PHASH_FORMAT_AVI},
        {"FLV\x01\x05\0\0\0\x09", 9, PHASH_FORMAT_FLV},
        {"FLV\x01\x05\0\0\0", 8, PHASH_FORMAT_UNKNOWN},
        {"\0\0\1\xBA\x44", 5, PHASH_FORMAT_MPEGPS},
        {"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C", 16,
         PHASH_FORMAT_ASF},
        {"\xFF\x0A", 2, PHASH_FORMAT_JXL},
        {"\0\0\0\x0CJXL \r\n\x87\n", 12, PHASH_FORMAT_JXL},
        {"\0\0\1\0\1\0", 6, PHASH_FORMAT_ICO},
        {"P6\n", 3, PHASH_FORMAT_PNM},
        {"P9\n", 3, PHASH_FORMAT_UNKNOWN},
        {"hello", 5, PHASH_FORMAT_UNKNOWN},
        {"", 0, PHASH_FORMAT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(phash_sniff(cases[i].bytes, cases[i].len) == cases[i].want, "case %zu", i);
    ck_assert_int_eq(phash_sniff(NULL, 10), PHASH_FORMAT_UNKNOWN);
    /* MPEG-TS: three sync bytes 188 apart (M2TS: 192 apart, from 4). */
    uint8_t ts[4 + 2 * 192 + 1];
    memset(ts, 0, sizeof ts);
    ts[0] = ts[188] = ts[376] = 0x47;
    ck_assert_int_eq(phash_sniff(ts, 377), PHASH_FORMAT_MPEGTS);
    ck_assert_int_eq(phash_sniff(ts, 376), PHASH_FORMAT_UNKNOWN);
    ts[376] = 0;
    ck_assert_int_eq(phash_sniff(ts, sizeof ts), PHASH_FORMAT_UNKNOWN);
    memset(ts, 0, sizeof ts);
    ts[4] = ts[196] = ts[388] = 0x47;
    ck_assert_int_eq(phash_sniff(ts, sizeof ts), PHASH_FORMAT_MPEGTS);
    /* Videos are supported exactly when the build has video support. */
    ck_assert_int_eq(phash_format_supported(PHASH_FORMAT_MP4), phash_video_supported());
    ck_assert_int_eq(phash_format_supported(PHASH_FORMAT_ASF), phash_video_supported());
    /* The image decoder names a video for what it is. */
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_memory(dec, "\0\0\0\x18" "ftypisom\0\0\0\0", 16, &img),
                     PHASH_ERR_NOT_IMAGE);
    ck_assert_ptr_nonnull(strstr(phash_decoder_last_error(dec), "mp4"));
    phash_decoder_free(dec);
    ck_assert_str_eq(phash_format_name(PHASH_FORMAT_WEBP), "webp");
    ck_assert_str_eq(phash_format_name((phash_format)99), "unknown");
}
END_TEST

START_TEST(errors_and_arguments)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img = (const phash_image *)1;
    ck_assert_int_eq(phash_decode_file(dec, "/nonexistent/x.jpg", &img), PHASH_ERR_IO);
    ck_assert_ptr_null(img);
    ck_assert_int_eq(phash_decoder_last_errno(dec), ENOENT);
    ck_assert_int_eq(phash_decode_file(dec, shared_path("testdata"), &img), PHASH_ERR_NOT_REGULAR);
    ck_assert_int_eq(phash_decoder_last_errno(dec), EISDIR);
    ck_assert_int_eq(phash_decode_memory(dec, "", 0, &img), PHASH_ERR_NOT_IMAGE);
    ck_assert_int_eq(phash_decoder_last_errno(dec), 0);
    ck_assert_int_eq(phash_decode_memory(dec, "\0\0\1\0\1\0\0\0", 8, &img), PHASH_ERR_UNSUPPORTED);
    ck_assert_int_eq(phash_decode_memory(dec, "GIF89a\1\0\1\0", 10, &img), PHASH_ERR_TRUNCATED);
    ck_assert_int_eq(phash_decode_memory(dec, "\xFF\xD8\xFF", 3, &img), PHASH_ERR_TRUNCATED);
    ck_assert_int_eq(phash_decode_memory(NULL, "x", 1, &img), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_decode_memory(dec, NULL, 1, &img), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_decode_file(dec, NULL, &img), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_decoder_set_option(dec, (phash_decode_option)77, 0),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_CMYK_MODE, 2),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_decoder_get_option(dec, PHASH_DECODE_CMYK_MODE), PHASH_CMYK_TO_RGB);
    ck_assert_int_eq(phash_decoder_get_option(dec, PHASH_DECODE_JPEG_SCALE), 8);
    ck_assert_int_eq(phash_decoder_get_option(dec, (phash_decode_option)77), -1);
    /* Decoder images are not freed by phash_image_free. */
    ck_assert_int_eq(phash_decode_file(dec, formats_path("pngsuite/basn2c08.png"), &img),
                     PHASH_OK);
    phash_image_free((phash_image *)img);
    ck_assert_uint_eq(phash_image_width(img), 32);
    phash_decoder_free(dec);
    phash_decoder_free(NULL);
}
END_TEST

/* The pixel buffer is reused: a smaller image lands in the same memory. */
START_TEST(buffers_reused_across_images)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_file(dec, formats_path("webp/lossless1.webp"), &img), PHASH_OK);
    const uint8_t *first = phash_image_pixels(img);
    ck_assert_int_eq(phash_decode_file(dec, formats_path("jpeg/video-001.jpeg"), &img), PHASH_OK);
    ck_assert_ptr_eq(phash_image_pixels(img), first);
    ck_assert_int_eq(phash_decode_file(dec, formats_path("pngsuite/basn0g08.png"), &img), PHASH_OK);
    ck_assert_ptr_eq(phash_image_pixels(img), first);
    phash_decoder_free(dec);
}
END_TEST

int main(void)
{
    require_shared("testdata/formats");
    require_shared("testdata/pdq");
    /* Under valgrind, libjpeg-turbo's SIMD upsampling of 4:1:0 and 4:4:0
     * files (h1v2 fancy upsampling) shows as reads of uninitialised rows in
     * lanes whose results are discarded: the output is identical whatever
     * MALLOC_PERTURB_ holds, and equals djpeg's. Use its C paths there;
     * the normal and ASan runs keep testing the SIMD ones. */
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload"))
        setenv("JSIMD_FORCENONE", "1", 1);
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, formats_table_outcomes);
    tcase_add_test(tc, formats_table_is_complete);
    tcase_add_test(tc, jpeg_pixels_equal_libjpeg);
#ifndef _WIN32 /* djpeg, dwebp, webpmux: Debian's tools, run through popen */
    tcase_add_test(tc, jpeg_pixels_equal_djpeg);
#endif
    tcase_add_test(tc, jpeg_scaled_decode_equals_libjpeg_scaling);
    tcase_add_test(tc, cmyk_raw3_is_first_three_channels);
    tcase_add_test(tc, cmyk_to_rgb_matches_go_reference);
    tcase_add_test(tc, synthetic_png_pixels_exact);
    tcase_add_test(tc, synthetic_pnm_pixels_exact);
    tcase_add_test(tc, pnm_variants);
    tcase_add_test(tc, png_pixels_equal_libpng_expansion);
    tcase_add_test(tc, sixteen_bit_low_byte_or_scaled);
    tcase_add_test(tc, png_sixteen_bit_memory);
    tcase_add_test(tc, webp_lossless_equals_png_source);
#ifndef _WIN32
    tcase_add_test(tc, webp_pixels_equal_dwebp);
    tcase_add_test(tc, webp_animated_first_frame);
#endif
    tcase_add_test(tc, format_kinds_and_names);
    tcase_add_test(tc, huge_dimensions_refused_before_allocating);
    tcase_add_test(tc, limits_each_field);
    tcase_add_test(tc, jpeg_scan_limit);
    tcase_add_test(tc, truncated_jpeg);
    tcase_add_test(tc, truncated_png);
    tcase_add_test(tc, truncated_webp);
    tcase_add_test(tc, jpeg_scan_limit_of_real_encoders);
    tcase_add_test(tc, jpeg_scans_counted_before_decoding);
    tcase_add_test(tc, jpeg_work_budget);
    tcase_add_test(tc, png_work_budget);
    tcase_add_test(tc, codec_work_budget);
    tcase_add_test(tc, jxl_cpu_cap);
    tcase_add_test(tc, decoder_trim_releases_large_buffers);
    tcase_add_loop_test(tc, evasion_corpus, 0, (int)(sizeof EVASIONS / sizeof EVASIONS[0]));
    tcase_add_test(tc, exif_orientation_parser);
    tcase_add_test(tc, orientation_transforms_exact);
    tcase_add_test(tc, orientation_applied_jpeg);
    tcase_add_test(tc, orientation_applied_webp);
    tcase_add_test(tc, sniff_signatures);
    tcase_add_test(tc, errors_and_arguments);
    tcase_add_test(tc, buffers_reused_across_images);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
