/* SPDX-License-Identifier: MIT */
/* Pictures inside PDF documents through qpdf's C API (see pdf.h). */
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "container/pdf.h"
#include "internal.h"

struct ph_pdf {
    qpdf_data q;
    ph_pdf_limits lim;
    long long next_id, last_id; /* object numbers still to visit */
    int over_objects;           /* the document declares more than max_objects */
    unsigned char *raw;         /* qpdf's malloc'ed raw stream (free()) */
    uint8_t *pixels, *out;      /* ours (ph_free) */
    /* The image ph_pdf_next() returned, for ph_pdf_read(). */
    int id;
    int dct;
    uint32_t w, h, bpc, comps;  /* comps of the stored samples (1 for a palette) */
    int predictor;              /* 1 none, 2 TIFF, 10-15 PNG */
    int compressed;             /* FlateDecode (else unfiltered) */
    uint8_t palette[256 * 3];   /* expanded to pal_comps per entry */
    unsigned pal_entries, pal_comps;
};

int ph_pdf_supported(void) { return 1; }

/* ---- qpdf's errors ----------------------------------------------------- */

/* 1 if the last qpdf call failed (the error is cleared). */
static int failed(ph_pdf *p)
{
    if (!qpdf_has_error(p->q))
        return 0;
    (void)qpdf_get_error(p->q);
    return 1;
}

/* Drop qpdf's warnings, which pile up in memory on a damaged document. */
static void drop_warnings(qpdf_data q)
{
    while (qpdf_more_warnings(q))
        (void)qpdf_next_warning(q);
}

phash_status ph_pdf_open(const void *data, size_t len, const ph_pdf_limits *lim, ph_pdf **out,
                         char *detail, size_t detail_len)
{
    *out = NULL;
    ph_pdf *p = ph_calloc(1, sizeof *p);
    if (!p || !(p->q = qpdf_init())) {
        ph_free(p);
        snprintf(detail, detail_len, "out of memory");
        return PHASH_ERR_NOMEM;
    }
    p->lim = *lim;
    qpdf_silence_errors(p->q);
    qpdf_set_suppress_warnings(p->q, QPDF_TRUE);
    QPDF_ERROR_CODE rc = qpdf_read_memory(p->q, "pdf", data, (unsigned long long)len, "");
    if (rc & QPDF_ERRORS) {
        qpdf_error e = qpdf_get_error(p->q);
        int password = e && qpdf_get_error_code(p->q, e) == qpdf_e_password;
        const char *msg = e ? qpdf_get_error_message_detail(p->q, e) : NULL;
        snprintf(detail, detail_len, "%s", password ? "encrypted PDF: a password is needed (none is tried)"
                                                    : msg && *msg ? msg : "not a readable PDF");
        ph_pdf_close(p);
        return password ? PHASH_ERR_ENCRYPTED : PHASH_ERR_CORRUPT;
    }
    drop_warnings(p->q);
    qpdf_oh trailer = qpdf_get_trailer(p->q);
    long long size = qpdf_oh_get_int_value(p->q, qpdf_oh_get_key(p->q, trailer, "/Size"));
    if (failed(p) || size <= 1)
        size = (long long)(len / 8) + 1; /* a recovered xref may lack /Size; an object takes
                                            at least 8 bytes outside object streams */
    p->last_id = size - 1;
    if (p->lim.max_objects && (uint64_t)p->last_id > p->lim.max_objects) {
        p->last_id = (long long)p->lim.max_objects;
        p->over_objects = 1;
    }
    p->next_id = 1;
    qpdf_oh_release_all(p->q);
    *out = p;
    return PHASH_OK;
}

void ph_pdf_close(ph_pdf *p)
{
    if (!p)
        return;
    free(p->raw); /* qpdf allocates stream data with malloc */
    ph_free(p->pixels);
    ph_free(p->out);
    if (p->q)
        qpdf_cleanup(&p->q);
    ph_free(p);
}

/* ---- the image dictionary ---------------------------------------------- */

