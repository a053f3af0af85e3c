/* SPDX-License-Identifier: MIT */
/* JPEG through libjpeg(-turbo)'s classic API, with the library defaults the
 * hash references were made with (JDCT_ISLOW, fancy upsampling, no scaling).
 *
 * Safety: the error manager longjmps back here instead of exit(); sizes are
 * checked from the header before jpeg_start_decompress() allocates; the
 * codec's own allocator is capped by mem->max_memory_to_use (progressive
 * files keep a whole-image coefficient buffer); the scans are counted and
 * their work weighed from the markers before the first is decoded
 * (jpeg_walk.c), and counted again while they are decoded. */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "decode.h"
#include "jpeg_walk.h"

typedef struct jpeg_guard {
    struct jpeg_error_mgr pub; /* first: libjpeg sees only this */
    jmp_buf jmp;
    phash_decoder *dec;
    size_t len;          /* input bytes, for the offset in messages */
    uint64_t work;       /* blocks the scans decoded so far */
    uint64_t budget;     /* ...and the most they may (0: no budget) */
    unsigned warnings;
    int ended;           /* the data ended before its end-of-image marker */
    int eof;             /* ...and the decoder wanted more than that marker */
} jpeg_guard;

/* The input: the caller's bytes, then, if the decoder asks for more, one
 * end-of-image marker (FF D9) of our own. A file whose tail was cut off
 * after its last scan (only the marker lost, as in partial downloads and
 * carved files) then decodes without a warning, every row from its own
 * data. If the decoder needs more than that marker (the cut went into the
 * scan data) it reports a marker hit in mid-scan or asks again: rows are
 * missing, and that is truncation. */
typedef struct jpeg_source {
    struct jpeg_source_mgr pub; /* first: libjpeg sees only this */
    jpeg_guard *g;
} jpeg_source;

static const JOCTET k_eoi[2] = {0xFF, (JOCTET)JPEG_EOI};

static void src_init(j_decompress_ptr d) { (void)d; }
static void src_term(j_decompress_ptr d) { (void)d; }

static boolean src_fill(j_decompress_ptr d)
{
    jpeg_source *src = (jpeg_source *)d->src;
    if (src->g->ended)
        WARNMS(d, JWRN_JPEG_EOF); /* asked again: the data is cut short */
    src->g->ended = 1;
    src->pub.next_input_byte = k_eoi;
    src->pub.bytes_in_buffer = sizeof k_eoi;
    return TRUE;
}

static void src_skip(j_decompress_ptr d, long n)
{
    struct jpeg_source_mgr *src = d->src;
    while (n > 0 && (size_t)n > src->bytes_in_buffer) {
        n -= (long)src->bytes_in_buffer;
        src->bytes_in_buffer = 0;
        (void)src_fill(d);
    }
    if (n > 0) {
        src->next_input_byte += n;
        src->bytes_in_buffer -= (size_t)n;
    }
}

static void use_source(j_decompress_ptr d, jpeg_source *src, jpeg_guard *g, const uint8_t *data,
                       size_t len)
{
    memset(src, 0, sizeof *src);
    src->g = g;
    src->pub.init_source = src_init;
    src->pub.fill_input_buffer = src_fill;
    src->pub.skip_input_data = src_skip;
    src->pub.resync_to_restart = jpeg_resync_to_restart;
    src->pub.term_source = src_term;
    src->pub.next_input_byte = data;
    src->pub.bytes_in_buffer = len;
    d->src = &src->pub;
}

static size_t input_offset(j_common_ptr c, const jpeg_guard *g)
{
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (g->ended)
        return g->len; /* reading our own end marker */
    if (!d->src || d->src->bytes_in_buffer > g->len)
        return 0;
    return g->len - d->src->bytes_in_buffer;
}

