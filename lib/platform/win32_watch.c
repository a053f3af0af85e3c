/* SPDX-License-Identifier: MIT */
/*
 * Change notification on Windows (platform.h, ph_watch), with the inotify
 * watch's meaning (posix.c) so that lib/scan/watch.c works unchanged:
 *
 * - One ReadDirectoryChangesW per watched tree, covering every folder below
 *   it; completions come through one I/O completion port. (A handle per
 *   folder would stop users renaming or moving any folder above a watched
 *   one: Windows refuses to rename a folder with handles open inside it.)
 * - The folders added below a tree's top are names in a set. Events of a
 *   folder not in the set are dropped, as inotify has no watch there yet:
 *   the scanner adds a new folder and then walks it, so a file written in
 *   it before that is found by the walk and reported once, not twice.
 * - Windows says that a file was added, written or renamed in, not that it
 *   was closed: a file being written may be announced more than once (the
 *   scanner submits a file when its folder is quiet). Repeats of one file
 *   next to each other in one read are announced once.
 * - A tree's top deleted or moved away: its read fails, or its path no
 *   longer names the same folder (checked every PH_WATCH_CHECK s). GONE,
 *   and its handle is closed at once so that the folder can be created
 *   again (Windows deletes a folder when its last handle closes).
 * - A folder of the set deleted or renamed: GONE (inotify's IN_DELETE_SELF).
 * - Events lost (the 64 KiB buffer filled up: ERROR_NOTIFY_ENUM_DIR, or a
 *   read that completes empty): OVERFLOW.
 * No limit of watches short of memory: ENOSPC never comes.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "platform.h"
#include "win32_int.h"

#define PH_WATCH_BUF (64 * 1024) /* ReadDirectoryChangesW's most over a network */
#define PH_WATCH_CHECK 0.2       /* s between checks that each top is still there */
#define PH_WATCH_FILTER \
    (FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME | FILE_NOTIFY_CHANGE_LAST_WRITE)

typedef struct tree { /* one ReadDirectoryChangesW */
    HANDLE h;
    OVERLAPPED ov;
    ULONG_PTR key; /* its completions' key: a serial number, never reused */
    char *top;     /* the folder's name in the set (no trailing separator) */
    char *given;   /* as the caller gave it: GONE reports this */
    DWORD volume;  /* the folder's identity when it was watched */
    uint64_t index;
    int broken;    /* its read could not be started again */
    _Alignas(DWORD) unsigned char buf[PH_WATCH_BUF];
} tree;

struct ph_watch {
    HANDLE port;
    tree **trees;
    size_t ntrees, trees_cap;
    ULONG_PTR next_key;
    char **set; /* open addressing; NULL free, &g_removed a removed entry */
    size_t set_cap, set_used; /* used: live and removed entries */
    _Alignas(DWORD) unsigned char events[PH_WATCH_BUF]; /* the read being reported */
    DWORD len, off;
    char *base; /* the set name of the tree those events are of */
    char *path; /* the last event's path */
    size_t path_cap;
    double next_check;
};

static char g_removed;

/* ---- the set of folders ---------------------------------------------------- */

static int is_sep(char c) { return c == '/' || c == '\\'; }

static size_t hash_of(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return (size_t)h;
}

/* The slot of s[0..n) (a live entry), or of the free slot where it would go. */
static size_t set_slot(const ph_watch *w, const char *s, size_t n, int *found)
{
    size_t mask = w->set_cap - 1, i = hash_of(s, n) & mask, free_at = SIZE_MAX;
    for (;; i = (i + 1) & mask) {
        const char *e = w->set[i];
        if (!e) {
            *found = 0;
            return free_at != SIZE_MAX ? free_at : i;
        }
        if (e == &g_removed) {
            if (free_at == SIZE_MAX)
                free_at = i;
        } else if (!strncmp(e, s, n) && !e[n]) {
            *found = 1;
            return i;
        }
    }
}

static int set_has(const ph_watch *w, const char *s, size_t n)
{
    int found = 0;
    if (w->set_cap)
        (void)set_slot(w, s, n, &found);
    return found;
}

