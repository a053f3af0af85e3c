/* SPDX-License-Identifier: MIT */
/* The ISOBMFF box reader of HEIF/AVIF still images (isobmff.h).
 *
 * Why hand-written: libheif 1.15 (Debian 12) applies irot/imir/clap itself
 * and has no API telling which it applied (heif_item_get_transformation_
 * properties came with libheif 1.16), nor one giving a grid's tiles before
 * it decodes them; libavif 0.11 gives neither for grids. Only the few boxes
 * needed are read, with every size checked, and the reader is fuzzed
 * (tests/fuzz/fuzz_isobmff.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "isobmff.h"

/* A bounded cursor over one box's payload. */
typedef struct cur {
    const uint8_t *p;
    size_t n, at;
    int short_read;
} cur;

typedef struct box {
    uint32_t type;
    const uint8_t *body; /* payload after the header */
    size_t len;
} box;

typedef struct reader {
    const uint8_t *data;
    size_t len;
    char *why;
    size_t why_len;
    box pitm, iinf, iref, ipco, iloc, idat;
    box ipma[4];
    unsigned n_ipma;
    uint32_t *props;    /* ipco child i+1 at ipco.body + props[i] */
    uint32_t n_props;
    uint32_t *tiles;    /* dimg references of the primary item, sorted */
    uint32_t n_tiles;
    uint32_t tiles_seen; /* references whose tile had an ispe */
} reader;

static phash_status fail(reader *r, phash_status st, const char *fmt, ...)
    PH_PRINTF(3, 4);
static phash_status fail(reader *r, phash_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (r->why_len)
        vsnprintf(r->why, r->why_len, fmt, ap);
    va_end(ap);
    return st;
}

