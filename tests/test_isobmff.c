/* SPDX-License-Identifier: MIT */
/* The ISOBMFF box reader of HEIF/AVIF (lib/decode/isobmff.c): the primary
 * item, its transformations and grid layout from real files and from the
 * edited files of tests/data/isobmff (tests/make_isobmff_samples.py);
 * hostile boxes (sizes past their parent, cut files, too many
 * properties); the orientation of every irot/imir combination; and the
 * grids the HEIF decoder refuses before decoding (issue 17). No codec
 * decodes here: suite 'c'. */
#include <check.h>

#include "decode/isobmff.h"
#include "decode_testlib.h"

static uint8_t *load(const char *rel, size_t *len)
{
    return read_file_bytes(source_path(rel), len);
}

static phash_status read_rel(const char *rel, ph_bmff_image *img, char *why, size_t n)
{
    size_t len;
    uint8_t *data = load(rel, &len);
    phash_status st = ph_bmff_read(data, len, img, why, n);
    free(data);
    return st;
}

START_TEST(reads_samples)
{
    ph_bmff_image img;
    char why[200];
    /* ImageMagick's HEIC: a 1x1 grid (item 2) of one 96x64 tile shown as 96x60. */
    ck_assert_int_eq(read_rel("tests/data/containers/sample.heic", &img, why, sizeof why), PHASH_OK);
    ck_assert(img.has_meta && img.primary_id == 2);
    ck_assert_uint_eq(img.item_type, PH_FOURCC('g', 'r', 'i', 'd'));
    ck_assert(img.width == 96 && img.height == 60 && img.n_transforms == 0);
    ck_assert(img.grid_rows == 1 && img.grid_cols == 1 && img.grid_width == 96 &&
              img.grid_height == 60);
    ck_assert(img.tile_count == 1 && img.tile_width == 96 && img.tile_height == 64);
    ck_assert_uint_eq(img.tile_pixels, 96 * 64);
    ck_assert_int_eq(ph_bmff_orientation(&img), 1);
    /* libavif's AVIF: one av01 item, no grid. */
    ck_assert_int_eq(read_rel("tests/data/containers/sample.avif", &img, why, sizeof why), PHASH_OK);
    ck_assert(img.primary_id == 1 && img.item_type == PH_FOURCC('a', 'v', '0', '1'));
    ck_assert(img.width == 96 && img.height == 60 && img.tile_count == 0 && img.grid_rows == 0);
    /* clap then irot, in ipma's order. */
    ck_assert_int_eq(read_rel("tests/data/isobmff/sample-clap-rot1.heic", &img, why, sizeof why),
                     PHASH_OK);
    ck_assert_uint_eq(img.n_transforms, 2);
    ck_assert_uint_eq(img.transforms[0].type, PH_FOURCC('c', 'l', 'a', 'p'));
    ck_assert_uint_eq(img.transforms[1].type, PH_FOURCC('i', 'r', 'o', 't'));
    ck_assert_uint_eq(img.transforms[1].value, 1);
    ck_assert(ph_bmff_has_crop(&img) && ph_bmff_orientation(&img) == 8);
    /* The grid of 64x64 references (of one tile item). */
    ck_assert_int_eq(read_rel("tests/data/isobmff/grid-many.heic", &img, why, sizeof why), PHASH_OK);
    ck_assert(img.grid_rows == 64 && img.grid_cols == 64 && img.tile_count == 4096);
    ck_assert_uint_eq(img.tile_pixels, 4096ull * 96 * 64);
}
END_TEST

/* irot (quarter turns anti-clockwise) then imir (0: top and bottom
 * exchanged, 1: left and right, as libheif 1.15 applies it; checked
 * against libheif's pixels in test_decode_codecs) as EXIF orientations. */
START_TEST(orientation_of_transforms)
{
    static const int want[4][3] = {{1, 4, 2}, {8, 5, 7}, {3, 2, 4}, {6, 7, 5}}; /* [irot][none, imir 0, imir 1] */
    for (int r = 0; r < 4; r++)
        for (int m = 0; m < 3; m++) {
            ph_bmff_image img = {0};
            img.transforms[img.n_transforms++] = (ph_bmff_transform){PH_FOURCC('i', 'r', 'o', 't'), (uint8_t)r};
            if (m)
                img.transforms[img.n_transforms++] =
                    (ph_bmff_transform){PH_FOURCC('i', 'm', 'i', 'r'), (uint8_t)(m - 1)};
            ck_assert_msg(ph_bmff_orientation(&img) == want[r][m], "irot %d imir %d: %d", r, m - 1,
                          ph_bmff_orientation(&img));
        }
    /* imir before irot is another display: mirror top-bottom, then turn. */
    ph_bmff_image img = {0};
    img.n_transforms = 2;
    img.transforms[0] = (ph_bmff_transform){PH_FOURCC('i', 'm', 'i', 'r'), 0};
    img.transforms[1] = (ph_bmff_transform){PH_FOURCC('i', 'r', 'o', 't'), 1};
    ck_assert_int_eq(ph_bmff_orientation(&img), 7);
}
END_TEST

