/* SPDX-License-Identifier: MIT */
/* Query-side expansions (include/phash/expand.h): the border and embedded-
 * picture detectors on constructed images whose answer is known to the
 * pixel, the list of views, and hashing a view. */
#include <stdint.h>

#include "phash/phash.h"
#include "testutil.h"

/* A constructed RGB (or grey) canvas. */
typedef struct canvas {
    uint32_t w, h, ch;
    uint8_t *px;
} canvas;

static canvas canvas_new(uint32_t w, uint32_t h, uint32_t ch, const uint8_t colour[3])
{
    canvas c = {w, h, ch, malloc((size_t)w * h * ch)};
    ck_assert_ptr_nonnull(c.px);
    for (size_t i = 0; i < (size_t)w * h; i++)
        memcpy(c.px + i * ch, colour, ch);
    return c;
}

static void fill_rect(canvas *c, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h,
                      const uint8_t colour[3])
{
    for (uint32_t y = y0; y < y0 + h; y++)
        for (uint32_t x = x0; x < x0 + w; x++)
            memcpy(c->px + ((size_t)y * c->w + x) * c->ch, colour, c->ch);
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* A photo-like picture (smooth waves plus texture, values 30..220) at
 * (x0, y0); seed varies it. */
static void paint_picture(canvas *c, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h,
                          uint32_t seed)
{
    uint32_t s = seed;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = c->px + ((size_t)(y0 + y) * c->w + x0 + x) * c->ch;
            for (uint32_t k = 0; k < c->ch; k++) {
                uint32_t v = 60u + (x * (3 + k) + y * (5 + seed % 7)) % 97u + lcg(&s) % 64u;
                p[k] = (uint8_t)v;
            }
        }
}

