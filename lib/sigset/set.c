/* SPDX-License-Identifier: MIT */
/* The signature-set store: distinct codes per algorithm (contiguous, for the
 * index), their owners, a string pool, and the tables that de-duplicate. */
#include <string.h>

#include "sigset_int.h"

/* ---- hashing for the de-duplication tables ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Codes are 8 (pHash), 16 (MD5), 20 (SHA-1) or 32 bytes (PDQ, SHA-256):
 * whole words, then a zero-padded tail. */
static uint64_t code_hash(const void *code, size_t size)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL, w;
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        memcpy(&w, (const uint8_t *)code + i, 8);
        h = mix64(h ^ w);
    }
    if (i < size) {
        w = 0;
        memcpy(&w, (const uint8_t *)code + i, size - i);
        h = mix64(h ^ w ^ size);
    }
    return h;
}

static uint64_t bytes_hash(const char *s, size_t len, uint64_t h)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL; /* FNV-1a */
    return h;
}

static uint64_t owner_key(uint32_t algo, uint32_t entry, uint32_t list, const char *id,
                          size_t id_len)
{
    uint64_t h = mix64(((uint64_t)algo << 60) ^ ((uint64_t)list << 32) ^ entry);
    return mix64(bytes_hash(id, id_len, h));
}

static void table_free(ph_table *t)
{
    ph_free(t->slots);
    memset(t, 0, sizeof *t);
}

/* Make room for one more item, keeping the load factor <= 1/2. Items are
 * re-inserted through rehash(key_of_item). */
typedef uint64_t (*ph_key_fn)(const phash_sigset *set, const void *ctx, uint32_t item);

static phash_status table_build(ph_table *t, size_t cap, size_t n_items, const phash_sigset *set,
                                const void *ctx, ph_key_fn key)
{
    uint32_t *slots = ph_calloc(cap, sizeof *slots);
    if (!slots)
        return PHASH_ERR_NOMEM;
    for (size_t i = 0; i < n_items; i++) {
        size_t pos = key(set, ctx, (uint32_t)i) & (cap - 1);
        while (slots[pos])
            pos = (pos + 1) & (cap - 1);
        slots[pos] = (uint32_t)i + 1;
    }
    ph_free(t->slots);
    t->slots = slots;
    t->cap = cap;
    t->used = n_items;
    return PHASH_OK;
}

static phash_status table_reserve(ph_table *t, size_t n_items, const phash_sigset *set,
                                  const void *ctx, ph_key_fn key)
{
    if (t->cap && (n_items + 1) * 2 <= t->cap)
        return PHASH_OK;
    size_t cap = t->cap ? t->cap * 2 : 1024;
    while ((n_items + 1) * 2 > cap)
        cap *= 2;
    return table_build(t, cap, n_items, set, ctx, key);
}

static uint64_t entry_key(const phash_sigset *set, const void *ctx, uint32_t item)
{
    const ph_algo_store *st = ctx;
    (void)set;
    return code_hash((const uint8_t *)st->codes + (size_t)item * st->code_size, st->code_size);
}

static uint64_t owner_item_key(const phash_sigset *set, const void *ctx, uint32_t item)
{
    (void)ctx;
    const ph_owner *o = &set->owners[item];
    const char *id = set->pool + o->id;
    return owner_key(o->algo, o->entry, o->list, id, strlen(id));
}

static uint64_t cat_item_key(const phash_sigset *set, const void *ctx, uint32_t item)
{
    (void)ctx;
    const char *c = set->pool + set->cats[item];
    return mix64(bytes_hash(c, strlen(c), 0xcbf29ce484222325ULL));
}

/* ---- growth helpers ---- */

#define grow ph_sigset_grow

int ph_sigset_grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    size_t bytes;
    if (ph_mul_size(n, elem, &bytes))
        return -1;
    void *p = ph_realloc(*ptr, bytes);
    if (!p)
        return -1;
    *ptr = p;
    *cap = n;
    return 0;
}

