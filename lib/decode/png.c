/* SPDX-License-Identifier: MIT */
/* PNG through libpng, with its allocations counted against the decoder's
 * memory limit, user limits on the dimensions, a capped chunk cache and
 * chunk allocation, and every ancillary chunk but tRNS and eXIf discarded
 * unread (no zTXt/iCCP decompression bombs). */
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <png.h>

#include "decode.h"

typedef struct png_guard {
    phash_decoder *dec;
    const uint8_t *data;
    size_t len, pos;
    uint64_t used, budget; /* bytes libpng holds / may hold */
    uint32_t rows_read;     /* rows completed (over all passes) */
    int truncated, over_budget, nomem, over_user_limit, animated;
} png_guard;

/* ---- libpng callbacks -------------------------------------------------- */

/* Each block carries its size in front, so frees can be counted. */
typedef union png_block_head {
    size_t size;
    max_align_t align;
} png_block_head;

static png_voidp png_alloc_cb(png_structp png, png_alloc_size_t size)
{
    png_guard *g = png_get_mem_ptr(png);
    if (size > g->budget - g->used || size > SIZE_MAX - sizeof(png_block_head)) {
        g->over_budget = 1;
        return NULL;
    }
    png_block_head *h = ph_malloc(sizeof *h + size);
    if (!h) {
        g->nomem = 1;
        return NULL;
    }
    h->size = size;
    g->used += size;
    return h + 1;
}

static void png_free_cb(png_structp png, png_voidp ptr)
{
    if (!ptr)
        return;
    png_guard *g = png_get_mem_ptr(png);
    png_block_head *h = (png_block_head *)ptr - 1;
    g->used -= h->size;
    ph_free(h);
}

static void png_error_cb(png_structp png, png_const_charp msg)
{
    png_guard *g = png_get_error_ptr(png);
    phash_status st = g->truncated       ? PHASH_ERR_TRUNCATED
                      : g->over_budget || g->over_user_limit ? PHASH_ERR_TOO_LARGE
                      : g->nomem         ? PHASH_ERR_NOMEM
                                         : PHASH_ERR_CORRUPT;
    ph_error_set(&g->dec->err, st, "PNG: %s at byte %zu", msg, g->pos);
    png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
    png_guard *g = png_get_error_ptr(png);
    if (strstr(msg, "exceeds user limit"))
        g->over_user_limit = 1;
}

static void png_read_cb(png_structp png, png_bytep out, size_t n)
{
    png_guard *g = png_get_io_ptr(png);
    if (n > g->len - g->pos) {
        g->truncated = 1;
        g->pos = g->len;
        png_error(png, "data ends early");
    }
    memcpy(out, g->data + g->pos, n);
    g->pos += n;
}

/* Unknown chunks (and the known ones told to be treated so) land here:
 * note APNG's acTL and ImageMagick's hex EXIF text; discard everything. */
static int png_chunk_cb(png_structp png, png_unknown_chunkp chunk)
{
    static const char raw_exif[] = "Raw profile type exif"; /* with its NUL */
    png_guard *g = png_get_user_chunk_ptr(png);
    if (!memcmp(chunk->name, "acTL", 4))
        g->animated = 1;
    else if (!memcmp(chunk->name, "tEXt", 4) && chunk->size > sizeof raw_exif &&
             !memcmp(chunk->data, raw_exif, sizeof raw_exif))
        ph_exif_keep_raw_profile(g->dec, chunk->data + sizeof raw_exif,
                                 chunk->size - sizeof raw_exif);
    return 1;
}

