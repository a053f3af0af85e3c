/* SPDX-License-Identifier: MIT */
/* Which popcount kernels this CPU and OS can run: CPUID for the instruction
 * sets, XGETBV for the OS saving the YMM/ZMM registers. Detected once per
 * process (pthread_once), so concurrent first calls are safe. */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define PH_X86 1
#endif

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_avx2, g_avx512;
static phash_kernel g_default = PHASH_KERNEL_SCALAR;

#ifdef PH_X86
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static void detect_x86(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    int osxsave = (c >> 27) & 1, popcnt = (c >> 23) & 1;
    if (!osxsave || !popcnt || __get_cpuid_max(0, NULL) < 7)
        return;
    uint64_t xcr0 = xgetbv0();
    unsigned b7, c7, d7, a7;
    __cpuid_count(7, 0, a7, b7, c7, d7);
    (void)a7;
    (void)d7;
    int os_ymm = (xcr0 & 0x6) == 0x6;     /* SSE + AVX state */
    int os_zmm = (xcr0 & 0xe6) == 0xe6;   /* + opmask, ZMM_Hi256, Hi16_ZMM */
    g_avx2 = os_ymm && ((b7 >> 5) & 1);
    g_avx512 = os_zmm && ((b7 >> 16) & 1) && ((c7 >> 14) & 1);
}
#endif

static const ph_kernel_ops *ops_of(phash_kernel k);

static phash_kernel best(void)
{
#ifdef PH_HAVE_AVX512
    if (g_avx512)
        return PHASH_KERNEL_AVX512;
#endif
#ifdef PH_HAVE_AVX2
    if (g_avx2)
        return PHASH_KERNEL_AVX2;
#endif
    return PHASH_KERNEL_SCALAR;
}

static void detect(void)
{
#ifdef PH_X86
    detect_x86();
#endif
    g_default = best();
    /* PHASH_KERNEL=scalar|avx2|avx512 lowers (or confirms) the default so
     * that whole programs can be tested on each kernel. Unavailable or
     * unknown values are ignored. */
    const char *env = getenv("PHASH_KERNEL");
    if (env) {
        for (int k = PHASH_KERNEL_SCALAR; k <= PHASH_KERNEL_AVX512; k++)
            if (strcmp(env, phash_kernel_name((phash_kernel)k)) == 0 &&
                ops_of((phash_kernel)k))
                g_default = (phash_kernel)k;
    }
}

static int supports(phash_kernel k)
{
    switch (k) {
    case PHASH_KERNEL_AUTO:
    case PHASH_KERNEL_SCALAR: return 1;
#ifdef PH_HAVE_AVX2
    case PHASH_KERNEL_AVX2: return g_avx2;
#endif
#ifdef PH_HAVE_AVX512
    case PHASH_KERNEL_AVX512: return g_avx512;
#endif
    default: return 0;
    }
}

int ph_cpu_supports(phash_kernel k)
{
    pthread_once(&g_once, detect);
    return supports(k);
}

phash_kernel ph_kernel_default(void)
{
    pthread_once(&g_once, detect);
    return g_default;
}

/* Called from detect() too, so it must not go through pthread_once. */
static const ph_kernel_ops *ops_of(phash_kernel k)
{
    if (!supports(k))
        return NULL;
    switch (k) {
#ifdef PH_HAVE_AVX2
    case PHASH_KERNEL_AVX2: return &ph_kernel_avx2;
#endif
#ifdef PH_HAVE_AVX512
    case PHASH_KERNEL_AVX512: return &ph_kernel_avx512;
#endif
    case PHASH_KERNEL_SCALAR: return &ph_kernel_scalar;
    default: return NULL;
    }
}

const ph_kernel_ops *ph_kernel_get(phash_kernel k)
{
    pthread_once(&g_once, detect);
    return ops_of(k);
}

int phash_kernel_available(phash_kernel kernel) { return ph_cpu_supports(kernel); }

const char *phash_kernel_name(phash_kernel kernel)
{
    switch (kernel) {
    case PHASH_KERNEL_AUTO: return "auto";
    case PHASH_KERNEL_SCALAR: return "scalar";
    case PHASH_KERNEL_AVX2: return "avx2";
    case PHASH_KERNEL_AVX512: return "avx512";
    }
    return "unknown";
}
