/* SPDX-License-Identifier: MIT */
/* Recursive folder walk (see walk.h). Folders are identified by (device,
 * inode): a folder reached again through a link, a bind mount or a loop is
 * skipped, so the walk always ends. An explicit stack (no recursion) keeps
 * deep trees from exhausting the C stack. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

typedef struct seen_set {
    struct {
        dev_t dev;
        ino_t ino;
        int used;
    } *slots;
    size_t cap, n;
} seen_set;

static size_t slot_of(const seen_set *s, dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)ino * 0xc2b2ae3d27d4eb4fULL);
    return (size_t)(h ^ (h >> 29)) & (s->cap - 1);
}

/* Add (dev, ino); 1 if it was new, 0 if already there, -1 out of memory. */
static int seen_add(seen_set *s, dev_t dev, ino_t ino)
{
    if ((s->n + 1) * 2 > s->cap) {
        seen_set bigger = {calloc(s->cap ? s->cap * 2 : 256, sizeof *s->slots),
                           s->cap ? s->cap * 2 : 256, 0};
        if (!bigger.slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].used)
                seen_add(&bigger, s->slots[i].dev, s->slots[i].ino);
        free(s->slots);
        *s = bigger;
    }
    size_t i = slot_of(s, dev, ino);
    while (s->slots[i].used) {
        if (s->slots[i].dev == dev && s->slots[i].ino == ino)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i].dev = dev;
    s->slots[i].ino = ino;
    s->slots[i].used = 1;
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
        char **items = realloc(st->items, cap * sizeof *items);
        if (!items)
            return -1;
        st->items = items;
        st->cap = cap;
    }
    st->items[st->n++] = path;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t o = a;
    if (a == 0 || dir[a - 1] != '/')
        p[o++] = '/';
    memcpy(p + o, name, b + 1);
    return p;
}

/* Read a folder's entry names, sorted (so output order is stable). */
static char **read_names(const char *dir, size_t *count, int *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        *err = errno;
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    *count = n;
    *err = 0;
    return names ? names : calloc(1, sizeof *names);
}

/* One path found in a folder: a file is reported, a folder is pushed once. */
static int visit(const char *path, walk_callbacks *cb, seen_set *seen, path_stack *todo,
                 char **owned)
{
    struct stat st;
    if (stat(path, &st)) {
        if (cb->error)
            cb->error(cb->ctx, path, errno);
        return 0;
    }
    if (S_ISREG(st.st_mode))
        return cb->file(cb->ctx, path, &st);
    if (!S_ISDIR(st.st_mode)) {
        cb->special++;
        return 0;
    }
    int added = seen_add(seen, st.st_dev, st.st_ino);
    if (added < 0) {
        if (cb->error)
            cb->error(cb->ctx, path, ENOMEM);
        return 0;
    }
    if (added == 0) {
        cb->links_skipped++; /* reached again: a loop or a second link */
        return 0;
    }
    if (push(todo, *owned)) {
        if (cb->error)
            cb->error(cb->ctx, path, ENOMEM);
        return 0;
    }
    *owned = NULL; /* the stack owns it now */
    return 0;
}

int walk(const char *root, walk_callbacks *cb, volatile sig_atomic_t *stop)
{
    struct stat st;
    if (stat(root, &st)) {
        if (cb->error)
            cb->error(cb->ctx, root, errno);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (S_ISREG(st.st_mode))
            cb->file(cb->ctx, root, &st);
        else
            cb->special++;
        return 0;
    }
    seen_set seen = {0};
    path_stack todo = {0};
    char *r = strdup(root);
    if (!r || seen_add(&seen, st.st_dev, st.st_ino) < 0 || push(&todo, r)) {
        free(r);
        free(seen.slots);
        return -1;
    }
    int stopped = 0;
    while (todo.n && !stopped) {
        char *dir = todo.items[--todo.n];
        size_t n, first_child = todo.n;
        int err;
        char **names = read_names(dir, &n, &err);
        cb->folders++;
        if (!names) {
            if (cb->error)
                cb->error(cb->ctx, dir, err);
            free(dir);
            continue;
        }
        if (cb->folder)
            cb->folder(cb->ctx, dir);
        for (size_t i = 0; i < n; i++) {
            char *path = stopped || (stop && *stop) ? NULL : join(dir, names[i]);
            if (!stopped && !(stop && *stop) && path)
                stopped = visit(path, cb, &seen, &todo, &path) != 0;
            stopped |= stop && *stop;
            free(path);
            free(names[i]);
        }
        free(names);
        free(dir);
        /* Children were pushed in name order; reverse them so the first
         * name is walked first. */
        for (size_t a = first_child, b = todo.n; a + 1 < b; a++, b--) {
            char *t = todo.items[a];
            todo.items[a] = todo.items[b - 1];
            todo.items[b - 1] = t;
        }
    }
    while (todo.n)
        free(todo.items[--todo.n]);
    free(todo.items);
    free(seen.slots);
    return 0;
}