static void bad(ph_pdf_image *img, phash_status st, const char *fmt, const char *arg)
{
    img->status = st;
    snprintf(img->detail, sizeof img->detail, fmt, arg);
}

/* A name, or an array of one name: the name; NULL otherwise ("" for null). */
static const char *single_name(ph_pdf *p, qpdf_oh o)
{
    if (qpdf_oh_is_null(p->q, o))
        return "";
    if (qpdf_oh_is_array(p->q, o) && qpdf_oh_get_array_n_items(p->q, o) == 1)
        o = qpdf_oh_get_array_item(p->q, o, 0);
    return qpdf_oh_is_name(p->q, o) ? qpdf_oh_get_name(p->q, o) : NULL;
}

static long long int_key(ph_pdf *p, qpdf_oh dict, const char *key, long long dflt)
{
    qpdf_oh o = qpdf_oh_get_key(p->q, dict, key);
    if (qpdf_oh_is_null(p->q, o))
        return dflt;
    return qpdf_oh_is_integer(p->q, o) ? qpdf_oh_get_int_value(p->q, o) : -1;
}

/* Components of a base colour space (grey 1, RGB 3), or 0 when not
 * supported (CMYK, Separation, DeviceN, Lab, Pattern...). */
static unsigned base_components(ph_pdf *p, qpdf_oh cs)
{
    const char *n = qpdf_oh_is_name(p->q, cs) ? qpdf_oh_get_name(p->q, cs) : NULL;
    if (n)
        return !strcmp(n, "/DeviceGray") || !strcmp(n, "/G")   ? 1
               : !strcmp(n, "/DeviceRGB") || !strcmp(n, "/RGB") ? 3
                                                                 : 0;
    if (!qpdf_oh_is_array(p->q, cs) || qpdf_oh_get_array_n_items(p->q, cs) < 2)
        return 0;
    qpdf_oh kind = qpdf_oh_get_array_item(p->q, cs, 0);
    if (qpdf_oh_is_name_and_equals(p->q, kind, "/CalGray"))
        return 1;
    if (qpdf_oh_is_name_and_equals(p->q, kind, "/CalRGB"))
        return 3;
    if (qpdf_oh_is_name_and_equals(p->q, kind, "/ICCBased")) {
        qpdf_oh s = qpdf_oh_get_array_item(p->q, cs, 1);
        long long n_icc = qpdf_oh_is_stream(p->q, s) ? int_key(p, qpdf_oh_get_dict(p->q, s), "/N", 0) : 0;
        return n_icc == 1 || n_icc == 3 ? (unsigned)n_icc : 0;
    }
    return 0;
}

/* The bytes of a palette's lookup: a string, or a stream (raw, or
 * FlateDecode inflated to at most n bytes). */
static int palette_bytes(ph_pdf *p, qpdf_oh lookup, uint8_t *dst, size_t n)
{
    size_t len = 0;
    if (qpdf_oh_is_string(p->q, lookup)) {
        const char *s = qpdf_oh_get_binary_string_value(p->q, lookup, &len);
        if (!s || len < n)
            return -1;
        memcpy(dst, s, n);
        return 0;
    }
    if (!qpdf_oh_is_stream(p->q, lookup))
        return -1;
    const char *f = single_name(p, qpdf_oh_get_key(p->q, qpdf_oh_get_dict(p->q, lookup), "/Filter"));
    unsigned char *raw = NULL;
    if (!f || (*f && strcmp(f, "/FlateDecode")) ||
        qpdf_oh_get_stream_data(p->q, lookup, qpdf_dl_none, NULL, &raw, &len) != QPDF_SUCCESS) {
        free(raw);
        return -1;
    }
    int ok;
    if (*f) {
        z_stream z = {0};
        ok = inflateInit(&z) == Z_OK;
        z.next_in = raw, z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
        z.next_out = dst, z.avail_out = (uInt)n;
        ok = ok && inflate(&z, Z_FINISH) != Z_DATA_ERROR && z.avail_out == 0;
        inflateEnd(&z);
    } else {
        ok = len >= n;
        if (ok)
            memcpy(dst, raw, n);
    }
    free(raw);
    return ok ? 0 : -1;
}

