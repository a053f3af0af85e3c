/* SPDX-License-Identifier: MIT */
/*
 * Hamming index: find every stored code within a distance of a query, or
 * its k nearest, over 64-bit (pHash) or 256-bit (PDQ) codes.
 *
 * One phash_index holds codes of one width, chosen at creation, each with a
 * caller id (uint64, e.g. the signature's stable id in its list). Three exact
 * structures answer queries, all returning exactly the brute-force result:
 *   - a SIMD scan (AVX-512 VPOPCNTDQ, AVX2 or portable scalar kernels chosen
 *     at run time; see phash_index_set_kernel),
 *   - a BK-tree whose nodes hold contiguous buckets of codes scanned with
 *     the same kernels (wins for exact duplicates and very small radii),
 *   - multi-index hashing (MIH, Norouzi et al.): the code is split into
 *     16-bit substrings, one CSR table each; wins at the match radii
 *     (r = 8..10 for 64-bit, r = 31 for PDQ).
 * A planner picks one per query from the radius, the count and the table
 * statistics; the caller can force one.
 *
 * Code layout: 64-bit codes are uint64_t values. 256-bit codes are
 * phash_pdq_code (bytes[] = the big-endian integer the hex form spells).
 * Query and add functions take `const void *codes`: an array of uint64_t
 * or of phash_pdq_code according to the width.
 *
 * Updates: phash_index_add() appends to a buffer that queries scan linearly;
 * phash_index_remove() marks entries dead (tombstones);
 * phash_index_build() merges both into fresh structures. Until the first
 * build every query scans the buffer, which is exact but slow.
 *
 * Thread safety: every query function may be called by any number of
 * threads at once on one index, each with its own phash_index_results.
 * Mutators (add, remove, build, swap, set_*) may run concurrently with
 * queries: they are serialised among themselves, and a query sees the index
 * either wholly before or wholly after a mutation. Mutators wait for the
 * queries in flight only for the short moment they publish their change
 * (build does its work before that). phash_index_free() must not race with
 * anything.
 *
 * Files: phash_index_save() writes a versioned, checksummed little-endian
 * file atomically (temporary file in the same folder, fsync, rename, fsync
 * of the folder) with mode 0600 (signature sets are sensitive; chmod it
 * yourself to share it). phash_index_open() maps it with mmap. A crash or
 * kill in the middle of a save leaves the previous file intact, and no
 * temporary file for long (see phash_sigset_save in phash/sigset.h: the
 * same writer). Only a regular file is replaced; anything else at the path,
 * symbolic links included, gives PHASH_ERR_NOT_REGULAR.
 */
#ifndef PHASH_INDEX_H
#define PHASH_INDEX_H

#include "phash/phash.h"
#include "phash/codes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct phash_index phash_index;
typedef struct phash_index_results phash_index_results;

/* Popcount kernels. AUTO = the index kernel the one CPU dispatch has active
 * (phash/cpu.h, module PHASH_CPU_MODULE_INDEX): the best this CPU supports,
 * capped by the environment variable PHASH_KERNEL, or what
 * phash_cpu_kernel_select() chose. New indexes start with it. */
typedef enum phash_kernel {
    PHASH_KERNEL_AUTO = 0,
    PHASH_KERNEL_SCALAR = 1, /* portable C */
    PHASH_KERNEL_AVX2 = 2,   /* AVX2 + POPCNT */
    PHASH_KERNEL_AVX512 = 3  /* AVX-512F + VPOPCNTDQ */
} phash_kernel;

/* Query structures. */
typedef enum phash_index_method {
    PHASH_INDEX_AUTO = 0,   /* planner */
    PHASH_INDEX_SCAN = 1,   /* SIMD brute force */
    PHASH_INDEX_BKTREE = 2, /* BK-tree with SIMD buckets */
    PHASH_INDEX_MIH = 3     /* multi-index hashing */
} phash_index_method;

/* One result. Hits of a query are sorted by distance, then id. */
typedef struct phash_index_hit {
    uint64_t id;       /* the caller id given to phash_index_add */
    uint32_t distance; /* Hamming distance to the (best) query code */
    uint32_t variant;  /* dihedral queries: which of the 8 codes matched
                          best (lowest distance, then lowest variant); else 0 */
} phash_index_hit;

/* Options of phash_index_search. Zero-initialise, then set what you need.
 * An extensible struct (see phash_limits in image.h): size is the caller's
 * sizeof(phash_index_search_opts) or 0 for the fields of version 0.1
 * (radius to threads); a zero-initialised struct is always valid. */
