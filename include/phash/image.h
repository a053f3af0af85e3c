/* SPDX-License-Identifier: MIT */
/*
 * Images: safe in-process decoding of JPEG, PNG, WebP, PNM, GIF, TIFF,
 * HEIF/HEIC, AVIF, JPEG XL and BMP, and wrapping of pixel buffers the caller
 * already holds (README.md, Decoding, has the policy of each format).
 *
 * A phash_decoder holds limits, options and reusable work buffers. Decoding
 * returns a phash_image owned by the decoder: it stays valid until the next
 * decode on that decoder or until phash_decoder_free(), and its pixel buffer
 * is reused by the next decode (no per-image allocation in the steady state).
 *
 * Pixel policy (what the hash references expect; docs/pdq.md section 2.1):
 * - output is 8-bit, 1 channel (grey sources stay grey) or 3 channels (RGB);
 * - alpha is dropped without compositing (the stored RGB is kept);
 * - palettes and tRNS are expanded;
 * - 16-bit samples keep the LOW byte by default (the CImg quirk both
 *   references inherit), or are scaled with PHASH_SIXTEEN_BIT_SCALE;
 * - CMYK/YCCK JPEG is converted to RGB as ImageMagick does by default, or
 *   gives the raw first three channels (PHASH_CMYK_RAW3, what pHash's CImg
 *   loader takes as RGB);
 * - EXIF orientation is parsed and reported, applied only on request (TIFF's
 *   orientation tag, JPEG XL's header and AVIF's irot/imir likewise; HEIF's
 *   irot/imir/clap are applied by libheif, as the PDQ reference reads HEIF,
 *   and reported with PHASH_IMAGE_ORIENTED, unless PHASH_ORIENTATION_STORED);
 * - libjpeg-turbo defaults: JDCT_ISLOW, fancy upsampling, no DCT scaling
 *   unless PHASH_DECODE_JPEG_SCALE asks for it.
 *
 * Thread safety: a decoder and the images it returns must be used by one
 * thread at a time; use one decoder per thread. Different decoders are
 * independent. (Format sniffing is in media.h.)
 */
#ifndef PHASH_IMAGE_H
#define PHASH_IMAGE_H

#include "phash/phash.h"
#include "phash/media.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct phash_image phash_image;
typedef struct phash_decoder phash_decoder;

/* Layout of caller-provided pixels. The value is the number of channels. */
typedef enum phash_pixel_format {
    PHASH_PIXEL_GRAY8 = 1,
    PHASH_PIXEL_GRAYA8 = 2, /* alpha ignored */
    PHASH_PIXEL_RGB8 = 3,
    PHASH_PIXEL_RGBA8 = 4   /* alpha ignored */
} phash_pixel_format;

/* Facts about an image (phash_image_flags()). */
/* The file ended early. By default only set when every row was decoded
 * from the file's own data (a lost end marker, a progressive JPEG cut after
 * its DC scans: docs/formats.md 1.2); with PHASH_DECODE_ALLOW_TRUNCATED
 * also when rows past the end are filler (zero). */
#define PHASH_IMAGE_TRUNCATED 0x01u
#define PHASH_IMAGE_HAD_ALPHA 0x02u  /* the source had an alpha channel (dropped) */
#define PHASH_IMAGE_CMYK 0x04u       /* the source was CMYK or YCCK */
#define PHASH_IMAGE_SIXTEEN_BIT 0x08u /* the source had 16-bit samples */
#define PHASH_IMAGE_PALETTE 0x10u    /* the source was palette-based */
#define PHASH_IMAGE_ANIMATED 0x20u   /* more than one frame; the first was decoded */
#define PHASH_IMAGE_ORIENTED 0x40u   /* the orientation reported has been applied */
#define PHASH_IMAGE_SCALED 0x80u     /* decoded at reduced JPEG DCT scale */
/* Bytes follow the end of the image (padding, another file's bytes, a
 * camera's extra pictures): JPEG after its end-of-image marker, PNG after
 * IEND, WebP past its RIFF size. The image itself is decoded as usual. */
#define PHASH_IMAGE_TRAILING_DATA 0x100u

/* ---- decoder ---------------------------------------------------------- */

/* Limits for untrusted input, checked from the header before any large
 * allocation. 0 in a field means "no limit" for that field.
 *
 * An extensible struct: `size` is sizeof(phash_limits) as the caller
 * compiled it (phash_limits_default() sets it), or 0 for the fields of
 * version 0.1 (max_width to max_memory). A library newer than the caller
 * keeps its defaults for the fields the caller lacks; an older library
 * refuses (PHASH_ERR_VERSION) a caller's field it does not know unless it
 * is zero. Fields are only ever added at the end. */
