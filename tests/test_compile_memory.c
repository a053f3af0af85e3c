/* SPDX-License-Identifier: MIT */
/* Memory of compiling a signature set (issues 15 and 17: a 10M-entry list
 * must compile in bounded memory), counted exactly through the allocator
 * hooks: every byte phash allocates goes through them, so the live bytes
 * and their peak are the same on every run and machine. */
#include <stdatomic.h>
#include <stdint.h>

#include "testutil.h"

#include "phash/phash.h"
#include "index/index_file.h"
#include "sigset/sigset_int.h"

/* ---- a counting allocator: a 16-byte header holds each block's size ---- */

static atomic_size_t live, peak;

static void count_add(size_t n)
{
    size_t now = atomic_fetch_add(&live, n) + n;
    size_t p = atomic_load(&peak);
    while (now > p && !atomic_compare_exchange_weak(&peak, &p, now))
        ;
}

static void *count_malloc(void *opaque, size_t size)
{
    (void)opaque;
    unsigned char *p = malloc(size + 16);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    count_add(size);
    return p + 16;
}

static void count_free(void *opaque, void *ptr)
{
    (void)opaque;
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - 16;
    size_t size;
    memcpy(&size, p, sizeof size);
    atomic_fetch_sub(&live, size);
    free(p);
}

static void *count_realloc(void *opaque, void *ptr, size_t size)
{
    if (!ptr)
        return count_malloc(opaque, size);
    unsigned char *p = (unsigned char *)ptr - 16;
    size_t old;
    memcpy(&old, p, sizeof old);
    unsigned char *q = realloc(p, size + 16);
    if (!q)
        return NULL;
    memcpy(q, &size, sizeof size);
    atomic_fetch_sub(&live, old);
    count_add(size);
    return q + 16;
}

static void peak_reset(void)
{
    atomic_store(&peak, atomic_load(&live));
}

/* ---- lists ---- */

/* splitmix64: distinct pseudo-random PDQ hashes */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A CSV list of n distinct PDQ hashes with ids E00000.. (7 bytes each in
 * the pool): "pdq,id" then 72 bytes a line. */
static char *make_list(size_t n, size_t *len)
{
    char *buf = malloc(8 + 72 * n + 1);
    ck_assert_ptr_nonnull(buf);
    size_t o = (size_t)sprintf(buf, "pdq,id\n");
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = next(&s), b = next(&s), c = next(&s), d = next(&s);
        o += (size_t)sprintf(buf + o, "%016llx%016llx%016llx%016llx,E%05zu\n",
                             (unsigned long long)a, (unsigned long long)b,
                             (unsigned long long)c, (unsigned long long)d, i);
    }
    *len = o;
    return buf;
}

static phash_sigset *load(size_t n)
{
    size_t len;
    char *list = make_list(n, &len);
    phash_sigset *set = NULL;
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, list, len, "list", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, n);
    free(list);
    return set;
}

/* What a set holds for each further 8,192 entries (N = 8,000 and 16,000
 * distinct PDQ hashes, one owner each: every array and table doubles):
 * codes 32 B and owners 40 B per array slot, the code -> entry table 2
 * slots of 4 B per entry, the pool 8 B per id. The owner table stays at its
 * 1,024 slots: only further owners of an entry go into it (it was 2 slots
 * of 4 B per owner); the first owner of entry e is owner e here, so no
 * array of first owners is kept either. One owner an entry, in entry order,
 * needs no owner grouping (it was 8 B per entry). */
START_TEST(load_costs_per_entry)
{
    size_t base = atomic_load(&live);
    phash_sigset *a = load(8000);
    ck_assert_uint_eq(a->owner_table.cap, 1024);
    ck_assert_uint_eq(a->owner_table.used, 0);
    ck_assert_ptr_null(a->algo[PHASH_SIG_PDQ].owner_start);
    ck_assert_ptr_null(a->algo[PHASH_SIG_PDQ].owner_order);
    ck_assert_ptr_null(a->algo[PHASH_SIG_PDQ].first);
    size_t la = atomic_load(&live) - base;
    phash_sigset_free(a);
    ck_assert_uint_eq(atomic_load(&live), base);
    phash_sigset *b = load(16000);
    ck_assert_uint_eq(b->owner_table.cap, 1024);
    size_t lb = atomic_load(&live) - base;
    phash_sigset_free(b);
    ck_assert_uint_eq(lb - la, 8192 * (32 + 40) + 16384 * 4 + 65536);
}
END_TEST

/* The same record twice is still one owner, a second id a second owner
 * (in the table), after a first owner that is not the entry's newest. */
