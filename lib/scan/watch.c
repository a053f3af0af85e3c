/* SPDX-License-Identifier: MIT */
/* Watching the roots of a running scan (phash_scanner_watch, _watch_wait):
 * the OS's change notification (lib/platform: ph_watch) turned into paths
 * submitted to the scan.
 *
 * - Files written and closed, or moved in, are held until their folder is
 *   quiet (no event for PH_WATCH_SETTLE s, or at most PH_WATCH_HOLD s of
 *   steady events) and submitted if still regular files: a download written
 *   under a temporary name and renamed is scanned once, by its final name.
 * - New folders are watched, then walked (the walk finds what was written
 *   before the watch began). Under a whole-file-system watch (fanotify) a
 *   folder created needs neither: its files come as events from its
 *   creation on (a walk would report them twice); one moved in is walked.
 * - The watch covers whole file systems when the OS allows it
 *   (PHASH_SCAN_OPT_WATCH_FANOTIFY, Linux's fanotify when privileged), else
 *   folder by folder (inotify); when a root's file system cannot be
 *   covered, every root is watched folder by folder from then on (the
 *   roots watched before are walked again: their events meanwhile are
 *   lost). phash_scanner_watch_backend() says which, and why.
 * - A root deleted (or moved away) is looked for again at every wait; when it
 *   is back it is watched and walked again. Folders below a root need no
 *   such care: their parent announces their return.
 * - When the OS drops events (inotify's queue overflowed), every root is
 *   watched again (new folders included) and walked again: with a state,
 *   unchanged files are answered from it, cheaply.
 * - A folder the OS refuses to watch (its limit of watches) is not
 *   descended into; it and everything below are walked again every
 *   PHASH_SCAN_OPT_WATCH_RESCAN seconds instead (after trying to watch them
 *   again).
 * - The walk controls hold for events as for the walk: a file or folder
 *   below an excluded folder (phash_scanner_add_exclude), or excluded
 *   itself, or with PHASH_SCAN_OPT_ONE_FILE_SYSTEM on another file system
 *   than its root, is not submitted (nor, for folders, watched). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scan_int.h"

#define PH_WATCH_SETTLE 0.25
#define PH_WATCH_HOLD 2.0

typedef struct path_list {
    char **items;
    size_t n, cap;
} path_list;

struct ph_scan_watch {
    ph_watch *w;
    path_list roots;
    unsigned char *lost; /* per root: its watch ended, look for it again */
    uint64_t *root_dev;  /* per root: its file system (ONE_FILE_SYSTEM) */
    size_t lost_cap;     /* of both */
    path_list unwatched;  /* folders the OS refused: rescanned */
    int retrying;         /* rescanning them: not counted again */
    double next_rescan;
    path_list files;      /* written files not yet settled */
    double first, last;   /* their first and last event */
    path_list again;      /* roots to walk again (the watch was replaced) */
    char detail[256];
    char backend[512];    /* phash_scanner_watch_backend */
};

static int list_has(const path_list *l, const char *p)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i], p))
            return 1;
    return 0;
}

static int list_add(path_list *l, const char *p)
{
    if (list_has(l, p))
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **items = ph_realloc(l->items, cap * sizeof *items);
        if (!items)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    size_t len = strlen(p) + 1;
    if (!(l->items[l->n] = ph_malloc(len)))
        return -1;
    memcpy(l->items[l->n++], p, len);
    return 0;
}

static void list_clear(path_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ph_free(l->items[i]);
    l->n = 0;
}

static void list_free(path_list *l)
{
    list_clear(l);
    ph_free(l->items);
    l->items = NULL;
    l->cap = 0;
}

void ph_scan_watch_end(phash_scanner *s)
{
    ph_scan_watch *sw = s->watch;
    if (!sw)
        return;
    ph_watch_free(sw->w);
    list_free(&sw->roots);
    list_free(&sw->unwatched);
    list_free(&sw->files);
    list_free(&sw->again);
    ph_free(sw->lost);
    ph_free(sw->root_dev);
    ph_free(sw);
    s->watch = NULL;
}

