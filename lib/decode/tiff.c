/* SPDX-License-Identifier: MIT */
/* TIFF through libtiff: the first page (directory). Strips or tiles,
 * contiguous or separate planes, 1/2/4/8/16-bit grey (min-is-black or
 * min-is-white), 8/16-bit RGB, palettes of up to 16 bits, CMYK (converted
 * as ImageMagick converts it, or the raw first three channels), YCbCr
 * JPEG-in-TIFF as RGB; extra samples (alpha) dropped. Other layouts
 * (old-style JPEG, subsampled YCbCr, CIELab, LogLuv, float samples) go
 * through libtiff's RGBA interface, 8 bits per channel. The orientation
 * tag is reported like EXIF's, applied only on request. More pages after
 * the first set PHASH_IMAGE_ANIMATED.
 *
 * Safety: libtiff reads from the caller's bytes (mapped, never copied);
 * every single allocation it makes is capped by what is left of the memory
 * limit; the image size is checked before the sample buffer is allocated;
 * a strip or tile that lies past the end of the data is truncation, not a
 * read. Errors come back through a per-handle handler (no global state). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tiffio.h>

#include "decode.h"

typedef struct tiff_src {
    phash_decoder *dec;
    const uint8_t *data;
    uint64_t len, pos;
    char msg[256]; /* libtiff's last error */
} tiff_src;

/* ---- client I/O over the caller's bytes ---------------------------------- */

static tmsize_t tiff_read(thandle_t h, void *buf, tmsize_t n)
{
    tiff_src *s = (tiff_src *)h;
    uint64_t left = s->pos < s->len ? s->len - s->pos : 0;
    uint64_t k = n < 0 ? 0 : (uint64_t)n < left ? (uint64_t)n : left;
    memcpy(buf, s->data + s->pos, (size_t)k);
    s->pos += k;
    return (tmsize_t)k;
}

static tmsize_t tiff_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h, (void)buf, (void)n;
    return -1;
}

static toff_t tiff_seek(thandle_t h, toff_t off, int whence)
{
    tiff_src *s = (tiff_src *)h;
    uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->len : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    s->pos = base + off;
    return s->pos;
}

static int tiff_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t tiff_size(thandle_t h) { return ((tiff_src *)h)->len; }

static int tiff_map(thandle_t h, void **base, toff_t *size)
{
    tiff_src *s = (tiff_src *)h;
    *base = (void *)s->data; /* read-only use: the file is opened "r" */
    *size = s->len;
    return 1;
}

static void tiff_unmap(thandle_t h, void *base, toff_t size) { (void)h, (void)base, (void)size; }

static int tiff_error_cb(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)module;
    tiff_src *s = user;
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    return 1;
}

