/* SPDX-License-Identifier: MIT */
/* Multi-index hashing (Norouzi, Punjani, Fleet 2014): the code is cut into
 * m substrings of 16 bits (8 below PH_MIH_SMALL entries), each indexed by a CSR table (an
 * offset per key, then the entry numbers grouped by key: no hash maps).
 * For 64-bit codes each table also keeps a 32-bit filter of each entry in
 * bucket order (ph_mih_filter: the 32 bits after the substring), so a
 * bucket is first screened by one sequential SIMD scan (docs/index.md 6:
 * going through the entry numbers for every candidate is 10x slower) and
 * only the few survivors are verified through their entry numbers, unless
 * the index is compact (phash_index_set_compact). Full inline codes (8
 * bytes) read twice the memory for the same work: the probes are bound by
 * memory traffic, not by the popcounts.
 *
 * Exactness (pigeonhole, refined): with r = s*m + a (0 <= a < m), an entry
 * within r of the query is within s of it on one of the first a+1
 * substrings, or within s-1 on one of the others. Each table is probed at
 * that radius, and a hit is reported only by the first table whose radius
 * it satisfies, which removes duplicates without a hash set. */
#include <string.h>

#include "index_internal.h"

#include <stdlib.h>

/* Substring width: 256-bit indexes of wide_min entries or more take the
 * wide layout (0: PH_MIH_WIDE). */
static unsigned choose_b(unsigned words, size_t n, size_t wide_min)
{
    if (words == 4 && n >= (wide_min ? wide_min : PH_MIH_WIDE))
        return PH_MIH_B_WIDE;
    return n < PH_MIH_SMALL ? 8 : 16;
}

