/* SPDX-License-Identifier: MIT */
/* Fuzz target for the pHash JPEG fast path (lib/hash/dct64_jpeg.c over
 * ph_decode_jpeg_rows: libjpeg with jpeg_skip_scanlines on untrusted bytes).
 * Either it declines with a decoder status (the caller would decode the file
 * whole) or it returns a grid whose cells are 7x7 sums of 8-bit luma:
 * anything else traps. Small limits keep every input cheap. Built as a libFuzzer target
 * with -Dfuzz=true (clang) and always as a regression driver over
 * tests/fuzz/corpus/dct64_jpeg. */
#include "../win_compat.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash/dct64.h"
#include "phash/image.h"
#include "phash/phash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Under valgrind, libjpeg-turbo's SIMD h1v2 fancy upsampling (4:4:0, 4:1:0
 * seeds) reads uninitialised lanes whose results are discarded (see
 * tests/test_decode.c): use its C paths there, before libjpeg's first use. */
static void c_paths_under_valgrind(void)
{
    static int done;
    const char *preload = getenv("LD_PRELOAD");
    if (!done && preload && strstr(preload, "vgpreload"))
        setenv("JSIMD_FORCENONE", "1", 1);
    done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    c_paths_under_valgrind();
    static const phash_limits limits = {.size = sizeof limits, .max_width = 4096, .max_height = 4096,
                                        .max_pixels = 4u << 20, .max_memory = 64u << 20};
    static phash_decoder *dec; /* one decoder for the whole run, as the hasher keeps one */
    if (!dec && (phash_decoder_new(&dec) != PHASH_OK || phash_decoder_set_limits(dec, &limits) != PHASH_OK))
        __builtin_trap();
    double grid[PH_DCT64_GRID * PH_DCT64_GRID];
    uint32_t w = 0, h = 0;
    phash_status st = ph_dct64_jpeg_grid(dec, data, size, grid, &w, &h);
    if (st == PHASH_OK) {
        if (w == 0 || h == 0 || w > limits.max_width || h > limits.max_height)
            __builtin_trap();
        for (size_t i = 0; i < PH_DCT64_GRID * PH_DCT64_GRID; i++)
            if (!(grid[i] >= 0.0 && grid[i] <= 49.0 * 255.0))
                __builtin_trap();
    } else if (!strcmp(phash_status_name(st), "PHASH_STATUS_UNKNOWN") || st == PHASH_ERR_INVALID_ARG) {
        __builtin_trap(); /* a status the decoder does not give, or a bad row selection */
    }
    return 0;
}