size_t ph_sigset_intern(phash_sigset *set, const char *s, size_t len)
{
    if (len == 0)
        return 0; /* pool[0] is always the empty string */
    if (grow((void **)&set->pool, &set->pool_cap, set->pool_len + len + 1, 1))
        return (size_t)-1;
    size_t off = set->pool_len;
    memcpy(set->pool + off, s, len);
    set->pool[off + len] = '\0';
    set->pool_len += len + 1;
    return off;
}

int ph_sigset_add_list(phash_sigset *set, const char *name, uint32_t *out)
{
    size_t old_prov = set->prov_cap;
    if (set->n_lists >= UINT32_MAX ||
        grow((void **)&set->lists, &set->lists_cap, set->n_lists + 1, sizeof *set->lists) ||
        grow((void **)&set->prov, &set->prov_cap, set->n_lists + 1, sizeof *set->prov))
        return -1;
    /* New slots are "unknown" until a load records them. */
    memset(set->prov + old_prov, 0, (set->prov_cap - old_prov) * sizeof *set->prov);
    set->prov[set->n_lists].known = 0;
    size_t off = ph_sigset_intern(set, name, strlen(name));
    if (off == (size_t)-1)
        return -1;
    set->lists[set->n_lists] = off;
    *out = (uint32_t)set->n_lists++;
    return 0;
}

int ph_sigset_category(phash_sigset *set, const char *c, size_t len, uint32_t *out)
{
    *out = 0;
    if (len == 0)
        return 0;
    if (set->n_cats >= UINT32_MAX - 1 ||
        table_reserve(&set->cat_table, set->n_cats, set, NULL, cat_item_key) ||
        grow((void **)&set->cats, &set->cats_cap, set->n_cats + 1, sizeof *set->cats))
        return -1;
    size_t mask = set->cat_table.cap - 1;
    size_t p = mix64(bytes_hash(c, len, 0xcbf29ce484222325ULL)) & mask;
    while (set->cat_table.slots[p]) {
        uint32_t k = set->cat_table.slots[p] - 1;
        const char *x = set->pool + set->cats[k];
        if (!strncmp(x, c, len) && x[len] == '\0') {
            *out = k + 1;
            return 0;
        }
        p = (p + 1) & mask;
    }
    size_t off = ph_sigset_intern(set, c, len);
    if (off == (size_t)-1)
        return -1;
    set->cats[set->n_cats] = off;
    set->cat_table.slots[p] = (uint32_t)set->n_cats + 1;
    set->cat_table.used++;
    *out = (uint32_t)++set->n_cats;
    return 0;
}

/* ---- public lifetime ---- */

static phash_sigset *sigset_create(void)
{
    phash_sigset *set = ph_calloc(1, sizeof *set);
    if (!set)
        return NULL;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        set->algo[a].code_size = phash_sig_algo_code_size((phash_sig_algo)a);
    set->pool = ph_malloc(256);
    if (!set->pool) {
        ph_free(set);
        return NULL;
    }
    set->pool[0] = '\0';
    set->pool_len = 1;
    set->pool_cap = 256;
    set->min_quality = 50;
    set->max_line = 65536;
    set->u64_form = PHASH_U64_HEX;
    set->finalized = 1;
    return set;
}

phash_status phash_sigset_new(phash_sigset **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = sigset_create();
    return *out ? PHASH_OK : PHASH_ERR_NOMEM;
}

static void algo_free(ph_algo_store *st)
{
    ph_free(st->codes);
    ph_free(st->first);
    table_free(&st->table);
    ph_free(st->owner_start);
    ph_free(st->owner_order);
}

void phash_sigset_free(phash_sigset *set)
{
    if (!set)
        return;
    ph_sigset_unmap(set);
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        algo_free(&set->algo[a]);
    ph_free(set->owners);
    ph_free(set->eo);
    table_free(&set->owner_table);
    ph_free(set->pool);
    ph_free(set->lists);
    ph_free(set->cats);
    table_free(&set->cat_table);
    ph_free(set->prov);
    ph_free(set->sizes);
    ph_free(set);
}

/* ---- insertion ---- */

