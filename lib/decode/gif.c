/* SPDX-License-Identifier: MIT */
/* GIF through giflib's record-level API: the first image of the file, as
 * the hash references' loaders take it (ImageMagick reads frame 0 at its
 * own size; its page offset on the logical screen is not part of the
 * pixels). Palette indices are expanded to RGB; the transparent index keeps
 * its palette colour (alpha dropped like everywhere else). Indices past the
 * end of the palette take entry 0.
 *
 * Safety: DGifSlurp() is never used (it would allocate every frame); the
 * frame size is checked against the limits before the pixels are allocated,
 * and giflib itself allocates only palettes and fixed LZW tables. A second
 * image record sets PHASH_IMAGE_ANIMATED without decoding it. */
#include <string.h>

#include <gif_lib.h>

#include "decode.h"

typedef struct gif_source {
    const uint8_t *data;
    size_t len, pos;
    int ran_out; /* a read asked for bytes past the end */
} gif_source;

static int gif_read_cb(GifFileType *gif, GifByteType *out, int n)
{
    gif_source *s = gif->UserData;
    size_t want = n > 0 ? (size_t)n : 0, left = s->len - s->pos;
    if (want > left) {
        s->ran_out = 1;
        want = left;
    }
    memcpy(out, s->data + s->pos, want);
    s->pos += want;
    return (int)want;
}

/* Statuses: data that ends early is TRUNCATED; giflib's other complaints
 * (an LZW end code before the last pixel too) are CORRUPT, its allocation
 * failures NOMEM. */
static phash_status gif_fail(phash_decoder *dec, int code, const gif_source *s, const char *what)
{
    phash_status st = code == D_GIF_ERR_NOT_ENOUGH_MEM ? PHASH_ERR_NOMEM
                      : s->ran_out                       ? PHASH_ERR_TRUNCATED
                                                         : PHASH_ERR_CORRUPT;
    const char *msg = GifErrorString(code);
    /* giflib says "failed to read" for values it refuses too (an LZW code
     * size over 12 bits): only an early end is a read failure here. */
    if (code == D_GIF_ERR_READ_FAILED && !s->ran_out)
        msg = "invalid data";
    return ph_error_set(&dec->err, st, "GIF: %s: %s at byte %zu", what,
                        msg ? msg : "unknown error", s->pos);
}

/* Row order of an interlaced image: pass 1 every 8th row from 0, pass 2
 * every 8th from 4, pass 3 every 4th from 2, pass 4 every 2nd from 1. */
static uint32_t interlaced_row(uint32_t i, uint32_t h)
{
    static const uint32_t start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (int p = 0; p < 4; p++) {
        uint32_t n = h > start[p] ? (h - start[p] + step[p] - 1) / step[p] : 0;
        if (i < n)
            return start[p] + i * step[p];
        i -= n;
    }
    return h; /* not reached for i < h */
}

/* Expand one row of indices to RGB through the colour map. */
static void expand_row(const uint8_t *idx, uint8_t *rgb, uint32_t w, const ColorMapObject *map)
{
    int n = map->ColorCount;
    for (uint32_t x = 0; x < w; x++) {
        const GifColorType *c = &map->Colors[idx[x] < n ? idx[x] : 0];
        rgb[3 * x] = c->Red;
        rgb[3 * x + 1] = c->Green;
        rgb[3 * x + 2] = c->Blue;
    }
}

typedef struct gif_state {
    phash_decoder *dec;
    GifFileType *gif;
    gif_source *src;
    int transparent; /* a Graphic Control Extension named a transparent index */
    uint32_t rows_done;
} gif_state;

/* Read the extension blocks of one record; note transparency in a GCE. */
static phash_status read_extension(gif_state *g)
{
    int code = 0;
    GifByteType *block = NULL;
    if (DGifGetExtension(g->gif, &code, &block) == GIF_ERROR)
        return gif_fail(g->dec, g->gif->Error, g->src, "extension");
    while (block) {
        if (code == GRAPHICS_EXT_FUNC_CODE && block[0] >= 4 && (block[1] & 1))
            g->transparent = 1;
        code = 0; /* only the first block of a GCE holds its fields */
        if (DGifGetExtensionNext(g->gif, &block) == GIF_ERROR)
            return gif_fail(g->dec, g->gif->Error, g->src, "extension data");
    }
    return PHASH_OK;
}