/* [/Indexed base hival lookup]: the palette expanded into p->palette. */
static int indexed(ph_pdf *p, qpdf_oh cs, ph_pdf_image *img)
{
    if (qpdf_oh_get_array_n_items(p->q, cs) != 4) {
        bad(img, PHASH_ERR_CORRUPT, "%s", "an /Indexed colour space without 4 items");
        return -1;
    }
    unsigned base = base_components(p, qpdf_oh_get_array_item(p->q, cs, 1));
    qpdf_oh hival_o = qpdf_oh_get_array_item(p->q, cs, 2);
    long long hival = qpdf_oh_is_integer(p->q, hival_o) ? qpdf_oh_get_int_value(p->q, hival_o) : -1;
    if (!base) {
        bad(img, PHASH_ERR_UNSUPPORTED, "%s", "a palette over a colour space other than grey or RGB");
        return -1;
    }
    if (hival < 0 || hival > 255 ||
        palette_bytes(p, qpdf_oh_get_array_item(p->q, cs, 3), p->palette, (size_t)(hival + 1) * base)) {
        bad(img, PHASH_ERR_CORRUPT, "%s", "an /Indexed palette that cannot be read");
        return -1;
    }
    p->pal_entries = (unsigned)hival + 1;
    p->pal_comps = base;
    return 0;
}

/* The colour space: p->comps (and the palette), or -1 with img set. */
static int colour_space(ph_pdf *p, qpdf_oh dict, ph_pdf_image *img)
{
    qpdf_oh cs = qpdf_oh_get_key(p->q, dict, "/ColorSpace");
    p->pal_entries = 0;
    if (qpdf_oh_is_array(p->q, cs) &&
        qpdf_oh_is_name_and_equals(p->q, qpdf_oh_get_array_item(p->q, cs, 0), "/Indexed")) {
        p->comps = 1;
        return indexed(p, cs, img);
    }
    if (!(p->comps = base_components(p, cs))) {
        const char *n = single_name(p, cs);
        if (!n && qpdf_oh_is_array(p->q, cs))
            n = single_name(p, qpdf_oh_get_array_item(p->q, cs, 0));
        bad(img, PHASH_ERR_UNSUPPORTED, "raster in colour space %s: not decoded",
            n && *n ? n : "(none or unknown)");
        return -1;
    }
    return 0;
}

/* /DecodeParms of a FlateDecode raster: the predictor, which must agree
 * with the image. */
static int predictor(ph_pdf *p, qpdf_oh dict, ph_pdf_image *img)
{
    qpdf_oh dp = qpdf_oh_get_key(p->q, dict, "/DecodeParms");
    if (qpdf_oh_is_array(p->q, dp) && qpdf_oh_get_array_n_items(p->q, dp) == 1)
        dp = qpdf_oh_get_array_item(p->q, dp, 0);
    p->predictor = 1;
    if (!qpdf_oh_is_dictionary(p->q, dp))
        return 0;
    long long pred = int_key(p, dp, "/Predictor", 1);
    if (pred == 1)
        return 0;
    if (!(pred == 2 || (pred >= 10 && pred <= 15)) || int_key(p, dp, "/Colors", 1) != p->comps ||
        int_key(p, dp, "/BitsPerComponent", 8) != p->bpc || int_key(p, dp, "/Columns", 1) != p->w ||
        (pred == 2 && p->bpc != 8)) {
        bad(img, PHASH_ERR_UNSUPPORTED, "%s", "a predictor whose parameters are not the image's");
        return -1;
    }
    p->predictor = (int)pred;
    return 0;
}

/* A /Decode array other than the default (inverted or remapped samples). */
static int remapped(ph_pdf *p, qpdf_oh dict)
{
    qpdf_oh d = qpdf_oh_get_key(p->q, dict, "/Decode");
    if (qpdf_oh_is_null(p->q, d))
        return 0;
    int n = qpdf_oh_get_array_n_items(p->q, d);
    double hi = p->pal_entries ? (double)((1u << p->bpc) - 1) : 1.0;
    for (int i = 0; i < n; i++)
        if (qpdf_oh_get_numeric_value(p->q, qpdf_oh_get_array_item(p->q, d, i)) != (i % 2 ? hi : 0.0))
            return 1;
    return 0;
}

