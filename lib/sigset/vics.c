/* SPDX-License-Identifier: MIT */
/* Project VIC VICS JSON (1.3 and 2.0, "Media" and "Cases" forms), NIST
 * CAID non-RDS (VICS 1.2) and UK CAID (VICS 2.0, UK context): one OData
 * document {"odata.metadata" | "@odata.context": "...#Media", "value":
 * [Media, ...]}, or "...#Cases" with "value": [{CaseID, ..., "Media":
 * [Media, ...]}, ...]. Each Media object is a record: MD5, SHA1 (SHA256)
 * members, alternatives as nested {HashName, HashValue} objects, PhotoDNA
 * kept opaquely, Category, MediaID as the id, every other scalar member
 * kept as metadata (a JSON object text). Nested arrays other than the
 * alternatives (MediaFiles, ...) are skipped.
 *
 * Streaming with yajl: the document arrives in pieces (a real file may be
 * one line of hundreds of MB) and memory stays bounded: yajl buffers only
 * the token cut by a piece's end, and a token longer than the set's maximum
 * line length is refused before yajl sees it; nesting deeper than
 * VICS_MAX_DEPTH is refused; a record is assembled in fixed buffers
 * (docrec.c). Messages give the record number (the Media object's ordinal,
 * from 1) and the member; syntax errors give the byte offset and fail the
 * load: a document cut short is not silently half loaded. */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "docrec.h"

#define VICS_MAX_DEPTH 64
#define VICS_KEY_MAX 64

typedef enum frame_kind {
    F_ROOT,        /* the document object */
    F_VALUE,       /* the "value" array */
    F_CASE,        /* an element of "value" in the Cases form */
    F_MEDIA_ARRAY, /* "Media" inside a case */
    F_MEDIA,       /* a Media object: a record */
    F_NESTED,      /* anything inside a Media object */
    F_OTHER        /* skipped */
} frame_kind;

typedef struct frame {
    frame_kind kind;
    int is_map;
    int nested_media; /* F_MEDIA: held a "Media" array, so it was a case */
    char key[VICS_KEY_MAX];
    size_t key_len; /* > VICS_KEY_MAX: a long key (no role) */
    /* {HashName, HashValue} alternatives inside a Media object */
    char alt_name[VICS_KEY_MAX];
    size_t alt_name_len;
    size_t alt_value_len; /* the value is in vics.alt */
    int has_alt_value;
} frame;

typedef struct vics {
    ph_load *load;
    ph_docrec rec;
    frame stack[VICS_MAX_DEPTH];
    int depth;
    int cases;       /* the context names the Cases form */
    int caid;        /* a NIST CAID document (VICS 1.2): known-benign files */
    int saw_value;   /* a "value" array was found */
    uint64_t media;  /* Media objects started */
    const char *why; /* a structural limit that cancelled the parse */
    char *alt;       /* HashValue of the alternative being read */
    size_t alt_cap;
    int stop;        /* the record layer said stop */
    /* token length guard, across pieces */
    int in_string, escape;
    size_t token_len, max_token;
    uint64_t offset; /* bytes fed before the current piece */
} vics;

static frame *top(vics *v)
{
    return v->depth > 0 ? &v->stack[v->depth - 1] : NULL;
}

static int key_is(const frame *f, const char *word)
{
    return f->key_len <= VICS_KEY_MAX && ph_span_eq(f->key, f->key_len, word);
}

static int push(vics *v, frame_kind kind, int is_map)
{
    if (v->depth == VICS_MAX_DEPTH) {
        v->why = "expected JSON nested at most 64 deep, found deeper";
        return 0;
    }
    frame *f = &v->stack[v->depth++];
    f->kind = kind;
    f->is_map = is_map;
    f->nested_media = 0;
    f->key_len = 0;
    f->alt_name_len = 0;
    f->alt_value_len = 0;
    f->has_alt_value = 0;
    return 1;
}

/* What a new container is, from its parent and the key it sits under. */
static frame_kind child_kind(vics *v, int is_map)
{
    frame *p = top(v);
    if (!p)
        return is_map ? F_ROOT : F_OTHER;
    switch (p->kind) {
    case F_ROOT:
        return !is_map && key_is(p, "value") ? F_VALUE : F_OTHER;
    case F_VALUE:
        return !is_map ? F_OTHER : v->cases ? F_CASE : F_MEDIA;
    case F_CASE:
    case F_MEDIA:
        if (!is_map && key_is(p, "media")) {
            /* Without a "#Cases" context a case is first taken for a Media
             * object; its "Media" array shows what it was. */
            p->nested_media = 1;
            return F_MEDIA_ARRAY;
        }
        return p->kind == F_MEDIA ? F_NESTED : F_OTHER;
    case F_MEDIA_ARRAY:
        return is_map ? F_MEDIA : F_OTHER;
    case F_NESTED:
        return F_NESTED;
    case F_OTHER:
        return F_OTHER;
    }
    return F_OTHER;
}

/* ---- a scalar member of a Media object ---- */

