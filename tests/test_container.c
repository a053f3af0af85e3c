/* SPDX-License-Identifier: MIT */
/* Containers in the scanner (lib/container/, lib/scan/kind_container.c):
 * every member of ZIP, ZIP-based documents, 7z, tar and compressed tar is
 * scanned from memory, reported as "outer!member" with its depth, hashed as
 * the same file outside any archive, and matched (PDQ and MD5); encrypted
 * members and headers; the limits (nesting, members, bytes, ratio, member
 * size, skip cost); damaged archives; cancel from inside an archive.
 *
 * The archives are written here with libarchive's writer around the
 * pictures of tests/data/containers (one 96x64 photo in every format phash
 * decodes). `test_container --matrix` packs every format into every
 * container (suite 'containers': HEIF and AVIF decodes are slow under
 * valgrind); the default run uses the JPEG, PNG and GIF only. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>

#include "phash/phash.h"
#include "testutil.h"

static const char *const all_formats[] = {"jpg", "png", "webp", "gif", "tif", "bmp",
                                          "heic", "avif", "jxl", "ppm"};
static const char *const quick_formats[] = {"jpg", "png", "gif"};
static const char *const *g_formats = quick_formats;
static size_t g_n_formats = sizeof quick_formats / sizeof quick_formats[0];

/* The matrix's formats that this build decodes (meson options heif, avif,
 * jxl, gif, tiff; the Windows build has no HEIF, AVIF, JPEG XL). */
static const char *g_matrix[sizeof all_formats / sizeof all_formats[0]];

static size_t matrix_formats(void)
{
    const struct {
        const char *ext;
        int built;
    } optional[] = {{"gif", PH_HAVE_GIF}, {"tif", PH_HAVE_TIFF}, {"heic", PH_HAVE_HEIF},
                    {"avif", PH_HAVE_AVIF}, {"jxl", PH_HAVE_JXL}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof all_formats / sizeof all_formats[0]; i++) {
        int built = 1;
        for (size_t k = 0; k < sizeof optional / sizeof optional[0]; k++)
            if (!strcmp(all_formats[i], optional[k].ext))
                built = optional[k].built;
        if (built)
            g_matrix[n++] = all_formats[i];
    }
    return n;
}

typedef struct blob {
    unsigned char *data;
    size_t len;
} blob;

static blob read_sample(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/containers/%s", name);
    FILE *f = fopen(source_path(rel), "rb");
    ck_assert_msg(f != NULL, "cannot open %s", rel);
    blob b = {malloc(1 << 20), 0};
    b.len = fread(b.data, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* ---- archives written with libarchive ---- */

typedef struct member {
    const char *name;
    const unsigned char *data;
    size_t len;
} member;

enum { KIND_ZIP, KIND_ZIP_STORE, KIND_7Z, KIND_TAR, KIND_TGZ, KIND_TBZ2, KIND_TXZ, KIND_TZST,
       KIND_GZ, KIND_ZIP_CRYPT };

static blob write_archive(int kind, const member *m, size_t n)
{
    struct archive *a = archive_write_new();
    switch (kind) {
    case KIND_ZIP: case KIND_ZIP_STORE: case KIND_ZIP_CRYPT:
        archive_write_set_format_zip(a);
        if (kind == KIND_ZIP_STORE)
            ck_assert_int_eq(archive_write_set_options(a, "zip:compression=store"), ARCHIVE_OK);
        if (kind == KIND_ZIP_CRYPT)
            ck_assert_int_eq(archive_write_set_options(a, "zip:encryption=zipcrypt"), ARCHIVE_OK);
        break;
    case KIND_7Z: archive_write_set_format_7zip(a); break;
    case KIND_GZ: archive_write_set_format_raw(a); break;
    default: archive_write_set_format_pax_restricted(a); break;
    }
    if (kind == KIND_ZIP_CRYPT)
        ck_assert_int_eq(archive_write_set_passphrase(a, "phash"), ARCHIVE_OK);
    if (kind == KIND_TGZ || kind == KIND_GZ)
        ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    if (kind == KIND_TBZ2)
        ck_assert_int_eq(archive_write_add_filter_bzip2(a), ARCHIVE_OK);
    if (kind == KIND_TXZ)
        ck_assert_int_eq(archive_write_add_filter_xz(a), ARCHIVE_OK);
    if (kind == KIND_TZST)
        ck_assert_int_eq(archive_write_add_filter_zstd(a), ARCHIVE_OK);
    size_t cap = 64 << 20, used = 0;
    blob out = {malloc(cap), 0};
    ck_assert_int_eq(archive_write_open_memory(a, out.data, cap, &used), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)m[i].len);
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        ck_assert_int_eq(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
        archive_entry_free(e);
    }
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    out.len = used;
    return out;
}

/* ---- scanning ---- */

#define MAX_REPORTS 64
typedef struct rep {
    char path[256];
    phash_status status;
    char detail[256];
    phash_format format;
    phash_media_kind kind;
    uint64_t size;
    uint32_t depth;
    char pdq[80], md5[40];
    char pdq_ids[512], md5_ids[256]; /* "id:distance;" of the matches */
} rep;

typedef struct reports {
    rep r[MAX_REPORTS];
    size_t n;
    size_t cancel_at; /* stop after this many reports (0: never) */
} reports;

static int collect(void *ctx, const phash_scan_report *r)
{
    reports *c = ctx;
    ck_assert_uint_lt(c->n, MAX_REPORTS);
    rep *p = &c->r[c->n++];
    memset(p, 0, sizeof *p);
    snprintf(p->path, sizeof p->path, "%s", r->path);
    snprintf(p->detail, sizeof p->detail, "%s", r->detail);
    p->status = r->status;
    p->format = r->format;
    p->kind = r->kind;
    p->size = r->size;
    p->depth = r->depth;
    for (size_t i = 0; i < r->n_hashes; i++) {
        const phash_scan_hash *h = phash_scan_report_hash(r, i);
        if (!strcmp(h->algo, "pdq"))
            snprintf(p->pdq, sizeof p->pdq, "%s", h->hex);
        if (!strcmp(h->algo, "md5"))
            snprintf(p->md5, sizeof p->md5, "%s", h->hex);
    }
    for (size_t i = 0; i < r->n_matches; i++) {
        const phash_scan_match *m = phash_scan_report_match(r, i);
        int md5 = !strcmp(m->algo, "md5");
        char *ids = md5 ? p->md5_ids : p->pdq_ids;
        size_t cap = md5 ? sizeof p->md5_ids : sizeof p->pdq_ids, l = strlen(ids);
        snprintf(ids + l, cap - l, "%s:%u;", m->id, m->distance);
    }
    return c->cancel_at && c->n >= c->cancel_at;
}

static const rep *find(const reports *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->r[i].path, path))
            return &c->r[i];
    return NULL;
}

