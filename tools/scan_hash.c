/* SPDX-License-Identifier: MIT */
/* Per-file work of phash scan (see scan_hash.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan_hash.h"
#include "phash/pdq.h"

struct scan_hasher {
    unsigned algos;
    int dihedral;
    phash_decoder *dec;      /* CMYK converted to RGB (PDQ's reference) */
    phash_decoder *dec_raw3; /* CMYK as raw first three channels (pHash's), on demand */
    phash_dct_hasher *dct;
    phash_pdq_hasher *pdq;
};

const char *scan_error_name(scan_error_kind kind)
{
    static const char *const names[SCAN_ERROR_KINDS] = {
        "ok", "unreadable", "vanished", "not an image", "unsupported", "corrupt",
        "truncated", "too large", "out of memory", "other"};
    return kind < SCAN_ERROR_KINDS ? names[kind] : "other";
}

scan_sniff scan_sniff_file(const char *path)
{
    /* O_NONBLOCK: a FIFO swapped in after the walk's stat() must not hang us. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return (scan_sniff){SCAN_SNIFF_ERROR,
                            errno == ENOENT ? SCAN_ERR_VANISHED : SCAN_ERR_UNREADABLE,
                            errno == ENOENT ? "deleted during the scan" : "cannot open"};
    struct stat st;
    uint8_t head[32];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        n = pread(fd, head, sizeof head, 0);
    int err = errno;
    close(fd);
    if (n < 0)
        return (scan_sniff){SCAN_SNIFF_ERROR, SCAN_ERR_UNREADABLE,
                            err == EISDIR ? "not a regular file" : "cannot read"};
    phash_format fmt = phash_sniff(head, (size_t)n);
    if (fmt == PHASH_FORMAT_JPEG || fmt == PHASH_FORMAT_PNG || fmt == PHASH_FORMAT_WEBP)
        return (scan_sniff){SCAN_SNIFF_IMAGE, SCAN_OK, NULL};
    if (fmt == PHASH_FORMAT_UNKNOWN)
        return (scan_sniff){SCAN_SNIFF_NOT_IMAGE, SCAN_OK, NULL};
    return (scan_sniff){SCAN_SNIFF_UNSUPPORTED, SCAN_OK, NULL};
}

int scan_hash_supported(unsigned algos)
{
    return (algos & ~((1u << PHASH_SIG_PHASH) | (1u << PHASH_SIG_PDQ))) == 0;
}

const char *scan_hash_missing(unsigned algos)
{
    (void)algos;
    return "";
}

scan_hasher *scan_hasher_new(unsigned algos, int dihedral, phash_dct_layout layout)
{
    scan_hasher *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->algos = algos;
    h->dihedral = dihedral;
    h->dec = phash_decoder_new();
    if (!h->dec)
        goto fail;
    if (algos & (1u << PHASH_SIG_PDQ) && !(h->pdq = phash_pdq_hasher_new()))
        goto fail;
    if (algos & (1u << PHASH_SIG_PHASH)) {
        h->dct = phash_dct_hasher_new();
        if (!h->dct || phash_dct_hasher_set_layout(h->dct, layout) != PHASH_OK)
            goto fail;
    }
    return h;
fail:
    scan_hasher_free(h);
    return NULL;
}

void scan_hasher_free(scan_hasher *h)
{
    if (!h)
        return;
    phash_decoder_free(h->dec);
    phash_decoder_free(h->dec_raw3);
    phash_dct_hasher_free(h->dct);
    phash_pdq_hasher_free(h->pdq);
    free(h);
}

static scan_error_kind kind_of(phash_status st, int err)
{
    switch (st) {
    case PHASH_OK:
        return SCAN_OK;
    case PHASH_ERR_IO:
        return err == ENOENT ? SCAN_ERR_VANISHED : SCAN_ERR_UNREADABLE;
    case PHASH_ERR_NOT_IMAGE:
        return SCAN_ERR_NOT_IMAGE;
    case PHASH_ERR_UNSUPPORTED:
        return SCAN_ERR_UNSUPPORTED;
    case PHASH_ERR_CORRUPT:
        return SCAN_ERR_CORRUPT;
    case PHASH_ERR_TRUNCATED:
        return SCAN_ERR_TRUNCATED;
    case PHASH_ERR_TOO_LARGE:
        return SCAN_ERR_TOO_LARGE;
    case PHASH_ERR_NOMEM:
        return SCAN_ERR_NOMEM;
    default:
        return SCAN_ERR_OTHER;
    }
}

/* pHash wants CMYK JPEGs as their raw first three channels (what its
 * loader does): decode such files a second time that way. */
static scan_error_kind hash_phash(scan_hasher *h, const char *path, const phash_image *img,
                                  scan_result *out, const char **detail)
{
    if (phash_image_flags(img) & PHASH_IMAGE_CMYK) {
        if (!h->dec_raw3 && (!(h->dec_raw3 = phash_decoder_new()) ||
                             phash_decoder_set_option(h->dec_raw3, PHASH_DECODE_CMYK_MODE,
                                                      PHASH_CMYK_RAW3) != PHASH_OK))
            return SCAN_ERR_NOMEM;
        phash_status st = phash_decode_file(h->dec_raw3, path, &img);
        if (st != PHASH_OK) {
            *detail = phash_decoder_last_error(h->dec_raw3);
            return kind_of(st, phash_decoder_last_errno(h->dec_raw3));
        }
    }
    phash_dct_result r;
    if (phash_dct_hash_image(h->dct, img, &r) != PHASH_OK) {
        *detail = phash_dct_hasher_last_error(h->dct);
        return SCAN_ERR_OTHER;
    }
    out->phash = r.hash;
    out->quality[PHASH_SIG_PHASH] = r.quality;
    out->usable[PHASH_SIG_PHASH] = r.quality >= PHASH_DCT_MIN_QUALITY;
    return SCAN_OK;
}

scan_error_kind scan_hash_file(scan_hasher *h, const char *path, scan_result *out,
                               const char **detail)
{
    memset(out, 0, sizeof *out);
    *detail = "";
    const phash_image *img;
    phash_status st = phash_decode_file(h->dec, path, &img);
    if (st != PHASH_OK) {
        *detail = phash_decoder_last_error(h->dec);
        return kind_of(st, phash_decoder_last_errno(h->dec));
    }
    if (h->algos & (1u << PHASH_SIG_PDQ)) {
        phash_pdq_result r;
        if (phash_pdq_hash_image(h->pdq, img, h->dihedral ? PHASH_PDQ_WANT_DIHEDRAL : 0, &r) !=
            PHASH_OK) {
            *detail = phash_pdq_hasher_last_error(h->pdq);
            return SCAN_ERR_NOMEM;
        }
        if (h->dihedral)
            memcpy(out->pdq, r.dihedral, sizeof out->pdq);
        else
            out->pdq[0] = r.hash;
        out->quality[PHASH_SIG_PDQ] = r.quality;
        out->usable[PHASH_SIG_PDQ] = r.quality >= PHASH_PDQ_DEFAULT_MIN_QUALITY;
    }
    if (h->algos & (1u << PHASH_SIG_PHASH)) {
        scan_error_kind k = hash_phash(h, path, img, out, detail);
        if (k != SCAN_OK)
            return k;
    }
    return SCAN_OK;
}

int scan_is_compiled_set(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char magic[8];
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == 8 && !memcmp(magic, "PHXSET\r\n", 8);
}
