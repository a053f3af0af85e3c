/* SPDX-License-Identifier: MIT */
/* bench/decode: decode speed in Mpixel/s per format and size class, on real
 * photos, beside the codec libraries called directly in the same run.
 *
 *   bench/decode DIR [REPS]       (or PHASH_BENCH_CORPUS=DIR bench/decode)
 *
 * DIR is walked recursively; every image file phash decodes (but PNM) is
 * read into memory first (no I/O timed). Each file is decoded REPS times (default 3) and its
 * best time kept, for:
 *   phash      phash_decode_memory on one decoder (buffers reused)
 *   fresh      a new phash_decoder per image (fresh buffers, page faults)
 *   library    the codec alone with the same settings (libjpeg-turbo
 *              JDCT_ISLOW to RGB/grey, libpng png_image to RGB/grey,
 *              WebPDecodeRGBInto, giflib DGifSlurp + palette, libtiff
 *              TIFFReadRGBAImage, libheif/libavif/libjxl to 8-bit RGB),
 *              into a buffer reused across images; BMP has none (phash's
 *              own decoder): '-'
 * Rows: format x size class (S < 1 Mpixel <= M < 4 Mpixel <= L); columns:
 * files, Mpixel, then Mpixel/s = total pixels / total best time, and the
 * ratio phash/library. The machine is shared: best-of-N per file, and all
 * three measured interleaved file by file.
 *
 * Photos: /work/shared/tools/make_corpus.py (/work/shared/docs/corpus.md), e.g.
 *   make_corpus.py --discover --n 24 --classes photo,wallpaper \
 *     --mix photo=50,wallpaper=50 --max-side 0 --formats jpeg=100 \
 *     --transforms png,webp_q80,scale50 --seed 7 --out /work/ext/corpus/decode
 * (JPEG originals at source size, their PNG and WebP re-encodings, halves). */
#include <dirent.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <avif/avif.h>
#include <gif_lib.h>
#include <jpeglib.h>
#include <jxl/decode.h>
#include <libheif/heif.h>
#include <png.h>
#include <tiffio.h>
#include <webp/decode.h>

#include "benchutil.h"

typedef struct file_data {
    char *path;
    uint8_t *data;
    size_t len;
    phash_format fmt;
    uint32_t w, h, ch;
} file_data;

static file_data *g_files;
static size_t g_n, g_cap;

static void add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return;
    }
    fclose(f);
    phash_format fmt = phash_sniff(buf, (size_t)n);
    if (phash_format_kind(fmt) != PHASH_MEDIA_IMAGE || !phash_format_supported(fmt) ||
        fmt == PHASH_FORMAT_PNM) {
        free(buf);
        return;
    }
    if (g_n == g_cap) {
        g_cap = g_cap ? 2 * g_cap : 256;
        g_files = realloc(g_files, g_cap * sizeof *g_files);
    }
    g_files[g_n++] = (file_data){strdup(path), buf, (size_t)n, fmt, 0, 0, 0};
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(path);
        else if (S_ISREG(st.st_mode))
            add_file(path);
    }
    closedir(d);
}

/* ---- the libraries alone ------------------------------------------------ */

static uint8_t *g_out;
static size_t g_out_cap;

static uint8_t *out_buf(size_t n)
{
    if (n > g_out_cap) {
        free(g_out);
        g_out = malloc(n);
        g_out_cap = n;
    }
    return g_out;
}

typedef struct lib_err {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
} lib_err;
static void lib_error_exit(j_common_ptr c) { longjmp(((lib_err *)c->err)->jmp, 1); }
static void lib_output(j_common_ptr c) { (void)c; }

static int libjpeg_decode(const file_data *f)
{
    struct jpeg_decompress_struct d;
    lib_err err;
    d.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = lib_error_exit;
    err.pub.output_message = lib_output;
    if (setjmp(err.jmp)) {
        jpeg_destroy_decompress(&d);
        return -1;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, f->data, (unsigned long)f->len);
    jpeg_read_header(&d, TRUE);
    d.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d);
    size_t stride = (size_t)d.output_width * (size_t)d.output_components;
    uint8_t *out = out_buf(stride * d.output_height);
    while (d.output_scanline < d.output_height) {
        JSAMPROW rows[16];
        JDIMENSION n = 0;
        for (; n < 16 && d.output_scanline + n < d.output_height; n++)
            rows[n] = out + (size_t)(d.output_scanline + n) * stride;
        jpeg_read_scanlines(&d, rows, n);
    }
    jpeg_abort_decompress(&d);
    jpeg_destroy_decompress(&d);
    return 0;
}

