/* SPDX-License-Identifier: MIT */
/* PHASH_SCAN_OPT_LOW_PRIORITY really takes effect: read back from inside a
 * scan (the callback runs on the worker), the worker thread's policy is
 * SCHED_IDLE, its nice value 19 and its I/O class idle; the calling thread
 * keeps its own. (The policy used to compile out: glibc defines SCHED_IDLE
 * only with _GNU_SOURCE, and `#ifdef SCHED_IDLE` hid the call.) */
#define _GNU_SOURCE /* SCHED_IDLE, syscall */
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "phash/phash.h"
#include "phash/scan.h"
#include "testutil.h"

typedef struct seen {
    int reports, policy, nice, ioprio_class;
} seen;

static int on_report(void *ctx, const phash_scan_report *r)
{
    (void)r;
    seen *s = ctx;
    s->reports++;
    s->policy = sched_getscheduler(0); /* this thread (a Linux task) */
    pid_t tid = (pid_t)syscall(SYS_gettid);
    s->nice = getpriority(PRIO_PROCESS, (id_t)tid);
#ifdef SYS_ioprio_get
    /* IOPRIO_WHO_PROCESS = 1; the class is above bit 13. */
    s->ioprio_class = (int)syscall(SYS_ioprio_get, 1, tid) >> 13;
#endif
    return 0;
}

static seen scan_once(int low)
{
    char dir[] = "/tmp/phash-prio-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char file[64];
    snprintf(file, sizeof file, "%s/a.txt", dir);
    FILE *f = fopen(file, "w");
    fputs("not an image\n", f);
    fclose(f);
    phash_scanner *sc = NULL;
    ck_assert_int_eq(phash_scanner_new(&sc), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(sc, PHASH_SCAN_OPT_LOW_PRIORITY, low), PHASH_OK);
    seen s = {0, -1, -100, -1};
    const char *paths[] = {dir};
    ck_assert_int_eq(phash_scanner_scan_paths(sc, paths, 1, on_report, &s), PHASH_OK);
    phash_scanner_free(sc);
    unlink(file);
    rmdir(dir);
    ck_assert_int_eq(s.reports, 1);
    return s;
}

START_TEST(low_priority_read_back)
{
    int before = sched_getscheduler(0);
    seen s = scan_once(1);
    ck_assert_int_eq(s.policy, SCHED_IDLE);
    ck_assert_int_eq(s.nice, 19);
#ifdef SYS_ioprio_get
    ck_assert_int_eq(s.ioprio_class, 3); /* IOPRIO_CLASS_IDLE */
#endif
    ck_assert_int_eq(sched_getscheduler(0), before); /* the caller is left alone */
}
END_TEST

START_TEST(default_priority_untouched)
{
    seen s = scan_once(0);
    ck_assert_int_eq(s.policy, sched_getscheduler(0));
    ck_assert_int_ne(s.policy, SCHED_IDLE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scan_priority");
    TCase *tc = tcase_create("scan_priority");
    tcase_add_test(tc, low_priority_read_back);
    tcase_add_test(tc, default_priority_untouched);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
