/* SPDX-License-Identifier: MIT */
/* Helpers of the index tests: seeded data sets (random, clustered,
 * adversarial), the brute-force truth, and exact comparison of results. */
#ifndef PHASH_INDEX_TESTLIB_H
#define PHASH_INDEX_TESTLIB_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phash/phash.h"
#include "testutil.h"

static inline uint64_t tl_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Flip `bits` distinct random bits of a code of w words. */
static inline void tl_flip(uint64_t *code, unsigned w, unsigned bits, uint64_t *rng)
{
    uint64_t done[4] = {0, 0, 0, 0};
    for (unsigned f = 0; f < bits && f < 64 * w;) {
        unsigned b = (unsigned)(tl_rand(rng) % (64 * w));
        if (done[b / 64] >> (b % 64) & 1)
            continue;
        done[b / 64] |= 1ull << (b % 64);
        code[b / 64] ^= 1ull << (b % 64);
        f++;
    }
}

typedef enum tl_kind {
    TL_RANDOM,    /* uniform codes */
    TL_CLUSTERED, /* 10% near-duplicates of earlier entries (<= d/16 bits) */
    TL_DUPS,      /* few distinct codes, each many times */
    TL_ZEROS,     /* mostly all-zero codes */
    TL_ONESUB,    /* all equal but for one 16-bit substring */
    TL_KINDS
} tl_kind;

static const char *const tl_kind_name[TL_KINDS] = {"random", "clustered", "dups", "zeros",
                                                    "onesub"};

typedef struct tl_set {
    unsigned w;
    size_t n;
    uint64_t *codes; /* n * w */
    uint64_t *ids;
} tl_set;

static inline void tl_set_free(tl_set *s)
{
    free(s->codes);
    free(s->ids);
    s->codes = s->ids = NULL;
}

static inline tl_set tl_make(tl_kind kind, unsigned w, size_t n, uint64_t seed)
{
    tl_set s = {w, n, calloc(n * w + 1, 8), calloc(n + 1, 8)};
    uint64_t rng = seed;
    uint64_t base[4] = {tl_rand(&rng), tl_rand(&rng), tl_rand(&rng), tl_rand(&rng)};
    for (size_t i = 0; i < n; i++) {
        uint64_t *c = s.codes + i * w;
        s.ids[i] = tl_rand(&rng) >> 8; /* unique in practice, unrelated to order */
        switch (kind) {
        case TL_RANDOM:
            for (unsigned k = 0; k < w; k++)
                c[k] = tl_rand(&rng);
            break;
        case TL_CLUSTERED:
            if (i > 0 && tl_rand(&rng) % 10 == 0) {
                memcpy(c, s.codes + (tl_rand(&rng) % i) * w, 8 * w);
                tl_flip(c, w, 1 + (unsigned)(tl_rand(&rng) % (4 * w)), &rng);
            } else {
                for (unsigned k = 0; k < w; k++)
                    c[k] = tl_rand(&rng);
            }
            break;
        case TL_DUPS: {
            uint64_t r2 = seed ^ (tl_rand(&rng) % 20);
            for (unsigned k = 0; k < w; k++)
                c[k] = tl_rand(&r2);
            break;
        }
        case TL_ZEROS:
            for (unsigned k = 0; k < w; k++)
                c[k] = tl_rand(&rng) % 8 == 0 ? tl_rand(&rng) : 0;
            if (tl_rand(&rng) % 8)
                memset(c, 0, 8 * w);
            break;
        case TL_ONESUB: {
            memcpy(c, base, 8 * w);
            unsigned j = (unsigned)(tl_rand(&rng) % (4 * w));
            c[j / 4] ^= (tl_rand(&rng) & 0xffffull) << (16 * (j % 4));
            break;
        }
        default:
            break;
        }
    }
    return s;
}

/* nq query codes: half modified copies of entries (0..d/8 bits flipped),
 * half random (or, for the adversarial kinds, the base/zero code). */
static inline uint64_t *tl_queries(const tl_set *s, tl_kind kind, size_t nq, uint64_t seed)
{
    unsigned w = s->w;
    uint64_t *q = calloc(nq * w + 1, 8), rng = seed;
    for (size_t i = 0; i < nq; i++) {
        uint64_t *c = q + i * w;
        if (s->n && i % 2 == 0) {
            memcpy(c, s->codes + (tl_rand(&rng) % s->n) * w, 8 * w);
            tl_flip(c, w, (unsigned)(tl_rand(&rng) % (8 * w + 1)), &rng);
        } else if (kind == TL_ZEROS || kind == TL_ONESUB) {
            if (kind == TL_ONESUB && s->n)
                memcpy(c, s->codes, 8 * w);
            tl_flip(c, w, (unsigned)(tl_rand(&rng) % 20), &rng);
        } else {
            for (unsigned k = 0; k < w; k++)
                c[k] = tl_rand(&rng);
        }
    }
    return q;
}

