/* SPDX-License-Identifier: MIT */
/* The phash_index handle, shared by index.c, search.c and file.c. */
#ifndef PHASH_LIB_INDEX_HANDLE_H
#define PHASH_LIB_INDEX_HANDLE_H

#include "index_internal.h"
#include "platform/platform.h"

struct phash_index {
    unsigned bits, words;
    /* Queries hold the read lock for their whole run; mutators take the
     * write lock only to publish a change (writer-preferring, so a stream
     * of queries cannot starve them). wmutex serialises the mutators. */
    ph_rwlock *lock;
    ph_mutex *wmutex;
    ph_core *core;    /* never NULL; immutable once published */
    uint64_t *dead;   /* tombstone bitmap over core entries, or NULL */
    size_t ndead;
    uint64_t *buf_codes; /* append buffer: nbuf codes of `words` words */
    uint64_t *buf_ids;
    size_t nbuf, capbuf;
    int compact; /* next build's 64-bit layout: PH_LAYOUT_* */
    size_t wide_min; /* next build's wide-layout threshold, 0: default */
    phash_kernel kernel;
    const ph_kernel_ops *ops;
    ph_error err;
};

phash_status ph_index_wrap(unsigned bits, ph_core *core, phash_index **out);
phash_status ph_index_build_locked(phash_index *ix);
int ph_index_dirty(const phash_index *ix);

#endif
