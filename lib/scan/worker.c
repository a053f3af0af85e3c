/* SPDX-License-Identifier: MIT */
/* The per-file pipeline of one worker: open once, read once, sniff once,
 * dispatch on the media kind, report. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode/decode.h"
#include "scan_int.h"

int ph_worker_init(ph_worker *w, phash_scanner *s)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    if (phash_decoder_new(&w->dec) != PHASH_OK || phash_decoder_set_limits(w->dec, &s->limits) != PHASH_OK ||
        phash_decoder_set_option(w->dec, PHASH_DECODE_APPLY_ORIENTATION, s->apply_orientation) !=
            PHASH_OK)
        return -1;
    size_t views = s->expand ? PH_SCAN_MAX_VIEWS : 1;
    for (size_t i = 0; i < s->n_algos; i++) {
        for (size_t v = 0; v < views; v++)
            if (phash_matches_new(&w->matches[v][i]) != PHASH_OK)
                return -1;
        if (s->algos[i]->digest || !s->algos[i]->state_new)
            continue; /* digests; vpdq (kind_video.c keeps its own state) */
        w->state[i] = s->algos[i]->state_new(s);
        if (!w->state[i])
            return -1;
    }
    if (s->digests && phash_digest_new(s->digests, &w->digest) != PHASH_OK)
        return -1;
    if (s->expand && (phash_expander_new(&w->expander) != PHASH_OK ||
                      phash_expander_set_option(w->expander, PHASH_EXPAND_OPT_KINDS,
                                                (int)s->expand) != PHASH_OK))
        return -1;
    return 0;
}

ph_algo_out *ph_scan_out(ph_worker *w, size_t view, size_t i)
{
    return view ? &w->view_out[view - 1][i] : &w->out[i];
}

void ph_worker_release(ph_worker *w)
{
    if (!w->s)
        return;
    if (w->child) {
        ph_worker_release(w->child);
        ph_free(w->child);
    }
    ph_buf_release(&w->member);
    ph_buf_release(&w->member_path);
    for (size_t i = 0; i < PH_SCAN_MAX_ALGOS; i++) {
        if (w->state[i])
            w->s->algos[i]->state_free(w->state[i]);
        for (size_t v = 0; v < PH_SCAN_MAX_VIEWS; v++)
            phash_matches_free(w->matches[v][i]);
    }
    ph_scan_cache_release(w);
    phash_digest_free(w->digest);
    phash_expander_free(w->expander);
    phash_decoder_free(w->dec);
    phash_decoder_free(w->dec_raw3);
    ph_scan_video_release(w);
    ph_buf_release(&w->buf);
    ph_buf_release(&w->match_recs);
    ph_buf_release(&w->match_hex);
    ph_buf_release(&w->match_work);
    memset(w, 0, sizeof *w);
}

void ph_report_fail(ph_worker *w, phash_status st, const char *fmt, ...)
{
    w->rep.status = st;
    va_list ap;
    va_start(ap, fmt);
    ph_detail_vset(w->detail, fmt, ap);
    va_end(ap);
    w->rep.detail = w->detail;
}

static void report_begin(ph_worker *w, const char *path)
{
    memset(&w->rep, 0, sizeof w->rep);
    for (size_t v = 0; v < PH_SCAN_MAX_VIEWS; v++)
        for (size_t i = 0; i < PH_SCAN_MAX_ALGOS; i++)
            ph_scan_out(w, v, i)->n_variants = 0; /* nothing computed yet for this file */
    w->n_views = 1;
    w->view_name[0] = "orig";
    w->detail[0] = '\0';
    w->rep.path = path;
    w->rep.detail = w->detail;
    w->rep.named = w->named;
    w->rep.depth = w->depth;
    /* A digest left half-fed by a failed file starts over (cannot fail on
     * a live context). */
    if (w->digest && phash_digest_reset(w->digest) != PHASH_OK)
        ph_report_fail(w, PHASH_ERR_STATE, "digest reset failed");
}

/* ---- reading ----------------------------------------------------------------- */

