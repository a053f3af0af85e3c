/* SPDX-License-Identifier: MIT */
/* Change notification, inotify beside fanotify (lib/platform's ph_watch,
 * the layer under phash_scanner_watch): what each needs to watch a tree
 * of folders, and what it costs to follow files being written.
 *
 * - Watches: a tree of FOLDERS folders (a 2-level layout) watched as
 *   lib/scan/watch.c does (inotify: every folder added; fanotify: the
 *   root, which covers the rest); the kernel objects counted from
 *   /proc/self/fdinfo (inotify "wd:" lines, fanotify marks), the set-up's
 *   CPU and wall time.
 * - Events: a child process writes FILES files (4 KiB each, created,
 *   written, closed) over the folders as fast as it can (MODE spread:
 *   round-robin, each file in another folder than the one before;
 *   grouped: FILES/FOLDERS files in a folder, then the next) while
 *   this process follows the watch; printed: the file events received
 *   (PH_WATCH_FILE of our files), overflows, the wall time from the first
 *   write to the last event, events/s, and the CPU time of the watching
 *   thread (per 1000 events) and of the writer. fanotify's mark is the
 *   whole file system's: events of other processes on it (a shared
 *   machine's builds) are read and dropped too, so the load average is
 *   printed before and after.
 * Run as root for fanotify (otherwise only inotify is measured). Each
 * backend's run is repeated ROUNDS times (default 3) and the median
 * printed.
 *
 * Usage: watch [FILES] [FOLDERS] [ROUNDS] [DIR] [MODE]; defaults 20000,
 * 1000, 3, /tmp, spread. Linux. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "platform/platform.h"

typedef struct run {
    double marks, setup_cpu, setup_wall;
    double events, overflows, wall, cpu, writer_cpu;
} run;

static void load(const char *when)
{
    double l[3];
    if (getloadavg(l, 3) == 3)
        printf("# load average %s: %.2f %.2f %.2f\n", when, l[0], l[1], l[2]);
}

/* Kernel watch objects of this process: inotify watches and fanotify marks. */
static long kernel_marks(void)
{
    long n = 0;
    char path[64], line[512];
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f))
            n += !strncmp(line, "inotify wd:", 11) || !strncmp(line, "fanotify ino:", 13) ||
                 !strncmp(line, "fanotify sdev:", 14) || !strncmp(line, "fanotify mnt_id:", 16);
        fclose(f);
    }
    return n;
}

static int grouped; /* MODE grouped: consecutive files in one folder */

/* The folder of file k. */
static unsigned folder_index(unsigned k, unsigned folders, unsigned files)
{
    unsigned per = files / folders ? files / folders : 1;
    return grouped ? (k / per) % folders : k % folders;
}

static void folder_of(char *out, size_t n, const char *root, unsigned i)
{
    snprintf(out, n, "%s/d%02u/e%04u", root, i % 32, i);
}

static void make_tree(const char *root, unsigned folders)
{
    char p[400];
    for (unsigned i = 0; i < 32; i++) {
        snprintf(p, sizeof p, "%s/d%02u", root, i);
        mkdir(p, 0700);
    }
    for (unsigned i = 0; i < folders; i++) {
        folder_of(p, sizeof p, root, i);
        mkdir(p, 0700);
    }
}

static void remove_tree(const char *root, unsigned folders, unsigned files, unsigned round)
{
    char p[600], d[400];
    for (unsigned k = 0; k < files; k++) {
        folder_of(d, sizeof d, root, folder_index(k, folders, files));
        snprintf(p, sizeof p, "%s/r%u-f%u.bin", d, round, k);
        unlink(p);
    }
    (void)folders;
}

/* The child: write the files, then exit. */
static void write_files(const char *root, unsigned folders, unsigned files, unsigned round)
{
    char p[600], d[400], buf[4096];
    memset(buf, 'x', sizeof buf);
    for (unsigned k = 0; k < files; k++) {
        folder_of(d, sizeof d, root, folder_index(k, folders, files));
        snprintf(p, sizeof p, "%s/r%u-f%u.bin", d, round, k);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || close(fd)) {
            perror(p);
            _exit(2);
        }
    }
    _exit(0);
}

