/* SPDX-License-Identifier: MIT */
/* The one folder walk of the library: depth first, the entries of each
 * folder in byte order of their names (files and folders interleaved, so
 * the order is stable and what `ls -R | sort` users expect), each folder
 * visited once whatever links, bind mounts or loops lead to it again, an
 * explicit stack so deep trees cannot exhaust the C stack, special files
 * counted and never opened. The scanner's walk controls: symbolic links
 * (PHASH_SCAN_OPT_FOLLOW_LINKS: none followed by default; when followed,
 * never to a target outside the root being walked, so a user's link to /proc
 * or / cannot lead a scan over the machine), file systems
 * (PHASH_SCAN_OPT_ONE_FILE_SYSTEM) and excluded names
 * (phash_scanner_add_exclude). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scan_int.h"

typedef struct seen_set {
    struct seen_slot {
        uint64_t dev, ino;
        int used;
    } *slots;
    size_t cap, n;
} seen_set;

static size_t slot_of(const seen_set *s, uint64_t dev, uint64_t ino)
{
    uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ (ino * 0xc2b2ae3d27d4eb4fULL);
    return (size_t)(h ^ (h >> 29)) & (s->cap - 1);
}

/* Add (dev, ino): 1 if new, 0 if already there, -1 out of memory. */
static int seen_add(seen_set *s, uint64_t dev, uint64_t ino)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        seen_set bigger = {ph_calloc(cap, sizeof *s->slots), cap, 0};
        if (!bigger.slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].used)
                seen_add(&bigger, s->slots[i].dev, s->slots[i].ino);
        ph_free(s->slots);
        *s = bigger;
    }
    size_t i = slot_of(s, dev, ino);
    while (s->slots[i].used) {
        if (s->slots[i].dev == dev && s->slots[i].ino == ino)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = (struct seen_slot){dev, ino, 1};
    s->n++;
    return 1;
}

typedef struct path_stack {
    char **items;
    size_t n, cap;
} path_stack;

static int push(path_stack *st, char *path)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        char **items = ph_realloc(st->items, cap * sizeof *items);
        if (!items)
            return -1;
        st->items = items;
        st->cap = cap;
    }
    st->items[st->n++] = path;
    return 0;
}


static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = ph_malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t o = a;
    if (a == 0 || dir[a - 1] != '/')
        p[o++] = '/';
    memcpy(p + o, name, b + 1);
    return p;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Push a folder's children, last name first, so that they pop in order. */
static int push_children(const char *dir, path_stack *todo, int *err)
{
    ph_dir *d;
    if ((*err = ph_dir_open(dir, &d)) != 0)
        return -1;
    size_t first = todo->n;
    const char *name;
    int rc = 0;
    while ((*err = ph_dir_next(d, &name)) == 0 && name) {
        char *child = join(dir, name);
        if (!child || push(todo, child)) {
            ph_free(child);
            *err = ENOMEM;
            rc = -1;
            break;
        }
    }
    ph_dir_close(d);
    if (*err && rc == 0)
        rc = -1; /* a read error part way: what was listed is still walked */
    size_t n = todo->n - first;
    if (n > 1) /* an empty folder may have left items NULL: qsort(NULL, ..) is UB */
        qsort(todo->items + first, n, sizeof *todo->items, by_name);
    for (size_t a = first, b = todo->n; a + 1 < b; a++, b--) {
        char *t = todo->items[a];
        todo->items[a] = todo->items[b - 1];
        todo->items[b - 1] = t;
    }
    return rc;
}

/* One walk from a root. */
typedef struct walk {
    phash_scanner *s;
    const ph_walk_sink *sink;
    seen_set seen;
    path_stack todo;
    char *root_real;      /* the root resolved (links followed only inside it) */
    uint64_t root_device; /* PHASH_SCAN_OPT_ONE_FILE_SYSTEM */
} walk;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A pattern with a '/' is matched against the whole path, others against
 * the last name only (as rsync and tar do). */
int ph_walk_excluded(const phash_scanner *s, const char *path)
{
    for (size_t i = 0; i < s->n_excludes; i++) {
        const char *p = s->excludes[i];
        if (ph_glob_match(p, strchr(p, '/') ? path : base_name(path)))
            return 1;
    }
    return 0;
}

/* Whether the link at path resolves to the root or below it. A dangling
 * link resolves nowhere: not followed. */
static int inside_root(const walk *w, const char *path)
{
    char *real;
    if (!w->root_real || ph_real_path(path, &real))
        return 0;
    size_t n = strlen(w->root_real);
    int in = !strncmp(real, w->root_real, n) &&
             (real[n] == '\0' || real[n] == '/' || real[n] == '\\' ||
              (n && (w->root_real[n - 1] == '/' || w->root_real[n - 1] == '\\')));
    ph_free(real);
    return in;
}

