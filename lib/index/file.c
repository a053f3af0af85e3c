/* SPDX-License-Identifier: MIT */
/* The index file: versioned, checksummed, little-endian, mapped with mmap.
 *
 * Layout (all integers little-endian; every section starts at a multiple
 * of 64 bytes so that the mapped codes are 64-byte aligned):
 *   0   8  magic "PHASHIDX"
 *   8   4  format version (2; version 1 had 8-byte inline codes where 2 has
 *          the 4-byte MIH filters, and is refused as PHASH_ERR_VERSION)
 *   12  4  header size (256)
 *   16  4  code width in bits (64 or 256)
 *   20  4  flags: 1 = MIH tables present, 2 = BK-tree present, 4 = compact
 *          (64-bit MIH tables without filters), 8 = lean (64-bit: the entries
 *          are in the bucket order of MIH table 0, whose entry numbers and
 *          filters are not stored: those sections hold tables 1..m-1; no
 *          BK-tree)
 *   24  8  entry count n (< 2^32 - 1)
 *   32  4  MIH tables m (width / b, or 0)
 *   36  4  MIH substring bits b (8 or 16; 21 for 256-bit: 12 substrings of
 *          21, 21, 22 bits per word, see lib/index/index_internal.h; or 0)
 *   40  8  BK-tree nodes
 *   48  8  BK-tree pivots
 *   56 168 7 sections {offset u64, length u64, checksum u64}:
 *          codes (n * width/8 bytes), ids (n * 8), MIH offsets
 *          (per table 2^width + 1 u32), MIH entry numbers (m * n * e + 1: e = 3
 *          bytes each below 2^24 entries, else 4; one zero pad byte), MIH filters
 *          (64-bit only: m * n * 4), BK nodes (24 bytes each: lo, hi, child,
 *          nchild, key, pivot as u32), BK pivots (width/8 bytes each)
 *   224 24 zero
 *   248 8  checksum of bytes 0..247
 * Checksum: ph_index_checksum below (4 lanes of multiply-rotate over
 * 64-bit little-endian words; not cryptographic: it detects damage, not
 * forgery).
 *
 * The loader never trusts the file: every offset, length and count is
 * checked against the file size and the others before use, the MIH offsets
 * must be monotonic and end at n, the BK-tree must be a tree (each node
 * but the root is the child of exactly one node with a smaller number), so
 * a hostile file gives PHASH_ERR_BAD_FILE, never a crash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "index_file.h"
#include "index_handle.h"

#define HDR_SIZE 256u
#define FORMAT_VERSION 2u
#define NSECT 7
#define FLAG_MIH 1u
#define FLAG_BK 2u
#define FLAG_COMPACT 4u /* 64-bit MIH without filters */
#define FLAG_LEAN 8u    /* 64-bit MIH, table 0 = the entry order */
static const char MAGIC[8] = {'P', 'H', 'A', 'S', 'H', 'I', 'D', 'X'};
enum { S_CODES, S_IDS, S_MIH_OFF, S_MIH_IDX, S_MIH_FILT, S_BK_NODES, S_BK_PIVOTS };

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PH_BIG_ENDIAN 1
#endif

static inline uint64_t rotl(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

uint64_t ph_index_checksum(const void *data, size_t len)
{
    const uint64_t K = 0x9e3779b97f4a7c15ull;
    uint64_t h[4] = {K, K ^ 1, K ^ 2, K ^ 3};
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 32 <= len; i += 32)
        for (unsigned l = 0; l < 4; l++)
            h[l] = rotl(h[l] ^ load64(p + i + 8 * l), 29) * K;
    unsigned char tail[32] = {0};
    memcpy(tail, p + i, len - i);
    for (unsigned l = 0; l < 4; l++)
        h[l] = rotl(h[l] ^ load64(tail + 8 * l), 29) * K;
    uint64_t r = len;
    for (unsigned l = 0; l < 4; l++)
        r = rotl(r ^ h[l], 31) * K;
    return r ^ (r >> 32);
}

/* ---- loading ---------------------------------------------------------- */

