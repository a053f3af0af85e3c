/* SPDX-License-Identifier: MIT */
/* The video kind: a video read once like any file is hashed with vPDQ
 * (include/phash/video.h) from those bytes; its frames are matched as a
 * video against the set's vPDQ videos (include/phash/vmatch.h) and one by
 * one against its PDQ images, each match with the times it was found at.
 * Animated GIFs (images: their first frame is hashed as the references'
 * loaders do) also go this way, through FFmpeg's gif demuxer.
 * Decoder threads beyond the first come from the scan's thread budget. */
#include <stdio.h>
#include <string.h>

#include "phash/video.h"
#include "phash/vmatch.h"
#include "scan_int.h"
#include "sigset/sigset_int.h" /* ph_video_query_flags */

/* A PDQ image matched by frames of the video: one per (hash, list, id). */
typedef struct frame_match {
    char hash[65];
    size_t list, id, meta, cat; /* offsets in the text arena */
    unsigned distance;
    unsigned flags;    /* the owner's PHASH_SIGSET_FLAG_* (ALLOW: an allowlist entry) */
    int quality;
    uint32_t best_frame;
    double first, last;
    size_t last_kept;  /* ordinal of the last kept frame that matched */
    size_t image_rec;  /* 1 + the index of the image's own record of this
                          owner (an animated GIF's first frame), or 0 */
    size_t ranges;     /* offset of its time-range text (built at the end) */
    ph_buf runs;       /* double[2 * n_runs] */
    size_t n_runs, runs_cap;
} frame_match;

struct ph_video_work {
    phash_video_hasher *hasher;
    phash_video_query *query;
    phash_matches *matches;
    phash_vpdq_frame *frames;
    size_t n, cap;
    int failed; /* out of memory while collecting frames */
    char *text; /* arena for the records' strings; offsets until the end */
    size_t text_len, text_cap;
    frame_match *fm;
    size_t n_fm, fm_cap;
};

void ph_scan_video_defaults(ph_scan_video_config *c)
{
    *c = (ph_scan_video_config){.seconds_per_hash = 1.0, .query_percent = 80.0,
                                .index_percent = 0.0, .max_cpu = 0.0, .threads = 1,
                                .rule = PHASH_VPDQ_RULE_PYTX};
}

void ph_scan_video_release(ph_worker *w)
{
    struct ph_video_work *v = w->video;
    if (!v)
        return;
    phash_video_hasher_free(v->hasher);
    phash_video_query_free(v->query);
    phash_matches_free(v->matches);
    ph_free(v->frames);
    ph_free(v->text);
    for (size_t i = 0; i < v->fm_cap; i++)
        ph_buf_release(&v->fm[i].runs);
    ph_free(v->fm);
    ph_free(v);
    w->video = NULL;
}

/* ---- options ---- */

static int whole(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == (double)(long)v;
}

phash_status phash_scanner_set_video_option(phash_scanner *s, phash_scan_video_option o,
                                            double value)
{
    if (!s)
        return PHASH_ERR_INVALID_ARG;
    if (s->running)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "the configuration cannot change "
                                                      "while a scan runs");
    ph_scan_video_config *c = &s->vcfg;
    switch (o) {
    case PHASH_SCAN_VIDEO_SECONDS_PER_HASH:
        if (!(value >= 0 && value <= 3600))
            break;
        c->seconds_per_hash = value;
        return PHASH_OK;
    case PHASH_SCAN_VIDEO_THREADS:
        if (!whole(value, 1, 64))
            break;
        c->threads = (unsigned)value;
        return PHASH_OK;
    case PHASH_SCAN_VIDEO_RULE:
        if (!whole(value, PHASH_VPDQ_RULE_PYTX, PHASH_VPDQ_RULE_CPP))
            break;
        c->rule = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_VIDEO_QUERY_PERCENT:
    case PHASH_SCAN_VIDEO_INDEX_PERCENT:
        if (!(value >= 0 && value <= 100))
            break;
        *(o == PHASH_SCAN_VIDEO_QUERY_PERCENT ? &c->query_percent : &c->index_percent) = value;
        return PHASH_OK;
    case PHASH_SCAN_VIDEO_MAX_CPU_SECONDS:
        if (!(value >= 0 && value <= 86400))
            break;
        c->max_cpu = value;
        return PHASH_OK;
    }
    return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "video option %d: value %g out of range",
                        (int)o, value);
}

