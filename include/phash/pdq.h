/* SPDX-License-Identifier: MIT */
/*
 * PDQ: Meta's 256-bit perceptual hash (facebook/ThreatExchange pdq/),
 * bit-exact with the reference core: hash, quality (0..100) and the 8
 * dihedral hashes (rotations and flips) derived from the one DCT.
 *
 * Pre-processing conventions (docs/pdq.md section 2.2), chosen per hasher:
 * - PHASH_PDQ_FULL (default): the image is hashed at full resolution. This
 *   is what HMA, python-threatexchange (Pillow + the pdqhash binding) and
 *   the Java reference do; most published PDQ lists use it.
 * - PHASH_PDQ_CLI512: the C++ command-line tool's convention (also the WASM
 *   build): an image wider or taller than 512 is first squashed to exactly
 *   512x512 by nearest neighbour, aspect ratio not kept.
 * The two usually differ by 2-12 bits (more on fine textures).
 *
 * Pixels: 1-2 channels are grey (luma = channel 0), 3-4 channels are RGB
 * (luma = 0.299f R + 0.587f G + 0.114f B in float; alpha is ignored). An RGB
 * image whose every pixel has R = G = B is hashed as grey, as the references'
 * decoders do (ImageMagick hands such images over as 1 channel; the pdqhash
 * binding's double luma gives the same values). Images smaller than 5 pixels
 * on a side give the all-zero hash with quality 0 (PHASH_OK, as the
 * reference does).
 *
 * Fast mode (opt-in, never the default; phash_pdq_hasher_set_fast): large
 * JPEG files are decoded at a reduced DCT scale before hashing; the hash is
 * then close to, not equal to, the exact one (figures at the function).
 *
 * Thread safety: a phash_pdq_hasher must be used by one thread at a time;
 * use one hasher per thread (they are small: a few hundred KB of reusable
 * buffers for large images). The free functions below (match rule, dihedral
 * names) are reentrant.
 */
#ifndef PHASH_PDQ_H
#define PHASH_PDQ_H

#include "phash/codes.h"
#include "phash/image.h"
#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- conventions and results ------------------------------------------ */

typedef enum phash_pdq_mode {
    PHASH_PDQ_FULL = 0,  /* full resolution (HMA, pytx, Java, pdqhash) */
    PHASH_PDQ_CLI512 = 1 /* the C++ CLI's nearest-neighbour squash to 512x512 */
} phash_pdq_mode;

/* Parse "full" or "cli512"; PHASH_ERR_INVALID_ARG otherwise. */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_mode_parse(const char *text, phash_pdq_mode *out);
/* "full" or "cli512" ("unknown" for other values); static storage. */
PHASH_API const char *phash_pdq_mode_name(phash_pdq_mode mode);

/* The 8 dihedral variants, in the reference's order and naming
 * (pdq-photo-hasher --pdqdih-across). rot90 is counter-clockwise; flipx
 * swaps top and bottom, flipy left and right; flipp transposes along the
 * main diagonal, flipm along the anti-diagonal. Each variant is the hash the
 * transformed image would (approximately) get: match a query's 8 variants
 * against a list to catch rotated and mirrored copies. */
typedef enum phash_pdq_dihedral {
    PHASH_PDQ_ORIG = 0,
    PHASH_PDQ_ROT90 = 1,
    PHASH_PDQ_ROT180 = 2,
    PHASH_PDQ_ROT270 = 3,
    PHASH_PDQ_FLIPX = 4,
    PHASH_PDQ_FLIPY = 5,
    PHASH_PDQ_FLIPP = 6,
    PHASH_PDQ_FLIPM = 7
} phash_pdq_dihedral;
#define PHASH_PDQ_NUM_DIHEDRAL 8

/* "orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm"
 * (the CSV column names); "unknown" out of range. Static storage. */
PHASH_API const char *phash_pdq_dihedral_name(phash_pdq_dihedral which);