static phash_scanner *scanner(const phash_matcher *m, const char *algos)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    if (m)
        ck_assert_int_eq(phash_scanner_set_matcher(s, m), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, algos), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, 1), PHASH_OK);
    return s;
}

static void scan(phash_scanner *s, const blob *b, const char *name, reports *c)
{
    memset(c, 0, sizeof *c);
    ck_assert_int_eq(phash_scanner_scan_memory(s, b->data, b->len, name, collect, c), PHASH_OK);
}

/* ---- the pictures, their own hashes, and a list of them ---- */

typedef struct sample {
    char name[32];
    blob b;
    char pdq[80], md5[40], id[16];
} sample;

static sample g_samples[10];
static phash_matcher *g_matcher;

static void load_samples(void)
{
    if (g_matcher)
        return;
    phash_scanner *s = scanner(NULL, "pdq,md5");
    char csv[8192] = "signal_type,signal_str,id\n";
    for (size_t i = 0; i < g_n_formats; i++) {
        sample *p = &g_samples[i];
        snprintf(p->name, sizeof p->name, "sample.%s", g_formats[i]);
        snprintf(p->id, sizeof p->id, "S-%s", g_formats[i]);
        p->b = read_sample(p->name);
        reports c;
        scan(s, &p->b, p->name, &c);
        ck_assert_uint_eq(c.n, 1);
        ck_assert_int_eq(c.r[0].status, PHASH_OK);
        ck_assert_int_eq(c.r[0].kind, PHASH_MEDIA_IMAGE);
        ck_assert_uint_eq(strlen(c.r[0].pdq), 64);
        snprintf(p->pdq, sizeof p->pdq, "%s", c.r[0].pdq);
        snprintf(p->md5, sizeof p->md5, "%s", c.r[0].md5);
        size_t l = strlen(csv);
        snprintf(csv + l, sizeof csv - l, "pdq,%s,%s\nmd5,%s,%s\n", p->pdq, p->id, p->md5, p->id);
    }
    phash_scanner_free(s);
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, csv, strlen(csv), "samples", NULL), PHASH_OK);
    ck_assert_int_eq(phash_matcher_new(&g_matcher), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(g_matcher, set), PHASH_OK);
}

static size_t sample_members(member *m, const char *prefix, char names[][64])
{
    for (size_t i = 0; i < g_n_formats; i++) {
        snprintf(names[i], 64, "%.30s%.16s", prefix, g_samples[i].name);
        m[i] = (member){names[i], g_samples[i].b.data, g_samples[i].b.len};
    }
    return g_n_formats;
}

/* Every sample inside `outer` (path prefix "name!...") was reported at
 * this depth, with its own PDQ hash and MD5, matched at distance 0 by its
 * own id (PDQ) and by its MD5 alone. */
static void expect_samples(const reports *c, const char *prefix, uint32_t depth)
{
    for (size_t i = 0; i < g_n_formats; i++) {
        const sample *p = &g_samples[i];
        char path[256], own[32];
        snprintf(path, sizeof path, "%.200s%.16s", prefix, p->name);
        const rep *r = find(c, path);
        ck_assert_msg(r != NULL, "no report for %s", path);
        ck_assert_msg(r->status == PHASH_OK, "%s: %s", path, r->detail);
        ck_assert_int_eq(r->kind, PHASH_MEDIA_IMAGE);
        ck_assert_uint_eq(r->depth, depth);
        ck_assert_uint_eq(r->size, p->b.len);
        ck_assert_str_eq(r->pdq, p->pdq);
        ck_assert_str_eq(r->md5, p->md5);
        snprintf(own, sizeof own, "%s:0;", p->id);
        ck_assert_msg(strstr(r->pdq_ids, own) != NULL, "%s: pdq matches %s", path, r->pdq_ids);
        ck_assert_str_eq(r->md5_ids, own);
    }
}

static void expect_container_last(const reports *c, const char *name, phash_format f)
{
    ck_assert_uint_gt(c->n, 0);
    const rep *r = &c->r[c->n - 1];
    ck_assert_str_eq(r->path, name);
    ck_assert_msg(r->status == PHASH_OK, "%s: %s", name, r->detail);
    ck_assert_int_eq(r->kind, PHASH_MEDIA_CONTAINER);
    ck_assert_int_eq(r->format, f);
    ck_assert_uint_eq(r->depth, 0);
}

