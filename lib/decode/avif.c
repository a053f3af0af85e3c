/* SPDX-License-Identifier: MIT */
/* AVIF through libavif (AV1 through Debian's dav1d or libaom): the primary
 * image, or the first frame of an image sequence (PHASH_IMAGE_ANIMATED).
 *
 * Why libavif rather than libheif (which decodes AVIF too): libavif
 * exposes the irot/imir transformations, so they are reported as an EXIF
 * orientation and applied on request exactly as for JPEG; it decodes
 * image sequences (libheif 1.15 reads still items only); and it takes a
 * pixel-count limit down into dav1d, a dimension limit and a frame-count
 * limit, where libheif 1.15 has a single side limit.
 *
 * Pixels: libavif's YUV to RGB conversion at 8 bits (deeper sources are
 * scaled, as ImageMagick 6 gets them through libheif); monochrome (4:0:0)
 * images come out grey; alpha is dropped. A cropped ('clap') image is
 * decoded whole, as libavif 0.11 leaves cropping to the caller.
 * Work: a grid's tiles are read from the boxes (isobmff.c) and their
 * pixels counted against the work budget before decoding; a grid whose
 * tiles contradict its output is refused as corrupt.
 * Truncated files are PHASH_ERR_TRUNCATED (libavif decodes no partial
 * frame from memory). */
#include <string.h>

#include <avif/avif.h>

#include "decode.h"
#include "isobmff.h"

static phash_status status_of(avifResult r)
{
    switch (r) {
    case AVIF_RESULT_OK: return PHASH_OK;
    case AVIF_RESULT_OUT_OF_MEMORY: return PHASH_ERR_NOMEM;
    case AVIF_RESULT_TRUNCATED_DATA:
    case AVIF_RESULT_WAITING_ON_IO: return PHASH_ERR_TRUNCATED;
    case AVIF_RESULT_NO_CODEC_AVAILABLE:
    case AVIF_RESULT_NOT_IMPLEMENTED:
    case AVIF_RESULT_UNSUPPORTED_DEPTH: return PHASH_ERR_UNSUPPORTED;
    default: return PHASH_ERR_CORRUPT;
    }
}

static phash_status avif_fail(phash_decoder *dec, avifResult r, const avifDecoder *d,
                              const char *what)
{
    const char *diag = d && d->diag.error[0] ? d->diag.error : NULL;
    phash_status st = status_of(r);
    /* libavif reports its size limits and short boxes as parse failures. */
    if (diag && strstr(diag, "dimensions are too large"))
        st = PHASH_ERR_TOO_LARGE;
    else if (diag && strstr(diag, "possibly truncated"))
        st = PHASH_ERR_TRUNCATED;
    return ph_error_set(&dec->err, st, "AVIF: %s: %s%s%s%s", what, avifResultToString(r),
                        diag ? " (" : "", diag ? diag : "", diag ? ")" : "");
}

/* irot (anti-clockwise quarter turns) then imir (mode 0: top and bottom
 * exchanged, 1: left and right) as the EXIF orientation that asks for the
 * same display transformation. */
static int orientation_of(const avifImage *im)
{
    /* EXIF values for 0, 90, 180, 270 degrees anti-clockwise display rotation. */
    static const int rot[4] = {1, 8, 3, 6};
    /* ... and the same followed by a mirror (left-right, then top-bottom). */
    static const int rot_mirror_lr[4] = {2, 7, 4, 5};
    static const int rot_mirror_tb[4] = {4, 5, 2, 7};
    int a = im->transformFlags & AVIF_TRANSFORM_IROT ? im->irot.angle & 3 : 0;
    if (!(im->transformFlags & AVIF_TRANSFORM_IMIR))
        return rot[a];
    return im->imir.mode ? rot_mirror_lr[a] : rot_mirror_tb[a];
}

static void set_limits(avifDecoder *d, const phash_decoder *dec)
{
    const phash_limits *l = &dec->limits;
    uint64_t px = l->max_pixels ? l->max_pixels : AVIF_DEFAULT_IMAGE_SIZE_LIMIT;
    /* libavif passes this into dav1d as its frame size limit: the frames
     * dav1d codes, whatever the ispe says, stay within the work budget
     * (honest files are checked against it from the boxes first). */
    if (dec->max_work && (uint64_t)dec->max_work / PH_WORK_AVIF < px)
        px = (uint64_t)dec->max_work / PH_WORK_AVIF;
    d->imageSizeLimit = px < AVIF_DEFAULT_IMAGE_SIZE_LIMIT ? (uint32_t)px
                                                           : AVIF_DEFAULT_IMAGE_SIZE_LIMIT;
    uint32_t side = l->max_width > l->max_height ? l->max_width : l->max_height;
    d->imageDimensionLimit = side; /* 0: none, as for phash */
    d->imageCountLimit = 1u << 16;
    d->maxThreads = 1;
    /* Real files from phones and older encoders miss boxes strict mode
     * wants (pixi, clap rules); safety does not depend on them. */
    d->strictFlags = AVIF_STRICT_DISABLED;
    d->ignoreXMP = AVIF_TRUE;
    d->ignoreExif = AVIF_TRUE; /* irot/imir are the orientation */
}

