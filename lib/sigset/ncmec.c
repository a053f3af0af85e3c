/* SPDX-License-Identifier: MIT */
/* NCMEC hash-sharing XML (API v2): <queryResult> with <images> and
 * <videos>; each <image>/<video> is a record: <id>, <classification> (the
 * category), <member id=".."> (the submitting member), <timestamp>, and
 * <fingerprints> with <md5>, <sha1>, <pdq> (matchable; <sha256> too) and
 * <pdna>, <tmk_pdqf>, <netclean>, <videntifier>, <ssvh_pdna>,
 * <ssvh_safer_hash> (kept in the metadata and counted, not matchable; a
 * fingerprint given only as a link, href="...", is counted too).
 * <feedback> and <paging> are skipped. <deletedImage>/<deletedVideo>
 * tombstones name an <id> to remove: the records of that id earlier in the
 * same file are dropped (report.tombstones, report.deleted); a later
 * record of the id stands (re-added). Lists loaded before are not changed
 * by them: a load is all or nothing and changes only what it adds.
 *
 * Streaming with libxml2's xmlReader: memory is the reader's current node
 * path plus one record, never the document; no network, no entity
 * substitution, no DTD loading, and a DOCTYPE is refused. libxml2's own
 * limits apply to names and text (10 MB); a field longer than the set's
 * maximum line length makes its record invalid. Messages give the record
 * number (image/video elements counted from 1) and the XML line. */
#include <stdio.h>
#include <string.h>
#include <libxml/xmlreader.h>

#include "docrec.h"

typedef enum section { S_NONE, S_IMAGES, S_VIDEOS } section;
typedef enum entry { E_NONE, E_RECORD, E_TOMBSTONE, E_SKIP } entry;

/* Tombstoned ids, with the number of the last tombstone of each. */
typedef struct tomb {
    char *ids;      /* "id\0id\0..." */
    size_t ids_len, ids_cap;
    size_t *off;    /* per tombstone: offset into ids */
    uint64_t *at;   /* per tombstone: its record number */
    size_t n, cap;
    uint32_t *slots; /* open addressing: index + 1 */
    size_t n_slots;
} tomb;

typedef struct ncmec {
    ph_load *load;
    xmlTextReaderPtr rd;
    ph_docrec rec;
    section sec;
    entry ent;
    int in_fp;           /* inside <fingerprints> */
    int skip_depth;      /* skipping a subtree below this depth (-1: not) */
    char field[32];      /* element whose text is being collected */
    char *text;          /* its text */
    size_t text_len, text_cap;
    int text_over;
    int fp_link;         /* the fingerprint element has an href */
    uint64_t records;    /* image/video/deleted* elements seen */
    char tomb_id[256];
    size_t tomb_id_len;
    tomb tombs;
    char err[160];       /* first error libxml2 reported */
    int err_line;
} ncmec;

/* ---- tombstones ---- */

static uint64_t str_hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
    return h;
}

static long tomb_find(const tomb *t, const char *id, size_t len, size_t *pos)
{
    if (!t->n_slots)
        return -1;
    size_t mask = t->n_slots - 1, p = str_hash(id, len) & mask;
    while (t->slots[p]) {
        size_t k = t->slots[p] - 1;
        const char *x = t->ids + t->off[k];
        if (!strncmp(x, id, len) && x[len] == '\0') {
            *pos = p;
            return (long)k;
        }
        p = (p + 1) & mask;
    }
    *pos = p;
    return -1;
}

static int tomb_grow_slots(tomb *t)
{
    size_t n = t->n_slots ? 2 * t->n_slots : 64;
    uint32_t *slots = ph_calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t k = 0; k < t->n; k++) {
        const char *x = t->ids + t->off[k];
        size_t p = str_hash(x, strlen(x)) & (n - 1);
        while (slots[p])
            p = (p + 1) & (n - 1);
        slots[p] = (uint32_t)k + 1;
    }
    ph_free(t->slots);
    t->slots = slots;
    t->n_slots = n;
    return 0;
}