typedef struct phash_limits {
    size_t size;         /* see above */
    uint32_t max_width;  /* pixels */
    uint32_t max_height; /* pixels */
    uint64_t max_pixels; /* width * height */
    uint64_t max_memory; /* bytes the decoder may allocate for one image,
                            including the codec's own working memory */
} phash_limits;

/* Defaults, sized for photos on an endpoint that must stay light. */
#define PHASH_DEFAULT_MAX_WIDTH 32768u
#define PHASH_DEFAULT_MAX_HEIGHT 32768u
/* 200 MP: phones' high-resolution modes (108 MP 12000x9000, 200 MP
 * 16320x12240) save baseline JPEGs that cost about 1 s of CPU and 650 MB
 * at 200 MP (docs/formats.md); the work budget bounds what the pixels do
 * not (progressive JPEGs, 16-bit PNGs). */
#define PHASH_DEFAULT_MAX_PIXELS (200u * 1000u * 1000u)
#define PHASH_DEFAULT_MAX_MEMORY ((uint64_t)1024u * 1024u * 1024u) /* 1 GiB */

/* Fill *limits with the defaults above, size included. (The inline wrapper
 * passes the caller's sizeof, so a newer library never writes past an older
 * caller's struct.) */
PHASH_API void phash_limits_default_sized(phash_limits *limits, size_t size);
static inline void phash_limits_default(phash_limits *limits)
{
    phash_limits_default_sized(limits, sizeof *limits);
}

/* Values of PHASH_DECODE_APPLY_ORIENTATION. */
#define PHASH_ORIENTATION_REPORT 0
#define PHASH_ORIENTATION_APPLY 1
#define PHASH_ORIENTATION_STORED 2

typedef enum phash_decode_option {
    /* PHASH_CMYK_TO_RGB (default) or PHASH_CMYK_RAW3. */
    PHASH_DECODE_CMYK_MODE = 1,
    /* PHASH_SIXTEEN_BIT_LOW_BYTE (default) or PHASH_SIXTEEN_BIT_SCALE. */
    PHASH_DECODE_SIXTEEN_BIT = 2,
    /* PHASH_ORIENTATION_REPORT (0, default): report the EXIF orientation
     * only; PHASH_ORIENTATION_APPLY (1): rotate/flip the pixels;
     * PHASH_ORIENTATION_STORED (2): the stored pixels of every format, HEIF
     * included. HEIF's transformations (irot, imir, clap) are applied by
     * libheif under 0 and 1, as the PDQ reference (ImageMagick) decodes
     * HEIF, and reported as the EXIF orientation asking for the same
     * display with PHASH_IMAGE_ORIENTED set; under 2 they are not applied
     * (nor is the crop) and the orientation is reported as for a JPEG. */
    PHASH_DECODE_APPLY_ORIENTATION = 3,
    /* JPEG DCT-domain scaling numerator over 8: 8 (default, full size), 4,
     * 2 or 1. Changes pixels, hence hashes: for fast modes only. */
    PHASH_DECODE_JPEG_SCALE = 4,
    /* 0 (default): data that ends before every row is decoded is
     * PHASH_ERR_TRUNCATED. 1: return what was decoded (missing rows zero)
     * with PHASH_IMAGE_TRUNCATED set. */
    PHASH_DECODE_ALLOW_TRUNCATED = 5,
    /* The work budget of one image, in units of decoding work. JPEG: 8x8
     * blocks decoded, each block of a component counted once per scan that
     * codes it (a 100 MP colour 4:4:4 baseline JPEG is 4.7 million, the
     * same picture in 100 scans 159 million); over it: PHASH_ERR_BUDGET,
     * before the first scan is decoded when the markers show it. PNG: 8
     * bytes of samples to inflate (a 100 MP 16-bit RGBA PNG is 100
     * million), checked from the header. HEIF, AVIF, JPEG XL: their
     * pixels, 2, 1 and 1 units each (a 48 MP HEIC is 96 million), checked
     * from the header. 0: no budget. Default
     * PHASH_DEFAULT_MAX_WORK (docs/formats.md has the measurements). */
    PHASH_DECODE_MAX_WORK = 6,
    /* 0 (default): off. N (1..65535): decode a JPEG at the smallest DCT
     * scale (1/2, 1/4, 1/8) that keeps both sides >= N, chosen from the
     * frame header during the one decode; when nonzero it replaces
     * PHASH_DECODE_JPEG_SCALE. A scaled image has PHASH_IMAGE_SCALED. For
     * fast modes (phash_pdq_hasher_set_fast). */
    PHASH_DECODE_JPEG_MIN_SIDE = 7
} phash_decode_option;

/* About 1.2 s of CPU for the scans at 12 ns per block (docs/formats.md). */
#define PHASH_DEFAULT_MAX_WORK 100000000

#define PHASH_CMYK_TO_RGB 0
#define PHASH_CMYK_RAW3 1
#define PHASH_SIXTEEN_BIT_LOW_BYTE 0
#define PHASH_SIXTEEN_BIT_SCALE 1

