/* SPDX-License-Identifier: MIT */
/* The compact owners of a compiled set in the endpoint layout (the
 * EOWNERS section, compiled.c): used in place, nothing per entry on the
 * heap.
 *
 * Owners are stored grouped by algorithm, then entry, then load order (the
 * order phash_sigset_owner_get gives), so an owner's algorithm and entry
 * are implicit: entry e of an algorithm has one owner, at position e of
 * the algorithm's group, unless it is an "exception" (an entry with 0 or
 * several owners), listed with where its owners start. Each owner record
 * holds its fields frame-of-reference coded: value = base + the field's
 * bytes (0 to 8, little-endian; 0 when every owner has the same value), so
 * a field that never changes (list, category, quality, flags, metadata of a
 * list without them) costs nothing. The line is stored as line - position
 * in the group (constant for a list read in order). Ids and metadata stay
 * strings of the POOL section, addressed by offset.
 *
 *   0    u64 owners n
 *   8    u32 record bytes, u32 fields (7)
 *   16   7 x {u64 width, u64 base, u64 span}: list, id, meta, line,
 *        quality + 1, flags, category; a stored value above span reads as
 *        span (a damaged record cannot point outside the set)
 *   184  per algorithm 1..6: u64 owners, u64 exceptions
 *   280  exceptions, per algorithm in turn, sorted by entry: u32 entry,
 *        u32 start (in the algorithm's group), u32 owners
 *        then n records, in group order */
#include <string.h>

#include "sigset_int.h"

#define EO_HEAD 280u
#define EO_EXC 12u

/* Little-endian values of n bytes (0 to 8). */
static void putn(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t getn(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---- the fields of an owner ---- */

/* Owner o at position pos of its algorithm's group, as field values. */
static void fields_of(const ph_owner *o, size_t pos, uint64_t v[PH_EO_FIELDS])
{
    v[PH_EO_LIST] = o->list;
    v[PH_EO_ID] = o->id;
    v[PH_EO_META] = o->meta;
    v[PH_EO_LINE] = o->line - (uint64_t)pos; /* modulo 2^64, compared as signed */
    v[PH_EO_QUALITY] = (uint64_t)(o->quality + 1);
    v[PH_EO_FLAGS] = o->flags;
    v[PH_EO_CATEGORY] = o->category;
}

static int less(unsigned f, uint64_t a, uint64_t b)
{
    return f == PH_EO_LINE ? (int64_t)a < (int64_t)b : a < b;
}

static unsigned bytes_for(uint64_t span)
{
    unsigned w = 0;
    while (w < 8 && (span >> (8 * w)) != 0)
        w++;
    return w;
}

/* ---- writing ---- */

typedef struct eo_plan {
    uint64_t base[PH_EO_FIELDS], span[PH_EO_FIELDS];
    unsigned width[PH_EO_FIELDS], rec;
    uint64_t owners[PHASH_SIG_ALGO_MAX + 1], exc[PHASH_SIG_ALGO_MAX + 1], total;
} eo_plan;

/* Pass 1: the counts, and each field's range. */
static void plan(const phash_sigset *set, eo_plan *p)
{
    memset(p, 0, sizeof *p);
    uint64_t hi[PH_EO_FIELDS] = {0};
    int seen = 0;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        size_t pos = 0;
        for (size_t e = 0; e < set->algo[a].count; e++) {
            size_t n = phash_sigset_owner_count(set, (phash_sig_algo)a, e);
            p->exc[a] += n != 1;
            for (size_t k = 0; k < n; k++, pos++) {
                ph_owner o;
                uint64_t v[PH_EO_FIELDS];
                ph_sigset_owner_at(set, a, e, k, &o);
                fields_of(&o, pos, v);
                for (unsigned f = 0; f < PH_EO_FIELDS; f++) {
                    if (!seen || less(f, v[f], p->base[f]))
                        p->base[f] = v[f];
                    if (!seen || less(f, hi[f], v[f]))
                        hi[f] = v[f];
                }
                seen = 1;
            }
        }
        p->owners[a] = pos;
        p->total += pos;
    }
    for (unsigned f = 0; f < PH_EO_FIELDS; f++) {
        p->span[f] = hi[f] - p->base[f];
        p->width[f] = bytes_for(p->span[f]);
        p->rec += p->width[f];
    }
}

phash_status ph_eowners_write(const phash_sigset *set, ph_sink_fn put, void *ctx)
{
    eo_plan p;
    plan(set, &p);
    uint8_t head[EO_HEAD] = {0};
    putn(head, p.total, 8);
    putn(head + 8, p.rec, 4);
    putn(head + 12, PH_EO_FIELDS, 4);
    for (unsigned f = 0; f < PH_EO_FIELDS; f++) {
        putn(head + 16 + 24 * f, p.width[f], 8);
        putn(head + 24 + 24 * f, p.base[f], 8);
        putn(head + 32 + 24 * f, p.span[f], 8);
    }
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        putn(head + 184 + 16 * (a - 1), p.owners[a], 8);
        putn(head + 192 + 16 * (a - 1), p.exc[a], 8);
    }
    if (put(ctx, head, sizeof head))
        return PHASH_ERR_IO;
    /* Pass 2: the exceptions. */
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        size_t pos = 0;
        for (size_t e = 0; e < set->algo[a].count; e++) {
            size_t n = phash_sigset_owner_count(set, (phash_sig_algo)a, e);
            if (n != 1) {
                uint8_t x[EO_EXC];
                putn(x, (uint32_t)e, 4);
                putn(x + 4, (uint32_t)pos, 4);
                putn(x + 8, (uint32_t)n, 4);
                if (put(ctx, x, sizeof x))
                    return PHASH_ERR_IO;
            }
            pos += n;
        }
    }
    /* Pass 3: the records, a buffer at a time. */
    uint8_t buf[4096];
    size_t len = 0;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        size_t pos = 0;
        for (size_t e = 0; e < set->algo[a].count; e++) {
            size_t n = phash_sigset_owner_count(set, (phash_sig_algo)a, e);
            for (size_t k = 0; k < n; k++, pos++) {
                ph_owner o;
                uint64_t v[PH_EO_FIELDS];
                ph_sigset_owner_at(set, a, e, k, &o);
                fields_of(&o, pos, v);
                if (len + p.rec > sizeof buf) {
                    if (put(ctx, buf, len))
                        return PHASH_ERR_IO;
                    len = 0;
                }
                for (unsigned f = 0; f < PH_EO_FIELDS; f++)
                    for (unsigned i = 0; i < p.width[f]; i++)
                        buf[len++] = (uint8_t)((v[f] - p.base[f]) >> (8 * i));
            }
        }
    }
    return len && put(ctx, buf, len) ? PHASH_ERR_IO : PHASH_OK;
}