static int libpng_decode(const file_data *f)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&im, f->data, f->len))
        return -1;
    im.format = f->ch == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    int ok = png_image_finish_read(&im, NULL, out_buf(PNG_IMAGE_SIZE(im)), 0, NULL);
    png_image_free(&im);
    return ok ? 0 : -1;
}

static int libwebp_decode(const file_data *f)
{
    size_t n = (size_t)f->w * f->h * 3;
    return WebPDecodeRGBInto(f->data, f->len, out_buf(n), n, (int)f->w * 3) ? 0 : -1;
}

/* GIF: giflib's DGifSlurp (every frame, as programs commonly read GIFs)
 * and the first frame through its palette to RGB. */
typedef struct mem_src {
    const uint8_t *p;
    size_t len, pos;
} mem_src;

static int gif_read(GifFileType *g, GifByteType *out, int n)
{
    mem_src *m = g->UserData;
    size_t k = (size_t)n < m->len - m->pos ? (size_t)n : m->len - m->pos;
    memcpy(out, m->p + m->pos, k);
    m->pos += k;
    return (int)k;
}

static int libgif_decode(const file_data *f)
{
    mem_src m = {f->data, f->len, 0};
    int err;
    GifFileType *g = DGifOpen(&m, gif_read, &err);
    if (!g)
        return -1;
    int rc = -1;
    if (DGifSlurp(g) == GIF_OK && g->ImageCount > 0) {
        const SavedImage *si = &g->SavedImages[0];
        const ColorMapObject *map = si->ImageDesc.ColorMap ? si->ImageDesc.ColorMap : g->SColorMap;
        size_t n = (size_t)si->ImageDesc.Width * si->ImageDesc.Height;
        uint8_t *out = out_buf(n * 3);
        for (size_t i = 0; map && i < n; i++) {
            const GifColorType *c = &map->Colors[si->RasterBits[i] % map->ColorCount];
            out[3 * i] = c->Red, out[3 * i + 1] = c->Green, out[3 * i + 2] = c->Blue;
        }
        rc = map ? 0 : -1;
    }
    DGifCloseFile(g, &err);
    return rc;
}

/* TIFF: libtiff's own RGBA interface (TIFFReadRGBAImage) from memory. */
static tmsize_t tiff_read(thandle_t h, void *b, tmsize_t n)
{
    mem_src *m = (mem_src *)h;
    size_t k = (size_t)n < m->len - m->pos ? (size_t)n : m->len - m->pos;
    memcpy(b, m->p + m->pos, k);
    m->pos += k;
    return (tmsize_t)k;
}
static tmsize_t tiff_write(thandle_t h, void *b, tmsize_t n) { (void)h, (void)b, (void)n; return -1; }
static toff_t tiff_seek(thandle_t h, toff_t o, int w)
{
    mem_src *m = (mem_src *)h;
    m->pos = (size_t)(w == SEEK_SET ? o : w == SEEK_CUR ? m->pos + o : m->len + o);
    return m->pos;
}
static int tiff_close(thandle_t h) { (void)h; return 0; }
static toff_t tiff_size(thandle_t h) { return ((mem_src *)h)->len; }
static int tiff_map(thandle_t h, void **base, toff_t *size)
{
    *base = (void *)((mem_src *)h)->p;
    *size = ((mem_src *)h)->len;
    return 1;
}
static void tiff_unmap(thandle_t h, void *b, toff_t s) { (void)h, (void)b, (void)s; }

static int libtiff_decode(const file_data *f)
{
    mem_src m = {f->data, f->len, 0};
    TIFF *t = TIFFClientOpen("bench", "r", (thandle_t)&m, tiff_read, tiff_write, tiff_seek,
                             tiff_close, tiff_size, tiff_map, tiff_unmap);
    if (!t)
        return -1;
    uint32_t w = 0, h = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    int ok = TIFFReadRGBAImage(t, w, h, (uint32_t *)out_buf((size_t)w * h * 4), 0);
    TIFFClose(t);
    return ok ? 0 : -1;
}

/* HEIF: libheif's primary image to interleaved RGB. */
static int libheif_decode(const file_data *f)
{
    struct heif_context *ctx = heif_context_alloc();
    struct heif_image_handle *h = NULL;
    struct heif_image *img = NULL;
    int rc = -1;
    if (heif_context_read_from_memory_without_copy(ctx, f->data, f->len, NULL).code == heif_error_Ok &&
        heif_context_get_primary_image_handle(ctx, &h).code == heif_error_Ok &&
        heif_decode_image(h, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL).code ==
            heif_error_Ok)
        rc = 0;
    heif_image_release(img);
    heif_image_handle_release(h);
    heif_context_free(ctx);
    return rc;
}

