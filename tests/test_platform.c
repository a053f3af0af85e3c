/* SPDX-License-Identifier: MIT */
/* The platform layer (lib/platform/: posix.c, win32.c) through its own
 * interface, so that every port passes the same checks: files read as bytes
 * (no text-mode CRLF or ^Z handling), folder identity usable for loop
 * detection (Windows' C runtime gives st_ino 0), UTF-8 names outside any
 * ANSI code page, errors as errno values, threads. */
#include <errno.h>
#include <stdint.h>

#include "atomic_file.h"
#include "platform/platform.h"
#include "testutil.h"

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <direct.h>
#include <windows.h>
#include <aclapi.h>
#else
#include <sys/stat.h>
#include <unistd.h>
#endif

static char g_root[1024];

/* ---- helpers that create files (the layer only reads) ------------------- */

#ifdef _WIN32
static wchar_t *wide(const char *s)
{
    static wchar_t buf[2048];
    ck_assert(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, buf, 2048) > 0);
    return buf;
}
#endif

static void make_dir(const char *path)
{
#ifdef _WIN32
    ck_assert_msg(CreateDirectoryW(wide(path), NULL), "mkdir %s", path);
#else
    ck_assert_msg(mkdir(path, 0700) == 0, "mkdir %s", path);
#endif
}

static void write_file(const char *path, const void *data, size_t n)
{
#ifdef _WIN32
    FILE *f = _wfopen(wide(path), L"wb");
#else
    FILE *f = fopen(path, "wb");
#endif
    ck_assert_msg(f != NULL, "create %s", path);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static const char *at(const char *rel)
{
    static char buf[4][2048];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_root, rel);
    return buf[k];
}

/* A new folder per test (make_temp_dir: a process ID alone is not unique
 * under Wine, and a folder left by a run that failed must not fail the
 * next one). */
static void setup(void) { make_temp_dir(g_root, sizeof g_root, "phash-platform"); }

/* Leaves the few small files of a run in the temporary folder only if a
 * check failed before this point. */
static void remove_tree(const char *dir)
{
    ph_dir *d;
    if (ph_dir_open(dir, &d) != 0)
        return;
    const char *name;
    char path[2048];
    while (ph_dir_next(d, &name) == 0 && name) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        ph_stat st;
        if (ph_stat_path(path, 0, &st) == 0 && st.type == PH_FILE_DIRECTORY) {
            remove_tree(path);
            continue;
        }
#ifdef _WIN32
        DeleteFileW(wide(path));
#else
        unlink(path);
#endif
    }
    ph_dir_close(d);
#ifdef _WIN32
    RemoveDirectoryW(wide(dir));
#else
    rmdir(dir);
#endif
}

static void teardown(void) { remove_tree(g_root); }

static size_t read_all(const char *path, unsigned char *buf, size_t cap, ph_stat *st)
{
    ph_file *f;
    ck_assert_int_eq(ph_file_open(path, &f, st), 0);
    size_t total = 0, got;
    do {
        ck_assert_int_eq(ph_file_read(f, buf + total, cap - total, &got), 0);
        total += got;
    } while (got && total < cap);
    ph_file_close(f);
    return total;
}

/* ---- tests --------------------------------------------------------------- */

/* CR LF, a lone LF, ^Z (text-mode end of file on Windows) and NUL come back
 * exactly, and the size matches. */
START_TEST(files_read_as_bytes)
{
    static const unsigned char data[] = {'a', '\r', '\n', 'b', '\n', 0x1a, 'c', 0, 0xff, '\r'};
    write_file(at("bytes.bin"), data, sizeof data);
    unsigned char buf[64];
    ph_stat st;
    size_t n = read_all(at("bytes.bin"), buf, sizeof buf, &st);
    ck_assert_uint_eq(n, sizeof data);
    ck_assert(!memcmp(buf, data, sizeof data));
    ck_assert_int_eq(st.type, PH_FILE_REGULAR);
    ck_assert_uint_eq(st.size, sizeof data);
}
END_TEST

/* A mapping holds the file's bytes exactly; an empty file maps to nothing;
 * folders are refused. */
