/* SPDX-License-Identifier: MIT */
/* The record layer every parser feeds: algorithm names, hash validation,
 * quality, flags, counting and the "file:line: expected ..., found ..."
 * messages of the load report. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sigset_int.h"

/* ---- spans ---- */

int ph_span_eq(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (n != len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

void ph_span_trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

void ph_record_quote(const char *s, size_t len, char *out, size_t outlen)
{
    const size_t max = 40;
    size_t o = 0;
    if (outlen < 8)
        return;
    out[o++] = '"';
    for (size_t i = 0; i < len && i < max && o + 5 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (len > max && o + 5 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* ---- algorithm names ---- */

static const struct {
    const char *name;
    phash_sig_algo algo;
} algo_names[] = {
    {"pdq", PHASH_SIG_PDQ},        {"hash_pdq", PHASH_SIG_PDQ},   {"pdq_hash", PHASH_SIG_PDQ},
    {"pdqhash", PHASH_SIG_PDQ},    {"pdq256", PHASH_SIG_PDQ},     {"phash", PHASH_SIG_PHASH},
    {"phash64", PHASH_SIG_PHASH},  {"hash_phash", PHASH_SIG_PHASH},
    {"phash_dct", PHASH_SIG_PHASH}, {"dct64", PHASH_SIG_PHASH},  {"dct", PHASH_SIG_PHASH},
    /* python-threatexchange / StopNCII: the MD5 of a video file */
    {"video_md5", PHASH_SIG_MD5},   {"videomd5", PHASH_SIG_MD5},
    {"vpdq", PHASH_SIG_VPDQ},       {"video_pdq", PHASH_SIG_VPDQ},
};

const char *phash_sig_algo_name(phash_sig_algo algo)
{
    switch (algo) {
    case PHASH_SIG_PDQ:
        return "pdq";
    case PHASH_SIG_PHASH:
        return "phash";
    case PHASH_SIG_MD5:
        return "md5";
    case PHASH_SIG_SHA1:
        return "sha1";
    case PHASH_SIG_SHA256:
        return "sha256";
    case PHASH_SIG_VPDQ:
        return "vpdq";
    }
    return "unknown";
}

int phash_sig_algo_is_exact(phash_sig_algo algo)
{
    return algo == PHASH_SIG_MD5 || algo == PHASH_SIG_SHA1 || algo == PHASH_SIG_SHA256;
}

size_t phash_sig_algo_code_size(phash_sig_algo algo)
{
    switch (algo) {
    case PHASH_SIG_PDQ:
    case PHASH_SIG_VPDQ:
        return sizeof(phash_pdq_code);
    case PHASH_SIG_PHASH:
        return sizeof(uint64_t);
    case PHASH_SIG_MD5:
        return PHASH_MD5_LEN;
    case PHASH_SIG_SHA1:
        return PHASH_SHA1_LEN;
    case PHASH_SIG_SHA256:
        return PHASH_SHA256_LEN;
    }
    return 0;
}

/* The digest algorithm of a signature algorithm (0 when not exact). */
static phash_digest_algo digest_of(phash_sig_algo algo)
{
    switch (algo) {
    case PHASH_SIG_MD5:
        return PHASH_DIGEST_MD5;
    case PHASH_SIG_SHA1:
        return PHASH_DIGEST_SHA1;
    case PHASH_SIG_SHA256:
        return PHASH_DIGEST_SHA256;
    default:
        return 0;
    }
}

phash_status phash_sig_algo_parse(const char *name, size_t len, phash_sig_algo *out)
{
    if (!name || !out)
        return PHASH_ERR_INVALID_ARG;
    for (size_t i = 0; i < sizeof algo_names / sizeof algo_names[0]; i++)
        if (ph_span_eq(name, len, algo_names[i].name)) {
            *out = algo_names[i].algo;
            return PHASH_OK;
        }
    phash_digest_algo d;
    if (phash_digest_algo_parse(name, len, &d) == PHASH_OK) {
        *out = d == PHASH_DIGEST_MD5 ? PHASH_SIG_MD5
             : d == PHASH_DIGEST_SHA1 ? PHASH_SIG_SHA1 : PHASH_SIG_SHA256;
        return PHASH_OK;
    }
    return PHASH_ERR_NOT_FOUND;
}

/* ---- algorithms phash keeps but cannot compute ---- */

static const struct {
    const char *name;
    phash_sigset_opaque kind;
} opaque_names[] = {
    {"photodna", PHASH_SIGSET_OPAQUE_PHOTODNA},    {"pdna", PHASH_SIGSET_OPAQUE_PHOTODNA},
    {"photo_dna", PHASH_SIGSET_OPAQUE_PHOTODNA},   {"ssvh_pdna", PHASH_SIGSET_OPAQUE_PHOTODNA},
    {"photodnahash", PHASH_SIGSET_OPAQUE_PHOTODNA}, {"tmk", PHASH_SIGSET_OPAQUE_TMK},
    {"tmk_pdqf", PHASH_SIGSET_OPAQUE_TMK},          {"videotmk", PHASH_SIGSET_OPAQUE_TMK},
    {"video_tmk", PHASH_SIGSET_OPAQUE_TMK},         {"netclean", PHASH_SIGSET_OPAQUE_NETCLEAN},
    {"videntifier", PHASH_SIGSET_OPAQUE_VIDENTIFIER}, {"sha512", PHASH_SIGSET_OPAQUE_OTHER},
    {"sha-512", PHASH_SIGSET_OPAQUE_OTHER},         {"sha384", PHASH_SIGSET_OPAQUE_OTHER},
    {"edonkey", PHASH_SIGSET_OPAQUE_OTHER},         {"ed2k", PHASH_SIGSET_OPAQUE_OTHER},
    {"ssvh_safer_hash", PHASH_SIGSET_OPAQUE_OTHER}, {"safer_hash", PHASH_SIGSET_OPAQUE_OTHER},
};

int ph_opaque_kind(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof opaque_names / sizeof opaque_names[0]; i++)
        if (ph_span_eq(name, len, opaque_names[i].name))
            return (int)opaque_names[i].kind;
    return -1;
}

const char *phash_sigset_opaque_name(phash_sigset_opaque kind)
{
    switch (kind) {
    case PHASH_SIGSET_OPAQUE_PHOTODNA:
        return "PhotoDNA";
    case PHASH_SIGSET_OPAQUE_TMK:
        return "TMK";
    case PHASH_SIGSET_OPAQUE_NETCLEAN:
        return "NetClean";
    case PHASH_SIGSET_OPAQUE_VIDENTIFIER:
        return "Videntifier";
    case PHASH_SIGSET_OPAQUE_OTHER:
        return "other";
    }
    return "unknown";
}

void ph_record_opaque_only(ph_load *load)
{
    load->report->records++;
    load->report->opaque_only++;
}

const char *phash_sigset_problem_name(phash_sigset_problem problem)
{
    switch (problem) {
    case PHASH_SIGSET_BAD_LENGTH:
        return "bad length";
    case PHASH_SIGSET_BAD_CHARACTER:
        return "bad character";
    case PHASH_SIGSET_OUT_OF_RANGE:
        return "out of range";
    case PHASH_SIGSET_MISSING_HASH:
        return "missing hash";
    case PHASH_SIGSET_UNKNOWN_ALGO:
        return "unknown algorithm";
    case PHASH_SIGSET_BAD_SYNTAX:
        return "bad syntax";
    case PHASH_SIGSET_LINE_TOO_LONG:
        return "line too long";
    case PHASH_SIGSET_BAD_QUALITY:
        return "bad quality";
    case PHASH_SIGSET_WRONG_ALGO:
        return "wrong algorithm";
    }
    return "unknown problem";
}

/* ---- field names (CSV columns, JSON members) ---- */


static const char *const hash_names[] = {"hash", "signal_str", "signal", "hash_value",
                                         "hashvalue", "fingerprint", "signature", NULL};
static const char *const id_names[] = {"id", "signal_id", "entry_id", "media_id", "mediaid",
                                       "image_id", "image id", "content_id", "bank_content_id",
                                       "signature_id", "uid", NULL};
static const char *const category_names[] = {"category", "category_id", "status",
                                              "classification", "grade", NULL};
static const char *const algo_column_names[] = {"signal_type", "algo", "algorithm", "hash_type",
                                         "hashtype", "hash_name", "hashname", "type", NULL};

/* The file's size in bytes (VICS MediaSize, forensic exports' size column). */
static const char *const size_names[] = {"mediasize", "media_size", "size", "filesize",
                                         "file_size", NULL};

static int in_list(const char *s, size_t len, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (ph_span_eq(s, len, list[i]))
            return 1;
    return 0;
}

int ph_field_role(const char *s, size_t len, phash_sig_algo *algo)
{
    *algo = 0;
    if (in_list(s, len, hash_names))
        return PH_ROLE_HASH;
    if (phash_sig_algo_parse(s, len, algo) == PHASH_OK)
        return PH_ROLE_HASH;
    if (in_list(s, len, id_names))
        return PH_ROLE_ID;
    if (in_list(s, len, algo_column_names))
        return PH_ROLE_ALGO;
    if (ph_span_eq(s, len, "quality"))
        return PH_ROLE_QUALITY;
    if (in_list(s, len, category_names))
        return PH_ROLE_CATEGORY;
    if (ph_opaque_kind(s, len) >= 0)
        return PH_ROLE_OPAQUE;
    if (in_list(s, len, size_names))
        return PH_ROLE_SIZE;
    return PH_ROLE_META;
}

/* ---- reporting ---- */

/* "name:line: detail", cut to the message size. */
static void compose(char out[PHASH_SIGSET_MESSAGE_LEN], const ph_load *load, const char *detail)
{
    int n = snprintf(out, PHASH_SIGSET_MESSAGE_LEN, "%s:%s%s%llu: ", load->name,
                     load->unit ? load->unit : "", load->unit ? " " : "",
                     (unsigned long long)load->line);
    size_t o = n < 0 ? 0 : (size_t)n;
    for (size_t i = 0; detail[i] && o + 1 < PHASH_SIGSET_MESSAGE_LEN; i++)
        out[o++] = detail[i];
    if (o < PHASH_SIGSET_MESSAGE_LEN)
        out[o] = '\0';
}

static int vinvalid(ph_load *load, phash_sigset_problem problem, const char *fmt, va_list ap)
{
    phash_sigset_report *rep = load->report;
    rep->invalid++;
    rep->by_reason[problem]++;
    char detail[PHASH_SIGSET_MESSAGE_LEN];
    vsnprintf(detail, sizeof detail, fmt, ap);
    if (rep->n_messages < PHASH_SIGSET_MESSAGES)
        compose(rep->messages[rep->n_messages++], load, detail);
    if (load->set->strict) {
        char where[PHASH_SIGSET_MESSAGE_LEN];
        compose(where, load, detail);
        ph_error_set(&load->set->err, PHASH_ERR_BAD_FILE, "%s", where);
        load->failed = 1;
        return -1;
    }
    return 0;
}

void ph_report_message(ph_load *load, const char *fmt, ...)
{
    phash_sigset_report *rep = load->report;
    if (rep->n_messages >= PHASH_SIGSET_MESSAGES)
        return;
    char detail[PHASH_SIGSET_MESSAGE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    compose(rep->messages[rep->n_messages++], load, detail);
}

int ph_record_invalid(ph_load *load, phash_sigset_problem problem, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vinvalid(load, problem, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- hash validation ---- */

/* Report an invalid record and return what the parse helpers return: 1 to
 * skip the record, -1 to stop the load. */
#define REJECT(load, problem, ...) \
    return ph_record_invalid((load), (problem), __VA_ARGS__) < 0 ? -1 : 1

/* Hex digit value + 1 by byte (0: not a hex digit): one table lookup per
 * character keeps a million-line load fast. */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
    ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* First character that cannot belong to any hash form (hex digits, or a
 * '-' sign before decimal digits); len when there is none. */
static size_t first_bad_char(const char *h, size_t len)
{
    int negative = len > 1 && h[0] == '-';
    if (negative) {
        for (size_t i = 1; i < len; i++)
            if (!is_digit(h[i]))
                return i;
        return len;
    }
    for (size_t i = 0; i < len; i++)
        if (!hex_plus1[(uint8_t)h[i]])
            return i;
    return len;
}

/* 64 validated hex digits to the code's bytes. */
static void pdq_from_valid_hex(const char *h, phash_pdq_code *out)
{
    for (size_t i = 0; i < 32; i++)
        out->bytes[i] = (uint8_t)((hex_plus1[(uint8_t)h[2 * i]] - 1) << 4 |
                                  (hex_plus1[(uint8_t)h[2 * i + 1]] - 1));
}

static int all_digits(const char *h, size_t len)
{
    for (size_t i = (len > 0 && h[0] == '-'); i < len; i++)
        if (!is_digit(h[i]))
            return 0;
    return len > 0;
}

static const char *expectation(phash_sig_algo algo)
{
    switch (algo) {
    case PHASH_SIG_PDQ:
        return "64 hex digits (PDQ)";
    case PHASH_SIG_PHASH:
        return "16 hex digits or a decimal number (pHash)";
    case PHASH_SIG_MD5:
        return "32 hex digits (MD5)";
    case PHASH_SIG_SHA1:
        return "40 hex digits (SHA-1)";
    case PHASH_SIG_SHA256:
        return "64 hex digits (SHA-256)";
    case PHASH_SIG_VPDQ:
        return "a JSON array of \"pdqhex,quality,timestamp\" strings (vPDQ)";
    }
    return "a PDQ hash (64 hex digits) or a pHash (16 hex digits or a decimal number)";
}

static int reject_char(ph_load *load, phash_sig_algo algo, const char *h, size_t at)
{
    char q[16];
    ph_record_quote(h + at, 1, q, sizeof q);
    REJECT(load, PHASH_SIGSET_BAD_CHARACTER, "expected %s, found %s at character %zu of the hash",
           expectation(algo), q, at + 1);
}

/* An unsigned decimal pHash has at least this many digits: a smaller number
 * would have its 34 top bits all zero, which no picture gives, and a
 * one-digit line in a file of random bytes is no signature. (Signed
 * decimals near zero are pHash's own output for hashes with their top bits
 * set, -1 for all 64: they stay valid.) */
#define PH_U64_MIN_DECIMAL_DIGITS 10

/* A pHash in any text form: 16 hex digits (optional 0x), signed decimal,
 * unsigned decimal. 16 all-digit characters are hex unless the set's
 * PHASH_SIGSET_OPT_U64_FORM says decimal. */
static int parse_u64(ph_load *load, const char *h, size_t len, uint64_t *out)
{
    if (len == 18 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) {
        h += 2;
        len -= 2;
    }
    size_t bad = first_bad_char(h, len);
    if (bad < len)
        return reject_char(load, PHASH_SIG_PHASH, h, bad);
    int digits = all_digits(h, len);
    phash_u64_form form;
    if (h[0] == '-')
        form = PHASH_U64_SIGNED;
    else if (len == 16 && !(digits && load->set->u64_form == PHASH_U64_UNSIGNED))
        form = PHASH_U64_HEX;
    else if (digits)
        form = PHASH_U64_UNSIGNED;
    else
        REJECT(load, PHASH_SIGSET_BAD_LENGTH, "expected %s, found %zu hex digits",
               expectation(PHASH_SIG_PHASH), len);
    if (form == PHASH_U64_UNSIGNED && len < PH_U64_MIN_DECIMAL_DIGITS)
        REJECT(load, PHASH_SIGSET_BAD_LENGTH,
               "expected a pHash (16 hex digits or an unsigned decimal number of %d to 20 "
               "digits), found a number of %zu digits",
               PH_U64_MIN_DECIMAL_DIGITS, len);
    if (phash_u64_parse(h, len, form, out, NULL) != PHASH_OK) {
        char q[64];
        ph_record_quote(h, len, q, sizeof q);
        REJECT(load, PHASH_SIGSET_OUT_OF_RANGE, "expected %s (pHash), found %s",
               form == PHASH_U64_SIGNED ? "a signed decimal number within 64 bits"
                                        : "an unsigned decimal number below 2^64",
               q);
    }
    return 0;
}

/* The algorithm the text itself implies, 0 when it fits none. */
static phash_sig_algo infer_algo(const char *h, size_t len, size_t bad)
{
    if (len == 18 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
        return PHASH_SIG_PHASH;
    if (bad < len)
        return 0;
    if (len == PHASH_PDQ_HEX_LEN)
        return PHASH_SIG_PDQ;
    if (len == 16 || (all_digits(h, len) && len <= 21))
        return PHASH_SIG_PHASH;
    if (len == 2 * PHASH_MD5_LEN && h[0] != '-')
        return PHASH_SIG_MD5;
    if (len == 2 * PHASH_SHA1_LEN && h[0] != '-')
        return PHASH_SIG_SHA1;
    return 0;
}

/* hex of a digest: exactly 2 * size hex digits. Returns 0, 1, -1. */
static int parse_digest(ph_load *load, phash_sig_algo algo, const char *h, size_t len,
                        void *code)
{
    size_t size = phash_sig_algo_code_size(algo), bad = 0;
    while (bad < len && hex_plus1[(uint8_t)h[bad]])
        bad++;
    if (bad < len)
        return reject_char(load, algo, h, bad);
    if (len != 2 * size)
        REJECT(load, PHASH_SIGSET_BAD_LENGTH, "expected %s, found %zu hex digits",
               expectation(algo), len);
    uint8_t *out = code;
    for (size_t i = 0; i < size; i++)
        out[i] = (uint8_t)((hex_plus1[(uint8_t)h[2 * i]] - 1) << 4 |
                           (hex_plus1[(uint8_t)h[2 * i + 1]] - 1));
    return 0;
}

/* Validate hash text for algo (0: infer). Returns 0 with *algo_out and code
 * (a phash_pdq_code or a uint64_t) filled, 1 to skip, -1 to stop. */
static int parse_hash(ph_load *load, phash_sig_algo algo, const char *h, size_t len,
                      phash_sig_algo *algo_out, void *code)
{
    if (len == 0)
        REJECT(load, PHASH_SIGSET_MISSING_HASH, "expected %s, found an empty field",
               expectation(algo));
    size_t bad = first_bad_char(h, len);
    phash_sig_algo implied = infer_algo(h, len, bad);
    if (algo == 0)
        algo = implied;
    *algo_out = algo;
    switch (algo) {
    case PHASH_SIG_PDQ:
        if (bad < len || h[0] == '-')
            return reject_char(load, algo, h, bad < len ? bad : 0);
        if (implied == PHASH_SIG_PHASH && len == 16)
            REJECT(load, PHASH_SIGSET_WRONG_ALGO, "expected %s, found 16 hex digits (a pHash?)",
                   expectation(algo));
        if (len != PHASH_PDQ_HEX_LEN)
            REJECT(load, PHASH_SIGSET_BAD_LENGTH, "expected %s, found %zu hex digits",
                   expectation(algo), len);
        pdq_from_valid_hex(h, code);
        return 0;
    case PHASH_SIG_PHASH:
        if (implied == PHASH_SIG_PDQ)
            REJECT(load, PHASH_SIGSET_WRONG_ALGO, "expected %s, found 64 hex digits (a PDQ hash?)",
                   expectation(algo));
        return parse_u64(load, h, len, code);
    case PHASH_SIG_MD5:
    case PHASH_SIG_SHA1:
    case PHASH_SIG_SHA256:
        return parse_digest(load, algo, h, len, code);
    case PHASH_SIG_VPDQ: /* ph_vpdq_submit() */
        break;
    }
    if (bad < len)
        return reject_char(load, 0, h, bad);
    REJECT(load, PHASH_SIGSET_BAD_LENGTH, "expected %s, found %zu characters", expectation(0),
           len);
}

/* Quality 0..100, or -1 when absent. Returns 0, 1 (skip) or -1 (stop). */
static int parse_quality(ph_load *load, const char *q, size_t len, int *out)
{
    *out = -1;
    if (!q)
        return 0;
    ph_span_trim(&q, &len);
    if (len == 0)
        return 0;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(q[i]) || v > 100)
            goto bad;
        v = v * 10 + (q[i] - '0');
    }
    if (v > 100)
        goto bad;
    *out = v;
    return 0;
bad:;
    char quoted[64];
    ph_record_quote(q, len, quoted, sizeof quoted);
    REJECT(load, PHASH_SIGSET_BAD_QUALITY, "expected a quality from 0 to 100, found %s", quoted);
}

static int is_zero(const void *code, size_t size)
{
    const uint8_t *b = code;
    for (size_t i = 0; i < size; i++)
        if (b[i])
            return 0;
    return 1;
}

size_t ph_cut_at_nul(const char *s, size_t len)
{
    const char *z = s ? memchr(s, '\0', len) : NULL;
    return z ? (size_t)(z - s) : len;
}

const char *ph_record_id(const ph_load *load, const ph_record *rec, char line_id[24],
                         size_t *len)
{
    const char *id = rec->id;
    size_t id_len = rec->id_len;
    if (id)
        ph_span_trim(&id, &id_len);
    id_len = ph_cut_at_nul(id, id_len);
    if (!id || id_len == 0) {
        id_len = (size_t)snprintf(line_id, 24, "%llu", (unsigned long long)load->line);
        id = line_id;
    }
    *len = id_len;
    return id;
}

const char *ph_record_category(const ph_record *rec, size_t *len)
{
    const char *cat = rec->category;
    size_t cat_len = rec->category_len;
    if (cat)
        ph_span_trim(&cat, &cat_len);
    *len = ph_cut_at_nul(cat, cat_len);
    return cat;
}

int ph_record_submit(ph_load *load, const ph_record *rec)
{
    phash_sigset *set = load->set;
    phash_sigset_report *rep = load->report;
    rep->records++;

    phash_sig_algo algo = (phash_sig_algo)set->default_algo;
    if (rec->algo) {
        const char *a = rec->algo;
        size_t alen = rec->algo_len;
        ph_span_trim(&a, &alen);
        if (alen > 0 && phash_sig_algo_parse(a, alen, &algo) != PHASH_OK) {
            int kind = ph_opaque_kind(a, alen);
            if (kind >= 0) { /* kept as counted, never an error */
                rep->opaque[kind]++;
                rep->opaque_only++;
                return 0;
            }
            char q[64];
            ph_record_quote(a, alen, q, sizeof q);
            return ph_record_invalid(load, PHASH_SIGSET_UNKNOWN_ALGO,
                                     "expected an algorithm phash holds (pdq, phash, md5, sha1, "
                                     "sha256, vpdq), found %s",
                                     q);
        }
    }
    if (!rec->hash)
        return ph_record_invalid(load, PHASH_SIGSET_MISSING_HASH, "expected %s, found no hash",
                                 expectation(algo));
    if (algo == PHASH_SIG_VPDQ)
        return ph_vpdq_submit(load, rec);
    const char *h = rec->hash;
    size_t hlen = rec->hash_len;
    ph_span_trim(&h, &hlen);
    union {
        phash_pdq_code pdq;
        uint64_t u64;
        uint8_t digest[PHASH_DIGEST_MAX_LEN];
    } code;
    int quality = -1;
    int r = parse_hash(load, algo, h, hlen, &algo, &code);
    if (r == 0)
        r = parse_quality(load, rec->quality, rec->quality_len, &quality);
    if (r != 0)
        return r < 0 ? -1 : 0;

    ph_owner owner = {.list = load->list, .line = load->line, .quality = (int16_t)quality};
    size_t size = phash_sig_algo_code_size(algo);
    rep->per_algo[algo]++;
    if (is_zero(&code, size)) {
        owner.flags |= PHASH_SIGSET_FLAG_ZERO;
        rep->zero++;
    } else if (digest_of(algo) && phash_digest_is_empty(digest_of(algo), code.digest)) {
        owner.flags |= PHASH_SIGSET_FLAG_EMPTY_FILE;
        rep->empty_file++;
    } else if ((algo == PHASH_SIG_PDQ || algo == PHASH_SIG_PHASH) && quality >= 0 &&
               quality < set->min_quality) {
        owner.flags |= PHASH_SIGSET_FLAG_LOW_QUALITY;
        rep->low_quality++;
    }
    if (owner.flags && !set->keep_flagged)
        return 0;
    if (rec->allow || set->allowlist)
        owner.flags |= PHASH_SIGSET_FLAG_ALLOW;

    char line_id[24];
    size_t id_len, cat_len;
    const char *id = ph_record_id(load, rec, line_id, &id_len);
    const char *cat = ph_record_category(rec, &cat_len);
    if (cat && ph_sigset_category(set, cat, cat_len, &owner.category)) {
        load->status = PHASH_ERR_NOMEM;
        ph_error_set(&set->err, PHASH_ERR_NOMEM, "%s:%llu: out of memory", load->name,
                     (unsigned long long)load->line);
        return -1;
    }
    int is_new = 0;
    phash_status st = ph_sigset_insert(set, algo, &code, &owner, id, id_len, rec->meta,
                                       ph_cut_at_nul(rec->meta, rec->meta_len), &is_new);
    if (st != PHASH_OK) {
        load->status = st;
        ph_error_set(&set->err, st, "%s:%llu: out of memory", load->name,
                     (unsigned long long)load->line);
        return -1;
    }
    if (is_new)
        rep->inserted++;
    else
        rep->duplicates++;
    /* The size filter: what size of file this digest can be (the empty
     * file's digest never matches: no size needed). */
    if (digest_of(algo) && !(owner.flags & PHASH_SIGSET_FLAG_EMPTY_FILE) &&
        ph_sigset_note_size(set, rec->size, rec->size_len)) {
        load->status = PHASH_ERR_NOMEM;
        ph_error_set(&set->err, PHASH_ERR_NOMEM, "%s:%llu: out of memory", load->name,
                     (unsigned long long)load->line);
        return -1;
    }
    return 0;
}
