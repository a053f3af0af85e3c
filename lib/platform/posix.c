/* SPDX-License-Identifier: MIT */
/* The platform layer on POSIX systems (Linux first; see platform.h). */
#define _GNU_SOURCE /* SCHED_IDLE (glibc defines it only with _GNU_SOURCE), syscall() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "platform.h"

/* ---- file facts ------------------------------------------------------------ */

static void fill_stat(const struct stat *s, ph_stat *st)
{
    st->type = S_ISREG(s->st_mode)   ? PH_FILE_REGULAR
               : S_ISDIR(s->st_mode) ? PH_FILE_DIRECTORY
               : S_ISLNK(s->st_mode) ? PH_FILE_LINK
                                     : PH_FILE_SPECIAL;
    st->size = s->st_size > 0 ? (uint64_t)s->st_size : 0;
    st->device = (uint64_t)s->st_dev;
    st->inode = (uint64_t)s->st_ino;
    st->mtime_ns = (int64_t)s->st_mtim.tv_sec * 1000000000 + s->st_mtim.tv_nsec;
    st->ctime_ns = (int64_t)s->st_ctim.tv_sec * 1000000000 + s->st_ctim.tv_nsec;
}

int ph_stat_path(const char *path, int follow, ph_stat *st)
{
    struct stat s;
    if ((follow ? stat(path, &s) : lstat(path, &s)) != 0)
        return errno;
    fill_stat(&s, st);
    return 0;
}

int ph_real_path(const char *path, char **out)
{
    *out = NULL;
    char *r = realpath(path, NULL); /* malloc'ed by libc: copied to ph_malloc */
    if (!r)
        return errno;
    size_t n = strlen(r) + 1;
    if ((*out = ph_malloc(n)) != NULL)
        memcpy(*out, r, n);
    free(r);
    return *out ? 0 : ENOMEM;
}

int ph_glob_match(const char *pattern, const char *name)
{
    return fnmatch(pattern, name, 0) == 0;
}

/* ---- reading files ------------------------------------------------------- */

struct ph_file {
    int fd;
};

static int type_errno(ph_file_type t)
{
    return t == PH_FILE_DIRECTORY ? EISDIR : ENODEV;
}

int ph_file_open(const char *path, ph_file **out, ph_stat *st)
{
    *out = NULL;
    ph_stat pre = {0};
    int err = ph_stat_path(path, 1, &pre);
    if (err)
        return err;
    if (pre.type != PH_FILE_REGULAR)
        return type_errno(pre.type);
    /* O_NONBLOCK: a FIFO swapped in after the check must not block us;
     * O_NOCTTY: a terminal must never become ours. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat s;
    if (fstat(fd, &s) != 0)
        err = errno;
    else if (!S_ISREG(s.st_mode))
        err = S_ISDIR(s.st_mode) ? EISDIR : ENODEV;
    if (err) {
        close(fd);
        return err;
    }
    /* Regular files ignore O_NONBLOCK for reads; clear it anyway. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    ph_file *f = ph_malloc(sizeof *f);
    if (!f) {
        close(fd);
        return ENOMEM;
    }
    f->fd = fd;
    if (st)
        fill_stat(&s, st);
    *out = f;
    return 0;
}

int ph_file_read(ph_file *f, void *buf, size_t n, size_t *got)
{
    for (;;) {
        ssize_t r = read(f->fd, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return 0;
        }
        if (errno != EINTR)
            return errno;
    }
}

int ph_file_pread(ph_file *f, uint64_t off, void *buf, size_t n, size_t *got)
{
    if (off > (uint64_t)INT64_MAX)
        return EINVAL;
    for (;;) {
        ssize_t r = pread(f->fd, buf, n, (off_t)off);
        if (r >= 0) {
            *got = (size_t)r;
            return 0;
        }
        if (errno != EINTR)
            return errno;
    }
}

void ph_file_close(ph_file *f)
{
    if (!f)
        return;
    close(f->fd);
    ph_free(f);
}

/* ---- private files ------------------------------------------------------- */

int ph_file_make_private(const char *path)
{
    /* O_NONBLOCK: a FIFO is opened without waiting for a writer, then refused. */
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == ENXIO || errno == ENODEV ? ENXIO : errno;
    struct stat sb;
    int err = 0;
    if (fstat(fd, &sb) != 0)
        err = errno;
    else if (!S_ISREG(sb.st_mode))
        err = S_ISDIR(sb.st_mode) ? EISDIR : ENXIO;
    else if ((sb.st_mode & 0777) != 0600 && fchmod(fd, 0600) != 0)
        err = errno;
    close(fd);
    return err;
}

int ph_rename_replace(const char *from, const char *to)
{
    return rename(from, to) == 0 ? 0 : errno;
}

/* ---- mapping files -------------------------------------------------------- */

struct ph_map {
    void *data;
    size_t size;
};

/* By default a file is read into private anonymous memory: a file
 * truncated under a shared mapping (another process rewriting it in place:
 * `cp new.idx live.idx`) raises SIGBUS at the next access to the lost
 * pages, whatever its size, and a library must not kill its process for
 * that. The copy keeps the file as it was when opened. PH_MAP_SHARED maps
 * instead (pages shared with the page cache and other processes, read on
 * demand), for callers that replace their files by rename only. Anonymous
 * memory is page-aligned like a mapping and released the same way. */
static int copy_file(ph_file *f, size_t size, void **out)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return errno;
    size_t have = 0, got = 1;
    int err = 0;
    while (!err && have < size && got > 0)
        if (!(err = ph_file_read(f, (char *)p + have, size - have, &got)))
            have += got;
    if (!err && have < size)
        err = EAGAIN; /* the file shrank while it was read: it is being rewritten */
    if (err || mprotect(p, size, PROT_READ) != 0) {
        err = err ? err : errno;
        munmap(p, size);
        return err;
    }
    *out = p;
    return 0;
}

