/* SPDX-License-Identifier: MIT */
/* Per-list settings of the alert policy (phash_alert_policy_set_list,
 * phash_scanner_set_list_option): the policy's API, and exact match sets of
 * the scanner on the sample photos with two lists holding the same entries
 * (sample/signatures.csv loaded as "list.csv" and as
 * "/srv/lists/other.csv"), each with its own settings. Distances are those
 * of sample/ (tests/test_scan_alert.c): caption8 pHash 4 + PDQ 34 of
 * SAMPLE-0008, caption6 pHash 4 of SAMPLE-0006 (no PDQ hash). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phash/phash.h"
#include "testutil.h"

#define CAPTION6 "sample/variants/o0006/caption.jpg"
#define CAPTION8 "sample/variants/o0008/caption.jpg"
#define OTHER "/srv/lists/other.csv"

typedef struct rows {
    char row[16][128]; /* "algo,distance,id,level,list" sorted */
    int n;
} rows;

static int cmp_rows(const void *a, const void *b) { return strcmp(a, b); }

static int collect(void *ctx, const phash_scan_report *r)
{
    rows *c = ctx;
    ck_assert_int_eq(r->status, PHASH_OK);
    for (size_t i = 0; i < r->n_matches; i++) {
        ck_assert_int_lt(c->n, 16);
        const phash_scan_match *m = phash_scan_report_match(r, i);
        snprintf(c->row[c->n++], sizeof c->row[0], "%s,%u,%s,%s,%s", m->algo, m->distance,
                 m->id, phash_alert_level_name(m->level), m->list);
    }
    qsort(c->row, (size_t)c->n, sizeof c->row[0], cmp_rows);
    return 0;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    ck_assert(feof(f));
    fclose(f);
    return buf;
}

/* sample/signatures.csv as list.csv and as OTHER, plus extra lists. */
static phash_matcher *two_lists(const char *extra_name, const char *extra)
{
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    size_t len;
    const char *text = read_all(source_path("sample/signatures.csv"), &len);
    phash_sigset_report rep;
    ck_assert_int_eq(phash_sigset_load_memory(set, text, len, "list.csv", &rep), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, text, len, OTHER, &rep), PHASH_OK);
    if (extra)
        ck_assert_int_eq(phash_sigset_load_memory(set, extra, strlen(extra), extra_name, &rep),
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

static phash_scanner *scanner_for(const phash_matcher *m, int weak)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_matcher(s, m), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "pdq,phash,md5"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_DIHEDRAL, 0), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_EXPAND, 0), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, weak), PHASH_OK);
    return s;
}

static void expect(const rows *c, int n, const char *const *want)
{
    for (int i = 0; i < c->n; i++)
        fprintf(stderr, "  got %s\n", c->row[i]);
    ck_assert_int_eq(c->n, n);
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(c->row[i], want[i]);
}

#define EXPECT(c, ...)                                                                  \
    do {                                                                                \
        static const char *const want_[] = {__VA_ARGS__};                               \
        expect(&(c), (int)(sizeof want_ / sizeof want_[0]), want_);                     \
    } while (0)

/* The policy's API: resolution (exact name over last component over the
 * policy's own), errors leave it unchanged, copies, the list limit. */