static int set_grow(ph_watch *w)
{
    size_t cap = w->set_cap ? w->set_cap * 2 : 64;
    char **old = w->set;
    size_t old_cap = w->set_cap;
    if (!(w->set = ph_calloc(cap, sizeof *w->set))) {
        w->set = old;
        return ENOMEM;
    }
    w->set_cap = cap;
    w->set_used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] && old[i] != &g_removed) {
            int found;
            w->set[set_slot(w, old[i], strlen(old[i]), &found)] = old[i];
            w->set_used++;
        }
    ph_free(old);
    return 0;
}

static int set_add(ph_watch *w, const char *s)
{
    size_t n = strlen(s);
    if ((w->set_used + 1) * 4 >= w->set_cap * 3 && set_grow(w))
        return ENOMEM;
    int found;
    size_t i = set_slot(w, s, n, &found);
    if (found)
        return 0;
    char *copy = ph_malloc(n + 1);
    if (!copy)
        return ENOMEM;
    memcpy(copy, s, n + 1);
    if (!w->set[i])
        w->set_used++;
    w->set[i] = copy;
    return 0;
}

/* s equals top, or is below it. */
static int under(const char *s, const char *top)
{
    size_t n = strlen(top);
    return !strncmp(s, top, n) && (!s[n] || is_sep(s[n]));
}

/* Remove top and every folder below it from the set. */
static void set_remove_tree(ph_watch *w, const char *top)
{
    for (size_t i = 0; i < w->set_cap; i++)
        if (w->set[i] && w->set[i] != &g_removed && under(w->set[i], top)) {
            ph_free(w->set[i]);
            w->set[i] = &g_removed;
        }
}

static int set_any_under(const ph_watch *w, const char *top)
{
    for (size_t i = 0; i < w->set_cap; i++)
        if (w->set[i] && w->set[i] != &g_removed && under(w->set[i], top))
            return 1;
    return 0;
}

/* ---- trees ------------------------------------------------------------------ */

static char *copy_text(const char *s, size_t n)
{
    char *c = ph_malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

/* The folder's volume and file index; ENOTDIR unless it is a folder, and
 * for a symbolic link or junction to one (not followed, as on Linux). */
static int folder_identity(HANDLE h, DWORD *volume, uint64_t *index)
{
    BY_HANDLE_FILE_INFORMATION info;
    if (!GetFileInformationByHandle(h, &info))
        return ph_win_errno(GetLastError());
    if (!(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        return ENOTDIR;
    if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
        FILE_ATTRIBUTE_TAG_INFO tag;
        if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag, sizeof tag) ||
            tag.ReparseTag == IO_REPARSE_TAG_SYMLINK || tag.ReparseTag == IO_REPARSE_TAG_MOUNT_POINT)
            return ENOTDIR;
    }
    *volume = info.dwVolumeSerialNumber;
    *index = ((uint64_t)info.nFileIndexHigh << 32) | info.nFileIndexLow;
    return 0;
}

static HANDLE open_folder(const char *path, DWORD access, DWORD flags, int *err)
{
    wchar_t *wp;
    if ((*err = ph_win_wide_path(path, 0, &wp)))
        return INVALID_HANDLE_VALUE;
    HANDLE h = CreateFileW(wp, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT | flags, NULL);
    if (h == INVALID_HANDLE_VALUE)
        *err = ph_win_errno(GetLastError());
    ph_free(wp);
    return h;
}

static int start_read(tree *t)
{
    memset(&t->ov, 0, sizeof t->ov);
    if (!ReadDirectoryChangesW(t->h, t->buf, sizeof t->buf, TRUE, PH_WATCH_FILTER, NULL, &t->ov,
                               NULL))
        return ph_win_errno(GetLastError());
    return 0;
}

/* Cancel t's read, wait until the system is done with its buffer, free it.
 * (Its cancelled completion may still be queued: its key is then unknown.) */
static void tree_free(tree *t)
{
    if (t->h != INVALID_HANDLE_VALUE) {
        CancelIoEx(t->h, &t->ov);
        for (int i = 0; i < 5000 && !HasOverlappedIoCompleted(&t->ov); i++)
            Sleep(1);
        CloseHandle(t->h);
        if (!HasOverlappedIoCompleted(&t->ov))
            return; /* never seen: the buffer may still be written, so kept */
    }
    ph_free(t->top);
    ph_free(t->given);
    ph_free(t);
}

