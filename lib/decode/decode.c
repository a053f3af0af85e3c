/* SPDX-License-Identifier: MIT */
/* The decoder context: limits, options, last error, reusable buffers, and
 * dispatch on the sniffed format. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "isobmff.h"
#include "platform/platform.h"

void phash_limits_default_sized(phash_limits *limits, size_t size)
{
    if (!limits)
        return;
    phash_limits d = {.size = sizeof d,
                      .max_width = PHASH_DEFAULT_MAX_WIDTH,
                      .max_height = PHASH_DEFAULT_MAX_HEIGHT,
                      .max_pixels = PHASH_DEFAULT_MAX_PIXELS,
                      .max_memory = PHASH_DEFAULT_MAX_MEMORY};
    ph_struct_out(limits, size, &d, sizeof d, PH_LIMITS_V1);
}

phash_status ph_limits_in(phash_limits *dst, const phash_limits *src)
{
    phash_limits l;
    phash_limits_default(&l);
    if (ph_struct_in(&l, sizeof l, src, PH_LIMITS_V1))
        return PHASH_ERR_VERSION;
    *dst = l;
    return PHASH_OK;
}

static phash_decoder *decoder_create(void)
{
    phash_decoder *dec = ph_calloc(1, sizeof *dec);
    if (!dec)
        return NULL;
    phash_limits_default(&dec->limits);
    dec->cmyk_mode = PHASH_CMYK_TO_RGB;
    dec->sixteen_bit = PHASH_SIXTEEN_BIT_LOW_BYTE;
    dec->jpeg_scale = 8;
    dec->max_work = PHASH_DEFAULT_MAX_WORK;
    dec->img.owned_by_decoder = 1;
    return dec;
}

phash_status phash_decoder_new(phash_decoder **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = decoder_create();
    return *out ? PHASH_OK : PHASH_ERR_NOMEM;
}

void phash_decoder_free(phash_decoder *dec)
{
    if (!dec)
        return;
    ph_buf_release(&dec->file);
    ph_buf_release(&dec->pixels);
    ph_buf_release(&dec->work);
    ph_buf_release(&dec->rotate);
    ph_buf_release(&dec->exif);
    ph_free(dec->cmyk_lut);
    ph_free(dec);
}

phash_status phash_decoder_set_limits(phash_decoder *dec, const phash_limits *limits)
{
    if (!dec || !limits)
        return PHASH_ERR_INVALID_ARG;
    return ph_limits_in(&dec->limits, limits);
}

void phash_decoder_get_limits_sized(const phash_decoder *dec, phash_limits *limits, size_t size)
{
    if (dec && limits)
        ph_struct_out(limits, size, &dec->limits, sizeof dec->limits, PH_LIMITS_V1);
}

static int *option_slot(phash_decoder *dec, phash_decode_option option, int *max)
{
    switch (option) {
    case PHASH_DECODE_CMYK_MODE: *max = 1; return &dec->cmyk_mode;
    case PHASH_DECODE_SIXTEEN_BIT: *max = 1; return &dec->sixteen_bit;
    case PHASH_DECODE_APPLY_ORIENTATION: *max = 2; return &dec->apply_orientation;
    case PHASH_DECODE_JPEG_SCALE: *max = 8; return &dec->jpeg_scale;
    case PHASH_DECODE_ALLOW_TRUNCATED: *max = 1; return &dec->allow_truncated;
    case PHASH_DECODE_MAX_WORK: *max = INT_MAX; return &dec->max_work;
    case PHASH_DECODE_JPEG_MIN_SIDE: *max = 65535; return &dec->jpeg_min_side;
    }
    return NULL;
}

phash_status phash_decoder_set_option(phash_decoder *dec, phash_decode_option option, int value)
{
    if (!dec)
        return PHASH_ERR_INVALID_ARG;
    int max;
    int *slot = option_slot(dec, option, &max);
    if (!slot)
        return ph_error_set(&dec->err, PHASH_ERR_INVALID_ARG, "unknown decoder option %d",
                            (int)option);
    int ok = value >= 0 && value <= max;
    if (option == PHASH_DECODE_JPEG_SCALE)
        ok = value == 1 || value == 2 || value == 4 || value == 8;
    if (!ok)
        return ph_error_set(&dec->err, PHASH_ERR_INVALID_ARG,
                            "invalid value %d for decoder option %d", value, (int)option);
    *slot = value;
    return PHASH_OK;
}

int phash_decoder_get_option(const phash_decoder *dec, phash_decode_option option)
{
    int max;
    const int *slot = dec ? option_slot((phash_decoder *)dec, option, &max) : NULL;
    return slot ? *slot : -1;
}

const char *phash_decoder_last_error(const phash_decoder *dec)
{
    return dec ? ph_error_message(&dec->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

int phash_decoder_last_errno(const phash_decoder *dec) { return dec ? dec->last_errno : 0; }

/* ---- helpers for the format decoders ----------------------------------- */