static uint64_t rd(cur *c, unsigned bytes)
{
    if (c->n - c->at < bytes) {
        c->short_read = 1;
        c->at = c->n;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = v << 8 | c->p[c->at + i];
    c->at += bytes;
    return v;
}

static cur cur_of(const box *b, size_t skip)
{
    cur c = {b->body, b->len, skip <= b->len ? skip : b->len, skip > b->len};
    return c;
}

static char *fourcc(uint32_t t, char s[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)(t >> (24 - 8 * i));
        s[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    s[4] = '\0';
    return s;
}

/* The box at *pos of [p, p + len): its size checked against what is left
 * of the parent. 1: a box, 0: the end, -1: an error (set in *st). */
static int next_box(reader *r, const uint8_t *p, size_t len, size_t *pos, box *b,
                    phash_status *st, phash_status overflow)
{
    if (*pos >= len)
        return 0;
    cur c = {p, len, *pos, 0};
    uint64_t size = rd(&c, 4);
    b->type = (uint32_t)rd(&c, 4);
    if (size == 1)
        size = rd(&c, 8);
    else if (size == 0)
        size = len - *pos; /* to the end of the parent */
    char t[5];
    if (c.short_read) {
        *st = fail(r, overflow, "box header cut at byte %zu", *pos);
        return -1;
    }
    size_t head = c.at - *pos;
    if (size < head) {
        *st = fail(r, PHASH_ERR_CORRUPT, "'%s' box of %llu bytes is shorter than its header",
                   fourcc(b->type, t), (unsigned long long)size);
        return -1;
    }
    if (size > len - *pos) {
        *st = fail(r, overflow, "'%s' box of %llu bytes goes past its parent (%zu bytes left)",
                   fourcc(b->type, t), (unsigned long long)size, len - *pos);
        return -1;
    }
    b->body = p + c.at;
    b->len = (size_t)size - head;
    *pos += (size_t)size;
    return 1;
}

/* The children of a box, one at a time, at most PH_BMFF_MAX_BOXES. */
typedef struct kids {
    const uint8_t *p;
    size_t len, pos;
    const char *in; /* the parent, for the detail */
    unsigned n;
} kids;

/* 1: the next child in *b, 0: no more, -1: an error (in *st). */
static int next_kid(reader *r, kids *k, box *b, phash_status *st)
{
    if (k->n++ >= PH_BMFF_MAX_BOXES) {
        *st = fail(r, PHASH_ERR_TOO_LARGE, "more than %u boxes in '%s'", PH_BMFF_MAX_BOXES, k->in);
        return -1;
    }
    return next_box(r, k->p, k->len, &k->pos, b, st, PHASH_ERR_CORRUPT);
}

/* ---- meta and its children ---------------------------------------------- */

static phash_status find_meta(reader *r, box *meta)
{
    size_t pos = 0;
    box b;
    phash_status st = PHASH_OK;
    for (unsigned n = 0;; n++) {
        if (n >= PH_BMFF_MAX_BOXES)
            return fail(r, PHASH_ERR_TOO_LARGE, "more than %u top-level boxes", PH_BMFF_MAX_BOXES);
        int k = next_box(r, r->data, r->len, &pos, &b, &st, PHASH_ERR_TRUNCATED);
        if (k < 0)
            return st;
        if (k == 0 && n == 0)
            return fail(r, PHASH_ERR_TRUNCATED, "no box");
        if (k == 0)
            return PHASH_OK; /* no meta: an image sequence (tracks only) */
        if (n == 0 && b.type != PH_FOURCC('f', 't', 'y', 'p'))
            return fail(r, PHASH_ERR_CORRUPT, "the first box is not 'ftyp'");
        if (b.type == PH_FOURCC('m', 'e', 't', 'a')) {
            *meta = b;
            return PHASH_OK;
        }
    }
}

/* Keep the first of each child of meta that is read (and up to 4 ipma). */
static phash_status meta_children(reader *r, const box *meta)
{
    if (meta->len < 4)
        return fail(r, PHASH_ERR_CORRUPT, "'meta' box without its version");
    box b, iprp = {0};
    phash_status st = PHASH_OK;
    kids k = {meta->body, meta->len, 4, "meta", 0};
    int got;
    while ((got = next_kid(r, &k, &b, &st)) > 0) {
        box *slot = b.type == PH_FOURCC('p', 'i', 't', 'm')   ? &r->pitm
                    : b.type == PH_FOURCC('i', 'i', 'n', 'f') ? &r->iinf
                    : b.type == PH_FOURCC('i', 'r', 'e', 'f') ? &r->iref
                    : b.type == PH_FOURCC('i', 'l', 'o', 'c') ? &r->iloc
                    : b.type == PH_FOURCC('i', 'd', 'a', 't') ? &r->idat
                    : b.type == PH_FOURCC('i', 'p', 'r', 'p') ? &iprp
                                                              : NULL;
        if (slot && !slot->body)
            *slot = b;
    }
    if (got < 0)
        return st;
    if (!r->pitm.body || !r->iinf.body || !iprp.body)
        return fail(r, PHASH_ERR_CORRUPT, "'meta' lacks %s",
                    !r->pitm.body ? "'pitm'" : !r->iinf.body ? "'iinf'" : "'iprp'");
    k = (kids){iprp.body, iprp.len, 0, "iprp", 0};
    while ((got = next_kid(r, &k, &b, &st)) > 0) {
        if (b.type == PH_FOURCC('i', 'p', 'c', 'o') && !r->ipco.body)
            r->ipco = b;
        else if (b.type == PH_FOURCC('i', 'p', 'm', 'a') && r->n_ipma < 4)
            r->ipma[r->n_ipma++] = b;
    }
    if (got < 0)
        return st;
    if (!r->ipco.body || !r->n_ipma)
        return fail(r, PHASH_ERR_CORRUPT, "'iprp' lacks %s", !r->ipco.body ? "'ipco'" : "'ipma'");
    return PHASH_OK;
}

static phash_status read_pitm(reader *r, ph_bmff_image *out)
{
    cur c = cur_of(&r->pitm, 0);
    unsigned version = (unsigned)rd(&c, 1);
    rd(&c, 3);
    out->primary_id = (uint32_t)rd(&c, version == 0 ? 2 : 4);
    if (c.short_read)
        return fail(r, PHASH_ERR_CORRUPT, "'pitm' box too short");
    return PHASH_OK;
}

/* The primary item's infe: its item_type ('hvc1', 'av01', 'grid'). */
static phash_status read_iinf(reader *r, ph_bmff_image *out)
{
    cur c = cur_of(&r->iinf, 0);
    unsigned version = (unsigned)rd(&c, 1);
    rd(&c, 3);
    rd(&c, version == 0 ? 2 : 4); /* entry_count: the boxes below are what counts */
    if (c.short_read)
        return fail(r, PHASH_ERR_CORRUPT, "'iinf' box too short");
    box b;
    phash_status st = PHASH_OK;
    kids k = {r->iinf.body, r->iinf.len, c.at, "iinf", 0};
    for (;;) {
        int got = next_kid(r, &k, &b, &st);
        if (got < 0)
            return st;
        if (got == 0)
            return fail(r, PHASH_ERR_CORRUPT, "no item entry for the primary item %u",
                        out->primary_id);
        if (b.type != PH_FOURCC('i', 'n', 'f', 'e'))
            continue;
        cur e = cur_of(&b, 0);
        unsigned v = (unsigned)rd(&e, 1);
        rd(&e, 3);
        if (v < 2)
            continue; /* item entries without an item_type: not images */
        uint32_t id = (uint32_t)rd(&e, v == 2 ? 2 : 4);
        rd(&e, 2); /* item_protection_index */
        uint32_t type = (uint32_t)rd(&e, 4);
        if (e.short_read)
            return fail(r, PHASH_ERR_CORRUPT, "'infe' box too short");
        if (id == out->primary_id) {
            out->item_type = type;
            return PHASH_OK;
        }
    }
}

/* Offsets of the ipco children, so that ipma's indices resolve at once. */
static phash_status index_properties(reader *r)
{
    size_t pos = 0;
    box b;
    phash_status st = PHASH_OK;
    uint32_t n = 0;
    for (;;) { /* count, then allocate exactly that */
        int k = next_box(r, r->ipco.body, r->ipco.len, &pos, &b, &st, PHASH_ERR_CORRUPT);
        if (k < 0)
            return st;
        if (k == 0)
            break;
        if (++n > PH_BMFF_MAX_PROPS)
            return fail(r, PHASH_ERR_TOO_LARGE, "more than %u item properties",
                        PH_BMFF_MAX_PROPS);
    }
    if (r->ipco.len > UINT32_MAX)
        return fail(r, PHASH_ERR_TOO_LARGE, "'ipco' box over 4 GiB");
    r->props = ph_malloc((n ? n : 1) * sizeof *r->props);
    if (!r->props)
        return fail(r, PHASH_ERR_NOMEM, "cannot allocate the property table");
    pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        r->props[i] = (uint32_t)pos;
        next_box(r, r->ipco.body, r->ipco.len, &pos, &b, &st, PHASH_ERR_CORRUPT);
    }
    r->n_props = n;
    return PHASH_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The primary item's 'dimg' references (a grid's tiles, in order; kept
 * sorted, as only their count and sizes matter here). */
static phash_status read_tiles(reader *r, const ph_bmff_image *out)
{
    if (!r->iref.body)
        return fail(r, PHASH_ERR_CORRUPT, "derived image without an 'iref' box");
    cur c = cur_of(&r->iref, 0);
    unsigned version = (unsigned)rd(&c, 1);
    rd(&c, 3);
    unsigned idb = version == 0 ? 2 : 4;
    if (c.short_read)
        return fail(r, PHASH_ERR_CORRUPT, "'iref' box too short");
    box b;
    phash_status st = PHASH_OK;
    kids k = {r->iref.body, r->iref.len, c.at, "iref", 0};
    for (;;) {
        int got = next_kid(r, &k, &b, &st);
        if (got < 0)
            return st;
        if (got == 0)
            return fail(r, PHASH_ERR_CORRUPT, "derived image without inputs ('dimg' references)");
        cur e = cur_of(&b, 0);
        uint32_t from = (uint32_t)rd(&e, idb);
        uint32_t count = (uint32_t)rd(&e, 2);
        if (e.short_read)
            return fail(r, PHASH_ERR_CORRUPT, "item reference box too short");
        if (b.type != PH_FOURCC('d', 'i', 'm', 'g') || from != out->primary_id)
            continue;
        if (count > PH_BMFF_MAX_TILES)
            return fail(r, PHASH_ERR_TOO_LARGE, "grid of %u tiles: over %u", count,
                        PH_BMFF_MAX_TILES);
        if ((uint64_t)count * idb > e.n - e.at)
            return fail(r, PHASH_ERR_CORRUPT, "%u tile references in %zu bytes", count,
                        e.n - e.at);
        r->tiles = ph_malloc((count ? count : 1) * sizeof *r->tiles);
        if (!r->tiles)
            return fail(r, PHASH_ERR_NOMEM, "cannot allocate the tile table");
        for (uint32_t i = 0; i < count; i++)
            r->tiles[i] = (uint32_t)rd(&e, idb);
        qsort(r->tiles, count, sizeof *r->tiles, cmp_u32);
        r->n_tiles = count;
        return PHASH_OK;
    }
}

/* ---- properties ------------------------------------------------------------ */

/* Property index (1-based) to its box; index 0 or out of range: 0. */
static int property(reader *r, uint32_t index, box *b)
{
    if (index == 0 || index > r->n_props)
        return 0;
    size_t pos = r->props[index - 1];
    phash_status st;
    return next_box(r, r->ipco.body, r->ipco.len, &pos, b, &st, PHASH_ERR_CORRUPT) == 1;
}

static phash_status ispe_of(reader *r, const box *b, uint32_t *w, uint32_t *h)
{
    cur c = cur_of(b, 4);
    *w = (uint32_t)rd(&c, 4);
    *h = (uint32_t)rd(&c, 4);
    return c.short_read ? fail(r, PHASH_ERR_CORRUPT, "'ispe' box too short") : PHASH_OK;
}

static phash_status primary_property(reader *r, const box *b, ph_bmff_image *out)
{
    if (b->type == PH_FOURCC('i', 's', 'p', 'e'))
        return ispe_of(r, b, &out->width, &out->height);
    if (b->type != PH_FOURCC('i', 'r', 'o', 't') && b->type != PH_FOURCC('i', 'm', 'i', 'r') &&
        b->type != PH_FOURCC('c', 'l', 'a', 'p'))
        return PHASH_OK;
    if (out->n_transforms >= PH_BMFF_MAX_TRANSFORMS)
        return fail(r, PHASH_ERR_CORRUPT, "more than %u transformations",
                    PH_BMFF_MAX_TRANSFORMS);
    if (b->type != PH_FOURCC('c', 'l', 'a', 'p') && b->len < 1)
        return fail(r, PHASH_ERR_CORRUPT, "empty transformation box");
    ph_bmff_transform *t = &out->transforms[out->n_transforms++];
    t->type = b->type;
    t->value = b->type == PH_FOURCC('i', 'r', 'o', 't')   ? (uint8_t)(b->body[0] & 3)
               : b->type == PH_FOURCC('i', 'm', 'i', 'r') ? (uint8_t)(b->body[0] & 1)
                                                          : 0;
    return PHASH_OK;
}

/* How many of the (sorted) tile references name item id. */
static uint32_t tile_refs(const reader *r, uint32_t id)
{
    size_t lo = 0, hi = r->n_tiles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->tiles[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t n = 0;
    while (lo + n < r->n_tiles && r->tiles[lo + n] == id)
        n++;
    return n;
}

static phash_status tile_property(reader *r, const box *b, uint32_t refs, ph_bmff_image *out)
{
    if (b->type != PH_FOURCC('i', 's', 'p', 'e'))
        return PHASH_OK;
    uint32_t w, h;
    phash_status st = ispe_of(r, b, &w, &h);
    if (st != PHASH_OK)
        return st;
    uint64_t px = (uint64_t)w * h, sum = px * refs;
    if (refs && sum / refs != px)
        sum = UINT64_MAX;
    out->tile_pixels = out->tile_pixels > UINT64_MAX - sum ? UINT64_MAX : out->tile_pixels + sum;
    if (w > out->tile_width)
        out->tile_width = w;
    if (h > out->tile_height)
        out->tile_height = h;
    r->tiles_seen += refs;
    return PHASH_OK;
}

/* ---- HEVC's coded size (hvcC's sequence parameter set) ------------------ */

/* Bits of an RBSP (emulation prevention bytes removed beforehand). */
typedef struct bitrd {
    const uint8_t *p;
    size_t n, bit;
    int bad;
} bitrd;

static uint32_t bits(bitrd *b, unsigned k)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < k; i++, b->bit++) {
        if (b->bit >= 8 * b->n) {
            b->bad = 1;
            return 0;
        }
        v = v << 1 | (uint32_t)(b->p[b->bit / 8] >> (7 - b->bit % 8) & 1);
    }
    return v;
}