static phash_status convert(phash_decoder *dec, const avifImage *im)
{
    int grey = im->yuvFormat == AVIF_PIXEL_FORMAT_YUV400;
    uint32_t ch = grey ? 1 : 3;
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, im);
    rgb.format = AVIF_RGB_FORMAT_RGB;
    rgb.depth = 8;
    rgb.rowBytes = im->width * 3;
    if (grey) { /* libavif converts to RGB only: a scratch buffer, then one channel */
        rgb.pixels = ph_buf_reserve(&dec->work, (size_t)rgb.rowBytes * im->height);
        if (!rgb.pixels)
            return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "AVIF: cannot allocate a buffer");
    }
    uint8_t *out = ph_decoder_begin_image(dec, im->width, im->height, ch, PHASH_FORMAT_AVIF);
    if (!out)
        return dec->err.status;
    if (!grey)
        rgb.pixels = out;
    avifResult r = avifImageYUVToRGB(im, &rgb);
    if (r != AVIF_RESULT_OK)
        return avif_fail(dec, r, NULL, "colour conversion");
    if (grey)
        for (size_t i = 0; i < (size_t)im->width * im->height; i++)
            out[i] = rgb.pixels[3 * i];
    return PHASH_OK;
}

static phash_status decode_first(phash_decoder *dec, avifDecoder *d, const ph_bmff_image *bx)
{
    avifResult r = avifDecoderParse(d);
    if (r != AVIF_RESULT_OK)
        return avif_fail(dec, r, d, "container");
    const avifImage *im = d->image;
    uint32_t grey = im->yuvFormat == AVIF_PIXEL_FORMAT_YUV400;
    /* dav1d's frame (16-bit samples when deep) plus an RGB scratch. */
    uint64_t px = (uint64_t)im->width * im->height;
    phash_status st = ph_decoder_check_size(dec, "AVIF", im->width, im->height, grey ? 1 : 3,
                                            px * (im->depth > 8 ? 6 : 3) + (grey ? px * 3 : 0));
    if (st == PHASH_OK) /* AV1 through dav1d, one thread: about 20 ns a pixel here */
        st = ph_decoder_check_work(dec, "AVIF", im->width, im->height, PH_WORK_AVIF);
    if (st == PHASH_OK) /* a grid's tiles may hold more pixels than its output */
        st = ph_decoder_check_tiles(dec, "AVIF", bx, PH_WORK_AVIF);
    if (st != PHASH_OK)
        return st;
    r = avifDecoderNextImage(d);
    if (r != AVIF_RESULT_OK)
        return avif_fail(dec, r, d, "decode");
    st = convert(dec, d->image);
    if (st != PHASH_OK)
        return st;
    dec->img.orientation = orientation_of(d->image);
    if (d->alphaPresent)
        dec->img.flags |= PHASH_IMAGE_HAD_ALPHA;
    if (d->image->depth > 8)
        dec->img.flags |= PHASH_IMAGE_SIXTEEN_BIT;
    if (d->imageCount > 1)
        dec->img.flags |= PHASH_IMAGE_ANIMATED;
    return PHASH_OK;
}

phash_status ph_decode_avif(phash_decoder *dec, const uint8_t *data, size_t len)
{
    avifDecoder *d = avifDecoderCreate();
    if (!d)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "AVIF: cannot create a decoder");
    set_limits(d, dec);
    ph_bmff_image bx;
    phash_status st = ph_decoder_read_boxes(dec, "AVIF", data, len, &bx);
    if (st == PHASH_OK && bx.width) /* before libavif's own limit, set from the budget */
        st = ph_decoder_check_work(dec, "AVIF", bx.width, bx.height, PH_WORK_AVIF);
    avifResult r = avifDecoderSetIOMemory(d, data, len);
    if (st == PHASH_OK)
        st = r != AVIF_RESULT_OK ? avif_fail(dec, r, d, "input") : decode_first(dec, d, &bx);
    avifDecoderDestroy(d);
    return st;
}
