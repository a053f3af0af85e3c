/* SPDX-License-Identifier: MIT */
/* Uniform-border detector (include/phash/expand.h, PHASH_VIEW_BORDER).
 *
 * Each side is peeled line by line from the outside in: the outermost line
 * sets the side's colour (its mean; it must itself be flat), and a line
 * belongs to the border while at least 97% of its samples are within the
 * tolerance of that colour on every channel (JPEG noise and ringing stay
 * inside; a photo's edge does not); a second flat colour right after the
 * first is peeled as well (a letterbox inside a frame). Sides are measured in two rounds, the
 * second over the span the first round left between the other two sides,
 * so that borders of different colours on different sides (a black
 * letterbox on a white frame) are all found. */
#include <string.h>

#include "expand_internal.h"

enum side { TOP, BOTTOM, LEFT, RIGHT };

/* At least this many pixels of content are kept in each direction. */
#define MIN_CONTENT 8u
/* Borders of at most this many colours are peeled from one side. */
#define MAX_LAYERS 2
/* Largest difference between a border line's mean and the border colour. */
#define MAX_DRIFT 4
/* The edge that ends a pad (ends_on_step). */
#define STEP_LINES 3u
#define STEP_PERCENT 30u

typedef struct line_ctx {
    const phash_image *img;
    enum side side;
    uint32_t lo, hi;  /* span along the line, [lo, hi) */
    uint32_t step;    /* sampling step along the line */
    unsigned nch;     /* channels compared: 1 (grey) or 3 */
    int tol;
} line_ctx;

/* Line k (k = 0 is the outermost line): its first sample (position lo),
 * the bytes from one sample to the next and the count of samples. */
static const uint8_t *line_start(const line_ctx *c, uint32_t k, size_t *adv, uint32_t *n)
{
    const phash_image *img = c->img;
    const size_t ch = img->channels;
    *n = c->hi > c->lo ? (c->hi - c->lo + c->step - 1) / c->step : 0;
    switch (c->side) {
    case TOP:
        *adv = c->step * ch;
        return ph_image_row(img, k) + c->lo * ch;
    case BOTTOM:
        *adv = c->step * ch;
        return ph_image_row(img, img->height - 1 - k) + c->lo * ch;
    case LEFT:
        *adv = c->step * img->stride;
        return ph_image_row(img, c->lo) + k * ch;
    default:
        *adv = c->step * img->stride;
        return ph_image_row(img, c->lo) + (img->width - 1 - k) * ch;
    }
}

/* 1 when every compared channel of p is within tol of colour. */
static inline int near_colour(const line_ctx *c, const uint8_t *p, const int colour[3])
{
    for (unsigned ch = 0; ch < c->nch; ch++)
        if (p[ch] - colour[ch] > c->tol || colour[ch] - p[ch] > c->tol)
            return 0;
    return 1;
}

static void line_mean(const line_ctx *c, uint32_t k, int mean[3])
{
    uint64_t sum[3] = {0, 0, 0};
    size_t adv;
    uint32_t n;
    const uint8_t *p = line_start(c, k, &adv, &n);
    for (uint32_t i = 0; i < n; i++, p += adv)
        for (unsigned ch = 0; ch < c->nch; ch++)
            sum[ch] += p[ch];
    for (unsigned ch = 0; ch < c->nch; ch++)
        mean[ch] = n ? (int)((sum[ch] + n / 2) / n) : 0;
}

/* 1 when at least 97% of line k's samples are within tol of colour and
 * the line's mean is within MAX_DRIFT of it on every channel (noise
 * averages out along a border line; a sky's gradient does not). Stops as
 * soon as more than 3% of the samples are off. */
static int line_is_border(const line_ctx *c, uint32_t k, const int colour[3])
{
    size_t adv;
    uint32_t n, off = 0;
    int64_t sum[3] = {0, 0, 0};
    const uint8_t *p = line_start(c, k, &adv, &n);
    const uint64_t max_off = (uint64_t)n * 3u / 100u; /* near * 100 >= n * 97 */
    if (n == 0)
        return 0;
    for (uint32_t i = 0; i < n; i++, p += adv) {
        if (!near_colour(c, p, colour) && ++off > max_off)
            return 0;
        for (unsigned ch = 0; ch < c->nch; ch++)
            sum[ch] += p[ch] - colour[ch];
    }
    for (unsigned ch = 0; ch < c->nch; ch++)
        if (sum[ch] > (int64_t)n * MAX_DRIFT || sum[ch] < -(int64_t)n * MAX_DRIFT)
            return 0;
    return 1;
}

