/* SPDX-License-Identifier: MIT */
/* The CLI's exact digests (rows of the table in hash_algos.c): "md5",
 * "sha1", "sha256" of the file's bytes (include/phash/digest.h). They need
 * no decoded image, so they have only compute_file and work on any file
 * (videos, archives, documents). No quality. */
#include <stdio.h>

#include "hash_algos.h"

static void *digest_new(phash_digest_algo algo, char *err, size_t errlen)
{
    phash_digest *d = NULL;
    if (phash_digest_new(algo, &d) != PHASH_OK)
        snprintf(err, errlen, "%s: libcrypto cannot compute it", phash_digest_algo_name(algo));
    return d;
}

void *algo_md5_new(const algo_opts *opts, char *err, size_t errlen)
{
    (void)opts;
    return digest_new(PHASH_DIGEST_MD5, err, errlen);
}

void *algo_sha1_new(const algo_opts *opts, char *err, size_t errlen)
{
    (void)opts;
    return digest_new(PHASH_DIGEST_SHA1, err, errlen);
}

void *algo_sha256_new(const algo_opts *opts, char *err, size_t errlen)
{
    (void)opts;
    return digest_new(PHASH_DIGEST_SHA256, err, errlen);
}

void algo_digest_free(void *state) { phash_digest_free(state); }

phash_status algo_digest_compute_file(void *state, const char *path, algo_result *out,
                                      const char **detail)
{
    phash_digest_result r;
    phash_status st = phash_digest_file(state, path, &r);
    if (st != PHASH_OK) {
        *detail = phash_digest_last_error(state);
        return st;
    }
    /* The one algorithm the state computes. */
    st = phash_digest_to_hex(&r, (phash_digest_algo)r.algos, out->hash);
    out->quality = -1;
    out->n_variants = 0;
    return st;
}
