/* SPDX-License-Identifier: MIT */
/* Differential fuzz target for the PDQ pipeline (lib/pdq*.c): every blur
 * kernel the CPU runs (generic, AVX2, AVX-512, AVX-512 VBMI) must give the
 * same hash, quality and 8 dihedral hashes, in both conventions, for
 *   1. the input decoded as an image file (any format), and
 *   2. the input's bytes taken as the pixels of a small image whose width,
 *      height and channel count come from its first bytes: odd sizes,
 *      widths that are not multiples of any vector width, 1-4 channels,
 *      grey and colour, strides with padding.
 * A difference between kernels traps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash/pdq_internal.h"
#include "phash/phash.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Under valgrind, use libjpeg-turbo's C paths: its SIMD h1v2 upsampling
 * reads uninitialised rows in discarded lanes (see tests/test_decode.c),
 * which valgrind would follow into the hashes. */
__attribute__((constructor)) static void fuzz_valgrind_setup(void)
{
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload"))
        setenv("JSIMD_FORCENONE", "1", 1);
}

static const char *const kernels[] = {"generic", "avx2", "avx512", "avx512vbmi"};
#define N_KERNELS (sizeof kernels / sizeof kernels[0])

static phash_pdq_hasher *hashers[N_KERNELS];
static phash_decoder *decoder;

static void setup(void)
{
    if (decoder)
        return;
    FUZZ_OK(phash_decoder_new(&decoder));
    /* Small limits: the target checks the kernels, not the decoder. */
    phash_limits lim = {.size = sizeof lim, .max_width = 4096, .max_height = 4096,
                        .max_pixels = 1u << 20, .max_memory = 64u << 20};
    if (!decoder || phash_decoder_set_limits(decoder, &lim) != PHASH_OK)
        abort();
    for (size_t k = 0; k < N_KERNELS; k++) {
        ph_pdq_blur_fn fn = ph_pdq_kernel_by_name(kernels[k]);
        if (!fn)
            continue;
        FUZZ_OK(phash_pdq_hasher_new(&hashers[k]));
        if (!hashers[k])
            abort();
        ph_pdq_hasher_set_kernel(hashers[k], fn);
    }
}

/* Hash img with every kernel in both modes; all results must agree. */
static void compare_kernels(const phash_image *img)
{
    for (int mode = 0; mode < 2; mode++) {
        phash_pdq_result first;
        int have = 0;
        for (size_t k = 0; k < N_KERNELS; k++) {
            if (!hashers[k])
                continue;
            FUZZ_OK(phash_pdq_hasher_set_mode(hashers[k], mode ? PHASH_PDQ_CLI512 : PHASH_PDQ_FULL));
            phash_pdq_result r;
            memset(&r, 0, sizeof r);
            if (phash_pdq_hash_image(hashers[k], img, PHASH_PDQ_WANT_DIHEDRAL, &r) != PHASH_OK)
                __builtin_trap(); /* a decoded image always hashes */
            if (!have) {
                first = r;
                have = 1;
            } else if (r.quality != first.quality ||
                       memcmp(r.dihedral, first.dihedral, sizeof r.dihedral) != 0 ||
                       memcmp(&r.hash, &first.hash, sizeof r.hash) != 0) {
                __builtin_trap();
            }
        }
    }
}

static void fuzz_pixels(const uint8_t *data, size_t size)
{
    if (size < 4)
        return;
    const uint32_t w = 1 + data[0] % 200 + (data[3] & 1u) * 200;
    const uint32_t h = 1 + data[1] % 200 + ((data[3] >> 1) & 1u) * 200;
    const uint32_t ch = 1 + data[2] % 4;
    const size_t pad = (data[3] >> 2) & 7u;
    const size_t stride = (size_t)w * ch + pad;
    uint8_t *px = malloc(stride * h);
    if (!px)
        return;
    /* The remaining bytes, repeated; with bit 5 of byte 3, R = G = B. */
    const uint8_t *src = data + 4;
    const size_t n = size - 4;
    const int grey = (data[3] >> 5) & 1u;
    for (size_t i = 0; i < stride * h; i++)
        px[i] = n ? src[(grey && ch >= 3 ? i / ch : i) % n] : (uint8_t)i;
    for (size_t k = 0; k < N_KERNELS; k++) {
        if (!hashers[k])
            continue;
        FUZZ_OK(phash_pdq_hasher_set_mode(hashers[k], PHASH_PDQ_FULL));
    }
    phash_image img;
    memset(&img, 0, sizeof img);
    img.width = w;
    img.height = h;
    img.channels = ch;
    img.stride = stride;
    img.pixels = px;
    img.format = PHASH_FORMAT_RAW;
    img.orientation = 1;
    compare_kernels(&img);
    free(px);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const phash_image *img = NULL;
    if (phash_decode_memory(decoder, data, size, &img) == PHASH_OK)
        compare_kernels(img);
    fuzz_pixels(data, size);
    return 0;
}
