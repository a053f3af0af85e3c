/* SPDX-License-Identifier: MIT */
/*
 * dctN: phash's own N-bit DCT hash family (definition and version in
 * include/phash/dct.h). The image luma is box-averaged to N x N (N = 4s),
 * transformed with a 2-D DCT-II, and the s x s lowest frequencies are
 * thresholded at their median.
 *
 * Two DCT backends compute the same formula:
 * - MATRIX: only the s x s outputs, as two partial matrix products
 *   (s N^2 + s^2 N multiply-adds);
 * - FFTW: a full N x N REDFT10 plan (O(N^2 log N)), one per size, created
 *   once under a lock and executed concurrently with the new-array API
 *   (thread-safe in FFTW; the plan is made FFTW_UNALIGNED so any buffer
 *   alignment is fine). Plans use FFTW_ESTIMATE, which picks the same
 *   algorithm on every run, so the floating-point order is reproducible.
 * The default per size is whichever bench/phash measured faster.
 */
#include <errno.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "dctblock.h"
#include "dctn.h"
#include "platform/platform.h"
#include "image.h"
#include "phash/dct.h"

#define MAX_S 32
#define N_SIZES 3 /* s = 8, 16, 32 */

struct phash_dctn_hasher {
    unsigned s, n; /* hash side, grid side (4s) */
    phash_dctn_backend backend;
    int have_coeffs;
    phash_decoder *decoder; /* for the file/memory functions, on first use */
    ph_error err;
    ph_buf grid;    /* n x n cell means */
    ph_buf work;    /* MATRIX: s x n partial rows; FFTW: n x n output */
    ph_buf sums;    /* n column accumulators (uint64) */
    ph_buf cosines; /* s x n: 2 cos(pi k (2x+1) / 2n) (REDFT10 scaling) */
    double coeffs[MAX_S * MAX_S];
    double scratch[MAX_S * MAX_S];
};

/* ---- shared FFTW plans ------------------------------------------------- */

/* The FFTW lock, made on first use (a static mutex initialiser is not
 * portable); NULL after that only if the allocation failed. */
static ph_once_flag g_fftw_once = PH_ONCE_INIT;
static ph_mutex *g_fftw_lock;

static void make_fftw_lock(void)
{
    if (ph_mutex_new(&g_fftw_lock) != 0)
        g_fftw_lock = NULL;
}

static int fftw_lock(void)
{
    ph_once(&g_fftw_once, make_fftw_lock);
    if (!g_fftw_lock)
        return 0;
    ph_mutex_lock(g_fftw_lock);
    return 1;
}
static fftw_plan g_plans[N_SIZES];

static int size_slot(unsigned s)
{
    return s == 8 ? 0 : s == 16 ? 1 : s == 32 ? 2 : -1;
}

/* The plan for an n x n REDFT10, created on first use. The planner is not
 * thread-safe, so creation happens under the lock; execution is not. */
static fftw_plan fftw_plan_for(unsigned s, double *in, double *out)
{
    int slot = size_slot(s);
    if (!fftw_lock())
        return NULL;
    if (!g_plans[slot]) {
        int n = (int)(4 * s);
        g_plans[slot] = fftw_plan_r2r_2d(n, n, in, out, FFTW_REDFT10, FFTW_REDFT10,
                                         FFTW_ESTIMATE | FFTW_UNALIGNED | FFTW_DESTROY_INPUT);
    }
    fftw_plan p = g_plans[slot];
    ph_mutex_unlock(g_fftw_lock);
    return p;
}

void phash_dctn_fftw_cleanup(void)
{
    if (!fftw_lock())
        return;
    for (int i = 0; i < N_SIZES; i++)
        if (g_plans[i]) {
            fftw_destroy_plan(g_plans[i]);
            g_plans[i] = NULL;
        }
    fftw_cleanup();
    ph_mutex_unlock(g_fftw_lock);
}

/* Wisdom files are small text (a few KiB per plan); a larger one is not
 * FFTW wisdom. */
#define WISDOM_MAX ((uint64_t)16 << 20)

/* The file's bytes plus a NUL in *out (ph_free it). Special files are
 * refused before opening. */
static phash_status read_wisdom(const char *path, char **out)
{
    ph_file *f;
    ph_stat st;
    int err = ph_file_open(path, &f, &st);
    if (err)
        return err == EISDIR || err == ENODEV ? PHASH_ERR_NOT_REGULAR
               : err == ENOMEM                ? PHASH_ERR_NOMEM
                                              : PHASH_ERR_IO;
    char *text = st.size <= WISDOM_MAX ? ph_malloc((size_t)st.size + 1) : NULL;
    if (!text) {
        ph_file_close(f);
        return st.size > WISDOM_MAX ? PHASH_ERR_BAD_FILE : PHASH_ERR_NOMEM;
    }
    size_t have;
    err = ph_file_read_full(f, text, (size_t)st.size, &have);
    ph_file_close(f);
    if (err) {
        ph_free(text);
        return PHASH_ERR_IO;
    }
    text[have] = '\0';
    *out = text;
    return PHASH_OK;
}