static phash_status read_frame(gif_state *g)
{
    phash_decoder *dec = g->dec;
    GifFileType *gif = g->gif;
    if (DGifGetImageDesc(gif) == GIF_ERROR)
        return gif_fail(dec, gif->Error, g->src, "image descriptor");
    const GifImageDesc *d = &gif->Image;
    uint32_t w = (uint32_t)d->Width, h = (uint32_t)d->Height;
    phash_status st = ph_decoder_check_size(dec, "GIF", w, h, 3, w);
    if (st != PHASH_OK)
        return st;
    const ColorMapObject *map = d->ColorMap ? d->ColorMap : gif->SColorMap;
    if (!map || map->ColorCount <= 0)
        return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "GIF: the first image has no palette");
    uint8_t *line = ph_buf_reserve(&dec->work, w);
    if (!line)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "GIF: cannot allocate a row");
    uint8_t *out = ph_decoder_begin_image(dec, w, h, 3, PHASH_FORMAT_GIF);
    if (!out)
        return dec->err.status;
    dec->img.flags |= PHASH_IMAGE_PALETTE | (g->transparent ? PHASH_IMAGE_HAD_ALPHA : 0);
    /* Rows not (yet) decoded are zero: a truncated interlaced file leaves
     * holes anywhere. */
    memset(out, 0, (size_t)w * 3 * h);
    for (uint32_t i = 0; i < h; i++) {
        if (DGifGetLine(gif, line, (int)w) == GIF_ERROR)
            return gif_fail(dec, gif->Error, g->src, "image data");
        uint32_t y = d->Interlace ? interlaced_row(i, h) : i;
        expand_row(line, out + (size_t)y * w * 3, w, map);
        g->rows_done++;
    }
    return PHASH_OK;
}

/* After the first image: is there another one? Stops at the first answer;
 * errors here do not spoil the decoded frame. */
static int has_second_image(gif_state *g)
{
    GifFileType *gif = g->gif;
    GifByteType *block = NULL;
    int code = 0;
    /* DGifGetLine() has already skipped what remained of the first image's
     * LZW blocks once its last pixel was read. */
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(gif, &type) == GIF_ERROR)
            return 0;
        if (type == IMAGE_DESC_RECORD_TYPE)
            return 1;
        if (type != EXTENSION_RECORD_TYPE)
            return 0;
        if (DGifGetExtension(gif, &code, &block) == GIF_ERROR)
            return 0;
        while (block)
            if (DGifGetExtensionNext(gif, &block) == GIF_ERROR)
                return 0;
    }
}

static phash_status read_records(gif_state *g)
{
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(g->gif, &type) == GIF_ERROR)
            return gif_fail(g->dec, g->gif->Error, g->src, "record");
        phash_status st;
        switch (type) {
        case IMAGE_DESC_RECORD_TYPE:
            st = read_frame(g);
            if (st == PHASH_OK && has_second_image(g))
                g->dec->img.flags |= PHASH_IMAGE_ANIMATED;
            return st;
        case EXTENSION_RECORD_TYPE:
            st = read_extension(g);
            if (st != PHASH_OK)
                return st;
            break;
        case TERMINATE_RECORD_TYPE:
            return ph_error_set(&g->dec->err, PHASH_ERR_CORRUPT, "GIF: no image in the file");
        default:
            return ph_error_set(&g->dec->err, PHASH_ERR_CORRUPT, "GIF: unknown record type");
        }
    }
}

phash_status ph_decode_gif(phash_decoder *dec, const uint8_t *data, size_t len)
{
    gif_source src = {.data = data, .len = len};
    int err = 0;
    GifFileType *gif = DGifOpen(&src, gif_read_cb, &err);
    if (!gif)
        return gif_fail(dec, err, &src, "header");
    gif_state g = {.dec = dec, .gif = gif, .src = &src};
    phash_status st = read_records(&g);
    if (st == PHASH_ERR_TRUNCATED && dec->allow_truncated && g.rows_done > 0) {
        dec->img.flags |= PHASH_IMAGE_TRUNCATED;
        st = PHASH_OK;
    }
    DGifCloseFile(gif, &err);
    return st;
}
