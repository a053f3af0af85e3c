/* SPDX-License-Identifier: MIT */
/* phash scan --files-from: the paths to scan read from a list. */
#ifndef PHASH_TOOLS_FILES_FROM_H
#define PHASH_TOOLS_FILES_FROM_H

/* Call each(ctx, name) for every name in the list file `list` ("-": standard
 * input), in order. Names are NUL-separated when the first block read holds
 * a NUL byte (find -print0; up to 64 KiB of a file, what a pipe held at
 * first), else one per line; the bytes of a name
 * are kept as they are (no trimming), empty names are skipped. each returning
 * non-zero stops. The list is read as it arrives: each name is handed over
 * as soon as its separator is read, whatever follows (a pipe's writer may
 * be slow). Returns 0, or -1 after printing why the list could not be read
 * ("phash scan: LIST: ..."). */
int files_from_each(const char *list, int (*each)(void *ctx, const char *name), void *ctx);

#endif
