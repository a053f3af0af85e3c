/* SPDX-License-Identifier: MIT */
/* The one CPU dispatch (phash/cpu.h): features against /proc/cpuinfo, the
 * kernel tables, selection, the PHASH_KERNEL ceiling (meson runs this
 * program a second time with PHASH_KERNEL=scalar), and every kernel of the
 * distance and PDQ modules giving the same values through the public API. */
#include <stdint.h>

#include "phash/phash.h"
#include "testutil.h"

static int under_valgrind(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload");
}

/* Valgrind's virtual CPU reports fewer features through CPUID than
 * /proc/cpuinfo (the host's) lists; Windows has no /proc. */
START_TEST(features_match_cpuinfo)
{
    uint32_t f = phash_cpu_features();
    ck_assert_uint_eq(f, phash_cpu_features());
    FILE *in = fopen("/proc/cpuinfo", "r");
    if (!in || under_valgrind()) {
        if (in)
            fclose(in);
        return;
    }
    static char line[16384];
    int found = 0;
    while (!found && fgets(line, sizeof line, in))
        found = strncmp(line, "flags", 5) == 0;
    fclose(in);
    ck_assert(found);
    static const struct {
        const char *flag;
        uint32_t bit;
    } map[] = {
        {" popcnt", PHASH_CPU_POPCNT},
        {" avx2", PHASH_CPU_AVX2},
        {" fma", PHASH_CPU_FMA},
        {" avx512f", PHASH_CPU_AVX512F},
        {" avx512bw", PHASH_CPU_AVX512BW},
        {" avx512vbmi", PHASH_CPU_AVX512VBMI},
        {" avx512_vpopcntdq", PHASH_CPU_AVX512VPOPCNTDQ},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "%s ", map[i].flag);
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[len - 1] = ' ';
        ck_assert_msg(!!(f & map[i].bit) == !!strstr(line, pat), "feature%s", map[i].flag);
    }
}
END_TEST

