/* SPDX-License-Identifier: MIT */
/*
 * Change notification of whole file systems on Linux: fanotify (platform.h,
 * ph_watch with whole = 1; posix.c hands the calls here), with the meaning
 * of the inotify watch so that lib/scan/watch.c works the same:
 *
 * - One filesystem mark (FAN_MARK_FILESYSTEM) per file system holding a
 *   watched folder, whatever the number of folders below it: it needs
 *   CAP_SYS_ADMIN. Mount marks would do without it but refuse the events
 *   of folder entries (created, moved in), which a watch needs.
 * - Events name the folder by its file handle and the entry by its name
 *   (FAN_REPORT_DFID_NAME). The handle is opened (open_by_handle_at:
 *   CAP_DAC_READ_SEARCH) on the mount that holds the watched folder and
 *   named through /proc/self/fd: the folder's path as seen from that mount.
 *   Events of paths outside every watched folder (the rest of the file
 *   system) are dropped.
 * - Files written and closed (FAN_CLOSE_WRITE) or moved in (FAN_MOVED_TO):
 *   PH_WATCH_FILE; folders created or moved in: PH_WATCH_FOLDER, with
 *   covered = 1 for a folder created (everything written in it comes as
 *   events already), 0 for one moved in (what it holds must be walked).
 * - A watched folder deleted or moved away: an inode mark of its own
 *   (FAN_DELETE_SELF, FAN_MOVE_SELF) reports its handle: PH_WATCH_GONE.
 *   No descriptor is kept open on a watched folder, or its deletion would
 *   wait for it to close.
 * - The queue (16384 events by default, shared by the whole file system)
 *   overflowed: PH_WATCH_OVERFLOW.
 * - The folders events name are kept (FAN_CACHE of them, direct-mapped
 *   by a hash of the handle: inside a watched folder with their path, or
 *   outside): an event of a folder met before costs no system call. Any folder moved (FAN_MOVED_TO of a folder: the paths
 *   below it change), an overflow, or a watched folder added or removed
 *   empties the cache.
 * - Folders on other file systems mounted below a watched folder get
 *   their file system marked too, when it can be (pseudo file systems such
 *   as /proc cannot, and hold no files to scan).
 * ph_fan_new fails (EPERM) where fanotify is not allowed; ph_fan_add gives
 * EXDEV when a folder's file system cannot be marked or its handles
 * opened: the caller then watches folder by folder (inotify).
 */
#ifdef __linux__
#define _GNU_SOURCE /* name_to_handle_at, open_by_handle_at */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "internal.h"
#include "linux_watch.h"

#define FAN_FS_EVENTS (FAN_CLOSE_WRITE | FAN_MOVED_TO | FAN_CREATE | FAN_ONDIR)
#define FAN_SELF_EVENTS (FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR)
#define FAN_HANDLE_MAX 128 /* MAX_HANDLE_SZ */

typedef struct fan_fs { /* one marked file system */
    dev_t dev;
    fsid_t fsid;    /* as events name it (statfs) */
    int mount_fd;   /* the mount handles are opened on */
    char *mount;    /* its mount point */
    size_t users;   /* folders on it */
} fan_fs;

typedef struct fan_folder { /* one watched folder (and a file system mounted below one) */
    char *given;             /* as added: its events are reported under it */
    char *real;              /* as the kernel names it from the mount */
    size_t fs;               /* index in fs */
    int self_mark;           /* its inode has a mark of its own (GONE) */
    unsigned handle_bytes;   /* its handle (GONE events name it) */
    int handle_type;
    unsigned char handle[FAN_HANDLE_MAX];
} fan_folder;

#define FAN_CACHE 1024 /* a power of two */

typedef struct fan_cached { /* a folder events named */
    int used;
    size_t fs;            /* the file system entry it was resolved on */
    unsigned handle_bytes;
    int handle_type;
    unsigned char handle[FAN_HANDLE_MAX];
    char *path;           /* its path as reported, or NULL: outside the watched folders */
} fan_cached;