typedef struct sect {
    uint64_t off, len, sum;
} sect;

#define BAD(msg)                 \
    do {                         \
        *detail = (msg);         \
        return PHASH_ERR_BAD_FILE; \
    } while (0)

static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Header checks; fills the expected section lengths. */
static phash_status check_header(const unsigned char *p, size_t size, ph_core *c, unsigned *bits,
                                 sect *s, const char **detail)
{
    if (size < sizeof MAGIC || memcmp(p, MAGIC, sizeof MAGIC) != 0)
        BAD("not a phash index file (bad magic)");
    if (size < HDR_SIZE)
        BAD("truncated index file (incomplete header)");
    uint32_t version = rd32(p + 8);
    if (version > FORMAT_VERSION) {
        *detail = "index file from a newer, incompatible format version";
        return PHASH_ERR_VERSION;
    }
    if (version == 0)
        BAD("index file with an invalid format version (0)");
    if (version < FORMAT_VERSION) {
        *detail = "index file from an older format version: rebuild it";
        return PHASH_ERR_VERSION;
    }
    if (ph_index_checksum(p, 248) != load64(p + 248))
        BAD("index file header checksum mismatch");
    if (rd32(p + 12) != HDR_SIZE)
        BAD("index file header size is wrong");
    *bits = rd32(p + 16);
    uint32_t flags = rd32(p + 20);
    uint64_t n = load64(p + 24);
    uint32_t m = rd32(p + 32), mbits = rd32(p + 36);
    uint64_t nodes = load64(p + 40), npiv = load64(p + 48);
    if (*bits != 64 && *bits != 256)
        BAD("index file has an unknown code width");
    if (flags & ~(FLAG_MIH | FLAG_BK | FLAG_COMPACT | FLAG_LEAN))
        BAD("index file has unknown flags");
    if ((flags & FLAG_COMPACT) && (*bits != 64 || !(flags & FLAG_MIH)))
        BAD("index file has the compact flag without 64-bit MIH tables");
    if ((flags & FLAG_LEAN) &&
        (*bits != 64 || !(flags & FLAG_MIH) || (flags & (FLAG_COMPACT | FLAG_BK))))
        BAD("index file has the lean flag without 64-bit MIH tables, or with a BK-tree");
    if (n >= UINT32_MAX)
        BAD("index file entry count out of range");
    unsigned w = *bits / 64;
    if ((flags & FLAG_MIH) ? ((mbits != 8 && mbits != 16 && (mbits != PH_MIH_B_WIDE || w != 4)) ||
                              m != ph_mih_tables(w, mbits))
                           : (m != 0 || mbits != 0))
        BAD("index file MIH parameters are inconsistent");
    if ((flags & FLAG_BK) ? (nodes == 0 || nodes >= UINT32_MAX || npiv >= nodes)
                          : (nodes != 0 || npiv != 0))
        BAD("index file BK-tree parameters are inconsistent");
    for (unsigned i = 224; i < 248; i++)
        if (p[i])
            BAD("index file reserved header bytes are not zero");
    unsigned t0 = (flags & FLAG_LEAN) != 0, mt = m - t0; /* tables with entry numbers */
    uint64_t want[NSECT] = {n * w * 8, n * 8, m ? (uint64_t)ph_sub_off(mbits, m) * 4 : 0,
                            ph_idx_len(mt, (size_t)n),
                            w == 1 && !(flags & FLAG_COMPACT) ? (uint64_t)mt * n * 4 : 0,
                            nodes * sizeof(ph_bknode),
                            npiv * w * 8};
    /* Sections follow each other in order, each padded with zeros to 64
     * bytes, and the file ends with the last one: so every byte of a valid
     * file is covered by a checksum or must be zero. */
    uint64_t end = HDR_SIZE;
    for (unsigned i = 0; i < NSECT; i++) {
        s[i].off = load64(p + 56 + 24 * i);
        s[i].len = load64(p + 64 + 24 * i);
        s[i].sum = load64(p + 72 + 24 * i);
        if (s[i].len != want[i])
            BAD("index file section length does not match the header");
        if (s[i].off != (s[i].len ? end : 0))
            BAD("index file section offset is not where the format puts it");
        end += (s[i].len + 63) & ~(uint64_t)63;
    }
    if (size < end)
        BAD("truncated index file (a section ends past the end of the file)");
    if (size > end)
        BAD("index file has trailing bytes after the last section");
    for (unsigned i = 0; i < NSECT; i++)
        for (uint64_t b = s[i].off + s[i].len; s[i].len && b % 64 != 0; b++)
            if (p[b])
                BAD("index file padding bytes are not zero");
    c->words = w;
    c->n = (size_t)n;
    c->m = m;
    c->mbits = mbits;
    c->mih_t0 = t0;
    c->bk_nodes = (size_t)nodes;
    c->bk_npivots = (size_t)npiv;
    return PHASH_OK;
}

