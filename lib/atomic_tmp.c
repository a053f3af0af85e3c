/* SPDX-License-Identifier: MIT */
/* Names of the atomic writer's temporary files (atomic_file.h), shared by
 * the POSIX writer (atomic_file.c) and the Windows one
 * (platform/win32_atomic.c). */
#include <stdatomic.h>
#include <string.h>

#include "atomic_file.h"
#include "platform/platform.h"

#define RAND_CHARS 8

/* The last folder separator of path ('/', and '\\' on Windows), or NULL. */
static const char *last_separator(const char *path)
{
    const char *slash = strrchr(path, '/');
#ifdef _WIN32
    const char *back = strrchr(path, '\\');
    if (back && (!slash || back > slash))
        slash = back;
#endif
    return slash;
}

const char *ph_atomic_base_of(const char *path)
{
    const char *slash = last_separator(path);
    return slash ? slash + 1 : path;
}

char *ph_atomic_dir_of(const char *path)
{
    const char *slash = last_separator(path);
    size_t len = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    char *d = ph_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, !slash ? "." : path, len);
    d[len] = '\0';
    return d;
}

/* path + TAG + RAND_CHARS characters; uniqueness comes from exclusive
 * creation and retries, the characters only make collisions rare. */
char *ph_atomic_tmp_name(const char *path)
{
    static atomic_uint counter;
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    size_t plen = strlen(path), tlen = sizeof PH_ATOMIC_TMP_TAG - 1;
    char *t = ph_malloc(plen + tlen + RAND_CHARS + 1);
    if (!t)
        return NULL;
    uint64_t x = ph_unique_bits() ^
                 ((uint64_t)atomic_fetch_add(&counter, 1) * 0x9e3779b97f4a7c15ull) ^
                 (uint64_t)(uintptr_t)t;
    memcpy(t, path, plen);
    memcpy(t + plen, PH_ATOMIC_TMP_TAG, tlen);
    for (int i = 0; i < RAND_CHARS; i++) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        x ^= x >> 32;
        t[plen + tlen + i] = alphabet[x & 63];
    }
    t[plen + tlen + RAND_CHARS] = '\0';
    return t;
}

int ph_atomic_is_tmp_of(const char *name, const char *base)
{
    size_t blen = strlen(base), tlen = sizeof PH_ATOMIC_TMP_TAG - 1;
    return !strncmp(name, base, blen) && !strncmp(name + blen, PH_ATOMIC_TMP_TAG, tlen) &&
           strlen(name + blen + tlen) == RAND_CHARS;
}

phash_status ph_atomic_begin(ph_atomic_file *f, const char *path, ph_error *err)
{
    phash_status st = ph_atomic_check_target(path, err);
    if (st != PHASH_OK)
        return st;
    size_t len = strlen(path);
    if (!(f->path = ph_malloc(len + 1)))
        return ph_error_set(err, PHASH_ERR_NOMEM, "out of memory");
    memcpy(f->path, path, len + 1);
    return PHASH_OK;
}
