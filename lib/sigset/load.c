/* SPDX-License-Identifier: MIT */
/* Loading a signature file: options, format detection, the line loop the
 * parsers share, and the all-or-nothing outcome (strict mode, hard errors). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "phash/digest.h"
#include "sigset_int.h"

/* ---- options ---- */

phash_status phash_sigset_set_option(phash_sigset *set, phash_sigset_option option, int value)
{
    if (!set)
        return PHASH_ERR_INVALID_ARG;
    switch (option) {
    case PHASH_SIGSET_OPT_STRICT:
        if (value != 0 && value != 1)
            break;
        set->strict = value;
        return PHASH_OK;
    case PHASH_SIGSET_OPT_FORMAT:
        if (value < PHASH_SIGSET_AUTO || value > PHASH_SIGSET_NCMEC)
            break;
        set->format = value;
        return PHASH_OK;
    case PHASH_SIGSET_OPT_ALGO:
        if (value < 0 || value > PHASH_SIG_ALGO_MAX)
            break;
        set->default_algo = value;
        return PHASH_OK;
    case PHASH_SIGSET_OPT_MIN_QUALITY:
        if (value < 0 || value > 101)
            break;
        set->min_quality = value;
        return PHASH_OK;
    case PHASH_SIGSET_OPT_KEEP_FLAGGED:
        if (value != 0 && value != 1)
            break;
        set->keep_flagged = value;
        return PHASH_OK;
    case PHASH_SIGSET_OPT_MAX_LINE:
        if (value < 256 || value > 16 * 1024 * 1024)
            break;
        set->max_line = (size_t)value;
        return PHASH_OK;
    case PHASH_SIGSET_OPT_U64_FORM:
        if (value != PHASH_U64_HEX && value != PHASH_U64_UNSIGNED)
            break;
        set->u64_form = value;
        return PHASH_OK;
    case PHASH_SIGSET_OPT_ALLOWLIST:
        if (value != 0 && value != 1)
            break;
        set->allowlist = value;
        return PHASH_OK;
    }
    return ph_error_set(&set->err, PHASH_ERR_INVALID_ARG, "bad option %d or value %d",
                        (int)option, value);
}

int phash_sigset_get_option(const phash_sigset *set, phash_sigset_option option)
{
    if (!set)
        return -1;
    switch (option) {
    case PHASH_SIGSET_OPT_STRICT:
        return set->strict;
    case PHASH_SIGSET_OPT_FORMAT:
        return set->format;
    case PHASH_SIGSET_OPT_ALGO:
        return set->default_algo;
    case PHASH_SIGSET_OPT_MIN_QUALITY:
        return set->min_quality;
    case PHASH_SIGSET_OPT_KEEP_FLAGGED:
        return set->keep_flagged;
    case PHASH_SIGSET_OPT_MAX_LINE:
        return (int)set->max_line;
    case PHASH_SIGSET_OPT_U64_FORM:
        return set->u64_form;
    case PHASH_SIGSET_OPT_ALLOWLIST:
        return set->allowlist;
    }
    return -1;
}