static void tree_close(ph_watch *w, size_t i)
{
    tree_free(w->trees[i]);
    w->trees[i] = w->trees[--w->ntrees];
}

static int tree_open(ph_watch *w, const char *given, const char *top)
{
    if (w->ntrees == w->trees_cap) {
        size_t cap = w->trees_cap ? 2 * w->trees_cap : 4;
        tree **t = ph_realloc(w->trees, cap * sizeof *t);
        if (!t)
            return ENOMEM;
        w->trees = t;
        w->trees_cap = cap;
    }
    tree *t = ph_calloc(1, sizeof *t);
    if (!t)
        return ENOMEM;
    int err = 0;
    t->h = open_folder(given, FILE_LIST_DIRECTORY, FILE_FLAG_OVERLAPPED, &err);
    t->key = ++w->next_key;
    if (!err && !(err = folder_identity(t->h, &t->volume, &t->index))) {
        if (!(t->top = copy_text(top, strlen(top))) ||
            !(t->given = copy_text(given, strlen(given))))
            err = ENOMEM;
        else if (!CreateIoCompletionPort(t->h, w->port, t->key, 0))
            err = ph_win_errno(GetLastError());
        else
            err = start_read(t);
    }
    if (err) {
        tree_free(t);
        return err;
    }
    /* Trees below it are covered now: their folders stay in the set. */
    for (size_t i = w->ntrees; i-- > 0;)
        if (under(w->trees[i]->top, top))
            tree_close(w, i);
    w->trees[w->ntrees++] = t;
    return 0;
}

static tree *tree_covering(const ph_watch *w, const char *folder)
{
    for (size_t i = 0; i < w->ntrees; i++)
        if (under(folder, w->trees[i]->top))
            return w->trees[i];
    return NULL;
}

/* ---- the interface ---------------------------------------------------------- */

int ph_watch_new(ph_watch **out, int whole)
{
    (void)whole; /* every watch covers its tree */
    *out = NULL;
    ph_watch *w = ph_calloc(1, sizeof *w);
    if (!w)
        return ENOMEM;
    if (!(w->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1))) {
        int err = ph_win_errno(GetLastError());
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
    while (w->ntrees)
        tree_close(w, w->ntrees - 1);
    ph_free(w->trees);
    CloseHandle(w->port);
    for (size_t i = 0; i < w->set_cap; i++)
        if (w->set[i] != &g_removed)
            ph_free(w->set[i]);
    ph_free(w->set);
    ph_free(w->base);
    ph_free(w->path);
    ph_free(w);
}

int ph_watch_add(ph_watch *w, const char *folder)
{
    size_t n = strlen(folder);
    while (n > 0 && is_sep(folder[n - 1]))
        n--;
    char *top = copy_text(folder, n);
    if (!top)
        return ENOMEM;
    int err = 0;
    if (!set_has(w, top, n)) {
        if (tree_covering(w, top)) {
            ph_stat st;
            err = ph_stat_path(folder, 0, &st);
            if (!err && st.type != PH_FILE_DIRECTORY)
                err = ENOTDIR;
        } else {
            err = tree_open(w, folder, top);
        }
        if (!err)
            err = set_add(w, top);
    }
    ph_free(top);
    return err;
}

void ph_watch_remove(ph_watch *w, const char *folder)
{
    size_t n = strlen(folder);
    while (n > 0 && is_sep(folder[n - 1]))
        n--;
    int found = 0;
    size_t i = w->set_cap ? set_slot(w, folder, n, &found) : 0;
    if (!found)
        return;
    ph_free(w->set[i]);
    w->set[i] = &g_removed;
    /* Its tree ends when no folder of the set needs it. */
    for (size_t k = w->ntrees; k-- > 0;)
        if (!set_any_under(w, w->trees[k]->top))
            tree_close(w, k);
}