static int tomb_add(tomb *t, const char *id, size_t len, uint64_t at)
{
    size_t pos;
    long k = tomb_find(t, id, len, &pos);
    if (k >= 0) {
        t->at[k] = at; /* the last tombstone of an id counts */
        return 0;
    }
    if ((t->n + 1) * 2 > t->n_slots && tomb_grow_slots(t))
        return -1;
    size_t cap = t->cap;
    if (ph_sigset_grow((void **)&t->ids, &t->ids_cap, t->ids_len + len + 1, 1) ||
        ph_sigset_grow((void **)&t->off, &cap, t->n + 1, sizeof *t->off))
        return -1;
    cap = t->cap;
    if (ph_sigset_grow((void **)&t->at, &cap, t->n + 1, sizeof *t->at))
        return -1;
    t->cap = cap;
    memcpy(t->ids + t->ids_len, id, len);
    t->ids[t->ids_len + len] = '\0';
    t->off[t->n] = t->ids_len;
    t->at[t->n] = at;
    t->ids_len += len + 1;
    (void)tomb_find(t, id, len, &pos);
    t->slots[pos] = (uint32_t)++t->n;
    return 0;
}

static void tomb_free(tomb *t)
{
    ph_free(t->ids);
    ph_free(t->off);
    ph_free(t->at);
    ph_free(t->slots);
}

/* An owner of this load whose id was tombstoned after it. */
static int tombstoned(void *ctx, const ph_owner *o, const char *id)
{
    const tomb *t = ctx;
    size_t pos;
    long k = tomb_find(t, id, strlen(id), &pos);
    return k >= 0 && o->line < t->at[k];
}

/* ---- errors ---- */

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    ncmec *n = ctx;
    if (!e || n->err[0] || e->level < XML_ERR_ERROR)
        return;
    snprintf(n->err, sizeof n->err, "%s", e->message ? e->message : "XML error");
    size_t len = strlen(n->err);
    while (len > 0 && (n->err[len - 1] == '\n' || n->err[len - 1] == ' '))
        n->err[--len] = '\0';
    n->err_line = e->line;
}

/* ---- fields ---- */

static int name_is(const char *name, const char *word)
{
    return ph_span_eq(name, strlen(name), word);
}

static void collect(ncmec *n, const char *field)
{
    snprintf(n->field, sizeof n->field, "%s", field);
    n->text_len = 0;
    n->text_over = 0;
}

static void append_text(ncmec *n, const char *s)
{
    if (!n->field[0] || !s)
        return;
    size_t len = strlen(s);
    if (len > n->text_cap - n->text_len) {
        n->text_over = 1;
        return;
    }
    memcpy(n->text + n->text_len, s, len);
    n->text_len += len;
}

static void end_fingerprint(ncmec *n)
{
    ph_docrec *r = &n->rec;
    const char *t = n->text;
    size_t len = n->text_len;
    const char *name = n->field;
    size_t nlen = strlen(name);
    ph_span_trim(&t, &len);
    while (len && (t[len - 1] == '\n' || t[len - 1] == '\r'))
        len--;
    while (len && (*t == '\n' || *t == '\r'))
        t++, len--;
    if (n->text_over)
        r->oversize = 1;
    phash_sig_algo algo;
    int kind = ph_opaque_kind(name, nlen);
    /* NCMEC writes tmk_pdqf as "tmk-pdqf" too */
    if (kind < 0 && ph_span_eq(name, nlen, "tmk-pdqf"))
        kind = PHASH_SIGSET_OPAQUE_TMK;
    if (kind >= 0) {
        if (len || n->fp_link) {
            n->load->report->opaque[kind]++;
            r->n_opaque++;
            ph_docrec_meta_str(r, name, nlen, t, len);
        }
    } else if (phash_sig_algo_parse(name, nlen, &algo) == PHASH_OK) {
        if (len)
            ph_docrec_hash(r, name, nlen, t, len);
    } else if (len)
        ph_docrec_meta_str(r, name, nlen, t, len); /* a fingerprint of a newer API */
}

