/* SPDX-License-Identifier: MIT */
/* Exact digests (MD5, SHA-1, SHA-256) on OpenSSL's libcrypto EVP: one EVP
 * context per requested algorithm, each fed the same chunks. The digest
 * implementations are fetched once per phash_digest (EVP_MD_fetch), not at
 * every file, so a reset costs no provider lookup. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"
#include "phash/digest.h"
#include "platform/platform.h"

#define N_ALGOS 3

static const struct {
    phash_digest_algo bit;
    const char *name;     /* phash's name */
    const char *evp_name; /* OpenSSL's */
    size_t len;
    const char *empty;    /* digest of the empty input */
} algos[N_ALGOS] = {
    {PHASH_DIGEST_MD5, "md5", "MD5", PHASH_MD5_LEN, "d41d8cd98f00b204e9800998ecf8427e"},
    {PHASH_DIGEST_SHA1, "sha1", "SHA1", PHASH_SHA1_LEN,
     "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {PHASH_DIGEST_SHA256, "sha256", "SHA256", PHASH_SHA256_LEN,
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
};

struct phash_digest {
    unsigned algos;
    EVP_MD *md[N_ALGOS];
    EVP_MD_CTX *ctx[N_ALGOS];
    uint64_t size;
    ph_error err;
};

static int algo_index(phash_digest_algo algo)
{
    for (int i = 0; i < N_ALGOS; i++)
        if (algos[i].bit == algo)
            return i;
    return -1;
}

void phash_digest_free(phash_digest *d)
{
    if (!d)
        return;
    for (int i = 0; i < N_ALGOS; i++) {
        EVP_MD_CTX_free(d->ctx[i]);
        EVP_MD_free(d->md[i]);
    }
    ph_free(d);
}

phash_status phash_digest_reset(phash_digest *d)
{
    if (!d)
        return PHASH_ERR_INVALID_ARG;
    d->size = 0;
    for (int i = 0; i < N_ALGOS; i++)
        if (d->ctx[i] && EVP_DigestInit_ex2(d->ctx[i], d->md[i], NULL) != 1)
            return ph_error_set(&d->err, PHASH_ERR_UNSUPPORTED,
                                "libcrypto cannot start %s", algos[i].name);
    return PHASH_OK;
}

phash_status phash_digest_new(unsigned want, phash_digest **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = NULL;
    if (want == 0 || (want & ~(unsigned)PHASH_DIGEST_ALL))
        return PHASH_ERR_INVALID_ARG;
    phash_digest *d = ph_calloc(1, sizeof *d);
    if (!d)
        return PHASH_ERR_NOMEM;
    d->algos = want;
    phash_status st = PHASH_OK;
    for (int i = 0; i < N_ALGOS && st == PHASH_OK; i++) {
        if (!(want & algos[i].bit))
            continue;
        d->md[i] = EVP_MD_fetch(NULL, algos[i].evp_name, NULL);
        if (!d->md[i])
            st = PHASH_ERR_UNSUPPORTED; /* e.g. MD5 under a FIPS-only configuration */
        else if (!(d->ctx[i] = EVP_MD_CTX_new()))
            st = PHASH_ERR_NOMEM;
    }
    if (st == PHASH_OK)
        st = phash_digest_reset(d);
    if (st != PHASH_OK) {
        phash_digest_free(d);
        return st;
    }
    *out = d;
    return PHASH_OK;
}

const char *phash_digest_last_error(const phash_digest *d)
{
    return d ? ph_error_message(&d->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

phash_status phash_digest_update(phash_digest *d, const void *data, size_t len)
{
    if (!d || (!data && len))
        return PHASH_ERR_INVALID_ARG;
    if (len == 0)
        return PHASH_OK;
    for (int i = 0; i < N_ALGOS; i++)
        if (d->ctx[i] && EVP_DigestUpdate(d->ctx[i], data, len) != 1)
            return ph_error_set(&d->err, PHASH_ERR_UNSUPPORTED, "libcrypto failed in %s",
                                algos[i].name);
    d->size += len;
    return PHASH_OK;
}

static uint8_t *result_slot(phash_digest_result *r, int i)
{
    switch (algos[i].bit) {
    case PHASH_DIGEST_MD5:
        return r->md5;
    case PHASH_DIGEST_SHA1:
        return r->sha1;
    case PHASH_DIGEST_SHA256:
        return r->sha256;
    }
    return NULL;
}

phash_status phash_digest_final(phash_digest *d, phash_digest_result *out)
{
    if (!d || !out)
        return PHASH_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->algos = d->algos;
    out->size = d->size;
    for (int i = 0; i < N_ALGOS; i++) {
        unsigned n = 0;
        if (d->ctx[i] && (EVP_DigestFinal_ex(d->ctx[i], result_slot(out, i), &n) != 1 ||
                          n != algos[i].len))
            return ph_error_set(&d->err, PHASH_ERR_UNSUPPORTED, "libcrypto failed in %s",
                                algos[i].name);
    }
    return phash_digest_reset(d);
}

phash_status phash_digest_buffer(unsigned want, const void *data, size_t len,
                                 phash_digest_result *out)
{
    if (!out || (!data && len))
        return PHASH_ERR_INVALID_ARG;
    phash_digest *d;
    phash_status st = phash_digest_new(want, &d);
    if (st == PHASH_OK)
        st = phash_digest_update(d, data, len);
    if (st == PHASH_OK)
        st = phash_digest_final(d, out);
    phash_digest_free(d);
    return st;
}

phash_status phash_digest_file(phash_digest *d, const char *path, phash_digest_result *out)
{
    if (!d || !path || !out)
        return PHASH_ERR_INVALID_ARG;
    phash_status st = phash_digest_reset(d);
    if (st != PHASH_OK)
        return st;
    ph_file *f;
    int err = ph_file_open(path, &f, NULL);
    if (err)
        return ph_error_set(&d->err, PHASH_ERR_IO, "%s: cannot open (errno %d)", path, err);
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = ph_malloc(CHUNK);
    if (!buf) {
        ph_file_close(f);
        return ph_error_set(&d->err, PHASH_ERR_NOMEM, "out of memory");
    }
    for (;;) {
        size_t n;
        if ((err = ph_file_read(f, buf, CHUNK, &n)) != 0) {
            st = ph_error_set(&d->err, PHASH_ERR_IO, "%s: read error (errno %d)", path, err);
            break;
        }
        if (n == 0 || (st = phash_digest_update(d, buf, n)) != PHASH_OK)
            break;
    }
    ph_free(buf);
    ph_file_close(f);
    if (st == PHASH_OK)
        st = phash_digest_final(d, out);
    else if (phash_digest_reset(d) != PHASH_OK) {
        /* st already says what failed first */
    }
    return st;
}

/* ---- names and text ---- */

const char *phash_digest_algo_name(phash_digest_algo algo)
{
    int i = algo_index(algo);
    return i < 0 ? "unknown" : algos[i].name;
}

phash_status phash_digest_algo_parse(const char *name, size_t len, phash_digest_algo *out)
{
    if (!name || !out)
        return PHASH_ERR_INVALID_ARG;
    /* Lowercase without '-' or '_': "SHA-256", "sha_1", "Sha1". */
    char buf[8];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '-' || c == '_')
            continue;
        if (n == sizeof buf - 1)
            return PHASH_ERR_NOT_FOUND;
        buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    buf[n] = '\0';
    for (int i = 0; i < N_ALGOS; i++)
        if (!strcmp(buf, algos[i].name)) {
            *out = algos[i].bit;
            return PHASH_OK;
        }
    return PHASH_ERR_NOT_FOUND;
}

size_t phash_digest_len(phash_digest_algo algo)
{
    int i = algo_index(algo);
    return i < 0 ? 0 : algos[i].len;
}

const uint8_t *phash_digest_bytes(const phash_digest_result *r, phash_digest_algo algo)
{
    int i = algo_index(algo);
    if (!r || i < 0 || !(r->algos & algo))
        return NULL;
    return result_slot((phash_digest_result *)r, i);
}

phash_status phash_digest_to_hex(const phash_digest_result *r, phash_digest_algo algo, char *out)
{
    const uint8_t *b = phash_digest_bytes(r, algo);
    if (!b || !out)
        return PHASH_ERR_INVALID_ARG;
    static const char digits[] = "0123456789abcdef";
    size_t n = phash_digest_len(algo);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
    return PHASH_OK;
}

int phash_digest_is_empty(phash_digest_algo algo, const uint8_t *bytes)
{
    int i = algo_index(algo);
    if (i < 0 || !bytes)
        return 0;
    for (size_t k = 0; k < algos[i].len; k++)
        if (bytes[k] != (uint8_t)(ph_hex_value(algos[i].empty[2 * k]) << 4 |
                                  ph_hex_value(algos[i].empty[2 * k + 1])))
            return 0;
    return 1;
}