/* w->path = base + "/" + name (UTF-16, '\' between its folders). */
static int event_path(ph_watch *w, const wchar_t *name, size_t wlen)
{
    int m = wlen ? WideCharToMultiByte(CP_UTF8, 0, name, (int)wlen, NULL, 0, NULL, NULL) : 0;
    size_t b = strlen(w->base), need = b + 2 + (size_t)(m > 0 ? m : 0);
    if (wlen && m <= 0)
        return EILSEQ;
    if (need > w->path_cap) {
        char *p = ph_realloc(w->path, need);
        if (!p)
            return ENOMEM;
        w->path = p;
        w->path_cap = need;
    }
    memcpy(w->path, w->base, b);
    w->path[b] = '/';
    WideCharToMultiByte(CP_UTF8, 0, name, (int)wlen, w->path + b + 1, m, NULL, NULL);
    w->path[b + 1 + m] = '\0';
    for (char *c = w->path + b + 1; *c; c++)
        if (*c == '\\')
            *c = '/';
    return 0;
}

/* Where a record's name starts: a record is shorter than the struct when
 * its name has one character (the struct's size rounds FileName[1] up). */
#define NAME_AT offsetof(FILE_NOTIFY_INFORMATION, FileName)

/* The record after fi in the buffer being reported, or NULL. */
static const FILE_NOTIFY_INFORMATION *next_record(const ph_watch *w,
                                                  const FILE_NOTIFY_INFORMATION *fi)
{
    if (!fi->NextEntryOffset)
        return NULL;
    size_t at = (size_t)((const unsigned char *)fi - w->events) + fi->NextEntryOffset;
    if (at + NAME_AT > w->len)
        return NULL;
    const FILE_NOTIFY_INFORMATION *nx = (const void *)(w->events + at);
    return at + NAME_AT + nx->FileNameLength <= w->len ? nx : NULL;
}

/* The same file written again next in this read: announced there. */
static int repeated_next(const ph_watch *w, const FILE_NOTIFY_INFORMATION *fi)
{
    const FILE_NOTIFY_INFORMATION *nx = next_record(w, fi);
    return nx && (nx->Action == FILE_ACTION_ADDED || nx->Action == FILE_ACTION_MODIFIED) &&
           nx->FileNameLength == fi->FileNameLength &&
           !memcmp(nx->FileName, fi->FileName, fi->FileNameLength);
}

/* One record as our event; 1 when it is one to report. */
static int translate(ph_watch *w, const FILE_NOTIFY_INFORMATION *fi, ph_watch_event *ev)
{
    if (event_path(w, fi->FileName, fi->FileNameLength / sizeof(WCHAR)))
        return 0;
    if (fi->Action == FILE_ACTION_REMOVED || fi->Action == FILE_ACTION_RENAMED_OLD_NAME) {
        if (!set_has(w, w->path, strlen(w->path)))
            return 0; /* a file, or a folder not watched */
        set_remove_tree(w, w->path);
        *ev = (ph_watch_event){PH_WATCH_GONE, w->path, 0};
        return 1;
    }
    if (fi->Action != FILE_ACTION_ADDED && fi->Action != FILE_ACTION_MODIFIED &&
        fi->Action != FILE_ACTION_RENAMED_NEW_NAME)
        return 0;
    const char *slash = strrchr(w->path, '/');
    if (!set_has(w, w->path, (size_t)(slash - w->path)))
        return 0; /* its folder is not watched (yet) */
    ph_stat st;
    if (ph_stat_path(w->path, 0, &st))
        return 0; /* gone again: its removal follows */
    if (st.type == PH_FILE_DIRECTORY && fi->Action != FILE_ACTION_MODIFIED) {
        *ev = (ph_watch_event){PH_WATCH_FOLDER, w->path, 0};
        return 1;
    }
    if (st.type != PH_FILE_REGULAR || repeated_next(w, fi))
        return 0;
    *ev = (ph_watch_event){PH_WATCH_FILE, w->path, 0};
    return 1;
}

static int next_in_buffer(ph_watch *w, ph_watch_event *ev)
{
    while (w->off + NAME_AT <= w->len) {
        const FILE_NOTIFY_INFORMATION *fi = (const void *)(w->events + w->off);
        size_t end = w->off + NAME_AT + fi->FileNameLength;
        w->off = fi->NextEntryOffset ? w->off + fi->NextEntryOffset : w->len;
        if (end <= w->len && translate(w, fi, ev))
            return 1;
    }
    w->len = w->off = 0;
    return 0;
}

