/* SPDX-License-Identifier: MIT */
/* The scanner handle: configuration, the work queue and its worker
 * threads, serialised reports, counters, the rate limit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scan_int.h"

/* ---- handle and configuration ------------------------------------------------ */

phash_status phash_scanner_new(phash_scanner **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = NULL;
    phash_scanner *s = ph_calloc(1, sizeof *s);
    if (!s)
        return PHASH_ERR_NOMEM;
    s->threads = 1;
    s->size_filter = 1;
    s->layout = PHASH_DCT_LAYOUT_1_0;
    s->pdq_mode = PHASH_PDQ_FULL;
    /* The measured defaults (include/phash/alert.h, bench/accuracy): PDQ's
     * 8 dihedral hashes and the border and embedded views. */
    s->dihedral = PHASH_ALERT_RECOMMENDED_DIHEDRAL;
    s->expand = PHASH_VIEW_ALL_EXPANSIONS;
    s->max_read = PH_SCAN_DEFAULT_MAX_READ;
    s->container_depth = 4;
    s->container_members = 100000;
    s->container_bytes = (uint64_t)8 << 30;
    s->container_ratio = 100;
    s->watch_rescan = 600;
    s->watch_fanotify = 1;
    s->member_size = (uint64_t)256 << 20;
    s->flood_limit = PHASH_SCAN_DEFAULT_FLOOD_LIMIT;
    s->radius[PHASH_SIG_PDQ] = PHASH_SCAN_DEFAULT_RADIUS_PDQ;
    s->radius[PHASH_SIG_PHASH] = PHASH_SCAN_DEFAULT_RADIUS_PHASH;
    s->radius[PHASH_SIG_VPDQ] = PHASH_SCAN_DEFAULT_RADIUS_VPDQ;
    ph_scan_video_defaults(&s->vcfg);
    atomic_init(&s->video_extra, 0);
    phash_limits_default(&s->limits);
    atomic_init(&s->cancelled, 0);
    for (int i = 0; i < PHASH_SCAN_COUNTERS; i++)
        atomic_init(&s->counters[i], 0);
    if (phash_alert_policy_new(&s->policy) != PHASH_OK || ph_mutex_new(&s->cb_lock) ||
        ph_mutex_new(&s->lock) || ph_mutex_new(&s->rate_lock) ||
        ph_cond_new(&s->not_empty) || ph_cond_new(&s->not_full) || ph_cond_new(&s->turn) ||
        ph_scan_flood_begin(s)) {
        phash_scanner_free(s);
        return PHASH_ERR_NOMEM;
    }
    *out = s;
    return PHASH_OK;
}

static void drop_sync_worker(phash_scanner *s)
{
    if (s->sync_worker) {
        ph_worker_release(s->sync_worker);
        ph_free(s->sync_worker);
        s->sync_worker = NULL;
    }
}

void phash_scanner_free(phash_scanner *s)
{
    if (!s)
        return;
    drop_sync_worker(s);
    ph_scan_watch_end(s);
    ph_walk_release(s);
    ph_scan_flood_free(s);
    phash_alert_policy_free(s->policy);
    ph_mutex_free(s->cb_lock);
    ph_mutex_free(s->lock);
    ph_mutex_free(s->rate_lock);
    ph_cond_free(s->not_empty);
    ph_cond_free(s->not_full);
    ph_cond_free(s->turn);
    ph_free(s);
}

const char *phash_scanner_last_error(const phash_scanner *s)
{
    return s ? ph_error_message(&s->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

/* Configuration changes are refused during a scan and drop the cached
 * single-file worker (its hashers were made with the old settings). */
static phash_status config_check(phash_scanner *s)
{
    if (!s)
        return PHASH_ERR_INVALID_ARG;
    if (s->running)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "the scanner is running a scan");
    drop_sync_worker(s);
    return PHASH_OK;
}

static phash_status bad_value(phash_scanner *s, int option, int64_t value)
{
    return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "scanner option %d: invalid value %lld",
                        option, (long long)value);
}