START_TEST(mapping)
{
    unsigned char data[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 8));
    data[10] = '\r';
    data[11] = '\n';
    data[12] = 0x1a;
    write_file(at("m.bin"), data, sizeof data);
    write_file(at("empty"), "", 0);
    make_dir(at("dir"));
    ph_map *m;
    ph_stat st;
    for (unsigned flags = 0; flags <= PH_MAP_SHARED; flags++) {
        ck_assert_int_eq(ph_map_open(at("m.bin"), flags, &m, &st), 0);
        ck_assert_uint_eq(ph_map_size(m), sizeof data);
        ck_assert_uint_eq(st.size, sizeof data);
        ck_assert(!memcmp(ph_map_data(m), data, sizeof data));
        ph_map_close(m);
        ck_assert_int_eq(ph_map_open(at("empty"), flags, &m, NULL), 0);
        ck_assert_uint_eq(ph_map_size(m), 0);
        ck_assert_ptr_null(ph_map_data(m));
        ph_map_close(m);
        m = (ph_map *)&m;
        ck_assert_int_eq(ph_map_open(at("dir"), flags, &m, NULL), EISDIR);
        ck_assert_ptr_null(m);
    }
    ph_map_close(NULL);
}
END_TEST

#ifndef _WIN32
/* A large file (80 MiB, sparse) opened by default and then truncated in
 * place by someone else: its bytes stay readable, to the last page. Until
 * files over 64 MiB were copied too, they were mapped and this read died
 * of SIGBUS. */
START_TEST(large_file_truncated_in_place)
{
    const off_t size = (off_t)80 << 20;
    write_file(at("big.bin"), "head", 4);
    ck_assert_int_eq(truncate(at("big.bin"), size), 0);
    ph_map *m;
    ck_assert_int_eq(ph_map_open(at("big.bin"), 0, &m, NULL), 0);
    ck_assert_uint_eq(ph_map_size(m), (size_t)size);
    ck_assert_int_eq(truncate(at("big.bin"), 0), 0);
    const unsigned char *p = ph_map_data(m);
    ck_assert(!memcmp(p, "head", 4));
    ck_assert_int_eq(p[size - 1], 0); /* the last page: SIGBUS if it were mapped */
    ph_map_close(m);
}
END_TEST
#endif

/* A folder reached through two paths has one identity; two folders have
 * two; the index is never 0 (the walker ends loops on it). */
START_TEST(folder_identity)
{
    make_dir(at("a"));
    make_dir(at("a/sub"));
    make_dir(at("b"));
    ph_stat a1, a2, b, sub;
    ck_assert_int_eq(ph_stat_path(at("a"), 1, &a1), 0);
    ck_assert_int_eq(ph_stat_path(at("a/sub/.."), 1, &a2), 0);
    ck_assert_int_eq(ph_stat_path(at("b"), 1, &b), 0);
    ck_assert_int_eq(ph_stat_path(at("a/sub"), 1, &sub), 0);
    ck_assert_int_eq(a1.type, PH_FILE_DIRECTORY);
    ck_assert_uint_ne(a1.inode, 0);
    ck_assert_uint_eq(a1.device, a2.device);
    ck_assert_uint_eq(a1.inode, a2.inode);
    ck_assert(a1.inode != b.inode || a1.device != b.device);
    ck_assert(a1.inode != sub.inode || a1.device != sub.device);
}
END_TEST

/* Names outside every ANSI code page (Latin, Greek, CJK, an emoji outside
 * the BMP) are listed and opened as UTF-8. */
START_TEST(utf8_names)
{
    static const char *const names[] = {"caf\xc3\xa9", "\xce\xbb\xcf\x8c\xce\xb3\xce\xbf\xcf\x82",
                                        "\xe6\x96\x87\xe4\xbb\xb6",
                                        "\xf0\x9f\x98\x80.jpg"};
    make_dir(at("u"));
    char rel[256];
    for (int i = 0; i < 4; i++) {
        snprintf(rel, sizeof rel, "u/%s", names[i]);
        write_file(at(rel), names[i], strlen(names[i]));
    }
    int seen[4] = {0};
    ph_dir *d;
    ck_assert_int_eq(ph_dir_open(at("u"), &d), 0);
    const char *name;
    int count = 0;
    while (ph_dir_next(d, &name) == 0 && name) {
        count++;
        for (int i = 0; i < 4; i++)
            seen[i] += !strcmp(name, names[i]);
    }
    ph_dir_close(d);
    ck_assert_int_eq(count, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(seen[i] == 1, "name %d listed %d times", i, seen[i]);
        snprintf(rel, sizeof rel, "u/%s", names[i]);
        unsigned char buf[64];
        size_t n = read_all(at(rel), buf, sizeof buf, NULL);
        ck_assert_uint_eq(n, strlen(names[i]));
        ck_assert(!memcmp(buf, names[i], n));
    }
}
END_TEST