/* Tree i's top has gone: GONE with the path it was given as. */
static int tree_gone(ph_watch *w, size_t i, ph_watch_event *ev)
{
    tree *t = w->trees[i];
    size_t n = strlen(t->given) + 1;
    if (n > w->path_cap) {
        char *p = ph_realloc(w->path, n);
        if (!p)
            return 0; /* told at the next check */
        w->path = p;
        w->path_cap = n;
    }
    memcpy(w->path, t->given, n);
    set_remove_tree(w, t->top);
    tree_close(w, i);
    *ev = (ph_watch_event){PH_WATCH_GONE, w->path, 0};
    return 1;
}

/* Whether tree t's path still names the folder it watches. */
static int still_there(const tree *t)
{
    if (t->broken)
        return 0;
    int err = 0;
    HANDLE h = open_folder(t->given, FILE_READ_ATTRIBUTES, 0, &err);
    if (h == INVALID_HANDLE_VALUE)
        return err != ENOENT && err != EACCES; /* EACCES: deleted, its handles open */
    DWORD volume;
    uint64_t index;
    int same = !folder_identity(h, &volume, &index) && volume == t->volume && index == t->index;
    CloseHandle(h);
    return same;
}

static int find_gone(ph_watch *w, ph_watch_event *ev)
{
    for (size_t i = 0; i < w->ntrees; i++)
        if (!still_there(w->trees[i]))
            return tree_gone(w, i, ev);
    return 0;
}

/* Take one completion (waiting up to ms): 1 with *ev filled, else 0 (its
 * events, if any, are in w->events). */
static int take_completion(ph_watch *w, DWORD ms, ph_watch_event *ev)
{
    DWORD n = 0;
    ULONG_PTR key = 0;
    OVERLAPPED *ov = NULL;
    BOOL ok = GetQueuedCompletionStatus(w->port, &n, &key, &ov, ms);
    if (!ov)
        return 0; /* none came */
    DWORD err = ok ? 0 : GetLastError();
    size_t i = 0;
    while (i < w->ntrees && w->trees[i]->key != key)
        i++;
    if (i == w->ntrees)
        return 0; /* a closed tree's last one */
    tree *t = w->trees[i];
    if (err == ERROR_NOTIFY_ENUM_DIR || (!err && n == 0)) {
        t->broken = start_read(t) != 0;
        *ev = (ph_watch_event){PH_WATCH_OVERFLOW, NULL, 0};
        return 1;
    }
    if (err)
        return tree_gone(w, i, ev); /* the folder was deleted */
    char *base = copy_text(t->top, strlen(t->top));
    if (base) {
        memcpy(w->events, t->buf, n < sizeof w->events ? n : sizeof w->events);
        w->len = n;
        w->off = 0;
        ph_free(w->base);
        w->base = base;
    }
    t->broken = start_read(t) != 0;
    if (!base) { /* its events are lost */
        *ev = (ph_watch_event){PH_WATCH_OVERFLOW, NULL, 0};
        return 1;
    }
    return 0;
}

int ph_watch_next(ph_watch *w, double timeout, ph_watch_event *ev)
{
    double deadline = ph_now() + (timeout > 0 ? timeout : 0);
    for (;;) {
        if (next_in_buffer(w, ev))
            return 0;
        double now = ph_now();
        if (now >= w->next_check) {
            if (find_gone(w, ev))
                return 0; /* the others are checked at the next call */
            w->next_check = now + PH_WATCH_CHECK;
        }
        double wait = deadline - now;
        if (wait > w->next_check - now)
            wait = w->next_check - now;
        if (take_completion(w, wait > 0 ? (DWORD)(wait * 1000.0) + 1 : 0, ev))
            return 0;
        if (w->off >= w->len && ph_now() >= deadline)
            return ETIMEDOUT;
    }
}

const char *ph_watch_name(const ph_watch *w)
{
    (void)w;
    return "ReadDirectoryChangesW";
}

int ph_watch_recursive(const ph_watch *w)
{
    (void)w;
    return 0; /* the set gives inotify's meaning: each folder is added */
}

void ph_watch_limit(char *out, size_t n)
{
    snprintf(out, n, "none on Windows: one ReadDirectoryChangesW per watched tree");
}
