/* SPDX-License-Identifier: MIT */
/* A walk over a JPEG's markers that decodes nothing: it counts the scans,
 * which components each one codes, and where the image ends. The JPEG
 * decoder uses it to refuse a file whose scans would cost more than its
 * budget before decoding the first one (a 4 MB file can hold hundreds of
 * scans of a 100 MP image, each a pass over the whole image), and to notice
 * bytes after the end-of-image marker.
 *
 * It follows the marker syntax the way libjpeg reads it: bytes that are not
 * a marker where one is expected are skipped up to the next 0xFF, fill bytes
 * (0xFF 0xFF) are skipped, and entropy-coded data runs up to the first 0xFF
 * that is followed by neither 0x00 (a stuffed byte) nor a restart marker.
 * The decoder still counts the scans it really decodes (its progress
 * monitor): the walk only makes the refusal come first. */
#include <string.h>

#include "jpeg_walk.h"

#define M_RST0 0xD0
#define M_RST7 0xD7
#define M_SOI 0xD8
#define M_EOI 0xD9
#define M_SOS 0xDA
#define M_TEM 0x01

static int is_standalone(uint8_t m) { return m == M_TEM || (m >= M_RST0 && m <= M_SOI); }

/* Offset of the next 0xFF at or after pos (len if none). */
static size_t next_ff(const uint8_t *data, size_t len, size_t pos)
{
    if (pos >= len)
        return len;
    const uint8_t *p = memchr(data + pos, 0xFF, len - pos);
    return p ? (size_t)(p - data) : len;
}

/* The end of the entropy-coded data that starts at pos: the offset of the
 * marker that follows it (len if the data runs to the end). */
static size_t skip_entropy_data(const uint8_t *data, size_t len, size_t pos)
{
    for (;;) {
        pos = next_ff(data, len, pos);
        if (pos + 1 >= len)
            return len;
        uint8_t m = data[pos + 1];
        if (m != 0x00 && m != 0xFF && !(m >= M_RST0 && m <= M_RST7))
            return pos;
        pos += m == 0xFF ? 1 : 2;
    }
}

static void note_scan(ph_jpeg_walk *w, const uint8_t *seg, size_t seg_len)
{
    w->scans++;
    if (seg_len < 1)
        return;
    unsigned n = seg[0];
    for (unsigned i = 0; i < n && 1 + 2 * i < seg_len; i++)
        w->component_scans[seg[1 + 2 * i]]++;
}

void ph_jpeg_walk_markers(const uint8_t *data, size_t len, ph_jpeg_walk *w)
{
    memset(w, 0, sizeof *w);
    if (len < 2 || data[0] != 0xFF || data[1] != M_SOI)
        return;
    size_t pos = 2;
    for (;;) {
        pos = next_ff(data, len, pos); /* libjpeg skips extraneous bytes too */
        while (pos + 1 < len && data[pos + 1] == 0xFF)
            pos++;
        if (pos + 1 >= len)
            return;
        uint8_t m = data[pos + 1];
        pos += 2;
        if (m == M_EOI) {
            w->end = pos;
            return;
        }
        if (is_standalone(m) || m == 0x00)
            continue;
        if (pos + 2 > len)
            return;
        size_t seg_len = (size_t)data[pos] << 8 | data[pos + 1];
        if (seg_len < 2)
            return; /* libjpeg refuses this: nothing more to count */
        size_t body = pos + 2, body_len = seg_len - 2;
        if (body_len > len - body)
            body_len = len - body;
        pos = body + body_len;
        if (m == M_SOS) {
            note_scan(w, data + body, body_len);
            pos = skip_entropy_data(data, len, pos);
        }
    }
}

uint64_t ph_jpeg_scan_blocks(const struct jpeg_decompress_struct *d, const ph_jpeg_walk *w)
{
    uint64_t total = 0;
    for (int i = 0; i < d->num_components; i++) {
        const jpeg_component_info *ci = &d->comp_info[i];
        uint64_t blocks = (uint64_t)ci->width_in_blocks * ci->height_in_blocks;
        total += blocks * w->component_scans[ci->component_id & 0xFF];
    }
    return total;
}

uint64_t ph_jpeg_row_blocks(const struct jpeg_decompress_struct *d)
{
    /* A single-component scan's iMCU row is v_samp_factor rows of blocks;
     * an interleaved scan's is one row of MCUs. */
    uint64_t rows = d->comps_in_scan == 1 && d->cur_comp_info[0]
                        ? (uint64_t)d->cur_comp_info[0]->v_samp_factor
                        : 1;
    return (uint64_t)d->MCUs_per_row * (uint64_t)d->blocks_in_MCU * rows;
}
