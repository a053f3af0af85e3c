/* SPDX-License-Identifier: MIT */
/* Index: add/remove/build/swap give the same results as a fresh build;
 * concurrent queries during swaps; the N-thread batch; dihedral queries;
 * the upstream MIH regression (needles vs haystack). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "index_testlib.h"

static const phash_index_method METHODS[] = {PHASH_INDEX_AUTO, PHASH_INDEX_SCAN,
                                             PHASH_INDEX_BKTREE, PHASH_INDEX_MIH};

static void check_all_methods(phash_index *ix, const tl_set *s, const unsigned char *alive,
                              const uint64_t *q, size_t nq, unsigned V, unsigned r, size_t k,
                              const char *what)
{
    phash_index_results *res;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    tl_truths t = tl_truths_make(s, alive, q, nq, V, r, k);
    for (unsigned mi = 0; mi < 4; mi++) {
        phash_index_search_opts o = {.radius = r, .k = k, .variants = V, .method = METHODS[mi]};
        ck_assert_int_eq(phash_index_search(ix, q, nq, &o, res), PHASH_OK);
        char msg[128];
        snprintf(msg, sizeof msg, "%s method %u", what, mi);
        tl_compare(&t, res, msg);
    }
    tl_truths_free(&t);
    phash_index_results_free(res);
}

START_TEST(add_remove_build)
{
    unsigned w = _i ? 4 : 1, r = _i ? 31 : 10;
    tl_set s = tl_make(TL_CLUSTERED, w, 7000, 11 + (uint64_t)_i);
    unsigned char *alive = calloc(s.n, 1);
    size_t nq = 16;
    uint64_t *q = tl_queries(&s, TL_CLUSTERED, nq, 12), rng = 13;
    phash_index *ix;
    ck_assert_int_eq(phash_index_new(64 * w, &ix), PHASH_OK);
    /* Unbuilt: everything in the buffer. */
    ck_assert_int_eq(phash_index_add(ix, s.codes, s.ids, 1000), PHASH_OK);
    memset(alive, 1, 1000);
    check_all_methods(ix, &s, alive, q, nq, 1, r, 0, "buffer only");
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    ck_assert_int_eq(phash_index_add(ix, s.codes + 1000 * w, s.ids + 1000, 4000), PHASH_OK);
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    memset(alive, 1, 5000);
    check_all_methods(ix, &s, alive, q, nq, 1, r, 0, "built");
    /* Buffer + tombstones (in the core and in the buffer). */
    ck_assert_int_eq(phash_index_add(ix, s.codes + 5000 * w, s.ids + 5000, 2000), PHASH_OK);
    memset(alive, 1, s.n);
    for (unsigned i = 0; i < 400; i++) {
        size_t e = tl_rand(&rng) % s.n;
        phash_status st = phash_index_remove(ix, s.ids[e]);
        ck_assert_int_eq(st, alive[e] ? PHASH_OK : PHASH_ERR_NOT_FOUND);
        alive[e] = 0;
    }
    size_t live = 0;
    for (size_t i = 0; i < s.n; i++)
        live += alive[i];
    ck_assert_uint_eq(phash_index_count(ix), live);
    check_all_methods(ix, &s, alive, q, nq, 1, r, 0, "buffer+tombstones");
    check_all_methods(ix, &s, alive, q, nq, 1, r, 4, "buffer+tombstones k=4");
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    ck_assert_uint_eq(phash_index_count(ix), live);
    check_all_methods(ix, &s, alive, q, nq, 1, r, 0, "rebuilt");
    /* Remove everything: an empty built index. */
    for (size_t i = 0; i < s.n; i++)
        if (alive[i]) {
            ck_assert_int_eq(phash_index_remove(ix, s.ids[i]), PHASH_OK);
            alive[i] = 0;
        }
    ck_assert_uint_eq(phash_index_count(ix), 0);
    check_all_methods(ix, &s, alive, q, nq, 1, r, 0, "all removed");
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    check_all_methods(ix, &s, alive, q, nq, 1, r, 0, "empty rebuilt");
    phash_index_free(ix);
    free(q);
    free(alive);
    tl_set_free(&s);
}
END_TEST

START_TEST(swap_sets)
{
    tl_set a = tl_make(TL_CLUSTERED, 4, 3000, 21), b = tl_make(TL_RANDOM, 4, 2000, 22);
    uint64_t *q = tl_queries(&a, TL_CLUSTERED, 10, 23);
    phash_index *ia = tl_index(&a, 1), *ib = tl_index(&b, 0);
    ck_assert_int_eq(phash_index_swap(ia, ib), PHASH_OK);
    check_all_methods(ia, &b, NULL, q, 10, 1, 40, 0, "after swap (new)");
    check_all_methods(ib, &a, NULL, q, 10, 1, 40, 0, "after swap (old)");
    phash_index_free(ia);
    phash_index_free(ib);
    free(q);
    tl_set_free(&a);
    tl_set_free(&b);
}
END_TEST

