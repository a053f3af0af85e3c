/* SPDX-License-Identifier: MIT */
/*
 * PDQ (lib/pdq*.c): every row of the four expected tables in
 * shared/testdata/pdq/expected/ (hash, quality, all 8 dihedral hashes), the
 * intermediates (64x64 luma, 16x16 DCT), published hashes within their
 * recorded distances, edge cases, and the streamed filter against a
 * straightforward transcription of the reference on random sizes. Every
 * check runs through each blur kernel the CPU supports (generic, AVX2,
 * AVX-512); this program is also built with -mavx2 / -mavx512f.
 */
#include <math.h>
#include <stdint.h>

#include "hash/pdq_internal.h"
#include "phash/phash.h"
#include "testutil.h"

#define PDQ_DIR "testdata/pdq/"

static const char *const kernel_names[] = {"generic", "avx2", "avx512", "avx512vbmi"};
#define N_KERNELS 4
static const char *const dct_names[] = {"generic", "avx2", "avx512"};
#define N_DCT 3

/* Valgrind checks memory, and runs 50x slower: there the expected tables go
 * through the best kernel only (the others are the same code with another
 * vector width, checked in the normal and ASan runs). */
static int under_valgrind(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload");
}

/* A hasher using kernel k of kernel_names, or NULL if this CPU lacks it. */
static phash_pdq_hasher *hasher_for_kernel(int k)
{
    ph_pdq_blur_fn fn = ph_pdq_kernel_by_name(kernel_names[k]);
    if (!fn)
        return NULL;
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    ck_assert_ptr_nonnull(h);
    ph_pdq_hasher_set_kernel(h, fn);
    return h;
}

/* ---- tiny readers ------------------------------------------------------ */

typedef struct pixels {
    uint8_t *data;
    uint32_t w, h, ch;
} pixels;

/* Binary PGM (P5) / PPM (P6), maxval 255. */
static int read_pnm(const char *path, pixels *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char magic[3] = {0};
    unsigned w, h, maxv;
    if (fscanf(f, "%2s %u %u %u", magic, &w, &h, &maxv) != 4 || maxv != 255) {
        fclose(f);
        return -1;
    }
    fgetc(f);
    out->ch = magic[1] == '6' ? 3 : 1;
    out->w = w;
    out->h = h;
    size_t n = (size_t)w * h * out->ch;
    out->data = malloc(n);
    size_t got = fread(out->data, 1, n, f);
    fclose(f);
    return got == n ? 0 : -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* ---- expected tables --------------------------------------------------- */

typedef struct row {
    char path[256];
    int quality;
    char hex[8][65]; /* plain tables: hex[0] only */
} row;

/* Parse a table: plain (path,hash,quality) or dihedral (path,quality,8 hashes). */
static int load_table(const char *name, row *rows, int max, int dihedral)
{
    char rel[256];
    snprintf(rel, sizeof rel, PDQ_DIR "expected/%s", name);
    FILE *f = fopen(shared_path(rel), "r");
    ck_assert_msg(f != NULL, "cannot open %s", rel);
    char line[1024];
    int n = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* header */
    while (n < max && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *fields[10];
        int nf = 0;
        for (char *p = strtok(line, ","); p && nf < 10; p = strtok(NULL, ","))
            fields[nf++] = p;
        ck_assert_int_ge(nf, 3);
        row *r = &rows[n++];
        snprintf(r->path, sizeof r->path, "%s", fields[0]);
        if (dihedral) {
            ck_assert_int_eq(nf, 10);
            r->quality = atoi(fields[1]);
            for (int v = 0; v < 8; v++)
                snprintf(r->hex[v], 65, "%s", fields[2 + v]);
        } else {
            ck_assert_int_eq(nf, 3);
            snprintf(r->hex[0], 65, "%s", fields[1]);
            r->quality = atoi(fields[2]);
        }
    }
    fclose(f);
    return n;
}

/* Hash one table file with hasher h (files through the decoder when there is
 * one; PNM through our reader). Returns 0, or -1 if the file cannot be read
 * here. */
static phash_decoder *g_dec;

static phash_status hash_path(phash_pdq_hasher *h, const char *rel, unsigned flags,
                              phash_pdq_result *res)
{
    char full[4200];
    char r2[300];
    snprintf(r2, sizeof r2, PDQ_DIR "%s", rel);
    snprintf(full, sizeof full, "%s", shared_path(r2));
    if (ends_with(rel, ".ppm") || ends_with(rel, ".pgm")) {
        pixels px;
        ck_assert_int_eq(read_pnm(full, &px), 0);
        phash_status st = phash_pdq_hash_pixels(h, px.data, px.w, px.h, (size_t)px.w * px.ch,
                                                (phash_pixel_format)px.ch, flags, res);
        free(px.data);
        return st;
    }
    return phash_pdq_hash_file(h, g_dec, full, flags, res);
}

/* Decode (or read) one table image; *pnm holds PNM pixels to free. */
static const phash_image *load_image(const char *rel, pixels *pnm, phash_image **wrapped)
{
    char full[4200], r2[300];
    snprintf(r2, sizeof r2, PDQ_DIR "%s", rel);
    snprintf(full, sizeof full, "%s", shared_path(r2));
    pnm->data = NULL;
    *wrapped = NULL;
    if (ends_with(rel, ".ppm") || ends_with(rel, ".pgm")) {
        ck_assert_int_eq(read_pnm(full, pnm), 0);
        ck_assert_int_eq(phash_image_wrap(pnm->data, pnm->w, pnm->h, (size_t)pnm->w * pnm->ch,
                                          (phash_pixel_format)pnm->ch, wrapped),
                         PHASH_OK);
        return *wrapped;
    }
    const phash_image *img = NULL;
    ck_assert_msg(phash_decode_file(g_dec, full, &img) == PHASH_OK, "%s: %s", rel,
                  phash_decoder_last_error(g_dec));
    return img;
}

static void check_row(const char *table, const row *want, const phash_pdq_result *res,
                      int dihedral, int kernel)
{
    char hex[65];
    for (int v = 0; v < (dihedral ? 8 : 1); v++) {
        phash_pdq_to_hex(v == 0 ? &res->hash : &res->dihedral[v], hex);
        ck_assert_msg(!strcmp(hex, want->hex[v]), "%s %s [%s] %s: got %s want %s", table,
                      kernel_names[kernel], phash_pdq_dihedral_name((phash_pdq_dihedral)v),
                      want->path, hex, want->hex[v]);
    }
    ck_assert_msg(res->quality == want->quality, "%s %s: quality %d want %d", table, want->path,
                  res->quality, want->quality);
}

/* The four tables list the same 64 images in the same order: decode each
 * once, hash it in both modes, plain and dihedral, with every kernel. */
START_TEST(expected_tables)
{
    static const char *const names[4] = {"fullres.csv", "fullres-dihedral.csv", "cpp-cli.csv",
                                         "cpp-cli-dihedral.csv"};
    static row rows[4][80];
    int n = 0;
    for (int t = 0; t < 4; t++) {
        int nt = load_table(names[t], rows[t], 80, t & 1);
        ck_assert_int_eq(nt, 64);
        n = nt;
    }
    phash_pdq_hasher *h[N_KERNELS][2];
    int kernels = 0;
    const char *best = phash_cpu_kernel_active(PHASH_CPU_MODULE_PDQ_BLUR);
    for (int k = 0; k < N_KERNELS; k++) {
        h[k][0] = h[k][1] = NULL;
        if (under_valgrind() && strcmp(kernel_names[k], best))
            continue;
        h[k][0] = hasher_for_kernel(k);
        h[k][1] = hasher_for_kernel(k);
        if (h[k][0]) {
            ck_assert_int_eq(phash_pdq_hasher_set_mode(h[k][1], PHASH_PDQ_CLI512), PHASH_OK);
            kernels++;
        }
    }
    ck_assert_int_ge(kernels, 1);
    int matched[4] = {0};
    for (int i = 0; i < n; i++) {
        for (int t = 1; t < 4; t++)
            ck_assert_str_eq(rows[t][i].path, rows[0][i].path);
        pixels pnm;
        phash_image *wrapped;
        const phash_image *img = load_image(rows[0][i].path, &pnm, &wrapped);
        for (int k = 0; k < N_KERNELS; k++) {
            if (!h[k][0])
                continue;
            for (int t = 0; t < 4; t++) {
                phash_pdq_result res;
                int dih = t & 1;
                ck_assert_int_eq(phash_pdq_hash_image(h[k][t / 2], img,
                                                      dih ? PHASH_PDQ_WANT_DIHEDRAL : 0, &res),
                                 PHASH_OK);
                check_row(names[t], &rows[t][i], &res, dih, k);
                matched[t]++;
            }
        }
        phash_image_free(wrapped);
        free(pnm.data);
    }
    for (int t = 0; t < 4; t++)
        ck_assert_int_eq(matched[t], 64 * kernels);
    for (int k = 0; k < N_KERNELS; k++) {
        phash_pdq_hasher_free(h[k][0]);
        phash_pdq_hasher_free(h[k][1]);
    }
}
END_TEST

/* ---- published upstream hashes ---------------------------------------- */

/* Split one CSV line (with "quoted, fields") into at most max fields. */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        char *out = p;
        fields[n++] = p;
        int quoted = *p == '"';
        if (quoted)
            p++;
        while (*p) {
            if (quoted && *p == '"' && p[1] == '"') {
                *out++ = '"';
                p += 2;
            } else if (quoted && *p == '"') {
                quoted = 0;
                p++;
            } else if (!quoted && *p == ',') {
                break;
            } else {
                *out++ = *p++;
            }
        }
        int more = *p == ',';
        *out = '\0';
        if (!more)
            break;
        p++;
    }
    return n;
}

