/* SPDX-License-Identifier: MIT */
/* Signature sets inside the library: the store (set.c), the record layer
 * shared by the parsers (record.c), the line reader (lines.c) and the three
 * parsers (plain.c, csv.c, jsonl.c). */
#ifndef PHASH_LIB_SIGSET_INT_H
#define PHASH_LIB_SIGSET_INT_H

#include <stdint.h>

#include "internal.h"
#include "phash/digest.h"
#include "platform/platform.h"
#include "phash/index.h"
#include "phash/sigset.h"

/* ---- the store (set.c) ---- */

/* One owner: a record that carried an entry's hash. Strings live in the
 * set's pool, addressed by offset (the pool moves when it grows). */
typedef struct ph_owner {
    uint32_t entry;  /* entry index within its algorithm */
    uint32_t list;   /* index in lists */
    size_t id;       /* pool offsets */
    size_t meta;
    uint64_t line;
    int16_t quality; /* -1: none */
    uint8_t algo;
    uint8_t flags;
    uint32_t category; /* index in categories + 1; 0: none */
} ph_owner;

/* Open-addressing table of uint32 indices + 1 (0: empty). */
typedef struct ph_table {
    uint32_t *slots;
    size_t cap; /* power of two, or 0 */
    size_t used;
} ph_table;

/* The entries of one algorithm: codes contiguous (what the index is built
 * from), owners grouped per entry by ph_sigset_finalize(). */
typedef struct ph_algo_store {
    void *codes;      /* phash_pdq_code[] or uint64_t[] */
    size_t code_size; /* 32 or 8 */
    size_t count, cap;
    ph_table table;   /* code -> entry */
    /* The first owner of each entry, kept with the owner table (which
     * holds only the owners that are not first of their entry: most
     * entries have one owner). While each new entry's first owner came
     * right after the previous one's (a list of distinct hashes), the
     * first owner of entry e is first_base + e and no array is kept;
     * otherwise first_listed is set and first[count] holds them (4 B an
     * entry, where the table was 13 B an owner). */
    uint32_t *first;
    size_t first_cap, first_base;
    int first_listed;
    /* After finalize: entry e's owners are owner_order[owner_start[e] ..
     * owner_start[e + 1]) (ph_owner_span, ph_owner_at). Both NULL when each
     * entry has one owner, in entry order from owner number owner_base on
     * (a list of distinct hashes: 8 B an entry saved, at every open of its
     * compiled set too). */
    uint32_t *owner_start; /* [count + 1] */
    uint32_t *owner_order; /* owner indices grouped by entry */
    size_t owner_base;
    /* Exact digests of a compiled set: its sorted digest table, in the
     * mapping (digest_table.c); NULL otherwise (the hash table serves). */
    const uint32_t *dt_dir, *dt_order;
    unsigned dt_bits;
} ph_algo_store;

/* The owners of entry e (finalized): positions [*lo, *hi) for ph_owner_at. */
static inline void ph_owner_span(const ph_algo_store *st, size_t e, uint32_t *lo, uint32_t *hi)
{
    *lo = st->owner_start ? st->owner_start[e] : (uint32_t)e;
    *hi = st->owner_start ? st->owner_start[e + 1] : (uint32_t)e + 1;
}

/* The owner number at position k of the grouping. */
static inline uint32_t ph_owner_at(const ph_algo_store *st, uint32_t k)
{
    return st->owner_order ? st->owner_order[k] : (uint32_t)(st->owner_base + k);
}

/* The owners of a compiled set in the endpoint layout, in its mapping
 * (eowners.c): grouped by algorithm and entry, fields frame-of-reference
 * coded. */
enum { PH_EO_LIST, PH_EO_ID, PH_EO_META, PH_EO_LINE, PH_EO_QUALITY, PH_EO_FLAGS, PH_EO_CATEGORY,
       PH_EO_FIELDS };
