/* SPDX-License-Identifier: MIT */
/* Query-side expansions (include/phash/expand.h): the expander's state and
 * the helpers its two detectors share. */
#ifndef PHASH_LIB_EXPAND_INTERNAL_H
#define PHASH_LIB_EXPAND_INTERNAL_H

#include "../image.h"
#include "phash/expand.h"

struct phash_expander {
    unsigned kinds;    /* PHASH_VIEW_BORDER | PHASH_VIEW_EMBEDDED */
    int max_views;     /* 1..PHASH_EXPAND_MAX_VIEWS */
    int border_tol;    /* 0..255 per channel */
    int min_area_pct;  /* 1..100 */
    ph_error err;
    ph_buf col_luma;   /* embedded: every row at the sampled columns */
    ph_buf row_luma;   /* embedded: the sampled rows, every column */
    ph_buf flat_sum;   /* embedded: prefix sums of the flat-cell grid */
    ph_buf edge_sum;   /* embedded: prefix sums along candidate lines */
    ph_buf counts;     /* embedded: edge counts per row and per column */
};

/* Lines are read at this many samples at most (a step of ceil(len / N)):
 * the detectors' cost stays a fraction of one hash for any image size. */
#define PH_EXPAND_SAMPLES 96u

static inline uint32_t ph_expand_step(uint32_t len)
{
    return len <= PH_EXPAND_SAMPLES ? 1u : (len + PH_EXPAND_SAMPLES - 1) / PH_EXPAND_SAMPLES;
}

/* Luma 0..255 of pixel x of a row: channel 0 for grey images, else
 * (77 R + 150 G + 29 B) / 256 rounded (BT.601 in integers). */
static inline uint8_t ph_expand_luma(const phash_image *img, const uint8_t *row, uint32_t x)
{
    const uint8_t *p = row + (size_t)x * img->channels;
    if (ph_image_is_grey(img))
        return p[0];
    return (uint8_t)((77u * p[0] + 150u * p[1] + 29u * p[2] + 128u) >> 8);
}

/* True when a box keeps at least min_area_pct of the image's area and
 * both its sides are at least 8 pixels. */
int ph_expand_box_big_enough(const phash_expander *ex, const phash_image *img, uint32_t w,
                             uint32_t h);

#endif
