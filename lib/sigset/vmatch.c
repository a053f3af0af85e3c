/* SPDX-License-Identifier: MIT */
/* Video matching (include/phash/vmatch.h): the query's distinct frame
 * hashes are looked up in the index over the set's vPDQ frame hashes in one
 * batch; each hit entry's owners are frames of listed videos, counted per
 * video with the reference's rules; videos are numbered by a table built
 * once per served set. */
#include <stdlib.h>
#include <string.h>

#include "sigset_int.h"
#include "phash/vmatch.h"

/* ---- the video table ---- */

struct ph_videos {
    size_t n;
    uint32_t *owner_video; /* [n_owners]: video number, UINT32_MAX for non-vPDQ owners */
    uint32_t *start;       /* [n + 1]: video v's owners are order[start[v] .. start[v+1]) */
    uint32_t *order;       /* owner indices grouped by video, by entry within a video */
};

void ph_videos_free(ph_videos *v)
{
    if (!v)
        return;
    ph_free(v->owner_video);
    ph_free(v->start);
    ph_free(v->order);
    ph_free(v);
}

static uint64_t video_key(const phash_sigset *set, const ph_owner *o)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ o->list;
    for (const char *p = set->pool + o->id; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

static const ph_owner *owners_of(const phash_sigset *set)
{
    return set->owners;
}

static int sort_by_entry_ctx_cmp(const void *a, const void *b, const ph_owner *o)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (o[x].entry != o[y].entry)
        return o[x].entry < o[y].entry ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* qsort has no context argument in C11: the owners of the set being built
 * are passed through this (the build runs under the caller's exclusive
 * ownership of the new snapshot; builds are serialised by matcher use). */
static _Thread_local const ph_owner *sort_owners;

static int by_entry(const void *a, const void *b)
{
    return sort_by_entry_ctx_cmp(a, b, sort_owners);
}

/* Number the videos by first appearance: an open-addressing table of
 * video numbers + 1 keyed by (list, id). */
static phash_status number_videos(const phash_sigset *set, ph_videos *v, size_t n_vpdq)
{
    size_t cap = 16;
    while (cap < 2 * n_vpdq)
        cap *= 2;
    uint32_t *slots = ph_calloc(cap, sizeof *slots);
    uint32_t *rep = ph_malloc(n_vpdq * sizeof *rep); /* a representative owner per video */
    if (!slots || !rep) {
        ph_free(slots);
        ph_free(rep);
        return PHASH_ERR_NOMEM;
    }
    const ph_owner *o = owners_of(set);
    for (size_t i = 0; i < set->n_owners; i++) {
        v->owner_video[i] = UINT32_MAX;
        if (o[i].algo != PHASH_SIG_VPDQ)
            continue;
        size_t p = video_key(set, &o[i]) & (cap - 1);
        for (;; p = (p + 1) & (cap - 1)) {
            if (!slots[p]) {
                rep[v->n] = (uint32_t)i;
                slots[p] = (uint32_t)++v->n;
                break;
            }
            const ph_owner *r = &o[rep[slots[p] - 1]];
            if (r->list == o[i].list && !strcmp(set->pool + r->id, set->pool + o[i].id))
                break;
        }
        v->owner_video[i] = slots[p] - 1;
    }
    ph_free(slots);
    ph_free(rep);
    return PHASH_OK;
}

phash_status ph_videos_build(const phash_sigset *set, ph_videos **out)
{
    *out = NULL;
    if (set->algo[PHASH_SIG_VPDQ].count == 0) /* no pass over a large set's owners */
        return PHASH_OK;
    size_t n_vpdq = 0;
    const ph_owner *o = owners_of(set);
    for (size_t i = 0; i < set->n_owners; i++)
        n_vpdq += o[i].algo == PHASH_SIG_VPDQ;
    if (n_vpdq == 0)
        return PHASH_OK;
    ph_videos *v = ph_calloc(1, sizeof *v);
    if (!v || !(v->owner_video = ph_malloc(set->n_owners * sizeof(uint32_t))) ||
        !(v->order = ph_malloc(n_vpdq * sizeof(uint32_t))) ||
        number_videos(set, v, n_vpdq) != PHASH_OK ||
        !(v->start = ph_calloc(v->n + 1, sizeof(uint32_t)))) {
        ph_videos_free(v);
        return PHASH_ERR_NOMEM;
    }
    for (size_t i = 0; i < set->n_owners; i++)
        if (v->owner_video[i] != UINT32_MAX)
            v->start[v->owner_video[i] + 1]++;
    for (size_t k = 0; k < v->n; k++)
        v->start[k + 1] += v->start[k];
    for (size_t i = 0; i < set->n_owners; i++)
        if (v->owner_video[i] != UINT32_MAX)
            v->order[v->start[v->owner_video[i]]++] = (uint32_t)i;
    for (size_t k = v->n; k > 0; k--)
        v->start[k] = v->start[k - 1];
    v->start[0] = 0;
    sort_owners = o;
    for (size_t k = 0; k < v->n; k++)
        qsort(v->order + v->start[k], v->start[k + 1] - v->start[k], sizeof(uint32_t), by_entry);
    *out = v;
    return PHASH_OK;
}

size_t phash_matcher_video_count(const phash_matcher *m)
{
    if (!m)
        return 0;
    ph_snapshot *s = ph_matcher_take(m);
    size_t n = s && ph_snapshot_videos(s) ? ph_snapshot_videos(s)->n : 0;
    ph_snapshot_release(s);
    return n;
}

/* ---- rules and options ---- */

const char *phash_vpdq_rule_name(phash_vpdq_rule rule)
{
    switch (rule) {
    case PHASH_VPDQ_RULE_PYTX:
        return "pytx";
    case PHASH_VPDQ_RULE_CPP:
        return "cpp";
    }
    return "unknown";
}

phash_status phash_vpdq_rule_parse(const char *name, phash_vpdq_rule *out)
{
    static const struct {
        const char *name;
        phash_vpdq_rule rule;
    } names[] = {{"pytx", PHASH_VPDQ_RULE_PYTX},   {"hma", PHASH_VPDQ_RULE_PYTX},
                 {"python", PHASH_VPDQ_RULE_PYTX}, {"cpp", PHASH_VPDQ_RULE_CPP},
                 {"c++", PHASH_VPDQ_RULE_CPP},     {"brute", PHASH_VPDQ_RULE_CPP}};
    if (!name || !out)
        return PHASH_ERR_INVALID_ARG;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ph_span_eq(name, strlen(name), names[i].name)) {
            *out = names[i].rule;
            return PHASH_OK;
        }
    return PHASH_ERR_NOT_FOUND;
}