/* Read from the open file until buf holds `want` bytes or the file ends. */
static phash_status read_until(ph_worker *w, ph_scan_input *in, size_t want)
{
    while (in->len < want) {
        size_t room = want - in->len, got = 0;
        int err = ph_file_read(in->file, (uint8_t *)w->buf.data + in->len, room, &got);
        if (err) {
            w->rep.error_number = err;
            ph_report_fail(w, PHASH_ERR_IO, "cannot read %s: %s", in->path, strerror(err));
            return PHASH_ERR_IO;
        }
        ph_scan_count(w->s, PHASH_SCAN_BYTES_READ, got);
        if (w->digest &&
            phash_digest_update(w->digest, (uint8_t *)w->buf.data + in->len, got) != PHASH_OK) {
            ph_report_fail(w, PHASH_ERR_NOMEM, "%s", phash_digest_last_error(w->digest));
            return PHASH_ERR_NOMEM;
        }
        if (got == 0) {
            in->complete = in->eof = 1;
            break;
        }
        in->len += got;
    }
    in->data = w->buf.data;
    return PHASH_OK;
}

int ph_scan_buf_grow(ph_buf *b, size_t size)
{
    if (b->cap >= size)
        return 0;
    void *p = ph_realloc(b->data, size);
    if (!p)
        return -1;
    b->data = p;
    b->cap = size;
    return 0;
}

phash_status ph_scan_read_rest(ph_worker *w, ph_scan_input *in)
{
    if (in->complete || !in->file)
        return PHASH_OK;
    uint64_t cap = w->s->max_read;
    /* The file's size says how much to expect; one byte more notices a file
     * that grew (then reading goes on in doubling steps, up to the cap). */
    uint64_t want = in->size + 1;
    for (;;) {
        if (want > cap)
            want = cap;
        if (want <= in->len)
            break; /* the cap: bytes past it are not decoded */
        if (ph_scan_buf_grow(&w->buf, (size_t)want)) {
            ph_report_fail(w, PHASH_ERR_NOMEM, "cannot allocate %llu bytes to read %s",
                           (unsigned long long)want, in->path);
            return PHASH_ERR_NOMEM;
        }
        phash_status st = read_until(w, in, (size_t)want);
        if (st != PHASH_OK || in->complete)
            return st;
        want = (uint64_t)in->len * 2;
    }
    in->complete = 1;
    return PHASH_OK;
}

/* The bytes nobody else needs (a file of no media kind past its head, or
 * anything past max_read), for the digests only: read through a 1 MiB window
 * after what the buffer holds, fed, dropped; the buffer never grows to the
 * file's size for digests alone. */
static phash_status digest_tail(ph_worker *w, ph_scan_input *in)
{
    enum { WINDOW = 1 << 20 };
    if (ph_scan_buf_grow(&w->buf, in->len + WINDOW)) {
        ph_report_fail(w, PHASH_ERR_NOMEM, "cannot allocate a read window");
        return PHASH_ERR_NOMEM;
    }
    uint8_t *win = (uint8_t *)w->buf.data + in->len;
    for (;;) {
        size_t got = 0;
        int err = ph_file_read(in->file, win, WINDOW, &got);
        if (err) {
            w->rep.error_number = err;
            ph_report_fail(w, PHASH_ERR_IO, "cannot read %s: %s", in->path, strerror(err));
            return PHASH_ERR_IO;
        }
        if (got == 0) {
            in->eof = 1;
            return PHASH_OK;
        }
        ph_scan_count(w->s, PHASH_SCAN_BYTES_READ, got);
        if (phash_digest_update(w->digest, win, got) != PHASH_OK) {
            ph_report_fail(w, PHASH_ERR_NOMEM, "%s", phash_digest_last_error(w->digest));
            return PHASH_ERR_NOMEM;
        }
    }
}

/* The size filter: a file of no media kind that no listed digest can be
 * (its size, from the open's fstat, is not in the set's size set) is not
 * read further for digests. */
static int size_unlisted(ph_worker *w, const ph_scan_input *in)
{
    if (!w->s->size_filter || !w->s->matcher || in->kind != PHASH_MEDIA_OTHER)
        return 0;
    return !phash_matcher_size_possible(w->s->matcher, in->size);
}