/* Every hash upstream publishes for these images (READMEs, unit tests, the
 * WASM test CSV, pytx examples) is exactly the recorded distance from our
 * hash in each mode. */
START_TEST(published_hashes_at_recorded_distances)
{
    FILE *f = fopen(shared_path(PDQ_DIR "expected/published.csv"), "r");
    ck_assert_ptr_nonnull(f);
    phash_pdq_hasher *full = NULL, *cli = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&full), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hasher_new(&cli), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hasher_set_mode(cli, PHASH_PDQ_CLI512), PHASH_OK);
    char line[2048];
    int checked = 0, exact_full = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *fl[8];
        ck_assert_int_eq(csv_split(line, fl, 8), 8);
        phash_pdq_code want;
        ck_assert_int_eq(phash_pdq_from_hex(fl[4], strlen(fl[4]), &want, NULL), PHASH_OK);
        phash_pdq_result a, b;
        pixels pnm;
        phash_image *wrapped;
        const phash_image *img = load_image(fl[3], &pnm, &wrapped);
        ck_assert_int_eq(phash_pdq_hash_image(full, img, 0, &a), PHASH_OK);
        ck_assert_int_eq(phash_pdq_hash_image(cli, img, 0, &b), PHASH_OK);
        phash_image_free(wrapped);
        free(pnm.data);
        ck_assert_msg(phash_pdq_distance(&b.hash, &want) == (unsigned)atoi(fl[6]),
                      "%s (%s): cli512 distance %u, recorded %s", fl[3], fl[0],
                      phash_pdq_distance(&b.hash, &want), fl[6]);
        ck_assert_msg(phash_pdq_distance(&a.hash, &want) == (unsigned)atoi(fl[7]),
                      "%s (%s): full distance %u, recorded %s", fl[3], fl[0],
                      phash_pdq_distance(&a.hash, &want), fl[7]);
        exact_full += phash_pdq_distance(&a.hash, &want) == 0;
        checked++;
    }
    fclose(f);
    ck_assert_int_eq(checked, 106);
    ck_assert_int_ge(exact_full, 20); /* the pytx, Java and HMA hashes */
    phash_pdq_hasher_free(full);
    phash_pdq_hasher_free(cli);
}
END_TEST

/* ---- decoder conventions on shared/testdata/formats ------------------- */

static unsigned format_distance(phash_pdq_hasher *h, const char *a, const char *b, int *quality)
{
    char pa[4200], pb[4200];
    snprintf(pa, sizeof pa, "%s", shared_path(a));
    snprintf(pb, sizeof pb, "%s", shared_path(b));
    phash_pdq_result ra, rb;
    ck_assert_msg(phash_pdq_hash_file(h, g_dec, pa, 0, &ra) == PHASH_OK, "%s: %s", a,
                  phash_pdq_hasher_last_error(h));
    ck_assert_msg(phash_pdq_hash_file(h, g_dec, pb, 0, &rb) == PHASH_OK, "%s: %s", b,
                  phash_pdq_hasher_last_error(h));
    *quality = ra.quality;
    return phash_pdq_distance(&ra.hash, &rb.hash);
}