static void media_member(vics *v, frame *f, const char *s, size_t len, int is_string)
{
    ph_load *load = v->load;
    ph_docrec *r = &v->rec;
    phash_sig_algo algo;
    int role = f->key_len <= VICS_KEY_MAX ? ph_field_role(f->key, f->key_len, &algo)
                                          : PH_ROLE_META;
    size_t klen = f->key_len <= VICS_KEY_MAX ? f->key_len : VICS_KEY_MAX;
    int empty = len == 0 || (!is_string && ph_span_eq(s, len, "null"));
    if (role == PH_ROLE_HASH && algo && !empty) {
        const char *name = phash_sig_algo_name(algo);
        ph_docrec_hash(r, name, strlen(name), s, len);
        return;
    }
    if (role == PH_ROLE_ID && !empty) {
        ph_docrec_id(r, s, len);
        return;
    }
    if (role == PH_ROLE_CATEGORY && !empty) {
        ph_docrec_category(r, s, len); /* and kept in the metadata, as elsewhere */
        /* VICS Category 0: Non-Pertinent, an allowlist entry. */
        if (ph_span_eq(s, len, "0"))
            r->allow = 1;
    }
    if (role == PH_ROLE_SIZE && !empty)
        ph_docrec_size(r, s, len); /* and kept in the metadata */
    if (role == PH_ROLE_OPAQUE && !empty) {
        load->report->opaque[ph_opaque_kind(f->key, klen)]++;
        r->n_opaque++;
    }
    if (is_string)
        ph_docrec_meta_str(r, f->key, klen, s, len);
    else
        ph_docrec_meta_raw(r, f->key, klen, s, len);
}

/* A scalar inside a Media object's nested object: {HashName, HashValue}. */
static void nested_member(vics *v, frame *f, const char *s, size_t len)
{
    if (!f->is_map)
        return;
    if (key_is(f, "hashname")) {
        f->alt_name_len = len < VICS_KEY_MAX ? len : VICS_KEY_MAX;
        memcpy(f->alt_name, s, f->alt_name_len);
    } else if (key_is(f, "hashvalue")) {
        if (len > v->alt_cap) {
            v->rec.oversize = 1;
            return;
        }
        memcpy(v->alt, s, len);
        f->alt_value_len = len;
        f->has_alt_value = 1;
    }
}

static int scalar(vics *v, const char *s, size_t len, int is_string)
{
    frame *f = top(v);
    if (!f)
        return 1;
    if (f->kind == F_ROOT && is_string &&
        (key_is(f, "odata.metadata") || key_is(f, "@odata.context"))) {
        static const char suffix[] = "#cases";
        size_t n = sizeof suffix - 1;
        v->cases = len >= n && ph_span_eq(s + len - n, n, suffix);
        /* NIST's CAID non-RDS sets (data model 1.2) list known files to
         * eliminate, as IPED reads them (status "known"). */
        static const char caid[] = "/1.2.xml";
        for (size_t i = 0; i + sizeof caid - 1 <= len; i++)
            if (!memcmp(s + i, caid, sizeof caid - 1))
                v->caid = 1;
    } else if (f->kind == F_MEDIA)
        media_member(v, f, s, len, is_string);
    else if (f->kind == F_NESTED)
        nested_member(v, f, s, len);
    return 1;
}

/* ---- yajl callbacks ---- */

static int cb_null(void *ctx)
{
    return scalar(ctx, "null", 4, 0);
}

static int cb_boolean(void *ctx, int b)
{
    return b ? scalar(ctx, "true", 4, 0) : scalar(ctx, "false", 5, 0);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
    return scalar(ctx, s, len, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    return scalar(ctx, (const char *)s, len, 1);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    frame *f = top(ctx);
    if (f) {
        f->key_len = len;
        memcpy(f->key, s, len < VICS_KEY_MAX ? len : VICS_KEY_MAX);
    }
    return 1;
}

static int start(vics *v, int is_map)
{
    frame_kind kind = child_kind(v, is_map);
    if (kind == F_VALUE)
        v->saw_value = 1;
    if (kind == F_MEDIA) {
        v->media++;
        v->load->line = v->media;
        ph_docrec_reset(&v->rec);
        v->rec.allow = v->caid;
    }
    return push(v, kind, is_map);
}

static int cb_start_map(void *ctx)
{
    return start(ctx, 1);
}

static int cb_start_array(void *ctx)
{
    return start(ctx, 0);
}

/* The end of a nested {HashName, HashValue}: one more hash of the record. */
static void end_alternative(vics *v, const frame *f)
{
    if (!f->has_alt_value || f->alt_name_len == 0 || f->alt_value_len == 0)
        return;
    int kind = ph_opaque_kind(f->alt_name, f->alt_name_len);
    if (kind >= 0) {
        v->load->report->opaque[kind]++;
        v->rec.n_opaque++;
        return;
    }
    ph_docrec_hash(&v->rec, f->alt_name, f->alt_name_len, v->alt, f->alt_value_len);
}

static int end(vics *v)
{
    frame f = *top(v);
    v->depth--;
    if (f.kind == F_NESTED && f.is_map)
        end_alternative(v, &f);
    if (f.kind == F_MEDIA && !f.nested_media) {
        v->load->line = v->media; /* a case's Media counted on */
        if (ph_docrec_submit(v->load, &v->rec, "Media record") < 0) {
            v->stop = 1;
            return 0;
        }
    }
    return 1;
}

static int cb_end(void *ctx)
{
    return end(ctx);
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* yajl allocates through the library's allocator. */
static void *y_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return ph_malloc(n);
}

static void *y_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return ph_realloc(p, n);
}

