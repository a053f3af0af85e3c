/* SPDX-License-Identifier: MIT */
/* Alert policy (include/phash/alert.h): the default rule's decisions at and
 * around each of its thresholds, the quality gates, and the options. */
#include "phash/phash.h"
#include "testutil.h"

static phash_alert_evidence ev(int pdq, int pdq_q, int ph, int ph_q)
{
    return (phash_alert_evidence){pdq, pdq_q, -1, ph, ph_q, -1};
}

static phash_alert_level decide(const phash_alert_policy *p, phash_alert_evidence e)
{
    return phash_alert_decide(p, &e);
}

START_TEST(default_rule)
{
    /* PDQ alone */
    ck_assert_int_eq(decide(NULL, ev(31, 50, -1, 0)), PHASH_ALERT_MATCH);
    ck_assert_int_eq(decide(NULL, ev(32, 50, -1, 0)), PHASH_ALERT_WEAK);
    ck_assert_int_eq(decide(NULL, ev(40, 50, -1, 0)), PHASH_ALERT_WEAK);
    ck_assert_int_eq(decide(NULL, ev(41, 50, -1, 0)), PHASH_ALERT_NONE);
    ck_assert_int_eq(decide(NULL, ev(0, 49, -1, 0)), PHASH_ALERT_NONE); /* quality gate */
    /* pHash needs PDQ within 56 */
    ck_assert_int_eq(decide(NULL, ev(56, 80, 10, 80)), PHASH_ALERT_MATCH);
    ck_assert_int_eq(decide(NULL, ev(57, 80, 10, 80)), PHASH_ALERT_WEAK);
    /* pHash alone: an alert within 3 (its 99.99%-precision radius), weak
     * from 4 to 12 */
    ck_assert_int_eq(decide(NULL, ev(-1, 0, 0, 100)), PHASH_ALERT_MATCH);
    ck_assert_int_eq(decide(NULL, ev(-1, 0, 3, 50)), PHASH_ALERT_MATCH);
    ck_assert_int_eq(decide(NULL, ev(-1, 0, 3, 49)), PHASH_ALERT_NONE);
    ck_assert_int_eq(decide(NULL, ev(-1, 0, 4, 100)), PHASH_ALERT_WEAK);
    ck_assert_int_eq(decide(NULL, ev(200, 90, 3, 90)), PHASH_ALERT_MATCH);
    ck_assert_int_eq(decide(NULL, ev(50, 49, 4, 80)), PHASH_ALERT_WEAK); /* PDQ gated out */
    ck_assert_int_eq(decide(NULL, ev(50, 80, 11, 80)), PHASH_ALERT_WEAK);
    ck_assert_int_eq(decide(NULL, ev(50, 80, 12, 80)), PHASH_ALERT_WEAK);
    ck_assert_int_eq(decide(NULL, ev(50, 80, 13, 80)), PHASH_ALERT_NONE);
    ck_assert_int_eq(decide(NULL, ev(50, 80, 4, 49)), PHASH_ALERT_NONE);
    /* signature qualities, when the list gives them */
    phash_alert_evidence e = {20, 90, 49, -1, 0, -1};
    ck_assert_int_eq(phash_alert_decide(NULL, &e), PHASH_ALERT_NONE);
    e.pdq_sig_quality = 50;
    ck_assert_int_eq(phash_alert_decide(NULL, &e), PHASH_ALERT_MATCH);
    e = (phash_alert_evidence){50, 90, 90, 8, 90, 10};
    ck_assert_int_eq(phash_alert_decide(NULL, &e), PHASH_ALERT_NONE);
    ck_assert_int_eq(phash_alert_decide(NULL, NULL), PHASH_ALERT_NONE);
}
END_TEST

START_TEST(options)
{
    phash_alert_policy *p = NULL;
    ck_assert_int_eq(phash_alert_policy_new(&p), PHASH_OK);
    /* a new policy holds the same rule as NULL */
    for (int d = -1; d <= 70; d++)
        for (int h = -1; h <= 16; h++)
            ck_assert_int_eq(decide(p, ev(d, 60, h, 60)), decide(NULL, ev(d, 60, h, 60)));
    ck_assert_int_eq(phash_alert_policy_get(p, PHASH_ALERT_OPT_PDQ_RADIUS), 31);
    ck_assert_int_eq(phash_alert_policy_get(p, PHASH_ALERT_OPT_PHASH_NEEDS_PDQ), 56);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_NEEDS_PDQ, -1), PHASH_OK);
    ck_assert_int_eq(decide(p, ev(-1, 0, 10, 60)), PHASH_ALERT_MATCH); /* pHash alone */
    ck_assert_int_eq(phash_alert_policy_get(p, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS), 3);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_NEEDS_PDQ, 56), PHASH_OK);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS, -1), PHASH_OK);
    ck_assert_int_eq(decide(p, ev(-1, 0, 0, 60)), PHASH_ALERT_WEAK); /* never alone */
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS, 65),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PDQ_RADIUS, 257),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PHASH_RADIUS, -1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_set(p, (phash_alert_option)99, 1), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_alert_policy_get(p, (phash_alert_option)99), -2);
    ck_assert_int_eq(phash_alert_policy_set(p, PHASH_ALERT_OPT_PDQ_MIN_QUALITY, 0), PHASH_OK);
    ck_assert_int_eq(decide(p, ev(10, 0, -1, 0)), PHASH_ALERT_MATCH);
    ck_assert_str_eq(phash_alert_level_name(PHASH_ALERT_MATCH), "alert");
    ck_assert_str_eq(phash_alert_level_name(PHASH_ALERT_WEAK), "weak");
    ck_assert_str_eq(phash_alert_level_name(PHASH_ALERT_NONE), "none");
    ck_assert_str_eq(phash_alert_level_name((phash_alert_level)7), "unknown");
    ck_assert_int_eq(phash_alert_policy_new(NULL), PHASH_ERR_INVALID_ARG);
    phash_alert_policy_free(p);
    phash_alert_policy_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alert");
    TCase *tc = tcase_create("alert");
    tcase_add_test(tc, default_rule);
    tcase_add_test(tc, options);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
