/* SPDX-License-Identifier: MIT */
/* Shared body of the decoder fuzz targets (tests/fuzz/fuzz_decode_*.c).
 *
 * The whole input is the file, so seed files work unchanged; the options
 * (CMYK mode, 16-bit policy, apply orientation, JPEG scale, accept
 * truncation) come from its last byte mixed with its size. The
 * limits are lowered so that libFuzzer's memory and time limits are not hit
 * by legitimate refusals. Every returned image is checked: its size within
 * the limits, 1 or 3 channels, every pixel byte read (so ASan and valgrind
 * see any short buffer); a broken invariant traps. */
#ifndef PHASH_FUZZ_DECODE_H
#define PHASH_FUZZ_DECODE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Under valgrind, use libjpeg-turbo's C paths: its SIMD h1v2 upsampling
 * reads uninitialised rows in discarded lanes (see tests/test_decode.c). */
__attribute__((constructor)) static void fuzz_valgrind_setup(void)
{
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload"))
        setenv("JSIMD_FORCENONE", "1", 1);
}

#define FUZZ_MAX_PIXELS (4u * 1024u * 1024u)

static void fuzz_set_options(phash_decoder *dec, uint8_t o)
{
    static const int scales[4] = {8, 4, 2, 1};
    phash_limits lim = {.size = sizeof lim, .max_width = 8192, .max_height = 8192,
                        .max_pixels = FUZZ_MAX_PIXELS, .max_memory = 256u * 1024u * 1024u};
    FUZZ_OK(phash_decoder_set_limits(dec, &lim));
    FUZZ_OK(phash_decoder_set_option(dec, PHASH_DECODE_CMYK_MODE, o & 1));
    FUZZ_OK(phash_decoder_set_option(dec, PHASH_DECODE_SIXTEEN_BIT, (o >> 1) & 1));
    FUZZ_OK(phash_decoder_set_option(dec, PHASH_DECODE_APPLY_ORIENTATION, (o >> 2) & 1));
    FUZZ_OK(phash_decoder_set_option(dec, PHASH_DECODE_JPEG_SCALE, scales[(o >> 3) & 3]));
    FUZZ_OK(phash_decoder_set_option(dec, PHASH_DECODE_ALLOW_TRUNCATED, (o >> 5) & 1));
}

static void fuzz_check_image(phash_decoder *dec, phash_status st, const phash_image *img)
{
    if (st != PHASH_OK) {
        if (img || !phash_decoder_last_error(dec)[0])
            __builtin_trap();
        return;
    }
    uint32_t w = phash_image_width(img), h = phash_image_height(img);
    uint32_t ch = phash_image_channels(img);
    if (!img || w == 0 || h == 0 || (uint64_t)w * h > FUZZ_MAX_PIXELS || (ch != 1 && ch != 3) ||
        phash_image_stride(img) != (size_t)w * ch || phash_image_orientation(img) < 1 ||
        phash_image_orientation(img) > 8)
        __builtin_trap();
    const uint8_t *p = phash_image_pixels(img);
    unsigned sum = 0;
    for (size_t i = 0; i < (size_t)w * h * ch; i++)
        sum += p[i];
    /* Make the sum observable so the loop is not optimised away. */
    __asm__ volatile("" : : "r"(sum));
}

/* Decode data as format (PHASH_FORMAT_UNKNOWN: sniffed, the public entry
 * point). */
static int fuzz_decode(const uint8_t *data, size_t size, phash_format format)
{
    phash_decoder *dec = NULL;
    FUZZ_OK(phash_decoder_new(&dec));
    fuzz_set_options(dec, (uint8_t)((size ? data[size - 1] : 0) ^ size));
    const phash_image *img = NULL;
    phash_status st = format == PHASH_FORMAT_UNKNOWN
                          ? phash_decode_memory(dec, data, size, &img)
                          : ph_decode_as(dec, format, data, size, &img);
    fuzz_check_image(dec, st, img);
    phash_decoder_free(dec);
    return 0;
}

#endif