static int find_entry(const ph_algo_store *st, const void *code, uint64_t h, size_t *pos)
{
    size_t mask = st->table.cap - 1, p = h & mask;
    while (st->table.slots[p]) {
        uint32_t e = st->table.slots[p] - 1;
        if (!memcmp((const uint8_t *)st->codes + (size_t)e * st->code_size, code, st->code_size)) {
            *pos = p;
            return (int)e;
        }
        p = (p + 1) & mask;
    }
    *pos = p;
    return -1;
}

/* Is (algo, entry, list, id) already an owner? Returns its slot position
 * either way in *pos. */
static int owner_exists(const phash_sigset *set, uint64_t h, const ph_owner *o, const char *id,
                        size_t id_len, size_t *pos)
{
    const ph_table *t = &set->owner_table;
    size_t mask = t->cap - 1, p = h & mask;
    while (t->slots[p]) {
        const ph_owner *x = &set->owners[t->slots[p] - 1];
        const char *xid = set->pool + x->id;
        if (x->algo == o->algo && x->entry == o->entry && x->list == o->list &&
            !strncmp(xid, id, id_len) && xid[id_len] == '\0') {
            *pos = p;
            return 1;
        }
        p = (p + 1) & mask;
    }
    *pos = p;
    return 0;
}

static uint32_t first_of(const ph_algo_store *st, size_t e)
{
    return st->first_listed ? st->first[e] : (uint32_t)(st->first_base + e);
}

/* Keep the first owners in st->first (room for one more entry). -1 when
 * out of memory (nothing changed). */
static int first_list(ph_algo_store *st)
{
    if (grow((void **)&st->first, &st->first_cap, st->count + 1, sizeof *st->first))
        return -1;
    if (!st->first_listed)
        for (size_t e = 0; e < st->count; e++)
            st->first[e] = (uint32_t)(st->first_base + e);
    st->first_listed = 1;
    return 0;
}

/* Is (algo, entry, list, id) already an owner of existing entry e: its
 * first owner, or one in the owner table? *pos: the table slot for a new
 * owner. */
static int owner_repeat(const phash_sigset *set, const ph_algo_store *st, uint64_t h,
                        const ph_owner *o, const char *id, size_t id_len, size_t *pos)
{
    const ph_owner *f = &set->owners[first_of(st, o->entry)];
    const char *fid = set->pool + f->id;
    if (f->list == o->list && !strncmp(fid, id, id_len) && fid[id_len] == '\0') {
        *pos = 0;
        return 1;
    }
    return owner_exists(set, h, o, id, id_len, pos);
}

static int is_first_owner(const phash_sigset *set, size_t i)
{
    const ph_owner *o = &set->owners[i];
    return first_of(&set->algo[o->algo], o->entry) == i;
}

/* The owner table at cap slots, from the owners that are not first of
 * their entry (first[] complete). */
static phash_status owner_table_build(phash_sigset *set, size_t cap)
{
    uint32_t *slots = ph_calloc(cap, sizeof *slots);
    if (!slots)
        return PHASH_ERR_NOMEM;
    size_t used = 0;
    for (size_t i = 0; i < set->n_owners; i++) {
        if (is_first_owner(set, i))
            continue;
        size_t pos = owner_item_key(set, NULL, (uint32_t)i) & (cap - 1);
        while (slots[pos])
            pos = (pos + 1) & (cap - 1);
        slots[pos] = (uint32_t)i + 1;
        used++;
    }
    ph_free(set->owner_table.slots);
    set->owner_table = (ph_table){.slots = slots, .cap = cap, .used = used};
    return PHASH_OK;
}

/* The first owner of each entry from entry from[algo] on, found among the
 * owners from owner from_owner on (first[] listed where there are entries). */
static void first_fill(phash_sigset *set, const size_t from[], size_t from_owner)
{
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        ph_algo_store *st = &set->algo[a];
        if (st->count > from[a] && st->first_listed)
            memset(st->first + from[a], 0xff, (st->count - from[a]) * sizeof *st->first);
    }
    for (size_t i = from_owner; i < set->n_owners; i++) {
        const ph_owner *o = &set->owners[i];
        uint32_t *f = &set->algo[o->algo].first[o->entry];
        if (o->entry >= from[o->algo] && *f == UINT32_MAX)
            *f = (uint32_t)i;
    }
}

