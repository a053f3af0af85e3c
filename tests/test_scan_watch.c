/* SPDX-License-Identifier: MIT */
/* Change notification through the scanner (phash_scanner_watch, _wait;
 * lib/scan/watch.c over lib/platform's ph_watch): files written in a
 * watched tree are reported once, under their final name (a temporary name
 * renamed is never reported); a new folder is watched; the root deleted and
 * created again is watched again. On Linux every test runs with inotify
 * (PHASH_SCAN_OPT_WATCH_FANOTIFY 0), then with fanotify (skipped, said,
 * only when fanotify_init refuses: EPERM, ENOSYS), which also has tests of
 * its own: a deep folder made after the watch, files outside the roots on
 * the same file system, a queue overflow. The lost-events, watch-limit and
 * CLI cases are in tests/test_scan_watch.py. No timed assertion: each step
 * waits (in 0.2 s watch waits, at most a minute) for the reports it
 * expects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phash/phash.h"
#include "platform/platform.h"
#include "testutil.h"

#ifdef __linux__
#include <fcntl.h>
#include <sys/fanotify.h>
#endif

/* This run's watch: 1 of whole file systems (fanotify), 0 per folder. */
static int g_whole;

/* A scanner with this run's watch. */
static phash_scanner *new_scanner(void)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_WATCH_FANOTIFY, g_whole), PHASH_OK);
    return s;
}

/* The watch is this run's: said by phash_scanner_watch_backend. */
static void check_backend(const phash_scanner *s)
{
    const char *b = phash_scanner_watch_backend(s);
#ifdef _WIN32
    ck_assert_msg(!strncmp(b, "ReadDirectoryChangesW:", 22), "backend: %s", b);
#else
    const char *want = g_whole ? "fanotify: one mark per file system" : "inotify: one watch per folder";
    ck_assert_msg(!strncmp(b, want, strlen(want)), "backend: %s", b);
#endif
}

#define MAX_SEEN 32

typedef struct seen {
    char paths[MAX_SEEN][256];
    int n;
} seen;

static int on_report(void *ctx, const phash_scan_report *r)
{
    seen *c = ctx;
    ck_assert_int_lt(c->n, MAX_SEEN);
    snprintf(c->paths[c->n++], sizeof c->paths[0], "%s", r->path);
    return 0;
}

static int count_of(const seen *c, const char *path)
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        k += !strcmp(c->paths[i], path);
    return k;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Written under path.part, then renamed: as a browser saves a download. */
static void write_renamed(const char *path, const char *text)
{
    char part[300];
    snprintf(part, sizeof part, "%s.part", path);
    write_text(part, text);
    ck_assert_int_eq(rename(part, path), 0);
}

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#endif

/* Under Wine 8.0 a file written in a folder renamed inside the watched
 * tree is never reported by ReadDirectoryChangesW (Wine follows each folder
 * with its own inotify watch); Windows watches the tree through one handle.
 * Not checked under Wine: the README's list of checks for a real Windows
 * machine names change notification. */
static int under_wine(void)
{
#ifdef _WIN32
    return GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version") != NULL;
#else
    return 0;
#endif
}

/* The (empty) root folder taken away: deleted, or under Wine moved aside.
 * Wine deletes a folder that still has handles open (the watch's) only
 * when they close, and tells no one: neither the watch's read nor an open
 * of the path sees it (Windows fails both). Moving it away is seen. The
 * moved folder is removed by remove_moved_root. */
static void take_root_away(const char *root)
{
#ifdef _WIN32
    if (under_wine()) {
        char moved[300];
        snprintf(moved, sizeof moved, "%s.moved", root);
        ck_assert_int_eq(rename(root, moved), 0);
        return;
    }
#endif
    ck_assert_int_eq(rmdir(root), 0);
}

static void remove_moved_root(const char *root)
{
    char moved[300];
    snprintf(moved, sizeof moved, "%s.moved", root);
    rmdir(moved);
}

/* Follow the watch until path was reported (at most a minute). */
static void wait_for(phash_scanner *s, const seen *c, const char *path)
{
    for (int i = 0; i < 300 && !count_of(c, path); i++)
        ck_assert_int_eq(phash_scanner_watch_wait(s, 0.2), PHASH_OK);
    ck_assert_msg(count_of(c, path) == 1, "%s reported %d times", path, count_of(c, path));
}

