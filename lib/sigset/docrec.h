/* SPDX-License-Identifier: MIT */
/* A record of a whole-document list (VICS JSON, NCMEC XML) assembled field
 * by field in bounded buffers (docrec.c). */
#ifndef PHASH_LIB_SIGSET_DOCREC_H
#define PHASH_LIB_SIGSET_DOCREC_H

#include "sigset_int.h"

#define PH_DOCREC_MAX_HASHES 16

typedef struct ph_docrec_span {
    size_t name, name_len; /* offsets into vals (hashes: the algorithm name) */
    size_t off, len;
} ph_docrec_span;

typedef struct ph_docrec {
    size_t cap;              /* bytes per buffer */
    char *vals;              /* hash values, algorithm names, id, category */
    size_t vals_len;
    char *meta;              /* "key":value,... (cap + 2 for the braces) */
    size_t meta_len;
    ph_docrec_span hashes[PH_DOCREC_MAX_HASHES];
    size_t n_hashes;
    size_t n_opaque;         /* opaque hashes seen (counted by the caller) */
    ph_docrec_span id, cat, size;
    int has_id, has_cat, has_size;
    int oversize;            /* something did not fit: the record is rejected */
    int allow;               /* a known-benign record (PHASH_SIGSET_FLAG_ALLOW) */
} ph_docrec;

phash_status ph_docrec_init(ph_docrec *r, size_t cap);
void ph_docrec_free(ph_docrec *r);
void ph_docrec_reset(ph_docrec *r);
/* A hash value under its algorithm name as the list spells it ("MD5",
 * "sha1", "pdq"): the record layer parses the name. */
void ph_docrec_hash(ph_docrec *r, const char *name, size_t name_len, const char *v, size_t len);
void ph_docrec_id(ph_docrec *r, const char *v, size_t len);
void ph_docrec_category(ph_docrec *r, const char *v, size_t len);
/* The file's size (MediaSize), for the size filter. */
void ph_docrec_size(ph_docrec *r, const char *v, size_t len);
/* A metadata member: a string value (escaped here) or raw JSON (a number,
 * true, false, null). */
void ph_docrec_meta_str(ph_docrec *r, const char *key, size_t klen, const char *v, size_t len);
void ph_docrec_meta_raw(ph_docrec *r, const char *key, size_t klen, const char *raw, size_t len);
/* Validate and insert the record (one record per hash value, as the line
 * formats do); what names it in messages ("Media record"). Returns 0 to go
 * on, -1 to stop (see ph_record_submit). */
int ph_docrec_submit(ph_load *load, ph_docrec *r, const char *what);

/* A failure of the whole document (syntax, structure, limits): counted as
 * an invalid record, described with the current record number, set as the
 * set's error detail whatever the strict option; returns
 * PHASH_ERR_BAD_FILE for the parser to return (the load then fails and
 * rolls back). */
phash_status ph_doc_fail(ph_load *load, phash_sigset_problem problem, const char *fmt, ...)
    PH_PRINTF(3, 4)
    ;
/* Does a document start (after a BOM and white space) with `first` and
 * carry `marker` within its first 4 KiB? */
int ph_doc_sniff(const char *s, size_t len, char first, const char *marker);

#endif