START_TEST(format_edge_cases)
{
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    int q;
    /* CMYK JPEG converted as ImageMagick does = its reference decode */
    ck_assert_uint_eq(format_distance(h, "testdata/formats/jpeg/video-001.cmyk.jpeg",
                                      "testdata/formats/jpeg/video-001.cmyk.png", &q), 0);
    ck_assert_int_eq(q, 100);
    /* YCCK (Photoshop) vs its RGB counterpart */
    ck_assert_uint_le(format_distance(h, "testdata/formats/jpeg/pil_sample_cmyk.jpg",
                                      "testdata/formats/jpeg/pil_sample_rgb.jpg", &q), 8);
    /* 1-component JPEG, baseline and progressive, = the grey PNG */
    ck_assert_uint_eq(format_distance(h, "testdata/formats/jpeg/video-005.gray.jpeg",
                                      "testdata/formats/jpeg/video-005.gray.png", &q), 0);
    ck_assert_uint_eq(format_distance(h, "testdata/formats/jpeg/video-005.gray.q50.progressive.jpeg",
                                      "testdata/formats/jpeg/video-005.gray.png", &q), 0);
    /* 16-bit grey with tRNS (low byte kept) = the 8-bit grey with tRNS */
    ck_assert_uint_eq(format_distance(h, "testdata/formats/png/i_trns.png",
                                      "testdata/formats/png/l_trns.png", &q), 0);
    ck_assert_int_eq(q, 77);
    /* 16-bit RGB photo: hashable, full quality */
    ck_assert_uint_lt(format_distance(h, "testdata/formats/png/monkey16.png",
                                      "testdata/formats/png/l_trns.png", &q), 256);
    ck_assert_int_eq(q, 100);
    phash_pdq_hasher_free(h);
}
END_TEST

/* Fast mode: a 4032x3024 JPEG is decoded at 1/4 (1008x756, both sides
 * >= 512), lands near the exact hash, and the decoder's scale is restored. */
START_TEST(fast_mode)
{
    char path[4200];
    snprintf(path, sizeof path, "%s",
             shared_path(PDQ_DIR "images/reg-test-input/exif-rotn/exif-rotn-1.jpg"));
    phash_pdq_hasher *exact = NULL, *fast = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&exact), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hasher_new(&fast), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hasher_set_fast(fast, 512), PHASH_OK);
    phash_pdq_result a, b;
    ck_assert_int_eq(phash_pdq_hash_file(exact, g_dec, path, 0, &a), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hash_file(fast, g_dec, path, 0, &b), PHASH_OK);
    ck_assert_uint_eq(a.width, 4032);
    ck_assert_uint_eq(b.width, 1008);
    ck_assert_uint_eq(b.height, 756);
    ck_assert_uint_le(phash_pdq_distance(&a.hash, &b.hash), 12);
    ck_assert_int_ge(b.quality, 50);
    ck_assert_int_eq(phash_decoder_get_option(g_dec, PHASH_DECODE_JPEG_SCALE), 8);
    /* 2 * 512 > 1004: the bridge photo is not scaled, so the hash is exact */
    snprintf(path, sizeof path, "%s",
             shared_path(PDQ_DIR "images/reg-test-input/dih/bridge-1-original.jpg"));
    ck_assert_int_eq(phash_pdq_hash_file(exact, g_dec, path, 0, &a), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hash_file(fast, NULL, path, 0, &b), PHASH_OK);
    ck_assert_uint_eq(b.width, 1600);
    ck_assert_mem_eq(&a, &b, sizeof a);
    /* a missing file is an I/O error from the decoder, detail copied */
    ck_assert_int_eq(phash_pdq_hash_file(fast, NULL, "/nonexistent/x.jpg", 0, &b), PHASH_ERR_IO);
    ck_assert_ptr_nonnull(phash_pdq_hasher_last_error(fast));
    phash_pdq_hasher_free(exact);
    phash_pdq_hasher_free(fast);
}
END_TEST

/* ---- intermediates ----------------------------------------------------- */

static void load_floats(const char *name, float *out, int n)
{
    char rel[400];
    snprintf(rel, sizeof rel, PDQ_DIR "expected/intermediates/%s", name);
    FILE *f = fopen(shared_path(rel), "r");
    ck_assert_msg(f != NULL, "cannot open %s", rel);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(fscanf(f, "%f", &out[i]), 1);
    fclose(f);
}

/* Every DCT variant this CPU runs, on the reference's 64x64 grid, gives the
 * reference's 16x16 DCT bit for bit. */
static void check_dct_kernels(const float *grid, const float *want, const char *stem)
{
    static float d[16 * 64], dt[64 * 16], got[256];
    ph_pdq_dct_matrix(d);
    ph_pdq_dct_matrix_t(d, dt);
    int ran = 0;
    for (int k = 0; k < N_DCT; k++) {
        ph_pdq_dct_fn fn = ph_pdq_dct_kernel(dct_names[k]);
        if (!fn)
            continue;
        ran++;
        fn(d, dt, grid, got);
        for (int i = 0; i < 256; i++)
            ck_assert_msg(got[i] == want[i], "%s dct kernel %s [%d]: %.9g want %.9g", stem,
                          dct_names[k], i, got[i], want[i]);
    }
    ck_assert_int_ge(ran, 1);
}

static void check_intermediates(const char *image, const char *stem, phash_pdq_mode mode)
{
    static float want_grid[64 * 64], want_dct[256];
    char name[300];
    snprintf(name, sizeof name, "%s.luma64x64.txt", stem);
    load_floats(name, want_grid, 64 * 64);
    snprintf(name, sizeof name, "%s.dct16x16.txt", stem);
    load_floats(name, want_dct, 256);
    for (int k = 0; k < N_KERNELS; k++) {
        phash_pdq_hasher *h = hasher_for_kernel(k);
        if (!h)
            continue;
        ck_assert_int_eq(phash_pdq_hasher_set_mode(h, mode), PHASH_OK);
        phash_pdq_result res;
        ck_assert_int_eq(hash_path(h, image, 0, &res), PHASH_OK);
        const float *grid = ph_pdq_hasher_grid(h), *dct = ph_pdq_hasher_dct(h);
        for (int i = 0; i < 64 * 64; i++)
            ck_assert_msg(grid[i] == want_grid[i], "%s %s grid[%d]: %.9g want %.9g", stem,
                          kernel_names[k], i, grid[i], want_grid[i]);
        for (int i = 0; i < 256; i++)
            ck_assert_msg(dct[i] == want_dct[i], "%s %s dct[%d]: %.9g want %.9g", stem,
                          kernel_names[k], i, dct[i], want_dct[i]);
        phash_pdq_hasher_free(h);
    }
    check_dct_kernels(want_grid, want_dct, stem);
}

