/* SPDX-License-Identifier: MIT */
/*
 * The platform layer: every call into the operating system that the library
 * makes (files, folders, threads, locks, clocks, priority) goes through here, so
 * that a port is one more implementation file (posix.c today), not a
 * rewrite. Functions return 0 or an errno value (ENOMEM, EACCES, ...), never
 * print, never exit.
 */
#ifndef PHASH_LIB_PLATFORM_H
#define PHASH_LIB_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* ---- file facts ---------------------------------------------------------- */

typedef enum ph_file_type {
    PH_FILE_REGULAR = 0,
    PH_FILE_DIRECTORY = 1,
    PH_FILE_LINK = 2,    /* only from ph_stat_path(.., follow = 0) */
    PH_FILE_SPECIAL = 3  /* FIFO, socket, device: never opened */
} ph_file_type;

typedef struct ph_stat {
    ph_file_type type;
    uint64_t size;
    uint64_t device, inode; /* identity: the same folder reached twice */
    int64_t mtime_ns, ctime_ns;
} ph_stat;

/* Facts about path; follow = 0 describes a symbolic link itself. */
int ph_stat_path(const char *path, int follow, ph_stat *st);
/* The absolute path of path with every symbolic link and "." / ".."
 * resolved, in *out (ph_free it); the file must exist. */
int ph_real_path(const char *path, char **out);
/* 1 if name matches the shell pattern (*, ?, [...]; '*' also matches '/'),
 * else 0. */
int ph_glob_match(const char *pattern, const char *name);

/* ---- reading files --------------------------------------------------------- */

typedef struct ph_file ph_file;

/* Open a regular file for reading. Special files are never opened: a path
 * that is not a regular file gives EISDIR (folder) or ENODEV (FIFO, socket,
 * device), checked before opening and again on the open descriptor (the
 * open itself cannot block: a FIFO swapped in between is opened
 * non-blocking and refused). st (may be NULL) receives the open file's
 * facts. */
int ph_file_open(const char *path, ph_file **out, ph_stat *st);
/* Read up to n bytes at the current position; *got = 0 at the end. EINTR
 * is retried. */
int ph_file_read(ph_file *f, void *buf, size_t n, size_t *got);
/* Read until n bytes or the end of the file: *got < n only at the end (a
 * file that shrank) or on error (file_util.c). */
int ph_file_read_full(ph_file *f, void *buf, size_t n, size_t *got);
/* Read up to n bytes at offset off; *got = 0 at or past the end. EINTR is
 * retried. The position ph_file_read uses is unspecified afterwards (Windows
 * moves it): use one style of reading per handle. */
int ph_file_pread(ph_file *f, uint64_t off, void *buf, size_t n, size_t *got);
void ph_file_close(ph_file *f);

/* ---- private files ------------------------------------------------------- */

/* Create path if it is missing, readable and writable by its owner only
 * (mode 0600; on Windows a protected DACL with one entry, the owner's
 * rights), or make an existing file so. Never follows a symbolic link and
 * refuses anything but a regular file: ELOOP for a link (or, on Windows,
 * any reparse point), EISDIR for a folder, ENXIO for a FIFO, socket or
 * device (never blocks on one). */
int ph_file_make_private(const char *path);
/* Rename from to to, replacing an existing to (rename(2); on Windows
 * MoveFileExW with MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH). */
int ph_rename_replace(const char *from, const char *to);

/* ---- mapping files -------------------------------------------------------- */

typedef struct ph_map ph_map;

/* Open a whole regular file read-only in memory (special files refused as
 * by ph_file_open). An empty file gives a handle without data (NULL, size
 * 0). By default (flags 0) the file is read into private memory at open:
 * the handle keeps the bytes as they were, whatever happens to the file
 * afterwards (renamed over, deleted, rewritten in place); a file that
 * shrinks while being read gives EAGAIN. PH_MAP_SHARED maps it instead
 * (pages shared with the page cache and other processes, read on
 * demand): the mapping stays valid after the path is renamed over or
 * deleted (on Windows the file is opened with delete sharing for that),
 * but on POSIX a truncation of the file in place raises SIGBUS at the next
 * access; Windows refuses to truncate a mapped file. Windows always maps. */
#define PH_MAP_SHARED 1u
int ph_map_open(const char *path, unsigned flags, ph_map **out, ph_stat *st);
const void *ph_map_data(const ph_map *m);
size_t ph_map_size(const ph_map *m);
void ph_map_close(ph_map *m);
/* Random access over large memory (a mapping or the heap) ahead: ask for
 * huge pages where the OS has them. Best effort. */
void ph_advise_huge(void *p, size_t len);

/* ---- folders ------------------------------------------------------------- */

typedef struct ph_dir ph_dir;
int ph_dir_open(const char *path, ph_dir **out);
/* The next entry's name (never "." or ".."), or *name = NULL at the end.
 * The name is valid until the next call. */
int ph_dir_next(ph_dir *d, const char **name);
void ph_dir_close(ph_dir *d);

/* ---- threads ----------------------------------------------------------------- */

typedef struct ph_thread ph_thread;
typedef struct ph_mutex ph_mutex;
typedef struct ph_cond ph_cond;

