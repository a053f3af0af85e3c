/* SPDX-License-Identifier: MIT */
/*
 * DCT hashes:
 *
 * 1. pHash: the 64-bit DCT hash of aetilius/pHash (ph_dct_imagehash),
 *    re-implemented from a written spec and bit-exact with both published
 *    bit layouts (docs/phash.md section 1).
 * 2. dctN: phash's own N-bit DCT hash family ("dct64", "dct256", "dct1024"
 *    for s = 8, 16, 32): the s x s lowest frequencies of a 4s x 4s DCT-II of
 *    the image luma, thresholded at their median. It is NOT compatible with
 *    any other tool's "pHash"; its definition is versioned
 *    (PHASH_DCTN_VERSION) so stored hashes stay valid.
 *
 * Thread safety: a hasher must be used by one thread at a time (use one per
 * thread); different hashers are independent. The dctN FFTW plans are shared
 * by all hashers and created under a lock. Functions without a handle are
 * reentrant.
 */
#ifndef PHASH_DCT_H
#define PHASH_DCT_H

#include "phash/phash.h"
#include "phash/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== pHash 64-bit (aetilius ph_dct_imagehash) ========================== */

/* Bit layouts of the 64-bit value. Both carry the same coefficient bits
 * b[0..63] (b[i] = coefficient (row 1 + i/8, column 1 + i%8) > median):
 * - PHASH_DCT_LAYOUT_1_0: GitHub master / 1.0 (2014 onwards), the default:
 *   bit (64 - i) = b[i] for i = 1..63; bit 0 is always 0 and b[0] is lost.
 * - PHASH_DCT_LAYOUT_0_9: releases 0.9.x (as distro packages shipped):
 *   bit i = b[i].
 * A signature set must declare its layout: compared raw, the two layouts of
 * the same image differ in ~30 of 64 bits. */
typedef enum phash_dct_layout {
    PHASH_DCT_LAYOUT_1_0 = 0,
    PHASH_DCT_LAYOUT_0_9 = 1
} phash_dct_layout;

/* Parse "1.0" / "0.9" (also "master", "1", "0.9.7", ...: any "0.9.x" is 0.9).
 * PHASH_ERR_INVALID_ARG for anything else. */
PHASH_API PHASH_NODISCARD phash_status phash_dct_layout_parse(const char *text, phash_dct_layout *out);
/* "1.0" or "0.9"; static storage, never NULL ("?" for an unknown value). */
PHASH_API const char *phash_dct_layout_name(phash_dct_layout layout);

/* Convert a hash between layouts.
 * - 0.9 -> 1.0 is exact.
 * - 1.0 -> 0.9 must restore b[0], which the 1.0 layout does not store. It is
 *   reconstructed from the bit count: the median threshold sets exactly 32
 *   of the 64 bits whenever the 64 coefficients are distinct (every
 *   non-degenerate image), so b[0] = 1 when the other 63 bits hold 31 ones
 *   and 0 otherwise. The result is exact for such hashes; for degenerate ones
 *   (quality 0, see below) b[0] may be wrong.
 * Same layout in and out returns the value unchanged. */
PHASH_API uint64_t phash_dct_convert(uint64_t hash, phash_dct_layout from, phash_dct_layout to);

/* Reliability flags of a result (phash_dct_result.flags). */
#define PHASH_DCT_SMALL 0x01u /* a side is under 32 px: nearest-neighbour
                                 upscaling repeats samples, ties decide bits */
#define PHASH_DCT_FLAT 0x02u  /* no AC energy (flat or near-flat image): the
                                 bits are floating-point noise */
#define PHASH_DCT_TIES 0x04u  /* a coefficient lies within rounding distance
                                 of the median (e.g. symmetric synthetic
                                 images): implementations disagree on it */

/* Quality at or above which a hash is considered informative enough to
 * match against a signature set (like PDQ's quality 50). */
#define PHASH_DCT_MIN_QUALITY 50

typedef struct phash_dct_result {
    uint64_t hash;           /* in `layout` */
    phash_dct_layout layout; /* the hasher's layout when it was computed */
    /* 0..100. 0 when SMALL or FLAT is set or more than 2 coefficients tie
     * with the median (TIES alone on 1-2 coefficients keeps the score: one
     * bit may differ from other implementations); otherwise a measure of
     * the image's detail (mean absolute difference of neighbouring samples
     * of the 32x32 blurred grid, scaled so 100 is an ordinary photo).
     * Callers should not match hashes with quality < PHASH_DCT_MIN_QUALITY. */
    int quality;
    unsigned flags; /* PHASH_DCT_* */
} phash_dct_result;

