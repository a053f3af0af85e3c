/* SPDX-License-Identifier: MIT */
/* Internals of the Hamming index (lib/index/). Never installed. */
#ifndef PHASH_LIB_INDEX_INTERNAL_H
#define PHASH_LIB_INDEX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "platform/platform.h"
#include "phash/index.h"

/* Codes are arrays of `words` uint64 (1 for 64-bit, 4 for 256-bit). A PDQ
 * code's 32 bytes are copied as they are (four native words), so the
 * Hamming distance is the popcount of the xor either way. */
#define PH_MAX_WORDS 4
/* MIH substrings are b = 16 bits wide (8 for fewer than PH_MIH_SMALL
 * entries, where 65536 buckets per table would be mostly empty): substring
 * j is bits b*j mod 64 .. of word b*j/64; m = 64 * words / b tables, each a
 * CSR table with 2^b buckets. 256-bit indexes of PH_MIH_WIDE entries or more
 * (or of phash_index_set_wide_min's count) use "b = 21":
 * three substrings per word, of 21, 21 and 22 bits at bits 0, 21, 42, so
 * m = 12 (docs/index.md 6: at r = 31 the probes are at radius 2 on 8
 * tables and 1 on 4, ~9K candidates at 10M instead of ~41K with 16 x 16
 * bits). Their offsets take 134 MB whatever N, hence the threshold (at 6M
 * entries that is 22 B/entry, and the whole index stays under 100). */
#define PH_MIH_SMALL 4096u
#define PH_MIH_WIDE PHASH_INDEX_WIDE_MIN_DEFAULT
#define PH_MIH_B_WIDE 21u

/* Codes within `radius` bits of one of `bits` bits (2^bits at most). */
static inline size_t ph_ball(unsigned bits, unsigned radius)
{
    size_t sum = 0, c = 1;
    for (unsigned i = 0; i <= radius && i <= bits; i++) {
        sum += c;
        c = c * (bits - i) / (i + 1);
    }
    return sum;
}

/* Width and first bit of substring j for the substring code b. */
static inline unsigned ph_sub_width(unsigned b, unsigned j)
{
    return b == PH_MIH_B_WIDE ? (j % 3 == 2 ? 22u : 21u) : b;
}
static inline unsigned ph_sub_pos(unsigned b, unsigned j)
{
    return b == PH_MIH_B_WIDE ? 64 * (j / 3) + 21 * (j % 3) : b * j;
}
/* Tables for a width of `words` 64-bit words. */
static inline unsigned ph_mih_tables(unsigned words, unsigned b)
{
    return b == PH_MIH_B_WIDE ? 3 * words : 64 * words / b;
}
/* Start of table j's offsets (2^width + 1 uint32 each) in mih_off; with
 * j = m, their total length. */
static inline size_t ph_sub_off(unsigned b, unsigned j)
{
    if (b != PH_MIH_B_WIDE)
        return (size_t)j * (((size_t)1 << b) + 1);
    const size_t k21 = ((size_t)1 << 21) + 1, k22 = ((size_t)1 << 22) + 1;
    return (size_t)(j / 3) * (2 * k21 + k22) + (size_t)(j % 3) * k21;
}

/* Scan kernels work on blocks of at most this many codes. */
#define PH_SCAN_BLOCK 4096u
/* Gather kernels prefetch the codes of the candidate this far ahead: each
 * is a cache miss into a large array, and only many misses in flight hide
 * the latency (docs/index.md 3: ~30 ns each with 16 in flight). */
#define PF_AHEAD 24
/* BK-tree leaves hold at most this many codes (docs/index.md 4.1). */
#define PH_BK_LEAF 4096u

/* ---- kernels (popcnt_*.c) ---------------------------------------------- */
typedef struct ph_kernel_ops {
    /* Codes [0, n) of a contiguous array: write the positions and distances
     * of those within r of q; returns their count. n <= PH_SCAN_BLOCK. */
    size_t (*scan64)(const uint64_t *codes, size_t n, uint64_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist);
    size_t (*scan256)(const uint64_t *codes, size_t n, const uint64_t *q, unsigned r,
                      uint32_t *pos, uint32_t *dist);
    /* The entries idx[0..n) of codes (4 words each): write i for each within
     * r, and its distance. Entries >= limit are skipped (a corrupt file must
     * not make us read out of bounds). n <= PH_SCAN_BLOCK. */
    size_t (*gather256)(const uint64_t *codes, const unsigned char *idx, unsigned ib, size_t n,
                        size_t limit,
                        const uint64_t *q, unsigned r, uint32_t *pos, uint32_t *dist);
    /* The same for 64-bit codes (compact MIH tables). */
    size_t (*gather64)(const uint64_t *codes, const unsigned char *idx, unsigned ib, size_t n,
                       size_t limit, const uint64_t *q, unsigned r, uint32_t *pos, uint32_t *dist);
    /* scan64 for 32-bit words (the MIH filters of 64-bit tables). */
    size_t (*scan32)(const uint32_t *words, size_t n, uint32_t q, unsigned r, uint32_t *pos,
                     uint32_t *dist);
} ph_kernel_ops;

