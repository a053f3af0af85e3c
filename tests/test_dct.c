/* SPDX-License-Identifier: MIT */
/* pHash 64-bit DCT hash (lib/dct64.c): bit layouts, text forms of the
 * reference values, reliability flags, channel rules on synthetic images. */
#include <stdint.h>

#include "phash/phash.h"
#include "testutil.h"

/* One row of a reference CSV (file,width,height,hash_hex). */
typedef struct ref_row {
    char file[128];
    unsigned width, height;
    uint64_t hash;
} ref_row;

/* Read a reference table; returns the number of rows (max cap). */
static size_t read_reference(const char *rel, ref_row *rows, size_t cap)
{
    FILE *f = fopen(shared_path(rel), "r");
    ck_assert_msg(f != NULL, "cannot open %s", shared_path(rel));
    char line[512];
    size_t n = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* header */
    while (n < cap && fgets(line, sizeof line, f)) {
        char hex[32];
        if (sscanf(line, "%127[^,],%u,%u,%31s", rows[n].file, &rows[n].width, &rows[n].height,
                   hex) != 4)
            continue;
        ck_assert_int_eq(phash_u64_parse(hex, strlen(hex), PHASH_U64_HEX, &rows[n].hash, NULL),
                         PHASH_OK);
        n++;
    }
    fclose(f);
    return n;
}

#define MAX_ROWS 64

static unsigned popcount64(uint64_t v) { return (unsigned)__builtin_popcountll(v); }

/* Every 0.9.7 row converts exactly to the master row of the same file, and
 * back (the lost bit restored by the 32-ones rule). */
START_TEST(layout_conversion_matches_reference_tables)
{
    ref_row m[MAX_ROWS], o[MAX_ROWS];
    size_t nm = read_reference("testdata/phash/phash-aetilius-master.csv", m, MAX_ROWS);
    size_t no = read_reference("testdata/phash/phash-aetilius-0.9.7.csv", o, MAX_ROWS);
    ck_assert_uint_eq(nm, 19);
    ck_assert_uint_eq(no, 19);
    for (size_t i = 0; i < nm; i++) {
        ck_assert_str_eq(m[i].file, o[i].file);
        ck_assert_uint_eq(popcount64(o[i].hash), 32);
        uint64_t to10 = phash_dct_convert(o[i].hash, PHASH_DCT_LAYOUT_0_9, PHASH_DCT_LAYOUT_1_0);
        ck_assert_msg(to10 == m[i].hash, "%s: %016llx != %016llx", m[i].file,
                      (unsigned long long)to10, (unsigned long long)m[i].hash);
        ck_assert_uint_eq(to10 & 1, 0);
        uint64_t back = phash_dct_convert(m[i].hash, PHASH_DCT_LAYOUT_1_0, PHASH_DCT_LAYOUT_0_9);
        ck_assert_msg(back == o[i].hash, "%s: back %016llx", m[i].file, (unsigned long long)back);
        ck_assert_uint_eq(phash_dct_convert(m[i].hash, PHASH_DCT_LAYOUT_1_0, PHASH_DCT_LAYOUT_1_0),
                          m[i].hash);
    }
}
END_TEST

/* Text forms of reference values >= 2^63 round-trip in every form. */
static void roundtrip(uint64_t v, phash_u64_form form, const char *text)
{
    char out[21];
    uint64_t back = 0;
    size_t n = phash_u64_format(v, form, out);
    ck_assert_uint_eq(n, strlen(text));
    ck_assert_str_eq(out, text);
    ck_assert_int_eq(phash_u64_parse(out, n, form, &back, NULL), PHASH_OK);
    ck_assert_uint_eq(back, v);
}

START_TEST(text_forms_of_high_values)
{
    /* FreshFlower.jpg, master layout: d8d52193acf72690 >= 2^63. */
    uint64_t v = 0xd8d52193acf72690ULL;
    roundtrip(v, PHASH_U64_HEX, "d8d52193acf72690");
    roundtrip(v, PHASH_U64_UNSIGNED, "15624431400377591440");
    roundtrip(v, PHASH_U64_SIGNED, "-2822312673331960176");
    /* hubble_deep_field.jpg 0.9.7: c69e461b0e9cf919 */
    uint64_t w = 0xc69e461b0e9cf919ULL;
    roundtrip(w, PHASH_U64_HEX, "c69e461b0e9cf919");
    roundtrip(w, PHASH_U64_UNSIGNED, "14311953747853244697");
    roundtrip(w, PHASH_U64_SIGNED, "-4134790325856306919");
    /* Below 2^63 the signed and unsigned forms agree. */
    roundtrip(0x4b3374c8f57722b0ULL, PHASH_U64_SIGNED, "5418803183117345456");
    ck_assert_uint_eq(phash_u64_distance(v, w), phash_u64_distance(w, v));
    ck_assert_uint_eq(phash_u64_distance(0x65551baf914be0b4ULL, 0x65551baf914b68b4ULL), 2);
}
END_TEST

