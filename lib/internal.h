/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the library's translation units. Never installed. */
#ifndef PHASH_LIB_INTERNAL_H
#define PHASH_LIB_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "phash/phash.h"

/* Internal functions use the ph_ prefix and hidden visibility (the default for
 * the whole library, see meson.build), so they never leak into the ABI. */

/* Allocation through the process-wide allocator (phash_set_allocator). */
void *ph_malloc(size_t size);
void *ph_calloc(size_t count, size_t size); /* overflow-checked, zeroed */
void *ph_realloc(void *ptr, size_t size);
void ph_free(void *ptr);
/* Multiply with overflow check: returns 0 and sets *out, or -1 on overflow. */
int ph_mul_size(size_t a, size_t b, size_t *out);

/* A grow-only reusable buffer: contexts keep one per work area so that the
 * steady state allocates nothing. */
typedef struct ph_buf {
    void *data;
    size_t cap;
} ph_buf;
/* Ensure cap >= size; contents are not preserved. NULL on allocation failure. */
void *ph_buf_reserve(ph_buf *buf, size_t size);
void ph_buf_release(ph_buf *buf);
/* Reused work buffers above this are released after use: a one-off large
 * file must not keep a long-running scanner at its peak memory. */
#define PH_KEEP_BUFFER_MAX ((size_t)8 << 20)
static inline void ph_buf_trim(ph_buf *buf)
{
    if (buf->cap > PH_KEEP_BUFFER_MAX)
        ph_buf_release(buf);
}

/* A byte sink for streamed writers: returns 0, or -1 with errno set. */
typedef int (*ph_sink_fn)(void *ctx, const void *data, size_t len);

/* Per-handle last-error detail: a fixed buffer, so setting it never fails. */
/* printf-style checking of a function's format (argument fmt) and its
 * arguments (from first). mingw: the C99 printf of __USE_MINGW_ANSI_STDIO
 * (%zu, %lld), which gcc calls gnu_printf (its "printf" is msvcrt's). */
#if defined(__MINGW32__)
#define PH_PRINTF(fmt, first) __attribute__((format(gnu_printf, fmt, first)))
#elif defined(__GNUC__)
#define PH_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define PH_PRINTF(fmt, first)
#endif

#define PH_DETAIL_LEN 256
typedef struct ph_error {
    phash_status status;
    char detail[PH_DETAIL_LEN];
} ph_error;
/* Record status with a printf-style detail; returns status for tail calls. */
phash_status ph_error_set(ph_error *err, phash_status status, const char *fmt, ...)
    PH_PRINTF(3, 4)
    ;
void ph_error_clear(ph_error *err);
/* Format a detail into a PH_DETAIL_LEN buffer (fmt NULL: empty). */
void ph_detail_vset(char detail[PH_DETAIL_LEN], const char *fmt, va_list ap);
/* The detail if set, else phash_strerror(status); never NULL. */
const char *ph_error_message(const ph_error *err);

/* Value of a hex digit (either case), or -1 for any other character. */
/* Extensible structs (lib/extstruct.c): the first member is size_t size,
 * the caller's sizeof or 0 for the first version (v1 bytes). ph_struct_in
 * copies the caller's *src over *dst (which holds the defaults) and sets
 * dst's size; -1 for a size below v1 or non-zero bytes this library does not
 * know. ph_struct_out writes at most dst_size bytes of *src (dst_size below
 * v1: nothing). */
int ph_struct_in(void *dst, size_t dst_size, const void *src, size_t v1);
void ph_struct_out(void *dst, size_t dst_size, const void *src, size_t src_size, size_t v1);
/* The first version of each extensible struct ends here. */
#define PH_LIMITS_V1 (offsetof(phash_limits, max_memory) + sizeof(uint64_t))
#define PH_SEARCH_OPTS_V1 (offsetof(phash_index_search_opts, threads) + sizeof(unsigned))
#define PH_MATCH_RULE_V1 (offsetof(phash_pdq_match_rule, min_quality) + sizeof(int))
/* *dst = the defaults overlaid with the caller's *src; PHASH_ERR_VERSION for
 * a size this library cannot take, *dst unchanged (lib/decode/decode.c). */
phash_status ph_limits_in(phash_limits *dst, const phash_limits *src);

static inline int ph_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static inline unsigned ph_popcount64(uint64_t x) { return (unsigned)__builtin_popcountll(x); }

#endif
