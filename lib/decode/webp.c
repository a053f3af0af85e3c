/* SPDX-License-Identifier: MIT */
/* WebP through libwebp: lossy, lossless and alpha (alpha dropped: MODE_RGB
 * keeps the stored colour, as dwebp -ppm does); animated files give their
 * first frame composited on the canvas by libwebpdemux. */
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>

#include "decode.h"

static phash_status status_of(VP8StatusCode s)
{
    switch (s) {
    case VP8_STATUS_OK: return PHASH_OK;
    case VP8_STATUS_OUT_OF_MEMORY: return PHASH_ERR_NOMEM;
    case VP8_STATUS_UNSUPPORTED_FEATURE: return PHASH_ERR_UNSUPPORTED;
    case VP8_STATUS_NOT_ENOUGH_DATA:
    case VP8_STATUS_SUSPENDED: return PHASH_ERR_TRUNCATED;
    default: return PHASH_ERR_CORRUPT;
    }
}

static const char *status_text(VP8StatusCode s)
{
    static const char *const names[] = {"ok", "out of memory", "invalid parameter",
                                        "bitstream error", "unsupported feature", "suspended",
                                        "user abort", "not enough data"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown error";
}

static phash_status fail(phash_decoder *dec, VP8StatusCode s, const char *where)
{
    return ph_error_set(&dec->err, status_of(s), "WebP: %s (%s)", status_text(s), where);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The EXIF chunk of an extended (VP8X) file, if any. */
static void keep_exif(phash_decoder *dec, const uint8_t *data, size_t len)
{
    size_t pos = 12;
    while (pos <= len && len - pos >= 8) {
        uint32_t size = le32(data + pos + 4);
        if (size > len - pos - 8)
            return;
        if (!memcmp(data + pos, "EXIF", 4)) {
            ph_decoder_keep_exif(dec, data + pos + 8, size);
            return;
        }
        pos += 8 + (size_t)size + (size & 1);
        if (pos > len)
            return;
    }
}

/* The data ended early (a cut tail, a partial download): decode
 * incrementally as far as it goes. Every row decoded: the image is whole,
 * only its file is short (PHASH_IMAGE_TRUNCATED, hashed as usual). Rows
 * missing: PHASH_ERR_TRUNCATED, or, when the caller takes partial images,
 * the rows never reached are zero. */
static phash_status decode_partial(phash_decoder *dec, WebPDecoderConfig *cfg,
                                   const uint8_t *data, size_t len)
{
    WebPIDecoder *idec = WebPIDecode(NULL, 0, cfg);
    if (!idec)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "WebP: cannot create a decoder");
    VP8StatusCode s = WebPIUpdate(idec, data, len);
    int last_y = 0;
    if (s == VP8_STATUS_SUSPENDED && !WebPIDecGetRGB(idec, &last_y, NULL, NULL, NULL))
        last_y = 0;
    WebPIDelete(idec);
    if (s != VP8_STATUS_SUSPENDED && s != VP8_STATUS_OK)
        return fail(dec, s, "incremental decode");
    phash_image *img = &dec->img;
    if (s == VP8_STATUS_SUSPENDED) {
        if (last_y < 0 || (uint32_t)last_y > img->height)
            last_y = 0;
        if ((uint32_t)last_y < img->height) {
            if (!dec->allow_truncated)
                return ph_error_set(&dec->err, PHASH_ERR_TRUNCATED,
                                    "WebP: the data ends after row %d of %u", last_y,
                                    img->height);
            memset(dec->pixels.data + (size_t)last_y * img->stride, 0,
                   (size_t)(img->height - (uint32_t)last_y) * img->stride);
        }
    }
    img->flags |= PHASH_IMAGE_TRUNCATED;
    return PHASH_OK;
}

static phash_status decode_still(phash_decoder *dec, const uint8_t *data, size_t len,
                                 WebPDecoderConfig *cfg)
{
    uint8_t *out = ph_decoder_begin_image(dec, (uint32_t)cfg->input.width,
                                          (uint32_t)cfg->input.height, 3, PHASH_FORMAT_WEBP);
    if (!out)
        return dec->err.status;
    cfg->output.colorspace = MODE_RGB;
    cfg->output.is_external_memory = 1;
    cfg->output.u.RGBA.rgba = out;
    cfg->output.u.RGBA.stride = (int)dec->img.stride;
    cfg->output.u.RGBA.size = dec->img.stride * dec->img.height;
    VP8StatusCode s = WebPDecode(data, len, cfg);
    if (s == VP8_STATUS_NOT_ENOUGH_DATA)
        return decode_partial(dec, cfg, data, len);
    return s == VP8_STATUS_OK ? PHASH_OK : fail(dec, s, "decode");
}

/* First frame of an animation, composited on the canvas (RGBA; alpha then
 * dropped like everywhere else). */
static phash_status decode_first_frame(phash_decoder *dec, const uint8_t *data, size_t len)
{
    WebPAnimDecoderOptions opts;
    if (!WebPAnimDecoderOptionsInit(&opts))
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED, "WebP: libwebpdemux ABI mismatch");
    opts.color_mode = MODE_RGBA;
    opts.use_threads = 0;
    WebPData wd = {data, len};
    WebPAnimDecoder *ad = WebPAnimDecoderNew(&wd, &opts);
    if (!ad)
        return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "WebP: invalid or incomplete animation");
    WebPAnimInfo info;
    uint8_t *rgba = NULL;
    int ts = 0;
    phash_status st = PHASH_OK;
    if (!WebPAnimDecoderGetInfo(ad, &info) || !WebPAnimDecoderGetNext(ad, &rgba, &ts) || !rgba) {
        st = ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "WebP: cannot decode the first frame");
    } else {
        uint8_t *out = ph_decoder_begin_image(dec, info.canvas_width, info.canvas_height, 3,
                                              PHASH_FORMAT_WEBP);
        if (!out) {
            st = dec->err.status;
        } else {
            size_t n = (size_t)info.canvas_width * info.canvas_height;
            for (size_t i = 0; i < n; i++)
                memcpy(out + 3 * i, rgba + 4 * i, 3);
            if (info.frame_count > 1)
                dec->img.flags |= PHASH_IMAGE_ANIMATED;
        }
    }
    WebPAnimDecoderDelete(ad);
    return st;
}

