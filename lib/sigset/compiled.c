/* SPDX-License-Identifier: MIT */
/* Compiled signature sets: one little-endian file holding the set's lists,
 * string pool, codes and owners, each in a checksummed section, written
 * atomically and checked completely before use.
 *
 *   header (32 bytes): magic "PHXSET\r\n", u32 version, u32 section count,
 *                      u64 file size, u32 CRC-32 of header + table (this
 *                      field zero), u32 reserved
 *   table: per section 32 bytes: u32 kind, u32 algo, u64 offset, u64 size,
 *          u32 CRC-32 of the section, u32 reserved
 *   sections, each at a 64-byte aligned offset:
 *     LISTS  u64 n, n x u64 pool offset of the list name
 *     POOL   bytes, NUL-terminated strings, starting and ending with NUL
 *     CODES  (per algo) u64 n, n x code (32 bytes PDQ, u64 LE pHash)
 *     OWNERS u64 n, n x 40 bytes: u32 entry, u32 list, u64 id, u64 meta,
 *            u64 line, i16 quality, u8 algo, u8 flags, u32 category
 *            (index in CATEGORIES + 1, 0: none; files written before
 *            categories have 0 there)
 *     CATEGORIES (optional) u64 n, n x u64 pool offset of the category text
 *     INDEX  (per algo) a phash_index file (include/phash/index.h) over the
 *            algorithm's codes, ids = entry numbers: opened in place
 *            (phash_index_open_memory), so a large set starts at once;
 *            exact digests (MD5, SHA-1, SHA-256) have none: they are
 *            matched through their DIGESTS section
 *     LISTINFO u64 n (= the lists), n x 56 bytes: u64 size, i64 load time
 *            (seconds since 1970 UTC), 32 bytes SHA-256, u64 flags (1 =
 *            known): the provenance of each list (phash_sigset_list_info);
 *            optional (sets written before it have none)
 *     DIGESTS (per exact algo) the entries sorted by digest with a bucket
 *            directory (lib/sigset/digest_table.c), looked up in place:
 *            no table is built at open; sets written before it have none
 *            (then a hash table is built at open, as before)
 *     SIZES  u64 digest owners without a file size, u64 n, n x u64 the
 *            file sizes the lists record, sorted (lib/sigset/sizes.c);
 *            sets written before it have none (no size filter)
 *     EOWNERS (the endpoint layout, instead of OWNERS and every INDEX) the
 *            owners grouped by algorithm and entry, fields coded in as
 *            few bytes as the set needs: layout at the top of eowners.c
 * Unknown section kinds are skipped.
 * Two layouts: "fast" (format version 1: OWNERS and an INDEX per
 * algorithm, ~169 B per PDQ entry at 10M) for servers, and "endpoint"
 * (PHASH_SIGSET_SAVE_ENDPOINT, format version 2, which older readers
 * refuse as too new: EOWNERS and no INDEX, ~41-44 B per PDQ entry of a
 * plain list): its queries scan the CODES section in place
 * (ph_index_over_codes) and nothing per entry is built at open (except the
 * owners of a set holding vPDQ videos, decoded for the video matcher).
 * Opening maps the file and points the set at its sections (codes, owners,
 * pool, lists: their file layout is the in-memory one on 64-bit
 * little-endian hosts), after checking every checksum and reference; only
 * the per-entry owner grouping (8 B per entry) is built on the heap (in the
 * fast layout). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "atomic_file.h"
#include "index/index_file.h"
#include "sigset_int.h"

#define PHX_MAGIC "PHXSET\r\n"
#define PHX_VERSION 1u
#define PHX_VERSION_ENDPOINT 2u /* the endpoint layout: EOWNERS, no INDEX */
#define PHX_HEADER 32u
#define PHX_ENTRY 32u
#define PHX_OWNER 40u
#define PHX_MAX_SECTIONS 64u

enum {
    SEC_LISTS = 1,
    SEC_POOL = 2,
    SEC_CODES = 3,
    SEC_OWNERS = 4,
    SEC_INDEX = 5,
    SEC_CATEGORIES = 6,
    SEC_LISTINFO = 7,
    SEC_DIGESTS = 8,
    SEC_SIZES = 9,
    SEC_EOWNERS = 10
};
#define PHX_LISTINFO 56u

/* ---- little-endian helpers and CRC-32 (IEEE, reflected) ---- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* CRC-32 (IEEE) of a section: zlib's, several GB/s, since a 1M-entry set
 * is ~200 MB to check at every start. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? 1u << 30 : (uInt)n;
        crc = (uint32_t)crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* ---- writing ---- */

/* The file is streamed: a zeroed header and table first, then each
 * section (its CRC computed on the way), then the real header and table
 * written over the zeros. Memory stays one index build at a time, not the
 * whole file. */
