/* SPDX-License-Identifier: MIT */
/* Multi-index hashing (Norouzi, Punjani, Fleet 2014): the code is cut into
 * m substrings of 16 bits (8 below PH_MIH_SMALL entries), each indexed by a CSR table (an
 * offset per key, then the entry numbers grouped by key: no hash maps).
 * For 64-bit codes each table also keeps a copy of the codes in bucket
 * order, so a bucket is verified by one sequential SIMD scan
 * (docs/index.md 6: 10x faster than going through the entry numbers),
 * unless the index is compact (phash_index_set_compact).
 *
 * Exactness (pigeonhole, refined): with r = s*m + a (0 <= a < m), an entry
 * within r of the query is within s of it on one of the first a+1
 * substrings, or within s-1 on one of the others. Each table is probed at
 * that radius, and a hit is reported only by the first table whose radius
 * it satisfies, which removes duplicates without a hash set. */
#include <string.h>

#include "index_internal.h"

phash_status ph_mih_build(ph_core *core, int compact)
{
    size_t n = core->n;
    unsigned b = n < PH_MIH_SMALL ? 8 : 16, m = 64 * core->words / b;
    size_t keys = (size_t)1 << b, offs = (size_t)m * (keys + 1);
    uint32_t *off = ph_core_alloc(core, offs * sizeof *off);
    unsigned ib = ph_idx_bytes(n);
    unsigned char *idx = ph_core_alloc(core, (size_t)ph_idx_len(m, n));
    uint32_t *t = ph_malloc((n ? n : 1) * sizeof *t);
    uint64_t *inl = NULL;
    int want_inline = core->words == 1 && !compact;
    if (want_inline)
        inl = ph_core_alloc(core, (n ? n : 1) * m * sizeof *inl);
    if (!off || !idx || !t || (want_inline && !inl)) {
        ph_free(t);
        return PHASH_ERR_NOMEM;
    }
    for (unsigned j = 0; j < m; j++) {
        uint32_t *o = off + (size_t)j * (keys + 1);
        memset(o, 0, (keys + 1) * sizeof *o);
        for (size_t i = 0; i < n; i++)
            o[ph_substr(core->codes + i * core->words, j, b) + 1]++;
        for (size_t key = 0; key < keys; key++)
            o[key + 1] += o[key];
        /* Fill in entry order, using o[key] as the cursor, then shift back. */
        for (size_t i = 0; i < n; i++)
            t[o[ph_substr(core->codes + i * core->words, j, b)]++] = (uint32_t)i;
        memmove(o + 1, o, keys * sizeof *o);
        o[0] = 0;
        if (inl)
            for (size_t i = 0; i < n; i++)
                inl[(size_t)j * n + i] = core->codes[t[i]];
        for (size_t i = 0; i < n; i++)
            memcpy(idx + ((size_t)j * n + i) * ib, &t[i], ib); /* little-endian host */
    }
    idx[(size_t)m * n * ib] = 0; /* the padding byte */
    ph_free(t);
    core->m = m;
    core->mbits = b;
    core->keys = keys;
    core->mih_off = off;
    core->mih_idx = idx;
    core->idx_bytes = ib;
    core->mih_code = inl;
    ph_mih_stats(core);
    return PHASH_OK;
}

void ph_mih_stats(ph_core *core)
{
    double sum = 0;
    for (unsigned j = 0; j < core->m; j++) {
        const uint32_t *o = core->mih_off + (size_t)j * (core->keys + 1);
        for (size_t key = 0; key < core->keys; key++) {
            double sz = (double)(o[key + 1] - o[key]);
            sum += sz * sz;
        }
    }
    core->mih_occupancy = core->n && core->m ? sum / ((double)core->n * core->m) : 0;
    ph_plan_prepare(core);
}

/* Radius probed in table j for query radius r. -1: table not probed. */
static int table_radius(unsigned r, unsigned m, unsigned j)
{
    unsigned s = r / m, a = r % m;
    return j <= a ? (int)s : (int)s - 1;
}

/* First table (< j) whose radius the code satisfies, i.e. that reported it. */
static int found_earlier(const uint64_t *code, const uint64_t *q, unsigned r, unsigned m,
                         unsigned b, unsigned j)
{
    for (unsigned i = 0; i < j; i++) {
        int ri = table_radius(r, m, i);
        if (ri >= 0 && (int)ph_popcount64(ph_substr(code, i, b) ^ ph_substr(q, i, b)) <= ri)
            return 1;
    }
    return 0;
}

