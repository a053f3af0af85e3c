/* SPDX-License-Identifier: MIT */
/* The index's popcount kernels as a row table of the one CPU dispatch
 * (lib/cpu.c), and the index's public kernel enum mapped onto it. */
#include <string.h>

#include "cpu.h"
#include "index_internal.h"

static const ph_kernel g_rows[] = {
#ifdef PH_HAVE_AVX512
    {"avx512", PHASH_CPU_AVX512F | PHASH_CPU_AVX512VPOPCNTDQ | PHASH_CPU_POPCNT, PH_ISA_AVX512,
     &ph_kernel_avx512},
#endif
#ifdef PH_HAVE_AVX2
    {"avx2", PHASH_CPU_AVX2 | PHASH_CPU_POPCNT, PH_ISA_AVX2, &ph_kernel_avx2},
#endif
    {"scalar", 0, PH_ISA_SCALAR, &ph_kernel_scalar},
};

ph_kernel_table ph_index_kernels = {g_rows, sizeof g_rows / sizeof g_rows[0], NULL};

static const ph_kernel *row_of(phash_kernel k)
{
    if (k <= PHASH_KERNEL_AUTO || k > PHASH_KERNEL_AVX512)
        return NULL;
    return ph_kernel_find(&ph_index_kernels, phash_kernel_name(k));
}

int ph_cpu_supports(phash_kernel k) { return k == PHASH_KERNEL_AUTO || row_of(k) != NULL; }

phash_kernel ph_kernel_default(void)
{
    const char *name = ph_kernel_active(&ph_index_kernels)->name;
    for (int k = PHASH_KERNEL_SCALAR; k <= PHASH_KERNEL_AVX512; k++)
        if (!strcmp(name, phash_kernel_name((phash_kernel)k)))
            return (phash_kernel)k;
    return PHASH_KERNEL_SCALAR;
}

const ph_kernel_ops *ph_kernel_get(phash_kernel k)
{
    const ph_kernel *row = row_of(k);
    return row ? row->impl : NULL;
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
