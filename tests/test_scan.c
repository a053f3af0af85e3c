/* SPDX-License-Identifier: MIT */
/* The library scanner (include/phash/scan.h, lib/scan/): the sample set's
 * exact match set from paths and from memory, hashes equal to the hashers'
 * own, one open and one read per file, special files never opened, threads,
 * cancel, configuration errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

/* What the callback collected. */
typedef struct collected {
    int files, matches, errors, not_media, special;
    char rows[64][160]; /* "path,algo,distance,variant,id" sorted later */
    int n_rows;
    char first_hash[8][80];
    int n_hashes;
    phash_status first_status;
    int stop_after; /* cancel after this many reports (0: never) */
} collected;

static int collect(void *ctx, const phash_scan_report *r)
{
    collected *c = ctx;
    if (c->files++ == 0)
        c->first_status = r->status;
    if (r->status != PHASH_OK)
        c->errors++;
    else if (r->kind == PHASH_MEDIA_OTHER)
        c->not_media++;
    for (size_t i = 0; i < r->n_matches; i++) {
        const phash_scan_match *m = phash_scan_report_match(r, i);
        ck_assert_ptr_nonnull(m);
        const char *base = strstr(r->path, "sample/");
        if (c->n_rows < 64)
            snprintf(c->rows[c->n_rows++], sizeof c->rows[0], "%s,%s,%u,%s,%s",
                     base ? base : r->path, m->algo, m->distance, m->variant, m->id);
        c->matches++;
    }
    ck_assert_ptr_null(phash_scan_report_match(r, r->n_matches));
    for (size_t i = 0; i < r->n_hashes && c->n_hashes < 8; i++) {
        const phash_scan_hash *h = phash_scan_report_hash(r, i);
        snprintf(c->first_hash[c->n_hashes++], sizeof c->first_hash[0], "%s:%s:%s:%d", h->algo,
                 h->variant, h->hex, h->quality);
    }
    return c->stop_after && c->files >= c->stop_after;
}

static int by_str(const void *a, const void *b) { return strcmp(a, b); }

static phash_matcher *sample_matcher(void)
{
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_ptr_nonnull(set);
    phash_sigset_report rep;
    ck_assert_int_eq(phash_sigset_load_file(set, source_path("sample/signatures.csv"), &rep),
                     PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(phash_matcher_use(m, set), PHASH_OK);
    return m;
}

static phash_scanner *new_scanner(const phash_matcher *m)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_ptr_nonnull(s);
    if (m)
        ck_assert_int_eq(phash_scanner_set_matcher(s, m), PHASH_OK);
    return s;
}

/* A scanner that hashes the image only as it is: no dihedral hashes, no
 * views (both on by default). */
static phash_scanner *plain_scanner(const phash_matcher *m)
{
    phash_scanner *s = new_scanner(m);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_DIHEDRAL), 1);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_EXPAND),
                     PHASH_VIEW_BORDER | PHASH_VIEW_EMBEDDED);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_DIHEDRAL, 0), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_EXPAND, 0), PHASH_OK);
    return s;
}

/* The README's 29 matches of the sample folder (phash scan sample), decided
 * per list entry by the default alert policy: o0008/caption.jpg alerts on
 * pHash 4 with PDQ agreeing at 34 (both records listed); o0006/caption.jpg
 * (pHash 4, an entry with no PDQ hash) is weak and not reported; the turned
 * and mirrored copies match through PDQ's dihedral hashes (on by default). */
