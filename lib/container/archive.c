/* SPDX-License-Identifier: MIT */
/* Archives through libarchive, from memory (see archive.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "container/archive.h"
#include "internal.h"

struct ph_archive {
    struct archive *a;
    int fatal;            /* libarchive said ARCHIVE_FATAL: nothing more to read */
    phash_status fatal_status;
    int started;          /* a header was read (the format is known) */
    char detail[PH_DETAIL_LEN];
};

int ph_archive_format_supported(phash_format format)
{
    switch (format) {
    case PHASH_FORMAT_ZIP:
    case PHASH_FORMAT_7Z:
    case PHASH_FORMAT_TAR:
    case PHASH_FORMAT_GZIP:
    case PHASH_FORMAT_BZIP2:
    case PHASH_FORMAT_XZ:
    case PHASH_FORMAT_ZSTD:
        return 1;
    default:
        return 0;
    }
}

/* libarchive's own decompressors only: a filter that it would run as an
 * external program (ARCHIVE_WARN) is a build we refuse to use. */
static const char *enable_readers(struct archive *a)
{
    static const struct {
        const char *name;
        int (*enable)(struct archive *);
    } filters[] = {
        {"gzip", archive_read_support_filter_gzip}, {"bzip2", archive_read_support_filter_bzip2},
        {"xz", archive_read_support_filter_xz},     {"lzma", archive_read_support_filter_lzma},
        {"zstd", archive_read_support_filter_zstd}, {"lz4", archive_read_support_filter_lz4},
    };
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        if (filters[i].enable(a) != ARCHIVE_OK)
            return filters[i].name;
    if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
        archive_read_support_format_7zip(a) != ARCHIVE_OK ||
        archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_support_format_raw(a) != ARCHIVE_OK) /* a single compressed file */
        return "a format reader";
    return NULL;
}

/* Nothing more can be read; later calls repeat st. */
static void stop(ph_archive *h, phash_status st)
{
    h->fatal = 1;
    h->fatal_status = st;
}

/* The status of libarchive's last error, its message into the detail. */
static phash_status fail(ph_archive *h, int rc)
{
    const char *msg = archive_error_string(h->a);
    int err = archive_errno(h->a);
    snprintf(h->detail, sizeof h->detail, "archive: %s", msg ? msg : "unknown error");
    phash_status st = PHASH_ERR_CORRUPT;
    if (err == ENOMEM)
        st = PHASH_ERR_NOMEM;
    else if (msg && (strstr(msg, "ncrypt") || strstr(msg, "assphrase")))
        st = PHASH_ERR_ENCRYPTED;
    else if (msg && (strstr(msg, "runcated") || strstr(msg, "nexpected end") ||
                     strstr(msg, "remature end")))
        st = PHASH_ERR_TRUNCATED;
    else if (msg && (strstr(msg, "nsupported") || strstr(msg, "not supported")))
        st = PHASH_ERR_UNSUPPORTED;
    if (rc == ARCHIVE_FATAL)
        stop(h, st);
    return st;
}

phash_status ph_archive_open(const void *data, size_t len, ph_archive **out, char *detail,
                             size_t detail_len)
{
    *out = NULL;
    ph_archive *h = ph_calloc(1, sizeof *h);
    if (!h || !(h->a = archive_read_new())) {
        ph_free(h);
        snprintf(detail, detail_len, "archive: out of memory");
        return PHASH_ERR_NOMEM;
    }
    const char *missing = enable_readers(h->a);
    if (missing) {
        snprintf(detail, detail_len, "archive: this libarchive has no built-in %s reader",
                 missing);
        ph_archive_close(h);
        return PHASH_ERR_UNSUPPORTED;
    }
    int rc = archive_read_open_memory(h->a, data, len);
    if (rc != ARCHIVE_OK) {
        phash_status st = fail(h, rc);
        snprintf(detail, detail_len, "%s", h->detail);
        ph_archive_close(h);
        return st;
    }
    *out = h;
    return PHASH_OK;
}

phash_status ph_archive_next(ph_archive *h, ph_archive_member *m)
{
    memset(m, 0, sizeof *m);
    if (h->fatal)
        return h->fatal_status;
    struct archive_entry *e = NULL;
    int rc;
    for (int tries = 0; (rc = archive_read_next_header(h->a, &e)) == ARCHIVE_RETRY && tries < 8;
         tries++)
        ;
    if (rc == ARCHIVE_EOF)
        return PHASH_ERR_NOT_FOUND;
    if (rc < ARCHIVE_WARN) {
        phash_status st = fail(h, rc);
        if (archive_read_has_encrypted_entries(h->a) > 0)
            st = PHASH_ERR_ENCRYPTED;
        stop(h, st); /* a header libarchive could not read: the rest is unknown */
        return st;
    }
    /* "raw" takes any bytes; only a decompressed stream is a member. Without
     * a filter the bytes were not an archive libarchive reads (a damaged
     * ZIP would otherwise come back as one member holding itself). */
    if (!h->started && archive_format(h->a) == ARCHIVE_FORMAT_RAW &&
        archive_filter_code(h->a, 0) == ARCHIVE_FILTER_NONE) {
        snprintf(h->detail, sizeof h->detail, "archive: not an archive libarchive reads");
        stop(h, PHASH_ERR_CORRUPT);
        return PHASH_ERR_CORRUPT;
    }
    h->started = 1;
    const char *name = archive_entry_pathname(e);
    if (!name)
        name = archive_entry_pathname_utf8(e);
    m->name = name ? name : "?";
    m->size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
    m->regular = archive_entry_filetype(e) == AE_IFREG;
    m->encrypted = archive_entry_is_encrypted(e) != 0;
    return PHASH_OK;
}

phash_status ph_archive_read(ph_archive *h, void *buf, size_t n, size_t *got)
{
    *got = 0;
    if (h->fatal)
        return h->fatal_status;
    la_ssize_t r;
    for (int tries = 0; (r = archive_read_data(h->a, buf, n)) == ARCHIVE_RETRY && tries < 8;
         tries++)
        ;
    if (r < 0)
        return fail(h, (int)r);
    *got = r > 0 ? (size_t)r : 0;
    return PHASH_OK;
}

int ph_archive_skip_decompresses(const ph_archive *h)
{
    struct archive *a = h->a;
    return archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE ||
           (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_7ZIP;
}

const char *ph_archive_format_name(const ph_archive *h)
{
    const char *n = archive_format_name(h->a);
    return n ? n : "archive";
}

const char *ph_archive_error(const ph_archive *h)
{
    return h->detail;
}

void ph_archive_close(ph_archive *h)
{
    if (!h)
        return;
    if (h->a)
        archive_read_free(h->a);
    ph_free(h);
}