typedef struct vresult {
    size_t video;
    double qp, ip;
    size_t qm, qn, im, in;
    int matched;
    size_t range_off, range_n;
} vresult;

/* Per listed video during a run (valid when gen == the run's gen). */
typedef struct vstate {
    uint32_t gen;
    uint32_t last_u, last_e; /* stamps + 1 */
    uint32_t qhit, thit;
} vstate;

struct phash_video_query {
    int rule, distance, quality, all;
    double query_percent, index_percent;
    ph_snapshot *snap;
    uint32_t gen;
    ph_buf states;     /* vstate[n videos] */
    size_t n_states;
    ph_buf egen;       /* uint32_t[n entries]: entry seen in run gen */
    size_t n_egen;
    ph_buf sorted;     /* uint32_t[n]: kept frames sorted by code */
    ph_buf frame_u;    /* uint32_t[n]: unique code of frame i, UINT32_MAX when filtered out */
    ph_buf codes;      /* phash_pdq_code[U] */
    ph_buf mult;       /* uint32_t[U] */
    ph_buf touched;    /* uint32_t[] videos touched */
    size_t n_touched, touched_cap;
    ph_buf pairs;      /* uint64_t[]: video << 32 | u, first match of u for a video */
    size_t n_pairs, pairs_cap;
    ph_buf results;    /* vresult[] */
    size_t n_results;
    ph_buf ranges;     /* phash_video_range[] */
    size_t n_ranges, ranges_cap;
    ph_buf umark;      /* uint8_t[U] */
    phash_index_results *found;
    const phash_vpdq_frame *frames; /* during a run only */
    ph_error err;
};

phash_status phash_video_query_new(phash_video_query **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    phash_video_query *q = ph_calloc(1, sizeof *q);
    *out = q;
    if (!q)
        return PHASH_ERR_NOMEM;
    q->rule = PHASH_VPDQ_RULE_PYTX;
    q->distance = 31;
    q->quality = 50;
    q->query_percent = 80;
    q->index_percent = 0;
    return PHASH_OK;
}

