/* SPDX-License-Identifier: MIT */
/* The decoder context shared by the format decoders (lib/decode_*.c). */
#ifndef PHASH_LIB_DECODE_H
#define PHASH_LIB_DECODE_H

#include "image.h"

/* Progressive JPEGs with more scans than this are refused: each scan costs a
 * pass over the whole coefficient buffer (a 100 MP grey image: about 20 ms of
 * CPU per scan here), so a small hostile file with hundreds of scans costs
 * seconds. Real encoders emit far fewer: 17,223 JPEGs on the build machine
 * have at most 14 scans (libjpeg's default progression: 6 grey, 10 colour);
 * cjpeg's own script parser stops at 100. */
#define PH_JPEG_MAX_SCANS 100
/* More libjpeg warnings than this (corrupt entropy data) means garbage. */
#define PH_JPEG_MAX_WARNINGS 1000
/* Ancillary chunks libpng may buffer (cache) and allocate (bytes). */
#define PH_PNG_CHUNK_CACHE_MAX 256
#define PH_PNG_CHUNK_MALLOC_MAX (8u * 1024u * 1024u)

struct phash_decoder {
    phash_limits limits;
    int cmyk_mode;        /* PHASH_CMYK_* */
    int sixteen_bit;      /* PHASH_SIXTEEN_BIT_* */
    int apply_orientation;
    int jpeg_scale;       /* numerator over 8 */
    int jpeg_min_side;    /* PHASH_DECODE_JPEG_MIN_SIDE, 0: off */
    struct ph_row_selection *rows; /* ph_decode_jpeg_rows only, else NULL */
    int allow_truncated;
    int max_work;         /* blocks (PHASH_DECODE_MAX_WORK), 0: no budget */
    double cpu_cap;       /* tests only: JPEG XL's CPU cap in seconds (0: from max_work) */
    ph_error err;
    int last_errno;
    ph_buf file;   /* file contents (phash_decode_file) */
    ph_buf pixels; /* the image returned */
    ph_buf work;   /* per-format scratch (16-bit rows, CMYK rows, row pointers) */
    ph_buf rotate; /* orientation target, swapped with pixels */
    ph_buf exif;   /* EXIF (TIFF) bytes found while decoding */
    size_t exif_len;
    uint8_t *cmyk_lut; /* 256x256 ImageMagick CMYK->RGB table, built on first use */
    phash_image img;
};

/* Check width x height (x channels bytes of output, plus extra_bytes of
 * decoder working memory) against the limits. what names the format for the
 * detail ("PNG"). PHASH_ERR_TOO_LARGE or _CORRUPT (zero size) or OK. */
phash_status ph_decoder_check_size(phash_decoder *dec, const char *what, uint64_t width,
                                   uint64_t height, uint64_t channels, uint64_t extra_bytes);
/* Bytes still available under max_memory once the output image of
 * width x height x channels is allocated (UINT64_MAX without a limit). */
uint64_t ph_decoder_memory_left(const phash_decoder *dec, uint64_t out_bytes);
/* Reserve the output buffer and fill dec->img for a width x height image of
 * 1 or 3 channels, tightly packed. NULL (with the error set) if out of memory. */
uint8_t *ph_decoder_begin_image(phash_decoder *dec, uint32_t width, uint32_t height,
                                uint32_t channels, phash_format format);
/* The work budget (PHASH_DECODE_MAX_WORK) of a width x height image whose
 * decoder does about the same work for every pixel (HEIF, AVIF, JPEG XL:
 * units_per_pixel units a pixel, from their measured CPU cost): checked
 * before decoding, PHASH_ERR_BUDGET over it. */
phash_status ph_decoder_check_work(phash_decoder *dec, const char *what, uint32_t width,
                                   uint32_t height, unsigned units_per_pixel);
/* Units a pixel, so that the default budget (100 million) is about 3 s of
 * CPU on the 2-core AMD EPYC of the measurements (docs/formats.md): HEIF
 * up to 50 MP (a 48 MP phone HEIC passes), AVIF and JPEG XL up to 100 MP. */
struct ph_bmff_image;
/* Read the boxes of a HEIF/AVIF file (isobmff.h), the error detail
 * prefixed by what ("HEIF"). */
phash_status ph_decoder_read_boxes(phash_decoder *dec, const char *what, const uint8_t *data,
                                   size_t len, struct ph_bmff_image *out);
/* The work budget of a grid: the pixels of every tile it references
 * (tile count x tile size), checked before decoding; OK when not a grid. */