/* The first owner of every entry, from the owners (a set whose owner table
 * is not built: new, read from a compiled file or released). */
static phash_status first_build(phash_sigset *set)
{
    static const size_t zero[PHASH_SIG_ALGO_MAX + 1];
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        if (set->algo[a].count && first_list(&set->algo[a]))
            return PHASH_ERR_NOMEM;
    first_fill(set, zero, 0);
    return PHASH_OK;
}

/* Room in the owner table for one more owner, building it (and first[])
 * when the set has none. -1 when out of memory. */
static int owner_table_reserve(phash_sigset *set)
{
    ph_table *t = &set->owner_table;
    if (t->cap && (t->used + 1) * 2 <= t->cap)
        return 0;
    size_t need = t->used;
    if (!t->cap) {
        if (first_build(set) != PHASH_OK)
            return -1;
        need = 0;
        for (size_t i = 0; i < set->n_owners; i++)
            need += !is_first_owner(set, i);
    }
    size_t cap = t->cap ? t->cap * 2 : 1024;
    while ((need + 1) * 2 > cap)
        cap *= 2;
    return owner_table_build(set, cap) == PHASH_OK ? 0 : -1;
}

/* Room for one more entry of st and one more owner. -1 when out of memory
 * or past the 32-bit numbering of the store. */
static int reserve_one(phash_sigset *set, ph_algo_store *st)
{
    if (st->count >= UINT32_MAX - 1 || set->n_owners >= UINT32_MAX - 1)
        return -1; /* ids are 32-bit inside the store */
    /* Owners came since the last entry's first: list the first owners. */
    int listed = st->first_listed || (st->count && st->first_base + st->count != set->n_owners);
    if (table_reserve(&st->table, st->count, set, st, entry_key) || owner_table_reserve(set) ||
        grow(&st->codes, &st->cap, st->count + 1, st->code_size) ||
        (listed && first_list(st)) ||
        grow((void **)&set->owners, &set->owners_cap, set->n_owners + 1, sizeof(ph_owner)))
        return -1;
    return 0;
}

/* A new entry, whose first owner is the next one appended. */
static void add_entry(const phash_sigset *set, ph_algo_store *st, const void *code, size_t epos)
{
    memcpy((uint8_t *)st->codes + st->count * st->code_size, code, st->code_size);
    if (st->first_listed)
        st->first[st->count] = (uint32_t)set->n_owners;
    else if (st->count == 0)
        st->first_base = set->n_owners;
    st->table.slots[epos] = (uint32_t)st->count + 1;
    st->table.used++;
    st->count++;
}

static size_t free_owner_slot(const phash_sigset *set, uint64_t oh)
{
    size_t mask = set->owner_table.cap - 1, pos = oh & mask;
    while (set->owner_table.slots[pos])
        pos = (pos + 1) & mask;
    return pos;
}

/* Append an owner; one that is not the first of its entry goes into the
 * owner table at slot opos. */
static void append_owner(phash_sigset *set, const ph_owner *o, int first, size_t opos)
{
    set->owners[set->n_owners] = *o;
    if (!first) {
        set->owner_table.slots[opos] = (uint32_t)set->n_owners + 1;
        set->owner_table.used++;
    }
    set->n_owners++;
    set->finalized = 0;
}

/* The previous owner's string again (a VICS record's MD5 and SHA-1
 * owners, a CSV row's hash columns: the same id and metadata): its copy
 * in the pool is shared instead of interning another. Checked against the
 * pool as it is now (a rollback may have cut it). */
static size_t intern_again(phash_sigset *set, size_t *last_off, size_t *last_len, const char *s,
                           size_t len)
{
    if (len && *last_len == len && *last_off + len < set->pool_len &&
        set->pool[*last_off + len] == '\0' && !memcmp(set->pool + *last_off, s, len))
        return *last_off;
    size_t off = ph_sigset_intern(set, s, len);
    if (off != (size_t)-1)
        *last_off = off, *last_len = len;
    return off;
}