START_TEST(every_format_in_every_container)
{
    load_samples();
    static const struct {
        int kind;
        const char *name;
        phash_format f;
    } kinds[] = {
        {KIND_ZIP, "a.zip", PHASH_FORMAT_ZIP},     {KIND_ZIP_STORE, "s.zip", PHASH_FORMAT_ZIP},
        {KIND_7Z, "a.7z", PHASH_FORMAT_7Z},        {KIND_TAR, "a.tar", PHASH_FORMAT_TAR},
        {KIND_TGZ, "a.tar.gz", PHASH_FORMAT_GZIP}, {KIND_TBZ2, "a.tar.bz2", PHASH_FORMAT_BZIP2},
        {KIND_TXZ, "a.tar.xz", PHASH_FORMAT_XZ},   {KIND_TZST, "a.tar.zst", PHASH_FORMAT_ZSTD},
    };
    phash_scanner *s = scanner(g_matcher, "pdq,md5");
    member m[16];
    char names[16][64];
    size_t n = sample_members(m, "in/folder/", names);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        blob b = write_archive(kinds[k].kind, m, n);
        reports c;
        scan(s, &b, kinds[k].name, &c);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s!in/folder/", kinds[k].name);
        expect_samples(&c, prefix, 1);
        ck_assert_uint_eq(c.n, n + 1);
        expect_container_last(&c, kinds[k].name, kinds[k].f);
        free(b.data);
    }
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_CONTAINERS), 8);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MEMBERS), 8 * n);
    phash_scanner_free(s);
}
END_TEST

/* docx/xlsx/pptx, odt/ods/odp and epub are ZIP files with their pictures in
 * known folders, next to XML that is reported as "other". */
START_TEST(documents)
{
    load_samples();
    static const struct {
        const char *name, *first, *media;
    } docs[] = {
        {"r.docx", "[Content_Types].xml", "word/media/"},
        {"r.xlsx", "[Content_Types].xml", "xl/media/"},
        {"r.pptx", "[Content_Types].xml", "ppt/media/"},
        {"r.odt", "mimetype", "Pictures/"},
        {"r.ods", "mimetype", "Pictures/"},
        {"r.odp", "mimetype", "Pictures/"},
        {"r.epub", "mimetype", "OEBPS/images/"},
    };
    static const unsigned char xml[] = "<?xml version=\"1.0\"?><doc/>";
    phash_scanner *s = scanner(g_matcher, "pdq");
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        member m[16];
        char names[16][64];
        m[0] = (member){docs[d].first, xml, sizeof xml - 1};
        size_t n = 1 + sample_members(m + 1, docs[d].media, names);
        blob b = write_archive(KIND_ZIP, m, n);
        reports c;
        scan(s, &b, docs[d].name, &c);
        ck_assert_uint_eq(c.n, n + 1);
        char path[128];
        snprintf(path, sizeof path, "%s!%s", docs[d].name, docs[d].first);
        const rep *x = find(&c, path);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->status, PHASH_OK);
        ck_assert_int_eq(x->kind, PHASH_MEDIA_OTHER);
        ck_assert_uint_eq(x->size, sizeof xml - 1);
        for (size_t i = 0; i < g_n_formats; i++) {
            snprintf(path, sizeof path, "%.16s!%.30s%.16s", docs[d].name, docs[d].media,
                     g_samples[i].name);
            const rep *r = find(&c, path);
            ck_assert_msg(r && r->status == PHASH_OK, "%s", path);
            ck_assert_str_eq(r->pdq, g_samples[i].pdq);
        }
        expect_container_last(&c, docs[d].name, PHASH_FORMAT_ZIP);
        free(b.data);
    }
    phash_scanner_free(s);
}
END_TEST

/* tar.gz > zip > 7z > pictures: the whole path, depth 3; one level less
 * opened with the depth limit 2, none with 0. */
static blob nested(void)
{
    member m[16];
    char names[16][64];
    size_t n = sample_members(m, "", names);
    blob inner = write_archive(KIND_7Z, m, n);
    member mid[] = {{"deep.7z", inner.data, inner.len}};
    blob zip = write_archive(KIND_ZIP, mid, 1);
    member top[] = {{"dir/inner.zip", zip.data, zip.len}};
    blob tgz = write_archive(KIND_TGZ, top, 1);
    free(inner.data);
    free(zip.data);
    return tgz;
}

START_TEST(nesting)
{
    load_samples();
    blob b = nested();
    phash_scanner *s = scanner(g_matcher, "pdq,md5");
    reports c;
    scan(s, &b, "n.tgz", &c);
    expect_samples(&c, "n.tgz!dir/inner.zip!deep.7z!", 3);
    const rep *r = find(&c, "n.tgz!dir/inner.zip!deep.7z");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->status, PHASH_OK);
    ck_assert_int_eq(r->format, PHASH_FORMAT_7Z);
    ck_assert_uint_eq(r->depth, 2);
    ck_assert_uint_eq(c.n, g_n_formats + 3);

    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_DEPTH, 2), PHASH_OK);
    scan(s, &b, "n.tgz", &c);
    ck_assert_uint_eq(c.n, 3); /* the 7z (not opened), the zip, the tar.gz */
    r = find(&c, "n.tgz!dir/inner.zip!deep.7z");
    ck_assert_int_eq(r->status, PHASH_ERR_BUDGET);
    ck_assert_ptr_nonnull(strstr(r->detail, "nested more than 2 deep"));
    ck_assert_int_eq(find(&c, "n.tgz!dir/inner.zip")->status, PHASH_OK);

    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_DEPTH, 0), PHASH_OK);
    scan(s, &b, "n.tgz", &c);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.r[0].status, PHASH_OK);
    ck_assert_ptr_nonnull(strstr(c.r[0].detail, "not opened"));
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_DEPTH, 33),
                     PHASH_ERR_INVALID_ARG);
    phash_scanner_free(s);
    free(b.data);
}
END_TEST