/* Add noise in [-amp, amp] to every sample of a rectangle (JPEG-like). */
static void add_noise(canvas *c, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, int amp,
                      uint32_t seed)
{
    uint32_t s = seed;
    for (uint32_t y = y0; y < y0 + h; y++)
        for (uint32_t x = x0; x < x0 + w; x++)
            for (uint32_t k = 0; k < c->ch; k++) {
                uint8_t *p = c->px + ((size_t)y * c->w + x) * c->ch + k;
                int v = *p + (int)(lcg(&s) % (uint32_t)(2 * amp + 1)) - amp;
                *p = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

static phash_image *wrap(const canvas *c)
{
    phash_image *img = NULL;
    ck_assert_int_eq(phash_image_wrap(c->px, c->w, c->h, (size_t)c->w * c->ch,
                                      (phash_pixel_format)c->ch, &img), PHASH_OK);
    return img;
}

static phash_expander *expander(void)
{
    phash_expander *ex = NULL;
    ck_assert_int_eq(phash_expander_new(&ex), PHASH_OK);
    return ex;
}

/* Run one detector; returns found and fills *v. */
static int detect(int embedded, const canvas *c, phash_view *v)
{
    phash_expander *ex = expander();
    phash_image *img = wrap(c);
    int found = -1;
    phash_status st = embedded ? phash_expand_embedded(ex, img, v, &found)
                               : phash_expand_border(ex, img, v, &found);
    ck_assert_int_eq(st, PHASH_OK);
    phash_image_free(img);
    phash_expander_free(ex);
    return found;
}

#define ASSERT_BOX(v, kind_, x_, y_, w_, h_)                                                    \
    do {                                                                                        \
        ck_assert_int_eq((v).kind, kind_);                                                      \
        ck_assert_uint_eq((v).x, x_);                                                           \
        ck_assert_uint_eq((v).y, y_);                                                           \
        ck_assert_uint_eq((v).width, w_);                                                       \
        ck_assert_uint_eq((v).height, h_);                                                      \
    } while (0)

static const uint8_t BLACK[3] = {0, 0, 0}, WHITE[3] = {255, 255, 255};
static const uint8_t WINDOW[3] = {236, 236, 236}, BAR[3] = {48, 52, 60};
static const uint8_t TEAL[3] = {40, 120, 200}, LIGHT[3] = {230, 230, 230};

START_TEST(border_black_all_sides)
{
    canvas c = canvas_new(220, 170, 3, BLACK);
    paint_picture(&c, 10, 10, 200, 150, 1);
    phash_view v;
    ck_assert_int_eq(detect(0, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_BORDER, 10, 10, 200, 150);
    free(c.px);
}
END_TEST

START_TEST(border_white_letterbox_and_pillarbox)
{
    canvas c = canvas_new(300, 240, 3, WHITE); /* letterbox: bars above and below */
    paint_picture(&c, 0, 30, 300, 170, 2);
    phash_view v;
    ck_assert_int_eq(detect(0, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_BORDER, 0, 30, 300, 170);
    free(c.px);
    c = canvas_new(320, 180, 3, BLACK); /* pillarbox: bars left and right */
    paint_picture(&c, 40, 0, 240, 180, 3);
    ck_assert_int_eq(detect(0, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_BORDER, 40, 0, 240, 180);
    free(c.px);
}
END_TEST

START_TEST(border_one_side_any_colour)
{
    canvas c = canvas_new(256, 200, 3, TEAL);
    paint_picture(&c, 0, 0, 256, 164, 4); /* a teal bar at the bottom only */
    phash_view v;
    ck_assert_int_eq(detect(0, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_BORDER, 0, 0, 256, 164);
    free(c.px);
}
END_TEST

START_TEST(border_tolerates_jpeg_noise)
{
    canvas c = canvas_new(240, 180, 3, BLACK);
    paint_picture(&c, 12, 9, 216, 162, 5);
    add_noise(&c, 0, 0, 240, 9, 12, 7);     /* noisy top border */
    add_noise(&c, 0, 171, 240, 9, 12, 8);   /* bottom */
    add_noise(&c, 0, 9, 12, 162, 12, 9);    /* left */
    add_noise(&c, 228, 9, 12, 162, 12, 10); /* right */
    phash_view v;
    ck_assert_int_eq(detect(0, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_BORDER, 12, 9, 216, 162);
    free(c.px);
}
END_TEST

START_TEST(border_of_two_colours)
{
    /* A black letterbox inside a white frame: both are removed. */
    canvas c = canvas_new(300, 260, 3, WHITE);
    fill_rect(&c, 20, 20, 260, 220, BLACK);
    paint_picture(&c, 20, 50, 260, 160, 6);
    phash_view v;
    ck_assert_int_eq(detect(0, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_BORDER, 20, 50, 260, 160);
    free(c.px);
}
END_TEST

START_TEST(border_grey_image)
{
    const uint8_t g[3] = {250, 250, 250};
    canvas c = canvas_new(200, 200, 1, g);
    paint_picture(&c, 25, 15, 150, 170, 7);
    phash_view v;
    ck_assert_int_eq(detect(0, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_BORDER, 25, 15, 150, 170);
    free(c.px);
}
END_TEST

START_TEST(border_none)
{
    phash_view v = {PHASH_VIEW_ORIG, 1, 2, 3, 4};
    canvas c = canvas_new(200, 150, 3, BLACK);
    paint_picture(&c, 0, 0, 200, 150, 8); /* no border at all */
    ck_assert_int_eq(detect(0, &c, &v), 0);
    ASSERT_BOX(v, PHASH_VIEW_ORIG, 1, 2, 3, 4); /* untouched */
    fill_rect(&c, 0, 0, 200, 1, BLACK);      /* 1 px: below the 2 px minimum */
    ck_assert_int_eq(detect(0, &c, &v), 0);
    free(c.px);
    c = canvas_new(200, 150, 3, TEAL); /* a flat image has no content box */
    ck_assert_int_eq(detect(0, &c, &v), 0);
    free(c.px);
    c = canvas_new(200, 150, 3, WHITE); /* content box under 10% of the area */
    paint_picture(&c, 90, 60, 20, 20, 9);
    ck_assert_int_eq(detect(0, &c, &v), 0);
    free(c.px);
}
END_TEST

/* A sky over a skyline: building tops at irregular heights from row sky_h,
 * a textured city below. drift: how much the sky's colour changes from top
 * to bottom. */
static canvas skyline(uint32_t w, uint32_t h, uint32_t sky_h, int drift)
{
    canvas c = canvas_new(w, h, 3, BLACK);
    paint_picture(&c, 0, 0, w, h, 20);
    uint32_t s = 99;
    uint32_t top = sky_h;
    for (uint32_t x = 0; x < w; x++) {
        if (x % 12 == 0)
            top = sky_h + lcg(&s) % (h / 3);
        for (uint32_t y = 0; y < top; y++) {
            uint8_t *p = c.px + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(90 + drift * (int)y / (int)top);
            p[1] = (uint8_t)(140 + drift * (int)y / (int)top);
            p[2] = 220;
        }
    }
    return c;
}

START_TEST(border_not_a_sky)
{
    /* A fading sky (the old rule peeled it as a border within its 24-level
     * tolerance) and a perfectly flat one: neither ends on a straight edge. */
    phash_view v;
    canvas c = skyline(300, 200, 60, 20);
    ck_assert_int_eq(detect(0, &c, &v), 0);
    free(c.px);
    c = skyline(300, 200, 60, 0);
    ck_assert_int_eq(detect(0, &c, &v), 0);
    free(c.px);
}
END_TEST

/* A viewer window: dark title bar with light "text", grey frame, the
 * picture inside. */
static canvas screenshot(uint32_t w, uint32_t h, uint32_t px, uint32_t py, uint32_t pw,
                         uint32_t ph)
{
    canvas c = canvas_new(w, h, 3, WINDOW);
    fill_rect(&c, 0, 0, w, 24, BAR);
    for (uint32_t x = 10; x + 6 < w / 2; x += 9)
        fill_rect(&c, x, 7, 6, 10, LIGHT);
    paint_picture(&c, px, py, pw, ph, 11);
    return c;
}

START_TEST(embedded_screenshot)
{
    canvas c = screenshot(400, 300, 80, 90, 240, 160);
    phash_view v;
    ck_assert_int_eq(detect(1, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_EMBEDDED, 80, 90, 240, 160);
    free(c.px);
    /* Larger than the sampling step: edges still exact. */
    c = screenshot(1500, 1000, 301, 157, 900, 640);
    ck_assert_int_eq(detect(1, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_EMBEDDED, 301, 157, 900, 640);
    free(c.px);
}
END_TEST

/* A meme: white bar with black "text" above a full-width picture. */
static canvas meme(uint32_t w, uint32_t h, uint32_t bar)
{
    canvas c = canvas_new(w, h, 3, WHITE);
    for (uint32_t x = w / 10; x + 8 < w - w / 10; x += 13)
        fill_rect(&c, x, bar / 5, 9, bar / 2, BLACK);
    paint_picture(&c, 0, bar, w, h - bar, 12);
    return c;
}

START_TEST(embedded_meme)
{
    canvas c = meme(320, 290, 50);
    phash_view v;
    ck_assert_int_eq(detect(1, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_EMBEDDED, 0, 50, 320, 240);
    free(c.px);
}
END_TEST

START_TEST(embedded_meme_dense_caption_night_photo)
{
    /* A caption bar full of text is less flat than a night photo (dark, a
     * few lights): the picture is still found. */
    static const uint8_t NIGHT[3] = {18, 20, 34};
    canvas c = canvas_new(320, 260, 3, WHITE);
    for (uint32_t x = 8; x + 4 < 312; x += 7)
        for (uint32_t y = 6; y + 6 < 44; y += 9)
            fill_rect(&c, x, y, 4, 6, BLACK);
    fill_rect(&c, 0, 60, 320, 200, NIGHT);
    uint32_t s = 5;
    for (int i = 0; i < 900; i++) {
        uint32_t x = lcg(&s) % 318, y = 61 + lcg(&s) % 198;
        fill_rect(&c, x, y, 2, 2, LIGHT);
    }
    phash_view v;
    ck_assert_int_eq(detect(1, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_EMBEDDED, 0, 60, 320, 200);
    free(c.px);
}
END_TEST

START_TEST(embedded_with_noise)
{
    canvas c = screenshot(400, 300, 80, 90, 240, 160);
    add_noise(&c, 0, 24, 400, 276, 3, 13); /* the whole window, JPEG-like */
    phash_view v;
    ck_assert_int_eq(detect(1, &c, &v), 1);
    ASSERT_BOX(v, PHASH_VIEW_EMBEDDED, 80, 90, 240, 160);
    free(c.px);
}
END_TEST

START_TEST(embedded_none)
{
    phash_view v;
    canvas c = canvas_new(300, 200, 3, BLACK);
    paint_picture(&c, 0, 0, 300, 200, 14);
    ck_assert_int_eq(detect(1, &c, &v), 0);
    free(c.px);
    c = canvas_new(300, 200, 3, WINDOW); /* flat */
    ck_assert_int_eq(detect(1, &c, &v), 0);
    free(c.px);
    c = canvas_new(300, 200, 3, WINDOW); /* picture under the 10% minimum */
    paint_picture(&c, 100, 80, 40, 40, 15);
    ck_assert_int_eq(detect(1, &c, &v), 0);
    free(c.px);
}
END_TEST

START_TEST(views_list)
{
    phash_expander *ex = expander();
    canvas c = screenshot(400, 300, 80, 90, 240, 160);
    phash_image *img = wrap(&c);
    phash_view v[PHASH_EXPAND_MAX_VIEWS];
    size_t n = 0;
    ck_assert_int_eq(phash_expand_views(ex, img, v, PHASH_EXPAND_MAX_VIEWS, &n), PHASH_OK);
    /* orig; the title bar's flat top rows (above its "text") and the
     * window's flat bottom below the picture are borders; the picture. */
    ck_assert_uint_eq(n, 3);
    ASSERT_BOX(v[0], PHASH_VIEW_ORIG, 0, 0, 400, 300);
    ASSERT_BOX(v[1], PHASH_VIEW_BORDER, 0, 7, 400, 243);
    ASSERT_BOX(v[2], PHASH_VIEW_EMBEDDED, 80, 90, 240, 160);
    /* The cap: by argument and by option. */
    ck_assert_int_eq(phash_expand_views(ex, img, v, 2, &n), PHASH_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(phash_expander_set_option(ex, PHASH_EXPAND_OPT_MAX_VIEWS, 1), PHASH_OK);
    ck_assert_int_eq(phash_expand_views(ex, img, v, 3, &n), PHASH_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(phash_expander_set_option(ex, PHASH_EXPAND_OPT_MAX_VIEWS, 3), PHASH_OK);
    /* Only the embedded detector. */
    ck_assert_int_eq(phash_expander_set_option(ex, PHASH_EXPAND_OPT_KINDS, PHASH_VIEW_EMBEDDED),
                     PHASH_OK);
    ck_assert_int_eq(phash_expand_views(ex, img, v, 3, &n), PHASH_OK);
    ck_assert_uint_eq(n, 2);
    ASSERT_BOX(v[1], PHASH_VIEW_EMBEDDED, 80, 90, 240, 160);
    ck_assert_int_eq(phash_expander_set_option(ex, PHASH_EXPAND_OPT_KINDS, 0), PHASH_OK);
    ck_assert_int_eq(phash_expand_views(ex, img, v, 3, &n), PHASH_OK);
    ck_assert_uint_eq(n, 1);
    phash_image_free(img);
    free(c.px);
    /* A letterbox is found by both detectors: listed once. */
    ck_assert_int_eq(phash_expander_set_option(ex, PHASH_EXPAND_OPT_KINDS,
                                               PHASH_VIEW_ALL_EXPANSIONS), PHASH_OK);
    c = canvas_new(320, 240, 3, BLACK);
    paint_picture(&c, 0, 30, 320, 180, 16);
    img = wrap(&c);
    ck_assert_int_eq(phash_expand_views(ex, img, v, 3, &n), PHASH_OK);
    ck_assert_uint_eq(n, 2);
    ASSERT_BOX(v[1], PHASH_VIEW_BORDER, 0, 30, 320, 180);
    phash_image_free(img);
    free(c.px);
    phash_expander_free(ex);
}
END_TEST

START_TEST(view_hash_equals_unbordered_picture)
{
    /* The border view holds exactly the picture's pixels: its PDQ and pHash
     * are those of the picture alone. */
    canvas pic = canvas_new(200, 150, 3, BLACK);
    paint_picture(&pic, 0, 0, 200, 150, 17);
    canvas c = canvas_new(240, 170, 3, WHITE);
    for (uint32_t y = 0; y < 150; y++)
        memcpy(c.px + ((size_t)(y + 10) * 240 + 20) * 3, pic.px + (size_t)y * 200 * 3, 600);
    phash_image *a = wrap(&pic), *b = wrap(&c), *view = NULL;
    phash_expander *ex = expander();
    phash_view v;
    int found = 0;
    ck_assert_int_eq(phash_expand_border(ex, b, &v, &found), PHASH_OK);
    ck_assert_int_eq(found, 1);
    ck_assert_int_eq(phash_view_image(b, &v, &view), PHASH_OK);
    ck_assert_uint_eq(phash_image_width(view), 200);
    ck_assert_uint_eq(phash_image_height(view), 150);
    ck_assert_ptr_eq(phash_image_pixels(view), c.px + ((size_t)10 * 240 + 20) * 3);
    phash_pdq_hasher *ph = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&ph), PHASH_OK);
    phash_pdq_result ra, rb, rc;
    ck_assert_int_eq(phash_pdq_hash_image(ph, a, 0, &ra), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hash_image(ph, view, 0, &rb), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hash_image(ph, b, 0, &rc), PHASH_OK);
    ck_assert_uint_eq(phash_pdq_distance(&ra.hash, &rb.hash), 0);
    ck_assert_uint_gt(phash_pdq_distance(&ra.hash, &rc.hash), 31); /* the border hurts */
    phash_dct_hasher *dh = NULL;
    ck_assert_int_eq(phash_dct_hasher_new(&dh), PHASH_OK);
    phash_dct_result da, db;
    ck_assert_int_eq(phash_dct_hash_image(dh, a, &da), PHASH_OK);
    ck_assert_int_eq(phash_dct_hash_image(dh, view, &db), PHASH_OK);
    ck_assert_uint_eq(da.hash, db.hash);
    phash_dct_hasher_free(dh);
    phash_pdq_hasher_free(ph);
    phash_image_free(view);
    phash_image_free(a);
    phash_image_free(b);
    phash_expander_free(ex);
    free(c.px);
    free(pic.px);
}
END_TEST

START_TEST(arguments)
{
    phash_expander *ex = expander();
    canvas c = canvas_new(64, 64, 3, WHITE);
    phash_image *img = wrap(&c), *out = (phash_image *)&c;
    phash_view v = {PHASH_VIEW_ORIG, 60, 0, 5, 10};
    int found;
    size_t n;
    ck_assert_int_eq(phash_view_image(img, &v, &out), PHASH_ERR_INVALID_ARG); /* x + w > 64 */
    ck_assert_ptr_null(out);
    v.width = 0;
    ck_assert_int_eq(phash_view_image(img, &v, &out), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_expand_border(ex, NULL, &v, &found), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_expand_embedded(NULL, img, &v, &found), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_expand_views(ex, img, &v, 0, &n), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_expander_set_option(ex, PHASH_EXPAND_OPT_MAX_VIEWS, 4),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_str_eq(phash_expander_last_error(ex), "expand: value 4 out of range for option 2");
    ck_assert_int_eq(phash_expander_set_option(ex, PHASH_EXPAND_OPT_KINDS, 0x08),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_expander_set_option(ex, (phash_expand_option)99, 1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_expander_get_option(ex, PHASH_EXPAND_OPT_MAX_VIEWS), 3);
    ck_assert_int_eq(phash_expander_get_option(ex, PHASH_EXPAND_OPT_BORDER_TOLERANCE), 24);
    ck_assert_int_eq(phash_expander_get_option(ex, PHASH_EXPAND_OPT_MIN_AREA_PERCENT), 10);
    ck_assert_int_eq(phash_expander_get_option(ex, (phash_expand_option)99), -1);
    ck_assert_int_eq(phash_expander_new(NULL), PHASH_ERR_INVALID_ARG);
    phash_expander_free(NULL);
    unsigned mask = 99;
    ck_assert_int_eq(phash_view_kinds_parse("border,embedded", &mask), PHASH_OK);
    ck_assert_uint_eq(mask, PHASH_VIEW_BORDER | PHASH_VIEW_EMBEDDED);
    ck_assert_int_eq(phash_view_kinds_parse("embedded", &mask), PHASH_OK);
    ck_assert_uint_eq(mask, PHASH_VIEW_EMBEDDED);
    ck_assert_int_eq(phash_view_kinds_parse("all", &mask), PHASH_OK);
    ck_assert_uint_eq(mask, PHASH_VIEW_ALL_EXPANSIONS);
    ck_assert_int_eq(phash_view_kinds_parse("none", &mask), PHASH_OK);
    ck_assert_uint_eq(mask, 0);
    ck_assert_int_eq(phash_view_kinds_parse("", &mask), PHASH_OK);
    ck_assert_uint_eq(mask, 0);
    ck_assert_int_eq(phash_view_kinds_parse("orig", &mask), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_view_kinds_parse("border,", &mask), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_view_kinds_parse("borders", &mask), PHASH_ERR_INVALID_ARG);
    ck_assert_str_eq(phash_view_kind_name(PHASH_VIEW_ORIG), "orig");
    ck_assert_str_eq(phash_view_kind_name(PHASH_VIEW_BORDER), "border");
    ck_assert_str_eq(phash_view_kind_name(PHASH_VIEW_EMBEDDED), "embedded");
    ck_assert_str_eq(phash_view_kind_name((phash_view_kind)0x40), "unknown");
    phash_image_free(img);
    phash_expander_free(ex);
    free(c.px);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("expand");
    TCase *tc = tcase_create("expand");
    tcase_add_test(tc, border_black_all_sides);
    tcase_add_test(tc, border_white_letterbox_and_pillarbox);
    tcase_add_test(tc, border_one_side_any_colour);
    tcase_add_test(tc, border_tolerates_jpeg_noise);
    tcase_add_test(tc, border_of_two_colours);
    tcase_add_test(tc, border_grey_image);
    tcase_add_test(tc, border_none);
    tcase_add_test(tc, border_not_a_sky);
    tcase_add_test(tc, embedded_screenshot);
    tcase_add_test(tc, embedded_meme);
    tcase_add_test(tc, embedded_meme_dense_caption_night_photo);
    tcase_add_test(tc, embedded_with_noise);
    tcase_add_test(tc, embedded_none);
    tcase_add_test(tc, views_list);
    tcase_add_test(tc, view_hash_equals_unbordered_picture);
    tcase_add_test(tc, arguments);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