phash_status phash_dctn_fftw_import_wisdom(const char *path)
{
    if (!path)
        return PHASH_ERR_INVALID_ARG;
    char *text;
    phash_status st = read_wisdom(path, &text);
    if (st != PHASH_OK)
        return st;
    if (!fftw_lock()) {
        ph_free(text);
        return PHASH_ERR_NOMEM;
    }
    int ok = fftw_import_wisdom_from_string(text);
    ph_mutex_unlock(g_fftw_lock);
    ph_free(text);
    return ok ? PHASH_OK : PHASH_ERR_BAD_FILE;
}

/* Written atomically (lib/atomic_file.c): never through a link or into a
 * device or FIFO, never half-written. */
phash_status phash_dctn_fftw_export_wisdom(const char *path)
{
    if (!path)
        return PHASH_ERR_INVALID_ARG;
    if (!fftw_lock())
        return PHASH_ERR_NOMEM;
    char *text = fftw_export_wisdom_to_string();
    ph_mutex_unlock(g_fftw_lock);
    if (!text)
        return PHASH_ERR_NOMEM;
    ph_error err = {0};
    ph_atomic_file out;
    phash_status st = ph_atomic_open(&out, path, &err);
    if (st == PHASH_OK) {
        if (ph_atomic_write(&out, text, strlen(text)) != 0) {
            ph_atomic_abort(&out);
            st = PHASH_ERR_IO;
        } else {
            st = ph_atomic_commit(&out, &err);
        }
    }
    fftw_free(text);
    return st;
}

/* ---- hasher ------------------------------------------------------------ */

phash_dctn_backend phash_dctn_default_backend(unsigned s)
{
    /* Measured with bench/phash (DCT alone, thread CPU time, this build):
     * s = 8: matrix 3.3 us, FFTW 3.9 us; s = 16: matrix 28 us, FFTW 22 us;
     * s = 32: matrix 230 us, FFTW 132 us. */
    return s >= 16 ? PHASH_DCTN_FFTW : PHASH_DCTN_MATRIX;
}

static int fill_cosines(phash_dctn_hasher *h)
{
    double *t = ph_buf_reserve(&h->cosines, (size_t)h->s * h->n * sizeof(double));
    if (!t)
        return -1;
    const double pi = 3.14159265358979323846;
    for (unsigned k = 0; k < h->s; k++)
        for (unsigned x = 0; x < h->n; x++)
            t[k * h->n + x] = 2.0 * cos(pi * (double)k * (double)(2 * x + 1) / (2.0 * h->n));
    return 0;
}

phash_status phash_dctn_hasher_new(unsigned s, phash_dctn_hasher **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = NULL;
    if (size_slot(s) < 0)
        return PHASH_ERR_INVALID_ARG;
    phash_dctn_hasher *h = ph_calloc(1, sizeof *h);
    if (!h)
        return PHASH_ERR_NOMEM;
    h->s = s;
    h->n = 4 * s;
    h->backend = PHASH_DCTN_AUTO;
    size_t cells = (size_t)h->n * h->n;
    if (fill_cosines(h) != 0 || !ph_buf_reserve(&h->grid, cells * sizeof(double)) ||
        !ph_buf_reserve(&h->work, cells * sizeof(double)) ||
        !ph_buf_reserve(&h->sums, h->n * sizeof(uint64_t))) {
        phash_dctn_hasher_free(h);
        return PHASH_ERR_NOMEM;
    }
    *out = h;
    return PHASH_OK;
}

void phash_dctn_hasher_free(phash_dctn_hasher *h)
{
    if (!h)
        return;
    ph_buf_release(&h->grid);
    ph_buf_release(&h->work);
    ph_buf_release(&h->sums);
    ph_buf_release(&h->cosines);
    phash_decoder_free(h->decoder);
    ph_free(h);
}

phash_status phash_dctn_hasher_set_backend(phash_dctn_hasher *h, phash_dctn_backend backend)
{
    if (!h || backend < PHASH_DCTN_AUTO || backend > PHASH_DCTN_FFTW)
        return PHASH_ERR_INVALID_ARG;
    h->backend = backend;
    return PHASH_OK;
}

const double *phash_dctn_hasher_coefficients(const phash_dctn_hasher *h)
{
    return h && h->have_coeffs ? h->coeffs : NULL;
}