typedef struct phash_dct_hasher phash_dct_hasher;

/* Create a hasher (layout 1.0) in *out (NULL on failure: PHASH_ERR_NOMEM,
 * PHASH_ERR_INVALID_ARG for a NULL out). It keeps its own decoder for the
 * file/memory functions, created on first use with PHASH_DECODE_CMYK_MODE =
 * PHASH_CMYK_RAW3 (what pHash's loader does) and the default limits. Free
 * with phash_dct_hasher_free (NULL is a no-op). */
PHASH_API PHASH_NODISCARD phash_status phash_dct_hasher_new(phash_dct_hasher **out);
PHASH_API void phash_dct_hasher_free(phash_dct_hasher *h);

/* Choose the layout of the hashes this hasher returns.
 * PHASH_ERR_INVALID_ARG on NULL or an unknown layout. */
PHASH_API PHASH_NODISCARD phash_status phash_dct_hasher_set_layout(phash_dct_hasher *h, phash_dct_layout layout);

/* Hash an image (1-2 channels: grey channel 0; 3-4 channels: RGB, alpha
 * ignored). Any size >= 1x1 is accepted; small or flat images return a hash
 * with quality 0 and the matching flags. Errors: PHASH_ERR_INVALID_ARG. */
PHASH_API PHASH_NODISCARD phash_status phash_dct_hash_image(phash_dct_hasher *h,
                                                            const phash_image *img,
                                                            phash_dct_result *out);
/* The hasher's decoder (created on first call), to change its limits or
 * options; owned by the hasher. NULL if out of memory. */
PHASH_API phash_decoder *phash_dct_hasher_decoder(phash_dct_hasher *h);

/* Decode a file or memory buffer with the hasher's decoder and hash it.
 * Decoder errors are returned as is (detail in phash_dct_hasher_last_error).
 * The decoded pixels follow pHash's loader: no EXIF rotation, 16-bit PNG
 * samples keep their low byte, CMYK JPEG gives its raw first 3 channels. */
PHASH_API PHASH_NODISCARD phash_status phash_dct_hash_file(phash_dct_hasher *h, const char *path,
                                                           phash_dct_result *out);
PHASH_API PHASH_NODISCARD phash_status phash_dct_hash_memory(phash_dct_hasher *h,
                                                             const void *data, size_t len,
                                                             phash_dct_result *out);

/* The detail of the hasher's last error; never NULL. Valid until the next
 * call on the hasher. */
PHASH_API const char *phash_dct_hasher_last_error(const phash_dct_hasher *h);

/* ==== dctN: phash's own N-bit DCT hash family ============================ */

/* Version of the dctN definition. Bits computed with one version are stable:
 * any change to the definition below gets a new version number.
 *
 * dctN version 1, hash size s (8, 16 or 32), N = 4s:
 *   luma   Y = (77 R + 150 G + 29 B + 128) >> 8 (BT.601 full range, integer;
 *          grey (v,v,v) gives v); 1-2 channels: channel 0.
 *   reduce to N x N by box (area) averaging on integer cell bounds: output
 *          row i covers source rows [floor(i H / N), floor((i+1) H / N)),
 *          at least one row (so images smaller than N repeat rows); the same
 *          for columns. The cell value is the exact integer sum over the
 *          cell divided by its pixel count (double).
 *   DCT    2-D DCT-II, FFTW REDFT10 scaling (X_k = 2 sum x_n cos(pi k (2n+1) / 2N)
 *          along each axis), in double, no FMA contraction.
 *   block  F[v][u] for v, u in 0..s-1 (DC included), row-major.
 *   bits   b[i] = F[i] > median (mean of the two middle values, strict >).
 *   pack   byte i/8, bit 7 - i%8 (MSB first), so the hex form reads the
 *          block row by row.
 * The two DCT backends compute the same formula; they can differ only on a
 * coefficient within rounding distance of the median (flag PHASH_DCT_TIES). */
#define PHASH_DCTN_VERSION 1
#define PHASH_DCTN_MAX_BYTES 128 /* s = 32: 1024 bits */

typedef enum phash_dctn_backend {
    PHASH_DCTN_AUTO = 0,   /* the faster backend for the size (measured) */
    PHASH_DCTN_MATRIX = 1, /* partial matrix product: only the s x s outputs */
    PHASH_DCTN_FFTW = 2    /* FFTW 2-D REDFT10 plan, shared per size */
} phash_dctn_backend;

