/* SPDX-License-Identifier: MIT */
/* The CPU budget (PHASH_SCAN_OPT_MAX_CPU, lib/scan/budget.c).
 *
 * The bucket's arithmetic is checked with made-up clocks (exact values).
 * The scans check the budget's promise, which holds whatever the machine's
 * load (a loaded machine only makes the wall time longer): the CPU the scan
 * used is at most share x (wall time + window) plus one file in flight per
 * thread; and the scan really slept (counted). Without the option it never
 * sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "phash/phash.h"
#include "platform/platform.h"
#include "scan/scan_int.h"
#include "testutil.h"

START_TEST(bucket_arithmetic)
{
    ph_cpu_budget b;
    ph_cpu_budget_start(&b, 0.25, 100.0);
    /* 1 CPU s at once: 4 wall s of debt at 25%. */
    ck_assert_double_eq_tol(ph_cpu_budget_charge(&b, 100.0, 1.0), 4.0, 1e-9);
    /* Half of it paid 2 s later. */
    ck_assert_double_eq_tol(ph_cpu_budget_charge(&b, 102.0, 0.0), 2.0, 1e-9);
    ck_assert_double_eq_tol(ph_cpu_budget_charge(&b, 104.0, 0.0), 0.0, 1e-9);
    /* An hour idle saves at most one window of credit (0.25 CPU s): 0.5 CPU s
     * then costs 1 s of sleep, not 0. */
    ck_assert_double_eq_tol(ph_cpu_budget_charge(&b, 3704.0, 0.5), 1.0, 1e-9);
    /* A clock that does not move adds no credit. */
    ck_assert_double_eq_tol(ph_cpu_budget_charge(&b, 3704.0, 0.25), 2.0, 1e-9);
    /* No budget: never a wait. */
    ph_cpu_budget_start(&b, 0.0, 0.0);
    ck_assert_double_eq(ph_cpu_budget_charge(&b, 0.0, 100.0), 0.0);
}
END_TEST

static const char *const images[] = {"o0001.jpg", "o0002.webp", "o0003.png", "o0004.png",
                                     "o0005.jpg", "o0006.webp", "o0007.png", "o0008.jpg"};
#define N_IMAGES (sizeof images / sizeof images[0])

static int count_report(void *ctx, const phash_scan_report *r)
{
    ck_assert_msg(r->status == PHASH_OK, "%s: %s", r->path, r->detail);
    (*(int *)ctx)++;
    return 0;
}

static phash_scanner *scanner_with(unsigned max_cpu, unsigned threads)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "pdq,phash"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_CPU, max_cpu), PHASH_OK);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_MAX_CPU), max_cpu);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, threads), PHASH_OK);
    return s;
}

/* Scan the first n images (or, n = 0, a text file) `rounds` times on this
 * thread; the CPU used, the largest one file took. */
static double scan_on_this_thread(phash_scanner *s, size_t n, int rounds, double *max_file)
{
    const char *text[] = {"README.md"};
    const char *const *names = n ? images : text;
    n = n ? n : 1;
    int reports = 0;
    double total = 0.0;
    *max_file = 0.0;
    for (int round = 0; round < rounds; round++)
        for (size_t i = 0; i < n; i++) {
            char rel[64];
            snprintf(rel, sizeof rel, "sample/%s%s", n > 1 || names != text ? "originals/" : "",
                     names[i]);
            double c0 = ph_thread_cpu_seconds();
            ck_assert_int_eq(phash_scanner_scan_file(s, source_path(rel), count_report, &reports),
                             PHASH_OK);
            double used = ph_thread_cpu_seconds() - c0;
            total += used;
            if (used > *max_file)
                *max_file = used;
        }
    ck_assert_int_eq(reports, rounds * (int)n);
    return total;
}

/* The largest CPU time one image takes without a budget (and no sleep). */
static double largest_file_cpu(void)
{
    static double max_file = -1;
    if (max_file < 0) {
        phash_scanner *s = scanner_with(0, 1);
        (void)scan_on_this_thread(s, N_IMAGES, 1, &max_file);
        ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_THROTTLED_MS), 0);
        phash_scanner_free(s);
    }
    return max_file;
}

