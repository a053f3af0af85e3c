/* SPDX-License-Identifier: MIT */
/* The alert policy inside the scanner (lib/scan/match.c): decisions per list
 * entry on the sample photos, weak matches on request, the policy's options
 * and the signature's quality gate. Distances are those of sample/ (see
 * tests/test_scan.c and README.md). */
#include <stdio.h>
#include <string.h>

#include "phash/phash.h"
#include "testutil.h"

typedef struct rows {
    char row[16][96]; /* "algo,distance,id,level" in report order */
    int n;
} rows;

static int collect(void *ctx, const phash_scan_report *r)
{
    rows *c = ctx;
    ck_assert_int_eq(r->status, PHASH_OK);
    for (size_t i = 0; i < r->n_matches && c->n < 16; i++) {
        const phash_scan_match *m = phash_scan_report_match(r, i);
        snprintf(c->row[c->n++], sizeof c->row[0], "%s,%u,%s,%s", m->algo, m->distance, m->id,
                 phash_alert_level_name(m->level));
    }
    return 0;
}

static phash_matcher *matcher_of(const char *text, int keep_flagged)
{
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(set, PHASH_SIGSET_OPT_KEEP_FLAGGED, keep_flagged),
                     PHASH_OK);
    phash_sigset_report rep;
    if (text)
        ck_assert_int_eq(phash_sigset_load_memory(set, text, strlen(text), "list.csv", &rep),
                         PHASH_OK);
    else
        ck_assert_int_eq(phash_sigset_load_file(set, source_path("sample/signatures.csv"), &rep),
                         PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(m, set), PHASH_OK);
    return m;
}

static rows scan_one(phash_scanner *s, const char *rel)
{
    rows c = {0};
    ck_assert_int_eq(phash_scanner_scan_file(s, source_path(rel), collect, &c), PHASH_OK);
    return c;
}

static phash_scanner *scanner_for(const phash_matcher *m)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_matcher(s, m), PHASH_OK);
    return s;
}

#define CAPTION6 "sample/variants/o0006/caption.jpg" /* pHash 4; its entry has no PDQ */
#define CAPTION8 "sample/variants/o0008/caption.jpg" /* pHash 4, PDQ 34 */

/* A pHash hit alerts with PDQ agreement of the same entry (searched out to
 * 56 only for it); without a PDQ hash for the entry it is weak, reported
 * only on request; both records of an alerting entry are listed. */
START_TEST(decided_per_entry)
{
    phash_matcher *m = matcher_of(NULL, 0);
    phash_scanner *s = scanner_for(m);
    rows c = scan_one(s, CAPTION8);
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.row[0], "phash,4,SAMPLE-0008,alert");
    ck_assert_str_eq(c.row[1], "pdq,34,SAMPLE-0008,alert");
    c = scan_one(s, CAPTION6);
    ck_assert_int_eq(c.n, 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MATCHES), 2);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MATCHED_FILES), 1);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_WEAK_MATCHES), 0);

    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 1), PHASH_OK);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_REPORT_WEAK), 1);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 2),
                     PHASH_ERR_INVALID_ARG);
    c = scan_one(s, CAPTION6);
    ck_assert_int_eq(c.n, 1);
    ck_assert_str_eq(c.row[0], "phash,4,SAMPLE-0006,weak");
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_WEAK_MATCHES), 1);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MATCHED_FILES), 1);
    c = scan_one(s, CAPTION8); /* the same alert with weak matches reported */
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.row[0], "pdq,34,SAMPLE-0008,alert");
    ck_assert_str_eq(c.row[1], "phash,4,SAMPLE-0008,alert");
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

/* The scanner follows the policy it is given, and set_radius moves the
 * policy's alert radius. */