typedef struct ph_eowners {
    const uint8_t *rec; /* n_owners records of rec_size bytes */
    unsigned rec_size;
    unsigned width[PH_EO_FIELDS], at[PH_EO_FIELDS]; /* bytes, offset in a record */
    uint64_t base[PH_EO_FIELDS], span[PH_EO_FIELDS];
    size_t first[PHASH_SIG_ALGO_MAX + 2]; /* algo a's owners: [first[a], first[a + 1]) */
    const uint8_t *exc[PHASH_SIG_ALGO_MAX + 1]; /* entries with 0 or several owners */
    size_t n_exc[PHASH_SIG_ALGO_MAX + 1];
} ph_eowners;

struct phash_sigset {
    ph_algo_store algo[PHASH_SIG_ALGO_MAX + 1]; /* [0] unused */
    ph_owner *owners; /* NULL when eo holds them */
    ph_eowners *eo;   /* endpoint layout: the owners in the mapping; else NULL */
    size_t n_owners, owners_cap;
    /* (algo, entry, list, id) -> owner, for exact repeats, of the owners
     * that are not the first of their entry (ph_algo_store.first); built
     * when cap != 0. */
    ph_table owner_table;
    char *pool;
    size_t pool_len, pool_cap;
    size_t *lists; /* pool offsets of list names */
    size_t n_lists, lists_cap;
    size_t *cats;  /* pool offsets of distinct category texts */
    size_t n_cats, cats_cap;
    ph_table cat_table; /* category text -> index */
    struct ph_list_prov *prov; /* [prov_cap] >= n_lists: what each list was */
    /* File sizes recorded for digest entries (sizes.c): sorted, distinct
     * after finalize; unsized counts digest owners without one. */
    uint64_t *sizes;
    size_t n_sizes, sizes_cap;
    uint64_t unsized;
    /* The last owner's id and metadata (pool offset, length), reused by
     * the next owner with the same text (ph_sigset_insert). */
    size_t last_id_off, last_id_len, last_meta_off, last_meta_len;
    size_t prov_cap;
    int finalized;
    /* A compiled set used in place (compiled.c): codes, owners, pool and
     * lists point into this read-only mapping, which the set owns; caps are
     * 0. ph_sigset_own() copies them out before anything changes them. */
    void *map;
    size_t map_len;
    ph_map *mapping; /* owns map (lib/platform/) */
    /* options */
    int strict, format, default_algo, min_quality, keep_flagged, u64_form, allowlist;
    size_t max_line;
    ph_error err;
    int last_errno;
};

/* Provenance of one list (phash_sigset_list_info). */
typedef struct ph_list_prov {
    uint64_t size;
    int64_t loaded; /* seconds since 1970 UTC */
    uint8_t sha256[32];
    int known;
} ph_list_prov;

/* Grow an array to hold need elements (doubling, from 64); -1 on overflow
 * or out of memory (the array is unchanged). */
int ph_sigset_grow(void **ptr, size_t *cap, size_t need, size_t elem);
/* Append a string to the pool; returns its offset, or (size_t)-1 when out
 * of memory. */
size_t ph_sigset_intern(phash_sigset *set, const char *s, size_t len);
/* Register a list name; -1 when out of memory. */
int ph_sigset_add_list(phash_sigset *set, const char *name, uint32_t *out);
/* The category number (index + 1) of a category text, registering it when
 * new; 0 for an empty text; -1 when out of memory or past 2^32 categories. */
int ph_sigset_category(phash_sigset *set, const char *s, size_t len, uint32_t *out);
/* Make the code -> entry table of an algorithm complete (a set read from a
 * compiled file has none yet). PHASH_ERR_NOMEM. */
phash_status ph_sigset_prepare_lookup(phash_sigset *set, phash_sig_algo algo);
/* Entry number of an exact code, -1 when absent (after prepare_lookup). */
long long ph_sigset_lookup(const phash_sigset *set, phash_sig_algo algo, const void *code);

/* Insert a validated code with its owner. *is_new says whether it created
 * an entry. PHASH_ERR_NOMEM on allocation failure (nothing changed). */
