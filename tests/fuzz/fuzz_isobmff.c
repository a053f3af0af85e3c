/* SPDX-License-Identifier: MIT */
/* Fuzz target for the HEIF/AVIF box reader (lib/decode/isobmff.c): any
 * bytes; on success the answer must be self-consistent (an orientation
 * 1..8, a grid's tile count rows x columns and tiles that cover its
 * output). The sanitizers check every read stays inside the input. */
#include <stdlib.h>

#include "decode/isobmff.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ph_bmff_image img;
    char why[200];
    phash_status st = ph_bmff_read(data, size, &img, why, sizeof why);
    int o = ph_bmff_orientation(&img);
    if (o < 1 || o > 8 || img.n_transforms > PH_BMFF_MAX_TRANSFORMS)
        __builtin_trap();
    if (st != PHASH_OK)
        return 0;
    if (img.grid_rows) {
        uint64_t cw = (uint64_t)img.grid_cols * img.tile_width;
        uint64_t ch = (uint64_t)img.grid_rows * img.tile_height;
        if (img.tile_count != img.grid_rows * img.grid_cols || cw < img.grid_width ||
            ch < img.grid_height || img.tile_count > PH_BMFF_MAX_TILES)
            __builtin_trap();
    }
    return 0;
}
