/* SPDX-License-Identifier: MIT */
/*
 * PDQ hasher: the pipeline around the blur kernel (lib/hash/pdq_blur.c), the
 * reference conventions (docs/pdq.md section 2), the public API.
 *
 *   image -> plan (mode, grey rule, windows, sample grid)
 *         -> kernel: luma + tent filter + 64x64 decimation
 *         -> quality, DCT 16x16 -> median threshold -> bits
 *         -> optionally the 7 other dihedral variants of the same DCT.
 */
#include <string.h>
#include "platform/platform.h"

#include "cpu.h"
#include "pdq_internal.h"

#define G PH_PDQ_GRID
#define CLI_SIDE 512u  /* the C++ CLI squashes anything larger to 512x512 */
#define MIN_SIDE 5u    /* below this, the reference returns zeros */
#define MAX_SIDE (1u << 30) /* keeps the kernel's row and window arithmetic in 32 bits */

struct phash_pdq_hasher {
    phash_pdq_mode mode;
    uint32_t fast_min_side; /* 0: off */
    int float_luma_always;  /* 1: no grey rule (vPDQ), see ph_pdq_hasher_set_float_luma */
    ph_pdq_blur_fn blur;
    ph_error err;
    ph_buf work;                     /* the kernel's rows, ring and samples */
    uint32_t src_col[CLI_SIDE];      /* CLI squash maps */
    uint32_t src_row[CLI_SIDE];
    float dct_matrix[PH_PDQ_DCT * G];
    float dct_matrix_t[G * PH_PDQ_DCT];
    float grid[G * G];               /* the 64x64 filtered luma */
    float mat[PH_PDQ_MAX_SAMPLES * PH_PDQ_MAX_SAMPLES]; /* aligned: every sample */
    float dct[PH_PDQ_DCT * PH_PDQ_DCT];
    phash_decoder *decoder; /* created on first file/memory call without one */
    ph_pdq_prof prof;
};

/* Stage timing (bench/pdq only) counts this thread's CPU time, so that
 * figures from a shared, loaded machine still mean something. */
uint64_t ph_pdq_clock_ns(void)
{
    return (uint64_t)(ph_thread_cpu_seconds() * 1e9);
}

/* ---- kernel dispatch --------------------------------------------------- */

/* Every blur kernel gives the same bits; best first. */
static const ph_pdq_blur_fn fn_generic = ph_pdq_blur_generic;
#ifdef PH_PDQ_HAVE_AVX2
static const ph_pdq_blur_fn fn_avx2 = ph_pdq_blur_avx2;
#endif
#ifdef PH_PDQ_HAVE_AVX512
static const ph_pdq_blur_fn fn_avx512 = ph_pdq_blur_avx512;
#endif
#ifdef PH_PDQ_HAVE_AVX512VBMI
static const ph_pdq_blur_fn fn_avx512vbmi = ph_pdq_blur_avx512vbmi;
#endif

static const ph_kernel g_rows[] = {
#ifdef PH_PDQ_HAVE_AVX512VBMI
    /* The AVX-512 kernel with a one-permute RGB luma (Ice Lake, Zen 4 and later). */
    {"avx512vbmi", PHASH_CPU_AVX512F | PHASH_CPU_AVX512BW | PHASH_CPU_AVX512VBMI,
     PH_ISA_AVX512VBMI, &fn_avx512vbmi},
#endif
#ifdef PH_PDQ_HAVE_AVX512
    {"avx512", PHASH_CPU_AVX512F, PH_ISA_AVX512, &fn_avx512},
#endif
#ifdef PH_PDQ_HAVE_AVX2
    {"avx2", PHASH_CPU_AVX2 | PHASH_CPU_FMA, PH_ISA_AVX2, &fn_avx2},
#endif
    {"generic", 0, PH_ISA_SCALAR, &fn_generic},
};

ph_kernel_table ph_pdq_blur_kernels = {g_rows, sizeof g_rows / sizeof g_rows[0], NULL};

ph_pdq_blur_fn ph_pdq_kernel_by_name(const char *name)
{
    const ph_kernel *row = ph_kernel_find(&ph_pdq_blur_kernels, name);
    return row ? PH_KERNEL_FN(ph_pdq_blur_fn, row) : NULL;
}

void ph_pdq_hasher_set_kernel(phash_pdq_hasher *h, ph_pdq_blur_fn fn)
{
    if (h && fn)
        h->blur = fn;
}

void ph_pdq_hasher_set_float_luma(phash_pdq_hasher *h, int on)
{
    if (h)
        h->float_luma_always = on != 0;
}