static uint32_t ue(bitrd *b)
{
    unsigned zeros = 0;
    while (!b->bad && bits(b, 1) == 0)
        if (++zeros > 31) {
            b->bad = 1;
            return 0;
        }
    return b->bad ? 0 : (uint32_t)((1ull << zeros) - 1 + bits(b, zeros));
}

/* pic_width/height_in_luma_samples of an SPS NAL unit (ITU-T H.265
 * 7.3.2.2: the fields before them, profile_tier_level included). */
static int sps_size(const uint8_t *nal, size_t len, uint32_t *w, uint32_t *h)
{
    uint8_t rbsp[256];
    size_t n = 0, zeros = 0;
    for (size_t i = 2; i < len && n < sizeof rbsp; i++) { /* after the 2-byte NAL header */
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = nal[i] == 0 ? zeros + 1 : 0;
        rbsp[n++] = nal[i];
    }
    bitrd b = {rbsp, n, 0, 0};
    bits(&b, 4);
    unsigned sub_layers = bits(&b, 3);
    bits(&b, 1);
    bits(&b, 32), bits(&b, 32), bits(&b, 32); /* general profile, tier, level: 96 bits */
    unsigned profile_present[8] = {0}, level_present[8] = {0};
    for (unsigned i = 0; i < sub_layers; i++) {
        profile_present[i] = bits(&b, 1);
        level_present[i] = bits(&b, 1);
    }
    if (sub_layers)
        for (unsigned i = sub_layers; i < 8; i++)
            bits(&b, 2);
    for (unsigned i = 0; i < sub_layers; i++) {
        if (profile_present[i])
            bits(&b, 32), bits(&b, 32), bits(&b, 24);
        if (level_present[i])
            bits(&b, 8);
    }
    ue(&b); /* sps_seq_parameter_set_id */
    if (ue(&b) == 3) /* chroma_format_idc: 4:4:4 has separate_colour_plane_flag */
        bits(&b, 1);
    *w = ue(&b);
    *h = ue(&b);
    return !b.bad;
}