START_TEST(tables)
{
    static const char *const names[] = {"index", "pdq-blur", "pdq-dct", "distance"};
    static const char *const portable[] = {"scalar", "generic", "generic", "generic"};
    for (int m = 0; m < PHASH_CPU_MODULE_COUNT; m++) {
        phash_cpu_module mod = (phash_cpu_module)m;
        ck_assert_str_eq(phash_cpu_module_name(mod), names[m]);
        size_t n = phash_cpu_kernel_count(mod);
        ck_assert_uint_ge(n, 1);
        ck_assert_str_eq(phash_cpu_kernel_name(mod, n - 1), portable[m]);
        ck_assert_ptr_null(phash_cpu_kernel_name(mod, n));
        ck_assert(phash_cpu_kernel_available(mod, portable[m]));
        ck_assert(!phash_cpu_kernel_available(mod, "sse9"));
        ck_assert(!phash_cpu_kernel_available(mod, NULL));
        ck_assert(phash_cpu_kernel_available(mod, phash_cpu_kernel_active(mod)));
    }
    phash_cpu_module bad = (phash_cpu_module)PHASH_CPU_MODULE_COUNT;
    ck_assert_ptr_null(phash_cpu_module_name(bad));
    ck_assert_uint_eq(phash_cpu_kernel_count(bad), 0);
    ck_assert_ptr_null(phash_cpu_kernel_name(bad, 0));
    ck_assert_ptr_null(phash_cpu_kernel_active(bad));
    ck_assert_int_eq(phash_cpu_kernel_select(bad, NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_cpu_kernel_select(PHASH_CPU_MODULE_PDQ_DCT, "sse9"),
                     PHASH_ERR_INVALID_ARG);
}
END_TEST

/* Without PHASH_KERNEL each module runs its best available kernel; with
 * PHASH_KERNEL=scalar, its portable one (other caps: tables() checks that
 * what runs is available). */
START_TEST(default_is_best_under_ceiling)
{
    const char *cap = getenv("PHASH_KERNEL");
    if (cap && strcmp(cap, "scalar") && strcmp(cap, "generic"))
        return;
    for (int m = 0; m < PHASH_CPU_MODULE_COUNT; m++) {
        phash_cpu_module mod = (phash_cpu_module)m;
        size_t n = phash_cpu_kernel_count(mod), best = n - 1;
        if (!cap)
            for (size_t i = n; i-- > 0;)
                if (phash_cpu_kernel_available(mod, phash_cpu_kernel_name(mod, i)))
                    best = i;
        ck_assert_msg(!strcmp(phash_cpu_kernel_active(mod), phash_cpu_kernel_name(mod, best)),
                      "%s runs %s", phash_cpu_module_name(mod), phash_cpu_kernel_active(mod));
    }
    if (cap && !strcmp(cap, "scalar")) {
        phash_index *ix;
        ck_assert_int_eq(phash_index_new(64, &ix), PHASH_OK);
        ck_assert_int_eq(phash_index_kernel(ix), PHASH_KERNEL_SCALAR);
        phash_index_free(ix);
    }
}
END_TEST

/* Selecting each kernel: available ones become active (and new indexes
 * take the index module's), others leave the choice alone. */
START_TEST(select_every_kernel)
{
    for (int m = 0; m < PHASH_CPU_MODULE_COUNT; m++) {
        phash_cpu_module mod = (phash_cpu_module)m;
        const char *before = phash_cpu_kernel_active(mod);
        for (size_t i = 0; i < phash_cpu_kernel_count(mod); i++) {
            const char *k = phash_cpu_kernel_name(mod, i);
            const char *was = phash_cpu_kernel_active(mod);
            phash_status st = phash_cpu_kernel_select(mod, k);
            if (!phash_cpu_kernel_available(mod, k)) {
                ck_assert_int_eq(st, PHASH_ERR_UNSUPPORTED_CPU);
                ck_assert_str_eq(phash_cpu_kernel_active(mod), was);
                continue;
            }
            ck_assert_int_eq(st, PHASH_OK);
            ck_assert_str_eq(phash_cpu_kernel_active(mod), k);
            if (mod == PHASH_CPU_MODULE_INDEX) {
                phash_index *ix;
                ck_assert_int_eq(phash_index_new(256, &ix), PHASH_OK);
                ck_assert_str_eq(phash_kernel_name(phash_index_kernel(ix)), k);
                phash_index_free(ix);
            }
        }
        ck_assert_int_eq(phash_cpu_kernel_select(mod, NULL), PHASH_OK);
        ck_assert_str_eq(phash_cpu_kernel_active(mod), before);
    }
}
END_TEST

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static unsigned naive_bits(uint64_t x)
{
    unsigned n = 0;
    for (; x; x >>= 1)
        n += (unsigned)(x & 1);
    return n;
}

/* Every distance kernel against a bit-by-bit count. */
START_TEST(distance_kernels_exact)
{
    phash_cpu_module mod = PHASH_CPU_MODULE_DISTANCE;
    for (size_t i = 0; i < phash_cpu_kernel_count(mod); i++) {
        const char *k = phash_cpu_kernel_name(mod, i);
        if (phash_cpu_kernel_select(mod, k) != PHASH_OK)
            continue;
        uint64_t s = 0x9e3779b97f4a7c15u;
        for (int t = 0; t < 2000; t++) {
            phash_pdq_code a, b;
            unsigned want = 0;
            for (int w = 0; w < 4; w++) {
                uint64_t x = rnd(&s), y = t & 1 ? x ^ (rnd(&s) & rnd(&s)) : rnd(&s);
                memcpy(a.bytes + 8 * w, &x, 8);
                memcpy(b.bytes + 8 * w, &y, 8);
                want += naive_bits(x ^ y);
            }
            ck_assert_uint_eq(phash_pdq_distance(&a, &b), want);
            uint64_t x = rnd(&s), y = rnd(&s);
            ck_assert_uint_eq(phash_u64_distance(x, y), naive_bits(x ^ y));
        }
    }
    ck_assert_int_eq(phash_cpu_kernel_select(mod, NULL), PHASH_OK);
}
END_TEST

/* Every PDQ blur x DCT kernel pair, chosen through the public API, gives
 * the same hash and quality on a textured RGB image (the reference tables
 * go through each kernel in test_pdq). */
START_TEST(pdq_kernels_agree)
{
    enum { W = 301, H = 197 };
    static uint8_t px[W * H * 3];
    uint64_t s = 7;
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)((i / 3 % W) * 3 + (i / 3 / W) * 5 + (rnd(&s) & 31));
    phash_image *img;
    ck_assert_int_eq(phash_image_wrap(px, W, H, W * 3, PHASH_PIXEL_RGB8, &img), PHASH_OK);
    phash_cpu_module blur = PHASH_CPU_MODULE_PDQ_BLUR, dct = PHASH_CPU_MODULE_PDQ_DCT;
    phash_pdq_result first;
    int runs = 0;
    for (size_t i = 0; i < phash_cpu_kernel_count(blur); i++) {
        if (phash_cpu_kernel_select(blur, phash_cpu_kernel_name(blur, i)) != PHASH_OK)
            continue;
        for (size_t j = 0; j < phash_cpu_kernel_count(dct); j++) {
            if (phash_cpu_kernel_select(dct, phash_cpu_kernel_name(dct, j)) != PHASH_OK)
                continue;
            phash_pdq_hasher *h = NULL;
            ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
            ck_assert_ptr_nonnull(h);
            phash_pdq_result r;
            ck_assert_int_eq(phash_pdq_hash_image(h, img, PHASH_PDQ_WANT_DIHEDRAL, &r), PHASH_OK);
            phash_pdq_hasher_free(h);
            if (runs++ == 0) {
                first = r;
                ck_assert_int_gt(r.quality, 0);
                continue;
            }
            ck_assert_msg(!memcmp(&r.hash, &first.hash, sizeof r.hash), "blur %s dct %s",
                          phash_cpu_kernel_name(blur, i), phash_cpu_kernel_name(dct, j));
            ck_assert_int_eq(r.quality, first.quality);
            ck_assert(!memcmp(r.dihedral, first.dihedral, sizeof r.dihedral));
        }
    }
    ck_assert_int_ge(runs, 1);
    ck_assert_int_eq(phash_cpu_kernel_select(blur, NULL), PHASH_OK);
    ck_assert_int_eq(phash_cpu_kernel_select(dct, NULL), PHASH_OK);
    phash_image_free(img);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cpu");
    TCase *tc = tcase_create("dispatch");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, features_match_cpuinfo);
    tcase_add_test(tc, tables);
    tcase_add_test(tc, default_is_best_under_ceiling);
    tcase_add_test(tc, select_every_kernel);
    tcase_add_test(tc, distance_kernels_exact);
    tcase_add_test(tc, pdq_kernels_agree);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