START_TEST(layout_names)
{
    phash_dct_layout l;
    ck_assert_int_eq(phash_dct_layout_parse("1.0", &l), PHASH_OK);
    ck_assert_int_eq(l, PHASH_DCT_LAYOUT_1_0);
    ck_assert_int_eq(phash_dct_layout_parse("0.9.7", &l), PHASH_OK);
    ck_assert_int_eq(l, PHASH_DCT_LAYOUT_0_9);
    ck_assert_int_eq(phash_dct_layout_parse("0.9", &l), PHASH_OK);
    ck_assert_int_eq(l, PHASH_DCT_LAYOUT_0_9);
    ck_assert_int_eq(phash_dct_layout_parse("2.0", &l), PHASH_ERR_INVALID_ARG);
    ck_assert_str_eq(phash_dct_layout_name(PHASH_DCT_LAYOUT_0_9), "0.9");
    ck_assert_str_eq(phash_dct_layout_name(PHASH_DCT_LAYOUT_1_0), "1.0");
    phash_dct_hasher *h = phash_dct_hasher_new();
    ck_assert_int_eq(phash_dct_hasher_set_layout(h, (phash_dct_layout)7), PHASH_ERR_INVALID_ARG);
    phash_dct_hasher_free(h);
    phash_dct_hasher_free(NULL);
}
END_TEST

/* ---- synthetic images -------------------------------------------------- */

/* A deterministic detailed RGB image (smooth waves plus hashed noise). */
static uint8_t *make_rgb(uint32_t w, uint32_t h, uint32_t channels)
{
    uint8_t *p = malloc((size_t)w * h * channels);
    uint32_t seed = 12345;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *q = p + ((size_t)y * w + x) * channels;
            seed = seed * 1103515245u + 12345u;
            unsigned noise = seed >> 27;
            unsigned base = (x * 255 / w + (y * y) % 97 + ((x / 23 + y / 17) % 3) * 40) % 256;
            for (uint32_t c = 0; c < channels; c++)
                q[c] = (uint8_t)((base + c * 50 + noise) % 256);
        }
    return p;
}

static phash_dct_result hash_pixels(const uint8_t *p, uint32_t w, uint32_t h, size_t stride,
                                    phash_pixel_format fmt, phash_dct_layout layout)
{
    phash_image *img = NULL;
    ck_assert_int_eq(phash_image_wrap(p, w, h, stride, fmt, &img), PHASH_OK);
    phash_dct_hasher *hs = phash_dct_hasher_new();
    ck_assert_int_eq(phash_dct_hasher_set_layout(hs, layout), PHASH_OK);
    phash_dct_result r;
    ck_assert_int_eq(phash_dct_hash_image(hs, img, &r), PHASH_OK);
    ck_assert_int_eq(r.layout, layout);
    phash_dct_hasher_free(hs);
    phash_image_free(img);
    return r;
}

START_TEST(alpha_is_ignored_and_layouts_agree)
{
    uint32_t w = 200, h = 150;
    uint8_t *rgba = make_rgb(w, h, 4);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h; i++)
        memcpy(rgb + 3 * i, rgba + 4 * i, 3);
    phash_dct_result a = hash_pixels(rgba, w, h, (size_t)w * 4, PHASH_PIXEL_RGBA8,
                                     PHASH_DCT_LAYOUT_1_0);
    phash_dct_result b = hash_pixels(rgb, w, h, (size_t)w * 3, PHASH_PIXEL_RGB8,
                                     PHASH_DCT_LAYOUT_1_0);
    phash_dct_result c = hash_pixels(rgb, w, h, (size_t)w * 3, PHASH_PIXEL_RGB8,
                                     PHASH_DCT_LAYOUT_0_9);
    ck_assert_uint_eq(a.hash, b.hash);
    ck_assert_uint_eq(phash_dct_convert(c.hash, PHASH_DCT_LAYOUT_0_9, PHASH_DCT_LAYOUT_1_0), b.hash);
    ck_assert_uint_eq(popcount64(c.hash), 32);
    ck_assert_uint_eq(b.flags, 0);
    ck_assert_int_ge(b.quality, PHASH_DCT_MIN_QUALITY);
    free(rgba);
    free(rgb);
}
END_TEST

/* Grey channel 0 is used raw; the RGB luma of (v,v,v) is an increasing map
 * of v, and a padded stride changes nothing. */