/* The coded size of the first SPS in an hvcC box; 0 if there is none. */
static int hvcc_size(const box *hvcc, uint32_t *w, uint32_t *h)
{
    cur c = cur_of(hvcc, 22);
    unsigned arrays = (unsigned)rd(&c, 1);
    for (unsigned a = 0; a < arrays && !c.short_read; a++) {
        unsigned type = (unsigned)rd(&c, 1) & 0x3f;
        unsigned nalus = (unsigned)rd(&c, 2);
        for (unsigned k = 0; k < nalus && !c.short_read; k++) {
            size_t len = (size_t)rd(&c, 2);
            if (len > c.n - c.at)
                return 0;
            if (type == 33 && sps_size(c.p + c.at, len, w, h))
                return 1;
            c.at += len;
        }
    }
    return 0;
}

/* HEVC codes whole coding blocks (up to 64x64) and crops them to the ispe
 * through its conformance window: anything larger is not this image. */
#define PH_HEVC_SLACK 64u

static phash_status check_coded_size(reader *r, uint32_t id, const box *hvcc, const box *ispe)
{
    uint32_t cw, ch, iw, ih;
    if (!hvcc->body || !ispe->body || !hvcc_size(hvcc, &cw, &ch))
        return PHASH_OK; /* nothing to compare: libheif decides */
    phash_status st = ispe_of(r, ispe, &iw, &ih);
    if (st != PHASH_OK)
        return st;
    if ((uint64_t)cw > (uint64_t)iw + PH_HEVC_SLACK || (uint64_t)ch > (uint64_t)ih + PH_HEVC_SLACK)
        return fail(r, PHASH_ERR_CORRUPT,
                    "item %u: its HEVC stream codes %ux%u pixels, its 'ispe' says %ux%u", id, cw,
                    ch, iw, ih);
    return PHASH_OK;
}