typedef struct out_stream {
    ph_atomic_file f;
    uint8_t buf[1 << 16];
    size_t len;
    uint64_t pos; /* file offset of the next byte */
    uint32_t crc; /* of the current section */
} out_stream;

static int out_flush(out_stream *o)
{
    int r = ph_atomic_write(&o->f, o->buf, o->len);
    o->len = 0;
    return r;
}

/* Raw bytes, outside any checksum. */
static int out_raw(out_stream *o, const void *data, size_t n)
{
    const uint8_t *p = data;
    o->pos += n;
    if (o->len + n > sizeof o->buf) {
        if (out_flush(o))
            return -1;
        if (n >= sizeof o->buf)
            return ph_atomic_write(&o->f, p, n);
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return 0;
}

/* Section bytes (a ph_sink_fn). */
static int out_put(void *ctx, const void *data, size_t n)
{
    out_stream *o = ctx;
    o->crc = crc32_update(o->crc, data, n);
    return out_raw(o, data, n);
}

static int out_u64(out_stream *o, uint64_t v)
{
    uint8_t b[8];
    put64(b, v);
    return out_put(o, b, 8);
}

static int out_pad(out_stream *o)
{
    static const uint8_t zero[64];
    return out_raw(o, zero, (size_t)(-o->pos & 63));
}

typedef struct section {
    uint32_t kind, algo;
    uint64_t offset, size;
    uint32_t crc;
} section;

/* LISTS and CATEGORIES: a count, then pool offsets. */
static int write_offsets(const size_t *offs, size_t n, out_stream *o)
{
    int r = out_u64(o, n);
    for (size_t i = 0; i < n && !r; i++)
        r = out_u64(o, offs[i]);
    return r;
}

static int write_list_info(const phash_sigset *set, out_stream *o)
{
    int r = out_u64(o, set->n_lists);
    for (size_t i = 0; i < set->n_lists && !r; i++) {
        const ph_list_prov *p = &set->prov[i];
        uint8_t rec[PHX_LISTINFO] = {0};
        put64(rec, p->size);
        put64(rec + 8, (uint64_t)p->loaded);
        memcpy(rec + 16, p->sha256, 32);
        put64(rec + 48, p->known ? 1u : 0u);
        r = out_put(o, rec, sizeof rec);
    }
    return r;
}

static int write_codes(const ph_algo_store *st, out_stream *o)
{
    int r = out_u64(o, st->count);
    if (st->code_size == 8)
        for (size_t i = 0; i < st->count && !r; i++)
            r = out_u64(o, ((const uint64_t *)st->codes)[i]);
    else if (st->count && !r)
        r = out_put(o, st->codes, st->count * st->code_size);
    return r;
}

static int write_owners(const phash_sigset *set, out_stream *o)
{
    int r = out_u64(o, set->n_owners);
    for (size_t i = 0; i < set->n_owners && !r; i++) {
        ph_owner own;
        const ph_owner *w = &own;
        ph_sigset_owner_nth(set, i, &own);
        uint8_t p[PHX_OWNER];
        put32(p, w->entry);
        put32(p + 4, w->list);
        put64(p + 8, w->id);
        put64(p + 16, w->meta);
        put64(p + 24, w->line);
        p[32] = (uint8_t)(w->quality & 0xff);
        p[33] = (uint8_t)((uint16_t)w->quality >> 8);
        p[34] = w->algo;
        p[35] = w->flags;
        put32(p + 36, w->category);
        r = out_put(o, p, PHX_OWNER);
    }
    return r;
}

phash_status ph_sigset_build_index(const phash_sigset *set, phash_sig_algo algo,
                                   phash_index **out)
{
    *out = NULL;
    const ph_algo_store *st = &set->algo[algo];
    if (st->count == 0 || phash_sig_algo_is_exact(algo))
        return PHASH_OK;
    return ph_index_build_from((unsigned)phash_sig_algo_code_size(algo) * 8, st->codes, st->count,
                               out);
}

/* The index of an algorithm written with release: built from the set's
 * codes, which it frees once copied (the CODES section is out already). */
static phash_status build_index_release(phash_sigset *set, phash_sig_algo algo,
                                        phash_index **out)
{
    ph_algo_store *st = &set->algo[algo];
    if (set->map || st->count == 0 || phash_sig_algo_is_exact(algo))
        return ph_sigset_build_index(set, algo, out); /* a mapped set's codes are its file's */
    phash_status s = ph_index_build_take((unsigned)st->code_size * 8, &st->codes, st->count, out);
    st->cap = 0;
    return s;
}

/* One section's contents into the stream (release: see release_after).
 * PHASH_ERR_IO with errno set when a write fails. */
static phash_status write_section(phash_sigset *set, const section *sec, out_stream *o,
                                  int release)
{
    int r = 0;
    switch (sec->kind) {
    case SEC_LISTS:
        r = write_offsets(set->lists, set->n_lists, o);
        break;
    case SEC_CATEGORIES:
        r = write_offsets(set->cats, set->n_cats, o);
        break;
    case SEC_POOL:
        r = out_put(o, set->pool, set->pool_len);
        break;
    case SEC_CODES:
        r = write_codes(&set->algo[sec->algo], o);
        break;
    case SEC_OWNERS:
        r = write_owners(set, o);
        break;
    case SEC_EOWNERS:
        return ph_eowners_write(set, out_put, o);
    case SEC_LISTINFO:
        r = write_list_info(set, o);
        break;
    case SEC_INDEX: {
        phash_index *idx;
        phash_status st = release ? build_index_release(set, (phash_sig_algo)sec->algo, &idx)
                                  : ph_sigset_build_index(set, (phash_sig_algo)sec->algo, &idx);
        if (st == PHASH_OK)
            st = ph_index_write(idx, out_put, o);
        phash_index_free(idx);
        return st;
    }
    case SEC_DIGESTS:
        return ph_digest_table_write(&set->algo[sec->algo], out_put, o);
    case SEC_SIZES:
        return ph_sizes_write(set, out_put, o);
    }
    return r ? PHASH_ERR_IO : PHASH_OK;
}

/* Header and table over the zeros at the start of the file. */
static int write_header(out_stream *o, const section *sec, size_t n, uint32_t version)
{
    uint8_t head[PHX_HEADER + PHX_ENTRY * PHX_MAX_SECTIONS] = {0};
    memcpy(head, PHX_MAGIC, 8);
    put32(head + 8, version);
    put32(head + 12, (uint32_t)n);
    put64(head + 16, o->pos);
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = head + PHX_HEADER + PHX_ENTRY * i;
        put32(e, sec[i].kind);
        put32(e + 4, sec[i].algo);
        put64(e + 8, sec[i].offset);
        put64(e + 16, sec[i].size);
        put32(e + 24, sec[i].crc);
    }
    size_t len = PHX_HEADER + PHX_ENTRY * n;
    put32(head + 24, crc32_update(0, head, len));
    if (out_flush(o))
        return -1;
    return ph_atomic_pwrite(&o->f, head, len, 0);
}

