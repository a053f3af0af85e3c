/* SPDX-License-Identifier: MIT */
/*
 * The hash algorithms the CLI knows (`phash hash --algo NAME[,NAME...]`):
 * one table entry per algorithm, each computing from an already decoded
 * image, so that several hashes come from one decode; digests (md5, sha1,
 * sha256) compute from the file's bytes instead (compute NULL).
 *
 * To add an algorithm: write its state/compute functions in
 * tools/hash_algos.c (or its own file) and add a row to the table there.
 */
#ifndef PHASH_TOOLS_HASH_ALGOS_H
#define PHASH_TOOLS_HASH_ALGOS_H

#include <stdio.h>

#include "phash/phash.h"

/* Options from the command line, shared by every algorithm (each reads
 * what concerns it). */
typedef struct algo_opts {
    phash_pdq_mode pdq_mode; /* --pdq-mode */
    uint32_t pdq_fast;       /* --pdq-fast: JPEG DCT scaling, min side (0: off) */
    int dihedral;            /* --dihedral (algorithms with variants) */
    phash_dct_layout dct_layout; /* --layout (phash) */
} algo_opts;

#define ALGO_MAX_VARIANTS 8
#define ALGO_HEX_MAX 260 /* longest text form (dct1024: 256 digits) + NUL */

/* One algorithm's result for one image, as text. */
typedef struct algo_result {
    char hash[ALGO_HEX_MAX]; /* canonical text form */
    int quality;             /* 0..100, or -1 when the algorithm has none */
    int n_variants;          /* with --dihedral: variant hashes (variants[0] = hash) */
    char variants[ALGO_MAX_VARIANTS][ALGO_HEX_MAX];
} algo_result;

typedef struct hash_algo {
    const char *name;    /* as given to --algo */
    const char *summary; /* one line for --help */
    /* Names of the variant columns for --dihedral (NULL: no variants). */
    const char *const *variant_names;
    /* Per-thread state from the options; NULL on failure (message in err). */
    void *(*state_new)(const algo_opts *opts, char *err, size_t errlen);
    void (*state_free)(void *state);
    /* Hash a decoded image (NULL: the algorithm needs the file's bytes, not
     * an image, e.g. a digest; it has compute_file and the file is not
     * decoded for it). On error returns the status; *detail (if set)
     * explains it and stays valid until the next call on state. */
    phash_status (*compute)(void *state, const phash_image *img, algo_result *out,
                            const char **detail);
    /* Optional (NULL: none): hash straight from the file when this is the
     * only algorithm of the run (pHash then decodes only the JPEG rows it
     * reads). Same result as decoding and calling compute. */
    phash_status (*compute_file)(void *state, const char *path, algo_result *out,
                                 const char **detail);
    /* 1: the reference hands CMYK JPEGs over as their raw first three
     * channels; the decoder does so when every selected algorithm says 1,
     * otherwise such an algorithm hashes CMYK files with compute_file. */
    int cmyk_raw3;
} hash_algo;

/* ---- dct: tools/hash_algos_dct.c (pHash 64 and the dctN family) ---- */
void *algo_phash_new(const algo_opts *opts, char *err, size_t errlen);
void algo_phash_free(void *state);
phash_status algo_phash_compute(void *state, const phash_image *img, algo_result *out,
                                const char **detail);
phash_status algo_phash_compute_file(void *state, const char *path, algo_result *out,
                                     const char **detail);
void *algo_dct64_new(const algo_opts *opts, char *err, size_t errlen);
void *algo_dct256_new(const algo_opts *opts, char *err, size_t errlen);
void *algo_dct1024_new(const algo_opts *opts, char *err, size_t errlen);
void algo_dctn_free(void *state);
phash_status algo_dctn_compute(void *state, const phash_image *img, algo_result *out,
                               const char **detail);

/* ---- digests: tools/hash_algos_digest.c (md5, sha1, sha256) ---- */
void *algo_md5_new(const algo_opts *opts, char *err, size_t errlen);
void *algo_sha1_new(const algo_opts *opts, char *err, size_t errlen);
void *algo_sha256_new(const algo_opts *opts, char *err, size_t errlen);
void algo_digest_free(void *state);
phash_status algo_digest_compute_file(void *state, const char *path, algo_result *out,
                                      const char **detail);

/* The algorithm called name, or NULL. */
const hash_algo *hash_algo_find(const char *name);
/* Print "  name  summary" lines for --help. */
void hash_algo_list(FILE *out);

#endif
