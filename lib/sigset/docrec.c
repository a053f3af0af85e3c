/* SPDX-License-Identifier: MIT */
/* One record of a whole-document list (VICS JSON, NCMEC XML), built member
 * by member while the document streams past: its hash values, id, category
 * and the other fields as a JSON object text, in two buffers of fixed size
 * (the set's maximum line length): a record larger than that is rejected,
 * never buffered. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "docrec.h"

phash_status ph_docrec_init(ph_docrec *r, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->cap = cap;
    r->vals = ph_malloc(cap);
    r->meta = ph_malloc(cap + 2);
    if (!r->vals || !r->meta) {
        ph_docrec_free(r);
        return PHASH_ERR_NOMEM;
    }
    ph_docrec_reset(r);
    return PHASH_OK;
}

void ph_docrec_free(ph_docrec *r)
{
    ph_free(r->vals);
    ph_free(r->meta);
    r->vals = r->meta = NULL;
}

void ph_docrec_reset(ph_docrec *r)
{
    r->vals_len = 0;
    r->meta_len = 0;
    r->n_hashes = 0;
    r->n_opaque = 0;
    r->oversize = 0;
    r->has_id = r->has_cat = r->has_size = 0;
    r->allow = 0;
}

/* Copy bytes into the value buffer; the offset, or (size_t)-1 when full. */
static size_t put_val(ph_docrec *r, const char *s, size_t len)
{
    if (len > r->cap - r->vals_len) {
        r->oversize = 1;
        return (size_t)-1;
    }
    memcpy(r->vals + r->vals_len, s, len);
    r->vals_len += len;
    return r->vals_len - len;
}

void ph_docrec_hash(ph_docrec *r, const char *name, size_t name_len, const char *v, size_t len)
{
    if (r->n_hashes == PH_DOCREC_MAX_HASHES) {
        r->oversize = 1;
        return;
    }
    ph_docrec_span *h = &r->hashes[r->n_hashes];
    h->name = put_val(r, name, name_len);
    h->name_len = name_len;
    h->off = put_val(r, v, len);
    h->len = len;
    if (h->name != (size_t)-1 && h->off != (size_t)-1)
        r->n_hashes++;
}

void ph_docrec_id(ph_docrec *r, const char *v, size_t len)
{
    size_t off = put_val(r, v, len);
    if (off != (size_t)-1) {
        r->id = (ph_docrec_span){.off = off, .len = len};
        r->has_id = 1;
    }
}

void ph_docrec_size(ph_docrec *r, const char *v, size_t len)
{
    size_t off = put_val(r, v, len);
    if (off != (size_t)-1) {
        r->size = (ph_docrec_span){.off = off, .len = len};
        r->has_size = 1;
    }
}

void ph_docrec_category(ph_docrec *r, const char *v, size_t len)
{
    size_t off = put_val(r, v, len);
    if (off != (size_t)-1) {
        r->cat = (ph_docrec_span){.off = off, .len = len};
        r->has_cat = 1;
    }
}

/* ---- the metadata object: "key":value,... ---- */

static int meta_room(ph_docrec *r, size_t n)
{
    if (n > r->cap - r->meta_len) {
        r->oversize = 1;
        return 0;
    }
    return 1;
}

/* A JSON string of s (escaped as JSON needs). */
static void meta_string(ph_docrec *r, const char *s, size_t len)
{
    size_t need = 2;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        need += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : 1;
    }
    if (!meta_room(r, need))
        return;
    char *o = r->meta + r->meta_len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            o += sprintf(o, "\\u%04x", c);
        } else
            *o++ = (char)c;
    }
    *o++ = '"';
    r->meta_len = (size_t)(o - r->meta);
}

static void meta_key(ph_docrec *r, const char *key, size_t klen)
{
    if (r->meta_len > 0 && meta_room(r, 1))
        r->meta[r->meta_len++] = ',';
    meta_string(r, key, klen);
    if (meta_room(r, 1))
        r->meta[r->meta_len++] = ':';
}

void ph_docrec_meta_str(ph_docrec *r, const char *key, size_t klen, const char *v, size_t len)
{
    meta_key(r, key, klen);
    meta_string(r, v, len);
}

void ph_docrec_meta_raw(ph_docrec *r, const char *key, size_t klen, const char *raw, size_t len)
{
    meta_key(r, key, klen);
    if (meta_room(r, len)) {
        memcpy(r->meta + r->meta_len, raw, len);
        r->meta_len += len;
    }
}

/* ---- submitting ---- */

int ph_docrec_submit(ph_load *load, ph_docrec *r, const char *what)
{
    if (r->oversize) {
        load->report->records++;
        return ph_record_invalid(load, PHASH_SIGSET_LINE_TOO_LONG,
                                 "expected a %s of at most %zu bytes (or %d hashes), found a "
                                 "larger one",
                                 what, r->cap, PH_DOCREC_MAX_HASHES);
    }
    if (r->n_hashes == 0 && r->n_opaque) {
        ph_record_opaque_only(load);
        return 0;
    }
    if (r->n_hashes == 0) {
        load->report->records++;
        return ph_record_invalid(load, PHASH_SIGSET_MISSING_HASH,
                                 "expected a hash (MD5, SHA1, SHA256, PDQ, ...) in the %s, "
                                 "found none",
                                 what);
    }
    /* The metadata as an object: the buffer has 2 bytes of room for it. */
    memmove(r->meta + 1, r->meta, r->meta_len);
    r->meta[0] = '{';
    r->meta[r->meta_len + 1] = '}';
    ph_record base = {.allow = r->allow};
    if (r->meta_len) {
        base.meta = r->meta;
        base.meta_len = r->meta_len + 2;
    }
    if (r->has_id)
        base.id = r->vals + r->id.off, base.id_len = r->id.len;
    if (r->has_cat)
        base.category = r->vals + r->cat.off, base.category_len = r->cat.len;
    if (r->has_size)
        base.size = r->vals + r->size.off, base.size_len = r->size.len;
    for (size_t k = 0; k < r->n_hashes; k++) {
        ph_record rec = base;
        rec.algo = r->vals + r->hashes[k].name;
        rec.algo_len = r->hashes[k].name_len;
        rec.hash = r->vals + r->hashes[k].off;
        rec.hash_len = r->hashes[k].len;
        if (ph_record_submit(load, &rec) < 0)
            return -1;
    }
    return 0;
}

phash_status ph_doc_fail(ph_load *load, phash_sigset_problem problem, const char *fmt, ...)
{
    load->report->records++;
    char detail[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    int strict = load->set->strict;
    load->set->strict = 1; /* makes ph_record_invalid set the error detail */
    (void)ph_record_invalid(load, problem, "%s", detail);
    load->set->strict = strict;
    load->failed = 0; /* the status says it */
    return PHASH_ERR_BAD_FILE;
}

int ph_doc_sniff(const char *s, size_t len, char first, const char *marker)
{
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3, len -= 3;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i == len || s[i] != first)
        return 0;
    size_t n = len - i < 4096 ? len - i : 4096, m = strlen(marker);
    for (size_t j = i; j + m <= i + n; j++)
        if (!memcmp(s + j, marker, m))
            return 1;
    return 0;
}