static const char *const sample_rows[] = {
    "sample/originals/o0002.webp,pdq,0,orig,SAMPLE-0002",
    "sample/originals/o0002.webp,phash,0,orig,SAMPLE-0002",
    "sample/originals/o0003.png,pdq,0,orig,SAMPLE-0003",
    "sample/originals/o0006.webp,phash,0,orig,SAMPLE-0006",
    "sample/originals/o0008.jpg,pdq,0,orig,SAMPLE-0008",
    "sample/originals/o0008.jpg,phash,0,orig,SAMPLE-0008",
    "sample/variants/o0002/caption.jpg,pdq,12,orig,SAMPLE-0002",
    "sample/variants/o0002/caption.jpg,phash,2,orig,SAMPLE-0002",
    "sample/variants/o0002/jpeg_q30.jpg,pdq,2,orig,SAMPLE-0002",
    "sample/variants/o0002/jpeg_q30.jpg,phash,0,orig,SAMPLE-0002",
    "sample/variants/o0002/mirror.jpg,pdq,2,flipy,SAMPLE-0002",
    "sample/variants/o0002/rot90.jpg,pdq,2,rot90,SAMPLE-0002",
    "sample/variants/o0002/scale50.jpg,pdq,20,orig,SAMPLE-0002",
    "sample/variants/o0002/scale50.jpg,phash,4,orig,SAMPLE-0002",
    "sample/variants/o0003/caption.jpg,pdq,18,orig,SAMPLE-0003",
    "sample/variants/o0003/jpeg_q30.jpg,pdq,4,orig,SAMPLE-0003",
    "sample/variants/o0003/mirror.jpg,pdq,0,flipy,SAMPLE-0003",
    "sample/variants/o0003/rot90.jpg,pdq,0,rot90,SAMPLE-0003",
    "sample/variants/o0003/scale50.jpg,pdq,18,orig,SAMPLE-0003",
    "sample/variants/o0006/jpeg_q30.jpg,phash,0,orig,SAMPLE-0006",
    "sample/variants/o0006/scale50.jpg,phash,0,orig,SAMPLE-0006",
    "sample/variants/o0008/caption.jpg,pdq,34,orig,SAMPLE-0008",
    "sample/variants/o0008/caption.jpg,phash,4,orig,SAMPLE-0008",
    "sample/variants/o0008/jpeg_q30.jpg,pdq,4,orig,SAMPLE-0008",
    "sample/variants/o0008/jpeg_q30.jpg,phash,0,orig,SAMPLE-0008",
    "sample/variants/o0008/mirror.jpg,pdq,0,flipy,SAMPLE-0008",
    "sample/variants/o0008/rot90.jpg,pdq,0,rot90,SAMPLE-0008",
    "sample/variants/o0008/scale50.jpg,pdq,12,orig,SAMPLE-0008",
    "sample/variants/o0008/scale50.jpg,phash,4,orig,SAMPLE-0008",
};
#define N_SAMPLE_ROWS (sizeof sample_rows / sizeof sample_rows[0])

static void scan_sample_with(unsigned threads)
{
    phash_matcher *m = sample_matcher();
    phash_scanner *s = new_scanner(m);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, threads), PHASH_OK);
    collected c = {0};
    char root[4096];
    snprintf(root, sizeof root, "%s", source_path("sample"));
    const char *paths[] = {root};
    ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, collect, &c), PHASH_OK);
    ck_assert_int_eq(c.matches, (int)N_SAMPLE_ROWS);
    qsort(c.rows, (size_t)c.n_rows, sizeof c.rows[0], by_str);
    for (size_t i = 0; i < N_SAMPLE_ROWS; i++)
        ck_assert_str_eq(c.rows[i], sample_rows[i]);
    /* 56 images, 5 other files (README, csv, json), every one opened once
     * and every byte of an image read once. */
    ck_assert_int_eq(c.files, 61);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FILES), 61);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MEDIA), 56);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_NOT_MEDIA), 5);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FILES_OPENED), 61);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MATCHES), N_SAMPLE_ROWS);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MATCHED_FILES), 21);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_ERRORS), 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FOLDERS), 11);
    ck_assert_int_eq(c.errors, 0);
    phash_scanner_free(s);
    phash_matcher_free(m);
}

START_TEST(sample_folder_exact_match_set)
{
    scan_sample_with(1);
}
END_TEST

START_TEST(sample_folder_two_threads_same_set)
{
    scan_sample_with(2);
}
END_TEST

