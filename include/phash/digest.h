/* SPDX-License-Identifier: MIT */
/*
 * Exact file digests: MD5, SHA-1 and SHA-256 of a file's bytes, the hashes
 * most police and NGO lists are made of (include/phash/sigset.h matches
 * them exactly).
 *
 * The digests come from OpenSSL's libcrypto (EVP), which uses the CPU's
 * SHA extensions where there are some. One phash_digest computes any subset
 * of the three over bytes fed in chunks of any size, so that a caller that
 * already reads or maps a file (the scanner) feeds that one read to it: the
 * bytes are never read twice.
 *
 *   phash_digest *d;
 *   if (phash_digest_new(PHASH_DIGEST_MD5 | PHASH_DIGEST_SHA1, &d) == PHASH_OK) {
 *       phash_digest_update(d, chunk, n);   ... as often as needed
 *       phash_digest_result r;
 *       phash_digest_final(d, &r);          r.md5, r.sha1, r.size
 *       phash_digest_reset(d);              next file, same algorithms
 *   }
 *
 * The empty file's digests (d41d8cd9..., da39a3ee..., e3b0c442...) are on
 * real lists; phash never matches them (phash_digest_is_empty()).
 *
 * Ownership: a phash_digest belongs to its caller; results are plain
 * values. Thread safety: one phash_digest per thread; the one-shot
 * functions are reentrant. Errors: PHASH_ERR_INVALID_ARG for NULL handles
 * or an empty or unknown algorithm set, PHASH_ERR_NOMEM, PHASH_ERR_IO
 * (phash_digest_file; errno kept in the detail), and
 * PHASH_ERR_UNSUPPORTED when libcrypto refuses an algorithm (an OpenSSL
 * configured without MD5, e.g. a FIPS provider): the detail says which.
 */
#ifndef PHASH_DIGEST_H
#define PHASH_DIGEST_H

#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Digest algorithms, as bits of a set. Values are ABI-stable. */
typedef enum phash_digest_algo {
    PHASH_DIGEST_MD5 = 1u << 0,
    PHASH_DIGEST_SHA1 = 1u << 1,
    PHASH_DIGEST_SHA256 = 1u << 2
} phash_digest_algo;
#define PHASH_DIGEST_ALL (PHASH_DIGEST_MD5 | PHASH_DIGEST_SHA1 | PHASH_DIGEST_SHA256)

#define PHASH_MD5_LEN 16
#define PHASH_SHA1_LEN 20
#define PHASH_SHA256_LEN 32
#define PHASH_DIGEST_MAX_LEN 32
#define PHASH_DIGEST_HEX_MAX 65 /* longest text form (SHA-256) + NUL */

/* The digests of one byte stream. Only the algorithms in `algos` are set;
 * the others are zero. */
typedef struct phash_digest_result {
    unsigned algos; /* phash_digest_algo bits computed */
    uint64_t size;  /* bytes fed */
    uint8_t md5[PHASH_MD5_LEN];
    uint8_t sha1[PHASH_SHA1_LEN];
    uint8_t sha256[PHASH_SHA256_LEN];
} phash_digest_result;

typedef struct phash_digest phash_digest;

/* A context computing the algorithms in `algos` (a non-empty subset of
 * PHASH_DIGEST_ALL). *out is NULL on failure. */
PHASH_API PHASH_NODISCARD phash_status phash_digest_new(unsigned algos, phash_digest **out);
/* Release; NULL is a no-op. */
PHASH_API void phash_digest_free(phash_digest *d);
/* Feed len more bytes (len 0 is allowed, data may then be NULL). */
PHASH_API PHASH_NODISCARD phash_status phash_digest_update(phash_digest *d, const void *data,
                                                           size_t len);
/* Finish: fill *out with the digests of everything fed since the last
 * reset, then reset (the context is ready for the next stream). */
PHASH_API PHASH_NODISCARD phash_status phash_digest_final(phash_digest *d,
                                                          phash_digest_result *out);
/* Forget what was fed; same algorithms. */
PHASH_API PHASH_NODISCARD phash_status phash_digest_reset(phash_digest *d);
/* The detail of the last error on d; never NULL. */
PHASH_API const char *phash_digest_last_error(const phash_digest *d);

/* One-shot: the digests of a whole buffer. */
PHASH_API PHASH_NODISCARD phash_status phash_digest_buffer(unsigned algos, const void *data,
                                                           size_t len, phash_digest_result *out);
/* One-shot: the digests of a file, read sequentially in 1 MiB chunks
 * through d (whose algorithms are used; d is reset first). PHASH_ERR_IO
 * with the path and errno in phash_digest_last_error(d). */
PHASH_API PHASH_NODISCARD phash_status phash_digest_file(phash_digest *d, const char *path,
                                                         phash_digest_result *out);

/* "md5", "sha1", "sha256" for one algorithm bit; "unknown" otherwise. */
PHASH_API const char *phash_digest_algo_name(phash_digest_algo algo);
/* Parse one name as lists and command lines spell it, case-insensitively:
 * "md5", "sha1", "sha-1", "sha256", "sha-256". PHASH_ERR_NOT_FOUND
 * otherwise. len is the number of characters at name. */
PHASH_API PHASH_NODISCARD phash_status phash_digest_algo_parse(const char *name, size_t len,
                                                               phash_digest_algo *out);
/* Digest length in bytes (16, 20, 32) of one algorithm bit; 0 otherwise. */
PHASH_API size_t phash_digest_len(phash_digest_algo algo);
/* The bytes of one algorithm in a result (NULL when not computed). */
PHASH_API const uint8_t *phash_digest_bytes(const phash_digest_result *r, phash_digest_algo algo);
/* Lowercase hex of one algorithm of a result into out (at least
 * PHASH_DIGEST_HEX_MAX bytes). PHASH_ERR_INVALID_ARG when the result does
 * not hold that algorithm. */
PHASH_API PHASH_NODISCARD phash_status phash_digest_to_hex(const phash_digest_result *r,
                                                           phash_digest_algo algo, char *out);
/* 1 when bytes (phash_digest_len(algo) of them) are the digest of the
 * empty file, which never matches. */
PHASH_API int phash_digest_is_empty(phash_digest_algo algo, const uint8_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_DIGEST_H */