static int tiff_warning_cb(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

static phash_status tiff_fail(tiff_src *s, phash_status st, const char *what)
{
    return ph_error_set(&s->dec->err, st, "TIFF: %s%s%s", what, s->msg[0] ? ": " : "", s->msg);
}

/* ---- layout ----------------------------------------------------------- */

typedef enum tiff_kind { TK_GREY, TK_RGB, TK_PALETTE, TK_CMYK, TK_RGBA_IFACE } tiff_kind;

typedef struct tiff_layout {
    uint32_t w, h;
    uint16_t spp, bps, photometric, planar, sample_format, extra;
    tiff_kind kind;
    uint32_t channels;           /* output: 1 or 3 */
    uint16_t planes;             /* sample planes stored (1 or spp) */
    uint64_t rowbytes;           /* bytes of one row of one plane */
    uint16_t *cmap[3];           /* palette */
    int cmap_16;                 /* palette entries use 16 bits */
} tiff_layout;

static int get16(TIFF *tif, uint32_t tag, uint16_t *v)
{
    return TIFFGetFieldDefaulted(tif, tag, v) == 1;
}

/* Which path the directory takes; TK_RGBA_IFACE for what only libtiff's
 * RGBA interface converts. */
static tiff_kind classify(TIFF *tif, tiff_layout *l)
{
    uint16_t compression = 1, inkset = INKSET_CMYK;
    get16(tif, TIFFTAG_COMPRESSION, &compression);
    if (l->photometric == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG &&
        l->planar == PLANARCONFIG_CONTIG && l->spp == 3 && l->bps == 8) {
        /* libjpeg converts YCbCr to RGB while decoding. */
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        return TK_RGB;
    }
    if (l->sample_format != SAMPLEFORMAT_UINT || compression == COMPRESSION_OJPEG)
        return TK_RGBA_IFACE;
    int small = l->bps == 1 || l->bps == 2 || l->bps == 4;
    int whole = l->bps == 8 || l->bps == 16;
    switch (l->photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
        return small || whole ? TK_GREY : TK_RGBA_IFACE;
    case PHOTOMETRIC_PALETTE:
        return small || whole ? TK_PALETTE : TK_RGBA_IFACE;
    case PHOTOMETRIC_RGB:
        return whole && l->spp >= 3 ? TK_RGB : TK_RGBA_IFACE;
    case PHOTOMETRIC_SEPARATED:
        get16(tif, TIFFTAG_INKSET, &inkset);
        return whole && l->spp >= 4 && inkset == INKSET_CMYK ? TK_CMYK : TK_RGBA_IFACE;
    default:
        return TK_RGBA_IFACE;
    }
}

static phash_status read_layout(TIFF *tif, tiff_src *s, tiff_layout *l)
{
    uint16_t *extra_types = NULL;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l->w) ||
        !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l->h))
        return tiff_fail(s, PHASH_ERR_CORRUPT, "no image size");
    l->photometric = 0xffff;
    get16(tif, TIFFTAG_SAMPLESPERPIXEL, &l->spp);
    get16(tif, TIFFTAG_BITSPERSAMPLE, &l->bps);
    get16(tif, TIFFTAG_PLANARCONFIG, &l->planar);
    get16(tif, TIFFTAG_SAMPLEFORMAT, &l->sample_format);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &l->photometric))
        l->photometric = l->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &l->extra, &extra_types) != 1)
        l->extra = 0;
    l->kind = classify(tif, l);
    l->channels = l->kind == TK_GREY ? 1 : 3;
    if (l->kind == TK_PALETTE) {
        if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &l->cmap[0], &l->cmap[1], &l->cmap[2]))
            return tiff_fail(s, PHASH_ERR_CORRUPT, "palette image without a colour map");
        /* Old writers stored 8-bit entries: ImageMagick and libtiff both
         * take a map with no entry over 255 as such. */
        for (uint32_t i = 0; i < (1u << l->bps) && !l->cmap_16; i++)
            l->cmap_16 = l->cmap[0][i] > 255 || l->cmap[1][i] > 255 || l->cmap[2][i] > 255;
    }
    l->planes = l->planar == PLANARCONFIG_SEPARATE ? l->spp : 1;
    l->rowbytes = TIFFScanlineSize64(tif);
    return PHASH_OK;
}

/* ---- reading the samples ------------------------------------------------ */

/* Is strip or tile i wholly inside the data? (libtiff would refuse it;
 * this tells truncation from corruption.) */
static int strile_present(TIFF *tif, const tiff_src *s, uint32_t i)
{
    uint64_t off = TIFFGetStrileOffset(tif, i), n = TIFFGetStrileByteCount(tif, i);
    return off <= s->len && n <= s->len - off;
}

/* Read every strip of every plane into buf (planes one after the other,
 * rows of l->rowbytes). *good_rows: rows of the last plane read whole. */
static phash_status read_strips(TIFF *tif, tiff_src *s, const tiff_layout *l, uint8_t *buf,
                                uint32_t *plane_done, uint32_t *good_rows)
{
    uint32_t rps = l->h;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    if (rps == 0 || rps > l->h)
        rps = l->h;
    uint32_t per_plane = (l->h - 1) / rps + 1;
    for (uint16_t p = 0; p < l->planes; p++) {
        *plane_done = p;
        for (uint32_t k = 0; k < per_plane; k++) {
            uint32_t y = k * rps, rows = l->h - y < rps ? l->h - y : rps;
            uint32_t strip = p * per_plane + k;
            *good_rows = y;
            if (!strile_present(tif, s, strip))
                return tiff_fail(s, PHASH_ERR_TRUNCATED, "strip past the end of the data");
            uint8_t *dst = buf + ((uint64_t)p * l->h + y) * l->rowbytes;
            if (TIFFReadEncodedStrip(tif, strip, dst, (tmsize_t)(rows * l->rowbytes)) < 0)
                return tiff_fail(s, PHASH_ERR_CORRUPT, "bad strip");
        }
    }
    *plane_done = l->planes;
    *good_rows = l->h;
    return PHASH_OK;
}

