/* SPDX-License-Identifier: MIT */
/* The hash algorithms the scanner computes: one row each. To add one, write
 * its state and hash functions here (or in its own file) and add a row. */
#include <string.h>

#include "scan_int.h"

/* ---- pdq ----------------------------------------------------------------- */

typedef struct pdq_state {
    phash_pdq_hasher *hasher;
    phash_decoder *dec; /* for the fast mode's own JPEG scaling */
    unsigned flags;
    int variants;
} pdq_state;

static void pdq_free(void *state)
{
    pdq_state *p = state;
    if (!p)
        return;
    phash_pdq_hasher_free(p->hasher);
    phash_decoder_free(p->dec);
    ph_free(p);
}

static void *pdq_new(const phash_scanner *s)
{
    pdq_state *p = ph_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->flags = s->dihedral == PHASH_SCAN_DIHEDRAL_ALIGNED     ? PHASH_PDQ_WANT_DIHEDRAL_ALIGNED
               : s->dihedral == PHASH_SCAN_DIHEDRAL_REFERENCE ? PHASH_PDQ_WANT_DIHEDRAL
                                                              : 0;
    p->variants = s->dihedral ? PHASH_PDQ_NUM_DIHEDRAL : 1;
    if (phash_pdq_hasher_new(&p->hasher) != PHASH_OK ||
        phash_decoder_new(&p->dec) != PHASH_OK || phash_pdq_hasher_set_mode(p->hasher, s->pdq_mode) != PHASH_OK ||
        phash_pdq_hasher_set_fast(p->hasher, s->pdq_fast) != PHASH_OK ||
        phash_decoder_set_limits(p->dec, &s->limits) != PHASH_OK) {
        pdq_free(p);
        return NULL;
    }
    return p;
}

static phash_status pdq_output(pdq_state *p, phash_status st, const phash_pdq_result *r,
                               ph_algo_out *out, const char **detail)
{
    if (st != PHASH_OK) {
        *detail = phash_pdq_hasher_last_error(p->hasher);
        return st;
    }
    out->quality = r->quality;
    out->n_variants = (unsigned)p->variants;
    for (int v = 0; v < p->variants; v++) {
        out->pdq[v] = p->flags ? r->dihedral[v] : r->hash;
        phash_pdq_to_hex(&out->pdq[v], out->hex[v]);
    }
    return PHASH_OK;
}

static phash_status pdq_image(void *state, const phash_image *img, ph_algo_out *out,
                              const char **detail)
{
    pdq_state *p = state;
    phash_pdq_result r;
    phash_status st = phash_pdq_hash_image(p->hasher, img, p->flags, &r);
    return pdq_output(p, st, &r, out, detail);
}

/* Alone, PDQ decodes through its own call so that fast mode (opt-in) can
 * pick a JPEG DCT scale per file. */
static phash_status pdq_bytes(void *state, const uint8_t *data, size_t len, ph_algo_out *out,
                              const char **detail)
{
    pdq_state *p = state;
    phash_pdq_result r;
    phash_status st = phash_pdq_hash_memory(p->hasher, p->dec, data, len, p->flags, &r);
    return pdq_output(p, st, &r, out, detail);
}

/* ---- phash (aetilius pHash 64) --------------------------------------------- */

static void phash_free_state(void *state) { phash_dct_hasher_free(state); }

static void *phash_new(const phash_scanner *s)
{
    phash_dct_hasher *h = NULL;
    if (phash_dct_hasher_new(&h) != PHASH_OK || phash_dct_hasher_set_layout(h, s->layout) != PHASH_OK ||
        phash_decoder_set_limits(phash_dct_hasher_decoder(h), &s->limits) != PHASH_OK) {
        phash_dct_hasher_free(h);
        return NULL;
    }
    return h;
}

static phash_status phash_output(void *state, phash_status st, const phash_dct_result *r,
                                 ph_algo_out *out, const char **detail)
{
    if (st != PHASH_OK) {
        *detail = phash_dct_hasher_last_error(state);
        return st;
    }
    out->quality = r->quality;
    out->n_variants = 1;
    out->u64 = r->hash;
    phash_u64_format(r->hash, PHASH_U64_HEX, out->hex[0]);
    return PHASH_OK;
}

static phash_status phash_image_fn(void *state, const phash_image *img, ph_algo_out *out,
                                   const char **detail)
{
    phash_dct_result r;
    return phash_output(state, phash_dct_hash_image(state, img, &r), &r, out, detail);
}

/* Alone, pHash decodes only the JPEG rows it samples (and a CMYK JPEG as
 * its raw channels, as its reference loader does). */