static inline unsigned tl_dist(const uint64_t *a, const uint64_t *b, unsigned w)
{
    unsigned d = 0;
    for (unsigned k = 0; k < w; k++)
        d += (unsigned)__builtin_popcountll(a[k] ^ b[k]);
    return d;
}

static int tl_hit_cmp(const void *a, const void *b)
{
    const phash_index_hit *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return 0;
}

/* Brute-force truth for one query of V variant codes: every live entry
 * (alive[i] != 0, or all if alive is NULL) at its best variant within r,
 * sorted by (distance, id), the first k if k > 0. Returns the count. */
static inline size_t tl_truth(const tl_set *s, const unsigned char *alive, const uint64_t *q,
                              unsigned V, unsigned r, size_t k, phash_index_hit *out)
{
    size_t h = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (alive && !alive[i])
            continue;
        unsigned best = ~0u, bv = 0;
        for (unsigned v = 0; v < V; v++) {
            unsigned d = tl_dist(s->codes + i * s->w, q + v * s->w, s->w);
            if (d < best) {
                best = d;
                bv = v;
            }
        }
        if (best <= r)
            out[h++] = (phash_index_hit){s->ids[i], best, bv};
    }
    qsort(out, h, sizeof *out, tl_hit_cmp);
    return k && h > k ? k : h;
}

/* The truth of nq queries, computed once and compared with many runs. */
typedef struct tl_truths {
    size_t nq;
    size_t *cnt;
    phash_index_hit **hits;
} tl_truths;

static inline tl_truths tl_truths_make(const tl_set *s, const unsigned char *alive,
                                       const uint64_t *q, size_t nq, unsigned V, unsigned r,
                                       size_t k)
{
    tl_truths t = {nq, calloc(nq + 1, sizeof(size_t)), calloc(nq + 1, sizeof(void *))};
    for (size_t i = 0; i < nq; i++) {
        t.hits[i] = malloc((s->n + 1) * sizeof(phash_index_hit));
        t.cnt[i] = tl_truth(s, alive, q + i * V * s->w, V, r, k, t.hits[i]);
    }
    return t;
}

static inline void tl_truths_free(tl_truths *t)
{
    for (size_t i = 0; i < t->nq; i++)
        free(t->hits[i]);
    free(t->hits);
    free(t->cnt);
}

/* 1 if res equals the truth exactly; else 0 and a message in msg. */
static inline int tl_same(const tl_truths *t, const phash_index_results *res, char *msg,
                          size_t msglen)
{
    if (phash_index_results_queries(res) != t->nq) {
        snprintf(msg, msglen, "%zu queries answered, %zu asked", phash_index_results_queries(res),
                 t->nq);
        return 0;
    }
    for (size_t i = 0; i < t->nq; i++) {
        size_t ng;
        const phash_index_hit *got = phash_index_results_hits(res, i, &ng);
        if (ng != t->cnt[i]) {
            snprintf(msg, msglen, "query %zu: %zu hits, brute force %zu", i, ng, t->cnt[i]);
            return 0;
        }
        for (size_t j = 0; j < ng; j++) {
            const phash_index_hit *w = &t->hits[i][j];
            if (got[j].id != w->id || got[j].distance != w->distance ||
                got[j].variant != w->variant) {
                snprintf(msg, msglen, "query %zu hit %zu: got (%llu,%u,%u) want (%llu,%u,%u)", i,
                         j, (unsigned long long)got[j].id, got[j].distance, got[j].variant,
                         (unsigned long long)w->id, w->distance, w->variant);
                return 0;
            }
        }
    }
    return 1;
}

static inline void tl_compare(const tl_truths *t, const phash_index_results *res, const char *what)
{
    char msg[256];
    if (!tl_same(t, res, msg, sizeof msg))
        ck_abort_msg("%s: %s", what, msg);
}

/* Compute the truth and compare in one go. */
static inline void tl_check(const tl_set *s, const unsigned char *alive, const uint64_t *q,
                            size_t nq, unsigned V, unsigned r, size_t k,
                            const phash_index_results *res, const char *what)
{
    tl_truths t = tl_truths_make(s, alive, q, nq, V, r, k);
    tl_compare(&t, res, what);
    tl_truths_free(&t);
}

static inline phash_index *tl_index(const tl_set *s, int build)
{
    phash_index *ix;
    ck_assert_int_eq(phash_index_new(64 * s->w, &ix), PHASH_OK);
    ck_assert_int_eq(phash_index_add(ix, s->codes, s->ids, s->n), PHASH_OK);
    if (build)
        ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    return ix;
}

#endif