/* One ipma box: the primary item's properties in order, the tiles' ispe. */
static phash_status read_ipma(reader *r, const box *ipma, ph_bmff_image *out)
{
    cur c = cur_of(ipma, 0);
    unsigned version = (unsigned)rd(&c, 1);
    unsigned flags = (unsigned)rd(&c, 3);
    uint32_t entries = (uint32_t)rd(&c, 4);
    unsigned ab = flags & 1 ? 2 : 1;
    for (uint32_t i = 0; i < entries && !c.short_read; i++) {
        uint32_t id = (uint32_t)rd(&c, version < 1 ? 2 : 4);
        unsigned n = (unsigned)rd(&c, 1);
        int primary = id == out->primary_id;
        uint32_t refs = r->n_tiles ? tile_refs(r, id) : 0;
        box hvcc = {0}, ispe = {0};
        for (unsigned j = 0; j < n && !c.short_read; j++) {
            uint32_t a = (uint32_t)rd(&c, ab);
            uint32_t index = a & (ab == 2 ? 0x7fffu : 0x7fu);
            box b;
            if (!primary && !refs)
                continue;
            if (index && !property(r, index, &b))
                return fail(r, PHASH_ERR_CORRUPT, "item %u names property %u of %u", id, index,
                            r->n_props);
            if (!index)
                continue;
            if (b.type == PH_FOURCC('h', 'v', 'c', 'C'))
                hvcc = b;
            else if (b.type == PH_FOURCC('i', 's', 'p', 'e'))
                ispe = b;
            phash_status st = primary ? primary_property(r, &b, out)
                                      : tile_property(r, &b, refs, out);
            if (st != PHASH_OK)
                return st;
        }
        phash_status st = c.short_read ? PHASH_OK : check_coded_size(r, id, &hvcc, &ispe);
        if (st != PHASH_OK)
            return st;
    }
    if (c.short_read)
        return fail(r, PHASH_ERR_CORRUPT, "'ipma' box shorter than its %u entries", entries);
    return PHASH_OK;
}

