/* SPDX-License-Identifier: MIT */
/* CSV, TSV and ';'-separated files with a header line. Columns are found by
 * name (case-insensitive): a hash column (generic, or named after its
 * algorithm: "pdq", "phash"; several algorithm columns give one record
 * each), optional id, algorithm and quality columns; every other column is
 * kept as metadata "name=value; name=value". Quoted fields follow RFC 4180
 * within one line (a quoted line break is not supported: records are
 * lines). Rows may be shorter than the header (missing fields are empty) or
 * longer (extra fields go to the metadata as colN=value). */
#include <stdio.h>
#include <string.h>

#include "sigset_int.h"

/* ---- delimiter and header detection (no allocation) ---- */

static char guess_delimiter(const char *s, size_t len)
{
    size_t n_comma = 0, n_tab = 0, n_semi = 0;
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted)
            n_comma += s[i] == ',', n_tab += s[i] == '\t', n_semi += s[i] == ';';
    }
    if (n_tab > n_comma && n_tab >= n_semi)
        return '\t';
    if (n_semi > n_comma)
        return ';';
    return ',';
}

/* Strip spaces and one pair of surrounding quotes from a header name. */
static void header_name(const char **s, size_t *len)
{
    ph_span_trim(s, len);
    if (*len >= 2 && (*s)[0] == '"' && (*s)[*len - 1] == '"') {
        (*s)++;
        *len -= 2;
        ph_span_trim(s, len);
    }
}

int ph_csv_is_header(const char *line, size_t len)
{
    char delim = guess_delimiter(line, len);
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && line[j] != delim)
            j++;
        const char *f = line + i;
        size_t flen = j - i;
        header_name(&f, &flen);
        phash_sig_algo algo;
        int role = ph_field_role(f, flen, &algo);
        if (role == PH_ROLE_HASH || role == PH_ROLE_OPAQUE)
            return 1;
        i = j + 1;
    }
    return 0;
}

/* ---- field splitting ---- */

typedef struct span {
    size_t off, len; /* into csv_ctx.text */
} span;

typedef struct csv_ctx {
    char delim;
    size_t ncols;
    int *role;
    phash_sig_algo *col_algo;
    ph_buf names;  /* header names, NUL-separated */
    size_t names_len;
    size_t *name_off;
    ph_buf text;   /* unquoted fields of the current line */
    ph_buf spans;  /* span[] of the current line */
    size_t nfields;
    ph_buf meta;   /* metadata being built */
} csv_ctx;

/* Split a line into unquoted fields. Returns 0, 1 after reporting a syntax
 * error, -1 to stop; PHASH_ERR_NOMEM goes to load->status. */