/* The root path is in or below (the longest), or -1. */
static long root_of(const ph_scan_watch *sw, const char *path)
{
    long found = -1;
    size_t best = 0;
    for (size_t i = 0; i < sw->roots.n; i++) {
        const char *r = sw->roots.items[i];
        size_t n = strlen(r);
        if (n >= best && !strncmp(path, r, n) &&
            (path[n] == '/' || path[n] == '\0' || (n && r[n - 1] == '/'))) {
            found = (long)i;
            best = n;
        }
    }
    return found;
}

/* Whether the walk from its root would reach path (on file system dev):
 * neither path nor a folder between the root and it excluded, and with
 * PHASH_SCAN_OPT_ONE_FILE_SYSTEM on the root's file system. 0 too for a
 * path outside every root, or out of memory (the rescans find it). */
static int reachable(const phash_scanner *s, const char *path, uint64_t dev)
{
    const ph_scan_watch *sw = s->watch;
    long r = root_of(sw, path);
    if (r < 0 || (s->one_file_system && dev != sw->root_dev[r]))
        return 0;
    if (!s->n_excludes)
        return 1;
    size_t n = strlen(path) + 1;
    char *p = ph_malloc(n);
    if (!p)
        return 0;
    memcpy(p, path, n);
    int in = 1;
    for (size_t i = strlen(sw->roots.items[r]) + 1; in && i < n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0'; /* the path down to this name */
        in = i == 0 || p[i - 1] == '/' || !ph_walk_excluded(s, p);
        p[i] = c;
    }
    ph_free(p);
    return in;
}

/* What the watch is, in words (phash_scanner_watch_backend); why: why
 * not of whole file systems, or NULL. */
static void describe(ph_scan_watch *sw, const char *why)
{
    if (ph_watch_recursive(sw->w)) {
        snprintf(sw->backend, sizeof sw->backend,
                 "%s: one mark per file system (its events outside the roots dropped)",
                 ph_watch_name(sw->w));
        return;
    }
    char limit[160];
    ph_watch_limit(limit, sizeof limit);
    snprintf(sw->backend, sizeof sw->backend, "%s: one watch per folder (limit: %s)%s%s",
             ph_watch_name(sw->w), limit, why ? "; " : "", why ? why : "");
}

static void watch_tree(phash_scanner *s, const char *folder, uint64_t dev);

/* The whole-file-system watch cannot cover folder's file system: every
 * root is watched folder by folder from now on, and those watched before
 * are walked again (their events not yet read are lost). 0 when done. */
static int fall_back(phash_scanner *s, const char *folder)
{
    ph_scan_watch *sw = s->watch;
    ph_watch *w;
    if (ph_watch_new(&w, 0))
        return -1;
    ph_watch *old = sw->w;
    sw->w = w;
    char why[300];
    snprintf(why, sizeof why, "fanotify cannot mark the file system of %.200s", folder);
    describe(sw, why);
    for (size_t i = 0; i < sw->roots.n; i++)
        if (strcmp(sw->roots.items[i], folder) && !sw->lost[i]) {
            watch_tree(s, sw->roots.items[i], sw->root_dev[i]);
            (void)list_add(&sw->again, sw->roots.items[i]); /* out of memory: the rescans */
        }
    ph_watch_free(old);
    return 0;
}

/* Watch folder and the folders below it (unless the OS's watch covers
 * them), those the walk would enter: dev is the file system of folder's
 * root. A folder over the OS's limit is kept for the periodic rescan. */
static void watch_tree(phash_scanner *s, const char *folder, uint64_t dev)
{
    ph_scan_watch *sw = s->watch;
    int err = ph_watch_add(sw->w, folder);
    if (err == EXDEV && fall_back(s, folder) == 0)
        err = ph_watch_add(sw->w, folder);
    if (err == ENOSPC) {
        if (!list_has(&sw->unwatched, folder) && list_add(&sw->unwatched, folder) == 0 &&
            !sw->retrying)
            ph_scan_count(s, PHASH_SCAN_UNWATCHED, 1);
        char limit[160];
        ph_watch_limit(limit, sizeof limit);
        snprintf(sw->detail, sizeof sw->detail,
                 "the limit of watched folders is reached (%s): folders over it are scanned "
                 "again every %u s", limit, s->watch_rescan);
        return;
    }
    if (err || ph_watch_recursive(sw->w))
        return;
    ph_dir *d;
    if (ph_dir_open(folder, &d))
        return;
    const char *name;
    size_t flen = strlen(folder);
    while (ph_dir_next(d, &name) == 0 && name) {
        size_t n = flen + strlen(name) + 2;
        char *child = ph_malloc(n);
        if (!child)
            break;
        snprintf(child, n, "%s%s%s", folder, flen && folder[flen - 1] == '/' ? "" : "/", name);
        ph_stat st;
        if (ph_stat_path(child, 0, &st) == 0 && st.type == PH_FILE_DIRECTORY &&
            !ph_walk_excluded(s, child) && (!s->one_file_system || st.device == dev))
            watch_tree(s, child, dev);
        ph_free(child);
    }
    ph_dir_close(d);
}