START_TEST(dct_matrix_exact)
{
    static float want[16 * 64];
    float got[16 * 64];
    load_floats("dct-matrix-16x64.txt", want, 16 * 64);
    ph_pdq_dct_matrix(got);
    for (int i = 0; i < 16 * 64; i++)
        ck_assert_msg(got[i] == want[i], "D[%d]: %.9g want %.9g", i, got[i], want[i]);
}
END_TEST

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

/* lib/hash/pdq_blur.c divides box sums by their window count through the
 * reciprocal and two FMAs (Markstein's correction), which its comment proves
 * equal to the division for counts below 2^23. Check the identity on random
 * floats of every magnitude and sign for each count up to 1024 and every
 * 13th up to 8192 (counts are side / 128), and on the values next to exact
 * multiples, where a quotient lies nearest to a tie. The sample is kept
 * small enough for valgrind.
 *
 * The FMAs are computed here, not by libm's fmaf: mingw-w64's (libmingwex)
 * splits x and y in halves and adds the partial products in float, rounding
 * at every step, which is wrong in the last bit when the result is much
 * smaller than the products (the near-cancellation the second FMA is). */
static float exact_fmaf(float x, float y, float z)
{
    double p = (double)x * y; /* exact: 24 + 24 bits */
    double s = p + z;         /* rounded once */
    double v = s - p;         /* TwoSum: the exact rounding error of s */
    double err = (p - (s - v)) + (z - v);
    if (err != 0) {
        /* Round to odd (an inexact s gets its last bit set, towards the
         * exact sum): then the one rounding to float is the correct one,
         * 53 bits being more than 24 + 1. */
        uint64_t bits;
        memcpy(&bits, &s, sizeof bits);
        if (!(bits & 1)) {
            bits += (err > 0) == (s > 0) ? 1 : (uint64_t)-1;
            memcpy(&s, &bits, sizeof s);
        }
    }
    return (float)s;
}

static float fma_quotient(float a, float b)
{
    float y = 1.0f / b;
    float q = a * y;
    float r = exact_fmaf(-q, b, a);
    return exact_fmaf(r, y, q);
}

START_TEST(reciprocal_division_is_exact)
{
    for (uint32_t b = 1; b <= 8192; b += b < 1024 ? 1 : 13) {
        const float fb = (float)b;
        for (int i = 0; i < 300; i++) {
            uint32_t bits = rnd() ^ (rnd() << 16); /* rnd() has 24 bits */
            /* exponents 2^-40 .. 2^40, any mantissa and sign */
            bits = (bits & 0x807fffffu) | ((uint32_t)(87 + rnd() % 80) << 23);
            float a;
            memcpy(&a, &bits, sizeof a);
            ck_assert_msg(fma_quotient(a, fb) == a / fb, "%a / %u", (double)a, b);
        }
        for (uint32_t m = 1; m < 60; m++) {
            float a = (float)(m * 997u % 65536u) * fb;
            float lo = nextafterf(a, 0.0f), hi = nextafterf(a, INFINITY);
            ck_assert(fma_quotient(a, fb) == a / fb);
            ck_assert_msg(fma_quotient(lo, fb) == lo / fb, "%a / %u", (double)lo, b);
            ck_assert_msg(fma_quotient(hi, fb) == hi / fb, "%a / %u", (double)hi, b);
        }
    }
}
END_TEST

START_TEST(intermediates_synthetic)
{
    check_intermediates("synthetic/syn-rgb-300x200.ppm", "syn-rgb-300x200.ppm.fullres",
                        PHASH_PDQ_FULL);
    check_intermediates("synthetic/syn-rgb-5x5.ppm", "syn-rgb-5x5.ppm.fullres", PHASH_PDQ_FULL);
}
END_TEST

START_TEST(intermediates_jpeg)
{
    check_intermediates("images/reg-test-input/dih/bridge-1-original.jpg",
                        "bridge-1-original.jpg.fullres", PHASH_PDQ_FULL);
    check_intermediates("images/reg-test-input/dih/bridge-1-original.jpg",
                        "bridge-1-original.jpg.cli512", PHASH_PDQ_CLI512);
    check_intermediates("images/reg-test-input/labelme-subset/q0122.jpg", "q0122.jpg.fullres",
                        PHASH_PDQ_FULL);
}
END_TEST

/* ---- a straightforward transcription of the reference ------------------ */

/* Full buffers, the four box passes with the reference's phases; used to
 * check the streamed kernels on random sizes and windows. */
static void ref_box(const float *in, float *out, int n, int stride, int w)
{
    int h = (w + 2) / 2, li = 0, ri = 0, oi = 0, cnt = 0;
    float sum = 0.0f;
    for (int i = 0; i < h - 1; i++, ri += stride, cnt++)
        sum += in[ri];
    for (int i = 0; i < w - h + 1; i++, ri += stride, oi += stride) {
        sum += in[ri];
        cnt++;
        out[oi] = sum / (float)cnt;
    }
    for (int i = 0; i < n - w; i++, li += stride, ri += stride, oi += stride) {
        sum += in[ri];
        sum -= in[li];
        out[oi] = sum / (float)cnt;
    }
    for (int i = 0; i < h - 1; i++, li += stride, oi += stride) {
        sum -= in[li];
        cnt--;
        out[oi] = sum / (float)cnt;
    }
}