/* A single compressed file (x.jpg.gz) is a container of one member. */
START_TEST(single_compressed_file)
{
    load_samples();
    member m[] = {{"sample.jpg", g_samples[0].b.data, g_samples[0].b.len}};
    blob b = write_archive(KIND_GZ, m, 1);
    phash_scanner *s = scanner(g_matcher, "pdq,md5");
    reports c;
    scan(s, &b, "p.jpg.gz", &c);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_int_eq(c.r[0].status, PHASH_OK);
    ck_assert_str_eq(c.r[0].pdq, g_samples[0].pdq);
    ck_assert_str_eq(c.r[0].md5_ids, "S-jpg:0;");
    ck_assert_int_eq(c.r[1].format, PHASH_FORMAT_GZIP);
    phash_scanner_free(s);
    free(b.data);
}
END_TEST

START_TEST(encrypted)
{
    load_samples();
    member m[16];
    char names[16][64];
    size_t n = sample_members(m, "", names);
    blob b = write_archive(KIND_ZIP_CRYPT, m, n);
    phash_scanner *s = scanner(g_matcher, "pdq,md5");
    reports c;
    scan(s, &b, "e.zip", &c);
    ck_assert_uint_eq(c.n, n + 1);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(c.r[i].status, PHASH_ERR_ENCRYPTED);
        ck_assert_uint_eq(c.r[i].depth, 1);
        ck_assert_uint_eq(c.r[i].size, g_samples[i].b.len);
        ck_assert_str_eq(c.r[i].pdq_ids, "");
    }
    ck_assert_int_eq(c.r[n].status, PHASH_OK);
    free(b.data);
    /* 7z with encrypted data: each member; with encrypted headers: the
     * archive itself (nothing can be listed). */
    b = read_sample("enc-data.7z");
    scan(s, &b, "d.7z", &c);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_int_eq(find(&c, "d.7z!sample.jpg")->status, PHASH_ERR_ENCRYPTED);
    ck_assert_int_eq(find(&c, "d.7z!sample.png")->status, PHASH_ERR_ENCRYPTED);
    free(b.data);
    b = read_sample("enc-headers.7z");
    scan(s, &b, "h.7z", &c);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.r[0].status, PHASH_ERR_ENCRYPTED);
    ck_assert_int_eq(c.r[0].kind, PHASH_MEDIA_CONTAINER);
    free(b.data);
    phash_scanner_free(s);
}
END_TEST

/* Incompressible bytes (a member of no media kind). */
static unsigned char *noise(size_t n)
{
    unsigned char *p = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char)(x >> 24);
    }
    p[0] = 'X'; /* sniffs as nothing */
    return p;
}

START_TEST(member_count_and_sizes)
{
    load_samples();
    const blob *jpg = &g_samples[0].b;
    member m[8];
    char names[8][16];
    for (int i = 0; i < 8; i++) {
        snprintf(names[i], sizeof names[i], "p%d.jpg", i);
        m[i] = (member){names[i], jpg->data, jpg->len};
    }
    blob b = write_archive(KIND_ZIP, m, 8);
    phash_scanner *s = scanner(g_matcher, "pdq");
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_MEMBERS, 3), PHASH_OK);
    reports c;
    scan(s, &b, "m.zip", &c);
    ck_assert_uint_eq(c.n, 4);
    ck_assert_str_eq(c.r[2].path, "m.zip!p2.jpg");
    ck_assert_int_eq(c.r[3].status, PHASH_ERR_BUDGET);
    ck_assert_ptr_nonnull(strstr(c.r[3].detail, "more than 3 members"));
    free(b.data);
    phash_scanner_free(s);

    /* A member over the member limit is reported TOO_LARGE; the next one is
     * still scanned (stored ZIP: skipping is a seek). With digests the big
     * member would be read whole, so pdq only. */
    size_t big = (3u << 20) / 2;
    unsigned char *nz = noise(big);
    member two[] = {{"big.bin", nz, big}, {"after.jpg", jpg->data, jpg->len}};
    b = write_archive(KIND_ZIP_STORE, two, 2);
    s = scanner(g_matcher, "pdq,md5");
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MEMBER_SIZE, 1 << 20), PHASH_OK);
    scan(s, &b, "b.zip", &c);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_int_eq(c.r[0].status, PHASH_ERR_TOO_LARGE);
    ck_assert_uint_eq(c.r[0].size, big);
    ck_assert_int_eq(c.r[1].status, PHASH_OK);
    ck_assert_str_eq(c.r[1].md5_ids, "S-jpg:0;");
    ck_assert_int_eq(c.r[2].status, PHASH_OK);
    /* The same bytes over the per-file budget stop the container. */
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MEMBER_SIZE, 4 << 20), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_BYTES, 1 << 20),
                     PHASH_OK);
    scan(s, &b, "b.zip", &c);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.r[0].status, PHASH_ERR_BUDGET);
    ck_assert_ptr_nonnull(strstr(c.r[0].detail, "uncompressed bytes"));
    free(b.data);
    free(nz);
    phash_scanner_free(s);
}
END_TEST

/* 20 MiB of zeros in 25 KB: the ratio stops it once 16 MiB are out,
 * whether the zeros are read (digests) or skipped (a compressed tar must
 * inflate what it skips); a ZIP member skipped by seeking costs nothing. */
START_TEST(bombs)
{
    load_samples();
    phash_scanner *s = scanner(g_matcher, "pdq,md5");
    reports c;
    blob b = read_sample("bomb.zip");
    scan(s, &b, "bomb.zip", &c);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.r[0].status, PHASH_ERR_BUDGET);
    ck_assert_ptr_nonnull(strstr(c.r[0].detail, "decompression bomb"));
    phash_scanner_free(s);
    s = scanner(g_matcher, "pdq");
    scan(s, &b, "bomb.zip", &c); /* zeros.bin: head only, skipped by seeking */
    ck_assert_uint_eq(c.n, 3);
    ck_assert_int_eq(c.r[0].kind, PHASH_MEDIA_OTHER);
    ck_assert_uint_eq(c.r[0].size, 20u << 20);
    ck_assert_str_eq(c.r[1].path, "bomb.zip!after.jpg");
    ck_assert_str_eq(c.r[1].pdq, g_samples[0].pdq);
    ck_assert_int_eq(c.r[2].status, PHASH_OK);
    free(b.data);
    b = read_sample("bomb.tgz");
    scan(s, &b, "bomb.tgz", &c);
    ck_assert_uint_eq(c.n, 2); /* zeros.bin reported, then the skip is refused */
    ck_assert_int_eq(c.r[1].status, PHASH_ERR_BUDGET);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_CONTAINER_RATIO, 1000), PHASH_OK);
    scan(s, &b, "bomb.tgz", &c);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_str_eq(c.r[1].pdq, g_samples[0].pdq);
    free(b.data);
    phash_scanner_free(s);
}
END_TEST

