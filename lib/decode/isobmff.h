/* SPDX-License-Identifier: MIT */
/* A small reader of the ISOBMFF boxes of a HEIF or AVIF still image
 * (ISO/IEC 14496-12, 23008-12): what libheif 1.15 and libavif 0.11 do not
 * tell before decoding.
 *
 * It gives the primary item's transformations (irot, imir, clap, in the
 * order they apply) and, for a grid, its layout and the pixels of every
 * tile it references. It refuses (PHASH_ERR_CORRUPT) an item whose HEVC
 * sequence parameter set (in hvcC) codes more pixels than its ispe says,
 * beyond one coding block: libheif 1.15 decodes what the stream codes
 * whatever ispe says, and ispe is what the limits and the budget see. The HEIF decoder reports the transformations as an
 * EXIF orientation (libheif >= 1.16 has a property API for this; Debian 12
 * has 1.15); HEIF and AVIF bound a grid's decoding work by its tiles.
 *
 * Safety: it reads only ftyp, meta and, inside meta, pitm, iinf, iref,
 * iprp (ipco, ipma), iloc and idat, at fixed depths (no recursion). Every
 * box size is checked against its parent, every count against the bytes
 * left and against the limits below; it allocates at most two tables
 * bounded by those limits (about 400 KiB at worst) and frees them before
 * returning. It never reads outside [data, data + len). */
#ifndef PHASH_LIB_ISOBMFF_H
#define PHASH_LIB_ISOBMFF_H

#include <stddef.h>
#include <stdint.h>

#include "phash/phash.h"

#define PH_BMFF_MAX_BOXES 65536u   /* children of one box */
#define PH_BMFF_MAX_PROPS 32767u   /* ipco children (ipma's widest index) */
#define PH_BMFF_MAX_TILES 65536u   /* 256 x 256: ImageGrid's widest layout */
#define PH_BMFF_MAX_TRANSFORMS 8u  /* irot/imir/clap of the primary item */

#define PH_FOURCC(a, b, c, d) \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

typedef struct ph_bmff_transform {
    uint32_t type;  /* 'irot', 'imir' or 'clap' */
    uint8_t value;  /* irot: anti-clockwise quarter turns; imir: axis bit */
} ph_bmff_transform;

typedef struct ph_bmff_image {
    int has_meta;               /* 0: no 'meta' box (an image sequence), all else 0 */
    uint32_t primary_id;
    uint32_t item_type;         /* infe item_type: 'hvc1', 'av01', 'grid', ... */
    uint32_t width, height;     /* the primary item's ispe (0 x 0 without one) */
    unsigned n_transforms;
    ph_bmff_transform transforms[PH_BMFF_MAX_TRANSFORMS];
    /* A grid primary item (item_type 'grid'), else all zero: */
    uint32_t grid_rows, grid_cols;
    uint32_t grid_width, grid_height; /* ImageGrid's output size */
    /* A grid's or an overlay's ('iovl') inputs, else all zero: */
    uint32_t tile_count;              /* dimg references */
    uint32_t tile_width, tile_height; /* the largest tile ispe */
    uint64_t tile_pixels;             /* sum of the referenced tiles' ispe pixels */
} ph_bmff_image;

/* Read the primary item of the HEIF/AVIF file data[0, len). PHASH_OK, or
 * PHASH_ERR_CORRUPT / PHASH_ERR_TRUNCATED / PHASH_ERR_TOO_LARGE (over a
 * limit above) / PHASH_ERR_UNSUPPORTED (a box version it does not know)
 * with a one-line reason in why[0, why_len). */
phash_status ph_bmff_read(const uint8_t *data, size_t len, ph_bmff_image *out, char *why,
                          size_t why_len);

/* The EXIF orientation (1..8) asking for the same display as the
 * primary item's irot/imir transformations as libheif 1.15 applies them
 * (clap crops and is left out). */
int ph_bmff_orientation(const ph_bmff_image *img);

/* Whether the primary item has a clap (crop) transformation. */
int ph_bmff_has_crop(const ph_bmff_image *img);

#endif