static void ref_grid(const uint8_t *px, int W, int H, int ch, int grey, float grid[64 * 64])
{
    float *a = malloc(sizeof(float) * (size_t)W * H), *b = malloc(sizeof(float) * (size_t)W * H);
    for (int i = 0; i < W * H; i++) {
        const uint8_t *p = px + (size_t)i * ch;
        a[i] = grey ? (float)p[0] : 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
    int wr = (W + 127) / 128, wc = (H + 127) / 128;
    for (int rep = 0; rep < 2; rep++) {
        for (int r = 0; r < H; r++)
            ref_box(a + (size_t)r * W, b + (size_t)r * W, W, 1, wr);
        for (int c = 0; c < W; c++)
            ref_box(b + c, a + c, H, W, wc);
    }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            grid[i * 64 + j] = a[(int)(((i + 0.5) * H) / 64) * W + (int)(((j + 0.5) * W) / 64)];
    free(a);
    free(b);
}

START_TEST(streamed_filter_matches_reference_transcription)
{
    /* Sizes that exercise every window phase, odd and even windows, widths
     * that are not multiples of any vector width, and a few large ones. */
    static const int sizes[][2] = {{5, 5},     {6, 7},     {63, 65},   {127, 129}, {128, 128},
                                   {129, 130}, {255, 257}, {256, 511}, {300, 17},  {17, 300},
                                   {1000, 9},  {9, 1000},  {700, 513}, {1030, 770}};
    const int n = (int)(sizeof sizes / sizeof sizes[0]);
    static float want[64 * 64];
    for (int s = 0; s < n + 10; s++) {
        int W = s < n ? sizes[s][0] : 5 + (int)(rnd() % 900);
        int H = s < n ? sizes[s][1] : 5 + (int)(rnd() % 900);
        int ch = 1 + (int)(rnd() % 4);
        uint8_t *px = malloc((size_t)W * H * ch);
        /* smooth structure plus noise, so that sums have rounding history */
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < ch; c++)
                    px[((size_t)y * W + x) * ch + c] =
                        (uint8_t)(128 + 100 * sin(x * 0.05 + c) * cos(y * 0.031) + rnd() % 20);
        ref_grid(px, W, H, ch, ch <= 2, want);
        for (int k = 0; k < N_KERNELS; k++) {
            phash_pdq_hasher *h = hasher_for_kernel(k);
            if (!h)
                continue;
            phash_pdq_result res;
            /* dihedral: always filter, also at 64x64 */
            ck_assert_int_eq(phash_pdq_hash_pixels(h, px, (uint32_t)W, (uint32_t)H,
                                                   (size_t)W * ch, (phash_pixel_format)ch,
                                                   PHASH_PDQ_WANT_DIHEDRAL, &res),
                             PHASH_OK);
            const float *grid = ph_pdq_hasher_grid(h);
            for (int i = 0; i < 64 * 64; i++)
                ck_assert_msg(grid[i] == want[i], "%dx%dx%d %s grid[%d]: %.9g want %.9g", W,
                              H, ch, kernel_names[k], i, grid[i], want[i]);
            /* The aligned variants sample up to 128 lines per axis: the
             * reference's 64 among them are still the same floats. */
            phash_pdq_result al;
            ck_assert_int_eq(phash_pdq_hash_pixels(h, px, (uint32_t)W, (uint32_t)H,
                                                   (size_t)W * ch, (phash_pixel_format)ch,
                                                   PHASH_PDQ_WANT_DIHEDRAL_ALIGNED, &al),
                             PHASH_OK);
            for (int i = 0; i < 64 * 64; i++)
                ck_assert_msg(grid[i] == want[i], "aligned %dx%dx%d %s grid[%d]: %.9g want %.9g",
                              W, H, ch, kernel_names[k], i, grid[i], want[i]);
            ck_assert_uint_eq(phash_pdq_distance(&al.hash, &res.hash), 0);
            ck_assert_uint_eq(phash_pdq_distance(&al.dihedral[0], &res.hash), 0);
            ck_assert_int_eq(al.quality, res.quality);
            phash_pdq_hasher_free(h);
        }
        free(px);
    }
}
END_TEST

/* ---- edge cases -------------------------------------------------------- */

static void hash_buf(phash_pdq_hasher *h, const uint8_t *px, uint32_t w, uint32_t hh,
                     uint32_t ch, unsigned flags, phash_pdq_result *res)
{
    ck_assert_int_eq(phash_pdq_hash_pixels(h, px, w, hh, (size_t)w * ch,
                                           (phash_pixel_format)ch, flags, res),
                     PHASH_OK);
}

static int is_zero(const phash_pdq_code *c)
{
    for (int i = 0; i < 32; i++)
        if (c->bytes[i])
            return 0;
    return 1;
}

/* ---- aligned dihedral variants ----------------------------------------- */

/* Pixel (x, y) of the dihedral transform t (0..7: identity, rot90 (counter-
 * clockwise), rot180, rot270, flip top/bottom, flip left/right, transpose,
 * anti-transpose) of a W x H image: the transform is W' x H'. */
static void turned_xy(int t, int W, int H, int x, int y, int *sx, int *sy)
{
    switch (t) {
    case 0: *sx = x, *sy = y; break;
    case 1: *sx = W - 1 - y, *sy = x; break;         /* rot90 ccw: W' = H */
    case 2: *sx = W - 1 - x, *sy = H - 1 - y; break;
    case 3: *sx = y, *sy = H - 1 - x; break;         /* rot270 ccw */
    case 4: *sx = x, *sy = H - 1 - y; break;
    case 5: *sx = W - 1 - x, *sy = y; break;
    case 6: *sx = y, *sy = x; break;
    default: *sx = W - 1 - y, *sy = H - 1 - x; break;
    }
}

/* Smallest distance from a copy's 8 variants to the original's hash. */
static unsigned best_variant(const phash_pdq_result *copy, const phash_pdq_code *orig)
{
    return phash_pdq_dihedral_distance(copy->dihedral, orig, NULL);
}