/* Under valgrind (its preload library in LD_PRELOAD) CPU time against wall
 * time is not the program's own: the JIT's translations are charged to the
 * thread, and threads run one at a time. The bound checks are made in the
 * plain and sanitizer builds; under valgrind only memory errors are. */
static int under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload") != NULL;
}

/* The scan on this thread at `percent`: its CPU within the budget's bound,
 * and the time slept. */
static double scan_within(unsigned percent, size_t n, int rounds)
{
    double max_file = largest_file_cpu();
    phash_scanner *s = scanner_with(percent, 1);
    double share = percent / 100.0, t0 = ph_now(), max_budgeted;
    double cpu = scan_on_this_thread(s, n, rounds, &max_budgeted);
    double wall = ph_now() - t0;
    double slept = (double)phash_scanner_counter(s, PHASH_SCAN_THROTTLED_MS) / 1000.0;
    phash_scanner_free(s);
    ck_assert_msg(under_valgrind() ||
                      cpu <= share * (wall + PH_BUDGET_WINDOW) + max_file + max_budgeted,
                  "%.3f CPU s in %.3f wall s at %u%% (largest file %.3f)", cpu, wall, percent,
                  max_file);
    return slept;
}

START_TEST(one_thread_stays_in_budget)
{
    /* Half a core over 3 rounds of the 8 images. */
    (void)scan_within(50, N_IMAGES, 3);
}
END_TEST

START_TEST(one_thread_sleeps)
{
    /* At 1% a file's work (here a small text file: opened, read, sniffed)
     * leaves a debt unless this thread got under 1% of a CPU meanwhile: the
     * scan sleeps (about 100 x its CPU time). */
    double slept = scan_within(1, 0, 3);
    ck_assert_msg(slept > 0, "never throttled at 1%%");
}
END_TEST

static double process_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Two workers share one budget (the walk on this thread is counted here
 * too: a folder of n files, `rounds` times). */
static void two_threads(unsigned percent, const char *folder, int n, int rounds)
{
    double max_file = largest_file_cpu();
    phash_scanner *s = scanner_with(percent, 2);
    int reports = 0;
    double share = percent / 100.0, c0 = process_cpu(), t0 = ph_now();
    ck_assert_int_eq(phash_scanner_start(s, count_report, &reports), PHASH_OK);
    for (int round = 0; round < rounds; round++)
        ck_assert_int_eq(phash_scanner_submit(s, folder), PHASH_OK);
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    double cpu = process_cpu() - c0, wall = ph_now() - t0;
    ck_assert_int_eq(reports, rounds * n);
    uint64_t slept_ms = phash_scanner_counter(s, PHASH_SCAN_THROTTLED_MS);
    phash_scanner_free(s);
    ck_assert_msg(under_valgrind() || cpu <= share * (wall + PH_BUDGET_WINDOW) + 2 * 2 * max_file + 0.05,
                  "%.3f CPU s in %.3f wall s at %u%% with 2 threads (largest file %.3f)", cpu,
                  wall, percent, max_file);
    if (percent <= 2)
        ck_assert_msg(slept_ms > 0, "never throttled at %u%%", percent);
}

START_TEST(two_threads_share_one_budget)
{
    char originals[4096]; /* source_path's buffer is reused */
    snprintf(originals, sizeof originals, "%s", source_path("sample/originals"));
    two_threads(40, originals, (int)N_IMAGES, 2);
    /* At 2%: more CPU than the bucket can ever hold (share x window = 20 ms
     * of credit, plus 2% of the wall time), so the scan must sleep whatever
     * the machine's load: the 8 images (about 80 ms natively; 8 small text
     * files once failed here on a loaded machine, their 2-3 ms covered by the
     * credit saved while the threads started). Under valgrind the text
     * files, each a debt there, keep the test short. */
    char dir[] = "/tmp/phash-budget-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    for (int i = 0; i < 8; i++) {
        snprintf(path, sizeof path, "%s/%d.txt", dir, i);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "not an image %d\n", i);
        fclose(f);
    }
    if (under_valgrind())
        two_threads(2, dir, 8, 1);
    else
        two_threads(2, originals, (int)N_IMAGES, 1);
    for (int i = 0; i < 8; i++) {
        snprintf(path, sizeof path, "%s/%d.txt", dir, i);
        unlink(path);
    }
    rmdir(dir);
}
END_TEST

