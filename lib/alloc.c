/* SPDX-License-Identifier: MIT */
/* Process-wide allocator hooks and reusable buffers. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void *default_malloc(void *opaque, size_t size) { (void)opaque; return malloc(size); }
static void *default_realloc(void *opaque, void *ptr, size_t size) { (void)opaque; return realloc(ptr, size); }
static void default_free(void *opaque, void *ptr) { (void)opaque; free(ptr); }

static phash_allocator g_alloc = {default_malloc, default_realloc, default_free, NULL};

phash_status phash_set_allocator(const phash_allocator *allocator)
{
    if (!allocator) {
        g_alloc = (phash_allocator){default_malloc, default_realloc, default_free, NULL};
        return PHASH_OK;
    }
    if (!allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn)
        return PHASH_ERR_INVALID_ARG;
    g_alloc = *allocator;
    return PHASH_OK;
}

void phash_free(void *ptr) { ph_free(ptr); }

int ph_mul_size(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

void *ph_malloc(size_t size) { return g_alloc.malloc_fn(g_alloc.opaque, size ? size : 1); }

void *ph_calloc(size_t count, size_t size)
{
    size_t total;
    if (ph_mul_size(count, size, &total) != 0)
        return NULL;
    void *p = ph_malloc(total);
    if (p)
        memset(p, 0, total);
    return p;
}

void *ph_realloc(void *ptr, size_t size) { return g_alloc.realloc_fn(g_alloc.opaque, ptr, size ? size : 1); }

void ph_free(void *ptr)
{
    if (ptr)
        g_alloc.free_fn(g_alloc.opaque, ptr);
}

void *ph_buf_reserve(ph_buf *buf, size_t size)
{
    if (size <= buf->cap && buf->data)
        return buf->data;
    /* Free first: the contents need not survive, and holding both the old and
     * the new block would double the peak for large images. */
    ph_free(buf->data);
    buf->data = ph_malloc(size);
    buf->cap = buf->data ? size : 0;
    return buf->data;
}

void ph_buf_release(ph_buf *buf)
{
    ph_free(buf->data);
    buf->data = NULL;
    buf->cap = 0;
}