double phash_scanner_get_video_option(const phash_scanner *s, phash_scan_video_option o)
{
    if (!s)
        return -1;
    const ph_scan_video_config *c = &s->vcfg;
    switch (o) {
    case PHASH_SCAN_VIDEO_SECONDS_PER_HASH:
        return c->seconds_per_hash;
    case PHASH_SCAN_VIDEO_THREADS:
        return c->threads;
    case PHASH_SCAN_VIDEO_RULE:
        return c->rule;
    case PHASH_SCAN_VIDEO_QUERY_PERCENT:
        return c->query_percent;
    case PHASH_SCAN_VIDEO_INDEX_PERCENT:
        return c->index_percent;
    case PHASH_SCAN_VIDEO_MAX_CPU_SECONDS:
        return c->max_cpu;
    }
    return -1;
}

/* ---- the thread budget ---- */

/* Extra decoder threads for one video: what the configuration asks beyond
 * the worker's own thread, within the budget's threads that run no worker
 * and no other video's extra decoder thread. Give them back after. */
static unsigned take_threads(ph_worker *w)
{
    phash_scanner *s = w->s;
    unsigned workers = w == s->sync_worker ? 1 : s->threads;
    unsigned spare = s->threads > workers ? s->threads - workers : 0;
    unsigned want = s->vcfg.threads - 1;
    unsigned cur = atomic_load(&s->video_extra);
    for (;;) {
        unsigned take = cur >= spare ? 0 : spare - cur < want ? spare - cur : want;
        if (take == 0)
            return 0;
        if (atomic_compare_exchange_weak(&s->video_extra, &cur, cur + take))
            return take;
    }
}

static void give_threads(phash_scanner *s, unsigned n)
{
    if (n)
        atomic_fetch_sub(&s->video_extra, n);
}

/* ---- state ---- */

static struct ph_video_work *work_of(ph_worker *w)
{
    if (w->video)
        return w->video;
    struct ph_video_work *v = ph_calloc(1, sizeof *v);
    if (!v)
        return NULL;
    w->video = v;
    if (phash_video_hasher_new(&v->hasher) != PHASH_OK ||
        phash_video_query_new(&v->query) != PHASH_OK || phash_matches_new(&v->matches) != PHASH_OK) {
        ph_scan_video_release(w);
        return NULL;
    }
    return v;
}

static int on_frame(void *user, const phash_vpdq_frame *f)
{
    ph_worker *w = user;
    struct ph_video_work *v = w->video;
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 256;
        phash_vpdq_frame *p = ph_realloc(v->frames, cap * sizeof *p);
        if (!p) {
            v->failed = 1;
            return 1;
        }
        v->frames = p;
        v->cap = cap;
    }
    v->frames[v->n++] = *f;
    return ph_scan_budget_point(w->s) != 0; /* the CPU budget; -1 when cancelled */
}

/* Copy text into the arena; its offset, or (size_t)-1 when out of memory. */
static size_t keep(struct ph_video_work *v, const char *s, size_t len)
{
    if (v->text_len + len + 1 > v->text_cap) {
        size_t cap = v->text_cap ? v->text_cap : 1024;
        while (cap < v->text_len + len + 1)
            cap *= 2;
        char *p = ph_realloc(v->text, cap);
        if (!p)
            return (size_t)-1;
        v->text = p;
        v->text_cap = cap;
    }
    size_t off = v->text_len;
    memcpy(v->text + off, s, len);
    v->text[off + len] = '\0';
    v->text_len += len + 1;
    return off;
}

static size_t keep_str(struct ph_video_work *v, const char *s)
{
    return keep(v, s, strlen(s));
}

/* Append one "start-end" range to a text being built at the arena's end. */
static int append_range(struct ph_video_work *v, size_t *off, double start, double end)
{
    char item[64];
    int n = snprintf(item, sizeof item, "%s%.3f-%.3f", *off == (size_t)-1 ? "" : " ", start, end);
    if (*off == (size_t)-1) {
        *off = keep(v, item, (size_t)n);
        return *off == (size_t)-1 ? -1 : 0;
    }
    /* Extend the last string (it is the arena's last): drop its NUL. */
    v->text_len--;
    size_t o = keep(v, item, (size_t)n);
    if (o == (size_t)-1) {
        v->text_len++;
        return -1;
    }
    return 0;
}