static size_t file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (size_t)st.st_size;
}

/* Each image byte is read once: bytes read = the size of the images plus
 * at most the 64 KiB head of each other file. */
START_TEST(every_byte_read_once)
{
    phash_scanner *s = new_scanner(NULL);
    collected c = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s", source_path("sample/originals/o0001.jpg"));
    ck_assert_int_eq(phash_scanner_scan_file(s, path, collect, &c), PHASH_OK);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FILES_OPENED), 1);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_BYTES_READ), file_size(path));
    phash_scanner_free(s);
}
END_TEST

/* Hashes in the report are the hashers' own, in algorithm order. */
START_TEST(reported_hashes_equal_hashers)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", source_path("sample/originals/o0008.jpg"));
    phash_pdq_hasher *ph = NULL;
    ck_assert_int_eq(phash_pdq_hasher_new(&ph), PHASH_OK);
    phash_pdq_result pr;
    ck_assert_int_eq(phash_pdq_hash_file(ph, NULL, path, 0, &pr), PHASH_OK);
    char pdq_hex[65];
    phash_pdq_to_hex(&pr.hash, pdq_hex);
    phash_dct_hasher *dh = NULL;
    ck_assert_int_eq(phash_dct_hasher_new(&dh), PHASH_OK);
    phash_dct_result dr;
    ck_assert_int_eq(phash_dct_hash_file(dh, path, &dr), PHASH_OK);
    char ph_hex[21];
    phash_u64_format(dr.hash, PHASH_U64_HEX, ph_hex);

    phash_scanner *s = plain_scanner(NULL);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "phash,pdq,dct256"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, 1), PHASH_OK);
    collected c = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, path, collect, &c), PHASH_OK);
    ck_assert_int_eq(c.n_hashes, 3);
    char want[96];
    snprintf(want, sizeof want, "phash:orig:%s:%d", ph_hex, dr.quality);
    ck_assert_str_eq(c.first_hash[0], want);
    snprintf(want, sizeof want, "pdq:orig:%s:%d", pdq_hex, pr.quality);
    ck_assert_str_eq(c.first_hash[1], want);
    ck_assert_int_eq(strncmp(c.first_hash[2], "dct256:orig:", 12), 0);
    /* the published hash of this sample photo (sample/signatures.csv) */
    ck_assert_str_eq(pdq_hex, "27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29");

    /* The same from memory, with the 8 dihedral variants. */
    FILE *f = fopen(path, "rb");
    size_t n = file_size(path);
    unsigned char *buf = malloc(n);
    ck_assert_uint_eq(fread(buf, 1, n, f), n);
    fclose(f);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "pdq"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_DIHEDRAL, 1), PHASH_OK);
    collected d = {0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, buf, n, "mem.jpg", collect, &d), PHASH_OK);
    ck_assert_int_eq(d.n_hashes, 8);
    snprintf(want, sizeof want, "pdq:orig:%s:%d", pdq_hex, pr.quality);
    ck_assert_str_eq(d.first_hash[0], want);
    ck_assert_msg(!strncmp(d.first_hash[1], "pdq:rot90:", 10), 0);
    free(buf);
    phash_scanner_free(s);
    phash_dct_hasher_free(dh);
    phash_pdq_hasher_free(ph);
}
END_TEST

/* A FIFO is never opened (opening one for reading would block), a folder
 * given as a file is refused, a missing file is an I/O error with errno. */
