/* SPDX-License-Identifier: MIT */
/* The list reader of phash scan --files-from (see files_from.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_os.h"
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

/* The list is read as it arrives (what a pipe holds so far, not a full
 * buffer), so that `find ... | phash scan --files-from -` starts on each
 * name as soon as its producer writes it. */
int files_from_each(const char *list, int (*each)(void *ctx, const char *name), void *ctx)
{
    int fd = cli_open_list(list);
    if (fd < 0) {
        fprintf(stderr, "phash scan: --files-from %s: %s\n", list, strerror(errno));
        return -1;
    }
    static char chunk[64 * 1024];
    name_buf b = {0};
    long n = cli_read_some(fd, chunk, sizeof chunk);
    char sep = n > 0 && memchr(chunk, '\0', (size_t)n) ? '\0' : '\n';
    int rc = 0;
    while (n > 0 && rc == 0) {
        rc = split(&b, chunk, (size_t)n, sep, each, ctx);
        n = rc ? 0 : cli_read_some(fd, chunk, sizeof chunk);
    }
    const char *why = rc < 0 ? "out of memory" : n < 0 ? strerror(errno) : NULL;
    if (rc == 0 && n == 0 && b.len)
        rc = each(ctx, b.data) ? 1 : 0; /* the last name, without its separator */
    if (why)
        fprintf(stderr, "phash scan: --files-from %s: %s\n", list, why);
    if (strcmp(list, "-"))
        cli_close(fd);
    free(b.data);
    return why ? -1 : 0;
}