static phash_status status_of(int code)
{
    switch (code) {
    case JERR_BAD_PRECISION:
    case JERR_NOT_COMPILED:
    case JERR_NOTIMPL:
    case JERR_ARITH_NOTIMPL:
    case JERR_CONVERSION_NOTIMPL:
        return PHASH_ERR_UNSUPPORTED;
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
        return PHASH_ERR_TOO_LARGE;
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
        return PHASH_ERR_TRUNCATED;
    default:
        return PHASH_ERR_CORRUPT;
    }
}

/* Record the failure and unwind to the setjmp in ph_decode_jpeg. */
static void fail(j_common_ptr c, phash_status st)
{
    jpeg_guard *g = (jpeg_guard *)c->err;
    char msg[JMSG_LENGTH_MAX];
    (*c->err->format_message)(c, msg);
    ph_error_set(&g->dec->err, st, "JPEG: %s at byte %zu", msg, input_offset(c, g));
    longjmp(g->jmp, 1);
}

/* An error after the data ran out (a header or table cut short) is the cut's. */
static void on_error_exit(j_common_ptr c)
{
    const jpeg_guard *g = (const jpeg_guard *)c->err;
    fail(c, g->ended ? PHASH_ERR_TRUNCATED : status_of(c->err->msg_code));
}

/* Whether every block of every component already has its DC coefficient
 * from the file's data: a progressive file in a scan after the first DC
 * scans (a DC scan starts a component's coef_bits[c][0] at its Al). */
static int every_block_has_dc(j_decompress_ptr d)
{
    if (!d->progressive_mode || !d->coef_bits || (d->Ss == 0 && d->Ah == 0))
        return 0;
    for (int c = 0; c < d->num_components; c++)
        if (d->coef_bits[c][0] < 0)
            return 0;
    return 1;
}

static void on_emit_message(j_common_ptr c, int level)
{
    jpeg_guard *g = (jpeg_guard *)c->err;
    if (level >= 0)
        return; /* trace messages */
    g->warnings++;
    int code = c->err->msg_code;
    if (code == JWRN_JPEG_EOF || (code == JWRN_HIT_MARKER && g->ended)) {
        g->eof = 1;
        /* A progressive file cut after its DC scans still has every row
         * (coarser): hashed, flagged truncated (docs/formats.md). Otherwise,
         * unless the caller takes partial images, stop now rather than
         * decode the filler. */
        if (!every_block_has_dc((j_decompress_ptr)c) && !g->dec->allow_truncated)
            fail(c, PHASH_ERR_TRUNCATED);
    } else if (g->warnings > PH_JPEG_MAX_WARNINGS) {
        fail(c, PHASH_ERR_CORRUPT);
    }
}

static void on_output_message(j_common_ptr c) { (void)c; /* never print */ }

/* Called for each iMCU row libjpeg consumes from a multi-scan file: the
 * walk's refusal comes first; this holds if the walk and libjpeg ever
 * disagree on the scans (libjpeg resynchronising in garbage). */
static void on_progress(j_common_ptr c)
{
    j_decompress_ptr d = (j_decompress_ptr)c;
    jpeg_guard *g = (jpeg_guard *)c->err;
    if (d->input_scan_number > PH_JPEG_MAX_SCANS) {
        ph_error_set(&g->dec->err, PHASH_ERR_TOO_LARGE, "JPEG: more than %d scans",
                     PH_JPEG_MAX_SCANS);
        longjmp(g->jmp, 1);
    }
    /* The monitor also runs once per scan while libjpeg reads markers, so
     * its count is a little above the walk's: a quarter more is allowed. */
    g->work += ph_jpeg_row_blocks(d);
    if (g->budget && g->work > g->budget + g->budget / 4) {
        ph_error_set(&g->dec->err, PHASH_ERR_BUDGET,
                     "JPEG: scan %d goes over the work budget of %llu blocks",
                     d->input_scan_number, (unsigned long long)g->budget);
        longjmp(g->jmp, 1);
    }
}

/* Refuse, before decoding any, scans that are too many or too much work;
 * note bytes after the end of the image. */
