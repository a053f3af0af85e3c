/* SPDX-License-Identifier: MIT */
/* phash scan: hash every image under some folders and report those that
 * match a signature set. The main thread walks the folders (and, with
 * --watch, follows inotify events); N worker threads sniff, decode, hash and
 * query; a bounded queue between them keeps memory bounded. Low impact by
 * default: one worker, lowest CPU and I/O priority. Writes nothing but the
 * report (stdout) and the summary (stderr). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "phash/phash.h"
#include "phash/dct.h"
#include "commands.h"
#include "scan_hash.h"
#include "scan_out.h"
#include "walk.h"

/* ---- options ---- */

typedef struct scan_opts {
    const char *signatures;      /* the first --signatures */
    const char **lists;          /* every --signatures, in order */
    int n_lists;
    unsigned algos;                            /* bit (1 << phash_sig_algo) */
    unsigned radius[PHASH_SIG_ALGO_MAX + 1];
    int dihedral, json, verbose, watch, nice;
    unsigned threads;
    double max_rate; /* images/s, 0 = unlimited */
    phash_dct_layout layout;
} scan_opts;

static void scan_usage(FILE *f)
{
    fprintf(f,
        "usage: phash scan PATH... --signatures SET [options]\n"
        "\n"
        "Hash every image under PATH (files and folders, recursively) and print one\n"
        "record per match with a signature set: CSV with a header, or JSON lines.\n"
        "\n"
        "  --signatures SET   signature list (plain, CSV/TSV, JSON lines) or compiled\n"
        "                     set (.phx from 'phash sigset compile'); several lists\n"
        "                     may be given (repeat the option), a compiled set alone\n"
        "  --algo LIST        pdq, phash or pdq,phash (default: what the set holds)\n"
        "  --radius N         match distance, inclusive, for every algorithm, or\n"
        "                     pdq=N,phash=M (default pdq=%u, phash=%u)\n"
        "  --dihedral         PDQ: also match the 8 rotations/flips of each image\n"
        "  --phash-layout L   pHash bit layout of the set: 1.0 (default) or 0.9\n"
        "  --json             JSON lines instead of CSV\n"
        "  --threads N        worker threads (default 1)\n"
        "  --nice / --no-nice lowest CPU and I/O priority (default on)\n"
        "  --max-rate N       at most N images per second (default unlimited)\n"
        "  --verbose          list files that could not be hashed on stderr\n"
        "  --watch            after the first pass, hash new and changed files as they\n"
        "                     appear (inotify) until SIGINT or SIGTERM\n"
        "\n"
        "Files are recognised by content (magic bytes), never by name; other files are\n"
        "skipped. Symbolic links are followed, each folder is visited once. A summary\n"
        "goes to stderr. Nothing else is written anywhere.\n"
        "Exit status: 0 no match, 1 at least one match, 2 error (bad usage, the set\n"
        "could not be loaded, or a PATH could not be read).\n",
        SCAN_DEFAULT_RADIUS_PDQ, SCAN_DEFAULT_RADIUS_PHASH);
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_algos(const char *s, unsigned *mask)
{
    *mask = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        phash_sig_algo a;
        if (phash_sig_algo_parse(s, n, &a) != PHASH_OK)
            return -1;
        *mask |= 1u << a;
        s += n + (s[n] == ',');
    }
    return *mask ? 0 : -1;
}

/* "N" for every algorithm, or "pdq=N,phash=M". */
static int parse_radius(const char *s, unsigned radius[])
{
    if (!strchr(s, '=')) {
        unsigned r;
        if (parse_uint(s, 64, &r))
            return -1;
        radius[PHASH_SIG_PDQ] = radius[PHASH_SIG_PHASH] = r;
        return 0;
    }
    while (*s) {
        size_t n = strcspn(s, "=");
        phash_sig_algo a;
        if (!s[n] || phash_sig_algo_parse(s, n, &a) != PHASH_OK)
            return -1;
        s += n + 1;
        char num[16];
        size_t m = strcspn(s, ",");
        if (m == 0 || m >= sizeof num)
            return -1;
        memcpy(num, s, m);
        num[m] = '\0';
        if (parse_uint(num, a == PHASH_SIG_PDQ ? 256 : 64, &radius[a]))
            return -1;
        s += m + (s[m] == ',');
    }
    return 0;
}