phash_status phash_scanner_set_option(phash_scanner *s, phash_scan_option option, int64_t value)
{
    phash_status st = config_check(s);
    if (st != PHASH_OK)
        return st;
    int flag = value == 0 || value == 1;
    switch (option) {
    case PHASH_SCAN_OPT_THREADS:
        if (value < 1 || value > 256)
            return bad_value(s, option, value);
        s->threads = (unsigned)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_DIHEDRAL:
        if (value < PHASH_SCAN_DIHEDRAL_OFF || value > PHASH_SCAN_DIHEDRAL_REFERENCE)
            return bad_value(s, option, value);
        s->dihedral = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_REPORT_HASHES:
        if (!flag)
            return bad_value(s, option, value);
        s->report_hashes = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_PHASH_LAYOUT:
        if (value != PHASH_DCT_LAYOUT_1_0 && value != PHASH_DCT_LAYOUT_0_9)
            return bad_value(s, option, value);
        s->layout = (phash_dct_layout)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_PDQ_MODE:
        if (value != PHASH_PDQ_FULL && value != PHASH_PDQ_CLI512)
            return bad_value(s, option, value);
        s->pdq_mode = (phash_pdq_mode)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_PDQ_FAST:
        if (value < 0 || value > 65536)
            return bad_value(s, option, value);
        s->pdq_fast = (uint32_t)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_FOLLOW_LINKS:
        if (!flag)
            return bad_value(s, option, value);
        s->follow_links = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_LOW_PRIORITY:
        if (!flag)
            return bad_value(s, option, value);
        s->low_priority = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_EXPAND:
        if (value < 0 || (value & ~(int64_t)PHASH_VIEW_ALL_EXPANSIONS))
            return bad_value(s, option, value);
        s->expand = (unsigned)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_DECODE_ALL:
        if (!flag)
            return bad_value(s, option, value);
        s->decode_all = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_APPLY_ORIENTATION:
        if (!flag)
            return bad_value(s, option, value);
        s->apply_orientation = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_ONE_FILE_SYSTEM:
        if (!flag)
            return bad_value(s, option, value);
        s->one_file_system = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_REPORT_SUPPRESSED:
        if (!flag)
            return bad_value(s, option, value);
        s->report_suppressed = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_ORDERED:
        if (!flag)
            return bad_value(s, option, value);
        s->ordered = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_REPORT_WEAK:
        if (!flag)
            return bad_value(s, option, value);
        s->report_weak = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_SIZE_FILTER:
        if (!flag)
            return bad_value(s, option, value);
        s->size_filter = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_MAX_CPU:
        if (value < 0 || value > 25600)
            return bad_value(s, option, value);
        s->max_cpu = (unsigned)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_WATCH_RESCAN:
        if (value < 0 || value > 86400 * 365)
            return bad_value(s, option, value);
        s->watch_rescan = (unsigned)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_FLOOD_LIMIT:
        if (value < 0 || value > ((int64_t)1 << 31))
            return bad_value(s, option, value);
        s->flood_limit = (uint64_t)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_REPORT_FLOODED:
        if (!flag)
            return bad_value(s, option, value);
        s->report_flooded = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_WATCH_FANOTIFY:
        if (!flag)
            return bad_value(s, option, value);
        s->watch_fanotify = (int)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_MAX_READ:
        if (value < ((int64_t)1 << 20) || value > ((int64_t)4 << 30) ||
            (uint64_t)value > SIZE_MAX / 2)
            return bad_value(s, option, value);
        s->max_read = (uint64_t)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_CONTAINER_DEPTH:
        if (value < 0 || value > 32)
            return bad_value(s, option, value);
        s->container_depth = (unsigned)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_CONTAINER_MEMBERS:
        if (value < 1 || value > ((int64_t)1 << 31))
            return bad_value(s, option, value);
        s->container_members = (uint64_t)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_CONTAINER_BYTES:
        if (value < ((int64_t)1 << 20) || value > ((int64_t)1 << 62))
            return bad_value(s, option, value);
        s->container_bytes = (uint64_t)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_CONTAINER_RATIO:
        if (value < 1 || value > 1000000)
            return bad_value(s, option, value);
        s->container_ratio = (uint64_t)value;
        return PHASH_OK;
    case PHASH_SCAN_OPT_MEMBER_SIZE:
        if (value < ((int64_t)1 << 20) || value > ((int64_t)4 << 30) ||
            (uint64_t)value > SIZE_MAX / 2)
            return bad_value(s, option, value);
        s->member_size = (uint64_t)value;
        return PHASH_OK;
    }
    return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "unknown scanner option %d", option);
}

