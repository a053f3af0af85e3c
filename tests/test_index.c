/* SPDX-License-Identifier: MIT */
/* Index: every structure x kernel x width x radius x k returns exactly the
 * brute-force result, on random, clustered and adversarial data. */
#include <stdio.h>

#include "index_testlib.h"
#include "index/index_internal.h"

static const phash_kernel KERNELS[] = {PHASH_KERNEL_SCALAR, PHASH_KERNEL_AVX2,
                                       PHASH_KERNEL_AVX512};
static const phash_index_method METHODS[] = {PHASH_INDEX_AUTO, PHASH_INDEX_SCAN,
                                             PHASH_INDEX_BKTREE, PHASH_INDEX_MIH};
static const char *const METHOD_NAME[] = {"auto", "scan", "bktree", "mih"};

/* The kernels this machine has must all be available (valgrind's CPU
 * lacks AVX-512, and says so through CPUID, so skip the check there). */
START_TEST(kernels_match_cpuinfo)
{
    ck_assert(phash_kernel_available(PHASH_KERNEL_SCALAR));
    ck_assert(phash_kernel_available(PHASH_KERNEL_AUTO));
    ck_assert_str_eq(phash_kernel_name(PHASH_KERNEL_AVX512), "avx512");
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        return;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    static char line[16384];
    int avx2 = 0, avx512 = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        avx2 = strstr(line, " avx2") != NULL;
        avx512 = strstr(line, " avx512f") && strstr(line, " avx512_vpopcntdq");
        break;
    }
    fclose(f);
#if defined(__x86_64__)
    ck_assert_int_eq(phash_kernel_available(PHASH_KERNEL_AVX2), avx2);
    ck_assert_int_eq(phash_kernel_available(PHASH_KERNEL_AVX512), avx512);
#endif
    phash_index *ix;
    ck_assert_int_eq(phash_index_new(64, &ix), PHASH_OK);
    for (int k = PHASH_KERNEL_SCALAR; k <= PHASH_KERNEL_AVX512; k++) {
        phash_status st = phash_index_set_kernel(ix, (phash_kernel)k);
        ck_assert_int_eq(st, phash_kernel_available((phash_kernel)k) ? PHASH_OK
                                                                     : PHASH_ERR_UNSUPPORTED_CPU);
        if (st == PHASH_OK)
            ck_assert_int_eq(phash_index_kernel(ix), k);
    }
    ck_assert_int_eq(phash_index_set_kernel(ix, (phash_kernel)7), PHASH_ERR_INVALID_ARG);
    phash_index_free(ix);
}
END_TEST

/* PHASH_KERNEL (meson runs this program once more with it set) selects
 * the default kernel of new indexes, if this CPU has it. */
START_TEST(kernel_from_environment)
{
    const char *e = getenv("PHASH_KERNEL");
    phash_index *ix;
    ck_assert_int_eq(phash_index_new(256, &ix), PHASH_OK);
    if (e)
        for (int k = PHASH_KERNEL_SCALAR; k <= PHASH_KERNEL_AVX512; k++)
            if (strcmp(e, phash_kernel_name((phash_kernel)k)) == 0 &&
                phash_kernel_available((phash_kernel)k))
                ck_assert_int_eq(phash_index_kernel(ix), k);
    ck_assert_int_ne(phash_index_kernel(ix), PHASH_KERNEL_AUTO);
    ck_assert_int_eq(phash_index_set_kernel(ix, PHASH_KERNEL_AUTO), PHASH_OK);
    phash_index_free(ix);
}
END_TEST