void phash_video_query_free(phash_video_query *q)
{
    if (!q)
        return;
    ph_snapshot_release(q->snap);
    ph_buf *bufs[] = {&q->states, &q->egen,   &q->sorted,  &q->frame_u, &q->codes, &q->mult,
                      &q->touched, &q->pairs, &q->results, &q->ranges,  &q->umark};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        ph_buf_release(bufs[i]);
    phash_index_results_free(q->found);
    ph_free(q);
}

static int whole(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == (double)(int)v;
}

phash_status phash_video_query_set_option(phash_video_query *q, phash_video_query_opt opt,
                                          double value)
{
    if (!q)
        return PHASH_ERR_INVALID_ARG;
    switch (opt) {
    case PHASH_VQ_OPT_RULE:
        if (!whole(value, 0, 1))
            break;
        q->rule = (int)value;
        return PHASH_OK;
    case PHASH_VQ_OPT_DISTANCE:
        if (!whole(value, 0, 256))
            break;
        q->distance = (int)value;
        return PHASH_OK;
    case PHASH_VQ_OPT_QUALITY:
        if (!whole(value, 0, 101))
            break;
        q->quality = (int)value;
        return PHASH_OK;
    case PHASH_VQ_OPT_QUERY_PERCENT:
    case PHASH_VQ_OPT_INDEX_PERCENT:
        if (!(value >= 0 && value <= 100))
            break;
        *(opt == PHASH_VQ_OPT_QUERY_PERCENT ? &q->query_percent : &q->index_percent) = value;
        return PHASH_OK;
    case PHASH_VQ_OPT_ALL_CANDIDATES:
        if (!whole(value, 0, 1))
            break;
        q->all = (int)value;
        return PHASH_OK;
    }
    return ph_error_set(&q->err, PHASH_ERR_INVALID_ARG, "video query option %d: value %g out of range",
                        (int)opt, value);
}

double phash_video_query_get_option(const phash_video_query *q, phash_video_query_opt opt)
{
    if (!q)
        return -1;
    switch (opt) {
    case PHASH_VQ_OPT_RULE:
        return q->rule;
    case PHASH_VQ_OPT_DISTANCE:
        return q->distance;
    case PHASH_VQ_OPT_QUALITY:
        return q->quality;
    case PHASH_VQ_OPT_QUERY_PERCENT:
        return q->query_percent;
    case PHASH_VQ_OPT_INDEX_PERCENT:
        return q->index_percent;
    case PHASH_VQ_OPT_ALL_CANDIDATES:
        return q->all;
    }
    return -1;
}

const char *phash_video_query_last_error(const phash_video_query *q)
{
    return q ? ph_error_message(&q->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

/* ---- a run ---- */

/* Append to a growing array in a ph_buf (contents kept). */
static void *push(ph_buf *b, size_t *n, size_t *cap, size_t elem)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        void *p = ph_realloc(b->data, ncap * elem);
        if (!p)
            return NULL;
        b->data = p;
        b->cap = ncap * elem;
        *cap = ncap;
    }
    return (uint8_t *)b->data + (*n)++ * elem;
}

static _Thread_local const phash_vpdq_frame *sort_frames;

static int by_code(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = memcmp(&sort_frames[x].hash, &sort_frames[y].hash, sizeof(phash_pdq_code));
    return c ? c : (x < y ? -1 : x > y);
}

/* The query's kept frames (quality) grouped into distinct codes. Returns
 * the number of distinct codes; *kept the number of kept frames. */
static size_t distinct_codes(phash_video_query *q, const phash_vpdq_frame *f, size_t n,
                             size_t *kept)
{
    uint32_t *sorted = q->sorted.data, *fu = q->frame_u.data, *mult = q->mult.data;
    phash_pdq_code *codes = q->codes.data;
    size_t k = 0, u = 0;
    for (size_t i = 0; i < n; i++) {
        fu[i] = UINT32_MAX;
        if (f[i].quality >= q->quality)
            sorted[k++] = (uint32_t)i;
    }
    sort_frames = f;
    qsort(sorted, k, sizeof *sorted, by_code);
    for (size_t i = 0; i < k; i++) {
        if (i == 0 || memcmp(&f[sorted[i]].hash, &f[sorted[i - 1]].hash, sizeof(phash_pdq_code))) {
            codes[u] = f[sorted[i]].hash;
            mult[u++] = 0;
        }
        mult[u - 1]++;
        fu[sorted[i]] = (uint32_t)(u - 1);
    }
    *kept = k;
    return u;
}