phash_status ph_sigset_insert(phash_sigset *set, phash_sig_algo algo, const void *code,
                              const ph_owner *owner, const char *id, size_t id_len,
                              const char *meta, size_t meta_len, int *is_new);

/* vPDQ: add one frame of a video as an owner of its frame hash's entry.
 * owner->id, meta and category are already set (interned once per video);
 * frames are never merged, so a video's owners are its frames.
 * PHASH_ERR_NOMEM (nothing changed). */
phash_status ph_sigset_insert_frame(phash_sigset *set, const phash_pdq_code *code,
                                    const ph_owner *owner);
/* 1 if the frame hash code is already owned by video (list, id). */
int ph_sigset_video_exists(const phash_sigset *set, const phash_pdq_code *code, uint32_t list,
                           const char *id, size_t id_len);

/* Sizes to roll back to after a failed strict load. */
typedef struct ph_sigset_mark {
    size_t count[PHASH_SIG_ALGO_MAX + 1];
    size_t n_owners, pool_len, n_lists, n_cats, n_sizes;
    uint64_t unsized;
} ph_sigset_mark;
void ph_sigset_mark_get(const phash_sigset *set, ph_sigset_mark *mark);
/* Undo everything after mark. PHASH_ERR_NOMEM if the tables could not be
 * rebuilt (then the set is emptied of the new entries anyway). */
phash_status ph_sigset_rollback(phash_sigset *set, const ph_sigset_mark *mark);
/* Remove the owners added since mark that drop() names (ctx, the owner,
 * its id), and the entries added since mark that are left without an
 * owner; *dropped counts the owners. Only what the current load added
 * changes, so a rollback to mark stays valid. PHASH_ERR_NOMEM (then roll
 * back). */
typedef int (*ph_owner_drop_fn)(void *ctx, const ph_owner *owner, const char *id);
phash_status ph_sigset_drop_owners(phash_sigset *set, const ph_sigset_mark *mark,
                                   ph_owner_drop_fn drop, void *ctx, uint64_t *dropped);
/* Group owners per entry (called after every load). */
phash_status ph_sigset_finalize(phash_sigset *set);
/* Owner k of an entry, and owner i in the set's order (load order, or the
 * endpoint layout's grouped order), whatever holds them (ids and metadata
 * are pool offsets). The caller checks the ranges. */
void ph_sigset_owner_at(const phash_sigset *set, int algo, size_t entry, size_t k, ph_owner *out);
void ph_sigset_owner_nth(const phash_sigset *set, size_t i, ph_owner *out);

/* ---- the endpoint layout's owners (eowners.c) ---- */

/* The EOWNERS section of a finalized set (every owner, grouped).
 * PHASH_ERR_IO when put fails. */
phash_status ph_eowners_write(const phash_sigset *set, ph_sink_fn put, void *ctx);
/* Check a mapped section against the set (lists, pool, categories, entry
 * counts already in place) and point set->eo at it: -1 with *why a
 * sentence, or NULL when out of memory. */
int ph_eowners_attach(phash_sigset *set, const uint8_t *p, uint64_t size, const char **why);
/* Owners [*first, *first + *count) of an entry, in the set's order. */
void ph_eowners_range(const ph_eowners *eo, int algo, size_t entry, size_t *first,
                      size_t *count);
/* Owner i decoded. */
void ph_eowners_get(const ph_eowners *eo, size_t i, ph_owner *out);
/* Decode every owner to the heap (set->owners) and group them as a loaded
 * set's: before a load changes the set, or for the video matcher.
 * PHASH_ERR_NOMEM (the set unchanged). */
phash_status ph_eowners_expand(phash_sigset *set);

/* ---- compiled sets and indexes (compiled.c) ---- */

/* A Hamming index over the entries of one algorithm (ids = entry numbers),
 * built. *out is NULL when the set has no entry of that algorithm. */
phash_status ph_sigset_build_index(const phash_sigset *set, phash_sig_algo algo,
                                   phash_index **out);