phash_status ph_sigset_insert(phash_sigset *set, phash_sig_algo algo, const void *code,
                              const ph_owner *owner, const char *id, size_t id_len,
                              const char *meta, size_t meta_len, int *is_new)
{
    ph_algo_store *st = &set->algo[algo];
    if (reserve_one(set, st))
        return PHASH_ERR_NOMEM;

    uint64_t h = code_hash(code, st->code_size);
    size_t epos;
    int e = find_entry(st, code, h, &epos);
    ph_owner o = *owner;
    o.algo = (uint8_t)algo;
    o.entry = e >= 0 ? (uint32_t)e : (uint32_t)st->count;

    size_t opos = 0;
    uint64_t oh = owner_key(o.algo, o.entry, o.list, id, id_len);
    if (e >= 0 && owner_repeat(set, st, oh, &o, id, id_len, &opos)) {
        *is_new = 0; /* the very same record again: nothing to add */
        return PHASH_OK;
    }
    size_t pool_mark = set->pool_len;
    o.id = intern_again(set, &set->last_id_off, &set->last_id_len, id, id_len);
    o.meta = o.id == (size_t)-1 ? (size_t)-1
                                : intern_again(set, &set->last_meta_off, &set->last_meta_len,
                                               meta, meta_len);
    if (o.meta == (size_t)-1) {
        set->pool_len = pool_mark;
        return PHASH_ERR_NOMEM;
    }
    if (e < 0)
        add_entry(set, st, code, epos);
    append_owner(set, &o, e < 0, opos);
    *is_new = e < 0;
    return PHASH_OK;
}

phash_status ph_sigset_insert_frame(phash_sigset *set, const phash_pdq_code *code,
                                    const ph_owner *owner)
{
    ph_algo_store *st = &set->algo[PHASH_SIG_VPDQ];
    if (reserve_one(set, st))
        return PHASH_ERR_NOMEM;
    size_t epos;
    int e = find_entry(st, code, code_hash(code, st->code_size), &epos);
    ph_owner o = *owner;
    o.algo = PHASH_SIG_VPDQ;
    o.entry = e >= 0 ? (uint32_t)e : (uint32_t)st->count;
    if (e < 0) {
        add_entry(set, st, code, epos);
        append_owner(set, &o, 1, 0);
    } else {
        const char *id = set->pool + o.id;
        append_owner(set, &o, 0,
                     free_owner_slot(set, owner_key(o.algo, o.entry, o.list, id, strlen(id))));
    }
    return PHASH_OK;
}

int ph_sigset_video_exists(const phash_sigset *set, const phash_pdq_code *code, uint32_t list,
                           const char *id, size_t id_len)
{
    const ph_algo_store *st = &set->algo[PHASH_SIG_VPDQ];
    size_t pos;
    if (!st->table.cap || !set->owner_table.cap)
        return 0;
    int e = find_entry(st, code, code_hash(code, st->code_size), &pos);
    if (e < 0)
        return 0;
    ph_owner o = {.algo = PHASH_SIG_VPDQ, .entry = (uint32_t)e, .list = list};
    return owner_repeat(set, st, owner_key(o.algo, o.entry, list, id, id_len), &o, id, id_len,
                        &pos);
}

/* ---- grouping owners per entry (counting sort) ---- */