/* ---- reading ---- */

/* Check the section against the set (its lists, pool, categories and entry
 * counts, already attached) and point the set at it. Costs the exceptions,
 * never the owners. */
int ph_eowners_attach(phash_sigset *set, const uint8_t *p, uint64_t size, const char **why)
{
    *why = "compiled set owner table is malformed";
    if (size < EO_HEAD || getn(p + 12, 4) != PH_EO_FIELDS)
        return -1;
    ph_eowners *eo = ph_calloc(1, sizeof *eo);
    if (!eo) {
        *why = NULL; /* out of memory */
        return -1;
    }
    uint64_t limit[PH_EO_FIELDS] = {set->n_lists, set->pool_len, set->pool_len, 0, 102, 256,
                                    set->n_cats + 1};
    uint64_t n = getn(p, 8);
    unsigned at = 0;
    for (unsigned f = 0; f < PH_EO_FIELDS; f++) {
        uint64_t w = getn(p + 16 + 24 * f, 8);
        eo->base[f] = getn(p + 24 + 24 * f, 8);
        eo->span[f] = getn(p + 32 + 24 * f, 8);
        if (w > 8 || bytes_for(eo->span[f]) > w ||
            (n && f != PH_EO_LINE &&
             (eo->base[f] >= limit[f] || eo->span[f] >= limit[f] - eo->base[f])))
            goto bad; /* an owner could refer outside the set */
        eo->width[f] = (unsigned)w;
        eo->at[f] = at;
        at += (unsigned)w;
    }
    eo->rec_size = at;
    if (getn(p + 8, 4) != at)
        goto bad;
    uint64_t total = 0, n_exc = 0;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        uint64_t owners = getn(p + 184 + 16 * (a - 1), 8), exc = getn(p + 192 + 16 * (a - 1), 8);
        if (owners >= UINT32_MAX || exc > set->algo[a].count)
            goto bad;
        eo->first[a] = (size_t)total;
        eo->n_exc[a] = (size_t)exc;
        total += owners;
        n_exc += exc;
    }
    eo->first[PHASH_SIG_ALGO_MAX + 1] = (size_t)total;
    if (total != n || n >= UINT32_MAX ||
        size != EO_HEAD + EO_EXC * n_exc + (uint64_t)at * n)
        goto bad;
    const uint8_t *x = p + EO_HEAD;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        eo->exc[a] = x;
        /* Every entry's owners follow the previous entry's. */
        uint64_t next_entry = 0, next_start = 0;
        for (size_t j = 0; j < eo->n_exc[a]; j++, x += EO_EXC) {
            uint64_t e = getn(x, 4), s = getn(x + 4, 4), c = getn(x + 8, 4);
            if (e < next_entry || e >= set->algo[a].count || s != next_start + (e - next_entry))
                goto bad;
            next_entry = e + 1;
            next_start = s + c;
        }
        if (next_start + (set->algo[a].count - next_entry) !=
            eo->first[a + 1] - eo->first[a])
            goto bad;
    }
    eo->rec = x;
    set->eo = eo;
    set->n_owners = (size_t)n;
    return 0;
