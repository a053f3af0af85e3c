/* SPDX-License-Identifier: MIT */
/* The scan's CPU budget (PHASH_SCAN_OPT_MAX_CPU): the scan may use PERCENT
 * of one core, measured over a window, and is throttled by sleeping.
 *
 * Every thread working for the scan measures its own CPU time
 * (ph_thread_cpu_seconds: CLOCK_THREAD_CPUTIME_ID on POSIX) and charges
 * what it used since its last charge to one bucket shared by the scan's
 * threads. The bucket fills at `share` CPU seconds per wall second and holds
 * at most share x PH_BUDGET_WINDOW (the credit an idle scan may save up, e.g.
 * a --watch scan between events); a thread that finds the bucket in debt
 * sleeps until it is paid. So over any stretch of wall time T the scan's
 * threads use at most share x (T + window) plus what is in flight between
 * two charges (one file's decode, one video frame).
 *
 * Charges are made at the start of each file, before the decode of each
 * file and container member, after each video frame and at the end of each
 * file. Measured per thread rather than per process: the library runs
 * inside other programs whose own work is not the scan's. Not measured:
 * the thread that walks folders (it is paced by the queue of workers) and
 * FFmpeg's extra slice threads of a video (PHASH_SCAN_VIDEO_THREADS > 1). */
#include "scan_int.h"

void ph_cpu_budget_start(ph_cpu_budget *b, double share, double now)
{
    b->share = share;
    b->balance = 0.0;
    b->refilled = now;
}

double ph_cpu_budget_charge(ph_cpu_budget *b, double now, double cpu)
{
    if (!(b->share > 0))
        return 0.0;
    if (now > b->refilled) {
        b->balance += (now - b->refilled) * b->share;
        double cap = b->share * PH_BUDGET_WINDOW;
        if (b->balance > cap)
            b->balance = cap;
        b->refilled = now;
    }
    if (cpu > 0)
        b->balance -= cpu;
    return b->balance < 0 ? -b->balance / b->share : 0.0;
}

/* The calling thread's position: CPU time already charged, and how deeply
 * it is inside scan work (a container's members are scanned inside the
 * container's file, by another ph_worker on the same thread). */
static _Thread_local struct {
    double mark;
    int depth;
} here;

/* At the start of a scan or of a call for one file: the bucket starts anew
 * only when the budget was changed (or never started), never per call, so
 * a caller that scans file by file (phash_scanner_scan_file) pays each
 * file's debt before the next one. (It used to start at every call: the
 * debt of a file was forgotten and such a scan never slept between files,
 * which went unseen natively, where the bound's one-second window covered
 * the few milliseconds of the test's files, and failed under valgrind.) */
void ph_scan_budget_begin(phash_scanner *s)
{
    double share = s->max_cpu / 100.0;
    if (s->budget.share < share || s->budget.share > share)
        ph_cpu_budget_start(&s->budget, share, ph_now());
}

/* Charge the CPU used since the last mark; with wait, sleep off any debt
 * (in slices, to notice a cancel). */
static void charge(phash_scanner *s, int wait)
{
    double now_cpu = ph_thread_cpu_seconds();
    double used = now_cpu - here.mark;
    ph_mutex_lock(s->rate_lock);
    double debt = ph_cpu_budget_charge(&s->budget, ph_now(), used);
    ph_mutex_unlock(s->rate_lock);
    double slept = 0.0;
    while (wait && debt > 0 && !atomic_load(&s->cancelled)) {
        double t0 = ph_now();
        ph_sleep(debt > 0.2 ? 0.2 : debt);
        slept += ph_now() - t0;
        ph_mutex_lock(s->rate_lock);
        debt = ph_cpu_budget_charge(&s->budget, ph_now(), 0.0);
        ph_mutex_unlock(s->rate_lock);
    }
    ph_scan_count(s, PHASH_SCAN_THROTTLED_MS, (uint64_t)(slept * 1000.0 + 0.5));
    here.mark = wait ? ph_thread_cpu_seconds() : now_cpu;
}

void ph_scan_budget_enter(phash_scanner *s)
{
    if (!s->max_cpu)
        return;
    if (here.depth++ == 0) {
        here.mark = ph_thread_cpu_seconds();
        charge(s, 1); /* the debt of earlier files is paid before this one starts */
    }
}

int ph_scan_budget_point(phash_scanner *s)
{
    if (s->max_cpu && here.depth > 0)
        charge(s, 1);
    return atomic_load(&s->cancelled) ? -1 : 0;
}

void ph_scan_budget_leave(phash_scanner *s)
{
    if (!s->max_cpu || here.depth == 0)
        return;
    if (--here.depth == 0)
        charge(s, 0);
}