phash_status ph_sigset_finalize(phash_sigset *set)
{
    if (set->finalized)
        return PHASH_OK;
    /* Two passes over the owners for all algorithms together (a compiled
     * set of 10M owners is finalized at every open), each algorithm's
     * order array sized to its own owners. */
    size_t per[PHASH_SIG_ALGO_MAX + 1] = {0}, base[PHASH_SIG_ALGO_MAX + 1] = {0};
    int plain[PHASH_SIG_ALGO_MAX + 1];
    uint32_t *start[PHASH_SIG_ALGO_MAX + 1] = {0}, *order[PHASH_SIG_ALGO_MAX + 1] = {0};
    for (int a = 0; a <= PHASH_SIG_ALGO_MAX; a++)
        plain[a] = 1;
    /* Plain: the k-th owner of the algorithm is owner base + k and owns
     * entry k (one owner an entry, in order): no arrays needed. */
    for (size_t i = 0; i < set->n_owners; i++) {
        const ph_owner *o = &set->owners[i];
        if (per[o->algo] == 0)
            base[o->algo] = i;
        plain[o->algo] &= o->entry == i - base[o->algo];
        per[o->algo]++;
    }
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        if (plain[a] && per[a] == set->algo[a].count)
            continue;
        plain[a] = 0;
        start[a] = ph_calloc(set->algo[a].count + 1, sizeof *start[a]);
        order[a] = ph_calloc(per[a] ? per[a] : 1, sizeof *order[a]);
        if (!start[a] || !order[a]) {
            for (int b = 1; b <= a; b++) {
                ph_free(start[b]);
                ph_free(order[b]);
            }
            return PHASH_ERR_NOMEM;
        }
    }
    for (size_t i = 0; i < set->n_owners; i++)
        if (start[set->owners[i].algo])
            start[set->owners[i].algo][set->owners[i].entry + 1]++;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        for (size_t e = 0; start[a] && e < set->algo[a].count; e++)
            start[a][e + 1] += start[a][e];
    /* Fill in load order: a running cursor per entry, borrowed from start[]. */
    for (size_t i = 0; i < set->n_owners; i++) {
        const ph_owner *o = &set->owners[i];
        if (order[o->algo])
            order[o->algo][start[o->algo][o->entry]++] = (uint32_t)i;
    }
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        ph_algo_store *st = &set->algo[a];
        for (size_t e = st->count; start[a] && e > 0; e--)
            start[a][e] = start[a][e - 1];
        if (start[a])
            start[a][0] = 0;
        ph_free(st->owner_start);
        ph_free(st->owner_order);
        st->owner_start = start[a];
        st->owner_order = order[a];
        st->owner_base = plain[a] ? base[a] : 0;
    }
    ph_sigset_sort_sizes(set);
    set->finalized = 1;
    return PHASH_OK;
}

/* ---- rollback ---- */

void ph_sigset_mark_get(const phash_sigset *set, ph_sigset_mark *mark)
{
    for (int a = 0; a <= PHASH_SIG_ALGO_MAX; a++)
        mark->count[a] = set->algo[a].count;
    mark->n_owners = set->n_owners;
    mark->pool_len = set->pool_len;
    mark->n_lists = set->n_lists;
    mark->n_cats = set->n_cats;
    mark->n_sizes = set->n_sizes;
    mark->unsized = set->unsized;
}

phash_status ph_sigset_rollback(phash_sigset *set, const ph_sigset_mark *mark)
{
    phash_status st = PHASH_OK;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        ph_algo_store *s = &set->algo[a];
        if (s->count == mark->count[a])
            continue;
        s->count = mark->count[a];
        if (s->table.cap && table_build(&s->table, s->table.cap, s->count, set, s, entry_key))
            st = PHASH_ERR_NOMEM;
    }
    if (set->n_owners != mark->n_owners) {
        set->n_owners = mark->n_owners; /* first[] of the entries kept stays right */
        if (set->owner_table.cap && owner_table_build(set, set->owner_table.cap))
            st = PHASH_ERR_NOMEM;
    }
    if (set->n_cats != mark->n_cats) {
        set->n_cats = mark->n_cats;
        if (set->cat_table.cap && table_build(&set->cat_table, set->cat_table.cap, set->n_cats,
                                              set, NULL, cat_item_key))
            st = PHASH_ERR_NOMEM;
    }
    set->pool_len = mark->pool_len;
    set->n_lists = mark->n_lists;
    set->n_sizes = mark->n_sizes;
    set->unsized = mark->unsized;
    set->finalized = 0;
    if (ph_sigset_finalize(set))
        st = PHASH_ERR_NOMEM;
    return st;
}

/* ---- reading ---- */