static phash_status no_memory(ph_worker *w)
{
    ph_report_fail(w, PHASH_ERR_NOMEM, "out of memory for video matches");
    return PHASH_ERR_NOMEM;
}

/* ---- matching: videos ---- */

static int chosen(const phash_scanner *s, phash_sig_algo sig)
{
    for (size_t i = 0; i < s->n_algos; i++)
        if (s->algos[i]->sig == sig)
            return 1;
    return 0;
}

static phash_status match_videos(ph_worker *w, struct ph_video_work *v)
{
    phash_scanner *s = w->s;
    if (!chosen(s, PHASH_SIG_VPDQ) || !phash_matcher_video_count(s->matcher))
        return PHASH_OK;
    phash_video_query *q = v->query;
    if (phash_video_query_set_option(q, PHASH_VQ_OPT_RULE, s->vcfg.rule) != PHASH_OK ||
        phash_video_query_set_option(q, PHASH_VQ_OPT_DISTANCE, s->radius[PHASH_SIG_VPDQ]) !=
            PHASH_OK ||
        phash_video_query_set_option(q, PHASH_VQ_OPT_QUERY_PERCENT, s->vcfg.query_percent) !=
            PHASH_OK ||
        phash_video_query_set_option(q, PHASH_VQ_OPT_INDEX_PERCENT, s->vcfg.index_percent) !=
            PHASH_OK)
        return PHASH_ERR_INVALID_ARG;
    phash_status st = phash_video_query_run(q, s->matcher, v->frames, v->n);
    if (st != PHASH_OK) {
        ph_report_fail(w, st, "video matching failed: %s", phash_video_query_last_error(q));
        return st;
    }
    for (size_t i = 0; i < phash_video_query_count(q); i++) {
        phash_video_match m;
        phash_video_range first = {0}, last = {0};
        if (phash_video_query_get(q, i, &m) != PHASH_OK)
            continue;
        size_t ranges = (size_t)-1;
        for (size_t k = 0; k < m.ranges; k++) {
            phash_video_range r;
            if (phash_video_query_range(q, i, k, &r) != PHASH_OK)
                continue;
            if (k == 0)
                first = r;
            last = r;
            if (append_range(v, &ranges, r.start, r.end))
                return no_memory(w);
        }
        if (ranges == (size_t)-1 && (ranges = keep(v, "", 0)) == (size_t)-1)
            return no_memory(w);
        phash_scan_match r = {
            .algo = "vpdq", .sig_algo = PHASH_SIG_VPDQ, .distance = 0, .variant = "orig",
            .hash = "", .list = m.list, .id = m.id, .metadata = m.metadata, .quality = -1,
            .category = m.category, .view = "orig", .owner_flags = ph_video_query_flags(q, i),
            .query_percent = m.query_percent,
            .index_percent = m.index_percent, .time_start = first.start, .time_end = last.end,
            .time_ranges = (const char *)(uintptr_t)ranges, .frame = first.first_frame};
        if (ph_scan_add_match(w, &r) != PHASH_OK)
            return no_memory(w);
    }
    return PHASH_OK;
}

/* ---- matching: frames against PDQ images ---- */

static frame_match *find_fm(struct ph_video_work *v, const char *hash, const char *list,
                            const char *id)
{
    for (size_t i = 0; i < v->n_fm; i++) {
        frame_match *f = &v->fm[i];
        if (!strcmp(f->hash, hash) && !strcmp(v->text + f->list, list) &&
            !strcmp(v->text + f->id, id))
            return f;
    }
    return NULL;
}

static frame_match *new_fm(struct ph_video_work *v)
{
    if (v->n_fm == v->fm_cap) {
        size_t cap = v->fm_cap ? 2 * v->fm_cap : 16;
        frame_match *p = ph_realloc(v->fm, cap * sizeof *p);
        if (!p)
            return NULL;
        memset(p + v->fm_cap, 0, (cap - v->fm_cap) * sizeof *p);
        v->fm = p;
        v->fm_cap = cap;
    }
    frame_match *f = &v->fm[v->n_fm++];
    ph_buf runs = f->runs; /* keep the buffer for reuse */
    *f = (frame_match){.runs = runs, .runs_cap = runs.cap / (2 * sizeof(double))};
    return f;
}