/* Verify bucket [lo, hi) of table j. */
static void verify_bucket(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                          unsigned j, size_t lo, size_t hi, ph_sink *s, ph_scratch *sc)
{
    unsigned ib = c->idx_bytes;
    const unsigned char *t = c->mih_idx + (size_t)j * c->n * ib;
    for (size_t b = lo; b < hi; b += PH_SCAN_BLOCK) {
        size_t len = hi - b < PH_SCAN_BLOCK ? hi - b : PH_SCAN_BLOCK, nh;
        if (c->mih_code)
            nh = k->scan64(c->mih_code + (size_t)j * c->n + b, len, q[0], s->bound, sc->pos,
                           sc->dist);
        else if (c->words == 1)
            nh = k->gather64(c->codes, t + b * ib, ib, len, c->n, q, s->bound, sc->pos, sc->dist);
        else
            nh = k->gather256(c->codes, t + b * ib, ib, len, c->n, q, s->bound, sc->pos, sc->dist);
        for (size_t i = 0; i < nh; i++) {
            uint32_t e = ph_idx_get(t, b + sc->pos[i], ib);
            if (e >= c->n)
                continue; /* corrupt table entry (only possible with TRUST) */
            const uint64_t *code = c->mih_code ? c->mih_code + (size_t)j * c->n + b + sc->pos[i]
                                               : c->codes + (size_t)c->words * e;
            if (!found_earlier(code, q, r, c->m, c->mbits, j))
                ph_sink_push(s, e, sc->dist[i]);
        }
    }
}

/* Every key within `radius` bits of key0, in order of distance (Gosper's
 * hack enumerates the masks of each popcount). out holds 2^b keys. */
static size_t list_keys(unsigned key0, unsigned radius, unsigned b, uint32_t *out)
{
    size_t n = 0, keys = (size_t)1 << b;
    if (radius > b)
        radius = b;
    for (unsigned bits = 0; bits <= radius; bits++) {
        unsigned mask = (1u << bits) - 1;
        for (;;) {
            out[n++] = key0 ^ mask;
            if (bits == 0)
                break;
            unsigned t = mask | (mask - 1);
            unsigned next = (t + 1) | (((~t & -~t) - 1) >> (__builtin_ctz(mask) + 1));
            if (next >= keys)
                break;
            mask = next;
        }
    }
    return n;
}

/* Bucket starts are random accesses into tables of hundreds of MB. So the
 * probe runs in two passes: first every key's bucket bounds are read (the
 * loads are independent, so the CPU overlaps their misses), then the
 * buckets are verified in order while the start of the bucket PF_BUCKET
 * ahead is prefetched. Within a bucket access is sequential (64-bit inline
 * codes) or prefetched by the gather kernel (256-bit). */
#define PF_BUCKET 4
#define PF_LINES 4

static void probe_table(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                        unsigned j, unsigned radius, ph_sink *s, ph_scratch *sc)
{
    const uint32_t *o = c->mih_off + (size_t)j * (c->keys + 1);
    uint32_t *keys = ph_buf_reserve(&sc->keys, c->keys * 3 * sizeof *keys);
    if (!keys) {
        s->failed = 1;
        return;
    }
    size_t nk = list_keys(ph_substr(q, j, c->mbits), radius, c->mbits, keys), nb = 0;
    /* bounds[2i], bounds[2i+1]: the non-empty buckets, clamped to n. */
    uint32_t *bounds = keys + c->keys;
    for (size_t i = 0; i < nk; i++) {
        uint32_t lo = o[keys[i]], hi = o[keys[i] + 1];
        bounds[2 * nb] = lo;
        bounds[2 * nb + 1] = hi;
        nb += lo < hi;
    }
    const uint64_t *inl = c->mih_code ? c->mih_code + (size_t)j * c->n : NULL;
    const unsigned char *idx = c->mih_idx + (size_t)j * c->n * c->idx_bytes;
    size_t n = c->n;
    for (size_t i = 0; i < nb && !s->failed; i++) {
        if (i + PF_BUCKET < nb) {
            size_t b = bounds[2 * (i + PF_BUCKET)];
            if (b < n) {
                size_t e = bounds[2 * (i + PF_BUCKET) + 1];
                for (unsigned l = 0; l < PF_LINES && b + 8 * l < e; l++)
                    if (inl)
                        __builtin_prefetch(inl + b + 8 * l);
                    else
                        __builtin_prefetch(idx + (b + 16 * l) * c->idx_bytes);
            }
        }
        size_t lo = bounds[2 * i], hi = bounds[2 * i + 1];
        if (hi > n)
            hi = n;
        if (lo < hi)
            verify_bucket(c, k, q, r, j, lo, hi, s, sc);
    }
}

void ph_mih_search(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                   ph_sink *s, ph_scratch *sc)
{
    if (!c->mih_off || c->n == 0)
        return;
    /* Table 0 probed at its full width would hold every entry: that is a
     * scan, done faster by the scan itself. */
    if (table_radius(r, c->m, 0) >= (int)c->mbits) {
        ph_scan_core(c, k, q, s, sc);
        return;
    }
    for (unsigned j = 0; j < c->m && !s->failed; j++) {
        int rj = table_radius(r, c->m, j);
        if (rj >= 0)
            probe_table(c, k, q, r, j, (unsigned)rj, s, sc);
    }
}
