/* SPDX-License-Identifier: MIT */
/* Image facts and caller-provided pixel buffers. */
#include <stdint.h>
#include <stddef.h>

#include "image.h"

const char *ph_pixels_layout_error(const void *pixels, uint32_t width, uint32_t height,
                                   size_t stride, phash_pixel_format format)
{
    size_t row, last, span;
    if (!pixels)
        return "no pixel buffer";
    if (width == 0 || height == 0)
        return "width and height must be at least 1";
    if (format < PHASH_PIXEL_GRAY8 || format > PHASH_PIXEL_RGBA8)
        return "pixel format must have 1 to 4 channels";
    if (ph_mul_size(width, (size_t)format, &row) != 0 || row > PTRDIFF_MAX)
        return "width * channels overflows";
    /* A negative stride converted to size_t is huge: it fails one of these. */
    if (stride < row)
        return "stride is smaller than width * channels";
    if (ph_mul_size(stride, (size_t)height - 1, &last) != 0 || last > PTRDIFF_MAX - row)
        return "stride * height overflows the address space";
    span = last + row;
    if ((uintptr_t)pixels > UINTPTR_MAX - span)
        return "the buffer would wrap around the address space";
    return NULL;
}

phash_status phash_image_wrap(const void *pixels, uint32_t width, uint32_t height, size_t stride,
                              phash_pixel_format format, phash_image **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = NULL;
    if (ph_pixels_layout_error(pixels, width, height, stride, format))
        return PHASH_ERR_INVALID_ARG;
    phash_image *img = ph_calloc(1, sizeof *img);
    if (!img)
        return PHASH_ERR_NOMEM;
    img->width = width;
    img->height = height;
    img->channels = (uint32_t)format;
    img->stride = stride;
    img->pixels = pixels;
    img->format = PHASH_FORMAT_RAW;
    img->orientation = 1;
    *out = img;
    return PHASH_OK;
}

void phash_image_free(phash_image *img)
{
    if (img && !img->owned_by_decoder)
        ph_free(img);
}

uint32_t phash_image_width(const phash_image *img) { return img ? img->width : 0; }
uint32_t phash_image_height(const phash_image *img) { return img ? img->height : 0; }
uint32_t phash_image_channels(const phash_image *img) { return img ? img->channels : 0; }
size_t phash_image_stride(const phash_image *img) { return img ? img->stride : 0; }
const uint8_t *phash_image_pixels(const phash_image *img) { return img ? img->pixels : NULL; }
phash_format phash_image_format(const phash_image *img) { return img ? img->format : PHASH_FORMAT_UNKNOWN; }
int phash_image_orientation(const phash_image *img) { return img ? img->orientation : 1; }
unsigned phash_image_flags(const phash_image *img) { return img ? img->flags : 0; }