int ph_map_open(const char *path, unsigned flags, ph_map **out, ph_stat *st)
{
    *out = NULL;
    ph_file *f;
    ph_stat s;
    int err = ph_file_open(path, &f, &s);
    if (err)
        return err;
    if (s.size > SIZE_MAX) {
        ph_file_close(f);
        return EFBIG;
    }
    ph_map *m = ph_calloc(1, sizeof *m);
    if (!m) {
        ph_file_close(f);
        return ENOMEM;
    }
    if (s.size > 0) {
        void *p = NULL;
        if (!(flags & PH_MAP_SHARED))
            err = copy_file(f, (size_t)s.size, &p);
        else if ((p = mmap(NULL, (size_t)s.size, PROT_READ, MAP_PRIVATE, f->fd, 0)) == MAP_FAILED)
            err = errno;
        if (err) {
            ph_file_close(f);
            ph_free(m);
            return err;
        }
        m->data = p;
        m->size = (size_t)s.size;
    }
    ph_file_close(f);
    if (st)
        *st = s;
    *out = m;
    return 0;
}

const void *ph_map_data(const ph_map *m) { return m->data; }
size_t ph_map_size(const ph_map *m) { return m->size; }

void ph_map_close(ph_map *m)
{
    if (!m)
        return;
    if (m->data)
        munmap(m->data, m->size);
    ph_free(m);
}

/* MIH probes and gathers are random accesses over hundreds of MB: with 4 KiB
 * pages nearly each is also a TLB miss. Ask for transparent huge pages on
 * the whole 2 MiB pages inside a large block (THP is often "madvise" only);
 * a refusal changes nothing. */
void ph_advise_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + len) & ~(huge - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

/* ---- folders --------------------------------------------------------------- */

struct ph_dir {
    DIR *d;
};

int ph_dir_open(const char *path, ph_dir **out)
{
    *out = NULL;
    DIR *d = opendir(path);
    if (!d)
        return errno;
    ph_dir *h = ph_malloc(sizeof *h);
    if (!h) {
        closedir(d);
        return ENOMEM;
    }
    h->d = d;
    *out = h;
    return 0;
}

int ph_dir_next(ph_dir *h, const char **name)
{
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(h->d);
        if (!e) {
            *name = NULL;
            return errno;
        }
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            *name = e->d_name;
            return 0;
        }
    }
}

