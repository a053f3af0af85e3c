/* SPDX-License-Identifier: MIT */
/* What phash's hashing stands on, without phash: the decoders it links
 * (libjpeg-turbo, libpng, libwebp) decoding the same files from memory, and
 * the C runtime's malloc/free and memcpy, in CPU seconds (user + system of
 * this process, best of 3 rounds). Built for Linux and for Windows, it
 * separates what the Windows build under Wine pays in the libraries and the
 * runtime from what it pays in phash's own code (bench/wine_hash.py
 * measures `phash hash` end to end):
 *
 *   cc -O2 bench/decode_libs.c -o decode_libs -ljpeg -lpng -lwebp
 *   x86_64-w64-mingw32-gcc-posix -O2 -D__USE_MINGW_ANSI_STDIO=1 -I$P/include \
 *       bench/decode_libs.c -o decode_libs.exe -static -L$P/lib -ljpeg -lpng16 -lz -lwebp
 *   (P: the .ci/windows-deps prefix)
 *   decode_libs FILE...            (JPEG, PNG, WebP by their first bytes)
 *
 * Run both with `nice -n 10` in the same minutes on a shared machine; the
 * Windows one under Wine (`wine decode_libs.exe FILE...`). */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>

#ifdef _WIN32
#include <windows.h>
static double cpu_seconds(void)
{
    FILETIME c, e, k, u;
    GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
    ULARGE_INTEGER kk = {.LowPart = k.dwLowDateTime, .HighPart = k.dwHighDateTime};
    ULARGE_INTEGER uu = {.LowPart = u.dwLowDateTime, .HighPart = u.dwHighDateTime};
    return (double)(kk.QuadPart + uu.QuadPart) * 1e-7;
}
#define SYSTEM "windows"
#else
#include <sys/resource.h>
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}
#define SYSTEM "linux"
#endif

typedef struct blob {
    unsigned char *data;
    size_t size;
    int kind; /* 0 jpeg, 1 png, 2 webp, -1 other */
} blob;

static const char *const kinds[] = {"jpeg", "png", "webp"};

static int read_file(const char *path, blob *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b->data = malloc(n > 0 ? (size_t)n : 1);
    b->size = b->data && n > 0 ? fread(b->data, 1, (size_t)n, f) : 0;
    fclose(f);
    const unsigned char *d = b->data;
    b->kind = b->size > 12 && d[0] == 0xFF && d[1] == 0xD8              ? 0
              : b->size > 12 && !memcmp(d, "\x89PNG", 4)               ? 1
              : b->size > 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4) ? 2
                                                                       : -1;
    return 0;
}

static unsigned char *out_buffer(size_t size);
static void out_done(unsigned char *p);

/* libjpeg errors: back to decode_jpeg, nothing printed (a file the
 * decoder refuses counts the time spent until then, on both systems). */
struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf back;
};

static void jpeg_fail(j_common_ptr c)
{
    longjmp(((struct jerr *)c->err)->back, 1);
}

static void jpeg_quiet(j_common_ptr c, int level)
{
    (void)c;
    (void)level;
}

static unsigned long long decode_jpeg(const blob *b)
{
    struct jpeg_decompress_struct d;
    struct jerr e;
    d.err = jpeg_std_error(&e.mgr);
    e.mgr.error_exit = jpeg_fail;
    e.mgr.emit_message = jpeg_quiet;
    static unsigned char *img; /* (static: survives the longjmp) */
    jpeg_create_decompress(&d);
    if (setjmp(e.back)) {
        jpeg_destroy_decompress(&d);
        out_done(img);
        img = NULL;
        return 0;
    }
    jpeg_mem_src(&d, b->data, (unsigned long)b->size);
    unsigned long long sum = 0;
    if (jpeg_read_header(&d, TRUE) == JPEG_HEADER_OK) {
        if (d.jpeg_color_space != JCS_CMYK && d.jpeg_color_space != JCS_YCCK)
            d.out_color_space = JCS_RGB;
        jpeg_start_decompress(&d);
        size_t stride = (size_t)d.output_width * d.output_components;
        img = out_buffer(stride * d.output_height); /* the whole image, as phash */
        while (img && d.output_scanline < d.output_height) {
            JSAMPROW r = img + stride * d.output_scanline;
            jpeg_read_scanlines(&d, &r, 1);
        }
        sum = img ? img[0] : 0;
        out_done(img);
        img = NULL;
        jpeg_finish_decompress(&d);
    }
    jpeg_destroy_decompress(&d);
    return sum;
}