START_TEST(special_files_never_opened)
{
    char dir[] = "/tmp/phash-scan-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char fifo[4200];
    snprintf(fifo, sizeof fifo, "%s/pipe.jpg", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    phash_scanner *s = new_scanner(NULL);
    collected c = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, fifo, collect, &c), PHASH_OK);
    ck_assert_int_eq(c.first_status, PHASH_ERR_NOT_REGULAR);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FILES_OPENED), 0);
    /* In a folder walk it is counted and skipped, without a report. */
    collected w = {0};
    const char *paths[] = {dir};
    ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, collect, &w), PHASH_OK);
    ck_assert_int_eq(w.files, 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_SPECIAL), 2);
    collected d = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, dir, collect, &d), PHASH_OK);
    ck_assert_int_eq(d.first_status, PHASH_ERR_NOT_REGULAR);
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/missing.jpg", dir);
    collected e = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, missing, collect, &e), PHASH_OK);
    ck_assert_int_eq(e.first_status, PHASH_ERR_IO);
    unlink(fifo);
    rmdir(dir);
    phash_scanner_free(s);
}
END_TEST

START_TEST(callback_cancels)
{
    phash_scanner *s = new_scanner(NULL);
    collected c = {.stop_after = 3};
    char root[4096];
    snprintf(root, sizeof root, "%s", source_path("sample"));
    const char *paths[] = {root};
    ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, collect, &c), PHASH_ERR_CANCELLED);
    ck_assert_int_eq(c.files, 3);
    /* The next scan starts uncancelled. */
    collected d = {0};
    ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, collect, &d), PHASH_OK);
    ck_assert_int_eq(d.files, 61);
    phash_scanner_free(s);
}
END_TEST

START_TEST(configuration_errors)
{
    phash_scanner *s = new_scanner(NULL);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "pdq,md4"), PHASH_ERR_NOT_FOUND);
    ck_assert_str_eq(phash_scanner_last_error(s), "unknown hash algorithm 'md4'");
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "pdq,,phash"), PHASH_ERR_NOT_FOUND);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, 0), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, 257), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_option(s, (phash_scan_option)99, 1), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_PHASH, 65), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_rate(s, -1), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_THREADS), 1);
    ck_assert_int_eq(phash_scanner_get_option(s, (phash_scan_option)99), -1);
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_ERR_STATE);
    ck_assert_int_eq(phash_scanner_submit(s, "x"), PHASH_ERR_STATE);
    ck_assert_int_eq(phash_scanner_new(NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_str_eq(phash_scan_algorithm_name(0, NULL), "pdq");
    ck_assert_ptr_null(phash_scan_algorithm_name(1000, NULL));
    phash_scanner_free(s);
    phash_scanner_free(NULL);
}
END_TEST

/* Not an image: reported as kind "other" with nothing computed; an empty
 * buffer too. A corrupt JPEG: the decoder's status and detail. */
START_TEST(other_and_corrupt_inputs)
{
    phash_scanner *s = new_scanner(NULL);
    collected c = {0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, "hello", 5, NULL, collect, &c), PHASH_OK);
    ck_assert_int_eq(c.not_media, 1);
    ck_assert_int_eq(phash_scanner_scan_memory(s, NULL, 0, NULL, collect, &c), PHASH_OK);
    ck_assert_int_eq(c.not_media, 2);
    static const unsigned char bad_jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F'};
    collected d = {0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, bad_jpeg, sizeof bad_jpeg, "bad.jpg", collect, &d),
                     PHASH_OK);
    ck_assert_int_eq(d.first_status, PHASH_ERR_TRUNCATED);
    phash_scanner_free(s);
}
END_TEST

/* A known photo inside a wide black frame (a lossless PNM made here) does
 * not match as it is; with PHASH_SCAN_OPT_EXPAND the border view is the
 * photo's exact pixels: PDQ and pHash at distance 0, reported as "border". */
/* A sample photo inside a flat frame of `fill`, pad_x pixels left and right
 * and pad_y above and below, as a lossless PNM (malloc'd, *n bytes). */
