/* SPDX-License-Identifier: MIT */
/* Fuzz target for PDF documents (lib/container/pdf.c): qpdf parses the
 * buffer, every image XObject's dictionary is checked, and each accepted
 * one is read (the embedded JPEG's raw bytes, or the raster inflated and
 * written as PNM) and decoded by phash's decoder. Limits are lowered:
 * 2048x2048, 1 MP and 4 MiB per image, 20,000 objects.
 *
 * Invariants (a broken one traps): an accepted image declares at most the
 * byte limit, and its file is never larger than the byte limit plus a
 * PNM header (rasters) or the input (JPEG); every refusal has a detail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "container/pdf.h"
#include "phash/phash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BYTES ((uint64_t)4 << 20)

static phash_decoder *fuzz_decoder(void)
{
    static phash_decoder *d;
    if (d)
        return d;
    phash_limits lim = {.size = sizeof lim, .max_width = 2048, .max_height = 2048,
                        .max_pixels = 1u << 20, .max_memory = 64u << 20};
    if (phash_decoder_new(&d) != PHASH_OK || phash_decoder_set_limits(d, &lim) != PHASH_OK)
        __builtin_trap();
    return d;
}

/* The regression driver frees the decoder at exit (valgrind sees no leak). */
__attribute__((destructor)) static void fuzz_decoder_free(void)
{
    phash_decoder_free(fuzz_decoder());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ph_pdf_limits lim = {2048, 2048, 1u << 20, FUZZ_BYTES, 20000};
    ph_pdf *p = NULL;
    char detail[256];
    if (ph_pdf_open(data, size, &lim, &p, detail, sizeof detail) != PHASH_OK) {
        if (p || !detail[0])
            __builtin_trap();
        return 0;
    }
    ph_pdf_image img;
    phash_status st;
    while ((st = ph_pdf_next(p, &img)) == PHASH_OK) {
        if (img.status != PHASH_OK) {
            if (!img.detail[0])
                __builtin_trap();
            continue;
        }
        if (img.inflate > FUZZ_BYTES)
            __builtin_trap();
        ph_pdf_read(p, &img);
        if (img.status != PHASH_OK) {
            if (!img.detail[0])
                __builtin_trap();
            continue;
        }
        if (!img.data || (img.inflate ? img.len > FUZZ_BYTES + 64 : img.len > size))
            __builtin_trap();
        const phash_image *im = NULL;
        if (phash_decode_memory(fuzz_decoder(), img.data, img.len, &im) == PHASH_OK && !im)
            __builtin_trap();
    }
    if (st != PHASH_ERR_NOT_FOUND && st != PHASH_ERR_BUDGET)
        __builtin_trap();
    ph_pdf_close(p);
    return 0;
}
