/* SPDX-License-Identifier: MIT */
/*
 * The one CPU dispatch: CPUID for the instruction sets, XGETBV for the OS
 * saving the YMM/ZMM registers, detected once per process; every SIMD
 * module's kernel is a row of its table (lib/cpu.h), picked here.
 *
 * No pthread_once and no load-time resolvers: detection is a pure function
 * of the CPU, so threads racing on the first call compute the same value and
 * publish it with an atomic store; this also runs before any sanitizer
 * runtime or constructor matters, and in PE DLLs, which have no ifunc.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define PH_X86 1
#endif

#define DETECTED (1u << 31)

static _Atomic uint32_t g_features;

#ifdef PH_X86
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static uint32_t detect_x86(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    uint32_t f = 0;
    if ((c >> 23) & 1)
        f |= PHASH_CPU_POPCNT;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx)
        return f;
    uint64_t xcr0 = xgetbv0();
    int os_ymm = (xcr0 & 0x6) == 0x6;   /* SSE + AVX state */
    int os_zmm = (xcr0 & 0xe6) == 0xe6; /* + opmask, ZMM_Hi256, Hi16_ZMM */
    if (!os_ymm)
        return f;
    if (fma)
        f |= PHASH_CPU_FMA;
    if (__get_cpuid_max(0, NULL) < 7)
        return f;
    unsigned a7, b7, c7, d7;
    __cpuid_count(7, 0, a7, b7, c7, d7);
    (void)a7;
    (void)d7;
    if ((b7 >> 5) & 1)
        f |= PHASH_CPU_AVX2;
    if (os_zmm && ((b7 >> 16) & 1)) {
        f |= PHASH_CPU_AVX512F;
        if ((b7 >> 30) & 1)
            f |= PHASH_CPU_AVX512BW;
        if ((c7 >> 1) & 1)
            f |= PHASH_CPU_AVX512VBMI;
        if ((c7 >> 14) & 1)
            f |= PHASH_CPU_AVX512VPOPCNTDQ;
    }
    return f;
}
#endif

uint32_t ph_cpu_features(void)
{
    uint32_t f = atomic_load_explicit(&g_features, memory_order_acquire);
    if (f & DETECTED)
        return f & ~DETECTED;
#ifdef PH_X86
    f = detect_x86();
#else
    f = 0;
#endif
    atomic_store_explicit(&g_features, f | DETECTED, memory_order_release);
    return f;
}

uint32_t phash_cpu_features(void) { return ph_cpu_features(); }

/* ---- the PHASH_KERNEL ceiling ----------------------------------------- */

static const struct {
    const char *name;
    unsigned level;
} g_levels[] = {
    {"scalar", PH_ISA_SCALAR}, {"generic", PH_ISA_SCALAR}, {"popcnt", PH_ISA_POPCNT},
    {"avx2", PH_ISA_AVX2},     {"avx512", PH_ISA_AVX512},  {"avx512vbmi", PH_ISA_AVX512VBMI},
};

/* The level PHASH_KERNEL names, or the highest if unset or unknown. Read at
 * each module's first use (a few calls per process). */
static unsigned ceiling(void)
{
    const char *env = getenv("PHASH_KERNEL");
    if (env)
        for (size_t i = 0; i < sizeof g_levels / sizeof g_levels[0]; i++)
            if (!strcmp(env, g_levels[i].name))
                return g_levels[i].level;
    return PH_ISA_AVX512VBMI;
}

/* ---- tables ------------------------------------------------------------ */

static int runs(const ph_kernel *k) { return (ph_cpu_features() & k->needs) == k->needs; }

static const ph_kernel *best(const ph_kernel_table *t)
{
    unsigned cap = ceiling();
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].level <= cap && runs(&t->rows[i]))
            return &t->rows[i];
    return &t->rows[t->n - 1];
}

const ph_kernel *ph_kernel_active(ph_kernel_table *t)
{
    const ph_kernel *k = atomic_load_explicit(&t->active, memory_order_acquire);
    if (k)
        return k;
    const ph_kernel *want = best(t), *expected = NULL;
    /* A selection made meanwhile wins over the default. */
    if (!atomic_compare_exchange_strong_explicit(&t->active, &expected, want,
                                                 memory_order_acq_rel, memory_order_acquire))
        return expected;
    return want;
}

const ph_kernel *ph_kernel_find(const ph_kernel_table *t, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->rows[i].name, name))
            return runs(&t->rows[i]) ? &t->rows[i] : NULL;
    return NULL;
}

/* ---- public ------------------------------------------------------------ */

static const struct {
    const char *name;
    ph_kernel_table *table;
} g_modules[PHASH_CPU_MODULE_COUNT] = {
    [PHASH_CPU_MODULE_INDEX] = {"index", &ph_index_kernels},
    [PHASH_CPU_MODULE_PDQ_BLUR] = {"pdq-blur", &ph_pdq_blur_kernels},
    [PHASH_CPU_MODULE_PDQ_DCT] = {"pdq-dct", &ph_pdq_dct_kernels},
    [PHASH_CPU_MODULE_DISTANCE] = {"distance", &ph_distance_kernels},
};

static ph_kernel_table *table_of(phash_cpu_module m)
{
    return (unsigned)m < PHASH_CPU_MODULE_COUNT ? g_modules[m].table : NULL;
}

const char *phash_cpu_module_name(phash_cpu_module m)
{
    return table_of(m) ? g_modules[m].name : NULL;
}

size_t phash_cpu_kernel_count(phash_cpu_module m)
{
    const ph_kernel_table *t = table_of(m);
    return t ? t->n : 0;
}

const char *phash_cpu_kernel_name(phash_cpu_module m, size_t i)
{
    const ph_kernel_table *t = table_of(m);
    return t && i < t->n ? t->rows[i].name : NULL;
}

int phash_cpu_kernel_available(phash_cpu_module m, const char *name)
{
    const ph_kernel_table *t = table_of(m);
    return t && ph_kernel_find(t, name) != NULL;
}

const char *phash_cpu_kernel_active(phash_cpu_module m)
{
    ph_kernel_table *t = table_of(m);
    return t ? ph_kernel_active(t)->name : NULL;
}

phash_status phash_cpu_kernel_select(phash_cpu_module m, const char *name)
{
    ph_kernel_table *t = table_of(m);
    if (!t)
        return PHASH_ERR_INVALID_ARG;
    const ph_kernel *k;
    if (!name) {
        k = best(t);
    } else {
        size_t i = 0;
        while (i < t->n && strcmp(t->rows[i].name, name))
            i++;
        if (i == t->n)
            return PHASH_ERR_INVALID_ARG;
        k = ph_kernel_find(t, name);
        if (!k)
            return PHASH_ERR_UNSUPPORTED_CPU;
    }
    atomic_store_explicit(&t->active, k, memory_order_release);
    return PHASH_OK;
}
