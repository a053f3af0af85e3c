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
 * a killed writer's leftovers never accumulate.
 *
 * On Windows (lib/platform/win32_atomic.c) the temporary file is always
 * named, held open without delete sharing (which is what keeps another
 * writer's sweep off it), and renamed over the target through its handle;
 * see that file for how a target that readers hold open or mapped is
 * replaced. */
#ifndef PHASH_LIB_ATOMIC_FILE_H
#define PHASH_LIB_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

typedef struct ph_atomic_file {
#ifdef _WIN32
    void *h;       /* the temporary file's HANDLE (write and delete access) */
#else
    int fd;        /* the temporary file */
    int anonymous; /* O_TMPFILE: no name before the commit */
#endif
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
/* Write all n bytes at offset, leaving the current offset where it was
 * (pwrite); 0, or -1 with errno set. */
int ph_atomic_pwrite(ph_atomic_file *f, const void *data, size_t n, uint64_t offset);
/* fsync, check the target again, rename over it, fsync the folder. On
 * failure the temporary file is removed and the target left as it was.
 * Releases f either way. */
phash_status ph_atomic_commit(ph_atomic_file *f, ph_error *err);
/* Drop the temporary file, leave the target alone; releases f. */
void ph_atomic_abort(ph_atomic_file *f);

/* Is path absent or a regular file (not a link)? PHASH_OK, or
 * PHASH_ERR_NOT_REGULAR / PHASH_ERR_IO with the detail in err. */
phash_status ph_atomic_check_target(const char *path, ph_error *err);

/* Shared by both implementations (atomic_tmp.c). */
/* The start of ph_atomic_open: check the target, keep a copy of path in
 * f->path. */
phash_status ph_atomic_begin(ph_atomic_file *f, const char *path, ph_error *err);
/* A copy of the folder part of path ("." when none); NULL: no memory. */
char *ph_atomic_dir_of(const char *path);
/* The last component of path (a pointer into it). */
const char *ph_atomic_base_of(const char *path);
/* A new "PATH" PH_ATOMIC_TMP_TAG "XXXXXXXX" (8 random characters); NULL:
 * no memory. */
char *ph_atomic_tmp_name(const char *path);
/* Is name (a folder entry) "BASE" PH_ATOMIC_TMP_TAG "XXXXXXXX"? */
int ph_atomic_is_tmp_of(const char *name, const char *base);

#endif