extern const ph_kernel_ops ph_kernel_scalar;
extern const ph_kernel_ops ph_kernel_avx2;   /* only when built with AVX2 */
extern const ph_kernel_ops ph_kernel_avx512; /* only when built with AVX-512 */

/* kernels.c: availability (lib/cpu.c's one dispatch), the process default
 * (the dispatch's active index kernel), the ops of a kernel (NULL if absent). */
int ph_cpu_supports(phash_kernel k);
phash_kernel ph_kernel_default(void);
const ph_kernel_ops *ph_kernel_get(phash_kernel k);

static inline unsigned ph_dist(const uint64_t *a, const uint64_t *b, unsigned words)
{
    unsigned d = 0;
    for (unsigned i = 0; i < words; i++)
        d += ph_popcount64(a[i] ^ b[i]);
    return d;
}

/* MIH entry numbers take 3 bytes (little-endian) below 2^24 entries, else
 * 4: 16 B/entry less for PDQ tables. Read as a 4-byte load and a mask, so
 * the array carries one byte of padding. */
static inline unsigned ph_idx_bytes(size_t n) { return n < (1u << 24) ? 3 : 4; }

static inline uint32_t ph_idx_get(const unsigned char *p, size_t i, unsigned ib)
{
    uint32_t v;
    memcpy(&v, p + i * ib, 4);
    return ib == 3 ? v & 0xffffffu : v;
}

static inline uint64_t ph_idx_len(unsigned m, size_t n)
{
    return m ? (uint64_t)m * n * ph_idx_bytes(n) + 1 : 0;
}

static inline unsigned ph_substr(const uint64_t *code, unsigned j, unsigned b)
{
    unsigned bit = ph_sub_pos(b, j);
    return (unsigned)(code[bit >> 6] >> (bit & 63)) & ((1u << ph_sub_width(b, j)) - 1);
}

/* The filter of a 64-bit code in MIH table j: the 32 bits that follow
 * substring j (cyclically), disjoint from it. An entry of a bucket at key
 * distance dk from the query's substring is within r of the query only if
 * its filter is within r - dk of the query's: with 16-bit substrings that
 * leaves a fraction ~0.004 of random candidates at r = 10 to be verified
 * through their entry numbers, for 4 instead of 8 bytes per table entry. */
static inline uint32_t ph_mih_filter(uint64_t code, unsigned j, unsigned b)
{
    unsigned s = (b * (j + 1)) & 63;
    return (uint32_t)(s ? code >> s | code << (64 - s) : code);
}

/* ---- the immutable core: built structures ----------------------------- */
typedef struct ph_bknode {
    uint32_t lo, hi;      /* entry range of the subtree (entries are in DFS order) */
    uint32_t child;       /* first child node; children are consecutive, by key */
    uint32_t nchild;      /* 0 = leaf: its entries are scanned */
    uint32_t key;         /* distance of the subtree's entries to the parent pivot */
    uint32_t pivot;       /* internal nodes: index into bk_pivots */
} ph_bknode;

typedef struct ph_core {
    unsigned words;
    size_t n;
    const uint64_t *codes; /* n * words, 64-byte aligned */
    const uint64_t *ids;   /* n */
    /* MIH (NULL when absent): m tables, substrings as ph_substr(.., mbits). */
    unsigned m, mbits;
    const uint32_t *mih_off;  /* per table 2^width + 1 (ph_sub_off) */
    const unsigned char *mih_idx; /* m * n entry numbers, bucket order, idx_bytes each */
    unsigned idx_bytes;
    const uint32_t *mih_filt; /* words == 1: m * n filters in bucket order (see
                                 ph_mih_filter), NULL in compact mode */
    unsigned mih_t0;          /* 1 (lean layout, 64-bit): the entries are in
                                 the bucket order of table 0, which therefore
                                 stores neither entry numbers nor filters:
                                 idx and filters hold tables 1..m-1 */
    double mih_occupancy;     /* mean over tables of sum(size^2)/n: the expected
                                 bucket size of a key drawn like the data */
    float mih_cost[PH_MAX_WORDS * 64 + 1]; /* planner.c's estimate per radius */
    /* BK-tree (absent when bk_nodes == 0). */
    size_t bk_nodes;
    const ph_bknode *bk;
    const uint64_t *bk_pivots; /* words per internal node */
    size_t bk_npivots;
    /* Ownership: heap blocks (ph_aligned_free) or a mapping. */
    void *blocks[8];
    unsigned nblocks;
    ph_map *map;
} ph_core;