/* Record that kept frame number `kept` (ordinal among the frames that were
 * queried) at frame f matched owner o of the hash at distance d. */
static int note_frame(struct ph_video_work *v, const phash_vpdq_frame *f, size_t kept,
                      const phash_match *m, const phash_sigset_owner *o)
{
    frame_match *x = find_fm(v, m->hash, o->list, o->id);
    if (!x) {
        if (!(x = new_fm(v)))
            return -1;
        snprintf(x->hash, sizeof x->hash, "%s", m->hash);
        if ((x->list = keep_str(v, o->list)) == (size_t)-1 ||
            (x->id = keep_str(v, o->id)) == (size_t)-1 ||
            (x->meta = keep_str(v, o->metadata)) == (size_t)-1 ||
            (x->cat = keep_str(v, o->category)) == (size_t)-1)
            return -1;
        x->distance = m->distance + 1;
        x->flags = o->flags;
        x->first = f->timestamp;
        x->last_kept = (size_t)-2;
    }
    if (m->distance < x->distance) {
        x->distance = m->distance;
        x->quality = f->quality;
        x->best_frame = f->frame_number;
    }
    x->last = f->timestamp;
    double *runs;
    if (x->last_kept + 1 != kept) { /* a new run */
        if (x->n_runs == x->runs_cap) {
            size_t cap = x->runs_cap ? 2 * x->runs_cap : 4;
            double *p = ph_realloc(x->runs.data, cap * 2 * sizeof(double));
            if (!p)
                return -1;
            x->runs.data = p;
            x->runs.cap = cap * 2 * sizeof(double);
            x->runs_cap = cap;
        }
        runs = x->runs.data;
        runs[2 * x->n_runs] = f->timestamp;
        x->n_runs++;
    }
    runs = x->runs.data;
    runs[2 * x->n_runs - 1] = f->timestamp;
    x->last_kept = kept;
    return 0;
}

/* The record of the file's own image (an animated GIF's first frame,
 * matched as an image) of the same PDQ hash and owner, or 0. */
static size_t image_record(const ph_worker *w, size_t n_image, const struct ph_video_work *v,
                           const frame_match *x)
{
    const phash_scan_match *recs = w->match_recs.data;
    for (size_t k = 0; k < n_image; k++)
        if (recs[k].sig_algo == PHASH_SIG_PDQ && !strcmp(recs[k].hash, x->hash) &&
            !strcmp(recs[k].list, v->text + x->list) && !strcmp(recs[k].id, v->text + x->id))
            return k + 1;
    return 0;
}

/* An owner matched by the image itself and by frames is one match (one
 * match id): the image's record gains the frames' times and best frame. */
static void merge_into_image(ph_worker *w, const struct ph_video_work *v)
{
    phash_scan_match *recs = w->match_recs.data;
    for (size_t i = 0; i < v->n_fm; i++) {
        const frame_match *x = &v->fm[i];
        if (!x->image_rec)
            continue;
        phash_scan_match *r = &recs[x->image_rec - 1];
        if (x->distance < r->distance) {
            r->distance = x->distance;
            r->quality = x->quality;
        }
        r->time_start = x->first;
        r->time_end = x->last;
        r->time_ranges = v->text + x->ranges;
        r->frame = x->best_frame;
    }
}