phash_status ph_scan_finish_digests(ph_worker *w, ph_scan_input *in)
{
    phash_scanner *s = w->s;
    if (!w->digest)
        return PHASH_OK;
    if (size_unlisted(w, in)) {
        ph_scan_count(s, PHASH_SCAN_SIZE_SKIPPED, 1);
        return phash_digest_reset(w->digest); /* the head's bytes, dropped */
    }
    phash_status st = in->file && !in->eof ? digest_tail(w, in) : PHASH_OK;
    if (st == PHASH_OK && !in->file)
        st = phash_digest_update(w->digest, in->data, (size_t)in->size);
    phash_digest_result r;
    phash_status fin = phash_digest_final(w->digest, &r); /* also resets it */
    if (st != PHASH_OK)
        return st;
    if (fin != PHASH_OK) {
        ph_report_fail(w, fin, "%s", phash_digest_last_error(w->digest));
        return fin;
    }
    for (size_t i = 0; i < s->n_algos; i++) {
        if (!s->algos[i]->digest)
            continue;
        ph_algo_out *o = &w->out[i];
        o->quality = -1;
        o->n_variants = 1;
        phash_digest_algo d = (phash_digest_algo)s->algos[i]->digest;
        if (phash_digest_to_hex(&r, d, o->hex[0]) != PHASH_OK)
            o->hex[0][0] = '\0';
        else
            memcpy(o->digest, phash_digest_bytes(&r, d), phash_digest_len(d));
    }
    return ph_scan_match_digests(w);
}

static phash_status open_input(ph_worker *w, const char *path, ph_scan_input *in)
{
    ph_stat st;
    int err = ph_file_open(path, &in->file, &st);
    if (err == EISDIR || err == ENODEV) {
        if (err == ENODEV)
            ph_scan_count(w->s, PHASH_SCAN_SPECIAL, 1);
        ph_report_fail(w, PHASH_ERR_NOT_REGULAR, "%s: %s", path,
                       err == EISDIR ? "is a folder" : "not a regular file (never opened)");
        return PHASH_ERR_NOT_REGULAR;
    }
    if (err) {
        w->rep.error_number = err;
        ph_report_fail(w, err == ENOMEM ? PHASH_ERR_NOMEM : PHASH_ERR_IO, "cannot open %s: %s",
                       path, strerror(err));
        return w->rep.status;
    }
    ph_scan_count(w->s, PHASH_SCAN_FILES_OPENED, 1);
    in->st = st;
    in->size = st.size;
    w->rep.size = st.size;
    w->rep.mtime_ns = st.mtime_ns;
    size_t head = PH_SCAN_HEAD_BYTES;
    if (st.size + 1 < head)
        head = (size_t)st.size + 1;
    if (!ph_buf_reserve(&w->buf, head)) {
        ph_report_fail(w, PHASH_ERR_NOMEM, "cannot allocate a read buffer");
        return PHASH_ERR_NOMEM;
    }
    return read_until(w, in, head);
}

/* ---- dispatch ---------------------------------------------------------------- */

static void count_outcome(ph_worker *w)
{
    phash_scanner *s = w->s;
    const phash_scan_report *r = &w->rep;
    if (r->source == PHASH_SCAN_SOURCE_STATE) {
        /* answered from the state (counted there): nothing decoded */
    } else if (r->status == PHASH_OK) {
        ph_scan_count(s, r->kind == PHASH_MEDIA_OTHER       ? PHASH_SCAN_NOT_MEDIA
                         : r->kind == PHASH_MEDIA_CONTAINER ? PHASH_SCAN_CONTAINERS
                                                            : PHASH_SCAN_MEDIA,
                      1);
    } else if (r->status == PHASH_ERR_UNSUPPORTED && !phash_format_supported(r->format)) {
        ph_scan_count(s, PHASH_SCAN_UNSUPPORTED, 1);
    } else if (r->status != PHASH_ERR_NOT_REGULAR || r->error_number) {
        ph_scan_count(s, PHASH_SCAN_ERRORS, 1);
    }
    ph_scan_count(s, PHASH_SCAN_LOW_QUALITY, r->n_low_quality);
    if (r->depth)
        ph_scan_count(s, PHASH_SCAN_MEMBERS, 1);
    size_t alerts = 0;
    for (size_t i = 0; i < r->n_matches; i++)
        alerts += phash_scan_report_match(r, i)->level == PHASH_ALERT_MATCH;
    ph_scan_count(s, PHASH_SCAN_MATCHES, alerts);
    ph_scan_count(s, PHASH_SCAN_WEAK_MATCHES, r->n_matches - alerts);
    if (alerts)
        ph_scan_count(s, PHASH_SCAN_MATCHED_FILES, 1);
}

