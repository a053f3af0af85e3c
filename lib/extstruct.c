/* SPDX-License-Identifier: MIT */
/* Caller-filled structs that grow without breaking the ABI (phash_limits,
 * phash_index_search_opts, phash_pdq_match_rule). The first member is
 * `size_t size`: the sizeof the caller compiled with, or 0 for the first
 * version of the struct. The rule is the Linux kernel's for extensible
 * structs (openat2, clone3):
 * - an older caller (smaller size): the fields it lacks keep their defaults;
 * - a newer caller (larger size): accepted only if every byte this library
 *   does not know is zero, so a setting it cannot honour is refused, never
 *   silently ignored;
 * - on output, only the caller's size is written. */
#include <string.h>

#include "internal.h"

static size_t caller_size(const void *s, size_t v1)
{
    size_t n;
    memcpy(&n, s, sizeof n);
    return n == 0 ? v1 : n;
}

int ph_struct_in(void *dst, size_t dst_size, const void *src, size_t v1)
{
    size_t n = caller_size(src, v1);
    if (n < v1)
        return -1;
    const unsigned char *p = src;
    for (size_t i = dst_size; i < n; i++)
        if (p[i])
            return -1;
    size_t take = n < dst_size ? n : dst_size;
    memcpy((unsigned char *)dst + sizeof(size_t), p + sizeof(size_t), take - sizeof(size_t));
    memcpy(dst, &dst_size, sizeof dst_size);
    return 0;
}

void ph_struct_out(void *dst, size_t dst_size, const void *src, size_t src_size, size_t v1)
{
    if (dst_size < v1)
        return;
    size_t take = dst_size < src_size ? dst_size : src_size;
    memcpy(dst, src, take);
    memset((unsigned char *)dst + take, 0, dst_size - take);
    memcpy(dst, &take, sizeof take);
}