/* ---- decoding ---------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The IHDR is at a fixed place: check the size before libpng allocates. */
static phash_status check_header(phash_decoder *dec, const uint8_t *data, size_t len)
{
    if (len < 33)
        return ph_error_set(&dec->err, PHASH_ERR_TRUNCATED,
                            "PNG: %zu bytes, too short for a header", len);
    if (be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0)
        return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "PNG: no IHDR chunk first");
    uint32_t w = be32(data + 16), h = be32(data + 20);
    unsigned depth = data[24], type = data[25];
    /* libpng's two rows of up to 8 bytes per pixel (16-bit samples become
     * 8-bit row by row: no 16-bit copy of the image). */
    phash_status st = ph_decoder_check_size(dec, "PNG", w, h, 3, (uint64_t)w * 16);
    if (st != PHASH_OK || !dec->max_work)
        return st;
    /* The work: inflating and unfiltering the samples, one unit per 8
     * bytes (a 100 MP 16-bit RGBA PNG is 100 million units, 2.3 s of CPU;
     * 200 MP of 8-bit RGB 75 million). Checked before libpng starts. */
    static const unsigned channels[7] = {1, 0, 3, 1, 2, 0, 4};
    uint64_t bytes = (((uint64_t)w * (type < 7 ? channels[type] : 4) * depth + 7) / 8) * h;
    if ((bytes + 7) / 8 > (uint64_t)dec->max_work)
        return ph_error_set(&dec->err, PHASH_ERR_BUDGET,
                            "PNG: %ux%u, %u-bit: %llu bytes of samples to inflate, over the work "
                            "budget of %d units of 8 bytes (refused before decoding)",
                            w, h, depth, (unsigned long long)bytes, dec->max_work);
    return PHASH_OK;
}

static void setup_limits(png_structp png, const phash_decoder *dec)
{
    uint32_t mw = dec->limits.max_width ? dec->limits.max_width : 0x7fffffffu;
    uint32_t mh = dec->limits.max_height ? dec->limits.max_height : 0x7fffffffu;
    png_set_user_limits(png, mw, mh);
    png_set_chunk_cache_max(png, PH_PNG_CHUNK_CACHE_MAX);
    png_set_chunk_malloc_max(png, PH_PNG_CHUNK_MALLOC_MAX);
    /* Process only IHDR, PLTE, tRNS, IDAT, IEND, and eXIf for orientation. */
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_AS_DEFAULT, (png_const_bytep) "eXIf", 1);
}

/* A libpng user transform, the last step on each row (after expansion and
 * alpha stripping, before interlaced rows are combined): keep the low byte
 * of each big-endian 16-bit sample (the CImg cast), in place. The image is
 * then 8-bit from the start, never held at 16 bits (a 100 MP 16-bit RGBA
 * file would need 600 MB more). */
static void low_bytes_transform(png_structp png, png_row_infop row, png_bytep data)
{
    (void)png;
    if (row->bit_depth != 16)
        return;
    size_t n = (size_t)row->width * row->channels;
    for (size_t i = 0; i < n; i++)
        data[i] = data[2 * i + 1];
    row->bit_depth = 8;
    row->pixel_depth = (png_byte)(8 * row->channels);
    row->rowbytes = n;
}

static void read_rows(png_structp png, uint8_t *base, size_t stride, uint32_t h, int passes,
                      png_guard *g)
{
    for (int p = 0; p < passes; p++)
        for (uint32_t y = 0; y < h; y++) {
            png_read_row(png, base + (size_t)y * stride, NULL);
            g->rows_read++;
        }
}

/* png_read_end() only collects trailing chunks (eXIf may follow IDAT): an
 * error there does not spoil the complete image. Bytes after IEND are
 * noted. */
static void read_end(png_structp png, png_infop info, png_guard *g)
{
    ph_error saved = g->dec->err;
    if (!setjmp(png_jmpbuf(png))) {
        png_read_end(png, info);
        if (g->pos < g->len)
            g->dec->img.flags |= PHASH_IMAGE_TRAILING_DATA;
    }
    g->dec->err = saved;
}

static void keep_exif(png_structp png, png_infop info, phash_decoder *dec)
{
    png_bytep exif = NULL;
    png_uint_32 n = 0;
    if (png_get_valid(png, info, PNG_INFO_eXIf) && png_get_eXIf_1(png, info, &n, &exif) && exif)
        ph_decoder_keep_exif(dec, exif, n);
}

typedef struct png_layout {
    uint32_t w, h, channels;
    int passes;
    uint8_t *out;
} png_layout;