struct ph_fan {
    int fd;
    fan_cached cache[FAN_CACHE];
    fan_fs *fs;
    size_t nfs;
    fan_folder *folder;
    size_t nfolders;
    _Alignas(struct fanotify_event_metadata) char buf[64 * 1024];
    size_t len, off; /* events read, next one */
    char *path;      /* the last event's path */
    size_t path_cap;
};

static void cache_clear(ph_fan *f)
{
    for (size_t i = 0; i < FAN_CACHE; i++) {
        ph_free(f->cache[i].path);
        f->cache[i] = (fan_cached){0};
    }
}

int ph_fan_new(ph_fan **out)
{
    *out = NULL;
    ph_fan *f = ph_calloc(1, sizeof *f);
    if (!f)
        return ENOMEM;
    f->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC | FAN_NONBLOCK,
                          O_RDONLY | O_LARGEFILE);
    if (f->fd < 0) {
        int err = errno;
        ph_free(f);
        return err;
    }
    *out = f;
    return 0;
}

void ph_fan_free(ph_fan *f)
{
    if (!f)
        return;
    close(f->fd); /* ends every mark */
    cache_clear(f);
    for (size_t i = 0; i < f->nfs; i++)
        if (f->fs[i].mount) { /* a slot in use */
            close(f->fs[i].mount_fd);
            ph_free(f->fs[i].mount);
        }
    for (size_t i = 0; i < f->nfolders; i++) {
        ph_free(f->folder[i].given);
        ph_free(f->folder[i].real);
    }
    ph_free(f->fs);
    ph_free(f->folder);
    ph_free(f->path);
    ph_free(f);
}

static char *copy_text(const char *s, size_t n)
{
    char *c = ph_malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

/* 1 when path is dir or below it. */
static int is_below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) &&
           (path[n] == '/' || path[n] == '\0' || (n && dir[n - 1] == '/'));
}

/* A mountinfo field unescaped in place (\040 for a space, ...). */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* The mount points, from /proc/self/mountinfo, each given to fn. */
static int each_mount(void (*fn)(void *ctx, const char *point), void *ctx)
{
    FILE *m = fopen("/proc/self/mountinfo", "re");
    if (!m)
        return errno;
    char line[4096];
    while (fgets(line, sizeof line, m)) {
        /* id parent major:minor root point options [optional...] - type ... */
        char *field[5], *save = NULL, *t, *p = line;
        int n = 0;
        while (n < 5 && (t = strtok_r(p, " \n", &save)) != NULL) {
            field[n++] = t;
            p = NULL;
        }
        if (n == 5) {
            unescape(field[4]);
            fn(ctx, field[4]);
        }
    }
    fclose(m);
    return 0;
}

typedef struct mounts {
    const char *path;
    char *longest;  /* the mount holding path */
    char **below;   /* the mounts below path */
    size_t nbelow;
    int nomem;
} mounts;

static void take_mount(void *ctx, const char *point)
{
    mounts *m = ctx;
    if (is_below(m->path, point) && (!m->longest || strlen(point) >= strlen(m->longest))) {
        char *c = copy_text(point, strlen(point));
        if (!c) {
            m->nomem = 1;
            return;
        }
        ph_free(m->longest);
        m->longest = c;
    } else if (m->below && is_below(point, m->path)) {
        char **grown = ph_realloc(m->below, (m->nbelow + 2) * sizeof *grown);
        char *c = copy_text(point, strlen(point));
        if (grown)
            m->below = grown;
        if (!grown || !c) {
            ph_free(c);
            m->nomem = 1;
            return;
        }
        m->below[m->nbelow++] = c;
    }
}

static void mounts_free(mounts *m)
{
    ph_free(m->longest);
    for (size_t i = 0; i < m->nbelow; i++)
        ph_free(m->below[i]);
    ph_free(m->below);
}

/* The file system holding real (a folder's resolved path, on the mount
 * point) marked: its index in f->fs, one more user. */