START_TEST(damaged)
{
    load_samples();
    member m[16];
    char names[16][64];
    size_t n = sample_members(m, "", names);
    blob b = write_archive(KIND_ZIP, m, n);
    phash_scanner *s = scanner(g_matcher, "pdq");
    reports c;
    /* Cut in the last member: the central directory is gone; the members
     * before the cut are read from their local headers. */
    blob cut = {b.data, b.len - g_samples[n - 1].b.len / 2 - 200};
    scan(s, &cut, "cut.zip", &c);
    for (size_t i = 0; i + 1 < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "cut.zip!%.16s", g_samples[i].name);
        const rep *r = find(&c, path);
        ck_assert_msg(r && r->status == PHASH_OK, "%s", path);
        ck_assert_str_eq(r->pdq, g_samples[i].pdq);
    }
    const rep *last = &c.r[c.n - 1];
    ck_assert_str_eq(last->path, "cut.zip");
    ck_assert_msg(last->status == PHASH_ERR_TRUNCATED || last->status == PHASH_ERR_CORRUPT,
                  "%d %s", last->status, last->detail);
    free(b.data);
    phash_scanner_free(s);
}
END_TEST

/* A container file larger than max_read is opened from its first bytes:
 * members there are scanned, the container says TRUNCATED, and its own
 * digests still cover every byte of the file. */
START_TEST(larger_than_max_read)
{
    load_samples();
    const blob *jpg = &g_samples[0].b;
    size_t big = (3u << 20) / 2;
    unsigned char *nz = noise(big);
    member m[] = {{"a.jpg", jpg->data, jpg->len}, {"big.bin", nz, big},
                  {"b.jpg", jpg->data, jpg->len}};
    blob b = write_archive(KIND_TAR, m, 3);
    char path[] = "/tmp/phash-container-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    phash_scanner *s = scanner(g_matcher, "pdq,md5");
    reports whole, cut;
    memset(&whole, 0, sizeof whole);
    ck_assert_int_eq(phash_scanner_scan_file(s, path, collect, &whole), PHASH_OK);
    ck_assert_uint_eq(whole.n, 4);
    ck_assert_int_eq(whole.r[3].status, PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_READ, 1 << 20), PHASH_OK);
    memset(&cut, 0, sizeof cut);
    ck_assert_int_eq(phash_scanner_scan_file(s, path, collect, &cut), PHASH_OK);
    unlink(path);
    char a[300];
    snprintf(a, sizeof a, "%s!a.jpg", path);
    const rep *r = find(&cut, a);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->md5_ids, "S-jpg:0;");
    snprintf(a, sizeof a, "%s!b.jpg", path);
    ck_assert_ptr_null(find(&cut, a));
    const rep *top = &cut.r[cut.n - 1];
    ck_assert_str_eq(top->path, path);
    ck_assert_int_eq(top->status, PHASH_ERR_TRUNCATED);
    ck_assert_uint_eq(top->size, b.len);
    ck_assert_str_eq(top->md5, whole.r[3].md5);
    ck_assert_uint_eq(strlen(top->md5), 32);
    phash_scanner_free(s);
    free(b.data);
    free(nz);
}
END_TEST

START_TEST(garbage_and_cancel)
{
    load_samples();
    phash_scanner *s = scanner(g_matcher, "pdq");
    reports c;
    /* ZIP and gzip magic followed by garbage: the container's own error. */
    static const char *const heads[] = {"PK\3\4", "\x1F\x8B\x08", "7z\xBC\xAF\x27\x1C"};
    for (size_t i = 0; i < 3; i++) {
        unsigned char *g = noise(4096);
        memcpy(g, heads[i], strlen(heads[i]));
        blob b = {g, 4096};
        scan(s, &b, "g", &c);
        ck_assert_uint_ge(c.n, 1);
        ck_assert_int_eq(c.r[c.n - 1].kind, PHASH_MEDIA_CONTAINER);
        ck_assert_int_ne(c.r[c.n - 1].status, PHASH_OK);
        free(g);
    }
    /* Cancel from a member's report: no more reports, not the container's. */
    member m[16];
    char names[16][64];
    size_t n = sample_members(m, "", names);
    blob b = write_archive(KIND_TAR, m, n);
    memset(&c, 0, sizeof c);
    c.cancel_at = 1;
    ck_assert_int_eq(phash_scanner_scan_memory(s, b.data, b.len, "t.tar", collect, &c),
                     PHASH_ERR_CANCELLED);
    ck_assert_uint_eq(c.n, 1);
    free(b.data);
    phash_scanner_free(s);
}
END_TEST

/* ---- PDF documents (lib/container/pdf.c) ---- */

/* A PDF whose objects 1-3 are a catalog, its page tree and one page
 * drawing objects 4 and 5 (images); more objects may follow, used by no
 * page. Each image is a dictionary's inner text (without << >> and
 * /Length) and its stream bytes. The xref offsets are exact. */
typedef struct pdf_image {
    char dict[256];
    const unsigned char *data;
    size_t len;
} pdf_image;

