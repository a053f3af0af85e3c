/* SPDX-License-Identifier: MIT */
/* Text and binary forms of hash codes, and Hamming distance. */
#include <string.h>

#include "cpu.h"
#include "internal.h"

static phash_status bad_at(size_t *err_pos, size_t pos)
{
    if (err_pos)
        *err_pos = pos;
    return PHASH_ERR_BAD_HASH;
}

phash_status phash_pdq_from_hex(const char *text, size_t len, phash_pdq_code *out,
                                size_t *err_pos)
{
    if (!text || !out)
        return PHASH_ERR_INVALID_ARG;
    /* Report a bad character before a bad length: "g at 3" says more than
     * "63 characters" when both are wrong. */
    size_t n = len < PHASH_PDQ_HEX_LEN ? len : PHASH_PDQ_HEX_LEN;
    for (size_t i = 0; i < n; i++)
        if (ph_hex_value(text[i]) < 0)
            return bad_at(err_pos, i);
    if (len != PHASH_PDQ_HEX_LEN)
        return bad_at(err_pos, len);
    for (size_t i = 0; i < 32; i++)
        out->bytes[i] = (uint8_t)(ph_hex_value(text[2 * i]) << 4 | ph_hex_value(text[2 * i + 1]));
    return PHASH_OK;
}

void phash_pdq_to_hex(const phash_pdq_code *code, char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = digits[code->bytes[i] >> 4];
        out[2 * i + 1] = digits[code->bytes[i] & 15];
    }
    out[64] = '\0';
}

/* Word w occupies bytes[30 - 2w] (high) and bytes[31 - 2w] (low): word 15
 * is printed first, each word big-endian. */
void phash_pdq_to_words(const phash_pdq_code *code, uint16_t words[16])
{
    for (unsigned w = 0; w < 16; w++)
        words[w] = (uint16_t)(code->bytes[30 - 2 * w] << 8 | code->bytes[31 - 2 * w]);
}

void phash_pdq_from_words(const uint16_t words[16], phash_pdq_code *out)
{
    for (unsigned w = 0; w < 16; w++) {
        out->bytes[30 - 2 * w] = (uint8_t)(words[w] >> 8);
        out->bytes[31 - 2 * w] = (uint8_t)(words[w] & 0xff);
    }
}

int phash_pdq_bit(const phash_pdq_code *code, unsigned k)
{
    if (k >= 256)
        return 0;
    /* bit k = 16*word + col; byte index counts from the most significant end. */
    return (code->bytes[31 - k / 8] >> (k % 8)) & 1;
}

/* The baseline x86-64 has no POPCNT instruction, and __builtin_popcountll
 * then calls libgcc's bit-twiddling routine: the distances get a POPCNT
 * variant (the same body under a target attribute), picked through the one
 * CPU dispatch (lib/cpu.c, module "distance"). */
typedef struct distance_ops {
    unsigned (*pdq)(const phash_pdq_code *a, const phash_pdq_code *b);
    unsigned (*u64)(uint64_t a, uint64_t b);
} distance_ops;

#define PH_ALWAYS_INLINE static inline __attribute__((always_inline))

PH_ALWAYS_INLINE unsigned pdq_distance(const phash_pdq_code *a, const phash_pdq_code *b)
{
    unsigned d = 0;
    for (size_t i = 0; i < 32; i += 8) {
        uint64_t x, y;
        memcpy(&x, a->bytes + i, 8);
        memcpy(&y, b->bytes + i, 8);
        d += ph_popcount64(x ^ y);
    }
    return d;
}

PH_ALWAYS_INLINE unsigned u64_distance(uint64_t a, uint64_t b) { return ph_popcount64(a ^ b); }

static unsigned pdq_generic(const phash_pdq_code *a, const phash_pdq_code *b)
{
    return pdq_distance(a, b);
}
static unsigned u64_generic(uint64_t a, uint64_t b) { return u64_distance(a, b); }
static const distance_ops ops_generic = {pdq_generic, u64_generic};

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static unsigned pdq_popcnt(const phash_pdq_code *a,
                                                             const phash_pdq_code *b)
{
    return pdq_distance(a, b);
}
__attribute__((target("popcnt"))) static unsigned u64_popcnt(uint64_t a, uint64_t b)
{
    return u64_distance(a, b);
}
static const distance_ops ops_popcnt = {pdq_popcnt, u64_popcnt};
#endif