static unsigned char *framed_pnm(const char *photo, uint32_t pad_x, uint32_t pad_y,
                                 unsigned char fill, size_t *n)
{
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_file(dec, source_path(photo), &img), PHASH_OK);
    ck_assert_uint_eq(phash_image_channels(img), 3);
    uint32_t w = phash_image_width(img), h = phash_image_height(img);
    uint32_t W = w + 2 * pad_x, H = h + 2 * pad_y;
    char head[64];
    int hl = snprintf(head, sizeof head, "P6\n%u %u\n255\n", W, H);
    *n = (size_t)hl + (size_t)W * H * 3;
    unsigned char *pnm = malloc(*n);
    memcpy(pnm, head, (size_t)hl);
    memset(pnm + hl, fill, *n - (size_t)hl);
    for (uint32_t y = 0; y < h; y++)
        memcpy(pnm + hl + ((size_t)(y + pad_y) * W + pad_x) * 3,
               phash_image_pixels(img) + (size_t)y * phash_image_stride(img), (size_t)w * 3);
    phash_decoder_free(dec);
    return pnm;
}

START_TEST(border_view_matches_exactly)
{
    size_t n;
    unsigned char *pnm = framed_pnm("sample/originals/o0008.jpg", 200, 200, 0, &n);
    phash_matcher *m = sample_matcher();
    phash_scanner *s = plain_scanner(m);
    collected plain = {0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, pnm, n, "framed.pnm", collect, &plain), PHASH_OK);
    for (int i = 0; i < plain.n_rows; i++)
        ck_assert_msg(!strstr(plain.rows[i], ",0,orig,SAMPLE-0008"), "%s", plain.rows[i]);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_EXPAND, PHASH_VIEW_BORDER), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, 1), PHASH_OK);
    collected c = {0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, pnm, n, "framed.pnm", collect, &c), PHASH_OK);
    ck_assert_int_eq(c.matches, 2);
    qsort(c.rows, (size_t)c.n_rows, sizeof c.rows[0], by_str);
    ck_assert_str_eq(c.rows[0], "framed.pnm,pdq,0,orig,SAMPLE-0008");
    ck_assert_str_eq(c.rows[1], "framed.pnm,phash,0,orig,SAMPLE-0008");
    ck_assert_int_eq(c.n_hashes, 4); /* pdq and phash of the image and of its border view */
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_EXPAND, 8), PHASH_ERR_INVALID_ARG);
    free(pnm);
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

/* The view is reported with each match. */
static int check_views(void *ctx, const phash_scan_report *r)
{
    int *border = ctx;
    for (size_t i = 0; i < r->n_matches; i++)
        *border += !strcmp(phash_scan_report_match(r, i)->view, "border");
    for (size_t i = 0; i < r->n_hashes; i++)
        ck_assert_ptr_nonnull(phash_scan_report_hash(r, i)->view);
    return 0;
}

START_TEST(border_view_named_in_matches)
{
    size_t n; /* letterbox: white bars above and below */
    unsigned char *pnm = framed_pnm("sample/originals/o0003.png", 0, 150, 255, &n);
    phash_matcher *m = sample_matcher();
    phash_scanner *s = new_scanner(m);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_EXPAND, PHASH_VIEW_ALL_EXPANSIONS),
                     PHASH_OK);
    int border = 0;
    ck_assert_int_eq(phash_scanner_scan_memory(s, pnm, n, "letterbox.pnm", check_views, &border),
                     PHASH_OK);
    ck_assert_int_ge(border, 1);
    free(pnm);
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

static void md5_hex_of(const void *data, size_t len, char *hex)
{
    phash_digest_result r;
    ck_assert_int_eq(phash_digest_buffer(PHASH_DIGEST_MD5, data, len, &r), PHASH_OK);
    ck_assert_int_eq(phash_digest_to_hex(&r, PHASH_DIGEST_MD5, hex), PHASH_OK);
}

/* Decode-only mode (phash info) reads only the head of a file that is not an
 * image: a 3 MiB MP4 (an ftyp box, then zeros) is answered from 64 KiB. */