static uint64_t row_bytes(const ph_pdf *p)
{
    return ((uint64_t)p->w * p->comps * p->bpc + 7) / 8 + (p->predictor >= 10 ? 1 : 0);
}

/* A raster (FlateDecode or unfiltered): its geometry checked against the
 * limits before anything is inflated. */
static void raster(ph_pdf *p, qpdf_oh dict, ph_pdf_image *img)
{
    const ph_pdf_limits *l = &p->lim;
    long long w = int_key(p, dict, "/Width", -1), h = int_key(p, dict, "/Height", -1),
              bpc = int_key(p, dict, "/BitsPerComponent", -1);
    if (w <= 0 || h <= 0 || w > INT32_MAX || h > INT32_MAX)
        return bad(img, PHASH_ERR_CORRUPT, "%s", "an image without a valid /Width and /Height");
    p->w = (uint32_t)w, p->h = (uint32_t)h;
    if ((l->max_width && p->w > l->max_width) || (l->max_height && p->h > l->max_height) ||
        (l->max_pixels && (uint64_t)p->w * p->h > l->max_pixels)) {
        img->status = PHASH_ERR_TOO_LARGE;
        snprintf(img->detail, sizeof img->detail,
                 "%ux%u image: over the pixel limits (refused before inflating)", p->w, p->h);
        return;
    }
    qpdf_oh mask = qpdf_oh_get_key(p->q, dict, "/ImageMask");
    if (qpdf_oh_is_bool(p->q, mask) && qpdf_oh_get_bool_value(p->q, mask))
        return bad(img, PHASH_ERR_UNSUPPORTED, "%s", "a stencil mask (/ImageMask): not a picture");
    if (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16)
        return bad(img, PHASH_ERR_CORRUPT, "%s", "an image without a valid /BitsPerComponent");
    p->bpc = (uint32_t)bpc;
    if (colour_space(p, dict, img) || (p->compressed && predictor(p, dict, img)))
        return;
    if (p->pal_entries && p->bpc == 16)
        return bad(img, PHASH_ERR_CORRUPT, "%s", "a 16-bit palette image");
    if (remapped(p, dict))
        return bad(img, PHASH_ERR_UNSUPPORTED, "%s", "a /Decode array that remaps samples");
    uint64_t rows = row_bytes(p);
    if (rows > UINT64_MAX / p->h || (l->max_image_bytes && rows * p->h > l->max_image_bytes)) {
        img->status = PHASH_ERR_TOO_LARGE;
        snprintf(img->detail, sizeof img->detail,
                 "%ux%u image: its samples are over the member size limit (refused before "
                 "inflating)", p->w, p->h);
        return;
    }
    img->inflate = rows * p->h;
    snprintf(img->name, sizeof img->name, "obj%d.pnm", p->id);
}

/* One image XObject's dictionary. */
static void image(ph_pdf *p, qpdf_oh dict, ph_pdf_image *img)
{
    const char *f = single_name(p, qpdf_oh_get_key(p->q, dict, "/Filter"));
    p->dct = f && !strcmp(f, "/DCTDecode");
    p->compressed = f && !strcmp(f, "/FlateDecode");
    if (p->dct) {
        snprintf(img->name, sizeof img->name, "obj%d.jpg", p->id);
        return;
    }
    if (!f)
        return bad(img, PHASH_ERR_UNSUPPORTED, "%s", "a chain of filters: not decoded");
    if (*f && !p->compressed)
        return bad(img, PHASH_ERR_UNSUPPORTED, "image filter %s: not decoded", f);
    raster(p, dict, img);
}