phash_status ph_decode_webp(phash_decoder *dec, const uint8_t *data, size_t len)
{
    WebPDecoderConfig cfg;
    if (!WebPInitDecoderConfig(&cfg))
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED, "WebP: libwebp ABI mismatch");
    VP8StatusCode s = WebPGetFeatures(data, len, &cfg.input);
    if (s != VP8_STATUS_OK)
        return fail(dec, s, "header");
    const WebPBitstreamFeatures *f = &cfg.input;
    /* libwebp's own working memory: lossless and animation keep whole ARGB
     * canvases (up to two for animations). */
    uint64_t px = (uint64_t)f->width * (uint64_t)f->height;
    uint64_t extra = f->has_animation ? 8 * px : f->format == 2 || f->has_alpha ? 4 * px : px;
    phash_status st = ph_decoder_check_size(dec, "WebP", (uint64_t)f->width,
                                            (uint64_t)f->height, 3, extra);
    if (st != PHASH_OK)
        return st;
    keep_exif(dec, data, len);
    st = f->has_animation ? decode_first_frame(dec, data, len) : decode_still(dec, data, len, &cfg);
    if (st == PHASH_OK && f->has_alpha)
        dec->img.flags |= PHASH_IMAGE_HAD_ALPHA;
    /* The RIFF size says where the file ends (chunks are padded to even). */
    if (st == PHASH_OK && len >= 12 && !(dec->img.flags & PHASH_IMAGE_TRUNCATED)) {
        uint64_t end = 8 + (uint64_t)le32(data + 4);
        if (end + (end & 1) < len)
            dec->img.flags |= PHASH_IMAGE_TRAILING_DATA;
    }
    return st;
}