static phash_status match_frames(ph_worker *w, struct ph_video_work *v, size_t n_image)
{
    phash_scanner *s = w->s;
    v->n_fm = 0;
    if (!chosen(s, PHASH_SIG_PDQ) || !phash_matcher_size(s->matcher, PHASH_SIG_PDQ))
        return PHASH_OK;
    const ph_scan_algo *pdq = ph_scan_algo_for_sig(PHASH_SIG_PDQ);
    size_t kept = 0;
    for (size_t i = 0; i < v->n; i++) {
        const phash_vpdq_frame *f = &v->frames[i];
        if (f->quality < pdq->min_quality)
            continue;
        phash_status st = phash_matcher_query(s->matcher, PHASH_SIG_PDQ, &f->hash, 1,
                                              s->radius[PHASH_SIG_PDQ], v->matches);
        if (st != PHASH_OK) {
            ph_report_fail(w, st, "matching failed: %s", phash_strerror(st));
            return st;
        }
        for (size_t j = 0; j < phash_matches_count(v->matches); j++) {
            phash_match m;
            if (phash_matches_get(v->matches, j, &m) != PHASH_OK)
                continue;
            for (size_t k = 0; k < m.owners; k++) {
                phash_sigset_owner o;
                if (phash_matches_owner(v->matches, j, k, &o) == PHASH_OK &&
                    note_frame(v, f, kept, &m, &o))
                    return no_memory(w);
            }
        }
        kept++;
    }
    for (size_t i = 0; i < v->n_fm; i++) {
        frame_match *x = &v->fm[i];
        const double *runs = x->runs.data;
        x->ranges = (size_t)-1;
        for (size_t k = 0; k < x->n_runs; k++)
            if (append_range(v, &x->ranges, runs[2 * k], runs[2 * k + 1]))
                return no_memory(w);
        if ((x->image_rec = image_record(w, n_image, v, x)) != 0)
            continue; /* merged into the image's record at the end */
        phash_scan_match r = {
            .algo = pdq->name, .sig_algo = PHASH_SIG_PDQ, .distance = x->distance,
            .variant = "orig", .hash = x->hash, /* copied into the record's slot */
            .list = (const char *)(uintptr_t)x->list, .id = (const char *)(uintptr_t)x->id,
            .metadata = (const char *)(uintptr_t)x->meta, .quality = x->quality,
            .category = (const char *)(uintptr_t)x->cat, .view = "orig",
            .owner_flags = x->flags,
            .time_start = x->first, .time_end = x->last,
            .time_ranges = (const char *)(uintptr_t)x->ranges, .frame = x->best_frame};
        if (ph_scan_add_match(w, &r) != PHASH_OK)
            return no_memory(w);
    }
    return PHASH_OK;
}

/* Records made here hold arena offsets until the arena stops moving. */
static void fix_strings(ph_worker *w, struct ph_video_work *v, size_t first, size_t n_video)
{
    phash_scan_match *recs = w->match_recs.data;
    for (size_t i = first; i < w->rep.n_matches; i++) {
        phash_scan_match *r = &recs[i];
        r->time_ranges = v->text + (uintptr_t)r->time_ranges;
        if (i - first < n_video)
            continue; /* vPDQ records: the other strings are the query's */
        r->list = v->text + (uintptr_t)r->list;
        r->id = v->text + (uintptr_t)r->id;
        r->metadata = v->text + (uintptr_t)r->metadata;
        r->category = v->text + (uintptr_t)r->category;
    }
}

/* Match the frames held (hashed or restored from the state), appending
 * the records after those the report has (an animated GIF's own: its
 * first frame matched as an image, merged with its frames' matches). */
static void match_held(ph_worker *w, struct ph_video_work *v)
{
    size_t first = w->rep.n_matches;
    v->n_fm = 0;
    v->text_len = 0;
    if (!w->s->matcher)
        return;
    /* On failure the records hold arena offsets, not strings: drop them. */
    if (match_videos(w, v) != PHASH_OK) {
        w->rep.n_matches = first;
        return;
    }
    size_t n_video = w->rep.n_matches - first;
    if (match_frames(w, v, first) != PHASH_OK) {
        w->rep.n_matches = first;
        return;
    }
    fix_strings(w, v, first, n_video);
    merge_into_image(w, v);
    ph_scan_apply_allowlist(w); /* an allowlisted image in the frames */
}

/* ---- the kind ---- */

static phash_status hash_video(ph_worker *w, struct ph_video_work *v, ph_scan_input *in,
                               phash_video_info *info)
{
    phash_scanner *s = w->s;
    unsigned extra = take_threads(w);
    phash_status st = phash_video_hasher_set_option(v->hasher, PHASH_VIDEO_OPT_SECONDS_PER_HASH,
                                                    s->vcfg.seconds_per_hash);
    if (st == PHASH_OK)
        st = phash_video_hasher_set_option(v->hasher, PHASH_VIDEO_OPT_THREADS, 1 + extra);
    if (st == PHASH_OK)
        st = phash_video_hasher_set_option(v->hasher, PHASH_VIDEO_OPT_MAX_CPU_SECONDS,
                                           s->vcfg.max_cpu);
    v->n = 0;
    v->failed = 0;
    if (st == PHASH_OK)
        st = phash_vpdq_hash_memory_each(v->hasher, in->data, in->len, on_frame, w, info);
    give_threads(s, extra);
    return st;
}