/* Returns -1 on a usage error (message printed), 1 for --help. */
static int parse_args(int argc, char **argv, scan_opts *o, const char ***paths, int *npaths)
{
    *o = (scan_opts){.threads = 1, .nice = 1, .layout = PHASH_DCT_LAYOUT_1_0};
    o->radius[PHASH_SIG_PDQ] = SCAN_DEFAULT_RADIUS_PDQ;
    o->radius[PHASH_SIG_PHASH] = SCAN_DEFAULT_RADIUS_PHASH;
    *paths = calloc((size_t)argc, sizeof **paths);
    *npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                             \
    do {                                                                         \
        if (!val) {                                                              \
            fprintf(stderr, "phash scan: %s needs a value\n", a);                \
            return -1;                                                           \
        }                                                                        \
        i++;                                                                     \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return 1;
        else if (!strcmp(a, "--signatures") || !strcmp(a, "-s")) {
            NEED_VALUE();
            if (!o->signatures)
                o->signatures = val;
            if (!o->lists)
                o->lists = calloc((size_t)argc, sizeof *o->lists);
            if (o->lists)
                o->lists[o->n_lists++] = val;
        } else if (!strcmp(a, "--algo")) {
            NEED_VALUE();
            if (parse_algos(val, &o->algos)) {
                fprintf(stderr, "phash scan: --algo: expected pdq, phash or pdq,phash, found '%s'\n", val);
                return -1;
            }
        } else if (!strcmp(a, "--radius")) {
            NEED_VALUE();
            if (parse_radius(val, o->radius)) {
                fprintf(stderr, "phash scan: --radius: expected N or pdq=N,phash=M, found '%s'\n", val);
                return -1;
            }
        } else if (!strcmp(a, "--phash-layout")) {
            NEED_VALUE();
            if (phash_dct_layout_parse(val, &o->layout) != PHASH_OK) {
                fprintf(stderr, "phash scan: --phash-layout: expected 1.0 or 0.9, found '%s'\n", val);
                return -1;
            }
        } else if (!strcmp(a, "--threads")) {
            NEED_VALUE();
            if (parse_uint(val, 256, &o->threads) || o->threads == 0) {
                fprintf(stderr, "phash scan: --threads: expected 1 to 256, found '%s'\n", val);
                return -1;
            }
        } else if (!strcmp(a, "--max-rate")) {
            NEED_VALUE();
            char *end;
            o->max_rate = strtod(val, &end);
            if (end == val || *end || !(o->max_rate >= 0) || o->max_rate > 1e9) {
                fprintf(stderr, "phash scan: --max-rate: expected images per second, found '%s'\n", val);
                return -1;
            }
        } else if (!strcmp(a, "--dihedral"))
            o->dihedral = 1;
        else if (!strcmp(a, "--json"))
            o->json = 1;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v"))
            o->verbose = 1;
        else if (!strcmp(a, "--watch"))
            o->watch = 1;
        else if (!strcmp(a, "--nice"))
            o->nice = 1;
        else if (!strcmp(a, "--no-nice"))
            o->nice = 0;
        else if (!strcmp(a, "--")) {
            while (++i < argc)
                (*paths)[(*npaths)++] = argv[i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "phash scan: unknown option '%s' (see phash scan --help)\n", a);
            return -1;
        } else
            (*paths)[(*npaths)++] = a;
#undef NEED_VALUE
    }
    if (!o->signatures || *npaths == 0) {
        fprintf(stderr, "phash scan: %s (see phash scan --help)\n",
                !o->signatures ? "--signatures SET is required" : "no PATH to scan");
        return -1;
    }
    return 0;
}

/* ---- shared state ---- */

#define QUEUE_CAP 64

typedef struct scan {
    scan_opts opt;
    phash_matcher *matcher;
    /* the work queue */
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    char *queue[QUEUE_CAP];
    size_t head, count;
    int closed;
    /* output */
    pthread_mutex_t out_lock;
    /* rate limit */
    pthread_mutex_t rate_lock;
    double next_slot;
    /* counters */
    atomic_ullong files, images, not_images, unsupported_format, low_quality, matches,
        matched_images, errors;
    atomic_ullong error_kind[SCAN_ERROR_KINDS];
} scan;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- queue ---- */

static void queue_push(scan *s, char *path)
{
    pthread_mutex_lock(&s->lock);
    while (s->count == QUEUE_CAP && !g_stop)
        pthread_cond_wait(&s->not_full, &s->lock);
    if (g_stop) {
        pthread_mutex_unlock(&s->lock);
        free(path);
        return;
    }
    s->queue[(s->head + s->count++) % QUEUE_CAP] = path;
    pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->lock);
}

