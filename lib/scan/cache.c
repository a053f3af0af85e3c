/* SPDX-License-Identifier: MIT */
/* The scanner's use of the persistent state (include/phash/state.h): cache
 * hits (nothing decoded), storing what was hashed, stable match ids,
 * reporting each match until delivered and never after, pruning, pending
 * matches of earlier runs, and rematching stored hashes against a new set.
 *
 * A file's results are stored as one blob (format 1):
 *   u8 1, u8 n_views, (n_views - 1) x (u8 length, view name), then per result:
 *   u8 view, u8 algorithm index, i8 quality, u8 n_variants,
 *   n_variants x (u16 length, hex text)
 * and for a video, once, after them: u8 255 (not a view), 3 x u8 0, u32
 * n_frames, then per frame (its vPDQ hash, phash_vpdq_frame): 32 bytes of
 * PDQ, u8 quality, u32 frame number, u64 the bits of the timestamp (an IEEE
 * double); integers little-endian. A video answered from the state is
 * matched again from its frames, never decoded (a build that predates this
 * record finds 255 no view of its own and hashes the file again).
 * Views and algorithm indexes are those of the settings key (state_config):
 * a file stored under other settings is hashed again. The binary codes the
 * matcher needs are parsed back from the text. */
#include <stdio.h>
#include <string.h>

#include "scan_int.h"
#include "state/state_int.h"

#define BLOB_FORMAT 1
#define BLOB_VIDEO 255
#define FRAME_BYTES 45 /* 32 + 1 + 4 + 8 */
#define HEAD_CHECK_MAX ((size_t)64 << 10)

typedef struct ph_scan_cache {
    phash_digest *sha;       /* SHA-256: content checks and match ids */
    uint8_t check[PH_STATE_CHECK_LEN];
    int have_check;
    ph_buf blob, mem, idbuf;
    char (*ids)[PH_STATE_MATCH_ID_LEN + 1];
    size_t ids_cap;
    const phash_scan_match **fresh; /* records new to the state */
    const char **deliver;           /* ids to mark delivered after the callback */
    size_t n_deliver, list_cap;
} ph_scan_cache;

static ph_scan_cache *cache_of(ph_worker *w)
{
    if (!w->cache) {
        ph_scan_cache *c = ph_calloc(1, sizeof *c);
        if (!c)
            return NULL;
        if (phash_digest_new(PHASH_DIGEST_SHA256, &c->sha) != PHASH_OK) {
            ph_free(c);
            return NULL;
        }
        w->cache = c;
    }
    return w->cache;
}

void ph_scan_cache_release(ph_worker *w)
{
    ph_scan_cache *c = w->cache;
    if (!c)
        return;
    phash_digest_free(c->sha);
    ph_buf_release(&c->blob);
    ph_buf_release(&c->mem);
    ph_buf_release(&c->idbuf);
    ph_free(c->ids);
    ph_free(c->fresh);
    ph_free(c->deliver);
    ph_free(c);
    w->cache = NULL;
}

static int sha256(ph_scan_cache *c, const void *data, size_t len, uint8_t out[32])
{
    phash_digest_result r;
    if (phash_digest_update(c->sha, data, len) != PHASH_OK ||
        phash_digest_final(c->sha, &r) != PHASH_OK)
        return -1;
    memcpy(out, r.sha256, 32);
    return 0;
}

/* ---- the settings key ------------------------------------------------------- */

/* Everything that changes a file's results: the library version (a new
 * decoder may read what an old one refused), the algorithms in order, and
 * every option and limit they use. */
int ph_scan_cache_begin(phash_scanner *s)
{
    /* Names, not numbers: states saved before the aligned variants (when 1
     * meant the reference's) do not match. */
    static const char *const dihedral_names[] = {"off", "aligned", "reference"};
    char algos[128] = "";
    for (size_t i = 0; i < s->n_algos; i++)
        snprintf(algos + strlen(algos), sizeof algos - strlen(algos), "%s%s", i ? "," : "",
                 s->algos[i]->name);
    snprintf(s->state_config, sizeof s->state_config,
             "phash %s;algos=%s;dihedral=%s;pdq_mode=%d;pdq_fast=%u;layout=%d;expand=%u;"
             "orient=%d;decode_all=%d;max_read=%llu;limits=%u,%u,%llu,%llu;video=%d,%.17g",
             phash_version_string(), algos, dihedral_names[s->dihedral], (int)s->pdq_mode, s->pdq_fast,
             (int)s->layout, s->expand, s->apply_orientation, s->decode_all,
             (unsigned long long)s->max_read, s->limits.max_width, s->limits.max_height,
             (unsigned long long)s->limits.max_pixels, (unsigned long long)s->limits.max_memory,
             s->video, s->vcfg.seconds_per_hash);
    return ph_state_seen_reset(s->state);
}

