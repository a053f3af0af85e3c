/* SPDX-License-Identifier: MIT */
/* The SIMD scan over contiguous codes, and the sink every method feeds:
 * tombstone filter, entry -> id, and either "all hits" or "k best" with a
 * radius that shrinks as the k-th best improves. */
#include "index_internal.h"

int ph_hitvec_push(ph_hitvec *h, const ph_rawhit *hit)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64, bytes;
        if (ph_mul_size(cap, sizeof *h->v, &bytes) != 0)
            return -1;
        ph_rawhit *v = ph_realloc(h->v, bytes);
        if (!v)
            return -1;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = *hit;
    return 0;
}

/* (dist, id) order: the order results are reported in. */
static int worse(const ph_rawhit *a, const ph_rawhit *b)
{
    return a->dist != b->dist ? a->dist > b->dist : a->id > b->id;
}

static void heap_up(ph_rawhit *v, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(&v[i], &v[p]))
            break;
        ph_rawhit t = v[i];
        v[i] = v[p];
        v[p] = t;
        i = p;
    }
}

static void heap_down(ph_rawhit *v, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&v[l], &v[m]))
            m = l;
        if (r < n && worse(&v[r], &v[m]))
            m = r;
        if (m == i)
            return;
        ph_rawhit t = v[i];
        v[i] = v[m];
        v[m] = t;
        i = m;
    }
}

void ph_sink_push(ph_sink *s, uint64_t entry, unsigned dist)
{
    const ph_core *c = s->core;
    size_t n = c ? c->n : 0;
    if (dist > s->bound)
        return;
    if (entry < n && s->dead && (s->dead[entry >> 6] >> (entry & 63) & 1))
        return;
    /* A core without ids (ph_index_over_codes): an entry's id is its number. */
    uint64_t id = entry >= n ? s->buf_ids[entry - n] : c->ids ? c->ids[entry] : entry;
    ph_rawhit hit = {id, entry, dist, s->variant};
    ph_hitvec *h = s->out;
    if (s->k == 0) {
        if (ph_hitvec_push(h, &hit) != 0)
            s->failed = 1;
        return;
    }
    if (h->n < s->k) {
        if (ph_hitvec_push(h, &hit) != 0) {
            s->failed = 1;
            return;
        }
        heap_up(h->v, h->n - 1);
    } else if (worse(&h->v[0], &hit)) {
        h->v[0] = hit;
        heap_down(h->v, h->n, 0);
    } else {
        return;
    }
    if (h->n == s->k)
        s->bound = h->v[0].dist;
}

/* Entries [lo, hi) of a contiguous array; entry numbers are base + i. */
void ph_scan_range(const uint64_t *codes, unsigned words, size_t lo, size_t hi, size_t base,
                   const ph_kernel_ops *k, const uint64_t *q, ph_sink *s, ph_scratch *sc)
{
    for (size_t b = lo; b < hi; b += PH_SCAN_BLOCK) {
        size_t len = hi - b < PH_SCAN_BLOCK ? hi - b : PH_SCAN_BLOCK;
        size_t nh = words == 1 ? k->scan64(codes + b, len, q[0], s->bound, sc->pos, sc->dist)
                               : k->scan256(codes + 4 * b, len, q, s->bound, sc->pos, sc->dist);
        for (size_t i = 0; i < nh; i++)
            ph_sink_push(s, base + b + sc->pos[i], sc->dist[i]);
    }
}

void ph_scan_core(const ph_core *c, const ph_kernel_ops *k, const uint64_t *q, ph_sink *s,
                  ph_scratch *sc)
{
    ph_scan_range(c->codes, c->words, 0, c->n, 0, k, q, s, sc);
}