START_TEST(needs_a_scan)
{
    phash_scanner *s = new_scanner();
    ck_assert_int_eq(phash_scanner_watch(s, "/tmp"), PHASH_ERR_STATE);
    ck_assert_str_eq(phash_scanner_watch_backend(s), "");
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_WATCH_FANOTIFY), g_whole);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_WATCH_FANOTIFY, 2),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0), PHASH_ERR_STATE);
    ck_assert_str_eq(phash_scanner_watch_detail(s), "");
    ck_assert_int_eq(phash_scanner_get_option(s, PHASH_SCAN_OPT_WATCH_RESCAN), 600);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_WATCH_RESCAN, -1),
                     PHASH_ERR_INVALID_ARG);
    seen c = {0};
    ck_assert_int_eq(phash_scanner_start(s, on_report, &c), PHASH_OK);
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0), PHASH_ERR_STATE);
    ck_assert_int_eq(phash_scanner_watch(s, NULL), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    phash_scanner_free(s);
}
END_TEST

START_TEST(files_folders_and_a_root_created_again)
{
    char root[256];
    make_temp_dir(root, sizeof root, "phash-watch");
    char p[4][400];
    snprintf(p[0], sizeof p[0], "%s/before.txt", root);
    write_text(p[0], "written before the scan\n");

    phash_scanner *s = new_scanner();
    seen c = {0};
    ck_assert_int_eq(phash_scanner_start(s, on_report, &c), PHASH_OK);
    phash_status ws = phash_scanner_watch(s, root);
    if (ws == PHASH_ERR_UNSUPPORTED) { /* an OS without the library's watch */
        ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
        phash_scanner_free(s);
        return;
    }
    ck_assert_int_eq(ws, PHASH_OK);
    check_backend(s);
    ck_assert_int_eq(phash_scanner_submit(s, root), PHASH_OK);
    wait_for(s, &c, p[0]);

    /* a file in the root, a file in a new folder */
    snprintf(p[1], sizeof p[1], "%s/y.txt", root);
    write_renamed(p[1], "y\n");
    wait_for(s, &c, p[1]);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/new", root);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(p[2], sizeof p[2], "%s/x.txt", sub);
    write_renamed(p[2], "x\n");
    wait_for(s, &c, p[2]);

    /* the root deleted and created again */
    unlink(p[0]);
    unlink(p[1]);
    unlink(p[2]);
    ck_assert_int_eq(rmdir(sub), 0);
    take_root_away(root);
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0.3), PHASH_OK); /* it is gone */
    ck_assert_int_eq(mkdir(root, 0700), 0);
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0.5), PHASH_OK); /* it is back */
    snprintf(p[3], sizeof p[3], "%s/z.txt", root);
    write_renamed(p[3], "z\n");
    wait_for(s, &c, p[3]);

    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    for (int i = 0; i < c.n; i++)
        ck_assert_msg(!strstr(c.paths[i], ".part"), "a temporary was reported: %s", c.paths[i]);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_WATCH_OVERFLOWS), 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_UNWATCHED), 0);
    ck_assert_int_eq(c.n, 4);
    phash_scanner_free(s);
    unlink(p[3]);
    rmdir(root);
    remove_moved_root(root);
}
END_TEST

/* The walk controls hold for the watch: nothing in or below an excluded
 * folder (one there before the watch, one made after) nor an excluded file
 * is submitted; a symbolic link to a folder moved in is not followed. The
 * file written last is reported; those before it in the same folder and
 * earlier would have been by then. */
