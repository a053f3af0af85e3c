/* SPDX-License-Identifier: MIT */
/*
 * PDQ fast mode: pick the JPEG DCT scale for a file before decoding it.
 *
 * The decoder takes a fixed scale (PHASH_DECODE_JPEG_SCALE); to aim at a
 * side of about min_side we need the JPEG's size first, which sits in its
 * SOF segment near the start. This scanner only reads segment headers; a
 * file it cannot read is left to the decoder at full scale (which then
 * reports the real error).
 */

#include "pdq_internal.h"
#include "platform/platform.h"

/* Width and height from the SOFn segment, or -1. */
static int jpeg_size(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
        return -1;
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF)
            return -1;
        uint8_t m = d[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
            i += 2;
            continue;
        }
        size_t len = (size_t)d[i + 2] << 8 | d[i + 3];
        if (len < 2)
            return -1;
        int sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof) {
            if (i + 9 > n)
                return -1;
            *h = (uint32_t)d[i + 5] << 8 | d[i + 6];
            *w = (uint32_t)d[i + 7] << 8 | d[i + 8];
            return *w && *h ? 0 : -1;
        }
        if (m == 0xDA || m == 0xD9) /* scan before SOF: malformed */
            return -1;
        i += 2 + len;
    }
    return -1;
}

/* Option value (numerator over 8) keeping both sides >= min_side. */
static int scale_for(uint32_t w, uint32_t h, uint32_t min_side)
{
    uint32_t small = w < h ? w : h;
    int num = 8;
    while (num > 1 && (uint64_t)small * (uint64_t)(num / 2) >= (uint64_t)min_side * 8u)
        num /= 2;
    return num;
}

phash_status ph_pdq_fast_scale(phash_decoder *dec, const char *path, const void *data,
                               size_t len, uint32_t min_side, uint8_t head[PH_PDQ_HEAD_BYTES])
{
    const uint8_t *d = data;
    size_t n = len;
    if (path) { /* the platform layer, not stdio: no buffer per file */
        ph_file *f;
        if (ph_file_open(path, &f, NULL) != 0)
            return PHASH_ERR_IO;
        int err = ph_file_read(f, head, PH_PDQ_HEAD_BYTES, &n);
        ph_file_close(f);
        if (err)
            return PHASH_ERR_IO;
        d = head;
    }
    uint32_t w, h;
    int num = 8;
    if (jpeg_size(d, n, &w, &h) == 0)
        num = scale_for(w, h, min_side);
    return phash_decoder_set_option(dec, PHASH_DECODE_JPEG_SCALE, num);
}
