/* SPDX-License-Identifier: MIT */
/* BK-tree with SIMD buckets (docs/index.md 4.3 and 6): every node splits its
 * entries by their distance to a pivot; a subtree of at most PH_BK_LEAF
 * entries becomes a leaf whose codes are contiguous and scanned with the
 * SIMD kernels, never one code per node. Built statically: the entries are
 * reordered into leaf (DFS) order, so every subtree is a contiguous range.
 * Exact: a child with key t can hold a hit only if |d(q,pivot) - t| <= r. */
#include <string.h>

#include "index_internal.h"

typedef struct bk_builder {
    const uint64_t *codes;
    unsigned words;
    uint32_t *perm, *tmp;
    uint16_t *dist;
    ph_bknode *nodes;
    size_t nnodes, capnodes;
    uint64_t *pivots;
    size_t npivots, cappivots;
    uint32_t count[PH_MAX_WORDS * 64 + 2];
} bk_builder;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64, bytes;
    while (c < need)
        c *= 2;
    if (ph_mul_size(c, elem, &bytes) != 0)
        return -1;
    void *n = ph_realloc(*p, bytes);
    if (!n)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

/* Split node `ni` (entries perm[lo, hi)): children get consecutive node
 * numbers, then each child is split in turn (depth first). */
static int split(bk_builder *b, size_t ni)
{
    uint32_t lo = b->nodes[ni].lo, hi = b->nodes[ni].hi;
    if (hi - lo <= PH_BK_LEAF)
        return 0;
    unsigned w = b->words, maxd = 64 * w;
    const uint64_t *pivot = b->codes + (size_t)w * b->perm[lo];
    memset(b->count, 0, sizeof b->count);
    for (uint32_t i = lo; i < hi; i++) {
        unsigned d = ph_dist(b->codes + (size_t)w * b->perm[i], pivot, w);
        b->dist[i] = (uint16_t)d;
        b->count[d + 1]++;
    }
    size_t nchild = 0;
    for (unsigned d = 0; d <= maxd; d++)
        nchild += b->count[d + 1] != 0;
    if (nchild <= 1)
        return 0; /* all at one distance (e.g. duplicates): stays a leaf */
    /* Counting sort of the range by distance. */
    for (unsigned d = 0; d <= maxd; d++)
        b->count[d + 1] += b->count[d];
    for (uint32_t i = lo; i < hi; i++)
        b->tmp[lo + b->count[b->dist[i]]++] = b->perm[i];
    memcpy(b->perm + lo, b->tmp + lo, (size_t)(hi - lo) * sizeof *b->perm);
    if (grow((void **)&b->pivots, &b->cappivots, (b->npivots + 1) * w, sizeof *b->pivots) != 0 ||
        grow((void **)&b->nodes, &b->capnodes, b->nnodes + nchild, sizeof *b->nodes) != 0)
        return -1;
    memcpy(b->pivots + b->npivots * w, pivot, w * sizeof *pivot);
    size_t first = b->nnodes;
    b->nodes[ni].pivot = (uint32_t)b->npivots++;
    b->nodes[ni].child = (uint32_t)first;
    b->nodes[ni].nchild = (uint32_t)nchild;
    /* count[d] is now the end of distance d's group. */
    uint32_t start = lo;
    for (unsigned d = 0; d <= maxd; d++) {
        uint32_t end = lo + b->count[d];
        if (end == start)
            continue;
        b->nodes[b->nnodes++] = (ph_bknode){start, end, 0, 0, d, 0};
        start = end;
    }
    for (size_t c = first; c < first + nchild; c++)
        if (split(b, c) != 0)
            return -1;
    return 0;
}

phash_status ph_bktree_build(ph_core *core, uint64_t *codes, uint64_t *ids)
{
    size_t n = core->n;
    unsigned w = core->words;
    if (n == 0)
        return PHASH_OK;
    bk_builder b = {.codes = codes, .words = w};
    phash_status st = PHASH_ERR_NOMEM;
    b.perm = ph_calloc(n, sizeof *b.perm);
    b.tmp = ph_calloc(n, sizeof *b.tmp);
    b.dist = ph_calloc(n, sizeof *b.dist);
    uint64_t *tcodes = NULL;
    if (!b.perm || !b.tmp || !b.dist || grow((void **)&b.nodes, &b.capnodes, 1, sizeof *b.nodes))
        goto out;
    for (size_t i = 0; i < n; i++)
        b.perm[i] = (uint32_t)i;
    b.nodes[0] = (ph_bknode){0, (uint32_t)n, 0, 0, 0, 0};
    b.nnodes = 1;
    if (split(&b, 0) != 0)
        goto out;
    /* Reorder codes and ids into leaf order (ids through tmp, codes
     * through a copy). */
    tcodes = ph_calloc(n, w * sizeof *codes);
    if (!tcodes)
        goto out;
    for (size_t i = 0; i < n; i++)
        memcpy(tcodes + i * w, codes + (size_t)b.perm[i] * w, w * sizeof *codes);
    memcpy(codes, tcodes, n * w * sizeof *codes);
    for (size_t i = 0; i < n; i++)
        tcodes[i] = ids[b.perm[i]];
    memcpy(ids, tcodes, n * sizeof *ids);
    ph_bknode *nodes = ph_core_alloc(core, b.nnodes * sizeof *nodes);
    uint64_t *piv = ph_core_alloc(core, (b.npivots ? b.npivots : 1) * w * sizeof *piv);
    if (!nodes || !piv)
        goto out;
    memcpy(nodes, b.nodes, b.nnodes * sizeof *nodes);
    if (b.npivots)
        memcpy(piv, b.pivots, b.npivots * w * sizeof *piv);
    core->bk = nodes;
    core->bk_nodes = b.nnodes;
    core->bk_pivots = piv;
    core->bk_npivots = b.npivots;
    st = PHASH_OK;
out:
    ph_free(tcodes);
    ph_free(b.perm);
    ph_free(b.tmp);
    ph_free(b.dist);
    ph_free(b.nodes);
    ph_free(b.pivots);
    return st;
}

void ph_bktree_search(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, ph_sink *s,
                      ph_scratch *sc)
{
    if (c->bk_nodes == 0)
        return;
    /* Each node is pushed at most once (the loader checks it is a tree). */
    uint32_t *stack = ph_buf_reserve(&sc->stack, c->bk_nodes * sizeof *stack);
    if (!stack) {
        s->failed = 1;
        return;
    }
    size_t top = 0;
    stack[top++] = 0;
    while (top > 0) {
        const ph_bknode *nd = &c->bk[stack[--top]];
        if (nd->nchild == 0) {
            ph_scan_range(c->codes, c->words, nd->lo, nd->hi, 0, k, q, s, sc);
            continue;
        }
        unsigned d = ph_dist(q, c->bk_pivots + (size_t)nd->pivot * c->words, c->words);
        unsigned r = s->bound;
        unsigned lo = d > r ? d - r : 0, hi = d + r;
        /* Children are sorted by key: push in reverse to visit them in key order. */
        for (uint32_t i = nd->nchild; i-- > 0;) {
            const ph_bknode *ch = &c->bk[nd->child + i];
            if (ch->key >= lo && ch->key <= hi)
                stack[top++] = nd->child + i;
        }
    }
}