static int owner_quality_ok(const phash_video_query *q, const ph_owner *o)
{
    return o->quality < 0 || o->quality >= q->quality;
}

static vstate *touch(phash_video_query *q, uint32_t v)
{
    vstate *st = (vstate *)q->states.data + v;
    if (st->gen != q->gen) {
        *st = (vstate){.gen = q->gen};
        uint32_t *t = push(&q->touched, &q->n_touched, &q->touched_cap, sizeof(uint32_t));
        if (!t)
            return NULL;
        *t = v;
    }
    return st;
}

/* Count one hit of distinct query code u on entry e. */
static phash_status count_hit(phash_video_query *q, const phash_sigset *set, const ph_videos *vt,
                              uint32_t u, uint32_t e)
{
    const ph_algo_store *as = &set->algo[PHASH_SIG_VPDQ];
    const ph_owner *o = set->owners;
    uint32_t *egen = q->egen.data;
    const uint32_t *mult = q->mult.data;
    int cpp = q->rule == PHASH_VPDQ_RULE_CPP, first = egen[e] != q->gen;
    egen[e] = q->gen;
    uint32_t lo, hi;
    ph_owner_span(as, e, &lo, &hi);
    for (uint32_t k = lo; k < hi; k++) {
        uint32_t oi = ph_owner_at(as, k);
        if (!owner_quality_ok(q, &o[oi]))
            continue;
        uint32_t v = vt->owner_video[oi];
        vstate *st = touch(q, v);
        if (!st)
            return PHASH_ERR_NOMEM;
        /* The video's frames with this hash: once per distinct hash (pytx)
         * or once per frame (cpp), the first time the entry is hit. */
        if (first && (cpp || st->last_e != e + 1))
            st->thit++;
        st->last_e = e + 1;
        if (st->last_u != u + 1) {
            st->last_u = u + 1;
            st->qhit += cpp ? mult[u] : 1;
            uint64_t *p = push(&q->pairs, &q->n_pairs, &q->pairs_cap, sizeof(uint64_t));
            if (!p)
                return PHASH_ERR_NOMEM;
            *p = (uint64_t)v << 32 | u;
        }
    }
    return PHASH_OK;
}

/* Frames of video v that count: all kept (cpp) or distinct hashes (pytx). */
static size_t video_frames(const phash_video_query *q, const phash_sigset *set,
                           const ph_videos *vt, uint32_t v)
{
    size_t n = 0;
    uint32_t last = UINT32_MAX;
    for (uint32_t k = vt->start[v]; k < vt->start[v + 1]; k++) {
        const ph_owner *o = &set->owners[vt->order[k]];
        if (!owner_quality_ok(q, o))
            continue;
        if (q->rule == PHASH_VPDQ_RULE_CPP || o->entry != last)
            n++;
        last = o->entry;
    }
    return n;
}

static int result_order(const void *a, const void *b)
{
    const vresult *x = a, *y = b;
    if (x->qp != y->qp)
        return x->qp > y->qp ? -1 : 1;
    if (x->ip != y->ip)
        return x->ip > y->ip ? -1 : 1;
    return x->video < y->video ? -1 : x->video > y->video;
}