const char *phash_dctn_hasher_last_error(const phash_dctn_hasher *h)
{
    return h ? ph_error_message(&h->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

/* ---- reduction to n x n ------------------------------------------------ */

/* Source range [*lo, *hi) of cell i of n along a side of len pixels:
 * integer bounds, never empty (small images repeat pixels). */
static void cell_range(uint32_t i, uint32_t n, uint32_t len, uint32_t *lo, uint32_t *hi)
{
    *lo = (uint32_t)(((uint64_t)i * len) / n);
    *hi = (uint32_t)(((uint64_t)(i + 1) * len) / n);
    if (*hi <= *lo)
        *hi = *lo + 1;
}

/* Sum of luma over count pixels of `ch` channels (ch a constant after
 * inlining). 32-bit partial sums over chunks of 2^16 pixels (< 2^24 each)
 * let the loops vectorise four lanes wide. */
static inline uint64_t span_sum(const uint8_t *p, uint32_t count, uint32_t ch)
{
    uint64_t sum = 0;
    while (count > 0) {
        uint32_t n = count < 65536u ? count : 65536u, part = 0;
        if (ch <= 2) {
            for (uint32_t x = 0; x < n; x++)
                part += p[(size_t)x * ch];
        } else {
            for (uint32_t x = 0; x < n; x++) {
                const uint8_t *q = p + (size_t)x * ch;
                part += (77u * q[0] + 150u * q[1] + 29u * q[2] + 128u) >> 8;
            }
        }
        sum += part;
        p += (size_t)n * ch;
        count -= n;
    }
    return sum;
}

/* Sum of luma over pixels [lo, hi) of a row. */
static uint64_t luma_span(const phash_image *img, const uint8_t *row, uint32_t lo, uint32_t hi)
{
    const uint8_t *p = row + (size_t)lo * img->channels;
    switch (img->channels) {
    case 1: return span_sum(p, hi - lo, 1);
    case 2: return span_sum(p, hi - lo, 2);
    case 3: return span_sum(p, hi - lo, 3);
    default: return span_sum(p, hi - lo, 4);
    }
}

static void reduce_to_grid(phash_dctn_hasher *h, const phash_image *img)
{
    double *grid = h->grid.data;
    uint64_t *sums = h->sums.data;
    uint32_t n = h->n, x0[4 * MAX_S], x1[4 * MAX_S];
    for (uint32_t j = 0; j < n; j++)
        cell_range(j, n, img->width, &x0[j], &x1[j]);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t y0, y1;
        cell_range(i, n, img->height, &y0, &y1);
        memset(sums, 0, n * sizeof *sums);
        for (uint32_t y = y0; y < y1; y++) {
            const uint8_t *row = ph_image_row(img, y);
            for (uint32_t j = 0; j < n; j++)
                sums[j] += luma_span(img, row, x0[j], x1[j]);
        }
        for (uint32_t j = 0; j < n; j++)
            grid[i * n + j] = (double)sums[j] / ((double)(y1 - y0) * (double)(x1[j] - x0[j]));
    }
}

/* ---- DCT backends ------------------------------------------------------ */

/* coeffs[v s + u] = F[v][u] via rows[v][x] = sum_y T[v][y] grid[y][x], then
 * F[v][u] = sum_x rows[v][x] T[u][x] (sums in ascending index order). */
static void dct_matrix(phash_dctn_hasher *h)
{
    unsigned s = h->s, n = h->n;
    const double *t = h->cosines.data, *grid = h->grid.data;
    double *rows = h->work.data;
    memset(rows, 0, (size_t)s * n * sizeof *rows);
    for (unsigned v = 0; v < s; v++)
        for (unsigned y = 0; y < n; y++) {
            double c = t[v * n + y];
            const double *g = grid + (size_t)y * n;
            double *r = rows + (size_t)v * n;
            for (unsigned x = 0; x < n; x++)
                r[x] += c * g[x];
        }
    for (unsigned v = 0; v < s; v++)
        for (unsigned u = 0; u < s; u++) {
            double acc = 0.0;
            for (unsigned x = 0; x < n; x++)
                acc += rows[v * n + x] * t[u * n + x];
            h->coeffs[v * s + u] = acc;
        }
}

static phash_status dct_fftw(phash_dctn_hasher *h)
{
    double *in = h->grid.data, *out = h->work.data;
    fftw_plan p = fftw_plan_for(h->s, in, out);
    if (!p)
        return ph_error_set(&h->err, PHASH_ERR_NOMEM, "dctN: FFTW could not create a plan");
    fftw_execute_r2r(p, in, out);
    for (unsigned v = 0; v < h->s; v++)
        memcpy(h->coeffs + v * h->s, out + (size_t)v * h->n, h->s * sizeof(double));
    return PHASH_OK;
}

phash_status ph_dctn_transform(phash_dctn_hasher *h, phash_dctn_backend backend,
                               const double *grid)
{
    memcpy(h->grid.data, grid, (size_t)h->n * h->n * sizeof(double));
    if (backend == PHASH_DCTN_FFTW)
        return dct_fftw(h);
    dct_matrix(h);
    return PHASH_OK;
}

/* ---- entry points ------------------------------------------------------ */

static void pack_bits(const double *c, size_t nbits, double median, uint8_t *bytes)
{
    memset(bytes, 0, PHASH_DCTN_MAX_BYTES);
    for (size_t i = 0; i < nbits; i++)
        if (c[i] > median)
            bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

phash_status phash_dctn_hash_image(phash_dctn_hasher *h, const phash_image *img,
                                   phash_dctn_result *out)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if (!out || !ph_dct_image_ok(img))
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "dctN: no image or empty image");
    h->have_coeffs = 0;
    reduce_to_grid(h, img);
    /* FFTW destroys its input; the quality measure needs the grid first. */
    size_t cells = (size_t)h->n * h->n, nbits = (size_t)h->s * h->s;
    int quality_base = ph_dct_quality(h->grid.data, h->n, 1.0, 0, 0);
    double gmean = ph_dct_mean(h->grid.data, cells);
    phash_dctn_backend b = h->backend == PHASH_DCTN_AUTO ? phash_dctn_default_backend(h->s)
                                                          : h->backend;
    if (b == PHASH_DCTN_FFTW) {
        phash_status st = dct_fftw(h);
        if (st != PHASH_OK)
            return st;
    } else {
        dct_matrix(h);
    }
    double median = ph_dct_median(h->coeffs, nbits, h->scratch);
    size_t ties;
    /* Reliability looks at the AC terms only: DC is large for any non-black
     * image and never near the median. */
    unsigned flags = ph_dct_block_flags(h->coeffs + 1, nbits - 1, median, gmean, 4 * cells, &ties);
    if (img->width < h->n || img->height < h->n)
        flags |= PHASH_DCT_SMALL;
    pack_bits(h->coeffs, nbits, median, out->bytes);
    out->nbits = (unsigned)nbits;
    out->flags = flags;
    out->quality = (flags & (PHASH_DCT_SMALL | PHASH_DCT_FLAT)) || ties > 2 ? 0 : quality_base;
    h->have_coeffs = 1;
    ph_error_clear(&h->err);
    return PHASH_OK;
}