START_TEST(aligned_dihedral_variants)
{
    /* 512x384: even window (4) along rows, odd (3) along columns; 640x480:
     * odd (5) and even (4); 256x200: both even (2), and the mirror image of
     * the last sample would lie at -1 (clamped to 0: the one inexact
     * line); 320x320: odd windows and symmetric sample positions, where the
     * aligned variants are the reference's. Smooth structure with a
     * deterministic texture. */
    static const int sizes[][2] = {{512, 384}, {640, 480}, {256, 200}, {320, 320}};
    enum { NS = sizeof sizes / sizeof sizes[0] };
    /* Per size: the worst over the 7 turned copies of the best variant's
     * distance to the original's hash, reference variants then aligned. */
    static const unsigned want_ref[NS] = {16, 6, 40, 2}, want_al[NS] = {0, 0, 26, 2};
    phash_pdq_hasher *h = hasher_for_kernel(0);
    ck_assert_ptr_nonnull(h);
    for (int s = 0; s < NS; s++) {
        const int W = sizes[s][0], H = sizes[s][1];
        uint8_t *px = malloc((size_t)W * H * 3), *tp = malloc((size_t)W * H * 3);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++)
                    px[((size_t)y * W + x) * 3 + c] =
                        (uint8_t)(120 + 60 * sin(x * 0.021 + c) * cos(y * 0.017 - c) +
                                  40 * sin((x + 2 * y) * 0.005) + (x * 7919 + y * 104729) % 5);
        phash_pdq_result orig, ref, al;
        hash_buf(h, px, (uint32_t)W, (uint32_t)H, 3, 0, &orig);
        hash_buf(h, px, (uint32_t)W, (uint32_t)H, 3, PHASH_PDQ_WANT_DIHEDRAL, &ref);
        hash_buf(h, px, (uint32_t)W, (uint32_t)H, 3, PHASH_PDQ_WANT_DIHEDRAL_ALIGNED, &al);
        ck_assert_uint_eq(phash_pdq_distance(&al.hash, &orig.hash), 0);
        unsigned worst_ref = 0, worst_al = 0, same = 1;
        for (int v = 0; v < PHASH_PDQ_NUM_DIHEDRAL; v++)
            same &= phash_pdq_distance(&al.dihedral[v], &ref.dihedral[v]) == 0;
        for (int t = 1; t < 8; t++) {
            const int tw = t == 1 || t == 3 || t >= 6 ? H : W, th = tw == W ? H : W;
            for (int y = 0; y < th; y++)
                for (int x = 0; x < tw; x++) {
                    int sx, sy;
                    turned_xy(t, W, H, x, y, &sx, &sy);
                    memcpy(tp + ((size_t)y * tw + x) * 3, px + ((size_t)sy * W + sx) * 3, 3);
                }
            hash_buf(h, tp, (uint32_t)tw, (uint32_t)th, 3, PHASH_PDQ_WANT_DIHEDRAL, &ref);
            hash_buf(h, tp, (uint32_t)tw, (uint32_t)th, 3, PHASH_PDQ_WANT_DIHEDRAL_ALIGNED, &al);
            unsigned dr = best_variant(&ref, &orig.hash), da = best_variant(&al, &orig.hash);
            worst_ref = dr > worst_ref ? dr : worst_ref;
            worst_al = da > worst_al ? da : worst_al;
        }
        ck_assert_uint_eq(worst_ref, want_ref[s]);
        ck_assert_uint_eq(worst_al, want_al[s]);
        ck_assert_uint_eq(same, s == NS - 1); /* symmetric positions: the reference's variants */
        free(px);
        free(tp);
    }
    phash_pdq_hasher_free(h);
}
END_TEST

START_TEST(small_images_give_zero_hash)
{
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    static uint8_t px[10000 * 4];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 37);
    static const uint32_t dims[][2] = {{1, 1}, {4, 4}, {4, 100}, {100, 4}, {1, 10000}, {10000, 1}};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        phash_pdq_result res;
        memset(&res, 0xAA, sizeof res);
        hash_buf(h, px, dims[i][0], dims[i][1], 3, PHASH_PDQ_WANT_DIHEDRAL, &res);
        ck_assert_int_eq(res.quality, 0);
        ck_assert(is_zero(&res.hash));
        for (int v = 0; v < 8; v++)
            ck_assert(is_zero(&res.dihedral[v]));
        ck_assert_uint_eq(res.width, dims[i][0]);
    }
    /* 5 is the smallest hashable side */
    phash_pdq_result res;
    hash_buf(h, px, 5, 5, 3, 0, &res);
    ck_assert(!is_zero(&res.hash));
    phash_pdq_hasher_free(h);
}
END_TEST

START_TEST(flat_image)
{
    /* Every AC coefficient is rounding noise: the expected table has the
     * 100x80 flat PGM; here other sizes: quality 0, same on every kernel. */
    static uint8_t px[300 * 200];
    memset(px, 77, sizeof px);
    phash_pdq_code first;
    for (int k = 0; k < N_KERNELS; k++) {
        phash_pdq_hasher *h = hasher_for_kernel(k);
        if (!h)
            continue;
        phash_pdq_result res;
        hash_buf(h, px, 300, 200, 1, 0, &res);
        ck_assert_int_eq(res.quality, 0);
        if (k == 0)
            first = res.hash;
        else
            ck_assert_uint_eq(phash_pdq_distance(&first, &res.hash), 0);
        phash_pdq_hasher_free(h);
    }
}
END_TEST

START_TEST(channel_layouts_agree)
{
    /* grey, grey+alpha, RGB with R=G=B and RGBA with R=G=B give the same
     * hash (the grey rule); RGB vs BGR differ. */
    const uint32_t W = 200, H = 150;
    uint8_t *g = malloc(W * H), *ga = malloc(W * H * 2), *rgb = malloc(W * H * 3),
            *rgba = malloc(W * H * 4);
    for (uint32_t i = 0; i < W * H; i++) {
        uint8_t v = (uint8_t)(128 + 120 * sin(i % W * 0.07) * cos(i / W * 0.05));
        g[i] = v;
        ga[2 * i] = v;
        ga[2 * i + 1] = (uint8_t)i;
        rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
        rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v;
        rgba[4 * i + 3] = (uint8_t)(i * 7);
    }
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    phash_pdq_result a, b;
    hash_buf(h, g, W, H, 1, PHASH_PDQ_WANT_DIHEDRAL, &a);
    ck_assert_int_gt(a.quality, 50);
    hash_buf(h, ga, W, H, 2, PHASH_PDQ_WANT_DIHEDRAL, &b);
    ck_assert_mem_eq(&a, &b, sizeof a);
    hash_buf(h, rgb, W, H, 3, PHASH_PDQ_WANT_DIHEDRAL, &b);
    ck_assert_mem_eq(&a, &b, sizeof a);
    hash_buf(h, rgba, W, H, 4, PHASH_PDQ_WANT_DIHEDRAL, &b);
    ck_assert_mem_eq(&a, &b, sizeof a);
    /* one coloured pixel: float luma everywhere; the hash barely moves */
    rgb[3 * 500] ^= 1;
    hash_buf(h, rgb, W, H, 3, 0, &b);
    ck_assert_uint_le(phash_pdq_distance(&a.hash, &b.hash), 8);
    free(g);
    free(ga);
    free(rgb);
    free(rgba);
    phash_pdq_hasher_free(h);
}
END_TEST