static int pair_order(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The time ranges of result r: runs of consecutive kept query frames whose
 * distinct code matched r's video (marked in umark). */
static phash_status add_ranges(phash_video_query *q, vresult *r, size_t n)
{
    const uint32_t *fu = q->frame_u.data;
    const uint8_t *mark = q->umark.data;
    const phash_vpdq_frame *f = q->frames;
    phash_video_range *cur = NULL;
    r->range_off = q->n_ranges;
    for (size_t i = 0; i < n; i++) {
        if (fu[i] == UINT32_MAX)
            continue; /* under the quality threshold: neither extends nor breaks a run */
        if (!mark[fu[i]]) {
            cur = NULL;
            continue;
        }
        if (!cur) {
            cur = push(&q->ranges, &q->n_ranges, &q->ranges_cap, sizeof *cur);
            if (!cur)
                return PHASH_ERR_NOMEM;
            *cur = (phash_video_range){f[i].timestamp, f[i].timestamp, f[i].frame_number,
                                       f[i].frame_number, 0};
        }
        cur->end = f[i].timestamp;
        cur->last_frame = f[i].frame_number;
        cur->frames++;
    }
    r->range_n = q->n_ranges - r->range_off;
    return PHASH_OK;
}

static phash_status collect(phash_video_query *q, const phash_sigset *set, const ph_videos *vt,
                            size_t n, size_t kept, size_t U)
{
    const uint32_t *touched = q->touched.data;
    const vstate *states = q->states.data;
    size_t qn = q->rule == PHASH_VPDQ_RULE_CPP ? kept : U;
    if (!ph_buf_reserve(&q->results, (q->n_touched + 1) * sizeof(vresult)))
        return PHASH_ERR_NOMEM;
    vresult *res = q->results.data;
    for (size_t t = 0; t < q->n_touched; t++) {
        uint32_t v = touched[t];
        const vstate *st = &states[v];
        vresult r = {.video = v, .qm = st->qhit, .qn = qn, .im = st->thit};
        r.in = video_frames(q, set, vt, v);
        if (r.qn && r.in) {
            r.qp = 100.0 * (double)r.qm / (double)r.qn;
            r.ip = 100.0 * (double)r.im / (double)r.in;
        }
        r.matched = r.qn && r.in && r.qp >= q->query_percent && r.ip >= q->index_percent;
        if (r.matched || q->all)
            res[q->n_results++] = r;
    }
    qsort(res, q->n_results, sizeof *res, result_order);
    /* Time ranges: the (video, code) pairs sorted by video. */
    uint64_t *pairs = q->pairs.data;
    qsort(pairs, q->n_pairs, sizeof *pairs, pair_order);
    uint8_t *mark = ph_buf_reserve(&q->umark, U + 1);
    if (!mark)
        return PHASH_ERR_NOMEM;
    for (size_t i = 0; i < q->n_results; i++) {
        uint64_t v = res[i].video;
        size_t lo = 0, hi = q->n_pairs;
        while (lo < hi) { /* first pair of v */
            size_t mid = lo + (hi - lo) / 2;
            if (pairs[mid] >> 32 < v)
                lo = mid + 1;
            else
                hi = mid;
        }
        memset(mark, 0, U);
        for (size_t p = lo; p < q->n_pairs && pairs[p] >> 32 == v; p++)
            mark[(uint32_t)pairs[p]] = 1;
        if (add_ranges(q, &res[i], n) != PHASH_OK)
            return PHASH_ERR_NOMEM;
    }
    return PHASH_OK;
}

/* Scratch sized for n frames and the snapshot's videos and entries. */
static phash_status prepare(phash_video_query *q, const phash_sigset *set, const ph_videos *vt,
                            size_t n)
{
    size_t entries = set->algo[PHASH_SIG_VPDQ].count;
    if (!ph_buf_reserve(&q->sorted, (n + 1) * sizeof(uint32_t)) ||
        !ph_buf_reserve(&q->frame_u, (n + 1) * sizeof(uint32_t)) ||
        !ph_buf_reserve(&q->codes, (n + 1) * sizeof(phash_pdq_code)) ||
        !ph_buf_reserve(&q->mult, (n + 1) * sizeof(uint32_t)))
        return PHASH_ERR_NOMEM;
    if (q->n_states < vt->n) { /* new memory: zeroed so that no gen matches */
        if (!ph_buf_reserve(&q->states, vt->n * sizeof(vstate)))
            return PHASH_ERR_NOMEM;
        memset(q->states.data, 0, vt->n * sizeof(vstate));
        q->n_states = vt->n;
    }
    if (q->n_egen < entries) {
        if (!ph_buf_reserve(&q->egen, entries * sizeof(uint32_t)))
            return PHASH_ERR_NOMEM;
        memset(q->egen.data, 0, entries * sizeof(uint32_t));
        q->n_egen = entries;
    }
    if (++q->gen == 0) { /* stamps wrapped: clear them */
        memset(q->states.data, 0, q->n_states * sizeof(vstate));
        memset(q->egen.data, 0, q->n_egen * sizeof(uint32_t));
        q->gen = 1;
    }
    if (!q->found && phash_index_results_new(&q->found) != PHASH_OK)
        return PHASH_ERR_NOMEM;
    return PHASH_OK;
}

static phash_status search(phash_video_query *q, const ph_snapshot *s, const phash_vpdq_frame *f,
                           size_t n)
{
    const phash_sigset *set = ph_snapshot_set(s);
    const ph_videos *vt = ph_snapshot_videos(s);
    const phash_index *idx = ph_snapshot_index(s, PHASH_SIG_VPDQ);
    if (!vt || !idx || n == 0)
        return PHASH_OK;
    phash_status st = prepare(q, set, vt, n);
    if (st != PHASH_OK)
        return st;
    size_t kept, U = distinct_codes(q, f, n, &kept);
    int cpp = q->rule == PHASH_VPDQ_RULE_CPP;
    if (U && !(cpp && q->distance == 0)) {
        phash_index_search_opts opts = {.radius = (unsigned)(q->distance - cpp), .variants = 1};
        st = phash_index_search(idx, q->codes.data, U, &opts, q->found);
        for (size_t u = 0; st == PHASH_OK && u < U; u++) {
            size_t nh;
            const phash_index_hit *h = phash_index_results_hits(q->found, u, &nh);
            for (size_t i = 0; st == PHASH_OK && i < nh; i++)
                st = count_hit(q, set, vt, (uint32_t)u, (uint32_t)h[i].id);
        }
        if (st != PHASH_OK)
            return st;
    }
    return collect(q, set, vt, n, kept, U);
}

phash_status phash_video_query_run(phash_video_query *q, const phash_matcher *m,
                                   const phash_vpdq_frame *frames, size_t n)
{
    if (!q)
        return PHASH_ERR_INVALID_ARG;
    ph_error_clear(&q->err);
    if (!m || (!frames && n) || n >= UINT32_MAX)
        return ph_error_set(&q->err, PHASH_ERR_INVALID_ARG, "video query: bad arguments");
    ph_snapshot *s = ph_matcher_take(m);
    ph_snapshot_release(q->snap);
    q->snap = s;
    q->n_results = q->n_touched = q->n_pairs = q->n_ranges = 0;
    if (!s)
        return PHASH_OK;
    q->frames = frames;
    phash_status st = search(q, s, frames, n);
    q->frames = NULL;
    if (st != PHASH_OK) {
        q->n_results = 0;
        return ph_error_set(&q->err, st, "video query: %s", phash_strerror(st));
    }
    return PHASH_OK;
}

size_t phash_video_query_count(const phash_video_query *q)
{
    return q ? q->n_results : 0;
}

phash_status phash_video_query_get(const phash_video_query *q, size_t i, phash_video_match *out)
{
    if (!q || !out)
        return PHASH_ERR_INVALID_ARG;
    if (i >= q->n_results)
        return PHASH_ERR_NOT_FOUND;
    const vresult *r = (const vresult *)q->results.data + i;
    const phash_sigset *set = ph_snapshot_set(q->snap);
    const ph_videos *vt = ph_snapshot_videos(q->snap);
    const ph_owner *o = &set->owners[vt->order[vt->start[r->video]]];
    *out = (phash_video_match){
        .query_percent = r->qp,
        .index_percent = r->ip,
        .query_matched = r->qm,
        .query_frames = r->qn,
        .index_matched = r->im,
        .index_frames = r->in,
        .matched = r->matched,
        .ranges = r->range_n,
        .list = set->pool + set->lists[o->list],
        .id = set->pool + o->id,
        .metadata = set->pool + o->meta,
        .category = o->category ? set->pool + set->cats[o->category - 1] : "",
        .video = r->video,
    };
    return PHASH_OK;
}

unsigned ph_video_query_flags(const struct phash_video_query *q, size_t i)
{
    if (!q || i >= q->n_results)
        return 0;
    const vresult *r = (const vresult *)q->results.data + i;
    const ph_videos *vt = ph_snapshot_videos(q->snap);
    return ph_snapshot_set(q->snap)->owners[vt->order[vt->start[r->video]]].flags;
}

phash_status phash_video_query_range(const phash_video_query *q, size_t i, size_t k,
                                     phash_video_range *out)
{
    if (!q || !out)
        return PHASH_ERR_INVALID_ARG;
    if (i >= q->n_results)
        return PHASH_ERR_NOT_FOUND;
    const vresult *r = (const vresult *)q->results.data + i;
    if (k >= r->range_n)
        return PHASH_ERR_NOT_FOUND;
    *out = ((const phash_video_range *)q->ranges.data)[r->range_off + k];
    return PHASH_OK;
}