/* ---- the results blob --------------------------------------------------------- */

static int put(ph_buf *b, size_t *n, const void *data, size_t len)
{
    if (*n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < *n + len)
            cap *= 2;
        void *p = ph_realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy((uint8_t *)b->data + *n, data, len);
    *n += len;
    return 0;
}

static void le_put(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static uint64_t le_get(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << 8 * i;
    return v;
}

/* The frames of a video (see the blob's format above). */
static int put_video(ph_worker *w, ph_buf *b, size_t *len)
{
    size_t n;
    const phash_vpdq_frame *f = ph_scan_video_frames(w, &n);
    if (!n)
        return 0;
    if (n > UINT32_MAX)
        return -1;
    uint8_t head[8] = {BLOB_VIDEO, 0, 0, 0};
    le_put(head + 4, n, 4);
    if (put(b, len, head, sizeof head))
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint8_t rec[FRAME_BYTES];
        uint64_t bits;
        memcpy(&bits, &f[i].timestamp, 8);
        memcpy(rec, f[i].hash.bytes, 32);
        rec[32] = (uint8_t)f[i].quality;
        le_put(rec + 33, f[i].frame_number, 4);
        le_put(rec + 37, bits, 8);
        if (put(b, len, rec, sizeof rec))
            return -1;
    }
    return 0;
}

/* Read the frames of a video; the bytes it used, or 0 when they do not fit. */
static size_t get_video(ph_worker *w, const uint8_t *p, size_t avail)
{
    if (avail < 8 || p[1] || p[2] || p[3])
        return 0;
    uint64_t n = le_get(p + 4, 4);
    if (n == 0 || n > (avail - 8) / FRAME_BYTES)
        return 0;
    phash_vpdq_frame *f = ph_scan_video_room(w, (size_t)n);
    if (!f)
        return 0;
    const uint8_t *rec = p + 8;
    for (size_t i = 0; i < n; i++, rec += FRAME_BYTES) {
        uint64_t bits = le_get(rec + 37, 8);
        memcpy(f[i].hash.bytes, rec, 32);
        f[i].quality = rec[32];
        f[i].frame_number = (uint32_t)le_get(rec + 33, 4);
        memcpy(&f[i].timestamp, &bits, 8);
        if (f[i].quality > 100)
            return 0;
    }
    return 8 + (size_t)n * FRAME_BYTES;
}

static int serialise(ph_worker *w, ph_buf *b, size_t *len)
{
    phash_scanner *s = w->s;
    uint8_t head[2] = {BLOB_FORMAT, (uint8_t)w->n_views};
    *len = 0;
    if (put(b, len, head, 2))
        return -1;
    for (size_t v = 1; v < w->n_views; v++) {
        uint8_t nl = (uint8_t)strlen(w->view_name[v]);
        if (put(b, len, &nl, 1) || put(b, len, w->view_name[v], nl))
            return -1;
    }
    for (size_t v = 0; v < w->n_views; v++)
        for (size_t i = 0; i < s->n_algos; i++) {
            const ph_algo_out *o = ph_scan_out(w, v, i);
            if (!o->n_variants)
                continue;
            uint8_t rec[4] = {(uint8_t)v, (uint8_t)i, (uint8_t)(int8_t)o->quality,
                              (uint8_t)o->n_variants};
            if (put(b, len, rec, 4))
                return -1;
            for (unsigned k = 0; k < o->n_variants; k++) {
                size_t hl = strlen(o->hex[k]);
                uint8_t l[2] = {(uint8_t)(hl & 0xff), (uint8_t)(hl >> 8)};
                if (put(b, len, l, 2) || put(b, len, o->hex[k], hl))
                    return -1;
            }
        }
    return put_video(w, b, len);
}