static void put(blob *b, size_t cap, const void *p, size_t n)
{
    ck_assert_uint_le(b->len + n, cap);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static blob write_pdf(const pdf_image *img, size_t n)
{
    size_t cap = 1 << 22, off[32];
    ck_assert_uint_le(n + 3, 31);
    blob b = {malloc(cap), 0};
    char t[512];
    put(&b, cap, "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n", 15);
    const char *fixed[3] = {
        "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 96 60] /Resources << /XObject << "
         "/Im1 4 0 R /Im2 5 0 R >> >> >>")};
    for (size_t i = 0; i < 3 + n; i++) {
        off[i] = b.len;
        int l = i < 3 ? snprintf(t, sizeof t, "%zu 0 obj\n%s\nendobj\n", i + 1, fixed[i])
                      : snprintf(t, sizeof t, "%zu 0 obj\n<< %s /Length %zu >>\nstream\n", i + 1,
                                 img[i - 3].dict, img[i - 3].len);
        put(&b, cap, t, (size_t)l);
        if (i >= 3) {
            put(&b, cap, img[i - 3].data, img[i - 3].len);
            put(&b, cap, "\nendstream\nendobj\n", 18);
        }
    }
    size_t xref = b.len;
    put(&b, cap, t, (size_t)snprintf(t, sizeof t, "xref\n0 %zu\n0000000000 65535 f \n", n + 4));
    for (size_t i = 0; i < 3 + n; i++)
        put(&b, cap, t, (size_t)snprintf(t, sizeof t, "%010zu 00000 n \n", off[i]));
    put(&b, cap, t,
        (size_t)snprintf(t, sizeof t, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
                         n + 4, xref));
    return b;
}

static blob deflate_blob(const unsigned char *p, size_t n)
{
    uLongf len = compressBound((uLong)n);
    blob b = {malloc(len), 0};
    ck_assert_int_eq(compress2(b.data, &len, p, (uLong)n, 9), Z_OK);
    b.len = len;
    return b;
}

/* sample.ppm's pixels (96x60 RGB, lossless: the PNG's). */
static const unsigned char *ppm_pixels(const blob *ppm)
{
    ck_assert(!memcmp(ppm->data, "P6\n96 60\n255\n", 13));
    ck_assert_uint_eq(ppm->len, 13 + 96 * 60 * 3);
    return ppm->data + 13;
}

/* Rows of w*c bytes each prefixed with a PNG filter byte (0-4 in turn),
 * filtered as PNG encoders do. */
static blob png_predict(const unsigned char *px, size_t w, size_t h, size_t c)
{
    size_t row = w * c;
    blob b = {malloc(h * (row + 1)), h * (row + 1)};
    for (size_t y = 0; y < h; y++) {
        unsigned char f = (unsigned char)(y % 5), *o = b.data + y * (row + 1);
        const unsigned char *r = px + y * row, *u = y ? r - row : NULL;
        o[0] = f;
        for (size_t i = 0; i < row; i++) {
            int a = i >= c ? r[i - c] : 0, up = u ? u[i] : 0, ul = u && i >= c ? u[i - c] : 0;
            int p = a + up - ul, pa = abs(p - a), pb = abs(p - up), pc = abs(p - ul);
            int pred = f == 1 ? a : f == 2 ? up : f == 3 ? (a + up) / 2
                     : f == 4 ? (pa <= pb && pa <= pc ? a : pb <= pc ? up : ul) : 0;
            o[1 + i] = (unsigned char)(r[i] - pred);
        }
    }
    return b;
}

/* The PDQ of a file scanned on its own. */
static void pdq_of(const blob *b, char out[80])
{
    phash_scanner *s = scanner(NULL, "pdq");
    reports c;
    scan(s, b, "ref", &c);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_msg(c.r[0].status == PHASH_OK, "%s", c.r[0].detail);
    snprintf(out, 80, "%s", c.r[0].pdq);
    phash_scanner_free(s);
}

static const rep *expect_member(const reports *c, const char *path, phash_status st)
{
    const rep *r = find(c, path);
    ck_assert_msg(r != NULL, "no report for %s", path);
    ck_assert_msg(r->status == st, "%s: %s (%s)", path, phash_status_name(r->status), r->detail);
    ck_assert_uint_eq(r->depth, strchr(strchr(path, '!') + 1, '!') ? 2 : 1);
    return r;
}

/* An embedded JPEG (DCTDecode) is the JPEG file itself: same PDQ, same
 * MD5, matched by both. A Flate raster of the PNG's pixels (no predictor,
 * a PNG predictor, an unreferenced object) hashes as the PNG. */