static phash_status read_tiles(TIFF *tif, tiff_src *s, const tiff_layout *l, uint8_t *buf,
                               uint32_t *plane_done, uint32_t *good_rows)
{
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    uint64_t tile_bytes = TIFFTileSize64(tif), tile_row = TIFFTileRowSize64(tif);
    if (tw == 0 || th == 0 || tile_bytes == 0 || tile_row == 0)
        return tiff_fail(s, PHASH_ERR_CORRUPT, "bad tile size");
    uint8_t *tile = ph_malloc((size_t)tile_bytes);
    if (!tile)
        return ph_error_set(&s->dec->err, PHASH_ERR_NOMEM, "TIFF: cannot allocate a tile");
    uint32_t bits_per_px = (uint32_t)l->bps * (l->planes > 1 ? 1 : l->spp);
    phash_status st = PHASH_OK;
    for (uint16_t p = 0; p < l->planes && st == PHASH_OK; p++) {
        *plane_done = p;
        for (uint32_t y = 0; y < l->h && st == PHASH_OK; y += th) {
            *good_rows = y;
            for (uint32_t x = 0; x < l->w; x += tw) {
                uint32_t t = TIFFComputeTile(tif, x, y, 0, p);
                if (!strile_present(tif, s, t)) {
                    st = tiff_fail(s, PHASH_ERR_TRUNCATED, "tile past the end of the data");
                    break;
                }
                /* libtiff 4.5 reports a deflate stream that ends early as
                 * a whole tile (a warning only): what it leaves is zero. */
                memset(tile, 0, (size_t)tile_bytes);
                if (TIFFReadEncodedTile(tif, t, tile, (tmsize_t)tile_bytes) < 0) {
                    st = tiff_fail(s, PHASH_ERR_CORRUPT, "bad tile");
                    break;
                }
                /* Tile widths are multiples of 16: x starts on a byte. */
                uint64_t x0 = (uint64_t)x * bits_per_px / 8;
                uint64_t n = l->rowbytes - x0 < tile_row ? l->rowbytes - x0 : tile_row;
                uint32_t rows = l->h - y < th ? l->h - y : th;
                for (uint32_t r = 0; r < rows; r++)
                    memcpy(buf + ((uint64_t)p * l->h + y + r) * l->rowbytes + x0,
                           tile + (uint64_t)r * tile_row, (size_t)n);
            }
        }
    }
    ph_free(tile);
    if (st == PHASH_OK) {
        *plane_done = l->planes;
        *good_rows = l->h;
    }
    return st;
}

/* ---- converting to 8-bit grey or RGB ------------------------------------- */

static unsigned sample_at(const uint8_t *row, uint64_t i, unsigned bps)
{
    if (bps == 8)
        return row[i];
    if (bps == 16) {
        uint16_t v; /* libtiff has swapped it to host order */
        memcpy(&v, row + 2 * i, 2);
        return v;
    }
    uint64_t bit = i * bps;
    return (row[bit / 8] >> (8 - bps - bit % 8)) & ((1u << bps) - 1);
}

static uint8_t to_byte(unsigned v, unsigned bps, int scale16)
{
    if (bps == 8)
        return (uint8_t)v;
    if (bps == 16)
        return scale16 ? (uint8_t)((v * 255u + 32767u) / 65535u) : (uint8_t)(v & 0xff);
    unsigned max = (1u << bps) - 1;
    return (uint8_t)((v * 255u + max / 2) / max);
}

/* A 16-bit colour map entry to 8 bits as ImageMagick's quantum scaling. */
static uint8_t cmap_byte(unsigned v, int is16)
{
    if (!is16)
        return (uint8_t)v;
    return (uint8_t)(((v + 128u) - ((v + 128u) >> 8)) >> 8);
}

typedef struct tiff_conv {
    const tiff_layout *l;
    const uint8_t *buf;
    int scale16, cmyk_raw;
    const uint8_t *lut; /* CMYK -> RGB */
} tiff_conv;

/* Sample c of pixel x in row y, as a byte. */
static uint8_t px_byte(const tiff_conv *c, uint32_t y, uint32_t x, unsigned ch)
{
    const tiff_layout *l = c->l;
    const uint8_t *row;
    uint64_t i;
    if (l->planes > 1) {
        row = c->buf + ((uint64_t)ch * l->h + y) * l->rowbytes;
        i = x;
    } else {
        row = c->buf + (uint64_t)y * l->rowbytes;
        i = (uint64_t)x * l->spp + ch;
    }
    unsigned v = sample_at(row, i, l->bps);
    if (l->photometric == PHOTOMETRIC_MINISWHITE)
        v = (l->bps == 16 ? 65535u : (1u << l->bps) - 1) - v;
    return to_byte(v, l->bps, c->scale16);
}