phash_status ph_mih_order(size_t n, uint64_t *codes, uint64_t *ids)
{
    unsigned b = choose_b(1, n, 0);
    size_t keys = (size_t)1 << b;
    uint64_t *c2 = ph_malloc((n ? n : 1) * sizeof *c2), *i2 = ph_malloc((n ? n : 1) * sizeof *i2);
    size_t *cur = ph_calloc(keys + 1, sizeof *cur);
    if (!c2 || !i2 || !cur) {
        ph_free(c2);
        ph_free(i2);
        ph_free(cur);
        return PHASH_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        cur[ph_substr(codes + i, 0, b) + 1]++;
    for (size_t k = 0; k < keys; k++)
        cur[k + 1] += cur[k];
    for (size_t i = 0; i < n; i++) {
        size_t d = cur[ph_substr(codes + i, 0, b)]++;
        c2[d] = codes[i];
        i2[d] = ids[i];
    }
    memcpy(codes, c2, n * sizeof *codes);
    memcpy(ids, i2, n * sizeof *ids);
    ph_free(c2);
    ph_free(i2);
    ph_free(cur);
    return PHASH_OK;
}

phash_status ph_mih_build(ph_core *core, int layout, size_t wide_min)
{
    size_t n = core->n;
    unsigned b = choose_b(core->words, n, wide_min), m = ph_mih_tables(core->words, b);
    size_t offs = ph_sub_off(b, m);
    /* Lean: the entries are in table 0's bucket order (ph_mih_order). */
    unsigned t0 = core->words == 1 && layout == PH_LAYOUT_LEAN;
    uint32_t *off = ph_core_alloc(core, offs * sizeof *off);
    unsigned ib = ph_idx_bytes(n);
    unsigned char *idx = ph_core_alloc(core, (size_t)ph_idx_len(m - t0, n));
    uint32_t *filt = NULL;
    int want_filt = core->words == 1 && layout != PH_LAYOUT_COMPACT;
    if (want_filt)
        filt = ph_core_alloc(core, (n ? n : 1) * (m - t0) * sizeof *filt);
    if (!off || !idx || (want_filt && !filt))
        return PHASH_ERR_NOMEM;
    for (unsigned j = 0; j < m; j++) {
        uint32_t *o = off + ph_sub_off(b, j);
        size_t keys = (size_t)1 << ph_sub_width(b, j);
        memset(o, 0, (keys + 1) * sizeof *o);
        for (size_t i = 0; i < n; i++)
            o[ph_substr(core->codes + i * core->words, j, b) + 1]++;
        for (size_t key = 0; key < keys; key++)
            o[key + 1] += o[key];
        if (j < t0)
            continue; /* the entry order itself: o holds the bucket starts */
        /* Fill in entry order straight into the table (no n-entry scratch
         * array: 40 MB at 10M entries), using o[key] as the cursor, then
         * shift back. */
        size_t jt = j - t0;
        unsigned char *tab = idx + jt * n * ib;
        for (size_t i = 0; i < n; i++) {
            uint32_t pos = o[ph_substr(core->codes + i * core->words, j, b)]++;
            uint32_t e = (uint32_t)i;
            if (filt)
                filt[jt * n + pos] = ph_mih_filter(core->codes[i], j, b);
            memcpy(tab + (size_t)pos * ib, &e, ib); /* little-endian host */
        }
        memmove(o + 1, o, keys * sizeof *o);
        o[0] = 0;
    }
    idx[(size_t)(m - t0) * n * ib] = 0; /* the padding byte */
    core->m = m;
    core->mbits = b;
    core->mih_off = off;
    core->mih_idx = idx;
    core->idx_bytes = ib;
    core->mih_filt = filt;
    core->mih_t0 = t0;
    ph_mih_stats(core);
    return PHASH_OK;
}

void ph_mih_stats(ph_core *core)
{
    double sum = 0;
    for (unsigned j = 0; j < core->m; j++) {
        const uint32_t *o = core->mih_off + ph_sub_off(core->mbits, j);
        size_t keys = (size_t)1 << ph_sub_width(core->mbits, j);
        for (size_t key = 0; key < keys; key++) {
            double sz = (double)(o[key + 1] - o[key]);
            sum += sz * sz;
        }
    }
    core->mih_occupancy = core->n && core->m ? sum / ((double)core->n * core->m) : 0;
    ph_plan_prepare(core);
}

/* Radius probed in table j for query radius r. -1: table not probed. The
 * a+1 tables at radius s may be any a+1 of them: they are 0..a, or 1..a+1
 * when t0 (the lean layout's table 0 is scanned in the code array, 8 bytes
 * per candidate instead of 4, so it takes the smaller radius). */
static int table_radius(unsigned r, unsigned m, unsigned j, unsigned t0)
{
    unsigned s = r / m, a = r % m;
    if (t0)
        j = (j + m - 1) % m;
    return j <= a ? (int)s : (int)s - 1;
}

/* First table (< j) whose radius the code satisfies, i.e. that reported it. */
static int found_earlier(const ph_core *c, const uint64_t *code, const uint64_t *q, unsigned r,
                         unsigned j)
{
    for (unsigned i = 0; i < j; i++) {
        int ri = table_radius(r, c->m, i, c->mih_t0);
        if (ri >= 0 &&
            (int)ph_popcount64(ph_substr(code, i, c->mbits) ^ ph_substr(q, i, c->mbits)) <= ri)
            return 1;
    }
    return 0;
}

/* Verify bucket [lo, hi) of table j through the entry numbers (256-bit
 * and compact tables). */
static void verify_bucket(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                          unsigned j, size_t lo, size_t hi, ph_sink *s, ph_scratch *sc)
{
    unsigned ib = c->idx_bytes;
    const unsigned char *t = c->mih_idx + (size_t)j * c->n * ib;
    for (size_t b = lo; b < hi; b += PH_SCAN_BLOCK) {
        size_t len = hi - b < PH_SCAN_BLOCK ? hi - b : PH_SCAN_BLOCK, nh;
        if (c->words == 1)
            nh = k->gather64(c->codes, t + b * ib, ib, len, c->n, q, s->bound, sc->pos, sc->dist);
        else
            nh = k->gather256(c->codes, t + b * ib, ib, len, c->n, q, s->bound, sc->pos, sc->dist);
        for (size_t i = 0; i < nh; i++) {
            uint32_t e = ph_idx_get(t, b + sc->pos[i], ib);
            if (e >= c->n)
                continue; /* corrupt table entry (only possible with TRUST) */
            if (!found_earlier(c, c->codes + (size_t)c->words * e, q, r, j))
                ph_sink_push(s, e, sc->dist[i]);
        }
    }
}

/* The filter survivors sc->surv[0..ns) of table j (table positions):
 * their entry numbers, then their codes, each pass prefetching all of its
 * random accesses before the next reads them. */
static void verify_survivors(const ph_core *c, const uint64_t *q, unsigned r, unsigned j,
                             size_t ns, ph_sink *s, ph_scratch *sc)
{
    unsigned ib = c->idx_bytes;
    const unsigned char *t = c->mih_idx + (size_t)(j - c->mih_t0) * c->n * ib;
    for (size_t i = 0; i < ns; i++)
        __builtin_prefetch(t + (size_t)sc->surv[i] * ib);
    for (size_t i = 0; i < ns; i++) {
        uint32_t e = ph_idx_get(t, sc->surv[i], ib);
        sc->sent[i] = e;
        if (e < c->n)
            __builtin_prefetch(c->codes + e);
    }
    for (size_t i = 0; i < ns; i++) {
        uint32_t e = sc->sent[i];
        if (e >= c->n)
            continue; /* corrupt table entry (only possible with TRUST) */
        unsigned d = ph_popcount64(c->codes[e] ^ q[0]);
        if (d <= s->bound && !found_earlier(c, c->codes + e, q, r, j))
            ph_sink_push(s, e, d);
    }
}

/* Screen bucket [lo, hi) of table j, whose key is dk bits from the
 * query's, by the filters; survivors are queued in sc->surv (*ns of them),
 * verified whenever the queue could overflow and at the end of the table. */
static void screen_bucket(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                          unsigned j, unsigned dk, size_t lo, size_t hi, size_t *ns, ph_sink *s,
                          ph_scratch *sc)
{
    const uint32_t *f = c->mih_filt + (size_t)(j - c->mih_t0) * c->n;
    uint32_t qf = ph_mih_filter(q[0], j, c->mbits);
    for (size_t b = lo; b < hi && s->bound >= dk; b += PH_SCAN_BLOCK) {
        size_t len = hi - b < PH_SCAN_BLOCK ? hi - b : PH_SCAN_BLOCK;
        size_t nh = k->scan32(f + b, len, qf, s->bound - dk, sc->pos, sc->dist);
        if (*ns + nh > PH_SCAN_BLOCK) {
            verify_survivors(c, q, r, j, *ns, s, sc);
            *ns = 0;
        }
        for (size_t i = 0; i < nh; i++)
            sc->surv[(*ns)++] = (uint32_t)(b + sc->pos[i]);
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
 * ahead is prefetched. Within a bucket access is sequential (64-bit
 * filters) or prefetched by the gather kernel (256-bit and compact). */
#define PF_BUCKET 4
#define PF_LINES 4

static void probe_table(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                        unsigned j, unsigned radius, ph_sink *s, ph_scratch *sc)
{
    const uint32_t *o = c->mih_off + ph_sub_off(c->mbits, j);
    unsigned width = ph_sub_width(c->mbits, j);
    size_t maxk = ph_ball(width, radius);
    uint32_t *keys = ph_buf_reserve(&sc->keys, maxk * 3 * sizeof *keys);
    if (!keys) {
        s->failed = 1;
        return;
    }
    size_t nk = list_keys(ph_substr(q, j, c->mbits), radius, width, keys), nb = 0;
    /* bounds[2i], bounds[2i+1]: the non-empty buckets, clamped to n below;
     * bkey[i] their keys (written over keys[], never ahead of the reads). */
    uint32_t *bounds = keys + maxk, *bkey = keys;
    for (size_t i = 0; i < nk; i++) {
        uint32_t key = keys[i], lo = o[key], hi = o[key + 1];
        bounds[2 * nb] = lo;
        bounds[2 * nb + 1] = hi;
        bkey[nb] = key;
        nb += lo < hi;
    }
    /* Lean layout, table 0: the buckets are ranges of the code array. */
    const uint64_t *direct = j < c->mih_t0 ? c->codes : NULL;
    const uint32_t *filt = c->mih_filt && !direct ? c->mih_filt + (size_t)(j - c->mih_t0) * c->n
                                                  : NULL;
    const unsigned char *idx = direct ? NULL : c->mih_idx + (size_t)(j - c->mih_t0) * c->n * c->idx_bytes;
    size_t n = c->n, ns = 0;
    unsigned key0 = ph_substr(q, j, c->mbits);
    for (size_t i = 0; i < nb && !s->failed; i++) {
        if (i + PF_BUCKET < nb) {
            size_t b = bounds[2 * (i + PF_BUCKET)];
            if (b < n) {
                size_t e = bounds[2 * (i + PF_BUCKET) + 1];
                for (unsigned l = 0; l < PF_LINES && b + 16 * l < e; l++)
                    if (direct)
                        __builtin_prefetch(direct + b + 8 * l);
                    else if (filt)
                        __builtin_prefetch(filt + b + 16 * l);
                    else
                        __builtin_prefetch(idx + (b + 16 * l) * c->idx_bytes);
            }
        }
        size_t lo = bounds[2 * i], hi = bounds[2 * i + 1];
        if (hi > n)
            hi = n;
        if (lo >= hi)
            continue;
        if (direct) /* table 0 reports every entry within r: nothing is earlier */
            ph_scan_range(direct, 1, lo, hi, 0, k, q, s, sc);
        else if (filt)
            screen_bucket(c, k, q, r, j, (unsigned)ph_popcount64(bkey[i] ^ key0), lo, hi, &ns, s,
                          sc);
        else
            verify_bucket(c, k, q, r, j, lo, hi, s, sc);
    }
    if (ns && !s->failed)
        verify_survivors(c, q, r, j, ns, s, sc);
}

void ph_mih_search(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, unsigned r,
                   ph_sink *s, ph_scratch *sc)
{
    if (!c->mih_off || c->n == 0)
        return;
    /* Table 0 probed at its full width would hold every entry: that is a
     * scan, done faster by the scan itself. */
    if (table_radius(r, c->m, 0, 0) >= (int)ph_sub_width(c->mbits, 0)) {
        ph_scan_core(c, k, q, s, sc);
        return;
    }
    for (unsigned j = 0; j < c->m && !s->failed; j++) {
        int rj = table_radius(r, c->m, j, c->mih_t0);
        if (rj >= 0)
            probe_table(c, k, q, r, j, (unsigned)rj, s, sc);
    }
}
