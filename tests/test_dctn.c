/* SPDX-License-Identifier: MIT */
/* dctN family (lib/hash/dctn.c): both DCT backends against a direct O(N^4)
 * evaluation of the definition in dct.h, pinned values for bit stability,
 * and the DCT sign rules under mirroring and transposition. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

static const unsigned SIZES[3] = {8, 16, 32};

/* Deterministic detailed grey image, not symmetric. */
static uint8_t *make_grey(uint32_t w, uint32_t h, uint32_t seed)
{
    uint8_t *p = malloc((size_t)w * h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            seed = seed * 1664525u + 1013904223u;
            double v = 110 + 60 * sin(x * 0.043 + y * 0.011) + 40 * cos(y * 0.07 - x * 0.02) +
                       (double)(seed >> 28) + ((x / 40 + y / 30) % 2) * 25;
            p[(size_t)y * w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    return p;
}

static phash_image *wrap(const uint8_t *p, uint32_t w, uint32_t h, size_t stride,
                         phash_pixel_format f)
{
    phash_image *img = NULL;
    ck_assert_int_eq(phash_image_wrap(p, w, h, stride, f, &img), PHASH_OK);
    return img;
}

/* Hash with a given backend; copies the coefficients into coeffs (s*s). */
static phash_dctn_result hash_with(unsigned s, phash_dctn_backend b, const phash_image *img,
                                   double *coeffs)
{
    phash_dctn_hasher *h = NULL;
    ck_assert_int_eq(phash_dctn_hasher_new(s, &h), PHASH_OK);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(phash_dctn_hasher_set_backend(h, b), PHASH_OK);
    phash_dctn_result r;
    ck_assert_int_eq(phash_dctn_hash_image(h, img, &r), PHASH_OK);
    ck_assert_uint_eq(r.nbits, s * s);
    if (coeffs)
        memcpy(coeffs, phash_dctn_hasher_coefficients(h), s * s * sizeof(double));
    phash_dctn_hasher_free(h);
    return r;
}

/* The definition, evaluated directly: cell means, then the double sum. */
static void direct_dct(const uint8_t *p, uint32_t w, uint32_t h, unsigned s, double *out)
{
    unsigned n = 4 * s;
    double *g = calloc((size_t)n * n, sizeof *g);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++) {
            uint32_t y0 = i * h / n, y1 = (i + 1) * h / n, x0 = j * w / n, x1 = (j + 1) * w / n;
            if (y1 <= y0) y1 = y0 + 1;
            if (x1 <= x0) x1 = x0 + 1;
            double sum = 0;
            for (uint32_t y = y0; y < y1; y++)
                for (uint32_t x = x0; x < x1; x++)
                    sum += p[(size_t)y * w + x];
            g[i * n + j] = sum / ((y1 - y0) * (double)(x1 - x0));
        }
    const double pi = 3.14159265358979323846;
    for (unsigned v = 0; v < s; v++)
        for (unsigned u = 0; u < s; u++) {
            double acc = 0;
            for (unsigned y = 0; y < n; y++)
                for (unsigned x = 0; x < n; x++)
                    acc += 4 * cos(pi * v * (2 * y + 1) / (2.0 * n)) *
                           cos(pi * u * (2 * x + 1) / (2.0 * n)) * g[y * n + x];
            out[v * s + u] = acc;
        }
    free(g);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median-threshold bits of c (s*s), MSB-first, as dct.h defines. */
static void threshold(const double *c, unsigned nbits, uint8_t *bytes)
{
    double *t = malloc(nbits * sizeof *t);
    memcpy(t, c, nbits * sizeof *t);
    qsort(t, nbits, sizeof *t, cmp_d);
    double m = (t[nbits / 2 - 1] + t[nbits / 2]) / 2;
    memset(bytes, 0, PHASH_DCTN_MAX_BYTES);
    for (unsigned i = 0; i < nbits; i++)
        if (c[i] > m)
            bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
    free(t);
}

static double max_abs(const double *c, unsigned n)
{
    double m = 0;
    for (unsigned i = 0; i < n; i++)
        m = fmax(m, fabs(c[i]));
    return m;
}

START_TEST(backends_match_the_definition)
{
    uint32_t w = 300, h = 227; /* not multiples of N: uneven cells */
    uint8_t *p = make_grey(w, h, 7);
    phash_image *img = wrap(p, w, h, w, PHASH_PIXEL_GRAY8);
    for (int k = 0; k < 3; k++) {
        unsigned s = SIZES[k], nb = s * s;
        double direct[1024], cm[1024], cf[1024];
        direct_dct(p, w, h, s, direct);
        phash_dctn_result rm = hash_with(s, PHASH_DCTN_MATRIX, img, cm);
        phash_dctn_result rf = hash_with(s, PHASH_DCTN_FFTW, img, cf);
        phash_dctn_result ra = hash_with(s, PHASH_DCTN_AUTO, img, NULL);
        double scale = max_abs(direct, nb);
        for (unsigned i = 0; i < nb; i++) {
            ck_assert_double_eq_tol(cm[i], direct[i], 1e-9 * scale);
            ck_assert_double_eq_tol(cf[i], direct[i], 1e-9 * scale);
        }
        uint8_t want[PHASH_DCTN_MAX_BYTES];
        threshold(direct, nb, want);
        ck_assert_mem_eq(rm.bytes, want, PHASH_DCTN_MAX_BYTES);
        ck_assert_mem_eq(rf.bytes, want, PHASH_DCTN_MAX_BYTES);
        ck_assert_mem_eq(ra.bytes, want, PHASH_DCTN_MAX_BYTES);
        ck_assert_int_eq(phash_dctn_distance(&rm, &rf), 0);
        ck_assert_uint_eq(rm.flags, 0);
        ck_assert_int_eq(rm.quality, rf.quality);
        ck_assert_int_ge(rm.quality, PHASH_DCT_MIN_QUALITY);
    }
    phash_image_free(img);
    free(p);
}
END_TEST

/* Pinned values (dctN version 1): these bits must never change. */
START_TEST(pinned_values)
{
    static const char *const want[3] = {
        "daf165c16939813e",
        "daaaf10065d5c15069aa39fd81f53e0a9e073e0a865b3eaf85753e2881fc36e6",
        "daaa8aaaf100080065d54efcc1500aa069a80aaa39fd4eaa81f50eaa3e0af555"
        "9e0ff5553e0af15f865a374d3eaff5e7857d8bda3e09f1cf81fc0aa036e6f0af"
        "81e44be835571afd01f50ba221f50ec8fe22b15533942ebd9e29b4ff317a1f02"
        "1e7eb45d21c6cf64966b37c621d54adc1ed9726a21d80faa967e84eb01f44a22",
    };
    uint32_t w = 256, h = 192;
    uint8_t *p = make_grey(w, h, 99);
    phash_image *img = wrap(p, w, h, w, PHASH_PIXEL_GRAY8);
    for (int k = 0; k < 3; k++) {
        char hex[257];
        phash_dctn_result r = hash_with(SIZES[k], PHASH_DCTN_AUTO, img, NULL);
        ck_assert_uint_eq(phash_dctn_to_hex(&r, hex), SIZES[k] * SIZES[k] / 4);
        ck_assert_str_eq(hex, want[k]);
    }
    phash_image_free(img);
    free(p);
}
END_TEST

/* Mirroring columns multiplies frequency u by (-1)^u, rows frequency v by
 * (-1)^v; transposing swaps u and v. The hash of the transformed image is
 * the median threshold of the transformed coefficients. */
enum { MIRROR_X, MIRROR_Y, TRANSPOSE };

static double transformed(const double *c, unsigned s, unsigned v, unsigned u, int kind)
{
    switch (kind) {
    case MIRROR_X: return (u % 2 ? -1 : 1) * c[v * s + u];
    case MIRROR_Y: return (v % 2 ? -1 : 1) * c[v * s + u];
    default: return c[u * s + v];
    }
}

START_TEST(mirror_sign_rules)
{
    uint32_t n = 256; /* a multiple of every N: cells mirror onto cells */
    uint8_t *p = make_grey(n, n, 3);
    uint8_t *q = malloc((size_t)n * n);
    for (int kind = MIRROR_X; kind <= TRANSPOSE; kind++) {
        for (uint32_t y = 0; y < n; y++)
            for (uint32_t x = 0; x < n; x++) {
                uint32_t sy = kind == MIRROR_Y ? n - 1 - y : kind == TRANSPOSE ? x : y;
                uint32_t sx = kind == MIRROR_X ? n - 1 - x : kind == TRANSPOSE ? y : x;
                q[(size_t)y * n + x] = p[(size_t)sy * n + sx];
            }
        phash_image *a = wrap(p, n, n, n, PHASH_PIXEL_GRAY8);
        phash_image *b = wrap(q, n, n, n, PHASH_PIXEL_GRAY8);
        for (int k = 0; k < 3; k++) {
            unsigned s = SIZES[k], nb = s * s;
            double ca[1024], cb[1024], expect[1024];
            hash_with(s, PHASH_DCTN_AUTO, a, ca);
            phash_dctn_result rb = hash_with(s, PHASH_DCTN_AUTO, b, cb);
            for (unsigned v = 0; v < s; v++)
                for (unsigned u = 0; u < s; u++) {
                    expect[v * s + u] = transformed(ca, s, v, u, kind);
                    ck_assert_double_eq_tol(cb[v * s + u], expect[v * s + u],
                                            1e-9 * max_abs(ca, nb));
                }
            uint8_t want[PHASH_DCTN_MAX_BYTES];
            threshold(expect, nb, want);
            ck_assert_mem_eq(rb.bytes, want, PHASH_DCTN_MAX_BYTES);
        }
        phash_image_free(a);
        phash_image_free(b);
    }
    free(p);
    free(q);
}
END_TEST

/* Full-range luma: RGB (v,v,v) and grey v give the same hash. */
START_TEST(grey_equals_neutral_rgb)
{
    uint32_t w = 130, h = 140;
    uint8_t *g = make_grey(w, h, 5);
    uint8_t *rgba = malloc((size_t)w * h * 4);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        memset(rgba + 4 * i, g[i], 3);
        rgba[4 * i + 3] = (uint8_t)i; /* alpha ignored */
    }
    phash_image *a = wrap(g, w, h, w, PHASH_PIXEL_GRAY8);
    phash_image *b = wrap(rgba, w, h, (size_t)w * 4, PHASH_PIXEL_RGBA8);
    for (int k = 0; k < 3; k++) {
        phash_dctn_result ra = hash_with(SIZES[k], PHASH_DCTN_AUTO, a, NULL);
        phash_dctn_result rb = hash_with(SIZES[k], PHASH_DCTN_AUTO, b, NULL);
        ck_assert_int_eq(phash_dctn_distance(&ra, &rb), 0);
    }
    phash_image_free(a);
    phash_image_free(b);
    free(g);
    free(rgba);
}
END_TEST

START_TEST(degenerate_inputs)
{
    uint8_t flat[200 * 200];
    memset(flat, 77, sizeof flat);
    phash_image *img = wrap(flat, 200, 200, 200, PHASH_PIXEL_GRAY8);
    for (int k = 0; k < 3; k++) {
        phash_dctn_result r = hash_with(SIZES[k], PHASH_DCTN_MATRIX, img, NULL);
        ck_assert_uint_eq(r.flags & PHASH_DCT_FLAT, PHASH_DCT_FLAT);
        ck_assert_int_eq(r.quality, 0);
    }
    phash_image_free(img);
    uint8_t *p = make_grey(50, 40, 1);
    img = wrap(p, 50, 40, 50, PHASH_PIXEL_GRAY8);
    phash_dctn_result r = hash_with(16, PHASH_DCTN_FFTW, img, NULL);
    ck_assert_uint_eq(r.flags & PHASH_DCT_SMALL, PHASH_DCT_SMALL);
    ck_assert_int_eq(r.quality, 0);
    phash_image_free(img);
    free(p);
    phash_dctn_hasher *h = (phash_dctn_hasher *)&r; /* must be reset to NULL */
    ck_assert_int_eq(phash_dctn_hasher_new(12, &h), PHASH_ERR_INVALID_ARG);
    ck_assert_ptr_null(h);
    ck_assert_int_eq(phash_dctn_hasher_new(64, &h), PHASH_ERR_INVALID_ARG);
    ck_assert_ptr_null(h);
    ck_assert_int_eq(phash_dctn_hasher_new(8, NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_dctn_hasher_new(8, &h), PHASH_OK);
    ck_assert_ptr_null(phash_dctn_hasher_coefficients(h));
    ck_assert_int_eq(phash_dctn_hasher_set_backend(h, (phash_dctn_backend)9), PHASH_ERR_INVALID_ARG);
    phash_dctn_result rr;
    ck_assert_int_eq(phash_dctn_hash_image(h, NULL, &rr), PHASH_ERR_INVALID_ARG);
    phash_dctn_hasher_free(h);
    phash_dctn_hasher_free(NULL);
}
END_TEST

/* Real files through the file and memory entry points: the same pixels in
 * two containers give the same bits; a re-encode moves only a few. */
START_TEST(files_and_memory)
{
    if (!have_shared("testdata/phash/images"))
        return;
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s", shared_path("testdata/phash/images/rocket.jpg"));
    snprintf(b, sizeof b, "%s", shared_path("testdata/phash/images/rocket_exif_orient6.jpg"));
    for (int k = 0; k < 3; k++) {
        phash_dctn_hasher *h = NULL;
        ck_assert_int_eq(phash_dctn_hasher_new(SIZES[k], &h), PHASH_OK);
        ck_assert_ptr_nonnull(phash_dctn_hasher_decoder(h));
        phash_dctn_result ra, rb, rm;
        ck_assert_int_eq(phash_dctn_hash_file(h, a, &ra), PHASH_OK);
        ck_assert_int_eq(phash_dctn_hash_file(h, b, &rb), PHASH_OK);
        ck_assert_int_eq(phash_dctn_distance(&ra, &rb), 0); /* orientation not applied */
        ck_assert_int_ge(ra.quality, PHASH_DCT_MIN_QUALITY);
        FILE *f = fopen(a, "rb");
        static unsigned char data[200000];
        size_t len = fread(data, 1, sizeof data, f);
        fclose(f);
        ck_assert_int_eq(phash_dctn_hash_memory(h, data, len, &rm), PHASH_OK);
        ck_assert_int_eq(phash_dctn_distance(&ra, &rm), 0);
        ck_assert_int_ne(phash_dctn_hash_memory(h, data, 300, &rm), PHASH_OK);
        ck_assert_int_eq(phash_dctn_hash_file(h, "/nonexistent.jpg", &rm), PHASH_ERR_IO);
        /* wood: the same picture as JPEG q90 and as PNG */
        phash_dctn_result wj, wp;
        ck_assert_int_eq(phash_dctn_hash_file(h, shared_path("testdata/phash/images/wood_640x480.jpg"), &wj), PHASH_OK);
        ck_assert_int_eq(phash_dctn_hash_file(h, shared_path("testdata/phash/images/wood_640x480.png"), &wp), PHASH_OK);
        ck_assert_int_le(phash_dctn_distance(&wj, &wp), (int)(SIZES[k] * SIZES[k] / 16));
        phash_dctn_hasher_free(h);
    }
}
END_TEST

/* Threads race to create the shared FFTW plans (after a cleanup) and run
 * them concurrently: every thread gets the single-threaded answer. */
typedef struct race_arg {
    const phash_image *img;
    unsigned s;
    phash_dctn_result result;
    int ok;
} race_arg;

static void *race_worker(void *p)
{
    race_arg *a = p;
    phash_dctn_hasher *h = NULL;
    ck_assert_int_eq(phash_dctn_hasher_new(a->s, &h), PHASH_OK);
    a->ok = h && phash_dctn_hasher_set_backend(h, PHASH_DCTN_FFTW) == PHASH_OK;
    for (int i = 0; i < 5 && a->ok; i++)
        a->ok = phash_dctn_hash_image(h, a->img, &a->result) == PHASH_OK;
    phash_dctn_hasher_free(h);
    return NULL;
}

START_TEST(fftw_plans_are_thread_safe)
{
    uint32_t w = 190, h = 170;
    uint8_t *p = make_grey(w, h, 11);
    phash_image *img = wrap(p, w, h, w, PHASH_PIXEL_GRAY8);
    phash_dctn_result want[3];
    for (int k = 0; k < 3; k++)
        want[k] = hash_with(SIZES[k], PHASH_DCTN_MATRIX, img, NULL);
    phash_dctn_fftw_cleanup();
    enum { THREADS = 6 };
    pthread_t th[THREADS];
    race_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t].img = img;
        args[t].s = SIZES[t % 3];
        ck_assert_int_eq(pthread_create(&th[t], NULL, race_worker, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        ck_assert(args[t].ok);
        ck_assert_int_eq(phash_dctn_distance(&args[t].result, &want[t % 3]), 0);
    }
    phash_image_free(img);
    free(p);
}
END_TEST

START_TEST(wisdom_roundtrip)
{
    char path[] = "/tmp/phash-wisdom-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(phash_dctn_fftw_export_wisdom(path), PHASH_OK);
    ck_assert_int_eq(phash_dctn_fftw_import_wisdom(path), PHASH_OK);
    FILE *f = fopen(path, "w");
    fputs("not wisdom", f);
    fclose(f);
    ck_assert_int_eq(phash_dctn_fftw_import_wisdom(path), PHASH_ERR_BAD_FILE);
    unlink(path);
    ck_assert_int_eq(phash_dctn_fftw_import_wisdom("/nonexistent/w"), PHASH_ERR_IO);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dctn");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, backends_match_the_definition);
    tcase_add_test(tc, pinned_values);
    tcase_add_test(tc, mirror_sign_rules);
    tcase_add_test(tc, grey_equals_neutral_rgb);
    tcase_add_test(tc, degenerate_inputs);
    tcase_add_test(tc, files_and_memory);
    tcase_add_test(tc, fftw_plans_are_thread_safe);
    tcase_add_test(tc, wisdom_roundtrip);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    phash_dctn_fftw_cleanup();
    return rc;
}