START_TEST(policy_api)
{
    phash_alert_policy *p = NULL, *q = NULL;
    ck_assert_int_eq(phash_alert_policy_new(&p), PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_get(p, PHASH_ALERT_OPT_ALGORITHMS), PHASH_ALERT_ALGOS_ALL);
    ck_assert_int_eq(phash_alert_policy_get(p, PHASH_ALERT_OPT_MAX_LEVEL), PHASH_ALERT_MATCH);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "a.csv", PHASH_ALERT_OPT_PDQ_RADIUS, 20),
                     PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "/x/a.csv", PHASH_ALERT_OPT_PDQ_RADIUS, 25),
                     PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "/x/a.csv", PHASH_ALERT_OPT_PDQ_RADIUS), 25);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "/y/a.csv", PHASH_ALERT_OPT_PDQ_RADIUS), 20);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "C:\\l\\a.csv", PHASH_ALERT_OPT_PDQ_RADIUS),
                     20);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "b.csv", PHASH_ALERT_OPT_PDQ_RADIUS), 31);
    ck_assert_int_eq(phash_alert_policy_get_list(p, NULL, PHASH_ALERT_OPT_PDQ_RADIUS), 31);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "a.csv.bak", PHASH_ALERT_OPT_PDQ_RADIUS), 31);
    /* options a list does not set follow the policy's, set before or after */
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_RADIUS, 8), PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "a.csv", PHASH_ALERT_OPT_PHASH_RADIUS), 8);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PDQ_RADIUS, 10), PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "a.csv", PHASH_ALERT_OPT_PDQ_RADIUS), 20);
    /* refusals */
    ck_assert_int_eq(phash_alert_policy_set_list(p, "a.csv", PHASH_ALERT_OPT_PDQ_RADIUS, 257),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "a.csv", PHASH_ALERT_OPT_MAX_LEVEL, 3),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "a.csv", PHASH_ALERT_OPT_ALGORITHMS, -1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "", PHASH_ALERT_OPT_PDQ_RADIUS, 1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set_list(p, NULL, PHASH_ALERT_OPT_PDQ_RADIUS, 1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "a.csv", (phash_alert_option)11, 1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "a.csv", PHASH_ALERT_OPT_PDQ_RADIUS), 20);
    ck_assert_int_eq(phash_alert_policy_get_list(p, "a.csv", (phash_alert_option)11), -2);
    /* decisions: ALGORITHMS without pHash makes a pHash-only alert weak;
     * MAX_LEVEL caps */
    phash_alert_evidence e = {-1, -1, -1, 2, 90, -1}; /* pHash 2 alone: an alert */
    ck_assert_int_eq(phash_alert_decide_list(p, "a.csv", &e), PHASH_ALERT_MATCH);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "a.csv", PHASH_ALERT_OPT_ALGORITHMS,
                                                 PHASH_ALERT_ALGO(PHASH_SIG_PDQ)),
                     PHASH_OK);
    ck_assert_int_eq(phash_alert_decide_list(p, "a.csv", &e), PHASH_ALERT_WEAK);
    ck_assert_int_eq(phash_alert_decide_list(p, "/x/a.csv", &e), PHASH_ALERT_MATCH);
    ck_assert_int_eq(phash_alert_exact_level(p, "a.csv", PHASH_SIG_MD5), PHASH_ALERT_WEAK);
    ck_assert_int_eq(phash_alert_exact_level(p, "b.csv", PHASH_SIG_MD5), PHASH_ALERT_MATCH);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "b.csv", PHASH_ALERT_OPT_MAX_LEVEL,
                                                 PHASH_ALERT_NONE),
                     PHASH_OK);
    ck_assert_int_eq(phash_alert_exact_level(p, "b.csv", PHASH_SIG_MD5), PHASH_ALERT_NONE);
    ck_assert_int_eq(phash_alert_decide_list(p, "b.csv", &e), PHASH_ALERT_NONE);
    ck_assert_int_eq(phash_alert_decide_list(p, NULL, &e), PHASH_ALERT_MATCH);
    ck_assert_int_eq(phash_alert_decide_list(p, "b.csv", NULL), PHASH_ALERT_NONE);
    /* a copy holds the lists; the original can go */
    ck_assert_int_eq(phash_alert_policy_new(&q), PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_copy(q, p), PHASH_OK);
    phash_alert_policy_free(p);
    ck_assert_int_eq(phash_alert_policy_get_list(q, "/x/a.csv", PHASH_ALERT_OPT_PDQ_RADIUS), 25);
    ck_assert_int_eq(phash_alert_policy_get_list(q, "z/b.csv", PHASH_ALERT_OPT_MAX_LEVEL), 0);
    ck_assert_int_eq(phash_alert_policy_get(q, PHASH_ALERT_OPT_PDQ_RADIUS), 10);
    ck_assert_int_eq(phash_alert_policy_copy(q, NULL), PHASH_OK); /* the default rule */
    ck_assert_int_eq(phash_alert_policy_get_list(q, "/x/a.csv", PHASH_ALERT_OPT_PDQ_RADIUS), 31);
    ck_assert_int_eq(phash_alert_policy_copy(NULL, q), PHASH_ERR_INVALID_ARG);
    /* at most PHASH_ALERT_MAX_LISTS lists; setting one again is no new list */
    char name[32];
    for (int i = 0; i < PHASH_ALERT_MAX_LISTS; i++) {
        snprintf(name, sizeof name, "l%d", i);
        ck_assert_int_eq(phash_alert_policy_set_list(q, name, PHASH_ALERT_OPT_PDQ_RADIUS, i % 257),
                         PHASH_OK);
    }
    ck_assert_int_eq(phash_alert_policy_set_list(q, "one more", PHASH_ALERT_OPT_PDQ_RADIUS, 1),
                     PHASH_ERR_TOO_LARGE);
    ck_assert_int_eq(phash_alert_policy_set_list(q, "l7", PHASH_ALERT_OPT_PHASH_RADIUS, 1),
                     PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_get_list(q, "l7", PHASH_ALERT_OPT_PDQ_RADIUS), 7);
    ck_assert_int_eq(phash_alert_policy_get_list(q, "l7", PHASH_ALERT_OPT_PHASH_RADIUS), 1);
    phash_alert_policy_free(q);
}
END_TEST