int64_t phash_scanner_get_option(const phash_scanner *s, phash_scan_option option)
{
    if (!s)
        return -1;
    switch (option) {
    case PHASH_SCAN_OPT_THREADS: return s->threads;
    case PHASH_SCAN_OPT_DIHEDRAL: return s->dihedral;
    case PHASH_SCAN_OPT_REPORT_HASHES: return s->report_hashes;
    case PHASH_SCAN_OPT_PHASH_LAYOUT: return s->layout;
    case PHASH_SCAN_OPT_PDQ_MODE: return s->pdq_mode;
    case PHASH_SCAN_OPT_PDQ_FAST: return s->pdq_fast;
    case PHASH_SCAN_OPT_FOLLOW_LINKS: return s->follow_links;
    case PHASH_SCAN_OPT_LOW_PRIORITY: return s->low_priority;
    case PHASH_SCAN_OPT_MAX_READ: return (int64_t)s->max_read;
    case PHASH_SCAN_OPT_EXPAND: return s->expand;
    case PHASH_SCAN_OPT_DECODE_ALL: return s->decode_all;
    case PHASH_SCAN_OPT_APPLY_ORIENTATION: return s->apply_orientation;
    case PHASH_SCAN_OPT_CONTAINER_DEPTH: return s->container_depth;
    case PHASH_SCAN_OPT_CONTAINER_MEMBERS: return (int64_t)s->container_members;
    case PHASH_SCAN_OPT_CONTAINER_BYTES: return (int64_t)s->container_bytes;
    case PHASH_SCAN_OPT_CONTAINER_RATIO: return (int64_t)s->container_ratio;
    case PHASH_SCAN_OPT_MEMBER_SIZE: return (int64_t)s->member_size;
    case PHASH_SCAN_OPT_ONE_FILE_SYSTEM: return s->one_file_system;
    case PHASH_SCAN_OPT_REPORT_SUPPRESSED: return s->report_suppressed;
    case PHASH_SCAN_OPT_ORDERED: return s->ordered;
    case PHASH_SCAN_OPT_REPORT_WEAK: return s->report_weak;
    case PHASH_SCAN_OPT_SIZE_FILTER: return s->size_filter;
    case PHASH_SCAN_OPT_MAX_CPU: return s->max_cpu;
    case PHASH_SCAN_OPT_WATCH_RESCAN: return s->watch_rescan;
    case PHASH_SCAN_OPT_FLOOD_LIMIT: return (int64_t)s->flood_limit;
    case PHASH_SCAN_OPT_REPORT_FLOODED: return s->report_flooded;
    case PHASH_SCAN_OPT_WATCH_FANOTIFY: return s->watch_fanotify;
    }
    return -1;
}

