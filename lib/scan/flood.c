/* SPDX-License-Identifier: MIT */
/* Flood protection: a signature that matches absurdly many distinct files
 * in one scan is almost always wrongly listed (a logo, a blank page, an
 * icon every document carries), not evidence: past PHASH_SCAN_OPT_
 * FLOOD_LIMIT files its further matches are dropped (or, with
 * PHASH_SCAN_OPT_REPORT_FLOODED, reported flagged) and the signature is
 * listed once with its count (phash_scanner_flood_count / _get).
 *
 * The count is per (algorithm, hash): the signature, whichever list or set
 * snapshot it came from (a reload mid-scan keeps counting). A vPDQ record
 * names a listed video, not one hash: its signature is that video (list
 * and id), so that one video's flood never hides another's matches. It is shared by
 * the workers under one mutex, taken only for reports that have matches
 * (rare), in an open-addressing table that holds the signatures matched
 * so far: memory grows with the signatures matched (about 100 bytes each),
 * not with the set (a per-entry array of a 10M-entry set would be 40 MB per
 * scan). A file counts once per signature, however many of its views,
 * variants or owners matched it. Allowlisted (suppressed) matches do not
 * count: they are not alerts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_int.h"

typedef struct flood_entry {
    uint64_t key;     /* hash of (algo, hash text); 0 = empty slot */
    uint64_t files;   /* distinct files matched */
    uint64_t dropped; /* files past the limit */
    int sig_algo;
    char hash[PH_MATCH_HEX];
    char *list, *id;  /* an owner: copied when the limit is passed, or at once
                         for a vPDQ video (its identity) */
} flood_entry;

/* A flooded signature as flood_get gives it, with its own copy of the
 * hash text (the table may grow while a scan runs). */
typedef struct flood_out {
    phash_scan_flood pub;
    char hash[PH_MATCH_HEX];
} flood_out;

struct ph_scan_flood {
    ph_mutex *lock;
    flood_entry *slots;
    size_t cap, n;  /* slots (a power of two), used */
    flood_out *out; /* the flooded signatures, most files first (flood_get) */
    size_t n_out;
};

static int is_video(const phash_scan_match *m)
{
    return m->sig_algo == PHASH_SIG_VPDQ;
}

static uint64_t fnv1a(uint64_t h, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

static uint64_t key_of(const phash_scan_match *m)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)m->sig_algo;
    h = is_video(m) ? fnv1a(fnv1a(h, m->list) ^ 0xff, m->id) : fnv1a(h, m->hash);
    return h ? h : 1;
}

/* Do a and b name the same signature? */
static int same_signature(const phash_scan_match *a, const phash_scan_match *b)
{
    if (a->sig_algo != b->sig_algo)
        return 0;
    if (is_video(a))
        return !strcmp(a->list, b->list) && !strcmp(a->id, b->id);
    return !strcmp(a->hash, b->hash);
}

static void clear_entries(ph_scan_flood *f)
{
    for (size_t i = 0; i < f->cap; i++)
        if (f->slots[i].key) {
            ph_free(f->slots[i].list);
            ph_free(f->slots[i].id);
        }
    ph_free(f->slots);
    f->slots = NULL;
    f->cap = f->n = 0;
    ph_free(f->out);
    f->out = NULL;
    f->n_out = 0;
}

void ph_scan_flood_free(phash_scanner *s)
{
    if (!s->flood)
        return;
    clear_entries(s->flood);
    ph_mutex_free(s->flood->lock);
    ph_free(s->flood);
    s->flood = NULL;
}

void ph_scan_flood_reset(phash_scanner *s)
{
    if (s->flood)
        clear_entries(s->flood);
}

static int entry_is(const flood_entry *e, uint64_t key, const phash_scan_match *m)
{
    if (e->key != key || e->sig_algo != (int)m->sig_algo)
        return 0;
    if (is_video(m))
        return !strcmp(e->list, m->list) && !strcmp(e->id, m->id);
    return !strcmp(e->hash, m->hash);
}

/* m's slot: its entry, or the empty slot where it goes. */
static flood_entry *find_slot(flood_entry *slots, size_t cap, uint64_t key,
                              const phash_scan_match *m)
{
    for (size_t i = key & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!slots[i].key || entry_is(&slots[i], key, m))
            return &slots[i];
}

/* The empty slot an existing entry moves to when the table grows. */
static flood_entry *free_slot(flood_entry *slots, size_t cap, uint64_t key)
{
    for (size_t i = key & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!slots[i].key)
            return &slots[i];
}

/* Room for one more entry (load at most 1/2). -1 out of memory. */
static int reserve(ph_scan_flood *f)
{
    if (2 * (f->n + 1) <= f->cap)
        return 0;
    size_t cap = f->cap ? 2 * f->cap : 64;
    flood_entry *slots = ph_calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < f->cap; i++)
        if (f->slots[i].key)
            *free_slot(slots, cap, f->slots[i].key) = f->slots[i];
    ph_free(f->slots);
    f->slots = slots;
    f->cap = cap;
    return 0;
}

