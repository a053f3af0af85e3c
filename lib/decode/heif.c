/* SPDX-License-Identifier: MIT */
/* HEIF/HEIC through libheif (HEVC through Debian's libde265): the primary
 * image, decoded to 8-bit RGB by libheif (higher bit depths are reduced by
 * libheif, as ImageMagick 6 gets them), alpha dropped.
 *
 * Orientation: HEIF's transformations (irot, imir, clap) are part of the
 * image in the HEIF specification, and libheif 1.15 applies them without
 * telling which (its property API came with 1.16): they are read from the
 * boxes here (isobmff.c) and reported as the EXIF orientation asking for
 * the same display. By default (and with PHASH_DECODE_APPLY_ORIENTATION 1)
 * libheif applies them, as ImageMagick (the PDQ reference) and every viewer
 * do, and the image says so (PHASH_IMAGE_ORIENTED: nothing must rotate it
 * again). With PHASH_ORIENTATION_STORED the stored pixels are returned
 * (libheif's ignore_transformations: no rotation, mirror or crop) with the
 * orientation to apply, as for a JPEG. The EXIF orientation inside a HEIF
 * file only restates the transformations (MIAF says readers must ignore
 * it) and is not read.
 *
 * Safety: the dimensions of the primary image are checked against the
 * limits before anything is decoded, and its decoding work against the work
 * budget: for a grid, the pixels of every tile it references (a grid may
 * name more or larger tiles than its output shows; one whose tiles
 * contradict its output is refused as corrupt), and libheif's own maximum image size
 * is set from them; libheif has no allocator hook, so its memory is
 * estimated (YCbCr planes, the RGB conversion) within the memory limit.
 * libheif cannot decode part of a file: truncated files are
 * PHASH_ERR_TRUNCATED whatever PHASH_DECODE_ALLOW_TRUNCATED says. */
#include <stdio.h>
#include <string.h>

#include <libheif/heif.h>

#include "decode.h"
#include "isobmff.h"

static phash_status status_of(const struct heif_error *e)
{
    if (e->subcode == heif_suberror_Security_limit_exceeded)
        return PHASH_ERR_TOO_LARGE;
    switch (e->code) {
    case heif_error_Ok: return PHASH_OK;
    case heif_error_Memory_allocation_error: return PHASH_ERR_NOMEM;
    case heif_error_Unsupported_filetype:
    case heif_error_Unsupported_feature:
    case heif_error_Decoder_plugin_error: return PHASH_ERR_UNSUPPORTED;
    default:
        if (e->subcode == heif_suberror_End_of_data)
            return PHASH_ERR_TRUNCATED;
        return PHASH_ERR_CORRUPT;
    }
}

static phash_status heif_fail(phash_decoder *dec, const struct heif_error *e, const char *what)
{
    /* libheif's messages may span lines: keep the detail on one. */
    char msg[256];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
    for (char *c = msg; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    size_t n = strlen(msg);
    while (n && msg[n - 1] == ' ')
        msg[--n] = '\0';
    return ph_error_set(&dec->err, status_of(e), "HEIF: %s: %s", what, msg);
}

/* Copy the interleaved RGB plane into the output image. */
static phash_status copy_rgb(phash_decoder *dec, const struct heif_image *img)
{
    int w = heif_image_get_width(img, heif_channel_interleaved);
    int h = heif_image_get_height(img, heif_channel_interleaved);
    int stride = 0;
    const uint8_t *p = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    if (!p || w <= 0 || h <= 0 || stride < 3 * w)
        return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "HEIF: no RGB plane after decoding");
    phash_status st = ph_decoder_check_size(dec, "HEIF", (uint64_t)w, (uint64_t)h, 3, 0);
    if (st != PHASH_OK)
        return st;
    uint8_t *out = ph_decoder_begin_image(dec, (uint32_t)w, (uint32_t)h, 3, PHASH_FORMAT_HEIF);
    if (!out)
        return dec->err.status;
    for (int y = 0; y < h; y++)
        memcpy(out + (size_t)y * 3 * (size_t)w, p + (size_t)y * (size_t)stride, 3 * (size_t)w);
    return PHASH_OK;
}

