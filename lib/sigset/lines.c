/* SPDX-License-Identifier: MIT */
/* A streaming line reader: LF or CRLF, a UTF-8 BOM dropped from line 1, and
 * memory bounded by the longest accepted line (longer lines are skipped
 * without being buffered). */
#include <errno.h>
#include <string.h>

#include "phash/digest.h"
#include "sigset_int.h"

#define PH_LINES_CHUNK 65536

phash_status ph_lines_open_file(ph_lines *r, ph_file *file, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->file = file;
    r->max_line = max_line;
    r->cap = max_line + PH_LINES_CHUNK;
    r->buf = ph_malloc(r->cap);
    return r->buf ? PHASH_OK : PHASH_ERR_NOMEM;
}

void ph_lines_open_mem(ph_lines *r, const void *data, size_t len, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->mem = data;
    r->mem_len = len;
    r->max_line = max_line;
}

void ph_lines_close(ph_lines *r)
{
    ph_free(r->buf);
    r->buf = NULL;
}

/* Read more bytes after end; 1 if some came, 0 at EOF, -1 on error. Compacts first. */
static int fill(ph_lines *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t n;
    int err = ph_file_read(r->file, r->buf + r->end, r->cap - r->end, &n);
    if (err) {
        r->io_errno = err;
        return -1;
    }
    if (r->digest && n > 0 && phash_digest_update(r->digest, r->buf + r->end, n) != PHASH_OK)
        r->digest_failed = 1;
    r->end += n;
    if (n == 0)
        r->eof = 1;
    return n > 0;
}

/* Length of a line's text once its CR and (on line 1) BOM are dropped: what
 * the limit applies to. */
static size_t body_len(const ph_lines *r, const char *s, size_t n)
{
    size_t body = n;
    if (body > 0 && s[n - 1] == '\r')
        body--;
    if (r->lineno == 0 && body >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        body -= 3;
    return body;
}

/* Whether a line holds bytes no text list has: NUL (a UTF-16 file, a
 * binary one) or a control byte other than tab. */
static int is_binary(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return 1;
    }
    return 0;
}

/* Count the line and hand it out: stripped, or flagged as too long. */
static int deliver(ph_lines *r, const char *s, size_t n, const char **line, size_t *out_len,
                   int *too_long)
{
    if (body_len(r, s, n) > r->max_line) {
        r->lineno++;
        *too_long = 1;
        *line = s;
        *out_len = 0;
        return 1;
    }
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (r->lineno == 0 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        s += 3;
        n -= 3;
    }
    r->lineno++;
    if (is_binary(s, n) && r->binary_lines++ == 0)
        r->first_binary = r->lineno;
    *line = s;
    *out_len = n;
    return 1;
}

static int skipped(ph_lines *r, const char **line, size_t *len, int *too_long)
{
    r->lineno++;
    *too_long = 1;
    *line = "";
    *len = 0;
    return 1;
}

static int next_mem(ph_lines *r, const char **line, size_t *len, int *too_long)
{
    if (r->mem_pos >= r->mem_len)
        return 0;
    const char *s = r->mem + r->mem_pos;
    size_t avail = r->mem_len - r->mem_pos;
    const char *nl = memchr(s, '\n', avail);
    size_t n = nl ? (size_t)(nl - s) : avail;
    r->mem_pos += n + (nl != NULL);
    return deliver(r, s, n, line, len, too_long);
}

void ph_lines_unread(ph_lines *r)
{
    r->pushed = 1;
}

static int next_line(ph_lines *r, const char **line, size_t *len, int *too_long);

int ph_lines_next(ph_lines *r, const char **line, size_t *len, int *too_long)
{
    if (r->pushed) {
        r->pushed = 0;
        *line = r->last;
        *len = r->last_len;
        *too_long = r->last_too_long;
        return 1;
    }
    int got = next_line(r, line, len, too_long);
    if (got == 1) {
        r->last = *line;
        r->last_len = *len;
        r->last_too_long = *too_long;
    }
    return got;
}

static int next_line(ph_lines *r, const char **line, size_t *len, int *too_long)
{
    *too_long = 0;
    if (!r->file)
        return next_mem(r, line, len, too_long);
    int skipping = 0;
    for (;;) {
        char *s = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(s, '\n', avail);
        if (nl) {
            r->start += (size_t)(nl - s) + 1;
            if (skipping)
                return skipped(r, line, len, too_long);
            return deliver(r, s, (size_t)(nl - s), line, len, too_long);
        }
        if (r->eof) {
            r->start = r->end;
            if (skipping)
                return skipped(r, line, len, too_long);
            if (avail == 0)
                return 0;
            return deliver(r, s, avail, line, len, too_long);
        }
        /* max_line + 4 covers the CR and a BOM: anything longer without an
         * LF is too long whatever follows; drop it and skip to the next LF. */
        if (avail > r->max_line + 4) {
            skipping = 1;
            r->start = r->end = 0;
        }
        if (fill(r) < 0)
            return -1;
    }
}

/* ---- raw bytes, for the document parsers (VICS JSON, NCMEC XML) ---- */

/* Line feeds in a piece: lineno keeps counting lines for the report. */
static uint64_t count_lf(const char *s, size_t n)
{
    uint64_t count = 0;
    const char *end = s + n;
    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        count++;
        s++;
    }
    return count;
}

size_t ph_lines_peek(ph_lines *r, const char **data)
{
    if (!r->file) {
        *data = r->mem + r->mem_pos;
        return r->mem_len - r->mem_pos;
    }
    /* One read is enough for detection: fill() asks for the whole room. */
    if (r->end == r->start && !r->eof && fill(r) < 0) {
        *data = "";
        return 0;
    }
    *data = r->buf + r->start;
    return r->end - r->start;
}

int ph_lines_chunk(ph_lines *r, const char **data, size_t *len)
{
    if (!r->file) {
        if (r->mem_pos >= r->mem_len)
            return 0;
        size_t n = r->mem_len - r->mem_pos;
        if (n > PH_LINES_CHUNK)
            n = PH_LINES_CHUNK; /* the same pieces as from a file: bounded work per call */
        *data = r->mem + r->mem_pos;
        *len = n;
        r->mem_pos += n;
        r->lineno += count_lf(*data, n);
        return 1;
    }
    if (r->end == r->start) {
        r->start = r->end = 0;
        if (r->eof)
            return 0;
        int got = fill(r);
        if (got <= 0)
            return got;
    }
    *data = r->buf + r->start;
    *len = r->end - r->start;
    r->start = r->end;
    r->lineno += count_lf(*data, *len);
    return 1;
}
