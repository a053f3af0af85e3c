/* SPDX-License-Identifier: MIT */
/* The per-file work of a scan: sniff the magic bytes, decode, compute the
 * hashes the signature set needs, and classify failures. One scan_hasher
 * per worker thread (it owns decoders and hashers with reusable buffers). */
#ifndef PHASH_TOOLS_SCAN_HASH_H
#define PHASH_TOOLS_SCAN_HASH_H

#include "phash/phash.h"
#include "phash/dct.h"

#define SCAN_DEFAULT_RADIUS_PDQ 31  /* Meta's PDQ match threshold (inclusive) */
#define SCAN_DEFAULT_RADIUS_PHASH 10

typedef enum scan_error_kind {
    SCAN_OK = 0,
    SCAN_ERR_UNREADABLE,  /* permission denied, I/O error */
    SCAN_ERR_VANISHED,    /* deleted while the scan ran */
    SCAN_ERR_NOT_IMAGE,   /* magic bytes said image, the decoder disagreed */
    SCAN_ERR_UNSUPPORTED, /* e.g. 12-bit JPEG */
    SCAN_ERR_CORRUPT,
    SCAN_ERR_TRUNCATED,
    SCAN_ERR_TOO_LARGE,   /* a decoder limit */
    SCAN_ERR_NOMEM,
    SCAN_ERR_OTHER,
    SCAN_ERROR_KINDS
} scan_error_kind;

/* "unreadable", "vanished", ... */
const char *scan_error_name(scan_error_kind kind);

typedef enum scan_sniff_status {
    SCAN_SNIFF_IMAGE,       /* JPEG, PNG or WebP: decode it */
    SCAN_SNIFF_NOT_IMAGE,   /* skipped */
    SCAN_SNIFF_UNSUPPORTED, /* an image format phash does not decode: skipped */
    SCAN_SNIFF_ERROR        /* could not open or read: error, detail */
} scan_sniff_status;

typedef struct scan_sniff {
    scan_sniff_status status;
    scan_error_kind error;
    const char *detail; /* static */
} scan_sniff;

/* Read the first bytes of a regular file (never blocks on a FIFO). */
scan_sniff scan_sniff_file(const char *path);

typedef struct scan_result {
    phash_pdq_code pdq[8]; /* [0] the hash; [1..7] the dihedral ones if asked */
    uint64_t phash;
    int quality[PHASH_SIG_ALGO_MAX + 1];
    int usable[PHASH_SIG_ALGO_MAX + 1]; /* quality high enough to match */
} scan_result;

typedef struct scan_hasher scan_hasher;

/* algos: bits (1 << phash_sig_algo). NULL when out of memory. */
scan_hasher *scan_hasher_new(unsigned algos, int dihedral, phash_dct_layout layout);
void scan_hasher_free(scan_hasher *h);
/* Decode path and hash it. SCAN_OK or the kind of failure (*detail: the
 * decoder's message, valid until the next call). */
scan_error_kind scan_hash_file(scan_hasher *h, const char *path, scan_result *out,
                               const char **detail);

/* Can this build compute every algorithm in algos? */
int scan_hash_supported(unsigned algos);
/* Name of one it cannot ("pdq"), or "" */
const char *scan_hash_missing(unsigned algos);

/* Does the file start like a compiled signature set (.phx)? */
int scan_is_compiled_set(const char *path);

#endif