/* PHASH_SIGSET_SAVE_RELEASE: free what no later section needs once a
 * section is out (heap sets only: a mapped set's arrays are its file's).
 * The set is inconsistent from then on; phash_sigset_save_flags empties it
 * before returning. */
static void release_after(phash_sigset *set, const section *sec)
{
    if (set->map)
        return;
    switch (sec->kind) {
    case SEC_POOL: /* the owners, lists and categories keep offsets only */
        ph_free(set->pool);
        set->pool = NULL;
        set->pool_cap = 0;
        break;
    case SEC_OWNERS:
    case SEC_EOWNERS:
        ph_free(set->owners);
        set->owners = NULL;
        ph_free(set->owner_table.slots);
        set->owner_table = (ph_table){0};
        for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
            ph_algo_store *st = &set->algo[a];
            ph_free(st->owner_start);
            ph_free(st->owner_order);
            ph_free(st->first);
            st->owner_start = st->owner_order = st->first = NULL;
            st->first_cap = 0;
            if (!phash_sig_algo_is_exact((phash_sig_algo)a)) { /* digests keep theirs */
                ph_free(st->table.slots);
                st->table = (ph_table){0};
            }
        }
        break;
    case SEC_INDEX:
    case SEC_DIGESTS: {
        ph_algo_store *st = &set->algo[sec->algo];
        ph_free(st->codes);
        st->codes = NULL;
        ph_free(st->table.slots);
        st->table = (ph_table){0};
        break;
    }
    }
}

/* Every section, in the order the table lists them; with release, the
 * set's memory is freed on the way (release_after). */