bad:
    ph_free(eo);
    return -1;
}

/* The last exception of algo a whose field at byte offset off (0: entry,
 * 4: start) is <= v; -1 when none. */
static long long last_exc(const ph_eowners *eo, int a, unsigned off, uint64_t v)
{
    size_t lo = 0, hi = eo->n_exc[a]; /* answer in [lo - 1, hi) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (getn(eo->exc[a] + EO_EXC * mid + off, 4) <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long long)lo - 1;
}

void ph_eowners_range(const ph_eowners *eo, int a, size_t entry, size_t *first, size_t *count)
{
    long long j = last_exc(eo, a, 0, entry);
    size_t start = entry, n = 1;
    if (j >= 0) {
        const uint8_t *x = eo->exc[a] + EO_EXC * (size_t)j;
        size_t e = getn(x, 4), s = getn(x + 4, 4), c = getn(x + 8, 4);
        if (e == entry)
            start = s, n = c;
        else
            start = s + c + (entry - e - 1);
    }
    *first = eo->first[a] + start;
    *count = n;
}

void ph_eowners_get(const ph_eowners *eo, size_t i, ph_owner *out)
{
    int a = 1;
    while (a < PHASH_SIG_ALGO_MAX && i >= eo->first[a + 1])
        a++;
    size_t pos = i - eo->first[a], entry = pos;
    long long j = last_exc(eo, a, 4, pos);
    if (j >= 0) {
        const uint8_t *x = eo->exc[a] + EO_EXC * (size_t)j;
        size_t e = getn(x, 4), s = getn(x + 4, 4), c = getn(x + 8, 4);
        entry = pos < s + c ? e : e + 1 + (pos - s - c);
    }
    const uint8_t *r = eo->rec + (size_t)eo->rec_size * i;
    uint64_t v[PH_EO_FIELDS];
    for (unsigned f = 0; f < PH_EO_FIELDS; f++) {
        uint64_t s = getn(r + eo->at[f], eo->width[f]);
        v[f] = eo->base[f] + (s > eo->span[f] ? eo->span[f] : s);
    }
    *out = (ph_owner){.entry = (uint32_t)entry,
                      .list = (uint32_t)v[PH_EO_LIST],
                      .id = (size_t)v[PH_EO_ID],
                      .meta = (size_t)v[PH_EO_META],
                      .line = v[PH_EO_LINE] + pos,
                      .quality = (int16_t)((int)v[PH_EO_QUALITY] - 1),
                      .algo = (uint8_t)a,
                      .flags = (uint8_t)v[PH_EO_FLAGS],
                      .category = (uint32_t)v[PH_EO_CATEGORY]};
}

phash_status ph_eowners_expand(phash_sigset *set)
{
    if (!set->eo)
        return PHASH_OK;
    ph_owner *o = ph_malloc((set->n_owners ? set->n_owners : 1) * sizeof *o);
    if (!o)
        return PHASH_ERR_NOMEM;
    for (size_t i = 0; i < set->n_owners; i++)
        ph_eowners_get(set->eo, i, &o[i]);
    ph_free(set->eo);
    set->eo = NULL;
    set->owners = o;
    set->owners_cap = set->n_owners;
    set->finalized = 0;
    return ph_sigset_finalize(set);
}
