/* SPDX-License-Identifier: MIT */
/* Fuzz target for the public entry point: sniffing, dispatch, every
 * decoder, EXIF orientation (parsed and applied); see fuzz_decode.h. The
 * EXIF parser is also fed the raw bytes directly. */
#include "fuzz_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int o = ph_exif_orientation(data, size);
    if (o < 1 || o > 8)
        __builtin_trap();
    if (phash_format_name(phash_sniff(data, size))[0] == '\0')
        __builtin_trap();
    return fuzz_decode(data, size, PHASH_FORMAT_UNKNOWN);
}