phash_status ph_decoder_check_size(phash_decoder *dec, const char *what, uint64_t width,
                                   uint64_t height, uint64_t channels, uint64_t extra_bytes)
{
    const phash_limits *l = &dec->limits;
    if (width == 0 || height == 0)
        return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "%s: image has zero size (%llux%llu)",
                            what, (unsigned long long)width, (unsigned long long)height);
    if ((l->max_width && width > l->max_width) || (l->max_height && height > l->max_height))
        return ph_error_set(&dec->err, PHASH_ERR_TOO_LARGE,
                            "%s: %llux%llu exceeds the limit of %ux%u", what,
                            (unsigned long long)width, (unsigned long long)height, l->max_width,
                            l->max_height);
    /* width and height are below 2^32 each: the products cannot overflow
     * 64 bits until the extra bytes are added, which are checked too. */
    uint64_t pixels = width * height;
    if (l->max_pixels && pixels > l->max_pixels)
        return ph_error_set(&dec->err, PHASH_ERR_TOO_LARGE,
                            "%s: %llux%llu = %llu pixels exceeds the limit of %llu", what,
                            (unsigned long long)width, (unsigned long long)height,
                            (unsigned long long)pixels, (unsigned long long)l->max_pixels);
    uint64_t out = pixels * channels;
    if (pixels > UINT64_MAX / 8 || out > SIZE_MAX || extra_bytes > UINT64_MAX - out)
        return ph_error_set(&dec->err, PHASH_ERR_TOO_LARGE, "%s: %llux%llu is too large", what,
                            (unsigned long long)width, (unsigned long long)height);
    if (l->max_memory && out + extra_bytes > l->max_memory)
        return ph_error_set(&dec->err, PHASH_ERR_TOO_LARGE,
                            "%s: %llux%llu needs %llu bytes, over the memory limit of %llu", what,
                            (unsigned long long)width, (unsigned long long)height,
                            (unsigned long long)(out + extra_bytes),
                            (unsigned long long)l->max_memory);
    return PHASH_OK;
}

uint64_t ph_decoder_memory_left(const phash_decoder *dec, uint64_t out_bytes)
{
    if (!dec->limits.max_memory)
        return UINT64_MAX;
    return dec->limits.max_memory > out_bytes ? dec->limits.max_memory - out_bytes : 0;
}

phash_status ph_decoder_check_work(phash_decoder *dec, const char *what, uint32_t width,
                                   uint32_t height, unsigned units_per_pixel)
{
    uint64_t units = (uint64_t)width * height * units_per_pixel;
    if (!dec->max_work || units <= (uint64_t)dec->max_work)
        return PHASH_OK;
    return ph_error_set(&dec->err, PHASH_ERR_BUDGET,
                        "%s: %ux%u is %llu units of decoding work (%u a pixel), over the work "
                        "budget of %d (refused before decoding)",
                        what, width, height, (unsigned long long)units, units_per_pixel,
                        dec->max_work);
}

phash_status ph_decoder_read_boxes(phash_decoder *dec, const char *what, const uint8_t *data,
                                   size_t len, ph_bmff_image *out)
{
    char why[200];
    phash_status st = ph_bmff_read(data, len, out, why, sizeof why);
    if (st != PHASH_OK)
        return ph_error_set(&dec->err, st, "%s: %s", what, why);
    return PHASH_OK;
}

phash_status ph_decoder_check_tiles(phash_decoder *dec, const char *what, const ph_bmff_image *bx,
                                    unsigned units_per_pixel)
{
    if (!bx->tile_count || !dec->max_work)
        return PHASH_OK;
    uint64_t units = bx->tile_pixels > UINT64_MAX / units_per_pixel
                         ? UINT64_MAX
                         : bx->tile_pixels * units_per_pixel;
    if (units <= (uint64_t)dec->max_work)
        return PHASH_OK;
    return ph_error_set(&dec->err, PHASH_ERR_BUDGET,
                        "%s: %s of %u %s%s (up to %ux%u) is %llu units of decoding work (%u "
                        "a pixel), over the work budget of %d (refused before decoding)",
                        what, bx->grid_rows ? "a grid" : "an overlay", bx->tile_count,
                        bx->grid_rows ? "tile" : "image", bx->tile_count == 1 ? "" : "s",
                        bx->tile_width,
                        bx->tile_height,
                        (unsigned long long)units, units_per_pixel, dec->max_work);
}

