/* SPDX-License-Identifier: MIT */
/* Lifetime of the immutable core: heap blocks (built) or a mapping (opened). */
#include <sys/mman.h>

#include "index_internal.h"

void *ph_core_alloc(ph_core *core, size_t size)
{
    if (core->nblocks == sizeof core->blocks / sizeof core->blocks[0] || size > SIZE_MAX - 128)
        return NULL;
    /* 64-byte alignment by hand: ph_malloc goes through the caller's hooks,
     * which promise only malloc's alignment. The raw pointer sits just
     * before the aligned block. */
    unsigned char *raw = ph_malloc(size + 64 + sizeof(void *));
    if (!raw)
        return NULL;
    uintptr_t a = ((uintptr_t)raw + sizeof(void *) + 63) & ~(uintptr_t)63;
    ((void **)a)[-1] = raw;
    ph_advise_huge((void *)a, size);
    core->blocks[core->nblocks++] = (void *)a;
    return (void *)a;
}

/* MIH probes and gathers are random accesses over hundreds of MB: with 4 KiB
 * pages nearly each is also a TLB miss. Ask for transparent huge pages on
 * the whole 2 MiB pages inside a large block (THP is often "madvise" only);
 * a refusal changes nothing. */
void ph_advise_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + len) & ~(huge - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

void ph_core_free(ph_core *core)
{
    if (!core)
        return;
    for (unsigned i = 0; i < core->nblocks; i++)
        ph_free(((void **)core->blocks[i])[-1]);
    if (core->map)
        munmap(core->map, core->map_len);
    ph_free(core);
}