static char *copy_text(const char *t)
{
    size_t n = strlen(t ? t : "") + 1;
    char *c = ph_malloc(n);
    if (c)
        memcpy(c, t ? t : "", n);
    return c;
}

/* Count one more file for m's signature (f->lock held): 1 when it is past
 * the limit (the file's matches of it are flooded). Out of memory: not
 * counted (a match is never lost for want of memory). */
static int count_file(ph_scan_flood *f, const phash_scan_match *m, uint64_t limit)
{
    uint64_t key = key_of(m);
    if (reserve(f))
        return 0;
    flood_entry *e = find_slot(f->slots, f->cap, key, m);
    if (!e->key) {
        flood_entry fresh = {.key = key, .sig_algo = m->sig_algo};
        snprintf(fresh.hash, sizeof fresh.hash, "%s", m->hash);
        if (is_video(m) && (!(fresh.list = copy_text(m->list)) || !(fresh.id = copy_text(m->id)))) {
            ph_free(fresh.list);
            return 0;
        }
        *e = fresh;
        f->n++;
    }
    if (++e->files <= limit)
        return 0;
    if (!e->list) { /* the first flooded file names an owner */
        e->list = copy_text(m->list);
        e->id = copy_text(m->id);
    }
    e->dropped++;
    return 1;
}

/* Record k's signature already seen earlier in this report? */
static int seen_before(const phash_scan_match *recs, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (same_signature(&recs[j], &recs[k]))
            return 1;
    return 0;
}

void ph_scan_flood_apply(ph_worker *w)
{
    phash_scanner *s = w->s;
    size_t n = w->rep.n_matches;
    if (!s->flood_limit || !n || !s->flood)
        return;
    phash_scan_match *recs = w->match_recs.data;
    ph_scan_flood *f = s->flood;
    ph_mutex_lock(f->lock);
    for (size_t k = 0; k < n; k++) {
        if (recs[k].suppressed || seen_before(recs, k))
            continue;
        if (count_file(f, &recs[k], s->flood_limit))
            for (size_t j = k; j < n; j++)
                if (same_signature(&recs[j], &recs[k]))
                    recs[j].flooded = 1;
    }
    ph_mutex_unlock(f->lock);
    size_t out = 0, flooded = 0;
    for (size_t k = 0; k < n; k++) {
        flooded += (size_t)recs[k].flooded;
        if (recs[k].flooded && !s->report_flooded)
            continue;
        recs[out++] = recs[k];
    }
    w->rep.n_matches = out;
    ph_scan_count(s, PHASH_SCAN_FLOODED, flooded);
}

int ph_scan_flood_begin(phash_scanner *s)
{
    if (!s->flood) {
        ph_scan_flood *f = ph_calloc(1, sizeof *f);
        if (!f || ph_mutex_new(&f->lock)) {
            ph_free(f);
            return -1;
        }
        s->flood = f;
    }
    return 0;
}

/* ---- the end-of-scan list ---------------------------------------------------- */

static int by_files(const void *a, const void *b)
{
    const phash_scan_flood *x = &((const flood_out *)a)->pub, *y = &((const flood_out *)b)->pub;
    if (x->files != y->files)
        return x->files < y->files ? 1 : -1;
    if (x->sig_algo != y->sig_algo)
        return x->sig_algo < y->sig_algo ? -1 : 1;
    return strcmp(x->hash, y->hash);
}

/* The flooded signatures as public records (s->flood->lock held). */
static void build_out(ph_scan_flood *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->cap; i++)
        n += f->slots[i].key && f->slots[i].dropped;
    ph_free(f->out);
    f->out = n ? ph_calloc(n, sizeof *f->out) : NULL;
    f->n_out = 0;
    if (!f->out)
        return;
    for (size_t i = 0; i < f->cap; i++) {
        const flood_entry *e = &f->slots[i];
        if (!e->key || !e->dropped)
            continue;
        flood_out *o = &f->out[f->n_out++];
        snprintf(o->hash, sizeof o->hash, "%s", e->hash);
        o->pub = (phash_scan_flood){
            .algo = phash_sig_algo_name((phash_sig_algo)e->sig_algo),
            .sig_algo = (phash_sig_algo)e->sig_algo, .list = e->list ? e->list : "",
            .id = e->id ? e->id : "", .files = e->files, .dropped = e->dropped};
    }
    qsort(f->out, f->n_out, sizeof *f->out, by_files);
    for (size_t i = 0; i < f->n_out; i++) /* after the sort: each its own text */
        f->out[i].pub.hash = f->out[i].hash;
}

size_t phash_scanner_flood_count(phash_scanner *s)
{
    if (!s || !s->flood)
        return 0;
    ph_mutex_lock(s->flood->lock);
    build_out(s->flood);
    size_t n = s->flood->n_out;
    ph_mutex_unlock(s->flood->lock);
    return n;
}

const phash_scan_flood *phash_scanner_flood_get(const phash_scanner *s, size_t i)
{
    if (!s || !s->flood || i >= s->flood->n_out)
        return NULL;
    return &s->flood->out[i].pub;
}