static phash_status write_set(phash_sigset *set, out_stream *o, int release, int endpoint)
{
    section sec[6 + 3 * PHASH_SIG_ALGO_MAX];
    size_t n = 0;
    sec[n++] = (section){.kind = SEC_LISTS};
    sec[n++] = (section){.kind = SEC_POOL};
    if (set->n_cats)
        sec[n++] = (section){.kind = SEC_CATEGORIES};
    for (uint32_t a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        sec[n++] = (section){.kind = SEC_CODES, .algo = a};
    sec[n++] = (section){.kind = endpoint ? SEC_EOWNERS : SEC_OWNERS};
    sec[n++] = (section){.kind = SEC_LISTINFO};
    sec[n++] = (section){.kind = SEC_SIZES};
    for (uint32_t a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        if (set->algo[a].count && !phash_sig_algo_is_exact((phash_sig_algo)a) && !endpoint)
            sec[n++] = (section){.kind = SEC_INDEX, .algo = a};
    for (uint32_t a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        if (set->algo[a].count && phash_sig_algo_is_exact((phash_sig_algo)a))
            sec[n++] = (section){.kind = SEC_DIGESTS, .algo = a};
    static const uint8_t zero[PHX_HEADER + PHX_ENTRY * (6 + 3 * PHASH_SIG_ALGO_MAX)];
    if (out_raw(o, zero, PHX_HEADER + PHX_ENTRY * n) || out_pad(o))
        return PHASH_ERR_IO;
    for (size_t i = 0; i < n; i++) {
        sec[i].offset = o->pos;
        o->crc = 0;
        phash_status st = write_section(set, &sec[i], o, release);
        if (st != PHASH_OK)
            return st;
        sec[i].size = o->pos - sec[i].offset;
        sec[i].crc = o->crc;
        if (release)
            release_after(set, &sec[i]);
        if (out_pad(o))
            return PHASH_ERR_IO;
    }
    return write_header(o, sec, n, endpoint ? PHX_VERSION_ENDPOINT : PHX_VERSION) ? PHASH_ERR_IO
                                                                                   : PHASH_OK;
}

static phash_status save_set(phash_sigset *set, const char *path, unsigned flags);

/* Empty a set, keeping its options and last error: its contents go to a
 * new set's, which is freed. A set that cannot be made (out of memory) is
 * left as it is. */
static void empty_set(phash_sigset *set)
{
    phash_sigset *fresh;
    if (phash_sigset_new(&fresh) != PHASH_OK)
        return;
    phash_sigset old = *set;
    *set = *fresh;
    set->strict = old.strict;
    set->format = old.format;
    set->default_algo = old.default_algo;
    set->min_quality = old.min_quality;
    set->keep_flagged = old.keep_flagged;
    set->u64_form = old.u64_form;
    set->allowlist = old.allowlist;
    set->max_line = old.max_line;
    set->err = old.err;
    set->last_errno = old.last_errno;
    *fresh = old;
    phash_sigset_free(fresh);
}

phash_status phash_sigset_save(phash_sigset *set, const char *path)
{
    return phash_sigset_save_flags(set, path, 0);
}

phash_status phash_sigset_save_flags(phash_sigset *set, const char *path, unsigned flags)
{
    if (!set || !path || (flags & ~(PHASH_SIGSET_SAVE_RELEASE | PHASH_SIGSET_SAVE_ENDPOINT)))
        return PHASH_ERR_INVALID_ARG;
    phash_status st = save_set(set, path, flags);
    if (flags & PHASH_SIGSET_SAVE_RELEASE)
        empty_set(set);
    return st;
}

static phash_status save_set(phash_sigset *set, const char *path, unsigned flags)
{
    ph_error_clear(&set->err);
    set->last_errno = 0;
    if (ph_sigset_finalize(set) != PHASH_OK)
        return ph_error_set(&set->err, PHASH_ERR_NOMEM, "out of memory");
    out_stream *o = ph_malloc(sizeof *o);
    if (!o)
        return ph_error_set(&set->err, PHASH_ERR_NOMEM, "out of memory");
    o->len = 0;
    o->pos = 0;
    phash_status st = ph_atomic_open(&o->f, path, &set->err);
    if (st == PHASH_OK) {
        st = write_set(set, o, (flags & PHASH_SIGSET_SAVE_RELEASE) != 0,
                       (flags & PHASH_SIGSET_SAVE_ENDPOINT) != 0);
        if (st == PHASH_OK)
            st = ph_atomic_commit(&o->f, &set->err);
        else {
            int e = errno;
            ph_atomic_abort(&o->f);
            if (st == PHASH_ERR_IO)
                ph_error_set(&set->err, st, "%s: cannot write: %s", path, strerror(e));
            else
                ph_error_set(&set->err, st, "%s: cannot build the index (%s)", path,
                             phash_strerror(st));
            errno = e;
        }
    }
    if (st == PHASH_ERR_IO)
        set->last_errno = errno;
    ph_free(o);
    return st;
}

/* ---- reading ---- */

static phash_status bad(const char **detail, const char *what)
{
    if (detail)
        *detail = what;
    return PHASH_ERR_BAD_FILE;
}

typedef struct found {
    const uint8_t *p;
    uint64_t size;
    uint32_t kind; /* owners: SEC_OWNERS or SEC_EOWNERS (the endpoint layout) */
} found;

/* Check the header, the table and every section checksum; collect the
 * sections this version knows. */
static phash_status check_layout(const uint8_t *buf, size_t size, found *lists, found *pool,
                                 found codes[], found *owners, found index[], found *cats,
                                 found digests[], found *sizes, const char **detail)
{
    if (size < PHX_HEADER || memcmp(buf, PHX_MAGIC, 8))
        return bad(detail, "not a phash compiled signature set (bad magic)");
    uint32_t version = get32(buf + 8);
    if (version > PHX_VERSION_ENDPOINT) {
        if (detail)
            *detail = "compiled set written by a newer phash (format version too new)";
        return PHASH_ERR_VERSION;
    }
    if (version != PHX_VERSION && version != PHX_VERSION_ENDPOINT)
        return bad(detail, "unknown compiled set format version");
    uint32_t n = get32(buf + 12);
    if (n > PHX_MAX_SECTIONS || PHX_HEADER + PHX_ENTRY * (size_t)n > size)
        return bad(detail, "compiled set truncated or with a bad section count");
    if (get64(buf + 16) != size)
        return bad(detail, "compiled set size differs from its header (truncated?)");
    uint8_t head[PHX_HEADER + PHX_ENTRY * PHX_MAX_SECTIONS];
    memcpy(head, buf, PHX_HEADER + PHX_ENTRY * (size_t)n);
    put32(head + 24, 0);
    if (crc32_update(0, head, PHX_HEADER + PHX_ENTRY * (size_t)n) != get32(buf + 24))
        return bad(detail, "compiled set header checksum mismatch");
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = buf + PHX_HEADER + PHX_ENTRY * i;
        uint32_t kind = get32(e), algo = get32(e + 4);
        uint64_t off = get64(e + 8), len = get64(e + 16);
        if (off > size || len > size - off)
            return bad(detail, "compiled set section out of bounds");
        if (crc32_update(0, buf + off, (size_t)len) != get32(e + 24))
            return bad(detail, "compiled set section checksum mismatch");
        found f = {buf + off, len, kind};
        if (kind == SEC_LISTS)
            *lists = f;
        else if (kind == SEC_POOL)
            *pool = f;
        else if (kind == (version == PHX_VERSION ? SEC_OWNERS : SEC_EOWNERS))
            *owners = f;
        else if (kind == SEC_CATEGORIES)
            *cats = f;
        else if (kind == SEC_CODES && algo >= 1 && algo <= PHASH_SIG_ALGO_MAX)
            codes[algo] = f;
        else if (kind == SEC_INDEX && algo >= 1 && algo <= PHASH_SIG_ALGO_MAX)
            index[algo] = f;
        else if (kind == SEC_DIGESTS && algo >= 1 && algo <= PHASH_SIG_ALGO_MAX &&
                 phash_sig_algo_is_exact((phash_sig_algo)algo))
            digests[algo] = f;
        else if (kind == SEC_SIZES)
            *sizes = f;
    }
    if (!lists->p || !pool->p || !owners->p)
        return bad(detail, "compiled set lacks a required section");
    return PHASH_OK;
}

/* Count at the start of a section whose items are elem bytes each; -1 when
 * the size does not match. */
static int counted(const found *f, size_t elem, uint64_t *count)
{
    if (f->size < 8)
        return -1;
    *count = get64(f->p);
    if (*count > (f->size - 8) / elem || 8 + *count * elem != f->size || *count >= UINT32_MAX)
        return -1;
    return 0;
}

/* The set's arrays are the file's sections, used in place: that needs the
 * in-memory ph_owner to be the 40-byte owner record and size_t to be the
 * u64 of the lists, both little-endian. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    SIZE_MAX == UINT64_MAX
#define PHX_IN_PLACE 1
_Static_assert(sizeof(ph_owner) == PHX_OWNER && offsetof(ph_owner, list) == 4 &&
                   offsetof(ph_owner, id) == 8 && offsetof(ph_owner, meta) == 16 &&
                   offsetof(ph_owner, line) == 24 && offsetof(ph_owner, quality) == 32 &&
                   offsetof(ph_owner, algo) == 34 && offsetof(ph_owner, flags) == 35 &&
                   offsetof(ph_owner, category) == 36,
               "ph_owner must be the compiled set's owner record");
#endif

/* Check the counts and every cross-reference of the mapped sections, then
 * point the set at them. */
static phash_status fill_set(phash_sigset *set, found *lists, found *pool, found codes[],
                             found *owners, const found *cats, const char **detail)
{
    uint64_t n_lists, n_owners = 0, n_cats = 0;
    int endpoint = owners->kind == SEC_EOWNERS; /* its owners are checked by eowners.c */
    if (counted(lists, 8, &n_lists) || (!endpoint && counted(owners, PHX_OWNER, &n_owners)) ||
        (cats->p && counted(cats, 8, &n_cats)))
        return bad(detail, "compiled set section size does not match its count");
    if (pool->size < 1 || pool->p[0] != '\0' || pool->p[pool->size - 1] != '\0')
        return bad(detail, "compiled set string pool is not terminated");
    uint64_t count[PHASH_SIG_ALGO_MAX + 1] = {0};
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        if (codes[a].p && counted(&codes[a], set->algo[a].code_size, &count[a]))
            return bad(detail, "compiled set section size does not match its count");
    const size_t *l = (const size_t *)(lists->p + 8);
    for (size_t i = 0; i < n_lists; i++)
        if (l[i] >= pool->size)
            return bad(detail, "compiled set list name outside the string pool");
    const size_t *c = cats->p ? (const size_t *)(cats->p + 8) : NULL;
    for (size_t i = 0; i < n_cats; i++)
        if (c[i] >= pool->size)
            return bad(detail, "compiled set category outside the string pool");
    const ph_owner *o = endpoint ? NULL : (const ph_owner *)(owners->p + 8);
    for (size_t i = 0; i < n_owners; i++)
        if (o[i].algo < 1 || o[i].algo > PHASH_SIG_ALGO_MAX || o[i].entry >= count[o[i].algo] ||
            o[i].list >= n_lists || o[i].id >= pool->size || o[i].meta >= pool->size ||
            o[i].category > n_cats)
            return bad(detail, "compiled set owner refers outside the set");
    /* The set comes from phash_sigset_new(): replace its empty arrays. */
    ph_free(set->pool);
    ph_free(set->lists);
    ph_free(set->owners);
    ph_free(set->cats);
    set->cats = (size_t *)c;
    set->n_cats = (size_t)n_cats;
    set->cats_cap = 0;
    set->pool = (char *)pool->p;
    set->pool_len = (size_t)pool->size;
    set->lists = (size_t *)l;
    set->n_lists = (size_t)n_lists;
    set->owners = (ph_owner *)o;
    set->n_owners = (size_t)n_owners;
    set->pool_cap = set->lists_cap = set->owners_cap = 0;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        ph_algo_store *st = &set->algo[a];
        ph_free(st->codes);
        st->codes = count[a] ? (void *)(codes[a].p + 8) : NULL;
        st->count = (size_t)count[a];
        st->cap = 0;
    }
    if (endpoint) { /* grouped already: nothing is built */
        const char *why;
        if (ph_eowners_attach(set, owners->p, owners->size, &why))
            return why ? bad(detail, why) : PHASH_ERR_NOMEM;
        set->finalized = 1;
        return PHASH_OK;
    }
    set->finalized = 0;
    return ph_sigset_finalize(set);
}

/* Map the whole file read-only through the platform layer, which refuses
 * special files before opening them in a way that could block (a FIFO). */
static phash_status map_file(const char *path, unsigned flags, ph_map **m, const char **detail)
{
    int err = ph_map_open(path, flags & PHASH_SIGSET_OPEN_MAP ? PH_MAP_SHARED : 0, m, NULL);
    if (err == EISDIR || err == ENODEV) {
        *detail = "the compiled set path is not a regular file";
        return PHASH_ERR_NOT_REGULAR;
    }
    if (err == ENOMEM || err == EFBIG) {
        *detail = err == EFBIG ? "compiled set too large for this system" : "out of memory";
        return PHASH_ERR_NOMEM;
    }
    if (err) {
        *detail = "cannot read the compiled set file";
        return PHASH_ERR_IO;
    }
    if (ph_map_size(*m) < PHX_HEADER) {
        ph_map_close(*m);
        *m = NULL;
        *detail = "not a phash compiled signature set (too short)";
        return PHASH_ERR_BAD_FILE;
    }
    return PHASH_OK;
}

static int in_mapping(const phash_sigset *set, const void *p)
{
    const uint8_t *m = set->map, *q = p;
    return q && (uintptr_t)q >= (uintptr_t)m && (uintptr_t)q < (uintptr_t)m + set->map_len;
}

/* Clear *p if it points into the set's mapping (a set whose fill failed
 * half-way still holds heap arrays, which phash_sigset_free frees). */
static void forget_mapped(const phash_sigset *set, void **p)
{
    if (in_mapping(set, *p))
        *p = NULL;
}

void ph_sigset_unmap(phash_sigset *set)
{
    if (!set->map)
        return;
    forget_mapped(set, (void **)&set->pool);
    forget_mapped(set, (void **)&set->lists);
    forget_mapped(set, (void **)&set->owners);
    forget_mapped(set, (void **)&set->cats);
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        forget_mapped(set, &set->algo[a].codes);
        set->algo[a].dt_dir = set->algo[a].dt_order = NULL; /* in the mapping */
    }
    forget_mapped(set, (void **)&set->sizes);
    ph_free(set->eo); /* points into the mapping */
    set->eo = NULL;
    ph_map_close(set->mapping);
    set->mapping = NULL;
    set->map = NULL;
}