/* The binary form the matcher needs, from the text. */
static int parse_codes(const ph_scan_algo *a, ph_algo_out *o)
{
    for (unsigned k = 0; k < o->n_variants; k++) {
        const char *hex = o->hex[k];
        size_t len = strlen(hex), pos;
        if (a->digest) {
            if (len > 2 * PHASH_DIGEST_MAX_LEN || len % 2)
                return -1;
            for (size_t j = 0; j < len / 2; j++) {
                int hi = ph_hex_value(hex[2 * j]), lo = ph_hex_value(hex[2 * j + 1]);
                if (hi < 0 || lo < 0)
                    return -1;
                o->digest[j] = (uint8_t)(hi << 4 | lo);
            }
        } else if (a->sig == PHASH_SIG_PDQ) {
            if (phash_pdq_from_hex(hex, len, &o->pdq[k], &pos) != PHASH_OK)
                return -1;
        } else if (a->sig == PHASH_SIG_PHASH && k == 0) {
            if (phash_u64_parse(hex, len, PHASH_U64_HEX, &o->u64, &pos) != PHASH_OK)
                return -1;
        }
    }
    return 0;
}

static const char *view_name(size_t slot, const char *name, size_t len)
{
    static const phash_view_kind kinds[] = {PHASH_VIEW_BORDER, PHASH_VIEW_EMBEDDED};
    if (slot == 0)
        return "orig";
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *n = phash_view_kind_name(kinds[i]);
        if (n && strlen(n) == len && !memcmp(n, name, len))
            return n;
    }
    return NULL;
}

/* Fill the worker's results from a blob; -1 if it does not fit the
 * scanner's settings (then the file is hashed again). */
static int deserialise(ph_worker *w, const uint8_t *p, size_t len)
{
    phash_scanner *s = w->s;
    const uint8_t *end = p + len;
    if (len < 2 || p[0] != BLOB_FORMAT || p[1] < 1 || p[1] > PH_SCAN_MAX_VIEWS)
        return -1;
    w->n_views = p[1];
    p += 2;
    for (size_t v = 1; v < w->n_views; v++) {
        if (p >= end || (size_t)(end - p) < 1u + p[0] || !(w->view_name[v] = view_name(v, (const char *)p + 1, p[0])))
            return -1;
        p += 1 + p[0];
    }
    while (p < end) {
        if (p[0] == BLOB_VIDEO) { /* the last record */
            size_t used = get_video(w, p, (size_t)(end - p));
            if (!used || used != (size_t)(end - p))
                return -1;
            break;
        }
        if (end - p < 4 || p[0] >= w->n_views || p[1] >= s->n_algos || p[3] < 1 ||
            p[3] > PH_SCAN_MAX_VARIANTS)
            return -1;
        size_t v = p[0], i = p[1];
        ph_algo_out *o = ph_scan_out(w, v, i);
        o->quality = (int8_t)p[2];
        o->n_variants = p[3];
        p += 4;
        for (unsigned k = 0; k < o->n_variants; k++) {
            if (end - p < 2)
                return -1;
            size_t hl = (size_t)p[0] | (size_t)p[1] << 8;
            p += 2;
            if ((size_t)(end - p) < hl || hl >= PH_SCAN_HEX_MAX)
                return -1;
            memcpy(o->hex[k], p, hl);
            o->hex[k][hl] = '\0';
            p += hl;
        }
        if (parse_codes(s->algos[i], o))
            return -1;
    }
    return 0;
}

/* ---- lookups and stores ---------------------------------------------------------- */

/* Results of what a state may hold: not read errors (retried next time),
 * not kinds whose results live outside the per-algorithm table. */
static int storable(const ph_worker *w)
{
    switch (w->rep.status) {
    case PHASH_ERR_IO:
    case PHASH_ERR_NOMEM:
    case PHASH_ERR_STATE:
    case PHASH_ERR_CANCELLED:
    case PHASH_ERR_BUDGET:
    case PHASH_ERR_NOT_REGULAR:
        return 0;
    default:
        return w->rep.kind == PHASH_MEDIA_IMAGE || w->rep.kind == PHASH_MEDIA_OTHER ||
               w->rep.kind == PHASH_MEDIA_VIDEO;
    }
}