START_TEST(excluded_paths_not_watched)
{
    char root[256], out[256];
    make_temp_dir(root, sizeof root, "phash-watch");
    make_temp_dir(out, sizeof out, "phash-watch-out");
    char old[300], made[300], deep[320], link[300], p[5][400];
    snprintf(old, sizeof old, "%s/skip-old", root);
    ck_assert_int_eq(mkdir(old, 0700), 0);
    phash_scanner *s = new_scanner();
    ck_assert_int_eq(phash_scanner_add_exclude(s, "skip*"), PHASH_OK);
    seen c = {0};
    ck_assert_int_eq(phash_scanner_start(s, on_report, &c), PHASH_OK);
    phash_status ws = phash_scanner_watch(s, root);
    if (ws == PHASH_ERR_UNSUPPORTED) {
        ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
        phash_scanner_free(s);
        return;
    }
    ck_assert_int_eq(ws, PHASH_OK);
    check_backend(s);
    ck_assert_int_eq(phash_scanner_submit(s, root), PHASH_OK);
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0.3), PHASH_OK);
    ck_assert_int_eq(c.n, 0);

    snprintf(made, sizeof made, "%s/skip-new", root);
    ck_assert_int_eq(mkdir(made, 0700), 0);
    snprintf(deep, sizeof deep, "%s/deep", made);
    ck_assert_int_eq(mkdir(deep, 0700), 0);
    snprintf(p[0], sizeof p[0], "%s/a.txt", old);
    snprintf(p[1], sizeof p[1], "%s/b.txt", deep);
    snprintf(p[2], sizeof p[2], "%s/skip.txt", root);
    snprintf(p[3], sizeof p[3], "%s/outside.txt", out);
    for (int i = 0; i < 4; i++)
        write_text(p[i], "excluded\n");
    snprintf(link, sizeof link, "%s/link", root); /* to a folder outside the root */
#ifndef _WIN32
    ck_assert_int_eq(symlink(out, link), 0);
#endif
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0.3), PHASH_OK);
    snprintf(p[4], sizeof p[4], "%s/kept.txt", root);
    write_renamed(p[4], "kept\n");
    wait_for(s, &c, p[4]);
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    for (int i = 0; i < c.n; i++)
        ck_assert_msg(!strcmp(c.paths[i], p[4]), "reported: %s", c.paths[i]);
    ck_assert_int_eq(c.n, 1);
    phash_scanner_free(s);
    for (int i = 0; i < 5; i++)
        unlink(p[i]);
    unlink(link);
    rmdir(deep);
    rmdir(made);
    rmdir(old);
    rmdir(out);
    rmdir(root);
}
END_TEST

/* The platform layer's watch alone: events of a folder, none after it is
 * removed, the folder's own deletion. */
START_TEST(platform_watch)
{
    ph_watch *w = NULL;
    int err = ph_watch_new(&w, g_whole);
    if (err == ENOSYS)
        return;
    ck_assert_int_eq(err, 0);
#ifdef __linux__
    ck_assert_str_eq(ph_watch_name(w), g_whole ? "fanotify" : "inotify");
    ck_assert_int_eq(ph_watch_recursive(w), g_whole);
#endif
    char root[256];
    make_temp_dir(root, sizeof root, "phash-watch");
    ck_assert_int_eq(ph_watch_add(w, root), 0);
    ck_assert_int_eq(ph_watch_add(w, root), 0); /* again: a no-op */
    char f[300], d[300];
    snprintf(f, sizeof f, "%s/a.txt", root);
    snprintf(d, sizeof d, "%s/d", root); /* Windows: a record shorter than its struct */
    write_text(f, "a\n");
    ck_assert_int_eq(mkdir(d, 0700), 0);
    ph_watch_event ev;
    ck_assert_int_eq(ph_watch_next(w, 5.0, &ev), 0);
    ck_assert_int_eq(ev.kind, PH_WATCH_FILE);
    ck_assert_str_eq(ev.path, f);
    ck_assert_int_eq(ph_watch_next(w, 5.0, &ev), 0);
#ifdef _WIN32
    /* Windows tells writes, not closes: the file may come again. */
    for (int i = 0; i < 8 && ev.kind == PH_WATCH_FILE && !strcmp(ev.path, f); i++)
        ck_assert_int_eq(ph_watch_next(w, 5.0, &ev), 0);
#endif
    ck_assert_int_eq(ev.kind, PH_WATCH_FOLDER);
    ck_assert_str_eq(ev.path, d);
    ck_assert_int_eq(ev.covered, ph_watch_recursive(w)); /* created: its files come as events */
    ck_assert_int_eq(ph_watch_next(w, 0.05, &ev), ETIMEDOUT);
    ck_assert_int_eq(rmdir(d), 0);
    unlink(f);
    take_root_away(root);
    ck_assert_int_eq(ph_watch_next(w, 5.0, &ev), 0);
    ck_assert_int_eq(ev.kind, PH_WATCH_GONE);
    ck_assert_str_eq(ev.path, root);
    /* removed: a folder's events stop */
    ck_assert_int_eq(mkdir(root, 0700), 0);
    ck_assert_int_eq(ph_watch_add(w, root), 0);
    ph_watch_remove(w, root);
    write_text(f, "a\n");
    ck_assert_int_eq(ph_watch_next(w, 0.2, &ev), ETIMEDOUT);
    unlink(f);
    rmdir(root);
    remove_moved_root(root);
    char limit[128];
    ph_watch_limit(limit, sizeof limit);
#ifdef _WIN32
    ck_assert_ptr_nonnull(strstr(limit, "ReadDirectoryChangesW"));
#else
    ck_assert_ptr_nonnull(strstr(limit, "inotify"));
#endif
    ph_watch_free(w);
}
END_TEST