void ph_dir_close(ph_dir *h)
{
    if (!h)
        return;
    closedir(h->d);
    ph_free(h);
}

/* ---- threads ------------------------------------------------------------------ */

struct ph_thread {
    pthread_t t;
};
struct ph_mutex {
    pthread_mutex_t m;
};
struct ph_cond {
    pthread_cond_t c;
};

int ph_thread_start(ph_thread **out, void *(*fn)(void *), void *arg)
{
    *out = NULL;
    ph_thread *t = ph_malloc(sizeof *t);
    if (!t)
        return ENOMEM;
    int err = pthread_create(&t->t, NULL, fn, arg);
    if (err) {
        ph_free(t);
        return err;
    }
    *out = t;
    return 0;
}

void ph_thread_join(ph_thread *t)
{
    if (!t)
        return;
    pthread_join(t->t, NULL);
    ph_free(t);
}

int ph_mutex_new(ph_mutex **out)
{
    ph_mutex *m = ph_malloc(sizeof *m);
    if (!m)
        return ENOMEM;
    int err = pthread_mutex_init(&m->m, NULL);
    if (err) {
        ph_free(m);
        return err;
    }
    *out = m;
    return 0;
}

void ph_mutex_free(ph_mutex *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->m);
    ph_free(m);
}

void ph_mutex_lock(ph_mutex *m) { pthread_mutex_lock(&m->m); }
void ph_mutex_unlock(ph_mutex *m) { pthread_mutex_unlock(&m->m); }

int ph_cond_new(ph_cond **out)
{
    ph_cond *c = ph_malloc(sizeof *c);
    if (!c)
        return ENOMEM;
    int err = pthread_cond_init(&c->c, NULL);
    if (err) {
        ph_free(c);
        return err;
    }
    *out = c;
    return 0;
}

void ph_cond_free(ph_cond *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->c);
    ph_free(c);
}

void ph_cond_wait(ph_cond *c, ph_mutex *m) { pthread_cond_wait(&c->c, &m->m); }
void ph_cond_signal(ph_cond *c) { pthread_cond_signal(&c->c); }
void ph_cond_broadcast(ph_cond *c) { pthread_cond_broadcast(&c->c); }

struct ph_rwlock {
    pthread_rwlock_t l;
};

int ph_rwlock_new(ph_rwlock **out)
{
    *out = NULL;
    ph_rwlock *l = ph_malloc(sizeof *l);
    if (!l)
        return ENOMEM;
    pthread_rwlockattr_t attr;
    int err = pthread_rwlockattr_init(&attr);
    if (err) {
        ph_free(l);
        return err;
    }
#ifdef __GLIBC__ /* an enum, not a macro */
    /* glibc prefers readers by default: queries would starve a swap. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    err = pthread_rwlock_init(&l->l, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (err) {
        ph_free(l);
        return err;
    }
    *out = l;
    return 0;
}

void ph_rwlock_free(ph_rwlock *l)
{
    if (!l)
        return;
    pthread_rwlock_destroy(&l->l);
    ph_free(l);
}

void ph_rwlock_read_lock(ph_rwlock *l) { pthread_rwlock_rdlock(&l->l); }
void ph_rwlock_read_unlock(ph_rwlock *l) { pthread_rwlock_unlock(&l->l); }
void ph_rwlock_write_lock(ph_rwlock *l) { pthread_rwlock_wrlock(&l->l); }
void ph_rwlock_write_unlock(ph_rwlock *l) { pthread_rwlock_unlock(&l->l); }

/* ---- time and priority ------------------------------------------------------- */

double ph_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t ph_unique_bits(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 40);
}