/* AVIF: libavif (one thread) to 8-bit RGB. */
static int libavif_decode(const file_data *f)
{
    avifDecoder *d = avifDecoderCreate();
    d->maxThreads = 1;
    int rc = -1;
    if (avifDecoderSetIOMemory(d, f->data, f->len) == AVIF_RESULT_OK &&
        avifDecoderParse(d) == AVIF_RESULT_OK && avifDecoderNextImage(d) == AVIF_RESULT_OK) {
        avifRGBImage rgb;
        avifRGBImageSetDefaults(&rgb, d->image);
        rgb.format = AVIF_RGB_FORMAT_RGB;
        rgb.depth = 8;
        rgb.rowBytes = d->image->width * 3;
        rgb.pixels = out_buf((size_t)rgb.rowBytes * d->image->height);
        rc = avifImageYUVToRGB(d->image, &rgb) == AVIF_RESULT_OK ? 0 : -1;
    }
    avifDecoderDestroy(d);
    return rc;
}

/* JPEG XL: libjxl (no parallel runner) to 8-bit grey or RGB. */
static int libjxl_decode(const file_data *f)
{
    JxlDecoder *d = JxlDecoderCreate(NULL);
    JxlPixelFormat pf = {f->ch, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
    int rc = -1;
    JxlDecoderSubscribeEvents(d, JXL_DEC_FULL_IMAGE);
    JxlDecoderSetInput(d, f->data, f->len);
    JxlDecoderCloseInput(d);
    for (;;) {
        JxlDecoderStatus s = JxlDecoderProcessInput(d);
        if (s == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
            size_t n = 0;
            JxlDecoderImageOutBufferSize(d, &pf, &n);
            JxlDecoderSetImageOutBuffer(d, &pf, out_buf(n), n);
        } else {
            rc = s == JXL_DEC_FULL_IMAGE ? 0 : -1;
            break;
        }
    }
    JxlDecoderDestroy(d);
    return rc;
}

/* 1: no library to compare with (BMP: phash's own decoder). */
static int library_decode(const file_data *f)
{
    switch (f->fmt) {
    case PHASH_FORMAT_JPEG: return libjpeg_decode(f);
    case PHASH_FORMAT_PNG: return libpng_decode(f);
    case PHASH_FORMAT_WEBP: return libwebp_decode(f);
    case PHASH_FORMAT_GIF: return libgif_decode(f);
    case PHASH_FORMAT_TIFF: return libtiff_decode(f);
    case PHASH_FORMAT_HEIF: return libheif_decode(f);
    case PHASH_FORMAT_AVIF: return libavif_decode(f);
    case PHASH_FORMAT_JXL: return libjxl_decode(f);
    default: return 1;
    }
}

/* ---- timing ----------------------------------------------------------- */

enum { M_PHASH, M_FRESH, M_LIB, N_METHODS };
enum { N_FORMATS = 9, N_SIZES = 3 };

typedef struct cell {
    unsigned files;
    double mpix, secs[N_METHODS];
} cell;

static const phash_format g_fmts[N_FORMATS] = {
    PHASH_FORMAT_JPEG, PHASH_FORMAT_PNG, PHASH_FORMAT_WEBP, PHASH_FORMAT_GIF, PHASH_FORMAT_TIFF,
    PHASH_FORMAT_HEIF, PHASH_FORMAT_AVIF, PHASH_FORMAT_JXL, PHASH_FORMAT_BMP};

static int fmt_index(phash_format f)
{
    for (int i = 0; i < N_FORMATS; i++)
        if (g_fmts[i] == f)
            return i;
    return 0;
}
static int size_index(double mpix) { return mpix < 1.0 ? 0 : mpix < 4.0 ? 1 : 2; }

static double time_one(int method, phash_decoder *dec, const file_data *f)
{
    const phash_image *img;
    double t0 = bench_now();
    int ok;
    if (method == M_PHASH) {
        ok = phash_decode_memory(dec, f->data, f->len, &img) == PHASH_OK;
    } else if (method == M_FRESH) {
        phash_decoder *d = NULL;
        BENCH_OK(phash_decoder_new(&d));
        ok = phash_decode_memory(d, f->data, f->len, &img) == PHASH_OK;
        phash_decoder_free(d);
    } else {
        int r = library_decode(f);
        if (r == 1)
            return 0.0; /* no library: the column shows '-' */
        ok = r == 0;
    }
    double t = bench_now() - t0;
    return ok ? t : -1.0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("PHASH_BENCH_CORPUS");
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    if (!dir || reps < 1) {
        fprintf(stderr, "usage: bench/decode DIR [REPS]  (or PHASH_BENCH_CORPUS=DIR)\n");
        return 2;
    }
    bench_print_machine("decode");
    printf("# libjpeg-turbo %s (JPEG_LIB_VERSION %d), libpng %s, libwebp decoder %d.%d.%d\n",
#ifdef LIBJPEG_TURBO_VERSION
#define PH_STR2(x) #x
#define PH_STR(x) PH_STR2(x)
           PH_STR(LIBJPEG_TURBO_VERSION),
#else
           "?",
#endif
           JPEG_LIB_VERSION, png_get_libpng_ver(NULL), WebPGetDecoderVersion() >> 16,
           (WebPGetDecoderVersion() >> 8) & 0xff, WebPGetDecoderVersion() & 0xff);
    walk(dir);
    phash_decoder *dec = NULL;
    BENCH_OK(phash_decoder_new(&dec));
    phash_limits lim = {.size = sizeof lim}; /* no limits: wallpapers may exceed the defaults */
    BENCH_OK(phash_decoder_set_limits(dec, &lim));
    size_t usable = 0;
    for (size_t i = 0; i < g_n; i++) {
        const phash_image *img;
        file_data *f = &g_files[i];
        if (phash_decode_memory(dec, f->data, f->len, &img) != PHASH_OK) {
            free(f->path);
            free(f->data);
            continue;
        }
        f->w = phash_image_width(img);
        f->h = phash_image_height(img);
        f->ch = phash_image_channels(img);
        g_files[usable++] = *f;
    }
    char tiffver[64];
    snprintf(tiffver, sizeof tiffver, "%s", TIFFGetVersion());
    tiffver[strcspn(tiffver, "\n")] = '\0';
    printf("# %s, libheif %s, libavif %s, giflib %d.%d.%d, libjxl %u\n", tiffver,
           heif_get_version(), avifVersion(), GIFLIB_MAJOR, GIFLIB_MINOR,
           GIFLIB_RELEASE, JxlDecoderVersion());
    printf("# data: %s: %zu decodable image files; best of %d per file; phash, fresh "
           "and library interleaved\n",
           dir, usable, reps);
    cell cells[N_FORMATS][N_SIZES];
    memset(cells, 0, sizeof cells);
    for (size_t i = 0; i < usable; i++) {
        file_data *f = &g_files[i];
        double best[N_METHODS] = {1e30, 1e30, 1e30};
        int failed = 0;
        for (int r = 0; r < reps; r++)
            for (int m = 0; m < N_METHODS; m++) {
                double t = m == M_FRESH ? time_one(m, NULL, f) : time_one(m, dec, f);
                if (t < 0)
                    failed = 1;
                else if (t < best[m])
                    best[m] = t;
            }
        if (failed)
            continue;
        double mpix = (double)f->w * f->h / 1e6;
        cell *c = &cells[fmt_index(f->fmt)][size_index(mpix)];
        c->files++;
        c->mpix += mpix;
        for (int m = 0; m < N_METHODS; m++)
            c->secs[m] += best[m];
    }
    static const char *sizes[] = {"S<1MP", "M<4MP", "L>=4MP"};
    printf("%-5s %-7s %5s %9s %11s %11s %11s %12s\n", "fmt", "size", "files", "Mpixel",
           "phash MP/s", "fresh MP/s", "lib MP/s", "phash/lib");
    for (int a = 0; a < N_FORMATS; a++)
        for (int b = 0; b < N_SIZES; b++) {
            const cell *c = &cells[a][b];
            if (!c->files)
                continue;
            if (c->secs[M_LIB] > 0)
                printf("%-5s %-7s %5u %9.1f %11.1f %11.1f %11.1f %12.3f\n",
                       phash_format_name(g_fmts[a]), sizes[b], c->files, c->mpix,
                       c->mpix / c->secs[M_PHASH], c->mpix / c->secs[M_FRESH],
                       c->mpix / c->secs[M_LIB], c->secs[M_LIB] / c->secs[M_PHASH]);
            else
                printf("%-5s %-7s %5u %9.1f %11.1f %11.1f %11s %12s\n",
                       phash_format_name(g_fmts[a]), sizes[b], c->files, c->mpix,
                       c->mpix / c->secs[M_PHASH], c->mpix / c->secs[M_FRESH], "-", "-");
        }
    phash_decoder_free(dec);
    for (size_t i = 0; i < usable; i++) {
        free(g_files[i].path);
        free(g_files[i].data);
    }
    free(g_files);
    free(g_out);
    return 0;
}