/* Create a decoder with default limits and options in *out (NULL on
 * failure): PHASH_ERR_NOMEM, PHASH_ERR_INVALID_ARG for a NULL out. Free with
 * phash_decoder_free(). */
PHASH_API PHASH_NODISCARD phash_status phash_decoder_new(phash_decoder **out);
/* Release the decoder, its buffers and any image it returned. NULL is a no-op. */
PHASH_API void phash_decoder_free(phash_decoder *dec);

/* Replace the limits (copied). PHASH_ERR_INVALID_ARG on NULL,
 * PHASH_ERR_VERSION for a size the library cannot take (see phash_limits). */
PHASH_API PHASH_NODISCARD phash_status phash_decoder_set_limits(phash_decoder *dec, const phash_limits *limits);
/* The decoder's limits into *limits, size included (inline wrapper as for
 * phash_limits_default). */
PHASH_API void phash_decoder_get_limits_sized(const phash_decoder *dec, phash_limits *limits,
                                              size_t size);
static inline void phash_decoder_get_limits(const phash_decoder *dec, phash_limits *limits)
{
    phash_decoder_get_limits_sized(dec, limits, sizeof *limits);
}
/* Set an option; PHASH_ERR_INVALID_ARG for an unknown option or value. */
PHASH_API PHASH_NODISCARD phash_status phash_decoder_set_option(phash_decoder *dec, phash_decode_option option,
                                                int value);
/* The option's value, or -1 for an unknown option. */
PHASH_API int phash_decoder_get_option(const phash_decoder *dec, phash_decode_option option);

/* Decode a file (format sniffed from its bytes, never from its name) or a
 * memory buffer. On success *out points to an image owned by the decoder
 * (see top of file). On error *out is NULL and phash_decoder_last_error()
 * gives the detail. Statuses: PHASH_ERR_IO (errno kept), _NOT_REGULAR (a
 * folder, FIFO, socket or device: never opened, errno EISDIR or ENODEV),
 * _NOT_IMAGE, _UNSUPPORTED, _CORRUPT, _TRUNCATED, _TOO_LARGE, _BUDGET, _NOMEM,
 * _INVALID_ARG. */
PHASH_API PHASH_NODISCARD phash_status phash_decode_file(phash_decoder *dec, const char *path,
                                                         const phash_image **out);
PHASH_API PHASH_NODISCARD phash_status phash_decode_memory(phash_decoder *dec, const void *data,
                                                           size_t len, const phash_image **out);

/* The detail of the decoder's last error ("JPEG: premature end of data
 * segment at byte 81231"), or phash_strerror() of it when there is none.
 * Valid until the next call on the decoder; never NULL. */
PHASH_API const char *phash_decoder_last_error(const phash_decoder *dec);
/* errno of the last PHASH_ERR_IO, 0 otherwise. */
PHASH_API int phash_decoder_last_errno(const phash_decoder *dec);

/* ---- caller pixels ---------------------------------------------------- */

/* Wrap pixels the caller holds, without copying: the caller keeps them
 * alive and unchanged until phash_image_free(). stride is the distance in
 * bytes between rows (>= width * channels; rows go down, so a negative
 * stride converted to size_t is refused). PHASH_ERR_INVALID_ARG for a NULL
 * buffer, a zero side, a format outside 1..4 channels, a stride below
 * width * channels, or stride * (height - 1) + width * channels beyond the
 * address space. Free with phash_image_free(). */
PHASH_API PHASH_NODISCARD phash_status phash_image_wrap(const void *pixels, uint32_t width,
                                                        uint32_t height, size_t stride,
                                                        phash_pixel_format format,
                                                        phash_image **out);
/* Free an image from phash_image_wrap(). NULL is a no-op. Images returned by
 * a decoder belong to it: passing one here is ignored. */
PHASH_API void phash_image_free(phash_image *img);

/* ---- image facts ------------------------------------------------------ */
PHASH_API uint32_t phash_image_width(const phash_image *img);
PHASH_API uint32_t phash_image_height(const phash_image *img);
/* 1 (grey) or 3 (RGB) for decoded images; 1-4 for wrapped ones. */
PHASH_API uint32_t phash_image_channels(const phash_image *img);
PHASH_API size_t phash_image_stride(const phash_image *img);
/* Row r starts at pixels + r * stride. */
PHASH_API const uint8_t *phash_image_pixels(const phash_image *img);
PHASH_API phash_format phash_image_format(const phash_image *img);
/* EXIF orientation 1..8 of the source (1 when absent). */
PHASH_API int phash_image_orientation(const phash_image *img);
/* PHASH_IMAGE_* bits. */
PHASH_API unsigned phash_image_flags(const phash_image *img);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_IMAGE_H */