static phash_status setup_transforms(png_structp png, png_infop info, phash_decoder *dec,
                                     png_layout *lay)
{
    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    lay->w = png_get_image_width(png, info);
    lay->h = png_get_image_height(png, info);
    unsigned flags = 0;
    if (type == PNG_COLOR_TYPE_PALETTE)
        flags |= PHASH_IMAGE_PALETTE;
    if ((type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS))
        flags |= PHASH_IMAGE_HAD_ALPHA;
    if (depth == 16)
        flags |= PHASH_IMAGE_SIXTEEN_BIT;
    png_set_expand(png);
    png_set_strip_alpha(png);
    if (depth == 16 && dec->sixteen_bit == PHASH_SIXTEEN_BIT_LOW_BYTE) {
        png_set_read_user_transform_fn(png, low_bytes_transform);
        png_set_user_transform_info(png, NULL, 8, (type & PNG_COLOR_MASK_COLOR) ? 3 : 1);
    } else if (depth == 16) {
        png_set_scale_16(png);
    }
    lay->passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    lay->channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    size_t want = (size_t)lay->w * lay->channels;
    if ((lay->channels != 1 && lay->channels != 3) || rowbytes != want)
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED,
                            "PNG: unexpected layout after expansion (%u channels, %zu bytes/row)",
                            lay->channels, rowbytes);
    lay->out = ph_decoder_begin_image(dec, lay->w, lay->h, lay->channels, PHASH_FORMAT_PNG);
    if (!lay->out)
        return dec->err.status;
    dec->img.flags |= flags;
    return PHASH_OK;
}

/* Whatever was read (all of it, or up to a truncation the caller accepts)
 * goes to the output; rows never reached are zero. */
static void finish_pixels(phash_decoder *dec, const png_layout *lay, const png_guard *g)
{
    size_t stride = dec->img.stride;
    /* Interlaced: every row was touched by the passes that arrived. */
    uint32_t full = lay->passes == 1 && g->rows_read < lay->h ? g->rows_read : lay->h;
    if (full < lay->h)
        memset(lay->out + (size_t)full * stride, 0, (size_t)(lay->h - full) * stride);
}

static phash_status decode(png_structp png, png_infop info, png_guard *g, png_layout *lay)
{
    phash_decoder *dec = g->dec;
    png_read_info(png, info);
    phash_status st = setup_transforms(png, info, dec, lay);
    if (st != PHASH_OK)
        return st;
    size_t stride = (size_t)lay->w * lay->channels;
    if (lay->passes > 1) /* sparkle passes combine with what earlier passes wrote */
        memset(lay->out, 0, stride * lay->h);
    read_rows(png, lay->out, stride, lay->h, lay->passes, g);
    read_end(png, info, g);
    keep_exif(png, info, dec);
    if (g->animated)
        dec->img.flags |= PHASH_IMAGE_ANIMATED;
    return PHASH_OK;
}

/* The setjmp lives here, not in the caller: the caller reads g and lay
 * after a libpng error, and C leaves locals of the function that called
 * setjmp indeterminate after longjmp if they changed in between (clang
 * really does reuse stale copies). */
static phash_status guarded_decode(png_structp png, png_infop info, png_guard *g,
                                   png_layout *lay)
{
    if (setjmp(png_jmpbuf(png)))
        return g->dec->err.status != PHASH_OK ? g->dec->err.status : PHASH_ERR_CORRUPT;
    png_set_read_fn(png, g, png_read_cb);
    png_set_read_user_chunk_fn(png, g, png_chunk_cb);
    setup_limits(png, g->dec);
    return decode(png, info, g, lay);
}

phash_status ph_decode_png(phash_decoder *dec, const uint8_t *data, size_t len)
{
    phash_status st = check_header(dec, data, len);
    if (st != PHASH_OK)
        return st;
    png_guard g = {.dec = dec, .data = data, .len = len};
    g.budget = ph_decoder_memory_left(dec, 0);
    png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &g, png_error_cb,
                                               png_warning_cb, &g, png_alloc_cb, png_free_cb);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "PNG: cannot create the decoder");
    }
    png_layout lay = {0};
    st = guarded_decode(png, info, &g, &lay);
    if (st == PHASH_OK) {
        finish_pixels(dec, &lay, &g);
        if (g.truncated) /* every row read, the file ended before IEND */
            dec->img.flags |= PHASH_IMAGE_TRUNCATED;
    } else if (st == PHASH_ERR_TRUNCATED && dec->allow_truncated && lay.out) {
        /* Kept when the caller accepts partial data and the pixels began. */
        finish_pixels(dec, &lay, &g);
        dec->img.flags |= PHASH_IMAGE_TRUNCATED;
        st = PHASH_OK;
    }
    png_destroy_read_struct(&png, &info, NULL);
    return st;
}