/* A heap copy of n bytes (at least one allocated); NULL when out of memory. */
static void *heap_copy(const void *p, size_t n)
{
    void *q = ph_malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

phash_status ph_sigset_own(phash_sigset *set)
{
    if (!set->map)
        return PHASH_OK;
    /* The endpoint layout's owners are decoded to the heap first. */
    if (ph_eowners_expand(set) != PHASH_OK)
        return PHASH_ERR_NOMEM;
    void *pool = heap_copy(set->pool, set->pool_len);
    void *lists = heap_copy(set->lists, set->n_lists * sizeof *set->lists);
    int owners_mapped = set->owners == NULL || in_mapping(set, set->owners);
    void *owners = owners_mapped ? heap_copy(set->owners, set->n_owners * sizeof *set->owners)
                                 : set->owners;
    void *cats = heap_copy(set->cats, set->n_cats * sizeof *set->cats);
    void *codes[PHASH_SIG_ALGO_MAX + 1] = {0};
    int ok = pool && lists && owners && cats;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        ok = ok && (codes[a] = heap_copy(set->algo[a].codes,
                                         set->algo[a].count * set->algo[a].code_size)) != NULL;
    if (ok && ph_sizes_own(set) != PHASH_OK)
        ok = 0;
    if (!ok) {
        ph_free(pool), ph_free(lists), ph_free(cats);
        if (owners_mapped)
            ph_free(owners);
        for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
            ph_free(codes[a]);
        return PHASH_ERR_NOMEM;
    }
    ph_sigset_unmap(set);
    set->pool = pool;
    set->pool_cap = set->pool_len ? set->pool_len : 1;
    set->lists = lists;
    set->lists_cap = set->n_lists;
    set->owners = owners;
    set->owners_cap = set->n_owners;
    set->cats = cats;
    set->cats_cap = set->n_cats;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        set->algo[a].codes = codes[a];
        set->algo[a].cap = set->algo[a].count;
    }
    return PHASH_OK;
}