void ph_decoder_trim(phash_decoder *dec)
{
    if (!dec)
        return;
    ph_buf *bufs[] = {&dec->file, &dec->pixels, &dec->work, &dec->rotate, &dec->exif};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        ph_buf_trim(bufs[i]); /* dec->img may point into them: invalid until the next decode */
}

uint8_t *ph_decoder_begin_image(phash_decoder *dec, uint32_t width, uint32_t height,
                                uint32_t channels, phash_format format)
{
    size_t stride = (size_t)width * channels, total;
    if (ph_mul_size(stride, height, &total) != 0) {
        ph_error_set(&dec->err, PHASH_ERR_TOO_LARGE, "image too large for this machine");
        return NULL;
    }
    uint8_t *p = ph_buf_reserve(&dec->pixels, total);
    if (!p) {
        ph_error_set(&dec->err, PHASH_ERR_NOMEM, "cannot allocate %zu bytes for the pixels",
                     total);
        return NULL;
    }
    phash_image *img = &dec->img;
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = stride;
    img->pixels = p;
    img->format = format;
    return p;
}

void ph_decoder_keep_exif(phash_decoder *dec, const uint8_t *data, size_t len)
{
    if (dec->exif_len || len == 0 || len > (1u << 20))
        return; /* the first EXIF block wins */
    uint8_t *p = ph_buf_reserve(&dec->exif, len);
    if (!p)
        return;
    memcpy(p, data, len);
    dec->exif_len = len;
}

/* ---- entry points ------------------------------------------------------ */

static void reset_for_image(phash_decoder *dec)
{
    ph_error_clear(&dec->err);
    dec->last_errno = 0;
    dec->exif_len = 0;
    dec->img.flags = 0;
    dec->img.orientation = 1;
}

static phash_status dispatch(phash_decoder *dec, phash_format fmt, const uint8_t *data,
                             size_t len)
{
    switch (fmt) {
    case PHASH_FORMAT_JPEG: return ph_decode_jpeg(dec, data, len);
    case PHASH_FORMAT_PNG: return ph_decode_png(dec, data, len);
    case PHASH_FORMAT_WEBP: return ph_decode_webp(dec, data, len);
    case PHASH_FORMAT_PNM: return ph_decode_pnm(dec, data, len);
    /* Optional formats (meson options): one not built falls to the default
     * case, "... images are not decoded" (PHASH_ERR_UNSUPPORTED). */
#if PH_HAVE_GIF
    case PHASH_FORMAT_GIF: return ph_decode_gif(dec, data, len);
#endif
#if PH_HAVE_TIFF
    case PHASH_FORMAT_TIFF: return ph_decode_tiff(dec, data, len);
#endif
#if PH_HAVE_HEIF
    case PHASH_FORMAT_HEIF: return ph_decode_heif(dec, data, len);
#endif
#if PH_HAVE_AVIF
    case PHASH_FORMAT_AVIF: return ph_decode_avif(dec, data, len);
#endif
#if PH_HAVE_JXL
    case PHASH_FORMAT_JXL: return ph_decode_jxl(dec, data, len);
#endif
    case PHASH_FORMAT_BMP: return ph_decode_bmp(dec, data, len);
    case PHASH_FORMAT_UNKNOWN:
        if (len == 0)
            return ph_error_set(&dec->err, PHASH_ERR_NOT_IMAGE, "empty input");
        return ph_error_set(&dec->err, PHASH_ERR_NOT_IMAGE,
                            "not an image format phash knows (unknown signature)");
    default:
        if (phash_format_kind(fmt) != PHASH_MEDIA_IMAGE)
            return ph_error_set(&dec->err, PHASH_ERR_NOT_IMAGE, "not an image: a %s file (%s)",
                                phash_format_name(fmt),
                                phash_media_kind_name(phash_format_kind(fmt)));
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED, "%s images are not decoded",
                            phash_format_name(fmt));
    }
}