/* Open a compiled set with the indexes it embeds (idx may be NULL: the set
 * only). idx[algo] is NULL for an algorithm without entries. The set holds
 * the file in memory (a private copy, or its mapping with
 * PHASH_SIGSET_OPEN_MAP in flags) and uses it in place; the indexes point into that mapping, so
 * free them before the set. */
phash_status ph_compiled_open(const char *path, unsigned flags, phash_sigset **set,
                              phash_index *idx[PHASH_SIG_ALGO_MAX + 1], const char **detail);
/* Copy a mapped set's arrays to the heap (before a load changes them);
 * PHASH_ERR_NOMEM leaves it mapped and unchanged. No-op when not mapped. */
phash_status ph_sigset_own(phash_sigset *set);
/* Unmap a mapped set's file (from phash_sigset_free), clearing the array
 * pointers that pointed into it. */
void ph_sigset_unmap(phash_sigset *set);

/* ---- sorted digest tables of compiled sets (digest_table.c) ---- */

/* Bytes of the DIGESTS section of an algorithm with n entries. */
size_t ph_digest_table_size(size_t n);
/* Write the section of an exact algorithm's store (entries sorted by code,
 * bucket directory). PHASH_ERR_NOMEM, PHASH_ERR_IO (a write failed). */
phash_status ph_digest_table_write(const ph_algo_store *st, ph_sink_fn put, void *ctx);
/* Point st at a mapped section (its CRC checked); -1 when its header or
 * directory does not fit st. */
int ph_digest_table_attach(ph_algo_store *st, const uint8_t *p, uint64_t size);
/* Entry number of a code, -1 when absent (st->dt_dir set). */
long long ph_digest_table_find(const ph_algo_store *st, const void *code);

/* ---- the size set (sizes.c) ---- */

/* Record the file size a list gives for a digest owner just inserted
 * (text NULL or not a size: counted as unsized, which turns the size
 * filter off). -1 when out of memory. */
int ph_sigset_note_size(phash_sigset *set, const char *text, size_t len);
/* Sort and de-duplicate the sizes (from ph_sigset_finalize). */
void ph_sigset_sort_sizes(phash_sigset *set);
/* The SIZES section of a compiled set: write; point the set at it (-1
 * when malformed); copy a mapped one to the heap (PHASH_ERR_NOMEM). */
phash_status ph_sizes_write(const phash_sigset *set, ph_sink_fn put, void *ctx);
int ph_sizes_attach(phash_sigset *set, const uint8_t *p, uint64_t size);
phash_status ph_sizes_own(phash_sigset *set);

/* ---- matcher snapshots (matcher.c) and the video table (vmatch.c) ---- */

/* A set as a matcher serves it, with its indexes; reference-counted. */
typedef struct ph_snapshot ph_snapshot;
/* The vPDQ videos of a set: (list, id) -> video number, frames per video. */
typedef struct ph_videos ph_videos;
/* A reference to the current snapshot (NULL: no set); release it. */
ph_snapshot *ph_matcher_take(const phash_matcher *m);
void ph_snapshot_release(ph_snapshot *s);
const phash_sigset *ph_snapshot_set(const ph_snapshot *s);
const phash_index *ph_snapshot_index(const ph_snapshot *s, phash_sig_algo algo);
const ph_videos *ph_snapshot_videos(const ph_snapshot *s);
/* Build the video table of a finalized set (*out NULL when it has no vPDQ
 * entry). PHASH_ERR_NOMEM. */
phash_status ph_videos_build(const phash_sigset *set, ph_videos **out);
void ph_videos_free(ph_videos *v);
/* The owner flags (PHASH_SIGSET_FLAG_*: ALLOW for an allowlist's video) of
 * the listed video of result i of the last run; 0 when out of range. */
struct phash_video_query;
unsigned ph_video_query_flags(const struct phash_video_query *q, size_t i);

/* ---- the line reader (lines.c) ---- */