const float *ph_pdq_hasher_grid(const phash_pdq_hasher *h) { return h->grid; }
const float *ph_pdq_hasher_dct(const phash_pdq_hasher *h) { return h->dct; }

ph_pdq_prof *ph_pdq_hasher_prof(phash_pdq_hasher *h)
{
    h->prof.enabled = 1;
    return &h->prof;
}

/* ---- life cycle -------------------------------------------------------- */

static phash_pdq_hasher *pdq_hasher_create(void)
{
    phash_pdq_hasher *h = ph_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->mode = PHASH_PDQ_FULL;
    h->blur = PH_KERNEL_FN(ph_pdq_blur_fn, ph_kernel_active(&ph_pdq_blur_kernels));
    ph_pdq_dct_matrix(h->dct_matrix);
    ph_pdq_dct_matrix_t(h->dct_matrix, h->dct_matrix_t);
    return h;
}

phash_status phash_pdq_hasher_new(phash_pdq_hasher **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = pdq_hasher_create();
    return *out ? PHASH_OK : PHASH_ERR_NOMEM;
}

void phash_pdq_hasher_free(phash_pdq_hasher *h)
{
    if (!h)
        return;
    ph_buf_release(&h->work);
    phash_decoder_free(h->decoder);
    ph_free(h);
}

phash_status phash_pdq_hasher_set_mode(phash_pdq_hasher *h, phash_pdq_mode mode)
{
    if (!h || (mode != PHASH_PDQ_FULL && mode != PHASH_PDQ_CLI512))
        return PHASH_ERR_INVALID_ARG;
    h->mode = mode;
    return PHASH_OK;
}

phash_pdq_mode phash_pdq_hasher_get_mode(const phash_pdq_hasher *h)
{
    return h ? h->mode : PHASH_PDQ_FULL;
}

phash_status phash_pdq_hasher_set_fast(phash_pdq_hasher *h, uint32_t min_side)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    h->fast_min_side = min_side;
    return PHASH_OK;
}

