/* SPDX-License-Identifier: MIT */
/* The sorted digest table of a compiled set: the exact digests (MD5, SHA-1,
 * SHA-256) looked up in place in the mapped file, with no work at open that
 * grows with the number of entries beyond a bucket directory check.
 *
 * Section DIGESTS (one per exact algorithm), little-endian:
 *   u32 bits, u32 code size, u64 n (the algorithm's entries),
 *   (2^bits + 1) x u32 directory: dir[b] = first position in `order` whose
 *   code's first 32 bits, shifted right by 32 - bits, are >= b,
 *   n x u32 order: the entry numbers sorted by their code (memcmp order).
 * Digests are uniformly distributed, so with 2^bits about n / 4 buckets a
 * lookup is one directory read and a binary search over ~4 entries: a few
 * cache misses, about a microsecond, against the milliseconds hashing the
 * file took. The section's CRC is checked at open like every section; its
 * directory is checked (monotone, ends at n), and every entry number read
 * from `order` is checked against n at lookup, so a corrupt table can only
 * give wrong answers, never read outside the set. */
#include <string.h>

#include "sigset_int.h"

#define DT_HEADER 16u
#define DT_MAX_BITS 24u

static uint32_t prefix32(const uint8_t *code)
{
    return (uint32_t)code[0] << 24 | (uint32_t)code[1] << 16 | (uint32_t)code[2] << 8 | code[3];
}

static uint32_t bucket_of(const uint8_t *code, unsigned bits)
{
    return bits ? prefix32(code) >> (32 - bits) : 0;
}

/* Buckets of about 4 entries. */
static unsigned table_bits(size_t n)
{
    unsigned bits = 0;
    while (bits < DT_MAX_BITS && ((size_t)4 << bits) < n)
        bits++;
    return bits;
}

size_t ph_digest_table_size(size_t n)
{
    return DT_HEADER + 4 * (((size_t)1 << table_bits(n)) + 1) + 4 * n;
}

static const uint8_t *code_at(const ph_algo_store *st, uint32_t e)
{
    return (const uint8_t *)st->codes + (size_t)e * st->code_size;
}

/* Insertion sort of one bucket by code (buckets hold a few entries). */
static void sort_bucket(const ph_algo_store *st, uint32_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j > 0 && memcmp(code_at(st, v[j - 1]), code_at(st, x), st->code_size) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static int put_u32s(ph_sink_fn put, void *ctx, const uint32_t *v, size_t n)
{
    uint8_t buf[4096];
    while (n > 0) {
        size_t k = n < sizeof buf / 4 ? n : sizeof buf / 4;
        for (size_t i = 0; i < k; i++)
            for (int b = 0; b < 4; b++)
                buf[4 * i + b] = (uint8_t)(v[i] >> (8 * b));
        if (put(ctx, buf, 4 * k))
            return -1;
        v += k;
        n -= k;
    }
    return 0;
}

static int code_less(const ph_algo_store *st, uint32_t a, uint32_t b)
{
    return memcmp(code_at(st, a), code_at(st, b), st->code_size) < 0;
}

/* Heapsort of a large bucket (only lists with crafted, clustered digests
 * have one): O(n log n) whatever the input, no recursion, no context-less
 * qsort comparator. */
static void sift_down(const ph_algo_store *st, uint32_t *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && code_less(st, v[child], v[child + 1]))
            child++;
        if (!code_less(st, v[root], v[child]))
            return;
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void heap_sort(const ph_algo_store *st, uint32_t *v, size_t n)
{
    for (size_t i = n / 2; i > 0; i--)
        sift_down(st, v, i - 1, n);
    for (size_t end = n; end > 1; end--) {
        uint32_t t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        sift_down(st, v, 0, end - 1);
    }
}

/* Entries counted into buckets, then placed (a counting sort on the
 * prefix), then each bucket sorted: O(n) for uniform digests. */
phash_status ph_digest_table_write(const ph_algo_store *st, ph_sink_fn put, void *ctx)
{
    unsigned bits = table_bits(st->count);
    size_t nb = (size_t)1 << bits;
    uint32_t *dir = ph_calloc(nb + 1, sizeof *dir);
    uint32_t *order = ph_malloc((st->count ? st->count : 1) * sizeof *order);
    if (!dir || !order) {
        ph_free(dir);
        ph_free(order);
        return PHASH_ERR_NOMEM;
    }
    for (size_t e = 0; e < st->count; e++)
        dir[bucket_of(code_at(st, (uint32_t)e), bits) + 1]++;
    for (size_t b = 0; b < nb; b++)
        dir[b + 1] += dir[b];
    for (size_t e = 0; e < st->count; e++) /* dir[b] is bucket b's cursor now */
        order[dir[bucket_of(code_at(st, (uint32_t)e), bits)]++] = (uint32_t)e;
    for (size_t b = nb; b > 0; b--) /* the cursors ended at the next bucket's start */
        dir[b] = dir[b - 1];
    dir[0] = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t n = dir[b + 1] - dir[b];
        if (n > 32)
            heap_sort(st, order + dir[b], n);
        else
            sort_bucket(st, order + dir[b], n);
    }
    uint8_t head[DT_HEADER] = {0};
    for (int b = 0; b < 4; b++) {
        head[b] = (uint8_t)(bits >> (8 * b));
        head[4 + b] = (uint8_t)(st->code_size >> (8 * b));
    }
    for (int b = 0; b < 8; b++)
        head[8 + b] = (uint8_t)((uint64_t)st->count >> (8 * b));
    int r = put(ctx, head, sizeof head) || put_u32s(put, ctx, dir, nb + 1) ||
            put_u32s(put, ctx, order, st->count);
    ph_free(dir);
    ph_free(order);
    return r ? PHASH_ERR_IO : PHASH_OK;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int ph_digest_table_attach(ph_algo_store *st, const uint8_t *p, uint64_t size)
{
    if (size < DT_HEADER)
        return -1;
    uint32_t bits = rd32(p), code_size = rd32(p + 4);
    uint64_t n = (uint64_t)rd32(p + 8) | (uint64_t)rd32(p + 12) << 32;
    if (bits > DT_MAX_BITS || code_size != st->code_size || n != st->count)
        return -1;
    size_t nb = (size_t)1 << bits;
    if (size != DT_HEADER + 4 * (nb + 1) + 4 * n)
        return -1;
    const uint32_t *dir = (const uint32_t *)(p + DT_HEADER); /* 4-aligned: sections are 64-aligned */
    if (dir[0] != 0 || dir[nb] != n)
        return -1;
    for (size_t b = 0; b < nb; b++)
        if (dir[b] > dir[b + 1])
            return -1;
    st->dt_bits = bits;
    st->dt_dir = dir;
    st->dt_order = dir + nb + 1;
    return 0;
}

long long ph_digest_table_find(const ph_algo_store *st, const void *code)
{
    const uint8_t *c = code;
    uint32_t b = bucket_of(c, st->dt_bits);
    size_t lo = st->dt_dir[b], hi = st->dt_dir[b + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t e = st->dt_order[mid];
        if (e >= st->count)
            return -1; /* a corrupt table: answer "absent", never read outside */
        int cmp = memcmp(code_at(st, e), c, st->code_size);
        if (cmp == 0)
            return e;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}
