/* SPDX-License-Identifier: MIT */
/* The CLI's algorithm table (see hash_algos.h). */
#include <stdlib.h>
#include <string.h>

#include "hash_algos.h"

/* ---- pdq --------------------------------------------------------------- */

typedef struct pdq_state {
    phash_pdq_hasher *hasher;
    int dihedral;
} pdq_state;

static const char *const pdq_variant_names[] = {"orig",  "rot90", "rot180", "rot270",
                                                "flipx", "flipy", "flipp",  "flipm", NULL};

static void *pdq_new(const algo_opts *opts, char *err, size_t errlen)
{
    pdq_state *s = calloc(1, sizeof *s);
    if (s)
        s->hasher = phash_pdq_hasher_new();
    if (!s || !s->hasher || phash_pdq_hasher_set_mode(s->hasher, opts->pdq_mode) != PHASH_OK) {
        snprintf(err, errlen, "pdq: cannot create a hasher");
        if (s)
            phash_pdq_hasher_free(s->hasher);
        free(s);
        return NULL;
    }
    s->dihedral = opts->dihedral;
    (void)phash_pdq_hasher_set_fast(s->hasher, opts->pdq_fast);
    return s;
}

static void pdq_free(void *state)
{
    pdq_state *s = state;
    if (!s)
        return;
    phash_pdq_hasher_free(s->hasher);
    free(s);
}

/* A PDQ result (or error) as the CLI's text. */
static phash_status pdq_output(pdq_state *s, phash_status st, const phash_pdq_result *r,
                               algo_result *out, const char **detail)
{
    if (st != PHASH_OK) {
        *detail = phash_pdq_hasher_last_error(s->hasher);
        return st;
    }
    phash_pdq_to_hex(&r->hash, out->hash);
    out->quality = r->quality;
    out->n_variants = s->dihedral ? PHASH_PDQ_NUM_DIHEDRAL : 0;
    for (int v = 0; v < out->n_variants; v++)
        phash_pdq_to_hex(&r->dihedral[v], out->variants[v]);
    return PHASH_OK;
}

static phash_status pdq_compute(void *state, const phash_image *img, algo_result *out,
                                const char **detail)
{
    pdq_state *s = state;
    phash_pdq_result r;
    phash_status st =
        phash_pdq_hash_image(s->hasher, img, s->dihedral ? PHASH_PDQ_WANT_DIHEDRAL : 0, &r);
    return pdq_output(s, st, &r, out, detail);
}

/* pdq alone: the hasher decodes (with its own decoder, ImageMagick's CMYK
 * conversion), which lets --pdq-fast pick a JPEG scale per file. */
static phash_status pdq_compute_file(void *state, const char *path, algo_result *out,
                                     const char **detail)
{
    pdq_state *s = state;
    phash_pdq_result r;
    phash_status st = phash_pdq_hash_file(s->hasher, NULL, path,
                                          s->dihedral ? PHASH_PDQ_WANT_DIHEDRAL : 0, &r);
    return pdq_output(s, st, &r, out, detail);
}

/* ---- the table --------------------------------------------------------- */

static const hash_algo algos[] = {
    {"pdq", "Meta's PDQ, 256 bits, quality 0-100 (--pdq-mode full|cli512, --dihedral)",
     pdq_variant_names, pdq_new, pdq_free, pdq_compute, pdq_compute_file, 0},
    /* dct: tools/hash_algos_dct.c */
    {"phash", "aetilius pHash DCT, 64 bits, quality 0-100 (--layout 1.0|0.9)", NULL,
     algo_phash_new, algo_phash_free, algo_phash_compute, algo_phash_compute_file, 1},
    {"dct64", "phash's own dctN family v1, s=8: 64 bits (not aetilius pHash)", NULL,
     algo_dct64_new, algo_dctn_free, algo_dctn_compute, NULL, 0},
    {"dct256", "dctN v1, s=16: 256 bits", NULL, algo_dct256_new, algo_dctn_free,
     algo_dctn_compute, NULL, 0},
    {"dct1024", "dctN v1, s=32: 1024 bits", NULL, algo_dct1024_new, algo_dctn_free,
     algo_dctn_compute, NULL, 0},
    /* digests of the file's bytes: tools/hash_algos_digest.c */
    {"md5", "MD5 of the file's bytes (any file; no decode)", NULL, algo_md5_new,
     algo_digest_free, NULL, algo_digest_compute_file, 0},
    {"sha1", "SHA-1 of the file's bytes (any file; no decode)", NULL, algo_sha1_new,
     algo_digest_free, NULL, algo_digest_compute_file, 0},
    {"sha256", "SHA-256 of the file's bytes (any file; no decode)", NULL, algo_sha256_new,
     algo_digest_free, NULL, algo_digest_compute_file, 0},
};

const hash_algo *hash_algo_find(const char *name)
{
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        if (!strcmp(algos[i].name, name))
            return &algos[i];
    return NULL;
}

void hash_algo_list(FILE *out)
{
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        fprintf(out, "                    %-8s %s\n", algos[i].name, algos[i].summary);
}
