/* SPDX-License-Identifier: MIT */
/* The phash_image layout, shared by the decoders and the hashers. */
#ifndef PHASH_LIB_IMAGE_H
#define PHASH_LIB_IMAGE_H

#include "internal.h"
#include "phash/image.h"

struct phash_image {
    uint32_t width;
    uint32_t height;
    uint32_t channels; /* 1..4; alpha (channels 2 and 4) is ignored by hashers */
    size_t stride;     /* bytes between rows */
    const uint8_t *pixels;
    phash_format format;
    int orientation; /* EXIF 1..8 */
    unsigned flags;  /* PHASH_IMAGE_* */
    int owned_by_decoder; /* 1: lives inside a phash_decoder, not freed alone */
};

/* Why a caller's pixel layout is invalid (NULL buffer, zero size, bad
 * format, stride below width * channels, stride * height overflowing the
 * address space, which is what a negative stride becomes), or NULL if valid. */
const char *ph_pixels_layout_error(const void *pixels, uint32_t width, uint32_t height,
                                   size_t stride, phash_pixel_format format);

/* Row r of the image. */
static inline const uint8_t *ph_image_row(const phash_image *img, uint32_t r)
{
    return img->pixels + (size_t)r * img->stride;
}

/* Luma source rule shared by the hashers: 1 or 2 channels are grey
 * (channel 0), 3 or 4 channels are RGB (channels 0..2). */
static inline int ph_image_is_grey(const phash_image *img) { return img->channels <= 2; }

#endif