static char *queue_pop(scan *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->count == 0 && !s->closed)
        pthread_cond_wait(&s->not_empty, &s->lock);
    char *p = NULL;
    if (s->count) {
        p = s->queue[s->head];
        s->head = (s->head + 1) % QUEUE_CAP;
        s->count--;
        pthread_cond_signal(&s->not_full);
    }
    pthread_mutex_unlock(&s->lock);
    return p;
}

static void queue_close(scan *s)
{
    pthread_mutex_lock(&s->lock);
    s->closed = 1;
    pthread_cond_broadcast(&s->not_empty);
    pthread_cond_broadcast(&s->not_full);
    pthread_mutex_unlock(&s->lock);
}

/* ---- output ---- */

static const char *const variant_names[8] = {"orig", "rot90", "rot180", "rot270",
                                             "flipx", "flipy", "flipp", "flipm"};

static void print_header(const scan *s)
{
    if (!s->opt.json)
        printf("path,algo,distance,variant,list,id,metadata,hash\n");
}

static void print_match(const char *path, phash_sig_algo algo, const phash_match *m,
                        const phash_sigset_owner *o, int json)
{
    const char *variant = variant_names[m->variant & 7];
    if (json) {
        fputs("{\"path\":", stdout);
        out_json_string(stdout, path);
        printf(",\"algo\":\"%s\",\"distance\":%u,\"variant\":\"%s\",\"list\":",
               phash_sig_algo_name(algo), m->distance, variant);
        out_json_string(stdout, o->list);
        fputs(",\"id\":", stdout);
        out_json_string(stdout, o->id);
        fputs(",\"metadata\":", stdout);
        out_json_string(stdout, o->metadata);
        printf(",\"hash\":\"%s\"}\n", m->hash);
    } else {
        out_csv_field(stdout, path);
        printf(",%s,%u,%s,", phash_sig_algo_name(algo), m->distance, variant);
        out_csv_field(stdout, o->list);
        putchar(',');
        out_csv_field(stdout, o->id);
        putchar(',');
        out_csv_field(stdout, o->metadata);
        printf(",%s\n", m->hash);
    }
}

/* ---- workers ---- */

typedef struct worker {
    scan *s;
    pthread_t thread;
    scan_hasher *hasher;
    phash_matches *matches;
} worker;