static const ph_algo_store *store_of(const phash_sigset *set, phash_sig_algo algo)
{
    if (!set || algo < 1 || algo > PHASH_SIG_ALGO_MAX)
        return NULL;
    return &set->algo[algo];
}

size_t phash_sigset_size(const phash_sigset *set, phash_sig_algo algo)
{
    const ph_algo_store *st = store_of(set, algo);
    return st ? st->count : 0;
}

size_t phash_sigset_list_count(const phash_sigset *set)
{
    return set ? set->n_lists : 0;
}

phash_status phash_sigset_list_info(const phash_sigset *set, size_t i, const char **name,
                                    uint64_t *size, uint8_t sha256[32], int64_t *loaded)
{
    if (!set)
        return PHASH_ERR_INVALID_ARG;
    if (i >= set->n_lists)
        return PHASH_ERR_NOT_FOUND;
    static const ph_list_prov unknown;
    const ph_list_prov *p = set->prov && i < set->prov_cap ? &set->prov[i] : &unknown;
    if (name)
        *name = set->pool + set->lists[i];
    if (size)
        *size = p->size;
    if (sha256)
        memcpy(sha256, p->sha256, 32);
    if (loaded)
        *loaded = p->loaded;
    return p->known ? PHASH_OK : PHASH_ERR_UNSUPPORTED;
}

const phash_pdq_code *phash_sigset_pdq_codes(const phash_sigset *set, size_t *count)
{
    const ph_algo_store *st = store_of(set, PHASH_SIG_PDQ);
    if (count)
        *count = st ? st->count : 0;
    return st && st->count ? st->codes : NULL;
}

const uint64_t *phash_sigset_u64_codes(const phash_sigset *set, phash_sig_algo algo,
                                       size_t *count)
{
    const ph_algo_store *st = store_of(set, algo);
    if (st && st->code_size != sizeof(uint64_t))
        st = NULL;
    if (count)
        *count = st ? st->count : 0;
    return st && st->count ? st->codes : NULL;
}

const void *phash_sigset_codes(const phash_sigset *set, phash_sig_algo algo, size_t *count)
{
    const ph_algo_store *st = store_of(set, algo);
    if (count)
        *count = st ? st->count : 0;
    return st && st->count ? st->codes : NULL;
}

size_t phash_sigset_owner_count(const phash_sigset *set, phash_sig_algo algo, size_t entry)
{
    const ph_algo_store *st = store_of(set, algo);
    if (!st || entry >= st->count || !set->finalized)
        return 0;
    if (set->eo) {
        size_t first, n;
        ph_eowners_range(set->eo, (int)algo, entry, &first, &n);
        return n;
    }
    uint32_t lo, hi;
    ph_owner_span(st, entry, &lo, &hi);
    return hi - lo;
}

void ph_sigset_owner_at(const phash_sigset *set, int algo, size_t entry, size_t k, ph_owner *out)
{
    if (set->eo) {
        size_t first, n;
        ph_eowners_range(set->eo, algo, entry, &first, &n);
        ph_eowners_get(set->eo, first + k, out);
        return;
    }
    const ph_algo_store *st = &set->algo[algo];
    uint32_t lo, hi;
    ph_owner_span(st, entry, &lo, &hi);
    *out = set->owners[ph_owner_at(st, lo + (uint32_t)k)];
}

void ph_sigset_owner_nth(const phash_sigset *set, size_t i, ph_owner *out)
{
    if (set->eo)
        ph_eowners_get(set->eo, i, out);
    else
        *out = set->owners[i];
}

phash_status phash_sigset_owner_get(const phash_sigset *set, phash_sig_algo algo, size_t entry,
                                    size_t k, phash_sigset_owner *out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    if (k >= phash_sigset_owner_count(set, algo, entry))
        return PHASH_ERR_NOT_FOUND;
    ph_owner own;
    const ph_owner *o = &own;
    ph_sigset_owner_at(set, (int)algo, entry, k, &own);
    out->list = set->pool + set->lists[o->list];
    out->id = set->pool + o->id;
    out->metadata = set->pool + o->meta;
    out->category = o->category ? set->pool + set->cats[o->category - 1] : "";
    out->quality = o->quality;
    out->flags = o->flags;
    out->line = o->line;
    return PHASH_OK;
}