/* Kernel primitives against the scalar one on every length 0..70 (tails). */
START_TEST(kernels_agree)
{
    uint64_t rng = 42;
    size_t n = 70;
    uint64_t *codes = malloc(n * 4 * 8), q[4];
    uint32_t pa[70], da[70], pb[70], db[70];
    unsigned char idx3[70 * 3 + 1], idx4[70 * 4];
    for (size_t i = 0; i < n * 4; i++)
        codes[i] = tl_rand(&rng) & tl_rand(&rng); /* biased: distances spread */
    for (size_t i = 0; i < n; i++)
    {
        uint32_t v = (uint32_t)((i * 37) % n);
        memcpy(idx3 + 3 * i, &v, 4); /* the next entry overwrites the 4th byte */
        memcpy(idx4 + 4 * i, &v, 4);
    }
    const ph_kernel_ops *ref = ph_kernel_get(PHASH_KERNEL_SCALAR);
    for (unsigned ki = 0; ki < 3; ki++) {
        const ph_kernel_ops *k = ph_kernel_get(KERNELS[ki]);
        if (!k)
            continue;
        for (size_t len = 0; len <= n; len++) {
            for (unsigned t = 0; t < 4; t++)
                q[t] = tl_rand(&rng) & tl_rand(&rng);
            unsigned r64 = (unsigned)(tl_rand(&rng) % 40), r256 = 90 + (unsigned)(tl_rand(&rng) % 60);
            size_t a = ref->scan64(codes, len, q[0], r64, pa, da);
            size_t b = k->scan64(codes, len, q[0], r64, pb, db);
            ck_assert_uint_eq(a, b);
            ck_assert(memcmp(pa, pb, a * 4) == 0 && memcmp(da, db, a * 4) == 0);
            a = ref->scan256(codes, len, q, r256, pa, da);
            b = k->scan256(codes, len, q, r256, pb, db);
            ck_assert_uint_eq(a, b);
            ck_assert(memcmp(pa, pb, a * 4) == 0 && memcmp(da, db, a * 4) == 0);
            for (unsigned ib = 3; ib <= 4; ib++) {
                const unsigned char *idx = ib == 3 ? idx3 : idx4;
                a = ref->gather256(codes, idx, ib, len, n - 3, q, r256, pa, da);
                b = k->gather256(codes, idx, ib, len, n - 3, q, r256, pb, db);
                ck_assert_uint_eq(a, b);
                ck_assert(memcmp(pa, pb, a * 4) == 0 && memcmp(da, db, a * 4) == 0);
            }
        }
        /* Radius = width: everything; radius 0: only exact copies. */
        size_t a = k->scan64(codes, n, codes[5], 64, pa, da);
        ck_assert_uint_eq(a, n);
        a = k->scan256(codes, n, codes + 20, 0, pa, da);
        ck_assert_uint_ge(a, 1);
        ck_assert_uint_eq(da[0], 0);
    }
    free(codes);
}
END_TEST

/* One data set: every kernel x method x radius x k against the truth
 * (64-bit: the three layouts of phash_index_set_compact). */
/* The wide-layout threshold of the indexes exact_sets builds (0: default). */
static size_t g_wide_min;

static void exact_sets_mode(tl_kind kind, unsigned w, size_t n, uint64_t seed, int compact)
{
    tl_set s = tl_make(kind, w, n, seed);
    size_t nq = 12;
    uint64_t *q = tl_queries(&s, kind, nq, seed + 1);
    phash_index *ix = tl_index(&s, 0);
    ck_assert_int_eq(phash_index_set_compact(ix, compact), PHASH_OK);
    ck_assert_int_eq(phash_index_set_wide_min(ix, g_wide_min), PHASH_OK);
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    phash_index_results *res;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    ck_assert_uint_eq(phash_index_count(ix), n);
    const unsigned radii64[] = {0, 1, 4, 10, 16}, radii256[] = {0, 1, 8, 31, 48};
    const size_t ks[] = {0, 3};
    for (unsigned ri = 0; ri < 5; ri++) {
        unsigned r = w == 1 ? radii64[ri] : radii256[ri];
        for (unsigned kk = 0; kk < 2; kk++) {
            tl_truths t = tl_truths_make(&s, NULL, q, nq, 1, r, ks[kk]);
            for (unsigned ki = 0; ki < 3; ki++) {
                if (phash_index_set_kernel(ix, KERNELS[ki]) != PHASH_OK)
                    continue;
                for (unsigned mi = 0; mi < 4; mi++) {
                    phash_index_search_opts o = {.radius = r, .k = ks[kk], .method = METHODS[mi]};
                    ck_assert_int_eq(phash_index_search(ix, q, nq, &o, res), PHASH_OK);
                    char what[160];
                    snprintf(what, sizeof what, "%s %u-bit n=%zu %s %s%s", tl_kind_name[kind],
                             64 * w, n, phash_kernel_name(KERNELS[ki]), METHOD_NAME[mi],
                             compact == 2 ? " lean" : compact ? " compact" : "");
                    tl_compare(&t, res, what);
                }
            }
            tl_truths_free(&t);
        }
    }
    phash_index_results_free(res);
    phash_index_free(ix);
    free(q);
    tl_set_free(&s);
}

static void exact_sets(tl_kind kind, unsigned w, size_t n, uint64_t seed)
{
    exact_sets_mode(kind, w, n, seed, 0);
    if (w == 1) {
        exact_sets_mode(kind, w, n, seed, 1);
        exact_sets_mode(kind, w, n, seed, 2); /* lean */
    }
}

/* Sizes: 0 and 1; 3000 (8-bit MIH substrings, BK-tree is one leaf);
 * 9000 (16-bit substrings, the BK-tree splits). */
START_TEST(exact_64)
{
    exact_sets((tl_kind)_i, 1, 3000, 100 + (uint64_t)_i);
    exact_sets((tl_kind)_i, 1, 9000, 200 + (uint64_t)_i);
}
END_TEST

START_TEST(exact_256)
{
    exact_sets((tl_kind)_i, 4, 3000, 300 + (uint64_t)_i);
    exact_sets((tl_kind)_i, 4, 9000, 400 + (uint64_t)_i);
}
END_TEST