phash_status phash_scanner_set_algorithms(phash_scanner *s, const char *names)
{
    phash_status st = config_check(s);
    if (st != PHASH_OK)
        return st;
    const ph_scan_algo *list[PH_SCAN_MAX_ALGOS];
    size_t n = 0;
    if (names && !strcmp(names, "none")) {
        s->n_algos = 0;
        s->algos_chosen = 1;
        return PHASH_OK;
    }
    for (const char *p = names ? names : ""; *p;) {
        size_t len = strcspn(p, ",");
        const ph_scan_algo *a = len ? ph_scan_algo_find(p, len) : NULL;
        if (!a)
            return ph_error_set(&s->err, PHASH_ERR_NOT_FOUND, "unknown hash algorithm '%.*s'",
                                (int)len, p);
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= list[i] == a;
        if (!dup && n < PH_SCAN_MAX_ALGOS)
            list[n++] = a;
        p += len + (p[len] == ',');
    }
    memcpy(s->algos, list, n * sizeof *list);
    s->n_algos = n;
    s->algos_chosen = n > 0;
    return PHASH_OK;
}

/* What the chosen algorithms need: a decoded image, digests of the bytes. */
static void summarise_algos(phash_scanner *s)
{
    s->n_image_algos = 0;
    s->digests = 0;
    s->video = 0;
    for (size_t i = 0; i < s->n_algos; i++) {
        if (s->algos[i]->digest)
            s->digests |= s->algos[i]->digest;
        else if (s->algos[i]->hash_image)
            s->n_image_algos++;
        s->video |= s->algos[i]->sig == PHASH_SIG_PDQ || s->algos[i]->sig == PHASH_SIG_VPDQ;
    }
}

phash_status phash_scanner_set_matcher(phash_scanner *s, const phash_matcher *m)
{
    phash_status st = config_check(s);
    if (st == PHASH_OK)
        s->matcher = m;
    return st;
}

phash_status phash_scanner_set_radius(phash_scanner *s, phash_sig_algo algo, unsigned radius)
{
    phash_status st = config_check(s);
    if (st != PHASH_OK)
        return st;
    unsigned max = algo == PHASH_SIG_PDQ || algo == PHASH_SIG_VPDQ ? 256
                 : algo == PHASH_SIG_PHASH                       ? 64
                                                                 : 0;
    if (!max || radius > max)
        return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG,
                            "radius %u out of range for algorithm %d", radius, (int)algo);
    if (algo == PHASH_SIG_VPDQ) { /* the video rule's distance: not the policy's */
        s->radius[algo] = radius;
        return PHASH_OK;
    }
    /* The policy's alert radius; a weak radius below it is raised so that
     * what alerted before still does (a smaller one is not lowered), and
     * pHash's radius alone is capped by it: nothing farther alerts. */
    int is_pdq = algo == PHASH_SIG_PDQ;
    phash_alert_option alert = is_pdq ? PHASH_ALERT_OPT_PDQ_RADIUS : PHASH_ALERT_OPT_PHASH_RADIUS;
    phash_alert_option weak = is_pdq ? PHASH_ALERT_OPT_PDQ_WEAK_RADIUS
                                     : PHASH_ALERT_OPT_PHASH_WEAK_RADIUS;
    if (phash_alert_policy_set(s->policy, alert, (int)radius) != PHASH_OK ||
        (phash_alert_policy_get(s->policy, weak) < (int)radius &&
         phash_alert_policy_set(s->policy, weak, (int)radius) != PHASH_OK) ||
        (!is_pdq && phash_alert_policy_get(s->policy, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS) >
                        (int)radius &&
         phash_alert_policy_set(s->policy, PHASH_ALERT_OPT_PHASH_ALONE_RADIUS, (int)radius) !=
             PHASH_OK))
        return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "radius %u refused by the policy",
                            radius);
    s->radius[algo] = radius;
    return PHASH_OK;
}