static phash_status process(ph_worker *w, ph_scan_input *in)
{
    phash_scanner *s = w->s;
    in->format = phash_sniff(in->data, in->len);
    in->kind = phash_format_kind(in->format);
    w->rep.format = in->format;
    w->rep.kind = in->kind;
    if (in->kind == PHASH_MEDIA_OTHER)
        snprintf(w->detail, sizeof w->detail, "%s",
                 in->size ? "unknown signature: not an image, video or container phash recognises"
                          : "empty file");
    const ph_scan_kind *k = ph_scan_kind_for(in->kind);
    if (ph_scan_rate_wait(s) || ph_scan_budget_point(s))
        return PHASH_ERR_CANCELLED;
    /* Containers are opened for digests alone too: their members may match;
     * videos (and animated GIFs) are worked on when an algorithm hashes
     * them (vpdq, pdq). */
    int work = k && (in->kind == PHASH_MEDIA_VIDEO ? s->video
                                                   : s->n_image_algos ||
                                                         in->kind == PHASH_MEDIA_CONTAINER ||
                                                         (s->video && in->format == PHASH_FORMAT_GIF));
    phash_status st = s->decode_all ? ph_scan_image(w, in) : work ? k->process(w, in) : PHASH_OK;
    if (st == PHASH_ERR_CANCELLED)
        return st;
    /* Digests of any file, after the kind's work: they come from the same
     * read (ph_scan_finish_digests reads only what is still unread). A file
     * that failed to decode still gets its digests. */
    if (s->digests && ph_scan_finish_digests(w, in) != PHASH_OK)
        return PHASH_OK;
    ph_scan_report_hashes(w);
    return PHASH_OK;
}

/* Flood protection, match ids (and with a state: store, drop matches
 * delivered before), count, deliver; with a state, the matches are then
 * delivered. */
static phash_status finish(ph_worker *w, const ph_scan_input *in, int cached)
{
    ph_scan_flood_apply(w);
    ph_scan_cache_record(w, in, cached);
    count_outcome(w);
    phash_status st = ph_scan_deliver(w->s, &w->rep);
    if (st == PHASH_OK)
        ph_scan_cache_delivered(w);
    return st;
}

/* After a file: buffers that one large file grew (its bytes, its pixels,
 * a container's member) are released, so that the scanner's steady memory
 * stays that of ordinary files. */
static void ph_worker_trim(ph_worker *w)
{
    for (; w; w = w->child) {
        ph_buf_trim(&w->buf);
        ph_buf_trim(&w->member);
        ph_decoder_trim(w->dec);
        ph_decoder_trim(w->dec_raw3);
    }
}

phash_status ph_worker_scan_path(ph_worker *w, const char *path)
{
    ph_scan_budget_enter(w->s);
    report_begin(w, path);
    ph_scan_input in = {.path = path};
    phash_status st = open_input(w, path, &in);
    int cached = st == PHASH_OK && w->s->state && ph_scan_cache_lookup(w, &in);
    if (st == PHASH_OK && !cached)
        st = process(w, &in);
    ph_file_close(in.file);
    if (st != PHASH_ERR_CANCELLED)
        st = finish(w, &in, cached);
    ph_worker_trim(w); /* the report is delivered: nothing points into its buffers now */
    ph_scan_budget_leave(w->s);
    return st;
}

phash_status ph_worker_scan_member(ph_worker *w, const void *data, size_t len, uint64_t size,
                                   const char *name)
{
    report_begin(w, name ? name : "<memory>");
    ph_scan_input in = {.path = w->rep.path, .data = data, .len = len, .size = len,
                        .complete = 1, .eof = 1};
    w->rep.size = size;
    if (len > w->s->max_read)
        in.len = (size_t)w->s->max_read;
    ph_scan_budget_enter(w->s);
    phash_status st = process(w, &in);
    if (st != PHASH_ERR_CANCELLED)
        st = finish(w, &in, 0);
    ph_scan_budget_leave(w->s);
    return st;
}

phash_status ph_worker_scan_memory(ph_worker *w, const void *data, size_t len, const char *name)
{
    phash_status st = ph_worker_scan_member(w, data, len, len, name);
    ph_worker_trim(w);
    return st;
}

phash_status ph_worker_report_member(ph_worker *w, const char *name, uint64_t size,
                                     phash_status st, const char *detail)
{
    report_begin(w, name);
    w->rep.size = size;
    ph_report_fail(w, st, "%s", detail);
    return finish(w, NULL, 0);
}
