/* SPDX-License-Identifier: MIT */
/* The phash_index handle: the published core, the append buffer and the
 * tombstones, the locks that let queries run during mutations, build and
 * hot swap. Queries are in search.c, files in file.c. */
#include <string.h>

#include "index_file.h"
#include "index_handle.h"

static phash_status new_with_core(unsigned bits, ph_core *core, phash_index **out)
{
    phash_index *ix = ph_calloc(1, sizeof *ix);
    if (!ix)
        return PHASH_ERR_NOMEM;
    if (ph_rwlock_new(&ix->lock) != 0 || ph_mutex_new(&ix->wmutex) != 0) {
        ph_rwlock_free(ix->lock);
        ph_free(ix);
        return PHASH_ERR_NOMEM;
    }
    ix->bits = bits;
    ix->words = bits / 64;
    ix->core = core;
    ix->kernel = ph_kernel_default();
    ix->ops = ph_kernel_get(ix->kernel);
    *out = ix;
    return PHASH_OK;
}

phash_status ph_index_wrap(unsigned bits, ph_core *core, phash_index **out)
{
    return new_with_core(bits, core, out);
}

phash_status phash_index_new(unsigned bits, phash_index **out)
{
    if (!out || (bits != 64 && bits != 256))
        return PHASH_ERR_INVALID_ARG;
    ph_core *core = ph_calloc(1, sizeof *core);
    if (!core)
        return PHASH_ERR_NOMEM;
    core->words = bits / 64;
    phash_status st = new_with_core(bits, core, out);
    if (st != PHASH_OK)
        ph_core_free(core);
    return st;
}

void phash_index_free(phash_index *ix)
{
    if (!ix)
        return;
    ph_core_free(ix->core);
    ph_free(ix->dead);
    ph_free(ix->buf_codes);
    ph_free(ix->buf_ids);
    ph_rwlock_free(ix->lock);
    ph_mutex_free(ix->wmutex);
    ph_free(ix);
}