START_TEST(long_thin_images)
{
    /* 5x10000 and 10000x5: hashable, windows 1 and 79; every kernel agrees
     * with the transcription of the reference. */
    static const uint32_t dims[][2] = {{5, 10000}, {10000, 5}};
    for (int d = 0; d < 2; d++) {
        uint32_t W = dims[d][0], H = dims[d][1];
        uint8_t *px = malloc((size_t)W * H * 3);
        for (size_t i = 0; i < (size_t)W * H * 3; i++)
            px[i] = (uint8_t)(rnd() & 0xff);
        static float want[64 * 64];
        ref_grid(px, (int)W, (int)H, 3, 0, want);
        for (int k = 0; k < N_KERNELS; k++) {
            phash_pdq_hasher *h = hasher_for_kernel(k);
            if (!h)
                continue;
            phash_pdq_result res;
            hash_buf(h, px, W, H, 3, 0, &res);
            ck_assert_mem_eq(ph_pdq_hasher_grid(h), want, sizeof want);
            phash_pdq_hasher_free(h);
        }
        free(px);
    }
}
END_TEST

START_TEST(hasher_reuse_is_stateless)
{
    /* One hasher over images of shrinking and growing sizes gives what a
     * fresh hasher gives. */
    static const uint32_t dims[][2] = {{900, 700}, {64, 64}, {5, 9}, {1500, 300}, {300, 1500}};
    phash_pdq_hasher *shared = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&shared), PHASH_OK);
    for (int d = 0; d < 5; d++) {
        uint32_t W = dims[d][0], H = dims[d][1];
        uint8_t *px = malloc((size_t)W * H * 3);
        for (size_t i = 0; i < (size_t)W * H * 3; i++)
            px[i] = (uint8_t)(i * 2654435761u >> 24);
        phash_pdq_result a, b;
        hash_buf(shared, px, W, H, 3, PHASH_PDQ_WANT_DIHEDRAL, &a);
        phash_pdq_hasher *fresh = NULL;
        ck_assert_int_eq(phash_pdq_hasher_new(&fresh), PHASH_OK);
        hash_buf(fresh, px, W, H, 3, PHASH_PDQ_WANT_DIHEDRAL, &b);
        ck_assert_mem_eq(&a, &b, sizeof a);
        phash_pdq_hasher_free(fresh);
        free(px);
    }
    phash_pdq_hasher_free(shared);
}
END_TEST

START_TEST(stride_is_honoured)
{
    const uint32_t W = 130, H = 90, S = 3 * W + 17;
    uint8_t *packed = malloc(3 * W * H), *padded = malloc((size_t)S * H);
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < 3 * W; x++) {
            uint8_t v = (uint8_t)(x * 3 + y * 5 + (x * y) % 7);
            packed[y * 3 * W + x] = v;
            padded[(size_t)y * S + x] = v;
        }
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    phash_pdq_result a, b;
    hash_buf(h, packed, W, H, 3, PHASH_PDQ_WANT_DIHEDRAL, &a);
    ck_assert_int_eq(phash_pdq_hash_pixels(h, padded, W, H, S, PHASH_PIXEL_RGB8,
                                           PHASH_PDQ_WANT_DIHEDRAL, &b),
                     PHASH_OK);
    ck_assert_mem_eq(&a, &b, sizeof a);
    /* and through a wrapped image */
    phash_image *img;
    ck_assert_int_eq(phash_image_wrap(padded, W, H, S, PHASH_PIXEL_RGB8, &img), PHASH_OK);
    ck_assert_int_eq(phash_pdq_hash_image(h, img, PHASH_PDQ_WANT_DIHEDRAL, &b), PHASH_OK);
    ck_assert_mem_eq(&a, &b, sizeof a);
    phash_image_free(img);
    phash_pdq_hasher_free(h);
    free(packed);
    free(padded);
}
END_TEST

START_TEST(invalid_arguments)
{
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    phash_pdq_result res;
    uint8_t px[16] = {0};
    ck_assert_int_eq(phash_pdq_hash_pixels(NULL, px, 2, 2, 2, PHASH_PIXEL_GRAY8, 0, &res),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_pdq_hash_pixels(h, NULL, 2, 2, 2, PHASH_PIXEL_GRAY8, 0, &res),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_pdq_hash_pixels(h, px, 4, 2, 3, PHASH_PIXEL_GRAY8, 0, &res),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_pdq_hash_pixels(h, px, 2, 2, 2, (phash_pixel_format)5, 0, &res),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_pdq_hash_pixels(h, px, 2, 2, 2, PHASH_PIXEL_GRAY8, 0x80, &res),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_pdq_hash_image(h, NULL, 0, &res), PHASH_ERR_INVALID_ARG);
    /* sides over 2^30 are refused before any pixel is read or buffer sized */
    ck_assert_int_eq(phash_pdq_hash_pixels(h, px, 0x80000000u, 5, (size_t)0x80000000u,
                                           PHASH_PIXEL_GRAY8, 0, &res),
                     PHASH_ERR_TOO_LARGE);
    ck_assert_int_eq(phash_pdq_hash_pixels(h, px, 5, 0xFFFFFFFFu, 5, PHASH_PIXEL_GRAY8, 0, &res),
                     PHASH_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(phash_pdq_hasher_last_error(h), "pdq"));
    ck_assert_int_eq(phash_pdq_hasher_set_mode(h, (phash_pdq_mode)7), PHASH_ERR_INVALID_ARG);
    phash_pdq_mode m;
    ck_assert_int_eq(phash_pdq_mode_parse("cli512", &m), PHASH_OK);
    ck_assert_int_eq(m, PHASH_PDQ_CLI512);
    ck_assert_int_eq(phash_pdq_mode_parse("full", &m), PHASH_OK);
    ck_assert_int_eq(m, PHASH_PDQ_FULL);
    ck_assert_int_eq(phash_pdq_mode_parse("512", &m), PHASH_ERR_INVALID_ARG);
    ck_assert_str_eq(phash_pdq_mode_name(PHASH_PDQ_CLI512), "cli512");
    ck_assert_str_eq(phash_pdq_dihedral_name(PHASH_PDQ_FLIPM), "flipm");
    ck_assert_str_eq(phash_pdq_dihedral_name((phash_pdq_dihedral)8), "unknown");
    phash_pdq_hasher_free(h);
    phash_pdq_hasher_free(NULL);
}
END_TEST

