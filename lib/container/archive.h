/* SPDX-License-Identifier: MIT */
/* Archives read through libarchive, from bytes in memory: ZIP (and the
 * documents built on it: docx/xlsx/pptx, odt/ods/odp, epub), 7z, tar, and
 * tar or a single file compressed with gzip, bzip2, xz/lzma, zstd or lz4.
 *
 * The reader lists members one by one and streams each member's bytes to
 * the caller; nothing is written anywhere and member names are only
 * returned, never used as paths. Only libarchive's built-in decompressors
 * are enabled (never the external-program fallbacks, which would run a
 * process per archive). Limits (member count, sizes, ratios) are the
 * caller's policy: the reader stops wherever the caller stops asking.
 *
 * Not thread-safe per handle; handles are independent. */
#ifndef PHASH_LIB_CONTAINER_ARCHIVE_H
#define PHASH_LIB_CONTAINER_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "phash/phash.h"

typedef struct ph_archive ph_archive;

typedef struct ph_archive_member {
    const char *name; /* as stored (bytes, not necessarily UTF-8); never NULL */
    int64_t size;     /* declared uncompressed size, -1 when unknown */
    int regular;      /* a regular file (folders, links, devices: 0) */
    int encrypted;    /* its data (or metadata) is encrypted */
} ph_archive_member;

/* 1 when this build opens the format as an archive. */
int ph_archive_format_supported(phash_format format);

/* Open the archive in data (borrowed: must outlive the handle). */
phash_status ph_archive_open(const void *data, size_t len, ph_archive **out, char *detail,
                             size_t detail_len);
/* The next member: PHASH_OK, PHASH_ERR_NOT_FOUND after the last, or an
 * error (CORRUPT, TRUNCATED, ENCRYPTED, UNSUPPORTED, NOMEM) with the detail
 * in ph_archive_error(); after an error the archive cannot go on. */
phash_status ph_archive_next(ph_archive *a, ph_archive_member *m);
/* Up to n bytes of the current member's data into buf: *got = 0 at its
 * end. Errors as ph_archive_next (the member's data is bad; the next
 * member may still be readable for seekable formats). */
phash_status ph_archive_read(ph_archive *a, void *buf, size_t n, size_t *got);
/* 1 when skipping a member's unread bytes costs decompressing them (a
 * compressed tar, a solid 7z); 0 when it is a seek (ZIP, plain tar). */
int ph_archive_skip_decompresses(const ph_archive *a);
/* The format libarchive found ("ZIP 2.0 (deflation)", "GNU tar format", ...). */
const char *ph_archive_format_name(const ph_archive *a);
const char *ph_archive_error(const ph_archive *a);
void ph_archive_close(ph_archive *a);

#endif