static phash_status phash_bytes(void *state, const uint8_t *data, size_t len, ph_algo_out *out,
                                const char **detail)
{
    phash_dct_result r;
    return phash_output(state, phash_dct_hash_memory(state, data, len, &r), &r, out, detail);
}

/* ---- dctN ---------------------------------------------------------------- */

static void dctn_free(void *state) { phash_dctn_hasher_free(state); }
static void *dctn_new(unsigned size)
{
    phash_dctn_hasher *h = NULL;
    return phash_dctn_hasher_new(size, &h) == PHASH_OK ? h : NULL;
}
static void *dct64_new(const phash_scanner *s) { (void)s; return dctn_new(8); }
static void *dct256_new(const phash_scanner *s) { (void)s; return dctn_new(16); }
static void *dct1024_new(const phash_scanner *s) { (void)s; return dctn_new(32); }

static phash_status dctn_image(void *state, const phash_image *img, ph_algo_out *out,
                               const char **detail)
{
    phash_dctn_result r;
    phash_status st = phash_dctn_hash_image(state, img, &r);
    if (st != PHASH_OK) {
        *detail = phash_dctn_hasher_last_error(state);
        return st;
    }
    out->quality = r.quality;
    out->n_variants = 1;
    phash_dctn_to_hex(&r, out->hex[0]);
    return PHASH_OK;
}

/* ---- the table ---------------------------------------------------------------- */

static const ph_scan_algo algos[] = {
    {"pdq", "Meta's PDQ, 256 bits, quality 0-100 (modes full|cli512, dihedral variants)",
     PHASH_SIG_PDQ, PHASH_PDQ_DEFAULT_MIN_QUALITY, 0, 0, pdq_new, pdq_free, pdq_image,
     pdq_bytes},
    {"phash", "aetilius pHash DCT, 64 bits, quality 0-100 (layouts 1.0|0.9)", PHASH_SIG_PHASH,
     PHASH_DCT_MIN_QUALITY, 1, 0, phash_new, phash_free_state, phash_image_fn, phash_bytes},
    {"dct64", "phash's own dctN family v1, s=8: 64 bits (not aetilius pHash)", 0, 0, 0, 0,
     dct64_new, dctn_free, dctn_image, NULL},
    {"dct256", "dctN v1, s=16: 256 bits", 0, 0, 0, 0, dct256_new, dctn_free, dctn_image, NULL},
    {"dct1024", "dctN v1, s=32: 1024 bits", 0, 0, 0, 0, dct1024_new, dctn_free, dctn_image,
     NULL},
    /* Videos only (lib/scan/kind_video.c): no image function. */
    {"vpdq", "Meta's vPDQ: PDQ of video frames (1 per second), matched as a video (videos only)",
     PHASH_SIG_VPDQ, PHASH_PDQ_DEFAULT_MIN_QUALITY, 0, 0, NULL, NULL, NULL, NULL},
    /* Exact digests of the file's bytes (any file, no decode): fed by the
     * scanner's one read (lib/scan/worker.c). */
    {"md5", "MD5 of the file's bytes (any file; no decode)", PHASH_SIG_MD5, 0, 0,
     PHASH_DIGEST_MD5, NULL, NULL, NULL, NULL},
    {"sha1", "SHA-1 of the file's bytes (any file; no decode)", PHASH_SIG_SHA1, 0, 0,
     PHASH_DIGEST_SHA1, NULL, NULL, NULL, NULL},
    {"sha256", "SHA-256 of the file's bytes (any file; no decode)", PHASH_SIG_SHA256, 0, 0,
     PHASH_DIGEST_SHA256, NULL, NULL, NULL, NULL},
};
#define N_ALGOS (sizeof algos / sizeof algos[0])

const ph_scan_algo *ph_scan_algo_at(size_t i) { return i < N_ALGOS ? &algos[i] : NULL; }

const ph_scan_algo *ph_scan_algo_find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_ALGOS; i++)
        if (strlen(algos[i].name) == len && !strncmp(algos[i].name, name, len))
            return &algos[i];
    return NULL;
}

const ph_scan_algo *ph_scan_algo_for_sig(phash_sig_algo sig)
{
    for (size_t i = 0; i < N_ALGOS; i++)
        if (algos[i].sig == sig)
            return &algos[i];
    return NULL;
}

const char *phash_scan_algorithm_name(size_t i, const char **summary)
{
    if (i >= N_ALGOS)
        return NULL;
    if (summary)
        *summary = algos[i].summary;
    return algos[i].name;
}
