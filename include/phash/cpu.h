/* SPDX-License-Identifier: MIT */
/*
 * phash/cpu.h: which instruction-set kernels the library runs, and choosing
 * them.
 *
 * Every module with instruction-set-specific code (a "SIMD module") has a
 * small table of kernels, best first; every kernel of a module gives the
 * same bits as its portable one (the tests run each through the reference
 * tables). The CPU is inspected once per process (CPUID, and XGETBV for
 * whether the operating system saves the vector registers), and each module
 * runs the best kernel that the CPU and OS support, unless
 *
 *  - the environment variable PHASH_KERNEL caps the instruction set for
 *    every module: scalar | popcnt | avx2 | avx512 | avx512vbmi (each module
 *    then runs its best kernel at or below that level; "generic" is the same
 *    as "scalar"; an unknown value is ignored). It is read once, at the
 *    first use of any kernel, and is the only environment variable the
 *    library reads;
 *  - the program chooses a kernel with phash_cpu_kernel_select().
 *
 * Kernels are chosen through these tables only: no load-time resolvers
 * (ifunc/target_clones), so the same code works in PE DLLs and under
 * ThreadSanitizer.
 *
 * Thread safety: every function may be called from any thread at any time.
 * A selection applies to work that starts after it returns: PDQ hashers and
 * indexes created later (an index can also choose its own kernel,
 * phash_index_set_kernel in index.h), DCTs and distances computed later.
 * Names returned are static strings.
 */
#ifndef PHASH_CPU_H
#define PHASH_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CPU features, as a bit set. AVX2, FMA and the AVX-512 bits are only set
 * when the OS saves the registers they need too. */
typedef enum phash_cpu_feature {
    PHASH_CPU_POPCNT = 1u << 0,
    PHASH_CPU_AVX2 = 1u << 1,
    PHASH_CPU_FMA = 1u << 2,
    PHASH_CPU_AVX512F = 1u << 3,
    PHASH_CPU_AVX512BW = 1u << 4,
    PHASH_CPU_AVX512VBMI = 1u << 5,
    PHASH_CPU_AVX512VPOPCNTDQ = 1u << 6
} phash_cpu_feature;

/* The SIMD modules. */
typedef enum phash_cpu_module {
    PHASH_CPU_MODULE_INDEX = 0,    /* index scans: avx512, avx2, scalar */
    PHASH_CPU_MODULE_PDQ_BLUR = 1, /* PDQ luma + filter: avx512vbmi, avx512, avx2, generic */
    PHASH_CPU_MODULE_PDQ_DCT = 2,  /* PDQ 64x64 -> 16x16 DCT: avx512, avx2, generic */
    PHASH_CPU_MODULE_DISTANCE = 3  /* phash_pdq_distance, phash_u64_distance: popcnt, generic */
} phash_cpu_module;
#define PHASH_CPU_MODULE_COUNT 4

/* The features of this CPU and OS (phash_cpu_feature bits). */
PHASH_API uint32_t phash_cpu_features(void);

/* "index", "pdq-blur", "pdq-dct", "distance"; NULL for an unknown module. */
PHASH_API const char *phash_cpu_module_name(phash_cpu_module module);

/* The kernels built into this library for a module, best first; the last
 * runs on any CPU. Index i >= count (or an unknown module) gives NULL. */
PHASH_API size_t phash_cpu_kernel_count(phash_cpu_module module);
PHASH_API const char *phash_cpu_kernel_name(phash_cpu_module module, size_t i);

/* 1 if the module has a kernel of that name and this CPU and OS run it. */
PHASH_API int phash_cpu_kernel_available(phash_cpu_module module, const char *name);

/* The kernel the module runs now (NULL for an unknown module). */
PHASH_API const char *phash_cpu_kernel_active(phash_cpu_module module);

/* Run kernel `name` of `module` from now on, for the whole process; NULL
 * goes back to the default (the best, capped by PHASH_KERNEL).
 * PHASH_ERR_INVALID_ARG: unknown module or kernel name;
 * PHASH_ERR_UNSUPPORTED_CPU: this CPU or OS cannot run it (nothing changes). */
PHASH_API PHASH_NODISCARD phash_status phash_cpu_kernel_select(phash_cpu_module module,
                                                               const char *name);

#ifdef __cplusplus
}
#endif

#endif
