/* SPDX-License-Identifier: MIT */
/* The matcher: a reference-counted snapshot of a signature set that queries
 * hold while they run, so that a replacement can be swapped in at any time
 * and the old set freed when its last query ends. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "sigset_int.h"

struct ph_snapshot {
    atomic_size_t refs;
    phash_sigset *set;
    phash_index *index[PHASH_SIG_ALGO_MAX + 1]; /* NULL: no entries; may map the set's file */
    ph_videos *videos; /* the vPDQ videos (vmatch.c); NULL: none */
};

struct phash_matcher {
    ph_mutex *lock; /* guards cur (swaps and reference taking) */
    ph_snapshot *cur;
    ph_error err;
};

typedef struct ph_hit {
    uint32_t entry;
    uint16_t distance;
    uint8_t variant;
    uint8_t algo;
} ph_hit;

struct phash_matches {
    ph_snapshot *snap; /* the set the hits refer to (a reference) */
    phash_index_results *found;
    ph_buf hits;
    size_t n;
    char hex[65];
};

void ph_snapshot_release(ph_snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
            phash_index_free(s->index[a]);
        ph_videos_free(s->videos);
        phash_sigset_free(s->set); /* after the indexes that map its file */
        ph_free(s);
    }
}

/* Free a snapshot that was never published and does not own a set. */
static void snapshot_release_unowned(ph_snapshot *s)
{
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        phash_index_free(s->index[a]);
    ph_videos_free(s->videos);
    ph_free(s);
}

ph_snapshot *ph_matcher_take(const phash_matcher *m)
{
    phash_matcher *mm = (phash_matcher *)m; /* the lock is not part of the value */
    ph_mutex_lock(mm->lock);
    ph_snapshot *s = mm->cur;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    ph_mutex_unlock(mm->lock);
    return s;
}

const phash_sigset *ph_snapshot_set(const ph_snapshot *s)
{
    return s->set;
}

const phash_index *ph_snapshot_index(const ph_snapshot *s, phash_sig_algo algo)
{
    return s->index[algo];
}

const ph_videos *ph_snapshot_videos(const ph_snapshot *s)
{
    return s->videos;
}

static phash_matcher *matcher_create(void)
{
    phash_matcher *m = ph_calloc(1, sizeof *m);
    if (m && ph_mutex_new(&m->lock) != 0) {
        ph_free(m);
        return NULL;
    }
    return m;
}

phash_status phash_matcher_new(phash_matcher **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = matcher_create();
    return *out ? PHASH_OK : PHASH_ERR_NOMEM;
}

void phash_matcher_free(phash_matcher *m)
{
    if (!m)
        return;
    ph_snapshot_release(m->cur);
    ph_mutex_free(m->lock);
    ph_free(m);
}