/* 256-bit indexes of phash_index_set_wide_min() entries or more (6M by
 * default) use 12 substrings of 21-22 bits; test_index_file checks that the
 * setting selects that layout. */
START_TEST(exact_256_wide)
{
    g_wide_min = 1000;
    exact_sets((tl_kind)_i, 4, 3000, 600 + (uint64_t)_i);
    g_wide_min = 0;
}
END_TEST

START_TEST(exact_tiny)
{
    for (unsigned w = 1; w <= 4; w += 3)
        for (size_t n = 0; n <= 2; n++)
            exact_sets(TL_RANDOM, w, n, 500 + n);
}
END_TEST

/* Unbounded k-NN (radius = width) takes the scan with a shrinking bound;
 * k larger than n returns everything. */
START_TEST(knn_unbounded)
{
    for (unsigned w = 1; w <= 4; w += 3) {
        tl_set s = tl_make(TL_CLUSTERED, w, 5000, 77);
        uint64_t *q = tl_queries(&s, TL_CLUSTERED, 10, 78);
        phash_index *ix = tl_index(&s, 1);
        phash_index_results *res;
        ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
        const size_t ks[] = {1, 10, 6000};
        for (unsigned i = 0; i < 3; i++)
            for (unsigned mi = 0; mi < 4; mi++) {
                phash_index_search_opts o = {.radius = 64 * w, .k = ks[i], .method = METHODS[mi]};
                ck_assert_int_eq(phash_index_search(ix, q, 10, &o, res), PHASH_OK);
                tl_check(&s, NULL, q, 10, 1, 64 * w, ks[i], res, METHOD_NAME[mi]);
            }
        phash_index_search_opts o = {.radius = 64 * w, .k = 10};
        ck_assert_int_eq(phash_index_plan(ix, &o), PHASH_INDEX_SCAN);
        phash_index_results_free(res);
        phash_index_free(ix);
        free(q);
        tl_set_free(&s);
    }
}
END_TEST

START_TEST(planner_choices)
{
    tl_set s = tl_make(TL_RANDOM, 4, 20000, 5);
    phash_index *ix = tl_index(&s, 1);
    phash_index_search_opts o = {.radius = 31};
    ck_assert_int_eq(phash_index_plan(ix, &o), PHASH_INDEX_MIH);
    o.radius = 120; /* probes would exceed the scan */
    ck_assert_int_eq(phash_index_plan(ix, &o), PHASH_INDEX_SCAN);
    o.method = PHASH_INDEX_BKTREE;
    ck_assert_int_eq(phash_index_plan(ix, &o), PHASH_INDEX_BKTREE);
    phash_index_free(ix);
    tl_set_free(&s);
}
END_TEST

START_TEST(bad_arguments)
{
    phash_index *ix;
    phash_index_results *res;
    ck_assert_int_eq(phash_index_new(128, &ix), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_index_new(64, NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_index_new(64, &ix), PHASH_OK);
    ck_assert_int_eq(phash_index_set_compact(ix, 3), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_index_set_compact(ix, -1), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_index_set_compact(NULL, PHASH_INDEX_LAYOUT_LEAN), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    uint64_t q = 0;
    phash_index_search_opts o = {.radius = 65};
    ck_assert_int_eq(phash_index_search(ix, &q, 1, &o, res), PHASH_ERR_INVALID_ARG);
    o.radius = 3;
    o.variants = 3;
    ck_assert_int_eq(phash_index_search(ix, &q, 1, &o, res), PHASH_ERR_INVALID_ARG);
    o.variants = 0;
    o.method = (phash_index_method)9;
    ck_assert_int_eq(phash_index_search(ix, &q, 1, &o, res), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_index_add(ix, NULL, &q, 1), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_index_remove(ix, 5), PHASH_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(phash_index_last_error(ix), "5"));
    size_t cnt = 9;
    ck_assert_ptr_null(phash_index_results_hits(res, 0, &cnt));
    ck_assert_uint_eq(cnt, 0);
    phash_index *other;
    ck_assert_int_eq(phash_index_new(256, &other), PHASH_OK);
    ck_assert_int_eq(phash_index_swap(ix, other), PHASH_ERR_INVALID_ARG);
    phash_index_free(other);
    phash_index_results_free(res);
    phash_index_free(ix);
    phash_index_free(NULL);
    phash_index_results_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("index");
    TCase *tc = tcase_create("exact");
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, kernels_match_cpuinfo);
    tcase_add_test(tc, kernels_agree);
    tcase_add_test(tc, kernel_from_environment);
    tcase_add_loop_test(tc, exact_64, 0, TL_KINDS);
    tcase_add_loop_test(tc, exact_256, 0, TL_KINDS);
    tcase_add_loop_test(tc, exact_256_wide, 0, TL_KINDS);
    tcase_add_test(tc, exact_tiny);
    tcase_add_test(tc, knn_unbounded);
    tcase_add_test(tc, planner_choices);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