/* ---- the grid's layout (ImageGrid, the grid item's data) ---------------- */

static int field_size(unsigned b)
{
    return b == 0 || b == 4 || b == 8;
}

/* Copy up to cap bytes of item id's data (iloc, construction method 0:
 * file offsets, 1: idat) into buf; *got is how many. */
static phash_status item_data(reader *r, uint32_t id, uint8_t *buf, size_t cap, size_t *got)
{
    if (!r->iloc.body)
        return fail(r, PHASH_ERR_CORRUPT, "grid without an 'iloc' box");
    cur c = cur_of(&r->iloc, 0);
    unsigned version = (unsigned)rd(&c, 1);
    rd(&c, 3);
    unsigned sizes = (unsigned)rd(&c, 2);
    unsigned off_b = sizes >> 12, len_b = sizes >> 8 & 15, base_b = sizes >> 4 & 15;
    unsigned idx_b = version >= 1 ? (sizes & 15) : 0;
    if (version > 2 || !field_size(off_b) || !field_size(len_b) || !field_size(base_b) ||
        !field_size(idx_b))
        return fail(r, PHASH_ERR_UNSUPPORTED, "'iloc' version %u, field sizes %04x", version,
                    sizes);
    uint32_t items = (uint32_t)rd(&c, version < 2 ? 2 : 4);
    for (uint32_t i = 0; i < items && !c.short_read; i++) {
        uint32_t item = (uint32_t)rd(&c, version < 2 ? 2 : 4);
        unsigned method = version >= 1 ? (unsigned)rd(&c, 2) & 15 : 0;
        rd(&c, 2); /* data_reference_index */
        uint64_t base = rd(&c, base_b);
        unsigned extents = (unsigned)rd(&c, 2);
        *got = 0;
        for (unsigned e = 0; e < extents && !c.short_read; e++) {
            rd(&c, idx_b);
            uint64_t off = base + rd(&c, off_b), len = rd(&c, len_b);
            if (item != id || *got == cap)
                continue;
            const uint8_t *src = method == 0 ? r->data : method == 1 ? r->idat.body : NULL;
            size_t size = method == 0 ? r->len : r->idat.len;
            if (!src)
                return fail(r, PHASH_ERR_UNSUPPORTED, "grid data by construction method %u",
                            method);
            if (off < base || off > size || (len && len > size - off))
                return fail(r, PHASH_ERR_CORRUPT, "grid data outside the %s", method ? "'idat' box"
                                                                                     : "file");
            size_t take = len && len < cap - *got ? (size_t)len : cap - *got;
            if (take > size - off)
                take = size - (size_t)off;
            memcpy(buf + *got, src + off, take);
            *got += take;
        }
        if (item == id && !c.short_read)
            return PHASH_OK;
    }
    return fail(r, PHASH_ERR_CORRUPT, "no location for the grid item %u", id);
}

