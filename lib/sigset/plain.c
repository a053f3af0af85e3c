/* SPDX-License-Identifier: MIT */
/* Plain lists: one hash per line, as Meta's pdq tools and most exporters
 * write them:
 *   <hash>
 *   <hash>,<metadata>              (.hsh files: text after the first comma)
 *   <hash>,<quality>,<filename>    (pdq-photo-hasher output)
 *   hash=<hash>,norm=..,quality=<q>,filename=..   (pdq-photo-hasher --details)
 *   <algo> <hash>                  (python-threatexchange file exchange)
 *   <hash> <anything>              (md5sum-like: the rest is metadata)
 * Blank lines and lines starting with '#' are skipped. */
#include <string.h>

#include "sigset_int.h"

static int is_space(char c) { return c == ' ' || c == '\t'; }

static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The value of "quality=" in a key=value tail, or the first field when it
 * is a bare number (hash,quality,filename). NULL when none. */
static const char *find_quality(const char *tail, size_t len, size_t *qlen)
{
    size_t i = 0;
    int first = 1;
    while (i <= len) {
        size_t j = i;
        while (j < len && tail[j] != ',')
            j++;
        const char *f = tail + i;
        size_t flen = j - i;
        ph_span_trim(&f, &flen);
        if (flen > 8 && ph_span_eq(f, 8, "quality=")) {
            *qlen = flen - 8;
            return f + 8;
        }
        if (first && flen > 0 && flen <= 3 && all_digits(f, flen)) {
            *qlen = flen;
            return f;
        }
        first = 0;
        i = j + 1;
    }
    return NULL;
}

static int looks_like_hash(const char *s, size_t len)
{
    if (len < 16)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

static int plain_line(ph_load *load, void *ctx, const char *s, size_t len)
{
    (void)ctx;
    ph_span_trim(&s, &len);
    if (len == 0 || s[0] == '#')
        return 0;
    ph_record rec = {0};

    /* A space before the first comma: "<algo> <hash>" or "<hash> <rest>". */
    const char *comma = memchr(s, ',', len);
    size_t head = comma ? (size_t)(comma - s) : len;
    size_t sp = 0;
    while (sp < head && !is_space(s[sp]))
        sp++;
    if (sp < head) {
        size_t rest = sp;
        while (rest < len && is_space(s[rest]))
            rest++;
        if (looks_like_hash(s, sp)) {
            rec.hash = s;
            rec.hash_len = sp;
            rec.meta = s + rest;
            rec.meta_len = len - rest;
            return ph_record_submit(load, &rec);
        }
        rec.algo = s;
        rec.algo_len = sp;
        s += rest;
        len -= rest;
        comma = memchr(s, ',', len);
    }
    if (len >= 5 && ph_span_eq(s, 5, "hash=")) {
        s += 5;
        len -= 5;
        comma = memchr(s, ',', len);
    }
    rec.hash = s;
    rec.hash_len = comma ? (size_t)(comma - s) : len;
    if (comma) {
        rec.meta = comma + 1;
        rec.meta_len = len - rec.hash_len - 1;
        rec.quality = find_quality(rec.meta, rec.meta_len, &rec.quality_len);
    }
    return ph_record_submit(load, &rec);
}

phash_status ph_parse_plain(ph_load *load, ph_lines *lines)
{
    return ph_each_line(load, lines, plain_line, NULL);
}