typedef struct phash_index_search_opts {
    size_t size;               /* 0 or sizeof(phash_index_search_opts) */
    unsigned radius;           /* report entries at distance <= radius (inclusive);
                                  must be <= width */
    size_t k;                  /* 0: all entries within radius; else at most the
                                  k nearest of them (exact, ties broken by id) */
    unsigned variants;         /* 0 or 1: each query is one code; 8: dihedral,
                                  each query is 8 consecutive codes (e.g. the 8
                                  PDQ dihedral hashes of one image) */
    phash_index_method method; /* AUTO: the planner decides per query */
    unsigned threads;          /* 0 or 1: the calling thread only; n: n threads
                                  (at most 256, and at most one per query) */
} phash_index_search_opts;

/* ---- kernels ---------------------------------------------------------- */

/* 1 if this CPU and OS support the kernel (CPUID + XGETBV, detected once,
 * thread-safe); AUTO and SCALAR always give 1. */
PHASH_API int phash_kernel_available(phash_kernel kernel);
/* "auto", "scalar", "avx2", "avx512"; static storage, never NULL. */
PHASH_API const char *phash_kernel_name(phash_kernel kernel);

/* ---- lifetime --------------------------------------------------------- */

/* Create an empty index for codes of `bits` bits: 64 or 256
 * (PHASH_ERR_INVALID_ARG otherwise). Free it with phash_index_free. */
PHASH_API PHASH_NODISCARD phash_status phash_index_new(unsigned bits, phash_index **out);
/* Release the index and everything it maps; NULL is a no-op. */
PHASH_API void phash_index_free(phash_index *index);
/* Detail of the last error on this handle (static sentence if none).
 * Valid until the next call on the handle from any thread. */
PHASH_API const char *phash_index_last_error(const phash_index *index);

/* Width in bits (64 or 256). */
PHASH_API unsigned phash_index_bits(const phash_index *index);
/* Live entries: built + buffered - removed. */
PHASH_API size_t phash_index_count(const phash_index *index);

/* Select the popcount kernel for this index's queries. Returns
 * PHASH_ERR_UNSUPPORTED_CPU if this machine lacks it. AUTO restores the
 * default. */
PHASH_API PHASH_NODISCARD phash_status phash_index_set_kernel(phash_index *index, phash_kernel kernel);
/* Memory layouts of a 64-bit index (phash_index_set_compact). */
typedef enum phash_index_layout {
    /* default: a 32-bit filter of every entry in every MIH table (about
     * 44 B/entry at 10M, fastest) */
    PHASH_INDEX_LAYOUT_FAST = 0,
    /* entry numbers only (about 28 B/entry; each candidate is then a random
     * read of the code array: see the README for the measured cost) */
    PHASH_INDEX_LAYOUT_COMPACT = 1,
    /* entries ordered by the first MIH substring so that its table needs
     * neither (about 37 B/entry at 10M, as fast as FAST); no BK-tree:
     * PHASH_INDEX_BKTREE then runs the scan */
    PHASH_INDEX_LAYOUT_LEAN = 2
} phash_index_layout;

/* Memory layout of the next build, a phash_index_layout (0, 1 or 2; other
 * values: PHASH_ERR_INVALID_ARG). No effect on 256-bit indexes, whose
 * tables hold entry numbers only. */
PHASH_API PHASH_NODISCARD phash_status phash_index_set_compact(phash_index *index, int compact);
/* 256-bit indexes of at least `entries` entries are built with 12 MIH
 * substrings of 21-22 bits instead of 16 of 16 (fewer candidates at r = 31
 * for a fixed 134 MB of bucket offsets); 0 restores the default,
 * PHASH_INDEX_WIDE_MIN_DEFAULT. Takes effect at the next build; no effect
 * on 64-bit indexes. PHASH_ERR_INVALID_ARG on NULL. */
#define PHASH_INDEX_WIDE_MIN_DEFAULT 6000000u
PHASH_API PHASH_NODISCARD phash_status phash_index_set_wide_min(phash_index *index, size_t entries);
/* The kernel queries use now (never AUTO). */
PHASH_API phash_kernel phash_index_kernel(const phash_index *index);

/* ---- updates ---------------------------------------------------------- */

/* Append n codes (uint64_t[] or phash_pdq_code[] per the width) with their
 * ids to the append buffer. Ids need not be unique. Copies the data. */
