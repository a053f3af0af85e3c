/* SPDX-License-Identifier: MIT */
/* Matching a file's hashes against the signature set, the alert decision
 * per list entry (include/phash/alert.h), and the report's match records
 * (one per match and owner). */
#include <stdio.h>
#include <string.h>

#include "scan_int.h"
#include "sigset/alert_int.h"

/* Records are collected and decided in the worker's work array, then the
 * reported ones are published to the report's array (match_recs). */
static ph_match_rec *recs(ph_worker *w) { return w->match_work.data; }

/* Room for one more element in b (n used, *cap elements of size each). */
static void *grow(ph_buf *b, size_t n, size_t *cap, size_t size)
{
    if (n == *cap) {
        size_t c = *cap ? 2 * *cap : 16, bytes;
        if (ph_mul_size(c, size, &bytes))
            return NULL;
        void *p = ph_realloc(b->data, bytes);
        if (!p)
            return NULL;
        b->data = p;
        b->cap = bytes;
        *cap = c;
    }
    return (char *)b->data + n * size;
}

static ph_match_rec *next_rec(ph_worker *w)
{
    return grow(&w->match_work, w->work_n, &w->work_cap, sizeof(ph_match_rec));
}

/* Room for the hash text of record n. Record k's text is in slot k: when
 * the slots move, the records of this file follow them. */
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
    phash_scan_match *pub = w->match_recs.data;
    for (size_t k = 0; k < n; k++)
        pub[k].hash = hex_slot(w, k);
    return 0;
}

/* Append the work array's records to the report's, each with its own copy
 * of its entry's hash text in slot k (the matcher formats one match's hash
 * at a time, so its pointer would name the last match's hash). */
static phash_status publish(ph_worker *w)
{
    for (size_t k = 0; k < w->work_n; k++) {
        size_t n = w->rep.n_matches;
        phash_scan_match *m = grow(&w->match_recs, n, &w->match_cap, sizeof(phash_scan_match));
        if (!m || reserve_hex(w, n)) {
            ph_report_fail(w, PHASH_ERR_NOMEM, "out of memory for match records");
            return PHASH_ERR_NOMEM;
        }
        *m = recs(w)[k].pub;
        snprintf(hex_slot(w, n), PH_MATCH_HEX, "%s", recs(w)[k].hex);
        m->hash = hex_slot(w, n);
        w->rep.n_matches++;
    }
    w->work_n = 0;
    return PHASH_OK;
}

static int reported_level(const phash_scanner *s, phash_alert_level level)
{
    return level == PHASH_ALERT_MATCH || (level == PHASH_ALERT_WEAK && s->report_weak);
}

/* A record decided elsewhere (a video's matches, by the video rule): an
 * alert, or weak by its list's settings (phash_alert_exact_level),
 * appended to the report with its own copy of its hash text; left out when
 * its list's settings keep it from being reported. */
phash_status ph_scan_add_match(ph_worker *w, const phash_scan_match *rec)
{
    phash_alert_level level = phash_alert_exact_level(w->s->policy, rec->list, rec->sig_algo);
    if (!reported_level(w->s, level))
        return PHASH_OK;
    size_t n = w->rep.n_matches;
    phash_scan_match *m = grow(&w->match_recs, n, &w->match_cap, sizeof(phash_scan_match));
    if (!m || reserve_hex(w, n))
        return PHASH_ERR_NOMEM;
    *m = *rec;
    snprintf(hex_slot(w, n), PH_MATCH_HEX, "%s", rec->hash);
    m->hash = hex_slot(w, n);
    m->level = level;
    w->rep.n_matches++;
    return PHASH_OK;
}

/* One list entry: the unit the alert policy decides on (a list's row may
 * carry a PDQ and a pHash hash under one id). */
static int same_entry(const phash_scan_match *a, const phash_scan_match *b)
{
    return !strcmp(a->list, b->list) && !strcmp(a->id, b->id);
}

/* With several views, one signature owner may match more than one: keep
 * the best distance (the first view on a tie). */