/* The provenance of the lists from the optional LISTINFO section (the
 * table's checksums were verified by check_layout); without it, or with a
 * count that is not the set's, every list stays "unknown". */
static void read_list_info(phash_sigset *set, const uint8_t *buf)
{
    ph_free(set->prov);
    set->prov = ph_calloc(set->n_lists + 1, sizeof *set->prov); /* NULL: all unknown */
    set->prov_cap = set->prov ? set->n_lists + 1 : 0;
    uint32_t n = get32(buf + 12);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = buf + PHX_HEADER + PHX_ENTRY * i;
        found f = {buf + get64(e + 8), get64(e + 16), SEC_LISTINFO};
        uint64_t count;
        if (get32(e) != SEC_LISTINFO || counted(&f, PHX_LISTINFO, &count) ||
            count != set->n_lists || !set->prov)
            continue;
        for (size_t k = 0; k < set->n_lists; k++) {
            const uint8_t *rec = f.p + 8 + PHX_LISTINFO * k;
            ph_list_prov *p = &set->prov[k];
            p->size = get64(rec);
            p->loaded = (int64_t)get64(rec + 8);
            memcpy(p->sha256, rec + 16, 32);
            p->known = (get64(rec + 48) & 1u) != 0;
        }
    }
}

/* The sorted digest tables (sets written before them have none: the
 * matcher then builds a hash table). */
