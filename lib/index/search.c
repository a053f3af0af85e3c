/* SPDX-License-Identifier: MIT */
/* Queries: one code or a dihedral group of 8 per query, radius or k-NN,
 * on the calling thread or on n threads; the result container. */
#include <stdlib.h>
#include <string.h>

#include "index_handle.h"

/* More threads than this only add overhead on any machine we target. */
#define PH_MAX_THREADS 256

struct phash_index_results {
    phash_index_hit *hits;
    size_t nhits, cap;
    size_t *off; /* nq + 1 */
    size_t offcap, nq;
    ph_hitvec tmp;
    ph_scratch *scratch;
};

phash_status phash_index_results_new(phash_index_results **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = ph_calloc(1, sizeof **out);
    return *out ? PHASH_OK : PHASH_ERR_NOMEM;
}

static void scratch_free(ph_scratch *sc)
{
    if (sc) {
        ph_buf_release(&sc->stack);
        ph_buf_release(&sc->keys);
        ph_free(sc->vtmp.v);
        ph_free(sc);
    }
}

void phash_index_results_free(phash_index_results *r)
{
    if (!r)
        return;
    ph_free(r->hits);
    ph_free(r->off);
    ph_free(r->tmp.v);
    scratch_free(r->scratch);
    ph_free(r);
}

size_t phash_index_results_queries(const phash_index_results *r) { return r ? r->nq : 0; }

const phash_index_hit *phash_index_results_hits(const phash_index_results *r, size_t q,
                                                size_t *count)
{
    if (count)
        *count = 0;
    if (!r || q >= r->nq)
        return NULL;
    if (count)
        *count = r->off[q + 1] - r->off[q];
    /* No hit in any query: nothing was allocated, and NULL + 0 is undefined. */
    return r->hits ? r->hits + r->off[q] : NULL;
}