static phash_status check_scans(phash_decoder *dec, j_decompress_ptr d, jpeg_guard *g,
                                const uint8_t *data)
{
    ph_jpeg_walk w;
    ph_jpeg_walk_markers(data, g->len, &w);
    if (w.scans > PH_JPEG_MAX_SCANS)
        return ph_error_set(&dec->err, PHASH_ERR_TOO_LARGE,
                            "JPEG: %u scans, more than %d (refused before decoding)", w.scans,
                            PH_JPEG_MAX_SCANS);
    uint64_t blocks = ph_jpeg_scan_blocks(d, &w);
    if (g->budget && blocks > g->budget)
        return ph_error_set(&dec->err, PHASH_ERR_BUDGET,
                            "JPEG: %u scans would decode %llu blocks, over the work budget of "
                            "%llu (refused before decoding)",
                            w.scans, (unsigned long long)blocks, (unsigned long long)g->budget);
    if (w.end && w.end < g->len)
        dec->img.flags |= PHASH_IMAGE_TRAILING_DATA;
    return PHASH_OK;
}

/* Bytes of the whole-image coefficient buffer libjpeg keeps for multi-scan
 * (progressive, or non-interleaved) files: 64 coefficients of 2 bytes per
 * block, rounded up to whole iMCU rows. */
static uint64_t coefficient_bytes(j_decompress_ptr d)
{
    if (!d->progressive_mode && d->comps_in_scan >= d->num_components)
        return 0;
    uint64_t total = 0;
    for (int i = 0; i < d->num_components; i++) {
        const jpeg_component_info *ci = &d->comp_info[i];
        uint64_t w = ci->width_in_blocks + (uint64_t)ci->h_samp_factor;
        uint64_t h = ci->height_in_blocks + (uint64_t)ci->v_samp_factor;
        total += w * h * DCTSIZE2 * sizeof(JCOEF);
    }
    return total;
}

/* ImageMagick reads CMYK JPEG samples inverted (QuantumRange - 257 x), always
 * (it assumes Adobe's inverted convention), then converts CMYK to RGB in
 * doubles: R = QR - (QS * C * (QR - K) + K), rounds to a 16-bit quantum and
 * scales to 8 bits for PNM. Tabulate that per (sample, black sample). */
static uint8_t imagemagick_cmyk(unsigned x, unsigned k)
{
    const double qr = 65535.0, qs = 1.0 / 65535.0;
    double c = qr - 257.0 * x, kk = qr - 257.0 * k;
    double v = qr - (qs * c * (qr - kk) + kk);
    unsigned q = v <= 0.0 ? 0u : v >= qr ? 65535u : (unsigned)(v + 0.5);
    return (uint8_t)(((q + 128u) - ((q + 128u) >> 8)) >> 8);
}

const uint8_t *ph_cmyk_lut(phash_decoder *dec)
{
    if (!dec->cmyk_lut) {
        uint8_t *t = ph_malloc(256 * 256);
        if (!t)
            return NULL;
        for (unsigned k = 0; k < 256; k++)
            for (unsigned x = 0; x < 256; x++)
                t[k * 256 + x] = imagemagick_cmyk(x, k);
        dec->cmyk_lut = t;
    }
    return dec->cmyk_lut;
}

static void cmyk_row(const uint8_t *in, uint8_t *out, uint32_t width, const uint8_t *lut)
{
    for (uint32_t x = 0; x < width; x++, in += 4, out += 3) {
        if (lut) {
            const uint8_t *t = lut + in[3] * 256;
            out[0] = t[in[0]];
            out[1] = t[in[1]];
            out[2] = t[in[2]];
        } else { /* raw: the first three channels, as CImg takes them */
            out[0] = in[0];
            out[1] = in[1];
            out[2] = in[2];
        }
    }
}

static void keep_exif(phash_decoder *dec, j_decompress_ptr d)
{
    for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && !memcmp(m->data, "Exif\0\0", 6)) {
            ph_decoder_keep_exif(dec, m->data + 6, m->data_length - 6);
            return;
        }
}