static void key_of(const ph_scan_input *in, const ph_scan_cache *c, const phash_scanner *s,
                   ph_state_file *f)
{
    memset(f, 0, sizeof *f);
    f->dev = in->st.device;
    f->ino = in->st.inode;
    f->size = in->st.size;
    f->mtime_ns = in->st.mtime_ns;
    f->ctime_ns = in->st.ctime_ns;
    memcpy(f->check, c->check, sizeof f->check);
    f->config = s->state_config;
}

/* Fill the report from a stored outcome, then match the stored hashes. */
static int answer(ph_worker *w, const ph_state_file *f)
{
    if (deserialise(w, f->hashes, f->hashes_len))
        return -1;
    phash_scan_report *r = &w->rep;
    r->status = (phash_status)f->status;
    snprintf(w->detail, sizeof w->detail, "%s", f->detail);
    r->format = (phash_format)f->format;
    r->kind = (phash_media_kind)f->kind;
    r->width = f->width;
    r->height = f->height;
    r->image_flags = f->flags;
    r->channels = f->channels;
    r->orientation = f->orientation;
    (void)ph_scan_match_hashes(w);
    if (r->kind == PHASH_MEDIA_VIDEO || r->video_frames)
        ph_scan_video_answer(w); /* its frames (a video's, an animated GIF's), matched again */
    (void)ph_scan_match_digests(w);
    ph_scan_report_hashes(w);
    return 0;
}

int ph_scan_cache_lookup(ph_worker *w, ph_scan_input *in)
{
    ph_scan_cache *c = cache_of(w);
    if (!c)
        return 0;
    size_t n = in->len < HEAD_CHECK_MAX ? in->len : HEAD_CHECK_MAX;
    c->have_check = sha256(c, in->data, n, c->check) == 0;
    if (!c->have_check)
        return 0;
    ph_state_file f;
    key_of(in, c, w->s, &f);
    if (ph_state_lookup(w->s->state, in->path, &f, &c->mem) != 1)
        return 0;
    if (answer(w, &f)) {
        /* a blob this build cannot use: hash the file again */
        memset(&w->rep.status, 0, sizeof w->rep.status);
        for (size_t v = 0; v < PH_SCAN_MAX_VIEWS; v++)
            for (size_t i = 0; i < PH_SCAN_MAX_ALGOS; i++)
                ph_scan_out(w, v, i)->n_variants = 0;
        w->n_views = 1;
        w->view_name[0] = "orig";
        w->detail[0] = '\0';
        w->rep.n_matches = w->rep.n_hashes = 0;
        w->rep.video_frames = 0;
        return 0;
    }
    w->rep.source = PHASH_SCAN_SOURCE_STATE;
    ph_scan_count(w->s, PHASH_SCAN_CACHED, 1);
    return 1;
}

static int grow_lists(ph_scan_cache *c, size_t n)
{
    if (n <= c->list_cap && n <= c->ids_cap)
        return 0;
    size_t cap = n * 2 + 8;
    void *ids = ph_realloc(c->ids, cap * sizeof *c->ids);
    if (ids)
        c->ids = ids;
    void *fresh = ph_realloc(c->fresh, cap * sizeof *c->fresh);
    if (fresh)
        c->fresh = fresh;
    void *del = ph_realloc(c->deliver, cap * sizeof *c->deliver);
    if (del)
        c->deliver = del;
    if (!ids || !fresh || !del)
        return -1;
    c->ids_cap = c->list_cap = cap;
    return 0;
}

/* SHA-256 of path, algo, signature hash and signature id (NUL-separated),
 * first 16 bytes in hex. Not the list's name: the same signature in the
 * next release of a list (police-v13.csv after police-v12.csv) is not news. */
static void match_id(ph_scan_cache *c, const char *path, const phash_scan_match *m, char *out)
{
    const char *parts[] = {path, m->algo, m->hash, m->id};
    uint8_t d[32];
    int ok = 1;
    for (size_t i = 0; i < 4 && ok; i++)
        ok = phash_digest_update(c->sha, parts[i] ? parts[i] : "",
                                 strlen(parts[i] ? parts[i] : "") + 1) == PHASH_OK;
    phash_digest_result r;
    ok = phash_digest_final(c->sha, &r) == PHASH_OK && ok;
    memcpy(d, r.sha256, sizeof d);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < PH_STATE_MATCH_ID_LEN / 2; i++) {
        out[2 * i] = ok ? hex[d[i] >> 4] : '0';
        out[2 * i + 1] = ok ? hex[d[i] & 15] : '0';
    }
    out[PH_STATE_MATCH_ID_LEN] = '\0';
}