/* Share (per cent) of line k's samples farther than tol from colour. */
static uint32_t line_off_percent(const line_ctx *c, uint32_t k, const int colour[3])
{
    size_t adv;
    uint32_t n, off = 0;
    const uint8_t *p = line_start(c, k, &adv, &n);
    for (uint32_t i = 0; i < n; i++, p += adv)
        off += !near_colour(c, p, colour);
    return n ? off * 100u / n : 0;
}

/* A pad ends on a straight edge: within STEP_LINES lines after it, a line
 * differs from the pad's colour along at least STEP_PERCENT of its length.
 * A sky over a skyline fades out a building at a time and is not a pad. */
static int ends_on_step(const line_ctx *c, uint32_t k, uint32_t lines, const int colour[3])
{
    for (uint32_t i = 0; i < STEP_LINES && k + i < lines; i++)
        if (line_off_percent(c, k + i, colour) >= STEP_PERCENT)
            return 1;
    return 0;
}

/* Thickness of the border on one side, at most limit lines. */
static uint32_t side_thickness(const phash_image *img, enum side side, uint32_t lo, uint32_t hi,
                               int tol, uint32_t limit)
{
    if (limit == 0 || hi <= lo)
        return 0;
    line_ctx c = {img, side, lo, hi, ph_expand_step(hi - lo), ph_image_is_grey(img) ? 1u : 3u,
                  tol};
    uint32_t k = 0, lines = side == TOP || side == BOTTOM ? img->height : img->width;
    int colour[3] = {0, 0, 0};
    /* Nested borders (a letterbox inside a frame): when a border of one
     * colour ends on a flat line of another colour, peel that one too. */
    for (int layer = 0; layer < MAX_LAYERS && k < limit; layer++) {
        int next[3] = {0, 0, 0};
        line_mean(&c, k, next);
        uint32_t start = k;
        while (k < limit && line_is_border(&c, k, next))
            k++;
        if (k == start)
            break;
        memcpy(colour, next, sizeof colour);
    }
    return k > 0 && ends_on_step(&c, k, lines, colour) ? k : 0;
}

/* Lines the side may take so that MIN_CONTENT remain besides `other`. */
static uint32_t room(uint32_t size, uint32_t other)
{
    return size > other + MIN_CONTENT ? size - other - MIN_CONTENT : 0;
}

/* The smallest border that counts on a side of a dimension of `size`: 2%
 * (a thinner one barely moves a hash, and views() would drop the view). */
static uint32_t min_border(uint32_t size)
{
    uint32_t m = size / 50;
    return m < 2 ? 2 : m;
}

phash_status phash_expand_border(phash_expander *ex, const phash_image *img, phash_view *out,
                                 int *found)
{
    if (!ex || !img || !out || !found)
        return ex ? ph_error_set(&ex->err, PHASH_ERR_INVALID_ARG, "expand: invalid argument")
                  : PHASH_ERR_INVALID_ARG;
    *found = 0;
    uint32_t w = img->width, h = img->height;
    if (w < MIN_CONTENT + 2 || h < MIN_CONTENT + 2)
        return PHASH_OK;
    uint32_t t = 0, b = 0, l = 0, r = 0;
    for (int round = 0; round < 2; round++) {
        /* Round 2 measures the top over the span left by round 1's left
         * and right with round 1's bottom: when those are all 0 it would
         * repeat round 1 exactly (most photos). */
        if (round == 1 && l == 0 && r == 0 && b == 0)
            break;
        t = side_thickness(img, TOP, l, w - r, ex->border_tol, room(h, b));
        b = side_thickness(img, BOTTOM, l, w - r, ex->border_tol, room(h, t));
        l = side_thickness(img, LEFT, t, h - b, ex->border_tol, room(w, r));
        r = side_thickness(img, RIGHT, t, h - b, ex->border_tol, room(w, l));
    }
    int any = t >= min_border(h) || b >= min_border(h) || l >= min_border(w) || r >= min_border(w);
    if (!any || !ph_expand_box_big_enough(ex, img, w - l - r, h - t - b))
        return PHASH_OK;
    *out = (phash_view){PHASH_VIEW_BORDER, l, t, w - l - r, h - t - b};
    *found = 1;
    return PHASH_OK;
}