phash_status phash_scanner_set_alert_policy(phash_scanner *s, const phash_alert_policy *policy)
{
    phash_status st = config_check(s);
    if (st != PHASH_OK)
        return st;
    phash_alert_policy *def = NULL;
    if (!policy) {
        if (phash_alert_policy_new(&def) != PHASH_OK)
            return ph_error_set(&s->err, PHASH_ERR_NOMEM, "out of memory for the alert policy");
        policy = def;
    }
    if (phash_alert_policy_copy(s->policy, policy) != PHASH_OK) {
        phash_alert_policy_free(def);
        return ph_error_set(&s->err, PHASH_ERR_NOMEM, "out of memory for the alert policy");
    }
    s->radius[PHASH_SIG_PDQ] = (unsigned)phash_alert_policy_get(policy, PHASH_ALERT_OPT_PDQ_RADIUS);
    s->radius[PHASH_SIG_PHASH] =
        (unsigned)phash_alert_policy_get(policy, PHASH_ALERT_OPT_PHASH_RADIUS);
    phash_alert_policy_free(def);
    return PHASH_OK;
}

phash_status phash_scanner_set_list_option(phash_scanner *s, const char *list,
                                           phash_alert_option option, int value)
{
    phash_status st = config_check(s);
    if (st != PHASH_OK)
        return st;
    st = phash_alert_policy_set_list(s->policy, list, option, value);
    if (st != PHASH_OK)
        return ph_error_set(&s->err, st, "list setting %d = %d for '%s': %s", (int)option, value,
                            list ? list : "(null)",
                            st == PHASH_ERR_TOO_LARGE ? "too many lists with settings"
                                                      : phash_strerror(st));
    return PHASH_OK;
}

phash_status phash_scanner_set_limits(phash_scanner *s, const phash_limits *limits)
{
    phash_status st = config_check(s);
    if (st != PHASH_OK)
        return st;
    if (!limits)
        return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "no limits");
    if (ph_limits_in(&s->limits, limits) != PHASH_OK)
        return ph_error_set(&s->err, PHASH_ERR_VERSION, "limits: unknown struct size %zu",
                            limits->size);
    return PHASH_OK;
}

phash_status phash_scanner_set_rate(phash_scanner *s, double files_per_second)
{
    phash_status st = config_check(s);
    if (st != PHASH_OK)
        return st;
    if (!(files_per_second >= 0) || files_per_second > 1e9)
        return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "rate out of range");
    s->rate = files_per_second;
    s->next_slot = 0; /* paced anew from the next file; not per call (scan_file) */
    return PHASH_OK;
}

/* Default algorithms: those the set holds (that the scanner computes), or
 * PDQ without a set. */
void ph_scan_resolve_algos(phash_scanner *s)
{
    if (s->algos_chosen) {
        summarise_algos(s);
        return;
    }
    s->n_algos = 0;
    for (int a = 1; s->matcher && a <= PHASH_SIG_ALGO_MAX; a++) {
        const ph_scan_algo *row = ph_scan_algo_for_sig((phash_sig_algo)a);
        if (row && phash_matcher_size(s->matcher, (phash_sig_algo)a) &&
            s->n_algos < PH_SCAN_MAX_ALGOS)
            s->algos[s->n_algos++] = row;
    }
    if (s->n_algos == 0)
        s->algos[s->n_algos++] = ph_scan_algo_find("pdq", 3);
    summarise_algos(s);
}

/* ---- counters, reports, rate ---------------------------------------------------- */

void ph_scan_count(phash_scanner *s, phash_scan_counter c, uint64_t n)
{
    if (n)
        atomic_fetch_add_explicit(&s->counters[c], n, memory_order_relaxed);
}

uint64_t phash_scanner_counter(const phash_scanner *s, phash_scan_counter which)
{
    if (!s || (unsigned)which >= PHASH_SCAN_COUNTERS)
        return 0;
    return atomic_load_explicit(&((phash_scanner *)s)->counters[which], memory_order_relaxed);
}

void phash_scanner_reset_counters(phash_scanner *s)
{
    if (!s)
        return;
    for (int i = 0; i < PHASH_SCAN_COUNTERS; i++)
        atomic_store(&s->counters[i], 0);
    ph_scan_flood_reset(s);
}