START_TEST(option_range)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_MAX_CPU), 0);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_CPU, -1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_CPU, 25601),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_CPU, 25600), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_MAX_CPU, 0), PHASH_OK);
    phash_scanner_free(s);
}
END_TEST

/* A caller scanning file by file (phash_scanner_scan_file) pays a file's
 * debt before the next file. The bucket used to start anew at every call,
 * so the debt was forgotten and such a scan never slept between files
 * (seen only under valgrind, where files cost enough CPU to exceed the
 * bound). At 10%: after an image of c CPU seconds taking w wall seconds
 * (the bucket empty at its start), the next call first sleeps c / 0.1 - w,
 * less the little the bucket refills between the calls. On a machine so
 * loaded that w exceeds c / 0.1 there is no debt, and nothing to check. */
START_TEST(debt_carried_between_calls)
{
    phash_scanner *s = scanner_with(10, 1);
    int reports = 0;
    double w0 = ph_now(), c0 = ph_thread_cpu_seconds();
    ck_assert_int_eq(phash_scanner_scan_file(s, source_path("sample/originals/o0001.jpg"),
                                             count_report, &reports),
                     PHASH_OK);
    double c1 = ph_thread_cpu_seconds() - c0, w1 = ph_now() - w0;
    uint64_t before = phash_scanner_counter(s, PHASH_SCAN_THROTTLED_MS);
    ck_assert_int_eq(phash_scanner_scan_file(s, source_path("README.md"), count_report, &reports),
                     PHASH_OK);
    double slept = (double)(phash_scanner_counter(s, PHASH_SCAN_THROTTLED_MS) - before) / 1000.0;
    double debt = c1 / 0.10 - w1;
    phash_scanner_free(s);
    ck_assert_int_eq(reports, 2);
    ck_assert_msg(slept >= 0.8 * debt - 0.005,
                  "slept %.3f s before the second file, owed %.3f s (%.4f CPU s in %.3f s)",
                  slept, debt, c1, w1);
}
END_TEST

/* The --max-rate pacing (phash_scanner_set_rate) holds across calls for
 * one file too: it was restarted at every call, so a caller scanning file
 * by file was never paced. At 20 images/s, three images take at least the
 * two intervals between them (a lower bound: sleeping never ends early). */
START_TEST(rate_paces_file_by_file_calls)
{
    phash_scanner *s = scanner_with(0, 1);
    ck_assert_int_eq(phash_scanner_set_rate(s, 20), PHASH_OK);
    int reports = 0;
    double t0 = ph_now();
    for (size_t i = 0; i < 3; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "sample/originals/%s", images[i]);
        ck_assert_int_eq(phash_scanner_scan_file(s, source_path(rel), count_report, &reports),
                         PHASH_OK);
    }
    double wall = ph_now() - t0;
    phash_scanner_free(s);
    ck_assert_int_eq(reports, 3);
    ck_assert_msg(wall >= 2 / 20.0 - 0.001, "3 images at 20/s in %.3f s", wall);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("scan_budget");
    TCase *tc = tcase_create("budget");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bucket_arithmetic);
    tcase_add_test(tc, option_range);
    tcase_add_test(tc, one_thread_stays_in_budget);
    tcase_add_test(tc, one_thread_sleeps);
    tcase_add_test(tc, two_threads_share_one_budget);
    tcase_add_test(tc, debt_carried_between_calls);
    tcase_add_test(tc, rate_paces_file_by_file_calls);
    suite_add_tcase(su, tc);
    return run_suite(su);
}