/* Without settings both lists report the same records; a list's highest
 * level and the algorithms that may alert for it change only its own. */
START_TEST(level_and_algorithms)
{
    phash_matcher *m = two_lists(NULL, NULL);
    phash_scanner *s = scanner_for(m, 0);
    rows c = scan_one(s, CAPTION8);
    EXPECT(c, "pdq,34,SAMPLE-0008,alert," OTHER, "pdq,34,SAMPLE-0008,alert,list.csv",
           "phash,4,SAMPLE-0008,alert," OTHER, "phash,4,SAMPLE-0008,alert,list.csv");
    /* other.csv at most weak: left out, then reported weak on request */
    ck_assert_int_eq(phash_scanner_set_list_option(s, "other.csv", PHASH_ALERT_OPT_MAX_LEVEL,
                                                   PHASH_ALERT_WEAK),
                     PHASH_OK);
    c = scan_one(s, CAPTION8);
    EXPECT(c, "pdq,34,SAMPLE-0008,alert,list.csv", "phash,4,SAMPLE-0008,alert,list.csv");
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 1), PHASH_OK);
    c = scan_one(s, CAPTION8);
    EXPECT(c, "pdq,34,SAMPLE-0008,alert,list.csv", "pdq,34,SAMPLE-0008,weak," OTHER,
           "phash,4,SAMPLE-0008,alert,list.csv", "phash,4,SAMPLE-0008,weak," OTHER);
    /* the exact name wins over the last component: other silenced */
    ck_assert_int_eq(phash_scanner_set_list_option(s, OTHER, PHASH_ALERT_OPT_MAX_LEVEL,
                                                   PHASH_ALERT_NONE),
                     PHASH_OK);
    c = scan_one(s, CAPTION8);
    EXPECT(c, "pdq,34,SAMPLE-0008,alert,list.csv", "phash,4,SAMPLE-0008,alert,list.csv");
    /* list.csv: only PDQ may alert: its pHash 4 + PDQ 34 entry is weak */
    ck_assert_int_eq(phash_scanner_set_list_option(s, "list.csv", PHASH_ALERT_OPT_ALGORITHMS,
                                                   PHASH_ALERT_ALGO(PHASH_SIG_PDQ)),
                     PHASH_OK);
    c = scan_one(s, CAPTION8);
    EXPECT(c, "pdq,34,SAMPLE-0008,weak,list.csv", "phash,4,SAMPLE-0008,weak,list.csv");
    /* ... and alerts again once its PDQ radius reaches 34 */
    ck_assert_int_eq(phash_scanner_set_list_option(s, "list.csv", PHASH_ALERT_OPT_PDQ_RADIUS, 34),
                     PHASH_OK);
    c = scan_one(s, CAPTION8);
    EXPECT(c, "pdq,34,SAMPLE-0008,alert,list.csv", "phash,4,SAMPLE-0008,alert,list.csv");
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MATCHES), 4 + 2 + 2 + 2 + 2);
    ck_assert_int_eq(phash_scanner_set_list_option(s, "", PHASH_ALERT_OPT_PDQ_RADIUS, 3),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_str_ne(phash_scanner_last_error(s), "");
    /* set_alert_policy replaces the lists' settings with the policy's */
    ck_assert_int_eq(phash_scanner_set_alert_policy(s, NULL), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 0), PHASH_OK);
    c = scan_one(s, CAPTION8);
    ck_assert_int_eq(c.n, 4);
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

/* Radii and quality gates per list: the search covers the widest list,
 * each entry is decided with its own list's values. */