/* Strides from callers that compute them as signed numbers (Python's
 * from_buffer took -1 and -3): converted to size_t they are huge, and rows
 * would be read before the buffer or from anywhere. Refused, as are layouts
 * whose last row lies beyond the address space. */
START_TEST(negative_and_overflowing_strides)
{
    phash_pdq_hasher *h = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&h), PHASH_OK);
    phash_pdq_result res;
    uint8_t px[64 * 64 * 3] = {0};
    const size_t bad[] = {(size_t)-1, (size_t)-3, (size_t)-(64 * 3), SIZE_MAX / 2,
                          SIZE_MAX / 63 + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(phash_pdq_hash_pixels(h, px, 64, 64, bad[i], PHASH_PIXEL_RGB8, 0, &res),
                         PHASH_ERR_INVALID_ARG);
        ck_assert_ptr_nonnull(strstr(phash_pdq_hasher_last_error(h), "stride"));
        phash_image *img = (phash_image *)1;
        ck_assert_int_eq(phash_image_wrap(px, 64, 64, bad[i], PHASH_PIXEL_RGB8, &img),
                         PHASH_ERR_INVALID_ARG);
        ck_assert_ptr_null(img);
    }
    /* width * channels overflowing, and a buffer ending past the address space */
    phash_image *img = NULL;
    ck_assert_int_eq(phash_image_wrap(px, 0xFFFFFFFFu, 0xFFFFFFFFu, (size_t)0xFFFFFFFFu * 4,
                                      PHASH_PIXEL_RGBA8, &img),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_image_wrap((const void *)(UINTPTR_MAX - 16), 8, 4, 8,
                                      PHASH_PIXEL_GRAY8, &img),
                     PHASH_ERR_INVALID_ARG);
    /* the exact minimum stride and the largest layout are still accepted */
    ck_assert_int_eq(phash_image_wrap(px, 64, 64, 64 * 3, PHASH_PIXEL_RGB8, &img), PHASH_OK);
    phash_image_free(img);
    ck_assert_int_eq(phash_pdq_hash_pixels(h, px, 64, 64, 64 * 3, PHASH_PIXEL_RGB8, 0, &res),
                     PHASH_OK);
    phash_pdq_hasher_free(h);
}
END_TEST

START_TEST(match_rule)
{
    phash_pdq_code a, b;
    memset(&a, 0, sizeof a);
    b = a;
    for (int i = 0; i < 31; i++)
        b.bytes[i / 8] |= (uint8_t)(1u << (i % 8));
    unsigned d = 0;
    ck_assert_int_eq(phash_pdq_match(NULL, &a, 50, &b, &d), 1);
    ck_assert_uint_eq(d, 31);
    ck_assert_int_eq(phash_pdq_match(NULL, &a, 49, &b, &d), 0); /* quality too low */
    b.bytes[31] = 1;
    ck_assert_int_eq(phash_pdq_match(NULL, &a, 100, &b, &d), 0);
    ck_assert_uint_eq(d, 32);
    phash_pdq_match_rule rule;
    phash_pdq_match_rule_default(&rule);
    ck_assert_uint_eq(rule.max_distance, 31);
    ck_assert_int_eq(rule.min_quality, 50);
    rule.max_distance = 32;
    rule.min_quality = 0;
    ck_assert_int_eq(phash_pdq_match(&rule, &a, 0, &b, &d), 1);
    ck_assert_int_eq(phash_pdq_quality_ok(NULL, 50), 1);
    ck_assert_int_eq(phash_pdq_quality_ok(NULL, 49), 0);
    phash_pdq_code q[8];
    memset(q, 0xff, sizeof q);
    q[5] = b;
    phash_pdq_dihedral which;
    ck_assert_uint_eq(phash_pdq_dihedral_distance(q, &b, &which), 0);
    ck_assert_int_eq(which, PHASH_PDQ_FLIPY);
}
END_TEST

static Suite *pdq_suite(void)
{
    Suite *s = suite_create("pdq");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, dct_matrix_exact);
    tcase_add_test(core, reciprocal_division_is_exact);
    tcase_add_test(core, intermediates_synthetic);
    tcase_add_test(core, streamed_filter_matches_reference_transcription);
    tcase_add_test(core, aligned_dihedral_variants);
    tcase_add_test(core, small_images_give_zero_hash);
    tcase_add_test(core, flat_image);
    tcase_add_test(core, channel_layouts_agree);
    tcase_add_test(core, long_thin_images);
    tcase_add_test(core, hasher_reuse_is_stateless);
    tcase_add_test(core, stride_is_honoured);
    tcase_add_test(core, invalid_arguments);
    tcase_add_test(core, negative_and_overflowing_strides);
    tcase_add_test(core, match_rule);
    suite_add_tcase(s, core);
    TCase *tables = tcase_create("tables");
    tcase_set_timeout(tables, 300);
    tcase_add_test(tables, expected_tables);
    tcase_add_test(tables, intermediates_jpeg);
    tcase_add_test(tables, published_hashes_at_recorded_distances);
    tcase_add_test(tables, format_edge_cases);
    tcase_add_test(tables, fast_mode);
    suite_add_tcase(s, tables);
    return s;
}

int main(void)
{
    require_shared("testdata/pdq");
    require_shared("testdata/formats");
#ifdef PHASH_TEST_REQUIRE_ISA
    /* This copy of the PDQ code was compiled for that instruction set; it
     * checks the compiler's code, which valgrind adds nothing to. */
    /* __builtin_cpu_supports wants a literal (clang insists). */
    int isa_ok = !strcmp(PHASH_TEST_REQUIRE_ISA, "baseline") ? 1
                 : !strcmp(PHASH_TEST_REQUIRE_ISA, "avx2")   ? __builtin_cpu_supports("avx2")
                                                             : __builtin_cpu_supports("avx512f");
    if (!isa_ok || under_valgrind())
        return 77;
#endif
    if (phash_decoder_new(&g_dec) != PHASH_OK)
        return 99; /* a hard error for meson */
    int rc = run_suite(pdq_suite());
    phash_decoder_free(g_dec);
    return rc;
}