static const ph_kernel g_rows[] = {
#if defined(__x86_64__) && defined(__GNUC__)
    {"popcnt", PHASH_CPU_POPCNT, PH_ISA_POPCNT, &ops_popcnt},
#endif
    {"generic", 0, PH_ISA_SCALAR, &ops_generic},
};

ph_kernel_table ph_distance_kernels = {g_rows, sizeof g_rows / sizeof g_rows[0], NULL};

static const distance_ops *distance(void)
{
    return ph_kernel_active(&ph_distance_kernels)->impl;
}

unsigned phash_pdq_distance(const phash_pdq_code *a, const phash_pdq_code *b)
{
    return distance()->pdq(a, b);
}

static phash_status parse_hex64(const char *t, size_t len, uint64_t *out, size_t *err_pos)
{
    size_t start = 0;
    if (len >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
        start = 2;
    if (len == start || len - start > 16)
        return bad_at(err_pos, len == start ? len : start + 16);
    uint64_t v = 0;
    for (size_t i = start; i < len; i++) {
        int h = ph_hex_value(t[i]);
        if (h < 0)
            return bad_at(err_pos, i);
        v = v << 4 | (uint64_t)h;
    }
    *out = v;
    return PHASH_OK;
}

/* Decimal digits into v, failing on overflow past limit. */
static phash_status parse_decimal(const char *t, size_t start, size_t len, uint64_t limit,
                                  uint64_t *out, size_t *err_pos)
{
    if (len == start)
        return bad_at(err_pos, len);
    uint64_t v = 0;
    for (size_t i = start; i < len; i++) {
        if (t[i] < '0' || t[i] > '9')
            return bad_at(err_pos, i);
        uint64_t d = (uint64_t)(t[i] - '0');
        if (v > (limit - d) / 10)
            return bad_at(err_pos, i);
        v = v * 10 + d;
    }
    *out = v;
    return PHASH_OK;
}

phash_status phash_u64_parse(const char *text, size_t len, phash_u64_form form, uint64_t *out,
                             size_t *err_pos)
{
    if (!text || !out)
        return PHASH_ERR_INVALID_ARG;
    uint64_t v;
    phash_status st;
    switch (form) {
    case PHASH_U64_HEX:
        return parse_hex64(text, len, out, err_pos);
    case PHASH_U64_UNSIGNED:
        return parse_decimal(text, 0, len, UINT64_MAX, out, err_pos);
    case PHASH_U64_SIGNED:
        if (len > 0 && text[0] == '-') {
            st = parse_decimal(text, 1, len, (uint64_t)INT64_MAX + 1, &v, err_pos);
            if (st == PHASH_OK)
                *out = (uint64_t)0 - v; /* two's complement of the magnitude */
            return st;
        }
        return parse_decimal(text, 0, len, (uint64_t)INT64_MAX, out, err_pos);
    }
    return PHASH_ERR_INVALID_ARG;
}

size_t phash_u64_format(uint64_t code, phash_u64_form form, char out[21])
{
    char tmp[21];
    size_t n = 0;
    if (form == PHASH_U64_HEX) {
        static const char digits[] = "0123456789abcdef";
        for (int i = 15; i >= 0; i--)
            out[15 - i] = digits[(code >> (4 * i)) & 15];
        out[16] = '\0';
        return 16;
    }
    int negative = form == PHASH_U64_SIGNED && (code >> 63);
    uint64_t mag = negative ? (uint64_t)0 - code : code;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    size_t o = 0;
    if (negative)
        out[o++] = '-';
    while (n)
        out[o++] = tmp[--n];
    out[o] = '\0';
    return o;
}

unsigned phash_u64_distance(uint64_t a, uint64_t b) { return distance()->u64(a, b); }