const char *phash_pdq_hasher_last_error(const phash_pdq_hasher *h)
{
    return h ? ph_error_message(&h->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

phash_status phash_pdq_mode_parse(const char *text, phash_pdq_mode *out)
{
    if (!text || !out)
        return PHASH_ERR_INVALID_ARG;
    if (!strcmp(text, "full"))
        *out = PHASH_PDQ_FULL;
    else if (!strcmp(text, "cli512"))
        *out = PHASH_PDQ_CLI512;
    else
        return PHASH_ERR_INVALID_ARG;
    return PHASH_OK;
}

const char *phash_pdq_mode_name(phash_pdq_mode mode)
{
    switch (mode) {
    case PHASH_PDQ_FULL:
        return "full";
    case PHASH_PDQ_CLI512:
        return "cli512";
    }
    return "unknown";
}

/* ---- planning ---------------------------------------------------------- */

/* Does every pixel of an RGB(A) image have R = G = B? The references hash
 * such an image as grey (ImageMagick writes it as PGM; the pdqhash binding's
 * double luma rounds back to the value), which differs from float luma by
 * an ulp for 35 of the 256 grey levels. Stops at the first colour pixel,
 * so colour photos cost next to nothing. */
static int all_grey(const phash_image *img)
{
    const uint32_t ch = img->channels;
    for (uint32_t r = 0; r < img->height; r++) {
        const uint8_t *p = ph_image_row(img, r);
        unsigned diff = 0;
        for (uint32_t x = 0; x < img->width; x++, p += ch)
            diff |= (unsigned)(p[0] ^ p[1]) | (unsigned)(p[1] ^ p[2]);
        if (diff)
            return 0;
    }
    return 1;
}

/* floor((i + 0.5) * n / 64), which the reference computes in double. There
 * every step is exact ((i + 0.5) * n has one fractional bit and fits the
 * mantissa, 64 is a power of two), so it equals (2i + 1) * n / 128 in
 * integers. */
static void sample_grid(uint32_t n, uint32_t out[G])
{
    for (uint32_t i = 0; i < G; i++)
        out[i] = (uint32_t)(((uint64_t)(2 * i + 1) * n) >> 7);
}

/* Mirror images of the reference's positions ref[0..63] along a line of
 * n, for a box window w: where the flipped original's samples lie in a
 * flipped copy. An even window averages o - (w - h) .. o + h - 1 (h = (w +
 * 2) / 2), centred half a pixel after o; two passes centre output o at
 * o + 1 (odd windows: at o). Flipping turns position x into n - 1 - x, so
 * the original's output x is the copy's output n - 1 - 2d - x (d = 1 for an
 * even window, else 0) away from the line's ends. Ascending, clamped. */
static void mirror_grid(uint32_t n, uint32_t w, const uint32_t ref[G], uint32_t out[G])
{
    const int64_t last = (int64_t)n - 1 - (w % 2 == 0 ? 2 : 0);
    for (uint32_t k = 0; k < G; k++) {
        int64_t x = last - ref[G - 1 - k];
        out[k] = x < 0 ? 0 : (uint32_t)x;
    }
}

/* The sampled lines of one axis: the reference's positions ref, and with
 * mirror (not NULL) also their mirror images, merged in ascending order
 * (128 lines, or the reference's 64 when the two are equal). ref_at and
 * mir_at say where each sits. Returns the count. */
static uint32_t sample_lines(const uint32_t ref[G], const uint32_t *mirror, uint32_t *list,
                             uint8_t ref_at[G], uint8_t mir_at[G])
{
    if (!mirror || memcmp(ref, mirror, G * sizeof *ref) == 0) {
        for (uint32_t k = 0; k < G; k++) {
            list[k] = ref[k];
            ref_at[k] = mir_at[k] = (uint8_t)k;
        }
        return G;
    }
    uint32_t a = 0, b = 0, n = 0;
    while (a < G || b < G) {
        if (b == G || (a < G && ref[a] <= mirror[b])) {
            ref_at[a] = (uint8_t)n;
            list[n++] = ref[a++];
        } else {
            mir_at[b] = (uint8_t)n;
            list[n++] = mirror[b++];
        }
    }
    return n;
}

static void plan_image(phash_pdq_hasher *h, const phash_image *img, int dihedral, int aligned,
                       ph_pdq_plan *p)
{
    memset(p, 0, sizeof *p);
    p->img = img;
    p->w = img->width;
    p->h = img->height;
    p->grey = ph_image_is_grey(img) || (!h->float_luma_always && all_grey(img));
    if (h->mode == PHASH_PDQ_CLI512 && (img->width > CLI_SIDE || img->height > CLI_SIDE)) {
        /* Nearest neighbour, floor(x * W / 512), aspect ratio not kept. */
        for (uint32_t i = 0; i < CLI_SIDE; i++) {
            h->src_col[i] = (uint32_t)((uint64_t)i * img->width / CLI_SIDE);
            h->src_row[i] = (uint32_t)((uint64_t)i * img->height / CLI_SIDE);
        }
        p->src_col = h->src_col;
        p->src_row = h->src_row;
        p->w = p->h = CLI_SIDE;
    }
    /* The plain entry point copies an exactly 64x64 input unfiltered; the
     * dihedral one always filters (docs/pdq.md section 2.11). */
    p->blur = dihedral || p->w != G || p->h != G;
    p->wr = (p->w + 2 * G - 1) / (2 * G);
    p->wc = (p->h + 2 * G - 1) / (2 * G);
    uint32_t ref_r[G], ref_c[G], mir_r[G], mir_c[G];
    sample_grid(p->h, ref_r);
    sample_grid(p->w, ref_c);
    if (aligned) {
        mirror_grid(p->h, p->wc, ref_r, mir_r);
        mirror_grid(p->w, p->wr, ref_c, mir_c);
    }
    p->nsr = sample_lines(ref_r, aligned ? mir_r : NULL, p->srow, p->ref_row, p->mir_row);
    p->nsc = sample_lines(ref_c, aligned ? mir_c : NULL, p->scol, p->ref_col, p->mir_col);
}

/* ---- hashing ----------------------------------------------------------- */

/* The 64x64 grid at rows rows[] and columns cols[] of the kernel's samples. */
static void pick_grid(const ph_pdq_plan *p, const float *mat, const uint8_t *rows,
                      const uint8_t *cols, float *grid)
{
    for (int i = 0; i < G; i++) {
        const float *src = mat + (size_t)rows[i] * p->nsc;
        for (int j = 0; j < G; j++)
            grid[i * G + j] = src[cols[j]];
    }
}

/* The aligned variants: one DCT per distinct flip of the sample positions
 * (flip bit 1: rows mirrored, bit 2: columns mirrored); a flip whose
 * positions are the reference's own shares that block. */
static void aligned_dihedral(phash_pdq_hasher *h, const ph_pdq_plan *p, phash_pdq_result *out)
{
    float grid[G * G], dcts[4][PH_PDQ_DCT * PH_PDQ_DCT];
    const float *blocks[4] = {h->dct, NULL, NULL, NULL};
    for (int f = 1; f < 4; f++) {
        const int eff = ((f & 1) && p->nsr > G ? 1 : 0) | ((f & 2) && p->nsc > G ? 2 : 0);
        if (eff != f) {
            blocks[f] = blocks[eff];
            continue;
        }
        pick_grid(p, h->mat, (f & 1) ? p->mir_row : p->ref_row, (f & 2) ? p->mir_col : p->ref_col,
                  grid);
        ph_pdq_dct(h->dct_matrix, h->dct_matrix_t, grid, dcts[f]);
        blocks[f] = dcts[f];
    }
    ph_pdq_dihedral_bits_aligned(blocks, out->dihedral);
}

static void finish_hash(phash_pdq_hasher *h, const ph_pdq_plan *p, int dihedral, int aligned,
                        int quality, phash_pdq_result *out)
{
    ph_pdq_prof *prof = h->prof.enabled ? &h->prof : NULL;
    uint64_t t0 = prof ? ph_pdq_clock_ns() : 0;
    out->quality = quality;
    if (aligned)
        pick_grid(p, h->mat, p->ref_row, p->ref_col, h->grid);
    ph_pdq_dct(h->dct_matrix, h->dct_matrix_t, h->grid, h->dct);
    uint64_t t1 = prof ? ph_pdq_clock_ns() : 0;
    if (!dihedral)
        ph_pdq_bits(h->dct, &out->hash);
    uint64_t t2 = prof ? ph_pdq_clock_ns() : 0;
    if (aligned)
        aligned_dihedral(h, p, out);
    else if (dihedral)
        ph_pdq_dihedral_bits(h->dct, out->dihedral);
    if (dihedral)
        out->hash = out->dihedral[PHASH_PDQ_ORIG];
    if (prof) {
        uint64_t t3 = ph_pdq_clock_ns();
        prof->dct_ns += t1 - t0;
        prof->threshold_ns += t2 - t1;
        prof->dihedral_ns += t3 - t2;
    }
}

phash_status phash_pdq_hash_image(phash_pdq_hasher *h, const phash_image *img, unsigned flags,
                                  phash_pdq_result *out)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if (!img || !out || (flags & ~(PHASH_PDQ_WANT_DIHEDRAL | PHASH_PDQ_WANT_DIHEDRAL_ALIGNED)) ||
        img->channels < 1 ||
        img->channels > 4 || !img->pixels)
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "pdq: invalid argument");
    const int aligned = (flags & PHASH_PDQ_WANT_DIHEDRAL_ALIGNED) != 0;
    const int dihedral = aligned || (flags & PHASH_PDQ_WANT_DIHEDRAL) != 0;
    phash_pdq_result r;
    memset(&r, 0, sizeof r);
    r.width = img->width;
    r.height = img->height;
    if (img->width > MAX_SIDE || img->height > MAX_SIDE)
        return ph_error_set(&h->err, PHASH_ERR_TOO_LARGE,
                            "pdq: %ux%u image, sides are limited to %u pixels",
                            (unsigned)img->width, (unsigned)img->height, (unsigned)MAX_SIDE);
    if (img->width < MIN_SIDE || img->height < MIN_SIDE) {
        *out = r; /* all-zero hashes, quality 0, as the reference */
        ph_error_clear(&h->err);
        return PHASH_OK;
    }
    ph_pdq_plan plan;
    plan_image(h, img, dihedral, aligned, &plan);
    int quality = 0;
    if (h->blur(&plan, &h->work, aligned ? h->mat : h->grid, &quality, &h->prof) != 0)
        return ph_error_set(&h->err, PHASH_ERR_NOMEM,
                            "pdq: no memory for the work buffers of a %ux%u image",
                            (unsigned)img->width, (unsigned)img->height);
    finish_hash(h, &plan, dihedral, aligned, quality, &r);
    *out = r;
    ph_error_clear(&h->err);
    return PHASH_OK;
}

