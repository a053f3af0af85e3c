/* SPDX-License-Identifier: MIT */
/* Fuzz target for the container path: the scanner (include/phash/scan.h)
 * on one buffer, sniffed by content; archives are opened by libarchive
 * (lib/container/archive.c) and every member goes through
 * lib/scan/kind_container.c into the scanner again (nested archives,
 * images decoded and hashed, digests). Limits are lowered so that bombs are
 * refused within libFuzzer's time and memory limits: nesting 3, 64 members
 * per container, 1 MiB per member, 8 MiB of members per input, 4 MP per
 * image.
 *
 * Invariants checked on every report (a broken one traps): a path, a
 * detail, a known status; members (depth >= 1) below the nesting limit,
 * named "outer!name", no larger than the member limit unless refused;
 * the input's own report (depth 0) comes last, exactly once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phash/phash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_DEPTH 3
#define FUZZ_MEMBER ((int64_t)1 << 20)

typedef struct seen {
    unsigned reports, tops;
} seen;

static int check_report(void *ctx, const phash_scan_report *r)
{
    seen *s = ctx;
    s->reports++;
    if (!r->path || !r->detail || (unsigned)r->status >= PHASH_STATUS_COUNT || s->tops)
        __builtin_trap(); /* nothing after the input's own report */
    if (r->depth == 0) {
        s->tops++;
        return 0;
    }
    if (r->depth > FUZZ_DEPTH || !strchr(r->path, '!'))
        __builtin_trap();
    if (r->status == PHASH_OK && r->kind == PHASH_MEDIA_IMAGE && r->size > (uint64_t)FUZZ_MEMBER)
        __builtin_trap();
    for (size_t i = 0; i < r->n_hashes; i++)
        if (!phash_scan_report_hash(r, i) || !phash_scan_report_hash(r, i)->hex)
            __builtin_trap();
    return 0;
}

static phash_scanner *fuzz_scanner(void)
{
    static phash_scanner *s;
    if (s)
        return s;
    phash_limits lim = {.size = sizeof lim, .max_width = 8192, .max_height = 8192,
                        .max_pixels = 4u << 20, .max_memory = 256u << 20};
    if (phash_scanner_new(&s) != PHASH_OK || phash_scanner_set_algorithms(s, "pdq,md5") ||
        phash_scanner_set_limits(s, &lim) ||
        phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, 1) ||
        phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_DEPTH, FUZZ_DEPTH) ||
        phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_MEMBERS, 64) ||
        phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_BYTES, 8 << 20) ||
        phash_scanner_set_option(s, PHASH_SCAN_OPT_MEMBER_SIZE, FUZZ_MEMBER))
        __builtin_trap();
    return s;
}

/* The regression driver frees the scanner at exit (valgrind sees no leak). */
__attribute__((destructor)) static void fuzz_scanner_free(void)
{
    phash_scanner_free(fuzz_scanner());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seen s = {0, 0};
    if (phash_scanner_scan_memory(fuzz_scanner(), data, size, "in", check_report, &s) !=
            PHASH_OK ||
        s.tops != 1)
        __builtin_trap();
    return 0;
}
