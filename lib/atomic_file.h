/* SPDX-License-Identifier: MIT */
/* Output files written atomically (compiled signature sets, index files):
 * the new contents go to a temporary file in the target's folder, mode
 * 0600, which replaces the target by rename() only once complete and on
 * disk. Readers see the old file or the new one, never a mix, and a crash
 * leaves the old one intact.
 *
 * What is never replaced: anything at the target that is not a regular
 * file (device, FIFO, socket, folder) is refused with PHASH_ERR_NOT_REGULAR,
 * and so is a symbolic link: phash never writes through a link, and does
 * not replace the link itself either (it may be an administrator's
 * "current -> v12.phx"; name the real file). The check runs before the
 * temporary file is created and again just before the rename; someone who
 * can write the folder can still swap the target between the two (nothing
 * portable closes that window), but cannot make phash write into a device.
 *
 * Temporary files: on Linux an unnamed O_TMPFILE, which disappears by
 * itself if the process dies, linked under a name only for the instant of
 * the final rename. Elsewhere (or when the file system lacks O_TMPFILE) a
 * named "TARGET.phash-tmp-XXXXXXXX". Either way the writer holds an
 * exclusive flock() on it; each later write to the same target removes
 * the temporary files of that target whose writer is gone (lock free), so
 * a killed writer's leftovers never accumulate. */
#ifndef PHASH_LIB_ATOMIC_FILE_H
#define PHASH_LIB_ATOMIC_FILE_H

#include <stddef.h>

#include "internal.h"

typedef struct ph_atomic_file {
    int fd;        /* write the contents here (write or pwrite) */
    int anonymous; /* O_TMPFILE: no name before the commit */
    char *path;    /* the target */
    char *tmp;     /* the temporary file's name, or NULL */
} ph_atomic_file;

/* The suffix of temporary names (before 8 random characters). */
#define PH_ATOMIC_TMP_TAG ".phash-tmp-"

/* Check the target (see top), remove stale temporary files of it and
 * create the temporary file. PHASH_ERR_NOT_REGULAR, PHASH_ERR_IO (errno
 * kept), PHASH_ERR_NOMEM; err gets the detail. On failure nothing exists
 * to commit or abort. */
phash_status ph_atomic_open(ph_atomic_file *f, const char *path, ph_error *err);
/* Write all n bytes at the current offset; 0, or -1 with errno set. */
int ph_atomic_write(ph_atomic_file *f, const void *data, size_t n);
/* fsync, check the target again, rename over it, fsync the folder. On
 * failure the temporary file is removed and the target left as it was.
 * Releases f either way. */
phash_status ph_atomic_commit(ph_atomic_file *f, ph_error *err);
/* Drop the temporary file, leave the target alone; releases f. */
void ph_atomic_abort(ph_atomic_file *f);

/* Is path absent or a regular file (not a link)? PHASH_OK, or
 * PHASH_ERR_NOT_REGULAR / PHASH_ERR_IO with the detail in err. */
phash_status ph_atomic_check_target(const char *path, ph_error *err);

#endif