phash_status ph_scan_deliver(phash_scanner *s, const phash_scan_report *r)
{
    ph_scan_count(s, PHASH_SCAN_FILES, 1);
    if (!s->cb)
        return PHASH_OK;
    ph_mutex_lock(s->cb_lock);
    ph_order_wait_turn(s);
    /* Once cancelled, a report is not given to the callback, and says so:
     * its matches must then stay pending in the state, not be marked
     * delivered (that lost the alerts of files other threads had finished). */
    int stop = atomic_load(&s->cancelled) ? 1 : s->cb(s->cb_ctx, r);
    ph_mutex_unlock(s->cb_lock);
    if (stop)
        atomic_store(&s->cancelled, 1);
    return stop ? PHASH_ERR_CANCELLED : PHASH_OK;
}

int ph_scan_rate_wait(phash_scanner *s)
{
    if (s->rate <= 0)
        return atomic_load(&s->cancelled) ? -1 : 0;
    ph_mutex_lock(s->rate_lock);
    double t = ph_now();
    double slot = s->next_slot > t ? s->next_slot : t;
    s->next_slot = slot + 1.0 / s->rate;
    ph_mutex_unlock(s->rate_lock);
    while (!atomic_load(&s->cancelled) && slot > (t = ph_now()))
        ph_sleep(slot - t > 0.2 ? 0.2 : slot - t); /* stay responsive to cancel */
    return atomic_load(&s->cancelled) ? -1 : 0;
}

void phash_scanner_cancel(phash_scanner *s)
{
    if (s)
        atomic_store(&s->cancelled, 1);
}

/* ---- one file on the calling thread ------------------------------------------- */

static phash_status begin(phash_scanner *s, phash_scan_callback cb, void *ctx)
{
    if (!s)
        return PHASH_ERR_INVALID_ARG;
    if (s->running)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "the scanner is running a scan");
    ph_scan_resolve_algos(s);
    s->cb = cb;
    s->cb_ctx = ctx;
    ph_scan_budget_begin(s);
    atomic_store(&s->cancelled, 0);
    if (s->state && ph_scan_cache_begin(s))
        return ph_error_set(&s->err, PHASH_ERR_IO, "%s", phash_state_last_error(s->state));
    return PHASH_OK;
}

static phash_status sync_worker(phash_scanner *s, ph_worker **out)
{
    if (!s->sync_worker) {
        ph_worker *w = ph_calloc(1, sizeof *w);
        if (!w || ph_worker_init(w, s)) {
            if (w)
                ph_worker_release(w);
            ph_free(w);
            return ph_error_set(&s->err, PHASH_ERR_NOMEM, "cannot create the hashers");
        }
        s->sync_worker = w;
    }
    *out = s->sync_worker;
    return PHASH_OK;
}

phash_status phash_scanner_scan_file(phash_scanner *s, const char *path, phash_scan_callback cb,
                                     void *ctx)
{
    phash_status st = begin(s, cb, ctx);
    ph_worker *w;
    if (st == PHASH_OK && !path)
        st = ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "no path");
    if (st == PHASH_OK)
        st = sync_worker(s, &w);
    if (st != PHASH_OK)
        return st;
    s->running = 1;
    w->named = 1;
    st = ph_worker_scan_path(w, path);
    w->named = 0;
    s->running = 0;
    return st;
}

phash_status phash_scanner_scan_memory(phash_scanner *s, const void *data, size_t len,
                                       const char *name, phash_scan_callback cb, void *ctx)
{
    phash_status st = begin(s, cb, ctx);
    ph_worker *w;
    if (st == PHASH_OK && !data && len)
        st = ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "no data");
    if (st == PHASH_OK)
        st = sync_worker(s, &w);
    if (st != PHASH_OK)
        return st;
    s->running = 1;
    st = ph_worker_scan_memory(w, data ? data : "", len, name);
    s->running = 0;
    return st;
}

/* ---- the persistent state ------------------------------------------------------ */