PHASH_API PHASH_NODISCARD phash_status phash_index_add(phash_index *index, const void *codes,
                                       const uint64_t *ids, size_t n);
/* Remove every entry with this id (tombstone for built entries).
 * PHASH_ERR_NOT_FOUND if there is none. O(count). */
PHASH_API PHASH_NODISCARD phash_status phash_index_remove(phash_index *index, uint64_t id);
/* Merge the buffer and tombstones into freshly built scan, BK-tree and MIH
 * structures. Queries keep running on the old structures meanwhile, so the
 * memory of both is needed until the new one is published. */
PHASH_API PHASH_NODISCARD phash_status phash_index_build(phash_index *index);
/* Atomically exchange the whole contents (entries, structures, buffer,
 * tombstones) of index and other, which must have the same width. Queries
 * on `index` see either the old or the new set, never a mix. `other` must
 * not be in use by another thread. */
PHASH_API PHASH_NODISCARD phash_status phash_index_swap(phash_index *index, phash_index *other);

/* ---- files ------------------------------------------------------------ */

/* Build if needed, then write the index to path atomically (see top).
 * PHASH_ERR_IO on failure (the previous file, if any, is untouched),
 * PHASH_ERR_NOT_REGULAR when path is not a regular file. */
PHASH_API PHASH_NODISCARD phash_status phash_index_save(phash_index *index, const char *path);
/* Map an index file. Flags: 0 verifies every checksum (the body is read
 * once); PHASH_INDEX_OPEN_TRUST skips the body checksums (header checks
 * and structural bounds are always done, so a corrupt body can give wrong
 * results but never a crash). Statuses: PHASH_ERR_IO (cannot open/read),
 * PHASH_ERR_BAD_FILE (not an index file, truncated, checksum mismatch,
 * inconsistent structure), PHASH_ERR_VERSION (a newer format version).
 * *out is written only on success; on failure *detail (if not NULL)
 * receives a static English sentence saying what is wrong (NULL on success).
 * The file is read into private memory at open, whatever its size:
 * rewriting it in place (`cp new.idx live.idx`) or deleting it leaves the
 * open index as it was. PHASH_INDEX_OPEN_MAP memory-maps it instead (its
 * pages shared with the page cache and with other processes that map it,
 * read on demand, a faster open): then, on POSIX, truncating the file in
 * place while it is open raises SIGBUS in the process at the next access,
 * so use it only for files replaced by rename (as phash_index_save does).
 * Windows always maps (it refuses to truncate a mapped file). */
#define PHASH_INDEX_OPEN_TRUST 1u
#define PHASH_INDEX_OPEN_MAP 2u
PHASH_API PHASH_NODISCARD phash_status phash_index_open(const char *path, unsigned flags, phash_index **out,
                                        const char **detail);
/* The same from a memory buffer that must stay valid and unchanged until the
 * index is freed or rebuilt (it is not copied). The buffer should be
 * 64-byte aligned for speed (8-byte alignment is required:
 * PHASH_ERR_INVALID_ARG otherwise). */
PHASH_API PHASH_NODISCARD phash_status phash_index_open_memory(const void *data, size_t size, unsigned flags,
                                               phash_index **out, const char **detail);

/* ---- queries ---------------------------------------------------------- */

/* Result container, reusable across queries (its memory is kept). One per
 * thread. */
PHASH_API PHASH_NODISCARD phash_status phash_index_results_new(phash_index_results **out);
PHASH_API void phash_index_results_free(phash_index_results *results);
/* Number of queries answered by the last search. */
PHASH_API size_t phash_index_results_queries(const phash_index_results *results);
/* Hits of query q (0-based) and their count; NULL with *count = 0 if q is
 * out of range, and possibly NULL when *count is 0. Valid until the results are reused or freed. */
PHASH_API const phash_index_hit *phash_index_results_hits(const phash_index_results *results,
                                                          size_t q, size_t *count);

/* Answer nq queries. codes holds nq codes (nq * 8 if opts->variants == 8),
 * uint64_t or phash_pdq_code per the width. Replaces the contents of
 * results. Exact: every method returns the brute-force result. */
PHASH_API PHASH_NODISCARD phash_status phash_index_search(const phash_index *index, const void *codes, size_t nq,
                                          const phash_index_search_opts *opts,
                                          phash_index_results *results);

/* What the planner would choose for this query shape (never AUTO). */
PHASH_API phash_index_method phash_index_plan(const phash_index *index,
                                              const phash_index_search_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_INDEX_H */