START_TEST(errors)
{
    make_dir(at("d"));
    ph_file *f = (ph_file *)&f;
    ck_assert_int_eq(ph_file_open(at("d"), &f, NULL), EISDIR);
    ck_assert_ptr_null(f);
    ck_assert_int_eq(ph_file_open(at("missing"), &f, NULL), ENOENT);
    ph_stat st;
    ck_assert_int_eq(ph_stat_path(at("missing"), 1, &st), ENOENT);
    ph_dir *d;
    ck_assert_int_eq(ph_dir_open(at("missing"), &d), ENOENT);
    /* An empty folder lists nothing (no "." or ".."). */
    ck_assert_int_eq(ph_dir_open(at("d"), &d), 0);
    const char *name = "x";
    ck_assert_int_eq(ph_dir_next(d, &name), 0);
    ck_assert_ptr_null(name);
    ph_dir_close(d);
}
END_TEST

typedef struct shared {
    ph_mutex *m;
    ph_cond *c;
    int count, go;
} shared;

static void *worker(void *p)
{
    shared *s = p;
    ph_mutex_lock(s->m);
    while (!s->go)
        ph_cond_wait(s->c, s->m);
    ph_mutex_unlock(s->m);
    for (int i = 0; i < 10000; i++) {
        ph_mutex_lock(s->m);
        s->count++;
        ph_mutex_unlock(s->m);
    }
    return NULL;
}

START_TEST(threads)
{
    shared s = {0};
    ck_assert_int_eq(ph_mutex_new(&s.m), 0);
    ck_assert_int_eq(ph_cond_new(&s.c), 0);
    ph_thread *t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(ph_thread_start(&t[i], worker, &s), 0);
    ph_mutex_lock(s.m);
    s.go = 1;
    ph_cond_broadcast(s.c);
    ph_mutex_unlock(s.m);
    for (int i = 0; i < 4; i++)
        ph_thread_join(t[i]);
    ck_assert_int_eq(s.count, 40000);
    ph_cond_free(s.c);
    ph_mutex_free(s.m);
    double t0 = ph_now();
    ph_sleep(0.02);
    ck_assert(ph_now() - t0 >= 0.015);
}
END_TEST

/* ---- the atomic writer (lib/atomic_file.h: atomic_file.c, win32_atomic.c) ---- */

/* The number of entries of dir; their names go to stderr (a failed count
 * then shows what was left behind). */
static int count_entries(const char *dir)
{
    ph_dir *d;
    ck_assert_int_eq(ph_dir_open(dir, &d), 0);
    const char *name;
    int n = 0;
    while (ph_dir_next(d, &name) == 0 && name) {
        fprintf(stderr, "  %s: %s\n", dir, name);
        n++;
    }
    ph_dir_close(d);
    return n;
}

static void save(const char *path, const char *text)
{
    ph_atomic_file f;
    ph_error err = {0};
    ck_assert_msg(ph_atomic_open(&f, path, &err) == PHASH_OK, "%s", err.detail);
    ck_assert_int_eq(ph_atomic_write(&f, text, strlen(text)), 0);
    ck_assert_msg(ph_atomic_commit(&f, &err) == PHASH_OK, "%s", err.detail);
}

static void expect_contents(const char *path, const char *text)
{
    unsigned char buf[256];
    size_t n = read_all(path, buf, sizeof buf, NULL);
    ck_assert_uint_eq(n, strlen(text));
    ck_assert(memcmp(buf, text, n) == 0);
}

/* Saving over an existing file replaces it (Windows' rename() would not),
 * and leaves no temporary file beside it. */
START_TEST(atomic_replace_existing)
{
    const char *p = at("set.phx");
    save(p, "first contents");
    expect_contents(p, "first contents");
    save(p, "second, longer contents");
    expect_contents(p, "second, longer contents");
    save(p, "3");
    expect_contents(p, "3");
    ck_assert_int_eq(count_entries(g_root), 1);
}
END_TEST

/* Saving over a file that a reader has mapped (a served set): the reader
 * keeps the old bytes, a new open sees the new ones; once the reader is
 * gone, the next save leaves nothing but the target. */
START_TEST(atomic_replace_mapped)
{
    const char *p = at("served.phx");
    save(p, "old set, mapped by a reader");
    ph_map *m;
    ck_assert_int_eq(ph_map_open(p, PH_MAP_SHARED, &m, NULL), 0);
    save(p, "new set");
    ck_assert_uint_eq(ph_map_size(m), strlen("old set, mapped by a reader"));
    ck_assert(memcmp(ph_map_data(m), "old set, mapped by a reader", ph_map_size(m)) == 0);
    expect_contents(p, "new set");
    save(p, "newer set"); /* again while still mapped */
    expect_contents(p, "newer set");
    ph_map_close(m);
    save(p, "newest set");
    expect_contents(p, "newest set");
    ck_assert_int_eq(count_entries(g_root), 1);
}
END_TEST