static int reserve_hits(phash_index_results *r, size_t need)
{
    if (need <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 64, bytes;
    while (cap < need)
        cap *= 2;
    if (ph_mul_size(cap, sizeof *r->hits, &bytes) != 0)
        return -1;
    phash_index_hit *h = ph_realloc(r->hits, bytes);
    if (!h)
        return -1;
    r->hits = h;
    r->cap = cap;
    return 0;
}

/* ---- one query -------------------------------------------------------- */

typedef struct query_ctx {
    const phash_index *ix;
    const uint64_t *codes; /* nq * variants codes */
    const phash_index_search_opts *opts;
    unsigned variants;
} query_ctx;

static int by_dist_id(const void *a, const void *b)
{
    const ph_rawhit *x = a, *y = b;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static int by_entry_dist_variant(const void *a, const void *b)
{
    const ph_rawhit *x = a, *y = b;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return x->variant < y->variant ? -1 : x->variant > y->variant;
}

static void run_method(const phash_index *ix, const uint64_t *q, const phash_index_search_opts *o,
                       ph_sink *s, ph_scratch *sc)
{
    const ph_core *c = ix->core;
    /* A structure that is not built (empty or unbuilt index) falls back to
     * the scan, which is exact too. */
    phash_index_method m = ph_plan(c, ix->nbuf, o->radius, o->k, o->method);
    if (m == PHASH_INDEX_MIH && c->mih_off)
        ph_mih_search(c, ix->ops, q, o->radius, s, sc);
    else if (m == PHASH_INDEX_BKTREE && c->bk_nodes)
        ph_bktree_search(c, ix->ops, q, s, sc);
    else
        ph_scan_core(c, ix->ops, q, s, sc);
    ph_scan_range(ix->buf_codes, ix->words, 0, ix->nbuf, c->n, ix->ops, q, s, sc);
}

/* Report order: by distance then id, the first k if k > 0. */
static void finish(ph_hitvec *h, size_t k)
{
    if (h->n > 1)
        qsort(h->v, h->n, sizeof *h->v, by_dist_id);
    if (k && h->n > k)
        h->n = k;
}

/* The batched scan's block (below), in bytes of codes. */
#define BATCH_BLOCK_BYTES (256u * 1024u)

/* A dihedral radius query by scan: every variant over one block of about
 * 256 KiB of codes while it is in cache, block after block, instead of
 * streaming the whole array once per variant. All hits go to s->out (k is
 * 0: no bound shrinks), each with its variant. */
static void scan_variants(const query_ctx *qc, size_t qi, ph_sink *s, ph_scratch *sc)
{
    const phash_index *ix = qc->ix;
    const ph_core *c = ix->core;
    unsigned V = qc->variants, w = ix->words;
    const uint64_t *q = qc->codes + (size_t)qi * V * w;
    size_t block = BATCH_BLOCK_BYTES / (8 * w);
    for (size_t b = 0; b < c->n; b += block) {
        size_t e = c->n - b < block ? c->n : b + block;
        for (unsigned v = 0; v < V; v++) {
            s->variant = v;
            ph_scan_range(c->codes, w, b, e, 0, ix->ops, q + (size_t)v * w, s, sc);
        }
    }
    for (unsigned v = 0; v < V; v++) {
        s->variant = v;
        ph_scan_range(ix->buf_codes, w, 0, ix->nbuf, c->n, ix->ops, q + (size_t)v * w, s, sc);
    }
}

/* Answer query qi into tmp (final order, at most k). 0 or -1 (no memory). */
static int answer(const query_ctx *qc, size_t qi, ph_hitvec *tmp, ph_scratch *sc)
{
    const phash_index *ix = qc->ix;
    const phash_index_search_opts *o = qc->opts;
    unsigned V = qc->variants, w = ix->words;
    /* Dihedral k-NN keeps the k best of each variant: the k best entries
     * overall (by their best variant) are all among them, since an entry
     * outside its best variant's k best has k entries ahead of it. */
    ph_hitvec *dst = V > 1 && o->k ? &sc->vtmp : tmp;
    ph_sink s = {.out = dst, .k = o->k, .core = ix->core, .dead = ix->dead,
                 .buf_ids = ix->buf_ids};
    tmp->n = 0;
    if (V > 1 && o->k == 0 &&
        ph_plan(ix->core, ix->nbuf, o->radius, 0, o->method) == PHASH_INDEX_SCAN) {
        s.bound = o->radius;
        scan_variants(qc, qi, &s, sc);
        V = 0; /* done: the variants' hits are in tmp */
    }
    for (unsigned v = 0; v < V && !s.failed; v++) {
        s.variant = v;
        s.bound = o->radius;
        if (dst != tmp)
            dst->n = 0;
        run_method(ix, qc->codes + ((size_t)qi * V + v) * w, o, &s, sc);
        for (size_t i = 0; dst != tmp && i < dst->n && !s.failed; i++)
            if (ph_hitvec_push(tmp, &dst->v[i]) != 0)
                s.failed = 1;
    }
    if (s.failed)
        return -1;
    if (qc->variants > 1 && tmp->n > 1) {
        /* One hit per entry: its best variant (lowest distance, then variant). */
        qsort(tmp->v, tmp->n, sizeof *tmp->v, by_entry_dist_variant);
        size_t o2 = 1;
        for (size_t i = 1; i < tmp->n; i++)
            if (tmp->v[i].entry != tmp->v[o2 - 1].entry)
                tmp->v[o2++] = tmp->v[i];
        tmp->n = o2;
    }
    finish(tmp, o->k);
    return 0;
}

static int append(phash_index_results *r, const ph_hitvec *tmp)
{
    if (reserve_hits(r, r->nhits + tmp->n) != 0)
        return -1;
    for (size_t i = 0; i < tmp->n; i++)
        r->hits[r->nhits++] = (phash_index_hit){tmp->v[i].id, tmp->v[i].dist, tmp->v[i].variant};
    return 0;
}

/* Batched scan (docs/index.md 6): each block of about 256 KiB of codes is
 * scanned for every query of the batch while it is in cache, instead of
 * streaming the whole array once per query. Each query keeps its own sink
 * (and k-NN heap) across blocks. */

static int answer_scan_batch(const query_ctx *qc, size_t q0, size_t q1, phash_index_results *r)
{
    const phash_index *ix = qc->ix;
    const ph_core *c = ix->core;
    unsigned w = ix->words;
    size_t nq = q1 - q0, block = BATCH_BLOCK_BYTES / (8 * w);
    ph_hitvec *vecs = ph_calloc(nq, sizeof *vecs);
    ph_sink *sinks = ph_calloc(nq, sizeof *sinks);
    int rc = -1;
    if (!vecs || !sinks)
        goto out;
    for (size_t i = 0; i < nq; i++)
        sinks[i] = (ph_sink){.out = &vecs[i], .k = qc->opts->k, .bound = qc->opts->radius,
                             .core = c, .dead = ix->dead, .buf_ids = ix->buf_ids};
    for (size_t b = 0; b < c->n; b += block) {
        size_t e = c->n - b < block ? c->n : b + block;
        for (size_t i = 0; i < nq; i++)
            ph_scan_range(c->codes, w, b, e, 0, ix->ops, qc->codes + (q0 + i) * w, &sinks[i],
                          r->scratch);
    }
    for (size_t i = 0; i < nq; i++) {
        ph_scan_range(ix->buf_codes, w, 0, ix->nbuf, c->n, ix->ops, qc->codes + (q0 + i) * w,
                      &sinks[i], r->scratch);
        if (sinks[i].failed)
            goto out;
        finish(&vecs[i], qc->opts->k);
        r->off[q0 + i] = r->nhits;
        if (append(r, &vecs[i]) != 0)
            goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; vecs && i < nq; i++)
        ph_free(vecs[i].v);
    ph_free(vecs);
    ph_free(sinks);
    return rc;
}

/* Queries [q0, q1) into r (appended; r->off[q] set for each). */
static int answer_range(const query_ctx *qc, size_t q0, size_t q1, phash_index_results *r)
{
    if (!r->scratch && !(r->scratch = ph_calloc(1, sizeof *r->scratch)))
        return -1;
    const phash_index_search_opts *o = qc->opts;
    if (qc->variants == 1 && q1 - q0 > 1 &&
        ph_plan(qc->ix->core, qc->ix->nbuf, o->radius, o->k, o->method) == PHASH_INDEX_SCAN)
        return answer_scan_batch(qc, q0, q1, r);
    for (size_t q = q0; q < q1; q++) {
        r->off[q] = r->nhits;
        if (answer(qc, q, &r->tmp, r->scratch) != 0 || append(r, &r->tmp) != 0)
            return -1;
    }
    return 0;
}

/* ---- threads ---------------------------------------------------------- */

typedef struct worker {
    const query_ctx *qc;
    size_t q0, q1;
    phash_index_results res; /* off indexed by global query number */
    int rc;
    ph_thread *th; /* NULL: not spawned (written and read by the calling thread only) */
} worker;

static void *work(void *arg)
{
    worker *wk = arg;
    wk->rc = answer_range(wk->qc, wk->q0, wk->q1, &wk->res);
    return NULL;
}

static void release_worker(worker *wk)
{
    ph_free(wk->res.hits);
    ph_free(wk->res.tmp.v);
    scratch_free(wk->res.scratch);
}

static int answer_threads(const query_ctx *qc, size_t nq, unsigned nt, phash_index_results *r)
{
    worker *wk = ph_calloc(nt, sizeof *wk);
    if (!wk)
        return -1;
    int rc = 0;
    for (unsigned t = 0; t < nt; t++) {
        wk[t].qc = qc;
        wk[t].q0 = nq * t / nt;
        wk[t].q1 = nq * (t + 1) / nt;
        wk[t].res.off = r->off; /* disjoint ranges of one array */
        /* A worker that cannot be started runs here instead. Its rc is
         * not the flag: the worker writes rc while this thread would read it. */
        if (t > 0 && ph_thread_start(&wk[t].th, work, &wk[t]) != 0)
            wk[t].th = NULL;
    }
    work(&wk[0]);
    for (unsigned t = 1; t < nt; t++) {
        if (wk[t].th)
            ph_thread_join(wk[t].th);
        else
            work(&wk[t]);
    }
    /* Concatenate in query order, shifting each worker's offsets. */
    for (unsigned t = 0; t < nt && rc == 0; t++) {
        if (wk[t].rc != 0 || reserve_hits(r, r->nhits + wk[t].res.nhits) != 0) {
            rc = -1;
            break;
        }
        for (size_t q = wk[t].q0; q < wk[t].q1; q++)
            r->off[q] += r->nhits;
        if (wk[t].res.nhits)
            memcpy(r->hits + r->nhits, wk[t].res.hits, wk[t].res.nhits * sizeof *r->hits);
        r->nhits += wk[t].res.nhits;
    }
    for (unsigned t = 0; t < nt; t++)
        release_worker(&wk[t]);
    ph_free(wk);
    return rc;
}

/* ---- entry point ------------------------------------------------------ */

/* The caller's options in this library's layout (see phash_limits). */
static int opts_in(phash_index_search_opts *dst, const phash_index_search_opts *src)
{
    memset(dst, 0, sizeof *dst);
    return ph_struct_in(dst, sizeof *dst, src, PH_SEARCH_OPTS_V1);
}

phash_index_method phash_index_plan(const phash_index *ix, const phash_index_search_opts *opts)
{
    phash_index_search_opts own, *o = &own;
    if (!ix || !opts || opts_in(&own, opts))
        return PHASH_INDEX_SCAN;
    phash_index *m = (phash_index *)ix;
    ph_rwlock_read_lock(m->lock);
    phash_index_method p = ph_plan(ix->core, ix->nbuf, o->radius, o->k, o->method);
    if (p == PHASH_INDEX_MIH && !ix->core->mih_off)
        p = ix->core->bk_nodes ? PHASH_INDEX_BKTREE : PHASH_INDEX_SCAN;
    if (p == PHASH_INDEX_BKTREE && !ix->core->bk_nodes)
        p = PHASH_INDEX_SCAN;
    ph_rwlock_read_unlock(m->lock);
    return p;
}

phash_status phash_index_search(const phash_index *ix, const void *codes, size_t nq,
                                const phash_index_search_opts *opts, phash_index_results *r)
{
    if (!ix || !opts || !r || (nq && !codes))
        return PHASH_ERR_INVALID_ARG;
    phash_index_search_opts own, *o = &own;
    if (opts_in(&own, opts))
        return PHASH_ERR_VERSION;
    unsigned V = o->variants ? o->variants : 1;
    if ((V != 1 && V != 8) || o->radius > ix->bits || o->method < PHASH_INDEX_AUTO ||
        o->method > PHASH_INDEX_MIH)
        return PHASH_ERR_INVALID_ARG;
    size_t offs;
    if (ph_mul_size(nq + 1, sizeof *r->off, &offs) != 0)
        return PHASH_ERR_INVALID_ARG;
    if (nq + 1 > r->offcap) {
        size_t *off = ph_realloc(r->off, offs);
        if (!off)
            return PHASH_ERR_NOMEM;
        r->off = off;
        r->offcap = nq + 1;
    }
    r->nq = 0;
    r->nhits = 0;
    /* Codes are read as uint64 words; PDQ codes are 32 bytes with no
     * alignment promise, so copy them when misaligned. */
    const uint64_t *q = codes;
    void *copy = NULL;
    size_t w = ix->words, qbytes;
    if (ph_mul_size(nq, V * w * sizeof(uint64_t), &qbytes) != 0)
        return PHASH_ERR_INVALID_ARG;
    if (((uintptr_t)codes & 7) != 0) {
        if (!(copy = ph_malloc(qbytes)))
            return PHASH_ERR_NOMEM;
        memcpy(copy, codes, qbytes);
        q = copy;
    }
    phash_index *m = (phash_index *)ix;
    ph_rwlock_read_lock(m->lock);
    query_ctx qc = {ix, q, o, V};
    unsigned nt = o->threads > 1 ? o->threads : 1;
    if (nt > PH_MAX_THREADS)
        nt = PH_MAX_THREADS;
    if (nt > nq)
        nt = nq ? (unsigned)nq : 1;
    int rc = nt > 1 ? answer_threads(&qc, nq, nt, r) : answer_range(&qc, 0, nq, r);
    ph_rwlock_read_unlock(m->lock);
    ph_free(copy);
    if (rc != 0) {
        r->nq = 0;
        r->nhits = 0;
        return PHASH_ERR_NOMEM;
    }
    r->off[nq] = r->nhits;
    r->nq = nq;
    return PHASH_OK;
}
