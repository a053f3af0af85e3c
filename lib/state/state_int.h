/* SPDX-License-Identifier: MIT */
/* The scan state's storage (lib/state/state.c) as the scanner uses it
 * (lib/scan/cache.c). Every function takes the state's lock itself; the
 * callbacks of the _each functions run without it and may call the others. */
#ifndef PHASH_LIB_STATE_INT_H
#define PHASH_LIB_STATE_INT_H

#include "internal.h"
#include "phash/scan.h"
#include "phash/state.h"

#define PH_STATE_CHECK_LEN 32 /* SHA-256 of the file's first bytes */
#define PH_STATE_MATCH_ID_LEN 32 /* hex digits */

/* One stored file: identity, the settings it was hashed with, the outcome. */
typedef struct ph_state_file {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    uint8_t check[PH_STATE_CHECK_LEN];
    const char *config;
    int status, format, kind, orientation;
    uint32_t width, height, flags, channels;
    const char *detail;
    const void *hashes; /* the scanner's serialised results (cache.c) */
    size_t hashes_len;
} ph_state_file;

/* Look path up: 1 when stored with the same identity, check and config
 * (then *f's outcome fields point into *mem, valid until its next use),
 * 0 when not (or different), -1 on a database error (kept in the state). */
int ph_state_lookup(phash_state *st, const char *path, ph_state_file *f, ph_buf *mem);
/* In one transaction: store file f (may be NULL: matches only) and add the
 * match records as pending (those already known are left as they are).
 * size and mtime_ns go with the match records. 0, or -1. */
int ph_state_store(phash_state *st, const char *path, const ph_state_file *f,
                   const phash_scan_match *const *recs, size_t n, uint64_t size,
                   int64_t mtime_ns);
/* A match id's state: 0 unknown, 1 pending, 2 delivered; -1 on error. */
int ph_state_match_known(phash_state *st, const char *match_id);
/* Mark these match ids delivered. 0, or -1. */
int ph_state_mark_delivered(phash_state *st, const char *const *ids, size_t n);

/* Pruning: forget what was seen, note a path seen by the walk, and delete
 * the entries under root (root itself, or root/...) not seen since. The
 * number deleted, or -1. */
int ph_state_seen_reset(phash_state *st);
int ph_state_seen_add(phash_state *st, const char *path);
int64_t ph_state_prune(phash_state *st, const char *root);

/* The pending match records, grouped by file: fn gets one file's records
 * (strings valid during the call); non-zero from fn stops. 0, 1 (stopped)
 * or -1. */
typedef int (*ph_state_pending_fn)(void *ctx, const char *path, uint64_t size, int64_t mtime_ns,
                                   const phash_scan_match *recs, size_t n);
int ph_state_pending_each(phash_state *st, ph_state_pending_fn fn, void *ctx);

/* Every stored file hashed with config and status OK, in storage order:
 * fn gets its path and outcome (valid during the call). 0, 1 (stopped) or
 * -1. */
typedef int (*ph_state_file_fn)(void *ctx, const char *path, const ph_state_file *f);
int ph_state_files_each(phash_state *st, const char *config, ph_state_file_fn fn, void *ctx);

/* Group many writes (a rematch) into one transaction: begin, then end
 * (commit). 0, or -1. */
int ph_state_batch_begin(phash_state *st);
int ph_state_batch_end(phash_state *st);

/* Record an error detail on the state (for phash_state_last_error). */
void ph_state_note_error(phash_state *st, const char *what);

#endif