static void y_free(void *ctx, void *p)
{
    (void)ctx;
    ph_free(p);
}

/* ---- the token guard ---- */

/* Length of the longest token (string or bare literal) so far, across
 * pieces; returns the offset within the piece where a token grows past the
 * limit, or len when none does. */
static size_t guard_tokens(vics *v, const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (v->in_string) {
            if (v->escape)
                v->escape = 0;
            else if (c == '\\')
                v->escape = 1;
            else if (c == '"') {
                v->in_string = 0;
                v->token_len = 0;
                continue;
            }
        } else if (c == '"') {
            v->in_string = 1;
            v->token_len = 0;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}' ||
                   c == '[' || c == ']' || c == ',' || c == ':') {
            v->token_len = 0;
            continue;
        }
        if (++v->token_len > v->max_token)
            return i;
    }
    return len;
}

/* ---- the load ---- */

/* at_end: the document ended early (the position is its length). */
static phash_status syntax_error(vics *v, yajl_handle h, const unsigned char *piece, size_t len,
                                 int at_end)
{
    if (v->stop)
        return PHASH_OK; /* strict failure or out of memory: already described */
    uint64_t at = v->offset + (at_end ? 0 : yajl_get_bytes_consumed(h));
    if (v->why)
        return ph_doc_fail(v->load, PHASH_SIGSET_BAD_SYNTAX, "%s, at byte %llu", v->why,
                           (unsigned long long)at);
    unsigned char *msg = yajl_get_error(h, 0, piece, len);
    char text[120] = "JSON syntax error";
    if (msg) {
        snprintf(text, sizeof text, "%s", (const char *)msg);
        size_t n = strlen(text);
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '.'))
            text[--n] = '\0';
        yajl_free_error(h, msg);
    }
    return ph_doc_fail(v->load, PHASH_SIGSET_BAD_SYNTAX,
                       "expected valid JSON at byte %llu, found a %s", (unsigned long long)at,
                       text);
}

static phash_status feed(vics *v, yajl_handle h, ph_lines *lines)
{
    const char *data;
    size_t len;
    int more;
    while ((more = ph_lines_chunk(lines, &data, &len)) > 0) {
        const unsigned char *s = (const unsigned char *)data;
        if (v->offset == 0 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
            s += 3; /* a UTF-8 BOM, which yajl does not take */
            len -= 3;
            v->offset = 3;
        }
        size_t ok = guard_tokens(v, s, len);
        /* Up to a token that is too long, so that the record number is right. */
        if (yajl_parse(h, s, ok) != yajl_status_ok)
            return syntax_error(v, h, s, ok, 0);
        if (ok < len)
            return ph_doc_fail(v->load, PHASH_SIGSET_LINE_TOO_LONG,
                               "expected JSON values of at most %zu bytes, found a longer one at "
                               "byte %llu",
                               v->max_token, (unsigned long long)(v->offset + ok + 1));
        v->offset += len;
    }
    if (more < 0)
        return PHASH_ERR_IO;
    if (yajl_complete_parse(h) != yajl_status_ok)
        return syntax_error(v, h, (const unsigned char *)"", 0, 1);
    if (!v->saw_value)
        return ph_doc_fail(v->load, PHASH_SIGSET_MISSING_HASH,
                           "expected a VICS document (an object with a \"value\" array of Media "
                           "records), found none");
    return PHASH_OK;
}

phash_status ph_parse_vics(ph_load *load, ph_lines *lines)
{
    vics *v = ph_calloc(1, sizeof *v);
    if (!v)
        return PHASH_ERR_NOMEM;
    v->load = load;
    load->unit = "record";
    v->max_token = load->set->max_line;
    v->alt_cap = load->set->max_line;
    v->alt = ph_malloc(v->alt_cap);
    yajl_alloc_funcs afs = {y_malloc, y_realloc, y_free, NULL};
    yajl_handle h = v->alt ? yajl_alloc(&callbacks, &afs, v) : NULL;
    phash_status st = PHASH_ERR_NOMEM;
    if (h && ph_docrec_init(&v->rec, load->set->max_line) == PHASH_OK) {
        st = feed(v, h, lines);
        ph_docrec_free(&v->rec);
    }
    if (h)
        yajl_free(h);
    ph_free(v->alt);
    ph_free(v);
    if (st == PHASH_ERR_NOMEM && load->status == PHASH_OK)
        ph_error_set(&load->set->err, st, "%s: out of memory", load->name);
    return st;
}

/* ---- detection ---- */

int ph_vics_sniff(const char *s, size_t len)
{
    /* The OData marker is the first member by convention. */
    return ph_doc_sniff(s, len, '{', "\"odata.metadata\"") ||
           ph_doc_sniff(s, len, '{', "\"@odata.context\"");
}
