/* SPDX-License-Identifier: MIT */
/* JSON lines: one object per line. Members are found by name as CSV columns
 * are (hash / signal_str / pdq / phash ..., id, signal_type / algo,
 * quality); hash values may be strings or numbers (decimal pHash). Every
 * other member is kept verbatim as metadata, as a JSON object text. Nested
 * values are skipped by counting brackets, without recursion. */
#include <string.h>

#include "sigset_int.h"

typedef struct jctx {
    ph_buf text; /* decoded strings of the current line */
    ph_buf meta; /* the metadata object being built */
} jctx;

typedef struct cursor {
    const char *s;
    size_t len, i;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->i < c->len && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\r' ||
                             c->s[c->i] == '\n'))
        c->i++;
}

static int read_hex4(cursor *c, unsigned *out)
{
    if (c->len - c->i < 4)
        return -1;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = ph_hex_value(c->s[c->i + (size_t)k]);
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    c->i += 4;
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at c->i (on its opening quote), decoded into out (room for the
 * line's length: decoding never grows). Returns 0 or the error message. */
static const char *read_string(cursor *c, char *out, size_t *out_len)
{
    size_t o = 0;
    c->i++; /* opening quote */
    while (c->i < c->len) {
        char ch = c->s[c->i++];
        if (ch == '"') {
            *out_len = o;
            return NULL;
        }
        if ((unsigned char)ch < 0x20) {
            c->i--; /* point at the offending byte */
            return "expected a string without control characters";
        }
        if (ch != '\\') {
            out[o++] = ch;
            continue;
        }
        if (c->i >= c->len)
            break;
        ch = c->s[c->i++];
        unsigned cp;
        switch (ch) {
        case '"': case '\\': case '/':
            out[o++] = ch;
            break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u':
            if (read_hex4(c, &cp))
                return "expected 4 hex digits after \\u";
            if (cp >= 0xD800 && cp < 0xDC00 && c->len - c->i >= 6 && c->s[c->i] == '\\' &&
                c->s[c->i + 1] == 'u') {
                unsigned lo;
                c->i += 2;
                if (read_hex4(c, &lo) || lo < 0xDC00 || lo >= 0xE000)
                    return "expected a low surrogate after a high one";
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xD800 && cp < 0xE000)
                cp = '?'; /* a lone surrogate has no UTF-8 form */
            /* \uXXXX is 6 input bytes, at most 3 output bytes (4 for 12). */
            o += put_utf8(out + o, cp);
            break;
        default:
            c->i--;
            return "expected a valid escape after a backslash";
        }
    }
    return "expected a closing quote";
}

/* Skip any JSON value: a string, a scalar, or a nested object/array with
 * brackets counted (strings inside are stepped over). Returns NULL or an
 * error message. */
static const char *skip_value(cursor *c)
{
    size_t depth = 0;
    do {
        skip_ws(c);
        if (c->i >= c->len)
            return "expected a value";
        char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            while (c->i < c->len && c->s[c->i] != '"')
                c->i += c->s[c->i] == '\\' ? 2 : 1;
            if (c->i >= c->len)
                return "expected a closing quote";
            c->i++;
        } else if (ch == '{' || ch == '[') {
            depth++;
            c->i++;
        } else if (ch == '}' || ch == ']') {
            if (depth == 0)
                return "expected a value";
            depth--;
            c->i++;
        } else if (ch == ',' || ch == ':') {
            if (depth == 0)
                return "expected a value";
            c->i++;
        } else {
            size_t start = c->i;
            while (c->i < c->len && strchr("+-.0123456789eEtruefalsn", c->s[c->i]) &&
                   c->s[c->i] != '\0')
                c->i++;
            if (c->i == start)
                return "expected a JSON value";
        }
    } while (depth > 0);
    return NULL;
}

typedef struct member {
    int role;
    phash_sig_algo algo;
    const char *v; /* decoded string or raw scalar */
    size_t vlen;
} member;

#define MAX_HASH_MEMBERS 8

/* Report a syntax error: what was expected, and what is at the cursor. */
static int syntax(ph_load *load, const cursor *c, const char *expected)
{
    char found[32] = "the end of the line";
    if (c->i < c->len)
        ph_record_quote(c->s + c->i, 1, found, sizeof found);
    load->report->records++;
    return ph_record_invalid(load, PHASH_SIGSET_BAD_SYNTAX, "%s, found %s at character %zu",
                             expected, found, c->i + 1);
}

static int jsonl_line(ph_load *load, void *ctx, const char *s, size_t len)
{
    jctx *j = ctx;
    cursor c = {s, len, 0};
    skip_ws(&c);
    if (c.i == len)
        return 0;
    char *text = ph_buf_reserve(&j->text, len + 4);
    char *meta = ph_buf_reserve(&j->meta, len + 3);
    if (!text || !meta) {
        load->status = ph_error_set(&load->set->err, PHASH_ERR_NOMEM, "out of memory");
        return -1;
    }
    if (s[c.i] != '{')
        return syntax(load, &c, "expected a JSON object");
    c.i++;
    ph_record base = {0};
    member hashes[MAX_HASH_MEMBERS];
    size_t n_hashes = 0, n_opaque = 0, t = 0, m = 0;
    meta[m++] = '{';
    skip_ws(&c);
    if (c.i < len && s[c.i] == '}')
        c.i++;
    else
        for (;;) {
            skip_ws(&c);
            if (c.i >= len || s[c.i] != '"')
                return syntax(load, &c, "expected a member name in quotes");
            size_t key_start = c.i, klen;
            char *key = text + t;
            const char *err = read_string(&c, key, &klen);
            if (err)
                return syntax(load, &c, err);
            t += klen;
            size_t key_end = c.i;
            skip_ws(&c);
            if (c.i >= len || s[c.i] != ':')
                return syntax(load, &c, "expected ':' after a member name");
            c.i++;
            skip_ws(&c);
            phash_sig_algo algo;
            int role = ph_field_role(key, klen, &algo);
            size_t vstart = c.i;
            const char *v = s + c.i;
            size_t vlen = 0;
            if (c.i < len && s[c.i] == '"' && role != PH_ROLE_META && role != PH_ROLE_OPAQUE) {
                char *out = text + t;
                if ((err = read_string(&c, out, &vlen)))
                    return syntax(load, &c, err);
                v = out;
                t += vlen;
            } else {
                if ((err = skip_value(&c)))
                    return syntax(load, &c, err);
                vlen = c.i - vstart;
            }
            if (role == PH_ROLE_HASH && n_hashes < MAX_HASH_MEMBERS)
                hashes[n_hashes++] = (member){role, algo, v, vlen};
            else if (role == PH_ROLE_ID)
                base.id = v, base.id_len = vlen;
            else if (role == PH_ROLE_ALGO)
                base.algo = v, base.algo_len = vlen;
            else if (role == PH_ROLE_QUALITY)
                base.quality = v, base.quality_len = vlen;
            else {
                /* The category is also kept in the metadata, as before. */
                if (role == PH_ROLE_CATEGORY)
                    base.category = v, base.category_len = vlen;
                if (role == PH_ROLE_SIZE)
                    base.size = v, base.size_len = vlen;
                /* An opaque hash (PhotoDNA, ...): kept here, counted. */
                if (role == PH_ROLE_OPAQUE && !ph_span_eq(v, vlen, "null") &&
                    !ph_span_eq(v, vlen, "\"\"")) {
                    load->report->opaque[ph_opaque_kind(key, klen)]++;
                    n_opaque++;
                }
                /* Verbatim: "key":value, both as written. */
                if (m > 1)
                    meta[m++] = ',';
                memcpy(meta + m, s + key_start, key_end - key_start);
                m += key_end - key_start;
                meta[m++] = ':';
                memcpy(meta + m, s + vstart, c.i - vstart);
                m += c.i - vstart;
            }
            skip_ws(&c);
            if (c.i < len && s[c.i] == ',') {
                c.i++;
                continue;
            }
            if (c.i < len && s[c.i] == '}') {
                c.i++;
                break;
            }
            return syntax(load, &c, "expected ',' or '}' after a member");
        }
    skip_ws(&c);
    if (c.i < len)
        return syntax(load, &c, "expected the end of the line after the object");
    meta[m++] = '}';
    base.meta = m > 2 ? meta : NULL;
    base.meta_len = m > 2 ? m : 0;

    if (n_hashes == 0 && n_opaque) {
        ph_record_opaque_only(load);
        return 0;
    }
    if (n_hashes == 0) {
        load->report->records++;
        return ph_record_invalid(load, PHASH_SIGSET_MISSING_HASH,
                                 "expected a hash member (hash, signal_str, pdq, phash, ...), "
                                 "found none");
    }
    for (size_t k = 0; k < n_hashes; k++) {
        ph_record rec = base;
        rec.hash = hashes[k].v;
        rec.hash_len = hashes[k].vlen;
        if (hashes[k].algo) {
            rec.algo = phash_sig_algo_name(hashes[k].algo);
            rec.algo_len = strlen(rec.algo);
        }
        if (ph_record_submit(load, &rec) < 0)
            return -1;
    }
    return 0;
}

phash_status ph_parse_jsonl(ph_load *load, ph_lines *lines)
{
    jctx j = {0};
    phash_status st = ph_each_line(load, lines, jsonl_line, &j);
    ph_buf_release(&j.text);
    ph_buf_release(&j.meta);
    return st;
}