phash_status phash_scanner_set_state(phash_scanner *s, phash_state *state)
{
    phash_status st = config_check(s);
    if (st == PHASH_OK)
        s->state = state;
    return st;
}

phash_status phash_scanner_rematch(phash_scanner *s, phash_scan_callback cb, void *ctx)
{
    if (s && !s->running && !s->state)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "no state to rematch (set_state)");
    phash_status st = begin(s, cb, ctx);
    ph_worker *w;
    if (st == PHASH_OK)
        st = sync_worker(s, &w);
    if (st != PHASH_OK)
        return st;
    s->running = 1;
    ph_scan_flood_reset(s);
    st = ph_scan_cache_rematch(w);
    s->running = 0;
    return st;
}

/* ---- the queue and the workers -------------------------------------------------- */

static struct ph_queue_item queue_pop(phash_scanner *s)
{
    ph_mutex_lock(s->lock);
    while (s->q_count == 0 && !s->q_closed)
        ph_cond_wait(s->not_empty, s->lock);
    struct ph_queue_item p = {0};
    if (s->q_count) {
        p = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % PH_SCAN_QUEUE_CAP;
        s->q_count--;
        ph_cond_signal(s->not_full);
    }
    ph_mutex_unlock(s->lock);
    return p;
}

static void *worker_main(void *arg)
{
    ph_worker *w = arg;
    if (w->s->low_priority)
        (void)ph_lower_thread_priority();
    struct ph_queue_item item;
    while ((item = queue_pop(w->s)).path) {
        ph_order_enter(w->s, item.ticket);
        w->named = item.named;
        if (!atomic_load(&w->s->cancelled))
            (void)ph_worker_scan_path(w, item.path);
        /* A PATH given to scan that could not be read is the caller's error. */
        if (item.named && (w->rep.status == PHASH_ERR_IO || w->rep.status == PHASH_ERR_NOT_REGULAR))
            ph_scan_count(w->s, PHASH_SCAN_ROOT_ERRORS, 1);
        w->named = 0;
        ph_order_leave(w->s);
        ph_free(item.path);
    }
    return NULL;
}

static void stop_workers(phash_scanner *s)
{
    ph_mutex_lock(s->lock);
    s->q_closed = 1;
    ph_cond_broadcast(s->not_empty);
    ph_cond_broadcast(s->not_full);
    ph_mutex_unlock(s->lock);
    for (size_t i = 0; i < s->n_workers; i++) {
        ph_thread_join(s->workers[i].thread);
        ph_worker_release(&s->workers[i]);
    }
    ph_free(s->workers);
    s->workers = NULL;
    s->n_workers = 0;
    while (s->q_count) { /* dropped by a cancel */
        ph_free(s->queue[s->q_head].path);
        s->q_head = (s->q_head + 1) % PH_SCAN_QUEUE_CAP;
        s->q_count--;
    }
}

phash_status phash_scanner_start(phash_scanner *s, phash_scan_callback cb, void *ctx)
{
    phash_status st = begin(s, cb, ctx);
    if (st != PHASH_OK)
        return st;
    s->q_head = s->q_count = 0;
    s->q_closed = 0;
    ph_order_begin(s);
    ph_scan_flood_reset(s);
    s->workers = ph_calloc(s->threads, sizeof *s->workers);
    if (!s->workers)
        return ph_error_set(&s->err, PHASH_ERR_NOMEM, "out of memory");
    s->running = 1;
    for (unsigned i = 0; i < s->threads; i++) {
        ph_worker *w = &s->workers[i];
        int err = ph_worker_init(w, s) ? ENOMEM : ph_thread_start(&w->thread, worker_main, w);
        if (err) {
            ph_worker_release(w);
            if (s->n_workers == 0) {
                stop_workers(s);
                s->running = 0;
                return ph_error_set(&s->err, PHASH_ERR_NOMEM, "cannot start a worker: %s",
                                    strerror(err));
            }
            break; /* fewer workers than asked: still a working scan */
        }
        s->n_workers++;
    }
    /* Matches of earlier runs that were never delivered come first (a
     * callback that cancels here cancels the scan: submit says so). */
    (void)ph_scan_cache_deliver_pending(s);
    return PHASH_OK;
}