static void rate_wait(scan *s)
{
    if (s->opt.max_rate <= 0)
        return;
    pthread_mutex_lock(&s->rate_lock);
    double t = now();
    double slot = s->next_slot > t ? s->next_slot : t;
    s->next_slot = slot + 1.0 / s->opt.max_rate;
    pthread_mutex_unlock(&s->rate_lock);
    while (!g_stop && slot > (t = now())) {
        double d = slot - t;
        if (d > 0.2)
            d = 0.2; /* stay responsive to signals */
        struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void count_error(scan *s, const char *path, scan_error_kind kind, const char *detail)
{
    atomic_fetch_add(&s->errors, 1);
    atomic_fetch_add(&s->error_kind[kind], 1);
    if (s->opt.verbose) {
        pthread_mutex_lock(&s->out_lock);
        fprintf(stderr, "phash scan: %s: %s (%s)\n", path, scan_error_name(kind), detail);
        pthread_mutex_unlock(&s->out_lock);
    }
}

static void process(worker *w, const char *path)
{
    scan *s = w->s;
    atomic_fetch_add(&s->files, 1);
    scan_result res;
    scan_sniff sn = scan_sniff_file(path);
    if (sn.status == SCAN_SNIFF_ERROR) {
        count_error(s, path, sn.error, sn.detail);
        return;
    }
    if (sn.status == SCAN_SNIFF_NOT_IMAGE) {
        atomic_fetch_add(&s->not_images, 1);
        return;
    }
    if (sn.status == SCAN_SNIFF_UNSUPPORTED) {
        atomic_fetch_add(&s->unsupported_format, 1);
        return;
    }
    rate_wait(s);
    if (g_stop)
        return;
    const char *detail = NULL;
    scan_error_kind kind = scan_hash_file(w->hasher, path, &res, &detail);
    if (kind != SCAN_OK) {
        count_error(s, path, kind, detail);
        return;
    }
    atomic_fetch_add(&s->images, 1);
    int matched = 0;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        if (!(s->opt.algos & (1u << a)))
            continue;
        if (!res.usable[a]) {
            atomic_fetch_add(&s->low_quality, 1);
            continue;
        }
        const void *codes = a == PHASH_SIG_PDQ ? (const void *)res.pdq : (const void *)&res.phash;
        unsigned variants = a == PHASH_SIG_PDQ && s->opt.dihedral ? 8 : 1;
        if (phash_matcher_query(s->matcher, (phash_sig_algo)a, codes, variants, s->opt.radius[a],
                                w->matches) != PHASH_OK) {
            count_error(s, path, SCAN_ERR_NOMEM, "query failed");
            continue;
        }
        size_t n = phash_matches_count(w->matches);
        if (n == 0)
            continue;
        matched = 1;
        pthread_mutex_lock(&s->out_lock);
        for (size_t i = 0; i < n; i++) {
            phash_match m;
            if (phash_matches_get(w->matches, i, &m) != PHASH_OK)
                continue;
            for (size_t k = 0; k < m.owners; k++) {
                phash_sigset_owner o;
                if (phash_matches_owner(w->matches, i, k, &o) == PHASH_OK) {
                    print_match(path, (phash_sig_algo)a, &m, &o, s->opt.json);
                    atomic_fetch_add(&s->matches, 1);
                }
            }
        }
        fflush(stdout);
        pthread_mutex_unlock(&s->out_lock);
    }
    if (matched)
        atomic_fetch_add(&s->matched_images, 1);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    char *path;
    while ((path = queue_pop(w->s))) {
        if (!g_stop)
            process(w, path);
        free(path);
    }
    return NULL;
}

/* ---- low impact ---- */

/* Lowest CPU priority (nice 19 and SCHED_IDLE: runs only when the CPU is
 * otherwise idle) and idle I/O class. Set on the main thread before the
 * workers start: threads inherit both. Failures are ignored (not Linux,
 * not permitted): the scan still runs. */
static void lower_priority(void)
{
    (void)setpriority(PRIO_PROCESS, 0, 19);
#ifdef SCHED_IDLE
    struct sched_param sp = {0};
    (void)sched_setscheduler(0, SCHED_IDLE, &sp);
#endif
#ifdef SYS_ioprio_set
    /* IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_IDLE = 3 << IOPRIO_CLASS_SHIFT (13). */
    (void)syscall(SYS_ioprio_set, 1, 0, 3 << 13);
#endif
}

/* ---- walking and watching ---- */

typedef struct feeder {
    scan *s;
    int inotify_fd;
    char **wd_paths; /* watch descriptor -> folder */
    size_t wd_cap;
    double last_progress;
    int progress;
    unsigned long long unwatched; /* folders inotify refused */
} feeder;

static void show_progress(feeder *f, int final)
{
    if (!f->progress)
        return;
    double t = now();
    if (!final && t - f->last_progress < 0.25)
        return;
    f->last_progress = t;
    scan *s = f->s;
    pthread_mutex_lock(&s->out_lock);
    fprintf(stderr, "\r\033[Kscanning: %llu files, %llu images, %llu matches", atomic_load(&s->files),
            atomic_load(&s->images), atomic_load(&s->matches));
    if (final)
        fputs("\r\033[K", stderr);
    pthread_mutex_unlock(&s->out_lock);
}

static int on_file(void *ctx, const char *path, const struct stat *st)
{
    feeder *f = ctx;
    (void)st;
    char *p = strdup(path);
    if (p)
        queue_push(f->s, p);
    show_progress(f, 0);
    return g_stop != 0;
}

static void on_folder(void *ctx, const char *path)
{
    feeder *f = ctx;
    if (f->inotify_fd < 0)
        return;
    int wd = inotify_add_watch(f->inotify_fd, path,
                               IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
    if (wd < 0) {
        f->unwatched++; /* e.g. fs.inotify.max_user_watches reached */
        return;
    }
    if ((size_t)wd >= f->wd_cap) {
        size_t cap = (size_t)wd * 2 + 16;
        char **np = realloc(f->wd_paths, cap * sizeof *np);
        if (!np)
            return;
        memset(np + f->wd_cap, 0, (cap - f->wd_cap) * sizeof *np);
        f->wd_paths = np;
        f->wd_cap = cap;
    }
    free(f->wd_paths[wd]);
    f->wd_paths[wd] = strdup(path);
}

static void on_walk_error(void *ctx, const char *path, int err)
{
    feeder *f = ctx;
    scan_error_kind kind = err == ENOENT ? SCAN_ERR_VANISHED : SCAN_ERR_UNREADABLE;
    atomic_fetch_add(&f->s->files, 1);
    count_error(f->s, path, kind, strerror(err));
}

/* Follow inotify events until a signal: new files are queued, new folders
 * walked (and so watched). */
static void watch_loop(feeder *f, walk_callbacks *cb)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (!g_stop) {
        struct pollfd p = {f->inotify_fd, POLLIN, 0};
        int r = poll(&p, 1, 250);
        if (r <= 0)
            continue;
        ssize_t n = read(f->inotify_fd, buf, sizeof buf);
        for (ssize_t off = 0; n > 0 && off < n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(buf + off);
            off += (ssize_t)(sizeof *ev + ev->len);
            if (!ev->len || ev->wd < 0 || (size_t)ev->wd >= f->wd_cap || !f->wd_paths[ev->wd])
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", f->wd_paths[ev->wd], ev->name);
            if (ev->mask & IN_ISDIR) {
                if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                    walk(path, cb, &g_stop);
            } else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
                struct stat st;
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                    on_file(f, path, &st);
            }
        }
    }
}