/* What a path found in a folder is, under the walk controls: 1 a file to
 * scan, 2 a folder to enter, 0 nothing (counted or reported). */
static int classify(walk *w, const char *path, ph_stat *st)
{
    phash_scanner *s = w->s;
    if (ph_walk_excluded(s, path))
        return 0;
    int err = ph_stat_path(path, 0, st);
    if (!err && st->type == PH_FILE_LINK) {
        if (!s->follow_links || !inside_root(w, path)) {
            ph_scan_count(s, PHASH_SCAN_LINKS_SKIPPED, 1);
            return 0;
        }
        err = ph_stat_path(path, 1, st);
    }
    if (err) {
        w->sink->error(w->sink->ctx, path, err, 0);
        return 0;
    }
    if (st->type == PH_FILE_REGULAR)
        return 1;
    if (st->type == PH_FILE_DIRECTORY) {
        if (s->one_file_system && st->device != w->root_device) {
            ph_scan_count(s, PHASH_SCAN_LINKS_SKIPPED, 1); /* a mount point */
            return 0;
        }
        return 2;
    }
    ph_scan_count(s, PHASH_SCAN_SPECIAL, 1);
    return 0;
}

static void enter(walk *w, const char *path, const ph_stat *st)
{
    int added = seen_add(&w->seen, st->device, st->inode);
    if (added <= 0) {
        if (added < 0)
            w->sink->error(w->sink->ctx, path, ENOMEM, 0);
        else
            ph_scan_count(w->s, PHASH_SCAN_LINKS_SKIPPED, 1); /* a loop or a second link */
        return;
    }
    int err;
    ph_scan_count(w->s, PHASH_SCAN_FOLDERS, 1);
    if (push_children(path, &w->todo, &err))
        w->sink->error(w->sink->ctx, path, err, 0);
}

int ph_walk(phash_scanner *s, const char *root, const ph_walk_sink *sink)
{
    ph_stat st;
    /* The root itself is followed when it is a link: the caller named it. */
    int err = ph_stat_path(root, 1, &st);
    if (err) {
        sink->error(sink->ctx, root, err, 1);
        return -1;
    }
    if (st.type != PH_FILE_DIRECTORY) {
        /* A file named by the caller is reported even when it is special
         * (the worker refuses it unopened: PHASH_ERR_NOT_REGULAR); inside
         * folders special files are only counted. */
        sink->file(sink->ctx, root, 1);
        return 0;
    }
    ph_dir *probe;
    if ((err = ph_dir_open(root, &probe)) != 0) {
        sink->error(sink->ctx, root, err, 1);
        return -1;
    }
    ph_dir_close(probe);
    walk w = {.s = s, .sink = sink, .root_device = st.device};
    if (s->follow_links && (err = ph_real_path(root, &w.root_real)) != 0) {
        sink->error(sink->ctx, root, err, 1);
        return -1;
    }
    enter(&w, root, &st);
    int stop = 0;
    while (w.todo.n) {
        char *path = w.todo.items[--w.todo.n];
        if (!stop && !atomic_load(&s->cancelled)) {
            switch (classify(&w, path, &st)) {
            case 1: stop = sink->file(sink->ctx, path, 0) != 0; break;
            case 2: enter(&w, path, &st); break;
            default: break;
            }
        }
        ph_free(path);
    }
    ph_free(w.todo.items);
    ph_free(w.seen.slots);
    ph_free(w.root_real);
    return 0;
}

phash_status phash_scanner_add_exclude(phash_scanner *s, const char *pattern)
{
    if (!s)
        return PHASH_ERR_INVALID_ARG;
    if (s->running)
        return ph_error_set(&s->err, PHASH_ERR_STATE, "a scan is running");
    if (!pattern) {
        ph_walk_release(s);
        return PHASH_OK;
    }
    if (!*pattern)
        return ph_error_set(&s->err, PHASH_ERR_INVALID_ARG, "empty exclude pattern");
    size_t n = strlen(pattern) + 1;
    char **grown = ph_realloc(s->excludes, (s->n_excludes + 1) * sizeof *grown);
    char *copy = ph_malloc(n);
    if (grown)
        s->excludes = grown;
    if (!grown || !copy) {
        ph_free(copy);
        return ph_error_set(&s->err, PHASH_ERR_NOMEM, "out of memory");
    }
    memcpy(copy, pattern, n);
    s->excludes[s->n_excludes++] = copy;
    return PHASH_OK;
}

void ph_walk_release(phash_scanner *s)
{
    for (size_t i = 0; i < s->n_excludes; i++)
        ph_free(s->excludes[i]);
    ph_free(s->excludes);
    s->excludes = NULL;
    s->n_excludes = 0;
}