/* A path the walk could not read: a report of its own. */
static void walk_error(void *ctx, const char *path, int err, int named)
{
    phash_scanner *s = ctx;
    char detail[PH_DETAIL_LEN];
    snprintf(detail, sizeof detail, "cannot read %s: %s", path, strerror(err));
    phash_scan_report r = {.path = path, .status = err == ENOMEM ? PHASH_ERR_NOMEM : PHASH_ERR_IO,
                           .detail = detail, .error_number = err, .named = named};
    ph_scan_count(s, PHASH_SCAN_ERRORS, 1);
    ph_mutex_lock(s->lock);
    uint64_t ticket = ph_order_ticket(s); /* in order with the files queued */
    ph_mutex_unlock(s->lock);
    ph_order_enter(s, ticket);
    (void)ph_scan_deliver(s, &r);
    ph_order_leave(s);
}

/* Queue one file for the workers (blocks while the queue is full). */
static int queue_file(void *ctx, const char *path, int named)
{
    phash_scanner *s = ctx;
    size_t n = strlen(path) + 1;
    char *copy = ph_malloc(n);
    if (!copy) {
        walk_error(s, path, ENOMEM, named); /* reported, never dropped silently */
        return 0;
    }
    memcpy(copy, path, n);
    ph_scan_cache_seen(s, path);
    ph_mutex_lock(s->lock);
    while (s->q_count == PH_SCAN_QUEUE_CAP && !atomic_load(&s->cancelled))
        ph_cond_wait(s->not_full, s->lock);
    if (atomic_load(&s->cancelled)) {
        ph_mutex_unlock(s->lock);
        ph_free(copy);
        return 1;
    }
    s->queue[(s->q_head + s->q_count++) % PH_SCAN_QUEUE_CAP] =
        (struct ph_queue_item){copy, ph_order_ticket(s), named};
    ph_cond_signal(s->not_empty);
    ph_mutex_unlock(s->lock);
    return 0;
}

phash_status phash_scanner_submit(phash_scanner *s, const char *path)
{
    if (!s || !path)
        return PHASH_ERR_INVALID_ARG;
    if (!s->running || !s->workers)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "no scan started");
    if (atomic_load(&s->cancelled))
        return PHASH_ERR_CANCELLED;
    ph_walk_sink sink = {s, queue_file, walk_error};
    if (ph_walk(s, path, &sink) < 0)
        ph_scan_count(s, PHASH_SCAN_ROOT_ERRORS, 1);
    else
        ph_scan_cache_prune(s, path); /* entries of files no longer there */
    return atomic_load(&s->cancelled) ? PHASH_ERR_CANCELLED : PHASH_OK;
}

phash_status phash_scanner_finish(phash_scanner *s)
{
    if (!s)
        return PHASH_ERR_INVALID_ARG;
    if (!s->running || !s->workers)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "no scan started");
    ph_scan_watch_end(s);
    stop_workers(s);
    s->running = 0;
    return atomic_load(&s->cancelled) ? PHASH_ERR_CANCELLED : PHASH_OK;
}

phash_status phash_scanner_scan_paths(phash_scanner *s, const char *const *paths, size_t n,
                                      phash_scan_callback cb, void *ctx)
{
    if (!s || (!paths && n))
        return PHASH_ERR_INVALID_ARG;
    phash_status st = phash_scanner_start(s, cb, ctx);
    if (st != PHASH_OK)
        return st;
    for (size_t i = 0; i < n && st == PHASH_OK; i++)
        st = phash_scanner_submit(s, paths[i]);
    phash_status fin = phash_scanner_finish(s);
    return st != PHASH_OK ? st : fin;
}