static phash_status read_grid(reader *r, ph_bmff_image *out)
{
    uint8_t g[12];
    size_t got = 0;
    phash_status st = item_data(r, out->primary_id, g, sizeof g, &got);
    if (st != PHASH_OK)
        return st;
    size_t need = got >= 2 && (g[1] & 1) ? 12 : 8;
    if (got < need || g[0] != 0)
        return fail(r, PHASH_ERR_CORRUPT, "grid description of %zu bytes, version %u", got,
                    got ? g[0] : 0);
    out->grid_rows = g[2] + 1u;
    out->grid_cols = g[3] + 1u;
    cur c = {g, need, 4, 0};
    out->grid_width = (uint32_t)rd(&c, need == 12 ? 4 : 2);
    out->grid_height = (uint32_t)rd(&c, need == 12 ? 4 : 2);
    return PHASH_OK;
}

/* A grid whose tiles cannot make up its output: refused, as they would
 * make libheif/libavif decode tiles for nothing (or paint past them). */
static phash_status check_grid(reader *r, const ph_bmff_image *g)
{
    uint32_t tiles = g->grid_rows * g->grid_cols;
    if (g->tile_count != tiles)
        return fail(r, PHASH_ERR_CORRUPT, "grid of %ux%u tiles with %u tile references",
                    g->grid_rows, g->grid_cols, g->tile_count);
    if (r->tiles_seen != tiles)
        return fail(r, PHASH_ERR_CORRUPT, "%u of %u grid tiles have no 'ispe' size",
                    tiles - (r->tiles_seen < tiles ? r->tiles_seen : tiles), tiles);
    if (g->grid_width == 0 || g->grid_height == 0)
        return fail(r, PHASH_ERR_CORRUPT, "grid output of %ux%u", g->grid_width,
                    g->grid_height);
    if (g->width && (g->width != g->grid_width || g->height != g->grid_height))
        return fail(r, PHASH_ERR_CORRUPT, "grid of %ux%u with an 'ispe' of %ux%u",
                    g->grid_width, g->grid_height, g->width, g->height);
    uint64_t cw = (uint64_t)g->grid_cols * g->tile_width, ch = (uint64_t)g->grid_rows * g->tile_height;
    if (cw < g->grid_width || ch < g->grid_height || cw - g->tile_width >= g->grid_width ||
        ch - g->tile_height >= g->grid_height)
        return fail(r, PHASH_ERR_CORRUPT,
                    "%ux%u tiles of %ux%u contradict the grid's output of %ux%u", g->grid_cols,
                    g->grid_rows, g->tile_width, g->tile_height, g->grid_width, g->grid_height);
    return PHASH_OK;
}