START_TEST(grey_and_stride)
{
    uint32_t w = 97, h = 61;
    uint8_t *rgb = make_rgb(w, h, 3);
    size_t stride = (size_t)w * 2 + 5;
    uint8_t *ga = calloc(stride * h, 1);
    uint8_t *g3 = malloc((size_t)w * h * 3);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t v = rgb[((size_t)y * w + x) * 3 + 1];
            ga[y * stride + 2 * x] = v;
            ga[y * stride + 2 * x + 1] = (uint8_t)(x * y); /* alpha, ignored */
            memset(g3 + ((size_t)y * w + x) * 3, v, 3);
        }
    phash_dct_result a = hash_pixels(ga, w, h, stride, PHASH_PIXEL_GRAYA8, PHASH_DCT_LAYOUT_1_0);
    phash_dct_result b = hash_pixels(g3, w, h, (size_t)w * 3, PHASH_PIXEL_RGB8, PHASH_DCT_LAYOUT_1_0);
    ck_assert_uint_le(phash_u64_distance(a.hash, b.hash), 2);
    free(rgb);
    free(ga);
    free(g3);
}
END_TEST

START_TEST(flat_images_have_no_reliable_hash)
{
    uint8_t px[64 * 48 * 3];
    memset(px, 128, sizeof px);
    phash_dct_result r = hash_pixels(px, 64, 48, 64 * 3, PHASH_PIXEL_RGB8, PHASH_DCT_LAYOUT_1_0);
    ck_assert_uint_eq(r.flags & PHASH_DCT_FLAT, PHASH_DCT_FLAT);
    ck_assert_int_eq(r.quality, 0);
    /* A pure horizontal gradient: rows 1..8 of the DCT are all zero. */
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++)
            memset(px + (y * 64 + x) * 3, x * 4, 3);
    r = hash_pixels(px, 64, 48, 64 * 3, PHASH_PIXEL_RGB8, PHASH_DCT_LAYOUT_1_0);
    ck_assert_uint_eq(r.flags & PHASH_DCT_FLAT, PHASH_DCT_FLAT);
    ck_assert_int_eq(r.quality, 0);
    /* 1x1 */
    r = hash_pixels(px, 1, 1, 3, PHASH_PIXEL_RGB8, PHASH_DCT_LAYOUT_1_0);
    ck_assert_uint_eq(r.flags, PHASH_DCT_FLAT | PHASH_DCT_SMALL);
    ck_assert_int_eq(r.quality, 0);
}
END_TEST

START_TEST(small_and_symmetric_images_are_flagged)
{
    uint8_t *p = make_rgb(31, 17, 3);
    phash_dct_result r = hash_pixels(p, 31, 17, 31 * 3, PHASH_PIXEL_RGB8, PHASH_DCT_LAYOUT_1_0);
    ck_assert_uint_eq(r.flags & PHASH_DCT_SMALL, PHASH_DCT_SMALL);
    ck_assert_int_eq(r.quality, 0);
    free(p);
    /* A disc centred on the sample grid (samples at 8 j, symmetric about
     * 124): every coefficient with an odd row or column index is zero up
     * to rounding, so dozens tie with the median. */
    static uint8_t disc[256 * 256];
    for (int y = 0; y < 256; y++)
        for (int x = 0; x < 256; x++) {
            int dx = x - 124, dy = y - 124;
            disc[y * 256 + x] = dx * dx + dy * dy < 75 * 75 ? 220 : 30;
        }
    r = hash_pixels(disc, 256, 256, 256, PHASH_PIXEL_GRAY8, PHASH_DCT_LAYOUT_1_0);
    ck_assert_uint_eq(r.flags & PHASH_DCT_TIES, PHASH_DCT_TIES);
    ck_assert_int_eq(r.quality, 0);
}
END_TEST

START_TEST(invalid_arguments)
{
    phash_dct_hasher *h = phash_dct_hasher_new();
    phash_dct_result r;
    ck_assert_int_eq(phash_dct_hash_image(h, NULL, &r), PHASH_ERR_INVALID_ARG);
    ck_assert_ptr_nonnull(phash_dct_hasher_last_error(h));
    ck_assert_int_eq(phash_dct_hash_image(NULL, NULL, &r), PHASH_ERR_INVALID_ARG);
    phash_dct_hasher_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dct");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, layout_conversion_matches_reference_tables);
    tcase_add_test(tc, text_forms_of_high_values);
    tcase_add_test(tc, layout_names);
    tcase_add_test(tc, alpha_is_ignored_and_layouts_agree);
    tcase_add_test(tc, grey_and_stride);
    tcase_add_test(tc, flat_images_have_no_reliable_hash);
    tcase_add_test(tc, small_and_symmetric_images_are_flagged);
    tcase_add_test(tc, invalid_arguments);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