/* 8-bit contiguous grey or RGB(A...) without inversion: rows copied, extra
 * samples skipped (the common case, kept off the per-sample path). */
static int copy_row_8bit(const tiff_conv *c, uint32_t y, uint8_t *out)
{
    const tiff_layout *l = c->l;
    if (l->bps != 8 || l->planes != 1 || l->photometric == PHOTOMETRIC_MINISWHITE ||
        (l->kind != TK_GREY && l->kind != TK_RGB))
        return 0;
    const uint8_t *row = c->buf + (uint64_t)y * l->rowbytes;
    uint32_t ch = l->channels;
    if (l->spp == ch) {
        memcpy(out, row, (size_t)l->w * ch);
        return 1;
    }
    for (uint32_t x = 0; x < l->w; x++)
        memcpy(out + (size_t)x * ch, row + (size_t)x * l->spp, ch);
    return 1;
}

static void convert_row(const tiff_conv *c, uint32_t y, uint8_t *out)
{
    const tiff_layout *l = c->l;
    if (copy_row_8bit(c, y, out))
        return;
    for (uint32_t x = 0; x < l->w; x++) {
        switch (l->kind) {
        case TK_GREY:
            out[x] = px_byte(c, y, x, 0);
            break;
        case TK_RGB:
            for (unsigned k = 0; k < 3; k++)
                out[3 * x + k] = px_byte(c, y, x, k);
            break;
        case TK_PALETTE: {
            const uint8_t *row = c->buf + (uint64_t)y * l->rowbytes;
            unsigned v = sample_at(row, (uint64_t)x * l->spp, l->bps);
            for (unsigned k = 0; k < 3; k++)
                out[3 * x + k] = cmap_byte(l->cmap[k][v], l->cmap_16);
            break;
        }
        case TK_CMYK: {
            uint8_t kk = px_byte(c, y, x, 3);
            for (unsigned k = 0; k < 3; k++) {
                uint8_t v = px_byte(c, y, x, k);
                /* The table is of inverted (Adobe JPEG) samples. */
                out[3 * x + k] = c->cmyk_raw ? v : c->lut[(255u - kk) * 256u + (255u - v)];
            }
            break;
        }
        case TK_RGBA_IFACE:
            break;
        }
    }
}

/* ---- the two paths -------------------------------------------------------- */

static phash_status decode_samples(TIFF *tif, tiff_src *s, const tiff_layout *l)
{
    phash_decoder *dec = s->dec;
    uint64_t raw = l->rowbytes * l->h * l->planes;
    if (l->rowbytes == 0 || raw / l->planes / l->h != l->rowbytes)
        return tiff_fail(s, PHASH_ERR_CORRUPT, "bad row size");
    phash_status st = ph_decoder_check_size(dec, "TIFF", l->w, l->h, l->channels, raw);
    if (st != PHASH_OK)
        return st;
    const uint8_t *lut = NULL;
    if (l->kind == TK_CMYK && dec->cmyk_mode == PHASH_CMYK_TO_RGB && !(lut = ph_cmyk_lut(dec)))
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "TIFF: cannot allocate the CMYK table");
    uint8_t *buf = ph_buf_reserve(&dec->work, (size_t)raw);
    if (!buf)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "TIFF: cannot allocate %llu bytes",
                            (unsigned long long)raw);
    /* libtiff 4.5 reports a deflate strip that ends early as a whole strip
     * (a warning only): the bytes it leaves must be zero, not stale. */
    memset(buf, 0, (size_t)raw);
    uint32_t plane_done = 0, good_rows = 0;
    st = TIFFIsTiled(tif) ? read_tiles(tif, s, l, buf, &plane_done, &good_rows)
                          : read_strips(tif, s, l, buf, &plane_done, &good_rows);
    if (st != PHASH_OK && !(st == PHASH_ERR_TRUNCATED && dec->allow_truncated &&
                            (good_rows > 0 || plane_done > 0)))
        return st;
    if (st != PHASH_OK) {
        /* Keep what was read: later rows of this plane and later planes are zero. */
        uint8_t *from = buf + ((uint64_t)plane_done * l->h + good_rows) * l->rowbytes;
        memset(from, 0, (size_t)(buf + raw - from));
        dec->img.flags |= PHASH_IMAGE_TRUNCATED;
    }
    uint8_t *out = ph_decoder_begin_image(dec, l->w, l->h, l->channels, PHASH_FORMAT_TIFF);
    if (!out)
        return dec->err.status;
    tiff_conv c = {l, buf, dec->sixteen_bit == PHASH_SIXTEEN_BIT_SCALE,
                   dec->cmyk_mode == PHASH_CMYK_RAW3, lut};
    for (uint32_t y = 0; y < l->h; y++)
        convert_row(&c, y, out + (size_t)y * l->w * l->channels);
    return PHASH_OK;
}

