/* SPDX-License-Identifier: MIT */
/*
 * PDQ bits and the 8 dihedral variants (docs/pdq.md sections 2.9, 2.12).
 *
 * Flipping the image along an axis multiplies DCT frequency f on that axis
 * by (-1)^f; with 0-based index i = f - 1, entries with an even index change
 * sign. Transposing the image transposes the 16x16 block. Each variant is
 * thresholded at its own lower median.
 */
#include <string.h>

#include "pdq_internal.h"

#define K PH_PDQ_DCT
#define N (K * K)

/* The 128th smallest of the 256 values (the reference's Torben median of an
 * even count is the lower median). Quickselect on a copy. */
static float lower_median(const float b[N])
{
    float v[N];
    memcpy(v, b, sizeof v);
    int lo = 0, hi = N - 1;
    const int want = N / 2 - 1;
    while (lo < hi) {
        float pivot = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            break;
    }
    return v[want];
}

/* Bit 16*i + j (word i, bit j) is set iff B[i][j] > m (strict). */
static void bits_above(const float b[N], float m, phash_pdq_code *out)
{
    uint16_t words[K];
    for (int i = 0; i < K; i++) {
        unsigned w = 0;
        for (int j = 0; j < K; j++)
            if (b[i * K + j] > m)
                w |= 1u << j;
        words[i] = (uint16_t)w;
    }
    phash_pdq_from_words(words, out);
}

void ph_pdq_bits(const float b[N], phash_pdq_code *out)
{
    bits_above(b, lower_median(b), out);
}

/* Sign rule and transposition of each variant, from A[i][j] (i = vertical
 * frequency index, j = horizontal). */
enum { NEG_NONE, NEG_I_EVEN, NEG_J_EVEN, NEG_IJ_ODD };
static const struct {
    int transpose;
    int neg;
} rules[PHASH_PDQ_NUM_DIHEDRAL] = {
    [PHASH_PDQ_ORIG] = {0, NEG_NONE},     [PHASH_PDQ_ROT90] = {1, NEG_J_EVEN},
    [PHASH_PDQ_ROT180] = {0, NEG_IJ_ODD}, [PHASH_PDQ_ROT270] = {1, NEG_I_EVEN},
    [PHASH_PDQ_FLIPX] = {0, NEG_I_EVEN},  [PHASH_PDQ_FLIPY] = {0, NEG_J_EVEN},
    [PHASH_PDQ_FLIPP] = {1, NEG_NONE},    [PHASH_PDQ_FLIPM] = {1, NEG_IJ_ODD},
};

static int negated(int rule, int i, int j)
{
    switch (rule) {
    case NEG_I_EVEN:
        return (i & 1) == 0;
    case NEG_J_EVEN:
        return (j & 1) == 0;
    case NEG_IJ_ODD:
        return ((i + j) & 1) == 1;
    default:
        return 0;
    }
}

/* Columns negated in row r of variant w's block (bit c for column c).
 * For a transposed variant, row r and column c come from B[c][r], so the
 * rules on i and j swap. */
static unsigned neg_columns(int w, int r)
{
    const int t = rules[w].transpose;
    const unsigned row_even = (r & 1) == 0 ? 0xffffu : 0u;
    switch (rules[w].neg) {
    case NEG_I_EVEN:
        return t ? 0x5555u : row_even;
    case NEG_J_EVEN:
        return t ? row_even : 0x5555u;
    case NEG_IJ_ODD: /* i + j odd: odd columns of even rows, even columns of odd rows */
        return (r & 1) ? 0x5555u : 0xaaaau;
    default:
        return 0u;
    }
}

/* Bit c set iff the row's value c, negated where flip has bit c, is > m.
 * Negating is flipping the sign bit, exactly as the unary minus does. */
static uint16_t row_bits(const float x[K], unsigned flip, float m)
{
    unsigned word = 0;
    for (int c = 0; c < K; c++) {
        uint32_t u;
        float y;
        memcpy(&u, &x[c], sizeof u);
        u ^= ((flip >> c) & 1u) << 31;
        memcpy(&y, &u, sizeof y);
        word |= (unsigned)(y > m) << c;
    }
    return (uint16_t)word;
}

/* Variants with the same sign rule hold the same 256 values (a transpose
 * only moves them), so they share one median: four selections, not eight.
 * Each variant's bits then come straight from its block or its transpose:
 * -x > m is the comparison the materialised variant would make (negation
 * is exact). blocks[rule] is the DCT the variants of that sign rule read
 * (rules are numbered as the flips of ph_pdq_dihedral_bits_aligned's b). */
static void dihedral_bits(const float *const blocks[4], phash_pdq_code out[PHASH_PDQ_NUM_DIHEDRAL])
{
    float bt[4][N], v[N], median[4] = {0};
    int known[4] = {0};
    for (int w = 0; w < PHASH_PDQ_NUM_DIHEDRAL; w++) {
        const int neg = rules[w].neg;
        const float *b = blocks[neg];
        if (!known[neg]) {
            for (int i = 0; i < K; i++)
                for (int j = 0; j < K; j++) {
                    v[i * K + j] = negated(neg, i, j) ? -b[i * K + j] : b[i * K + j];
                    bt[neg][j * K + i] = b[i * K + j];
                }
            median[neg] = lower_median(v);
            known[neg] = 1;
        }
        const float *src = rules[w].transpose ? bt[neg] : b;
        uint16_t words[K];
        for (int r = 0; r < K; r++)
            words[r] = row_bits(src + r * K, neg_columns(w, r), median[neg]);
        phash_pdq_from_words(words, &out[w]);
    }
}

void ph_pdq_dihedral_bits(const float b[N], phash_pdq_code out[PHASH_PDQ_NUM_DIHEDRAL])
{
    const float *const blocks[4] = {b, b, b, b};
    dihedral_bits(blocks, out);
}

/* The flip of each rule: NEG_I_EVEN reverses the rows (i is the vertical
 * frequency), NEG_J_EVEN the columns, NEG_IJ_ODD both. */
_Static_assert(NEG_NONE == 0 && NEG_I_EVEN == 1 && NEG_J_EVEN == 2 && NEG_IJ_ODD == 3,
               "sign rules are numbered as the flips of the aligned blocks");

void ph_pdq_dihedral_bits_aligned(const float *const b[4], phash_pdq_code out[PHASH_PDQ_NUM_DIHEDRAL])
{
    dihedral_bits(b, out);
}

const char *phash_pdq_dihedral_name(phash_pdq_dihedral which)
{
    static const char *const names[PHASH_PDQ_NUM_DIHEDRAL] = {
        "orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm"};
    return (unsigned)which < PHASH_PDQ_NUM_DIHEDRAL ? names[which] : "unknown";
}

unsigned phash_pdq_dihedral_distance(const phash_pdq_code query[PHASH_PDQ_NUM_DIHEDRAL],
                                     const phash_pdq_code *target, phash_pdq_dihedral *which)
{
    unsigned best = 257;
    int best_i = 0;
    if (!query || !target)
        return best;
    for (int i = 0; i < PHASH_PDQ_NUM_DIHEDRAL; i++) {
        unsigned d = phash_pdq_distance(&query[i], target);
        if (d < best) {
            best = d;
            best_i = i;
        }
    }
    if (which)
        *which = (phash_pdq_dihedral)best_i;
    return best;
}