void ph_scan_cache_record(ph_worker *w, const ph_scan_input *in, int cached)
{
    phash_scanner *s = w->s;
    ph_scan_cache *c = cache_of(w);
    size_t n = w->rep.n_matches;
    if (c)
        c->n_deliver = 0;
    if (!c || grow_lists(c, n))
        return; /* no ids: reported as without a state */
    phash_scan_match *recs = w->match_recs.data;
    for (size_t i = 0; i < n; i++) {
        match_id(c, w->rep.path, &recs[i], c->ids[i]);
        recs[i].match_id = c->ids[i];
    }
    if (!s->state || (!cached && (!in || !in->file)))
        return; /* memory: nothing to keep */
    /* Keep what is new or still pending; drop what was delivered. */
    size_t kept = 0, n_fresh = 0;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].level != PHASH_ALERT_MATCH) { /* weak: reported, never kept */
            recs[kept++] = recs[i];
            continue;
        }
        int known = ph_state_match_known(s->state, recs[i].match_id);
        if (known == 2) {
            ph_scan_count(s, PHASH_SCAN_KNOWN_MATCHES, 1);
            continue;
        }
        recs[kept] = recs[i];
        if (known == 0)
            c->fresh[n_fresh++] = &recs[kept];
        c->deliver[c->n_deliver++] = recs[kept].match_id;
        kept++;
    }
    w->rep.n_matches = kept;
    if (cached || !storable(w) || !c->have_check) {
        if (n_fresh)
            (void)ph_state_store(s->state, w->rep.path, NULL, c->fresh, n_fresh, w->rep.size,
                                 w->rep.mtime_ns);
        return;
    }
    size_t len;
    ph_state_file f;
    key_of(in, c, s, &f);
    f.status = w->rep.status;
    f.format = w->rep.format;
    f.kind = w->rep.kind;
    f.width = w->rep.width;
    f.height = w->rep.height;
    f.flags = w->rep.image_flags;
    f.channels = w->rep.channels;
    f.orientation = w->rep.orientation;
    f.detail = w->rep.detail;
    if (serialise(w, &c->blob, &len))
        return;
    f.hashes = c->blob.data;
    f.hashes_len = len;
    (void)ph_state_store(s->state, w->rep.path, &f, c->fresh, n_fresh, w->rep.size,
                         w->rep.mtime_ns);
}

void ph_scan_cache_delivered(ph_worker *w)
{
    ph_scan_cache *c = w->cache;
    if (c && w->s->state && c->n_deliver)
        (void)ph_state_mark_delivered(w->s->state, c->deliver, c->n_deliver);
    if (c)
        c->n_deliver = 0;
}

/* ---- the walk's side: seen files, pruning ------------------------------------------- */

void ph_scan_cache_seen(phash_scanner *s, const char *path)
{
    if (s->state)
        (void)ph_state_seen_add(s->state, path);
}

void ph_scan_cache_prune(phash_scanner *s, const char *root)
{
    if (!s->state || atomic_load(&s->cancelled))
        return;
    int64_t n = ph_state_prune(s->state, root);
    if (n > 0)
        ph_scan_count(s, PHASH_SCAN_PRUNED, (uint64_t)n);
}

/* ---- matches of earlier runs ----------------------------------------------------------- */

typedef struct pending_ctx {
    phash_scanner *s;
    ph_worker *w; /* only its report and match records are used */
    int cancelled;
} pending_ctx;