typedef struct phash_dctn_result {
    uint8_t bytes[PHASH_DCTN_MAX_BYTES]; /* nbits / 8 bytes used, rest zero */
    unsigned nbits;                      /* s * s */
    int quality;                         /* 0..100, same rules as phash_dct_result */
    unsigned flags;                      /* PHASH_DCT_* */
} phash_dctn_result;

typedef struct phash_dctn_hasher phash_dctn_hasher;

/* Create a hasher for hash size s = 8, 16 or 32 (64, 256 or 1024 bits) in
 * *out (NULL on failure): PHASH_ERR_INVALID_ARG for another size or a NULL
 * out, PHASH_ERR_NOMEM. Its decoder (file/memory functions) uses the
 * defaults. Free with phash_dctn_hasher_free. */
PHASH_API PHASH_NODISCARD phash_status phash_dctn_hasher_new(unsigned s, phash_dctn_hasher **out);
PHASH_API void phash_dctn_hasher_free(phash_dctn_hasher *h);
/* Select the DCT backend. PHASH_ERR_INVALID_ARG for an unknown value;
 * the FFTW plan is created on the next hash (PHASH_ERR_NOMEM if FFTW fails). */
PHASH_API PHASH_NODISCARD phash_status phash_dctn_hasher_set_backend(phash_dctn_hasher *h,
                                                     phash_dctn_backend backend);
/* The backend PHASH_DCTN_AUTO picks for size s (MATRIX or FFTW). */
PHASH_API phash_dctn_backend phash_dctn_default_backend(unsigned s);
/* The hasher's decoder, created on first call; owned by the hasher. */
PHASH_API phash_decoder *phash_dctn_hasher_decoder(phash_dctn_hasher *h);

/* Hash an image / a file / a memory buffer (see phash_dct_hash_image). */
PHASH_API PHASH_NODISCARD phash_status phash_dctn_hash_image(phash_dctn_hasher *h,
                                                             const phash_image *img,
                                                             phash_dctn_result *out);
PHASH_API PHASH_NODISCARD phash_status phash_dctn_hash_file(phash_dctn_hasher *h,
                                                            const char *path,
                                                            phash_dctn_result *out);
PHASH_API PHASH_NODISCARD phash_status phash_dctn_hash_memory(phash_dctn_hasher *h,
                                                              const void *data, size_t len,
                                                              phash_dctn_result *out);
/* The s x s block of the last successful hash (row-major, s * s doubles),
 * for diagnostics and tests; NULL before the first hash. Owned by the hasher,
 * valid until its next call. */
PHASH_API const double *phash_dctn_hasher_coefficients(const phash_dctn_hasher *h);
PHASH_API const char *phash_dctn_hasher_last_error(const phash_dctn_hasher *h);

/* Hex form: nbits / 4 lowercase digits and a NUL; out must hold
 * nbits / 4 + 1 bytes (at most 257). Returns the number of digits. */
PHASH_API size_t phash_dctn_to_hex(const phash_dctn_result *r, char *out);
/* Hamming distance of two results of the same size; -1 if sizes differ. */
PHASH_API int phash_dctn_distance(const phash_dctn_result *a, const phash_dctn_result *b);

/* FFTW wisdom (optional): import a wisdom file before the first FFTW plan so
 * planning reuses it (PHASH_ERR_IO / PHASH_ERR_BAD_FILE on failure;
 * PHASH_ERR_NOT_REGULAR for a folder, FIFO or device, which is never
 * opened), or export the current wisdom, written atomically (a temporary
 * file renamed over path; PHASH_ERR_NOT_REGULAR if path is a link or not a
 * regular file). Thread-safe (under the planner lock). Note: a
 * plan from wisdom may order the floating-point work differently from the
 * default FFTW_ESTIMATE plan; bits can then differ only on PHASH_DCT_TIES. */
PHASH_API PHASH_NODISCARD phash_status phash_dctn_fftw_import_wisdom(const char *path);
PHASH_API PHASH_NODISCARD phash_status phash_dctn_fftw_export_wisdom(const char *path);
/* Destroy the shared FFTW plans and FFTW's internal state (e.g. before exit
 * under a leak checker). No hasher may be in use during the call. */
PHASH_API void phash_dctn_fftw_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_DCT_H */
