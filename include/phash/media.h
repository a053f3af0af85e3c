/* SPDX-License-Identifier: MIT */
/*
 * Media: what a file is, told from its first bytes (never from its name),
 * and which kind of processing it gets in a scan.
 *
 * Every format phash recognises has a phash_format value and belongs to one
 * phash_media_kind:
 * - images are decoded (image.h) and hashed (pdq.h, dct.h);
 * - videos are demuxed and their frames hashed (video.h, where built);
 * - containers (archives, documents) hold other files, each of which is
 *   scanned in turn;
 * - everything else is "other": it can still match a list by its exact
 *   digest (MD5, SHA-1, SHA-256).
 * A format can be recognised without being decodable by this build:
 * phash_format_supported() says which are.
 *
 * Thread safety: every function here is reentrant.
 */
#ifndef PHASH_MEDIA_H
#define PHASH_MEDIA_H

#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Formats. Values are ABI-stable; new ones are added, never renumbered.
 * 1-31 images, 32-63 videos, 64-95 containers. */
typedef enum phash_format {
    PHASH_FORMAT_UNKNOWN = 0, /* nothing phash recognises */
    /* images */
    PHASH_FORMAT_JPEG = 1,
    PHASH_FORMAT_PNG = 2,
    PHASH_FORMAT_WEBP = 3,
    PHASH_FORMAT_RAW = 4, /* pixels given by the caller, never sniffed */
    PHASH_FORMAT_GIF = 16,
    PHASH_FORMAT_BMP = 17,
    PHASH_FORMAT_TIFF = 18,
    PHASH_FORMAT_HEIF = 19,
    PHASH_FORMAT_AVIF = 20,
    PHASH_FORMAT_JXL = 21,
    PHASH_FORMAT_ICO = 22,
    PHASH_FORMAT_PNM = 23,
    /* videos */
    PHASH_FORMAT_MP4 = 32,      /* ISO base media / QuickTime: mp4, m4v, mov, 3gp */
    PHASH_FORMAT_MATROSKA = 33, /* mkv, webm */
    PHASH_FORMAT_AVI = 34,
    PHASH_FORMAT_MPEGTS = 35,   /* MPEG transport stream (ts, m2ts) */
    PHASH_FORMAT_FLV = 36,
    PHASH_FORMAT_MPEGPS = 37,   /* MPEG program stream (mpg, vob) */
    PHASH_FORMAT_ASF = 38,      /* wmv */
    /* containers */
    PHASH_FORMAT_ZIP = 64,      /* also docx/xlsx/pptx, odt/ods/odp, epub */
    PHASH_FORMAT_7Z = 65,
    PHASH_FORMAT_TAR = 66,
    PHASH_FORMAT_GZIP = 67,
    PHASH_FORMAT_BZIP2 = 68,
    PHASH_FORMAT_XZ = 69,
    PHASH_FORMAT_ZSTD = 70,
    PHASH_FORMAT_RAR = 71,
    PHASH_FORMAT_PDF = 72,
    PHASH_FORMAT_CFB = 73       /* OLE compound file: doc, xls, ppt, msg */
} phash_format;

/* How a scan treats a format. Values are ABI-stable. */
typedef enum phash_media_kind {
    PHASH_MEDIA_OTHER = 0,     /* not media: exact digests only */
    PHASH_MEDIA_IMAGE = 1,
    PHASH_MEDIA_VIDEO = 2,
    PHASH_MEDIA_CONTAINER = 3
} phash_media_kind;

/* Identify the format from the first bytes of a file (64 are enough for
 * every format but MPEG-TS, whose sync bytes need 377, 389 for M2TS).
 * Never reads past len; PHASH_FORMAT_UNKNOWN when unsure. */
PHASH_API phash_format phash_sniff(const void *data, size_t len);
/* "jpeg", "png", "mp4", "zip", ...; static storage, never NULL ("unknown"
 * for values this library does not know). */
PHASH_API const char *phash_format_name(phash_format format);
/* The kind a format belongs to (PHASH_MEDIA_OTHER for UNKNOWN and RAW). */
PHASH_API phash_media_kind phash_format_kind(phash_format format);
/* "other", "image", "video", "container"; static storage, never NULL. */
PHASH_API const char *phash_media_kind_name(phash_media_kind kind);
/* 1 if this build of the library decodes (images, videos) or opens
 * (containers) the format, else 0. */
PHASH_API int phash_format_supported(phash_format format);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_MEDIA_H */