phash_status phash_scanner_watch(phash_scanner *s, const char *root)
{
    if (!s || !root)
        return PHASH_ERR_INVALID_ARG;
    if (!s->running || !s->workers)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "no scan started");
    if (!s->watch) {
        ph_scan_watch *sw = ph_calloc(1, sizeof *sw);
        if (!sw)
            return ph_error_set(&s->err, PHASH_ERR_NOMEM, "out of memory");
        int err = ph_watch_new(&sw->w, s->watch_fanotify);
        if (err) {
            ph_free(sw);
            return ph_error_set(&s->err, err == ENOSYS ? PHASH_ERR_UNSUPPORTED : PHASH_ERR_IO,
                                "change notification unavailable: %s", strerror(err));
        }
        sw->next_rescan = ph_now() + s->watch_rescan;
        s->watch = sw;
        describe(sw, !s->watch_fanotify ? "fanotify not asked for (PHASH_SCAN_OPT_WATCH_FANOTIFY 0)"
                     : ph_watch_recursive(sw->w) ? NULL
                                                 : "fanotify unavailable (not privileged: "
                                                   "CAP_SYS_ADMIN)");
    }
    ph_scan_watch *sw = s->watch;
    ph_stat st;
    if (ph_stat_path(root, 1, &st) != 0 || st.type != PH_FILE_DIRECTORY)
        return PHASH_OK; /* a file given to scan: its folder is not watched */
    if (list_add(&sw->roots, root))
        return ph_error_set(&s->err, PHASH_ERR_NOMEM, "out of memory");
    if (sw->lost_cap < sw->roots.cap) {
        unsigned char *lost = ph_realloc(sw->lost, sw->roots.cap);
        if (lost)
            sw->lost = lost;
        uint64_t *dev = ph_realloc(sw->root_dev, sw->roots.cap * sizeof *dev);
        if (dev)
            sw->root_dev = dev;
        if (!lost || !dev)
            return ph_error_set(&s->err, PHASH_ERR_NOMEM, "out of memory");
        memset(lost + sw->lost_cap, 0, sw->roots.cap - sw->lost_cap);
        sw->lost_cap = sw->roots.cap;
    }
    for (size_t i = 0; i < sw->roots.n; i++)
        if (!strcmp(sw->roots.items[i], root))
            sw->root_dev[i] = st.device;
    watch_tree(s, root, st.device);
    return PHASH_OK;
}

const char *phash_scanner_watch_detail(const phash_scanner *s)
{
    return s && s->watch ? s->watch->detail : "";
}

const char *phash_scanner_watch_backend(const phash_scanner *s)
{
    return s && s->watch ? s->watch->backend : "";
}

/* Watch folder again and walk it. Non-zero when the scan was cancelled. */
static int rescan(phash_scanner *s, const char *folder)
{
    long r = root_of(s->watch, folder);
    ph_stat st;
    uint64_t dev = r >= 0                              ? s->watch->root_dev[r]
                   : ph_stat_path(folder, 1, &st) == 0 ? st.device
                                                       : 0;
    watch_tree(s, folder, dev);
    return phash_scanner_submit(s, folder) == PHASH_ERR_CANCELLED;
}

/* Submit the settled files that are still regular files. */
static int flush_files(phash_scanner *s)
{
    ph_scan_watch *sw = s->watch;
    int stop = 0;
    for (size_t i = 0; i < sw->files.n && !stop; i++) {
        ph_stat st;
        if (ph_stat_path(sw->files.items[i], 0, &st) == 0 && st.type == PH_FILE_REGULAR &&
            reachable(s, sw->files.items[i], st.device))
            stop = phash_scanner_submit(s, sw->files.items[i]) == PHASH_ERR_CANCELLED;
    }
    list_clear(&sw->files);
    return stop;
}