/* ---- the set ---- */

static int load_signatures(scan *s)
{
    s->matcher = phash_matcher_new();
    if (!s->matcher || !s->opt.lists)
        return -1;
    if (scan_is_compiled_set(s->opt.signatures)) {
        if (s->opt.n_lists > 1) {
            fprintf(stderr, "phash scan: a compiled set must be the only --signatures\n");
            return -1;
        }
        if (phash_matcher_open(s->matcher, s->opt.signatures) != PHASH_OK) {
            fprintf(stderr, "phash scan: %s\n", phash_matcher_last_error(s->matcher));
            return -1;
        }
        return 0;
    }
    phash_sigset *set = phash_sigset_new();
    for (int i = 0; i < s->opt.n_lists; i++) {
        const char *list = s->opt.lists[i];
        phash_sigset_report rep;
        phash_status st = set && !scan_is_compiled_set(list)
                              ? phash_sigset_load_file(set, list, &rep)
                              : set ? PHASH_ERR_INVALID_ARG : PHASH_ERR_NOMEM;
        if (st == PHASH_ERR_INVALID_ARG) {
            fprintf(stderr, "phash scan: %s: a compiled set must be the only --signatures\n",
                    list);
            phash_sigset_free(set);
            return -1;
        }
        if (st != PHASH_OK) {
            fprintf(stderr, "phash scan: cannot load the signature set: %s\n",
                    set ? phash_sigset_last_error(set) : phash_strerror(st));
            for (unsigned k = 0; set && k < rep.n_messages; k++)
                fprintf(stderr, "  %s\n", rep.messages[k]);
            phash_sigset_free(set);
            return -1;
        }
        if (rep.invalid)
            fprintf(stderr, "phash scan: %s: %llu invalid records skipped (first: %s); "
                            "'phash sigset check' lists them\n",
                    list, (unsigned long long)rep.invalid, rep.messages[0]);
    }
    if (phash_matcher_use(s->matcher, set) != PHASH_OK) {
        phash_sigset_free(set);
        return -1;
    }
    return 0;
}

/* ---- main ---- */

static void print_summary(scan *s, double seconds)
{
    unsigned long long images = atomic_load(&s->images);
    fprintf(stderr,
            "phash scan: %llu files, %llu images hashed, %llu not images, %llu unsupported "
            "formats, %llu errors; %llu matches, %llu images matched; %u thread%s, "
            "%.1f images/s, "
            "%.2f s\n",
            atomic_load(&s->files), images, atomic_load(&s->not_images),
            atomic_load(&s->unsupported_format), atomic_load(&s->errors),
            atomic_load(&s->matches), atomic_load(&s->matched_images), s->opt.threads,
            s->opt.threads == 1 ? "" : "s", seconds > 0 ? (double)images / seconds : 0.0,
            seconds);
    if (atomic_load(&s->errors)) {
        fputs("phash scan: errors:", stderr);
        const char *sep = " ";
        for (int k = 1; k < SCAN_ERROR_KINDS; k++)
            if (atomic_load(&s->error_kind[k])) {
                fprintf(stderr, "%s%s %llu", sep, scan_error_name((scan_error_kind)k),
                        atomic_load(&s->error_kind[k]));
                sep = ", ";
            }
        fputs(s->opt.verbose ? "\n" : " (--verbose lists the files)\n", stderr);
    }
    if (atomic_load(&s->low_quality))
        fprintf(stderr, "phash scan: %llu hashes too low in quality to match (flat or tiny "
                        "images)\n", atomic_load(&s->low_quality));
}