phash_status phash_pdq_hash_pixels(phash_pdq_hasher *h, const void *pixels, uint32_t width,
                                   uint32_t height, size_t stride, phash_pixel_format format,
                                   unsigned flags, phash_pdq_result *out)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    const char *why = ph_pixels_layout_error(pixels, width, height, stride, format);
    if (why)
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "pdq: invalid pixel buffer: %s", why);
    /* A stack image: wrapping would allocate. */
    phash_image img;
    memset(&img, 0, sizeof img);
    img.width = width;
    img.height = height;
    img.channels = (uint32_t)format;
    img.stride = stride;
    img.pixels = pixels;
    img.format = PHASH_FORMAT_RAW;
    img.orientation = 1;
    return phash_pdq_hash_image(h, &img, flags, out);
}

/* ---- files and memory -------------------------------------------------- */

static phash_decoder *decoder_for(phash_pdq_hasher *h, phash_decoder *dec)
{
    if (dec)
        return dec;
    if (!h->decoder && phash_decoder_new(&h->decoder) != PHASH_OK)
        return NULL;
    return h->decoder;
}

/* Decode (through the caller's decoder or ours) and hash. */
static phash_status hash_decoded(phash_pdq_hasher *h, phash_decoder *dec, const char *path,
                                 const void *data, size_t len, unsigned flags,
                                 phash_pdq_result *out)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if (!out || (!path && !data))
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "pdq: invalid argument");
    dec = decoder_for(h, dec);
    if (!dec)
        return ph_error_set(&h->err, PHASH_ERR_NOMEM, "pdq: no memory for a decoder");
    const phash_image *img = NULL;
    /* Fast mode: the decoder picks the JPEG scale from the frame header it
     * reads anyway (no peek of our own), and the caller's setting is put
     * back afterwards. */
    int old_min = phash_decoder_get_option(dec, PHASH_DECODE_JPEG_MIN_SIDE);
    if (h->fast_min_side &&
        phash_decoder_set_option(dec, PHASH_DECODE_JPEG_MIN_SIDE, (int)h->fast_min_side) != PHASH_OK)
        return ph_error_set(&h->err, PHASH_ERR_STATE, "pdq: cannot set the fast mode's scale");
    phash_status st = path ? phash_decode_file(dec, path, &img)
                           : phash_decode_memory(dec, data, len, &img);
    /* Restoring a value read back from the decoder cannot fail; if it
     * did, the decoder would keep a reduced scale, so say so. */
    if (h->fast_min_side && old_min >= 0 &&
        phash_decoder_set_option(dec, PHASH_DECODE_JPEG_MIN_SIDE, old_min) != PHASH_OK &&
        st == PHASH_OK)
        st = PHASH_ERR_STATE;
    if (st != PHASH_OK)
        return ph_error_set(&h->err, st, "%s", phash_decoder_last_error(dec));
    return phash_pdq_hash_image(h, img, flags, out);
}

