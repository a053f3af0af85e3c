/* SPDX-License-Identifier: MIT */
/* Writing an index file's bytes somewhere else than a file of its own
 * (compiled signature sets embed them: lib/sigset/compiled.c). */
#ifndef PHASH_LIB_INDEX_FILE_H
#define PHASH_LIB_INDEX_FILE_H

#include "internal.h"
#include "phash/index.h"

/* Build the index if needed, then feed the bytes phash_index_save() would
 * write to sink, in order. PHASH_ERR_IO when the sink fails (errno as it
 * left it), or the build's status. */
phash_status ph_index_write(phash_index *ix, ph_sink_fn sink, void *ctx);

/* A built index over n codes (bits/8 bytes each) whose ids are their
 * numbers 0..n-1, made straight from the array: no append buffer and no id
 * array on the caller's side (a compiled set's index at 10M PDQ entries
 * saved 480 MB of peak memory). PHASH_ERR_NOMEM, PHASH_ERR_INVALID_ARG. */
phash_status ph_index_build_from(unsigned bits, const void *codes, size_t n, phash_index **out);
/* The same from an array the caller gives up (from ph_malloc/ph_realloc):
 * *codes is freed and set to NULL as soon as the index has its copy, on
 * failure too, so the codes are never held twice while the index is built
 * (a compiled set written with PHASH_SIGSET_SAVE_RELEASE: 320 MB at 10M
 * PDQ entries). */
phash_status ph_index_build_take(unsigned bits, void **codes, size_t n, phash_index **out);

/* A scan-only index over n codes the caller keeps (bits/8 bytes each,
 * 8-byte aligned, valid and unchanged until the index is freed), ids = entry
 * numbers: no copy, no id array, no MIH tables or BK-tree, so nothing per
 * entry is allocated (compiled sets in the endpoint layout: their CODES
 * section in the mapping). Every query scans, in the SIMD kernels, the
 * dihedral variants of a query block by block (search.c). Mutating it
 * builds a normal index from the codes (copied). PHASH_ERR_NOMEM,
 * PHASH_ERR_INVALID_ARG. */
phash_status ph_index_over_codes(unsigned bits, const void *codes, size_t n, phash_index **out);

#endif