static ph_match_rec *same_owner(ph_worker *w, const ph_match_rec *r)
{
    ph_match_rec *rs = recs(w);
    for (size_t k = 0; k < w->work_n; k++)
        if (rs[k].pub.sig_algo == r->pub.sig_algo && !strcmp(rs[k].hex, r->hex) &&
            same_entry(&rs[k].pub, &r->pub))
            return &rs[k];
    return NULL;
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
            ph_match_rec rec = {
                .pub = {.algo = a->name, .sig_algo = a->sig, .distance = m.distance,
                        .variant = phash_pdq_dihedral_name((phash_pdq_dihedral)m.variant),
                        .hash = NULL, .list = o.list, .id = o.id, .metadata = o.metadata,
                        .category = o.category, .quality = ph_scan_out(w, view, i)->quality,
                        .view = w->view_name[view], .level = PHASH_ALERT_MATCH,
                        .owner_flags = o.flags},
                .sig_quality = o.quality};
            snprintf(rec.hex, sizeof rec.hex, "%s", m.hash);
            ph_match_rec *r = view ? same_owner(w, &rec) : NULL;
            if (r) {
                if (rec.pub.distance < r->pub.distance)
                    *r = rec;
                continue;
            }
            if (!(r = next_rec(w))) {
                ph_report_fail(w, PHASH_ERR_NOMEM, "out of memory for match records");
                return PHASH_ERR_NOMEM;
            }
            *r = rec;
            w->work_n++;
        }
    }
    return PHASH_OK;
}

/* ---- the alert policy's view of the algorithms ------------------------------ */

/* An option's value for the entries of one list (per-list settings). */
static int policy(const phash_scanner *s, const char *list, phash_alert_option o)
{
    return phash_alert_policy_get_list(s->policy, list, o);
}

/* The widest value over all lists: what the search must cover. */
static int widest(const phash_scanner *s, phash_alert_option o)
{
    return ph_alert_policy_widest(s->policy, o, 0);
}

static int max_int(int a, int b) { return a > b ? a : b; }

/* The query's quality gate: the policy's for PDQ and pHash, the lowest
 * any list accepts (each entry is gated again by its list's). */
static int min_quality(const phash_scanner *s, const ph_scan_algo *a)
{
    if (a->sig == PHASH_SIG_PDQ)
        return ph_alert_policy_widest(s->policy, PHASH_ALERT_OPT_PDQ_MIN_QUALITY, 1);
    if (a->sig == PHASH_SIG_PHASH)
        return ph_alert_policy_widest(s->policy, PHASH_ALERT_OPT_PHASH_MIN_QUALITY, 1);
    return a->min_quality;
}

/* How far to search first: every distance that can alert on its own, and
 * the weak radius when weak matches are reported, for the widest list.
 * PDQ's agreement radius for pHash hits is searched only when one needs it
 * (wider_pdq). */
static unsigned search_radius(const phash_scanner *s, const ph_scan_algo *a)
{
    int r = 0;
    if (a->sig == PHASH_SIG_PDQ) {
        r = widest(s, PHASH_ALERT_OPT_PDQ_RADIUS);
        if (s->report_weak)
            r = max_int(r, widest(s, PHASH_ALERT_OPT_PDQ_WEAK_RADIUS));
    } else if (a->sig == PHASH_SIG_PHASH) {
        r = max_int(widest(s, PHASH_ALERT_OPT_PHASH_RADIUS),
                    widest(s, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS));
        if (s->report_weak)
            r = max_int(r, widest(s, PHASH_ALERT_OPT_PHASH_WEAK_RADIUS));
    } else {
        return s->radius[a->sig];
    }
    return (unsigned)r;
}

/* ---- querying ------------------------------------------------------------------ */

/* One perceptual algorithm on one view of the image. */
static phash_status match_view(ph_worker *w, size_t i, size_t view, unsigned radius,
                               int count_low)
{
    phash_scanner *s = w->s;
    const ph_scan_algo *a = s->algos[i];
    const ph_algo_out *o = ph_scan_out(w, view, i);
    if (!o->n_variants)
        return PHASH_OK;
    if (o->quality < min_quality(s, a)) {
        w->rep.n_low_quality += view == 0 && count_low; /* counted for the image itself */
        return PHASH_OK;
    }
    if (!phash_matcher_size(s->matcher, a->sig))
        return PHASH_OK;
    const void *codes = a->sig == PHASH_SIG_PDQ ? (const void *)o->pdq : (const void *)&o->u64;
    phash_status st = phash_matcher_query(s->matcher, a->sig, codes, o->n_variants, radius,
                                          w->matches[view][i]);
    if (st != PHASH_OK) {
        ph_report_fail(w, st, "matching failed: %s", phash_strerror(st));
        return st;
    }
    return add_records(w, i, view, a);
}

/* The image itself (view 0), then its views. */
static phash_status match_algo(ph_worker *w, size_t i, unsigned radius, int count_low)
{
    for (size_t view = 0; view < w->n_views; view++) {
        phash_status st = match_view(w, i, view, radius, count_low);
        if (st != PHASH_OK)
            return st;
    }
    return PHASH_OK;
}