/* pwrite goes to its offset and leaves the write position alone; abort
 * leaves the target as it was and no temporary file. */
START_TEST(atomic_pwrite_and_abort)
{
    const char *p = at("out.bin");
    ph_atomic_file f;
    ph_error err = {0};
    ck_assert_int_eq(ph_atomic_open(&f, p, &err), PHASH_OK);
    ck_assert_int_eq(ph_atomic_write(&f, "0000aaaa", 8), 0);
    ck_assert_int_eq(ph_atomic_pwrite(&f, "HEAD", 4, 0), 0);
    ck_assert_int_eq(ph_atomic_write(&f, "tail", 4), 0);
    ck_assert_int_eq(ph_atomic_commit(&f, &err), PHASH_OK);
    expect_contents(p, "HEADaaaatail");
    ck_assert_int_eq(ph_atomic_open(&f, p, &err), PHASH_OK);
    ck_assert_int_eq(ph_atomic_write(&f, "never", 5), 0);
    ph_atomic_abort(&f);
    expect_contents(p, "HEADaaaatail");
    ck_assert_int_eq(count_entries(g_root), 1);
}
END_TEST

/* A dead writer's temporary file is removed by the next save; a folder is
 * never replaced. */
START_TEST(atomic_stale_and_refusals)
{
    const char *p = at("list.phx");
    write_file(at("list.phx" PH_ATOMIC_TMP_TAG "deadbeef"), "left by a killed writer", 23);
    write_file(at("other.phx" PH_ATOMIC_TMP_TAG "deadbeef"), "another target's", 16);
    save(p, "x");
    ck_assert_int_eq(count_entries(g_root), 2); /* list.phx and other.phx's */
    make_dir(at("folder"));
    ph_atomic_file f;
    ph_error err = {0};
    ck_assert_int_eq(ph_atomic_open(&f, at("folder"), &err), PHASH_ERR_NOT_REGULAR);
    ck_assert_msg(strstr(err.detail, "a folder"), "%s", err.detail);
}
END_TEST

/* ph_file_make_private: created owner-only (0600; Windows: a protected DACL
 * of one entry, the owner's rights), an existing file made so, a folder
 * refused. */
START_TEST(private_files)
{
    char p[2048], loose[2048];
    snprintf(p, sizeof p, "%s", at("state.db"));
    snprintf(loose, sizeof loose, "%s", at("loose"));
    ck_assert_int_eq(ph_file_make_private(p), 0);
    ck_assert_int_eq(ph_file_make_private(p), 0);
    write_file(loose, "x", 1);
    ck_assert_int_eq(ph_file_make_private(loose), 0);
    make_dir(at("dir"));
    ck_assert_int_eq(ph_file_make_private(at("dir")), EISDIR);
    const char *files[] = {p, loose};
    for (int i = 0; i < 2; i++) {
#ifdef _WIN32
        PACL dacl = NULL;
        PSECURITY_DESCRIPTOR sd = NULL;
        ck_assert_int_eq(GetNamedSecurityInfoW(wide(files[i]), SE_FILE_OBJECT,
                                               DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
                                               NULL, &sd),
                         ERROR_SUCCESS);
        ck_assert_ptr_nonnull(dacl);
        /* Wine does not keep DACLs (it derives one of 3 entries from the
         * Unix mode): the one-entry check needs a real Windows. */
        if (!GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version"))
            ck_assert_uint_eq(dacl->AceCount, 1);
        LocalFree(sd);
#else
        struct stat sb;
        ck_assert_int_eq(stat(files[i], &sb), 0);
        ck_assert_int_eq(sb.st_mode & 0777, 0600);
#endif
    }
#ifndef _WIN32
    ck_assert_int_eq(symlink("state.db", at("link")), 0);
    ck_assert_int_eq(ph_file_make_private(at("link")), ELOOP);
#endif
    /* ph_rename_replace replaces */
    ck_assert_int_eq(ph_rename_replace(loose, p), 0);
    expect_contents(p, "x");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("platform");
    TCase *tc = tcase_create("platform");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, files_read_as_bytes);
    tcase_add_test(tc, mapping);
#ifndef _WIN32
    tcase_add_test(tc, large_file_truncated_in_place);
#endif
    tcase_add_test(tc, folder_identity);
    tcase_add_test(tc, utf8_names);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, threads);
    tcase_add_test(tc, atomic_replace_existing);
    tcase_add_test(tc, atomic_replace_mapped);
    tcase_add_test(tc, atomic_pwrite_and_abort);
    tcase_add_test(tc, atomic_stale_and_refusals);
    tcase_add_test(tc, private_files);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
