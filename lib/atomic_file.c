/* SPDX-License-Identifier: MIT */
/* Atomic replacement of output files: see atomic_file.h. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

phash_status ph_atomic_check_target(const char *path, ph_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT)
            return PHASH_OK;
        return ph_error_set(err, PHASH_ERR_IO, "%s: %s", path, strerror(errno));
    }
    if (S_ISREG(sb.st_mode))
        return PHASH_OK;
    const char *what = S_ISLNK(sb.st_mode)    ? "a symbolic link (give the real file's path)"
                       : S_ISDIR(sb.st_mode)  ? "a folder"
                       : S_ISFIFO(sb.st_mode) ? "a FIFO"
                       : S_ISSOCK(sb.st_mode) ? "a socket"
                       : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device"
                                                                    : "not a regular file";
    return ph_error_set(err, PHASH_ERR_NOT_REGULAR,
                        "%s is %s: refusing to replace it (only regular files are written)", path,
                        what);
}

/* Remove one temporary file if no writer holds it: its lock is free and
 * the name still refers to the file locked. */
static void remove_if_stale(const char *full)
{
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat a, b;
    if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        lstat(full, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        (void)unlink(full);
    close(fd);
}

/* Leftovers of killed writers of this target. Best effort: a folder we
 * cannot list just keeps them. */
static void remove_stale(const char *path)
{
    char *dir = ph_atomic_dir_of(path);
    DIR *d = dir ? opendir(dir) : NULL;
    const char *base = ph_atomic_base_of(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!ph_atomic_is_tmp_of(e->d_name, base))
            continue;
        size_t dl = strlen(dir), nl = strlen(e->d_name);
        char *full = ph_malloc(dl + nl + 2);
        if (!full)
            break;
        memcpy(full, dir, dl);
        full[dl] = '/';
        memcpy(full + dl + 1, e->d_name, nl + 1);
        remove_if_stale(full);
        ph_free(full);
    }
    if (d)
        closedir(d);
    ph_free(dir);
}

/* Unnamed temporary file in the target's folder, locked; -1 when the
 * system or file system cannot (then a named one is used). Its name for
 * the commit is /proc/self/fd/N, so /proc must be there. */
static int open_anonymous(const char *path)
{
#ifdef O_TMPFILE
    char *dir = ph_atomic_dir_of(path);
    if (!dir)
        return -1;
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    ph_free(dir);
    if (fd < 0)
        return -1;
    char proc[64];
    struct stat sb;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (stat(proc, &sb) != 0 || flock(fd, LOCK_EX) != 0) {
        close(fd);
        return -1;
    }
    return fd;
#else
    (void)path;
    return -1;
#endif
}

/* Named temporary file, created exclusively and locked. A stale-file
 * sweep by another writer may remove the name between the creation and
 * the lock: then try again. */
static int open_named(const char *path, char **tmp_out)
{
    for (int tries = 0; tries < 100; tries++) {
        char *t = ph_atomic_tmp_name(path);
        if (!t) {
            errno = ENOMEM;
            return -1;
        }
        int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            int e = errno;
            ph_free(t);
            if (e == EEXIST)
                continue;
            errno = e;
            return -1;
        }
        struct stat sb;
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &sb) == 0 && sb.st_nlink > 0) {
            *tmp_out = t;
            return fd;
        }
        close(fd);
        ph_free(t);
    }
    errno = EEXIST;
    return -1;
}

phash_status ph_atomic_open(ph_atomic_file *f, const char *path, ph_error *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    phash_status st = ph_atomic_begin(f, path, err);
    if (st != PHASH_OK)
        return st;
    remove_stale(path);
    f->fd = open_anonymous(path);
    f->anonymous = f->fd >= 0;
    if (f->fd < 0 && (f->fd = open_named(path, &f->tmp)) < 0) {
        int e = errno;
        ph_free(f->path);
        f->path = NULL;
        errno = e;
        return ph_error_set(err, e == ENOMEM ? PHASH_ERR_NOMEM : PHASH_ERR_IO,
                            "cannot create a temporary file beside %s: %s", path, strerror(e));
    }
    return PHASH_OK;
}

/* write(2) or, with `at`, pwrite(2) at *at, until all n bytes are out. */
static int write_all(int fd, const void *data, size_t n, const uint64_t *at)
{
    const unsigned char *p = data;
    uint64_t off = at ? *at : 0;
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t w = at ? pwrite(fd, p, chunk, (off_t)off) : write(fd, p, chunk);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

int ph_atomic_write(ph_atomic_file *f, const void *data, size_t n)
{
    return write_all(f->fd, data, n, NULL);
}

int ph_atomic_pwrite(ph_atomic_file *f, const void *data, size_t n, uint64_t offset)
{
    return write_all(f->fd, data, n, &offset);
}

void ph_atomic_abort(ph_atomic_file *f)
{
    int e = errno;
    if (f->tmp)
        (void)unlink(f->tmp);
    if (f->fd >= 0)
        close(f->fd);
    ph_free(f->tmp);
    ph_free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    errno = e;
}

/* Give the unnamed file a temporary name, for the rename. */
static int link_anonymous(ph_atomic_file *f)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
    for (int tries = 0; tries < 100; tries++) {
        char *t = ph_atomic_tmp_name(f->path);
        if (!t) {
            errno = ENOMEM;
            return -1;
        }
        if (linkat(AT_FDCWD, proc, AT_FDCWD, t, AT_SYMLINK_FOLLOW) == 0) {
            f->tmp = t;
            return 0;
        }
        int e = errno;
        ph_free(t);
        if (e != EEXIST) {
            errno = e;
            return -1;
        }
    }
    errno = EEXIST;
    return -1;
}

static void sync_folder(const char *path)
{
    char *dir = ph_atomic_dir_of(path);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    ph_free(dir);
}

phash_status ph_atomic_commit(ph_atomic_file *f, ph_error *err)
{
    const char *what = "write";
    if (fsync(f->fd) != 0 || (f->anonymous && (what = "name", link_anonymous(f) != 0))) {
        int e = errno;
        phash_status st = ph_error_set(err, e == ENOMEM ? PHASH_ERR_NOMEM : PHASH_ERR_IO,
                                       "cannot %s the temporary file beside %s: %s", what, f->path,
                                       strerror(e));
        ph_atomic_abort(f);
        errno = e;
        return st;
    }
    phash_status st = ph_atomic_check_target(f->path, err);
    if (st == PHASH_OK && rename(f->tmp, f->path) != 0) {
        int e = errno;
        st = ph_error_set(err, PHASH_ERR_IO, "cannot rename onto %s: %s", f->path, strerror(e));
        errno = e;
    }
    if (st != PHASH_OK) {
        ph_atomic_abort(f);
        return st;
    }
    ph_free(f->tmp);
    f->tmp = NULL; /* the name is the target's now: nothing to remove */
    close(f->fd);  /* releases the lock, after the rename */
    f->fd = -1;
    sync_folder(f->path);
    ph_atomic_abort(f); /* frees the rest */
    return PHASH_OK;
}