double ph_thread_cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void ph_sleep(double seconds)
{
    if (!(seconds > 0))
        return;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int ph_lower_thread_priority(void)
{
    /* On Linux these apply to the calling thread (a task), not the whole
     * process: the scanner calls it from each worker. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
#ifdef SYS_ioprio_set
    /* IOPRIO_WHO_PROCESS = 1 (a thread id here), IOPRIO_CLASS_IDLE = 3 << 13. */
    (void)syscall(SYS_ioprio_set, 1, (int)syscall(SYS_gettid), 3 << 13);
#endif
    struct sched_param sp = {0};
    if (sched_setscheduler(0, SCHED_IDLE, &sp) != 0)
        return errno;
    return 0;
}

/* ---- change notification (service): inotify ---- */

#ifdef __linux__
#include <poll.h>
#include <stdio.h>
#include <sys/inotify.h>

#include "linux_watch.h"

struct ph_watch {
    ph_fan *fan;  /* a fanotify watch (fanotify.c), or inotify's: */
    int fd;
    char **folder; /* watch descriptor -> folder path */
    uint64_t *ino; /* watch descriptor -> the folder's inode (IN_MOVE_SELF) */
    size_t cap;
    _Alignas(struct inotify_event) char buf[64 * 1024];
    size_t len, off;  /* events read, next one */
    char *path;       /* the last event's path */
    size_t path_cap;
};

int ph_watch_new(ph_watch **out, int whole)
{
    *out = NULL;
    ph_watch *w = ph_calloc(1, sizeof *w);
    if (!w)
        return ENOMEM;
    w->fd = -1;
    if (whole && ph_fan_new(&w->fan) == 0) {
        *out = w;
        return 0;
    }
    w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (w->fd < 0) {
        int err = errno;
        ph_free(w);
        return err;
    }
    *out = w;
    return 0;
}

void ph_watch_free(ph_watch *w)
{
    if (!w)
        return;
    ph_fan_free(w->fan);
    if (w->fd >= 0)
        close(w->fd);
    for (size_t i = 0; i < w->cap; i++)
        ph_free(w->folder[i]);
    ph_free(w->folder);
    ph_free(w->ino);
    ph_free(w->path);
    ph_free(w);
}

static char *copy_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = ph_malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

const char *ph_watch_name(const ph_watch *w)
{
    return w->fan ? "fanotify" : "inotify";
}

int ph_watch_add(ph_watch *w, const char *folder)
{
    if (w->fan)
        return ph_fan_add(w->fan, folder);
    int wd = inotify_add_watch(w->fd, folder,
                               IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF |
                                   IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK);
    if (wd < 0)
        return errno;
    if ((size_t)wd >= w->cap) {
        size_t cap = (size_t)wd * 2 + 16;
        char **f = ph_realloc(w->folder, cap * sizeof *f);
        if (f)
            w->folder = f;
        uint64_t *ino = ph_realloc(w->ino, cap * sizeof *ino);
        if (ino)
            w->ino = ino;
        if (!f || !ino) {
            inotify_rm_watch(w->fd, wd);
            return ENOMEM;
        }
        memset(f + w->cap, 0, (cap - w->cap) * sizeof *f);
        memset(ino + w->cap, 0, (cap - w->cap) * sizeof *ino);
        w->cap = cap;
    }
    struct stat st;
    if (lstat(folder, &st) == 0)
        w->ino[wd] = (uint64_t)st.st_ino;
    if (w->folder[wd] && !strcmp(w->folder[wd], folder))
        return 0; /* watched already */
    char *copy = copy_text(folder);
    if (!copy) {
        inotify_rm_watch(w->fd, wd);
        return ENOMEM;
    }
    ph_free(w->folder[wd]); /* the same folder under another name */
    w->folder[wd] = copy;
    return 0;
}

void ph_watch_remove(ph_watch *w, const char *folder)
{
    if (w->fan) {
        ph_fan_remove(w->fan, folder);
        return;
    }
    for (size_t wd = 0; wd < w->cap; wd++)
        if (w->folder[wd] && !strcmp(w->folder[wd], folder)) {
            inotify_rm_watch(w->fd, (int)wd); /* its IN_IGNORED frees the slot */
            ph_free(w->folder[wd]);
            w->folder[wd] = NULL;
        }
}

/* The event's path, folder + "/" + name (name may be empty). */
static int event_path(ph_watch *w, const char *folder, const char *name)
{
    size_t a = strlen(folder), b = strlen(name), n = a + b + 2;
    if (n > w->path_cap) {
        char *p = ph_realloc(w->path, n);
        if (!p)
            return ENOMEM;
        w->path = p;
        w->path_cap = n;
    }
    memcpy(w->path, folder, a);
    if (b) {
        w->path[a] = '/';
        memcpy(w->path + a + 1, name, b + 1);
    } else {
        w->path[a] = '\0';
    }
    return 0;
}

/* Turn one inotify event into ours; 1 when it is one to report. */
static int translate(ph_watch *w, const struct inotify_event *e, ph_watch_event *ev)
{
    if (e->mask & IN_Q_OVERFLOW) {
        *ev = (ph_watch_event){PH_WATCH_OVERFLOW, NULL, 0};
        return 1;
    }
    if (e->wd < 0 || (size_t)e->wd >= w->cap || !w->folder[e->wd])
        return 0; /* a watch removed meanwhile */
    char **folder = &w->folder[e->wd];
    struct stat st;
    if ((e->mask & IN_MOVE_SELF) && lstat(*folder, &st) == 0 && S_ISDIR(st.st_mode) &&
        (uint64_t)st.st_ino == w->ino[e->wd])
        return 0; /* renamed, and watched again under its new name (ph_watch_add) */
    if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
        if (event_path(w, *folder, ""))
            return 0;
        if (e->mask & IN_MOVE_SELF)
            inotify_rm_watch(w->fd, e->wd); /* its path is no longer the folder's */
        ph_free(*folder);
        *folder = NULL;
        *ev = (ph_watch_event){PH_WATCH_GONE, w->path, 0};
        return 1;
    }
    if (!e->len || event_path(w, *folder, e->name))
        return 0;
    if (e->mask & IN_ISDIR) {
        if (!(e->mask & (IN_CREATE | IN_MOVED_TO)))
            return 0;
        *ev = (ph_watch_event){PH_WATCH_FOLDER, w->path, 0};
        return 1;
    }
    if (!(e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)))
        return 0; /* a file created: announced when closed after writing */
    *ev = (ph_watch_event){PH_WATCH_FILE, w->path, 0};
    return 1;
}