/* Flags for the hash functions. */
#define PHASH_PDQ_WANT_DIHEDRAL 0x01u /* also fill result.dihedral[] */
/* Fill result.dihedral[] with aligned variants (implies WANT_DIHEDRAL).
 * The reference derives the 7 other variants from the one DCT by sign
 * changes, as if the 64x64 grid of the turned image sampled the same points;
 * it does not: an even box window shifts the filter by one pixel, and the
 * grid's positions are not symmetric, so a flipped copy's variant lands
 * 20-40 bits from its original's hash on many photos. The aligned variants
 * are computed from the same blur sampled also at the mirror images of the
 * reference's positions (a flipped copy's grid lies exactly there): a
 * flipped or turned copy's variant is then as close to the original's hash
 * as an unturned copy's hash is. Measured (bench/accuracy, 300 make_corpus
 * photos): PDQ <= 31 recall of flip/rot90/rot180/transverse copies
 * 81/82/58/58% -> 100% each (mean distance 21-28 -> 1.9 bits). Cost: up to 3
 * more DCTs and more samples of the same blur, no second blur (x1.02 CPU of
 * a scan at 512 px, bench/accuracy/README.md). dihedral[0] == hash, which stays the
 * reference's bit for bit; the other variants differ from the reference's. */
#define PHASH_PDQ_WANT_DIHEDRAL_ALIGNED 0x02u

typedef struct phash_pdq_result {
    phash_pdq_code hash; /* the hash of the image as given */
    int quality;         /* 0..100; the reference discards <= 49 */
    /* With PHASH_PDQ_WANT_DIHEDRAL: the 8 variants in phash_pdq_dihedral
     * order (dihedral[0] == hash); otherwise all zero. */
    phash_pdq_code dihedral[PHASH_PDQ_NUM_DIHEDRAL];
    uint32_t width, height; /* of the image that was hashed */
} phash_pdq_result;

/* ---- the hasher -------------------------------------------------------- */

typedef struct phash_pdq_hasher phash_pdq_hasher;

/* A hasher in mode PHASH_PDQ_FULL, in *out (NULL on failure: PHASH_ERR_NOMEM,
 * PHASH_ERR_INVALID_ARG for a NULL out). Its work buffers grow to the
 * largest image seen and are reused (no allocation per image in the steady
 * state). Free with phash_pdq_hasher_free (NULL is a no-op). */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_hasher_new(phash_pdq_hasher **out);
PHASH_API void phash_pdq_hasher_free(phash_pdq_hasher *h);

/* Select the pre-processing convention (see top). PHASH_ERR_INVALID_ARG for
 * an unknown mode or NULL. */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_hasher_set_mode(phash_pdq_hasher *h, phash_pdq_mode mode);
PHASH_API phash_pdq_mode phash_pdq_hasher_get_mode(const phash_pdq_hasher *h);

/* Fast mode for phash_pdq_hash_file/_memory (no effect on phash_pdq_hash_
 * image/_pixels): a JPEG whose sides are both at least 2*min_side is decoded
 * at the smallest libjpeg DCT scale (1/2, 1/4, 1/8) that keeps both sides
 * >= min_side (suggested: 512); other files are decoded as usual. The hash
 * then differs from the exact one (other pixels, same algorithm) but stays a
 * valid PDQ hash for matching. min_side 0 turns fast mode off (the default).
 * Measured (bench/pdq --fast-accuracy, min_side 512, full mode) on a
 * make_corpus corpus of 400 JPEGs (80 photos and wallpapers at source size,
 * 4 variants each; 216 were large enough to be scaled): distance to the
 * exact hash mean 3.1, median 2, p99 10, max 10 bits (none over 31, no
 * quality fell below 50); CPU time per scaled image 22.7 -> 12.8 ms (x1.78).
 * On 8 wallpapers of 12-20 Mpixel: mean 4.3, max 6 bits; end to end x1.77
 * images per CPU second on the 5 baseline JPEGs, x1.08 on the 3 progressive
 * ones (they still entropy-decode every coefficient). PHASH_ERR_INVALID_ARG
 * for NULL. */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_hasher_set_fast(phash_pdq_hasher *h, uint32_t min_side);