/* Grids whose tiles contradict their output, refused with the numbers. */
START_TEST(grid_contradictions)
{
    static const struct {
        const char *file, *why;
    } c[] = {
        {"grid-smalltile.heic", "1x1 tiles of 64x64 contradict the grid's output of 96x60"},
        {"grid-extracol.heic", "2x1 tiles of 96x64 contradict the grid's output of 96x60"},
        {"grid-fewrefs.heic", "grid of 2x2 tiles with 1 tile references"},
        /* The tile's SPS (hvcC) codes 96x64: an ispe of 16x16 is a lie
         * that libheif 1.15 would decode past (it does not compare them). */
        {"grid-tile-ispe-lie.heic", "item 1: its HEVC stream codes 96x64 pixels, its 'ispe' says 16x16"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char rel[128], why[200];
        snprintf(rel, sizeof rel, "tests/data/isobmff/%s", c[i].file);
        ph_bmff_image img;
        ck_assert_int_eq(read_rel(rel, &img, why, sizeof why), PHASH_ERR_CORRUPT);
        ck_assert_str_eq(why, c[i].why);
    }
}
END_TEST

/* ---- hostile boxes ------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static size_t find_box(const uint8_t *d, size_t len, const char *type)
{
    for (size_t i = 4; i + 4 <= len; i++)
        if (!memcmp(d + i, type, 4))
            return i - 4;
    ck_abort_msg("no %s box", type);
    return 0;
}

START_TEST(sizes_checked_against_parent)
{
    size_t len;
    uint8_t *d = load("tests/data/containers/sample.heic", &len);
    ph_bmff_image img;
    char why[200];
    /* ipco claims 1000 bytes more than iprp holds. */
    size_t at = find_box(d, len, "ipco");
    uint32_t size = (uint32_t)d[at] << 24 | (uint32_t)d[at + 1] << 16 | (uint32_t)d[at + 2] << 8 | d[at + 3];
    put32(d + at, size + 1000);
    ck_assert_int_eq(ph_bmff_read(d, len, &img, why, sizeof why), PHASH_ERR_CORRUPT);
    ck_assert_str_eq(why, "'ipco' box of 1179 bytes goes past its parent (205 bytes left)");
    put32(d + at, 4); /* shorter than its own header */
    ck_assert_int_eq(ph_bmff_read(d, len, &img, why, sizeof why), PHASH_ERR_CORRUPT);
    ck_assert_str_eq(why, "'ipco' box of 4 bytes is shorter than its header");
    put32(d + at, size);
    /* A 64-bit size past the end of the file. */
    at = find_box(d, len, "meta");
    memcpy(d + at, "\0\0\0\1", 4);
    ck_assert_int_eq(ph_bmff_read(d, len, &img, why, sizeof why), PHASH_ERR_CORRUPT);
    /* A property index past ipco's children. */
    free(d);
    d = load("tests/data/containers/sample.heic", &len);
    at = find_box(d, len, "ipma");
    d[at + 8 + 8 + 3] = 0x85; /* item 1's first association: property 5 of 4 */
    ck_assert_int_eq(ph_bmff_read(d, len, &img, why, sizeof why), PHASH_ERR_CORRUPT);
    ck_assert_str_eq(why, "item 1 names property 5 of 4");
    free(d);
}
END_TEST

/* Every cut of the file: truncated or corrupt before the end of meta (or,
 * cut right after ftyp, a file without meta, as an image sequence is), the
 * same reading as the whole file after it (the reader needs no mdat). */
START_TEST(every_cut)
{
    size_t len;
    uint8_t *d = load("tests/data/isobmff/sample-clap-rot1.heic", &len);
    size_t meta_end = find_box(d, len, "mdat");
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, d, cut);
        ph_bmff_image img;
        char why[200];
        phash_status st = ph_bmff_read(copy, cut, &img, why, sizeof why);
        if (cut < meta_end)
            ck_assert_msg(st == PHASH_ERR_TRUNCATED || st == PHASH_ERR_CORRUPT ||
                              (st == PHASH_OK && !img.has_meta && cut == 24),
                          "cut %zu: %d", cut, st);
        else
            ck_assert_msg(st == PHASH_OK && img.n_transforms == 2, "cut %zu: %s", cut, why);
        free(copy);
    }
    free(d);
}
END_TEST

/* A synthetic file: ftyp, then meta holding pitm, iinf (one grid item),
 * iprp with n empty properties. */
static uint8_t *many_properties(uint32_t n, size_t *len)
{
    size_t ipco = 8 + (size_t)n * 8, iprp = 8 + ipco + 16, meta = 12 + 14 + 35 + iprp;
    *len = 16 + meta;
    uint8_t *d = calloc(1, *len), *p = d;
    put32(p, 16), memcpy(p + 4, "ftypheic", 8), p += 16;
    put32(p, (uint32_t)meta), memcpy(p + 4, "meta", 4), p += 12;
    put32(p, 14), memcpy(p + 4, "pitm", 4), p[13] = 1, p += 14;
    put32(p, 35), memcpy(p + 4, "iinf", 4), p[13] = 1, p += 14;
    put32(p, 21), memcpy(p + 4, "infe", 4), p[8] = 2, p[13] = 1, memcpy(p + 16, "hvc1", 4), p += 21;
    put32(p, (uint32_t)iprp), memcpy(p + 4, "iprp", 4), p += 8;
    put32(p, (uint32_t)ipco), memcpy(p + 4, "ipco", 4), p += 8;
    for (uint32_t i = 0; i < n; i++, p += 8)
        put32(p, 8), memcpy(p + 4, "free", 4);
    put32(p, 16), memcpy(p + 4, "ipma", 4);
    return d;
}