typedef struct ph_lines {
    ph_file *file;       /* NULL for memory input */
    const char *mem;
    size_t mem_len, mem_pos;
    char *buf;           /* fd input: max_line + chunk bytes */
    size_t cap, start, end;
    int eof;
    size_t max_line;
    struct phash_digest *digest; /* fd input: every byte read is fed to it */
    int digest_failed;
    uint64_t lineno;     /* number of the line last returned (1-based) */
    uint64_t binary_lines; /* lines holding a NUL or a control byte other than tab */
    uint64_t first_binary; /* the first of them (0: none) */
    int io_errno;
    /* ph_lines_unread(): the last line, handed out again by the next call */
    int pushed;
    const char *last;
    size_t last_len;
    int last_too_long;
} ph_lines;

/* Prepare a reader over a file descriptor (not closed) or a memory buffer. */
phash_status ph_lines_open_file(ph_lines *r, ph_file *file, size_t max_line);
void ph_lines_open_mem(ph_lines *r, const void *data, size_t len, size_t max_line);
void ph_lines_close(ph_lines *r);
/* Next line without its terminator (LF or CRLF) and, on line 1, without a
 * UTF-8 BOM. Returns 1 with *line and *len set, 0 at the end, -1 on a read error
 * (io_errno set). A line longer than max_line is returned with *too_long = 1
 * and *len = 0 (its bytes are skipped, never buffered). */
int ph_lines_next(ph_lines *r, const char **line, size_t *len, int *too_long);
/* Make the next ph_lines_next() return the line it returned last (once). */
void ph_lines_unread(ph_lines *r);
/* The next bytes, not consumed (file input: at most one buffer, read now if
 * none is buffered); for format detection. Returns their count. */
size_t ph_lines_peek(ph_lines *r, const char **data);
/* The next piece of raw bytes, consumed (parsers of whole documents, where
 * lines mean nothing: one VICS file may be a single 300 MB line). Every
 * byte still passes through the digest. 1 with *data and *len set, 0 at the
 * end, -1 on a read error (io_errno set). Not to be mixed with
 * ph_lines_next() after a line was returned. */
int ph_lines_chunk(ph_lines *r, const char **data, size_t *len);

/* ---- records (record.c) ---- */

/* A record as a parser found it: spans into the current line (or the
 * parser's scratch buffer), not yet validated. */
typedef struct ph_record {
    const char *hash;   /* NULL: no hash value */
    size_t hash_len;
    const char *algo;   /* NULL: not named */
    size_t algo_len;
    const char *id;     /* NULL: use the line number */
    size_t id_len;
    const char *meta;
    size_t meta_len;
    const char *quality; /* NULL: none */
    size_t quality_len;
    const char *category; /* NULL: none */
    size_t category_len;
    const char *size;     /* the file's size in bytes as text (MediaSize); NULL: none */
    size_t size_len;
    int allow;            /* the record is known-benign (PHASH_SIGSET_FLAG_ALLOW) */
} ph_record;

/* State of one load: the set, the report, where we are. */
typedef struct ph_load {
    phash_sigset *set;
    phash_sigset_report *report;
    const char *name; /* list name for messages */
    uint32_t list;
    uint64_t line;
    const char *unit; /* what line counts in messages: NULL for lines, "record" */
    int failed;       /* strict mode hit an invalid record */
    const struct ph_sigset_mark *mark; /* the set before this load */
    phash_status status; /* first hard error (NOMEM) */
} ph_load;

/* Validate a record and insert it; counts everything in the report. Returns
 * 0 to go on, -1 to stop (strict failure or out of memory: see load->failed
 * and load->status). */
int ph_record_submit(ph_load *load, const ph_record *rec);
/* Count an invalid record found by a parser and describe it. Same return. */
int ph_record_invalid(ph_load *load, phash_sigset_problem problem, const char *fmt, ...)
    PH_PRINTF(3, 4)
    ;
/* Add "name:line: detail" to the report's messages (no counting). */
void ph_report_message(ph_load *load, const char *fmt, ...)
    PH_PRINTF(2, 3)
    ;
/* Describe text for a message: at most max characters, non-printable bytes
 * as '?', with quotes; writes into out[outlen]. */
void ph_record_quote(const char *s, size_t len, char *out, size_t outlen);