START_TEST(pdf_images)
{
    load_samples();
    if (!phash_format_supported(PHASH_FORMAT_PDF))
        return;
    blob jpg = read_sample("sample.jpg"), ppm = read_sample("sample.ppm");
    const unsigned char *px = ppm_pixels(&ppm);
    blob flat = deflate_blob(px, 96 * 60 * 3), pred_rows = png_predict(px, 96, 60, 3);
    blob pred = deflate_blob(pred_rows.data, pred_rows.len);
    pdf_image img[3] = {
        {"/Type /XObject /Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceRGB "
         "/BitsPerComponent 8 /Filter /DCTDecode", jpg.data, jpg.len},
        {"/Type /XObject /Subtype /Image /Width 96 /Height 60 /ColorSpace [/ICCBased 99 0 R] "
         "/BitsPerComponent 8 /Filter /FlateDecode", flat.data, flat.len},
        {"/Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceRGB /BitsPerComponent 8 "
         "/Filter [/FlateDecode] /DecodeParms [<< /Predictor 15 /Colors 3 /Columns 96 >>]",
         pred.data, pred.len},
    };
    /* /ICCBased 99 0 R is missing: not a colour space phash knows. */
    snprintf(img[1].dict, sizeof img[1].dict, "%s",
             "/Type /XObject /Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceRGB "
             "/BitsPerComponent 8 /Filter /FlateDecode");
    blob pdf = write_pdf(img, 3);
    phash_scanner *s = scanner(g_matcher, "pdq,md5");
    reports c;
    scan(s, &pdf, "doc.pdf", &c);
    ck_assert_uint_eq(c.n, 4);
    const sample *sj = &g_samples[0], *sp = &g_samples[1];
    ck_assert_str_eq(sj->name, "sample.jpg");
    ck_assert_str_eq(sp->name, "sample.png");
    const rep *r = expect_member(&c, "doc.pdf!obj4.jpg", PHASH_OK);
    ck_assert_int_eq(r->format, PHASH_FORMAT_JPEG);
    ck_assert_str_eq(r->pdq, sj->pdq);
    ck_assert_str_eq(r->md5, sj->md5);
    ck_assert_str_eq(r->md5_ids, "S-jpg:0;");
    ck_assert_ptr_nonnull(strstr(r->pdq_ids, "S-jpg:0;"));
    const char *rasters[] = {"doc.pdf!obj5.pnm", "doc.pdf!obj6.pnm"};
    for (int i = 0; i < 2; i++) {
        r = expect_member(&c, rasters[i], PHASH_OK);
        ck_assert_int_eq(r->format, PHASH_FORMAT_PNM);
        ck_assert_str_eq(r->pdq, sp->pdq);
        ck_assert_ptr_nonnull(strstr(r->pdq_ids, "S-png:0;"));
    }
    expect_container_last(&c, "doc.pdf", PHASH_FORMAT_PDF);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_CONTAINERS), 1);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MEMBERS), 3);

    /* Inside a ZIP: the path shows both levels. */
    member m = {"docs/doc.pdf", pdf.data, pdf.len};
    blob zip = write_archive(KIND_ZIP, &m, 1);
    scan(s, &zip, "a.zip", &c);
    ck_assert_uint_eq(c.n, 5);
    r = expect_member(&c, "a.zip!docs/doc.pdf!obj4.jpg", PHASH_OK);
    ck_assert_uint_eq(r->depth, 2);
    ck_assert_str_eq(r->md5_ids, "S-jpg:0;");
    phash_scanner_free(s);
    free(zip.data), free(pdf.data), free(flat.data), free(pred.data), free(pred_rows.data);
    free(jpg.data), free(ppm.data);
}
END_TEST

/* Grey, 1-bit and palette rasters hash as the same pixels written as PNM
 * by hand. */
START_TEST(pdf_raster_kinds)
{
    if (!phash_format_supported(PHASH_FORMAT_PDF))
        return;
    blob ppm = read_sample("sample.ppm");
    const unsigned char *px = ppm_pixels(&ppm);
    enum { W = 96, H = 60 };
    static unsigned char grey[W * H], bits[H * (W / 8)], pgm[16 + W * H], bw[16 + W * H],
        rgb_grey[16 + W * H * 3], ramp[256 * 3];
    int hg = snprintf((char *)pgm, 16, "P5\n%d %d\n255\n", W, H);
    snprintf((char *)bw, 16, "P5\n%d %d\n255\n", W, H);
    int hc = snprintf((char *)rgb_grey, 16, "P6\n%d %d\n255\n", W, H);
    memset(bits, 0, sizeof bits);
    for (int i = 0; i < W * H; i++) {
        grey[i] = (unsigned char)((px[3 * i] * 3 + px[3 * i + 1] * 6 + px[3 * i + 2]) / 10);
        pgm[hg + i] = grey[i];
        bw[hg + i] = grey[i] >= 128 ? 255 : 0;
        memset(rgb_grey + hc + 3 * i, grey[i], 3);
        if (grey[i] >= 128)
            bits[i / 8] |= (unsigned char)(0x80 >> (i % 8));
    }
    blob zg = deflate_blob(grey, sizeof grey), zb = deflate_blob(bits, sizeof bits);
    char idx_dict[256];
    snprintf(idx_dict, sizeof idx_dict, "%s",
             "/Subtype /Image /Width 96 /Height 60 /BitsPerComponent 8 /Filter /FlateDecode "
             "/ColorSpace [/Indexed /DeviceRGB 255 7 0 R]");
    pdf_image img[4] = {
        {"/Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceGray /BitsPerComponent 8 "
         "/Filter /FlateDecode", zg.data, zg.len},
        {"/Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceGray /BitsPerComponent 1 "
         "/Filter /FlateDecode", zb.data, zb.len},
        {"", zg.data, zg.len},
        {"/Length1 0", NULL, 0}, /* the palette: a stream of its bytes */
    };
    snprintf(img[2].dict, sizeof img[2].dict, "%s", idx_dict);
    for (int v = 0; v < 256; v++)
        memset(ramp + 3 * v, v, 3);
    img[3].data = ramp, img[3].len = sizeof ramp;
    blob pdf = write_pdf(img, 4);
    phash_scanner *s = scanner(NULL, "pdq");
    reports c;
    scan(s, &pdf, "k.pdf", &c);
    ck_assert_uint_eq(c.n, 4); /* 3 images; the palette stream is no image */
    char want[80];
    blob b = {pgm, (size_t)hg + sizeof grey};
    pdq_of(&b, want);
    ck_assert_str_eq(expect_member(&c, "k.pdf!obj4.pnm", PHASH_OK)->pdq, want);
    b = (blob){bw, (size_t)hg + sizeof grey};
    pdq_of(&b, want);
    ck_assert_str_eq(expect_member(&c, "k.pdf!obj5.pnm", PHASH_OK)->pdq, want);
    b = (blob){rgb_grey, (size_t)hc + 3 * sizeof grey};
    pdq_of(&b, want);
    ck_assert_str_eq(expect_member(&c, "k.pdf!obj6.pnm", PHASH_OK)->pdq, want);
    expect_container_last(&c, "k.pdf", PHASH_FORMAT_PDF);
    phash_scanner_free(s);
    free(pdf.data), free(zg.data), free(zb.data), free(ppm.data);
}
END_TEST