const char *phash_sigset_last_error(const phash_sigset *set)
{
    return set ? ph_error_message(&set->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

int phash_sigset_last_errno(const phash_sigset *set)
{
    return set ? set->last_errno : 0;
}

/* ---- the shared line loop ---- */

phash_status ph_each_line(ph_load *load, ph_lines *lines, ph_line_fn fn, void *ctx)
{
    const char *s;
    size_t len;
    int too_long, more;
    while ((more = ph_lines_next(lines, &s, &len, &too_long)) > 0) {
        load->line = lines->lineno;
        if (too_long) {
            load->report->records++;
            if (ph_record_invalid(load, PHASH_SIGSET_LINE_TOO_LONG,
                                  "expected a line of at most %zu bytes, found a longer one",
                                  lines->max_line) < 0)
                return PHASH_OK;
        } else if (fn(load, ctx, s, len) < 0)
            return PHASH_OK;
    }
    return more < 0 ? PHASH_ERR_IO : PHASH_OK;
}

/* ---- format detection ---- */

/* Read up to the first line that is not blank and leave it unread. */
static phash_sigset_format detect(ph_lines *lines)
{
    const char *s;
    size_t len;
    int too_long, more;
    /* Whole documents first, from their first bytes: a VICS file may be a
     * single line longer than any line limit. */
    len = ph_lines_peek(lines, &s);
    if (ph_vics_sniff(s, len))
        return PHASH_SIGSET_VICS;
    if (ph_ncmec_sniff(s, len))
        return PHASH_SIGSET_NCMEC;
    while ((more = ph_lines_next(lines, &s, &len, &too_long)) > 0) {
        if (too_long) {
            ph_lines_unread(lines);
            return PHASH_SIGSET_PLAIN;
        }
        ph_span_trim(&s, &len);
        if (len == 0)
            continue;
        ph_lines_unread(lines);
        if (s[0] == '{')
            return PHASH_SIGSET_JSONL;
        if (ph_vpdq_is_first_line(s, len))
            return PHASH_SIGSET_VPDQ;
        if (ph_csv_is_header(s, len))
            return PHASH_SIGSET_CSV;
        return PHASH_SIGSET_PLAIN;
    }
    return PHASH_SIGSET_PLAIN;
}

/* ---- a whole load ---- */

/* A file that is not a signature list at all must not load as one (issue
 * 17: 10 MB of random bytes passed with 16 pHash entries from one-digit
 * lines): refused when more than a tenth of its lines hold binary bytes
 * (NUL, control characters: a binary file, a UTF-16 export), or when most
 * of its records (and at least PH_MOSTLY_INVALID_MIN) are invalid, or none
 * is valid. A list with a few bad lines still loads, with them counted in
 * the report. */
/* Fewer invalid records than this never refuse a list that has valid ones:
 * a short hand-made list with a few typos loads, each typo reported. */
#define PH_MOSTLY_INVALID_MIN 10

static phash_status check_is_a_list(phash_sigset *set, const ph_lines *lines, const char *name,
                                    const phash_sigset_report *report)
{
    if (lines->binary_lines > 0 && lines->binary_lines >= (lines->lineno + 9) / 10)
        return ph_error_set(&set->err, PHASH_ERR_BAD_FILE,
                            "%s: binary data, not a text list: %llu of %llu lines hold NUL or "
                            "control bytes (the first is line %llu; a UTF-16 file must be "
                            "saved as UTF-8)",
                            name, (unsigned long long)lines->binary_lines,
                            (unsigned long long)lines->lineno,
                            (unsigned long long)lines->first_binary);
    if (report->records == report->invalid)
        return ph_error_set(&set->err, PHASH_ERR_BAD_FILE,
                            "%s: no valid signature (%llu records, %llu invalid)", name,
                            (unsigned long long)report->records,
                            (unsigned long long)report->invalid);
    if (report->invalid >= PH_MOSTLY_INVALID_MIN && report->invalid * 2 > report->records)
        return ph_error_set(&set->err, PHASH_ERR_BAD_FILE,
                            "%s: not a signature list: %llu of %llu records are invalid (%s)",
                            name, (unsigned long long)report->invalid,
                            (unsigned long long)report->records,
                            report->n_messages ? report->messages[0] : "see the report");
    return PHASH_OK;
}

static phash_status load_lines(phash_sigset *set, ph_lines *lines, const char *name,
                               phash_sigset_report *report)
{
    if (ph_sigset_own(set) != PHASH_OK)
        return ph_error_set(&set->err, PHASH_ERR_NOMEM, "%s: out of memory", name);
    ph_sigset_mark mark;
    ph_sigset_mark_get(set, &mark);
    ph_load L = {.set = set, .report = report, .name = name, .status = PHASH_OK, .mark = &mark};
    if (ph_sigset_add_list(set, name, &L.list))
        return ph_error_set(&set->err, PHASH_ERR_NOMEM, "%s: out of memory", name);

    phash_sigset_format format = (phash_sigset_format)set->format;
    if (format == PHASH_SIGSET_AUTO)
        format = detect(lines);
    report->format = format;
    phash_status st;
    switch (format) {
    case PHASH_SIGSET_CSV:
        st = ph_parse_csv(&L, lines);
        break;
    case PHASH_SIGSET_JSONL:
        st = ph_parse_jsonl(&L, lines);
        break;
    case PHASH_SIGSET_VPDQ:
        st = ph_parse_vpdq(&L, lines);
        break;
    case PHASH_SIGSET_VICS:
        st = ph_parse_vics(&L, lines);
        break;
    case PHASH_SIGSET_NCMEC:
        st = ph_parse_ncmec(&L, lines);
        break;
    default:
        st = ph_parse_plain(&L, lines);
        break;
    }
    report->lines = lines->lineno;
    if (st == PHASH_ERR_IO) {
        set->last_errno = lines->io_errno;
        ph_error_set(&set->err, st, "%s: read error after line %llu (errno %d)", name,
                     (unsigned long long)lines->lineno, lines->io_errno);
    } else if (st == PHASH_OK && L.status != PHASH_OK)
        st = L.status; /* detail already set */
    else if (st == PHASH_OK && L.failed)
        st = PHASH_ERR_BAD_FILE; /* detail already set */
    else if (st == PHASH_OK)
        st = check_is_a_list(set, lines, name, report);
    if (st == PHASH_OK && ph_sigset_finalize(set) != PHASH_OK)
        st = ph_error_set(&set->err, PHASH_ERR_NOMEM, "%s: out of memory", name);
    if (st != PHASH_OK) {
        (void)ph_sigset_rollback(set, &mark);
        report->inserted = 0;
        report->duplicates = 0;
    }
    return st;
}

/* After a successful load: record what the list was (its size and SHA-256,
 * computed from the bytes the parser read) and when, for
 * phash_sigset_list_info. A digest that failed leaves it unknown. */
static void record_provenance(phash_sigset *set, const phash_digest_result *d)
{
    ph_list_prov *p = &set->prov[set->n_lists - 1];
    p->size = d->size;
    memcpy(p->sha256, d->sha256, sizeof p->sha256);
    p->loaded = (int64_t)time(NULL);
    p->known = 1;
}

static void report_start(phash_sigset *set, phash_sigset_report **report,
                         phash_sigset_report *scratch)
{
    if (!*report)
        *report = scratch;
    memset(*report, 0, sizeof **report);
    ph_error_clear(&set->err);
    set->last_errno = 0;
}

phash_status phash_sigset_load_file(phash_sigset *set, const char *path,
                                    phash_sigset_report *report)
{
    phash_sigset_report scratch;
    if (!set || !path)
        return PHASH_ERR_INVALID_ARG;
    report_start(set, &report, &scratch);
    ph_file *file;
    int err = ph_file_open(path, &file, NULL);
    if (err) {
        set->last_errno = err;
        return ph_error_set(&set->err, PHASH_ERR_IO, "%s: cannot open (errno %d)", path, err);
    }
    ph_lines lines;
    phash_digest_result d;
    phash_status st = ph_lines_open_file(&lines, file, set->max_line);
    if (st == PHASH_OK && phash_digest_new(PHASH_DIGEST_SHA256, &lines.digest) != PHASH_OK)
        lines.digest = NULL; /* the list still loads; its provenance stays unknown */
    if (st == PHASH_OK)
        st = load_lines(set, &lines, path, report);
    else
        ph_error_set(&set->err, st, "%s: out of memory", path);
    if (st == PHASH_OK && lines.digest && !lines.digest_failed &&
        phash_digest_final(lines.digest, &d) == PHASH_OK)
        record_provenance(set, &d);
    phash_digest_free(lines.digest);
    ph_lines_close(&lines);
    ph_file_close(file);
    return st;
}

phash_status phash_sigset_load_memory(phash_sigset *set, const void *data, size_t len,
                                      const char *name, phash_sigset_report *report)
{
    phash_sigset_report scratch;
    if (!set || (!data && len))
        return PHASH_ERR_INVALID_ARG;
    report_start(set, &report, &scratch);
    ph_lines lines;
    ph_lines_open_mem(&lines, data ? data : "", len, set->max_line);
    phash_status st = load_lines(set, &lines, name ? name : "<memory>", report);
    phash_digest_result d;
    if (st == PHASH_OK && phash_digest_buffer(PHASH_DIGEST_SHA256, data ? data : "", len, &d) ==
                              PHASH_OK)
        record_provenance(set, &d);
    return st;
}