START_TEST(radius_and_quality)
{
    phash_matcher *m = two_lists(NULL, NULL);
    phash_scanner *s = scanner_for(m, 0);
    /* list.csv alerts on PDQ within 34 alone; other.csv keeps 31 and
     * alerts by pHash 4 with PDQ agreement */
    ck_assert_int_eq(phash_scanner_set_list_option(s, "list.csv", PHASH_ALERT_OPT_PDQ_RADIUS, 34),
                     PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_list_option(s, "list.csv", PHASH_ALERT_OPT_PHASH_RADIUS, 3),
                     PHASH_OK);
    rows c = scan_one(s, CAPTION8);
    EXPECT(c, "pdq,34,SAMPLE-0008,alert," OTHER, "pdq,34,SAMPLE-0008,alert,list.csv",
           "phash,4,SAMPLE-0008,alert," OTHER);
    /* other.csv: pHash alone alerts (no PDQ agreement needed): caption6,
     * whose entry has no PDQ hash, alerts for it only */
    ck_assert_int_eq(phash_scanner_set_list_option(s, "other.csv",
                                                   PHASH_ALERT_OPT_PHASH_NEEDS_PDQ, -1),
                     PHASH_OK);
    c = scan_one(s, CAPTION6);
    EXPECT(c, "phash,4,SAMPLE-0006,alert," OTHER);
    phash_scanner_free(s);
    phash_matcher_free(m);
    /* quality gates (the list entry's quality 60 here; the sample photos'
     * own are all 100): q.csv's gate at 70 drops its entry, other lists
     * keep the policy's 50; a policy gate of 70 with q.csv's at 60 keeps it */
    m = two_lists("q.csv", "signal_type,signal_str,id,quality\n"
                           "pdq,27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29,"
                           "Q-8,60\n");
    s = scanner_for(m, 0);
    c = scan_one(s, "sample/originals/o0008.jpg");
    EXPECT(c, "pdq,0,Q-8,alert,q.csv", "pdq,0,SAMPLE-0008,alert," OTHER,
           "pdq,0,SAMPLE-0008,alert,list.csv", "phash,0,SAMPLE-0008,alert," OTHER,
           "phash,0,SAMPLE-0008,alert,list.csv");
    ck_assert_int_eq(phash_scanner_set_list_option(s, "q.csv", PHASH_ALERT_OPT_PDQ_MIN_QUALITY, 70),
                     PHASH_OK);
    c = scan_one(s, "sample/originals/o0008.jpg");
    ck_assert_int_eq(c.n, 4);
    ck_assert_str_eq(c.row[0], "pdq,0,SAMPLE-0008,alert," OTHER);
    phash_alert_policy *p = NULL;
    ck_assert_int_eq(phash_alert_policy_new(&p), PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PDQ_MIN_QUALITY, 70), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_alert_policy(s, p), PHASH_OK);
    c = scan_one(s, "sample/originals/o0008.jpg");
    ck_assert_int_eq(c.n, 4);
    ck_assert_int_eq(phash_alert_policy_set_list(p, "q.csv", PHASH_ALERT_OPT_PDQ_MIN_QUALITY, 60),
                     PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_alert_policy(s, p), PHASH_OK);
    c = scan_one(s, "sample/originals/o0008.jpg");
    ck_assert_int_eq(c.n, 5);
    ck_assert_str_eq(c.row[0], "pdq,0,Q-8,alert,q.csv");
    phash_alert_policy_free(p);
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

/* Exact digests follow their list's ALGORITHMS and MAX_LEVEL. */
START_TEST(digests_per_list)
{
    static const char bytes[] = "meeting notes\n";
    /* MD5 of bytes, in two lists */
    const char *md5 = "75aaddf03c73a0522b733eba8a9b1997";
    char d1[128], d2[128];
    snprintf(d1, sizeof d1, "md5,id\n%s,D-1\n", md5);
    snprintf(d2, sizeof d2, "md5,id\n%s,D-2\n", md5);
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    phash_sigset_report rep;
    ck_assert_int_eq(phash_sigset_load_memory(set, d1, strlen(d1), "d1.csv", &rep), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(set, d2, strlen(d2), "d2.csv", &rep), PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(m, set), PHASH_OK);
    phash_scanner *s = scanner_for(m, 1);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "md5"), PHASH_OK);
    rows c = {0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, bytes, strlen(bytes), "t.txt", collect, &c),
                     PHASH_OK);
    if (c.n == 0)
        ck_abort_msg("md5 of the text is not %s", md5);
    EXPECT(c, "md5,0,D-1,alert,d1.csv", "md5,0,D-2,alert,d2.csv");
    ck_assert_int_eq(phash_scanner_set_list_option(s, "d2.csv", PHASH_ALERT_OPT_ALGORITHMS,
                                                   PHASH_ALERT_ALGO(PHASH_SIG_SHA1)),
                     PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_list_option(s, "d1.csv", PHASH_ALERT_OPT_MAX_LEVEL,
                                                   PHASH_ALERT_NONE),
                     PHASH_OK);
    c = (rows){0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, bytes, strlen(bytes), "t.txt", collect, &c),
                     PHASH_OK);
    EXPECT(c, "md5,0,D-2,weak,d2.csv");
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_WEAK_MATCHES), 1);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_WEAK, 0), PHASH_OK);
    c = (rows){0};
    ck_assert_int_eq(phash_scanner_scan_memory(s, bytes, strlen(bytes), "t.txt", collect, &c),
                     PHASH_OK);
    ck_assert_int_eq(c.n, 0);
    phash_scanner_free(s);
    phash_matcher_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("list_settings");
    TCase *tc = tcase_create("list_settings");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, policy_api);
    tcase_add_test(tc, level_and_algorithms);
    tcase_add_test(tc, radius_and_quality);
    tcase_add_test(tc, digests_per_list);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