static const char *check_mih(const ph_core *c)
{
    for (unsigned j = 0; j < c->m; j++) {
        const uint32_t *o = c->mih_off + ph_sub_off(c->mbits, j);
        size_t keys = (size_t)1 << ph_sub_width(c->mbits, j);
        if (o[0] != 0 || o[keys] != c->n)
            return "index file MIH table does not cover every entry";
        for (size_t k = 0; k < keys; k++)
            if (o[k + 1] < o[k])
                return "index file MIH offsets are not monotonic";
    }
    return NULL;
}

static const char *check_bktree(const ph_core *c, unsigned char *parents)
{
    unsigned maxd = 64 * c->words;
    for (size_t i = 0; i < c->bk_nodes; i++) {
        const ph_bknode *nd = &c->bk[i];
        if (nd->lo > nd->hi || nd->hi > c->n || nd->key > maxd)
            return "index file BK-tree node out of range";
        if (nd->nchild == 0)
            continue;
        if (nd->pivot >= c->bk_npivots || nd->child <= i || nd->child > c->bk_nodes ||
            nd->nchild > c->bk_nodes - nd->child)
            return "index file BK-tree node links out of range";
        for (size_t k = nd->child; k < nd->child + nd->nchild; k++)
            if (parents[k]++)
                return "index file BK-tree is not a tree";
    }
    for (size_t i = 1; i < c->bk_nodes; i++)
        if (!parents[i])
            return "index file BK-tree has an unreachable node";
    return NULL;
}

phash_status ph_core_from_memory(const void *data, size_t size, unsigned flags, ph_core **out,
                                 const char **detail)
{
    const char *dummy;
    if (!detail)
        detail = &dummy;
    *detail = NULL;
#ifdef PH_BIG_ENDIAN
    *detail = "index files are little-endian; this host is big-endian";
    return PHASH_ERR_UNSUPPORTED;
#endif
    const unsigned char *p = data;
    ph_core *c = ph_calloc(1, sizeof *c);
    if (!c)
        return PHASH_ERR_NOMEM;
    sect s[NSECT];
    unsigned bits = 0;
    phash_status st = check_header(p, size, c, &bits, s, detail);
    if (st != PHASH_OK)
        goto fail;
    st = PHASH_ERR_BAD_FILE;
    if (!(flags & PHASH_INDEX_OPEN_TRUST))
        for (unsigned i = 0; i < NSECT; i++)
            if (ph_index_checksum(p + s[i].off, (size_t)s[i].len) != s[i].sum) {
                static const char *const msg[NSECT] = {
                    "index file checksum mismatch in section codes",
                    "index file checksum mismatch in section ids",
                    "index file checksum mismatch in section MIH offsets",
                    "index file checksum mismatch in section MIH entries",
                    "index file checksum mismatch in section MIH filters",
                    "index file checksum mismatch in section BK-tree nodes",
                    "index file checksum mismatch in section BK-tree pivots"};
                *detail = msg[i];
                goto fail;
            }
    c->codes = (const uint64_t *)(p + s[S_CODES].off);
    c->ids = (const uint64_t *)(p + s[S_IDS].off);
    if (c->m) {
        c->mih_off = (const uint32_t *)(p + s[S_MIH_OFF].off);
        c->mih_idx = p + s[S_MIH_IDX].off;
        c->idx_bytes = ph_idx_bytes(c->n);
        c->mih_filt = s[S_MIH_FILT].len ? (const uint32_t *)(p + s[S_MIH_FILT].off) : NULL;
        if ((*detail = check_mih(c)) != NULL)
            goto fail;
        ph_mih_stats(c);
    }
    if (c->bk_nodes) {
        c->bk = (const ph_bknode *)(p + s[S_BK_NODES].off);
        c->bk_pivots = (const uint64_t *)(p + s[S_BK_PIVOTS].off);
        unsigned char *parents = ph_calloc(c->bk_nodes, 1);
        if (!parents) {
            st = PHASH_ERR_NOMEM;
            goto fail;
        }
        *detail = check_bktree(c, parents);
        ph_free(parents);
        if (*detail)
            goto fail;
    }
    if (c->n == 0) /* empty arrays: point at something valid */
        c->codes = c->ids = (const uint64_t *)p;
    *out = c;
    return PHASH_OK;
fail:
    ph_core_free(c);
    return st;
}