const char *phash_matcher_last_error(const phash_matcher *m)
{
    return m ? ph_error_message(&m->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

/* The exact digests are looked up in the set's code -> entry tables: make
 * them complete before the set serves (queries only read them). */
static phash_status prepare_exact(phash_sigset *set)
{
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        if (phash_sig_algo_is_exact((phash_sig_algo)a)) {
            phash_status st = ph_sigset_prepare_lookup(set, (phash_sig_algo)a);
            if (st != PHASH_OK)
                return st;
        }
    return PHASH_OK;
}

/* Publish a snapshot; the old one is freed now or by its last query. */
static void publish(phash_matcher *m, ph_snapshot *s)
{
    ph_mutex_lock(m->lock);
    ph_snapshot *old = m->cur;
    m->cur = s;
    ph_mutex_unlock(m->lock);
    ph_snapshot_release(old);
    ph_error_clear(&m->err);
}

phash_status phash_matcher_use(phash_matcher *m, phash_sigset *set)
{
    if (!m || !set)
        return PHASH_ERR_INVALID_ARG;
    if (ph_sigset_finalize(set) != PHASH_OK || prepare_exact(set) != PHASH_OK)
        return ph_error_set(&m->err, PHASH_ERR_NOMEM, "out of memory");
    ph_snapshot *s = ph_calloc(1, sizeof *s);
    if (!s)
        return ph_error_set(&m->err, PHASH_ERR_NOMEM, "out of memory");
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        phash_status st = ph_sigset_build_index(set, (phash_sig_algo)a, &s->index[a]);
        if (st != PHASH_OK) {
            snapshot_release_unowned(s);
            return ph_error_set(&m->err, st, "cannot build the index: %s", phash_strerror(st));
        }
    }
    phash_status st = ph_videos_build(set, &s->videos);
    if (st != PHASH_OK) {
        snapshot_release_unowned(s);
        return ph_error_set(&m->err, st, "cannot build the video table: %s", phash_strerror(st));
    }
    atomic_init(&s->refs, 1);
    s->set = set;
    publish(m, s);
    return PHASH_OK;
}

phash_status phash_matcher_open_flags(phash_matcher *m, const char *path, unsigned flags)
{
    if (!m || !path)
        return PHASH_ERR_INVALID_ARG;
    if (flags & ~PHASH_SIGSET_OPEN_MAP)
        return ph_error_set(&m->err, PHASH_ERR_INVALID_ARG, "unknown open flags 0x%x", flags);
    ph_snapshot *s = ph_calloc(1, sizeof *s);
    if (!s)
        return ph_error_set(&m->err, PHASH_ERR_NOMEM, "out of memory");
    const char *detail;
    phash_status st = ph_compiled_open(path, flags, &s->set, s->index, &detail);
    if (st == PHASH_OK && ((st = prepare_exact(s->set)) != PHASH_OK ||
                           (st = ph_videos_build(s->set, &s->videos)) != PHASH_OK)) {
        phash_sigset *set = s->set;
        snapshot_release_unowned(s);
        phash_sigset_free(set);
        return ph_error_set(&m->err, st, "%s: out of memory; the previous set keeps serving",
                            path);
    }
    if (st != PHASH_OK) {
        ph_free(s);
        return ph_error_set(&m->err, st, "%s: %s; the previous set keeps serving", path,
                            detail ? detail : phash_strerror(st));
    }
    atomic_init(&s->refs, 1);
    publish(m, s);
    return PHASH_OK;
}

phash_status phash_matcher_open(phash_matcher *m, const char *path)
{
    return phash_matcher_open_flags(m, path, 0);
}

size_t phash_matcher_size(const phash_matcher *m, phash_sig_algo algo)
{
    if (!m)
        return 0;
    ph_snapshot *s = ph_matcher_take(m);
    size_t n = s ? phash_sigset_size(s->set, algo) : 0;
    ph_snapshot_release(s);
    return n;
}

/* ---- results ---- */

static phash_matches *matches_create(void)
{
    return ph_calloc(1, sizeof(phash_matches));
}

phash_status phash_matches_new(phash_matches **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = matches_create();
    return *out ? PHASH_OK : PHASH_ERR_NOMEM;
}

void phash_matches_free(phash_matches *r)
{
    if (!r)
        return;
    ph_snapshot_release(r->snap);
    phash_index_results_free(r->found);
    ph_buf_release(&r->hits);
    ph_free(r);
}

size_t phash_matches_count(const phash_matches *r)
{
    return r ? r->n : 0;
}

static void exact_hex(const phash_sigset *set, phash_sig_algo algo, size_t entry, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const ph_algo_store *st = &set->algo[algo];
    const uint8_t *b = (const uint8_t *)st->codes + entry * st->code_size;
    for (size_t i = 0; i < st->code_size; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * st->code_size] = '\0';
}

phash_status phash_matches_get(const phash_matches *r, size_t i, phash_match *out)
{
    if (!r || !out)
        return PHASH_ERR_INVALID_ARG;
    if (i >= r->n)
        return PHASH_ERR_NOT_FOUND;
    const ph_hit *h = (const ph_hit *)r->hits.data + i;
    const phash_sigset *set = r->snap->set;
    out->algo = (phash_sig_algo)h->algo;
    out->distance = h->distance;
    out->variant = h->variant;
    out->entry = h->entry;
    out->owners = phash_sigset_owner_count(set, out->algo, h->entry);
    /* The text lives in the results: one match's hash at a time. */
    phash_matches *rw = (phash_matches *)r;
    if (out->algo == PHASH_SIG_PDQ || out->algo == PHASH_SIG_VPDQ)
        phash_pdq_to_hex((const phash_pdq_code *)phash_sigset_codes(set, out->algo, NULL) +
                             h->entry,
                         rw->hex);
    else if (phash_sig_algo_is_exact(out->algo))
        exact_hex(set, out->algo, h->entry, rw->hex);
    else
        phash_u64_format(phash_sigset_u64_codes(set, out->algo, NULL)[h->entry], PHASH_U64_HEX,
                         rw->hex);
    out->hash = rw->hex;
    return PHASH_OK;
}

phash_status phash_matches_owner(const phash_matches *r, size_t i, size_t k,
                                 phash_sigset_owner *out)
{
    if (!r || !out)
        return PHASH_ERR_INVALID_ARG;
    if (i >= r->n)
        return PHASH_ERR_NOT_FOUND;
    const ph_hit *h = (const ph_hit *)r->hits.data + i;
    return phash_sigset_owner_get(r->snap->set, (phash_sig_algo)h->algo, h->entry, k, out);
}

/* ---- queries ---- */

static int hit_order(const void *a, const void *b)
{
    const ph_hit *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Grow the hit array by one; NULL when out of memory. */
static ph_hit *add_hit(phash_matches *r, size_t *cap)
{
    if (r->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        ph_hit *nh = ph_realloc(r->hits.data, ncap * sizeof(ph_hit));
        if (!nh)
            return NULL;
        r->hits.data = nh;
        r->hits.cap = ncap * sizeof(ph_hit);
        *cap = ncap;
    }
    return (ph_hit *)r->hits.data + r->n++;
}

/* Ask the index (exact: the same set as a linear scan) and keep the hits. */
static phash_status search(const ph_snapshot *s, phash_sig_algo algo, const void *codes,
                           unsigned variants, unsigned radius, phash_matches *r)
{
    const phash_index *idx = s->index[algo];
    if (!idx)
        return PHASH_OK;
    if (!r->found && phash_index_results_new(&r->found) != PHASH_OK)
        return PHASH_ERR_NOMEM;
    phash_index_search_opts opts = {.radius = radius, .variants = variants};
    phash_status st = phash_index_search(idx, codes, 1, &opts, r->found);
    if (st != PHASH_OK)
        return st;
    size_t n, cap = r->hits.cap / sizeof(ph_hit);
    const phash_index_hit *hits = phash_index_results_hits(r->found, 0, &n);
    for (size_t i = 0; i < n; i++) {
        ph_hit *h = add_hit(r, &cap);
        if (!h)
            return PHASH_ERR_NOMEM;
        *h = (ph_hit){(uint32_t)hits[i].id, (uint16_t)hits[i].distance, (uint8_t)hits[i].variant,
                      (uint8_t)algo};
    }
    return PHASH_OK;
}

/* An exact digest: one table lookup. The empty file's digest never
 * matches (lists carry it; every empty file would hit). */
static phash_status lookup_exact(const ph_snapshot *s, phash_sig_algo algo, const void *code,
                                 phash_matches *r)
{
    phash_digest_algo d = algo == PHASH_SIG_MD5    ? PHASH_DIGEST_MD5
                        : algo == PHASH_SIG_SHA1 ? PHASH_DIGEST_SHA1
                                                 : PHASH_DIGEST_SHA256;
    if (phash_digest_is_empty(d, code))
        return PHASH_OK;
    long long e = ph_sigset_lookup(s->set, algo, code);
    if (e < 0)
        return PHASH_OK;
    size_t cap = r->hits.cap / sizeof(ph_hit);
    ph_hit *h = add_hit(r, &cap);
    if (!h)
        return PHASH_ERR_NOMEM;
    *h = (ph_hit){(uint32_t)e, 0, 0, (uint8_t)algo};
    return PHASH_OK;
}

static int query_args_ok(phash_sig_algo algo, unsigned variants, unsigned radius)
{
    if (algo < 1 || algo > PHASH_SIG_ALGO_MAX)
        return 0;
    if (phash_sig_algo_is_exact(algo))
        return variants == 1 && radius == 0;
    return (variants == 1 || variants == 8) &&
           radius <= 8 * (unsigned)phash_sig_algo_code_size(algo);
}

phash_status phash_matcher_query(const phash_matcher *m, phash_sig_algo algo, const void *codes,
                                 unsigned variants, unsigned radius, phash_matches *r)
{
    if (!m || !r || !codes || !query_args_ok(algo, variants, radius))
        return PHASH_ERR_INVALID_ARG;
    ph_snapshot *s = ph_matcher_take(m);
    ph_snapshot_release(r->snap);
    r->snap = s;
    r->n = 0;
    if (!s)
        return PHASH_OK;
    phash_status st = phash_sig_algo_is_exact(algo) ? lookup_exact(s, algo, codes, r)
                                                    : search(s, algo, codes, variants, radius, r);
    if (st != PHASH_OK) {
        r->n = 0;
        return st;
    }
    /* The index sorts by distance then id already; keep the promise even if
     * that changes. */
    if (r->n > 1)
        qsort(r->hits.data, r->n, sizeof(ph_hit), hit_order);
    return PHASH_OK;
}