int ph_watch_next(ph_watch *w, double timeout, ph_watch_event *ev)
{
    if (w->fan)
        return ph_fan_next(w->fan, timeout, ev);
    double deadline = ph_now() + (timeout > 0 ? timeout : 0);
    for (;;) {
        while (w->off < w->len) {
            const struct inotify_event *e = (const void *)(w->buf + w->off);
            w->off += sizeof *e + e->len;
            if (translate(w, e, ev))
                return 0;
        }
        int err = ph_watch_read(w->fd, w->buf, sizeof w->buf, deadline, &w->len);
        if (err)
            return err;
        w->off = 0;
    }
}

int ph_watch_read(int fd, void *buf, size_t n, double deadline, size_t *got)
{
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r > 0) {
            *got = (size_t)r;
            return 0;
        }
        if (r < 0 && errno != EAGAIN && errno != EINTR)
            return errno;
        double left = deadline - ph_now();
        if (left <= 0)
            return ETIMEDOUT;
        struct pollfd p = {fd, POLLIN, 0};
        (void)poll(&p, 1, (int)(left * 1000.0) + 1);
    }
}

int ph_watch_recursive(const ph_watch *w)
{
    return w->fan != NULL;
}

/* A number from a /proc file, or -1. */
static long long proc_number(const char *path)
{
    long long v = -1;
    FILE *f = fopen(path, "re");
    if (f) {
        if (fscanf(f, "%lld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

void ph_watch_limit(char *out, size_t n)
{
    /* The system-wide setting, and the user namespace's (containers). */
    long long sys = proc_number("/proc/sys/fs/inotify/max_user_watches");
    long long ns = proc_number("/proc/sys/user/max_inotify_watches");
    if (ns >= 0 && (sys < 0 || ns < sys))
        snprintf(out, n, "user.max_inotify_watches = %lld", ns);
    else
        snprintf(out, n, "fs.inotify.max_user_watches = %lld", sys);
}
#endif /* __linux__; elsewhere lib/platform/watch_none.c */