static phash_status attach_digests(phash_sigset *set, const found digests[], const found *sizes,
                                   const char **detail)
{
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        if (digests[a].p && set->algo[a].count &&
            ph_digest_table_attach(&set->algo[a], digests[a].p, digests[a].size))
            return bad(detail, "compiled set digest table does not match its codes");
        /* Without a SIZES section the digests' sizes are unknown. */
        if (!sizes->p && set->algo[a].count && phash_sig_algo_is_exact((phash_sig_algo)a))
            set->unsized = 1;
    }
    if (sizes->p && ph_sizes_attach(set, sizes->p, sizes->size))
        return bad(detail, "compiled set size table is malformed");
    return PHASH_OK;
}

/* Open the embedded index of each algorithm that has entries; its count
 * must be the set's. */
static phash_status open_indexes(const phash_sigset *set, const found index[], int endpoint,
                                 phash_index *idx[], const char **detail)
{
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        idx[a] = NULL;
        if ((!index[a].p && set->algo[a].count == 0) || phash_sig_algo_is_exact((phash_sig_algo)a))
            continue;
        if (!index[a].p && endpoint) { /* the endpoint layout: a scan over its CODES section */
            phash_status st = ph_index_over_codes(
                8 * (unsigned)phash_sig_algo_code_size((phash_sig_algo)a), set->algo[a].codes,
                set->algo[a].count, &idx[a]);
            if (st != PHASH_OK)
                return st == PHASH_ERR_NOMEM ? st : bad(detail, "compiled set codes misaligned");
            continue;
        }
        if (!index[a].p)
            return bad(detail, "compiled set lacks the index of an algorithm it holds");
        const char *why = NULL;
        /* The section's CRC was checked already: skip the index's own body
         * checksums (its header and structure checks always run). */
        phash_status st = phash_index_open_memory(index[a].p, (size_t)index[a].size,
                                                  PHASH_INDEX_OPEN_TRUST, &idx[a], &why);
        if (st != PHASH_OK) {
            idx[a] = NULL;
            if (st == PHASH_ERR_VERSION) { /* e.g. written before index format 2 */
                if (detail)
                    *detail = "compiled set holds an index of another format version: "
                              "compile it again";
                return st;
            }
            if (detail)
                *detail = "compiled set holds a corrupt index";
            return st == PHASH_ERR_NOMEM ? st : PHASH_ERR_BAD_FILE;
        }
        if (phash_index_count(idx[a]) != set->algo[a].count ||
            phash_index_bits(idx[a]) != 8 * phash_sig_algo_code_size((phash_sig_algo)a))
            return bad(detail, "compiled set index does not match its codes");
    }
    return PHASH_OK;
}

