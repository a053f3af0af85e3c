/* SPDX-License-Identifier: MIT */
/* Matching a file's hashes against the signature set and building the
 * report's match records (one per match and owner). */
#include <stdio.h>
#include <string.h>

#include "scan_int.h"

static phash_scan_match *next_rec(ph_worker *w)
{
    size_t n = w->rep.n_matches;
    if (n == w->match_cap) {
        size_t cap = w->match_cap ? 2 * w->match_cap : 16;
        size_t bytes;
        if (ph_mul_size(cap, sizeof(phash_scan_match), &bytes))
            return NULL;
        void *p = ph_realloc(w->match_recs.data, bytes);
        if (!p)
            return NULL;
        w->match_recs.data = p;
        w->match_recs.cap = bytes;
        w->match_cap = cap;
    }
    return (phash_scan_match *)w->match_recs.data + n;
}

/* Room for the hash text of record n. Record k's text is in slot k: when
 * the slots move, the records of this file follow them. */
#define PH_MATCH_HEX 65 /* the longest hash text (SHA-256, PDQ: 64) and its NUL */

static char *hex_slot(ph_worker *w, size_t k)
{
    return (char *)w->match_hex.data + k * PH_MATCH_HEX;
}

static int reserve_hex(ph_worker *w, size_t n)
{
    if (n < w->hex_cap)
        return 0;
    size_t cap = w->hex_cap ? 2 * w->hex_cap : 16;
    while (cap <= n)
        cap *= 2;
    size_t bytes;
    if (ph_mul_size(cap, PH_MATCH_HEX, &bytes))
        return -1;
    void *p = ph_realloc(w->match_hex.data, bytes);
    if (!p)
        return -1;
    w->match_hex.data = p;
    w->match_hex.cap = bytes;
    w->hex_cap = cap;
    phash_scan_match *recs = w->match_recs.data;
    for (size_t k = 0; k < n; k++)
        recs[k].hash = hex_slot(w, k);
    return 0;
}

/* Store record k with its own copy of the entry's hash text: the matcher
 * formats one match's hash at a time (phash_matches_get), so a pointer to
 * its text would name the last match's hash in every record. */
static void set_rec(ph_worker *w, size_t k, const phash_scan_match *rec)
{
    phash_scan_match *recs = w->match_recs.data;
    recs[k] = *rec;
    snprintf(hex_slot(w, k), PH_MATCH_HEX, "%s", rec->hash);
    recs[k].hash = hex_slot(w, k);
}

/* With several views, one signature owner may match more than one: keep
 * the best distance (the first view on a tie). */
static phash_scan_match *same_owner(ph_worker *w, const phash_scan_match *r)
{
    phash_scan_match *recs = w->match_recs.data;
    for (size_t k = 0; k < w->rep.n_matches; k++)
        if (recs[k].sig_algo == r->sig_algo && !strcmp(recs[k].hash, r->hash) &&
            !strcmp(recs[k].list, r->list) && !strcmp(recs[k].id, r->id))
            return &recs[k];
    return NULL;
}

phash_status ph_scan_add_match(ph_worker *w, const phash_scan_match *rec)
{
    if (!next_rec(w) || reserve_hex(w, w->rep.n_matches))
        return PHASH_ERR_NOMEM;
    set_rec(w, w->rep.n_matches++, rec);
    return PHASH_OK;
}

static phash_status add_records(ph_worker *w, size_t i, size_t view, const ph_scan_algo *a)
{
    const phash_matches *res = w->matches[view][i];
    size_t n = phash_matches_count(res);
    for (size_t j = 0; j < n; j++) {
        phash_match m;
        if (phash_matches_get(res, j, &m) != PHASH_OK)
            continue;
        for (size_t k = 0; k < m.owners; k++) {
            phash_sigset_owner o;
            if (phash_matches_owner(res, j, k, &o) != PHASH_OK)
                continue;
            phash_scan_match rec = {
                .algo = a->name, .sig_algo = a->sig, .distance = m.distance,
                .variant = phash_pdq_dihedral_name((phash_pdq_dihedral)m.variant), .hash = m.hash,
                .list = o.list, .id = o.id, .metadata = o.metadata, .category = o.category,
                .quality = ph_scan_out(w, view, i)->quality, .view = w->view_name[view],
                .owner_flags = o.flags};
            phash_scan_match *r = view ? same_owner(w, &rec) : NULL;
            if (r) {
                if (rec.distance < r->distance)
                    set_rec(w, (size_t)(r - (phash_scan_match *)w->match_recs.data), &rec);
                continue;
            }
            if (!next_rec(w) || reserve_hex(w, w->rep.n_matches)) {
                ph_report_fail(w, PHASH_ERR_NOMEM, "out of memory for match records");
                return PHASH_ERR_NOMEM;
            }
            set_rec(w, w->rep.n_matches, &rec);
            w->rep.n_matches++;
        }
    }
    return PHASH_OK;
}

