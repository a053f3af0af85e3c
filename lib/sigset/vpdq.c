/* SPDX-License-Identifier: MIT */
/* vPDQ videos in signature sets: one video is a bag of frame hashes with an
 * id. Read from HMA / python-threatexchange's JSON array of
 * "pdqhex,quality,timestamp" strings (a CSV cell, a JSON member) and from
 * the reference CLI's per-frame files ("frame,quality,pdqhex,timestamp"
 * lines, one file per video). Each frame becomes one owner of its frame
 * hash's entry, so that matching (vmatch.c) can count frames per video with
 * or without de-duplication. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigset_int.h"

typedef struct vframe {
    phash_pdq_code code;
    int quality;
    uint64_t line;
} vframe;

/* Split s at commas into at most max fields; returns the number found
 * (max + 1 when there are more). */
static size_t split(const char *s, size_t len, const char **f, size_t *flen, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == ',') {
            if (n == max)
                return max + 1;
            f[n] = s + start;
            flen[n] = i - start;
            ph_span_trim(&f[n], &flen[n]);
            n++;
            start = i + 1;
        }
    return n;
}

static int digits_value(const char *s, size_t len, unsigned long long max,
                        unsigned long long *out)
{
    unsigned long long v = 0;
    if (len == 0 || len > 12)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* A timestamp: a finite decimal number >= 0 (Python's "%.3g" forms too). */
static int timestamp_ok(const char *s, size_t len)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double t = strtod(buf, &end);
    return *end == '\0' && isfinite(t) && t >= 0 && strchr("0123456789.", buf[0]);
}

/* Validate one frame: HMA's "hex,quality,timestamp" or the reference's
 * "frame,quality,hex,timestamp". NULL, or what was expected. */
static const char *parse_frame(const char *s, size_t len, int reference, vframe *out)
{
    const char *f[5];
    size_t fl[5], want = reference ? 4 : 3;
    size_t n = split(s, len, f, fl, want);
    if (n != want)
        return reference ? "expected 4 fields \"frame,quality,pdqhex,timestamp\""
                         : "expected 3 fields \"pdqhex,quality,timestamp\"";
    size_t h = reference ? 2 : 0;
    unsigned long long v;
    if (reference && digits_value(f[0], fl[0], UINT32_MAX, &v))
        return "expected a frame number";
    if (fl[h] != PHASH_PDQ_HEX_LEN || phash_pdq_from_hex(f[h], fl[h], &out->code, NULL) != PHASH_OK)
        return "expected 64 hex digits (the frame's PDQ hash)";
    if (digits_value(f[1], fl[1], 100, &v))
        return "expected a quality from 0 to 100";
    out->quality = (int)v;
    if (!timestamp_ok(f[want - 1], fl[want - 1]))
        return "expected a timestamp >= 0 in seconds";
    return NULL;
}

static const char no_memory[] = "out of memory";

/* Room for frame n (0-based) in a growing frame array, contents kept. */
static vframe *frame_slot(ph_buf *b, size_t n)
{
    if ((n + 1) * sizeof(vframe) > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64 * sizeof(vframe);
        void *p = ph_realloc(b->data, cap);
        if (!p)
            return NULL;
        b->data = p;
        b->cap = cap;
    }
    return (vframe *)b->data + n;
}

/* Parse a JSON array of frame strings into frames (a ph_buf of vframe).
 * NULL, or what was expected; *at is the 1-based frame it concerns. */
static const char *parse_array(const char *s, size_t len, ph_buf *frames, size_t *n,
                               size_t *at, uint64_t line)
{
    size_t i = 0;
    *n = 0;
    *at = 0;
#define SKIP_WS()                                                                                \
    while (i < len && (s[i] == ' ' || s[i] == '\t'))                                             \
        i++
    SKIP_WS();
    if (i >= len || s[i] != '[')
        return "expected a JSON array of \"pdqhex,quality,timestamp\" strings (vPDQ)";
    i++;
    SKIP_WS();
    if (i < len && s[i] == ']')
        i++;
    else
        for (;;) {
            *at = *n + 1;
            SKIP_WS();
            if (i >= len || s[i] != '"')
                return "expected a string \"pdqhex,quality,timestamp\"";
            size_t start = ++i;
            while (i < len && s[i] != '"' && s[i] != '\\')
                i++;
            if (i >= len || s[i] != '"')
                return "expected a closing quote (no escapes in a frame)";
            vframe *f = frame_slot(frames, *n);
            if (!f)
                return no_memory;
            const char *err = parse_frame(s + start, i - start, 0, f);
            if (err)
                return err;
            f->line = line;
            (*n)++;
            i++;
            SKIP_WS();
            if (i < len && s[i] == ',') {
                i++;
                continue;
            }
            if (i < len && s[i] == ']') {
                i++;
                break;
            }
            return "expected ',' or ']' after a frame";
        }
    SKIP_WS();
#undef SKIP_WS
    *at = 0;
    return i == len ? NULL : "expected the end of the array";
}

static int out_of_memory(ph_load *load)
{
    load->status = PHASH_ERR_NOMEM;
    ph_error_set(&load->set->err, PHASH_ERR_NOMEM, "%s:%llu: out of memory", load->name,
                 (unsigned long long)load->line);
    return -1;
}

static int kept(const phash_sigset *set, const vframe *f, unsigned *flags)
{
    static const phash_pdq_code zero;
    *flags = 0;
    if (!memcmp(&f->code, &zero, sizeof zero))
        *flags = PHASH_SIGSET_FLAG_ZERO;
    else if (f->quality < set->min_quality)
        *flags = PHASH_SIGSET_FLAG_LOW_QUALITY;
    return !*flags || set->keep_flagged;
}

/* Insert one video (the record was counted by the caller). Returns 0 or -1. */
static int insert_video(ph_load *load, const vframe *f, size_t n, const char *id, size_t id_len,
                        const char *meta, size_t meta_len, const char *cat, size_t cat_len)
{
    phash_sigset *set = load->set;
    phash_sigset_report *rep = load->report;
    if (n == 0)
        return ph_record_invalid(load, PHASH_SIGSET_MISSING_HASH,
                                 "expected at least one vPDQ frame, found none");
    rep->videos++;
    size_t first = n;
    unsigned flags;
    for (size_t i = 0; i < n && first == n; i++)
        if (kept(set, &f[i], &flags))
            first = i;
    if (first == n) { /* featureless: no frame would ever count */
        rep->low_quality++;
        return 0;
    }
    if (ph_sigset_video_exists(set, &f[first].code, load->list, id, id_len)) {
        rep->duplicates++;
        return 0;
    }
    ph_owner o = {.list = load->list};
    o.id = ph_sigset_intern(set, id, id_len);
    o.meta = o.id == (size_t)-1 ? (size_t)-1 : ph_sigset_intern(set, meta, meta_len);
    if (o.meta == (size_t)-1 || ph_sigset_category(set, cat, cat_len, &o.category))
        return out_of_memory(load);
    for (size_t i = first; i < n; i++) {
        if (!kept(set, &f[i], &flags))
            continue;
        o.quality = (int16_t)f[i].quality;
        o.flags = (uint8_t)(flags | (set->allowlist ? PHASH_SIGSET_FLAG_ALLOW : 0u));
        o.line = f[i].line;
        if (ph_sigset_insert_frame(set, &f[i].code, &o) != PHASH_OK)
            return out_of_memory(load);
    }
    rep->inserted++;
    return 0;
}

/* Parse an array and insert it as a video; invalid arrays are counted. */
static int submit_array(ph_load *load, const char *s, size_t len, const char *id, size_t id_len,
                        const char *meta, size_t meta_len, const char *cat, size_t cat_len)
{
    ph_buf frames = {0};
    size_t n, at;
    const char *err = parse_array(s, len, &frames, &n, &at, load->line);
    int r;
    if (err == no_memory)
        r = out_of_memory(load);
    else if (err && at)
        r = ph_record_invalid(load, PHASH_SIGSET_BAD_SYNTAX, "frame %zu: %s", at, err);
    else if (err)
        r = ph_record_invalid(load, PHASH_SIGSET_BAD_SYNTAX, "%s", err);
    else
        r = insert_video(load, frames.data, n, id, id_len, meta, meta_len, cat, cat_len);
    ph_buf_release(&frames);
    return r;
}

int ph_vpdq_submit(ph_load *load, const ph_record *rec)
{
    if (!rec->hash)
        return ph_record_invalid(load, PHASH_SIGSET_MISSING_HASH,
                                 "expected a JSON array of \"pdqhex,quality,timestamp\" strings "
                                 "(vPDQ), found no hash");
    char line_id[24];
    size_t id_len, cat_len;
    const char *id = ph_record_id(load, rec, line_id, &id_len);
    const char *cat = ph_record_category(rec, &cat_len);
    return submit_array(load, rec->hash, rec->hash_len, id, id_len, rec->meta,
                        ph_cut_at_nul(rec->meta, rec->meta_len), cat, cat_len);
}

/* ---- the per-frame file format ---- */

int ph_vpdq_is_first_line(const char *s, size_t len)
{
    vframe f;
    if (len && s[0] == '[')
        return len > 1 && (s[1] == '"' || s[1] == ' ' || s[1] == ']');
    return parse_frame(s, len, 1, &f) == NULL;
}

typedef struct vfile {
    ph_buf frames; /* vframe[] of the reference lines */
    size_t n;
    size_t arrays; /* array lines seen */
    char base[256];
    size_t base_len;
} vfile;

static int vpdq_line(ph_load *load, void *ctx, const char *s, size_t len)
{
    vfile *v = ctx;
    ph_span_trim(&s, &len);
    if (len == 0 || s[0] == '#')
        return 0;
    if (s[0] == '[') {
        load->report->records++;
        char id[300];
        int id_len = v->arrays++ == 0
                         ? snprintf(id, sizeof id, "%s", v->base)
                         : snprintf(id, sizeof id, "%s:%llu", v->base,
                                    (unsigned long long)load->line);
        return submit_array(load, s, len, id, (size_t)id_len, NULL, 0, NULL, 0);
    }
    vframe *f = frame_slot(&v->frames, v->n);
    if (!f)
        return out_of_memory(load);
    const char *err = parse_frame(s, len, 1, f);
    if (err) {
        load->report->records++;
        return ph_record_invalid(load, PHASH_SIGSET_BAD_SYNTAX, "%s (vPDQ frame line)", err);
    }
    f->line = load->line;
    v->n++;
    return 0;
}

/* The video's id: the list name's base name without its extension. */
static void base_name(const char *name, vfile *v)
{
    const char *b = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    size_t len = strlen(b);
    const char *dot = strrchr(b, '.');
    if (dot && dot > b)
        len = (size_t)(dot - b);
    if (len >= sizeof v->base)
        len = sizeof v->base - 1;
    memcpy(v->base, b, len);
    v->base[len] = '\0';
    v->base_len = len;
}

phash_status ph_parse_vpdq(ph_load *load, ph_lines *lines)
{
    vfile v = {0};
    base_name(load->name, &v);
    phash_status st = ph_each_line(load, lines, vpdq_line, &v);
    if (st == PHASH_OK && v.n && !load->failed && load->status == PHASH_OK) {
        load->report->records++;
        (void)insert_video(load, v.frames.data, v.n, v.base, v.base_len, NULL, 0, NULL, 0);
    }
    ph_buf_release(&v.frames);
    return st;
}