phash_status phash_pdq_hash_file(phash_pdq_hasher *h, phash_decoder *dec, const char *path,
                                 unsigned flags, phash_pdq_result *out)
{
    return hash_decoded(h, dec, path, NULL, 0, flags, out);
}

phash_status phash_pdq_hash_memory(phash_pdq_hasher *h, phash_decoder *dec, const void *data,
                                   size_t len, unsigned flags, phash_pdq_result *out)
{
    return hash_decoded(h, dec, NULL, data, len, flags, out);
}

/* ---- matching ---------------------------------------------------------- */

static const phash_pdq_match_rule default_rule = {
    .size = sizeof(phash_pdq_match_rule),
    .max_distance = PHASH_PDQ_DEFAULT_MAX_DISTANCE,
    .min_quality = PHASH_PDQ_DEFAULT_MIN_QUALITY,
};

void phash_pdq_match_rule_default_sized(phash_pdq_match_rule *rule, size_t size)
{
    if (rule)
        ph_struct_out(rule, size, &default_rule, sizeof default_rule, PH_MATCH_RULE_V1);
}

/* The caller's rule in this library's layout (NULL: the defaults); 0 for a
 * size this library cannot take, so that nothing matches. */
static int rule_in(const phash_pdq_match_rule *rule, phash_pdq_match_rule *out)
{
    *out = default_rule;
    return !rule || ph_struct_in(out, sizeof *out, rule, PH_MATCH_RULE_V1) == 0;
}

int phash_pdq_quality_ok(const phash_pdq_match_rule *rule, int quality)
{
    phash_pdq_match_rule r;
    return rule_in(rule, &r) && quality >= r.min_quality;
}

int phash_pdq_match(const phash_pdq_match_rule *rule, const phash_pdq_code *query,
                    int query_quality, const phash_pdq_code *target, unsigned *distance)
{
    if (!query || !target)
        return 0;
    unsigned d = phash_pdq_distance(query, target);
    if (distance)
        *distance = d;
    phash_pdq_match_rule r;
    return rule_in(rule, &r) && query_quality >= r.min_quality && d <= r.max_distance;
}
