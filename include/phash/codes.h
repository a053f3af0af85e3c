/* SPDX-License-Identifier: MIT */
/*
 * Hash codes: the 256-bit PDQ code and 64-bit codes (pHash), their text
 * forms and Hamming distance.
 *
 * All functions here are pure: reentrant and thread-safe, no allocation.
 */
#ifndef PHASH_CODES_H
#define PHASH_CODES_H

#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A 256-bit PDQ hash. bytes[] is the big-endian 256-bit integer that the
 * canonical hex form spells: bytes[0] is the first two hex digits, i.e. the
 * high byte of the reference's word 15. This is also the 32-byte binary form. */
typedef struct phash_pdq_code {
    uint8_t bytes[32];
} phash_pdq_code;

#define PHASH_PDQ_HEX_LEN 64 /* characters, without the terminating NUL */
#define PHASH_U64_HEX_LEN 16

/* Parse a PDQ hash: exactly 64 hex digits, either case, no prefix or
 * whitespace. len is the number of characters available at text (text need
 * not be NUL-terminated). Returns PHASH_ERR_BAD_HASH on a wrong length or
 * character; *err_pos (if not NULL) then receives the offending offset
 * (len itself for a wrong length). */
PHASH_API PHASH_NODISCARD phash_status phash_pdq_from_hex(const char *text, size_t len,
                                          phash_pdq_code *out, size_t *err_pos);

/* Write the canonical form: 64 lowercase hex digits and a NUL into out[65]. */
PHASH_API void phash_pdq_to_hex(const phash_pdq_code *code, char out[65]);

/* The reference's word layout: words[i] is bits 16i..16i+15 of the hash
 * (word 15 is printed first). Converts both ways. */
PHASH_API void phash_pdq_to_words(const phash_pdq_code *code, uint16_t words[16]);
PHASH_API void phash_pdq_from_words(const uint16_t words[16], phash_pdq_code *out);

/* Bit k of the hash (k = 16 * word + bit within word), 0 or 1. k < 256. */
PHASH_API int phash_pdq_bit(const phash_pdq_code *code, unsigned k);

/* Hamming distance, 0..256. */
PHASH_API unsigned phash_pdq_distance(const phash_pdq_code *a, const phash_pdq_code *b);

/* 64-bit codes in every text form found in hash lists. */
typedef enum phash_u64_form {
    PHASH_U64_HEX = 0,      /* 16 lowercase hex digits, as printf("%016llx") */
    PHASH_U64_UNSIGNED = 1, /* unsigned decimal, 0..18446744073709551615 */
    PHASH_U64_SIGNED = 2    /* signed 64-bit decimal as databases store it
                               (values >= 2^63 are negative) */
} phash_u64_form;

/* Parse a 64-bit code. form selects the accepted syntax:
 * - PHASH_U64_HEX: 1 to 16 hex digits, either case, optional "0x" prefix;
 * - PHASH_U64_UNSIGNED: decimal digits, range-checked;
 * - PHASH_U64_SIGNED: optional '-' then decimal digits within int64 range,
 *   reinterpreted as the unsigned two's-complement value.
 * Returns PHASH_ERR_BAD_HASH with *err_pos (if not NULL) on error. */
PHASH_API PHASH_NODISCARD phash_status phash_u64_parse(const char *text, size_t len, phash_u64_form form,
                                       uint64_t *out, size_t *err_pos);

/* Format into out (at least 21 bytes); returns the length written (no NUL
 * counted). Hex is always 16 digits. */
PHASH_API size_t phash_u64_format(uint64_t code, phash_u64_form form, char out[21]);

/* Hamming distance of two 64-bit codes, 0..64. */
PHASH_API unsigned phash_u64_distance(uint64_t a, uint64_t b);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_CODES_H */
