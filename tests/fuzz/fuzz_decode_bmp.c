/* SPDX-License-Identifier: MIT */
/* Fuzz target for the BMP decoder alone (lib/decode/bmp.c), whatever the
 * signature says; see fuzz_decode.h for the input layout and checks. */
#include "fuzz_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decode(data, size, PHASH_FORMAT_BMP);
}