/* Query threads run while the main thread swaps two sets back and forth:
 * every batch must equal one set's truth exactly (never a mix). */
typedef struct qthread {
    phash_index *ix;
    const uint64_t *q;
    size_t nq;
    const tl_truths *ta, *tb;
    atomic_int *stop;
    int bad, runs;
    char msg[256];
} qthread;

static void *query_loop(void *arg)
{
    qthread *t = arg;
    phash_index_results *res;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    phash_index_search_opts o = {.radius = 31};
    while (!atomic_load(t->stop) || t->runs < 3) {
        if (phash_index_search(t->ix, t->q, t->nq, &o, res) != PHASH_OK) {
            t->bad = 1;
            break;
        }
        char m1[128];
        if (!tl_same(t->ta, res, m1, sizeof m1) && !tl_same(t->tb, res, t->msg, sizeof t->msg)) {
            t->bad = 1;
            break;
        }
        t->runs++;
    }
    phash_index_results_free(res);
    return NULL;
}

START_TEST(concurrent_queries_during_swap)
{
    tl_set a = tl_make(TL_CLUSTERED, 4, 5000, 31), b = tl_make(TL_CLUSTERED, 4, 5000, 32);
    uint64_t *q = tl_queries(&a, TL_CLUSTERED, 8, 33);
    tl_truths ta = tl_truths_make(&a, NULL, q, 8, 1, 31, 0), tb = tl_truths_make(&b, NULL, q, 8, 1, 31, 0);
    phash_index *ix = tl_index(&a, 1), *spare = tl_index(&b, 1);
    atomic_int stop = 0;
    qthread th[3];
    pthread_t tid[3];
    for (int i = 0; i < 3; i++) {
        th[i] = (qthread){ix, q, 8, &ta, &tb, &stop, 0, 0, ""};
        ck_assert_int_eq(pthread_create(&tid[i], NULL, query_loop, &th[i]), 0);
    }
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(phash_index_swap(ix, spare), PHASH_OK);
    /* Mutations publish atomically too: rebuild in place while querying. */
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++) {
        pthread_join(tid[i], NULL);
        ck_assert_msg(!th[i].bad, "thread %d saw a mixed or failed result: %s", i, th[i].msg);
    }
    tl_truths_free(&ta);
    tl_truths_free(&tb);
    phash_index_free(ix);
    phash_index_free(spare);
    free(q);
    tl_set_free(&a);
    tl_set_free(&b);
}
END_TEST

START_TEST(batch_threads)
{
    tl_set s = tl_make(TL_CLUSTERED, 1, 8000, 41);
    size_t nq = 50;
    uint64_t *q = tl_queries(&s, TL_CLUSTERED, nq, 42);
    phash_index *ix = tl_index(&s, 1);
    phash_index_results *res;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    tl_truths t = tl_truths_make(&s, NULL, q, nq, 1, 10, 0);
    const unsigned threads[] = {0, 1, 2, 3, 7, 64};
    for (unsigned i = 0; i < 6; i++) {
        phash_index_search_opts o = {.radius = 10, .threads = threads[i]};
        ck_assert_int_eq(phash_index_search(ix, q, nq, &o, res), PHASH_OK);
        tl_compare(&t, res, "threads");
    }
    /* Zero queries. */
    phash_index_search_opts o = {.radius = 10, .threads = 4};
    ck_assert_int_eq(phash_index_search(ix, q, 0, &o, res), PHASH_OK);
    ck_assert_uint_eq(phash_index_results_queries(res), 0);
    tl_truths_free(&t);
    phash_index_results_free(res);
    phash_index_free(ix);
    free(q);
    tl_set_free(&s);
}
END_TEST

/* Dihedral: 8 codes per query; each entry once, at its best variant. */
START_TEST(dihedral)
{
    unsigned w = _i ? 4 : 1, r = _i ? 31 : 10;
    tl_set s = tl_make(TL_CLUSTERED, w, 6000, 51);
    size_t nq = 6;
    uint64_t *q = tl_queries(&s, TL_CLUSTERED, nq * 8, 52);
    /* Make several variants of a query near the same entries. */
    for (size_t i = 0; i < nq; i++)
        for (unsigned v = 1; v < 8; v += 2)
            memcpy(q + (i * 8 + v) * w, q + i * 8 * w, 8 * w);
    uint64_t rng = 53;
    for (size_t i = 0; i < nq * 8; i += 2)
        tl_flip(q + i * w, w, (unsigned)(tl_rand(&rng) % 4), &rng);
    phash_index *ix = tl_index(&s, 1);
    check_all_methods(ix, &s, NULL, q, nq, 8, r, 0, "dihedral");
    check_all_methods(ix, &s, NULL, q, nq, 8, r, 5, "dihedral k=5");
    check_all_methods(ix, &s, NULL, q, nq, 8, 64 * w, 3, "dihedral unbounded k=3");
    phash_index_free(ix);
    free(q);
    tl_set_free(&s);
}
END_TEST