static int measure(int whole, const char *root, unsigned folders, unsigned files, unsigned round,
                   run *r)
{
    ph_watch *w;
    if (ph_watch_new(&w, whole))
        return -1;
    if (whole && strcmp(ph_watch_name(w), "fanotify")) {
        ph_watch_free(w);
        return -1;
    }
    long before = kernel_marks();
    double t0 = bench_now(), c0 = bench_thread_cpu();
    int err = ph_watch_add(w, root);
    if (!err && !ph_watch_recursive(w)) { /* as lib/scan/watch.c: every folder */
        char p[400];
        for (unsigned i = 0; i < 32 && !err; i++) {
            snprintf(p, sizeof p, "%s/d%02u", root, i);
            err = ph_watch_add(w, p);
        }
        for (unsigned i = 0; i < folders && !err; i++) {
            folder_of(p, sizeof p, root, i);
            err = ph_watch_add(w, p);
        }
    }
    r->setup_cpu = bench_thread_cpu() - c0;
    r->setup_wall = bench_now() - t0;
    r->marks = (double)(kernel_marks() - before);
    if (err) {
        fprintf(stderr, "watch: %s: %s\n", ph_watch_name(w), strerror(err));
        ph_watch_free(w);
        return -1;
    }
    double w0 = bench_children_cpu();
    t0 = bench_now();
    c0 = bench_thread_cpu();
    pid_t pid = fork();
    if (pid == 0)
        write_files(root, folders, files, round);
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".bin");
    char prefix[32];
    snprintf(prefix, sizeof prefix, "/r%u-f", round);
    unsigned got = 0, over = 0;
    double last = t0;
    ph_watch_event ev;
    int status;
    pid_t done = 0;
    for (;;) {
        int e = ph_watch_next(w, 1.0, &ev);
        if (e == ETIMEDOUT) {
            if (done == 0)
                done = waitpid(pid, &status, WNOHANG);
            if (done)
                break; /* the writer is done and no event came for a second */
            continue;
        }
        if (e)
            break;
        if (ev.kind == PH_WATCH_OVERFLOW)
            over++;
        else if (ev.kind == PH_WATCH_FILE && strstr(ev.path, prefix)) {
            got++;
            last = bench_now();
            if (got == files)
                break;
        }
    }
    r->cpu = bench_thread_cpu() - c0;
    if (done == 0)
        waitpid(pid, &status, 0);
    r->writer_cpu = bench_children_cpu() - w0;
    r->wall = last - t0;
    r->events = got;
    r->overflows = over;
    ph_watch_free(w);
    return 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    unsigned files = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
    unsigned folders = argc > 2 ? (unsigned)atoi(argv[2]) : 1000;
    unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : 3;
    const char *dir = argc > 4 ? argv[4] : "/tmp";
    grouped = argc > 5 && !strcmp(argv[5], "grouped");
    if (!files || !folders || !rounds || rounds > 15 ||
        (argc > 5 && !grouped && strcmp(argv[5], "spread"))) {
        fprintf(stderr, "usage: watch [FILES] [FOLDERS] [ROUNDS 1..15] [DIR] [spread|grouped]\n");
        return 2;
    }
    bench_print_machine("watch (inotify vs fanotify)");
    char root[256];
    snprintf(root, sizeof root, "%s/phash-bench-watch-XXXXXX", dir);
    if (!mkdtemp(root)) {
        perror(root);
        return 2;
    }
    make_tree(root, folders);
    printf("# data: %u folders (+32 and the root) under %s, %u files of 4 KiB written by a "
           "child process (%s), %u rounds (medians)\n", folders, root, files,
           grouped ? "grouped: consecutive files in one folder" : "spread: round-robin over the folders",
           rounds);
    load("before");
    printf("%-9s %8s %10s %10s %9s %9s %9s %10s %12s %11s\n", "backend", "marks", "setup_cpu_s",
           "setup_s", "events", "overflow", "wall_s", "events/s", "cpu_ms/1000", "writer_cpu_s");
    unsigned round = 0;
    for (int whole = 0; whole <= 1; whole++) {
        double v[10][15];
        unsigned n = 0;
        for (unsigned k = 0; k < rounds; k++, round++) {
            run r;
            if (measure(whole, root, folders, files, round, &r)) {
                remove_tree(root, folders, files, round);
                break;
            }
            double *row[] = {&r.marks, &r.setup_cpu, &r.setup_wall, &r.events, &r.overflows,
                             &r.wall, &r.cpu, &r.writer_cpu};
            for (int i = 0; i < 8; i++)
                v[i][n] = *row[i];
            n++;
            remove_tree(root, folders, files, round);
        }
        if (!n) {
            printf("%-9s (unavailable: not root, or no fanotify)\n", whole ? "fanotify" : "inotify");
            continue;
        }
        double m[8];
        for (int i = 0; i < 8; i++)
            m[i] = median(v[i], n);
        printf("%-9s %8.0f %10.4f %10.4f %9.0f %9.0f %9.3f %10.0f %12.1f %11.3f\n",
               whole ? "fanotify" : "inotify", m[0], m[1], m[2], m[3], m[4], m[5],
               m[5] > 0 ? m[3] / m[5] : 0, m[3] > 0 ? m[6] * 1e6 / m[3] : 0, m[7]);
    }
    load("after");
    char p[400];
    for (unsigned i = 0; i < folders; i++) {
        folder_of(p, sizeof p, root, i);
        rmdir(p);
    }
    for (unsigned i = 0; i < 32; i++) {
        snprintf(p, sizeof p, "%s/d%02u", root, i);
        rmdir(p);
    }
    rmdir(root);
    return 0;
}
