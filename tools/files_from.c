/* SPDX-License-Identifier: MIT */
/* The list reader of phash scan --files-from (see files_from.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files_from.h"

typedef struct name_buf {
    char *data;
    size_t len, cap;
} name_buf;

static int append(name_buf *b, const char *bytes, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* Split one chunk at sep; each finished name goes to each(). 1 when each
 * asked to stop, -1 out of memory, else 0. */
static int split(name_buf *b, const char *chunk, size_t n, char sep,
                 int (*each)(void *, const char *), void *ctx)
{
    while (n) {
        const char *end = memchr(chunk, sep, n);
        size_t part = end ? (size_t)(end - chunk) : n;
        if (append(b, chunk, part))
            return -1;
        if (!end)
            return 0;
        if (b->len && each(ctx, b->data))
            return 1;
        b->len = 0;
        chunk += part + 1;
        n -= part + 1;
    }
    return 0;
}

int files_from_each(const char *list, int (*each)(void *ctx, const char *name), void *ctx)
{
    FILE *f = strcmp(list, "-") ? fopen(list, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "phash scan: --files-from %s: %s\n", list, strerror(errno));
        return -1;
    }
    static char chunk[64 * 1024];
    name_buf b = {0};
    size_t n = fread(chunk, 1, sizeof chunk, f);
    char sep = memchr(chunk, '\0', n) ? '\0' : '\n';
    int rc = 0;
    while (n && rc == 0) {
        rc = split(&b, chunk, n, sep, each, ctx);
        n = rc ? 0 : fread(chunk, 1, sizeof chunk, f);
    }
    if (rc == 0 && b.len)
        rc = each(ctx, b.data) ? 1 : 0; /* the last name, without its separator */
    int failed = rc < 0 || ferror(f);
    if (failed)
        fprintf(stderr, "phash scan: --files-from %s: %s\n", list,
                rc < 0 ? "out of memory" : "read error");
    if (f != stdin)
        fclose(f);
    free(b.data);
    return failed ? -1 : 0;
}
