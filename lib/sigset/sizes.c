/* SPDX-License-Identifier: MIT */
/* The size set: the file sizes the lists record for their digest entries
 * (VICS MediaSize, a "size" / "file_size" column or member). When every
 * digest entry that can match has one, a file of any other size cannot
 * match by digest, and the scanner does not read a non-media file to its
 * end to digest it (scan.h, PHASH_SCAN_OPT_SIZE_FILTER).
 *
 * Sizes are appended as records are inserted, sorted and de-duplicated by
 * ph_sigset_finalize (at the end of each load), so a rollback to a mark
 * taken before a load only truncates. A compiled set keeps them in its
 * SIZES section: u64 owners without a size, u64 n, n x u64 sizes sorted
 * ascending, used in place. */
#include <stdlib.h>
#include <string.h>

#include "sigset_int.h"

#define SIZES_HEADER 16u

/* A size as lists write it: decimal digits, optionally quoted or followed
 * by ".0" (JSON numbers from spreadsheets). 0 when it is not one. */
static int parse_size(const char *s, size_t len, uint64_t *out)
{
    ph_span_trim(&s, &len);
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
        s++, len -= 2;
    size_t n = 0;
    uint64_t v = 0;
    while (n < len && s[n] >= '0' && s[n] <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(s[n++] - '0');
    }
    if (n == 0)
        return 0;
    if (n < len && s[n] == '.') /* "1234.0" */
        for (n++; n < len && s[n] == '0'; n++)
            ;
    if (n != len)
        return 0;
    *out = v;
    return 1;
}

int ph_sigset_note_size(phash_sigset *set, const char *text, size_t len)
{
    uint64_t v;
    if (!text || !parse_size(text, len, &v) || v == 0) {
        set->unsized++; /* this entry could be a file of any size */
        return 0;
    }
    if (set->n_sizes == set->sizes_cap &&
        ph_sigset_grow((void **)&set->sizes, &set->sizes_cap, set->n_sizes + 1, sizeof(uint64_t)))
        return -1;
    set->sizes[set->n_sizes++] = v;
    return 0;
}

static int u64_order(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void ph_sigset_sort_sizes(phash_sigset *set)
{
    if (set->n_sizes < 2 || !set->sizes_cap) /* a mapped set's are sorted */
        return;
    qsort(set->sizes, set->n_sizes, sizeof *set->sizes, u64_order);
    size_t out = 1;
    for (size_t i = 1; i < set->n_sizes; i++)
        if (set->sizes[i] != set->sizes[out - 1])
            set->sizes[out++] = set->sizes[i];
    set->n_sizes = out;
}

int phash_sigset_size_possible(const phash_sigset *set, uint64_t size)
{
    if (!set || set->unsized || set->n_sizes == 0)
        return 1; /* no size set: any file may match */
    size_t lo = 0, hi = set->n_sizes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->sizes[mid] == size)
            return 1;
        if (set->sizes[mid] < size)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int phash_matcher_size_possible(const phash_matcher *m, uint64_t size)
{
    if (!m)
        return 1;
    ph_snapshot *snap = ph_matcher_take(m);
    int possible = !snap || phash_sigset_size_possible(ph_snapshot_set(snap), size);
    ph_snapshot_release(snap);
    return possible;
}

/* ---- compiled sets ---- */

phash_status ph_sizes_write(const phash_sigset *set, ph_sink_fn put, void *ctx)
{
    uint8_t head[SIZES_HEADER];
    for (int b = 0; b < 8; b++) {
        head[b] = (uint8_t)(set->unsized >> (8 * b));
        head[8 + b] = (uint8_t)((uint64_t)set->n_sizes >> (8 * b));
    }
    if (put(ctx, head, sizeof head))
        return PHASH_ERR_IO;
    for (size_t i = 0; i < set->n_sizes; i++) {
        uint8_t b8[8];
        for (int b = 0; b < 8; b++)
            b8[b] = (uint8_t)(set->sizes[i] >> (8 * b));
        if (put(ctx, b8, 8))
            return PHASH_ERR_IO;
    }
    return PHASH_OK;
}

int ph_sizes_attach(phash_sigset *set, const uint8_t *p, uint64_t size)
{
    if (size < SIZES_HEADER)
        return -1;
    uint64_t unsized, n;
    memcpy(&unsized, p, 8); /* little-endian hosts only read compiled sets */
    memcpy(&n, p + 8, 8);
    if (n > (size - SIZES_HEADER) / 8 || SIZES_HEADER + 8 * n != size)
        return -1;
    const uint64_t *v = (const uint64_t *)(p + SIZES_HEADER);
    ph_free(set->sizes);
    set->sizes = n ? (uint64_t *)v : NULL; /* in the mapping (8-aligned: sections are 64-aligned) */
    set->n_sizes = (size_t)n;
    set->sizes_cap = 0;
    set->unsized = unsized;
    return 0;
}

phash_status ph_sizes_own(phash_sigset *set)
{
    if (set->sizes_cap || !set->n_sizes)
        return PHASH_OK;
    uint64_t *v = ph_malloc(set->n_sizes * sizeof *v);
    if (!v)
        return PHASH_ERR_NOMEM;
    memcpy(v, set->sizes, set->n_sizes * sizeof *v);
    set->sizes = v;
    set->sizes_cap = set->n_sizes;
    return PHASH_OK;
}