size_t phash_dctn_to_hex(const phash_dctn_result *r, char *out)
{
    static const char digits[] = "0123456789abcdef";
    if (!r || !out)
        return 0;
    size_t nbytes = r->nbits / 8;
    if (nbytes > PHASH_DCTN_MAX_BYTES)
        nbytes = PHASH_DCTN_MAX_BYTES;
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = digits[r->bytes[i] >> 4];
        out[2 * i + 1] = digits[r->bytes[i] & 15];
    }
    out[2 * nbytes] = '\0';
    return 2 * nbytes;
}

int phash_dctn_distance(const phash_dctn_result *a, const phash_dctn_result *b)
{
    if (!a || !b || a->nbits != b->nbits || a->nbits > 8 * PHASH_DCTN_MAX_BYTES)
        return -1;
    unsigned d = 0;
    for (size_t i = 0; i < a->nbits / 8; i++)
        d += (unsigned)__builtin_popcount((unsigned)(a->bytes[i] ^ b->bytes[i]));
    return (int)d;
}

phash_decoder *phash_dctn_hasher_decoder(phash_dctn_hasher *h)
{
    return h ? ph_dct_decoder(&h->decoder, 0) : NULL;
}

static phash_status hash_decoded(phash_dctn_hasher *h, const char *path, const void *data,
                                 size_t len, phash_dctn_result *out)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if (!out || (!path && !data))
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "dctN: no file or no output");
    const phash_image *img;
    phash_status st = ph_dct_decode(&h->decoder, 0, &h->err, path, data, len, &img);
    return st == PHASH_OK ? phash_dctn_hash_image(h, img, out) : st;
}

phash_status phash_dctn_hash_file(phash_dctn_hasher *h, const char *path, phash_dctn_result *out)
{
    if (!path)
        return h ? ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "dctN: no path")
                 : PHASH_ERR_INVALID_ARG;
    return hash_decoded(h, path, NULL, 0, out);
}

phash_status phash_dctn_hash_memory(phash_dctn_hasher *h, const void *data, size_t len,
                                    phash_dctn_result *out)
{
    return hash_decoded(h, NULL, data, len, out);
}