/* Choose the output colour space; 0 channels if unsupported. */
static uint32_t setup_output(j_decompress_ptr d, int *cmyk)
{
    *cmyk = 0;
    switch (d->jpeg_color_space) {
    case JCS_GRAYSCALE:
        d->out_color_space = JCS_GRAYSCALE;
        return 1;
    case JCS_YCbCr:
    case JCS_RGB:
        d->out_color_space = JCS_RGB;
        return 3;
    case JCS_CMYK:
    case JCS_YCCK:
        d->out_color_space = JCS_CMYK;
        *cmyk = 1;
        return 3;
    default:
        return 0;
    }
}

/* The DCT scale numerator (over 8): the fixed option, or with a minimum
 * side the smallest 1/2^k that keeps both sides >= it. */
static unsigned scale_numerator(const phash_decoder *dec, const j_decompress_ptr d)
{
    if (!dec->jpeg_min_side)
        return (unsigned)dec->jpeg_scale;
    uint64_t small = d->image_width < d->image_height ? d->image_width : d->image_height;
    unsigned num = 8;
    while (num > 1 && small * (num / 2) >= (uint64_t)dec->jpeg_min_side * 8u)
        num /= 2;
    return num;
}

/* ph_decode_jpeg_rows: the selected rows only, the others skipped (see
 * decode.h). The skip is trusted only on clean data (libjpeg-turbo has had
 * skip bugs on damaged files): any warning, or data that ends early, and
 * the caller decodes the file whole. */
static phash_status decode_rows(phash_decoder *dec, j_decompress_ptr d, const jpeg_guard *g,
                                uint32_t channels)
{
    ph_row_selection *r = dec->rows;
    uint32_t w = d->output_width, h = d->output_height;
    size_t n = r->select(r->user, w, h, r->ys, r->cap);
    int bad = n == 0 || n > r->cap; /* checked first: ys holds cap rows */
    for (size_t k = 0; !bad && k < n; k++)
        bad = r->ys[k] >= h || (k && r->ys[k] <= r->ys[k - 1]);
    if (bad)
        return ph_error_set(&dec->err, PHASH_ERR_INVALID_ARG, "JPEG rows: bad selection");
    uint8_t *out = ph_decoder_begin_image(dec, w, (uint32_t)n, channels, PHASH_FORMAT_JPEG);
    if (!out)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "JPEG: cannot allocate the output");
    size_t stride = dec->img.stride;
    for (size_t k = 0; k < n && !g->warnings; k++) {
        if (d->output_scanline < r->ys[k])
            jpeg_skip_scanlines(d, r->ys[k] - d->output_scanline);
        JSAMPROW row = out + k * stride;
        if (jpeg_read_scanlines(d, &row, 1) != 1)
            return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "JPEG: decoder made no progress");
    }
    /* The rest is passed over too, so that a cut or damage is noticed. */
    if (!g->warnings && d->output_scanline < h)
        jpeg_skip_scanlines(d, h - d->output_scanline);
    if (g->warnings || g->ended)
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED,
                            "JPEG rows: damaged data, decoded whole instead");
    r->height = h;
    return PHASH_OK;
}

/* Everything between the setjmp and the cleanup: any libjpeg error longjmps
 * out of here with the detail already recorded. */