static int split(ph_load *load, csv_ctx *c, const char *s, size_t len)
{
    char *text = ph_buf_reserve(&c->text, len + 1);
    span *sp = ph_buf_reserve(&c->spans, (len + 1) * sizeof(span));
    if (!text || !sp) {
        load->status = ph_error_set(&load->set->err, PHASH_ERR_NOMEM, "out of memory");
        return -1;
    }
    size_t i = 0, o = 0, n = 0;
    for (;;) {
        sp[n].off = o;
        if (i < len && s[i] == '"') {
            size_t open = i++;
            for (;;) {
                if (i >= len) {
                    load->report->records++;
                    return ph_record_invalid(load, PHASH_SIGSET_BAD_SYNTAX,
                                             "expected a closing quote for the quote at "
                                             "character %zu, found the end of the line",
                                             open + 1) < 0 ? -1 : 1;
                }
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        text[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                text[o++] = s[i++];
            }
            while (i < len && (s[i] == ' ' || (s[i] == '\t' && c->delim != '\t')))
                i++;
            if (i < len && s[i] != c->delim) {
                char q[16];
                ph_record_quote(s + i, 1, q, sizeof q);
                load->report->records++;
                return ph_record_invalid(load, PHASH_SIGSET_BAD_SYNTAX,
                                         "expected a delimiter after a closing quote, found %s "
                                         "at character %zu", q, i + 1) < 0 ? -1 : 1;
            }
        } else {
            while (i < len && s[i] != c->delim)
                text[o++] = s[i++];
        }
        sp[n].len = o - sp[n].off;
        n++;
        if (i >= len)
            break;
        i++; /* the delimiter */
    }
    c->nfields = n;
    return 0;
}

static void field(const csv_ctx *c, size_t k, const char **s, size_t *len)
{
    const span *sp = c->spans.data;
    *s = (const char *)c->text.data + sp[k].off;
    *len = sp[k].len;
    ph_span_trim(s, len);
}

/* ---- header ---- */

static phash_status read_header(ph_load *load, csv_ctx *c, const char *s, size_t len)
{
    c->delim = guess_delimiter(s, len);
    int r = split(load, c, s, len);
    if (r != 0)
        return load->status != PHASH_OK ? load->status : PHASH_ERR_BAD_FILE;
    c->ncols = c->nfields;
    c->role = ph_calloc(c->ncols, sizeof *c->role);
    c->col_algo = ph_calloc(c->ncols, sizeof *c->col_algo);
    c->name_off = ph_calloc(c->ncols, sizeof *c->name_off);
    char *names = ph_buf_reserve(&c->names, len + c->ncols + 1);
    if (!c->role || !c->col_algo || !c->name_off || !names)
        return ph_error_set(&load->set->err, PHASH_ERR_NOMEM, "out of memory");
    size_t o = 0;
    int generic_hash = 0, have_hash = 0, have_opaque = 0;
    for (size_t k = 0; k < c->ncols; k++) {
        const char *f;
        size_t flen;
        field(c, k, &f, &flen);
        memcpy(names + o, f, flen);
        names[o + flen] = '\0';
        c->name_off[k] = o;
        o += flen + 1;
        c->names_len = o;
        c->role[k] = ph_field_role(f, flen, &c->col_algo[k]);
        /* Only the first generic hash column is the hash; others are metadata. */
        if (c->role[k] == PH_ROLE_HASH && c->col_algo[k] == 0 && generic_hash++)
            c->role[k] = PH_ROLE_META;
        have_hash |= c->role[k] == PH_ROLE_HASH;
        have_opaque |= c->role[k] == PH_ROLE_OPAQUE;
    }
    if (!have_hash && !have_opaque) {
        char q[64];
        ph_record_quote(s, len, q, sizeof q);
        ph_report_message(load, "expected a header naming a hash column (hash, signal_str, "
                                "pdq, phash, ...), found %s", q);
        return ph_error_set(&load->set->err, PHASH_ERR_BAD_FILE,
                            "%s:%llu: expected a header naming a hash column (hash, signal_str, "
                            "pdq, phash, ...), found %s",
                            load->name, (unsigned long long)load->line, q);
    }
    return PHASH_OK;
}

/* ---- rows ---- */

/* Append "name=value" to the metadata; the caller reserved room for all. */
static void meta_add(char *m, size_t *mlen, const char *name, size_t nlen, const char *v,
                     size_t vlen)
{
    if (*mlen) {
        memcpy(m + *mlen, "; ", 2);
        *mlen += 2;
    }
    memcpy(m + *mlen, name, nlen);
    m[*mlen + nlen] = '=';
    memcpy(m + *mlen + nlen + 1, v, vlen);
    *mlen += nlen + 1 + vlen;
}

static int csv_row(ph_load *load, void *ctx, const char *s, size_t len)
{
    csv_ctx *c = ctx;
    const char *t = s;
    size_t tlen = len;
    ph_span_trim(&t, &tlen);
    if (tlen == 0)
        return 0;
    int r = split(load, c, s, len);
    if (r != 0)
        return r < 0 ? -1 : 0;

    /* Room for every field as "name=value; ": values fit in len, names in
     * the header's names buffer or "colN". */
    char *m = ph_buf_reserve(&c->meta, len + c->names_len + c->nfields * 32 + 1);
    if (!m) {
        load->status = ph_error_set(&load->set->err, PHASH_ERR_NOMEM, "out of memory");
        return -1;
    }
    ph_record base = {0};
    size_t mlen = 0, opaque = 0;
    for (size_t k = 0; k < c->nfields; k++) {
        const char *f;
        size_t flen;
        field(c, k, &f, &flen);
        int role = k < c->ncols ? c->role[k] : PH_ROLE_META;
        if (role == PH_ROLE_ID)
            base.id = f, base.id_len = flen;
        else if (role == PH_ROLE_ALGO)
            base.algo = f, base.algo_len = flen;
        else if (role == PH_ROLE_QUALITY)
            base.quality = f, base.quality_len = flen;
        else if (role != PH_ROLE_HASH && flen > 0) {
            /* Metadata keeps the category and opaque hashes too. */
            if (role == PH_ROLE_CATEGORY)
                base.category = f, base.category_len = flen;
            if (role == PH_ROLE_SIZE)
                base.size = f, base.size_len = flen;
            char extra[32];
            const char *name = extra;
            size_t nlen;
            if (k < c->ncols) {
                name = (const char *)c->names.data + c->name_off[k];
                nlen = strlen(name);
            } else
                nlen = (size_t)snprintf(extra, sizeof extra, "col%zu", k + 1);
            meta_add(m, &mlen, name, nlen, f, flen);
            if (role == PH_ROLE_OPAQUE) { /* kept in the metadata, counted */
                load->report->opaque[ph_opaque_kind(name, nlen)]++;
                opaque++;
            }
        }
    }
    base.meta = m;
    base.meta_len = mlen;

    /* One record per hash column that has a value; one MISSING_HASH record
     * when none has. */
    int submitted = 0;
    for (size_t k = 0; k < c->ncols; k++) {
        if (c->role[k] != PH_ROLE_HASH)
            continue;
        ph_record rec = base;
        if (k < c->nfields)
            field(c, k, &rec.hash, &rec.hash_len);
        if (rec.hash_len == 0)
            continue;
        if (c->col_algo[k]) {
            const char *aname = phash_sig_algo_name(c->col_algo[k]);
            rec.algo = aname;
            rec.algo_len = strlen(aname);
        }
        submitted++;
        if (ph_record_submit(load, &rec) < 0)
            return -1;
    }
    if (!submitted && opaque) {
        ph_record_opaque_only(load);
        return 0;
    }
    if (!submitted) {
        load->report->records++;
        return ph_record_invalid(load, PHASH_SIGSET_MISSING_HASH,
                                 "expected a hash in the hash column, found an empty field");
    }
    return 0;
}

phash_status ph_parse_csv(ph_load *load, ph_lines *lines)
{
    csv_ctx c = {0};
    const char *s;
    size_t len;
    int too_long, more;
    phash_status st = PHASH_OK;
    /* The header: the first non-blank line. */
    while ((more = ph_lines_next(lines, &s, &len, &too_long)) > 0) {
        load->line = lines->lineno;
        const char *t = s;
        size_t tlen = len;
        ph_span_trim(&t, &tlen);
        if (too_long || tlen > 0)
            break;
    }
    if (more < 0)
        st = PHASH_ERR_IO;
    else if (more == 0)
        st = ph_error_set(&load->set->err, PHASH_ERR_BAD_FILE,
                          "%s: expected a header line, found an empty file", load->name);
    else if (too_long)
        st = ph_error_set(&load->set->err, PHASH_ERR_BAD_FILE,
                          "%s:%llu: expected a header line, found a line longer than %zu bytes",
                          load->name, (unsigned long long)load->line, lines->max_line);
    else
        st = read_header(load, &c, s, len);
    if (st == PHASH_OK)
        st = ph_each_line(load, lines, csv_row, &c);
    ph_free(c.role);
    ph_free(c.col_algo);
    ph_free(c.name_off);
    ph_buf_release(&c.names);
    ph_buf_release(&c.text);
    ph_buf_release(&c.spans);
    ph_buf_release(&c.meta);
    return st;
}