phash_status ph_pdf_next(ph_pdf *p, ph_pdf_image *img)
{
    while (p->next_id <= p->last_id) {
        int id = (int)p->next_id++;
        qpdf_oh o = qpdf_get_object_by_id(p->q, id, 0);
        if (!failed(p) && qpdf_oh_is_stream(p->q, o)) {
            qpdf_oh dict = qpdf_oh_get_dict(p->q, o);
            if (qpdf_oh_is_name_and_equals(p->q, qpdf_oh_get_key(p->q, dict, "/Subtype"), "/Image")) {
                memset(img, 0, sizeof *img);
                p->id = id;
                snprintf(img->name, sizeof img->name, "obj%d", id);
                image(p, dict, img);
                if (failed(p))
                    bad(img, PHASH_ERR_CORRUPT, "%s", "a damaged image dictionary");
                qpdf_oh_release_all(p->q);
                drop_warnings(p->q);
                return PHASH_OK;
            }
        }
        (void)failed(p);
        qpdf_oh_release_all(p->q);
        drop_warnings(p->q);
    }
    return p->over_objects ? PHASH_ERR_BUDGET : PHASH_ERR_NOT_FOUND;
}

/* ---- the pixels ---------------------------------------------------------- */

/* Inflate src into exactly n bytes of dst; the bytes produced. */
static uint64_t inflate_into(const unsigned char *src, size_t len, uint8_t *dst, uint64_t n, int *corrupt)
{
    z_stream z = {0};
    *corrupt = 0;
    if (inflateInit(&z) != Z_OK) {
        *corrupt = 1;
        return 0;
    }
    uint64_t out = 0;
    int rc = Z_OK;
    while (rc == Z_OK && out < n) {
        if (z.avail_in == 0 && len > 0) {
            z.next_in = (unsigned char *)src;
            z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
            src += z.avail_in, len -= z.avail_in;
        }
        uInt step = (uInt)(n - out > UINT32_MAX ? UINT32_MAX : n - out);
        z.next_out = dst + out, z.avail_out = step;
        rc = inflate(&z, Z_NO_FLUSH);
        out += step - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && len == 0)
            break; /* the input ended */
    }
    *corrupt = rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_NEED_DICT;
    inflateEnd(&z);
    return out;
}

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undo the PNG predictor (a filter byte before each row) or the 8-bit TIFF
 * one, in place. -1 on an unknown PNG filter. */
static int unpredict(const ph_pdf *p, uint8_t *px)
{
    size_t row = (size_t)row_bytes(p), bpp = (p->comps * p->bpc + 7) / 8;
    for (uint32_t y = 0; y < p->h; y++) {
        uint8_t *r = px + (size_t)y * row;
        if (p->predictor == 2) {
            for (size_t i = p->comps; i < row; i++)
                r[i] = (uint8_t)(r[i] + r[i - p->comps]);
            continue;
        }
        const uint8_t *up = y ? r - row + 1 : NULL;
        uint8_t f = r[0], *d = r + 1;
        for (size_t i = 0; i < row - 1; i++) {
            uint8_t a = i >= bpp ? d[i - bpp] : 0, b = up ? up[i] : 0, c = up && i >= bpp ? up[i - bpp] : 0;
            switch (f) {
            case 0: break;
            case 1: d[i] = (uint8_t)(d[i] + a); break;
            case 2: d[i] = (uint8_t)(d[i] + b); break;
            case 3: d[i] = (uint8_t)(d[i] + ((a + b) >> 1)); break;
            case 4: d[i] = (uint8_t)(d[i] + paeth(a, b, c)); break;
            default: return -1;
            }
        }
    }
    return 0;
}

/* Sample x of a row of bpc-bit samples. */
static unsigned sample(const uint8_t *r, size_t x, unsigned bpc)
{
    if (bpc == 8)
        return r[x];
    if (bpc == 16)
        return (unsigned)r[2 * x] << 8 | r[2 * x + 1];
    size_t bit = x * bpc;
    return (r[bit / 8] >> (8 - bpc - bit % 8)) & ((1u << bpc) - 1);
}

/* The raster as a PNM file in p->out: palette images as 8-bit grey or
 * RGB, others with their own depth (1-8 bits: one byte per sample, maxval
 * 2^bpc-1; 16 bits: two bytes, maxval 65535, as PDF stores them). */