START_TEST(repeats_found_through_first_owner)
{
    static const char list[] =
        "pdq,id\n"
        "8b5a1d8bc1bac2ef3d1cfd33c0d2b9c52a1d6e1fba1c2ea1b7b5f6f46d6dbb16,A\n"
        "0c3c7a4cb27bd57da4ac3e6e65a5a5b1c8bcf2d0fa1c1a5b6ec3e7a4b5f2d1e0,B\n"
        "8b5a1d8bc1bac2ef3d1cfd33c0d2b9c52a1d6e1fba1c2ea1b7b5f6f46d6dbb16,A\n"
        "8b5a1d8bc1bac2ef3d1cfd33c0d2b9c52a1d6e1fba1c2ea1b7b5f6f46d6dbb16,C\n"
        "8b5a1d8bc1bac2ef3d1cfd33c0d2b9c52a1d6e1fba1c2ea1b7b5f6f46d6dbb16,C\n"
        "0c3c7a4cb27bd57da4ac3e6e65a5a5b1c8bcf2d0fa1c1a5b6ec3e7a4b5f2d1e0,B\n";
    phash_sigset *set = NULL;
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, list, strlen(list), "l", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, 2);
    ck_assert_uint_eq(r.duplicates, 4);
    ck_assert_uint_eq(phash_sigset_owner_count(set, PHASH_SIG_PDQ, 0), 2);
    ck_assert_uint_eq(phash_sigset_owner_count(set, PHASH_SIG_PDQ, 1), 1);
    ck_assert_uint_eq(set->owner_table.used, 1); /* C */
    ck_assert_ptr_nonnull(set->algo[PHASH_SIG_PDQ].owner_start); /* two owners: grouped */
    ck_assert_int_eq(set->algo[PHASH_SIG_PDQ].first_listed, 1);
    ck_assert_uint_eq(set->algo[PHASH_SIG_PDQ].first[1], 1);
    /* the same list again under another name: new owners, first owners kept */
    ck_assert_int_eq(phash_sigset_load_memory(set, list, strlen(list), "m", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, 0);
    ck_assert_uint_eq(phash_sigset_owner_count(set, PHASH_SIG_PDQ, 0), 4);
    ck_assert_uint_eq(phash_sigset_owner_count(set, PHASH_SIG_PDQ, 1), 2);
    ck_assert_uint_eq(set->owner_table.used, 4);
    phash_sigset_free(set);
}
END_TEST

/* A tombstone that drops an entry's first owner: the next owner becomes
 * the first, and the same record again is still found a repeat. */
START_TEST(first_owner_after_tombstone)
{
#define MD5 "<md5>0123456789abcdef0123456789abcdef</md5>"
    static const char doc[] =
        "<queryResult><images>"
        "<image><id>x</id><fingerprints>" MD5 "</fingerprints></image>"
        "<image><id>y</id><fingerprints>" MD5 "</fingerprints></image>"
        "<deletedImage><id>x</id></deletedImage>"
        "<image><id>y</id><fingerprints>" MD5 "</fingerprints></image>"
        "<image><id>z</id><fingerprints>" MD5 "</fingerprints></image>"
        "</images></queryResult>";
#undef MD5
    phash_sigset *set = NULL;
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, doc, strlen(doc), "n.xml", &r), PHASH_OK);
    ck_assert_uint_eq(r.deleted, 1);
    ck_assert_uint_eq(phash_sigset_size(set, PHASH_SIG_MD5), 1);
    ck_assert_uint_eq(phash_sigset_owner_count(set, PHASH_SIG_MD5, 0), 2);
    static const char *const ids[] = {"y", "z"};
    for (size_t k = 0; k < 2; k++) {
        phash_sigset_owner o;
        ck_assert_int_eq(phash_sigset_owner_get(set, PHASH_SIG_MD5, 0, k, &o), PHASH_OK);
        ck_assert_str_eq(o.id, ids[k]);
    }
    phash_sigset_free(set);
}
END_TEST

/* A release save holds the codes once: while the index is built, the
 * heap holds what building that index alone needs plus the output buffer
 * (64 KiB) and the set's small leftovers, not the set's codes besides (8,192
 * x 32 B here, 320 MB at 10M PDQ entries), nor an entry-number scratch
 * array of 4 B per entry. */
START_TEST(release_save_holds_codes_once)
{
    const size_t n = 8000;
    size_t base = atomic_load(&live);
    phash_sigset *set = load(n);
    size_t count;
    const phash_pdq_code *c = phash_sigset_pdq_codes(set, &count);
    ck_assert_uint_eq(count, n);
    void *copy = malloc(n * sizeof *c); /* not counted */
    memcpy(copy, c, n * sizeof *c);
    char path[512];
    snprintf(path, sizeof path, "%s/phash-compile-memory-%ld.phx",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    peak_reset();
    ck_assert_int_eq(phash_sigset_save_flags(set, path, PHASH_SIGSET_SAVE_RELEASE), PHASH_OK);
    size_t save_peak = atomic_load(&peak) - base;
    phash_sigset_free(set);
    unlink(path);
    ck_assert_uint_eq(atomic_load(&live), base);
    phash_index *ix = NULL;
    peak_reset();
    ck_assert_int_eq(ph_index_build_from(256, copy, n, &ix), PHASH_OK);
    size_t index_peak = atomic_load(&peak) - base;
    phash_index_free(ix);
    free(copy);
    ck_assert_uint_gt(save_peak, index_peak);
    ck_assert_uint_le(save_peak, index_peak + 72 * 1024);
}
END_TEST

int main(void)
{
    static const phash_allocator counting = {count_malloc, count_realloc, count_free, NULL};
    if (phash_set_allocator(&counting) != PHASH_OK)
        return EXIT_FAILURE;
    Suite *s = suite_create("compile_memory");
    TCase *tc = tcase_create("compile_memory");
    tcase_add_test(tc, load_costs_per_entry);
    tcase_add_test(tc, repeats_found_through_first_owner);
    tcase_add_test(tc, first_owner_after_tombstone);
    tcase_add_test(tc, release_save_holds_codes_once);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