const char *phash_index_last_error(const phash_index *ix)
{
    return ix ? ph_error_message(&ix->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

unsigned phash_index_bits(const phash_index *ix) { return ix ? ix->bits : 0; }

size_t phash_index_count(const phash_index *ix)
{
    if (!ix)
        return 0;
    phash_index *m = (phash_index *)ix; /* the lock is not part of the value */
    ph_rwlock_read_lock(m->lock);
    size_t n = ix->core->n - ix->ndead + ix->nbuf;
    ph_rwlock_read_unlock(m->lock);
    return n;
}

phash_status phash_index_set_kernel(phash_index *ix, phash_kernel kernel)
{
    if (!ix || kernel < PHASH_KERNEL_AUTO || kernel > PHASH_KERNEL_AVX512)
        return PHASH_ERR_INVALID_ARG;
    if (kernel == PHASH_KERNEL_AUTO)
        kernel = ph_kernel_default();
    const ph_kernel_ops *ops = ph_kernel_get(kernel);
    if (!ops)
        return ph_error_set(&ix->err, PHASH_ERR_UNSUPPORTED_CPU,
                            "kernel %s is not available on this CPU", phash_kernel_name(kernel));
    ph_rwlock_write_lock(ix->lock);
    ix->kernel = kernel;
    ix->ops = ops;
    ph_rwlock_write_unlock(ix->lock);
    return PHASH_OK;
}

phash_status phash_index_set_compact(phash_index *ix, int compact)
{
    if (!ix || compact < PHASH_INDEX_LAYOUT_FAST || compact > PHASH_INDEX_LAYOUT_LEAN)
        return PHASH_ERR_INVALID_ARG;
    ph_mutex_lock(ix->wmutex);
    ix->compact = compact;
    ph_mutex_unlock(ix->wmutex);
    return PHASH_OK;
}

phash_status phash_index_set_wide_min(phash_index *ix, size_t entries)
{
    if (!ix)
        return PHASH_ERR_INVALID_ARG;
    ph_mutex_lock(ix->wmutex);
    ix->wide_min = entries;
    ph_mutex_unlock(ix->wmutex);
    return PHASH_OK;
}

phash_kernel phash_index_kernel(const phash_index *ix)
{
    return ix ? ix->kernel : PHASH_KERNEL_SCALAR;
}

/* ---- updates ---------------------------------------------------------- */

phash_status phash_index_add(phash_index *ix, const void *codes, const uint64_t *ids, size_t n)
{
    if (!ix || (n && (!codes || !ids)) || n >= UINT32_MAX)
        return PHASH_ERR_INVALID_ARG;
    if (n == 0)
        return PHASH_OK;
    ph_mutex_lock(ix->wmutex);
    phash_status st = PHASH_OK;
    size_t need = ix->nbuf + n, w = ix->words;
    /* Entry numbers are uint32 (in the tables and the file). */
    if (need + ix->core->n >= UINT32_MAX) {
        st = ph_error_set(&ix->err, PHASH_ERR_INVALID_ARG, "an index holds < 2^32 - 1 entries");
        goto out;
    }
    ph_rwlock_write_lock(ix->lock);
    if (need > ix->capbuf) {
        size_t cap = ix->capbuf ? ix->capbuf : 256;
        while (cap < need)
            cap *= 2;
        uint64_t *c = ph_realloc(ix->buf_codes, cap * w * sizeof *c);
        if (c)
            ix->buf_codes = c;
        uint64_t *d = c ? ph_realloc(ix->buf_ids, cap * sizeof *d) : NULL;
        if (d)
            ix->buf_ids = d;
        if (!c || !d)
            st = ph_error_set(&ix->err, PHASH_ERR_NOMEM, "cannot grow the append buffer");
        else
            ix->capbuf = cap;
    }
    if (st == PHASH_OK) {
        memcpy(ix->buf_codes + ix->nbuf * w, codes, n * w * sizeof(uint64_t));
        memcpy(ix->buf_ids + ix->nbuf, ids, n * sizeof *ids);
        ix->nbuf = need;
    }
    ph_rwlock_write_unlock(ix->lock);
out:
    ph_mutex_unlock(ix->wmutex);
    return st;
}

phash_status phash_index_remove(phash_index *ix, uint64_t id)
{
    if (!ix)
        return PHASH_ERR_INVALID_ARG;
    ph_mutex_lock(ix->wmutex);
    phash_status st = PHASH_OK;
    const ph_core *c = ix->core;
    if (!ix->dead && c->n) {
        uint64_t *dead = ph_calloc((c->n + 63) / 64, sizeof *dead);
        if (!dead) {
            st = ph_error_set(&ix->err, PHASH_ERR_NOMEM, "cannot allocate tombstones");
            goto out;
        }
        ph_rwlock_write_lock(ix->lock);
        ix->dead = dead;
        ph_rwlock_write_unlock(ix->lock);
    }
    size_t removed = 0;
    ph_rwlock_write_lock(ix->lock);
    for (size_t i = 0; i < c->n; i++)
        if ((c->ids ? c->ids[i] : i) == id && !(ix->dead[i >> 6] >> (i & 63) & 1)) {
            ix->dead[i >> 6] |= 1ull << (i & 63);
            ix->ndead++;
            removed++;
        }
    /* The buffer is compacted in place (order does not matter). */
    size_t w = ix->words;
    for (size_t i = 0; i < ix->nbuf;) {
        if (ix->buf_ids[i] != id) {
            i++;
            continue;
        }
        ix->nbuf--;
        ix->buf_ids[i] = ix->buf_ids[ix->nbuf];
        memmove(ix->buf_codes + i * w, ix->buf_codes + ix->nbuf * w, w * sizeof(uint64_t));
        removed++;
    }
    ph_rwlock_write_unlock(ix->lock);
    if (removed == 0)
        st = ph_error_set(&ix->err, PHASH_ERR_NOT_FOUND, "no entry with id %llu",
                          (unsigned long long)id);
out:
    ph_mutex_unlock(ix->wmutex);
    return st;
}

/* A core whose codes and ids are filled made searchable: its entries
 * ordered (BK-tree, or MIH table 0 for the lean layout) and its MIH tables
 * built, in the layout ix asks for. */
static phash_status order_core(ph_core *c, uint64_t *codes, uint64_t *ids,
                               const phash_index *ix)
{
    size_t w = ix->words;
    /* The lean layout orders the entries by MIH table 0, so it has no
     * BK-tree (which orders them by its leaves); forced BK-tree queries
     * then take the scan. */
    int lean = w == 1 && ix->compact == PH_LAYOUT_LEAN;
    phash_status st = lean ? ph_mih_order(c->n, codes, ids) : ph_bktree_build(c, codes, ids);
    if (st == PHASH_OK)
        st = ph_mih_build(c, w == 1 ? ix->compact : PH_LAYOUT_FAST, ix->wide_min);
    return st;
}

/* The live entries (core minus tombstones, plus the buffer) built into a
 * new core. Caller holds wmutex, so nothing it reads changes. */
static phash_status build_core(const phash_index *ix, ph_core **out)
{
    const ph_core *old = ix->core;
    size_t w = ix->words, n = old->n - ix->ndead + ix->nbuf;
    ph_core *c = ph_calloc(1, sizeof *c);
    if (!c)
        return PHASH_ERR_NOMEM;
    c->words = (unsigned)w;
    c->n = n;
    uint64_t *codes = ph_core_alloc(c, (n ? n : 1) * w * sizeof *codes);
    uint64_t *ids = ph_core_alloc(c, (n ? n : 1) * sizeof *ids);
    phash_status st = PHASH_ERR_NOMEM;
    if (!codes || !ids)
        goto fail;
    size_t o = 0;
    for (size_t i = 0; i < old->n; i++) {
        if (ix->dead && (ix->dead[i >> 6] >> (i & 63) & 1))
            continue;
        memcpy(codes + o * w, old->codes + i * w, w * sizeof *codes);
        ids[o++] = old->ids ? old->ids[i] : i;
    }
    if (ix->nbuf) {
        memcpy(codes + o * w, ix->buf_codes, ix->nbuf * w * sizeof *codes);
        memcpy(ids + o, ix->buf_ids, ix->nbuf * sizeof *ids);
    }
    c->codes = codes;
    c->ids = ids;
    if ((st = order_core(c, codes, ids, ix)) != PHASH_OK)
        goto fail;
    *out = c;
    return PHASH_OK;
fail:
    ph_core_free(c);
    return st;
}

/* ph_index_build_from and ph_index_build_take: take (when not NULL) is
 * the caller's array, freed as soon as it is copied, before the ids and the
 * structures are allocated. */
static phash_status build_from(unsigned bits, const void *codes, void **take, size_t n,
                               phash_index **out)
{
    *out = NULL;
    phash_index *ix = NULL;
    phash_status st = n >= UINT32_MAX ? PHASH_ERR_INVALID_ARG : phash_index_new(bits, &ix);
    uint64_t *cc = NULL, *ids = NULL;
    if (st == PHASH_OK) {
        cc = ph_core_alloc(ix->core, (n ? n : 1) * ix->words * sizeof *cc);
        if (cc && n)
            memcpy(cc, codes, n * ix->words * sizeof *cc);
    }
    if (take) {
        ph_free(*take);
        *take = NULL;
    }
    if (st != PHASH_OK)
        return st;
    ph_core *c = ix->core;
    ids = cc ? ph_core_alloc(c, (n ? n : 1) * sizeof *ids) : NULL;
    st = PHASH_ERR_NOMEM;
    if (cc && ids) {
        for (size_t i = 0; i < n; i++)
            ids[i] = i;
        c->n = n;
        c->codes = cc;
        c->ids = ids;
        st = order_core(c, cc, ids, ix);
    }
    if (st != PHASH_OK) {
        phash_index_free(ix);
        return st;
    }
    *out = ix;
    return PHASH_OK;
}

phash_status ph_index_build_from(unsigned bits, const void *codes, size_t n, phash_index **out)
{
    return build_from(bits, codes, NULL, n, out);
}

phash_status ph_index_build_take(unsigned bits, void **codes, size_t n, phash_index **out)
{
    return build_from(bits, *codes, codes, n, out);
}

phash_status ph_index_over_codes(unsigned bits, const void *codes, size_t n, phash_index **out)
{
    *out = NULL;
    if (n >= UINT32_MAX || (n && !codes) || ((uintptr_t)codes & 7) != 0)
        return PHASH_ERR_INVALID_ARG;
    phash_index *ix;
    phash_status st = phash_index_new(bits, &ix);
    if (st != PHASH_OK)
        return st;
    ix->core->n = n;
    ix->core->codes = codes; /* not owned: the caller's, ids are entry numbers */
    *out = ix;
    return PHASH_OK;
}

phash_status ph_index_build_locked(phash_index *ix)
{
    ph_core *c;
    phash_status st = build_core(ix, &c);
    if (st != PHASH_OK)
        return ph_error_set(&ix->err, st, "index build failed: %s", phash_strerror(st));
    ph_rwlock_write_lock(ix->lock);
    ph_core *old = ix->core;
    uint64_t *dead = ix->dead;
    ix->core = c;
    ix->dead = NULL;
    ix->ndead = 0;
    ix->nbuf = 0;
    ph_rwlock_write_unlock(ix->lock);
    ph_core_free(old);
    ph_free(dead);
    return PHASH_OK;
}

int ph_index_dirty(const phash_index *ix)
{
    const ph_core *c = ix->core;
    int built = !c->mih_filt ? PH_LAYOUT_COMPACT : c->mih_t0 ? PH_LAYOUT_LEAN : PH_LAYOUT_FAST;
    int layout = ix->words == 1 && c->mih_off && built != ix->compact;
    return ix->nbuf || ix->ndead || (c->n && !c->mih_off) || layout;
}

phash_status phash_index_build(phash_index *ix)
{
    if (!ix)
        return PHASH_ERR_INVALID_ARG;
    ph_mutex_lock(ix->wmutex);
    phash_status st = ph_index_build_locked(ix);
    ph_mutex_unlock(ix->wmutex);
    return st;
}

phash_status phash_index_swap(phash_index *ix, phash_index *other)
{
    if (!ix || !other || ix == other)
        return PHASH_ERR_INVALID_ARG;
    if (ix->bits != other->bits)
        return ph_error_set(&ix->err, PHASH_ERR_INVALID_ARG, "cannot swap a %u-bit and a %u-bit index",
                            ix->bits, other->bits);
    ph_mutex_lock(ix->wmutex);
    ph_rwlock_write_lock(ix->lock);
#define SWAP(f)                 \
    do {                        \
        __typeof__(ix->f) t = ix->f; \
        ix->f = other->f;       \
        other->f = t;           \
    } while (0)
    SWAP(core);
    SWAP(dead);
    SWAP(ndead);
    SWAP(buf_codes);
    SWAP(buf_ids);
    SWAP(nbuf);
    SWAP(capbuf);
#undef SWAP
    ph_rwlock_write_unlock(ix->lock);
    ph_mutex_unlock(ix->wmutex);
    return PHASH_OK;
}