phash_status ph_scan_video(ph_worker *w, ph_scan_input *in)
{
    phash_scanner *s = w->s;
    if (!phash_format_supported(in->format)) {
        ph_report_fail(w, PHASH_ERR_UNSUPPORTED, "%s videos are not decoded by this build",
                       phash_format_name(in->format));
        return PHASH_OK;
    }
    phash_status st = ph_scan_read_rest(w, in);
    if (st != PHASH_OK)
        return st == PHASH_ERR_CANCELLED ? st : PHASH_OK;
    struct ph_video_work *v = work_of(w);
    if (!v) {
        ph_report_fail(w, PHASH_ERR_NOMEM, "cannot create a video hasher");
        return PHASH_OK;
    }
    phash_video_info info;
    memset(&info, 0, sizeof info);
    st = hash_video(w, v, in, &info);
    w->rep.width = info.width;
    w->rep.height = info.height;
    w->rep.video_frames = v->n;
    w->rep.video_seconds = v->n ? v->frames[v->n - 1].timestamp : 0;
    if (st == PHASH_ERR_CANCELLED && v->failed)
        st = PHASH_ERR_NOMEM;
    else if (st == PHASH_ERR_CANCELLED && atomic_load(&s->cancelled))
        return PHASH_ERR_CANCELLED;
    if (st != PHASH_OK) {
        ph_report_fail(w, st, "%s", phash_video_hasher_last_error(v->hasher));
        return PHASH_OK;
    }
    if (info.read_error || in->len < in->size)
        snprintf(w->detail, sizeof w->detail, "hashed up to byte %zu of %llu (%s)", in->len,
                 (unsigned long long)in->size,
                 in->len < in->size ? "the read limit" : "a read error");
    match_held(w, v);
    return PHASH_OK;
}

/* ---- animated images ---- */

void ph_scan_animated_image(ph_worker *w, ph_scan_input *in)
{
    phash_scanner *s = w->s;
    if (!s->video || in->format != PHASH_FORMAT_GIF ||
        !(w->rep.image_flags & PHASH_IMAGE_ANIMATED) || !phash_video_supported())
        return;
    struct ph_video_work *v = work_of(w);
    if (!v) {
        snprintf(w->detail, sizeof w->detail, "animated GIF: frames not hashed: out of memory");
        return;
    }
    phash_video_info info;
    memset(&info, 0, sizeof info);
    phash_status st = hash_video(w, v, in, &info);
    if (st == PHASH_ERR_CANCELLED && !v->failed)
        return; /* the scan is being cancelled */
    if (st != PHASH_OK) {
        /* The image itself is hashed and matched: say why its frames are not. */
        snprintf(w->detail, sizeof w->detail, "animated GIF: frames not hashed: %s",
                 v->failed ? "out of memory" : phash_video_hasher_last_error(v->hasher));
        return;
    }
    w->rep.video_frames = v->n;
    w->rep.video_seconds = v->n ? v->frames[v->n - 1].timestamp : 0;
    match_held(w, v);
}

/* ---- the state (cache.c): a video's frames stored, answered again ---- */

const phash_vpdq_frame *ph_scan_video_frames(const ph_worker *w, size_t *n)
{
    *n = w->video ? (size_t)w->rep.video_frames : 0;
    return *n ? w->video->frames : NULL;
}

phash_vpdq_frame *ph_scan_video_room(ph_worker *w, size_t n)
{
    struct ph_video_work *v = work_of(w);
    if (!v || !n)
        return NULL;
    if (n > v->cap) {
        phash_vpdq_frame *p = ph_realloc(v->frames, n * sizeof *p);
        if (!p)
            return NULL;
        v->frames = p;
        v->cap = n;
    }
    v->n = n;
    w->rep.video_frames = n;
    return v->frames;
}

void ph_scan_video_answer(ph_worker *w)
{
    struct ph_video_work *v = w->video;
    size_t n = v ? (size_t)w->rep.video_frames : 0;
    w->rep.video_seconds = n ? v->frames[n - 1].timestamp : 0;
    if (v && w->rep.status == PHASH_OK) {
        v->n = n;
        match_held(w, v);
    }
}
