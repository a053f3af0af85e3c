/* SPDX-License-Identifier: MIT */
/* The CLI's DCT algorithms (rows of the table in hash_algos.c): "phash"
 * (aetilius pHash 64, --layout 1.0|0.9) and phash's own dctN family
 * ("dct64", "dct256", "dct1024"). Quality is the hashers' reliability
 * score (0 for flat, tiny or symmetric images). */
#include <stdio.h>

#include "hash_algos.h"

/* ---- phash ------------------------------------------------------------- */

void *algo_phash_new(const algo_opts *opts, char *err, size_t errlen)
{
    phash_dct_hasher *h = phash_dct_hasher_new();
    if (!h || phash_dct_hasher_set_layout(h, opts->dct_layout) != PHASH_OK) {
        snprintf(err, errlen, "phash: cannot create a hasher");
        phash_dct_hasher_free(h);
        return NULL;
    }
    return h;
}

void algo_phash_free(void *state) { phash_dct_hasher_free(state); }

static phash_status phash_result(void *state, phash_status st, const phash_dct_result *r,
                                 algo_result *out, const char **detail)
{
    if (st != PHASH_OK) {
        *detail = phash_dct_hasher_last_error(state);
        return st;
    }
    phash_u64_format(r->hash, PHASH_U64_HEX, out->hash);
    out->quality = r->quality;
    out->n_variants = 0;
    return PHASH_OK;
}

phash_status algo_phash_compute(void *state, const phash_image *img, algo_result *out,
                                const char **detail)
{
    phash_dct_result r;
    return phash_result(state, phash_dct_hash_image(state, img, &r), &r, out, detail);
}

phash_status algo_phash_compute_file(void *state, const char *path, algo_result *out,
                                     const char **detail)
{
    phash_dct_result r;
    return phash_result(state, phash_dct_hash_file(state, path, &r), &r, out, detail);
}

/* ---- dctN -------------------------------------------------------------- */

static void *dctn_new(unsigned s, char *err, size_t errlen)
{
    phash_dctn_hasher *h = phash_dctn_hasher_new(s);
    if (!h)
        snprintf(err, errlen, "dct%u: cannot create a hasher", s * s);
    return h;
}

void *algo_dct64_new(const algo_opts *opts, char *err, size_t errlen)
{
    (void)opts;
    return dctn_new(8, err, errlen);
}

void *algo_dct256_new(const algo_opts *opts, char *err, size_t errlen)
{
    (void)opts;
    return dctn_new(16, err, errlen);
}

void *algo_dct1024_new(const algo_opts *opts, char *err, size_t errlen)
{
    (void)opts;
    return dctn_new(32, err, errlen);
}

void algo_dctn_free(void *state) { phash_dctn_hasher_free(state); }

phash_status algo_dctn_compute(void *state, const phash_image *img, algo_result *out,
                               const char **detail)
{
    phash_dctn_result r;
    phash_status st = phash_dctn_hash_image(state, img, &r);
    if (st != PHASH_OK) {
        *detail = phash_dctn_hasher_last_error(state);
        return st;
    }
    phash_dctn_to_hex(&r, out->hash);
    out->quality = r.quality;
    out->n_variants = 0;
    return PHASH_OK;
}