/* A scanner watching a new folder root, its first walk done (before.txt
 * reported). */
static phash_scanner *watching(char *root, size_t n, seen *c)
{
    make_temp_dir(root, n, "phash-watch");
    char before[400];
    snprintf(before, sizeof before, "%s/before.txt", root);
    write_text(before, "before\n");
    phash_scanner *s = new_scanner();
    ck_assert_int_eq(phash_scanner_start(s, on_report, c), PHASH_OK);
    ck_assert_int_eq(phash_scanner_watch(s, root), PHASH_OK);
    check_backend(s);
    ck_assert_int_eq(phash_scanner_submit(s, root), PHASH_OK);
    wait_for(s, c, before);
    return s;
}

/* Files outside the roots, on the same file system (a whole-file-system
 * watch sees their events), are not reported. */
START_TEST(outside_the_roots)
{
    char root[256], other[256], p[2][400];
    seen c = {0};
    phash_scanner *s = watching(root, sizeof root, &c);
    make_temp_dir(other, sizeof other, "phash-watch-other");
    snprintf(p[0], sizeof p[0], "%s/other.txt", other);
    snprintf(p[1], sizeof p[1], "%s/mine.txt", root);
    write_text(p[0], "not watched\n");
    write_text(p[1], "watched\n");
    wait_for(s, &c, p[1]);
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    ck_assert_int_eq(count_of(&c, p[0]), 0);
    ck_assert_int_eq(c.n, 2);
    phash_scanner_free(s);
    unlink(p[0]);
    unlink(p[1]);
    snprintf(p[0], sizeof p[0], "%s/before.txt", root);
    unlink(p[0]);
    rmdir(other);
    rmdir(root);
}
END_TEST

/* A folder renamed: files written in it later are reported under its new
 * name (fanotify names folders by handle and keeps their paths: a move
 * must empty that cache). The moved folder is walked: its file comes again
 * under the new name. */
START_TEST(folder_renamed)
{
    char root[256], a[300], b[300], p[3][400];
    seen c = {0};
    phash_scanner *s = watching(root, sizeof root, &c);
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(b, sizeof b, "%s/b", root);
    ck_assert_int_eq(mkdir(a, 0700), 0);
    snprintf(p[0], sizeof p[0], "%s/x.txt", a);
    write_text(p[0], "x\n");
    wait_for(s, &c, p[0]);
    ck_assert_int_eq(rename(a, b), 0);
    snprintf(p[1], sizeof p[1], "%s/x.txt", b);
    wait_for(s, &c, p[1]); /* the moved folder walked */
    snprintf(p[2], sizeof p[2], "%s/y.txt", b);
    write_text(p[2], "y\n");
    if (!under_wine()) /* see under_wine */
        wait_for(s, &c, p[2]);
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    snprintf(p[0], sizeof p[0], "%s/y.txt", a);
    ck_assert_int_eq(count_of(&c, p[0]), 0);
    phash_scanner_free(s);
    unlink(p[1]);
    unlink(p[2]);
    rmdir(b);
    snprintf(p[0], sizeof p[0], "%s/before.txt", root);
    unlink(p[0]);
    rmdir(root);
}
END_TEST

#ifdef __linux__
/* fanotify: a file written in a deep folder made after the watch began is
 * reported once, when closed (the folders are covered: not walked, which
 * would report it again); a temporary renamed is reported by its final
 * name only. */