phash_status phash_index_open_memory(const void *data, size_t size, unsigned flags,
                                     phash_index **out, const char **detail)
{
    const char *dummy;
    if (!detail)
        detail = &dummy;
    *detail = NULL;
    if (!data || !out || ((uintptr_t)data & 7) != 0 || (flags & ~PHASH_INDEX_OPEN_TRUST)) {
        *detail = "invalid argument";
        return PHASH_ERR_INVALID_ARG;
    }
    ph_core *c;
    phash_status st = ph_core_from_memory(data, size, flags, &c, detail);
    if (st != PHASH_OK)
        return st;
    if ((st = ph_index_wrap(64 * c->words, c, out)) != PHASH_OK)
        ph_core_free(c);
    return st;
}

phash_status phash_index_open(const char *path, unsigned flags, phash_index **out,
                              const char **detail)
{
    const char *dummy;
    if (!detail)
        detail = &dummy;
    *detail = NULL;
    if (!path || !out || (flags & ~(PHASH_INDEX_OPEN_TRUST | PHASH_INDEX_OPEN_MAP))) {
        *detail = "invalid argument";
        return PHASH_ERR_INVALID_ARG;
    }
    ph_map *m;
    int err = ph_map_open(path, flags & PHASH_INDEX_OPEN_MAP ? PH_MAP_SHARED : 0, &m, NULL);
    if (err) {
        *detail = err == EISDIR || err == ENODEV ? "the index path is not a readable regular file"
                                                : "cannot open or map the index file";
        return PHASH_ERR_IO;
    }
    static const unsigned char empty[1];
    const void *map = ph_map_size(m) ? ph_map_data(m) : empty;
    size_t size = ph_map_size(m);
    ph_core *c = NULL;
    phash_status st = ph_core_from_memory(map, size, flags, &c, detail);
    if (size < HDR_SIZE || st != PHASH_OK) {
        /* Too small for an index: the parser's message still names why. */
        ph_core_free(c);
        ph_map_close(m);
        return st == PHASH_OK ? PHASH_ERR_BAD_FILE : st;
    }
    c->map = m;
    ph_advise_huge((void *)map, size);
    if ((st = ph_index_wrap(64 * c->words, c, out)) != PHASH_OK)
        ph_core_free(c);
    return st;
}

/* ---- saving ----------------------------------------------------------- */

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