static phash_status decode_bytes(phash_decoder *dec, phash_format fmt, const uint8_t *data,
                                 size_t len, const phash_image **out)
{
    phash_status st = dispatch(dec, fmt, data, len);
    if (st == PHASH_OK) {
        if (dec->exif_len)
            dec->img.orientation = ph_exif_orientation(dec->exif.data, dec->exif_len);
        /* HEIF's transformations may be applied already (ORIENTED). */
        if (dec->apply_orientation == PHASH_ORIENTATION_APPLY && dec->img.orientation != 1 &&
            !(dec->img.flags & PHASH_IMAGE_ORIENTED))
            st = ph_apply_orientation(dec);
    }
    if (st != PHASH_OK)
        return st;
    *out = &dec->img;
    return PHASH_OK;
}

phash_status phash_decode_memory(phash_decoder *dec, const void *data, size_t len,
                                 const phash_image **out)
{
    if (out)
        *out = NULL;
    if (!dec || !out || (!data && len))
        return PHASH_ERR_INVALID_ARG;
    reset_for_image(dec);
    return decode_bytes(dec, phash_sniff(data, len), data, len, out);
}

phash_status ph_decode_as(phash_decoder *dec, phash_format format, const uint8_t *data,
                          size_t len, const phash_image **out)
{
    *out = NULL;
    reset_for_image(dec);
    return decode_bytes(dec, format, data, len, out);
}

phash_status ph_decode_jpeg_rows(phash_decoder *dec, const uint8_t *data, size_t len,
                                 ph_row_selection *rows, const phash_image **out)
{
    *out = NULL;
    reset_for_image(dec);
    if (dec->apply_orientation == PHASH_ORIENTATION_APPLY || dec->jpeg_scale != 8 || dec->jpeg_min_side)
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED,
                            "JPEG rows: only without orientation or DCT scaling");
    dec->rows = rows;
    phash_status st = ph_decode_jpeg(dec, data, len);
    dec->rows = NULL;
    if (st != PHASH_OK)
        return st;
    *out = &dec->img;
    return PHASH_OK;
}

static phash_status io_error(phash_decoder *dec, int err, const char *what, const char *path)
{
    dec->last_errno = err;
    if (err == EISDIR || err == ENODEV)
        return ph_error_set(&dec->err, PHASH_ERR_NOT_REGULAR, "not a regular file: %s", path);
    return ph_error_set(&dec->err, err == ENOMEM ? PHASH_ERR_NOMEM : PHASH_ERR_IO, "%s %s: %s",
                        what, path, strerror(err));
}

/* Read the whole file into dec->file (reused across calls). Special files
 * are refused before they are opened (a FIFO would block). Files over the
 * memory limit are refused before reading: no image phash decodes needs a
 * file larger than its decoded pixels plus the codec's memory. */
static phash_status read_file(phash_decoder *dec, const char *path, size_t *len)
{
    ph_file *f;
    ph_stat st;
    int err = ph_file_open(path, &f, &st);
    if (err)
        return io_error(dec, err, "cannot open", path);
    uint64_t size = st.size;
    if ((dec->limits.max_memory && size > dec->limits.max_memory) || size > SIZE_MAX / 2) {
        ph_file_close(f);
        return ph_error_set(&dec->err, PHASH_ERR_TOO_LARGE,
                            "%s: file of %llu bytes exceeds the memory limit", path,
                            (unsigned long long)size);
    }
    uint8_t *buf = ph_buf_reserve(&dec->file, (size_t)size);
    if (!buf) {
        ph_file_close(f);
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "cannot allocate %llu bytes for %s",
                            (unsigned long long)size, path);
    }
    size_t have;
    err = ph_file_read_full(f, buf, (size_t)size, &have);
    ph_file_close(f);
    if (err)
        return io_error(dec, err, "cannot read", path);
    *len = have; /* a file that shrank while reading is decoded as it was read */
    return PHASH_OK;
}

phash_status phash_decode_file(phash_decoder *dec, const char *path, const phash_image **out)
{
    if (out)
        *out = NULL;
    if (!dec || !path || !out)
        return PHASH_ERR_INVALID_ARG;
    reset_for_image(dec);
    size_t len = 0;
    phash_status st = read_file(dec, path, &len);
    if (st != PHASH_OK)
        return st;
    return decode_bytes(dec, phash_sniff(dec->file.data, len), dec->file.data, len, out);
}