/* ---- exact lookup ---- */

phash_status ph_sigset_prepare_lookup(phash_sigset *set, phash_sig_algo algo)
{
    ph_algo_store *st = &set->algo[algo];
    if (st->count == 0 || st->dt_dir || (st->table.cap && st->table.used == st->count))
        return PHASH_OK; /* a compiled set's sorted table needs no build */
    /* table_reserve() keeps a table that has room; a compiled set has none. */
    size_t cap = 1024;
    while ((st->count + 1) * 2 > cap)
        cap *= 2;
    return table_build(&st->table, cap, st->count, set, st, entry_key);
}

long long ph_sigset_lookup(const phash_sigset *set, phash_sig_algo algo, const void *code)
{
    const ph_algo_store *st = &set->algo[algo];
    if (st->count && st->dt_dir)
        return ph_digest_table_find(st, code);
    if (st->count == 0 || !st->table.cap)
        return -1;
    size_t pos;
    return find_entry(st, code, code_hash(code, st->code_size), &pos);
}

/* ---- dropping owners of the current load (NCMEC tombstones) ---- */

phash_status ph_sigset_drop_owners(phash_sigset *set, const ph_sigset_mark *mark,
                                   ph_owner_drop_fn drop, void *ctx, uint64_t *dropped)
{
    *dropped = 0;
    /* Everything that can fail first: the remap of each algorithm's new entries. */
    uint32_t *remap[PHASH_SIG_ALGO_MAX + 1] = {0};
    phash_status st = PHASH_OK;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX && st == PHASH_OK; a++) {
        size_t fresh = set->algo[a].count - mark->count[a];
        if (fresh && !(remap[a] = ph_calloc(fresh, sizeof *remap[a])))
            st = PHASH_ERR_NOMEM;
        /* first[] listed, to be renumbered below */
        if (st == PHASH_OK && set->owner_table.cap && set->algo[a].count &&
            first_list(&set->algo[a]))
            st = PHASH_ERR_NOMEM;
    }
    if (st != PHASH_OK)
        goto done;
    size_t out = mark->n_owners;
    for (size_t i = mark->n_owners; i < set->n_owners; i++) {
        ph_owner *o = &set->owners[i];
        if (drop(ctx, o, set->pool + o->id)) {
            (*dropped)++;
            continue;
        }
        if (o->entry >= mark->count[o->algo])
            remap[o->algo][o->entry - mark->count[o->algo]] = 1; /* still owned */
        set->owners[out++] = *o;
    }
    if (*dropped == 0)
        goto done;
    set->n_owners = out;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        ph_algo_store *s = &set->algo[a];
        size_t keep = mark->count[a];
        for (size_t e = mark->count[a]; e < s->count; e++) {
            if (!remap[a][e - mark->count[a]])
                continue;
            memmove((uint8_t *)s->codes + keep * s->code_size,
                    (uint8_t *)s->codes + e * s->code_size, s->code_size);
            remap[a][e - mark->count[a]] = (uint32_t)keep++;
        }
        s->count = keep;
    }
    for (size_t i = mark->n_owners; i < set->n_owners; i++) {
        ph_owner *o = &set->owners[i];
        if (o->entry >= mark->count[o->algo])
            o->entry = remap[o->algo][o->entry - mark->count[o->algo]];
    }
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        ph_algo_store *s = &set->algo[a];
        if (s->table.cap && table_build(&s->table, s->table.cap, s->count, set, s, entry_key))
            st = PHASH_ERR_NOMEM;
    }
    if (set->owner_table.cap) {
        first_fill(set, mark->count, mark->n_owners); /* the entries this load added, renumbered */
        if (owner_table_build(set, set->owner_table.cap))
            st = PHASH_ERR_NOMEM;
    }
    set->finalized = 0;
done:
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        ph_free(remap[a]);
    return st;
}