START_TEST(decode_only_reads_the_head_of_non_images)
{
    char path[] = "/tmp/phash-scan-mp4-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    static const unsigned char ftyp[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm',
                                         0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
    ck_assert_int_eq(write(fd, ftyp, sizeof ftyp), (ssize_t)sizeof ftyp);
    ck_assert_int_eq(ftruncate(fd, (off_t)3 << 20), 0);
    close(fd);
    phash_scanner *s = new_scanner(NULL);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "none"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_DECODE_ALL, 1), PHASH_OK);
    collected c = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, path, collect, &c), PHASH_OK);
    ck_assert_int_eq(c.first_status, PHASH_ERR_NOT_IMAGE);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_BYTES_READ), 65536);
    phash_scanner_free(s);
    unlink(path);
}
END_TEST

/* Digests come from the one read: a 3 MiB file of no media kind is read
 * once through a window (bytes read = its size), and a known photo padded
 * with 2 MiB of zeros past max_read (1 MiB) still decodes to its own PDQ
 * hash while its MD5 covers every byte. */
START_TEST(digests_from_the_one_read)
{
    char dir[] = "/tmp/phash-scan-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char text[4200], padded[4200];
    snprintf(text, sizeof text, "%s/big.txt", dir);
    snprintf(padded, sizeof padded, "%s/padded.jpg", dir);
    size_t tn = (size_t)3 << 20;
    char *tb = malloc(tn);
    for (size_t i = 0; i < tn; i++)
        tb[i] = (char)('a' + i % 26);
    FILE *f = fopen(text, "wb");
    ck_assert_uint_eq(fwrite(tb, 1, tn, f), tn);
    fclose(f);
    char want[PHASH_DIGEST_HEX_MAX];
    md5_hex_of(tb, tn, want);

    phash_scanner *s = plain_scanner(NULL);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "md5,pdq"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, 1), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_READ, 1 << 20), PHASH_OK);
    collected c = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, text, collect, &c), PHASH_OK);
    ck_assert_int_eq(c.n_hashes, 1);
    char expect[128];
    snprintf(expect, sizeof expect, "md5:orig:%s:-1", want);
    ck_assert_str_eq(c.first_hash[0], expect);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_BYTES_READ), tn);

    /* the photo, padded */
    const char *photo = source_path("sample/originals/o0008.jpg");
    size_t pn = file_size(photo), total = pn + ((size_t)2 << 20);
    unsigned char *pb = calloc(1, total);
    f = fopen(photo, "rb");
    ck_assert_uint_eq(fread(pb, 1, pn, f), pn);
    fclose(f);
    f = fopen(padded, "wb");
    ck_assert_uint_eq(fwrite(pb, 1, total, f), total);
    fclose(f);
    md5_hex_of(pb, total, want);
    phash_scanner_reset_counters(s);
    collected d = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, padded, collect, &d), PHASH_OK);
    ck_assert_int_eq(d.first_status, PHASH_OK);
    ck_assert_int_eq(d.n_hashes, 2);
    snprintf(expect, sizeof expect, "md5:orig:%s:-1", want);
    ck_assert_str_eq(d.first_hash[0], expect);
    ck_assert_msg(!strncmp(d.first_hash[1],
        "pdq:orig:27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29:", 74), "%s", d.first_hash[1]);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_BYTES_READ), total);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FILES_OPENED), 1);
    unlink(text);
    unlink(padded);
    rmdir(dir);
    free(tb);
    free(pb);
    phash_scanner_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scan");
    TCase *tc = tcase_create("scan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sample_folder_exact_match_set);
    tcase_add_test(tc, sample_folder_two_threads_same_set);
    tcase_add_test(tc, every_byte_read_once);
    tcase_add_test(tc, reported_hashes_equal_hashers);
    tcase_add_test(tc, special_files_never_opened);
    tcase_add_test(tc, callback_cancels);
    tcase_add_test(tc, configuration_errors);
    tcase_add_test(tc, other_and_corrupt_inputs);
    tcase_add_test(tc, border_view_matches_exactly);
    tcase_add_test(tc, digests_from_the_one_read);
    tcase_add_test(tc, decode_only_reads_the_head_of_non_images);
    tcase_add_test(tc, border_view_named_in_matches);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