static int fs_use(ph_fan *f, const char *real, const char *point, size_t *index)
{
    struct stat st;
    if (stat(real, &st))
        return errno;
    for (size_t i = 0; i < f->nfs; i++)
        if (f->fs[i].mount && f->fs[i].dev == st.st_dev && !strcmp(f->fs[i].mount, point)) {
            f->fs[i].users++;
            *index = i;
            return 0;
        }
    size_t i = 0;
    while (i < f->nfs && f->fs[i].mount)
        i++;
    if (i == f->nfs) {
        fan_fs *grown = ph_realloc(f->fs, (f->nfs + 1) * sizeof *grown);
        if (!grown)
            return ENOMEM;
        f->fs = grown;
        f->nfs++;
    }
    fan_fs *fs = &f->fs[i];
    *fs = (fan_fs){.dev = st.st_dev, .mount_fd = -1, .users = 1};
    struct statfs sf;
    int err = 0;
    if (!(fs->mount = copy_text(point, strlen(point))))
        err = ENOMEM;
    else if ((fs->mount_fd = open(point, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
             fstatfs(fs->mount_fd, &sf))
        err = errno;
    else if (fanotify_mark(f->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_FS_EVENTS, AT_FDCWD,
                           real))
        err = errno == ENOMEM ? ENOMEM : EXDEV; /* not allowed (EPERM), no handles, ... */
    if (err) {
        if (fs->mount_fd >= 0)
            close(fs->mount_fd);
        fs->mount_fd = -1;
        ph_free(fs->mount);
        fs->mount = NULL; /* the slot is free */
        return err;
    }
    fs->fsid = sf.f_fsid;
    *index = i;
    return 0;
}

/* One user less of file system i; unmarked after its last. */
static void fs_release(ph_fan *f, size_t i)
{
    fan_fs *fs = &f->fs[i];
    if (--fs->users)
        return;
    int shared = 0; /* the same file system by another mount */
    for (size_t k = 0; k < f->nfs; k++)
        shared |= k != i && f->fs[k].mount && f->fs[k].dev == fs->dev;
    if (!shared)
        (void)fanotify_mark(f->fd, FAN_MARK_REMOVE | FAN_MARK_FILESYSTEM, FAN_FS_EVENTS,
                            fs->mount_fd, NULL);
    close(fs->mount_fd);
    fs->mount_fd = -1;
    ph_free(fs->mount);
    fs->mount = NULL;
}

/* Watch real (resolved; on mount point) as given: its file system marked,
 * its handle kept, with self_mark its own mark for GONE. */
static int add_folder(ph_fan *f, const char *given, const char *real, const char *point,
                      int self_mark)
{
    fan_folder *grown = ph_realloc(f->folder, (f->nfolders + 1) * sizeof *grown);
    if (!grown)
        return ENOMEM;
    f->folder = grown;
    fan_folder *d = &f->folder[f->nfolders];
    *d = (fan_folder){.given = copy_text(given, strlen(given)),
                      .real = copy_text(real, strlen(real)),
                      .self_mark = self_mark};
    int err = d->given && d->real ? fs_use(f, real, point, &d->fs) : ENOMEM;
    if (err) {
        ph_free(d->given);
        ph_free(d->real);
        return err;
    }
    /* Its handle: the key of its GONE events, and the proof that handles
     * of this file system can be opened here. */
    struct {
        struct file_handle h;
        unsigned char bytes[FAN_HANDLE_MAX];
    } fh = {.h.handle_bytes = FAN_HANDLE_MAX};
    int mount_id, hfd = -1;
    if (name_to_handle_at(AT_FDCWD, real, &fh.h, &mount_id, 0) ||
        (hfd = open_by_handle_at(f->fs[d->fs].mount_fd, &fh.h, O_PATH | O_CLOEXEC)) < 0)
        err = errno == ENOMEM ? ENOMEM : EXDEV; /* no CAP_DAC_READ_SEARCH, or no handles */
    if (hfd >= 0)
        close(hfd);
    if (!err && self_mark &&
        fanotify_mark(f->fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR | FAN_MARK_DONT_FOLLOW,
                      FAN_SELF_EVENTS, AT_FDCWD, real))
        err = errno == ENOMEM ? ENOMEM : EXDEV;
    if (err) {
        fs_release(f, d->fs);
        ph_free(d->given);
        ph_free(d->real);
        return err;
    }
    d->handle_bytes = fh.h.handle_bytes;
    d->handle_type = fh.h.handle_type;
    memcpy(d->handle, fh.h.f_handle, fh.h.handle_bytes);
    f->nfolders++;
    cache_clear(f); /* folders outside may be inside now */
    return 0;
}

/* base + the part of path below real: path's name under the given one. */
static char *under_given(const char *given, const char *real, const char *path)
{
    const char *rest = path + strlen(real);
    while (*rest == '/')
        rest++;
    size_t a = strlen(given), b = strlen(rest);
    int sep = b && a && given[a - 1] != '/';
    char *p = ph_malloc(a + (size_t)sep + b + 1);
    if (p) {
        memcpy(p, given, a);
        p[a] = '/';
        memcpy(p + a + (size_t)sep, rest, b + 1);
    }
    return p;
}

int ph_fan_add(ph_fan *f, const char *folder)
{
    struct stat st;
    if (lstat(folder, &st))
        return errno;
    if (!S_ISDIR(st.st_mode))
        return ENOTDIR;
    for (size_t i = 0; i < f->nfolders; i++)
        if (f->folder[i].self_mark && is_below(folder, f->folder[i].given))
            return 0; /* watched, or below a watched folder: covered */
    char *real = realpath(folder, NULL);
    if (!real)
        return errno;
    mounts m = {.path = real, .below = ph_malloc(sizeof(char *))};
    int err = m.below ? each_mount(take_mount, &m) : ENOMEM;
    if (!err)
        err = m.nomem ? ENOMEM : !m.longest ? EXDEV : 0;
    if (!err)
        err = add_folder(f, folder, real, m.longest, 1);
    /* File systems mounted below it: marked too, when they can be. */
    for (size_t i = 0; !err && i < m.nbelow; i++) {
        char *given = under_given(folder, real, m.below[i]);
        if (given)
            (void)add_folder(f, given, m.below[i], m.below[i], 0);
        ph_free(given);
    }
    mounts_free(&m);
    free(real); /* realpath's, from malloc */
    return err;
}

static void drop_folder(ph_fan *f, size_t i)
{
    fan_folder *d = &f->folder[i];
    fs_release(f, d->fs);
    ph_free(d->given);
    ph_free(d->real);
    f->folder[i] = f->folder[--f->nfolders];
    cache_clear(f);
}

/* Stop watching a folder given so (with the mounts below it). */
static void end_folder(ph_fan *f, const char *given)
{
    for (size_t i = f->nfolders; i-- > 0;)
        if (is_below(f->folder[i].given, given) &&
            (!f->folder[i].self_mark || !strcmp(f->folder[i].given, given)))
            drop_folder(f, i);
}

void ph_fan_remove(ph_fan *f, const char *folder)
{
    for (size_t i = 0; i < f->nfolders; i++)
        if (f->folder[i].self_mark && !strcmp(f->folder[i].given, folder)) {
            (void)fanotify_mark(f->fd, FAN_MARK_REMOVE | FAN_MARK_ONLYDIR | FAN_MARK_DONT_FOLLOW,
                                FAN_SELF_EVENTS, AT_FDCWD, f->folder[i].real);
            end_folder(f, folder);
            return;
        }
}

/* The event's path: folder, or folder + "/" + name. */
static int join_path(ph_fan *f, const char *folder, const char *name)
{
    size_t a = strlen(folder), b = name ? strlen(name) : 0, n = a + b + 2;
    if (n > f->path_cap) {
        char *grown = ph_realloc(f->path, n);
        if (!grown)
            return ENOMEM;
        f->path = grown;
        f->path_cap = n;
    }
    memcpy(f->path, folder, a);
    f->path[a] = '\0';
    if (b) {
        size_t o = a && folder[a - 1] == '/' ? a : a + 1;
        f->path[a] = '/';
        memcpy(f->path + o, name, b + 1);
    }
    return 0;
}

/* An event's object, copied out of the read (whose records are aligned
 * to 4 bytes only). */
typedef struct fan_fid {
    fsid_t fsid;
    struct {
        struct file_handle h;
        unsigned char bytes[FAN_HANDLE_MAX];
    } fh;
    const char *name; /* DFID_NAME: in the read buffer; else NULL */
} fan_fid;

_Static_assert(sizeof(fsid_t) == sizeof(__kernel_fsid_t), "fsid sizes");

/* A watched folder's own event (deleted, moved away): GONE, by its handle. */
static int self_event(ph_fan *f, fan_fid *fid, int moved, ph_watch_event *ev)
{
    const struct file_handle *h = &fid->fh.h;
    for (size_t i = 0; i < f->nfolders; i++) {
        fan_folder *d = &f->folder[i];
        if (!d->self_mark || d->handle_bytes != h->handle_bytes ||
            d->handle_type != h->handle_type || memcmp(d->handle, h->f_handle, d->handle_bytes) ||
            memcmp(&f->fs[d->fs].fsid, &fid->fsid, sizeof fid->fsid))
            continue;
        if (join_path(f, d->given, NULL))
            return 0;
        if (moved) { /* its inode lives on elsewhere: its mark taken off */
            int fd = open_by_handle_at(f->fs[d->fs].mount_fd, &fid->fh.h,
                                       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd >= 0) {
                (void)fanotify_mark(f->fd, FAN_MARK_REMOVE, FAN_SELF_EVENTS, fd, NULL);
                close(fd);
            }
        }
        end_folder(f, f->path);
        *ev = (ph_watch_event){PH_WATCH_GONE, f->path, 0};
        return 1;
    }
    return 0;
}

/* The path of the folder a handle names, seen from file system i's mount,
 * into buf; 0 or -1. */
static int folder_path(ph_fan *f, size_t i, struct file_handle *h, char *buf, size_t n)
{
    int fd = open_by_handle_at(f->fs[i].mount_fd, h, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return -1; /* deleted meanwhile (ESTALE) */
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, buf, n - 1);
    close(fd);
    if (len <= 0 || (size_t)len >= n - 1 || buf[0] != '/')
        return -1;
    buf[len] = '\0';
    return 0;
}

/* The folder a handle names on file system i, from the cache or resolved
 * (and kept); NULL when it cannot be named (deleted meanwhile). */
static const fan_cached *cached(ph_fan *f, size_t i, struct file_handle *h)
{
    uint64_t hash = 1469598103934665603ULL ^ i ^ ((uint64_t)(unsigned)h->handle_type << 32);
    for (unsigned k = 0; k < h->handle_bytes; k++)
        hash = (hash ^ h->f_handle[k]) * 1099511628211ULL; /* FNV-1a */
    fan_cached *c = &f->cache[(hash ^ (hash >> 29)) & (FAN_CACHE - 1)];
    if (c->used && c->fs == i && c->handle_bytes == h->handle_bytes &&
        c->handle_type == h->handle_type && !memcmp(c->handle, h->f_handle, c->handle_bytes))
        return c;
    char at[PATH_MAX];
    if (folder_path(f, i, h, at, sizeof at))
        return NULL;
    const fan_folder *best = NULL;
    for (size_t k = 0; k < f->nfolders; k++)
        if (f->folder[k].fs == i && is_below(at, f->folder[k].real) &&
            (!best || strlen(f->folder[k].real) > strlen(best->real)))
            best = &f->folder[k];
    char *path = best ? under_given(best->given, best->real, at) : NULL;
    if (best && !path)
        return NULL; /* out of memory */
    ph_free(c->path); /* the folder that had the slot */
    *c = (fan_cached){.used = 1, .fs = i, .handle_bytes = h->handle_bytes,
                      .handle_type = h->handle_type, .path = path};
    memcpy(c->handle, h->f_handle, h->handle_bytes);
    return c;
}

/* The object record of an event (len bytes at e, aligned to 4 bytes) into
 * *fid: its type, or 0 when there is none. */
static int event_fid(const char *e, size_t len, size_t meta_len, fan_fid *fid)
{
    const size_t fsid_at = offsetof(struct fanotify_event_info_fid, fsid),
                 handle_at = offsetof(struct fanotify_event_info_fid, handle),
                 bytes_at = handle_at + offsetof(struct file_handle, f_handle);
    int type = 0;
    struct fanotify_event_info_header hdr;
    for (size_t off = meta_len; off + sizeof hdr <= len; off += hdr.len) {
        memcpy(&hdr, e + off, sizeof hdr);
        if (hdr.len < sizeof hdr || hdr.len > len - off)
            return 0;
        if ((hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME &&
             hdr.info_type != FAN_EVENT_INFO_TYPE_DFID && hdr.info_type != FAN_EVENT_INFO_TYPE_FID) ||
            hdr.len < bytes_at)
            continue;
        const char *r = e + off;
        memcpy(&fid->fsid, r + fsid_at, sizeof fid->fsid);
        memcpy(&fid->fh.h, r + handle_at, sizeof fid->fh.h);
        unsigned n = fid->fh.h.handle_bytes;
        if (n > FAN_HANDLE_MAX || n > hdr.len - bytes_at)
            return 0;
        memcpy(fid->fh.h.f_handle, r + bytes_at, n);
        fid->name = NULL;
        if (hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
            fid->name = r + bytes_at + n; /* NUL-terminated within the record */
            if (!memchr(fid->name, '\0', hdr.len - bytes_at - n))
                return 0;
        }
        type = hdr.info_type;
    }
    return type;
}

/* Turn one event (len bytes at e) into ours; 1 when it is one to report. */
static int translate(ph_fan *f, const char *e, size_t len, ph_watch_event *ev)
{
    struct fanotify_event_metadata m;
    memcpy(&m, e, sizeof m);
    if (m.vers != FANOTIFY_METADATA_VERSION)
        return 0;
    if (m.mask & FAN_Q_OVERFLOW) {
        cache_clear(f); /* folders may have moved unseen */
        *ev = (ph_watch_event){PH_WATCH_OVERFLOW, NULL, 0};
        return 1;
    }
    fan_fid fid;
    int type = event_fid(e, len, m.metadata_len, &fid);
    if (!type)
        return 0;
    if (m.mask & (FAN_DELETE_SELF | FAN_MOVE_SELF))
        return self_event(f, &fid, !!(m.mask & FAN_MOVE_SELF), ev);
    if (type != FAN_EVENT_INFO_TYPE_DFID_NAME)
        return 0;
    int dir = !!(m.mask & FAN_ONDIR);
    if (dir && (m.mask & FAN_MOVED_TO))
        cache_clear(f); /* the paths below the folder moved have changed */
    if (!(m.mask & (dir ? (FAN_CREATE | FAN_MOVED_TO) : (FAN_CLOSE_WRITE | FAN_MOVED_TO))))
        return 0; /* a file created: announced when closed after writing */
    for (size_t i = 0; i < f->nfs; i++) {
        if (!f->fs[i].mount || memcmp(&f->fs[i].fsid, &fid.fsid, sizeof fid.fsid))
            continue;
        const fan_cached *c = cached(f, i, &fid.fh.h);
        if (!c || !c->path)
            continue; /* deleted meanwhile, or outside every watched folder */
        if (join_path(f, c->path, fid.name))
            return 0;
        *ev = (ph_watch_event){dir ? PH_WATCH_FOLDER : PH_WATCH_FILE, f->path,
                               dir && !(m.mask & FAN_MOVED_TO)};
        return 1;
    }
    return 0;
}

int ph_fan_next(ph_fan *f, double timeout, ph_watch_event *ev)
{
    double deadline = ph_now() + (timeout > 0 ? timeout : 0);
    for (;;) {
        while (f->off < f->len) {
            struct fanotify_event_metadata m;
            const char *e = f->buf + f->off;
            if (f->len - f->off < sizeof m)
                break;
            memcpy(&m, e, sizeof m);
            if (m.event_len < sizeof m || m.event_len > f->len - f->off) {
                f->off = f->len; /* cannot happen: a read gives whole events */
                break;
            }
            f->off += m.event_len;
            if (translate(f, e, m.event_len, ev))
                return 0;
        }
        int err = ph_watch_read(f->fd, f->buf, sizeof f->buf, deadline, &f->len);
        if (err)
            return err;
        f->off = 0;
    }
}
#else
typedef int ph_fanotify_unused; /* ISO C: a translation unit is not empty */
#endif