static void end_field(ncmec *n)
{
    const char *t = n->text;
    size_t len = n->text_len;
    while (len && (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r'))
        t++, len--;
    while (len && (t[len - 1] == ' ' || t[len - 1] == '\t' || t[len - 1] == '\n' ||
                   t[len - 1] == '\r'))
        len--;
    if (n->text_over)
        n->rec.oversize = 1;
    if (n->ent == E_TOMBSTONE) {
        if (name_is(n->field, "id") && len < sizeof n->tomb_id) {
            memcpy(n->tomb_id, t, len);
            n->tomb_id_len = len;
        }
        return;
    }
    if (name_is(n->field, "id") && len)
        ph_docrec_id(&n->rec, t, len);
    else if (name_is(n->field, "classification") && len) {
        ph_docrec_category(&n->rec, t, len);
        ph_docrec_meta_str(&n->rec, "classification", 14, t, len);
    } else if (len)
        ph_docrec_meta_str(&n->rec, n->field, strlen(n->field), t, len);
}

/* ---- elements ---- */

static void start_entry(ncmec *n, const char *name)
{
    int image = name_is(name, "image"), video = name_is(name, "video");
    int del_image = name_is(name, "deletedimage"), del_video = name_is(name, "deletedvideo");
    if (!(image || video || del_image || del_video)) {
        n->ent = E_SKIP;
        return;
    }
    n->records++;
    n->load->line = n->records;
    n->ent = image || video ? E_RECORD : E_TOMBSTONE;
    n->tomb_id_len = 0;
    ph_docrec_reset(&n->rec);
    if (n->ent == E_RECORD)
        ph_docrec_meta_str(&n->rec, "type", 4, image ? "image" : "video", image ? 5 : 5);
}

static int end_entry(ncmec *n)
{
    entry e = n->ent;
    n->ent = E_NONE;
    n->load->line = n->records;
    if (e == E_RECORD)
        return ph_docrec_submit(n->load, &n->rec, n->sec == S_VIDEOS ? "video" : "image");
    if (e == E_TOMBSTONE) {
        if (n->tomb_id_len == 0) {
            n->load->report->records++;
            return ph_record_invalid(n->load, PHASH_SIGSET_BAD_SYNTAX,
                                     "expected an <id> in the tombstone, found none");
        }
        if (tomb_add(&n->tombs, n->tomb_id, n->tomb_id_len, n->records)) {
            n->load->status = ph_error_set(&n->load->set->err, PHASH_ERR_NOMEM,
                                           "%s: out of memory", n->load->name);
            return -1;
        }
        n->load->report->tombstones++;
    }
    return 0;
}

/* An element opening at depth d (queryResult is 0). */
static phash_status start_element(ncmec *n, const char *name, int d)
{
    if (d == 0) {
        if (!name_is(name, "queryresult"))
            return ph_doc_fail(n->load, PHASH_SIGSET_BAD_SYNTAX,
                               "expected an NCMEC <queryResult> document, found <%.40s> "
                               "(XML line %d)",
                               name, xmlTextReaderGetParserLineNumber(n->rd));
        return PHASH_OK;
    }
    if (d == 1) {
        n->sec = name_is(name, "images") ? S_IMAGES : name_is(name, "videos") ? S_VIDEOS : S_NONE;
        return PHASH_OK;
    }
    if (n->sec == S_NONE)
        return PHASH_OK;
    if (d == 2) {
        start_entry(n, name);
        return PHASH_OK;
    }
    if (n->ent != E_RECORD && n->ent != E_TOMBSTONE)
        return PHASH_OK;
    if (d == 3) {
        n->field[0] = '\0';
        if (name_is(name, "fingerprints"))
            n->in_fp = 1;
        else if (name_is(name, "feedback"))
            n->skip_depth = d;
        else {
            if (name_is(name, "member") && n->ent == E_RECORD) {
                xmlChar *id = xmlTextReaderGetAttribute(n->rd, (const xmlChar *)"id");
                if (id) {
                    ph_docrec_meta_str(&n->rec, "member_id", 9, (const char *)id,
                                       strlen((const char *)id));
                    xmlFree(id);
                }
            }
            collect(n, strlen(name) < sizeof n->field ? name : "field");
        }
        return PHASH_OK;
    }
    if (d == 4 && n->in_fp) {
        xmlChar *href = xmlTextReaderGetAttribute(n->rd, (const xmlChar *)"href");
        n->fp_link = href != NULL;
        xmlFree(href);
        collect(n, strlen(name) < sizeof n->field ? name : "unknown");
        return PHASH_OK;
    }
    return PHASH_OK;
}

/* The element at depth d closes (or was empty). */
static int end_element(ncmec *n, int d)
{
    if (n->skip_depth == d) {
        n->skip_depth = -1;
        return 0;
    }
    if (n->skip_depth >= 0)
        return 0;
    if (d == 1)
        n->sec = S_NONE;
    else if (d == 2 && n->sec != S_NONE && n->ent != E_NONE)
        return n->ent == E_SKIP ? (n->ent = E_NONE, 0) : end_entry(n);
    else if (d == 3 && n->in_fp)
        n->in_fp = 0;
    else if (d == 3 && n->field[0]) {
        end_field(n);
        n->field[0] = '\0';
    } else if (d == 4 && n->in_fp && n->field[0]) {
        end_fingerprint(n);
        n->field[0] = '\0';
    }
    return 0;
}

static phash_status walk(ncmec *n)
{
    int r;
    while ((r = xmlTextReaderRead(n->rd)) == 1) {
        int type = xmlTextReaderNodeType(n->rd), d = xmlTextReaderDepth(n->rd);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE)
            return ph_doc_fail(n->load, PHASH_SIGSET_BAD_SYNTAX,
                               "expected no DOCTYPE (an NCMEC document has none), found one");
        if (type == XML_READER_TYPE_ELEMENT) {
            if (n->skip_depth >= 0 && d > n->skip_depth)
                continue;
            const char *name = (const char *)xmlTextReaderConstLocalName(n->rd);
            phash_status st = start_element(n, name ? name : "", d);
            if (st != PHASH_OK)
                return st;
            if (xmlTextReaderIsEmptyElement(n->rd) == 1 && end_element(n, d) < 0)
                return PHASH_OK;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (end_element(n, d) < 0)
                return PHASH_OK; /* strict failure or out of memory */
        } else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
                   n->skip_depth < 0)
            append_text(n, (const char *)xmlTextReaderConstValue(n->rd));
    }
    if (r < 0) {
        if (n->load->status != PHASH_OK)
            return n->load->status;
        return ph_doc_fail(n->load, PHASH_SIGSET_BAD_SYNTAX,
                           "expected well-formed XML, found %s (XML line %d)",
                           n->err[0] ? n->err : "an error", n->err_line);
    }
    if (n->records == 0 && n->load->report->records == 0)
        return ph_doc_fail(n->load, PHASH_SIGSET_MISSING_HASH,
                           "expected <image> or <video> entries in <images>/<videos>, found none");
    return PHASH_OK;
}