/* reuse != 0: the output goes to one buffer kept between images (grown
 * when needed), as phash's handles keep theirs; else a new one per image. */
static int reuse;
static unsigned char *kept;
static size_t kept_size;

static unsigned char *out_buffer(size_t size)
{
    if (!reuse)
        return malloc(size);
    if (size > kept_size) {
        free(kept);
        kept = malloc(size);
        kept_size = kept ? size : 0;
    }
    return kept;
}

static void out_done(unsigned char *p)
{
    if (!reuse)
        free(p);
}

static unsigned long long decode_png(const blob *b)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    unsigned long long sum = 0;
    if (png_image_begin_read_from_memory(&img, b->data, b->size)) {
        img.format = PNG_FORMAT_RGB;
        unsigned char *px = out_buffer(PNG_IMAGE_SIZE(img));
        if (px && png_image_finish_read(&img, NULL, px, 0, NULL))
            sum = px[0];
        out_done(px);
    }
    png_image_free(&img);
    return sum;
}

static unsigned long long decode_webp(const blob *b)
{
    int w, h;
    if (!WebPGetInfo(b->data, b->size, &w, &h))
        return 0;
    size_t stride = (size_t)w * 3;
    uint8_t *px = out_buffer(stride * (size_t)h);
    unsigned long long sum = px && WebPDecodeRGBInto(b->data, b->size, px, stride * (size_t)h,
                                                     (int)stride) ? px[0] : 0;
    out_done(px);
    return sum;
}

int main(int argc, char **argv)
{
    blob *blobs = calloc((size_t)argc, sizeof *blobs);
    int n[3] = {0, 0, 0};
    size_t bytes[3] = {0, 0, 0};
    for (int i = 1; i < argc; i++)
        if (read_file(argv[i], &blobs[i]) == 0 && blobs[i].kind >= 0) {
            n[blobs[i].kind]++;
            bytes[blobs[i].kind] += blobs[i].size;
        }
    printf("# decode_libs (%s): libjpeg-turbo %d, libpng %s, libwebp 0x%x; CPU s, best of 3\n",
           SYSTEM, LIBJPEG_TURBO_VERSION_NUMBER, png_get_libpng_ver(NULL), WebPGetDecoderVersion());
    volatile unsigned long long sink = 0;
    for (int pass = 0; pass < 6; pass++) {
        int k = pass % 3;
        reuse = pass >= 3;
        if (!n[k])
            continue;
        double best = 1e9;
        for (int round = 0; round < 3; round++) {
            double t0 = cpu_seconds();
            for (int i = 1; i < argc; i++)
                if (blobs[i].kind == k)
                    sink += k == 0 ? decode_jpeg(&blobs[i])
                            : k == 1 ? decode_png(&blobs[i])
                                     : decode_webp(&blobs[i]);
            double t = cpu_seconds() - t0;
            best = t < best ? t : best;
        }
        printf("%-5s %3d files %9zu bytes, output buffer %s: %.3f s\n", kinds[k], n[k], bytes[k],
               reuse ? "kept" : "per image", best);
    }
    /* the runtime: 200,000 malloc/free pairs of 1 KiB to 256 KiB, and of
     * 512 KiB to 8 MiB (decoders allocate per image), each first touched */
    for (int large = 0; large < 2; large++) {
        double best = 1e9;
        for (int round = 0; round < 3; round++) {
            double t0 = cpu_seconds();
            for (int i = 0; i < 200000; i++) {
                unsigned char *p = malloc((size_t)1024 << (large ? 9 + i % 5 : i % 9));
                if (p)
                    p[0] = (unsigned char)i;
                sink += p ? p[0] : 0;
                free(p);
            }
            double t = cpu_seconds() - t0;
            best = t < best ? t : best;
        }
        printf("malloc/free 200000 (%s): %.3f s\n", large ? "512 KiB-8 MiB" : "1-256 KiB", best);
    }
    double best;
    unsigned char *a = malloc(4 << 20), *c = malloc(4 << 20);
    memset(a, 1, 4 << 20);
    memset(c, 2, 4 << 20);
    best = 1e9;
    for (int round = 0; round < 3; round++) {
        double t0 = cpu_seconds();
        for (int i = 0; i < 1024; i++) {
            memcpy(i & 1 ? a : c, i & 1 ? c : a, 4 << 20);
            sink += a[i];
        }
        double t = cpu_seconds() - t0;
        best = t < best ? t : best;
    }
    printf("memcpy 4 GiB (4 MiB blocks): %.3f s\n", best);
    return sink == 42 ? 1 : 0;
}
