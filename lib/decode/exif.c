/* SPDX-License-Identifier: MIT */
/* EXIF orientation: read tag 0x0112 from IFD0 of a TIFF structure (from JPEG
 * APP1, PNG eXIf or the WebP EXIF chunk), and apply it to pixels on request.
 * The hash references ignore orientation, so applying it is never the
 * default. */
#include <string.h>

#include "decode.h"

#define TAG_ORIENTATION 0x0112
#define TYPE_SHORT 3

static unsigned rd16(const uint8_t *p, int big)
{
    return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t rd32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int ph_exif_orientation(const uint8_t *data, size_t len)
{
    if (len >= 6 && !memcmp(data, "Exif\0\0", 6)) {
        data += 6;
        len -= 6;
    }
    if (len < 8)
        return 1;
    int big;
    if (!memcmp(data, "II*\0", 4))
        big = 0;
    else if (!memcmp(data, "MM\0*", 4))
        big = 1;
    else
        return 1;
    uint32_t ifd = rd32(data + 4, big);
    if (ifd < 8 || ifd > len - 2)
        return 1;
    unsigned count = rd16(data + ifd, big);
    size_t avail = (len - ifd - 2) / 12; /* entries that fit in the data */
    if (count > avail)
        count = (unsigned)avail;
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = data + ifd + 2 + (size_t)i * 12;
        if (rd16(e, big) != TAG_ORIENTATION)
            continue;
        if (rd16(e + 2, big) != TYPE_SHORT || rd32(e + 4, big) < 1)
            return 1;
        unsigned v = rd16(e + 8, big);
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

void ph_exif_keep_raw_profile(phash_decoder *dec, const uint8_t *text, size_t len)
{
    size_t pos = 0;
    while (pos < len && (text[pos] == '\n' || text[pos] == ' '))
        pos++;
    if (len - pos < 5 || memcmp(text + pos, "exif", 4) != 0 || dec->exif_len)
        return;
    pos += 4;
    size_t declared = 0;
    while (pos < len && (text[pos] == '\n' || text[pos] == ' '))
        pos++;
    while (pos < len && text[pos] >= '0' && text[pos] <= '9' && declared < (1u << 20))
        declared = declared * 10 + (size_t)(text[pos++] - '0');
    if (declared == 0 || declared >= (1u << 20))
        return;
    uint8_t *out = ph_buf_reserve(&dec->exif, declared);
    if (!out)
        return;
    size_t n = 0;
    int hi = -1;
    for (; pos < len && n < declared; pos++) {
        int v = ph_hex_value(text[pos]);
        if (v < 0)
            continue; /* newlines between lines of hex */
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    dec->exif_len = n;
}

/* Source coordinates of output pixel (x, y) for orientation o of a W x H
 * stored image (EXIF: the transform that shows the image upright). */
static void source_of(int o, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t *sx,
                      uint32_t *sy)
{
    switch (o) {
    case 2: *sx = w - 1 - x; *sy = y; break;             /* mirror horizontally */
    case 3: *sx = w - 1 - x; *sy = h - 1 - y; break;     /* rotate 180 */
    case 4: *sx = x; *sy = h - 1 - y; break;             /* mirror vertically */
    case 5: *sx = y; *sy = x; break;                     /* transpose */
    case 6: *sx = y; *sy = h - 1 - x; break;             /* rotate 90 clockwise */
    case 7: *sx = w - 1 - y; *sy = h - 1 - x; break;     /* transverse */
    case 8: *sx = w - 1 - y; *sy = x; break;             /* rotate 90 anticlockwise */
    default: *sx = x; *sy = y; break;
    }
}

phash_status ph_apply_orientation(phash_decoder *dec)
{
    phash_image *img = &dec->img;
    int o = img->orientation;
    if (o < 2 || o > 8)
        return PHASH_OK;
    uint32_t w = img->width, h = img->height, ch = img->channels;
    uint32_t ow = o >= 5 ? h : w, oh = o >= 5 ? w : h;
    size_t total = img->stride * h, ostride = (size_t)ow * ch;
    uint8_t *out = ph_buf_reserve(&dec->rotate, total);
    if (!out)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "cannot allocate the rotated image");
    const uint8_t *in = img->pixels;
    for (uint32_t y = 0; y < oh; y++) {
        uint8_t *row = out + (size_t)y * ostride;
        for (uint32_t x = 0; x < ow; x++) {
            uint32_t sx, sy;
            source_of(o, x, y, w, h, &sx, &sy);
            memcpy(row + (size_t)x * ch, in + (size_t)sy * img->stride + (size_t)sx * ch, ch);
        }
    }
    ph_buf tmp = dec->pixels; /* swap: the old pixels become the next target */
    dec->pixels = dec->rotate;
    dec->rotate = tmp;
    img->pixels = out;
    img->width = ow;
    img->height = oh;
    img->stride = ostride;
    img->flags |= PHASH_IMAGE_ORIENTED;
    return PHASH_OK;
}