/* Hash a decoded or wrapped image (1-4 channels, see top). flags:
 * PHASH_PDQ_WANT_DIHEDRAL, PHASH_PDQ_WANT_DIHEDRAL_ALIGNED or 0. On success *out is filled. Errors:
 * PHASH_ERR_INVALID_ARG (NULL, bad flags), PHASH_ERR_TOO_LARGE (a side over
 * 2^30 pixels), PHASH_ERR_NOMEM (work buffers, about 4 * (height/128 + 50)
 * * width + 256 * height bytes, 512 * height with the aligned variants; *out untouched, the hasher stays usable). */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_hash_image(phash_pdq_hasher *h,
                                                            const phash_image *img,
                                                            unsigned flags,
                                                            phash_pdq_result *out);

/* The same for pixels the caller holds (row r at pixels + r * stride). */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_hash_pixels(phash_pdq_hasher *h,
                                                             const void *pixels, uint32_t width,
                                                             uint32_t height, size_t stride,
                                                             phash_pixel_format format,
                                                             unsigned flags,
                                                             phash_pdq_result *out);

/* Decode a file / memory buffer with dec (NULL: an internal decoder the
 * hasher creates on first use, with default limits) and hash it. Decoder
 * errors are returned as is (PHASH_ERR_IO, _NOT_IMAGE, _UNSUPPORTED,
 * _CORRUPT, _TRUNCATED, _TOO_LARGE, ...); the detail is copied into the
 * hasher's last error. dec's options (other than the JPEG scale, which fast
 * mode sets per file and restores) are used as set by the caller. */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_hash_file(phash_pdq_hasher *h,
                                                           phash_decoder *dec, const char *path,
                                                           unsigned flags, phash_pdq_result *out);
PHASH_API PHASH_NODISCARD phash_status phash_pdq_hash_memory(phash_pdq_hasher *h,
                                                             phash_decoder *dec,
                                                             const void *data, size_t len,
                                                             unsigned flags,
                                                             phash_pdq_result *out);

/* Detail of the hasher's last error; valid until the next call on h; never
 * NULL. */
PHASH_API const char *phash_pdq_hasher_last_error(const phash_pdq_hasher *h);

/* ---- matching ---------------------------------------------------------- */

/* The match rule: distance <= max_distance and quality >= min_quality. */
typedef struct phash_pdq_match_rule {
    size_t size;           /* 0 or sizeof(phash_pdq_match_rule): an extensible
                              struct, see phash_limits in image.h */
    unsigned max_distance; /* default 31 (pdq/README.md, pytx) */
    int min_quality;       /* default 50 (pytx/HMA reject < 50) */
} phash_pdq_match_rule;

#define PHASH_PDQ_DEFAULT_MAX_DISTANCE 31u
#define PHASH_PDQ_DEFAULT_MIN_QUALITY 50

/* Fill *rule with the defaults above, size included (the inline wrapper
 * passes the caller's sizeof). */
PHASH_API void phash_pdq_match_rule_default_sized(phash_pdq_match_rule *rule, size_t size);
static inline void phash_pdq_match_rule_default(phash_pdq_match_rule *rule)
{
    phash_pdq_match_rule_default_sized(rule, sizeof *rule);
}

/* 1 if a hash of this quality should be used at all under rule (NULL: the
 * defaults), else 0 (also for a rule whose size this library cannot take). */
PHASH_API int phash_pdq_quality_ok(const phash_pdq_match_rule *rule, int quality);

/* 1 if query (of quality query_quality) matches target under rule (NULL:
 * defaults), else 0. *distance (if not NULL) receives the Hamming distance
 * in every case. */
PHASH_API int phash_pdq_match(const phash_pdq_match_rule *rule, const phash_pdq_code *query,
                              int query_quality, const phash_pdq_code *target,
                              unsigned *distance);

/* The smallest distance from any of a query's 8 dihedral hashes to target;
 * *which (if not NULL) receives the variant that achieved it (the first on a
 * tie). Use with result.dihedral[] to catch rotated and mirrored copies. */
PHASH_API unsigned phash_pdq_dihedral_distance(const phash_pdq_code query[PHASH_PDQ_NUM_DIHEDRAL],
                                               const phash_pdq_code *target,
                                               phash_pdq_dihedral *which);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_PDQ_H */
