/* SPDX-License-Identifier: MIT */
/* Every public function that takes a path refuses special files without
 * opening them for I/O. A named pipe with no writer is the sharp case: an
 * ordinary open() or fopen() of it blocks forever, so a function that
 * opens before checking hangs here and the case fails by its timeout. The
 * same for writers: a FIFO with no reader blocks fopen("w"). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phash/dct.h"
#include "phash/digest.h"
#include "phash/image.h"
#include "phash/index.h"
#include "phash/pdq.h"
#include "phash/sigset.h"
#include "phash/state.h"
#include "phash/video.h"
#include "testutil.h"

static char g_dir[256];
static char g_fifo[300];

static void make_fifo(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/phash-special-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(g_dir));
    snprintf(g_fifo, sizeof g_fifo, "%s/pipe.jpg", g_dir);
    ck_assert_int_eq(mkfifo(g_fifo, 0600), 0);
}

static void remove_fifo(void)
{
    unlink(g_fifo);
    rmdir(g_dir);
}

/* The FIFO is still a FIFO afterwards (nothing replaced it). */
static void assert_still_fifo(void)
{
    struct stat st;
    ck_assert_int_eq(lstat(g_fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
}

START_TEST(decoder_refuses_fifo)
{
    phash_decoder *dec;
    ck_assert_int_eq(phash_decoder_new(&dec), PHASH_OK);
    const phash_image *img;
    ck_assert_int_eq(phash_decode_file(dec, g_fifo, &img), PHASH_ERR_NOT_REGULAR);
    ck_assert_ptr_null(img);
    ck_assert_ptr_nonnull(strstr(phash_decoder_last_error(dec), "pipe.jpg"));
    phash_decoder_free(dec);
}
END_TEST

START_TEST(hashers_refuse_fifo)
{
    phash_pdq_hasher *pdq;
    ck_assert_int_eq(phash_pdq_hasher_new(&pdq), PHASH_OK);
    phash_pdq_result pr;
    ck_assert_int_eq(phash_pdq_hash_file(pdq, NULL, g_fifo, 0, &pr), PHASH_ERR_NOT_REGULAR);
    ck_assert_int_eq(phash_pdq_hasher_set_fast(pdq, 512), PHASH_OK); /* reads the head itself */
    ck_assert_int_eq(phash_pdq_hash_file(pdq, NULL, g_fifo, 0, &pr), PHASH_ERR_NOT_REGULAR);
    phash_pdq_hasher_free(pdq);

    phash_dct_hasher *dct;
    ck_assert_int_eq(phash_dct_hasher_new(&dct), PHASH_OK);
    phash_dct_result dr;
    ck_assert_int_eq(phash_dct_hash_file(dct, g_fifo, &dr), PHASH_ERR_NOT_REGULAR);
    phash_dct_hasher_free(dct);

    phash_dctn_hasher *dn;
    ck_assert_int_eq(phash_dctn_hasher_new(16, &dn), PHASH_OK);
    phash_dctn_result nr;
    ck_assert_int_eq(phash_dctn_hash_file(dn, g_fifo, &nr), PHASH_ERR_NOT_REGULAR);
    phash_dctn_hasher_free(dn);

    phash_digest *d;
    ck_assert_int_eq(phash_digest_new(PHASH_DIGEST_MD5, &d), PHASH_OK);
    phash_digest_result gr;
    ck_assert_int_ne(phash_digest_file(d, g_fifo, &gr), PHASH_OK);
    phash_digest_free(d);

    if (phash_video_supported()) {
        phash_video_hasher *v;
        ck_assert_int_eq(phash_video_hasher_new(&v), PHASH_OK);
        phash_vpdq_frame *frames = NULL;
        size_t n = 0;
        ck_assert_int_eq(phash_vpdq_hash_file(v, g_fifo, &frames, &n, NULL),
                         PHASH_ERR_NOT_REGULAR);
        ck_assert_ptr_null(frames);
        phash_video_hasher_free(v);
    }
}
END_TEST

START_TEST(lists_and_indexes_refuse_fifo)
{
    phash_sigset *set;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_int_ne(phash_sigset_load_file(set, g_fifo, NULL), PHASH_OK);
    phash_sigset_free(set);

    phash_sigset *opened = NULL;
    ck_assert_int_ne(phash_sigset_open(g_fifo, &opened, NULL), PHASH_OK);
    ck_assert_ptr_null(opened);
    ck_assert_int_eq(phash_sigset_file_is_compiled(g_fifo), 0);

    phash_matcher *m;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_ne(phash_matcher_open(m, g_fifo), PHASH_OK);
    phash_matcher_free(m);

    phash_index *ix = NULL;
    const char *detail = NULL;
    ck_assert_int_ne(phash_index_open(g_fifo, 0, &ix, &detail), PHASH_OK);
    ck_assert_ptr_null(ix);
}
END_TEST

START_TEST(state_refuses_fifo)
{
    phash_state *st;
    ck_assert_int_eq(phash_state_new(&st), PHASH_OK);
    ck_assert_int_ne(phash_state_open(st, g_fifo), PHASH_OK);
    phash_state_free(st);
    assert_still_fifo();
}
END_TEST

START_TEST(fftw_wisdom_refuses_fifo)
{
    ck_assert_int_eq(phash_dctn_fftw_import_wisdom(g_fifo), PHASH_ERR_NOT_REGULAR);
    ck_assert_int_eq(phash_dctn_fftw_export_wisdom(g_fifo), PHASH_ERR_NOT_REGULAR);
    assert_still_fifo();
}
END_TEST

/* Wisdom still round-trips through a regular file, written atomically. */
START_TEST(fftw_wisdom_round_trip)
{
    char path[300];
    snprintf(path, sizeof path, "%s/wisdom", g_dir);
    phash_dctn_hasher *dn;
    ck_assert_int_eq(phash_dctn_hasher_new(32, &dn), PHASH_OK);
    ck_assert_int_eq(phash_dctn_hasher_set_backend(dn, PHASH_DCTN_FFTW), PHASH_OK);
    static uint8_t grey[256 * 256];
    for (size_t i = 0; i < sizeof grey; i++)
        grey[i] = (uint8_t)(i * 7 + i / 256);
    phash_image *img;
    ck_assert_int_eq(phash_image_wrap(grey, 256, 256, 256, PHASH_PIXEL_GRAY8, &img), PHASH_OK);
    phash_dctn_result r;
    ck_assert_int_eq(phash_dctn_hash_image(dn, img, &r), PHASH_OK);
    phash_image_free(img);
    phash_dctn_hasher_free(dn);
    ck_assert_int_eq(phash_dctn_fftw_export_wisdom(path), PHASH_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_gt(st.st_size, 0);
    ck_assert_int_eq(phash_dctn_fftw_import_wisdom(path), PHASH_OK);
    char missing[320];
    snprintf(missing, sizeof missing, "%s/none", g_dir);
    ck_assert_int_eq(phash_dctn_fftw_import_wisdom(missing), PHASH_ERR_IO);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("special_files");
    TCase *tc = tcase_create("fifo");
    tcase_add_checked_fixture(tc, make_fifo, remove_fifo);
    tcase_set_timeout(tc, 20); /* a hang is the failure */
    tcase_add_test(tc, decoder_refuses_fifo);
    tcase_add_test(tc, hashers_refuse_fifo);
    tcase_add_test(tc, lists_and_indexes_refuse_fifo);
    tcase_add_test(tc, state_refuses_fifo);
    tcase_add_test(tc, fftw_wisdom_refuses_fifo);
    tcase_add_test(tc, fftw_wisdom_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