/* Header + sections into the sink. */
static int write_index(const ph_core *c, unsigned bits, ph_sink_fn sink, void *ctx)
{
    unsigned w = c->words;
    size_t n = c->n;
    const void *ptr[NSECT] = {c->codes, c->ids, c->mih_off, c->mih_idx, c->mih_filt, c->bk,
                              c->bk_pivots};
    uint64_t len[NSECT] = {n * w * 8, n * 8, c->mih_off ? (uint64_t)ph_sub_off(c->mbits, c->m) * 4 : 0,
                           c->mih_off ? ph_idx_len(c->m - c->mih_t0, n) : 0,
                           c->mih_filt ? (uint64_t)(c->m - c->mih_t0) * n * 4 : 0,
                           c->bk_nodes * sizeof(ph_bknode),
                           c->bk_nodes ? c->bk_npivots * w * 8 : 0};
    unsigned char h[HDR_SIZE] = {0};
    memcpy(h, MAGIC, sizeof MAGIC);
    put32(h + 8, FORMAT_VERSION);
    put32(h + 12, HDR_SIZE);
    put32(h + 16, bits);
    put32(h + 20, (c->mih_off ? FLAG_MIH : 0) | (c->bk_nodes ? FLAG_BK : 0) |
                      (c->mih_off && w == 1 && !c->mih_filt ? FLAG_COMPACT : 0) |
                      (c->mih_off && c->mih_t0 ? FLAG_LEAN : 0));
    put64(h + 24, n);
    put32(h + 32, c->mih_off ? c->m : 0);
    put32(h + 36, c->mih_off ? c->mbits : 0);
    put64(h + 40, c->bk_nodes);
    put64(h + 48, c->bk_nodes ? c->bk_npivots : 0);
    uint64_t off = HDR_SIZE;
    for (unsigned i = 0; i < NSECT; i++) {
        put64(h + 56 + 24 * i, len[i] ? off : 0);
        put64(h + 64 + 24 * i, len[i]);
        put64(h + 72 + 24 * i, ph_index_checksum(ptr[i] ? ptr[i] : h, (size_t)len[i]));
        off += (len[i] + 63) & ~(uint64_t)63;
    }
    put64(h + 248, ph_index_checksum(h, 248));
    if (sink(ctx, h, HDR_SIZE) != 0)
        return -1;
    static const unsigned char zero[64];
    for (unsigned i = 0; i < NSECT; i++) {
        if (len[i] == 0)
            continue;
        if (sink(ctx, ptr[i], (size_t)len[i]) != 0 ||
            sink(ctx, zero, (size_t)(((len[i] + 63) & ~(uint64_t)63) - len[i])) != 0)
            return -1;
    }
    return 0;
}

static int atomic_sink(void *ctx, const void *data, size_t len)
{
    return ph_atomic_write(ctx, data, len);
}

phash_status ph_core_save(const ph_core *c, unsigned bits, const char *path, ph_error *err)
{
#ifdef PH_BIG_ENDIAN
    return ph_error_set(err, PHASH_ERR_UNSUPPORTED, "index files are little-endian only");
#endif
    ph_atomic_file f;
    phash_status st = ph_atomic_open(&f, path, err);
    if (st != PHASH_OK)
        return st;
    if (write_index(c, bits, atomic_sink, &f) != 0) {
        int e = errno;
        ph_atomic_abort(&f);
        return ph_error_set(err, PHASH_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return ph_atomic_commit(&f, err);
}

phash_status phash_index_save(phash_index *ix, const char *path)
{
    if (!ix || !path || !*path)
        return PHASH_ERR_INVALID_ARG;
    ph_mutex_lock(ix->wmutex);
    phash_status st = PHASH_OK;
    if (ph_index_dirty(ix))
        st = ph_index_build_locked(ix);
    if (st == PHASH_OK)
        st = ph_core_save(ix->core, ix->bits, path, &ix->err);
    ph_mutex_unlock(ix->wmutex);
    return st;
}

phash_status ph_index_write(phash_index *ix, ph_sink_fn sink, void *ctx)
{
    ph_mutex_lock(ix->wmutex);
    phash_status st = PHASH_OK;
    if (ph_index_dirty(ix))
        st = ph_index_build_locked(ix);
    if (st == PHASH_OK && write_index(ix->core, ix->bits, sink, ctx) != 0)
        st = ph_error_set(&ix->err, PHASH_ERR_IO, "cannot write the index: %s", strerror(errno));
    ph_mutex_unlock(ix->wmutex);
    return st;
}