void ph_core_free(ph_core *core);
/* 64-byte aligned allocation recorded in core->blocks; NULL on failure. */
void *ph_core_alloc(ph_core *core, size_t size);

/* bktree.c: build over core->codes/ids; reorders them into leaf order. */
phash_status ph_bktree_build(ph_core *core, uint64_t *codes, uint64_t *ids);
/* mih.c */
/* layout: PH_LAYOUT_* = phash_index_layout (phash_index_set_compact's argument). */
#define PH_LAYOUT_FAST PHASH_INDEX_LAYOUT_FAST
#define PH_LAYOUT_COMPACT PHASH_INDEX_LAYOUT_COMPACT
#define PH_LAYOUT_LEAN PHASH_INDEX_LAYOUT_LEAN
/* wide_min: 256-bit indexes of that many entries or more use the wide
 * substrings (0: PH_MIH_WIDE; phash_index_set_wide_min). */
phash_status ph_mih_build(ph_core *core, int layout, size_t wide_min);
/* Lean layout: sort the entries by MIH substring 0 (before ph_mih_build). */
phash_status ph_mih_order(size_t n, uint64_t *codes, uint64_t *ids);
void ph_mih_stats(ph_core *core);

/* ---- query plumbing --------------------------------------------------- */
typedef struct ph_rawhit {
    uint64_t id;
    uint64_t entry; /* core entry, or n + buffer position */
    uint32_t dist;
    uint32_t variant;
} ph_rawhit;

typedef struct ph_hitvec {
    ph_rawhit *v;
    size_t n, cap;
} ph_hitvec;

/* Per-thread scratch for one query at a time. */
typedef struct ph_scratch {
    uint32_t pos[PH_SCAN_BLOCK];
    uint32_t dist[PH_SCAN_BLOCK];
    uint32_t surv[PH_SCAN_BLOCK]; /* MIH filter survivors: table positions, */
    uint32_t sent[PH_SCAN_BLOCK]; /* then their entries */
    ph_buf stack;
    ph_buf keys; /* MIH probe keys */
    ph_hitvec vtmp; /* one variant's k best (dihedral k-NN) */
} ph_scratch;

/* Where hits go: all of them, or the k best by (distance, id) in a max-heap.
 * bound is the current radius: it shrinks once the heap is full. */
typedef struct ph_sink {
    ph_hitvec *out;
    size_t k;
    unsigned bound;
    unsigned variant;
    int failed; /* allocation failure */
    /* For mapping entries to ids and filtering tombstones. */
    const ph_core *core;
    const uint64_t *dead;
    const uint64_t *buf_ids;
} ph_sink;

void ph_sink_push(ph_sink *s, uint64_t entry, unsigned dist);
int ph_hitvec_push(ph_hitvec *h, const ph_rawhit *hit);

/* The three methods over the core (the append buffer is scanned by the caller). */
void ph_scan_core(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, ph_sink *s,
                  ph_scratch *sc);
void ph_scan_range(const uint64_t *codes, unsigned words, size_t lo, size_t hi, size_t base,
                   const ph_kernel_ops *k, const uint64_t *q, ph_sink *s, ph_scratch *sc);
void ph_bktree_search(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, ph_sink *s,
                      ph_scratch *sc);
void ph_mih_search(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                   ph_sink *s, ph_scratch *sc);

/* planner.c */
void ph_plan_prepare(ph_core *c); /* fills mih_cost; after ph_mih_stats */
phash_index_method ph_plan(const ph_core *c, size_t nbuf, unsigned radius, size_t k,
                           phash_index_method forced);

/* file.c */
uint64_t ph_index_checksum(const void *data, size_t len);
phash_status ph_core_from_memory(const void *data, size_t size, unsigned flags, ph_core **out,
                                 const char **detail);
phash_status ph_core_save(const ph_core *c, unsigned bits, const char *path, ph_error *err);

#endif
