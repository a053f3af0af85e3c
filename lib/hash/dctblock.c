/* SPDX-License-Identifier: MIT */
/* Median threshold and reliability of DCT coefficient blocks. */
#include <math.h>
#include <string.h>

#include "dctblock.h"
#include "phash/dct.h"

/* Partition a[lo..hi] so that a[k] holds the value it would have sorted
 * (Hoare quickselect, middle pivot; the values are exact, so any order of
 * work gives the same result). */
static void select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

double ph_dct_median(const double *v, size_t n, double *scratch)
{
    memcpy(scratch, v, n * sizeof *v);
    size_t k = n / 2;
    select_kth(scratch, n, k);
    if (n % 2)
        return scratch[k];
    /* The lower middle value is the largest of the k values below a[k]. */
    double lower = scratch[0];
    for (size_t i = 1; i < k; i++)
        if (scratch[i] > lower)
            lower = scratch[i];
    return (lower + scratch[k]) / 2.0;
}

/* Relative distance under which two coefficients are considered tied. The
 * reference computes in float32 (epsilon 6e-8) with two 32-term sums, so its
 * error on a coefficient is below ~1e-6 of the block's largest magnitude. */
#define TIE_EPS 1e-6
/* Mathematically-zero coefficients come out of the double DCT at ~1e-16 of
 * the input magnitude; anything under this fraction is "no signal". */
#define FLAT_EPS 1e-9

unsigned ph_dct_block_flags(const double *c, size_t n, double median, double grid_mean,
                            size_t grid_cells, size_t *ties)
{
    double maxabs = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(c[i]) > maxabs)
            maxabs = fabs(c[i]);
    *ties = 0;
    if (maxabs <= FLAT_EPS * (fabs(grid_mean) + 1.0) * (double)grid_cells)
        return PHASH_DCT_FLAT;
    unsigned flags = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(c[i] - median) <= TIE_EPS * maxabs)
            (*ties)++;
    if (*ties)
        flags |= PHASH_DCT_TIES;
    return flags;
}

/* Mean absolute neighbour difference (luma units, per 1/32 of the image
 * side) that scores 100: ordinary photos are above it, smooth gradients
 * and near-flat images below. Calibrated on the reference images. */
#define QUALITY_FULL 8.0
/* More tied coefficients than this: the hash is mostly rounding noise. */
#define MAX_TIES 2

int ph_dct_quality(const double *grid, size_t n, double unit, unsigned flags, size_t ties)
{
    if (flags & (PHASH_DCT_SMALL | PHASH_DCT_FLAT) || ties > MAX_TIES)
        return 0;
    double sum = 0.0;
    for (size_t y = 0; y < n; y++)
        for (size_t x = 0; x < n; x++) {
            const double *p = grid + y * n + x;
            if (x + 1 < n)
                sum += fabs(p[1] - p[0]);
            if (y + 1 < n)
                sum += fabs(p[n] - p[0]);
        }
    /* Differences shrink with the cell size: normalise to a 32-cell grid. */
    double mean = sum / (2.0 * (double)n * (double)(n - 1)) / unit * ((double)n / 32.0);
    double q = mean * 100.0 / QUALITY_FULL;
    if (q >= 100.0)
        return 100;
    return (int)q;
}

double ph_dct_mean(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

int ph_dct_image_ok(const phash_image *img)
{
    return img && img->pixels && img->width > 0 && img->height > 0 && img->channels >= 1 &&
           img->channels <= 4;
}

phash_decoder *ph_dct_decoder(phash_decoder **dec, int cmyk_raw3)
{
    if (!*dec) {
        if (phash_decoder_new(dec) == PHASH_OK && cmyk_raw3 &&
            phash_decoder_set_option(*dec, PHASH_DECODE_CMYK_MODE, PHASH_CMYK_RAW3) != PHASH_OK) {
            phash_decoder_free(*dec);
            *dec = NULL;
        }
    }
    return *dec;
}

phash_status ph_dct_decode(phash_decoder **dec, int cmyk_raw3, ph_error *err, const char *path,
                           const void *data, size_t len, const phash_image **out)
{
    if (!ph_dct_decoder(dec, cmyk_raw3))
        return ph_error_set(err, PHASH_ERR_NOMEM, "cannot create a decoder");
    phash_status st = path ? phash_decode_file(*dec, path, out)
                           : phash_decode_memory(*dec, data, len, out);
    if (st != PHASH_OK)
        return ph_error_set(err, st, "%s", phash_decoder_last_error(*dec));
    return PHASH_OK;
}