/* ../shared/testdata/pdq: every (needle, haystack) pair within 63. */
static size_t read_pdq(const char *rel, phash_pdq_code **out)
{
    FILE *f = fopen(shared_path(rel), "r");
    ck_assert_msg(f != NULL, "cannot open %s", rel);
    size_t n = 0, cap = 2048;
    phash_pdq_code *codes = malloc(cap * sizeof *codes);
    char line[256];
    while (fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0)
            continue;
        ck_assert_uint_lt(n, cap);
        ck_assert_int_eq(phash_pdq_from_hex(line, len, &codes[n++], NULL), PHASH_OK);
    }
    fclose(f);
    *out = codes;
    return n;
}

START_TEST(needles_vs_haystack)
{
    if (!have_shared("testdata/pdq/hashes"))
        return;
    phash_pdq_code *hay, *nee;
    size_t nh = read_pdq("testdata/pdq/hashes/haystack.txt", &hay);
    size_t nn = read_pdq("testdata/pdq/hashes/needles.txt", &nee);
    ck_assert_uint_eq(nh, 1350);
    ck_assert_uint_eq(nn, 100);
    /* Expected pairs, in file order (needle, then haystack line). */
    FILE *f = fopen(shared_path("testdata/pdq/expected/mih-needles-vs-haystack.csv"), "r");
    ck_assert_ptr_nonnull(f);
    char line[128];
    unsigned (*want)[3] = malloc(1000 * sizeof *want);
    size_t nw = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        ck_assert_int_eq(sscanf(line, "%u,%u,%u", &want[nw][0], &want[nw][1], &want[nw][2]), 3);
        nw++;
    }
    fclose(f);
    ck_assert_uint_eq(nw, 352);
    uint64_t *ids = malloc(nh * sizeof *ids);
    for (size_t i = 0; i < nh; i++)
        ids[i] = i + 1; /* 1-based line numbers, as in the CSV */
    phash_index *ix;
    ck_assert_int_eq(phash_index_new(256, &ix), PHASH_OK);
    ck_assert_int_eq(phash_index_add(ix, hay, ids, nh), PHASH_OK);
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    phash_index_results *res;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    const phash_kernel kernels[] = {PHASH_KERNEL_SCALAR, PHASH_KERNEL_AVX2, PHASH_KERNEL_AVX512};
    for (unsigned ki = 0; ki < 3; ki++) {
        if (phash_index_set_kernel(ix, kernels[ki]) != PHASH_OK)
            continue;
        for (unsigned mi = 0; mi < 4; mi++) {
            phash_index_search_opts o = {.radius = 63, .method = METHODS[mi]};
            ck_assert_int_eq(phash_index_search(ix, nee, nn, &o, res), PHASH_OK);
            size_t k = 0, at31 = 0, at0 = 0;
            for (size_t qn = 0; qn < nn; qn++) {
                size_t cnt;
                const phash_index_hit *h = phash_index_results_hits(res, qn, &cnt);
                /* The CSV lists a needle's pairs by haystack line. */
                unsigned lines[1350], dists[1351];
                for (size_t i = 0; i < cnt; i++) {
                    lines[i] = (unsigned)h[i].id;
                    dists[h[i].id] = h[i].distance;
                    at31 += h[i].distance <= 31;
                    at0 += h[i].distance == 0;
                }
                for (size_t i = 1; i < cnt; i++) /* insertion sort by line */
                    for (size_t j = i; j > 0 && lines[j - 1] > lines[j]; j--) {
                        unsigned t = lines[j];
                        lines[j] = lines[j - 1];
                        lines[j - 1] = t;
                    }
                for (size_t i = 0; i < cnt; i++, k++) {
                    ck_assert_uint_lt(k, nw);
                    ck_assert_uint_eq(want[k][0], qn + 1);
                    ck_assert_uint_eq(want[k][1], lines[i]);
                    ck_assert_uint_eq(want[k][2], dists[lines[i]]);
                }
            }
            ck_assert_uint_eq(k, nw);
            ck_assert_uint_eq(at31, 250);
            ck_assert_uint_eq(at0, 50);
        }
    }
    phash_index_results_free(res);
    phash_index_free(ix);
    free(ids);
    free(want);
    free(hay);
    free(nee);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("index-update");
    TCase *tc = tcase_create("update");
    tcase_set_timeout(tc, 0);
    tcase_add_loop_test(tc, add_remove_build, 0, 2);
    tcase_add_test(tc, swap_sets);
    tcase_add_test(tc, concurrent_queries_during_swap);
    tcase_add_test(tc, batch_threads);
    tcase_add_loop_test(tc, dihedral, 0, 2);
    tcase_add_test(tc, needles_vs_haystack);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