/* What a CSV column or JSON member holds, from its name (case-insensitive):
 * hash (generic, or named after its algorithm, which goes to *algo), id,
 * algorithm name, quality, or anything else (metadata). */
enum {
    PH_ROLE_META = 0,
    PH_ROLE_HASH,
    PH_ROLE_ALGO,
    PH_ROLE_ID,
    PH_ROLE_QUALITY,
    PH_ROLE_CATEGORY,
    PH_ROLE_OPAQUE, /* a hash phash cannot compute: kept as metadata, counted */
    PH_ROLE_SIZE    /* the file's size (MediaSize): kept as metadata too */
};
int ph_field_role(const char *name, size_t len, phash_sig_algo *algo);
/* The phash_sigset_opaque kind of an algorithm name phash cannot compute
 * (photodna, tmk, ...), -1 for any other name. */
int ph_opaque_kind(const char *name, size_t len);
/* Count a record that carried only opaque hashes (records, opaque_only). */
void ph_record_opaque_only(ph_load *load);

/* A span's length up to its first NUL byte. */
size_t ph_cut_at_nul(const char *s, size_t len);
/* The record's id (trimmed, up to a NUL), or its line number written into
 * line_id; *len its length. */
const char *ph_record_id(const ph_load *load, const ph_record *rec, char line_id[24],
                         size_t *len);
/* The record's category (trimmed, up to a NUL; NULL when none). */
const char *ph_record_category(const ph_record *rec, size_t *len);

/* Case-insensitive comparison of a span with a NUL-terminated lowercase word. */
int ph_span_eq(const char *s, size_t len, const char *word);
/* Trim ASCII spaces and tabs at both ends of a span. */
void ph_span_trim(const char **s, size_t *len);

/* ---- parsers ---- */

/* Feed every remaining line to fn, counting lines that are too long as
 * invalid records. fn returns 0 to go on, -1 to stop. Returns PHASH_OK or
 * PHASH_ERR_IO. */
typedef int (*ph_line_fn)(ph_load *load, void *ctx, const char *s, size_t len);
phash_status ph_each_line(ph_load *load, ph_lines *lines, ph_line_fn fn, void *ctx);

/* Each parser reads lines until the end (or a stop) and returns the hard
 * status: PHASH_OK, PHASH_ERR_IO, PHASH_ERR_NOMEM or PHASH_ERR_BAD_FILE (a
 * header without a hash column). */
phash_status ph_parse_plain(ph_load *load, ph_lines *lines);
phash_status ph_parse_csv(ph_load *load, ph_lines *lines);
phash_status ph_parse_jsonl(ph_load *load, ph_lines *lines);
/* Whole documents, streamed (vics.c, ncmec.c). load->line is the record
 * number there (load->unit "record"). */
phash_status ph_parse_vics(ph_load *load, ph_lines *lines);
phash_status ph_parse_ncmec(ph_load *load, ph_lines *lines);
/* Does the start of a file look like a VICS / NIST CAID JSON document
 * (an OData object: "odata.metadata" or "@odata.context" near the top)?
 * Or like an NCMEC hash-sharing XML (a queryResult element)? */
int ph_vics_sniff(const char *s, size_t len);
int ph_ncmec_sniff(const char *s, size_t len);

/* vPDQ (vpdq.c): a record of algorithm vpdq (its hash text a JSON array of
 * "pdqhex,quality,timestamp" strings) as one video. Same return as
 * ph_record_submit. */
int ph_vpdq_submit(ph_load *load, const ph_record *rec);
/* The PHASH_SIGSET_VPDQ format: reference per-frame lines or HMA arrays. */
phash_status ph_parse_vpdq(ph_load *load, ph_lines *lines);
/* Does this first line look like a vPDQ file (a reference frame line
 * "N,Q,HEX64,T" or a JSON array of strings)? */
int ph_vpdq_is_first_line(const char *line, size_t len);

/* Does this first line look like a CSV/TSV header (a field names a hash
 * column)? Used by format detection. */
int ph_csv_is_header(const char *line, size_t len);

#endif