/* libheif decodes the primary image with its transformations unless the
 * caller asked for the stored pixels. */
static phash_status decode_pixels(phash_decoder *dec, struct heif_image_handle *h,
                                  const ph_bmff_image *bx)
{
    struct heif_decoding_options *opt = heif_decoding_options_alloc();
    if (!opt)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "HEIF: cannot allocate options");
    int stored = dec->apply_orientation == PHASH_ORIENTATION_STORED;
    opt->convert_hdr_to_8bit = 1;
    opt->ignore_transformations = (uint8_t)stored;
    struct heif_image *img = NULL;
    struct heif_error e =
        heif_decode_image(h, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, opt);
    heif_decoding_options_free(opt);
    phash_status st = e.code != heif_error_Ok ? heif_fail(dec, &e, "decode") : copy_rgb(dec, img);
    heif_image_release(img);
    if (st != PHASH_OK)
        return st;
    dec->img.orientation = ph_bmff_orientation(bx);
    if (!stored && dec->img.orientation != 1)
        dec->img.flags |= PHASH_IMAGE_ORIENTED;
    return PHASH_OK;
}

static phash_status decode_primary(phash_decoder *dec, struct heif_context *ctx,
                                   const ph_bmff_image *bx)
{
    struct heif_image_handle *h = NULL;
    struct heif_error e = heif_context_get_primary_image_handle(ctx, &h);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, &e, "primary image");
    int w = heif_image_handle_get_width(h), hh = heif_image_handle_get_height(h);
    int bits = heif_image_handle_get_luma_bits_per_pixel(h);
    /* libheif's working memory: the decoded YCbCr planes (16-bit for deep
     * images) and the RGB conversion, about 8 bytes a pixel at worst. */
    uint64_t px = (uint64_t)(w > 0 ? w : 0) * (uint64_t)(hh > 0 ? hh : 0);
    phash_status st = ph_decoder_check_size(dec, "HEIF", (uint64_t)(w > 0 ? w : 0),
                                            (uint64_t)(hh > 0 ? hh : 0), 3, px * 8);
    if (st == PHASH_OK) /* HEVC through libde265: about 45 ns a pixel here */
        st = ph_decoder_check_work(dec, "HEIF", (uint32_t)w, (uint32_t)hh, PH_WORK_HEIF);
    if (st == PHASH_OK)
        st = ph_decoder_check_tiles(dec, "HEIF", bx, PH_WORK_HEIF);
    if (st == PHASH_OK)
        st = decode_pixels(dec, h, bx);
    if (st == PHASH_OK && heif_image_handle_has_alpha_channel(h))
        dec->img.flags |= PHASH_IMAGE_HAD_ALPHA;
    if (st == PHASH_OK && bits > 8)
        dec->img.flags |= PHASH_IMAGE_SIXTEEN_BIT;
    if (st == PHASH_OK && heif_context_get_number_of_top_level_images(ctx) > 1)
        dec->img.flags |= PHASH_IMAGE_ANIMATED;
    heif_image_handle_release(h);
    return st;
}

phash_status ph_decode_heif(phash_decoder *dec, const uint8_t *data, size_t len)
{
    struct heif_context *ctx = heif_context_alloc();
    if (!ctx)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "HEIF: cannot allocate a context");
    /* libheif's own bound (width and height each) before it parses grids. */
    uint32_t side = dec->limits.max_width > dec->limits.max_height ? dec->limits.max_width
                                                                    : dec->limits.max_height;
    if (side == 0 || side > 0x7fffffff)
        side = 0x7fffffff;
    heif_context_set_maximum_image_size_limit(ctx, (int)side);
    ph_bmff_image bx;
    phash_status st = ph_decoder_read_boxes(dec, "HEIF", data, len, &bx);
    if (st == PHASH_OK) {
        struct heif_error e = heif_context_read_from_memory_without_copy(ctx, data, len, NULL);
        st = e.code != heif_error_Ok ? heif_fail(dec, &e, "container")
                                     : decode_primary(dec, ctx, &bx);
    }
    heif_context_free(ctx);
    return st;
}