/* libtiff's RGBA interface: 8 bits per channel whatever the source. The
 * rows are requested in the file's own orientation, so nothing is flipped
 * here either. */
static phash_status decode_rgba(TIFF *tif, tiff_src *s, const tiff_layout *l, int orientation)
{
    phash_decoder *dec = s->dec;
    char why[1024];
    if (!TIFFRGBAImageOK(tif, why)) {
        snprintf(s->msg, sizeof s->msg, "%.200s", why);
        return tiff_fail(s, PHASH_ERR_UNSUPPORTED, "unsupported layout");
    }
    uint64_t raster = (uint64_t)l->w * l->h * 4;
    phash_status st = ph_decoder_check_size(dec, "TIFF", l->w, l->h, 3, raster);
    if (st != PHASH_OK)
        return st;
    uint32_t *px = ph_buf_reserve(&dec->work, (size_t)raster);
    if (!px)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "TIFF: cannot allocate the raster");
    if (!TIFFReadRGBAImageOriented(tif, l->w, l->h, px, orientation, 0))
        return tiff_fail(s, PHASH_ERR_CORRUPT, "cannot decode");
    uint8_t *out = ph_decoder_begin_image(dec, l->w, l->h, 3, PHASH_FORMAT_TIFF);
    if (!out)
        return dec->err.status;
    for (size_t i = 0; i < (size_t)l->w * l->h; i++) {
        out[3 * i] = (uint8_t)TIFFGetR(px[i]);
        out[3 * i + 1] = (uint8_t)TIFFGetG(px[i]);
        out[3 * i + 2] = (uint8_t)TIFFGetB(px[i]);
    }
    return PHASH_OK;
}

static phash_status decode_first_page(TIFF *tif, tiff_src *s)
{
    phash_decoder *dec = s->dec;
    tiff_layout l = {0};
    phash_status st = read_layout(tif, s, &l);
    if (st != PHASH_OK)
        return st;
    /* The size check comes first: nothing large is allocated before it. */
    st = ph_decoder_check_size(dec, "TIFF", l.w, l.h, l.channels, 0);
    if (st != PHASH_OK)
        return st;
    uint16_t orientation = ORIENTATION_TOPLEFT;
    get16(tif, TIFFTAG_ORIENTATION, &orientation);
    if (orientation < 1 || orientation > 8)
        orientation = ORIENTATION_TOPLEFT;
    st = l.kind == TK_RGBA_IFACE ? decode_rgba(tif, s, &l, orientation)
                                 : decode_samples(tif, s, &l);
    if (st != PHASH_OK)
        return st;
    unsigned flags = (l.kind == TK_PALETTE ? PHASH_IMAGE_PALETTE : 0) |
                     (l.kind == TK_CMYK ? PHASH_IMAGE_CMYK : 0) |
                     (l.bps == 16 ? PHASH_IMAGE_SIXTEEN_BIT : 0) |
                     (l.extra > 0 ? PHASH_IMAGE_HAD_ALPHA : 0) |
                     (!TIFFLastDirectory(tif) ? PHASH_IMAGE_ANIMATED : 0);
    dec->img.flags |= flags;
    dec->img.orientation = orientation;
    return PHASH_OK;
}

phash_status ph_decode_tiff(phash_decoder *dec, const uint8_t *data, size_t len)
{
    tiff_src s = {.dec = dec, .data = data, .len = len};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "TIFF: cannot allocate options");
    uint64_t budget = ph_decoder_memory_left(dec, 0);
    if (budget > (uint64_t)INT64_MAX / 2)
        budget = (uint64_t)INT64_MAX / 2;
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)budget);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_error_cb, &s);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_warning_cb, &s);
    TIFF *tif = TIFFClientOpenExt("tiff", "r", (thandle_t)&s, tiff_read, tiff_write, tiff_seek,
                                  tiff_close, tiff_size, tiff_map, tiff_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif)
        return tiff_fail(&s, len < 16 ? PHASH_ERR_TRUNCATED : PHASH_ERR_CORRUPT,
                         "cannot read the header");
    phash_status st = decode_first_page(tif, &s);
    TIFFClose(tif);
    return st;
}