START_TEST(property_count_bounded)
{
    size_t len;
    ph_bmff_image img;
    char why[200];
    uint8_t *d = many_properties(PH_BMFF_MAX_PROPS, &len);
    ck_assert_int_eq(ph_bmff_read(d, len, &img, why, sizeof why), PHASH_OK);
    ck_assert(img.primary_id == 1 && img.item_type == PH_FOURCC('h', 'v', 'c', '1'));
    free(d);
    d = many_properties(PH_BMFF_MAX_PROPS + 1, &len);
    ck_assert_int_eq(ph_bmff_read(d, len, &img, why, sizeof why), PHASH_ERR_TOO_LARGE);
    ck_assert_str_eq(why, "more than 32767 item properties");
    free(d);
    /* Not ISOBMFF at all, and nothing. */
    ck_assert_int_eq(ph_bmff_read((const uint8_t *)"\0\0\0\x10moovxxxxxxxx", 16, &img, why, sizeof why),
                     PHASH_ERR_CORRUPT);
    ck_assert_str_eq(why, "the first box is not 'ftyp'");
    ck_assert_int_eq(ph_bmff_read(NULL, 0, &img, why, sizeof why), PHASH_ERR_TRUNCATED);
}
END_TEST

/* The HEIF decoder counts a grid's tiles against the work budget before
 * decoding (one 8000x8000 tile behind a 96x60 output: 128 million units),
 * and refuses contradicting grids. */
START_TEST(heif_grid_refused_before_decoding)
{
    if (!PH_HAVE_HEIF)
        return;
    const char *detail;
    size_t len;
    uint8_t *d = load("tests/data/isobmff/grid-bigtile.heic", &len);
    ck_assert_int_eq(decode_status(d, len, &detail), PHASH_ERR_BUDGET);
    ck_assert_str_eq(detail, "HEIF: a grid of 1 tile (up to 8000x8000) is 128000000 units of "
                             "decoding work (2 a pixel), over the work budget of 100000000 "
                             "(refused before decoding)");
    free(d);
    /* An overlay ('iovl') decodes every image it references, counted alike. */
    ph_bmff_image img;
    char why[200];
    ck_assert_int_eq(read_rel("tests/data/isobmff/overlay.heic", &img, why, sizeof why), PHASH_OK);
    ck_assert(img.tile_count == 1 && img.tile_pixels == 96 * 64 && img.grid_rows == 0);
    d = load("tests/data/isobmff/overlay.heic", &len);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *out;
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 12287), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, d, len, &out), PHASH_ERR_BUDGET);
    ck_assert_str_eq(phash_decoder_last_error(dec),
                     "HEIF: an overlay of 1 image (up to 96x64) is 12288 units of decoding work "
                     "(2 a pixel), over the work budget of 12287 (refused before decoding)");
    phash_decoder_free(dec);
    free(d);
    d = load("tests/data/isobmff/grid-extracol.heic", &len);
    ck_assert_int_eq(decode_status(d, len, &detail), PHASH_ERR_CORRUPT);
    ck_assert_str_eq(detail, "HEIF: 2x1 tiles of 96x64 contradict the grid's output of 96x60");
    free(d);
}
END_TEST

/* libavif 0.11 decodes what the AV1 stream codes whatever the ispe says
 * (the av1C of libavif's files holds no sequence header to compare): the
 * work budget is passed into dav1d as its frame size limit, so a 96x60
 * frame behind an ispe of 16x16 is refused under a budget of 5,759 units
 * and decoded at 5,760. */
START_TEST(avif_frame_within_budget)
{
    if (!PH_HAVE_AVIF)
        return;
    size_t len;
    uint8_t *d = load("tests/data/isobmff/sample-ispe-lie.avif", &len);
    phash_decoder *dec = NULL;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 5759), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, d, len, &img), PHASH_ERR_CORRUPT);
    ck_assert_int_eq(phash_decoder_set_option(dec, PHASH_DECODE_MAX_WORK, 5760), PHASH_OK);
    ck_assert_int_eq(phash_decode_memory(dec, d, len, &img), PHASH_OK);
    phash_decoder_free(dec);
    free(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("isobmff");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reads_samples);
    tcase_add_test(tc, orientation_of_transforms);
    tcase_add_test(tc, grid_contradictions);
    tcase_add_test(tc, sizes_checked_against_parent);
    tcase_add_test(tc, every_cut);
    tcase_add_test(tc, property_count_bounded);
    tcase_add_test(tc, heif_grid_refused_before_decoding);
    tcase_add_test(tc, avif_frame_within_budget);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