int cmd_scan(int argc, char **argv)
{
    scan *s = calloc(1, sizeof *s);
    const char **paths = NULL;
    int npaths, rc = parse_args(argc, argv, &s->opt, &paths, &npaths);
    if (rc) {
        if (rc > 0)
            scan_usage(stdout);
        free(paths);
        free(s->opt.lists);
        free(s);
        return rc > 0 ? EXIT_NO_MATCH : EXIT_ERROR;
    }
    if (load_signatures(s)) {
        phash_matcher_free(s->matcher);
        free(paths);
        free(s->opt.lists);
        free(s);
        return EXIT_ERROR;
    }
    /* Default algorithms: those the set holds and this build can compute. */
    if (!s->opt.algos) {
        for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
            if (phash_matcher_size(s->matcher, (phash_sig_algo)a)) {
                if (scan_hash_supported(1u << a))
                    s->opt.algos |= 1u << a;
                else
                    fprintf(stderr, "phash scan: the set holds %s hashes, which this build "
                                    "cannot compute: they are not matched\n",
                            phash_sig_algo_name((phash_sig_algo)a));
            }
        if (!s->opt.algos) {
            fprintf(stderr, "phash scan: nothing to match: the set holds no hash this build "
                            "computes\n");
            phash_matcher_free(s->matcher);
            free(paths);
            free(s->opt.lists);
            free(s);
            return EXIT_ERROR;
        }
    }
    if (!scan_hash_supported(s->opt.algos)) {
        fprintf(stderr, "phash scan: this build cannot compute %s hashes\n",
                scan_hash_missing(s->opt.algos));
        phash_matcher_free(s->matcher);
        free(paths);
        free(s->opt.lists);
        free(s);
        return EXIT_ERROR;
    }
    if (s->opt.nice)
        lower_priority();

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->out_lock, NULL);
    pthread_mutex_init(&s->rate_lock, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->not_full, NULL);

    worker *w = calloc(s->opt.threads, sizeof *w);
    unsigned started = 0;
    for (unsigned i = 0; w && i < s->opt.threads; i++) {
        w[i].s = s;
        w[i].hasher = scan_hasher_new(s->opt.algos, s->opt.dihedral, s->opt.layout);
        w[i].matches = phash_matches_new();
        if (!w[i].hasher || !w[i].matches ||
            pthread_create(&w[i].thread, NULL, worker_main, &w[i])) {
            scan_hasher_free(w[i].hasher);
            phash_matches_free(w[i].matches);
            break;
        }
        started++;
    }
    int fatal = started == 0;
    if (fatal)
        fprintf(stderr, "phash scan: out of memory\n");
    print_header(s);
    fflush(stdout);

    feeder f = {.s = s, .inotify_fd = -1, .progress = isatty(2) && !s->opt.verbose};
    if (s->opt.watch && (f.inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0) {
        fprintf(stderr, "phash scan: --watch: inotify unavailable (%s)\n", strerror(errno));
        fatal = 1;
    }
    walk_callbacks cb = {.ctx = &f, .file = on_file, .folder = on_folder, .error = on_walk_error};
    double t0 = now();
    int bad_path = 0;
    for (int i = 0; i < npaths && !fatal && !g_stop; i++)
        if (walk(paths[i], &cb, &g_stop) < 0)
            bad_path = 1; /* a PATH that cannot be read at all: status 2 */
    if (s->opt.watch && f.inotify_fd >= 0 && !g_stop && started)
        watch_loop(&f, &cb);

    queue_close(s);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        scan_hasher_free(w[i].hasher);
        phash_matches_free(w[i].matches);
    }
    show_progress(&f, 1);
    double seconds = now() - t0;
    print_summary(s, seconds);
    if (f.unwatched)
        fprintf(stderr, "phash scan: --watch: %llu folders could not be watched (inotify "
                        "limit? see /proc/sys/fs/inotify/max_user_watches)\n", f.unwatched);

    if (f.inotify_fd >= 0)
        close(f.inotify_fd);
    for (size_t i = 0; i < f.wd_cap; i++)
        free(f.wd_paths[i]);
    free(f.wd_paths);
    free(w);
    free(paths);
    free(s->opt.lists);
    phash_matcher_free(s->matcher);
    int status = fatal || bad_path ? EXIT_ERROR : atomic_load(&s->matches) ? EXIT_MATCH : EXIT_NO_MATCH;
    free(s);
    return status;
}
