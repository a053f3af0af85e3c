/* SPDX-License-Identifier: MIT */
/* The one CPU dispatch (lib/cpu.c): features detected once per process, and
 * one kernel table per SIMD module (include/phash/cpu.h). A module defines
 * its table beside its kernels; cpu.c picks the row. */
#ifndef PH_CPU_H
#define PH_CPU_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "phash/cpu.h"

/* Instruction-set levels for the PHASH_KERNEL ceiling. */
enum { PH_ISA_SCALAR = 0, PH_ISA_POPCNT, PH_ISA_AVX2, PH_ISA_AVX512, PH_ISA_AVX512VBMI };

typedef struct ph_kernel {
    const char *name;
    uint32_t needs;   /* PHASH_CPU_* bits the kernel executes */
    unsigned level;   /* PH_ISA_*: what PHASH_KERNEL compares against */
    const void *impl; /* the module's: an ops table, or a pointer to a function pointer */
} ph_kernel;

typedef struct ph_kernel_table {
    const ph_kernel *rows; /* best first; the last needs nothing */
    size_t n;
    _Atomic(const ph_kernel *) active; /* NULL until first use */
} ph_kernel_table;

/* Defined by the modules (lib/index/kernels.c, lib/hash/pdq.c,
 * lib/hash/pdq_dct.c, lib/codes.c). */
extern ph_kernel_table ph_index_kernels, ph_pdq_blur_kernels, ph_pdq_dct_kernels,
    ph_distance_kernels;

uint32_t ph_cpu_features(void);
/* The row the module runs now (chosen at the first call). */
const ph_kernel *ph_kernel_active(ph_kernel_table *t);
/* The row of that name if this CPU runs it, else NULL. */
const ph_kernel *ph_kernel_find(const ph_kernel_table *t, const char *name);

/* The function a row of a function-pointer module holds. */
#define PH_KERNEL_FN(type, row) (*(const type *)(row)->impl)

#endif