/* ---- input ---- */

typedef struct source {
    ph_lines *lines;
    const char *rest;
    size_t rest_len;
    int io_error;
} source;

static int read_cb(void *ctx, char *buf, int len)
{
    source *src = ctx;
    if (src->rest_len == 0) {
        int more = ph_lines_chunk(src->lines, &src->rest, &src->rest_len);
        if (more < 0) {
            src->io_error = 1;
            return -1;
        }
        if (more == 0)
            return 0;
    }
    size_t n = src->rest_len < (size_t)len ? src->rest_len : (size_t)len;
    memcpy(buf, src->rest, n);
    src->rest += n;
    src->rest_len -= n;
    return (int)n;
}

static int close_cb(void *ctx)
{
    (void)ctx;
    return 0;
}

static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

phash_status ph_parse_ncmec(ph_load *load, ph_lines *lines)
{
    ncmec *n = ph_calloc(1, sizeof *n);
    if (!n)
        return ph_error_set(&load->set->err, PHASH_ERR_NOMEM, "%s: out of memory", load->name);
    n->load = load;
    n->skip_depth = -1;
    load->unit = "record";
    n->text_cap = load->set->max_line;
    n->text = ph_malloc(n->text_cap);
    phash_status st = PHASH_ERR_NOMEM;
    source src = {.lines = lines};
    if (n->text && ph_docrec_init(&n->rec, load->set->max_line) == PHASH_OK) {
        xmlInitParser();
        /* libxml2 prints what it has no handler for: nothing of it may
         * reach the host's stderr. (Per thread in libxml2.) */
        xmlGenericErrorFunc old = xmlGenericError;
        void *old_ctx = xmlGenericErrorContext;
        xmlSetGenericErrorFunc(NULL, silent);
        n->rd = xmlReaderForIO(read_cb, close_cb, &src, NULL, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                   XML_PARSE_NOCDATA);
        if (n->rd) {
            xmlTextReaderSetStructuredErrorHandler(n->rd, on_xml_error, n);
            st = walk(n);
            xmlFreeTextReader(n->rd);
        }
        xmlSetGenericErrorFunc(old_ctx, old);
        if (src.io_error)
            st = PHASH_ERR_IO;
        uint64_t dropped = 0;
        if (st == PHASH_OK && n->tombs.n && load->status == PHASH_OK && !load->failed) {
            st = ph_sigset_drop_owners(load->set, load->mark, tombstoned, &n->tombs, &dropped);
            load->report->deleted = dropped;
        }
        ph_docrec_free(&n->rec);
    }
    tomb_free(&n->tombs);
    ph_free(n->text);
    ph_free(n);
    if (st == PHASH_ERR_NOMEM && load->status == PHASH_OK)
        ph_error_set(&load->set->err, st, "%s: out of memory", load->name);
    return st;
}

int ph_ncmec_sniff(const char *s, size_t len)
{
    return ph_doc_sniff(s, len, '<', "queryResult");
}