/* What is not decoded is said per image; a bomb's dictionary is refused
 * before anything is inflated; the byte budget and ratio apply before
 * inflating too. */
START_TEST(pdf_refusals)
{
    if (!phash_format_supported(PHASH_FORMAT_PDF))
        return;
    static const unsigned char zeros[64];
    blob z = deflate_blob(zeros, sizeof zeros);
    pdf_image img[5] = {
        {"/Subtype /Image /Width 20000 /Height 20000 /ColorSpace /DeviceRGB /BitsPerComponent 8 "
         "/Filter /FlateDecode", z.data, z.len},
        {"/Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceRGB /BitsPerComponent 8 "
         "/Filter /JPXDecode", zeros, sizeof zeros},
        {"/Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceCMYK /BitsPerComponent 8 "
         "/Filter /FlateDecode", z.data, z.len},
        {"/Subtype /Image /Width 4 /Height 4 /ImageMask true /BitsPerComponent 1", zeros, 8},
        {"/Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceRGB /BitsPerComponent 8 "
         "/Filter /FlateDecode", z.data, z.len}, /* 64 bytes of 17,280 */
    };
    blob pdf = write_pdf(img, 5);
    phash_scanner *s = scanner(NULL, "pdq");
    reports c;
    scan(s, &pdf, "r.pdf", &c);
    ck_assert_uint_eq(c.n, 6);
    ck_assert_str_eq(expect_member(&c, "r.pdf!obj4", PHASH_ERR_TOO_LARGE)->detail,
                     "20000x20000 image: over the pixel limits (refused before inflating)");
    ck_assert_str_eq(expect_member(&c, "r.pdf!obj5", PHASH_ERR_UNSUPPORTED)->detail,
                     "image filter /JPXDecode: not decoded");
    ck_assert_str_eq(expect_member(&c, "r.pdf!obj6", PHASH_ERR_UNSUPPORTED)->detail,
                     "raster in colour space /DeviceCMYK: not decoded");
    ck_assert_str_eq(expect_member(&c, "r.pdf!obj7", PHASH_ERR_UNSUPPORTED)->detail,
                     "a stencil mask (/ImageMask): not a picture");
    ck_assert_str_eq(expect_member(&c, "r.pdf!obj8.pnm", PHASH_ERR_TRUNCATED)->detail,
                     "samples end early: 64 of 17280 bytes of samples");
    expect_container_last(&c, "r.pdf", PHASH_FORMAT_PDF);
    free(pdf.data);

    /* 9000x9000 RGB (81 MP, within the pixel limit): 243 MB from a file of
     * a few hundred bytes is over the ratio: stopped before inflating. */
    pdf_image bomb = {"/Subtype /Image /Width 9000 /Height 9000 /ColorSpace /DeviceRGB "
                      "/BitsPerComponent 8 /Filter /FlateDecode", z.data, z.len};
    pdf = write_pdf(&bomb, 1);
    scan(s, &pdf, "b.pdf", &c);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.r[0].status, PHASH_ERR_BUDGET);
    ck_assert_ptr_nonnull(strstr(c.r[0].detail, "a decompression bomb?"));
    free(pdf.data);
    phash_scanner_free(s);
    free(z.data);
}
END_TEST

/* Damaged and encrypted documents. */
START_TEST(pdf_damaged)
{
    if (!phash_format_supported(PHASH_FORMAT_PDF))
        return;
    load_samples();
    phash_scanner *s = scanner(NULL, "pdq");
    reports c;
    static const char junk[] = "%PDF-1.4\n\x01\x02 this is not a PDF at all";
    blob b = {(unsigned char *)junk, sizeof junk - 1};
    scan(s, &b, "j.pdf", &c);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.r[0].status, PHASH_ERR_CORRUPT);
    ck_assert_int_eq(c.r[0].kind, PHASH_MEDIA_CONTAINER);

    /* Cut inside the JPEG's stream: the document is recovered and the
     * image reported, whatever is left of it. */
    blob jpg = read_sample("sample.jpg");
    pdf_image img = {"/Subtype /Image /Width 96 /Height 60 /ColorSpace /DeviceRGB "
                     "/BitsPerComponent 8 /Filter /DCTDecode", jpg.data, jpg.len};
    blob pdf = write_pdf(&img, 1);
    for (size_t cut = 200; cut < pdf.len; cut += pdf.len / 7) {
        b = (blob){pdf.data, cut};
        scan(s, &b, "t.pdf", &c);
        ck_assert_uint_ge(c.n, 1);
        ck_assert_str_eq(c.r[c.n - 1].path, "t.pdf");
    }
    free(pdf.data), free(jpg.data);
    phash_scanner_free(s);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--matrix")) {
        g_formats = g_matrix;
        g_n_formats = matrix_formats();
    }
    Suite *s = suite_create("container");
    TCase *tc = tcase_create("container");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_format_in_every_container);
    tcase_add_test(tc, documents);
    tcase_add_test(tc, nesting);
    tcase_add_test(tc, single_compressed_file);
    tcase_add_test(tc, encrypted);
    tcase_add_test(tc, member_count_and_sizes);
    tcase_add_test(tc, bombs);
    tcase_add_test(tc, damaged);
    tcase_add_test(tc, larger_than_max_read);
    tcase_add_test(tc, garbage_and_cancel);
    tcase_add_test(tc, pdf_images);
    tcase_add_test(tc, pdf_raster_kinds);
    tcase_add_test(tc, pdf_refusals);
    tcase_add_test(tc, pdf_damaged);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    phash_matcher_free(g_matcher); /* it owns g_set */
    for (size_t i = 0; i < g_n_formats; i++)
        free(g_samples[i].b.data);
    return rc;
}