static phash_status read_all(reader *r, ph_bmff_image *out)
{
    box meta;
    meta.body = NULL;
    phash_status st = find_meta(r, &meta);
    if (st != PHASH_OK || !meta.body)
        return st;
    out->has_meta = 1;
    st = meta_children(r, &meta);
    if (st == PHASH_OK)
        st = read_pitm(r, out);
    if (st == PHASH_OK)
        st = read_iinf(r, out);
    if (st == PHASH_OK)
        st = index_properties(r);
    int grid = out->item_type == PH_FOURCC('g', 'r', 'i', 'd');
    /* An overlay decodes every image it references, like a grid's tiles. */
    int derived = grid || out->item_type == PH_FOURCC('i', 'o', 'v', 'l');
    if (st == PHASH_OK && derived)
        st = read_tiles(r, out);
    for (unsigned i = 0; st == PHASH_OK && i < r->n_ipma; i++)
        st = read_ipma(r, &r->ipma[i], out);
    if (st == PHASH_OK && derived)
        out->tile_count = r->n_tiles;
    if (st == PHASH_OK && grid) {
        st = read_grid(r, out);
        if (st == PHASH_OK)
            st = check_grid(r, out);
    } else if (st == PHASH_OK && derived && r->tiles_seen != r->n_tiles) {
        st = fail(r, PHASH_ERR_CORRUPT, "%u of %u overlay inputs have no 'ispe' size",
                  r->n_tiles - (r->tiles_seen < r->n_tiles ? r->tiles_seen : r->n_tiles),
                  r->n_tiles);
    }
    return st;
}

phash_status ph_bmff_read(const uint8_t *data, size_t len, ph_bmff_image *out, char *why,
                          size_t why_len)
{
    memset(out, 0, sizeof *out);
    if (why_len)
        why[0] = '\0';
    reader r = {.data = data, .len = data ? len : 0, .why = why, .why_len = why_len};
    phash_status st = read_all(&r, out);
    ph_free(r.props);
    ph_free(r.tiles);
    return st;
}

/* ---- orientation ------------------------------------------------------------ */

/* Display transformations as 2x2 matrices on (x right, y down) around the
 * centre: (x, y) -> (a x + b y, c x + d y). */
typedef struct mat2 {
    int a, b, c, d;
} mat2;

static mat2 mul(mat2 m, mat2 n) /* m after n */
{
    return (mat2){m.a * n.a + m.b * n.c, m.a * n.b + m.b * n.d, m.c * n.a + m.d * n.c,
                  m.c * n.b + m.d * n.d};
}

int ph_bmff_orientation(const ph_bmff_image *img)
{
    /* EXIF orientations 1..8 as the transformation that displays the image. */
    static const mat2 exif[8] = {{1, 0, 0, 1},  {-1, 0, 0, 1}, {-1, 0, 0, -1}, {1, 0, 0, -1},
                                 {0, 1, 1, 0},  {0, -1, 1, 0}, {0, -1, -1, 0}, {0, 1, -1, 0}};
    static const mat2 ccw = {0, 1, -1, 0}; /* irot: a quarter turn anti-clockwise */
    /* imir as libheif 1.15 (and libavif 0.11) apply it: 0 exchanges top
     * and bottom, 1 left and right (tested against libheif's pixels). */
    static const mat2 mirror[2] = {{1, 0, 0, -1}, {-1, 0, 0, 1}};
    mat2 m = exif[0];
    for (unsigned i = 0; i < img->n_transforms; i++) {
        const ph_bmff_transform *t = &img->transforms[i];
        if (t->type == PH_FOURCC('i', 'r', 'o', 't'))
            for (unsigned k = 0; k < t->value; k++)
                m = mul(ccw, m);
        else if (t->type == PH_FOURCC('i', 'm', 'i', 'r'))
            m = mul(mirror[t->value & 1], m);
    }
    for (int o = 0; o < 8; o++)
        if (!memcmp(&exif[o], &m, sizeof m))
            return o + 1;
    return 1; /* not reached: the group is closed */
}

int ph_bmff_has_crop(const ph_bmff_image *img)
{
    for (unsigned i = 0; i < img->n_transforms; i++)
        if (img->transforms[i].type == PH_FOURCC('c', 'l', 'a', 'p'))
            return 1;
    return 0;
}