START_TEST(deep_folder_reported_once)
{
    char root[256], dir[400], p[2][450];
    seen c = {0};
    phash_scanner *s = watching(root, sizeof root, &c);
    snprintf(dir, sizeof dir, "%s/a", root);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/a/b", root);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/a/b/c", root);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(p[0], sizeof p[0], "%s/deep.txt", dir);
    snprintf(p[1], sizeof p[1], "%s/renamed.txt", dir);
    FILE *f = fopen(p[0], "w");
    ck_assert_ptr_nonnull(f);
    fputs("deep\n", f);
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0.6), PHASH_OK); /* still open: not yet */
    ck_assert_int_eq(count_of(&c, p[0]), 0);
    ck_assert_int_eq(fclose(f), 0);
    wait_for(s, &c, p[0]);
    write_renamed(p[1], "renamed\n");
    wait_for(s, &c, p[1]);
    ck_assert_int_eq(phash_scanner_watch_wait(s, 0.6), PHASH_OK); /* nothing more comes */
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    for (int i = 0; i < c.n; i++)
        ck_assert_msg(!strstr(c.paths[i], ".part"), "a temporary was reported: %s", c.paths[i]);
    ck_assert_int_eq(count_of(&c, p[0]), 1);
    ck_assert_int_eq(c.n, 3);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_WATCH_OVERFLOWS), 0);
    phash_scanner_free(s);
    unlink(p[0]);
    unlink(p[1]);
    for (int i = 0; i < 3; i++) {
        rmdir(dir);
        *strrchr(dir, '/') = '\0';
    }
    snprintf(p[0], sizeof p[0], "%s/before.txt", root);
    unlink(p[0]);
    rmdir(root);
}
END_TEST

#define FLOOD 17000 /* files: more events than fanotify's queue holds (16384) */

/* fanotify: events of the whole file system share one queue; when it
 * overflows (here: files written outside the root while the scan reads
 * none), the root is walked again and finds the file whose event was
 * dropped. */
START_TEST(overflow_walks_again)
{
    char root[256], flood[256], p[400];
    seen c = {0};
    phash_scanner *s = watching(root, sizeof root, &c);
    make_temp_dir(flood, sizeof flood, "phash-watch-flood");
    for (int i = 0; i < FLOOD; i++) {
        snprintf(p, sizeof p, "%s/%d", flood, i);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(close(fd), 0);
    }
    snprintf(p, sizeof p, "%s/late.txt", root);
    write_text(p, "its event was dropped\n");
    wait_for(s, &c, p);
    ck_assert_int_eq(phash_scanner_finish(s), PHASH_OK);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_WATCH_OVERFLOWS), 1);
    ck_assert_int_eq(c.n, 3); /* before.txt again (the walk), late.txt */
    phash_scanner_free(s);
    unlink(p);
    snprintf(p, sizeof p, "%s/before.txt", root);
    ck_assert_int_eq(count_of(&c, p), 2);
    unlink(p);
    rmdir(root);
    for (int i = 0; i < FLOOD; i++) {
        snprintf(p, sizeof p, "%s/%d", flood, i);
        unlink(p);
    }
    rmdir(flood);
}
END_TEST
#endif

static Suite *watch_suite(int whole)
{
    g_whole = whole;
    Suite *su = suite_create(whole ? "scan_watch (fanotify)" : "scan_watch");
    TCase *tc = tcase_create("watch");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, platform_watch);
    tcase_add_test(tc, needs_a_scan);
    tcase_add_test(tc, files_folders_and_a_root_created_again);
    tcase_add_test(tc, excluded_paths_not_watched);
    tcase_add_test(tc, outside_the_roots);
    tcase_add_test(tc, folder_renamed);
#ifdef __linux__
    if (whole) {
        tcase_add_test(tc, deep_folder_reported_once);
        tcase_add_test(tc, overflow_walks_again);
    }
#endif
    suite_add_tcase(su, tc);
    return su;
}

/* Whether this system lets the test use fanotify; said when not. */
static int fanotify_usable(void)
{
#ifdef __linux__
    int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC, O_RDONLY);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    if (errno != EPERM && errno != ENOSYS)
        return 1; /* the library must cope: the run fails */
    printf("fanotify tests skipped: fanotify_init: %s\n", strerror(errno));
#endif
    return 0;
}

int main(void)
{
    int rc = run_suite(watch_suite(0));
    if (fanotify_usable())
        rc |= run_suite(watch_suite(1));
    return rc;
}