/* One perceptual algorithm on one view of the image. */
static phash_status match_view(ph_worker *w, size_t i, size_t view, const ph_scan_algo *a)
{
    phash_scanner *s = w->s;
    const ph_algo_out *o = ph_scan_out(w, view, i);
    if (!o->n_variants)
        return PHASH_OK;
    if (o->quality < a->min_quality) {
        w->rep.n_low_quality += view == 0; /* counted for the image itself */
        return PHASH_OK;
    }
    if (!phash_matcher_size(s->matcher, a->sig))
        return PHASH_OK;
    const void *codes = a->sig == PHASH_SIG_PDQ ? (const void *)o->pdq : (const void *)&o->u64;
    phash_status st = phash_matcher_query(s->matcher, a->sig, codes, o->n_variants,
                                          s->radius[a->sig], w->matches[view][i]);
    if (st != PHASH_OK) {
        ph_report_fail(w, st, "matching failed: %s", phash_strerror(st));
        return st;
    }
    return add_records(w, i, view, a);
}

/* Match the algorithms that are (digests) or are not (image hashes)
 * digests: the two are computed at different points of a file's work. */
static phash_status match_some(ph_worker *w, int digests)
{
    phash_scanner *s = w->s;
    if (!s->matcher)
        return PHASH_OK;
    for (size_t i = 0; i < s->n_algos; i++) {
        const ph_scan_algo *a = s->algos[i];
        if (!a->sig || !w->out[i].n_variants || !a->digest != !digests)
            continue;
        /* Exact digests: one table lookup, radius 0; the empty file's
         * digests never match (the matcher refuses them). */
        if (a->digest) {
            if (!phash_matcher_size(s->matcher, a->sig))
                continue;
            phash_status st = phash_matcher_query(s->matcher, a->sig, w->out[i].digest, 1, 0,
                                                  w->matches[0][i]);
            if (st != PHASH_OK) {
                ph_report_fail(w, st, "matching failed: %s", phash_strerror(st));
                return PHASH_OK;
            }
            if (add_records(w, i, 0, a) != PHASH_OK)
                return PHASH_OK;
            continue;
        }
        /* Perceptual hashes: the image itself (view 0), then its views. */
        for (size_t view = 0; view < w->n_views; view++)
            if (match_view(w, i, view, a) != PHASH_OK)
                return PHASH_OK;
    }
    return PHASH_OK;
}

phash_status ph_scan_match_hashes(ph_worker *w)
{
    w->rep.n_matches = 0;
    w->rep.n_suppressed = 0;
    phash_status st = match_some(w, 0);
    ph_scan_apply_allowlist(w);
    return st;
}

phash_status ph_scan_match_digests(ph_worker *w)
{
    phash_status st = match_some(w, 1);
    ph_scan_apply_allowlist(w);
    return st;
}

const phash_scan_hash *phash_scan_report_hash(const phash_scan_report *r, size_t i)
{
    if (!r || i >= r->n_hashes)
        return NULL;
    const ph_worker *w = (const ph_worker *)((const char *)r - offsetof(ph_worker, rep));
    return &w->hashes[i];
}

const phash_scan_match *phash_scan_report_match(const phash_scan_report *r, size_t i)
{
    if (!r || i >= r->n_matches)
        return NULL;
    const ph_worker *w = (const ph_worker *)((const char *)r - offsetof(ph_worker, rep));
    return (const phash_scan_match *)w->match_recs.data + i;
}