int ph_thread_start(ph_thread **out, void *(*fn)(void *), void *arg);
/* Wait for the thread to end and release it. */
void ph_thread_join(ph_thread *t);
int ph_mutex_new(ph_mutex **out);
void ph_mutex_free(ph_mutex *m);
void ph_mutex_lock(ph_mutex *m);
void ph_mutex_unlock(ph_mutex *m);
int ph_cond_new(ph_cond **out);
void ph_cond_free(ph_cond *c);
void ph_cond_wait(ph_cond *c, ph_mutex *m);
void ph_cond_signal(ph_cond *c);
void ph_cond_broadcast(ph_cond *c);

/* Many readers or one writer. Writers are preferred where the OS lets us
 * choose (glibc): a steady stream of queries must not starve a swap. */
typedef struct ph_rwlock ph_rwlock;
int ph_rwlock_new(ph_rwlock **out);
void ph_rwlock_free(ph_rwlock *l);
void ph_rwlock_read_lock(ph_rwlock *l);
void ph_rwlock_read_unlock(ph_rwlock *l);
void ph_rwlock_write_lock(ph_rwlock *l);
void ph_rwlock_write_unlock(ph_rwlock *l);

/* Run fn exactly once per flag, whatever the threads: a caller that loses
 * the race waits until fn has returned. Statically initialised with
 * PH_ONCE_INIT and needs no allocation, so it can guard process-wide set-up
 * (lib/platform/once.c: C11 atomics, the same on every OS). */
typedef struct ph_once_flag {
    _Atomic int state; /* 0 not run, 1 running, 2 done */
} ph_once_flag;
#define PH_ONCE_INIT {0}
void ph_once(ph_once_flag *flag, void (*fn)(void));

/* ---- time and priority ------------------------------------------------- */

/* Monotonic seconds. */
double ph_now(void);
/* Bits that differ between processes and between calls (the wall clock in
 * nanoseconds mixed with the process id): a seed for names that must not
 * collide, not a secret. */
uint64_t ph_unique_bits(void);
/* CPU seconds the calling thread has used (user + system). */
double ph_thread_cpu_seconds(void);
/* Sleep for seconds (<= 0: return at once). */
void ph_sleep(double seconds);
/* Lowest CPU priority for the calling thread (nice 19 and SCHED_IDLE: it
 * runs only when the CPU is otherwise idle) and idle I/O class. Returns 0
 * when SCHED_IDLE took effect, else the errno of the refusal (the others are
 * best effort). */
int ph_lower_thread_priority(void);

/* ---- change notification (service: phash_scanner_watch) ------------------------ */

/* Events of watched folders, OS-neutral: Linux has inotify (one watch per
 * folder; posix.c) and, for privileged processes, fanotify (one mark per
 * file system; fanotify.c), Windows ReadDirectoryChangesW (one per tree,
 * reporting only the folders added, so that the meaning is inotify's;
 * win32_watch.c). Not thread-safe: one thread uses a ph_watch. */
typedef struct ph_watch ph_watch;

typedef enum ph_watch_kind {
    PH_WATCH_FILE = 1,     /* a file in a watched folder was written and
                              closed, or moved in: path (Windows: written,
                              maybe told again while it is being written) */
    PH_WATCH_FOLDER = 2,   /* a folder was created or moved in: path (not
                              watched yet, unless covered) */
    PH_WATCH_GONE = 3,     /* a watched folder itself was deleted or moved
                              away: path; its watch has ended */
    PH_WATCH_OVERFLOW = 4  /* the OS dropped events (its queue was full):
                              anything may have changed; path NULL */
} ph_watch_kind;

typedef struct ph_watch_event {
    ph_watch_kind kind;
    const char *path; /* valid until the next ph_watch_next */
    int covered;      /* FOLDER: created under a whole-file-system watch,
                         which reports whatever is written in it from its
                         creation on: it needs neither watch nor walk (a
                         folder moved in does: 0) */
} ph_watch_event;

/* A watch with no folder. whole = 1: of whole file systems where the OS
 * has that and allows it to this process (Linux: fanotify, given
 * CAP_SYS_ADMIN; inotify otherwise); 0: folder by folder. ENOSYS where the
 * OS has no change notification. */
int ph_watch_new(ph_watch **out, int whole);
/* The OS facility of w: "fanotify", "inotify", "ReadDirectoryChangesW". */
const char *ph_watch_name(const ph_watch *w);
void ph_watch_free(ph_watch *w);
/* Watch folder (not followed if it is a symbolic link). 0, or ENOSPC when
 * the OS's limit of watches is reached (ph_watch_limit), ENOENT, ENOTDIR,
 * EACCES, ENOMEM; a whole-file-system watch gives EXDEV when it cannot
 * cover the folder's file system (not allowed to mark it, a file system
 * without file handles): watch it folder by folder instead. Adding a
 * watched folder again, or for a recursive watch a folder below one, is
 * a no-op. */
int ph_watch_add(ph_watch *w, const char *folder);
/* Stop watching folder (a no-op when it is not watched). */
void ph_watch_remove(ph_watch *w, const char *folder);
/* The next event, waiting up to timeout seconds: 0 with *ev filled, or
 * ETIMEDOUT when none came. */
int ph_watch_next(ph_watch *w, double timeout, ph_watch_event *ev);
/* 1 when a folder's watch also covers every folder below it. */
int ph_watch_recursive(const ph_watch *w);
/* The OS's limit of watches as text for messages ("fs.inotify.max_user_watches
 * = 8192"), in out. */
void ph_watch_limit(char *out, size_t n);

#endif