static int has_pdq_record(ph_worker *w, const phash_scan_match *r)
{
    ph_match_rec *rs = recs(w);
    for (size_t k = 0; k < w->work_n; k++)
        if (rs[k].pub.sig_algo == PHASH_SIG_PDQ && same_entry(&rs[k].pub, r))
            return 1;
    return 0;
}

/* A pHash hit within its list's alert radius whose entry has no PDQ record
 * yet needs PDQ searched out to its list's agreement radius (rare: pHash
 * hits are). The radius to search again at, or 0. */
static unsigned wider_pdq_radius(ph_worker *w, unsigned searched)
{
    const phash_scanner *s = w->s;
    ph_match_rec *rs = recs(w);
    unsigned wider = 0;
    for (size_t k = 0; k < w->work_n; k++) {
        const phash_scan_match *m = &rs[k].pub;
        if (m->sig_algo != PHASH_SIG_PHASH)
            continue;
        int need = policy(s, m->list, PHASH_ALERT_OPT_PHASH_NEEDS_PDQ);
        if (need >= 0 && (unsigned)need > searched && (unsigned)need > wider &&
            m->distance <= (unsigned)policy(s, m->list, PHASH_ALERT_OPT_PHASH_RADIUS) &&
            !has_pdq_record(w, m))
            wider = (unsigned)need;
    }
    return wider;
}

/* Keep the records that pass keep(); order is kept. */
static void keep_records(ph_worker *w, int (*keep)(const ph_worker *, const ph_match_rec *))
{
    ph_match_rec *rs = recs(w);
    size_t n = 0;
    for (size_t k = 0; k < w->work_n; k++)
        if (keep(w, &rs[k]))
            rs[n++] = rs[k];
    w->work_n = n;
}

static int not_pdq(const ph_worker *w, const ph_match_rec *r)
{
    (void)w;
    return r->pub.sig_algo != PHASH_SIG_PDQ;
}

static int reported(const ph_worker *w, const ph_match_rec *r)
{
    return r->shown && reported_level(w->s, r->pub.level);
}

/* ---- the decision per list entry ------------------------------------------------ */

/* Take r as the entry's evidence for its algorithm if it passes the
 * quality gate on the signature's side and is closer than what is there. */
static void take_evidence(const phash_scanner *s, const ph_match_rec *r, phash_alert_evidence *e)
{
    int pdq = r->pub.sig_algo == PHASH_SIG_PDQ;
    int *d = pdq ? &e->pdq_distance : &e->phash_distance;
    int minq = policy(s, r->pub.list,
                      pdq ? PHASH_ALERT_OPT_PDQ_MIN_QUALITY : PHASH_ALERT_OPT_PHASH_MIN_QUALITY);
    if (r->sig_quality >= 0 && r->sig_quality < minq)
        return;
    if (*d >= 0 && (unsigned)*d <= r->pub.distance)
        return;
    *d = (int)r->pub.distance;
    if (pdq) {
        e->pdq_quality = r->pub.quality;
        e->pdq_sig_quality = r->sig_quality;
    } else {
        e->phash_quality = r->pub.quality;
        e->phash_sig_quality = r->sig_quality;
    }
}

/* Whether a record of an entry decided at `level` on evidence e is printed:
 * within its algorithm's alert radius (or weak radius, when weak matches are
 * reported), or the PDQ record that a pHash alert needed as agreement. A
 * record found only as evidence (PDQ 41-56 beside a weak pHash hit) is not. */
static int shown(const phash_scanner *s, const ph_match_rec *r, phash_alert_level level,
                 const phash_alert_evidence *e)
{
    int d = (int)r->pub.distance, weak = s->report_weak;
    const char *l = r->pub.list;
    if (r->pub.sig_algo == PHASH_SIG_PHASH)
        return d <= max_int(max_int(policy(s, l, PHASH_ALERT_OPT_PHASH_RADIUS),
                                    policy(s, l, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS)),
                            weak ? policy(s, l, PHASH_ALERT_OPT_PHASH_WEAK_RADIUS) : 0);
    if (r->pub.sig_algo != PHASH_SIG_PDQ)
        return 1;
    int pdq_r = policy(s, l, PHASH_ALERT_OPT_PDQ_RADIUS);
    if (d <= max_int(pdq_r, weak ? policy(s, l, PHASH_ALERT_OPT_PDQ_WEAK_RADIUS) : 0))
        return 1;
    /* the agreement of a pHash alert that PDQ alone and pHash alone miss */
    int ph = e->phash_distance;
    return level == PHASH_ALERT_MATCH && (e->pdq_distance < 0 || e->pdq_distance > pdq_r) &&
           ph >= 0 && ph > policy(s, l, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS) &&
           ph <= policy(s, l, PHASH_ALERT_OPT_PHASH_RADIUS) &&
           d <= policy(s, l, PHASH_ALERT_OPT_PHASH_NEEDS_PDQ);
}