static int on_event(phash_scanner *s, const ph_watch_event *ev)
{
    ph_scan_watch *sw = s->watch;
    switch (ev->kind) {
    case PH_WATCH_FILE:
        if (!sw->files.n)
            sw->first = ph_now();
        sw->last = ph_now();
        (void)list_add(&sw->files, ev->path); /* out of memory: the rescans find it */
        return 0;
    case PH_WATCH_FOLDER: {
        if (ev->covered)
            return 0; /* its files come as events */
        ph_stat st;
        if (ph_stat_path(ev->path, 0, &st) || st.type != PH_FILE_DIRECTORY ||
            !reachable(s, ev->path, st.device))
            return 0; /* gone already (its parent tells), or not walked */
        return rescan(s, ev->path);
    }
    case PH_WATCH_GONE:
        for (size_t i = 0; i < sw->roots.n; i++)
            if (!strcmp(sw->roots.items[i], ev->path))
                sw->lost[i] = 1;
        return 0;
    case PH_WATCH_OVERFLOW:
        ph_scan_count(s, PHASH_SCAN_WATCH_OVERFLOWS, 1);
        for (size_t i = 0; i < sw->roots.n; i++)
            if (!sw->lost[i] && rescan(s, sw->roots.items[i]))
                return 1;
        return 0;
    }
    return 0;
}

/* Roots whose watch ended: watched and walked again once they are back. */
static int find_lost_roots(phash_scanner *s)
{
    ph_scan_watch *sw = s->watch;
    for (size_t i = 0; i < sw->roots.n; i++) {
        ph_stat st;
        if (sw->lost[i] && ph_stat_path(sw->roots.items[i], 1, &st) == 0 &&
            st.type == PH_FILE_DIRECTORY) {
            sw->lost[i] = 0;
            sw->root_dev[i] = st.device;
            if (rescan(s, sw->roots.items[i]))
                return 1;
        }
    }
    return 0;
}

/* The folders over the OS's limit: tried again, walked again. */
static int rescan_unwatched(phash_scanner *s)
{
    ph_scan_watch *sw = s->watch;
    path_list again = sw->unwatched;
    sw->unwatched = (path_list){0};
    int stop = 0;
    sw->retrying = 1;
    for (size_t i = 0; i < again.n && !stop; i++)
        stop = rescan(s, again.items[i]);
    sw->retrying = 0;
    list_free(&again);
    return stop;
}

phash_status phash_scanner_watch_wait(phash_scanner *s, double seconds)
{
    if (!s || !(seconds >= 0))
        return PHASH_ERR_INVALID_ARG;
    if (!s->watch)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "nothing watched (phash_scanner_watch)");
    ph_scan_watch *sw = s->watch;
    double deadline = ph_now() + seconds;
    int stop = 0;
    while (!stop && !atomic_load(&s->cancelled)) {
        double now = ph_now(), wait = deadline - now;
        if (sw->files.n) {
            double due = sw->last + PH_WATCH_SETTLE;
            if (sw->first + PH_WATCH_HOLD < due)
                due = sw->first + PH_WATCH_HOLD;
            if (due - now < wait)
                wait = due - now;
        }
        if (wait > PH_WATCH_SETTLE)
            wait = PH_WATCH_SETTLE; /* roots to look for again */
        ph_watch_event ev;
        if (ph_watch_next(sw->w, wait > 0 ? wait : 0, &ev) == 0)
            stop = on_event(s, &ev);
        now = ph_now();
        if (!stop && sw->files.n &&
            (now >= sw->last + PH_WATCH_SETTLE || now >= sw->first + PH_WATCH_HOLD))
            stop = flush_files(s);
        if (!stop)
            stop = find_lost_roots(s);
        while (!stop && sw->again.n) { /* (the list is not used meanwhile) */
            stop = phash_scanner_submit(s, sw->again.items[--sw->again.n]) == PHASH_ERR_CANCELLED;
            ph_free(sw->again.items[sw->again.n]);
        }
        if (!stop && sw->unwatched.n && s->watch_rescan && now >= sw->next_rescan) {
            sw->next_rescan = now + s->watch_rescan;
            stop = rescan_unwatched(s);
        }
        if (now >= deadline)
            break;
    }
    return stop || atomic_load(&s->cancelled) ? PHASH_ERR_CANCELLED : PHASH_OK;
}
