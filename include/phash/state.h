/* SPDX-License-Identifier: MIT */
/*
 * The persistent scan state: what a scanner learnt about each file, kept
 * between runs so that the same bytes are never hashed twice, and the
 * matches reported so far, so that an alert is never lost and never
 * repeated.
 *
 * What it holds (an SQLite database, one file plus its -wal/-shm while open,
 * all mode 0600):
 *   - per file: its path (bytes as given), its identity (device, inode,
 *     size, mtime and ctime in ns), a content check (SHA-256 of the first
 *     64 KiB the scanner reads anyway), the scan settings it was hashed
 *     with, its status, format and image facts, and its hashes (digests and
 *     perceptual hashes). Never image bytes.
 *   - per match (file x signature owner): a stable match id (see
 *     phash_scan_match.match_id), the match record, and whether it has been
 *     delivered (the report callback returned 0 for it).
 *
 * A scanner given a state (phash_scanner_set_state in scan.h):
 *   - answers a file from the state when its identity, content check and
 *     settings are unchanged: nothing is decoded (report source
 *     PHASH_SCAN_SOURCE_STATE, counter PHASH_SCAN_CACHED); the hashes are
 *     matched again against the current set;
 *   - stores every other file it hashes (read errors are not stored: they
 *     are retried), and after walking a folder prunes the entries of files
 *     under it that no longer exist;
 *   - reports only matches not yet delivered; a match is stored as pending
 *     together with the file, before its report, and marked delivered when
 *     the callback returns 0: delivery is at least once (a crash between the
 *     callback and the mark repeats that one report, same match id);
 *   - first delivers the pending matches of earlier runs (source
 *     PHASH_SCAN_SOURCE_PENDING);
 *   - phash_scanner_rematch() matches the stored hashes against a new set
 *     without reading any file.
 *
 * Crash safety: write-ahead log, one transaction per file; a process killed
 * at any moment leaves a consistent state that lacks at most the files in
 * flight. A file that is not a valid state of this version (not SQLite,
 * another application's database, failing SQLite's quick_check) is never
 * used: it is renamed to PATH.corrupt (replacing an older one) and a new
 * state is started; phash_state_rebuilt() says why.
 *
 * Threads: a state may be used by one scanner's threads at once (calls are
 * serialised inside); one process at a time per file (a second open gets
 * PHASH_ERR_STATE: the file is locked).
 */
#ifndef PHASH_STATE_H
#define PHASH_STATE_H

#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct phash_state phash_state;

/* A state handle, not yet open. *out is NULL on failure (PHASH_ERR_NOMEM). */
PHASH_API PHASH_NODISCARD phash_status phash_state_new(phash_state **out);
/* Open or create the state file at path (a regular file; a symbolic link,
 * folder or special file is refused with PHASH_ERR_NOT_REGULAR and left
 * alone). An invalid file is set aside and rebuilt (see above).
 * PHASH_ERR_STATE: another process holds it, or st is open already;
 * PHASH_ERR_IO: cannot be created or read (the detail says why). */
PHASH_API PHASH_NODISCARD phash_status phash_state_open(phash_state *st, const char *path);
/* Close the state (every stored file is already durable). NULL is a no-op.
 * Must not race with a scan using it. */
PHASH_API void phash_state_free(phash_state *st);
/* NULL, or why the file found at open was set aside and a new state begun. */
PHASH_API const char *phash_state_rebuilt(const phash_state *st);
/* Detail of the last failed call; never NULL. An SQLite error during a
 * scan (disk full) does not stop the scan: the file is hashed as without a
 * state and the error kept here. */
PHASH_API const char *phash_state_last_error(const phash_state *st);

typedef enum phash_state_count_what {
    PHASH_STATE_FILES = 0,            /* files stored */
    PHASH_STATE_MATCHES = 1,          /* match records (delivered or not) */
    PHASH_STATE_PENDING_MATCHES = 2   /* match records not yet delivered */
} phash_state_count_what;
/* How many; *out 0 on failure. */
PHASH_API PHASH_NODISCARD phash_status phash_state_count(phash_state *st,
                                                         phash_state_count_what what,
                                                         uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_STATE_H */