/* Every record of one entry gets the entry's level: the policy's decision
 * on the best PDQ and pHash distances of the entry over all views and
 * variants. */
static void decide_levels(ph_worker *w)
{
    const phash_scanner *s = w->s;
    ph_match_rec *rs = recs(w);
    size_t n = w->work_n;
    for (size_t k = 0; k < n; k++)
        rs[k].decided = 0;
    for (size_t k = 0; k < n; k++) {
        if (rs[k].decided)
            continue;
        phash_alert_evidence e = {-1, -1, -1, -1, -1, -1};
        for (size_t j = k; j < n; j++)
            if (same_entry(&rs[j].pub, &rs[k].pub) &&
                (rs[j].pub.sig_algo == PHASH_SIG_PDQ || rs[j].pub.sig_algo == PHASH_SIG_PHASH))
                take_evidence(s, &rs[j], &e);
        phash_alert_level level = phash_alert_decide_list(s->policy, rs[k].pub.list, &e);
        for (size_t j = k; j < n; j++)
            if (same_entry(&rs[j].pub, &rs[k].pub)) {
                rs[j].pub.level = level;
                rs[j].shown = shown(s, &rs[j], level, &e);
                rs[j].decided = 1;
            }
    }
}

/* Image hashes: every perceptual algorithm at its search radius, PDQ again
 * wider when a pHash hit needs its agreement, then the decision. */
static phash_status match_perceptual(ph_worker *w)
{
    phash_scanner *s = w->s;
    size_t pdq = SIZE_MAX;
    unsigned pdq_searched = 0;
    for (size_t i = 0; i < s->n_algos; i++) {
        const ph_scan_algo *a = s->algos[i];
        if (!a->sig || a->digest || !w->out[i].n_variants)
            continue;
        unsigned radius = search_radius(s, a);
        if (a->sig == PHASH_SIG_PDQ) {
            pdq = i;
            pdq_searched = radius;
        }
        if (match_algo(w, i, radius, 1) != PHASH_OK)
            return PHASH_OK;
    }
    unsigned wider = pdq != SIZE_MAX ? wider_pdq_radius(w, pdq_searched) : 0;
    if (wider) {
        keep_records(w, not_pdq);
        if (match_algo(w, pdq, wider, 0) != PHASH_OK)
            return PHASH_OK;
    }
    decide_levels(w);
    keep_records(w, reported);
    return publish(w);
}

/* The allowlists (allow.c) act on the records the policy decided to report. */
phash_status ph_scan_match_hashes(ph_worker *w)
{
    w->rep.n_matches = w->work_n = 0;
    w->rep.n_suppressed = 0;
    if (w->s->matcher && match_perceptual(w) != PHASH_OK)
        w->work_n = 0;
    ph_scan_apply_allowlist(w);
    return PHASH_OK;
}

/* A digest record's level: its list's (phash_alert_exact_level). */
static int exact_reported(const ph_worker *w, const ph_match_rec *r)
{
    return reported_level(w->s, r->pub.level);
}

static void exact_levels(ph_worker *w)
{
    ph_match_rec *rs = recs(w);
    for (size_t k = 0; k < w->work_n; k++)
        rs[k].pub.level = phash_alert_exact_level(w->s->policy, rs[k].pub.list,
                                                  rs[k].pub.sig_algo);
    keep_records(w, exact_reported);
}

/* Exact digests: one table lookup each, radius 0, an alert unless the
 * list's settings say otherwise; the empty file's digests never match (the
 * matcher refuses them). */
phash_status ph_scan_match_digests(ph_worker *w)
{
    phash_scanner *s = w->s;
    w->work_n = 0;
    if (!s->matcher)
        return PHASH_OK;
    for (size_t i = 0; i < s->n_algos; i++) {
        const ph_scan_algo *a = s->algos[i];
        if (!a->sig || !a->digest || !w->out[i].n_variants ||
            !phash_matcher_size(s->matcher, a->sig))
            continue;
        phash_status st = phash_matcher_query(s->matcher, a->sig, w->out[i].digest, 1, 0,
                                              w->matches[0][i]);
        if (st != PHASH_OK) {
            ph_report_fail(w, st, "matching failed: %s", phash_strerror(st));
            return PHASH_OK;
        }
        if (add_records(w, i, 0, a) != PHASH_OK)
            return PHASH_OK;
    }
    exact_levels(w);
    (void)publish(w); /* a failure is in the report */
    ph_scan_apply_allowlist(w);
    return PHASH_OK;
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