static int deliver_one(void *ctx, const char *path, uint64_t size, int64_t mtime_ns,
                       const phash_scan_match *recs, size_t n)
{
    pending_ctx *p = ctx;
    ph_worker *w = p->w;
    size_t bytes;
    if (ph_mul_size(n, sizeof *recs, &bytes) || !ph_buf_reserve(&w->match_recs, bytes))
        return 0; /* kept pending: delivered next time */
    memcpy(w->match_recs.data, recs, bytes);
    w->match_cap = n;
    memset(&w->rep, 0, sizeof w->rep);
    w->rep.path = path;
    w->rep.detail = "";
    w->rep.size = size;
    w->rep.mtime_ns = mtime_ns;
    w->rep.kind = PHASH_MEDIA_OTHER;
    w->rep.n_matches = n;
    w->rep.source = PHASH_SCAN_SOURCE_PENDING;
    phash_scanner *s = p->s;
    ph_mutex_lock(s->cb_lock);
    /* cancelled (a signal, another thread): the rest stays pending */
    int stop = atomic_load(&s->cancelled) ? 1 : s->cb ? s->cb(s->cb_ctx, &w->rep) : 0;
    ph_mutex_unlock(s->cb_lock);
    if (stop) {
        p->cancelled = 1;
        atomic_store(&s->cancelled, 1);
        return 1;
    }
    ph_scan_count(s, PHASH_SCAN_MATCHES, n);
    const char **ids = ph_calloc(n, sizeof *ids);
    if (!ids)
        return 0;
    for (size_t i = 0; i < n; i++)
        ids[i] = recs[i].match_id;
    (void)ph_state_mark_delivered(s->state, ids, n);
    ph_free(ids);
    return 0;
}

phash_status ph_scan_cache_deliver_pending(phash_scanner *s)
{
    if (!s->state)
        return PHASH_OK;
    ph_worker *w = ph_calloc(1, sizeof *w);
    if (!w)
        return PHASH_OK; /* kept pending */
    w->s = s;
    pending_ctx p = {s, w, 0};
    (void)ph_state_pending_each(s->state, deliver_one, &p);
    ph_buf_release(&w->match_recs);
    ph_free(w);
    return p.cancelled ? PHASH_ERR_CANCELLED : PHASH_OK;
}

/* ---- rematch ------------------------------------------------------------------------ */

typedef struct rematch_ctx {
    ph_worker *w;
    size_t in_batch;
    int cancelled;
} rematch_ctx;

static void reset_results(ph_worker *w, const char *path)
{
    memset(&w->rep, 0, sizeof w->rep);
    for (size_t v = 0; v < PH_SCAN_MAX_VIEWS; v++)
        for (size_t i = 0; i < PH_SCAN_MAX_ALGOS; i++)
            ph_scan_out(w, v, i)->n_variants = 0;
    w->n_views = 1;
    w->view_name[0] = "orig";
    w->detail[0] = '\0';
    w->rep.path = path;
    w->rep.detail = w->detail;
}

static int rematch_one(void *ctx, const char *path, const ph_state_file *f)
{
    rematch_ctx *r = ctx;
    ph_worker *w = r->w;
    phash_scanner *s = w->s;
    if (atomic_load(&s->cancelled)) {
        r->cancelled = 1;
        return 1;
    }
    reset_results(w, path);
    if (answer(w, f))
        return 0; /* stored under a form this build cannot read */
    ph_scan_count(s, PHASH_SCAN_CACHED, 1);
    w->rep.size = f->size;
    w->rep.mtime_ns = f->mtime_ns;
    w->rep.source = PHASH_SCAN_SOURCE_REMATCH;
    if (!w->rep.n_matches)
        return 0;
    /* As a scan would, but the file is not stored again: only its new
     * matches (as pending) */
    ph_scan_flood_apply(w);
    ph_scan_cache_record(w, NULL, 1);
    if (!w->rep.n_matches)
        return 0;
    ph_scan_count(s, PHASH_SCAN_MATCHES, w->rep.n_matches);
    ph_scan_count(s, PHASH_SCAN_MATCHED_FILES, 1);
    if (ph_scan_deliver(s, &w->rep) != PHASH_OK) {
        r->cancelled = 1;
        return 1;
    }
    ph_scan_cache_delivered(w);
    return 0;
}

phash_status ph_scan_cache_rematch(ph_worker *w)
{
    phash_scanner *s = w->s;
    if (ph_scan_cache_begin(s))
        return ph_error_set(&s->err, PHASH_ERR_IO, "%s", phash_state_last_error(s->state));
    rematch_ctx r = {w, 0, 0};
    int rc = ph_state_files_each(s->state, s->state_config, rematch_one, &r);
    if (r.cancelled)
        return PHASH_ERR_CANCELLED;
    if (rc < 0)
        return ph_error_set(&s->err, PHASH_ERR_IO, "%s", phash_state_last_error(s->state));
    return PHASH_OK;
}