START_TEST(policy_options)
{
    phash_matcher *m = matcher_of(NULL, 0);
    phash_scanner *s = scanner_for(m);
    phash_alert_policy *p = NULL;
    ck_assert_int_eq(phash_alert_policy_new(&p), PHASH_OK);
    /* agreement needed within 33: PDQ 34 no longer agrees */
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_NEEDS_PDQ, 33), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_alert_policy(s, p), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 1), PHASH_OK);
    rows c = scan_one(s, CAPTION8);
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.row[0], "pdq,34,SAMPLE-0008,weak");
    ck_assert_str_eq(c.row[1], "phash,4,SAMPLE-0008,weak");
    /* pHash alone allowed: the entry without PDQ alerts */
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_NEEDS_PDQ, -1), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_alert_policy(s, p), PHASH_OK);
    c = scan_one(s, CAPTION6);
    ck_assert_int_eq(c.n, 1);
    ck_assert_str_eq(c.row[0], "phash,4,SAMPLE-0006,alert");
    /* a PDQ alert radius of 34 makes PDQ alone alert on CAPTION8 */
    ck_assert_int_eq(phash_scanner_set_alert_policy(s, NULL), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 0), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_PHASH, 3), PHASH_OK);
    c = scan_one(s, CAPTION8);
    ck_assert_int_eq(c.n, 0); /* pHash 4 > 3, PDQ 34 > 31 */
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_PDQ, 34), PHASH_OK);
    c = scan_one(s, CAPTION8);
    ck_assert_int_eq(c.n, 1);
    ck_assert_str_eq(c.row[0], "pdq,34,SAMPLE-0008,alert");
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_PDQ, 257), PHASH_ERR_INVALID_ARG);
    /* the video rule's distance is not the policy's: pHash stays at 3 (the
     * CLI sets vpdq=31, which once made pHash 27 alert) */
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_VPDQ, 31), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_PDQ, 31), PHASH_OK);
    c = scan_one(s, CAPTION8);
    ck_assert_int_eq(c.n, 0);
    ck_assert_int_eq(phash_scanner_set_alert_policy(NULL, p), PHASH_ERR_INVALID_ARG);
    phash_alert_policy_free(p);
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

/* Records printed: those within their algorithm's alert radius, and the
 * PDQ record a pHash alert needed as agreement; a radius of 0 leaves only
 * exact copies (pHash's alone radius is capped by it). */
START_TEST(records_shown)
{
    phash_matcher *m = matcher_of(NULL, 0);
    phash_scanner *s = scanner_for(m);
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_PDQ, 0), PHASH_OK);
    rows c = scan_one(s, "sample/variants/o0008/jpeg_q30.jpg"); /* PDQ 4, pHash 0 */
    ck_assert_int_eq(c.n, 1);
    ck_assert_str_eq(c.row[0], "phash,0,SAMPLE-0008,alert");
    c = scan_one(s, CAPTION8); /* pHash 4 with PDQ 34 agreeing */
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.row[0], "phash,4,SAMPLE-0008,alert");
    ck_assert_str_eq(c.row[1], "pdq,34,SAMPLE-0008,alert");
    ck_assert_int_eq(phash_scanner_set_radius(s, PHASH_SIG_PHASH, 0), PHASH_OK);
    c = scan_one(s, "sample/variants/o0002/caption.jpg"); /* PDQ 12, pHash 2 */
    ck_assert_int_eq(c.n, 0);
    c = scan_one(s, "sample/variants/o0008/jpeg_q30.jpg");
    ck_assert_int_eq(c.n, 1);
    ck_assert_str_eq(c.row[0], "phash,0,SAMPLE-0008,alert");
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

/* The signature's quality counts when the list gives it: a PDQ entry of
 * quality 40 (kept with KEEP_FLAGGED) does not alert even at distance 0;
 * at quality 50 it does. */
START_TEST(signature_quality_gate)
{
    static const char list[] =
        "signal_type,signal_str,id,quality\n"
        "pdq,27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29,LOWQ,40\n"
        "pdq,fc119f230a56ddc622a5b1a99f58e31bcfd8e0fe3e760aaf982b151b4181e470,GOODQ,50\n";
    phash_matcher *m = matcher_of(list, 1);
    phash_scanner *s = scanner_for(m);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 1), PHASH_OK);
    rows c = scan_one(s, "sample/originals/o0008.jpg");
    ck_assert_int_eq(c.n, 0);
    c = scan_one(s, "sample/originals/o0003.png");
    ck_assert_int_eq(c.n, 1);
    ck_assert_str_eq(c.row[0], "pdq,0,GOODQ,alert");
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scan_alert");
    TCase *tc = tcase_create("scan_alert");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, decided_per_entry);
    tcase_add_test(tc, policy_options);
    tcase_add_test(tc, records_shown);
    tcase_add_test(tc, signature_quality_gate);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