static phash_status write_pnm(ph_pdf *p, const uint8_t *px, ph_pdf_image *img)
{
    unsigned oc = p->pal_entries ? p->pal_comps : p->comps;
    unsigned maxval = p->pal_entries ? 255 : (1u << p->bpc) - 1, ob = p->bpc == 16 ? 2 : 1;
    char head[64];
    int hl = snprintf(head, sizeof head, "P%c\n%u %u\n%u\n", oc == 1 ? '5' : '6', p->w, p->h, maxval);
    uint64_t body = (uint64_t)p->w * p->h * oc * ob;
    if (p->lim.max_image_bytes && body > p->lim.max_image_bytes) {
        bad(img, PHASH_ERR_TOO_LARGE, "%s", "its PNM is over the member size limit");
        return img->status;
    }
    if (!(p->out = ph_malloc((size_t)body + (size_t)hl))) {
        bad(img, PHASH_ERR_NOMEM, "%s", "out of memory");
        return img->status;
    }
    memcpy(p->out, head, (size_t)hl);
    uint8_t *o = p->out + hl;
    size_t row = (size_t)row_bytes(p), skip = p->predictor >= 10 ? 1 : 0;
    size_t per_row = (size_t)p->w * p->comps;
    for (uint32_t y = 0; y < p->h; y++) {
        const uint8_t *r = px + (size_t)y * row + skip;
        if (!p->pal_entries && (p->bpc == 8 || p->bpc == 16)) {
            memcpy(o, r, per_row * ob);
            o += per_row * ob;
            continue;
        }
        for (size_t x = 0; x < per_row; x++) {
            unsigned v = sample(r, x, p->bpc);
            if (!p->pal_entries) {
                *o++ = (uint8_t)v;
                continue;
            }
            if (v >= p->pal_entries)
                v = p->pal_entries - 1; /* out of the palette: clamped, as readers do */
            memcpy(o, p->palette + (size_t)v * oc, oc);
            o += oc;
        }
    }
    img->data = p->out;
    img->len = (size_t)body + (size_t)hl;
    return PHASH_OK;
}

void ph_pdf_read(ph_pdf *p, ph_pdf_image *img)
{
    free(p->raw);
    p->raw = NULL;
    ph_free(p->pixels);
    ph_free(p->out);
    p->pixels = p->out = NULL;
    size_t len = 0;
    qpdf_oh o = qpdf_get_object_by_id(p->q, p->id, 0);
    QPDF_ERROR_CODE rc = qpdf_oh_get_stream_data(p->q, o, qpdf_dl_none, NULL, &p->raw, &len);
    qpdf_oh_release_all(p->q);
    drop_warnings(p->q);
    if (rc != QPDF_SUCCESS || failed(p) || !p->raw) {
        bad(img, PHASH_ERR_CORRUPT, "%s", "its stream cannot be read");
        return;
    }
    if (p->dct) {
        img->data = p->raw;
        img->len = len;
        return;
    }
    uint64_t n = img->inflate;
    if (!(p->pixels = ph_malloc((size_t)n))) {
        bad(img, PHASH_ERR_NOMEM, "%s", "out of memory");
        return;
    }
    uint64_t got;
    int corrupt = 0;
    if (p->compressed) {
        got = inflate_into(p->raw, len, p->pixels, n, &corrupt);
    } else {
        got = len < n ? len : n;
        memcpy(p->pixels, p->raw, (size_t)got);
    }
    if (got < n) {
        img->status = corrupt ? PHASH_ERR_CORRUPT : PHASH_ERR_TRUNCATED;
        snprintf(img->detail, sizeof img->detail, "%s: %llu of %llu bytes of samples",
                 corrupt ? "damaged compressed samples" : "samples end early",
                 (unsigned long long)got, (unsigned long long)n);
        return;
    }
    if (p->predictor > 1 && unpredict(p, p->pixels)) {
        bad(img, PHASH_ERR_CORRUPT, "%s", "an unknown PNG predictor in a row");
        return;
    }
    write_pnm(p, p->pixels, img);
}