phash_status ph_compiled_open(const char *path, unsigned flags, phash_sigset **out,
                              phash_index *idx[PHASH_SIG_ALGO_MAX + 1], const char **detail)
{
    const char *dummy;
    if (!detail)
        detail = &dummy;
    *detail = NULL;
#ifndef PHX_IN_PLACE
    (void)path, (void)flags, (void)out, (void)idx;
    *detail = "compiled sets are read on 64-bit little-endian hosts only";
    return PHASH_ERR_UNSUPPORTED;
#else
    ph_map *mapping = NULL;
    phash_status st = map_file(path, flags, &mapping, detail);
    if (st != PHASH_OK)
        return st;
    void *map = (void *)ph_map_data(mapping); /* read-only: never written through */
    size_t size = ph_map_size(mapping);
    found lists = {0}, pool = {0}, owners = {0}, cats = {0}, codes[PHASH_SIG_ALGO_MAX + 1] = {{0}},
          index[PHASH_SIG_ALGO_MAX + 1] = {{0}}, digests[PHASH_SIG_ALGO_MAX + 1] = {{0}},
          sizes = {0};
    phash_index *ix[PHASH_SIG_ALGO_MAX + 1] = {0};
    phash_sigset *set = NULL;
    st = check_layout(map, size, &lists, &pool, codes, &owners, index, &cats, digests, &sizes,
                      detail);
    if (st == PHASH_OK)
        st = phash_sigset_new(&set);
    if (st == PHASH_OK) {
        set->map = map; /* the set owns the mapping from now on */
        set->map_len = size;
        set->mapping = mapping;
        mapping = NULL;
        st = fill_set(set, &lists, &pool, codes, &owners, &cats, detail);
    }
    if (st == PHASH_OK)
        st = attach_digests(set, digests, &sizes, detail);
    if (st == PHASH_OK)
        read_list_info(set, (const uint8_t *)set->map); /* the provenance, copied to the heap */
    /* The video matcher reads a heap owner table (vmatch.c): an endpoint
     * set with videos has its owners decoded to the heap. */
    if (st == PHASH_OK && set->algo[PHASH_SIG_VPDQ].count)
        st = ph_eowners_expand(set);
    if (st == PHASH_OK && idx)
        st = open_indexes(set, index, owners.kind == SEC_EOWNERS, ix, detail);
    if (st != PHASH_OK) {
        for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
            phash_index_free(ix[a]);
        if (st == PHASH_ERR_NOMEM)
            *detail = "out of memory";
        phash_sigset_free(set);
        ph_map_close(mapping);
        return st;
    }
    *out = set;
    if (idx)
        for (int a = 0; a <= PHASH_SIG_ALGO_MAX; a++)
            idx[a] = ix[a];
    return PHASH_OK;
#endif
}

phash_status phash_sigset_open_flags(const char *path, unsigned flags, phash_sigset **out,
                                     const char **detail)
{
    if (detail)
        *detail = NULL;
    if (out)
        *out = NULL;
    if (!path || !out || (flags & ~PHASH_SIGSET_OPEN_MAP)) {
        if (detail)
            *detail = "invalid argument";
        return PHASH_ERR_INVALID_ARG;
    }
    return ph_compiled_open(path, flags, out, NULL, detail);
}

phash_status phash_sigset_open(const char *path, phash_sigset **out, const char **detail)
{
    return phash_sigset_open_flags(path, 0, out, detail);
}

int phash_sigset_file_is_compiled(const char *path)
{
    /* The platform layer never opens a FIFO or device for reading. */
    ph_file *f;
    char magic[8];
    size_t n = 0;
    if (!path || ph_file_open(path, &f, NULL) != 0)
        return 0;
    if (ph_file_read(f, magic, sizeof magic, &n) != 0)
        n = 0;
    ph_file_close(f);
    return n == sizeof magic && !memcmp(magic, PHX_MAGIC, sizeof magic);
}
