/* SPDX-License-Identifier: MIT */
/* Pictures inside PDF documents, read through qpdf's C API from bytes in
 * memory. qpdf parses the document (xref, object streams, encryption with
 * an empty user password) and hands out each image XObject's dictionary
 * and its raw stream bytes (qpdf_dl_none: never filtered by qpdf, so never
 * larger than the file). The pixels are never decoded by qpdf:
 *  - a DCTDecode stream is the embedded JPEG file itself: it is returned
 *    as is, for phash's own JPEG decoder (its limits, exact digests of the
 *    embedded JPEG);
 *  - a FlateDecode (or unfiltered) raster is inflated here with zlib into
 *    a buffer of exactly the size its checked dictionary declares
 *    (width x height x components x bits, PNG or TIFF predictor undone),
 *    after the pixel limits have been checked and the caller has accepted
 *    that size, and returned as a PNM file (P5 grey, P6 RGB; palettes
 *    expanded) for phash's PNM decoder;
 *  - other filters (JPX, JBIG2, CCITT, LZW, chains of filters), stencil
 *    masks and colour spaces (CMYK rasters, Separation, DeviceN, Lab) are
 *    returned as unsupported with a detail naming what.
 * Every object number of the document is visited once (images used on no
 * page included: a picture hidden in an unreferenced object is still a
 * picture in the file), up to a limit on objects.
 *
 * Not thread-safe per handle; handles are independent. */
#ifndef PHASH_LIB_CONTAINER_PDF_H
#define PHASH_LIB_CONTAINER_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "phash/phash.h"

typedef struct ph_pdf ph_pdf;

typedef struct ph_pdf_limits {
    uint32_t max_width, max_height; /* 0: no limit */
    uint64_t max_pixels;            /* 0: no limit */
    uint64_t max_image_bytes;       /* a raster's inflated bytes and its PNM; 0: no limit */
    uint64_t max_objects;           /* object numbers visited; 0: no limit */
} ph_pdf_limits;

typedef struct ph_pdf_image {
    char name[48];          /* "obj12.jpg", "obj7.pnm", "obj3" (not decoded) */
    phash_status status;    /* PHASH_OK: ph_pdf_read() may be called */
    char detail[160];       /* why not, when status != PHASH_OK */
    uint64_t inflate;       /* bytes ph_pdf_read() will inflate (0: none) */
    const uint8_t *data;    /* after ph_pdf_read(): the image file, valid */
    size_t len;             /* until the next call on the handle */
} ph_pdf_image;

/* 1 when this build opens PDF documents. */
int ph_pdf_supported(void);
/* Parse the document in data (borrowed: must outlive the handle). Errors:
 * PHASH_ERR_ENCRYPTED (a user password is needed), PHASH_ERR_CORRUPT,
 * PHASH_ERR_NOMEM, with a detail. */
phash_status ph_pdf_open(const void *data, size_t len, const ph_pdf_limits *lim, ph_pdf **out,
                         char *detail, size_t detail_len);
/* The next image XObject, its dictionary checked: PHASH_OK (img->status
 * says whether it can be read: UNSUPPORTED, TOO_LARGE, CORRUPT with a
 * detail), PHASH_ERR_NOT_FOUND after the last, PHASH_ERR_BUDGET when the
 * document declares more objects than max_objects (after those). */
phash_status ph_pdf_next(ph_pdf *p, ph_pdf_image *img);
/* The image file of the image ph_pdf_next() just returned with status OK:
 * its raw bytes (DCT), or its raster inflated (img->inflate bytes, no
 * more) and written as PNM. Sets img->data/len, or img->status and
 * detail (CORRUPT, TRUNCATED, NOMEM). */
void ph_pdf_read(ph_pdf *p, ph_pdf_image *img);
void ph_pdf_close(ph_pdf *p);

#endif