static phash_status decode(phash_decoder *dec, j_decompress_ptr d, jpeg_guard *g,
                           const uint8_t *data)
{
    jpeg_save_markers(d, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(d, TRUE);
    keep_exif(dec, d);

    int cmyk;
    uint32_t channels = setup_output(d, &cmyk);
    if (!channels)
        return ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED,
                            "JPEG: %d components in colour space %d are not supported",
                            d->num_components, (int)d->jpeg_color_space);
    d->dct_method = JDCT_ISLOW;
    d->do_fancy_upsampling = TRUE;
    d->scale_num = scale_numerator(dec, d);
    d->scale_denom = 8;

    uint64_t coef = coefficient_bytes(d);
    phash_status st = ph_decoder_check_size(dec, "JPEG", d->image_width, d->image_height,
                                            channels, coef);
    if (st == PHASH_OK)
        st = check_scans(dec, d, g, data);
    if (st != PHASH_OK)
        return st;
    jpeg_calc_output_dimensions(d);
    uint32_t w = d->output_width, h = d->output_height;
    uint64_t left = ph_decoder_memory_left(dec, (uint64_t)w * h * channels);
    if (dec->limits.max_memory)
        d->mem->max_memory_to_use = left > LONG_MAX ? LONG_MAX : (long)left;

    struct jpeg_progress_mgr progress = {.progress_monitor = on_progress};
    d->progress = &progress;
    jpeg_start_decompress(d);
    d->progress = NULL; /* progress is about to go out of scope */
    if (dec->rows)
        return cmyk ? ph_error_set(&dec->err, PHASH_ERR_UNSUPPORTED, "JPEG rows: CMYK")
                    : decode_rows(dec, d, g, channels);

    uint8_t *out = ph_decoder_begin_image(dec, w, h, channels, PHASH_FORMAT_JPEG);
    uint8_t *row4 = cmyk ? ph_buf_reserve(&dec->work, (size_t)w * 4) : NULL;
    const uint8_t *lut = cmyk && dec->cmyk_mode == PHASH_CMYK_TO_RGB ? ph_cmyk_lut(dec) : NULL;
    if (!out || (cmyk && (!row4 || (dec->cmyk_mode == PHASH_CMYK_TO_RGB && !lut))))
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "JPEG: cannot allocate the output");

    size_t stride = dec->img.stride;
    while (d->output_scanline < h) {
        JSAMPROW rows[16];
        JDIMENSION y = d->output_scanline, n = 0;
        if (cmyk)
            rows[n++] = row4;
        else
            for (; n < 16 && y + n < h; n++)
                rows[n] = out + (size_t)(y + n) * stride;
        JDIMENSION got = jpeg_read_scanlines(d, rows, n);
        if (got == 0)
            return ph_error_set(&dec->err, PHASH_ERR_CORRUPT, "JPEG: decoder made no progress");
        if (cmyk)
            cmyk_row(row4, out + (size_t)y * stride, w, lut);
    }
    if (g->ended)
        dec->img.flags |= PHASH_IMAGE_TRUNCATED;
    if (cmyk)
        dec->img.flags |= PHASH_IMAGE_CMYK;
    if (d->scale_num != 8)
        dec->img.flags |= PHASH_IMAGE_SCALED;
    /* No jpeg_finish_decompress(): it would only read what follows the
     * last scan, and trailing garbage must not fail a complete image. */
    return PHASH_OK;
}

/* The setjmp lives here, not in ph_decode_jpeg: the caller uses d after a
 * libjpeg error, and locals of the function that called setjmp are
 * indeterminate after longjmp if they changed in between. */
static phash_status guarded_decode(phash_decoder *dec, j_decompress_ptr d, jpeg_guard *g,
                                   jpeg_source *src, const uint8_t *data, size_t len)
{
    if (setjmp(g->jmp))
        return dec->err.status != PHASH_OK ? dec->err.status : PHASH_ERR_CORRUPT;
    jpeg_create_decompress(d);
    use_source(d, src, g, data, len);
    return decode(dec, d, g, data);
}

phash_status ph_decode_jpeg(phash_decoder *dec, const uint8_t *data, size_t len)
{
    struct jpeg_decompress_struct d;
    jpeg_guard g;
    memset(&g, 0, sizeof g);
    memset(&d, 0, sizeof d); /* d.mem stays NULL if creation fails */
    g.dec = dec;
    g.len = len;
    g.budget = (uint64_t)dec->max_work;
    d.err = jpeg_std_error(&g.pub);
    g.pub.error_exit = on_error_exit;
    g.pub.emit_message = on_emit_message;
    g.pub.output_message = on_output_message;
    jpeg_source src;
    phash_status st = guarded_decode(dec, &d, &g, &src, data, len);
    jpeg_destroy_decompress(&d);
    return st;
}