phash_status ph_decoder_check_tiles(phash_decoder *dec, const char *what,
                                    const struct ph_bmff_image *bx, unsigned units_per_pixel);
/* JPEG XL's CPU cap, checked between the tasks libjxl runs (jxl.c): the
 * work budget at this many nanoseconds a unit (the default budget: 3 s of
 * the thread's CPU), never under PH_CPU_CAP_MIN seconds. */
#define PH_WORK_NS 30.0
#define PH_CPU_CAP_MIN 0.25
#define PH_WORK_HEIF 2u
#define PH_WORK_AVIF 1u
#define PH_WORK_JXL 1u
/* Release the decoder's buffers that grew past PH_KEEP_BUFFER_MAX (the
 * last image's pixels among them: call it only when nothing points into
 * them any more), so that one large file does not keep a long-running
 * caller at its peak memory. */
void ph_decoder_trim(phash_decoder *dec);
/* Keep a copy of EXIF (TIFF structure) bytes for orientation. Oversized or
 * failed copies are dropped silently: EXIF is optional. */
void ph_decoder_keep_exif(phash_decoder *dec, const uint8_t *data, size_t len);

/* Row selection: decode only some rows of a JPEG (the pHash fast path in
 * lib/hash/dct64.c reads 7 rows around each of 32 sample rows). Once the
 * header is read, select(user, width, height, ys, cap) fills ys with the
 * wanted rows, strictly ascending, at most cap, and returns their count.
 * The rows in between are passed over with libjpeg-turbo's
 * jpeg_skip_scanlines (entropy-decoded, no IDCT, upsampling or colour
 * conversion). The image returned has one row per selected row (row k is
 * row ys[k]); its height is the count, and *height the picture's. Limits,
 * the work budget, memory accounting and errors are the decoder's own; a
 * file that the skipping is not trusted for (CMYK/YCCK, any libjpeg warning,
 * data that ends early, a DCT scale or orientation option set) gives
 * PHASH_ERR_UNSUPPORTED, and the caller decodes it whole. */
typedef size_t (*ph_row_select_fn)(void *user, uint32_t width, uint32_t height, uint32_t *ys,
                                   size_t cap);
typedef struct ph_row_selection {
    ph_row_select_fn select;
    void *user;
    uint32_t *ys;
    size_t cap;
    uint32_t height; /* out: the picture's height */
} ph_row_selection;
phash_status ph_decode_jpeg_rows(phash_decoder *dec, const uint8_t *data, size_t len,
                                 ph_row_selection *rows, const phash_image **out);

/* phash_decode_memory() with the format given instead of sniffed (fuzz
 * targets aim at one decoder with it). */
phash_status ph_decode_as(phash_decoder *dec, phash_format format, const uint8_t *data,
                          size_t len, const phash_image **out);

/* Format decoders: fill dec->img on success. They accept any bytes (the
 * signature is not assumed). */
phash_status ph_decode_jpeg(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_png(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_webp(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_pnm(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_gif(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_tiff(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_heif(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_avif(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_jxl(phash_decoder *dec, const uint8_t *data, size_t len);
phash_status ph_decode_bmp(phash_decoder *dec, const uint8_t *data, size_t len);

/* ImageMagick's CMYK to RGB table (lib/decode/jpeg.c): 256x256 bytes,
 * indexed [k * 256 + x] by INVERTED (Adobe JPEG) samples; built on first
 * use and kept by the decoder. NULL if out of memory. */
const uint8_t *ph_cmyk_lut(phash_decoder *dec);

/* EXIF (lib/decode/exif.c). data is the TIFF structure ("II*\0" or "MM\0*"),
 * optionally preceded by "Exif\0\0". Returns the orientation 1..8, or 1 when
 * absent or malformed. */
int ph_exif_orientation(const uint8_t *data, size_t len);
/* ImageMagick's PNG text form of EXIF: a tEXt chunk "Raw profile type exif"
 * whose text is "\nexif\n <length>\n" then hex digits (with newlines).
 * text/len is the chunk data after the keyword's NUL. Keeps the decoded
 * bytes as the image's EXIF unless some came first; malformed text is
 * ignored. */
void ph_exif_keep_raw_profile(phash_decoder *dec, const uint8_t *text, size_t len);
/* Rotate/flip dec->img in place of its buffer according to its orientation
 * (using dec->rotate as the target). */
phash_status ph_apply_orientation(phash_decoder *dec);

#endif
