/* SPDX-License-Identifier: MIT */
/* Lifetime of the immutable core: heap blocks (built) or a mapping (opened). */
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

void ph_core_free(ph_core *core)
{
    if (!core)
        return;
    for (unsigned i = 0; i < core->nblocks; i++)
        ph_free(((void **)core->blocks[i])[-1]);
    ph_map_close(core->map);
    ph_free(core);
}
